"""Seconds per student to grade the sample class: stock nbgrader against ``convkit grade``.

Three ways to grade the same submissions (the sample class, every assignment of the
course), each from scratch (a fresh output folder, so no cached verdict helps):

* stock ``nbgrader autograde <assignment>``, one command per assignment, run from a
  scratch copy of the course with nbgrader's own configuration (its ``Execute``
  preprocessor runs every cell of every notebook in a kernel);
* ``convkit grade SUBMISSIONS --jobs 1``;
* ``convkit grade SUBMISSIONS --jobs 2``.

Both use the same per-cell / per-function timeout. The median of ``--repeat`` runs
of each (interleaved, in one session) is written to ``benchmarks/results.md``
(section ``grading``).

Run: ``.venv/bin/python benchmarks/bench_grading.py [--repeat 3] [--timeout 10]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _results import machine_line, write_section  # noqa: E402

from convkit.course import SOURCE_DIR, put_python_scripts_on_path  # noqa: E402
from convkit.grading.pipeline import available_assignments  # noqa: E402
from convkit.grading.sample_class import STUDENTS, build_sample_class  # noqa: E402

BIN = Path(sys.executable).parent

STOCK_CONFIG = """\
c = get_config()  # noqa: F821
c.CourseDirectory.root = {root!r}
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.db_url = "sqlite:///{root}/gradebook.db"
c.CourseDirectory.course_id = "convolution"
c.Execute.timeout = {timeout}
"""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["MPLBACKEND"] = "Agg"
    env.pop("CONVKIT_COURSE_ROOT", None)
    return env


def stock_course(course_root: Path, submissions: Path, scratch: Path, timeout: float,
                 assignments: list[str]) -> Path:
    """A scratch nbgrader course with stock settings, assignments generated, class submitted."""
    root = scratch / "stock-course"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    shutil.copytree(course_root / SOURCE_DIR, root / "solutions")
    shutil.copytree(submissions, root / "submitted")
    (root / "nbgrader_config.py").write_text(
        STOCK_CONFIG.format(root=str(root), timeout=int(timeout)), encoding="utf-8")
    for name in assignments:
        subprocess.run([str(BIN / "nbgrader"), "generate_assignment", name, "--force",
                        "--log-level=ERROR"], cwd=root, env=_env(), check=True,
                       capture_output=True)
    return root


def time_stock(root: Path, assignments: list[str]) -> float:
    """Seconds for ``nbgrader autograde <assignment>`` of every assignment, one after another."""
    shutil.rmtree(root / "autograded", ignore_errors=True)
    start = time.perf_counter()
    for name in assignments:
        subprocess.run([str(BIN / "nbgrader"), "autograde", name, "--force",
                        "--log-level=ERROR"], cwd=root, env=_env(), check=False,
                       capture_output=True)
    return time.perf_counter() - start


def time_convkit(submissions: Path, out: Path, jobs: int, timeout: float,
                 course_root: Path) -> float:
    """Seconds for one fresh ``convkit grade`` run."""
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    subprocess.run([str(BIN / "convkit"), "grade", str(submissions), "--out", str(out),
                    "--jobs", str(jobs), "--timeout", str(timeout), "--no-progress",
                    "--course-root", str(course_root)],
                   env=_env(), check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--course-root", type=Path, default=HERE.parent)
    args = parser.parse_args()
    put_python_scripts_on_path()
    course_root = args.course_root.resolve()
    assignments = sorted(available_assignments(course_root))
    n_students = len(STUDENTS)
    with tempfile.TemporaryDirectory(prefix="convkit-bench-grading-") as tmp:
        scratch = Path(tmp)
        # finn_cheater's background process looks for grades next to the class folder, so the
        # class lives apart from both graders' outputs (stock nbgrader would let it run)
        submissions = scratch / "class" / "sample-submissions"
        build_sample_class(submissions, course_root=course_root)
        root = stock_course(course_root, submissions, scratch / "stock", args.timeout,
                            assignments)
        times: dict[str, list[float]] = {"stock": [], "jobs1": [], "jobs2": []}
        for run in range(args.repeat):
            times["stock"].append(time_stock(root, assignments))
            times["jobs1"].append(time_convkit(submissions, scratch / "out" / f"j1-{run}", 1,
                                               args.timeout, course_root))
            times["jobs2"].append(time_convkit(submissions, scratch / "out" / f"j2-{run}", 2,
                                               args.timeout, course_root))
            print(f"run {run + 1}: " + ", ".join(f"{k} {v[-1]:.1f} s" for k, v in times.items()),
                  flush=True)
    load = os.getloadavg()[0]
    median = {k: statistics.median(v) for k, v in times.items()}
    per = {k: v / n_students for k, v in median.items()}
    rows = [
        ("stock `nbgrader autograde`, sequential", "stock"),
        ("`convkit grade --jobs 1`", "jobs1"),
        ("`convkit grade --jobs 2`", "jobs2"),
    ]
    lines = [
        "## Grading the sample class",
        "",
        machine_line() + f", {os.cpu_count()} cores, load average {load:.1f} at the end "
        "(other work shared the machine when above the core count)",
        "",
        f"The sample class ({n_students} students x {len(assignments)} assignments: "
        f"{', '.join(assignments)}), graded from scratch; median of {args.repeat} interleaved "
        f"runs; timeout {args.timeout:g} s per cell (stock) or per graded function (convkit). "
        "Stock nbgrader runs every cell of every notebook in a kernel; convkit runs only "
        "the answer cells, one sandboxed process per graded function.",
        "",
        "| grader | seconds (class) | seconds per student | vs stock |",
        "|---|---:|---:|---:|",
    ]
    for label, key in rows:
        lines.append(f"| {label} | {median[key]:.1f} | {per[key]:.2f} | "
                     f"{median['stock'] / median[key]:.2f}x |")
    lines += [
        "",
        f"Targets: `--jobs 2` at least 1.8x faster than stock (measured "
        f"{median['stock'] / median['jobs2']:.2f}x); `--jobs 1` no more than 1.2x slower "
        f"(measured {median['jobs1'] / median['stock']:.2f}x stock's time).",
        "",
        "All runs (s): " + "; ".join(f"{k}: {', '.join(f'{t:.1f}' for t in v)}"
                                     for k, v in times.items()),
    ]
    write_section("grading", "\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
