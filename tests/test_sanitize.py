"""Sanitising what a student wrote before formgrader or the feedback page renders it.

Pure tests of :mod:`convkit.grading.sanitize` (nh3, nbconvert's own markdown renderer
and HTML exporter; no browser): each attack of issue 12 comes out inert, honest
formatting comes out as it went in, and the lessons' own prose is untouched.
The same attacks run in Chromium in ``tests/test_browser_feedback.py``.
"""

from __future__ import annotations

import copy
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

from convkit.course import ASSIGNMENTS, RELEASE_DIR
from convkit.grading.sanitize import (
    REMOVED_NOTE,
    SanitizeNotebook,
    _signature,
    clean_html,
    clean_markdown,
    clean_output,
    render_markdown,
    sanitize_notebook,
)

REPO = Path(__file__).resolve().parent.parent

#: each markdown attack of issue 12 (and a few relatives)
ATTACKS = {
    "script": "<script>alert('script')</script>",
    "img onerror": "<img src=x onerror=\"alert('img')\">",
    "details ontoggle": "<details open ontoggle=\"alert('details')\"><summary>s</summary>"
                        "</details>",
    "iframe": "<iframe src=\"javascript:alert('iframe')\"></iframe>",
    "iframe srcdoc": "<iframe srcdoc=\"<script>alert('srcdoc')</script>\"></iframe>",
    "form": "<form action=\"https://evil.example/\"><input name=q><button>go</button></form>",
    "meta refresh": "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert('meta')\">",
    "javascript link": "[click me](javascript:alert('link'))",
    "javascript html link": "<a href=\" JaVaScRiPt:alert('a')\">click</a>",
    "javascript autolink": "<javascript:alert('autolink')>",
    "svg onload": "<svg onload=\"alert('svg')\"><circle r=5></circle></svg>",
    "style": "<style>body { display: none }</style><p style=\"position:fixed\">x</p>",
    "object": "<object data=\"javascript:alert('object')\"></object>",
    "mathjax href": "$\\href{javascript:alert('tex')}{click}$",
    "tracking image": "![x](https://evil.example/track.png)",
    "mermaid": "```mermaid\ngraph TD; A-->B\n```",
    "comment breakout": "<!-- --><img src=x onerror=alert('c')> -->",
    "mxss": "<noscript><p title=\"</noscript><img src=x onerror=alert('mxss')>\">",
}

_LIVE = re.compile(r"<\s*(script|iframe|form|meta|svg|object|embed|style|input|button)\b|"
                   r"\son[a-z]+\s*=|=\s*[\"']?\s*javascript\s*:|\\href|evil\.example",
                   re.IGNORECASE)


def _live(fragment: str) -> list[str]:
    return [m.group(0) for m in _LIVE.finditer(fragment)]


def _unwrapped(fragment: str) -> list:
    """The signature of a rendered cell without the cleaned cell's wrapper ``<div>``."""
    items = _signature(fragment)
    if items and items[0] == ("div", [("class", "convkit-sanitized")]):
        items = items[1:]
    return items


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_each_markdown_attack_renders_inert(name: str) -> None:
    source, changed = clean_markdown(ATTACKS[name])
    assert changed
    html = render_markdown(source)  # what the exporter will make of the cleaned cell
    assert _live(html) == [], html
    assert "\n\n" not in source.strip()  # one raw-HTML block: markdown never restarts
    assert clean_markdown(source) == (source, False)  # cleaning twice changes nothing


def test_an_honest_answer_keeps_its_formatting() -> None:
    answer = ("**Zero padding** darkens the border: for a box blur of size $k$ the outer\n"
              "$\\lfloor k/2 \\rfloor$ rows and columns mix in black.\n\n"
              "1. a bright photo gets a *dark frame*;\n2. the frame is `k // 2` wide;\n\n"
              "| mode | border |\n|:---|:---:|\n| zero | dark |\n| reflect | kept |\n\n"
              "```python\nout = im_conv(pad_image(im, 2), k)\n```\n\n"
              "<details><summary>Why</summary>\n\nThe **invented** pixels are 0.\n</details>\n\n"
              "See [the lesson](https://example.org/#padding) and [above](#section-5).")
    source, _changed = clean_markdown(answer)
    before, after = render_markdown(answer), render_markdown(source)
    assert REMOVED_NOTE not in source
    assert _signature(clean_html(before)) == _unwrapped(clean_html(after))
    for kept in ("<strong>Zero padding</strong>", "<em>dark frame</em>", "<ol>", "<table>",
                 "<code>k // 2</code>", "$\\lfloor k/2 \\rfloor$", "<details>", "<summary>",
                 'href="https://example.org/#padding"', 'href="#section-5"',
                 'style="text-align:center"', 'class="highlight'):
        assert kept in after, kept


