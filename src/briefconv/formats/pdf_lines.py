"""Paragraphs into lines, and lines into PDF text operators, for briefconv's own PDF writer.

A paragraph arrives as :class:`Run` s: text in one :class:`Style` (font, size, colour,
rise for superscripts, a link).  :func:`break_lines` cuts it into :class:`Line` s no
wider than the measure, first fit, the way a careful word processor does:

- words are cut at white space only; a word may span runs (``brief`` + a superscript
  ``1``), and its pieces stay together;
- a word that does not fit is hyphenated at the hyphenator's points when the line
  would otherwise be loose (more than :data:`LOOSE_LINE` ems of slack), never leaving
  fewer than two letters on either side; a word with a hyphen of its own breaks there
  first;
- a word wider than the whole measure (a long URL) is cut after a slash or before
  ``?&#=._~-``, and character by character if it still does not fit;
- justified lines share the slack between their spaces; the last line is not justified.

The work is linear in the paragraph's length: each word is measured once (memoised by
font and text) and looked at once.  :func:`line_operators` turns a placed line into the
``TJ`` operators of a content stream, glyph ids written as four hex digits
(``/Identity-H``), with a real space glyph between words so that text extraction sees
the spaces.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Callable, NamedTuple, Sequence

from briefconv.formats.pdf_objects import number, rgb
from briefconv.formats.pdf_truetype import TrueTypeFont

LOOSE_LINE = 2.0  # ems of slack that make hyphenating worth it
LINE_BREAK = "\u2028"  # a run of just this ends the line there (the IR's LineBreak)
MIN_HYPHENATED_WORD = 6  # letters
_URL_BREAK = re.compile(r"(?<=/)|(?=[?&#=._~-])")
_PUNCTUATION = "\"'“”‘’()[]{}.,;:!?…«»"
# where words break: not U+00A0 or U+202F, the no-break spaces ("10 km", "Mr Lee" kept together)
_SPACES = re.compile(r"[ \t\n\r\u2000-\u200a\u205f\u3000]+")


class Style(NamedTuple):
    """How a run is set.  ``font`` is a key of the writer's fonts; ``link`` is ``uri:…`` or ``#name``.

    A tuple, so that comparing and hashing styles (which the drawing does for every
    change of font) happens in C.
    """

    font: str
    size: float
    colour: tuple[float, float, float] = (0.0, 0.0, 0.0)
    rise: float = 0.0
    link: str | None = None


class Run(NamedTuple):
    text: str
    style: Style
    anchor: str | None = None  # a destination named at the run's start (a note's reference)


@dataclass(slots=True)
class Piece:
    """Part of a word in one style."""

    text: str
    style: Style
    width: float
    anchor: str | None = None


@dataclass(slots=True)
class Word:
    pieces: list[Piece]
    width: float
    hard_break: bool = False  # not a word: the line ends here (a LINE_BREAK run)

    @property
    def text(self) -> str:
        return "".join(piece.text for piece in self.pieces)


@dataclass(slots=True)
class Line:
    words: list[Word]
    width: float  # natural width, spaces included
    last: bool = False  # the paragraph's last line, or one a LINE_BREAK ends: not justified
    space_extra: float = 0.0  # points added to each space when justified

    @property
    def marked(self) -> bool:
        """Whether a piece of the line carries a link or an anchor (most lines do not)."""
        for word in self.words:  # loops, not any() over a generator: asked of every line drawn
            for piece in word.pieces:
                if piece.style.link or piece.anchor:
                    return True
        return False

    def positions(self, measure: "Measure"):
        """(piece, x) for every piece, x from the line's start: where links and anchors go."""
        x = 0.0
        previous: Word | None = None
        space_style, space_width = None, 0.0  # the last space measured: most are in the same style
        for word in self.words:
            if previous is not None:
                style = measure.space_style(previous, word)
                if style is not space_style:
                    space_style, space_width = style, measure.width(" ", style)
                x += space_width + self.space_extra
            for piece in word.pieces:
                yield piece, x
                x += piece.width
            previous = word


