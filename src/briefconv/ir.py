"""The intermediate representation (IR) every reader fills and every writer consumes.

A :class:`Document` is metadata, a tuple of body blocks, optional back matter and the
notes.  Everything is a frozen dataclass built from tuples, strings and other IR
nodes, so a document can be compared with ``==`` and shared between threads without
copying, and its blocks and inlines can be hashed (a document as a whole cannot: its
metadata's ``identifiers`` and ``extra`` are dicts).

Readers fill only what they understood: a field they could not recover stays at its
empty default (``None`` or ``()``).  Writers never invent data.

The JSON form of these classes lives in :mod:`briefconv.formats.irjson`; this module
holds no behaviour beyond the data itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Mapping, Union

# --------------------------------------------------------------------------- inlines


@dataclass(frozen=True)
class Text:
    """Plain text. Adjacent ``Text`` nodes carry no meaning; readers merge them."""

    text: str


@dataclass(frozen=True)
class Emphasis:
    """Emphasised text, usually set in italics (titles of works, foreign words)."""

    children: tuple[Inline, ...]


@dataclass(frozen=True)
class Strong:
    """Strongly emphasised text, usually set in bold."""

    children: tuple[Inline, ...]


@dataclass(frozen=True)
class Superscript:
    """Raised text: an ordinal's ending ("1st"), a unit's power, a mark set by hand."""

    children: tuple[Inline, ...]


@dataclass(frozen=True)
class Subscript:
    """Lowered text, such as the digits of a chemical formula."""

    children: tuple[Inline, ...]


@dataclass(frozen=True)
class Link:
    """A hyperlink to ``url``; ``children`` is the visible text."""

    url: str
    children: tuple[Inline, ...]


@dataclass(frozen=True)
class NoteRef:
    """The mark in running text that points to the note ``note_id``."""

    note_id: str


@dataclass(frozen=True)
class NoteCrossRef:
    """Text inside a note that refers to another note: "Ibid." or "n. 4".

    ``note_id`` is the note referred to; ``children`` is the text as printed.
    """

    note_id: str
    children: tuple[Inline, ...]


@dataclass(frozen=True)
class LineBreak:
    """A hard line break inside a block."""


Inline = Union[Text, Emphasis, Strong, Superscript, Subscript, Link, NoteRef, NoteCrossRef, LineBreak]

# ---------------------------------------------------------------------------- blocks


@dataclass(frozen=True)
class Heading:
    """A section heading; level 1 is the top level of the body (the title is metadata)."""

    level: int
    children: tuple[Inline, ...]


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of running text."""

    children: tuple[Inline, ...]


@dataclass(frozen=True)
class BlockQuote:
    """A quotation set off from the running text; it holds blocks of its own."""

    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class ListBlock:
    """A bulleted (``ordered=False``) or numbered list; each item is a tuple of blocks."""

    ordered: bool
    items: tuple[tuple[Block, ...], ...]
    start: int = 1


Block = Union[Heading, Paragraph, BlockQuote, ListBlock]

# ----------------------------------------------------------------------------- notes

NoteKind = Literal["endnote", "footnote"]


@dataclass(frozen=True)
class Note:
    """A footnote or endnote.

    ``id`` is unique within the document and is what :class:`NoteRef` and
    :class:`NoteCrossRef` point to; ``label`` is the mark as printed ("1", "*").
    """

    id: str
    label: str
    blocks: tuple[Block, ...]
    kind: NoteKind = "endnote"


# -------------------------------------------------------------------------- metadata


@dataclass(frozen=True)
class Author:
    """A person credited with the document.

    ``name`` is the full name as printed, without honorific; ``given`` and ``family``
    are filled when the reader could tell them apart.
    """

    name: str
    given: str | None = None
    family: str | None = None
    honorific: str | None = None
    role: str | None = None
    affiliations: tuple[str, ...] = ()
    email: str | None = None


@dataclass(frozen=True)
class Publisher:
    """The organisation that publishes the document, and its city (``place``)."""

    name: str
    place: str | None = None


@dataclass(frozen=True)
class Series:
    """The publication series and the document's number in it ("CAPSS In Focus", "03/2026")."""

    name: str | None = None
    number: str | None = None


@dataclass(frozen=True)
class Licence:
    """The terms the document is published under: their text, a link to them, or both."""

    text: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Metadata:
    """What is known about the document as a whole.

    ``date`` is ISO 8601 (``YYYY-MM-DD``, or ``YYYY-MM`` / ``YYYY`` when that is all
    the source says).  ``identifiers`` maps a lower-case scheme ("issn", "doi",
    "report-number") to its value.  ``extra`` holds everything else a reader found or a
    user set with ``-M key=value``; writers look there for options such as
    ``papersize`` and ``notes``.
    """

    title: str | None = None
    subtitle: str | None = None
    authors: tuple[Author, ...] = ()
    date: str | None = None
    publisher: Publisher | None = None
    series: Series | None = None
    keywords: tuple[str, ...] = ()
    licence: Licence | None = None
    disclaimer: str | None = None
    abstract: str | None = None
    language: str | None = None
    identifiers: Mapping[str, str] = field(default_factory=dict)
    extra: Mapping[str, str] = field(default_factory=dict)


# -------------------------------------------------------------------------- document


@dataclass(frozen=True)
class Document:
    """A whole brief: metadata, body, back matter (acknowledgments, appendices) and notes."""

    metadata: Metadata = field(default_factory=Metadata)
    blocks: tuple[Block, ...] = ()
    back: tuple[Block, ...] = ()
    notes: tuple[Note, ...] = ()
