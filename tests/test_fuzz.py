"""Fuzzing every reader and writer with hypothesis (issue 9).

Three kinds of input:

* bytes: random bytes, and valid files of each format with random edits (for DOCX
  also valid zips whose XML parts are mutated element by element), fed straight to each
  reader.  A reader may only succeed or raise :class:`~briefconv.errors.InputError`;
  anything else (even one the API would turn into an InputError) is a bug.
* wild documents: any valid IR, control characters, dangling note references, empty
  lists and all.  Every writer must write it (``jats_publishing`` may ask for missing
  metadata) and every reader must read back what its writer wrote.
* tidy documents: IR as a reader could produce it (merged, trimmed text; notes
  referenced once and in order).  Written and read back it must round-trip: JSON
  exactly, Markdown and JATS exactly after applying the losses their module docstrings
  list, DOCX in its text, headings and notes.

The budget is small here (CI); ``benchmarks/fuzz_long.py`` runs the same checks with
the same strategies for as long as one likes.  Set ``BRIEFCONV_FUZZ_EXAMPLES`` to
change the number of examples per test.
"""

from __future__ import annotations

import copy
import dataclasses
import io
import os
import re
import warnings
import zipfile
from functools import lru_cache
from typing import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import briefconv
from briefconv import ir
from briefconv.errors import BriefconvWarning, InputError, MissingMetadataError, UsageError
from briefconv.plugins import get_registry