class Measure:
    """Widths of text in the writer's fonts, memoised (bounded)."""

    def __init__(self, fonts: dict[str, TrueTypeFont], limit: int = 50_000) -> None:
        self.fonts = fonts
        self.no_spaces = {key for key, font in fonts.items() if getattr(font, "no_spaces", False)}
        self._ems: dict[str, dict[str, float]] = {key: {} for key in fonts}  # font -> text -> width in ems
        self._remembered = 0
        self._limit = limit

    def width(self, text: str, style: Style) -> float:
        em = self._ems[style.font].get(text)
        if em is None:
            em = self._learn(text, style.font)
        return em * style.size

    def widths(self, texts: list[str], style: Style) -> list[float]:
        """The width of each of ``texts`` (a paragraph's words: one look-up each, most known)."""
        ems, size = self._ems[style.font], style.size
        try:
            return [ems[text] * size for text in texts]
        except KeyError:  # words not met before: learn them, then the same quick look-up
            for text in texts:
                if text not in ems:
                    self._learn(text, style.font)
            return [ems[text] * size if text in ems else self.width(text, style) for text in texts]

    def _learn(self, text: str, font: str) -> float:
        if self._remembered >= self._limit:
            for ems in self._ems.values():
                ems.clear()
            self._remembered = 0
        self._remembered += 1
        em = self._ems[font][text] = self.fonts[font].text_width(text)
        return em

    def space_style(self, before: Word, after: Word) -> Style:
        """The style of the space between two words: the first's, unless its font sets no
        spaces of its own (a CJK font, whose space is a full em wide), then the second's."""
        style = before.pieces[-1].style
        if style.font in self.no_spaces:
            return after.pieces[0].style
        return style


def words_of(runs: Sequence[Run], measure: Measure) -> list[Word]:
    """The paragraph's words; white space between them dropped."""
    words: list[Word] = []
    pieces: list[Piece] = []  # the word being put together, which may go on into the next run
    for run in runs:
        if run.text == LINE_BREAK:
            if pieces:
                words.append(_word(pieces))
                pieces = []
            words.append(Word([], 0.0, hard_break=True))
            continue
        style = run.style
        parts = _split_at_spaces(run.text)  # [word start or "", whole words..., word end or ""]
        widths = measure.widths(parts, style)
        if parts[0] or run.anchor:
            pieces.append(Piece(parts[0], style, widths[0], run.anchor))
        if len(parts) == 1:
            continue
        if pieces:
            words.append(_word(pieces))
        words += [Word([Piece(part, style, width)], width) for part, width in zip(parts[1:-1], widths[1:-1])]
        pieces = [Piece(parts[-1], style, widths[-1])] if parts[-1] else []
    if pieces:
        words.append(_word(pieces))
    return words


def _split_at_spaces(text: str) -> list[str]:
    """``text`` cut at its breakable white space, with "" first or last where it starts or ends with some."""
    if text.isprintable() and "  " not in text:  # nothing but single ASCII spaces, as in most text
        return text.split(" ")
    return _SPACES.split(text)


def _word(pieces: list[Piece]) -> Word:
    return Word(pieces, pieces[0].width if len(pieces) == 1 else sum(p.width for p in pieces))


def break_lines(
    runs: Sequence[Run], width: float, measure: Measure,
    hyphenate: Callable[[str], list[int]] | None = None, first_indent: float = 0.0, justify: bool = True,
    url_waste: float | None = None,
) -> list[Line]:
    """Lines of ``runs`` no wider than ``width`` (the first ``first_indent`` narrower).

    A URL that does not fit the rest of a line moves to the next whole, unless it
    would leave more than ``url_waste`` of the line empty (then it is cut to fill it)
    or is wider than a line anyway.
    """
    words = words_of(runs, measure)
    lines: list[Line] = []
    line: list[Word] = []
    line_width = 0.0
    index = 0
    available = width - first_indent
    no_spaces = measure.no_spaces
    space_style, space_width = None, 0.0  # the last space measured: most are in the same style
    while index < len(words):
        word = words[index]
        if word.hard_break:
            lines.append(Line(line, line_width, last=True))
            line, line_width, available = [], 0.0, width
            index += 1
            continue
        space = 0.0
        if line:
            style = line[-1].pieces[-1].style
            if style.font in no_spaces:  # as Measure.space_style: the next word's
                style = word.pieces[0].style
            if style is not space_style:
                space_style, space_width = style, measure.width(" ", style)
            space = space_width
        if line_width + space + word.width <= available + 0.01:
            line.append(word)
            line_width += space + word.width
            index += 1
            continue
        slack = available - line_width
        cut_url = word.width > available or (url_waste is not None and slack - space > url_waste * available)
        head, tail = _split_word(word, slack - space, measure, hyphenate,
                                 loose=not line or slack > LOOSE_LINE * word.pieces[0].style.size, cut_url=cut_url)
        if head is None and not line:  # wider than a whole line and no place to cut it
            head, tail = _cut_by_characters(word, available, measure)
        if head is not None:
            line.append(head)
            line_width += space + head.width
            if tail is not None and tail.pieces:
                words[index] = tail
            else:
                index += 1
        lines.append(Line(line, line_width))
        line, line_width, available = [], 0.0, width
    if line:
        lines.append(Line(line, line_width))
    if lines:
        lines[-1].last = True
    if justify:
        for index, each in enumerate(lines):
            if not each.last and len(each.words) > 1:
                measure_width = width - first_indent if index == 0 else width
                each.space_extra = max(0.0, (measure_width - each.width) / (len(each.words) - 1))
    return lines


