"""Dates as the IR holds them (ISO 8601: ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``) and as
briefs print them ("23 January 2026")."""

from __future__ import annotations

import re

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)

_ISO_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def iso_parts(text: str | None) -> tuple[str, str | None, str | None] | None:
    """``('2026', '01', '23')`` for ``'2026-01-23'`` (``None`` for a missing month or
    day); ``None`` when ``text``, spaces around it aside, is not an ISO date, or is None
    (a document without a date)."""
    if text is None:
        return None
    match = _ISO_DATE.fullmatch(text.strip())
    return match.groups() if match else None  # type: ignore[return-value]


def long_date(text: str) -> str:
    """'23 January 2026', 'January 2026' or '2026' for an ISO date; a month out of
    range leaves the year alone, and text that is not an ISO date stays as it is."""
    parts = iso_parts(text)
    if parts is None:
        return text
    year, month, day = parts
    if month is None or not 1 <= int(month) <= 12:
        return year
    words = f"{MONTHS[int(month) - 1]} {year}"
    return f"{int(day)} {words}" if day else words
