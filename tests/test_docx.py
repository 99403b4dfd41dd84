"""DOCX writer and reader: what Word, python-docx, pandoc and LibreOffice see in our files,
and what we read back from files made by pandoc and LibreOffice."""

from __future__ import annotations

import dataclasses
import io
import json
import shutil
import struct
import subprocess
import sys
import warnings
import zipfile
import zlib
from pathlib import Path

import pytest
from lxml import etree

import briefconv
from briefconv import ir
from briefconv.errors import BriefconvWarning, InputError, UsageError
from briefconv.formats.docx_reader import read_docx
from briefconv.formats.docx_writer import write_docx

from conftest import FIXTURES

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
PANDOC_FIXTURE = FIXTURES / "docx-pandoc-footnotes.docx"
LIBREOFFICE_FIXTURE = FIXTURES / "docx-libreoffice-endnotes.docx"


# ------------------------------------------------------------------------ helpers


def T(text: str) -> ir.Text:
    return ir.Text(text)


def P(*children: ir.Inline) -> ir.Paragraph:
    return ir.Paragraph(tuple(children))


def small_brief(**metadata) -> ir.Document:
    """A brief with every kind of block and inline the writer handles, and cross-referring notes."""
    meta = ir.Metadata(
        title="Ports and Power",
        subtitle="Shipping Lanes in a Contested Sea",
        authors=(ir.Author(name="Asha Rao", honorific="Dr", role="Senior Fellow",
                           affiliations=("Institute of Maritime Studies",), email="asha@example.org"),
                 ir.Author(name="Li Wei")),
        date="2026-02-10",
        publisher=ir.Publisher(name="Institute of Maritime Studies", place="Singapore"),
        series=ir.Series(name="Maritime Brief", number="7/2026"),
        keywords=("shipping", "ports", "energy security"),
        licence=ir.Licence(text="CC BY 4.0", url="https://creativecommons.org/licenses/by/4.0/"),
        disclaimer="The views are the authors' own.",
        abstract="Ports matter.",
        language="en-GB",
        identifiers={"issn": "2345-6789", "doi": "10.1234/mb.2026.7", "report-number": "7/2026",
                     "internal-code": "MB-7"},
        **metadata,
    )
    blocks = (
        ir.Heading(1, (T("Background"),)),
        P(T("Trade is "), ir.Emphasis((T("mostly"),)), T(" by sea"), ir.NoteRef("fn1"), T(", "),
          ir.Strong((T("really"),)), T(" H"), ir.Subscript((T("2"),)), T("O and x"), ir.Superscript((T("2"),)),
          T(". See "), ir.Link("https://example.org/ports", (T("the review"),)), T("."), ir.NoteRef("fn2")),
        ir.Heading(2, (T("Details"),)),
        ir.ListBlock(False, ((P(T("one")),), (P(T("two")), ir.ListBlock(False, ((P(T("two-a")),),))))),
        ir.ListBlock(True, ((P(T("third")),), (P(T("fourth"), ir.LineBreak(), T("line two")),)), start=3),
        ir.BlockQuote((P(T("A quoted passage."), ir.NoteRef("fn3")),)),
    )
    notes = (
        ir.Note("fn1", "1", (P(T("Doe, "), ir.Emphasis((T("Sea Power"),)), T(", "),
                               ir.Link("https://example.org/book", (T("online"),)), T(".")),)),
        ir.Note("fn2", "2", (P(ir.NoteCrossRef("fn1", (T("Ibid."),))),)),
        ir.Note("fn3", "3", (P(T("Roe, "), ir.NoteCrossRef("fn1", (T("n. 1"),)), T(".")),)),
    )
    return ir.Document(metadata=meta, blocks=blocks, notes=notes)


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def xml(data: bytes, name: str) -> etree._Element:
    return etree.fromstring(parts(data)[name])


def relationships(data: bytes, part: str) -> dict[str, tuple[str, str | None]]:
    folder, base = part.rsplit("/", 1)
    root = xml(data, f"{folder}/_rels/{base}.rels")
    return {rel.get("Id"): (rel.get("Target"), rel.get("TargetMode")) for rel in root}


def real_notes(root: etree._Element, kind: str) -> list[etree._Element]:
    return [n for n in root.findall(f"{W}{kind}") if n.get(f"{W}type") in (None, "normal")]


def external_links(data: bytes, part: str) -> list[str]:
    rels = relationships(data, part)
    return [rels[h.get(R_ID)][0] for h in xml(data, part).iter(f"{W}hyperlink")
            if h.get(R_ID) and rels[h.get(R_ID)][1] == "External"]


def note_links(document: ir.Document) -> list[str]:
    found = []

    def visit(inlines) -> None:
        for inline in inlines:
            if isinstance(inline, ir.Link):
                found.append(inline.url)
            if hasattr(inline, "children"):
                visit(inline.children)

    for note in document.notes:
        for block in note.blocks:
            visit(block.children)
    return found


from briefconv.plaintext import plain_text as plain  # noqa: E402


def headings(document: ir.Document) -> list[tuple[int, str]]:
    return [(b.level, plain(b.children)) for b in document.blocks if isinstance(b, ir.Heading)]


def pandoc_json(path: Path) -> dict:
    pypandoc = pytest.importorskip("pypandoc")
    return json.loads(pypandoc.convert_file(str(path), "json", format="docx"))


