"""JATS writer and reader: every JATS file a test produces is validated against the DTD."""

from __future__ import annotations

import dataclasses
import re
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

import briefconv
from briefconv import ir
from briefconv.errors import BriefconvWarning, InputError, MissingMetadataError
from briefconv.formats.irjson_writer import document_to_json
from briefconv.formats.jats import sniff_jats
from briefconv.formats.jats_common import squeeze
from briefconv.formats.jats_reader import read_jats
from briefconv.formats.jats_writer import write_jats, write_jats_publishing
from briefconv.validate import parse_untrusted, validate_bytes

from conftest import FIXTURES

XLINK = "{http://www.w3.org/1999/xlink}href"
ALI_REF = "{http://www.niso.org/schemas/ali/1.0/}license_ref"
CC_BY_NC_ND = "https://creativecommons.org/licenses/by-nc-nd/4.0/"


def assert_valid(data: bytes, tagset: str) -> etree._Element:
    """``data`` is valid against the shipped DTD of ``tagset``; return its root."""
    chosen, problems = validate_bytes(data, tagset)
    assert problems == [], "\n".join(f"{p.line}: {p.message}" for p in problems)
    return parse_untrusted(data).getroot()


def jats(document: ir.Document) -> bytes:
    """Archiving JATS of ``document``, checked against the DTD."""
    data = write_jats(document, {})
    assert_valid(data, "archiving")
    return data


def T(text: str) -> ir.Text:
    return ir.Text(text)


def P(*children: ir.Inline) -> ir.Paragraph:
    return ir.Paragraph(tuple(children))


def brief() -> ir.Document:
    """A brief built like the sample: title block, sections, notes with Ibid. and n. 1."""
    meta = ir.Metadata(
        title="Practical Diplomacy in Practice",
        subtitle="Two Visits",
        authors=(ir.Author(name="Priyanka Yadav", given="Priyanka", family="Yadav", honorific="Ms",
                           role="Research Associate",
                           affiliations=("Centre for Aerospace Power and Strategic Studies",)),),
        date="2026-01-23",
        publisher=ir.Publisher("Centre for Aerospace Power and Strategic Studies", "New Delhi"),
        series=ir.Series("CAPSS In Focus", "03/2026"),
        keywords=("South Korea", "China-South Korea Relations", "US-South Korea alliance", "THAAD"),
        licence=ir.Licence("This work is licensed under Creative Commons Attribution – Non-Commercial – "
                           "No Derivatives 4.0 International License.", CC_BY_NC_ND),
        disclaimer="The views and opinions expressed in this article are those of the author.",
        language="en",
    )
    blocks = (
        ir.Heading(1, (T("Introduction"),)),
        P(T("The year began with a trip."), ir.NoteRef("fn1"), T(" It was the first.")),
        ir.Heading(1, (T("Economic Ties"),)),
        P(T("Around 200 business leaders came."), ir.NoteRef("fn2"),
          T(" Xi said, “Friends grow closer.”"), ir.NoteRef("fn3")),
        ir.Heading(2, (T("Details"),)),
        ir.BlockQuote((P(T("Three feet of ice doesn’t melt at once.")),)),
        ir.ListBlock(True, ((P(T("first")),), (P(T("second")),))),
        ir.Heading(1, (T("Parting Thoughts"),)),
        P(T("A "), ir.Strong((T("bold"),)), T(" and "), ir.Superscript((T("sup"),)),
          T(" and H"), ir.Subscript((T("2"),)), T("O.")),
    )
    notes = (
        ir.Note("fn1", "1", (P(T("Mitch Shin, “Lee and Xi,” "), ir.Emphasis((T("The Diplomat"),)),
                               T(", November 03, 2025, "),
                               ir.Link("https://thediplomat.com/2025/11/lee/",
                                       (T("https://thediplomat.com/2025/11/lee/"),)),
                               T(".")),)),
        ir.Note("fn2", "2", (P(T("Shin, "), ir.NoteCrossRef("fn1", (T("n. 1"),)), T(".")),)),
        ir.Note("fn3", "3", (P(ir.NoteCrossRef("fn2", (T("Ibid."),))),)),
    )
    back = (ir.Heading(1, (T("Acknowledgments"),)), P(T("The author thanks the reviewers."))),
    return ir.Document(meta, blocks, back[0], notes)


