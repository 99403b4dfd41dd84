"""JATS XML (formats ``jats``, alias ``jats_archiving``, and ``jats_publishing``).

Writer ``jats`` produces JATS 1.1 Journal Archiving and Interchange; writer
``jats_publishing`` produces JATS 1.1 Journal Publishing, which needs an ISSN and a
journal id (``-M issn=…``; the journal id is derived from the series name or given
with ``-M journal-id=…``) and raises :class:`MissingMetadataError` without them.  Both
write a DOCTYPE, ``dtd-version="1.1"``, UTF-8, indented only where whitespace does not
matter, and are valid against the official DTDs (see :mod:`briefconv.validate`).

Writer keeps: series (``journal-title``, and the journal id derived from it),
publisher name and place, ISSN (``issn``), e-ISSN (``issn publication-format=
"electronic"``), ISBN, series number (``article-id`` of type ``publisher-id``), DOI
and other identifiers (``article-id``, typed when JATS names the scheme, else
``other`` with the scheme in ``specific-use``), URL (``self-uri``), title and
subtitle, authors (``contrib`` with ``name``: surname, given-names, prefix for the
honorific, ``name-style="eastern"`` when the printed name puts the surname first,
``string-name`` when no surname is known; ``role``; ``email``; ``xref`` to an
``aff``), date (``pub-date`` with ``iso-8601-date``), licence (``license`` with
``xlink:href``, ``ali:license_ref`` and ``license-p``), the disclaimer (an
``author-notes`` ``fn`` with ``specific-use="disclaimer"``), abstract, keywords
(``kwd-group``), language (``xml:lang``), ``extra["article-type"]``; headings as
nested ``sec`` with ids (``sec-1``, ``sec-1-2``) and ``title``; paragraphs, block
quotes (``disp-quote``), bulleted and numbered lists (a start other than 1 as item
labels); emphasis, strong, superscript, subscript, links (``ext-link``), line breaks
in headings (``break``); notes as ``fn`` (id made an XML name, ``label``;
``specific-use="footnote"`` for footnotes) in a ``fn-group`` in ``back``, each
reference an ``xref ref-type="fn"`` to it, references between notes ("Ibid.",
"n. 4") as an ``xref`` holding their words; back matter as ``ack`` (a part titled
"Acknowledg(e)ments"), ``sec`` (other titled parts) or ``notes`` (untitled text).
Writer loses, silently: a line break outside a heading (JATS has none there: it
becomes a space); runs of whitespace (JATS treats them as one space); empty
paragraphs, lists and markup; a jump of more than one heading level (the section
nests one level deeper); a superscript that holds only note marks (the marks stay);
``extra`` other than ``article-type``.  Lists and quotes inside a note or list item
go inside a ``p``, as JATS requires.
Writer loses, with a warning: a heading inside a list, quote or note (becomes a
bold paragraph), a link or note mark nested inside a link (the inner link keeps only
its text; the mark moves after the link), a reference to a note that does not exist,
characters XML cannot hold, a date that is not ISO 8601, a publisher place without a
publisher name, a licence URL without licence text.

Reader ``jats`` reads our own output, PubMed Central style articles and pandoc's
``jats_archiving`` output: front matter to metadata (the first ``pub-date`` of type
publication, journal title as series, ``publisher-id`` article id as series number,
every ``kwd``, abstract paragraphs and section titles as text), ``sec`` nesting to
heading levels (a section ``label`` such as "1." prefixes the heading), every ``fn``
outside the front matter (in a ``fn-group``, ``back`` or in place in the text) to a
note in document order, linked from its ``xref``s (an ``xref`` in a note, or one
whose words differ from the note's label, is a cross-reference); inline markup
(``italic``, ``bold``, ``sup``, ``sub``, ``ext-link``, ``uri``, ``break``); lists,
quotes (an ``attrib`` as a paragraph), definition lists (terms in bold), ``ack``,
``app``, ``bio`` and other back sections to ``Document.back``; a reference list as a
part titled by its ``title`` (else "References") with one paragraph per reference.  Lists and quotes
inside a ``p`` split it.
Reader loses, silently: contributors other than authors, article categories, volume,
issue, pages, history dates, copyright statement; the formatting of ``monospace``,
``underline``, ``sc`` and similar (their text stays); cross-references to figures,
tables and references (their text stays).
Reader loses, with a warning: tables, figures, formulas, code, the structure of an
``element-citation`` (its parts are kept as text joined by commas),
supplementary material, sub-articles, author notes other than a disclaimer, elements
it does not know (their text is kept as a paragraph), and entity references it cannot
expand (named entities such as ``&nbsp;`` that an unloaded DTD would define are
expanded from the HTML5 table).  It never loads a DTD, never touches the network and
refuses documents that declare entities (XXE, entity-expansion bombs) with an
InputError.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Mapping

from briefconv import ir
from briefconv.errors import InputError, MissingMetadataError, warn
from briefconv.hookspecs import hookimpl
from briefconv.plaintext import plain_text
from briefconv.plugins import Format

if TYPE_CHECKING:  # lxml is imported only by the functions that need it
    from lxml import etree

XLINK = "http://www.w3.org/1999/xlink"
MATHML = "http://www.w3.org/1998/Math/MathML"
ALI = "http://www.niso.org/schemas/ali/1.0/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

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
_ISO_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
# Characters XML 1.0 cannot hold at all (C0 controls other than tab/newline/CR, and
# the two non-characters at the end of the BMP).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# XML whitespace only: a no-break space is content, not layout.
_XML_SPACE = re.compile(r"[ \t\n\r]+")
_DISCLAIMER = "disclaimer"
_FOOTNOTE = "footnote"

# Elements whose content is other elements only: the writer indents inside these
# and nowhere else, so no whitespace is ever added to text a reader would keep.
_ELEMENT_ONLY = {
    "article", "front", "journal-meta", "journal-title-group", "publisher",
    "article-meta", "title-group", "contrib-group", "contrib", "name",
    "name-alternatives", "author-notes", "pub-date", "permissions", "license",
    "abstract", "kwd-group", "body", "sec", "back", "fn-group", "fn", "ack", "notes",
    "list", "list-item", "disp-quote",
}


# ============================================================================ writer


@dataclass
class _WriteContext:
    """What the writer needs to know while walking the document."""

    tagset: str
    note_ids: dict[str, str] = field(default_factory=dict)  # IR note id -> XML id
    note_labels: dict[str, str] = field(default_factory=dict)  # IR note id -> label
    warned: set[str] = field(default_factory=set)

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


def slug(text: str) -> str:
    """'CAPSS In Focus' -> 'capss-in-focus': how a journal id is derived from a series name."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


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


