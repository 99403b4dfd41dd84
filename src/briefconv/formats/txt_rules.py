"""The rules the plain-text reader applies, one small function per convention.

Private to :mod:`briefconv.formats.txt_reader`.  Each rule looks at one line (or one run of
lines) and either recognises it, returning what it found, or returns ``None``.  A
new convention is a new rule added to the right tuple, not a special case in the
pipeline.  Every regular expression here is anchored or free of nested
quantifiers, so each rule runs in time linear in the length of its line, and the
rules that only make sense for short lines (titles, dates, names) refuse long ones
before matching.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from briefconv import dates

# ------------------------------------------------------------------ characters

SUPERSCRIPT_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_SUPER_TO_ASCII = str.maketrans(SUPERSCRIPT_DIGITS, "0123456789")

#: Characters that end a sentence (or a quoted sentence).
TERMINAL = ".!?…"
CLOSING_QUOTES = "\"'”’»)]"

BULLETS = "•◦▪▫●○■□‣⁃∙·-*–—➢➤►▸✓✔❖◆◇→\uf0b7\uf0a7\uf076\uf0d8\uf0fc"  # the last: Word's Symbol-font bullets

SHORT_LINE = 200  # longer lines are never titles, dates, names or headings


def superscript_to_int(digits: str) -> int:
    return int(digits.translate(_SUPER_TO_ASCII))


def ends_sentence(text: str) -> bool:
    """Whether ``text`` ends like a finished sentence ('done.', 'done."', 'done?)')."""
    stripped = text.rstrip().rstrip(CLOSING_QUOTES + SUPERSCRIPT_DIGITS)
    if stripped[-1:].isdigit():
        # a note number after the full stop: 'privilege."8', 'day.[12]', 'day.^3'
        bare = stripped.rstrip("0123456789").rstrip("[^(")
        if bare[-1:] in TERMINAL or bare[-1:] in CLOSING_QUOTES:
            stripped = bare.rstrip(CLOSING_QUOTES)
    return bool(stripped) and stripped[-1] in TERMINAL


def word_count(text: str) -> int:
    return len(text.split())


# ---------------------------------------------------------------- page furniture

_PAGE_NUMBER = re.compile(
    r"(?i)(?:page|p\.|pg\.?)?\s*[-–—(\[]?\s*\d{1,4}\s*[-–—)\]]?(?:\s*(?:of|/)\s*\d{1,4})?"
)
_ROMAN_PAGE = re.compile(r"(?i)[ivxlc]{1,6}")


def is_page_number(line: str) -> bool:
    """'12', '- 12 -', 'Page 3 of 5', 'p. 4', '3/10', '[7]' alone on a line."""
    text = line.strip()
    if not text or len(text) > 20:
        return False
    return bool(_PAGE_NUMBER.fullmatch(text)) and any(c.isdigit() for c in text)


def is_contents_entry(line: str) -> bool:
    """A contents line: text, a run of dot leaders, a page number ('Introduction ..... 3')."""
    text = line.rstrip()
    without_page = text.rstrip("0123456789ivxlcIVXLC")
    if without_page == text or not without_page:
        return False
    before_leaders = without_page.rstrip(" .…·_\u00a0")
    leaders = without_page[len(before_leaders):]
    dots = leaders.count(".") + 3 * leaders.count("…") + leaders.count("·") + leaders.count("_")
    return dots >= 3 and bool(before_leaders.strip())


CONTENTS_HEADINGS = {"contents", "table of contents", "in this issue", "in this brief"}


def normalise_furniture(line: str) -> str:
    """A running header or footer with its page number blanked out, for comparing pages."""
    return _DIGITS.sub("#", " ".join(line.split()))


_DIGITS = re.compile(r"\d+")


def is_separator(line: str) -> bool:
    """A rule that pdftotext leaves above the footnotes: '________' or '--------'."""
    text = line.strip()
    return len(text) >= 5 and not text.strip("_-─—–=━")


# ------------------------------------------------------------------ note markers


class MarkerMatch(NamedTuple):
    """A note-reference mark found in a line: where it is, its number and how it is set."""

    start: int
    end: int
    number: int
    style: str  # "super", "bracket", "caret", "paren", "glued"
    strong: bool  # a strong style is a note marker whenever the note exists


# The last two alternatives look behind only after consuming their first character
# ("glued": a digit that follows a letter or punctuation; "spaced": a space after
# punctuation), which matches the same places as looking behind first, a third faster:
# a look-behind at the start of an alternative is tried at every character of the text.
_INLINE_MARKER = re.compile(
    r"(?P<super>[⁰¹²³⁴⁵⁶⁷⁸⁹]{1,4})"
    r"|\[(?P<bracket>\d{1,4})\]"
    r"|\^(?P<caret>\d{1,4})"
    r"|\((?P<paren>\d{1,3})\)"
    r"|(?P<glued>\d(?<=[a-z.,;:!?\"”’)]\d)\d{0,2})(?![\w.,]\d|\d|[A-Za-z%])"
    r"| (?<=[.,;:!?\"”’)] )(?P<spaced>\d{1,3})(?= [A-Z“\"‘]|$)"
)


def inline_markers(text: str) -> list[MarkerMatch]:
    """Every candidate note marker in ``text``, in order (strong and weak)."""
    found = []
    for m in _INLINE_MARKER.finditer(text):
        style = m.lastgroup or ""
        digits = m.group(style)
        if style == "super":
            number = superscript_to_int(digits)
        else:
            number = int(digits)
        if number == 0:
            continue
        if style == "spaced" and m.start() >= 1 and text[m.start() - 1].isdigit():
            continue
        if style == "glued" and not _plausible_glued(text, m.start()):
            continue
        if style == "paren" and m.start() == 0:
            continue
        found.append(MarkerMatch(m.start(), m.end(), number, style, style in ("super", "bracket", "caret")))
    return found


def _plausible_glued(text: str, start: int) -> bool:
    """'day.1' and 'treaty,12' yes; '1.5', 'p.4', 'U.S.2' and 'mp3' no."""
    before = text[max(0, start - 4):start]
    if len(before) >= 2 and before[-1] in ".," and before[-2].isdigit():
        year = text[max(0, start - 6):start - 1]
        after = text[start:start + 6].lstrip("0123456789")
        if not (len(year) == 5 and year[0] in " (" and year[1:3] in ("19", "20") and after[:1] in ("", " ", "\n")):
            return False  # a decimal number ('1.5'), unless a year ends a sentence ('in 2025.1 This')
    word = before.rstrip(".,;:!?\"”’)")
    if before and before[-1].isalpha():
        # digits glued to a word: only after a real (lower-case) word of 3+ letters
        return len(before) >= 3 and before[-3:].isalpha() and before[-3:].islower()
    if word and word[-1].isalpha() and word[-1].isupper() and len(word) >= 2 and word[-2] == ".":
        return False  # 'U.S.2'
    if len(word) >= 1 and len(word) <= 2 and (start - len(before)) <= 0:
        return False
    tail = text[max(0, start - 3):start]
    if tail.endswith(("p.", "n.", "s.")) and (len(tail) < 3 or not tail[0].isalpha()):
        return False  # 'p.4', 'n.4', 's.2': a page or note number, not a marker
    return True


# ---------------------------------------------------------------- note entries

_ENTRY = re.compile(
    r"[ \t]*(?:"
    r"(?P<super>[⁰¹²³⁴⁵⁶⁷⁸⁹]{1,4})[ \t]*"
    r"|\[(?P<bracket>\d{1,4})\][ \t]*"
    r"|\((?P<paren>\d{1,4})\)[ \t]*"
    r"|\^(?P<caret>\d{1,4})[ \t]*"
    r"|(?P<num>\d{1,4})(?:[.):][ \t]+|[ \t]+)"
    r"|(?P<glued>\d{1,3})(?=[A-Z“\"‘(\[])"
    r")(?=\S)"
)


def note_entry(line: str) -> tuple[int, str, int, str] | None:
    """(number, rest, indent, style) when ``line`` opens a note: '¹ x', '1. x', '[1] x', '1X'."""
    m = _ENTRY.match(line)
    if not m:
        return None
    style = m.lastgroup or ""
    digits = m.group(style)
    number = superscript_to_int(digits) if style == "super" else int(digits)
    indent = len(line) - len(line.lstrip())
    return number, line[m.end():], indent, style


_NOTES_HEADING = re.compile(
    r"(?i)(?:end\s?notes|foot\s?notes|notes(?:\s(?:and|&)\s(?:references|sources))?"
    r"|references(?:\s(?:and|&)\snotes)?|sources|bibliography|works cited|citations)\s*:?"
)


def is_notes_heading(text: str) -> bool:
    """'Notes:', 'ENDNOTES', 'Footnotes', 'References' alone on a line."""
    stripped = text.strip()
    return len(stripped) < 40 and bool(_NOTES_HEADING.fullmatch(stripped))


# ---------------------------------------------------------- cross-references

_IBID = re.compile(r"(?i)\b(?:ibid|ibidem|id)\b\.?")
_NOTE_NUMBER_REF = re.compile(r"(?i)\b(?:supra\s+)?(?:n\.|nn\.|note)\s?(\d{1,4})\b")
# What every match of each holds, found three times quicker: most notes have neither.
_MAYBE_IBID = re.compile(r"(?i)id")
_MAYBE_NOTE_NUMBER_REF = re.compile(r"(?i)n(?:n?\.|ote)")


def cross_references(text: str, own_number: int) -> list[tuple[int, int, int]]:
    """(start, end, target) for 'Ibid.' (the previous note) and 'n. 4' / 'note 4' in a note."""
    found = []
    for m in _IBID.finditer(text) if _MAYBE_IBID.search(text) else ():
        word = m.group(0).lower()
        if word.startswith("id") and not word.startswith("ibid") and (m.start() != 0 or word != "id."):
            continue  # 'Id.' counts only opening a note; 'id' elsewhere is a word
        if own_number > 1:
            found.append((m.start(), m.end(), own_number - 1))
    for m in _NOTE_NUMBER_REF.finditer(text) if _MAYBE_NOTE_NUMBER_REF.search(text) else ():
        target = int(m.group(1))
        if 0 < target < own_number:
            found.append((m.start(), m.end(), target))
    found.sort()
    kept, last_end = [], -1
    for start, end, target in found:
        if start >= last_end:
            kept.append((start, end, target))
            last_end = end
    return kept


# ------------------------------------------------------------------- inlines

_URL = re.compile(r"<(?P<angled>(?:https?|ftp)://[^\s<>]{1,2000})>|(?P<bare>(?:https?://|www\.)[^\s<>\"”]{1,2000})")
# '**strong**', '*emphasis*', '_emphasis_', each not glued to a word on its outer side.
# Each alternative looks behind only after consuming its opening mark: the same matches
# as looking behind first (tests/test_txt.py holds it to that), seven times faster, as
# the engine then jumps from one '*' or '_' to the next.
_EMPHASIS = re.compile(
    r"\*(?<![\w*]\*)\*(?=\S)(?P<strong>[^*\n]{1,500}?)(?<=\S)\*\*(?![\w*])"
    r"|\*(?<![\w*]\*)(?=\S)(?P<a>[^*\n]{1,500}?)(?<=\S)\*(?![\w*])"
    r"|_(?<![\w_]_)(?=\S)(?P<b>[^_\n]{1,500}?)(?<=\S)_(?![\w_])"
)


def find_urls(text: str) -> list[tuple[int, int, str]]:
    """(start, end, url) of '<https://…>' and bare 'https://…' (trailing punctuation left out)."""
    found = []
    if "://" not in text and "www." not in text:
        return found  # most paragraphs: a substring test is far quicker than the pattern
    for m in _URL.finditer(text):
        if m.group("angled"):
            found.append((m.start(), m.end(), m.group("angled")))
            continue
        url = m.group("bare")
        trimmed = url.rstrip(".,;:!?)]}'’")
        if trimmed.count("(") > trimmed.count(")") and url[len(trimmed):].startswith(")"):
            trimmed += ")"
        if len(trimmed) < 8:
            continue
        end = m.start() + len(trimmed)
        target = trimmed if not trimmed.startswith("www.") else "https://" + trimmed
        found.append((m.start(), end, target))
    return found


def find_emphasis(text: str) -> list[tuple[int, int, str, bool]]:
    """(start, end, inner text, strong) of '*emphasis*', '_emphasis_' and '**strong**'."""
    if "*" not in text and "_" not in text:
        return []  # most paragraphs: the pattern's look-behinds cost a step at every character
    return [
        (m.start(), m.end(), m.group("strong") or m.group("a") or m.group("b"), m.group("strong") is not None)
        for m in _EMPHASIS.finditer(text)
    ]


# ------------------------------------------------------------------- dates

#: Month names and their abbreviations ("sep" and "sept" both), lower-case, to numbers.
MONTHS = {
    **{name.lower(): number for number, name in enumerate(dates.MONTHS, start=1)},
    **{name[:3].lower(): number for number, name in enumerate(dates.MONTHS, start=1)},
    "sept": 9,
}
_MONTH = r"(?P<month>[A-Za-z]{3,9})\.?"
_DATE_PATTERNS = (
    re.compile(r"(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH + r",?\s+(?P<year>\d{4})"),
    re.compile(_MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>\d{4})"),
    re.compile(r"(?P<year>\d{4})-(?P<mnum>\d{2})-(?P<day>\d{2})"),
    re.compile(_MONTH + r",?\s+(?P<year>\d{4})"),
)
_YEAR = re.compile(r"\d{4}")
DATE_PREFIXES = (
    "last updated on", "last updated", "updated on", "updated", "published on", "published",
    "date of publication", "publication date", "date", "dated", "revised", "issued", "released",
)


def find_date(text: str) -> tuple[str, int, int] | None:
    """The first date in ``text`` as ISO 8601, with where it was found."""
    if len(text) > SHORT_LINE or not _YEAR.search(text):  # every date pattern holds a year
        return None
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            iso = _iso(m)
            if iso:
                return iso, m.start(), m.end()
    return None


def _iso(m: re.Match) -> str | None:
    groups = m.groupdict()
    year = int(groups["year"])
    if groups.get("mnum"):
        month = int(groups["mnum"])
    else:
        month = MONTHS.get(groups["month"].lower(), 0)
    if not month or not 1000 <= year <= 2999:
        return None
    if groups.get("day") is None:
        return f"{year:04d}-{month:02d}"
    day = int(groups["day"])
    return f"{year:04d}-{month:02d}-{day:02d}" if 1 <= day <= _days_in_month(year, month) else None


def _days_in_month(year: int, month: int) -> int:
    # by hand: importing datetime for this one check cost about 2 ms of every txt run
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def date_line(text: str) -> str | None:
    """The ISO date when the whole line is a date, maybe after 'Updated' or 'Date:'."""
    stripped = text.strip()
    lower = stripped.lower()
    for prefix in DATE_PREFIXES:
        if lower.startswith(prefix):
            stripped = stripped[len(prefix):].lstrip(" :-–—")
            break
    found = find_date(stripped)
    if not found:
        return None
    iso, start, end = found
    rest = (stripped[:start] + stripped[end:]).strip(" ,.;:-–—()")
    return iso if not rest else None


# ---------------------------------------------------------------- names, roles

HONORIFICS = (
    "air chief marshal", "air vice marshal", "air marshal", "air commodore", "group captain",
    "gp capt", "wing commander", "wg cdr", "squadron leader", "sqn ldr", "lieutenant general",
    "lt gen", "major general", "maj gen", "brigadier general", "brigadier", "brig", "colonel",
    "col", "lieutenant colonel", "lt col", "commander", "cdr", "captain", "capt", "major",
    "maj", "general", "gen", "admiral", "vice admiral", "rear admiral", "commodore", "cmde",
    "ambassador", "amb", "professor", "prof", "dr", "mr", "mrs", "ms", "miss", "mx", "sir",
    "dame", "rev", "hon", "shri", "smt", "avm",
)
# Tried longest first, so that "Brigadier General" is not read as "Brigadier", and only
# those with the text's first letter.  A loop over str.startswith rather than one pattern
# of 50 alternatives: that pattern alone took a millisecond of every run to compile.
_HONORIFICS_BY_INITIAL = {initial: sorted((h for h in HONORIFICS if h[0] == initial), key=len, reverse=True)
                          for initial in {h[0] for h in HONORIFICS}}
_LONGEST_HONORIFIC = max(map(len, HONORIFICS))
_AFTER_HONORIFIC = re.compile(r"(?i)\.?(?:\s*\((?:retd|retired|r)\.?\))?\s+(?=[A-Z])")


def _honorific_end(text: str) -> int:
    """Where the honorific that opens ``text`` ends, with the space after it; 0 if none."""
    lower = text[:_LONGEST_HONORIFIC].lower()
    for honorific in _HONORIFICS_BY_INITIAL.get(lower[:1], ()):
        if lower.startswith(honorific):
            after = _AFTER_HONORIFIC.match(text, len(honorific))
            if after:
                return after.end()
    return 0

ORG_WORDS = {
    "centre", "center", "institute", "institution", "service", "foundation", "council",
    "university", "agency", "office", "ministry", "department", "commission", "forum",
    "programme", "program", "association", "society", "academy", "trust", "observatory",
    "network", "school", "college", "laboratory", "lab", "corporation", "council",
    "bureau", "secretariat", "parliament", "congress", "library", "organisation",
    "organization", "initiative", "studies", "research", "fund", "group", "tank",
}
ROLE_WORDS = {
    "associate", "fellow", "director", "professor", "analyst", "specialist", "researcher",
    "head", "chair", "chairman", "chairperson", "lecturer", "consultant", "adviser",
    "advisor", "editor", "coordinator", "member", "scholar", "officer", "manager",
    "president", "intern", "scientist", "economist", "attorney", "counsel", "lead",
    "student", "candidate", "assistant", "deputy", "dean", "secretary", "founder",
    "executive", "correspondent", "journalist", "writer", "author", "expert", "staff",
}
SMALL_WORDS = {
    "a", "an", "the", "and", "or", "nor", "but", "for", "of", "on", "in", "at", "to", "by",
    "with", "from", "as", "into", "over", "under", "vs", "vs.", "via", "per", "about",
    "after", "before", "between", "than", "up", "off", "out", "its", "is", "are", "be",
}


class ParsedName(NamedTuple):
    """A person's name split into its parts, the honorific set apart."""

    name: str
    given: str | None
    family: str | None
    honorific: str | None


