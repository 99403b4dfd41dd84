"""The plugin authors' guide (plugins/README.md) documents every hook, and its example works.

The hooks are read from src/briefconv/hookspecs.py (every function marked
``@hookspec``), so a hook added there without a section in the guide fails here.
The guide's example plugin, pyproject.toml and test are taken out of the guide and
run: the example is installed the way pip would leave it (a .dist-info folder with
the entry point, on PYTHONPATH) and the guide's own test file is run against it.
"""

from __future__ import annotations

import ast
import dataclasses
import os
import re
import subprocess
import sys

import pytest

from briefconv import plugins
from conftest import ROOT, run_cli

tomllib = pytest.importorskip("tomllib")

GUIDE = ROOT / "plugins" / "README.md"
HOOKSPECS = ROOT / "src" / "briefconv" / "hookspecs.py"
MAIN_README = ROOT / "README.md"
EXAMPLE_PLUGINS = ("briefconv-html", "briefconv-smartquotes")


@dataclasses.dataclass
class Hook:
    name: str
    arguments: list[str]
    registers: str | None  # the class the hook's ``register`` takes, from its annotation


def hook_specifications() -> list[Hook]:
    tree = ast.parse(HOOKSPECS.read_text(encoding="utf-8"))
    hooks = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and any(_is_hookspec(d) for d in node.decorator_list):
            arguments = [a.arg for a in node.args.args]
            annotations = " ".join(ast.unparse(a.annotation) for a in node.args.args if a.annotation)
            registers = next((cls for cls in ("Format", "Filter") if re.search(rf"\b{cls}\b", annotations)), None)
            hooks.append(Hook(node.name, arguments, registers))
    return hooks


