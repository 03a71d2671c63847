"""nbgrader's gradebook, one submission at a time, as plain data.

A grading task runs nbgrader's ``autograde`` and ``generate_feedback`` in a worker
process. With the default SQLite gradebook (``OUT_DIR/gradebook.db``) only one process
may write it, so each task autogrades into a private copy of an empty *template*
gradebook (the assignments' definitions, no student) and sends back what nbgrader wrote
for its submission as a :class:`SubmissionRecord`; the main process, the only writer of
``OUT_DIR/gradebook.db``, stores it with :func:`write_record` (one short transaction,
keyed by names, so a record written twice leaves the same rows). With a database server
(``--db postgresql://...``) the workers' nbgrader writes the server directly, which
serialises concurrent writers itself.

The same record goes the other way: a person's grades (``manual_score``,
``extra_credit``, comments) are shipped to the task and written into its private copy
before ``autograde``, so nbgrader keeps them exactly as it would in one gradebook.

Everything here is SQLAlchemy Core over nbgrader's own tables: a few statements per
submission, the same for SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import tempfile
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

__all__ = ["GradeEntry", "CommentEntry", "SubmissionRecord", "engine_for", "sqlalchemy_url",
           "make_template", "read_records", "write_record", "ensure_students",
           "grade_cells", "copy_database"]

#: a submission of one notebook is (student, assignment)
Label = tuple[str, str]


@dataclass(frozen=True)
class GradeEntry:
    """One ``grade`` row: the points of one graded cell of one submission."""

    name: str
    auto_score: float | None
    manual_score: float | None
    extra_credit: float | None
    needs_manual_grade: bool

    @property
    def score(self) -> float:
        """nbgrader's rule: the manual score wins, else the automatic one; plus extra credit."""
        base = self.manual_score if self.manual_score is not None else self.auto_score
        if base is None:
            return 0.0
        return float(base) + float(self.extra_credit or 0.0)


@dataclass(frozen=True)
class CommentEntry:
    """One ``comment`` row (an answer or task cell of one submission)."""

    name: str
    auto_comment: str | None
    manual_comment: str | None


@dataclass(frozen=True)
class SubmissionRecord:
    """Everything nbgrader's gradebook holds about one student's notebook of one assignment.

    Examples
    --------
    >>> rec = SubmissionRecord("ada", "02_im_conv", "im_conv", None, None, False, 0.0,
    ...                        (GradeEntry("test_im_conv", 5.0, None, None, False),), ())
    >>> rec.label, rec.grades[0].score
    (('ada', '02_im_conv'), 5.0)
    """

    student: str
    assignment: str
    notebook: str
    timestamp: datetime | None
    extension: timedelta | None
    flagged: bool
    late_penalty: float | None
    grades: tuple[GradeEntry, ...]
    comments: tuple[CommentEntry, ...]

    @property
    def label(self) -> Label:
        return self.student, self.assignment

    def manual_state(self) -> str:
        """A short hash of what a person graded (manual scores, extra credit, comments).

        Part of the "already done" test: after written answers are graded in formgrader,
        the next run regenerates exactly the feedback pages that changed.
        """
        items = sorted([(g.name, g.manual_score, g.extra_credit) for g in self.grades]
                       + [(c.name, c.manual_comment, None) for c in self.comments], key=repr)
        return hashlib.sha256(repr(items).encode()).hexdigest()[:16]

    def has_manual_work(self) -> bool:
        """True when a person gave a score, extra credit or a comment."""
        return (any(g.manual_score is not None or g.extra_credit is not None
                    for g in self.grades)
                or any(c.manual_comment for c in self.comments))


# connections -----------------------------------------------------------------------------
def sqlalchemy_url(url: str) -> str:
    """``url`` with the psycopg (3) driver named for PostgreSQL (SQLAlchemy defaults to psycopg2).

    Examples
    --------
    >>> sqlalchemy_url("postgresql://u@127.0.0.1:5432/grades")
    'postgresql+psycopg://u@127.0.0.1:5432/grades'
    >>> sqlalchemy_url("sqlite:////srv/out/gradebook.db")
    'sqlite:////srv/out/gradebook.db'
    """
    if not isinstance(url, str) or "://" not in url:
        raise ValueError(f"db_url must be a database URL such as postgresql://HOST/DB; got {url!r}")
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def engine_for(url: str):
    """A SQLAlchemy engine for a gradebook URL (SQLite waits up to 60 s for a lock)."""
    from sqlalchemy import create_engine

    url = sqlalchemy_url(url)
    if url.startswith("sqlite"):
        return create_engine(url, connect_args={"timeout": 60})
    return create_engine(url, pool_pre_ping=True)