POSTNOMINALS = {
    "pvsm", "avsm", "uysm", "ysm", "sm", "vm", "vsm", "nm", "vrc", "sc", "kc", "adc", "phd",
    "ph.d.", "ph.d", "obe", "mbe", "cbe", "kbe", "dbe", "dso", "mc", "frs", "frsa", "mp", "qc",
    "esq", "esq.", "md", "mba", "(retd)", "(retd.)", "(retired)", "(ret.)", "(ret)", "(r)",
}


def strip_postnominals(text: str) -> tuple[str, str]:
    """'Anil Chopra PVSM AVSM (Retd)' -> ('Anil Chopra', 'PVSM AVSM (Retd)')."""
    words = text.split()
    cut = len(words)
    while cut > 2 and words[cut - 1].strip(",").lower() in POSTNOMINALS:
        cut -= 1
    return " ".join(words[:cut]).rstrip(","), " ".join(words[cut:])


def split_honorific(text: str) -> tuple[str | None, str]:
    """('Air Marshal', 'Anil Chopra') from 'Air Marshal Anil Chopra PVSM (Retd)'."""
    stripped, after = strip_postnominals(text.strip())
    end = _honorific_end(stripped)
    if not end:
        return None, stripped
    honorific = stripped[:end].strip().rstrip(".")
    if "(" in after and "(" not in honorific:
        honorific += " " + after[after.index("("):]  # 'Gp Capt (Retd)'
    return honorific, stripped[end:].strip()


