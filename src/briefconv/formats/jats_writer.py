"""JATS writer (formats ``jats`` and ``jats_publishing``); what it keeps and loses is
listed in :mod:`briefconv.formats.jats`.

The article is built as a small tree of :class:`_Element` (so that empty paragraphs and
parts can still be dropped and element-only content indented once it is complete) and
written out as text, escaped and laid out exactly as lxml would write it: a conversion
to JATS never imports lxml, whose import alone costs more than the whole write.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Iterable, Iterator, Mapping

from briefconv import ir
from briefconv.dates import iso_parts
from briefconv.errors import MissingMetadataError, warn
from briefconv.formats.jats_common import (
    ALI, DISCLAIMER, FOOTNOTE, XLINK, normal_text, only_note_refs, plain_inlines, slug, squeeze,
    with_children,
)
from briefconv.plaintext import plain_text
from briefconv.xmltext import escape_attribute, escape_text

MATHML = "http://www.w3.org/1998/Math/MathML"
#: The namespaces declared on ``article``, by prefix; names below are written with these prefixes.
_NAMESPACES = {"xlink": XLINK, "mml": MATHML, "ali": ALI}

ARCHIVING = "archiving"
PUBLISHING = "publishing"

#: The DOCTYPE of each tag set: root element, public id, system id.
DOCTYPES = {
    ARCHIVING: (
        "-//NLM//DTD JATS (Z39.96) Journal Archiving and Interchange DTD v1.1 20151215//EN",
        "JATS-archivearticle1.dtd",
    ),
    PUBLISHING: (
        "-//NLM//DTD JATS (Z39.96) Journal Publishing DTD v1.1 20151215//EN",
        "JATS-journalpublishing1.dtd",
    ),
}

#: Identifier schemes written in journal-meta or self-uri rather than as article-id.
_JOURNAL_IDENTIFIERS = {"issn", "eissn", "isbn", "journal-id", "url"}
#: The article-id types JATS Publishing names; other schemes are written as "other".
_PUB_ID_TYPES = {
    "accession", "ark", "art-access-id", "arxiv", "coden", "doaj", "doi", "handle", "manuscript",
    "medline", "pii", "pmcid", "pmid", "sici", "std-designation",
}
_ACK_TITLE = re.compile(r"^\s*acknowledge?ments?\s*$", re.IGNORECASE)
# Characters XML 1.0 cannot hold at all (C0 controls other than tab/newline/CR, and
# the two non-characters at the end of the BMP).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

# Elements whose content is other elements only: the writer indents inside these
# and nowhere else, so no whitespace is ever added to text a reader would keep.
_ELEMENT_ONLY = {
    "article", "front", "journal-meta", "journal-title-group", "publisher",
    "article-meta", "title-group", "contrib-group", "contrib", "name",
    "name-alternatives", "author-notes", "pub-date", "permissions", "license",
    "abstract", "kwd-group", "body", "sec", "back", "fn-group", "fn", "ack", "notes",
    "list", "list-item", "disp-quote",
}


class _WriteContext:
    """What the writer needs to know while walking the document."""

    __slots__ = ("tagset", "note_ids", "note_labels", "warned")

    def __init__(self, tagset: str) -> None:
        self.tagset = tagset
        self.note_ids: dict[str, str] = {}  # IR note id -> XML id
        self.note_labels: dict[str, str] = {}  # IR note id -> label
        self.warned: set[str] = set()

    def warn_once(self, message: str) -> None:
        if message not in self.warned:
            self.warned.add(message)
            warn(f"JATS: {message}")


def xml_id(raw: str, prefix: str) -> str:
    """``raw`` made into an XML NCName: letters, digits, '-', '_', '.'; never starting with a digit."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", unicodedata.normalize("NFKD", raw)).strip("-.")
    if not cleaned or not (cleaned[0].isalpha() or cleaned[0] == "_"):
        cleaned = f"{prefix}{cleaned}"
    return cleaned


def derived_journal_id(metadata: ir.Metadata) -> str | None:
    """The journal id given with ``-M journal-id=…``, else one derived from the series name."""
    given = metadata.identifiers.get("journal-id")
    if given:
        return given
    if metadata.series and metadata.series.name:
        return slug(metadata.series.name) or None
    return None


