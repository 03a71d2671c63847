"""``convkit grade``: grade a folder of submissions through nbgrader, one task per submission.

The main process only discovers, schedules, collects and writes:

1. lock ``OUT_DIR`` (one run at a time) and set up the work course under
   ``OUT_DIR/.nbgrader`` (``generate_assignment`` into the gradebook: ``OUT_DIR/gradebook.db``
   or the ``--db`` server), snapshot the release and make the empty *template* gradebook;
2. find the submissions and read each hand-in's bytes (never modifying
   ``SUBMISSIONS_DIR``); a link, an oversized file, a missing notebook or an unknown
   assignment becomes a row with score 0 and a feedback page saying why;
3. send every submission that is not already graded to the engine (Dask: ``--jobs N``
   local worker processes, or ``--scheduler ADDRESS``) as one task
   (:func:`convkit.grading.task.run_task`: rebuild, sandbox runs, nbgrader's autograde
   and generate_feedback, all in the worker);
4. as each task finishes: store what nbgrader wrote for it in ``OUT_DIR/gradebook.db``
   (the only writer of that file; a database server was written by the worker itself),
   put its feedback page and autograded notebook in place, mark it done, advance the
   progress bar;
5. write ``grades.csv``, the table and ``scores.png`` from the gradebook.

A submission already graded with the same hand-in, release, salt, limits and grader
version is not graded again, so a second run changes nothing and a run killed part-way
resumes where it stopped; a task whose worker died runs again on another worker, and its
result is stored once.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from convkit.course import (
    ASSIGNMENTS,
    RELEASE_DIR,
    SOURCE_DIR,
    Assignment,
    settings_course_id,
)
from convkit.grading.cache import grader_version, write_atomic
from convkit.grading.context import GradingContext
from convkit.grading.engine import Engine, TaskCrashed
from convkit.grading.feedback import ADVICE, write_problem_page
from convkit.grading.gradebook import (
    SubmissionRecord,
    engine_for,
    ensure_students,
    grade_cells,
    read_records,
    write_record,
)
from convkit.grading.intake import MAX_TIMESTAMP_BYTES, Ungradable, read_handin
from convkit.grading.late import apply_late_work, late_settings, read_late_work, seconds_late
from convkit.grading.lock import OutDirLock
from convkit.grading.report import (
    GRADED,
    NOT_SUBMITTED,
    UNGRADABLE,
    UNKNOWN_ASSIGNMENT,
    GradeRow,
    plot_histogram,
    write_grades_csv,
    write_output,
)
from convkit.grading.task import (
    FEEDBACK,
    GRADE,
    AssignmentBundle,
    SubmissionResult,
    SubmissionTask,
    run_task,
)
from convkit.grading.workcourse import SIDE_FILES, WorkCourse


@dataclass
class Submission:
    """One student's hand-in of one assignment (or the lack of it)."""

    student: str
    assignment: str
    notebook: str
    status: str
    reason: str = ""
    raw: bytes | None = None
    timestamp: bytes | None = None
    secret: bytes | None = None
    key: str = ""

    @property
    def label(self) -> str:
        return f"{self.student}/{self.assignment}"


@dataclass
class GradeResult:
    """What a run produced."""

    rows: list[GradeRow]
    out_dir: Path
    warnings: list[str] = field(default_factory=list)
    regraded: int = 0
    up_to_date: int = 0
    refreshed: int = 0
    sandbox_runs: int = 0
    failed: int = 0
    #: per-run measurements: CPU seconds of this process, task seconds, worker memory
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def csv_path(self) -> Path:
        return self.out_dir / "grades.csv"


def available_assignments(course_root: Path) -> dict[str, Assignment]:
    """The assignments of the course that have both a source and a released notebook.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     for folder in ("solutions", "course"):
    ...         path = Path(tmp) / folder / "02_im_conv" / "im_conv.ipynb"
    ...         path.parent.mkdir(parents=True)
    ...         _ = path.write_text("{}")
    ...     sorted(available_assignments(Path(tmp)))
    ['02_im_conv']
    """
    found = {}
    for item in ASSIGNMENTS:
        if ((course_root / SOURCE_DIR / item.name / item.notebook_file).is_file()
                and (course_root / RELEASE_DIR / item.name / item.notebook_file).is_file()):
            found[item.name] = item
    return found


