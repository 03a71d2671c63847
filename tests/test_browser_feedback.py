"""Nothing a student wrote runs in the instructor's or the student's browser (issue 12, item 3).

A class graded by the real ``convkit grade`` holds an attacker (every attack of issue
12 in a written answer, HTML in a ``window_choice`` value and in a cell's
``grade_id``, script outputs on an answer cell) and an honest student (a formula, a
list, bold text, a table). In Debian's Chromium, driven by Playwright:

* the attacker's feedback page, opened as the student opens it (a file);
* the attacker's autograded notebook in nbgrader's formgrader, served by a real
  JupyterLab on 127.0.0.1 with the work course ``convkit grade`` left in
  ``OUT_DIR/.nbgrader`` (the instructor's logged-in session, where a script could do
  anything the instructor can);
* a notebook whose outputs carry ``application/javascript`` and a ``text/html``
  script, sanitised and exported by nbconvert (what a feedback page of such outputs
  would be);

execute nothing: no ``alert``/``confirm``/``prompt`` (each payload calls one; they are
hooked before any page script runs, and native dialogs are caught too), no navigation
away, no request to any host but the page's own and nbconvert's CDN, no
``javascript:`` link, frame, form or inline event handler in the DOM; every
``<details>`` is opened and every link clicked to give toggles and links their
chance. The honest answer still reads well: screenshots in
``screenshots/feedback/`` (MathJax is served from Debian's ``libjs-mathjax`` when
installed, else formulas stay as ``$...$`` text).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import pytest
from browser_helpers import (
    INSTALL_HINT,
    REPO,
    LabServer,
    browser_context,
    find_chromium,
)
from handins import answered_notebook, cell_by_id, grade_rows, run_grade, write_handin

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]

LESSON, NOTEBOOK = "01_subimages", "subimages"
SHOTS = REPO / "screenshots" / "feedback"
LOCAL_MATHJAX = Path("/usr/share/javascript/mathjax")
MATHJAX_CDN = "https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.7/"

#: every markdown attack of issue 12; each payload reports itself through a dialog
ATTACKS = [
    "<script>alert('script')</script>",
    "<img src=x onerror=\"alert('img onerror')\">",
    "<details open ontoggle=\"alert('details ontoggle')\"><summary>open me</summary>x</details>",
    "<iframe src=\"javascript:alert('iframe')\"></iframe>",
    "<iframe srcdoc=\"<script>parent.alert('iframe srcdoc')</script>\"></iframe>",
    "<form action=\"javascript:alert('form')\"><button id=go>go</button></form>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert('meta refresh')\">",
    "[a javascript: link](javascript:alert('markdown link'))",
    "<a href=\"javascript:alert('html link')\">an html link</a>",
    "<svg onload=\"alert('svg onload')\"><circle r=\"4\"></circle></svg>",
    "<img src=\"https://evil.example/track.png\" alt=\"tracker\">",
    "$\\href{javascript:alert('mathjax href')}{a TeX link}$",
]
MARKUP_NAME = "kim<img src=x onerror=\"alert('student id')\">"
WINDOW_CHOICE = "<img src=x onerror=\"alert('window_choice')\">"
GRADE_ID = "x<img src=x onerror=\"alert('grade_id')\">"
HONEST = """**Zero padding** makes the border *dark*: a $k \\times k$ box blur in *same* mode
mixes $\\lfloor k/2 \\rfloor$ rows of black into the edge, so

1. a bright photo gets a **dark frame** about `k // 2` pixels wide;
2. the frame grows with the kernel: $\\text{width} = \\lfloor k/2 \\rfloor$;
3. *reflect* padding keeps the edge bright.

| padding | border |
|:---|:---:|
| zero | dark |
| reflect | kept |

