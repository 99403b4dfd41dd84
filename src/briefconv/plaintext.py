"""The visible text of IR inlines, without their marks.

Writers need it wherever markup cannot go: titles of pages and PDF bookmarks,
metadata fields, ids, running headers.  Note references have no visible text of
their own and contribute nothing; a line break counts as a space.
"""

from __future__ import annotations

from typing import Iterable

from briefconv import ir


def plain_text(inlines: Iterable[ir.Inline]) -> str:
    """``inlines`` as one string of the text a reader sees."""
    return "".join(_pieces(inlines))


def _pieces(inlines: Iterable[ir.Inline]) -> Iterable[str]:
    for node in inlines:
        if isinstance(node, ir.Text):
            yield node.text
        elif isinstance(node, ir.LineBreak):
            yield " "
        elif hasattr(node, "children"):
            yield from _pieces(node.children)  # type: ignore[attr-defined]