EXAMPLES = int(os.environ.get("BRIEFCONV_FUZZ_EXAMPLES", "120"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=bool(os.environ.get("CI")),  # CI must not fail on an example nobody can rerun
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)

READERS = ("txt", "md", "json", "jats", "docx")
ROUND_TRIP_WRITERS = ("json", "md", "jats", "docx")


def all_writers() -> tuple[str, ...]:
    """Every registered writer, plugins such as html included."""
    registry = get_registry()
    return tuple(sorted(name for name, fmt in registry.formats.items() if fmt.writer))


def reader(name: str) -> Callable[[bytes, dict], ir.Document]:
    return get_registry().reader(name).reader  # type: ignore[return-value]


def writer(name: str) -> Callable[[ir.Document, dict], bytes]:
    return get_registry().writer(name).writer  # type: ignore[return-value]


def quietly(function, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BriefconvWarning)
        return function(*args)


# ========================================================================== checks


def check_reader_on_bytes(fmt: str, data: bytes) -> bool:
    """The reader returns a Document or raises InputError: nothing else.  True if it read."""
    try:
        document = quietly(reader(fmt), data, {})
    except InputError:
        return False
    assert isinstance(document, ir.Document)
    assert len({note.id for note in document.notes}) == len(document.notes), "duplicate note ids"
    return True


def check_writers_never_fail(document: ir.Document) -> None:
    """Every writer writes any valid document; what md/json/jats/docx wrote reads back."""
    for fmt in all_writers():
        try:
            data = quietly(writer(fmt), document, {})
        except MissingMetadataError:
            assert fmt == "jats_publishing"
            continue
        except UsageError as exc:  # a writer option in metadata.extra with a wrong value
            assert {"papersize", "notes"} & set(document.metadata.extra), exc
            continue
        assert isinstance(data, bytes) and data
        if fmt in READERS:
            back = quietly(reader(fmt), data, {})
            assert isinstance(back, ir.Document)


def check_round_trip(fmt: str, document: ir.Document) -> None:
    data = quietly(writer(fmt), document, {})
    back = quietly(reader(fmt), data, {})
    if fmt == "json":
        assert back == document
    elif fmt == "md":
        assert tidy(back) == tidy(as_markdown_keeps(document))
        assert quietly(writer(fmt), back, {}) == quietly(writer(fmt), as_markdown_keeps(document), {})
    elif fmt == "jats":
        assert tidy(back) == tidy(as_jats_keeps(document))
    elif fmt == "docx":
        assert block_texts(back.blocks + back.back) == block_texts(document.blocks + document.back)
        assert headings(back) == headings(document)
        assert len(back.notes) == len(document.notes)
        assert [block_texts(n.blocks) for n in back.notes] == [block_texts(n.blocks) for n in document.notes]
    else:
        raise AssertionError(f"no round trip defined for {fmt}")


# ============================================================ what each format keeps


def _map_inlines(inlines, function) -> tuple:
    out = []
    for node in inlines:
        if hasattr(node, "children"):
            node = dataclasses.replace(node, children=_map_inlines(node.children, function))
        out.extend(function(node))
    return tuple(out)


def _map_blocks(blocks, inline_function=None, block_function=None) -> tuple:
    out = []
    for block in blocks:
        if isinstance(block, (ir.Paragraph, ir.Heading)) and inline_function:
            block = dataclasses.replace(block, children=_map_inlines(block.children, inline_function))
        elif isinstance(block, ir.BlockQuote):
            block = ir.BlockQuote(_map_blocks(block.blocks, inline_function, block_function))
        elif isinstance(block, ir.ListBlock):
            block = dataclasses.replace(
                block, items=tuple(_map_blocks(item, inline_function, block_function) for item in block.items))
        out.extend(block_function(block) if block_function else (block,))
    return tuple(out)


def _map_document(document: ir.Document, inline_function=None, block_function=None) -> ir.Document:
    def blocks(b):
        return _map_blocks(b, inline_function, block_function)

    return dataclasses.replace(
        document,
        blocks=blocks(document.blocks),
        back=blocks(document.back),
        notes=tuple(dataclasses.replace(n, blocks=blocks(n.blocks)) for n in document.notes),
    )


def plain(inlines) -> str:
    parts = []
    for node in inlines:
        if isinstance(node, ir.Text):
            parts.append(node.text)
        elif isinstance(node, ir.LineBreak):
            parts.append("\n")
        elif hasattr(node, "children"):
            parts.append(plain(node.children))
    return "".join(parts)


def as_markdown_keeps(document: ir.Document) -> ir.Document:
    """``document`` less what the Markdown docstring says is lost."""
    def flatten_scripts(node):
        if isinstance(node, (ir.Superscript, ir.Subscript)):
            return (type(node)((ir.Text(plain(node.children)),)),)
        return (node,)

    def cap_heading(block):
        if isinstance(block, ir.Heading) and block.level > 6:
            return (dataclasses.replace(block, level=6),)
        return (block,)

    document = _map_document(document, flatten_scripts, cap_heading)
    notes = tuple(dataclasses.replace(n, kind="endnote") for n in document.notes)
    return dataclasses.replace(document, blocks=document.blocks + document.back, back=(), notes=notes)


def as_jats_keeps(document: ir.Document) -> ir.Document:
    """``document`` less what the JATS docstring says the writer or reader loses."""
    def line_break_to_space(node):
        return (ir.Text(" "),) if isinstance(node, ir.LineBreak) else (node,)

    blocks = _map_blocks(document.blocks, line_break_to_space)
    back = _map_blocks(document.back, line_break_to_space)
    notes = tuple(dataclasses.replace(n, blocks=_map_blocks(n.blocks, line_break_to_space)) for n in document.notes)
    extra = {k: v for k, v in document.metadata.extra.items() if k == "article-type"}
    keywords = tuple(dict.fromkeys(document.metadata.keywords))  # the writer keeps each once
    metadata = dataclasses.replace(document.metadata, extra=extra, keywords=keywords)
    return ir.Document(metadata, blocks, back, notes)


def tidy(document: ir.Document) -> ir.Document:
    """Merge adjacent text and fold white space, as every reader does."""
    def fold(inlines) -> tuple:
        out: list = []
        for node in inlines:
            if hasattr(node, "children"):
                node = dataclasses.replace(node, children=fold(node.children))
            if isinstance(node, ir.Text):
                if out and isinstance(out[-1], ir.Text):
                    out[-1] = ir.Text(out[-1].text + node.text)
                    continue
            out.append(node)
        return tuple(ir.Text(re.sub(r"\s+", " ", n.text)) if isinstance(n, ir.Text) else n for n in out)

    def tidy_blocks(blocks) -> tuple:
        out = []
        for block in blocks:
            if isinstance(block, (ir.Paragraph, ir.Heading)):
                block = dataclasses.replace(block, children=fold(block.children))
            elif isinstance(block, ir.BlockQuote):
                block = ir.BlockQuote(tidy_blocks(block.blocks))
            elif isinstance(block, ir.ListBlock):
                block = dataclasses.replace(block, items=tuple(tidy_blocks(i) for i in block.items))
            out.append(block)
        return tuple(out)

    return dataclasses.replace(
        document, blocks=tidy_blocks(document.blocks), back=tidy_blocks(document.back),
        notes=tuple(dataclasses.replace(n, blocks=tidy_blocks(n.blocks)) for n in document.notes))


from conftest import block_texts  # noqa: E402


def headings(document: ir.Document) -> list[tuple[int, str]]:
    return [(b.level, " ".join(plain(b.children).split())) for b in document.blocks if isinstance(b, ir.Heading)]


# ====================================================================== strategies

# Words mix the characters each syntax treats specially with ordinary text.
SPECIALS = "*_[]()#>+-.!`^~\\<>&\"'|:;{}=$%@/?,"
WORD = st.text(
    alphabet=st.one_of(st.sampled_from("abcdefXYZ0123456789éß中ŝ—–“”‘’…\u00a0"), st.sampled_from(SPECIALS)),
    min_size=1, max_size=10,
).filter(lambda w: w.strip() == w and w)
WORDS = st.lists(WORD, min_size=1, max_size=5).map(" ".join)
URLS = st.sampled_from(["https://example.org/a", "http://x.test/b?c=1&d=2", "https://example.org/p(1)_x",
                        "mailto:a@example.org", "https://example.org/#fn2"])


def _spaced(parts: list) -> tuple:
    """Inline nodes with one space between neighbours, adjacent text merged."""
    out: list = []
    for index, part in enumerate(parts):
        if index:
            out.append(ir.Text(" "))
        out.append(part)
    return tidy(ir.Document(blocks=(ir.Paragraph(tuple(out)),))).blocks[0].children


def tidy_inlines(note_ids: list[str]) -> st.SearchStrategy:
    """Inline runs as a reader would produce them: trimmed, spaced, never empty."""
    leaf = WORDS.map(ir.Text)
    if note_ids:
        # in a note: a cross-reference to another note, printed as "Ibid." or "n. 4"
        cross = st.builds(lambda i, words: ir.NoteCrossRef(i, (ir.Text(words),)),
                          st.sampled_from(note_ids), st.sampled_from(["Ibid.", "n. 1", "note 2"]))
        leaf = st.one_of(leaf, leaf, cross)

    def extend(children):
        run = st.lists(children, min_size=1, max_size=3).map(_spaced)
        return st.one_of(
            run.map(ir.Emphasis), run.map(ir.Strong),
            WORDS.map(lambda w: ir.Superscript((ir.Text(w),))), WORDS.map(lambda w: ir.Subscript((ir.Text(w),))),
            st.builds(ir.Link, URLS, run),
        )

    node = st.recursive(leaf, extend, max_leaves=5)
    return st.lists(node, min_size=1, max_size=4).map(_spaced)


def _no_link_in_link(inlines) -> bool:
    """Markdown cannot hold a link (or a cross-reference, which is a link there) inside a
    link, and JATS moves it out with a warning: avoid them."""
    return not any(isinstance(node, ir.Link) and any(isinstance(n, (ir.Link, ir.NoteCrossRef))
                                                     for n in _walk(node.children))
                   for node in _walk(inlines))


def _shallow_emphasis(inlines, depth: int = 0) -> bool:
    """Emphasis and strong nested three deep (``*_*x*_*``) have no unambiguous Markdown."""
    for node in inlines:
        inner = depth + isinstance(node, (ir.Emphasis, ir.Strong))
        if inner > 2 or (hasattr(node, "children") and not _shallow_emphasis(node.children, inner)):
            return False
    return True


def _markdown_can_say(inlines) -> bool:
    return _no_link_in_link(inlines) and _shallow_emphasis(inlines)


def _walk(inlines):
    for node in inlines:
        yield node
        if hasattr(node, "children"):
            yield from _walk(node.children)


@st.composite
def tidy_documents(draw) -> ir.Document:
    """A document as a reader would produce it, for round trips."""
    inlines = tidy_inlines([]).filter(_markdown_can_say)
    paragraph = inlines.map(ir.Paragraph)
    nested = st.recursive(
        paragraph,
        lambda inner: st.one_of(
            st.lists(inner, min_size=1, max_size=2).map(lambda b: ir.BlockQuote(tuple(b))),
            st.builds(lambda ordered, items, start: ir.ListBlock(ordered, tuple(map(tuple, items)),
                                                                 start if ordered else 1),
                      st.booleans(), st.lists(st.lists(inner, min_size=1, max_size=2), min_size=1, max_size=3),
                      st.integers(1, 12)),
        ),
        max_leaves=5,
    )
    # headings only at the top, never jumping a level (JATS nests sections)
    body: list[ir.Block] = []
    level = 0
    for kind in draw(st.lists(st.sampled_from(["heading", "block", "block"]), min_size=1, max_size=7)):
        if kind == "heading":
            level = draw(st.integers(1, level + 1 if level < 3 else 3))
            body.append(ir.Heading(level, draw(WORDS.map(lambda w: (ir.Text(w),)))))
        else:
            body.append(draw(nested))
    # every note referenced once, in order, each from a paragraph of its own in the body
    count = draw(st.integers(0, 3))
    ids = [f"fn{n}" for n in range(1, count + 1)]
    positions = sorted(draw(st.lists(st.integers(0, len(body)), min_size=count, max_size=count)))
    for offset, (position, note_id) in enumerate(zip(positions, ids)):
        text = draw(WORDS)
        body.insert(position + offset, ir.Paragraph((ir.Text(text), ir.NoteRef(note_id))))
    notes = []
    for n, note_id in enumerate(ids, start=1):
        earlier = ids[: n - 1]
        note_inlines = tidy_inlines(earlier).filter(_markdown_can_say)
        kind = draw(st.sampled_from(["endnote", "footnote"]))
        notes.append(ir.Note(note_id, str(n), tuple(draw(st.lists(note_inlines.map(ir.Paragraph),
                                                                   min_size=1, max_size=2))), kind))
    back = tuple(draw(st.lists(paragraph, max_size=2)))
    metadata = ir.Metadata(
        title=draw(st.none() | WORDS),
        subtitle=draw(st.none() | WORDS),
        authors=tuple(draw(st.lists(st.builds(ir.Author, name=WORDS), max_size=2))),
        date=draw(st.none() | st.sampled_from(["2026", "2026-03", "2026-03-09"])),
        keywords=tuple(draw(st.lists(WORDS, max_size=3))),
        abstract=draw(st.none() | WORDS),
        language=draw(st.none() | st.sampled_from(["en", "fr", "de-CH"])),
        identifiers=draw(st.dictionaries(st.sampled_from(["issn", "doi"]), st.sampled_from(["2583-1234", "10.1/x"]),
                                         max_size=1)),
    )
    return ir.Document(metadata, tuple(body), back, tuple(notes))


# Anything a Python str holds except lone surrogates (which no encoder accepts).
ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)


