"""``briefconv batch``: convert every document of a folder or archive, in parallel.

SOURCE is a folder, ``.zip`` or tar (see :mod:`briefconv.archives` for what is
refused and the size limits).  DEST is a folder, or an archive when its name ends in
``.zip`` or ``.tar.gz``/``.tgz``.  Each document ``a/b.txt`` gives ``a/b.<ext>`` per
target format (the format's output extension: ``.docx``, ``.xml`` for JATS, ...).

What lands in DEST:

- the outputs of every converted document (a failed document writes none);
- ``report.json``: for each member its source path, status (``converted``,
  ``skipped``, ``failed``), outputs with size and SHA-256, warnings, and the error or
  the reason it was skipped.  It holds no times, so the same SOURCE gives the same
  DEST bytes;
- the times go to ``timings.json`` instead: inside a folder DEST, and beside an
  archive DEST as ``DEST.timings.json`` (so the archive itself is reproducible).

A folder DEST is written file by file, each atomically.  An archive DEST is built in
the folder ``DEST.partial`` beside it and packed (sorted members, fixed times, fixed
modes) into a temporary file renamed over DEST at the end, so an interrupted batch
leaves no partial file; ``DEST.partial`` keeps the finished documents and a rerun with
``--skip-existing`` resumes from it.  A batch killed outright (SIGKILL) leaves the
file it was writing as a hidden ``.NAME.XXXXXXXX.part``; the next batch deletes those
under DEST before it starts.  Outputs that already exist are a per-document
failure unless ``--overwrite`` or ``--skip-existing`` is given; an existing archive
DEST refuses the batch (exit 2) unless one of them is given.

Work runs in a pool of ``-j`` worker processes (:mod:`briefconv.batch_workers`), each
building the format registry once and converting many documents; at most a few
documents per worker are in flight, and
each document's report record waits on disk (:mod:`briefconv.batch_report`), so memory
hardly grows with the size of the source: what stays is each member's name and, for a
zip, the entry zipfile keeps for it.  With ``--scheduler ADDRESS`` the
same conversions run on a Dask cluster instead: documents travel to the workers as
bytes and come back as bytes; DEST is written here exactly as in the local case.
"""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterable, Iterator, Mapping

from briefconv import batch_workers as workers
from briefconv.archives import (
    BatchSource,
    Limits,
    Member,
    MemberError,
    dest_kind,
    pack,
    pack_temporary,
    printable_name,
    safe_name,
    unpack_into,
)
from briefconv.batch_report import Record, RecordLog, output_entry, report_chunks, timings_chunks
from briefconv.errors import (
    EXIT_OK,
    EXIT_SOME_FAILED,
    BriefconvError,
    OutputError,
    UnknownFormatError,
    UsageError,
)
from briefconv.plugins import get_registry

REPORT_NAME = "report.json"
TIMINGS_NAME = "timings.json"
STOPPED = "not converted: stopped at the first failure"
#: Failures listed one per line on stderr; the report lists them all.
MAX_FAILURES_SHOWN = 20


# -------------------------------------------------------------------- destinations


