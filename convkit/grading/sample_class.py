"""The sample class: six students' submissions built from the released notebooks.

``convkit sample-class --out DIR`` writes them (and ``convkit grade`` with no
SUBMISSIONS_DIR builds and grades them), in nbgrader's submitted layout
``DIR/<student>/<assignment>/<notebook>.ipynb``:

================== ===========================================================================
ada_correct        every answer right (the solutions' code)
ben_mistakes       a typical mistake in every exercise, each one a mistake the grader names
cleo_blank         handed in the blank release
dev_broken_json    everything right, but the im_conv notebook is not valid JSON (cut short)
eve_infinite_loop  everything right except im_conv, which loops forever and ignores SIGINT
finn_cheater       tries to cheat in every exercise but one (flip_kernel, which is right
                   and prints to stderr and warns: it keeps its points)
================== ===========================================================================

:func:`expected_points` gives the points each student should get per graded function;
the tests check the grader against it and the instructor README shows the table.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

STUDENTS = ("ada_correct", "ben_mistakes", "cleo_blank", "dev_broken_json",
            "eve_infinite_loop", "finn_cheater")

_SOLUTION_LINE = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$")

# --------------------------------------------------------------------------------------------
# ben: one typical mistake per exercise (each one a mistake convkit.checks names)
# --------------------------------------------------------------------------------------------

MISTAKES: dict[str, tuple[str, str]] = {
    "conv_output_shape": ("(width, height) instead of (height, width)", '''\
def conv_output_shape(im_shape, kernel_shape, mode):
    """The output shape of a convolution."""
    height, width = im_shape
    kh, kw = kernel_shape
    if mode == "full":
        return (width + kw - 1, height + kh - 1)
    if mode == "same":
        return (width, height)
    return (width - kw + 1, height - kh + 1)
'''),
    "window_choice": ("rows and columns swapped", 'window_choice = "D"\n'),
    "get_subimages": ("window off by one (misses the last row and column)", '''\
def get_subimages(im, kernel):
    """Every kernel-sized window of im, keyed by its top-left corner."""
    kh, kw = kernel.shape
    height, width = im.shape
    return {(r, c): im[r:r + kh, c:c + kw]
            for r in range(height - kh) for c in range(width - kw)}
'''),
    "im_conv": ("kernel flipped (that is convolution)", '''\
def im_conv(im, kernel):
    """Sliding-window weighted sum, valid mode."""
    im = np.asarray(im, dtype=np.float64)
    kernel = kernel[::-1, ::-1]
    kh, kw = kernel.shape
    out = np.zeros((im.shape[0] - kh + 1, im.shape[1] - kw + 1))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = np.sum(im[r:r + kh, c:c + kw] * kernel)
    return out
'''),
    "flip_kernel": ("flipped left-right only", '''\
def flip_kernel(kernel):
    """The kernel flipped left-right and up-down."""
    return np.fliplr(kernel)
'''),
    "convolve": ("kernel not flipped", '''\
def convolve(im, kernel):
    """True convolution, valid mode."""
    return im_conv(im, kernel)
'''),
    "box_blur_kernel": ("weights 1/size instead of 1/size**2", '''\
def box_blur_kernel(size):
    """A size x size box blur."""
    return np.ones((size, size)) / size
'''),
    "sharpen_kernel": ("identity - blur (the factor 2 is missing)", '''\
def sharpen_kernel(blur_kernel):
    """2 * identity - blur."""
    identity = np.zeros(blur_kernel.shape)
    identity[blur_kernel.shape[0] // 2, blur_kernel.shape[1] // 2] = 1.0
    return identity - blur_kernel
'''),
    "gradient_magnitude": ("|gx| + |gy| instead of sqrt(gx**2 + gy**2)", '''\
def gradient_magnitude(gx, gy):
    """The length of the gradient at every pixel."""
    return np.abs(gx) + np.abs(gy)
'''),
    "opencv_im_conv": ("ddepth=-1 keeps uint8 and clips at 255", '''\
def opencv_im_conv(im, kernel):
    """im_conv with cv2.filter2D."""
    import cv2
    kh, kw = kernel.shape
    full = cv2.filter2D(im, -1, kernel, anchor=(0, 0), borderType=cv2.BORDER_CONSTANT)
    return full[:im.shape[0] - kh + 1, :im.shape[1] - kw + 1]
'''),
    "opencv_convolve": ("kernel not flipped", '''\
def opencv_convolve(im, kernel):
    """True convolution with cv2.filter2D."""
    import cv2
    kh, kw = kernel.shape
    im = np.asarray(im, dtype=np.float64)
    full = cv2.filter2D(im, cv2.CV_64F, np.asarray(kernel, dtype=np.float64), anchor=(0, 0),
                        borderType=cv2.BORDER_CONSTANT)
    return full[:im.shape[0] - kh + 1, :im.shape[1] - kw + 1]
'''),
}

# --------------------------------------------------------------------------------------------
# eve: an infinite loop that ignores SIGINT
# --------------------------------------------------------------------------------------------

INFINITE_LOOP = '''\
def im_conv(im, kernel):
    """Sliding-window weighted sum (this one never returns)."""
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    steps = 0
    while True:
        steps += 1
'''

# --------------------------------------------------------------------------------------------
# finn: a cheat per exercise ({root} and {out} are filled in when the class is built)
# --------------------------------------------------------------------------------------------

CHEATS: dict[str, tuple[str, str]] = {
    "conv_output_shape": ("monkeypatches NumPy's comparisons, returns a wrong answer", '''\
def conv_output_shape(im_shape, kernel_shape, mode):
    """The output shape of a convolution."""
    return (0, 0)

np.array_equal = lambda *args, **kwargs: True
np.allclose = lambda *args, **kwargs: True
'''),
    "window_choice": ("a string that equals every letter", '''\
class _EqualsAnything(str):
    def __eq__(self, other):
        return True
    __hash__ = str.__hash__

window_choice = _EqualsAnything("A")
'''),
    "get_subimages": ("copies the answer from solutions/ on disk", '''\
def get_subimages(im, kernel):
    """Every window (taken from the instructor's solution notebook)."""
    import json
    with open(r"{root}/solutions/01_subimages/subimages.ipynb") as handle:
        notebook = json.load(handle)
    for cell in notebook["cells"]:
        if "def get_subimages" in "".join(cell["source"]):
            namespace = {{"np": np}}
            exec("".join(cell["source"]), namespace)
            return namespace["get_subimages"](im, kernel)
'''),
    "im_conv": ("calls cv2.filter2D in an own-implementation exercise", '''\
def im_conv(im, kernel):
    """Sliding-window weighted sum (by OpenCV)."""
    import cv2
    kh, kw = kernel.shape
    full = cv2.filter2D(np.asarray(im, dtype=np.float64), cv2.CV_64F,
                        np.asarray(kernel, dtype=np.float64), anchor=(0, 0),
                        borderType=cv2.BORDER_CONSTANT)
    return full[:im.shape[0] - kh + 1, :im.shape[1] - kw + 1]
'''),
    "flip_kernel": ("right; prints to stderr and warns (keeps its points)", '''\
def flip_kernel(kernel):
    """The kernel flipped left-right and up-down."""
    import sys
    import warnings
    print("flipping a", kernel.shape, "kernel", file=sys.stderr)
    warnings.warn("this is only a warning", UserWarning, stacklevel=1)
    return kernel[::-1, ::-1].copy()
'''),
    "convolve": ("calls SciPy in an own-implementation exercise", '''\
def convolve(im, kernel):
    """True convolution (by SciPy)."""
    from scipy.signal import convolve2d
    return convolve2d(im, kernel, mode="valid")
'''),
    "box_blur_kernel": ("starts a background process to rewrite grades.csv later", '''\
def box_blur_kernel(size):
    """A size x size box blur; and a little something for later."""
    import subprocess
    payload = ("sleep 3; find '{out}' \\\\( -name grades.csv -o -name gradebook.db \\\\) "
               "-exec sh -c 'echo finn_cheater,all,100,100 > \\"$1\\"' _ {{}} \\\\;")
    subprocess.Popen(["/bin/sh", "-c", payload], start_new_session=True)
    return np.full((size, size), 1.0 / size**2)
'''),
    "sharpen_kernel": ("an IPython input transformer that blanks the test cells", '''\
def sharpen_kernel(blur_kernel):
    """2 * identity - blur (not written)."""
    return blur_kernel

def _skip_checks(lines):
    return ["pass\\n"] if any("check_" in line for line in lines) else lines

get_ipython().input_transformers_cleanup.append(_skip_checks)
'''),
    "gradient_magnitude": ("set_custom_exc and a post_run_cell hook to hide failures", '''\
def gradient_magnitude(gx, gy):
    """The length of the gradient (not really)."""
    return gx + gy

def _swallow(shell, etype, evalue, tb, tb_offset=None):
    return None

get_ipython().set_custom_exc((Exception,), _swallow)
get_ipython().events.register("post_run_cell", lambda result: None)
'''),
    "opencv_im_conv": ("edited the locked test cell", "solution"),
    "opencv_convolve": ("changed the test cell's points to 100", "solution"),
}

#: finn's edits of locked test cells: graded name -> (what, edit of the cell's JSON)
TEST_CELL_EDITS: dict[str, Callable[[dict[str, Any]], None]] = {
    "opencv_im_conv": lambda cell: cell.update(source="print('all checks passed')\n"),
    "opencv_convolve": lambda cell: cell["metadata"]["nbgrader"].update(points=100),
}

# --------------------------------------------------------------------------------------------
# who gets what
# --------------------------------------------------------------------------------------------


def _earns(student: str, assignment: str, name: str) -> bool:
    """True when ``student`` should earn the points of ``name`` (in ``assignment``)."""
    if student == "ada_correct":
        return True
    if student == "dev_broken_json":
        return assignment != "02_im_conv"
    if student == "eve_infinite_loop":
        return name != "im_conv"
    if student == "finn_cheater":
        return name == "flip_kernel"
    return False  # ben_mistakes, cleo_blank


def expected_points(course_root: Path | None = None) -> dict[tuple[str, str, str], int]:
    """The points each student should get: ``(student, assignment, name) -> points``.

    Only the auto-graded functions of the assignments the course has (written answers
    are graded by a person and are not in this table).

    Examples
    --------
    >>> table = expected_points()
    >>> table["ada_correct", "02_im_conv", "im_conv"], table["cleo_blank", "02_im_conv", "im_conv"]
    (5, 0)
    """
    from convkit.checks import CHECKS
    from convkit.grading.pipeline import available_assignments

    available = available_assignments(_root(course_root))
    return {(student, spec.assignment, name): spec.points if _earns(student, spec.assignment,
                                                                    name) else 0
            for student in STUDENTS for name, spec in CHECKS.items()
            if spec.assignment in available}


def _root(course_root: Path | None) -> Path:
    from convkit.course import course_root as find_root

    return Path(course_root).resolve() if course_root else find_root()


def solution_source(source: str) -> str:
    """A solution cell's source without the ``### BEGIN/END SOLUTION`` lines.

    Examples
    --------
    >>> solution_source("def f():\\n    ### BEGIN SOLUTION\\n    return 1\\n    ### END SOLUTION")
    'def f():\\n    return 1'
    """
    return "\n".join(line for line in source.splitlines() if not _SOLUTION_LINE.match(line))


def _text(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _grade_id(cell: dict[str, Any]) -> str:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")


def _answer(student: str, assignment: str, grade_id: str, solution: str,
            root: Path, out: Path) -> str | None:
    """The source ``student`` hands in for an answer cell (None: leave the release's stub)."""
    from convkit.grading.rebuild import question_of

    name = question_of(grade_id)
    if student == "cleo_blank":
        return None
    if grade_id.startswith("discuss_"):
        return {"ben_mistakes": "It makes the picture different.",
                "finn_cheater": "I don't know."}.get(student, solution)
    if student == "ben_mistakes" and name in MISTAKES:
        return MISTAKES[name][1]
    if student == "eve_infinite_loop" and name == "im_conv":
        return INFINITE_LOOP
    if student == "finn_cheater" and name in CHEATS and CHEATS[name][1] != "solution":
        return CHEATS[name][1].format(root=root.as_posix(), out=out.as_posix())
    return solution


def student_notebook(student: str, assignment: str, release: dict[str, Any],
                     solutions: dict[str, Any], root: Path, out: Path) -> bytes:
    """The bytes of one student's notebook for one assignment."""
    from convkit.grading.rebuild import question_of

    solved = {_grade_id(c): solution_source(_text(c)) for c in solutions["cells"]
              if c.get("metadata", {}).get("nbgrader", {}).get("solution")}
    nb = json.loads(json.dumps(release))
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        grade_id = meta.get("grade_id", "")
        if meta.get("solution") and grade_id in solved:
            source = _answer(student, assignment, grade_id, solved[grade_id], root, out)
            if source is not None:
                cell["source"] = source
        elif student == "finn_cheater" and meta.get("grade"):
            edit = TEST_CELL_EDITS.get(question_of(grade_id) or "")
            if edit is not None:
                edit(cell)
    text = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
    if student == "dev_broken_json" and assignment == "02_im_conv":
        text = text[: len(text) // 2]  # the upload was cut short
    return text.encode("utf-8")


def build_sample_class(target: Path, *, course_root: Path | None = None) -> list[Path]:
    """Write the sample class into ``target`` (only files whose content changed).

    Parameters
    ----------
    target : Path
        The folder to fill with ``<student>/<assignment>/<notebook>.ipynb``.
    course_root : Path or None
        The course (default: found, see :func:`convkit.course.course_root`).

    Returns
    -------
    list of Path
        Every notebook of the class.
    """
    from convkit.course import RELEASE_DIR, SOURCE_DIR
    from convkit.grading.cache import write_atomic
    from convkit.grading.pipeline import available_assignments

    root = _root(course_root)
    target = Path(target).resolve()
    written = []
    for name, item in available_assignments(root).items():
        release = json.loads((root / RELEASE_DIR / name / item.notebook_file).read_text("utf-8"))
        solutions = json.loads((root / SOURCE_DIR / name / item.notebook_file)
                               .read_text("utf-8"))
        for student in STUDENTS:
            data = student_notebook(student, name, release, solutions, root, target.parent)
            path = target / student / name / item.notebook_file
            if not path.is_file() or path.read_bytes() != data:
                write_atomic(path, data)
            written.append(path)
    return written


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, required=True, metavar="DIR",
                        help="folder to write <student>/<assignment>/<notebook>.ipynb into")
    parser.add_argument("--course-root", type=Path, default=None, metavar="DIR",
                        help="the course folder (default: found)")


def run(args: argparse.Namespace) -> int:
    paths = build_sample_class(args.out, course_root=args.course_root)
    students = sorted({p.parent.parent.name for p in paths})
    print(f"wrote {len(paths)} notebooks of {len(students)} students into {args.out}")
    for student in students:
        print(f"  {student}")
    return 0
