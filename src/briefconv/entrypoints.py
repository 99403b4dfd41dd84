"""Finding the plugins installed under the ``briefconv`` entry-point group, with a cache.

``importlib.metadata`` reads every installed distribution's metadata and costs tens of
milliseconds per run, more with every package installed: as much as a whole Markdown
conversion.  The answer only changes when a distribution's ``entry_points.txt`` does, so
it is cached in a small text file keyed by the path and modification time of every
``entry_points.txt`` on ``sys.path``.  Computing that key is a directory listing per
``sys.path`` entry and one ``stat`` per distribution.

The cache file lives where :mod:`briefconv.cache` keeps its files.
"""

from __future__ import annotations

import importlib
import os
import sys
import zlib
from typing import NamedTuple

from briefconv import cache

_SEP = "\t"


class PluginEntryPoint(NamedTuple):
    """One ``name = module:attr`` line of an installed distribution's entry points."""

    name: str
    value: str
    dist_name: str
    version: str

    def load(self) -> object:
        module_name, _, attrs = self.value.partition(":")
        obj: object = importlib.import_module(module_name.strip())
        for attr in attrs.split("[")[0].strip().split(".") if attrs.strip() else []:
            obj = getattr(obj, attr)
        return obj


def find_entry_points(group: str) -> list[PluginEntryPoint]:
    """The entry points of ``group`` in every installed distribution, in a stable order."""
    if not cache.enabled():
        return _scan(group)
    key = f"{group}{_SEP}{_environment_key()}"
    cached = _parse(cache.read(_cache_name(), key))
    if cached is not None:
        return cached
    found = _scan(group)
    cache.write(_cache_name(), key, _format(found))
    return found


def _scan(group: str) -> list[PluginEntryPoint]:
    from importlib.metadata import entry_points

    seen = []
    for ep in entry_points(group=group):
        dist = getattr(ep, "dist", None)
        seen.append(PluginEntryPoint(
            ep.name, ep.value,
            dist.name if dist else "an unknown package",
            dist.version if dist else "?",
        ))
    return seen


def _environment_key() -> str:
    """Changes whenever a distribution's entry points may have: installs, removals, edits."""
    parts = []
    for entry in sys.path:
        try:
            listing = os.scandir(entry or ".")
        except OSError:
            continue
        with listing:
            for item in listing:
                if item.name.endswith((".dist-info", ".egg-info")):
                    try:
                        mtime = os.stat(os.path.join(item.path, "entry_points.txt")).st_mtime_ns
                    except OSError:
                        continue
                    parts.append(f"{item.path}@{mtime}")
    return str(zlib.crc32("\n".join(sorted(parts)).encode("utf-8", "surrogateescape")))


def _cache_name() -> str:
    # one file per interpreter environment: each venv has its own plugins
    interpreter = zlib.crc32(sys.prefix.encode("utf-8", "surrogateescape"))
    return f"entry-points-{interpreter:08x}.tsv"


def _parse(payload: bytes | None) -> list[PluginEntryPoint] | None:
    if payload is None:
        return None
    try:
        lines = payload.decode("utf-8").split("\n")
    except UnicodeDecodeError:
        return None
    return [PluginEntryPoint(*fields) for fields in (line.split(_SEP) for line in lines) if len(fields) == 4]


def _format(found: list[PluginEntryPoint]) -> bytes:
    lines = [_SEP.join((ep.name, ep.value, ep.dist_name, ep.version)) for ep in found]
    return "\n".join(lines).encode("utf-8")
