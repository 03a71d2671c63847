"""Where the course lives on disk and how nbgrader is configured for it.

One place names the assignments, their notebooks and the folders, so the
release command, the grader, the tests and ``autograder/nbgrader_config.py``
cannot disagree.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from traitlets.config import Config


@dataclass(frozen=True)
class Assignment:
    """One lesson: an nbgrader assignment holding one notebook."""

    name: str  #: folder name, e.g. ``"02_im_conv"``
    notebook: str  #: notebook file name without ``.ipynb``, e.g. ``"im_conv"``
    title: str

    @property
    def notebook_file(self) -> str:
        return f"{self.notebook}.ipynb"


ASSIGNMENTS: tuple[Assignment, ...] = (
    Assignment("01_subimages", "subimages", "Subimages and the sliding window"),
    Assignment("02_im_conv", "im_conv", "The sliding-window weighted sum"),
    Assignment("03_kernel_flipping", "kernel_flipping", "Convolution and cross-correlation"),
    Assignment("04_kernels", "kernels", "A gallery of kernels"),
    Assignment("05_opencv", "opencv", "OpenCV's filter2D"),
)

SOURCE_DIR = "solutions"
RELEASE_DIR = "course"
#: the course's nbgrader configuration, relative to the course root: the ONE place for the
#: course's settings (course id, exchange, late work), read by nbgrader run from
#: ``autograder/`` and by ``convkit grade`` (:func:`course_settings`)
COURSE_CONFIG = "autograder/nbgrader_config.py"
#: the course id when ``autograder/nbgrader_config.py`` names none
DEFAULT_COURSE_ID = "convolution"
#: the parts of the course's configuration that every nbgrader course of it shares (the work
#: course of ``convkit grade`` and its workers too): ``{section: None (all of it) or keys}``
SHARED_SECTIONS: dict[str, tuple[str, ...] | None] = {
    "CourseDirectory": ("course_id", "groupshared"),
    "Exchange": None,
    "AssignLatePenalties": None,
    "LateSubmissionPlugin": None,
    "LateWork": None,
}


def assignment(name: str) -> Assignment:
    """Return the assignment called ``name``, or raise a ValueError listing the names."""
    for item in ASSIGNMENTS:
        if item.name == name:
            return item
    names = ", ".join(a.name for a in ASSIGNMENTS)
    raise ValueError(f"assignment must be one of {names}; got {name!r}")


def course_root() -> Path:
    """The folder that holds ``solutions/`` and ``course/``.

    ``$CONVKIT_COURSE_ROOT`` wins; otherwise the current folder or one of its
    parents; otherwise the checkout that this package was installed from.
    """
    env = os.environ.get("CONVKIT_COURSE_ROOT")
    if env:
        return Path(env).resolve()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / SOURCE_DIR).is_dir() and (folder / RELEASE_DIR).is_dir():
            return folder
    package_parent = Path(__file__).resolve().parent.parent
    if (package_parent / SOURCE_DIR).is_dir():
        return package_parent
    raise FileNotFoundError(
        "cannot find the course folder (with solutions/ and course/): run from the "
        "repository or set CONVKIT_COURSE_ROOT"
    )


def put_python_scripts_on_path() -> None:
    """Put this interpreter's ``bin/`` first on ``PATH``.

    nbgrader runs the ``alembic`` script by name when it creates a gradebook, so
    ``.venv/bin/convkit`` must work without the virtual environment activated.
    """
    scripts = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "")
    if path.split(os.pathsep)[0] != scripts:
        os.environ["PATH"] = scripts + os.pathsep + path


def nbgrader_config(
    root: Path,
    *,
    db_url: str | None = None,
    submitted: str = "autograder/submitted",
    autograded: str = "autograder/autograded",
    feedback: str = "autograder/feedback",
    course_id: str = DEFAULT_COURSE_ID,
) -> Config:
    """The nbgrader configuration for a course rooted at ``root``.

    ``solutions/`` is the source and ``course/`` the release; the instructor's
    workspace lives under ``autograder/`` unless other folders are given. The course's own
    settings (course id, exchange, late work) are set after this in
    ``autograder/nbgrader_config.py`` (see :func:`course_settings`).

    Examples
    --------
    >>> c = nbgrader_config(Path("/srv/course"))
    >>> c.CourseDirectory.course_id, c.CourseDirectory.db_url
    ('convolution', 'sqlite:////srv/course/autograder/gradebook.db')
    """
    c = Config()
    c.CourseDirectory.root = str(root)
    c.CourseDirectory.source_directory = SOURCE_DIR
    c.CourseDirectory.release_directory = RELEASE_DIR
    c.CourseDirectory.submitted_directory = submitted
    c.CourseDirectory.autograded_directory = autograded
    c.CourseDirectory.feedback_directory = feedback
    c.CourseDirectory.db_url = db_url or f"sqlite:///{root / 'autograder' / 'gradebook.db'}"
    c.CourseDirectory.course_id = course_id
    c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
    c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
    # Grading (convkit.grading.preprocessor): rebuild each submission from the release, decide
    # the test cells out of process instead of executing a kernel, summarise the feedback and
    # strip hidden tests from it. Strings, so this module does not import nbgrader.
    pp = "nbgrader.preprocessors."
    ours = "convkit.grading.preprocessor."
    c.Autograde.sanitize_preprocessors = [
        ours + "RebuildFromRelease", pp + "ClearOutput", pp + "DeduplicateIds",
        pp + "OverwriteKernelspec", pp + "OverwriteCells", pp + "CheckCellMetadata"]
    # LateWork (convkit.grading.late): the due dates and extensions of the course's settings
    # go into the gradebook before AssignLatePenalties reads them
    # SanitizeNotebook: nothing a student wrote is live where formgrader and the feedback
    # page render it (convkit.grading.sanitize)
    c.Autograde.autograde_preprocessors = [
        ours + "SandboxChecks", pp + "LimitOutput", pp + "SaveAutoGrades",
        "convkit.grading.late.LateWork", pp + "AssignLatePenalties",
        "convkit.grading.sanitize.SanitizeNotebook", pp + "CheckCellMetadata"]
    c.GenerateFeedback.preprocessors = [
        pp + "GetGrades", ours + "ClearHiddenTests", "convkit.grading.sanitize.SanitizeNotebook",
        ours + "FeedbackSummary", "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor"]
    return c


def load_course_config(root: Path) -> Config:
    """The whole nbgrader configuration of the course at ``root`` (its ``autograder/``
    ``nbgrader_config.py`` run as nbgrader runs it; the defaults when there is none)."""
    from traitlets.config.loader import PyFileConfigLoader

    path = Path(root) / COURSE_CONFIG
    if not path.is_file():
        return nbgrader_config(Path(root))
    return PyFileConfigLoader(path.name, path=str(path.parent)).load_config()


def shared_settings(config: Config) -> dict[str, dict[str, Any]]:
    """The parts of ``config`` named by :data:`SHARED_SECTIONS`, plus the section of a custom
    late-penalty plugin, as plain JSON-able data (a plugin class becomes its dotted name).

    Examples
    --------
    >>> c = Config()
    >>> c.CourseDirectory.course_id = "conv-2027"
    >>> c.CourseDirectory.root = "/srv/course"
    >>> c.Exchange.root = "/srv/nbgrader/exchange"
    >>> c.LateSubmissionPlugin.penalty_method = "zero"
    >>> shared_settings(c)  # doctest: +NORMALIZE_WHITESPACE
    {'CourseDirectory': {'course_id': 'conv-2027'}, 'Exchange': {'root': '/srv/nbgrader/exchange'},
     'LateSubmissionPlugin': {'penalty_method': 'zero'}}
    """
    sections = dict(SHARED_SECTIONS)
    plugin = config.get("AssignLatePenalties", {}).get("plugin_class")
    if plugin is not None:
        sections.setdefault(_dotted(plugin).rsplit(".", 1)[-1], None)
    found: dict[str, dict[str, Any]] = {}
    for section, keys in sections.items():
        if section not in config:
            continue
        values = {key: _plain(value, f"{section}.{key}")
                  for key, value in config[section].items()
                  if keys is None or key in keys}
        if values:
            found[section] = values
    return found


def course_settings(root: Path) -> dict[str, dict[str, Any]]:
    """:func:`shared_settings` of the course's configuration at ``root``."""
    return shared_settings(load_course_config(root))


def settings_course_id(settings: dict[str, dict[str, Any]]) -> str:
    """The course id in ``settings`` (:data:`DEFAULT_COURSE_ID` when none).

    >>> settings_course_id({}), settings_course_id({"CourseDirectory": {"course_id": "conv-2027"}})
    ('convolution', 'conv-2027')
    """
    return str(settings.get("CourseDirectory", {}).get("course_id") or DEFAULT_COURSE_ID)


def _dotted(value: Any) -> str:
    if isinstance(value, str):
        return value
    module = getattr(value, "__module__", "") or ""
    if not module or module == "__main__" or "<" in getattr(value, "__qualname__", "<"):
        raise ValueError(f"AssignLatePenalties.plugin_class {value!r} must live in a module "
                         "the graders can import (give it as 'package.module.ClassName')")
    return f"{module}.{value.__qualname__}"


def _plain(value: Any, name: str) -> Any:
    """``value`` as JSON data (tuples and sets as lists, classes as dotted names)."""
    if isinstance(value, type):
        return _dotted(value)
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v, name) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(v, name) for v in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    raise ValueError(f"the course setting {name} = {value!r} is not plain data "
                     "(strings, numbers, lists, dicts)")
