"""The plain-text reader: the sample brief, the CRS briefs and the synthetic fixtures.

Each test states what a reader of the brief would check: the title block, the
outline of headings, the paragraphs, the notes and where they are referenced.
"""

from __future__ import annotations

import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import briefconv
from briefconv import ir
from briefconv.formats.txt_reader import read_txt

from conftest import CRS_HEARINGS, CRS_SPEAKER, FIXTURES, SAMPLE


# ------------------------------------------------------------------ helpers


from briefconv.plaintext import plain_text as plain  # noqa: E402  (note references print nothing)


def walk(inlines):
    for node in inlines:
        yield node
        if hasattr(node, "children"):
            yield from walk(node.children)


def headings(doc: ir.Document) -> list[tuple[int, str]]:
    return [(b.level, plain(b.children)) for b in doc.blocks if isinstance(b, ir.Heading)]


def paragraphs(doc: ir.Document) -> list[str]:
    return [plain(b.children) for b in doc.blocks if isinstance(b, ir.Paragraph)]


def note_refs(blocks) -> list[str]:
    """Note ids referenced in ``blocks`` (lists included), in reading order."""
    found = []
    for block in blocks:
        if isinstance(block, ir.ListBlock):
            for item in block.items:
                found.extend(note_refs(item))
        elif isinstance(block, ir.BlockQuote):
            found.extend(note_refs(block.blocks))
        else:
            found.extend(n.note_id for n in walk(block.children) if isinstance(n, ir.NoteRef))
    return found


def shape(blocks) -> list:
    """Each block's kind and visible text (lists item by item), without inline styling."""
    out = []
    for block in blocks:
        if isinstance(block, ir.ListBlock):
            out.append(("list", block.ordered, [shape(item) for item in block.items]))
        elif isinstance(block, ir.BlockQuote):
            out.append(("quote", shape(block.blocks)))
        else:
            out.append((type(block).__name__, plain(block.children)))
    return out


def note_text(doc: ir.Document, label: str) -> str:
    note = next(n for n in doc.notes if n.label == label)
    return " ".join(plain(b.children) for b in note.blocks)


def read_quietly(source) -> ir.Document:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return briefconv.read(source, "txt")


# ------------------------------------------------------- the sample brief


@pytest.fixture(scope="module")
def capss() -> ir.Document:
    return read_quietly(SAMPLE)


def test_sample_title_block(capss):
    meta = capss.metadata
    assert meta.title == (
        "Practical Diplomacy in Practice: Assessing Lee Jae-Myung's Recent Visits to China and Japan"
    )
    assert meta.authors == (
        ir.Author(
            name="Priyanka Yadav", given="Priyanka", family="Yadav", honorific="Ms",
            role="Research Associate",
            affiliations=("Centre for Aerospace Power and Strategic Studies",),
        ),
    )
    assert meta.publisher == ir.Publisher(
        name="Centre for Aerospace Power and Strategic Studies", place="New Delhi"
    )
    assert meta.series == ir.Series(name="CAPSS In Focus", number="03/2026")
    assert meta.date == "2026-01-23"
    assert meta.keywords == ("South Korea", "China-South Korea Relations", "US-South Korea alliance", "THAAD")
    assert meta.disclaimer.startswith("The views and opinions expressed in this article")
    assert meta.disclaimer.endswith("Centre for Aerospace Power and Strategic Studies [CAPSS]")


def test_sample_licence_url_inferred_from_its_wording(capss):
    licence = capss.metadata.licence
    assert licence.text == (
        "This work is licensed under Creative Commons Attribution – Non-Commercial – "
        "No Derivatives 4.0 International License."
    )
    assert licence.url == "https://creativecommons.org/licenses/by-nc-nd/4.0/"


@pytest.mark.parametrize(
    "wording, url",
    [
        ("Licensed under a Creative Commons Attribution 4.0 International License.",
         "https://creativecommons.org/licenses/by/4.0/"),
        ("This work is licensed under CC BY-SA 3.0.", "https://creativecommons.org/licenses/by-sa/3.0/"),
        ("Creative Commons Attribution-NonCommercial-ShareAlike 2.5 licence",
         "https://creativecommons.org/licenses/by-nc-sa/2.5/"),
        ("Licensed under CC0 1.0 Universal", "https://creativecommons.org/publicdomain/zero/1.0/"),
        ("This work is licensed under Creative Commons Attribution-NoDerivatives (no version).", None),
    ],
)
def test_licence_url_rule_covers_every_creative_commons_licence(wording, url):
    from briefconv.formats.txt_rules import licence_url

    assert licence_url(wording) == url


def test_sample_outline(capss):
    assert headings(capss) == [
        (1, "Introduction"),
        (1, "Strengthening Economic Ties with China"),
        (1, "Choosing a Pathway in Turbulent Times"),
        (1, "Addressing North Korea"),
        (1, "A Look at Seoul-Tokyo Summit Talks"),
        (1, "Parting Thoughts"),
    ]
    assert len(capss.blocks) == 18  # nothing else: no 'Notes:' heading, no title-block text


def test_sample_paragraphs_broken_by_a_page_break_are_joined(capss):
    paras = paragraphs(capss)
    assert len(paras) == 12
    assert any("two neighbours, stating in a televised NHK interview" in p for p in paras)
    assert any("the threats emanating from North Korea. It has always" in p for p in paras)
    assert not any(p.startswith(("in a televised", "from North Korea")) for p in paras)


