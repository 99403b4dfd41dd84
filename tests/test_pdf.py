"""The PDF writer, checked the way a reader's tools see the file: pypdf's view of it."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys

import pytest

pypdf = pytest.importorskip("pypdf")

import briefconv
from briefconv import ir
from briefconv.formats.pdf_writer import write_pdf

SIX_HEADINGS = [
    "Introduction",
    "Strengthening Economic Ties with China",
    "Choosing a Pathway in Turbulent Times",
    "Addressing North Korea",
    "A Look at Seoul-Tokyo Summit Talks",
    "Parting Thoughts",
]


# ------------------------------------------------------------------ helpers


@pytest.fixture(scope="module")
def sample_pdf(sample_doc) -> bytes:
    return write_pdf(sample_doc, {})


@pytest.fixture(scope="module")
def reader(sample_pdf):
    return pypdf.PdfReader(io.BytesIO(sample_pdf))


def squash(text: str) -> str:
    """Text with whitespace and hyphens gone: line breaks and hyphenation no longer matter."""
    return re.sub(r"[\s\-\u00ad]+", "", text)


def inline_text(nodes, labels) -> str:
    """What the IR says is printed: text, with note references as their labels."""
    out = []
    for node in nodes:
        if isinstance(node, ir.Text):
            out.append(node.text)
        elif isinstance(node, ir.NoteRef):
            out.append(labels.get(node.note_id, ""))
        elif isinstance(node, ir.LineBreak):
            out.append(" ")
        else:
            out.append(inline_text(node.children, labels))
    return "".join(out)


def block_texts(blocks, labels):
    for block in blocks:
        if isinstance(block, (ir.Heading, ir.Paragraph)):
            yield inline_text(block.children, labels)
        elif isinstance(block, ir.BlockQuote):
            yield from block_texts(block.blocks, labels)
        elif isinstance(block, ir.ListBlock):
            for item in block.items:
                yield from block_texts(item, labels)


def document_words(doc: ir.Document) -> list[str]:
    labels = {note.id: note.label for note in doc.notes}
    meta = doc.metadata
    texts = [meta.title or "", meta.disclaimer or "", ", ".join(meta.keywords)]
    texts += [a.name for a in meta.authors]
    texts += list(block_texts(doc.blocks, labels))
    for note in doc.notes:
        texts += list(block_texts(note.blocks, labels))
    return [word for text in texts for word in text.split()]


def running_text(reader, doc: ir.Document) -> str:
    """The text of all pages with running headers and page numbers taken out."""
    header = "CAPSS In Focus 03/2026 Practical Diplomacy in Practice"  # series left, title right: one line
    pages = []
    for number, page in enumerate(reader.pages, 1):
        lines = page.extract_text().splitlines()
        lines = [l for l in lines if l.strip() != header and l.strip() != str(number)]
        pages.append("\n".join(lines))
    return "\n".join(pages)


def links(reader):
    """(page index, annotation) for every link annotation."""
    for index, page in enumerate(reader.pages):
        for annot in page.get("/Annots", []) or []:
            annot = annot.get_object()
            if annot.get("/Subtype") == "/Link":
                yield index, annot


def positioned_text(page):
    """(x, y, text) of each text run on the page, in page coordinates."""
    runs = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            runs.append((x, y, text.strip()))

    page.extract_text(visitor_text=visit)
    return runs


def page_index(reader, page_ref) -> int:
    target = page_ref.get_object()
    for index, page in enumerate(reader.pages):
        if page.get_object() is target or page.indirect_reference == page_ref:
            return index
    raise AssertionError("destination page not found")


def line_below(reader, index: int, y: float) -> list[str]:
    """The text runs, in drawing order, of the line whose baseline is just below ``y``."""
    runs = [(ry, t) for _, ry, t in positioned_text(reader.pages[index]) if ry < y - 0.5]
    top = max(ry for ry, _ in runs)
    return [t for ry, t in runs if abs(ry - top) < 2]


def line_in(reader, index: int, rect) -> list[str]:
    """The text runs of the line a link rectangle sits on."""
    y0, y1 = float(rect[1]), float(rect[3])
    runs = positioned_text(reader.pages[index])
    return [t for _, ry, t in runs if y0 - 3 <= ry <= y1]


def notes_heading_position(reader) -> tuple[int, float]:
    for index, page in enumerate(reader.pages):
        for _, y, text in positioned_text(page):
            if text == "Notes":
                return index, y
    raise AssertionError("no Notes heading")


def before(position, other) -> bool:
    """Whether (page, y) comes before ``other`` in reading order."""
    return (position[0], -position[1]) < (other[0], -other[1])


def internal_links(reader):
    """(source page, rect, destination page, destination top) of every GoTo link."""
    for index, annot in links(reader):
        dest = annot.get("/Dest")
        if dest is None and "/A" in annot and annot["/A"].get("/S") == "/GoTo":
            dest = annot["/A"]["/D"]
        if dest is None:
            continue
        if isinstance(dest, (str, bytes)) or not isinstance(dest, list):
            dest = reader.named_destinations[str(dest)]
            page_ref, top = dest.page, float(dest.top)
        else:
            page_ref, top = dest[0], float(dest[3])
        yield index, annot["/Rect"], page_index(reader, page_ref), top


# ------------------------------------------------------- the sample brief (issue 5)


def test_properties_hold_title_authors_keywords_creator_and_date(reader, sample_doc):
    info = reader.metadata
    meta = sample_doc.metadata
    assert info.title == meta.title
    assert info.author == "Priyanka Yadav"
    assert info["/Keywords"] == "South Korea, China-South Korea Relations, US-South Korea alliance, THAAD"
    assert info.creator == "briefconv"
    assert info["/CreationDate"].startswith("D:20260123")


def test_outline_lists_the_six_headings_then_notes(reader):
    titles = [entry.title for entry in reader.outline if not isinstance(entry, list)]
    assert titles == SIX_HEADINGS + ["Notes"]


def test_outline_entries_lead_to_their_headings(reader):
    for entry in reader.outline:
        index = reader.get_destination_page_number(entry)
        assert entry.title in reader.pages[index].extract_text()


def test_every_word_of_the_brief_is_in_the_text_layer(reader, sample_doc):
    text = squash(running_text(reader, sample_doc))
    missing = [word for word in document_words(sample_doc) if squash(word) not in text]
    assert missing == []


def test_paragraphs_broken_by_the_source_page_breaks_are_joined(reader, sample_doc):
    text = re.sub(r"\s+", " ", running_text(reader, sample_doc).replace("-\n", ""))
    assert "stating in a televised NHK interview" in text
    assert "threats emanating from North Korea" in text


def test_at_least_14_live_web_links_with_every_url_of_the_brief(reader, sample_doc):
    uris = [annot["/A"]["/URI"] for _, annot in links(reader) if annot.get("/A", {}).get("/S") == "/URI"]
    assert len(uris) >= 14
    wanted = {m.group(0) for m in re.finditer(r"https?://\S+?(?=>)", sample_path_text())}
    assert wanted <= set(uris)


def sample_path_text() -> str:
    from pathlib import Path

    return (Path(__file__).parent.parent / "fixtures" / "capss-in-focus-03-2026.txt").read_text(encoding="utf-8")


def test_urls_are_not_hyphenated_and_stay_inside_the_margins(reader, sample_doc):
    flat = re.sub(r"\s+", "", running_text(reader, sample_doc))
    for url in re.findall(r"https?://\S+?(?=>)", sample_path_text()):
        assert url in flat  # broken across lines, but with no hyphen added
    for index, annot in links(reader):
        width = float(reader.pages[index].mediabox.width)
        x0, _, x1, _ = (float(v) for v in annot["/Rect"])
        assert x0 >= 25 * 72 / 25.4 - 1 and x1 <= width - 25 * 72 / 25.4 + 1, annot["/Rect"]


def test_body_text_is_hyphenated(reader, sample_doc):
    words = {w.strip(".,;:“”\"'‘’()") for w in document_words(sample_doc)}
    text = running_text(reader, sample_doc)
    broken = [a + b for a, b in re.findall(r"(\w+)-\n(\w+)", text) if (a + b) in words]
    assert broken, "no word was hyphenated at a line end"
    body_lines = text.split("\nNotes\n")[0].splitlines()
    ending_in_hyphen = [line for line in body_lines if re.search(r"\w-$", line)]
    assert len(ending_in_hyphen) < 0.2 * len(body_lines)  # only where a line would be loose


def test_note_references_link_to_their_notes(reader, sample_doc):
    notes_at = notes_heading_position(reader)
    labels = {note.label for note in sample_doc.notes}
    landed = []
    for source, rect, target, top in sorted(internal_links(reader), key=lambda l: (l[0], -float(l[1][1]))):
        if before((source, float(rect[1])), notes_at) and not before((target, top), notes_at):
            line = line_below(reader, target, top)
            if line[0] in labels:
                landed.append(line[0])
    assert len(landed) >= 17
    assert landed == [note.label for note in sample_doc.notes]  # each mark, in order, to its note


def test_each_note_number_links_back_to_its_reference(reader, sample_doc):
    notes_at = notes_heading_position(reader)
    back = []
    for source, rect, target, top in internal_links(reader):
        if not before((source, float(rect[1])), notes_at) and before((target, top), notes_at):
            note_label = line_in(reader, source, rect)[0]
            assert note_label in line_below(reader, target, top)  # the superscript mark is on that line
            back.append(note_label)
    assert sorted(back, key=int) == [note.label for note in sample_doc.notes]


def test_cross_references_link_to_the_note_they_name(reader):
    notes_at = notes_heading_position(reader)
    pairs = set()
    for source, rect, target, top in internal_links(reader):
        if not before((source, float(rect[1])), notes_at) and not before((target, top), notes_at):
            pairs.add((line_in(reader, source, rect)[0], line_below(reader, target, top)[0]))
    assert pairs == {("6", "4"), ("9", "8"), ("14", "11")}


def embedded_font_names(reader) -> set[str]:
    """The base font names used on any page, asserting each one's font file is in the PDF."""
    seen = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            seen.add(str(font["/BaseFont"]))
            descriptors = [font.get("/FontDescriptor")] + [
                d.get_object().get("/FontDescriptor") for d in font.get("/DescendantFonts", [])
            ]
            descriptor = next((d.get_object() for d in descriptors if d is not None), {})
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font["/BaseFont"]
    return seen