def count_pandoc(node, tag: str) -> int:
    if isinstance(node, dict):
        own = 1 if node.get("t") == tag else 0
        return own + sum(count_pandoc(v, tag) for v in node.values())
    if isinstance(node, list):
        return sum(count_pandoc(v, tag) for v in node)
    return 0


@pytest.fixture(scope="module")
def sample_docx(sample_doc) -> bytes:
    return write_docx(sample_doc, {})


# ------------------------------------------------------------- writer: the sample


def test_python_docx_finds_core_properties_and_six_headings(sample_doc, sample_docx):
    import docx

    word = docx.Document(io.BytesIO(sample_docx))
    core = word.core_properties
    assert core.title == sample_doc.metadata.title
    assert core.author == "Priyanka Yadav"
    assert core.keywords == ", ".join(sample_doc.metadata.keywords)
    assert core.created.date().isoformat() == sample_doc.metadata.date == "2026-01-23"
    assert core.modified == core.created
    found = [(p.style.name, p.text) for p in word.paragraphs if p.style.name.startswith("Heading")]
    assert found == [(f"Heading {level}", text) for level, text in headings(sample_doc)]
    assert len(found) == 6
    assert found[0] == ("Heading 1", "Introduction")


def test_sample_endnotes_are_real_word_notes_referenced_once_each(sample_docx):
    endnotes = xml(sample_docx, "word/endnotes.xml")
    notes = real_notes(endnotes, "endnote")
    assert len(notes) == 17
    document = xml(sample_docx, "word/document.xml")
    references = [r.get(f"{W}id") for r in document.iter(f"{W}endnoteReference")]
    assert len(references) == 17
    assert sorted(references, key=int) == sorted((n.get(f"{W}id") for n in notes), key=int)
    assert not list(document.iter(f"{W}footnoteReference"))
    # separators exist, and the reference marks use Word's note reference style
    assert [n.get(f"{W}type") for n in endnotes.findall(f"{W}endnote")][:2] == ["separator", "continuationSeparator"]
    for reference in document.iter(f"{W}endnoteReference"):
        assert reference.getparent().find(f"{W}rPr/{W}rStyle").get(f"{W}val") == "EndnoteReference"
    # numbered 1, 2, 3 rather than Word's default i, ii, iii
    section = document.find(f"{W}body/{W}sectPr")
    assert section.find(f"{W}endnotePr/{W}numFmt").get(f"{W}val") == "decimal"


def test_sample_endnotes_part_is_wired_into_the_package(sample_docx):
    content_types = parts(sample_docx)["[Content_Types].xml"].decode()
    assert 'PartName="/word/endnotes.xml"' in content_types
    assert "wordprocessingml.endnotes+xml" in content_types
    targets = [t for t, _ in relationships(sample_docx, "word/document.xml").values()]
    assert "endnotes.xml" in targets and "footnotes.xml" in targets


def test_sample_has_14_live_external_links_in_its_notes(sample_doc, sample_docx):
    in_notes = external_links(sample_docx, "word/endnotes.xml")
    assert len(in_notes) == 14
    assert in_notes == note_links(sample_doc)
    assert all(url.startswith("https://") for url in in_notes)
    # the body's only link is the licence in the title block
    assert external_links(sample_docx, "word/document.xml") == [sample_doc.metadata.licence.url]


def test_same_input_gives_same_bytes(sample_doc, sample_docx):
    assert write_docx(sample_doc, {}) == sample_docx
    with zipfile.ZipFile(io.BytesIO(sample_docx)) as archive:
        infos = archive.infolist()
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert infos[0].filename == "[Content_Types].xml"


def test_note_text_is_smaller_than_body_and_page_is_a4(sample_docx):
    import docx

    word = docx.Document(io.BytesIO(sample_docx))
    body_size = word.styles["Normal"].font.size or word.styles.element.find(
        f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}sz")
    styles = xml(sample_docx, "word/styles.xml")
    default = int(styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}sz").get(f"{W}val"))
    endnote_text = next(s for s in styles.findall(f"{W}style") if s.get(f"{W}styleId") == "EndnoteText")
    assert int(endnote_text.find(f"{W}rPr/{W}sz").get(f"{W}val")) < default
    assert body_size is not None
    section = word.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert 20 <= section.left_margin.mm <= 30


def test_title_block_uses_named_styles(sample_docx):
    import docx

    word = docx.Document(io.BytesIO(sample_docx))
    styles = [p.style.name for p in word.paragraphs[:9]]
    assert styles == ["Brief Organisation", "Brief Masthead", "Title", "Author", "Brief Author Details",
                      "Brief Keywords", "Brief Disclaimer", "Brief Licence", "Heading 1"]
    masthead = word.paragraphs[1].text
    assert "CAPSS In Focus 03/2026" in masthead and "New Delhi" in masthead and "23 January 2026" in masthead
    assert word.paragraphs[3].text == "Ms Priyanka Yadav"


def test_pandoc_reads_six_headers_and_17_notes(sample_docx, tmp_path):
    path = tmp_path / "brief.docx"
    path.write_bytes(sample_docx)
    tree = pandoc_json(path)
    assert count_pandoc(tree["blocks"], "Header") == 6
    assert count_pandoc(tree["blocks"], "Note") == 17
    assert count_pandoc(tree["blocks"], "Link") >= 14


