"""The ``html`` writer: one standalone, accessible HTML5 page per brief.

The page needs nothing but itself: the stylesheet is embedded (with ``@media print``
rules, so printing from a browser gives a clean copy), and there are no scripts, web
fonts or images.  Structure, for assistive technology and for readers alike:
``<html lang>`` from ``metadata.language`` (default ``en``), a banner ``<header>``
(organisation, series and number, place, date), then ``<main>`` holding one
``<article>``: its header (title as ``h1``, subtitle, authors with honorific, role and
affiliation, keywords, disclaimer, licence with a ``rel="license"`` link,
identifiers), the abstract, the body (level-1 headings as ``h2``, level 2 as ``h3``,
…), the back matter, and the notes as an ordered list under a "Notes" ``h2``.
The n-th note has ``id="fn{n}"``; its first reference in the text has
``id="fnref{n}"`` and links to it, and the note links back.

Keeps: title, subtitle, authors (name, honorific, role, affiliations, e-mail), date,
publisher and place, series and number, keywords, licence and its URL, disclaimer,
abstract, language, identifiers (ISSN, DOI, …, also as ``<meta>`` tags in the
Dublin Core ``dcterms.*`` and Google Scholar ``citation_*`` vocabularies),
headings, paragraphs, block quotes, lists, emphasis, strong, super- and subscript,
links, line breaks, note references and cross-references between notes, back matter.

Loses (silently): the footnote/endnote distinction (every note is listed at the
end); ``metadata.extra``; heading levels below 5, which are all set as ``h6``.  A
heading that would skip a level (a level-3 heading right after a level-1 one) is
set one level below the previous heading, so that the outline has no gaps.

Loses (with a warning): links whose URL scheme is not http, https or mailto or a
fragment (kept as text), references to notes that do not exist (dropped).
"""

from __future__ import annotations

import re
from html import escape
from typing import Mapping

from briefconv import ir
from briefconv.dates import iso_parts, long_date
from briefconv.errors import warn
from briefconv.plaintext import plain_text

GENERATOR = "briefconv-html"
_SAFE_URL = re.compile(r"^(https?:|mailto:|#)", re.IGNORECASE)
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")
_IDENTIFIER_LABELS = {"issn": "ISSN", "eissn": "eISSN", "isbn": "ISBN", "doi": "DOI", "url": "URL",
                      "journal-id": "Journal ID"}
_BACKLINK_ARROW = "\u21a9\ufe0e"  # ↩ as text, not as a coloured emoji

STYLESHEET = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #fff; color: #1b1b1b;
  font: 1.0625rem/1.6 Georgia, "DejaVu Serif", "Times New Roman", serif; }
