"""Grading at scale: seconds per notebook of ``convkit grade`` on Dask against stock nbgrader.

A class of ``--students`` (60) students made from the sample class (each of its six
students copied under new ids, so every copy gets its own hidden inputs), all five
assignments, graded from scratch (a fresh output folder: no cached verdict helps) by

* ``convkit grade --jobs 1`` and ``--jobs 2`` (a ``distributed.LocalCluster``);
* ``convkit grade --scheduler`` on a real ``dask scheduler`` with two ``dask worker``
  processes on 127.0.0.1;
* stock nbgrader: ``nbgrader autograde`` then ``nbgrader generate_feedback`` per assignment,
  in a scratch course with nbgrader's own configuration (its ``Execute`` runs every cell of
  every notebook in a kernel), on ``--stock-students`` of the students (it is slow).

For each: wall seconds per notebook, speed-up over ``--jobs 1``, CPU seconds per notebook of
the main ``convkit grade`` process (from its ``OUT_DIR/.nbgrader/run-stats.json``) and the
peak memory of each worker process. Then one run of ``--jobs 2`` on a synthetic class of
``--big`` (1,000) students handing in one assignment, and what it predicts for N workers.
Results go to ``benchmarks/results.md`` (section ``grading``).

Run: ``.venv/bin/python benchmarks/bench_grading.py [--students 60] [--timeout 3]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
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
SALT = "bench-grading-salt"
BIG_ASSIGNMENT = "02_im_conv"
#: the synthetic class rotates these (eve's endless loop would only measure the timeout)
BIG_STUDENTS = ("ada_correct", "ben_mistakes", "cleo_blank", "dev_broken_json",
                "finn_cheater")

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
    env = dict(os.environ, CONVKIT_GRADING_SALT=SALT, MPLBACKEND="Agg")
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.pop("CONVKIT_COURSE_ROOT", None)
    return env


def make_class(sample: Path, target: Path, students: int,
               names: tuple[str, ...] = STUDENTS, assignments: tuple[str, ...] = ()) -> int:
    """``students`` hand-ins copied round-robin from the sample class; returns notebooks."""
    shutil.rmtree(target, ignore_errors=True)
    notebooks = 0
    for i in range(students):
        source = sample / names[i % len(names)]
        for folder in sorted(source.iterdir()):
            if assignments and folder.name not in assignments:
                continue
            shutil.copytree(folder, target / f"{names[i % len(names)]}_{i:04d}" / folder.name)
            notebooks += 1
    return notebooks


def time_convkit(submissions: Path, out: Path, course_root: Path, timeout: float,
                 *where: str) -> dict:
    """One fresh ``convkit grade`` run: wall seconds and the run's own statistics."""
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    done = subprocess.run([str(BIN / "convkit"), "grade", str(submissions), "--out", str(out),
                           *where, "--timeout", str(timeout), "--no-progress",
                           "--course-root", str(course_root)],
                          env=_env(), capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"convkit grade failed:\n{done.stderr[-3000:]}")
    stats = json.loads((out / ".nbgrader" / "run-stats.json").read_text())
    stats["wall"] = wall
    stats["grades"] = (out / "grades.csv").read_text()
    return stats


def stock_course(course_root: Path, submissions: Path, scratch: Path, timeout: float,
                 assignments: list[str]) -> Path:
    """A scratch nbgrader course with stock settings, assignments generated, class submitted."""
    root = scratch / "stock-course"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    shutil.copytree(course_root / SOURCE_DIR, root / "solutions")
    shutil.copytree(submissions, root / "submitted")
    (root / "nbgrader_config.py").write_text(
        STOCK_CONFIG.format(root=str(root), timeout=max(1, round(timeout))), encoding="utf-8")
    for name in assignments:
        subprocess.run([str(BIN / "nbgrader"), "generate_assignment", name, "--force",
                        "--log-level=ERROR"], cwd=root, env=_env(), check=True,
                       capture_output=True)
    return root