def with_identifiers(document: ir.Document, **identifiers: str) -> ir.Document:
    meta = dataclasses.replace(document.metadata, identifiers={**document.metadata.identifiers, **identifiers})
    return dataclasses.replace(document, metadata=meta)


def texts(root: etree._Element, path: str) -> list[str]:
    return [" ".join("".join(el.itertext()).split()) for el in root.iterfind(path)]


# ---------------------------------------------------------------------- the writer


def test_archiving_output_declares_doctype_version_and_encoding():
    data = jats(brief())
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE article PUBLIC "-//NLM//DTD JATS')
    tree = etree.ElementTree(parse_untrusted(data).getroot())
    assert "Archiving" in parse_untrusted(data).docinfo.public_id
    assert tree.getroot().get("dtd-version") == "1.1"
    assert tree.getroot().get("{http://www.w3.org/XML/1998/namespace}lang") == "en"


def test_front_matter_is_mapped_semantically():
    root = assert_valid(jats(brief()), "archiving")
    journal = root.find("front/journal-meta")
    assert journal.findtext("journal-id") == "capss-in-focus"
    assert texts(journal, "journal-title-group/journal-title") == ["CAPSS In Focus"]
    assert journal.findtext("publisher/publisher-name") == "Centre for Aerospace Power and Strategic Studies"
    assert journal.findtext("publisher/publisher-loc") == "New Delhi"

    meta = root.find("front/article-meta")
    assert meta.find("article-id[@pub-id-type='publisher-id']").text == "03/2026"
    assert meta.findtext("title-group/article-title") == "Practical Diplomacy in Practice"
    assert meta.findtext("title-group/subtitle") == "Two Visits"
    contrib = meta.find("contrib-group/contrib[@contrib-type='author']")
    assert contrib.findtext("name/surname") == "Yadav"
    assert contrib.findtext("name/given-names") == "Priyanka"
    assert contrib.findtext("name/prefix") == "Ms"
    assert contrib.findtext("role") == "Research Associate"
    aff_id = contrib.find("xref[@ref-type='aff']").get("rid")
    assert texts(meta, f".//aff[@id='{aff_id}']") == ["Centre for Aerospace Power and Strategic Studies"]
    date = meta.find("pub-date")
    assert date.get("iso-8601-date") == "2026-01-23"
    assert (date.findtext("year"), date.findtext("month"), date.findtext("day")) == ("2026", "01", "23")
    licence = meta.find("permissions/license")
    assert licence.get(XLINK) == CC_BY_NC_ND
    assert licence.findtext(ALI_REF) == CC_BY_NC_ND
    assert "No Derivatives 4.0" in licence.findtext("license-p")
    assert texts(meta, "kwd-group/kwd") == list(brief().metadata.keywords)
    assert texts(meta, "author-notes/fn/p") == [brief().metadata.disclaimer]


def test_body_sections_follow_heading_levels_with_ids():
    root = assert_valid(jats(brief()), "archiving")
    top = root.findall("body/sec")
    assert [s.findtext("title") for s in top] == ["Introduction", "Economic Ties", "Parting Thoughts"]
    assert [s.findtext("title") for s in top[1].findall("sec")] == ["Details"]
    ids = [s.get("id") for s in root.iter("sec")]
    assert len(ids) == len(set(ids)) and all(ids)
    details = top[1].find("sec")
    assert details.find("disp-quote/p") is not None
    assert details.find("list").get("list-type") == "order"
    last = top[2].find("p")
    assert [child.tag for child in last] == ["bold", "sup", "sub"]