def test_sample_notes_are_referenced_in_order(capss):
    assert [n.id for n in capss.notes] == [f"fn{i}" for i in range(1, 18)]
    assert [n.label for n in capss.notes] == [str(i) for i in range(1, 18)]
    assert all(n.kind == "endnote" for n in capss.notes)
    assert note_refs(capss.blocks) == [f"fn{i}" for i in range(1, 18)]
    # the superscript markers themselves are gone from the text, multi-digit ones too
    body = " ".join(paragraphs(capss))
    assert not any(c in body for c in "⁰¹²³⁴⁵⁶⁷⁸⁹")
    assert "‘becoming more complex and turbulent’, especially" in body


def test_sample_note_with_emphasis_and_link(capss):
    note = capss.notes[0]
    assert len(note.blocks) == 1
    children = note.blocks[0].children
    url = "https://thediplomat.com/2025/11/lee-and-xi-agree-to-strengthen-china-south-korea-relations/"
    assert children == (
        ir.Text('Mitch Shin, "Lee and Xi Agree to Strengthen China-South Korea Relations," '),
        ir.Emphasis((ir.Text("The Diplomat"),)),
        ir.Text(", November 03, 2025, "),
        ir.Link(url, (ir.Text(url),)),
        ir.Text(". Accessed on December 10, 2025."),
    )


def test_sample_cross_references_between_notes(capss):
    by_label = {n.label: n for n in capss.notes}
    assert by_label["6"].blocks[0].children == (
        ir.Text("Anqi and Jingyi, "), ir.NoteCrossRef("fn4", (ir.Text("n. 4"),)), ir.Text("."),
    )
    assert by_label["9"].blocks[0].children == (ir.NoteCrossRef("fn8", (ir.Text("Ibid."),)),)
    assert by_label["14"].blocks[0].children == (
        ir.Text("Ji-Eun, "), ir.NoteCrossRef("fn11", (ir.Text("n. 11"),)), ir.Text("."),
    )
    crossrefs = [n for note in capss.notes for b in note.blocks for n in walk(b.children) if isinstance(n, ir.NoteCrossRef)]
    assert len(crossrefs) == 3


def test_adjacent_text_nodes_are_merged(capss):
    def check(inlines):
        for a, b in zip(inlines, inlines[1:]):
            assert not (isinstance(a, ir.Text) and isinstance(b, ir.Text))
        for node in inlines:
            if hasattr(node, "children"):
                check(node.children)

    for block in capss.blocks:
        check(block.children)
    for note in capss.notes:
        for block in note.blocks:
            check(block.children)


@pytest.mark.parametrize(
    "transform",
    [
        pytest.param(lambda b: b.replace(b"\n", b"\r\n"), id="crlf"),
        pytest.param(lambda b: b.replace(b"\n", b"\r"), id="cr"),
        pytest.param(lambda b: b"\xef\xbb\xbf" + b, id="utf8-bom"),
        pytest.param(lambda b: b.decode("utf-8").encode("utf-16"), id="utf16-bom"),
        pytest.param(lambda b: b.decode("utf-8").encode("utf-16-le"), id="utf16-le-no-bom"),
    ],
)
def test_sample_reads_the_same_whatever_the_encoding(capss, transform):
    assert read_quietly(transform(SAMPLE.read_bytes())) == capss


def test_sample_in_cp1252_reads_the_same_with_a_warning(capss):
    import re

    text = SAMPLE.read_text("utf-8")
    sup = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
    # cp1252 lacks most superscript digits: entries become '1. ', markers '[1]'
    text = re.sub(r"^([⁰¹²³⁴⁵⁶⁷⁸⁹]+) ", lambda m: m.group(1).translate(sup) + ". ", text, flags=re.M)
    text = re.sub(r"[⁰¹²³⁴⁵⁶⁷⁸⁹]+", lambda m: "[" + m.group(0).translate(sup) + "]", text)
    with pytest.warns(briefconv.errors.BriefconvWarning, match="cp1252|Windows-1252"):
        doc = briefconv.read(text.encode("cp1252"), "txt")
    assert doc.metadata == capss.metadata
    assert doc.blocks == capss.blocks
    assert doc.notes == capss.notes


def test_txt_format_is_registered_with_its_aliases_and_extensions(sample_path):
    from briefconv.plugins import get_registry

    registry = get_registry()
    fmt = registry.format("txt")
    assert registry.format("text") is fmt and registry.format("plain") is fmt
    assert fmt.writer is None
    data = sample_path.read_bytes()
    assert fmt.reader(data, {}) == read_txt(data, {})
    assert registry.detect("brief.text").name == "txt"


# ------------------------------------------------ CRS R44243 (wrapped at 70)


@pytest.fixture(scope="module")
def speaker() -> ir.Document:
    return read_quietly(CRS_SPEAKER)


def test_r44243_title_block(speaker):
    meta = speaker.metadata
    assert meta.title == "Electing the Speaker of the House of Representatives: Frequently Asked Questions"
    assert [a.name for a in meta.authors] == ["Valerie Heitshusen"]
    author = meta.authors[0]
    assert (author.given, author.family) == ("Valerie", "Heitshusen")
    assert author.role == "Specialist on Congress and the Legislative Process"
    assert meta.date == "2026-04-21"
    assert meta.identifiers["report-number"] == "R44243"
    assert meta.publisher.name == "Congressional Research Service"