def test_cli_writes_docx_with_footnotes_and_letter_paper(sample_path, tmp_path, cli):
    out = tmp_path / "brief.docx"
    result = cli(sample_path, "-t", "docx", "-o", out, "-M", "notes=footnotes", "-M", "papersize=letter")
    assert result.returncode == 0, result.stderr.decode()
    data = out.read_bytes()
    assert len(real_notes(xml(data, "word/footnotes.xml"), "footnote")) == 17
    assert real_notes(xml(data, "word/endnotes.xml"), "endnote") == []
    assert len(list(xml(data, "word/document.xml").iter(f"{W}footnoteReference"))) == 17
    size = xml(data, "word/document.xml").find(f"{W}body/{W}sectPr/{W}pgSz")
    assert (size.get(f"{W}w"), size.get(f"{W}h")) == ("12240", "15840")


def test_bad_writer_options_are_usage_errors():
    with pytest.raises(UsageError, match="notes="):
        write_docx(small_brief(), {"notes": "sidenotes"})
    with pytest.raises(UsageError, match="papersize"):
        write_docx(small_brief(), {"papersize": "a5"})


# ---------------------------------------------------------- writer: notes and blocks


def test_note_cross_references_link_to_a_bookmark_in_the_target_note():
    data = write_docx(small_brief(), {})
    endnotes = xml(data, "word/endnotes.xml")
    notes = {n.get(f"{W}id"): n for n in real_notes(endnotes, "endnote")}
    first_bookmark = notes["1"].find(f".//{W}bookmarkStart").get(f"{W}name")
    anchors = [(h.get(f"{W}anchor"), "".join(h.itertext())) for h in endnotes.iter(f"{W}hyperlink")
               if h.get(f"{W}anchor")]
    assert anchors == [(first_bookmark, "Ibid."), (first_bookmark, "n. 1")]
    # italics and links survive in note text
    assert notes["1"].find(f".//{W}r/{W}rPr/{W}i") is not None
    assert external_links(data, "word/endnotes.xml") == ["https://example.org/book"]


def test_notes_keep_their_own_kind_without_the_option():
    document = small_brief()
    footnotes = tuple(ir.Note(n.id, n.label, n.blocks, kind="footnote") for n in document.notes)
    data = write_docx(ir.Document(document.metadata, document.blocks, notes=footnotes), {})
    assert len(real_notes(xml(data, "word/footnotes.xml"), "footnote")) == 3
    assert real_notes(xml(data, "word/endnotes.xml"), "endnote") == []


def test_unreferenced_note_is_reported():
    document = small_brief()
    extra = ir.Note("fn9", "9", (P(T("Orphan.")),))
    with pytest.warns(BriefconvWarning, match="never referenced"):
        write_docx(ir.Document(document.metadata, document.blocks, notes=document.notes + (extra,)), {})


def test_small_brief_round_trips_through_our_reader():
    document = small_brief()
    back = read_docx(write_docx(document, {}), {})
    # the report number equals the series number, so the masthead shows it once
    shown = {k: v for k, v in document.metadata.identifiers.items() if k != "report-number"}
    assert back.metadata == dataclasses.replace(document.metadata, identifiers=shown)
    ids = {"fn1": "en1", "fn2": "en2", "fn3": "en3"}

    def renamed(node):
        if isinstance(node, ir.NoteRef):
            return ir.NoteRef(ids[node.note_id])
        if isinstance(node, ir.NoteCrossRef):
            return ir.NoteCrossRef(ids[node.note_id], tuple(renamed(c) for c in node.children))
        if isinstance(node, tuple):
            return tuple(renamed(n) for n in node)
        if hasattr(node, "children") and not isinstance(node, ir.Link):
            return type(node)(*([node.level] if isinstance(node, ir.Heading) else []), renamed(node.children))
        if isinstance(node, ir.BlockQuote):
            return ir.BlockQuote(renamed(node.blocks))
        if isinstance(node, ir.ListBlock):
            return ir.ListBlock(node.ordered, tuple(renamed(i) for i in node.items), node.start)
        return node

    assert back.blocks == renamed(document.blocks)
    assert [(n.id, n.label, n.kind) for n in back.notes] == [("en1", "1", "endnote"), ("en2", "2", "endnote"),
                                                            ("en3", "3", "endnote")]
    assert [n.blocks for n in back.notes] == [renamed(n.blocks) for n in document.notes]


def test_numbered_list_starts_at_its_own_number():
    data = write_docx(small_brief(), {})
    numbering = xml(data, "word/numbering.xml")
    starts = [o.get(f"{W}val") for o in numbering.iter(f"{W}startOverride")]
    assert "3" in starts


# --------------------------------------------------------------- reference documents


def test_reference_doc_heading_1_colour_is_kept(tmp_path):
    import docx
    from docx.shared import RGBColor

    template = docx.Document()
    template.styles["Heading 1"].font.color.rgb = RGBColor(0xFF, 0x00, 0x00)
    template.sections[0].header.paragraphs[0].text = "Institute letterhead"
    template.add_paragraph("template body text that must disappear")
    path = tmp_path / "red.docx"
    template.save(path)

    data = write_docx(small_brief(), {"reference-doc": str(path)})
    word = docx.Document(io.BytesIO(data))
    assert word.styles["Heading 1"].font.color.rgb == RGBColor(0xFF, 0x00, 0x00)
    assert word.sections[0].header.paragraphs[0].text == "Institute letterhead"
    assert "template body text" not in "\n".join(p.text for p in word.paragraphs)
    assert [p.text for p in word.paragraphs if p.style.name == "Heading 1"] == ["Background"]
    assert len(real_notes(xml(data, "word/endnotes.xml"), "endnote")) == 3