def test_notes_are_fn_elements_linked_by_xrefs_that_all_resolve():
    root = assert_valid(jats(brief()), "archiving")
    fns = root.findall("back/fn-group/fn")
    assert [fn.findtext("label") for fn in fns] == ["1", "2", "3"]
    body_refs = [x.get("rid") for x in root.iterfind("body//xref[@ref-type='fn']")]
    assert body_refs == [fn.get("id") for fn in fns]
    ids = {el.get("id") for el in root.iter() if el.get("id")}
    assert all(x.get("rid") in ids for x in root.iter("xref"))
    cross = {fn.findtext("label"): [(x.get("rid"), x.text) for x in fn.iter("xref")] for fn in fns}
    assert cross["2"] == [(fns[0].get("id"), "n. 1")]
    assert cross["3"] == [(fns[1].get("id"), "Ibid.")]
    first = fns[0]
    assert first.findtext("p/italic") == "The Diplomat"
    assert first.find("p/ext-link").get(XLINK) == "https://thediplomat.com/2025/11/lee/"


def test_acknowledgments_become_ack_in_back():
    root = assert_valid(jats(brief()), "archiving")
    assert root.findtext("back/ack/title") == "Acknowledgments"
    assert texts(root, "back/ack/p") == ["The author thanks the reviewers."]


def test_output_is_deterministic_and_indented_only_outside_text():
    first, second = write_jats(brief(), {}), write_jats(brief(), {})
    assert first == second
    assert b"\n      <sec id=" in first  # indented structure
    assert b"<p>The year began with a trip.<xref" in first  # no whitespace added inside text


def test_publishing_with_issn_is_valid_against_publishing_dtd():
    data = write_jats_publishing(with_identifiers(brief(), issn="2583-1234"), {})
    root = assert_valid(data, "publishing")
    assert "Journal Publishing" in parse_untrusted(data).docinfo.public_id
    assert root.findtext("front/journal-meta/issn") == "2583-1234"
    assert root.findtext("front/journal-meta/journal-id") == "capss-in-focus"


def test_publishing_without_issn_says_what_is_missing_and_how_to_give_it():
    with pytest.raises(MissingMetadataError) as caught:
        write_jats_publishing(brief(), {})
    assert "ISSN" in caught.value.message and "-M issn=" in caught.value.message
    no_series = dataclasses.replace(brief(), metadata=dataclasses.replace(brief().metadata, series=None))
    with pytest.raises(MissingMetadataError, match="-M journal-id="):
        write_jats_publishing(with_identifiers(no_series, issn="2583-1234"), {})


def test_publishing_cli_exits_2_without_issn_and_succeeds_with_it(tmp_path, cli):
    source = tmp_path / "brief.json"
    source.write_text(document_to_json(brief()), encoding="utf-8")
    failed = cli(source, "-t", "jats_publishing", "-o", tmp_path / "fail.xml")
    assert failed.returncode == 2
    assert b"-M issn=" in failed.stderr and not (tmp_path / "fail.xml").exists()
    done = cli(source, "-t", "jats_publishing", "-M", "issn=2583-1234", "-o", tmp_path / "ok.xml")
    assert done.returncode == 0, done.stderr
    assert_valid((tmp_path / "ok.xml").read_bytes(), "publishing")


def test_ids_are_sanitised_into_xml_names():
    notes = (ir.Note("1", "1", (P(T("one")),)), ir.Note("note two!", "2", (P(T("two")),)),
             ir.Note("note-two", "3", (P(T("three")),)))
    document = ir.Document(blocks=(P(ir.NoteRef("1"), ir.NoteRef("note two!"), ir.NoteRef("note-two")),),
                           notes=notes)
    root = assert_valid(jats(document), "archiving")
    ids = [fn.get("id") for fn in root.iter("fn")]
    assert len(set(ids)) == 3 and all(i[0].isalpha() for i in ids)
    assert [x.get("rid") for x in root.iter("xref")] == ids


