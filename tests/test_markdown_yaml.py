"""The Markdown format's own YAML block, read and written (src/briefconv/formats/markdown_yaml.py).

Its promise is that it never reads a block differently from PyYAML: whenever it
answers, PyYAML gives the same value; everything else goes to PyYAML.
"""

from __future__ import annotations

import pytest
import yaml
from hypothesis import event, given, settings
from hypothesis import strategies as st

from briefconv import ir
from briefconv.errors import InputError
from briefconv.formats import markdown_yaml
from briefconv.formats.markdown_writer import write_markdown


def answer_of_the_small_reader(source: str):
    """The small reader's value, or the sentinel ``PYYAML`` when it hands over."""
    try:
        return markdown_yaml._read_plain_block(source)
    except markdown_yaml._NotPlain:
        return PYYAML


PYYAML = object()


def front_matter(document: ir.Document) -> str:
    markdown = write_markdown(document, {}).decode("utf-8")
    return markdown.split("---\n")[1]


def test_the_sample_briefs_block_is_read_without_pyyaml(sample_doc):
    source = front_matter(sample_doc)
    assert answer_of_the_small_reader(source) is not PYYAML
    assert answer_of_the_small_reader(source) == yaml.safe_load(source)


def test_reading_the_markdown_the_writer_emits_never_imports_pyyaml(sample_doc, tmp_path):
    import subprocess
    import sys

    brief = tmp_path / "brief.md"
    brief.write_bytes(write_markdown(sample_doc, {}))
    code = (
        "import sys, briefconv\n"
        f"document = briefconv.read({str(brief)!r})\n"
        "print(document.metadata.title is not None, 'yaml' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["True", "False"]


@pytest.mark.parametrize("source", [
    "title: &x a\nsub: *x\n",     # anchor and alias
    "stamp: 2026-01-23 10:00:00\n",  # a timestamp to PyYAML
    "f: 1.5\n", "o: 012\n", "h: 0x1F\n", "u: 1_000\n", "t: !!str a\n",
    "k: [a, [b]]\n", "k: [a: b]\n", "k: [a,]\n", "k: {a: 1}\n", "k: [a, 'q']\n",  # flow beyond plain items
    "k: [a,\n  b]\n",            # a flow sequence over two lines
    "title: a\n  continued\n",     # a plain scalar over two lines
    "title: |\n  block\n",         # block scalar
    "title: a # comment\n",
    "yes: a\n",                    # a key PyYAML reads as True
    "title:\ttab\n",
    "title: 'open\n",
    'title: "\\q"\n',              # an escape PyYAML refuses
])
def test_whatever_pyyaml_might_read_otherwise_goes_to_pyyaml(source):
    assert answer_of_the_small_reader(source) is PYYAML


def test_a_block_nested_deeper_than_the_small_reader_can_follow_goes_to_pyyaml(monkeypatch):
    source = "".join(" " * depth + "k:\n" for depth in range(300))

    def too_deep(source):
        raise RecursionError

    monkeypatch.setattr(markdown_yaml, "_read_plain_block", too_deep)
    assert markdown_yaml.load(source) == yaml.safe_load(source)


def test_a_block_pyyaml_refuses_is_an_input_error_with_its_line():
    # the unclosed "[x" fails on the block's third line: the Markdown file's fourth
    with pytest.raises(InputError, match="line 4"):
        markdown_yaml.load("title: a\nkeywords: [x\nb: c\n")


@pytest.mark.parametrize("source", ['title: "\\U00110000"\n', "date: 2026-02-30\n"])
def test_an_escape_or_a_date_out_of_range_is_an_input_error(source):
    with pytest.raises(InputError, match="out of range"):
        markdown_yaml.load(source)


@pytest.mark.parametrize("source", ['title: "\\ud83d\\ude00 A"\n', 'title: [a, "\\ud83d\\ude00"]\nx: {"\\ud83d\\ude00": 1}\n'])
def test_an_escaped_surrogate_pair_is_read_as_one_character(source):
    value = markdown_yaml.load(source)
    assert "\U0001F600" in str(value)
    assert not any(0xD800 <= ord(char) <= 0xDFFF for char in str(value))


@pytest.mark.parametrize("source", ['title: "Bad \\ud800 title"\n', 'title: [a, "\\udc00"]\n'])
def test_half_a_surrogate_pair_is_an_input_error(source):
    with pytest.raises(InputError, match="half a surrogate pair"):
        markdown_yaml.load(source)


def test_hand_written_front_matter_is_read_as_pyyaml_reads_it_without_pyyaml():
    source = ("title: A Brief\nauthor: [Ann Lee, Bo Kim]\ndate: 2026-03-04\nkeywords: [trade, 2026, yes]\n"
              "draft: false\nseries:\n  name: In Focus\n  number: 3\nabstract: ~\n")
    answer = answer_of_the_small_reader(source)
    assert answer is not PYYAML
    assert answer == yaml.safe_load(source)


# --------------------------------------------------- against PyYAML, on random blocks

GOOD_KEYS = st.sampled_from(["title", "a", "x-y", "_k", "Title", "a_b", "author", "name"])
BAD_KEYS = st.sampled_from(["yes", "No", "null", "on", "1a", "key ", "é"])


def mostly(usual: st.SearchStrategy, rare: st.SearchStrategy) -> st.SearchStrategy:
    """``usual`` nineteen times in twenty, so that whole blocks often stay in the small reader."""
    return st.integers(0, 19).flatmap(lambda n: rare if n == 0 else usual)


KEYS = mostly(GOOD_KEYS, BAD_KEYS)
TRICKY_SCALARS = [
    "plain", "two words", "'q''s'", "'open", '"d\\n"', '"\\x41\\u00e9\\U0001F600"', '"\\q"', '"a\\"b"',
    "yes", "True", "~", "null", "12", "1.5", "-3", ".inf", "2026-01-23", "a: b", "a #b", "a#b",
    "http://x.org/a?b=c", "[a]", "{a: 1}", "{}", "&x a", "*x", "!t a", "|", ">", "%d", "@a", "`a",
    "<<", "=", "- a", "a:", "é – ü", "std::vector", "a ,b", "'' ", '"" ', "'a' 'b'", "x\\y",
    "0", "012", "+5", "-0", "1_000", "0x1F", "1:20", "NULL", "Off", "ON", "y", "2026-02-30", "2026-1-2",
    "2026-01-23 10:00:00", "2026-01-23T10:00:00Z", "[a, b]", "[1, yes, x, ~]", "[]", "[ ]", "[a,]", "[a: b]",
    "[http://x]", "[a, 'q']", "[a, [b]]", "[2026-01-23, 12]", "[a #b]", "[-1, +2]", "[.5]",
]
words = st.from_regex(r"[A-Za-z][A-Za-z ,.;()/'é–-]{0,15}", fullmatch=True)
scalars = mostly(words, st.one_of(
    st.sampled_from(TRICKY_SCALARS),
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\n"), max_size=12),
))


LINE_SHAPES = {  # one line of a block, without its indentation
    "pair": lambda draw: f"{draw(KEYS)}: {draw(scalars)}",
    "open": lambda draw: f"{draw(KEYS)}:",
    "item": lambda draw: f"- {draw(scalars)}",
    "item-pair": lambda draw: f"- {draw(KEYS)}: {draw(scalars)}",
    "dash": lambda draw: "-",
    "comment": lambda draw: f"# {draw(scalars)}",
}


@st.composite
def yaml_lines(draw) -> str:
    if draw(st.integers(0, 7)) == 0:
        return ""
    indent = " " * draw(st.sampled_from([0, 0, 0, 1, 2, 2, 3, 4]))
    shape = draw(st.sampled_from(["pair", "pair", *LINE_SHAPES]))
    return indent + LINE_SHAPES[shape](draw)


def check_against_pyyaml(lines: list[str]) -> None:
    """Whenever the small reader answers for the block, PyYAML reads it and agrees."""
    source = "\n".join(lines) + "\n"
    answer = answer_of_the_small_reader(source)
    event("read by the small reader" if answer is not PYYAML else "handed to PyYAML")
    if answer is PYYAML:
        return
    try:
        expected = yaml.safe_load(source)
    except (yaml.YAMLError, ValueError) as exc:
        raise AssertionError(f"the small reader read {source!r} as {answer!r}; PyYAML refuses it: {exc}")
    assert answer == expected, source


@settings(max_examples=1500, deadline=None)
@given(st.lists(yaml_lines(), min_size=1, max_size=8))
def test_whenever_it_answers_pyyaml_gives_the_same_value(lines):
    check_against_pyyaml(lines)


@st.composite
def nested_blocks(draw, depth: int = 0, indent: int = 0) -> list[str]:
    """Block mappings and sequences nested up to three deep, laid out in YAML's several ways."""
    pad = " " * indent
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 4))):
        key = draw(KEYS)
        shape = draw(st.sampled_from(["scalar", "scalar", "mapping", "sequence"] if depth < 3 else ["scalar"]))
        if shape == "scalar":
            lines.append(f"{pad}{key}: {draw(scalars)}")
            continue
        lines.append(f"{pad}{key}:")
        step = draw(st.sampled_from([1, 2, 4]))
        if shape == "mapping":
            lines += draw(nested_blocks(depth + 1, indent + step))
            continue
        item_pad = pad + " " * draw(st.sampled_from([0, step]))  # indentless or indented
        for _ in range(draw(st.integers(1, 3))):
            if draw(st.booleans()):
                lines.append(f"{item_pad}- {draw(scalars)}")
            else:
                inner = draw(nested_blocks(depth + 1, len(item_pad) + 2))
                lines.append(f"{item_pad}- {inner[0].lstrip(' ')}")
                lines += inner[1:]
    return lines


@settings(max_examples=1000, deadline=None)
@given(nested_blocks())
def test_on_nested_blocks_it_answers_as_pyyaml_does(lines):
    check_against_pyyaml(lines)


text = st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=30)


@settings(max_examples=500, deadline=None)
@given(title=text, keyword=text, name=text, extra_key=st.from_regex(r"[a-z][a-z-]{0,8}", fullmatch=True),
       extra_value=text)
def test_the_blocks_the_writer_emits_read_the_same_as_with_pyyaml(title, keyword, name, extra_key, extra_value):
    meta = ir.Metadata(title=title, keywords=(keyword, "South Korea"), date="2026-01-23",
                       authors=(ir.Author(name=name, affiliations=(keyword,), role="Fellow"),),
                       series=ir.Series("In Focus", "03/2026"), extra={extra_key: extra_value})
    source = front_matter(ir.Document(metadata=meta))
    check_against_pyyaml(source.split("\n")[:-1])
    assert markdown_yaml.load(source) == yaml.safe_load(source)