def test_reference_doc_through_the_cli(sample_path, tmp_path, cli):
    import docx
    from docx.shared import RGBColor

    template = docx.Document()
    template.styles["Heading 1"].font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
    template.save(tmp_path / "ref.docx")
    out = tmp_path / "out.docx"
    result = cli(sample_path, "-t", "docx", "-o", out, "--reference-doc", tmp_path / "ref.docx")
    assert result.returncode == 0, result.stderr.decode()
    assert docx.Document(out).styles["Heading 1"].font.color.rgb == RGBColor(0xC0, 0x00, 0x00)


def test_missing_or_corrupt_reference_doc_is_a_clear_error(tmp_path, sample_path, cli):
    with pytest.raises(UsageError, match="no such file"):
        write_docx(small_brief(), {"reference-doc": str(tmp_path / "absent.docx")})
    corrupt = tmp_path / "corrupt.docx"
    corrupt.write_bytes(b"this is not a zip")
    with pytest.raises(InputError, match="not a DOCX"):
        write_docx(small_brief(), {"reference-doc": str(corrupt)})
    result = cli(sample_path, "-t", "docx", "-o", tmp_path / "x.docx", "--reference-doc", corrupt)
    assert result.returncode == 2
    assert len(result.stderr.decode().strip().splitlines()) == 1
    assert not (tmp_path / "x.docx").exists()


# ------------------------------------------------------------------------ reader


def test_reader_gives_back_the_sample(sample_doc, sample_docx):
    back = read_docx(sample_docx, {})
    meta, original = back.metadata, sample_doc.metadata
    assert (meta.title, meta.date, meta.keywords, meta.disclaimer, meta.licence) == (
        original.title, original.date, original.keywords, original.disclaimer, original.licence)
    assert (meta.publisher, meta.series) == (original.publisher, original.series)
    assert [(a.name, a.honorific, a.role, a.affiliations) for a in meta.authors] == [
        (a.name, a.honorific, a.role, a.affiliations) for a in original.authors]
    assert headings(back) == headings(sample_doc)
    assert len(back.notes) == 17 and {n.kind for n in back.notes} == {"endnote"}
    assert [n.label for n in back.notes] == [str(i) for i in range(1, 18)]
    assert [plain(n.blocks[0].children) for n in back.notes] == [plain(n.blocks[0].children) for n in sample_doc.notes]
    ibid = next(n for n in back.notes if plain(n.blocks[0].children) == "Ibid.")
    assert isinstance(ibid.blocks[0].children[0], ir.NoteCrossRef)


def test_reader_keeps_pandoc_footnotes():
    document = briefconv.read(PANDOC_FIXTURE)
    assert document.metadata.title == "Ports and Power: A Test Brief Written with Pandoc"
    assert [a.name for a in document.metadata.authors] == ["A. N. Analyst"]
    assert document.metadata.date == "2026-02-10"
    assert headings(document) == [(1, "Background"), (2, "Outlook")]
    assert [(n.kind, n.label) for n in document.notes] == [("footnote", "1"), ("footnote", "2"), ("footnote", "3")]
    assert ir.Link("https://unctad.org/rmt", (T("review"),)) in document.notes[2].blocks[0].children
    assert ir.Emphasis((T("Energy at Sea"),)) in document.notes[0].blocks[0].children
    kinds = [type(b).__name__ for b in document.blocks]
    assert kinds == ["Heading", "Paragraph", "ListBlock", "Heading", "ListBlock", "BlockQuote", "Paragraph"]
    assert [b.ordered for b in document.blocks if isinstance(b, ir.ListBlock)] == [False, True]
    refs = [c.note_id for c in document.blocks[1].children if isinstance(c, ir.NoteRef)]
    assert refs == ["fn1", "fn2"]


def test_reader_keeps_libreoffice_endnotes():
    document = briefconv.read(LIBREOFFICE_FIXTURE)
    assert document.metadata.title == "Grid Security: A Test Brief Written in LibreOffice"
    assert headings(document) == [(1, "Why the grid matters"), (2, "What to do")]
    assert [(n.kind, n.label) for n in document.notes] == [("endnote", "i"), ("endnote", "ii"), ("endnote", "iii")]
    assert document.notes[0].blocks[0].children[1] == ir.Emphasis((T("Annual Outage Report"),))
    assert any(isinstance(c, ir.Link) for c in document.notes[0].blocks[0].children)
    assert ir.Strong((T("billions"),)) in document.blocks[1].children


def test_pandoc_docx_converts_back_through_our_writer_keeping_footnotes():
    document = briefconv.read(PANDOC_FIXTURE)
    data = write_docx(document, {})
    assert len(real_notes(xml(data, "word/footnotes.xml"), "footnote")) == 3
    assert headings(read_docx(data, {})) == headings(document)


def tiny_png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
            + chunk(b"IEND", b""))


def test_tables_and_images_warn_but_do_not_stop_reading():
    import docx

    word = docx.Document()
    word.add_heading("Data", level=1)
    table = word.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "cell text"
    word.add_picture(io.BytesIO(tiny_png()))
    word.add_paragraph("after")
    buffer = io.BytesIO()
    word.save(buffer)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        document = read_docx(buffer.getvalue(), {})
    messages = " ".join(str(w.message) for w in caught)
    assert "table" in messages and "image" in messages
    assert headings(document) == [(1, "Data")]
    assert [plain(b.children) for b in document.blocks[1:]] == ["cell text", "after"]


# ------------------------------------------------------------------- reader safety


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return buffer.getvalue()