def test_r44243_numbered_headings_take_their_level_from_the_numbering(speaker):
    outline = headings(speaker)
    assert len(outline) == 10
    assert outline[0] == (1, "1. Introduction")
    assert [level for level, _ in outline[1:]] == [2] * 9
    # a heading wrapped onto two lines is one heading
    assert outline[2] == (2, "1.2. How Often Have Speaker Elections Occurred at a Time Other Than the Start of the Congress?")
    assert outline[-1] == (2, "1.9. What Happens If No Member Receives Sufficient Votes?")


def test_r44243_wrapped_paragraphs(speaker):
    paras = paragraphs(speaker)
    assert len(paras) == 12
    assert paras[0].startswith("This report briefly poses and answers several frequently asked questions in relation")
    assert "by agreeing to H.Res. 757 (118th Congress), declaring the Speaker’s office vacant." in paras[4]
    assert all("\n" not in p and "  " not in p for p in paras)


def test_r44243_caret_markers_reference_twenty_endnotes_in_order(speaker):
    assert len(speaker.notes) == 20
    assert note_refs(speaker.blocks) == [f"fn{i}" for i in range(1, 21)]
    assert "^" not in " ".join(paragraphs(speaker))
    assert note_text(speaker, "2") == (
        "This occurs before Members are sworn in. The use of the term Member in this report "
        "refers, in these cases, to a Member-elect."
    )
    # a wrapped line that starts with a number (435) is not a new note
    assert note_text(speaker, "18").startswith("In the period since the House first reached its current size of 435 Members")
    assert note_text(speaker, "20").endswith("a Speaker was elected on the fourth ballot.")
    links = [n.url for n in walk(speaker.notes[11].blocks[0].children) if isinstance(n, ir.Link)]
    assert links == ["https://www.gop.gov/conference-rules-of-the-119th-congress/", "https://www.dems.gov/rules-of-the-democratic-caucus"]


def test_r44243_acknowledgments_are_back_matter(speaker):
    assert speaker.back == (
        ir.Heading(1, (ir.Text("Acknowledgments"),)),
        ir.Paragraph((ir.Text("Richard S. Beth and Christopher M. Davis provided helpful comments."),)),
    )
    assert "Acknowledgments" not in " ".join(t for _, t in headings(speaker))


# --------------------------------------------- CRS 98-317 (web text, CRLF)


@pytest.fixture(scope="module")
def hearings() -> ir.Document:
    return read_quietly(CRS_HEARINGS)


def test_98_317_title_block(hearings):
    meta = hearings.metadata
    assert meta.title == "Types of Committee Hearings"
    assert [a.name for a in meta.authors] == ["Valerie Heitshusen"]
    assert meta.authors[0].role == "Specialist on Congress and the Legislative Process"
    assert meta.date == "2026-04-13"
    assert meta.identifiers["report-number"] == "98-317"
    assert meta.series == ir.Series("CRS Report", "98-317")
    assert meta.publisher.name == "Congressional Research Service"


def test_98_317_untitled_introduction_then_four_sections(hearings):
    assert headings(hearings) == [
        (1, "Legislative Hearings"), (1, "Oversight Hearings"),
        (1, "Investigative Hearings"), (1, "Confirmation Hearings"),
    ]
    first_heading = next(i for i, b in enumerate(hearings.blocks) if isinstance(b, ir.Heading))
    assert first_heading == 3
    assert all(isinstance(b, ir.Paragraph) for b in hearings.blocks[:3])
    assert len(paragraphs(hearings)) == 11


def test_98_317_bracket_markers_and_footnotes_list(hearings):
    assert len(hearings.notes) == 8
    assert note_refs(hearings.blocks) == [f"fn{i}" for i in range(1, 9)]
    assert "[1]" not in " ".join(paragraphs(hearings))
    assert note_text(hearings, "8") == "See, for example, committee Rule 10 of the Senate Foreign Relations Committee."
    assert note_text(hearings, "4") == (
        "See, for example, House Rule X, clause 4(a)(1), regarding required hearings by the "
        "House Committee on Appropriations."
    )


def test_98_317_acknowledgments_in_back_matter_and_disclaimer_recognised(hearings):
    assert hearings.back[0] == ir.Heading(1, (ir.Text("Acknowledgments"),))
    assert len(hearings.back) == 2
    assert plain(hearings.back[1].children).startswith("This report was originally written by Thomas P. Carr")
    disclaimer = hearings.metadata.disclaimer
    assert disclaimer.startswith("This document was prepared by the Congressional Research Service (CRS).")
    assert disclaimer.endswith("if you wish to copy or otherwise use copyrighted material.")
    assert not any("This document was prepared" in p for p in paragraphs(hearings))


# ------------------------------------------------ synthetic fixtures (fixtures/SYNTHETIC.md)


def synthetic(name: str) -> ir.Document:
    return read_quietly(FIXTURES / name)


LAYOUT_OUTLINE = [
    (1, "1. Introduction"), (1, "2. The Repair Gap"), (2, "2.1. Ships and Crews"),
    (2, "2.2. Spare Parts and Depots"), (1, "3. Recommendations"),
]