def time_stock(root: Path, assignments: list[str]) -> float:
    """Seconds for nbgrader's autograde and generate_feedback of every assignment in turn."""
    start = time.perf_counter()
    for name in assignments:
        for step in ("autograde", "generate_feedback"):
            subprocess.run([str(BIN / "nbgrader"), step, name, "--force",
                            "--log-level=ERROR"], cwd=root, env=_env(), check=False,
                           capture_output=True)
    return time.perf_counter() - start


class Cluster:
    """``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1."""

    def __init__(self, folder: Path, workers: int = 2) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.address = f"tcp://127.0.0.1:{port}"
        folder.mkdir(parents=True, exist_ok=True)
        self.procs = [self._start(["scheduler", "--host", "127.0.0.1", "--port", str(port),
                                   "--no-dashboard"], folder / "scheduler.log")]
        for n in range(workers):
            self.procs.append(self._start(
                ["worker", self.address, "--nthreads", "1", "--nworkers", "1", "--host",
                 "127.0.0.1", "--no-dashboard", "--local-directory", str(folder / f"w{n}")],
                folder / f"worker{n}.log"))
        from distributed import Client

        with Client(self.address, timeout="30s") as client:
            client.wait_for_workers(workers, timeout=120)

    @staticmethod
    def _start(args: list[str], log: Path) -> subprocess.Popen:
        return subprocess.Popen([str(BIN / "dask"), *args], env=_env(),
                                stdout=open(log, "wb"),  # noqa: SIM115
                                stderr=subprocess.STDOUT, start_new_session=True)

    def close(self) -> None:
        for proc in self.procs:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()


