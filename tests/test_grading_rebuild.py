"""Rebuilding a submission from the release, and recording what the student changed.

Fast, pure tests of :mod:`convkit.grading.rebuild` (no sandbox, no nbgrader): every
notebook-level tampering item of issue 4 point 5 is named and costs the question.
"""

from __future__ import annotations

import copy
import json

import nbformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convkit.grading.rebuild import (
    NotANotebook,
    answer_sources,
    graded_names,
    is_added,
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


def test_added_code_cells_run_before_the_answers_in_notebook_order():
    student = answered()
    student["cells"].insert(2, _cell("code", "def helper(x):\n    return x"))
    student["cells"].append(_cell("code", "SCALE = 2"))
    student["cells"].append(_cell("code", "   \n"))  # an empty cell is not code
    student["cells"].append(_cell("markdown", "my notes"))
    result = rebuild(student, release_notebook())
    assert kinds(result) == [("extra_code_cells", False)]
    assert "ran them before the answer cells" in result.findings[0].message
    assert result.added == ["def helper(x):\n    return x", "SCALE = 2"]
    assert answer_sources(result.notebook) == [
        "def helper(x):\n    return x", "SCALE = 2",
        "def f(x):\n    return x + 1", "def g(x):\n    return 2 * x"]
    # the rebuilt notebook shows them where the student had them, marked, without outputs
    sources = [c["source"] for c in result.notebook["cells"]]
    assert sources.index("def helper(x):\n    return x") == sources.index("import numpy as np") + 1
    assert sources[-1] == "SCALE = 2"
    added = [c for c in result.notebook["cells"] if is_added(c)]
    assert [c["metadata"] for c in added] == [{"convkit": {"added": True}}] * 2
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in added)
    for cell in result.notebook["cells"]:
        cell.setdefault("id", "x" + str(id(cell)))  # this test's release cells have none
    nbformat.validate(nbformat.from_dict(result.notebook))


def test_an_added_cell_cannot_claim_to_be_an_answer_or_a_test():
    student = answered()
    forged = _cell("code", "x = 1", grade_id="test_bonus", grade=True, points=100,
                   locked=True, solution=False)
    forged["metadata"]["convkit"] = {"added": False}
    student["cells"].append(forged)
    result = rebuild(student, release_notebook())
    assert sorted(kinds(result)) == [("extra_code_cells", False), ("unknown_grade_id", False)]
    assert "it was run as a code cell of your own" in " ".join(f.message for f in result.findings)
    assert graded_names(result.notebook) == ["f", "g"]  # no bonus question appears
    cell = next(c for c in result.notebook["cells"] if c["source"] == "x = 1")
    assert cell["metadata"] == {"convkit": {"added": True}}  # no nbgrader metadata kept


def test_unchanged_copies_of_release_cells_are_not_added_code():
    student = answered()
    student["cells"].append(_cell("code", "import numpy as np"))  # a copy of the setup cell
    student["cells"].append(_cell("code", "check_f(f)"))  # a copy of a test cell
    result = rebuild(student, release_notebook())
    assert result.findings == [] and result.added == []


def test_a_student_cannot_mark_a_cell_added_through_metadata():
    student = answered()
    _by_id(student, "setup")["metadata"]["convkit"] = {"added": True}
    result = rebuild(student, release_notebook())
    assert not any(is_added(c) for c in result.notebook["cells"])


def test_duplicate_answer_cell_is_graded_from_the_last_copy():
    student = answered()
    clone = copy.deepcopy(_by_id(student, "answer_f"))
    clone["source"] = "def f(x):\n    return 0"
    student["cells"].append(clone)
    result = rebuild(student, release_notebook())
    assert result.answers["answer_f"] == "def f(x):\n    return 0"
    assert kinds(result, "f") == [("duplicate_grade_id", False)]
    assert "graded the last one" in result.findings[0].message
    assert result.added == []  # the first copy is not run as added code
    assert answer_sources(result.notebook).count("def f(x):\n    return x + 1") == 0


def test_duplicate_test_cell_used_as_scratch_paper_is_not_tampering():
    student = answered()
    clone = copy.deepcopy(_by_id(student, "test_f"))
    _by_id(student, "test_f")["source"] = "check_f(f)\nprint(f(3))"  # the first copy edited
    student["cells"].append(clone)
    result = rebuild(student, release_notebook())
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


# --------------------------------------------------------------------------- any bytes at all


def _no_other_exception(data: bytes) -> dict | None:
    """parse -> normalize -> rebuild -> write, as the grader does; None when NotANotebook."""
    try:
        nb = parse_notebook(data)
    except NotANotebook:
        return None
    normalized = normalize_notebook(nb)
    nbformat.writes(normalized).encode("utf-8")
    for student in (normalized, nb):
        result = rebuild(student, release_notebook())
        json.dumps(result.notebook).encode("utf-8")
        nbformat.writes(normalize_notebook(result.notebook)).encode("utf-8")
    return nb


