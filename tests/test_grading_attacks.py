"""A class of im_conv submissions through the whole pipeline: attacks, accidents and mistakes.

One ``convkit grade`` run (in this process, ``--jobs 2``) over a class built from the
released ``02_im_conv`` notebook, one student per item of issue 4:

* every tampering and cheating item of point 5 (edited / emptied / markdown / deleted
  test cell, grade_id changed or stripped, points changed, IPython input transformer,
  ``set_custom_exc`` + ``post_run_cell``, monkeypatched NumPy and convkit, an
  always-equal object, cv2 / SciPy / convkit in an own implementation, reading
  ``solutions/`` or the gradebook, a background process that rewrites the results, an
  infinite loop that ignores SIGINT, an exception, ``sys.exit``, ``os._exit``, a huge
  allocation) earns no points and the feedback says what happened;
* a correct answer that prints to stdout and stderr and warns keeps its points;
* every im_conv mistake of point 4 shows its hint (the same hint ``checks.diagnose``
  gives in this process) and, for a wrong array, a picture; no feedback page contains
  hidden test code.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from convkit import exercises
from convkit.checking.diagnosing import diagnose
from convkit.course import SOURCE_DIR
from convkit.grading.context import GradingContext
from convkit.grading.pipeline import Grader
from convkit.grading.report import read_grades_csv
from convkit.grading.workcourse import WORK_DIR

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grading")]

ROOT = Path(__file__).resolve().parent.parent
EXERCISE = exercises.get("im_conv")
ASSIGNMENT, NOTEBOOK, POINTS = "02_im_conv", "im_conv", EXERCISE.points

RIGHT = '''\
def im_conv(im, kernel):
    im = np.asarray(im, dtype=np.float64)
    kh, kw = kernel.shape
    out = np.zeros((im.shape[0] - kh + 1, im.shape[1] - kw + 1))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = np.sum(im[r:r + kh, c:c + kw] * kernel)
    return out
'''


def _loop(body: str, *, dtype: str = "np.zeros((H - kh + 1, W - kw + 1))",
          rows: str = "H - kh + 1", cols: str = "W - kw + 1", ret: str = "out",
          prefix: str = "") -> str:
    return f'''\
def im_conv(im, kernel):
{prefix}    H, W = im.shape
    kh, kw = kernel.shape
    out = {dtype}
    for r in range({rows}):
        for c in range({cols}):
            {body}
    return {ret}
'''


WINDOW = "out[r, c] = np.sum(im[r:r + kh, c:c + kw] * kernel)"

#: student -> im_conv answer with a mistake of issue 4 point 4, and the mistake id(s) it must get
MISTAKES: dict[str, tuple[str, set[str]]] = {
    "h_transposed": (_loop(WINDOW, ret="out.T"), {"transposed"}),
    "h_flipped": (_loop("out[r, c] = np.sum(im[r:r + kh, c:c + kw] * kernel[::-1, ::-1])"),
                  {"flipped_kernel"}),
    "h_off_by_one": (_loop(WINDOW, dtype="np.zeros((H - kh, W - kw))", rows="H - kh",
                           cols="W - kw"), {"off_by_one"}),
    "h_same_mode": ('''\
def im_conv(im, kernel):
    kh, kw = kernel.shape
    padded = np.pad(np.asarray(im, dtype=np.float64), ((kh // 2, (kh - 1) // 2),
                                                       (kw // 2, (kw - 1) // 2)))
    out = np.zeros(im.shape)
    for r in range(im.shape[0]):
        for c in range(im.shape[1]):
            out[r, c] = np.sum(padded[r:r + kh, c:c + kw] * kernel)
    return out
''', {"wrong_mode_same"}),
    "h_full_mode": ('''\
def im_conv(im, kernel):
    kh, kw = kernel.shape
    padded = np.pad(np.asarray(im, dtype=np.float64), ((kh - 1, kh - 1), (kw - 1, kw - 1)))
    out = np.zeros((im.shape[0] + kh - 1, im.shape[1] + kw - 1))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = np.sum(padded[r:r + kh, c:c + kw] * kernel)
    return out
''', {"wrong_mode_full"}),
    "h_uint8_wraparound": (_loop("out[r, c] = np.sum(im[r:r + kh, c:c + kw] * kernel)",
                                 dtype="np.zeros((H - kh + 1, W - kw + 1), dtype=im.dtype)"),
                           {"uint8_wraparound"}),
    "h_integer_truncation": (_loop("out[r, c] = int(np.sum(im[r:r + kh, c:c + kw] * kernel))"),
                             {"integer_truncation"}),
    "h_matmul": (_loop("out[r, c] = np.sum(im[r:r + kh, c:c + kw] @ kernel)"), {"matmul"}),
    "h_flattened": ('''\
def im_conv(im, kernel):
    H, W = im.shape
    kh, kw = kernel.shape
    flat = np.convolve(np.asarray(im, dtype=np.float64).ravel(), kernel.ravel(), mode="valid")
    return flat[:(H - kh + 1) * (W - kw + 1)].reshape(H - kh + 1, W - kw + 1)
''', {"flattened_np_convolve"}),
    "h_modifies_input": (_loop(WINDOW, prefix="    im[...] = im - im.min()\n"),
                         {"input_modified"}),
    "h_returns_list": (_loop(WINDOW, ret="out.tolist()"), {"wrong_type"}),
    "h_float32": (_loop(WINDOW, dtype="np.zeros((H - kh + 1, W - kw + 1), dtype=np.float32)"),
                  {"wrong_dtype"}),
}

#: student -> (answer source, {cell grade_id: edit}) for the attacks; all earn 0
_CV2 = '''\
def im_conv(im, kernel):
    import cv2
    kh, kw = kernel.shape
    full = cv2.filter2D(np.asarray(im, dtype=np.float64), cv2.CV_64F,
                        np.asarray(kernel, dtype=np.float64), anchor=(0, 0),
                        borderType=cv2.BORDER_CONSTANT)
    return full[:im.shape[0] - kh + 1, :im.shape[1] - kw + 1]
'''
WRONG = "def im_conv(im, kernel):\n    return np.zeros((1, 1))\n"


#: answer code that looks through every module for a reference im_conv (source or function)
REFERENCE_HUNT = '''\
import sys

def _hunt():
    for module in list(sys.modules.values()):
        for value in list(getattr(module, "__dict__", {}).values()):
            if isinstance(value, str) and "def im_conv(" in value and "_hunt" not in value:
                return value
            if callable(value) and getattr(value, "__name__", "") == "im_conv" and (
                    value is not im_conv):
                return value

def im_conv(im, kernel):
    found = _hunt()
    if callable(found):
        return found(im, kernel)
    namespace = {"np": np}
    exec(found, namespace)
    return namespace["im_conv"](im, kernel)
'''


def attacks(out_dir: Path) -> dict[str, tuple[str, dict[str, object], str]]:
    """student -> (im_conv answer, edits of locked cells, words the feedback must show)."""
    solutions = ROOT / "solutions" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    return {
        # notebook-level tampering (the answer is right; the test cell is not)
        "t_test_edited": (RIGHT, {"test_im_conv": "source:pass"}, "was edited"),
        "t_test_emptied": (RIGHT, {"test_im_conv": "source:"}, "was emptied"),
        "t_test_markdown": (RIGHT, {"test_im_conv": "markdown"}, "turned into a markdown"),
        "t_test_deleted": (RIGHT, {"test_im_conv": "delete"}, "was deleted"),
        "t_grade_id_changed": (RIGHT, {"test_im_conv": "grade_id:test_bonus"},
                               "grade_id changed to test_bonus"),
        "t_grade_id_stripped": (RIGHT, {"test_im_conv": "strip"}, "grade_id removed"),
        "t_points_changed": (RIGHT, {"test_im_conv": "points:500"},
                             "points changed from 5 to 500"),
        "t_answer_deleted": (RIGHT, {"answer_im_conv": "delete"}, "is missing"),
        # tricks that only work inside a shared kernel
        "c_input_transformer": (WRONG + '''
def _skip_checks(lines):
    return ["pass\\n"] if any("check_" in line for line in lines) else lines

get_ipython().input_transformers_cleanup.append(_skip_checks)
''', {}, "im_conv"),
        "c_custom_exc": (WRONG + '''
get_ipython().set_custom_exc((Exception,), lambda *args, **kwargs: None)
get_ipython().events.register("post_run_cell", lambda result: None)
''', {}, "im_conv"),
        "c_monkeypatch_numpy": (WRONG + '''
np.allclose = lambda *args, **kwargs: True
np.array_equal = lambda *args, **kwargs: True
np.isclose = lambda *args, **kwargs: True
''', {}, "wrong shape"),
        "c_monkeypatch_convkit": ('''\
import convkit.exercises
convkit.exercises.check_im_conv = lambda *args, **kwargs: None
convkit.exercises.get = lambda *args, **kwargs: None
''' + WRONG, {}, "convkit"),
        "c_always_equal": ('''\
class _Anything:
    def __eq__(self, other):
        return True
    def __array__(self, dtype=None, copy=None):
        return np.zeros((1, 1))

def im_conv(im, kernel):
    return _Anything()
''', {}, "wrong type"),
        "c_ndarray_subclass": ('''\
class _Equal(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(other), dtype=bool)

def im_conv(im, kernel):
    return np.zeros((2, 2)).view(_Equal)
''', {}, "wrong type"),
        "c_cv2": (_CV2, {}, "cv2"),
        "c_scipy": ('''\
def im_conv(im, kernel):
    from scipy.signal import correlate2d
    return correlate2d(np.asarray(im, dtype=np.float64), kernel, mode="valid")
''', {}, "scipy"),
        "c_convkit": ('''\
def im_conv(im, kernel):
    from convkit.core import im_conv as reference
    return reference(im, kernel)
''', {}, "convkit"),
        "c_dunder_import": ('''\
def im_conv(im, kernel):
    signal = __import__("sci" + "py.signal", fromlist=["correlate2d"])
    return signal.correlate2d(np.asarray(im, dtype=np.float64), kernel, mode="valid")
''', {}, "scipy"),
        "c_read_solutions": (f'''\
def im_conv(im, kernel):
    import json
    with open({str(solutions)!r}) as handle:
        notebook = json.load(handle)
    for cell in notebook["cells"]:
        if "def im_conv" in "".join(cell["source"]):
            namespace = {{"np": np}}
            exec("".join(cell["source"]), namespace)
            return namespace["im_conv"](im, kernel)
''', {}, "not allowed"),
        "c_read_gradebook": (f'''\
def im_conv(im, kernel):
    with open({str(out_dir / "gradebook.db")!r}, "rb") as handle:
        handle.read(100)
''' + RIGHT.replace("def im_conv(im, kernel):\n", "", 1), {}, "not allowed"),
        "c_background_process": (f'''\
def im_conv(im, kernel):
    import subprocess
    payload = ("sleep 2; echo c_background_process,{ASSIGNMENT},5,5 >> "
               "{out_dir / 'grades.csv'}; echo x > {out_dir / 'gradebook.db'}")
    subprocess.Popen(["/bin/sh", "-c", payload], start_new_session=True)
''' + RIGHT.replace("def im_conv(im, kernel):\n", "", 1), {}, "not allowed"),
        "c_fork": ('''\
def im_conv(im, kernel):
    import os
    if os.fork() == 0:
        import time
        time.sleep(2)
        os._exit(0)
''' + RIGHT.replace("def im_conv(im, kernel):\n", "", 1), {}, "not allowed"),
        # issue 12: the reference and the model answer out of reach
        "c_given_source": ("import sys\nexec(sys.modules['__main__'].GIVEN_SOURCE)\n", {},
                           "GIVEN_SOURCE"),
        "c_reference_hunt": (REFERENCE_HUNT, {}, "im_conv"),
        "0_reads_work_course": (f'''\
def im_conv(im, kernel):
    import json
    path = {str(out_dir / WORK_DIR / SOURCE_DIR / ASSIGNMENT / f"{NOTEBOOK}.ipynb")!r}
    with open(path) as handle:
        notebook = json.load(handle)
    for cell in notebook["cells"]:
        if "def im_conv" in "".join(cell["source"]):
            namespace = {{"np": np}}
            exec("".join(cell["source"]), namespace)
            return namespace["im_conv"](im, kernel)
''', {}, "not allowed"),
        # accidents
        "a_infinite_loop": ('''\
def im_conv(im, kernel):
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    while True:
        pass
''', {}, "im_conv"),
        "a_exception": ("def im_conv(im, kernel):\n    return im[100, 100]\n", {}, "IndexError"),
        "a_sys_exit": ("def im_conv(im, kernel):\n    import sys\n    sys.exit(0)\n", {},
                       "im_conv"),
        "a_os_exit": ("def im_conv(im, kernel):\n    import os\n    os._exit(0)\n", {},
                      "im_conv"),
        "a_huge_allocation": ("def im_conv(im, kernel):\n    return np.ones((10**5, 10**5))\n",
                              {}, "im_conv"),
    }


HONEST = {
    "ok_right": RIGHT,
    "ok_noisy": '''\
import sys
import warnings

print("defining im_conv", file=sys.stderr)
warnings.warn("a warning while defining", UserWarning, stacklevel=1)

def im_conv(im, kernel):
    print("im_conv called on", im.shape)
    print("this goes to stderr", file=sys.stderr)
    warnings.warn("careful: float64 ahead", RuntimeWarning, stacklevel=1)
''' + RIGHT.replace("def im_conv(im, kernel):\n", "", 1),
}


def _release(assignment: str = ASSIGNMENT, notebook: str = NOTEBOOK) -> dict:
    return json.loads((ROOT / "course" / assignment / f"{notebook}.ipynb").read_text("utf-8"))


def _notebook(answer: str, edits: dict[str, object], *, assignment: str = ASSIGNMENT,
              notebook: str = NOTEBOOK, answer_id: str = "answer_im_conv") -> bytes:
    nb = _release(assignment, notebook)
    cells = []
    for cell in nb["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        grade_id = meta.get("grade_id")
        if grade_id == answer_id:
            cell["source"] = answer
        edit = edits.get(grade_id)
        if edit == "delete":
            continue
        if edit == "markdown":
            cell["cell_type"] = "markdown"
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
        elif edit == "strip":
            del cell["metadata"]["nbgrader"]
        elif isinstance(edit, str) and edit.startswith("source:"):
            cell["source"] = edit.removeprefix("source:")
        elif isinstance(edit, str) and edit.startswith("grade_id:"):
            meta["grade_id"] = edit.removeprefix("grade_id:")
        elif isinstance(edit, str) and edit.startswith("points:"):
            meta["points"] = int(edit.removeprefix("points:"))
        cells.append(cell)
    nb["cells"] = cells
    return (json.dumps(nb, indent=1) + "\n").encode("utf-8")


def _hash_tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("attacks")
    submissions, out = base / "submitted", base / "out"
    answers = {name: (src, {}, "") for name, src in HONEST.items()}
    answers |= {name: (src, {}, "") for name, (src, _ids) in MISTAKES.items()}
    answers |= attacks(out)
    for student, (answer, edits, _words) in answers.items():
        path = submissions / student / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
        path.parent.mkdir(parents=True)
        path.write_bytes(_notebook(answer, edits))
    before = _hash_tree(submissions)
    context = GradingContext(course_root=ROOT, salt="test-salt", timeout=3.0,
                             submissions_dir=submissions, out_dir=out)
    grader = Grader(context, jobs=2, progress=False, log=lambda message: None)
    result = grader.run()
    after_run = {"grades.csv": (out / "grades.csv").read_bytes(),
                 "gradebook.db": (out / "gradebook.db").read_bytes()}
    time.sleep(4)  # give any background process the students started time to strike
    return {"out": out, "result": result, "rows": read_grades_csv(out / "grades.csv"),
            "before": before, "after": _hash_tree(submissions), "after_run": after_run,
            "answers": answers}


def _row(graded, student):
    return next(r for r in graded["rows"] if r["student"] == student)


def _feedback(graded, student) -> str:
    """The feedback page's text, whitespace collapsed (long message lines are wrapped)."""
    path = graded["out"] / "feedback" / student / ASSIGNMENT / f"{NOTEBOOK}.html"
    return " ".join(html.unescape(path.read_text(encoding="utf-8")).split())


