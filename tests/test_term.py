"""The instructor's whole term, with real parts and no mocks (issue 11, item 7).

As root on one machine, the way autograder/README.md ("Running a course on JupyterHub")
sets a course up: a shared nbgrader exchange (``chmod 1777``), the instructor's course
(root's copy of ``solutions/``, ``course/`` and ``autograder/nbgrader_config.py`` with the
course's settings below the merge line: a course id of its own, the exchange, a due date and
a late penalty), and two students who are real Unix users (``useradd``), each configured by
their own ``~/.jupyter/nbgrader_config.py``, running nbgrader as themselves (``runuser``):

1. ``nbgrader release_assignment 01_subimages`` (instructor, from ``autograder/``);
2. both students ``nbgrader fetch_assignment``, answer (ada: the exercises' right answers;
   ben: two mistakes) and ``nbgrader submit``; ben submits after the due date;
3. ``nbgrader collect``; ``convkit grade --course-gradebook`` (the authoritative route: the
   course's own gradebook, so formgrader, ``release_feedback`` and ``export`` see one truth);
4. the written answer graded in formgrader, in Chromium (Playwright), from ``autograder/``;
5. ``convkit grade`` again: the manual grade is kept and counted;
6. ``nbgrader release_feedback``; both students ``nbgrader fetch_feedback`` and find their
   page in their home, with their own score (ben's with the late penalty);
7. ``convkit export``: the wide CSV, one row per student.

With ``$CONVKIT_TEST_POSTGRES_URL`` (``.ci/run`` starts a server) the course's gradebook is a
fresh database on that server, named by ``c.CourseDirectory.db_url`` as the guide says, so
formgrader and both grading runs share it there; otherwise it is ``autograder/gradebook.db``.

Skipped (with the reason) when not root or ``useradd`` is missing, unless
``CONVKIT_REQUIRE_TERM=1`` (CI), which makes that a failure.
"""

from __future__ import annotations

import csv
import html
import json
import os
import re
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import INSTALL_HINT, LabServer, browser_context, find_chromium
from term_helpers import (
    BIN,
    REQUIRE,
    Student,
    Term,
    add_settings,
    answer,
    copy_course,
    instructor_env,
    missing_prerequisite,
    postgres_gradebook,
    run,
    student_python,
    term_folder,
    wait_all,
)

from convkit import exercises

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]

LESSON, NOTEBOOK = "01_subimages", "subimages"
WRITTEN = "discuss_zero_padding"
#: ada answers everything right; ben gets two of the three functions wrong
FUNCTIONS = ("window_choice", "conv_output_shape", "get_subimages")
WRONG = ("window_choice", "get_subimages")
ANSWERS = {
    "ada": {f"answer_{name}": exercises.get(name).right.source for name in FUNCTIONS},
    "ben": {f"answer_{name}": getattr(exercises.get(name), "wrong" if name in WRONG else "right")
            .source for name in FUNCTIONS},
}
PROSE = {"ada": "Zero padding adds a border of zeros so the window fits at the edges.",
         "ben": "Padding keeps the output as large as the image."}
MANUAL = {"ada": 1.0, "ben": 0.5}
COMMENT = "Right: and the output keeps the image's size."
PENALTY_PER_DAY = 0.5  # ben is seconds late: one day started, half his score


def _points(release: Path) -> dict[str, float]:
    """The points of each graded cell of the released notebook, by grade id."""
    nb = json.loads(release.read_text(encoding="utf-8"))
    meta = (cell["metadata"].get("nbgrader", {}) for cell in nb["cells"])
    return {m["grade_id"]: float(m["points"]) for m in meta if m.get("grade")}


def _cell_source(notebook: Path, grade_id: str) -> str:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"]
                if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id)
    source = cell["source"]
    return "".join(source) if isinstance(source, list) else source


