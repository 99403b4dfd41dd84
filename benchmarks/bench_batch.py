"""Throughput and memory of ``briefconv batch`` against one pandoc process per file.

    python benchmarks/bench_batch.py [--copies 48] [--jobs 2] [--memory 50,2000] [--formats docx,pdf]
                                     [--corpus copies|varied|both] [--memory-formats docx,pdf]
                                     [--many 30000,100000]

For each format, converts ``--copies`` copies of the sample brief (fixtures/) with
``briefconv batch -j JOBS`` and with one pandoc process per file run JOBS at a time
(``xargs -P``; pandoc from pypandoc-binary).  For PDF the pandoc route is pandoc → Typst
source → PDF with the ``typst`` package, one ``python -c`` per file (it has no CLI).
Then converts a zip of N copies (of the same ``--corpus``) to a zip DEST for each N in
``--memory`` and reports the peak memory of the whole process tree (briefconv and its
workers): the sum of RSS, and the sum of PSS, which counts pages shared between the
forked workers once.

``--many`` adds memory runs on zips of that many one-paragraph briefs converted to
Markdown: they cost little to convert, so what the run measures is what grows with
the number of members (names, report records, zipfile's directory).

With ``--corpus varied`` (or ``both``) the copies differ: each has its body paragraphs
shuffled and some words replaced (see varied_brief), as the briefs of a real archive do.
Throughput counts the fastest of ``--repeat`` runs each way; the memory runs are run
once.  The machine should otherwise be idle.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "fixtures" / "capss-in-focus-03-2026.txt"
PYTHON = sys.executable


class TreeMemory:
    """Samples the summed RSS and PSS of a process and its descendants until stopped."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        import psutil

        self._root = psutil.Process(pid)
        self._interval = interval
        self.peak_rss = self.peak_pss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import psutil

        while not self._stop.is_set():
            rss = pss = 0
            try:
                processes = [self._root, *self._root.children(recursive=True)]
            except psutil.Error:
                break
            for process in processes:
                try:
                    info = process.memory_full_info()
                except psutil.Error:
                    continue
                rss += info.rss
                pss += getattr(info, "pss", info.rss)
            self.peak_rss = max(self.peak_rss, rss)
            self.peak_pss = max(self.peak_pss, pss)
            self._stop.wait(self._interval)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def timed(command: list[str], *, measure_memory: bool = False, **kwargs) -> tuple[float, TreeMemory | None]:
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kwargs)
    memory = TreeMemory(process.pid) if measure_memory else None
    _, stderr = process.communicate()
    seconds = time.perf_counter() - start
    if memory:
        memory.stop()
    if process.returncode != 0:
        raise SystemExit(f"failed ({process.returncode}): {' '.join(command)}\n{stderr.decode()[-2000:]}")
    return seconds, memory


def make_copies(folder: Path, count: int, varied: bool = False) -> Path:
    folder.mkdir(parents=True)
    data = SAMPLE.read_bytes()
    for i in range(count):
        (folder / f"brief-{i:04}.txt").write_bytes(varied_brief(data, i) if varied else data)
    return folder


EDIT_WORDS = ("regional", "security", "cooperation", "alliance", "strategic", "economic", "maritime",
              "diplomatic", "engagement", "summit", "bilateral", "infrastructure", "semiconductor")
SYLLABLES = ("ka", "lo", "mer", "ti", "san", "dra", "vel", "no", "pri", "stu", "gen", "ho", "ble", "cor")


def invented_word(rng) -> str:
    """A word no dictionary has, so that an archive's vocabulary grows as a real one does."""
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(3, 5)))


