"""Batch conversion on a real Dask cluster: a scheduler and two workers on 127.0.0.1."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("distributed")

DASK = str(Path(sys.executable).with_name("dask"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def brief_md(title: str) -> bytes:
    return f"---\ntitle: {title}\n---\n\n# Context\n\nText about {title}[^1].\n\n[^1]: A note.\n".encode()


@contextlib.contextmanager
def running_cluster(tmp_path, *worker_args: str):
    """``tcp://127.0.0.1:PORT`` of a scheduler with two single-thread workers, stopped after."""
    address = f"tcp://127.0.0.1:{free_port()}"
    port = address.rsplit(":", 1)[1]
    logs = tmp_path / "dask-logs"
    logs.mkdir()
    common = {"stdout": subprocess.DEVNULL, "start_new_session": True, "cwd": tmp_path}
    processes = [subprocess.Popen(
        [DASK, "scheduler", "--host", "127.0.0.1", "--port", port, "--no-dashboard"],
        stderr=open(logs / "scheduler.log", "wb"), **common)]
    for i in range(2):
        processes.append(subprocess.Popen(
            [DASK, "worker", address, "--host", "127.0.0.1", "--nthreads", "1", "--nworkers", "1",
             "--no-dashboard", "--name", f"w{i}", *worker_args],
            stderr=open(logs / f"worker{i}.log", "wb"), **common))
    try:
        from distributed import Client

        with Client(address, timeout=60, set_as_default=False) as client:
            client.wait_for_workers(2, timeout=90)
        yield address
    finally:
        for process in reversed(processes):
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture
def dask_cluster(tmp_path):
    with running_cluster(tmp_path) as address:
        yield address


@pytest.mark.slow
def test_folder_converts_through_a_dask_cluster_like_locally(tmp_path, dask_cluster, cli):
    source = tmp_path / "src"
    for name in ("a.md", "b.md", "sub/c.md", "sub/d.md", "sub/deep/e.md", "f.json"):
        path = source / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"{broken" if name == "f.json" else brief_md(name))

    remote, local = tmp_path / "remote.zip", tmp_path / "local.zip"
    result = cli("batch", source, "-t", "json,md", "-o", remote, "--scheduler", dask_cluster)
    assert result.returncode == 1, result.stderr  # f.json is broken, on the cluster too
    assert b"5 converted, 0 skipped, 1 failed" in result.stderr

    assert cli("batch", source, "-t", "json,md", "-o", local, "-j", "2").returncode == 1
    assert remote.read_bytes() == local.read_bytes()  # DEST written the same way

    import zipfile

    with zipfile.ZipFile(remote) as archive:
        report = json.loads(archive.read("report.json"))
        assert "sub/deep/e.json" in archive.namelist()
    statuses = {e["source"]: e["status"] for e in report["documents"]}
    assert statuses["f.json"] == "failed" and statuses["sub/deep/e.md"] == "converted"


def test_unreachable_scheduler_exits_2_without_local_work(tmp_path, cli):
    source = tmp_path / "src"
    source.mkdir()
    (source / "a.md").write_bytes(brief_md("A"))
    dest = tmp_path / "out"
    started = time.monotonic()
    result = cli("batch", source, "-t", "json", "-o", dest, "--scheduler", f"tcp://127.0.0.1:{free_port()}",
                 "--timeout", "60", env={"BRIEFCONV_SCHEDULER_TIMEOUT": "2"})
    assert result.returncode == 2
    assert b"cannot reach the Dask scheduler" in result.stderr
    assert not (dest / "a.json").exists()
    assert time.monotonic() - started < 60


def batch_with_hanging_documents(tmp_path, cli, names):
    """Convert ``names`` on a cluster whose workers hang on "…hang.md": (result, seconds, DEST)."""
    preload = Path(__file__).with_name("dask_hang_preload.py")
    source = tmp_path / "src"
    source.mkdir()
    for name in names:
        (source / name).write_bytes(brief_md(name))
    dest = tmp_path / "out"
    with running_cluster(tmp_path, "--preload", str(preload)) as address:
        started = time.monotonic()
        result = cli("batch", source, "-t", "json", "-o", dest, "--scheduler", address, "--timeout", "3")
        return result, time.monotonic() - started, dest


@pytest.mark.slow
def test_a_document_over_the_time_limit_on_the_cluster_fails_alone(tmp_path, cli):
    result, took, dest = batch_with_hanging_documents(tmp_path, cli, ("a.md", "b.md", "c.md", "d.md", "e-hang.md"))
    assert result.returncode == 1, result.stderr
    assert took < 60  # not the ten minutes the hanging task would take
    report = json.loads((dest / "report.json").read_bytes())
    entries = {e["source"]: e for e in report["documents"]}
    assert {s for s, e in entries.items() if e["status"] != "converted"} == {"e-hang.md"}
    assert entries["e-hang.md"]["error"] == "took longer than 3 s (raise the limit with --timeout)"
    assert sorted(p.name for p in dest.glob("*.json") if p.name not in ("report.json", "timings.json")) == [
        "a.json", "b.json", "c.json", "d.json"]


@pytest.mark.slow
def test_a_cluster_whose_every_thread_hangs_stops_the_batch_with_exit_2(tmp_path, cli):
    # one hanging document for each single-thread worker
    result, took, dest = batch_with_hanging_documents(tmp_path, cli, ("a-hang.md", "b-hang.md", "c.md", "d.md"))
    assert result.returncode == 2, result.stderr
    message = result.stderr.decode().strip().splitlines()[-1]
    # how many were still waiting depends on how the scheduler spread the four
    assert re.search(r"the Dask cluster ran none of the \d documents sent to it for 3 s", message)
    assert "Traceback" not in result.stderr.decode()
    assert took < 60
    assert not (dest / "a-hang.json").exists() and not (dest / "b-hang.json").exists()
