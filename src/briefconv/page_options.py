"""The two page options the paged writers (DOCX and PDF) read alike.

``papersize`` (``a4`` or ``letter``) and ``notes`` (``endnotes`` or ``footnotes``)
arrive in the document's metadata (``-M papersize=letter`` lands in
``metadata.extra``, as does a value the document carried itself), or as a writer
option from the API; an option wins over the document.  A value no writer knows is a
usage error, never a silent default: ``papersize=leter`` set as A4 would be found
only in print.
"""

from __future__ import annotations

from typing import Mapping

from briefconv.errors import UsageError
from briefconv.ir import Document

PAPER_NAMES = ("a4", "letter")
_PAPER_ALIASES = {"us-letter": "letter", "usletter": "letter"}
NOTE_KINDS = ("endnote", "footnote")


def paper_size(document: Document, options: Mapping[str, str]) -> str | None:
    """``"a4"`` or ``"letter"``; None when neither the options nor the document say."""
    value = _given(document, options, "papersize")
    if value is None:
        return None
    key = value.strip().lower()
    key = _PAPER_ALIASES.get(key, key)
    if key not in PAPER_NAMES:
        raise UsageError(f"papersize={value!r}: use papersize=a4 or papersize=letter")
    return key


def note_kind(document: Document, options: Mapping[str, str]) -> str | None:
    """``"endnote"`` or ``"footnote"`` (either spelling, singular or plural); None when not given."""
    value = _given(document, options, "notes")
    if value is None:
        return None
    kind = value.strip().lower().removesuffix("s")
    if kind not in NOTE_KINDS:
        raise UsageError(f"notes={value!r}: use notes=endnotes or notes=footnotes")
    return kind


def _given(document: Document, options: Mapping[str, str], key: str) -> str | None:
    return options.get(key) or document.metadata.extra.get(key)
