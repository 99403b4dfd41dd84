"""Plain text (format ``txt``, read only): briefs as people hold them in ``.txt`` files.

Typed briefs, text exported from a web page or a word processor, and ``pdftotext``
output are read by :mod:`briefconv.formats.txt_reader`: it removes page furniture,
gathers footnotes from page feet, reads the title block, splits body, notes and back
matter, and resolves note markers (its docstring lists the stages).

Keeps: title, subtitle, authors (name, given/family, honorific, role, affiliations,
e-mail), publisher and place, series and number, report number (``identifiers``),
date, keywords, licence (a Creative Commons URL inferred from its wording), disclaimer,
abstract; headings with levels, paragraphs, lists (one level of nesting), notes with
references and cross-references, emphasis written ``*so*`` or ``_so_``, strong
``**so**``, links, back matter; e-mail and memo headers (Subject/Re, From, Date).
Loses: page furniture (on purpose), line breaks inside paragraphs, the numbers of
headings as separate labels (they stay in the heading text), tables and figures (their
lines become paragraphs), text set in two columns side by side (read line by line),
indentation other than list nesting (an indented quotation is a paragraph; only
``> quoted`` lines make a block quote), the language (left unset).
When a reading is uncertain (a lone digit that may be a note marker, notes never
referred to, an encoding guessed) the reader keeps the text as it is and warns.
"""

from __future__ import annotations

from briefconv.hookspecs import hookimpl
from briefconv.plugins import Format, lazy


@hookimpl
def briefconv_register_formats(register) -> None:
    register(Format(
        name="txt",
        aliases=("text", "plain"),
        extensions=(".txt", ".text"),
        reader=lazy("briefconv.formats.txt_reader:read_txt"),
        description="plain-text briefs (as typed, exported from a web page, or from pdftotext)",
    ))
