"""``convkit grade``: grade a folder of submissions through nbgrader, out of process.

The steps, for ``SUBMISSIONS_DIR/<student>/<assignment>/<notebook>.ipynb``:

1. lock ``OUT_DIR`` (one run at a time) and set up the work course under
   ``OUT_DIR/.nbgrader`` (``generate_assignment`` into ``OUT_DIR/gradebook.db``);
2. find the submissions; read each notebook (never modifying ``SUBMISSIONS_DIR``);
   a file that is not a notebook, a missing notebook or an unknown assignment
   becomes a row with score 0 and a feedback page saying why;
3. rebuild each notebook from the release and list its graded functions; run
   every graded function in the sandbox, ``--jobs`` at a time in a thread pool
   (the work happens in subprocesses); verdicts go to an atomic on-disk cache;
4. meanwhile, in this thread only (the one gradebook writer), run nbgrader's
   autograde for each submission whose verdicts are ready (the ``SandboxChecks``
   preprocessor reads them from the cache) and its generate_feedback, and copy
   the feedback page into ``OUT_DIR/feedback``;
5. read the scores back from the gradebook and write ``grades.csv``, the table
   and ``scores.png``.

A submission already graded with the same notebook, salt, timeout and grader
version is not graded again, so a second run changes nothing and a run killed
part-way resumes where it stopped.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from convkit.course import ASSIGNMENTS, RELEASE_DIR, SOURCE_DIR, Assignment
from convkit.grading.cache import VerdictCache, grader_version, write_atomic
from convkit.grading.feedback import ADVICE, publish, write_problem_page
from convkit.grading.jobs import GradingSettings, QuestionJob, question_jobs, verdict_for
from convkit.grading.lock import OutDirLock
from convkit.grading.rebuild import (
    NotANotebook,
    Rebuilt,
    graded_names,
    normalize_notebook,
    parse_notebook,
    rebuild,
)
from convkit.grading.report import (
    GRADED,
    NOT_SUBMITTED,
    UNGRADABLE,
    UNKNOWN_ASSIGNMENT,
    GradeRow,
    plot_histogram,
    write_grades_csv,
)
from convkit.grading.verdicts import NOT_GRADED, PASS, QuestionVerdict
from convkit.grading.workcourse import WorkCourse

#: verdict mistakes that are not a wrong answer: they go to the notes column
_NOTEWORTHY = {"tampered", "answer_missing", "answer_type_changed", "forbidden", "timeout",
               "crashed", "memory", "blocked", "missing", "cell_error"}


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
    rebuilt: Rebuilt | None = None
    jobs: list[QuestionJob] = field(default_factory=list)
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
            found.append(_read_submission(student, item, folder))
        for name in present:
            if name not in handed_in:
                found.append(Submission(
                    student, name, assignments[name].notebook, NOT_SUBMITTED,
                    f"no folder {name} was handed in by {student}"))
    return sorted(found, key=lambda s: (s.student, s.assignment))


def _read_submission(student: str, item: Assignment, folder: Path) -> Submission:
    path = folder / item.notebook_file
    if not path.is_file():
        others = sorted(p.name for p in folder.glob("*.ipynb"))
        seen = (f"the folder holds {', '.join(others)}" if others
                else "the folder holds no notebook")
        return Submission(student, item.name, item.notebook, UNGRADABLE,
                          f"the notebook {item.notebook_file} is missing ({seen}); keep the "
                          "name the notebook was released with")
    raw = path.read_bytes()
    timestamp_path = folder / "timestamp.txt"
    timestamp = timestamp_path.read_bytes() if timestamp_path.is_file() else None
    try:
        parse_notebook(raw)
    except NotANotebook as exc:
        return Submission(student, item.name, item.notebook, UNGRADABLE,
                          f"{item.notebook_file}: {exc}", raw=raw)
    return Submission(student, item.name, item.notebook, GRADED, raw=raw, timestamp=timestamp)


def _submission_key(sub: Submission, settings: GradingSettings, release_hash: str) -> str:
    digest = hashlib.sha256()
    for part in (grader_version(), settings.salt, str(float(settings.timeout)), release_hash,
                 *(job.key for job in sub.jobs)):
        digest.update(part.encode("utf-8") + b"\0")
    digest.update(sub.raw or b"")
    digest.update(b"\0" + (sub.timestamp or b""))
    return digest.hexdigest()


class Grader:
    """One ``convkit grade`` run (see the module docstring for the steps)."""

    def __init__(self, submissions: Path, out_dir: Path, course_root: Path,
                 settings: GradingSettings, *, jobs: int = 1,
                 progress: bool = True, log: Callable[[str], None] | None = None) -> None:
        if jobs < 1:
            raise ValueError(f"jobs must be at least 1; got {jobs}")
        self.submissions = Path(submissions).resolve()
        self.out_dir = Path(out_dir).resolve()
        self.course_root = Path(course_root).resolve()
        self.settings = settings
        self.jobs = jobs
        self.progress = progress
        self._manual: dict[str, str] = {}
        self.log = log or (lambda message: print(message, file=sys.stderr))
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
            return self._run_locked()

    def _run_locked(self) -> GradeResult:
        assignments = available_assignments(self.course_root)
        if not assignments:
            raise FileNotFoundError(
                f"no assignment of {self.course_root} has both solutions/ and course/ notebooks")
        subs = discover(self.submissions, assignments)
        used = sorted({s.assignment for s in subs if s.assignment in assignments})
        work = WorkCourse(self.out_dir, self.course_root, self.settings)
        fresh_gradebook = not work.db_path.exists()
        notices = work.prepare([assignments[name] for name in used])
        if fresh_gradebook:
            shutil.rmtree(work.root / "done", ignore_errors=True)

        releases = {name: json.loads((work.release_root / name / assignments[name].notebook_file)
                                     .read_text(encoding="utf-8")) for name in used}
        release_hashes = {name: hashlib.sha256(json.dumps(nb, sort_keys=True).encode())
                          .hexdigest() for name, nb in releases.items()}
        for sub in subs:
            if sub.status == GRADED:
                self._prepare_submission(sub, releases[sub.assignment],
                                         release_hashes[sub.assignment], work)

        cache = VerdictCache(work.cache_dir)
        self._manual = _manual_states(work, subs)
        state = {s.label: self._state(s, work) for s in subs if s.status == GRADED}
        todo = [s for s in subs if state.get(s.label) == "todo"]
        # only a person's grading changed: new feedback, no new autograde (which would flag
        # the written answers for review again in formgrader)
        refresh = [s for s in subs if state.get(s.label) == "feedback"]
        result = GradeResult([], self.out_dir, notices)
        result.up_to_date = sum(value == "done" for value in state.values())
        result.refreshed = len(refresh)
        feedback_todo = sorted({s.assignment for s in todo + refresh})
        bar = self._progress_bar(len(subs) + len(feedback_todo))
        pool = ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="convkit-sandbox")
        try:
            futures = {s.label: [pool.submit(verdict_for, job, self.settings, cache)
                                 for job in s.jobs] for s in todo}
            with warnings.catch_warnings():
                # nbgrader's gradebook code makes SQLAlchemy warn on every autograde
                warnings.filterwarnings("ignore", module=r"nbgrader\..*")
                warnings.filterwarnings("ignore", message=".*not in session.*")
                autograded: list[Submission] = list(refresh)
                for sub in subs:
                    bar.set_postfix_str(sub.label, refresh=False)
                    if sub.status != GRADED:
                        self._write_problem(sub, work)
                    elif sub.label in futures:
                        # wait for this submission's verdicts (cached: no sandbox run)
                        result.sandbox_runs += sum(not future.result()[1]
                                                   for future in futures[sub.label])
                        if self._autograde(sub, work):
                            autograded.append(sub)
                        result.regraded += 1
                    bar.update(1)
                for assignment in feedback_todo:
                    bar.set_postfix_str(f"feedback {assignment}", refresh=False)
                    mine = [s for s in autograded if s.assignment == assignment]
                    if mine:
                        self._feedback(assignment, mine, work)
                    bar.update(1)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            bar.close()
        result.rows = self._rows(subs, work, cache)
        write_grades_csv(result.rows, self.out_dir / "grades.csv")
        plot_histogram(result.rows, self.out_dir / "scores.png")
        return result

    def _progress_bar(self, total: int):
        from tqdm import tqdm

        return tqdm(total=total, desc="grading", unit="notebook", file=sys.stderr,
                    disable=not self.progress, dynamic_ncols=True, leave=True)

    # one submission ----------------------------------------------------------------------------
    def _prepare_submission(self, sub: Submission, release: dict[str, Any], release_hash: str,
                            work: WorkCourse) -> None:
        normalized = normalize_notebook(parse_notebook(sub.raw or b""))
        sub.rebuilt = rebuild(normalized, release)
        sub.jobs = question_jobs(sub.rebuilt.notebook, sub.rebuilt.findings, student=sub.student,
                                 assignment=sub.assignment, settings=self.settings)
        sub.key = _submission_key(sub, self.settings, release_hash)
        folder = work.submitted(sub.student, sub.assignment)
        text = nbformat.writes(normalized).encode("utf-8")
        target = folder / f"{sub.notebook}.ipynb"
        if not target.is_file() or target.read_bytes() != text:
            write_atomic(target, text)
        stamp = folder / "timestamp.txt"
        if sub.timestamp is not None:
            if not stamp.is_file() or stamp.read_bytes() != sub.timestamp:
                write_atomic(stamp, sub.timestamp)
        else:
            stamp.unlink(missing_ok=True)

    def _done_marker(self, sub: Submission, work: WorkCourse) -> Path:
        return work.root / "done" / sub.student / f"{sub.assignment}.json"

    def _feedback_path(self, sub: Submission) -> Path:
        return self.out_dir / "feedback" / sub.student / sub.assignment / f"{sub.notebook}.html"

    def _state(self, sub: Submission, work: WorkCourse) -> str:
        """``"done"`` (nothing to do), ``"feedback"`` (only a person's grading changed since the
        feedback was written) or ``"todo"`` (autograde and feedback)."""
        try:
            done = json.loads(self._done_marker(sub, work).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return "todo"
        graded = work.autograded(sub.student, sub.assignment) / f"{sub.notebook}.ipynb"
        if done.get("key") != sub.key or not graded.is_file():
            return "todo"
        if done.get("manual") != self._manual.get(sub.label):
            return "feedback"
        return "done" if self._feedback_path(sub).is_file() else "feedback"

    def _autograde(self, sub: Submission, work: WorkCourse) -> bool:
        """nbgrader autograde of one submission (verdicts come from the cache); True if done."""
        self._done_marker(sub, work).unlink(missing_ok=True)
        result = work.api().autograde(sub.assignment, sub.student, force=True, create=True)
        if not result["success"]:
            self._failed(sub, work, result)
        return bool(result["success"])

    def _feedback(self, assignment: str, subs: Sequence[Submission], work: WorkCourse) -> None:
        """nbgrader generate_feedback for ``subs`` (one assignment) in one call; publish pages."""
        api = work.api()
        wanted = {sub.student for sub in subs}
        graded = work.root / "autograded"
        others = sorted(p.parent.name for p in graded.glob(f"*/{assignment}")
                        if p.parent.name not in wanted)
        for sub in subs:
            shutil.rmtree(work.feedback(sub.student, assignment), ignore_errors=True)
        saved = api.coursedir.student_id_exclude
        api.coursedir.student_id_exclude = ",".join(others)
        try:
            result = api.generate_feedback(assignment, None, force=True)
        finally:
            api.coursedir.student_id_exclude = saved
        manual = _manual_states(work, subs)  # as the next run will find it
        for sub in subs:
            page = work.feedback(sub.student, assignment) / f"{sub.notebook}.html"
            if page.is_file():
                publish(page, self._feedback_path(sub))
                marker = {"key": sub.key, "manual": manual.get(sub.label)}
                write_atomic(self._done_marker(sub, work), json.dumps(marker).encode())
            else:
                self._failed(sub, work, result)

    def _failed(self, sub: Submission, work: WorkCourse, result: dict[str, Any]) -> None:
        log = work.root / "logs" / sub.student / f"{sub.assignment}.log"
        text = (result.get("log") or "") + "\n" + (result.get("error") or "")
        write_atomic(log, text.encode("utf-8"))
        sub.status = UNGRADABLE
        sub.reason = ("the grader failed on this notebook (an internal error, not your fault; "
                      f"the instructor's log is {log})")
        self.log(f"error: nbgrader failed on {sub.label}: see {log}")
        self._write_problem(sub, work)

    def _write_problem(self, sub: Submission, work: WorkCourse) -> None:
        name = sub.notebook or "submission"
        headline = {UNGRADABLE: "Your notebook could not be graded.",
                    NOT_SUBMITTED: "No notebook was handed in for this assignment.",
                    UNKNOWN_ASSIGNMENT: "This folder is not an assignment of the course."}
        write_problem_page(
            self.out_dir / "feedback" / sub.student / sub.assignment / f"{name}.html",
            student=sub.student, assignment=sub.assignment, notebook=name,
            max_score=self._assignment_max(sub.assignment, work),
            headline=headline.get(sub.status, "Not graded."), reason=sub.reason,
            advice=ADVICE.get(sub.status, ADVICE["ungradable"]))

    def _assignment_max(self, assignment: str, work: WorkCourse) -> float:
        from nbgrader.api import Gradebook, MissingEntry

        if not work.db_path.exists():
            return 0.0
        with Gradebook(f"sqlite:///{work.db_path}") as gradebook:
            try:
                return float(gradebook.find_assignment(assignment).max_score)
            except MissingEntry:
                return 0.0

    # the table -------------------------------------------------------------------------------
    def _rows(self, subs: Sequence[Submission], work: WorkCourse,
              cache: VerdictCache) -> list[GradeRow]:
        from nbgrader.api import Gradebook, MissingEntry

        rows = []
        with Gradebook(f"sqlite:///{work.db_path}") as gradebook:
            maxima: dict[str, tuple[float, float]] = {}
            for sub in subs:
                if sub.assignment not in maxima:
                    maxima[sub.assignment] = _assignment_maxima(gradebook, sub.assignment)
                total_max, auto_max = maxima[sub.assignment]
                if sub.status != GRADED:
                    rows.append(GradeRow(sub.student, sub.assignment, 0.0, total_max, 0.0,
                                         auto_max, 0.0, sub.status, "", sub.reason))
                    continue
                try:
                    notebook = gradebook.find_submission_notebook(sub.notebook, sub.assignment,
                                                                  sub.student)
                except MissingEntry:
                    rows.append(GradeRow(sub.student, sub.assignment, 0.0, total_max, 0.0,
                                         auto_max, 0.0, UNGRADABLE, "",
                                         "missing from the gradebook"))
                    continue
                rows.append(self._graded_row(sub, notebook, cache))
        return rows

    def _graded_row(self, sub: Submission, notebook: Any, cache: VerdictCache) -> GradeRow:
        order = graded_names(sub.rebuilt.notebook) if sub.rebuilt else []
        auto: dict[str, tuple[float, float]] = {}
        auto_score = auto_max = pending = 0.0
        for grade in notebook.grades:
            cell = grade.cell
            if cell.cell_type == "code":
                auto[grade.name] = (float(grade.score), float(grade.max_score))
                auto_score += float(grade.score)
                auto_max += float(grade.max_score)
            if cell.cell_type != "code" and grade.manual_score is None \
                    and grade.auto_score is None:  # a written answer nobody has graded yet
                pending += float(grade.max_score)
        penalty = float(notebook.late_submission_penalty or 0.0)
        questions = []
        for name in order:
            score, maximum = auto.get(f"test_{name}", (0.0, 0.0))
            questions.append(f"{name} {score:g}/{maximum:g}")
        notes = []
        for job in sub.jobs:
            verdict = cache.get(job.key)
            if verdict is not None and _noteworthy(verdict):
                notes.append(f"{job.name}: {_short(verdict.headline)}")
        if penalty:
            notes.append(f"late penalty {penalty:g}")
        return GradeRow(sub.student, sub.assignment, float(notebook.score) - penalty,
                        float(notebook.max_score), auto_score, auto_max, pending, GRADED,
                        "; ".join(questions), "; ".join(notes))


def _manual_states(work: WorkCourse, subs: Sequence[Submission]) -> dict[str, str]:
    """A hash per submission of what a person graded (manual scores, extra credit, comments).

    Part of the "already done" test: after written answers are graded in formgrader, the
    next run regenerates exactly the feedback pages that changed.
    """
    from nbgrader.api import Gradebook, MissingEntry

    states: dict[str, str] = {}
    if not work.db_path.exists():
        return states
    with Gradebook(f"sqlite:///{work.db_path}") as gradebook:
        for sub in subs:
            if sub.status != GRADED:
                continue
            try:
                notebook = gradebook.find_submission_notebook(sub.notebook, sub.assignment,
                                                              sub.student)
            except MissingEntry:
                continue
            items = sorted([(g.name, g.manual_score, g.extra_credit) for g in notebook.grades]
                           + [(c.name, c.manual_comment, None) for c in notebook.comments],
                           key=repr)
            states[sub.label] = hashlib.sha256(repr(items).encode()).hexdigest()[:16]
    return states


def _assignment_maxima(gradebook: Any, assignment: str) -> tuple[float, float]:
    from nbgrader.api import MissingEntry

    try:
        item = gradebook.find_assignment(assignment)
    except MissingEntry:
        return 0.0, 0.0
    auto = sum(float(cell.max_score) for nb in item.notebooks for cell in nb.grade_cells
               if cell.cell_type == "code")
    return float(item.max_score), auto


def _noteworthy(verdict: QuestionVerdict) -> bool:
    return verdict.status == NOT_GRADED or (verdict.status != PASS
                                            and verdict.mistake in _NOTEWORTHY)


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
