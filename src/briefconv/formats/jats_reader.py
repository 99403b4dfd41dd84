"""JATS reader (format ``jats``); what it keeps and loses is listed in
:mod:`briefconv.formats.jats`.  It never loads a DTD nor touches the network."""

from __future__ import annotations

import re
from typing import Mapping

from briefconv import ir
from briefconv.dates import iso_parts
from briefconv.errors import InputError, warn
from briefconv.formats.jats_common import (
    ALI, DISCLAIMER, FOOTNOTE, XLINK, XML_LANG, normal_text, only_note_refs, plain_inlines, slug,
    squeeze,
)

_ORDERED_LIST_TYPES = {"order", "alpha-lower", "alpha-upper", "roman-lower", "roman-upper"}
_INLINE_TAGS = {
    "italic": ir.Emphasis, "em": ir.Emphasis, "bold": ir.Strong, "strong": ir.Strong,
    "sup": ir.Superscript, "sub": ir.Subscript,
}
# Content the IR cannot hold, named in one warning each.
_UNSUPPORTED = {
    "table-wrap": "tables", "table": "tables", "table-wrap-group": "tables",
    "fig": "figures", "fig-group": "figures", "graphic": "figures", "media": "media",
    "disp-formula": "formulas", "inline-formula": "formulas", "math": "formulas",
    "tex-math": "formulas", "disp-formula-group": "formulas", "chem-struct-wrap": "formulas",
    "inline-graphic": "inline images", "supplementary-material": "supplementary material",
    "glossary": "glossaries", "code": "code blocks", "preformat": "preformatted text",
    "array": "tables", "alternatives": "alternative forms",
}
# Block-level elements JATS allows inside a paragraph; the reader splits the paragraph there.
_BLOCKS_IN_P = {
    "list", "disp-quote", "def-list", "boxed-text", "verse-group", "table-wrap", "table-wrap-group",
    "fig", "fig-group", "disp-formula", "disp-formula-group", "preformat", "code",
}
_SKIPPED_SILENTLY = {"label", "title", "sec-meta", "object-id", "permissions", "alt-title"}


def _local(element) -> str:
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


