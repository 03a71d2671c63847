"""Grading on Dask with the real parts: ``convkit grade`` subprocesses, a real ``dask scheduler``
and two ``dask worker`` processes on 127.0.0.1.

* ``--jobs 2`` (a LocalCluster) and the external cluster give the same grades.csv as
  ``--jobs 1``;
* a worker SIGKILLed mid-run changes nothing: its tasks run again on the other worker,
  every submission is in the gradebook once;
* a whole ``--jobs 2`` run SIGKILLed part-way: while it runs, a second run on the same
  OUT_DIR is refused (the lock); started again, it grades only what was not done, runs in
  the sandbox only the functions whose verdicts were not cached, and ends with the same
  grades.csv;
* the salt is on no process's command line.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grading")]

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SALT = "dask-test-salt-7c1e"
#: the sample class cut to its first two lessons (02_im_conv holds dev's broken notebook and
#: eve's loop): what is compared here is the route, not the lessons, and each lesson costs time
KEPT = ("01_subimages", "02_im_conv")
NOTEBOOKS = 12  #: 6 students x 2 assignments


def _env() -> dict[str, str]:
    env = dict(os.environ, CONVKIT_GRADING_SALT=SALT, MPLBACKEND="Agg")
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.pop("CONVKIT_COURSE_ROOT", None)
    return env


def _grade(submissions: Path, out: Path, *where: str) -> list[str]:
    return [str(BIN / "convkit"), "grade", str(submissions), "--out", str(out), *where,
            "--timeout", "3", "--no-progress", "--course-root", str(ROOT)]


def _run(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, env=_env(), capture_output=True, text=True, timeout=600)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _markers(out: Path) -> int:
    return sum(1 for _ in (out / ".nbgrader" / "done").rglob("*.json"))


def _verdicts(out: Path) -> int:
    return sum(1 for _ in (out / ".nbgrader" / "verdicts").rglob("*.json"))


def _wait_for(predicate, proc: subprocess.Popen, seconds: float = 300) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def _cmdlines() -> list[str]:
    lines = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                lines.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(
                    "utf-8", "replace"))
            except OSError:
                continue
    return lines


class Cluster:
    """A real ``dask scheduler`` and ``dask worker`` processes, each in its own session."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = _free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.scheduler = self._start("scheduler", ["scheduler", "--host", "127.0.0.1",
                                                   "--port", str(self.port), "--no-dashboard"])
        self.workers: list[subprocess.Popen] = []

    def _start(self, name: str, args: list[str]) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
        return subprocess.Popen([str(BIN / "dask"), *args], env=_env(), stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)

    def add_worker(self) -> subprocess.Popen:
        n = len(self.workers)
        worker = self._start(f"worker{n}", [
            "worker", self.address, "--nthreads", "1", "--nworkers", "1", "--host", "127.0.0.1",
            "--no-dashboard", "--name", f"w{n}", "--local-directory",
            str(self.folder / f"w{n}")])
        self.workers.append(worker)
        return worker

    def wait_for_workers(self, n: int, seconds: float = 90) -> None:
        from distributed import Client

        with Client(self.address, timeout="30s") as client:
            client.wait_for_workers(n, timeout=seconds)

    def kill(self, proc: subprocess.Popen) -> None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()

    def close(self) -> None:
        for proc in [*self.workers, self.scheduler]:
            self.kill(proc)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dask-cluster")
    found = Cluster(folder)
    try:
        found.add_worker()
        found.add_worker()
        found.wait_for_workers(2)
        yield found
    finally:
        found.close()


