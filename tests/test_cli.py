"""The ``convkit`` command and ``python -m convkit`` list their commands and dispatch to them."""

from __future__ import annotations

import subprocess
import sys

import pytest

from convkit.cli import COMMANDS, main


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    out = capsys.readouterr().out
    for name in COMMANDS:
        assert name in out


def test_unknown_command_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as excinfo:
        main(["no-such-command"])
    assert excinfo.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as excinfo:
        main([name, "--help"])
    assert excinfo.value.code == 0
    assert f"convkit {name}" in capsys.readouterr().out


def test_python_dash_m_convkit() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "convkit", "--help"], capture_output=True, text=True, check=True
    )
    for name in COMMANDS:
        assert name in result.stdout


def test_console_script_is_installed() -> None:
    from importlib.metadata import entry_points

    scripts = {ep.name: ep.value for ep in entry_points(group="console_scripts")}
    assert scripts.get("convkit") == "convkit.cli:main"


# convkit grade's options ------------------------------------------------------------------
def _grade_args(*argv: str):
    import argparse

    from convkit.grading.cli import add_arguments

    parser = argparse.ArgumentParser(prog="convkit grade")
    add_arguments(parser)
    return parser.parse_args(list(argv))


def test_grade_has_no_salt_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as excinfo:
        main(["grade", "--out", "out", "--salt", "s3cret"])
    assert excinfo.value.code == 2
    err = capsys.readouterr().err
    assert "--salt is not an option" in err and "--salt-file PATH" in err
    assert "s3cret" not in err


def test_jobs_and_scheduler_exclude_each_other(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as excinfo:
        main(["grade", "--out", "out", "--jobs", "2", "--scheduler", "tcp://127.0.0.1:8786"])
    assert excinfo.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_the_salt_file_gives_the_salt(tmp_path, monkeypatch) -> None:
    from convkit.grading.cli import read_salt

    monkeypatch.setenv("CONVKIT_GRADING_SALT", "from-env")
    path = tmp_path / "salt"
    path.write_text("  s3cret-salt  \nsecond line ignored\n")
    assert read_salt(path) == "s3cret-salt"
    assert read_salt(None) == "from-env"
    path.write_text("\n\n")
    with pytest.raises(ValueError, match="--salt-file .* is empty"):
        read_salt(path)
    with pytest.raises(ValueError, match="--salt-file .* cannot be read"):
        read_salt(tmp_path / "missing")


def test_the_cli_builds_one_context_protecting_every_folder(tmp_path, monkeypatch) -> None:
    from convkit.grading.cli import build_context

    monkeypatch.setenv("CONVKIT_GRADING_SALT", "env-salt")
    course, out, handins = tmp_path / "course", tmp_path / "out", tmp_path / "handins"
    for folder in (course, handins):
        folder.mkdir()
    args = _grade_args(str(handins), "--out", str(out), "--timeout", "3", "--memory", "512",
                       "--db", "postgresql://grader@db.example/grades")
    ctx = build_context(args, course, handins)
    assert (ctx.salt, ctx.timeout, ctx.memory_mb) == ("env-salt", 3.0, 512)
    assert ctx.db_url == "postgresql+psycopg://grader@db.example/grades"
    assert ctx.release == out.resolve() / ".nbgrader" / "students-release"
    for folder in (course, out, out / ".nbgrader", handins):
        assert str(folder.resolve()) in ctx.hidden_folders
    default = build_context(_grade_args(str(handins), "--out", str(out)), course, handins)
    from convkit.grading.context import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT

    assert (default.timeout, default.memory_mb, default.db_url) == (
        DEFAULT_TIMEOUT, DEFAULT_MEMORY_MB, None)


def test_an_unreachable_scheduler_is_named() -> None:
    import socket

    from convkit.grading.engine import Engine

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(ConnectionError, match=f"--scheduler tcp://127.0.0.1:{port}"):
        with Engine(scheduler=f"tcp://127.0.0.1:{port}"):
            pass
    with pytest.raises(ValueError, match="scheduler must be an address"):
        Engine(scheduler="127.0.0.1:8786")
    with pytest.raises(ValueError, match="jobs must be an int of at least 1"):
        Engine(jobs=0)
