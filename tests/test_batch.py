"""Batch conversion: folders and archives in, folders and archives out, safely."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import stat
import struct
import subprocess
import sys
import tarfile
import time
import warnings
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from briefconv import batch_workers
from briefconv.batch import run_batch
from briefconv.errors import BriefconvError, InputError
from briefconv.plugins import get_registry
from conftest import CRS_HEARINGS, CRS_SPEAKER, SAMPLE


def brief_md(title: str, note: str = "A note.") -> bytes:
    return f"---\ntitle: {title}\n---\n\n# Context\n\nSome *text* about {title}[^1].\n\n[^1]: {note}\n".encode()


def make_tree(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def make_zip(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(zipfile.ZipInfo(name), data)
    return path


def report_of(dest: Path) -> dict:
    if dest.suffix == ".zip":
        with zipfile.ZipFile(dest) as archive:
            return json.loads(archive.read("report.json"))
    return json.loads((dest / "report.json").read_bytes())


def by_source(report: dict) -> dict[str, dict]:
    return {entry["source"]: entry for entry in report["documents"]}


def files_under(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


CORPUS = {
    "one.md": brief_md("One"),
    "two.markdown": brief_md("Two"),
    "sub/three.md": brief_md("Three"),
    "sub/deeper/four.md": brief_md("Four"),
    "notes.bin": b"\x00\x01 not a document",
}


# ---------------------------------------------------------------- folder -> folder


def test_folder_to_folder_keeps_subfolders_and_reports_each_document(tmp_path):
    source = make_tree(tmp_path / "src", CORPUS)
    dest = tmp_path / "out"
    assert run_batch(source, ["json", "md"], dest, jobs=2, quiet=True) == 0

    assert files_under(dest) == {
        "one.json", "one.md", "two.json", "two.md", "sub/three.json", "sub/three.md",
        "sub/deeper/four.json", "sub/deeper/four.md", "report.json", "timings.json",
    }
    # the outputs are the documents: the JSON reads back with the right title
    assert json.loads((dest / "sub/three.json").read_bytes())["metadata"]["title"] == "Three"
    entries = by_source(report_of(dest))
    assert entries["notes.bin"]["status"] == "skipped"
    converted = entries["sub/deeper/four.md"]
    assert converted["status"] == "converted"
    assert {o["path"] for o in converted["outputs"]} == {"sub/deeper/four.json", "sub/deeper/four.md"}
    out = next(o for o in converted["outputs"] if o["format"] == "json")
    import hashlib
    data = (dest / "sub/deeper/four.json").read_bytes()
    assert out["bytes"] == len(data) and out["sha256"] == hashlib.sha256(data).hexdigest()
    # times live apart from the report, so the report can repeat byte for byte
    assert "seconds" not in json.dumps(report_of(dest))
    assert set(json.loads((dest / "timings.json").read_bytes())["documents"]) == {
        "one.md", "two.markdown", "sub/three.md", "sub/deeper/four.md"}


def test_existing_outputs_fail_unless_overwrite_or_skip(tmp_path):
    source = make_tree(tmp_path / "src", {"a.md": brief_md("A"), "b.md": brief_md("B")})
    dest = tmp_path / "out"
    assert run_batch(source, ["json"], dest, jobs=1, quiet=True) == 0
    assert run_batch(source, ["json"], dest, jobs=1, quiet=True) == 1
    assert "already exists" in by_source(report_of(dest))["a.md"]["error"]

    assert run_batch(source, ["json"], dest, jobs=1, quiet=True, existing="overwrite") == 0
    assert run_batch(source, ["json"], dest, jobs=1, quiet=True, existing="skip") == 0
    entries = by_source(report_of(dest))
    assert entries["a.md"]["status"] == "skipped" and entries["a.md"]["outputs"][0]["path"] == "a.json"


def test_folder_links_are_refused_and_not_followed(tmp_path):
    outside = make_tree(tmp_path / "outside", {"secret.md": brief_md("Secret")})
    source = make_tree(tmp_path / "src", {"ok.md": brief_md("Ok")})
    (source / "link.md").symlink_to(outside / "secret.md")
    (source / "linkdir").symlink_to(outside, target_is_directory=True)
    dest = tmp_path / "out"
    assert run_batch(source, ["json"], dest, jobs=1, quiet=True) == 1
    entries = by_source(report_of(dest))
    assert entries["link.md"]["status"] == entries["linkdir"]["status"] == "failed"
    assert files_under(dest) == {"ok.json", "report.json", "timings.json"}


@pytest.mark.parametrize("dest_name", ["out", "out.zip"])
def test_a_name_that_is_not_utf8_fails_alone_and_the_report_still_reads(tmp_path, dest_name):
    source = make_tree(tmp_path / "src", {"ok.md": brief_md("Ok")})
    (source / os.fsdecode(b"caf\xe9.md")).write_bytes(brief_md("Cafe"))
    dest = tmp_path / dest_name
    assert run_batch(source, ["json"], dest, jobs=1, quiet=True) == 1
    entries = by_source(report_of(dest))
    assert entries["caf\\xe9.md"] == {"source": "caf\\xe9.md", "status": "failed", "outputs": [],
                                       "warnings": [], "error": "member name is not valid UTF-8"}
    assert entries["ok.md"]["status"] == "converted"


def test_dest_inside_a_folder_source_is_not_read_back(tmp_path):
    source = make_tree(tmp_path / "src", {"a.md": brief_md("A")})
    assert run_batch(source, ["md"], source / "out", jobs=1, quiet=True) == 0
    assert run_batch(source, ["md"], source / "out", jobs=1, quiet=True, existing="overwrite") == 0
    assert set(by_source(report_of(source / "out"))) == {"a.md"}


def test_clashing_output_names_fail_the_later_document(tmp_path):
    source = make_tree(tmp_path / "src", {"a.md": brief_md("A"), "a.markdown": brief_md("B")})
    dest = tmp_path / "out"
    assert run_batch(source, ["json"], dest, jobs=1, quiet=True) == 1
    entries = by_source(report_of(dest))
    assert entries["a.markdown"]["status"] == "converted"  # sorted first
    assert "already taken by a.markdown" in entries["a.md"]["error"]


# ---------------------------------------------------------------- zip in, zip out


def hostile_zip(path: Path) -> Path:
    make_zip(path, {**CORPUS, "broken.json": b"{ not json", "../escape.md": brief_md("Escape"),
                    "/abs.md": brief_md("Absolute")})
    with zipfile.ZipFile(path, "a") as archive:  # a symlink member pointing out
        info = zipfile.ZipInfo("evil.md")
        info.create_system = 3
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, "/etc/passwd")
    return path


def test_hostile_zip_to_zip_fails_only_the_bad_members_and_repeats_bytes(tmp_path, cli):
    work = tmp_path / "work"
    work.mkdir()
    source = hostile_zip(tmp_path / "in.zip")
    dest = work / "out.zip"
    result = cli("batch", source, "-t", "json,md", "-o", dest, "-j", "2", cwd=work)
    assert result.returncode == 1, result.stderr
    stderr = result.stderr.decode()
    assert "../escape.md" in stderr and "broken.json" in stderr

    entries = by_source(report_of(dest))
    for bad in ("../escape.md", "/abs.md", "evil.md", "broken.json"):
        assert entries[bad]["status"] == "failed", bad
    assert entries["notes.bin"]["status"] == "skipped"
    with zipfile.ZipFile(dest) as archive:
        names = archive.namelist()
        assert names == sorted(names)
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert "sub/deeper/four.json" in names and not any("escape" in n or "abs" in n for n in names)
    # nothing outside DEST: the work folder holds DEST and its timings only
    assert sorted(p.name for p in work.iterdir()) == ["out.zip", "out.zip.timings.json"]
    assert not (tmp_path / "escape.md").exists() and not (tmp_path / "escape.json").exists()

    first = dest.read_bytes()
    again = cli("batch", source, "-t", "json,md", "-o", dest, "-j", "1", "--overwrite", cwd=work)
    assert again.returncode == 1
    assert dest.read_bytes() == first


def test_existing_archive_dest_refuses_the_batch(tmp_path, cli):
    source = make_zip(tmp_path / "in.zip", {"a.md": brief_md("A")})
    dest = tmp_path / "out.zip"
    dest.write_bytes(b"earlier")
    result = cli("batch", source, "-t", "md", "-o", dest)
    assert result.returncode == 2 and b"--overwrite" in result.stderr
    assert dest.read_bytes() == b"earlier"


def test_skip_existing_adds_to_an_existing_archive_dest(tmp_path):
    source = make_tree(tmp_path / "src", {"a.md": brief_md("A")})
    dest = tmp_path / "out.zip"
    assert run_batch(source, ["json"], dest, jobs=1, quiet=True) == 0
    with zipfile.ZipFile(dest) as archive:
        first = archive.read("a.json")
    (source / "b.md").write_bytes(brief_md("B"))
    assert run_batch(source, ["json"], dest, jobs=1, quiet=True, existing="skip") == 0
    entries = by_source(report_of(dest))
    assert entries["a.md"]["status"] == "skipped" and entries["b.md"]["status"] == "converted"
    with zipfile.ZipFile(dest) as archive:
        assert archive.read("a.json") == first and "b.json" in archive.namelist()


def test_corrupt_zip_member_fails_alone(tmp_path):
    source = make_zip(tmp_path / "in.zip", {"a.md": brief_md("A"), "b.md": brief_md("B")})
    raw = bytearray(source.read_bytes())
    start = raw.index(b"PK\x03\x04", 1)  # b.md's local header; damage its compressed data
    name_len, extra_len = struct.unpack("<HH", raw[start + 26:start + 30])
    data_at = start + 30 + name_len + extra_len
    raw[data_at:data_at + 8] = b"\xff" * 8
    source.write_bytes(bytes(raw))
    dest = tmp_path / "out"
    assert run_batch(source, ["json"], dest, jobs=1, quiet=True) == 1
    entries = by_source(report_of(dest))
    assert entries["a.md"]["status"] == "converted"
    assert entries["b.md"]["status"] == "failed" and "corrupt" in entries["b.md"]["error"]


def test_encrypted_zip_member_fails_alone_with_a_plain_message(tmp_path):
    source = make_zip(tmp_path / "in.zip", {"a.md": brief_md("A"), "b.md": brief_md("B")})
    raw = bytearray(source.read_bytes())
    local = raw.index(b"PK\x03\x04", 1)  # b.md's local header, then its central directory entry
    central = raw.index(b"PK\x01\x02", raw.index(b"PK\x01\x02") + 1)
    raw[local + 6] |= 1  # general purpose flag bit 0: encrypted
    raw[central + 8] |= 1
    source.write_bytes(bytes(raw))
    dest = tmp_path / "out"
    assert run_batch(source, ["json"], dest, jobs=1, quiet=True) == 1
    entries = by_source(report_of(dest))
    assert entries["a.md"]["status"] == "converted"
    assert entries["b.md"]["error"] == "encrypted member (briefconv takes no passwords)"


# ---------------------------------------------------------------- bombs and limits


def test_zip_bomb_member_is_refused_quickly(tmp_path):
    source = tmp_path / "bomb.zip"
    with zipfile.ZipFile(source, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("ok.md", brief_md("Ok"))
        info = zipfile.ZipInfo("bomb.md")
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as handle:
            chunk = b"\0" * (1 << 20)
            for _ in range(100):  # 100 MiB of zeros, about 100 KiB compressed
                handle.write(chunk)
    assert source.stat().st_size < 1 << 20
    started = time.perf_counter()
    assert run_batch(source, ["json"], tmp_path / "out", jobs=1, quiet=True) == 1
    assert time.perf_counter() - started < 5
    entry = by_source(report_of(tmp_path / "out"))["bomb.md"]
    assert entry["status"] == "failed" and "--max-member-bytes" in entry["error"]


def test_member_lying_about_its_size_stops_at_the_declared_size(tmp_path):
    source = make_zip(tmp_path / "liar.zip", {"liar.md": b"x" * 200_000})
    raw = bytearray(source.read_bytes())
    local = raw.index(b"PK\x01\x02")  # central directory entry: uncompressed size at +24
    raw[local + 24:local + 28] = struct.pack("<I", 100)
    raw[22:26] = struct.pack("<I", 100)  # and in the local header
    source.write_bytes(bytes(raw))
    dest = tmp_path / "out"
    assert run_batch(source, ["json"], dest, jobs=1, quiet=True, max_member_bytes=1000) == 1
    assert by_source(report_of(dest))["liar.md"]["status"] == "failed"


@pytest.mark.parametrize("size, declared", [(40, 10), (40, 1000), (40, 40), (3_000_000, 5), (0, 7)])
def test_a_member_is_read_whole_whatever_size_it_declares(size, declared):
    from briefconv.archives import _read_limited

    data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    assert _read_limited(io.BytesIO(data), 4_000_000, declared) == data


@pytest.mark.parametrize("declared", [10, 50, 51, 10_000])
def test_a_member_past_the_limit_is_refused_whatever_size_it_declares(declared):
    from briefconv.archives import MemberError, _read_limited

    with pytest.raises(MemberError, match="more than 50 bytes"):
        _read_limited(io.BytesIO(b"y" * 51), 50, declared)
    assert _read_limited(io.BytesIO(b"y" * 50), 50, declared) == b"y" * 50


def test_total_size_and_member_count_limits_refuse_the_batch(tmp_path, cli):
    source = make_zip(tmp_path / "many.zip", {f"d{i}.md": brief_md(str(i)) for i in range(5)})
    with pytest.raises(InputError, match="--max-members"):
        run_batch(source, ["json"], tmp_path / "out1", jobs=1, quiet=True, max_members=4)
    with pytest.raises(InputError, match="--max-total-bytes"):
        run_batch(source, ["json"], tmp_path / "out2", jobs=1, quiet=True, max_total_bytes=100)
    assert not (tmp_path / "out1").exists() and not (tmp_path / "out2").exists()
    result = cli("batch", source, "-t", "json", "-o", tmp_path / "out3", "--max-members", "4")
    assert result.returncode == 2 and b"--max-members" in result.stderr
    # raising the limit lets it through
    assert run_batch(source, ["json"], tmp_path / "out4", jobs=1, quiet=True, max_members=5) == 0


# ---------------------------------------------------------------- tar


def make_tar(path: Path, files: dict[str, bytes], mode: str = "w:gz") -> Path:
    with tarfile.open(path, mode) as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        for kind, name in ((tarfile.SYMTYPE, "sym.md"), (tarfile.LNKTYPE, "hard.md")):
            info = tarfile.TarInfo(name)
            info.type, info.linkname = kind, "/etc/passwd"
            archive.addfile(info)
    return path


def test_tar_gz_to_folder_refuses_link_members(tmp_path):
    source = make_tar(tmp_path / "in.tar.gz", {**CORPUS, "../up.md": brief_md("Up")})
    dest = tmp_path / "out"
    assert run_batch(source, ["json"], dest, jobs=2, quiet=True) == 1
    entries = by_source(report_of(dest))
    assert {s for s, e in entries.items() if e["status"] == "failed"} == {"sym.md", "hard.md", "../up.md"}
    assert (dest / "sub/deeper/four.json").is_file()
    assert not (tmp_path / "up.json").exists()


@pytest.mark.parametrize("suffix, mode", [(".tar", "w"), (".tar.bz2", "w:bz2"), (".tar.xz", "w:xz")])
def test_other_tar_compressions_are_read(tmp_path, suffix, mode):
    source = make_tar(tmp_path / f"in{suffix}", {"a.md": brief_md("A")}, mode)
    assert run_batch(source, ["json"], tmp_path / "out", jobs=1, quiet=True) == 1  # the two links
    assert (tmp_path / "out/a.json").is_file()


def test_tar_gz_dest_is_reproducible(tmp_path):
    source = make_tree(tmp_path / "src", CORPUS)
    first, second = tmp_path / "a.tar.gz", tmp_path / "b.tgz"
    assert run_batch(source, ["md"], first, jobs=2, quiet=True) == 0
    assert run_batch(source, ["md"], second, jobs=1, quiet=True) == 0
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes()[4:8] == b"\0\0\0\0"  # gzip mtime
    with tarfile.open(first) as archive:
        members = archive.getmembers()
        assert [m.name for m in members] == sorted(m.name for m in members)
        assert {(m.mtime, m.mode, m.uid, m.uname) for m in members} == {(315532800, 0o644, 0, "")}
        assert "report.json" in archive.getnames()


def test_corrupt_archive_is_a_batch_error(tmp_path, cli):
    source = tmp_path / "in.zip"
    source.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(InputError):
        run_batch(source, ["json"], tmp_path / "out", quiet=True)
    result = cli("batch", tmp_path / "missing", "-t", "json", "-o", tmp_path / "out")
    assert result.returncode == 2


@pytest.mark.parametrize("suffix, mode", [(".tar", "w"), (".tar.gz", "w:gz")])
def test_a_truncated_tar_converts_what_comes_before_the_damage(tmp_path, suffix, mode):
    briefs = {f"b{n}.md": brief_md(f"Brief {n}", "x" * 20_000) for n in range(4)}
    whole = make_tar(tmp_path / f"whole{suffix}", briefs, mode).read_bytes()
    source = tmp_path / f"in{suffix}"
    source.write_bytes(whole[:len(whole) * 6 // 10])
    dest = tmp_path / "out"
    assert run_batch(source, ["json"], dest, jobs=1, quiet=True) == 1
    entries = by_source(report_of(dest))
    converted = {s for s, e in entries.items() if e["status"] == "converted"}
    assert converted and converted < set(briefs)
    assert entries["(rest of archive)"]["error"].startswith("corrupt archive")
    assert files_under(dest) == {s.replace(".md", ".json") for s in converted} | {"report.json", "timings.json"}


def converting_or_crashing(name, *args):
    """batch_workers.convert_document, except that a worker given "…crash.md" dies at once (SIGKILL),
    as one hit by a crash in a C library would, and one given "…once.md" dies the first
    time only, as one the out-of-memory killer picked would."""
    if name.endswith("crash.md"):
        os.kill(os.getpid(), signal.SIGKILL)
    if name.endswith("once.md") and not os.path.exists(os.environ["CRASHED_ONCE"]):
        Path(os.environ["CRASHED_ONCE"]).touch()
        os.kill(os.getpid(), signal.SIGKILL)
    return REAL_CONVERT(name, *args)


REAL_CONVERT = batch_workers.convert_document


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_worker_that_dies_fails_only_the_document_that_kills_it(tmp_path, monkeypatch, jobs):
    briefs = {f"b{n:02}.md": brief_md(f"Brief {n}") for n in range(20)}
    # the first and the last: never in flight together
    source = make_tree(tmp_path / "src", {**briefs, "a-crash.md": brief_md("Crash"), "z-once.md": brief_md("Once")})
    monkeypatch.setattr(batch_workers, "convert_document", converting_or_crashing)
    monkeypatch.setenv("CRASHED_ONCE", str(tmp_path / "crashed-once"))
    dest = tmp_path / "out"
    assert run_batch(source, ["json"], dest, jobs=jobs, quiet=True) == 1
    entries = by_source(report_of(dest))
    assert {s for s, e in entries.items() if e["status"] != "converted"} == {"a-crash.md"}
    assert entries["a-crash.md"]["error"].startswith("worker failed: the process converting it died")
    assert (tmp_path / "crashed-once").exists()  # z-once.md did kill a worker, and converted when tried again
    expected = {s.replace(".md", ".json") for s in [*briefs, "z-once.md"]}
    assert files_under(dest) == expected | {"report.json", "timings.json"}


def converting_or_hanging(name, *args):
    """batch_workers.convert_document, except that "…hang.md" never finishes (a pathological input)."""
    if name.endswith("hang.md"):
        time.sleep(3600)
    return REAL_CONVERT(name, *args)


@pytest.mark.parametrize("jobs, documents_per_worker", [(1, 1000), (2, 1000), (2, 2)])
def test_a_document_over_the_time_limit_fails_alone(tmp_path, monkeypatch, jobs, documents_per_worker):
    briefs = {f"b{n:02}.md": brief_md(f"Brief {n}") for n in range(6)}
    source = make_tree(tmp_path / "src", {**briefs, "a-hang.md": brief_md("Hang")})
    monkeypatch.setattr(batch_workers, "convert_document", converting_or_hanging)
    monkeypatch.setattr(batch_workers, "DOCUMENTS_PER_WORKER", documents_per_worker)  # 2: the pool renews while it hangs
    dest = tmp_path / "out"
    start = time.monotonic()
    assert run_batch(source, ["json"], dest, jobs=jobs, quiet=True, timeout=1.0) == 1
    assert time.monotonic() - start < 30
    entries = by_source(report_of(dest))
    assert {s for s, e in entries.items() if e["status"] != "converted"} == {"a-hang.md"}
    assert entries["a-hang.md"]["error"] == "took longer than 1 s (raise the limit with --timeout)"


def test_a_negative_time_limit_is_refused(tmp_path, cli):
    source = make_tree(tmp_path / "src", {"a.md": brief_md("A")})
    result = cli("batch", source, "-t", "json", "-o", tmp_path / "out", "--timeout", "-1")
    assert result.returncode == 2 and b"--timeout must be 0" in result.stderr
    assert not (tmp_path / "out").exists()


def test_fail_fast_after_a_worker_died_still_reports_every_document(tmp_path, monkeypatch):
    briefs = {f"b{n:02}.md": brief_md(f"Brief {n}") for n in range(12)}
    source = make_tree(tmp_path / "src", {**briefs, "a-crash.md": brief_md("Crash")})
    monkeypatch.setattr(batch_workers, "convert_document", converting_or_crashing)
    dest = tmp_path / "out"
    assert run_batch(source, ["json"], dest, jobs=2, quiet=True, fail_fast=True) == 1
    entries = by_source(report_of(dest))
    # a-crash.md and the next ones are in flight together when its worker dies
    in_flight = 2 * batch_workers.IN_FLIGHT_PER_WORKER
    assert {"a-crash.md", *(f"b{n:02}.md" for n in range(in_flight - 1))} <= set(entries)
    assert entries["a-crash.md"]["status"] == "failed"
    assert all(e["status"] == "converted" or e["reason"].startswith("not converted: stopped")
               for s, e in entries.items() if s != "a-crash.md")


# ---------------------------------------------------------------- interruption


def test_interrupted_archive_batch_leaves_no_partial_dest_and_resumes(tmp_path, monkeypatch):
    source = make_tree(tmp_path / "src", {f"d{i:02}.md": brief_md(f"Doc {i}") for i in range(6)})
    dest = tmp_path / "out.zip"
    real = batch_workers.convert_document
    calls = []

    def interrupted(*args):
        calls.append(args[0])
        if len(calls) == 4:
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(batch_workers, "convert_document", interrupted)
    monkeypatch.setenv("BRIEFCONV_DEBUG", "1")  # -j 1 --debug converts in this process: Ctrl-C lands on the 4th
    with pytest.raises(KeyboardInterrupt):
        run_batch(source, ["json"], dest, jobs=1, quiet=True)
    assert not dest.exists()
    assert not list(tmp_path.glob(".out.zip*"))
    staged = tmp_path / "out.zip.partial"
    assert files_under(staged) == {"d00.json", "d01.json", "d02.json"}

    calls.clear()
    assert run_batch(source, ["json"], dest, jobs=1, quiet=True, existing="skip") == 0
    assert sorted(calls) == ["d03.md", "d04.md", "d05.md"]  # the rest only
    assert not staged.exists()
    entries = by_source(report_of(dest))
    assert entries["d00.md"]["status"] == "skipped" and entries["d05.md"]["status"] == "converted"
    monkeypatch.setattr(batch_workers, "convert_document", real)
    fresh = tmp_path / "fresh.zip"
    run_batch(source, ["json"], fresh, jobs=1, quiet=True)
    with zipfile.ZipFile(dest) as resumed, zipfile.ZipFile(fresh) as whole:
        for name in whole.namelist():
            if name != "report.json":
                assert resumed.read(name) == whole.read(name)


def children_of(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux's /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and f"\nPPid:\t{pid}\n" in (entry / "status").read_text():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def running(pid: int) -> bool:
    """Whether ``pid`` is a live process (not gone, not a zombie waiting to be reaped)."""
    try:
        return "\nState:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_workers_end_when_their_batch_is_killed_outright(tmp_path):
    source = make_tree(tmp_path / "src", {f"b{n:03}.md": brief_md(f"Brief {n}") for n in range(300)})
    command = [sys.executable, "-m", "briefconv", "batch", str(source), "-t", "docx", "-o", str(tmp_path / "out"),
               "-j", "2", "-q"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while len(workers := children_of(process.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(workers) >= 2, "the batch started no workers"
    process.send_signal(signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 10
    while (alive := [w for w in workers if running(w)]) and time.monotonic() < deadline:
        time.sleep(0.05)
    for orphan in alive:
        os.kill(orphan, signal.SIGKILL)
    assert not alive, "workers outlived their batch"


def temporaries_under(root: Path) -> list[str]:
    return [p.name for p in root.rglob(".*.part")] if root.exists() else []


def kill_while_writing(command: list[str], dest: Path) -> bool:
    """Start ``command``; SIGKILL it the moment a temporary file shows in ``dest``.

    True when it was killed mid-write, False when it finished before one was seen.
    """
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while process.poll() is None:
            if temporaries_under(dest):
                process.send_signal(signal.SIGKILL)
                return True
            time.sleep(0.0002)
        return False
    finally:
        process.wait(timeout=60)


@pytest.mark.slow
def test_a_rerun_clears_what_a_killed_batch_left_and_finishes(tmp_path):
    """SIGKILL cannot be caught, so the output being written when it lands stays as a
    hidden .part; the rerun with --skip-existing deletes it and converts the rest."""
    brief = SAMPLE.read_bytes() * 30  # big enough that writing one output takes a while
    source = make_tree(tmp_path / "src", {"a.txt": brief, "sub/b.txt": brief, "sub/c.txt": brief})
    dest = tmp_path / "out"
    command = [sys.executable, "-m", "briefconv", "batch", str(source), "-t", "jats", "-o", str(dest), "-j", "1", "-q"]

    left_behind = []
    for _ in range(5):  # until a kill catches a write in progress
        if dest.exists():
            shutil.rmtree(dest)
        if kill_while_writing(command, dest):
            left_behind = temporaries_under(dest)
            if left_behind:
                break
    rerun = subprocess.run([*command, "--skip-existing"], capture_output=True)

    assert rerun.returncode == 0, rerun.stderr.decode()
    assert temporaries_under(dest) == []
    fresh = tmp_path / "fresh"
    assert run_batch(source, ["jats"], fresh, jobs=1, quiet=True) == 0
    assert files_under(dest) - {"timings.json"} == files_under(fresh) - {"timings.json"}
    for name in ("a.xml", "sub/b.xml", "sub/c.xml"):
        assert (dest / name).read_bytes() == (fresh / name).read_bytes()
    statuses = {e["source"]: e["status"] for e in report_of(dest)["documents"]}
    assert set(statuses) == {"a.txt", "sub/b.txt", "sub/c.txt"}
    print("killed mid-write, leaving", left_behind)


def test_fail_fast_stops_after_the_first_failure(tmp_path):
    files = {"a.json": b"{bad", **{f"z{i}.md": brief_md(str(i)) for i in range(5)}}
    source = make_tree(tmp_path / "src", files)
    dest = tmp_path / "out"
    assert run_batch(source, ["json"], dest, jobs=1, quiet=True, fail_fast=True) == 1
    report = report_of(dest)
    assert report["stopped-at-first-failure"] is True
    entries = by_source(report)
    assert entries["a.json"]["status"] == "failed"
    # only what was already in flight beside a.json is reported; the rest is never read
    assert len(entries) <= batch_workers.IN_FLIGHT_PER_WORKER and "z4.md" not in entries


RETITLE_PLUGIN = """
from briefconv import Filter, hookimpl
import dataclasses

