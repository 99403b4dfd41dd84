"""Issue 9's numbers: CLI start-to-finish against pandoc, in-process cost, linear scaling.

    python benchmarks/bench_speed.py [--runs 15] [--scale 100] [--skip-cli]

1. CLI, one brief, side by side with pandoc in the same run: briefconv reads the
   sample brief (``.txt``, its real job, and the same brief as Markdown, pandoc's
   input) and writes md, jats, docx and pdf; pandoc reads the Markdown and writes
   markdown, jats, docx, and pdf through typst (``pandoc -t typst`` then
   ``typst.compile``, when the ``typst`` package is installed). Each command runs
   ``--runs`` times, interleaved so that load on the machine hits both alike; the
   median wall time is reported with the ratio and its target.
2. In-process, one brief: the median time of each reader and writer, after a warm-up,
   and of whole conversions (read + write) from the brief in Markdown and in .txt; every
   step once per round, so that a slow spell of the machine hits all alike.
3. Linear cost: every reader and writer on a brief ``--scale`` times longer (the sample
   body and notes repeated, notes renumbered), against the mean time for one brief over
   ``--scale`` separate briefs, each side the best of three runs; the time ratio must
   stay within 1.1× the scale.  The ratio against the same small brief converted
   repeatedly (hot in the CPU cache) and peak memory (tracemalloc) are printed with it.
   The harness's own documents are frozen out of the garbage collector's sight first
   (see scaling_section).

In-process and scaling figures are CPU time (``time.process_time``), which other load
on a shared machine does not inflate; CLI figures are wall time, as a user feels them.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "fixtures" / "capss-in-focus-03-2026.txt"
sys.path.insert(0, str(ROOT / "src"))

import briefconv  # noqa: E402
from briefconv.api import read_bytes, render  # noqa: E402

CLI_TARGETS = {"md": 1.0, "jats": 1.0, "docx": 1.5, "pdf": 1.3}
IN_PROCESS_TARGETS_MS = {"md": 5, "jats": 5, "docx": 20, "pdf": 40}
WRITERS = ("md", "json", "jats", "docx", "pdf")
READERS = ("txt", "md", "json", "jats", "docx")


# ------------------------------------------------------------------------ helpers


def median_ms(action, runs: int) -> float:
    """Median CPU milliseconds: CPU time, unlike wall time, ignores other load on the machine."""
    times = []
    for _ in range(runs):
        start = time.process_time()
        action()
        times.append(time.process_time() - start)
    return statistics.median(times) * 1000


def interleaved_medians(commands: dict[str, list[str]], runs: int) -> dict[str, tuple[float, float]]:
    """Median wall and CPU time (ms) of each command, run in turns so load hits all alike.

    Wall time is what a user feels; the child's CPU time (user + system) is what the
    command itself costs, which other load on a shared machine inflates much less.
    """
    wall: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    for name, argv in commands.items():  # warm the page cache and any first-run caches
        subprocess.run(argv, check=True, capture_output=True)
    order = list(commands.items())
    shuffler = random.Random(9)  # fixed seed: reruns run the same orders
    for _ in range(runs):
        # A new order every round: a command that always ran right after the same one
        # (pandoc → typst, the heaviest) paid for it, up to 15% in CPU time.
        shuffler.shuffle(order)
        for name, argv in order:
            start = time.perf_counter()
            child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _, status, usage = os.wait4(child.pid, 0)
            wall[name].append(time.perf_counter() - start)
            cpu[name].append(usage.ru_utime + usage.ru_stime)
            if status:
                raise SystemExit(f"{name} failed: {' '.join(argv)}")
    return {name: (statistics.median(wall[name]) * 1000, statistics.median(cpu[name]) * 1000) for name in commands}


def pandoc_path() -> str | None:
    try:
        import pypandoc

        return pypandoc.get_pandoc_path()
    except Exception:
        return None


def has_typst() -> bool:
    try:
        import typst  # noqa: F401

        return True
    except ImportError:
        return False


# ---------------------------------------------------------------------------- CLI


def cli_section(runs: int, folder: Path) -> None:
    pandoc = pandoc_path()
    markdown = folder / "brief.md"
    markdown.write_bytes(briefconv.convert(SAMPLE.read_bytes(), "md", from_format="txt"))
    # pandoc's typst template takes flat metadata only; keep title/author/date for it
    plain_md = folder / "plain.md"
    plain_md.write_text(_flat_front_matter(markdown.read_text(encoding="utf-8")), encoding="utf-8")

    # the console script, as users run it (python -m adds runpy's imports)
    me = [str(Path(sys.executable).with_name("briefconv"))]
    commands: dict[str, list[str]] = {}
    for fmt in CLI_TARGETS:
        commands[f"briefconv txt→{fmt}"] = me + [str(SAMPLE), "-t", fmt, "-o", str(folder / f"bc-txt.{fmt}")]
        commands[f"briefconv md→{fmt}"] = me + [str(markdown), "-t", fmt, "-o", str(folder / f"bc-md.{fmt}")]
    if pandoc:
        pandoc_names = {"md": "markdown", "jats": "jats", "docx": "docx"}
        for fmt, name in pandoc_names.items():
            commands[f"pandoc md→{fmt}"] = [pandoc, str(markdown), "-s", "-t", name, "-o", str(folder / f"pd.{fmt}")]
        if has_typst():
            typ, pdf = folder / "pd.typ", folder / "pd.pdf"
            script = (
                f"import subprocess, typst; "
                f"subprocess.run([{pandoc!r}, {str(plain_md)!r}, '-s', '-t', 'typst', '-o', {str(typ)!r}], check=True); "
                f"typst.compile({str(typ)!r}, output={str(pdf)!r})"
            )
            commands["pandoc md→pdf"] = [sys.executable, "-c", script]
    result = interleaved_medians(commands, runs)

    print(f"\nCLI, one brief (median of {runs} runs, ms; wall time, and CPU time in brackets)")
    print(f"  {'route':<12}{'briefconv':>16}{'pandoc':>16}{'ratio':>16}{'target':>8}")
    for fmt, target in CLI_TARGETS.items():
        theirs = result.get(f"pandoc md→{fmt}")
        for source in ("md", "txt"):
            ours = result[f"briefconv {source}→{fmt}"]
            if theirs:
                wall, cpu = ours[0] / theirs[0], ours[1] / theirs[1]
                mark = "  ok" if wall <= target else "  MISSED"
                theirs_text, ratio = f"{theirs[0]:7.0f} ({theirs[1]:4.0f})", f"{wall:6.2f}× ({cpu:4.2f}×)"
            else:
                mark, theirs_text, ratio = "", "n/a", "n/a"
            print(f"  {source + '→' + fmt:<12}{ours[0]:9.0f} ({ours[1]:4.0f}){theirs_text:>16}{ratio:>16}"
                  f"{target:7.1f}×{mark}")
    if "pandoc md→pdf" not in result:
        print("  (pandoc→typst not measured: pip install 'briefconv[bench]')")


def _flat_front_matter(markdown: str) -> str:
    body = markdown.split("\n---\n", 1)[1] if markdown.startswith("---\n") else markdown
    # pandoc's typst writer turns links to #fnN into labels that typst cannot find
    body = re.sub(r"\[([^\]]*)\]\(#[^)]*\)", r"\1", body)
    title = re.search(r"^title: (.*)$", markdown, re.M)
    return f"---\ntitle: {title.group(1) if title else 'Brief'}\n---\n{body}"


# --------------------------------------------------------------------- in-process


def in_process_section(runs: int) -> None:
    data = SAMPLE.read_bytes()
    doc = read_bytes(data, SAMPLE.name, "txt")
    blobs = {fmt: render(doc, fmt) for fmt in WRITERS}  # also the warm-up: imports, fonts, templates

    def fresh_document():
        # a fresh Document each time, as in real use: caches keyed on the objects of a
        # document already written would flatter the figure
        return read_bytes(data, SAMPLE.name, "txt")

    steps: list[tuple[str, float | None, Callable[[], object], Callable[[object], object]]] = [
        ("read txt", None, lambda: data, lambda blob: read_bytes(blob, SAMPLE.name, "txt")),
    ]
    for fmt in WRITERS:
        steps.append((f"write {fmt}", IN_PROCESS_TARGETS_MS.get(fmt), fresh_document,
                      lambda document, fmt=fmt: render(document, fmt)))
    for fmt in READERS[1:]:
        steps.append((f"read {fmt}", None, lambda fmt=fmt: blobs[fmt],
                      lambda blob, fmt=fmt: read_bytes(blob, f"x.{fmt}", fmt)))
    # The targets read as writer times above; read as whole conversions they hold too,
    # from the brief in Markdown (pandoc's input in the CLI section) and from the .txt.
    for source, blob in (("md", blobs["md"]), ("txt", data)):
        for fmt, target in IN_PROCESS_TARGETS_MS.items():
            steps.append((f"convert {source}→{fmt}", target, lambda blob=blob: blob,
                          lambda b, source=source, fmt=fmt: render(read_bytes(b, f"x.{source}", source), fmt)))

    print(f"\nIn-process, one brief (median CPU time of {runs} runs, taken in turns, after a warm-up, ms)")
    for (label, target, _, _), ms in zip(steps, interleaved_cpu_medians(steps, runs)):
        verdict = "" if target is None else f"   target {target:g} ms  {'ok' if ms <= target else 'MISSED'}"
        print(f"  {label:<22}{ms:8.2f}{verdict}")


def interleaved_cpu_medians(steps, runs: int) -> list[float]:
    """Median CPU ms of each step's ``run(prepare())``, every step once per round.

    Taken in turns, the steps share whatever the machine's speed does during the
    section (a slow spell once made one writer's median 40% worse than the next one's);
    ``prepare`` (a fresh document, say) is not timed.
    """
    times: list[list[float]] = [[] for _ in steps]
    for _ in range(runs):
        for index, (_, _, prepare, run) in enumerate(steps):
            argument = prepare()
            start = time.process_time()
            run(argument)
            times[index].append(time.process_time() - start)
    return [statistics.median(column) * 1000 for column in times]


# ------------------------------------------------------------------ linear scaling

_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_FROM_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")


def long_brief(scale: int) -> bytes:
    """The sample with its body and notes repeated ``scale`` times, notes renumbered."""
    text = SAMPLE.read_text(encoding="utf-8")
    head, rest = text.split("\nIntroduction\n", 1)
    body, notes = rest.split("\nNotes:\n", 1)
    body = "\nIntroduction\n" + body
    count = 17

    def shifted(chunk: str, k: int) -> str:
        return re.sub(
            "[⁰¹²³⁴⁵⁶⁷⁸⁹]+",
            lambda m: str(int(m.group().translate(_FROM_SUPERSCRIPT)) + k * count).translate(_SUPERSCRIPT),
            chunk,
        ).replace("n. 4.", f"n. {4 + k * count}.").replace("n. 11.", f"n. {11 + k * count}.")

    bodies = "".join(shifted(body, k) for k in range(scale))
    all_notes = "".join(shifted(notes, k).rstrip("\n") + "\n\n" for k in range(scale))
    return (head + bodies + "\nNotes:\n" + all_notes).encode("utf-8")


def measure(action, repeat: int) -> tuple[float, int]:
    """Best-of-``repeat`` CPU seconds and peak traced bytes."""
    best = min(_timed(action) for _ in range(repeat))
    tracemalloc.start()
    action()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return best, peak


def _timed(action) -> float:
    start = time.process_time()
    action()
    return time.process_time() - start


def scaling_section(scale: int) -> None:
    small_txt, big_txt = SAMPLE.read_bytes(), long_brief(scale)
    small, big = read_bytes(small_txt, "s.txt", "txt"), read_bytes(big_txt, "b.txt", "txt")
    assert len(big.notes) == scale * len(small.notes), "the long brief lost notes"
    # The baseline is one brief as users convert it: a document made for the purpose and
    # converted once, averaged over ``scale`` separate briefs (the same content as the
    # long brief).  Converting the same small document over and over ("hot") keeps it
    # in the CPU's cache, which no real conversion does and the long brief cannot; that
    # figure is printed too, for comparison.
    smalls = [read_bytes(small_txt, "s.txt", "txt") for _ in range(scale)]
    print(f"\nLinear cost: a brief {scale}× longer ({len(big_txt) / 1e6:.1f} MB of text, {len(big.notes)} notes)")
    print(f"  {'step':<14}{'1× ms':>8}{'hot ms':>8}{f'{scale}× ms':>9}{'time ×':>8}{'vs hot':>8}{'memory ×':>10}"
          f"   target ≤ {1.1 * scale:.0f}×")
    rows = [("read txt", lambda _: read_bytes(small_txt, "s.txt", "txt"), lambda: read_bytes(big_txt, "b.txt", "txt"))]
    for fmt in WRITERS:
        rows.append((f"write {fmt}", lambda doc, f=fmt: render(doc, f), lambda f=fmt: render(big, f)))
    for fmt in READERS[1:]:
        small_blob, big_blob = render(small, fmt), render(big, fmt)
        rows.append((f"read {fmt}",
                     lambda _, f=fmt, b=small_blob: read_bytes(b, f"s.{f}", f),
                     lambda f=fmt, b=big_blob: read_bytes(b, f"b.{f}", f)))
    # The documents held above are the harness's, not the conversion's: frozen, the
    # garbage collector leaves them out of its full collections, as the CLI leaves
    # out what it imported and a batch worker what its first document loaded.
    # Otherwise every full collection inside a long conversion would walk them too.
    gc.collect()
    gc.freeze()
    for name, one, many in rows:
        one(small)
        hot, memory_one = measure(lambda: one(small), 9)
        # both sides as the best of three, so that a burst of load on a shared machine
        # during one run cannot decide the ratio
        per_brief = min(_timed(lambda: [one(doc) for doc in smalls]) for _ in range(3)) / scale
        tn, memory_many = measure(many, 3)
        ratio = tn / per_brief
        verdict = "ok" if ratio <= 1.1 * scale else "MISSED"
        print(f"  {name:<14}{per_brief * 1000:8.2f}{hot * 1000:8.2f}{tn * 1000:9.0f}{ratio:8.0f}{tn / hot:8.0f}"
              f"{memory_many / max(memory_one, 1):10.0f}   {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("--skip-cli", action="store_true")
    parser.add_argument("--skip-scaling", action="store_true")
    args = parser.parse_args()
    # Byte-compile first, as pip does on install: an editable checkout run with
    # PYTHONDONTWRITEBYTECODE would otherwise recompile the package on every CLI call.
    import compileall

    for folder in [ROOT / "src", *ROOT.glob("plugins/*/src")]:
        compileall.compile_dir(folder, quiet=1)
    print(f"briefconv {briefconv.__version__}, Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as folder:
        if not args.skip_cli:
            cli_section(args.runs, Path(folder))
    in_process_section(args.runs)
    if not args.skip_scaling:
        scaling_section(args.scale)


if __name__ == "__main__":
    main()
