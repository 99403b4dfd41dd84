"""The DOCX writer's cost, in CPU time (the machine is shared, so wall time is noisy).

    python benchmarks/bench_docx.py [--runs 30] [--scale 100] [--cli-runs 10]

1. In-process: write the sample brief to DOCX (median CPU ms after a warm-up), with
   the blank template and with a ``--reference-doc``; read it back.
2. Import cost of the DOCX path: CPU ms of ``import briefconv.formats.docx_writer`` plus a
   first write, in a fresh interpreter (what a CLI call pays).
3. CLI: ``briefconv SAMPLE -t docx`` against ``pandoc brief.md -t docx``, CPU time of the
   child process (user + system), median of ``--cli-runs``; ratio and the 1.5× target.
4. Linear cost: write and read a brief ``--scale`` times longer; the ratio must stay
   within 1.1× the scale.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "fixtures" / "capss-in-focus-03-2026.txt"
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import briefconv  # noqa: E402
from briefconv.api import read_bytes, render  # noqa: E402
from bench_speed import median_ms as cpu_ms  # noqa: E402


def child_cpu_ms(argv: list[str]) -> float:
    """CPU milliseconds (user + system) that one child process used."""
    # getrusage counts in microseconds; os.times() only in clock ticks (10 ms here)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)) * 1000


def in_process(runs: int, folder: Path) -> None:
    doc = read_bytes(SAMPLE.read_bytes(), SAMPLE.name, "txt")
    render(doc, "docx")
    print(f"\nIn-process, sample brief (median CPU ms of {runs})")
    print(f"  {'write docx':<28}{cpu_ms(lambda: render(doc, 'docx'), runs):8.2f}   target 20")
    reference = folder / "reference.docx"
    reference.write_bytes(render(doc, "docx"))
    options = {"reference-doc": str(reference)}
    render(doc, "docx", options=options)
    print(f"  {'write docx --reference-doc':<28}{cpu_ms(lambda: render(doc, 'docx', options=options), runs):8.2f}")
    blob = render(doc, "docx")
    print(f"  {'read docx':<28}{cpu_ms(lambda: read_bytes(blob, 'x.docx', 'docx'), runs):8.2f}")


def import_cost(runs: int) -> None:
    """What the DOCX path adds to a fresh interpreter that has briefconv's API loaded: importing
    the writer's modules, then the first write (which loads the house template)."""
    snippet = (
        "import time, sys; from briefconv.api import read_bytes, render; "
        f"doc = read_bytes(open({str(SAMPLE)!r}, 'rb').read(), 's.txt', 'txt'); "
        "t0 = time.process_time(); import briefconv.formats.docx_writer; t1 = time.process_time(); "
        "render(doc, 'docx'); t2 = time.process_time(); "
        "print((t1 - t0) * 1000, (t2 - t1) * 1000, 'docx' in sys.modules, 'lxml.etree' in sys.modules)"
    )
    rows = [subprocess.run([sys.executable, "-c", snippet], check=True, capture_output=True, text=True).stdout.split()
            for _ in range(runs)]
    print(f"\nFresh interpreter, briefconv.api loaded (median CPU ms of {runs})")
    print(f"  {'import briefconv.formats.docx_writer':<38}{statistics.median(float(r[0]) for r in rows):8.1f}")
    print(f"  {'first write':<38}{statistics.median(float(r[1]) for r in rows):8.1f}")
    print(f"  python-docx imported: {rows[0][2]}, lxml imported: {rows[0][3]}")


def cli(runs: int, folder: Path) -> None:
    markdown = folder / "brief.md"
    markdown.write_bytes(briefconv.convert(SAMPLE.read_bytes(), "md", from_format="txt"))
    ours = [sys.executable, "-m", "briefconv", str(SAMPLE), "-t", "docx", "-o", str(folder / "bc.docx")]
    commands = {"briefconv txt→docx": ours}
    try:
        import pypandoc

        pandoc = pypandoc.get_pandoc_path()
        commands["pandoc md→docx"] = [pandoc, str(markdown), "-t", "docx", "-o", str(folder / "pd.docx")]
    except Exception:
        pass
    times: dict[str, list[float]] = {name: [] for name in commands}
    for argv in commands.values():
        subprocess.run(argv, check=True, capture_output=True)
    for _ in range(runs):
        for name, argv in commands.items():
            times[name].append(child_cpu_ms(argv))
    print(f"\nCLI, one brief (median CPU ms of {runs}, user + system)")
    medians = {name: statistics.median(t) for name, t in times.items()}
    for name, value in medians.items():
        print(f"  {name:<22}{value:8.0f}")
    if "pandoc md→docx" in medians:
        ratio = medians["briefconv txt→docx"] / medians["pandoc md→docx"]
        print(f"  ratio {ratio:.2f}×   target 1.5×  {'ok' if ratio <= 1.5 else 'MISSED'}")


def scaling(scale: int) -> None:
    from bench_speed import long_brief

    small = read_bytes(SAMPLE.read_bytes(), "s.txt", "txt")
    big = read_bytes(long_brief(scale), "b.txt", "txt")
    print(f"\nLinear cost, {scale}× longer (CPU ms, best of 5 for 1×, best of 2 for {scale}×)")
    small_blob, big_blob = render(small, "docx"), render(big, "docx")
    rows = [
        ("write docx", lambda: render(small, "docx"), lambda: render(big, "docx")),
        ("read docx", lambda: read_bytes(small_blob, "s.docx", "docx"), lambda: read_bytes(big_blob, "b.docx", "docx")),
    ]
    for name, one, many in rows:
        one()
        t1 = min(cpu_ms(one, 1) for _ in range(5))
        tn = min(cpu_ms(many, 1) for _ in range(2))
        ratio = tn / t1
        print(f"  {name:<12}{t1:9.1f}{tn:11.0f}{ratio:8.0f}×   {'ok' if ratio <= 1.1 * scale else 'MISSED'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--cli-runs", type=int, default=10)
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("--skip-cli", action="store_true")
    parser.add_argument("--skip-scaling", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        in_process(args.runs, folder)
        import_cost(5)
        if not args.skip_cli:
            cli(args.cli_runs, folder)
    if not args.skip_scaling:
        scaling(args.scale)


if __name__ == "__main__":
    main()
