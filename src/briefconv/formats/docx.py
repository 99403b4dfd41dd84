"""Word documents (format ``docx``): a writer with native Word notes and a reader.

Writer keeps: the masthead (organisation, series and number, place, date, identifiers
such as ISSN and DOI), title, subtitle, authors with honorific, role, affiliations and
e-mail, abstract, keywords, disclaimer and licence, each in a named paragraph style a
user can restyle ("Brief Organisation", "Brief Masthead", Title, Subtitle, Author, "Brief
Author Details", Abstract, "Brief Keywords", "Brief Disclaimer", "Brief Licence"; Author
and Abstract are the names pandoc's reference documents style), with character styles
such as "Brief Series" and "Brief Date" marking the parts of a line; headings as Heading
1-9, paragraphs as Body Text, block quotes as Quote, bulleted and numbered lists (with
their start number) as List Bullet/List Number with real Word numbering; italic, bold,
superscript, subscript, line breaks; links as live hyperlinks; notes as native Word
endnotes, or footnotes with ``-M notes=footnotes`` (without the option each note keeps
its own kind), their text keeping emphasis and links; a note that refers to another note
("Ibid.", "n. 4") as an internal link to a bookmark around the target note's text; back
matter after the body; core properties (title, authors, keywords, subject, description,
language, DOI, created and modified set to the document's date); A4 (``-M
papersize=letter`` for US Letter).  ``--reference-doc`` takes styles, page setup,
headers and footers from a Word file (.docx or .dotx) and keeps its own styles where
they exist.  The same document always gives the same bytes.

Writer loses: ``metadata.extra``; the end of a core property longer than 255
characters, python-docx's limit (the title block keeps the full text); a report-number identifier equal to the series number
(shown once, as the number); an author's given and family names apart from the full
name; a note that is never referenced (with a warning: Word cannot show it); a second
reference to the same note becomes a superscript number linked to the note; lists and
quotes inside notes become plain note paragraphs.

Reader keeps: Title, Subtitle, Heading 1-9 (or any paragraph with an outline level),
paragraphs, quotes, bulleted and numbered lists (Word numbering), italic, bold,
superscript, subscript, line breaks, hyperlinks (also HYPERLINK fields), footnotes and
endnotes kept apart (``Note.kind``, ids ``fn1``/``en1``, labels in the document's
number format), internal links or NOTEREF fields inside a note that point into another
note as note cross-references, tracked insertions; the core properties; the title-block
paragraphs this writer produces (by style name) and pandoc's Author, Date and Abstract
paragraphs, back into metadata.

Reader loses: table structure (the cells' text is kept as paragraphs), images, drawings,
text boxes and equations (each with a warning); comments, headers and footers, tracked
deletions, page and section breaks, fonts, colours and alignment; back
matter is told from the body only in files this writer made (by a hidden bookmark).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Mapping

from briefconv import ir
from briefconv.errors import InputError, UsageError, warn
from briefconv.formats import docx_notes as notes_xml
from briefconv.formats import docx_package as package_xml
from briefconv.formats.docx_notes import W_NS, local_name, w
from briefconv.hookspecs import hookimpl
from briefconv.plugins import Format

R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
HYPERLINK_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"

STYLES_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"
SETTINGS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings"
NUMBERING_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering"
FOOTER_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer"
CORE_PROPERTIES_REL = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
#: A part larger than this when uncompressed is refused before it is read.
MAX_PART_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 256 * 1024 * 1024
#: Reference documents and their parts up to this size are prepared once per process.
CACHED_PART_BYTES = 4 * 1024 * 1024

PAPER_SIZES = {  # twentieths of a point: width, height, margin
    "a4": (11906, 16838, 1418),
    "letter": (12240, 15840, 1440),
}

MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December",
)

# The styles of the title block.  Paragraph styles: (style id, name).
ORGANISATION = ("BriefOrganisation", "Brief Organisation")
MASTHEAD = ("BriefMasthead", "Brief Masthead")
AUTHOR = ("Author", "Author")  # pandoc's names, so its reference documents style them
AUTHOR_DETAILS = ("BriefAuthorDetails", "Brief Author Details")
ABSTRACT = ("Abstract", "Abstract")
KEYWORDS = ("BriefKeywords", "Brief Keywords")
DISCLAIMER = ("BriefDisclaimer", "Brief Disclaimer")
LICENCE = ("BriefLicence", "Brief Licence")
# Character styles that mark the parts of a title-block line.
LABEL = ("BriefLabel", "Brief Label")
SERIES = ("BriefSeries", "Brief Series")
SERIES_NUMBER = ("BriefSeriesNumber", "Brief Series Number")
PLACE = ("BriefPlace", "Brief Place")
DATE = ("BriefDate", "Brief Date")
IDENTIFIER = ("BriefIdentifier", "Brief Identifier")
HONORIFIC = ("BriefHonorific", "Brief Honorific")
ROLE = ("BriefRole", "Brief Role")
AFFILIATION = ("BriefAffiliation", "Brief Affiliation")
EMAIL = ("BriefEmail", "Brief Email")

NOTE_BOOKMARK_PREFIX = "_BriefNote"
BACK_BOOKMARK = "_BriefBackMatter"

# ============================================================================ writer
#
# The writer makes WordprocessingML as text (runs, paragraphs, notes, numbering, core
# properties).  Without --reference-doc the text goes into the shipped house template
# (_HouseParts: no XML parsing, unchanging parts copied compressed); with one, it is
# parsed into the reference document's parts, which lxml changes (_TemplateParts).


@dataclass
class _Look:
    """The house look given to a document that starts from python-docx's blank template."""

    body_font: str = "Georgia"
    heading_font: str = "Arial"
    accent: str = "1F3864"  # deep navy
    muted: str = "595959"
    body_half_points: int = 22


