"""How long the sample brief takes to become a PDF, and how that compares with pandoc → Typst.

    python benchmarks/bench_pdf.py [--runs 7]

Times, as the median of ``--runs`` runs:

- in-process: ``briefconv.write(document, "pdf")`` on the already-read brief, after a
  warm-up run (imports, fonts and hyphenation patterns are then loaded);
- the first write in a fresh process (imports and font set-up included);
- the CLI: ``python -m briefconv SAMPLE -t pdf -o OUT``, a whole process;
- when pandoc (pypandoc-binary) and the ``typst`` package are installed, the pandoc →
  Typst route on the same brief: ``pandoc -s brief.md -t typst`` then ``typst.compile``
  in a fresh ``python -c`` (the typst package has no command line), and prints the ratio.

The Markdown for pandoc comes from briefconv's own Markdown writer, with its metadata
block reduced to title/author/date (pandoc's Typst template cannot take structured
authors) and note cross-reference links made plain text (Typst has no label for them).
The machine should otherwise be idle: timings on a shared machine vary a lot.
"""

from __future__ import annotations

import argparse
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "fixtures" / "capss-in-focus-03-2026.txt"
PYTHON = sys.executable


def median_seconds(action, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def median_wall_and_cpu(action, runs: int) -> tuple[float, float]:
    """Median wall time and median CPU time of child processes, per run.

    CPU time moves much less than wall time when other work shares the machine.
    """
    walls, cpus = [], []
    for _ in range(runs):
        cpu, start = children_cpu(), time.perf_counter()
        action()
        walls.append(time.perf_counter() - start)
        cpus.append(children_cpu() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def in_process(runs: int) -> float:
    import briefconv

    document = briefconv.read(SAMPLE)
    briefconv.write(document, "pdf")  # warm-up
    return median_seconds(lambda: briefconv.write(document, "pdf"), runs)


def first_write_in_fresh_process(runs: int) -> float:
    code = (
        "import time, briefconv; d = briefconv.read(%r); t = time.perf_counter(); "
        "briefconv.write(d, 'pdf'); print(time.perf_counter() - t)" % str(SAMPLE)
    )
    times = [float(subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, check=True).stdout)
             for _ in range(runs)]
    return statistics.median(times)


def cli(runs: int, folder: Path) -> tuple[float, float]:
    out = folder / "brief.pdf"
    command = [PYTHON, "-m", "briefconv", str(SAMPLE), "-t", "pdf", "-o", str(out)]
    return median_wall_and_cpu(lambda: subprocess.run(command, check=True, capture_output=True), runs)


def pandoc_typst(runs: int, folder: Path) -> tuple[float, float] | None:
    try:
        import pypandoc
        import typst  # noqa: F401

        pandoc = pypandoc.get_pandoc_path()
    except (ImportError, OSError):
        return None
    import briefconv

    markdown = briefconv.write(briefconv.read(SAMPLE), "md").decode("utf-8")
    body = markdown.split("\n---\n", 1)[1] if markdown.startswith("---\n") else markdown
    body = re.sub(r"\[([^\]]*)\]\(#[^)]*\)", r"\1", body)
    front = (
        "---\ntitle: 'Practical Diplomacy in Practice: Assessing Lee Jae-Myung''s Recent Visits "
        "to China and Japan'\nauthor: [Priyanka Yadav]\ndate: 2026-01-23\nlang: en\n---\n"
    )
    source, typ, pdf = folder / "brief.md", folder / "brief.typ", folder / "brief-typst.pdf"
    source.write_text(front + body, encoding="utf-8")
    compile_code = f"import typst; typst.compile({str(typ)!r}, output={str(pdf)!r})"

    def route() -> None:
        subprocess.run([pandoc, "-s", str(source), "-t", "typst", "-o", str(typ)], check=True)
        subprocess.run([PYTHON, "-c", compile_code], check=True)

    route()  # warm-up, and fail early if the route is broken
    return median_wall_and_cpu(route, runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        warm = in_process(args.runs)
        first = first_write_in_fresh_process(max(3, args.runs // 2))
        whole = cli(args.runs, folder)
        typst_route = pandoc_typst(args.runs, folder)
    print(f"sample brief → PDF, median of {args.runs} runs (wall time; CPU time of the processes)")
    print(f"  in-process write, warm          {warm * 1000:7.1f} ms")
    print(f"  first write in a fresh process  {first * 1000:7.1f} ms")
    print(f"  CLI (python -m briefconv)       {whole[0] * 1000:7.1f} ms   cpu {whole[1] * 1000:7.1f} ms")
    if typst_route is None:
        print("  pandoc → typst                  (pypandoc-binary or typst not installed)")
    else:
        print(f"  pandoc → typst (two processes)  {typst_route[0] * 1000:7.1f} ms   cpu {typst_route[1] * 1000:7.1f} ms")
        print(f"  CLI / pandoc→typst              {whole[0] / typst_route[0]:7.2f}×      "
              f"cpu {whole[1] / typst_route[1]:7.2f}×")


if __name__ == "__main__":
    main()
