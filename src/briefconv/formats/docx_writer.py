"""The DOCX writer: a Document as a Word file, and the house template it starts from.

What it keeps and loses is listed in :mod:`briefconv.formats.docx`.  python-docx is never
imported (its template files are read when the house template is rebuilt or a reference
document lacks a part); lxml only for a ``--reference-doc`` or to rebuild the house template.
"""

from __future__ import annotations

import io
import re
from functools import lru_cache
from typing import Mapping

from briefconv import ir
from briefconv.dates import iso_parts, long_date
from briefconv.errors import InputError, UsageError, warn
from briefconv.formats import docx_notes as notes_xml
from briefconv.formats import docx_package as package_xml
from briefconv.formats.docx_common import (
    ABSTRACT, AFFILIATION, AUTHOR, AUTHOR_DETAILS, BACK_BOOKMARK, DATE, DISCLAIMER, EMAIL, HONORIFIC, IDENTIFIER,
    IDENTIFIER_LABELS, KEYWORDS, LABEL, LICENCE, MAIN_DOCUMENT_REL, MASTHEAD, MAX_TOTAL_BYTES, ORGANISATION,
    PLACE, R_NS, ROLE, SERIES, SERIES_NUMBER, W_NS, check_zip_sizes, local_name, w,
)
from briefconv.page_options import note_kind, paper_size
from briefconv.xmltext import escape_attribute, escape_text

HYPERLINK_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"

STYLES_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"
SETTINGS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings"
NUMBERING_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering"
FOOTER_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer"
CORE_PROPERTIES_REL = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
#: Reference documents and their parts up to this size are prepared once per process.
CACHED_PART_BYTES = 4 * 1024 * 1024

PAPER_SIZES = {  # twentieths of a point: width, height, margin
    "a4": (11906, 16838, 1418),
    "letter": (12240, 15840, 1440),
}

NOTE_BOOKMARK_PREFIX = "_BriefNote"

# The writer makes WordprocessingML as text (runs, paragraphs, notes, numbering, core
# properties).  Without --reference-doc the text goes into the shipped house template
# (_HouseParts: no XML parsing, unchanging parts copied compressed); with one, it is
# parsed into the reference document's parts, which lxml changes (_TemplateParts).


class LOOK:
    """The house look given to a document that starts from python-docx's blank template.

    (Plain classes rather than dataclasses here and below: each dataclass costs half a
    millisecond at import, which every DOCX conversion pays.)
    """

    body_font = "Georgia"
    heading_font = "Arial"
    accent = "1F3864"  # deep navy
    muted = "595959"
    body_half_points = 22


def write_docx(document: ir.Document, options: Mapping[str, str]) -> bytes:
    template = options.get("reference-doc")
    parts = _HouseParts() if template is None else _TemplateParts(_open_template(template))
    _DocxWriter(parts, document, options, house_look=template is None).write()
    return parts.package.save()


