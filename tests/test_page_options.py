"""papersize and notes: the DOCX and PDF writers read them alike (briefconv.page_options)."""

from __future__ import annotations

import io
import zipfile

import pytest

import briefconv
from briefconv import ir
from briefconv.errors import BriefconvWarning, UsageError

pypdf = pytest.importorskip("pypdf")

PAGED = ("docx", "pdf")


def brief(**extra: str) -> ir.Document:
    note = ir.Note("n1", "1", (ir.Paragraph((ir.Text("The note."),)),))
    body = ir.Paragraph((ir.Text("Text"), ir.NoteRef("n1"), ir.Text(".")))
    return ir.Document(ir.Metadata(title="Paper sizes", extra=extra), (body,), notes=(note,))


def page_width_points(data: bytes, fmt: str) -> int:
    """The first page's width as a reader of the file sees it, in points."""
    if fmt == "pdf":
        return round(float(pypdf.PdfReader(io.BytesIO(data)).pages[0].mediabox.width))
    docx = pytest.importorskip("docx")
    return round(docx.Document(io.BytesIO(data)).sections[0].page_width.pt)


@pytest.mark.parametrize("fmt", PAGED)
@pytest.mark.parametrize("value, width", [("letter", 612), ("US-Letter", 612), ("A4", 595)])
def test_known_paper_sizes_set_the_page(fmt, value, width):
    assert page_width_points(briefconv.write(brief(papersize=value), fmt), fmt) == width


@pytest.mark.parametrize("fmt", PAGED)
def test_a4_is_the_default(fmt):
    assert page_width_points(briefconv.write(brief(), fmt), fmt) == 595


@pytest.mark.parametrize("fmt", PAGED)
def test_a_writer_option_wins_over_the_documents_value(fmt):
    data = briefconv.write(brief(papersize="a4"), fmt, options={"papersize": "letter"})
    assert page_width_points(data, fmt) == 612


@pytest.mark.parametrize("fmt", PAGED)
@pytest.mark.parametrize("key, value", [("papersize", "a5"), ("papersize", "leter"), ("notes", "sidenotes")])
def test_an_unknown_value_is_a_usage_error_in_every_paged_writer(fmt, key, value):
    with pytest.raises(UsageError, match=f"{key}={value!r}"):
        briefconv.write(brief(**{key: value}), fmt)


def test_footnotes_are_native_in_docx_and_endnotes_with_a_warning_in_pdf():
    data = briefconv.write(brief(notes="footnotes"), "docx")
    assert b"The note." in zipfile.ZipFile(io.BytesIO(data)).read("word/footnotes.xml")
    with pytest.warns(BriefconvWarning, match="endnotes only"):
        briefconv.write(brief(notes="footnotes"), "pdf")


@pytest.mark.parametrize("fmt", PAGED)
def test_a_typo_on_the_command_line_fails_in_one_line_and_writes_nothing(cli, sample_path, tmp_path, fmt):
    out = tmp_path / f"brief.{fmt}"
    result = cli(sample_path, "-t", fmt, "-o", out, "-M", "papersize=leter")
    assert result.returncode == 2
    message = result.stderr.decode().strip()
    assert "\n" not in message and "papersize='leter'" in message and "Traceback" not in message
    assert list(tmp_path.iterdir()) == []
