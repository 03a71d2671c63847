"""Hand-ins are read as files, never followed, and no hand-in can stop the class's run.

Unit tests of :func:`convkit.grading.intake.read_handin` on real files (links, FIFOs,
folders, sizes), and one class graded with the real ``convkit grade`` holding every
bad hand-in next to good ones: each bad one is a row that says why, the others are
graded, the exit code is 0.
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest
from handins import REPO, answered_notebook, grade_rows, run_grade, write_handin

from convkit.grading.intake import (
    MAX_CELLS,
    MAX_NOTEBOOK_BYTES,
    MAX_TIMESTAMP_BYTES,
    Ungradable,
    check_name,
    read_handin,
)


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "submitted" / "ada" / "01_subimages"
    folder.mkdir(parents=True)
    (folder / "subimages.ipynb").write_bytes(b'{"cells": []}')
    return tmp_path / "submitted"


def _reason(path: Path, root: Path, **kwargs) -> str:
    with pytest.raises(Ungradable) as info:
        read_handin(path, root, **kwargs)
    assert isinstance(info.value, ValueError)
    assert str(info.value) == info.value.reason
    return info.value.reason


def test_a_regular_file_is_read(root: Path) -> None:
    path = root / "ada" / "01_subimages" / "subimages.ipynb"
    assert read_handin(path, root) == b'{"cells": []}'
    assert read_handin(Path("ada/01_subimages/subimages.ipynb"), root) == b'{"cells": []}'


def test_the_submissions_folder_itself_may_be_a_link(root: Path, tmp_path: Path) -> None:
    (tmp_path / "alias").symlink_to(root)
    alias = tmp_path / "alias"
    assert read_handin(alias / "ada" / "01_subimages" / "subimages.ipynb", alias)


def test_a_linked_notebook_is_refused(root: Path, tmp_path: Path) -> None:
    secret = tmp_path / "solutions.ipynb"
    secret.write_text('{"cells": [], "secret": "### BEGIN HIDDEN TESTS"}')
    link = root / "ada" / "01_subimages" / "linked.ipynb"
    link.symlink_to(secret)
    reason = _reason(link, root)
    assert reason.startswith("ada/01_subimages/linked.ipynb is a symbolic link")
    assert "never what a link points to" in reason


@pytest.mark.parametrize("level", ["student", "assignment"])
def test_a_linked_folder_anywhere_on_the_path_is_refused(root: Path, tmp_path: Path,
                                                         level: str) -> None:
    elsewhere = tmp_path / "elsewhere" / "01_subimages"
    elsewhere.mkdir(parents=True)
    (elsewhere / "subimages.ipynb").write_text('{"cells": []}')
    if level == "student":
        (root / "ben").symlink_to(elsewhere.parent)
        path, shown = root / "ben" / "01_subimages" / "subimages.ipynb", "ben"
    else:
        (root / "cleo").mkdir()
        (root / "cleo" / "01_subimages").symlink_to(elsewhere)
        path, shown = root / "cleo" / "01_subimages" / "subimages.ipynb", "cleo/01_subimages"
    assert _reason(path, root) == (f"{shown} is a symbolic link; the grader reads only the files "
                                   "themselves, never what a link points to")


def test_paths_that_leave_the_submissions_folder_are_refused(root: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.ipynb"
    outside.write_text("{}")
    assert "goes up a folder" in _reason(root / "ada" / ".." / ".." / "outside.ipynb", root)
    assert "not a file inside the submissions folder" in _reason(outside, root)
    assert "not a file inside the submissions folder" in _reason(root, root)


def test_what_is_not_a_regular_file_is_refused(root: Path, monkeypatch) -> None:
    folder = root / "ada" / "01_subimages"
    os.mkfifo(folder / "fifo.ipynb")  # a reader would block forever on a FIFO
    assert "is not a regular file (a named pipe)" in _reason(folder / "fifo.ipynb", root)
    (folder / "dir.ipynb").mkdir()
    assert "is not a regular file (a folder)" in _reason(folder / "dir.ipynb", root)
    with socket.socket(socket.AF_UNIX) as sock:
        monkeypatch.chdir(folder)  # a relative name: AF_UNIX paths are limited to 107 bytes
        sock.bind("sock.ipynb")
        assert "(a socket)" in _reason(folder / "sock.ipynb", root)
    assert _reason(folder / "nothing.ipynb", root) == \
        "ada/01_subimages/nothing.ipynb does not exist"
    assert "is not a folder" in _reason(folder / "subimages.ipynb" / "x", root)


def test_files_beyond_the_size_limit_are_refused_without_reading_them(root: Path) -> None:
    big = root / "ada" / "01_subimages" / "big.ipynb"
    with big.open("wb") as handle:  # sparse: 25 MiB + 1 byte, written in no time
        handle.truncate(MAX_NOTEBOOK_BYTES + 1)
    assert "is 25.0 MB, more than the 25.0 MB a hand-in may be" in _reason(big, root)
    stamp = root / "ada" / "01_subimages" / "timestamp.txt"
    stamp.write_bytes(b"2026-12-01 10:00:00\n" * 300)
    assert "more than the 4.0 KB" in _reason(stamp, root, max_bytes=MAX_TIMESTAMP_BYTES)
    with big.open("wb") as handle:
        handle.truncate(MAX_NOTEBOOK_BYTES)
    assert len(read_handin(big, root)) == MAX_NOTEBOOK_BYTES  # the limit itself is fine


def test_names_formgrader_would_show_as_markup_are_refused(root: Path) -> None:
    for name in ("x<img src=x onerror=alert(1)>", 'a"b', "a'b", "a&b", "a`b", "tab\there"):
        folder = root / name / "01_subimages"
        folder.mkdir(parents=True)
        (folder / "subimages.ipynb").write_text("{}")
        assert "formgrader would show as markup" in _reason(folder / "subimages.ipynb", root)
    fine = root / "Ada Lovelace-2.0+x@uni.org" / "01_subimages"
    fine.mkdir(parents=True)
    (fine / "subimages.ipynb").write_text("{}")
    assert read_handin(fine / "subimages.ipynb", root) == b"{}"
    assert check_name("ada_l") == "ada_l"


def test_max_bytes_is_checked(root: Path) -> None:
    with pytest.raises(ValueError, match="max_bytes"):
        read_handin(root / "ada" / "01_subimages" / "subimages.ipynb", root, max_bytes=-1)


# --------------------------------------------------------------------------- a whole class

LESSON, NOTEBOOK = "01_subimages", "subimages"
#: a student folder whose name is a script (formgrader shows student ids unescaped)
MARKUP_NAME = "kim<img src=x onerror=alert(1)>"


def _bad_class(submissions: Path, tmp_path: Path) -> dict[str, str]:
    """Write the class; returns student -> words their ungradable reason must hold."""
    good = answered_notebook(LESSON, NOTEBOOK)
    write_handin(submissions, "ada_good", LESSON, NOTEBOOK, good)

    surrogate = json.dumps(good).replace('"cells": [', '"cells": [{"cell_type": "code", '
                                         '"metadata": {}, "source": "# \\udead", '
                                         '"outputs": [], "execution_count": null}, ', 1)
    write_handin(submissions, "bea_surrogate", LESSON, NOTEBOOK, surrogate.encode())

    expect = {}
    # the instructor's notebook, reached through a link (as an unzipped archive can hold)
    link = submissions / "carl_link" / LESSON / f"{NOTEBOOK}.ipynb"
    link.parent.mkdir(parents=True)
    link.symlink_to(REPO / "solutions" / LESSON / f"{NOTEBOOK}.ipynb")
    expect["carl_link"] = "is a symbolic link"
    elsewhere = tmp_path / "elsewhere"
    write_handin(elsewhere, "x", LESSON, NOTEBOOK, good)
    (submissions / "dina_linked_folder").mkdir()
    (submissions / "dina_linked_folder" / LESSON).symlink_to(elsewhere / "x" / LESSON)
    expect["dina_linked_folder"] = "dina_linked_folder/01_subimages is a symbolic link"
    fifo = submissions / "eli_fifo" / LESSON / f"{NOTEBOOK}.ipynb"
    fifo.parent.mkdir(parents=True)
    os.mkfifo(fifo)
    expect["eli_fifo"] = "not a regular file (a named pipe)"
    big = write_handin(submissions, "fay_huge", LESSON, NOTEBOOK, b"")
    with big.open("wb") as handle:
        handle.truncate(MAX_NOTEBOOK_BYTES + 10)
    expect["fay_huge"] = "more than the 25.0 MB a hand-in may be"
    write_handin(submissions, "gus_deep", LESSON, NOTEBOOK,
                 b'{"cells": ' + b"[" * 200_000 + b"]" * 200_000 + b"}")
    expect["gus_deep"] = "nests JSON arrays or objects more than 64 deep"
    write_handin(submissions, "hal_bad_utf8", LESSON, NOTEBOOK,
                 json.dumps(good).encode().replace(b"import", b"imp\xff\xfeort", 1))
    expect["hal_bad_utf8"] = "not UTF-8 text"
    many = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": ""}] * (MAX_CELLS + 1),
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    write_handin(submissions, "ivy_many_cells", LESSON, NOTEBOOK, many)
    expect["ivy_many_cells"] = "2,001 cells, more than the 2,000"
    long = json.loads(json.dumps(good))
    next(c for c in long["cells"] if c["cell_type"] == "code")["source"] = "#" * 200_001
    write_handin(submissions, "jo_long_source", LESSON, NOTEBOOK, long)
    expect["jo_long_source"] = "200,001 characters, more than the 200,000"
    write_handin(submissions, MARKUP_NAME, LESSON, NOTEBOOK, good)
    expect[MARKUP_NAME] = "formgrader would show as markup"
    return expect


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory: pytest.TempPathFactory):
    """The class of bad hand-ins, graded once by the real ``convkit grade``."""
    tmp_path = tmp_path_factory.mktemp("bad-class")
    submissions, out = tmp_path / "submitted", tmp_path / "out"
    expect = _bad_class(submissions, tmp_path)
    before = sorted((p.relative_to(submissions), p.is_symlink()) for p in submissions.rglob("*"))
    run = run_grade(submissions, out)
    after = sorted((p.relative_to(submissions), p.is_symlink()) for p in submissions.rglob("*"))
    return run, out, expect, before == after


@pytest.mark.slow
def test_a_class_of_bad_handins_is_graded_to_the_end(graded_class) -> None:
    run, out, _expect, unchanged = graded_class
    assert run.returncode == 0, run.stderr[-3000:]
    assert unchanged  # nothing was followed or changed in SUBMISSIONS_DIR
    for student in ("ada_good", "bea_surrogate"):
        row = grade_rows(out)[(student, LESSON)]
        assert row["status"] == "graded", (student, row)
        assert float(row["auto_score"]) == float(row["auto_max"]) > 0, (student, row)
    feedback = (out / "feedback" / "bea_surrogate" / LESSON / f"{NOTEBOOK}.html").read_text()
    assert "the grader read it as \ufffd" in feedback  # the note reaches the student


@pytest.mark.slow
@pytest.mark.parametrize("student", ["carl_link", "dina_linked_folder", "eli_fifo", "fay_huge",
                                     "gus_deep", "hal_bad_utf8", "ivy_many_cells",
                                     "jo_long_source", MARKUP_NAME])
def test_each_bad_handin_is_one_ungradable_row_that_says_why(graded_class, student) -> None:
    run, out, expect, _unchanged = graded_class
    assert run.returncode == 0, run.stderr[-3000:]
    row = grade_rows(out)[(student, LESSON)]
    assert row["status"] == "ungradable", row
    assert expect[student] in row["notes"], row["notes"]
    assert float(row["score"]) == 0
    page = (out / "feedback" / student / LESSON / f"{NOTEBOOK}.html").read_text()
    assert "could not be graded" in page
    assert "BEGIN HIDDEN TESTS" not in page and "BEGIN SOLUTION" not in page
