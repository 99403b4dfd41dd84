"""Pandoc's Markdown (format ``md``, alias ``markdown``): the interchange for the web.

The writer emits a YAML metadata block, ATX headings, ``*emphasis*``, ``**strong**``,
``^superscript^``, ``~subscript~``, links, block quotes, lists and footnotes ``[^n]``
with their definitions at the end.  The reader parses the same with markdown-it-py and
its front-matter, footnote, superscript and subscript plugins; plain Markdown (headings,
paragraphs, emphasis, links, notes: :mod:`briefconv.formats.markdown_subset` lists
what) it reads itself, to the same result, without importing them.  It reads a plain
YAML block itself (:mod:`briefconv.formats.markdown_yaml`) and any other with PyYAML.
Writing, reading back and writing again gives the same bytes.

Keeps: all metadata (in the YAML block: ``title``, ``subtitle``, ``author`` as a list
of maps with name, given, family, honorific, role and affiliation, ``date``,
``publisher``, ``series``, ``keywords``, ``license``, ``disclaimer``, ``abstract``,
``lang``, ``identifiers`` and every extra key); headings, paragraphs, block quotes,
lists (two lists in a row stay apart: every other one is marked ``+`` or ``1)``),
emphasis, strong, links, line breaks, notes and their references; references
between notes ("Ibid.", "n. 4") as links to ``#fnN``, which is where pandoc's HTML puts
note N.

Loses: the note kind (Markdown notes are just notes: they read back as endnotes);
a note's written label when it is not a number (``[^smith]`` names the note, but its
mark is its number in order of first reference, as pandoc prints it; a label that
is a number is kept as the mark);
markup nested inside super- or subscripts (kept as plain text); heading levels past 6
(set at 6, with a warning); back matter such as acknowledgments, which Markdown
cannot set apart, is written at the end of the body (with a warning).  On reading:
code, raw HTML, images, tables and rules have no place in the model; their text is
kept as plain paragraphs (images as their alt text).
"""

from __future__ import annotations

from briefconv.hookspecs import hookimpl
from briefconv.plugins import Format, lazy

#: The metadata keys of the YAML block that map to IR fields; any other key is an extra.
YAML_KEYS = {
    "title", "subtitle", "author", "authors", "date", "publisher", "place", "series",
    "keywords", "license", "licence", "rights", "disclaimer", "abstract", "lang",
    "language", "identifiers", "issn", "doi",
}


@hookimpl
def briefconv_register_formats(register) -> None:
    register(Format(
        name="md",
        aliases=("markdown",),
        extensions=(".md", ".markdown"),
        reader=lazy("briefconv.formats.markdown_reader:read_markdown"),
        writer=lazy("briefconv.formats.markdown_writer:write_markdown"),
        description="Pandoc's Markdown with a YAML metadata block and footnotes",
    ))
