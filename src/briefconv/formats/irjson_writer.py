"""The IR JSON writer; the form is described in :mod:`briefconv.formats.irjson`."""

from __future__ import annotations

import dataclasses
import functools
import io
from json.encoder import encode_basestring as _quote  # the C string encoder json.dumps uses
from typing import Any, Iterable, Mapping

from briefconv import ir
from briefconv.formats.irjson import FORMAT_VERSION, TYPE_NAMES, VERSION_KEY


@functools.lru_cache(maxsize=None)
def _layout(cls: type) -> tuple[tuple[str, str | None], ...]:
    """The keys of a ``cls`` object in sorted order, each as (``'"key": '``, attribute);
    node classes get the ``"type"`` key too (attribute None).  Computed once per class."""
    keys = [(f.name.replace("_", "-"), f.name) for f in dataclasses.fields(cls)]
    if cls in TYPE_NAMES:
        keys.append(("type", None))
    return tuple((f"{_quote(key)}: ", attribute) for key, attribute in sorted(keys))


def _json_value(value: Any, indent: str, out: io.StringIO) -> None:
    """Write the JSON of an IR value to ``out``, as ``json.dumps(indent=2, sort_keys=True)`` would.

    Written straight from the dataclasses: building a dict tree first and encoding it
    with the json module's pure-Python indenting encoder cost twice as much, and its
    many short-lived containers kept the garbage collector busy on long documents.
    """
    cls = type(value)
    if cls is str:
        out.write(_quote(value))
    elif cls is tuple:
        _json_array(value, indent, out)
    elif cls is bool or cls is int:
        out.write("true" if value is True else "false" if value is False else str(value))
    elif dataclasses.is_dataclass(cls):
        kind = TYPE_NAMES.get(cls)
        _json_object(((key, kind if attribute is None else getattr(value, attribute))
                      for key, attribute in _layout(cls)), indent, out)
    elif isinstance(value, Mapping):
        _json_object(((f"{_quote(str(k))}: ", v) for k, v in sorted(value.items())), indent, out)
    else:
        raise TypeError(f"{cls.__name__} has no place in a briefconv document")


def _json_array(items: tuple, indent: str, out: io.StringIO) -> None:
    if not items:
        out.write("[]")
        return
    inner = indent + "  "
    out.write("[\n" + inner)
    for i, item in enumerate(items):
        if i:
            out.write(",\n" + inner)
        _json_value(item, inner, out)
    out.write("\n" + indent + "]")


def _json_object(members: Iterable[tuple[str, Any]], indent: str, out: io.StringIO) -> None:
    """Members are (``'"key": '``, value) in key order; None and empty values are left
    out, as they are every field's default."""
    inner = indent + "  "
    opened = False
    for key, value in members:
        if value is None or value == () or value == {}:
            continue
        out.write(f"{',' if opened else '{'}\n{inner}{key}")
        opened = True
        _json_value(value, inner, out)
    out.write(f"\n{indent}}}" if opened else "{}")


def document_to_json(document: ir.Document) -> str:
    members = [(key, getattr(document, attribute)) for key, attribute in _layout(ir.Document)]
    members.append((f"{_quote(VERSION_KEY)}: ", FORMAT_VERSION))
    out = io.StringIO()
    _json_object(sorted(members, key=lambda member: member[0]), "", out)
    out.write("\n")
    return out.getvalue()


def write_json(document: ir.Document, options: Mapping[str, str]) -> bytes:
    return document_to_json(document).encode("utf-8")