def _clean(text: str, ctx: _WriteContext) -> str:
    if _NOT_XML.search(text):
        ctx.warn_once("dropped control characters that XML cannot hold")
        return _NOT_XML.sub("", text)
    return text


class _Element:
    """An element of the article being written: the little of lxml's element the writer
    uses (``tag``, ``attrib``, ``text``, ``tail``, children), serialised by
    :func:`serialize` exactly as lxml would, without importing lxml."""

    __slots__ = ("tag", "attrib", "text", "tail", "children")

    def __init__(self, tag: str, attrib: dict[str, str]) -> None:
        self.tag = tag
        self.attrib = attrib  # qualified names ("xlink:href") in the order they were set
        self.text: str | None = None
        self.tail: str | None = None
        self.children: list[_Element] = []

    def __len__(self) -> int:
        return len(self.children)

    def __iter__(self) -> Iterator[_Element]:
        return iter(self.children)

    def __getitem__(self, index: int) -> _Element:
        return self.children[index]

    def set(self, name: str, value: str) -> None:
        self.attrib[name] = value

    def remove(self, child: _Element) -> None:
        self.children.remove(child)

    def findall(self, tag: str) -> list[_Element]:
        return [child for child in self.children if child.tag == tag]

    def itertext(self) -> Iterator[str]:
        """The text inside the element, in document order (its own tail excluded)."""
        if self.text:
            yield self.text
        for child in self.children:
            yield from child.itertext()
            if child.tail:
                yield child.tail


def _sub(parent: _Element, tag: str, text: str | None = None, ctx: _WriteContext | None = None,
         **attributes: str) -> _Element:
    # keyword arguments spell attribute names with '_' for '-': ref_type="fn" -> ref-type="fn"
    element = _Element(tag, {k.replace("_", "-"): v for k, v in attributes.items()})
    parent.children.append(element)
    if text is not None:  # metadata values are one line; whitespace in them means nothing
        element.text = normal_text(_clean(text, ctx)) if ctx else text
    return element


def _append_text(parent: _Element, text: str) -> None:
    """Add ``text`` at the end of ``parent``'s content (after its last child, if any)."""
    if len(parent):
        last = parent[-1]
        last.tail = (last.tail or "") + text
    else:
        parent.text = (parent.text or "") + text


# ------------------------------------------------------------------------- inlines


_MARKUP_TAGS = {ir.Emphasis: "italic", ir.Strong: "bold", ir.Superscript: "sup", ir.Subscript: "sub"}


def _inlines(parent: _Element, inlines: Iterable[ir.Inline], ctx: _WriteContext) -> None:
    """Write ``inlines`` into ``parent``; they have been through :func:`_writable` and
    :func:`squeeze`, so every line break left is in a title and every note exists."""
    for node in inlines:
        if isinstance(node, ir.Text):
            _append_text(parent, _clean(node.text, ctx))
        elif isinstance(node, ir.LineBreak):
            _sub(parent, "break")
        elif type(node) in _MARKUP_TAGS:
            _inlines(_sub(parent, _MARKUP_TAGS[type(node)]), node.children, ctx)
        elif isinstance(node, ir.Link):
            link = _sub(parent, "ext-link", ext_link_type="uri")
            link.set("xlink:href", _clean(node.url, ctx))
            _inlines(link, node.children, ctx)
            _show_at_least(link, _clean(node.url, ctx))
        elif isinstance(node, ir.NoteRef):
            _sub(parent, "xref", ctx.note_labels[node.note_id], ctx, ref_type="fn", rid=ctx.note_ids[node.note_id])
        elif isinstance(node, ir.NoteCrossRef):
            xref = _sub(parent, "xref", ref_type="fn", rid=ctx.note_ids[node.note_id])
            _inlines(xref, node.children, ctx)
            _show_at_least(xref, _clean(ctx.note_labels[node.note_id], ctx))


def _show_at_least(link: _Element, fallback: str) -> None:
    """A link without visible text shows ``fallback`` (its address, the note's label)."""
    if not "".join(link.itertext()).strip():
        link.text = (link.text or "") + fallback


