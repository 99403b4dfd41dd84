"""The PDF writer's speed-ups give exactly what the reportlab code they replace gives."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("reportlab")

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefconv import ir
from briefconv.formats import pdf_writer as pdf
from briefconv.formats.pdf_fonts import cid_font, text_family

EVERY_CHARACTER = "".join(map(chr, range(0x110000)))


def fragment_state(fragment) -> dict:
    """A fragment's attributes, with callback definitions and colours compared by value."""
    state = dict(fragment.__dict__)
    if "cbDefn" in state:
        state["cbDefn"] = dict(state["cbDefn"].__dict__)
    if hasattr(state.get("textColor"), "rgba"):
        state["textColor"] = (type(state["textColor"]).__name__, state["textColor"].rgba())
    return state


def parsed_by_reportlab(markup: str, style):
    from reportlab.platypus.paragraph import Paragraph

    paragraph = Paragraph(markup, style)
    return paragraph.text, [fragment_state(f) for f in paragraph.frags]


def read_fast(markup: str, style):
    read = pdf.markup_fragments(markup, style)
    assert read is not None, markup
    return read[0], [fragment_state(f) for f in read[1]]


@pytest.fixture(scope="module")
def styles():
    pdf.speed_up_reportlab()
    return pdf._make_styles(text_family(), None)


# ------------------------------------------------------------ the URL pattern


@pytest.mark.parametrize("flags", [0, re.IGNORECASE])
@pytest.mark.parametrize("members", ["a-z{}0-9", "a-z{}0-9-", "a-z{}-", "{}", "0-9{}a-z"])
@pytest.mark.parametrize("low", ["\xa1", "\u2e80"])
def test_narrowed_classes_match_the_same_characters(members, low, flags):
    wide = "[" + members.format(low + "-\uffff") + "]"
    narrow = pdf.narrow_wide_classes(wide, flags)
    assert narrow != wide or (flags and ("a-z" not in members or low != "\xa1"))
    assert re.findall(narrow, EVERY_CHARACTER, flags) == re.findall(wide, EVERY_CHARACTER, flags)


def test_classes_the_rewrite_does_not_know_are_left_alone():
    for pattern in ("[^a\xa1-\uffff]", "[A-Z\xa1-\uffff]", "[\\w\xa1-\uffff]", "[\x20-\uffff]"):
        assert pdf.narrow_wide_classes(pattern) == pattern


def test_reportlab_finds_and_splits_urls_as_with_its_own_pattern():
    pdf.import_reportlab_platypus()
    import reportlab.platypus.paragraph as paragraph

    outside = "[^\\x00-\\u00a0\\U00010000-\\U0010ffff]"
    if outside in paragraph.uri_pat.pattern:  # the writer imported reportlab
        narrowed = paragraph.uri_pat
        original = re.compile(narrowed.pattern.replace(outside, "[\xa1-\uffff]"), re.IGNORECASE)
    else:  # something else imported it first
        original = paragraph.uri_pat
        narrowed = re.compile(pdf.narrow_wide_classes(original.pattern, re.IGNORECASE), re.IGNORECASE)
    assert outside in narrowed.pattern and outside not in original.pattern
    words = [
        "https://www.chinadaily.com.cn/a/202601/05/WS695b.html", "http://Example.ORG/Ä/ö?x=1",
        "ftp://[2001:db8::1]/file", "http://192.168.0.1:8080/", "https://xn--bcher-kva.example/",
        "https://straße.de/weg", "www.example.com/path", "word", "http://-bad-.com/", "https://a.b",
        "https://例子.测试/路径", "mailto:someone@example.org", "https://EXAMPLE.com/İstanbul",
    ]
    for word in words:
        mine, theirs = narrowed.match(word), original.match(word)
        assert (mine and mine.groups()) == (theirs and theirs.groups()), word


# ----------------------------------------------------------- fragments, fast


