"""The gradebook on a real PostgreSQL server (``convkit grade --db``), and the gradebook records.

The server is the one ``.ci/run`` starts (``$CONVKIT_TEST_POSTGRES_URL``), else a
throw-away one this module starts from Debian's ``postgresql`` binaries (``initdb`` and
``pg_ctl`` in a temporary folder, on a loopback port; as the ``postgres`` user when run as
root). Without PostgreSQL binaries the module is skipped with that reason, unless
``CONVKIT_REQUIRE_POSTGRES=1`` (CI) makes it a failure.

* the sample class graded with ``--db`` (two workers writing the server at once) gives
  the same grades.csv and pages as the default SQLite gradebook, and its gradebook holds
  the same records;
* a second run changes nothing; a person's grade given in the server's gradebook reaches
  grades.csv and only that student's feedback is redone;
* records written twice leave the same rows (SQLite and PostgreSQL).
"""

from __future__ import annotations

import glob
import html
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from dataclasses import replace
from pathlib import Path

import pytest

from convkit.grading.gradebook import (
    engine_for,
    grade_cells,
    read_records,
    sqlalchemy_url,
    write_record,
)
from convkit.grading.report import read_grades_csv

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grading")]

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SALT = "postgres-test-salt"
URL_ENV = "CONVKIT_TEST_POSTGRES_URL"


def _env() -> dict[str, str]:
    env = dict(os.environ, CONVKIT_GRADING_SALT=SALT, MPLBACKEND="Agg")
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.pop("CONVKIT_COURSE_ROOT", None)
    return env


def _run(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, env=_env(), capture_output=True, text=True, timeout=600)


def _grade(submissions: Path, out: Path, *more: str) -> list[str]:
    return [str(BIN / "convkit"), "grade", str(submissions), "--out", str(out), "--jobs", "2",
            "--timeout", "3", "--no-progress", "--course-root", str(ROOT), *more]