class _DocxWriter:
    """Writes one brief as WordprocessingML text; ``parts`` puts it into the package's parts."""

    def __init__(self, parts, document: ir.Document, options: Mapping[str, str], *, house_look: bool) -> None:
        self.parts = parts
        self.document = document
        self.meta = document.metadata
        self.options = options
        self.house_look = house_look
        self.forced_kind = note_kind(document, options)
        self.paper = paper_size(document, options) or ("a4" if house_look else None)
        self.body: list[str] = []  # the body's paragraphs, in order
        self.section_bookmark = ""  # the back-matter bookmark when no back matter paragraph holds it
        self.style_ids: dict[str, str] = {}
        self.targets: dict[str, _NoteTarget] = {}
        self.referenced: set[str] = set()
        self.bookmark_counter = 0
        self.bullet_num_id: int | None = None
        self.decimal_abstract_id: int | None = None
        self.next_numbering_ids: list[int] | None = None  # next abstractNumId, next numId
        self.abstract_nums: list[str] = []
        self.nums: list[str] = []
        self.notes: dict[str, list[str]] = {"footnote": [], "endnote": []}

    # ------------------------------------------------------------------ top level

    def write(self) -> None:
        self.style_ids = self.parts.prepare_styles(self.meta.language and _core_text(self.meta.language))
        self._prepare_notes()
        self.parts.page_setup(self.paper)
        self._title_block()
        for block in self.document.blocks:
            self._block(block, _Context(self.parts.document_part))
        if self.document.back:
            first_back = len(self.body)
            for block in self.document.back:
                self._block(block, _Context(self.parts.document_part))
            self._mark_back_matter(first_back)
        self._write_notes()
        self.parts.finish(
            body=self.body, section_bookmark=self.section_bookmark,
            notes={kind: notes_xml.notes_part_xml(kind, notes) for kind, notes in self.notes.items()},
            notes_parts=self.notes_parts, abstract_nums=self.abstract_nums, nums=self.nums,
            core=self._core_properties(), footer=self._footer() if self.house_look else None,
        )

    def _mark_back_matter(self, first_back: int) -> None:
        """A hidden bookmark on the first back-matter paragraph, so our reader can tell it from the body."""
        self.bookmark_counter += 1
        marks = (f'<w:bookmarkStart w:id="{self.bookmark_counter}" w:name="{BACK_BOOKMARK}"/>'
                 f'<w:bookmarkEnd w:id="{self.bookmark_counter}"/>')
        if first_back < len(self.body):
            self.body[first_back] = _after_paragraph_properties(self.body[first_back], marks)
        else:  # back matter that made no paragraph: the mark goes where the next element is
            self.section_bookmark = marks

    def _append(self, paragraph: str) -> None:
        self.body.append(paragraph)

    def _style(self, name: str, fallback: str | None = None) -> str | None:
        """The style id for ``name`` (case-insensitive), else for ``fallback``."""
        return self.style_ids.get(name.lower()) or (self.style_ids.get(fallback.lower()) if fallback else None)

    # ------------------------------------------------------------------ page

    def _footer(self) -> str:
        """The footer's paragraph: series and number on the left, the page number on the right."""
        style = self._style("footer")
        width, _, margin = PAPER_SIZES[self.paper or "a4"]
        properties = ((f'<w:pStyle w:val="{escape_attribute(style)}"/>' if style else "")
                      + '<w:tabs><w:tab w:val="clear" w:pos="4680"/><w:tab w:val="clear" w:pos="9360"/>'
                      f'<w:tab w:val="right" w:pos="{width - 2 * margin}"/></w:tabs><w:rPr><w:sz w:val="16"/></w:rPr>')
        label = _series_text(self.meta) or self.meta.title or ""
        return (f"<w:pPr>{properties}</w:pPr>" + _Run(label, color=LOOK.muted, size=16).xml()
                + _Run(mark="tab").xml() + '<w:fldSimple w:instr=" PAGE ">'
                + _Run("1", color=LOOK.muted, size=16).xml() + "</w:fldSimple>")

    # ------------------------------------------------------------------ title block

    def _title_block(self) -> None:
        meta = self.meta
        if meta.publisher and meta.publisher.name:
            self._append(self._paragraph(ORGANISATION[1], [_Run(meta.publisher.name)]))
        masthead = self._masthead_runs()
        if masthead:
            self._append(self._paragraph(MASTHEAD[1], masthead))
        if meta.title:
            self._append(self._paragraph("Title", [_Run(meta.title)]))
        if meta.subtitle:
            self._append(self._paragraph("Subtitle", [_Run(meta.subtitle)]))
        for author in meta.authors:
            self._author(author)
        if meta.abstract:
            for text in re.split(r"\n\s*\n", meta.abstract.strip()):
                self._append(self._paragraph(ABSTRACT[1], [_Run(" ".join(text.split()))]))
        if meta.keywords:
            runs = [_Run("Keywords: ", style=self._style(LABEL[1])), _Run(", ".join(meta.keywords))]
            self._append(self._paragraph(KEYWORDS[1], runs))
        if meta.disclaimer:
            runs = []
            if not meta.disclaimer.lower().startswith("disclaimer"):
                runs.append(_Run("Disclaimer: ", style=self._style(LABEL[1])))
            runs.append(_Run(meta.disclaimer))
            self._append(self._paragraph(DISCLAIMER[1], runs))
        if meta.licence and (meta.licence.text or meta.licence.url):
            text = meta.licence.text or meta.licence.url or ""
            if meta.licence.url:
                rel_id = self.parts.document_part.relate_to(_relationship_target(meta.licence.url), HYPERLINK_REL,
                                                            is_external=True)
                content = [_hyperlink(rel_id, [_Run(text, style=self._style("hyperlink"))])]
            else:
                content = [_Run(text)]
            self._append(self._paragraph(LICENCE[1], content))

    def _masthead_runs(self) -> list:
        meta = self.meta
        parts = []
        series = meta.series
        if series and (series.name or series.number):
            runs = []
            if series.name:
                runs.append(_Run(series.name, style=self._style(SERIES[1])))
            if series.name and series.number:
                runs.append(_Run(" "))
            if series.number:
                runs.append(_Run(series.number, style=self._style(SERIES_NUMBER[1])))
            parts.append(runs)
        if meta.publisher and meta.publisher.place:
            parts.append([_Run(meta.publisher.place, style=self._style(PLACE[1]))])
        if meta.date:
            parts.append([_Run(long_date(meta.date), style=self._style(DATE[1]))])
        series_number = series.number if series else None
        for scheme, value in meta.identifiers.items():
            if value and value != series_number:  # a report number shown as the series number already
                parts.append([_Run(_display_identifier(scheme, value), style=self._style(IDENTIFIER[1]))])
        runs = []
        for index, part in enumerate(parts):
            if index:
                runs.append(_Run("  |  "))
            runs.extend(part)
        return runs

    def _author(self, author: ir.Author) -> None:
        runs = []
        if author.honorific:
            runs += [_Run(author.honorific, style=self._style(HONORIFIC[1])), _Run(" ")]
        runs.append(_Run(author.name))
        self._append(self._paragraph(AUTHOR[1], runs))
        details = []
        if author.role:
            details.append(_Run(author.role, style=self._style(ROLE[1])))
        for affiliation in author.affiliations:
            details.append(_Run(affiliation, style=self._style(AFFILIATION[1])))
        if author.email:
            details.append(_Run(author.email, style=self._style(EMAIL[1])))
        if details:
            runs = []
            for index, run in enumerate(details):
                if index:
                    runs.append(_Run(", "))
                runs.append(run)
            self._append(self._paragraph(AUTHOR_DETAILS[1], runs))

    # ------------------------------------------------------------------ blocks

    def _paragraph(self, style_name: str | None, content, *, numbering: tuple[int, int] | None = None,
                   indent: int | None = None, fallback: str | None = None) -> str:
        style_id = self._style(style_name, fallback) if style_name else None
        properties = ""
        if style_id or numbering or indent is not None:
            properties = "<w:pPr>"
            if style_id:
                properties += f'<w:pStyle w:val="{escape_attribute(style_id)}"/>'
            if numbering:
                properties += f'<w:numPr><w:ilvl w:val="{numbering[1]}"/><w:numId w:val="{numbering[0]}"/></w:numPr>'
            if indent is not None:
                properties += f'<w:ind w:left="{indent}"/>'
            properties += "</w:pPr>"
        return _element("w:p", properties + _xml(content))

    def _block(self, block: ir.Block, context: _Context, *, quote: bool = False, depth: int = 0) -> None:
        if isinstance(block, ir.Heading):
            level = min(max(block.level, 1), 9)
            self._append(self._paragraph(f"Heading {level}", self._inlines(block.children, context)))
        elif isinstance(block, ir.Paragraph):
            style = "Quote" if quote else "Body Text"
            self._append(self._paragraph(style, self._inlines(block.children, context), fallback="Normal"))
        elif isinstance(block, ir.BlockQuote):
            for inner in block.blocks:
                self._block(inner, context, quote=True, depth=depth)
        elif isinstance(block, ir.ListBlock):
            self._list(block, context, depth)

    def _list(self, block: ir.ListBlock, context: _Context, depth: int) -> None:
        level = min(depth, 8)
        num_id = self._ordered_num(block.start) if block.ordered else self._bullet_num()
        # One style for every level (the numbering gives the indent), so that contextual
        # spacing keeps a nested list as tight as its parent.
        style = "List Number" if block.ordered else "List Bullet"
        suffix = "" if level == 0 else f" {min(level + 1, 3)}"
        for item in block.items:
            first = True
            for inner in item:
                if isinstance(inner, ir.ListBlock):
                    self._list(inner, context, depth + 1)
                    continue
                if isinstance(inner, ir.Paragraph) and first:
                    runs = self._inlines(inner.children, context)
                    self._append(self._paragraph(style, runs, numbering=(num_id, level), fallback="List Paragraph"))
                elif isinstance(inner, ir.Paragraph):
                    runs = self._inlines(inner.children, context)
                    self._append(self._paragraph("List Continue" + suffix, runs, indent=_list_indent(level),
                                                 fallback="Body Text"))
                else:
                    self._block(inner, context, depth=depth + 1)
                first = False

    # ------------------------------------------------------------------ numbering

    def _bullet_num(self) -> int:
        if self.bullet_num_id is None:
            abstract_id = self._add_abstract_num(ordered=False)
            self.bullet_num_id = self._add_num(abstract_id, None)
        return self.bullet_num_id

    def _ordered_num(self, start: int) -> int:
        """A fresh numbering instance per numbered list, so each starts at its own number."""
        if self.decimal_abstract_id is None:
            self.decimal_abstract_id = self._add_abstract_num(ordered=True)
        return self._add_num(self.decimal_abstract_id, start)

    def _numbering_ids(self) -> list[int]:
        """The next free abstractNumId and numId (asking the parts, which may add the numbering part, once)."""
        if self.next_numbering_ids is None:
            self.next_numbering_ids = list(self.parts.numbering_ids())
        return self.next_numbering_ids

    def _add_abstract_num(self, ordered: bool) -> int:
        ids = self._numbering_ids()
        abstract_id = ids[0]
        ids[0] += 1
        bullets = ("\u2022", "\u2013", "\u25e6")
        formats = ("decimal", "lowerLetter", "lowerRoman")
        levels = []
        for level in range(9):
            if ordered:
                number_format, text = formats[level % 3], f"%{level + 1}."
            else:
                number_format, text = "bullet", bullets[level % 3]
            levels.append(f'<w:lvl w:ilvl="{level}"><w:start w:val="1"/><w:numFmt w:val="{number_format}"/>'
                          f'<w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/><w:pPr>'
                          f'<w:ind w:left="{_list_indent(level)}" w:hanging="357"/></w:pPr></w:lvl>')
        self.abstract_nums.append(f'<w:abstractNum w:abstractNumId="{abstract_id}">'
                                  f'<w:multiLevelType w:val="hybridMultilevel"/>{"".join(levels)}</w:abstractNum>')
        return abstract_id

    def _add_num(self, abstract_id: int, start: int | None) -> int:
        ids = self._numbering_ids()
        num_id = ids[1]
        ids[1] += 1
        overrides = ""
        if start is not None:
            overrides = "".join(f'<w:lvlOverride w:ilvl="{level}"><w:startOverride w:val="{start if level == 0 else 1}"/>'
                                "</w:lvlOverride>" for level in range(9))
        self.nums.append(f'<w:num w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/>{overrides}</w:num>')
        return num_id

    # ------------------------------------------------------------------ inlines

    def _inlines(self, inlines, context: _Context, fmt: frozenset = frozenset()) -> list:
        out: list = []
        for inline in inlines:
            out.extend(self._inline(inline, context, fmt))
        return out

    def _inline(self, inline: ir.Inline, context: _Context, fmt: frozenset) -> list:
        if isinstance(inline, ir.Text):
            return [_Run(inline.text, fmt=fmt)] if inline.text else []
        if isinstance(inline, ir.Emphasis):
            return self._inlines(inline.children, context, fmt | {"i"})
        if isinstance(inline, ir.Strong):
            return self._inlines(inline.children, context, fmt | {"b"})
        if isinstance(inline, ir.Superscript):
            return self._inlines(inline.children, context, (fmt - {"sub"}) | {"sup"})
        if isinstance(inline, ir.Subscript):
            return self._inlines(inline.children, context, (fmt - {"sup"}) | {"sub"})
        if isinstance(inline, ir.LineBreak):
            return [_Run(mark="br")]
        if isinstance(inline, ir.Link):
            return self._link(inline, context, fmt)
        if isinstance(inline, ir.NoteRef):
            return self._note_reference(inline, context)
        if isinstance(inline, ir.NoteCrossRef):
            target = self.targets.get(inline.note_id)
            children = self._inlines(inline.children, context, fmt)
            if target is None:
                warn(f"docx: a note refers to note {inline.note_id!r}, which is not in the document; kept as text")
                return children
            return [_anchor_link(target.bookmark, children)]
        return []

    def _link(self, link: ir.Link, context: _Context, fmt: frozenset) -> list:
        if not link.url.strip():
            return self._inlines(link.children, context, fmt)
        rel_id = context.part.relate_to(_relationship_target(link.url), HYPERLINK_REL, is_external=True)
        style = self._style("hyperlink")
        runs = self._inlines(link.children, context, fmt)
        if style:
            for run in runs:
                if isinstance(run, _Run) and run.style is None:
                    run.style = style
        return [_hyperlink(rel_id, runs)]

    def _note_reference(self, ref: ir.NoteRef, context: _Context) -> list:
        target = self.targets.get(ref.note_id)
        if target is None:
            warn(f"docx: reference to note {ref.note_id!r}, which is not in the document; dropped")
            return []
        if context.in_note or ref.note_id in self.referenced:
            # Word allows one reference per note and none inside notes: link to it instead.
            mark = _Run(str(target.word_id), fmt=frozenset({"sup"}))
            return [_anchor_link(target.bookmark, [mark])]
        self.referenced.add(ref.note_id)
        return [notes_xml.reference_run(target.kind, target.word_id, self._note_reference_style(target.kind))]

    # ------------------------------------------------------------------ notes

    def _note_reference_style(self, kind: str) -> str:
        style_id, name = notes_xml.REFERENCE_STYLE[kind]
        return self._style(name) or style_id

    def _prepare_notes(self) -> None:
        """Number the notes in the order they are first referenced, as Word will."""
        self.notes_parts = notes_xml.install_notes_parts(self.parts.document_part)
        notes = {note.id: note for note in self.document.notes}
        order: list[str] = []
        seen: set[str] = set()
        for note_id in _referenced_note_ids(self.document):
            if note_id in notes and note_id not in seen:
                seen.add(note_id)
                order.append(note_id)
        for note in self.document.notes:
            if note.id not in seen:
                warn(f"docx: note {note.label or note.id} is never referenced in the text; Word cannot show it, dropped")
        counters = {"footnote": 0, "endnote": 0}
        for note_id in order:
            note = notes[note_id]
            kind = self.forced_kind or note.kind
            counters[kind] += 1
            self.targets[note_id] = _NoteTarget(note, kind, counters[kind], f"{NOTE_BOOKMARK_PREFIX}{kind[0]}{counters[kind]}")

    def _write_notes(self) -> None:
        for target in self.targets.values():
            context = _Context(self.notes_parts[target.kind], in_note=True)
            paragraphs = self._note_paragraphs(target.note.blocks, context) or [[]]
            style = self._style(notes_xml.TEXT_STYLE[target.kind][1])
            properties = f'<w:pPr><w:pStyle w:val="{escape_attribute(style)}"/></w:pPr>' if style else ""
            out = []
            for index, runs in enumerate(paragraphs):
                if index == 0:
                    self.bookmark_counter += 1
                    start = (notes_xml.note_mark_run(target.kind, self._note_reference_style(target.kind))
                             + _Run(" ").xml()
                             + f'<w:bookmarkStart w:id="{self.bookmark_counter}" w:name="{escape_attribute(target.bookmark)}"/>')
                    end = f'<w:bookmarkEnd w:id="{self.bookmark_counter}"/>'
                    out.append(f"<w:p>{properties}{start}{_xml(runs)}{end}</w:p>")
                else:
                    out.append(_element("w:p", properties + _xml(runs)))
            self.notes[target.kind].append(f'<w:{target.kind} w:id="{target.word_id}">{"".join(out)}</w:{target.kind}>')

    def _note_paragraphs(self, blocks, context: _Context, prefix: str = "") -> list[list]:
        """The runs of each paragraph of a note; lists and quotes are flattened."""
        paragraphs: list[list] = []
        for block in blocks:
            if isinstance(block, (ir.Paragraph, ir.Heading)):
                runs = self._inlines(block.children, context)
                paragraphs.append(([_Run(prefix)] if prefix else []) + runs)
            elif isinstance(block, ir.BlockQuote):
                paragraphs += self._note_paragraphs(block.blocks, context, prefix)
            elif isinstance(block, ir.ListBlock):
                for number, item in enumerate(block.items, start=block.start):
                    mark = f"{number}. " if block.ordered else "\u2022 "
                    paragraphs += self._note_paragraphs(item, context, mark)
        return paragraphs

    # ------------------------------------------------------------------ properties

    def _core_properties(self) -> tuple[str, bool]:
        """The core properties' elements (with the cp, dc, dcterms and xsi prefixes), and
        whether they hold a date (which needs the xsi prefix declared)."""
        meta = self.meta
        out = []

        def add(tag: str, text: str) -> None:
            out.append(f"<{tag}>{escape_text(text)}</{tag}>")

        if meta.title:
            add("dc:title", _core_text(meta.title))
        if meta.subtitle or meta.series:
            add("dc:subject", _core_text(meta.subtitle or _series_text(meta) or ""))
        if meta.authors:
            add("dc:creator", _core_text("; ".join(author.name for author in meta.authors)))
        if meta.keywords:
            add("cp:keywords", _core_text(", ".join(meta.keywords)))
        if meta.abstract:
            add("dc:description", _core_text(meta.abstract))
        if meta.language:
            add("dc:language", _core_text(meta.language))
        if meta.identifiers.get("doi"):
            add("dc:identifier", _core_text(f"doi:{meta.identifiers['doi']}"))
        add("cp:revision", "1")
        date = _date_value(meta.date)
        if date is not None:
            stamp = date.strftime("%Y-%m-%dT%H:%M:%SZ")
            for name in ("created", "modified"):
                out.append(f'<dcterms:{name} xsi:type="dcterms:W3CDTF">{stamp}</dcterms:{name}>')
        return "".join(out), date is not None


