"""The lessons: every notebook of every assignment in ``convkit.course.ASSIGNMENTS``.

* ``solutions/`` (the instructor's nbgrader source) follows the cell conventions of
  ARCHITECTURE.md, executes top to bottom with no error and no stderr, titles every figure it
  draws, and passes ``nbgrader validate``;
* ``course/`` (the release) holds no solution code and no hidden test, agrees cell by cell with
  what ``convkit.release.generate_release`` makes from ``solutions/``, executes cell by cell with
  no error except those an unanswered exercise causes, and fails ``nbgrader validate``;
* every committed notebook is clean: no outputs, no execution counts, only the metadata that
  ``convkit.release.clean_notebook`` keeps.

A missing notebook is a failure, not a skip. Every notebook executes once per test process
(``execute`` is cached), each executing test is marked with its own ``xdist_group`` and
``slow``, and everything learnt from one execution is asserted in one test, so ``pytest -n 2
--dist loadgroup`` spreads the notebooks over the workers and never runs one twice.
"""

from __future__ import annotations

import ast
import atexit
import functools
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from convkit import exercises
from convkit.course import ASSIGNMENTS, RELEASE_DIR, SOURCE_DIR, Assignment
from convkit.release import clean_notebook, generate_release, write_clean

ROOT = Path(__file__).resolve().parent.parent
NAMES = [a.name for a in ASSIGNMENTS]
KINDS = (SOURCE_DIR, RELEASE_DIR)
CELL_TIMEOUT = 120  # seconds: a guard against a hanging cell, not a speed requirement
SOLUTION_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
TEXT_STUB = "YOUR ANSWER HERE"
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def notebook_path(kind: str, item: Assignment) -> Path:
    return ROOT / kind / item.name / item.notebook_file


def read(kind: str, item: Assignment) -> nbformat.NotebookNode:
    path = notebook_path(kind, item)
    assert path.is_file(), f"{path.relative_to(ROOT)} is missing"
    return nbformat.read(path, as_version=4)


def nbgrader_meta(cell) -> dict:
    return dict(cell.metadata.get("nbgrader", {}))


def graded_names(item: Assignment) -> list[str]:
    return [ex.name for ex in exercises.for_assignment(item.name)]


def by_assignment():
    """Parametrize over every assignment (ids are the folder names)."""
    return pytest.mark.parametrize("item", ASSIGNMENTS, ids=NAMES)


# ---------------------------------------------------------------------------------------------
# executing a notebook, once per process


#: run before the notebook: record every figure drawn to PNG that lacks a title
FIGURE_HOOK = r'''
import matplotlib.axes as _mpl_axes
import matplotlib.backend_bases as _mpl_bases

_convkit_figures = {"drawn": 0, "untitled": []}
_convkit_print_figure = _mpl_bases.FigureCanvasBase.print_figure


def _convkit_checked_print_figure(self, *args, **kwargs):
    fig = self.figure
    axes = [a for a in fig.findobj(_mpl_axes.Axes)]
    titles = [a.get_title(loc) for a in axes for loc in ("left", "center", "right")]
    titles = [t for t in titles if t]
    suptitle = getattr(fig, "_suptitle", None)
    if not titles and not (suptitle is not None and suptitle.get_text()):
        _convkit_figures["untitled"].append(f"a figure with no title at all ({len(axes)} axes)")
    for a in axes:
        if a.images and not any(a.get_title(loc) for loc in ("left", "center", "right")):
            _convkit_figures["untitled"].append(
                f"an image panel without a title in a figure titled "
                f"{suptitle.get_text() if suptitle is not None else titles[:1]!r}"
            )
    _convkit_figures["drawn"] += 1
    return _convkit_print_figure(self, *args, **kwargs)


_mpl_bases.FigureCanvasBase.print_figure = _convkit_checked_print_figure
'''
FIGURE_REPORT = 'import json as _json\nprint(_json.dumps(_convkit_figures))'


@dataclass
class Executed:
    """A notebook after execution: its cells (with outputs) and the figure report."""

    cells: list
    figures: dict