def looks_like_name(text: str) -> bool:
    """'Priyanka Yadav', 'Thomas P. Carr', 'Ludwig van Beethoven' (2 to 5 words, no org word)."""
    words = text.split()
    if not 2 <= len(words) <= 5 or len(text) > 60:
        return False
    if any(w.lower().strip(".,") in ORG_WORDS or w.lower() in SMALL_WORDS for w in words):
        return False
    if any(c.isdigit() for c in text) or ":" in text:
        return False
    if text.isupper() and len(text) > 3 and not all(len(w) <= 2 for w in words):
        return False  # ALL CAPS lines are organisations or headings far more often
    return all(_is_name_word(w.rstrip(",")) for w in words) and words[0][0].isupper()


_PARTICLES = {"van", "von", "de", "der", "den", "da", "di", "du", "le", "la", "bin", "binti", "al", "el", "ibn", "dos", "das", "del"}


def _is_name_word(word: str) -> bool:
    """'Tomás', 'O’Neill', 'Jae-Myung', 'P.', 'J.R.', 'van', 'Jr.'."""
    if word.lower() in _PARTICLES or word.rstrip(".") in ("Jr", "Sr", "II", "III", "IV"):
        return True
    bare = word.rstrip(".")
    if not bare or not bare[0].isupper() or bare.endswith(("'s", "’s")):
        return False  # "Jae-Myung's" is a possessive in a title, not a name
    if all(part.isalpha() and len(part) == 1 for part in bare.split(".")):
        return True  # initials
    return all(c.isalpha() or c in "'’-" for c in bare) and len(bare) >= 2 and not bare[1:].isupper() or bare.isupper() and len(bare) <= 3


