"""Tests of the briefconv-smartquotes filter plugin, against the installed distribution."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import metadata

import pytest

from briefconv import ir
from briefconv.formats.irjson_writer import document_to_json

try:
    metadata.version("briefconv-smartquotes")
    from briefconv_smartquotes import smarten
except (metadata.PackageNotFoundError, ImportError):
    smarten = None


@pytest.fixture(autouse=True)
def plugin_installed():
    """A run that forgot to install the plugin fails here, test by test, saying so."""
    if smarten is None:
        pytest.fail("briefconv-smartquotes is not installed: pip install ./plugins/briefconv-smartquotes",
                    pytrace=False)

URL = "https://example.org/it's-a-path"


def run_briefconv(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "briefconv", *map(str, args)],
                          capture_output=True, text=True, timeout=120, env=dict(os.environ))


def quoted_document() -> ir.Document:
    return ir.Document(
        metadata=ir.Metadata(title='Lee\'s "practical" diplomacy'),
        blocks=(
            ir.Heading(1, (ir.Text("The 'One China' policy"),)),
            ir.Paragraph((ir.Text('Xi said, "Friends grow closer'), ir.NoteRef("fn1"),
                          ir.Text('" and Lee agreed.'))),
            ir.Paragraph((ir.Emphasis((ir.Text('"K-pop'),)), ir.Text('" in the \'90s'))),
        ),
        notes=(ir.Note("fn1", "1", (
            ir.Paragraph((ir.Text('Shin, "Lee and Xi," <'), ir.Link(URL, (ir.Text(URL),)), ir.Text(">."))),
        )),),
    )


def straighten(data):
    """``data`` (parsed JSON) with typographic quotes made straight again."""
    if isinstance(data, str):
        return data.translate(str.maketrans("\u201c\u201d\u2018\u2019", "\"\"''"))
    if isinstance(data, list):
        return [straighten(item) for item in data]
    if isinstance(data, dict):
        return {key: straighten(value) for key, value in data.items()}
    return data


def convert(tmp_path, *extra) -> tuple[subprocess.CompletedProcess, str]:
    source = tmp_path / "in.json"
    source.write_text(document_to_json(quoted_document()), encoding="utf-8")
    result = run_briefconv(source, "-t", "json", "-o", "-", *extra)
    assert result.returncode == 0, result.stderr
    return result, result.stdout


@pytest.mark.parametrize(("straight", "curly"), [
    ('"word"', "\u201cword\u201d"),
    ("'word'", "\u2018word\u2019"),
    ("Lee's visit", "Lee\u2019s visit"),
    ("the '90s", "the \u201990s"),
    ('("quoted")', "(\u201cquoted\u201d)"),
    ("\u201calready\u201d", "\u201calready\u201d"),
    ('said, "\'One China\'"', "said, \u201c\u2018One China\u2019\u201d"),
])
def test_quotes_open_and_close_by_context(straight, curly):
    assert smarten(straight) == curly


def test_the_filter_is_listed_by_briefconv_plugins():
    result = run_briefconv("plugins")
    assert "provides: filter:smartquotes" in result.stdout
    assert "smartquotes 0.1.0 (external)" in result.stdout


def test_output_is_unchanged_without_the_filter(tmp_path):
    _, output = convert(tmp_path)
    assert output == document_to_json(quoted_document())


def test_with_the_filter_only_the_quotes_change(tmp_path):
    result, output = convert(tmp_path, "--filter", "smartquotes")
    assert output != document_to_json(quoted_document())
    for curly in "\u201c\u201d\u2018\u2019":
        assert curly in output
    assert straighten(json.loads(output)) == json.loads(document_to_json(quoted_document()))
    data = json.loads(output)
    assert data["metadata"]["title"] == "Lee\u2019s \u201cpractical\u201d diplomacy"
    # a quote after a note mark closes; one at the start of emphasis opens and continues after it
    assert data["blocks"][1]["children"][2]["text"] == "\u201d and Lee agreed."
    assert data["blocks"][2]["children"][1]["text"] == "\u201d in the \u201990s"
    link = data["notes"][0]["blocks"][0]["children"][1]
    assert link["url"] == URL  # addresses are never touched


def test_markdown_output_changes_only_with_the_filter(tmp_path):
    if "md" not in run_briefconv("formats").stdout.split():
        pytest.skip("the Markdown writer (format md) is not installed")
    source = tmp_path / "in.json"
    source.write_text(document_to_json(quoted_document()), encoding="utf-8")
    plain = run_briefconv(source, "-t", "md", "-o", "-")
    smart = run_briefconv(source, "-t", "md", "-o", "-", "--filter", "smartquotes")
    assert plain.returncode == smart.returncode == 0, plain.stderr + smart.stderr
    assert "\u201cFriends grow closer" not in plain.stdout
    assert "\u201cFriends grow closer" in smart.stdout


def test_an_unknown_filter_name_is_a_usage_error(tmp_path):
    source = tmp_path / "in.json"
    source.write_text(document_to_json(quoted_document()), encoding="utf-8")
    result = run_briefconv(source, "-t", "json", "-o", "-", "--filter", "smartquote")
    assert result.returncode == 2
    assert "unknown filter 'smartquote'" in result.stderr and "smartquotes" in result.stderr