# ------------------------------------------------------------------- the XML written




def _element(tag: str, content: str, attributes: str = "") -> str:
    return f"<{tag}{attributes}>{content}</{tag}>" if content else f"<{tag}{attributes}/>"


def _xml(items) -> str:
    """The XML of runs, links and ready-made XML strings."""
    return "".join(item if isinstance(item, str) else item.xml() for item in items)


class _Run:
    """A run being built (its style can still be set): text whose tabs become w:tab, or a
    break or tab mark; bold, italic, colour, size, superscript or subscript."""

    __slots__ = ("text", "fmt", "style", "color", "size", "mark")

    def __init__(self, text: str = "", *, fmt: frozenset = frozenset(), style: str | None = None,
                 color: str | None = None, size: int | None = None, mark: str | None = None) -> None:
        self.text = text
        self.fmt = fmt
        self.style = style
        self.color = color
        self.size = size
        self.mark = mark

    def xml(self) -> str:
        fmt = self.fmt
        out = ""
        if fmt or self.style or self.color or self.size:
            out = "<w:rPr>"
            if self.style:
                out += f'<w:rStyle w:val="{escape_attribute(self.style)}"/>'
            if "b" in fmt:
                out += "<w:b/>"
            if "i" in fmt:
                out += "<w:i/>"
            if self.color:
                out += f'<w:color w:val="{escape_attribute(self.color)}"/>'
            if self.size:
                out += f'<w:sz w:val="{self.size}"/>'
            if "sup" in fmt or "sub" in fmt:
                out += f'<w:vertAlign w:val="{"superscript" if "sup" in fmt else "subscript"}"/>'
            out += "</w:rPr>"
        if self.mark:
            out += f"<w:{self.mark}/>"
        else:
            # Word's text may not hold tabs or other control characters as such.
            for piece in _xml_safe(self.text).split("\t"):
                if piece:
                    out += f'<w:t xml:space="preserve">{escape_text(piece)}</w:t>'
                out += "<w:tab/>"
            out = out[:-8]  # no tab after the last piece
        return f"<w:r>{out}</w:r>" if out else "<w:r/>"


