"""Reads the everyday part of Markdown without markdown-it; gives up on the rest.

Importing markdown-it-py and its plugins takes about a quarter of a one-brief
``briefconv brief.md -t md`` run.  Most briefs use a small, plain part of Markdown,
and that part is all briefconv's own writer emits for a brief without lists, quotes,
superscripts or subscripts.  :func:`tokenize` reads that part and returns the tokens
markdown-it would, reduced to the fields :mod:`briefconv.formats.markdown_reader`
uses.  At the first thing it is not sure of it returns None, and the reader gives the
whole text to markdown-it: a document is never read half one way and half the other.
tests/test_markdown_subset.py checks, over random documents and random line soups,
that whenever this module answers, the reader builds the same document as from
markdown-it's tokens.

Read here: a YAML block between ``---`` lines at the very start; ATX headings
without closing hashes; paragraphs of one or more lines, with soft and hard line
breaks; backslash escapes; ``*emphasis*`` and ``**strong**`` where every delimiter
run plainly opens or closes; inline links ``[text](target)`` to ``http(s)://``,
``ftp://``, ``mailto:`` or ``#`` targets written in plain URL characters;
autolinks such as ``<https://example.org/>``; footnote references ``[^label]``
and footnote definitions whose text starts on the label's line.

Left to markdown-it: everything else -- lines that start with a space or hold a
tab, lists, block quotes, code, HTML, rules, setext headings, link reference
definitions, images, entities, ``_``, ``^`` and ``~`` (underscore emphasis,
superscript, subscript, inline notes), link titles, and delimiter runs that could
either open or close.
"""

from __future__ import annotations

import re
from types import MappingProxyType
from typing import Mapping

_NEWLINES = re.compile(r"\r\n?")
# Lines that start a block this module does not read (or might, in CommonMark's eyes).
_UNREAD_LINE = re.compile(
    r"\s"  # indentation: code, list continuations
    r"|[-+*](?: |$)"  # a bullet list item
    r"|[0-9]{1,9}[.)](?: |$)"  # an ordered list item
    r"|[>`~|=_]"  # quote, fence, table, setext underline, rule (HTML is off)
    r"|-(?: *-)+ *$|\*(?: *\*){2,} *$"  # a setext underline or a rule
    # a link reference definition (a line that starts with a footnote definition or
    # with a link's text and target cannot be one)
    r"|\[(?!\^[A-Za-z0-9-]+\]: \S|[^\[\]\\]*\]\()"
)
_HEADING = re.compile(r"(#{1,6}) (\S.*)")
_FOOTNOTE_DEFINITION = re.compile(r"\[\^([A-Za-z0-9-]+)\]: (\S.*)")
_FOOTNOTE_REFERENCE = re.compile(r"\[\^([A-Za-z0-9-]+)\]")
# Characters that may start inline markup; the text between them is plain.
_SPECIAL = re.compile(r"[\\\n*\[\]<&!_`^~]")
_ASCII_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
# Link targets markdown-it keeps exactly as written (it percent-encodes other characters).
_URL = r"(?:[A-Za-z0-9;/?:@&=+$,\-_.!~*'#]|%[0-9A-Fa-f]{2})*"
_LINK_TARGET = re.compile(rf"\]\(((?:https?://|ftp://|mailto:|#){_URL})\)")
_AUTOLINK = re.compile(r"<((?:https?://|ftp://|mailto:)[A-Za-z0-9;/?:@&=+$,\-_.!~*'#]*)>")
_ENTITY_START = re.compile(r"&[#A-Za-z0-9]")


_NOTHING: Mapping = MappingProxyType({})


class Token:
    """What the reader reads of a markdown-it token."""

    __slots__ = ("type", "tag", "content", "children", "attrs", "meta")

    def __init__(self, type: str, tag: str = "", content: str = "", children: list | None = None,  # noqa: A002
                 attrs: Mapping | None = None, meta: Mapping | None = None) -> None:
        self.type = type
        self.tag = tag
        self.content = content
        self.children = children
        # most tokens have neither: sharing one read-only mapping spares the collector
        # two objects a token, which long documents feel
        self.attrs = attrs if attrs is not None else _NOTHING
        self.meta = meta if meta is not None else _NOTHING


class _NotRead(Exception):
    """Something this module does not read: markdown-it reads the whole text."""


def tokenize(text: str) -> list[Token] | None:
    """markdown-it's tokens for ``text``, or None when markdown-it must read it."""
    try:
        return _Tokenizer(text).tokens()
    except _NotRead:
        return None


