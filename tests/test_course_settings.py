"""The course's settings in one place, and the course's own gradebook as the one truth.

``autograder/nbgrader_config.py`` names the course id and the exchange; nbgrader run from
``autograder/`` and ``convkit grade`` (its work course and workers) read them there. With
``--course-gradebook`` ``convkit grade`` grades into the course's gradebook and folders, so
the whole term runs on one gradebook: ``nbgrader release_assignment``, students'
``fetch_assignment`` and ``submit`` (their own HOME, the exchange from their config),
``nbgrader collect``, ``convkit grade --course-gradebook``, a written answer graded (as
formgrader does: nbgrader's gradebook API), ``convkit grade`` again, ``nbgrader export``,
``release_feedback`` and the students' ``fetch_feedback``. Real commands, no mocks.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest
from handins import answered_notebook, grade_rows
from test_late_work import env, grade, make_course
from traitlets.config import Config

from convkit.course import DEFAULT_COURSE_ID, course_settings, settings_course_id, shared_settings
from convkit.grading.cli import add_arguments, build_context, read_settings
from convkit.grading.workcourse import USER_MARKER, WorkCourse, user_lines, user_settings

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
COURSE_ID = "conv-2027"


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="convkit grade")
    add_arguments(parser)
    return parser.parse_args(list(argv))


# settings, no grading --------------------------------------------------------------------------
def test_the_default_course_id_is_the_only_hard_coded_one():
    settings = course_settings(REPO)
    assert settings_course_id(settings) == DEFAULT_COURSE_ID == "convolution"
    text = "\n".join(path.read_text(encoding="utf-8") for path in (REPO / "convkit").rglob("*.py"))
    assert text.count('"convolution"') == 1  # DEFAULT_COURSE_ID


def test_course_id_and_exchange_come_from_the_course_config(tmp_path):
    course = make_course(tmp_path, f'c.CourseDirectory.course_id = "{COURSE_ID}"\n'
                                   'c.Exchange.root = "/srv/nbgrader/exchange"\n')
    settings = course_settings(course)
    assert settings["CourseDirectory"] == {"course_id": COURSE_ID}
    assert settings["Exchange"] == {"root": "/srv/nbgrader/exchange"}
    context = build_context(_args("--out", str(tmp_path / "out")), course, tmp_path)
    assert context.shared_config().Exchange.root == "/srv/nbgrader/exchange"
    work = WorkCourse(context)
    assert work.config().CourseDirectory.course_id == COURSE_ID
    work.root.mkdir(parents=True)
    work.write_config()
    from traitlets.config.loader import PyFileConfigLoader

    loaded = PyFileConfigLoader("nbgrader_config.py", path=str(work.root)).load_config()
    assert loaded.CourseDirectory.course_id == COURSE_ID
    assert loaded.Exchange.root == "/srv/nbgrader/exchange"
    assert loaded.CourseDirectory.db_url == f"sqlite:///{tmp_path / 'out' / 'gradebook.db'}"


def test_a_plugin_class_travels_by_name():
    from convkit.grading.late import PerDayPenalty

    c = Config()
    c.AssignLatePenalties.plugin_class = PerDayPenalty
    c.PerDayPenalty.fraction_per_day = 0.25
    assert shared_settings(c) == {
        "AssignLatePenalties": {"plugin_class": "convkit.grading.late.PerDayPenalty"},
        "PerDayPenalty": {"fraction_per_day": 0.25}}
    local = type("Local", (), {"__module__": "__main__"})
    c.AssignLatePenalties.plugin_class = local
    with pytest.raises(ValueError, match="importable|module"):
        shared_settings(c)


def test_an_older_work_course_config_keeps_the_instructors_lines():
    legacy = ('"""nbgrader settings of the work course written by `convkit grade`."""\n\n'
              "from pathlib import Path\n\nfrom convkit.course import nbgrader_config\n\n"
              "here = Path(__file__).resolve().parent\nc = get_config()  # noqa: F821\n"
              "c.merge(nbgrader_config(here, db_url=f\"sqlite:///{here.parent}\",\n"
              "                        submitted='submitted', autograded='autograded',\n"
              "                        feedback='feedback'))\n"
              "c.RebuildFromRelease.release_root = str(here / 'students-release')\n"
              "c.SandboxChecks.timeout = 10.0\n"
              "c.AssignLatePenalties.plugin_class = 'nbgrader.plugins.LateSubmissionPlugin'\n"
              "c.LateSubmissionPlugin.penalty_method = 'zero'\n")
    assert user_lines(legacy) == (
        "c.AssignLatePenalties.plugin_class = 'nbgrader.plugins.LateSubmissionPlugin'\n"
        "c.LateSubmissionPlugin.penalty_method = 'zero'\n")
    assert user_lines(f"head\n{USER_MARKER}\nc.Exchange.root = '/x'\n") == \
        "c.Exchange.root = '/x'\n"


def test_the_work_course_lines_override_the_course_settings(tmp_path):
    course = make_course(tmp_path / "course", 'c.LateSubmissionPlugin.penalty_method = "none"\n')
    out = tmp_path / "out"
    (out / ".nbgrader").mkdir(parents=True)
    (out / ".nbgrader" / "nbgrader_config.py").write_text(
        f"anything\n{USER_MARKER}\nc.LateSubmissionPlugin.penalty_method = 'zero'\n")
    assert user_settings(out) == {"LateSubmissionPlugin": {"penalty_method": "zero"}}
    settings, _ = read_settings(course, out)
    assert settings["LateSubmissionPlugin"] == {"penalty_method": "zero"}


def test_course_gradebook_option(tmp_path, capsys):
    course = make_course(tmp_path / "course", "")
    context = build_context(_args("--out", str(tmp_path / "out"), "--course-gradebook"),
                            course, tmp_path)
    assert context.course_gradebook
    assert context.gradebook == str(course / "autograder" / "gradebook.db")
    assert context.db_url is None
    work = WorkCourse(context)
    assert work.db_url == f"sqlite:///{course / 'autograder' / 'gradebook.db'}"
    assert work.copies("feedback", "ada", "02_im_conv")[-1] == \
        course / "autograder" / "feedback" / "ada" / "02_im_conv"
    with pytest.raises(SystemExit):
        _args("--out", "x", "--course-gradebook", "--db", "postgresql://h/db")
    assert "not allowed with" in capsys.readouterr().err


def test_a_bad_due_date_is_a_usage_error(tmp_path):
    """Named before any grading (``convkit grade`` prints it and exits with status 2)."""
    course = make_course(tmp_path / "course",
                         'c.LateWork.duedates = {"02_im_conv": "next friday-ish"}\n')
    with pytest.raises(ValueError, match=r"LateWork.duedates\['02_im_conv'\]"):
        read_settings(course, tmp_path / "out")


# the term on one gradebook ---------------------------------------------------------------------
def _nbgrader(cwd: Path, *args: str, home: Path | None = None) -> str:
    environment = env()
    if home is not None:  # a student: own HOME (nbgrader's cache, ~/.jupyter config)
        environment["HOME"] = str(home)
        for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR"):
            environment.pop(name, None)
    done = subprocess.run([str(BIN / "nbgrader"), *args], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-3000:])
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def term(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("term")
    exchange = tmp / "exchange"
    exchange.mkdir()
    exchange.chmod(0o777)
    course = make_course(tmp / "course", f'c.CourseDirectory.course_id = "{COURSE_ID}"\n'
                                         f'c.Exchange.root = {str(exchange)!r}\n')
    autograder = course / "autograder"
    _nbgrader(autograder, "release_assignment", "02_im_conv")
    answered = answered_notebook("02_im_conv", "im_conv")
    homes = {}
    for student in ("ada", "ben"):
        home = tmp / "home" / student
        (home / ".jupyter").mkdir(parents=True)
        (home / ".jupyter" / "nbgrader_config.py").write_text(
            f"c = get_config()\nc.CourseDirectory.course_id = {COURSE_ID!r}\n"
            f"c.Exchange.root = {str(exchange)!r}\n")
        _nbgrader(home, "fetch_assignment", "02_im_conv", home=home)
        (home / "02_im_conv" / "im_conv.ipynb").write_text(json.dumps(answered))
        _nbgrader(home, "submit", "02_im_conv", f"--student={student}", home=home)
        homes[student] = home
    _nbgrader(autograder, "collect", "02_im_conv")
    out = tmp / "out"
    grade(course, autograder / "submitted", out, "--course-gradebook")
    first = grade_rows(out)
    return {"tmp": tmp, "course": course, "autograder": autograder, "out": out,
            "exchange": exchange, "homes": homes, "first": first}


def test_collect_keeps_what_release_feedback_needs(term):
    for student in term["homes"]:
        folder = term["autograder"] / "submitted" / student / "02_im_conv"
        assert (folder / "submission_secret.txt").is_file()
        feedback = term["autograder"] / "feedback" / student / "02_im_conv"
        assert (feedback / "im_conv.html").is_file()
        assert ((feedback / "submission_secret.txt").read_bytes()
                == (folder / "submission_secret.txt").read_bytes())
        assert (term["autograder"] / "autograded" / student / "02_im_conv" / "im_conv.ipynb"
                ).is_file()
    assert not (term["out"] / "gradebook.db").exists()  # one gradebook: the course's


def test_manual_grades_survive_and_reach_everything(term):
    """A written answer graded as formgrader does it (nbgrader's gradebook API on the course's
    gradebook), then ``convkit grade`` again: grades.csv, the feedback, nbgrader's export and
    the page students fetch all show it."""
    from nbgrader.api import Gradebook

    db = f"sqlite:///{term['autograder'] / 'gradebook.db'}"
    with Gradebook(db, COURSE_ID) as gb:
        grade_row = gb.find_grade("discuss_uint8", "im_conv", "02_im_conv", "ada")
        grade_row.manual_score = 1.0
        comment = gb.find_comment("discuss_uint8", "im_conv", "02_im_conv", "ada")
        comment.manual_comment = "Well argued: the sum wraps at 256."
        gb.db.commit()
    before = term["first"][("ada", "02_im_conv")]
    done = grade(term["course"], term["autograder"] / "submitted", term["out"],
                 "--course-gradebook")
    assert "refreshed the feedback of 1 notebook" in done.stderr
    rows = grade_rows(term["out"])
    assert float(rows[("ada", "02_im_conv")]["score"]) == float(before["score"]) + 1
    assert rows[("ben", "02_im_conv")] == term["first"][("ben", "02_im_conv")]
    with Gradebook(db, COURSE_ID) as gb:  # the person's grade is still there
        assert gb.find_grade("discuss_uint8", "im_conv", "02_im_conv", "ada"
                             ).manual_score == 1.0
    for page in (term["out"] / "feedback" / "ada" / "02_im_conv" / "im_conv.html",
                 term["autograder"] / "feedback" / "ada" / "02_im_conv" / "im_conv.html"):
        assert "Well argued" in page.read_text(encoding="utf-8")
    _nbgrader(term["autograder"], "export")
    import csv

    with (term["autograder"] / "grades.csv").open(newline="") as handle:
        exported = {row["student_id"]: row for row in csv.DictReader(handle)}
    for student in ("ada", "ben"):
        assert float(exported[student]["score"]) == float(rows[(student, "02_im_conv")]["score"])

    # hand back: release_feedback from autograder/, fetch_feedback as each student
    _nbgrader(term["autograder"], "release_feedback", "02_im_conv")
    for student, home in term["homes"].items():
        _nbgrader(home, "fetch_feedback", "02_im_conv", f"--student={student}", home=home)
        pages = list((home / "02_im_conv" / "feedback").glob("*/im_conv.html"))
        assert len(pages) == 1, pages
        text = pages[0].read_text(encoding="utf-8")
        assert ("Well argued" in text) == (student == "ada")
        assert text == (term["out"] / "feedback" / student / "02_im_conv" / "im_conv.html"
                        ).read_text(encoding="utf-8")


def test_nbgrader_list_in_the_work_course_sees_the_exchange(term):
    listed = _nbgrader(term["out"] / ".nbgrader", "list")
    assert f"{COURSE_ID} 02_im_conv" in listed
