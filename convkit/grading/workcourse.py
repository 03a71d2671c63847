"""The grader's private nbgrader course under ``OUT_DIR/.nbgrader``.

``convkit grade`` never touches the instructor's gradebook or workspace: it copies
the course's ``solutions/`` into a work course and runs ``nbgrader generate_assignment``
there into its own gradebook (``OUT_DIR/gradebook.db``, or the ``--db`` server). The
copy and the generation are redone only when ``solutions/`` changed since the last run.
Grading tasks autograde elsewhere (:mod:`convkit.grading.task`); the main process puts
their submitted and autograded notebooks and feedback pages here, so nbgrader's own
commands and formgrader work in this folder.
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
    nbgrader_config,
    put_python_scripts_on_path,
)
from convkit.grading.cache import write_atomic
from convkit.grading.context import GradingContext
from convkit.grading.gradebook import make_template

WORK_DIR = ".nbgrader"
GRADEBOOK = "gradebook.db"


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
        self.db_path = self.out_dir / GRADEBOOK
        #: the gradebook's SQLAlchemy URL: the --db server or the SQLite file
        self.db_url = context.db_url or f"sqlite:///{self.db_path}"
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

    def gradebook_exists(self) -> bool:
        """Whether the gradebook was set up by an earlier run (for this database)."""
        if self.context.db_url is None:
            return self.db_path.exists()
        return self._stamp().get("db_url") == _safe_url(self.context.db_url)

    def template(self) -> bytes:
        """The SQLite gradebook without students that every grading task autogrades into."""
        return make_template(self.db_path)

    def config(self) -> Config:
        """nbgrader's configuration for the work course."""
        c = nbgrader_config(self.root, db_url=self.db_url, submitted="submitted",
                            autograded="autograded", feedback="feedback")
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
        """``nbgrader_config.py`` in the work course, so nbgrader's own commands and formgrader
        work there (grading written answers, ``nbgrader export``); without the salt (nor a
        database password: libpq's ``PGPASSWORD`` or ``~/.pgpass`` supplies it)."""
        ctx = self.context
        db = ("f\"sqlite:///{here.parent / 'gradebook.db'}\"" if ctx.db_url is None
              else repr(_safe_url(ctx.db_url)))
        protected = sorted({*ctx.protected, ctx.course_root, str(self.out_dir)})
        text = (
            '"""nbgrader settings of the work course written by `convkit grade`."""\n\n'
            "from pathlib import Path\n\n"
            "from convkit.course import nbgrader_config\n\n"
            "here = Path(__file__).resolve().parent\n"
            "c = get_config()  # noqa: F821\n"
            f"c.merge(nbgrader_config(here, db_url={db},\n"
            "                        submitted='submitted', autograded='autograded',\n"
            "                        feedback='feedback'))\n"
            "c.RebuildFromRelease.release_root = str(here / 'students-release')\n"
            f"c.SandboxChecks.course_root = {ctx.course_root!r}\n"
            f"c.SandboxChecks.protected = {protected!r}\n"
            f"c.SandboxChecks.timeout = {ctx.timeout!r}\n"
            f"c.SandboxChecks.memory_mb = {ctx.memory_mb!r}\n"
        )
        path = self.root / "nbgrader_config.py"
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
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