def _sub(parent: etree._Element, tag: str, text: str | None = None, ctx: _WriteContext | None = None,
         **attributes: str) -> etree._Element:
    from lxml import etree

    # keyword arguments spell attribute names with '_' for '-': ref_type="fn" -> ref-type="fn"
    element = etree.SubElement(parent, tag, {k.replace("_", "-"): v for k, v in attributes.items()})
    if text is not None:  # metadata values are one line; whitespace in them means nothing
        element.text = normal_text(_clean(text, ctx)) if ctx else text
    return element


def _append_text(parent: etree._Element, text: str) -> None:
    """Add ``text`` at the end of ``parent``'s content (after its last child, if any)."""
    if len(parent):
        last = parent[-1]
        last.tail = (last.tail or "") + text
    else:
        parent.text = (parent.text or "") + text


# ------------------------------------------------------------------------- inlines


_MARKUP_TAGS = {ir.Emphasis: "italic", ir.Strong: "bold", ir.Superscript: "sup", ir.Subscript: "sub"}


def _inlines(parent: etree._Element, inlines: Iterable[ir.Inline], ctx: _WriteContext) -> None:
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
            link.set(f"{{{XLINK}}}href", _clean(node.url, ctx))
            _inlines(link, node.children, ctx)
            _show_at_least(link, _clean(node.url, ctx))
        elif isinstance(node, ir.NoteRef):
            _sub(parent, "xref", ctx.note_labels[node.note_id], ctx, ref_type="fn", rid=ctx.note_ids[node.note_id])
        elif isinstance(node, ir.NoteCrossRef):
            xref = _sub(parent, "xref", ref_type="fn", rid=ctx.note_ids[node.note_id])
            _inlines(xref, node.children, ctx)
            _show_at_least(xref, _clean(ctx.note_labels[node.note_id], ctx))


