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
) -> Config:
    """The nbgrader configuration for a course rooted at ``root``.

    ``solutions/`` is the source and ``course/`` the release; the instructor's
    workspace lives under ``autograder/`` unless other folders are given.
    """
    c = Config()
    c.CourseDirectory.root = str(root)
    c.CourseDirectory.source_directory = SOURCE_DIR
    c.CourseDirectory.release_directory = RELEASE_DIR
    c.CourseDirectory.submitted_directory = submitted
    c.CourseDirectory.autograded_directory = autograded
    c.CourseDirectory.feedback_directory = feedback
    c.CourseDirectory.db_url = db_url or f"sqlite:///{root / 'autograder' / 'gradebook.db'}"
    c.CourseDirectory.course_id = "convolution"
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
    # SanitizeNotebook: nothing a student wrote is live where formgrader and the feedback
    # page render it (convkit.grading.sanitize)
    c.Autograde.autograde_preprocessors = [
        ours + "SandboxChecks", pp + "LimitOutput", pp + "SaveAutoGrades",
        pp + "AssignLatePenalties", "convkit.grading.sanitize.SanitizeNotebook",
        pp + "CheckCellMetadata"]
    c.GenerateFeedback.preprocessors = [
        pp + "GetGrades", pp + "ClearHiddenTests", "convkit.grading.sanitize.SanitizeNotebook",
        ours + "FeedbackSummary", "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor"]
    return c
