"""The sample class: six students' submissions built from the released notebooks.

``convkit sample-class --out DIR`` writes them (and ``convkit grade`` with no
SUBMISSIONS_DIR builds and grades them), in nbgrader's submitted layout
``DIR/<student>/<assignment>/<notebook>.ipynb``:

================== ===========================================================================
ada_correct        every answer right (each exercise's ``right`` answer)
ben_mistakes       a typical mistake in every exercise (each exercise's ``wrong`` answer),
                   each one a mistake the grader names; some earn partial credit
cleo_blank         handed in the blank release
dev_broken_json    everything right, but one notebook (:data:`BROKEN_ASSIGNMENT`) is not
                   valid JSON (cut short)
eve_infinite_loop  everything right except the first function of :data:`LOOP_ASSIGNMENT`,
                   which loops forever and ignores SIGINT (the notebook's other answers keep
                   their points)
finn_cheater       each exercise's ``cheat``: tries to cheat in every exercise but one
                   (it is right and prints to stderr and warns: it keeps its points)
================== ===========================================================================

Every answer comes from the exercise modules (:mod:`convkit.exercises`); this module names
no exercise. :func:`expected_points` gives the points each student should get per graded
name; the tests check the grader against it and the instructor README shows the table.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from convkit.checking.types import Exercise

STUDENTS = ("ada_correct", "ben_mistakes", "cleo_blank", "dev_broken_json",
            "eve_infinite_loop", "finn_cheater")

_SOLUTION_LINE = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$")

#: the assignment whose notebook dev hands in cut short
BROKEN_ASSIGNMENT = "02_im_conv"
#: the assignment whose first function eve's answer loops in (the rest of it is right)
LOOP_ASSIGNMENT = "02_im_conv"


def loops_forever(ex: Exercise) -> bool:
    """Whether eve's answer to ``ex`` is the infinite loop: the first function of
    :data:`LOOP_ASSIGNMENT` in the lesson's order."""
    from convkit import exercises

    functions = [e for e in exercises.for_assignment(LOOP_ASSIGNMENT) if e.kind == "function"]
    return bool(functions) and ex.name == functions[0].name


def infinite_loop(ex: Exercise) -> str:
    """Eve's answer: ``ex``'s function, looping forever and ignoring SIGINT.

    Examples
    --------
    >>> from convkit import exercises
    >>> infinite_loop(exercises.get("flip_kernel")).splitlines()[0]
    'def flip_kernel(kernel):'
    """
    return (f"def {ex.name}({', '.join(ex.args)}):\n"
            '    """This one never returns."""\n'
            "    import signal\n"
            "    signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
            "    steps = 0\n"
            "    while True:\n"
            "        steps += 1\n")


#: finn's edits of locked test cells, by the exercise's ``options["cheat_edit"]``
TEST_CELL_EDITS: dict[str, Callable[[dict[str, Any]], None]] = {
    "source": lambda cell: cell.update(source="print('all checks passed')\n"),
    "points": lambda cell: cell["metadata"]["nbgrader"].update(points=100),
}


def _earned(student: str, ex: Exercise) -> float:
    """The points ``student`` should earn on ``ex`` (from the exercise's sample answers)."""
    right = ex.right.points if ex.right else 0
    if student == "ada_correct":
        return right
    if student == "ben_mistakes":
        return ex.wrong.points if ex.wrong else 0
    if student == "dev_broken_json":
        return 0 if ex.assignment == BROKEN_ASSIGNMENT else right
    if student == "eve_infinite_loop":
        return 0 if loops_forever(ex) else right
    if student == "finn_cheater":
        return ex.cheat.points if ex.cheat else 0
    return 0  # cleo_blank


def expected_points(course_root: Path | None = None) -> dict[tuple[str, str, str], float]:
    """The points each student should get: ``(student, assignment, name) -> points``.

    Only the auto-graded exercises of the assignments the course has (written answers
    are graded by a person and are not in this table); the points come from each
    exercise's sample answers (:attr:`convkit.checking.types.Exercise.right` and co.).

    Examples
    --------
    >>> table = expected_points()
    >>> table["ada_correct", "02_im_conv", "im_conv"], table["cleo_blank", "02_im_conv", "im_conv"]
    (5, 0)
    """
    from convkit import exercises
    from convkit.grading.pipeline import available_assignments

    available = available_assignments(_root(course_root))
    return {(student, ex.assignment, ex.name): _earned(student, ex)
            for student in STUDENTS for ex in exercises.all_exercises()
            if ex.assignment in available}


