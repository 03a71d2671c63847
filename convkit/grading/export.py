"""``convkit export``: grades.csv as one row per student, for a spreadsheet or an LMS.

``grades.csv`` (written by ``convkit grade``) has one row per student and
assignment. Gradebooks want the other shape: one row per student and one column
per assignment. Three shapes are written::

    convkit export OUT_DIR --out wide.csv                  # a spreadsheet: points and total
    convkit export OUT_DIR --format canvas --roster roster.csv --out canvas.csv
    convkit export OUT_DIR --format moodle --roster roster.csv --out moodle.csv

``wide``
    ``student`` (the nbgrader id, i.e. the submission's folder name), the roster's
    columns when a roster is given, one column per assignment (points) and
    ``total``; the second row, labelled :data:`MAX_LABEL`, holds the points each
    column is out of.
``canvas``
    Canvas's gradebook import: ``Student, ID, SIS User ID, SIS Login ID, Section``,
    one column per assignment (``Name (canvas id)`` for an existing assignment) and
    a ``Points Possible`` row; no total (Canvas computes its own, and an unknown
    column would become a new assignment).
``moodle``
    Moodle's CSV grade import: ``Full name, ID number, Email address`` and one column
    per grade item; no total (Moodle cannot import into the course total) and no
    maximum row (Moodle reads every row as a student).

The roster (``--roster``) is a CSV with a ``student`` column (the nbgrader id) and
any of ``name, email, lms_id, sis_user_id, sis_login_id, section``. A roster
student with no grades exports 0 for every assignment, as nbgrader counts a
missing submission; a graded student missing from the roster is reported, and
kept in ``wide`` but refused in ``canvas``/``moodle`` (the LMS could not tell who
they are). Text cells that a spreadsheet would run as a formula (starting with
``= + - @``, a tab, a carriage return or NUL) get a leading ``'``.

Examples
--------
>>> format_points(2.50000001), format_points(7.0), format_points(1 / 3)
('2.5', '7', '0.3333')
>>> neutralise("=HYPERLINK(\\"http://x\\")"), neutralise("Ada")
('\\'=HYPERLINK("http://x")', 'Ada')
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "FORMATS",
    "MAX_LABEL",
    "ROSTER_COLUMNS",
    "ExportError",
    "Gradebook",
    "RosterEntry",
    "Table",
    "add_arguments",
    "build_table",
    "format_points",
    "neutralise",
    "read_gradebook",
    "read_lms_names",
    "read_roster",
    "run",
    "table_csv",
]

FORMATS = ("wide", "canvas", "moodle")
#: the label of the wide format's second row (the points each column is out of)
MAX_LABEL = "(max points)"
#: the columns a roster may have; only ``student`` is required
ROSTER_COLUMNS = ("student", "name", "email", "lms_id", "sis_user_id", "sis_login_id", "section")
#: the columns of grades.csv the export needs (the grading contract's columns)
GRADES_COLUMNS = ("student", "assignment", "score", "max_score")
CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
CANVAS_POINTS_ROW = "Points Possible"
MOODLE_IDENTITY = ("Full name", "ID number", "Email address")
#: a text cell starting with one of these is read as a formula by spreadsheets (OWASP ASVS
#: 1.2.10 lists = + - @ tab and NUL; a carriage return acts like the tab in Excel)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")
#: decimal places kept in points (half and third points survive; float noise does not)
DECIMALS = 4


class ExportError(ValueError):
    """Input that cannot be exported; the message names the argument and the problem."""


def format_points(value: float) -> str:
    """``value`` as a short decimal: ``2.5``, ``7``, ``0.3333`` (at most :data:`DECIMALS`)."""
    rounded = round(value, DECIMALS)
    if rounded == 0:
        return "0"
    return f"{rounded:.{DECIMALS}f}".rstrip("0").rstrip(".")


def neutralise(text: str) -> str:
    """``text`` with a leading ``'`` when a spreadsheet would run it as a formula.

    Names come from rosters and student ids from folder names, so neither is
    trusted: ``=HYPERLINK(...)`` or ``@SUM(...)`` must stay text when the export is
    opened in Excel, LibreOffice or Google Sheets.
    """
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@dataclass(frozen=True)
class Gradebook:
    """grades.csv read and checked: points per (student, assignment).

    Attributes
    ----------
    assignments : tuple of str
        In the course's order (``convkit.course.ASSIGNMENTS``), then any others by name.
    max_points : dict
        Assignment -> the points it is out of (the largest ``max_score`` of its rows).
    scores : dict
        ``(student, assignment)`` -> points.
    students : tuple of str
        Every student with a row, sorted.
    notes : list of str
        What the reader should know (pending written answers, ungradable hand-ins...).
    """

    assignments: tuple[str, ...]
    max_points: dict[str, float]
    scores: dict[tuple[str, str], float]
    students: tuple[str, ...]
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RosterEntry:
    """One student of the roster; every field but ``student`` may be empty."""

    student: str
    name: str = ""
    email: str = ""
    lms_id: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""


@dataclass(frozen=True)
class Table:
    """An export: its rows (the header first) and what was reported about it."""

    rows: list[list[str]]
    notes: list[str]


def _read_csv(path: Path, argument: str) -> tuple[list[str], list[dict[str, str]]]:
    """The header (names stripped and lower-cased) and rows of a CSV file."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as stream:
            reader = csv.reader(stream)
            header = next(reader, None)
            if header is None:
                raise ExportError(f"{argument} {path}: the file is empty (no header row)")
            names = [name.strip().lower() for name in header]
            duplicates = sorted({n for n in names if n and names.count(n) > 1})
            if duplicates:
                raise ExportError(f"{argument} {path}: column {duplicates[0]!r} appears twice")
            rows = []
            for line in reader:
                if not any(cell.strip() for cell in line):
                    continue
                rows.append({n: (line[i].strip() if i < len(line) else "")
                             for i, n in enumerate(names) if n})
            return names, rows
    except OSError as exc:
        raise ExportError(f"{argument} {path}: cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise ExportError(f"{argument} {path}: not UTF-8 text (byte {exc.start})") from None
    except csv.Error as exc:
        raise ExportError(f"{argument} {path}: not a CSV file ({exc})") from None


def _number(text: str, where: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ExportError(f"{where}: expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise ExportError(f"{where}: expected a finite number, got {text!r}")
    return value


def _course_order(names: Iterable[str]) -> tuple[str, ...]:
    from convkit.course import ASSIGNMENTS

    order = {a.name: i for i, a in enumerate(ASSIGNMENTS)}
    return tuple(sorted(set(names), key=lambda n: (order.get(n, len(order)), n)))


def grades_path(path: Path) -> Path:
    """``path`` itself, or ``path/grades.csv`` when ``path`` is an OUT_DIR."""
    return path / "grades.csv" if path.is_dir() else path


def read_gradebook(path: Path, *, only: Sequence[str] = ()) -> Gradebook:
    """Read ``grades.csv`` (or ``OUT_DIR/grades.csv``) for export.

    Parameters
    ----------
    path : Path
        The file ``convkit grade`` wrote, or its OUT_DIR. It needs the columns
        ``student, assignment, score, max_score``; ``status`` and
        ``manual_pending`` are used when present.
    only : sequence of str, optional
        Export only these assignments (``--assignment``).

    Raises
    ------
    ExportError
        A missing column, an empty student or assignment, a score that is not a
        number, the same student and assignment twice, an unknown ``only`` name.
    """
    from convkit.grading.report import UNGRADABLE, UNKNOWN_ASSIGNMENT

    path = grades_path(Path(path))
    names, rows = _read_csv(path, "GRADES")
    missing = [c for c in GRADES_COLUMNS if c not in names]
    if missing:
        raise ExportError(f"GRADES {path}: missing column(s) {', '.join(missing)} "
                          f"(grades.csv has at least {','.join(GRADES_COLUMNS)})")
    scores: dict[tuple[str, str], float] = {}
    maxima: dict[str, set[float]] = {}
    unknown: set[str] = set()
    pending = 0
    ungradable: list[str] = []
    for line, row in enumerate(rows, start=2):
        where = f"GRADES {path}, line {line}"
        student, assignment = row["student"], row["assignment"]
        if not student or not assignment:
            raise ExportError(f"{where}: the student and assignment columns must not be empty")
        if row.get("status") == UNKNOWN_ASSIGNMENT:
            unknown.add(assignment)
            continue
        if (student, assignment) in scores:
            raise ExportError(f"{where}: a second row for student {student!r} and assignment "
                              f"{assignment!r} (grades.csv has one row per student and assignment)")
        scores[student, assignment] = _number(row["score"], f"{where}, column score")
        maxima.setdefault(assignment, set()).add(_number(row["max_score"],
                                                         f"{where}, column max_score"))
        if row.get("manual_pending") and _number(row["manual_pending"],
                                                 f"{where}, column manual_pending") > 0:
            pending += 1
        if row.get("status") == UNGRADABLE:
            ungradable.append(f"{student}/{assignment}")
    assignments = _course_order(maxima)
    if not assignments:
        raise ExportError(f"GRADES {path}: no grades to export (no row of an assignment of "
                          "the course)")
    if only:
        wrong = [a for a in only if a not in maxima]
        if wrong:
            raise ExportError(f"--assignment {wrong[0]!r}: not in {path}; it has "
                              f"{', '.join(assignments) or 'no graded assignment'}")
        assignments = _course_order(only)
    notes = []
    if unknown:
        notes.append(f"left out (not assignments of the course): {', '.join(sorted(unknown))}")
    for assignment in assignments:
        if len(maxima[assignment]) > 1:
            values = ", ".join(format_points(v) for v in sorted(maxima[assignment]))
            notes.append(f"{assignment}: the rows disagree on max_score ({values}); "
                         f"exported out of the largest")
    if pending:
        notes.append(f"{pending} grade(s) include written answers not graded yet "
                     "(manual_pending in grades.csv): they export the points graded so far")
    if ungradable:
        notes.append(f"{len(ungradable)} submission(s) could not be graded and export as 0: "
                     + ", ".join(ungradable))
    return Gradebook(
        assignments=assignments,
        max_points={a: max(maxima[a]) for a in assignments},
        scores={k: v for k, v in scores.items() if k[1] in assignments},
        students=tuple(sorted({s for s, _ in scores})),
        notes=notes,
    )


def read_roster(path: Path) -> dict[str, RosterEntry]:
    """Read a roster CSV: nbgrader id -> :class:`RosterEntry`, in the file's order.

    Raises
    ------
    ExportError
        No ``student`` column, an empty student, or the same student, ``lms_id``,
        ``email``, ``sis_user_id`` or ``sis_login_id`` on two rows (two students
        sent to one LMS account would overwrite each other's grades).
    """
    path = Path(path)
    names, rows = _read_csv(path, "--roster")
    if "student" not in names:
        hint = ("; is it separated by semicolons? save it as comma-separated CSV"
                if any(";" in n for n in names) else "")
        raise ExportError(f"--roster {path}: no 'student' column (the nbgrader id, i.e. the "
                          f"submission's folder name); found {', '.join(n for n in names if n)}"
                          + hint)
    roster: dict[str, RosterEntry] = {}
    seen: dict[tuple[str, str], int] = {}
    for line, row in enumerate(rows, start=2):
        entry = RosterEntry(**{c: row.get(c, "") for c in ROSTER_COLUMNS})
        if not entry.student:
            raise ExportError(f"--roster {path}, line {line}: the student column is empty")
        for column in ("student", "lms_id", "email", "sis_user_id", "sis_login_id"):
            value = getattr(entry, column)
            key = (column, value.lower() if column == "email" else value)
            if value and key in seen:
                raise ExportError(f"--roster {path}, line {line}: {column} {value!r} is also on "
                                  f"line {seen[key]}; each student appears once, with their own "
                                  "LMS account")
            seen[key] = line
        roster[entry.student] = entry
    return roster


def read_lms_names(path: Path, assignments: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Read ``--lms-names``: assignment -> (the LMS's column name, the LMS's id).

    The CSV has the columns ``assignment`` and ``lms_name`` and optionally ``lms_id``
    (Canvas's assignment id: the number in the assignment's URL).
    """
    path = Path(path)
    names, rows = _read_csv(path, "--lms-names")
    if "assignment" not in names or "lms_name" not in names:
        raise ExportError(f"--lms-names {path}: needs the columns assignment and lms_name "
                          "(lms_id optional)")
    known = set(assignments)
    result: dict[str, tuple[str, str]] = {}
    for line, row in enumerate(rows, start=2):
        assignment = row["assignment"]
        if not assignment or not row["lms_name"]:
            raise ExportError(f"--lms-names {path}, line {line}: assignment and lms_name "
                              "must not be empty")
        if assignment in result:
            raise ExportError(f"--lms-names {path}, line {line}: {assignment!r} is named twice")
        if assignment in known:
            result[assignment] = (row["lms_name"], row.get("lms_id", ""))
    taken = [name for name, _ in result.values()]
    for name in taken:
        if taken.count(name) > 1:
            raise ExportError(f"--lms-names {path}: two assignments share the name {name!r}")
    return result


def _students(gradebook: Gradebook, roster: Mapping[str, RosterEntry] | None) -> list[str]:
    if roster is None:
        return list(gradebook.students)
    extra = [s for s in gradebook.students if s not in roster]
    return [*roster, *extra]


def build_table(
    gradebook: Gradebook,
    fmt: str = "wide",
    *,
    roster: Mapping[str, RosterEntry] | None = None,
    lms_names: Mapping[str, tuple[str, str]] | None = None,
) -> Table:
    """The rows of the export in format ``fmt`` (one of :data:`FORMATS`).

    Raises
    ------
    ExportError
        An unknown ``fmt``; ``canvas``/``moodle`` without a roster, with graded
        students missing from it, or with students the LMS could not identify.
    """
    if fmt not in FORMATS:
        raise ExportError(f"--format must be one of {', '.join(FORMATS)}; got {fmt!r}")
    lms_names = lms_names or {}
    notes = list(gradebook.notes)
    graded = set(gradebook.students)
    students = _students(gradebook, roster)
    if roster is not None:
        no_grades = [s for s in roster if s not in graded]
        if no_grades:
            notes.append(f"{len(no_grades)} roster student(s) have no grades and export 0 "
                         f"(not submitted): {', '.join(no_grades)}")
        unlisted = [s for s in gradebook.students if s not in roster]
        if unlisted and fmt != "wide":
            raise ExportError(f"--roster: graded student(s) missing from the roster: "
                              f"{', '.join(unlisted)}; the {fmt} import could not tell who they "
                              "are: add them to the roster (or export --format wide)")
        if unlisted:
            notes.append(f"{len(unlisted)} graded student(s) are not in the roster (exported "
                         f"without roster details): {', '.join(unlisted)}")
    elif fmt != "wide":
        raise ExportError(f"--roster is required with --format {fmt}: the LMS identifies "
                          "students by its own ids or e-mail addresses, not by nbgrader ids")
    missing = sum((s, a) not in gradebook.scores
                  for s in students if s in graded for a in gradebook.assignments)
    if missing:
        notes.append(f"{missing} missing student/assignment pair(s) export 0 (not submitted)")

    def points(student: str) -> list[float]:
        return [gradebook.scores.get((student, a), 0.0) for a in gradebook.assignments]

    maxima = [gradebook.max_points[a] for a in gradebook.assignments]
    entries = {s: (roster or {}).get(s, RosterEntry(s)) for s in students}
    if fmt == "wide":
        extra = [c for c in ROSTER_COLUMNS[1:]
                 if roster is not None and any(getattr(e, c) for e in roster.values())]
        if MAX_LABEL in entries:
            raise ExportError(f"GRADES: a student is called {MAX_LABEL!r}, the label of the "
                              "wide format's maximum row")
        header = ["student", *extra, *map(neutralise, gradebook.assignments), "total"]
        rows = [header, [MAX_LABEL, *[""] * len(extra), *map(format_points, maxima),
                         format_points(sum(maxima))]]
        for student in students:
            mine = points(student)
            rows.append([neutralise(student),
                         *[neutralise(getattr(entries[student], c)) for c in extra],
                         *map(format_points, mine), format_points(sum(mine))])
        return Table(rows, notes)

    def column(assignment: str) -> str:
        name, lms_id = lms_names.get(assignment, (assignment, ""))
        return f"{name} ({lms_id})" if fmt == "canvas" and lms_id else name

    columns = [neutralise(column(a)) for a in gradebook.assignments]
    if fmt == "canvas":
        anonymous = [s for s in students if not (entries[s].lms_id or entries[s].sis_user_id
                                                 or entries[s].sis_login_id)]
        if anonymous:
            raise ExportError(f"--roster: Canvas needs lms_id (Canvas's user ID), sis_user_id "
                              f"or sis_login_id for every student; missing for "
                              f"{', '.join(anonymous)}")
        rows = [[*CANVAS_IDENTITY, *columns],
                [CANVAS_POINTS_ROW, "", "", "", "", *map(format_points, maxima)]]
        for student in students:
            e = entries[student]
            identity = [e.name or student, e.lms_id, e.sis_user_id, e.sis_login_id, e.section]
            rows.append([*map(neutralise, identity), *map(format_points, points(student))])
        return Table(rows, notes)

    # moodle: "Map from" one identifier column that every row fills
    complete = [label for label, attr in (("Email address", "email"), ("ID number", "lms_id"))
                if all(getattr(entries[s], attr) for s in students)]
    if not complete:
        no_email = [s for s in students if not entries[s].email]
        no_id = [s for s in students if not entries[s].lms_id]
        raise ExportError("--roster: Moodle identifies every row by one column: give every "
                          f"student an email (missing for {', '.join(no_email)}) or an lms_id "
                          f"(Moodle's ID number; missing for {', '.join(no_id)})")
    targets = {"Email address": "useremail", "ID number": "useridnumber"}
    notes.append("in Moodle's import, identify users by " + " or ".join(
        f"{label!r} -> {targets[label]}" for label in complete))
    rows = [[*MOODLE_IDENTITY, *columns]]
    for student in students:
        e = entries[student]
        rows.append([*map(neutralise, (e.name or student, e.lms_id, e.email)),
                     *map(format_points, points(student))])
    return Table(rows, notes)


def table_csv(table: Table) -> str:
    """The CSV text of ``table`` (RFC 4180: quoted where needed, CRLF line ends)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(table.rows)
    return buffer.getvalue()


def _write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically, with the permissions the umask gives."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("grades", type=Path, metavar="GRADES",
                        help="grades.csv written by convkit grade, or its OUT_DIR")
    parser.add_argument("--format", choices=FORMATS, default="wide",
                        help="wide: a spreadsheet (points, total, a max-points row); canvas: "
                             "Canvas's gradebook import; moodle: Moodle's CSV grade import "
                             "(default: wide)")
    parser.add_argument("--roster", type=Path, default=None, metavar="ROSTER.csv",
                        help="CSV with a student column (the nbgrader id) and any of "
                             "name, email, lms_id, sis_user_id, sis_login_id, section "
                             "(required for canvas and moodle)")
    parser.add_argument("--lms-names", type=Path, default=None, metavar="NAMES.csv",
                        help="CSV assignment,lms_name[,lms_id]: the LMS's name (and Canvas's "
                             "assignment id) of each assignment (default: the folder name)")
    parser.add_argument("--assignment", action="append", default=[], metavar="NAME",
                        help="export only this assignment (repeat for more; default: every "
                             "assignment in GRADES)")
    parser.add_argument("--out", required=True, metavar="FILE",
                        help="the CSV to write, or - for standard output")


def run(args: argparse.Namespace) -> int:
    """Write the export; report on stderr; return 0, or 2 for input that cannot be exported."""
    try:
        source = grades_path(args.grades)
        if args.out != "-" and Path(args.out).resolve() == source.resolve():
            raise ExportError(f"--out {args.out} is the grades file itself; choose another file")
        gradebook = read_gradebook(args.grades, only=args.assignment)
        roster = read_roster(args.roster) if args.roster is not None else None
        names = (read_lms_names(args.lms_names, gradebook.assignments)
                 if args.lms_names is not None else None)
        table = build_table(gradebook, args.format, roster=roster, lms_names=names)
        text = table_csv(table)
        if args.out == "-":
            sys.stdout.write(text)
        else:
            # a spreadsheet reads a BOM-less UTF-8 CSV as the local code page; the LMSs want UTF-8
            encoding = "utf-8-sig" if args.format == "wide" else "utf-8"
            try:
                _write(Path(args.out), text.encode(encoding))
            except OSError as exc:
                raise ExportError(f"--out {args.out}: cannot be written "
                                  f"({exc.strerror or exc})") from None
    except ExportError as exc:
        print(f"convkit export: {exc}", file=sys.stderr)
        return 2
    for note in table.notes:
        print(f"note: {note}", file=sys.stderr)
    where = "standard output" if args.out == "-" else args.out
    print(f"wrote {len(table.rows) - 1 - (args.format != 'moodle')} student(s) x "
          f"{len(gradebook.assignments)} assignment(s) ({args.format}) to {where}",
          file=sys.stderr)
    return 0
