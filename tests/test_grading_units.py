"""The grader's small parts: seeds, cache, lock, report, cell outputs (no sandbox run)."""

from __future__ import annotations

import json
import os
import threading

import nbformat
import numpy as np
import pytest
from nbgrader import utils as nbgrader_utils

from convkit.grading.cache import VerdictCache, question_key, write_atomic
from convkit.grading.lock import OutDirBusy, OutDirLock
from convkit.grading.preprocessor import summary_markdown, verdict_outputs
from convkit.grading.rebuild import Finding
from convkit.grading.report import (
    GRADED,
    UNGRADABLE,
    GradeRow,
    format_table,
    grades_csv,
    plot_histogram,
    read_grades_csv,
    write_grades_csv,
)
from convkit.grading.seeds import DEFAULT_SALT, SALT_ENV, resolve_salt, student_seed
from convkit.grading.verdicts import FAIL, PASS, QuestionVerdict, tampered_verdict

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 32


def test_seeds_are_stable_per_student_and_differ_across_students_salts_and_functions():
    seed = student_seed("salt", "ada", "02_im_conv", "im_conv")
    assert seed == student_seed("salt", "ada", "02_im_conv", "im_conv")
    others = {student_seed("salt", "ben", "02_im_conv", "im_conv"),
              student_seed("pepper", "ada", "02_im_conv", "im_conv"),
              student_seed("salt", "ada", "03_kernel_flipping", "im_conv"),
              student_seed("salt", "ada", "02_im_conv", "convolve")}
    assert seed not in others and len(others) == 4
    # the hidden inputs follow the seed
    from convkit import exercises

    ex = exercises.get("im_conv")
    mine = ex.cases(hidden=True, seed=seed)
    again = ex.cases(hidden=True, seed=seed)
    theirs = ex.cases(hidden=True, seed=student_seed("salt", "ben", "02_im_conv", "im_conv"))
    assert all(np.array_equal(a.args[0], b.args[0]) for a, b in zip(mine, again, strict=True))
    assert not all(a.args[0].shape == b.args[0].shape and np.array_equal(a.args[0], b.args[0])
                   for a, b in zip(mine, theirs, strict=True))


def test_resolve_salt(monkeypatch):
    monkeypatch.delenv(SALT_ENV, raising=False)
    assert resolve_salt(None) == DEFAULT_SALT
    monkeypatch.setenv(SALT_ENV, "from-env")
    assert resolve_salt(None) == "from-env"
    assert resolve_salt("explicit") == "explicit"
    with pytest.raises(TypeError, match="salt"):
        resolve_salt(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="student"):
        student_seed("s", None, "a", "n")  # type: ignore[arg-type]


def _verdict(status=FAIL, picture=PNG, score=None) -> QuestionVerdict:
    return QuestionVerdict("im_conv", status, "2 of 9 checks failed: the kernel is flipped",
                           details="2 of 9 checks failed.\n\nim_conv: the kernel is flipped.",
                           n_cases=9, n_failed=2, mistake="flipped_kernel", picture=picture,
                           seconds=0.25, score=(5 if status == PASS else 0) if score is None
                           else score, max_score=5,
                           criteria=[{"id": "a", "title": "square kernels", "points": 2,
                                      "met": bool(score), "why": "flipped"},
                                     {"id": "b", "title": "uint8 <images>", "points": 3,
                                      "met": False, "why": "wrapped"}])


def test_cache_round_trip_and_corrupt_entries_are_misses(tmp_path):
    cache = VerdictCache(tmp_path)
    key = question_key(student="ada", assignment="02_im_conv", name="im_conv",
                       sources=["def im_conv(im, kernel): ..."], findings=[], salt="s",
                       timeout=3)
    assert cache.get(key) is None
    cache.put(key, _verdict())
    assert cache.get(key) == _verdict()
    path = next(tmp_path.rglob(f"{key}.json"))
    path.write_text("{ half a file", encoding="utf-8")
    assert cache.get(key) is None
    with pytest.raises(ValueError, match="key"):
        cache.get("../../etc/passwd")


def test_question_key_depends_on_everything_that_decides_the_verdict():
    base = dict(student="ada", assignment="02_im_conv", name="im_conv", sources=["x = 1"],
                findings=[], salt="s", timeout=3.0)
    key = question_key(**base)
    tampered = Finding("test_im_conv", "test_edited", "edited", "im_conv", True)
    changes = [dict(student="ben"), dict(sources=["x = 2"]), dict(salt="t"), dict(timeout=4),
               dict(name="convolve"), dict(findings=[tampered])]
    keys = {question_key(**{**base, **change}) for change in changes}
    assert key not in keys and len(keys) == len(changes)
    # a finding about another question does not change this one's key
    other = Finding("test_convolve", "test_edited", "edited", "convolve", True)
    assert question_key(**{**base, "findings": [other]}) == key


def test_write_atomic_leaves_no_temporary_files(tmp_path):
    target = tmp_path / "sub" / "grades.csv"
    write_atomic(target, b"one")
    write_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["grades.csv"]


