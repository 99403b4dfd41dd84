"""briefconv-smartquotes: a filter that turns straight quotes into typographic ones.

Enabled per run with ``--filter smartquotes``::

    briefconv brief.txt -t md --filter smartquotes

``"word"`` becomes “word”, ``'word'`` becomes ‘word’, and apostrophes become ’
(``Lee's`` → Lee’s, ``'90s`` → ’90s).  A quote opens at the start of a paragraph or
after a space, an opening bracket, a dash or another opening quote; everywhere else
it closes.  The text of the body, the back matter, the notes and the title,
subtitle, abstract and disclaimer is changed; link addresses, note ids and every
other field are left as they are.  English quotation marks only.
"""

from __future__ import annotations

import dataclasses
from typing import Mapping

from briefconv import Filter, hookimpl, ir

__version__ = "0.1.0"

_OPENS_AFTER = set("([{\u2014\u2013-/\u201c\u2018")
_INLINE_CONTAINERS = (ir.Emphasis, ir.Strong, ir.Superscript, ir.Subscript, ir.Link, ir.NoteCrossRef)


@hookimpl
def briefconv_register_filters(register) -> None:
    register(Filter(
        name="smartquotes",
        transform=smarten_document,
        description="straight quotes to typographic quotes and apostrophes",
    ))


def smarten(text: str, before: str = "") -> str:
    """``text`` with typographic quotes; ``before`` is the character that precedes it."""
    out = []
    previous = before
    for i, char in enumerate(text):
        if char in "\"'":
            opening = previous == "" or previous.isspace() or previous in _OPENS_AFTER
            following = text[i + 1: i + 2]
            if char == '"':
                char = "\u201c" if opening else "\u201d"
            else:  # an elided year ('90s) takes an apostrophe even where a quote would open
                char = "\u2018" if opening and not following.isdigit() else "\u2019"
        out.append(char)
        previous = char
    return "".join(out)


class _Smartener:
    """Walks one paragraph's inlines, carrying the previous character across nodes."""

    def __init__(self) -> None:
        self.previous = ""

    def inlines(self, nodes: tuple[ir.Inline, ...]) -> tuple[ir.Inline, ...]:
        return tuple(self.inline(node) for node in nodes)

    def inline(self, node: ir.Inline) -> ir.Inline:
        if isinstance(node, ir.Text):
            text = smarten(node.text, self.previous)
            self.previous = text[-1:] or self.previous
            return ir.Text(text)
        if isinstance(node, _INLINE_CONTAINERS):
            return dataclasses.replace(node, children=self.inlines(node.children))
        if isinstance(node, ir.LineBreak):
            self.previous = " "
        elif isinstance(node, ir.NoteRef):
            self.previous = "1"  # a quote right after a note mark closes
        return node


def _block(block: ir.Block) -> ir.Block:
    if isinstance(block, (ir.Heading, ir.Paragraph)):
        return dataclasses.replace(block, children=_Smartener().inlines(block.children))
    if isinstance(block, ir.BlockQuote):
        return ir.BlockQuote(_blocks(block.blocks))
    if isinstance(block, ir.ListBlock):
        return dataclasses.replace(block, items=tuple(_blocks(item) for item in block.items))
    return block


def _blocks(blocks: tuple[ir.Block, ...]) -> tuple[ir.Block, ...]:
    return tuple(_block(b) for b in blocks)


def _metadata(meta: ir.Metadata) -> ir.Metadata:
    changes = {name: smarten(getattr(meta, name))
               for name in ("title", "subtitle", "abstract", "disclaimer") if getattr(meta, name)}
    return dataclasses.replace(meta, **changes)


def smarten_document(document: ir.Document, options: Mapping[str, str]) -> ir.Document:
    """The filter: ``document`` with typographic quotes in its text."""
    return ir.Document(
        metadata=_metadata(document.metadata),
        blocks=_blocks(document.blocks),
        back=_blocks(document.back),
        notes=tuple(dataclasses.replace(n, blocks=_blocks(n.blocks)) for n in document.notes),
    )