def parse_name(text: str) -> ParsedName:
    honorific, rest = split_honorific(text)
    rest = rest.strip().strip(",")
    if "," in rest and rest.count(",") == 1 and not rest.rstrip(".").endswith(("Jr", "Sr", "II", "III")):
        family, given = (p.strip() for p in rest.split(","))
        if family and given:
            return ParsedName(f"{given} {family}", given, family, honorific)
    words = rest.split()
    suffix = ""
    if len(words) > 2 and words[-1].rstrip(".") in ("Jr", "Sr", "II", "III", "IV"):
        suffix = " " + words.pop()
    if len(words) < 2:
        return ParsedName(rest, None, None, honorific)
    split = len(words) - 1
    while split > 1 and words[split - 1].lower() in ("van", "von", "de", "der", "den", "da", "di", "du", "le", "la", "bin", "al", "ibn", "dos", "das", "del"):
        split -= 1
    return ParsedName(rest, " ".join(words[:split]), " ".join(words[split:]) + suffix, honorific)


def split_people(text: str) -> list[str]:
    """'A, B and C' / 'A & B' -> ['A', 'B', 'C']."""
    text = re.sub(r"(?i)\s*(?:,\s*and\s+|\s+and\s+|\s*&\s*|;\s*)", ",", text)
    return [p.strip() for p in text.split(",") if p.strip()]


