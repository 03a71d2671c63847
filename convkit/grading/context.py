"""The one grading context: every setting of a grading run, built once and passed down.

The CLI (``convkit grade``) or the nbgrader configuration (``SandboxChecks``) builds one
:class:`GradingContext`; the pipeline, the per-question jobs, the verdicts and the sandbox
receive it and read their settings from it. Every setting has its default here and only
here. The object is frozen and holds only plain values (str, float, int, tuples of str), so
it pickles and can be shipped to a Dask worker as it is.

Examples
--------
>>> ctx = GradingContext(course_root="/srv/course", salt="s3cret")
>>> ctx.timeout, ctx.memory_mb
(10.0, 1024)
>>> ctx.with_changes(timeout=3.0).timeout
3.0
>>> GradingContext(course_root="/srv/course", salt="s",
...                nbgrader_settings='{"CourseDirectory": {"course_id": "conv-2027"}}'
...                ).shared_config().CourseDirectory.course_id
'conv-2027'
>>> GradingContext(course_root="/srv/course", salt="")
Traceback (most recent call last):
...
ValueError: salt must be a non-empty string
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["DEFAULT_MEMORY_MB", "DEFAULT_TIMEOUT", "MIN_MEMORY_MB", "GradingContext"]

#: wall-clock seconds one sandboxed run (one graded function of one student) may take
DEFAULT_TIMEOUT = 10.0
#: the sandbox's address-space limit: enough for NumPy + OpenCV (about 350 MB) and any sane
#: answer on small images, far too little for ``np.ones((10**5, 10**5))`` (80 GB)
DEFAULT_MEMORY_MB = 1024
#: the smallest memory limit the sandbox accepts (NumPy alone needs about 150 MB)
MIN_MEMORY_MB = 256


def _folder(value: Any, argument: str) -> str:
    if not isinstance(value, str | os.PathLike):
        raise TypeError(f"{argument} must be a path; got {type(value).__name__}")
    text = os.fspath(value)
    if not text:
        raise ValueError(f"{argument} must be a non-empty path")
    return os.path.realpath(text)


@dataclass(frozen=True)
class GradingContext:
    """Every setting of one grading run.

    Attributes
    ----------
    course_root : str
        The course folder (``solutions/``, ``course/``, ``autograder/``).
    salt : str
        The secret that seeds each student's hidden inputs. Never put on a command line.
    timeout : float
        Wall-clock seconds per sandboxed run.
    memory_mb : int
        The sandbox's address-space limit in MB.
    release_dir : str or None
        The released notebooks submissions are rebuilt from (default: ``course_root/course``).
    out_dir : str or None
        The run's output folder (``grades.csv``, ``feedback/``, the work course).
    submissions_dir : str or None
        The folder of hand-ins being graded.
    protected : tuple of str
        Folders the student's process must never see, whatever else holds: the course root,
        the output folder, the submissions folder and anything else the caller names. Always
        absolute and resolved; :attr:`hidden_folders` adds the context's own folders.
    db_url : str or None
        The gradebook's SQLAlchemy URL on a database server (None: a SQLite file, written by
        the main process only).
    gradebook : str or None
        That SQLite file (None: ``OUT_DIR/gradebook.db``); with ``course_gradebook`` the
        course's own (``autograder/gradebook.db``).
    course_gradebook : bool
        Grade into the course's gradebook and folders (``autograder/``) instead of the
        output folder's (``convkit grade --course-gradebook``).
    nbgrader_settings : str
        The course's shared nbgrader settings as JSON (course id, exchange, late work:
        :func:`convkit.course.shared_settings`), merged into every nbgrader configuration
        of the run, the workers' included.
    """

    course_root: str
    salt: str
    timeout: float = DEFAULT_TIMEOUT
    memory_mb: int = DEFAULT_MEMORY_MB
    release_dir: str | None = None
    out_dir: str | None = None
    submissions_dir: str | None = None
    protected: tuple[str, ...] = field(default=())
    db_url: str | None = None
    gradebook: str | None = None
    course_gradebook: bool = False
    nbgrader_settings: str = "{}"

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: normalise in place once, here
        set_(self, "course_root", _folder(self.course_root, "course_root"))
        if not isinstance(self.salt, str) or not self.salt:
            raise ValueError("salt must be a non-empty string")
        if isinstance(self.timeout, bool) or not isinstance(self.timeout, int | float) or not (
                math.isfinite(self.timeout) and self.timeout > 0):
            raise ValueError(f"timeout must be a positive number of seconds; got {self.timeout!r}")
        set_(self, "timeout", float(self.timeout))
        if (isinstance(self.memory_mb, bool) or not isinstance(self.memory_mb, int)
                or self.memory_mb < MIN_MEMORY_MB):
            raise ValueError(f"memory_mb must be an int of at least {MIN_MEMORY_MB}; "
                             f"got {self.memory_mb!r}")
        for name in ("release_dir", "out_dir", "submissions_dir"):
            value = getattr(self, name)
            if value is not None:
                set_(self, name, _folder(value, name))
        if isinstance(self.protected, str) or not isinstance(self.protected, tuple | list):
            raise TypeError(f"protected must be a tuple of paths; got {self.protected!r}")
        set_(self, "protected", tuple(sorted({_folder(p, "protected") for p in self.protected})))
        if self.db_url is not None and (not isinstance(self.db_url, str) or not self.db_url):
            raise ValueError(f"db_url must be a non-empty string or None; got {self.db_url!r}")
        if self.gradebook is not None:
            set_(self, "gradebook", _folder(self.gradebook, "gradebook"))
        if self.db_url is not None and self.gradebook is not None:
            raise ValueError("give db_url (a database server) or gradebook (a SQLite file), "
                             "not both")
        try:
            settings = json.loads(self.nbgrader_settings)
        except (TypeError, ValueError):
            settings = None
        if not isinstance(settings, dict):
            raise ValueError("nbgrader_settings must be a JSON object of config sections; got "
                             f"{self.nbgrader_settings!r}")
        set_(self, "nbgrader_settings", json.dumps(settings, sort_keys=True))

    @property
    def settings(self) -> dict[str, dict[str, Any]]:
        """:attr:`nbgrader_settings` as a dict ``{section: {key: value}}``."""
        settings: dict[str, dict[str, Any]] = json.loads(self.nbgrader_settings)
        return settings

    def shared_config(self):
        """:attr:`nbgrader_settings` as a traitlets ``Config`` to merge into nbgrader's."""
        from traitlets.config import Config

        return Config(self.settings)

    @property
    def release(self) -> Path:
        """The folder of released notebooks (``course/`` unless :attr:`release_dir` is set)."""
        return Path(self.release_dir or os.path.join(self.course_root, "course"))

    @property
    def hidden_folders(self) -> tuple[str, ...]:
        """Every folder the sandbox must hide: :attr:`protected` plus the context's folders."""
        folders = {self.course_root, *self.protected}
        for value in (self.release_dir, self.out_dir, self.submissions_dir):
            if value is not None:
                folders.add(value)
        return tuple(sorted(folders))

    def with_changes(self, **changes: Any) -> GradingContext:
        """A copy with some settings changed (validated like a new one)."""
        return dataclasses.replace(self, **changes)
