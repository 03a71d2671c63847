"""One submission, graded whole in a worker process: the unit of work of ``convkit grade``.

:func:`run_task` does everything a submission needs, in whatever process runs it (a
``distributed`` worker of a ``LocalCluster`` or of a real cluster):

1. parse the hand-in, rebuild it from the released notebook and list its graded
   functions; run each in the sandbox (or take its verdict from the cache);
2. lay out a private nbgrader course in a temporary folder (the hand-in, the release,
   a gradebook) and run nbgrader's ``autograde`` (``SandboxChecks`` finds every verdict in
   the cache) and ``generate_feedback`` there;
3. send back a :class:`SubmissionResult`: the feedback page, the autograded notebook and
   what nbgrader wrote into the gradebook (a :class:`~convkit.grading.gradebook.SubmissionRecord`).

Everything the task needs travels with it as bytes (:class:`SubmissionTask`,
:class:`AssignmentBundle`, the :class:`~convkit.grading.context.GradingContext` with the
salt), so a worker needs convkit installed and nothing shared: no course folder, no
``OUT_DIR``. The gradebook is private to the task (a copy of the template, SQLite) unless
the context names a database server, which the task's nbgrader then writes directly.

A task is idempotent: run twice (a worker killed mid-task, the task run again elsewhere)
it computes the same result; only the main process writes ``OUT_DIR``.
"""

from __future__ import annotations

import functools
import os
import resource
import socket
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from convkit.grading.cache import VerdictCache, grader_version
from convkit.grading.context import GradingContext
from convkit.grading.gradebook import (
    SubmissionRecord,
    copy_database,
    engine_for,
    read_records,
    write_record,
)

#: what a task does
GRADE, FEEDBACK = "grade", "feedback"
#: a task's outcome (besides ``graded``: the report's statuses)
FAILED = "failed"
#: verdict mistakes that are not a wrong answer: they go to the notes column
NOTEWORTHY = {"tampered", "answer_missing", "answer_type_changed", "forbidden", "timeout",
              "crashed", "memory", "blocked", "missing", "cell_error"}


@dataclass(frozen=True)
class AssignmentBundle:
    """What every task of one assignment needs, shipped once per worker.

    Attributes
    ----------
    assignment, notebook : str
        The assignment folder and its notebook's name (without ``.ipynb``).
    release : bytes
        The released notebook students got (the run's snapshot of ``course/``).
    template : bytes or None
        A SQLite gradebook with the course's assignments and no student
        (:func:`convkit.grading.gradebook.make_template`); None with a database server.
    """

    assignment: str
    notebook: str
    release: bytes
    template: bytes | None


@dataclass(frozen=True)
class SubmissionTask:
    """One submission to grade (``kind="grade"``) or whose feedback to redo (``"feedback"``).

    Attributes
    ----------
    student, assignment, notebook : str
        Whose hand-in, of what.
    key : str
        The submission's key (hand-in, release, salt, limits and grader version); the main
        process marks the submission done under it.
    kind : str
        ``"grade"``: everything; ``"feedback"``: only a person's grading changed, so only
        ``generate_feedback`` runs, on ``autograded`` with ``prior``.
    raw, timestamp : bytes
        The hand-in's notebook and ``timestamp.txt`` as read (``grade``).
    prior : SubmissionRecord or None
        What the gradebook holds for this submission (a person's grades are kept).
    autograded : bytes or None
        The autograded notebook (``feedback``; with ``grade``, the one of the last run, whose
        written answers' points are the maxima a person graded them out of).
    grader : str
        The main process's :func:`~convkit.grading.cache.grader_version`: a worker with
        another version of convkit refuses the task rather than grade differently.
    """

    student: str
    assignment: str
    notebook: str
    key: str
    kind: str = GRADE
    raw: bytes = b""
    timestamp: bytes | None = None
    prior: SubmissionRecord | None = None
    autograded: bytes | None = None
    grader: str = ""

    @property
    def label(self) -> str:
        return f"{self.student}/{self.assignment}"


@dataclass
class SubmissionResult:
    """What a task sends back to the main process (plain data)."""

    student: str
    assignment: str
    key: str
    kind: str
    status: str
    reason: str = ""
    record: SubmissionRecord | None = None
    feedback: bytes | None = None
    autograded: bytes | None = None
    submitted: bytes | None = None
    questions: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    reviews: tuple[str, ...] = ()  #: written answers whose maximum changed since graded
    sandbox_runs: int = 0
    log: str = ""
    worker: str = ""
    seconds: float = 0.0
    peak_rss_mb: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)