def varied_brief(data: bytes, seed: int) -> bytes:
    """The sample with its body paragraphs shuffled and about one word in twelve replaced.

    A corpus of different briefs, so that no cache keyed on a document's text can make
    the copies look faster than real archives.  Half the replacements are common words,
    half invented ones, so that the vocabulary (and any memo keyed on words) grows with
    the archive.  The title block (first eight blocks) and the notes (last third) stay in
    place, so every copy reads as a brief.
    """
    import random

    rng = random.Random(seed)
    blocks = data.decode("utf-8").split("\n\n")
    head, body = blocks[:8], blocks[8:]
    middle = len(body) * 2 // 3
    paragraphs = body[:middle]
    rng.shuffle(paragraphs)
    def replacement() -> str:
        return rng.choice(EDIT_WORDS) if rng.random() < 0.5 else invented_word(rng)

    paragraphs = [" ".join(word if rng.random() > 1 / 12 else replacement() for word in p.split(" "))
                  for p in paragraphs]
    return "\n\n".join(head + paragraphs + body[middle:]).encode("utf-8")


def small_brief(number: int) -> bytes:
    """A brief of one paragraph: converting it costs little, so what grows is per-member bookkeeping."""
    return f"A Short Brief Number {number}\n\nBy Jane Doe\n\nThis brief says one thing, {number} times.\n".encode()


def make_small_zip(path: Path, count: int) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for i in range(count):
            archive.writestr(f"set-{i // 1000:03}/brief-{i:06}.txt", small_brief(i))
    return path


def make_zip(path: Path, count: int, varied: bool = False) -> Path:
    data = SAMPLE.read_bytes()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for i in range(count):
            archive.writestr(f"set-{i // 500:02}/brief-{i:04}.txt", varied_brief(data, i) if varied else data)
    return path


def batch_command(source: Path, fmt: str, dest: Path, jobs: int) -> list[str]:
    return [PYTHON, "-m", "briefconv", "batch", str(source), "-t", fmt, "-o", str(dest), "-j", str(jobs), "-q"]


def pandoc_script(work: Path, fmt: str, dest: Path) -> Path:
    """A shell script converting the one file it is given the pandoc way."""
    import pypandoc

    pandoc = pypandoc.get_pandoc_path()
    out = f'"{dest}/$(basename "$1" .txt)"'
    if fmt == "docx":
        body = f'"{pandoc}" -f markdown "$1" -o {out}.docx\n'
    else:
        body = (f'out={out}\n"{pandoc}" -f markdown -t typst "$1" -o "$out.typ"\n'
                f'"{PYTHON}" -c \'import sys, typst; typst.compile(sys.argv[1], output=sys.argv[2])\' '
                f'"$out.typ" "$out.pdf"\n')
    script = work / f"pandoc-{fmt}.sh"
    script.write_text("set -e\n" + body)
    return script


def pandoc_command(work: Path, source: Path, fmt: str, dest: Path, jobs: int) -> list[str]:
    script = pandoc_script(work, fmt, dest)
    return ["sh", "-c", f'ls "{source}"/*.txt | xargs -P{jobs} -n1 sh "{script}"']


def throughput(work: Path, fmt: str, copies: int, jobs: int, repeat: int, varied: bool = False) -> dict:
    """The fastest of ``repeat`` runs each way: the least disturbed by anything else running."""
    source = work / ("varied" if varied else "copies")
    if not source.exists():
        make_copies(source, copies, varied)
    batch_runs, pandoc_runs = [], []
    for attempt in range(repeat):
        batch_dest = work / f"batch-{fmt}-{source.name}-{attempt}"
        seconds, memory = timed(batch_command(source, fmt, batch_dest, jobs), measure_memory=True)
        assert len(list(batch_dest.glob(f"*.{fmt}"))) == copies, "batch did not write every file"
        batch_runs.append((seconds, memory))
        pandoc_dest = work / f"pandoc-{fmt}-{source.name}-{attempt}"
        pandoc_dest.mkdir()
        pandoc_seconds, _ = timed(pandoc_command(work, source, fmt, pandoc_dest, jobs))
        assert len(list(pandoc_dest.glob(f"*.{fmt}"))) == copies, "pandoc route did not write every file"
        pandoc_runs.append(pandoc_seconds)
    seconds = min(s for s, _ in batch_runs)
    pandoc_seconds = min(pandoc_runs)
    return {
        "format": fmt,
        "corpus": "varied" if varied else "copies",
        "documents": copies,
        "batch_seconds": round(seconds, 2),
        "batch_docs_per_second": round(copies / seconds, 1),
        "pandoc_seconds": round(pandoc_seconds, 2),
        "pandoc_docs_per_second": round(copies / pandoc_seconds, 1),
        "ratio": round(pandoc_seconds / seconds, 2),
        "batch_peak_rss_mb": round(max(m.peak_rss for _, m in batch_runs) / 2**20, 1),
        "batch_peak_pss_mb": round(max(m.peak_pss for _, m in batch_runs) / 2**20, 1),
    }


