"""Hyphenation for the PDF writer: pyphen's dictionaries, read by Liang's algorithm.

The patterns are the hunspell/TeX hyphenation dictionaries that pyphen ships; this
module reads them itself, each pattern only when a word meets it (pyphen parses a
whole dictionary up front, which takes longer than typesetting a brief), and falls
back to pyphen for dictionaries with non-standard hyphenation.  Hyphens stay two
letters from a word's start and three from its end; a compound breaks after its own
hyphens or inside its parts.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from briefconv.errors import warn


def hyphenator(language: str | None):
    """The hyphenation points of ``language`` (English without one), or None.

    The patterns are pyphen's (the hunspell/TeX hyphenation dictionaries); they are
    read on the first word that needs them.  Hyphens are kept two letters from the
    start and three from the end, as English typesetting does.
    """
    path = pyphen_dictionary_path((language or "en").replace("-", "_"))
    if path is None:
        if language and not language.lower().startswith("en"):
            warn(f"no hyphenation patterns for {language!r}: the PDF is justified without hyphenation")
        elif importlib.util.find_spec("pyphen") is None:
            warn("pyphen is not installed: the PDF is justified without hyphenation")
        return None
    return LazyHyphenator(path)


_PYPHEN_DICTIONARIES: dict[str, Path] | None = None


def pyphen_dictionaries() -> dict[str, Path]:
    """pyphen's dictionaries by language ("en_gb", and "en" for the first English one).

    Listed once per process; found without importing pyphen (and before it is made
    lazy: finding a lazily imported module's spec would load it).
    """
    global _PYPHEN_DICTIONARIES
    if _PYPHEN_DICTIONARIES is None:
        spec = importlib.util.find_spec("pyphen")
        available: dict[str, Path] = {}
        if spec is not None and spec.origin is not None:
            for path in sorted((Path(spec.origin).parent / "dictionaries").glob("hyph_*.dic")):
                name = path.name[5:-4].lower()
                available[name] = path
                available.setdefault(name.split("_")[0], path)
        _PYPHEN_DICTIONARIES = available
    return _PYPHEN_DICTIONARIES


def pyphen_dictionary_path(language: str) -> Path | None:
    """pyphen's ``hyph_*.dic`` for ``language``, found the way pyphen finds it.

    Looking in pyphen's folder directly spares importing pyphen, which lists and
    sorts every dictionary it has.
    """
    available = pyphen_dictionaries()
    if not available:
        return None
    parts = language.lower().split("_")
    while parts:
        if "_".join(parts) in available:
            return available["_".join(parts)]
        parts.pop()
    return None


class LazyHyphenator:
    """A language's hyphenation: :meth:`points` of a word, the patterns read on first use."""

    def __init__(self, path: Path, left: int = 2, right: int = 3) -> None:
        self.path = path
        self.left, self.right = left, right
        self.patterns: LiangPatterns | None = None

    def __call__(self, word: str) -> list[tuple[str, str]]:
        """(head, tail) at every break point of ``word``, longest head first (as pyphen's ``iterate``)."""
        return [(word[:p], word[p:]) for p in reversed(self.points(word))]

    def points(self, word: str) -> list[int]:
        """Break points of ``word``; a compound breaks after its hyphens or inside its parts.

        Each part of "Asia-Pacific" keeps its own minimum lengths, so no "Asi-a-Pacific".
        """
        if self.patterns is None:
            self.patterns = liang_patterns(self.path)
        if "-" not in word:  # most words: no compound to take apart
            last = len(word) - self.right
            return [p for p in self.patterns.points(word) if self.left <= p <= last]
        points: list[int] = []
        offset = 0
        for part in re.split(r"(?<=-)(?=.)", word):
            letters = part.rstrip("-")
            last = len(letters) - self.right
            points += [offset + p for p in self.patterns.points(letters) if self.left <= p <= last]
            offset += len(part)
            if part.endswith("-") and offset < len(word):
                points.append(offset)
        return points


_PATTERN_CACHE: dict[Path, "LiangPatterns"] = {}
_IGNORED = ("%", "#", "LEFTHYPHENMIN", "RIGHTHYPHENMIN", "COMPOUNDLEFTHYPHENMIN", "COMPOUNDRIGHTHYPHENMIN")


def liang_patterns(path: Path) -> "LiangPatterns":
    if path not in _PATTERN_CACHE:
        _PATTERN_CACHE[path] = LiangPatterns.read(path)
    return _PATTERN_CACHE[path]


class LiangPatterns:
    """Liang's hyphenation patterns (TeX's algorithm), each parsed only when a word meets it.

    pyphen parses every pattern of a dictionary up front, which takes longer than
    typesetting a whole brief; here a pattern is a raw string until a word needs it.
    Dictionaries with non-standard hyphenation (``ff=f`` alternatives) go to pyphen.
    A word's break points are remembered until ``WORD_MEMO_LIMIT`` words are: a batch
    worker lives through thousands of briefs, and its memory must not grow with them.
    """

    WORD_MEMO_LIMIT = 20_000  # some 5 MB at most: a brief has a few thousand distinct words

    def __init__(self, raw: dict[str, str], fallback=None) -> None:
        self.raw = raw  # "hyph" -> "h1yph" as written in the file
        self.maxlen = max(map(len, raw), default=0)
        self.fallback = fallback
        self.values: dict[str, list[int]] = {}
        self.cache: dict[str, list[int]] = {}

    @classmethod
    def read(cls, path: Path) -> "LiangPatterns":
        data = path.read_bytes()
        header, _, body = data.partition(b"\n")
        try:
            text = body.decode(header.decode("ascii").strip().replace("microsoft-", ""))
        except (LookupError, UnicodeDecodeError):
            text = None
        lines = [line.strip() for line in text.split("\n")] if text is not None else []
        patterns = [line for line in lines if line and not line.startswith(_IGNORED)]
        joined = "\n".join(patterns)
        if text is None or "/" in joined or "^^" in joined:
            import pyphen

            return cls({}, fallback=pyphen.Pyphen(filename=path, left=0, right=0))
        # a pattern's digits are ASCII; deleting them from bytes is many times faster than re.sub
        keys = joined.encode("utf-8").translate(None, b"0123456789").decode("utf-8").split("\n")
        return cls(dict(zip(keys, patterns)))

    def pattern_values(self, key: str) -> list[int]:
        """The digits of a pattern by position: 'h1yph' -> [0, 1, 0, 0, 0]."""
        values = self.values.get(key)
        if values is None:
            values = [0] * (len(key) + 1)
            position = 0
            for char in self.raw[key]:
                if char.isdigit():
                    values[position] = int(char)
                else:
                    position += 1
            self.values[key] = values
        return values

    def points(self, word: str) -> list[int]:
        """Where ``word`` may be hyphenated: indexes of the characters a hyphen goes before."""
        if self.fallback is not None:
            return list(self.fallback.positions(word))
        lower = word.lower()
        points = self.cache.get(lower)
        if points is None:
            dotted = f".{lower}."
            levels = [0] * (len(dotted) + 1)
            for start in range(len(dotted) - 1):
                for end in range(start + 1, min(start + self.maxlen, len(dotted)) + 1):
                    key = dotted[start:end]
                    if key in self.raw:
                        for offset, value in enumerate(self.pattern_values(key)):
                            if value > levels[start + offset]:
                                levels[start + offset] = value
            points = [i - 1 for i, level in enumerate(levels) if level % 2]
            if len(self.cache) >= self.WORD_MEMO_LIMIT:
                self.cache.clear()
            self.cache[lower] = points
        return points
