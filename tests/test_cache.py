"""The on-disk cache (src/briefconv/cache.py): right answers or none, never an error."""

from __future__ import annotations

import os

import pytest

from briefconv import cache


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv("BRIEFCONV_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("BRIEFCONV_NO_CACHE", raising=False)
    return tmp_path / "cache"


def test_what_is_written_for_a_key_is_read_back_for_that_key_only(folder):
    cache.write("thing", "v1 /a/font.ttf 1234", b"payload\nwith lines\x00and bytes")
    assert cache.read("thing", "v1 /a/font.ttf 1234") == b"payload\nwith lines\x00and bytes"
    assert cache.read("thing", "v1 /a/font.ttf 1235") is None
    assert cache.read("other", "v1 /a/font.ttf 1234") is None
    assert os.listdir(folder) == ["thing"]  # no temporary file left beside it


def test_a_key_with_a_line_break_still_matches_itself_only(folder):
    cache.write("thing", "a\nb", b"x")
    assert cache.read("thing", "a\nb") == b"x"
    assert cache.read("thing", "a\nc") is None


def test_no_cache_neither_reads_nor_writes(folder, monkeypatch):
    cache.write("thing", "k", b"old")
    monkeypatch.setenv("BRIEFCONV_NO_CACHE", "1")
    assert cache.read("thing", "k") is None
    cache.write("thing", "k", b"new")
    monkeypatch.delenv("BRIEFCONV_NO_CACHE")
    assert cache.read("thing", "k") == b"old"


def test_a_folder_that_cannot_be_made_costs_nothing_but_the_cache(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("BRIEFCONV_CACHE_DIR", str(blocker / "cache"))
    monkeypatch.delenv("BRIEFCONV_NO_CACHE", raising=False)
    cache.write("thing", "k", b"x")  # no exception
    assert cache.read("thing", "k") is None
    assert sorted(os.listdir(tmp_path)) == ["not-a-folder"]


def test_the_folder_follows_xdg_when_not_set_itself(tmp_path, monkeypatch):
    monkeypatch.delenv("BRIEFCONV_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.path("thing") == str(tmp_path / "briefconv" / "thing")