def _expected(points: dict[str, float]) -> dict[str, float]:
    """The auto-graded points each student earns: a right answer all of its test cell's, each
    of ben's wrong ones none (the exercise modules say so)."""
    assert all(exercises.get(name).wrong.points == 0 for name in WRONG)
    auto = {name: points[f"test_{name}"] for name in FUNCTIONS}
    return {"ada": sum(auto.values()),
            "ben": sum(p for name, p in auto.items() if name not in WRONG)}


def _prerequisites() -> str:
    reason, required = missing_prerequisite(), os.environ.get(REQUIRE) == "1"
    if reason is None and find_chromium() is None:
        reason = INSTALL_HINT
        required = required or os.environ.get("CONVKIT_REQUIRE_BROWSER") == "1"
    if reason is not None:
        if required:
            pytest.fail(f"{REQUIRE}=1 (or CONVKIT_REQUIRE_BROWSER=1) but {reason}",
                        pytrace=False)
        pytest.skip(reason)
    return str(find_chromium())


def _instructor(term: Term, *args: str, what: str, **env: str) -> Any:
    """An nbgrader or convkit command of the instructor's, from the course's ``autograder/``."""
    return run([str(BIN / args[0]), *args[1:]], cwd=term.autograder, what=what,
               env=instructor_env(**env))


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def _utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f UTC")


def _manual_score(db: str, student: str) -> tuple[float | None, str | None]:
    """The written answer's manual score and the comment on it, as the gradebook holds them."""
    from nbgrader.api import Gradebook

    with Gradebook(db) as gradebook:
        grade = gradebook.find_grade(WRITTEN, NOTEBOOK, LESSON, student)
        comment = gradebook.find_comment(WRITTEN, NOTEBOOK, LESSON, student)
        return grade.manual_score, comment.manual_comment


def _submission_id(db: str, student: str) -> str:
    from nbgrader.api import Gradebook

    with Gradebook(db) as gradebook:
        return gradebook.find_submission_notebook(NOTEBOOK, LESSON, student).id


def _grade_in_formgrader(context: Any, server: LabServer, db: str, student: str,
                         score: float, comment: str | None, shots: Path) -> None:
    """Open the student's notebook in formgrader, type the written answer's score (and a
    comment), leave the field (formgrader saves on change) and wait until it is stored."""
    page = context.new_page()
    try:
        page.goto(f"{server.url}formgrader/submissions/{_submission_id(db, student)}/"
                  f"?token={server.token}", wait_until="load", timeout=60_000)
        # formgrader's models load after the page: a value typed before its view has drawn
        # the cell (and marked it as needing a manual grade) is lost
        field = page.locator(f"input.score.needs_manual_grade#{WRITTEN}")
        field.wait_for(state="visible", timeout=60_000)
        field.fill(str(score))
        field.press("Tab")
        if comment:
            box = page.locator(f"textarea#{WRITTEN}-comment")
            box.fill(comment)
            box.press("Tab")
        deadline = time.monotonic() + 30
        while _manual_score(db, student) != (score, comment):
            assert time.monotonic() < deadline, (
                f"formgrader did not save {student}'s grade: {_manual_score(db, student)}")
            page.wait_for_timeout(250)
        page.screenshot(path=str(shots / f"formgrader_{student}.png"), full_page=True)
    finally:
        page.close()


def _assignments_in_formgrader(context: Any, server: LabServer) -> str:
    """The text of formgrader's Manage Assignments page once its table is drawn."""
    page = context.new_page()
    try:
        page.goto(f"{server.url}formgrader/?token={server.token}", wait_until="load",
                  timeout=60_000)
        page.locator("#main-table tr", has_text=LESSON).first.wait_for(timeout=60_000)
        return page.locator("#main-table").inner_text()
    finally:
        page.close()


def _page_text(path: Path) -> str:
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", path.read_text(encoding="utf-8"),
                  flags=re.S | re.I)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def test_the_whole_term(playwright_driver: Any, tmp_path: Path) -> None:
    chromium = _prerequisites()
    shots = tmp_path / "screenshots"
    shots.mkdir()
    with term_folder() as term, postgres_gradebook(term.suffix) as gradebook:
        try:
            _play_the_term(term, chromium, playwright_driver, shots, gradebook)
        finally:
            print(term.timing_report())


