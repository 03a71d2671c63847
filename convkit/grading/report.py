"""What ``convkit grade`` hands back: grades.csv, the printed table, the histogram.

``grades.csv`` has one row per student and assignment (see :class:`GradeRow` for
the columns); it is written atomically, so a reader never sees half a file.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import astuple, dataclass, fields
from pathlib import Path
from typing import Any

#: the mode of the files a run hands back (grades.csv, scores.png, feedback pages), before the
#: process's umask: readable by the course's group (and, unless the umask says otherwise,
#: by others), writable by the grader only
OUTPUT_MODE = 0o644


def write_output(path: Path, data: bytes, mode: int = OUTPUT_MODE) -> None:
    """Write a file the run hands back, atomically, with ``mode`` less the process's umask.

    Like :func:`convkit.grading.cache.write_atomic` (readers see the old file or the new
    one, never half), but the file is not private: ``tempfile.mkstemp`` creates 0600,
    whatever the umask, which left ``grades.csv`` and the feedback pages unreadable to
    the course's group. Here the temporary file is created with ``mode`` and the kernel
    applies the umask, as for any new file: 0644 with the usual umask 022, 0640 with 027
    (the group only), 0600 with 077.

    Examples
    --------
    >>> import os, stat, tempfile
    >>> old = os.umask(0o027)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     target = Path(tmp) / "grades.csv"
    ...     write_output(target, b"student\\n")
    ...     oct(stat.S_IMODE(target.stat().st_mode)), target.read_bytes()
    ('0o640', b'student\\n')
    >>> _ = os.umask(old)
    """
    import os
    import secrets

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


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
    """Write ``grades.csv`` atomically (see :func:`grades_csv` for the content), mode 0644
    less the umask (:func:`write_output`)."""
    write_output(path, grades_csv(rows).encode("utf-8"))


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


def histogram_edges(scores: Sequence[float], maximum: float):
    """The bin edges of one assignment's histogram: one bar per score a student can have.

    Scores in whole points get one bar per point, centred on it; with half points (a
    re-weighted question, a late penalty) the bars are half a point wide, centred on
    0, 0.5, 1, ..., so 3.5 has its own bar instead of joining 4's; quarter points
    likewise; other fractions fall in half-point bars. Above 30 points, 10 equal bins
    from 0 to the maximum.

    Examples
    --------
    >>> import numpy as np
    >>> histogram_edges([0, 3, 4], 5).tolist()
    [-0.5, 0.5, 1.5, 2.5, 3.5, 4.5, 5.5]
    >>> edges = histogram_edges([3.5, 4], 5)
    >>> counts, _ = np.histogram([3.5, 4], bins=edges)
    >>> [float(e) for e, n in zip(edges, counts) if n]   # left edges of the filled bars
    [3.25, 3.75]
    """
    import numpy as np

    maximum = float(maximum) if maximum and maximum > 0 else 1.0
    values = [float(v) for v in scores] + [maximum]
    if maximum > 30:
        return np.linspace(0.0, maximum, 11)
    step = 0.5
    for candidate in (1.0, 0.5, 0.25):
        if all(abs(v / candidate - round(v / candidate)) < 1e-6 for v in values):
            step = candidate
            break
    count = int(np.ceil(maximum / step - 1e-9)) + 1
    return np.arange(count + 1) * step - step / 2


def plot_histogram(rows: Sequence[GradeRow], path: Path) -> dict[str, tuple[Any, Any]]:
    """Write a PNG with one histogram of scores per assignment (students per score).

    Returns ``{assignment: (edges, counts)}``: the bins drawn (see :func:`histogram_edges`)
    and how many students each holds.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    import numpy as np

    assignments = sorted({r.assignment for r in rows if r.status != UNKNOWN_ASSIGNMENT})
    n = max(len(assignments), 1)
    fig, axes = plt.subplots(1, n, figsize=(3.2 * n, 3.0), squeeze=False, sharey=True)
    colour = matplotlib.colormaps["viridis"](0.45)
    students = len({r.student for r in rows})
    drawn: dict[str, tuple[Any, Any]] = {}
    for ax, assignment in zip(axes[0], assignments, strict=False):
        mine = [r for r in rows if r.assignment == assignment]
        maximum = max((r.max_score for r in mine), default=1.0) or 1.0
        scores = np.array([r.score for r in mine])
        edges = histogram_edges(scores.tolist(), maximum)
        counts, _, _ = ax.hist(scores, bins=edges, color=colour, edgecolor="white")
        drawn[assignment] = (edges, counts)
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
    write_output(path, buffer.getvalue())
    return drawn