def test_every_submission_has_one_row_and_the_submissions_are_untouched(graded):
    students = sorted(graded["answers"])
    assert sorted(r["student"] for r in graded["rows"]) == students
    assert all(r["assignment"] == ASSIGNMENT and r["status"] == "graded" for r in graded["rows"])
    assert graded["before"] == graded["after"]


@pytest.mark.parametrize("student", sorted(HONEST))
def test_honest_answers_keep_their_points_even_when_noisy(graded, student):
    row = _row(graded, student)
    assert float(row["auto_score"]) == POINTS, row
    assert "✔ im_conv: all" in _feedback(graded, student)


@pytest.mark.parametrize("student", sorted(MISTAKES))
def test_each_mistake_gets_its_hint_in_the_feedback(graded, student):
    source, ids = MISTAKES[student]
    assert float(_row(graded, student)["auto_score"]) < POINTS  # rubric: some points at most
    namespace = {"np": np}
    exec(source, namespace)  # trusted here: the same code, judged in this process
    first = None
    for case in EXERCISE.cases():
        args = case.copy_args()
        try:
            actual, raised = namespace["im_conv"](*args), None
        except Exception as exc:  # noqa: BLE001
            actual, raised = None, f"{type(exc).__name__}: {exc}"
        modified = any(not np.array_equal(a, b) for a, b in zip(args, case.args, strict=True))
        verdict = diagnose(EXERCISE, case, actual, inputs_modified=modified, raised=raised)
        if not verdict.ok:
            first = verdict
            break
    assert first is not None and first.mistake in ids, (student, first and first.mistake)
    page = _feedback(graded, student)
    for line in first.message.strip().splitlines()[:2]:
        assert " ".join(line.split()) in page, (student, line)
    if type(first.actual) is np.ndarray and first.actual.ndim == 2 and first.actual.size:
        assert "data:image/png;base64" in page  # expected | actual | difference


