"""The built-in formats; every one is a plugin like any other.

Each format has a light plugin module named after it (``txt``, ``markdown``,
``irjson``, ``jats``, ``pdf``, ``docx``): its docstring says what the format keeps and
loses, and its hook registers the format with ``briefconv.lazy`` references to the
code that does the work, in ``<format>_reader`` and ``<format>_writer`` modules (with
``_rules``, ``_common``, ``_fonts``… helpers beside them).  Every run imports the
plugin modules; a conversion imports only the reader and writer it uses.  The tuple
that lists the plugin modules is :data:`briefconv.plugins.BUILTIN_PLUGINS`.
"""
