"""The PDF writer: typesets a brief with reportlab.

What the PDF keeps and loses, its layout, fonts and determinism are described in
:mod:`briefconv.formats.pdf`, the plugin module that registers this writer.
The reportlab speed-ups are at "reportlab speed-ups" below; tests/test_pdf_speed.py
checks each against the original.
"""

from __future__ import annotations

import _thread
import importlib.util
import operator
import re
import sys
from pathlib import Path
from typing import Callable, Iterable, Mapping

from briefconv import ir
from briefconv.dates import iso_parts, long_date
from briefconv.errors import warn
from briefconv.page_options import note_kind, paper_size
from briefconv.plaintext import plain_text as visible_text

ACCENT = "#1d3c6e"  # masthead, headings, links: a dark blue that prints well in grey
GREY = "#555555"
LIVE_SCHEMES = ("http://", "https://", "mailto:", "ftp://")
MM = 72 / 25.4

# ------------------------------------------------------------------ plain helpers


def plain_text(nodes: Iterable[ir.Inline]) -> str:
    """The visible text of inline nodes, white space folded (for the outline and header)."""
    return " ".join(visible_text(nodes).split())


LONG_PARAGRAPH = 12_000  # characters: reportlab re-breaks a paragraph's rest at each page


def split_long_paragraph(inlines: tuple[ir.Inline, ...], limit: int) -> list[tuple[ir.Inline, ...]]:
    """``inlines`` cut into pieces of about ``limit`` characters, at sentence ends or spaces.

    reportlab lays out the remainder of a paragraph again at every page break, so a
    paragraph many pages long costs time quadratic in its length (80,000 words: 19 s).
    Set as consecutive paragraphs without spacing between them, the pieces read as one.
    Only plain text is cut; a link or an emphasised run stays whole.
    """
    pieces: list[tuple[ir.Inline, ...]] = []
    current: list[ir.Inline] = []
    size = 0
    for node in inlines:
        if not isinstance(node, ir.Text):
            current.append(node)
            size += len(plain_text((node,)))
            continue
        text = node.text
        while size + len(text) > limit:
            cut = _cut_point(text, max(limit - size, 0))
            if cut is None:
                break
            current.append(ir.Text(text[:cut]))
            pieces.append(tuple(current))
            current, size, text = [], 0, text[cut:].lstrip(" ")
        if text:
            current.append(ir.Text(text))
            size += len(text)
    if current or not pieces:
        pieces.append(tuple(current))
    return pieces


def _cut_point(text: str, wanted: int) -> int | None:
    """Where to cut ``text`` near ``wanted``: after a sentence's end, else after a space."""
    for mark in (". ", "? ", "! ", " "):
        found = text.find(mark, wanted)
        if found != -1 and found - wanted < 2_000:
            return found + len(mark) - 1 if mark != " " else found + 1
    found = text.rfind(" ", 0, wanted)
    return found + 1 if found > 0 else None


_COLOUR_OBJECTS: dict = {}


def colour(name: str):
    """reportlab's colour object for ``name``, made once: reportlab parses a name each time it is set."""
    if name not in _COLOUR_OBJECTS:
        from reportlab.lib.colors import toColor

        _COLOUR_OBJECTS[name] = toColor(name)
    return _COLOUR_OBJECTS[name]


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


PAGE_SIZES = {"a4": (595.2756, 841.8898), "letter": (612.0, 792.0)}  # points: width, height


# ------------------------------------------------------------- inline markup


class InlineMarkup:
    """Turns IR inlines into reportlab paragraph markup.

    Knows the notes (to make reference marks and cross-references into links), the text
    face's coverage (to send CJK characters to a CID font) and remembers which note
    references already carry the anchor a note links back to.
    """

    def __init__(
        self,
        document: ir.Document,
        covers: Callable[[str], bool],
        cid_font: Callable[[str], str],
        measure: Callable[[str, float], float],
        covers_all: Callable[[str], bool] | None = None,
    ):
        self.measure = measure
        # the line length and type size of the text being rendered, for over-long URLs
        self.line_width: float | None = None
        self.font_size = 10.0
        self.notes = {note.id: (index, note) for index, note in enumerate(document.notes, 1)}
        self.language = document.metadata.language
        self.covers = covers
        self.covers_all = covers_all or (lambda text: all(map(covers, text)))
        self.cid_font = cid_font
        self.anchored: set[str] = set()
        self.missing: set[str] = set()
        self.dangling: set[str] = set()

    @staticmethod
    def note_anchor(index: int) -> str:
        return f"note-{index}"

    @staticmethod
    def ref_anchor(index: int) -> str:
        return f"ref-{index}"

    def render(self, nodes: Iterable[ir.Inline], context: str = "") -> str:
        return "".join(self.node(node, context) for node in nodes)

    def node(self, node: ir.Inline, context: str) -> str:
        if isinstance(node, ir.Text):
            return self.text(node.text, context)
        if isinstance(node, ir.Emphasis):
            return f"<i>{self.render(node.children, context)}</i>"
        if isinstance(node, ir.Strong):
            return f"<b>{self.render(node.children, context)}</b>"
        if isinstance(node, ir.Superscript):
            return f"<super>{self.render(node.children, context)}</super>"
        if isinstance(node, ir.Subscript):
            return f"<sub>{self.render(node.children, context)}</sub>"
        if isinstance(node, ir.LineBreak):
            return "<br/>"
        if isinstance(node, ir.Link):
            inner = self.render(node.children, context)
            if not node.url.lower().startswith(LIVE_SCHEMES):
                return inner
            text = plain_text(node.children)
            measure = lambda piece: self.measure(piece, self.font_size)  # noqa: E731
            if self.line_width is not None and "://" in text and measure(text) > self.line_width:
                # reportlab cuts an over-long URL anywhere and may let its tail run
                # into the margin: set it on lines of its own, broken where URLs break
                pieces = break_url(text, self.line_width * 0.97, measure)
                links = (f'<a href={quoteattr(node.url)} color="{ACCENT}">{self.text(p, context)}</a>' for p in pieces)
                return "<br/>" + "<br/>".join(links)
            return f'<a href={quoteattr(node.url)} color="{ACCENT}">{inner}</a>'
        if isinstance(node, ir.NoteRef):
            return self.note_ref(node.note_id)
        if isinstance(node, ir.NoteCrossRef):
            inner = self.render(node.children, context)
            if node.note_id not in self.notes:
                self.dangling.add(node.note_id)
                return inner
            index, _ = self.notes[node.note_id]
            return f'<a href="#{self.note_anchor(index)}" color="{ACCENT}">{inner}</a>'
        raise TypeError(f"not an inline node: {type(node).__name__}")

    def note_ref(self, note_id: str) -> str:
        if note_id not in self.notes:
            self.dangling.add(note_id)
            return ""
        index, note = self.notes[note_id]
        anchor = ""
        if note_id not in self.anchored:  # a note links back to its first reference
            self.anchored.add(note_id)
            anchor = f'<a name="{self.ref_anchor(index)}"/>'
        label = self.text(note.label, "")
        mark = f'<super rise="{self.font_size * 0.36:.2f}" size="{self.font_size * 0.68:.2f}">{label}</super>'
        return f'{anchor}<a href="#{self.note_anchor(index)}" color="{ACCENT}">{mark}</a>'

    def text(self, text: str, context: str) -> str:
        """Escaped text, with runs the face cannot show wrapped in a CJK font."""
        from briefconv.formats.pdf_fonts import cjk_language, cjk_script

        text = _CONTROL.sub(" ", text)
        if self.covers_all(text):
            return escape(text)
        out: list[str] = []
        run: list[str] = []

        def flush_cjk() -> None:
            if run:
                chars = "".join(run)
                font = self.cid_font(cjk_language(chars, context, self.language))
                out.append(f'<font name="{font}">{escape(chars)}</font>')
                run.clear()

        for char in text:
            if self.covers(char) or char.isspace():
                flush_cjk()
                out.append(escape(char))
            elif cjk_script(char):
                run.append(char)
            else:
                flush_cjk()
                self.missing.add(char)
                out.append(escape(char))
        flush_cjk()
        return "".join(out)


