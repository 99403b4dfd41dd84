"""Pandoc's Markdown (format ``md``, alias ``markdown``): the interchange for the web.

The writer emits a YAML metadata block, ATX headings, ``*emphasis*``, ``**strong**``,
``^superscript^``, ``~subscript~``, links, block quotes, lists and footnotes ``[^n]``
with their definitions at the end.  The reader parses the same with markdown-it-py and
its front-matter, footnote, superscript and subscript plugins, and PyYAML.  Writing,
reading back and writing again gives the same bytes.

Keeps: all metadata (in the YAML block: ``title``, ``subtitle``, ``author`` as a list
of maps with name, given, family, honorific, role and affiliation, ``date``,
``publisher``, ``series``, ``keywords``, ``license``, ``disclaimer``, ``abstract``,
``lang``, ``identifiers`` and every extra key); headings, paragraphs, block quotes,
lists (two lists in a row stay apart: every other one is marked ``+`` or ``1)``),
emphasis, strong, links, line breaks, notes and their references; references
between notes ("Ibid.", "n. 4") as links to ``#fnN``, which is where pandoc's HTML puts
note N.

Loses: the note kind (Markdown notes are just notes: they read back as endnotes);
markup nested inside super- or subscripts (kept as plain text); heading levels past 6
(set at 6, with a warning); back matter such as acknowledgments, which Markdown
cannot set apart, is written at the end of the body (with a warning).  On reading: code, raw HTML, images, tables and rules have no place in the
model; their text is kept as plain paragraphs (images as their alt text).
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

from briefconv import ir
from briefconv.errors import InputError, warn
from briefconv.hookspecs import hookimpl
from briefconv.plaintext import plain_text
from briefconv.plugins import Format

# ============================================================================ writer

# Characters that start inline markup somewhere in CommonMark or pandoc's Markdown.
_ESCAPE_INLINE = re.compile(r"([\\`*_\[\]<>^~$|])")
_ENTITY_LIKE = re.compile(r"&(?=#?\w+;)")
_CITATION_LIKE = re.compile(r"(^|(?<=[\s(\[]))@")
# What would make the start of a paragraph read as another block.
_BLOCK_START = re.compile(r"^(\s*(?:\d+)?)([#>+-]|(?<=\d)[.)](?=\s|$))")
_CLOSING_HASHES = re.compile(r"(^|[ \t])(#+[ \t]*)$")
_SAFE_LABEL = re.compile(r"^[A-Za-z0-9_.:-]+$")


def _escape(text: str) -> str:
    text = _ESCAPE_INLINE.sub(r"\\\1", text)
    text = _ENTITY_LIKE.sub(r"\\&", text)
    text = _CITATION_LIKE.sub(r"\\@", text)
    return text.replace("\n", " ")


class _Writer:
    """Renders one document; holds the note labels chosen for it."""

    def __init__(self, document: ir.Document) -> None:
        self.document = document
        self.labels = self._note_labels(document.notes)

    @staticmethod
    def _note_labels(notes: tuple[ir.Note, ...]) -> dict[str, str]:
        labels = [n.label for n in notes]
        usable = len(set(labels)) == len(labels) and all(_SAFE_LABEL.match(l) for l in labels)
        return {n.id: (n.label if usable else str(i)) for i, n in enumerate(notes, 1)}

    # ------------------------------------------------------------------ inlines

    def inlines(self, nodes: Iterable[ir.Inline]) -> str:
        return "".join(self.inline(node) for node in nodes)

    def inline(self, node: ir.Inline) -> str:
        if isinstance(node, ir.Text):
            return _escape(node.text)
        if isinstance(node, ir.Emphasis):
            return self._delimited("*", node.children)
        if isinstance(node, ir.Strong):
            return self._delimited("**", node.children)
        if isinstance(node, ir.Superscript):
            return self._script("^", node.children)
        if isinstance(node, ir.Subscript):
            return self._script("~", node.children)
        if isinstance(node, ir.Link):
            return self._link(node.url, node.children)
        if isinstance(node, ir.NoteRef):
            return f"[^{self.labels.get(node.note_id, node.note_id)}]"
        if isinstance(node, ir.NoteCrossRef):
            return self._link(f"#fn{self.labels.get(node.note_id, node.note_id)}", node.children)
        if isinstance(node, ir.LineBreak):
            return "\\\n"
        raise TypeError(f"not an inline: {node!r}")

    def _delimited(self, mark: str, children: tuple[ir.Inline, ...]) -> str:
        # CommonMark only sees emphasis when the delimiters touch non-space text,
        # so surrounding spaces move outside the marks.
        body = self.inlines(children)
        stripped = body.strip(" ")
        if not stripped:
            return body
        lead = body[: len(body) - len(body.lstrip(" "))]
        trail = body[len(body.rstrip(" ")):]
        if stripped.startswith("*") or stripped.endswith("*"):
            # ***x*** reads as emphasis around strong whatever was meant: __*x*__, _**x**_, _*x*_ do not
            mark = mark.replace("*", "_")
        return f"{lead}{mark}{stripped}{mark}{trail}"

    def _script(self, mark: str, children: tuple[ir.Inline, ...]) -> str:
        text = plain_text(children)
        if not text:
            return ""
        return mark + _escape(text).replace(" ", "\\ ") + mark

    def _link(self, url: str, children: tuple[ir.Inline, ...]) -> str:
        if children == (ir.Text(url),) and re.match(r"^[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*$", url):
            return f"<{url}>"
        target = url.replace(" ", "%20")
        if re.search(r"[()<>\\]", target):
            target = "<" + target.replace("<", "%3C").replace(">", "%3E") + ">"
        return f"[{self.inlines(children)}]({target})"

    # ------------------------------------------------------------------- blocks

    def blocks(self, blocks: Iterable[ir.Block]) -> list[str]:
        out = []
        previous, alternate = None, False
        for block in blocks:
            if isinstance(block, ir.ListBlock):
                # Two lists of one kind in a row would read back as one list; CommonMark
                # starts a new list where the marker changes, so every other one uses + or 1).
                same_kind = isinstance(previous, ir.ListBlock) and previous.ordered == block.ordered
                alternate = same_kind and not alternate
                out.append(self._list(block, alternate))
            else:
                out.append(self.block(block))
            previous = block
        return out

    def block(self, block: ir.Block) -> str:
        if isinstance(block, ir.Heading):
            level = block.level
            if level > 6:
                warn(f"heading level {level} written as level 6 (Markdown has six)")
                level = 6
            text = self.inlines(block.children).replace("\\\n", " ")
            # a run of # at the end would be taken for the optional closing sequence
            text = _CLOSING_HASHES.sub(lambda m: m.group(1) + "\\" + m.group(2), text)
            return "#" * max(level, 1) + " " + text
        if isinstance(block, ir.Paragraph):
            text = self.inlines(block.children)
            return _BLOCK_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text, count=1)
        if isinstance(block, ir.BlockQuote):
            inner = "\n\n".join(self.blocks(block.blocks))
            return "\n".join(("> " + line).rstrip() for line in inner.split("\n"))
        if isinstance(block, ir.ListBlock):
            return self._list(block)
        raise TypeError(f"not a block: {block!r}")

    def _list(self, block: ir.ListBlock, alternate: bool = False) -> str:
        tight = all(len(item) <= 1 and all(isinstance(b, ir.Paragraph) for b in item) for item in block.items)
        rendered = []
        for number, item in enumerate(block.items, block.start):
            if block.ordered:
                marker = f"{number}) " if alternate else f"{number}. "
            else:
                marker = "+ " if alternate else "- "
            body = "\n\n".join(self.blocks(item)) or ""
            lines = body.split("\n")
            indent = " " * len(marker)
            text = marker + lines[0] + "".join("\n" + (indent + l if l else "") for l in lines[1:])
            rendered.append(text.rstrip())
        return ("\n" if tight else "\n\n").join(rendered)

    def note(self, note: ir.Note) -> str:
        head = f"[^{self.labels[note.id]}]: "
        body = "\n\n".join(self.blocks(note.blocks))
        lines = body.split("\n")
        return head + lines[0] + "".join("\n" + ("    " + l if l else "") for l in lines[1:])

    # ----------------------------------------------------------------- document

    def document_text(self) -> str:
        parts = []
        front = _metadata_yaml(self.document.metadata)
        if front:
            parts.append(f"---\n{front}---")
        body = list(self.document.blocks)
        if self.document.back:
            warn("Markdown has no back matter: it is written at the end of the body")
            body += list(self.document.back)
        parts += self.blocks(body)
        parts += [self.note(n) for n in self.document.notes]
        return "\n\n".join(p for p in parts if p) + "\n"


def _metadata_yaml(meta: ir.Metadata) -> str:
    return "".join(_yaml_lines(_metadata_to_yaml_data(meta), 0))


# A small YAML emitter for the block above: only strings, lists and mappings occur
# there, and writing them ourselves spares every Markdown conversion PyYAML's import.
_YAML_SPECIAL_START = set("-?:,[]{}#&*!|>'\"%@`= ")
_YAML_IMPLICIT = re.compile(
    r"^(?:[-+.\d]|0x|~$|<<|(?:y|yes|n|no|true|false|on|off|null)$)", re.IGNORECASE
)
_YAML_NEEDS_ESCAPE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff]")


def _yaml_scalar(text: str) -> str:
    """``text`` as a YAML scalar that PyYAML and pandoc both read back as that string."""
    if _YAML_NEEDS_ESCAPE.search(text):
        return '"' + "".join(_yaml_escape(c) for c in text) + '"'
    plain = (
        text != ""
        and text == text.strip()
        and text[0] not in _YAML_SPECIAL_START
        and not _YAML_IMPLICIT.match(text)
        and ": " not in text and " #" not in text and not text.endswith(":")
    )
    return text if plain else "'" + text.replace("'", "''") + "'"


def _yaml_escape(char: str) -> str:
    if char in '\\"':
        return "\\" + char
    if _YAML_NEEDS_ESCAPE.match(char):
        return f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08x}"
    return char


def _yaml_lines(value: Any, indent: int) -> Iterable[str]:
    pad = " " * indent
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)):
                yield f"{pad}{_yaml_scalar(str(key))}:\n"
                yield from _yaml_lines(item, indent + 2 if isinstance(item, dict) else indent)
            else:
                yield f"{pad}{_yaml_scalar(str(key))}: {_yaml_scalar(str(item))}\n"
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and not item:
                yield f"{pad}- {{}}\n"
            elif isinstance(item, dict):
                # the first key shares the dash's line; the rest align under it
                first, *rest = list(_yaml_lines(item, indent + 2))
                yield f"{pad}- {first[indent + 2:]}"
                yield from rest
            else:
                yield f"{pad}- {_yaml_scalar(str(item))}\n"


def _metadata_to_yaml_data(meta: ir.Metadata) -> dict[str, Any]:
    data: dict[str, Any] = {}
    _put(data, "title", meta.title)
    _put(data, "subtitle", meta.subtitle)
    if meta.authors:
        data["author"] = [_author_to_yaml(a) for a in meta.authors]
    _put(data, "date", meta.date)
    if meta.publisher:
        data["publisher"] = _compact({"name": meta.publisher.name, "place": meta.publisher.place})
    if meta.series:
        data["series"] = _compact({"name": meta.series.name, "number": meta.series.number})
    if meta.keywords:
        data["keywords"] = list(meta.keywords)
    if meta.licence:
        data["license"] = _compact({"text": meta.licence.text, "url": meta.licence.url})
    _put(data, "disclaimer", meta.disclaimer)
    _put(data, "abstract", meta.abstract)
    _put(data, "lang", meta.language)
    if meta.identifiers:
        data["identifiers"] = dict(sorted(meta.identifiers.items()))
    for key, value in sorted(meta.extra.items()):
        if key not in data and key not in _KNOWN_KEYS:
            data[key] = value
    return data


def _author_to_yaml(author: ir.Author) -> dict[str, Any]:
    return _compact({
        "name": author.name,
        "given": author.given,
        "family": author.family,
        "honorific": author.honorific,
        "role": author.role,
        "affiliation": list(author.affiliations) or None,
        "email": author.email,
    })


def _put(data: dict[str, Any], key: str, value: Any) -> None:
    if value not in (None, "", ()):
        data[key] = value


def _compact(mapping: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if v not in (None, "", [])}


def write_markdown(document: ir.Document, options: Mapping[str, str]) -> bytes:
    return _Writer(document).document_text().encode("utf-8")


# ============================================================================ reader

_KNOWN_KEYS = {
    "title", "subtitle", "author", "authors", "date", "publisher", "place", "series",
    "keywords", "license", "licence", "rights", "disclaimer", "abstract", "lang",
    "language", "identifiers", "issn", "doi",
}
_NOTE_TARGET = re.compile(r"^#fn(.+)$")


def _parser():
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
        self.note_labels: dict[str, str] = {}  # printed label -> IR note id
        self._index_footnotes()

    def _index_footnotes(self) -> None:
        # Note ids must be known before the body is read, because references come first.
        for token in self.tokens:
            if token.type == "footnote_open":
                number = token.meta["id"]
                label = token.meta.get("label") or str(number + 1)
                self.note_ids[number] = f"fn{label}"
                self.note_labels[label] = f"fn{label}"

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
                number = token.meta["id"]
                note_id = self.note_ids[number]
                label = token.meta.get("label") or str(number + 1)
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
    import yaml

    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark else ""
        raise InputError(f"invalid YAML metadata block{where}") from None
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
    extra = {str(k): t for k, v in data.items() if k not in _KNOWN_KEYS and (t := _text(v)) is not None}
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
    return _Reader(_parser().parse(text)).read()


@hookimpl
def briefconv_register_formats(register) -> None:
    register(Format(
        name="md",
        aliases=("markdown",),
        extensions=(".md", ".markdown"),
        reader=read_markdown,
        writer=write_markdown,
        description="Pandoc's Markdown with a YAML metadata block and footnotes",
    ))
