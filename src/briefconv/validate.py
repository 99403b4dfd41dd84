"""``briefconv validate``: check JATS XML against the official JATS 1.1 DTDs, offline.

The DTDs ship inside the package (``briefconv/data/jats-1.1``), so validation needs no
network.  The document itself is parsed as untrusted input: its DOCTYPE is read but
never followed, no entity is expanded and nothing is fetched; only the shipped DTD of
the chosen tag set is applied.  The tag set is the one given with ``--tagset``, else
the one the DOCTYPE names (Journal Publishing or Archiving), else Archiving.

Each problem is printed as ``FILE:LINE: message`` (``FILE: message`` when no line
applies), each valid file as ``FILE: valid``.  A missing or unreadable file, or one
that is not well-formed XML, is reported the same way and counts as invalid: the
command goes on with the other files and returns 1, it does not stop.
"""

from __future__ import annotations

import functools
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, TextIO

from briefconv.errors import EXIT_OK, EXIT_SOME_FAILED, InputError

if TYPE_CHECKING:
    from lxml import etree

TAGSETS = ("archiving", "publishing")
_DTD_FILES = {
    "archiving": "archiving/JATS-archivearticle1.dtd",
    "publishing": "publishing/JATS-journalpublishing1.dtd",
}
MAX_BYTES = 64 * 1024 * 1024
_PROLOG_BYTES = 1024 * 1024
_ENTITY_DECLARATION = re.compile(rb"<!DOCTYPE[^\[>]*\[.*?<!ENTITY", re.DOTALL)
_ENTITIES_REFUSED = ("the document declares XML entities, which briefconv refuses "
                     "(they can read local files or expand without end)")


@dataclass(frozen=True)
class Problem:
    """One validation error: ``line`` is 0 when it concerns the whole file."""

    line: int
    message: str


@functools.cache
def load_dtd(tagset: str) -> etree.DTD:
    """The parsed DTD of ``tagset`` ("archiving" or "publishing"), loaded once per process."""
    from importlib.resources import as_file, files

    from lxml import etree

    if tagset not in _DTD_FILES:
        raise ValueError(f"unknown JATS tag set {tagset!r} (known: {', '.join(TAGSETS)})")
    resource = files("briefconv") / "data" / "jats-1.1" / _DTD_FILES[tagset]
    # as_file gives a real path even from a zipped install; the DTD's modules are
    # found relative to it.  The DTD is ours, so reading its modules is safe.
    with as_file(resource.parent) as folder:
        return etree.DTD(str(Path(folder) / resource.name))


def safe_parser() -> etree.XMLParser:
    """A parser for untrusted XML: no DTD, no entities, no network, no huge trees."""
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           huge_tree=False, remove_comments=False)


def parse_untrusted(data: bytes) -> etree._ElementTree:
    """Parse ``data`` safely; a syntax error or an entity declaration raises InputError."""
    from lxml import etree

    # Refuse before parsing, so the message is the same whether or not libxml2's own
    # amplification guard would have caught the bomb; checked again after parsing
    # for encodings this byte pattern misses.
    if _ENTITY_DECLARATION.search(data[:_PROLOG_BYTES]):
        raise InputError(_ENTITIES_REFUSED)
    try:
        tree = etree.ElementTree(etree.fromstring(data, safe_parser()))
    except etree.XMLSyntaxError as exc:
        line = f" at line {exc.lineno}" if exc.lineno else ""
        raise InputError(f"not well-formed XML{line}: {exc.msg}") from None
    except ValueError as exc:  # e.g. an encoding declaration lxml refuses
        raise InputError(f"not readable as XML: {exc}") from None
    if declares_entities(tree):
        raise InputError(_ENTITIES_REFUSED)
    return tree


def declares_entities(tree: etree._ElementTree) -> bool:
    """Whether the internal DTD subset declares any entity (the XXE / billion-laughs vector)."""
    internal = tree.docinfo.internalDTD
    if internal is None:
        return False
    return next(iter(internal.iterentities()), None) is not None


def guess_tagset(tree: etree._ElementTree) -> str:
    """"publishing" when the DOCTYPE names the Journal Publishing DTD, else "archiving"."""
    docinfo = tree.docinfo
    declared = f"{docinfo.public_id or ''} {docinfo.system_url or ''}".lower()
    return "publishing" if "publishing" in declared else "archiving"


def validate_tree(tree: etree._ElementTree, tagset: str) -> list[Problem]:
    """Every DTD error in ``tree`` against ``tagset``, in document order."""
    dtd = load_dtd(tagset)
    if dtd.validate(tree):
        return []
    return [Problem(entry.line, entry.message) for entry in dtd.error_log]


def validate_bytes(data: bytes, tagset: str | None = None) -> tuple[str, list[Problem]]:
    """The tag set used and the problems found in the JATS document ``data``."""
    try:
        tree = parse_untrusted(data)
    except InputError as exc:
        return tagset or "archiving", [Problem(0, exc.message)]
    chosen = tagset or guess_tagset(tree)
    return chosen, validate_tree(tree, chosen)


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise InputError("no such file") from None
    except IsADirectoryError:
        raise InputError("is a folder, not a file") from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise InputError(f"larger than the {MAX_BYTES // (1024 * 1024)} MiB input limit")
    return data


def validate_files(files: Iterable[str], tagset: str | None = None, out: TextIO | None = None) -> int:
    """Validate each file, print its problems (or that it is valid); 0 when all are valid, else 1."""
    out = out or sys.stdout
    all_valid = True
    for path in files:
        try:
            _, problems = validate_bytes(_read(path), tagset)
        except InputError as exc:
            problems = [Problem(0, exc.message)]
        if not problems:
            print(f"{path}: valid", file=out)
            continue
        all_valid = False
        for problem in problems:
            where = f"{path}:{problem.line}" if problem.line else path
            print(f"{where}: {problem.message}", file=out)
    return EXIT_OK if all_valid else EXIT_SOME_FAILED