@st.composite
def wild_documents(draw) -> ir.Document:
    """Any valid IR: odd text, empty containers, headings anywhere, dangling references."""
    ids = draw(st.lists(ANY_TEXT, max_size=3, unique=True))
    targets = st.sampled_from(ids + ["no-such-note"])
    leaf = st.one_of(ANY_TEXT.map(ir.Text), st.just(ir.LineBreak()), targets.map(ir.NoteRef))

    def extend(children):
        run = st.lists(children, max_size=3).map(tuple)
        return st.one_of(run.map(ir.Emphasis), run.map(ir.Strong), run.map(ir.Superscript),
                         run.map(ir.Subscript), st.builds(ir.Link, ANY_TEXT | URLS, run),
                         st.builds(ir.NoteCrossRef, targets, run))

    inlines = st.lists(st.recursive(leaf, extend, max_leaves=6), max_size=5).map(tuple)
    blocks = st.lists(st.recursive(
        st.one_of(inlines.map(ir.Paragraph), st.builds(ir.Heading, st.integers(1, 9), inlines)),
        lambda inner: st.one_of(
            st.lists(inner, max_size=3).map(lambda b: ir.BlockQuote(tuple(b))),
            st.builds(lambda o, items, s: ir.ListBlock(o, tuple(map(tuple, items)), s),
                      st.booleans(), st.lists(st.lists(inner, max_size=2), max_size=3), st.integers(0, 10**6)),
        ), max_leaves=6), max_size=5).map(tuple)
    optional = st.none() | ANY_TEXT
    metadata = ir.Metadata(
        title=draw(optional), subtitle=draw(optional),
        authors=tuple(draw(st.lists(st.builds(
            ir.Author, name=ANY_TEXT, given=optional, family=optional, honorific=optional, role=optional,
            affiliations=st.lists(ANY_TEXT, max_size=2).map(tuple), email=optional), max_size=2))),
        date=draw(optional | st.sampled_from(["2026-02-30", "0000", "2026-13"])),
        publisher=draw(st.none() | st.builds(ir.Publisher, ANY_TEXT, optional)),
        series=draw(st.none() | st.builds(ir.Series, optional, optional)),
        keywords=tuple(draw(st.lists(ANY_TEXT, max_size=3))),
        licence=draw(st.none() | st.builds(ir.Licence, optional, optional | URLS)),
        disclaimer=draw(optional), abstract=draw(optional), language=draw(optional),
        identifiers=draw(st.dictionaries(st.sampled_from(["issn", "eissn", "isbn", "doi", "journal-id",
                                                          "report-number", "url", "x-other"]), ANY_TEXT, max_size=3)),
        extra=draw(st.dictionaries(st.sampled_from(["papersize", "notes", "short-title", "article-type", "x"]),
                                   ANY_TEXT, max_size=2)),
    )
    notes = tuple(ir.Note(i, draw(ANY_TEXT), draw(blocks), draw(st.sampled_from(["endnote", "footnote"])))
                  for i in ids)
    return ir.Document(metadata, draw(blocks), draw(blocks), notes)