def escape(text: str) -> str:
    """Text made safe for reportlab's paragraph markup.

    (xml.sax.saxutils would do, but importing it pulls in urllib and the e-mail
    package: a noticeable share of every CLI run, PDF or not.)
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quoteattr(value: str) -> str:
    """A double-quoted attribute value for paragraph markup."""
    return '"' + escape(value).replace('"', "&quot;") + '"'


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_URL_BREAK = re.compile(r"(?<=[/])|(?=[?&#=._~-])")


def break_url(url: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """``url`` in pieces no wider than ``width``, cut after slashes or before punctuation.

    A piece is cut mid-word only when no such place fits on the line.
    """
    cuts = sorted({m.start() for m in _URL_BREAK.finditer(url) if 0 < m.start() < len(url)})
    pieces: list[str] = []
    start = 0
    while measure(url[start:]) > width:
        fitting = [c for c in cuts if c > start and measure(url[start:c]) <= width]
        end = fitting[-1] if fitting else start + 1
        if not fitting:
            while end < len(url) and measure(url[start:end + 1]) <= width:
                end += 1
        pieces.append(url[start:end])
        start = end
    pieces.append(url[start:])
    return pieces

# ------------------------------------------------------------------- the writer


def write_pdf(document: ir.Document, options: Mapping[str, str]) -> bytes:
    """Typeset ``document`` as a PDF brief and return the bytes."""
    import_reportlab_platypus()
    typesetter = _Typesetter(document, options)
    return typesetter.build()


class _Typesetter:
    """One document's layout: styles, story, page decoration, and the reportlab build."""

    def __init__(self, document: ir.Document, options: Mapping[str, str]) -> None:
        from briefconv.formats.pdf_fonts import cid_font, text_family

        self.document = document
        self.meta = document.metadata
        self.fonts = text_family()
        self.page_width, self.page_height = PAGE_SIZES[paper_size(document, options) or "a4"]
        self.margin_x = 27 * MM
        self.margin_top = 22 * MM
        self.margin_bottom = 22 * MM
        self.text_width = self.page_width - 2 * self.margin_x
        self.markup = InlineMarkup(
            document, self.fonts.covers, cid_font, self.string_width, covers_all=self.fonts.covers_all
        )
        self.styles = prepared_styles(self.fonts, hyphenator(self.meta.language))
        self.markup.line_width = self.text_width
        self.markup.font_size = self.styles["body"].fontSize
        self.outline_level = -1
        self.heading_count = 0
        self.nesting = 0  # quotes and lists around the block being set
        self.front_matter_end: list = []  # disclaimer and licence when too long for the foot
        self._running_head: list | None = None
        if note_kind(document, options) == "footnote":
            warn("the PDF writer sets notes as endnotes only (notes=footnotes ignored)")

    # ---------------------------------------------------------------- building

    def build(self) -> bytes:
        import io

        from reportlab.platypus.doctemplate import BaseDocTemplate, PageTemplate
        from reportlab.platypus.frames import Frame

        speed_up_reportlab()
        foot = self.first_page_foot()
        foot_height = sum(h for _, h in foot) + (8 if foot else 0)
        if foot_height > MAX_FOOT_SHARE * (self.page_height - self.margin_top - self.margin_bottom):
            self.front_matter_end = [paragraph for paragraph, _ in foot]  # too long for the foot
            foot, foot_height = [], 0
        buffer = io.BytesIO()
        doc = BaseDocTemplate(
            buffer,
            pagesize=(self.page_width, self.page_height),
            leftMargin=self.margin_x,
            rightMargin=self.margin_x,
            topMargin=self.margin_top,
            bottomMargin=self.margin_bottom,
            title=self.meta.title or "",
            author=author_names(self.meta),
            subject=self.meta.subtitle or self.meta.abstract or "",
            keywords=", ".join(self.meta.keywords),
            creator="briefconv",
            invariant=1,
            lang=self.meta.language or None,
            initialFontName=self.fonts.regular,
        )
        first = Frame(
            self.margin_x, self.margin_bottom + foot_height, self.text_width,
            self.page_height - self.margin_top - self.margin_bottom - foot_height,
            leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id="first",
        )
        later = Frame(
            self.margin_x, self.margin_bottom, self.text_width,
            self.page_height - self.margin_top - self.margin_bottom,
            leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id="later",
        )
        doc.addPageTemplates([
            PageTemplate("first", [first], onPage=lambda c, d: self.decorate_first(c, foot), autoNextPageTemplate="later"),
            PageTemplate("later", [later], onPage=self.decorate_later),
        ])
        doc.afterFlowable = lambda flowable: self.after_flowable(doc, flowable)
        doc.build(self.story())
        self.report_losses()
        return buffer.getvalue()

    def report_losses(self) -> None:
        if self.markup.missing:
            chars = "".join(sorted(self.markup.missing))
            warn(f"the PDF font has no glyph for {chars!r}; those characters print as boxes")
        if self.markup.dangling:
            warn(f"references to unknown notes left out of the PDF: {', '.join(sorted(self.markup.dangling))}")

    def after_flowable(self, doc, flowable) -> None:
        """Add headings to the outline; they carry their anchor and level."""
        entry = getattr(flowable, "_outline_entry", None)
        if entry is None:
            return
        title, level, key = entry
        level = min(level - 1, self.outline_level + 1)  # reportlab refuses skipped levels
        self.outline_level = level
        doc.canv.addOutlineEntry(title, key, level=level, closed=False)

    # -------------------------------------------------------------- page decoration

    def decorate_first(self, canvas, foot) -> None:
        date = pdf_date(self.meta.date)
        if date:
            canvas.setDateFormatter(lambda *_: date)
        canvas.setNamedCB("note_backlink", self.draw_note_backlink)
        canvas.showOutline()
        if not foot:
            return
        canvas.saveState()
        y = self.margin_bottom + sum(h for _, h in foot)
        canvas.setStrokeColor(colour(GREY))
        canvas.setLineWidth(0.4)
        canvas.line(self.margin_x, y + 5, self.margin_x + 40 * MM, y + 5)
        for paragraph, height in foot:
            y -= height
            paragraph.drawOn(canvas, self.margin_x, y)
        canvas.restoreState()

    def decorate_later(self, canvas, doc) -> None:
        canvas.saveState()
        top = self.page_height - self.margin_top + 9 * MM
        for flowable in self.running_head():
            flowable.drawOn(canvas, self.margin_x, top)
        canvas.setStrokeColor(colour(ACCENT))
        canvas.setLineWidth(0.5)
        canvas.line(self.margin_x, top - 3, self.page_width - self.margin_x, top - 3)
        canvas.setFont(self.fonts.regular, 9)
        canvas.setFillColor(colour(GREY))
        canvas.drawCentredString(self.page_width / 2, self.margin_bottom - 10 * MM, str(doc.page))
        canvas.restoreState()

    def running_head(self) -> list:
        """The running header's two paragraphs, set once: every later page shows the same."""
        if self._running_head is None:
            size = self.styles["running"].fontSize
            left_text = self.fit(series_line(self.meta), self.text_width * 0.4, size)
            right_text = self.fit(short_title(self.meta), self.text_width * 0.6 - 12, size)
            left = self.paragraph(self.markup.text(left_text, ""), "running")
            right = self.paragraph(self.markup.text(right_text, ""), "running_right")
            for flowable in (left, right):
                flowable.wrap(self.text_width, 30)
            self._running_head = [left, right]
        return self._running_head

    def string_width(self, text: str, size: float) -> float:
        from reportlab.pdfbase import pdfmetrics

        return pdfmetrics.stringWidth(text, self.fonts.regular, size)

    def fit(self, text: str, width: float, size: float) -> str:
        """``text`` cut at a word and ended with an ellipsis if it is wider than ``width``."""
        if self.string_width(text, size) <= width:
            return text
        words = text.split()
        while len(words) > 1 and self.string_width(" ".join(words) + " …", size) > width:
            words.pop()
        return " ".join(words).rstrip(",;:") + " …"

    @staticmethod
    def draw_note_backlink(canvas, kind, label) -> None:
        """A link from a note's number (drawn as the paragraph's bullet) to its reference."""
        info = canvas._curr_tx_info
        x, y, leading = info["cur_x"], info["cur_y"], info["leading"]
        canvas.linkRect("", label, (x - NOTE_HANG, y - 2, x - 2, y + leading - 3), relative=1, thickness=0)

    def first_page_foot(self) -> list[tuple[object, float]]:
        """The disclaimer and licence, typeset for the foot of the first page."""
        parts = []
        if self.meta.disclaimer:
            parts.append("<b>Disclaimer:</b> " + self.markup.text(self.meta.disclaimer, ""))
        licence = self.meta.licence
        if licence and (licence.text or licence.url):
            text = self.markup.text(licence.text or licence.url or "", "")
            if licence.url and licence.url.lower().startswith(LIVE_SCHEMES):
                if licence.text:
                    text += f' <a href={quoteattr(licence.url)} color="{ACCENT}">{escape(licence.url)}</a>'
                else:
                    text = f'<a href={quoteattr(licence.url)} color="{ACCENT}">{text}</a>'
            parts.append(text)
        out = []
        for markup in parts:
            paragraph = self.paragraph(markup, "foot")
            _, height = paragraph.wrap(self.text_width, self.page_height)
            out.append((paragraph, height + self.styles["foot"].spaceAfter))
        return out

    # ------------------------------------------------------------------ the story

    def paragraph(self, markup: str, style: str):
        return make_paragraph(markup, self.styles[style])

    def story(self) -> list:
        story = self.masthead() + self.title_block() + self.front_matter_end
        story += self.blocks(self.document.blocks)
        if self.document.back:
            story += self.blocks(self.document.back)
        if self.document.notes:
            story += self.notes()
        return story

    def balanced(self, markup: str, style: str):
        """A ragged paragraph whose lines are of even length: no lone word on the last line.

        Finds the narrowest measure that keeps the number of lines the full width gives.
        """
        from reportlab.lib.styles import ParagraphStyle

        def lines_at(width: float) -> int:
            paragraph = make_paragraph(markup, self.styles[style])
            paragraph.wrap(width, self.page_height)
            return len(paragraph.blPara.lines)

        lines = lines_at(self.text_width)
        if lines < 2:
            return make_paragraph(markup, self.styles[style])
        low, high = self.text_width / 2, self.text_width
        for _ in range(8):  # bisect to within a couple of points
            middle = (low + high) / 2
            if lines_at(middle) > lines:
                low = middle
            else:
                high = middle
        narrower = ParagraphStyle(f"{style}-balanced", parent=self.styles[style], rightIndent=self.text_width - high)
        return make_paragraph(markup, narrower)

    def masthead(self) -> list:
        from reportlab.platypus import HRFlowable, Spacer, Table, TableStyle

        meta = self.meta
        out: list = [HRFlowable(width="100%", thickness=3, color=colour(ACCENT), spaceAfter=7)]
        if meta.publisher and meta.publisher.name:
            out.append(self.paragraph(self.markup.text(meta.publisher.name.upper(), ""), "organisation"))
        series = series_line(meta) if meta.series else ""
        place_date = " · ".join(p for p in (meta.publisher.place if meta.publisher else None, meta.date and long_date(meta.date)) if p)
        if series or place_date:
            row = [
                self.paragraph(f"<b>{self.markup.text(series, '')}</b>", "masthead"),
                self.paragraph(self.markup.text(place_date, ""), "masthead_right"),
            ]
            table = Table([row], colWidths=[self.text_width * 0.6, self.text_width * 0.4])
            table.setStyle(TableStyle([
                ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("FONT", (0, 0), (-1, -1), self.fonts.regular),  # else the cells set Helvetica
            ]))
            out.append(table)
        if len(out) > 1:  # a rule under the masthead, when there is one
            out.append(HRFlowable(width="100%", thickness=0.5, color=colour(ACCENT), spaceBefore=5, spaceAfter=0))
        out.append(Spacer(1, 16))
        return out

    def title_block(self) -> list:
        from reportlab.platypus import HRFlowable

        meta = self.meta
        out = []
        if meta.title:
            out.append(self.balanced(self.markup.text(meta.title, ""), "title"))
        if meta.subtitle:
            out.append(self.paragraph(self.markup.text(meta.subtitle, ""), "subtitle"))
        for author in meta.authors:
            name = " ".join(p for p in (author.honorific, author.name) if p)
            out.append(self.paragraph(self.markup.text(name, ""), "author"))
            about = ", ".join(p for p in (author.role, *author.affiliations) if p)
            if about:
                out.append(self.paragraph(self.markup.text(about, ""), "affiliation"))
        if meta.keywords:
            words = self.markup.text(", ".join(meta.keywords), "")
            out.append(self.paragraph(f"<b>Keywords:</b> {words}", "keywords"))
        if meta.abstract:
            out.append(self.paragraph(self.markup.text(meta.abstract, ""), "abstract"))
        if out:
            out.append(HRFlowable(width="100%", thickness=0.4, color=colour(GREY), spaceBefore=2, spaceAfter=14))
        return out

    def blocks(self, blocks: Iterable[ir.Block], indent: float = 0, in_list: bool = False) -> list:
        out: list = []
        for block in blocks:
            out += self.block(block, indent, in_list)
        return out

    def block(self, block: ir.Block, indent: float, in_list: bool) -> list:
        if isinstance(block, ir.Heading):
            return self.heading_with_room(block)
        if isinstance(block, ir.Paragraph):
            style = "list_item" if in_list else "quote" if indent else "body"
            pieces = split_long_paragraph(block.children, LONG_PARAGRAPH)
            out = []
            for number, piece in enumerate(pieces):
                markup = self.markup.render(piece, plain_text(piece))
                out.append(self.paragraph_at(markup, style, indent,
                                             joins_previous=number > 0, joins_next=number < len(pieces) - 1))
            return out
        if isinstance(block, ir.BlockQuote):
            self.nesting += 1
            try:
                step = QUOTE_INDENT if self.nesting <= MAX_NESTING else 0
                return self.blocks(block.blocks, indent + step, in_list)
            finally:
                self.nesting -= 1
        if isinstance(block, ir.ListBlock):
            return [self.list_block(block, indent)] if block.items else []  # reportlab cannot set an empty list
        raise TypeError(f"not a block node: {type(block).__name__}")

    def paragraph_at(self, markup: str, style: str, indent: float,
                     joins_previous: bool = False, joins_next: bool = False):
        """A paragraph in ``style``, moved in by ``indent`` (block quotes).

        ``joins_previous``/``joins_next`` set a piece of a split paragraph flush
        against its neighbours, so the pieces read as one paragraph.
        """
        from reportlab.lib.styles import ParagraphStyle

        base = self.styles[style]
        if indent:
            base = ParagraphStyle(f"{style}+{indent}", parent=base,
                                  leftIndent=base.leftIndent + indent, rightIndent=base.rightIndent + indent)
        if joins_previous or joins_next:
            flush = {"spaceBefore": 0, "firstLineIndent": 0} if joins_previous else {}
            if joins_next:
                flush["spaceAfter"] = 0
            base = ParagraphStyle(f"{base.name}~piece", parent=base, **flush)
        return make_paragraph(markup, base)

    def heading_with_room(self, heading: ir.Heading) -> list:
        """The heading, on a new page unless a few lines of text fit below it."""
        from reportlab.platypus import CondPageBreak

        return [CondPageBreak(HEADING_ROOM), self.heading(heading)]

    def heading(self, heading: ir.Heading):
        self.heading_count += 1
        key = f"section-{self.heading_count}"
        level = max(1, min(heading.level, 3))
        markup = f'<a name="{key}"/>' + self.markup.render(heading.children, plain_text(heading.children))
        paragraph = self.paragraph(markup, f"h{level}")
        paragraph._outline_entry = (plain_text(heading.children), heading.level, key)
        return paragraph

    def list_block(self, block: ir.ListBlock, indent: float):
        from reportlab.platypus import ListFlowable, ListItem, Spacer

        self.nesting += 1
        try:
            # reportlab cannot set an item without content: an empty item keeps its bullet
            items = [ListItem(self.blocks(item, 0, in_list=True) or [Spacer(0, 0)]) for item in block.items]
            step = 16 if self.nesting <= MAX_NESTING else 0
        finally:
            self.nesting -= 1
        kwargs = dict(
            leftIndent=indent + step, bulletFontName=self.fonts.regular, bulletFontSize=10,
            spaceBefore=0, spaceAfter=6,
        )
        if block.ordered:
            return ListFlowable(items, bulletType="1", start=str(block.start), bulletFormat="%s.", **kwargs)
        return ListFlowable(items, bulletType="bullet", start="•", **kwargs)

    def notes(self) -> list:
        out = self.heading_with_room(ir.Heading(1, (ir.Text("Notes"),)))
        for index, note in enumerate(self.document.notes, 1):
            out += self.note(index, note)
        return out

    def note(self, index: int, note: ir.Note) -> list:
        anchor = f'<a name="{InlineMarkup.note_anchor(index)}"/>'
        backlink = ""
        if note.id in self.markup.anchored:
            backlink = f'<ondraw name="note_backlink" label="{InlineMarkup.ref_anchor(index)}"/>'
        label = self.markup.text(note.label, "")
        out: list = []
        first = True
        self.markup.line_width = self.text_width - NOTE_HANG
        self.markup.font_size = self.styles["note"].fontSize
        for block in note.blocks or (ir.Paragraph(()),):
            if isinstance(block, ir.Paragraph) and first:
                markup = anchor + backlink + self.markup.render(block.children, plain_text(block.children))
                out.append(make_paragraph(markup, self.styles["note"], bulletText=label))
            elif isinstance(block, ir.Paragraph):
                out.append(make_paragraph(self.markup.render(block.children), self.styles["note_more"]))
            else:
                if first:
                    out.append(make_paragraph(anchor + backlink, self.styles["note"], bulletText=label))
                out += self.blocks((block,), NOTE_HANG)
            first = False
        self.markup.line_width = self.text_width
        self.markup.font_size = self.styles["body"].fontSize
        return out