class _Tokenizer:
    def __init__(self, text: str) -> None:
        if "\t" in text or "\x00" in text:
            raise _NotRead
        self.lines = _NEWLINES.sub("\n", text).split("\n")
        self.labels: set[str] = set()  # of the footnote definitions
        self.note_numbers: dict[str, int] = {}  # label -> markdown-it's id: order of first reference

    def tokens(self) -> list[Token]:
        out: list[Token] = []
        first = self.front_matter()
        if first:
            out.append(Token("front_matter", content="\n".join(self.lines[1:first - 1])))
        blocks = self.blocks(self.lines[first:])
        # Inline text is read in document order, notes' text where it stands, so that
        # notes are numbered by first reference exactly as markdown-it numbers them.
        notes: dict[str, list[Token]] = {}
        for kind, value, text in blocks:
            children = self.inlines(text, 0, len(text))
            if kind == "heading":
                tag = f"h{value}"
                out += [Token("heading_open", tag), Token("inline", children=children), Token("heading_close", tag)]
            elif kind == "paragraph":
                out += [Token("paragraph_open", "p"), Token("inline", children=children), Token("paragraph_close", "p")]
            else:
                notes[value] = children
        if self.note_numbers:
            out.append(Token("footnote_block_open"))
            for label, number in sorted(self.note_numbers.items(), key=lambda item: item[1]):
                out += [
                    Token("footnote_open", meta={"id": number, "label": label}),
                    Token("paragraph_open", "p"), Token("inline", children=notes[label]), Token("paragraph_close", "p"),
                    Token("footnote_close"),
                ]
            out.append(Token("footnote_block_close"))
        return out

    # ------------------------------------------------------------------- blocks

    def front_matter(self) -> int:
        """The index of the first line after the YAML block; 0 when there is none."""
        if self.lines[0] != "---":
            return 0
        for index, line in enumerate(self.lines[1:], 1):
            stripped = line.lstrip(" ")
            if stripped.startswith(("---", "...")):
                if line in ("---", "...") and index > 1:
                    return index + 1
                raise _NotRead  # a longer marker, an indented one or an empty block
        raise _NotRead  # never closed: markdown-it reads a rule

    def blocks(self, lines: list[str]) -> list[tuple[str, object, str]]:
        """(kind, level or label, text) for each heading, paragraph and footnote definition."""
        blocks: list[tuple[str, object, list[str]]] = []
        open_lines: list[str] | None = None  # the lines of the paragraph or definition being read
        for line in lines:
            if not line.strip(" "):
                open_lines = None
                continue
            if _UNREAD_LINE.match(line) or line[-1].isspace() and line[-1] != " ":
                raise _NotRead
            heading = _HEADING.fullmatch(line) if line[0] == "#" else None
            definition = _FOOTNOTE_DEFINITION.fullmatch(line) if line[0] == "[" else None
            if heading:
                text = heading.group(2).strip()
                if text.endswith("#"):
                    raise _NotRead  # a closing sequence, or an escaped '#' we would have to judge
                blocks.append(("heading", len(heading.group(1)), [text]))
                open_lines = None
            elif line[0] == "#":
                raise _NotRead
            elif definition:
                label, text = definition.groups()
                if (label in self.labels or _UNREAD_LINE.match(text) or text[0] == "#"
                        or _FOOTNOTE_DEFINITION.match(text)):
                    raise _NotRead
                self.labels.add(label)
                open_lines = [text]
                blocks.append(("note", label, open_lines))
            elif open_lines is not None:
                open_lines.append(line)
            else:
                open_lines = [line]
                blocks.append(("paragraph", None, open_lines))
        return [(kind, value, "\n".join(text).strip()) for kind, value, text in blocks]

    # ------------------------------------------------------------------ inlines

    def inlines(self, src: str, start: int, end: int) -> list[Token]:
        """The inline tokens of ``src[start:end]``; emphasis pairs within these bounds only."""
        out: list = []  # Tokens, and [length, opens] lists for delimiter runs not yet paired
        pending: list[str] = []
        pos = start

        def flush() -> None:
            if pending:
                out.append(Token("text", content="".join(pending)))
                pending.clear()

        while pos < end:
            match = _SPECIAL.search(src, pos, end)
            if match is None:
                pending.append(src[pos:end])
                break
            if match.start() > pos:
                pending.append(src[pos:match.start()])
            pos = match.start()
            char = src[pos]
            if char == "\\":
                following = src[pos + 1] if pos + 1 < end else ""
                if following == "\n":
                    flush()
                    out.append(Token("hardbreak", "br"))
                    pos = _skip_spaces(src, pos + 2, end)
                elif following in _ASCII_PUNCTUATION and following:
                    pending.append(following)
                    pos += 2
                else:
                    pending.append("\\")
                    pos += 1
            elif char == "\n":
                text = "".join(pending)
                pending.clear()
                if text.endswith("  "):
                    pending.append(text.rstrip(" "))
                    flush()
                    out.append(Token("hardbreak", "br"))
                else:
                    pending.append(text[:-1] if text.endswith(" ") else text)
                    flush()
                    out.append(Token("softbreak", "br"))
                pos = _skip_spaces(src, pos + 1, end)
            elif char == "*":
                pos = self.delimiter_run(src, pos, end, out, pending, flush)
            elif char == "[":
                flush()
                pos = self.bracket(src, pos, end, out)
            elif char == "<":
                autolink = _AUTOLINK.match(src, pos, end)
                if autolink is None:
                    raise _NotRead
                flush()
                url = autolink.group(1)
                out += [Token("link_open", "a", attrs={"href": url}), Token("text", content=url), Token("link_close", "a")]
                pos = autolink.end()
            elif char == "]" or (char == "!" and not src.startswith("[", pos + 1)):
                pending.append(char)
                pos += 1
            elif char == "&" and not _ENTITY_START.match(src, pos, end):
                pending.append(char)
                pos += 1
            else:
                raise _NotRead  # '_', '`', '^', '~', an image or an entity
        flush()
        return _pair_emphasis(out)

    def delimiter_run(self, src: str, pos: int, end: int, out: list, pending: list, flush) -> int:
        """Reads a run of '*' at ``pos``: an opener, a closer or plain text."""
        after = pos
        while after < end and src[after] == "*":
            after += 1
        before_char = src[pos - 1] if pos > 0 else " "
        after_char = src[after] if after < end else " "
        opens, closes = _flanking(before_char, after_char)
        length = after - pos
        if not opens and not closes:
            pending.append(src[pos:after])
        elif opens == closes or length > 2:
            raise _NotRead  # could go either way, or *** and longer
        else:
            flush()
            out.append([length, opens])
        return after

    def bracket(self, src: str, pos: int, end: int, out: list) -> int:
        """A footnote reference or an inline link at ``pos``; the position after it."""
        reference = _FOOTNOTE_REFERENCE.match(src, pos, end)
        if reference:
            label = reference.group(1)
            following = src[reference.end()] if reference.end() < end else ""
            if label not in self.labels or following in ("(", "["):
                raise _NotRead  # literal text, or possibly a link
            number = self.note_numbers.setdefault(label, len(self.note_numbers))
            out.append(Token("footnote_ref", meta={"id": number, "label": label}))
            return reference.end()
        close = src.find("]", pos + 1, end)
        if close <= pos + 1 or any(c in src[pos + 1:close] for c in "[\\`<"):
            raise _NotRead
        target = _LINK_TARGET.match(src, close, end)
        if target is None:
            raise _NotRead
        children = self.inlines(src, pos + 1, close)
        out += [Token("link_open", "a", attrs={"href": target.group(1)}), *children, Token("link_close", "a")]
        return target.end()