# ------------------------------------------------------------- bytes for the readers


@lru_cache(maxsize=None)
def seed_files(fmt: str) -> tuple[bytes, ...]:
    """Valid inputs of ``fmt`` to mutate: the fixtures, and the sample in that format."""
    from conftest import FIXTURES, SAMPLE

    sample = quietly(briefconv.read, SAMPLE)
    small = ir.Document(
        ir.Metadata(title="T", authors=(ir.Author("A B"),), date="2026"),
        (ir.Heading(1, (ir.Text("H"),)), ir.Paragraph((ir.Text("a "), ir.Emphasis((ir.Text("b"),)),
                                                       ir.NoteRef("fn1"))),
         ir.ListBlock(True, ((ir.Paragraph((ir.Text("i"),)),),)), ir.BlockQuote((ir.Paragraph((ir.Text("q"),)),))),
        notes=(ir.Note("fn1", "1", (ir.Paragraph((ir.Text("n"),)),)),
               ir.Note("fn2", "2", (ir.Paragraph((ir.NoteCrossRef("fn1", (ir.Text("Ibid."),)),)),))),
    )
    if fmt == "txt":
        return (SAMPLE.read_bytes()[:6000], (FIXTURES / "crs_R44243_speaker_faq_wrapped70.txt").read_bytes()[:6000])
    files = [quietly(writer(fmt), small, {})]
    if fmt == "jats":
        files.append((FIXTURES / "jats-pmc-article.xml").read_bytes())
    if fmt == "docx":
        files += [p.read_bytes() for p in sorted(FIXTURES.glob("*.docx"))]
    else:
        files.append(quietly(writer(fmt), sample, {}))
    return tuple(files)


