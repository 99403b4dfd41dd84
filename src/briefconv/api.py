"""The conversion API: read a source into the IR, write the IR out, or both at once.

The CLI and batch mode are thin layers over these functions.  Every error raised here
is a :class:`~briefconv.errors.BriefconvError` that names the file it concerns.
"""

from __future__ import annotations

import dataclasses
import os
import re
import stat
import sys
from typing import BinaryIO, Iterable, Mapping, Union

from briefconv.errors import BriefconvError, InputError, OutputError
from briefconv.ir import Author, Document, Licence, Metadata, Publisher, Series
from briefconv.plugins import Format, get_registry

Source = Union[str, os.PathLike, bytes, BinaryIO]

#: Inputs larger than this are refused before any parsing (override per call).
MAX_INPUT_BYTES = 64 * 1024 * 1024

STDIO = "-"


# ------------------------------------------------------------------------- reading


def load_source(source: Source, max_bytes: int = MAX_INPUT_BYTES) -> tuple[bytes, str]:
    """Return the bytes of ``source`` and the name to use for it in messages."""
    if isinstance(source, bytes):
        return source, "<bytes>"
    if hasattr(source, "read"):
        data = source.read(max_bytes + 1)
        name = str(getattr(source, "name", "<stream>"))
    elif os.fspath(source) == STDIO:
        data, name = sys.stdin.buffer.read(max_bytes + 1), "<stdin>"
    else:
        name = os.fspath(source)
        try:
            with open(name, "rb") as handle:
                data = handle.read(max_bytes + 1)
        except FileNotFoundError:
            raise InputError("no such file", source=name) from None
        except IsADirectoryError:
            raise InputError("is a folder, not a file (use 'briefconv batch' for folders)", source=name) from None
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror or exc}", source=name) from None
    if len(data) > max_bytes:
        raise InputError(f"larger than the {max_bytes // (1024 * 1024)} MiB input limit", source=name)
    return data, name


def read(
    source: Source,
    format: str | None = None,
    *,
    options: Mapping[str, str] | None = None,
) -> Document:
    """Read ``source`` (a path, ``"-"`` for stdin, bytes or a binary file) into a Document.

    ``format`` is a format name or alias; without it the format is detected from the
    file's extension (and content, for shared extensions such as ``.xml``).
    """
    data, name = load_source(source)
    return read_bytes(data, name, format, options=options)


def read_bytes(
    data: bytes,
    name: str,
    format: str | None = None,
    *,
    options: Mapping[str, str] | None = None,
) -> Document:
    """Read ``data`` that came from ``name`` (used for detection and messages)."""
    registry = get_registry()
    try:
        fmt = registry.reader(format) if format else registry.detect(name, data[:4096])
    except BriefconvError as exc:
        raise exc.with_source(name) from None
    try:
        return fmt.reader(data, dict(options or {}))  # type: ignore[misc]
    except BriefconvError as exc:
        raise exc.with_source(name) from exc
    except RecursionError:
        raise InputError(f"too deeply nested to read as {fmt.name}", source=name) from None
    except Exception as exc:  # a reader bug must still not become a traceback
        raise InputError(f"cannot read as {fmt.name}: {exc}", source=name) from exc


# ------------------------------------------------------------------------- writing


def render(
    document: Document, format: str, *, options: Mapping[str, str] | None = None
) -> bytes:
    """The bytes of ``document`` in ``format``."""
    fmt = get_registry().writer(format)
    try:
        return fmt.writer(document, dict(options or {}))  # type: ignore[misc]
    except BriefconvError:
        raise
    except RecursionError:
        raise BriefconvError(f"document too deeply nested for the {fmt.name} writer") from None
    except Exception as exc:
        raise BriefconvError(f"the {fmt.name} writer failed: {exc}") from exc


def write(
    document: Document,
    format: str,
    dest: str | os.PathLike | None = None,
    *,
    options: Mapping[str, str] | None = None,
) -> bytes | None:
    """Write ``document`` in ``format`` to ``dest`` (``"-"`` for stdout).

    Without ``dest`` the bytes are returned instead.  A file is written atomically:
    to a temporary file beside it, then renamed, so it is never left half-written.  A
    device or named pipe (``/dev/null``, ``/dev/stdout``, a FIFO) is written into as it
    is: renaming over it would replace it with a regular file.
    """
    try:
        data = render(document, format, options=options)
    except BriefconvError as exc:
        if dest is not None:
            exc.with_source(os.fspath(dest))
        raise
    if dest is None:
        return data
    if os.fspath(dest) == STDIO:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    elif _is_device_or_pipe(dest):
        _write_in_place(dest, data)
    else:
        _remove_leftovers_of(dest)
        write_atomically(dest, data)
    return None