class _Link:
    """A w:hyperlink: its attributes and its runs."""

    __slots__ = ("attributes", "items")

    def __init__(self, attributes: str, items: list) -> None:
        self.attributes = attributes
        self.items = items

    def xml(self) -> str:
        return _element("w:hyperlink", _xml(self.items), self.attributes)


def _hyperlink(rel_id: str, runs: list) -> _Link:
    return _Link(f' r:id="{escape_attribute(rel_id)}" w:history="1"', runs)


def _anchor_link(bookmark: str, runs: list) -> _Link:
    items = []
    for run in runs:
        if isinstance(run, _Link):  # no links inside links: keep the text only
            items.extend(run.items)
        else:
            items.append(run)
    return _Link(f' w:anchor="{escape_attribute(bookmark)}" w:history="1"', items)


def _after_paragraph_properties(paragraph: str, xml: str) -> str:
    """``paragraph`` with ``xml`` inserted first after its properties."""
    if paragraph == "<w:p/>":
        return f"<w:p>{xml}</w:p>"
    if paragraph.startswith("<w:p><w:pPr>"):
        end = paragraph.index("</w:pPr>") + len("</w:pPr>")
        return paragraph[:end] + xml + paragraph[end:]
    return "<w:p>" + xml + paragraph[len("<w:p>"):]


class _WordFile:
    """The parts of a Word package the writer works on (what python-docx's Document gave it)."""

    def __init__(self, package) -> None:
        self.package = package
        self.part = package.rels.target_part(MAIN_DOCUMENT_REL)
        if self.part is None:
            raise KeyError("no main document part")
        if self.part.content_type != package_xml.CT_DOCUMENT:
            raise ValueError(f"the main part is not a Word document ({self.part.content_type})")

    @property
    def element(self):
        return self.part.element

    def styles_part(self):
        return self._related_part(STYLES_REL, "/word/styles.xml", package_xml.CT_STYLES, "default-styles.xml")

    def settings_part(self):
        return self._related_part(SETTINGS_REL, "/word/settings.xml", package_xml.CT_SETTINGS, "default-settings.xml")

    def _related_part(self, reltype: str, name: str, content_type: str, default_file: str):
        """The document's part of ``reltype``, or python-docx's default one added as ``name``."""
        part = self.part.rels.target_part(reltype)
        if part is None:
            part = package_xml.Part(name, content_type,
                                    element=package_xml.parse_xml(package_xml.python_docx_template(default_file)))
            self.part.relate_to(part, reltype)
        return part


def _open_template(path: str | None) -> _WordFile:
    """python-docx's blank document, or the user's reference document with its body cleared."""
    if path is None:
        word = _WordFile(package_xml.house_template())
        _drop_stale_parts(word)
        return word
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_TOTAL_BYTES + 1)
    except FileNotFoundError:
        raise UsageError(f"--reference-doc: no such file: {path}") from None
    except OSError as exc:
        raise UsageError(f"--reference-doc: cannot read {path}: {exc.strerror or exc}") from None
    try:
        check_zip_sizes(data, what="reference document")
    except InputError as exc:
        raise exc.with_source(str(path)) from None
    try:
        word = _WordFile(_reference_package(data))
        _clear_body(word)
    except Exception as exc:  # a broken package raises many kinds (KeyError, ValueError, lxml errors...)
        raise InputError(f"--reference-doc is not a usable .docx file ({type(exc).__name__}: {exc})".split("\n")[0],
                         source=str(path)) from None
    _drop_stale_parts(word)
    return word


def _reference_package(data: bytes):
    """A fresh copy of the reference document's package; reading it is done once per
    process for documents up to 4 MB (a batch converts many briefs with one template)."""
    if len(data) > CACHED_PART_BYTES:
        return package_xml.open_package(_template_as_document(data))
    return package_xml.copy_package(_read_reference_package(data))


@lru_cache(maxsize=2)
def _read_reference_package(data: bytes):
    return package_xml.open_package(_template_as_document(data))


def _template_as_document(data: bytes) -> bytes:
    """A Word template (.dotx) relabelled as a document, which is all that tells them apart."""
    import zipfile

    template_type = b"wordprocessingml.template.main+xml"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        types = archive.read("[Content_Types].xml") if "[Content_Types].xml" in archive.namelist() else b""
        if template_type not in types:
            return data
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for info in archive.infolist():
                body = archive.read(info.filename)
                if info.filename == "[Content_Types].xml":
                    body = body.replace(template_type, b"wordprocessingml.document.main+xml")
                target.writestr(info, body)
        return out.getvalue()


def _drop_stale_parts(word: _WordFile) -> None:
    """Drop the template's preview picture (it would show the template, not this brief) and
    its Word 2010 stylesWithEffects copy of the styles, which no longer matches the styles we
    change and makes Word repair the file."""
    word.package.rels.drop(lambda reltype: reltype.endswith("/metadata/thumbnail"))
    word.part.rels.drop(lambda reltype: reltype.endswith("/stylesWithEffects"))


def _clear_body(word: _WordFile) -> None:
    body = word.element.find(w("body"))
    for child in list(body):
        if local_name(child) != "sectPr":
            body.remove(child)


def _date_value(iso: str | None):
    """The datetime for the core properties, or None when the date is not ISO."""
    import datetime as dt

    parts = iso_parts(iso)
    if parts is None:
        return None
    year, month, day = parts
    try:
        return dt.datetime(int(year), int(month or 1), int(day or 1))
    except ValueError:
        return None


class _NoteTarget:
    """A note as Word will number it: its kind, its number and the bookmark around its text."""

    __slots__ = ("note", "kind", "word_id", "bookmark")

    def __init__(self, note: ir.Note, kind: str, word_id: int, bookmark: str) -> None:
        self.note = note
        self.kind = kind
        self.word_id = word_id
        self.bookmark = bookmark


class _Context:
    """Where inlines are being written: the part that owns hyperlink relationships."""

    __slots__ = ("part", "in_note")

    def __init__(self, part, in_note: bool = False) -> None:
        self.part = part
        self.in_note = in_note


# ------------------------------------------------------------------- writer helpers

