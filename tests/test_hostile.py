"""Hostile and broken input through the real command line (issue 9, "Hostile input").

Every case ends either in a clean conversion or in a clean failure: exit code 2, one
error line on stderr that names the file, no "Traceback", no output file left behind
(not even a temporary one), within seconds and under a memory cap.  Each conversion runs
in its own process with ``RLIMIT_AS`` set, so a reader that tries to hold a decompression
bomb in memory dies instead of taking the machine with it.
"""

from __future__ import annotations

import io
import json
import random
import resource
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from conftest import FIXTURES, SAMPLE

MEMORY_CAP = 1536 * 1024 * 1024  # 1.5 GiB of address space per conversion
QUICK = 60  # seconds: "within seconds", with room for a busy 2-core CI machine
SECRET = "TOPSECRET-b7f3c1d9-not-for-output"

WRITERS = ("md", "jats", "docx", "pdf")
EXTENSIONS = {"md": ".md", "json": ".json", "jats": ".xml", "jats_publishing": ".xml", "docx": ".docx", "pdf": ".pdf"}


def formats(*names: str, fast: tuple[str, ...]) -> list:
    """Parameters for ``names``; those not in ``fast`` are marked slow to keep the default run short."""
    return [pytest.param(name, marks=() if name in fast else pytest.mark.slow) for name in names]


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def run_capped(*args, cwd: Path, timeout: float = QUICK) -> subprocess.CompletedProcess:
    """``python -m briefconv ARGS`` in a fresh process under the memory cap and a timeout."""
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "briefconv", *map(str, args)],
        capture_output=True,
        cwd=cwd,
        timeout=timeout,
        preexec_fn=_cap_memory,
        stdin=subprocess.DEVNULL,
    )
    result.seconds = time.monotonic() - started  # type: ignore[attr-defined]
    return result


def stderr_of(result: subprocess.CompletedProcess) -> str:
    return result.stderr.decode("utf-8", "replace")


def error_lines(result: subprocess.CompletedProcess) -> list[str]:
    """The stderr lines that are not warnings."""
    return [line for line in stderr_of(result).splitlines() if line and not line.startswith("briefconv: warning:")]


def leftovers(folder: Path, keep: set[str]) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


def assert_clean_failure(result, *, names: str | tuple[str, ...], folder: Path, inputs: set[str]) -> str:
    """Exit 2, one error line naming ``names`` (or one of them), no traceback, nothing written."""
    err = stderr_of(result)
    assert result.returncode == 2, err
    assert "Traceback" not in err
    assert "internal error" not in err, err
    lines = error_lines(result)
    assert len(lines) == 1, err
    assert lines[0].startswith("briefconv: ")
    names = (names,) if isinstance(names, str) else names
    assert any(name in lines[0] for name in names), lines[0]
    assert result.stdout == b""
    assert leftovers(folder, inputs) == [], "a failed conversion left files behind"
    return lines[0]


def assert_clean_success(result, output: Path) -> None:
    err = stderr_of(result)
    assert result.returncode == 0, err
    assert "Traceback" not in err
    assert error_lines(result) == [], err
    assert output.is_file() and output.stat().st_size > 0


def assert_clean(result, *, output: Path, names: str | tuple[str, ...], folder: Path, inputs: set[str]) -> None:
    """Either a clean conversion or a clean failure, nothing in between."""
    if result.returncode == 0:
        assert_clean_success(result, output)
    else:
        assert_clean_failure(result, names=names, folder=folder, inputs=inputs)


def assert_well_formed(output: Path, fmt: str) -> None:
    """The output opens as what it claims to be."""
    data = output.read_bytes()
    if fmt in ("jats", "jats_publishing"):
        from lxml import etree

        etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    elif fmt == "docx":
        import docx

        docx.Document(io.BytesIO(data))
    elif fmt == "pdf":
        assert data.startswith(b"%PDF-") and b"%%EOF" in data[-64:]
    elif fmt == "json":
        json.loads(data)
    else:
        data.decode("utf-8")


# ------------------------------------------------------------------- files and names


