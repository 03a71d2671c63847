"""The ``convkit`` command line: one sub-command per job.

Each sub-command lives in the module that does the work; this file only parses
arguments and imports that module lazily, so ``convkit --help`` is instant.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# sub-command -> (module, one-line help). Each module has ``add_arguments(parser)``
# and ``run(args) -> int``.
COMMANDS: dict[str, tuple[str, str]] = {
    "grade": (
        "convkit.grading.cli",
        "grade a folder of submissions (or, with no folder, the bundled sample class)",
    ),
    "sample-class": ("convkit.grading.sample_class", "write the sample class's submissions"),
    "export": (
        "convkit.grading.export",
        "write grades.csv as one row per student: a spreadsheet, or Canvas's or Moodle's import",
    ),
    "release": ("convkit.release", "regenerate course/ from solutions/ with nbgrader"),
    "demo": ("convkit.demo", "apply a few kernels to a photo and write a comparison PNG"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="convkit",
        description="The convolution course: reference code, lessons and an autograder.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for name, (_module, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text, description=help_text)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``convkit`` command line and return its exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not argv or argv[0] not in COMMANDS:
        args = parser.parse_args(argv)  # prints help or an error for unknown commands
        parser.print_help()
        return 0 if args.command is None and not argv else 2
    name = argv[0]
    module_name, help_text = COMMANDS[name]
    module = importlib.import_module(module_name)
    sub_parser = argparse.ArgumentParser(prog=f"convkit {name}", description=help_text)
    module.add_arguments(sub_parser)
    return int(module.run(sub_parser.parse_args(argv[1:])) or 0)