def _tables() -> dict[str, Any]:
    from nbgrader import api

    return {name: getattr(api, cls).__table__ for name, cls in (
        ("assignment", "Assignment"), ("notebook", "Notebook"), ("cell", "BaseCell"),
        ("grade_cell", "GradeCell"), ("student", "Student"),
        ("submission", "SubmittedAssignment"), ("subnb", "SubmittedNotebook"),
        ("grade", "Grade"), ("comment", "Comment"))}


# the template ------------------------------------------------------------------------------
def make_template(db_path: Path) -> bytes:
    """The SQLite gradebook at ``db_path`` without any student: what a task autogrades into.

    It keeps the course, the assignments, their notebooks and cells (nbgrader's source of
    truth for test cells and points) and drops students, submissions, grades and comments.
    """
    with tempfile.TemporaryDirectory(prefix="convkit-template-") as tmp:
        copy = Path(tmp) / "template.db"
        source = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=60)
        target = sqlite3.connect(copy)
        try:
            source.backup(target)
        finally:
            source.close()
        try:
            for table in ("comment", "grade", "submitted_notebook", "submitted_assignment",
                          "student"):
                target.execute(f"DELETE FROM {table}")  # noqa: S608 (fixed names)
            target.commit()
            target.execute("VACUUM")
        finally:
            target.close()
        return copy.read_bytes()


# reading -----------------------------------------------------------------------------------
def read_records(engine: Any, labels: Iterable[Label] | None = None
                 ) -> dict[Label, SubmissionRecord]:
    """The records of every submission in the gradebook (or of ``labels`` only), in 3 queries."""
    from sqlalchemy import select, tuple_

    t = _tables()
    wanted = None if labels is None else sorted(set(labels))
    sub, subnb, nb, a = t["submission"], t["subnb"], t["notebook"], t["assignment"]
    query = (select(subnb.c.id, sub.c.student_id, a.c.name, nb.c.name, sub.c.timestamp,
                    sub.c.extension, subnb.c.flagged, subnb.c.late_submission_penalty)
             .select_from(subnb.join(sub, subnb.c.assignment_id == sub.c.id)
                          .join(nb, subnb.c.notebook_id == nb.c.id)
                          .join(a, sub.c.assignment_id == a.c.id)))
    if wanted is not None:
        if not wanted:
            return {}
        query = query.where(tuple_(sub.c.student_id, a.c.name).in_(wanted))
    grade, comment, cell = t["grade"], t["comment"], t["cell"]
    with engine.connect() as conn:
        heads = conn.execute(query).all()
        ids = [row[0] for row in heads]
        grades: dict[str, list[GradeEntry]] = {i: [] for i in ids}
        comments: dict[str, list[CommentEntry]] = {i: [] for i in ids}
        for chunk in _chunks(ids, 500):
            for nid, name, auto, manual, extra, needs in conn.execute(
                    select(grade.c.notebook_id, cell.c.name, grade.c.auto_score,
                           grade.c.manual_score, grade.c.extra_credit,
                           grade.c.needs_manual_grade)
                    .join(cell, grade.c.cell_id == cell.c.id)
                    .where(grade.c.notebook_id.in_(chunk))):
                grades[nid].append(GradeEntry(name, _float(auto), _float(manual), _float(extra),
                                              bool(needs)))
            for nid, name, auto, manual in conn.execute(
                    select(comment.c.notebook_id, cell.c.name, comment.c.auto_comment,
                           comment.c.manual_comment)
                    .join(cell, comment.c.cell_id == cell.c.id)
                    .where(comment.c.notebook_id.in_(chunk))):
                comments[nid].append(CommentEntry(name, auto, manual))
    records = {}
    for nid, student, assignment, notebook, stamp, extension, flagged, penalty in heads:
        records[(student, assignment)] = SubmissionRecord(
            student, assignment, notebook, stamp, extension, bool(flagged), _float(penalty),
            tuple(sorted(grades[nid], key=lambda g: g.name)),
            tuple(sorted(comments[nid], key=lambda c: c.name)))
    return records


def grade_cells(engine: Any) -> dict[str, dict[str, tuple[float, str]]]:
    """``{assignment: {grade cell name: (max_score, cell_type)}}`` of the whole gradebook."""
    from sqlalchemy import select

    t = _tables()
    a, nb, cell, gc = t["assignment"], t["notebook"], t["cell"], t["grade_cell"]
    found: dict[str, dict[str, tuple[float, str]]] = {}
    with engine.connect() as conn:
        for assignment, name, max_score, cell_type in conn.execute(
                select(a.c.name, cell.c.name, gc.c.max_score, gc.c.cell_type)
                .select_from(gc.join(cell, gc.c.id == cell.c.id)
                             .join(nb, cell.c.notebook_id == nb.c.id)
                             .join(a, nb.c.assignment_id == a.c.id))):
            found.setdefault(assignment, {})[name] = (float(max_score), cell_type)
    return found