def kernel_env() -> dict[str, str]:
    """The environment of a kernel: like a student's, so the inline matplotlib backend."""
    return {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}


@functools.cache
def execute(kind: str, name: str) -> Executed:
    """Execute a copy of the notebook cell by cell (errors are recorded, not raised)."""
    item = next(a for a in ASSIGNMENTS if a.name == name)
    nb = read(kind, item)
    hook = nbformat.v4.new_code_cell(FIGURE_HOOK)
    report = nbformat.v4.new_code_cell(FIGURE_REPORT)
    nb.cells = [hook, *nb.cells, report]
    workdir = Path(tempfile.mkdtemp(prefix=f"convkit-{kind}-{name}-"))
    try:
        shutil.copytree(notebook_path(kind, item).parent, workdir, dirs_exist_ok=True)
        client = NotebookClient(
            nb,
            timeout=CELL_TIMEOUT,
            kernel_name="python3",
            allow_errors=True,
            resources={"metadata": {"path": str(workdir)}},
        )
        client.execute(env=kernel_env())  # the kernel runs in workdir (resources' path)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    assert not errors_in(nb.cells[0]), f"the figure hook failed: {errors_in(nb.cells[0])}"
    figures = json.loads("".join(o.get("text", "") for o in nb.cells[-1].outputs))
    return Executed(cells=nb.cells[1:-1], figures=figures)


def errors_in(cell) -> list:
    return [o for o in cell.get("outputs", []) if o.output_type == "error"]


def stderr_in(cell) -> str:
    return "".join(
        o.text for o in cell.get("outputs", []) if o.output_type == "stream" and o.name == "stderr"
    )


def describe(index: int, cell, error) -> str:
    traceback = ANSI.sub("", "\n".join(error.traceback))
    return f"cell {index} ({cell.source[:60]!r}...): {error.ename}: {error.evalue}\n{traceback}"


# ---------------------------------------------------------------------------------------------
# every notebook exists


@pytest.mark.parametrize("kind", KINDS)
@by_assignment()
def test_every_assignment_has_its_notebook(kind, item):
    path = notebook_path(kind, item)
    assert path.is_file(), f"{path.relative_to(ROOT)} is missing"
    others = sorted(p.name for p in path.parent.glob("*.ipynb") if p != path)
    assert not others, f"{path.parent.relative_to(ROOT)} holds other notebooks too: {others}"


# ---------------------------------------------------------------------------------------------
# the source notebooks follow the cell conventions


def answer_body(source: str) -> list[ast.stmt]:
    return ast.parse(source).body


