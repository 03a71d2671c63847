"""Rebuild a submission from the released notebook, and record what the student changed.

The grader never trusts the structure of a submitted notebook. It starts from the
released notebook (``course/``) and takes only the answer cells (``solution: true``)
from the submission, matched by ``grade_id`` and cell type; every other cell (setup,
tests, prose) comes from the release. Whatever the student changed elsewhere is
recorded as a :class:`Finding`: a locked cell edited, emptied, turned into another
cell type or deleted, a ``grade_id`` or ``points`` changed or stripped, an answer
cell missing. A finding on a test cell (or on the answer cell it grades) costs that
question its points, and the feedback says what happened.

Code cells the student added are kept (marked ``metadata.convkit.added``) and run in
the sandbox before the answer cells, as untrusted as the answers: a helper defined
there counts. An answer cell duplicated by copy-paste is graded from its last copy,
with a note.

Submissions are parsed leniently: any JSON object with a list of cells is a notebook
here, whatever else is wrong with it, within the limits of
:mod:`convkit.grading.intake`; any bytes at all give a notebook or
:class:`NotANotebook`, never another exception.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from convkit.grading import intake

ANSWER_PREFIX = "answer_"
TEST_PREFIX = "test_"
META_KEY = "convkit"  #: the notebook metadata key of the grader's own records
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
        ``grade_id -> source`` of the code answer cells, in release order.
    added : list of str
        The sources of the code cells the student added, in notebook order; the
        rebuilt notebook holds them too (marked ``metadata.convkit.added``), and the
        sandbox runs them before the answers (see :func:`answer_sources`).
    """

    notebook: dict[str, Any]
    findings: list[Finding] = field(default_factory=list)
    answers: dict[str, str] = field(default_factory=dict)
    added: list[str] = field(default_factory=list)

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


_SURROGATE = re.compile("[\ud800-\udfff]")


