"""Re-weighting and fixing after release (issue 11, item 4): the instructor's change is not blamed.

Tampering is judged against what the student *received* (nbgrader's checksum stored in
their copy of each locked cell, compared with the cell they hand in), the weights against
what the instructor wants *now* (the current ``solutions/``). A tiny course of its own (one
lesson, ``02_im_conv`` with ``im_conv`` only, built in a temporary folder and released
with ``convkit release --root``) is graded by the real ``convkit grade``, re-weighted
(the test cell 5 -> 7 points, a written answer 1 -> 2), released again and graded again
into the same ``OUT_DIR``:

* the all-correct student who did not touch the cells gets the new weight in full, with
  no note about changed cells;
* a student who changed the test cell's points still gets 0, and the note names the
  cell (the units below: its source too, and what they changed relative to what they got);
* a partial answer keeps its proportion (the rubric's 3 of 5 become 4.2 of 7);
* a written answer already graded out of its old maximum is flagged for a second look in
  formgrader (``needs_manual_grade``) and the run says so;
* the verdict cache keys on the exercise code (a fixed check re-grades everyone).
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest

from convkit.grading.rebuild import changed_since_received, nbgrader_checksum, rebuild

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LESSON, NOTEBOOK = "02_im_conv", "im_conv"

pytestmark = [pytest.mark.slow]


# --------------------------------------------------------------------------- a tiny course


def _solution_notebook(points: float = 5, discuss_points: float = 1) -> nbformat.NotebookNode:
    """The instructor's source notebook of the tiny lesson."""
    from convkit import exercises

    right = exercises.get("im_conv").right
    assert right is not None
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                                  "name": "python3"}, "language_info": {"name": "python"}}

    def meta(grade_id: str, *, grade: bool, solution: bool, locked: bool,
             points: float | None = None) -> dict[str, Any]:
        info: dict[str, Any] = {"grade_id": grade_id, "grade": grade, "solution": solution,
                                "locked": locked, "schema_version": 3, "task": False}
        if points is not None:
            info["points"] = points
        return {"nbgrader": info}

    nb.cells = [
        nbformat.v4.new_markdown_cell("# im_conv\n\nSlide the kernel over the image."),
        nbformat.v4.new_code_cell("import numpy as np\n\nfrom convkit.exercises import "
                                  "check_im_conv",
                                  metadata=meta("setup", grade=False, solution=False,
                                                locked=True)),
        nbformat.v4.new_code_cell("### BEGIN SOLUTION\n" + right.source.strip()
                                  + "\n### END SOLUTION",
                                  metadata=meta("answer_im_conv", grade=False, solution=True,
                                                locked=False)),
        nbformat.v4.new_code_cell("check_im_conv(im_conv)\n### BEGIN HIDDEN TESTS\n"
                                  "check_im_conv(im_conv, hidden=True)\n### END HIDDEN TESTS",
                                  metadata=meta("test_im_conv", grade=True, solution=False,
                                                locked=True, points=points)),
        nbformat.v4.new_code_cell("print(im_conv(np.ones((3, 3)), np.ones((2, 2))))"),
        nbformat.v4.new_markdown_cell("Why is a larger blur slower? *(model answer)*",
                                      metadata=meta("discuss_larger_blur", grade=True,
                                                    solution=True, locked=False,
                                                    points=discuss_points)),
    ]
    return nb


def make_course(root: Path, points: float = 5, discuss_points: float = 1) -> Path:
    """Write the tiny lesson's ``solutions/`` under ``root`` and release it into ``course/``."""
    path = root / "solutions" / LESSON / f"{NOTEBOOK}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(_solution_notebook(points, discuss_points), path)
    (root / "course").mkdir(exist_ok=True)
    import argparse
    import contextlib
    import io

    from convkit import release

    with contextlib.redirect_stdout(io.StringIO()):  # `convkit release LESSON --root ROOT`
        assert release.run(argparse.Namespace(assignments=[LESSON], root=root)) in (0, None)
    return root / "course" / LESSON / f"{NOTEBOOK}.ipynb"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = str(BIN) + os.pathsep + env.get("PATH", "")
    env.pop("CONVKIT_COURSE_ROOT", None)
    return env


def grade(root: Path, submissions: Path, out: Path, umask: int = 0o022
          ) -> subprocess.CompletedProcess[str]:
    """The real ``convkit grade`` on the tiny course (in a subprocess, with ``umask``)."""
    return subprocess.run(
        [str(BIN / "convkit"), "grade", str(submissions), "--out", str(out), "--timeout", "3",
         "--no-progress", "--course-root", str(root)],
        cwd=root, env=_env(), capture_output=True, text=True, timeout=600,
        preexec_fn=lambda: os.umask(umask))


def rows(out: Path) -> dict[str, dict[str, str]]:
    import csv

    with (out / "grades.csv").open(newline="", encoding="utf-8") as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


def cell(nb: dict[str, Any], grade_id: str) -> dict[str, Any]:
    return next(c for c in nb["cells"]
                if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id)