$$\\bar{x} = \\frac{1}{k^2} \\sum_{i,j} x_{ij}$$
"""

HOOKS = """
window.__ran = [];
for (const name of ['alert', 'confirm', 'prompt', 'print', 'open']) {
  window[name] = (...args) => { window.__ran.push(name + ': ' + args.join(' ')); };
}
"""


def _cell(kind: str, source: str, **nbgrader: Any) -> dict[str, Any]:
    cell: dict[str, Any] = {"cell_type": kind, "id": "c" + os.urandom(4).hex(), "metadata": {},
                            "source": source}
    if nbgrader:
        cell["metadata"]["nbgrader"] = nbgrader
    if kind == "code":
        cell.update(outputs=[], execution_count=None)
    return cell


def _attacker() -> dict[str, Any]:
    nb = answered_notebook(LESSON, NOTEBOOK)
    cell_by_id(nb, "discuss_zero_padding")["source"] = "\n\n".join(ATTACKS)
    choice = cell_by_id(nb, "answer_window_choice")
    choice["source"] = f"window_choice = {WINDOW_CHOICE!r}"
    choice["outputs"] = [
        {"output_type": "display_data", "metadata": {},
         "data": {"application/javascript": "alert('javascript output')"}},
        {"output_type": "display_data", "metadata": {},
         "data": {"text/html": "<script>alert('html output')</script><b>html output</b>"}}]
    nb["cells"].append(_cell("code", "print('mine')", grade_id=GRADE_ID, grade=True,
                             solution=False, points=5))
    return nb


def _honest() -> dict[str, Any]:
    nb = answered_notebook(LESSON, NOTEBOOK)
    cell_by_id(nb, "discuss_zero_padding")["source"] = HONEST
    return nb


def _output_notebook() -> nbformat.NotebookNode:
    """A notebook whose outputs carry scripts, as a kernel would have saved them."""
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell("Outputs of a student's code:"))
    code = nbformat.v4.new_code_cell("show()")
    code.outputs = [
        nbformat.v4.new_output("display_data", data={
            "application/javascript": "alert('javascript output')"}),
        nbformat.v4.new_output("display_data", data={
            "text/html": "<script>alert('html output')</script><b>bold html output</b>"
                         "<img src=x onerror=\"alert('html img')\">"}),
        nbformat.v4.new_output("display_data", data={
            "text/markdown": "[md link](javascript:alert('markdown output'))"}),
        nbformat.v4.new_output("display_data", data={
            "image/svg+xml": "<svg onload=\"alert('svg output')\"></svg>", "text/plain": "svg"}),
        nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo="},
                               metadata={"image/png": {"width": "9 onload=alert('width')"}}),
    ]
    nb.cells.append(code)
    return nb


@dataclass
class Visit:
    """What a page did while it was open."""

    ran: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    navigations: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    live: dict[str, int] = field(default_factory=dict)
    text: str = ""

    @property
    def executed(self) -> list[str]:
        return self.ran + self.dialogs + self.navigations + self.foreign


#: the inline handlers of formgrader's own template (its show/hide-the-name eye icons)
FORMGRADER_OWN = ["span[onclick=toggle_name(true);]", "span[onclick=toggle_name(false);]"]

_LIVE_DOM = """(OWN) => {
  const count = (sel) => document.querySelectorAll(sel).length;
  let handlers = 0, jsUrls = 0;
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const text = el.tagName.toLowerCase() + '[' + attr.name + '=' + attr.value + ']';
      if (attr.name.startsWith('on') && !OWN.includes(text)) handlers++;
      if (/^\\s*(javascript|vbscript):/i.test(attr.value)) jsUrls++;
    }
  }
  return {iframes: count('iframe'), forms: count('form'), objects: count('object, embed'),
          refresh: count('meta[http-equiv]'), svgs: count('svg[onload]'),
          handlers, jsUrls};
}"""


def _route(route: Any, own_hosts: tuple[str, ...], foreign: list[str]) -> None:
    url = route.request.url
    if url.startswith(MATHJAX_CDN) and LOCAL_MATHJAX.is_dir():
        rest, _, query = url[len(MATHJAX_CDN):].partition("?")
        if rest == "latest.js":  # the loader of the newest version: load 2.7 by its own name
            route.fulfill(content_type="text/javascript", body=(
                f"document.write('<script src=\"{MATHJAX_CDN}MathJax.js?{query}\"></' "
                "+ 'script>');"))
            return
        local = LOCAL_MATHJAX / rest
        if local.is_file():
            route.fulfill(path=str(local))
            return
    if url.startswith(("file:", "data:")) or any(url.startswith(h) for h in own_hosts):
        route.continue_()
        return
    if not url.startswith(("https://cdnjs.cloudflare.com/", "https://unpkg.com/")):
        foreign.append(url)  # nbconvert's own CDN is expected; nothing else is
    route.abort()


def _page_of(url: str) -> str:
    return url.split("#", 1)[0].split("?", 1)[0]


def visit(context: Any, url: str, own_hosts: tuple[str, ...] = (),
          shot: Path | None = None, ready: str = "body", poke: bool = True,
          focus: tuple[str, ...] = ()) -> Visit:
    """Open ``url``, give every attack its chance, and record what ran."""
    result = Visit()
    page = context.new_page()
    page.add_init_script(HOOKS)
    page.on("dialog", lambda d: (result.dialogs.append(f"{d.type}: {d.message}"),
                                 d.dismiss()))
    page.route("**/*", lambda route: _route(route, own_hosts, result.foreign))
    try:
        page.goto(url, wait_until="load", timeout=60_000)
        page.wait_for_selector(ready, state="attached", timeout=60_000)
        start = _page_of(page.url)  # formgrader itself adds ?index=... to its own URL
        page.on("framenavigated", lambda frame: frame == page.main_frame
                and _page_of(frame.url) != start and result.navigations.append(frame.url))
        page.wait_for_timeout(2500)  # a meta refresh of 0 s, MathJax, ontoggle
        for summary in page.locator("summary").all() if poke else ():
            summary.click()
        for link in page.locator("a").all() if poke else ():
            href = (link.get_attribute("href") or "").strip().lower()
            if not href.startswith(("http:", "https:", "#", "/", "?")) and link.is_visible():
                link.click(no_wait_after=True, timeout=5000)  # javascript: would run here
        page.wait_for_timeout(1000)
        result.ran = page.evaluate("() => window.__ran")
        result.live = page.evaluate(_LIVE_DOM, FORMGRADER_OWN)
        result.text = page.inner_text("body")
        if shot is not None:
            shot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shot), full_page=True)
            for index, text in enumerate(focus, start=1):  # close-ups of what matters
                element = page.get_by_text(text).first.locator(
                    "xpath=ancestor::div[contains(@class, 'cell') or contains(@class,"
                    " 'convkit-summary')][1]")
                element.screenshot(path=str(shot.with_name(f"{shot.stem}_{index}.png")))
    finally:
        page.close()
    return result


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def chromium() -> str:
    path = find_chromium()
    if path is None:
        if os.environ.get("CONVKIT_REQUIRE_BROWSER") == "1":
            pytest.fail(f"CONVKIT_REQUIRE_BROWSER=1 but {INSTALL_HINT}", pytrace=False)
        pytest.skip(INSTALL_HINT)
    return path


@pytest.fixture(scope="module")
def context(chromium: str, playwright_driver) -> Iterator[Any]:
    with browser_context(playwright_driver, chromium) as ctx:
        yield ctx


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The attacker's and the honest student's lesson 1, graded by ``convkit grade``."""
    tmp = tmp_path_factory.mktemp("attacked-class")
    write_handin(tmp / "submitted", "mallory", LESSON, NOTEBOOK, _attacker())
    write_handin(tmp / "submitted", "honest_hana", LESSON, NOTEBOOK, _honest())
    write_handin(tmp / "submitted", MARKUP_NAME, LESSON, NOTEBOOK, _honest())
    run = run_grade(tmp / "submitted", tmp / "out")
    assert run.returncode == 0, run.stderr[-3000:]
    rows = grade_rows(tmp / "out")
    assert rows[("mallory", LESSON)]["status"] == "graded"
    assert rows[("honest_hana", LESSON)]["status"] == "graded"
    assert rows[(MARKUP_NAME, LESSON)]["status"] == "ungradable"  # never reaches formgrader
    return tmp / "out"


