"""The DOCX reader: a Word file's parts into a Document.

What it keeps and loses is listed in :mod:`briefconv.formats.docx`.  The zip is read with
:mod:`zipfile` after its unpacked sizes are checked, the XML with lxml (no entities, no
network); python-docx is not used.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Mapping

from briefconv import ir
from briefconv.dates import MONTHS
from briefconv.errors import InputError, warn
from briefconv.formats.docx_common import (
    ABSTRACT, AFFILIATION, AUTHOR, AUTHOR_DETAILS, BACK_BOOKMARK, DATE, DISCLAIMER, EMAIL, HONORIFIC, IDENTIFIER,
    IDENTIFIER_LABELS, KEYWORDS, LABEL, LICENCE, MAIN_DOCUMENT_REL, MASTHEAD, MAX_PART_BYTES, ORGANISATION,
    PLACE, R_NS, ROLE, SERIES, SERIES_NUMBER, W_NS, check_zip_sizes, local_name, w,
)

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

        check_zip_sizes(data, what="file")
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
    """A paragraph or character style's own settings, before basedOn is followed."""

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
                if level is not None:
                    outline = _level(level.get(w("val")))
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
            _level(level_value))


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


def _level(value: str | None) -> int | None:
    """A level number as Word writes it (ASCII digits), else None: "²" passes isdigit()."""
    return int(value) if value and value.isascii() and value.isdigit() else None


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
    """A list being built from numbered paragraphs: its depth, kind, start and items so far."""

    depth: int
    ordered: bool
    start: int
    blocks: list


@dataclass
class _Field:
    """A Word field (w:fldChar ... w:instrText) being read: its instruction and where we are in it."""

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


def _parse_identifier(text: str) -> tuple[str, str]:
    """'ISSN 2347-3703' -> ('issn', '2347-3703'); 'scheme: value' for schemes without a label."""
    text = " ".join(text.split())
    for scheme, label in IDENTIFIER_LABELS.items():
        if text.startswith(label + " "):
            return scheme, text[len(label) + 1:]
    scheme, _, value = text.partition(": ")
    return (scheme.lower(), value) if value else ("identifier", text)


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
