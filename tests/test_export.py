"""``convkit export``: grades.csv to a wide sheet, Canvas's and Moodle's import, read back.

Every test runs the installed ``convkit`` command in a subprocess on files written
the way ``convkit grade`` writes them (``report.write_grades_csv``) or by hand with
the contract's columns, and reads the output back with :mod:`csv`.
"""

from __future__ import annotations

import csv
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from convkit.grading.report import (
    GRADED,
    NOT_SUBMITTED,
    UNGRADABLE,
    UNKNOWN_ASSIGNMENT,
    GradeRow,
    write_grades_csv,
)

CONVKIT = Path(sys.executable).with_name("convkit")

# three assignments, out of 7, 7 and 8; ada gets half points, ben is the one with
# a formula for a folder name, cleo did not hand in 02, dev's 03 could not be graded
ROWS = [
    GradeRow("ada", "01_subimages", 6.5, 7, 5.5, 6, 0, GRADED),
    GradeRow("ada", "02_im_conv", 7, 7, 5, 5, 0, GRADED),
    GradeRow("ada", "03_kernel_flipping", 2.5, 7, 2.5, 5, 2, GRADED),
    GradeRow("=1+1", "01_subimages", 1, 7, 1, 6, 0, GRADED),
    GradeRow("=1+1", "02_im_conv", 0, 7, 0, 5, 0, GRADED),
    GradeRow("=1+1", "03_kernel_flipping", 0, 7, 0, 5, 0, GRADED),
    GradeRow("cleo", "01_subimages", 3, 7, 3, 6, 0, GRADED),
    GradeRow("cleo", "02_im_conv", 0, 7, 0, 5, 0, NOT_SUBMITTED),
    GradeRow("cleo", "03_kernel_flipping", 5, 7, 5, 5, 0, GRADED),
    GradeRow("dev", "01_subimages", 6, 7, 6, 6, 0, GRADED),
    GradeRow("dev", "02_im_conv", 5, 7, 5, 5, 0, GRADED),
    GradeRow("dev", "03_kernel_flipping", 0, 7, 0, 5, 0, UNGRADABLE, "", "not JSON"),
    GradeRow("dev", "99_homework", 0, 0, 0, 0, 0, UNKNOWN_ASSIGNMENT),
]
ASSIGNMENTS = ["01_subimages", "02_im_conv", "03_kernel_flipping"]

ROSTER = [
    ["student", "name", "email", "lms_id", "sis_login_id", "section"],
    ["cleo", "Cleo Park", "cleo@example.org", "1003", "cpark", "A"],
    ["ada", "Lovelace, Ada", "ada@example.org", "1001", "alovelace", "A"],
    ["=1+1", "@SUM(A1:A9)", "ben@example.org", "1002", "-bwhite", "B"],
    ["dev", "Dev Rao", "dev@example.org", "1004", "drao", "B"],
    ["eve", "Eve Absent", "eve@example.org", "1005", "eabsent", "B"],
]


def run_export(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CONVKIT), "export", *map(str, args)], capture_output=True,
                          text=True, timeout=60, check=False)


def read_rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8-sig") as stream:
        return list(csv.reader(stream))


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as stream:
        csv.writer(stream).writerows(rows)
    return path


@pytest.fixture()
def out_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    write_grades_csv(ROWS, folder / "grades.csv")
    return folder


@pytest.fixture()
def roster(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "roster.csv", ROSTER)


