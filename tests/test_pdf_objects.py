"""The PDF object writer and TrueType subsets: files that readers open, extract and render."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest

from briefconv.formats.pdf_fonts import pt_serif_files, vera_files
from briefconv.formats.pdf_objects import Name, PdfFile, embed_truetype, serialize
from briefconv.formats.pdf_truetype import FontError, TrueTypeFont

pypdf = pytest.importorskip("pypdf")

TEXT = "Hello — Tomás Łódź, 1945² “quotes” ﬁne"


def font_files():
    return pt_serif_files() or vera_files()


def one_page(text: str = TEXT, face: str = "regular") -> bytes:
    path = font_files()[face]
    font = TrueTypeFont(path.read_bytes(), path.name)
    pdf = PdfFile()
    glyphs = [font.glyph(c) for c in text]
    used = {}
    for glyph, char in zip(glyphs, text):
        used.setdefault(glyph, char)
    font_ref = embed_truetype(pdf, font, path.stem.replace("_", ""), used)
    content = f"BT /F1 14 Tf 72 720 Td <{''.join(f'{g:04X}' for g in glyphs)}> Tj ET".encode("ascii")
    pages = pdf.reserve()
    page = pdf.add({"Type": Name("Page"), "Parent": pages, "MediaBox": [0, 0, 595.276, 841.89],
                    "Resources": {"Font": {"F1": font_ref}}, "Contents": pdf.add_stream(content)})
    pdf.put(pages, {"Type": Name("Pages"), "Kids": [page], "Count": 1})
    root = pdf.add({"Type": Name("Catalog"), "Pages": pages})
    info = pdf.add({"Title": "Ünïcode title — ok", "Producer": "briefconv"})
    return pdf.finish(root, info)


def test_text_comes_back_out_of_the_embedded_subset():
    reader = pypdf.PdfReader(io.BytesIO(one_page()))
    assert reader.pages[0].extract_text() == TEXT
    assert reader.metadata.title == "Ünïcode title — ok"


def test_the_subset_is_an_embedded_font_poppler_draws(tmp_path):
    if not shutil.which("pdftoppm"):
        pytest.skip("poppler-utils missing")
    pdf = tmp_path / "page.pdf"
    pdf.write_bytes(one_page())
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True)
    line = fonts.stdout.splitlines()[-1].split()
    assert line[0].split("+")[0].isupper() and len(line[0].split("+")[0]) == 6  # a subset tag
    assert "CID" in fonts.stdout and line[-5:-2] == ["yes", "yes", "yes"]  # embedded, subset, ToUnicode
    render = subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(tmp_path / "p")],
                            capture_output=True, text=True)
    assert render.returncode == 0 and render.stderr == ""


def test_same_document_same_bytes():
    assert one_page() == one_page()


def test_a_subset_keeps_the_parts_of_accented_glyphs_and_is_small():
    path = font_files()["regular"]
    font = TrueTypeFont(path.read_bytes())
    glyphs = [font.glyph(c) for c in "áŁ"]
    wanted = font.closure(glyphs)
    assert set(glyphs) <= wanted and 0 in wanted
    parts = [c for g in glyphs for c in font.components(g)]
    assert set(parts) <= wanted
    assert len(font.subset(glyphs)) < len(path.read_bytes()) / 5


def test_a_damaged_font_is_a_font_error():
    with pytest.raises(FontError):
        TrueTypeFont(b"\x00\x01\x00\x00" + b"\x00" * 8, "broken.ttf")
    with pytest.raises(FontError):
        TrueTypeFont(b"OTTO" + b"\x00" * 40, "cff.otf")


def test_values_serialize_as_pdf():
    assert serialize({"Type": Name("Page"), "N": [1, 2.5, -0.0001, True, None]}) == \
        b"<< /Type /Page /N [1 2.5 0 true null] >>"
    assert serialize("a(b)\\") == b"(a\\(b\\)\\\\)"
    assert serialize("Ł") == b"(\xfe\xff\x01A)"
    assert serialize(Name("A B#")) == b"/A#20B#23"
