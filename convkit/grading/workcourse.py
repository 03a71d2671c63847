"""The grader's private nbgrader course under ``OUT_DIR/.nbgrader``.

``convkit grade`` copies the course's ``solutions/`` into a work course and runs
``nbgrader generate_assignment`` there into the run's gradebook: ``OUT_DIR/gradebook.db``
by default, the ``--db`` server, or with ``--course-gradebook`` the course's own
(``autograder/gradebook.db``, whose folders ``autograder/autograded`` and
``autograder/feedback`` then receive the autograded notebooks and feedback pages too).
The copy and the generation are redone only when ``solutions/`` changed since the last run.
Grading tasks autograde elsewhere (:mod:`convkit.grading.task`); the main process puts
their submitted and autograded notebooks and feedback pages here, with each hand-in's
``timestamp.txt`` and ``submission_secret.txt``, so nbgrader's own commands (formgrader,
``export``, ``release_feedback``) work in this folder.

Its ``nbgrader_config.py`` loads the course's settings (``autograder/nbgrader_config.py``:
course id, exchange, late work) and this folder's (``work-course.json``, rewritten by
every run) through :func:`work_course_config`; lines the instructor adds below its marker
are kept, and the course-wide ones among them (exchange, late work) count for
``convkit grade`` too (:func:`user_settings`).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from traitlets.config import Config

from convkit.course import (
    RELEASE_DIR,
    SOURCE_DIR,
    Assignment,
    load_course_config,
    nbgrader_config,
    put_python_scripts_on_path,
    settings_course_id,
    shared_settings,
)
from convkit.grading.cache import write_atomic
from convkit.grading.context import GradingContext
from convkit.grading.gradebook import make_template

WORK_DIR = ".nbgrader"
GRADEBOOK = "gradebook.db"
#: the work course's own settings, read by its nbgrader_config.py (:func:`work_course_config`)
WORK_SETTINGS = "work-course.json"
#: the line of the work course's nbgrader_config.py after which the instructor's lines begin
USER_MARKER = "# ---- your settings below this line are kept by `convkit grade` ----"
#: what nbgrader's exchange keeps next to a submission, needed again by ``release_feedback``
SIDE_FILES = ("timestamp.txt", "submission_secret.txt")
#: the lines of the nbgrader_config.py that convkit 2026-11 wrote (and rewrote every run)
_LEGACY_PREFIXES = ("c = get_config", "c.merge(", "c.RebuildFromRelease.release_root",
                    "c.SandboxChecks.course_root", "c.SandboxChecks.protected",
                    "c.SandboxChecks.timeout", "c.SandboxChecks.memory_mb")


def tree_hash(folder: Path) -> str:
    """A sha256 over the relative paths and contents of every file under ``folder``."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if ".ipynb_checkpoints" in path.parts or "__pycache__" in path.parts:
            continue
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def graded_signature(notebook: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(grade_id, cell type, checksum) of every nbgrader cell: what must agree between releases."""
    rows = []
    for cell in notebook.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade_id"):
            rows.append((meta["grade_id"], cell.get("cell_type", ""), meta.get("checksum", "")))
    return rows


class WorkCourse:
    """nbgrader's course folders for one ``convkit grade`` output folder.

    Parameters
    ----------
    context : GradingContext
        The run's context: its ``out_dir`` (required), ``course_root`` (``solutions/`` and
        ``course/``), ``db_url`` (None: ``OUT_DIR/gradebook.db``) and the sandbox settings.
    """

    def __init__(self, context: GradingContext) -> None:
        if context.out_dir is None:
            raise ValueError("context.out_dir must be set for the work course")
        self.context = context
        self.out_dir = Path(context.out_dir)
        self.root = self.out_dir / WORK_DIR
        self.course_root = Path(context.course_root)
        #: the SQLite gradebook (unused with a --db server)
        self.db_path = Path(context.gradebook) if context.gradebook else self.out_dir / GRADEBOOK
        #: the gradebook's SQLAlchemy URL: the --db server or the SQLite file
        self.db_url = context.db_url or f"sqlite:///{self.db_path}"
        #: with --course-gradebook: the course's autograded and feedback folders, which
        #: receive the same files as the work course's (formgrader and release_feedback run
        #: from autograder/ then)
        self.course_folders: tuple[Path, Path] | None = None
        if context.course_gradebook:
            course = load_course_config(self.course_root).CourseDirectory
            base = Path(course.get("root", str(self.course_root)))
            self.course_folders = (
                base / course.get("autograded_directory", "autograder/autograded"),
                base / course.get("feedback_directory", "autograder/feedback"))
        self.cache_dir = self.root / "verdicts"
        #: a snapshot of the committed release (what students got), taken by :meth:`prepare`,
        #: so the whole run rebuilds from one version even if ``course/`` changes meanwhile
        self.release_root = self.root / "students-release"
        self._api = None

    # folders -------------------------------------------------------------------------------
    def submitted(self, student: str, assignment: str) -> Path:
        return self.root / "submitted" / student / assignment

    def autograded(self, student: str, assignment: str) -> Path:
        return self.root / "autograded" / student / assignment

    def feedback(self, student: str, assignment: str) -> Path:
        return self.root / "feedback" / student / assignment

    def copies(self, kind: str, student: str, assignment: str) -> list[Path]:
        """Every folder that holds the ``kind`` (``"autograded"``, ``"feedback"``) files of a
        submission: the work course's, and the course's with ``--course-gradebook``."""
        folders = [self.root / kind / student / assignment]
        if self.course_folders is not None:
            base = self.course_folders[0 if kind == "autograded" else 1]
            folders.append(base / student / assignment)
        return folders

    def gradebook_exists(self) -> bool:
        """Whether the gradebook was set up by an earlier run (for this database)."""
        if self.context.db_url is None and self.context.gradebook is None:
            return self.db_path.exists()
        if self.context.db_url is None and not self.db_path.exists():
            return False
        return self._stamp().get("db_url") == _safe_url(self.db_url)

    def template(self) -> bytes:
        """The SQLite gradebook without students that every grading task autogrades into."""
        return make_template(self.db_path)

    def config(self) -> Config:
        """nbgrader's configuration for the work course."""
        settings = self.context.settings
        c = nbgrader_config(self.root, db_url=self.db_url, submitted="submitted",
                            autograded="autograded", feedback="feedback",
                            course_id=settings_course_id(settings))
        c.merge(self.context.shared_config())
        c.RebuildFromRelease.release_root = str(self.release_root)
        c.SandboxChecks.context = self.context
        c.SandboxChecks.cache_dir = str(self.cache_dir)
        c.NbGraderAPI.log_level = "ERROR"
        c.Autograde.log_level = "ERROR"
        c.GenerateFeedback.log_level = "ERROR"
        return c

    def api(self):
        """An ``NbGraderAPI`` for the work course (one per run: nbgrader stays in this process)."""
        if self._api is None:
            from nbgrader.apps import NbGraderAPI

            put_python_scripts_on_path()
            self._api = NbGraderAPI(config=self.config())
        return self._api

    # set-up --------------------------------------------------------------------------------
    def prepare(self, assignments: Sequence[Assignment]) -> list[str]:
        """Copy ``solutions/`` and run generate_assignment when it changed; return warnings."""
        source = self.course_root / SOURCE_DIR
        for item in assignments:
            committed = self.course_root / RELEASE_DIR / item.name / item.notebook_file
            snapshot = self.release_root / item.name / item.notebook_file
            data = committed.read_bytes()
            if not snapshot.is_file() or snapshot.read_bytes() != data:
                write_atomic(snapshot, data)
        stamp_path = self.root / "generated.json"
        wanted = {a.name: tree_hash(source / a.name) for a in assignments}
        done = self._stamp() if self.gradebook_exists() else {}
        done = done.get("assignments", {}) if isinstance(done.get("assignments"), dict) else {}
        todo = [a for a in assignments if done.get(a.name) != wanted[a.name]
                or not (self.root / RELEASE_DIR / a.name / a.notebook_file).exists()]
        for item in todo:
            target = self.root / SOURCE_DIR / item.name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(source / item.name, target,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
            result = self.api().generate_assignment(item.name, force=True, create=True)
            if not result["success"]:
                raise RuntimeError(f"nbgrader could not generate {item.name} in the work "
                                   f"course:\n{result.get('error') or result.get('log')}")
            done[item.name] = wanted[item.name]
            stamp = {"assignments": done, "db_url": _safe_url(self.db_url)}
            write_atomic(stamp_path, json.dumps(stamp, sort_keys=True).encode())
        self.write_config()
        return self.stale_release_warnings(assignments)

    def _stamp(self) -> dict[str, Any]:
        try:
            stamp = json.loads((self.root / "generated.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return stamp if isinstance(stamp, dict) else {}

    def write_config(self) -> None:
        """``nbgrader_config.py`` and ``work-course.json`` in the work course, so nbgrader's own
        commands and formgrader work there (grading written answers, ``nbgrader export``,
        ``release_feedback``); without the salt (nor a database password: libpq's
        ``PGPASSWORD`` or ``~/.pgpass`` supplies it). The instructor's lines below
        :data:`USER_MARKER` are kept (also those an older convkit's file held)."""
        ctx = self.context
        protected = sorted({*ctx.protected, ctx.course_root, str(self.out_dir)})
        settings = {
            "course_root": ctx.course_root,
            "db_url": None if ctx.db_url is None else _safe_url(ctx.db_url),
            "gradebook": ctx.gradebook, "protected": protected,
            "timeout": ctx.timeout, "memory_mb": ctx.memory_mb,
        }
        data = (json.dumps(settings, indent=1, sort_keys=True) + "\n").encode("utf-8")
        json_path = self.root / WORK_SETTINGS
        if not json_path.is_file() or json_path.read_bytes() != data:
            write_atomic(json_path, data)
        path = self.root / "nbgrader_config.py"
        old = path.read_text(encoding="utf-8") if path.is_file() else None
        text = _CONFIG_HEAD + user_lines(old)
        if old != text:
            write_atomic(path, text.encode("utf-8"))

    def stale_release_warnings(self, assignments: Sequence[Assignment]) -> list[str]:
        """Warn when ``course/`` does not match what ``solutions/`` generates."""
        warnings = []
        for item in assignments:
            committed = self.release_root / item.name / item.notebook_file
            generated = self.root / RELEASE_DIR / item.name / item.notebook_file
            try:
                same = (graded_signature(json.loads(committed.read_text(encoding="utf-8")))
                        == graded_signature(json.loads(generated.read_text(encoding="utf-8"))))
            except (OSError, ValueError):
                same = False
            if not same:
                warnings.append(
                    f"{RELEASE_DIR}/{item.name}/{item.notebook_file} does not match "
                    f"{SOURCE_DIR}/{item.name}: students may have an old release "
                    "(run `convkit release` after editing a lesson)")
        return warnings


def _safe_url(url: str) -> str:
    """``url`` without its password (``postgresql://u:secret@h/db`` -> ``postgresql://u@h/db``).

    Examples
    --------
    >>> _safe_url("postgresql://grader:secret@10.0.0.5:5432/grades")
    'postgresql://grader@10.0.0.5:5432/grades'
    >>> _safe_url("sqlite:////srv/out/gradebook.db")
    'sqlite:////srv/out/gradebook.db'
    """
    from sqlalchemy.engine import URL, make_url

    parsed = make_url(url)
    if parsed.password is None:
        return url
    return URL.create(parsed.drivername, parsed.username, None, parsed.host, parsed.port,
                      parsed.database, parsed.query).render_as_string(hide_password=False)


_CONFIG_HEAD = f'''"""nbgrader settings of the work course of `convkit grade` (OUT_DIR/.nbgrader).

The first lines load the course's settings (its autograder/nbgrader_config.py: course id,
exchange, late work) and this folder's gradebook and sandbox settings (work-course.json,
rewritten by every run). Add your own settings below the marker line: `convkit grade` keeps
them, and uses the course-wide ones (Exchange, LateWork, AssignLatePenalties,
LateSubmissionPlugin, CourseDirectory.course_id) when it grades.
"""

from pathlib import Path

from convkit.grading.workcourse import work_course_config

c = get_config()  # noqa: F821
c.merge(work_course_config(Path(__file__).resolve().parent))
{USER_MARKER}
'''


def user_lines(text: str | None) -> str:
    """The instructor's part of a work course's ``nbgrader_config.py`` (after the marker; in a
    file of an older convkit, its lines that convkit had not written).

    Examples
    --------
    >>> user_lines(None)
    ''
    >>> legacy = ("c = get_config()  # noqa: F821\\nc.merge(nbgrader_config(here))\\n"
    ...           "c.SandboxChecks.timeout = 10.0\\n"
    ...           "c.LateSubmissionPlugin.penalty_method = 'zero'\\n")
    >>> user_lines(legacy)
    "c.LateSubmissionPlugin.penalty_method = 'zero'\\n"
    """
    if not text:
        return ""
    if USER_MARKER in text:
        return text.split(USER_MARKER, 1)[1].lstrip("\n")
    kept = [line for line in text.splitlines()
            if line.startswith("c.") and not line.startswith(_LEGACY_PREFIXES)]
    return "".join(line + "\n" for line in kept)


def user_settings(out_dir: Path) -> dict[str, dict[str, Any]]:
    """The course-wide settings (:func:`convkit.course.shared_settings`) among the
    instructor's lines of ``OUT_DIR/.nbgrader/nbgrader_config.py`` (empty when none)."""
    path = Path(out_dir) / WORK_DIR / "nbgrader_config.py"
    try:
        text = user_lines(path.read_text(encoding="utf-8"))
    except OSError:
        return {}
    if not text.strip():
        return {}
    c = Config()
    exec(compile(text, str(path), "exec"),  # noqa: S102 (the instructor's own config)
         {"c": c, "get_config": lambda: c, "__file__": str(path)})
    return shared_settings(c)


def work_course_config(here: Path) -> Config:
    """The configuration of the work course in ``here`` (what its ``nbgrader_config.py``
    loads): the course's settings, then this folder's layout, gradebook and sandbox settings."""
    here = Path(here)
    try:
        saved = json.loads((here / WORK_SETTINGS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        saved = {}
    course_root = Path(saved.get("course_root") or here.parent)
    db_url = saved.get("db_url") or f"sqlite:///{saved.get('gradebook') or here.parent / GRADEBOOK}"
    course = shared_settings(load_course_config(course_root))
    c = nbgrader_config(here, db_url=db_url, submitted="submitted", autograded="autograded",
                        feedback="feedback", course_id=settings_course_id(course))
    c.merge(Config(course))
    c.RebuildFromRelease.release_root = str(here / "students-release")
    c.SandboxChecks.course_root = str(course_root)
    for key in ("protected", "timeout", "memory_mb"):
        if key in saved:
            c.SandboxChecks[key] = saved[key]
    return c
