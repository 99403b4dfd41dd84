"""The plugin system as a plugin author and a user meet it (src/briefconv/plugins.py).

Third-party plugins here are real: each test writes a distribution's ``.dist-info``
folder (METADATA and entry_points.txt) and its module into a temporary folder, puts
that folder on PYTHONPATH and runs ``python -m briefconv`` in a fresh process, so
``importlib.metadata`` finds the entry point exactly as it finds an installed one.
"""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest

from briefconv import ir
from briefconv.errors import PluginWarning
from briefconv.formats.irjson_writer import document_to_json
from briefconv.plugins import ENTRY_POINT_GROUP, build_registry
from conftest import run_cli

# ------------------------------------------------------------------------ helpers

FORMAT_PLUGIN = '''
from briefconv import Format, hookimpl

def write_shout(document, options):
    return (document.metadata.title or "").upper().encode() + b"\\n"

@hookimpl
def briefconv_register_formats(register):
    register(Format(name="shout", extensions=(".shout",), writer=write_shout))
'''


def install_fake_dist(site: Path, dist: str, version: str, entry_points: dict[str, str],
                      modules: dict[str, str] | None = None) -> None:
    """Write what ``pip install`` would leave in site-packages for ``dist``."""
    info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n", encoding="utf-8")
    lines = [f"[{ENTRY_POINT_GROUP}]", *(f"{name} = {value}" for name, value in entry_points.items())]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for filename, source in (modules or {}).items():
        (site / filename).write_text(textwrap.dedent(source), encoding="utf-8")


def env_with(site: Path, **extra: str) -> dict[str, str]:
    path = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
    return {"PYTHONPATH": path, **extra}


def briefconv(*args, env=None):
    result = run_cli(*args, env=env)
    result.out = result.stdout.decode("utf-8")
    result.err = result.stderr.decode("utf-8")
    return result


def formats_table(output: str) -> dict[str, str]:
    """`briefconv formats` as {format name: the plugin that provides it}."""
    table = {}
    for line in output.splitlines():
        fields = line.split()
        if len(fields) >= 4:
            table[fields[0]] = fields[3]
    return table


def plugin_blocks(output: str) -> dict[str, list[str]]:
    """`briefconv plugins` as {"name version (kind)": [its indented lines]}."""
    blocks: dict[str, list[str]] = {}
    current = None
    for line in output.splitlines():
        if line and not line[0].isspace():
            current = line
            blocks[current] = []
        elif current is not None:
            blocks[current].append(line.strip())
    return blocks


@pytest.fixture
def brief_json(tmp_path) -> Path:
    path = tmp_path / "brief.json"
    document = ir.Document(metadata=ir.Metadata(title="A brief"), blocks=(ir.Paragraph((ir.Text("Text."),)),))
    path.write_text(document_to_json(document), encoding="utf-8")
    return path


@pytest.fixture
def site(tmp_path) -> Path:
    folder = tmp_path / "site"
    folder.mkdir()
    return folder


def assert_still_converts(brief_json: Path, env) -> None:
    out = brief_json.with_name("out.json")
    result = briefconv(brief_json, "-t", "json", "-o", out, env=env)
    assert result.returncode == 0, result.err
    assert json.loads(out.read_text(encoding="utf-8"))["metadata"]["title"] == "A brief"


# ---------------------------------------------------------- a broken plugin is a warning


def test_entry_point_to_a_missing_module_leaves_briefconv_working(site, brief_json):
    install_fake_dist(site, "briefconv-ghost", "1.0", {"ghost": "briefconv_ghost_is_not_installed"})
    env = env_with(site)
    result = briefconv("formats", env=env)
    assert result.returncode == 0
    assert formats_table(result.out)["json"] == "irjson"
    assert "plugin 'ghost' (briefconv_ghost_is_not_installed) failed to load" in result.err
    assert "ModuleNotFoundError" in result.err and "Traceback" not in result.err
    assert_still_converts(brief_json, env)


def test_debug_shows_the_traceback_of_a_broken_plugin(site):
    install_fake_dist(site, "briefconv-ghost", "1.0", {"ghost": "briefconv_ghost_is_not_installed"})
    result = briefconv("formats", "--debug", env=env_with(site))
    assert result.returncode == 0
    assert "Traceback (most recent call last)" in result.err
    assert "No module named 'briefconv_ghost_is_not_installed'" in result.err


def test_a_plugin_whose_hook_raises_is_named_and_skipped(site, brief_json):
    install_fake_dist(site, "briefconv-raises", "0.3", {"raises": "briefconv_raises"}, {"briefconv_raises.py": '''
        from briefconv import hookimpl

        @hookimpl
        def briefconv_register_formats(register):
            raise RuntimeError("cannot find my templates")
    '''})
    env = env_with(site)
    result = briefconv("formats", env=env)
    assert result.returncode == 0
    assert ("plugin 'raises' raised in briefconv_register_formats: RuntimeError: cannot find my templates"
            in result.err)
    assert "json" in formats_table(result.out)
    assert_still_converts(brief_json, env)
    debug = briefconv("formats", "--debug", env=env)
    assert "Traceback" in debug.err and 'raise RuntimeError("cannot find my templates")' in debug.err