def _show_at_least(link: etree._Element, fallback: str) -> None:
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


def _blocks(parent: etree._Element, blocks: Iterable[ir.Block], ctx: _WriteContext) -> None:
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


def _holder(parent: etree._Element, tag: str) -> etree._Element:
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


def _sections(parent: etree._Element, blocks: tuple[ir.Block, ...], ctx: _WriteContext, id_prefix: str,
              section_tag: str = "sec") -> None:
    """Blocks with headings as nested ``sec`` elements following the heading levels."""
    stack: list[tuple[int, etree._Element, list[int]]] = [(0, parent, [0])]  # level, element, child counter
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


def _back_matter(back: etree._Element, blocks: tuple[ir.Block, ...], ctx: _WriteContext) -> None:
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
        elif isinstance(node, ir.Superscript) and _only_note_refs(list(_writable(node.children, ctx, keep))):
            # a superscript holding only note marks is how the marks look, not markup of its own
            out.extend(n for n in _writable(node.children, ctx, keep) if isinstance(n, ir.NoteRef))
        elif isinstance(node, (ir.Link, ir.NoteCrossRef)):
            hoisted: list[ir.Inline] = []
            inner = _link_content(_writable(node.children, ctx, keep=False), ctx, hoisted)
            if isinstance(node, ir.NoteCrossRef) and not _plain_inlines(inner):
                out.append(ir.NoteRef(node.note_id))  # a cross-reference without words is just the mark
            else:
                out.append(_with_children(node, inner))
            out.extend(hoisted)
        elif hasattr(node, "children"):
            out.append(_with_children(node, _writable(node.children, ctx, keep)))
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
            out.append(_with_children(node, _link_content(node.children, ctx, hoisted)))
        else:
            out.append(node)
    return tuple(out)


def _shows_nothing(block: ir.Block) -> bool:
    """An empty paragraph or list: the writer leaves these out."""
    if isinstance(block, ir.Paragraph):
        return not squeeze(block.children)
    return isinstance(block, ir.ListBlock) and not block.items


def _notes(back: etree._Element, notes: tuple[ir.Note, ...], ctx: _WriteContext) -> None:
    group = _sub(back, "fn-group")
    for note in notes:
        kind = {"specific_use": _FOOTNOTE} if note.kind == _FOOTNOTE else {}
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
    if not (meta.date and _ISO_DATE.match(meta.date.strip())):
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
            _sub(article, "article-id", value, ctx, pub_id_type="other", specific_use=scheme)
    if meta.title or meta.subtitle:
        group = _sub(article, "title-group")
        _sub(group, "article-title", meta.title or "", ctx)
        if meta.subtitle:
            _sub(group, "subtitle", meta.subtitle, ctx)
    _contributors(article, meta.authors, ctx)
    if meta.disclaimer:
        fn = _sub(_sub(article, "author-notes"), "fn", fn_type="other", specific_use=_DISCLAIMER)
        for paragraph in _paragraphs(meta.disclaimer):
            _sub(fn, "p", paragraph, ctx)
    if meta.date:
        _pub_date(article, meta.date, ctx)
    if meta.licence and (meta.licence.text or meta.licence.url):
        _permissions(article, meta.licence, ctx)
    if meta.identifiers.get("url"):
        _sub(article, "self-uri").set(f"{{{XLINK}}}href", _clean(meta.identifiers["url"], ctx))
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
    match = _ISO_DATE.match(date.strip())
    if not match:
        ctx.warn_once(f"the date {date!r} is not ISO 8601 (YYYY-MM-DD) and was dropped")
        return
    year, month, day = match.groups()
    element = _sub(article, "pub-date", publication_format="electronic", date_type="pub",
                   iso_8601_date=match.group(0))
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
        licence_element.set(f"{{{XLINK}}}href", _clean(licence.url, ctx))
        _sub(licence_element, f"{{{ALI}}}license_ref", licence.url, ctx)
    _sub(licence_element, "license-p", licence.text, ctx)


