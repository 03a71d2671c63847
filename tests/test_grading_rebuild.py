"""Rebuilding a submission from the release, and recording what the student changed.

Fast, pure tests of :mod:`convkit.grading.rebuild` (no sandbox, no nbgrader): every
notebook-level tampering item of issue 4 point 5 is named and costs the question.
"""

from __future__ import annotations

import copy
import json

import nbformat
import pytest

from convkit.grading.rebuild import (
    NotANotebook,
    answer_sources,
    graded_names,
    normalize_notebook,
    parse_notebook,
    rebuild,
)

STUB = "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()"


def _cell(kind: str, source: str, **nbgrader) -> dict:
    meta = {"nbgrader": {"schema_version": 3, "task": False, **nbgrader}} if nbgrader else {}
    cell = {"cell_type": kind, "metadata": meta, "source": source}
    if kind == "code":
        cell.update(outputs=[], execution_count=None)
    return cell


def release_notebook() -> dict:
    return {
        "nbformat": 4, "nbformat_minor": 5, "metadata": {},
        "cells": [
            _cell("markdown", "# Lesson"),
            _cell("code", "import numpy as np", grade_id="setup", locked=True, grade=False,
                  solution=False),
            _cell("code", STUB, grade_id="answer_f", solution=True, grade=False, locked=False),
            _cell("code", "check_f(f)", grade_id="test_f", grade=True, locked=True,
                  solution=False, points=2),
            _cell("code", "def g(x):\n    raise NotImplementedError()", grade_id="answer_g",
                  solution=True, grade=False, locked=False),
            _cell("code", "check_g(g)", grade_id="test_g", grade=True, locked=True,
                  solution=False, points=3),
            _cell("markdown", "YOUR ANSWER HERE", grade_id="discuss_x", solution=True,
                  grade=True, locked=False, points=1),
        ],
    }


def answered() -> dict:
    nb = release_notebook()
    nb["cells"][2]["source"] = "def f(x):\n    return x + 1"
    nb["cells"][4]["source"] = "def g(x):\n    return 2 * x"
    nb["cells"][6]["source"] = "It blurs."
    nb["cells"][3]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "ok"}]
    return nb


def _by_id(nb: dict, grade_id: str) -> dict:
    return next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id")
                == grade_id)


def kinds(result, question=None) -> list[tuple[str, bool]]:
    return [(f.kind, f.costs_points) for f in result.findings if f.question == question]


def test_honest_submission_keeps_answers_and_takes_everything_else_from_release():
    student = answered()
    student["cells"].insert(0, _cell("markdown", "my notes"))  # an added markdown cell is fine
    before = copy.deepcopy(student)
    result = rebuild(student, release_notebook())
    assert result.findings == []
    assert student == before  # the input is not modified
    assert result.answers == {"answer_f": "def f(x):\n    return x + 1",
                              "answer_g": "def g(x):\n    return 2 * x"}
    cells = result.notebook["cells"]
    assert [c["source"] for c in cells] == [
        "# Lesson", "import numpy as np", "def f(x):\n    return x + 1", "check_f(f)",
        "def g(x):\n    return 2 * x", "check_g(g)", "It blurs."]
    assert _by_id(result.notebook, "test_f")["outputs"] == []  # forged outputs are gone
    assert graded_names(result.notebook) == ["f", "g"]
    assert answer_sources(result.notebook) == list(result.answers.values())


def test_trailing_whitespace_is_not_an_edit():
    student = answered()
    _by_id(student, "test_f")["source"] = "check_f(f)  \n\n"
    assert rebuild(student, release_notebook()).findings == []


@pytest.mark.parametrize(("tamper", "kind", "words"), [
    (lambda c: c.update(source="pass"), "test_edited", "was edited"),
    (lambda c: c.update(source=""), "test_emptied", "was emptied"),
    (lambda c: c.update(cell_type="markdown"), "test_type_changed", "turned into a markdown"),
    (lambda c: c["metadata"]["nbgrader"].update(points=200), "test_points_changed",
     "points changed from 2 to 200"),
    (lambda c: c["metadata"]["nbgrader"].pop("points"), "test_points_changed",
     "points removed"),
    (lambda c: c["metadata"]["nbgrader"].update(grade=False), "test_metadata_changed",
     "settings changed (grade)"),
    (lambda c: c["metadata"]["nbgrader"].update(grade_id="test_zzz"), "test_grade_id_changed",
     "grade_id changed to test_zzz"),
    (lambda c: c["metadata"].pop("nbgrader"), "test_grade_id_changed", "grade_id removed"),
])
def test_each_test_cell_tampering_costs_its_question(tamper, kind, words):
    student = answered()
    tamper(_by_id(student, "test_f"))
    result = rebuild(student, release_notebook())
    assert (kind, True) in kinds(result, "f")
    assert kinds(result, "g") == []  # the other question is untouched
    message = next(f.message for f in result.findings if f.kind == kind)
    assert words in message
    assert "test_f" in message and "download a fresh copy" in message
    assert _by_id(result.notebook, "test_f")["source"] == "check_f(f)"
    assert _by_id(result.notebook, "test_f")["metadata"]["nbgrader"]["points"] == 2


