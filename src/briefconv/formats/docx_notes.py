"""The OOXML notes parts python-docx has no API for: native Word footnotes and endnotes.

Private helper of :mod:`briefconv.formats.docx_writer`.  A Word note lives in
``word/footnotes.xml`` or ``word/endnotes.xml`` (one ``w:footnote``/``w:endnote`` per
note, plus the two separator "notes" Word draws the rule above the notes with); the
main document part points to the part with a relationship; ``settings.xml`` names the
separators and the section properties choose the number format.  The body marks a
reference with ``w:footnoteReference``/``w:endnoteReference``, and the note itself
starts with a ``w:footnoteRef``/``w:endnoteRef`` run that shows the same number.

The notes are written as XML text; lxml is imported only by the functions that change a
template's settings or add styles to it.
"""

from __future__ import annotations

from briefconv.formats.docx_common import R_NS, W_NS, local_name, w
from briefconv.xmltext import escape_attribute as _attribute

CONTENT_TYPES = {
    "footnote": "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml",
    "endnote": "application/vnd.openxmlformats-officedocument.wordprocessingml.endnotes+xml",
}
RELATIONSHIP_TYPES = {
    "footnote": "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes",
    "endnote": "http://schemas.openxmlformats.org/officeDocument/2006/relationships/endnotes",
}
PART_NAMES = {"footnote": "/word/footnotes.xml", "endnote": "/word/endnotes.xml"}

#: Style ids (and Word's built-in names) of the note text and note reference styles.
TEXT_STYLE = {"footnote": ("FootnoteText", "footnote text"), "endnote": ("EndnoteText", "endnote text")}
REFERENCE_STYLE = {
    "footnote": ("FootnoteReference", "footnote reference"),
    "endnote": ("EndnoteReference", "endnote reference"),
}

#: Word's own separator ids; the notes proper are numbered from 1.
SEPARATOR_IDS = ("-1", "0")

# settings.xml children that must come after footnotePr/endnotePr (CT_Settings order)
_SETTINGS_AFTER_NOTE_PROPERTIES = {
    "compat", "docVars", "rsids", "mathPr", "attachedSchema", "themeFontLang",
    "clrSchemeMapping", "doNotIncludeSubdocsInStats", "doNotAutoCompressPictures",
    "forceUpgrade", "captions", "readModeInkLockDown", "smartTagType", "schemaLibrary",
    "shapeDefaults", "doNotEmbedSmartTags", "decimalSymbol", "listSeparator",
}
# sectPr children that must come after footnotePr/endnotePr (CT_SectPr order)
_SECTION_BEFORE_NOTE_PROPERTIES = {"headerReference", "footerReference"}


def install_notes_parts(document_part) -> dict:
    """Give ``document_part`` fresh footnotes and endnotes parts (their XML is set by the
    writer with :func:`notes_part_xml`); returns kind -> part.

    Parts a template brought along are dropped first: its notes belonged to the body
    that was cleared.  Both parts are always written, as Word itself does, so that the
    separators named in settings.xml exist whichever kind the brief uses.
    """
    from briefconv.formats.docx_package import Part

    document_part.rels.drop(lambda reltype: reltype in RELATIONSHIP_TYPES.values())
    parts = {}
    for kind in ("footnote", "endnote"):
        part = Part(PART_NAMES[kind], CONTENT_TYPES[kind])
        document_part.relate_to(part, RELATIONSHIP_TYPES[kind])
        parts[kind] = part
    return parts


def notes_part_xml(kind: str, notes: list[str]) -> bytes:
    """The notes part of ``kind``: the two separators, then ``notes`` (``w:footnote``/``w:endnote`` XML)."""
    separators = "".join(
        f'<w:{kind} w:type="{separator_type}" w:id="{separator_id}"><w:p><w:pPr>'
        f'<w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr><w:r><w:{separator_type}/></w:r></w:p></w:{kind}>'
        for separator_id, separator_type in zip(SEPARATOR_IDS, ("separator", "continuationSeparator"))
    )
    return (f"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
            f'<w:{kind}s xmlns:w="{W_NS}" xmlns:r="{R_NS}">{separators}{"".join(notes)}</w:{kind}s>').encode("utf-8")


