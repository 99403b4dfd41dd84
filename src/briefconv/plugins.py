"""The plugin manager and the registry of formats and filters it fills.

Built-in formats are registered first, from :data:`BUILTIN_PLUGINS`, through the same
hooks a third-party plugin uses; then come the plugins installed under the
``briefconv`` entry-point group, then any given with ``--plugin``.  A plugin that
fails to import or to register is reported as a :class:`PluginWarning` naming it and
is left out; everything else keeps working.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from dataclasses import dataclass, field
from types import FunctionType, MethodType, ModuleType
from typing import Callable, Iterable, Mapping

import pluggy

from briefconv import hookspecs
from briefconv.entrypoints import find_entry_points
from briefconv.errors import PluginWarning, UnknownFormatError, UsageError, warn
from briefconv.ir import Document

ENTRY_POINT_GROUP = "briefconv"
DISABLE_ENV = "BRIEFCONV_DISABLE_PLUGINS"

#: The built-in formats, registered at start like any other plugin.
BUILTIN_PLUGINS: tuple[str, ...] = (
    "briefconv.formats.txt",
    "briefconv.formats.markdown",
    "briefconv.formats.irjson",
    "briefconv.formats.jats",
    "briefconv.formats.pdf",
    "briefconv.formats.docx",
)

Reader = Callable[[bytes, Mapping[str, str]], Document]
Writer = Callable[[Document, Mapping[str, str]], bytes]
Transform = Callable[[Document, Mapping[str, str]], Document]

_NAME = re.compile(r"^[a-z][a-z0-9_+-]*$")


def lazy(reference: str) -> Callable:
    """A stand-in for the function ``"package.module:function"``, imported on first call.

    A plugin declares its formats at start, when every plugin is loaded; with
    ``reader=lazy("mypkg.reader:read")`` the module that holds the reader (and the
    libraries it imports) is loaded only when a document of that format is read, as
    pygments does with its lexer table.  The built-in formats declare theirs this way.
    """
    module_name, _, name = reference.partition(":")
    if not module_name or not name:
        raise ValueError(f"a lazy reference is 'module:function', not {reference!r}")
    found: list[Callable] = []

    def call(*args, **kwargs):
        if not found:
            found.append(getattr(importlib.import_module(module_name), name))
        return found[0](*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"{reference}, imported when first called."
    return call


@dataclass(frozen=True)
class Format:
    """A document format a plugin can read, write or both (see the hook's docs)."""

    name: str
    extensions: tuple[str, ...] = ()
    reader: Reader | None = None
    writer: Writer | None = None
    aliases: tuple[str, ...] = ()
    binary: bool = False
    sniff: Callable[[bytes], bool] | None = None
    description: str = ""

    @property
    def output_extension(self) -> str:
        return self.extensions[0] if self.extensions else f".{self.name}"


@dataclass(frozen=True)
class Filter:
    """A named transform applied between reading and writing when the user asks."""

    name: str
    transform: Transform
    description: str = ""


@dataclass
class PluginInfo:
    """What ``briefconv plugins`` shows about one plugin."""

    name: str
    version: str
    builtin: bool
    hooks: list[str] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)
    filters: list[str] = field(default_factory=list)
    error: str | None = None  # why it failed to load; shown by ``briefconv plugins``


def _check_format(fmt: object) -> str | None:
    """Why ``fmt`` is not a usable format definition, or None when it is."""
    if not isinstance(fmt, Format):
        return f"register() needs a briefconv.Format, got {type(fmt).__name__}"
    if not _NAME.match(fmt.name) or not all(_NAME.match(a) for a in fmt.aliases):
        return f"format name {fmt.name!r} must be lower-case letters, digits, '_', '+' or '-'"
    if fmt.reader is None and fmt.writer is None:
        return f"format {fmt.name!r} has neither a reader nor a writer"
    for part in (fmt.reader, fmt.writer, fmt.sniff):
        if part is not None and not callable(part):
            return f"format {fmt.name!r} has a reader, writer or sniff that is not callable"
    if not all(ext.startswith(".") for ext in fmt.extensions):
        return f"format {fmt.name!r}: extensions must start with '.'"
    return None


