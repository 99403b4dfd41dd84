"""The command line as a user meets it: exit codes, paths, stdin/stdout, messages."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import run_cli


@pytest.fixture
def brief(tmp_path, sample_path):
    path = tmp_path / "brief.txt"
    shutil.copy(sample_path, path)
    return path


def one_line_error(result) -> str:
    err = result.stderr.decode()
    assert "Traceback" not in err
    lines = [l for l in err.splitlines() if not l.startswith("briefconv: warning:")]
    assert len(lines) == 1, err
    return lines[0]


def test_output_goes_beside_the_input(brief):
    result = run_cli(brief, "-t", "md")
    assert result.returncode == 0, result.stderr
    out = brief.with_suffix(".md")
    assert out.read_text(encoding="utf-8").startswith("---\ntitle:")
    assert result.stdout == b""


def test_dash_o_dash_writes_stdout(brief):
    result = run_cli(brief, "-t", "md", "-o", "-")
    assert result.returncode == 0
    assert b"# Introduction" in result.stdout
    assert not brief.with_suffix(".md").exists()


def test_stdin_to_stdout(brief):
    result = run_cli("-", "-f", "txt", "-t", "json", stdin=brief.read_bytes())
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["metadata"]["title"].startswith("Practical Diplomacy")


def test_several_formats_write_several_files(brief):
    result = run_cli(brief, "-t", "md,json")
    assert result.returncode == 0, result.stderr
    assert brief.with_suffix(".md").exists() and brief.with_suffix(".json").exists()


def test_several_formats_into_a_folder(brief, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    assert run_cli(brief, "-t", "md", "-t", "json", "-o", out).returncode == 0
    assert sorted(p.name for p in out.iterdir()) == ["brief.json", "brief.md"]


def test_metadata_option_sets_fields(brief):
    result = run_cli(brief, "-t", "json", "-o", "-", "-M", "issn=2583-1234", "-M", "papersize=letter",
                     "-M", "title=Another title")
    meta = json.loads(result.stdout)["metadata"]
    assert meta["identifiers"]["issn"] == "2583-1234"
    assert meta["extra"]["papersize"] == "letter"
    assert meta["title"] == "Another title"


def test_missing_file_is_one_line_exit_2(tmp_path):
    result = run_cli(tmp_path / "nope.txt", "-t", "md")
    assert result.returncode == 2
    line = one_line_error(result)
    assert "nope.txt" in line and "no such file" in line


def test_unknown_format_is_named(brief):
    result = run_cli(brief, "-t", "wordperfect")
    assert result.returncode == 2
    assert "'wordperfect'" in one_line_error(result)


def test_unknown_extension_asks_for_dash_f(tmp_path):
    path = tmp_path / "brief.xyz"
    path.write_text("hello")
    result = run_cli(path, "-t", "md")
    assert result.returncode == 2
    assert "-f" in one_line_error(result)


def test_output_folder_that_does_not_exist(brief, tmp_path):
    result = run_cli(brief, "-t", "md", "-o", tmp_path / "missing" / "out.md")
    assert result.returncode == 2
    assert "does not exist" in one_line_error(result)
    assert not (tmp_path / "missing").exists()


def test_never_overwrites_the_input(tmp_path):
    path = tmp_path / "brief.md"
    path.write_text("# Title\n\nText.\n")
    result = run_cli(path, "-t", "md")
    assert result.returncode == 2
    assert "overwrite the input" in one_line_error(result)
    assert path.read_text() == "# Title\n\nText.\n"


def test_unparsable_input_exit_2(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{not json")
    result = run_cli(path, "-t", "md")
    assert result.returncode == 2
    line = one_line_error(result)
    assert "bad.json" in line and "not JSON" in line
    assert not (tmp_path / "bad.md").exists()


def test_usage_error_exit_2(brief):
    result = run_cli(brief)
    assert result.returncode == 2
    assert "-t" in one_line_error(result)


def test_debug_shows_the_traceback(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{not json")
    result = run_cli(path, "-t", "md", "--debug")
    assert result.returncode == 2
    assert "Traceback" in result.stderr.decode()


def test_formats_lists_one_line_per_format():
    result = run_cli("formats")
    assert result.returncode == 0
    lines = {line.split()[0]: line for line in result.stdout.decode().splitlines()}
    assert {"txt", "md", "json"} <= set(lines)
    assert lines["md"].split()[1] == "rw" and ".md" in lines["md"]
    assert lines["txt"].split()[1] == "r-"


def test_plugins_lists_builtins_with_version():
    from briefconv import __version__

    out = run_cli("plugins").stdout.decode()
    assert f"markdown {__version__} (built-in)" in out
    assert "briefconv_register_formats" in out


def test_version():
    from briefconv import __version__

    result = run_cli("--version")
    assert result.returncode == 0 and __version__ in result.stdout.decode()


def test_plugin_file_for_one_run(brief, tmp_path):
    plugin = tmp_path / "shout.py"
    plugin.write_text(
        "import briefconv\n"
        "@briefconv.hookimpl\n"
        "def briefconv_register_formats(register):\n"
        "    register(briefconv.Format(name='shout', extensions=('.shout',),\n"
        "             writer=lambda doc, opts: doc.metadata.title.upper().encode()))\n"
    )
    result = run_cli(brief, "-t", "shout", "-o", "-", "--plugin", plugin)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(b"PRACTICAL DIPLOMACY")


def test_broken_plugin_file_warns_and_the_rest_works(brief, tmp_path):
    plugin = tmp_path / "broken.py"
    plugin.write_text("import no_such_module_here\n")
    result = run_cli(brief, "-t", "md", "-o", "-", "--plugin", plugin)
    assert result.returncode == 0
    assert b"# Introduction" in result.stdout
    assert "plugin 'broken'" in result.stderr.decode() and "no_such_module_here" in result.stderr.decode()


def test_markdown_conversion_imports_no_heavy_library(sample_path):
    import subprocess
    import sys

    code = (
        "import sys, io, contextlib\n"
        "from briefconv.cli import main\n"
        "with contextlib.redirect_stdout(io.TextIOWrapper(io.BytesIO())):\n"
        f"    code = main([{str(sample_path)!r}, '-t', 'md', '-o', '-'])\n"
        "heavy = sorted(m for m in ('reportlab', 'docx', 'lxml') if m in sys.modules)\n"
        "print(code, heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "0 []"


def test_only_the_program_itself_freezes_what_it_imported(sample_path, tmp_path):
    """The CLI freezes its start-up objects for the collector; a caller's objects stay collectable."""
    import subprocess
    import sys

    code = (
        "import gc, sys\n"
        "from briefconv.cli import main\n"
        f"main([{str(sample_path)!r}, '-t', 'md', '-o', {str(tmp_path / 'a.md')!r}])\n"
        "called = gc.get_freeze_count()\n"
        f"sys.argv = ['briefconv', {str(sample_path)!r}, '-t', 'md', '-o', {str(tmp_path / 'b.md')!r}]\n"
        "main()\n"
        "print(called, gc.get_freeze_count() > 0)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["0", "True"]
    assert (tmp_path / "a.md").read_bytes() == (tmp_path / "b.md").read_bytes()


def test_a_conversion_loads_only_the_code_of_its_own_reader_and_writer(sample_path):
    import subprocess
    import sys

    code = (
        "import sys, io, contextlib\n"
        "from briefconv.cli import main\n"
        "from briefconv.plugins import BUILTIN_PLUGINS\n"
        "with contextlib.redirect_stdout(io.TextIOWrapper(io.BytesIO())):\n"
        f"    code = main([{str(sample_path)!r}, '-t', 'md', '-o', '-'])\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('briefconv.formats.') and m not in BUILTIN_PLUGINS)\n"
        "print(code, ' '.join(loaded))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["0", "briefconv.formats.markdown_writer", "briefconv.formats.markdown_yaml",
                           "briefconv.formats.txt_reader", "briefconv.formats.txt_rules"]