def _skip_spaces(src: str, pos: int, end: int) -> int:
    while pos < end and src[pos] == " ":
        pos += 1
    return pos


def _character_class(char: str) -> str:
    """CommonMark's view of a delimiter run's neighbour: space, punctuation or other."""
    if char == " " or char == "\n":
        return "space"
    if char in _ASCII_PUNCTUATION:
        return "punctuation"
    if char.isalnum():
        return "other"
    raise _NotRead  # control characters, Unicode punctuation, symbols and spaces


def _flanking(before: str, after: str) -> tuple[bool, bool]:
    """Whether a '*' run between these characters can open, and whether it can close."""
    before_class, after_class = _character_class(before), _character_class(after)
    left = after_class != "space" and (after_class != "punctuation" or before_class != "other")
    right = before_class != "space" and (before_class != "punctuation" or after_class != "other")
    return left, right


def _pair_emphasis(items: list) -> list[Token]:
    """Delimiter runs paired innermost first, as a stack: every run must find its partner."""
    openers: list[int] = []
    for index, item in enumerate(items):
        if isinstance(item, Token):
            continue
        length, opens = item
        if opens:
            openers.append(index)
            continue
        if not openers or items[openers[-1]][0] != length:
            raise _NotRead  # an unmatched closer, or runs of different lengths
        tag = "em" if length == 1 else "strong"
        items[openers.pop()] = Token(f"{tag}_open", tag)
        items[index] = Token(f"{tag}_close", tag)
    if openers:
        raise _NotRead  # an opener without a closer stays literal in CommonMark
    return items