# -------------------------------------------------------------------------- blocks


def _paragraph(parent, children, ctx: _WriteContext) -> None:
    """A ``p``, unless there is nothing in it (an empty paragraph shows nothing)."""
    squeezed = squeeze(_writable(children, ctx, keep=False))
    if squeezed:
        paragraph = _sub(parent, "p")
        _inlines(paragraph, squeezed, ctx)
        if not len(paragraph) and not paragraph.text:  # it held only dropped references
            parent.remove(paragraph)


def _blocks(parent: _Element, blocks: Iterable[ir.Block], ctx: _WriteContext) -> None:
    """Blocks into ``parent``, where a heading cannot be (a list, quote or note)."""
    for block in blocks:
        if isinstance(block, ir.Paragraph):
            _paragraph(parent, block.children, ctx)
        elif isinstance(block, ir.Heading):
            ctx.warn_once("a heading inside a list, quote or note became a bold paragraph")
            _paragraph(parent, (ir.Strong(block.children),), ctx)
        elif isinstance(block, ir.BlockQuote):
            _quote(parent, block, ctx)
        elif isinstance(block, ir.ListBlock) and block.items:
            _list(parent, block, ctx)


def _holder(parent: _Element, tag: str) -> _Element:
    """Where a ``list`` or ``disp-quote`` can go: a note holds only paragraphs and a
    list item only paragraphs and lists, so there it goes inside a ``p``."""
    if parent.tag == "fn" or (parent.tag == "list-item" and tag != "list"):
        return _sub(parent, "p")
    return parent


def _quote(parent, block: ir.BlockQuote, ctx: _WriteContext) -> None:
    _blocks(_sub(_holder(parent, "disp-quote"), "disp-quote"), block.blocks, ctx)


def _list(parent, block: ir.ListBlock, ctx: _WriteContext) -> None:
    parent = _holder(parent, "list")
    element = _sub(parent, "list", list_type="order" if block.ordered else "bullet")
    # JATS has no start number: a list that does not start at 1 labels every item
    labelled = block.ordered and block.start != 1
    for number, item in enumerate(block.items, start=block.start):
        list_item = _sub(element, "list-item")
        if labelled:
            _sub(list_item, "label", f"{number}.")
        _blocks(list_item, item, ctx)
        if not any(child.tag in ("p", "list") for child in list_item):
            _sub(list_item, "p")  # a list item needs a paragraph


def _sections(parent: _Element, blocks: tuple[ir.Block, ...], ctx: _WriteContext, id_prefix: str,
              section_tag: str = "sec") -> None:
    """Blocks with headings as nested ``sec`` elements following the heading levels."""
    stack: list[tuple[int, _Element, list[int]]] = [(0, parent, [0])]  # level, element, child counter
    for block in blocks:
        if isinstance(block, ir.Heading):
            while len(stack) > 1 and stack[-1][0] >= block.level:
                stack.pop()
            _, container, counter = stack[-1]
            counter[0] += 1
            numbers = [str(entry[2][0]) for entry in stack]
            tag = section_tag if len(stack) == 1 else "sec"
            section = _sub(container, tag, id=f"{id_prefix}-{'-'.join(numbers)}")
            _inlines(_sub(section, "title"), squeeze(_writable(block.children, ctx, keep=True)), ctx)
            stack.append((block.level, section, [0]))
        else:
            _blocks(stack[-1][1], (block,), ctx)


def _back_matter(back: _Element, blocks: tuple[ir.Block, ...], ctx: _WriteContext) -> None:
    """``Document.back``: acknowledgments as ``ack``, titled parts as ``sec``, the rest as ``notes``."""
    top = min((b.level for b in blocks if isinstance(b, ir.Heading)), default=1)
    groups: list[list[ir.Block]] = []
    for block in blocks:
        if _shows_nothing(block):
            continue
        starts_part = isinstance(block, ir.Heading) and block.level <= top
        if starts_part or not groups:
            groups.append([block])
        else:
            groups[-1].append(block)
    for number, group in enumerate(groups, start=1):
        head = group[0]
        if not isinstance(head, ir.Heading):
            _sections(_sub(back, "notes", id=f"back-{number}"), tuple(group), ctx, f"back-{number}")
            continue
        tag = "ack" if _ACK_TITLE.match(plain_text(head.children)) else "sec"
        element = _sub(back, tag, id=f"back-{number}")
        _inlines(_sub(element, "title"), squeeze(_writable(head.children, ctx, keep=True)), ctx)
        _sections(element, tuple(group[1:]), ctx, f"back-{number}")