class Registry:
    """Formats and filters by name, and the plugins that provided them."""

    def __init__(self) -> None:
        self.formats: dict[str, Format] = {}
        self.filters: dict[str, Filter] = {}
        self.plugins: list[PluginInfo] = []
        self._names: dict[str, str] = {}  # name or alias -> format name
        self._extensions: dict[str, list[str]] = {}  # ".md" -> format names
        self.provider: dict[str, str] = {}  # format or filter name -> plugin name

    # ----------------------------------------------------------------- filling it

    def add_format(self, fmt: Format, plugin: PluginInfo) -> None:
        problem = _check_format(fmt)
        if problem:
            warn(f"plugin {plugin.name!r}: {problem}; format ignored", PluginWarning)
            return
        taken = [n for n in (fmt.name, *fmt.aliases) if n in self._names]
        if taken:
            owner = self.provider[self._names[taken[0]]]
            warn(
                f"plugin {plugin.name!r}: format name {taken[0]!r} is already provided by "
                f"{owner!r}; ignored (disable {owner!r} with {DISABLE_ENV}={owner} to use it)",
                PluginWarning,
            )
            return
        self.formats[fmt.name] = fmt
        for name in (fmt.name, *fmt.aliases):
            self._names[name] = fmt.name
        for ext in fmt.extensions:
            self._extensions.setdefault(ext.lower(), []).append(fmt.name)
        self.provider[fmt.name] = plugin.name
        plugin.formats.append(fmt.name)

    def add_filter(self, flt: Filter, plugin: PluginInfo) -> None:
        if not isinstance(flt, Filter) or not _NAME.match(flt.name) or not callable(flt.transform):
            warn(f"plugin {plugin.name!r}: invalid filter definition {flt!r}; ignored", PluginWarning)
            return
        if flt.name in self.filters:
            warn(f"plugin {plugin.name!r}: filter {flt.name!r} already exists; ignored", PluginWarning)
            return
        self.filters[flt.name] = flt
        self.provider[flt.name] = plugin.name
        plugin.filters.append(flt.name)

    # ---------------------------------------------------------------- looking up

    def format(self, name: str) -> Format:
        """The format called ``name`` (or with that alias)."""
        key = self._names.get(name.lower())
        if key is None:
            known = ", ".join(sorted(self.formats))
            raise UnknownFormatError(f"unknown format {name!r} (known: {known})")
        return self.formats[key]

    def reader(self, name: str) -> Format:
        fmt = self.format(name)
        if fmt.reader is None:
            raise UnknownFormatError(f"format {fmt.name!r} can be written but not read")
        return fmt

    def writer(self, name: str) -> Format:
        fmt = self.format(name)
        if fmt.writer is None:
            raise UnknownFormatError(f"format {fmt.name!r} can be read but not written")
        return fmt

    def detect(self, filename: str, head: bytes = b"") -> Format:
        """The readable format of ``filename``, by extension, sniffing ``head`` when shared."""
        suffix = os.path.splitext(filename)[1].lower()
        names = [n for n in self._extensions.get(suffix, []) if self.formats[n].reader]
        if not names:
            raise UnknownFormatError(
                f"cannot tell the format from the extension {suffix or '(none)'!r}; give it with -f"
            )
        for name in names:
            sniff = self.formats[name].sniff
            if sniff is None or sniff(head):
                return self.formats[name]
        raise UnknownFormatError(
            f"the content matches no format that reads {suffix!r} files; give it with -f"
        )

    def filter(self, name: str) -> Filter:
        if name not in self.filters:
            known = ", ".join(sorted(self.filters)) or "none installed"
            raise UsageError(f"unknown filter {name!r} (known: {known})")
        return self.filters[name]


# ---------------------------------------------------------------- loading plugins


def _disabled_names() -> set[str]:
    return {n.strip() for n in os.environ.get(DISABLE_ENV, "").split(",") if n.strip()}


def _short_name(module_name: str) -> str:
    return module_name.rsplit(".", 1)[-1]


def _file_stem(path: str) -> str:
    return os.path.splitext(os.path.basename(path))[0]


def _load_from_path(spec: str) -> ModuleType:
    """Import ``spec``: a module name, or the path of a ``.py`` file."""
    if spec.endswith(".py"):
        import importlib.util

        if not os.path.isfile(spec):
            raise FileNotFoundError(f"no such plugin file: {spec}")
        mod_spec = importlib.util.spec_from_file_location(f"briefconv_plugin_{_file_stem(spec)}", spec)
        assert mod_spec is not None and mod_spec.loader is not None
        module = importlib.util.module_from_spec(mod_spec)
        mod_spec.loader.exec_module(module)
        return module
    return importlib.import_module(spec)


def _plugin_warning(name: str, what: str, exc: BaseException) -> str:
    import traceback

    detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    warn(f"plugin {name!r} {what}: {detail}", PluginWarning)
    if os.environ.get("BRIEFCONV_DEBUG"):
        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    return detail