def run_task(task: SubmissionTask, bundle: AssignmentBundle,
             context: GradingContext) -> SubmissionResult:
    """Grade one submission (or redo its feedback) in this process; see the module docstring."""
    start = time.perf_counter()
    result = SubmissionResult(task.student, task.assignment, task.key, task.kind, FAILED)
    try:
        if task.grader and task.grader != grader_version():
            result.reason = (f"the worker {socket.gethostname()} runs another version of "
                             f"convkit ({grader_version()}, the grader has {task.grader}): "
                             "install the same convkit on every worker")
            return result
        with warnings.catch_warnings():
            # nbgrader's gradebook code makes SQLAlchemy warn on every autograde
            warnings.filterwarnings("ignore", module=r"nbgrader\..*")
            warnings.filterwarnings("ignore", message=".*not in session.*")
            with tempfile.TemporaryDirectory(prefix="convkit-task-") as tmp:
                _run(task, bundle, context, Path(tmp), result)
    finally:
        result.worker = f"{socket.gethostname()}:{os.getpid()}"
        result.seconds = time.perf_counter() - start
        result.peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        result.extra["sandbox_peak_rss_mb"] = (
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
    return result


def _run(task: SubmissionTask, bundle: AssignmentBundle, context: GradingContext, root: Path,
         result: SubmissionResult) -> None:
    import nbformat

    from convkit.grading.jobs import question_jobs, verdict_for
    from convkit.grading.rebuild import (
        NotANotebook,
        graded_names,
        normalize_notebook,
        parse_notebook,
        rebuild,
    )
    from convkit.grading.report import GRADED, UNGRADABLE

    # the student's code must see neither this folder (a gradebook with the hidden tests)
    # nor the verdict cache
    cache_dir = _cache_dir(context, root)
    context = context.with_changes(protected=(*context.protected, str(root), str(cache_dir)))
    db_url = context.db_url or f"sqlite:///{root / 'gradebook.db'}"
    if context.db_url is None:
        if bundle.template is None:
            raise ValueError("bundle.template is needed with the SQLite gradebook")
        copy_database(bundle.template, root / "gradebook.db")
    engine = engine_for(db_url)
    try:
        prior, reviews = task.prior, list[str]()
        if task.kind == GRADE and prior is not None:
            # a written answer graded out of another maximum than today's goes back to a
            # person (convkit.grading.report.review_changed_maxima)
            from convkit.grading.gradebook import grade_cells
            from convkit.grading.report import review_changed_maxima

            maxima = {name: top for name, (top, kind) in
                      grade_cells(engine).get(task.assignment, {}).items() if kind != "code"}
            prior, reviews = review_changed_maxima(prior, task.autograded, maxima)
            result.reviews = tuple(reviews)
        if prior is not None and (context.db_url is None or reviews):
            write_record(engine, prior)  # a person's grades, as the gradebook holds them
        release_path = root / "release" / task.assignment / f"{task.notebook}.ipynb"
        release_path.parent.mkdir(parents=True)
        release_path.write_bytes(bundle.release)
        (root / "solutions" / task.assignment).mkdir(parents=True)
        api = _api(root, db_url, context, cache_dir)
        if task.kind == FEEDBACK:
            graded = root / "autograded" / task.student / task.assignment
            graded.mkdir(parents=True)
            (graded / f"{task.notebook}.ipynb").write_bytes(task.autograded or b"")
        else:
            try:
                parsed = parse_notebook(task.raw)
            except NotANotebook as exc:
                result.status, result.reason = UNGRADABLE, f"{task.notebook}.ipynb: {exc}"
                return
            normalized = normalize_notebook(parsed)
            rebuilt = rebuild(normalized, nbformat.reads(bundle.release.decode("utf-8"),
                                                         as_version=4))
            cache = VerdictCache(cache_dir)
            notes = []
            mark = time.perf_counter()
            for job in question_jobs(rebuilt.notebook, rebuilt.findings, student=task.student,
                                     assignment=task.assignment, context=context):
                verdict, cached = verdict_for(job, context, cache)
                result.sandbox_runs += not cached
                if verdict.status == "not_graded" or (verdict.status != "pass"
                                                      and verdict.mistake in NOTEWORTHY):
                    notes.append(f"{job.name}: {_short(verdict.headline)}")
            result.extra["sandbox_seconds"] = time.perf_counter() - mark
            result.notes = (*notes, *result.reviews)
            result.questions = tuple(graded_names(rebuilt.notebook))
            text = nbformat.writes(normalized).encode("utf-8")
            result.submitted = text
            folder = root / "submitted" / task.student / task.assignment
            folder.mkdir(parents=True)
            (folder / f"{task.notebook}.ipynb").write_bytes(text)
            if task.timestamp is not None:
                (folder / "timestamp.txt").write_bytes(task.timestamp)
            mark = time.perf_counter()
            done = api.autograde(task.assignment, task.student, force=True, create=True)
            result.extra["autograde_seconds"] = time.perf_counter() - mark
            if not done["success"]:
                result.log = _log(done)
                result.reason = "nbgrader's autograde failed"
                return
            result.autograded = (root / "autograded" / task.student / task.assignment
                                 / f"{task.notebook}.ipynb").read_bytes()
        mark = time.perf_counter()
        done = api.generate_feedback(task.assignment, task.student, force=True)
        result.extra["feedback_seconds"] = time.perf_counter() - mark
        page = root / "feedback" / task.student / task.assignment / f"{task.notebook}.html"
        if not done["success"] or not page.is_file():
            result.log = _log(done)
            result.reason = "nbgrader's generate_feedback failed"
            return
        result.feedback = page.read_bytes()
        result.record = read_records(engine, [(task.student, task.assignment)]).get(
            (task.student, task.assignment))
        if result.record is None:
            result.reason = "nbgrader wrote nothing into the gradebook"
            return
        result.status = GRADED
    finally:
        engine.dispose()


class _MemoryBytecodeCache:
    """jinja2's compiled templates kept in this process (keyed by name and source checksum)."""

    def __init__(self) -> None:
        self._store: dict[str, bytes] = {}

    def as_jinja(self):
        import jinja2

        store = self._store

        class Cache(jinja2.BytecodeCache):
            def load_bytecode(self, bucket):
                data = store.get(bucket.key)
                if data is not None:
                    bucket.bytecode_from_string(data)

            def dump_bytecode(self, bucket):
                store[bucket.key] = bucket.bytecode_to_string()

        return Cache()


_TEMPLATES = _MemoryBytecodeCache()


def feedback_exporter():
    """nbconvert's HTMLExporter whose compiled templates are reused by every task of a worker.

    nbgrader makes a new exporter, so a new jinja2 environment, per ``generate_feedback``:
    compiling nbconvert's templates again each time cost about 0.5 s per submission.
    """
    from nbconvert.exporters import HTMLExporter

    class CachedTemplatesHTMLExporter(HTMLExporter):
        def _create_environment(self):
            environment = super()._create_environment()
            environment.bytecode_cache = _TEMPLATES.as_jinja()
            return environment

    return CachedTemplatesHTMLExporter


def _cache_dir(context: GradingContext, root: Path) -> Path:
    """The run's verdict cache when this machine sees ``OUT_DIR`` (one machine, or a shared
    folder), else one private to the task."""
    if context.out_dir is not None:
        shared = Path(context.out_dir) / ".nbgrader" / "verdicts"
        if shared.is_dir() and os.access(shared, os.W_OK):
            return shared
    return root / "verdicts"


def _api(root: Path, db_url: str, context: GradingContext, cache_dir: Path):
    from nbgrader.apps import NbGraderAPI

    from convkit.course import nbgrader_config, put_python_scripts_on_path

    put_python_scripts_on_path()
    c = nbgrader_config(root, db_url=db_url, submitted="submitted", autograded="autograded",
                        feedback="feedback")
    c.merge(context.shared_config())  # the course's id and late work (autograder/'s config)
    c.CourseDirectory.release_directory = "release"
    c.RebuildFromRelease.release_root = str(root / "release")
    c.SandboxChecks.context = context
    c.SandboxChecks.cache_dir = str(cache_dir)
    c.GenerateFeedback.exporter_class = _FEEDBACK_EXPORTER()
    c.NbGraderAPI.log_level = "ERROR"
    c.Autograde.log_level = "ERROR"
    c.GenerateFeedback.log_level = "ERROR"
    return NbGraderAPI(config=c)


@functools.cache
def _FEEDBACK_EXPORTER():  # noqa: N802 (one class per process)
    return feedback_exporter()


def _log(done: dict) -> str:
    return f"{done.get('log') or ''}\n{done.get('error') or ''}".strip()


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