def _split_word(word: Word, room: float, measure: Measure, hyphenate, loose: bool, cut_url: bool = True):
    """(head, tail) of ``word`` cut to fit ``room``, or (None, None) when it should not be cut."""
    text = word.text
    candidates: list[tuple[int, str]] = []  # (cut position, what ends the head)
    if "-" in text[1:-1]:
        candidates += [(i + 1, "") for i, c in enumerate(text) if c == "-" and 1 < i + 1 < len(text) - 1]
    if hyphenate and loose:
        core = text.lstrip(_PUNCTUATION)
        lead = len(text) - len(core)
        core = core.rstrip(_PUNCTUATION)
        if len(core) >= MIN_HYPHENATED_WORD and core.isalpha():
            candidates += [(lead + i, "-") for i in hyphenate(core) if 2 <= i <= len(core) - 2]
    if "://" in text or text.startswith("www."):
        if not cut_url:
            return None, None
        candidates += [(m.start(), "") for m in _URL_BREAK.finditer(text)
                       if 0 < m.start() and text[m.start():].strip(_PUNCTUATION)]  # never a lone "." carried
    single = len(word.pieces) == 1
    for cut, mark in sorted(set(candidates), reverse=True):
        # measured before cutting: most candidates do not fit (a URL has dozens)
        if single and measure.width(text[:cut] + mark, word.pieces[0].style) > room + 0.01:
            continue
        if not single and _head_width(word, cut, measure) > room + 0.01:
            continue
        head, tail = _cut(word, cut, measure)
        if mark:
            last = head.pieces[-1]
            marked = Piece(last.text + mark, last.style, measure.width(last.text + mark, last.style), last.anchor)
            head = Word(head.pieces[:-1] + [marked], head.width - last.width + marked.width)
        if head.width <= room + 0.01:
            return head, tail
    return None, None


def _head_width(word: Word, position: int, measure: Measure) -> float:
    """The width of the first ``position`` characters of ``word`` (as :func:`_cut` would make them)."""
    width, seen = 0.0, 0
    for piece in word.pieces:
        end = seen + len(piece.text)
        if end > position:
            if seen < position:
                width += measure.width(piece.text[:position - seen], piece.style)
            break
        width += piece.width
        seen = end
    return width


def _cut(word: Word, position: int, measure: Measure) -> tuple[Word, Word]:
    head, tail, seen = [], [], 0
    for piece in word.pieces:
        end = seen + len(piece.text)
        if end <= position:
            head.append(piece)
        elif seen >= position:
            tail.append(piece)
        else:
            left, right = piece.text[:position - seen], piece.text[position - seen:]
            head.append(Piece(left, piece.style, measure.width(left, piece.style), piece.anchor))
            tail.append(Piece(right, piece.style, measure.width(right, piece.style)))
        seen = end
    return Word(head, sum(p.width for p in head)), Word(tail, sum(p.width for p in tail))


def _cut_by_characters(word: Word, room: float, measure: Measure) -> tuple[Word, Word]:
    text = word.text
    low, high = 1, max(1, len(text) - 1)
    while low < high:  # the longest head that fits, at least one character
        middle = (low + high + 1) // 2
        if _cut(word, middle, measure)[0].width <= room:
            low = middle
        else:
            high = middle - 1
    return _cut(word, low, measure)


# ------------------------------------------------------------------ operators