CORE_NAMESPACES = {
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}


def _declare_xsi(root) -> None:
    """Declare the xsi prefix on the root rather than on each date that uses it."""
    root.set(f"{{{CORE_NAMESPACES['xsi']}}}foo", "bar")
    del root.attrib[f"{{{CORE_NAMESPACES['xsi']}}}foo"]


def _complete_styles(styles_root) -> dict[str, str]:
    """Add the note, title-block and hyperlink styles a template lacks (and built-in styles
    a stripped-down template lacks); return lower-case style name -> style id."""
    existing = _style_names(styles_root)
    existing_ids = set(existing.values())
    style_ids = dict(existing)
    body_size = _default_font_half_points(styles_root) or LOOK.body_half_points
    for style in [*notes_xml.note_style_elements(body_size), *_brief_style_elements(), _hyperlink_style()]:
        name = style.find(w("name")).get(w("val")).lower()
        style_id = style.get(w("styleId"))
        if name in existing:
            continue
        if style_id in existing_ids:  # same id under another name: keep theirs
            continue
        styles_root.append(style)
        style_ids.setdefault(name, style_id)
    # Built-in styles a stripped-down template may lack: take python-docx's own.
    missing = [n for n in _BUILTIN_STYLE_NAMES if n not in style_ids]
    if missing:
        _copy_default_styles(styles_root, missing)
        style_ids = _style_names(styles_root)
    return style_ids


def _use_current_word_layout(settings_root) -> None:
    """python-docx's blank template is in Word 2010 compatibility mode, which Word shows in the
    title bar of every brief; mode 15 is Word 2013 and later."""
    for setting in settings_root.iter(w("compatSetting")):
        if setting.get(w("name")) == "compatibilityMode":
            setting.set(w("val"), "15")


def _referenced_note_ids(document: ir.Document) -> list[str]:
    """Note ids in the order the body (then back matter) refers to them."""
    found: list[str] = []

    def visit_inlines(inlines) -> None:
        for inline in inlines:
            if isinstance(inline, ir.NoteRef):
                found.append(inline.note_id)
            elif hasattr(inline, "children"):
                visit_inlines(inline.children)

    def visit_blocks(blocks) -> None:
        for block in blocks:
            if isinstance(block, (ir.Heading, ir.Paragraph)):
                visit_inlines(block.children)
            elif isinstance(block, ir.BlockQuote):
                visit_blocks(block.blocks)
            elif isinstance(block, ir.ListBlock):
                for item in block.items:
                    visit_blocks(item)

    visit_blocks(document.blocks)
    visit_blocks(document.back)
    return found


def _display_identifier(scheme: str, value: str) -> str:
    label = IDENTIFIER_LABELS.get(scheme)
    return f"{label} {value}" if label else f"{scheme}: {value}"


def _relationship_target(url: str) -> str:
    """``url`` with the characters a URI may not hold percent-encoded: Word refuses to open a
    file whose hyperlink targets contain spaces or quotes."""
    return re.sub(r'[\x00-\x20"<>\\^`{|}\x7f]', lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), url.strip())


def _series_text(meta: ir.Metadata) -> str:
    if not meta.series:
        return ""
    return " ".join(p for p in (meta.series.name, meta.series.number) if p)


def _list_indent(level: int) -> int:
    return 357 + 357 * level


def _core_text(text: str) -> str:
    """A core property value: one XML-safe line, cut to the 255 characters python-docx allows."""
    text = " ".join(_xml_safe(text).split())
    return text if len(text) <= 255 else text[:254] + "\u2026"


def _xml_safe(text: str) -> str:
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]", "", text).replace("\r", "").replace("\n", " ")


_SECTION_ORDER = ("headerReference", "footerReference", "footnotePr", "endnotePr", "type", "pgSz")


def _insert_section_child(section_properties, element) -> None:
    """Insert pgSz after the children that must precede it."""
    position = sum(1 for child in section_properties if local_name(child) in _SECTION_ORDER[:-1])
    section_properties.insert(position, element)


def _style_names(styles_root) -> dict[str, str]:
    """Lower-case style name -> style id."""
    names = {}
    name_tag, id_attribute, value_attribute = w("name"), w("styleId"), w("val")
    for style in styles_root.iterchildren(w("style")):
        style_id = style.get(id_attribute)
        if style_id is None:
            continue
        name = next(style.iterchildren(name_tag), None)
        names.setdefault((name.get(value_attribute) if name is not None else style_id).lower(), style_id)
    return names


def _default_font_half_points(styles_root) -> int | None:
    size = styles_root.find(f"{w('docDefaults')}/{w('rPrDefault')}/{w('rPr')}/{w('sz')}")
    try:
        return int(size.get(w("val"))) if size is not None else None
    except (TypeError, ValueError):
        return None


_BUILTIN_STYLE_NAMES = (
    "normal", "title", "subtitle", "body text", "quote", "list paragraph", "list bullet", "list number",
    "list continue", "footer", *(f"heading {n}" for n in range(1, 10)),
)


def _copy_default_styles(styles_root, names: list[str]) -> None:
    """Copy built-in styles a template lacks from python-docx's blank template (without numbering)."""
    import copy

    default = package_xml.house_template().rels.target_part(MAIN_DOCUMENT_REL).rels.target_part(STYLES_REL).element
    ids_present = {s.get(w("styleId")) for s in styles_root.findall(w("style"))}
    for style in default.findall(w("style")):
        name = style.find(w("name"))
        if name is None or name.get(w("val")).lower() not in names or style.get(w("styleId")) in ids_present:
            continue
        duplicate = copy.deepcopy(style)
        # their numbering and linked character styles live in parts this document lacks
        for num_pr in list(duplicate.iter(w("numPr"))):
            num_pr.getparent().remove(num_pr)
        for link in duplicate.findall(w("link")):
            duplicate.remove(link)
        styles_root.append(duplicate)


def _set_default_language(styles_root, language: str) -> None:
    from lxml import etree

    defaults = styles_root.find(w("docDefaults"))
    if defaults is None:
        return
    run = defaults.find(f"{w('rPrDefault')}/{w('rPr')}")
    if run is None:
        return
    lang = run.find(w("lang"))
    if lang is None:
        lang = etree.SubElement(run, w("lang"))
    lang.set(w("val"), language)


def _style_element(kind: str, style_id: str, name: str, *, based_on: str | None = "Normal",
                   next_style: str | None = None, paragraph: dict | None = None, run: dict | None = None):
    """A w:style element from small dicts of property -> attributes."""
    from lxml import etree

    style = etree.Element(w("style"), {w("type"): kind, w("customStyle"): "1", w("styleId"): style_id})
    etree.SubElement(style, w("name"), {w("val"): name})
    if based_on:
        etree.SubElement(style, w("basedOn"), {w("val"): based_on})
    if next_style:
        etree.SubElement(style, w("next"), {w("val"): next_style})
    etree.SubElement(style, w("qFormat"))
    if paragraph:
        _fill_properties(etree.SubElement(style, w("pPr")), paragraph, _PPR_ORDER)
    if run:
        _fill_properties(etree.SubElement(style, w("rPr")), run, _RPR_ORDER)
    return style


_PPR_ORDER = ("keepNext", "keepLines", "pBdr", "spacing", "ind", "contextualSpacing", "jc", "outlineLvl")
_RPR_ORDER = ("rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "color", "spacing", "sz", "szCs",
              "vertAlign", "lang")


def _fill_properties(parent, properties: dict, order: tuple[str, ...]) -> None:
    """Add children in schema order; a value is the attribute dict, or for pBdr a dict of sides."""
    from lxml import etree

    for tag in order:
        if tag not in properties:
            continue
        value = properties[tag]
        child = etree.SubElement(parent, w(tag))
        if tag == "pBdr":
            for side in ("top", "left", "bottom", "right"):
                if side in value:
                    etree.SubElement(child, w(side), {w(k): v for k, v in value[side].items()})
        else:
            for key, attr in value.items():
                child.set(w(key), attr)