class _JatsReader:
    """Turns one parsed ``<article>`` into a Document; holds the notes found on the way."""

    def __init__(self, root) -> None:
        self.root = root
        self.warned: set[str] = set()
        self.fn_elements = {el.get("id"): el for el in root.iter("fn") if el.get("id")}
        self.disclaimer_fns = set(self._disclaimer_elements())
        self.notes: list[ir.Note] = []
        # keyed by the element itself: holding it keeps lxml from making a new proxy for it
        self.note_ids: dict[object, str] = {}  # fn element -> note id
        self.note_labels: dict[str, str] = {}  # note id -> label
        self.reading_note = False

    def warn_once(self, message: str) -> None:
        if message not in self.warned:
            self.warned.add(message)
            warn(f"JATS: {message}")

    # ------------------------------------------------------------------ document

    def document(self) -> ir.Document:
        self._collect_notes()
        body = self.root.find("body")
        blocks = self._flow(body, level=1) if body is not None else ()
        back = self.root.find("back")
        back_blocks = self._back(back) if back is not None else ()
        for child in self.root:
            if _local(child) in ("sub-article", "response"):
                self.warn_once("sub-articles and responses are not kept")
        return ir.Document(self._metadata(), blocks, back_blocks, tuple(self.notes))

    # --------------------------------------------------------------------- notes

    def _collect_notes(self) -> None:
        """Every ``fn`` outside the front matter becomes a note, in document order."""
        front = self.root.find("front")
        fns = [fn for fn in self.root.iter("fn") if front is None or not _is_inside(fn, front)]
        for number, fn in enumerate(fns, start=1):
            note_id = fn.get("id") or f"fn{number}"
            while note_id in self.note_labels:  # ids repeated in invalid input stay apart
                note_id += "-again"
            self.note_ids[fn] = note_id
            self.note_labels[note_id] = _note_label(fn, number)
        self.notes = [self._note(fn) for fn in fns]

    def _note(self, fn) -> ir.Note:
        self.reading_note = True
        try:
            blocks = self._flow(fn, level=1, headings=False)
        finally:
            self.reading_note = False
        kind = "footnote" if fn.get("specific-use") == FOOTNOTE else "endnote"
        note_id = self.note_ids[fn]
        return ir.Note(note_id, self.note_labels[note_id], blocks, kind)

    # -------------------------------------------------------------------- blocks

    def _flow(self, container, level: int, headings: bool = True) -> tuple[ir.Block, ...]:
        """The blocks inside ``container`` (body, sec, fn, list-item, …)."""
        blocks: list[ir.Block] = []
        for child in container:
            blocks.extend(self._block(child, level, headings))
        return tuple(blocks)

    def _block(self, element, level: int, headings: bool) -> list[ir.Block]:
        name = _local(element)
        if name in ("p", "attrib", "license-p", "verse-line"):
            return self._paragraph(element)
        if name in ("sec", "ack", "app", "bio", "notes", "boxed-text", "statement"):
            return self._section(element, level, headings)
        if name == "list":
            return [self._list(element)]
        if name == "disp-quote":
            return [ir.BlockQuote(self._flow(element, level, headings=False))]
        if name in ("verse-group", "app-group", "sig-block", "sig"):
            return list(self._flow(element, level, headings))
        if name == "def-list":
            return self._definitions(element)
        if name == "fn-group" or name == "fn":
            return []  # notes are collected separately
        if name == "ref-list":
            return self._references(element, level, headings)
        if name in _UNSUPPORTED:
            self.warn_once(f"{_UNSUPPORTED[name]} are not kept")
            return []
        if name in _SKIPPED_SILENTLY or not name:
            return []
        self.warn_once(f"<{name}> is not understood; only its text is kept")
        inlines = squeeze(self._inlines(element))
        return [ir.Paragraph(inlines)] if inlines else []

    def _paragraph(self, element) -> list[ir.Block]:
        """A ``p``: JATS lets lists, quotes and tables sit inside one, the IR does not."""
        blocks: list[ir.Block] = []
        pending: list[ir.Inline] = list(self._text(element.text))
        for child in element:
            name = _local(child)
            if name in _BLOCKS_IN_P:
                blocks.extend(_paragraph_of(pending))
                pending = []
                blocks.extend(self._block(child, 1, headings=False))
            else:
                pending.extend(self._inline(child))
            pending.extend(self._text(child.tail))
        blocks.extend(_paragraph_of(pending))
        return blocks

    def _section(self, element, level: int, headings: bool) -> list[ir.Block]:
        name = _local(element)
        if name == "notes" and element.get("notes-type") == DISCLAIMER:
            return []  # read into the metadata
        title = element.find("title")
        label = element.find("label")
        heading: list[ir.Inline] = []
        if label is not None and normal_text("".join(label.itertext())):
            heading.append(ir.Text(normal_text("".join(label.itertext())) + " "))
        if title is not None:
            heading.extend(self._inlines(title))
        if name == "ack" and not squeeze(heading):
            heading = [ir.Text("Acknowledgments")]
        heading_inlines = squeeze(heading)
        has_heading = bool(heading_inlines) or (title is not None and name == "sec")
        blocks: list[ir.Block] = []
        if has_heading:
            if headings:
                blocks.append(ir.Heading(level, heading_inlines))
            else:
                blocks.append(ir.Paragraph((ir.Strong(heading_inlines),)))
        inner_level = level + 1 if has_heading else level
        blocks.extend(self._flow(element, inner_level, headings))
        return blocks

    def _list(self, element) -> ir.ListBlock:
        ordered = element.get("list-type") in _ORDERED_LIST_TYPES
        items = []
        start = 1
        for index, item in enumerate(element.findall("list-item")):
            label = item.find("label")
            if index == 0 and ordered and label is not None:
                match = re.match(r"^\s*(\d+)", "".join(label.itertext()))
                start = int(match.group(1)) if match else 1
            items.append(self._flow(item, 1, headings=False))
        return ir.ListBlock(ordered, tuple(items), start)

    def _definitions(self, element) -> list[ir.Block]:
        blocks: list[ir.Block] = []
        for item in element.iter("def-item"):
            term = item.find("term")
            if term is not None:
                blocks.append(ir.Paragraph((ir.Strong(squeeze(self._inlines(term))),)))
            for definition in item.findall("def"):
                blocks.extend(self._flow(definition, 1, headings=False))
        return blocks

    def _references(self, ref_list, level: int, headings: bool) -> list[ir.Block]:
        """A reference list as a titled part with one paragraph per reference."""
        title = ref_list.find("title")
        heading = squeeze(self._inlines(title)) if title is not None else ()
        heading = heading or (ir.Text("References"),)
        blocks: list[ir.Block] = [ir.Heading(level, heading) if headings else ir.Paragraph((ir.Strong(heading),))]
        for ref in ref_list.iter("ref"):
            inlines: list[ir.Inline] = []
            label = ref.find("label")
            if label is not None and _plain_text(label):
                inlines.append(ir.Text(_plain_text(label) + " "))
            for citation in ref:
                name = _local(citation)
                if name == "mixed-citation":
                    inlines.extend(self._inlines(citation))
                elif name in ("element-citation", "nlm-citation"):
                    self.warn_once("structured references (element-citation) are kept as plain text")
                    inlines.append(ir.Text(", ".join(
                        normal_text(t) for t in citation.itertext() if normal_text(t))))
            blocks.extend(_paragraph_of(inlines))
        return blocks

    def _back(self, back) -> tuple[ir.Block, ...]:
        blocks: list[ir.Block] = []
        for child in back:
            blocks.extend(self._block(child, 1, headings=True))
        return tuple(blocks)

    # ------------------------------------------------------------------- inlines

    def _inlines(self, element) -> list[ir.Inline]:
        """The content of ``element`` (its text, children and their tails) as inlines."""
        out: list[ir.Inline] = list(self._text(element.text))
        for child in element:
            out.extend(self._inline(child))
            out.extend(self._text(child.tail))
        return out

    @staticmethod
    def _text(text: str | None) -> list[ir.Inline]:
        return [ir.Text(text)] if text else []

    def _inline(self, element) -> list[ir.Inline]:
        from lxml import etree

        if isinstance(element, etree._Entity):
            return self._entity(element)
        if not isinstance(element.tag, str):  # comment or processing instruction
            return []
        name = _local(element)
        if name in _INLINE_TAGS:
            children = self._inlines(element)
            if name == "sup" and only_note_refs(children):
                return children  # <sup><xref ref-type="fn">1</xref></sup>: the mark itself
            return [_INLINE_TAGS[name](tuple(children))]
        if name in ("ext-link", "uri", "self-uri"):
            url = element.get(f"{{{XLINK}}}href") or normal_text("".join(element.itertext()))
            children = self._inlines(element) or [ir.Text(url)]
            return [ir.Link(url, tuple(children))] if url else children
        if name == "xref":
            return self._xref(element)
        if name == "fn":  # a note written in place (PMC does this)
            return [ir.NoteRef(self.note_ids[element])] if element in self.note_ids else []
        if name == "break":
            return [ir.LineBreak()]
        if name in _UNSUPPORTED:
            self.warn_once(f"{_UNSUPPORTED[name]} are not kept")
            return []
        if name in ("label",):
            return []
        # monospace, underline, sc, styled-content, named-content, abbrev…: keep the text
        return self._inlines(element)

    def _xref(self, element) -> list[ir.Inline]:
        targets = [rid for rid in (element.get("rid") or "").split() if rid]
        note_targets = [rid for rid in targets if self._is_note(rid)]
        if not note_targets:
            return self._inlines(element)  # a link to a figure, reference, …: keep its text
        label = self.note_labels[note_targets[0]]
        children = tuple(self._inlines(element))  # squeezed with the whole paragraph
        shown = plain_inlines(children)
        if self.reading_note or (len(note_targets) == 1 and shown and shown != label):
            # "Ibid.", "n. 4": a note referring to another note by words, not by its mark
            return [ir.NoteCrossRef(note_targets[0], children if shown else (ir.Text(label),))]
        return [ir.NoteRef(rid) for rid in note_targets]

    def _is_note(self, rid: str) -> bool:
        fn = self.fn_elements.get(rid)
        return fn is not None and fn in self.note_ids

    def _entity(self, entity) -> list[ir.Inline]:
        import html.entities

        name = entity.name
        value = html.entities.html5.get(f"{name};")
        if value is None:
            self.warn_once(f"the entity &{name}; cannot be expanded and was dropped")
            return []
        return [ir.Text(value)]

    # ------------------------------------------------------------------ metadata

    def _disclaimer_elements(self):
        for fn in self.root.iterfind("front/article-meta/author-notes/fn"):
            text = normal_text("".join(fn.itertext()))
            if fn.get("specific-use") == DISCLAIMER or text.lower().startswith("disclaimer"):
                yield fn
        for notes in self.root.iter("notes"):
            if notes.get("notes-type") == DISCLAIMER:
                yield notes

    def _metadata(self) -> ir.Metadata:
        article_meta = self.root.find("front/article-meta")
        journal_meta = self.root.find("front/journal-meta")
        fields: dict = {}
        identifiers: dict[str, str] = {}
        extra: dict[str, str] = {}
        if self.root.get("article-type"):
            extra["article-type"] = self.root.get("article-type")
        if self.root.get(XML_LANG):
            fields["language"] = self.root.get(XML_LANG)
        series_name, series_number = None, None
        if journal_meta is not None:
            series_name, journal_fields = self._journal(journal_meta, identifiers)
            fields.update(journal_fields)
        if article_meta is not None:
            series_number = self._article_ids(article_meta, identifiers)
            fields.update(self._article_fields(article_meta, identifiers))
        if series_name or series_number:
            fields["series"] = ir.Series(series_name, series_number)
        journal_id = identifiers.get("journal-id")
        if journal_id and series_name and journal_id == slug(series_name):
            del identifiers["journal-id"]  # the writer derives it again
        disclaimer = self._disclaimer()
        if disclaimer:
            fields["disclaimer"] = disclaimer
        author_notes = self.root.find("front/article-meta/author-notes")
        if author_notes is not None and any(
            child not in self.disclaimer_fns and isinstance(child.tag, str) and _local(child) in ("fn", "corresp", "p")
            for child in author_notes
        ):
            self.warn_once("author notes other than a disclaimer (correspondence, conflicts…) are not kept")
        return ir.Metadata(**fields, identifiers=identifiers, extra=extra)

    def _journal(self, journal_meta, identifiers: dict[str, str]) -> tuple[str | None, dict]:
        fields: dict = {}
        journal_ids = [normal_text(el.text or "") for el in journal_meta.findall("journal-id")]
        preferred = journal_meta.find("journal-id[@journal-id-type='publisher-id']")
        if preferred is not None and normal_text(preferred.text or ""):
            identifiers["journal-id"] = normal_text(preferred.text or "")
        elif any(journal_ids):
            identifiers["journal-id"] = next(j for j in journal_ids if j)
        title = journal_meta.find(".//journal-title")
        series_name = _plain_text(title) or None if title is not None else None
        for issn in journal_meta.findall("issn"):
            electronic = issn.get("publication-format") == "electronic" or issn.get("pub-type") == "epub"
            value = _plain_text(issn)
            if value:
                identifiers.setdefault("eissn" if electronic else "issn", value)
        isbn = journal_meta.find("isbn")
        if isbn is not None and _plain_text(isbn):
            identifiers["isbn"] = _plain_text(isbn)
        publisher_name = journal_meta.find("publisher/publisher-name")
        if publisher_name is not None and _plain_text(publisher_name):
            place = journal_meta.find("publisher/publisher-loc")
            fields["publisher"] = ir.Publisher(
                _plain_text(publisher_name), (_plain_text(place) or None) if place is not None else None
            )
        return series_name, fields

    def _article_ids(self, article_meta, identifiers: dict[str, str]) -> str | None:
        series_number = None
        for article_id in article_meta.findall("article-id"):
            value = _plain_text(article_id)
            scheme = article_id.get("pub-id-type") or "other"
            if not value:
                continue
            if scheme == "publisher-id" and series_number is None:
                series_number = value
            elif scheme == "other" and article_id.get("specific-use"):
                identifiers.setdefault(article_id.get("specific-use"), value)
            else:
                identifiers.setdefault(scheme, value)
        self_uri = article_meta.find("self-uri")
        if self_uri is not None and self_uri.get(f"{{{XLINK}}}href"):
            identifiers["url"] = self_uri.get(f"{{{XLINK}}}href")
        return series_number

    def _article_fields(self, article_meta, identifiers: dict[str, str]) -> dict:
        fields: dict = {}
        title = article_meta.find("title-group/article-title")
        if title is not None and _plain_text(title):
            fields["title"] = _plain_text(title)
        subtitle = article_meta.find("title-group/subtitle")
        if subtitle is not None and _plain_text(subtitle):
            fields["subtitle"] = _plain_text(subtitle)
        authors = self._authors(article_meta)
        if authors:
            fields["authors"] = authors
        date = self._date(article_meta)
        if date:
            fields["date"] = date
        licence = self._licence(article_meta)
        if licence:
            fields["licence"] = licence
        abstract = article_meta.find("abstract")
        if abstract is not None:
            text = "\n\n".join(
                _plain_text(p) for p in abstract.iter("p", "title") if _plain_text(p)
            )
            if text:
                fields["abstract"] = text
        keywords: list[str] = []
        for kwd in article_meta.iterfind("kwd-group/kwd"):
            text = _plain_text(kwd)
            if text and text not in keywords:
                keywords.append(text)
        if keywords:
            fields["keywords"] = tuple(keywords)
        return fields

    def _authors(self, article_meta) -> tuple[ir.Author, ...]:
        affiliations = {aff.get("id"): _affiliation_text(aff) for aff in article_meta.iter("aff") if aff.get("id")}
        authors = []
        for contrib in article_meta.iterfind("contrib-group/contrib"):
            if contrib.get("contrib-type", "author") != "author":
                continue
            author = self._author(contrib, affiliations)
            if author is not None:
                authors.append(author)
        return tuple(authors)

    def _author(self, contrib, affiliations: dict[str, str]) -> ir.Author | None:
        name_element = contrib.find("name")
        if name_element is None:
            name_element = contrib.find("name-alternatives/name")
        string_name = contrib.find("string-name")
        if string_name is None:
            string_name = contrib.find("name-alternatives/string-name")
        given = family = honorific = None
        full = None
        if name_element is not None:
            family = _child_text(name_element, "surname")
            given = _child_text(name_element, "given-names")
            honorific = _child_text(name_element, "prefix")
            parts = [p for p in (given, family) if p]
            if name_element.get("name-style") in ("eastern",):
                parts.reverse()
            full = " ".join(parts)
        if string_name is not None:
            honorific = honorific or _child_text(string_name, "prefix")
            full = normal_text("".join(
                t for node, t in _text_without(string_name, {"prefix"})
            )) or full
        collab = contrib.find("collab")
        if not full and collab is not None:
            full = _plain_text(collab)
        if not full:
            return None
        role = _child_text(contrib, "role")
        email = _child_text(contrib, "email")
        own = []
        for xref in contrib.findall("xref"):
            if xref.get("ref-type") == "aff":
                own.extend(affiliations[r] for r in (xref.get("rid") or "").split() if affiliations.get(r))
        own.extend(_affiliation_text(aff) for aff in contrib.findall("aff") if _affiliation_text(aff))
        return ir.Author(full, given or None, family or None, honorific or None, role or None,
                         tuple(dict.fromkeys(own)), email or None)

    def _date(self, article_meta) -> str | None:
        dates = article_meta.findall("pub-date")
        if not dates:
            return None
        preferred = [d for d in dates if d.get("date-type") == "pub" or d.get("pub-type") in ("epub", "ppub", "pub")]
        element = (preferred or dates)[0]
        iso = element.get("iso-8601-date")
        if iso and iso_parts(iso):
            return iso.strip()
        year = _child_text(element, "year")
        if not _ascii_number(year):
            return None
        result = year
        month = _child_text(element, "month")
        if _ascii_number(month):
            result += f"-{int(month):02d}"
            day = _child_text(element, "day")
            if _ascii_number(day):
                result += f"-{int(day):02d}"
        return result

    def _licence(self, article_meta) -> ir.Licence | None:
        licence = article_meta.find("permissions/license")
        if licence is None:
            return None
        url = licence.get(f"{{{XLINK}}}href")
        if not url:
            ref = licence.find(f"{{{ALI}}}license_ref")
            url = _plain_text(ref) if ref is not None else None
        text = "\n\n".join(_plain_text(p) for p in licence.findall("license-p") if _plain_text(p))
        if not (url or text):
            return None
        return ir.Licence(text or None, url or None)

    def _disclaimer(self) -> str | None:
        paragraphs = []
        for element in self.disclaimer_fns:
            for p in element.iter("p"):
                text = _plain_text(p)
                if element.get("specific-use") != DISCLAIMER:
                    text = re.sub(r"^disclaimer\s*:?\s*", "", text, flags=re.IGNORECASE)
                if text:
                    paragraphs.append(text)
        return "\n\n".join(paragraphs) or None