NASTY = st.sampled_from([
    b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"<", b">", b"&", b"&amp;", b"&#0;", b"&#x110000;", b"&nbsp;",
    b"]]>", b"<!--", b"<![CDATA[", b"<!DOCTYPE x>", b"<!ENTITY e 'x'>", b"\"", b"'", b"}", b"{", b"[", b"]",
    b"\n", b"\r\n", b"---\n", b"[^1]", b"[^1]: ", b"> ", b"- ", b"1. ", b"*", b"**", b"_", b"`", b"#",
    b"\\", b"\xc3", b"\xe2\x80", b"\x80", b"999999999999", b"-1", b"0", b"null", b"true", b'"type"',
])


@st.composite
def mutated(draw, seeds: tuple[bytes, ...]) -> bytes:
    """A valid file with a few random edits: cut, repeat, replace or insert bytes."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        size = draw(st.integers(1, 64))
        edit = draw(st.sampled_from(["insert", "replace", "delete", "repeat", "truncate"]))
        payload = draw(st.one_of(NASTY, st.binary(min_size=1, max_size=8)))
        if edit == "insert":
            data[at:at] = payload
        elif edit == "replace":
            data[at:at + len(payload)] = payload
        elif edit == "delete":
            del data[at:at + size]
        elif edit == "repeat":
            data[at:at] = data[at:at + size] * draw(st.integers(2, 20))
        else:
            del data[at:]
    return bytes(data)


def reader_inputs(fmt: str) -> st.SearchStrategy[bytes]:
    strategies = [st.binary(max_size=3000), mutated(seed_files(fmt))]
    if fmt in ("txt", "md"):
        strategies.append(st.lists(NASTY | st.binary(max_size=6), max_size=80).map(b"".join))
    if fmt == "docx":
        strategies.append(mutated_docx())
    if fmt == "jats":
        strategies.append(mutated_jats())
    if fmt == "json":
        strategies.append(mutated_json())
    return st.one_of(*strategies)


# DOCX: valid zips whose XML parts are changed element by element.
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
ODD_VALUES = st.sampled_from(["", "-1", "0", "1", "2", "99999999999", "abc", "rId999", "rId1", "fn1",
                              "Heading1", "Heading 9", "Title", "decimal", "upperRoman", "bullet", "none",
                              "\u00a0", "_Ref1", "NOTEREF _Ref1 \\h", "HYPERLINK \"http://x\"", "true", "off"])
FOREIGN_ELEMENTS = st.sampled_from([
    f'<w:r xmlns:w="{W}"><w:footnoteReference w:id="7"/></w:r>',
    f'<w:r xmlns:w="{W}"><w:endnoteReference w:id="-1"/></w:r>',
    f'<w:r xmlns:w="{W}"><w:endnoteReference/></w:r>',
    f'<w:pPr xmlns:w="{W}"><w:numPr><w:ilvl w:val="99"/><w:numId w:val="42"/></w:numPr></w:pPr>',
    f'<w:pPr xmlns:w="{W}"><w:outlineLvl w:val="-3"/></w:pPr>',
    f'<w:pPr xmlns:w="{W}"><w:pStyle w:val="Heading99"/></w:pPr>',
    f'<w:hyperlink xmlns:w="{W}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    ' r:id="rId999" w:anchor="nowhere"><w:r><w:t>x</w:t></w:r></w:hyperlink>',
    f'<w:fldSimple xmlns:w="{W}" w:instr="NOTEREF _Ref9 \\h"><w:r><w:t>9</w:t></w:r></w:fldSimple>',
    f'<w:r xmlns:w="{W}"><w:fldChar w:fldCharType="begin"/></w:r>',
    f'<w:r xmlns:w="{W}"><w:fldChar w:fldCharType="end"/></w:r>',
    f'<w:r xmlns:w="{W}"><w:instrText>HYPERLINK \\l "x"</w:instrText></w:r>',
    f'<w:bookmarkStart xmlns:w="{W}" w:id="1" w:name="_Ref1"/>',
    f'<w:ins xmlns:w="{W}"><w:r><w:t>ins</w:t></w:r></w:ins>',
    f'<w:tbl xmlns:w="{W}"><w:tr><w:tc><w:p><w:r><w:t>cell</w:t></w:r></w:p></w:tc></w:tr></w:tbl>',
    f'<w:p xmlns:w="{W}"><w:r><w:t>{"x" * 50}</w:t></w:r></w:p>',
    f'<w:sectPr xmlns:w="{W}"><w:endnotePr><w:numFmt w:val="chicago"/></w:endnotePr></w:sectPr>',
])


XML_TEXT = ODD_VALUES | ANY_TEXT.filter(lambda t: all(c in "\t\n\r" or 32 <= ord(c) < 0xFFFE for c in t))


def edit_xml(draw, data: bytes, edit: str, foreign: st.SearchStrategy[str]) -> bytes:
    """``data`` with one element-level ``edit``: an attribute's value, an element deleted,
    duplicated or inserted (from ``foreign``), or an element's text replaced."""
    from lxml import etree

    try:
        root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    except etree.XMLSyntaxError:
        return data
    target = draw(st.sampled_from([e for e in root.iter() if isinstance(e.tag, str)]))
    if edit == "attribute" and target.attrib:
        target.set(draw(st.sampled_from(sorted(target.attrib))), draw(ODD_VALUES))
    elif edit == "delete" and target is not root:
        target.getparent().remove(target)
    elif edit == "duplicate" and target is not root:
        target.addnext(copy.deepcopy(target))
    elif edit == "insert":
        target.insert(draw(st.integers(0, len(target))), etree.fromstring(draw(foreign)))
    elif edit == "text":
        target.text = draw(XML_TEXT)
    doctype = data[:data.index(b"<article")] if b"<!DOCTYPE" in data[:400] and b"<article" in data else b""
    body = etree.tostring(root, encoding="UTF-8")
    return (doctype + body) if doctype else etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