def _is_hookspec(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return (isinstance(target, ast.Name) and target.id == "hookspec") or (
        isinstance(target, ast.Attribute) and target.attr == "hookspec")


def guide() -> str:
    return GUIDE.read_text(encoding="utf-8")


def section(text: str, title_pattern: str) -> str:
    """The text from the heading matching ``title_pattern`` to the next heading of its level or above."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        heading = re.match(r"^(#+) ", line)
        if heading and re.search(title_pattern, line):
            level = len(heading.group(1))
            end = next((j for j in range(i + 1, len(lines))
                        if re.match(rf"^#{{1,{level}}} ", lines[j]) and not _in_code(lines, j)), len(lines))
            return "\n".join(lines[i:end])
    raise AssertionError(f"plugins/README.md has no heading matching {title_pattern!r}")


def _in_code(lines: list[str], index: int) -> bool:
    return sum(1 for line in lines[:index] if line.startswith("```")) % 2 == 1


def code_block(text: str, language: str, first_line: str) -> str:
    """The fenced ``language`` block of the guide whose first line is ``first_line``."""
    for block in re.findall(rf"^```{language}\n(.*?)^```", text, flags=re.M | re.S):
        if block.splitlines()[0].strip() == first_line:
            return block
    raise AssertionError(f"plugins/README.md has no ```{language} block starting {first_line!r}")


def main_readme_links_the_guide() -> bool:
    return MAIN_README.is_file() and "plugins/README.md" in MAIN_README.read_text(encoding="utf-8")


# ---------------------------------------------------------------------- the hooks


def test_hookspecs_are_found():
    names = [hook.name for hook in hook_specifications()]
    assert "briefconv_register_formats" in names and "briefconv_register_filters" in names


@pytest.mark.parametrize("hook", hook_specifications(), ids=lambda hook: hook.name)
def test_every_hook_has_a_section_in_the_guide(hook):
    text = section(guide(), rf"`{hook.name}\(")
    for argument in hook.arguments:
        assert f"`{argument}`" in text or f"{argument}(" in text, f"{hook.name}: argument {argument!r} not explained"


@pytest.mark.parametrize("hook", [h for h in hook_specifications() if h.registers], ids=lambda hook: hook.name)
def test_every_field_of_what_a_hook_registers_is_documented(hook):
    text = section(guide(), rf"`{hook.name}\(")
    assert f"briefconv.{hook.registers}" in text
    cls = getattr(plugins, hook.registers)
    for field in dataclasses.fields(cls):
        assert re.search(rf"^\| `{field.name}` \|", text, flags=re.M), f"{hook.registers}.{field.name} not in the table"


def test_the_guide_covers_loading_listing_and_switching_plugins_off():
    text = guide()
    assert f"[project.entry-points.{plugins.ENTRY_POINT_GROUP}]" in text
    assert f"entry-point group\n**`{plugins.ENTRY_POINT_GROUP}`**" in text or \
        f"entry-point group **`{plugins.ENTRY_POINT_GROUP}`**" in " ".join(text.split())
    for topic in (plugins.DISABLE_ENV, "--plugin", "briefconv plugins", "briefconv formats", "--filter", "--debug"):
        assert f"`{topic}" in text, topic


def test_the_main_readme_links_the_guide():
    assert main_readme_links_the_guide()


# ----------------------------------------------------------- the example works


@pytest.fixture
def installed_example(tmp_path) -> dict[str, str]:
    """The guide's example plugin, installed from the guide's own text; returns the env to use."""
    text = guide()
    project = tomllib.loads(code_block(text, "toml", "[build-system]"))["project"]
    entry_points = project["entry-points"][plugins.ENTRY_POINT_GROUP]
    [(plugin_name, module_name)] = entry_points.items()
    site = tmp_path / "site"
    package = site / module_name
    package.mkdir(parents=True)
    module = code_block(text, "python", f"# src/{module_name}/__init__.py")
    (package / "__init__.py").write_text(module, encoding="utf-8")
    info = site / f"{project['name'].replace('-', '_')}-{project['version']}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(
        f"[{plugins.ENTRY_POINT_GROUP}]\n{plugin_name} = {module_name}\n", encoding="utf-8")
    path = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
    return {"PYTHONPATH": path, "PLUGIN": plugin_name, "VERSION": project["version"]}


def test_the_guides_example_plugin_is_listed_as_the_guide_shows(installed_example):
    result = run_cli("plugins", env=installed_example)
    assert result.returncode == 0
    listing = result.stdout.decode()
    documented = section(guide(), r"briefconv plugins")
    expected = re.search(r"^(outline .*\n  hooks: .*\n  provides: .*)$", documented, flags=re.M).group(1)
    assert expected in listing
    assert f"{installed_example['PLUGIN']} {installed_example['VERSION']} (external)" in listing


def test_the_guides_own_test_passes_against_its_example(installed_example, tmp_path):
    test_file = tmp_path / "test_outline.py"
    test_file.write_text(code_block(guide(), "python", "# tests/test_outline.py"), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path), str(test_file)],
        capture_output=True, text=True, timeout=120, cwd=tmp_path, env={**os.environ, **installed_example},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


def test_the_guides_filter_works_only_when_asked_for(installed_example, tmp_path):
    import briefconv
    from briefconv import ir

    doc = ir.Document(metadata=ir.Metadata(title="A brief"), blocks=(ir.Heading(1, (ir.Text("One"),)),),
                      back=(ir.Paragraph((ir.Text("Thanks."),)),))
    source = tmp_path / "brief.json"
    briefconv.write(doc, "json", source)
    plain = run_cli(source, "-t", "outline", "-o", "-", env=installed_example)
    filtered = run_cli(source, "-t", "outline", "-o", "-", "--filter", "drop-back-matter", env=installed_example)
    assert plain.stdout == filtered.stdout == b"A brief\n  One\n"
    assert b"outline: the back matter has no place" in plain.stderr
    assert b"back matter" not in filtered.stderr


def test_the_guides_plugin_option_example_works(tmp_path):
    module = tmp_path / "outline_plugin.py"
    module.write_text(code_block(guide(), "python", "# src/briefconv_outline/__init__.py"), encoding="utf-8")
    source = ROOT / "fixtures" / "capss-in-focus-03-2026.txt"
    result = run_cli(source, "-t", "outline", "-o", "-", "--plugin", module)
    if result.returncode and b"unknown format" in result.stderr:
        pytest.skip("the plain-text reader is not available")
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().splitlines()[1] == "  Introduction"


# ------------------------------------------------------- the example plugins


@pytest.mark.parametrize("name", EXAMPLE_PLUGINS)
def test_example_plugins_register_through_the_entry_point_group(name):
    folder = ROOT / "plugins" / name
    project = tomllib.loads((folder / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    entry_points = project["entry-points"][plugins.ENTRY_POINT_GROUP]
    assert entry_points, f"{name} declares no entry point in group {plugins.ENTRY_POINT_GROUP!r}"
    for value in entry_points.values():
        module = value.split(":")[0]
        assert (folder / "src" / module.replace(".", "/") / "__init__.py").is_file()
    assert f"({name}/)" in guide()
    assert (folder / "README.md").is_file() and (folder / "tests").is_dir()