def looks_like_org(text: str) -> bool:
    words = [w.lower().strip(".,()[]") for w in text.split()]
    return 0 < len(words) <= 14 and any(w in ORG_WORDS for w in words) and not ends_sentence(text)


def role_and_affiliations(text: str) -> tuple[str | None, tuple[str, ...]] | None:
    """'Research Associate, Centre for X' -> ('Research Associate', ('Centre for X',))."""
    stripped = text.strip()
    if not stripped or len(stripped) > SHORT_LINE or ends_sentence(stripped) and not stripped.endswith(("Inc.", "Ltd.")):
        return None
    for separator in (", ", " at ", " with ", " of the ", " in the ", " — ", " - "):
        head, sep, tail = stripped.partition(separator)
        if sep and _is_role(head) and (looks_like_org(tail) or _is_acronym(tail)):
            if separator == " of the ":
                tail = "the " + tail if not tail.lower().startswith("the ") else tail
            return head.strip(), tuple(a.strip() for a in tail.split(";") if a.strip())
    if _is_role(stripped):
        return stripped, ()
    if looks_like_org(stripped):
        return None, (stripped,)
    return None


def _is_acronym(text: str) -> bool:
    """'CAPSS', 'ORF', 'RAND': an organisation known by its initials."""
    return 2 <= len(text) <= 10 and text.isalpha() and text.isupper()


