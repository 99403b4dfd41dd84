"""The IR's JSON form: lossless, versioned and strict about what it accepts."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings

from briefconv.errors import InputError
from briefconv.formats.irjson_reader import document_from_json
from briefconv.formats.irjson_writer import document_to_json

from test_fuzz import wild_documents
from test_markdown import RICH


def test_json_round_trip_is_lossless():
    assert document_from_json(document_to_json(RICH)) == RICH


def test_json_is_deterministic_and_versioned():
    text = document_to_json(RICH)
    assert text == document_to_json(RICH)
    assert json.loads(text)["briefconv-ir"] == 1


def test_sample_round_trip(sample_doc):
    assert document_from_json(document_to_json(sample_doc)) == sample_doc


@pytest.mark.parametrize("text, problem", [
    ("[]", "not a briefconv document"),
    ('{"briefconv-ir": 99}', "not supported"),
    ('{"briefconv-ir": 1, "blocks": [{"type": "nope"}]}', "known 'type'"),
    ('{"briefconv-ir": 1, "blocks": [{"type": "text", "text": "x"}]}', "not allowed here"),
    ('{"briefconv-ir": 1, "metadata": {"title": 5}}', "expected str"),
    ('{"briefconv-ir": 1, "metadata": {"colour": "red"}}', "unknown key"),
    ('{"briefconv-ir": 1, "blocks": [{"type": "heading", "children": []}]}', "missing a field"),
    ("{", "not JSON"),
    ('{"briefconv-ir": 1, "metadata": {"title": "A \\ud800 title"}}', r"metadata.title: a \\u escape gives half"),
    ('{"briefconv-ir": 1, "metadata": {"extra": {"k": "\\uDC00"}}}', r"metadata.extra.k: a \\u escape gives half"),
])
def test_malformed_json_is_an_input_error(text, problem):
    with pytest.raises(InputError, match=problem):
        document_from_json(text)


def test_an_escaped_surrogate_pair_is_one_character():
    document = document_from_json('{"briefconv-ir": 1, "metadata": {"title": "A \\ud83d\\ude00"}}')
    assert document.metadata.title == "A \U0001F600"


def test_deeply_nested_json_is_refused():
    inner = '{"type": "emphasis", "children": [' * 500 + "]}" * 500
    with pytest.raises(InputError):
        document_from_json('{"briefconv-ir": 1, "blocks": [{"type": "paragraph", "children": [%s]}]}' % inner)


@settings(max_examples=150, deadline=None)
@given(wild_documents())
def test_json_is_the_canonical_indented_sorted_form(document):
    # what `json.dumps(indent=2, sort_keys=True)` would print, so any JSON tool's
    # pretty-printer leaves a briefconv file unchanged
    text = document_to_json(document)
    assert text == json.dumps(json.loads(text), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    assert document_from_json(text) == document
