"""briefconv-html: a briefconv plugin that writes a brief as one standalone HTML5 page.

briefconv finds this module through the ``briefconv`` entry-point group (see this
distribution's pyproject.toml) and calls the hook below, which registers one format,
``html``, that can be written but not read.  The writer itself lives in
:mod:`briefconv_html.writer`, declared with ``briefconv.lazy`` so that it is imported
only when a brief is written as HTML.
"""

from __future__ import annotations

from briefconv import Format, hookimpl, lazy

__version__ = "0.1.0"


@hookimpl
def briefconv_register_formats(register) -> None:
    register(Format(
        name="html",
        extensions=(".html",),
        writer=lazy("briefconv_html.writer:write_html"),
        description="one standalone, accessible HTML5 page (briefconv-html plugin)",
    ))