def test_wide_without_roster(out_dir: Path, tmp_path: Path) -> None:
    result = run_export(out_dir, "--out", tmp_path / "wide.csv")
    assert result.returncode == 0, result.stderr
    raw = (tmp_path / "wide.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "a spreadsheet needs the BOM to read UTF-8"
    rows = read_rows(tmp_path / "wide.csv")
    assert rows[0] == ["student", *ASSIGNMENTS, "total"]
    assert rows[1] == ["(max points)", "7", "7", "7", "21"]
    body = {row[0]: row[1:] for row in rows[2:]}
    assert list(body) == ["'=1+1", "ada", "cleo", "dev"]  # sorted ids, the formula made text
    assert body["ada"] == ["6.5", "7", "2.5", "16"]
    assert body["cleo"] == ["3", "0", "5", "8"]
    assert body["dev"] == ["6", "5", "0", "11"]
    assert "99_homework" not in rows[0]
    assert "left out (not assignments of the course): 99_homework" in result.stderr
    assert "could not be graded and export as 0: dev/03_kernel_flipping" in result.stderr
    assert "1 grade(s) include written answers not graded yet" in result.stderr


def test_wide_with_roster(out_dir: Path, tmp_path: Path) -> None:
    roster = write_csv(tmp_path / "roster.csv", [
        ["Student", "Name", "Email"],  # header names in any case
        ["ada", "Lovelace, Ada", "ada@example.org"],
        ["eve", "+Eve", "eve@example.org"],
    ])
    result = run_export(out_dir / "grades.csv", "--roster", roster, "--out", tmp_path / "w.csv")
    assert result.returncode == 0, result.stderr
    rows = read_rows(tmp_path / "w.csv")
    assert rows[0] == ["student", "name", "email", *ASSIGNMENTS, "total"]
    assert rows[1] == ["(max points)", "", "", "7", "7", "7", "21"]
    body = {row[0]: row[1:] for row in rows[2:]}
    # roster order first, then graded students the roster lacks (reported, still exported)
    assert list(body) == ["ada", "eve", "'=1+1", "cleo", "dev"]
    assert body["ada"] == ["Lovelace, Ada", "ada@example.org", "6.5", "7", "2.5", "16"]
    assert body["eve"] == ["'+Eve", "eve@example.org", "0", "0", "0", "0"]
    assert body["cleo"][:2] == ["", ""]
    assert "have no grades and export 0 (not submitted): eve" in result.stderr
    assert "not in the roster (exported without roster details): =1+1, cleo, dev" in result.stderr


def test_canvas(out_dir: Path, roster: Path, tmp_path: Path) -> None:
    names = write_csv(tmp_path / "names.csv", [
        ["assignment", "lms_name", "lms_id"],
        ["01_subimages", "Lesson 1: Subimages", "4411"],
        ["02_im_conv", "Lesson 2: im_conv", ""],
    ])
    result = run_export(out_dir, "--format", "canvas", "--roster", roster, "--lms-names", names,
                        "--out", tmp_path / "canvas.csv")
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "canvas.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    rows = read_rows(tmp_path / "canvas.csv")
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                       "Lesson 1: Subimages (4411)", "Lesson 2: im_conv", "03_kernel_flipping"]
    assert rows[1] == ["Points Possible", "", "", "", "", "7", "7", "7"]
    assert rows[2:] == [
        ["Cleo Park", "1003", "", "cpark", "A", "3", "0", "5"],
        ["Lovelace, Ada", "1001", "", "alovelace", "A", "6.5", "7", "2.5"],
        ["'@SUM(A1:A9)", "1002", "", "'-bwhite", "B", "1", "0", "0"],
        ["Dev Rao", "1004", "", "drao", "B", "6", "5", "0"],
        ["Eve Absent", "1005", "", "eabsent", "B", "0", "0", "0"],
    ]
    assert "total" not in {cell.lower() for cell in rows[0]}


def test_moodle(out_dir: Path, roster: Path, tmp_path: Path) -> None:
    result = run_export(out_dir, "--format", "moodle", "--roster", roster,
                        "--assignment", "03_kernel_flipping", "--assignment", "01_subimages",
                        "--out", tmp_path / "moodle.csv")
    assert result.returncode == 0, result.stderr
    rows = read_rows(tmp_path / "moodle.csv")
    assert rows[0] == ["Full name", "ID number", "Email address", "01_subimages",
                       "03_kernel_flipping"]  # course order, whatever the option order
    assert rows[1:] == [  # no maximum row: Moodle reads every row as a student
        ["Cleo Park", "1003", "cleo@example.org", "3", "5"],
        ["Lovelace, Ada", "1001", "ada@example.org", "6.5", "2.5"],
        ["'@SUM(A1:A9)", "1002", "ben@example.org", "1", "0"],
        ["Dev Rao", "1004", "dev@example.org", "6", "0"],
        ["Eve Absent", "1005", "eve@example.org", "0", "0"],
    ]
    assert "'Email address' -> useremail or 'ID number' -> useridnumber" in result.stderr