def test_every_font_is_embedded(reader):
    assert any("PTSerif" in name for name in embedded_font_names(reader))


def test_two_to_eight_pages_of_a4(reader):
    assert 2 <= len(reader.pages) <= 8
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_running_header_and_page_numbers_from_page_two(reader):
    first = reader.pages[0].extract_text()
    assert "Practical Diplomacy in Practice\n" not in first.split("Assessing")[0]
    for number, page in enumerate(reader.pages[1:], 2):
        lines = [l.strip() for l in page.extract_text().splitlines()]
        assert lines[0] == "CAPSS In Focus 03/2026 Practical Diplomacy in Practice"  # one line, series left
        assert str(number) in lines


def test_first_page_has_masthead_disclaimer_and_licence(reader):
    text = re.sub(r"\s+", " ", reader.pages[0].extract_text())
    for part in ("CENTRE FOR AEROSPACE POWER AND STRATEGIC STUDIES", "CAPSS In Focus 03/2026",
                 "New Delhi", "23 January 2026", "Ms Priyanka Yadav", "Research Associate",
                 "Keywords:", "Disclaimer: The views and opinions expressed", "Creative Commons"):
        assert part in text, part


def test_same_bytes_on_a_second_run_and_in_another_process(sample_pdf, sample_doc, sample_path, tmp_path, cli):
    assert write_pdf(sample_doc, {}) == sample_pdf
    out = tmp_path / "brief.pdf"
    result = cli(sample_path, "-t", "pdf", "-o", out)
    assert result.returncode == 0, result.stderr.decode()
    assert out.read_bytes() == sample_pdf


