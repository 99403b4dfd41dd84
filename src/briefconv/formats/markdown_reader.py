"""The Markdown reader; the ``md`` format is declared in :mod:`briefconv.formats.markdown`,
whose docstring lists what it keeps and loses.

It takes its tokens from :mod:`briefconv.formats.markdown_subset` when the text is
plain Markdown, else from markdown-it-py with its front-matter, footnote, superscript
and subscript plugins; reads the YAML block with
:mod:`briefconv.formats.markdown_yaml`; and turns the token stream into the IR.
"""

from __future__ import annotations

import functools
import re
from typing import Any, Iterable, Mapping

from briefconv import ir
from briefconv.errors import InputError, warn
from briefconv.formats import markdown_subset
from briefconv.formats.markdown import YAML_KEYS

_NOTE_TARGET = re.compile(r"^#fn(.+)$")


@functools.lru_cache(maxsize=None)
def _parser():
    """The configured parser, built once: it keeps no state between documents."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.footnote import footnote_plugin
    from mdit_py_plugins.front_matter import front_matter_plugin
    from mdit_py_plugins.subscript import sub_plugin
    from mdit_py_plugins.superscript import superscript_plugin

    md = MarkdownIt("commonmark", {"html": False})
    return md.use(front_matter_plugin).use(footnote_plugin).use(superscript_plugin).use(sub_plugin)


class _Reader:
    """Turns markdown-it's flat token stream into IR blocks and notes."""

    def __init__(self, tokens: list) -> None:
        self.tokens = tokens
        self.pos = 0
        self.metadata = ir.Metadata()
        self.notes: list[ir.Note] = []
        self.note_ids: dict[int, str] = {}  # markdown-it footnote number -> IR note id
        self.note_labels: dict[str, str] = {}  # written label (or mark) -> IR note id
        self.note_marks: dict[int, str] = {}  # markdown-it footnote number -> printed mark
        self._index_footnotes()

    def _index_footnotes(self) -> None:
        # Note ids must be known before the body is read, because references come first.
        # A written label ([^smith]) names a note but is not its printed mark: Markdown
        # numbers notes in the order they are first referenced, as pandoc does.  A label
        # that is a number, as in the Markdown our writer emits, is kept as the mark; the
        # other notes, inline ones (^[...]) included, take their number or the next one
        # no such label has claimed, so that marks and ids stay unique.
        opened = [token.meta for token in self.tokens if token.type == "footnote_open"]
        claimed = {meta["label"] for meta in opened if _is_number(meta.get("label"))}
        for meta in opened:
            written = meta.get("label")
            if _is_number(written):
                mark = written
            else:
                number = meta["id"] + 1
                while str(number) in claimed:
                    number += 1
                mark = str(number)
                claimed.add(mark)
            name = written or mark
            self.note_ids[meta["id"]] = f"fn{name}"
            self.note_marks[meta["id"]] = mark
            self.note_labels[name] = f"fn{name}"  # links to '#fnNAME' point at the note

    def read(self) -> ir.Document:
        blocks = self.blocks_until(None)
        return ir.Document(metadata=self.metadata, blocks=tuple(blocks), notes=tuple(self.notes))

    # ------------------------------------------------------------------- blocks

    def blocks_until(self, closing: str | None) -> list[ir.Block]:
        blocks: list[ir.Block] = []
        while self.pos < len(self.tokens):
            token = self.tokens[self.pos]
            if closing is not None and token.type == closing:
                self.pos += 1
                return blocks
            self.pos += 1
            block = self.block(token)
            if block is not None:
                blocks.append(block)
        return blocks

    def block(self, token) -> ir.Block | None:
        kind = token.type
        if kind == "front_matter":
            self.metadata = _metadata_from_yaml(token.content)
            return None
        if kind == "heading_open":
            children = self.inline_content()
            self.pos += 1  # heading_close
            return ir.Heading(level=int(token.tag[1:]), children=children)
        if kind == "paragraph_open":
            children = self.inline_content()
            self.pos += 1
            return ir.Paragraph(children) if children else None
        if kind == "blockquote_open":
            return ir.BlockQuote(tuple(self.blocks_until("blockquote_close")))
        if kind in ("bullet_list_open", "ordered_list_open"):
            return self.list_block(token)
        if kind == "footnote_block_open":
            self.footnotes()
            return None
        if kind in ("code_block", "fence", "html_block"):
            warn("code blocks have no place in the document model; kept as plain text")
            text = token.content.rstrip("\n")
            return ir.Paragraph((ir.Text(text),)) if text else None
        if kind == "hr":
            warn("horizontal rules have no place in the document model; dropped")
            return None
        return None

    def list_block(self, token) -> ir.ListBlock:
        ordered = token.type == "ordered_list_open"
        closing = "ordered_list_close" if ordered else "bullet_list_close"
        start = int(token.attrs.get("start", 1)) if ordered else 1
        items = []
        while self.pos < len(self.tokens) and self.tokens[self.pos].type != closing:
            if self.tokens[self.pos].type == "list_item_open":
                self.pos += 1
                items.append(tuple(self.blocks_until("list_item_close")))
            else:
                self.pos += 1
        self.pos += 1
        return ir.ListBlock(ordered=ordered, items=tuple(items), start=start)

    def footnotes(self) -> None:
        while self.pos < len(self.tokens):
            token = self.tokens[self.pos]
            self.pos += 1
            if token.type == "footnote_block_close":
                return
            if token.type == "footnote_open":
                note_id = self.note_ids[token.meta["id"]]
                label = self.note_marks[token.meta["id"]]
                blocks = self.blocks_until("footnote_close")
                self.notes.append(ir.Note(id=note_id, label=label, blocks=tuple(blocks)))

    # ------------------------------------------------------------------ inlines

    def inline_content(self) -> tuple[ir.Inline, ...]:
        token = self.tokens[self.pos]
        self.pos += 1
        return _merge_text(self.inlines(iter(token.children or []), None))

    def inlines(self, tokens, closing: str | None) -> list[ir.Inline]:
        out: list[ir.Inline] = []
        for token in tokens:
            kind = token.type
            if kind == closing:
                return out
            if kind == "text" or kind == "code_inline":
                out.append(ir.Text(token.content))
            elif kind == "softbreak":
                out.append(ir.Text(" "))
            elif kind == "hardbreak":
                out.append(ir.LineBreak())
            elif kind == "em_open":
                out.append(ir.Emphasis(_merge_text(self.inlines(tokens, "em_close"))))
            elif kind == "strong_open":
                out.append(ir.Strong(_merge_text(self.inlines(tokens, "strong_close"))))
            elif kind == "sup_open":
                out.append(ir.Superscript(_merge_text(self.inlines(tokens, "sup_close"))))
            elif kind == "sub_open":
                out.append(ir.Subscript(_merge_text(self.inlines(tokens, "sub_close"))))
            elif kind == "link_open":
                out.append(self.link(token.attrs.get("href", ""), self.inlines(tokens, "link_close")))
            elif kind == "footnote_ref":
                out.append(ir.NoteRef(self.note_ids[token.meta["id"]]))
            elif kind == "image":
                warn("images have no place in the document model; kept as their alt text")
                out.append(ir.Text(token.content))
            elif kind == "footnote_anchor":
                continue
        return out

    def link(self, href: str, children: list[ir.Inline]) -> ir.Inline:
        target = _NOTE_TARGET.match(href)
        if target and target.group(1) in self.note_labels:
            return ir.NoteCrossRef(self.note_labels[target.group(1)], _merge_text(children))
        return ir.Link(href, _merge_text(children))


