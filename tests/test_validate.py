"""``briefconv validate``: JATS against the shipped DTDs, one line per problem."""

from __future__ import annotations

import io

import pytest

from briefconv import ir
from briefconv.formats.jats_writer import write_jats, write_jats_publishing
from briefconv.validate import load_dtd, validate_bytes, validate_files

from conftest import FIXTURES

ARCHIVING_DOCTYPE = (b'<!DOCTYPE article PUBLIC "-//NLM//DTD JATS (Z39.96) Journal Archiving and Interchange '
                     b'DTD v1.1 20151215//EN" "JATS-archivearticle1.dtd">')
PUBLISHING_DOCTYPE = (b'<!DOCTYPE article PUBLIC "-//NLM//DTD JATS (Z39.96) Journal Publishing DTD v1.1 '
                      b'20151215//EN" "JATS-journalpublishing1.dtd">')


def small_document(**identifiers: str) -> ir.Document:
    meta = ir.Metadata(title="A brief", date="2026-01-23", series=ir.Series("Test Series", "1/2026"),
                       identifiers=identifiers)
    return ir.Document(meta, (ir.Paragraph((ir.Text("Body."),)),))


def run(files, tagset=None) -> tuple[int, list[str]]:
    out = io.StringIO()
    code = validate_files([str(f) for f in files], tagset=tagset, out=out)
    return code, out.getvalue().splitlines()


def test_valid_files_are_reported_valid_and_exit_0(tmp_path):
    archiving = tmp_path / "a.xml"
    archiving.write_bytes(write_jats(small_document(), {}))
    publishing = tmp_path / "p.xml"
    publishing.write_bytes(write_jats_publishing(small_document(issn="2583-1234"), {}))
    code, lines = run([archiving, publishing, FIXTURES / "jats-pmc-article.xml"])
    assert code == 0
    assert lines == [f"{archiving}: valid", f"{publishing}: valid", f"{FIXTURES / 'jats-pmc-article.xml'}: valid"]


def test_each_error_is_printed_with_its_line_and_exit_is_1(tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b'<?xml version="1.0"?>\n' + ARCHIVING_DOCTYPE + b'\n<article dtd-version="1.1">\n'
                    b'<front><article-meta/></front>\n<body>\n<p>fine</p>\n<p>x<bogus/></p>\n</body>\n</article>\n')
    code, lines = run([bad])
    assert code == 1
    assert lines and all(line.startswith(f"{bad}:") for line in lines)
    assert any(line.startswith(f"{bad}:7: ") and "bogus" in line for line in lines)


def test_tag_set_is_guessed_from_the_doctype_and_can_be_overridden(tmp_path):
    # Archiving content under a Publishing DOCTYPE: no journal-meta, which Publishing requires
    data = write_jats(small_document(), {}).replace(
        write_jats(small_document(), {}).split(b"\n")[1], PUBLISHING_DOCTYPE)
    path = tmp_path / "publishing-doctype.xml"
    path.write_bytes(data)
    assert validate_bytes(data)[0] == "publishing"
    code, lines = run([path])
    assert code == 1 and any("journal-meta" in line or "issn" in line for line in lines)
    assert run([path], tagset="archiving") == (0, [f"{path}: valid"])


def test_publishing_output_fails_the_archiving_rules_only_where_they_differ(tmp_path):
    # an Archiving document validated as Publishing: the stricter rules are enforced
    path = tmp_path / "a.xml"
    path.write_bytes(write_jats(small_document(), {}))
    code, lines = run([path], tagset="publishing")
    assert code == 1 and lines[0].startswith(f"{path}:")


def test_missing_unreadable_and_malformed_files_are_error_lines(tmp_path):
    missing = tmp_path / "missing.xml"
    malformed = tmp_path / "broken.xml"
    malformed.write_bytes(b"<article>\n<body>\n<p>open</body>\n</article>")
    good = tmp_path / "good.xml"
    good.write_bytes(write_jats(small_document(), {}))
    code, lines = run([missing, malformed, tmp_path, good])
    assert code == 1
    assert lines[0] == f"{missing}: no such file"
    assert lines[1].startswith(f"{malformed}: not well-formed XML at line 3")
    assert lines[2] == f"{tmp_path}: is a folder, not a file"
    assert lines[3] == f"{good}: valid"  # one bad file does not stop the others


@pytest.mark.parametrize("name", ["jats-xxe.xml", "jats-billion-laughs.xml"])
def test_entity_attacks_are_refused_without_expanding_anything(name):
    code, lines = run([FIXTURES / name])
    assert code == 1
    assert len(lines) == 1 and "declares XML entities" in lines[0]
    assert "root:" not in lines[0]


def test_the_dtds_are_loaded_once_from_the_package():
    assert load_dtd("archiving") is load_dtd("archiving")
    assert load_dtd("publishing") is not load_dtd("archiving")
    with pytest.raises(ValueError):
        load_dtd("authoring")


def test_cli_validate(tmp_path, cli):
    good = tmp_path / "good.xml"
    good.write_bytes(write_jats(small_document(), {}))
    result = cli("validate", good)
    assert result.returncode == 0 and result.stdout.decode().strip() == f"{good}: valid"
    result = cli("validate", good, tmp_path / "nope.xml", "--tagset", "archiving")
    assert result.returncode == 1
    assert f"{tmp_path / 'nope.xml'}: no such file" in result.stdout.decode()
    assert cli("validate", good, "--tagset", "authoring").returncode == 2
