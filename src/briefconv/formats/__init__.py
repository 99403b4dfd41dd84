"""The built-in formats, one module each; every one is a plugin like any other.

The tuple that lists them is :data:`briefconv.plugins.BUILTIN_PLUGINS`.
"""
