"""The YAML metadata block of a Markdown brief, written and read without PyYAML.

Importing PyYAML takes about 20 ms, a fifth of a whole Markdown conversion, while the
block the Markdown writer emits (and most that people write by hand) uses a sliver of
YAML: block mappings and sequences, one scalar per line (plain or quoted), and
one-line flow sequences such as ``keywords: [a, b]``.  :func:`dump` writes that
sliver; :func:`load` reads it and hands anything else to ``yaml.safe_load``.  Both
sides ask :func:`_plain_string` which text may stand unquoted, so what the writer
leaves plain the reader takes as it is.

The promise: whenever the small reader returns a value, it is the value PyYAML
returns.  Plain scalars are resolved as PyYAML resolves them where that is simple
(null, booleans, decimal integers, ``YYYY-MM-DD`` dates); for everything PyYAML might
read differently it gives up rather than guess: floats, octal, hexadecimal and
sexagesimal numbers, timestamps with a time, flow mappings, nested or multi-line
flow sequences, anchors, tags, block scalars, multi-line scalars, comments after a
value, tabs and quoted keys.  tests/test_markdown_yaml.py holds it to the promise
against PyYAML on random blocks.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from briefconv.errors import InputError


class _NotPlain(Exception):
    """Raised inside the small reader when PyYAML must decide."""


_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*):(?: +|$)")
_LONGEST_KEY = 1000  # PyYAML refuses a key past 1024 characters ("could not find expected ':'")
# Controls, tabs, lone surrogates and non-characters (PyYAML refuses some, reads others
# in its own way), and the characters YAML takes for line breaks or a byte-order mark.
# Listed rather than negated: the negated class cost 3 ms to compile.
_UNUSUAL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")
_PLAIN_START_REFUSED = set("-?:,[]{}#&*!|>'\"%@`+.0123456789<~= ")
_RESOLVED_WORDS = {"yes", "no", "true", "false", "on", "off", "null", "y", "n"}
# The plain scalars PyYAML resolves to something else that are read here as it does:
_NULLS = {"~", "null", "Null", "NULL"}
_BOOLEANS = {word: value for value, words in ((True, "yes Yes YES true True TRUE on On ON"),
                                              (False, "no No NO false False FALSE off Off OFF"))
             for word in words.split()}
_DECIMAL = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_FLOW_SEQUENCE = re.compile(r"\[([^\[\]{}#'\"]*)\] *$")
_DOUBLE_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)" *$')
_SINGLE_QUOTED = re.compile(r"'((?:[^']|'')*)' *$")
_ESCAPES = {
    "0": "\x00", "a": "\x07", "b": "\x08", "t": "\t", "n": "\n", "v": "\x0b", "f": "\x0c",
    "r": "\r", "e": "\x1b", " ": " ", '"': '"', "\\": "\\", "/": "/", "N": "\x85",
    "_": "\xa0", "L": "\u2028", "P": "\u2029",
}
_CODE_LENGTHS = {"x": 2, "u": 4, "U": 8}
_SURROGATE = re.compile("[\ud800-\udfff]")


def load(source: str) -> Any:
    """The value of the YAML block ``source``, as ``yaml.safe_load`` gives it.

    Raises InputError for a block PyYAML cannot read, naming the line of the
    Markdown file (the block starts on line 2, after its opening ``---``).
    """
    try:
        value = _read_plain_block(source)
    except (_NotPlain, RecursionError):  # nesting too deep for this reader: PyYAML decides
        value = _load_with_pyyaml(source)
    if "\\" in source:  # "\\ud83d\\ude00" is read as two UTF-16 halves, not one character
        value = _whole_characters(value)
    return value


def _whole_characters(value: Any) -> Any:
    """``value`` with its escaped surrogate pairs joined into characters.

    Both readers leave each ``\\uD8xx``/``\\uDCxx`` escape a lone surrogate, which no
    writer can encode.  As in JSON, a high and a low half make one character; a half
    alone stands for nothing and is refused.
    """
    if isinstance(value, str):
        if not _SURROGATE.search(value):
            return value
        try:
            return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
        except UnicodeDecodeError:
            raise InputError("invalid YAML metadata block: a \\u escape gives half a surrogate pair, "
                             "not a character") from None
    if isinstance(value, dict):
        return {_whole_characters(key): _whole_characters(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_whole_characters(item) for item in value]
    return value


def _load_with_pyyaml(source: str) -> Any:
    import yaml

    try:
        return yaml.safe_load(source)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark else ""
        raise InputError(f"invalid YAML metadata block{where}") from None
    except ValueError:  # PyYAML hands out-of-range values to chr() and datetime.date()
        raise InputError("invalid YAML metadata block: a date or character escape out of range") from None


def _read_plain_block(source: str) -> Any:
    if _UNUSUAL.search(source):
        raise _NotPlain
    lines = [(len(line) - len(line.lstrip(" ")), line.lstrip(" "))
             for line in source.split("\n") if line.strip(" ") and not line.lstrip(" ").startswith("#")]
    if not lines:
        return None
    if lines[0][1].startswith(("---", "...")) or lines[0][0] != 0:
        raise _NotPlain
    value, end = _node(lines, 0, 0)
    if end != len(lines):
        raise _NotPlain
    return value


def _node(lines: list[tuple[int, str]], start: int, indent: int) -> tuple[Any, int]:
    """The mapping or sequence whose lines start at ``start``, all at column ``indent``."""
    if _is_item(lines[start][1]):
        return _sequence(lines, start, indent)
    return _mapping(lines, start, indent)


def _is_item(text: str) -> bool:
    return text == "-" or text.startswith("- ")


def _mapping(lines: list[tuple[int, str]], start: int, indent: int) -> tuple[dict, int]:
    mapping: dict[str, Any] = {}
    index = start
    while index < len(lines) and lines[index][0] == indent and not _is_item(lines[index][1]):
        text = lines[index][1]
        match = _KEY.match(text)
        if match is None or match.group(1).lower() in _RESOLVED_WORDS or len(match.group(1)) > _LONGEST_KEY:
            raise _NotPlain
        rest = text[match.end():]
        index += 1
        if rest:
            mapping[match.group(1)] = _scalar(rest)
        elif index < len(lines) and (lines[index][0] > indent or
                                     (lines[index][0] == indent and _is_item(lines[index][1]))):
            mapping[match.group(1)], index = _node(lines, index, lines[index][0])
        else:
            mapping[match.group(1)] = None
    if index < len(lines) and lines[index][0] > indent:
        raise _NotPlain  # a continuation line, or an indentation PyYAML must judge
    return mapping, index


def _sequence(lines: list[tuple[int, str]], start: int, indent: int) -> tuple[list, int]:
    items: list[Any] = []
    index = start
    while index < len(lines) and lines[index][0] == indent and _is_item(lines[index][1]):
        rest = lines[index][1][1:]
        content = rest.lstrip(" ")
        if not content or _is_item(content):
            raise _NotPlain
        if _KEY.match(content):
            # "- key: value": the item is a mapping whose keys align under the first one
            column = indent + 1 + len(rest) - len(content)
            lines[index] = (column, content)
            item, index = _mapping(lines, index, column)
            items.append(item)
        else:
            items.append(_scalar(content))
            index += 1
    if index < len(lines) and lines[index][0] > indent:
        raise _NotPlain
    return items, index


def _scalar(text: str) -> Any:
    """A one-line scalar or flow sequence as PyYAML reads it, or _NotPlain."""
    if text[0] == "'":
        match = _SINGLE_QUOTED.match(text)
        if match is None:
            raise _NotPlain
        return match.group(1).replace("''", "'")
    if text[0] == '"':
        match = _DOUBLE_QUOTED.match(text)
        if match is None:
            raise _NotPlain
        return _unescape(match.group(1))
    if text[0] == "[":
        return _flow_sequence(text)
    return _plain(text.rstrip(" "))


def _flow_sequence(text: str) -> list:
    """``[a, b, 3]`` on one line, its items plain scalars (anything else goes to PyYAML)."""
    match = _FLOW_SEQUENCE.match(text)
    if match is None:
        raise _NotPlain
    inner = match.group(1).strip(" ")
    if not inner:
        return []
    items = [item.strip(" ") for item in inner.split(",")]
    if not all(items) or any(":" in item for item in items):
        raise _NotPlain  # an empty item, or a mapping (or a colon PyYAML may refuse) inside
    return [_plain(item) for item in items]


def _plain(plain: str) -> Any:
    """A plain scalar resolved as PyYAML resolves it, for the forms read here."""
    if plain in _NULLS:
        return None
    if plain in _BOOLEANS:
        return _BOOLEANS[plain]
    if _DECIMAL.fullmatch(plain):
        return int(plain)
    if _DATE.fullmatch(plain):
        return _date(plain)
    if not _plain_string(plain):
        raise _NotPlain
    return plain


def _plain_string(text: str) -> bool:
    """Whether ``text``, written unquoted, is read by PyYAML as that very string: the
    writer's test for leaving it plain and the reader's for taking it as it is.  (It
    also refuses some text PyYAML would read as itself, such as ``<x``: safe both ways.)"""
    return (text != "" and text == text.strip() and text[0] not in _PLAIN_START_REFUSED
            and text.lower() not in _RESOLVED_WORDS
            and ": " not in text and " #" not in text and not text.endswith(":"))


def _date(text: str):
    import datetime

    try:
        return datetime.date(int(text[:4]), int(text[5:7]), int(text[8:10]))
    except ValueError:
        raise _NotPlain from None  # not a day of the calendar: PyYAML says so


def _unescape(body: str) -> str:
    parts: list[str] = []
    index = 0
    while True:
        slash = body.find("\\", index)
        if slash == -1:
            parts.append(body[index:])
            return "".join(parts)
        parts.append(body[index:slash])
        code = body[slash + 1]
        if code in _ESCAPES:
            parts.append(_ESCAPES[code])
            index = slash + 2
            continue
        length = _CODE_LENGTHS.get(code)
        digits = body[slash + 2:slash + 2 + length] if length else ""
        if not length or len(digits) != length or not all(c in "0123456789abcdefABCDEF" for c in digits):
            raise _NotPlain
        value = int(digits, 16)
        if value > 0x10FFFF:
            raise _NotPlain
        parts.append(chr(value))
        index = slash + 2 + length


# ------------------------------------------------------------------------ writing


def dump(value: dict) -> str:
    """``value`` (strings, lists and mappings) as a YAML block that PyYAML and pandoc
    both read back as ``value``."""
    return "".join(_lines(value, 0))


def _lines(value: Any, indent: int) -> Iterable[str]:
    pad = " " * indent
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)):
                yield f"{pad}{_written(str(key))}:\n"
                yield from _lines(item, indent + 2 if isinstance(item, dict) else indent)
            else:
                yield f"{pad}{_written(str(key))}: {_written(str(item))}\n"
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and not item:
                yield f"{pad}- {{}}\n"
            elif isinstance(item, dict):
                # the first key shares the dash's line; the rest align under it
                first, *rest = list(_lines(item, indent + 2))
                yield f"{pad}- {first[indent + 2:]}"
                yield from rest
            else:
                yield f"{pad}- {_written(str(item))}\n"


def _written(text: str) -> str:
    """``text`` as a scalar: plain when it can be, else single-quoted, or double-quoted
    with escapes when it holds a line break or a character that must not stand bare."""
    if "\n" in text or _UNUSUAL.search(text):
        return '"' + "".join(_escaped(char) for char in text) + '"'
    return text if _plain_string(text) else "'" + text.replace("'", "''") + "'"


def _escaped(char: str) -> str:
    if char in '\\"':
        return "\\" + char
    if char == "\n" or _UNUSUAL.match(char):
        return f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08x}"
    return char