def test_awkward_content_is_warned_about_and_still_valid():
    document = ir.Document(
        metadata=ir.Metadata(date="23 January 2026", publisher=ir.Publisher("", "Delhi"),
                             licence=ir.Licence(url=CC_BY_NC_ND)),
        blocks=(
            P(ir.Link("https://a.org", (T("a "), ir.Link("https://b.org", (T("b"),)), ir.NoteRef("n"))),
              T("bad\x01char"), ir.NoteRef("missing")),
            ir.ListBlock(False, ((ir.Heading(1, (T("in list"),)), ir.BlockQuote((P(T("q")),))), ())),
        ),
        notes=(ir.Note("n", "*", ()),),
    )
    with pytest.warns(BriefconvWarning) as record:
        root = assert_valid(jats(document), "archiving")
    messages = " ".join(str(w.message) for w in record)
    for expected in ("link inside a link", "moved after the link", "control characters", "does not exist",
                     "bold paragraph", "not ISO 8601", "publisher place", "licence URL"):
        assert expected in messages
    assert [x.get("rid") for x in root.iter("xref")] == ["n"]


def test_markup_characters_in_addresses_and_text_reach_a_parser_unchanged():
    """The writer escapes by hand: what a parser reads back is exactly what was written."""
    url = 'https://x.test/a?b=1&c="2"<3>\t\r\n\'\U0001F600'
    document = ir.Document(
        metadata=ir.Metadata(title='Cost & "benefit" <of> it', identifiers={"url": url.split("\t")[0]}),
        blocks=(P(T("a < b && c > d "), ir.Link(url, ())),),
    )
    root = assert_valid(jats(document), "archiving")
    assert texts(root, "front/article-meta/title-group/article-title") == ['Cost & "benefit" <of> it']
    assert root.find("front/article-meta/self-uri").get(XLINK) == url.split("\t")[0]
    link = root.find("body/p/ext-link")
    assert link.get(XLINK) == url and link.text == url  # an empty link shows its address
    assert root.find("body/p").text == "a < b && c > d "


def test_a_control_character_in_an_identifier_scheme_is_dropped_with_a_warning():
    with pytest.warns(BriefconvWarning, match="control characters"):
        root = assert_valid(jats(with_identifiers(brief(), **{"report\x01number": "7"})), "archiving")
    ids = root.findall("front/article-meta/article-id[@specific-use='reportnumber']")
    assert [i.text for i in ids] == ["7"]


