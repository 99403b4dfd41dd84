"""Line breaking for briefconv's own PDF writer: widths, hyphens, URLs, justification."""

from __future__ import annotations

import pytest

from briefconv.formats.pdf_fonts import pt_serif_files, vera_files
from briefconv.formats.pdf_lines import FontResources, GlyphEncoder, Measure, Run, Style, break_lines, line_operators
from briefconv.formats.pdf_truetype import TrueTypeFont
from briefconv.formats.pdf_hyphenation import hyphenator

BODY = Style("regular", 11)
ITALIC = Style("italic", 11)
SUPER = Style("regular", 7, rise=4)


@pytest.fixture(scope="module")
def measure():
    files = pt_serif_files() or vera_files()
    return Measure({face: TrueTypeFont(path.read_bytes(), path.name) for face, path in files.items()})


@pytest.fixture(scope="module")
def points():
    return hyphenator("en").points


def text_of(lines) -> str:
    return " ".join(" ".join(word.text for word in line.words) for line in lines)


PARAGRAPH = ("Lee Jae-Myung, since coming into power, has invariably highlighted the importance of "
             "engaging with China while maintaining a robust alliance with the US. This was evident "
             "with the accompaniment of around 200 business leaders during his visit to China.") * 4


def test_no_line_is_wider_than_the_measure_and_no_word_is_lost(measure, points):
    lines = break_lines([Run(PARAGRAPH, BODY)], 300, measure, points)
    assert all(line.width <= 300.01 for line in lines)
    assert text_of(lines).replace("- ", "").replace("-", "") == " ".join(PARAGRAPH.split()).replace("-", "")


def test_justified_lines_fill_the_measure_and_the_last_does_not(measure, points):
    lines = break_lines([Run(PARAGRAPH, BODY)], 300, measure, points)
    for line in lines[:-1]:
        assert abs(line.width + line.space_extra * (len(line.words) - 1) - 300) < 0.05
    assert lines[-1].last and lines[-1].space_extra == 0


def test_hyphenation_only_at_the_dictionarys_points(measure, points):
    lines = break_lines([Run(PARAGRAPH, BODY)], 250, measure, points)
    cuts = [(line.words[-1].text[:-1], following.words[0].text.strip(".,"))
            for line, following in zip(lines, lines[1:]) if line.words[-1].text.endswith("-")]
    assert [head for head, _ in cuts if "-" not in head]  # a narrow measure makes some
    for head, rest in cuts:
        if f"{head}-{rest}" not in PARAGRAPH:  # not a compound broken at its own hyphen
            assert len(head) in points(head + rest)


def test_a_long_url_breaks_after_slashes_and_stays_inside(measure):
    url = "https://www.example.org/a/very/long/path/to/a/policy/brief/with-many-parts/and?query=value&more=1"
    lines = break_lines([Run("See " + url + " for more.", BODY)], 200, measure)
    assert all(line.width <= 200.01 for line in lines)
    assert text_of(lines).replace(" ", "").endswith("formore.") and url in text_of(lines).replace(" ", "")


def test_a_word_wider_than_the_line_is_cut_by_characters(measure):
    lines = break_lines([Run("x" * 400, BODY)], 100, measure)
    assert len(lines) > 1 and all(line.width <= 100.01 for line in lines)
    assert text_of(lines).replace(" ", "") == "x" * 400


def test_a_word_across_runs_stays_together(measure):
    lines = break_lines([Run("A brief", BODY), Run("12", SUPER), Run(" and ", BODY), Run("more", ITALIC)],
                        500, measure)
    assert [w.text for w in lines[0].words] == ["A", "brief12", "and", "more"]
    assert [p.style for p in lines[0].words[1].pieces] == [BODY, SUPER]


def test_operators_switch_fonts_and_carry_the_spaces(measure):
    fonts = FontResources(lambda key: GlyphEncoder(measure.fonts[key]))
    line = break_lines([Run("Plain ", BODY), Run("italic", ITALIC)], 500, measure)[0]
    ops = line_operators(line, 72, 700, fonts)
    assert ops.startswith("BT 72 700 Td /F1 11 Tf") and "/F2 11 Tf" in ops and ops.endswith("ET")
    assert set(fonts.encoders["regular"].used().values()) >= set("Plain ")


def test_white_space_of_every_kind_breaks_words_but_no_break_spaces_do_not(measure):
    lines = break_lines([Run(" Two  spaces,\ta tab,\nan em\u2003space, 10\u00a0km and\u202f!", BODY)], 1000, measure)
    assert [w.text for w in lines[0].words] == ["Two", "spaces,", "a", "tab,", "an", "em", "space,", "10\u00a0km",
                                               "and\u202f!"]


def test_a_line_is_drawn_alike_whether_its_styles_are_shared_or_only_equal(measure):
    # most lines take a quicker path: one style object throughout
    def operators(styles):
        fonts = FontResources(lambda key: GlyphEncoder(measure.fonts[key]))
        runs = [Run(word + " ", style) for word, style in zip(PARAGRAPH.split()[:30], styles)]
        line = break_lines(runs, 300, measure)[0]
        return line_operators(line, 72, 700, fonts, measure)

    shared = operators([BODY] * 30)
    assert shared == operators([Style("regular", 11) for _ in range(30)])
    assert "Tw" not in shared and " -" in shared  # justified by TJ adjustments


def test_a_words_width_does_not_depend_on_whether_it_was_met_before():
    files = pt_serif_files() or vera_files()
    fonts = {face: TrueTypeFont(path.read_bytes(), path.name) for face, path in files.items()}
    words = PARAGRAPH.split()[:40]
    expected = [fonts["italic"].text_width(word) * 13 for word in words]
    fresh = Measure(fonts)
    assert fresh.widths(words, Style("italic", 13)) == expected  # none known yet
    assert fresh.widths(words + ["Ünmet"], Style("italic", 13))[:-1] == expected  # most known, one not
    assert fresh.widths(words, Style("italic", 13)) == expected  # all known
    tiny = Measure(fonts, limit=5)  # the memo empties itself while learning
    assert tiny.widths(words, Style("italic", 13)) == expected
