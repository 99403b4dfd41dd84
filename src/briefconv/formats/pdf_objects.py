"""PDF files as objects, for a PDF writer of briefconv's own.

:class:`PdfFile` numbers objects as they are added and writes each once: streams as
they are, every other object into one compressed object stream, and the
cross-references as a stream too (PDF 1.5, read by every current viewer), so that
nothing in the file is left uncompressed.  Python values map onto PDF values:
``dict`` (dictionary), ``list``/``tuple`` (array), :class:`Name`, ``str`` (a literal
string, as PDFDocEncoding when it fits, else UTF-16BE), ``bytes`` (a hex string),
``int``/``float`` (numbers, never in exponent form), ``bool``, ``None`` (null) and
:class:`Ref` (an indirect reference); a :class:`Raw` string is written as it is.
Streams are compressed with zlib at a level given once.

The bytes depend only on what was added: no dates, no random file identifier (the
``/ID`` is a digest of the objects), so the same document gives the same file.

:func:`embed_truetype` embeds a :class:`~briefconv.formats.pdf_truetype.TrueTypeFont`
subset as a ``/Type0`` font whose text is written as two-byte glyph ids
(``/Identity-H``), with the widths of the glyphs used and a ``/ToUnicode`` map, so
that text extraction gives the characters back.
"""

from __future__ import annotations

import functools
import re
import struct
import zlib
from typing import Any, Callable, Mapping

from briefconv.formats.pdf_truetype import TrueTypeFont


class Name(str):
    """A PDF name: ``Name("Font")`` is written ``/Font``."""


class Ref(int):
    """An indirect reference to object number ``self``."""


class Raw(str):
    """A value already in PDF syntax, written as it is."""


class PdfFile:
    """Objects added in order, written as one PDF file by :meth:`finish`."""

    def __init__(self, compression: int = 6) -> None:
        self.compression = compression
        self._bodies: list[bytes | None] = [None]  # object 0 is the free list's head
        self._streams: set[int] = set()  # the numbers of stream objects, written outside the object stream

    def reserve(self) -> Ref:
        """A number for an object given later with :meth:`put` (pages point at their parent)."""
        self._bodies.append(None)
        return Ref(len(self._bodies) - 1)

    def put(self, ref: Ref, value: object) -> Ref:
        self._bodies[ref] = serialize(value)
        return ref

    def add(self, value: object) -> Ref:
        return self.put(self.reserve(), value)

    def add_stream(self, data: bytes, entries: Mapping[str, object] | None = None, compress: bool = True) -> Ref:
        """A stream of ``data``, compressed unless told not to."""
        if compress:
            return self.add_compressed_stream(zlib.compress(data, self.compression), entries)
        return self._stream(data, dict(entries or {}))

    def add_compressed_stream(self, data: bytes, entries: Mapping[str, object] | None = None) -> Ref:
        """A stream of ``data``, already compressed with zlib."""
        return self._stream(data, {**(entries or {}), "Filter": Name("FlateDecode")})

    def _stream(self, data: bytes, entries: dict) -> Ref:
        entries["Length"] = len(data)
        ref = self.reserve()
        self._bodies[ref] = serialize(entries) + b"\nstream\n" + data + b"\nendstream"
        self._streams.add(ref)
        return ref

    def finish(self, root: Ref, info: Ref | None = None) -> bytes:
        """The whole file: header, objects, cross-references, trailer.

        Objects that are not streams travel compressed in one object stream, and the
        cross-references are a stream too (PDF 1.5): a brief's dictionaries of links,
        destinations and glyph widths are a sixth of its file and deflate to a fifth.
        """
        missing = [number for number, body in enumerate(self._bodies) if body is None and number]
        if missing:
            raise ValueError(f"objects reserved but never given: {missing}")
        packed = [number for number in range(1, len(self._bodies)) if number not in self._streams]
        object_stream = len(self._bodies)
        xref_number = object_stream + 1
        out = [b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"]
        position = len(out[0])
        # number -> (1, offset, 0) for an object in the file, (2, object stream, index) for a packed one
        entries: dict[int, tuple[int, int, int]] = {0: (0, 0, 0xFFFF)}
        bodies = [(number, self._bodies[number]) for number in sorted(self._streams)]
        bodies.append((object_stream, self._object_stream(packed)))
        for number, body in bodies:
            chunk = b"%d 0 obj\n%s\nendobj\n" % (number, body)
            entries[number] = (1, position, 0)
            out.append(chunk)
            position += len(chunk)
        entries.update((number, (2, object_stream, index)) for index, number in enumerate(packed))
        entries[xref_number] = (1, position, 0)
        written = b"".join(out[1:])
        digest = struct.pack(">IIQ", zlib.crc32(written), zlib.adler32(written), len(written))
        row = struct.Struct(">BIH" if len(packed) <= 0xFFFF else ">BII")
        rows = zlib.compress(b"".join([row.pack(*entries[number]) for number in range(xref_number + 1)]),
                             self.compression)
        trailer = {"Type": Name("XRef"), "Size": xref_number + 1, "W": [1, 4, row.size - 5], "Root": root,
                   "ID": [digest, digest], "Filter": Name("FlateDecode"), "Length": len(rows)}
        if info is not None:
            trailer["Info"] = info
        out.append(b"%d 0 obj\n%s\nstream\n%s\nendstream\nendobj\n" % (xref_number, serialize(trailer), rows))
        out.append(b"startxref\n%d\n%%%%EOF\n" % position)
        return b"".join(out)

    def _object_stream(self, numbers: list[int]) -> bytes:
        """The body of an object stream holding the objects ``numbers`` (PDF 7.5.7)."""
        bodies: list[bytes] = [self._bodies[number] for number in numbers]  # type: ignore[misc]
        heads, offset = [], 0
        for number, body in zip(numbers, bodies):
            heads.append(b"%d %d" % (number, offset))
            offset += len(body) + 1
        first = b" ".join(heads) + b"\n"
        data = zlib.compress(first + b"\n".join(bodies), self.compression)
        entries = {"Type": Name("ObjStm"), "N": len(numbers), "First": len(first),
                   "Filter": Name("FlateDecode"), "Length": len(data)}
        return serialize(entries) + b"\nstream\n" + data + b"\nendstream"


# ----------------------------------------------------------------- serializing

_NOT_PDFDOC = re.compile(rb"[\x7f-\xa0]")  # where PDFDocEncoding and Latin-1 differ
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_.+*-]+")
_NAME_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.+*")


