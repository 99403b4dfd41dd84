"""The ``briefconv`` command: parse the arguments, call the API, turn errors into messages.

    briefconv INPUT [-f FROM] -t TO[,TO…] [-o OUTPUT] [-M KEY=VALUE]… [--plugin M]…
    briefconv formats | plugins
    briefconv validate FILE… [--tagset archiving|publishing]
    briefconv batch SOURCE -t FMT[,FMT…] -o DEST [options]
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import warnings
from typing import Sequence

from briefconv import __version__
from briefconv.errors import EXIT_BAD_INPUT, EXIT_OK, BriefconvError, BriefconvWarning, UsageError

PROG = "briefconv"
COMMANDS = ("formats", "plugins", "validate", "batch")


class _Formatter(argparse.HelpFormatter):
    """argparse's formatter, told the width so that it need not import shutil to ask."""

    def __init__(self, prog: str) -> None:
        try:
            width = int(os.environ.get("COLUMNS", "")) or os.get_terminal_size().columns
        except (ValueError, OSError):
            width = 80
        super().__init__(prog, width=max(width - 2, 40))


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so every error takes the same path."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--plugin", action="append", default=[], metavar="MODULE_OR_FILE",
                        help="load a plugin module or .py file for this run (repeatable)")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    parser.add_argument("-q", "--quiet", action="store_true", help="print no warnings")


def _split_formats(values: list[str]) -> list[str]:
    return [name.strip() for value in values for name in value.split(",") if name.strip()]


def _metadata(pairs: list[str]) -> dict[str, str]:
    result = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"-M takes KEY=VALUE, got {pair!r}")
        result[key.strip()] = value
    return result


def _convert_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Convert a policy brief between formats. "
        f"Other commands: {', '.join(COMMANDS)} (briefconv COMMAND --help).",
    )
    parser.add_argument("input", metavar="INPUT", help="the file to convert, or - for stdin")
    parser.add_argument("-f", "--from", dest="from_format", metavar="FROM",
                        help="input format (default: from the file's extension)")
    parser.add_argument("-t", "--to", action="append", required=True, metavar="TO[,TO…]",
                        help="output format(s); repeatable")
    parser.add_argument("-o", "--output", metavar="OUTPUT",
                        help="output file, folder (several formats) or - for stdout "
                        "(default: beside the input)")
    _document_options(parser)
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    _common(parser)
    return parser


def _command_parser(command: str) -> argparse.ArgumentParser:
    parser = _Parser(prog=f"{PROG} {command}")
    if command == "formats":
        parser.description = "List the formats briefconv can read and write."
    elif command == "plugins":
        parser.description = "List the plugins, their versions, hooks and formats."
    elif command == "validate":
        parser.description = "Validate JATS XML files against the official JATS 1.1 DTDs."
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--tagset", choices=("archiving", "publishing"),
                            help="tag set to validate against (default: from the DOCTYPE)")
    elif command == "batch":
        _add_batch_arguments(parser)
    _common(parser)
    return parser


def _document_options(parser: argparse.ArgumentParser) -> None:
    """What shapes each document, alike for one conversion and for a batch."""
    parser.add_argument("-M", "--metadata", action="append", default=[], metavar="KEY=VALUE",
                        help="set or override metadata, e.g. -M issn=2583-1234 (repeatable)")
    parser.add_argument("--filter", action="append", default=[], metavar="NAME",
                        help="apply a filter between reading and writing (repeatable)")
    parser.add_argument("--reference-doc", metavar="FILE.docx",
                        help="DOCX writer: take styles and page setup from this Word file")


def _add_batch_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = "Convert every document in a folder or archive."
    parser.add_argument("source", metavar="SOURCE", help="a folder, .zip, .tar, .tar.gz, .tgz, .tar.bz2 or .tar.xz")
    parser.add_argument("-t", "--to", action="append", required=True, metavar="FMT[,FMT…]",
                        help="output format(s) for every document; repeatable")
    parser.add_argument("-o", "--output", required=True, metavar="DEST",
                        help="a folder, or an archive ending in .zip or .tar.gz")
    parser.add_argument("-f", "--from", dest="from_format", metavar="FROM",
                        help="input format of every member (default: from each name)")
    _document_options(parser)
    parser.add_argument("-j", "--jobs", type=int, metavar="N", help="worker processes (default: CPU count)")
    parser.add_argument("--scheduler", metavar="ADDRESS", help="run on a Dask cluster, e.g. tcp://host:8786")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--keep-going", dest="fail_fast", action="store_false", default=False,
                       help="convert every document even when some fail (default)")
    group.add_argument("--fail-fast", dest="fail_fast", action="store_true",
                       help="stop at the first failure")
    existing = parser.add_mutually_exclusive_group()
    existing.add_argument("--overwrite", dest="existing", action="store_const", const="overwrite",
                          help="replace outputs that already exist")
    existing.add_argument("--skip-existing", dest="existing", action="store_const", const="skip",
                          help="keep outputs that already exist (resumes an interrupted batch)")
    parser.add_argument("--max-member-bytes", type=int, metavar="N", help="largest document accepted")
    parser.add_argument("--max-total-bytes", type=int, metavar="N", help="largest archive content accepted")
    parser.add_argument("--max-members", type=int, metavar="N", help="most archive members accepted")
    parser.add_argument("--timeout", type=float, metavar="SECONDS",
                        help="longest a worker may spend on one document (default: 600; 0 for no limit)")