def _is_role(text: str) -> bool:
    words = [w.lower().strip(".,()") for w in text.split()]
    return 0 < len(words) <= 10 and any(w in ROLE_WORDS for w in words)


def title_case_org(text: str) -> str:
    """'CENTRE FOR AEROSPACE POWER' -> 'Centre for Aerospace Power' (acronyms of 2-5 letters kept)."""
    if not text.isupper():
        return text
    words = text.split()
    out = []
    for i, word in enumerate(words):
        lower = word.lower()
        if i and lower in SMALL_WORDS:
            out.append(lower)
        elif len(word) <= 5 and word.isalpha() and word not in {"POWER", "STUDY", "ASIAN", "WORLD"} and _looks_acronym(word):
            out.append(word)
        else:
            out.append("-".join(part[:1] + part[1:].lower() for part in word.split("-")))
    return " ".join(out)


def _looks_acronym(word: str) -> bool:
    vowels = sum(c in "AEIOU" for c in word)
    return vowels == 0 or (len(word) <= 4 and vowels <= 1 and word not in {"FOR", "AND", "THE", "LAW", "WAR", "SEA", "AIR", "NEW", "EAST", "WEST", "GULF", "PEACE", "LAND", "ARMS"})


# ------------------------------------------------------------------- places

PLACES = {
    "new delhi", "delhi", "mumbai", "bengaluru", "bangalore", "chennai", "kolkata", "hyderabad",
    "pune", "washington", "washington, dc", "washington, d.c.", "washington dc", "new york",
    "boston", "cambridge", "cambridge, ma", "santa monica", "london", "oxford", "paris",
    "berlin", "brussels", "geneva", "the hague", "vienna", "rome", "madrid", "lisbon",
    "amsterdam", "stockholm", "oslo", "copenhagen", "helsinki", "warsaw", "prague", "budapest",
    "kyiv", "moscow", "ankara", "istanbul", "tel aviv", "jerusalem", "cairo", "doha", "dubai",
    "abu dhabi", "riyadh", "tehran", "kabul", "islamabad", "dhaka", "colombo", "kathmandu",
    "thimphu", "male", "beijing", "shanghai", "hong kong", "taipei", "tokyo", "seoul",
    "singapore", "jakarta", "manila", "bangkok", "kuala lumpur", "hanoi", "canberra",
    "sydney", "melbourne", "wellington", "ottawa", "toronto", "montreal", "mexico city",
    "buenos aires", "brasília", "brasilia", "são paulo", "santiago", "lima", "bogotá",
    "nairobi", "addis ababa", "pretoria", "johannesburg", "cape town", "lagos", "abuja", "accra",
}


