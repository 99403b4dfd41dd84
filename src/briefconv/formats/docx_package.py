"""The OPC package (the zip of parts, relationships and content types) behind the DOCX writer.

Private helper of :mod:`briefconv.formats.docx_writer`.  It does the little the writer needs from
python-docx's package layer -- open a template, relate parts, add parts, save -- and
produces the same bytes python-docx did, without importing python-docx (whose import
alone costs more than a whole conversion):

- a reference document's XML parts are parsed only when the writer asks for one; the
  others are written as python-docx re-serialised them;
- a part can hold its bytes already compressed (the shipped house template), and the
  compressed form of parts every document shares is cached per process;
- the zip is written once, members in a fixed order with a fixed timestamp, laid out
  byte for byte as :mod:`zipfile` writes them.

lxml is imported only when a part is parsed or serialised; :mod:`zipfile` only to read a
reference document.
"""

from __future__ import annotations

import io
import posixpath
import struct
import zlib
from functools import lru_cache

from briefconv.errors import InputError, MissingDependencyError
from briefconv.xmltext import escape_attribute

RELATIONSHIPS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
EXTERNAL = "External"

CT_RELATIONSHIPS = "application/vnd.openxmlformats-package.relationships+xml"
CT_XML = "application/xml"
CT_CORE_PROPERTIES = "application/vnd.openxmlformats-package.core-properties+xml"
CT_DOCUMENT = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
CT_FOOTER = "application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"
CT_NUMBERING = "application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"
CT_SETTINGS = "application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"
CT_STYLES = "application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"

#: Content types python-docx parses (and so re-serialises) rather than copying as bytes.
XML_PART_TYPES = frozenset({
    CT_CORE_PROPERTIES,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml",
    CT_DOCUMENT, CT_FOOTER,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml",
    CT_NUMBERING, CT_SETTINGS, CT_STYLES,
})

#: (extension, content type) pairs written as a Default rather than an Override (ISO 29500).
DEFAULT_CONTENT_TYPES = frozenset({
    ("bin", "application/vnd.openxmlformats-officedocument.presentationml.printerSettings"),
    ("bin", "application/vnd.openxmlformats-officedocument.spreadsheetml.printerSettings"),
    ("bin", "application/vnd.openxmlformats-officedocument.wordprocessingml.printerSettings"),
    ("bmp", "image/bmp"), ("emf", "image/x-emf"), ("fntdata", "application/x-fontdata"),
    ("gif", "image/gif"), ("jpe", "image/jpeg"), ("jpeg", "image/jpeg"), ("jpg", "image/jpeg"),
    ("png", "image/png"), ("rels", CT_RELATIONSHIPS), ("tif", "image/tiff"), ("tiff", "image/tiff"),
    ("wdp", "image/vnd.ms-photo"), ("wmf", "image/x-wmf"),
    ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), ("xml", CT_XML),
})

#: Fixed timestamp of every zip member: the same document gives the same bytes.
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
ZIP_LEVEL = 6


def _parser():
    from lxml import etree

    # python-docx's parser drops blank text; never resolve entities or touch the network
    return etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True,
                           load_dtd=False, huge_tree=False)


def parse_xml(data: bytes):
    from lxml import etree

    return etree.fromstring(data, _parser())


def serialize_xml(element) -> bytes:
    from lxml import etree

    return etree.tostring(element, encoding="UTF-8", standalone=True)


@lru_cache(maxsize=32)
def _normalised_xml(blob: bytes) -> bytes:
    """A template's XML part as python-docx wrote it back (parsed and re-serialised)."""
    return serialize_xml(parse_xml(blob))