def test_registering_jats_imports_neither_side_and_writing_it_imports_no_lxml(sample_path):
    """The plugin module is loaded on every start; the writer builds its XML as text, so a
    conversion to JATS does not pay for importing lxml (tens of milliseconds)."""
    import subprocess
    import sys

    code = (
        "import sys, briefconv.formats.jats\n"
        "print(sorted(m for m in sys.modules if m.startswith(('lxml', 'briefconv.formats.jats_'))))\n"
        "from briefconv.api import read_bytes, render\n"
        f"doc = read_bytes(open({str(sample_path)!r}, 'rb').read(), 's.txt', 'txt')\n"
        "data = render(doc, 'jats')\n"
        "print(len(data), sorted(m for m in sys.modules if m.startswith('lxml')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    registered, written = out.splitlines()
    assert registered == "[]"
    assert int(written.split()[0]) > 10000 and written.split(" ", 1)[1] == "[]"


def test_heading_level_jumps_still_nest_validly():
    document = ir.Document(blocks=(ir.Heading(3, (T("deep first"),)), P(T("x")), ir.Heading(1, (T("top"),)),
                                   ir.Heading(4, (T("jump"),)), ir.Heading(2, (T("middle"),)), P(T("y"))))
    root = assert_valid(jats(document), "archiving")
    assert [s.findtext("title") for s in root.findall("body/sec")] == ["deep first", "top"]
    assert [s.findtext("title") for s in root.findall("body/sec/sec")] == ["jump", "middle"]


# ---------------------------------------------------------------------- the reader


def test_our_own_output_reads_back_to_the_same_document():
    assert read_jats(jats(brief()), {}) == brief()


def test_a_date_part_in_digits_that_are_not_ascii_is_left_out():
    xml = jats(brief()).decode()
    assert "<month>" in xml
    odd = re.sub(r' iso-8601-date="[^"]*"', "", xml).replace("<month>", "<month>²", 1)
    odd = re.sub(r"<month>²\d+</month>", "<month>²</month>", odd, count=1)
    assert read_jats(odd.encode(), {}).metadata.date == brief().metadata.date[:4]


def test_writing_what_was_read_is_a_fixed_point():
    first = jats(brief())
    assert jats(read_jats(first, {})) == first
    publishing = write_jats_publishing(with_identifiers(brief(), issn="2583-1234"), {})
    again = read_jats(publishing, {})
    assert again.metadata.identifiers["issn"] == "2583-1234"
    assert write_jats_publishing(again, {}) == publishing


def test_pmc_style_article_reads_metadata_sections_notes_and_warns_about_the_rest():
    with pytest.warns(BriefconvWarning) as record:
        document = briefconv.read(FIXTURES / "jats-pmc-article.xml")
    messages = " ".join(str(w.message) for w in record)
    for lost in ("tables", "figures", "formulas", "author notes"):
        assert lost in messages
    meta = document.metadata
    assert meta.title == "Water Sharing on the Mekong: Lessons for Basin Diplomacy"
    assert [(a.given, a.family, a.honorific) for a in meta.authors] == [
        ("Thi Lan", "Nguyen", "Dr"), ("Ji-ho", "Park", None)]
    assert meta.authors[1].name == "Park Ji-ho"  # name-style="eastern"
    assert meta.authors[1].affiliations == ("Institute of Water Policy, Hanoi, Vietnam",
                                            "Graduate School of International Studies, Seoul, Korea")
    assert meta.date == "2025-03-07"
    assert meta.series == ir.Series("Policy Review of Asia", None)
    assert meta.identifiers["issn"] == "1234-5679" and meta.identifiers["eissn"] == "2345-6784"
    assert meta.identifiers["doi"] == "10.5555/pra.2025.0042"
    assert meta.licence.url == "https://creativecommons.org/licenses/by/4.0/"
    assert meta.keywords == ("Mekong", "water diplomacy", "transboundary rivers")
    headings = [(b.level, squeeze(b.children)) for b in document.blocks if isinstance(b, ir.Heading)]
    assert headings == [(1, (T("1. Introduction"),)), (2, (T("Data "), ir.Strong((T("sharing"),)))),
                        (1, (T("2. Conclusion"),))]
    first = document.blocks[1]
    assert [n.note_id for n in first.children if isinstance(n, ir.NoteRef)] == ["fn1", "fn2"]
    assert any(isinstance(b, ir.ListBlock) and not b.ordered for b in document.blocks)  # list inside a <p>
    assert any(isinstance(b, ir.BlockQuote) for b in document.blocks)
    notes = {n.id: n for n in document.notes}
    assert set(notes) == {"fn1", "fn2", "fn3"}
    assert ir.NoteCrossRef("fn1", (T("note 1"),)) in notes["fn2"].blocks[0].children
    assert isinstance(notes["fn3"].blocks[0].children[1], ir.Link)
    assert document.back[0] == ir.Heading(1, (T("Acknowledgments"),))
    assert document.back[2:] == (ir.Heading(1, (T("References"),)),
                                 P(T("A. Author, "), ir.Emphasis((T("Rivers"),)), T(", 2020.")))
    # and what it read can be written back as valid JATS of both tag sets
    assert_valid(write_jats(document, {}), "archiving")
    assert_valid(write_jats_publishing(document, {}), "publishing")


def test_pandoc_jats_archiving_output_reads_into_the_same_headings_and_notes():
    pypandoc = pytest.importorskip("pypandoc")
    expected = dataclasses.replace(brief(), back=())  # Markdown has no back matter
    markdown = briefconv.write(expected, "md").decode("utf-8")
    pandoc_jats = pypandoc.convert_text(markdown, "jats_archiving", format="markdown-smart", extra_args=["-s"])
    document = read_jats(pandoc_jats.encode("utf-8"), {})
    headings = lambda doc: [(b.level, b.children) for b in doc.blocks if isinstance(b, ir.Heading)]
    assert headings(document) == headings(expected)
    assert [n.label for n in document.notes] == [n.label for n in expected.notes]
    refs = [n.note_id for b in document.blocks if isinstance(b, ir.Paragraph)
            for n in b.children if isinstance(n, ir.NoteRef)]
    assert refs == [n.id for n in document.notes]
    first_note = document.notes[0].blocks[0].children
    assert ir.Emphasis((T("The Diplomat"),)) in first_note
    assert any(isinstance(n, ir.Link) and n.url == "https://thediplomat.com/2025/11/lee/" for n in first_note)
    assert_valid(write_jats(document, {}), "archiving")


@pytest.mark.parametrize("name", ["jats-xxe.xml", "jats-billion-laughs.xml"])
def test_entity_attacks_give_a_clean_error_and_read_nothing(name, cli, tmp_path):
    with pytest.raises(InputError, match="entities"):
        briefconv.read(FIXTURES / name)
    result = cli(FIXTURES / name, "-t", "json", "-o", tmp_path / "out.json")
    assert result.returncode == 2
    assert b"entities" in result.stderr and b"root:" not in result.stderr + result.stdout
    assert not (tmp_path / "out.json").exists()


def test_undeclared_entities_are_expanded_from_the_html_table_or_dropped_with_a_warning():
    data = (b'<?xml version="1.0"?>\n<!DOCTYPE article PUBLIC "-//NLM//DTD JATS (Z39.96) Journal Archiving and '
            b'Interchange DTD v1.1 20151215//EN" "JATS-archivearticle1.dtd">\n'
            b'<article><body><p>a&nbsp;b &unknownthing; c</p></body></article>')
    with pytest.warns(BriefconvWarning, match="unknownthing"):
        document = read_jats(data, {})
    assert document.blocks == (P(T("a\u00a0b c")),)


def test_malformed_and_foreign_xml_give_input_errors():
    with pytest.raises(InputError, match="line 2"):
        read_jats(b"<article>\n<body><p>x</body></article>", {})
    with pytest.raises(InputError, match="root element is <html>"):
        read_jats(b"<html><body/></html>", {})


def test_sniff_recognises_jats_but_not_docbook_or_other_xml(tmp_path):
    assert sniff_jats(jats(brief())[:4096])
    assert sniff_jats((FIXTURES / "jats-pmc-article.xml").read_bytes()[:4096])
    assert not sniff_jats(b'<?xml version="1.0"?><article xmlns="http://docbook.org/ns/docbook" version="5.0">')
    assert not sniff_jats(b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>')
    path = tmp_path / "paper.xml"
    path.write_bytes(jats(brief()))
    assert briefconv.read(path) == brief()  # detected from .xml and the content


# ------------------------------------------------------------------ every document

_words = st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "Zs")), min_size=1, max_size=12)


