"""Write one benchmark's table into ``benchmarks/results.md``.

Each benchmark owns one section, delimited by HTML comments, so the scripts can
run in any order and rewrite only their own figures.
"""

from __future__ import annotations

import platform
import re
from datetime import date
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results.md"
HEADER = (
    "# Benchmark results\n\n"
    "Written by the scripts in `benchmarks/` (`make bench`);"
    " each section says how it was measured.\n"
)


def machine_line() -> str:
    """One line naming the machine and the day, for the top of a section."""
    return f"_{date.today().isoformat()}, {platform.machine()}, Python {platform.python_version()}_"


def write_section(name: str, markdown: str, path: Path = RESULTS) -> None:
    """Replace (or append) the section called ``name`` with ``markdown``."""
    begin, end = f"<!-- BEGIN {name} -->", f"<!-- END {name} -->"
    block = f"{begin}\n{markdown.strip()}\n{end}"
    text = path.read_text(encoding="utf-8") if path.exists() else HEADER
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else f"{text}\n{block}\n"
    path.write_text(text, encoding="utf-8")