a { color: #0a4a85; }
a:focus-visible { outline: 3px solid #e08a00; outline-offset: 2px; }
.skip-link { position: absolute; left: -100vw; }
.skip-link:focus { left: 1rem; top: 1rem; background: #fff; padding: .5rem; z-index: 1; }
.masthead { border-bottom: 4px solid #1d3557; padding: 1rem 0 .75rem;
  font-family: "DejaVu Sans", Arial, Helvetica, sans-serif; font-size: .9rem; }
.masthead p { margin: 0 auto; max-width: 44rem; padding: 0 1.25rem; }
.masthead .organisation { font-weight: bold; letter-spacing: .06em; text-transform: uppercase; }
main { max-width: 44rem; margin: 0 auto; padding: 1.5rem 1.25rem 3rem; }
h1, h2, h3, h4, h5, h6 { line-height: 1.25; color: #1d3557; }
h1 { font-size: 2rem; margin: 0 0 .5rem; }
h2 { font-size: 1.4rem; margin: 2.2rem 0 .6rem; }
h3 { font-size: 1.15rem; margin: 1.6rem 0 .4rem; }
.subtitle { font-size: 1.2rem; margin: 0 0 1rem; }
.authors { list-style: none; padding: 0; margin: 1rem 0; }
.author-name { font-weight: bold; }
.front-matter { font-size: .92rem; border-left: 3px solid #d0d7e2; padding-left: .9rem; margin: 1rem 0 2rem; }
.front-matter p { margin: .3rem 0; }
.label { font-weight: bold; }
.abstract { font-style: italic; }
blockquote { margin: 1rem 0; padding-left: 1rem; border-left: 3px solid #d0d7e2; }
.noteref { line-height: 0; }
.noteref a { text-decoration: none; padding: 0 .1em; }
.notes { font-size: .92rem; border-top: 1px solid #c8c8c8; margin-top: 3rem; }
.notes ol { padding-left: 2.2rem; }
.notes li { margin: .4rem 0; padding: .1rem .3rem; scroll-margin-top: 1rem; }
.notes li p { margin: 0; }
.notes li.labelled { list-style: none; }
.notes a { overflow-wrap: anywhere; }
.notes li:target, .noteref a:target { background: #fff2a8; outline: 2px solid #e0b400; }
.backref { text-decoration: none; margin-left: .3em; }
@media print {
  @page { margin: 2cm 2.2cm; }
  body { font-size: 11pt; line-height: 1.45; }
  .skip-link, .backref { display: none; }
  .masthead { padding: 0 0 .5rem; }
  .masthead p { padding: 0; }
  main { max-width: none; padding: 1rem 0 0; }
  a { color: inherit; text-decoration: none; }
  a.external::after { content: " <" attr(href) ">"; font-size: .9em; }
  h1, h2, h3, h4, h5, h6 { break-after: avoid; page-break-after: avoid; }
  p, li { orphans: 3; widows: 3; }
  .notes li:target, .noteref a:target { background: none; outline: none; }
}
""".strip()


def write_html(document: ir.Document, options: Mapping[str, str]) -> bytes:
    """The brief as one HTML page, UTF-8 encoded."""
    return _Page(document).render().encode("utf-8")


def _text(nodes: tuple[ir.Inline, ...]) -> str:
    """The plain text of inline nodes (for ids, <title> and <meta>)."""
    return plain_text(nodes)


def _attr(value: str) -> str:
    return escape(" ".join(value.split()), quote=True)


def _human_date(iso: str, language: str) -> str:
    return long_date(iso) if language.lower().startswith("en") else iso


def _scholar_date(iso: str) -> str:
    """Google Scholar wants dates as YYYY/MM/DD."""
    return iso.replace("-", "/") if iso_parts(iso) else iso


class _Page:
    """One rendering: the note numbering and the ids handed out so far."""

    def __init__(self, document: ir.Document) -> None:
        self.document = document
        self.meta = document.metadata
        self.language = self._language()
        self.note_number = {note.id: n for n, note in enumerate(document.notes, start=1)}
        self.refs_made: dict[str, int] = {}
        self.ids_used: set[str] = {"main", "notes-title"}
        self.last_heading_level = 1  # the title is h1

    def _language(self) -> str:
        language = (self.meta.language or "").strip()
        if language and not _LANGUAGE_TAG.match(language):
            warn(f"html: language {language!r} is not a language tag; lang set to 'en'")
            language = ""
        return language or "en"

    # ------------------------------------------------------------------ page

    def render(self) -> str:
        body = self._blocks(self.document.blocks)
        back = self._blocks(self.document.back)
        notes = self._notes()  # after body and back: the backlinks need their refs
        parts = [
            "<!DOCTYPE html>",
            f'<html lang="{_attr(self.language)}">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{escape(self._page_title(), quote=False)}</title>",
            *self._meta_tags(),
            f"<style>\n{STYLESHEET}\n</style>",
            "</head>",
            "<body>",
            '<a class="skip-link" href="#main">Skip to the text</a>',
            *self._banner(),
            '<main id="main">',
            "<article>",
            *self._article_header(),
            *self._abstract(),
            *body,
        ]
        if back:
            parts += ['<section class="back-matter">', *back, "</section>"]
        parts += [*notes, "</article>", "</main>", "</body>", "</html>", ""]
        return "\n".join(parts)

    def _page_title(self) -> str:
        title = " ".join((self.meta.title or "").split())
        if not title:
            warn("html: the document has no title; the page is titled 'Untitled brief'")
            return "Untitled brief"
        subtitle = " ".join((self.meta.subtitle or "").split())
        return f"{title}: {subtitle}" if subtitle else title

    # -------------------------------------------------------------- metadata

    def _meta_tags(self) -> list[str]:
        meta = self.meta
        tags: list[tuple[str, str]] = [("generator", GENERATOR)]
        for author in meta.authors:
            tags.append(("author", author.name))
        if meta.abstract:
            tags.append(("description", meta.abstract))
        if meta.keywords:
            tags.append(("keywords", ", ".join(meta.keywords)))
        tags += self._dublin_core()
        tags += self._scholar()
        return [f'<meta name="{name}" content="{_attr(value)}">' for name, value in tags if value.strip()]

    def _dublin_core(self) -> list[tuple[str, str]]:
        meta = self.meta
        tags = [("dcterms.title", meta.title or "")]
        tags += [("dcterms.creator", a.name) for a in meta.authors]
        tags += [("dcterms.date", meta.date or ""), ("dcterms.language", self.language)]
        if meta.publisher:
            tags.append(("dcterms.publisher", meta.publisher.name))
        if meta.series:
            tags.append(("dcterms.isPartOf", " ".join(filter(None, (meta.series.name, meta.series.number)))))
        tags += [("dcterms.subject", k) for k in meta.keywords]
        if meta.abstract:
            tags.append(("dcterms.abstract", meta.abstract))
        if meta.licence:
            tags += [("dcterms.rights", meta.licence.text or ""), ("dcterms.license", meta.licence.url or "")]
        tags += [("dcterms.identifier", f"{scheme}:{value}") for scheme, value in sorted(meta.identifiers.items())]
        return tags

    def _scholar(self) -> list[tuple[str, str]]:
        meta = self.meta
        tags = [("citation_title", meta.title or "")]
        for author in meta.authors:
            tags.append(("citation_author", author.name))
            tags += [("citation_author_institution", a) for a in author.affiliations]
        if meta.date:
            tags.append(("citation_publication_date", _scholar_date(meta.date)))
        if meta.publisher:
            tags.append(("citation_technical_report_institution", meta.publisher.name))
        report_number = meta.identifiers.get("report-number") or (meta.series and meta.series.number)
        if report_number:
            tags.append(("citation_technical_report_number", report_number))
        tags.append(("citation_language", self.language))
        tags += [("citation_keywords", k) for k in meta.keywords]
        for scheme in ("doi", "issn", "isbn"):
            if scheme in meta.identifiers:
                tags.append((f"citation_{scheme}", meta.identifiers[scheme]))
        return tags

    # -------------------------------------------------------------- masthead

    def _banner(self) -> list[str]:
        meta = self.meta
        lines = []
        if meta.publisher and meta.publisher.name:
            lines.append(f'<p class="organisation">{escape(meta.publisher.name)}</p>')
        if meta.series and (meta.series.name or meta.series.number):
            series = " ".join(escape(s) for s in (meta.series.name, meta.series.number) if s)
            lines.append(f'<p class="series">{series}</p>')
        dateline = []
        if meta.publisher and meta.publisher.place:
            dateline.append(f'<span class="place">{escape(meta.publisher.place)}</span>')
        if meta.date:
            shown = escape(_human_date(meta.date, self.language))
            dateline.append(f'<time datetime="{_attr(meta.date)}">{shown}</time>')
        if dateline:
            lines.append(f'<p class="dateline">{" · ".join(dateline)}</p>')
        if not lines:
            return []
        return ['<header class="masthead">', *lines, "</header>"]

    def _article_header(self) -> list[str]:
        meta = self.meta
        lines = ['<header class="article-header">']
        if meta.title:
            lines.append(f"<h1>{escape(meta.title)}</h1>")
        if meta.subtitle:
            lines.append(f'<p class="subtitle">{escape(meta.subtitle)}</p>')
        if meta.authors:
            lines.append('<ul class="authors" aria-label="Authors">')
            lines += [f"<li>{self._author(a)}</li>" for a in meta.authors]
            lines.append("</ul>")
        front = self._front_matter()
        if front:
            lines += ['<div class="front-matter">', *front, "</div>"]
        lines.append("</header>")
        return lines

    def _author(self, author: ir.Author) -> str:
        name = " ".join(filter(None, (author.honorific, author.name)))
        parts = [f'<span class="author-name">{escape(name)}</span>']
        if author.role:
            parts.append(f'<span class="author-role">{escape(author.role)}</span>')
        if author.affiliations:
            affiliations = "; ".join(escape(a) for a in author.affiliations)
            parts.append(f'<span class="author-affiliation">{affiliations}</span>')
        if author.email:
            parts.append(f'<a href="mailto:{_attr(author.email)}">{escape(author.email)}</a>')
        return ", ".join(parts)

    def _front_matter(self) -> list[str]:
        meta = self.meta
        lines = []
        if meta.keywords:
            keywords = ", ".join(escape(k) for k in meta.keywords)
            lines.append(f'<p class="keywords"><span class="label">Keywords:</span> {keywords}</p>')
        if meta.disclaimer:
            text = escape(meta.disclaimer.removeprefix("Disclaimer:").strip())
            lines.append(f'<p class="disclaimer"><span class="label">Disclaimer:</span> {text}</p>')
        if meta.licence and (meta.licence.text or meta.licence.url):
            lines.append(f'<p class="licence">{self._licence(meta.licence)}</p>')
        if meta.identifiers:
            shown = " · ".join(self._identifier(scheme, value) for scheme, value in sorted(meta.identifiers.items()))
            lines.append(f'<p class="identifiers">{shown}</p>')
        return lines

    def _identifier(self, scheme: str, value: str) -> str:
        label = _IDENTIFIER_LABELS.get(scheme) or scheme.replace("-", " ").capitalize()
        shown = escape(value)
        if scheme == "doi":
            shown = f'<a href="https://doi.org/{_attr(value)}">{shown}</a>'
        elif scheme == "url" and _SAFE_URL.match(value):
            shown = f'<a href="{_attr(value)}">{shown}</a>'
        return f'<span class="identifier">{escape(label)} {shown}</span>'

    def _licence(self, licence: ir.Licence) -> str:
        text = escape(licence.text or licence.url or "")
        if licence.url and _SAFE_URL.match(licence.url):
            return f'<a rel="license" href="{_attr(licence.url)}">{text}</a>'
        return text

    def _abstract(self) -> list[str]:
        if not self.meta.abstract:
            return []
        paragraphs = [p.strip() for p in self.meta.abstract.split("\n\n") if p.strip()]
        return ['<section class="abstract" aria-label="Abstract">',
                *(f"<p>{escape(p)}</p>" for p in paragraphs), "</section>"]

    # ---------------------------------------------------------------- blocks

    def _blocks(self, blocks: tuple[ir.Block, ...]) -> list[str]:
        return [self._block(block) for block in blocks]

    def _block(self, block: ir.Block) -> str:
        if isinstance(block, ir.Heading):
            return self._heading(block)
        if isinstance(block, ir.Paragraph):
            return f"<p>{self._inlines(block.children)}</p>"
        if isinstance(block, ir.BlockQuote):
            return "\n".join(["<blockquote>", *self._blocks(block.blocks), "</blockquote>"])
        if isinstance(block, ir.ListBlock):
            if block.ordered:
                start = f' start="{block.start}"' if block.start != 1 else ""
                opening, closing = f"<ol{start}>", "</ol>"
            else:
                opening, closing = "<ul>", "</ul>"
            items = ["<li>" + "\n".join(self._blocks(item)) + "</li>" for item in block.items]
            return "\n".join([opening, *items, closing])
        raise TypeError(f"unknown block {type(block).__name__}")

    def _heading(self, heading: ir.Heading) -> str:
        level = min(heading.level + 1, self.last_heading_level + 1, 6)
        level = max(level, 2)
        self.last_heading_level = level
        anchor = self._new_id(_text(heading.children))
        return f'<h{level} id="{anchor}">{self._inlines(heading.children)}</h{level}>'

    def _new_id(self, text: str) -> str:
        """A readable, unique id for a heading that cannot clash with the note ids."""
        slug = re.sub(r"[^\w]+", "-", text.lower()).strip("-") or "section"
        if re.match(r"^(fn|fnref)\d", slug) or slug[0].isdigit():
            slug = f"section-{slug}"
        candidate, n = slug, 1
        while candidate in self.ids_used:
            n += 1
            candidate = f"{slug}-{n}"
        self.ids_used.add(candidate)
        return candidate

    # --------------------------------------------------------------- inlines

    def _inlines(self, nodes: tuple[ir.Inline, ...]) -> str:
        return "".join(self._inline(node) for node in nodes)

    def _inline(self, node: ir.Inline) -> str:
        if isinstance(node, ir.Text):
            return escape(node.text, quote=False)
        if isinstance(node, ir.Emphasis):
            return f"<em>{self._inlines(node.children)}</em>"
        if isinstance(node, ir.Strong):
            return f"<strong>{self._inlines(node.children)}</strong>"
        if isinstance(node, ir.Superscript):
            return f"<sup>{self._inlines(node.children)}</sup>"
        if isinstance(node, ir.Subscript):
            return f"<sub>{self._inlines(node.children)}</sub>"
        if isinstance(node, ir.LineBreak):
            return "<br>"
        if isinstance(node, ir.Link):
            return self._link(node)
        if isinstance(node, ir.NoteRef):
            return self._note_ref(node)
        if isinstance(node, ir.NoteCrossRef):
            return self._cross_ref(node)
        raise TypeError(f"unknown inline {type(node).__name__}")

    def _link(self, link: ir.Link) -> str:
        inner = self._inlines(link.children)
        if not _SAFE_URL.match(link.url.strip()):
            warn(f"html: link to {link.url[:60]!r} kept as text (only http, https and mailto links are written)")
            return inner
        # the print stylesheet spells out the address of links whose text is not the address
        external = ' class="external"' if _text(link.children).strip() != link.url.strip() else ""
        return f'<a href="{_attr(link.url)}"{external}>{inner}</a>'

    def _note_ref(self, ref: ir.NoteRef) -> str:
        number = self.note_number.get(ref.note_id)
        if number is None:
            warn(f"html: reference to a missing note {ref.note_id!r} dropped")
            return ""
        count = self.refs_made.get(ref.note_id, 0) + 1
        self.refs_made[ref.note_id] = count
        ref_id = f"fnref{number}" if count == 1 else f"fnref{number}-{count}"
        label = escape(self.document.notes[number - 1].label or str(number))
        return (f'<sup class="noteref"><a id="{ref_id}" href="#fn{number}" role="doc-noteref" '
                f'aria-label="Note {label}">{label}</a></sup>')

    def _cross_ref(self, ref: ir.NoteCrossRef) -> str:
        inner = self._inlines(ref.children)
        number = self.note_number.get(ref.note_id)
        if number is None:
            warn(f"html: cross-reference to a missing note {ref.note_id!r} kept as text")
            return inner
        return f'<a class="note-xref" href="#fn{number}">{inner}</a>'

    # ----------------------------------------------------------------- notes

    def _notes(self) -> list[str]:
        if not self.document.notes:
            return []
        items = [self._note(number, note) for number, note in enumerate(self.document.notes, start=1)]
        return [
            '<section class="notes" role="doc-endnotes" aria-labelledby="notes-title">',
            '<h2 id="notes-title">Notes</h2>',
            "<ol>",
            *items,
            "</ol>",
            "</section>",
        ]

    def _note(self, number: int, note: ir.Note) -> str:
        body = "\n".join(self._blocks(note.blocks))
        if note.id in self.refs_made:
            backlink = (f'<a class="backref" href="#fnref{number}" role="doc-backlink" '
                        f'aria-label="Back to reference {escape(note.label or str(number))}">{_BACKLINK_ARROW}</a>')
            body = body[: -len("</p>")] + f" {backlink}</p>" if body.endswith("</p>") else f"{body}\n<p>{backlink}</p>"
        if note.label.isascii() and note.label.isdigit():  # not "²", which int() refuses
            return f'<li id="fn{number}" value="{int(note.label)}">{body}</li>'
        # "*", "a", …: show the label itself instead of the list number
        label = f'<span class="note-label">{escape(note.label)}</span> ' if note.label else ""
        body = body.replace("<p>", f"<p>{label}", 1) if body.startswith("<p>") else label + body
        return f'<li id="fn{number}" class="labelled">{body}</li>'
