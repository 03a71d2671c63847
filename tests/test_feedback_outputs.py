"""Feedback a student can use (issue 11, item 5).

On the tiny course of ``tests/test_reweighting.py`` (one lesson, ``im_conv`` only), graded
by the real ``convkit grade``:

* the student's own outputs are in the feedback page, sanitised: what they printed, an
  image they displayed (kept as PNG data), HTML output without its script; a
  ``<script>`` in an output does not run when the page is opened in Chromium;
* ``grades.csv``, ``scores.png`` and the feedback pages are readable by the course's
  group (0644 less the umask: 0644 here, not mkstemp's 0600; 0640 under umask 027 is the
  doctest of ``write_output``);
* ``scores.png`` bins half points in their own bars (read from the counts, not the picture);
* nbgrader's ``generate_feedback``, run as the instructor would in the work course, logs no
  "not recognized" configuration warning.
"""

from __future__ import annotations

import base64
import io
import os
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
from test_reweighting import (
    BIN,
    LESSON,
    NOTEBOOK,
    answered,
    cell,
    grade,
    make_course,
    rows,
    write,
)

pytestmark = [pytest.mark.slow]

PRINTED = "my own printed output 4242"
HTML_TEXT = "bold html output of mine"


def _png() -> str:
    """A small PNG, as a kernel saves a matplotlib figure."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(1, 1))
    ax.imshow([[0, 1], [1, 0]], cmap="gray")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=40)
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


PNG = _png()


def _with_outputs(release: Path) -> dict[str, Any]:
    nb = answered(release)
    cell(nb, "answer_im_conv")["outputs"] = [
        {"output_type": "stream", "name": "stdout", "text": PRINTED + "\n"},
        {"output_type": "display_data", "metadata": {},
         "data": {"image/png": PNG, "text/plain": "<Figure size 40x40>"}},
        {"output_type": "display_data", "metadata": {},
         "data": {"text/html": "<script>window.__ran.push('html output script')</script>"
                               f"<b onclick=\"alert('onclick')\">{HTML_TEXT}</b>"}},
        {"output_type": "display_data", "metadata": {},
         "data": {"application/javascript": "window.__ran.push('javascript output')"}},
    ]
    demo = next(c for c in nb["cells"] if c["cell_type"] == "code"
                and "print(im_conv(" in "".join(c["source"]))
    demo["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "[[4. 4.]\n [4. 4.]]\n"}]
    test = cell(nb, "test_im_conv")
    test["outputs"] = [{"output_type": "stream", "name": "stdout",
                        "text": "my own check said: all fine\n"}]
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("feedback-outputs")
    root, submissions, out = tmp / "course-root", tmp / "submitted", tmp / "out"
    release = make_course(root)
    write(submissions, "ola_outputs", _with_outputs(release))
    write(submissions, "cleo_blank", answered(release, "def im_conv(im, kernel):\n"
                                                       "    raise NotImplementedError()"))
    run = grade(root, submissions, out, umask=0o022)
    assert run.returncode == 0, run.stderr[-3000:]
    page = out / "feedback" / "ola_outputs" / LESSON / f"{NOTEBOOK}.html"
    return {"out": out, "page": page, "html": page.read_text(encoding="utf-8"),
            "rows": rows(out), "root": root}


def test_the_students_outputs_are_in_the_feedback_sanitised(graded: dict[str, Any]) -> None:
    html = graded["html"]
    assert graded["rows"]["ola_outputs"]["auto_score"] == "5"
    assert PRINTED in html  # the answer cell's printed output
    assert "[[4. 4.]" in html  # a plain cell of the lesson the student ran
    assert f"data:image/png;base64,{PNG[:40]}" in html  # the figure, as PNG data
    assert HTML_TEXT in html
    assert "html output script" not in html and "onclick" not in html
    assert "javascript output" not in html  # application/javascript dropped
    assert "application/javascript removed by the grader" in html
    assert "my own check said" not in html  # a test cell shows the grader's verdict only
    assert "im_conv: all" in html


def test_the_autograded_notebook_keeps_them_too(graded: dict[str, Any]) -> None:
    import nbformat

    nb = nbformat.read(graded["out"] / ".nbgrader" / "autograded" / "ola_outputs" / LESSON
                       / f"{NOTEBOOK}.ipynb", as_version=4)
    answer = next(c for c in nb.cells
                  if c.metadata.get("nbgrader", {}).get("grade_id") == "answer_im_conv")
    kinds = [o.output_type for o in answer.outputs]
    assert kinds == ["stream", "display_data", "display_data", "display_data"], kinds
    assert "convkit" not in answer.metadata  # the outputs' stash is gone


def test_output_files_are_readable_by_the_group(graded: dict[str, Any]) -> None:
    out = graded["out"]
    for path in (out / "grades.csv", out / "scores.png", graded["page"],
                 out / "feedback" / "cleo_blank" / LESSON / f"{NOTEBOOK}.html",
                 out / ".nbgrader" / "feedback" / "ola_outputs" / LESSON / f"{NOTEBOOK}.html"):
        if not path.exists():
            continue  # the work course's copy exists only where nbgrader's layout asks for it
        assert oct(stat.S_IMODE(path.stat().st_mode)) == "0o644", path  # not mkstemp's 0600


def test_the_histogram_bins_half_points_in_their_own_bars(tmp_path: Path) -> None:
    import numpy as np

    from convkit.grading.report import GRADED, GradeRow, plot_histogram

    def row(student: str, score: float) -> GradeRow:
        return GradeRow(student, LESSON, score, 7, score, 5, 0, GRADED)

    drawn = plot_histogram([row("a", 3.5), row("b", 4), row("c", 4), row("d", 0)],
                           tmp_path / "scores.png")
    edges, counts = drawn[LESSON]
    centres = (np.asarray(edges[:-1]) + np.asarray(edges[1:])) / 2
    filled = {float(c): int(n) for c, n in zip(centres, counts, strict=True) if n}
    assert filled == {0.0: 1, 3.5: 1, 4.0: 2}, filled
    drawn = plot_histogram([row("a", 3), row("b", 4)], tmp_path / "whole.png")
    edges, counts = drawn[LESSON]
    assert np.allclose(np.diff(edges), 1.0)  # whole points: one bar per point
    assert (tmp_path / "scores.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_generate_feedback_logs_no_unrecognized_option(graded: dict[str, Any]) -> None:
    """nbgrader's own generate_feedback in the work course, with its log at INFO."""
    course = graded["out"] / ".nbgrader"
    env = dict(os.environ)
    env["PATH"] = str(BIN) + os.pathsep + env.get("PATH", "")
    done = subprocess.run(
        [str(BIN / "nbgrader"), "generate_feedback", LESSON, "--force", "--log-level=INFO"],
        cwd=course, env=env, capture_output=True, text=True, timeout=300)
    log = done.stdout + done.stderr
    assert done.returncode == 0, log[-3000:]
    assert "Generating feedback" in log or "generate_feedback" in log.lower() or log, log
    assert "not recognized" not in log, log[-3000:]
    assert "display_data_priority" not in log, log[-3000:]


