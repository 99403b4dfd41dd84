"""Fonts for the PDF writer: the serif text family and the CJK fallback.

The text face is PT Serif from the ``fontpkg-pt-serif`` package (four static TTF
files, embedded as subsets).  Without it the writer falls back to the Bitstream Vera
family whose files ship inside reportlab's package, if that is installed, with a
warning (reportlab itself is not imported); without either it refuses.

Characters the text face lacks are typeset in one of the standard CJK CID fonts
(Korean, Chinese or Japanese) that PDF viewers know by name.  Those fonts are *not
embedded*: a viewer supplies them from its own Asian font packs (Acrobat, pdf.js,
macOS Preview have them; poppler needs the ``poppler-data`` package).  The text
layer keeps the characters either way.  They are used only for the runs that need them.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from briefconv.errors import BriefconvError, warn
from briefconv.formats.pdf_truetype import TrueTypeFont


@dataclass(frozen=True)
class CIDFont:
    """A standard CJK font viewers supply: its name, UCS-2 encoding and character collection."""

    name: str
    encoding: str
    ordering: str
    supplement: int


#: The CJK font for each language, as Adobe's Asian font packs name them.
CID_FONTS = {
    "ko": CIDFont("HYSMyeongJo-Medium", "UniKS-UCS2-H", "Korea1", 1),
    "zh": CIDFont("STSong-Light", "UniGB-UCS2-H", "GB1", 2),
    "ja": CIDFont("HeiseiMin-W3", "UniJIS-UCS2-H", "Japan1", 2),
}

_WEIGHT_STYLE = {
    "regular": (400, "normal"),
    "bold": (700, "normal"),
    "italic": (400, "italic"),
    "bold_italic": (700, "italic"),
}


@dataclass(frozen=True, eq=False)
class TextFamily:
    """A family's four faces (read once per process) and the characters it covers."""

    family: str  # the PostScript-style base name: "PTSerif"
    faces: dict  # "regular", "bold", "italic", "bold_italic" -> TrueTypeFont

    @functools.cached_property
    def covered(self) -> frozenset[str]:
        return frozenset(map(chr, self.faces["regular"].cmap))

    def lacking(self, text: str) -> set[str]:
        """The characters of ``text`` the family has no glyph for, white space aside."""
        lacking = set(text).difference(self.covered)
        return {char for char in lacking if not char.isspace()} if lacking else lacking


def pt_serif_files() -> dict[str, Path] | None:
    """The four static PT Serif TTF files by face, or None when the package is missing.

    Reads the package's own ``metadata.json`` rather than going through fontpkg's
    entry-point scan, which costs a noticeable part of a CLI run.
    """
    spec = importlib.util.find_spec("fontpkg_pt_serif")
    if spec is None or spec.origin is None:
        return None
    root = Path(spec.origin).parent
    try:
        meta = json.loads((root / "metadata.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    by_key = {
        (f.get("weight"), f.get("style")): root / f["path"]
        for f in meta.get("files", ())
        if not f.get("variable") and "path" in f
    }
    files = {face: by_key.get(key) for face, key in _WEIGHT_STYLE.items()}
    if not all(path is not None and path.is_file() for path in files.values()):
        return None
    return files  # type: ignore[return-value]


def vera_files() -> dict[str, Path]:
    """Bitstream Vera, which reportlab's package ships: found without importing reportlab."""
    spec = importlib.util.find_spec("reportlab")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("neither PT Serif (fontpkg-pt-serif) nor reportlab's Vera is installed")
    root = Path(spec.origin).parent / "fonts"
    names = {"regular": "Vera.ttf", "bold": "VeraBd.ttf", "italic": "VeraIt.ttf", "bold_italic": "VeraBI.ttf"}
    return {face: root / name for face, name in names.items()}


@functools.lru_cache(maxsize=None)
def text_family() -> TextFamily:
    """The serif text family, read once per process."""
    files = pt_serif_files()
    family = "PTSerif"
    if files is None:
        try:
            files, family = vera_files(), "BriefVera"
        except FileNotFoundError:
            raise BriefconvError("the PDF writer needs the PT Serif fonts: pip install fontpkg-pt-serif") from None
        warn("the PT Serif font package (fontpkg-pt-serif) is not installed; the PDF uses Vera instead")
    return TextFamily(family, {face: TrueTypeFont(path.read_bytes(), path.name) for face, path in files.items()})


# ------------------------------------------------------------- telling scripts apart


def cjk_script(char: str) -> str | None:
    """'hangul', 'kana' or 'han' for a CJK character, None for anything else."""
    code = ord(char)
    if 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F:
        return "hangul"
    if 0x3040 <= code <= 0x30FF or 0x31F0 <= code <= 0x31FF or 0xFF66 <= code <= 0xFF9F:
        return "kana"
    if (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0xF900 <= code <= 0xFAFF
        or 0x3000 <= code <= 0x303F  # CJK punctuation
        or 0xFF00 <= code <= 0xFFEF  # full-width forms
    ):
        return "han"
    return None


def cjk_language(run: str, context: str = "", language: str | None = None) -> str:
    """Which CID font ("ko", "zh" or "ja") suits ``run``, a stretch of CJK characters.

    Hangul is Korean and kana Japanese.  Han characters alone are ambiguous: a
    simplified form only Chinese encodings hold means Chinese, a form only Japanese
    ones hold means Japanese; otherwise kana or hangul elsewhere in the paragraph
    (``context``), then the document's language decide, and Chinese is the default.
    """
    scripts = {cjk_script(c) for c in run}
    if "hangul" in scripts:
        return "ko"
    if "kana" in scripts:
        return "ja"
    han = "".join(c for c in run if cjk_script(c) == "han" and unicodedata.category(c).startswith("L"))
    chinese_only = any(_encodable(c, "gb2312") and not _encodable(c, "shift_jis") for c in han)
    japanese_only = any(_encodable(c, "shift_jis") and not _encodable(c, "gbk") for c in han)
    if chinese_only and not japanese_only:
        return "zh"
    if japanese_only and not chinese_only:
        return "ja"
    context_scripts = {cjk_script(c) for c in context}
    if "kana" in context_scripts:
        return "ja"
    if "hangul" in context_scripts:
        return "ko"
    primary = (language or "").lower().split("-")[0]
    if primary in CID_FONTS:
        return primary
    return "zh"


def _encodable(char: str, codec: str) -> bool:
    try:
        char.encode(codec)
    except UnicodeEncodeError:
        return False
    return True
