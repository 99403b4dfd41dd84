"""Decoding text input: BOMs, UTF-8, UTF-16 and the legacy Windows encodings.

Text formats (plain text, Markdown, JSON) share one rule: honour a byte-order mark;
otherwise try UTF-8, then UTF-16 when the bytes look like it, then cp1252 and finally
latin-1 (which decodes anything), warning whenever the result is a guess.
"""

from __future__ import annotations

import codecs

from briefconv.errors import InputError, warn

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _looks_like_utf16(data: bytes) -> str | None:
    """'utf-16-le'/'-be' when most odd or even bytes are NUL, as in ASCII text in UTF-16."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even_nuls = sample[0::2].count(0) / len(sample[0::2])
    odd_nuls = sample[1::2].count(0) / len(sample[1::2])
    if odd_nuls > 0.4 and even_nuls < 0.05:
        return "utf-16-le"
    if even_nuls > 0.4 and odd_nuls < 0.05:
        return "utf-16-be"
    return None


def decode_text(data: bytes) -> str:
    """Decode ``data`` as described in the module docstring; newlines become ``\\n``."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _normalise_newlines(_strict(data[len(bom):], encoding))
    if _looks_like_utf16(data) is None:
        try:
            return _normalise_newlines(data.decode("utf-8"))
        except UnicodeDecodeError:
            pass
    return _normalise_newlines(_decode_legacy(data))


def _strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(f"invalid {encoding} text at byte {exc.start}") from None


def _decode_legacy(data: bytes) -> str:
    utf16 = _looks_like_utf16(data)
    if utf16:
        try:
            text = data.decode(utf16)
            warn(f"no byte-order mark; read as {utf16.upper()}")
            return text
        except UnicodeDecodeError:
            pass
    try:
        text = data.decode("cp1252")
        warn("not valid UTF-8; read as Windows-1252 (cp1252)")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
        warn("not valid UTF-8 or Windows-1252; read as Latin-1")
    return text


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")