@by_assignment()
def test_solutions_follow_the_cell_conventions(item):
    nb = read(SOURCE_DIR, item)
    cells = nb.cells
    graded = [nbgrader_meta(c) for c in cells if c.metadata.get("nbgrader")]
    ids = [m["grade_id"] for m in graded]
    assert len(ids) == len(set(ids)), f"duplicate grade_ids: {ids}"
    assert all(m.get("schema_version") == 3 for m in graded)

    first_code = next(c for c in cells if c.cell_type == "code")
    meta = nbgrader_meta(first_code)
    assert meta.get("grade_id") == "setup" and meta.get("locked") is True, (
        "the first code cell must be the locked setup cell (grade_id 'setup')"
    )
    assert not meta.get("grade") and not meta.get("solution")

    names = graded_names(item)
    assert names, f"no exercise of {item.name} in convkit.exercises"
    index = {nbgrader_meta(c).get("grade_id"): i for i, c in enumerate(cells)}
    for name in names:
        spec = exercises.get(name)
        answer_id, test_id = f"answer_{name}", spec.grade_id
        assert answer_id in index, f"no answer cell {answer_id!r}"
        assert test_id in index, f"no test cell {test_id!r}"
        answer, test = cells[index[answer_id]], cells[index[test_id]]
        assert index[test_id] == index[answer_id] + 1, (
            f"{test_id} must come right after {answer_id}"
        )

        a_meta, t_meta = nbgrader_meta(answer), nbgrader_meta(test)
        assert answer.cell_type == "code" and a_meta["solution"] and not a_meta["grade"]
        assert not a_meta["locked"]
        assert test.cell_type == "code" and t_meta["grade"] and t_meta["locked"]
        assert not t_meta["solution"]
        assert t_meta["points"] == spec.points, f"{test_id}: points must be {spec.points}"

        body = answer_body(answer.source)
        assert len(body) == 1, f"{answer_id} must hold only {name} (found {len(body)} statements)"
        node = body[0]
        if spec.kind == "function":
            assert isinstance(node, ast.FunctionDef) and node.name == name, (
                f"{answer_id} must define `def {name}(...)`"
            )
            assert ast.get_docstring(node), f"{name} needs a docstring for the students"
        else:
            assert isinstance(node, ast.Assign) and [t.id for t in node.targets] == [name]
        assert not any(isinstance(n, ast.Import | ast.ImportFrom) for n in ast.walk(node)), (
            f"{answer_id} must not import anything (numpy is np from the setup cell)"
        )
        assert "### BEGIN SOLUTION" in answer.source and "### END SOLUTION" in answer.source

        hidden = (
            "### BEGIN HIDDEN TESTS\n"
            f"check_{name}({name}, hidden=True)\n"
            "### END HIDDEN TESTS"
        )
        statements = ast.parse(test.source).body
        first = ast.unparse(statements[0]) if statements else ""
        assert first == f"check_{name}({name})", (
            f"{test_id} must start with check_{name}({name}) (its message is the diagnosis)")
        assert not any(isinstance(n, ast.Assert) for n in statements), (
            f"{test_id}: no plain assert; the check's designed cases say it with a message")
        assert hidden in test.source, f"{test_id} must end with the hidden block:\n{hidden}"

    for cell in cells:
        meta = nbgrader_meta(cell)
        grade_id = meta.get("grade_id", "")
        if meta.get("grade") and grade_id.startswith("test_"):
            assert grade_id[5:] in names, f"{grade_id}: no such exercise in convkit.exercises"
        if grade_id.startswith("discuss_"):
            assert cell.cell_type == "markdown", f"{grade_id} must be a markdown cell"
            assert meta["solution"] and meta["grade"] and meta["points"] == 1
            assert cell.source.strip(), f"{grade_id} needs a model answer for the graders"
        if meta.get("grade"):
            assert grade_id.startswith(("test_", "discuss_")), f"unexpected graded cell {grade_id}"


@by_assignment()
def test_solutions_read_like_a_lesson(item):
    """Objectives and an estimated time at the top, a summary at the end, the rule stated."""
    nb = read(SOURCE_DIR, item)
    markdown = [c.source for c in nb.cells if c.cell_type == "markdown"]
    intro = markdown[0]
    assert intro.startswith("# "), "the notebook starts with its title"
    assert re.search(r"estimated time", intro, re.IGNORECASE), "say how long the lesson takes"
    assert re.search(r"by the end of this lesson|learning objectives|you will", intro, re.I)
    assert any(re.search(r"^#+ .*summary", m, re.I | re.M) for m in markdown), "add a summary"
    assert any(c.metadata.get("nbgrader", {}).get("grade_id", "").startswith("discuss_")
               for c in nb.cells), "at least one discuss prompt"
    own = [n for n in graded_names(item) if exercises.get(n).own_implementation]
    if own:
        text = "\n".join(markdown).lower()
        assert "no points" in text, (
            "say which calls get no points (e.g. cv2.filter2D, SciPy, convkit's reference)"
        )


# ---------------------------------------------------------------------------------------------
# the release holds no solutions and agrees with what nbgrader generates


