"""The IR JSON reader: strict about what it accepts; the form is described in
:mod:`briefconv.formats.irjson`."""

from __future__ import annotations

import collections.abc
import dataclasses
import functools
import types
import typing
from typing import Any, Mapping

from briefconv import ir
from briefconv.errors import InputError
from briefconv.formats.irjson import FORMAT_VERSION, NODE_CLASSES, NODE_TYPES, VERSION_KEY

MAX_DEPTH = 200


def _fail(path: str, problem: str) -> typing.NoReturn:
    where = path if len(path) <= 80 else "…" + path[-79:]  # deep paths stay one readable line
    raise InputError(f"invalid briefconv JSON at {where or 'top level'}: {problem}")


def _from_data(hint: Any, data: Any, path: str, depth: int) -> Any:
    if depth > MAX_DEPTH:
        _fail(path, "nested too deeply")
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        if data is None and len(options) < len(args):
            return None
        if all(a in NODE_CLASSES for a in options):
            return _node(data, path, depth, allowed=options)
        return _from_data(options[0], data, path, depth)
    if origin is tuple:
        if not isinstance(data, list):
            _fail(path, "expected an array")
        return tuple(_from_data(args[0], v, f"{path}[{i}]", depth + 1) for i, v in enumerate(data))
    if origin in (collections.abc.Mapping, dict):
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            _fail(path, "expected an object of strings")
        return dict(data)
    if origin is typing.Literal:
        if data not in args:
            _fail(path, f"expected one of {', '.join(map(repr, args))}")
        return data
    if dataclasses.is_dataclass(hint):
        return _dataclass(hint, data, path, depth)
    if hint in (str, int, bool):
        if type(data) is not hint:
            _fail(path, f"expected {hint.__name__}")
        return data
    _fail(path, f"unsupported type {hint!r}")


def _node(data: Any, path: str, depth: int, allowed: list[type]) -> Any:
    if not isinstance(data, dict) or not isinstance(data.get("type"), str) or data["type"] not in NODE_TYPES:
        _fail(path, "expected a node with a known 'type'")
    cls = NODE_TYPES[data["type"]]
    if cls not in allowed:
        _fail(path, f"a {data['type']!r} node is not allowed here")
    return _dataclass(cls, {k: v for k, v in data.items() if k != "type"}, path, depth)


@functools.lru_cache(maxsize=None)
def _fields(cls: type) -> tuple[dict[str, Any], dict[str, dataclasses.Field]]:
    """The type hints of ``cls`` and its fields by JSON key: worked out once per class."""
    hints = typing.get_type_hints(cls, vars(ir))
    return hints, {f.name.replace("_", "-"): f for f in dataclasses.fields(cls)}


def _dataclass(cls: type, data: Any, path: str, depth: int) -> Any:
    if not isinstance(data, dict):
        _fail(path, f"expected an object for {cls.__name__}")
    hints, known = _fields(cls)
    unknown = set(data) - set(known) - {VERSION_KEY}
    if unknown:
        _fail(path, f"unknown key {sorted(unknown)[0]!r} in {cls.__name__}")
    kwargs = {}
    for key, f in known.items():
        if key in data:
            kwargs[f.name] = _from_data(hints[f.name], data[key], f"{path}.{key}", depth + 1)
        elif typing.get_origin(hints[f.name]) is tuple:
            kwargs[f.name] = ()  # the writer leaves out empty tuples, required fields too
    try:
        return cls(**kwargs)
    except TypeError as exc:
        _fail(path, f"{cls.__name__} is missing a field ({exc})")


def document_from_json(text: str) -> ir.Document:
    import json

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not JSON: {exc.msg} at line {exc.lineno}") from None
    except RecursionError:
        raise InputError("JSON nested too deeply") from None
    if not isinstance(data, dict) or VERSION_KEY not in data:
        raise InputError(f"not a briefconv document (no {VERSION_KEY!r} key)")
    if data[VERSION_KEY] != FORMAT_VERSION:
        raise InputError(f"briefconv JSON version {data[VERSION_KEY]!r} is not supported (expected {FORMAT_VERSION})")
    if "\\ud" in text.lower():  # json.loads keeps a lone "\\udXXX" as a surrogate no writer can encode
        try:
            _refuse_half_characters(data, "")
        except RecursionError:
            raise InputError("JSON nested too deeply") from None
    return _dataclass(ir.Document, data, "", 0)


def _refuse_half_characters(data: Any, path: str) -> None:
    if isinstance(data, str):
        if any("\ud800" <= char <= "\udfff" for char in data):
            _fail(path, "a \\u escape gives half a surrogate pair, not a character")
    elif isinstance(data, dict):
        for key, value in data.items():
            _refuse_half_characters(key, path)
            _refuse_half_characters(value, f"{path}.{key}")
    elif isinstance(data, list):
        for index, value in enumerate(data):
            _refuse_half_characters(value, f"{path}[{index}]")


def read_json(data: bytes, options: Mapping[str, str]) -> ir.Document:
    from briefconv.textio import decode_text

    return document_from_json(decode_text(data))
