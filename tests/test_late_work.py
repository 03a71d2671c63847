"""Late work with ``convkit grade``: due dates, extensions and nbgrader's late penalty.

A tiny class of one lesson (02_im_conv), three students with the right answer and nbgrader's
``timestamp.txt`` / ``submission_secret.txt`` next to their notebooks: ``ada`` on time,
``ben`` a day late, ``cat`` a day late with a two-day extension. The course's settings
(``autograder/nbgrader_config.py`` of a scratch course) give the due date, the extension and
``LateSubmissionPlugin.penalty_method = "zero"``: nbgrader's semantics, a late notebook
scores 0 (the penalty is its score).

Real commands only: ``convkit grade`` (once with ``--jobs 2``, then again with ``--jobs 1``
after an instructor's line in the work course's ``nbgrader_config.py``) and
``nbgrader release_feedback`` from the work course.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from handins import answered_notebook, grade_rows, write_handin

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grading")]

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DUE = "2027-01-15 17:00:00 UTC"
STAMPS = {"ada": "2027-01-15 16:00:00.000000 UTC",   # an hour early
          "ben": "2027-01-16 17:00:00.000000 UTC",   # a day late
          "cat": "2027-01-16 17:00:00.000000 UTC"}   # a day late, with two days' extension
SETTINGS = f'''
c.CourseDirectory.course_id = "conv-late"
c.Exchange.root = EXCHANGE
c.LateWork.duedates = {{"02_im_conv": "{DUE}"}}
c.LateWork.extensions = {{"02_im_conv": {{"cat": {{"days": 2}}}}}}
c.LateSubmissionPlugin.penalty_method = "zero"
'''


def make_course(root: Path, settings: str) -> Path:
    """A scratch course with lesson 2 only and ``settings`` after the course config's merge."""
    for folder in ("solutions", "course"):
        shutil.copytree(REPO / folder / "02_im_conv", root / folder / "02_im_conv")
    (root / "autograder").mkdir()
    config = (REPO / "autograder" / "nbgrader_config.py").read_text(encoding="utf-8")
    (root / "autograder" / "nbgrader_config.py").write_text(config + settings, encoding="utf-8")
    return root


def env() -> dict[str, str]:
    environment = dict(os.environ, CONVKIT_GRADING_SALT="late-work-test")
    environment["PATH"] = f"{BIN}{os.pathsep}{environment.get('PATH', '')}"
    environment.pop("CONVKIT_COURSE_ROOT", None)
    return environment


