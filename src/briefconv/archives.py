"""Safe reading of batch sources and deterministic writing of archive destinations.

Private to :mod:`briefconv.batch`.  A source is a folder (walked recursively, links
never followed), a ``.zip``, or a tar (``.tar``, ``.tar.gz``/``.tgz``, ``.tar.bz2``/
``.tbz2``, ``.tar.xz``/``.txz``).  Nothing in a source is trusted:

- member names that are absolute or contain ``..`` are refused, and so are links
  (symlinks in a folder, symlink and hard-link members in a tar or zip) and anything
  that is not a regular file; such members come out with an ``error`` and no data;
- the member count and the total uncompressed size are checked before any document
  is converted (a zip's central directory, a first pass over a tar's headers, a stat
  walk of a folder); over a limit the whole batch is refused with an InputError;
- each member's declared size is checked against the per-member limit before it is
  read, and reading stops one byte past the limit whatever the header claimed, so a
  member that lies about its size cannot blow up memory;
- a member that cannot be decompressed fails alone.

Nested archives are not opened: a ``.zip`` inside a source is just a file whose format
briefconv does not read.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import stat
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Callable, Iterable, Iterator

from briefconv.api import MAX_INPUT_BYTES, is_temporary_name
from briefconv.errors import InputError, OutputError, UsageError

DEFAULT_MAX_MEMBER_BYTES = MAX_INPUT_BYTES
DEFAULT_MAX_TOTAL_BYTES = 4 * 1024**3
DEFAULT_MAX_MEMBERS = 100_000

ZIP_SUFFIXES = (".zip",)
TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")

#: Fixed member time in written archives (the zip format cannot go earlier).
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
FIXED_TAR_MTIME = 315532800  # 1980-01-01T00:00:00Z, the same instant as the zip time
FILE_MODE = 0o644

_DRIVE = re.compile(r"^[A-Za-z]:")
_READ_ERRORS = (OSError, EOFError, ValueError, RuntimeError, NotImplementedError,
                zipfile.BadZipFile, tarfile.TarError)


class MemberError(Exception):
    """One member cannot be read; the batch goes on without it."""


@dataclass(frozen=True)
class Limits:
    """How much a batch source may unpack: per member, in all, and how many members."""

    member_bytes: int = DEFAULT_MAX_MEMBER_BYTES
    total_bytes: int = DEFAULT_MAX_TOTAL_BYTES
    members: int = DEFAULT_MAX_MEMBERS

    @classmethod
    def from_options(cls, member_bytes: int | None, total_bytes: int | None, members: int | None) -> Limits:
        for flag, value in (("--max-member-bytes", member_bytes), ("--max-total-bytes", total_bytes),
                            ("--max-members", members)):
            if value is not None and value < 1:
                raise UsageError(f"{flag} must be a positive number")
        return cls(
            member_bytes if member_bytes is not None else DEFAULT_MAX_MEMBER_BYTES,
            total_bytes if total_bytes is not None else DEFAULT_MAX_TOTAL_BYTES,
            members if members is not None else DEFAULT_MAX_MEMBERS,
        )


@dataclass
class Member:
    """One entry of a source.

    ``name`` is the safe relative POSIX path (or the raw name when it is unsafe);
    ``error`` says why the member is refused without reading it; ``load`` returns its
    bytes or raises :class:`MemberError`, and is valid only until the next member is
    taken from the iterator (a tar stream cannot go back).
    """

    name: str
    load: Callable[[], bytes] | None = None
    error: str | None = None


ZIP_ENCRYPTED = 0x1  # general purpose flag bit 0 (APPNOTE 4.4.4)


def safe_name(raw: str) -> tuple[str | None, str | None]:
    """``(normalised name, None)`` for a harmless member name, else ``(None, reason)``."""
    if not raw or "\x00" in raw:
        return None, "empty member name or NUL in name"
    if printable_name(raw) != raw:
        # a folder's or tar's name that is not UTF-8: no zip, report or terminal could show it
        return None, "member name is not valid UTF-8"
    name = raw.replace("\\", "/")
    if name.startswith("/") or _DRIVE.match(name):
        return None, "absolute member name refused"
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if ".." in parts:
        return None, "member name with '..' refused"
    if not parts:
        return None, "empty member name"
    return "/".join(parts), None


def printable_name(raw: str) -> str:
    """``raw`` with the bytes that were not UTF-8 shown as ``\\xNN`` (os and tarfile
    carry them as lone surrogates, which no UTF-8 file can hold)."""
    try:
        raw.encode("utf-8")
        return raw
    except UnicodeEncodeError:
        return "".join(_printable_char(char) for char in raw)


def _printable_char(char: str) -> str:
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte, as surrogateescape carries it
        return f"\\x{code - 0xDC00:02x}"
    return "\ufffd" if 0xD800 <= code <= 0xDFFF else char


def _is_folder(info: zipfile.ZipInfo) -> bool:
    # ZipInfo.is_dir() fails on an empty name (IndexError), which a hostile zip can hold
    return info.filename.endswith("/")


def _too_big(size: int, limits: Limits) -> str:
    return (f"{size} bytes uncompressed, over the {limits.member_bytes}-byte member limit "
            "(raise it with --max-member-bytes)")


def _check_totals(source: str, count: int, total: int, limits: Limits) -> None:
    if count > limits.members:
        raise InputError(f"{count} members, more than the limit of {limits.members} "
                         "(raise it with --max-members)", source=source)
    if total > limits.total_bytes:
        raise InputError(f"{total} bytes uncompressed, more than the limit of {limits.total_bytes} "
                         "(raise it with --max-total-bytes)", source=source)


def _read_limited(handle, limit: int, declared: int) -> bytes:
    """All of ``handle``, refused past ``limit`` bytes; ``declared`` is the size it claims.

    Read as the declared size and one byte more, then on in bounded pieces if there is
    more: asking for ``limit`` bytes at once makes the reader reserve that much memory
    first (64 MB by default), which cost half a millisecond per small brief.
    """
    chunks = [handle.read(min(declared, limit) + 1)]
    total = len(chunks[0])
    while total <= limit and total > declared:  # more than declared: read on to the limit
        chunk = handle.read(min(limit + 1 - total, _READ_PIECE))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    if total > limit:
        raise MemberError(f"more than {limit} bytes uncompressed (raise the limit with --max-member-bytes)")
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


_READ_PIECE = 1 << 20


# ------------------------------------------------------------------------ sources


def source_kind(path: Path) -> str:
    """``"folder"``, ``"zip"`` or ``"tar"``; a UsageError for anything else."""
    if path.is_dir():
        return "folder"
    if not path.exists():
        raise InputError("no such file or folder", source=str(path))
    lower = path.name.lower()
    if lower.endswith(ZIP_SUFFIXES):
        return "zip"
    if lower.endswith(TAR_SUFFIXES):
        return "tar"
    raise UsageError(f"SOURCE must be a folder or a {', '.join(ZIP_SUFFIXES + TAR_SUFFIXES)} archive: {path}")


class BatchSource:
    """The members of a folder, zip or tar, checked against ``limits``.

    Construction reads only the index (zip), headers (tar) or a stat walk (folder) and
    raises InputError when the source is unreadable or over the count or total limit.
    ``count`` is the number of members :meth:`members` will yield (directories apart).
    """

    def __init__(self, path: Path, limits: Limits, exclude: Iterable[Path] = ()) -> None:
        self.path = path
        self.limits = limits
        self.kind = source_kind(path)
        self._exclude = {os.path.abspath(p) for p in exclude}
        self.count, total = self._scan()
        _check_totals(str(path), self.count, total, limits)

    # -- scanning (limits) ------------------------------------------------------

    def _scan(self) -> tuple[int, int]:
        if self.kind == "folder":
            return self._scan_folder()
        if self.kind == "zip":
            with self._open_zip() as archive:
                infos = [i for i in archive.infolist() if not _is_folder(i)]
                return len(infos), sum(i.file_size for i in infos)
        count = total = 0
        try:
            with self._open_tar() as archive:
                for info in archive:
                    archive.members.clear()  # keep memory flat on huge archives
                    if info.isdir():
                        continue
                    count += 1
                    total += info.size if info.isfile() else 0
                    if count > self.limits.members:  # refuse before reading the rest
                        break
        except _READ_ERRORS as exc:
            if count == 0:
                raise InputError(f"not a readable tar archive: {exc}", source=str(self.path)) from None
            # a damaged tail: the members before it are converted, and members() reports the rest
        return count, total

    def _scan_folder(self) -> tuple[int, int]:
        count = total = 0
        for _rel, full, _why in self._walk():
            count += 1
            try:
                st = os.lstat(full)
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode):
                total += st.st_size
        return count, total

    def _open_zip(self) -> zipfile.ZipFile:
        try:
            return zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise InputError(f"not a readable zip archive: {exc}", source=str(self.path)) from None

    def _open_tar(self) -> tarfile.TarFile:
        try:
            return tarfile.open(self.path, mode="r|*")
        except _READ_ERRORS as exc:
            raise InputError(f"not a readable tar archive: {exc}", source=str(self.path)) from None

    # -- members ----------------------------------------------------------------

    def members(self) -> Iterator[Member]:
        if self.kind == "folder":
            return self._folder_members()
        if self.kind == "zip":
            return self._zip_members()
        return self._tar_members()

    def _walk(self) -> Iterator[tuple[str, str, str | None]]:
        """``(relative name, full path, reason to refuse or None)`` in a fixed order."""
        root = str(self.path)
        for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
            dirnames.sort()
            kept = []
            for name in dirnames:
                full = os.path.join(dirpath, name)
                if os.path.abspath(full) in self._exclude:
                    continue
                if os.path.islink(full):
                    yield os.path.relpath(full, root).replace(os.sep, "/"), full, "link refused"
                    continue
                kept.append(name)
            dirnames[:] = kept
            for name in sorted(filenames):
                full = os.path.join(dirpath, name)
                if os.path.abspath(full) in self._exclude:
                    continue
                yield os.path.relpath(full, root).replace(os.sep, "/"), full, None

    def _folder_members(self) -> Iterator[Member]:
        for rel, full, why in self._walk():
            if why:
                yield Member(rel, error=why)
                continue
            st = os.lstat(full)
            if stat.S_ISLNK(st.st_mode):
                yield Member(rel, error="link refused")
            elif not stat.S_ISREG(st.st_mode):
                yield Member(rel, error="not a regular file")
            elif st.st_size > self.limits.member_bytes:
                yield Member(rel, error=_too_big(st.st_size, self.limits))
            else:
                yield Member(rel, load=lambda full=full: self._read_file(full))

    def _read_file(self, full: str) -> bytes:
        # O_NOFOLLOW: a file swapped for a link after the walk is still refused
        try:
            fd = os.open(full, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        except OSError as exc:
            raise MemberError(f"cannot read: {exc.strerror or exc}") from None
        with os.fdopen(fd, "rb") as handle:
            status = os.fstat(handle.fileno())
            if not stat.S_ISREG(status.st_mode):
                raise MemberError("not a regular file")
            return _read_limited(handle, self.limits.member_bytes, status.st_size)

    def _zip_members(self) -> Iterator[Member]:
        with self._open_zip() as archive:
            infos = sorted((i for i in archive.infolist() if not _is_folder(i)), key=lambda i: i.filename)
            for info in infos:
                mode = info.external_attr >> 16
                kind = stat.S_IFMT(mode)
                if info.create_system == 3 and kind == stat.S_IFLNK:
                    yield Member(info.filename, error="link refused")
                elif info.create_system == 3 and kind not in (0, stat.S_IFREG):
                    yield Member(info.filename, error="not a regular file")
                elif info.file_size > self.limits.member_bytes:
                    yield Member(info.filename, error=_too_big(info.file_size, self.limits))
                elif info.flag_bits & ZIP_ENCRYPTED:
                    yield Member(info.filename, error="encrypted member (briefconv takes no passwords)")
                else:
                    yield Member(info.filename, load=lambda info=info: self._read_zip(archive, info))

    def _read_zip(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
        try:
            with archive.open(info) as handle:
                return _read_limited(handle, self.limits.member_bytes, info.file_size)
        except MemberError:
            raise
        except Exception as exc:  # zlib.error, BadZipFile (CRC), unsupported method...
            raise MemberError(f"corrupt member: {exc}") from None

    def _tar_members(self) -> Iterator[Member]:
        with self._open_tar() as archive:
            try:
                for info in archive:
                    archive.members.clear()
                    if info.isdir():
                        continue
                    if info.issym() or info.islnk():
                        yield Member(info.name, error="link refused")
                    elif not info.isfile():
                        yield Member(info.name, error="not a regular file")
                    elif info.size > self.limits.member_bytes:
                        yield Member(info.name, error=_too_big(info.size, self.limits))
                    else:
                        yield Member(info.name, load=lambda info=info: self._read_tar(archive, info))
            except _READ_ERRORS as exc:
                # The stream cannot go past this point; what was read stays converted.
                yield Member("(rest of archive)", error=f"corrupt archive: {exc}")

    def _read_tar(self, archive: tarfile.TarFile, info: tarfile.TarInfo) -> bytes:
        try:
            handle = archive.extractfile(info)
            if handle is None:
                raise MemberError("not a regular file")
            return _read_limited(handle, self.limits.member_bytes, info.size)
        except MemberError:
            raise
        except Exception as exc:
            raise MemberError(f"corrupt member: {exc}") from None


# ------------------------------------------------------------------- destinations


def dest_kind(path: Path) -> str:
    """``"zip"``, ``"tar.gz"`` or ``"folder"``, from the name of DEST."""
    lower = path.name.lower()
    if lower.endswith(".zip"):
        return "zip"
    if lower.endswith((".tar.gz", ".tgz")):
        return "tar.gz"
    return "folder"


def staged_files(folder: Path) -> list[str]:
    """Relative POSIX names of the finished files under ``folder``, sorted."""
    names = []
    for dirpath, _dirnames, filenames in os.walk(folder):
        for name in filenames:
            if is_temporary_name(name):
                continue  # left by a write that was killed
            names.append(os.path.relpath(os.path.join(dirpath, name), folder).replace(os.sep, "/"))
    return sorted(names)


def pack_temporary(dest: Path) -> Path:
    """Where :func:`pack` builds ``dest`` before renaming it into place."""
    return dest.with_name(f".{dest.name}.part")


#: Outputs stored in a zip DEST as they are: compressed already (a DOCX is a zip, a PDF's
#: streams and objects are deflated): deflating them again saves 1% (PDF) to 6% (DOCX)
#: of their size for 0.6-2 ms of the batch process each.
STORED_SUFFIXES = (".pdf", ".docx")


def pack(folder: Path, dest: Path, kind: str) -> None:
    """Write the files under ``folder`` to the archive ``dest``, atomically and reproducibly.

    Members are sorted by name, with a fixed time (1980-01-01) and mode 0644, and no
    folder entries; a tar.gz also has a zero mtime and no file name in its gzip header.
    """
    names = staged_files(folder)
    tmp = pack_temporary(dest)
    try:
        if kind == "zip":
            _write_zip(folder, names, tmp)
        else:
            _write_tar_gz(folder, names, tmp)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, dest)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write: {exc.strerror or exc}", source=str(dest)) from None
        raise


def _write_zip(folder: Path, names: list[str], target: Path) -> None:
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            stored = name.lower().endswith(STORED_SUFFIXES)
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = (stat.S_IFREG | FILE_MODE) << 16
            with open(folder / name, "rb") as src, archive.open(info, "w") as out:
                shutil.copyfileobj(src, out, 1024 * 1024)


def _write_tar_gz(folder: Path, names: list[str], target: Path) -> None:
    with open(target, "wb") as raw, \
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz, \
            tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name in names:
            path = folder / name
            info = tarfile.TarInfo(name)
            info.size = path.stat().st_size
            info.mtime = FIXED_TAR_MTIME
            info.mode = FILE_MODE
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            with open(path, "rb") as src:
                archive.addfile(info, src)


def unpack_into(archive: Path, folder: Path, limits: Limits) -> None:
    """Copy the safe members of a DEST archive written earlier back into ``folder``."""
    from briefconv.api import write_atomically

    for member in BatchSource(archive, limits).members():
        name, _why = safe_name(member.name)
        if name is None or member.load is None:
            continue
        try:
            data = member.load()
        except MemberError:
            continue
        path = folder / PurePosixPath(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, data)
