"""The real parts of the whole-term test (``tests/test_term.py``): Unix users, an exchange, a hub.

No mocks. As root, the test makes what a JupyterHub gives an instructor:

* :class:`Term`: a world-traversable scratch folder holding an nbgrader exchange
  (``chmod 1777``, as the instructors' guide says), the instructor's course copy (owned by
  root) and the students' home folders;
* :class:`Student`: a Unix user made with ``useradd`` (own home, own group), deleted with
  ``userdel --remove`` afterwards, who runs nbgrader with ``runuser`` in a clean environment
  (``env -i``: only ``HOME``, ``USER``, ``PATH``), configured by their own
  ``~/.jupyter/nbgrader_config.py``;
* :func:`student_python`: an interpreter other users can run that imports convkit and
  nbgrader from the course's environment (see its docstring: a venv whose interpreter lives
  under ``/root`` is unreachable for them).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
#: set to 1 (CI does) to make a missing prerequisite a failure instead of a skip
REQUIRE = "CONVKIT_REQUIRE_TERM"
#: a course venv every user can run (``/opt/convkit-venv`` built as the guide says), if any
VENV_VARIABLE = "CONVKIT_TERM_VENV"
#: the PATH students get besides the course venv's bin/
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"


def missing_prerequisite() -> str | None:
    """Why the term cannot be played here (not root, no ``useradd``...), or None."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "the whole-term test makes Unix users for its students: it must run as root"
    for tool in ("useradd", "userdel", "runuser"):
        if shutil.which(tool, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin") is None:
            return f"the whole-term test needs `{tool}` (Debian's passwd / util-linux packages)"
    return None


def tool(name: str) -> str:
    found = shutil.which(name, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")
    assert found, f"{name} not found"
    return found


def run(cmd: list[str], *, cwd: Path, env: dict[str, str] | None = None,
        timeout: float = 300, check: bool = True, what: str = "") -> subprocess.CompletedProcess:
    """Run ``cmd``; with ``check`` fail the test with the step's name and the output's tail."""
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)
    if check and done.returncode != 0:
        raise AssertionError(
            f"{what or cmd[0]} failed (exit {done.returncode}): {' '.join(cmd)}\n"
            f"--- stdout ---\n{done.stdout[-3000:]}\n--- stderr ---\n{done.stderr[-5000:]}")
    return done


def instructor_env(**extra: str) -> dict[str, str]:
    """The instructor's environment: the course venv first on PATH (nbgrader runs alembic)."""
    env = dict(os.environ)
    env["PATH"] = str(BIN) + os.pathsep + env.get("PATH", "")
    env.pop("CONVKIT_COURSE_ROOT", None)
    env.pop("JUPYTER_CONFIG_DIR", None)
    env.update(extra)
    return env


# --------------------------------------------------------------------------- the interpreter


def can_run(user: str, python: Path, code: str = "import convkit, nbgrader") -> tuple[bool, str]:
    """Whether ``user`` can run ``python -c code`` (and what it said if not)."""
    done = subprocess.run(
        [tool("runuser"), "-u", user, "--", "env", "-i", f"PATH={SYSTEM_PATH}", "HOME=/",
         str(python), "-c", code],
        cwd="/", capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    return done.returncode == 0, (done.stdout + done.stderr).strip()[-600:]


def _reachable_site_packages() -> Path | None:
    purelib = Path(sysconfig.get_paths()["purelib"])
    done = subprocess.run([tool("runuser"), "-u", "nobody", "--", "test", "-r",
                           str(purelib / "nbgrader" / "__init__.py")], capture_output=True)
    return purelib if done.returncode == 0 else None


def student_python(scratch: Path) -> tuple[Path, str]:
    """An interpreter the students can run that imports convkit and nbgrader, and how it was
    found.

    1. ``$CONVKIT_TERM_VENV``: a course venv built as the guide's "Running a course on
       JupyterHub" says (``/opt/convkit-venv``); its ``bin/python``.
    2. This test's own interpreter, when another user (``nobody``) can run it.
    3. Otherwise this venv's interpreter is out of their reach (pyenv's Python under
       ``/root``, mode 0700, is what ``python3`` means on the development machines), but its
       packages are not: a venv of the system's Python of the same version (``--without-pip``,
       a fraction of a second) whose ``.pth`` file adds this venv's ``site-packages`` (and so
       its editable convkit). That is the same code the course venv runs, not a second install.
    4. Otherwise (this checkout is out of their reach too, e.g. under ``/root``): the guide's
       recipe in the term's folder, ``python3 -m venv`` and ``pip install`` of this checkout
       (a minute or two more).
    """
    env_venv = os.environ.get(VENV_VARIABLE)
    if env_venv:
        python = Path(env_venv) / "bin" / "python"
        ok, said = can_run("nobody", python)
        assert ok, f"${VENV_VARIABLE}={env_venv}: other users cannot run it: {said}"
        return python, f"${VENV_VARIABLE} ({env_venv})"
    ok, said = can_run("nobody", Path(sys.executable))  # fails at once when unreachable
    if ok:
        return Path(sys.executable), f"the course venv ({sys.prefix})"
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    system = shutil.which(version, path=SYSTEM_PATH) or shutil.which("python3", path=SYSTEM_PATH)
    assert system, (
        f"other users cannot run this venv's Python ({sys.executable}: {said}), and there is "
        f"no system Python to build one from: build a course venv every user can reach "
        f"(autograder/README.md, Running a course on JupyterHub) and set ${VENV_VARIABLE}")
    site = _reachable_site_packages()
    same = Path(system).name == version
    if site is not None and same:
        venv = scratch / "student-venv"
        run([system, "-m", "venv", "--without-pip", str(venv)], cwd=scratch,
            what="python -m venv")
        purelib = venv / "lib" / version / "site-packages"
        (purelib / "convkit-course-venv.pth").write_text(
            f"import site; site.addsitedir({str(site)!r})\n", encoding="utf-8")
        python = venv / "bin" / "python"
        ok, overlay_said = can_run("nobody", python)
        if ok:
            return python, (f"{system} with the course venv's packages ({site}): the venv's "
                            f"own interpreter {Path(sys.executable).resolve()} is unreachable "
                            "for students")
        said += f"; with its packages on {system}: {overlay_said}"
    # 4. the guide's recipe, in the term's folder: slower (a whole pip install), works anywhere
    venv = scratch / "convkit-venv"
    run([system, "-m", "venv", str(venv)], cwd=scratch, what="python -m venv")
    run([str(venv / "bin" / "pip"), "install", "--quiet", str(REPO)], cwd=scratch,
        timeout=1200, what="pip install (the course venv, as the guide builds it)")
    python = venv / "bin" / "python"
    ok, built_said = can_run("nobody", python)
    assert ok, f"the course venv {venv} built as the guide says does not work: {built_said}"
    return python, f"a course venv built as the guide says ({venv}; this one: {said})"


# --------------------------------------------------------------------------- people and places


@dataclass
class Student:
    """A Unix user of the term: a home folder and an nbgrader configuration of their own."""

    user: str
    home: Path
    python: Path

    def env(self) -> list[str]:
        return ["env", "-i", f"HOME={self.home}", f"USER={self.user}", f"LOGNAME={self.user}",
                f"PATH={self.python.parent}:{SYSTEM_PATH}", "LANG=C.UTF-8"]

    def command(self, *args: str) -> list[str]:
        return [tool("runuser"), "-u", self.user, "--", *self.env(), *args]

    def nbgrader(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """``nbgrader ARGS`` as this user, from their home folder (as a hub's terminal)."""
        return run(self.command(str(self.python), "-m", "nbgrader", *args), cwd=self.home,
                   check=check, what=f"{self.user}: nbgrader {args[0]}")

    def start_nbgrader(self, *args: str) -> subprocess.Popen:
        """The same, started in the background (two students at once)."""
        return subprocess.Popen(self.command(str(self.python), "-m", "nbgrader", *args),
                                cwd=self.home, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, text=True)

    def write_config(self, course_id: str, exchange: Path) -> Path:
        """``~/.jupyter/nbgrader_config.py``: the course id and the exchange, nothing else."""
        path = self.home / ".jupyter" / "nbgrader_config.py"
        path.parent.mkdir()
        path.write_text(f"c = get_config()  # noqa: F821\n"
                        f"c.CourseDirectory.course_id = {course_id!r}\n"
                        f"c.Exchange.root = {str(exchange)!r}\n", encoding="utf-8")
        for made in (path.parent, path):
            shutil.chown(made, self.user, self.user)
        return path


def wait_all(processes: dict[str, subprocess.Popen], what: str, timeout: float = 300) -> None:
    """Wait for background commands; fail naming whose failed."""
    problems = []
    for who, process in processes.items():
        out, err = process.communicate(timeout=timeout)
        if process.returncode != 0:
            problems.append(f"{who}: {what} exit {process.returncode}\n{out[-2000:]}\n"
                            f"{err[-4000:]}")
    assert not problems, "\n".join(problems)


@dataclass
class Term:
    """The scratch folder of one term: exchange, course copy, homes, and who was made."""

    base: Path
    suffix: str = field(default_factory=lambda: secrets.token_hex(3))
    users: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def exchange(self) -> Path:
        return self.base / "exchange"

    @property
    def course(self) -> Path:
        return self.base / "course-root"

    @property
    def autograder(self) -> Path:
        return self.course / "autograder"

    @property
    def homes(self) -> Path:
        return self.base / "home"

    def add_student(self, letter: str, python: Path) -> Student:
        """``useradd`` a student ``convkit-stu-<letter>-<suffix>`` with a home of their own."""
        user = f"convkit-stu-{letter}-{self.suffix}"
        home = self.homes / user
        run([tool("useradd"), "--create-home", "--home-dir", str(home), "--shell", "/bin/sh",
             "--user-group", user], cwd=self.base, what="useradd")
        self.users.append(user)
        return Student(user, home, python)

    def remove_users(self) -> None:
        for user in self.users:
            with contextlib.suppress(Exception):
                subprocess.run([tool("userdel"), "--remove", user], capture_output=True,
                               timeout=60)
        self.users.clear()

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[None]:
        start = time.monotonic()
        try:
            yield
        finally:
            self.timings[name] = time.monotonic() - start

    def timing_report(self) -> str:
        total = sum(self.timings.values())
        lines = [f"{name:<34} {seconds:6.1f} s" for name, seconds in self.timings.items()]
        return "\n".join([*lines, f"{'total':<34} {total:6.1f} s"])


@contextlib.contextmanager
def term_folder() -> Iterator[Term]:
    """A fresh :class:`Term` in ``/tmp`` (pytest's own tmp folders are mode 0700, so students
    could not enter them); removed, with every user it made, afterwards."""
    base = Path(tempfile.mkdtemp(prefix="convkit-term-"))
    base.chmod(0o755)
    term = Term(base)
    term.homes.mkdir(mode=0o755)
    try:
        yield term
    finally:
        term.remove_users()
        shutil.rmtree(base, ignore_errors=True)


#: a PostgreSQL server the term's gradebook may live on (``.ci/run`` starts one)
POSTGRES_VARIABLE = "CONVKIT_TEST_POSTGRES_URL"


@contextlib.contextmanager
def postgres_gradebook(suffix: str) -> Iterator[str | None]:
    """A fresh database on ``$CONVKIT_TEST_POSTGRES_URL``'s server for the course's gradebook
    (dropped afterwards), or None (the course's SQLite file) when the variable is not set."""
    server = os.environ.get(POSTGRES_VARIABLE)
    if not server:
        yield None
        return
    import psycopg

    plain = server.replace("postgresql+psycopg://", "postgresql://")
    name = f"convkit_term_{suffix}"
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield plain.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with contextlib.suppress(Exception), psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def copy_course(term: Term, *lessons: str) -> None:
    """The instructor's course: the repository's ``solutions/`` and ``course/`` of
    ``lessons`` (the term's; fewer lessons, less to generate) and
    ``autograder/nbgrader_config.py`` (not its workspace), owned by root."""
    for folder in ("solutions", "course"):
        for lesson in lessons:
            shutil.copytree(REPO / folder / lesson, term.course / folder / lesson)
    term.autograder.mkdir()
    shutil.copy(REPO / "autograder" / "nbgrader_config.py", term.autograder)


def add_settings(term: Term, lines: str) -> None:
    """Append the course's own settings below the ``c.merge(...)`` line, as the guide says."""
    with (term.autograder / "nbgrader_config.py").open("a", encoding="utf-8") as handle:
        handle.write("\n" + lines.strip() + "\n")


def answer(notebook: Path, answers: dict[str, str]) -> None:
    """Write ``answers`` (grade_id -> source) into the student's fetched notebook, in place
    (the file keeps its owner: the student)."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    found = set()
    for cell in nb["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell["source"] = answers[grade_id]
            found.add(grade_id)
    assert found == set(answers), f"no cells {set(answers) - found} in {notebook}"
    notebook.write_text(json.dumps(nb, indent=1), encoding="utf-8")