@pytest.mark.parametrize(("data", "words"), [
    (b"[" * 200_000 + b"]" * 200_000, "nests JSON"),
    (b'{"cells": [], "metadata": ' + b'{"a": ' * 100 + b"1" + b"}" * 101, "nests JSON"),
    (b'{"cells": [], "n": ' + b"9" * 5000 + b"}", "not JSON a notebook can hold"),
    (b'{"cells": ["\xed\xa0\x80"]}', "not UTF-8"),
    (b'{"cells": [' + b",".join([b"{}"] * 2001) + b"]}", "2,001 cells"),
    (json.dumps({"cells": [{"cell_type": "code", "source": "x" * 200_001}]}).encode(),
     "cell 1 holds 200,001 characters"),
    (json.dumps({"cells": [{"cell_type": "code", "source": ["x" * 150_000]}] * 7}).encode(),
     "1,050,000 characters"),
])
def test_parse_notebook_refuses_what_is_beyond_its_limits(data, words):
    with pytest.raises(NotANotebook, match=words):
        parse_notebook(data)


def test_lone_surrogates_are_replaced_with_a_note():
    student = answered()
    text = json.dumps(student).replace("return x + 1", "return x + 1  # \\udead")
    text = text.replace('"metadata": {}', '"metadata": {"convkit": {"parse_notes": ["forged"]},'
                        ' "\\ud800key": "\\udfff"}', 1)
    nb = _no_other_exception(text.encode("utf-8"))
    assert nb is not None
    assert "return x + 1  # \ufffd" in json.dumps(nb, ensure_ascii=False)
    notes = nb["metadata"]["convkit"]["parse_notes"]
    assert len(notes) == 1 and "3 characters" in notes[0]  # the forged note is gone
    result = rebuild(normalize_notebook(nb), release_notebook())
    assert kinds(result) == [("text_replaced", False)]
    assert result.answers["answer_f"] == "def f(x):\n    return x + 1  # \ufffd"


def test_a_deep_but_legal_notebook_is_read():
    student = answered()
    deep: dict = {}
    node = deep
    for _ in range(50):
        node["x"] = {}
        node = node["x"]
    student["metadata"]["widgets"] = deep
    assert _no_other_exception(json.dumps(student).encode()) is not None


@settings(max_examples=300)
@given(st.binary(max_size=300))
def test_any_bytes_give_a_notebook_or_not_a_notebook(data):
    _no_other_exception(data)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(alphabet=st.characters())
    | st.sampled_from(["code", "markdown", "raw", "solution", "grade_id", "answer_f", "test_f"]),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(["cells", "cell_type", "source", "metadata", "nbgrader",
                                       "grade_id", "solution", "grade", "locked", "points",
                                       "tags", "outputs", "convkit", "added"])
                      | st.text(max_size=3), inner, max_size=5),
    max_leaves=30)


@settings(max_examples=300)
@given(st.lists(_json, max_size=6), _json)
def test_any_json_with_a_list_of_cells_is_graded_or_refused(cells, metadata):
    data = json.dumps({"cells": cells, "metadata": metadata}).encode("utf-8", "surrogatepass")
    _no_other_exception(data)


# --------------------------------------------------------------------------- end to end

LESSON, NOTEBOOK = "01_subimages", "subimages"


def _fair_class(submissions):
    from handins import answered_notebook, cell_by_id, write_handin

    # a helper and a constant in cells the student added, used by two answers; a scratch
    # cell calling the answer before it exists (a NameError in the sandbox costs nothing)
    nb = answered_notebook(LESSON, NOTEBOOK)
    answer = cell_by_id(nb, "answer_get_subimages")
    solution = answer["source"]
    assert "def get_subimages(" in solution
    answer["source"] = "def get_subimages(im, kernel):\n    return subimages_helper(im, kernel)\n"
    at = nb["cells"].index(answer)
    nb["cells"][at:at] = [
        _cell("code", solution.replace("def get_subimages(", "def subimages_helper(")),
        _cell("code", 'MY_LETTER = "C"')]
    nb["cells"].insert(at + 3, _cell("code", "print(len(get_subimages(np.ones((4, 4)), "
                                             "np.ones((2, 2)))))"))
    cell_by_id(nb, "answer_window_choice")["source"] = "window_choice = MY_LETTER"
    write_handin(submissions, "hana_helper_cells", LESSON, NOTEBOOK, nb)

    # an answer cell copied, the last copy right and the first one wrong
    nb = answered_notebook(LESSON, NOTEBOOK)
    answer = cell_by_id(nb, "answer_conv_output_shape")
    wrong = copy.deepcopy(answer)
    wrong["source"] = "def conv_output_shape(im_shape, kernel_shape, mode):\n    return (0, 0)\n"
    nb["cells"].insert(nb["cells"].index(answer), wrong)
    write_handin(submissions, "ivo_copied_answer", LESSON, NOTEBOOK, nb)


@pytest.fixture(scope="module")
def fair_run(tmp_path_factory):
    from handins import run_grade

    tmp = tmp_path_factory.mktemp("fair-class")
    _fair_class(tmp / "submitted")
    return run_grade(tmp / "submitted", tmp / "out"), tmp / "out"


@pytest.mark.slow
@pytest.mark.parametrize(("student", "note"), [
    ("hana_helper_cells", "you added 3 code cells of your own"),
    ("ivo_copied_answer", "2 cells have grade_id answer_conv_output_shape"),
])
def test_fair_answers_get_their_points_end_to_end(fair_run, student, note):
    from handins import grade_rows

    run, out = fair_run
    assert run.returncode == 0, run.stderr[-3000:]
    row = grade_rows(out)[(student, LESSON)]
    assert row["status"] == "graded", row
    assert float(row["auto_score"]) == float(row["auto_max"]) > 0, row
    page = (out / "feedback" / student / LESSON / f"{NOTEBOOK}.html").read_text()
    assert note in page