def _is_number(label: str | None) -> bool:
    return bool(label) and label.isascii() and label.isdigit()


def _merge_text(nodes: Iterable[ir.Inline]) -> tuple[ir.Inline, ...]:
    out: list[ir.Inline] = []
    for node in nodes:
        if isinstance(node, ir.Text) and out and isinstance(out[-1], ir.Text):
            out[-1] = ir.Text(out[-1].text + node.text)
        elif not (isinstance(node, ir.Text) and not node.text):
            out.append(node)
    return tuple(out)


# ------------------------------------------------------------------- YAML metadata


def _metadata_from_yaml(source: str) -> ir.Metadata:
    from briefconv.formats.markdown_yaml import load

    data = load(source)
    if data is None:
        return ir.Metadata()
    if not isinstance(data, dict):
        raise InputError("the YAML metadata block is not a mapping")
    return _metadata_from_mapping(data)


def _text(value: Any) -> str | None:
    """A scalar as text; pandoc-style nested values that are not scalars are ignored."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):  # YAML dates arrive as datetime.date
        return value.isoformat()[:10]
    if isinstance(value, (str, int, float)):
        return str(value)
    return None


def _texts(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    if isinstance(value, list):
        return tuple(t for t in (_text(v) for v in value) if t)
    return ()


def _metadata_from_mapping(data: dict) -> ir.Metadata:
    publisher = _publisher(data.get("publisher"), _text(data.get("place")))
    identifiers = {}
    if isinstance(data.get("identifiers"), dict):
        identifiers = {str(k): t for k, v in data["identifiers"].items() if (t := _text(v))}
    for key in ("issn", "doi"):
        if _text(data.get(key)):
            identifiers[key] = _text(data[key])
    extra = {str(k): t for k, v in data.items() if k not in YAML_KEYS and (t := _text(v)) is not None}
    return ir.Metadata(
        title=_text(data.get("title")),
        subtitle=_text(data.get("subtitle")),
        authors=_authors(data.get("author", data.get("authors"))),
        date=_text(data.get("date")),
        publisher=publisher,
        series=_series(data.get("series")),
        keywords=_texts(data.get("keywords")),
        licence=_licence(data.get("license", data.get("licence", data.get("rights")))),
        disclaimer=_text(data.get("disclaimer")),
        abstract=_text(data.get("abstract")),
        language=_text(data.get("lang", data.get("language"))),
        identifiers=identifiers,
        extra=extra,
    )


def _authors(value: Any) -> tuple[ir.Author, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    authors = []
    for item in items:
        if isinstance(item, dict) and _text(item.get("name")):
            affiliation = item.get("affiliation", item.get("affiliations"))
            authors.append(ir.Author(
                name=_text(item["name"]) or "",
                given=_text(item.get("given")),
                family=_text(item.get("family")),
                honorific=_text(item.get("honorific")),
                role=_text(item.get("role")),
                affiliations=(_text(affiliation),) if _text(affiliation) else _texts(affiliation),
                email=_text(item.get("email")),
            ))
        elif _text(item):
            authors.append(ir.Author(name=_text(item) or ""))
    return tuple(authors)


def _publisher(value: Any, place: str | None) -> ir.Publisher | None:
    if isinstance(value, dict) and _text(value.get("name")):
        return ir.Publisher(name=_text(value["name"]) or "", place=_text(value.get("place")) or place)
    if _text(value):
        return ir.Publisher(name=_text(value) or "", place=place)
    return None


def _series(value: Any) -> ir.Series | None:
    if isinstance(value, dict):
        series = ir.Series(name=_text(value.get("name")), number=_text(value.get("number")))
        return series if series != ir.Series() else None
    return ir.Series(name=_text(value)) if _text(value) else None


def _licence(value: Any) -> ir.Licence | None:
    if isinstance(value, dict):
        licence = ir.Licence(text=_text(value.get("text")), url=_text(value.get("url")))
        return licence if licence != ir.Licence() else None
    return ir.Licence(text=_text(value)) if _text(value) else None


def read_markdown(data: bytes, options: Mapping[str, str]) -> ir.Document:
    from briefconv.textio import decode_text

    text = decode_text(data)
    tokens = markdown_subset.tokenize(text)
    if tokens is None:
        tokens = _parser().parse(text)
    return _Reader(tokens).read()