def test_a_plugin_that_raises_on_import_is_named(site, brief_json):
    install_fake_dist(site, "briefconv-crash", "0.1", {"crash": "briefconv_crash"}, {
        "briefconv_crash.py": "import this_dependency_is_missing_too\n"})
    result = briefconv("formats", env=env_with(site))
    assert result.returncode == 0
    assert "plugin 'crash' (briefconv_crash) failed to load" in result.err
    assert "this_dependency_is_missing_too" in result.err


def test_invalid_format_definitions_are_warnings_and_the_valid_ones_stay(site):
    install_fake_dist(site, "briefconv-sloppy", "2.0", {"sloppy": "briefconv_sloppy"}, {"briefconv_sloppy.py": '''
        from briefconv import Format, hookimpl

        def write(document, options):
            return b""

        @hookimpl
        def briefconv_register_formats(register):
            register({"name": "dict", "writer": write})
            register(Format(name="Bad Name", writer=write))
            register(Format(name="nothing"))
            register(Format(name="noext", extensions=("txt2",), writer=write))
            register(Format(name="good", extensions=(".good",), writer=write))
    '''})
    result = briefconv("formats", env=env_with(site))
    assert result.returncode == 0
    assert "plugin 'sloppy': register() needs a briefconv.Format, got dict; format ignored" in result.err
    assert "plugin 'sloppy': format name 'Bad Name' must be lower-case" in result.err
    assert "plugin 'sloppy': format 'nothing' has neither a reader nor a writer" in result.err
    assert "plugin 'sloppy': format 'noext': extensions must start with '.'" in result.err
    table = formats_table(result.out)
    assert table["good"] == "sloppy"
    assert not {"dict", "Bad", "nothing", "noext"} & set(table)


def test_a_hookimpl_with_wrong_arguments_is_refused_with_a_warning(site):
    install_fake_dist(site, "briefconv-typo", "0.1", {"typo": "briefconv_typo"}, {"briefconv_typo.py": '''
        from briefconv import hookimpl

        @hookimpl
        def briefconv_register_formats(registry):
            pass
    '''})
    result = briefconv("formats", env=env_with(site))
    assert result.returncode == 0
    assert "plugin 'typo' (briefconv_typo) failed to load" in result.err and "registry" in result.err


def test_a_hookimpl_with_a_misspelt_name_is_a_warning(site):
    install_fake_dist(site, "briefconv-misspelt", "0.1", {"misspelt": "briefconv_misspelt"}, {
        "briefconv_misspelt.py": '''
        from briefconv import hookimpl

        @hookimpl
        def briefconv_register_format(register):
            pass
    '''})
    result = briefconv("formats", env=env_with(site))
    assert result.returncode == 0
    assert "plugin 'misspelt'" in result.err and "briefconv_register_format" in result.err


# ------------------------------------------------------- names a built-in already has


IMPOSTOR = '''
from briefconv import Format, hookimpl

def write(document, options):
    return b"not the IR JSON\\n"

@hookimpl
def briefconv_register_formats(register):
    register(Format(name="json", extensions=(".json",), writer=write))
'''


def test_a_plugin_cannot_take_a_builtin_format_name_by_accident(site, brief_json):
    install_fake_dist(site, "briefconv-impostor", "1.0", {"impostor": "briefconv_impostor"},
                      {"briefconv_impostor.py": IMPOSTOR})
    env = env_with(site)
    result = briefconv("formats", env=env)
    assert result.returncode == 0
    assert formats_table(result.out)["json"] == "irjson"
    assert ("plugin 'impostor': format name 'json' is already provided by 'irjson'; ignored "
            "(disable 'irjson' with BRIEFCONV_DISABLE_PLUGINS=irjson to use it)") in result.err
    assert_still_converts(brief_json, env)


def test_disabling_the_builtin_lets_the_plugin_provide_its_format_name(site, brief_json):
    install_fake_dist(site, "briefconv-impostor", "1.0", {"impostor": "briefconv_impostor"},
                      {"briefconv_impostor.py": IMPOSTOR})
    env = env_with(site, BRIEFCONV_DISABLE_PLUGINS="irjson")
    result = briefconv("formats", env=env)
    assert formats_table(result.out)["json"] == "impostor"
    assert "already provided" not in result.err
    converted = briefconv(brief_json, "-f", "json", "-t", "json", "-o", "-", env=env)
    # the input cannot be read any more (irjson is off), which says so instead of guessing
    assert converted.returncode == 2 and "can be read but not written" not in converted.err
    assert "format 'json' can be written but not read" in converted.err


