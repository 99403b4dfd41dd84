"""Tests of the briefconv-html plugin, run against the installed distribution.

They need ``pip install ./plugins/briefconv-html`` (or ``-e``) first: the point is to
prove that briefconv finds the writer through the ``briefconv`` entry-point group.
The browser test drives headless Chromium over the DevTools protocol on a pipe
(``--remote-debugging-pipe``), so it needs nothing beyond the standard library.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import select
import shutil
import subprocess
import sys
import time
from html.parser import HTMLParser
from importlib import metadata
from pathlib import Path

import pytest

from briefconv import ir
from briefconv.formats.irjson_writer import document_to_json

REPO = Path(__file__).resolve().parents[3]
SAMPLE = REPO / "fixtures" / "capss-in-focus-03-2026.txt"
SECTIONS = (
    "Introduction",
    "Strengthening Economic Ties with China",
    "Choosing a Pathway in Turbulent Times",
    "Addressing North Korea",
    "A Look at Seoul-Tokyo Summit Talks",
    "Parting Thoughts",
)
NOTE_COUNT = 17
CROSS_REFS = {"fn6": ("fn4", "n. 4"), "fn9": ("fn8", "Ibid."), "fn14": ("fn11", "n. 11")}
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

try:
    PLUGIN_VERSION = metadata.version("briefconv-html")
except metadata.PackageNotFoundError:
    PLUGIN_VERSION = None


@pytest.fixture(autouse=True)
def plugin_installed():
    """A run that forgot to install the plugin fails here, test by test, saying so."""
    if PLUGIN_VERSION is None:
        pytest.fail("briefconv-html is not installed: pip install ./plugins/briefconv-html", pytrace=False)


# ----------------------------------------------------------------------- helpers


def run_briefconv(*args, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "briefconv", *map(str, args)],
                          capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})})


def brief_like_sample(**metadata_changes) -> ir.Document:
    """A document shaped like the sample brief: six sections, 17 notes, cross-references."""
    meta = ir.Metadata(
        title="Practical Diplomacy in Practice: Assessing Lee Jae-Myung's Recent Visits to China and Japan",
        authors=(ir.Author(name="Priyanka Yadav", honorific="Ms", role="Research Associate",
                           affiliations=("Centre for Aerospace Power and Strategic Studies",)),),
        date="2026-01-23",
        publisher=ir.Publisher(name="Centre for Aerospace Power and Strategic Studies", place="New Delhi"),
        series=ir.Series(name="CAPSS In Focus", number="03/2026"),
        keywords=("South Korea", "China-South Korea Relations", "US-South Korea alliance", "THAAD"),
        licence=ir.Licence(text="Creative Commons Attribution – Non-Commercial – No Derivatives 4.0 International",
                           url="https://creativecommons.org/licenses/by-nc-nd/4.0/"),
        disclaimer="The views and opinions expressed in this article are those of the author.",
        identifiers={"issn": "2583-1234"},
    )
    meta = dataclasses.replace(meta, **metadata_changes)
    blocks: list[ir.Block] = []
    note = 0
    for section in SECTIONS:
        blocks.append(ir.Heading(1, (ir.Text(section),)))
        for _ in range(3):
            note += 1
            if note <= NOTE_COUNT:
                blocks.append(ir.Paragraph((ir.Text(f"A paragraph of {section} & more."), ir.NoteRef(f"fn{note}"))))
    notes = []
    for n in range(1, NOTE_COUNT + 1):
        note_id = f"fn{n}"
        if note_id in CROSS_REFS:
            target, printed = CROSS_REFS[note_id]
            inlines = (ir.Text("Author, "), ir.NoteCrossRef(target, (ir.Text(printed),)), ir.Text("."))
        else:
            url = f"https://example.org/source-{n}"
            inlines = (ir.Text(f"Source {n}, "), ir.Emphasis((ir.Text("The Journal"),)), ir.Text(", <"),
                       ir.Link(url, (ir.Text(url),)), ir.Text(">."))
        notes.append(ir.Note(note_id, str(n), (ir.Paragraph(inlines),)))
    return ir.Document(metadata=meta, blocks=tuple(blocks), notes=tuple(notes))


def html_of(document: ir.Document, tmp_path: Path) -> tuple[str, subprocess.CompletedProcess]:
    source = tmp_path / "brief.json"
    source.write_text(document_to_json(document), encoding="utf-8")
    target = tmp_path / "brief.html"
    result = run_briefconv(source, "-t", "html", "-o", target)
    assert result.returncode == 0, result.stderr
    return target.read_text(encoding="utf-8"), result


class Element:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Element | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Element | str] = []

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def iter(self, tag: str | None = None):
        for child in self.children:
            if isinstance(child, Element):
                if tag is None or child.tag == tag:
                    yield child
                yield from child.iter(tag)

    def find(self, tag: str) -> Element | None:
        return next(self.iter(tag), None)

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent


class TreeBuilder(HTMLParser):
    """HTML5 into a tree of Elements, checking that every element is closed in order."""

    VOID = {"meta", "br", "link", "img", "hr", "input", "source", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = self.current = Element("#document", {}, None)
        self.doctype = None

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs), self.current)
        self.current.children.append(element)
        if tag not in self.VOID:
            self.current = element

    def handle_endtag(self, tag):
        assert tag == self.current.tag, f"</{tag}> closes <{self.current.tag}>"
        self.current = self.current.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(page: str) -> Element:
    builder = TreeBuilder()
    builder.feed(page)
    builder.close()
    assert builder.current is builder.root, "unclosed elements"
    assert builder.doctype and builder.doctype.lower() == "doctype html"
    return builder.root


def body_h2s(root: Element) -> list[Element]:
    """The h2 headings of the article outside the notes section."""
    return [h for h in root.iter("h2")
            if not any("notes" in (a.attrs.get("class") or "").split() for a in h.ancestors())]


def meta_tags(root: Element) -> list[tuple[str, str]]:
    return [(m.attrs.get("name"), m.attrs.get("content")) for m in root.iter("meta") if m.attrs.get("name")]


def assert_linked_notes(root: Element, count: int) -> None:
    """Every note has id fnN, is linked from fnrefN in the text and links back."""
    ids = {e.attrs["id"]: e for e in root.iter() if e.attrs.get("id")}
    notes = root.find("section")
    items = [li for li in root.iter("li") if (li.attrs.get("id") or "").startswith("fn")]
    assert [li.attrs["id"] for li in items] == [f"fn{n}" for n in range(1, count + 1)]
    assert all(li.parent.tag == "ol" for li in items) and notes is not None
    for n in range(1, count + 1):
        ref = ids[f"fnref{n}"]
        assert ref.tag == "a" and ref.attrs["href"] == f"#fn{n}" and ref.text() == str(n)
        assert not any(a.tag == "section" and "notes" in (a.attrs.get("class") or "") for a in ref.ancestors())
        backlinks = [a for a in ids[f"fn{n}"].iter("a") if a.attrs.get("href") == f"#fnref{n}"]
        assert len(backlinks) == 1, f"note {n} links back {len(backlinks)} times"


# ------------------------------------------------------------------------- tests


def test_briefconv_formats_lists_the_html_writer():
    result = run_briefconv("formats")
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.split()[0] == "html")
    assert line.split()[1:4] == ["-w", ".html", "html"]  # written, not read, from plugin 'html'


def test_plugin_is_found_through_the_entry_point_and_provides_only_html():
    [entry] = [ep for ep in metadata.entry_points(group="briefconv") if ep.name == "html"]
    assert entry.value == "briefconv_html"
    result = run_briefconv("plugins")
    block = result.stdout.split(f"html {PLUGIN_VERSION} (external)", 1)[1].split("\n\n")[0]
    assert "hooks: briefconv_register_formats" in block.splitlines()[1]
    assert block.splitlines()[2].strip() == "provides: html"


def test_page_is_standalone_html5_with_outline_and_linked_notes(tmp_path):
    page, result = html_of(brief_like_sample(), tmp_path)
    assert "html:" not in result.stderr  # the writer had nothing to warn about
    root = parse(page)
    html = root.find("html")
    assert html.attrs["lang"] == "en"
    main = root.find("main")
    article = main.find("article")
    assert article is not None and len(list(root.iter("main"))) == 1
    assert [h.text() for h in article.iter("h1")] == [brief_like_sample().metadata.title]
    assert [h.text() for h in body_h2s(root)] == list(SECTIONS)
    assert all(h.attrs.get("id") for h in body_h2s(root))
    assert_linked_notes(root, NOTE_COUNT)
    assert root.find("title").text().startswith("Practical Diplomacy in Practice")


def test_note_cross_references_link_to_their_target_note(tmp_path):
    root = parse(html_of(brief_like_sample(), tmp_path)[0])
    notes = {li.attrs["id"]: li for li in root.iter("li") if li.attrs.get("id")}
    for source, (target, printed) in CROSS_REFS.items():
        [link] = [a for a in notes[source].iter("a") if a.text() == printed]
        assert link.attrs["href"] == f"#{target}"


def test_metadata_is_in_meta_tags_and_in_the_visible_masthead(tmp_path):
    root = parse(html_of(brief_like_sample(), tmp_path)[0])
    tags = meta_tags(root)
    assert ("author", "Priyanka Yadav") in tags
    assert ("keywords", "South Korea, China-South Korea Relations, US-South Korea alliance, THAAD") in tags
    assert ("dcterms.date", "2026-01-23") in tags and ("dcterms.language", "en") in tags
    assert ("dcterms.license", "https://creativecommons.org/licenses/by-nc-nd/4.0/") in tags
    assert ("citation_author", "Priyanka Yadav") in tags
    assert ("citation_publication_date", "2026/01/23") in tags
    assert ("citation_technical_report_number", "03/2026") in tags
    assert ("citation_issn", "2583-1234") in tags
    visible = " ".join(root.find("body").text().split())
    for shown in ("Centre for Aerospace Power and Strategic Studies", "CAPSS In Focus 03/2026", "New Delhi",
                  "23 January 2026", "Ms Priyanka Yadav, Research Associate, Centre for Aerospace",
                  "Keywords: South Korea", "Disclaimer: The views", "No Derivatives 4.0", "ISSN 2583-1234"):
        assert shown in visible, shown
    [licence_link] = [a for a in root.iter("a") if a.attrs.get("rel") == "license"]
    assert licence_link.attrs["href"] == "https://creativecommons.org/licenses/by-nc-nd/4.0/"
    assert root.find("time").attrs["datetime"] == "2026-01-23"


def test_no_external_resources_and_a_print_stylesheet(tmp_path):
    page, _ = html_of(brief_like_sample(), tmp_path)
    root = parse(page)
    assert not list(root.iter("script")) and not list(root.iter("img")) and not list(root.iter("link"))
    assert not [e for e in root.iter() if "src" in e.attrs or "srcset" in e.attrs]
    [style] = list(root.iter("style"))
    css = style.text()
    assert "@media print" in css
    assert "@import" not in css and "url(" not in css and "@font-face" not in css


def test_identifiers_are_shown_with_readable_labels(tmp_path):
    doc = brief_like_sample(identifiers={"doi": "10.1234/brief.3", "report-number": "R44243"}, series=None)
    root = parse(html_of(doc, tmp_path)[0])
    visible = " ".join(root.find("body").text().split())
    assert "DOI 10.1234/brief.3" in visible and "Report number R44243" in visible
    assert [a.attrs["href"] for a in root.iter("a") if a.text() == "10.1234/brief.3"] == ["https://doi.org/10.1234/brief.3"]
    assert ("citation_doi", "10.1234/brief.3") in meta_tags(root)
    assert ("citation_technical_report_number", "R44243") in meta_tags(root)


def test_language_comes_from_the_metadata(tmp_path):
    root = parse(html_of(brief_like_sample(language="ko"), tmp_path)[0])
    assert root.find("html").attrs["lang"] == "ko"
    assert ("dcterms.language", "ko") in meta_tags(root)


def test_text_is_escaped_and_unsafe_links_are_kept_as_text(tmp_path):
    doc = brief_like_sample(title="<script>alert(1)</script> & Co")
    doc = ir.Document(metadata=doc.metadata, notes=doc.notes, blocks=doc.blocks + (
        ir.Paragraph((ir.Link("javascript:alert(1)", (ir.Text("click"),)),)),))
    page, result = html_of(doc, tmp_path)
    root = parse(page)
    assert not list(root.iter("script"))
    assert root.find("h1").text() == "<script>alert(1)</script> & Co"
    assert "javascript:" not in page
    assert "link to 'javascript:alert(1)' kept as text" in result.stderr


def test_heading_levels_follow_the_document_without_gaps(tmp_path):
    doc = ir.Document(metadata=ir.Metadata(title="T"), blocks=(
        ir.Heading(1, (ir.Text("One"),)), ir.Heading(2, (ir.Text("One.one"),)),
        ir.Heading(4, (ir.Text("Too deep"),)), ir.Heading(1, (ir.Text("Two"),)), ir.Heading(1, (ir.Text("Two"),)),
    ))
    root = parse(html_of(doc, tmp_path)[0])
    headings = [(e.tag, e.text(), e.attrs.get("id")) for e in root.iter() if e.tag in ("h1", "h2", "h3", "h4")]
    assert headings == [("h1", "T", None), ("h2", "One", "one"), ("h3", "One.one", "one-one"),
                        ("h4", "Too deep", "too-deep"), ("h2", "Two", "two"), ("h2", "Two", "two-2")]


def test_odd_notes_are_kept_readable(tmp_path):
    doc = ir.Document(
        metadata=ir.Metadata(title="T"),
        blocks=(ir.Paragraph((ir.Text("A"), ir.NoteRef("star"), ir.Text(" B"), ir.NoteRef("gone"),
                              ir.Text(" C"), ir.NoteRef("star"))),),
        notes=(ir.Note("star", "*", (ir.Paragraph((ir.Text("Starred."),)),)),
               ir.Note("orphan", "2", (ir.Paragraph((ir.Text("Never referred to."),)),))),
    )
    page, result = html_of(doc, tmp_path)
    root = parse(page)
    assert "reference to a missing note 'gone' dropped" in result.stderr
    ids = {e.attrs["id"]: e for e in root.iter() if e.attrs.get("id")}
    assert ids["fnref1"].attrs["href"] == ids["fnref1-2"].attrs["href"] == "#fn1"  # two refs, unique ids
    assert ids["fn1"].text().startswith("* Starred.")  # a label that is not a number is shown as is
    assert [a.attrs["href"] for a in ids["fn1"].iter("a")] == ["#fnref1"]
    assert not list(ids["fn2"].iter("a"))  # nothing to go back to


def test_a_label_of_digits_that_are_not_ascii_is_shown_as_is(tmp_path):
    # "²".isdigit() is true, yet int("²") fails (found by the writers' fuzz test)
    doc = ir.Document(metadata=ir.Metadata(title="T"), blocks=(ir.Paragraph((ir.Text("A"), ir.NoteRef("n"))),),
                      notes=(ir.Note("n", "²", (ir.Paragraph((ir.Text("Squared."),)),)),))
    page, result = html_of(doc, tmp_path)
    assert result.returncode == 0, result.stderr
    note = {e.attrs["id"]: e for e in parse(page).iter() if e.attrs.get("id")}["fn1"]
    assert note.text().startswith("² Squared.") and "value" not in note.attrs


def test_same_document_gives_the_same_bytes(tmp_path):
    first, _ = html_of(brief_like_sample(), tmp_path)
    second, _ = html_of(brief_like_sample(), tmp_path)
    assert first == second


def test_sample_brief_converts_with_six_sections_and_seventeen_linked_notes(tmp_path):
    formats = run_briefconv("formats").stdout.split()
    if "txt" not in formats:
        pytest.skip("the plain-text reader (format txt) is not installed")
    target = tmp_path / "sample.html"
    result = run_briefconv(SAMPLE, "-t", "html", "-o", target)
    assert result.returncode == 0, result.stderr
    root = parse(target.read_text(encoding="utf-8"))
    assert [h.text() for h in body_h2s(root)] == list(SECTIONS)
    assert_linked_notes(root, NOTE_COUNT)
    notes = {li.attrs["id"]: li for li in root.iter("li") if li.attrs.get("id")}
    assert [a.attrs["href"] for a in notes["fn6"].iter("a") if a.attrs.get("class") == "note-xref"] == ["#fn4"]


# ----------------------------------------------------------------- in a browser


class DevTools:
    """Just enough of the Chrome DevTools protocol, over --remote-debugging-pipe.

    Chromium reads commands from its fd 3 and writes replies to fd 4, each message a
    JSON object followed by a NUL byte.
    """

    def __init__(self, profile: Path) -> None:
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def wire_pipes() -> None:  # in the child, before exec: put the pipe ends on fds 3 and 4
            os.dup2(to_chrome_r, 200)  # via high numbers, in case a pipe end is itself 3 or 4
            os.dup2(from_chrome_w, 201)
            os.dup2(200, 3)
            os.dup2(201, 4)

        self.process = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--hide-scrollbars", "--window-size=900,1100", f"--user-data-dir={profile}",
             "--remote-debugging-pipe", "about:blank"],
            # close_fds=False keeps 3 and 4 open; Python's own descriptors are not inheritable anyway
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, close_fds=False, preexec_fn=wire_pipes,
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []
        self.session: str | None = None

    def send(self, method: str, timeout: float = 30, **params) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if self.session:
            message["sessionId"] = self.session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._receive(deadline)
            if reply.get("id") == self._next_id:
                assert "error" not in reply, reply["error"]
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events:
                if event.get("method") == method:
                    self.events.remove(event)
                    return event
            self.events.append(self._receive(deadline))

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        assert "exceptionDetails" not in result, result
        return result["result"].get("value")

    def click(self, selector: str) -> None:
        """Scroll ``selector`` into view and click its centre, as a mouse would."""
        box = self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
            " e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
            " return [r.x + r.width / 2, r.y + r.height / 2]; })()"
        )
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", type=kind, x=box[0], y=box[1], button="left", clickCount=1)

    def wait_until(self, expression: str, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while not self.evaluate(expression):
            assert time.monotonic() < deadline, f"timed out waiting for {expression}"
            time.sleep(0.05)

    def _receive(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            remaining = deadline - time.monotonic()
            assert remaining > 0, "Chromium did not answer in time"
            ready, _, _ = select.select([self._from_chrome], [], [], remaining)
            if ready:
                chunk = os.read(self._from_chrome, 1 << 20)
                assert chunk, "Chromium closed the DevTools pipe"
                self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def close(self) -> None:
        try:
            os.write(self._to_chrome, json.dumps({"id": 0, "method": "Browser.close"}).encode() + b"\0")
            self.process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()
        os.close(self._to_chrome)
        os.close(self._from_chrome)


@pytest.fixture
def browser(tmp_path):
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    devtools = DevTools(tmp_path / "profile")
    try:
        target = devtools.send("Target.createTarget", url="about:blank")["targetId"]
        devtools.session = devtools.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        devtools.send("Page.enable")
        devtools.send("Network.enable")
        yield devtools
    finally:
        devtools.session = None
        devtools.close()


@pytest.mark.slow
def test_in_chromium_a_note_link_leads_to_the_note_and_back(browser, tmp_path):
    page = tmp_path / "page"
    page.mkdir()
    html_of(brief_like_sample(), page)
    if "txt" in run_briefconv("formats").stdout.split():  # the real brief, once its reader exists
        assert run_briefconv(SAMPLE, "-t", "html", "-o", page / "brief.html").returncode == 0
    url = (page / "brief.html").as_uri()
    browser.send("Page.navigate", url=url)
    browser.wait_for("Page.loadEventFired")

    assert browser.evaluate("document.documentElement.lang") == "en"
    assert browser.evaluate("document.querySelectorAll('article h2').length") >= 6

    browser.click("#fnref3")
    browser.wait_until("location.hash === '#fn3'")
    target = browser.evaluate(
        "(() => { const t = document.querySelector(':target'); const r = t.getBoundingClientRect();"
        " return {id: t.id, top: r.top, bottom: r.bottom, height: innerHeight, scrolled: scrollY,"
        " background: getComputedStyle(t).backgroundColor}; })()"
    )
    assert target["id"] == "fn3"
    assert -1 <= target["top"] and target["bottom"] <= target["height"] + 1, "the note is not in view"
    assert target["scrolled"] > 0
    assert target["background"] == "rgb(255, 242, 168)"  # the :target highlight

    shot = base64.b64decode(browser.send("Page.captureScreenshot", format="png")["data"])
    assert shot.startswith(b"\x89PNG") and len(shot) > 10_000
    (tmp_path / "note3.png").write_bytes(shot)
    if os.environ.get("BRIEFCONV_SCREENSHOTS"):  # keep it to look at
        Path(os.environ["BRIEFCONV_SCREENSHOTS"], "briefconv-html-note3.png").write_bytes(shot)

    browser.click("#fn3 .backref")
    browser.wait_until("location.hash === '#fnref3'")
    browser.click("#fn6 .note-xref")
    browser.wait_until("location.hash === '#fn4'")

    requested = [e["params"]["request"]["url"] for e in browser.events if e.get("method") == "Network.requestWillBeSent"]
    assert requested and all(u.startswith(url.split("#")[0]) for u in requested), requested
