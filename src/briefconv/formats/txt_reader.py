"""The plain-text reader's stages; the ``txt`` format itself is declared in
:mod:`briefconv.formats.txt`, whose docstring lists what it keeps and loses.

The text is read as a pipeline of small stages, each a tuple or chain of rules (the
patterns live in :mod:`briefconv.formats.txt_rules`):

1. decode (BOM, UTF-8, UTF-16, cp1252, latin-1; CRLF and CR) and split into pages at
   form feeds;
2. remove page furniture: running headers and footers repeated on many pages (or,
   without form feeds, short lines repeated three times or more), page numbers
   ("12", "- 12 -", "Page 3 of 5"), contents lists with dot leaders;
3. gather footnotes from the foot of each page as ``pdftotext`` leaves them (after a
   rule or numbered on from the last one, a note running on at the next page foot);
4. group lines into chunks at blank lines, one chunk per line for word-processor
   exports (one unwrapped paragraph per line), and split off headings that run into
   their text with no blank line;
5. read the title block with :data:`FRONT_RULES` (e-mail/memo header fields,
   disclaimer, licence, keywords, abstract, report number, date, series, series name
   and number on lines of their own, e-mail, by-line, author with role, honorific
   author, role, publisher, place; a masthead line set in columns is split first),
   then title, subtitle and authors from what is left; the body starts at the first
   line no rule explains;
6. split the rest into body, notes ("Notes", "Endnotes", "Footnotes", "References",
   any case, with or without a colon, entries ``¹ x``, ``1. x``, ``[1] x``, ``(1) x``,
   ``1 x``; or an unheaded list of entries at the end), back matter (acknowledgments,
   about the author, unnumbered bibliography), disclaimer and licence;
7. turn body chunks into headings (numbered ``1.``/``1.1.``/``I.``/``A.`` with their
   depth as level, setext/ATX, ALL CAPS over Title Case), bulleted and numbered lists,
   ``> quoted`` block quotes and paragraphs, rejoining paragraphs broken by a page break and words hyphenated
   at line ends (``inter-``/``national``) but keeping real hyphens (``Jae-``/``Myung``);
8. resolve note markers: superscripts, ``[1]`` and ``^1`` whenever the note exists;
   ``(1)`` and digits glued to a word (``day.1``) only as the next note in sequence.
   In notes, ``*italic*``, ``<https://…>`` and bare URLs, "Ibid." and "n. 4" / "note 4"
   (a :class:`~briefconv.ir.NoteCrossRef` to that note).
"""

from __future__ import annotations

import re
from typing import Mapping

from briefconv import ir
from briefconv.errors import warn
from briefconv.formats import txt_rules as rules

# ============================================================ stage 1: lines, pages


class Chunk:
    """A run of non-blank lines; ``broken`` when a page break or furniture preceded it."""

    __slots__ = ("lines", "broken")

    def __init__(self, lines: list[str], broken: bool = False) -> None:
        self.lines = lines
        self.broken = broken

    @property
    def text(self) -> str:
        return " ".join(line.strip() for line in self.lines)

    @property
    def first(self) -> str:
        return self.lines[0].strip()


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\u200b\ufeff]")