def _fonts(name: str) -> dict:
    return {"ascii": name, "hAnsi": name, "cs": name}


def _size(half_points: int) -> dict:
    return {"sz": {"val": str(half_points)}, "szCs": {"val": str(half_points)}}


def _brief_style_elements() -> list:
    """The title-block styles, added to any template that does not define them."""
    heading = _fonts(LOOK.heading_font)
    rule = {"val": "single", "sz": "12", "space": "4", "color": LOOK.accent}
    thin = {"val": "single", "sz": "4", "space": "6", "color": "A6A6A6"}
    return [
        _style_element("paragraph", *ORGANISATION, paragraph={
            "pBdr": {"bottom": rule}, "spacing": {"before": "0", "after": "80"}},
            run={"rFonts": heading, "b": {}, "caps": {}, "color": {"val": LOOK.accent},
                 "spacing": {"val": "10"}, **_size(20)}),
        _style_element("paragraph", *MASTHEAD, paragraph={"spacing": {"before": "0", "after": "720"}},
                       run={"rFonts": heading, "color": {"val": LOOK.muted}, **_size(18)}),
        _style_element("paragraph", *AUTHOR, paragraph={"keepNext": {}, "spacing": {"before": "240", "after": "0"}},
                       run={"rFonts": heading, "b": {}, **_size(22)}),
        _style_element("paragraph", *AUTHOR_DETAILS, paragraph={"spacing": {"before": "0", "after": "120"}},
                       run={"rFonts": heading, "i": {}, "color": {"val": LOOK.muted}, **_size(19)}),
        _style_element("paragraph", *ABSTRACT, paragraph={"spacing": {"before": "120", "after": "120"},
                                                          "ind": {"left": "357", "right": "357"}},
                       run={"i": {}, **_size(21)}),
        _style_element("paragraph", *KEYWORDS, paragraph={"spacing": {"before": "240", "after": "240"}},
                       run={"rFonts": heading, **_size(18)}),
        _style_element("paragraph", *DISCLAIMER, paragraph={"pBdr": {"top": thin},
                                                            "spacing": {"before": "120", "after": "60"}},
                       run={"color": {"val": LOOK.muted}, **_size(16)}),
        _style_element("paragraph", *LICENCE, paragraph={"pBdr": {"bottom": thin},
                                                         "spacing": {"before": "0", "after": "360"}},
                       run={"color": {"val": LOOK.muted}, **_size(16)}),
        _style_element("character", *LABEL, based_on="DefaultParagraphFont", run={"b": {}, "bCs": {}}),
        _style_element("character", *SERIES, based_on="DefaultParagraphFont", run={"b": {}, "color": {"val": LOOK.accent}}),
        _style_element("character", *SERIES_NUMBER, based_on="DefaultParagraphFont", run={"b": {}, "color": {"val": LOOK.accent}}),
        _style_element("character", *PLACE, based_on="DefaultParagraphFont"),
        _style_element("character", *DATE, based_on="DefaultParagraphFont"),
        _style_element("character", *IDENTIFIER, based_on="DefaultParagraphFont"),
        _style_element("character", *HONORIFIC, based_on="DefaultParagraphFont"),
        _style_element("character", *ROLE, based_on="DefaultParagraphFont"),
        _style_element("character", *AFFILIATION, based_on="DefaultParagraphFont"),
        _style_element("character", *EMAIL, based_on="DefaultParagraphFont"),
    ]


def _hyperlink_style():
    style = _style_element("character", "Hyperlink", "Hyperlink", based_on="DefaultParagraphFont",
                           run={"color": {"val": "0563C1"}})
    from lxml import etree

    style.attrib.pop(w("customStyle"))
    run = style.find(w("rPr"))
    etree.SubElement(run, w("u"), {w("val"): "single"})
    return style


def _apply_house_look(styles_root, language: str | None) -> None:
    """Restyle python-docx's blank template so page 1 reads as a published brief."""
    from lxml import etree

    defaults = styles_root.find(f"{w('docDefaults')}/{w('rPrDefault')}/{w('rPr')}")
    for child in list(defaults):
        defaults.remove(child)
    _fill_properties(defaults, {"rFonts": _fonts(LOOK.body_font), **_size(LOOK.body_half_points),
                                "lang": {"val": language or "en-GB"}}, _RPR_ORDER)
    paragraph_defaults = styles_root.find(f"{w('docDefaults')}/{w('pPrDefault')}")
    if paragraph_defaults is not None:
        styles_root.find(w("docDefaults")).remove(paragraph_defaults)
    wanted = {
        "Normal": ({"spacing": {"after": "120", "line": "276", "lineRule": "auto"}}, {}),
        # ragged right: justified text opens wide gaps in narrow fonts and on screens
        "BodyText": ({"spacing": {"before": "0", "after": "160", "line": "288", "lineRule": "auto"}}, {}),
        "Title": ({"spacing": {"before": "0", "after": "160", "line": "240", "lineRule": "auto"}},
                  {"rFonts": _fonts(LOOK.heading_font), "b": {}, "color": {"val": LOOK.accent}, **_size(44)}),
        "Subtitle": ({"spacing": {"before": "0", "after": "160"}},
                     {"rFonts": _fonts(LOOK.heading_font), "color": {"val": "404040"}, **_size(28)}),
        "Quote": ({"spacing": {"before": "120", "after": "160"}, "ind": {"left": "567", "right": "567"}},
                  {"i": {}, "color": {"val": "404040"}}),
        "Heading1": ({"keepNext": {}, "keepLines": {}, "spacing": {"before": "360", "after": "120"}, "outlineLvl": {"val": "0"}},
                     {"rFonts": _fonts(LOOK.heading_font), "b": {}, "color": {"val": LOOK.accent}, **_size(28)}),
        "Heading2": ({"keepNext": {}, "keepLines": {}, "spacing": {"before": "240", "after": "80"}, "outlineLvl": {"val": "1"}},
                     {"rFonts": _fonts(LOOK.heading_font), "b": {}, "color": {"val": LOOK.accent}, **_size(24)}),
        "Heading3": ({"keepNext": {}, "keepLines": {}, "spacing": {"before": "200", "after": "60"}, "outlineLvl": {"val": "2"}},
                     {"rFonts": _fonts(LOOK.heading_font), "b": {}, "i": {}, "color": {"val": "404040"}, **_size(22)}),
    }
    # list items sit close together; the numbering definitions give the indents
    for style_id in ("ListBullet", "ListBullet2", "ListBullet3", "ListNumber", "ListNumber2", "ListNumber3"):
        wanted[style_id] = ({"spacing": {"before": "0", "after": "60"}, "contextualSpacing": {}}, {})
    for style_id in ("ListContinue", "ListContinue2", "ListContinue3"):
        wanted[style_id] = ({"spacing": {"before": "0", "after": "60"}}, {})
    by_id = {s.get(w("styleId")): s for s in styles_root.findall(w("style"))}
    for style_id, (paragraph, run) in wanted.items():
        style = by_id.get(style_id)
        if style is None:
            continue
        for tag in ("pPr", "rPr"):
            old = style.find(w(tag))
            if old is not None:
                style.remove(old)
        if paragraph:
            element = etree.SubElement(style, w("pPr"))
            _fill_properties(element, paragraph, _PPR_ORDER)
        element = etree.SubElement(style, w("rPr"))
        _fill_properties(element, run, _RPR_ORDER)


# ------------------------------------------------------------------- where the XML goes


