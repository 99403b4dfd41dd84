"""Every writer is deterministic across processes (issue 9).

Each fixture brief is converted to every format by two separate CLI processes with
different hash seeds (so set and dict ordering of strings differs between them), and
the bytes must be equal; the same holds for a batch archive.  Within one process a
writer must also give the same bytes twice (no state left behind by the first run).
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import FIXTURES

import briefconv
from briefconv.api import with_metadata
from briefconv.plugins import get_registry

FIXTURE_BRIEFS = sorted(FIXTURES.glob("*.txt"))
PUBLISHING = ("-M", "issn=2583-1234", "-M", "journal-id=brief")
EXTENSIONS = {"md": ".md", "json": ".json", "jats": ".xml", "jats_publishing": ".publishing.xml",
              "docx": ".docx", "pdf": ".pdf", "html": ".html"}


def writers() -> list[str]:
    names = ["md", "json", "jats", "jats_publishing", "docx", "pdf"]
    if "html" in get_registry().formats:  # the briefconv-html plugin, when installed
        names.append("html")
    return names


def convert_all(folder: Path, seed: str, briefs: list[Path], formats: list[str]) -> dict[str, bytes]:
    """Run the CLI once per brief in a process of its own; the outputs keyed by name."""
    folder.mkdir()
    outputs = {}
    for brief in briefs:
        for fmt in formats:
            target = folder / f"{brief.stem}{EXTENSIONS[fmt]}"
            extra = PUBLISHING if fmt == "jats_publishing" else ()
            result = subprocess.run(
                [sys.executable, "-m", "briefconv", str(brief), "-q", "-t", fmt, *extra, "-o", str(target)],
                capture_output=True, timeout=300, env={**os.environ, "PYTHONHASHSEED": seed},
            )
            assert result.returncode == 0, (brief.name, fmt, result.stderr.decode())
            outputs[target.name] = target.read_bytes()
    return outputs


def _differences(first: dict[str, bytes], second: dict[str, bytes]) -> list[str]:
    return sorted(name for name in first if first[name] != second.get(name))


@pytest.mark.slow
def test_every_writer_gives_the_same_bytes_in_two_processes(tmp_path):
    formats = writers()
    first = convert_all(tmp_path / "first", "1", FIXTURE_BRIEFS, formats)
    second = convert_all(tmp_path / "second", "2", FIXTURE_BRIEFS, formats)
    assert len(first) == len(FIXTURE_BRIEFS) * len(formats)
    assert _differences(first, second) == []


def test_every_writer_same_bytes_in_two_processes_for_the_sample(tmp_path, sample_path):
    formats = writers()
    first = convert_all(tmp_path / "first", "11", [sample_path], formats)
    second = convert_all(tmp_path / "second", "12", [sample_path], formats)
    assert _differences(first, second) == []


@pytest.mark.parametrize("brief", FIXTURE_BRIEFS, ids=lambda p: p.stem)
def test_every_writer_same_bytes_twice_in_one_process(brief):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        document = briefconv.read(brief)
        for fmt in writers():
            doc = with_metadata(document, {"issn": "2583-1234", "journal-id": "brief"}) \
                if fmt == "jats_publishing" else document
            assert briefconv.write(doc, fmt) == briefconv.write(doc, fmt), fmt


# ------------------------------------------------------------------ batch archives


def run_batch(source: Path, dest: Path, seed: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "briefconv", "batch", str(source), "-q", "-t", "md,jats,docx,pdf",
         "-o", str(dest), "-j", "2"],
        capture_output=True, timeout=600, env={**os.environ, "PYTHONHASHSEED": seed},
    )


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".zip", ".tar.gz"])
def test_batch_archive_is_the_same_bytes_in_two_runs(tmp_path, suffix):
    source = tmp_path / "briefs"
    source.mkdir()
    for brief in FIXTURE_BRIEFS[:4]:
        (source / brief.name).write_bytes(brief.read_bytes())
    (source / "nested").mkdir()
    (source / "nested" / "again.txt").write_bytes(FIXTURE_BRIEFS[0].read_bytes())
    first, second = tmp_path / f"first{suffix}", tmp_path / f"second{suffix}"
    for dest, seed in ((first, "21"), (second, "22")):
        result = run_batch(source, dest, seed)
        assert result.returncode == 0, result.stderr.decode()
    if suffix == ".zip":
        with zipfile.ZipFile(first) as archive:
            names = archive.namelist()
        assert "report.json" in names
        assert any(name.endswith(".docx") for name in names) and any(name.endswith(".pdf") for name in names)
    assert first.read_bytes() == second.read_bytes()