def test_missing_file_is_named(tmp_path):
    result = run_capped("no-such-brief.txt", "-t", "md", cwd=tmp_path)
    line = assert_clean_failure(result, names="no-such-brief.txt", folder=tmp_path, inputs=set())
    assert "no such file" in line


@pytest.mark.parametrize("ext", [".txt", ".md", ".json", ".xml", ".docx"])
def test_empty_file_of_every_input_format(tmp_path, ext):
    source = tmp_path / f"empty{ext}"
    source.write_bytes(b"")
    output = tmp_path / "out.md"
    result = run_capped(source.name, "-t", "md", "-o", output.name, cwd=tmp_path)
    assert_clean(result, output=output, names=source.name, folder=tmp_path, inputs={source.name})
    if ext in (".txt", ".md"):  # an empty text is a valid, empty document
        assert result.returncode == 0


@pytest.mark.parametrize("fmt", formats("md", "json", "jats", "docx", "pdf", fast=("jats", "pdf")))
def test_empty_document_to_every_writer(tmp_path, fmt):
    source = tmp_path / "empty.txt"
    source.write_bytes(b"")
    output = tmp_path / f"out{EXTENSIONS[fmt]}"
    result = run_capped(source.name, "-t", fmt, "-o", output.name, cwd=tmp_path)
    assert_clean_success(result, output)
    assert_well_formed(output, fmt)


def test_output_folder_that_does_not_exist(tmp_path):
    source = tmp_path / "brief.txt"
    source.write_bytes(b"A title\n\nSome text.\n")
    result = run_capped(source.name, "-t", "md", "-o", "nowhere/out.md", cwd=tmp_path)
    line = assert_clean_failure(result, names="nowhere", folder=tmp_path, inputs={source.name})
    assert "does not exist" in line


def test_unknown_format_is_named(tmp_path):
    source = tmp_path / "brief.txt"
    source.write_bytes("A caf\u00e9 title\n\nSome text.\n".encode("cp1252"))  # reading it would warn
    result = run_capped(source.name, "-t", "wordperfect", cwd=tmp_path)
    line = assert_clean_failure(result, names="'wordperfect'", folder=tmp_path, inputs={source.name})
    assert "unknown format" in line
    assert stderr_of(result).count("\n") == 1, "the input was read before the format was checked"


def test_unknown_input_format_is_named(tmp_path):
    source = tmp_path / "brief.txt"
    source.write_bytes(b"A title\n\nSome text.\n")
    result = run_capped(source.name, "-f", "wordperfect", "-t", "md", cwd=tmp_path)
    assert_clean_failure(result, names="'wordperfect'", folder=tmp_path, inputs={source.name})


# --------------------------------------------------------------------- odd bytes


@pytest.mark.parametrize("ext", [".txt", ".md", ".json", ".xml", ".docx"])
def test_random_bytes(tmp_path, ext):
    source = tmp_path / f"noise{ext}"
    source.write_bytes(random.Random(ext).randbytes(200_000))
    output = tmp_path / "out.md"
    result = run_capped(source.name, "-t", "md", "-o", output.name, cwd=tmp_path)
    assert_clean(result, output=output, names=source.name, folder=tmp_path, inputs={source.name})
    assert result.seconds < 20  # type: ignore[attr-defined]


@pytest.mark.parametrize("fmt", ["jats", "docx", "pdf"])
def test_random_bytes_as_text_to_binary_writers(tmp_path, fmt):
    """Latin-1 noise is full of control characters XML and fonts cannot hold."""
    source = tmp_path / "noise.txt"
    source.write_bytes(random.Random(fmt).randbytes(50_000))
    output = tmp_path / f"out{EXTENSIONS[fmt]}"
    result = run_capped(source.name, "-t", fmt, "-o", output.name, cwd=tmp_path)
    assert_clean(result, output=output, names=source.name, folder=tmp_path, inputs={source.name})
    if result.returncode == 0:
        assert_well_formed(output, fmt)


