"""The small Markdown tokenizer: whenever it answers, the document is markdown-it's.

``briefconv.formats.markdown_subset`` reads plain Markdown without importing
markdown-it and gives up on anything else.  These tests read the same text both ways
and compare the documents the reader builds (and the warnings it gives): for the
fixtures, for whatever the Markdown writer emits for random documents, and for random
soups of the fragments where Markdown is subtle.  They also check that it does answer
for the briefs it was made for, and that reading them then never imports markdown-it.
"""

from __future__ import annotations

import subprocess
import sys
import warnings

import pytest
from hypothesis import currently_in_test_context, event, given
from hypothesis import strategies as st

import briefconv
from briefconv.errors import InputError
from briefconv.formats import markdown_subset
from briefconv.formats.markdown_reader import _parser, _Reader
from conftest import FIXTURES, SAMPLE
from test_fuzz import FUZZ, quietly, tidy_documents, wild_documents


def read_with(tokens):
    """The document the reader builds from ``tokens`` (or its input error), and its warnings."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            outcome = _Reader(tokens).read()
        except InputError as error:
            outcome = f"InputError: {error}"
    return outcome, [str(w.message) for w in caught]


def check(text: str) -> bool:
    """Compares both readings when the small tokenizer answers; whether it did."""
    tokens = markdown_subset.tokenize(text)
    if currently_in_test_context():
        event("read by the subset" if tokens is not None else "left to markdown-it")
    if tokens is None:
        return False
    assert read_with(tokens) == read_with(_parser().parse(text)), text
    return True


def markdown_of(document) -> str:
    return quietly(briefconv.write, document, "md").decode("utf-8")


BRIEFS = [SAMPLE, *sorted(FIXTURES.glob("crs_*.txt"))]


@pytest.mark.parametrize("path", BRIEFS, ids=lambda p: p.name)
def test_the_briefs_markdown_is_read_without_markdown_it_and_the_same(path):
    assert check(markdown_of(quietly(briefconv.read, path)))


DOCUMENTS = [
    path for path in sorted(FIXTURES.iterdir())
    if path.suffix in (".txt", ".docx", ".xml") and not path.name.startswith(("jats-billion", "jats-xxe"))
]


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_every_fixture_as_markdown_reads_the_same_either_way(path):
    check(markdown_of(quietly(briefconv.read, path)))


def test_reading_a_briefs_markdown_never_imports_markdown_it(tmp_path):
    source = tmp_path / "brief.md"
    source.write_text(markdown_of(quietly(briefconv.read, SAMPLE)), encoding="utf-8")
    probe = (
        "import sys, briefconv\n"
        f"document = briefconv.read({str(source)!r})\n"
        "assert document.notes and document.metadata.title\n"
        "print(sorted(m for m in sys.modules if m.startswith(('markdown_it', 'mdit_py_plugins'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("text", [
    "Some *emphasis* and **strong** text[^1].\n\n[^1]: A note with a [link](https://example.org/a_b).\n",
    "---\ntitle: T\n---\n# Heading\nParagraph\nover two lines  \nwith a break\\\nand another.\n",
    "<https://example.org/path?q=1&r=2> and [Ibid.](#fn1)[^1]\n\n[^1]: See [^1].\n",
])
def test_plain_markdown_is_read_by_the_subset(text):
    assert check(text)


@pytest.mark.parametrize("text", [
    "- a list\n", "> a quote\n", "    code\n", "Setext\n===\n", "a `code` span\n", "snake_case\n",
    "x^2^\n", "H~2~O\n", "an ![image](i.png)\n", "&amp;\n", "[ref]\n\n[ref]: https://e.org\n",
    "a*b*c\n", "***x***\n", "*unclosed\n", "-- -\n", "a\n--\n", "[x](https://e.org \"title\")\n", "a\ttab\n",
    "[^1]\n", "text [^missing]\n", "<span>\n", "— *x*—\n", "# closing #\n",
])
def test_what_the_subset_does_not_read_goes_to_markdown_it(text):
    assert markdown_subset.tokenize(text) is None


# ------------------------------------------------------------------- random text


@FUZZ
@given(wild_documents())
def test_the_writers_markdown_for_any_document_reads_the_same(document):
    check(markdown_of(document))


@FUZZ
@given(tidy_documents())
def test_the_writers_markdown_for_tidy_documents_reads_the_same(document):
    check(markdown_of(document))


FRAGMENTS = [
    "word", "other words", "é", "Ω", "2", ".", ",", "(", ")", "!", "?", '"', "'", "-", "--", "+",
    "*", "**", "***", "\\", "\\*", "\\[", "\\\n", " ", "  ", "\n", "\n\n", "\r\n", "\u00a0", "\u2014", "\u201c",
    "#", "# ", "## ", "###### ", "####### ", "[", "]", "[^1]", "[^a]", "[^1]: ", "[^a]: ", "[^b]: ",
    "[x](#fn1)", "[y](https://e.org/a_b)", "[z](mailto:a@b.c)", "[w](javascript:x)", "](", "[t](",
    "<https://e.org/p>", "<http://E.ORG/%20>", "<", ">", "&", "&amp;", "& ", "---", "---\n", "...",
    "1. ", "1) ", "- ", "* ", "> ", "=", "_", "`", "^", "~", "\t", "a*", "*a", "(*", "*)",
]


# The fragments the subset reads, and a few it does not: more soups it answers for.
PLAIN_FRAGMENTS = [
    "word", " ", "  ", "\n", "\n\n", "é", ".", ",", "(", ")", "!", "-", "*", "**", "\\", "\\*", "\\\n",
    "# ", "## ", "[^1]", "[^a]", "[^1]: ", "[^a]: ", "[x](#fn1)", "[y](https://e.org/a_b)", "<https://e.org/p>",
    "]", "&", "a*", "*a", "(*", "*)", "---\n", "_", "\u00a0",
]


EMPHASIS_FRAGMENTS = ["a", "b c", " ", "\n", "*", "**", ".", ",", "(", ")", '"', "é", "2", "\\*", "[^1]", "<https://e.org>"]




def soup(fragments: list[str], size: int) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(fragments), max_size=size).map("".join)


def in_a_brief(before: str, after: str) -> str:
    return f"---\ntitle: T\n---\n\n# Head\n\nText {before}[^1] more *text*.\n\n[^1]: Note {after}\n"


def around_a_link(before: str, inside: str, after: str) -> str:
    return f"{before}[{inside}](https://e.org/x){after}\n\n[^1]: n\n"


@FUZZ
@given(soup(FRAGMENTS, 40))
def test_soups_of_markdown_fragments_read_the_same(text):
    check(text)


@FUZZ
@given(soup(PLAIN_FRAGMENTS, 40))
def test_soups_of_plain_fragments_read_the_same(text):
    check(text)


@FUZZ
@given(soup(FRAGMENTS, 12), soup(FRAGMENTS, 12))
def test_fragments_inside_a_brief_read_the_same(before, after):
    check(in_a_brief(before, after))


@FUZZ
@given(soup(EMPHASIS_FRAGMENTS, 16), soup(EMPHASIS_FRAGMENTS, 16), soup(EMPHASIS_FRAGMENTS, 16))
def test_emphasis_around_and_inside_links_reads_the_same(before, inside, after):
    check(around_a_link(before, inside, after))


def markdown_texts() -> st.SearchStrategy[str]:
    """All of the above in one strategy, for benchmarks/fuzz_long.py."""
    return st.one_of(
        soup(FRAGMENTS, 40), soup(PLAIN_FRAGMENTS, 40),
        st.builds(in_a_brief, soup(FRAGMENTS, 12), soup(FRAGMENTS, 12)),
        st.builds(around_a_link, *[soup(EMPHASIS_FRAGMENTS, 16)] * 3),
        wild_documents().map(markdown_of), tidy_documents().map(markdown_of),
    )