def _inline_strategy(note_ids: list[str]):
    leaves = st.one_of(_words.map(ir.Text), st.just(ir.LineBreak()),
                       st.sampled_from(note_ids + ["no-such-note"]).map(ir.NoteRef))
    return st.recursive(leaves, lambda children: st.one_of(
        st.tuples(children).map(lambda c: ir.Emphasis(c)),
        st.tuples(children, children).map(lambda c: ir.Strong(c)),
        st.tuples(children).map(lambda c: ir.Superscript(c)),
        st.tuples(children).map(lambda c: ir.Subscript(c)),
        st.tuples(children).map(lambda c: ir.Link("https://example.org/a?b=1&c=<2>", c)),
        st.builds(lambda i, c: ir.NoteCrossRef(i, c), st.sampled_from(note_ids + ["gone"]), st.tuples(children)),
    ), max_leaves=4)


@st.composite
def documents(draw):
    note_ids = draw(st.lists(st.sampled_from(["fn1", "2", "x y", "fn1", "n:3"]), max_size=3, unique=True))
    inlines = st.lists(_inline_strategy(note_ids or ["fn1"]), max_size=4).map(tuple)
    blocks = st.recursive(
        st.one_of(inlines.map(ir.Paragraph), st.builds(ir.Heading, st.integers(1, 4), inlines)),
        lambda inner: st.one_of(
            st.lists(inner, max_size=2).map(lambda b: ir.BlockQuote(tuple(b))),
            st.builds(lambda o, items, s: ir.ListBlock(o, tuple(tuple(i) for i in items), s),
                      st.booleans(), st.lists(st.lists(inner, max_size=2), max_size=3), st.integers(1, 3)),
        ), max_leaves=4)
    block_list = st.lists(blocks, max_size=4).map(tuple)
    metadata = ir.Metadata(
        title=draw(st.none() | _words), subtitle=draw(st.none() | _words),
        authors=tuple(draw(st.lists(st.builds(
            ir.Author, name=_words, given=st.none() | _words, family=st.none() | _words,
            honorific=st.none() | st.just("Dr"), role=st.none() | _words,
            affiliations=st.lists(st.sampled_from(["A", "B & C"]), max_size=2).map(tuple),
            email=st.none() | st.just("a@b.org")), max_size=2))),
        date=draw(st.none() | st.sampled_from(["2026", "2026-01", "2026-01-23"])),
        series=draw(st.none() | st.builds(ir.Series, st.none() | _words, st.none() | _words)),
        keywords=tuple(draw(st.lists(_words, max_size=3))),
        abstract=draw(st.none() | _words), disclaimer=draw(st.none() | _words),
        identifiers=draw(st.dictionaries(st.sampled_from(["issn", "doi", "report-number", "url"]), _words,
                                         max_size=2)),
    )
    notes = tuple(ir.Note(i, str(n), draw(block_list), draw(st.sampled_from(["endnote", "footnote"])))
                  for n, i in enumerate(note_ids, start=1))
    return ir.Document(metadata, draw(block_list), draw(block_list), notes)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_every_document_gives_valid_jats_of_both_tag_sets_and_rewrites_to_itself(document):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BriefconvWarning)
        archiving = jats(document)
        reread = read_jats(archiving, {})
        assert jats(reread) == archiving
        try:
            publishing = write_jats_publishing(document, {})
        except MissingMetadataError:
            return
        assert_valid(publishing, "publishing")



