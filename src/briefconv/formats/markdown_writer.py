"""The Markdown writer; the ``md`` format is declared in :mod:`briefconv.formats.markdown`,
whose docstring lists what it keeps and loses.

It emits a YAML metadata block (written by :mod:`briefconv.formats.markdown_yaml`:
PyYAML would cost more to import than the whole conversion), ATX headings, ``*emphasis*``, ``**strong**``,
``^superscript^``, ``~subscript~``, links, block quotes, lists and footnotes ``[^n]``
with their definitions at the end.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

from briefconv import ir
from briefconv.errors import warn
from briefconv.plaintext import plain_text
from briefconv.formats.markdown import YAML_KEYS

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


def _ends_with_unescaped_star(text: str) -> bool:
    """Whether ``text`` ends with a '*' that is markup; '\\*' is a literal star and may
    touch the closing mark (switching to '_' there could run into a '__' after it)."""
    if not text.endswith("*"):
        return False
    backslashes = len(text[:-1]) - len(text[:-1].rstrip("\\"))
    return backslashes % 2 == 0


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
        if stripped.startswith("*") or _ends_with_unescaped_star(stripped):
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
    from briefconv.formats.markdown_yaml import dump

    return dump(_metadata_to_yaml_data(meta))


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
        if key not in data and key not in YAML_KEYS:
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