class Destination:
    """Where outputs go: a folder written directly, or a staging folder packed at the end."""

    def __init__(self, dest: Path, existing: str) -> None:
        self.dest = dest
        self.existing = existing
        self.kind = dest_kind(dest)
        if self.kind == "folder":
            self.root = dest
            self.timings_path = dest / TIMINGS_NAME
        else:
            self.root = dest.with_name(dest.name + ".partial")
            self.timings_path = dest.with_name(dest.name + ".timings.json")

    def paths_to_exclude(self) -> list[Path]:
        """What a folder SOURCE must not read back when DEST lies inside it."""
        return [self.dest, self.root, self.timings_path]

    def prepare(self, limits: Limits) -> None:
        if self.kind == "folder":
            if self.dest.exists() and not self.dest.is_dir():
                raise OutputError("exists and is not a folder (an archive DEST must end in .zip or .tar.gz)",
                                  source=str(self.dest))
        elif self.dest.exists():
            if self.existing == "error":
                raise OutputError("exists; use --overwrite to replace it or --skip-existing to add to it",
                                  source=str(self.dest))
            if self.dest.is_dir():
                raise OutputError("is a folder, but its name says archive", source=str(self.dest))
        if self.kind != "folder" and self.existing != "skip" and self.root.exists():
            shutil.rmtree(self.root)  # our own leftovers from an interrupted batch
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot create: {exc.strerror or exc}", source=str(self.root)) from None
        self.remove_leftovers()
        self._resolved_root = self.root.resolve()
        if self.kind != "folder" and self.existing == "skip" and self.dest.exists():
            unpack_into(self.dest, self.root, limits)

    def remove_leftovers(self) -> None:
        """Delete the half-written files of a batch that was killed before it could."""
        from briefconv.api import remove_temporaries

        remove_temporaries(self.root)
        if self.kind != "folder":
            pack_temporary(self.dest).unlink(missing_ok=True)

    def path(self, relative: str) -> Path:
        return self.root / PurePosixPath(relative)

    def exists(self, relative: str) -> bool:
        return self.path(relative).exists()

    def read(self, relative: str) -> bytes:
        return self.path(relative).read_bytes()

    def write(self, relative: str, data: bytes) -> None:
        from briefconv.api import write_atomically

        path = self.path(relative)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot create folder: {exc.strerror or exc}") from None
        # A link planted inside DEST must not carry the output elsewhere.
        if not path.parent.resolve().is_relative_to(self._resolved_root):
            raise OutputError("refused: the output folder leads outside DEST")
        write_atomically(path, data)

    def finish(self, report: Iterator[bytes], timings: Iterator[bytes]) -> None:
        from briefconv.api import write_atomically

        write_atomically(self.root / REPORT_NAME, report)
        if self.kind != "folder":
            pack(self.root, self.dest, self.kind)
            shutil.rmtree(self.root, ignore_errors=True)
        write_atomically(self.timings_path, timings)

    @property
    def report_location(self) -> str:
        if self.kind == "folder":
            return str(self.root / REPORT_NAME)
        return f"{self.dest} (member {REPORT_NAME})"


# --------------------------------------------------------------------- the batch


class Progress:
    """A tqdm bar on a terminal; nothing otherwise."""

    def __init__(self, total: int, show: bool) -> None:
        self._bar = None
        if show:
            try:
                from tqdm import tqdm
            except ImportError:
                return
            tqdm.monitor_interval = 0  # no monitor thread: worker processes are forked
            self._bar = tqdm(total=total, unit="doc", file=sys.stderr, dynamic_ncols=True, leave=False)

    def step(self) -> None:
        if self._bar is not None:
            self._bar.update(1)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


@dataclass
class Job:
    """The parts of a batch every document shares."""

    targets: list[str]
    extensions: dict[str, str]
    from_format: str | None
    metadata: dict[str, str]
    existing: str
    filters: list[str] = field(default_factory=list)
    options: dict[str, str] = field(default_factory=dict)  # for filters and writers: reference-doc