def _note_label(fn, number: int) -> str:
    """The mark of a note: its ``label``, else its ``symbol``, else its number."""
    label = fn.find("label")
    if label is not None and normal_text("".join(label.itertext())):
        return normal_text("".join(label.itertext()))
    return fn.get("symbol") or str(number)


def _paragraph_of(inlines: list[ir.Inline]) -> list[ir.Block]:
    squeezed = squeeze(inlines)
    return [ir.Paragraph(squeezed)] if squeezed else []


def _is_inside(element, ancestor) -> bool:
    return any(parent is ancestor for parent in element.iterancestors())


def _plain_text(element) -> str:
    return normal_text("".join(t for _, t in _text_without(element, set())))


def _text_without(element, skip: set[str]):
    """(node, text) pairs of ``element``'s text, leaving out the subtrees named in ``skip``."""
    if element.text and isinstance(element.tag, str):
        yield element, element.text
    for child in element:
        if isinstance(child.tag, str) and _local(child) not in skip:
            yield from _text_without(child, skip)
        if child.tail:
            yield child, child.tail


def _ascii_number(text: str | None) -> bool:
    """Whether ``text`` is a number in ASCII digits: "²" and "٣" pass isdigit() too."""
    return bool(text) and text.isascii() and text.isdigit()


def _child_text(element, tag: str) -> str | None:
    child = element.find(tag)
    return (_plain_text(child) or None) if child is not None else None


def _affiliation_text(aff) -> str:
    return normal_text("".join(t for _, t in _text_without(aff, {"label"})))


def read_jats(data: bytes, options: Mapping[str, str]) -> ir.Document:
    from briefconv.validate import parse_untrusted

    root = parse_untrusted(data).getroot()
    if _local(root) != "article":
        raise InputError(f"not a JATS article: the root element is <{_local(root)}>, not <article>")
    return _JatsReader(root).document()