@by_assignment()
def test_course_holds_no_solution_code_and_no_hidden_tests(item):
    nb = read(RELEASE_DIR, item)
    for i, cell in enumerate(nb.cells):
        for marker in SOLUTION_MARKERS:
            assert marker not in cell.source, f"cell {i} still contains {marker!r}"
        assert "hidden=True" not in cell.source, f"cell {i} still holds a hidden test"
        meta = nbgrader_meta(cell)
        if meta.get("solution") and cell.cell_type == "code":
            lines = [line.strip() for line in cell.source.strip().splitlines()]
            assert lines[-2:] == CODE_STUB.splitlines(), f"{meta['grade_id']} is not a stub"
            body = answer_body(cell.source)
            if body and isinstance(body[0], ast.FunctionDef):  # def line and docstring stay
                function = body[0]
                assert ast.get_docstring(function), f"{meta['grade_id']} lost its docstring"
                assert len(body) == 1 and len(function.body) == 2, (
                    f"{meta['grade_id']}: only the docstring and the stub may remain"
                )
                statement = function.body[1]
            else:
                assert len(body) == 1, f"{meta['grade_id']}: only the stub may remain"
                statement = body[0]
            assert isinstance(statement, ast.Raise), f"{meta['grade_id']} must end in the stub"
        if meta.get("solution") and cell.cell_type == "markdown":
            assert cell.source.strip() == TEXT_STUB, f"{meta['grade_id']} must be {TEXT_STUB!r}"


@functools.cache
def regenerated() -> Path:
    """course/ as ``convkit.release.generate_release`` makes it now, in a temporary folder.

    Cached per process (not a pytest fixture), so a worker generates it at most once.
    """
    out = Path(tempfile.mkdtemp(prefix="convkit-release-test-"))
    atexit.register(shutil.rmtree, out, True)
    present = [name for name in NAMES if (ROOT / SOURCE_DIR / name).is_dir()]  # missing: own test
    generate_release(ROOT, out, present)
    return out


@pytest.mark.xdist_group("release")
@by_assignment()
def test_course_agrees_with_a_fresh_release(item):
    committed = read(RELEASE_DIR, item)
    fresh = nbformat.read(regenerated() / item.name / item.notebook_file, as_version=4)
    assert len(committed.cells) == len(fresh.cells), "run `convkit release` after editing"
    for i, (mine, theirs) in enumerate(zip(committed.cells, fresh.cells, strict=True)):
        where = f"{item.name} cell {i}: run `convkit release {item.name}`"
        assert mine.get("id") == theirs.get("id"), where
        assert mine.cell_type == theirs.cell_type, where
        assert mine.source == theirs.source, where
        assert mine.metadata.get("nbgrader") == theirs.metadata.get("nbgrader"), where
    assert committed == fresh, f"{item.name}: run `convkit release {item.name}`"
    extras = sorted(p.name for p in (ROOT / RELEASE_DIR / item.name).iterdir())
    assert extras == sorted(p.name for p in (regenerated() / item.name).iterdir())


@pytest.mark.parametrize("kind", KINDS)
@by_assignment()
def test_committed_notebooks_are_clean(kind, item, tmp_path):
    path = notebook_path(kind, item)
    nb = read(kind, item)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"cell {i} has outputs: run `convkit release`"
            assert cell.execution_count is None, f"cell {i} has an execution count"
    assert nb == clean_notebook(nb), "extra metadata: run `convkit release`"
    write_clean(nb, tmp_path / path.name)
    assert path.read_bytes() == (tmp_path / path.name).read_bytes(), (
        "not in the committed format: run `convkit release`"
    )


# ---------------------------------------------------------------------------------------------
# executing: solutions run cleanly, releases fail only where a student must answer


def group(kind: str, item: Assignment):
    return pytest.mark.xdist_group(f"{kind}-{item.name}")


EXECUTE_PARAMS = [
    pytest.param(item, marks=[group(SOURCE_DIR, item), pytest.mark.slow], id=item.name)
    for item in ASSIGNMENTS
]
EXECUTE_COURSE_PARAMS = [
    pytest.param(item, marks=[group(RELEASE_DIR, item), pytest.mark.slow], id=item.name)
    for item in ASSIGNMENTS
]
VALIDATE_PARAMS = [
    pytest.param(kind, item, marks=[pytest.mark.xdist_group(f"validate-{kind}-{item.name}"),
                                    pytest.mark.slow], id=f"{kind}-{item.name}")
    for kind in KINDS
    for item in ASSIGNMENTS
]


