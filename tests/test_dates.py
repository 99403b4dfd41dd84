"""The IR's ISO dates and how briefs print them (src/briefconv/dates.py)."""

from __future__ import annotations

import pytest

from briefconv.dates import iso_parts, long_date


@pytest.mark.parametrize("text, parts", [
    ("2026-01-23", ("2026", "01", "23")),
    (" 2026-01 ", ("2026", "01", None)),
    ("2026", ("2026", None, None)),
    ("23 January 2026", None),
    ("2026-1-23", None),
    ("2026-01-23T10:00", None),
    ("", None),
    (None, None),  # a document without a date
])
def test_iso_parts_reads_only_the_three_iso_forms(text, parts):
    assert iso_parts(text) == parts


@pytest.mark.parametrize("text, printed", [
    ("2026-01-23", "23 January 2026"),
    ("2026-12-05", "5 December 2026"),
    ("2026-03", "March 2026"),
    ("2026", "2026"),
    ("2026-13", "2026"),
    ("January 2026", "January 2026"),
])
def test_long_date_prints_what_the_date_says(text, printed):
    assert long_date(text) == printed
