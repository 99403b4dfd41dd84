"""Shared test fixtures: the real briefs in fixtures/ and a way to run the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SAMPLE = FIXTURES / "capss-in-focus-03-2026.txt"
CRS_HEARINGS = FIXTURES / "crs_98-317_committee_hearings_web_crlf.txt"
CRS_SPEAKER = FIXTURES / "crs_R44243_speaker_faq_wrapped70.txt"


def block_texts(blocks) -> list[str]:
    """The visible text of every paragraph and heading, at any depth, white space folded."""
    from briefconv import ir
    from briefconv.plaintext import plain_text

    out = []
    for block in blocks:
        if isinstance(block, (ir.Paragraph, ir.Heading)):
            out.append(" ".join(plain_text(block.children).split()))
        elif isinstance(block, ir.BlockQuote):
            out += block_texts(block.blocks)
        elif isinstance(block, ir.ListBlock):
            for item in block.items:
                out += block_texts(item)
    return [t for t in out if t]


@pytest.fixture(scope="session")
def sample_path() -> Path:
    return SAMPLE


@pytest.fixture(scope="session")
def sample_doc():
    """The sample brief as read by the plain-text reader."""
    import briefconv

    return briefconv.read(SAMPLE)


def run_cli(*args: str | os.PathLike, stdin: bytes | None = None, cwd=None, env=None) -> subprocess.CompletedProcess:
    """Run ``python -m briefconv ARGS`` in a fresh process, as a user would."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "briefconv", *map(str, args)],
        input=stdin,
        capture_output=True,
        cwd=cwd,
        env=full_env,
        timeout=300,
    )


@pytest.fixture
def cli():
    return run_cli
