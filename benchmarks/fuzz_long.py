"""A long local fuzzing session: the checks of tests/test_fuzz.py with a large budget.

    python benchmarks/fuzz_long.py [-n 100000] [--targets bytes:txt,bytes:md,...]
                                   [--structure-n N] [--seed S] [--log FILE]

Targets (all by default):

- ``bytes:FMT`` for each reader (txt, md, json, jats, docx): random bytes, valid files
  with random edits, and for JATS, JSON and DOCX valid documents mutated node by node
  (DOCX: XML parts inside a valid zip).  Only InputError may come out.  ``-n`` inputs
  each (default 100,000, the figure issue 9 asks for).
- ``writers``: random valid IR through every writer, and what md/json/jats/docx wrote
  read back.  ``--structure-n`` documents (default: ``-n``); slower, about 7 writes
  each, PDF and DOCX included.
- ``roundtrip:FMT`` for json, md, jats, docx: reader-shaped IR written and read back
  must round-trip as tests/test_fuzz.py defines it.  ``--structure-n`` documents each.
- ``subset:md``: Markdown soups and the writer's Markdown for random documents, read
  both by the small tokenizer (formats/markdown_subset.py) and by markdown-it; whenever
  the small one answers ("accepted") the documents must be equal
  (tests/test_markdown_subset.py).  ``-n`` inputs.

Each target runs hypothesis with ``max_examples`` set to its budget and no example
database; a failure is shrunk, printed with its reproduction blob and the session goes
on with the next target.  Progress goes to stdout every 5,000 inputs; the closing table
gives, per target, the inputs tried, how many were accepted or refused (bytes) and the
time.  Run it niced on a shared machine:

    nice -n 10 python benchmarks/fuzz_long.py -n 100000 --log fuzz.log
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the strategies and checks live with the tests

import test_fuzz as fuzz  # noqa: E402
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import seed as hypothesis_seed  # noqa: E402

PROGRESS_EVERY = 5000


def all_targets() -> list[str]:
    return ([f"bytes:{fmt}" for fmt in fuzz.READERS] + ["writers"]
            + [f"roundtrip:{fmt}" for fmt in fuzz.ROUND_TRIP_WRITERS] + ["subset:md"])


def target_runner(target: str, counts: collections.Counter, log):
    """The strategy and the check for ``target``, counting outcomes into ``counts``."""
    kind, _, fmt = target.partition(":")

    def tick():
        counts["inputs"] += 1
        if counts["inputs"] % PROGRESS_EVERY == 0:
            print(f"  {target}: {counts['inputs']:,} inputs, {time.monotonic() - counts['start']:.0f} s",
                  file=log, flush=True)

    if kind == "bytes":
        def check(data: bytes) -> None:
            tick()
            counts["accepted" if fuzz.check_reader_on_bytes(fmt, data) else "refused"] += 1
        return fuzz.reader_inputs(fmt), check
    if kind == "writers":
        def check(document) -> None:
            tick()
            fuzz.check_writers_never_fail(document)
        return fuzz.wild_documents(), check
    if kind == "roundtrip":
        def check(document) -> None:
            tick()
            fuzz.check_round_trip(fmt, document)
        return fuzz.tidy_documents(), check
    if kind == "subset":
        import test_markdown_subset as subset

        def check(text: str) -> None:
            tick()
            counts["accepted" if subset.check(text) else "refused"] += 1
        return subset.markdown_texts(), check
    raise SystemExit(f"unknown target {target!r} (known: {', '.join(all_targets())})")


def run_target(target: str, budget: int, seed: int | None, log) -> dict:
    counts: collections.Counter = collections.Counter(start=time.monotonic())
    strategy, check = target_runner(target, counts, log)
    config = settings(
        max_examples=budget, deadline=None, database=None, suppress_health_check=list(HealthCheck),
        phases=(Phase.generate, Phase.shrink), print_blob=True, report_multiple_bugs=True,
    )
    test = config(given(strategy)(check))
    if seed is not None:
        test = hypothesis_seed(seed)(test)
    failure = None
    try:
        test()
    except BaseException as exc:  # report and go on with the next target
        if isinstance(exc, KeyboardInterrupt):
            raise
        failure = "".join(traceback.format_exception(exc))
        print(f"FAILURE in {target}:\n{failure}", file=log, flush=True)
    return {
        "target": target,
        "inputs": counts["inputs"],
        "accepted": counts["accepted"],
        "refused": counts["refused"],
        "seconds": time.monotonic() - counts["start"],
        "failure": failure,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=100_000, help="inputs per byte-level target")
    parser.add_argument("--structure-n", type=int, help="documents per writers/roundtrip target (default: -n)")
    parser.add_argument("--targets", help="comma-separated targets (default: all)")
    parser.add_argument("--seed", type=int, help="hypothesis seed, for a repeatable session")
    parser.add_argument("--log", help="also append progress and failures to this file")
    args = parser.parse_args(argv)
    targets = args.targets.split(",") if args.targets else all_targets()
    log = open(args.log, "a", encoding="utf-8") if args.log else sys.stdout
    results = []
    for target in targets:
        budget = args.n if target.startswith(("bytes:", "subset:")) else (args.structure_n or args.n)
        print(f"{target}: up to {budget:,} inputs", file=log, flush=True)
        results.append(run_target(target, budget, args.seed, log))
        r = results[-1]
        print(f"{target}: {r['inputs']:,} inputs in {r['seconds']:.0f} s"
              f"{' - FAILED' if r['failure'] else ''}", file=log, flush=True)
    lines = [f"{'target':<16} {'inputs':>9} {'accepted':>9} {'refused':>9} {'seconds':>8}  result"]
    for r in results:
        lines.append(f"{r['target']:<16} {r['inputs']:>9,} {r['accepted']:>9,} {r['refused']:>9,} "
                     f"{r['seconds']:>8.0f}  {'FAILED' if r['failure'] else 'ok'}")
    print("\n".join(lines))
    if log is not sys.stdout:
        print("\n".join(lines), file=log, flush=True)
    return 1 if any(r["failure"] for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