@pytest.mark.parametrize("student", sorted(attacks(Path("/unused"))))
def test_each_attack_earns_nothing_and_is_explained(graded, student):
    row = _row(graded, student)
    assert float(row["auto_score"]) == 0, row
    words = graded["answers"][student][2]
    page = _feedback(graded, student)
    assert words in page, (student, words)
    assert "✔ im_conv" not in page


def test_tampering_is_named_in_the_notes_and_the_feedback_says_what_to_do(graded):
    for student in ("t_test_edited", "t_test_deleted", "t_points_changed", "t_grade_id_stripped"):
        assert "im_conv:" in _row(graded, student)["notes"]
        assert "download a fresh copy of the notebook" in _feedback(graded, student)


def test_forbidden_actions_are_reported_as_such(graded):
    for student in ("c_cv2", "c_scipy", "c_convkit", "c_read_solutions",
                    "c_background_process", "c_read_gradebook", "c_fork"):
        assert "not allowed" in _row(graded, student)["notes"], student


def test_no_background_process_touched_the_results_after_the_run(graded):
    out = graded["out"]
    assert (out / "grades.csv").read_bytes() == graded["after_run"]["grades.csv"]
    assert (out / "gradebook.db").read_bytes() == graded["after_run"]["gradebook.db"]
    assert "c_background_process,02_im_conv,5,5" not in (out / "grades.csv").read_text()


