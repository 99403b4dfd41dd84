"""TrueType fonts for a PDF writer of briefconv's own: metrics, and subsets to embed.

A font is read once per process (:class:`TrueTypeFont`): its table directory, the
metrics a PDF font descriptor needs, the character-to-glyph map (cmap formats 4 and
12) and every glyph's advance width.  :meth:`TrueTypeFont.subset` returns the font with
the outlines of every glyph a document does not use emptied.  Glyph ids stay as they
are, so text can be written as glyph ids (``/Identity-H``) and the subset needs no
CIDToGIDMap; the unused glyphs cost four bytes each in ``loca`` and nothing in
``glyf``.  A composite glyph (an accented letter built from a base and an accent)
keeps the glyphs it is built from.

What a PDF viewer needs of an embedded TrueType font is kept: ``head``, ``hhea``,
``maxp``, ``hmtx``, ``loca``, ``glyf`` and the hinting tables ``cvt``, ``fpgm`` and
``prep``.  ``post`` becomes version 3 (no glyph names); ``cmap``, ``name``, ``OS/2``,
``kern`` and the OpenType layout tables are left out: a PDF addresses glyphs by id, and
its font descriptor carries the names and metrics.

Untrusted fonts are not the point (briefconv embeds the fonts it ships), but a damaged
file still fails with :class:`FontError`, never with an index error deep inside.
"""

from __future__ import annotations

import functools
import itertools
import struct
from typing import Any, Callable, Iterable

#: Tables a subset keeps as they are (``head``, ``loca``, ``glyf`` and ``post`` are rebuilt).
KEPT_TABLES = ("cvt ", "fpgm", "hhea", "hmtx", "maxp", "prep")

# composite glyph component flags (the OpenType 'glyf' table)
_ARG_1_AND_2_ARE_WORDS = 0x0001
_WE_HAVE_A_SCALE = 0x0008
_MORE_COMPONENTS = 0x0020
_WE_HAVE_AN_X_AND_Y_SCALE = 0x0040
_WE_HAVE_A_TWO_BY_TWO = 0x0080


class _PerCharacter(dict):
    """Character -> ``compute(character)``, filled in as characters are met: a text is then
    a ``map`` over the table, with no call per character once its characters are known."""

    def __init__(self, compute: Callable[[str], Any]) -> None:
        super().__init__()
        self.compute = compute

    def __missing__(self, char: str) -> Any:
        value = self[char] = self.compute(char)
        return value


class FontError(ValueError):
    """The font file is damaged or not a TrueType font briefconv can embed."""


