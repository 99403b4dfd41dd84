"""Decoding text input in the encodings briefs arrive in."""

import codecs
import warnings

import pytest

from briefconv.errors import BriefconvWarning
from briefconv.textio import decode_text

TEXT = "Lee Jae-Myung’s visit – “full-scale restoration”\nNext line"


def decode_quietly(data: bytes) -> tuple[str, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        text = decode_text(data)
    return text, [str(w.message) for w in caught if issubclass(w.category, BriefconvWarning)]


@pytest.mark.parametrize("data", [
    TEXT.encode("utf-8"),
    codecs.BOM_UTF8 + TEXT.encode("utf-8"),
    TEXT.encode("utf-16"),  # with BOM
    codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"),
    TEXT.replace("\n", "\r\n").encode("utf-8"),
    TEXT.replace("\n", "\r").encode("utf-8"),
])
def test_unicode_inputs_decode_exactly_and_silently(data):
    assert decode_quietly(data) == (TEXT, [])


def test_utf16_without_bom_is_detected_with_a_warning():
    text, warned = decode_quietly(TEXT.encode("utf-16-le"))
    assert text == TEXT and "UTF-16" in warned[0]


def test_cp1252_falls_back_with_a_warning():
    text, warned = decode_quietly(TEXT.encode("cp1252"))
    assert text == TEXT and "cp1252" in warned[0]


def test_anything_decodes():
    text, warned = decode_quietly(bytes(range(256)))
    assert len(text) == 256 and "Latin-1" in warned[0]