# ------------------------------------------------------------- the sample brief


@pytest.fixture(scope="module")
def sample_jats(sample_doc) -> bytes:
    return jats(sample_doc)


def test_sample_brief_front_matter(sample_jats):
    root = assert_valid(sample_jats, "archiving")
    meta = root.find("front/article-meta")
    assert meta.findtext("title-group/article-title").startswith("Practical Diplomacy in Practice")
    name = meta.find("contrib-group/contrib/name")
    assert (name.findtext("given-names"), name.findtext("surname"), name.findtext("prefix")) == (
        "Priyanka", "Yadav", "Ms")
    assert texts(meta, "contrib-group/aff") == ["Centre for Aerospace Power and Strategic Studies"]
    assert meta.find("pub-date").get("iso-8601-date") == "2026-01-23"
    assert texts(meta, "kwd-group/kwd") == ["South Korea", "China-South Korea Relations",
                                            "US-South Korea alliance", "THAAD"]
    assert meta.find("permissions/license").get(XLINK) == CC_BY_NC_ND
    assert "do not necessarily reflect" in texts(meta, "author-notes/fn/p")[0]
    assert meta.find("article-id[@pub-id-type='publisher-id']").text == "03/2026"
    assert root.findtext("front/journal-meta/journal-title-group/journal-title") == "CAPSS In Focus"