class Batch:
    """Takes members one by one, keeps a bounded number converting, and records each outcome."""

    def __init__(self, source: BatchSource, dest: Destination, job: Job, runner, progress: Progress,
                 fail_fast: bool) -> None:
        self.source = source
        self.dest = dest
        self.job = job
        self.runner = runner
        self.progress = progress
        self.fail_fast = fail_fast
        self.log = RecordLog()
        self.stopped = False
        self._sources_seen: set[str] = set()
        self._outputs_claimed: dict[str, str] = {REPORT_NAME: "(the batch report)"}
        if dest.kind == "folder":
            self._outputs_claimed[TIMINGS_NAME] = "(the batch timings)"
        # future -> the document it converts: (name, format, outputs, data, is a retry)
        self._pending: dict[Any, tuple[str, str, dict[str, str], bytes, bool]] = {}
        self._retries: list[tuple[str, str, dict[str, str], bytes]] = []

    def run(self) -> None:
        for member in self.source.members():
            if self.stopped:
                break
            self._take(member)
            while len(self._pending) >= self.runner.in_flight:
                self._collect()
            self._retry_alone()
        while self._pending:
            self._collect()
        self._retry_alone()
        for name, fmt, _outputs, _data in self._retries:  # left over when --fail-fast stopped the batch
            self._record(Record(name, "skipped", format=fmt, reason=STOPPED))

    # -- before conversion --------------------------------------------------

    def _record(self, record: Record) -> None:
        self.log.add(record)
        self.progress.step()
        if record.status == "failed" and self.fail_fast and not self.stopped:
            self.stopped = True
            self.runner.cancel(list(self._pending))

    def _take(self, member: Member) -> None:
        name, why = safe_name(member.name)
        if name is None:
            return self._record(Record(printable_name(member.name), "failed", error=why))
        if member.error:
            return self._record(Record(name, "failed", error=member.error))
        if name in self._sources_seen:
            return self._record(Record(name, "failed", error="duplicate member name"))
        self._sources_seen.add(name)
        base = PurePosixPath(name).name
        if name.startswith("__MACOSX/") or base.startswith("._") or base == ".DS_Store":
            return self._record(Record(name, "skipped", reason="macOS metadata, not a document"))

        outputs = {t: str(PurePosixPath(name).with_suffix(self.job.extensions[t])) for t in self.job.targets}
        if self.job.existing == "skip" and all(self.dest.exists(p) for p in outputs.values()):
            if self._claim(name, outputs):
                self._record(self._already_done(name, outputs))
            return

        if not self.job.from_format and not _readable_extension(name):  # do not even read it
            return self._record(Record(name, "skipped", reason="not a format briefconv reads"))
        try:
            data = member.load() if member.load else b""
        except MemberError as exc:
            return self._record(Record(name, "failed", error=str(exc)))
        try:
            fmt = (get_registry().reader(self.job.from_format) if self.job.from_format
                   else get_registry().detect(name, data[:4096]))
        except UnknownFormatError as exc:  # named like a document, but its content is not
            return self._record(Record(name, "failed", error=exc.message))
        if not self._claim(name, outputs):
            return
        if self.job.existing == "error":
            taken = [p for p in outputs.values() if self.dest.exists(p)]
            if taken:
                return self._record(Record(name, "failed", format=fmt.name, error=(
                    f"output {taken[0]} already exists (use --overwrite or --skip-existing)")))
        self._submit(name, fmt.name, outputs, data)

    def _claim(self, name: str, outputs: dict[str, str]) -> bool:
        """Reserve the output names of ``name``; a clash fails the later document.

        A clash is a name already taken, or a folder the output would need where a
        file is already claimed (``report.json/b.md`` would leave no room for the
        report).
        """
        seen: set[str] = set()
        for path in outputs.values():
            clash = self._claimed_at_or_above(path) or (path if path in seen else None)
            if clash:
                owner = self._outputs_claimed.get(clash, name)
                self._record(Record(name, "failed", error=f"output name {clash} is already taken by {owner}"))
                return False
            seen.add(path)
        for path in outputs.values():
            self._outputs_claimed[path] = name
        return True

    def _claimed_at_or_above(self, path: str) -> str | None:
        """``path``, or the first of its folders, if already claimed as an output."""
        parts = path.split("/")
        for depth in range(1, len(parts) + 1):
            prefix = "/".join(parts[:depth])
            if prefix in self._outputs_claimed:
                return prefix
        return None

    def _already_done(self, name: str, outputs: dict[str, str]) -> Record:
        entries = [output_entry(path, target, self.dest.read(path)) for target, path in outputs.items()]
        return Record(name, "skipped", outputs=entries, reason="already converted (--skip-existing)")

    # -- after conversion ---------------------------------------------------

    def _submit(self, name: str, fmt: str, outputs: dict[str, str], data: bytes, retry: bool = False) -> None:
        future = self.runner.submit(workers.convert_document, name, data, fmt, self.job.targets, self.job.metadata,
                                    self.job.filters, self.job.options)
        # kept for a retry (a local pool holds it until the document is done anyway); a
        # Dask cluster retries what a lost worker had by itself, so the client keeps nothing
        kept = b"" if isinstance(self.runner, workers.DaskRunner) else data
        self._pending[future] = (name, fmt, outputs, kept, retry)

    def _collect(self) -> None:
        for future in self.runner.wait_first(set(self._pending)):
            name, fmt, outputs, data, retry = self._pending.pop(future)
            if not retry and workers.worker_died(future):
                # A dying worker process takes every document in flight with it; only
                # one of them killed it (if any: the system may have).  Each is tried
                # again on its own, and only one that kills a worker then fails.
                self._retries.append((name, fmt, outputs, data))
                continue
            self._record(self._finish(future, name, fmt, outputs))

    def _retry_alone(self) -> None:
        while self._retries and not self.stopped:
            while self._pending:  # let nothing else run beside it
                self._collect()
            self._retries.sort(key=lambda retry: retry[0])  # in source order, as the batch goes
            self._submit(*self._retries.pop(0), retry=True)
            while self._pending:
                self._collect()

    def _finish(self, future, name: str, fmt: str, outputs: dict[str, str]) -> Record:
        try:
            outcome: workers.Outcome = future.result()
        except BaseException as exc:
            if self.runner.timed_out(future):  # a local worker stopped, or a task given up on
                return Record(name, "failed", format=fmt, error=(
                    f"took longer than {self.runner.timeout:g} s (raise the limit with --timeout)"))
            if future.cancelled():
                return Record(name, "skipped", format=fmt, reason=STOPPED)
            if not isinstance(exc, Exception):
                raise
            if workers.worker_died(future):
                return Record(name, "failed", format=fmt, error=(
                    "worker failed: the process converting it died (a crash, or killed by the system: "
                    "out of memory?)"))
            # the worker itself failed: an unpicklable result, a lost Dask worker...
            return Record(name, "failed", format=fmt, error=f"worker failed: {type(exc).__name__}: {exc}")
        record = Record(name, "failed", format=fmt, warnings=outcome.warnings, seconds=outcome.seconds)
        if outcome.error is not None:
            record.error = outcome.error
            return record
        for target, data in outcome.outputs:
            path = outputs[target]
            if self.job.existing == "skip" and self.dest.exists(path):
                data = self.dest.read(path)  # finished by the interrupted run; keep it
            else:
                try:
                    self.dest.write(path, data)
                except BriefconvError as exc:
                    record.outputs = []
                    record.error = f"{path}: {exc.message}"
                    return record
            record.outputs.append(output_entry(path, target, data))
        record.status = "converted"
        return record