def grade(course: Path, submissions: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [str(BIN / "convkit"), "grade", str(submissions), "--out", str(out), "--timeout", "5",
         "--no-progress", "--course-root", str(course), *extra],
        cwd=course, env=env(), capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


@pytest.fixture(scope="module")
def late_class(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("late")
    exchange = tmp / "exchange"
    exchange.mkdir()
    exchange.chmod(0o777)
    course = make_course(tmp / "course", f"EXCHANGE = {str(exchange)!r}\n" + SETTINGS)
    submissions = tmp / "submitted"
    notebook = answered_notebook("02_im_conv", "im_conv")
    for student, stamp in STAMPS.items():
        path = write_handin(submissions, student, "02_im_conv", "im_conv", notebook)
        (path.parent / "timestamp.txt").write_text(stamp, encoding="utf-8")
        (path.parent / "submission_secret.txt").write_text(f"secret-of-{student}",
                                                            encoding="utf-8")
    out = tmp / "out"
    grade(course, submissions, out, "--jobs", "2")
    first = grade_rows(out)
    first_feedback = {s: (out / "feedback" / s / "02_im_conv" / "im_conv.html").read_text("utf-8")
                      for s in STAMPS}
    return {"tmp": tmp, "course": course, "submissions": submissions, "out": out,
            "exchange": exchange, "rows": first, "feedback": first_feedback}


def test_on_time_late_and_extended(late_class):
    rows = late_class["rows"]
    ada, ben, cat = (rows[(s, "02_im_conv")] for s in ("ada", "ben", "cat"))
    full = float(ada["score"])  # the right answer, on time
    assert full > 0 and float(ada["auto_score"]) == full
    # on time: no penalty
    assert (float(ada["late_by_seconds"]), float(ada["late_penalty"])) == (0, 0)
    # a day late, penalty "zero": nbgrader takes the whole score, the answers stay right
    assert float(ben["auto_score"]) == full
    assert float(ben["late_by_seconds"]) == 86400
    assert float(ben["late_penalty"]) == full
    assert float(ben["score"]) == 0
    assert "late penalty" in ben["notes"]
    # a day late with two days' extension: on time
    assert (float(cat["score"]), float(cat["late_by_seconds"]), float(cat["late_penalty"])) \
        == (full, 0, 0)


def test_feedback_shows_the_late_penalty(late_class):
    pages = late_class["feedback"]
    assert "Late submission penalty" in pages["ben"]
    assert "Late submission penalty" not in pages["ada"]
    assert "Late submission penalty" not in pages["cat"]


def test_the_gradebook_holds_due_date_extension_and_penalty(late_class):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{late_class['out'] / 'gradebook.db'}", "conv-late") as gb:
        assert str(gb.find_assignment("02_im_conv").duedate) == "2027-01-15 17:00:00"
        assert gb.find_submission("02_im_conv", "cat").extension.days == 2
        assert gb.find_submission("02_im_conv", "ben").total_seconds_late == 86400
        assert gb.find_submission_notebook("im_conv", "02_im_conv", "ben"
                                           ).late_submission_penalty > 0


def test_release_feedback_from_the_work_course(late_class):
    """The exchange and course id come from the course's settings; the pages are named as
    ``fetch_feedback`` looks for them: md5(submission secret + notebook id)."""
    work = late_class["out"] / ".nbgrader"
    for student in STAMPS:
        folder = work / "feedback" / student / "02_im_conv"
        assert (folder / "submission_secret.txt").read_text() == f"secret-of-{student}"
        assert (folder / "timestamp.txt").read_text() == STAMPS[student]
    done = subprocess.run([str(BIN / "nbgrader"), "release_feedback", "02_im_conv"], cwd=work,
                          env=env(), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    released = late_class["exchange"] / "conv-late" / "feedback"
    for student in STAMPS:
        name = hashlib.md5(f"secret-of-{student}im_conv".encode()).hexdigest()  # noqa: S324
        page = (released / f"{name}.html").read_text(encoding="utf-8")
        assert page == (late_class["out"] / "feedback" / student / "02_im_conv"
                        / "im_conv.html").read_text(encoding="utf-8")


def test_an_instructors_line_in_the_work_course_is_kept_and_honoured(late_class):
    """A line added to OUT_DIR/.nbgrader/nbgrader_config.py survives the next run and counts:
    ben gets a day's extension there, so he is on time (a day late, a day granted)."""
    out = late_class["out"]
    config = out / ".nbgrader" / "nbgrader_config.py"
    line = ('c.LateWork.extensions = {"02_im_conv": {"cat": {"days": 2}, '
            '"ben": {"days": 1}}}\n')
    config.write_text(config.read_text(encoding="utf-8") + line, encoding="utf-8")
    grade(late_class["course"], late_class["submissions"], out)
    assert config.read_text(encoding="utf-8").endswith(line)
    rows = grade_rows(out)
    ben = rows[("ben", "02_im_conv")]
    assert (float(ben["late_by_seconds"]), float(ben["late_penalty"])) == (0, 0)
    assert float(ben["score"]) == float(late_class["rows"][("ada", "02_im_conv")]["score"])
    for student in ("ada", "cat"):  # the others: as before
        assert rows[(student, "02_im_conv")] == late_class["rows"][(student, "02_im_conv")]
    page = (out / "feedback" / "ben" / "02_im_conv" / "im_conv.html").read_text("utf-8")
    assert "Late submission penalty" not in page


def test_plain_nbgrader_from_autograder_reads_the_same_settings(late_class):
    """The same course config, plain nbgrader: LateWork puts the due date and the extension
    into autograder/gradebook.db and nbgrader's zero penalty hits ben only."""
    autograder = late_class["course"] / "autograder"
    shutil.copytree(late_class["submissions"], autograder / "submitted")
    for step in (("generate_assignment", "02_im_conv", "--force"),
                 ("autograde", "02_im_conv", "--force"), ("export",)):
        done = subprocess.run([str(BIN / "nbgrader"), *step], cwd=autograder, env=env(),
                              capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, (step, done.stderr[-3000:])
    import csv

    with (autograder / "grades.csv").open(newline="") as handle:
        exported = {row["student_id"]: row for row in csv.DictReader(handle)}
    rows = late_class["rows"]
    for student in STAMPS:
        assert exported[student]["duedate"] == "2027-01-15 17:00:00"
        assert float(exported[student]["late_submission_penalty"]) == float(
            rows[(student, "02_im_conv")]["late_penalty"])
        assert float(exported[student]["score"]) == float(rows[(student, "02_im_conv")]["score"])