def test_plain_answers_stay_as_written() -> None:
    for answer in ("YOUR ANSWER HERE", "It blurs the border *less*.", "* one\n* two",
                   "$$\\sum_{i} w_i = 1$$"):
        assert clean_markdown(answer) == (answer, False)


def test_images_only_from_data_uris() -> None:
    png = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABc3UBGAAAAABJRU5E"
           "rkJggg==")
    source, _ = clean_markdown(f"![a dot](data:image/png;base64,{png})")
    assert f'src="data:image/png;base64,{png}"' in render_markdown(source)
    assert 'alt="a dot"' in render_markdown(source)
    svg, _ = clean_markdown("![x](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=)")
    assert "svg" not in render_markdown(svg).lower().replace(REMOVED_NOTE.lower(), "")


def test_the_lessons_own_prose_renders_as_before() -> None:
    for item in ASSIGNMENTS:
        nb = nbformat.read(REPO / RELEASE_DIR / item.name / item.notebook_file, as_version=4)
        before = copy.deepcopy(nb)
        sanitize_notebook(nb)
        for old, new in zip(before.cells, nb.cells, strict=True):
            assert REMOVED_NOTE not in new.source, (item.name, old.source[:80])
            if old.cell_type == "markdown":
                assert _signature(clean_html(render_markdown(old.source))) == \
                    _unwrapped(render_markdown(new.source)), old.source[:80]
            else:
                assert old.source == new.source


def _display(data: dict, metadata: dict | None = None) -> dict:
    return {"output_type": "display_data", "data": data, "metadata": metadata or {}}


def test_outputs_keep_text_and_images_and_lose_code() -> None:
    png = "iVBORw0KGgo="
    out = clean_output(_display({"application/javascript": "alert('js')",
                                 "text/plain": "<IPython.core.display.Javascript object>"}))
    assert out["data"] == {"text/plain": "<IPython.core.display.Javascript object>"}
    only_js = clean_output(_display({"application/javascript": "alert('js')"}))
    assert only_js["data"] == {"text/plain": "[output of type application/javascript removed "
                                             "by the grader: it could run code in the page]"}
    html = clean_output(_display({"text/html": "<b>ok</b><script>alert('html')</script>"
                                               "<img src=x onerror=alert(1)>"}))
    assert html["data"]["text/html"] == "<b>ok</b>"  # an image without a source goes too
    md = clean_output(_display({"text/markdown": "**b** [x](javascript:alert(1))"}))
    assert _live(md["data"]["text/html"]) == [] and "<strong>b</strong>" in md["data"]["text/html"]
    assert "text/markdown" not in md["data"]
    svg = clean_output(_display({"image/svg+xml": "<svg onload=alert(1)/>", "text/plain": "fig"}))
    assert svg["data"] == {"text/plain": "fig"}
    widget = clean_output(_display({"application/vnd.jupyter.widget-view+json": {"model_id": "x"},
                                    "text/plain": "VBox()"}))
    assert widget["data"] == {"text/plain": "VBox()"}
    image = clean_output(_display({"image/png": png}, {"image/png": {
        "width": "1 onload=alert(1)", "height": 40, "needs_background": "x\" onload=\"y"},
        "filenames": {"image/png": "javascript:alert(1)"}}))
    assert image["data"] == {"image/png": png}
    assert image["metadata"] == {"image/png": {"height": 40}}
    broken = clean_output(_display({"image/png": 'x" onerror="alert(1)', "text/plain": "img"}))
    assert broken["data"] == {"text/plain": "img"}
    latex = clean_output(_display({"text/latex": "$\\href{javascript:alert(1)}{x}$"}))
    assert "\\href" not in latex["data"]["text/latex"]
    stream = clean_output({"output_type": "stream", "name": "stdout", "text": ["<b>", "x"]})
    assert stream == {"output_type": "stream", "name": "stdout", "text": "<b>x"}
    assert clean_output({"output_type": "weird"}) is None