@pytest.mark.parametrize("name", ["synthetic-pdftotext-layout.txt", "synthetic-pdftotext-raw.txt"])
def test_pdftotext_brief_title_block(name):
    meta = synthetic(name).metadata
    assert meta.title == "Undersea Cables and the Security of the Indo-Pacific"
    assert meta.subtitle == "Why repair capacity matters more than new routes"
    assert [(a.given, a.family) for a in meta.authors] == [("Anna", "Kowalski"), ("Tomás", "Rivera")]
    assert meta.date == "2026-03"
    assert meta.series == ir.Series("Policy Brief", "12")
    assert meta.publisher == ir.Publisher("Institute for Maritime Studies")


@pytest.mark.parametrize("name", ["synthetic-pdftotext-layout.txt", "synthetic-pdftotext-raw.txt"])
def test_pdftotext_brief_furniture_removed_and_footnotes_gathered(name):
    doc = synthetic(name)
    assert headings(doc) == LAYOUT_OUTLINE
    text = " ".join(paragraphs(doc))
    for furniture in ("Page 1 of 3", "Page 2 of 3", "Policy Brief No. 12", "TeleGeography", "Lymington"):
        assert furniture not in text
    # the paragraph broken by page 1's footnotes and the page break is whole again
    assert "simultaneous faults: when several cables fail in the same area" in text
    assert len(doc.notes) == 6 and all(n.kind == "footnote" for n in doc.notes)
    assert note_refs(doc.blocks) == [f"fn{i}" for i in range(1, 7)]
    # digits glued to a word ('stations.1') and set apart ('weeks. 2 It') are both markers
    assert "landing stations. Governments" in text and "stations.1" not in text
    assert "rather than weeks. It sets out" in text
    # footnote 3 runs on at the foot of page 2
    assert note_text(doc, "3") == "International Cable Protection Committee, Annual Fault Statistics (Lymington: ICPC, 2025), 7."
    assert note_text(doc, "6") == "Rivera, “Permits and Power at Sea”, 118–120."
    lists = [b for b in doc.blocks if isinstance(b, ir.ListBlock)]
    assert len(lists) == 1 and not lists[0].ordered and len(lists[0].items) == 4
    assert plain(doc.blocks[-1].children).startswith("None of these steps")


def test_pdftotext_layout_paragraph_count():
    # first-line indents separate the paragraphs that no blank line separates
    assert len(paragraphs(synthetic("synthetic-pdftotext-layout.txt"))) == 8


@pytest.fixture(scope="module")
def allcaps() -> ir.Document:
    return synthetic("synthetic-allcaps-cp1252.txt")


def test_allcaps_cp1252_warns_about_the_encoding():
    with pytest.warns(briefconv.errors.BriefconvWarning, match="cp1252|Windows-1252"):
        briefconv.read(FIXTURES / "synthetic-allcaps-cp1252.txt", "txt")


def test_allcaps_title_block(allcaps):
    meta = allcaps.metadata
    assert meta.title == "Drones, Missiles and the Middle Powers: The Quiet Arms Race in Southeast Asia"
    assert meta.series == ir.Series("Occasional Paper", "7/2025")
    assert meta.date == "2025-11-14"
    assert meta.authors == (
        ir.Author("José Martínez", "José", "Martínez", "Dr", "Senior Fellow", ("Asia-Pacific Security Forum",)),
        ir.Author("Aiko Tanaka", "Aiko", "Tanaka", "Prof", "Visiting Professor", ("Kyoto University",)),
    )
    assert meta.publisher.name == "Asia-Pacific Security Forum"


def test_allcaps_headings_over_title_case_subheadings_and_no_contents(allcaps):
    assert headings(allcaps) == [
        (1, "SUMMARY"), (1, "THE NEW ARSENALS"), (2, "Drones at Sea"), (2, "Missiles on Land"),
        (1, "WHY MIDDLE POWERS ARM"), (1, "POLICY OPTIONS"),
    ]
    text = " ".join(paragraphs(allcaps))
    assert "...." not in text and "CONTENTS" not in text and "Page 2 of 5" not in text
    assert "safe – a change that affects great powers" in text  # joined across 'Page 3 of 5'
    assert "The €-denominated contracts" in text
    assert len(paragraphs(allcaps)) == 8


def test_allcaps_paren_markers_but_not_an_enumeration(allcaps):
    assert len(allcaps.notes) == 6
    assert note_refs(allcaps.blocks) == [f"fn{i}" for i in range(1, 7)]
    text = " ".join(paragraphs(allcaps))
    assert "three motives: (1) deterring a much larger neighbour, (2) protecting offshore resources and (3) building" in text
    assert "(4)" not in text
    assert note_text(allcaps, "2") == "Interviews were conducted between March and August 2025 on condition of anonymity."
    by_label = {n.label: n for n in allcaps.notes}
    assert ir.NoteCrossRef("fn3", (ir.Text("Ibid."),)) in by_label["4"].blocks[0].children
    assert ir.NoteCrossRef("fn2", (ir.Text("note 2"),)) in by_label["6"].blocks[0].children
    numbered = [b for b in allcaps.blocks if isinstance(b, ir.ListBlock)]
    assert len(numbered) == 1 and numbered[0].ordered and len(numbered[0].items) == 3


@pytest.fixture(scope="module")
def mekong() -> ir.Document:
    return synthetic("synthetic-bullets-utf16.txt")