def _writable(inlines: Iterable[ir.Inline], ctx: _WriteContext, keep: bool) -> tuple[ir.Inline, ...]:
    """``inlines`` reduced to what JATS will show, before whitespace is squeezed.

    Line breaks become spaces where JATS has no ``break`` (everywhere but directly in
    a title; ``keep`` says whether this level is); references to notes that do not
    exist are dropped, cross-references to them keep their text.
    """
    out: list[ir.Inline] = []
    for node in inlines:
        if isinstance(node, ir.LineBreak):
            out.append(node if keep else ir.Text(" "))
        elif isinstance(node, ir.NoteRef) and node.note_id not in ctx.note_ids:
            ctx.warn_once(f"dropped a reference to note {node.note_id!r}, which does not exist")
        elif isinstance(node, ir.NoteCrossRef) and node.note_id not in ctx.note_ids:
            ctx.warn_once(f"a cross-reference to note {node.note_id!r}, which does not exist, keeps only its text")
            out.extend(_writable(node.children, ctx, keep))
        elif isinstance(node, ir.Superscript) and only_note_refs(list(_writable(node.children, ctx, keep))):
            # a superscript holding only note marks is how the marks look, not markup of its own
            out.extend(n for n in _writable(node.children, ctx, keep) if isinstance(n, ir.NoteRef))
        elif isinstance(node, (ir.Link, ir.NoteCrossRef)):
            hoisted: list[ir.Inline] = []
            inner = _link_content(_writable(node.children, ctx, keep=False), ctx, hoisted)
            if isinstance(node, ir.NoteCrossRef) and not plain_inlines(inner):
                out.append(ir.NoteRef(node.note_id))  # a cross-reference without words is just the mark
            else:
                out.append(with_children(node, inner))
            out.extend(hoisted)
        elif hasattr(node, "children"):
            out.append(with_children(node, _writable(node.children, ctx, keep)))
        else:
            out.append(node)
    return tuple(out)


def _link_content(inlines: tuple[ir.Inline, ...], ctx: _WriteContext, hoisted: list[ir.Inline]) -> tuple[ir.Inline, ...]:
    """What a link can hold in JATS: no link and no note mark inside it.

    A nested link keeps its text; a note mark moves into ``hoisted``, to follow the link.
    """
    out: list[ir.Inline] = []
    for node in inlines:
        if isinstance(node, ir.NoteRef):
            ctx.warn_once("a note reference inside a link was moved after the link")
            hoisted.append(node)
        elif isinstance(node, (ir.Link, ir.NoteCrossRef)):
            ctx.warn_once("a link inside a link keeps only its text")
            out.extend(_link_content(node.children, ctx, hoisted))
        elif hasattr(node, "children"):
            out.append(with_children(node, _link_content(node.children, ctx, hoisted)))
        else:
            out.append(node)
    return tuple(out)


def _shows_nothing(block: ir.Block) -> bool:
    """An empty paragraph or list: the writer leaves these out."""
    if isinstance(block, ir.Paragraph):
        return not squeeze(block.children)
    return isinstance(block, ir.ListBlock) and not block.items


def _notes(back: _Element, notes: tuple[ir.Note, ...], ctx: _WriteContext) -> None:
    group = _sub(back, "fn-group")
    for note in notes:
        kind = {"specific_use": FOOTNOTE} if note.kind == FOOTNOTE else {}
        fn = _sub(group, "fn", id=ctx.note_ids[note.id], **kind)
        _sub(fn, "label", note.label, ctx)
        _blocks(fn, note.blocks, ctx)
        if len(fn) == 1:
            _sub(fn, "p")  # a note needs a paragraph


# ------------------------------------------------------------------------ metadata


