"""Rebuild a submission from the released notebook, and record what the student changed.

The grader never trusts the structure of a submitted notebook. It starts from the
released notebook (``course/``) and takes only the answer cells (``solution: true``)
from the submission, matched by ``grade_id`` and cell type; every other cell (setup,
tests, prose) comes from the release. Whatever the student changed elsewhere is
recorded as a :class:`Finding`: a locked cell edited, emptied, turned into another
cell type or deleted, a ``grade_id`` or ``points`` changed or stripped, an answer
cell missing. A finding on a test cell (or on the answer cell it grades) costs that
question its points, and the feedback says what happened.

Submissions are parsed leniently: any JSON object with a list of cells is a notebook
here, whatever else is wrong with it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

ANSWER_PREFIX = "answer_"
TEST_PREFIX = "test_"
FRESH_COPY = "download a fresh copy of the notebook and paste your answers in"


class NotANotebook(ValueError):
    """The submitted file is not a Jupyter notebook (not JSON, or no list of cells)."""


@dataclass(frozen=True)
class Finding:
    """One thing the student changed outside their answer cells.

    Attributes
    ----------
    grade_id : str
        The ``grade_id`` of the cell concerned (in the release).
    kind : str
        A stable identifier: ``"test_edited"``, ``"test_emptied"``, ``"test_type_changed"``,
        ``"test_deleted"``, ``"test_grade_id_changed"``, ``"test_points_changed"``,
        ``"test_metadata_changed"``, ``"answer_missing"``, ``"answer_type_changed"``,
        ``"locked_edited"``, ``"locked_deleted"``, ``"unknown_grade_id"``,
        ``"duplicate_grade_id"``, ``"extra_code_cells"``.
    message : str
        One sentence for the student.
    question : str or None
        The graded name this finding belongs to (``"im_conv"``), or None for the notebook.
    costs_points : bool
        True when the question earns no points because of it.
    """

    grade_id: str
    kind: str
    message: str
    question: str | None = None
    costs_points: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        return cls(**{key: data[key] for key in
                      ("grade_id", "kind", "message", "question", "costs_points")})


@dataclass
class Rebuilt:
    """The result of :func:`rebuild`.

    Attributes
    ----------
    notebook : dict
        The rebuilt notebook (plain JSON data): the release's cells, outputs cleared,
        with the student's answer sources.
    findings : list of Finding
        What the student changed outside their answers.
    answers : dict
        ``grade_id -> source`` of the code answer cells, in release order (what the
        sandbox runs).
    """

    notebook: dict[str, Any]
    findings: list[Finding] = field(default_factory=list)
    answers: dict[str, str] = field(default_factory=dict)

    def findings_for(self, question: str) -> list[Finding]:
        """The findings attached to one graded name."""
        return [f for f in self.findings if f.question == question]


def question_of(grade_id: str) -> str | None:
    """The graded name behind a ``grade_id`` (``test_im_conv``, ``answer_im_conv`` -> ``im_conv``).

    Examples
    --------
    >>> question_of("test_im_conv"), question_of("answer_im_conv"), question_of("setup")
    ('im_conv', 'im_conv', None)
    """
    for prefix in (TEST_PREFIX, ANSWER_PREFIX):
        if grade_id.startswith(prefix) and len(grade_id) > len(prefix):
            return grade_id[len(prefix):]
    return None


def parse_notebook(data: bytes | str) -> dict[str, Any]:
    """Parse a submitted file into notebook JSON, leniently.

    Raises
    ------
    NotANotebook
        When the bytes are not JSON, or not an object with a list of cells.

    Examples
    --------
    >>> parse_notebook('{"cells": [], "metadata": {}}')["cells"]
    []
    >>> try:
    ...     parse_notebook("{oops")
    ... except NotANotebook as exc:
    ...     print(str(exc)[:48])
    the file is not valid JSON (line 1, column 2: Ex
    """
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise NotANotebook(f"the file is not UTF-8 text ({exc.reason} at byte {exc.start}); "
                               "it cannot be opened as a notebook") from None
    try:
        nb = json.loads(data)
    except json.JSONDecodeError as exc:
        raise NotANotebook(
            f"the file is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            "it cannot be opened as a notebook") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise NotANotebook("the file is JSON but not a Jupyter notebook (it has no list of cells)")
    return nb


def _source(cell: Mapping[str, Any]) -> str:
    source = cell.get("source", "")
    if isinstance(source, list):
        return "".join(part for part in source if isinstance(part, str))
    return source if isinstance(source, str) else ""


def _nbgrader(cell: Mapping[str, Any]) -> dict[str, Any]:
    metadata = cell.get("metadata")
    meta = metadata.get("nbgrader") if isinstance(metadata, Mapping) else None
    return dict(meta) if isinstance(meta, Mapping) else {}


def _grade_id(cell: Mapping[str, Any]) -> str | None:
    grade_id = _nbgrader(cell).get("grade_id")
    return grade_id if isinstance(grade_id, str) and grade_id else None


def _same_text(a: str, b: str) -> bool:
    """Equal up to trailing whitespace (an editor adding a final newline is not an edit)."""
    return [line.rstrip() for line in a.rstrip().splitlines()] == \
        [line.rstrip() for line in b.rstrip().splitlines()]


def _points(meta: Mapping[str, Any]) -> float | None:
    try:
        return float(meta["points"])
    except (KeyError, TypeError, ValueError):
        return None


def _describe_points(value: Any) -> str:
    number = _points({"points": value})
    if number is None:
        return repr(value)
    return f"{number:g}"


_FLAGS = ("grade", "solution", "locked")


def rebuild(student: Mapping[str, Any], release: Mapping[str, Any]) -> Rebuilt:
    """Rebuild ``student`` on top of ``release``; record what was changed.

    Parameters
    ----------
    student : mapping
        The submitted notebook as JSON data (see :func:`parse_notebook`).
    release : mapping
        The released notebook as JSON data.

    Returns
    -------
    Rebuilt
        The rebuilt notebook, the findings and the answer sources.

    Examples
    --------
    >>> def cell(kind, source, **nbgrader):
    ...     return {"cell_type": kind, "source": source, "metadata": {"nbgrader": nbgrader}}
    >>> release = {"cells": [
    ...     cell("code", "def f():\\n    raise NotImplementedError()",
    ...          grade_id="answer_f", solution=True, grade=False, locked=False),
    ...     cell("code", "check_f(f)", grade_id="test_f", grade=True, locked=True,
    ...          solution=False, points=2)]}
    >>> student = {"cells": [
    ...     cell("code", "def f():\\n    return 1", grade_id="answer_f", solution=True),
    ...     cell("code", "pass", grade_id="test_f", grade=True, locked=True, points=2)]}
    >>> result = rebuild(student, release)
    >>> result.answers
    {'answer_f': 'def f():\\n    return 1'}
    >>> [(f.kind, f.question, f.costs_points) for f in result.findings]
    [('test_edited', 'f', True)]
    >>> result.notebook["cells"][1]["source"]
    'check_f(f)'
    """
    if not isinstance(student, Mapping) or not isinstance(student.get("cells"), list):
        raise TypeError("student must be notebook JSON data with a list of cells")
    if not isinstance(release, Mapping) or not isinstance(release.get("cells"), list):
        raise TypeError("release must be notebook JSON data with a list of cells")

    findings: list[Finding] = []
    student_cells = [c for c in student["cells"] if isinstance(c, Mapping)]
    release_ids = {_grade_id(c) for c in release["cells"]} - {None}

    by_id: dict[str, Mapping[str, Any]] = {}
    for cell in student_cells:
        grade_id = _grade_id(cell)
        if grade_id is None:
            continue
        if grade_id in by_id:
            if grade_id in release_ids:
                findings.append(Finding(
                    grade_id, "duplicate_grade_id",
                    f"two cells have grade_id {grade_id}; only the first one was used",
                    question_of(grade_id)))
            continue
        by_id[grade_id] = cell
        if grade_id not in release_ids:
            findings.append(Finding(
                grade_id, "unknown_grade_id",
                f"a cell has grade_id {grade_id}, which is not part of this assignment; "
                "it was ignored"))

    used: set[int] = {id(c) for c in by_id.values() if _grade_id(c) in release_ids}
    rebuilt = copy.deepcopy(dict(release))
    answers: dict[str, str] = {}

    for out_cell in rebuilt["cells"]:
        if out_cell.get("cell_type") == "code":
            out_cell["outputs"] = []
            out_cell["execution_count"] = None
        grade_id = _grade_id(out_cell)
        if grade_id is None:
            continue
        release_meta = _nbgrader(out_cell)
        question = question_of(grade_id)
        mine = by_id.get(grade_id)
        kind = out_cell.get("cell_type")
        if release_meta.get("solution"):
            findings.extend(_take_answer(out_cell, mine, grade_id, question, kind))
            if out_cell.get("cell_type") == "code":
                answers[grade_id] = _source(out_cell)
        elif release_meta.get("locked") or release_meta.get("grade"):
            findings.extend(_check_locked(out_cell, mine, grade_id, question, student_cells,
                                          used))

    extra = [c for c in student_cells
             if c.get("cell_type") == "code" and id(c) not in used and _source(c).strip()
             and not any(_same_text(_source(c), _source(r)) for r in release["cells"])]
    if extra:
        findings.append(Finding(
            "", "extra_code_cells",
            f"you added {len(extra)} code cell{'s' if len(extra) > 1 else ''} of your own; "
            "the grader runs only the answer cells, so helper functions must go inside "
            "the answer cell that uses them"))
    return Rebuilt(rebuilt, findings, answers)


def _take_answer(out_cell: dict[str, Any], mine: Mapping[str, Any] | None, grade_id: str,
                 question: str | None, kind: str | None) -> list[Finding]:
    if mine is None:
        return [Finding(grade_id, "answer_missing",
                        f"the answer cell {grade_id} is missing from your notebook (deleted, or "
                        f"its grade_id changed), so the blank exercise was graded: {FRESH_COPY}",
                        question, costs_points=True)]
    if mine.get("cell_type") != kind:
        return [Finding(grade_id, "answer_type_changed",
                        f"the answer cell {grade_id} was turned into a {mine.get('cell_type')} "
                        f"cell, so the blank exercise was graded: make it a {kind} cell again",
                        question, costs_points=True)]
    out_cell["source"] = _source(mine)
    return []


def _check_locked(out_cell: dict[str, Any], mine: Mapping[str, Any] | None, grade_id: str,
                  question: str | None, student_cells: list[Mapping[str, Any]],
                  used: set[int]) -> list[Finding]:
    release_meta = _nbgrader(out_cell)
    is_test = bool(release_meta.get("grade")) and question is not None
    what = f"the test cell {grade_id}" if is_test else f"the locked cell {grade_id}"
    consequence = (f", so it earns no points: {FRESH_COPY}" if is_test
                   else "; the grader used the original")
    prefix = "test" if is_test else "locked"
    source = _source(out_cell)

    def finding(kind: str, happened: str) -> Finding:
        return Finding(grade_id, f"{prefix}_{kind}", f"{what} {happened}{consequence}",
                       question if is_test else None, costs_points=is_test)

    if mine is None:
        twin = next((c for c in student_cells if id(c) not in used
                     and c.get("cell_type") == out_cell.get("cell_type")
                     and _same_text(_source(c), source) and source.strip()), None)
        if twin is not None:
            used.add(id(twin))
            other = _grade_id(twin)
            happened = (f"had its grade_id changed to {other}" if other
                        else "had its grade_id removed")
            return [finding("grade_id_changed", happened)]
        return [finding("deleted", "was deleted")]

    found: list[Finding] = []
    if mine.get("cell_type") != out_cell.get("cell_type"):
        found.append(finding("type_changed", f"was turned into a {mine.get('cell_type')} cell"))
    elif not _same_text(_source(mine), source):
        if _source(mine).strip():
            found.append(finding("edited", "was edited"))
        else:
            found.append(finding("emptied", "was emptied"))
    if is_test:
        meta = _nbgrader(mine)
        if "points" not in meta:
            found.append(finding("points_changed", "had its points removed"))
        elif _points(meta) != _points(release_meta):
            found.append(finding(
                "points_changed",
                f"had its points changed from {_describe_points(release_meta.get('points'))} "
                f"to {_describe_points(meta.get('points'))}"))
        changed = [flag for flag in _FLAGS if bool(meta.get(flag)) != bool(release_meta.get(flag))]
        if changed:
            found.append(finding("metadata_changed",
                                 f"had its nbgrader settings changed ({', '.join(changed)})"))
    return found


def graded_names(notebook: Mapping[str, Any]) -> list[str]:
    """The graded names of a notebook: one per auto-graded test cell, in notebook order.

    Examples
    --------
    >>> nb = {"cells": [{"cell_type": "code", "source": "", "metadata": {"nbgrader": {
    ...     "grade_id": "test_im_conv", "grade": True, "solution": False}}}]}
    >>> graded_names(nb)
    ['im_conv']
    """
    names = []
    for cell in notebook.get("cells", []):
        meta = _nbgrader(cell)
        grade_id = _grade_id(cell)
        if (cell.get("cell_type") == "code" and meta.get("grade") and not meta.get("solution")
                and grade_id and grade_id.startswith(TEST_PREFIX)):
            name = question_of(grade_id)
            if name and name not in names:
                names.append(name)
    return names


def answer_sources(notebook: Mapping[str, Any]) -> list[str]:
    """The sources of the notebook's code answer cells (``solution: true``), in order.

    Examples
    --------
    >>> nb = {"cells": [{"cell_type": "code", "source": ["x = ", "1"],
    ...                  "metadata": {"nbgrader": {"solution": True}}}]}
    >>> answer_sources(nb)
    ['x = 1']
    """
    return [_source(cell) for cell in notebook.get("cells", [])
            if cell.get("cell_type") == "code" and _nbgrader(cell).get("solution")]


def normalize_notebook(notebook: Mapping[str, Any]):
    """A valid nbformat-4 notebook with the same cells as leniently parsed ``notebook``.

    Keeps what grading looks at (cell type, source, ``nbgrader`` metadata and tags) and
    drops everything else (outputs, attachments, odd metadata), so nbgrader can always
    read what the grader writes. Unknown cell types become raw cells.

    Examples
    --------
    >>> nb = normalize_notebook({"cells": [{"cell_type": "code", "source": ["x", " = 1"],
    ...                                     "outputs": "garbage"}, "not a cell"]})
    >>> [(c.cell_type, c.source, c.outputs) for c in nb.cells]
    [('code', 'x = 1', [])]
    """
    import nbformat

    makers = {"code": nbformat.v4.new_code_cell, "markdown": nbformat.v4.new_markdown_cell,
              "raw": nbformat.v4.new_raw_cell}
    nb = nbformat.v4.new_notebook()
    for cell in notebook.get("cells", []):
        if not isinstance(cell, Mapping):
            continue
        metadata: dict[str, Any] = {}
        meta = _nbgrader(cell)
        if meta:
            metadata["nbgrader"] = json.loads(json.dumps(meta))
        tags = cell.get("metadata", {}).get("tags") if isinstance(cell.get("metadata"),
                                                                  Mapping) else None
        if isinstance(tags, list) and all(isinstance(t, str) for t in tags):
            metadata["tags"] = list(tags)
        maker = makers.get(cell.get("cell_type"), nbformat.v4.new_raw_cell)
        nb.cells.append(maker(source=_source(cell), metadata=metadata))
    return nb