LOOK = _Look()


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
        self.forced_kind = _note_kind_option(document, options)
        self.paper = _paper(document, options) or ("a4" if house_look else None)
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
        properties = ((f'<w:pStyle w:val="{_attr(style)}"/>' if style else "")
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
            parts.append([_Run(_display_date(meta.date), style=self._style(DATE[1]))])
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
                properties += f'<w:pStyle w:val="{_attr(style_id)}"/>'
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
            properties = f'<w:pPr><w:pStyle w:val="{_attr(style)}"/></w:pPr>' if style else ""
            out = []
            for index, runs in enumerate(paragraphs):
                if index == 0:
                    self.bookmark_counter += 1
                    start = (notes_xml.note_mark_run(target.kind, self._note_reference_style(target.kind))
                             + _Run(" ").xml()
                             + f'<w:bookmarkStart w:id="{self.bookmark_counter}" w:name="{_attr(target.bookmark)}"/>')
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
            out.append(f"<{tag}>{_text(text)}</{tag}>")

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


def _text(text: str) -> str:
    """Element text escaped as lxml writes it."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


_attr = package_xml.escape_attribute


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
                out += f'<w:rStyle w:val="{_attr(self.style)}"/>'
            if "b" in fmt:
                out += "<w:b/>"
            if "i" in fmt:
                out += "<w:i/>"
            if self.color:
                out += f'<w:color w:val="{_attr(self.color)}"/>'
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
                    out += f'<w:t xml:space="preserve">{_text(piece)}</w:t>'
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
    return _Link(f' r:id="{_attr(rel_id)}" w:history="1"', runs)


def _anchor_link(bookmark: str, runs: list) -> _Link:
    items = []
    for run in runs:
        if isinstance(run, _Link):  # no links inside links: keep the text only
            items.extend(run.items)
        else:
            items.append(run)
    return _Link(f' w:anchor="{_attr(bookmark)}" w:history="1"', items)


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
        _check_zip_sizes(data, what="reference document")
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


def _check_zip_sizes(data: bytes, what: str) -> None:
    """Refuse a zip whose parts unpack to more than we are willing to hold (a zip bomb)."""
    import zipfile

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        if data.startswith(b"\xd0\xcf\x11\xe0"):  # OLE compound file: .doc, or an encrypted .docx
            raise InputError(f"the {what} is an old-format (.doc) or password-protected Word file; "
                             "save it as an unprotected .docx") from None
        raise InputError(f"the {what} is not a DOCX file (not a zip archive)") from None
    except (UnicodeDecodeError, ValueError, OSError, EOFError, NotImplementedError) as exc:
        # zipfile raises these for a zip directory it cannot make sense of (a member name
        # flagged UTF-8 that is not, impossible offsets)
        raise InputError(f"the {what} is a damaged zip archive: {exc}") from None
    total = 0
    for info in archive.infolist():
        if info.file_size > MAX_PART_BYTES:
            raise InputError(f"the {what} part {info.filename!r} unpacks to more than "
                             f"{MAX_PART_BYTES // (1024 * 1024)} MiB; refused")
        total += info.file_size
    if total > MAX_TOTAL_BYTES:
        raise InputError(f"the {what} unpacks to more than {MAX_TOTAL_BYTES // (1024 * 1024)} MiB; refused")


def _display_date(iso: str) -> str:
    """'2026-01-23' -> '23 January 2026'; 'YYYY-MM' -> 'January 2026'; anything else as is."""
    match = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", iso.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        return iso
    month = MONTHS[int(match.group(2)) - 1]
    if match.group(3):
        return f"{int(match.group(3))} {month} {match.group(1)}"
    return f"{month} {match.group(1)}"


def _date_value(iso: str | None):
    """The datetime for the core properties, or None when the date is not ISO."""
    import datetime as dt

    if not iso:
        return None
    match = re.fullmatch(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", iso.strip())
    if not match:
        return None
    try:
        return dt.datetime(int(match.group(1)), int(match.group(2) or 1), int(match.group(3) or 1))
    except ValueError:
        return None


def _note_kind_option(document: ir.Document, options: Mapping[str, str]) -> str | None:
    value = options.get("notes") or document.metadata.extra.get("notes")
    if value is None:
        return None
    kind = value.strip().lower().rstrip("s")
    if kind not in ("footnote", "endnote"):
        raise UsageError(f"notes={value!r}: use notes=endnotes or notes=footnotes")
    return kind


def _paper(document: ir.Document, options: Mapping[str, str]) -> str | None:
    value = options.get("papersize") or document.metadata.extra.get("papersize")
    if value is None:
        return None
    key = value.strip().lower().replace("us-letter", "letter").replace("usletter", "letter")
    if key not in PAPER_SIZES:
        raise UsageError(f"papersize={value!r}: use papersize=a4 or papersize=letter")
    return key


@dataclass
class _NoteTarget:
    note: ir.Note
    kind: str
    word_id: int
    bookmark: str


@dataclass
class _Context:
    """Where inlines are being written: the part that owns hyperlink relationships."""

    part: object
    in_note: bool = False


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


#: How identifier schemes are labelled in the masthead ("ISSN 2347-3703").
IDENTIFIER_LABELS = {"issn": "ISSN", "eissn": "eISSN", "isbn": "ISBN", "doi": "DOI",
                     "report-number": "Report No.", "journal-id": "Journal ID", "url": "URL"}


def _display_identifier(scheme: str, value: str) -> str:
    label = IDENTIFIER_LABELS.get(scheme)
    return f"{label} {value}" if label else f"{scheme}: {value}"


def _parse_identifier(text: str) -> tuple[str, str]:
    """'ISSN 2347-3703' -> ('issn', '2347-3703'); 'scheme: value' for schemes without a label."""
    text = " ".join(text.split())
    for scheme, label in IDENTIFIER_LABELS.items():
        if text.startswith(label + " "):
            return scheme, text[len(label) + 1:]
    scheme, _, value = text.partition(": ")
    return (scheme.lower(), value) if value else ("identifier", text)


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
        return data[:offset] + _attr(language).encode("utf-8") + data[offset + len(b"en-GB"):]


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

        python -c "from briefconv.formats.docx import save_house_template; save_house_template()"

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


# ============================================================================ reader

MAIN_DOCUMENT_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
MAX_STYLE_DEPTH = 20
#: Word's "Strict Open XML" files use other namespaces for the same vocabulary.
STRICT_NAMESPACES = (
    (b"http://purl.oclc.org/ooxml/wordprocessingml/main", W_NS.encode()),
    (b"http://purl.oclc.org/ooxml/officeDocument/relationships", R_NS.encode()),
)
QUOTE_STYLES = {"quote", "intense quote", "block text", "block quotation", "quotations"}


class _Package:
    """The zip of a DOCX, read safely: sizes checked first, XML without entities or network."""

    def __init__(self, data: bytes) -> None:
        import zipfile

        _check_zip_sizes(data, what="file")
        self.archive = zipfile.ZipFile(io.BytesIO(data))
        self.names = set(self.archive.namelist())
        self._parser = None

    def read(self, name: str) -> bytes:
        try:
            with self.archive.open(name) as member:
                data = member.read(MAX_PART_BYTES + 1)
        except KeyError:
            raise InputError(f"part {name!r} is missing") from None
        except Exception as exc:  # zlib errors, bad CRC, encryption, unsupported compression
            raise InputError(f"cannot unpack part {name!r}: {exc}") from None
        if len(data) > MAX_PART_BYTES:
            raise InputError(f"part {name!r} is larger than {MAX_PART_BYTES // (1024 * 1024)} MiB; refused")
        return data

    def xml(self, name: str):
        from lxml import etree

        if self._parser is None:
            self._parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                                           huge_tree=False, remove_comments=True, remove_pis=True)
        data = self.read(name)
        for strict, transitional in STRICT_NAMESPACES:
            data = data.replace(strict, transitional)
        try:
            return etree.fromstring(data, self._parser)
        except etree.XMLSyntaxError as exc:
            raise InputError(f"part {name!r} is not well-formed XML: {exc}".split("\n")[0]) from None

    def relationships(self, part_name: str) -> dict[str, tuple[str, str, bool]]:
        """rId -> (type, target, external) for ``part_name``; targets of internal parts as zip names."""
        folder, _, base = part_name.rpartition("/")
        rels_name = f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels"
        if rels_name not in self.names:
            return {}
        out = {}
        for rel in self.xml(rels_name):
            rel_id, rel_type, target = rel.get("Id"), rel.get("Type", ""), rel.get("Target", "")
            if rel_id is None:
                continue
            external = rel.get("TargetMode") == "External"
            out[rel_id] = (rel_type, target if external else _resolve_part(folder, target), external)
        return out

    def main_document(self) -> str:
        """The main document part, as the package relationships name it (Strict files included:
        :meth:`xml` maps their namespaces to the transitional ones)."""
        for rel_type, target, _ in self.relationships("").values():
            if rel_type == MAIN_DOCUMENT_REL and target in self.names:
                return target
        if "word/document.xml" in self.names:
            return "word/document.xml"
        raise InputError("not a Word document: it has no word/document.xml")


def _resolve_part(folder: str, target: str) -> str:
    """The zip member name of a relationship target relative to ``folder``."""
    path = target.lstrip("/") if target.startswith("/") else (f"{folder}/{target}" if folder else target)
    parts: list[str] = []
    for piece in path.split("/"):
        if piece == "..":
            if parts:
                parts.pop()
        elif piece and piece != ".":
            parts.append(piece)
    return "/".join(parts)


def _on(element) -> bool:
    """Whether a WordprocessingML toggle property (w:b, w:i...) is switched on."""
    if element is None:
        return False
    return element.get(w("val"), "true").lower() not in ("0", "false", "off", "none")


@dataclass
class _StyleInfo:
    name: str
    based_on: str | None
    outline_level: int | None
    num: tuple[str | None, int | None] | None
    bold: bool | None
    italic: bool | None
    vert: str | None


class _Styles:
    """Style names, outline levels, numbering and run formatting, following basedOn."""

    def __init__(self, root) -> None:
        self.by_id: dict[str, _StyleInfo] = {}
        if root is None:
            return
        for style in root.findall(w("style")):
            style_id = style.get(w("styleId"))
            if not style_id:
                continue
            name_element = style.find(w("name"))
            name = name_element.get(w("val"), style_id) if name_element is not None else style_id
            based = style.find(w("basedOn"))
            paragraph = style.find(w("pPr"))
            run = style.find(w("rPr"))
            outline = None
            num = None
            if paragraph is not None:
                level = paragraph.find(w("outlineLvl"))
                if level is not None and (level.get(w("val")) or "").isdigit():
                    outline = int(level.get(w("val")))
                num_pr = paragraph.find(w("numPr"))
                if num_pr is not None:
                    num = _num_pr(num_pr)
            bold = italic = vert = None
            if run is not None:
                if run.find(w("b")) is not None:
                    bold = _on(run.find(w("b")))
                if run.find(w("i")) is not None:
                    italic = _on(run.find(w("i")))
                if run.find(w("vertAlign")) is not None:
                    vert = run.find(w("vertAlign")).get(w("val"))
            self.by_id[style_id] = _StyleInfo(name, based.get(w("val")) if based is not None else None,
                                              outline, num, bold, italic, vert)

    def name(self, style_id: str | None) -> str:
        if style_id is None:
            return ""
        info = self.by_id.get(style_id)
        return (info.name if info else style_id).lower()

    def _chain(self, style_id: str | None):
        seen = 0
        while style_id and style_id in self.by_id and seen < MAX_STYLE_DEPTH:
            yield self.by_id[style_id]
            style_id = self.by_id[style_id].based_on
            seen += 1

    def outline_level(self, style_id: str | None) -> int | None:
        for info in self._chain(style_id):
            if info.outline_level is not None:
                return info.outline_level
        return None

    def numbering(self, style_id: str | None):
        for info in self._chain(style_id):
            if info.num is not None:
                return info.num
        return None

    def run_format(self, style_id: str | None) -> dict[str, object]:
        out: dict[str, object] = {}
        for info in self._chain(style_id):
            for key in ("bold", "italic", "vert"):
                value = getattr(info, key)
                if value is not None and key not in out:
                    out[key] = value
        return out


def _num_pr(num_pr) -> tuple[str | None, int | None]:
    num_id = num_pr.find(w("numId"))
    level = num_pr.find(w("ilvl"))
    level_value = level.get(w("val")) if level is not None else None
    return (num_id.get(w("val")) if num_id is not None else None,
            int(level_value) if level_value and level_value.isdigit() else None)


class _Numbering:
    """Whether a (numId, level) is numbered or bulleted, and its start number."""

    def __init__(self, root) -> None:
        self.abstract: dict[str, dict[int, tuple[str, int]]] = {}
        self.nums: dict[str, tuple[str | None, dict[int, int]]] = {}
        if root is None:
            return
        for abstract in root.findall(w("abstractNum")):
            levels = {}
            for level in abstract.findall(w("lvl")):
                levels[_int(level.get(w("ilvl")), 0)] = _level_format(level)
            self.abstract[abstract.get(w("abstractNumId"), "")] = levels
        for num in root.findall(w("num")):
            abstract_id = num.find(w("abstractNumId"))
            starts = {}
            for override in num.findall(w("lvlOverride")):
                start = override.find(w("startOverride"))
                if start is not None:
                    starts[_int(override.get(w("ilvl")), 0)] = _int(start.get(w("val")), 1)
            self.nums[num.get(w("numId"), "")] = (abstract_id.get(w("val")) if abstract_id is not None else None, starts)

    def describe(self, num_id: str, level: int) -> tuple[bool, int] | None:
        """(ordered, start) for a list paragraph, or None when numId names no list."""
        if num_id not in self.nums:
            return None
        abstract_id, starts = self.nums[num_id]
        fmt, start = self.abstract.get(abstract_id or "", {}).get(level, ("bullet", 1))
        ordered = fmt not in ("bullet", "none", "")
        return ordered, starts.get(level, start)


def _level_format(level) -> tuple[str, int]:
    fmt = level.find(w("numFmt"))
    start = level.find(w("start"))
    return (fmt.get(w("val"), "decimal") if fmt is not None else "decimal",
            _int(start.get(w("val")), 1) if start is not None else 1)


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _format_number(number: int, fmt: str) -> str:
    """A note label in Word's number format."""
    if fmt in ("lowerRoman", "upperRoman"):
        text = _roman(number)
        return text if fmt == "lowerRoman" else text.upper()
    if fmt in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (number - 1) % 26) * ((number - 1) // 26 + 1)
        return letter if fmt == "lowerLetter" else letter.upper()
    if fmt == "chicago":
        symbols = ("*", "\u2020", "\u2021", "\u00a7")
        return symbols[(number - 1) % 4] * ((number - 1) // 4 + 1)
    return str(number)


def _roman(number: int) -> str:
    out = ""
    for value, numeral in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
                           (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while number >= value:
            out += numeral
            number -= value
    return out


def _parse_display_date(text: str) -> str | None:
    """'23 January 2026', 'January 23, 2026', 'January 2026' or ISO -> ISO 8601."""
    text = " ".join(text.replace(",", " ").split())
    if re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", text):
        return text
    months = {m.lower(): i for i, m in enumerate(MONTHS, start=1)}
    months.update({m[:3].lower(): i for i, m in enumerate(MONTHS, start=1)})
    words = text.lower().rstrip(".").split()
    day = month = year = None
    for word in words:
        word = word.rstrip(".")
        if word in months:
            month = months[word]
        elif re.fullmatch(r"\d{4}", word):
            year = word
        elif re.fullmatch(r"\d{1,2}(st|nd|rd|th)?", word):
            day = int(re.match(r"\d+", word).group())
    if year and month and day and 1 <= day <= 31:
        return f"{year}-{month:02d}-{day:02d}"
    if year and month:
        return f"{year}-{month:02d}"
    return None


@dataclass
class _ListEntry:
    depth: int
    ordered: bool
    start: int
    blocks: list


@dataclass
class _Field:
    instruction: str = ""
    separated: bool = False
    opened: bool = False


class _DocxReader:
    """Turns the parts of one DOCX into a Document."""

    def __init__(self, package: _Package) -> None:
        self.package = package
        self.main = package.main_document()
        self.root = package.xml(self.main)
        self.rels = package.relationships(self.main)
        self.styles = _Styles(self._related_xml("/styles"))
        self.numbering = _Numbering(self._related_xml("/numbering"))
        self.settings = self._related_xml("/settings")
        self.warned: set[str] = set()
        self.meta: dict[str, object] = {}
        self.authors: list[ir.Author] = []
        self.abstract: list[str] = []
        self.identifiers: dict[str, str] = {}
        self.note_ids: dict[tuple[str, str], str] = {}  # (kind, Word id) -> IR id
        self.labels: dict[tuple[str, str], str] = {}  # (kind, Word id) -> printed mark
        self.bookmark_notes: dict[str, str] = {}  # bookmark name -> IR note id
        self.current_rels = self.rels

    def _related_xml(self, suffix: str):
        for rel_type, target, external in self.rels.values():
            if not external and rel_type.endswith(suffix) and target in self.package.names:
                return self.package.xml(target)
        return None

    def _warn_once(self, key: str, message: str) -> None:
        if key not in self.warned:
            self.warned.add(key)
            warn(f"docx: {message}")

    # ------------------------------------------------------------------ document

    def read(self) -> ir.Document:
        body = self.root.find(w("body"))
        if body is None:
            raise InputError("not a Word document: word/document.xml has no body")
        self._number_notes()
        notes = self._read_notes()
        self.current_rels = self.rels
        children = list(body)
        split = next((index for index, child in enumerate(children)
                      if any(b.get(w("name")) == BACK_BOOKMARK for b in child.iter(w("bookmarkStart")))),
                     len(children))
        blocks = self._blocks(children[:split], in_note=False)
        back = self._blocks(children[split:], in_note=False)
        return ir.Document(metadata=self._metadata(), blocks=tuple(blocks), back=tuple(back), notes=tuple(notes))

    # ------------------------------------------------------------------ notes

    def _note_format(self, kind: str) -> tuple[str, int]:
        fmt, start = ("lowerRoman" if kind == "endnote" else "decimal"), 1
        sources = []
        if self.settings is not None:
            sources.append(self.settings.find(w(f"{kind}Pr")))
        body = self.root.find(w("body"))
        if body is not None:
            sections = list(body.iter(w("sectPr")))
            if sections:
                sources.append(sections[-1].find(w(f"{kind}Pr")))
        for source in sources:
            if source is None:
                continue
            if source.find(w("numFmt")) is not None:
                fmt = source.find(w("numFmt")).get(w("val"), fmt)
            if source.find(w("numStart")) is not None:
                start = _int(source.find(w("numStart")).get(w("val")), 1)
        return fmt, start

    def _number_notes(self) -> None:
        """Give each referenced note its IR id and printed label, in reading order."""
        counters = {"footnote": 0, "endnote": 0}
        formats = {kind: self._note_format(kind) for kind in counters}
        open_bookmarks: dict[str, str] = {}
        for element in self.root.iter():
            name = local_name(element)
            if name == "bookmarkStart":
                open_bookmarks[element.get(w("id"), "")] = element.get(w("name"), "")
            elif name == "bookmarkEnd":
                open_bookmarks.pop(element.get(w("id"), ""), None)
            elif name in ("footnoteReference", "endnoteReference") and not _inside_deletion(element):
                kind = name[: -len("Reference")]
                key = (kind, element.get(w("id"), ""))
                if key in self.note_ids:
                    continue
                custom = element.get(w("customMarkFollows"), "0").lower() in ("1", "true", "on")
                if custom:
                    label = _following_text(element)
                else:
                    counters[kind] += 1
                    fmt, start = formats[kind]
                    label = _format_number(counters[kind] + start - 1, fmt)
                note_id = f"{kind[0]}n{len([k for k in self.note_ids if k[0] == kind]) + 1}"
                self.note_ids[key] = note_id
                self.labels[key] = label
                for bookmark in open_bookmarks.values():
                    self.bookmark_notes.setdefault(bookmark, note_id)

    def _read_notes(self) -> list[ir.Note]:
        # First every note's bookmarks, so a footnote may point into an endnote and back.
        found = []
        for kind in ("footnote", "endnote"):
            part = None
            for rel_type, target, external in self.rels.values():
                if not external and rel_type.endswith(f"/{kind}s") and target in self.package.names:
                    part = target
            if part is None:
                continue
            elements = []
            for element in self.package.xml(part).findall(w(kind)):
                key = (kind, element.get(w("id"), ""))
                if element.get(w("type")) not in (None, "normal") or key not in self.note_ids:
                    continue  # separators, and notes no reference points to (Word hides them too)
                elements.append((key, element))
                for bookmark in element.iter(w("bookmarkStart")):
                    name = bookmark.get(w("name"), "")
                    self.bookmark_notes[name] = self.note_ids[key]
                    # LibreOffice renames bookmarks in notes to NAME_Copy_1 but keeps links to NAME
                    self.bookmark_notes.setdefault(re.sub(r"_Copy_\d+$", "", name), self.note_ids[key])
            found.append((kind, self.package.relationships(part), elements))
        notes: dict[str, ir.Note] = {}
        for kind, rels, elements in found:
            self.current_rels = rels
            for key, element in elements:
                note_id = self.note_ids[key]
                blocks = self._blocks(element, in_note=True)
                notes[note_id] = ir.Note(id=note_id, label=self.labels[key], blocks=tuple(blocks), kind=kind)
        return [notes[note_id] for note_id in self.note_ids.values() if note_id in notes]

    # ------------------------------------------------------------------ blocks

    def _block_elements(self, container):
        """The paragraphs of a body, note or table cell, looking through content controls."""
        for child in container:
            name = local_name(child)
            if name == "p":
                yield child
            elif name in ("sdt", "sdtContent", "customXml", "ins", "smartTag"):
                yield from self._block_elements(child)
            elif name == "tbl":
                self._warn_once("table", "tables are not supported; their text is kept as paragraphs")
                for cell in child.iter(w("tc")):
                    yield from self._block_elements(cell)
            elif name == "altChunk":
                self._warn_once("altChunk", "embedded foreign content (altChunk) dropped")

    def _blocks(self, container, *, in_note: bool) -> list[ir.Block]:
        blocks: list[ir.Block] = []
        list_entries: list[_ListEntry] = []
        quote: list[ir.Block] = []

        def flush_list() -> None:
            if list_entries:
                blocks.extend(_build_lists(list_entries))
                list_entries.clear()

        def flush_quote() -> None:
            if quote:
                blocks.append(ir.BlockQuote(tuple(quote)))
                quote.clear()

        for paragraph in self._block_elements(container):
            properties = paragraph.find(w("pPr"))
            style_element = properties.find(w("pStyle")) if properties is not None else None
            style_id = style_element.get(w("val")) if style_element is not None else None
            style = self.styles.name(style_id)
            if not in_note and self._title_block(style, paragraph):
                continue
            inlines = self._inlines(paragraph, in_note=in_note)
            if not _has_content(inlines):
                continue
            level = _heading_level(style, properties, self.styles.outline_level(style_id))
            numbered = self._list_position(properties, style_id)
            if level is not None and not in_note:
                flush_list()
                flush_quote()
                blocks.append(ir.Heading(level, inlines))
            elif numbered is not None:
                flush_quote()
                depth, ordered, start = numbered
                list_entries.append(_ListEntry(depth, ordered, start, [ir.Paragraph(inlines)]))
            elif list_entries and style.startswith("list continue"):
                list_entries[-1].blocks.append(ir.Paragraph(inlines))
            elif style in QUOTE_STYLES:
                flush_list()
                quote.append(ir.Paragraph(inlines))
            else:
                flush_list()
                flush_quote()
                blocks.append(ir.Paragraph(inlines))
        flush_list()
        flush_quote()
        return blocks

    def _list_position(self, properties, style_id: str | None) -> tuple[int, bool, int] | None:
        num = None
        if properties is not None and properties.find(w("numPr")) is not None:
            num = _num_pr(properties.find(w("numPr")))
        style_num = self.styles.numbering(style_id)
        num_id = (num[0] if num and num[0] is not None else None) or (style_num[0] if style_num else None)
        level = (num[1] if num and num[1] is not None else None)
        if level is None:
            level = style_num[1] if style_num and style_num[1] is not None else 0
        if not num_id or num_id == "0":
            return None
        described = self.numbering.describe(num_id, level)
        if described is None:
            return None
        return (min(level, 8), *described)

    # ------------------------------------------------------------------ title block

    def _title_block(self, style: str, paragraph) -> bool:
        """Take a title-block paragraph into the metadata; False when it is not one."""
        handlers = {
            "title": self._take_title, "subtitle": self._take_subtitle,
            ORGANISATION[1].lower(): self._take_organisation, MASTHEAD[1].lower(): self._take_masthead,
            AUTHOR[1].lower(): self._take_author, "author": self._take_author,
            AUTHOR_DETAILS[1].lower(): self._take_author_details, ABSTRACT[1].lower(): self._take_abstract,
            "abstract": self._take_abstract, "abstract title": lambda parts: None,
            KEYWORDS[1].lower(): self._take_keywords, DISCLAIMER[1].lower(): self._take_disclaimer,
            LICENCE[1].lower(): self._take_licence, "date": self._take_date,
        }
        handler = handlers.get(style)
        if handler is None:
            return False
        parts = self._run_parts(paragraph)
        if not "".join(text for _, text, _ in parts).strip():
            return True
        handler(parts)
        return True

    def _run_parts(self, paragraph) -> list[tuple[str, str, str | None]]:
        """(character style name, text, link URL) of each run of a title-block paragraph."""
        parts = []
        for run in paragraph.iter(w("r")):
            if _inside_deletion(run):
                continue
            properties = run.find(w("rPr"))
            style = properties.find(w("rStyle")) if properties is not None else None
            text = "".join((t.text or "") if local_name(t) == "t" else " " for t in run
                           if local_name(t) in ("t", "tab", "br"))
            url = None
            parent = run.getparent()
            if local_name(parent) == "hyperlink":
                rel = self.rels.get(parent.get(f"{{{R_NS}}}id", ""))
                url = rel[1] if rel and rel[2] else None
            parts.append((self.styles.name(style.get(w("val")) if style is not None else None), text, url))
        return parts

    @staticmethod
    def _text(parts, skip_label: bool = True) -> str:
        text = "".join(t for style, t, _ in parts if not (skip_label and style == LABEL[1].lower()))
        return " ".join(text.split())

    def _take_title(self, parts) -> None:
        title = self._text(parts)
        self.meta["title"] = f"{self.meta['title']} {title}" if "title" in self.meta else title

    def _take_subtitle(self, parts) -> None:
        self.meta.setdefault("subtitle", self._text(parts))

    def _take_organisation(self, parts) -> None:
        self.meta["publisher_name"] = self._text(parts)

    def _take_masthead(self, parts) -> None:
        fields = {SERIES[1].lower(): "series_name", SERIES_NUMBER[1].lower(): "series_number",
                  PLACE[1].lower(): "place", DATE[1].lower(): "display_date"}
        texts: dict[str, str] = {}
        for style, text, _ in _merge_runs_by_style(parts):
            if style in fields and text.strip():
                texts[fields[style]] = " ".join(text.split())
            elif style == IDENTIFIER[1].lower() and text.strip():
                scheme, value = _parse_identifier(text)
                self.identifiers[scheme] = value
        self.meta.update(texts)

    def _take_author(self, parts) -> None:
        honorific = self._text([p for p in parts if p[0] == HONORIFIC[1].lower()]) or None
        name = self._text([p for p in parts if p[0] != HONORIFIC[1].lower()])
        if name:
            self.authors.append(ir.Author(name=name, honorific=honorific))

    def _take_author_details(self, parts) -> None:
        import dataclasses

        if not self.authors:
            return
        role = self._text([p for p in parts if p[0] == ROLE[1].lower()]) or None
        affiliations = tuple(" ".join(t.split()) for s, t, _ in parts if s == AFFILIATION[1].lower() and t.strip())
        email = self._text([p for p in parts if p[0] == EMAIL[1].lower()]) or None
        if role is None and not affiliations and email is None:
            affiliations = (self._text(parts),)
        self.authors[-1] = dataclasses.replace(self.authors[-1], role=role, affiliations=affiliations, email=email)

    def _take_abstract(self, parts) -> None:
        self.abstract.append(self._text(parts))

    def _take_keywords(self, parts) -> None:
        text = re.sub(r"^\s*key\s*words?\s*:\s*", "", self._text(parts), flags=re.IGNORECASE)
        self.meta["keywords"] = tuple(k.strip() for k in re.split(r"[,;]", text) if k.strip())

    def _take_disclaimer(self, parts) -> None:
        self.meta["disclaimer"] = self._text(parts)

    def _take_licence(self, parts) -> None:
        url = next((u for _, _, u in parts if u), None)
        self.meta["licence"] = ir.Licence(text=self._text(parts) or None, url=url)

    def _take_date(self, parts) -> None:
        self.meta.setdefault("display_date", self._text(parts))

    # ------------------------------------------------------------------ metadata

    def _core(self) -> dict[str, str]:
        name = None
        for rel_type, target, _ in self.package.relationships("").values():
            if rel_type.endswith("/core-properties") and target in self.package.names:
                name = target
        if name is None:
            name = "docProps/core.xml" if "docProps/core.xml" in self.package.names else None
        if name is None:
            return {}
        out = {}
        for element in self.package.xml(name):
            if element.text and element.text.strip():
                out[local_name(element)] = element.text.strip()
        return out

    def _metadata(self) -> ir.Metadata:
        core = self._core()
        meta = self.meta
        title = meta.get("title") or core.get("title") or None
        authors = tuple(self.authors)
        if not authors and core.get("creator"):
            authors = tuple(ir.Author(name=n.strip()) for n in re.split(r";", core["creator"]) if n.strip())
        keywords = meta.get("keywords") or tuple(
            k.strip() for k in re.split(r"[,;]", core.get("keywords", "")) if k.strip())
        date = None
        if meta.get("display_date"):
            date = _parse_display_date(str(meta["display_date"]))
        if date is None and core.get("created"):
            match = re.match(r"\d{4}-\d{2}-\d{2}", core["created"])
            date = match.group() if match else None
        publisher = None
        if meta.get("publisher_name") or meta.get("place"):
            publisher = ir.Publisher(name=str(meta.get("publisher_name", "")), place=meta.get("place"))  # type: ignore[arg-type]
        series = None
        if meta.get("series_name") or meta.get("series_number"):
            series = ir.Series(name=meta.get("series_name"), number=meta.get("series_number"))  # type: ignore[arg-type]
        abstract = "\n\n".join(self.abstract) or core.get("description") or None
        return ir.Metadata(
            title=title, subtitle=meta.get("subtitle"), authors=authors, date=date,  # type: ignore[arg-type]
            publisher=publisher, series=series, keywords=keywords, licence=meta.get("licence"),  # type: ignore[arg-type]
            disclaimer=meta.get("disclaimer"), abstract=abstract, language=core.get("language"),  # type: ignore[arg-type]
            identifiers=self.identifiers,
        )

    # ------------------------------------------------------------------ inlines

    def _inlines(self, paragraph, *, in_note: bool) -> tuple[ir.Inline, ...]:
        tokens: list[tuple] = []
        self._tokens(paragraph, tokens, in_note=in_note)
        return _trim(_assemble(_resolve_fields(tokens, self._field_group, in_note)))

    def _field_group(self, instruction: str, in_note: bool) -> tuple | None:
        """The group a complex or simple field opens: a link, a note cross-reference, or None."""
        match = re.match(r'\s*HYPERLINK\s+(?:"([^"]*)"|(\S+))(.*)', instruction, re.IGNORECASE)
        if match:
            url = match.group(1) or match.group(2) or ""
            anchor = re.search(r'\\l\s+"([^"]*)"', match.group(3) or "")
            if url:
                return ("link", url + (f"#{anchor.group(1)}" if anchor else ""))
            if anchor:
                return self._anchor_group(anchor.group(1), in_note)
            return None
        match = re.match(r"\s*NOTEREF\s+(\S+)", instruction, re.IGNORECASE)
        if match:
            return self._anchor_group(match.group(1), in_note)
        return None

    def _anchor_group(self, bookmark: str, in_note: bool) -> tuple | None:
        note_id = self.bookmark_notes.get(bookmark)
        if in_note and note_id is not None:
            return ("xref", note_id)
        return None

    def _tokens(self, element, tokens: list, *, in_note: bool) -> None:
        for child in element:
            name = local_name(child)
            if name == "r":
                self._run_tokens(child, tokens)
            elif name == "hyperlink":
                group = None
                rel_id = child.get(f"{{{R_NS}}}id")
                anchor = child.get(w("anchor"))
                if rel_id and rel_id in self.current_rels and self.current_rels[rel_id][2]:
                    url = self.current_rels[rel_id][1]
                    group = ("link", url + (f"#{anchor}" if anchor else ""))
                elif anchor:
                    group = self._anchor_group(anchor, in_note)
                tokens.append(("open", group))
                self._tokens(child, tokens, in_note=in_note)
                tokens.append(("close",))
            elif name == "fldSimple":
                tokens.append(("open", self._field_group(child.get(w("instr"), ""), in_note)))
                self._tokens(child, tokens, in_note=in_note)
                tokens.append(("close",))
            elif name in ("ins", "smartTag", "customXml", "sdt", "sdtContent", "dir", "bdo", "moveTo"):
                self._tokens(child, tokens, in_note=in_note)
            elif name in ("oMath", "oMathPara"):
                self._warn_once("math", "equations are not supported and were dropped")

    def _run_tokens(self, run, tokens: list) -> None:
        properties = run.find(w("rPr"))
        style = properties.find(w("rStyle")) if properties is not None else None
        fmt_values = self.styles.run_format(style.get(w("val")) if style is not None else None)
        if properties is not None:
            for key, tag in (("bold", "b"), ("italic", "i")):
                if properties.find(w(tag)) is not None:
                    fmt_values[key] = _on(properties.find(w(tag)))
            if properties.find(w("vertAlign")) is not None:
                fmt_values["vert"] = properties.find(w("vertAlign")).get(w("val"))
        fmt = frozenset(
            flag for flag, on in (("b", fmt_values.get("bold")), ("i", fmt_values.get("italic")),
                                  ("sup", fmt_values.get("vert") == "superscript"),
                                  ("sub", fmt_values.get("vert") == "subscript")) if on)
        skip_custom_mark = False
        for child in run:
            name = local_name(child)
            if name == "t":
                if skip_custom_mark:
                    skip_custom_mark = False
                    continue
                if child.text:
                    tokens.append(("inline", fmt, ir.Text(child.text)))
            elif name in ("tab", "ptab"):
                tokens.append(("inline", fmt, ir.Text(" ")))
            elif name in ("br", "cr"):
                if child.get(w("type"), "textWrapping") == "textWrapping":
                    tokens.append(("inline", fmt, ir.LineBreak()))
            elif name == "noBreakHyphen":
                tokens.append(("inline", fmt, ir.Text("\u2011")))
            elif name == "sym":
                code = _hex(child.get(w("char")))
                if code is not None and code < 0xF000:
                    tokens.append(("inline", fmt, ir.Text(chr(code))))
            elif name in ("footnoteReference", "endnoteReference"):
                kind = name[: -len("Reference")]
                note_id = self.note_ids.get((kind, child.get(w("id"), "")))
                if note_id:
                    tokens.append(("inline", frozenset(), ir.NoteRef(note_id)))
                skip_custom_mark = child.get(w("customMarkFollows"), "0").lower() in ("1", "true", "on")
            elif name == "fldChar":
                tokens.append(("field", child.get(w("fldCharType"))))
            elif name == "instrText":
                tokens.append(("instr", child.text or ""))
            elif name in ("drawing", "pict", "object"):
                self._warn_once("image", "images and drawings are not supported and were dropped")
            elif name == "AlternateContent":
                self._warn_once("image", "images, drawings and text boxes are not supported and were dropped")


# ------------------------------------------------------------------- reader helpers


def _merge_runs_by_style(parts: list[tuple[str, str, str | None]]) -> list[tuple[str, str, str | None]]:
    """Join neighbouring runs of the same character style: Word splits runs where it likes."""
    merged: list[tuple[str, str, str | None]] = []
    for style, text, url in parts:
        if merged and merged[-1][0] == style and style:
            merged[-1] = (style, merged[-1][1] + text, merged[-1][2] or url)
        else:
            merged.append((style, text, url))
    return merged


def _hex(value: str | None) -> int | None:
    try:
        return int(value, 16) if value else None
    except ValueError:
        return None


def _inside_deletion(element) -> bool:
    parent = element.getparent()
    while parent is not None:
        if local_name(parent) in ("del", "moveFrom"):
            return True
        parent = parent.getparent()
    return False


def _following_text(reference) -> str:
    """The custom mark typed after a note reference in the same run."""
    text = ""
    sibling = reference.getnext()
    while sibling is not None and local_name(sibling) == "t":
        text += sibling.text or ""
        sibling = sibling.getnext()
    return text.strip() or "*"


def _heading_level(style: str, properties, style_outline: int | None) -> int | None:
    match = re.fullmatch(r"heading\s*(\d)", style)
    if match and int(match.group(1)) >= 1:
        return int(match.group(1))
    outline = None
    if properties is not None and properties.find(w("outlineLvl")) is not None:
        outline = _int(properties.find(w("outlineLvl")).get(w("val")), 9)
    if outline is None:
        outline = style_outline
    if outline is not None and 0 <= outline < 9:
        return outline + 1
    return None


def _resolve_fields(tokens: list, field_group, in_note: bool) -> list:
    """Turn fldChar begin/separate/end sequences into open/close groups; drop instructions."""
    out: list = []
    stack: list[_Field] = []
    for token in tokens:
        kind = token[0]
        if kind == "field":
            if token[1] == "begin":
                stack.append(_Field())
            elif token[1] == "separate" and stack:
                field_ = stack[-1]
                field_.separated = True
                field_.opened = True
                out.append(("open", field_group(field_.instruction, in_note)))
            elif token[1] == "end" and stack:
                if stack.pop().opened:
                    out.append(("close",))
        elif kind == "instr":
            if stack and not stack[-1].separated:
                stack[-1].instruction += token[1]
        elif stack and not stack[-1].separated:
            continue  # runs inside a field's instruction part are not text
        else:
            out.append(token)
    for field_ in stack:
        if field_.opened:
            out.append(("close",))
    return out


def _assemble(tokens: list) -> list[ir.Inline]:
    """Nest open/close groups, then turn runs of equal formatting into inline nodes."""
    root: list = []
    stack: list[tuple] = [(None, root)]
    for token in tokens:
        if token[0] == "open":
            stack.append((token[1], []))
        elif token[0] == "close":
            if len(stack) > 1:
                group, children = stack.pop()
                stack[-1][1].append(("group", group, children))
        else:
            stack[-1][1].append(token)
    while len(stack) > 1:
        group, children = stack.pop()
        stack[-1][1].append(("group", group, children))
    return _inline_nodes(root)


def _inline_nodes(items: list) -> list[ir.Inline]:
    out: list[ir.Inline] = []
    pending: list[tuple] = []

    def flush() -> None:
        index = 0
        while index < len(pending):
            fmt = pending[index][1]
            same = []
            while index < len(pending) and pending[index][1] == fmt:
                same.append(pending[index][2])
                index += 1
            out.extend(_wrap(_merge_text(same), fmt))
        pending.clear()

    for item in items:
        if item[0] == "inline":
            pending.append(item)
            continue
        flush()
        group, children = item[1], _inline_nodes(item[2])
        if group and group[0] == "link" and children:
            out.append(ir.Link(group[1], tuple(children)))
        elif group and group[0] == "xref" and children:
            out.append(ir.NoteCrossRef(group[1], tuple(children)))
        else:
            out.extend(children)
    flush()
    return _merge_text(out)


def _wrap(nodes: list[ir.Inline], fmt: frozenset) -> list[ir.Inline]:
    if not nodes:
        return []
    content = tuple(nodes)
    if "sup" in fmt:
        content = (ir.Superscript(content),)
    if "sub" in fmt:
        content = (ir.Subscript(content),)
    if "i" in fmt:
        content = (ir.Emphasis(content),)
    if "b" in fmt:
        content = (ir.Strong(content),)
    return list(content)


def _merge_text(nodes: list) -> list:
    out: list = []
    for node in nodes:
        if isinstance(node, ir.Text) and out and isinstance(out[-1], ir.Text):
            out[-1] = ir.Text(out[-1].text + node.text)
        else:
            out.append(node)
    return out


def _trim(nodes: list[ir.Inline]) -> tuple[ir.Inline, ...]:
    """Drop the space Word leaves after a note mark and at the ends of a paragraph."""
    nodes = list(nodes)
    if nodes and isinstance(nodes[0], ir.Text):
        nodes[0] = ir.Text(nodes[0].text.lstrip())
        if not nodes[0].text:
            nodes.pop(0)
    if nodes and isinstance(nodes[-1], ir.Text):
        nodes[-1] = ir.Text(nodes[-1].text.rstrip())
        if not nodes[-1].text:
            nodes.pop()
    return tuple(nodes)


def _has_content(inlines) -> bool:
    for inline in inlines:
        if isinstance(inline, ir.Text):
            if inline.text.strip():
                return True
        elif not isinstance(inline, ir.LineBreak):
            return True
    return False


def _build_lists(entries: list[_ListEntry]) -> list[ir.ListBlock]:
    lists = []
    index = 0
    while index < len(entries):
        block, index = _build_list(entries, index, entries[index].depth)
        lists.append(block)
    return lists


def _build_list(entries: list[_ListEntry], index: int, depth: int) -> tuple[ir.ListBlock, int]:
    ordered, start = entries[index].ordered, entries[index].start
    items: list[list] = []
    while index < len(entries) and entries[index].depth >= depth:
        entry = entries[index]
        if entry.depth == depth:
            if items and entry.ordered != ordered:
                break
            items.append(list(entry.blocks))
            index += 1
        else:
            inner, index = _build_list(entries, index, entry.depth)
            if not items:
                items.append([])
            items[-1].append(inner)
    return ir.ListBlock(ordered, tuple(tuple(item) for item in items), start if ordered else 1), index


def read_docx(data: bytes, options: Mapping[str, str]) -> ir.Document:
    return _DocxReader(_Package(data)).read()


# ============================================================================ registration


@hookimpl
def briefconv_register_formats(register) -> None:
    register(Format(
        name="docx",
        extensions=(".docx",),
        reader=read_docx,
        writer=write_docx,
        binary=True,
        description="Word document with native endnotes or footnotes, title-block styles and core properties",
    ))