def test_the_sample_reads_into_the_fragments_reportlab_makes(sample_doc, styles):
    markup = pdf.InlineMarkup(sample_doc, text_family().covers, cid_font, lambda t, s: 5.0 * len(t))
    checked = 0
    for index, note in enumerate(sample_doc.notes, 1):
        for block in note.blocks:
            text = f'<a name="note-{index}"/><ondraw name="note_backlink" label="ref-{index}"/>'
            text += markup.render(block.children)
            assert read_fast(text, styles["note"]) == parsed_by_reportlab(text, styles["note"])
            checked += 1
    for block in sample_doc.blocks:
        if isinstance(block, (ir.Paragraph, ir.Heading)):
            text = markup.render(block.children)
            assert read_fast(text, styles["body"]) == parsed_by_reportlab(text, styles["body"])
            checked += 1
    assert checked > 30


@pytest.mark.parametrize("markup", [
    "a &amp;&amp; b &lt;c&gt; &quot;d&quot;", "<b><i>both</i></b> <i><b>both</b></i>",
    '<super rise="3.96" size="7.48">1</super><sub>2</sub><super>3</super>',
    '<a href="https://e.org/?a=1&amp;b=&quot;2&quot;" color="#1d3c6e">x <b>y</b></a><br/>z',
    '<a href="#note-1" color="#1d3c6e"><a name="ref-1"/>Ibid.</a>', "  spaced\n\n  out\t text  ", "",
    '<a name="x"/>', "<br/><br/>",
])
def test_markup_reads_into_the_fragments_reportlab_makes(markup, styles):
    assert read_fast(markup, styles["body"]) == parsed_by_reportlab(markup, styles["body"])


@pytest.mark.parametrize("markup", [
    '<font name="Helvetica">x</font>', "<u>x</u>", "a < b", "a & b", "<b>x", "x</b>", "<i>x</b></i>",
    '<a name="x">text</a>', "<br>", '<a href="x">no colour</a>', '<super rise="x">1</super>',
    '<para align="center">x</para>', "&nbsp;",
])
def test_other_markup_is_left_to_reportlab(markup, styles):
    assert pdf.markup_fragments(markup, styles["body"]) is None