FOREIGN_JATS = st.sampled_from([
    "<sec><title>T</title><p>x</p></sec>", "<sec/>", "<fn id='fn1'><p>dup</p></fn>", "<fn><label>9</label></fn>",
    "<xref ref-type='fn' rid='nowhere'>1</xref>", "<xref ref-type='fn'/>", "<xref rid='fn1'>Ibid.</xref>",
    "<list list-type='order'><list-item><p>i</p></list-item></list>", "<list><list-item/></list>",
    "<disp-quote><p>q</p><attrib>a</attrib></disp-quote>", "<fn-group><fn id='x'><p>n</p></fn></fn-group>",
    "<table-wrap><table><tr><td>c</td></tr></table></table-wrap>", "<def-list><def-item><term>t</term>"
    "<def><p>d</p></def></def-item></def-list>", "<ext-link>no href</ext-link>", "<break/>",
    "<italic><bold><sup>s</sup></bold></italic>", "<pub-date><year>abcd</year><month>13</month></pub-date>",
    "<contrib contrib-type='author'><name><surname/></name><xref ref-type='aff' rid='nope'/></contrib>",
    "<kwd-group><kwd/></kwd-group>", "<ref-list><ref><element-citation><source>s</source></element-citation>"
    "</ref></ref-list>", "<app-group><app><title>A</title></app></app-group>", "<label>1.</label>",
    "<title/>", "<p/>", "<article/>", "<body/>", "<back/>", "<front/>",
])


