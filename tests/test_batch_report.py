"""The batch report, written piece by piece from records kept on disk."""

from __future__ import annotations

import json
import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from briefconv import __version__
from briefconv.batch_report import REPORT_VERSION, Record, RecordLog, output_entry, report_chunks, timings_chunks


def whole_report(source: str, targets: list[str], records: list[Record], stopped: bool) -> bytes:
    """The report formatted at once, from records held in memory: what the pieces must equal."""
    report = {
        "briefconv-batch-report": REPORT_VERSION,
        "briefconv": __version__,
        "source": source,
        "targets": targets,
        "summary": {s: sum(r.status == s for r in records) for s in ("converted", "skipped", "failed")},
        "stopped-at-first-failure": stopped,
        "documents": [r.as_json() for r in sorted(records, key=lambda r: r.source)],
    }
    return (json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def whole_timings(records: list[Record], wall: float) -> bytes:
    done = [r for r in records if r.seconds is not None]
    timings = {
        "wall-seconds": round(wall, 3),
        "documents-per-second": round(len(done) / wall, 2) if wall > 0 else None,
        "documents": {r.source: round(r.seconds, 4) for r in sorted(done, key=lambda r: r.source)},
    }
    return (json.dumps(timings, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def logged(records: list[Record]) -> RecordLog:
    log = RecordLog()
    for record in records:
        log.add(record)
    return log


names = st.sampled_from(["a.md", "b/c.txt", "b/é.docx", "z.xml", "A.md", "b/c.txt.bak", "ü/ß.txt"])
records = st.builds(
    Record,
    source=names,
    status=st.sampled_from(["converted", "skipped", "failed"]),
    format=st.none() | st.sampled_from(["markdown", "txt"]),
    outputs=st.lists(st.builds(output_entry, st.sampled_from(["a.docx", "x/b.xml"]), st.just("docx"),
                               st.binary(max_size=20)), max_size=2),
    warnings=st.lists(st.text(max_size=30), max_size=2),
    error=st.none() | st.text(max_size=40),
    reason=st.none() | st.just("not a format briefconv reads"),
    seconds=st.none() | st.floats(min_value=0, max_value=100),
)
@settings(max_examples=150, deadline=None)
@given(st.lists(records, max_size=8), st.booleans(), st.floats(min_value=0, max_value=1e4))
def test_the_pieces_make_the_bytes_of_the_whole_report(batch_records, stopped, wall):
    log = logged(batch_records)
    try:
        report = b"".join(report_chunks("in.zip", ["docx", "jats"], log, stopped))
        assert report == whole_report("in.zip", ["docx", "jats"], batch_records, stopped)
        assert b"".join(timings_chunks(log, wall)) == whole_timings(batch_records, wall)
    finally:
        log.close()


def test_a_lone_surrogate_in_a_warning_is_written_as_its_json_escape():
    log = logged([Record("a.md", "converted", warnings=["no glyph for '\ud800'"])])
    report = json.loads(b"".join(report_chunks("in", ["md"], log, False)).decode("utf-8"))
    assert report["documents"][0]["warnings"] == ["no glyph for '\ud800'"]
    log.close()


def test_an_empty_batch_has_empty_lists():
    log = RecordLog()
    report = json.loads(b"".join(report_chunks("empty", ["md"], log, False)))
    assert report["documents"] == [] and report["summary"] == {"converted": 0, "skipped": 0, "failed": 0}
    assert json.loads(b"".join(timings_chunks(log, 0.0)))["documents"] == {}
    log.close()


def test_records_added_after_reading_back_are_kept_whole():
    log = logged([Record("b.md", "converted"), Record("a.md", "failed", error="bad")])
    assert [e["source"] for e, _ in log.in_order()] == ["a.md", "b.md"]
    log.add(Record("c.md", "skipped", reason="later"))
    assert [(e["source"], e["status"]) for e, _ in log.in_order()] == [
        ("a.md", "failed"), ("b.md", "converted"), ("c.md", "skipped")]
    log.close()


def test_failures_come_back_in_source_order_with_their_messages():
    log = logged([Record("b.md", "failed", error="bad b"), Record("a.md", "converted"),
                  Record("a/0.md", "failed", error="bad a/0")])
    assert [(e["source"], e["error"]) for e, _ in log.in_order("failed")] == [("a/0.md", "bad a/0"), ("b.md", "bad b")]
    assert log.counts == {"converted": 1, "skipped": 0, "failed": 2} and log.any_failed
    log.close()


def test_memory_does_not_grow_with_what_the_records_hold():
    """A record's outputs, hashes and warnings go to disk; a few dozen bytes stay per record."""
    count = 20_000
    warning = "the PDF font has no glyph for '\u2603'; those characters print as boxes"
    outputs = [output_entry(f"set/brief-{n}.docx", "docx", b"x" * n) for n in range(2)]
    tracemalloc.start()
    try:
        log = RecordLog()
        before = tracemalloc.get_traced_memory()[0]
        for n in range(count):
            log.add(Record(f"set/brief-{n:05}.txt", "converted", "txt", outputs, [warning], seconds=0.01))
        per_record = (tracemalloc.get_traced_memory()[0] - before) / count
    finally:
        tracemalloc.stop()
    held = [Record(f"set/brief-{n:05}.txt", "converted", "txt", [dict(o) for o in outputs], [warning])
            for n in range(100)]
    assert per_record < 120, f"{per_record:.0f} bytes per record"  # mostly the name itself
    assert len(json.dumps([r.as_json() for r in held])) / 100 > 3 * per_record  # what was saved
    assert sum(1 for _ in log.in_order()) == count
    log.close()


@pytest.mark.parametrize("status", ["converted", "skipped", "failed"])
def test_counts_follow_the_records(status):
    log = logged([Record("x", status, warnings=["w"]), Record("y", status, seconds=1.0)])
    assert log.counts[status] == 2 and log.warned == 1 and log.timed == 1
    log.close()


def test_a_full_temporary_disk_is_an_output_error_naming_the_folder(monkeypatch):
    import tempfile

    from briefconv.errors import OutputError

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    log = RecordLog()
    monkeypatch.setattr(log._file, "write", full)
    with pytest.raises(OutputError, match=f"cannot keep the report in {tempfile.gettempdir()}: No space left"):
        log.add(Record("a.md", "converted"))
    log.close()
    monkeypatch.setattr(tempfile, "TemporaryFile", full)
    with pytest.raises(OutputError, match="No space left"):
        RecordLog()
