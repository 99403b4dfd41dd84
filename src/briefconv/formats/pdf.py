"""PDF (format ``pdf``, write only): the brief typeset by briefconv's own typesetter.

Layout: A4 (``-M papersize=letter`` for US Letter; any other value is a usage error, as
in DOCX: :mod:`briefconv.page_options`), one column of justified, hyphenated serif
text (PT Serif, or Vera when the font package is missing).  The first page carries
the masthead (organisation, series and number, place, date), the title, subtitle,
authors with role and affiliation, keywords and abstract; the disclaimer and licence
sit at its foot.  Later pages have a running header (series and number, short title)
and a page number.  Notes are endnotes under a "Notes" heading: each reference mark
links to its note, each note's number links back to its first reference, and
"Ibid." / "n. 4" cross-references link to the note they name.

Keeps: title, subtitle, authors (honorific, name, role, affiliations), date, publisher
and place, series and number, keywords, licence (text and live link), disclaimer,
abstract, language (as the PDF's /Lang and the hyphenation language); headings (as
the outline too), paragraphs, block quotes, ordered and bulleted lists (with their
start number), emphasis, strong, superscript, subscript, line breaks, links (live URI
annotations), notes and note cross-references (as internal links), back matter.
Document properties: title, authors, subject (subtitle, else abstract), keywords as
one comma-separated string, creator "briefconv", creation date = the document's date.

Loses, silently: the distinction between footnotes and endnotes (all are endnotes;
``-M notes=footnotes`` warns); authors' e-mail addresses; identifiers (ISSN, DOI,
report number: a series number is printed as part of the series); ``metadata.extra``
except ``papersize``, ``short-title`` (the running header's title) and ``notes``;
the live link of a URL whose scheme is not http, https, mailto or ftp (its text is
kept: a PDF link must not launch arbitrary actions); empty lists; kerning and
ligatures (glyphs are set one per character); the indentation of quotes and lists
nested more than six deep (deeper levels stay at the sixth level's indent, so the
measure never runs out).  Hyphenation needs pyphen's patterns for the document's
language (English when it has none); without them the text is justified unhyphenated,
with a warning.

Fonts: the text face is embedded as subsets (:mod:`~briefconv.formats.pdf_truetype`).
Characters the face lacks that are Korean, Chinese or Japanese are set in the standard
CJK fonts PDF viewers supply, which are *not embedded*; other missing characters print
as the face's missing-glyph box, with a warning.

Deterministic: no clock and no random identifier; the creation date is the
document's own date, so the same document gives the same bytes in any process.

How: :mod:`~briefconv.formats.pdf_writer` turns the document into a flow of
paragraphs, rules and spaces and lays it down page by page;
:mod:`~briefconv.formats.pdf_lines` breaks paragraphs into lines (first fit,
hyphenation only where a line would be loose) and writes their text operators;
:mod:`~briefconv.formats.pdf_objects` writes the file.  It needs no PDF library.  What
it remembers between documents is keyed on small exact inputs (a word's width, its
hyphenation points, its glyph string, a font subset by its glyph set), never on a
document or paragraph, and every such memo is bounded.  This module
imports none of them: they load when a PDF is written.
"""

from __future__ import annotations

from briefconv.hookspecs import hookimpl
from briefconv.plugins import Format, lazy


@hookimpl
def briefconv_register_formats(register) -> None:
    register(Format(
        name="pdf",
        extensions=(".pdf",),
        writer=lazy("briefconv.formats.pdf_writer:write_pdf"),
        binary=True,
        description="PDF brief, typeset by briefconv (write only)",
    ))