def is_place(text: str) -> bool:
    return text.strip().rstrip(".").lower() in PLACES


# ----------------------------------------------------------------- licences

_CC_PARTS = (
    ("by", re.compile(r"(?i)\battribution\b|\bBY\b")),
    ("nc", re.compile(r"(?i)non[\s\-–]*commercial|\bNC\b")),
    ("nd", re.compile(r"(?i)no[\s\-–]*deriv|\bND\b")),
    ("sa", re.compile(r"(?i)share[\s\-–]*alike|\bSA\b")),
)
_CC_VERSION = re.compile(r"\b([1-4]\.0|2\.5|2\.1)\b")
_EXPLICIT_URL = re.compile(r"https?://[^\s<>\"”)]{1,300}")


def licence_url(text: str) -> str | None:
    """The URL of a Creative Commons licence described in words, or given outright."""
    explicit = _EXPLICIT_URL.search(text)
    if explicit:
        return explicit.group(0).rstrip(".,;")
    lower = text.lower()
    if "creative commons" not in lower and not re.search(r"\bCC[\s\-]?(?:BY|0)\b", text):
        return None
    if re.search(r"(?i)\bCC\s?0\b|public domain dedication|\bzero\b", text):
        return "https://creativecommons.org/publicdomain/zero/1.0/"
    version = _CC_VERSION.search(text)
    parts = [code for code, pattern in _CC_PARTS if pattern.search(text)]
    if not version or not parts or parts[0] != "by":
        return None
    return f"https://creativecommons.org/licenses/{'-'.join(parts)}/{version.group(1)}/"


def is_licence(text: str) -> bool:
    lower = text.lower()
    return (
        "licensed under" in lower or "licenced under" in lower or "creative commons" in lower
        or lower.startswith(("licence:", "license:", "©", "copyright", "(c) "))
        or bool(re.match(r"CC[\s\-]?BY\b", text.strip()))
    )


# -------------------------------------------------------------- hyphenation

#: Prefixes that keep their hyphen in English ('self-defence', 'well-known'); others
#: ('inter-' + 'national') were broken only to fit the line.
HYPHEN_PREFIXES = {"self", "well", "ex", "all", "half", "quasi", "so", "non", "anti", "cross", "pan"}