def test_feedback_never_shows_hidden_tests(graded):
    hidden = re.compile(r"BEGIN HIDDEN TESTS|hidden=True")
    pages = list((graded["out"] / "feedback").rglob("*.html"))
    assert len(pages) == len(graded["answers"])
    for page in pages:
        assert not hidden.search(page.read_text(encoding="utf-8")), page


def test_the_infinite_loop_is_stopped_and_named(graded):
    page = _feedback(graded, "a_infinite_loop")
    assert re.search(r"(?i)stopped|timed? ?out|too long|more than", page)


# --------------------------------------------------------------------------------------------
# issue 12, item 2, through the whole pipeline: lesson 5, where cv2 is allowed, reads files
# in C++ (OpenCV's FFmpeg reader) and opens URLs; folders readable by everyone, as a shared
# SUBMISSIONS_DIR and OUT_DIR may be. The same attacks succeed without the namespaces:
# tests/test_sandbox.py shows each one working with them switched off.
# --------------------------------------------------------------------------------------------

CV_ASSIGNMENT, CV_NOTEBOOK, CV_ANSWER = "05_opencv", "opencv", "answer_opencv_im_conv"
VICTIM_MARKER = "VICTIM-MARKER-7f3a"

FFMPEG_THIEF = '''\
import os
import cv2

def _read(path):
    os.environ["OPENCV_FFMPEG_CAPTURE_OPTIONS"] = (
        "input_format;rawvideo|pixel_format;gray|video_size;1x1")
    capture = cv2.VideoCapture(path, cv2.CAP_FFMPEG, [cv2.CAP_PROP_FORMAT, -1])
    data = []
    while capture.isOpened() and len(data) < 200000:
        ok, frame = capture.read()
        if not ok:
            break
        data.append(frame.tobytes())
    return b"".join(data).decode("latin-1")

def opencv_im_conv(im, kernel):
    stolen = [_read(path) for path in PATHS]
    found = [word for word in WORDS if any(word in text for text in stolen)]
    raise ValueError("STOLEN[" + ",".join(found) + "]" + str([len(t) for t in stolen]))
'''


