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
from briefconv.formats.txt_reader import read_txt
from briefconv.formats.txt_rules import ends_sentence

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


# ------------------------------------------- generated briefs in random conventions

WORDS = (
    "security policy trade energy water border alliance treaty summit ministers growth "
    "reform budget export region naval coastal market supply chain dialogue officials "
    "pressure talks agreement capacity crisis stability coalition parliament election"
).split()
HEADINGS = [
    "Introduction", "The Strategic Context", "Trade and Investment", "Security Cooperation",
    "Domestic Politics", "What Comes Next", "Recommendations", "Looking Ahead",
]
TITLES = [
    "Water, Power and Peace on the Mekong", "The Quiet Arms Race in Southeast Asia",
    "Undersea Cables and Regional Security", "Why Middle Powers Hedge",
]
ORDINALS = (
    "Firstly Secondly Thirdly Fourthly Fifthly Sixthly Seventhly Eighthly Ninthly Tenthly "
    "Eleventhly Twelfthly Thirteenthly"
).split()
SUPER = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
MARKERS = {
    "super": lambda n: str(n).translate(SUPER),
    "bracket": lambda n: f"[{n}]",
    "caret": lambda n: f"^{n}",
    "glued": lambda n: str(n),
}
ENTRIES = {
    "super": lambda n: str(n).translate(SUPER) + " ",
    "dot": lambda n: f"{n}. ",
    "bracket": lambda n: f"[{n}] ",
    "space": lambda n: f"{n} ",
}


@st.composite
def briefs(draw):
    sentence = st.lists(st.sampled_from(WORDS), min_size=6, max_size=14).map(
        lambda ws: " ".join(ws).capitalize() + "."
    )
    paragraph = st.lists(sentence, min_size=1, max_size=4)
    heads = draw(st.lists(st.sampled_from(HEADINGS), min_size=1, max_size=4, unique=True))
    sections = [(h, draw(st.lists(paragraph, min_size=1, max_size=3))) for h in heads]
    marker = draw(st.sampled_from(sorted(MARKERS)))
    entry = draw(st.sampled_from(sorted(ENTRIES)))
    notes_heading = draw(st.sampled_from(["Notes", "Notes:", "ENDNOTES", "Endnotes", "Footnotes", "References"]))
    width = draw(st.sampled_from([0, 60, 72, 90]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    heading_style = draw(st.sampled_from(["title", "caps", "numbered"]))
    pages = draw(st.booleans())
    run_in = draw(st.booleans())  # no blank line between a heading and its text
    title = draw(st.sampled_from(TITLES))
    byline = draw(st.sampled_from(["By Anna Kowalski", "Anna Kowalski", "Dr Anna Kowalski"]))
    date = draw(st.sampled_from(["3 March 2026", "March 3, 2026", "Updated March 3, 2026", "2026-03-03"]))
    return dict(sections=sections, marker=marker, entry=entry, notes_heading=notes_heading,
                width=width, newline=newline, title=title, byline=byline, date=date,
                heading_style=heading_style, pages=pages, run_in=run_in)


def heading_text(brief, index: int, heading: str) -> str:
    if brief["heading_style"] == "caps":
        return heading.upper()
    if brief["heading_style"] == "numbered":
        return f"{index}. {heading}"
    return heading


def render(brief) -> tuple[str, int]:
    import textwrap

    out = [brief["title"], brief["byline"], brief["date"]]
    n = 0
    for index, (heading, paragraphs) in enumerate(brief["sections"], start=1):
        out.append(heading_text(brief, index, heading))
        first = True
        for sentences in paragraphs:
            n += 1
            sentences = list(sentences)
            # every paragraph opens with its own word, as real text never repeats a line
            sentences[0] = f"{ORDINALS[n - 1]} {sentences[0][0].lower()}{sentences[0][1:]}"
            sentences[0] = sentences[0] + MARKERS[brief["marker"]](n)  # a note after the first sentence
            text = " ".join(sentences)
            if brief["width"]:
                text = textwrap.fill(text, brief["width"], break_long_words=False, break_on_hyphens=False)
            if first and brief["run_in"]:
                out[-1] += "\n" + text  # the heading runs into its text, as pdftotext leaves it
            else:
                out.append(text)
            first = False
    out.append(brief["notes_heading"])
    out.append("\n".join(f"{ENTRIES[brief['entry']](i)}Source number {i} for this brief." for i in range(1, n + 1)))
    if brief["pages"]:
        out = paginate(out)
    return ("\n\n".join(out) + "\n").replace("\n", brief["newline"]), n


def paginate(blocks: list[str]) -> list[str]:
    """Pages of two blocks under a running head with a page number, as pdftotext gives
    them; a wrapped paragraph whose first line ends mid-sentence is broken across pages."""
    out: list[str] = []
    page = 1
    for i, block in enumerate(blocks):
        if i % 2 == 0:
            if i:
                out.append(f"- {page} -\f")
                page += 1
            out.append("Global Policy Watch | Issue 41")
        lines = block.split("\n")
        heading_first = any(lines[0].upper().endswith(h.upper()) for h in HEADINGS)
        # (a page break right after a full stop is a paragraph break for any reader;
        # a heading is kept with its text, as typesetters do)
        if len(lines) >= 3 and not heading_first and not ends_sentence(lines[0]) and not block.startswith(("Notes", "Foot", "End", "Ref", "NOTES", "ENDNOTES")):
            out.append(lines[0])
            out.append(f"- {page} -\f")
            page += 1
            out.append("Global Policy Watch | Issue 41")
            out.append("\n".join(lines[1:]))
        else:
            out.append(block)
    out.append(f"- {page} -")
    return out


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(briefs())
def test_generated_briefs_read_back_their_structure(brief):
    text, count = render(brief)
    doc = _read(text.encode("utf-8"))
    _check(doc)
    assert doc.metadata.title == brief["title"]
    assert [a.name for a in doc.metadata.authors] == ["Anna Kowalski"]
    assert doc.metadata.date == "2026-03-03"
    got = [b for b in doc.blocks if isinstance(b, ir.Heading)]
    assert ["".join(c.text for c in h.children) for h in got] == [
        heading_text(brief, i, h) for i, (h, _) in enumerate(brief["sections"], start=1)
    ]
    assert all(h.level == 1 for h in got)
    assert sum(isinstance(b, ir.Paragraph) for b in doc.blocks) == count
    assert [n.id for n in doc.notes] == [f"fn{i}" for i in range(1, count + 1)]
    refs = [c.note_id for b in doc.blocks if isinstance(b, ir.Paragraph) for c in b.children if isinstance(c, ir.NoteRef)]
    assert refs == [f"fn{i}" for i in range(1, count + 1)]
    assert doc.notes[-1].blocks[0].children == (ir.Text(f"Source number {count} for this brief."),)