class Relationships:
    """One part's (or the package's) relationships, in the order they were added."""

    def __init__(self, base_uri: str) -> None:
        self.base_uri = base_uri
        self.items: dict[str, tuple[str, object, bool]] = {}  # rId -> (type, Part or URL, external)
        self._index: dict[tuple[str, object, bool], str] = {}
        self._next = 1

    def __len__(self) -> int:
        return len(self.items)

    def add(self, rel_id: str, reltype: str, target, external: bool) -> None:
        self.items[rel_id] = (reltype, target, external)
        self._index.setdefault((reltype, id(target) if not external else target, external), rel_id)

    def relate_to(self, target, reltype: str, *, is_external: bool = False) -> str:
        """The id of the relationship to ``target`` (a Part or, when external, a URL), added if new."""
        key = (reltype, id(target) if not is_external else target, is_external)
        rel_id = self._index.get(key)
        if rel_id is None:
            while f"rId{self._next}" in self.items:  # the lowest free id, as python-docx numbers them
                self._next += 1
            rel_id = f"rId{self._next}"
            self.add(rel_id, reltype, target, is_external)
        return rel_id

    def drop(self, predicate) -> None:
        """Remove the relationships whose type ``predicate`` accepts."""
        for rel_id, (reltype, _, _) in list(self.items.items()):
            if predicate(reltype):
                del self.items[rel_id]
        self._index = {}
        for rel_id, (reltype, target, external) in self.items.items():
            self._index.setdefault((reltype, id(target) if not external else target, external), rel_id)
        self._next = 1

    def target_part(self, reltype: str):
        for kind, target, external in self.items.values():
            if kind == reltype and not external:
                return target
        return None

    def parts(self):
        return [target for _, target, external in self.items.values() if not external]

    def xml(self) -> bytes:
        out = [f"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n<Relationships xmlns=\"{RELATIONSHIPS_NS}\">"]
        for rel_id, (reltype, target, external) in self.items.items():
            ref = target if external else posixpath.relpath(target.name, self.base_uri)
            mode = ' TargetMode="External"' if external else ""
            out.append(f'<Relationship Id="{escape_attribute(rel_id)}" Type="{escape_attribute(reltype)}" '
                       f'Target="{escape_attribute(ref)}"{mode}/>')
        out.append("</Relationships>")
        return "".join(out).encode("utf-8")


class Part:
    """A part: its name ("/word/document.xml"), content type, relationships, and either bytes
    or, once asked for, a parsed XML tree."""

    def __init__(self, name: str, content_type: str, *, blob: bytes | None = None, element=None,
                 static: bool = False, compressed: tuple[int, int, bytes] | None = None) -> None:
        self.name = name
        self.content_type = content_type
        self.blob = blob
        self._element = element
        self.compressed = compressed  # (CRC-32, size, deflated bytes) of a part copied as it is
        self.unparsed_xml = False  # blob is XML as the template had it, written re-serialised
        self.static = static  # same bytes in every document: compress once per process
        self.rels = Relationships(posixpath.dirname(name))

    @property
    def element(self):
        """The part's XML tree (parsed on first use; the part is then written from the tree)."""
        if self._element is None:
            self._element = parse_xml(self.blob if self.unparsed_xml else self.data())
            self.compressed = None
            self.static = False
        return self._element

    def relate_to(self, target, reltype: str, *, is_external: bool = False) -> str:
        return self.rels.relate_to(target, reltype, is_external=is_external)

    def data(self) -> bytes:
        if self._element is not None:
            return serialize_xml(self._element)
        if self.blob is None and self.compressed is not None:
            return inflate(self.compressed)
        if self.unparsed_xml:
            return _normalised_xml(self.blob) if len(self.blob) <= 4 * 1024 * 1024 else serialize_xml(parse_xml(self.blob))
        return self.blob

    def payload(self):
        """What the zip holds: the part's bytes, or its (CRC-32, size, deflated bytes)."""
        if self._element is None and self.blob is None and self.compressed is not None:
            return self.compressed
        return self.data()

    def set_blob(self, blob: bytes, *, static: bool) -> None:
        self._element = None
        self.compressed = None
        self.unparsed_xml = False
        self.blob = blob
        self.static = static


class Package:
    """A package being written: its own relationships and, through them, its parts."""

    def __init__(self) -> None:
        self.rels = Relationships("/")

    def relate_to(self, target, reltype: str) -> str:
        return self.rels.relate_to(target, reltype)

    def parts(self) -> list[Part]:
        """Every part reachable from the package's relationships (the others are not written)."""
        seen: dict[int, Part] = {}
        stack = list(reversed(self.rels.parts()))
        while stack:
            part = stack.pop()
            if id(part) in seen:
                continue
            seen[id(part)] = part
            stack.extend(reversed(part.rels.parts()))
        return list(seen.values())

    def save(self) -> bytes:
        parts = self.parts()
        members: dict[str, tuple[bytes, bool]] = {
            "[Content_Types].xml": (_content_types(parts), False),
            "_rels/.rels": (self.rels.xml(), False),
        }
        for part in parts:
            # a template's unchanged XML comes from a cache: compress it once too
            cached = part.unparsed_xml and len(part.blob) <= 4 * 1024 * 1024
            members[part.name.lstrip("/")] = (part.payload(), part.static or cached)
            if len(part.rels):
                folder, file_name = posixpath.split(part.name)
                members[posixpath.join(folder, "_rels", file_name + ".rels").lstrip("/")] = (part.rels.xml(), False)
        first = ["[Content_Types].xml", "_rels/.rels"]
        order = first + sorted(name for name in members if name not in first)
        return write_zip([(name, *members[name]) for name in order])