@pytest.fixture(scope="module")
def formgrader(graded: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    """JupyterLab with nbgrader's formgrader on the work course ``convkit grade`` left."""
    course = graded / ".nbgrader"
    assert (course / "nbgrader_config.py").is_file()
    server = LabServer(course, tmp_path_factory.mktemp("formgrader-state")).start()
    try:
        yield server
    finally:
        server.stop()


def _submission_id(graded: Path, student: str) -> str:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{graded / 'gradebook.db'}") as gradebook:
        return gradebook.find_submission_notebook(NOTEBOOK, LESSON, student).id


def _assert_inert(result: Visit) -> None:
    assert result.executed == [], result.executed
    assert result.live == {"iframes": 0, "forms": 0, "objects": 0, "refresh": 0, "svgs": 0,
                           "handlers": 0, "jsUrls": 0}, result.live


# --------------------------------------------------------------------------- the tests


def test_the_attacks_run_without_the_sanitiser(context: Any, tmp_path: Path) -> None:
    """The harness sees an attack when there is one (nbconvert alone leaves them live)."""
    from nbconvert import HTMLExporter

    nb = nbformat.reads(json.dumps(_attacker()), as_version=4)  # outputs kept, as saved
    page, _ = HTMLExporter().from_notebook_node(nb)
    path = tmp_path / "raw.html"
    path.write_text(page, encoding="utf-8")
    result = visit(context, path.as_uri())
    assert len(result.executed) >= 3, result.executed  # script, img onerror, details...
    assert any("script" in r for r in result.ran), result.ran


def test_the_feedback_page_runs_nothing(context: Any, graded: Path) -> None:
    page = graded / "feedback" / "mallory" / LESSON / f"{NOTEBOOK}.html"
    result = visit(context, page.as_uri(), shot=SHOTS / "attacker_feedback.png",
                   focus=("Your feedback", "The grader removed HTML"))
    _assert_inert(result)
    # the attacker's strings are shown as text, not dropped silently
    assert "window_choice" in result.text and "onerror" in result.text
    assert "is not part of this assignment" in result.text  # the forged grade_id's note
    assert "The grader removed HTML from this cell" in result.text


def test_formgrader_shows_the_autograded_notebook_inert(context: Any, graded: Path,
                                                        formgrader: LabServer) -> None:
    own = (formgrader.url,)
    login = visit(context, f"{formgrader.url}lab?token={formgrader.token}", own, poke=False)
    assert login.executed == []
    url = f"{formgrader.url}formgrader/submissions/{_submission_id(graded, 'mallory')}/"
    result = visit(context, url, own, shot=SHOTS / "attacker_formgrader.png",
                   ready=".nbgrader_cell", focus=("The grader removed HTML",))
    _assert_inert(result)
    assert "The grader removed HTML from this cell" in result.text
    assert "window_choice" in result.text


def test_formgrader_lists_run_nothing(context: Any, graded: Path, formgrader: LabServer) -> None:
    """A student folder named like a script would run in formgrader's pages: it is refused."""
    own = (formgrader.url,)
    visit(context, f"{formgrader.url}lab?token={formgrader.token}", own, poke=False)
    for page in ("manage_students", f"gradebook/{LESSON}/{NOTEBOOK}", "manage_assignments"):
        result = visit(context, f"{formgrader.url}formgrader/{page}", own, poke=False)
        assert result.executed == [], (page, result.executed)


def test_script_outputs_are_inert_once_sanitised(context: Any, tmp_path: Path) -> None:
    from nbconvert import HTMLExporter

    from convkit.grading.sanitize import SanitizeNotebook

    nb = _output_notebook()
    SanitizeNotebook().preprocess(nb, {})
    for template in ("lab", "classic"):
        exporter = HTMLExporter(template_name=template)
        page, _ = exporter.from_notebook_node(nb)
        path = tmp_path / f"outputs-{template}.html"
        path.write_text(page, encoding="utf-8")
        result = visit(context, path.as_uri(), shot=SHOTS / f"outputs_{template}.png")
        _assert_inert(result)
        assert "bold html output" in result.text
        assert "application/javascript removed by the grader" in result.text


def test_an_honest_answer_still_reads_well(context: Any, graded: Path,
                                           formgrader: LabServer) -> None:
    page = graded / "feedback" / "honest_hana" / LESSON / f"{NOTEBOOK}.html"
    result = visit(context, page.as_uri(), shot=SHOTS / "honest_feedback.png",
                   focus=("Your feedback", "dark frame"))
    _assert_inert(result)
    for words in ("Zero padding", "dark frame", "reflect padding keeps the edge bright",
                  "padding", "border"):
        assert words in result.text, words
    assert "The grader removed HTML" not in result.text
    autograded = nbformat.read(graded / ".nbgrader" / "autograded" / "honest_hana" / LESSON
                               / f"{NOTEBOOK}.ipynb", as_version=4)
    answer = next(c.source for c in autograded.cells
                  if c.metadata.get("nbgrader", {}).get("grade_id") == "discuss_zero_padding")
    assert "<strong>Zero padding</strong>" in answer or "**Zero padding**" in answer
    url = f"{formgrader.url}formgrader/submissions/{_submission_id(graded, 'honest_hana')}/"
    shown = visit(context, url, (formgrader.url,), shot=SHOTS / "honest_formgrader.png",
                  ready=".nbgrader_cell", focus=("dark frame",))
    _assert_inert(shown)
    assert "dark frame" in shown.text
