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
papersize=letter`` for US Letter; an unknown ``papersize`` or ``notes`` value is a usage
error, as in PDF: :mod:`briefconv.page_options`).  ``--reference-doc`` takes styles, page setup,
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

This module only registers the format: the reader is :mod:`briefconv.formats.docx_reader`,
the writer :mod:`briefconv.formats.docx_writer` (with ``docx_package``, ``docx_notes`` and
``docx_common``), each imported when a DOCX file is first read or written.
"""

from __future__ import annotations

from briefconv.hookspecs import hookimpl
from briefconv.plugins import Format, lazy


@hookimpl
def briefconv_register_formats(register) -> None:
    register(Format(
        name="docx",
        extensions=(".docx",),
        reader=lazy("briefconv.formats.docx_reader:read_docx"),
        writer=lazy("briefconv.formats.docx_writer:write_docx"),
        binary=True,
        description="Word document with native endnotes or footnotes, title-block styles and core properties",
    ))