@pytest.mark.parametrize("order", ["tryfirst", "trylast"])
def test_hook_ordering_does_not_let_a_plugin_jump_ahead_of_the_builtins(site, order):
    install_fake_dist(site, "briefconv-pushy", "1.0", {"pushy": "briefconv_pushy"}, {"briefconv_pushy.py": '''
        from briefconv import Format, hookimpl

        def write(document, options):
            return b"pushy\\n"

        @hookimpl(ORDER=True)
        def briefconv_register_formats(register):
            register(Format(name="json", writer=write))
    '''.replace("ORDER", order)})
    result = briefconv("formats", env=env_with(site))
    assert formats_table(result.out)["json"] == "irjson"
    assert "plugin 'pushy': format name 'json' is already provided by 'irjson'" in result.err


def test_an_entry_point_named_like_a_builtin_is_a_warning(site):
    install_fake_dist(site, "briefconv-clash", "1.0", {"irjson": "briefconv_clash"},
                      {"briefconv_clash.py": FORMAT_PLUGIN})
    result = briefconv("formats", env=env_with(site))
    assert result.returncode == 0
    assert "plugin 'irjson'" in result.err and "briefconv-clash" in result.err


def test_a_disabled_plugin_is_not_even_imported(site):
    install_fake_dist(site, "briefconv-loud", "1.0", {"loud": "briefconv_loud"},
                      {"briefconv_loud.py": "raise SystemExit('imported although disabled')\n"})
    result = briefconv("plugins", env=env_with(site, BRIEFCONV_DISABLE_PLUGINS="loud, something-else"))
    assert result.returncode == 0
    assert "loud" not in result.out and "imported although disabled" not in result.err


# ----------------------------------------------------------------- --plugin FILE


def test_plugin_option_loads_a_format_from_a_file_for_one_run(tmp_path, brief_json):
    plugin = tmp_path / "shout.py"
    plugin.write_text(FORMAT_PLUGIN, encoding="utf-8")
    result = briefconv(brief_json, "-t", "shout", "-o", "-", "--plugin", plugin)
    assert result.returncode == 0, result.err
    assert result.out == "A BRIEF\n"
    listed = briefconv("formats", "--plugin", plugin)
    assert formats_table(listed.out)["shout"] == "shout"
    without = briefconv(brief_json, "-t", "shout", "-o", "-")
    assert without.returncode == 2 and "unknown format 'shout'" in without.err


def test_plugin_option_with_a_broken_file_is_a_warning(tmp_path, brief_json):
    plugin = tmp_path / "broken.py"
    plugin.write_text("def oops(:\n", encoding="utf-8")
    result = briefconv(brief_json, "-t", "json", "-o", "-", "--plugin", plugin)
    assert result.returncode == 0
    assert "plugin 'broken' failed to load: " in result.err and "SyntaxError" in result.err
    missing = briefconv(brief_json, "-t", "json", "-o", "-", "--plugin", tmp_path / "absent.py")
    assert missing.returncode == 0 and "no such plugin file" in missing.err


def test_build_registry_reports_broken_plugins_as_plugin_warnings(tmp_path):
    broken = tmp_path / "raising_plugin.py"
    broken.write_text(textwrap.dedent('''
        from briefconv import hookimpl

        @hookimpl
        def briefconv_register_formats(register):
            raise ValueError("no")
    '''), encoding="utf-8")
    with pytest.warns(PluginWarning, match="plugin 'raising_plugin' raised in briefconv_register_formats"):
        registry, _ = build_registry([str(broken)])
    assert "json" in registry.formats


# -------------------------------------------------------------- briefconv plugins


def test_briefconv_plugins_lists_version_hooks_formats_and_filters(site, brief_json):
    install_fake_dist(site, "briefconv-both", "4.2.1", {"both": "briefconv_both"}, {"briefconv_both.py": '''
        import dataclasses
        from briefconv import Filter, Format, hookimpl

        def write(document, options):
            return b"both\\n"

        def retitle(document, options):
            meta = dataclasses.replace(document.metadata, title="Filtered")
            return dataclasses.replace(document, metadata=meta)

        @hookimpl
        def briefconv_register_formats(register):
            register(Format(name="both-a", writer=write))
            register(Format(name="both-b", extensions=(".bb",), writer=write))

        @hookimpl
        def briefconv_register_filters(register):
            register(Filter(name="retitle", transform=retitle))
    '''})
    env = env_with(site)
    result = briefconv("plugins", env=env)
    assert result.returncode == 0
    blocks = plugin_blocks(result.out)
    assert blocks["both 4.2.1 (external)"] == [
        "hooks: briefconv_register_formats, briefconv_register_filters",
        "provides: both-a, both-b, filter:retitle",
    ]
    assert any(name.startswith("irjson ") and name.endswith("(built-in)") for name in blocks)
    assert "provides: json" in next(v for k, v in blocks.items() if k.startswith("irjson "))
    # and the filter it lists works, only when asked for
    plain = briefconv(brief_json, "-t", "json", "-o", "-", env=env)
    filtered = briefconv(brief_json, "-t", "json", "-o", "-", "--filter", "retitle", env=env)
    assert json.loads(plain.out)["metadata"]["title"] == "A brief"
    assert json.loads(filtered.out)["metadata"]["title"] == "Filtered"