def _content_types(parts: list[Part]) -> bytes:
    defaults = {"rels": CT_RELATIONSHIPS, "xml": CT_XML}
    overrides = {}
    for part in parts:
        extension = posixpath.splitext(part.name)[1][1:]
        if (extension.lower(), part.content_type) in DEFAULT_CONTENT_TYPES:
            defaults[extension.lower()] = part.content_type
        else:
            overrides[part.name] = part.content_type
    out = [f"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n<Types xmlns=\"{CONTENT_TYPES_NS}\">"]
    for extension in sorted(defaults):
        out.append(f'<Default Extension="{escape_attribute(extension)}" '
                   f'ContentType="{escape_attribute(defaults[extension])}"/>')
    for name in sorted(overrides):
        out.append(f'<Override PartName="{escape_attribute(name)}" '
                   f'ContentType="{escape_attribute(overrides[name])}"/>')
    out.append("</Types>")
    return "".join(out).encode("utf-8")


# ------------------------------------------------------------------------- reading


def open_package(data: bytes, *, static: bool = False) -> Package:
    """The parts reachable from a Word file's relationships, as python-docx would load them.

    ``static`` marks every part as the same in every document written from it (the cached
    blank template).  Raises KeyError/ValueError and zipfile errors on a broken package;
    the caller reports them.
    """
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {info.filename: info for info in archive.infolist()}

        def read(name: str) -> bytes | None:
            info = members.get(name.lstrip("/"))
            return archive.read(info) if info is not None else None

        defaults, overrides = _read_content_types(read("[Content_Types].xml"))
        package = Package()
        parts: dict[str, Part] = {}

        def load_rels(owner: Relationships, source_name: str) -> None:
            folder, file_name = posixpath.split(source_name)
            blob = read(posixpath.join(folder, "_rels", file_name + ".rels")) if file_name else read("/_rels/.rels")
            if blob is None:
                return
            for rel in parse_xml(blob).iterchildren(f"{{{RELATIONSHIPS_NS}}}Relationship"):
                rel_id, reltype, ref = rel.get("Id"), rel.get("Type"), rel.get("Target") or ""
                if rel.get("TargetMode") == EXTERNAL:
                    owner.add(rel_id, reltype, ref, True)
                    continue
                name = posixpath.normpath(posixpath.join(owner.base_uri, ref)) if not ref.startswith("/") else ref
                part = parts.get(name)
                if part is None:
                    part = _load_part(name, read, defaults, overrides, static)
                    parts[name] = part
                    load_rels(part.rels, name)
                owner.add(rel_id, reltype, part, False)

        load_rels(package.rels, "/")
    return package


def _read_content_types(blob: bytes | None) -> tuple[dict[str, str], dict[str, str]]:
    if blob is None:
        raise KeyError("[Content_Types].xml")
    root = parse_xml(blob)
    defaults = {e.get("Extension", "").lower(): e.get("ContentType") for e in root.iterchildren(f"{{{CONTENT_TYPES_NS}}}Default")}
    overrides = {e.get("PartName", "").lower(): e.get("ContentType") for e in root.iterchildren(f"{{{CONTENT_TYPES_NS}}}Override")}
    return defaults, overrides


def _load_part(name: str, read, defaults, overrides, static: bool) -> Part:
    blob = read(name)
    if blob is None:
        raise KeyError(f"no part {name} in the package")
    content_type = overrides.get(name.lower()) or defaults.get(posixpath.splitext(name)[1][1:].lower())
    if content_type is None:
        raise KeyError(f"no content type for part {name}")
    if content_type in XML_PART_TYPES:
        # python-docx re-serialises the XML parts it parses; so do we, when writing the part
        part = Part(name, content_type, blob=blob, static=static)
        part.unparsed_xml = True
        return part
    return Part(name, content_type, blob=blob, static=static)


# ------------------------------------------------------------------- python-docx's files


def python_docx_template(file_name: str) -> bytes:
    """A file of python-docx's templates folder, found without importing python-docx."""
    import importlib.util
    import os

    spec = importlib.util.find_spec("docx")
    if spec is None or not spec.submodule_search_locations:
        raise MissingDependencyError("writing DOCX needs python-docx's templates: pip install python-docx")
    folder = os.path.join(list(spec.submodule_search_locations)[0], "templates")
    with open(os.path.join(folder, file_name), "rb") as handle:
        return handle.read()


@lru_cache(maxsize=1)
def _house_template_bytes() -> bytes:
    return python_docx_template("default.docx")


def house_template() -> Package:
    """A fresh package from python-docx's blank document; reading and normalising it is
    done once per process, and its parts keep their bytes until the writer changes them."""
    return copy_package(_cached_house_package())