def test_nothing_is_left_to_compress(sample_pdf):
    # links, destinations and glyph widths travel in a compressed object stream, so a
    # zip of PDFs gains nothing by deflating them again (the batch stores them)
    import zlib

    assert len(zlib.compress(sample_pdf, 9)) > 0.97 * len(sample_pdf)
    assert pypdf.PdfReader(io.BytesIO(sample_pdf), strict=True).pages


def test_letter_paper_on_request(sample_doc):
    data = briefconv.convert(
        briefconv.write(sample_doc, "json"), "pdf", from_format="json", metadata={"papersize": "letter"}
    )
    box = pypdf.PdfReader(io.BytesIO(data)).pages[0].mediabox
    assert (float(box.width), float(box.height)) == (612, 792)


# ------------------------------------------------------------ constructed documents


def small_doc(*blocks, notes=(), **meta) -> ir.Document:
    metadata = ir.Metadata(title=meta.pop("title", "A Small Brief"), **meta)
    return ir.Document(metadata=metadata, blocks=tuple(blocks), notes=tuple(notes))


def para(*parts) -> ir.Paragraph:
    return ir.Paragraph(tuple(ir.Text(p) if isinstance(p, str) else p for p in parts))


def test_korean_chinese_and_japanese_names_reach_the_text_layer():
    doc = small_doc(para("Leaders: Korean 이재명, Chinese 习近平 and Japanese 高市早苗 met."))
    data = write_pdf(doc, {})
    page = pypdf.PdfReader(io.BytesIO(data)).pages[0]
    text = page.extract_text()
    for name in ("이재명", "习近平", "高市早苗"):
        assert name in text
    fonts = {str(f.get_object()["/BaseFont"]) for f in page["/Resources"]["/Font"].values()}
    assert {"/HYSMyeongJo-Medium", "/STSong-Light"} <= fonts