def test_lock_refuses_a_second_run(tmp_path):
    with OutDirLock(tmp_path):
        with pytest.raises(OutDirBusy, match="another `convkit grade`"):
            with OutDirLock(tmp_path):
                pass
        errors = []

        def other_thread():
            try:
                with OutDirLock(tmp_path):
                    pass
            except OutDirBusy as exc:
                errors.append(exc)

        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
        assert len(errors) == 1
    with OutDirLock(tmp_path):  # released
        pass


def _graded_cell(outputs) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell("check_im_conv(im_conv)")
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True,
                                 "grade_id": "test_im_conv", "points": 5}
    cell.outputs = outputs
    return cell


def test_passing_verdict_is_a_stream_line_worth_full_points():
    outputs = verdict_outputs(_verdict(PASS, None), "im_conv")
    assert [o.output_type for o in outputs] == ["stream"]
    assert outputs[0].name == "stdout" and outputs[0].text.startswith("✔ im_conv:")
    assert nbgrader_utils.determine_grade(_graded_cell(outputs)) == (5, 5)


def test_failing_verdict_is_our_error_message_and_a_picture_worth_nothing():
    outputs = verdict_outputs(_verdict(), "im_conv")
    assert [o.output_type for o in outputs] == ["error", "display_data"]
    error = outputs[0]
    assert error.ename == "CheckFailed"
    assert error.evalue == "2 of 9 checks failed: the kernel is flipped"
    assert "im_conv: the kernel is flipped." in "\n".join(error.traceback)
    assert outputs[1].data["image/png"]
    assert nbgrader_utils.determine_grade(_graded_cell(outputs)) == (0, 5)
    nbformat.validate(nbformat.v4.new_notebook(cells=[_graded_cell(outputs)]))


def test_partial_verdict_is_a_message_a_picture_and_the_points_nbgrader_reads():
    outputs = verdict_outputs(_verdict(score=2), "im_conv")
    assert [o.output_type for o in outputs] == ["stream", "display_data", "execute_result"]
    assert outputs[0].name == "stdout" and outputs[0].text.startswith("✘ im_conv:")
    assert "(2 of 5 points)" in outputs[0].text and "the kernel is flipped" in outputs[0].text
    assert outputs[2].data["text/plain"] == "2"
    assert nbgrader_utils.determine_grade(_graded_cell(outputs)) == (2, 5)
    nbformat.validate(nbformat.v4.new_notebook(cells=[_graded_cell(outputs)]))


def test_verdict_summary_is_the_metadata_the_feedback_table_reads():
    summary = _verdict(score=2).summary()
    assert summary == {"status": FAIL, "headline": "2 of 9 checks failed: the kernel is flipped",
                       "score": 2, "max_score": 5,
                       "criteria": [{"id": "a", "title": "square kernels", "points": 2,
                                     "met": True},
                                    {"id": "b", "title": "uint8 <images>", "points": 3,
                                     "met": False}]}
    assert json.loads(json.dumps(summary)) == summary
    again = QuestionVerdict.from_json(json.loads(json.dumps(_verdict(score=2).to_json())))
    assert again == _verdict(score=2)


def test_a_test_cell_without_verdict_is_not_graded():
    outputs = verdict_outputs(None, "mystery")
    assert outputs[0].ename == "NotGraded" and "not graded" in outputs[0].evalue
    assert nbgrader_utils.determine_grade(_graded_cell(outputs)) == (0, 5)


def test_tampered_verdict_only_for_costly_findings_of_that_question():
    note = Finding("setup", "locked_edited", "setup edited", None, False)
    other = Finding("test_convolve", "test_edited", "convolve edited", "convolve", True)
    assert tampered_verdict("im_conv", [note, other]) is None
    mine = Finding("test_im_conv", "test_deleted", "the test cell test_im_conv was deleted",
                   "im_conv", True)
    verdict = tampered_verdict("im_conv", [note, mine])
    assert verdict.status == FAIL and verdict.mistake == "tampered"
    assert verdict.headline == "the test cell test_im_conv was deleted"
    assert verdict_outputs(verdict, "im_conv")[0].ename == "TestCellChanged"


def test_summary_lists_every_graded_cell_with_points_and_what_to_fix():
    cells = [_graded_cell([]), nbformat.v4.new_markdown_cell("It blurs.")]
    cells[0].metadata["nbgrader"]["score"] = 0
    cells[1].metadata["nbgrader"] = {"grade": True, "solution": True, "grade_id": "discuss_blur",
                                     "points": 1, "score": 0}
    nb = nbformat.v4.new_notebook(cells=cells)
    meta = {"verdicts": {"im_conv": {"status": FAIL, "headline": "the kernel is <flipped>"}},
            "findings": [Finding("setup", "locked_edited", "the locked cell setup was edited",
                                 None, False).to_dict()]}
    text = summary_markdown(nb, meta, {"discuss_blur"})
    assert "0 / 5" in text and "the kernel is &lt;flipped&gt;" in text
    assert "discuss_blur" in text and "waiting for your instructor" in text
    assert "the locked cell setup was edited" in text


