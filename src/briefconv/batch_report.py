"""The batch report: one record per source member, kept on disk until the batch ends.

A batch may take a hundred thousand briefs, and its memory must not grow with them.
So each :class:`Record` is written, as it comes, as one JSON line to an anonymous
temporary file (gone with the process, even one killed outright); only its source
name, status and place in that file stay in memory.  At the end the records are read
back in source order, and ``report.json`` and ``timings.json`` are written piece by
piece, with the bytes that formatting the whole report at once would give
(``json.dumps(..., indent=2, sort_keys=True, ensure_ascii=False)``).
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from array import array
from dataclasses import dataclass, field
from typing import Any, Iterator

from briefconv import __version__
from briefconv.errors import OutputError

REPORT_VERSION = 1
STATUSES = ("converted", "skipped", "failed")


@dataclass
class Record:
    """One source member's line in the report: what became of it, and why."""

    source: str
    status: str  # converted | skipped | failed
    format: str | None = None
    outputs: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    reason: str | None = None
    seconds: float | None = None

    def as_json(self) -> dict[str, Any]:
        """The record as ``report.json`` lists it (without its time: see ``timings.json``)."""
        entry: dict[str, Any] = {"source": self.source, "status": self.status}
        if self.format:
            entry["format"] = self.format
        entry["outputs"] = self.outputs
        entry["warnings"] = self.warnings
        if self.error is not None:
            entry["error"] = self.error
        if self.reason is not None:
            entry["reason"] = self.reason
        return entry


def output_entry(path: str, fmt: str, data: bytes) -> dict[str, Any]:
    """How the report lists one output file."""
    return {"path": path, "format": fmt, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


class RecordLog:
    """The records of a batch, on disk, with what the summary needs counted in memory."""

    def __init__(self) -> None:
        try:
            self._file = tempfile.TemporaryFile(prefix="briefconv-report-")
        except OSError as exc:
            raise OutputError(f"cannot keep the report in {tempfile.gettempdir()}: {exc.strerror or exc}") from None
        # record n is the line at _offsets[n], of _lengths[n] bytes, about _sources[n] with
        # status STATUSES[_statuses[n]]; in arrays, a record costs its name and 13 bytes
        self._sources: list[str] = []
        self._offsets = array("q")
        self._lengths = array("l")
        self._statuses = bytearray()
        self._size = 0
        self.counts = dict.fromkeys(STATUSES, 0)
        self.warned = 0  # records with warnings
        self.timed = 0  # records with a conversion time

    def add(self, record: Record) -> None:
        line = json.dumps([record.as_json(), record.seconds]).encode("ascii") + b"\n"
        try:
            self._file.seek(self._size)  # after in_order() has read back, the end is elsewhere
            self._file.write(line)
        except OSError as exc:
            raise OutputError(f"cannot keep the report in {tempfile.gettempdir()}: {exc.strerror or exc}") from None
        self._sources.append(record.source)
        self._offsets.append(self._size)
        self._lengths.append(len(line))
        self._statuses.append(STATUSES.index(record.status))
        self._size += len(line)
        self.counts[record.status] += 1
        self.warned += bool(record.warnings)
        self.timed += record.seconds is not None

    @property
    def any_failed(self) -> bool:
        return self.counts["failed"] > 0

    def in_order(self, status: str | None = None) -> Iterator[tuple[dict[str, Any], float | None]]:
        """``(entry, seconds)`` of each record (of ``status``, if given), in source order."""
        wanted = None if status is None else STATUSES.index(status)
        for n in sorted(range(len(self._sources)), key=self._sources.__getitem__):  # stable: ties keep arrival order
            if wanted is None or self._statuses[n] == wanted:
                self._file.seek(self._offsets[n])
                entry, seconds = json.loads(self._file.read(self._lengths[n]))
                yield entry, seconds

    def close(self) -> None:
        self._file.close()


def _dumps(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


def _utf8(text: str) -> bytes:
    # a lone surrogate (a warning quoting broken input) is written as its JSON escape
    return text.encode("utf-8", "backslashreplace")


def _object_chunks(fields: dict[str, Any], streamed: str, items: Iterator[str], closing: str) -> Iterator[bytes]:
    """A JSON object, indented by two, whose member ``streamed`` is written item by item.

    ``items`` are that member's elements, already formatted at the top level;
    ``closing`` is the bracket that ends it.  The other members come from ``fields``.
    """
    keys = sorted([*fields, streamed])
    yield b"{\n"
    for number, key in enumerate(keys):
        if key == streamed:
            yield from _streamed_member(key, items, closing)
        else:
            yield _utf8(_dumps({key: fields[key]})[2:-2])  # '  "key": value', braces cut
        yield b",\n" if number < len(keys) - 1 else b"\n"
    yield b"}\n"


def _streamed_member(key: str, items: Iterator[str], closing: str) -> Iterator[bytes]:
    """``  "key": [`` (or ``{``), each item indented by four, then the closing bracket."""
    opening = "[" if closing == "]" else "{"
    empty = True
    for item in items:
        head = f"  {json.dumps(key)}: {opening}\n" if empty else ",\n"
        yield _utf8(head + "    " + item.replace("\n", "\n    "))
        empty = False
    yield _utf8(f"  {json.dumps(key)}: {opening}{closing}" if empty else f"\n  {closing}")


def report_chunks(source_name: str, targets: list[str], log: RecordLog, stopped: bool) -> Iterator[bytes]:
    """``report.json``, piece by piece: no times, so the same SOURCE gives the same bytes."""
    fields = {
        "briefconv-batch-report": REPORT_VERSION,
        "briefconv": __version__,
        "source": source_name,
        "targets": targets,
        "summary": dict(log.counts),
        "stopped-at-first-failure": stopped,
    }
    entries = (_dumps(entry) for entry, _seconds in log.in_order())
    return _object_chunks(fields, "documents", entries, "]")


def timings_chunks(log: RecordLog, wall: float) -> Iterator[bytes]:
    """``timings.json``, piece by piece: the batch's wall time and each document's."""
    fields = {
        "wall-seconds": round(wall, 3),
        "documents-per-second": round(log.timed / wall, 2) if wall > 0 else None,
    }
    return _object_chunks(fields, "documents", _timing_members(log), "}")


def _timing_members(log: RecordLog) -> Iterator[str]:
    """``"source": seconds`` per timed document; of two records with one name, the later."""
    pending: tuple[str, float] | None = None
    for entry, seconds in log.in_order():
        if seconds is None:
            continue
        if pending is not None and pending[0] != entry["source"]:
            yield _dumps({pending[0]: round(pending[1], 4)})[4:-2]
        pending = (entry["source"], seconds)
    if pending is not None:
        yield _dumps({pending[0]: round(pending[1], 4)})[4:-2]