@pytest.mark.parametrize("fmt", formats("md", "json", "jats", "docx", "pdf", fast=("jats", "pdf")))
def test_nul_bytes(tmp_path, fmt):
    source = tmp_path / "nul.txt"
    source.write_bytes(b"A title\x00\n\nSome \x00\x00text with NULs\x00.\n\n\x00\n")
    output = tmp_path / f"out{EXTENSIONS[fmt]}"
    result = run_capped(source.name, "-t", fmt, "-o", output.name, cwd=tmp_path)
    assert_clean(result, output=output, names=source.name, folder=tmp_path, inputs={source.name})
    if result.returncode == 0:
        assert_well_formed(output, fmt)


def test_cp1252_text_is_decoded(tmp_path):
    source = tmp_path / "legacy.txt"
    source.write_bytes("A caf\u00e9 title\n\n\u201cQuoted\u201d \u2013 costs \u20ac5.\n".encode("cp1252"))
    output = tmp_path / "out.md"
    result = run_capped(source.name, "-t", "md", "-o", output.name, cwd=tmp_path)
    assert_clean_success(result, output)
    text = output.read_text("utf-8")
    assert "caf\u00e9" in text and "\u201cQuoted\u201d \u2013 costs \u20ac5." in text
    assert "cp1252" in stderr_of(result) or "Windows-1252" in stderr_of(result)


# ------------------------------------------------------------------------- size


@pytest.fixture(scope="module")
def one_long_line(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("long") / "line.txt"
    path.write_bytes(b"word " * 1_000_000)  # 5 MB, no newline at all
    return path


@pytest.fixture(scope="module")
def five_mb_brief(tmp_path_factory) -> Path:
    sample = SAMPLE.read_bytes()
    path = tmp_path_factory.mktemp("big") / "big.txt"
    path.write_bytes(sample * (5_000_000 // len(sample) + 1))
    return path


def _convert_large(source: Path, fmt: str, tmp_path: Path, timeout: float) -> None:
    output = tmp_path / f"out{EXTENSIONS[fmt]}"
    result = run_capped(source, "-q", "-t", fmt, "-o", output.name, cwd=tmp_path, timeout=timeout)
    assert_clean_success(result, output)
    assert_well_formed(output, fmt)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["md", "jats", "docx"])
def test_single_5mb_line(one_long_line, tmp_path, fmt):
    _convert_large(one_long_line, fmt, tmp_path, timeout=120)


@pytest.mark.slow
def test_single_5mb_line_to_pdf(one_long_line, tmp_path):
    # a million words in one paragraph: line breaking looks at each word once, so seconds
    _convert_large(one_long_line, "pdf", tmp_path, timeout=60)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["json", "md", "jats", "docx", "pdf"])
def test_5mb_brief(five_mb_brief, tmp_path, fmt):
    _convert_large(five_mb_brief, fmt, tmp_path, timeout=240)


PLAIN_MARKDOWN = {
    # what the small Markdown reader reads itself: its cost must stay linear too
    "paragraphs": b"# Heading\n\nA paragraph with *emphasis*, a [link](https://example.org/x) and\n"
                  b"a second line.\n\n" * 50_000,
    "one-paragraph-of-short-lines": b"line *x*\n" * 550_000,
}


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(PLAIN_MARKDOWN))
def test_5mb_of_plain_markdown(tmp_path, kind):
    source = tmp_path / f"{kind}.md"
    source.write_bytes(PLAIN_MARKDOWN[kind])
    _convert_large(source, "json", tmp_path, timeout=90)


# ----------------------------------------------------------------------- nesting

