"""briefconv: convert policy briefs between plain text, Markdown, DOCX, PDF and JATS.

    >>> import briefconv
    >>> doc = briefconv.read("brief.txt")           # -> briefconv.ir.Document
    >>> briefconv.write(doc, "jats", "brief.xml")
    >>> briefconv.convert("brief.txt", "docx")      # writes brief.docx beside it
"""

__version__ = "0.1.0"

from briefconv.api import convert, read, write  # noqa: E402
from briefconv.hookspecs import hookimpl  # noqa: E402
from briefconv.ir import Document  # noqa: E402
from briefconv.plugins import Filter, Format, lazy  # noqa: E402

__all__ = ["Document", "Filter", "Format", "convert", "hookimpl", "lazy", "read", "write", "__version__"]
