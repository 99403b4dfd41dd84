"""A conversion killed at any moment never leaves a truncated output (issue 9).

The CLI converts a large brief over an existing output; it is killed with SIGKILL after
a random delay, again and again.  After every kill the output is either the old file,
byte for byte, or the complete new one (writers are deterministic, so "complete" means
equal to an uninterrupted run's bytes).  The API writes into ``.<name>.<random>.part``
beside the output and renames it into place; a SIGKILL cannot be caught, so such a
temporary file may stay behind, but nothing else may, and the next run must succeed.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

from conftest import SAMPLE

KILLS = 10


def big_brief(folder: Path, megabytes: float) -> Path:
    sample = SAMPLE.read_bytes()
    path = folder / "big.txt"
    path.write_bytes(sample * (int(megabytes * 1_000_000) // len(sample) + 1))
    return path


def start(source: Path, fmt: str, output: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "briefconv", str(source), "-q", "-t", fmt, "-o", str(output)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def convert(source: Path, fmt: str, output: Path) -> float:
    """Run to the end; the seconds it took."""
    started = time.monotonic()
    process = start(source, fmt, output)
    _, err = process.communicate(timeout=600)
    assert process.returncode == 0, err.decode()
    return time.monotonic() - started


def strays(folder: Path, output: Path, keep: set[str]) -> list[str]:
    """Files other than ``keep`` and the output's own temporary files."""
    return sorted(
        p.name for p in folder.iterdir()
        if p.name not in keep and not (p.name.startswith(f".{output.name}.") and p.name.endswith(".part"))
    )


def kill_delays(duration: float, count: int, rng: random.Random) -> list[float]:
    """Half spread over the whole run, half in its last fifth, where the file is written."""
    spread = [rng.uniform(0, duration * 1.1) for _ in range(count // 2)]
    late = [rng.uniform(duration * 0.8, duration * 1.05) for _ in range(count - count // 2)]
    return spread + late


def temporaries(folder: Path, output: Path) -> set[str]:
    return {name for name in os.listdir(folder) if name.startswith(f".{output.name}.") and name.endswith(".part")}


def wait_for_temporary(process: subprocess.Popen, folder: Path, output: Path, seen: set[str]) -> float | None:
    """Poll until a temporary file not in ``seen`` appears; the seconds waited, or None if
    the process ended first."""
    started = time.monotonic()
    while process.poll() is None:
        if temporaries(folder, output) - seen:
            return time.monotonic() - started
        time.sleep(0.0005)
    return None


def kill_repeatedly(source: Path, fmt: str, output: Path, folder: Path, seed: int, kills: int = KILLS) -> dict[str, int]:
    # the old output: the same format, from a different (small) brief
    small = folder / "small.txt"
    small.write_bytes(SAMPLE.read_bytes())
    convert(small, fmt, output)
    old = output.read_bytes()
    reference = folder / f"reference{output.suffix}"
    duration = convert(source, fmt, reference)
    new = reference.read_bytes()
    assert new != old
    keep = {source.name, small.name, output.name, reference.name}

    outcomes = {"old": 0, "new": 0, "during-write": 0}
    # random moments, then as many kills the instant the temporary file appears
    moments = kill_delays(duration, kills, random.Random(seed)) + [None] * (kills // 2)
    for delay in moments:
        seen = temporaries(folder, output)
        process = start(source, fmt, output)
        if delay is None:
            waited = wait_for_temporary(process, folder, output, seen)
            outcomes["during-write"] += waited is not None
            when = "as it wrote" if waited is not None else "after it ended"
        else:
            time.sleep(delay)
            when = f"after {delay:.2f} s"
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
        assert output.exists(), f"killed {when}: the output is gone"
        data = output.read_bytes()
        assert data in (old, new), f"killed {when}: output of {len(data)} bytes is neither old nor new"
        outcomes["old" if data == old else "new"] += 1
        if data == new:  # start again from the old file, so every kill can truncate it
            output.write_bytes(old)
        assert strays(folder, output, keep) == []

    convert(source, fmt, output)  # the next run works, whatever was left behind
    assert output.read_bytes() == new
    assert strays(folder, output, keep) == []
    return outcomes


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["docx", "pdf", "jats"])
def test_sigkill_leaves_old_or_complete_output(tmp_path, fmt):
    source = big_brief(tmp_path, {"docx": 5, "jats": 5, "pdf": 1}[fmt])  # pdf: 1 MB already takes ~8 s
    output = tmp_path / f"out.{'xml' if fmt == 'jats' else fmt}"
    outcomes = kill_repeatedly(source, fmt, output, tmp_path, seed=zlib.crc32(fmt.encode()))
    assert outcomes["old"] + outcomes["new"] == KILLS + KILLS // 2
    assert outcomes["during-write"] >= 1, outcomes  # the kills did reach the dangerous moment


def test_sigkill_small_jats(tmp_path):
    """The quick version for every run: a 1 MB brief to JATS, six kills."""
    source = big_brief(tmp_path, 1)
    output = tmp_path / "out.xml"
    outcomes = kill_repeatedly(source, "jats", output, tmp_path, seed=7, kills=4)
    assert outcomes["old"] + outcomes["new"] == 6
    assert outcomes["during-write"] >= 1, outcomes


def test_failed_conversion_keeps_the_old_output(tmp_path):
    """An error (not a kill) leaves the old file untouched and no temporary file."""
    output = tmp_path / "out.md"
    output.write_bytes(b"old output\n")
    broken = tmp_path / "broken.json"
    broken.write_bytes(b'{"briefconv-ir": 1, "blocks": [{"type": "nonsense"}]}')
    result = subprocess.run([sys.executable, "-m", "briefconv", str(broken), "-t", "md", "-o", str(output)],
                            capture_output=True, timeout=60)
    assert result.returncode == 2
    assert output.read_bytes() == b"old output\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.json", "out.md"]
