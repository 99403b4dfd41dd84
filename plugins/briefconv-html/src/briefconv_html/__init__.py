"""briefconv-html: a briefconv plugin that writes a brief as one standalone HTML5 page.

briefconv finds this module through the ``briefconv`` entry-point group (see this
distribution's pyproject.toml) and calls the hook below, which registers one format,
``html``, that can be written but not read.  The writer itself lives in
:mod:`briefconv_html.writer`.
"""

from __future__ import annotations

from typing import Mapping

from briefconv import Document, Format, hookimpl

__version__ = "0.1.0"
__all__ = ["write_html", "__version__"]


def write_html(document: Document, options: Mapping[str, str]) -> bytes:
    """Imported on first use, so that other conversions do not pay for the writer."""
    from briefconv_html.writer import write_html as write

    return write(document, options)


@hookimpl
def briefconv_register_formats(register) -> None:
    register(Format(
        name="html",
        extensions=(".html",),
        writer=write_html,
        description="one standalone, accessible HTML5 page (briefconv-html plugin)",
    ))
