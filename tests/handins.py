"""Hand-ins for the grading tests: an answered notebook, and the real ``convkit grade`` on a class.

Used by ``tests/test_intake.py`` (bad hand-ins), ``tests/test_grading_rebuild.py``
(fair rebuilding, end to end) and ``tests/test_browser_feedback.py`` (attacks on the
feedback page and formgrader).
"""

from __future__ import annotations

import copy
import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
CONVKIT = Path(sys.executable).parent / "convkit"
_SOLUTION_LINE = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$")


def _text(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _grade_id(cell: dict[str, Any]) -> str:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")


def answered_notebook(assignment: str, notebook: str) -> dict[str, Any]:
    """The released notebook with every code answer cell holding the solution's code."""
    release = json.loads((REPO / "course" / assignment / f"{notebook}.ipynb").read_text())
    solutions = json.loads((REPO / "solutions" / assignment / f"{notebook}.ipynb").read_text())
    solved = {_grade_id(c): "\n".join(line for line in _text(c).splitlines()
                                      if not _SOLUTION_LINE.match(line))
              for c in solutions["cells"]
              if c.get("metadata", {}).get("nbgrader", {}).get("solution")}
    nb = copy.deepcopy(release)
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution") and cell["cell_type"] == "code" and _grade_id(cell) in solved:
            cell["source"] = solved[_grade_id(cell)]
    return nb


def cell_by_id(nb: dict[str, Any], grade_id: str) -> dict[str, Any]:
    return next(c for c in nb["cells"] if _grade_id(c) == grade_id)


def write_handin(submissions: Path, student: str, assignment: str, notebook: str,
                 data: bytes | dict[str, Any]) -> Path:
    path = submissions / student / assignment / f"{notebook}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else json.dumps(data, indent=1).encode())
    return path


def run_grade(submissions: Path, out: Path, *, timeout: float = 3,
              extra: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    """The real ``convkit grade`` in a subprocess, from the repository's course."""
    env = dict(os.environ)
    env["PATH"] = str(CONVKIT.parent) + os.pathsep + env.get("PATH", "")
    env.pop("CONVKIT_COURSE_ROOT", None)
    return subprocess.run(
        [str(CONVKIT), "grade", str(submissions), "--out", str(out), "--timeout", str(timeout),
         "--no-progress", "--course-root", str(REPO), *extra],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=900)


def grade_rows(out: Path) -> dict[tuple[str, str], dict[str, str]]:
    """``grades.csv`` as ``(student, assignment) -> row``."""
    with (out / "grades.csv").open(newline="", encoding="utf-8") as handle:
        return {(row["student"], row["assignment"]): row for row in csv.DictReader(handle)}