def test_utf16_bullets_title_block(mekong):
    meta = mekong.metadata
    assert meta.title == "Water, Power and Peace on the Mekong"
    assert meta.series == ir.Series("Briefing Note", "4/2026")
    assert meta.date == "2026-02-03"
    assert meta.authors == (
        ir.Author("Sophie Laurent", "Sophie", "Laurent", None, "Research Fellow",
                  ("Centre for River Basin Governance",), "sophie.laurent@example.org"),
    )
    assert meta.keywords == ("Mekong", "hydropower", "water diplomacy", "China")
    assert meta.licence.url == "https://creativecommons.org/licenses/by/4.0/"


def test_utf16_roman_and_lettered_headings(mekong):
    assert headings(mekong) == [
        (1, "I. The River in Numbers"), (1, "II. Dams and Their Neighbours"), (2, "A. Upstream"),
        (2, "B. Downstream"), (2, "C. The Mekong River Commission"), (1, "III. What Can Be Done"),
    ]
    assert len(paragraphs(mekong)) == 6


def test_utf16_lists_of_every_bullet_kind(mekong):
    lists = [b for b in mekong.blocks if isinstance(b, ir.ListBlock)]
    assert [(l.ordered, len(l.items)) for l in lists] == [(False, 3), (False, 3), (True, 3)]
    nested = lists[1].items[1]
    assert plain(nested[0].children) == "the costs fall on fishing and farming communities, many of them far from the dam sites;"
    assert isinstance(nested[1], ir.ListBlock) and len(nested[1].items) == 2
    assert plain(lists[2].items[0][0].children) == "publish real-time data on reservoir levels and releases;"
    # a note marker inside a list item is a reference too
    assert note_refs(mekong.blocks) == [f"fn{i}" for i in range(1, 7)]


def test_utf16_endnotes_with_cross_references(mekong):
    assert len(mekong.notes) == 6
    assert note_text(mekong, "3") == 'Sebastian Biba, "China\'s Hydro-Politics in the Mekong", Water International 45 (2024): 301-317.'
    by_label = {n.label: n for n in mekong.notes}
    assert by_label["5"].blocks[0].children[1] == ir.NoteCrossRef("fn4", (ir.Text("n. 4"),))
    assert by_label["2"].blocks[0].children[0] == ir.NoteCrossRef("fn1", (ir.Text("Ibid."),))


@pytest.fixture(scope="module")
def thaw() -> ir.Document:
    return synthetic("synthetic-wrapped-running-heads.txt")


def test_wrapped_title_first_then_byline(thaw):
    meta = thaw.metadata
    assert meta.title == "The Seoul-Tokyo Thaw and What It Means for Regional Trade"
    assert [a.name for a in meta.authors] == ["Min-ji Park", "Daniel O'Connor"]
    assert meta.date == "2026-04-02"
    assert meta.series == ir.Series("Global Policy Watch", "41")
    assert meta.abstract.startswith("Relations between South Korea and Japan have improved faster than most")


def test_wrapped_hyphenation_and_running_heads(thaw):
    assert headings(thaw) == [(1, "THE POLITICAL BACKGROUND"), (1, "THE ECONOMIC RECORD"), (1, "WHAT COULD GO WRONG")]
    paras = paragraphs(thaw)
    assert len(paras) == 5
    text = " ".join(paras)
    assert "the international rules" in text          # 'inter-' / 'national' joined
    assert "Lee Jae-Myung's advisers" in text         # 'Jae-' / 'Myung' kept
    assert "self-certification schemes" in text       # 'self-' keeps its hyphen
    assert "describe the relationship as" in text
    assert "GLOBAL POLICY WATCH" not in text and "- 2 -" not in text
    assert "could undo much of the goodwill built over three years." in text


def test_wrapped_bracket_references(thaw):
    assert len(thaw.notes) == 5
    assert note_refs(thaw.blocks) == [f"fn{i}" for i in range(1, 6)]
    assert "fastest rise in a decade. Japanese" in " ".join(paragraphs(thaw))
    assert note_text(thaw, "1") == 'Yonhap News Agency, "Lee, Ishiba agree to expand shuttle diplomacy", 30 September 2025.'
    links = [n.url for n in walk(thaw.notes[2].blocks[0].children) if isinstance(n, ir.Link)]
    assert links == ["https://www.kita.org/stats"]


# ------------------------------------------------------------ every fixture to JATS

ALL_FIXTURES = sorted(p.name for p in FIXTURES.glob("*.txt"))


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_every_fixture_converts_to_jats_valid_against_the_archiving_dtd(name):
    from briefconv.validate import validate_bytes

    doc = read_quietly(FIXTURES / name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        xml = briefconv.write(doc, "jats")
    tagset, problems = validate_bytes(xml, "archiving")
    assert tagset == "archiving"
    assert problems == []


def test_fixture_list_covers_every_convention_file():
    assert len(ALL_FIXTURES) >= 8  # the sample, the two CRS briefs and the synthetic ones


# ------------------------------------------------------------------ linear time


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(SAMPLE.read_bytes() * 200, id="sample-x200"),
        pytest.param(b"word " * 400_000, id="one-2MB-line"),
        pytest.param(b"." * 2_000_000, id="dots"),
        pytest.param(b"<https://" * 200_000, id="unclosed-links"),
        pytest.param(b"*a " * 600_000, id="stars"),
        pytest.param(b"inter-\nnational " * 100_000, id="hyphens"),
    ],
)
def test_large_inputs_read_in_seconds(data):
    import time

    start = time.perf_counter()
    read_quietly(data)
    assert time.perf_counter() - start < 20