def _readable_extension(name: str) -> bool:
    suffix = PurePosixPath(name).suffix.lower()
    return bool(suffix) and any(
        fmt.reader is not None and suffix in (ext.lower() for ext in fmt.extensions)
        for fmt in get_registry().formats.values()
    )


def _job(targets: Iterable[str], from_format: str | None, metadata: Mapping[str, str] | None,
         existing: str, filters: Iterable[str] = (), reference_doc: str | None = None) -> Job:
    registry = get_registry()
    targets = list(dict.fromkeys(targets))
    if not targets:
        raise UsageError("give at least one target format with -t")
    if existing not in ("error", "overwrite", "skip"):
        raise UsageError(f"existing must be error, overwrite or skip, not {existing!r}")
    formats = [registry.writer(t) for t in targets]
    if from_format:
        from_format = registry.reader(from_format).name
    filters = [registry.filter(name).name for name in filters]  # an unknown one stops the batch here
    options = {}
    if reference_doc is not None:
        if not os.path.isfile(reference_doc):  # else every document would fail alike
            raise UsageError(f"--reference-doc: no such file: {reference_doc}")
        options["reference-doc"] = os.path.abspath(reference_doc)
    return Job([f.name for f in formats], {f.name: f.output_extension for f in formats},
               from_format, dict(metadata or {}), existing, filters, options)