def _postgres_bin() -> Path | None:
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(folder) / "initdb").is_file():
            return Path(folder)
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("CONVKIT_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"CONVKIT_REQUIRE_POSTGRES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


class Server:
    """A throw-away PostgreSQL cluster in ``folder``, listening on 127.0.0.1 only."""

    def __init__(self, binaries: Path, folder: Path) -> None:
        self.bin = binaries
        self.data = folder / "data"
        self.log = folder / "server.log"
        self.folder = folder
        as_root = os.geteuid() == 0
        self.prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
        if as_root:  # initdb refuses to run as root: the postgres user owns the cluster
            import pwd

            user = pwd.getpwnam("postgres")
            os.chown(folder, user.pw_uid, user.pw_gid)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self._do("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync",
                 "-E", "UTF8")
        self._do("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o",
                 f"-p {self.port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off",
                 "start")
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _do(self, tool: str, *args: str) -> None:
        done = subprocess.run([*self.prefix, str(self.bin / tool), *args], capture_output=True,
                              text=True, timeout=120, cwd="/")
        if done.returncode != 0:
            log = self.log.read_text() if self.log.is_file() else ""
            raise RuntimeError(f"{tool} failed: {done.stdout}{done.stderr}{log}")

    def stop(self) -> None:
        try:
            self._do("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture(scope="module")
def server_url(tmp_path_factory):
    """The URL of a PostgreSQL server's maintenance database."""
    if os.environ.get(URL_ENV):
        yield os.environ[URL_ENV]
        return
    binaries = _postgres_bin()
    if binaries is None:
        _skip_or_fail("no PostgreSQL binaries (initdb, pg_ctl): apt-get install postgresql")
    # not under pytest's temporary folder: the postgres user cannot enter that one
    server = Server(binaries, Path(tempfile.mkdtemp(prefix="convkit-test-postgres-")))
    try:
        yield server.url
    finally:
        server.stop()


def _new_database(server_url: str) -> str:
    import psycopg

    name = f"convkit_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url.replace("postgresql+psycopg://", "postgresql://"),
                         autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(scope="module")
def runs(server_url, tmp_path_factory):
    base = tmp_path_factory.mktemp("pg")
    submissions = base / "class"
    made = _run([str(BIN / "convkit"), "sample-class", "--out", str(submissions),
                 "--course-root", str(ROOT)])
    assert made.returncode == 0, made.stderr
    for handin in submissions.glob("*/*"):  # two lessons (dev's broken and eve's looping
        if handin.name not in ("01_subimages", "02_im_conv"):  # notebooks among them) suffice
            shutil.rmtree(handin)
    url = _new_database(server_url)
    sqlite_out, pg_out = base / "sqlite", base / "pg"
    lite = _run(_grade(submissions, sqlite_out))
    assert lite.returncode == 0, lite.stderr[-3000:]
    pg = _run(_grade(submissions, pg_out, "--db", url))
    assert pg.returncode == 0, pg.stderr[-3000:]
    return {"submissions": submissions, "url": url, "sqlite": sqlite_out, "pg": pg_out,
            "first": pg}


def _pages(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes()
            for p in sorted((out / "feedback").rglob("*.html"))}


def test_the_server_gradebook_gives_the_same_grades_as_sqlite(runs):
    assert not (runs["pg"] / "gradebook.db").exists()
    assert (runs["pg"] / "grades.csv").read_text() == (runs["sqlite"] / "grades.csv").read_text()
    assert sorted(_pages(runs["pg"])) == sorted(_pages(runs["sqlite"]))
    pg = engine_for(runs["url"])
    lite = engine_for(f"sqlite:///{runs['sqlite'] / 'gradebook.db'}")
    try:
        assert read_records(pg) == read_records(lite)
    finally:
        pg.dispose()
        lite.dispose()


def test_no_password_or_salt_is_written_into_the_work_course(runs):
    work = runs["pg"] / ".nbgrader"  # nbgrader_config.py loads work-course.json
    config = (work / "nbgrader_config.py").read_text() + (work / "work-course.json").read_text()
    assert sqlalchemy_url(runs["url"]) in config
    assert SALT not in config


def test_a_second_run_and_a_persons_grade_through_the_server(runs):
    again = _run(_grade(runs["submissions"], runs["pg"], "--db", runs["url"]))
    assert again.returncode == 0, again.stderr[-2000:]
    assert "autograded 0 notebook(s)" in again.stderr
    assert again.stdout == runs["first"].stdout
    before = _pages(runs["pg"])
    engine = engine_for(runs["url"])
    try:
        record = read_records(engine, [("ada_correct", "02_im_conv")])["ada_correct",
                                                                        "02_im_conv"]
        maxima = grade_cells(engine)["02_im_conv"]
        written = {g.name for g in record.grades if maxima[g.name][1] == "markdown"}
        assert written
        graded = replace(record, grades=tuple(
            replace(g, manual_score=maxima[g.name][0], needs_manual_grade=False)
            if g.name in written else g for g in record.grades))
        write_record(engine, graded)
    finally:
        engine.dispose()
    third = _run(_grade(runs["submissions"], runs["pg"], "--db", runs["url"]))
    assert third.returncode == 0, third.stderr[-2000:]
    assert "autograded 0 notebook(s)" in third.stderr
    assert "refreshed the feedback of 1 notebook(s)" in third.stderr
    rows = {(r["student"], r["assignment"]): r
            for r in read_grades_csv(runs["pg"] / "grades.csv")}
    ada = rows["ada_correct", "02_im_conv"]
    assert float(ada["manual_pending"]) == 0
    assert float(ada["score"]) == float(ada["max_score"])
    page = (runs["pg"] / "feedback" / "ada_correct" / "02_im_conv" / "im_conv.html").read_text()
    assert "written answer: graded by your instructor" in html.unescape(page)
    after = _pages(runs["pg"])
    changed = sorted(name for name in after if after[name] != before.get(name))
    assert changed == ["feedback/ada_correct/02_im_conv/im_conv.html"]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_record_written_twice_leaves_the_same_rows(runs, backend, tmp_path):
    if backend == "sqlite":
        copy = tmp_path / "gradebook.db"
        shutil.copy(runs["sqlite"] / "gradebook.db", copy)
        url = f"sqlite:///{copy}"
    else:
        url = runs["url"]
    engine = engine_for(url)
    try:
        before = read_records(engine)
        for record in before.values():
            write_record(engine, record)
            write_record(engine, record)
        assert read_records(engine) == before
    finally:
        engine.dispose()
