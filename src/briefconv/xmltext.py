"""Escaping text for XML written as text, byte for byte as lxml serialises it.

The DOCX and JATS writers build their XML as strings (importing lxml costs more than
writing a whole brief); they escape through these two functions so that their output
is what lxml would have written.
"""


def escape_text(text: str) -> str:
    """Element text: ``& < >`` and a carriage return (which a parser would read as a newline)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def escape_attribute(value: str) -> str:
    """An attribute value, in double quotes: also ``"`` and the whitespace characters a
    parser would normalise to spaces."""
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
            .replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;"))