# ------------------------------------------------------------------------ the whole


def build_article(document: ir.Document, tagset: str) -> etree._Element:
    """The ``<article>`` element of ``document`` in the given tag set."""
    from lxml import etree

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
    root = etree.Element("article", nsmap={"xlink": XLINK, "mml": MATHML, "ali": ALI})
    if meta.extra.get("article-type"):
        root.set("article-type", _clean(meta.extra["article-type"], ctx))
    root.set("dtd-version", "1.1")
    if meta.language:
        root.set(XML_LANG, _clean(meta.language, ctx))
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


def _indent(element: etree._Element, depth: int = 0) -> None:
    """Indent element-only content by two spaces per level; leave mixed content alone."""
    if element.tag not in _ELEMENT_ONLY or not len(element) or (element.text or "").strip():
        return
    inner = "\n" + "  " * (depth + 1)
    element.text = inner
    for child in element:
        _indent(child, depth + 1)
        child.tail = inner
    element[-1].tail = "\n" + "  " * depth


def serialize(root: etree._Element, tagset: str) -> bytes:
    from lxml import etree

    public_id, system_id = DOCTYPES[tagset]
    doctype = f'<!DOCTYPE article PUBLIC "{public_id}" "{system_id}">'
    body = etree.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{doctype}\n{body}\n'.encode("utf-8")


def write_jats(document: ir.Document, options: Mapping[str, str]) -> bytes:
    return serialize(build_article(document, ARCHIVING), ARCHIVING)


def write_jats_publishing(document: ir.Document, options: Mapping[str, str]) -> bytes:
    return serialize(build_article(document, PUBLISHING), PUBLISHING)


# ===================================================================== whitespace


def squeeze(inlines: Iterable[ir.Inline]) -> tuple[ir.Inline, ...]:
    """Inlines as JATS renders them: whitespace runs as one space, none at either end.

    Both the writer and the reader apply it, so reading what was written gives the
    same inlines back and writing is a fixed point.
    """
    squeezed = _collapse(tuple(inlines), [True])
    while squeezed and isinstance(squeezed[0], ir.LineBreak):
        squeezed = squeezed[1:]
    return _strip_end(squeezed)


def _collapse(inlines: tuple[ir.Inline, ...], after_space: list[bool]) -> tuple[ir.Inline, ...]:
    """Collapse whitespace across node boundaries; ``after_space[0]`` is the running state."""
    out: list[ir.Inline] = []
    for node in inlines:
        if isinstance(node, ir.Text):
            text = _XML_SPACE.sub(" ", node.text)
            if after_space[0]:
                text = text.lstrip(" ")
            if not text:
                continue
            after_space[0] = text.endswith(" ")
            if out and isinstance(out[-1], ir.Text):
                out[-1] = ir.Text(out[-1].text + text)
            else:
                out.append(ir.Text(text))
        elif isinstance(node, ir.LineBreak):
            _drop_trailing_space(out)
            after_space[0] = True
            out.append(node)
        elif isinstance(node, ir.NoteRef):
            after_space[0] = False
            out.append(node)
        else:
            children = _collapse(node.children, after_space)
            if children or isinstance(node, (ir.Link, ir.NoteCrossRef)):
                out.append(_with_children(node, children))  # empty markup shows nothing
    return tuple(out)