def _remove_leftovers_of(path: str | os.PathLike) -> None:
    """Delete what an earlier write of ``path`` killed outright (SIGKILL) left beside it.

    Only ``.NAME.XXXXXXXX.part`` for this very NAME: another output's temporary may be
    in use.  A batch sweeps its whole DEST once instead (see remove_temporaries).
    """
    folder, name = os.path.split(os.fspath(path))
    stem = _temporary_stem(name)
    try:
        with os.scandir(folder or ".") as entries:
            for entry in entries:
                if (is_temporary_name(entry.name) and entry.name[1:-_TEMPORARY_SUFFIX] == stem
                        and entry.is_file(follow_symlinks=False)):
                    _remove(entry.path)
    except OSError:
        pass  # an unreadable folder: the write itself will say what is wrong


def _is_device_or_pipe(path: str | os.PathLike) -> bool:
    """Whether ``path`` is /dev/null, a terminal, a named pipe...: written into, never replaced."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


def _write_in_place(path: str | os.PathLike, data: bytes) -> None:
    try:
        with open(path, "wb") as handle:
            handle.write(data)
    except OSError as exc:
        raise OutputError(f"cannot write: {exc.strerror or exc}", source=os.fspath(path)) from None


def write_atomically(path: str | os.PathLike, data: bytes | Iterable[bytes]) -> None:
    """Replace ``path`` with ``data`` so that readers see the old file or the new, never part.

    ``data`` is bytes, or an iterable of byte strings written one after the other (a
    large file made piece by piece, such as a batch report, need not be held whole).
    """
    path = os.fspath(path)
    folder, name = os.path.split(path)
    if not os.path.isdir(folder or "."):
        raise OutputError(f"folder {folder!r} does not exist", source=path)
    try:
        fd, tmp = _create_temporary(folder, name)
    except OSError as exc:
        raise OutputError(f"cannot write: {exc.strerror or exc}", source=path) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            if isinstance(data, (bytes, bytearray, memoryview)):
                handle.write(data)
            else:
                handle.writelines(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException as exc:
        _remove(tmp)
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write: {exc.strerror or exc}", source=path) from None
        raise


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


def _create_temporary(folder: str, name: str) -> tuple[int, str]:
    """A new, exclusively created ``.NAME.XXXXXXXX.part`` beside the output.

    What tempfile.mkstemp does, without the cost of importing tempfile on every run.
    """
    stem = _temporary_stem(name)
    for _ in range(100):
        tmp = os.path.join(folder, f".{stem}.{os.urandom(4).hex()}.part")
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {name}")


#: A file name's limit on most file systems, in bytes, and what the temporary name adds.
NAME_MAX = 255
_TEMPORARY_SUFFIX = len(".01234567.part")
_TEMPORARY_EXTRA = len(".") + _TEMPORARY_SUFFIX


def _temporary_stem(name: str) -> str:
    """``name``, cut short enough that its temporary name is as legal as the name itself."""
    stem = name
    while len(os.fsencode(stem)) > NAME_MAX - _TEMPORARY_EXTRA:
        stem = stem[:-1]
    return stem


_TEMPORARY_NAME = re.compile(r"\..+\.[0-9a-f]{8}\.part")


def is_temporary_name(name: str) -> bool:
    """Whether ``name`` is one of :func:`_create_temporary`'s ``.NAME.XXXXXXXX.part`` files."""
    return _TEMPORARY_NAME.fullmatch(name) is not None


def remove_temporaries(folder: str | os.PathLike) -> list[str]:
    """Delete the temporary files a killed writer left anywhere under ``folder``.

    A SIGKILL, a power cut or the out-of-memory killer stops a write before it can
    clean up, leaving a hidden ``.part`` beside the output it was writing.  A batch
    calls this on its DEST before it starts, so a rerun leaves nothing behind.  It
    would also take the temporaries of another batch writing to the same DEST at the
    same moment, which is not supported.  Returns the paths removed.
    """
    removed = []
    for dirpath, _dirnames, filenames in os.walk(folder):
        for name in filenames:
            if is_temporary_name(name):
                path = os.path.join(dirpath, name)
                _remove(path)
                removed.append(path)
    return removed


def output_path(input_path: str | os.PathLike, fmt: Format) -> str:
    """Where ``briefconv INPUT -t FMT`` writes by default: beside the input."""
    return os.path.splitext(os.fspath(input_path))[0] + fmt.output_extension


# ----------------------------------------------------------------------- metadata

_FIELDS = {"title", "subtitle", "date", "abstract", "disclaimer", "language"}
_IDENTIFIERS = {"issn", "eissn", "isbn", "doi", "journal-id", "report-number", "url"}