# ---------------------------------------------- ranks, post-nominals, setext/ATX


@pytest.fixture(scope="module")
def ranks() -> ir.Document:
    return synthetic("synthetic-ranks-setext.txt")


def test_ranks_and_postnominals_leave_the_name_clean(ranks):
    meta = ranks.metadata
    assert meta.title == "Airpower in the Himalayas: Lessons from Recent Exercises"
    assert meta.authors == (
        ir.Author("Anil Chopra", "Anil", "Chopra", "Air Marshal (Retd)", "Director General", ("CAPSS",)),
        ir.Author("Ravi Kumar", "Ravi", "Kumar", "Gp Capt (Retd)", "Senior Fellow",
                  ("Centre for Aerospace Power and Strategic Studies",)),
    )
    assert meta.series == ir.Series("CAPSS Issue Brief", "12/2025")
    assert meta.date == "2025-03-03"
    assert meta.publisher == ir.Publisher("Centre for Aerospace Power and Strategic Studies", "New Delhi")
    assert meta.disclaimer == "The views are the authors' own."
    assert meta.keywords == ("airpower", "Himalayas")


def test_setext_and_atx_headings_but_not_captions(ranks):
    assert headings(ranks) == [(1, "Background"), (2, "Lessons")]
    assert paragraphs(ranks) == [
        "High-altitude air operations have always tested machines and crews.",
        "Figure 1: Airfields above 3,000 metres",
        "Source: Author's compilation",
        "Three lessons stand out for planners today.",
    ]
    assert note_refs(ranks.blocks) == ["fn1", "fn2"]
    assert [note_text(ranks, n) for n in ("1", "2")] == ["First note.", "Second note."]


def test_unnumbered_bibliography_is_back_matter(ranks):
    assert ranks.back == (
        ir.Heading(1, (ir.Text("References"),)),
        ir.Paragraph((ir.Text("Smith, J. (2020). Mountain Air War. London: Routledge."),)),
    )


# ------------------------------------------- the sample, through PDF and pdftotext


def test_sample_through_pdf_and_pdftotext_reads_back_the_same(capss):
    again = synthetic("synthetic-capss-via-pdf-layout.txt")
    meta = again.metadata
    assert meta.licence == capss.metadata.licence
    assert meta == capss.metadata
    assert again.blocks == capss.blocks  # same headings, paragraphs, hyphens and note refs
    assert len(again.notes) == 17
    for before, after in zip(capss.notes, again.notes):
        # the PDF carries no '*italic*' markers: compare the visible text and links
        assert note_text(again, after.label) == note_text(capss, before.label)
        assert [n for n in walk(after.blocks[0].children) if isinstance(n, (ir.Link, ir.NoteCrossRef))] == [
            n for n in walk(before.blocks[0].children) if isinstance(n, (ir.Link, ir.NoteCrossRef))
        ]


@pytest.mark.parametrize(
    "original, through_pdf",
    [
        (CRS_SPEAKER, "synthetic-crs-R44243-via-pdf-layout.txt"),
        (CRS_HEARINGS, "synthetic-crs-98-317-via-pdf-layout.txt"),
    ],
)
def test_crs_briefs_through_pdf_and_pdftotext_read_back_the_same(original, through_pdf):
    before, after = read_quietly(original), synthetic(through_pdf)
    assert after.blocks == before.blocks
    assert after.back == before.back
    assert after.notes == before.notes
    for name in ("title", "authors", "date", "publisher", "disclaimer"):
        assert getattr(after.metadata, name) == getattr(before.metadata, name), name


def test_word_processor_plain_text_export_reads_like_the_sample(capss):
    again = synthetic("synthetic-word-export-oneline.txt")
    assert again.metadata == capss.metadata
    assert headings(again) == headings(capss)
    assert paragraphs(again) == paragraphs(capss)
    # endnotes with no heading after a rule, '[n]' markers in the text
    assert len(again.notes) == 17
    assert note_refs(again.blocks) == [f"fn{i}" for i in range(1, 18)]
    assert note_text(again, "9") == "Ibid."
    assert note_text(again, "17") == note_text(capss, "17")


# ------------------------------------------------------------ small title blocks


def test_author_pairs_bylines_with_roles_and_an_abstract_heading():
    text = (
        "The Arctic after the Ice\n\nJane Doe and John Smith\n\n"
        "By Maria Lopez, Senior Fellow, Nordic Policy Institute\n\nJune 2026\n\nAbstract\n\n"
        "The Arctic is warming four times faster than the rest of the planet. This paper looks "
        "at what that means for shipping and security.\n\nShipping Routes\n\n"
        "Text of the section about routes that goes on for a while and ends here.\n"
    )
    doc = read_quietly(text.encode())
    meta = doc.metadata
    assert meta.title == "The Arctic after the Ice"
    assert [a.name for a in meta.authors] == ["Jane Doe", "John Smith", "Maria Lopez"]
    assert meta.authors[2].role == "Senior Fellow"
    assert meta.authors[2].affiliations == ("Nordic Policy Institute",)
    assert meta.date == "2026-06"
    assert meta.abstract.startswith("The Arctic is warming four times faster")
    assert headings(doc) == [(1, "Shipping Routes")]
    assert len(paragraphs(doc)) == 1