def test_not_a_zip_or_no_document_part_is_an_input_error():
    with pytest.raises(InputError, match="not a zip"):
        read_docx(b"plain text, not a docx", {})
    with pytest.raises(InputError, match="word/document.xml"):
        read_docx(zip_of({"hello.txt": b"hi"}), {})
    with pytest.raises(InputError, match="well-formed"):
        read_docx(zip_of({"word/document.xml": b"<w:document"}), {})


def test_zip_bomb_is_refused_quickly(tmp_path, cli):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"\0" * (65 * 1024 * 1024))
    bomb = tmp_path / "bomb.docx"
    bomb.write_bytes(buffer.getvalue())
    assert bomb.stat().st_size < 1024 * 1024
    with pytest.raises(InputError, match="MiB"):
        read_docx(buffer.getvalue(), {})
    result = cli(bomb, "-t", "json", "-o", tmp_path / "out.json")
    assert result.returncode == 2
    assert "MiB" in result.stderr.decode()


def test_a_style_level_in_digits_that_are_not_ascii_is_ignored(sample_docx):
    with zipfile.ZipFile(io.BytesIO(sample_docx)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    assert b'w:outlineLvl w:val="0"' in parts["word/styles.xml"]
    parts["word/styles.xml"] = parts["word/styles.xml"].replace(b'w:outlineLvl w:val="0"', 'w:outlineLvl w:val="²"'.encode())
    document = read_docx(zip_of(parts), {})  # int("²") used to fail the whole read
    assert document.notes and document.blocks


def test_entities_are_not_expanded_and_nothing_is_fetched(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    document_xml = (
        f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY boom "EXPANDED"><!ENTITY ext SYSTEM "file://{secret}">]>'
        f'<w:document xmlns:w="{W[1:-1]}"><w:body><w:p><w:r><w:t>a&boom;b&ext;c</w:t></w:r></w:p></w:body>'
        "</w:document>"
    ).encode()
    try:
        document = read_docx(zip_of({"word/document.xml": document_xml}), {})
    except InputError:
        return  # refusing the file outright is also safe
    text = plain(document.blocks[0].children)
    assert "EXPANDED" not in text and "TOP-SECRET" not in text


# ----------------------------------------------------------------- docx -> jats


def test_our_docx_converts_to_valid_jats(sample_docx, sample_doc):
    if "jats" not in briefconv.plugins.get_registry().formats:
        pytest.skip("no JATS writer registered")
    from briefconv.validate import parse_untrusted, validate_bytes

    data = briefconv.write(read_docx(sample_docx, {}), "jats")
    _, problems = validate_bytes(data, "archiving")
    assert problems == []
    root = parse_untrusted(data).getroot()
    assert [" ".join("".join(t.itertext()).split()) for t in root.iter("title") if t.getparent().tag == "sec"] == [
        text for _, text in headings(sample_doc)]
    notes = root.findall(".//back/fn-group/fn")
    assert len(notes) == 17
    assert len({x.get("rid") for x in root.iter("xref") if x.get("ref-type") == "fn"}) == 17
    assert " ".join("".join(root.find(".//article-title").itertext()).split()) == sample_doc.metadata.title


# --------------------------------------------------------------- LibreOffice (slow)


@pytest.mark.slow
def test_libreoffice_renders_headings_and_notes(sample_doc, sample_docx, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed")
    from pypdf import PdfReader

    source = tmp_path / "brief.docx"
    source.write_bytes(sample_docx)
    profile = tmp_path / "profile"
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(source)], check=True, capture_output=True, timeout=240)
    reader = PdfReader(str(tmp_path / "brief.pdf"))
    text = " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)
    for _, heading in headings(sample_doc):
        assert heading in text
    assert sample_doc.metadata.title.split(":")[0] in text
    assert "Agree to Strengthen China-South Korea Relations" in text  # note 1
    assert "Kim Yo Jong says" in text  # note 16


def test_back_matter_stays_apart_from_the_body():
    document = small_brief()
    back = (ir.Heading(1, (T("Acknowledgments"),)), P(T("We thank the reviewers.")))
    with_back = ir.Document(document.metadata, document.blocks, back=back, notes=document.notes)
    read = read_docx(write_docx(with_back, {}), {})
    assert read.back == back
    assert headings(read) == headings(document)


# ---------------------------------------------------------- property: text survives

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

WORDS = st.text(alphabet=st.sampled_from("abcXYZ019 ,.;:'\"&<>éß—中\u00a0\t"), min_size=1, max_size=12)


def inline_strategy():
    # Note references are added once per note below: Word has one reference per note.
    leaves = st.one_of(WORDS.map(ir.Text), st.just(ir.LineBreak()))

    def extend(children):
        kids = st.lists(children, min_size=1, max_size=3).map(tuple)
        return st.one_of(
            kids.map(ir.Emphasis), kids.map(ir.Strong), kids.map(ir.Superscript), kids.map(ir.Subscript),
            st.builds(ir.Link, st.sampled_from(["https://example.org/a", "http://x.test/b?c=1&d=2"]), kids),
        )

    return st.recursive(leaves, extend, max_leaves=6)