def test_a_second_filter_with_the_same_name_is_refused(tmp_path):
    source = '''
        from briefconv import Filter, hookimpl

        @hookimpl
        def briefconv_register_filters(register):
            register(Filter(name="same", transform=lambda document, options: document))
    '''
    first, second = tmp_path / "first.py", tmp_path / "second.py"
    for path in (first, second):
        path.write_text(textwrap.dedent(source), encoding="utf-8")
    result = briefconv("plugins", "--plugin", first, "--plugin", second)
    assert "plugin 'second': filter 'same' already exists; ignored" in result.err
    assert plugin_blocks(result.out)["first (local) (external)"][1] == "provides: filter:same"


def test_briefconv_plugins_shows_a_broken_plugin_as_failed(site):
    install_fake_dist(site, "briefconv-ghost", "1.0", {"ghost": "briefconv_ghost_is_not_installed"})
    result = briefconv("plugins", env=env_with(site))
    assert any(line.startswith("ghost 1.0") for line in result.out.splitlines())


# ----------------------------------------------------------- lazy readers and writers

LAZY_PLUGIN = '''
from briefconv import Format, hookimpl, lazy

@hookimpl
def briefconv_register_formats(register):
    register(Format(name="shout", extensions=(".shout",), writer=lazy("shout_impl:write_shout")))
'''

LAZY_IMPLEMENTATION = '''
import os
with open(os.environ["SHOUT_MARKER"], "a") as marker:
    marker.write("imported\\n")

def write_shout(document, options):
    return (document.metadata.title or "").upper().encode() + b"\\n"
'''


def test_a_lazy_writer_is_imported_only_when_its_format_runs(site, brief_json, tmp_path):
    install_fake_dist(site, "briefconv-shout", "1.0", {"shout": "shout_plugin"},
                      {"shout_plugin.py": LAZY_PLUGIN, "shout_impl.py": LAZY_IMPLEMENTATION})
    marker = tmp_path / "imports.log"
    env = env_with(site, SHOUT_MARKER=str(marker))

    listed = briefconv("formats", env=env)
    assert formats_table(listed.out).get("shout") == "shout", listed.out
    assert_still_converts(brief_json, env)
    assert not marker.exists(), "the implementation was imported though nothing used it"

    result = briefconv(brief_json, "-t", "shout", "-o", "-", env=env)
    assert result.returncode == 0, result.err
    assert result.out == "A BRIEF\n"
    assert marker.read_text() == "imported\n"


def test_a_lazy_reference_must_name_a_module_and_a_function():
    from briefconv import lazy

    with pytest.raises(ValueError, match="module:function"):
        lazy("shout_impl.write_shout")


def test_the_manager_finds_the_same_hook_implementations_as_pluggys_own(tmp_path):
    """The quicker module scan must not miss a hookimpl pluggy would find, nor add one."""
    import importlib
    import sys

    import pluggy

    from briefconv import hookspecs
    from briefconv.plugins import BUILTIN_PLUGINS, PluginManager

    (tmp_path / "odd_plugin.py").write_text(textwrap.dedent('''
        from briefconv import hookimpl

        class Holder:
            @hookimpl(specname="briefconv_register_formats")
            def registers(self, register):
                pass

        briefconv_register_filters = "a string, not a hook"
        bound_hook = Holder().registers  # a bound method at module level is hookable
    '''), encoding="utf-8")
    sys.path.insert(0, str(tmp_path))
    try:
        odd = importlib.import_module("odd_plugin")
        plugins = [*(importlib.import_module(name) for name in BUILTIN_PLUGINS), odd, odd.Holder()]
        for plugin in plugins:
            ours, theirs = PluginManager("briefconv"), pluggy.PluginManager("briefconv")
            for pm in (ours, theirs):
                pm.add_hookspecs(hookspecs)
                pm.register(plugin)
            found = [(c.name, [i.function for i in c.get_hookimpls()]) for c in ours.get_hookcallers(plugin)]
            expected = [(c.name, [i.function for i in c.get_hookimpls()]) for c in theirs.get_hookcallers(plugin)]
            assert found == expected and found, plugin
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("odd_plugin", None)