def line_operators(line: Line, x: float, y: float, fonts: "FontResources", measure: Measure | None = None) -> str:
    """The text operators that draw ``line`` with its baseline starting at (``x``, ``y``).

    A space is set in the style of the word before it (see :meth:`Measure.space_style`
    when ``measure`` is given), widened by a ``TJ`` adjustment when the line is justified.
    """
    style = _one_style(line.words)
    if style is not None and (measure is None or style.font not in measure.no_spaces):
        return _plain_line_operators(line, x, y, fonts, style)
    out = [f"BT {number(x)} {number(y)} Td"]
    current: Style | None = None
    encoder: GlyphEncoder | None = None
    space = widen = ""
    pending: list[str] = []

    def switch_to(style: Style) -> None:
        nonlocal current, encoder, space, widen
        if pending:
            out.append("[" + "".join(pending) + "] TJ")
            pending.clear()
        name, encoder = fonts.use(style.font)
        out.append(_select(style, name))
        current = style
        space = encoder.encode(" ")
        widen = f" {number(-line.space_extra * 1000 / style.size)} " if line.space_extra else ""

    for index, word in enumerate(line.words):
        if index:
            if measure is not None and word.pieces and current is not None:
                wanted = measure.space_style(line.words[index - 1], word)
                if wanted is not current and wanted != current:  # a CJK word's space: in the next word's face
                    switch_to(wanted)
            pending.append(space)
            if widen:
                pending.append(widen)
        for piece in word.pieces:
            if piece.style is not current and piece.style != current:
                switch_to(piece.style)
            if piece.text:
                pending.append(encoder.encode(piece.text))  # type: ignore[union-attr]
    if pending:
        out.append("[" + "".join(pending) + "] TJ")
    out.append("ET")
    return " ".join(out)


def _one_style(words: list[Word]) -> Style | None:
    """The style of a line whose words are each one piece of text in that style; else None."""
    if not words or not words[0].pieces:
        return None
    style = words[0].pieces[0].style
    for word in words:
        if len(word.pieces) != 1 or word.pieces[0].style is not style or not word.pieces[0].text:
            return None
    return style


def _plain_line_operators(line: Line, x: float, y: float, fonts: "FontResources", style: Style) -> str:
    """:func:`line_operators` for a line in one style, most of them: one font, one ``TJ``."""
    name, encoder = fonts.use(style.font)
    glue = encoder.encode(" ")
    if line.space_extra:
        glue += f" {number(-line.space_extra * 1000 / style.size)} "
    glyphs = glue.join(encoder.encode_all([word.pieces[0].text for word in line.words]))
    return f"BT {number(x)} {number(y)} Td {_select(style, name)} [{glyphs}] TJ ET"


class FontResources:
    """The fonts a document draws with, each given an encoder and a resource name on first use.

    Names go F1, F2... in the order the document first uses the fonts, so the same
    document gives the same names (and bytes) in any process.
    """

    def __init__(self, make_encoder: Callable[[str], "GlyphEncoder"]) -> None:
        self._make_encoder = make_encoder
        self.encoders: dict[str, GlyphEncoder] = {}
        self.names: dict[str, str] = {}

    def use(self, key: str) -> tuple[str, "GlyphEncoder"]:
        """The resource name and encoder of the font ``key``."""
        encoder = self.encoders.get(key)
        if encoder is None:
            encoder = self.encoders[key] = self._make_encoder(key)
            self.names[key] = f"F{len(self.names) + 1}"
        return self.names[key], encoder


class GlyphEncoder:
    """Text as ``<hex glyph ids>`` in one font, remembering the characters one document drew."""

    _memos: dict[TrueTypeFont, dict[str, str]] = {}  # font -> text -> "<...>", shared by documents
    _remembered = 0
    MEMO_LIMIT = 50_000  # texts remembered in all fonts together

    def __init__(self, font: TrueTypeFont) -> None:
        self.font = font
        self.texts: set[str] = set()
        self._hexes = self._memos.setdefault(font, {})

    def encode(self, text: str) -> str:
        self.texts.add(text)
        found = self._hexes.get(text)
        if found is None:
            found = self._learn(text)
        return found

    def encode_all(self, texts: list[str]) -> list[str]:
        """:meth:`encode` each of ``texts``."""
        self.texts.update(texts)
        hexes = self._hexes
        try:
            return [hexes[text] for text in texts]
        except KeyError:
            return [hexes.get(text) or self._learn(text) for text in texts]

    def _learn(self, text: str) -> str:
        if GlyphEncoder._remembered >= self.MEMO_LIMIT:
            for hexes in self._memos.values():
                hexes.clear()
            GlyphEncoder._remembered = 0
        GlyphEncoder._remembered += 1
        found = self._hexes[text] = "<" + self.font.glyph_hex(text) + ">"
        return found

    def used(self) -> dict[int, str]:
        """Each glyph drawn, with the character it stands for (for the subset and ToUnicode)."""
        glyphs: dict[int, str] = {}
        for char in sorted(set("".join(self.texts))):
            glyphs.setdefault(self.font.glyph(char), char)
        return glyphs


@functools.lru_cache(maxsize=10_000)
def _select(style: Style, resource: str) -> str:
    """The operators that set ``style``'s font, size, colour and rise (remembered: few styles)."""
    return f"/{resource} {number(style.size)} Tf {rgb(style.colour)} rg {number(style.rise)} Ts"