# ------------------------------------------------------------ reportlab speed-ups


_FRAG_STYLE = ("fontName", "fontSize", "textColor", "rise", "us_lines", "link", "backColor", "nobr")
_ABSENT = object()
_usual_frag_style = operator.itemgetter(*_FRAG_STYLE[:6])  # every fragment has these six


def same_frag(one, other) -> int:
    """reportlab's ``sameFrag``: whether two fragments can share one run of text.

    The C version in ``_rl_accel`` takes about 4 µs a call (a tenth of the whole
    layout); this one gives the same answers four times faster, mostly because an
    attribute shared by both (a style's colour) is the same object and needs no
    Python-level ``Color.__eq__`` (tuples compare items by identity first).
    """
    one_attrs, other_attrs = one.__dict__, other.__dict__  # fragments have no class-level defaults
    if "cbDefn" in one_attrs or "lineBreak" in one_attrs or "cbDefn" in other_attrs or "lineBreak" in other_attrs:
        return 0
    try:
        if _usual_frag_style(one_attrs) != _usual_frag_style(other_attrs):
            return 0
    except KeyError:
        return _same_frag_attributes(one_attrs, other_attrs, _FRAG_STYLE)
    return _same_frag_attributes(one_attrs, other_attrs, _FRAG_STYLE[6:])