def review_changed_maxima(prior: Any, autograded: bytes | None, maxima: dict[str, float]
                          ) -> tuple[Any, list[str]]:
    """Written answers graded out of a maximum that has changed since: back to a person.

    ``prior`` is the gradebook's :class:`~convkit.grading.gradebook.SubmissionRecord` of one
    submission, ``autograded`` the autograded notebook the person graded it in (its
    written answers' ``points`` are the maxima formgrader showed then) and ``maxima`` the
    written answers' maxima now (``{grade_id: points}``, from the current ``solutions/``).
    A manual score given out of another maximum than today's is not a grade out of
    today's: it is cleared and the grade marked ``needs_manual_grade`` (formgrader lists
    it under "needs manual grade" again; ``grades.csv`` counts it in ``manual_pending``
    and the feedback says it waits for the instructor); the comment is kept. Returns the
    record to write and one message per cleared grade for the run's summary.

    Examples
    --------
    >>> from convkit.grading.gradebook import GradeEntry, SubmissionRecord
    >>> prior = SubmissionRecord("ada", "02_im_conv", "im_conv", None, None, False, 0.0,
    ...     (GradeEntry("discuss_blur", None, 1.0, None, False),
    ...      GradeEntry("test_im_conv", 5.0, None, None, False)), ())
    >>> nb = {"cells": [{"cell_type": "markdown", "source": "...", "metadata": {"nbgrader": {
    ...     "grade_id": "discuss_blur", "grade": True, "solution": True, "points": 1}}}]}
    >>> record, notes = review_changed_maxima(prior, json.dumps(nb).encode(),
    ...                                       {"discuss_blur": 2.0})
    >>> record.grades[0].manual_score, record.grades[0].needs_manual_grade
    (None, True)
    >>> print(notes[0][:60])
    ada/02_im_conv discuss_blur: graded 1 out of 1, now worth 2:
    >>> review_changed_maxima(prior, json.dumps(nb).encode(), {"discuss_blur": 1.0})[1]
    []
    """
    import dataclasses

    if prior is None or not autograded:
        return prior, []
    try:
        nb = json.loads(autograded.decode("utf-8"))
        cells = nb.get("cells", []) if isinstance(nb, dict) else []
    except (UnicodeDecodeError, ValueError):
        return prior, []
    then: dict[str, float] = {}
    for cell in cells:
        info = cell.get("metadata", {}).get("nbgrader", {}) if isinstance(cell, dict) else {}
        if isinstance(info, dict) and info.get("grade") and info.get("solution"):
            try:
                then[str(info.get("grade_id"))] = float(info["points"])
            except (KeyError, TypeError, ValueError):
                continue
    grades, notes = [], []
    for entry in prior.grades:
        old, new = then.get(entry.name), maxima.get(entry.name)
        if entry.manual_score is not None and old is not None and new is not None \
                and abs(old - new) > 1e-9:
            notes.append(f"{prior.student}/{prior.assignment} {entry.name}: graded "
                         f"{_number(entry.manual_score)} out of {_number(old)}, now worth "
                         f"{_number(new)}: the grade was cleared for a second look in "
                         "formgrader (needs manual grade)")
            entry = dataclasses.replace(entry, manual_score=None, needs_manual_grade=True)
        grades.append(entry)
    if not notes:
        return prior, []
    return dataclasses.replace(prior, grades=tuple(grades)), notes