@st.composite
def mutated_jats(draw) -> bytes:
    data = draw(st.sampled_from(seed_files("jats")))
    for _ in range(draw(st.integers(1, 4))):
        data = edit_xml(draw, data, draw(st.sampled_from(["attribute", "delete", "duplicate", "insert", "text"])),
                        FOREIGN_JATS)
    return data


ODD_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2, 10**12) | st.floats(allow_nan=True) | ODD_VALUES
    | st.sampled_from(["paragraph", "text", "note-ref", "note-cross-ref", "heading", "list", "block-quote",
                       "emphasis", "link", "endnote", "footnote"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(
        ["type", "text", "children", "blocks", "items", "level", "ordered", "start", "note-id", "url", "id",
         "label", "kind", "name"]), inner, max_size=3),
    max_leaves=6)


@st.composite
def mutated_json(draw) -> bytes:
    """A valid briefconv JSON document with a few values replaced, keys dropped or added."""
    import json

    document = json.loads(draw(st.sampled_from(seed_files("json"))))
    for _ in range(draw(st.integers(1, 4))):
        containers = []

        def collect(node):
            if isinstance(node, (dict, list)):
                containers.append(node)
                for child in (node.values() if isinstance(node, dict) else node):
                    collect(child)

        collect(document)
        target = draw(st.sampled_from(containers))
        keys = list(target) if isinstance(target, dict) else list(range(len(target)))
        if not keys:
            continue
        key = draw(st.sampled_from(keys))
        action = draw(st.sampled_from(["replace", "drop", "add"]))
        if action == "replace" or (action == "drop" and isinstance(target, list)):
            target[key] = draw(ODD_JSON)
        elif action == "drop":
            del target[key]
        elif isinstance(target, dict):
            target[draw(st.sampled_from(["type", "children", "level", "x"]))] = draw(ODD_JSON)
    return json.dumps(document).encode()