@st.composite
def documents(draw):
    note_ids = [f"fn{i}" for i in range(1, draw(st.integers(0, 3)) + 1)]
    inline = inline_strategy()
    paragraph = st.lists(inline, min_size=1, max_size=4).map(lambda c: ir.Paragraph(tuple(c)))
    heading = st.builds(ir.Heading, st.integers(1, 4), st.lists(WORDS.map(ir.Text), min_size=1, max_size=2).map(tuple))
    items = st.lists(st.tuples(paragraph), min_size=1, max_size=3).map(tuple)
    block = st.one_of(paragraph, heading, st.builds(ir.ListBlock, st.booleans(), items, st.integers(1, 5)),
                      st.lists(paragraph, min_size=1, max_size=2).map(lambda b: ir.BlockQuote(tuple(b))))
    blocks = draw(st.lists(block, min_size=1, max_size=6))
    refs = [ir.Paragraph((ir.Text("ref"), ir.NoteRef(n))) for n in note_ids]
    notes = tuple(ir.Note(n, str(i), (draw(paragraph),)) for i, n in enumerate(note_ids, start=1))
    title = draw(st.one_of(st.none(), WORDS))
    return ir.Document(ir.Metadata(title=title), tuple(blocks) + tuple(refs), notes=notes)


from conftest import block_texts as texts  # noqa: E402


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_text_headings_and_notes_survive_a_round_trip(document):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BriefconvWarning)
        back = read_docx(write_docx(document, {}), {})
    assert texts(back.blocks) == texts(document.blocks)
    normalised = [(level, " ".join(text.split())) for level, text in headings(document) if text.strip()]
    assert [(level, " ".join(text.split())) for level, text in headings(back)] == normalised
    assert [texts(n.blocks) for n in back.notes] == [texts(n.blocks) for n in document.notes]
    assert back.metadata.title == (" ".join(document.metadata.title.split()) or None
                                   if document.metadata.title else None)


# ---------------------------------------------- reader: constructs Word itself writes

WORD_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" ' \
          'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def word_like_docx() -> bytes:
    """A hand-made package with what Word writes and our writer never does: localised style
    ids, complex fields, NOTEREF, tracked changes, content controls, a custom note mark."""
    styles = f"""<w:styles {WORD_NS}>
      <w:style w:type="paragraph" w:styleId="berschrift2"><w:name w:val="heading 2"/></w:style>
      <w:style w:type="paragraph" w:styleId="Zitat"><w:name w:val="Quote"/></w:style>
      <w:style w:type="paragraph" w:styleId="Gliederung"><w:name w:val="My Outline"/>
        <w:pPr><w:outlineLvl w:val="0"/></w:pPr></w:style>
      <w:style w:type="character" w:styleId="Betont"><w:name w:val="Emphasis"/><w:rPr><w:i/></w:rPr></w:style>
    </w:styles>"""
    numbering = f"""<w:numbering {WORD_NS}>
      <w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:start w:val="4"/><w:numFmt w:val="decimal"/></w:lvl>
      </w:abstractNum><w:num w:numId="5"><w:abstractNumId w:val="0"/></w:num></w:numbering>"""
    document = f"""<w:document {WORD_NS}><w:body>
      <w:p><w:pPr><w:pStyle w:val="Gliederung"/></w:pPr><w:r><w:t>Top</w:t></w:r></w:p>
      <w:p><w:pPr><w:pStyle w:val="berschrift2"/></w:pPr><w:proofErr w:type="spellStart"/>
        <w:r><w:t>Sub</w:t></w:r><w:proofErr w:type="spellEnd"/></w:p>
      <w:sdt><w:sdtContent><w:p>
        <w:r><w:t xml:space="preserve">See </w:t></w:r>
        <w:r><w:fldChar w:fldCharType="begin"/></w:r>
        <w:r><w:instrText xml:space="preserve"> HYPERLINK "https://example.org/field" </w:instrText></w:r>
        <w:r><w:fldChar w:fldCharType="separate"/></w:r>
        <w:r><w:rPr><w:rStyle w:val="Betont"/></w:rPr><w:t>the site</w:t></w:r>
        <w:r><w:fldChar w:fldCharType="end"/></w:r>
        <w:ins w:id="1" w:author="x"><w:r><w:t xml:space="preserve"> now</w:t></w:r></w:ins>
        <w:del w:id="2" w:author="x"><w:r><w:delText> never</w:delText></w:r></w:del>
        <w:bookmarkStart w:id="7" w:name="_Ref1"/>
        <w:r><w:footnoteReference w:id="2"/></w:r><w:bookmarkEnd w:id="7"/>
        <w:r><w:t xml:space="preserve"> and </w:t></w:r>
        <w:r><w:footnoteReference w:customMarkFollows="1" w:id="3"/><w:t>*</w:t></w:r>
        <w:r><w:t xml:space="preserve"> and </w:t></w:r><w:r><w:sym w:font="Wingdings" w:char="F0E0"/></w:r>
        <w:r><w:footnoteReference w:id="4"/></w:r>
      </w:p></w:sdtContent></w:sdt>
      <w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="5"/></w:numPr></w:pPr><w:r><w:t>item</w:t></w:r></w:p>
      <w:p><w:pPr><w:pStyle w:val="Zitat"/></w:pPr><w:r><w:t>quoted</w:t></w:r></w:p>
      <w:sectPr/></w:body></w:document>"""
    footnotes = f"""<w:footnotes {WORD_NS}>
      <w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>
      <w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>
      <w:footnote w:id="2"><w:p><w:r><w:footnoteRef/></w:r><w:r><w:t xml:space="preserve"> First.</w:t></w:r></w:p></w:footnote>
      <w:footnote w:id="3"><w:p><w:r><w:t>Starred.</w:t></w:r></w:p></w:footnote>
      <w:footnote w:id="4"><w:p><w:r><w:footnoteRef/></w:r><w:r><w:t xml:space="preserve"> As in n. </w:t></w:r>
        <w:fldSimple w:instr=" NOTEREF _Ref1 \\h "><w:r><w:t>1</w:t></w:r></w:fldSimple>
        <w:r><w:t>.</w:t></w:r></w:p></w:footnote>
    </w:footnotes>"""
    rels = f"""<Relationships xmlns="{RELS_NS}">
      <Relationship Id="rId1" Type="{REL}/styles" Target="styles.xml"/>
      <Relationship Id="rId2" Type="{REL}/numbering" Target="numbering.xml"/>
      <Relationship Id="rId3" Type="{REL}/footnotes" Target="/word/footnotes.xml"/>
    </Relationships>"""
    root_rels = f"""<Relationships xmlns="{RELS_NS}">
      <Relationship Id="rId1" Type="{REL}/officeDocument" Target="word/document.xml"/></Relationships>"""
    return zip_of({"_rels/.rels": root_rels.encode(), "word/document.xml": document.encode(),
                   "word/_rels/document.xml.rels": rels.encode(), "word/styles.xml": styles.encode(),
                   "word/numbering.xml": numbering.encode(), "word/footnotes.xml": footnotes.encode()})