# writing -----------------------------------------------------------------------------------
def ensure_students(engine: Any, students: Iterable[str]) -> None:
    """Create the missing ``student`` rows (before workers autograde into a shared database,
    so two tasks of one student never race to create the same row)."""
    from sqlalchemy import select

    student = _tables()["student"]
    wanted = set(students)
    with engine.begin() as conn:
        have = {row[0] for row in conn.execute(select(student.c.id))}
        missing = sorted(wanted - have)
        if missing:
            conn.execute(student.insert(), [{"id": s} for s in missing])


def write_record(engine: Any, record: SubmissionRecord) -> None:
    """Store ``record`` in the gradebook: created or updated, in one transaction.

    The submission's rows are matched by names (student, assignment, notebook, cell), so
    writing the same record again changes nothing.
    """
    from sqlalchemy import select

    t = _tables()
    a, nb, cell = t["assignment"], t["notebook"], t["cell"]
    student, sub, subnb = t["student"], t["submission"], t["subnb"]
    grade, comment = t["grade"], t["comment"]
    with engine.begin() as conn:
        assignment_id = conn.execute(select(a.c.id).where(a.c.name == record.assignment)
                                     ).scalar_one_or_none()
        if assignment_id is None:
            raise LookupError(f"the gradebook has no assignment {record.assignment!r}")
        notebook_id = conn.execute(select(nb.c.id).where(
            nb.c.assignment_id == assignment_id, nb.c.name == record.notebook)
        ).scalar_one_or_none()
        if notebook_id is None:
            raise LookupError(f"the gradebook has no notebook {record.notebook!r} in "
                              f"{record.assignment!r}")
        if conn.execute(select(student.c.id).where(student.c.id == record.student)
                        ).first() is None:
            conn.execute(student.insert().values(id=record.student))
        head = {"timestamp": record.timestamp, "extension": record.extension}
        sub_id = conn.execute(select(sub.c.id).where(
            sub.c.assignment_id == assignment_id, sub.c.student_id == record.student)
        ).scalar_one_or_none()
        if sub_id is None:
            sub_id = _uuid()
            conn.execute(sub.insert().values(id=sub_id, assignment_id=assignment_id,
                                             student_id=record.student, **head))
        else:
            conn.execute(sub.update().where(sub.c.id == sub_id).values(**head))
        body = {"flagged": record.flagged, "late_submission_penalty": record.late_penalty}
        subnb_id = conn.execute(select(subnb.c.id).where(
            subnb.c.assignment_id == sub_id, subnb.c.notebook_id == notebook_id)
        ).scalar_one_or_none()
        if subnb_id is None:
            subnb_id = _uuid()
            conn.execute(subnb.insert().values(id=subnb_id, assignment_id=sub_id,
                                               notebook_id=notebook_id, **body))
        else:
            conn.execute(subnb.update().where(subnb.c.id == subnb_id).values(**body))
        cells: dict[tuple[str, str], str] = {
            (name, kind): cid for cid, name, kind in conn.execute(
                select(cell.c.id, cell.c.name, cell.c.type).where(
                    cell.c.notebook_id == notebook_id))}
        _upsert(conn, grade, subnb_id, cells, ("GradeCell",),
                [(g.name, {"auto_score": g.auto_score, "manual_score": g.manual_score,
                           "extra_credit": g.extra_credit,
                           "needs_manual_grade": g.needs_manual_grade})
                 for g in record.grades])
        _upsert(conn, comment, subnb_id, cells, ("SolutionCell", "TaskCell"),
                [(c.name, {"auto_comment": c.auto_comment,
                           "manual_comment": c.manual_comment}) for c in record.comments])


def _upsert(conn: Any, table: Any, subnb_id: str, cells: dict[tuple[str, str], str],
            kinds: tuple[str, ...], rows: list[tuple[str, dict[str, Any]]]) -> None:
    from sqlalchemy import select

    existing = {cid: rid for rid, cid in conn.execute(
        select(table.c.id, table.c.cell_id).where(table.c.notebook_id == subnb_id))}
    inserts = []
    for name, values in rows:
        cell_id = next((cells[(name, k)] for k in kinds if (name, k) in cells), None)
        if cell_id is None:
            raise LookupError(f"the gradebook's notebook has no cell {name!r}")
        if cell_id in existing:
            conn.execute(table.update().where(table.c.id == existing[cell_id]).values(**values))
        else:
            inserts.append({"id": _uuid(), "notebook_id": subnb_id, "cell_id": cell_id,
                            **values})
    if inserts:
        conn.execute(table.insert(), inserts)


# helpers -----------------------------------------------------------------------------------
def _uuid() -> str:
    return uuid.uuid4().hex  # nbgrader's own ids (nbgrader.api.new_uuid)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def copy_database(data: bytes, path: Path) -> None:
    """Write a template's bytes to ``path`` (a task's private gradebook)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as stream:
        stream.write(data)
    os.chmod(path, 0o600)