def retitle(document, options):
    return dataclasses.replace(document, metadata=dataclasses.replace(document.metadata, title="Filtered"))

@hookimpl
def briefconv_register_filters(register):
    register(Filter(name="retitle", transform=retitle))
"""


def test_filters_and_a_reference_doc_apply_to_every_document(tmp_path, cli):
    import docx
    from docx.shared import RGBColor

    (tmp_path / "retitle.py").write_text(RETITLE_PLUGIN)
    template = docx.Document()
    template.styles["Heading 1"].font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
    template.save(tmp_path / "ref.docx")
    source = make_tree(tmp_path / "src", {"a.md": brief_md("A"), "sub/b.md": brief_md("B")})
    dest = tmp_path / "out"
    result = cli("batch", source, "-t", "json,docx", "-o", dest, "-j", "2", "--plugin", tmp_path / "retitle.py",
                 "--filter", "retitle", "--reference-doc", tmp_path / "ref.docx")
    assert result.returncode == 0, result.stderr.decode()
    for name in ("a", "sub/b"):
        assert json.loads((dest / f"{name}.json").read_bytes())["metadata"]["title"] == "Filtered"
        assert docx.Document(dest / f"{name}.docx").styles["Heading 1"].font.color.rgb == RGBColor(0xC0, 0x00, 0x00)


@pytest.mark.parametrize("flags, message", [(["--filter", "nonesuch"], b"unknown filter 'nonesuch'"),
                                            (["--reference-doc", "absent.docx"], b"no such file: absent.docx")])
def test_an_unknown_filter_or_missing_reference_doc_stops_the_batch_first(tmp_path, cli, flags, message):
    source = make_tree(tmp_path / "src", {"a.md": brief_md("A")})
    result = cli("batch", source, "-t", "docx", "-o", tmp_path / "out", *flags)
    assert result.returncode == 2 and message in result.stderr
    assert not (tmp_path / "out").exists()


def test_unknown_target_is_refused_before_anything_runs(tmp_path):
    source = make_tree(tmp_path / "src", {"a.md": brief_md("A")})
    with pytest.raises(BriefconvError, match="unknown format"):
        run_batch(source, ["nope"], tmp_path / "out", quiet=True)
    assert not (tmp_path / "out").exists()


def test_progress_bar_only_on_a_terminal(tmp_path, cli):
    source = make_tree(tmp_path / "src", {"a.md": brief_md("A")})
    result = cli("batch", source, "-t", "json", "-o", tmp_path / "out")
    assert result.returncode == 0
    assert b"doc/s" not in result.stderr and b"%|" not in result.stderr
    assert b"1 converted, 0 skipped, 0 failed" in result.stderr


# ---------------------------------------------------------------- the corpus


def _have(*names: str) -> bool:
    formats = get_registry().formats
    return all(n in formats for n in names)


@pytest.mark.skipif(not _have("txt", "docx", "jats") or not all(
    get_registry().formats[n].writer for n in ("docx", "jats")), reason="needs the txt reader, DOCX and JATS writers")
def test_zip_of_26_briefs_to_docx_and_jats(tmp_path, cli):
    briefs = [SAMPLE, CRS_HEARINGS, CRS_SPEAKER]
    members: dict[str, bytes] = {}
    for i in range(26):
        folder = "" if i < 14 else ("series/" if i < 22 else "series/2026/")
        members[f"{folder}brief-{i:02}.txt"] = briefs[i % 3].read_bytes()
    members["broken.docx"] = b"PK\x03\x04 this is not a Word file"
    members["../escape.txt"] = SAMPLE.read_bytes()
    source = make_zip(tmp_path / "briefs.zip", members)
    work = tmp_path / "work"
    work.mkdir()
    dest = work / "out.zip"

    result = cli("batch", source, "-t", "docx,jats", "-o", dest, cwd=work)
    assert result.returncode == 1, result.stderr
    with zipfile.ZipFile(dest) as archive:
        names = archive.namelist()
        docx = [n for n in names if n.endswith(".docx")]
        xml = [n for n in names if n.endswith(".xml")]
        assert len(docx) == 26 and len(xml) == 26
        assert "series/2026/brief-25.docx" in names and "series/brief-14.xml" in names
        # a DOCX is a zip already: stored as it is; the XML is deflated
        assert {archive.getinfo(n).compress_type for n in docx} == {zipfile.ZIP_STORED}
        assert {archive.getinfo(n).compress_type for n in xml} == {zipfile.ZIP_DEFLATED}
        import docx as python_docx
        opened = python_docx.Document(io.BytesIO(archive.read("brief-00.docx")))
        assert any(p.text.strip() for p in opened.paragraphs)
        from lxml import etree
        root = etree.fromstring(archive.read("brief-01.xml"),
                                etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
        assert etree.QName(root).localname == "article"
    failed = {e["source"]: e for e in report_of(dest)["documents"] if e["status"] == "failed"}
    assert set(failed) == {"broken.docx", "../escape.txt"}
    assert all(e["error"] for e in failed.values())
    assert sorted(p.name for p in work.iterdir()) == ["out.zip", "out.zip.timings.json"]
    assert not (tmp_path / "escape.docx").exists()

    first = dest.read_bytes()
    assert cli("batch", source, "-t", "docx,jats", "-o", dest, "--overwrite", cwd=work).returncode == 1
    assert dest.read_bytes() == first


# ---------------------------------------------------------------- random archives

NAME_PARTS = ["..", ".", "", "a", "b.md", "c.txt", "é.md", "x y.md", "C:", "\\", "__MACOSX", "._d.md",
              "report.json", "n" * 120 + ".md", "caf\udce9.md", "sub"]
member_names = st.lists(st.sampled_from(NAME_PARTS), min_size=1, max_size=4).map("/".join)
member_data = st.sampled_from([brief_md("Fuzzed"), b"", b"\x00\xff not text", b"{bad json", "plain text\n".encode()])


def archive_of(kind: str, path: Path, members: list[tuple[str, bytes]]) -> Path:
    if kind == "zip":
        with zipfile.ZipFile(path, "w") as archive, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # duplicate names are part of the test
            for name, data in members:
                # a zip name is UTF-8 or cp437, never undecodable: that case is the tar's
                archive.writestr(zipfile.ZipInfo(name.replace("\udce9", "?")), data)
    else:
        with tarfile.open(path, "w", encoding="utf-8", errors="surrogateescape") as archive:
            for name, data in members:
                info = tarfile.TarInfo(name)
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
    return path


@settings(max_examples=int(os.environ.get("BRIEFCONV_FUZZ_EXAMPLES", "120")) // 5, deadline=None,
          derandomize=bool(os.environ.get("CI")),
          suppress_health_check=list(HealthCheck))
@given(kind=st.sampled_from(["zip", "tar"]), members=st.lists(st.tuples(member_names, member_data), max_size=6))
@example(kind="zip", members=[("report.json/b.md", brief_md("B"))])  # its folder would take the report's name
@example(kind="zip", members=[("", brief_md("Nameless"))])  # zipfile's is_dir() fails on an empty name
@example(kind="tar", members=[("caf\udce9.md", brief_md("Cafe"))])  # not UTF-8
def test_any_archive_ends_in_a_report_and_writes_nothing_outside_dest(tmp_path_factory, kind, members):
    work = tmp_path_factory.mktemp("fuzz")
    source = archive_of(kind, work / f"in.{kind}", members)
    dest = work / "out" / "dest"
    before = set(os.listdir(work))
    os.environ["BRIEFCONV_DEBUG"] = "1"  # -j 1 converts in this process: fast enough to fuzz
    try:
        code = run_batch(source, ["json", "md"], dest, jobs=1, quiet=True)
    finally:
        del os.environ["BRIEFCONV_DEBUG"]
    assert set(os.listdir(work)) == before | {"out"}
    assert os.listdir(work / "out") == ["dest"]
    report = report_of(dest)
    statuses = [entry["status"] for entry in report["documents"]]
    assert set(statuses) <= {"converted", "skipped", "failed"}
    assert code == (1 if "failed" in statuses else 0)
    written = files_under(dest) - {"report.json", "timings.json"}
    assert written == {o["path"] for e in report["documents"] for o in e["outputs"]}
