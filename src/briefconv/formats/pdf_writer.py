"""The PDF writer: briefconv's own typesetter; the ``pdf`` format is declared in
:mod:`briefconv.formats.pdf`, whose docstring lists what it keeps and loses.

The document becomes a flow of blocks (paragraphs already broken into lines by
:mod:`~briefconv.formats.pdf_lines`, rules, spaces, the masthead's two-column row),
which :class:`_Pages` lays down page by page: space before a block is dropped at the
top of a page, a heading needs room for a few lines under it, a paragraph leaves
neither a single first line at the foot of a page nor a single last line at the top of
the next.  The pages are then written with :mod:`~briefconv.formats.pdf_objects`: the
content streams, the fonts as subsets of what was drawn, link annotations, named
destinations for the notes and headings, the outline, the document properties.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Mapping

from briefconv import ir
from briefconv.dates import iso_parts, long_date
from briefconv.errors import warn
from briefconv.formats.pdf_fonts import CID_FONTS, CIDFont, cjk_language, cjk_script, text_family
from briefconv.formats.pdf_hyphenation import hyphenator
from briefconv.formats.pdf_lines import (
    LINE_BREAK, FontResources, GlyphEncoder, Line, Measure, Run, Style, break_lines, line_operators,
)
from briefconv.formats.pdf_objects import Name, PdfFile, Ref, embed_truetype, number, rgb
from briefconv.page_options import note_kind, paper_size
from briefconv.plaintext import plain_text

ACCENT = (0.114, 0.235, 0.431)  # #1d3c6e: masthead, headings, links; a dark blue that prints well in grey
GREY = (0.333, 0.333, 0.333)
BLACK = (0.0, 0.0, 0.0)
LIVE_SCHEMES = ("http://", "https://", "mailto:", "ftp://")
MM = 72 / 25.4
PAGE_SIZES = {"a4": (595.2756, 841.8898), "letter": (612.0, 792.0)}  # points: width, height
MAX_FOOT_SHARE = 0.3  # of the page's text height: longer disclaimers go after the keywords
HEADING_ROOM = 90  # points: the heading and about four lines
NOTE_HANG = 16
LIST_INDENT = 16
QUOTE_INDENT = 22
MAX_NESTING = 6  # quotes and lists nested deeper are not moved in further: the measure would run out
SCRIPT_SIZE = 0.7  # superscripts and subscripts, of the size around them
FACES = ("regular", "bold", "italic", "bold_italic")


@dataclass(frozen=True)
class ParaStyle:
    font: str
    size: float
    leading: float
    colour: tuple = BLACK
    align: str = "justify"  # "left", "right", "centre"
    hyphenate: bool = True
    space_before: float = 0.0
    space_after: float = 0.0
    url_waste: float | None = None  # see pdf_lines.break_lines: when a URL is cut to fill a line


STYLES = {
    "body": ParaStyle("regular", 11, 15.5, space_after=7, url_waste=0.3),
    "quote": ParaStyle("regular", 10, 14, space_after=7, url_waste=0.3),
    "list_item": ParaStyle("regular", 11, 15.5, space_after=3, url_waste=0.3),
    "h1": ParaStyle("bold", 13, 16, ACCENT, "left", False, 12, 6),
    "h2": ParaStyle("bold_italic", 11.5, 15, ACCENT, "left", False, 9, 4),
    "h3": ParaStyle("italic", 10.5, 15, ACCENT, "left", False, 6, 2),
    "organisation": ParaStyle("bold", 10, 13, ACCENT, "left", False, 0, 3),
    "masthead": ParaStyle("regular", 9, 12, GREY, "left", False),
    "masthead_right": ParaStyle("regular", 9, 12, GREY, "right", False),
    "title": ParaStyle("bold", 21, 25, ACCENT, "left", False, 0, 6),
    "subtitle": ParaStyle("italic", 13, 17, ACCENT, "left", False, 0, 6),
    "author": ParaStyle("bold", 11, 14, BLACK, "left", False, 8, 0),
    "affiliation": ParaStyle("italic", 9.5, 12.5, GREY, "left", False, 0, 2),
    "keywords": ParaStyle("regular", 9, 12, BLACK, "left", False, 10, 4),
    "abstract": ParaStyle("italic", 11, 15.5, space_before=6, space_after=7),
    "foot": ParaStyle("regular", 7.5, 9.5, GREY, "left", False, 0, 3),
    "running": ParaStyle("italic", 8.5, 10, GREY, "left", False),
    "running_right": ParaStyle("italic", 8.5, 10, GREY, "right", False),
    "note": ParaStyle("regular", 8.5, 11.5, BLACK, "left", False, 0, 4, url_waste=0.01),
}


def write_pdf(document: ir.Document, options: Mapping[str, str]) -> bytes:
    """Typeset ``document`` as a PDF brief and return the bytes."""
    return _Typesetter(document, options).build()


# ----------------------------------------------------------------- small helpers


def pdf_date(iso: str | None) -> str | None:
    """The PDF date string (D:YYYYMMDDHHmmSS) of an ISO date, to the precision known."""
    parts = iso_parts(iso)
    if parts is None:
        return None
    year, month, day = parts
    if month and day:
        return f"D:{year}{month}{day}000000+00'00'"
    return f"D:{year}{month or ''}"


def short_title(meta: ir.Metadata) -> str:
    """The running-header title: the part before a colon, as publishers shorten."""
    title = meta.extra.get("short-title") or meta.title or ""
    head, sep, _ = title.partition(":")
    return head.strip() if sep and head.strip() else title.strip()


def series_line(meta: ir.Metadata) -> str:
    series = meta.series
    if series and (series.name or series.number):
        return " ".join(p for p in (series.name, series.number) if p)
    return meta.publisher.name if meta.publisher and meta.publisher.name else ""


def author_names(meta: ir.Metadata) -> str:
    return ", ".join(a.name for a in meta.authors if a.name)


def _italic(font: str) -> str:
    return {"regular": "italic", "bold": "bold_italic"}.get(font, font)


def _bold(font: str) -> str:
    return {"regular": "bold", "italic": "bold_italic"}.get(font, font)


# ------------------------------------------------------------------ the flow


@dataclass
class Para:
    """A paragraph set in lines, with what is drawn beside it."""

    lines: list[Line]
    style: ParaStyle
    x: float  # left edge of the text
    width: float  # the measure
    label: tuple[str, Style, float] | None = None  # text, style and x of a bullet or note number
    label_link: str | None = None  # where the label leads (a note's number, back to its reference)
    outline: tuple[str, int, str] | None = None  # title, level, destination name
    space_before: float = 0.0
    space_after: float = 0.0
    room: float = 0.0  # start a new page unless this much is left (headings)


@dataclass
class Rule:
    thickness: float
    colour: tuple
    width: float
    space_before: float = 0.0
    space_after: float = 0.0


@dataclass
class Gap:
    height: float


@dataclass
class Row:
    """Two paragraphs side by side on one baseline (the masthead's series and date)."""

    left: Para
    right: Para


@dataclass
class Page:
    content: list[str] = field(default_factory=list)
    links: list[tuple[tuple[float, float, float, float], str]] = field(default_factory=list)


# ------------------------------------------------------------------ typesetting


class _Typesetter:
    """One document: its runs, its flow of blocks, its pages and the PDF file."""

    def __init__(self, document: ir.Document, options: Mapping[str, str]) -> None:
        self.document = document
        self.meta = document.metadata
        self.family = text_family()
        self.page_width, self.page_height = PAGE_SIZES[paper_size(document, options) or "a4"]
        self.margin_x = 27 * MM
        self.margin_top = 22 * MM
        self.margin_bottom = 22 * MM
        self.text_width = self.page_width - 2 * self.margin_x
        self.cid_fonts: dict[str, CIDFont] = {}
        self.measure = _measure(self.family)
        self.hyphenate = hyphenator(self.meta.language)
        self.note_index = {note.id: index for index, note in enumerate(document.notes, 1)}
        self.anchored: set[str] = set()  # notes whose first reference carries the back-link's target
        self.missing: set[str] = set()
        self.dangling: set[str] = set()
        self.heading_count = 0
        self.nesting = 0
        if note_kind(document, options) == "footnote":
            warn("the PDF writer sets notes as endnotes only (notes=footnotes ignored)")

    # -------------------------------------------------------------- inlines

    def runs(self, nodes: Iterable[ir.Inline], style: Style, context: str = "") -> list[Run]:
        out: list[Run] = []
        for node in nodes:
            out += self.node_runs(node, style, context)
        return out

    def node_runs(self, node: ir.Inline, style: Style, context: str) -> list[Run]:
        if isinstance(node, ir.Text):
            return self.text_runs(node.text, style, context)
        if isinstance(node, ir.Emphasis):
            return self.runs(node.children, style._replace(font=_italic(style.font)), context)
        if isinstance(node, ir.Strong):
            return self.runs(node.children, style._replace(font=_bold(style.font)), context)
        if isinstance(node, ir.Superscript):
            return self.runs(node.children, style._replace(size=style.size * SCRIPT_SIZE,
                                                    rise=style.rise + style.size * 0.4), context)
        if isinstance(node, ir.Subscript):
            return self.runs(node.children, style._replace(size=style.size * SCRIPT_SIZE,
                                                    rise=style.rise - style.size * 0.2), context)
        if isinstance(node, ir.Link):
            if node.url.lower().startswith(LIVE_SCHEMES):
                return self.runs(node.children, style._replace(link="uri:" + node.url, colour=ACCENT), context)
            return self.runs(node.children, style, context)
        if isinstance(node, ir.NoteRef):
            return self.note_ref(node.note_id, style)
        if isinstance(node, ir.NoteCrossRef):
            index = self.note_index.get(node.note_id)
            if index is None:
                return self.runs(node.children, style, context)
            return self.runs(node.children, style._replace(link=f"#note-{index}", colour=ACCENT), context)
        if isinstance(node, ir.LineBreak):
            return [Run(LINE_BREAK, style)]
        raise TypeError(f"not an inline node: {type(node).__name__}")

    def note_ref(self, note_id: str, style: Style) -> list[Run]:
        index = self.note_index.get(note_id)
        if index is None:
            self.dangling.add(note_id)
            return []
        note = self.document.notes[index - 1]
        mark = style._replace(size=style.size * SCRIPT_SIZE, rise=style.rise + style.size * 0.35,
                       link=f"#note-{index}", colour=ACCENT)
        anchor = None
        if note_id not in self.anchored:
            self.anchored.add(note_id)
            anchor = f"ref-{index}"
        return self.text_runs(note.label, mark, "", anchor)

    def text_runs(self, text: str, style: Style, context: str = "", anchor: str | None = None) -> list[Run]:
        """``text`` in ``style``, characters the face lacks sent to a CJK font or noted missing."""
        lacking = self.family.lacking(text)
        if not lacking:
            return [Run(text, style, anchor)]
        out: list[Run] = []
        plain: list[str] = []
        cjk: list[str] = []

        def flush_plain() -> None:
            if plain:
                out.append(Run("".join(plain), style, anchor if not out else None))
                plain.clear()

        def flush_cjk() -> None:
            if cjk:
                run = "".join(cjk)
                language = cjk_language(run, context or text, self.meta.language)
                key = f"cjk-{language}"
                if key not in self.cid_fonts:
                    self.cid_fonts[key] = CID_FONTS[language]
                out.append(Run(run, style._replace(font=key), anchor if not out else None))
                cjk.clear()

        # stretches the face covers alternate with stretches of what it lacks (spaces are covered)
        for index, stretch in enumerate(re.split(f"([{re.escape(''.join(sorted(lacking)))}]+)", text)):
            if index % 2 == 0:
                if stretch:
                    flush_cjk()
                    plain.append(stretch)
                continue
            for char in stretch:
                if cjk_script(char):
                    flush_plain()
                    cjk.append(char)
                else:
                    self.missing.add(char)
                    flush_cjk()
                    plain.append(char)
        flush_plain()
        flush_cjk()
        return out

    # -------------------------------------------------------------- paragraphs

    def para(self, runs: list[Run], style_name: str, indent: float = 0.0, right_indent: float = 0.0,
             width: float | None = None, **extra) -> Para:
        style = STYLES[style_name]
        measure_width = (width if width is not None else self.text_width) - indent - right_indent
        lines = break_lines(runs, measure_width, self.measure, self.hyphenate.points if (
            style.hyphenate and self.hyphenate) else None, justify=style.align == "justify", url_waste=style.url_waste)
        return Para(lines, style, self.margin_x + indent, measure_width,
                    space_before=extra.pop("space_before", style.space_before),
                    space_after=extra.pop("space_after", style.space_after), **extra)

    def base(self, style_name: str) -> Style:
        style = STYLES[style_name]
        return Style(style.font, style.size, style.colour)

    def text_para(self, text: str, style_name: str, **extra) -> Para:
        return self.para(self.text_runs(text, self.base(style_name), text), style_name, **extra)

    # ---------------------------------------------------------------- the flow

    def flow(self) -> tuple[Iterator, list[Para]]:
        """The blocks in reading order, and the first page's foot (disclaimer, licence).

        The blocks are set one by one as the pages take them, so that the words of a
        long brief never all live at once: they cost memory, and every collection of
        the garbage collector walked them all (a brief 100 times longer took 125 times
        as long to write).
        """
        foot = self.first_page_foot()
        foot_height = sum(len(p.lines) * p.style.leading + p.space_after for p in foot)
        text_height = self.page_height - self.margin_top - self.margin_bottom
        head: list = self.masthead() + self.title_block()
        if foot and foot_height > MAX_FOOT_SHARE * text_height:
            head += foot  # too long for the foot: after the title block
            foot = []
        return self._flow(head), foot

    def _flow(self, head: list) -> Iterator:
        yield from head
        for block in (*self.document.blocks, *self.document.back):
            yield from self.block(block, 0.0, False)
        if self.document.notes:
            yield from self.notes()

    def masthead(self) -> list:
        meta = self.meta
        out: list = [Rule(3, ACCENT, self.text_width, space_after=7)]
        if meta.publisher and meta.publisher.name:
            out.append(self.text_para(meta.publisher.name.upper(), "organisation"))
        series = series_line(meta) if meta.series else ""
        place = meta.publisher.place if meta.publisher else None
        place_date = " · ".join(p for p in (place, meta.date and long_date(meta.date)) if p)
        if series or place_date:
            left = self.para(self.text_runs(series, self.base("masthead")._replace(font="bold")), "masthead",
                             width=self.text_width * 0.6)
            right = self.text_para(place_date, "masthead_right", indent=self.text_width * 0.6)
            out.append(Row(left, right))
        if len(out) > 1:
            out.append(Rule(0.5, ACCENT, self.text_width, space_before=5))
        out.append(Gap(16))
        return out

    def title_block(self) -> list:
        meta = self.meta
        out: list = []
        if meta.title:
            out.append(self.balanced(meta.title, "title"))
        if meta.subtitle:
            out.append(self.text_para(meta.subtitle, "subtitle"))
        for author in meta.authors:
            out.append(self.text_para(" ".join(p for p in (author.honorific, author.name) if p), "author"))
            about = ", ".join(p for p in (author.role, *author.affiliations) if p)
            if about:
                out.append(self.text_para(about, "affiliation"))
        if meta.keywords:
            base = self.base("keywords")
            runs = [Run("Keywords: ", base._replace(font="bold"))] + self.text_runs(", ".join(meta.keywords), base)
            out.append(self.para(runs, "keywords"))
        if meta.abstract:
            out.append(self.text_para(meta.abstract, "abstract"))
        if out:
            out.append(Rule(0.4, GREY, self.text_width, space_before=2, space_after=14))
        return out

    def balanced(self, text: str, style_name: str) -> Para:
        """A ragged paragraph whose lines are of even length: no lone word on the last line."""
        full = self.text_para(text, style_name)
        if len(full.lines) < 2:
            return full
        low, high = self.text_width / 2, self.text_width
        for _ in range(8):  # bisect to within a couple of points
            middle = (low + high) / 2
            if len(self.text_para(text, style_name, width=middle).lines) > len(full.lines):
                low = middle
            else:
                high = middle
        return self.text_para(text, style_name, width=high)

    def first_page_foot(self) -> list[Para]:
        out = []
        base = self.base("foot")
        if self.meta.disclaimer:
            out.append(self.para([Run("Disclaimer: ", base._replace(font="bold"))]
                                 + self.text_runs(self.meta.disclaimer, base), "foot"))
        licence = self.meta.licence
        if licence and (licence.text or licence.url):
            live = bool(licence.url and licence.url.lower().startswith(LIVE_SCHEMES))
            link = base._replace(link="uri:" + licence.url, colour=ACCENT) if live else base
            if licence.text:
                runs = self.text_runs(licence.text, base)
                if live:
                    runs += [Run(" ", base)] + self.text_runs(licence.url, link)
            else:
                runs = self.text_runs(licence.url or "", link)
            out.append(self.para(runs, "foot"))
        return out

    def blocks(self, blocks: Iterable[ir.Block], indent: float = 0.0, in_list: bool = False) -> list:
        out: list = []
        for block in blocks:
            out += self.block(block, indent, in_list)
        return out

    def block(self, block: ir.Block, indent: float, in_list: bool) -> list:
        if isinstance(block, ir.Heading):
            return [self.heading(block)]
        if isinstance(block, ir.Paragraph):
            style = "list_item" if in_list else "quote" if self.nesting and not in_list and indent else "body"
            text = plain_text(block.children)
            right = indent if style == "quote" else 0.0
            return [self.para(self.runs(block.children, self.base(style), text), style, indent, right)]
        if isinstance(block, ir.BlockQuote):
            self.nesting += 1
            try:
                step = QUOTE_INDENT if self.nesting <= MAX_NESTING else 0
                return self.blocks(block.blocks, indent + step, in_list)
            finally:
                self.nesting -= 1
        if isinstance(block, ir.ListBlock):
            return self.list_block(block, indent)
        raise TypeError(f"not a block node: {type(block).__name__}")

    def heading(self, heading: ir.Heading) -> Para:
        self.heading_count += 1
        key = f"section-{self.heading_count}"
        level = max(1, min(heading.level, 3))
        title = plain_text(heading.children)
        para = self.para(self.runs(heading.children, self.base(f"h{level}"), title), f"h{level}",
                         outline=(title, heading.level, key), room=HEADING_ROOM)
        return para

    def list_block(self, block: ir.ListBlock, indent: float) -> list:
        if not block.items:
            return []
        self.nesting += 1
        try:
            step = LIST_INDENT if self.nesting <= MAX_NESTING else 0
            out: list = []
            bullet_style = Style("regular", 10)
            for position, item in enumerate(block.items):
                label = f"{block.start + position}." if block.ordered else "•"
                blocks = self.blocks(item, indent + step, in_list=True) or [
                    self.para([], "list_item", indent + step)]
                first = next((b for b in blocks if isinstance(b, Para)), None)
                if first is not None and first.label is None:
                    first.label = (label, bullet_style, self.margin_x + indent)
                out += blocks
            if out and isinstance(out[-1], Para):
                out[-1].space_after = max(out[-1].space_after, 6)
            return out
        finally:
            self.nesting -= 1

    def notes(self) -> Iterator:
        yield self.heading(ir.Heading(1, (ir.Text("Notes"),)))
        for index, note in enumerate(self.document.notes, 1):
            yield from self.note(index, note)

    def note(self, index: int, note: ir.Note) -> list:
        base = self.base("note")
        label = (note.label, Style("regular", 8.5), self.margin_x)
        backlink = f"#ref-{index}" if note.id in self.anchored else None
        out: list = []
        first = True
        for block in note.blocks or (ir.Paragraph(()),):
            if isinstance(block, ir.Paragraph):
                runs = self.runs(block.children, base, plain_text(block.children))
                if first:
                    runs = [Run("", base, f"note-{index}")] + runs
                para = self.para(runs, "note", NOTE_HANG)
                if first:
                    para.label, para.label_link = label, backlink
                out.append(para)
            else:
                if first:
                    anchor = self.para([Run("", base, f"note-{index}")], "note", NOTE_HANG)
                    anchor.label, anchor.label_link = label, backlink
                    out.append(anchor)
                out += self.blocks((block,), NOTE_HANG)
            first = False
        return out

    # ------------------------------------------------------------------ output

    def build(self) -> bytes:
        flow, foot = self.flow()
        # notes' references are made while the body is set: the notes come after it
        pages = _Pages(self, foot)
        for item in flow:
            pages.add(item)
        pages.finish()
        return self.write(pages)

    def running_head(self) -> list[Para]:
        size = STYLES["running"].size
        left = self.fit(series_line(self.meta), self.text_width * 0.4, "italic", size)
        right = self.fit(short_title(self.meta), self.text_width * 0.6 - 12, "italic", size)
        return [self.text_para(left, "running", width=self.text_width * 0.4),
                self.text_para(right, "running_right", indent=self.text_width * 0.4)]

    def fit(self, text: str, width: float, font: str, size: float) -> str:
        """``text`` cut at a word and ended with an ellipsis if it is wider than ``width``."""
        face = self.family.faces[font]
        if face.text_width(text) * size <= width:
            return text
        words = text.split()
        while len(words) > 1 and face.text_width(" ".join(words) + " …") * size > width:
            words.pop()
        return " ".join(words).rstrip(",;:") + " …"

    def write(self, pages: "_Pages") -> bytes:
        pdf = PdfFile(compression=1)
        fonts: dict[str, Ref] = {}
        for key, encoder in pages.fonts.encoders.items():
            used = encoder.used()
            if not used:
                continue
            if key in self.cid_fonts:
                fonts[key] = _embed_cid(pdf, self.cid_fonts[key])
            else:
                face = self.family.faces[key]
                name = self.family.family + {"regular": "", "bold": "-Bold", "italic": "-Italic",
                                             "bold_italic": "-BoldItalic"}[key]
                fonts[key] = embed_truetype(pdf, face, name, used, italic="italic" in key)
                missing = [char for glyph, char in used.items() if glyph == 0 and not char.isspace()]
                self.missing.update(missing)
        resources = {"Font": {pages.fonts.names[key]: ref for key, ref in fonts.items()}}
        pages_ref = pdf.reserve()
        page_refs = [pdf.reserve() for _ in pages.pages]
        dests = {name: [page_refs[page], Name("XYZ"), round(x, 2), round(y, 2), 0]
                 for name, (page, x, y) in sorted(pages.destinations.items())}
        for page, ref in zip(pages.pages, page_refs):
            annots = []
            for rect, target in page.links:
                link = {"Type": Name("Annot"), "Subtype": Name("Link"), "Rect": [round(v, 2) for v in rect],
                        "Border": [0, 0, 0]}
                if target.startswith("uri:"):
                    link["A"] = {"S": Name("URI"), "URI": target[4:]}
                elif target[1:] in dests:
                    link["Dest"] = dests[target[1:]]
                else:
                    continue
                annots.append(pdf.add(link))
            entry = {"Type": Name("Page"), "Parent": pages_ref,
                     "MediaBox": [0, 0, round(self.page_width, 4), round(self.page_height, 4)],
                     "Resources": resources,
                     "Contents": pdf.add_stream("\n".join(page.content).encode("ascii"))}
            if annots:
                entry["Annots"] = annots
            pdf.put(ref, entry)
        pdf.put(pages_ref, {"Type": Name("Pages"), "Kids": page_refs, "Count": len(page_refs)})
        catalog = {"Type": Name("Catalog"), "Pages": pages_ref}
        outline = _outline(pdf, pages.outline, page_refs)
        if outline is not None:
            catalog["Outlines"] = outline
            catalog["PageMode"] = Name("UseOutlines")
        if dests:
            catalog["Dests"] = pdf.add(dests)
        if self.meta.language:
            catalog["Lang"] = self.meta.language
        info = {"Title": self.meta.title or "", "Author": author_names(self.meta),
                "Subject": self.meta.subtitle or self.meta.abstract or "",
                "Keywords": ", ".join(self.meta.keywords), "Creator": "briefconv", "Producer": "briefconv"}
        date = pdf_date(self.meta.date)
        if date:
            info["CreationDate"] = info["ModDate"] = date
        data = pdf.finish(pdf.add(catalog), pdf.add(info))
        self.report_losses()
        return data

    def report_losses(self) -> None:
        if self.missing:
            chars = "".join(sorted(self.missing))
            warn(f"the PDF font has no glyph for {chars!r}; those characters print as boxes")
        if self.dangling:
            warn(f"references to unknown notes left out of the PDF: {', '.join(sorted(self.dangling))}")


class _FullWidth:
    """Metrics of a CJK font viewers supply: every character one em wide."""

    units_per_em = 1000
    no_spaces = True  # its space is a full em: the space after a CJK word is set in the next word's face

    @staticmethod
    def text_width(text: str) -> float:
        return float(len(text))


_MEASURES: dict[int, Measure] = {}


def _measure(family) -> Measure:
    """The family's widths, remembered across documents (a batch worker sets thousands)."""
    measure = _MEASURES.get(id(family))
    if measure is None or measure.fonts["regular"] is not family.faces["regular"]:
        fonts = {**family.faces, **{f"cjk-{language}": _FullWidth() for language in ("ko", "zh", "ja")}}
        measure = _MEASURES[id(family)] = Measure(fonts)
    return measure


def _embed_cid(pdf: PdfFile, font: CIDFont) -> Ref:
    descriptor = pdf.add({
        "Type": Name("FontDescriptor"), "FontName": Name(font.name), "Flags": 6,
        "FontBBox": [-25, -254, 1000, 880], "ItalicAngle": 0, "Ascent": 880, "Descent": -120,
        "CapHeight": 880, "StemV": 93,
    })
    descendant = pdf.add({
        "Type": Name("Font"), "Subtype": Name("CIDFontType0"), "BaseFont": Name(font.name),
        "CIDSystemInfo": {"Registry": "Adobe", "Ordering": font.ordering, "Supplement": font.supplement},
        "FontDescriptor": descriptor, "DW": 1000,
    })
    return pdf.add({"Type": Name("Font"), "Subtype": Name("Type0"), "BaseFont": Name(font.name),
                    "Encoding": Name(font.encoding), "DescendantFonts": [descendant]})


class _UCS2Encoder(GlyphEncoder):
    """Text for a CJK font with a UCS-2 encoding: each character as its code."""

    def __init__(self) -> None:
        self.texts = set()

    def encode(self, text: str) -> str:
        self.texts.add(text)
        return "<" + "".join(f"{ord(c):04X}" if ord(c) <= 0xFFFF else "FFFD" for c in text) + ">"

    def encode_all(self, texts: list[str]) -> list[str]:
        return [self.encode(text) for text in texts]

    def used(self) -> dict[int, str]:
        return {ord(c): c for c in set("".join(self.texts))}


def _outline(pdf: PdfFile, entries: list[tuple[str, int, int, float]], page_refs: list[Ref]) -> Ref | None:
    """The outline tree of (title, level, page, y) entries; a level never skips one."""
    if not entries:
        return None
    root_ref = pdf.reserve()
    nodes: list[dict] = []
    stack: list[dict] = []  # the open node at each depth
    previous_depth = -1
    for title, level, page, y in entries:
        depth = min(level - 1, previous_depth + 1)
        previous_depth = depth
        node = {"ref": pdf.reserve(), "title": title, "dest": [page_refs[page], Name("XYZ"), 0, round(y, 2), 0],
                "children": []}
        del stack[depth:]
        (stack[-1]["children"] if stack else nodes).append(node)
        stack.append(node)

    def put(items: list[dict], parent: Ref) -> int:
        total = 0
        for index, item in enumerate(items):
            entry = {"Title": item["title"], "Parent": parent, "Dest": item["dest"]}
            if index:
                entry["Prev"] = items[index - 1]["ref"]
            if index + 1 < len(items):
                entry["Next"] = items[index + 1]["ref"]
            if item["children"]:
                count = put(item["children"], item["ref"])
                entry.update(First=item["children"][0]["ref"], Last=item["children"][-1]["ref"], Count=count)
                total += count
            pdf.put(item["ref"], entry)
            total += 1
        return total

    count = put(nodes, root_ref)
    pdf.put(root_ref, {"Type": Name("Outlines"), "First": nodes[0]["ref"], "Last": nodes[-1]["ref"], "Count": count})
    return root_ref


# ------------------------------------------------------------------ the pages


class _Pages:
    """Lays the flow down page by page and draws it."""

    def __init__(self, setter: _Typesetter, foot: list[Para]) -> None:
        self.setter = setter
        self.pages: list[Page] = []
        self.fonts = FontResources(self._new_encoder)
        self.destinations: dict[str, tuple[int, float, float]] = {}
        self.outline: list[tuple[str, int, int, float]] = []
        self.foot = foot
        self.foot_height = sum(len(p.lines) * p.style.leading + p.space_after for p in foot) + (8 if foot else 0)
        self.new_page()

    @property
    def page(self) -> Page:
        return self.pages[-1]

    def new_page(self) -> None:
        self.pages.append(Page())
        self.top = self.setter.page_height - self.setter.margin_top
        self.bottom = self.setter.margin_bottom + (self.foot_height if len(self.pages) == 1 else 0)
        self.y = self.top
        self.at_top = True

    # -- adding the flow

    def add(self, item) -> None:
        if isinstance(item, Gap):
            if not self.at_top:
                self.y -= item.height
        elif isinstance(item, Rule):
            self.rule(item)
        elif isinstance(item, Row):
            self.row(item)
        else:
            self.paragraph(item)

    def rule(self, rule: Rule) -> None:
        if not self.at_top:
            self.y -= rule.space_before
        if self.y - rule.thickness < self.bottom:
            self.new_page()
        self.y -= rule.thickness / 2
        x = self.setter.margin_x
        self.page.content.append(_stroke(rule.colour, rule.thickness, x, x + rule.width, self.y))
        self.y -= rule.thickness / 2 + rule.space_after
        self.at_top = False

    def row(self, row: Row) -> None:
        height = max(len(row.left.lines) * row.left.style.leading, len(row.right.lines) * row.right.style.leading)
        y = self.y
        self.draw_lines(row.left, row.left.lines, y)
        self.draw_lines(row.right, row.right.lines, y)
        self.y = y - height
        self.at_top = False

    def paragraph(self, para: Para) -> None:
        if para.room and not self.at_top and self.y - para.space_before - para.room < self.bottom:
            self.new_page()
        if not self.at_top:
            self.y -= para.space_before
        lines = para.lines or []
        leading = para.style.leading
        first = True
        if not lines:  # an empty paragraph still holds its anchor and label
            self.draw_lines(para, [], self.y)
            self.y -= para.space_after
            self.at_top = False
            return
        while lines:
            fit = int((self.y - self.bottom + 0.01) // leading)
            if fit >= len(lines):
                take = len(lines)
            elif fit < 2 and not self.at_top and len(lines) >= 2 or fit < 1 and not self.at_top:
                self.new_page()  # no single first line at the foot of a page
                continue
            else:
                take = max(fit, 1)
                if len(lines) - take == 1:  # no single last line at the top of the next page
                    if take > 2:
                        take -= 1
                    elif not self.at_top:
                        self.new_page()  # two lines here and one there: all three there
                        continue
            self.draw_lines(para, lines[:take], self.y, first)
            self.y -= take * leading
            lines = lines[take:]
            first = False
            self.at_top = False
            if lines:
                self.new_page()
        self.y -= para.space_after

    # -- drawing

    def _new_encoder(self, key: str) -> GlyphEncoder:
        return _UCS2Encoder() if key in self.setter.cid_fonts else GlyphEncoder(self.setter.measure.fonts[key])

    def draw_lines(self, para: Para, lines: list[Line], top: float, first: bool = True,
                   page_index: int | None = None) -> None:
        """Draw ``lines`` of ``para`` from ``top`` down, on the last page or page ``page_index``."""
        style = para.style
        page_index = len(self.pages) - 1 if page_index is None else page_index
        page = self.pages[page_index]
        if first and para.outline is not None:
            title, level, key = para.outline
            self.outline.append((title, level, page_index, top))
        if first and para.label is not None:
            text, label_style, x = para.label
            baseline = top - style.size
            page.content.append(line_operators(_label_line(text, label_style, self.setter.measure), x, baseline,
                                               self.fonts))
            if para.label_link:
                width = self.setter.measure.width(text, label_style)
                page.links.append(((x - 1, baseline - 2, x + max(width, 8) + 1, baseline + label_style.size),
                                   para.label_link))
        for index, line in enumerate(lines):
            baseline = top - style.size - style.leading * index  # the font size under the top, then leading
            x = para.x
            natural = line.width + line.space_extra * max(0, len(line.words) - 1)
            if style.align == "right":
                x += para.width - natural
            elif style.align == "centre":
                x += (para.width - natural) / 2
            page.content.append(line_operators(line, x, baseline, self.fonts, self.setter.measure))
            if line.marked:
                self.mark(line, x, baseline, top - style.leading * index, page_index)

    def mark(self, line: Line, x: float, baseline: float, line_top: float, page_index: int) -> None:
        """Links and named destinations of ``line``."""
        links = self.pages[page_index].links
        current: str | None = None
        start = end = 0.0
        size = 0.0
        for piece, offset in line.positions(self.setter.measure):
            if piece.anchor:
                self.destinations.setdefault(piece.anchor, (page_index, x + offset, line_top))
            link = piece.style.link
            if link != current:
                if current:
                    links.append(((start, baseline - 0.25 * size, end, baseline + 0.9 * size), current))
                current, start, size = link, x + offset, piece.style.size
            if link:
                end = x + offset + piece.width
                size = max(size, piece.style.size + max(0.0, piece.style.rise))
        if current:
            links.append(((start, baseline - 0.25 * size, end, baseline + 0.9 * size), current))

    def finish(self) -> None:
        setter = self.setter
        for heading_index, (title, level, page, y) in enumerate(self.outline, 1):
            self.destinations.setdefault(f"section-{heading_index}", (page, setter.margin_x, y))
        self.draw_foot()
        if len(self.pages) > 1:
            head = setter.running_head()
            for page_index in range(1, len(self.pages)):
                self.draw_running(head, page_index)

    def draw_foot(self) -> None:
        if not self.foot:
            return
        setter = self.setter
        page = self.pages[0]
        y = setter.margin_bottom + self.foot_height - 8
        x = setter.margin_x
        page.content.append(_stroke(GREY, 0.4, x, x + 40 * MM, y + 5))
        for para in self.foot:  # each block's space after it, below it
            height = len(para.lines) * para.style.leading
            y -= height + para.space_after
            self.draw_lines(para, para.lines, y + height, page_index=0)

    def draw_running(self, head: list[Para], page_index: int) -> None:
        """The running header (series, short title, a rule) and the page number."""
        setter = self.setter
        page = self.pages[page_index]
        body, page.content = page.content, []  # drawn first, as a reader meets them
        top = setter.page_height - setter.margin_top + 9 * MM + 10
        for para in head:
            self.draw_lines(para, para.lines, top, page_index=page_index)
        page.content.append(_stroke(ACCENT, 0.5, setter.margin_x, setter.page_width - setter.margin_x, top - 13))
        label = Style("regular", 9, GREY)
        line = _label_line(str(page_index + 1), label, setter.measure)
        x = setter.page_width / 2 - line.width / 2
        page.content.append(line_operators(line, x, setter.margin_bottom - 10 * MM, self.fonts))
        page.content += body


def _label_line(text: str, style: Style, measure: Measure) -> Line:
    """``text`` (a bullet, a note's number, a page number) as one line, however long."""
    lines = break_lines([Run(" ".join(text.split()), style)], float("inf"), measure, justify=False)
    return lines[0] if lines else Line([], 0.0, True)


def _stroke(colour: tuple, width: float, x0: float, x1: float, y: float) -> str:
    """A horizontal rule from ``x0`` to ``x1`` at ``y``."""
    return f"q {rgb(colour)} RG {number(width)} w {number(x0)} {number(y)} m {number(x1)} {number(y)} l S Q"