def _same_frag_attributes(one_attrs: dict, other_attrs: dict, names) -> int:
    mine_of, theirs_of = one_attrs.get, other_attrs.get
    for name in names:
        mine, theirs = mine_of(name, _ABSENT), theirs_of(name, _ABSENT)
        if mine is not theirs and (mine is _ABSENT or theirs is _ABSENT or mine != theirs):
            return 0
    return 1


class FontMetricsMemo:
    """reportlab's ``stringWidth`` and ``getAscentDescent``, remembered.

    A brief measures the same words thousands of times, and reportlab's
    ``getAscentDescent`` goes through a caught AttributeError for every TrueType
    font.  An answer is reused only while the name still denotes the same font object,
    so re-registering a font under an old name is seen.  The memo is emptied when it
    grows past ``limit`` entries, which keeps memory bounded however long the brief.
    """

    def __init__(self, limit: int = 20_000) -> None:  # some 5 MB at most
        from reportlab.pdfbase import pdfmetrics

        # closures over locals: these run some ten thousand times a brief
        font_of = pdfmetrics._fonts.get
        # reportlab's own stringWidth, even once speed_up_reportlab has put a memo in its place
        measure = REPORTLAB_ORIGINALS.setdefault("stringWidth", pdfmetrics.stringWidth)
        extent = pdfmetrics.getAscentDescent
        widths: dict = {}
        extents: dict = {}
        self.widths, self.extents = widths, extents

        # reportlab's parameter names, so that calls by keyword work too
        def string_width(text, fontName, fontSize, encoding="utf8"):  # noqa: N803
            key = (text, fontName, fontSize, encoding)
            known = widths.get(key)
            if known is not None and known[0] is font_of(fontName):
                return known[1]
            width = measure(text, fontName, fontSize, encoding)
            if len(widths) >= limit:
                widths.clear()
            widths[key] = (font_of(fontName), width)
            return width

        def ascent_descent(fontName, fontSize=None):  # noqa: N803
            key = (fontName, fontSize)
            known = extents.get(key)
            if known is not None and known[0] is font_of(fontName):
                return known[1]
            answer = extent(fontName, fontSize)
            if len(extents) >= limit:
                extents.clear()
            extents[key] = (font_of(fontName), answer)
            return answer

        self.string_width = string_width
        self.ascent_descent = ascent_descent


