"""The grader's private nbgrader course under ``OUT_DIR/.nbgrader``.

``convkit grade`` never touches the instructor's gradebook or workspace: it copies
the course's ``solutions/`` into a work course, runs ``nbgrader generate_assignment``
there into its own gradebook (``OUT_DIR/gradebook.db``), and autogrades and
generates feedback there. The copy and the generation are redone only when
``solutions/`` changed since the last run.
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
from convkit.grading.jobs import GradingSettings

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
    out_dir : Path
        ``OUT_DIR`` of ``convkit grade``.
    course_root : Path
        The course (holding ``solutions/`` and ``course/``).
    settings : GradingSettings
        Salt, timeout and memory limit for the ``SandboxChecks`` preprocessor.
    """

    def __init__(self, out_dir: Path, course_root: Path, settings: GradingSettings) -> None:
        self.out_dir = out_dir
        self.root = out_dir / WORK_DIR
        self.course_root = course_root
        self.settings = settings
        self.db_path = out_dir / GRADEBOOK
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

    def config(self) -> Config:
        """nbgrader's configuration for the work course."""
        c = nbgrader_config(self.root, db_url=f"sqlite:///{self.db_path}",
                            submitted="submitted", autograded="autograded", feedback="feedback")
        c.RebuildFromRelease.release_root = str(self.release_root)
        c.SandboxChecks.salt = self.settings.salt
        c.SandboxChecks.timeout = float(self.settings.timeout)
        c.SandboxChecks.memory_mb = int(self.settings.memory_mb or 0)
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
        try:
            done = json.loads(stamp_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            done = {}
        if not self.db_path.exists():
            done = {}
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
            write_atomic(stamp_path, json.dumps(done, sort_keys=True).encode())
        self.write_config()
        return self.stale_release_warnings(assignments)

    def write_config(self) -> None:
        """``nbgrader_config.py`` in the work course, so nbgrader's own commands and formgrader
        work there (grading written answers, ``nbgrader export``); without the salt."""
        text = (
            '"""nbgrader settings of the work course written by `convkit grade`."""\n\n'
            "from pathlib import Path\n\n"
            "from convkit.course import nbgrader_config\n\n"
            "here = Path(__file__).resolve().parent\n"
            "c = get_config()  # noqa: F821\n"
            "c.merge(nbgrader_config(here, db_url=f\"sqlite:///{here.parent / 'gradebook.db'}\",\n"
            "                        submitted='submitted', autograded='autograded',\n"
            "                        feedback='feedback'))\n"
            "c.RebuildFromRelease.release_root = str(here / 'students-release')\n"
            f"c.SandboxChecks.timeout = {float(self.settings.timeout)!r}\n"
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