def test_reader_understands_what_word_writes():
    document = read_docx(word_like_docx(), {})
    assert headings(document) == [(1, "Top"), (2, "Sub")]
    paragraph = document.blocks[2].children
    assert paragraph[:3] == (T("See "), ir.Link("https://example.org/field", (ir.Emphasis((T("the site"),)),)),
                             T(" now"))
    assert [c.note_id for c in paragraph if isinstance(c, ir.NoteRef)] == ["fn1", "fn2", "fn3"]
    assert "never" not in plain(paragraph)
    assert [(n.label, plain(n.blocks[0].children)) for n in document.notes] == [
        ("1", "First."), ("*", "Starred."), ("2", "As in n. 1.")]
    assert ir.NoteCrossRef("fn1", (T("1"),)) in document.notes[2].blocks[0].children
    assert document.blocks[3] == ir.ListBlock(True, ((P(T("item")),),), start=4)
    assert document.blocks[4] == ir.BlockQuote((P(T("quoted")),))


def test_reader_reads_strict_open_xml(sample_docx, sample_doc):
    strict = {}
    for name, body in parts(sample_docx).items():
        body = body.replace(b"http://schemas.openxmlformats.org/wordprocessingml/2006/main",
                            b"http://purl.oclc.org/ooxml/wordprocessingml/main")
        body = body.replace(b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
                            b"http://purl.oclc.org/ooxml/officeDocument/relationships")
        strict[name] = body
    document = read_docx(zip_of(strict), {})
    assert headings(document) == headings(sample_doc)
    assert len(document.notes) == 17
    assert len(note_links(document)) == 14


def test_link_targets_are_valid_uris():
    document = ir.Document(ir.Metadata(title="Links"), (
        P(ir.Link("https://example.org/a report \"2026\".pdf", (T("report"),)), ir.Link("", (T("no target"),))),))
    data = write_docx(document, {})
    assert external_links(data, "word/document.xml") == ["https://example.org/a%20report%20%222026%22.pdf"]
    assert plain(read_docx(data, {}).blocks[0].children) == "reportno target"


def test_word_template_dotx_works_as_reference_doc(tmp_path):
    import docx
    from docx.shared import RGBColor

    template = docx.Document()
    template.styles["Heading 1"].font.color.rgb = RGBColor(0xFF, 0x00, 0x00)
    buffer = io.BytesIO()
    template.save(buffer)
    members = parts(buffer.getvalue())
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"wordprocessingml.document.main+xml", b"wordprocessingml.template.main+xml")
    path = tmp_path / "house.dotx"
    path.write_bytes(zip_of(members))
    data = write_docx(small_brief(), {"reference-doc": str(path)})
    assert docx.Document(io.BytesIO(data)).styles["Heading 1"].font.color.rgb == RGBColor(0xFF, 0x00, 0x00)


def test_old_doc_or_encrypted_file_is_named():
    with pytest.raises(InputError, match="old-format"):
        read_docx(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, {})


def test_a_template_without_our_styles_gets_them(tmp_path):
    """LibreOffice's file defines few styles and no numbering: the writer adds what it needs."""
    import docx

    data = write_docx(small_brief(), {"reference-doc": str(LIBREOFFICE_FIXTURE)})
    word = docx.Document(io.BytesIO(data))
    used = {p.style.name for p in word.paragraphs}
    assert {"Title", "Heading 1", "Heading 2", "Author", "Brief Keywords", "Quote"} <= used
    back = read_docx(data, {})
    assert headings(back) == headings(small_brief())
    assert [type(b).__name__ for b in back.blocks].count("ListBlock") == 2
    assert len(back.notes) == 3


@pytest.mark.slow
def test_libreoffice_keeps_notes_cross_references_and_title_block(sample_doc, sample_docx, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed")
    source = tmp_path / "in" / "brief.docx"
    source.parent.mkdir()
    source.write_bytes(sample_docx)
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless", "--convert-to",
                    "docx:MS Word 2007 XML", "--outdir", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=240)
    document = briefconv.read(tmp_path / "brief.docx")
    assert headings(document) == headings(sample_doc)
    assert [(n.kind, n.label) for n in document.notes] == [("endnote", str(i)) for i in range(1, 18)]
    assert document.notes[8].blocks[0].children == (ir.NoteCrossRef("en8", (T("Ibid."),)),)
    meta = document.metadata
    assert (meta.title, meta.series, meta.publisher, meta.date) == (
        sample_doc.metadata.title, sample_doc.metadata.series, sample_doc.metadata.publisher, sample_doc.metadata.date)