def _root(course_root: Path | None) -> Path:
    from convkit.course import course_root as find_root

    return Path(course_root).resolve() if course_root else find_root()


def solution_source(source: str) -> str:
    """A solution cell's source without the ``### BEGIN/END SOLUTION`` lines.

    Examples
    --------
    >>> solution_source("def f():\\n    ### BEGIN SOLUTION\\n    return 1\\n    ### END SOLUTION")
    'def f():\\n    return 1'
    """
    return "\n".join(line for line in source.splitlines() if not _SOLUTION_LINE.match(line))


def _text(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _grade_id(cell: dict[str, Any]) -> str:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")


def _answer(student: str, grade_id: str, solution: str, root: Path, out: Path) -> str | None:
    """The source ``student`` hands in for an answer cell (None: leave the release's stub)."""
    from convkit import exercises
    from convkit.grading.rebuild import question_of

    if student == "cleo_blank":
        return None
    if grade_id.startswith("discuss_"):
        return {"ben_mistakes": "It makes the picture different.",
                "finn_cheater": "I don't know."}.get(student, solution)
    try:
        ex = exercises.get(question_of(grade_id) or "")
    except KeyError:
        return solution
    if student == "ben_mistakes" and ex.wrong is not None:
        return ex.wrong.source
    if student == "eve_infinite_loop" and loops_forever(ex):
        return infinite_loop(ex)
    if student == "finn_cheater" and ex.cheat is not None and "cheat_edit" not in ex.options:
        return ex.cheat.source.format(root=root.as_posix(), out=out.as_posix())
    return ex.right.source if ex.right is not None else solution


def _cheat_edit(name: str) -> str:
    from convkit import exercises

    try:
        return exercises.get(name).options.get("cheat_edit", "")
    except KeyError:
        return ""


def student_notebook(student: str, assignment: str, release: dict[str, Any],
                     solutions: dict[str, Any], root: Path, out: Path) -> bytes:
    """The bytes of one student's notebook for one assignment."""
    from convkit.grading.rebuild import question_of

    solved = {_grade_id(c): solution_source(_text(c)) for c in solutions["cells"]
              if c.get("metadata", {}).get("nbgrader", {}).get("solution")}
    nb = json.loads(json.dumps(release))
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        grade_id = meta.get("grade_id", "")
        if meta.get("solution") and grade_id in solved:
            source = _answer(student, grade_id, solved[grade_id], root, out)
            if source is not None:
                cell["source"] = source
        elif student == "finn_cheater" and meta.get("grade"):
            edit = TEST_CELL_EDITS.get(_cheat_edit(question_of(grade_id) or ""), None)
            if edit is not None:
                edit(cell)
    text = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
    if student == "dev_broken_json" and assignment == BROKEN_ASSIGNMENT:
        text = text[: len(text) // 2]  # the upload was cut short
    return text.encode("utf-8")


def build_sample_class(target: Path, *, course_root: Path | None = None) -> list[Path]:
    """Write the sample class into ``target`` (only files whose content changed).

    Parameters
    ----------
    target : Path
        The folder to fill with ``<student>/<assignment>/<notebook>.ipynb``.
    course_root : Path or None
        The course (default: found, see :func:`convkit.course.course_root`).

    Returns
    -------
    list of Path
        Every notebook of the class.
    """
    from convkit.course import RELEASE_DIR, SOURCE_DIR
    from convkit.grading.cache import write_atomic
    from convkit.grading.pipeline import available_assignments

    root = _root(course_root)
    target = Path(target).resolve()
    written = []
    for name, item in available_assignments(root).items():
        release = json.loads((root / RELEASE_DIR / name / item.notebook_file).read_text("utf-8"))
        solutions = json.loads((root / SOURCE_DIR / name / item.notebook_file)
                               .read_text("utf-8"))
        for student in STUDENTS:
            data = student_notebook(student, name, release, solutions, root, target.parent)
            path = target / student / name / item.notebook_file
            if not path.is_file() or path.read_bytes() != data:
                write_atomic(path, data)
            written.append(path)
    return written


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, required=True, metavar="DIR",
                        help="folder to write <student>/<assignment>/<notebook>.ipynb into")
    parser.add_argument("--course-root", type=Path, default=None, metavar="DIR",
                        help="the course folder (default: found)")


def run(args: argparse.Namespace) -> int:
    paths = build_sample_class(args.out, course_root=args.course_root)
    students = sorted({p.parent.parent.name for p in paths})
    print(f"wrote {len(paths)} notebooks of {len(students)} students into {args.out}")
    for student in students:
        print(f"  {student}")
    return 0