def _play_the_term(term: Term, chromium: str, driver: Any, shots: Path,
                   gradebook: str | None) -> None:
    course_id = f"conv-term-{term.suffix}"
    salt = term.base / "salt"
    salt.write_text("the term test's own salt\n", encoding="utf-8")
    salt.chmod(0o600)
    out = term.base / "grading"

    with term.step("setup: users, exchange, course"):
        term.exchange.mkdir(mode=0o755)
        term.exchange.chmod(0o1777)  # the guide's `chmod 1777` (mkdir's mode obeys umask)
        copy_course(term, LESSON)
        points = _points(term.course / "course" / LESSON / f"{NOTEBOOK}.ipynb")
        full, auto = sum(points.values()), _expected(points)
        assert points[WRITTEN] == 1.0, points
        add_settings(term, f"c.CourseDirectory.course_id = {course_id!r}\n"
                           f"c.Exchange.root = {str(term.exchange)!r}\n"
                           "c.AssignLatePenalties.plugin_class = "
                           "'convkit.grading.late.PerDayPenalty'\n"
                           f"c.PerDayPenalty.fraction_per_day = {PENALTY_PER_DAY}\n")
        if gradebook:  # the guide's "gradebook on PostgreSQL": the course's db_url names it
            add_settings(term, f"c.CourseDirectory.db_url = {gradebook!r}\n")
        python, how = student_python(term.base)  # the course venv, as other users reach it
        print(f"students' Python: {how}")
        students: dict[str, Student] = {}
        for name in ANSWERS:
            students[name] = term.add_student(name, python)
            students[name].write_config(course_id, term.exchange)
        user = {name: s.user for name, s in students.items()}

    with term.step("release_assignment"):
        done = _instructor(term, "nbgrader", "release_assignment", LESSON,
                           what="nbgrader release_assignment")
        assert "Permissions for exchange directory" not in done.stderr, done.stderr
        released = term.exchange / course_id / "outbound" / LESSON / f"{NOTEBOOK}.ipynb"
        assert released.is_file(), done.stderr[-2000:]

    with term.step("fetch_assignment (both)"):
        wait_all({n: s.start_nbgrader("fetch_assignment", LESSON) for n, s in students.items()},
                 "nbgrader fetch_assignment")
        for name, student in students.items():
            notebook = student.home / LESSON / f"{NOTEBOOK}.ipynb"
            assert notebook.is_file(), f"{name} fetched nothing"
            assert notebook.stat().st_uid == _uid(student.user)
        # what a student's kernel runs first: the lesson's setup cell, as ada, from her copy
        setup = _cell_source(students["ada"].home / LESSON / f"{NOTEBOOK}.ipynb", "setup")
        run(students["ada"].command(str(python), "-c", setup), cwd=students["ada"].home / LESSON,
            what="ada: the setup cell")

    with term.step("answer and submit (ben late)"):
        for name, student in students.items():
            answer(student.home / LESSON / f"{NOTEBOOK}.ipynb",
                   {**ANSWERS[name], WRITTEN: PROSE[name]})
        students["ada"].nbgrader("submit", LESSON)
        due = _utc_now()  # after ada's hand-in, before ben's
        add_settings(term, f"c.LateWork.duedates = {{{LESSON!r}: {due!r}}}\n")
        students["ben"].nbgrader("submit", LESSON)

    with term.step("collect"):
        _instructor(term, "nbgrader", "collect", LESSON, what="nbgrader collect")
        for name in students:
            assert (term.autograder / "submitted" / user[name] / LESSON
                    / f"{NOTEBOOK}.ipynb").is_file(), f"{name}'s hand-in was not collected"

    grade = ("convkit", "grade", str(term.autograder / "submitted"), "--out", str(out),
             "--course-gradebook", "--course-root", str(term.course),
             "--salt-file", str(salt), "--timeout", "5", "--no-progress")
    with term.step("convkit grade"):
        _instructor(term, *grade, what="convkit grade")
        rows = {row["student"]: row for row in _rows(out / "grades.csv")}
        for name in students:
            row = rows[user[name]]
            assert row["status"] == "graded", row
            assert float(row["auto_score"]) == auto[name], row
            assert float(row["max_score"]) == full, row
            assert float(row["manual_pending"]) == 1.0, row
        assert float(rows[user["ada"]]["late_penalty"] or 0) == 0, rows[user["ada"]]
        assert float(rows[user["ben"]]["late_by_seconds"]) > 0, rows[user["ben"]]
        assert float(rows[user["ben"]]["late_penalty"]) > 0, rows[user["ben"]]

    db = gradebook or f"sqlite:///{term.autograder / 'gradebook.db'}"
    assert (term.autograder / "gradebook.db").is_file() == (gradebook is None), db
    print(f"the course's gradebook: {db}")
    with term.step("formgrader in Chromium"):
        server = LabServer(term.autograder, term.base / "formgrader-state").start()
        try:
            with browser_context(driver, chromium) as context:
                listed = _assignments_in_formgrader(context, server)
                assert "released" in listed.lower() and "draft" not in listed.lower(), listed
                for name in students:
                    _grade_in_formgrader(context, server, db, user[name], MANUAL[name],
                                         COMMENT if name == "ada" else None, shots)
        finally:
            server.stop()

    with term.step("convkit grade again"):
        _instructor(term, *grade, what="convkit grade (after formgrader)")
        rows = {row["student"]: row for row in _rows(out / "grades.csv")}
        ada, ben = rows[user["ada"]], rows[user["ben"]]
        assert float(ada["score"]) == full and float(ada["manual_pending"]) == 0, ada
        assert float(ben["manual_pending"]) == 0, ben
        penalty = float(ben["late_penalty"])
        assert 0 < penalty <= auto["ben"] + MANUAL["ben"], ben
        assert float(ben["score"]) == pytest.approx(auto["ben"] + MANUAL["ben"] - penalty), ben

    with term.step("release_feedback"):
        _instructor(term, "nbgrader", "release_feedback", LESSON, what="nbgrader release_feedback")

    with term.step("fetch_feedback (both)"):
        wait_all({n: s.start_nbgrader("fetch_feedback", LESSON) for n, s in students.items()},
                 "nbgrader fetch_feedback")
        pages = {}
        for name, student in students.items():
            found = sorted((student.home / LESSON / "feedback").glob(f"*/{NOTEBOOK}.html"))
            assert len(found) == 1, f"{name}'s feedback: {found}"
            assert found[0].stat().st_uid == _uid(student.user)
            pages[name] = _page_text(found[0])
        assert f"Score: {full:.1f} / {full:.1f}" in pages["ada"], pages["ada"][:3000]
        assert COMMENT in pages["ada"] and PROSE["ada"] in pages["ada"]
        assert PROSE["ben"] not in pages["ada"] and user["ben"] not in pages["ada"]
        score = float(ben["score"])
        assert f"Score: {score:.1f} / {full:.1f}" in pages["ben"], pages["ben"][:3000]
        assert f"Late submission penalty (Score: -{penalty:.1f})" in pages["ben"], (
            pages["ben"][:3000])

    with term.step("convkit export"):
        wide = term.base / "grades-wide.csv"
        _instructor(term, "convkit", "export", str(out), "--out", str(wide),
                    what="convkit export")
        table = _rows(wide)
        assert table[0]["student"] == "(max points)", table[0]
        assert float(table[0][LESSON]) == full and float(table[0]["total"]) == full
        by_student = {row["student"]: row for row in table[1:]}
        assert set(by_student) == set(user.values()), by_student
        assert float(by_student[user["ada"]][LESSON]) == full
        assert float(by_student[user["ben"]][LESSON]) == float(ben["score"])
        assert float(by_student[user["ben"]]["total"]) == float(ben["score"])


def _uid(user: str) -> int:
    import pwd

    return pwd.getpwnam(user).pw_uid