def test_kana_makes_han_japanese():
    from briefconv.formats.pdf_fonts import cjk_language

    assert cjk_language("高市早苗", context="高市早苗さん") == "ja"
    assert cjk_language("习近平") == "zh"
    assert cjk_language("이재명") == "ko"
    assert cjk_language("高市", language="ja") == "ja"


def test_lists_quotes_and_nested_headings():
    doc = small_doc(
        ir.Heading(1, (ir.Text("Findings"),)),
        ir.Heading(2, (ir.Text("Trade"),)),
        para("Opening paragraph."),
        ir.ListBlock(True, ((para("first point"),), (para("second point"),)), start=3),
        ir.ListBlock(False, ((para("a bullet"),),)),
        ir.BlockQuote((para("A quoted sentence."),)),
        ir.Heading(1, (ir.Text("Outlook"),)),
    )
    reader = pypdf.PdfReader(io.BytesIO(write_pdf(doc, {})))
    text = re.sub(r"\s+", " ", reader.pages[0].extract_text())
    for part in ("3. first point", "4. second point", "• a bullet", "A quoted sentence."):
        assert part in text
    embedded_font_names(reader)  # bullets and numbers in the text face, not a base-14 font
    outline = reader.outline
    assert outline[0].title == "Findings" and outline[1][0].title == "Trade" and outline[2].title == "Outlook"


def test_a_reference_to_a_missing_note_is_dropped_with_a_warning():
    doc = small_doc(para("Text", ir.NoteRef("nowhere"), "."))
    with pytest.warns(briefconv.errors.BriefconvWarning, match="unknown notes"):
        write_pdf(doc, {})


def test_vera_is_the_fallback_without_the_font_package(monkeypatch):
    from briefconv.formats import pdf_fonts

    monkeypatch.setattr(pdf_fonts, "pt_serif_files", lambda: None)
    pdf_fonts.text_family.cache_clear()
    try:
        with pytest.warns(briefconv.errors.BriefconvWarning, match="Vera"):
            data = write_pdf(small_doc(para("Fallback text.")), {})
    finally:
        pdf_fonts.text_family.cache_clear()
    page = pypdf.PdfReader(io.BytesIO(data)).pages[0]
    fonts = {str(f.get_object()["/BaseFont"]) for f in page["/Resources"]["/Font"].values()}
    assert any("Vera" in name for name in fonts)
    assert not any("PTSerif" in name for name in fonts)
    assert "Fallback text." in page.extract_text()


def test_no_javascript_links():
    doc = small_doc(para(ir.Link("javascript:alert(1)", (ir.Text("click"),))))
    reader = pypdf.PdfReader(io.BytesIO(write_pdf(doc, {})))
    assert list(links(reader)) == []
    assert "click" in reader.pages[0].extract_text()


def test_importing_the_plugin_module_imports_neither_the_writer_nor_reportlab():
    code = (
        "import sys, briefconv.formats.pdf; "
        "print(*(m in sys.modules for m in ('briefconv.formats.pdf_writer', 'briefconv.formats.pdf_fonts', "
        "'reportlab', 'pyphen')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False"] * 4


def test_importing_the_writer_does_not_import_reportlab():
    code = "import sys, briefconv.formats.pdf_writer; print('reportlab' in sys.modules, 'pyphen' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


@pytest.mark.parametrize("language", ["en", "en-US", "de", "fr"])
def test_hyphenation_points_match_pyphen(language, sample_path):
    pyphen = pytest.importorskip("pyphen")
    from briefconv.formats.pdf_hyphenation import hyphenator

    words = set(re.findall(r"[A-Za-zÀ-ÿ]+", sample_path.read_text(encoding="utf-8")))
    words |= {"denuclearisation", "hyphenation", "Schifffahrt", "KOREA"}
    ours = hyphenator(language)
    reference = pyphen.Pyphen(lang=language.replace("-", "_"), left=2, right=3)
    assert {w: list(ours(w)) for w in words} == {w: list(reference.iterate(w)) for w in words}