@pytest.fixture(scope="module")
def opencv_graded():
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="convkit-attacks-", dir="/tmp"))
    server = _CountingServer()
    try:
        base.chmod(0o755)
        submissions, out = base / "submitted", base / "out"
        victim = submissions / "z_victim" / CV_ASSIGNMENT / f"{CV_NOTEBOOK}.ipynb"
        model = out / WORK_DIR / SOURCE_DIR / CV_ASSIGNMENT / f"{CV_NOTEBOOK}.ipynb"
        paths = [str(victim), str(model), f"/proc/{os.getpid()}/cmdline",
                 f"/proc/{os.getpid()}/environ", "/proc/1/cmdline"]
        words = [VICTIM_MARKER, "BEGIN SOLUTION", "pytest", "PATH="]
        right = exercises.get("opencv_im_conv").right.source
        answers = {
            "z_victim": f"# {VICTIM_MARKER}\n" + right,
            "0_ffmpeg_thief": f"PATHS = {paths!r}\nWORDS = {words!r}\n" + FFMPEG_THIEF,
            "0_http_probe": (f"import cv2\n_c = cv2.VideoCapture('http://127.0.0.1:{server.port}"
                             "/x.mp4', cv2.CAP_FFMPEG)\n" + right),
        }
        for student, answer in answers.items():
            path = submissions / student / CV_ASSIGNMENT / f"{CV_NOTEBOOK}.ipynb"
            path.parent.mkdir(parents=True)
            path.write_bytes(_notebook(answer, {}, assignment=CV_ASSIGNMENT,
                                       notebook=CV_NOTEBOOK, answer_id=CV_ANSWER))
        for item in [base, *base.rglob("*")]:
            item.chmod(0o755 if item.is_dir() else 0o644)
        context = GradingContext(course_root=ROOT, salt="test-salt", timeout=10.0,
                                 submissions_dir=submissions, out_dir=out)
        Grader(context, jobs=1, progress=False, log=lambda message: None).run()
        rows = read_grades_csv(out / "grades.csv")
        logs = {p.name: p.read_text(errors="replace")[-3000:]
                for p in (out / WORK_DIR / "logs").rglob("*.log")}
        assert all(r["status"] == "graded" for r in rows), (rows, logs)
        assert model.is_file()  # the model answer was there to be read, world-readable
        model_text = model.read_text(encoding="utf-8")
        assert "BEGIN SOLUTION" in model_text
        pages = {student: " ".join(html.unescape((out / "feedback" / student / CV_ASSIGNMENT
                                                  / f"{CV_NOTEBOOK}.html").read_text()).split())
                 for student in answers}
        yield {"rows": rows, "pages": pages,
               "requests": server.requests}
    finally:
        server.stop()
        subprocess.run(["rm", "-rf", str(base)], check=False)