@st.composite
def mutated_docx(draw) -> bytes:

    with zipfile.ZipFile(io.BytesIO(draw(st.sampled_from(seed_files("docx"))))) as original:
        parts = {info.filename: original.read(info) for info in original.infolist()}
    xml_names = sorted(n for n in parts if n.endswith((".xml", ".rels")))
    for _ in range(draw(st.integers(1, 4))):
        name = draw(st.sampled_from(xml_names))
        edit = draw(st.sampled_from(["attribute", "delete", "duplicate", "insert", "text", "bytes", "drop-part"]))
        if edit == "drop-part":
            parts.pop(name, None)
            continue
        if name not in parts:
            continue
        if edit == "bytes":
            parts[name] = draw(mutated((parts[name],)))
        else:
            parts[name] = edit_xml(draw, parts[name], edit, FOREIGN_ELEMENTS)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


# =========================================================================== tests


@pytest.mark.parametrize("fmt", READERS)
def test_reader_only_raises_input_error(fmt):
    @FUZZ
    @given(reader_inputs(fmt))
    def run(data):
        check_reader_on_bytes(fmt, data)

    run()


@pytest.mark.slow
@FUZZ
@given(wild_documents())
def test_every_writer_writes_any_valid_document(document):
    check_writers_never_fail(document)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ROUND_TRIP_WRITERS)
def test_round_trip(fmt):
    @FUZZ
    @given(tidy_documents())
    def run(document):
        check_round_trip(fmt, document)

    run()



# ------------------------------------------------- what the fuzzers found, pinned

P = ir.Paragraph
T = ir.Text
FOUND_ROUND_TRIPS = {
    "md: strong around emphasis (was ***x***)": ("md", ir.Document(blocks=(P((ir.Strong((ir.Emphasis((T("x"),)),)),)),))),
    "md: emphasis in emphasis": ("md", ir.Document(blocks=(P((ir.Emphasis((ir.Emphasis((T("x"),)),)),)),))),
    "md: two lists in a row": ("md", ir.Document(blocks=(
        ir.ListBlock(False, ((P((T("a"),)),),)), ir.ListBlock(False, ((P((T("b"),)),),)),
        ir.ListBlock(True, ((P((T("c"),)),),), 3), ir.ListBlock(True, ((P((T("d"),)),),), 3)))),
    "md: heading ending in #": ("md", ir.Document(blocks=(ir.Heading(1, (T("x #"),)), ir.Heading(2, (T("#"),))))),
    "json: empty note, paragraph and list": ("json", ir.Document(
        blocks=(P(()), ir.ListBlock(False, ()), ir.BlockQuote(())), notes=(ir.Note("fn1", "1", ()),))),
}
FOUND_WRITES = {
    "md: empty keyword": ir.Document(metadata=ir.Metadata(keywords=("",))),
    "md: author without a name": ir.Document(metadata=ir.Metadata(authors=(ir.Author(""),))),
    "docx, jats: control character as language": ir.Document(metadata=ir.Metadata(language="\x1f")),
    "docx: abstract longer than 255 characters": ir.Document(metadata=ir.Metadata(abstract="word " * 80)),
    "jats: control character in the label of an empty cross-reference": ir.Document(
        back=(P((ir.NoteCrossRef("0", (T("\x08"),)),)),), notes=(ir.Note("", "", ()), ir.Note("0", "\x08", ()))),
    "pdf: empty list and empty list item": ir.Document(
        blocks=(ir.ListBlock(False, ((),)), ir.ListBlock(False, ()))),
}


@pytest.mark.parametrize("case", sorted(FOUND_ROUND_TRIPS))
def test_found_round_trips(case):
    fmt, document = FOUND_ROUND_TRIPS[case]
    check_round_trip(fmt, document)


@pytest.mark.parametrize("case", sorted(FOUND_WRITES))
def test_found_writes(case):
    check_writers_never_fail(FOUND_WRITES[case])


@pytest.mark.parametrize("value", [[], {}, 1, None])
def test_found_json_node_type_that_is_not_a_string(value):
    import json

    data = json.dumps({"briefconv-ir": 1, "blocks": [{"type": value}]}).encode()
    with pytest.raises(InputError):
        reader("json")(data, {})


def test_found_docx_member_name_flagged_utf8_that_is_not():
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as writing:
        writing.writestr("\u00e9.xml", b"x")  # a non-ASCII name sets the UTF-8 flag
    data = archive.getvalue().replace("\u00e9".encode(), b"\xbb\xbb")
    with pytest.raises(InputError, match="damaged zip"):
        reader("docx")(data, {})