def memory(work: Path, fmt: str, count: int, jobs: int, corpus: str) -> dict:
    """Peak memory converting a zip of ``count`` briefs: "copies", "varied" or "small" ones."""
    source = work / f"in-{corpus}-{count}.zip"
    if corpus == "small":
        make_small_zip(source, count)
    elif not source.exists():
        make_zip(source, count, varied=corpus == "varied")
    dest = work / f"out-{fmt}-{corpus}-{count}.zip"
    seconds, sampled = timed(batch_command(source, fmt, dest, jobs), measure_memory=True)
    with zipfile.ZipFile(dest) as archive:
        written = sum(name.endswith(f".{fmt}") for name in archive.namelist())
    assert written == count, f"{written} of {count} written"
    return {
        "format": fmt,
        "corpus": corpus,
        "documents": count,
        "seconds": round(seconds, 1),
        "docs_per_second": round(count / seconds, 1),
        "peak_rss_mb": round(sampled.peak_rss / 2**20, 1),
        "peak_pss_mb": round(sampled.peak_pss / 2**20, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=48)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3, help="throughput runs each way; the fastest counts")
    parser.add_argument("--formats", default="docx,pdf")
    parser.add_argument("--corpus", default="copies", choices=("copies", "varied", "both"),
                        help="identical copies of the sample, copies with shuffled and edited paragraphs, or both")
    parser.add_argument("--memory", default="50,2000", help="archive sizes for the memory runs ('' for none)")
    parser.add_argument("--memory-formats", default="docx")
    parser.add_argument("--many", default="", help="member counts for memory runs on one-paragraph briefs to md, "
                                                  "e.g. 30000,100000: what grows with the number of members")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()

    results: dict[str, list] = {"throughput": [], "memory": []}
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        work = Path(tmp)
        corpora = {"copies": [False], "varied": [True], "both": [False, True]}[args.corpus]
        for fmt, varied in ((f, v) for f in filter(None, args.formats.split(",")) for v in corpora):
            row = throughput(work, fmt, args.copies, args.jobs, args.repeat, varied)
            results["throughput"].append(row)
            if not args.json:
                print(f"{fmt:>4} {row['corpus']:>6}: batch {row['batch_docs_per_second']:6.1f} docs/s, "
                      f"pandoc x{args.jobs} {row['pandoc_docs_per_second']:6.1f} docs/s, "
                      f"ratio {row['ratio']:.2f}; peak RSS {row['batch_peak_rss_mb']} MB "
                      f"(PSS {row['batch_peak_pss_mb']} MB)", flush=True)
        counts = [int(n) for n in args.memory.split(",") if n]
        memory_runs = [(fmt, count, "varied" if varied else "copies")
                       for fmt in filter(None, args.memory_formats.split(",")) for varied in corpora for count in counts]
        memory_runs += [("md", int(n), "small") for n in args.many.split(",") if n]
        for fmt, count, corpus in memory_runs:
            row = memory(work, fmt, count, args.jobs, corpus)
            results["memory"].append(row)
            if not args.json:
                print(f"{fmt:>4} {row['corpus']:>6} zip of {count:>5}: {row['docs_per_second']:6.1f} docs/s, "
                      f"peak RSS {row['peak_rss_mb']} MB, PSS {row['peak_pss_mb']} MB", flush=True)
    if args.json:
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    main()