def serialize(value: object) -> bytes:
    """``value`` in PDF syntax (see the module's docstring for the mapping)."""
    out: list[str] = []
    _write(value, out)
    return "".join(out).encode("latin-1")  # one character per byte: names and strings are escaped


def _write(value: object, out: list[str]) -> None:
    leaf = _LEAVES.get(type(value))
    if leaf is not None:
        out.append(leaf(value))
    elif type(value) is list or type(value) is tuple:
        out.append("[")
        for index, item in enumerate(value):  # type: ignore[arg-type]
            if index:
                out.append(" ")
            leaf = _LEAVES.get(type(item))
            if leaf is not None:  # no call for a number in an array: /W holds hundreds
                out.append(leaf(item))
            else:
                _write(item, out)
        out.append("]")
    elif type(value) is dict:
        out.append("<< ")
        for index, (key, item) in enumerate(value.items()):  # type: ignore[attr-defined]
            out.append(f" {_name(key)} " if index else f"{_name(key)} ")
            _write(item, out)
        out.append(" >>")
    else:
        _write_other(value, out)


def _write_other(value: object, out: list[str]) -> None:
    """The rarer values, and subclasses of the common ones."""
    if isinstance(value, Ref):
        out.append(_ref(value))
    elif isinstance(value, Name):
        out.append(_name(value))
    elif isinstance(value, bool):
        out.append("true" if value else "false")
    elif isinstance(value, int):
        out.append(str(int(value)))
    elif isinstance(value, float):
        out.append(number(value))
    elif isinstance(value, str):
        out.append(_text_string(value).decode("latin-1"))
    elif isinstance(value, (bytes, bytearray)):
        out.append("<" + bytes(value).hex().upper() + ">")
    elif isinstance(value, dict):
        _write(dict(value), out)
    elif isinstance(value, (list, tuple)):
        _write(list(value), out)
    elif value is None:
        out.append("null")
    else:
        raise TypeError(f"no PDF form for {type(value).__name__}")


def _ref(ref: Ref) -> str:
    return f"{int(ref)} 0 R"


# Names and numbers are remembered as written: a file writes the same few dozen names
# (Type, Rect, XYZ...) and, page after page, the same baselines, margins and sizes.
@functools.lru_cache(maxsize=10_000)
def _name(name: str) -> str:
    if _PLAIN_NAME.fullmatch(name):  # nearly every name: no escaping to do
        return "/" + name
    return "/" + "".join(chr(c) if c in _NAME_SAFE else f"#{c:02X}" for c in name.encode("utf-8"))