class TrueTypeFont:
    """One TrueType font file, read for embedding in PDF (see the module's docs)."""

    def __init__(self, data: bytes, name: str = "font") -> None:
        self.data = data
        self.name = name
        try:
            self.tables = self._directory()
            self._read_head()
            self._read_metrics()
            self.cmap = self._read_cmap()
        except (struct.error, IndexError, KeyError) as exc:
            raise FontError(f"{name}: not a usable TrueType font ({type(exc).__name__}: {exc})") from None

    # ------------------------------------------------------------------ reading

    def _directory(self) -> dict[str, tuple[int, int]]:
        version, count = struct.unpack_from(">IH", self.data, 0)
        if version not in (0x00010000, 0x74727565):  # 'true': old Apple TrueType
            raise FontError(f"{self.name}: not a TrueType font (CFF outlines are not supported)")
        tables = {}
        for index in range(count):
            tag, _checksum, offset, length = struct.unpack_from(">4sIII", self.data, 12 + 16 * index)
            if offset + length > len(self.data):
                raise FontError(f"{self.name}: table {tag!r} runs past the end of the file")
            tables[tag.decode("latin-1")] = (offset, length)
        for required in ("head", "hhea", "maxp", "hmtx", "loca", "glyf", "cmap"):
            if required not in tables:
                raise FontError(f"{self.name}: no {required!r} table")
        return tables

    def table(self, tag: str) -> bytes:
        offset, length = self.tables[tag]
        return self.data[offset:offset + length]

    def _read_head(self) -> None:
        head = self.table("head")
        self.units_per_em = struct.unpack_from(">H", head, 18)[0]
        self.bbox = struct.unpack_from(">hhhh", head, 36)
        self.long_loca = struct.unpack_from(">h", head, 50)[0] == 1
        self.glyph_count = struct.unpack_from(">H", self.table("maxp"), 4)[0]
        if not self.units_per_em:
            raise FontError(f"{self.name}: unitsPerEm is 0")

    def _read_metrics(self) -> None:
        hhea = self.table("hhea")
        self.ascent, self.descent = struct.unpack_from(">hh", hhea, 4)
        metric_count = struct.unpack_from(">H", hhea, 34)[0]
        # (advance, left side bearing) pairs; glyphs past the last pair share its advance
        advances = list(struct.unpack_from(f">{2 * metric_count}H", self.table("hmtx"))[0::2])
        advances += [advances[-1]] * (self.glyph_count - metric_count)
        self.advances = advances
        self.cap_height = self.ascent * 7 // 10
        self.italic_angle = 0.0
        if "OS/2" in self.tables:
            os2 = self.table("OS/2")
            if len(os2) >= 90 and struct.unpack_from(">H", os2, 0)[0] >= 2:
                self.cap_height = struct.unpack_from(">h", os2, 88)[0]
        if "post" in self.tables:
            post = self.table("post")
            whole, fraction = struct.unpack_from(">hH", post, 4)
            self.italic_angle = whole + fraction / 65536

    def _read_cmap(self) -> dict[int, int]:
        cmap = self.table("cmap")
        count = struct.unpack_from(">H", cmap, 2)[0]
        found: dict[tuple[int, int], int] = {}
        for index in range(count):
            platform, encoding, offset = struct.unpack_from(">HHI", cmap, 4 + 8 * index)
            found[(platform, encoding)] = offset
        for key in ((3, 10), (0, 4), (3, 1), (0, 3)):  # full Unicode first, then the BMP
            if key in found:
                offset = found[key]
                form = struct.unpack_from(">H", cmap, offset)[0]
                if form == 12:
                    return _cmap_format_12(cmap, offset)
                if form == 4:
                    return _cmap_format_4(cmap, offset)
        raise FontError(f"{self.name}: no Unicode cmap (format 4 or 12)")

    # ------------------------------------------------------------------ metrics

    def glyph(self, char: str) -> int:
        """The glyph id of ``char``; 0 (the missing-glyph box) when the font lacks it."""
        return self.cmap.get(ord(char), 0)

    def covers(self, char: str) -> bool:
        return ord(char) in self.cmap

    def advance(self, glyph: int) -> int:
        """The advance width of ``glyph`` in font units."""
        return self.advances[glyph] if glyph < len(self.advances) else self.advances[0]

    def text_width(self, text: str) -> float:
        """The width of ``text`` in ems (multiply by the point size), without kerning."""
        return sum(map(self._char_advances.__getitem__, text)) / self.units_per_em

    def glyph_hex(self, text: str) -> str:
        """The glyph ids of ``text`` as four hex digits each, as ``/Identity-H`` text shows them."""
        return "".join(map(self._char_hexes.__getitem__, text))

    @functools.cached_property
    def _char_advances(self) -> dict[str, int]:
        return _PerCharacter(lambda char: self.advances[self.cmap.get(ord(char), 0)])

    @functools.cached_property
    def _char_hexes(self) -> dict[str, str]:
        return _PerCharacter(lambda char: f"{self.glyph(char):04X}")

    # ------------------------------------------------------------------ subsets

    def glyph_data(self, glyph: int) -> bytes:
        start, end = self._loca(glyph), self._loca(glyph + 1)
        offset, length = self.tables["glyf"]
        if not 0 <= start <= end <= length:
            raise FontError(f"{self.name}: glyph {glyph} lies outside the glyf table")
        return self.data[offset + start:offset + end]

    def _loca(self, index: int) -> int:
        offset, _ = self.tables["loca"]
        if self.long_loca:
            return struct.unpack_from(">I", self.data, offset + 4 * index)[0]
        return struct.unpack_from(">H", self.data, offset + 2 * index)[0] * 2

    def components(self, glyph: int) -> list[int]:
        """The glyphs a composite ``glyph`` is built from (none for a simple glyph)."""
        data = self.glyph_data(glyph)
        if len(data) < 10 or struct.unpack_from(">h", data, 0)[0] >= 0:
            return []
        found, position = [], 10
        while True:
            flags, component = struct.unpack_from(">HH", data, position)
            found.append(component)
            position += 4 + (4 if flags & _ARG_1_AND_2_ARE_WORDS else 2)
            if flags & _WE_HAVE_A_SCALE:
                position += 2
            elif flags & _WE_HAVE_AN_X_AND_Y_SCALE:
                position += 4
            elif flags & _WE_HAVE_A_TWO_BY_TWO:
                position += 8
            if not flags & _MORE_COMPONENTS:
                return found

    def closure(self, glyphs: Iterable[int]) -> set[int]:
        """``glyphs``, the missing-glyph box, and every glyph a composite among them uses."""
        wanted = {0}
        todo = [g for g in glyphs if 0 <= g < self.glyph_count]
        while todo:
            glyph = todo.pop()
            if glyph not in wanted:
                wanted.add(glyph)
                todo.extend(c for c in self.components(glyph) if c < self.glyph_count)
        return wanted

    def subset(self, glyphs: Iterable[int]) -> bytes:
        """The font with every outline but those of ``glyphs`` (and their parts) emptied."""
        try:
            wanted = sorted(glyph for glyph in self.closure(glyphs) if 0 <= glyph < self.glyph_count)
            glyf = [self.glyph_data(glyph) for glyph in wanted]
        except (struct.error, IndexError) as exc:
            raise FontError(f"{self.name}: damaged glyph data ({exc})") from None
        glyf = [data + b"\0" * (-len(data) % 4) for data in glyf]
        lengths = [0] * self.glyph_count  # every other glyph is left with an empty outline
        for glyph, data in zip(wanted, glyf):
            lengths[glyph] = len(data)
        offsets = [0, *itertools.accumulate(lengths)]
        head = bytearray(self.table("head"))
        struct.pack_into(">I", head, 8, 0)  # checkSumAdjustment, set once the file is whole
        struct.pack_into(">h", head, 50, 1)  # long loca offsets
        tables = {tag: self.table(tag) for tag in KEPT_TABLES if tag in self.tables}
        tables["head"] = bytes(head)
        tables["loca"] = struct.pack(f">{len(offsets)}I", *offsets)
        tables["glyf"] = b"".join(glyf)
        # version 3: the header (italic angle, underline, pitch) without glyph names
        header = self.table("post")[4:32] if "post" in self.tables else b""
        tables["post"] = b"\x00\x03\x00\x00" + header.ljust(28, b"\0")
        return _font_file(tables)