DEEP = 10_000
DEEP_MARKDOWN = {
    "quotes": b">" * DEEP + b" deep\n",
    "quotes-spaced": b"> " * DEEP + b"deep\n",
    "bullets": b"- " * DEEP + b"deep\n",
    "numbers": b"1. " * DEEP + b"deep\n",
    "emphasis": b"*" * DEEP + b"deep" + b"*" * DEEP + b"\n",
    "strong-emphasis": b"**_" * (DEEP // 3) + b"deep" + b"_**" * (DEEP // 3) + b"\n",
    "links": b"[" * DEEP + b"deep" + b"](u)" * DEEP + b"\n",
    "mixed": b"> - 1. " * (DEEP // 3) + b"deep\n",
}


@pytest.mark.parametrize("fmt", formats("json", "md", "jats", "docx", "pdf", fast=("pdf",)))
@pytest.mark.parametrize("kind", sorted(DEEP_MARKDOWN))
def test_markdown_nested_10000_levels(tmp_path, kind, fmt):
    source = tmp_path / f"deep-{kind}.md"
    source.write_bytes(DEEP_MARKDOWN[kind])
    output = tmp_path / f"out{EXTENSIONS[fmt]}"
    result = run_capped(source.name, "-t", fmt, "-o", output.name, cwd=tmp_path)
    assert_clean(result, output=output, names=source.name, folder=tmp_path, inputs={source.name})
    if result.returncode == 0:
        assert_well_formed(output, fmt)


def _deep_ir_json(depth: int) -> bytes:
    """IR JSON with ``depth`` nested block quotes: deeper than any writer's recursion."""
    paragraph = '{"type": "paragraph", "children": [{"type": "text", "text": "deep"}]}'
    quotes = '{"type": "block-quote", "blocks": [' * depth + paragraph + "]}" * depth
    return ('{"briefconv-ir": 1, "blocks": [' + quotes + "]}").encode()


@pytest.mark.parametrize("fmt", formats("md", "jats", "docx", "pdf", fast=("pdf",)))
@pytest.mark.parametrize("depth", [60, DEEP])
def test_ir_json_nested_deeply(tmp_path, fmt, depth):
    """60 quotes: deeper than any page can indent, still readable as JSON; 10,000: past
    Python's recursion limit, refused by the JSON reader."""
    source = tmp_path / "deep.json"
    source.write_bytes(_deep_ir_json(depth))
    output = tmp_path / f"out{EXTENSIONS[fmt]}"
    result = run_capped(source.name, "-t", fmt, "-o", output.name, cwd=tmp_path)
    # a reader names the input; a writer that gives up names the output it did not write
    assert_clean(result, output=output, names=(source.name, output.name), folder=tmp_path, inputs={source.name})
    if depth < 100:  # a valid document: every writer must manage it
        assert_clean_success(result, output)
        assert_well_formed(output, fmt)


# ---------------------------------------------------------------------- XML attacks


@pytest.fixture
def secret_file(tmp_path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


def _assert_secret_kept(result, folder: Path) -> None:
    assert SECRET.encode() not in result.stdout
    assert SECRET not in stderr_of(result)
    for path in folder.rglob("*"):
        if path.is_file() and path.name != "secret.txt":
            data = path.read_bytes()
            assert SECRET.encode() not in data, f"the secret leaked into {path.name}"
            if path.suffix == ".docx" and data.startswith(b"PK"):
                with zipfile.ZipFile(path) as archive:
                    for member in archive.namelist():
                        assert SECRET.encode() not in archive.read(member)


def _jats_with_doctype(subset: str, body: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<!DOCTYPE article [\n{subset}\n]>\n"
        '<article dtd-version="1.1"><front><article-meta><title-group>'
        "<article-title>Probe</article-title></title-group></article-meta></front>"
        f"<body><p>{body}</p></body></article>\n"
    ).encode()


def jats_attacks(secret: Path) -> dict[str, bytes]:
    uri = secret.as_uri()
    return {
        "external-entity": _jats_with_doctype(f'<!ENTITY s SYSTEM "{uri}">', "Leak: &s;"),
        "parameter-entity": _jats_with_doctype(f'<!ENTITY % p SYSTEM "{uri}"> %p;', "Leak"),
        "external-dtd": (
            f'<?xml version="1.0"?>\n<!DOCTYPE article SYSTEM "{uri}">\n'
            "<article><body><p>Leak: &s;</p></body></article>\n"
        ).encode(),
        "xinclude": (
            '<?xml version="1.0"?>\n<article xmlns:xi="http://www.w3.org/2001/XInclude">'
            "<front><article-meta><title-group><article-title>Probe</article-title></title-group>"
            f'</article-meta></front><body><p>Leak: <xi:include href="{uri}" parse="text"/></p></body></article>\n'
        ).encode(),
        "fixture-xxe": (FIXTURES / "jats-xxe.xml").read_bytes().replace(b"file:///etc/passwd", uri.encode()),
    }


@pytest.mark.parametrize("fmt", formats("md", "json", "jats", "docx", fast=("md",)))
@pytest.mark.parametrize("attack", ["external-entity", "parameter-entity", "external-dtd", "xinclude", "fixture-xxe"])
def test_jats_external_entities_never_leak(tmp_path, secret_file, attack, fmt):
    source = tmp_path / f"{attack}.xml"
    source.write_bytes(jats_attacks(secret_file)[attack])
    output = tmp_path / f"out{EXTENSIONS[fmt]}"
    result = run_capped(source.name, "-f", "jats", "-t", fmt, "-o", output.name, cwd=tmp_path)
    assert_clean(result, output=output, names=source.name, folder=tmp_path, inputs={source.name, secret_file.name})
    _assert_secret_kept(result, tmp_path)


def test_jats_with_entity_declaration_is_refused(tmp_path, secret_file):
    source = tmp_path / "xxe.xml"
    source.write_bytes(jats_attacks(secret_file)["external-entity"])
    result = run_capped(source.name, "-t", "md", "-o", "out.md", cwd=tmp_path)
    line = assert_clean_failure(result, names=source.name, folder=tmp_path, inputs={source.name, secret_file.name})
    assert "entit" in line


def _billion_laughs(root: str, levels: int = 10) -> str:
    decls = ['<!ENTITY lol0 "lollollollollollollollollollol">']
    decls += [f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10}">' for i in range(1, levels)]
    return f"<!DOCTYPE {root} [\n" + "\n".join(decls) + "\n]>\n"


@pytest.mark.parametrize("source_bytes", [
    pytest.param(lambda: (FIXTURES / "jats-billion-laughs.xml").read_bytes(), id="fixture"),
    pytest.param(lambda: ('<?xml version="1.0"?>\n' + _billion_laughs("article")
                          + "<article><body><p>&lol9;</p></body></article>\n").encode(), id="ten-levels"),
    pytest.param(lambda: ('<?xml version="1.0"?>\n<!DOCTYPE article [<!ENTITY big "' + "x" * 2_000_000
                          + '">]>\n<article><body><p>' + "&big;" * 500 + "</p></body></article>\n").encode(),
                 id="quadratic-blowup"),
])
def test_jats_entity_expansion_bomb(tmp_path, source_bytes):
    source = tmp_path / "bomb.xml"
    source.write_bytes(source_bytes())
    result = run_capped(source.name, "-f", "jats", "-t", "md", "-o", "out.md", cwd=tmp_path, timeout=30)
    assert_clean_failure(result, names=source.name, folder=tmp_path, inputs={source.name})
    assert result.seconds < 20  # type: ignore[attr-defined]


# --------------------------------------------------------------------- DOCX attacks


def _small_docx() -> bytes:
    import briefconv
    from briefconv.ir import Document, Metadata, Paragraph, Text

    doc = Document(metadata=Metadata(title="Probe"), blocks=(Paragraph((Text("hello"),)),))
    return briefconv.write(doc, "docx")


def rebuild_docx(dest: Path, replace: dict) -> None:
    """Copy a small DOCX to ``dest`` with some parts replaced.

    A replacement is bytes, or a function writing the part to a stream, which lets a
    1 GiB part be deflated in chunks without ever holding it in memory.
    """
    with zipfile.ZipFile(io.BytesIO(_small_docx())) as original:
        parts = [(info.filename, original.read(info)) for info in original.infolist()]
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts:
            new = replace.get(name, data)
            if callable(new):
                info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                with archive.open(info, "w", force_zip64=True) as stream:
                    new(stream, data)
            else:
                archive.writestr(name, new)


def test_docx_that_is_not_a_zip(tmp_path):
    source = tmp_path / "letter.docx"
    source.write_bytes(b"Dear reader, this is plain text with a .docx name.\n")
    result = run_capped(source.name, "-t", "md", "-o", "out.md", cwd=tmp_path)
    line = assert_clean_failure(result, names=source.name, folder=tmp_path, inputs={source.name})
    assert "zip" in line


def test_docx_truncated_zip(tmp_path):
    source = tmp_path / "cut.docx"
    source.write_bytes(_small_docx()[:5000])
    result = run_capped(source.name, "-t", "md", "-o", "out.md", cwd=tmp_path)
    assert_clean_failure(result, names=source.name, folder=tmp_path, inputs={source.name})


@pytest.fixture(scope="module")
def gigabyte_docx(tmp_path_factory) -> Path:
    """A DOCX whose word/document.xml unpacks to 1 GiB of spaces (about 1 MB packed)."""
    dest = tmp_path_factory.mktemp("bomb") / "bomb.docx"

    def one_gibibyte_of_spaces(stream, original: bytes) -> None:
        body = original.index(b"<w:body>") + len(b"<w:body>")
        stream.write(original[:body])
        chunk = b" " * (1 << 20)
        for _ in range(1024):
            stream.write(chunk)
        stream.write(original[body:])

    rebuild_docx(dest, {"word/document.xml": one_gibibyte_of_spaces})
    return dest


def test_docx_decompression_bomb(gigabyte_docx, tmp_path):
    assert gigabyte_docx.stat().st_size < 5_000_000
    source = tmp_path / gigabyte_docx.name
    source.symlink_to(gigabyte_docx)
    result = run_capped(source.name, "-t", "md", "-o", "out.md", cwd=tmp_path, timeout=30)
    line = assert_clean_failure(result, names=source.name, folder=tmp_path, inputs={source.name})
    assert "word/document.xml" in line
    assert result.seconds < 20  # type: ignore[attr-defined]


def _with_doctype(original: bytes, subset: str, old: bytes, new: bytes) -> bytes:
    declared = original.replace(b"?>", b"?>\n" + subset.encode(), 1)
    assert old in declared
    return declared.replace(old, new, 1)


@pytest.mark.parametrize("fmt", formats("md", "json", "jats", "docx", fast=("md",)))
@pytest.mark.parametrize("part", ["word/document.xml", "docProps/core.xml", "word/styles.xml", "word/endnotes.xml"])
def test_docx_external_entity_never_leaks(tmp_path, secret_file, part, fmt):
    uri = secret_file.as_uri()
    subset = f'<!DOCTYPE x [<!ENTITY s SYSTEM "{uri}">]>'

    def inject(original: bytes) -> bytes:
        root_end = original.index(b">", original.index(b"<", original.index(b"?>") + 2)) + 1
        if part == "word/document.xml":
            return _with_doctype(original, subset, b">hello<", b">hello &s;<")
        if part == "docProps/core.xml":
            return _with_doctype(original, subset, b">Probe<", b">&s;<")
        return original[:root_end].replace(b"?>", b"?>\n" + subset.encode(), 1) + original[root_end:]

    source = tmp_path / "xxe.docx"
    with zipfile.ZipFile(io.BytesIO(_small_docx())) as original:
        data = original.read(part)
    rebuild_docx(source, {part: inject(data)})
    output = tmp_path / f"out{EXTENSIONS[fmt]}"
    result = run_capped(source.name, "-t", fmt, "-o", output.name, cwd=tmp_path)
    assert_clean(result, output=output, names=source.name, folder=tmp_path, inputs={source.name, secret_file.name})
    _assert_secret_kept(result, tmp_path)


def test_docx_entity_expansion_bomb(tmp_path):
    source = tmp_path / "laughs.docx"
    rebuild_docx(source, {"word/document.xml": lambda stream, original: stream.write(
        _with_doctype(original, _billion_laughs("w:document"), b">hello<", b">hello &lol9;<"))})
    result = run_capped(source.name, "-t", "md", "-o", "out.md", cwd=tmp_path, timeout=30)
    output = tmp_path / "out.md"
    assert_clean(result, output=output, names=source.name, folder=tmp_path, inputs={source.name})
    if result.returncode == 0:
        assert "lollollol" not in output.read_text("utf-8")
    assert result.seconds < 20  # type: ignore[attr-defined]