_MARKUP_TOKEN = re.compile(
    r'<(/?)([a-z]+)((?:\s+[a-z]+="[^"<>]*")*)\s*(/?)>'  # a tag, possibly self-closing
    r"|&(amp|lt|gt|quot);"  # one of the entities escape() writes
    r"|[^<&]+"  # text
)
_MARKUP_ATTRIBUTE = re.compile(r'([a-z]+)="([^"]*)"')
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"'}
_COLOURS: dict = {}  # link colour names, as reportlab Colors (all links share one colour)
_EMPTY_TAGS = ("br", "ondraw")  # and <a name="..."/>, told apart by its attribute


class _NotMine(Exception):
    """Markup the fast reader does not know: reportlab's own parser takes it."""


def markup_fragments(markup: str, style):
    """reportlab's paragraph fragments for the markup this writer makes, or None.

    Gives exactly what reportlab's ``ParaParser`` gives (the same fragments with the
    same attributes: tests compare them) for the tags InlineMarkup writes -- ``<i>``,
    ``<b>``, ``<super>``, ``<sub>``, ``<br/>``, ``<a href color>``, ``<a name/>``,
    ``<ondraw/>`` -- and the four escaped entities, three to four times faster than
    that parser, which runs html.parser and copies a style object for every tag.
    Anything else (``<font>``, underlined links, ``<para>`` attributes) returns None.
    """
    from reportlab.platypus.paragraph import cleanBlockQuotedText

    if getattr(style, "linkUnderline", _PLATYPUS_LINK_UNDERLINE) or getattr(style, "textTransform", None):
        return None
    text = cleanBlockQuotedText(markup)
    try:
        return text, _FragmentReader(style).read(text)
    except _NotMine:
        return None


_PLATYPUS_LINK_UNDERLINE = None  # rl_config's setting, read when reportlab is imported


class _FragmentReader:
    """One paragraph's markup to fragments: a stack of fragment states, as ParaParser keeps."""

    def __init__(self, style) -> None:
        from reportlab.lib.fonts import ps2tt
        from reportlab.platypus.paraparser import ParaFrag

        first = ParaFrag()
        first.rise = 0
        first.greek = 0
        first.link = []
        first.fontName, first.bold, first.italic = ps2tt(style.fontName)
        first.fontSize = style.fontSize
        first.textColor = style.textColor
        first.us_lines = []
        first.__tag__ = "para"
        self.stack = [first]
        self.fragments: list = []
        self.links = 0

    def read(self, text: str) -> list:
        position = 0
        for match in _MARKUP_TOKEN.finditer(text):
            if match.start() != position:
                raise _NotMine  # a stray '<' or '&'
            position = match.end()
            closing, tag, attributes, self_closing, entity = match.groups()
            if tag is None:
                self.data(_ENTITIES[entity] if entity else match.group())
            elif closing:
                if attributes or self_closing:
                    raise _NotMine
                self.end(tag)
            elif (tag in _EMPTY_TAGS or (tag == "a" and "name=" in attributes)) != bool(self_closing):
                raise _NotMine  # '<br>', or text inside '<a name>'
            elif self_closing:
                self.empty(tag, dict(_MARKUP_ATTRIBUTE.findall(attributes)))
            else:
                self.start(tag, dict(_MARKUP_ATTRIBUTE.findall(attributes)))
        if position != len(text) or len(self.stack) != 1:
            raise _NotMine
        return self.fragments

    def push(self, tag: str, **attributes):
        fragment = copy_fragment(self.stack[-1])
        fragment.__tag__ = tag
        for name, value in attributes.items():
            setattr(fragment, name, value)
        self.stack.append(fragment)
        return fragment

    def data(self, text: str) -> None:
        from reportlab.lib.fonts import tt2ps

        fragment = copy_fragment(self.stack[-1])
        fragment.fontName = tt2ps(fragment.fontName, fragment.bold, fragment.italic)
        fragment.text = text
        self.fragments.append(fragment)

    def start(self, tag: str, attributes: dict) -> None:
        if tag in ("i", "b") and not attributes:
            self.push(tag, **({"italic": 1} if tag == "i" else {"bold": 1}))
        elif tag in ("super", "sub"):
            self.script(tag, attributes)
        elif tag == "a" and set(attributes) == {"href", "color"}:
            self.link(attributes)
        else:
            raise _NotMine

    def empty(self, tag: str, attributes: dict) -> None:
        """A self-closing tag: a line break, an anchor or a drawing callback."""
        import html

        from reportlab.lib.abag import ABag

        values = {name: html.unescape(value) for name, value in attributes.items()}
        definition = ABag()
        if tag == "br" and not values:
            self.push("br", lineBreak=True, text="")
            self.data("")
            self.pop("br")
            return
        if tag == "a" and set(values) == {"name"} and values["name"].strip():
            definition.label = definition.kind = "anchor"
            definition.name = values["name"].strip()
        elif tag == "ondraw" and set(values) == {"name", "label"}:
            definition.name = values["name"]
            definition.label = values["label"]
            definition.kind = "onDraw"
        else:
            raise _NotMine
        self.push(tag, cbDefn=definition)
        self.data("")
        self.pop(tag)

    def script(self, tag: str, attributes: dict) -> None:
        import html

        from reportlab.platypus.paraparser import fontSizeNormalize, sizeDelta, subFraction, supFraction

        if not set(attributes) <= {"rise", "size"}:
            raise _NotMine
        names = {"rise": "supr", "size": "sups"}
        values = {names[name]: html.unescape(value) for name, value in attributes.items()}
        fragment = self.push(tag, **values)
        try:
            if tag == "super":
                fragment.rise += fontSizeNormalize(fragment, "supr", fragment.fontSize * supFraction)
            else:
                fragment.rise -= fontSizeNormalize(fragment, "supr", fragment.fontSize * subFraction)
            fragment.fontSize = fontSizeNormalize(
                fragment, "sups", fragment.fontSize - min(sizeDelta, 0.2 * fragment.fontSize))
        except (ValueError, TypeError, AttributeError) as error:
            raise _NotMine from error

    def link(self, attributes: dict) -> None:
        import html

        from reportlab.lib.colors import toColor

        name = html.unescape(attributes["color"])
        colour = _COLOURS.get(name)
        if colour is None:  # toColor evaluates the name each time: a tenth of the reading
            try:
                colour = _COLOURS[name] = toColor(name)
            except ValueError as error:
                raise _NotMine from error
        target = html.unescape(attributes["href"]).strip()
        self.push("a", textColor=colour, link=self.stack[-1].link + [(self.links, target)])
        self.links += 1

    def end(self, tag: str) -> None:
        self.pop(tag)

    def pop(self, tag: str) -> None:
        if len(self.stack) < 2 or self.stack[-1].__tag__ != tag:
            raise _NotMine
        self.stack.pop()


def copy_fragment(fragment):
    """``copy.copy(fragment)`` for a reportlab fragment, without copy's generic dispatch.

    A fragment is a plain attribute bag: copy makes a new instance with ``__new__`` and
    the same ``__dict__`` entries, as here.
    """
    new = object.__new__(type(fragment))
    new.__dict__.update(fragment.__dict__)
    return new