def _peak(stats: dict) -> str:
    peaks = sorted(stats.get("worker_peak_rss_mb", {}).values())
    return ", ".join(f"{p:.0f}" for p in peaks) or "-"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=60)
    parser.add_argument("--stock-students", type=int, default=12)
    parser.add_argument("--big", type=int, default=1000)
    parser.add_argument("--timeout", type=float, default=3.0)
    parser.add_argument("--course-root", type=Path, default=HERE.parent)
    parser.add_argument("--no-write", action="store_true",
                        help="print the section without writing benchmarks/results.md")
    args = parser.parse_args()
    put_python_scripts_on_path()
    course_root = args.course_root.resolve()
    assignments = sorted(available_assignments(course_root))
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="convkit-bench-grading-") as tmp:
        scratch = Path(tmp)
        sample = scratch / "sample"
        build_sample_class(sample, course_root=course_root)
        klass = scratch / "class" / "submissions"
        n_notebooks = make_class(sample, klass, args.students)
        stats = {}
        stats["jobs1"] = time_convkit(klass, scratch / "out-j1", course_root, args.timeout,
                                      "--jobs", "1")
        print(f"jobs1 {stats['jobs1']['wall']:.1f} s", flush=True)
        stats["jobs2"] = time_convkit(klass, scratch / "out-j2", course_root, args.timeout,
                                      "--jobs", "2")
        print(f"jobs2 {stats['jobs2']['wall']:.1f} s", flush=True)
        cluster = Cluster(scratch / "cluster")
        try:
            stats["dask2"] = time_convkit(klass, scratch / "out-d2", course_root,
                                          args.timeout, "--scheduler", cluster.address)
        finally:
            cluster.close()
        print(f"dask2 {stats['dask2']['wall']:.1f} s", flush=True)
        same = stats["jobs1"]["grades"] == stats["jobs2"]["grades"] == stats["dask2"]["grades"]
        stock_class = scratch / "stock-class" / "submissions"
        n_stock = make_class(sample, stock_class, args.stock_students)
        root = stock_course(course_root, stock_class, scratch / "stock", args.timeout,
                            assignments)
        stock_wall = time_stock(root, assignments)
        print(f"stock {stock_wall:.1f} s for {n_stock} notebooks", flush=True)
        big = scratch / "big" / "submissions"
        n_big = make_class(sample, big, args.big, BIG_STUDENTS, (BIG_ASSIGNMENT,))
        stats["big"] = time_convkit(big, scratch / "out-big", course_root, args.timeout,
                                    "--jobs", "2")
        print(f"big {stats['big']['wall']:.1f} s for {n_big} notebooks", flush=True)
    load_after = os.getloadavg()

    per = {k: stats[k]["wall"] / n_notebooks for k in ("jobs1", "jobs2", "dask2")}
    stock_per = stock_wall / n_stock
    cpu = {k: stats[k]["main_cpu_seconds"] / stats[k]["notebooks"] for k in stats}
    rows = [("`convkit grade --jobs 1`", "jobs1"), ("`convkit grade --jobs 2`", "jobs2"),
            ("`convkit grade --scheduler` (2 `dask worker`s)", "dask2")]
    lines = [
        "## Grading at scale",
        "",
        machine_line() + f", {os.cpu_count()} cores; 1-minute load average "
        f"{load_before[0]:.1f} before, {load_after[0]:.1f} after (other sessions' tests shared "
        "the machine when above the core count)",
        "",
        f"`.venv/bin/python benchmarks/bench_grading.py --students {args.students}`. A class "
        f"of {args.students} students made from the sample class (its {len(STUDENTS)} students "
        f"copied under new ids), {len(assignments)} assignments: {n_notebooks} notebooks, "
        f"graded from scratch, once each; timeout {args.timeout:g} s per graded function "
        "(convkit) or per cell (stock). One task per submission: rebuild, sandbox runs, "
        "nbgrader's autograde and generate_feedback in the worker.",
        "",
        "| grader | seconds (class) | seconds per notebook | vs `--jobs 1` | main process "
        "CPU s per notebook | peak memory per worker (MB) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, key in rows:
        lines.append(f"| {label} | {stats[key]['wall']:.1f} | {per[key]:.3f} | "
                     f"{per['jobs1'] / per[key]:.2f}x | {cpu[key]:.3f} | {_peak(stats[key])} |")
    lines.append(f"| stock `nbgrader autograde` + `generate_feedback` ({n_stock} notebooks: "
                 f"{args.stock_students} students) | {stock_wall:.1f} | {stock_per:.3f} | "
                 f"{per['jobs1'] / stock_per:.2f}x | - | - |")
    speedup = per["jobs1"] / per["jobs2"]
    big = stats["big"]
    big_per = big["wall"] / n_big
    task_per = big["task_seconds"] / max(big["graded_in_run"], 1)
    main_per = big["main_cpu_seconds"] / n_big
    fixed = big["main_cpu_setup"]
    lines += [
        "",
        f"Same grades.csv from `--jobs 1`, `--jobs 2` and the cluster: {same}. Targets: "
        f"`--jobs 2` at least 1.8x `--jobs 1` (measured {speedup:.2f}x: "
        f"{'met' if speedup >= 1.8 else 'MISSED'}); main process under 0.1 s CPU per notebook "
        f"(measured {cpu['jobs2']:.3f} s with `--jobs 2`, whose in-process scheduler it "
        f"includes: {'met' if cpu['jobs2'] < 0.1 else 'MISSED'}).",
        "",
        f"**1,000 students.** A synthetic class of {n_big} students handing in "
        f"`{BIG_ASSIGNMENT}` (round-robin copies of {', '.join(BIG_STUDENTS)}), `--jobs 2`: "
        f"{big['wall']:.0f} s, {big_per:.3f} s per notebook; a task took {task_per:.2f} s of "
        f"worker time on average; the main process spent {big['main_cpu_seconds']:.1f} s of "
        f"CPU ({main_per * 1000:.1f} ms per notebook, {fixed:.1f} s of it setting up). "
        f"Predicted wall time for {n_big} notebooks on N single-threaded workers with a core "
        f"each: about {fixed:.0f} s + {n_big} x {task_per:.2f} s / N, so "
        + ", ".join(f"N={n}: {fixed + n_big * task_per / n:.0f} s" for n in (4, 16, 64))
        + f"; the main process stops keeping up at about N = {task_per / main_per:.0f} "
        "workers (one task's worker time over the main process's CPU per notebook), past "
        "which it is the bound.",
        "",
        "Main-process CPU per run (s): " + "; ".join(
            f"{k}: {stats[k]['main_cpu_seconds']:.1f} ({stats[k]['main_cpu_setup']:.1f} set-up, "
            f"{stats[k]['main_cpu_rows_and_files']:.1f} table and histogram)" for k in stats),
    ]
    if not args.no_write:
        write_section("grading", "\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
