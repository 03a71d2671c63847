"""What ``convkit grade`` hands back: grades.csv, the printed table, the histogram.

``grades.csv`` has one row per student and assignment (see :class:`GradeRow` for
the columns); it is written atomically, so a reader never sees half a file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import astuple, dataclass, fields
from pathlib import Path

from convkit.grading.cache import write_atomic

GRADED = "graded"
UNGRADABLE = "ungradable"
NOT_SUBMITTED = "not submitted"
UNKNOWN_ASSIGNMENT = "unknown assignment"


@dataclass(frozen=True)
class GradeRow:
    """One row of ``grades.csv``.

    Attributes
    ----------
    student, assignment : str
        The submission's folders.
    score, max_score : float
        nbgrader's total: auto-graded points plus the written answers graded so far
        (minus any late penalty), out of every point of the assignment.
    auto_score, auto_max : float
        The auto-graded points (the test cells).
    manual_pending : float
        Points of written answers still waiting for a human grader.
    status : str
        ``graded``, ``ungradable`` (bad JSON, wrong file...), ``not submitted``
        (others handed in this assignment, this student did not) or
        ``unknown assignment`` (a folder that is not an assignment of the course).
    questions : str
        Auto-graded points per function, e.g. ``"im_conv 0/4"``, separated by ``"; "``.
    notes : str
        Why a question earned nothing when it was not a wrong answer (tampering, a
        timeout, a forbidden import...), or why the submission could not be graded.
    late_by_seconds : float
        How late the hand-in was (its ``timestamp.txt`` after the due date plus the
        student's extension; 0 when on time or without a due date or timestamp).
    late_penalty : float
        The points nbgrader's late-penalty plugin took off (already out of ``score``).
    """

    student: str
    assignment: str
    score: float
    max_score: float
    auto_score: float
    auto_max: float
    manual_pending: float
    status: str
    questions: str = ""
    notes: str = ""
    late_by_seconds: float = 0.0
    late_penalty: float = 0.0


COLUMNS = tuple(f.name for f in fields(GradeRow))


def _number(value: float) -> str:
    return f"{value:g}"


def grades_csv(rows: Sequence[GradeRow]) -> str:
    """The CSV text of ``rows`` (sorted by student, then assignment).

    Examples
    --------
    >>> print(grades_csv([GradeRow("ada", "02_im_conv", 4, 5, 4, 4, 1, "graded",
    ...                            "im_conv 4/4")]).strip())
    student,assignment,score,max_score,auto_score,auto_max,manual_pending,status,questions,notes,late_by_seconds,late_penalty
    ada,02_im_conv,4,5,4,4,1,graded,im_conv 4/4,,0,0
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in sorted(rows, key=lambda r: (r.student, r.assignment)):
        writer.writerow([_number(v) if isinstance(v, float | int) else v for v in astuple(row)])
    return buffer.getvalue()


def write_grades_csv(rows: Sequence[GradeRow], path: Path) -> None:
    """Write ``grades.csv`` atomically (see :func:`grades_csv` for the content)."""
    write_atomic(path, grades_csv(rows).encode("utf-8"))


def read_grades_csv(path: Path) -> list[dict[str, str]]:
    """The rows of a ``grades.csv`` as dictionaries (for tests and scripts)."""
    with open(path, newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def format_table(rows: Sequence[GradeRow]) -> str:
    """The students x assignments table that ``convkit grade`` prints.

    Examples
    --------
    >>> print(format_table([GradeRow("ada", "02_im_conv", 4, 5, 4, 4, 1, "graded"),
    ...                     GradeRow("dev", "02_im_conv", 0, 5, 0, 4, 0, "ungradable")]))
    student  02_im_conv  total
    ada      4/5 *       4/5
    dev      0/5 !       0/5
    <BLANKLINE>
    ! could not be graded (see its feedback)
    * every autograded point is in; written answers worth 1 point in all
      wait for a human grader (manual_pending in grades.csv)
    """
    students = sorted({r.student for r in rows})
    assignments = sorted({r.assignment for r in rows})
    by_key = {(r.student, r.assignment): r for r in rows}
    marks = {UNGRADABLE: " !", NOT_SUBMITTED: " -", UNKNOWN_ASSIGNMENT: " ?"}
    legend = {" !": "! could not be graded (see its feedback)",
              " -": "- not submitted", " ?": "? not an assignment of this course"}
    header = ["student", *assignments, "total"]
    table = [header]
    used = set()
    for student in students:
        line = [student]
        total = maximum = 0.0
        for assignment in assignments:
            row = by_key.get((student, assignment))
            if row is None:
                line.append("")
                continue
            mark = marks.get(row.status, " *" if row.manual_pending else "")
            used.add(mark)
            line.append(f"{_number(row.score)}/{_number(row.max_score)}{mark}")
            total += row.score
            maximum += row.max_score
        line.append(f"{_number(total)}/{_number(maximum)}")
        table.append(line)
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    text = "\n".join("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip()
                     for r in table)
    notes = [legend[m] for m in (" !", " -", " ?") if m in used]
    pending = sum(r.manual_pending for r in rows)
    if pending:
        notes.append(f"* every autograded point is in; written answers worth {_number(pending)} "
                     f"point{'' if pending == 1 else 's'} in all\n"
                     "  wait for a human grader (manual_pending in grades.csv)")
    return text + ("\n\n" + "\n".join(notes) if notes else "")


def plot_histogram(rows: Sequence[GradeRow], path: Path) -> None:
    """Write a PNG with one histogram of scores per assignment (students per score)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    import numpy as np

    assignments = sorted({r.assignment for r in rows if r.status != UNKNOWN_ASSIGNMENT})
    n = max(len(assignments), 1)
    fig, axes = plt.subplots(1, n, figsize=(3.2 * n, 3.0), squeeze=False, sharey=True)
    colour = matplotlib.colormaps["viridis"](0.45)
    students = len({r.student for r in rows})
    for ax, assignment in zip(axes[0], assignments, strict=False):
        mine = [r for r in rows if r.assignment == assignment]
        maximum = max((r.max_score for r in mine), default=1.0) or 1.0
        scores = np.array([r.score for r in mine])
        if maximum <= 30:  # one bar per whole point, centred on it
            edges = np.arange(-0.5, np.ceil(maximum) + 1.0, 1.0)
        else:
            edges = np.linspace(0, maximum, 11)
        ax.hist(scores, bins=edges, color=colour, edgecolor="white")
        ax.set_title(assignment, fontsize=10)
        ax.set_xlabel(f"score (out of {_number(maximum)})")
        ax.set_xlim(edges[0], edges[-1])
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.yaxis.get_major_locator().set_params(integer=True)
    axes[0][0].set_ylabel("students")
    for ax in axes[0][len(assignments):]:
        ax.set_title("no assignment graded")
        ax.axis("off")
    fig.suptitle(f"Scores per assignment ({students} student{'s' if students != 1 else ''})")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    write_atomic(path, buffer.getvalue())