@lru_cache(maxsize=1)
def _cached_house_package() -> Package:
    try:
        return open_package(_house_template_bytes(), static=True)
    except (KeyError, ValueError) as exc:  # a broken python-docx installation
        raise InputError(f"python-docx's blank template cannot be read ({exc})") from None


def copy_package(source: Package) -> Package:
    """A copy whose parts and relationships can change; part bytes are shared, not copied."""
    copies: dict[int, Part] = {}

    def copy_part(part: Part) -> Part:
        copy = copies.get(id(part))
        if copy is None:
            copy = Part(part.name, part.content_type, blob=part.blob, static=part.static)
            copy.unparsed_xml = part.unparsed_xml
            copies[id(part)] = copy
            copy_rels(part.rels, copy.rels)
        return copy

    def copy_rels(rels: Relationships, into: Relationships) -> None:
        for rel_id, (reltype, target, external) in rels.items.items():
            into.add(rel_id, reltype, target if external else copy_part(target), external)

    package = Package()
    copy_rels(source.rels, package.rels)
    return package


# --------------------------------------------------------------------------- zip

_compressed_cache: dict[bytes, tuple[int, bytes]] = {}
_compressed_cache_bytes = 0  # at most 32 MB of parts are kept with their compressed form


def _compress(data: bytes, static: bool) -> tuple[int, bytes]:
    """CRC-32 and raw deflate stream of ``data``; kept for parts every document shares."""
    if static:
        cached = _compressed_cache.get(data)
        if cached is not None:
            return cached
    compressor = zlib.compressobj(ZIP_LEVEL, zlib.DEFLATED, -15)
    result = (zlib.crc32(data), compressor.compress(data) + compressor.flush())
    if static:
        global _compressed_cache_bytes
        if len(_compressed_cache) >= 64 or _compressed_cache_bytes + len(data) > 32 * 1024 * 1024:
            _compressed_cache.clear()
            _compressed_cache_bytes = 0
        _compressed_cache[data] = result
        _compressed_cache_bytes += len(data)
    return result


def write_zip(members: list[tuple[str, object, bool]]) -> bytes:
    """A deflated zip of (name, data, static) in the given order, laid out byte for byte as
    :mod:`zipfile` writes it with a fixed timestamp and mode 644.  ``data`` is bytes, or
    (CRC-32, size, deflated bytes) of data compressed already."""
    year, month, day, hour, minute, second = ZIP_TIMESTAMP
    dos_date = (year - 1980) << 9 | month << 5 | day
    dos_time = hour << 11 | minute << 5 | second // 2
    out = io.BytesIO()
    central = []
    for name, data, static in members:
        if isinstance(data, tuple):
            crc, size, compressed = data
        else:
            (crc, compressed), size = _compress(data, static), len(data)
        try:
            encoded, flags = name.encode("ascii"), 0
        except UnicodeEncodeError:
            encoded, flags = name.encode("utf-8"), 0x800
        offset = out.tell()
        out.write(struct.pack("<4s2B4HL2L2H", b"PK\003\004", 20, 0, flags, 8, dos_time, dos_date,
                              crc, len(compressed), size, len(encoded), 0))
        out.write(encoded)
        out.write(compressed)
        central.append(struct.pack("<4s4B4HL2L5H2L", b"PK\001\002", 20, 0, 20, 0, flags, 8, dos_time, dos_date,
                                   crc, len(compressed), size, len(encoded), 0, 0, 0, 0, 0o644 << 16, offset)
                       + encoded)
    start = out.tell()
    directory = b"".join(central)
    out.write(directory)
    out.write(struct.pack("<4s4H2LH", b"PK\005\006", 0, 0, len(members), len(members), len(directory), start, 0))
    return out.getvalue()


def read_zip_members(data: bytes) -> dict[str, tuple[int, int, bytes]]:
    """Name -> (CRC-32, size, deflated bytes) of a zip written by :func:`write_zip` (trusted
    data shipped with briefconv, read without :mod:`zipfile`)."""
    members = {}
    offset = 0
    while data.startswith(b"PK\003\004", offset):
        (_, _, _, _, method, _, _, crc, compressed_size, size, name_length,
         extra_length) = struct.unpack_from("<4s2B4HL2L2H", data, offset)
        if method != 8:
            raise ValueError("only deflated members are read")
        start = offset + 30 + name_length + extra_length
        name = data[offset + 30:offset + 30 + name_length].decode("utf-8")
        members[name] = (crc, size, data[start:start + compressed_size])
        offset = start + compressed_size
    return members


def inflate(member: tuple[int, int, bytes]) -> bytes:
    return zlib.decompress(member[2], -15)