# ------------------------------------------------ Office Open XML validity (Word opens it)


@pytest.mark.parametrize("options", [{}, {"notes": "footnotes", "papersize": "letter"}, "template", "small"],
                         ids=["endnotes", "footnotes-letter", "reference-doc", "lists-quotes-back-matter"])
def test_output_is_valid_office_open_xml(sample_doc, tmp_path, options):
    """Schema and semantic checks of the OOXML SDK's rules, including those that make Word
    say it found unreadable content; no Word needed."""
    openxml_audit = pytest.importorskip("openxml_audit")
    if options == "template":
        import docx

        docx.Document().save(tmp_path / "template.docx")
        options = {"reference-doc": str(tmp_path / "template.docx")}
    if options == "small":
        brief = small_brief()
        sample_doc = ir.Document(brief.metadata, brief.blocks, back=(P(T("Thanks.")),), notes=brief.notes)
        options = {}
    path = tmp_path / "brief.docx"
    path.write_bytes(write_docx(sample_doc, options))
    result = openxml_audit.OpenXmlValidator().validate(str(path))
    assert [error.description for error in result.errors] == []


def test_zip_member_that_lies_about_its_size_is_refused():
    """A bomb whose headers claim a small size is cut off at the claimed size and fails its checksum."""
    data = bytearray(zip_of({"word/document.xml": b"<" + b"\0" * (65 * 1024 * 1024)}))
    local = data.index(b"PK\x03\x04")
    central = data.index(b"PK\x01\x02")
    data[local + 22:local + 26] = struct.pack("<I", 100)
    data[central + 24:central + 28] = struct.pack("<I", 100)
    with pytest.raises(InputError):
        read_docx(bytes(data), {})


def test_word_does_not_open_it_in_compatibility_mode(sample_docx):
    settings = xml(sample_docx, "word/settings.xml")
    modes = [s.get(f"{W}val") for s in settings.iter(f"{W}compatSetting") if s.get(f"{W}name") == "compatibilityMode"]
    assert modes == ["15"]


def test_localised_template_note_styles_are_used(tmp_path):
    """A German Word names its styles' ids differently; the marks must use the template's ids."""
    import docx

    template = docx.Document()
    styles = template.styles.element
    for style_id, name in (("Endnotenzeichen", "endnote reference"), ("Endnotentext", "endnote text")):
        style = etree.SubElement(styles, f"{W}style", {f"{W}type": "character" if "reference" in name
                                                       else "paragraph", f"{W}styleId": style_id})
        etree.SubElement(style, f"{W}name", {f"{W}val": name})
        etree.SubElement(etree.SubElement(style, f"{W}rPr"), f"{W}vertAlign", {f"{W}val": "superscript"})
    template.save(tmp_path / "de.docx")
    data = write_docx(small_brief(), {"reference-doc": str(tmp_path / "de.docx")})
    document = xml(data, "word/document.xml")
    marks = {r.getparent().find(f"{W}rPr/{W}rStyle").get(f"{W}val") for r in document.iter(f"{W}endnoteReference")}
    assert marks == {"Endnotenzeichen"}
    endnotes = xml(data, "word/endnotes.xml")
    assert {p.get(f"{W}val") for n in real_notes(endnotes, "endnote") for p in n.iter(f"{W}pStyle")} == {"Endnotentext"}


# ------------------------------------------------------------------------ speed

def test_shipped_house_template_is_up_to_date():
    """data/docx/house-template.zip is python-docx's blank document prepared in the house look;
    when the look or python-docx changes, rebuild it (see build_house_template)."""
    from importlib.resources import files

    from briefconv.formats.docx_writer import build_house_template

    shipped = files("briefconv").joinpath("data/docx/house-template.zip").read_bytes()
    assert shipped == build_house_template(), "run save_house_template() (see build_house_template's docstring)"


def test_the_package_zip_is_laid_out_as_zipfile_writes_it():
    from briefconv.formats.docx_package import write_zip

    members = [("[Content_Types].xml", b"<Types/>" * 50, False), ("word/d\u00e9j\u00e0.xml", b"", False),
               ("word/x.xml", bytes(range(256)) * 40, True)]
    expected = io.BytesIO()
    with zipfile.ZipFile(expected, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data, _ in members:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 0
            archive.writestr(info, data, compresslevel=6)
    assert write_zip(members) == expected.getvalue()
    assert write_zip(members) == expected.getvalue()  # again, from the compression cache


def test_writing_docx_imports_neither_lxml_nor_python_docx(sample_path):
    """The house-look writer builds its XML as text from a prepared template: a one-off
    conversion does not pay for importing lxml (tens of ms) or python-docx (over 100 ms)."""
    code = ("import sys, briefconv; from briefconv.api import read_bytes, render; "
            f"doc = read_bytes(open({str(sample_path)!r}, 'rb').read(), 's.txt', 'txt'); "
            "data = render(doc, 'docx'); "
            "print(len(data), sorted(m for m in ('docx', 'lxml.etree', 'zipfile') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split(" ", 1)
    assert int(out[0]) > 10000
    assert out[1].strip() == "[]"
