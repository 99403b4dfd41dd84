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

from briefconv.hookspecs import hookimpl
from briefconv.plugins import Format, lazy

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
        reader=lazy("briefconv.formats.jats_reader:read_jats"),
        writer=lazy("briefconv.formats.jats_writer:write_jats"),
        aliases=("jats_archiving",),
        sniff=sniff_jats,
        description="JATS XML 1.1, Journal Archiving and Interchange tag set",
    ))
    register(Format(
        name="jats_publishing",
        extensions=(".xml",),
        writer=lazy("briefconv.formats.jats_writer:write_jats_publishing"),
        description="JATS XML 1.1, Journal Publishing tag set (needs an ISSN: -M issn=…)",
    ))