def _rows():
    return [GradeRow("ada", "02_im_conv", 5, 7, 5, 5, 2, GRADED, "im_conv 5/5"),
            GradeRow("ben", "02_im_conv", 0, 7, 0, 5, 2, GRADED, "im_conv 0/5",
                     "im_conv: your code, with a comma, ran too long"),
            GradeRow("dev", "02_im_conv", 0, 7, 0, 5, 0, UNGRADABLE, "", "not valid JSON"),
            GradeRow("ada", "01_subimages", 6, 8, 6, 6, 2, GRADED, "")]


def test_grades_csv_round_trip(tmp_path):
    path = tmp_path / "grades.csv"
    write_grades_csv(_rows(), path)
    rows = read_grades_csv(path)
    assert [(r["student"], r["assignment"]) for r in rows] == [
        ("ada", "01_subimages"), ("ada", "02_im_conv"), ("ben", "02_im_conv"),
        ("dev", "02_im_conv")]
    assert rows[2]["notes"] == "im_conv: your code, with a comma, ran too long"
    assert rows[3]["status"] == UNGRADABLE and rows[3]["score"] == "0"
    assert grades_csv(_rows()).splitlines()[0].split(",")[:4] == [
        "student", "assignment", "score", "max_score"]


def test_table_has_a_row_per_student_and_totals():
    lines = format_table(_rows()).splitlines()
    assert lines[0].split() == ["student", "01_subimages", "02_im_conv", "total"]
    assert lines[1].split() == ["ada", "6/8", "*", "5/7", "*", "11/15"]
    assert lines[3].split() == ["dev", "0/7", "!", "0/7"]
    assert any("could not be graded" in line for line in lines)
    assert any(line.startswith("* every autograded point is in") for line in lines)


def test_histogram_is_a_titled_png(tmp_path):
    import matplotlib.image

    path = tmp_path / "scores.png"
    plot_histogram(_rows(), path)
    image = matplotlib.image.imread(path)
    assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 300


def test_finding_round_trips_through_json():
    finding = Finding("test_f", "test_edited", "edited", "f", True)
    assert Finding.from_dict(json.loads(json.dumps(finding.to_dict()))) == finding


@pytest.mark.parametrize("module", ["seeds", "rebuild", "cache", "lock", "report", "feedback",
                                    "jobs", "verdicts", "preprocessor", "pipeline",
                                    "sample_class"])
def test_doctests(module):
    import doctest
    import importlib

    mod = importlib.import_module(f"convkit.grading.{module}")
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


def test_a_second_grade_run_on_the_same_out_dir_is_refused(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    submissions = tmp_path / "submitted"
    submissions.mkdir()
    root = Path(__file__).resolve().parent.parent
    with OutDirLock(tmp_path / "out"):
        done = subprocess.run(
            [str(Path(sys.executable).with_name("convkit")), "grade", str(submissions),
             "--out", str(tmp_path / "out"), "--course-root", str(root), "--no-progress"],
            capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "another `convkit grade` is writing to" in done.stderr
    assert not (tmp_path / "out" / "grades.csv").exists()


# --------------------------------------------------------------------------------------------
# the feedback says when the network layer was missing (DESIGN's grading contract)
# --------------------------------------------------------------------------------------------


def test_a_verdicts_notes_reach_the_test_cell_whatever_the_outcome():
    from convkit.grading.verdicts import NO_NETWORK_LAYER

    passed = QuestionVerdict("f", PASS, "all 3 checks passed", notes=[NO_NETWORK_LAYER])
    (out,) = verdict_outputs(passed, "f")
    assert out.text.startswith("✔ f: all 3 checks passed\n")
    assert "not cut off the network" in out.text
    failed = QuestionVerdict("f", FAIL, "1 of 3 checks failed", notes=[NO_NETWORK_LAYER])
    assert "not cut off the network" in " ".join(verdict_outputs(failed, "f")[0].traceback)
    assert nbgrader_utils.determine_grade(nbformat.v4.new_code_cell(
        outputs=verdict_outputs(passed, "f"),
        metadata={"nbgrader": {"grade": True, "points": 3, "grade_id": "test_f"}}))[0] == 3


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                    reason="the network namespace needs root")
def test_as_root_a_real_run_is_cut_off_the_network_and_says_nothing(tmp_path):
    from convkit import exercises
    from convkit.grading.context import GradingContext
    from convkit.grading.verdicts import grade_question

    context = GradingContext(course_root=str(tmp_path), salt="s", timeout=10.0)
    verdict = grade_question("flip_kernel", [exercises.get("flip_kernel").right.source],
                             student="ada", assignment="03_kernel_flipping", context=context)
    assert verdict.passed, verdict.details
    assert verdict.notes == []
