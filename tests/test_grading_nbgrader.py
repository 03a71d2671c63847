"""Plain nbgrader commands from ``autograder/`` use the same out-of-process grading.

An instructor who runs ``nbgrader autograde`` and ``nbgrader generate_feedback`` from
``autograder/`` (here: a scratch copy of the course) gets convkit's preprocessors: no
kernel runs the student's code, cv2 in an own implementation earns nothing, a noisy right
answer keeps its points, and the feedback shows no hidden test.
"""

from __future__ import annotations

import csv
import html
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from convkit import exercises

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grading")]

ROOT = Path(__file__).resolve().parent.parent
NBGRADER = Path(sys.executable).with_name("nbgrader")

NOISY = '''\
import sys

def im_conv(im, kernel):
    print("working...", file=sys.stderr)
    im = np.asarray(im, dtype=np.float64)
    kh, kw = kernel.shape
    out = np.zeros((im.shape[0] - kh + 1, im.shape[1] - kw + 1))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = np.sum(im[r:r + kh, c:c + kw] * kernel)
    return out
'''


def _nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=f"{NBGRADER.parent}{os.pathsep}{os.environ['PATH']}",
               CONVKIT_GRADING_SALT="nbgrader-test")
    env.pop("CONVKIT_COURSE_ROOT", None)
    return subprocess.run([str(NBGRADER), *args], cwd=course / "autograder", env=env,
                          capture_output=True, text=True, timeout=600)


def _hand_in(course: Path, student: str, answer: str) -> None:
    nb = json.loads((course / "course" / "02_im_conv" / "im_conv.ipynb").read_text("utf-8"))
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "answer_im_conv":
            cell["source"] = answer
    target = course / "autograder" / "submitted" / student / "02_im_conv" / "im_conv.ipynb"
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps(nb), encoding="utf-8")


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = tmp_path_factory.mktemp("instructor")
    for folder in ("solutions", "course"):
        shutil.copytree(ROOT / folder / "02_im_conv", course / folder / "02_im_conv")
    (course / "autograder").mkdir()
    shutil.copy(ROOT / "autograder" / "nbgrader_config.py", course / "autograder")
    _hand_in(course, "noisy", NOISY)
    ex = exercises.get("im_conv")
    _hand_in(course, "flipper", ex.wrong.source)
    _hand_in(course, "opencv_user", ex.cheat.source)
    for step in (("generate_assignment", "02_im_conv", "--force"),
                 ("autograde", "02_im_conv", "--force"),
                 ("generate_feedback", "02_im_conv", "--force"),
                 ("export",)):
        done = _nbgrader(course, *step)
        assert done.returncode == 0, (step, done.stderr[-3000:])
    return course


def test_scores_come_from_the_sandboxed_checks(course):
    with open(course / "autograder" / "grades.csv", newline="") as stream:
        scores = {row["student_id"]: float(row["raw_score"]) for row in csv.DictReader(stream)}
    ex = exercises.get("im_conv")
    assert scores == {"noisy": ex.right.points, "flipper": ex.wrong.points,
                      "opencv_user": ex.cheat.points}


def test_no_kernel_ran_the_test_cells(course):
    graded = course / "autograder" / "autograded" / "noisy" / "02_im_conv" / "im_conv.ipynb"
    nb = json.loads(graded.read_text("utf-8"))
    codes = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(c["execution_count"] is None for c in codes)
    test = next(c for c in codes
                if c["metadata"].get("nbgrader", {}).get("grade_id") == "test_im_conv")
    assert [o["output_type"] for o in test["outputs"]] == ["stream"]
    assert "".join(test["outputs"][0]["text"]).startswith("✔ im_conv:")
    assert not any(o.get("name") == "stderr" for c in codes for o in c.get("outputs", []))


def test_feedback_names_the_mistake_and_hides_the_hidden_tests(course):
    feedback = course / "autograder" / "feedback"
    flipper = html.unescape((feedback / "flipper" / "02_im_conv" / "im_conv.html").read_text())
    assert "the kernel is flipped" in flipper
    assert "Your feedback: what passed and what to fix" in flipper
    opencv = html.unescape((feedback / "opencv_user" / "02_im_conv" / "im_conv.html")
                           .read_text())
    assert "import of cv2" in opencv
    for page in feedback.rglob("*.html"):
        text = page.read_text()
        assert "HIDDEN TESTS" not in text and "hidden=True" not in text