def test_opencv_in_answer_code_reads_no_other_students_work_nor_the_model_answer(opencv_graded):
    page = opencv_graded["pages"]["0_ffmpeg_thief"]
    # the message came through: none of the words it looked for was read, and of the five
    # files only its own command line (/proc/1/cmdline, in its own PID namespace) had bytes
    found = re.search(r"STOLEN\[([^\]]*)\]\[(\d+), (\d+), (\d+), (\d+), (\d+)\]", page)
    assert found is not None, page[-3000:]
    assert found.group(1) == "" and found.groups()[1:5] == ("0", "0", "0", "0")
    assert int(found.group(6)) > 0  # the reader itself works: it read its own command line
    thief = next(r for r in opencv_graded["rows"] if r["student"] == "0_ffmpeg_thief")
    assert float(thief["auto_score"]) == 0
    victim = next(r for r in opencv_graded["rows"] if r["student"] == "z_victim")
    assert float(victim["auto_score"]) > 0  # the victim's honest answer still counts


def test_opencv_in_answer_code_reaches_no_server(opencv_graded):
    assert opencv_graded["requests"] == 0
    probe = next(r for r in opencv_graded["rows"] if r["student"] == "0_http_probe")
    assert float(probe["auto_score"]) > 0  # the rest of its answer was graded as usual


class _CountingServer:
    """A loopback HTTP server counting its requests; it stops by itself after ``lifetime``."""

    def __init__(self, lifetime: float = 600.0):
        import http.server
        import threading

        self.requests = 0
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the http.server API
                server.requests += 1
                self.send_response(404)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self._timer = threading.Timer(lifetime, self.stop)
        self._timer.daemon = True
        self._timer.start()

    def stop(self) -> None:
        self._timer.cancel()
        self.httpd.shutdown()
        self.httpd.server_close()