@pytest.mark.parametrize("item", EXECUTE_PARAMS)
def test_solution_runs_top_to_bottom_cleanly_with_titled_figures(item):
    """No error, nothing on stderr, every check prints its verdict, every figure titled.

    One test per notebook, so that each notebook executes once whichever worker runs it.
    """
    read(SOURCE_DIR, item)  # a missing notebook fails here, clearly
    executed = execute(SOURCE_DIR, item.name)
    problems = [describe(i, c, e) for i, c in enumerate(executed.cells) for e in errors_in(c)]
    assert not problems, "\n\n".join(problems)
    noisy = [f"cell {i}: {stderr_in(c)[:400]}" for i, c in enumerate(executed.cells)
             if stderr_in(c)]
    assert not noisy, "cells write to stderr (warnings scare students; nbgrader gives a test " \
        "cell that writes to stderr 0 points):\n" + "\n".join(noisy)
    tests = [c for c in executed.cells if nbgrader_meta(c).get("grade_id", "").startswith("test_")]
    for cell in tests:
        text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
        assert "passed" in text, f"{nbgrader_meta(cell)['grade_id']} printed no verdict: {text!r}"
    figures = executed.figures
    assert figures["drawn"] > 0, "the lesson draws no figure at all"
    assert not figures["untitled"], "figures without titles:\n" + "\n".join(figures["untitled"])


@pytest.mark.parametrize("item", EXECUTE_COURSE_PARAMS)
def test_course_fails_only_where_an_exercise_is_unanswered(item):
    """Cell by cell: the only errors are NotImplementedError from a stub (or its consequence)."""
    read(RELEASE_DIR, item)
    cells = execute(RELEASE_DIR, item.name).cells
    answers = {
        nbgrader_meta(c)["grade_id"]: c
        for c in cells
        if nbgrader_meta(c).get("solution") and c.cell_type == "code"
    }
    stub_cells = {f"Cell In[{c.execution_count}]" for c in answers.values()}
    unset_values = {
        name for name in graded_names(item)
        if exercises.get(name).kind == "value" and errors_in(answers.get(f"answer_{name}", {}))
    }
    problems, stopped = [], 0
    for i, cell in enumerate(cells):
        if cell.cell_type != "code":
            continue
        assert cell.execution_count is not None, f"cell {i} did not run"
        for error in errors_in(cell):
            traceback = ANSI.sub("", "\n".join(error.traceback))
            is_answer = nbgrader_meta(cell).get("solution", False)
            from_stub = error.ename in ("NotImplementedError", "NotWrittenYet") and (
                is_answer
                or any(marker in traceback for marker in stub_cells)
                or "is not written yet" in error.evalue  # a check_<name> met the stub
            )
            unset = error.ename == "NameError" and any(
                f"name '{name}' is not defined" in error.evalue for name in unset_values
            )
            if from_stub or unset:
                stopped += 1
            else:
                problems.append(describe(i, cell, error))
    assert not problems, (
        "errors that an unanswered exercise does not explain:\n\n" + "\n\n".join(problems)
    )
    assert stopped >= len(graded_names(item)), "every unanswered exercise should stop its check"


def validate(kind: str, item: Assignment, monkeypatch, tmp_path) -> dict:
    """``nbgrader validate`` on a copy of the notebook (through nbgrader's Python API)."""
    from nbgrader.validator import Validator

    read(kind, item)
    copy = tmp_path / item.notebook_file
    shutil.copy(notebook_path(kind, item), copy)
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel gets the inline backend
    monkeypatch.chdir(tmp_path)
    return Validator().validate(str(copy))


@pytest.mark.parametrize("kind, item", VALIDATE_PARAMS)
def test_nbgrader_validate(kind, item, monkeypatch, tmp_path):
    results = validate(kind, item, monkeypatch, tmp_path)
    if kind == SOURCE_DIR:
        assert results == {}, f"nbgrader validate fails on the solutions: {results}"
        return
    assert set(results) == {"failed"}, f"unexpected validation result: {sorted(results)}"
    nb = read(kind, item)
    grade_cells = [c for c in nb.cells if nbgrader_meta(c).get("grade")]
    assert len(results["failed"]) == len(grade_cells), (
        "every test and discuss cell of an unanswered release must fail validation"
    )