SHOT = Path(__file__).resolve().parent.parent / "screenshots" / "feedback" / "student_outputs.png"
HOOKS = """
window.__ran = [];
for (const name of ['alert', 'confirm', 'prompt', 'print', 'open']) {
  window[name] = (...args) => { window.__ran.push(name + ': ' + args.join(' ')); };
}
"""


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
def test_the_page_in_chromium_shows_the_outputs_and_runs_nothing(
        graded: dict[str, Any], playwright_driver: Any) -> None:
    from browser_helpers import INSTALL_HINT, browser_context, find_chromium

    chromium = find_chromium()
    if chromium is None:
        if os.environ.get("CONVKIT_REQUIRE_BROWSER") == "1":
            pytest.fail(f"CONVKIT_REQUIRE_BROWSER=1 but {INSTALL_HINT}", pytrace=False)
        pytest.skip(INSTALL_HINT)
    dialogs: list[str] = []
    with browser_context(playwright_driver, chromium) as context:
        page = context.new_page()
        page.add_init_script(HOOKS)
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.route("**/*", lambda route: route.continue_()
                   if route.request.url.startswith(("file:", "data:")) else route.abort())
        page.goto(graded["page"].as_uri(), wait_until="load", timeout=60_000)
        page.wait_for_timeout(1500)
        for element in page.get_by_text(HTML_TEXT).all():
            element.click(timeout=5000)  # an onclick would run here
        ran = page.evaluate("() => window.__ran")
        text = page.inner_text("body")
        images = page.evaluate("""() => [...document.querySelectorAll('img')]
            .filter(i => i.src.startsWith('data:image/png') && i.naturalWidth > 0).length""")
        scripts = page.evaluate("""() => [...document.querySelectorAll('script')]
            .filter(s => s.textContent.includes('__ran.push')).length""")
        SHOT.parent.mkdir(parents=True, exist_ok=True)
        answer = page.get_by_text(PRINTED).first.locator(
            "xpath=ancestor::div[contains(@class, 'cell')][1]")
        answer.screenshot(path=str(SHOT))
        page.close()
    assert ran == [] and dialogs == [], (ran, dialogs)
    assert scripts == 0
    assert PRINTED in text and HTML_TEXT in text and "[[4. 4.]" in text
    assert images >= 1  # the student's figure, decoded and shown
