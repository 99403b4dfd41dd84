"""The Python API: read, write, convert, metadata overrides and atomic writes."""

from __future__ import annotations

import os

import pytest

import briefconv
from briefconv import ir
from briefconv.api import remove_temporaries, with_metadata, write_atomically
from briefconv.errors import InputError, OutputError, UnknownFormatError


def test_convert_beside_the_input(tmp_path, sample_path):
    source = tmp_path / "brief.txt"
    source.write_bytes(sample_path.read_bytes())
    written = briefconv.convert(source, ["md", "json"])
    assert written == [str(tmp_path / "brief.md"), str(tmp_path / "brief.json")]
    assert briefconv.read(tmp_path / "brief.json").metadata.title.startswith("Practical Diplomacy")


def test_convert_bytes_returns_bytes(sample_path):
    out = briefconv.convert(sample_path.read_bytes(), "md", from_format="txt")
    assert isinstance(out, bytes) and out.startswith(b"---\n")


def test_write_without_destination_returns_bytes():
    doc = ir.Document(blocks=(ir.Paragraph((ir.Text("Hello"),)),))
    assert briefconv.write(doc, "md") == b"Hello\n"


def test_read_by_format_name_and_alias(tmp_path):
    path = tmp_path / "x.text-file"
    path.write_text("# Head\n\nBody.\n")
    doc = briefconv.read(path, "markdown")
    assert doc.blocks[0] == ir.Heading(1, (ir.Text("Head"),))


def test_errors_name_the_file(tmp_path):
    with pytest.raises(InputError) as caught:
        briefconv.read(tmp_path / "missing.md")
    assert str(caught.value).startswith(str(tmp_path / "missing.md"))
    with pytest.raises(UnknownFormatError, match="'nope'"):
        briefconv.write(ir.Document(), "nope")


def test_a_folder_is_not_a_file(tmp_path):
    with pytest.raises(InputError, match="folder"):
        briefconv.read(tmp_path, "md")


def test_metadata_overrides_map_to_fields():
    doc = with_metadata(ir.Document(), {
        "title": "T", "keywords": "a, b", "issn": "1234-5678", "place": "Oslo",
        "publisher": "P", "series": "S", "series-number": "1/2026", "licence-url": "https://l/",
        "papersize": "letter", "lang": "fr",
    })
    meta = doc.metadata
    assert (meta.title, meta.keywords, meta.language) == ("T", ("a", "b"), "fr")
    assert meta.identifiers == {"issn": "1234-5678"}
    assert meta.publisher == ir.Publisher("P", "Oslo")
    assert meta.series == ir.Series("S", "1/2026")
    assert meta.licence == ir.Licence(url="https://l/")
    assert meta.extra == {"papersize": "letter"}


def test_atomic_write_replaces_whole_or_not_at_all(tmp_path, monkeypatch):
    target = tmp_path / "out.md"
    target.write_bytes(b"old")

    def fail(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(OutputError, match="No space left"):
        write_atomically(target, b"new content")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["out.md"]  # no temporary file left behind


def test_atomic_write_of_pieces_keeps_the_old_file_when_making_them_fails(tmp_path):
    target = tmp_path / "report.json"
    write_atomically(target, (piece for piece in (b"{", b'"a": 1', b"}")))
    assert target.read_bytes() == b'{"a": 1}'

    def broken():
        yield b"{"
        raise ValueError("the third record cannot be read")

    with pytest.raises(ValueError):
        write_atomically(target, broken())
    assert target.read_bytes() == b'{"a": 1}'
    assert os.listdir(tmp_path) == ["report.json"]


@pytest.mark.parametrize("stem", ["x" * 250, "é" * 125])
def test_atomic_write_of_a_name_near_the_file_system_limit(tmp_path, stem):
    target = tmp_path / f"{stem}.md"
    assert len(os.fsencode(target.name)) == 253
    write_atomically(target, b"# A long name")
    assert target.read_bytes() == b"# A long name"
    assert os.listdir(tmp_path) == [target.name]


def test_writing_to_a_named_pipe_writes_into_it_and_keeps_it_a_pipe(tmp_path, sample_doc):
    import stat
    import threading

    fifo = tmp_path / "out.md"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    briefconv.write(sample_doc, "md", fifo)
    reader.join(timeout=10)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode), "the pipe was replaced by a regular file"
    assert received and briefconv.read(received[0], "md").metadata.title == sample_doc.metadata.title
    assert os.listdir(tmp_path) == ["out.md"]


def test_writing_again_removes_what_a_killed_write_of_the_same_file_left(tmp_path, sample_doc):
    leftover = tmp_path / ".brief.md.0a1b2c3d.part"  # a write of brief.md killed outright
    others = [".brief.md.v2.md.0a1b2c3d.part", ".brief.md.part", ".brief.pdf.0a1b2c3d.part"]
    for name in [leftover.name, *others]:
        (tmp_path / name).write_bytes(b"half")
    briefconv.write(sample_doc, "md", tmp_path / "brief.md")
    assert sorted(os.listdir(tmp_path)) == sorted(["brief.md", *others])


def test_atomic_write_into_a_missing_folder(tmp_path):
    with pytest.raises(OutputError, match="does not exist"):
        write_atomically(tmp_path / "no" / "out.md", b"x")


def test_remove_temporaries_takes_only_what_a_killed_write_left(tmp_path, monkeypatch):
    # a temporary file exactly as write_atomically names it, kept by a write that never renamed it
    (tmp_path / "sub").mkdir()
    monkeypatch.setattr(os, "replace", lambda *args: None)
    write_atomically(tmp_path / "sub" / "brief.pdf", b"%PDF-trunc")
    monkeypatch.undo()
    [left] = os.listdir(tmp_path / "sub")
    lookalikes = [".brief.pdf.part", ".brief.pdf.ABCDEF12.part", "brief.pdf.0a1b2c3d.part", ".notes.0a1b2c3.part"]
    for name in lookalikes + ["brief.pdf"]:
        (tmp_path / name).write_bytes(b"mine")

    assert remove_temporaries(tmp_path) == [str(tmp_path / "sub" / left)]
    assert sorted(os.listdir(tmp_path)) == sorted(lookalikes + ["brief.pdf", "sub"])
    assert os.listdir(tmp_path / "sub") == []