def clone_fragment(self, **attributes):
    """reportlab's ``ABag.clone`` for fragments: a copy with ``attributes`` set.

    ``ABag.clone`` calls the class with the attributes as keywords, which its
    ``__init__`` puts into ``__dict__``; this skips the call (breakLines clones a
    fragment for every run of text on every line).
    """
    new = object.__new__(type(self))
    state = new.__dict__
    state.update(self.__dict__)
    if attributes:
        state.update(attributes)
    return new


def make_paragraph(markup: str, style, bulletText=None):  # noqa: N803 (reportlab's name)
    """``reportlab.platypus.Paragraph(markup, style, bulletText)``, with the markup read fast."""
    from reportlab.platypus.paragraph import Paragraph

    read = markup_fragments(markup, style)
    if read is None:
        return Paragraph(markup, style, bulletText)
    text, fragments = read
    return Paragraph(text, style, bulletText, frags=fragments)


# A character class holding a range up to U+FFFF, beside at most a-z, 0-9 and '-'.
_WIDE_CLASS = re.compile("\\[((?:a-z|0-9|-)*)([^\\x00-\\x7f])-\uffff((?:a-z|0-9|-)*)\\]")


def narrow_wide_classes(pattern: str, flags: int = 0) -> str:
    """``pattern`` with each class like ``[a-z\xa1-\uffff0-9]`` written as an alternation.

    The range becomes a negated class of what lies outside it, which matches the same
    characters (tests check every code point) and compiles in a fraction of the
    time: re's compiler fills a 65,536-entry table, in Python, for each wide range,
    and maps every one of its characters' cases under IGNORECASE.  Ignoring case, a
    range also matches letters outside it whose other case lies inside (I, K and S
    for U+00A1-U+FFFF: İ, the Kelvin sign and long s), so there only a range from
    U+00A1 beside a-z, which holds those letters anyway, is rewritten.
    """
    caseless = bool(flags & re.IGNORECASE) or "(?" in pattern

    def alternation(match: re.Match) -> str:
        before, low, after = match.groups()
        if caseless and (low != "\xa1" or "a-z" not in before + after):
            return match.group()
        outside = f"[^\\x00-\\u{ord(low) - 1:04x}\\U00010000-\\U0010ffff]"
        return f"(?:[{before}{after}]|{outside})" if before or after else outside

    return _WIDE_CLASS.sub(alternation, pattern)


_IMPORT_LOCK = _thread.allocate_lock()


def import_reportlab_platypus() -> None:
    """Import reportlab.platypus without its slowest start-up costs.

    At import it compiles a URL pattern with IGNORECASE and ranges up to U+FFFF
    (about 40 ms, a seventh of a whole CLI run) and a CJK pattern (5 ms).  While
    it is imported, re.compile rewrites such classes into equivalent ones that
    compile fast; everything else is compiled as given.  (Another thread compiling
    a pattern in that moment gets the same, equivalent rewrite.)  It also imports
    Pillow's Image module and pyphen, which a brief without images and with
    hyphenation patterns of its own never uses (about 20 ms): they are loaded
    lazily, when something first touches them.
    """
    with _IMPORT_LOCK:  # one thread swaps re.compile and sys.modules entries, and puts them back
        if "reportlab.platypus.paragraph" not in sys.modules:
            _import_reportlab_platypus()


def _import_reportlab_platypus() -> None:
    pyphen_dictionaries()
    import_lazily("PIL.Image")
    # 'import pyphen' would load a lazy module at once (the import system reads its
    # __spec__), so reportlab's import of it fails, and it gets the lazy module after
    lazy_pyphen = import_lazily("pyphen")
    if lazy_pyphen is not None:
        sys.modules["pyphen"] = None  # type: ignore[assignment]
    compile_as_given = re.compile

    def compile_narrowed(pattern, flags=0):
        if isinstance(pattern, str) and "\uffff" in pattern:
            pattern = narrow_wide_classes(pattern, flags)
        return compile_as_given(pattern, flags)

    re.compile = compile_narrowed
    try:
        import reportlab.platypus  # noqa: F401 (its __init__ imports every platypus module)
    finally:
        re.compile = compile_as_given
        if lazy_pyphen is not None:
            sys.modules["pyphen"] = lazy_pyphen
            paragraph_module = sys.modules.get("reportlab.platypus.paragraph")
            if paragraph_module is not None and getattr(paragraph_module, "pyphen", lazy_pyphen) is None:
                paragraph_module.pyphen = lazy_pyphen


def import_lazily(name: str):
    """Put module ``name`` in sys.modules to be executed on its first attribute access.

    importlib's LazyLoader: to everyone who imports it, it is the module itself.
    Returns the lazy module, or None (and does nothing) if ``name`` is imported
    already or not installed.
    """
    import importlib.util

    if name in sys.modules:
        return None
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
        return None
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent in sys.modules:
        setattr(sys.modules[parent], child, module)
    return module


def fast_flate_filter():
    """reportlab's Flate stream filter, at zlib level 1 instead of 6.

    Compressing the page contents and the three or four embedded font subsets took
    a seventh of the writing time; level 1 halves that for files about 5% larger
    (the sample: 113 kB -> 119 kB).  Nothing on the page changes.
    """
    import zlib

    from reportlab.pdfbase.pdfdoc import PDFStreamFilterZCompress

    class FastFlateFilter(PDFStreamFilterZCompress):
        def encode(self, text):
            return zlib.compress(text.encode("utf8") if isinstance(text, str) else text, 1)

    return FastFlateFilter()


def fast_pdf_format(format_as_given):
    """reportlab's ``pdfdoc.format`` (an object's PDF bytes), quicker for plain values.

    Writing a brief's file formats some fifty thousand values, most of them short
    strings (names, keys) and numbers, each through ``isinstance`` checks and the
    ``extpdfdoc`` codec.  Those two kinds are done here (short strings' bytes
    remembered, up to a bound); everything else -- PDF objects, subclasses of str --
    goes to the original, so the bytes are the same.
    """
    from reportlab.lib.rl_accel import fp_str

    encoded: dict[str, bytes] = {}

    def format(element, document, toplevel=0):  # noqa: A001 (reportlab's name)
        kind = type(element)
        if kind is str:
            known = encoded.get(element)
            if known is None:
                known = element.encode("extpdfdoc")
                if len(element) <= 64:
                    if len(encoded) >= 20_000:
                        encoded.clear()
                    encoded[element] = known
            return known
        if kind is float or kind is int:  # fp_str writes ASCII, which extpdfdoc leaves as it is
            return fp_str(element).encode("ascii")
        if kind is bytes:
            return element
        return format_as_given(element, document, toplevel)

    return format


def remembered_pdf_name(pdf_name):
    """reportlab's ``PDFName`` (a name's escaped form), remembered: it depends only on its argument."""
    names: dict = {}

    def name(data, lo=chr(0x21), hi=chr(0x7E)):
        if lo != "\x21" or hi != "\x7e" or type(data) is not str:
            return pdf_name(data, lo, hi)
        known = names.get(data)
        if known is None:
            known = pdf_name(data)
            if len(names) < 20_000:
                names[data] = known
        return known

    return name


def fast_split_string(split_string):
    """``TTFont.splitString`` (text to subset codes), quicker when every character is known.

    Most strings drawn repeat characters the document's font subset already holds, all
    in the first subset; their codes are then looked up in one pass.  A new character,
    one outside the first subset or a font with no state for this document yet goes to
    reportlab's own loop, which also assigns codes, so the results are the same.
    """

    def split(self, text, doc, encoding="utf-8"):
        state = self.state.get(doc) if hasattr(self.state, "get") else None
        if state is not None and type(text) is str and text:
            assignments = state.assignments
            try:
                codes = bytes([assignments[code] for code in map(ord, text.replace("\xa0", " "))])
            except (KeyError, ValueError):  # a new character, or a code past the first subset
                pass
            else:
                return [(0, codes)]
        return split_string(self, text, doc, encoding)

    return split