def _journal_meta(front, meta: ir.Metadata, ctx: _WriteContext) -> None:
    journal_id = derived_journal_id(meta)
    issn, eissn, isbn = (meta.identifiers.get(k) for k in ("issn", "eissn", "isbn"))
    publisher = meta.publisher if meta.publisher and meta.publisher.name else None
    if meta.publisher and not meta.publisher.name and meta.publisher.place:
        ctx.warn_once("a publisher place without a publisher name was dropped")
    series_name = meta.series.name if meta.series else None
    if ctx.tagset == PUBLISHING:
        _require_publishing_metadata(meta, journal_id)
    if not any((journal_id, series_name, issn, eissn, isbn, publisher)):
        return
    journal = _sub(front, "journal-meta")
    if journal_id:
        _sub(journal, "journal-id", journal_id, ctx, journal_id_type="publisher-id")
    if series_name:
        _sub(_sub(journal, "journal-title-group"), "journal-title", series_name, ctx)
    if issn:
        _sub(journal, "issn", issn, ctx)
    if eissn:
        _sub(journal, "issn", eissn, ctx, publication_format="electronic")
    if isbn:
        _sub(journal, "isbn", isbn, ctx)
    if publisher:
        element = _sub(journal, "publisher")
        _sub(element, "publisher-name", publisher.name, ctx)
        if publisher.place:
            _sub(element, "publisher-loc", publisher.place, ctx)


def _require_publishing_metadata(meta: ir.Metadata, journal_id: str | None) -> None:
    """Raise MissingMetadataError naming what Journal Publishing needs and how to give it."""
    missing = []
    if not (meta.identifiers.get("issn") or meta.identifiers.get("eissn")):
        missing.append("an ISSN (give it with -M issn=NNNN-NNNN)")
    if not journal_id:
        missing.append("a journal id (give it with -M journal-id=ID, or a series name with -M series=NAME)")
    if not meta.title:
        missing.append("a title (-M title=TEXT)")
    if not (meta.date and iso_parts(meta.date)):
        missing.append("a publication date (-M date=YYYY-MM-DD)")
    if missing:
        raise MissingMetadataError(
            f"JATS Publishing needs {', '.join(missing)}; "
            "or write the permissive Archiving tag set with -t jats"
        )


def _article_meta(front, meta: ir.Metadata, ctx: _WriteContext) -> None:
    article = _sub(front, "article-meta")
    if meta.series and meta.series.number:
        _sub(article, "article-id", meta.series.number, ctx, pub_id_type="publisher-id")
    for scheme, value in sorted(meta.identifiers.items()):
        if scheme in _JOURNAL_IDENTIFIERS:
            continue
        if scheme in _PUB_ID_TYPES:
            _sub(article, "article-id", value, ctx, pub_id_type=scheme)
        else:
            _sub(article, "article-id", value, ctx, pub_id_type="other", specific_use=_clean(scheme, ctx))
    if meta.title or meta.subtitle:
        group = _sub(article, "title-group")
        _sub(group, "article-title", meta.title or "", ctx)
        if meta.subtitle:
            _sub(group, "subtitle", meta.subtitle, ctx)
    _contributors(article, meta.authors, ctx)
    if meta.disclaimer:
        fn = _sub(_sub(article, "author-notes"), "fn", fn_type="other", specific_use=DISCLAIMER)
        for paragraph in _paragraphs(meta.disclaimer):
            _sub(fn, "p", paragraph, ctx)
    if meta.date:
        _pub_date(article, meta.date, ctx)
    if meta.licence and (meta.licence.text or meta.licence.url):
        _permissions(article, meta.licence, ctx)
    if meta.identifiers.get("url"):
        _sub(article, "self-uri").set("xlink:href", _clean(meta.identifiers["url"], ctx))
    if meta.abstract:
        abstract = _sub(article, "abstract")
        for paragraph in _paragraphs(meta.abstract):
            _sub(abstract, "p", paragraph, ctx)
    if meta.keywords:
        group = _sub(article, "kwd-group", kwd_group_type="author")
        for keyword in meta.keywords:
            _sub(group, "kwd", keyword, ctx)