def test_points_are_short_decimals(tmp_path: Path) -> None:
    grades = write_csv(tmp_path / "grades.csv", [
        ["student", "assignment", "score", "max_score"],  # the contract's columns only
        ["ada", "01_subimages", "2.50000001", "7"],
        ["ada", "02_im_conv", "0.1", "7.0"],
        ["ada", "03_kernel_flipping", "0.2", "7"],
        ["bo", "01_subimages", "0.3333333333", "7"],
        ["bo", "02_im_conv", "-0.0", "7"],
    ])
    result = run_export(grades, "--out", "-")
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(result.stdout.splitlines()))
    assert rows[2] == ["ada", "2.5", "0.1", "0.2", "2.8"]
    assert rows[3] == ["bo", "0.3333", "0", "0", "0.3333"]
    assert "1 missing student/assignment pair(s) export 0" in result.stderr


def test_output_is_readable_by_the_group(out_dir: Path, tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        result = run_export(out_dir, "--out", tmp_path / "wide.csv")
    finally:
        os.umask(old)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE((tmp_path / "wide.csv").stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_help() -> None:
    result = subprocess.run([str(CONVKIT), "export", "--help"], capture_output=True, text=True,
                            timeout=60, check=True)
    for option in ("--format", "--roster", "--lms-names", "--assignment", "--out"):
        assert option in result.stdout


def bad(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    for word in words:
        assert word in result.stderr, result.stderr


def test_unknown_format(out_dir: Path, tmp_path: Path) -> None:
    bad(run_export(out_dir, "--format", "blackboard", "--out", tmp_path / "x.csv"),
        "--format", "invalid choice", "'wide', 'canvas', 'moodle'")
    assert not (tmp_path / "x.csv").exists()


def test_grades_missing_columns(tmp_path: Path) -> None:
    grades = write_csv(tmp_path / "grades.csv", [["student", "assignment", "points"],
                                                 ["ada", "01_subimages", "3"]])
    bad(run_export(grades, "--out", tmp_path / "x.csv"), "GRADES", "missing column(s) score, "
        "max_score")
    assert not (tmp_path / "x.csv").exists()


def test_grades_not_found(tmp_path: Path) -> None:
    bad(run_export(tmp_path, "--out", tmp_path / "x.csv"), "GRADES", "grades.csv",
        "cannot be read")


@pytest.mark.parametrize(("row", "words"), [
    (["ada", "01_subimages", "six", "7"], ("line 3, column score", "'six'")),
    (["ada", "01_subimages", "nan", "7"], ("line 3, column score", "finite")),
    (["ada", "01_subimages", "6", ""], ("line 3, column max_score",)),
    (["", "01_subimages", "6", "7"], ("line 3", "must not be empty")),
    (["ada", "02_im_conv", "6", "7"], ("line 3", "second row", "'ada'", "'02_im_conv'")),
])
def test_grades_bad_rows(tmp_path: Path, row: list[str], words: tuple[str, ...]) -> None:
    grades = write_csv(tmp_path / "grades.csv", [["student", "assignment", "score", "max_score"],
                                                 ["ada", "02_im_conv", "5", "7"], row])
    bad(run_export(grades, "--out", tmp_path / "x.csv"), "GRADES", *words)


def test_duplicate_roster_ids(out_dir: Path, tmp_path: Path) -> None:
    roster = write_csv(tmp_path / "roster.csv", [["student", "name"], ["ada", "Ada"],
                                                 ["cleo", "Cleo"], ["ada", "Ada again"]])
    bad(run_export(out_dir, "--roster", roster, "--out", tmp_path / "x.csv"),
        "--roster", "line 4", "student 'ada' is also on line 2")


def test_two_students_one_lms_account(out_dir: Path, tmp_path: Path) -> None:
    roster = write_csv(tmp_path / "roster.csv", [["student", "email"], ["ada", "A@example.org"],
                                                 ["cleo", "a@example.org"]])
    bad(run_export(out_dir, "--roster", roster, "--out", tmp_path / "x.csv"),
        "--roster", "line 3", "email 'a@example.org' is also on line 2")


def test_roster_without_student_column(out_dir: Path, tmp_path: Path) -> None:
    roster = write_csv(tmp_path / "roster.csv", [["login", "name"], ["ada", "Ada"]])
    bad(run_export(out_dir, "--roster", roster, "--out", tmp_path / "x.csv"),
        "--roster", "no 'student' column", "found login, name")


def test_lms_formats_need_a_roster(out_dir: Path, tmp_path: Path) -> None:
    for fmt in ("canvas", "moodle"):
        bad(run_export(out_dir, "--format", fmt, "--out", tmp_path / "x.csv"),
            f"--roster is required with --format {fmt}")


def test_lms_formats_refuse_students_missing_from_the_roster(out_dir: Path,
                                                             tmp_path: Path) -> None:
    roster = write_csv(tmp_path / "roster.csv", ROSTER[:3])
    bad(run_export(out_dir, "--format", "canvas", "--roster", roster, "--out",
                   tmp_path / "x.csv"), "--roster", "missing from the roster: =1+1, dev")


def test_canvas_needs_an_id(out_dir: Path, tmp_path: Path) -> None:
    roster = write_csv(tmp_path / "roster.csv", [["student", "name", "lms_id"],
                                                 ["ada", "Ada", "1"], ["=1+1", "Ben", "2"],
                                                 ["cleo", "Cleo", ""], ["dev", "Dev", "4"]])
    bad(run_export(out_dir, "--format", "canvas", "--roster", roster, "--out",
                   tmp_path / "x.csv"), "--roster", "Canvas needs lms_id", "missing for cleo")


def test_moodle_needs_one_complete_identifier(out_dir: Path, tmp_path: Path) -> None:
    roster = write_csv(tmp_path / "roster.csv", [["student", "email", "lms_id"],
                                                 ["ada", "ada@example.org", ""],
                                                 ["=1+1", "", "2"], ["cleo", "c@x.org", "3"],
                                                 ["dev", "d@x.org", "4"]])
    bad(run_export(out_dir, "--format", "moodle", "--roster", roster, "--out",
                   tmp_path / "x.csv"), "--roster", "email (missing for =1+1)",
        "lms_id (Moodle's ID number; missing for ada)")


def test_unknown_assignment_option(out_dir: Path, tmp_path: Path) -> None:
    bad(run_export(out_dir, "--assignment", "04_kernels", "--out", tmp_path / "x.csv"),
        "--assignment '04_kernels'", "01_subimages, 02_im_conv, 03_kernel_flipping")


def test_refuses_to_overwrite_the_grades(out_dir: Path) -> None:
    before = (out_dir / "grades.csv").read_bytes()
    bad(run_export(out_dir, "--out", out_dir / "grades.csv"), "--out", "the grades file itself")
    assert (out_dir / "grades.csv").read_bytes() == before


def test_neutralise_every_formula_start() -> None:
    from convkit.grading.export import neutralise

    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "\0x"):
        assert neutralise(text) == "'" + text
    for text in ("Ada", "", "1-2", "a=b", "'=quoted already"):
        assert neutralise(text) == text


def test_roster_separated_by_semicolons(out_dir: Path, tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("student;name\nada;Ada\n", encoding="utf-8")
    bad(run_export(out_dir, "--roster", roster, "--out", tmp_path / "x.csv"),
        "--roster", "no 'student' column", "separated by semicolons")


def test_nothing_to_export(tmp_path: Path) -> None:
    write_grades_csv([], tmp_path / "grades.csv")
    bad(run_export(tmp_path, "--out", tmp_path / "x.csv"), "GRADES", "no grades to export")