# ----------------------------------------------------------------------- commands


def _run_convert(args: argparse.Namespace) -> int:
    from briefconv.api import convert

    options = {}
    if args.reference_doc:
        options["reference-doc"] = args.reference_doc
    # pandoc's rule: what comes from stdin goes to stdout unless -o says otherwise
    output = args.output or ("-" if args.input == "-" else None)
    convert(
        args.input,
        _split_formats(args.to),
        output,
        from_format=args.from_format,
        metadata=_metadata(args.metadata),
        filters=args.filter,
        options=options,
    )
    return EXIT_OK


def _run_formats(args: argparse.Namespace) -> int:
    from briefconv.plugins import get_registry

    registry = get_registry()
    for name in sorted(registry.formats):
        fmt = registry.formats[name]
        modes = ("r" if fmt.reader else "-") + ("w" if fmt.writer else "-")
        extensions = ",".join(fmt.extensions) or "-"
        aliases = f" (alias {', '.join(fmt.aliases)})" if fmt.aliases else ""
        print(f"{name:<18} {modes}  {extensions:<16} {registry.provider[name]}{aliases}")
    return EXIT_OK


def _run_plugins(args: argparse.Namespace) -> int:
    from briefconv.plugins import get_registry

    for info in get_registry().plugins:
        if info.error:
            print(f"{info.name} {info.version} (failed to load)\n  error: {info.error}")
            continue
        kind = "built-in" if info.builtin else "external"
        provides = ", ".join(info.formats + [f"filter:{f}" for f in info.filters]) or "-"
        hooks = ", ".join(info.hooks) or "-"
        print(f"{info.name} {info.version} ({kind})\n  hooks: {hooks}\n  provides: {provides}")
    return EXIT_OK


def _run_validate(args: argparse.Namespace) -> int:
    from briefconv.validate import validate_files

    return validate_files(args.files, tagset=args.tagset)


def _run_batch(args: argparse.Namespace) -> int:
    from briefconv.batch import run_batch

    return run_batch(
        args.source,
        _split_formats(args.to),
        args.output,
        from_format=args.from_format,
        metadata=_metadata(args.metadata),
        jobs=args.jobs,
        scheduler=args.scheduler,
        fail_fast=args.fail_fast,
        existing=args.existing or "error",
        quiet=args.quiet,
        max_member_bytes=args.max_member_bytes,
        max_total_bytes=args.max_total_bytes,
        max_members=args.max_members,
        timeout=args.timeout,
        filters=args.filter,
        reference_doc=args.reference_doc,
    )


_RUNNERS = {
    "formats": _run_formats,
    "plugins": _run_plugins,
    "validate": _run_validate,
    "batch": _run_batch,
}


# --------------------------------------------------------------------------- main


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    if issubclass(category, BriefconvWarning):
        print(f"{PROG}: warning: {message}", file=sys.stderr)
    else:
        print(warnings.formatwarning(message, category, filename, lineno, line), end="", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None:
        # Run as the program (not by code that imported briefconv): what was imported so
        # far lives until exit, yet every full collection would walk it again while a
        # conversion allocates.  Frozen, it is skipped: 7-9% of a one-brief run.
        gc.freeze()
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    if debug:
        os.environ["BRIEFCONV_DEBUG"] = "1"
    with warnings.catch_warnings():
        warnings.simplefilter("always", BriefconvWarning)
        warnings.showwarning = _show_warning
        if "-q" in argv or "--quiet" in argv:
            warnings.simplefilter("ignore", BriefconvWarning)
        try:
            return _dispatch(argv)
        except BriefconvError as exc:
            if debug:
                _print_traceback()
            print(f"{PROG}: {exc}", file=sys.stderr)
            return exc.exit_code
        except KeyboardInterrupt:
            print(f"{PROG}: interrupted", file=sys.stderr)
            return 130
        except BrokenPipeError:
            return EXIT_OK
        except Exception as exc:  # a bug: say so in one line unless asked for more
            if debug:
                _print_traceback()
            print(f"{PROG}: internal error: {type(exc).__name__}: {exc} (rerun with --debug)", file=sys.stderr)
            return EXIT_BAD_INPUT


def _print_traceback() -> None:
    import traceback  # only for --debug: it imports linecache and tokenize

    traceback.print_exc()


def _dispatch(argv: list[str]) -> int:
    if argv and argv[0] in COMMANDS:
        command = argv[0]
        args = _command_parser(command).parse_args(argv[1:])
    else:
        command = "convert"
        args = _convert_parser().parse_args(argv)
    if args.plugin:
        from briefconv.plugins import build_registry, use_registry

        use_registry(build_registry(args.plugin)[0])
    return _RUNNERS.get(command, _run_convert)(args)