text_runs = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12)
urls = st.sampled_from(["https://e.org/a&b", 'http://x.y/"q"', "#note-1", "mailto:a@b.c", "https://e.org/<x>"])
inlines = st.recursive(
    text_runs.map(ir.Text) | st.just(ir.LineBreak()),
    lambda children: st.one_of(
        st.lists(children, min_size=1, max_size=3).map(lambda c: ir.Emphasis(tuple(c))),
        st.lists(children, min_size=1, max_size=3).map(lambda c: ir.Strong(tuple(c))),
        st.lists(children, min_size=1, max_size=3).map(lambda c: ir.Superscript(tuple(c))),
        st.lists(children, min_size=1, max_size=3).map(lambda c: ir.Subscript(tuple(c))),
        st.tuples(urls, st.lists(children, min_size=1, max_size=3)).map(lambda u: ir.Link(u[0], tuple(u[1]))),
        st.just(ir.NoteRef("fn1")),
        st.lists(children, min_size=1, max_size=2).map(lambda c: ir.NoteCrossRef("fn1", tuple(c))),
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(inlines, min_size=1, max_size=6))
def test_any_paragraph_reads_into_the_fragments_reportlab_makes(styles, children):
    note = ir.Note("fn1", "1", (ir.Paragraph((ir.Text("n"),)),))
    document = ir.Document(ir.Metadata(title="t"), (ir.Paragraph(tuple(children)),), notes=(note,))
    markup = pdf.InlineMarkup(document, text_family().covers, cid_font, lambda t, s: 5.0 * len(t))
    text = markup.render(children)
    read = pdf.markup_fragments(text, styles["body"])
    if read is None:  # CJK and other characters the face lacks are set in <font>
        assert "<font" in text
        return
    assert (read[0], [fragment_state(f) for f in read[1]]) == parsed_by_reportlab(text, styles["body"])


# ------------------------------------------------------ metrics and sameFrag


def sample_fragments(sample_doc, styles) -> list:
    """The fragments of the sample's first paragraphs, as the writer makes them."""
    markup = pdf.InlineMarkup(sample_doc, text_family().covers, cid_font, lambda t, s: 5.0 * len(t))
    fragments = []
    for block in sample_doc.blocks[:12]:
        if isinstance(block, ir.Paragraph):
            fragments += pdf.markup_fragments(markup.render(block.children), styles["body"])[1]
    return fragments


def test_same_frag_agrees_with_reportlab_on_the_sample(sample_doc, styles):
    from reportlab.lib.rl_accel import sameFrag

    fragments = sample_fragments(sample_doc, styles)
    fragments += pdf.markup_fragments("<br/>x", styles["note"])[1]
    partial = fragments[0].clone()  # fragments missing a style attribute, or with more
    del partial.link
    with_background = fragments[0].clone(backColor=None)
    fragments += [partial, with_background, with_background.clone(nobr=True)]
    assert len(fragments) > 20
    for one in fragments:
        for other in fragments:
            assert pdf.same_frag(one, other) == sameFrag(one, other)


def test_remembered_metrics_equal_reportlab_s_and_follow_a_re_registered_font():
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    family = text_family()
    memo = pdf.FontMetricsMemo(limit=3)
    measure = reportlab_original("stringWidth")
    assert measure.__module__ == "reportlab.pdfbase.pdfmetrics"
    for text in ("the", "brief", "the", "Ünïcödé", "brief"):
        for size in (8.5, 11):
            assert memo.string_width(text, family.regular, size) == measure(text, family.regular, size)
            assert pdfmetrics.stringWidth(text, family.regular, size) == measure(text, family.regular, size)
    assert memo.string_width(fontSize=9, fontName=family.bold, text="by keyword") == measure(
        "by keyword", family.bold, 9)
    assert memo.ascent_descent(family.bold, 11) == pdfmetrics.getAscentDescent(family.bold, 11)
    assert len(memo.widths) <= 3
    faces = pdf_font_files()
    pdfmetrics.registerFont(TTFont("BriefSpeedTest", faces["regular"]))
    memo.string_width("brief", "BriefSpeedTest", 11)
    pdfmetrics._fonts["BriefSpeedTest"] = TTFont("BriefSpeedTest", faces["bold"])  # another font, same name
    assert memo.string_width("brief", "BriefSpeedTest", 11) == measure("brief", "BriefSpeedTest", 11)
    assert pdfmetrics.stringWidth("brief", "BriefSpeedTest", 11) == measure("brief", "BriefSpeedTest", 11)
    del pdfmetrics._fonts["BriefSpeedTest"]


def test_fragment_copies_and_clones_equal_reportlab_s(sample_doc, styles):
    import copy

    from reportlab.lib.abag import ABag

    fragments = sample_fragments(sample_doc, styles)
    assert fragments
    for fragment in fragments:
        for made, expected in (
            (pdf.copy_fragment(fragment), copy.copy(fragment)),
            (pdf.clone_fragment(fragment), ABag.clone(fragment)),
            (pdf.clone_fragment(fragment, text="x", _fkind=3), ABag.clone(fragment, text="x", _fkind=3)),
        ):
            assert type(made) is type(expected) and made is not fragment
            assert fragment_state(made) == fragment_state(expected)


# ------------------------------------------------- writing the file, fast


def reportlab_original(name: str):
    """The reportlab function the writer's speed-ups replaced under ``name``."""
    pdf.speed_up_reportlab()
    return pdf.REPORTLAB_ORIGINALS[name]


def test_fast_format_gives_reportlab_s_bytes_for_every_kind_of_value():
    from reportlab.pdfbase import pdfdoc

    original = reportlab_original("format")
    fast = pdf.fast_pdf_format(original)
    document = pdfdoc.PDFDocument(invariant=1)
    values = [
        "/Type", "/Annot", "[0 0 1]", "", "x" * 200, "é ü –", 0, 1, -3, 10**12, 0.0, -0.0, 1.5, 3.14159265,
        -72.000001, 1e-7, 123456.789, True, False, None, b"(bytes)", pdfdoc.PDFString("Text (with) parens"),
        pdfdoc.PDFArray([1, 2.5, "/Name", b"<00>"]), pdfdoc.PDFDictionary({"A": 1, "B": "/C", "D": [1, 2]}),
        pdfdoc.PDFName("Name with space"),
    ]
    for value in values + values:  # the second time from what it remembered
        assert fast(value, document) == original(value, document), value


class _Text(str):
    """A str subclass, which the fast path must leave to reportlab."""


def test_fast_format_leaves_subclasses_and_toplevel_objects_to_reportlab():
    from reportlab.pdfbase import pdfdoc

    seen = []

    def original(element, document, toplevel=0):
        seen.append((element, toplevel))
        return b"original"

    fast = pdf.fast_pdf_format(original)
    assert fast(_Text("x"), None) == b"original"
    stream = pdfdoc.PDFStream(content=b"q Q")
    assert fast(stream, None, toplevel=1) == b"original"
    assert seen == [("x", 0), (stream, 1)]


def test_remembered_pdf_name_equals_reportlab_s():
    original = reportlab_original("PDFName")
    remembered = pdf.remembered_pdf_name(original)
    for name in ("Type", "F1", "a b", "50%", "(x)", "é", "#", "Type", "a b"):
        assert remembered(name) == original(name)
    assert remembered("ab", "a", "z") == original("ab", "a", "z")


@pytest.mark.parametrize("ascii_readable", [0, 1])
def test_fast_split_string_assigns_and_splits_as_reportlab(ascii_readable):
    from reportlab.pdfbase.ttfonts import TTFont

    original = reportlab_original("splitString")
    fast = pdf.fast_split_string(original)
    path = pdf_font_files()["regular"]
    ours, theirs = TTFont("SplitA", path), TTFont("SplitB", path)
    ours._asciiReadable = theirs._asciiReadable = ascii_readable
    covered = sorted(ours.face.charToGlyph)
    texts = ["the brief", "the brief", "\xa0non\xa0breaking", "", "Ünïcödé", "\U0001F600 missing glyph",
             "the brief again", b"bytes too".decode(), "".join(map(chr, covered[:300])), "the end",
             "".join(map(chr, covered[300:320])), "the brief"]
    class Doc:  # a weak-referenceable stand-in for a PDF document
        pass

    doc_a, doc_b = Doc(), Doc()
    for text in texts:
        assert fast(ours, text, doc_a) == original(theirs, text, doc_b), text
    assert ours.state[doc_a].assignments == theirs.state[doc_b].assignments
    assert ours.state[doc_a].subsets == theirs.state[doc_b].subsets


def pdf_font_files() -> dict[str, str]:
    from briefconv.formats.pdf_fonts import pt_serif_files, vera_files

    return {face: str(path) for face, path in (pt_serif_files() or vera_files()).items()}


# ------------------------------------------------------- a quicker import


def test_pillow_and_pyphen_load_only_when_used_and_then_work(tmp_path, sample_path):
    """In a fresh process: a brief is written without loading them; reportlab still finds both."""
    import subprocess
    import sys

    code = f"""
import io, sys, importlib.util
import briefconv
briefconv.write(briefconv.read({str(sample_path)!r}), "pdf")
lazy = [n for n in ("PIL.Image", "pyphen") if isinstance(sys.modules.get(n), importlib.util._LazyModule)]
assert lazy == ["PIL.Image", "pyphen"], lazy
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus.paragraph import Paragraph
style = ParagraphStyle("s", hyphenationLang="en_GB", alignment=4)
para = Paragraph("extraordinarily " * 6 + "incomprehensibilities", style)
para.wrap(90, 1000)
assert para._hyphenations > 0, "reportlab's own pyphen hyphenation"
from PIL import Image
from reportlab.lib.utils import ImageReader
assert ImageReader(Image.new("RGB", (3, 2))).getSize() == (3, 2)
print("ok")
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "ok", result.stderr