class PluginManager(pluggy.PluginManager):
    """pluggy's manager, quicker at scanning a module for hook implementations.

    pluggy asks :meth:`parse_hookimpl_opts` about every name a plugin module holds
    (imports, constants, dunders), looking each up with ``inspect.getattr_static``,
    which is slow enough to show in a CLI run.  For a module that lookup finds what
    the module's namespace holds, and only functions and methods can carry a hook
    implementation, so every other name is turned away before pluggy's own check.
    """

    def parse_hookimpl_opts(self, plugin: object, name: str):
        if isinstance(plugin, ModuleType):
            value = vars(plugin).get(name)
            if not isinstance(value, (FunctionType, MethodType, staticmethod, classmethod)):
                return None
        return super().parse_hookimpl_opts(plugin, name)


def _register(pm: pluggy.PluginManager, plugin: object, name: str) -> None:
    """Register ``plugin``, warning about hook implementations no hook specification knows."""
    pm.register(plugin, name=name)
    known = sorted(n for n in dir(hookspecs) if n.startswith("briefconv_"))
    for caller in pm.get_hookcallers(plugin) or []:
        if caller.spec is None:
            warn(f"plugin {name!r} implements {caller.name!r}, which is not a briefconv hook "
                 f"(known: {', '.join(known)}); it is never called", PluginWarning)


def build_registry(extra_plugins: Iterable[str] = ()) -> tuple[Registry, pluggy.PluginManager]:
    """Load every plugin, call its hooks one plugin at a time, and return the result.

    Calling each plugin's hook implementation separately (rather than the hook as a
    whole) is what lets one broken plugin be reported and skipped while the rest load.
    """
    from briefconv import __version__

    pm = PluginManager("briefconv")
    pm.add_hookspecs(hookspecs)
    disabled = _disabled_names()
    infos: dict[str, PluginInfo] = {}

    for module_name in BUILTIN_PLUGINS:
        name = _short_name(module_name)
        if name in disabled or module_name in disabled:
            continue
        try:
            _register(pm, importlib.import_module(module_name), name)
        except Exception as exc:  # a built-in that fails is a bug, but not fatal
            _plugin_warning(name, "failed to load", exc)
            continue
        infos[name] = PluginInfo(name, __version__, builtin=True)

    failed: list[PluginInfo] = []
    for ep in find_entry_points(ENTRY_POINT_GROUP):
        version = ep.version
        if ep.name in disabled:
            continue
        if ep.name in infos:
            owner = "a built-in plugin" if infos[ep.name].builtin else "another installed plugin"
            warn(f"plugin {ep.name!r} ({ep.value}) from {ep.dist_name} "
                 f"ignored: {owner} already has that name", PluginWarning)
            continue
        try:
            _register(pm, ep.load(), ep.name)
        except Exception as exc:
            error = _plugin_warning(ep.name, f"({ep.value}) failed to load", exc)
            failed.append(PluginInfo(ep.name, version, builtin=False, error=error))
            continue
        infos[ep.name] = PluginInfo(ep.name, version, builtin=False)

    for spec in extra_plugins:
        name = _file_stem(spec) if spec.endswith(".py") else spec
        try:
            _register(pm, _load_from_path(spec), name)
        except Exception as exc:
            error = _plugin_warning(name, "failed to load", exc)
            failed.append(PluginInfo(name, "(local)", builtin=False, error=error))
            continue
        infos[name] = PluginInfo(name, "(local)", builtin=False)

    registry = Registry()
    registry.plugins = [*infos.values(), *failed]
    _call_register_hook(pm, "briefconv_register_formats", infos, registry.add_format)
    _call_register_hook(pm, "briefconv_register_filters", infos, registry.add_filter)
    return registry, pm


def _call_register_hook(pm: pluggy.PluginManager, hook_name: str, infos: dict[str, PluginInfo], add) -> None:
    # Call the plugins in the order they were loaded (built-ins, entry points, --plugin),
    # so that the first to claim a name keeps it.  Not pluggy's order: get_hookimpls()
    # moves tryfirst/trylast implementations, and pluggy itself calls them last-first.
    impls = {impl.plugin_name: impl for impl in getattr(pm.hook, hook_name).get_hookimpls()}
    for name, info in infos.items():
        impl = impls.get(name)
        if impl is None:
            continue
        info.hooks.append(hook_name)
        try:
            impl.function(register=lambda thing, _info=info: add(thing, _info))
        except Exception as exc:
            _plugin_warning(info.name, f"raised in {hook_name}", exc)


_default: Registry | None = None


def get_registry() -> Registry:
    """The registry of built-in and installed plugins, built once per process."""
    global _default
    if _default is None:
        _default, _ = build_registry()
    return _default


def use_registry(registry: Registry | None) -> None:
    """Replace the process-wide registry (the CLI does this for ``--plugin``)."""
    global _default
    _default = registry