def tidy_metadata(meta: ir.Metadata, ctx: _WriteContext | None = None) -> ir.Metadata:
    """``meta`` as JATS can hold it: one-line values without runs of whitespace, blank
    values as absent, keywords once each; abstract and disclaimer as paragraphs."""
    from dataclasses import replace

    def line(value: str | None) -> str | None:
        if value is None:
            return None
        return normal_text(_clean(value, ctx) if ctx else _NOT_XML.sub("", value)) or None

    def paragraphs(value: str | None) -> str | None:
        return "\n\n".join(_paragraphs(value)) or None if value else None

    authors = tuple(
        replace(a, name=line(a.name), given=line(a.given), family=line(a.family),
                honorific=line(a.honorific), role=line(a.role), email=line(a.email),
                affiliations=tuple(dict.fromkeys(filter(None, map(line, a.affiliations)))))
        for a in meta.authors if line(a.name)
    )
    publisher = meta.publisher and ir.Publisher(line(meta.publisher.name) or "", line(meta.publisher.place))
    series = meta.series and ir.Series(line(meta.series.name), line(meta.series.number))
    licence = meta.licence and ir.Licence(line(meta.licence.text), line(meta.licence.url))
    return replace(
        meta, title=line(meta.title), subtitle=line(meta.subtitle), authors=authors, date=line(meta.date),
        publisher=publisher if publisher and (publisher.name or publisher.place) else None,
        series=series if series and (series.name or series.number) else None,
        keywords=tuple(dict.fromkeys(filter(None, map(line, meta.keywords)))),
        licence=licence if licence and (licence.text or licence.url) else None,
        disclaimer=paragraphs(meta.disclaimer), abstract=paragraphs(meta.abstract),
        language=line(meta.language),
        identifiers={k: v for k, v in ((k, line(v)) for k, v in meta.identifiers.items()) if v},
    )


def _paragraphs(text: str) -> list[str]:
    parts = [normal_text(p) for p in re.split(r"\n[ \t\r]*\n", text)]
    return [p for p in parts if p]


def _contributors(article, authors: tuple[ir.Author, ...], ctx: _WriteContext) -> None:
    if not authors:
        return
    affiliations: list[str] = []
    for author in authors:
        for affiliation in author.affiliations:
            if affiliation not in affiliations:
                affiliations.append(affiliation)
    group = _sub(article, "contrib-group")
    for author in authors:
        contrib = _sub(group, "contrib", contrib_type="author")
        _name(contrib, author, ctx)
        if author.email:
            _sub(contrib, "email", author.email, ctx)
        if author.role:
            _sub(contrib, "role", author.role, ctx)
        for affiliation in author.affiliations:
            _sub(contrib, "xref", ref_type="aff", rid=f"aff{affiliations.index(affiliation) + 1}")
    for number, affiliation in enumerate(affiliations, start=1):
        _sub(group, "aff", affiliation, ctx, id=f"aff{number}")


def _name(contrib, author: ir.Author, ctx: _WriteContext) -> None:
    """``name`` when the surname is known and the printed name follows from the parts."""
    if not author.family:
        # Publishing allows a string-name only among name-alternatives
        holder = _sub(contrib, "name-alternatives") if ctx.tagset == PUBLISHING else contrib
        name = _sub(holder, "string-name", author.name, ctx)
        if author.honorific:
            name.text = None
            _sub(name, "prefix", author.honorific, ctx).tail = " " + _clean(author.name, ctx)
        return
    parts = [author.given, author.family] if author.given else [author.family]
    if author.name == " ".join(parts):
        style = None
    elif author.given and author.name == f"{author.family} {author.given}":
        style = "eastern"
    else:
        alternatives = _sub(contrib, "name-alternatives")
        _structured_name(alternatives, author, None, ctx)
        _sub(alternatives, "string-name", author.name, ctx)
        return
    _structured_name(contrib, author, style, ctx)


def _structured_name(parent, author: ir.Author, style: str | None, ctx: _WriteContext) -> None:
    name = _sub(parent, "name", **({"name_style": style} if style else {}))
    _sub(name, "surname", author.family, ctx)
    if author.given:
        _sub(name, "given-names", author.given, ctx)
    if author.honorific:
        _sub(name, "prefix", author.honorific, ctx)


