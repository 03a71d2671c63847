"""``convkit grade [SUBMISSIONS_DIR] --out OUT_DIR [--jobs N | --scheduler ADDRESS]
[--db URL | --course-gradebook]``.

The course's settings (course id, exchange, late work) come from its
``autograder/nbgrader_config.py`` and the instructor's lines of
``OUT_DIR/.nbgrader/nbgrader_config.py`` (:func:`read_settings`); ``--course-gradebook``
grades into the course's own gradebook and folders.

With no SUBMISSIONS_DIR, builds the sample class into ``OUT_DIR/sample-submissions``
and grades it: the README's main command. Exit status: 0 when every submission has its
row (a score of 0 is a result), 1 when the grader itself failed on some notebook (those are
retried by the next run), 2 on a usage problem.

The salt never goes on a command line (any process can read another's arguments in
``/proc``): it comes from ``--salt-file PATH`` or ``$CONVKIT_GRADING_SALT``, and travels
to the workers inside the :class:`~convkit.grading.context.GradingContext`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from convkit.course import course_root
from convkit.grading.context import (
    DEFAULT_MEMORY_MB,
    DEFAULT_TIMEOUT,
    MIN_MEMORY_MB,
    GradingContext,
)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1; got {value}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds; got {text}")
    return value


def _memory(text: str) -> int:
    value = int(text)
    if value < MIN_MEMORY_MB:
        raise argparse.ArgumentTypeError(f"must be at least {MIN_MEMORY_MB} MB; got {value}")
    return value


class _NoSaltOption(argparse.Action):
    """``--salt`` is refused (and not taken for an abbreviation of ``--salt-file``)."""

    def __call__(self, parser, namespace, values, option_string=None):
        parser.error("--salt is not an option: a command line can be read by every user of the "
                     "machine; put the salt in a file (--salt-file PATH) or in "
                     "$CONVKIT_GRADING_SALT")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("submissions", nargs="?", type=Path, metavar="SUBMISSIONS_DIR",
                        help="folder of SUBMISSIONS_DIR/<student_id>/<assignment>/<notebook>.ipynb "
                             "(default: build and grade the bundled sample class)")
    parser.add_argument("--out", type=Path, required=True, metavar="OUT_DIR",
                        help="where grades.csv, feedback/, scores.png and the gradebook go")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--jobs", type=_positive_int, default=1, metavar="N",
                       help="local worker processes, each grading whole submissions "
                            "(a Dask LocalCluster; default: 1)")
    where.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help="grade on an existing Dask cluster, e.g. tcp://10.0.0.5:8786 "
                            "(its workers need convkit installed; see autograder/README.md)")
    book = parser.add_mutually_exclusive_group()
    book.add_argument("--db", default=None, metavar="URL",
                      help="nbgrader's gradebook on a database server, e.g. "
                           "postgresql://grader@dbhost/convolution (default: the SQLite "
                           "file OUT_DIR/gradebook.db)")
    book.add_argument("--course-gradebook", action="store_true",
                      help="grade into the course's own gradebook and folders (the "
                           "CourseDirectory.db_url of autograder/nbgrader_config.py, by default "
                           "autograder/gradebook.db; autograder/autograded and "
                           "autograder/feedback), so formgrader, nbgrader export and "
                           "release_feedback run from autograder/ see these grades")
    parser.add_argument("--timeout", type=_positive_float, default=DEFAULT_TIMEOUT, metavar="S",
                        help=f"seconds each graded function may run (default: {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--memory", type=_memory, default=DEFAULT_MEMORY_MB, metavar="MB",
                        help="memory limit of each sandboxed run "
                             f"(default: {DEFAULT_MEMORY_MB})")
    parser.add_argument("--course-root", type=Path, default=None, metavar="DIR",
                        help="the course folder with solutions/ and course/ "
                             "(default: $CONVKIT_COURSE_ROOT, else found)")
    parser.add_argument("--salt-file", type=Path, default=None, metavar="PATH",
                        help="file holding the secret that seeds each student's hidden inputs "
                             "(default: $CONVKIT_GRADING_SALT, else a public default)")
    parser.add_argument("--salt", nargs="?", action=_NoSaltOption, help=argparse.SUPPRESS)
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def read_salt(path: Path | None) -> str:
    """The salt: the first line of ``path``, else ``$CONVKIT_GRADING_SALT``, else the default.

    Raises
    ------
    ValueError
        When ``path`` cannot be read or holds no salt.
    """
    from convkit.grading.seeds import resolve_salt

    if path is None:
        return resolve_salt(None)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"--salt-file {path} cannot be read: {exc}") from None
    salt = text.strip().splitlines()[0].strip() if text.strip() else ""
    if not salt:
        raise ValueError(f"--salt-file {path} is empty")
    return salt


def build_context(args: argparse.Namespace, root: Path, submissions: Path) -> GradingContext:
    """The run's one GradingContext, from the command line."""
    from convkit.grading.gradebook import sqlalchemy_url
    from convkit.grading.workcourse import WORK_DIR

    out_dir = args.out.resolve()
    work = out_dir / WORK_DIR
    db_url = sqlalchemy_url(args.db) if args.db else None
    settings, gradebook = read_settings(root, out_dir)
    course_gradebook = bool(getattr(args, "course_gradebook", False))
    book_file = None
    if course_gradebook:
        if gradebook.startswith("sqlite:///"):
            book_file = gradebook[len("sqlite:///"):]
        else:
            db_url = sqlalchemy_url(gradebook)
    return GradingContext(
        course_root=str(root), salt=read_salt(args.salt_file), timeout=args.timeout,
        memory_mb=args.memory, release_dir=str(work / "students-release"), out_dir=str(out_dir),
        submissions_dir=str(submissions.resolve()),
        protected=tuple(str(p) for p in (root, out_dir, work, submissions.resolve())),
        db_url=db_url, gradebook=book_file, course_gradebook=course_gradebook,
        nbgrader_settings=json.dumps(settings))