def _visible_dirs(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def discover(submissions: Path, assignments: dict[str, Assignment]) -> list[Submission]:
    """Every student x assignment row to produce, with the notebooks read into memory.

    Rows: one per assignment folder a student handed in, plus ``not submitted`` rows
    for the course assignments that some student handed in and this one did not.
    """
    found: list[Submission] = []
    students = _visible_dirs(submissions)
    present = sorted({d.name for s in students for d in _visible_dirs(s)} & set(assignments))
    for student_dir in students:
        student = student_dir.name
        handed_in = set()
        for folder in _visible_dirs(student_dir):
            handed_in.add(folder.name)
            item = assignments.get(folder.name)
            if item is None and folder.name in {a.name for a in ASSIGNMENTS}:
                found.append(Submission(
                    student, folder.name, "", UNGRADABLE,
                    f"the course has no source and released notebook for {folder.name} "
                    "(solutions/ and course/): the instructor must run `convkit release`"))
                continue
            if item is None:
                known = ", ".join(sorted(assignments)) or "none"
                found.append(Submission(
                    student, folder.name, "", UNKNOWN_ASSIGNMENT,
                    f"the folder {folder.name} is not an assignment of this course "
                    f"(the assignments are: {known})"))
                continue
            found.append(_read_submission(student, item, folder, submissions))
        for name in present:
            if name not in handed_in:
                found.append(Submission(
                    student, name, assignments[name].notebook, NOT_SUBMITTED,
                    f"no folder {name} was handed in by {student}"))
    return sorted(found, key=lambda s: (s.student, s.assignment))


def _read_submission(student: str, item: Assignment, folder: Path,
                     submissions: Path) -> Submission:
    path = folder / item.notebook_file
    if not os.path.lexists(path):
        others = sorted(p.name for p in folder.glob("*.ipynb"))
        seen = (f"the folder holds {', '.join(others)}" if others
                else "the folder holds no notebook")
        return Submission(student, item.name, item.notebook, UNGRADABLE,
                          f"the notebook {item.notebook_file} is missing ({seen}); keep the "
                          "name the notebook was released with")
    try:
        raw = read_handin(path, submissions)
        side = []
        for name in SIDE_FILES:  # what nbgrader's collect keeps next to the notebook
            extra = folder / name
            side.append(read_handin(extra, submissions, max_bytes=MAX_TIMESTAMP_BYTES)
                        if extra.exists() or extra.is_symlink() else None)
    except Ungradable as exc:
        return Submission(student, item.name, item.notebook, UNGRADABLE, exc.reason)
    return Submission(student, item.name, item.notebook, GRADED, raw=raw, timestamp=side[0],
                      secret=side[1])


def _submission_key(sub: Submission, context: GradingContext, release_hash: str,
                    late: str = "") -> str:
    digest = hashlib.sha256()
    for part in (grader_version(), context.salt, str(context.timeout), str(context.memory_mb),
                 release_hash, late):
        digest.update(part.encode("utf-8") + b"\0")
    digest.update(sub.raw or b"")
    digest.update(b"\0" + (sub.timestamp or b""))
    return digest.hexdigest()


class Grader:
    """One ``convkit grade`` run (see the module docstring for the steps).

    Parameters
    ----------
    context : GradingContext
        The run's settings; ``submissions_dir`` and ``out_dir`` must be set.
    jobs : int
        Local worker processes (a ``distributed.LocalCluster``), ignored with ``scheduler``.
    scheduler : str or None
        The address of an existing Dask scheduler.
    progress : bool
        Show a progress bar on stderr.
    log : callable
        Where error lines go (default: stderr).
    """

    def __init__(self, context: GradingContext, *, jobs: int = 1, scheduler: str | None = None,
                 progress: bool = True, log: Callable[[str], None] | None = None) -> None:
        if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
            raise ValueError(f"jobs must be an int of at least 1; got {jobs!r}")
        if context.submissions_dir is None or context.out_dir is None:
            raise ValueError("context must name submissions_dir and out_dir")
        self.context = context
        self.submissions = Path(context.submissions_dir)
        self.out_dir = Path(context.out_dir)
        self.course_root = Path(context.course_root)
        self.jobs = jobs
        self.scheduler = scheduler
        self.progress = progress
        self.log = log or (lambda message: print(message, file=sys.stderr))
        #: the gradebook's due dates and extensions (after the course's settings went in)
        self.duedates: dict[str, Any] = {}
        self.extensions: dict[tuple[str, str], Any] = {}
        if not self.submissions.is_dir():
            raise FileNotFoundError(f"SUBMISSIONS_DIR {self.submissions} is not a folder")
        inside = self.out_dir == self.submissions or self.submissions in self.out_dir.parents
        if inside:
            raise ValueError(f"--out {self.out_dir} must not be inside SUBMISSIONS_DIR "
                             f"{self.submissions} (the submissions are never modified)")

    # the run ---------------------------------------------------------------------------------
    def run(self) -> GradeResult:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        with OutDirLock(self.out_dir):
            book = Path(self.context.gradebook).parent if self.context.gradebook else None
            if book is None or book == self.out_dir:
                return self._run_locked()
            book.mkdir(parents=True, exist_ok=True)
            with OutDirLock(book):  # --course-gradebook: one run at a time on that gradebook
                return self._run_locked()

    def _run_locked(self) -> GradeResult:
        cpu0, wall0 = time.process_time(), time.perf_counter()
        assignments = available_assignments(self.course_root)
        if not assignments:
            raise FileNotFoundError(
                f"no assignment of {self.course_root} has both solutions/ and course/ notebooks")
        subs = discover(self.submissions, assignments)
        used = sorted({s.assignment for s in subs if s.assignment in assignments})
        work = WorkCourse(self.context)
        fresh_gradebook = not work.gradebook_exists()
        notices = work.prepare([assignments[name] for name in used])
        work.cache_dir.mkdir(parents=True, exist_ok=True)  # the workers' shared verdict cache
        if fresh_gradebook:
            shutil.rmtree(work.root / "done", ignore_errors=True)
        releases = {name: (work.release_root / name / assignments[name].notebook_file)
                    .read_bytes() for name in used}
        hashes = {name: hashlib.sha256(data).hexdigest() for name, data in releases.items()}

        db = engine_for(work.db_url)
        try:
            apply_late_work(db, *late_settings(self.context.settings),
                            course_id=settings_course_id(self.context.settings))
            self.duedates, self.extensions = read_late_work(db)
            penalty = json.dumps({k: v for k, v in self.context.settings.items()
                                  if k not in ("CourseDirectory", "Exchange", "LateWork")},
                                 sort_keys=True, default=str)
            for sub in subs:
                if sub.status == GRADED:
                    late = repr((self.duedates.get(sub.assignment),
                                 self.extensions.get((sub.student, sub.assignment)), penalty))
                    sub.key = _submission_key(sub, self.context, hashes[sub.assignment], late)
            records = read_records(db)
            cells = grade_cells(db)
            markers = {s.label: self._marker(s, work) for s in subs if s.status == GRADED}
            state = {s.label: self._state(s, work, markers[s.label], records)
                     for s in subs if s.status == GRADED}
            todo = [s for s in subs if state.get(s.label) in ("todo", "feedback")]
            result = GradeResult([], self.out_dir, notices)
            result.up_to_date = sum(value == "done" for value in state.values())
            if self.context.db_url is not None and todo:
                ensure_students(db, sorted({s.student for s in todo}))
            for sub in subs:
                if sub.status != GRADED:
                    self._write_problem(sub, cells)
            for sub in subs:  # hand-ins found ungradable by an earlier run
                marker = markers.get(sub.label) or {}
                if state.get(sub.label) == "done" and marker.get("status") == UNGRADABLE:
                    sub.status, sub.reason = UNGRADABLE, marker.get("reason", "")
            busy = time.process_time()
            if todo:
                self._grade(todo, state, records, releases, work, db, cells, result)
            rows_start = time.process_time()
            result.rows = self._rows(subs, records, cells, markers, work)
        finally:
            db.dispose()
        write_grades_csv(result.rows, self.out_dir / "grades.csv")
        plot_histogram(result.rows, self.out_dir / "scores.png")
        cpu = time.process_time() - cpu0
        result.stats.update({
            "notebooks": len(subs), "graded_in_run": result.regraded + result.refreshed,
            "main_cpu_seconds": cpu, "main_cpu_setup": busy - cpu0,
            "main_cpu_rows_and_files": time.process_time() - rows_start,
            "wall_seconds": time.perf_counter() - wall0,
        })
        write_atomic(work.root / "run-stats.json",
                     json.dumps(result.stats, indent=1, sort_keys=True).encode())
        return result

    def _grade(self, todo: list[Submission], state: dict[str, str],
               records: dict[tuple[str, str], SubmissionRecord], releases: dict[str, bytes],
               work: WorkCourse, db: Any, cells: dict[str, Any], result: GradeResult) -> None:
        """Send every submission in ``todo`` to the engine; store each result as it comes."""
        bar = self._progress_bar(len(todo))
        version = grader_version()
        template = work.template() if self.context.db_url is None else None
        peaks: dict[str, float] = {}
        seconds: list[float] = []
        phases: dict[str, float] = {}
        try:
            with Engine(min(self.jobs, len(todo)), self.scheduler) as engine:
                shared_context = engine.share(self.context)
                bundles = {}
                for name in sorted({s.assignment for s in todo}):
                    notebook = next(s.notebook for s in todo if s.assignment == name)
                    bundles[name] = engine.share(AssignmentBundle(name, notebook,
                                                                  releases[name], template))
                futures = {}
                for sub in todo:
                    kind = FEEDBACK if state[sub.label] == "feedback" else GRADE
                    prior = self._prior(sub, records.get((sub.student, sub.assignment)))
                    task = SubmissionTask(
                        sub.student, sub.assignment, sub.notebook, sub.key, kind,
                        raw=(sub.raw or b"") if kind == GRADE else b"", timestamp=sub.timestamp,
                        prior=prior, grader=version,
                        autograded=self._previous_autograded(sub, work, kind, prior))
                    manual = prior.manual_state() if prior else "-"
                    key = f"convkit-{kind}-{sub.label}-{sub.key[:16]}-{manual}"
                    futures[engine.submit(run_task, task, bundles[sub.assignment],
                                          shared_context, key=key)] = sub
                for future, outcome in engine.results(futures):
                    sub = futures[future]
                    bar.set_postfix_str(sub.label, refresh=False)
                    self._collect(sub, outcome, work, db, records, cells, result)
                    if isinstance(outcome, SubmissionResult):
                        peaks[outcome.worker] = max(peaks.get(outcome.worker, 0.0),
                                                    outcome.peak_rss_mb)
                        seconds.append(outcome.seconds)
                        for name, value in outcome.extra.items():
                            phases[name] = (max(phases.get(name, 0.0), value)
                                            if name.endswith("_mb")
                                            else phases.get(name, 0.0) + value)
                    bar.update(1)
                result.stats["workers"] = engine.workers
        finally:
            bar.close()
        result.stats["worker_peak_rss_mb"] = peaks
        result.stats["task_seconds"] = sum(seconds)
        result.stats["task_phases"] = phases

    def _collect(self, sub: Submission, outcome: SubmissionResult | TaskCrashed,
                 work: WorkCourse, db: Any, records: dict[tuple[str, str], SubmissionRecord],
                 cells: dict[str, Any], result: GradeResult) -> None:
        """Store one task's result: gradebook, pages, notebooks, then the done marker."""
        if isinstance(outcome, TaskCrashed):
            self._failed(sub, work, cells, result, "the grading task failed", str(outcome))
            return
        if outcome.status == UNGRADABLE:
            sub.status, sub.reason = UNGRADABLE, outcome.reason
            self._write_problem(sub, cells)
            self._write_marker(sub, work, {"status": UNGRADABLE, "reason": outcome.reason})
            result.regraded += 1
            return
        if outcome.status != GRADED or outcome.record is None:
            self._failed(sub, work, cells, result, outcome.reason, outcome.log)
            return
        record = outcome.record
        result.warnings.extend(outcome.reviews)  # written answers back to a person
        if self.context.db_url is None:
            write_record(db, record)  # the worker's private gradebook -> OUT_DIR/gradebook.db
        records[record.label] = record
        if outcome.kind == GRADE:
            folder = work.submitted(sub.student, sub.assignment)
            _replace(folder / f"{sub.notebook}.ipynb", outcome.submitted or b"")
            for copy in work.copies("autograded", sub.student, sub.assignment):
                _replace(copy / f"{sub.notebook}.ipynb", outcome.autograded or b"")
            result.regraded += 1
            result.sandbox_runs += outcome.sandbox_runs
            marker: dict[str, Any] = {"questions": list(outcome.questions),
                                      "notes": list(outcome.notes)}
        else:
            marker = dict(self._marker(sub, work) or {})
            result.refreshed += 1
        page = outcome.feedback or b""
        for copy in work.copies("feedback", sub.student, sub.assignment):
            _replace(copy / f"{sub.notebook}.html", page, shared=True)
        _replace(self._feedback_path(sub), page, shared=True)
        self._place_side_files(sub, work)
        marker.update({"status": GRADED, "manual": record.manual_state()})
        self._write_marker(sub, work, marker)

    def _prior(self, sub: Submission, prior: SubmissionRecord | None
               ) -> SubmissionRecord | None:
        """What the task writes into its private gradebook first: the gradebook's record of
        this submission (a person's grades) with the student's extension as it is now."""
        extension = self.extensions.get((sub.student, sub.assignment))
        if prior is None:  # an extension has its record already (apply_late_work)
            return None
        return dataclasses.replace(prior, extension=extension)

    def _place_side_files(self, sub: Submission, work: WorkCourse) -> None:
        """``timestamp.txt`` and ``submission_secret.txt`` of the hand-in next to its submitted,
        autograded and feedback copies, as nbgrader's autograde and generate_feedback leave
        them (``release_feedback`` hashes the secret to name the page students fetch)."""
        folders = [work.submitted(sub.student, sub.assignment),
                   *work.copies("autograded", sub.student, sub.assignment),
                   *work.copies("feedback", sub.student, sub.assignment)]
        for name, data in zip(SIDE_FILES, (sub.timestamp, sub.secret), strict=True):
            for folder in folders:
                if data is not None:
                    _replace(folder / name, data)
                else:
                    (folder / name).unlink(missing_ok=True)

    def _previous_autograded(self, sub: Submission, work: WorkCourse, kind: str,
                             prior: SubmissionRecord | None) -> bytes | None:
        """The autograded notebook a feedback task works on; for a grade task, the last run's
        when a person graded something (the maxima they graded out of)."""
        path = self._autograded_path(sub, work)
        if kind == FEEDBACK:
            return path.read_bytes()
        if prior is not None and prior.has_manual_work() and path.is_file():
            return path.read_bytes()
        return None

    def _progress_bar(self, total: int):
        from tqdm import tqdm

        return tqdm(total=total, desc="grading", unit="notebook", file=sys.stderr,
                    disable=not self.progress, dynamic_ncols=True, leave=True)

    # one submission's files ------------------------------------------------------------------
    def _marker_path(self, sub: Submission, work: WorkCourse) -> Path:
        return work.root / "done" / sub.student / f"{sub.assignment}.json"

    def _marker(self, sub: Submission, work: WorkCourse) -> dict[str, Any] | None:
        try:
            marker = json.loads(self._marker_path(sub, work).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return marker if isinstance(marker, dict) and marker.get("key") == sub.key else None

    def _write_marker(self, sub: Submission, work: WorkCourse, marker: dict[str, Any]) -> None:
        marker = {**marker, "key": sub.key}
        write_atomic(self._marker_path(sub, work),
                     json.dumps(marker, sort_keys=True).encode("utf-8"))

    def _feedback_path(self, sub: Submission) -> Path:
        return self.out_dir / "feedback" / sub.student / sub.assignment / f"{sub.notebook}.html"

    def _autograded_path(self, sub: Submission, work: WorkCourse) -> Path:
        return work.autograded(sub.student, sub.assignment) / f"{sub.notebook}.ipynb"

    def _state(self, sub: Submission, work: WorkCourse, marker: dict[str, Any] | None,
               records: dict[tuple[str, str], SubmissionRecord]) -> str:
        """``"done"`` (nothing to do), ``"feedback"`` (only a person's grading changed since the
        feedback was written) or ``"todo"`` (grade it)."""
        if marker is None:
            return "todo"
        if marker.get("status") == UNGRADABLE:
            return "done"
        record = records.get((sub.student, sub.assignment))
        if record is None or not self._autograded_path(sub, work).is_file():
            return "todo"
        if marker.get("manual") != record.manual_state():
            return "feedback"
        return "done" if self._feedback_path(sub).is_file() else "feedback"

    def _failed(self, sub: Submission, work: WorkCourse, cells: dict[str, Any],
                result: GradeResult, reason: str, log: str) -> None:
        path = work.root / "logs" / sub.student / f"{sub.assignment}.log"
        write_atomic(path, f"{reason}\n{log}".encode())
        sub.status = UNGRADABLE
        sub.reason = ("the grader failed on this notebook (an internal error, not your fault; "
                      f"the instructor's log is {path})")
        self.log(f"error: {reason} on {sub.label}: see {path}")
        result.failed += 1
        self._write_problem(sub, cells)

    def _write_problem(self, sub: Submission, cells: dict[str, Any]) -> None:
        name = sub.notebook or "submission"
        headline = {UNGRADABLE: "Your notebook could not be graded.",
                    NOT_SUBMITTED: "No notebook was handed in for this assignment.",
                    UNKNOWN_ASSIGNMENT: "This folder is not an assignment of the course."}
        write_problem_page(
            self.out_dir / "feedback" / sub.student / sub.assignment / f"{name}.html",
            student=sub.student, assignment=sub.assignment, notebook=name,
            max_score=_maxima(cells, sub.assignment)[0],
            headline=headline.get(sub.status, "Not graded."), reason=sub.reason,
            advice=ADVICE.get(sub.status, ADVICE["ungradable"]))

    # the table -------------------------------------------------------------------------------
    def _rows(self, subs: Sequence[Submission],
              records: dict[tuple[str, str], SubmissionRecord], cells: dict[str, Any],
              markers: dict[str, dict[str, Any] | None], work: WorkCourse) -> list[GradeRow]:
        rows = []
        for sub in subs:
            total_max, auto_max = _maxima(cells, sub.assignment)
            record = records.get((sub.student, sub.assignment))
            if sub.status != GRADED:
                rows.append(GradeRow(sub.student, sub.assignment, 0.0, total_max, 0.0,
                                     auto_max, 0.0, sub.status, "", sub.reason))
                continue
            marker = self._marker(sub, work) or markers.get(sub.label)
            if record is None or marker is None:
                rows.append(GradeRow(sub.student, sub.assignment, 0.0, total_max, 0.0,
                                     auto_max, 0.0, UNGRADABLE, "",
                                     "missing from the gradebook"))
                continue
            if work.root.is_dir():
                self._place_side_files(sub, work)
            late = seconds_late(record.timestamp, self.duedates.get(sub.assignment),
                                record.extension)
            rows.append(_graded_row(record, cells.get(sub.assignment, {}), marker, late))
        return rows


def _graded_row(record: SubmissionRecord, cells: dict[str, tuple[float, str]],
                marker: dict[str, Any], late_by: float = 0.0) -> GradeRow:
    auto: dict[str, tuple[float, float]] = {}
    auto_score = auto_max = pending = total = maximum = 0.0
    for grade in record.grades:
        max_score, cell_type = cells.get(grade.name, (0.0, "code"))
        total += grade.score
        maximum += max_score
        if cell_type == "code":
            auto[grade.name] = (grade.score, max_score)
            auto_score += grade.score
            auto_max += max_score
        elif grade.manual_score is None and grade.auto_score is None:
            pending += max_score  # a written answer nobody has graded yet
    penalty = float(record.late_penalty or 0.0)
    questions = []
    for name in marker.get("questions", []):
        score, top = auto.get(f"test_{name}", (0.0, 0.0))
        questions.append(f"{name} {score:g}/{top:g}")
    notes = list(marker.get("notes", []))
    if penalty:
        notes.append(f"late penalty {penalty:g}")
    return GradeRow(record.student, record.assignment, total - penalty, maximum, auto_score,
                    auto_max, pending, GRADED, "; ".join(questions), "; ".join(notes),
                    late_by_seconds=late_by, late_penalty=penalty)


def _maxima(cells: dict[str, Any], assignment: str) -> tuple[float, float]:
    """(every point, the autograded points) of an assignment (0, 0 when unknown)."""
    mine = cells.get(assignment, {})
    return (sum(m for m, _ in mine.values()),
            sum(m for m, kind in mine.values() if kind == "code"))


def _replace(path: Path, data: bytes, *, shared: bool = False) -> None:
    """Write ``path`` atomically unless it already holds ``data``.

    ``shared``: a file handed back (a feedback page), created 0644 less the umask
    (:func:`convkit.grading.report.write_output`) instead of private 0600; one left
    private by an older run is written again.
    """
    try:
        if path.read_bytes() == data and not (shared and not path.stat().st_mode & 0o040):
            return
    except OSError:
        pass
    if shared:
        write_output(path, data)
    else:
        write_atomic(path, data)