def _pub_date(article, date: str, ctx: _WriteContext) -> None:
    parts = iso_parts(date)
    if parts is None:
        ctx.warn_once(f"the date {date!r} is not ISO 8601 (YYYY-MM-DD) and was dropped")
        return
    year, month, day = parts
    element = _sub(article, "pub-date", publication_format="electronic", date_type="pub",
                   iso_8601_date=date.strip())
    if day:
        _sub(element, "day", day)
    if month:
        _sub(element, "month", month)
    _sub(element, "year", year)


def _permissions(article, licence: ir.Licence, ctx: _WriteContext) -> None:
    if not licence.text:
        ctx.warn_once("a licence URL without licence text was dropped (JATS needs the text)")
        return
    licence_element = _sub(_sub(article, "permissions"), "license")
    if licence.url:
        licence_element.set("xlink:href", _clean(licence.url, ctx))
        _sub(licence_element, "ali:license_ref", licence.url, ctx)
    _sub(licence_element, "license-p", licence.text, ctx)


# ------------------------------------------------------------------------ the whole


def build_article(document: ir.Document, tagset: str) -> _Element:
    """The ``<article>`` element of ``document`` in the given tag set."""
    ctx = _WriteContext(tagset)
    used: set[str] = set()
    for note in document.notes:
        candidate = base = xml_id(note.id, "fn")
        counter = 1
        while candidate in used:
            counter += 1
            candidate = f"{base}-{counter}"
        used.add(candidate)
        ctx.note_ids[note.id] = candidate
        ctx.note_labels[note.id] = note.label

    meta = document.metadata
    root = _Element("article", {f"xmlns:{prefix}": uri for prefix, uri in _NAMESPACES.items()})
    if meta.extra.get("article-type"):
        root.set("article-type", _clean(meta.extra["article-type"], ctx))
    root.set("dtd-version", "1.1")
    if meta.language:
        root.set("xml:lang", _clean(meta.language, ctx))
    front = _sub(root, "front")
    meta = tidy_metadata(meta, ctx)
    _journal_meta(front, meta, ctx)
    _article_meta(front, meta, ctx)
    body = _sub(root, "body")
    _sections(body, document.blocks, ctx, "sec")
    back = _sub(root, "back")
    _back_matter(back, document.back, ctx)
    if document.notes:
        _notes(back, document.notes, ctx)
    for notes in back.findall("notes"):
        if not len(notes):
            back.remove(notes)
    for part in (body, back):
        if not len(part):  # nothing in it showed anything
            root.remove(part)
    _indent(root)
    return root


def _indent(element: _Element, depth: int = 0) -> None:
    """Indent element-only content by two spaces per level; leave mixed content alone."""
    if element.tag not in _ELEMENT_ONLY or not len(element) or (element.text or "").strip():
        return
    inner = "\n" + "  " * (depth + 1)
    element.text = inner
    for child in element:
        _indent(child, depth + 1)
        child.tail = inner
    element[-1].tail = "\n" + "  " * depth


def _serialize_element(element: _Element, out: list[str]) -> None:
    """Append the markup of ``element`` and its tail to ``out``."""
    out.append(f"<{element.tag}")
    for name, value in element.attrib.items():
        out.append(f' {name}="{escape_attribute(value)}"')
    if element.text is None and not element.children:
        out.append("/>")
    else:
        out.append(">")
        if element.text:
            out.append(escape_text(element.text))
        for child in element.children:
            _serialize_element(child, out)
        out.append(f"</{element.tag}>")
    if element.tail:
        out.append(escape_text(element.tail))


def serialize(root: _Element, tagset: str) -> bytes:
    public_id, system_id = DOCTYPES[tagset]
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n',
           f'<!DOCTYPE article PUBLIC "{public_id}" "{system_id}">\n']
    _serialize_element(root, out)
    out.append("\n")
    return "".join(out).encode("utf-8")


def write_jats(document: ir.Document, options: Mapping[str, str]) -> bytes:
    return serialize(build_article(document, ARCHIVING), ARCHIVING)


def write_jats_publishing(document: ir.Document, options: Mapping[str, str]) -> bytes:
    return serialize(build_article(document, PUBLISHING), PUBLISHING)