_SPED_UP = False
REPORTLAB_ORIGINALS: dict = {}  # what speed_up_reportlab replaced, by name (for the tests)


def speed_up_reportlab() -> None:
    """Swap in faster equivalents of reportlab internals that dominate the layout time.

    Each replacement gives the same results as the function it replaces, so other
    users of reportlab in the process see no difference, except one: PDF streams
    are compressed at zlib's fastest level (see fast_flate_filter).  Done once per process,
    before the first PDF, so every PDF a process writes is compressed alike.
    """
    global _SPED_UP
    if _SPED_UP:
        return
    import_reportlab_platypus()
    from reportlab.pdfbase import pdfdoc
    from reportlab.platypus import paragraph

    global _PLATYPUS_LINK_UNDERLINE
    from reportlab.rl_config import platypus_link_underline

    _PLATYPUS_LINK_UNDERLINE = platypus_link_underline
    memo = FontMetricsMemo()
    from reportlab.pdfbase import ttfonts

    from reportlab.lib.abag import ABag
    from reportlab.platypus.paraparser import ParaFrag

    from reportlab.pdfbase import pdfmetrics

    REPORTLAB_ORIGINALS.update(format=pdfdoc.format, PDFName=pdfdoc.PDFName, splitString=ttfonts.TTFont.splitString)
    if ParaFrag.__init__ is ABag.__init__ and ParaFrag.clone is ABag.clone:  # the plain bag clone_fragment copies
        ParaFrag.clone = clone_fragment
    paragraph.sameFrag = same_frag
    pdfdoc.PDFZCompress = fast_flate_filter()
    pdfdoc.format = fast_pdf_format(pdfdoc.format)
    pdfdoc.PDFName = remembered_pdf_name(pdfdoc.PDFName)
    ttfonts.TTFont.splitString = fast_split_string(ttfonts.TTFont.splitString)
    paragraph.stringWidth = memo.string_width
    paragraph.getAscentDescent = memo.ascent_descent
    pdfmetrics.stringWidth = memo.string_width  # the canvas measures through it when justifying
    _SPED_UP = True


MAX_FOOT_SHARE = 0.3  # of the page's text height: longer disclaimers go after the keywords
HEADING_ROOM = 90  # points: the heading and about four lines
NOTE_HANG = 16
QUOTE_INDENT = 22
MAX_NESTING = 6  # quotes and lists nested deeper are not moved in further: the measure would run out

# ------------------------------------------------------------------- hyphenation


def hyphenator(language: str | None):
    """A reportlab hyphenation callback for ``language`` (English without one), or None.

    The patterns are pyphen's (the hunspell/TeX hyphenation dictionaries); they are
    read on the first word that needs them.  Hyphens are kept two letters from the
    start and three from the end, as English typesetting does.
    """
    path = pyphen_dictionary_path((language or "en").replace("-", "_"))
    if path is None:
        if language and not language.lower().startswith("en"):
            warn(f"no hyphenation patterns for {language!r}: the PDF is justified without hyphenation")
        elif importlib.util.find_spec("pyphen") is None:
            warn("pyphen is not installed: the PDF is justified without hyphenation")
        return None
    return LazyHyphenator(path)


_PYPHEN_DICTIONARIES: dict[str, Path] | None = None


def pyphen_dictionaries() -> dict[str, Path]:
    """pyphen's dictionaries by language ("en_gb", and "en" for the first English one).

    Listed once per process; found without importing pyphen (and before it is made
    lazy: finding a lazily imported module's spec would load it).
    """
    global _PYPHEN_DICTIONARIES
    if _PYPHEN_DICTIONARIES is None:
        spec = importlib.util.find_spec("pyphen")
        available: dict[str, Path] = {}
        if spec is not None and spec.origin is not None:
            for path in sorted((Path(spec.origin).parent / "dictionaries").glob("hyph_*.dic")):
                name = path.name[5:-4].lower()
                available[name] = path
                available.setdefault(name.split("_")[0], path)
        _PYPHEN_DICTIONARIES = available
    return _PYPHEN_DICTIONARIES


def pyphen_dictionary_path(language: str) -> Path | None:
    """pyphen's ``hyph_*.dic`` for ``language``, found the way pyphen finds it.

    Looking in pyphen's folder directly spares importing pyphen, which lists and
    sorts every dictionary it has.
    """
    available = pyphen_dictionaries()
    if not available:
        return None
    parts = language.lower().split("_")
    while parts:
        if "_".join(parts) in available:
            return available["_".join(parts)]
        parts.pop()
    return None


class LazyHyphenator:
    """reportlab's ``hyphenationLang`` callback: ``word -> (head, tail) pairs``, longest head first."""

    def __init__(self, path: Path, left: int = 2, right: int = 3) -> None:
        self.path = path
        self.left, self.right = left, right
        self.patterns: LiangPatterns | None = None

    def __call__(self, word: str):
        if not line_would_be_loose(sys._getframe(1)):
            return []
        if self.patterns is None:
            self.patterns = liang_patterns(self.path)
        return [(word[:p], word[p:]) for p in reversed(self.points(word))]

    def points(self, word: str) -> list[int]:
        """Break points of ``word``; a compound breaks after its hyphens or inside its parts.

        Each part of "Asia-Pacific" keeps its own minimum lengths, so no "Asi-a-Pacific".
        """
        points: list[int] = []
        offset = 0
        for part in re.split(r"(?<=-)(?=.)", word):
            letters = part.rstrip("-")
            last = len(letters) - self.right
            points += [offset + p for p in self.patterns.points(letters) if self.left <= p <= last]
            offset += len(part)
            if part.endswith("-") and offset < len(word):
                points.append(offset)
        return points


LOOSE_LINE = 2.0  # ems of slack that make hyphenating worth it


def line_would_be_loose(caller) -> bool:
    """Whether the line being filled would be loose if the next word went to the next line.

    reportlab hyphenates every word that overflows a line, so about one line in five
    would end in a hyphen.  Typesetters hyphenate only to avoid a loose line: the
    slack left without the word must exceed LOOSE_LINE ems.  reportlab does not pass
    the line to the callback, so this reads it from the calling frame (its
    ``_hyGenPair``); with another reportlab that lacks those names, it says yes and
    reportlab's own behaviour stays.
    """
    names = caller.f_locals
    try:
        slack = names["maxWidth"] - names["w0"]
        size = names.get("fontSize") or names["FW"][1][0].fontSize
    except (KeyError, IndexError, AttributeError, TypeError):
        return True
    return slack > LOOSE_LINE * size


_PATTERN_CACHE: dict[Path, "LiangPatterns"] = {}
_IGNORED = ("%", "#", "LEFTHYPHENMIN", "RIGHTHYPHENMIN", "COMPOUNDLEFTHYPHENMIN", "COMPOUNDRIGHTHYPHENMIN")


def liang_patterns(path: Path) -> "LiangPatterns":
    if path not in _PATTERN_CACHE:
        _PATTERN_CACHE[path] = LiangPatterns.read(path)
    return _PATTERN_CACHE[path]


