"""The IR as JSON (format ``json``): the lossless form of a briefconv document.

Keeps: everything; reading what this writer wrote gives an equal Document.
Loses: nothing.

The form is the dataclasses of :mod:`briefconv.ir` as objects: each inline and block
node carries a ``"type"`` key (``"paragraph"``, ``"emphasis"``, ``"note-ref"``, …),
tuples become arrays, ``None`` fields and empty tuples are left out, and the top
object carries ``"briefconv-ir": FORMAT_VERSION``.  Keys are sorted, so the same
document always gives the same bytes.
"""

from __future__ import annotations

import re

from briefconv import ir
from briefconv.hookspecs import hookimpl
from briefconv.plugins import Format, lazy

FORMAT_VERSION = 1
VERSION_KEY = "briefconv-ir"
NODE_CLASSES = (
    ir.Text, ir.Emphasis, ir.Strong, ir.Superscript, ir.Subscript, ir.Link, ir.NoteRef,
    ir.NoteCrossRef, ir.LineBreak, ir.Heading, ir.Paragraph, ir.BlockQuote, ir.ListBlock,
)


def _type_name(cls: type) -> str:
    """'NoteCrossRef' -> 'note-cross-ref', 'ListBlock' -> 'list'."""
    name = cls.__name__.removesuffix("Block") or cls.__name__
    if cls is ir.BlockQuote:
        name = "BlockQuote"
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


#: Each node's ``"type"`` in JSON and its class, both ways.
NODE_TYPES = {_type_name(cls): cls for cls in NODE_CLASSES}
TYPE_NAMES = {cls: name for name, cls in NODE_TYPES.items()}


@hookimpl
def briefconv_register_formats(register) -> None:
    register(Format(
        name="json",
        extensions=(".json",),
        reader=lazy("briefconv.formats.irjson_reader:read_json"),
        writer=lazy("briefconv.formats.irjson_writer:write_json"),
        description="briefconv's document model as JSON (lossless)",
    ))