# ---------------------------------------------------------------------- helpers


def _cmap_format_4(cmap: bytes, offset: int) -> dict[int, int]:
    segments = struct.unpack_from(">H", cmap, offset + 6)[0] // 2
    ends = struct.unpack_from(f">{segments}H", cmap, offset + 14)
    starts = struct.unpack_from(f">{segments}H", cmap, offset + 16 + 2 * segments)
    deltas = struct.unpack_from(f">{segments}h", cmap, offset + 16 + 4 * segments)
    range_base = offset + 16 + 6 * segments
    range_offsets = struct.unpack_from(f">{segments}H", cmap, range_base)
    mapping = {}
    for index in range(segments):
        start, end, delta, range_offset = starts[index], ends[index], deltas[index], range_offsets[index]
        for code in range(start, min(end, 0xFFFE) + 1):
            if range_offset == 0:
                glyph = (code + delta) & 0xFFFF
            else:
                at = range_base + 2 * index + range_offset + 2 * (code - start)
                glyph = struct.unpack_from(">H", cmap, at)[0]
                if glyph:
                    glyph = (glyph + delta) & 0xFFFF
            if glyph:
                mapping[code] = glyph
    return mapping


def _cmap_format_12(cmap: bytes, offset: int) -> dict[int, int]:
    groups = struct.unpack_from(">I", cmap, offset + 12)[0]
    mapping = {}
    for index in range(groups):
        start, end, first = struct.unpack_from(">III", cmap, offset + 16 + 12 * index)
        if end - start > 0x10FFFF:
            raise FontError("a cmap group spans more than Unicode")
        for code in range(start, end + 1):
            mapping[code] = first + code - start
    return mapping


def _checksum(data: bytes) -> int:
    padded = data + b"\0" * (-len(data) % 4)
    return sum(struct.unpack(f">{len(padded) // 4}I", padded)) & 0xFFFFFFFF


def _font_file(tables: dict[str, bytes]) -> bytes:
    """An sfnt file of ``tables``, sorted by tag, with checksums and checkSumAdjustment set."""
    tags = sorted(tables)
    count = len(tags)
    power = 1
    while power * 2 <= count:
        power *= 2
    header = struct.pack(">IHHHH", 0x00010000, count, power * 16, power.bit_length() - 1, count * 16 - power * 16)
    directory, body = [], []
    offset = 12 + 16 * count
    for tag in tags:
        data = tables[tag]
        directory.append(struct.pack(">4sIII", tag.encode("latin-1"), _checksum(data), offset, len(data)))
        padded = data + b"\0" * (-len(data) % 4)
        body.append(padded)
        offset += len(padded)
    font = bytearray(header + b"".join(directory) + b"".join(body))
    head_offset = 12 + 16 * count + sum(len(b) for b in body[:tags.index("head")])
    struct.pack_into(">I", font, head_offset + 8, (0xB1B0AFBA - _checksum(bytes(font))) & 0xFFFFFFFF)
    return bytes(font)
