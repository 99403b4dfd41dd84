"""What the JATS reader and writer share: namespaces, JATS's whitespace rules, the
journal id derived from a series name.  What the format keeps and loses is listed in
:mod:`briefconv.formats.jats`."""

from __future__ import annotations

import re
import unicodedata
from typing import Iterable

from briefconv import ir
from briefconv.plaintext import plain_text

XLINK = "http://www.w3.org/1999/xlink"
ALI = "http://www.niso.org/schemas/ali/1.0/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# XML whitespace only: a no-break space is content, not layout.
XML_SPACE = re.compile(r"[ \t\n\r]+")
DISCLAIMER = "disclaimer"
FOOTNOTE = "footnote"


def slug(text: str) -> str:
    """'CAPSS In Focus' -> 'capss-in-focus': how a journal id is derived from a series name."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def squeeze(inlines: Iterable[ir.Inline]) -> tuple[ir.Inline, ...]:
    """Inlines as JATS renders them: whitespace runs as one space, none at either end.

    Both the writer and the reader apply it, so reading what was written gives the
    same inlines back and writing is a fixed point.
    """
    squeezed = _collapse(tuple(inlines), [True])
    while squeezed and isinstance(squeezed[0], ir.LineBreak):
        squeezed = squeezed[1:]
    return _strip_end(squeezed)


def _collapse(inlines: tuple[ir.Inline, ...], after_space: list[bool]) -> tuple[ir.Inline, ...]:
    """Collapse whitespace across node boundaries; ``after_space[0]`` is the running state."""
    out: list[ir.Inline] = []
    for node in inlines:
        if isinstance(node, ir.Text):
            text = XML_SPACE.sub(" ", node.text)
            if after_space[0]:
                text = text.lstrip(" ")
            if not text:
                continue
            after_space[0] = text.endswith(" ")
            if out and isinstance(out[-1], ir.Text):
                out[-1] = ir.Text(out[-1].text + text)
            else:
                out.append(ir.Text(text))
        elif isinstance(node, ir.LineBreak):
            _drop_trailing_space(out)
            after_space[0] = True
            out.append(node)
        elif isinstance(node, ir.NoteRef):
            after_space[0] = False
            out.append(node)
        else:
            children = _collapse(node.children, after_space)
            if children or isinstance(node, (ir.Link, ir.NoteCrossRef)):
                out.append(with_children(node, children))  # empty markup shows nothing
    return tuple(out)


def _drop_trailing_space(out: list[ir.Inline]) -> None:
    if out and isinstance(out[-1], ir.Text) and out[-1].text.endswith(" "):
        trimmed = out[-1].text.rstrip(" ")
        if trimmed:
            out[-1] = ir.Text(trimmed)
        else:
            out.pop()


def with_children(node, children: tuple[ir.Inline, ...]):
    from dataclasses import replace

    return replace(node, children=children)


def _strip_end(inlines: tuple[ir.Inline, ...]) -> tuple[ir.Inline, ...]:
    if not inlines:
        return inlines
    last = inlines[-1]
    if isinstance(last, ir.LineBreak):
        return _strip_end(inlines[:-1])
    if isinstance(last, ir.Text):
        trimmed = last.text.rstrip(" ")
        return inlines[:-1] + ((ir.Text(trimmed),) if trimmed else ())
    if hasattr(last, "children"):
        children = _strip_end(last.children)
        if not children and not isinstance(last, (ir.Link, ir.NoteCrossRef)):
            return _strip_end(inlines[:-1])
        return inlines[:-1] + (with_children(last, children),)
    return inlines


def normal_text(text: str) -> str:
    """``text`` with XML whitespace runs as one space and none at either end (no-break spaces stay)."""
    return XML_SPACE.sub(" ", text).strip(" ")


def plain_inlines(inlines: Iterable[ir.Inline]) -> str:
    return normal_text(plain_text(inlines))


def only_note_refs(inlines: list[ir.Inline]) -> bool:
    meaningful = [n for n in inlines if not (isinstance(n, ir.Text) and not n.text.strip())]
    return bool(meaningful) and all(isinstance(n, ir.NoteRef) for n in meaningful)