def read_settings(root: Path, out_dir: Path) -> tuple[dict, str]:
    """The course's shared nbgrader settings and its gradebook URL.

    The settings are those of ``autograder/nbgrader_config.py``, overridden by the
    instructor's lines in ``OUT_DIR/.nbgrader/nbgrader_config.py``; the gradebook is the
    course's ``CourseDirectory.db_url``.

    Raises
    ------
    ValueError
        When a configuration file cannot be read or holds settings that are not plain data.
    """
    from convkit.course import COURSE_CONFIG, load_course_config, shared_settings
    from convkit.grading.late import late_settings
    from convkit.grading.workcourse import WORK_DIR, user_settings

    try:
        config = load_course_config(root)
        settings = shared_settings(config)
    except Exception as exc:  # the instructor's Python file: any error is theirs to fix
        raise ValueError(f"{root / COURSE_CONFIG} cannot be read: {exc}") from None
    try:
        extra = user_settings(out_dir)
    except Exception as exc:
        raise ValueError(f"{out_dir / WORK_DIR / 'nbgrader_config.py'} cannot be read: "
                         f"{exc}") from None
    for section, values in extra.items():
        settings.setdefault(section, {}).update(values)
    late_settings(settings)  # a bad due date or extension is a usage error, before grading
    gradebook = str(config.CourseDirectory.get(
        "db_url", f"sqlite:///{root / 'autograder' / 'gradebook.db'}"))
    return settings, gradebook


def run(args: argparse.Namespace) -> int:
    from convkit.grading.engine import TaskCrashed
    from convkit.grading.lock import OutDirBusy
    from convkit.grading.pipeline import Grader
    from convkit.grading.report import format_table
    from convkit.grading.seeds import SALT_ENV, uses_default_salt

    try:
        root = args.course_root.resolve() if args.course_root else course_root()
    except FileNotFoundError as exc:
        print(f"convkit grade: {exc}", file=sys.stderr)
        return 2
    out_dir = args.out.resolve()
    submissions = args.submissions
    try:
        context = build_context(args, root, submissions or out_dir / "sample-submissions")
    except ValueError as exc:
        print(f"convkit grade: {exc}", file=sys.stderr)
        return 2
    if submissions is None:
        from convkit.grading.sample_class import build_sample_class

        submissions = out_dir / "sample-submissions"
        build_sample_class(submissions, course_root=root)
        print(f"built the sample class in {submissions}", file=sys.stderr)
    if uses_default_salt(context.salt):
        print(f"note: using the public default salt: set ${SALT_ENV} (or --salt-file) to a "
              "secret so students cannot compute their hidden test inputs", file=sys.stderr)
    try:
        grader = Grader(context, jobs=args.jobs, scheduler=args.scheduler,
                        progress=not args.no_progress and sys.stderr.isatty()
                        or bool(os.environ.get("CONVKIT_PROGRESS")))
        result = grader.run()
    except (FileNotFoundError, ValueError, OutDirBusy, ConnectionError, TaskCrashed) as exc:
        print(f"convkit grade: {exc}", file=sys.stderr)
        return 2
    print(f"autograded {result.regraded} notebook(s) in this run ({result.sandbox_runs} sandboxed "
          f"function runs); {result.up_to_date} were already up to date", file=sys.stderr)
    if result.refreshed:
        print(f"refreshed the feedback of {result.refreshed} notebook(s) graded by a person "
              "since the last run", file=sys.stderr)
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(format_table(result.rows))
    print()
    print(f"grades:    {result.csv_path}")
    print(f"feedback:  {out_dir / 'feedback'}/<student>/<assignment>/<notebook>.html")
    print(f"histogram: {out_dir / 'scores.png'}")
    if result.failed:
        print(f"convkit grade: the grader failed on {result.failed} notebook(s) (their rows say "
              "so, and the logs are in OUT_DIR/.nbgrader/logs); run again to retry them",
              file=sys.stderr)
        return 1
    return 0