@functools.lru_cache(maxsize=10_000)
def number(value: float) -> str:
    """``value`` with at most three decimals and no exponent, as PDF readers require."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


# the exact types of nearly all the values a PDF file holds, and how each is written
_LEAVES: dict[type, Callable[[Any], str]] = {int: str, float: number, Name: _name, Ref: _ref, Raw: str}


def rgb(colour: tuple[float, float, float]) -> str:
    """The three operands of an ``rg``/``RG`` colour operator."""
    return " ".join(number(c) for c in colour)


def _text_string(text: str) -> bytes:
    try:
        raw = text.encode("latin-1")  # PDFDocEncoding agrees with Latin-1 on these
        if _NOT_PDFDOC.search(raw):
            raise UnicodeEncodeError("latin-1", text, 0, 1, "differs from PDFDocEncoding")
    except UnicodeEncodeError:
        raw = b"\xfe\xff" + text.encode("utf-16-be")
    escaped = raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)").replace(b"\r", b"\\r")
    return b"(" + escaped + b")"


# --------------------------------------------------------------------- fonts


def subset_tag(glyphs: list[int]) -> str:
    """Six capital letters naming this subset, the same for the same glyphs (PDF 9.6.4)."""
    value = zlib.crc32(repr(glyphs).encode("ascii"))
    letters = []
    for _ in range(6):
        value, digit = divmod(value, 26)
        letters.append(chr(ord("A") + digit))
    return "".join(letters)


def embed_truetype(pdf: PdfFile, font: TrueTypeFont, postscript_name: str, used: Mapping[int, str],
                   serif: bool = True, italic: bool = False) -> Ref:
    """Embed the glyphs ``used`` of ``font`` (glyph id -> the text it stands for)."""
    glyphs = sorted(set(used) | {0})
    base = Name(f"{subset_tag(glyphs)}+{postscript_name}")
    scale = 1000 / font.units_per_em
    file_ref = pdf.add_compressed_stream(_compressed_subset(font, tuple(glyphs), pdf.compression))
    flags = (2 if serif else 0) | 32 | (64 if italic else 0)  # serif, nonsymbolic, italic
    descriptor = pdf.add({
        "Type": Name("FontDescriptor"), "FontName": base, "Flags": flags,
        "FontBBox": [round(v * scale) for v in font.bbox], "ItalicAngle": float(font.italic_angle),
        "Ascent": round(font.ascent * scale), "Descent": round(font.descent * scale),
        "CapHeight": round(font.cap_height * scale), "StemV": 80, "FontFile2": file_ref,
    })
    widths, to_unicode_map = _font_tables(font, tuple(sorted(used.items())), pdf.compression)
    descendant = pdf.add({
        "Type": Name("Font"), "Subtype": Name("CIDFontType2"), "BaseFont": base,
        "CIDSystemInfo": {"Registry": "Adobe", "Ordering": "Identity", "Supplement": 0},
        "FontDescriptor": descriptor, "W": widths, "CIDToGIDMap": Name("Identity"),
    })
    to_unicode = pdf.add_compressed_stream(to_unicode_map)
    return pdf.add({
        "Type": Name("Font"), "Subtype": Name("Type0"), "BaseFont": base, "Encoding": Name("Identity-H"),
        "DescendantFonts": [descendant], "ToUnicode": to_unicode,
    })


# A subset, its widths and its ToUnicode map are functions of the font and the glyphs
# drawn alone, and briefs of one publisher draw on much the same characters (~80 per
# face): a batch worker makes the same ones again and again, so they are remembered.
SUBSET_MEMO_LIMIT = 64  # subsets of some 15-40 KB each


@functools.lru_cache(maxsize=SUBSET_MEMO_LIMIT)
def _font_tables(font: TrueTypeFont, used: tuple[tuple[int, str], ...], level: int) -> tuple[Raw, bytes]:
    """The ``/W`` array, written, and the compressed ``/ToUnicode`` map of the glyphs ``used``."""
    scale = 1000 / font.units_per_em
    widths: list[object] = []  # [first [w w w] first [w] ...]: one array per run of consecutive ids
    for glyph in sorted({glyph for glyph, _ in used} | {0}):
        width = round(font.advance(glyph) * scale)
        if widths and widths[-2] + len(widths[-1]) == glyph:  # type: ignore[operator, arg-type]
            widths[-1].append(width)  # type: ignore[union-attr]
        else:
            widths += [glyph, [width]]
    to_unicode = _to_unicode_cmap({glyph: text for glyph, text in used if text})
    return Raw(serialize(widths).decode("latin-1")), zlib.compress(to_unicode, level)


@functools.lru_cache(maxsize=SUBSET_MEMO_LIMIT)
def _compressed_subset(font: TrueTypeFont, glyphs: tuple[int, ...], level: int) -> bytes:
    """The compressed subset of ``font`` holding ``glyphs``."""
    return zlib.compress(font.subset(glyphs), level)


def _to_unicode_cmap(used: Mapping[int, str]) -> bytes:
    lines = [
        "/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def", "/CMapType 2 def",
        "1 begincodespacerange", "<0000> <FFFF>", "endcodespacerange",
    ]
    items = sorted(used.items())
    for start in range(0, len(items), 100):  # at most 100 entries per block
        block = items[start:start + 100]
        lines.append(f"{len(block)} beginbfchar")
        lines += [f"<{glyph:04X}> <{text.encode('utf-16-be').hex().upper()}>" for glyph, text in block]
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines).encode("ascii")
