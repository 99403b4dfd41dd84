"""A small on-disk cache for what is slow to work out and seldom changes.

Used for the installed plugins' entry points (:mod:`briefconv.entrypoints`), which
cost as much as a whole Markdown conversion to find and change only when a package is
installed or removed.  Each cache file starts with a key line naming what it was
computed from (paths, sizes, modification times, versions); a file whose key differs
is stale and is computed again.

The folder is ``$BRIEFCONV_CACHE_DIR``, else ``$XDG_CACHE_HOME/briefconv``, else
``~/.cache/briefconv``.  Set ``BRIEFCONV_NO_CACHE=1`` to neither read nor write it.
Writing is best effort and atomic: a read-only home, a full disk or two processes
racing cost a recomputation, never an error or a half-written file.
"""

from __future__ import annotations

import os


def enabled() -> bool:
    return not os.environ.get("BRIEFCONV_NO_CACHE")


def path(name: str) -> str:
    """Where the cache file ``name`` lives."""
    base = os.environ.get("BRIEFCONV_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "briefconv"
    )
    return os.path.join(base, name)


def read(name: str, key: str) -> bytes | None:
    """What was written under ``name`` for ``key``; None when absent, stale or disabled."""
    if not enabled():
        return None
    try:
        with open(path(name), "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    stored_key, newline, payload = data.partition(b"\n")
    if not newline or stored_key != _key_line(key):
        return None
    return payload


def write(name: str, key: str, payload: bytes) -> None:
    """Keep ``payload`` under ``name`` for ``key`` (best effort, see the module's docs)."""
    if not enabled():
        return
    target = path(name)
    tmp = f"{target}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(tmp, "wb") as handle:
            handle.write(_key_line(key) + b"\n" + payload)
        os.replace(tmp, target)
    except OSError:
        try:
            os.remove(tmp)
        except OSError:
            pass


def _key_line(key: str) -> bytes:
    return key.replace("\n", " ").encode("utf-8", "surrogateescape")