def test_sample_brief_body_and_notes(sample_jats):
    root = assert_valid(sample_jats, "archiving")
    assert [s.findtext("title") for s in root.iter("sec")] == [
        "Introduction", "Strengthening Economic Ties with China", "Choosing a Pathway in Turbulent Times",
        "Addressing North Korea", "A Look at Seoul-Tokyo Summit Talks", "Parting Thoughts"]
    assert len(root.findall("body//p")) == 12
    fns = root.findall("back/fn-group/fn")
    assert [fn.findtext("label") for fn in fns] == [str(n) for n in range(1, 18)]
    body_refs = [x.get("rid") for x in root.iterfind("body//xref[@ref-type='fn']")]
    assert body_refs == [fn.get("id") for fn in fns]  # 17 references, in order
    first = fns[0]
    assert first.findtext("p/italic") == "The Diplomat"
    assert first.find("p/ext-link").get(XLINK).startswith("https://thediplomat.com/2025/11/")
    by_label = {fn.findtext("label"): fn for fn in fns}
    id_of = {label: fn.get("id") for label, fn in by_label.items()}
    for source, target in (("6", "4"), ("9", "8"), ("14", "11")):
        assert [x.get("rid") for x in by_label[source].iter("xref")] == [id_of[target]]


def test_sample_brief_jats_round_trips(sample_doc, sample_jats):
    assert read_jats(sample_jats, {}) == sample_doc
    assert jats(read_jats(sample_jats, {})) == sample_jats


def test_sample_brief_publishing(tmp_path, cli, sample_path):
    out = tmp_path / "brief.xml"
    done = cli(sample_path, "-t", "jats_publishing", "-M", "issn=2583-1234", "-o", out)
    assert done.returncode == 0, done.stderr
    assert_valid(out.read_bytes(), "publishing")
    failed = cli(sample_path, "-t", "jats_publishing", "-o", tmp_path / "no.xml")
    assert failed.returncode == 2 and b"-M issn=" in failed.stderr


def test_sample_brief_via_jats_gives_the_same_markdown(sample_doc, sample_jats):
    assert briefconv.write(read_jats(sample_jats, {}), "md") == briefconv.write(sample_doc, "md")


def test_pandoc_jats_of_the_sample_brief_reads_into_the_same_headings_and_notes(sample_doc):
    pypandoc = pytest.importorskip("pypandoc")
    markdown = briefconv.write(dataclasses.replace(sample_doc, back=()), "md").decode("utf-8")
    pandoc_jats = pypandoc.convert_text(markdown, "jats_archiving", format="markdown-smart", extra_args=["-s"])
    document = read_jats(pandoc_jats.encode("utf-8"), {})
    headings = lambda doc: [(b.level, b.children) for b in doc.blocks if isinstance(b, ir.Heading)]
    assert headings(document) == headings(sample_doc)
    assert [n.label for n in document.notes] == [n.label for n in sample_doc.notes]
    assert [n.blocks for n in document.notes][1:5] == [n.blocks for n in sample_doc.notes][1:5]
    assert_valid(write_jats(document, {}), "archiving")


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.txt")), ids=lambda p: p.name)
def test_every_text_fixture_gives_valid_jats_that_reads_back_losslessly(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BriefconvWarning)
        document = briefconv.read(path)
    data = jats(document)
    assert read_jats(data, {}) == document
    if document.metadata.title and document.metadata.date:  # what Publishing needs besides an ISSN
        given = with_identifiers(document, issn="2583-1234", **{"journal-id": "test"})
        assert_valid(write_jats_publishing(given, {}), "publishing")


def test_notes_written_in_place_without_ids_are_still_linked():
    data = (b'<article><body><p>One<fn><p>first</p></fn> and two<fn id="b"><label>*</label><p>second</p></fn>.</p>'
            b'<list list-type="order"><list-item><label>3.</label><p>third</p></list-item></list></body></article>')
    document = read_jats(data, {})
    assert document.blocks[0] == P(T("One"), ir.NoteRef("fn1"), T(" and two"), ir.NoteRef("b"), T("."))
    assert [(n.id, n.label, n.blocks) for n in document.notes] == [("fn1", "1", (P(T("first")),)),
                                                                   ("b", "*", (P(T("second")),))]
    assert document.blocks[1] == ir.ListBlock(True, ((P(T("third")),),), start=3)
    assert read_jats(jats(document), {}) == document
