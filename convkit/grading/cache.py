"""The verdict cache: a run killed part-way resumes without redoing (or losing) work.

A verdict is stored under a key that hashes everything it depends on: the grader's
version (the source of the checks, the sandbox and this package), the salt, the
student, the assignment, the graded function, the student's answer sources, the
findings about tampered cells, the timeout and the memory limit. Files are written
atomically (a temporary file, then ``os.replace``), so a half-written entry never exists:
a killed run leaves either the old state or the new one. A corrupt entry is a miss.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from convkit.grading.context import DEFAULT_MEMORY_MB
from convkit.grading.rebuild import Finding
from convkit.grading.verdicts import QuestionVerdict

#: the files whose content decides a verdict (relative to the convkit package): the check
#: engine, every exercise module (found, not listed), and the grading code that runs them
_VERSIONED_FILES = tuple(sorted(
    path.relative_to(Path(__file__).resolve().parent.parent).as_posix()
    for pattern in ("checking/*.py", "exercises/*.py", "core.py", "_validate.py",
                    "grading/sandbox.py", "grading/_runner.py", "grading/wire.py",
                    "grading/verdicts.py", "grading/rebuild.py", "grading/seeds.py")
    for path in Path(__file__).resolve().parent.parent.glob(pattern)))


@functools.cache
def grader_version() -> str:
    """A short hash of convkit's version and of the source files that decide a verdict.

    Examples
    --------
    >>> len(grader_version())
    16
    """
    import convkit

    digest = hashlib.sha256(convkit.__version__.encode())
    package = Path(convkit.__file__).resolve().parent
    for name in _VERSIONED_FILES:
        path = package / name
        digest.update(name.encode() + b"\0")
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def question_key(*, student: str, assignment: str, name: str, sources: Sequence[str],
                 findings: Sequence[Finding], salt: str, timeout: float,
                 memory_mb: int = DEFAULT_MEMORY_MB, scratch_cells: int = 0) -> str:
    """The cache key of one question's verdict (a hex sha256).

    Examples
    --------
    >>> k = question_key(student="ada", assignment="02_im_conv", name="im_conv",
    ...                  sources=["def im_conv(im, k): ..."], findings=[], salt="s", timeout=3)
    >>> k == question_key(student="ben", assignment="02_im_conv", name="im_conv",
    ...                   sources=["def im_conv(im, k): ..."], findings=[], salt="s", timeout=3)
    False
    >>> k == question_key(student="ada", assignment="02_im_conv", name="im_conv",
    ...                   sources=["def im_conv(im, k): ..."], findings=[], salt="s", timeout=3,
    ...                   memory_mb=512)
    False
    """
    relevant = sorted((f.to_dict() for f in findings if f.question == name),
                      key=lambda item: json.dumps(item, sort_keys=True))
    payload = {
        "grader": grader_version(), "salt": salt, "student": student,
        "assignment": assignment, "name": name, "sources": list(sources),
        "findings": relevant, "timeout": float(timeout), "memory_mb": int(memory_mb),
    }
    if scratch_cells:  # only when there are any, so keys without added cells stay as they were
        payload["scratch_cells"] = int(scratch_cells)
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode("utf-8")).hexdigest()


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so readers see the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class VerdictCache:
    """Verdicts stored as one JSON file per key under ``folder``.

    Safe for several threads: each entry is written atomically and entries are
    never modified in place.
    """

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)

    def _path(self, key: str) -> Path:
        if len(key) < 8 or not all(ch in "0123456789abcdef" for ch in key):
            raise ValueError(f"key must be a hex digest; got {key!r}")
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> QuestionVerdict | None:
        """The cached verdict, or None (missing or unreadable)."""
        path = self._path(key)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return QuestionVerdict.from_json(data)
        except (OSError, ValueError, TypeError, KeyError):
            return None

    def put(self, key: str, verdict: QuestionVerdict) -> None:
        """Store ``verdict`` under ``key`` (atomically)."""
        text = json.dumps(verdict.to_json(), sort_keys=True)
        write_atomic(self._path(key), text.encode("utf-8"))
