"""Feedback files in ``OUT_DIR/feedback/<student>/<assignment>/<notebook>.html``.

nbgrader's ``generate_feedback`` writes the pages of graded submissions (with
``ClearHiddenTests`` and :class:`convkit.grading.preprocessor.FeedbackSummary`);
this module copies them into place atomically and writes the page of a submission
that could not be graded, which says why and what to do.
"""

from __future__ import annotations

import html
from pathlib import Path

from convkit.grading.report import write_output

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 46em; margin: 2em auto; line-height: 1.5;
       padding: 0 1em; color: #222; }}
.box {{ border: 2px solid #c0392b; border-radius: 6px; padding: 0.6em 1em; }}
code {{ background: #f3f3f3; padding: 0 0.2em; }}
</style>
</head>
<body>
<h2>{title}</h2>
<div class="box">
<p><b>Score: 0 / {max_score}.</b> {headline}</p>
<p>{reason}</p>
</div>
<h3>What to do</h3>
<p>{advice}</p>
</body>
</html>
"""


def problem_page(*, student: str, assignment: str, notebook: str, max_score: float,
                 headline: str, reason: str, advice: str) -> str:
    """The HTML page of a submission the grader could not grade.

    Examples
    --------
    >>> page = problem_page(student="dev", assignment="02_im_conv", notebook="im_conv",
    ...                     max_score=5, headline="Your notebook could not be graded.",
    ...                     reason="the file is not valid JSON", advice="Hand it in again.")
    >>> "not valid JSON" in page and "0 / 5" in page
    True
    """
    return _PAGE.format(
        title=html.escape(f"{notebook}.ipynb — {assignment} — {student}"),
        max_score=f"{max_score:g}", headline=html.escape(headline),
        reason=html.escape(reason), advice=html.escape(advice))


ADVICE = {
    "ungradable": (
        "Open the notebook in JupyterLab: if it does not open, download a fresh copy of the "
        "released notebook, paste your answers into the answer cells, save, and hand it in "
        "again. Ask your instructor if you are not sure."),
    "not submitted": (
        "If you did hand it in, check the name of the file and of the folder, and ask your "
        "instructor."),
    "unknown assignment": (
        "Hand in each notebook in the folder of its assignment, with the name it was "
        "released with."),
}


def publish(source: Path, target: Path) -> None:
    """Copy a feedback page into place atomically (mode 0644 less the umask)."""
    write_output(target, Path(source).read_bytes())


def write_problem_page(target: Path, **fields: object) -> None:
    """Write :func:`problem_page` to ``target`` atomically (untouched when already there;
    mode 0644 less the umask, see :func:`convkit.grading.report.write_output`)."""
    data = problem_page(**fields).encode("utf-8")  # type: ignore[arg-type]
    if not target.is_file() or target.read_bytes() != data:
        write_output(target, data)