def set_note_properties(settings_root, section_properties) -> None:
    """Name the separators in settings.xml and number both kinds 1, 2, 3 (Word's endnote
    default is i, ii, iii, which no brief uses)."""
    from lxml import etree

    for kind in ("footnote", "endnote"):
        for old in settings_root.findall(w(f"{kind}Pr")):
            settings_root.remove(old)
    anchor = next(
        (child for child in settings_root
         if local_name(child) in _SETTINGS_AFTER_NOTE_PROPERTIES or not str(child.tag).startswith(f"{{{W_NS}}}")),
        None,
    )
    for kind in ("footnote", "endnote"):
        properties = etree.Element(w(f"{kind}Pr"))
        etree.SubElement(properties, w("numFmt"), {w("val"): "decimal"})
        for separator_id in SEPARATOR_IDS:
            etree.SubElement(properties, w(kind), {w("id"): separator_id})
        if anchor is not None:
            anchor.addprevious(properties)
        else:
            settings_root.append(properties)

    for kind in ("footnote", "endnote"):
        for old in section_properties.findall(w(f"{kind}Pr")):
            section_properties.remove(old)
    position = sum(1 for child in section_properties if local_name(child) in _SECTION_BEFORE_NOTE_PROPERTIES)
    for offset, kind in enumerate(("footnote", "endnote")):
        properties = etree.Element(w(f"{kind}Pr"))
        etree.SubElement(properties, w("numFmt"), {w("val"): "decimal"})
        section_properties.insert(position + offset, properties)


def note_style_elements(body_half_points: int) -> list:
    """Style definitions for the note text and note reference styles of both kinds.

    Note text is two points smaller than the body, single-spaced with a little space
    after each note; the reference mark is superscript.  The caller adds only those a
    template does not already define.
    """
    from lxml import etree

    note_size = str(max(body_half_points - 4, 14))
    styles = []
    for kind in ("footnote", "endnote"):
        style_id, name = TEXT_STYLE[kind]
        style = etree.Element(w("style"), {w("type"): "paragraph", w("styleId"): style_id})
        etree.SubElement(style, w("name"), {w("val"): name})
        etree.SubElement(style, w("basedOn"), {w("val"): "Normal"})
        etree.SubElement(style, w("uiPriority"), {w("val"): "99"})
        etree.SubElement(style, w("unhideWhenUsed"))
        paragraph = etree.SubElement(style, w("pPr"))
        etree.SubElement(paragraph, w("spacing"), {w("after"): "80", w("line"): "240", w("lineRule"): "auto"})
        etree.SubElement(paragraph, w("jc"), {w("val"): "left"})
        run = etree.SubElement(style, w("rPr"))
        etree.SubElement(run, w("sz"), {w("val"): note_size})
        etree.SubElement(run, w("szCs"), {w("val"): note_size})
        styles.append(style)

        style_id, name = REFERENCE_STYLE[kind]
        style = etree.Element(w("style"), {w("type"): "character", w("styleId"): style_id})
        etree.SubElement(style, w("name"), {w("val"): name})
        etree.SubElement(style, w("basedOn"), {w("val"): "DefaultParagraphFont"})
        etree.SubElement(style, w("uiPriority"), {w("val"): "99"})
        etree.SubElement(style, w("unhideWhenUsed"))
        run = etree.SubElement(style, w("rPr"))
        etree.SubElement(run, w("vertAlign"), {w("val"): "superscript"})
        styles.append(style)
    return styles


def reference_run(kind: str, word_id: int, style_id: str) -> str:
    """The run in running text that shows the note's number and links to it.

    ``style_id`` is the template's id of the note reference style (a localised Word names
    it differently), which sets the mark in superscript.
    """
    return (f'<w:r><w:rPr><w:rStyle w:val="{_attribute(style_id)}"/></w:rPr>'
            f'<w:{kind}Reference w:id="{word_id}"/></w:r>')


def note_mark_run(kind: str, style_id: str) -> str:
    """The run at the start of a note that repeats its number."""
    return f'<w:r><w:rPr><w:rStyle w:val="{_attribute(style_id)}"/></w:rPr><w:{kind}Ref/></w:r>'