def _summary(log: RecordLog, wall: float, dest: Destination, stopped: bool, quiet: bool) -> None:
    for entry, _seconds in itertools.islice(log.in_order("failed"), MAX_FAILURES_SHOWN):
        print(f"briefconv: failed: {entry['source']}: {entry.get('error')}", file=sys.stderr)
    failed = log.counts["failed"]
    if failed > MAX_FAILURES_SHOWN:
        print(f"briefconv: ... and {failed - MAX_FAILURES_SHOWN} more failures (see the report)",
              file=sys.stderr)
    if quiet:
        return
    converted, skipped = log.counts["converted"], log.counts["skipped"]
    rate = f" ({converted / wall:.1f} documents/s)" if wall > 0 and converted else ""
    lines = [f"briefconv: batch: {converted} converted, {skipped} skipped, {failed} failed "
             f"in {wall:.1f} s{rate}"]
    if log.warned:
        lines.append(f"briefconv: {log.warned} documents have warnings")
    if stopped:
        lines.append("briefconv: stopped at the first failure (--fail-fast)")
    lines.append(f"briefconv: report: {dest.report_location}")
    print("\n".join(lines), file=sys.stderr)


def _sigterm_interrupts() -> Callable[[], None]:
    """Treat SIGTERM like Ctrl-C while the batch runs, so temporary files are removed.

    Returns the function that puts the previous handler back.
    """
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    return lambda: signal.signal(signal.SIGTERM, previous)


def run_batch(
    source: str | os.PathLike,
    targets: Iterable[str],
    dest: str | os.PathLike,
    *,
    from_format: str | None = None,
    metadata: Mapping[str, str] | None = None,
    jobs: int | None = None,
    scheduler: str | None = None,
    fail_fast: bool = False,
    existing: str = "error",
    quiet: bool = False,
    max_member_bytes: int | None = None,
    max_total_bytes: int | None = None,
    max_members: int | None = None,
    timeout: float | None = None,
    filters: Iterable[str] = (),
    reference_doc: str | None = None,
) -> int:
    """Convert every document in ``source`` into ``dest``; 0 when all converted, 1 when any failed.

    Raises a BriefconvError (exit 2) when the batch cannot run at all: an unreadable
    source, a source over the limits, an unusable DEST, an unreachable scheduler.
    """
    start = time.perf_counter()
    source_path, dest_path = Path(os.fspath(source)), Path(os.fspath(dest))
    job = _job(targets, from_format, metadata, existing, filters, reference_doc)
    limits = Limits.from_options(max_member_bytes, max_total_bytes, max_members)
    destination = Destination(dest_path, existing)
    if source_path.exists() and dest_path.exists() and os.path.samefile(source_path, dest_path):
        raise UsageError("DEST must not be SOURCE")
    batch_source = BatchSource(source_path, limits, exclude=destination.paths_to_exclude())

    if timeout is not None and timeout < 0:
        raise UsageError("--timeout must be 0 (no limit) or more")
    # before DEST is touched: an unreachable cluster leaves no trace
    runner = workers.make_runner(jobs, scheduler, timeout)
    progress = None
    restore_sigterm = _sigterm_interrupts()
    try:
        destination.prepare(limits)
        progress = Progress(batch_source.count, show=not quiet and sys.stderr.isatty())
        batch = Batch(batch_source, destination, job, runner, progress, fail_fast)
        batch.run()
    except BaseException:
        runner.close(cancel=True)
        if progress is not None:
            progress.close()
        raise
    finally:
        restore_sigterm()
    runner.close()
    progress.close()

    wall = time.perf_counter() - start
    try:
        destination.finish(report_chunks(source_path.name, job.targets, batch.log, batch.stopped),
                           timings_chunks(batch.log, wall))
        _summary(batch.log, wall, destination, batch.stopped, quiet)
        return EXIT_SOME_FAILED if batch.log.any_failed else EXIT_OK
    finally:
        batch.log.close()