def with_metadata(document: Document, overrides: Mapping[str, str]) -> Document:
    """``document`` with ``-M key=value`` settings applied.

    Known keys set the matching field (``title``, ``date``, ``keywords`` as a comma
    list, ``author``, ``publisher``, ``place``, ``series``, ``series-number``,
    ``licence``/``license``, ``licence-url``, ``lang``); identifier schemes (``issn``,
    ``doi``, …) go to ``identifiers``; anything else, writer options such as
    ``papersize`` and ``notes`` included, goes to ``extra``.
    """
    meta = document.metadata
    changes: dict[str, object] = {}
    identifiers = dict(meta.identifiers)
    extra = dict(meta.extra)
    publisher = meta.publisher or Publisher(name="")
    series = meta.series or Series()
    licence = meta.licence or Licence()
    for raw_key, value in overrides.items():
        key = raw_key.strip().lower().replace("_", "-")
        if key == "lang":
            key = "language"
        if key in _FIELDS:
            changes[key] = value
        elif key == "keywords":
            changes["keywords"] = tuple(k.strip() for k in value.split(",") if k.strip())
        elif key == "author":
            changes["authors"] = (Author(name=value),)
        elif key == "publisher":
            publisher = dataclasses.replace(publisher, name=value)
        elif key == "place":
            publisher = dataclasses.replace(publisher, place=value)
        elif key == "series":
            series = dataclasses.replace(series, name=value)
        elif key == "series-number":
            series = dataclasses.replace(series, number=value)
        elif key in ("licence", "license"):
            licence = dataclasses.replace(licence, text=value)
        elif key in ("licence-url", "license-url"):
            licence = dataclasses.replace(licence, url=value)
        elif key in _IDENTIFIERS:
            identifiers[key] = value
        else:
            extra[raw_key.strip()] = value
    if publisher != (meta.publisher or Publisher(name="")):
        changes["publisher"] = publisher
    if series != (meta.series or Series()):
        changes["series"] = series
    if licence != (meta.licence or Licence()):
        changes["licence"] = licence
    changes["identifiers"] = identifiers
    changes["extra"] = extra
    new_meta: Metadata = dataclasses.replace(meta, **changes)  # type: ignore[arg-type]
    return dataclasses.replace(document, metadata=new_meta)


def apply_filters(document: Document, names: Iterable[str], options: Mapping[str, str]) -> Document:
    """Run the named filters, in order, over ``document``."""
    registry = get_registry()
    for name in names:
        flt = registry.filter(name)
        try:
            document = flt.transform(document, options)
        except BriefconvError:
            raise
        except Exception as exc:
            raise BriefconvError(f"filter {name!r} failed: {exc}") from exc
    return document


# ----------------------------------------------------------------------- convert


def convert(
    source: Source,
    to: str | Iterable[str],
    dest: str | os.PathLike | None = None,
    *,
    from_format: str | None = None,
    metadata: Mapping[str, str] | None = None,
    filters: Iterable[str] = (),
    options: Mapping[str, str] | None = None,
) -> list[str] | bytes:
    """Convert ``source`` to one or more formats and return the paths written.

    With one target format and no ``dest`` beside a path source, the output goes
    beside the input (``in.txt`` → ``in.docx``); with bytes or a stream and no
    ``dest``, the bytes are returned.  ``dest`` may be a folder for several targets.
    The input is never overwritten.
    """
    targets = [to] if isinstance(to, str) else list(to)
    options = dict(options or {})
    for target in targets:  # a misspelt format fails before a large input is read
        get_registry().writer(target)
    data, name = load_source(source)
    document = read_bytes(data, name, from_format, options=options)
    document = apply_filters(with_metadata(document, metadata or {}), filters, options)

    from_path = None if isinstance(source, bytes) or hasattr(source, "read") else os.fspath(source)
    if dest is None and (from_path is None or from_path == STDIO):
        if len(targets) != 1:
            raise OutputError("several formats need a destination folder")
        return render(document, targets[0], options=options)

    written = []
    for target in targets:
        path = _destination(target, dest, from_path, name, several=len(targets) > 1)
        write(document, target, path, options=options)
        if path != STDIO:
            written.append(path)
    return written


def _destination(target: str, dest, from_path: str | None, name: str, *, several: bool) -> str:
    fmt = get_registry().writer(target)
    if dest is not None and os.fspath(dest) == STDIO:
        if several:
            raise OutputError("cannot write several formats to stdout")
        return STDIO
    if dest is not None and not os.path.isdir(dest):
        if several:
            raise OutputError("several formats need a destination folder", source=os.fspath(dest))
        return os.fspath(dest)
    path = output_path(from_path or "stdin", fmt)
    if dest is not None:
        path = os.path.join(dest, os.path.basename(path))
    if from_path is not None and os.path.exists(path) and os.path.samefile(path, from_path):
        raise OutputError("the output would overwrite the input; give another name with -o", source=name)
    return path