def answered(release: Path, source: str | None = None) -> dict[str, Any]:
    """The released notebook with the answer cell holding ``source`` (the right answer)."""
    from convkit import exercises

    nb = json.loads(release.read_text(encoding="utf-8"))
    right = exercises.get("im_conv").right
    assert right is not None
    cell(nb, "answer_im_conv")["source"] = source if source is not None else right.source
    cell(nb, "discuss_larger_blur")["source"] = "Each output pixel sums more products."
    return nb


#: an im_conv that keeps the input's dtype: integer images lose their fractions
PARTIAL = '''def im_conv(im, kernel):
    kh, kw = kernel.shape
    out = np.zeros((im.shape[0] - kh + 1, im.shape[1] - kw + 1), dtype=im.dtype)
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = (im[r:r + kh, c:c + kw] * kernel).sum()
    return out
'''


def write(submissions: Path, student: str, nb: dict[str, Any]) -> None:
    path = submissions / student / LESSON / f"{NOTEBOOK}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")


# --------------------------------------------------------------------------- units


def _released_test_cell(points: float) -> dict[str, Any]:
    info = {"grade_id": "test_f", "grade": True, "solution": False, "locked": True,
            "points": points}
    info["checksum"] = nbgrader_checksum("check_f(f)", "code", info)
    return {"cell_type": "code", "source": "check_f(f)", "metadata": {"nbgrader": info},
            "outputs": [], "execution_count": None}


def _release(points: float) -> dict[str, Any]:
    answer = {"cell_type": "code", "source": "raise NotImplementedError()", "outputs": [],
              "execution_count": None, "metadata": {"nbgrader": {
                  "grade_id": "answer_f", "solution": True, "grade": False, "locked": False}}}
    return {"cells": [answer, _released_test_cell(points)], "metadata": {}}


def test_our_checksum_is_nbgraders() -> None:
    from nbgrader.utils import compute_checksum

    release = make_release_cells()
    for item in release:
        node = nbformat.from_dict(item)
        info = node.metadata.nbgrader
        assert nbgrader_checksum(node.source, node.cell_type, info) == compute_checksum(node)


def make_release_cells() -> list[dict[str, Any]]:
    cells = _release(5)["cells"]
    cells.append({"cell_type": "markdown", "source": "x", "metadata": {"nbgrader": {
        "grade_id": "discuss_x", "grade": True, "solution": True, "locked": False,
        "points": 2.5}}})
    cells.append({"cell_type": "code", "source": "import numpy", "outputs": [],
                  "execution_count": None, "metadata": {"nbgrader": {
                      "grade_id": "setup", "grade": False, "solution": False, "locked": True}}})
    return cells


def test_an_untouched_cell_of_an_older_release_is_no_finding() -> None:
    student = copy.deepcopy(_release(5))
    student["cells"][0]["source"] = "def f():\n    return 1"
    result = rebuild(student, _release(7))  # re-weighted since the student got it
    assert [f.kind for f in result.findings] == []
    assert result.notebook["cells"][1]["metadata"]["nbgrader"]["points"] == 7


@pytest.mark.parametrize("change, kind, words", [
    (lambda c: c["metadata"]["nbgrader"].update(points=100), "test_points_changed",
     "changed from 5 to 100"),
    (lambda c: c.update(source="pass"), "test_edited", "was edited"),
    (lambda c: c.update(source=""), "test_emptied", "was emptied"),
    (lambda c: c["metadata"]["nbgrader"].pop("points"), "test_points_changed", "removed"),
])
def test_a_students_change_still_costs_the_points(change, kind: str, words: str) -> None:
    for now in (5, 7):  # the instructor kept or changed the weight since
        student = copy.deepcopy(_release(5))
        change(student["cells"][1])
        found = [f for f in rebuild(student, _release(now)).findings if f.costs_points]
        assert found, (now, kind)
        assert found[0].kind == kind or (now == 7 and found[0].kind == "test_edited"), found
        if now == 5 or found[0].kind == kind:
            assert words in found[0].message or "changed after you received" in \
                found[0].message, found[0].message


def test_points_changed_message_says_what_the_student_got() -> None:
    student = copy.deepcopy(_release(5))
    student["cells"][1]["metadata"]["nbgrader"]["points"] = 100
    message = rebuild(student, _release(7)).findings[0].message
    assert "changed after you received it" in message  # 5 -> 100, while the release says 7
    student = copy.deepcopy(_release(5))
    student["cells"][1]["source"] = "pass"
    found = rebuild(student, _release(7)).findings
    assert [f.kind for f in found] == ["test_edited"]  # the source, not the instructor's points
    assert "points changed" not in found[0].message and "was edited" in found[0].message


def test_without_a_checksum_the_current_release_decides() -> None:
    student = copy.deepcopy(_release(5))
    del student["cells"][1]["metadata"]["nbgrader"]["checksum"]
    assert changed_since_received(student["cells"][1], _release(5)["cells"][1]) is None
    assert rebuild(student, _release(5)).findings == []
    assert [f.kind for f in rebuild(student, _release(7)).findings] == ["test_points_changed"]


