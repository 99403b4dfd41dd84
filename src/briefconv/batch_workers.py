"""Where a batch's conversions run, and what a worker does with one document.

:func:`convert_document` is the whole of a worker's job: bytes in, an
:class:`Outcome` of plain data out (output bytes, warnings, the error), never an
exception.  A runner sends documents to it and hands finished futures back to the
batch (:mod:`briefconv.batch`), which writes DEST and the report:

- :class:`ProcessRunner`, the default: a pool of ``-j`` worker processes, forked so
  that each starts with the formats already imported;
- :class:`InlineRunner`: this process, for ``-j 1 --debug``;
- :class:`DaskRunner`: an existing Dask cluster (``--scheduler``).

Every runner has ``in_flight`` (how many documents to keep sent), ``submit``,
``wait_first`` (the futures that finished, or that ``--timeout`` gave up on),
``timed_out``, ``cancel`` and ``close``.
"""

from __future__ import annotations

import concurrent.futures
import os
import queue
import signal
import threading
import time
import warnings
import weakref
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping, Sequence

from briefconv.errors import BriefconvError, MissingDependencyError, UsageError
from briefconv.plugins import get_registry

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
    a worker flat.  What survives a collection (the format modules and libraries, fonts,
    the writers' bounded memos) lives on: it is frozen out of the collector's sight,
    or every collection would rescan it, 15-25 ms each time after the first document
    and a growing share of every document as the memos fill (4 ms of a 19 ms PDF).
    Frozen objects are still freed when nothing refers to them any more; only a cycle
    among them would stay, and memos hold none.
    """
    global _converted_since_collection, _libraries_frozen
    _converted_since_collection += 1
    if not _libraries_frozen or _converted_since_collection >= DOCUMENTS_PER_COLLECTION:
        import gc

        _converted_since_collection = 0
        gc.collect()
        gc.freeze()
        _libraries_frozen = True


#: Allocations between the collector's automatic young collections in a local worker.
WORKER_GC_THRESHOLD = 20_000


def _worker_init() -> None:
    import gc

    # The parent decides what an interrupt means; workers just stop when told.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A worker collects every few documents anyway (_collect_garbage); the default of a
    # young collection every 700 allocations costs 3-5% of a PDF conversion for nothing.
    gc.set_threshold(WORKER_GC_THRESHOLD, 10, 10)
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
    as a dead worker does (see :meth:`briefconv.batch.Batch._collect`).
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
        if any(future in self._live and worker_died(future) for future in done):
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


def make_runner(jobs: int | None, scheduler: str | None, timeout: float | None):
    """The runner for ``-j``/``--scheduler``/``--timeout`` (None: the defaults)."""
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


def worker_died(future) -> bool:
    """Whether ``future`` failed because its local worker process died."""
    from concurrent.futures.process import BrokenProcessPool

    if future.cancelled() or not future.done():
        return False
    return isinstance(future.exception(), BrokenProcessPool)
