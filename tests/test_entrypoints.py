"""The entry-point cache: fast when nothing changed, never stale when something did."""

from __future__ import annotations

import sys
from pathlib import Path

from briefconv import entrypoints


def make_dist(site, name, lines):
    info = site / f"{name}-1.0.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[briefconv]\n" + "".join(f"{l}\n" for l in lines))
    return info


def test_cache_follows_installs_edits_and_removals(tmp_path, monkeypatch):
    site = tmp_path / "site"
    monkeypatch.setenv("BRIEFCONV_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("BRIEFCONV_NO_CACHE", raising=False)
    monkeypatch.setattr(sys, "path", [str(site)])
    site.mkdir()

    assert entrypoints.find_entry_points("briefconv") == []
    info = make_dist(site, "bc-one", ["one = bc_one"])
    assert [ep.name for ep in entrypoints.find_entry_points("briefconv")] == ["one"]

    scans = []
    real_scan = entrypoints._scan
    monkeypatch.setattr(entrypoints, "_scan", lambda group: scans.append(group) or real_scan(group))
    assert [ep.name for ep in entrypoints.find_entry_points("briefconv")] == ["one"]
    assert scans == []  # answered from the cache

    import os
    entry_file = info / "entry_points.txt"
    entry_file.write_text("[briefconv]\nuno = bc_one:plugin\n")
    os.utime(entry_file, ns=(1, 1))  # a different mtime, whatever the clock's resolution
    assert [(ep.name, ep.value) for ep in entrypoints.find_entry_points("briefconv")] == [("uno", "bc_one:plugin")]

    import shutil
    shutil.rmtree(info)
    assert entrypoints.find_entry_points("briefconv") == []


def test_a_corrupt_cache_is_ignored(tmp_path, monkeypatch):
    monkeypatch.setenv("BRIEFCONV_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(sys, "path", [str(tmp_path / "site")])
    from briefconv import cache

    Path(cache.path(entrypoints._cache_name())).write_bytes(b"\xff\xfe garbage")
    assert entrypoints.find_entry_points("briefconv") == []


def test_load_resolves_module_and_attribute():
    ep = entrypoints.PluginEntryPoint("x", "briefconv.ir:Document", "briefconv", "0")
    from briefconv.ir import Document

    assert ep.load() is Document