def test_the_hyphenation_memo_stays_bounded_and_answers_alike_after_emptying(monkeypatch):
    pytest.importorskip("pyphen")
    from briefconv.formats.pdf_hyphenation import hyphenator

    words = [f"denuclearisation{chr(97 + i % 26)}{i}" for i in range(40)] + ["hyphenation", "organisation"]
    fresh = hyphenator("en")
    fresh("hyphenation")
    patterns = fresh.patterns
    monkeypatch.setattr(type(patterns), "WORD_MEMO_LIMIT", 10)
    patterns.cache.clear()
    before = {w: list(fresh(w)) for w in words}
    assert len(patterns.cache) <= 10
    assert {w: list(fresh(w)) for w in words} == before


def test_long_titles_are_shortened_in_the_running_header_and_long_disclaimers_still_print():
    title = "A Very Long Title That Goes On and On About Many Things Without Any Colon To Shorten It At All"
    body = [para("Sentence number %d of a brief that needs more than one page to say it. " % i * 6) for i in range(30)]
    doc = small_doc(*body, title=title, series=ir.Series("A Series With a Long Name", "12/2026"),
                    disclaimer="Disclaimer words. " * 300)
    reader = pypdf.PdfReader(io.BytesIO(write_pdf(doc, {})))
    header = reader.pages[1].extract_text().splitlines()[0].strip()
    series, _, shortened = header.partition("12/2026 ")
    assert series == "A Series With a Long Name " and shortened.endswith("…"), header
    assert title.startswith(shortened[:-2]) and len(shortened) < len(title), header
    text = re.sub(r"\s+", " ", "".join(page.extract_text() for page in reader.pages))
    assert text.count("Disclaimer words.") == 300


def test_footnotes_are_set_as_endnotes_with_a_warning():
    note = ir.Note("n1", "1", (para("The note."),), kind="footnote")
    doc = small_doc(para("Text", ir.NoteRef("n1"), "."), notes=(note,), extra={"notes": "footnotes"})
    with pytest.warns(briefconv.errors.BriefconvWarning, match="endnotes"):
        data = write_pdf(doc, {})
    assert "Notes" in pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text()


def test_compounds_break_at_their_hyphen_or_inside_a_part_never_leaving_a_letter_alone():
    from briefconv.formats.pdf_hyphenation import hyphenator

    pairs = list(hyphenator("en")("Asia-Pacific"))
    assert ("Asia-", "Pacific") in pairs
    assert all(len(head.split("-")[-1]) != 1 and len(tail.split("-")[0]) >= 3 for head, tail in pairs)


def test_a_giant_paragraph_keeps_every_word_across_pages():
    words = " ".join(f"w{i}." if i % 9 == 8 else f"w{i}" for i in range(12_000))
    doc = small_doc(ir.Paragraph((ir.Text(words), ir.Emphasis((ir.Text("kept whole"),)), ir.Text(" end."))))
    reader = pypdf.PdfReader(io.BytesIO(write_pdf(doc, {})))
    assert len(reader.pages) > 10
    text = squash("".join(page.extract_text() for page in reader.pages))
    assert all(squash(word) in text for word in words.split())
    assert "keptwholeend." in text


def test_documents_in_other_languages_do_not_change_each_other(sample_pdf, sample_doc):
    """Styles are prepared once per process per language: each document still gets its own."""
    german = small_doc(
        para("Die Donaudampfschifffahrtsgesellschaftskapitänsmütze " * 30), title="Ein Bericht", language="de"
    )
    german_pdf = write_pdf(german, {})
    assert write_pdf(sample_doc, {}) == sample_pdf
    code = (
        "import sys, pickle; from briefconv.formats.pdf_writer import write_pdf; "
        "sys.stdout.buffer.write(write_pdf(pickle.loads(sys.stdin.buffer.read()), {}))"
    )
    import pickle

    alone = subprocess.run([sys.executable, "-c", code], input=pickle.dumps(german), capture_output=True, check=True)
    assert alone.stdout == german_pdf


def test_same_bytes_whatever_the_hash_seed():
    """Fonts first met on one line (two CJK scripts, italic, bold) are numbered in order of use."""
    code = (
        "import sys; from briefconv import ir; from briefconv.formats.pdf_writer import write_pdf; "
        "p = ir.Paragraph((ir.Text('Korean 이재명, Chinese 习近平 '), ir.Emphasis((ir.Text('italic'),)), "
        "ir.Strong((ir.Text(' bold'),)))); "
        "sys.stdout.buffer.write(write_pdf(ir.Document(ir.Metadata(title='Seeds'), (p,)), {}))"
    )
    outputs = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed}).stdout
        for seed in ("1", "2", "3", "4")
    }
    assert len(outputs) == 1
