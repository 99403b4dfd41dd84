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

Work runs in a pool of ``-j`` worker processes, each building the format registry once
and converting many documents; at most a few documents per worker are in flight, and
each document's report record waits on disk (:mod:`briefconv.batch_report`), so memory
hardly grows with the size of the source: what stays is each member's name and, for a
zip, the entry zipfile keeps for it.  With ``--scheduler ADDRESS`` the
same conversions run on a Dask cluster instead: documents travel to the workers as
bytes and come back as bytes; DEST is written here exactly as in the local case.
"""

from __future__ import annotations

import concurrent.futures
import itertools
import os
import queue
import shutil
import signal
import sys
import threading
import time
import warnings
import weakref
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

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
    MissingDependencyError,
    OutputError,
    UnknownFormatError,
    UsageError,
)
from briefconv.plugins import get_registry

REPORT_NAME = "report.json"
TIMINGS_NAME = "timings.json"
#: Seconds to wait for a Dask scheduler (and for its first worker) before giving up.
SCHEDULER_TIMEOUT_ENV = "BRIEFCONV_SCHEDULER_TIMEOUT"
DEFAULT_SCHEDULER_TIMEOUT = 10.0
IN_FLIGHT_PER_WORKER = 4
#: Seconds a local worker may spend on one document before it is stopped (--timeout).
DEFAULT_TIMEOUT = 600.0
#: Documents a local worker process converts before it is replaced by a fresh one.
DOCUMENTS_PER_WORKER = 1000
#: A full garbage collection after this many documents (see _collect_garbage).
DOCUMENTS_PER_COLLECTION = 8
STOPPED = "not converted: stopped at the first failure"
#: Failures listed one per line on stderr; the report lists them all.
MAX_FAILURES_SHOWN = 20


# ------------------------------------------------------------------ one document


@dataclass
class Outcome:
    """What a worker sends back for one document: only plain data, so it pickles."""

    name: str
    outputs: list[tuple[str, bytes]]
    warnings: list[str]
    error: str | None
    seconds: float


# Warning capture is process-wide state: Dask workers run tasks in threads, so one
# document at a time per process (the GIL serialises the work anyway).
_CONVERT_LOCK = threading.Lock()


def convert_document(
    name: str, data: bytes, from_format: str, targets: list[str], metadata: Mapping[str, str],
    filters: Sequence[str] = (), options: Mapping[str, str] | None = None,
) -> Outcome:
    """Read ``data`` as ``from_format``, run ``filters`` and render every target format.

    Never raises for a bad document: the error comes back as a message.
    """
    from briefconv.api import apply_filters, read_bytes, render, with_metadata

    with _CONVERT_LOCK, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        outputs: list[tuple[str, bytes]] = []
        error = None
        try:
            document = with_metadata(read_bytes(data, name, from_format), metadata)
            document = apply_filters(document, filters, options or {})
            for target in targets:
                try:
                    outputs.append((target, render(document, target, options=options)))
                except BriefconvError as exc:
                    raise BriefconvError(f"{target}: {exc.message}") from exc
        except BriefconvError as exc:
            outputs, error = [], exc.message
        except Exception as exc:  # a bug in a reader or writer fails this document only
            outputs, error = [], f"internal error: {type(exc).__name__}: {exc}"
        seconds = time.perf_counter() - start
    messages = list(dict.fromkeys(str(w.message) for w in caught))
    _collect_garbage()
    return Outcome(name, outputs, messages, error, seconds)


_converted_since_collection = 0
_libraries_frozen = False


def _collect_garbage() -> None:
    """Free the reference cycles a conversion leaves behind, every few documents.

    The DOCX and XML writers leave lxml trees in cycles; each holds a few hundred KB of
    C memory the collector cannot see, so its thresholds fire far too late and a
    worker grows by ~20 MB per 100 documents.  Collecting every few documents keeps
    a worker flat.  After the first document, what it left alive (the format modules
    and libraries it imported, fonts, caches) is frozen out of the collector's sight:
    otherwise every collection rescans those ~30,000 objects, 15-25 ms each time.
    """
    global _converted_since_collection, _libraries_frozen
    _converted_since_collection += 1
    if not _libraries_frozen or _converted_since_collection >= DOCUMENTS_PER_COLLECTION:
        import gc

        _converted_since_collection = 0
        gc.collect()
        if not _libraries_frozen:
            gc.freeze()
            _libraries_frozen = True


def _worker_init() -> None:
    # The parent decides what an interrupt means; workers just stop when told.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with_parent()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        get_registry()


def _exit_with_parent() -> None:
    """End this worker when the batch process ends, even killed outright (SIGKILL).

    Otherwise it would wait for work forever: it holds its own copy of the queue's
    write end, so the queue never reports the parent gone.
    """
    import multiprocessing

    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=lambda: (parent.join(), os._exit(1)), daemon=True).start()


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


# ------------------------------------------------------------------------ runners


class InlineRunner:
    """Converts in this process: for ``-j 1 --debug``, the simplest way to debug."""

    def __init__(self) -> None:
        self.in_flight = 1

    def submit(self, fn: Callable, *args) -> concurrent.futures.Future:
        future: concurrent.futures.Future = concurrent.futures.Future()
        future.set_result(fn(*args))
        return future

    def wait_first(self, pending: set) -> set:
        return set(pending)

    def timed_out(self, future) -> bool:
        return False  # no time limit in this process

    def cancel(self, futures: Iterable) -> None:
        pass

    def close(self, cancel: bool = False) -> None:
        pass


class ProcessRunner:
    """A pool of worker processes, each importing the formats once.

    Every :data:`DOCUMENTS_PER_WORKER` documents per worker the pool is drained and
    replaced, so a writer (or a plugin's) that leaks cannot grow a worker without end.
    When no document finishes for ``timeout`` seconds, every busy worker has spent that
    long on its document: the workers are stopped, which fails the documents in flight
    as a dead worker does (see :meth:`Batch._collect`).
    """

    def __init__(self, jobs: int, timeout: float | None = None) -> None:
        self.jobs = jobs
        self.timeout = timeout or None
        self._timed_out: weakref.WeakSet[concurrent.futures.Future] = weakref.WeakSet()
        self.in_flight = jobs * IN_FLIGHT_PER_WORKER
        self._pool = self._new_pool()
        # the current pool's futures; weak, so that collected results are not kept
        self._live: weakref.WeakSet[concurrent.futures.Future] = weakref.WeakSet()
        self._submitted = 0

    def _new_pool(self) -> concurrent.futures.ProcessPoolExecutor:
        import gc
        import multiprocessing

        gc.collect()
        gc.freeze()  # keep the parent's objects out of the workers' collections: fewer copied pages
        # fork shares the already-imported modules and registry with the workers
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
        return concurrent.futures.ProcessPoolExecutor(
            max_workers=self.jobs, mp_context=multiprocessing.get_context(method), initializer=_worker_init
        )

    def _renew(self) -> None:
        _, running = concurrent.futures.wait(self._live, timeout=self.timeout)
        if running:  # a document that does not finish must not hold the renewal up either
            self._stop_workers(running)
        self._pool.shutdown(wait=True)
        self._pool, self._live, self._submitted = self._new_pool(), weakref.WeakSet(), 0

    def submit(self, fn: Callable, *args) -> concurrent.futures.Future:
        if self._submitted >= self.jobs * DOCUMENTS_PER_WORKER:
            self._renew()
        try:
            future = self._pool.submit(fn, *args)
        except concurrent.futures.process.BrokenProcessPool:
            self._replace_broken_pool()
            future = self._pool.submit(fn, *args)
        self._live.add(future)
        self._submitted += 1
        return future

    def _replace_broken_pool(self) -> None:
        # a worker died (out of memory, a crash in a C library): start afresh
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool, self._live, self._submitted = self._new_pool(), weakref.WeakSet(), 0

    def wait_first(self, pending: set) -> set:
        done, _ = concurrent.futures.wait(pending, timeout=self.timeout, return_when=concurrent.futures.FIRST_COMPLETED)
        if not done:
            self._stop_workers(pending)
            done, _ = concurrent.futures.wait(pending, return_when=concurrent.futures.FIRST_COMPLETED)
        # The pool may not refuse work yet although one of its workers is gone: a
        # document sent now would die with the others.  Replace it before the next.
        if any(future in self._live and _worker_died(future) for future in done):
            self._replace_broken_pool()
        return done

    def _stop_workers(self, pending: set) -> None:
        self._timed_out.update(pending)
        # the executor has no way to stop one task; killing its processes breaks the pool
        for process in list(self._pool._processes.values()):
            process.kill()

    def timed_out(self, future) -> bool:
        """Whether ``future`` failed because the workers were stopped for taking too long."""
        return future in self._timed_out

    def cancel(self, futures: Iterable) -> None:
        for future in futures:
            future.cancel()  # those already running still finish and are written

    def close(self, cancel: bool = False) -> None:
        self._pool.shutdown(wait=not cancel, cancel_futures=cancel)


class DaskRunner:
    """Conversions on an existing Dask cluster; never falls back to local work.

    A task on the cluster cannot be stopped, but the batch need not wait for it: when
    no document finishes for ``timeout`` seconds, the documents the workers are
    executing at that moment (each running all that time, since none finished to free
    a thread) are given up on and reported as too slow, and the batch goes on.  Their
    tasks keep their worker threads until the workers are restarted; a cluster left
    with no thread to run anything stops the batch (exit 2).
    """

    def __init__(self, address: str, timeout: float | None = None) -> None:
        try:
            from distributed import Client
        except ImportError:
            raise MissingDependencyError("dask.distributed", "dask", "--scheduler") from None
        connect_timeout = float(os.environ.get(SCHEDULER_TIMEOUT_ENV, DEFAULT_SCHEDULER_TIMEOUT))
        try:
            self.client = Client(address, timeout=connect_timeout, set_as_default=False)
        except Exception as exc:  # OSError, TimeoutError, ValueError for a bad address...
            raise BriefconvError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        try:
            self.client.wait_for_workers(1, timeout=connect_timeout)
        except Exception:
            self.client.close()
            raise BriefconvError(f"the Dask scheduler at {address} has no workers") from None
        threads = sum(self.client.nthreads().values())
        self.in_flight = max(4, threads * IN_FLIGHT_PER_WORKER)
        self.timeout = timeout or None
        self._finished: queue.Queue = queue.Queue()  # futures, as their results arrive
        self._timed_out: set[str] = set()  # keys of the tasks given up on

    def submit(self, fn: Callable, *args):
        future = self.client.submit(fn, *args, pure=False)
        future.add_done_callback(self._finished.put)
        return future

    def wait_first(self, pending: set) -> set:
        try:
            first = self._finished.get(timeout=self.timeout)
        except queue.Empty:
            return self._give_up_on_executing(pending)
        finished = {first}
        while not self._finished.empty():
            finished.add(self._finished.get_nowait())
        # a task given up on may still report in (cancelled): it was collected already
        return {future for future in finished if future in pending}

    def _give_up_on_executing(self, pending: set) -> set:
        running = set()
        try:
            for tasks in self.client.call_stack(keys=[future.key for future in pending]).values():
                running.update(tasks)
        except Exception as exc:  # the scheduler or a worker gone mid-batch
            raise BriefconvError(f"cannot ask the Dask cluster what it is running: {exc}") from None
        stuck = {future for future in pending if future.key in running}
        if not stuck:  # nothing finished and nothing running: no thread is free to run anything
            raise BriefconvError(
                f"the Dask cluster ran none of the {len(pending)} documents sent to it for "
                f"{self.timeout:g} s: its workers are gone or all busy (with documents given up on?); "
                "restart them and rerun with --skip-existing")
        self._timed_out.update(future.key for future in stuck)
        try:  # cancelled, their futures answer at once (the batch collects them next)
            self.client.cancel(list(stuck))
        except Exception as exc:
            raise BriefconvError(f"cannot cancel tasks on the Dask cluster: {exc}") from None
        return stuck

    def timed_out(self, future) -> bool:
        return future.key in self._timed_out

    def cancel(self, futures: Iterable) -> None:
        pass  # what the cluster already has finishes and is recorded; nothing new is sent

    def close(self, cancel: bool = False) -> None:
        self.client.close()


def _runner(jobs: int | None, scheduler: str | None, timeout: float | None):
    timeout = DEFAULT_TIMEOUT if timeout is None else timeout
    if scheduler:
        return DaskRunner(scheduler, timeout)
    jobs = jobs if jobs is not None else (os.cpu_count() or 1)
    if jobs < 1:
        raise UsageError("-j must be at least 1")
    if jobs == 1 and os.environ.get("BRIEFCONV_DEBUG"):
        return InlineRunner()  # tracebacks come from the conversion itself
    # a pool even for one worker: a document that crashes its process fails alone
    return ProcessRunner(jobs, timeout)


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
        future = self.runner.submit(convert_document, name, data, fmt, self.job.targets, self.job.metadata,
                                    self.job.filters, self.job.options)
        # kept for a retry (a local pool holds it until the document is done anyway); a
        # Dask cluster retries what a lost worker had by itself, so the client keeps nothing
        kept = b"" if isinstance(self.runner, DaskRunner) else data
        self._pending[future] = (name, fmt, outputs, kept, retry)

    def _collect(self) -> None:
        for future in self.runner.wait_first(set(self._pending)):
            name, fmt, outputs, data, retry = self._pending.pop(future)
            if not retry and _worker_died(future):
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
            outcome: Outcome = future.result()
        except BaseException as exc:
            if self.runner.timed_out(future):  # a local worker stopped, or a task given up on
                return Record(name, "failed", format=fmt, error=(
                    f"took longer than {self.runner.timeout:g} s (raise the limit with --timeout)"))
            if future.cancelled():
                return Record(name, "skipped", format=fmt, reason=STOPPED)
            if not isinstance(exc, Exception):
                raise
            if _worker_died(future):
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


def _worker_died(future) -> bool:
    """Whether ``future`` failed because its local worker process died."""
    from concurrent.futures.process import BrokenProcessPool

    if future.cancelled() or not future.done():
        return False
    return isinstance(future.exception(), BrokenProcessPool)


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
    runner = _runner(jobs, scheduler, timeout)
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