def test_the_verdict_cache_keys_on_the_exercise_code() -> None:
    """A fixed check (convkit/exercises/<name>.py) changes every key: everyone is re-graded."""
    from convkit.grading import cache

    files = set(cache._VERSIONED_FILES)
    package = REPO / "convkit"
    for module in (package / "exercises").glob("*.py"):
        assert f"exercises/{module.name}" in files, module
    for module in (package / "checking").glob("*.py"):
        assert f"checking/{module.name}" in files, module
    key = dict(student="ada", assignment=LESSON, name="im_conv", sources=["x"], findings=[],
               salt="s", timeout=3)
    before = cache.question_key(**key)
    cache.grader_version.cache_clear()
    real = cache._VERSIONED_FILES
    try:
        cache._VERSIONED_FILES = tuple(f for f in real if f != "exercises/im_conv.py")
        assert cache.question_key(**key) != before  # the exercise's code is in the key
    finally:
        cache._VERSIONED_FILES = real
        cache.grader_version.cache_clear()
    assert cache.question_key(**key) == before


# --------------------------------------------------------------------------- end to end


@pytest.fixture(scope="module")
def reweighted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The tiny class graded, re-weighted (5 -> 7, written answer 1 -> 2) and graded again."""
    tmp = tmp_path_factory.mktemp("reweighting")
    root, submissions, out = tmp / "course-root", tmp / "submitted", tmp / "out"
    release = make_course(root)
    write(submissions, "ada_correct", answered(release))
    points = answered(release)
    cell(points, "test_im_conv")["metadata"]["nbgrader"]["points"] = 100
    write(submissions, "tom_points", points)
    write(submissions, "pat_partial", answered(release, PARTIAL))
    first = grade(root, submissions, out)
    assert first.returncode == 0, first.stderr[-3000:]
    before = rows(out)
    # a person grades ada's written answer out of its maximum, 1
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gradebook:
        entry = gradebook.find_grade("discuss_larger_blur", NOTEBOOK, LESSON, "ada_correct")
        entry.manual_score = 1.0
        entry.needs_manual_grade = False
        gradebook.db.commit()
    make_course(root, points=7, discuss_points=2)  # the instructor re-weights and re-releases
    second = grade(root, submissions, out)
    assert second.returncode == 0, second.stderr[-3000:]
    return {"before": before, "after": rows(out), "out": out, "run": second}


def test_before_reweighting(reweighted: dict[str, Any]) -> None:
    before = reweighted["before"]
    assert before["ada_correct"]["auto_score"] == "5", before["ada_correct"]
    assert before["tom_points"]["auto_score"] == "0"
    assert "changed from 5 to 100" in before["tom_points"]["notes"]
    assert 0 < float(before["pat_partial"]["auto_score"]) < 5, before["pat_partial"]


def test_the_all_correct_student_gets_the_new_weight_in_full(reweighted: dict[str, Any]) -> None:
    ada = reweighted["after"]["ada_correct"]
    assert (ada["auto_score"], ada["auto_max"]) == ("7", "7"), ada
    assert ada["questions"] == "im_conv 7/7"
    assert "changed" not in ada["notes"] and "fresh copy" not in ada["notes"], ada["notes"]
    page = (reweighted["out"] / "feedback" / "ada_correct" / LESSON
            / f"{NOTEBOOK}.html").read_text(encoding="utf-8")
    assert "fresh copy" not in page and "points changed" not in page


def test_a_student_who_changed_the_points_still_gets_nothing(
        reweighted: dict[str, Any]) -> None:
    after = reweighted["after"]
    assert after["tom_points"]["auto_score"] == "0", after["tom_points"]
    assert after["tom_points"]["auto_max"] == "7"
    assert "test_im_conv" in after["tom_points"]["notes"]


def test_partial_credit_keeps_its_proportion(reweighted: dict[str, Any]) -> None:
    before = float(reweighted["before"]["pat_partial"]["auto_score"])
    after = float(reweighted["after"]["pat_partial"]["auto_score"])
    assert after == pytest.approx(before * 7 / 5), (before, after)


def test_a_written_answers_new_maximum_goes_back_to_a_person(reweighted: dict[str, Any]) -> None:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{reweighted['out'] / 'gradebook.db'}") as gradebook:
        entry = gradebook.find_grade("discuss_larger_blur", NOTEBOOK, LESSON, "ada_correct")
        assert entry.max_score == 2
        assert entry.manual_score is None and entry.needs_manual_grade, entry.to_dict()
        flagged = {g.student.id for g in gradebook.find_notebook(NOTEBOOK, LESSON)
                   .submissions if g.needs_manual_grade}
        assert "ada_correct" in flagged  # formgrader's "needs manual grade"
    assert "ada_correct/02_im_conv discuss_larger_blur: graded 1 out of 1, now worth 2" in \
        reweighted["run"].stderr, reweighted["run"].stderr[-2000:]
    ada = reweighted["after"]["ada_correct"]
    assert ada["manual_pending"] == "2", ada
    assert "second look" in ada["notes"]