def test_deleted_test_cell():
    student = answered()
    student["cells"] = [c for c in student["cells"]
                        if c["metadata"].get("nbgrader", {}).get("grade_id") != "test_g"]
    result = rebuild(student, release_notebook())
    assert kinds(result, "g") == [("test_deleted", True)]
    assert "the test cell test_g was deleted, so it earns no points" in result.findings[0].message
    assert graded_names(result.notebook) == ["f", "g"]  # the rebuilt notebook still grades g


def test_missing_or_retyped_answer_cell_grades_the_blank_exercise():
    student = answered()
    student["cells"] = [c for c in student["cells"]
                        if c["metadata"].get("nbgrader", {}).get("grade_id") != "answer_f"]
    _by_id(student, "answer_g")["cell_type"] = "markdown"
    result = rebuild(student, release_notebook())
    assert kinds(result, "f") == [("answer_missing", True)]
    assert kinds(result, "g") == [("answer_type_changed", True)]
    assert result.answers["answer_f"] == STUB
    assert "raise NotImplementedError()" in result.answers["answer_g"]


def test_setup_cell_edit_is_a_note_not_a_penalty():
    student = answered()
    _by_id(student, "setup")["source"] = "import numpy as np\nnp.allclose = lambda *a: True"
    result = rebuild(student, release_notebook())
    assert kinds(result) == [("locked_edited", False)]
    assert "the grader used the original" in result.findings[0].message
    assert _by_id(result.notebook, "setup")["source"] == "import numpy as np"


def test_extra_code_cells_and_unknown_grade_ids_are_noted():
    student = answered()
    student["cells"].insert(2, _cell("code", "def helper(x):\n    return x"))
    student["cells"].append(_cell("code", "x = 1", grade_id="test_bonus", grade=True,
                                  points=100, locked=True, solution=False))
    result = rebuild(student, release_notebook())
    assert sorted(kinds(result)) == [("extra_code_cells", False), ("unknown_grade_id", False)]
    assert graded_names(result.notebook) == ["f", "g"]  # no bonus question appears
    assert "helper functions must go inside the answer cell" in " ".join(
        f.message for f in result.findings)


def test_duplicate_answer_cell_uses_the_first():
    student = answered()
    clone = copy.deepcopy(_by_id(student, "answer_f"))
    clone["source"] = "def f(x):\n    return 0"
    student["cells"].append(clone)
    result = rebuild(student, release_notebook())
    assert result.answers["answer_f"] == "def f(x):\n    return x + 1"
    assert kinds(result, "f") == [("duplicate_grade_id", False)]


def test_blank_release_submission_has_no_findings():
    result = rebuild(release_notebook(), release_notebook())
    assert result.findings == []
    assert result.answers["answer_f"] == STUB


@pytest.mark.parametrize(("data", "words"), [
    (b'{"cells": [', "not valid JSON"),
    (b"\xff\xfe\x00garbage", "not UTF-8"),
    (b"[1, 2]", "not a Jupyter notebook"),
    (b'{"cells": "no"}', "not a Jupyter notebook"),
])
def test_parse_notebook_rejects_what_is_not_a_notebook(data, words):
    with pytest.raises(NotANotebook, match=words):
        parse_notebook(data)


def test_normalized_notebook_is_valid_and_rebuilds_the_same():
    student = answered()
    student["cells"].append({"cell_type": "weird", "source": ["a", "b"], "metadata": []})
    student["cells"].append("not even a cell")
    _by_id(student, "test_f")["metadata"]["nbgrader"]["points"] = "lots"
    normalized = normalize_notebook(parse_notebook(json.dumps(student)))
    nbformat.validate(normalized)
    nbformat.reads(nbformat.writes(normalized), as_version=4)
    a, b = rebuild(student, release_notebook()), rebuild(normalized, release_notebook())
    assert a.answers == b.answers
    assert [(f.kind, f.question) for f in a.findings] == [(f.kind, f.question) for f in b.findings]


def test_rebuild_rejects_non_notebooks():
    with pytest.raises(TypeError, match="student"):
        rebuild({"cells": None}, release_notebook())
    with pytest.raises(TypeError, match="release"):
        rebuild(answered(), {})