def _drop_trailing_space(out: list[ir.Inline]) -> None:
    if out and isinstance(out[-1], ir.Text) and out[-1].text.endswith(" "):
        trimmed = out[-1].text.rstrip(" ")
        if trimmed:
            out[-1] = ir.Text(trimmed)
        else:
            out.pop()


def _with_children(node, children: tuple[ir.Inline, ...]):
    from dataclasses import replace

    return replace(node, children=children)


def _strip_end(inlines: tuple[ir.Inline, ...]) -> tuple[ir.Inline, ...]:
    if not inlines:
        return inlines
    last = inlines[-1]
    if isinstance(last, ir.LineBreak):
        return _strip_end(inlines[:-1])
    if isinstance(last, ir.Text):
        trimmed = last.text.rstrip(" ")
        return inlines[:-1] + ((ir.Text(trimmed),) if trimmed else ())
    if hasattr(last, "children"):
        children = _strip_end(last.children)
        if not children and not isinstance(last, (ir.Link, ir.NoteCrossRef)):
            return _strip_end(inlines[:-1])
        return inlines[:-1] + (_with_children(last, children),)
    return inlines


def normal_text(text: str) -> str:
    """``text`` with XML whitespace runs as one space and none at either end (no-break spaces stay)."""
    return _XML_SPACE.sub(" ", text).strip(" ")


# ========================================================================== reader

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
        kind = "footnote" if fn.get("specific-use") == _FOOTNOTE else "endnote"
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
        if name == "notes" and element.get("notes-type") == _DISCLAIMER:
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
            if name == "sup" and _only_note_refs(children):
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
        shown = _plain_inlines(children)
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
            if fn.get("specific-use") == _DISCLAIMER or text.lower().startswith("disclaimer"):
                yield fn
        for notes in self.root.iter("notes"):
            if notes.get("notes-type") == _DISCLAIMER:
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
        if iso and _ISO_DATE.match(iso.strip()):
            return iso.strip()
        year = _child_text(element, "year")
        if not year or not year.isdigit():
            return None
        result = year
        month = _child_text(element, "month")
        if month and month.isdigit():
            result += f"-{int(month):02d}"
            day = _child_text(element, "day")
            if day and day.isdigit():
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
                if element.get("specific-use") != _DISCLAIMER:
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


def _plain_inlines(inlines: Iterable[ir.Inline]) -> str:
    return normal_text(plain_text(inlines))


def _only_note_refs(inlines: list[ir.Inline]) -> bool:
    meaningful = [n for n in inlines if not (isinstance(n, ir.Text) and not n.text.strip())]
    return bool(meaningful) and all(isinstance(n, ir.NoteRef) for n in meaningful)


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


_DOCBOOK = re.compile(rb"xmlns\s*=\s*[\"']http://docbook\.org")


def sniff_jats(head: bytes) -> bool:
    """Whether the start of an ``.xml`` file looks like a JATS article (not DocBook, not other XML)."""
    text = head[:4096]
    if text.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head.decode("utf-16", "ignore").encode("utf-8")
    if re.search(rb"<!DOCTYPE\s+article\s+PUBLIC\s+\"-//NLM//DTD (JATS|Journal)", text):
        return True
    match = re.search(rb"<article[\s>]", text)
    if not match or _DOCBOOK.search(text):
        return False
    return b"dtd-version" in text or b"<front" in text or b"xmlns:xlink" in text


@hookimpl
def briefconv_register_formats(register) -> None:
    register(Format(
        name="jats",
        extensions=(".xml",),
        reader=read_jats,
        writer=write_jats,
        aliases=("jats_archiving",),
        sniff=sniff_jats,
        description="JATS XML 1.1, Journal Archiving and Interchange tag set",
    ))
    register(Format(
        name="jats_publishing",
        extensions=(".xml",),
        writer=write_jats_publishing,
        description="JATS XML 1.1, Journal Publishing tag set (needs an ISSN: -M issn=…)",
    ))