class _TemplateParts:
    """The parts of a user's reference document: its styles, settings and section are
    changed with lxml, and the writer's XML is parsed into its document and numbering."""

    def __init__(self, word: _WordFile) -> None:
        self.word = word
        self.package = word.package
        self.document_part = word.part
        self.body = word.element.find(w("body"))
        self.section_properties = self.body.find(w("sectPr"))
        if self.section_properties is None:
            from lxml import etree

            self.section_properties = etree.SubElement(self.body, w("sectPr"))

    def prepare_styles(self, language: str | None) -> dict[str, str]:
        part = self.word.styles_part()
        if part.unparsed_xml and len(part.blob) <= CACHED_PART_BYTES:  # prepared once per process and language
            blob, style_ids = _prepared_template_styles(part.blob, language)
            part.set_blob(blob, static=True)
            return dict(style_ids)
        return _prepare_template_styles(part.element, language)

    def page_setup(self, paper: str | None) -> None:
        notes_xml.set_note_properties(self.word.settings_part().element, self.section_properties)
        if paper is not None:
            _set_paper(self.section_properties, paper)

    def numbering_ids(self) -> tuple[int, int]:
        """The next free abstractNumId and numId, adding a numbering part when the template has none."""
        part = self.document_part.rels.target_part(NUMBERING_REL)
        if part is None:
            part = package_xml.Part("/word/numbering.xml", package_xml.CT_NUMBERING,
                                    element=package_xml.parse_xml(f'<w:numbering xmlns:w="{W_NS}"/>'.encode()))
            self.document_part.relate_to(part, NUMBERING_REL)
        self.numbering_root = root = part.element
        abstract_ids = [int(e.get(w("abstractNumId"))) for e in root.findall(w("abstractNum"))]
        num_ids = [int(e.get(w("numId"))) for e in root.findall(w("num"))]
        return max(abstract_ids, default=-1) + 1, max(num_ids, default=0) + 1

    def finish(self, *, body, section_bookmark, notes, notes_parts, abstract_nums, nums, core, footer) -> None:
        for element in _parse_fragment("".join(body)):
            self.section_properties.addprevious(element)
        for position, element in enumerate(_parse_fragment(section_bookmark)):
            self.section_properties.insert(position, element)
        if abstract_nums:
            _insert_numbering(self.numbering_root, _parse_fragment("".join(abstract_nums)), _parse_fragment("".join(nums)))
        for kind, blob in notes.items():
            notes_parts[kind].set_blob(blob, static=False)
        self._set_core_properties(*core)

    def _set_core_properties(self, xml: str, has_date: bool) -> None:
        part = self.package.rels.target_part(CORE_PROPERTIES_REL)
        if part is None:
            root = package_xml.parse_xml(
                f'<cp:coreProperties xmlns:cp="{CORE_NAMESPACES["cp"]}" xmlns:dc="{CORE_NAMESPACES["dc"]}" '
                f'xmlns:dcterms="{CORE_NAMESPACES["dcterms"]}"/>'.encode())
            _declare_xsi(root)  # python-docx's new core properties have a modification date
            part = package_xml.Part("/docProps/core.xml", package_xml.CT_CORE_PROPERTIES, element=root)
            self.package.relate_to(part, CORE_PROPERTIES_REL)
        root = part.element
        for child in list(root):
            root.remove(child)
        if has_date:
            _declare_xsi(root)
        for element in _parse_fragment(xml, CORE_NAMESPACES):
            if element.text is None:
                element.text = ""  # an empty property is written <x></x>, as before
            root.append(element)


def _prepare_template_styles(styles_root, language: str | None) -> dict[str, str]:
    if language:
        _set_default_language(styles_root, language)
    return _complete_styles(styles_root)


@lru_cache(maxsize=8)
def _prepared_template_styles(blob: bytes, language: str | None) -> tuple[bytes, dict[str, str]]:
    """A reference document's styles part made ready, and its style ids: a batch with one
    reference document pays for its (often large) styles once."""
    root = package_xml.parse_xml(blob)
    style_ids = _prepare_template_styles(root, language)
    return package_xml.serialize_xml(root), style_ids


def _parse_fragment(xml: str, namespaces: Mapping[str, str] | None = None) -> list:
    """The elements of an XML fragment written with the w and r (or the given) prefixes."""
    if not xml:
        return []
    declarations = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in (namespaces or {"w": W_NS, "r": R_NS}).items())
    return list(package_xml.parse_xml(f"<fragment {declarations}>{xml}</fragment>".encode("utf-8")))


def _insert_numbering(root, abstract_nums: list, nums: list) -> None:
    """New abstract numberings after the last one (or first), new instances after the last one."""
    for abstract in abstract_nums:
        existing = root.findall(w("abstractNum"))
        if existing:
            existing[-1].addnext(abstract)
        else:
            root.insert(0, abstract)
    for num in nums:
        existing = root.findall(w("num")) or root.findall(w("abstractNum"))
        existing[-1].addnext(num)


def _set_paper(section_properties, paper: str) -> None:
    from lxml import etree

    width, height, margin = PAPER_SIZES[paper]
    size = section_properties.find(w("pgSz"))
    if size is None:
        size = etree.Element(w("pgSz"))
        _insert_section_child(section_properties, size)
    size.attrib.clear()
    size.set(w("w"), str(width))
    size.set(w("h"), str(height))
    margins = section_properties.find(w("pgMar"))
    if margins is None:
        margins = etree.Element(w("pgMar"))
        size.addnext(margins)
    for key, value in (("top", margin), ("right", margin), ("bottom", margin), ("left", margin),
                       ("header", 709), ("footer", 709), ("gutter", 0)):
        margins.set(w(key), str(value))


class _HouseParts:
    """The parts of python-docx's blank document in the house look.  They are the same for
    every brief, so they were prepared once (:func:`build_house_template`) and ship as
    ``data/docx/house-template.zip``: nothing is parsed here and the unchanging parts are
    copied already compressed."""

    def __init__(self) -> None:
        self.house = _house_template()
        self.package = self.house.new_package()
        self.document_part = self.package.rels.target_part(MAIN_DOCUMENT_REL)
        self.paper = "a4"

    def prepare_styles(self, language: str | None) -> dict[str, str]:
        if (language or "en-GB") != "en-GB":
            self.document_part.rels.target_part(STYLES_REL).set_blob(self.house.styles(language), static=True)
        return dict(self.house.spec["style_ids"])

    def page_setup(self, paper: str | None) -> None:
        self.paper = paper or "a4"

    def numbering_ids(self) -> tuple[int, int]:
        numbering = self.house.spec["numbering"]
        return numbering["next_abstract"], numbering["next_num"]

    def finish(self, *, body, section_bookmark, notes, notes_parts, abstract_nums, nums, core, footer) -> None:
        spec = self.house.spec
        if abstract_nums:
            numbering = spec["numbering"]
            blob = numbering["head"] + "".join(abstract_nums) + numbering["middle"] + "".join(nums) + numbering["tail"]
            self.document_part.rels.target_part(NUMBERING_REL).set_blob(blob.encode("utf-8"), static=False)
        for kind, blob in notes.items():
            notes_parts[kind].set_blob(blob, static=False)
        core_head, core_tail = spec["core"]
        self.package.rels.target_part(CORE_PROPERTIES_REL).set_blob((core_head + core[0] + core_tail).encode("utf-8"),
                                                                    static=False)
        footer_spec = spec["footer"]
        footer_part = package_xml.Part(footer_spec["name"], package_xml.CT_FOOTER,
                                       blob=(footer_spec["head"] + footer + footer_spec["tail"]).encode("utf-8"))
        footer_id = self.document_part.relate_to(footer_part, FOOTER_REL)
        document = spec["document"]
        section_start, section_rest = document["sections"][self.paper]
        xml = (document["head"] + "".join(body) + section_start + section_bookmark
               + section_rest.replace(FOOTER_ID_MARK, footer_id) + document["tail"])
        self.document_part.set_blob(xml.encode("utf-8"), static=False)