@pytest.fixture(scope="module")
def submissions(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("dask-class") / "class"
    made = _run([str(BIN / "convkit"), "sample-class", "--out", str(folder), "--course-root",
                 str(ROOT)])
    assert made.returncode == 0, made.stderr
    for handin in folder.glob("*/*"):
        if handin.name not in KEPT:
            shutil.rmtree(handin)
    return folder


@pytest.fixture(scope="module")
def reference(submissions, tmp_path_factory) -> Path:
    """The class graded by ``--jobs 1``: the grades every other way must give."""
    out = tmp_path_factory.mktemp("dask-ref") / "jobs1"
    done = _run(_grade(submissions, out, "--jobs", "1"))
    assert done.returncode == 0, done.stderr[-3000:]
    return out


def _same_grades(out: Path, reference: Path) -> None:
    assert (out / "grades.csv").read_text() == (reference / "grades.csv").read_text()
    pages = sorted(p.relative_to(out).as_posix() for p in (out / "feedback").rglob("*.html"))
    assert pages == sorted(p.relative_to(reference).as_posix()
                           for p in (reference / "feedback").rglob("*.html"))
    assert len(pages) == NOTEBOOKS


def _submissions_in_gradebook(out: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(out / "gradebook.db") as db:
        return db.execute("SELECT student_id, assignment.name FROM submitted_assignment "
                          "JOIN assignment ON assignment.id = submitted_assignment.assignment_id"
                          ).fetchall()


def test_jobs2_equals_jobs1(submissions, reference, tmp_path):
    out = tmp_path / "jobs2"
    done = _run(_grade(submissions, out, "--jobs", "2"))
    assert done.returncode == 0, done.stderr[-3000:]
    _same_grades(out, reference)
    stats = (out / ".nbgrader" / "run-stats.json").read_text()
    assert '"workers": 2' in stats


def test_an_external_cluster_gives_the_same_grades(cluster, submissions, reference, tmp_path):
    out = tmp_path / "cluster"
    done = _run(_grade(submissions, out, "--scheduler", cluster.address))
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"autograded {NOTEBOOKS} notebook(s)" in done.stderr
    _same_grades(out, reference)
    again = _run(_grade(submissions, out, "--scheduler", cluster.address))
    assert "autograded 0 notebook(s)" in again.stderr, again.stderr[-2000:]
    assert (out / "grades.csv").read_text() == (reference / "grades.csv").read_text()


def test_a_worker_killed_mid_run_changes_nothing(cluster, submissions, reference, tmp_path):
    out = tmp_path / "killed-worker"
    proc = subprocess.Popen(_grade(submissions, out, "--scheduler", cluster.address),
                            env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        started = _wait_for(lambda: _markers(out) >= 4, proc)
        victim = cluster.workers[0]
        running = proc.poll() is None
        cluster.kill(victim)
        stdout, stderr = proc.communicate(timeout=600)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert started and running, "the run finished before a worker could be killed"
    assert proc.returncode == 0, stderr[-3000:]
    assert f"autograded {NOTEBOOKS} notebook(s)" in stderr
    _same_grades(out, reference)
    rows = _submissions_in_gradebook(out)
    assert len(rows) == len(set(rows)) == NOTEBOOKS - 1  # dev's broken notebook has none


def test_a_killed_run_resumes_with_its_lock_and_cache_guarantees(submissions, reference,
                                                                  tmp_path):
    out = tmp_path / "killed-run"
    proc = subprocess.Popen(_grade(submissions, out, "--jobs", "2"), env=_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        assert _wait_for(lambda: _markers(out) >= 1, proc), "no submission was ever finished"
        # the lock: a second run on the same OUT_DIR is refused while this one runs
        second = _run(_grade(submissions, out, "--jobs", "1"))
        salted = [line for line in _cmdlines() if SALT in line]
        _wait_for(lambda: _markers(out) >= NOTEBOOKS // 2, proc)
        running = proc.poll() is None
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert running, "the run finished before it could be killed"
    assert second.returncode == 2 and "another `convkit grade` is writing" in second.stderr
    assert salted == [], "the salt is on a command line"
    finished, cached = _markers(out), _verdicts(out)
    assert finished < NOTEBOOKS
    resumed = _run(_grade(submissions, out, "--jobs", "2"))
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    found = re.search(r"autograded (\d+) notebook\(s\) in this run \((\d+) sandboxed function "
                      r"runs\); (\d+) were already up to date", resumed.stderr)
    assert found, resumed.stderr[-2000:]
    regraded, runs, up_to_date = map(int, found.groups())
    # nothing finished is graded twice; nothing is lost
    assert (regraded, up_to_date) == (NOTEBOOKS - finished, finished)
    # every verdict cached before the kill is reused: the sandbox ran only the new ones
    assert runs == _verdicts(out) - cached
    _same_grades(out, reference)
    rows = _submissions_in_gradebook(out)
    assert len(rows) == len(set(rows)) == NOTEBOOKS - 1
