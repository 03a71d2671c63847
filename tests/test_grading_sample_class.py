"""The sample class through ``convkit grade`` (the real command, in a subprocess).

* every student gets exactly the expected points per question
  (:func:`convkit.grading.sample_class.expected_points`);
* the submissions folder is byte-for-byte unchanged; finn's background process never
  touches grades.csv or the gradebook, even seconds after the run;
* a second run changes nothing (same grades.csv, gradebook and feedback; nothing regraded);
* (a run killed part-way and resumed is tests/test_grading_dask.py's, on two lessons);
* the feedback shows each of ben's mistakes by name (and, for his im_conv, the kernel his
  function applies), partial credit as points and criteria, dev's page says why it could
  not be graded, and no page shows a line of the solutions' hidden tests.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from convkit import exercises
from convkit.checking.diagnosing import diagnose
from convkit.checking.types import Verdict
from convkit.course import ASSIGNMENTS
from convkit.grading.rebuild import question_of
from convkit.grading.report import read_grades_csv
from convkit.grading.sample_class import STUDENTS, expected_points

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grading")]

ROOT = Path(__file__).resolve().parent.parent
CONVKIT = Path(sys.executable).with_name("convkit")
SALT = "sample-class-test-salt"
NOTEBOOKS = {a.name: a.notebook for a in ASSIGNMENTS}


def _env() -> dict[str, str]:
    env = dict(os.environ, CONVKIT_GRADING_SALT=SALT, MPLBACKEND="Agg")
    env.pop("CONVKIT_COURSE_ROOT", None)
    return env


def _grade(submissions: Path, out: Path, jobs: int) -> list[str]:
    return [str(CONVKIT), "grade", str(submissions), "--out", str(out), "--jobs", str(jobs),
            "--timeout", "3", "--no-progress", "--course-root", str(ROOT)]


def _run(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, env=_env(), capture_output=True, text=True, timeout=600)


def _hash_tree(folder: Path, skip: tuple[str, ...] = ()) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*"))
            if p.is_file() and not any(part in skip for part in p.relative_to(folder).parts)}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("sample")
    submissions = base / "class"
    made = _run([str(CONVKIT), "sample-class", "--out", str(submissions), "--course-root",
                 str(ROOT)])
    assert made.returncode == 0, made.stderr
    before = _hash_tree(submissions)

    clean = base / "clean"
    first = _run(_grade(submissions, clean, jobs=2))
    assert first.returncode == 0, first.stderr[-3000:]
    snapshot = {"grades.csv": (clean / "grades.csv").read_bytes(),
                "gradebook.db": (clean / "gradebook.db").read_bytes()}
    time.sleep(5)  # finn's background process would strike 3 s after it started
    after_wait = {"grades.csv": (clean / "grades.csv").read_bytes(),
                  "gradebook.db": (clean / "gradebook.db").read_bytes()}
    feedback_before = _hash_tree(clean / "feedback")
    second = _run(_grade(submissions, clean, jobs=2))

    return {
        "submissions": submissions, "before": before, "after": _hash_tree(submissions),
        "clean": clean, "first": first, "second": second, "snapshot": snapshot,
        "after_wait": after_wait, "feedback_before": feedback_before,
    }


def _points(rows: list[dict[str, str]]) -> dict[tuple[str, str, str], int]:
    found = {}
    for row in rows:
        for item in filter(None, row["questions"].split("; ")):
            name, score = item.rsplit(" ", 1)
            found[(row["student"], row["assignment"], name)] = float(score.split("/")[0])
        if row["status"] != "graded":
            for ex in exercises.for_assignment(row["assignment"]):
                found[(row["student"], row["assignment"], ex.name)] = float(row["score"])
    return found


def test_every_student_gets_exactly_the_expected_points(runs):
    rows = read_grades_csv(runs["clean"] / "grades.csv")
    expected = expected_points(ROOT)
    assert _points(rows) == expected
    assert {r["student"] for r in rows} == set(STUDENTS)
    assert len(rows) == len({(r["student"], r["assignment"]) for r in rows})  # one row each
    broken = [r for r in rows if r["status"] != "graded"]
    assert [(r["student"], r["assignment"], r["status"]) for r in broken] == [
        ("dev_broken_json", "02_im_conv", "ungradable")]
    assert "not valid JSON" in broken[0]["notes"]
    for row in rows:
        auto = sum(v for (s, a, _), v in expected.items()
                   if s == row["student"] and a == row["assignment"])
        assert float(row["auto_score"]) == auto
        assert float(row["score"]) == auto  # written answers wait for a person


def test_the_table_is_printed_with_totals(runs):
    out = runs["first"].stdout
    header = out.splitlines()[0].split()
    assert header[0] == "student" and header[-1] == "total"
    expected = expected_points(ROOT)
    ada_auto = sum(v for (s, _, _), v in expected.items() if s == "ada_correct")
    ada = next(line for line in out.splitlines() if line.startswith("ada_correct"))
    assert ada.split()[-1].startswith(f"{ada_auto}/")
    assert (runs["clean"] / "scores.png").stat().st_size > 5000
    assert "grades:" in out and "feedback:" in out


def test_the_readme_shows_the_table_make_run_prints(runs):
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = re.search(r"<!-- BEGIN sample-table -->\n```\n(.*?)\n```", readme, re.DOTALL)
    assert shown, "README.md lost its sample-table block"
    printed = runs["first"].stdout.split("\ngrades:")[0].strip()
    assert shown.group(1).strip() == printed


def test_submissions_are_byte_for_byte_unchanged(runs):
    assert runs["before"] == runs["after"]


def test_nothing_touches_the_results_after_the_run(runs):
    assert runs["after_wait"] == runs["snapshot"]


def test_a_second_run_changes_nothing(runs):
    assert runs["second"].returncode == 0, runs["second"].stderr[-2000:]
    assert "autograded 0 notebook(s)" in runs["second"].stderr
    clean = runs["clean"]
    assert (clean / "grades.csv").read_bytes() == runs["snapshot"]["grades.csv"]
    assert (clean / "gradebook.db").read_bytes() == runs["snapshot"]["gradebook.db"]
    assert _hash_tree(clean / "feedback") == runs["feedback_before"]
    assert runs["second"].stdout == runs["first"].stdout


def _page(runs, student: str, assignment: str) -> str:
    path = runs["clean"] / "feedback" / student / assignment / f"{NOTEBOOKS[assignment]}.html"
    return " ".join(html.unescape(path.read_text(encoding="utf-8")).split())


def _first_hint(name: str, source: str) -> Verdict:
    """What the check engine says, in this process, about the first failing visible case."""
    from convkit.core import im_conv

    ex = exercises.get(name)
    namespace = {"np": np, "im_conv": im_conv}
    exec(source, namespace)  # ben's answers are trusted test data here
    for case in ex.cases():
        if ex.kind == "value":
            verdict = diagnose(ex, case, namespace[name])
        else:
            verdict = diagnose(ex, case, namespace[name](*case.copy_args()))
        if not verdict.ok:
            return verdict
    raise AssertionError(f"ben's {name} passes every visible case")


@pytest.mark.parametrize("name", [ex.name for ex in exercises.all_exercises() if ex.wrong])
def test_ben_sees_each_mistake_named_in_his_feedback(runs, name):
    ex = exercises.get(name)
    verdict = _first_hint(name, ex.wrong.source)
    assert verdict.mistake not in (None, "unrecognised", "raised"), (name, verdict.mistake)
    page = _page(runs, "ben_mistakes", ex.assignment)
    assert " ".join(verdict.title.split()) in page, (name, verdict.title)
    assert f"✘ {name}:" in page
    points = runs_points(runs)[("ben_mistakes", ex.assignment, name)]
    assert points == ex.wrong.points
    if 0 < points < ex.points:  # partial credit: the points and the criteria are shown
        assert f"({points:g} of {ex.points:g} points)" in page
        assert f"Points: {points:g} of {ex.points:g}" in page


def runs_points(runs) -> dict[tuple[str, str, str], float]:
    return _points(read_grades_csv(runs["clean"] / "grades.csv"))


def test_bens_im_conv_feedback_shows_the_kernel_his_function_applies(runs):
    page = _page(runs, "ben_mistakes", "02_im_conv")
    assert ("your function applies [[6, 5, 4], [3, 2, 1]] where [[1, 2, 3], [4, 5, 6]] was "
            "expected") in page
    assert "Points: 0 of 5" in page and "✘ inputs left unmodified" in page


def test_the_feedback_metadata_lists_every_criterion(runs):
    path = next((runs["clean"] / ".nbgrader" / "autograded").glob(
        "ben_mistakes/05_opencv/*.ipynb"))
    meta = json.loads(path.read_text(encoding="utf-8"))["metadata"]["convkit"]["verdicts"]
    entry = meta["opencv_im_conv"]
    ex = exercises.get("opencv_im_conv")
    assert entry["score"] == ex.wrong.points and entry["max_score"] == ex.points
    assert [c["id"] for c in entry["criteria"]] == [c.id for c in ex.rubric]
    assert {tuple(sorted(c)) for c in entry["criteria"]} == {("id", "met", "points", "title")}
    assert [c["met"] for c in entry["criteria"]] == [True, True, False, True]


def test_dev_is_told_why_the_notebook_could_not_be_graded(runs):
    page = _page(runs, "dev_broken_json", "02_im_conv")
    assert "could not be graded" in page and "not valid JSON" in page
    assert "Score: 0 /" in page


def test_eve_is_told_her_loop_was_stopped(runs):
    page = _page(runs, "eve_infinite_loop", "02_im_conv")
    assert "ran for more than 3 s and was stopped" in page


def _hidden_test_lines() -> set[str]:
    lines = set()
    for path in (ROOT / "solutions").glob("*/*.ipynb"):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            source = "".join(cell["source"])
            for block in re.findall(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", source,
                                    flags=re.DOTALL):
                lines |= {line.strip() for line in block.splitlines() if line.strip()}
    return lines


def test_no_feedback_page_shows_hidden_tests(runs):
    hidden = _hidden_test_lines()
    assert hidden, "the solutions have hidden tests"
    pages = list((runs["clean"] / "feedback").rglob("*.html"))
    assert len(pages) == len(STUDENTS) * len(expected_points_assignments())
    for page in pages:
        text = html.unescape(page.read_text(encoding="utf-8"))
        assert "HIDDEN TESTS" not in text, page
        for line in hidden:
            assert line not in text, (page, line)


def expected_points_assignments() -> set[str]:
    return {assignment for (_, assignment, _) in expected_points(ROOT)}


def test_every_test_cell_of_every_page_has_a_verdict(runs):
    for page in (runs["clean"] / "feedback").rglob("*.html"):
        if page.parts[-3] == "dev_broken_json" and page.parts[-2] == "02_im_conv":
            continue
        text = html.unescape(page.read_text(encoding="utf-8"))
        names = {question_of(g) for g in re.findall(r'id="(test_[a-z_0-9]+)"', text)}
        names |= set(re.findall(r"[✔✘] ([a-z_0-9]+):", text))
        for name in names - {None}:
            assert re.search(rf"[✔✘] {name}:", text), (page, name)
        assert "Your feedback: what passed and what to fix" in text


def test_written_answers_graded_by_a_person_reach_grades_and_feedback(runs, tmp_path):
    from nbgrader.api import Gradebook

    out = tmp_path / "out"
    shutil.copytree(runs["clean"], out)
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gradebook:
        notebook = gradebook.find_submission_notebook("im_conv", "02_im_conv", "ada_correct")
        written = [g for g in notebook.grades if g.cell.cell_type == "markdown"]
        assert written and all(g.needs_manual_grade for g in written)
        for grade in written:
            grade.manual_score = grade.max_score
            grade.needs_manual_grade = False
        gradebook.db.commit()
    again = _run(_grade(runs["submissions"], out, jobs=2))
    assert again.returncode == 0, again.stderr[-2000:]
    assert "autograded 0 notebook(s)" in again.stderr
    assert "refreshed the feedback of 1 notebook(s)" in again.stderr
    rows = {(r["student"], r["assignment"]): r for r in read_grades_csv(out / "grades.csv")}
    ada = rows["ada_correct", "02_im_conv"]
    assert float(ada["score"]) == float(ada["max_score"]) and float(ada["manual_pending"]) == 0
    page = (out / "feedback" / "ada_correct" / "02_im_conv" / "im_conv.html").read_text()
    assert "written answer: graded by your instructor" in html.unescape(page)