def test_text_without_any_title_block_is_all_body():
    text = b"This is a plain paragraph of prose that someone pasted into a file, with no title at all.\n\nAnd a second one.\n"
    doc = read_quietly(text)
    assert doc.metadata == ir.Metadata()
    assert len(paragraphs(doc)) == 2


def test_lone_digit_that_could_be_a_marker_is_kept_with_a_warning():
    text = (
        "A Title\n\nJane Doe\n\nThe treaty was signed in Geneva.1 It entered into force later.\n\n"
        "Then came the day.3 Nobody noticed.\n\nNotes\n\n1. First source.\n2. Second source.\n3. Third source.\n"
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        doc = briefconv.read(text.encode(), "txt")
    messages = [str(w.message) for w in caught]
    assert any("possible note marker" in m and "day.3" in m for m in messages), messages
    assert note_refs(doc.blocks) == ["fn1"]
    assert "Then came the day.3 Nobody noticed." in paragraphs(doc)


def test_latin1_bytes_that_cp1252_cannot_decode_are_read_with_a_warning():
    text = "Caf\u00e9 Diplomacy\n\nJos\u00e9 Mart\u00ednez\n\nA paragraph about caf\u00e9s and \u00e6sthetics, long enough to be prose here.\n"
    data = text.encode("latin-1") + b"\x81\n"  # 0x81 is unassigned in cp1252
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        doc = briefconv.read(data, "txt")
    assert any("Latin-1" in str(w.message) for w in caught)
    assert doc.metadata.title == "Caf\u00e9 Diplomacy"
    assert doc.metadata.authors[0].name == "Jos\u00e9 Mart\u00ednez"


def test_numbered_items_in_chunks_of_their_own_are_one_list_but_numbered_headings_stay():
    doc = read_quietly((
        b"A Title\n\nJane Doe\n\nThe government could take three steps, each of them cheap and quick to do.\n\n"
        b"1. Agree on rules for the safe conduct of unmanned aircraft.\n\n"
        b"2. Share notifications of missile tests with neighbours.\n\n"
        b"3. Publish national holdings in an annual register.\n\nThese steps would help.\n\n"
        b"1. Background\n\nSome background text that goes on for a while and ends here.\n\n"
        b"2. Analysis\n\nMore text of the analysis section that goes on and ends.\n"
    ))
    lists = [b for b in doc.blocks if isinstance(b, ir.ListBlock)]
    assert len(lists) == 1 and lists[0].ordered and len(lists[0].items) == 3
    assert plain(lists[0].items[2][0].children) == "Publish national holdings in an annual register."
    assert headings(doc) == [(1, "1. Background"), (1, "2. Analysis")]
    assert len(paragraphs(doc)) == 4


@pytest.mark.parametrize(
    "text, number, targets",
    [
        ("Ibid.", 3, [2]), ("Id. at 5.", 3, [2]), ("See ibid., 4.", 3, [2]), ("Ibidem.", 2, [1]),
        ("Smith, n. 2, and note 1.", 3, [2, 1]), ("the id of the file", 3, []), ("Ibid.", 1, []),
        ("See n. 7 below.", 3, []),  # only earlier notes can be referred back to
    ],
)
def test_cross_reference_rule(text, number, targets):
    from briefconv.formats.txt_rules import cross_references

    assert [target for _, _, target in cross_references(text, number)] == targets


def test_email_headers_give_title_author_and_date():
    doc = synthetic("synthetic-email-headers.txt")
    meta = doc.metadata
    assert meta.title == "Briefing on the Arctic Council"
    assert meta.authors == (ir.Author("Jane Doe", "Jane", "Doe", email="jane.doe@example.org"),)
    assert meta.date == "2026-03-03"
    assert headings(doc) == [(1, "Why It Matters")]
    assert len(paragraphs(doc)) == 2
    body = doc.blocks[2].children
    assert ir.Strong((ir.Text("paralysed"),)) in body and ir.Emphasis((ir.Text("some"),)) in body
    assert note_refs(doc.blocks) == ["fn1"]
    assert [n.label for n in doc.notes] == ["1", "2"]
    assert doc.notes[1].blocks[0].children[0] == ir.NoteCrossRef("fn1", (ir.Text("Ibid."),))


def test_quoted_lines_make_a_block_quote():
    doc = read_quietly(
        b"A Title\n\nJane Doe\n\nThe minister said this, in a speech that was long and ended well.\n\n"
        b"> We will not accept\n> any change by force.\n>\n> Not now, not ever.\n\n"
        b"That was clear enough to everyone in the room at the time.\n"
    )
    assert doc.blocks[1] == ir.BlockQuote((
        ir.Paragraph((ir.Text("We will not accept any change by force."),)),
        ir.Paragraph((ir.Text("Not now, not ever."),)),
    ))
    assert len(paragraphs(doc)) == 2


def test_a_title_naming_an_organisation_is_still_the_title():
    doc = read_quietly(
        b"The Future of the Shanghai Cooperation Organisation\n\nBy Jane Doe\n\n3 March 2026\n\n"
        b"The organisation has grown from six members to ten, and its agenda has grown with it.\n"
    )
    assert doc.metadata.title == "The Future of the Shanghai Cooperation Organisation"
    assert doc.metadata.publisher is None
    assert [a.name for a in doc.metadata.authors] == ["Jane Doe"]


def test_series_name_and_number_on_lines_of_their_own():
    doc = read_quietly(
        b"ISSUE BRIEF\nNo. 745\nJANUARY 2026\n\nIndia's Semiconductor Push: Progress and Pitfalls\n\n"
        b"Rahul Sharma\n\nAbstract\n\nIndia has promised large subsidies to chip makers. This brief asks "
        b"whether the money is well spent.\n\nIn Brief\n\nIndia imports almost all the chips it uses, and the "
        b"bill is rising quickly.\n"
    )
    meta = doc.metadata
    assert meta.title == "India's Semiconductor Push: Progress and Pitfalls"
    assert meta.series == ir.Series("Issue Brief", "745")
    assert meta.date == "2026-01"
    assert [a.name for a in meta.authors] == ["Rahul Sharma"]
    assert meta.abstract.startswith("India has promised large subsidies")
    assert headings(doc) == [(1, "In Brief")]


def test_author_and_role_above_the_title():
    doc = read_quietly(
        b"Jane Doe\nSenior Fellow, Nordic Policy Institute\n\nThe Arctic after the Ice\n\n3 March 2026\n\n"
        b"The Arctic is warming four times faster than the rest of the planet, and that changes shipping.\n"
    )
    meta = doc.metadata
    assert meta.title == "The Arctic after the Ice"
    assert meta.authors == (ir.Author("Jane Doe", "Jane", "Doe", None, "Senior Fellow", ("Nordic Policy Institute",)),)
    assert meta.date == "2026-03-03"
    assert len(paragraphs(doc)) == 1


def test_acknowledgments_before_the_body_do_not_swallow_it():
    doc = read_quietly(
        b"The Arctic after the Ice\n\nJane Doe\n\n3 March 2026\n\nAcknowledgements\n\n"
        b"The author thanks the many colleagues who read drafts of this brief and commented.\n\n"
        b"Introduction\n\nThe Arctic is warming four times faster than the rest of the planet.\n\n"
        b"Conclusion\n\nIt will change more in the coming years than anyone now expects to see.\n"
    )
    assert headings(doc) == [(1, "Introduction"), (1, "Conclusion")]
    assert len(paragraphs(doc)) == 2
    assert doc.back[0] == ir.Heading(1, (ir.Text("Acknowledgements"),))
    assert len(doc.back) == 2


@pytest.mark.parametrize(
    "name",
    ["synthetic-bullets-utf16", "synthetic-allcaps-cp1252", "synthetic-ranks-setext", "synthetic-email-headers"],
)
def test_synthetic_briefs_through_pdf_and_pdftotext_read_back_the_same(name):
    before, after = synthetic(f"{name}.txt"), synthetic(f"{name}-via-pdf-layout.txt")
    # a PDF shows no '*' or '**' and sets setext and ATX headings alike: compare the
    # kinds of block, their text and where the notes are referenced
    assert shape(after.blocks) == shape(before.blocks)
    assert shape(after.back) == shape(before.back)
    assert note_refs(after.blocks) == note_refs(before.blocks)
    assert [note_text(after, n.label) for n in after.notes] == [note_text(before, n.label) for n in before.notes]
    for field_name in ("title", "date", "series", "publisher", "licence", "keywords"):
        assert getattr(after.metadata, field_name) == getattr(before.metadata, field_name), field_name
    assert [a.name for a in after.metadata.authors] == [a.name for a in before.metadata.authors]


@pytest.mark.parametrize("line, date", [
    ("29 February 2024", "2024-02-29"),
    ("29 February 2000", "2000-02-29"),
    ("29 February 2023", None),
    ("29 February 1900", None),
    ("31 April 2026", None),
    ("30 April 2026", "2026-04-30"),
])
def test_a_date_line_is_read_only_when_the_day_exists(line, date):
    brief = f"A Title for the Brief\n\n{line}\n\nThe first paragraph of the brief, long enough to be body text.\n"
    assert read_txt(brief.encode(), {}).metadata.date == date


# The emphasis pattern as plainly written, each alternative looking behind first; the
# reader's own looks behind after its opening mark, which is much quicker and must find
# exactly the same spans.
PLAIN_EMPHASIS = (
    r"(?<![\w*])\*\*(?=\S)(?P<strong>[^*\n]{1,500}?)(?<=\S)\*\*(?![\w*])"
    r"|(?<![\w*])\*(?=\S)(?P<a>[^*\n]{1,500}?)(?<=\S)\*(?![\w*])"
    r"|(?<![\w_])_(?=\S)(?P<b>[^_\n]{1,500}?)(?<=\S)_(?![\w_])"
)


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(["*", "**", "_", "a", "é", " ", "\n", ".", "1", "(", "x_y", "*a*"]), max_size=30)
       .map("".join))
def test_the_quick_emphasis_pattern_finds_what_the_plain_one_does(text):
    import re

    from briefconv.formats import txt_rules

    def spans(pattern):
        return [(m.span(), m.groupdict()) for m in pattern.finditer(text)]

    assert spans(txt_rules._EMPHASIS) == spans(re.compile(PLAIN_EMPHASIS))
