"""``convkit grade [SUBMISSIONS_DIR] --out OUT_DIR [--jobs N] [--timeout S] ...``.

With no SUBMISSIONS_DIR, builds the sample class into ``OUT_DIR/sample-submissions``
and grades it: the README's main command.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from convkit.course import course_root

#: default wall-clock seconds per graded function of one student
DEFAULT_TIMEOUT = 10.0


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


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("submissions", nargs="?", type=Path, metavar="SUBMISSIONS_DIR",
                        help="folder of SUBMISSIONS_DIR/<student_id>/<assignment>/<notebook>.ipynb "
                             "(default: build and grade the bundled sample class)")
    parser.add_argument("--out", type=Path, required=True, metavar="OUT_DIR",
                        help="where grades.csv, feedback/, scores.png and the gradebook go")
    parser.add_argument("--jobs", type=_positive_int, default=1, metavar="N",
                        help="graded functions run in parallel (default: 1)")
    parser.add_argument("--timeout", type=_positive_float, default=DEFAULT_TIMEOUT, metavar="S",
                        help=f"seconds each graded function may run (default: {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--course-root", type=Path, default=None, metavar="DIR",
                        help="the course folder with solutions/ and course/ "
                             "(default: $CONVKIT_COURSE_ROOT, else found)")
    parser.add_argument("--salt", default=None,
                        help="secret that seeds each student's hidden inputs "
                             "(default: $CONVKIT_GRADING_SALT, else a public default)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from convkit.grading.jobs import GradingSettings
    from convkit.grading.lock import OutDirBusy
    from convkit.grading.pipeline import Grader
    from convkit.grading.report import format_table
    from convkit.grading.seeds import SALT_ENV, resolve_salt, uses_default_salt

    try:
        root = args.course_root.resolve() if args.course_root else course_root()
    except FileNotFoundError as exc:
        print(f"convkit grade: {exc}", file=sys.stderr)
        return 2
    out_dir = args.out.resolve()
    submissions = args.submissions
    if submissions is None:
        from convkit.grading.sample_class import build_sample_class

        submissions = out_dir / "sample-submissions"
        build_sample_class(submissions, course_root=root)
        print(f"built the sample class in {submissions}", file=sys.stderr)
    settings = GradingSettings(resolve_salt(args.salt), args.timeout)
    if uses_default_salt(settings.salt):
        print(f"note: using the public default salt: set ${SALT_ENV} (or --salt) to a secret "
              "so students cannot compute their hidden test inputs", file=sys.stderr)
    try:
        grader = Grader(submissions, out_dir, root, settings, jobs=args.jobs,
                        progress=not args.no_progress and sys.stderr.isatty()
                        or bool(os.environ.get("CONVKIT_PROGRESS")))
        result = grader.run()
    except (FileNotFoundError, ValueError, OutDirBusy) as exc:
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
    return 0