def decode(data: bytes) -> str:
    from briefconv.textio import decode_text

    text = decode_text(data)
    text = text.replace("\x0c", "\n\x0c\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    return text.replace("\u00a0", " ").replace("\u2028", "\n").replace("\u2029", "\n\n")


def split_pages(text: str) -> list[list[str]]:
    """Lines (right-stripped, tabs expanded) of each page between form feeds."""
    pages: list[list[str]] = [[]]
    for line in text.split("\n"):
        if line == "\x0c":
            pages.append([])
            continue
        pages[-1].append(line.expandtabs(4).rstrip() if "\t" in line else line.rstrip())
    return pages


# ======================================================== stage 2: page furniture

FURNITURE = "\x0c"  # a removed line leaves this mark: it separates chunks like a page break


def remove_furniture(pages: list[list[str]]) -> None:
    """Blank out page numbers, running headers/footers and contents lists, in place."""
    if len(pages) >= 2:
        _remove_running_lines(pages)
    else:
        _remove_repeated_lines(pages[0])
    for page in pages:
        _remove_page_numbers(page)
        _remove_contents(page)


def _edge_indexes(page: list[str], depth: int = 3) -> list[int]:
    filled = [i for i, line in enumerate(page) if line.strip()]
    return sorted(set(filled[:depth] + filled[-depth:]))


def _remove_running_lines(pages: list[list[str]]) -> None:
    """Lines at the top (or the foot) of many pages, page numbers aside, are running
    heads (or feet).  A finished sentence never is: short pages put body text there."""
    counts: dict[tuple[str, str], int] = {}
    for page in pages:
        for edge, indexes in _edges(page):
            for key in {rules.normalise_furniture(page[i]) for i in indexes if _may_run(page[i])}:
                counts[(edge, key)] = counts.get((edge, key), 0) + 1
    threshold = max(2 if len(pages) < 5 else 3, (len(pages) * 2 + 4) // 5)
    repeated = {k for k, n in counts.items() if n >= threshold and k[1].strip("# ")}
    for page in pages:
        for edge, indexes in _edges(page):
            for i in indexes:
                if _may_run(page[i]) and (edge, rules.normalise_furniture(page[i])) in repeated:
                    page[i] = FURNITURE


def _edges(page: list[str], depth: int = 2) -> list[tuple[str, list[int]]]:
    filled = [i for i, line in enumerate(page) if line.strip() and line != FURNITURE]
    return [("top", filled[:depth]), ("foot", filled[-depth:])]


def _may_run(line: str) -> bool:
    text = line.strip()
    return len(text) < 150 and line != FURNITURE and not rules.ends_sentence(text) and not text[:1].islower()


def _remove_repeated_lines(lines: list[str]) -> None:
    """Without form feeds: short stand-alone lines repeated 3+ times are running heads."""
    counts: dict[str, int] = {}
    standalone = []
    for i, line in enumerate(lines):
        if not line.strip() or len(line) > 100:
            continue
        alone = (i == 0 or not lines[i - 1].strip()) and (i + 1 == len(lines) or not lines[i + 1].strip())
        if alone and not rules.ends_sentence(line) and rules.note_entry(line) is None:
            key = rules.normalise_furniture(line)
            counts[key] = counts.get(key, 0) + 1
            standalone.append((i, key))
    for i, key in standalone:
        if counts[key] >= 3 and not rules.is_notes_heading(lines[i]):
            lines[i] = FURNITURE


def _remove_rules(pages: list[list[str]]) -> None:
    """A line drawn with '____' (or '-----' standing alone) separates, it says nothing."""
    for page in pages:
        for i, line in enumerate(page):
            if not rules.is_separator(line):
                continue
            text = line.strip()
            alone = i == 0 or not page[i - 1].strip() or page[i - 1] == FURNITURE
            if not text.strip("_─━") or alone:
                page[i] = FURNITURE


def _remove_page_numbers(page: list[str]) -> None:
    edges = set(_edge_indexes(page, 2))
    for i, line in enumerate(page):
        if line == FURNITURE or not line.strip():
            continue
        lower = line.strip().lower()
        if lower.startswith("page ") and rules.is_page_number(line):
            page[i] = FURNITURE
        elif rules.is_page_number(line):
            alone = (i == 0 or not page[i - 1].strip() or page[i - 1] == FURNITURE) and (
                i + 1 == len(page) or not page[i + 1].strip() or page[i + 1] == FURNITURE
            )
            if i in edges or alone:
                page[i] = FURNITURE


def _remove_contents(page: list[str]) -> None:
    entries = [i for i, line in enumerate(page) if line != FURNITURE and rules.is_contents_entry(line)]
    if len(entries) < 2:
        return
    for i in entries:
        page[i] = FURNITURE
    # the "Contents" heading above the first entry, and wrapped entry lines between entries
    first = entries[0]
    for j in range(first - 1, max(-1, first - 4), -1):
        if page[j].strip().lower().rstrip(":") in rules.CONTENTS_HEADINGS:
            page[j] = FURNITURE
            break
    for a, b in zip(entries, entries[1:]):
        if 1 < b - a <= 3 and all(page[k].strip() for k in range(a + 1, b)):
            for k in range(a + 1, b):
                page[k] = FURNITURE


# ===================================================== stage 3: footnotes on pages


class RawNote:
    """A note as found in the text: its number and its paragraphs' lines, before inline parsing."""

    __slots__ = ("number", "paragraphs", "kind")

    def __init__(self, number: int, paragraphs: list[list[str]] | None = None, kind: str = "endnote") -> None:
        self.number = number
        self.paragraphs = [] if paragraphs is None else paragraphs
        self.kind = kind


def gather_page_footnotes(pages: list[list[str]]) -> list[RawNote]:
    """Notes at the foot of pages (after a rule, or numbered on from the last one), removed."""
    if len(pages) < 2:
        return []
    notes: list[RawNote] = []
    seen_text = ""
    for page in pages:
        heading = next((i for i, line in enumerate(page) if rules.is_notes_heading(line)), None)
        if heading is not None:
            break  # from a 'Notes' heading on, numbered entries are the notes section
        expected = notes[-1].number + 1 if notes else 1
        unfinished = bool(notes) and not rules.ends_sentence(notes[-1].paragraphs[-1][-1])
        start = _footnote_start(page, expected, seen_text, unfinished)
        body = page if start is None else page[:start]
        seen_text = (seen_text + "\n" + "\n".join(body))[-20000:]
        if start is None:
            continue
        found = _read_entries(page[start:], expected, kind="footnote", carry=notes[-1] if notes else None)
        if not found:
            continue
        notes.extend(found)
        for i in range(start, len(page)):
            page[i] = ""
        page.insert(start, FURNITURE)
    return notes


FOOT_LINES = 80  # footnotes never fill more of a page than this


def _footnote_start(page: list[str], expected: int, earlier: str, unfinished: bool) -> int | None:
    separator = None
    for i in range(len(page) - 1, max(-1, len(page) - 60), -1):
        if rules.is_separator(page[i]):
            separator = i
            break
    if separator is not None:
        following = next((j for j in range(separator + 1, len(page)) if page[j].strip()), None)
        if following is not None:
            entry = rules.note_entry(page[following])
            if entry and entry[0] == expected:
                page[separator] = ""
                return following
    for i in range(len(page) - 1, max(0, len(page) - FOOT_LINES), -1):  # the lowest plausible start wins
        entry = rules.note_entry(page[i])
        if not entry or entry[0] != expected:
            continue
        after_blank = not page[i - 1].strip() or page[i - 1] == FURNITURE
        # '1Text' or '¹ Text' right under the body: pdftotext's raw mode leaves no blank line
        glued = entry[3] in ("glued", "super") and entry[0] == expected and not after_blank
        start = i if after_blank else _carried_over(page, i, unfinished)
        if start is None and glued:
            start = i
        if start is None or not _only_entries_follow(page, i, expected):
            continue
        before = earlier + "\n" + "\n".join(page[:start])
        if any(m.number == expected for m in rules.inline_markers(before[-5000:])):
            return start
    return None


def _carried_over(page: list[str], entry: int, unfinished: bool) -> int | None:
    """Where the tail of the previous page's last footnote starts, just above ``entry``.

    The tail is one to three lines; above it is a blank line, a finished sentence or a
    colon (the end of the body text on this page).
    """
    if not unfinished or entry < 2:
        return None

    def boundary(line: str) -> bool:
        return not line.strip() or line == FURNITURE or rules.ends_sentence(line) or line.rstrip().endswith(":")

    start = entry - 1
    if boundary(page[start]) and not rules.ends_sentence(page[start]):
        return None
    while start > 0 and entry - start < 3 and not boundary(page[start - 1]):
        start -= 1
    if start == 0 or not boundary(page[start - 1]):
        return None
    return start


def _only_entries_follow(page: list[str], start: int, expected: int) -> bool:
    """From ``start`` to the page end: entries numbered on, their wrapped lines, furniture."""
    number = expected
    blank_run = 0
    for line in page[start + 1:]:
        if not line.strip() or line == FURNITURE:
            blank_run += 1
            continue
        if blank_run > 2:
            return False  # a wide gap, then more text: that was not the page foot
        blank_run = 0
        entry = rules.note_entry(line)
        if entry and entry[0] == number + 1:
            number += 1
        elif entry and entry[0] <= number and rules.word_count(line) > 3:
            return False  # numbering starts again: body text with a numbered line
    return True


def _read_entries(lines: list[str], expected: int | None, kind: str = "endnote", carry: RawNote | None = None) -> list[RawNote]:
    """Notes opened by entry lines numbered on from ``expected``; lines before the first
    entry continue ``carry`` (a footnote that ran on from the previous page)."""
    notes: list[RawNote] = []
    paragraph_break = False
    for line in lines:
        if not line.strip() or line == FURNITURE:
            paragraph_break = bool(notes)
            continue
        entry = rules.note_entry(line)
        if entry and (expected is None or entry[0] == expected):
            notes.append(RawNote(entry[0], [[entry[1].strip()]], kind))
            expected = entry[0] + 1
        elif notes:
            if paragraph_break:
                notes[-1].paragraphs.append([line.strip()])
            else:
                notes[-1].paragraphs[-1].append(line.strip())
        elif carry is not None:
            carry.paragraphs[-1].append(line.strip())
        paragraph_break = False
    return notes


# ============================================================ stage 4: chunks


UNWRAPPED = 200  # a line this long was never wrapped: one line, one paragraph


def split_unwrapped(chunks: list[Chunk]) -> list[Chunk]:
    """Text saved from a word processor ('Save as plain text') puts one paragraph on
    each line with no blank line between: a chunk with such long lines is one chunk
    per line."""
    out: list[Chunk] = []
    for chunk in chunks:
        if len(chunk.lines) > 1 and max(len(line) for line in chunk.lines) > UNWRAPPED:
            out.append(Chunk([chunk.lines[0]], chunk.broken))
            out.extend(Chunk([line]) for line in chunk.lines[1:])
        else:
            out.append(chunk)
    return out


def split_run_in_headings(chunks: list[Chunk]) -> list[Chunk]:
    """'1. Introduction' directly above the first line of text: a chunk of its own.

    pdftotext leaves no blank line between a heading and its text; the heading is
    then the first line (or two) of a chunk, above an indented first line or above
    full-width lines, or a numbered line between a finished sentence and a capital.
    """
    out: list[Chunk] = []
    for chunk in chunks:
        lines, broken = chunk.lines, chunk.broken
        taken = _heading_above_text(lines) if len(lines) >= 2 else 0
        if taken:
            out.append(Chunk(lines[:taken], broken))
            lines, broken = lines[taken:], False
        start = 0
        i = 1
        while i < len(lines) - 1:
            if i > start and rules.ends_sentence(lines[i - 1]) and _numbered_heading(lines[i].strip()):
                taken = _heading_above_text(lines[i:i + 12])
                if taken:
                    out.append(Chunk(lines[start:i], broken if start == 0 else False))
                    out.append(Chunk(lines[i:i + taken]))
                    start, broken = i + taken, False
                    i += taken
                    continue
            i += 1
        if start < len(lines):
            out.append(Chunk(lines[start:], broken if start == 0 else False))
    return out


def _heading_above_text(lines: list[str]) -> int:
    """How many of the first lines (0, 1 or 2) are a heading run into the text below."""
    first = lines[0].strip()
    numbered = _numbered_heading(first) is not None
    if len(lines) < 2 or _list_lines(lines) or rules.ends_sentence(first) and not (numbered and first.endswith("?")):
        return 0
    width = max(len(line.strip()) for line in lines)
    if numbered and first.split()[-1].lower() in rules.SMALL_WORDS and len(lines) >= 3:
        # '1.2. How Often … Other Than the Start of' / 'the Congress?' / text
        second = lines[1].strip()
        if len(second) < 0.6 * width and not second.endswith((".", ",", ";")) and lines[2].strip()[:1].isupper():
            return 2
        return 0
    second = lines[1]
    if not second.strip()[:1].isupper() or first.split()[-1].lower() in rules.SMALL_WORDS:
        return 0
    if numbered:
        return 1 if len(first) < 0.8 * width else 0
    if heading_style(Chunk([first]), Chunk(lines[1:])) is None:
        return 0
    rest = " ".join(line.strip() for line in lines[1:])
    letters = [c for c in first if c.isalpha()]
    capitalised = _title_case_ratio(first) >= 0.7 or (letters and all(c.isupper() for c in letters))
    if capitalised and rules.word_count(first) <= 10 and rules.word_count(rest) >= 6 and (
        rules.ends_sentence(rest) or rest.endswith(":")
    ):
        return 1  # 'Why It Matters' over a short paragraph, no blank line between
    if len(lines) < 3:
        return 0
    if _indent(second) > _indent(lines[0]):
        return 1  # the text below starts with a first-line indent
    # or a short line over full-width ones: 'Introduction' above wrapped text
    full = width >= 50 and all(len(line.strip()) >= 0.8 * width for line in lines[1:3])
    return 1 if full and len(first) < 0.6 * width else 0


def make_chunks(pages: list[list[str]]) -> list[Chunk]:
    chunks: list[Chunk] = []
    current: list[str] = []
    broken = False
    pending_break = False
    for page_index, page in enumerate(pages):
        if page_index:
            pending_break = True
        for line in page:
            if line == FURNITURE:
                pending_break = True
            if not line.strip() or line == FURNITURE:
                if current:
                    chunks.append(Chunk(current, broken))
                    current, broken = [], False
                continue
            if not current:
                broken, pending_break = pending_break, False
            current.append(line)
        if current and page_index + 1 < len(pages):
            chunks.append(Chunk(current, broken))
            current, broken = [], False
    if current:
        chunks.append(Chunk(current, broken))
    return chunks


# ===================================================== text joining (hyphenation)


_URL_TAIL = re.compile(r"[\w\-./?=&%#~+:@]+")


def _url_runs_on(previous: str, line: str) -> bool:
    """'https://x.org/page/' + '202601/a.shtml.': the line goes on with the same URL."""
    last = previous.rsplit(None, 1)[-1] if previous.strip() else ""
    if "://" not in last or len(line) < 2:
        return False
    token = line.split(None, 1)[0]
    if not _URL_TAIL.fullmatch(token.rstrip(".,;)")) or token[:1].isupper() and token[1:2].islower():
        return False
    return last[-1] in "/-_=?&.#" or token[0] in "-/_.?&=#"


class Joiner:
    """Joins the lines of a wrapped paragraph, undoing hyphenation at line ends.

    'inter-' + 'national' becomes 'international', but 'Jae-' + 'Myung' keeps its
    hyphen (a capital follows), so does 'self-' + 'defence' (a prefix that keeps
    it in English), and so does any word the document also prints hyphenated whole.
    """

    def __init__(self, full_text: str) -> None:
        self._full_text = full_text
        self._hyphenated: set[str] | None = None
        self._plain: set[str] | None = None

    def _load(self) -> None:
        words = re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", self._full_text)
        self._hyphenated = {w.lower() for w in words if "-" in w}
        self._plain = {w.lower() for w in words if "-" not in w}

    def join(self, lines: list[str]) -> str:
        parts: list[str] = []
        for raw in lines:
            line = raw.strip()
            if not line:
                continue
            previous = parts[-1] if parts else ""
            if not parts:
                parts.append(line)
            elif previous.endswith("-") and len(previous) >= 2 and previous[-2].isalpha() and line[:1].isalpha():
                if not self._keep_hyphen(previous[:-1], line):
                    parts[-1] = previous[:-1]
                parts.append(line)
            elif previous.endswith(("—", "–", "/")) and not previous.endswith((" —", " –")):
                parts.append(line)
            elif _url_runs_on(previous, line):
                parts.append(line)  # a URL broken at the line end
            else:
                parts.append(" ")
                parts.append(line)
        return "".join(parts)

    def _keep_hyphen(self, before: str, after: str) -> bool:
        prefix = re.split(r"[^\w]", before)[-1]
        suffix = re.split(r"[^\w]", after, maxsplit=1)[0]
        if not prefix or not suffix or suffix[0].isupper() or prefix[-1].isupper() and len(prefix) <= 3:
            return True
        if "-" in before.rsplit(" ", 1)[-1]:
            return True  # 'China-South Korea-' style compounds keep every hyphen
        if prefix.lower() in rules.HYPHEN_PREFIXES:
            return True
        if self._hyphenated is None:
            self._load()
        assert self._hyphenated is not None and self._plain is not None
        joined = (prefix + suffix).lower()
        if f"{prefix}-{suffix}".lower() in self._hyphenated and joined not in self._plain:
            return True
        return False


# ================================================ stage 5: the title block (front)


class FrontLine:
    """One line of the title block, and what the front-matter rules decided it is."""

    __slots__ = ("text", "chunk", "kind", "value", "email", "column")

    def __init__(self, text: str, chunk: int, column: bool = False) -> None:
        self.text = text
        self.chunk = chunk
        self.column = column  # one of several fields of a masthead line set in columns
        self.kind = ""  # '' until a rule claims it
        self.value: object = None
        self.email: str | None = None  # 'From: Name <address>' gives both


class Front:
    """What the title block gave, before it becomes the IR's metadata (filled in by the rules)."""

    __slots__ = ("title", "subtitle", "authors", "date", "publisher", "place", "series", "keywords",
                 "licence", "disclaimer", "abstract", "identifiers", "extra")

    def __init__(self) -> None:
        self.title: str | None = None
        self.subtitle: str | None = None
        self.authors: list[dict] = []
        self.date: str | None = None
        self.publisher: str | None = None
        self.place: str | None = None
        self.series: tuple[str | None, str | None] | None = None
        self.keywords: tuple[str, ...] = ()
        self.licence: ir.Licence | None = None
        self.disclaimer: str | None = None
        self.abstract: str | None = None
        self.identifiers: dict[str, str] = {}
        self.extra: dict[str, str] = {}


FRONT_LIMIT = 30  # chunks; a title block is never longer
GENERIC_SECTIONS = {
    "introduction", "summary", "executive summary", "background", "overview", "key points",
    "key findings", "key takeaways", "highlights", "context", "the issue", "abstract",
    "in brief", "analysis", "recommendations", "conclusion",
}


def _prefixed(text: str, *names: str) -> str | None:
    """The rest of 'Name: rest' (or 'Name - rest') when ``text`` starts with one of ``names``."""
    lower = text.lower()
    for name in names:
        if lower.startswith(name):
            rest = text[len(name):]
            stripped = rest.lstrip()
            if stripped[:1] in (":", "-", "–", "—", "."):
                return stripped[1:].strip()
    return None


def rule_disclaimer(line: FrontLine) -> bool:
    rest = _prefixed(line.text, "disclaimer")
    if rest:
        line.kind, line.value = "disclaimer", rest
        return True
    return False


def rule_licence(line: FrontLine) -> bool:
    if rules.is_licence(line.text):
        line.kind, line.value = "licence", line.text
        return True
    return False


def rule_keywords(line: FrontLine) -> bool:
    rest = _prefixed(line.text, "keywords", "key words", "keyword", "tags", "topics")
    if rest:
        separator = ";" if ";" in rest else ","
        words = tuple(w.strip().rstrip(".") for w in rest.split(separator) if w.strip().rstrip("."))
        line.kind, line.value = "keywords", words
        return True
    return False


def rule_abstract(line: FrontLine) -> bool:
    rest = _prefixed(line.text, "abstract", "summary")
    if rest and rules.word_count(rest) > 8:
        line.kind, line.value = "abstract", rest
        return True
    return False


_REPORT = re.compile(
    r"(?P<series>(?:[A-Z][\w.&]*\s){0,3})?(?:Report|Order Code|Document)\s+(?:No\.?\s*|Number\s*)?"
    r"(?P<number>[A-Z]{0,3}\d{1,6}(?:[-/][\w]{1,8})?)\b"
)
_BARE_REPORT = re.compile(r"(?P<number>[A-Z]{1,3}\d{4,6})")


def rule_report_number(line: FrontLine) -> bool:
    text = line.text
    if len(text) > 120:
        return False
    m = _REPORT.match(text) or _BARE_REPORT.fullmatch(text)
    if not m:
        return False
    rest = text[m.end():].strip(" -–—|,;")
    date = rules.date_line(rest) if rest else None
    if rest and not date:
        return False
    series = (m.groupdict().get("series") or "").strip()
    line.kind = "report"
    line.value = (m.group("number"), f"{series} Report" if series else None, date)
    return True


_SERIES = re.compile(r"(?P<name>[A-Z][^:#]{1,60}?)\s*(?::|#|No\.|Number|Issue)\s*(?P<number>\d[\d/.\-]{0,15})")


_GENRE_SERIES = re.compile(r"(?P<name>[A-Z][\w\-]*(?: [\w\-&]+){0,5})\s+(?P<number>\d[\d/.\-]{0,15})")
SERIES_GENRES = {
    "paper", "papers", "brief", "briefs", "note", "notes", "report", "commentary", "analysis",
    "focus", "series", "insight", "insights", "perspective", "perspectives", "update", "issue",
    "bulletin", "memo", "backgrounder", "explainer", "digest",
}


def rule_series(line: FrontLine) -> bool:
    """'CAPSS In Focus: 03/2026', 'Policy Brief No. 12', 'Occasional Paper 7/2025'."""
    text = line.text
    if len(text) > 90:
        return False
    m = _SERIES.fullmatch(text)
    if not m:
        m = _GENRE_SERIES.fullmatch(text)
        if m and m.group("name").split()[-1].lower() not in SERIES_GENRES:
            return False
    if not m or rules.word_count(m.group("name")) > 6:
        return False
    line.kind, line.value = "series", (m.group("name").strip().rstrip(",;-–—").strip(), m.group("number"))
    return True


_SERIES_NUMBER = re.compile(r"(?i)(?:no\.?|number|issue|#)\s*(\d[\d/.\-]{0,15})")


def rule_series_parts(line: FrontLine) -> bool:
    """'ISSUE BRIEF' over 'No. 745': a series name and its number on lines of their own."""
    text = line.text.strip()
    if len(text) > 60:
        return False
    m = _SERIES_NUMBER.fullmatch(text)
    if m:
        line.kind, line.value = "series-number", m.group(1)
        return True
    words = text.split()
    if (
        2 <= len(words) <= 5 and not any(c.isdigit() for c in text) and words[-1].lower() in SERIES_GENRES
        and text.lower() not in GENERIC_SECTIONS
    ):
        line.kind, line.value = "series-name", rules.title_case_org(text)
        return True
    return False


def rule_date(line: FrontLine) -> bool:
    iso = rules.date_line(line.text)
    if iso:
        line.kind, line.value = "date", iso
        return True
    return False


def rule_email(line: FrontLine) -> bool:
    text = line.text.strip()
    lower = text.lower()
    for prefix in ("email:", "e-mail:", "email", "e-mail"):
        if lower.startswith(prefix):
            text = text[len(prefix):].strip(" :")
            break
    if " " not in text and re.fullmatch(r"[\w.+\-]{1,64}@[\w\-]{1,63}(?:\.[\w\-]{1,63}){1,5}", text):
        line.kind, line.value = "email", text
        return True
    return False


def rule_byline(line: FrontLine) -> bool:
    text = line.text.strip()
    lower = text.lower()
    if len(text) > 200 or not lower.startswith(("by ", "written by ", "authors:", "author:", "author ", "authors ")):
        return False
    if lower.startswith("written by "):
        rest = text[len("written by "):]
    elif lower.startswith("by "):
        rest = text[3:]
    else:
        rest = text.split(":", 1)[1] if ":" in text else text.split(None, 1)[1]
    people = rules.split_people(rest)
    if people and all(rules.looks_like_name(rules.split_honorific(p)[1]) for p in people):
        line.kind, line.value = "authors", people
        return True
    return rule_author_with_role(FrontLine(rest.strip(), line.chunk)) and _copy_claim(line, rest.strip())


def _copy_claim(line: FrontLine, rest: str) -> bool:
    """'By Jane Doe, Senior Fellow, X': the author-with-role reading of the rest."""
    inner = FrontLine(rest, line.chunk)
    rule_author_with_role(inner)
    line.kind, line.value = inner.kind, inner.value
    return True


def rule_honorific_author(line: FrontLine) -> bool:
    text = line.text.strip()
    if len(text) > 120:
        return False
    honorific, rest = rules.split_honorific(text)
    if honorific is None:
        return False
    people = rules.split_people(text)
    if all(rules.looks_like_name(rules.split_honorific(p)[1]) for p in people):
        line.kind, line.value = "authors", people
        return True
    return False


def rule_author_with_role(line: FrontLine) -> bool:
    """'Dr José Martínez, Senior Fellow, Asia-Pacific Forum': a name, then role and affiliation."""
    text = line.text.strip()
    if len(text) > 200 or ", " not in text:
        return False
    name, _, rest = text.partition(", ")
    if not rules.looks_like_name(rules.split_honorific(name)[1]):
        return False
    found = rules.role_and_affiliations(rest)
    if not found or not found[0]:
        return False
    line.kind, line.value = "author+role", (name, found)
    return True


def rule_role(line: FrontLine) -> bool:
    """'Research Associate, Centre for X': a role with an organisation, or a role alone."""
    found = rules.role_and_affiliations(line.text)
    if found and found[0]:
        line.kind, line.value = "role", found
        return True
    return False


def rule_publisher(line: FrontLine) -> bool:
    if rules.looks_like_org(line.text) and len(line.text) < 120:
        line.kind, line.value = "publisher", rules.title_case_org(line.text.strip())
        return True
    return False


def rule_place(line: FrontLine) -> bool:
    if rules.is_place(line.text):
        line.kind, line.value = "place", line.text.strip().rstrip(".")
        return True
    return False


_FIELD = re.compile(r"(?i)(subject|re|title|subtitle|from|author|authors|date|sent|to|cc|bcc|reply-to)\s*:\s*(\S.*)")


def rule_field(line: FrontLine) -> bool:
    """'Subject: …', 'From: Jane Doe <jane@x.org>', 'Date: Mon, 3 Mar 2026 …' (an e-mail's
    headers) or 'Title: …' fields at the head of a text export."""
    m = _FIELD.fullmatch(line.text.strip()) if len(line.text) < 300 else None
    if not m:
        return False
    name, value = m.group(1).lower(), m.group(2).strip()
    if name in ("subject", "re", "title"):
        for prefix in ("re:", "fwd:", "fw:"):
            if value.lower().startswith(prefix):
                value = value[len(prefix):].strip()
        line.kind, line.value = "title", value
    elif name == "subtitle":
        line.kind, line.value = "subtitle", value
    elif name in ("from", "author", "authors"):
        person, _, email = value.partition("<")
        people = rules.split_people(person.strip().strip('"')) if person.strip() else []
        if not people or not all(rules.looks_like_name(rules.split_honorific(p)[1]) for p in people):
            return False
        line.kind, line.value = "authors", people
        line.email = email.rstrip("> ").strip() or None
    elif name in ("date", "sent"):
        iso = rules.date_line(value) or _rfc2822_date(value)
        if not iso:
            return False
        line.kind, line.value = "date", iso
    else:
        line.kind, line.value = "ignored", value  # To:, Cc:: whom it was sent to
    return True


def _rfc2822_date(value: str) -> str | None:
    from email.utils import parsedate_to_datetime

    try:
        return parsedate_to_datetime(value).date().isoformat()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


#: Rules for a title-block line, tried in order; the first that recognises it wins.
FRONT_RULES = (
    rule_field,
    rule_disclaimer, rule_licence, rule_keywords, rule_abstract, rule_report_number,
    rule_date, rule_series, rule_series_parts, rule_email, rule_byline, rule_author_with_role, rule_honorific_author, rule_role,
    rule_publisher, rule_place,
)


def _numbered_heading(text: str) -> tuple[tuple, str] | None:
    m = _NUMBERED.match(text)
    if not m or len(text) > rules.SHORT_LINE:
        return None
    rest = m.group("rest")
    if not _heading_words_ok(rest, allow_question=True):
        return None
    number = m.group("num")
    if number[:1].isdigit():
        depth = number.rstrip(".").count(".") + 1
        if depth == 1 and not number.endswith(".") and (
            not rest[:1].isupper() or rules.find_date(text) or int(number) > 20
        ):
            return None  # '23 January 2026' is a date, '2 Introduction' a heading
        return ("decimal", depth), text
    if set(number.rstrip(".")) <= set("IVXLC"):
        return ("roman", 1), text  # 'C.' after 'B.' is put right by _letters_after_letters
    return ("alpha", 1), text

_NUMBERED = re.compile(
    r"(?P<num>(?:\d{1,2}\.){1,4}(?:\d{1,2})?|\d{1,2}(?=\s)|[IVXLC]{1,6}\.|[A-H]\.)\s+(?P<rest>\S.*)"
)


def _heading_words_ok(text: str, allow_question: bool = False) -> bool:
    stripped = text.strip()
    if not stripped or len(stripped) > 160 or rules.word_count(stripped) > 20:
        return False
    last = stripped[-1]
    if last in ".,;" or (last == "?" and not allow_question) and rules.word_count(stripped) > 14:
        return False
    if rules.ends_sentence(stripped) and not stripped.rstrip(rules.CLOSING_QUOTES).endswith(("?", "!")):
        return False  # 'A sentence.[1]': the note marker hides the full stop
    if last == ":" and not allow_question:
        return False
    first = stripped.lstrip("\"'“‘(")[:1]
    return first.isupper() or first.isdigit()


def _title_case_ratio(text: str) -> float:
    words = [w for w in re.findall(r"[^\W\d_][\w'’\-]*", text)]
    significant = [w for w in words if w.lower() not in rules.SMALL_WORDS]
    if not significant:
        return 0.0
    return sum(w[0].isupper() for w in significant) / len(significant)


_CAPTION = re.compile(
    r"(?i)(?:figure|fig\.|table|chart|map|graph|box|exhibit|image|photo|annex)\s*[\dIVX]"
    r"|(?i:sources?|notes?|credits?|photo credits?)\s*:\s*\S"
)


def _is_underline(line: str) -> bool:
    stripped = line.strip()
    return len(stripped) >= 3 and (not stripped.strip("=") or not stripped.strip("-") or not stripped.strip("~"))


def heading_lines(chunk: Chunk, style: tuple) -> list[str]:
    """The heading's own text: without a setext underline or ATX hashes."""
    if style[0] == "md" and len(chunk.lines) == 2:
        return chunk.lines[:1]
    if style[0] == "md":
        return [chunk.text.strip().strip("#").strip()]
    return list(chunk.lines)


def heading_style(chunk: Chunk, next_chunk: Chunk | None) -> tuple | None:
    """The heading family ('decimal', depth), ('caps',), ('title',)... of ``chunk``, if any."""
    if len(chunk.lines) > 2 or len(chunk.text) > rules.SHORT_LINE:
        return None
    text = chunk.text
    if len(chunk.lines) == 2 and _is_underline(chunk.lines[1]) and chunk.first:
        return ("md", 1 if "=" in chunk.lines[1] else 2)  # 'Heading' over '=======' (setext)
    hashes = len(text) - len(text.lstrip("#"))
    if 1 <= hashes <= 6 and text[hashes:hashes + 1] == " " and text[hashes:].strip(" #"):
        return ("md", hashes)  # '## Heading', as typed by Markdown users (ATX)
    if len(chunk.lines) == 2 and rules.word_count(chunk.lines[0]) < 3:
        return None
    if _CAPTION.match(text):
        return None  # 'Figure 2: …', 'Source: …' are captions, not headings
    if next_chunk is not None and next_chunk.first[:1].islower():
        return None  # the text goes on in lower case: a sentence broken by a page break
    numbered = _numbered_heading(text)
    if numbered:
        return numbered[0]
    if next_chunk is None:
        return None
    if not _heading_words_ok(text, allow_question=True) or _starts_list_item(chunk.lines[0]):
        return None
    if text.endswith(":") or text.endswith("?") and rules.word_count(text) > 14:
        return None
    letters = [c for c in text if c.isalpha()]
    if len(letters) >= 2 and all(c.isupper() for c in letters):
        return ("caps", 1)
    if _title_case_ratio(text) >= 0.7 and rules.word_count(text) <= 16:
        return ("title", 1)
    if len(chunk.lines) == 1 and rules.word_count(text) <= 8 and not text.endswith("?"):
        return ("title", 1)
    return None


def read_front(chunks: list[Chunk]) -> tuple[Front, int]:
    """The metadata of the title block and the index of the first body chunk."""
    lines: list[FrontLine] = []
    end = 0
    limit = min(len(chunks), FRONT_LIMIT)
    while end < limit:
        chunk = chunks[end]
        next_chunk = chunks[end + 1] if end + 1 < len(chunks) else None
        if _body_starts(chunk, next_chunk, lines, chunks[end - 1] if end else None):
            break
        start = len(lines)
        for raw in chunk.lines:
            fields = _front_fields(raw)
            for field_text in fields:
                line = FrontLine(field_text, end, column=len(fields) > 1)
                for rule in FRONT_RULES:
                    if rule(line):
                        break
                lines.append(line)
        _extend_multiline(lines[start:])
        end += 1
    if end == limit and limit < len(chunks):
        # no body start found in the first chunks: treat all but the first chunk as body
        lines = [ln for ln in lines if ln.chunk == 0]
        end = 1 if chunks else 0
    if not any(ln.kind == "" for ln in lines) and not any(ln.kind in ("authors", "date", "series", "report", "publisher") for ln in lines):
        return Front(), 0
    front = assemble_front(lines)
    leftover = front.extra.pop("_leftover_chunk", None)
    if leftover is not None:
        # text after the title block that no rule explains is where the body starts
        end = int(leftover)
        front = assemble_front([ln for ln in lines if ln.chunk < end])
        front.extra.pop("_leftover_chunk", None)
    return front, end


_COLUMN_GAP = re.compile(r"\S(?: {4,}|\t)\S")


def _front_fields(raw: str) -> list[str]:
    """A masthead line set in columns ('CAPSS In Focus 03/2026      New Delhi · 23 January 2026')
    holds several fields: split at wide gaps and at ' · ' / ' | ' separators."""
    text = raw.strip()
    if len(text) > rules.SHORT_LINE:
        return [text]
    pieces = [text]
    if _COLUMN_GAP.search(text):
        pieces = [p.strip() for p in re.split(r" {4,}|\t", text) if p.strip()]
    out: list[str] = []
    for piece in pieces:
        parts = [p.strip() for p in re.split(r" [·|•] ", piece) if p.strip()]
        if len(parts) > 1 and any(rules.date_line(p) or rules.is_place(p) for p in parts):
            out.extend(parts)
        else:
            out.append(piece)
    return out


def _extend_multiline(lines: list[FrontLine]) -> None:
    """A disclaimer, licence or abstract wraps: its following unclaimed lines belong to it."""
    owner = None
    for line in lines:
        if line.kind in ("disclaimer", "licence", "abstract"):
            owner = line
        elif owner is not None and line.kind in ("", "role", "publisher", "place"):
            owner.value = f"{owner.value} {line.text}"
            line.kind = "merged"
        else:
            owner = None


def _body_starts(chunk: Chunk, next_chunk: Chunk | None, seen: list[FrontLine], previous: Chunk | None) -> bool:
    text = chunk.text
    first_line = FrontLine(chunk.first, -1)
    if any(rule(first_line) for rule in FRONT_RULES[:-3]):
        return False  # a line a title-block rule recognises (date, series, author...)
    if rules.is_notes_heading(text) or _starts_list_item(chunk.first):
        return True
    style = heading_style(chunk, next_chunk)
    if style and style[0] == "md":
        return True
    if _numbered_heading(text) and len(chunk.lines) <= 2:
        return True
    if text.lower().rstrip(":") in GENERIC_SECTIONS:
        return True
    if _is_prose(text) and not (len(chunk.lines) <= 2 and rules.role_and_affiliations(text)):
        return True
    if len(chunk.lines) == 1 and next_chunk is not None and _is_prose(next_chunk.text):
        title_found = any(ln.kind == "" for ln in seen)
        after_author = previous is not None and any(
            ln.kind == "authors" or rules.looks_like_name(ln.text) for ln in seen if ln.text == previous.lines[-1].strip()
        )
        is_name = rules.looks_like_name(rules.split_honorific(text)[1])
        if title_found and not after_author and not is_name and not rules.role_and_affiliations(text):
            return True
    return False


def _is_prose(text: str) -> bool:
    """A sentence or more of running text (a title may end in '?', rarely in '.')."""
    words = rules.word_count(text)
    if words >= 40:
        return True
    if not rules.ends_sentence(text) or not text[:1].isupper():
        return False
    question = text.rstrip().rstrip(rules.CLOSING_QUOTES)[-1:] in "?!"
    return words >= (20 if question else 8)


def _title_claimed_as_publisher(lines: list[FrontLine]) -> None:
    """'The Future of the Shanghai Cooperation Organisation' above the by-line is the
    title, though it names an organisation: with nothing else above the authors to be
    the title, the last such line before them is."""
    first_author = next((
        i for i, ln in enumerate(lines)
        if ln.kind in ("authors", "author+role") or ln.kind == "" and rules.looks_like_name(ln.text)
    ), None)
    if first_author is None or any(ln.kind == "" for ln in lines[:first_author]):
        return
    for line in reversed(lines[:first_author]):
        if line.kind == "publisher" and not line.text.isupper():
            line.kind, line.value = "", None
            return


def assemble_front(lines: list[FrontLine]) -> Front:
    _title_claimed_as_publisher(lines)
    front = Front()
    for line in lines:
        if line.kind == "series" and front.series is None:
            front.series = line.value  # type: ignore[assignment]
        elif line.kind == "publisher" and front.publisher is None:
            front.publisher = str(line.value)
    if front.series is None:
        name = next((str(ln.value) for ln in lines if ln.kind == "series-name"), None)
        number = next((str(ln.value) for ln in lines if ln.kind == "series-number"), None)
        if name:
            front.series = (name, number)
    explicit = next((line for line in lines if line.kind == "title"), None)
    echoes = [s.lower() for s in ((front.series or (None, None))[0], front.publisher) if s]
    last_author_chunk = None
    title_chunk = None
    if explicit is not None:
        front.title, title_chunk = str(explicit.value), explicit.chunk
    for index, line in enumerate(lines):
        kind, value = line.kind, line.value
        if kind == "" and any(line.text.lower() in e for e in echoes) and front.title is None:
            continue  # 'In Focus' above 'CAPSS In Focus: 03/2026': part of the masthead
        if kind == "" and line.column:
            # a field of a masthead set in columns is never the title; 'Name 41' is a series
            m = _NAME_NUMBER.fullmatch(line.text)
            if m and front.series is None:
                front.series = (m.group(1), m.group(2))
            continue
        if kind == "" or (kind == "publisher" and front.title is None and line.text != (front.publisher or "").upper() and line.text.lower() not in echoes):
            following = lines[index + 1] if index + 1 < len(lines) else None
            if front.title is None and kind == "" and following is not None and following.kind == "role" and (
                rules.looks_like_name(rules.split_honorific(line.text)[1])
            ):
                kind, value = "authors", [line.text]  # 'Jane Doe' over 'Senior Fellow' above the title
            elif front.title is None:
                front.title, title_chunk = line.text, line.chunk
                continue
        if kind == "" or (kind == "publisher" and front.title is None and line.text != (front.publisher or "").upper() and line.text.lower() not in echoes):
            if line.chunk == title_chunk and not front.authors and (
                not rules.looks_like_name(line.text) or _continues_title(front.title, line.text, strict=True)
            ):
                if front.subtitle is None and _continues_title(front.title, line.text):
                    front.title = f"{front.title} {line.text}"
                elif front.subtitle is None:
                    front.subtitle = line.text
                else:
                    front.subtitle = f"{front.subtitle} {line.text}"
                continue
            people = rules.split_people(line.text) if len(line.text) < 150 else []
            near_authors = not front.authors or (last_author_chunk is not None and line.chunk - last_author_chunk <= 1)
            if not near_authors:
                people = []  # a name-like line far below the authors is a heading ('Security Cooperation')
            if near_authors and (rules.looks_like_name(line.text) or rules.looks_like_name(rules.split_honorific(line.text)[1])):
                kind, value = "authors", [line.text]
            elif len(people) >= 2 and all(rules.looks_like_name(rules.split_honorific(p)[1]) for p in people):
                kind, value = "authors", people  # 'Jane Doe and John Smith
            elif front.authors and last_author_chunk is not None and line.chunk - last_author_chunk <= 1:
                found = rules.role_and_affiliations(line.text)
                if found:
                    kind, value = "role", found
                elif len(line.text) < 100 and not rules.ends_sentence(line.text):
                    kind, value = "role", (line.text, ())
                else:
                    front.extra.setdefault("_leftover_chunk", str(line.chunk))
                    continue
            elif front.subtitle is None and not front.authors and title_chunk is not None and line.chunk == title_chunk + 1:
                front.subtitle = line.text
                continue
            else:
                if title_chunk is not None and line.chunk > title_chunk and (front.authors or front.date):
                    front.extra.setdefault("_leftover_chunk", str(line.chunk))
                else:
                    front.extra.setdefault("front-matter", "")
                    front.extra["front-matter"] = (front.extra["front-matter"] + "\n" + line.text).strip()
                continue
        if kind in ("title", "ignored"):
            continue  # an explicit 'Subject:'/'Title:' was taken above; 'To:' says nothing
        if kind == "subtitle":
            front.subtitle = front.subtitle or str(value)
            continue
        if kind == "author+role":
            person, (role, affiliations) = value  # type: ignore[misc]
            author = _author(person)
            author["role"], author["affiliations"] = role, tuple(affiliations)
            front.authors.append(author)
            last_author_chunk = line.chunk
        elif kind == "authors":
            for person in value:  # type: ignore[union-attr]
                front.authors.append(_author(person))
            if line.email:
                front.authors[-1]["email"] = line.email
            last_author_chunk = line.chunk
        elif kind == "role":
            role, affiliations = value  # type: ignore[misc]
            if front.authors and last_author_chunk is not None and line.chunk - last_author_chunk <= 1:
                author = front.authors[-1]
                if role and not author.get("role"):
                    author["role"] = role
                author["affiliations"] = tuple(author.get("affiliations", ())) + tuple(affiliations)
                last_author_chunk = line.chunk
            elif affiliations and front.publisher is None:
                front.publisher = affiliations[0]
        elif kind == "email" and front.authors:
            front.authors[-1]["email"] = value
        elif kind == "date" and front.date is None:
            front.date = str(value)
        elif kind == "report":
            number, series, date = value  # type: ignore[misc]
            front.identifiers.setdefault("report-number", number)
            if series and front.series is None:
                front.series = (series, number)
            if date and front.date is None:
                front.date = date
        elif kind == "place" and front.place is None:
            front.place = str(value)
        elif kind == "disclaimer":
            front.disclaimer = str(value)
        elif kind == "licence":
            front.licence = _licence(str(value))
        elif kind == "keywords":
            front.keywords = value  # type: ignore[assignment]
        elif kind == "abstract":
            front.abstract = str(value)
    _prefer_printed_spelling(front)
    return front


_NAME_NUMBER = re.compile(r"([A-Z][^\d]{1,60}?)\s+(\d[\d/.\-]{0,15})")


def _continues_title(title: str, line: str, strict: bool = False) -> bool:
    """Whether ``line`` is the wrapped rest of ``title`` rather than a subtitle under it.

    ``strict`` asks only for the sure signs: the title stops on a word that cannot
    end it ('of', 'the'), on a colon or dash, or the line starts in lower case.
    """
    last_word = title.split()[-1].lower() if title.split() else ""
    if last_word in rules.SMALL_WORDS or title.endswith((":", "-", "–", ",", "&")):
        return True
    if line[:1].islower():
        return True
    return not strict and _title_case_ratio(title) >= 0.7 and _title_case_ratio(line) >= 0.7


def _author(text: str) -> dict:
    parsed = rules.parse_name(text)
    return {"name": parsed.name, "given": parsed.given, "family": parsed.family, "honorific": parsed.honorific}


def _licence(text: str) -> ir.Licence:
    url = rules.licence_url(text)
    text = text.strip()
    if url and text.endswith(url) and len(text) > len(url):
        text = text[: -len(url)].strip()  # the URL printed on its own line under the words
    return ir.Licence(text=text, url=url)


def _prefer_printed_spelling(front: Front) -> None:
    """A publisher printed in capitals takes the spelling of a matching affiliation."""
    if not front.publisher:
        return
    for author in front.authors:
        for affiliation in author.get("affiliations", ()):
            if affiliation.lower() == front.publisher.lower():
                front.publisher = affiliation
                return


# ================================================= stage 6: body, notes, back


BACK_HEADINGS = (
    "acknowledgments", "acknowledgements", "acknowledgment", "acknowledgement",
    "about the author", "about the authors", "author biography", "author biographies",
    "about the authors and contributors",
)


class Regions:
    """The text after the title block, sorted into body, back matter, notes and end matter."""

    __slots__ = ("body", "back", "notes", "disclaimer", "licence")

    def __init__(self) -> None:
        self.body: list[Chunk] = []
        self.back: list[Chunk] = []
        self.notes: list[RawNote] = []
        self.disclaimer: str | None = None
        self.licence: str | None = None


def split_regions(chunks: list[Chunk], joiner: Joiner) -> Regions:
    regions = Regions()
    target = regions.body
    headless = None if any(rules.is_notes_heading(c.first) for c in chunks) else _headless_notes_start(chunks)
    i = 0
    while i < len(chunks):
        chunk = chunks[i]
        first = chunk.first
        lowered = first.lower().rstrip(":. ")
        if i == headless:
            notes, i = _notes_section(chunks, i, entries_from=i)
            regions.notes.extend(notes)
            target = regions.back
            continue
        if rules.is_notes_heading(first):
            notes, after = _notes_section(chunks, i)
            if notes:
                regions.notes.extend(notes)
                target = regions.back
                i = after
                continue
            if len(chunk.lines) == 1 and i + 1 < len(chunks):
                # 'References' over an unnumbered bibliography: back matter
                regions.back.append(Chunk([first.rstrip(":")]))
                target = regions.back
                i += 1
                continue
        if (
            target is regions.back and not regions.notes and len(chunk.lines) <= 2
            and (chunk.text.lower().rstrip(":") in GENERIC_SECTIONS or _numbered_heading(chunk.text))
        ):
            target = regions.body  # acknowledgments placed before the body: the body goes on
        if lowered in BACK_HEADINGS and len(chunk.lines) == 1:
            target = regions.back
        elif first.lower().rstrip(":. ") in BACK_HEADINGS:
            # 'Acknowledgments' with its text right under it
            regions.back.append(Chunk([first.rstrip(":. ")]))
            regions.back.append(Chunk(chunk.lines[1:]))
            target = regions.back
            i += 1
            continue
        elif _prefixed(first, *BACK_HEADINGS):
            rest = _prefixed(first, *BACK_HEADINGS) or ""
            heading = first[: len(first) - len(first.lstrip())] + first.split(":", 1)[0].split("—", 1)[0].strip()
            regions.back.append(Chunk([heading]))
            regions.back.append(Chunk([rest, *chunk.lines[1:]]))
            target = regions.back
            i += 1
            continue
        if lowered == "disclaimer" and len(chunk.lines) > 1:
            regions.disclaimer = joiner.join(chunk.lines[1:])
            i += 1
            continue
        if lowered == "disclaimer" and len(chunk.lines) == 1:
            j = i + 1
            texts = []
            while j < len(chunks) and (not texts or not heading_style(chunks[j], chunks[j + 1] if j + 1 < len(chunks) else None)):
                if rules.is_notes_heading(chunks[j].first) or chunks[j].first.lower().rstrip(":") in BACK_HEADINGS:
                    break
                texts.append(joiner.join(chunks[j].lines))
                j += 1
            if texts:
                regions.disclaimer = "\n\n".join(texts)
                i = j
                continue
        if _prefixed(first, "disclaimer"):
            own = [_prefixed(first, "disclaimer") or ""]
            rest = chunk.lines[1:]
            while rest and not rules.is_licence(rest[0].strip()):
                own.append(rest.pop(0))
            regions.disclaimer = joiner.join(own)
            if rest:
                regions.licence = joiner.join(rest)
            i += 1
            continue
        if rules.is_licence(first) and target is regions.back or _is_licence_chunk(chunk):
            regions.licence = joiner.join(chunk.lines)
            i += 1
            continue
        target.append(chunk)
        i += 1
    return regions


def _is_licence_chunk(chunk: Chunk) -> bool:
    """'This work is licensed under …', '© 2026 X. Licensed under CC BY 4.0.' in the body."""
    text = chunk.text.strip()
    lower = text.lower()
    if len(text) > 600:
        return False
    if lower.startswith(("©", "copyright ", "this work is licen", "licensed under", "licenced under")):
        return True
    return ("licensed under" in lower or "licenced under" in lower) and rules.licence_url(text) is not None


def _headless_notes_start(chunks: list[Chunk]) -> int | None:
    """Where a notes list with no heading starts ('[1] …', '[2] …' at the end, as a word
    processor saves endnotes in plain text), if the text before refers to its entries."""
    start = None
    for i in range(len(chunks) - 1, -1, -1):
        entry = rules.note_entry(chunks[i].lines[0])
        if entry and entry[0] == 1 and entry[3] != "glued":
            start = i
            break
    if start is None or start == 0:
        return None
    notes, after = _notes_section(chunks, start, entries_from=start)
    if len(notes) < 2 or any(n.number != k for k, n in enumerate(notes, start=1)):
        return None
    if after < len(chunks) and not _is_back_chunk(chunks[after]):
        return None
    before = "\n".join(line for chunk in chunks[:start] for line in chunk.lines)
    referenced = {m.number for m in rules.inline_markers(before) if m.number <= len(notes)}
    return start if len(referenced) * 2 >= len(notes) else None


def _is_back_chunk(chunk: Chunk) -> bool:
    first = chunk.first.lower().rstrip(":. ")
    return (
        first in BACK_HEADINGS or first == "disclaimer" or _prefixed(chunk.first, "disclaimer", *BACK_HEADINGS) is not None
        or rules.is_licence(chunk.first)
    )


def _notes_section(chunks: list[Chunk], heading_index: int, entries_from: int | None = None) -> tuple[list[RawNote], int]:
    """The entries after a notes heading (or from ``entries_from`` when there is no
    heading), and the index of the first chunk after them."""
    if entries_from is not None:
        heading_index = entries_from - 1
        lines_after_heading: list[str] = []
    else:
        lines_after_heading = chunks[heading_index].lines[1:]
    notes: list[RawNote] = []
    expected: int | None = None
    entry_indent = 0
    if lines_after_heading:
        notes = _read_entries(lines_after_heading, None)
        if not notes:
            return [], heading_index
        expected = notes[-1].number + 1
    i = heading_index + 1
    while i < len(chunks):
        chunk = chunks[i]
        entry = rules.note_entry(chunk.lines[0])
        if entry and (expected is None and entry[0] <= 3 or expected is not None and expected <= entry[0] <= expected + 2):
            if expected is not None and entry[0] != expected:
                warn(f"notes jump from {expected - 1} to {entry[0]}")
            entry_indent = entry[2]
            found = _read_entries(chunk.lines, entry[0])
            notes.extend(found)
            expected = notes[-1].number + 1
        elif notes and _indent(chunk.lines[0]) > entry_indent + 1:
            # an indented chunk goes on with the last note: its next paragraph, or the
            # rest of its sentence after a page break; entries may follow in it
            last = notes[-1]
            if not (chunk.broken and not rules.ends_sentence(last.paragraphs[-1][-1])):
                last.paragraphs.append([])
            found = _read_entries(chunk.lines, expected, carry=last)
            if not last.paragraphs[-1]:
                last.paragraphs.pop()
            notes.extend(found)
            if found:
                expected = found[-1].number + 1
        else:
            break
        i += 1
    return notes, i


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


# ================================================= stage 7: blocks from chunks

_ORDERED_ITEM = re.compile(r"\s*(?P<n>\d{1,3}|[a-z])(?P<p>[.)])\s+(?=\S)|\s*\((?P<pn>\d{1,3}|[a-z])\)\s+(?=\S)")


def _bullet(line: str) -> int | None:
    """Index where the item text starts when ``line`` starts with a bullet."""
    stripped = line.lstrip()
    if len(stripped) >= 3 and stripped[0] in rules.BULLETS and stripped[1] == " ":
        text = stripped[1:].lstrip()
        gap = len(stripped) - 1 - len(text)
        if not text or stripped[:3] in ("- -", "* *") or gap > 6 or gap > 1 and stripped[0] in "-*–—":
            return None  # '- - -' is a rule; '-      x' is layout, not a bullet
        return len(line) - len(text)
    return None


def _ordered(line: str) -> tuple[int, int] | None:
    m = _ORDERED_ITEM.match(line)
    if not m:
        return None
    label = m.group("n") or m.group("pn")
    number = int(label) if label.isdigit() else ord(label) - ord("a") + 1
    return number, m.end()


def _starts_list_item(line: str) -> bool:
    return _bullet(line) is not None


class RawList:
    """A list as found in the text: its items' lines, and the list nested in each, if any."""

    __slots__ = ("ordered", "start", "items")

    def __init__(self, ordered: bool, start: int) -> None:
        self.ordered = ordered
        self.start = start
        self.items: list[list] = []  # each: [lines, nested RawList | None]


class RawBlock:
    """A heading, paragraph, list or quote as found in the text, before inline parsing."""

    __slots__ = ("kind", "lines", "style", "broken", "raw_list", "joiner", "quoted", "_text")

    def __init__(
        self,
        kind: str,  # 'heading', 'para', 'list', 'quote'
        lines: list[str] | None = None,
        style: tuple = (),
        *,
        broken: bool = False,
        raw_list: RawList | None = None,
        joiner: Joiner | None = None,
        quoted: list[list[str]] | None = None,  # a quote's paragraphs
    ) -> None:
        self.kind = kind
        self.lines = [] if lines is None else lines
        self.style = style
        self.broken = broken
        self.raw_list = raw_list
        self.joiner = joiner
        self.quoted = [] if quoted is None else quoted
        self._text: str | None = None

    @property
    def text(self) -> str:
        """The lines joined once, when first asked (paragraphs grow chunk by chunk)."""
        if self._text is None:
            self._text = self.joiner.join(self.lines) if self.joiner else " ".join(self.lines)
        return self._text

    @property
    def last_line(self) -> str:
        return self.lines[-1].strip() if self.lines else ""


def build_blocks(chunks: list[Chunk], joiner: Joiner) -> list[RawBlock]:
    blocks: list[RawBlock] = []
    for index, chunk in enumerate(chunks):
        next_chunk = chunks[index + 1] if index + 1 < len(chunks) else None
        previous = blocks[-1] if blocks else None
        continues = (
            previous is not None and previous.kind == "para"
            and not rules.ends_sentence(previous.last_line)
            and (chunk.first[:1].islower() or chunk.broken and not previous.last_line.endswith(":"))
            and not (len(chunk.lines) <= 2 and _numbered_heading(chunk.text))
        )
        if continues:
            # a paragraph broken by a page or column break: join it back
            previous.lines.extend(chunk.lines)
            continue
        if all(line.lstrip().startswith(">") for line in chunk.lines):
            # '> quoted text', as e-mail quotes: a block quote of the text without '>'
            paragraphs: list[list[str]] = [[]]
            for line in chunk.lines:
                text = line.lstrip()[1:].strip()
                if text:
                    paragraphs[-1].append(text)
                elif paragraphs[-1]:
                    paragraphs.append([])  # a bare '>' separates quoted paragraphs
            if blocks and blocks[-1].kind == "quote" and not chunk.broken:
                blocks[-1].quoted.extend(paragraphs)
            else:
                blocks.append(RawBlock("quote", quoted=paragraphs, joiner=joiner))
            continue
        if _spaced_list_item(chunk, next_chunk, blocks):
            parts: list = [_read_list(chunk.lines, 0)[0]]
        else:
            style = heading_style(chunk, next_chunk)
            if style and not _list_lines(chunk.lines):
                blocks.append(RawBlock("heading", heading_lines(chunk, style), style, joiner=joiner))
                continue
            parts = _split_chunk(chunk.lines)
        for part in parts:
            if isinstance(part, RawList):
                if previous_list := (blocks[-1].raw_list if blocks and blocks[-1].kind == "list" else None):
                    if _continues_list(previous_list, part):
                        previous_list.items.extend(part.items)
                        continue
                blocks.append(RawBlock("list", raw_list=part, joiner=joiner))
            else:
                blocks.append(RawBlock("para", part, broken=chunk.broken, joiner=joiner))
    return blocks


def _spaced_list_item(chunk: Chunk, next_chunk: Chunk | None, blocks: list[RawBlock]) -> bool:
    """'1. Do this.' and '2. Do that.' in chunks of their own: items of one list.

    A numbered line is an item (not a numbered heading) when it is a sentence, or when
    the list before it or the chunk after it carries the numbering on.
    """
    item = _ordered(chunk.first)
    if item is None:
        return False
    number = item[0]
    previous = blocks[-1].raw_list if blocks and blocks[-1].kind == "list" else None
    if previous is not None and previous.ordered and previous.start + len(previous.items) == number:
        return True
    following = _ordered(next_chunk.first) if next_chunk is not None else None
    if following is None or following[0] != number + 1:
        return False
    return rules.ends_sentence(chunk.text) or len(chunk.lines) > 2


def _continues_list(previous: RawList, new: RawList) -> bool:
    if previous.ordered != new.ordered:
        return False
    return not new.ordered or new.start == previous.start + len(previous.items)


def _list_lines(lines: list[str]) -> bool:
    if _bullet(lines[0]) is not None:
        return True
    ordered = _ordered(lines[0])
    return ordered is not None and len(lines) > 1 and any(_ordered(l) for l in lines[1:])


def _split_chunk(lines: list[str]) -> list:
    """A chunk's paragraphs (lists of lines) and lists, in order.

    A paragraph ends where an indented line follows a finished sentence (a first-line
    indent, as in pdftotext output); a list starts at a bullet, or at '1.' followed by
    '2.' on a later line of the same chunk.
    """
    parts: list = []
    current: list[str] = []
    base_indent = min(_indent(line) for line in lines)
    width = max(len(line) for line in lines)
    i = 0
    while i < len(lines):
        line = lines[i]
        if _bullet(line) is not None or _ordered_run(lines, i):
            if current:
                parts.append(current)
                current = []
            raw_list, i = _read_list(lines, i)
            parts.append(raw_list)
            continue
        if current and rules.ends_sentence(current[-1]) and len(lines) > 2 and (
            _indent(line) > base_indent + 1 or _short_line(current[-1], width) and line.strip()[:1].isupper()
        ):
            parts.append(current)
            current = []
        current.append(line)
        i += 1
    if current:
        parts.append(current)
    return parts


def _short_line(line: str, width: int) -> bool:
    """A line that ends well before the wrap width: the last line of a paragraph."""
    return width >= 40 and len(line.rstrip()) < 0.6 * width


def _ordered_run(lines: list[str], i: int) -> bool:
    """'1.' here and '2.' on a following line (or a lone item whose text is a full sentence)."""
    first = _ordered(lines[i])
    if first is None:
        return False
    for j in range(i + 1, len(lines)):
        nxt = _ordered(lines[j])
        if nxt is not None:
            return nxt[0] == first[0] + 1
    return False


def _read_list(lines: list[str], i: int) -> tuple[RawList, int]:
    first_bullet = _bullet(lines[i])
    ordered = first_bullet is None
    base = _indent(lines[i])
    start = _ordered(lines[i])[0] if ordered else 1  # type: ignore[index]
    raw = RawList(ordered, start)
    expected = start
    width = max(len(line) for line in lines)
    while i < len(lines):
        line = lines[i]
        marker = _ordered(line) if ordered else _bullet(line)
        indent = _indent(line)
        nested_marker = _bullet(line) is not None or _ordered(line) is not None
        if marker is None and raw.items and rules.ends_sentence(raw.items[-1][0][-1]) and (
            indent < base or _short_line(raw.items[-1][0][-1], width) and len(raw.items[-1][0]) > 1
        ):
            break  # a line set further left, or after a short finished line: the text goes on
        if ordered and marker is not None and marker[0] != expected and indent <= base:  # type: ignore[index]
            marker = None
        if nested_marker and indent < base:
            break  # back to the enclosing list
        if marker is not None and indent <= base + 1:
            text = line[marker[1]:] if ordered else line[marker:]  # type: ignore[index]
            raw.items.append([[text.strip()], None])
            expected += 1
        elif nested_marker and indent > base + 1 and raw.items:
            nested, i = _read_list(lines, i)
            raw.items[-1][1] = nested
            continue
        elif raw.items:
            if raw.items[-1][1] is not None:
                raw.items[-1][1].items[-1][0].append(line.strip())
            else:
                raw.items[-1][0].append(line.strip())
        else:
            break
        i += 1
    return raw, i


def _letters_after_letters(blocks: list[RawBlock]) -> None:
    """'C.' after 'B.' is the third lettered heading, not the Roman numeral 100."""
    last_letter = ""
    for block in blocks:
        if block.kind != "heading" or block.style[0] not in ("roman", "alpha"):
            continue
        label = block.text.split(".", 1)[0]
        if block.style[0] == "roman" and len(label) == 1 and last_letter and ord(label) == ord(last_letter) + 1:
            block.style = ("alpha", 1)
        if block.style[0] == "alpha":
            last_letter = label
        elif len(label) > 1 or label == "I":
            last_letter = ""


def assign_levels(blocks: list[RawBlock]) -> dict[tuple, int]:
    """Heading levels from the order in which each heading family first appears."""
    _letters_after_letters(blocks)
    families: list[str] = []
    for block in blocks:
        if block.kind == "heading" and block.style[0] not in families:
            families.append(block.style[0])
    if "caps" in families and "title" in families:
        families.remove("caps")
        families.insert(families.index("title"), "caps")
    levels: dict[tuple, int] = {}
    base = 1
    for family in families:
        depths = sorted({b.style[1] for b in blocks if b.kind == "heading" and b.style[0] == family})
        for depth in depths:
            levels[(family, depth)] = base + depth - 1
        base += max(depths)
    return levels


# ====================================================== stage 8: inlines, notes


class InlineBuilder:
    """Turns text into inlines; adjacent Text nodes are merged as they are added."""

    def __init__(self) -> None:
        self.items: list[ir.Inline] = []

    def text(self, value: str) -> None:
        if not value:
            return
        if self.items and isinstance(self.items[-1], ir.Text):
            self.items[-1] = ir.Text(self.items[-1].text + value)
        else:
            self.items.append(ir.Text(value))

    def node(self, value: ir.Inline) -> None:
        self.items.append(value)

    def result(self) -> tuple[ir.Inline, ...]:
        return tuple(self.items)


class MarkerResolver:
    """Decides which candidate note markers in running text are note references.

    Strong markers (superscripts, '[1]', '^1') are references whenever the note
    exists.  Weak ones ('(1)', digits glued to a word) only when they are the next
    note in sequence: anything else keeps its text, with a warning when it could have
    been a marker.
    """

    def __init__(self, numbers: set[int]) -> None:
        self.numbers = numbers
        self.expected = min(numbers) if numbers else 1
        self.referenced: list[int] = []
        self.doubtful: list[str] = []

    def resolve(self, text: str, marker: rules.MarkerMatch, paren_numbers: set[int]) -> bool:
        number = marker.number
        if number not in self.numbers:
            if marker.strong and self.numbers:
                self.doubtful.append(text[marker.start:marker.end])
            return False
        if not marker.strong:
            if number != self.expected:
                if number > self.expected and marker.style == "glued":
                    self.doubtful.append(text[max(0, marker.start - 6):marker.end])
                return False
            spaced = marker.start > 0 and text[marker.start - 1] == " "
            if marker.style == "paren" and spaced and (number + 1 in paren_numbers or number - 1 in paren_numbers):
                self.doubtful.append(text[marker.start:marker.end])
                return False  # '(1) … (2) …': an enumeration, not notes
        self.referenced.append(number)
        self.expected = max(self.expected, number + 1)
        return True


def body_inlines(text: str, resolver: MarkerResolver | None) -> tuple[ir.Inline, ...]:
    spans: list[tuple[int, int, object]] = []
    urls = rules.find_urls(text)
    for start, end, url in urls:
        spans.append((start, end, ("link", url, text[start:end])))
    taken = _Spans(spans)
    for start, end, inner, strong in rules.find_emphasis(text):
        if taken.free(start, end):
            spans.append((start, end, ("strong" if strong else "emph", inner)))
            taken.add(start, end)
    if resolver is not None:
        markers = rules.inline_markers(text)
        parens = {m.number for m in markers if m.style == "paren" and m.start > 0 and text[m.start - 1] == " "}
        for marker in markers:
            if taken.free(marker.start, marker.end) and resolver.resolve(text, marker, parens):
                start = marker.start
                if marker.style in ("bracket", "paren", "caret") and start and text[start - 1] == " " and (
                    marker.end == len(text) or not text[marker.end].isalnum()
                ):
                    start -= 1  # 'in a decade [3].': the space belonged to the marker
                spans.append((start, marker.end, ("ref", marker.number)))
    return _assemble(text, spans, resolver)


class _Spans:
    """Occupied character ranges, so links, emphasis and markers never overlap."""

    def __init__(self, spans: list) -> None:
        self.ranges = sorted((s, e) for s, e, _ in spans)

    def free(self, start: int, end: int) -> bool:
        import bisect

        i = bisect.bisect_right(self.ranges, (start, float("inf")))
        if i and self.ranges[i - 1][1] > start:
            return False
        return not (i < len(self.ranges) and self.ranges[i][0] < end)

    def add(self, start: int, end: int) -> None:
        import bisect

        bisect.insort(self.ranges, (start, end))


def _assemble(
    text: str, spans: list, resolver: MarkerResolver | None, note_number: int = 0,
    existing: frozenset[int] = frozenset(),
) -> tuple[ir.Inline, ...]:
    out = InlineBuilder()
    position = 0
    for start, end, what in sorted(spans, key=lambda s: s[0]):
        if start < position:
            continue
        out.text(text[position:start])
        kind = what[0]  # type: ignore[index]
        if kind == "link":
            _, url, shown = what  # type: ignore[misc]
            visible = shown[1:-1] if shown.startswith("<") else shown
            out.node(ir.Link(url, (ir.Text(visible),)))
        elif kind in ("emph", "strong"):
            inner = what[1]  # type: ignore[index]
            children = note_inlines(inner, note_number, existing) if note_number else body_inlines(inner, resolver)
            out.node(ir.Emphasis(children) if kind == "emph" else ir.Strong(children))
        elif kind == "ref":
            out.node(ir.NoteRef(f"fn{what[1]}"))  # type: ignore[index]
        elif kind == "xref":
            out.node(ir.NoteCrossRef(f"fn{what[1]}", (ir.Text(text[start:end]),)))  # type: ignore[index]
        position = end
    out.text(text[position:])
    return out.result()


def note_inlines(text: str, number: int, existing: frozenset[int]) -> tuple[ir.Inline, ...]:
    """Inlines of a note's text; cross-references only to notes in ``existing``."""
    spans: list[tuple[int, int, object]] = []
    for start, end, url in rules.find_urls(text):
        spans.append((start, end, ("link", url, text[start:end])))
    taken = _Spans(spans)
    for start, end, inner, strong in rules.find_emphasis(text):
        if taken.free(start, end):
            spans.append((start, end, ("strong" if strong else "emph", inner)))
            taken.add(start, end)
    for start, end, target in rules.cross_references(text, number):
        if target in existing and taken.free(start, end):
            spans.append((start, end, ("xref", target)))
            taken.add(start, end)
    return _assemble(text, spans, None, note_number=number, existing=existing)


def build_notes(raw_notes: list[RawNote], joiner: Joiner) -> tuple[ir.Note, ...]:
    notes = []
    seen: dict[int, int] = {}
    existing = frozenset(raw.number for raw in raw_notes)
    for raw in raw_notes:
        seen[raw.number] = seen.get(raw.number, 0) + 1
        note_id = f"fn{raw.number}"
        if seen[raw.number] > 1:
            note_id = f"fn{raw.number}-{seen[raw.number]}"
            if seen[raw.number] == 2:
                warn(f"note {raw.number} appears more than once; later ones are kept as '{note_id}'…")
        blocks = tuple(
            ir.Paragraph(note_inlines(joiner.join(paragraph), raw.number, existing))
            for paragraph in raw.paragraphs
            if any(line.strip() for line in paragraph)
        )
        notes.append(ir.Note(note_id, str(raw.number), blocks or (ir.Paragraph(()),), raw.kind))  # type: ignore[arg-type]
    return tuple(notes)


def to_ir_blocks(raw_blocks: list[RawBlock], resolver: MarkerResolver | None) -> tuple[ir.Block, ...]:
    levels = assign_levels(raw_blocks)
    out: list[ir.Block] = []
    for block in raw_blocks:
        if block.kind == "heading":
            out.append(ir.Heading(levels.get(block.style, 1), body_inlines(block.text, resolver)))
        elif block.kind == "para":
            out.append(ir.Paragraph(body_inlines(block.text, resolver)))
        elif block.kind == "quote" and block.joiner is not None:
            paragraphs = [block.joiner.join(p) for p in block.quoted if any(line for line in p)]
            out.append(ir.BlockQuote(tuple(ir.Paragraph(body_inlines(p, resolver)) for p in paragraphs)))
        elif block.raw_list is not None:
            out.append(_list_block(block.raw_list, resolver, block.joiner))
    return tuple(out)


def _list_block(raw: RawList, resolver: MarkerResolver | None, joiner: Joiner | None) -> ir.ListBlock:
    items = []
    for lines, nested in raw.items:
        text = joiner.join(lines) if joiner else " ".join(lines)
        item: list[ir.Block] = [ir.Paragraph(body_inlines(text, resolver))]
        if nested is not None:
            item.append(_list_block(nested, resolver, joiner))
        items.append(tuple(item))
    return ir.ListBlock(raw.ordered, tuple(items), raw.start)


# ====================================================================== reader


def read_txt(data: bytes, options: Mapping[str, str]) -> ir.Document:
    """Read a plain-text brief (see the module docstring for the stages)."""
    text = decode(data)
    pages = split_pages(text)
    remove_furniture(pages)
    page_notes = gather_page_footnotes(pages)
    _remove_rules(pages)
    chunks = split_run_in_headings(split_unwrapped(make_chunks(pages)))
    joiner = Joiner(text)
    front, body_start = read_front(chunks)
    chunks = chunks[:body_start] + drop_running_mastheads(chunks[body_start:], front)
    regions = split_regions(chunks[body_start:], joiner)
    raw_notes = _merge_notes(page_notes, regions.notes)
    notes = build_notes(raw_notes, joiner)
    resolver = MarkerResolver({n.number for n in raw_notes}) if raw_notes else None
    raw_blocks = build_blocks(regions.body, joiner)
    _take_abstract(raw_blocks, front)
    blocks = to_ir_blocks(raw_blocks, resolver)
    back = to_ir_blocks(build_blocks(regions.back, joiner), resolver)
    _report_doubts(resolver, notes)
    metadata = _metadata(front, regions)
    return ir.Document(metadata=metadata, blocks=blocks, back=back, notes=notes)


def drop_running_mastheads(chunks: list[Chunk], front: Front) -> list[Chunk]:
    """A running head set in columns that repeats the title block ('Briefing Note 4/2026
    ⟶ Water, Power and Peace…') is furniture even on a page of its own; the text around
    it was broken by a page."""
    known = [s.lower() for s in (front.title, front.subtitle, front.publisher) if s]
    if front.series:
        name, number = front.series
        known += [s.lower() for s in (name, f"{name} {number}", f"{name}: {number}", f"{name} No. {number}") if s]
    out: list[Chunk] = []
    dropped = False
    for chunk in chunks:
        fields = _front_fields(chunk.lines[0]) if len(chunk.lines) == 1 else []
        if len(fields) >= 2 and any(
            f.lower() in known or front.title and front.title.lower().startswith(f.lower()) and len(f) > 15
            or rules.date_line(f) for f in fields
        ):
            dropped = True
            continue
        if dropped:
            chunk = Chunk(chunk.lines, True)
            dropped = False
        out.append(chunk)
    return out


def _take_abstract(raw_blocks: list[RawBlock], front: Front) -> None:
    """An 'Abstract' heading opening the body: its paragraphs are the abstract."""
    if front.abstract or not raw_blocks or raw_blocks[0].kind != "heading":
        return
    if raw_blocks[0].text.strip().rstrip(":").lower() != "abstract":
        return
    end = 1
    while end < len(raw_blocks) and raw_blocks[end].kind == "para":
        end += 1
    if end > 1:
        front.abstract = "\n\n".join(block.text for block in raw_blocks[1:end])
        del raw_blocks[:end]


def _merge_notes(page_notes: list[RawNote], section_notes: list[RawNote]) -> list[RawNote]:
    if not page_notes:
        return section_notes
    taken = {n.number for n in page_notes}
    clashing = [n for n in section_notes if n.number in taken]
    if clashing:
        warn(f"a notes section repeats footnote numbers already used at page feet ({clashing[0].number}…); kept both")
    return page_notes + section_notes


def _report_doubts(resolver: MarkerResolver | None, notes: tuple[ir.Note, ...]) -> None:
    if resolver is None:
        return
    if resolver.doubtful:
        shown = ", ".join(repr(d) for d in resolver.doubtful[:3])
        warn(f"kept {len(resolver.doubtful)} possible note marker(s) as text: {shown}")
    unreferenced = [n.label for n in notes if int(n.label) not in set(resolver.referenced)] if all(n.label.isdigit() for n in notes) else []
    if unreferenced and len(unreferenced) < len(notes):
        warn(f"note(s) {', '.join(unreferenced[:5])} are never referenced in the text")
    elif notes and not resolver.referenced:
        warn("found a notes list but no note markers in the text")


def _metadata(front: Front, regions: Regions) -> ir.Metadata:
    licence = front.licence
    if licence is None and regions.licence:
        licence = _licence(regions.licence)
    authors = tuple(
        ir.Author(
            name=a["name"], given=a.get("given"), family=a.get("family"), honorific=a.get("honorific"),
            role=a.get("role"), affiliations=tuple(a.get("affiliations", ())), email=a.get("email"),
        )
        for a in front.authors
    )
    series = ir.Series(*front.series) if front.series else None
    publisher = ir.Publisher(front.publisher, front.place) if front.publisher else None
    return ir.Metadata(
        title=front.title,
        subtitle=front.subtitle,
        authors=authors,
        date=front.date,
        publisher=publisher,
        series=series,
        keywords=front.keywords,
        licence=licence,
        disclaimer=front.disclaimer or regions.disclaimer,
        abstract=front.abstract,
        identifiers=dict(front.identifiers),
        extra=dict(front.extra),
    )