def parse_notebook(data: bytes | str) -> dict[str, Any]:
    """Parse a submitted file into notebook JSON, leniently; any bytes at all are safe here.

    Anything JSON accepts is read, as long as it is an object with a list of cells
    within the limits of :mod:`convkit.grading.intake` (:data:`~.intake.MAX_CELLS`
    cells, :data:`~.intake.MAX_CELL_SOURCE` characters of source per cell and
    :data:`~.intake.MAX_TOTAL_SOURCE` in all, nesting at most
    :data:`~.intake.MAX_JSON_DEPTH` deep). A lone surrogate escape such as
    ``"\\udead"`` (which no UTF-8 file can hold, so writing the notebook back would
    fail) is replaced by U+FFFD, and the notebook's ``metadata.convkit.parse_notes``
    says so (rebuilding turns it into a note for the student); a ``metadata.convkit``
    the submission brought is dropped.

    Raises
    ------
    NotANotebook
        When the bytes are not UTF-8 JSON, not an object with a list of cells, or
        beyond a limit. Never any other exception, whatever the bytes.

    Examples
    --------
    >>> parse_notebook('{"cells": [], "metadata": {}}')["cells"]
    []
    >>> try:
    ...     parse_notebook("{oops")
    ... except NotANotebook as exc:
    ...     print(str(exc)[:48])
    the file is not valid JSON (line 1, column 2: Ex
    >>> nb = parse_notebook('{"cells": [{"cell_type": "code", "source": "# \\udead"}]}')
    >>> nb["cells"][0]["source"], nb["metadata"]["convkit"]["parse_notes"][0][:45]
    ('# \ufffd', 'your notebook held 1 character that is not te')
    """
    if isinstance(data, bytes | bytearray | memoryview):
        try:
            data = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise NotANotebook(f"the file is not UTF-8 text ({exc.reason} at byte {exc.start}); "
                               "it cannot be opened as a notebook") from None
    if not isinstance(data, str):
        raise NotANotebook(f"a notebook is bytes or text, not a {type(data).__name__}")
    try:
        nb = json.loads(data)
    except json.JSONDecodeError as exc:
        raise NotANotebook(
            f"the file is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            "it cannot be opened as a notebook") from None
    except RecursionError:
        raise NotANotebook(f"the file nests JSON arrays or objects more than "
                           f"{intake.MAX_JSON_DEPTH} deep; no notebook does") from None
    except (ValueError, OverflowError, MemoryError) as exc:  # e.g. an integer of 5,000 digits
        raise NotANotebook(f"the file is not JSON a notebook can hold ({_short(str(exc))})"
                           ) from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise NotANotebook("the file is JSON but not a Jupyter notebook (it has no list of cells)")
    if len(nb["cells"]) > intake.MAX_CELLS:
        raise NotANotebook(f"the notebook has {len(nb['cells']):,} cells, more than the "
                           f"{intake.MAX_CELLS:,} the grader reads")
    replaced = _clean_json(nb)
    total = 0
    for index, cell in enumerate(nb["cells"], start=1):
        if not isinstance(cell, Mapping):
            continue
        size = len(_source(cell))
        if size > intake.MAX_CELL_SOURCE:
            raise NotANotebook(f"cell {index} holds {size:,} characters, more than the "
                               f"{intake.MAX_CELL_SOURCE:,} the grader reads in one cell")
        total += size
    if total > intake.MAX_TOTAL_SOURCE:
        raise NotANotebook(f"the cells hold {total:,} characters, more than the "
                           f"{intake.MAX_TOTAL_SOURCE:,} the grader reads in one notebook")
    if not isinstance(nb.get("metadata"), dict):
        nb["metadata"] = {}
    nb["metadata"].pop(META_KEY, None)
    if replaced:
        plural = "s" if replaced > 1 else ""
        nb["metadata"][META_KEY] = {"parse_notes": [
            f"your notebook held {replaced} character{plural} that is not text (a lone "
            "surrogate escape such as \\udead, which no file can store); the grader read "
            f"{'them' if plural else 'it'} as \ufffd"]}
    return nb


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _clean_json(root: Any) -> int:
    """Replace lone surrogates in every string (keys too) of ``root``, in place; check depth.

    Iterative, so no nesting can exhaust the stack. Returns how many characters were
    replaced; raises NotANotebook beyond :data:`~.intake.MAX_JSON_DEPTH`.
    """
    replaced = 0

    def fix(text: str) -> str:
        nonlocal replaced
        fixed, count = _SURROGATE.subn("\ufffd", text)
        replaced += count
        return fixed

    stack: list[tuple[Any, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > intake.MAX_JSON_DEPTH:
            raise NotANotebook(f"the file nests JSON arrays or objects more than "
                               f"{intake.MAX_JSON_DEPTH} deep; no notebook does")
        if isinstance(node, dict):
            if any(_SURROGATE.search(key) for key in node):
                items = [(fix(key), value) for key, value in node.items()]
                node.clear()
                node.update(items)
            for key, value in node.items():
                if isinstance(value, str):
                    if _SURROGATE.search(value):
                        node[key] = fix(value)
                elif isinstance(value, dict | list):
                    stack.append((value, depth + 1))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                if isinstance(value, str):
                    if _SURROGATE.search(value):
                        node[index] = fix(value)
                elif isinstance(value, dict | list):
                    stack.append((value, depth + 1))
    return replaced


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


def nbgrader_checksum(source: str, cell_type: str, meta: Mapping[str, Any]) -> str | None:
    """nbgrader's checksum of a cell (``nbgrader.utils.compute_checksum``), or None.

    nbgrader stores it in every nbgrader cell it releases: an md5 over the source, the
    cell type, whether the cell is a grade, solution and locked cell, its ``grade_id``
    and, for a grade cell, its points. None when ``meta`` has no ``grade_id`` or a grade
    cell has no number of points.

    Examples
    --------
    >>> meta = {"grade_id": "test_f", "grade": True, "solution": False, "locked": True,
    ...         "points": 2}
    >>> nbgrader_checksum("check_f(f)", "code", meta)
    '6a55f7da5ed4717cbda3e794b8dfe2e9'
    >>> nbgrader_checksum("check_f(f)", "code", {**meta, "points": 3}) == _
    False
    """
    import hashlib

    grade_id = meta.get("grade_id")
    if not isinstance(grade_id, str):
        return None
    grade, solution = bool(meta.get("grade")), bool(meta.get("solution"))
    locked = False if solution else (True if grade else bool(meta.get("locked")))
    digest = hashlib.md5(usedforsecurity=False)
    for part in (source, cell_type, str(grade), str(solution), str(locked), grade_id):
        digest.update(part.encode("utf-8", "surrogatepass"))
    if grade:
        points = _points(meta)
        if points is None:
            return None
        digest.update(str(points).encode())
    return digest.hexdigest()


#: the parts of a locked cell a student could change, in the order findings name them
_PARTS = ("type", "source", "points", "flags")


def changed_since_received(mine: Mapping[str, Any], release_cell: Mapping[str, Any]
                           ) -> set[str] | None:
    """What the student changed in a locked cell since they got it, or None if unknown.

    The student's copy carries the checksum nbgrader computed when the release they
    were given was made. The cell they received is the one whose content gives that
    checksum: for each part (``"type"``, ``"source"``, ``"points"``, ``"flags"``), either
    the student's version of it (they did not change it) or the current release's (they
    did). Of the combinations that reproduce the stored checksum, the one with the
    fewest changes is the answer: an empty set when the cell is exactly as received,
    even if the instructor has changed the cell (points, source) since. None when the
    copy has no checksum, or when no combination matches (the student changed a part
    the instructor changed too, or edited the checksum).

    Examples
    --------
    >>> meta = {"grade_id": "test_f", "grade": True, "solution": False, "locked": True}
    >>> received = {"cell_type": "code", "source": "check_f(f)", "metadata": {"nbgrader": {
    ...     **meta, "points": 2, "checksum": nbgrader_checksum("check_f(f)", "code",
    ...                                                      {**meta, "points": 2})}}}
    >>> now = {"cell_type": "code", "source": "check_f(f)",
    ...        "metadata": {"nbgrader": {**meta, "points": 4}}}   # re-weighted since
    >>> changed_since_received(received, now)
    set()
    >>> received["metadata"]["nbgrader"]["points"] = 100   # the student's edit
    >>> changed_since_received(received, now) is None         # 2 -> 100: not the release's 4
    True
    >>> received["metadata"]["nbgrader"]["points"] = 2
    >>> received["source"] = "pass"                           # the student's edit
    >>> changed_since_received(received, now)
    {'source'}
    """
    meta = _nbgrader(mine)
    stored = meta.get("checksum")
    if not isinstance(stored, str) or not stored:
        return None
    release_meta = _nbgrader(release_cell)
    mine_type, release_type = str(mine.get("cell_type")), str(release_cell.get("cell_type"))
    options: dict[str, list[tuple[Any, bool]]] = {
        "type": [(mine_type, False)] + ([(release_type, True)]
                                        if release_type != mine_type else []),
        "source": [(_source(mine), False)] + ([(_source(release_cell), True)]
                                              if _source(release_cell) != _source(mine)
                                              else []),
        "points": ([(meta.get("points"), False)] if "points" in meta
                   or "points" not in release_meta else [])
        + ([(release_meta.get("points"), True)] if "points" in release_meta
           and (_points(release_meta) != _points(meta) or "points" not in meta) else []),
        "flags": [({f: meta.get(f) for f in _FLAGS}, False)]
        + ([({f: release_meta.get(f) for f in _FLAGS}, True)]
           if any(bool(meta.get(f)) != bool(release_meta.get(f)) for f in _FLAGS) else []),
    }
    import itertools

    best: set[str] | None = None
    for combo in itertools.product(*(options[part] or [(None, True)] for part in _PARTS)):
        changed = {part for part, (_value, change) in zip(_PARTS, combo, strict=True) if change}
        if best is not None and len(changed) >= len(best):
            continue
        kind, source, points, flags = (value for value, _change in combo)
        candidate = {**flags, "grade_id": meta.get("grade_id"), "points": points}
        if nbgrader_checksum(source, kind, candidate) == stored:
            best = changed
    if best is not None and "source" in best and _same_text(_source(mine),
                                                             _source(release_cell)):
        best.discard("source")  # only trailing whitespace: not an edit
    return best


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

    findings: list[Finding] = _parse_notes(student)
    student_cells = [c for c in student["cells"] if isinstance(c, Mapping)]
    release_cells = [c for c in release["cells"] if isinstance(c, Mapping)]
    release_meta_by_id = {_grade_id(c): _nbgrader(c) for c in release_cells}
    release_meta_by_id.pop(None, None)
    release_text = {_grade_id(c): _source(c) for c in release_cells}

    copies: dict[str, list[Mapping[str, Any]]] = {}
    for cell in student_cells:
        grade_id = _grade_id(cell)
        if grade_id is not None:
            copies.setdefault(grade_id, []).append(cell)
    by_id: dict[str, Mapping[str, Any]] = {}
    superseded: set[int] = set()  # the copies of a duplicated cell that were not used
    for grade_id, cells in copies.items():
        if grade_id not in release_meta_by_id:
            continue
        chosen = _choose_copy(cells, release_meta_by_id[grade_id], release_text[grade_id])
        by_id[grade_id] = chosen
        superseded.update(id(c) for c in cells if c is not chosen)
        if len(cells) > 1:
            findings.append(_duplicate_finding(grade_id, len(cells),
                                               release_meta_by_id[grade_id]))

    used: set[int] = {id(c) for c in by_id.values()} | superseded
    rebuilt = copy.deepcopy(dict(release))
    answers: dict[str, str] = {}

    for out_cell in rebuilt["cells"]:
        if not isinstance(out_cell, dict):
            continue
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
        if mine is not None and not (release_meta.get("grade")
                                     and not release_meta.get("solution")):
            _keep_outputs(out_cell, mine)  # a test cell shows the grader's verdict instead

    _keep_plain_outputs(rebuilt["cells"], student_cells)
    added = _added_cells(student_cells, release_cells, used, findings)
    if added:
        _insert_added(rebuilt, student_cells, added)
        count = len(added)
        findings.append(Finding(
            "", "extra_code_cells",
            f"you added {count} code cell{'s' if count > 1 else ''} of your own; the grader "
            f"ran {'them' if count > 1 else 'it'} before the answer cells, in notebook order, "
            "like your answers: what they define counts, and what is not allowed while "
            "grading is not allowed there either"))
    return Rebuilt(rebuilt, findings, answers, [_source(c) for c in added])


def _parse_notes(student: Mapping[str, Any]) -> list[Finding]:
    """The notes :func:`parse_notebook` left in the notebook's metadata, as findings."""
    metadata = student.get("metadata")
    mine = metadata.get(META_KEY) if isinstance(metadata, Mapping) else None
    notes = mine.get("parse_notes") if isinstance(mine, Mapping) else None
    if not isinstance(notes, list):
        return []
    return [Finding("", "text_replaced", note) for note in notes if isinstance(note, str)]


def _choose_copy(cells: list[Mapping[str, Any]], release_meta: Mapping[str, Any],
                 release_source: str) -> Mapping[str, Any]:
    """Which of the cells sharing a grade_id stands for it.

    An answer cell copied by copy-paste is graded from the last copy (the one edited
    last, as a rule); for a locked or test cell, a copy that still matches the release
    wins, so a copy used as scratch paper is not tampering.
    """
    if release_meta.get("solution"):
        return cells[-1]
    for cell in cells:
        if _same_text(_source(cell), release_source):
            return cell
    for cell in cells:  # a copy as the student received it (from an older release)
        if changed_since_received(cell, {"cell_type": cell.get("cell_type"),
                                         "source": release_source,
                                         "metadata": {"nbgrader": dict(release_meta)}}) == set():
            return cell
    return cells[-1]


def _duplicate_finding(grade_id: str, count: int, release_meta: Mapping[str, Any]) -> Finding:
    if release_meta.get("solution"):
        used = "the grader graded the last one (the lowest in the notebook)"
    else:
        used = "the grader compared the one that matches the released cell, if any"
    return Finding(grade_id, "duplicate_grade_id",
                   f"{count} cells have grade_id {grade_id} (a copied cell keeps it); {used}",
                   question_of(grade_id))


def _added_cells(student_cells: list[Mapping[str, Any]], release_cells: list[Mapping[str, Any]],
                 used: set[int], findings: list[Finding]) -> list[Mapping[str, Any]]:
    """The code cells the student added, in notebook order, noting unknown grade_ids.

    A code cell counts as added when it is not one of the release's cells (by grade_id,
    or as an unchanged copy of a release cell's text) and is not empty; a cell whose
    grade_id is not part of the assignment (pasted from another notebook) is one too.
    """
    texts = [_source(r) for r in release_cells]
    added = []
    for cell in student_cells:
        if id(cell) in used:
            continue
        grade_id = _grade_id(cell)
        source = _source(cell)
        is_code = cell.get("cell_type") == "code"
        if grade_id is not None:
            what = ("it was run as a code cell of your own" if is_code and source.strip()
                    else "it was ignored")
            findings.append(Finding(
                grade_id, "unknown_grade_id",
                f"a cell has grade_id {grade_id}, which is not part of this assignment; {what}"))
        if not is_code or not source.strip():
            continue
        if any(_same_text(source, text) for text in texts):
            continue
        added.append(cell)
    return added


def _insert_added(rebuilt: dict[str, Any], student_cells: list[Mapping[str, Any]],
                  added: list[Mapping[str, Any]]) -> None:
    """Put the added cells into the rebuilt notebook where the student had them.

    Each goes after the rebuilt cell matching the closest cell above it in the
    submission (by grade_id, else by identical text); with none above, at the top.
    Only the source is kept; the cell is marked ``metadata.convkit.added``.
    """
    cells = rebuilt["cells"]
    position_of_id = {_grade_id(c): i for i, c in enumerate(cells) if isinstance(c, Mapping)}
    position_of_id.pop(None, None)
    added_ids = {id(c) for c in added}
    placed: list[tuple[int, int, dict[str, Any]]] = []
    anchor = -1
    for order, cell in enumerate(student_cells):
        if id(cell) in added_ids:
            new_cell: dict[str, Any] = {
                "cell_type": "code", "execution_count": None, "id": f"convkit-added-{order}",
                "metadata": {META_KEY: {"added": True}}, "outputs": [],
                "source": _source(cell)}
            _keep_outputs(new_cell, cell)
            placed.append((anchor, order, new_cell))
            continue
        grade_id = _grade_id(cell)
        if grade_id in position_of_id:
            anchor = position_of_id[grade_id]
            continue
        source = _source(cell)
        if source.strip():
            for i in range(anchor + 1, len(cells)):
                if isinstance(cells[i], Mapping) and _same_text(_source(cells[i]), source):
                    anchor = i
                    break
    for anchor_at, _order, new in sorted(placed, key=lambda item: (-item[0], -item[1])):
        cells.insert(anchor_at + 1, new)


OUTPUTS_KEY = "outputs"  #: ``metadata.convkit.outputs``: the student's outputs of a cell


def student_outputs(cell: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The outputs the student's notebook showed for ``cell``, kept by :func:`rebuild`.

    They travel in the cell's ``metadata.convkit.outputs`` (nbgrader's ``ClearOutput``
    clears ``outputs`` during autograde) and are sanitised
    (:func:`convkit.grading.sanitize.clean_output`): no script, no event handler, images
    as base64 data. ``SandboxChecks`` puts them back as the cell's outputs.

    Examples
    --------
    >>> student_outputs({"metadata": {"convkit": {"outputs": [
    ...     {"output_type": "stream", "name": "stdout", "text": "hi"}]}}})
    [{'output_type': 'stream', 'name': 'stdout', 'text': 'hi'}]
    >>> student_outputs({"metadata": {}})
    []
    """
    metadata = cell.get("metadata")
    mine = metadata.get(META_KEY) if isinstance(metadata, Mapping) else None
    outputs = mine.get(OUTPUTS_KEY) if isinstance(mine, Mapping) else None
    return [dict(o) for o in outputs if isinstance(o, Mapping)] if isinstance(outputs,
                                                                              list) else []


def _clean_outputs(cell: Mapping[str, Any]) -> list[dict[str, Any]]:
    from convkit.grading.sanitize import clean_output

    outputs = cell.get("outputs")
    if cell.get("cell_type") != "code" or not isinstance(outputs, list):
        return []
    cleaned = (clean_output(o) for o in outputs[:MAX_OUTPUTS] if isinstance(o, Mapping))
    return [o for o in cleaned if o is not None]


#: outputs kept per cell (a loop printing in a cell makes one stream output per flush)
MAX_OUTPUTS = 100


def _keep_outputs(out_cell: dict[str, Any], mine: Mapping[str, Any]) -> None:
    """Stash the student's (sanitised) outputs of ``mine`` on the rebuilt ``out_cell``."""
    if out_cell.get("cell_type") != "code" or mine.get("cell_type") != "code":
        return
    outputs = _clean_outputs(mine)
    if outputs:
        metadata = out_cell.setdefault("metadata", {})
        metadata.setdefault(META_KEY, {})[OUTPUTS_KEY] = outputs


def _keep_plain_outputs(cells: list[Any], student_cells: list[Mapping[str, Any]]) -> None:
    """The student's outputs of the release's plain code cells (no nbgrader metadata).

    Each plain code cell of the release is matched, in order, with the next plain code
    cell of the submission holding the same text.
    """
    plain = [c for c in student_cells if c.get("cell_type") == "code" and _grade_id(c) is None]
    start = 0
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code" or _grade_id(cell):
            continue
        text = _source(cell)
        for index in range(start, len(plain)):
            if _same_text(_source(plain[index]), text):
                _keep_outputs(cell, plain[index])
                start = index + 1
                break


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

    changed = changed_since_received(mine, out_cell)
    meta = _nbgrader(mine)
    if changed is None:
        changed = _differs_from(mine, out_cell)
        stored = meta.get("checksum")
        if changed and isinstance(stored, str) and stored:
            # neither as received nor as released now: something was changed, but which
            # part cannot be told apart from what the instructor changed since
            return [finding("edited", "was changed after you received it (it no longer "
                                      "matches the checksum nbgrader stored in your copy)")]
    found: list[Finding] = []
    if "type" in changed:
        found.append(finding("type_changed", f"was turned into a {mine.get('cell_type')} cell"))
    elif "source" in changed:
        if _source(mine).strip():
            found.append(finding("edited", "was edited"))
        else:
            found.append(finding("emptied", "was emptied"))
    if is_test and "points" in changed:
        if "points" not in meta:
            found.append(finding("points_changed", "had its points removed"))
        else:
            found.append(finding(
                "points_changed",
                f"had its points changed from {_describe_points(release_meta.get('points'))} "
                f"to {_describe_points(meta.get('points'))}"))
    if is_test and "flags" in changed:
        flags = [flag for flag in _FLAGS if bool(meta.get(flag)) != bool(release_meta.get(flag))]
        found.append(finding("metadata_changed",
                             f"had its nbgrader settings changed ({', '.join(flags)})"))
    return found


def _differs_from(mine: Mapping[str, Any], release_cell: Mapping[str, Any]) -> set[str]:
    """The parts (see :func:`changed_since_received`) in which ``mine`` differs from the release."""
    meta, release_meta = _nbgrader(mine), _nbgrader(release_cell)
    parts = set()
    if mine.get("cell_type") != release_cell.get("cell_type"):
        parts.add("type")
    if not _same_text(_source(mine), _source(release_cell)):
        parts.add("source")
    if release_meta.get("grade") and ("points" not in meta
                                      or _points(meta) != _points(release_meta)):
        parts.add("points")
    if any(bool(meta.get(flag)) != bool(release_meta.get(flag)) for flag in _FLAGS):
        parts.add("flags")
    return parts


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


def is_added(cell: Mapping[str, Any]) -> bool:
    """True for a code cell that :func:`rebuild` put in as one the student added."""
    metadata = cell.get("metadata")
    mine = metadata.get(META_KEY) if isinstance(metadata, Mapping) else None
    return (cell.get("cell_type") == "code" and isinstance(mine, Mapping)
            and mine.get("added") is True)


def added_sources(notebook: Mapping[str, Any]) -> list[str]:
    """The sources of the code cells the student added, in notebook order.

    They are the first ``len(added_sources(nb))`` entries of :func:`answer_sources`, so a
    caller can tell the sandbox which sources are scratch cells (a refused import there
    need not be a violation: the answer that uses its name fails anyway).

    Examples
    --------
    >>> nb = {"cells": [{"cell_type": "code", "source": "h = 1",
    ...                  "metadata": {"convkit": {"added": True}}}]}
    >>> added_sources(nb)
    ['h = 1']
    """
    return [_source(cell) for cell in notebook.get("cells", [])
            if isinstance(cell, Mapping) and is_added(cell)]


def answer_sources(notebook: Mapping[str, Any]) -> list[str]:
    """What the sandbox runs: the student's added code cells, then the code answer cells.

    Both in notebook order: the cells :func:`rebuild` marked as added by the student
    first (a helper defined there counts, as it did in the student's kernel), then
    the code answer cells (``solution: true``), so an answer cell's definition wins
    over a scratch copy of it.

    Examples
    --------
    >>> nb = {"cells": [{"cell_type": "code", "source": ["x = ", "1"],
    ...                  "metadata": {"nbgrader": {"solution": True}}},
    ...                 {"cell_type": "code", "source": "def helper(): pass",
    ...                  "metadata": {"convkit": {"added": True}}}]}
    >>> answer_sources(nb)
    ['def helper(): pass', 'x = 1']
    """
    cells = [c for c in notebook.get("cells", []) if isinstance(c, Mapping)]
    added = added_sources(notebook)
    answers = [_source(cell) for cell in cells
               if cell.get("cell_type") == "code" and _nbgrader(cell).get("solution")
               and not is_added(cell)]
    return added + answers


def normalize_notebook(notebook: Mapping[str, Any]):
    """A valid nbformat-4 notebook with the same cells as leniently parsed ``notebook``.

    Keeps what grading looks at (cell type, source, ``nbgrader`` metadata and tags) and
    the code cells' outputs, sanitised (:func:`convkit.grading.sanitize.clean_output`: the
    feedback shows them), and drops everything else (attachments, odd metadata), so
    nbgrader can always read what the grader writes. Unknown cell types become raw cells.

    Examples
    --------
    >>> nb = normalize_notebook({"cells": [{"cell_type": "code", "source": ["x", " = 1"],
    ...                                     "outputs": "garbage"}, "not a cell"]})
    >>> [(c.cell_type, c.source, c.outputs) for c in nb.cells]
    [('code', 'x = 1', [])]
    >>> nb = normalize_notebook({"cells": [{"cell_type": "code", "source": "print(1)",
    ...     "outputs": [{"output_type": "stream", "name": "stdout", "text": "1\\n"},
    ...                 {"output_type": "display_data", "metadata": {},
    ...                  "data": {"application/javascript": "alert(1)"}}]}]})
    >>> [o.get("text") or o["data"]["text/plain"][:30] for o in nb.cells[0].outputs]
    ['1\\n', '[output of type application/ja']
    """
    import nbformat

    makers = {"code": nbformat.v4.new_code_cell, "markdown": nbformat.v4.new_markdown_cell,
              "raw": nbformat.v4.new_raw_cell}
    nb = nbformat.v4.new_notebook()
    top = notebook.get("metadata")
    mine = top.get(META_KEY) if isinstance(top, Mapping) else None
    notes = mine.get("parse_notes") if isinstance(mine, Mapping) else None
    if isinstance(notes, list) and all(isinstance(note, str) for note in notes):
        nb.metadata[META_KEY] = {"parse_notes": list(notes)}
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
        kind = cell.get("cell_type")
        maker = makers.get(kind, nbformat.v4.new_raw_cell) if isinstance(kind, str) \
            else nbformat.v4.new_raw_cell
        new = maker(source=_source(cell), metadata=metadata)
        if new.cell_type == "code":
            new.outputs = [nbformat.from_dict(o) for o in _clean_outputs(cell)]
        nb.cells.append(new)
    return nb