def test_cell_metadata_shown_by_templates_is_plain() -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.from_dict({
        "cell_type": "markdown", "source": "x", "id": "x\" onclick=\"y", "metadata": {
            "nbgrader": {"grade_id": "<img src=x onerror=alert(1)>", "grade": True,
                         "solution": True, "points": 1,
                         "comment": "Good, but <script>alert(1)</script>"},
            "tags": ["ok", "<b>x</b>", 3]}}))
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {}}
    assert sanitize_notebook(nb) == 1
    info = nb.cells[0].metadata.nbgrader
    assert re.fullmatch(r"cell-[0-9a-f]{12}", info.grade_id)
    assert "<script" not in info.comment and "Good, but" in info.comment
    assert nb.cells[0].metadata.tags == ["ok"]
    assert re.fullmatch(r"cell-[0-9a-f]{12}", nb.cells[0].id)
    assert "widgets" not in nb.metadata


def _attack_notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell("\n\n".join(ATTACKS.values()), metadata={
        "nbgrader": {"grade_id": "discuss", "grade": True, "solution": True, "points": 1}}))
    code = nbformat.v4.new_code_cell("x")
    code.outputs = [
        nbformat.v4.new_output("display_data", data={"application/javascript": "alert('js')"}),
        nbformat.v4.new_output("display_data", data={
            "text/html": "<script>alert('html')</script><b>shown</b>"}),
        nbformat.v4.new_output("execute_result", data={
            "text/markdown": "[x](javascript:alert('md'))"}, execution_count=1)]
    nb.cells.append(code)
    nb.cells.append(nbformat.v4.new_raw_cell("<script>alert('raw')</script>"))
    return nb


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, tuple[tuple[str, str], ...]]] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.found.append((tag, tuple((k, v or "") for k, v in attrs)))


def _live_elements(page: str) -> list:
    """Scripts, frames, forms, refreshes, handlers and javascript: URLs of a whole page."""
    parser = _Elements()
    parser.feed(page)
    live = []
    for tag, attrs in parser.found:
        if tag in {"script", "iframe", "form", "meta", "svg", "object", "embed"}:
            live.append((tag, attrs))
        live += [(tag, (k, v)) for k, v in attrs if k.startswith("on")
                 or v.strip().lower().startswith(("javascript:", "vbscript:"))]
    return live


def _export(nb: nbformat.NotebookNode, template: str) -> str:
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config()
    resources: dict = {}
    if template == "formgrade":  # exactly how nbgrader's formgrader renders a submission
        from nbgrader.server_extensions.formgrader import handlers

        config.HTMLExporter.template_name = "formgrade"
        config.HTMLExporter.extra_template_basedirs = [handlers.template_path]
        resources = {"base_url": "", "index": 0, "total": 1, "submission_id": "s",
                     "notebook_id": "n", "assignment_id": "a", "student": "st",
                     "notebook_path": "x"}
    else:
        config.HTMLExporter.template_name = template
    page, _ = HTMLExporter(config=config).from_notebook_node(nb, resources=resources)
    return page


@pytest.mark.parametrize("template", ["lab", "classic", "formgrade"])
def test_exported_pages_hold_no_student_script(template: str) -> None:
    baseline = _live_elements(_export(nbformat.v4.new_notebook(), template))
    raw = _live_elements(_export(_attack_notebook(), template))
    assert len(raw) > len(baseline) + 10  # the attacks are live without the sanitiser
    nb = _attack_notebook()
    SanitizeNotebook().preprocess(nb, {})
    page = _export(nb, template)
    assert _live_elements(page) == baseline  # only the template's own scripts are left
    assert "<b>shown</b>" in page
