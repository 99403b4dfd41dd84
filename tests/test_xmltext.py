"""XML escaping for the writers that build XML as text: exactly what lxml writes."""

from __future__ import annotations

import pytest
from lxml import etree

from briefconv.xmltext import escape_attribute, escape_text

AWKWARD = [
    "plain", "a & b", "<tag>", "x > y", 'say "hi"', "it's", "tab\there", "line\nbreak", "carriage\rreturn",
    "crlf\r\n", "]]>", "&amp; already", "emoji 😀 and ü", "\u00a0non-breaking", "",
]


@pytest.mark.parametrize("text", AWKWARD)
def test_text_and_attributes_are_escaped_as_lxml_writes_them(text):
    element = etree.Element("e", a=text)
    element.text = text
    assert etree.tostring(element, encoding="unicode") == f'<e a="{escape_attribute(text)}">{escape_text(text)}</e>'


@pytest.mark.parametrize("text", AWKWARD)
def test_a_parser_reads_back_the_very_text(text):
    element = etree.fromstring(f'<e a="{escape_attribute(text)}">{escape_text(text)}</e>')
    assert element.get("a") == text
    assert (element.text or "") == text
