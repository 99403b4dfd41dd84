"""Property-based tests: the plain-text reader never fails on arbitrary input.

Any text must read into a Document (text never raises); arbitrary bytes may only
raise briefconv's own InputError (an undecodable file).  Budgets are small so the
file stays fast; the generators are biased towards the characters the rules look
at (digits, superscripts, brackets, bullets, form feeds, hyphens at line ends).
"""

from __future__ import annotations

import warnings

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefconv import ir
from briefconv.errors import InputError
from briefconv.formats.txt import read_txt

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# fragments that trigger the reader's rules, mixed with arbitrary text
FRAGMENTS = st.sampled_from([
    "\n", "\n\n", "\r\n", "\r", "\x0c", "\t", " ", "  ", "-\n", "—", "–",
    "¹", "²³", "¹⁰", "[1]", "[2]", "^1", "^12", "(1)", "(2)", ".1", ".2 ", ". 3 ",
    "1. ", "2. ", "1.1. ", "I. ", "II. ", "A. ", "B. ", "• ", "- ", "* ", "– ", "1) ",
    "Notes", "Notes:\n", "Endnotes\n", "Footnotes\n", "REFERENCES\n", "Ibid.", "n. 4", "note 2",
    "Disclaimer: ", "Disclaimer\n", "Keywords: a, b", "Acknowledgments", "Acknowledgments: x",
    "By Jane Doe", "Ms Jane Doe", "Dr. A. B. Smith, Senior Fellow, Centre for X",
    "Research Associate, Centre for Studies", "INSTITUTE FOR STUDIES", "New Delhi",
    "Report R44243", "CRS Report 98-317", "Updated April 21, 2026", "23 January 2026",
    "Series: 03/2026", "Policy Brief No. 12", "Page 3 of 5", "- 2 -", "12",
    "Introduction ........ 3", "CONTENTS", "________", "*italic*", "_x_",
    "<https://example.org/a>", "https://example.org/b.", "www.example.org",
    "Creative Commons Attribution 4.0", "© 2026 X", "inter-\nnational", "Jae-\nMyung",
    "The End.", "word", "Word", "WORD", "1", "0", "9999", "\u200b", "\ufeff", "\x00",
])
TEXTS = st.lists(st.one_of(FRAGMENTS, st.text(max_size=20)), max_size=60).map("".join)


def _read(data: bytes) -> ir.Document:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_txt(data, {})


def _check(doc: ir.Document) -> None:
    assert isinstance(doc, ir.Document)
    note_ids = {n.id for n in doc.notes}
    assert len(note_ids) == len(doc.notes)

    def refs(inlines):
        for node in inlines:
            if isinstance(node, (ir.NoteRef, ir.NoteCrossRef)):
                yield node.note_id
            if hasattr(node, "children"):
                yield from refs(node.children)

    def blocks(items):
        for block in items:
            if isinstance(block, ir.ListBlock):
                for item in block.items:
                    yield from blocks(item)
            elif isinstance(block, ir.BlockQuote):
                yield from blocks(block.blocks)
            else:
                yield block

    everything = list(blocks(doc.blocks)) + list(blocks(doc.back))
    everything += [b for n in doc.notes for b in blocks(n.blocks)]
    for block in everything:
        for target in refs(block.children):
            assert target in note_ids  # no reference to a note that does not exist
        for a, b in zip(block.children, block.children[1:]):
            assert not (isinstance(a, ir.Text) and isinstance(b, ir.Text))
    for block in doc.blocks:
        if isinstance(block, ir.Heading):
            assert block.level >= 1


@FUZZ
@given(TEXTS)
def test_any_text_reads_into_a_consistent_document(text):
    _check(_read(text.encode("utf-8")))


@FUZZ
@given(TEXTS, st.sampled_from(["utf-16", "utf-16-le", "utf-8-sig", "cp1252", "latin-1"]))
def test_any_text_in_any_encoding_reads_or_is_refused_cleanly(text, encoding):
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode(encoding, errors="replace")
    try:
        _check(_read(data))
    except InputError:
        pass


@FUZZ
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise_anything_but_input_error(data):
    try:
        _check(_read(data))
    except InputError:
        pass