class LiangPatterns:
    """Liang's hyphenation patterns (TeX's algorithm), each parsed only when a word meets it.

    pyphen parses every pattern of a dictionary up front, which takes longer than
    typesetting a whole brief; here a pattern is a raw string until a word needs it.
    Dictionaries with non-standard hyphenation (``ff=f`` alternatives) go to pyphen.
    A word's break points are remembered until ``WORD_MEMO_LIMIT`` words are: a batch
    worker lives through thousands of briefs, and its memory must not grow with them.
    """

    WORD_MEMO_LIMIT = 20_000  # some 5 MB at most: a brief has a few thousand distinct words

    def __init__(self, raw: dict[str, str], fallback=None) -> None:
        self.raw = raw  # "hyph" -> "h1yph" as written in the file
        self.maxlen = max(map(len, raw), default=0)
        self.fallback = fallback
        self.values: dict[str, list[int]] = {}
        self.cache: dict[str, list[int]] = {}

    @classmethod
    def read(cls, path: Path) -> "LiangPatterns":
        data = path.read_bytes()
        header, _, body = data.partition(b"\n")
        try:
            text = body.decode(header.decode("ascii").strip().replace("microsoft-", ""))
        except (LookupError, UnicodeDecodeError):
            text = None
        lines = [line.strip() for line in text.split("\n")] if text is not None else []
        patterns = [line for line in lines if line and not line.startswith(_IGNORED)]
        joined = "\n".join(patterns)
        if text is None or "/" in joined or "^^" in joined:
            import pyphen

            return cls({}, fallback=pyphen.Pyphen(filename=path, left=0, right=0))
        # a pattern's digits are ASCII; deleting them from bytes is many times faster than re.sub
        keys = joined.encode("utf-8").translate(None, b"0123456789").decode("utf-8").split("\n")
        return cls(dict(zip(keys, patterns)))

    def pattern_values(self, key: str) -> list[int]:
        """The digits of a pattern by position: 'h1yph' -> [0, 1, 0, 0, 0]."""
        values = self.values.get(key)
        if values is None:
            values = [0] * (len(key) + 1)
            position = 0
            for char in self.raw[key]:
                if char.isdigit():
                    values[position] = int(char)
                else:
                    position += 1
            self.values[key] = values
        return values

    def points(self, word: str) -> list[int]:
        """Where ``word`` may be hyphenated: indexes of the characters a hyphen goes before."""
        if self.fallback is not None:
            return list(self.fallback.positions(word))
        lower = word.lower()
        points = self.cache.get(lower)
        if points is None:
            dotted = f".{lower}."
            levels = [0] * (len(dotted) + 1)
            for start in range(len(dotted) - 1):
                for end in range(start + 1, min(start + self.maxlen, len(dotted)) + 1):
                    key = dotted[start:end]
                    if key in self.raw:
                        for offset, value in enumerate(self.pattern_values(key)):
                            if value > levels[start + offset]:
                                levels[start + offset] = value
            points = [i - 1 for i, level in enumerate(levels) if level % 2]
            if len(self.cache) >= self.WORD_MEMO_LIMIT:
                self.cache.clear()
            self.cache[lower] = points
        return points


# ------------------------------------------------------------------------ styles


_STYLES: dict = {}


def prepared_styles(fonts, hyphenate) -> dict:
    """The paragraph styles for a text family and hyphenation dictionary, made once per process.

    Styles are only read once made (variants are new styles with these as parents), so
    every document with the same fonts and language shares them.
    """
    key = (fonts, getattr(hyphenate, "path", None))
    if key not in _STYLES:
        _STYLES[key] = _make_styles(fonts, hyphenate)
    return _STYLES[key]


def _make_styles(fonts, hyphenate) -> dict:
    from reportlab.lib.enums import TA_JUSTIFY, TA_LEFT, TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle

    # colour objects, not names: reportlab would parse a name each time it sets the colour
    accent, grey = colour(ACCENT), colour(GREY)

    body = ParagraphStyle(
        "body", fontName=fonts.regular, fontSize=11, leading=15.5, alignment=TA_JUSTIFY,
        spaceAfter=7, hyphenationLang=hyphenate or "", embeddedHyphenation=0, uriWasteReduce=0.3,
        hyphenationMinWordLength=6, allowWidows=0, allowOrphans=0,
    )
    # no keepWithNext: reportlab's KeepTogether wraps a paragraph twice, and a second wrap
    # of a hyphenated paragraph loses its justification; a CondPageBreak does the job
    heading = dict(fontName=fonts.bold, textColor=accent, alignment=TA_LEFT, hyphenationLang="")
    styles = {
        "body": body,
        "quote": ParagraphStyle("quote", parent=body, fontSize=10, leading=14),
        "list_item": ParagraphStyle("list_item", parent=body, spaceAfter=3),
        "h1": ParagraphStyle("h1", parent=body, fontSize=13, leading=16, spaceBefore=12, spaceAfter=6, **heading),
        "h2": ParagraphStyle("h2", parent=body, fontSize=11.5, leading=15, spaceBefore=9, spaceAfter=4,
                             **{**heading, "fontName": fonts.bold_italic}),
        "h3": ParagraphStyle("h3", parent=body, fontSize=10.5, leading=15, spaceBefore=6, spaceAfter=2,
                             **{**heading, "fontName": fonts.italic}),
        "organisation": ParagraphStyle("organisation", fontName=fonts.bold, fontSize=10, leading=13,
                                       textColor=accent, spaceAfter=3),
        "masthead": ParagraphStyle("masthead", fontName=fonts.regular, fontSize=9, leading=12, textColor=grey),
        "masthead_right": ParagraphStyle("masthead_right", fontName=fonts.regular, fontSize=9, leading=12,
                                         textColor=grey, alignment=TA_RIGHT),
        "title": ParagraphStyle("title", fontName=fonts.bold, fontSize=21, leading=25, textColor=accent,
                                spaceAfter=6),
        "subtitle": ParagraphStyle("subtitle", fontName=fonts.italic, fontSize=13, leading=17, textColor=accent,
                                   spaceAfter=6),
        "author": ParagraphStyle("author", fontName=fonts.bold, fontSize=11, leading=14, spaceBefore=8),
        "affiliation": ParagraphStyle("affiliation", fontName=fonts.italic, fontSize=9.5, leading=12.5,
                                      textColor=grey, spaceAfter=2),
        "keywords": ParagraphStyle("keywords", fontName=fonts.regular, fontSize=9, leading=12, spaceBefore=10,
                                   spaceAfter=4),
        "abstract": ParagraphStyle("abstract", parent=body, fontName=fonts.italic, spaceBefore=6),
        "foot": ParagraphStyle("foot", fontName=fonts.regular, fontSize=7.5, leading=9.5, textColor=grey,
                               spaceAfter=3, alignment=TA_LEFT),
        "running": ParagraphStyle("running", fontName=fonts.italic, fontSize=8.5, leading=10, textColor=grey),
        "running_right": ParagraphStyle("running_right", fontName=fonts.italic, fontSize=8.5, leading=10,
                                        textColor=grey, alignment=TA_RIGHT),
        # ragged right needs no hyphens; URLs still break (uriWasteReduce)
        "note": ParagraphStyle("note", parent=body, fontSize=8.5, leading=11.5, alignment=TA_LEFT, hyphenationLang="",
                               leftIndent=NOTE_HANG, bulletIndent=0, bulletFontName=fonts.regular,
                               bulletFontSize=8.5, spaceAfter=4, uriWasteReduce=0.01),
    }
    styles["note_more"] = ParagraphStyle("note_more", parent=styles["note"])
    return styles