FOOTER_ID_MARK = "briefconv-footer-id"
LANGUAGE_MARK = "briefconv-language"
HOUSE_TEMPLATE_SPEC = "briefconv-house.json"


class _HouseTemplate:
    """The shipped house template: its description and its parts, still compressed."""

    def __init__(self, data: bytes) -> None:
        import json

        self.members = package_xml.read_zip_members(data)
        self.spec = json.loads(package_xml.inflate(self.members[HOUSE_TEMPLATE_SPEC]))

    def new_package(self):
        """A package of the template's parts; each part keeps its compressed bytes until the writer replaces it."""
        parts = {name: package_xml.Part(name, content_type, compressed=self.members.get(name.lstrip("/")), static=True)
                 for name, content_type in self.spec["parts"].items()}
        package = package_xml.Package()
        for source, rels in self.spec["rels"].items():
            owner = package.rels if source == "/" else parts[source].rels
            for rel_id, reltype, target, external in rels:
                owner.add(rel_id, reltype, target if external else parts[target], external)
        return package

    @lru_cache(maxsize=8)
    def styles(self, language: str) -> bytes:
        """The styles part with another default language (cached: the compressed form is then reused)."""
        data = package_xml.inflate(self.members["word/styles.xml"])
        offset = self.spec["styles_language_offset"]
        return data[:offset] + escape_attribute(language).encode("utf-8") + data[offset + len(b"en-GB"):]


@lru_cache(maxsize=1)
def _house_template() -> _HouseTemplate:
    import os

    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "docx", "house-template.zip")
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:  # not installed with the package: prepare it here (slower, needs lxml)
        data = build_house_template()
    return _HouseTemplate(data)


def build_house_template() -> bytes:
    """Prepare python-docx's blank document in the house look, as ``data/docx/house-template.zip``.

    The zip holds the unchanging parts as they are written into every brief, and
    ``briefconv-house.json``: the content types and relationships of the parts, and the
    text around what the writer fills in (document body, section, numbering, footer, core
    properties).  Rebuild it after changing the house look or upgrading python-docx::

        python -c "from briefconv.formats.docx_writer import save_house_template; save_house_template()"

    (tests/test_docx.py checks that the shipped file is up to date).
    """
    import copy
    import json

    from lxml import etree

    package = package_xml.open_package(package_xml.python_docx_template("default.docx"))
    word = _WordFile(package)
    _drop_stale_parts(word)
    spec: dict = {}

    styles_root = word.styles_part().element
    _apply_house_look(styles_root, LANGUAGE_MARK)
    spec["style_ids"] = _complete_styles(styles_root)
    styles = package_xml.serialize_xml(styles_root)
    spec["styles_language_offset"] = styles.index(LANGUAGE_MARK.encode())
    word.styles_part().set_blob(styles.replace(LANGUAGE_MARK.encode(), b"en-GB"), static=True)

    body = word.element.find(w("body"))
    section = body.find(w("sectPr"))
    settings_root = word.settings_part().element
    notes_xml.set_note_properties(settings_root, section)
    _use_current_word_layout(settings_root)
    for child in list(body):
        body.remove(child)
    sections = {}
    for paper in PAPER_SIZES:
        variant = copy.deepcopy(section)
        body.append(variant)  # changed in the tree, so that the root's prefixes are used
        _set_paper(variant, paper)
        reference = etree.SubElement(variant, w("footerReference"))
        following = next((child for child in variant if local_name(child) in _AFTER_FOOTER_REFERENCE), None)
        if following is not None:
            following.addprevious(reference)
        reference.set(w("type"), "default")
        reference.set(f"{{{R_NS}}}id", FOOTER_ID_MARK)
        xml = package_xml.serialize_xml(word.element).decode("utf-8")
        body.remove(variant)
        head, rest = xml.split("<w:sectPr", 1)
        start_end = rest.index(">") + 1
        section_xml, tail = rest[:rest.index("</w:sectPr>") + len("</w:sectPr>")], rest[rest.index("</w:sectPr>") + len("</w:sectPr>"):]
        sections[paper] = ["<w:sectPr" + section_xml[:start_end], section_xml[start_end:]]
        spec["document"] = {"head": head, "tail": tail}
    spec["document"]["sections"] = sections

    numbering_part = word.part.rels.target_part(NUMBERING_REL)
    numbering_root = numbering_part.element
    abstract_ids = [int(e.get(w("abstractNumId"))) for e in numbering_root.findall(w("abstractNum"))]
    num_ids = [int(e.get(w("numId"))) for e in numbering_root.findall(w("num"))]
    marked = copy.deepcopy(numbering_root)
    marked.findall(w("abstractNum"))[-1].addnext(etree.Element(w("briefconvAbstractMark")))
    marked.findall(w("num"))[-1].addnext(etree.Element(w("briefconvNumMark")))
    head, rest = package_xml.serialize_xml(marked).decode("utf-8").split("<w:briefconvAbstractMark/>")
    middle, tail = rest.split("<w:briefconvNumMark/>")
    spec["numbering"] = {"head": head, "middle": middle, "tail": tail,
                         "next_abstract": max(abstract_ids, default=-1) + 1, "next_num": max(num_ids, default=0) + 1}

    footer_root = package_xml.parse_xml(package_xml.python_docx_template("default-footer.xml"))
    paragraph = footer_root.find(w("p"))
    for child in list(paragraph):
        paragraph.remove(child)
    paragraph.append(etree.Element(w("briefconvFooterMark")))
    head, tail = package_xml.serialize_xml(footer_root).decode("utf-8").split("<w:briefconvFooterMark/>")
    names = {part.name for part in package.parts()} | set(notes_xml.PART_NAMES.values())
    spec["footer"] = {"name": next(f"/word/footer{n}.xml" for n in range(1, 100) if f"/word/footer{n}.xml" not in names),
                      "head": head, "tail": tail}

    core_part = package.rels.target_part(CORE_PROPERTIES_REL)
    core_root = core_part.element
    for child in list(core_root):
        core_root.remove(child)
    core_root.append(etree.Element(f"{{{CORE_NAMESPACES['cp']}}}briefconvCoreMark"))
    spec["core"] = package_xml.serialize_xml(core_root).decode("utf-8").split("<cp:briefconvCoreMark/>")

    parts = package.parts()
    spec["parts"] = {part.name: part.content_type for part in parts}
    spec["rels"] = {}
    for source, rels in [("/", package.rels)] + [(part.name, part.rels) for part in parts]:
        if len(rels):
            spec["rels"][source] = [[rel_id, reltype, target if external else target.name, external]
                                    for rel_id, (reltype, target, external) in rels.items.items()]
    fixed = [part for part in parts if part not in (word.part, core_part)]
    members = [(part.name.lstrip("/"), part.data(), False) for part in sorted(fixed, key=lambda p: p.name)]
    members.append((HOUSE_TEMPLATE_SPEC, json.dumps(spec, sort_keys=True, indent=0).encode("utf-8"), False))
    return package_xml.write_zip(members)


def save_house_template() -> None:
    """Write :func:`build_house_template`'s zip where the writer looks for it."""
    import os

    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "docx", "house-template.zip")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(build_house_template())


_AFTER_FOOTER_REFERENCE = ("footnotePr", "endnotePr", "type", "pgSz", "pgMar", "paperSrc", "pgBorders", "lnNumType",
                           "pgNumType", "cols", "formProt", "vAlign", "noEndnote", "titlePg", "textDirection", "bidi",
                           "rtlGutter", "docGrid", "printerSettings", "sectPrChange")
