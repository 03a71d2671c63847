"""Collection rules for the whole run: ``tests/`` and the doctests of ``convkit/``.

``pyproject.toml`` collects the docstring examples of every ``convkit`` module
(``--doctest-modules``). Left out here:

* ``convkit/grading/_runner.py``: the sandbox starts it by path (``python -I
  _runner.py``), it is never imported as a module, and importing it for its
  docstrings would run nothing useful.
* a module whose optional dependency is not installed (``_OPTIONAL``): importing it
  would fail the collection rather than say what is missing.
"""

from __future__ import annotations

import importlib.util
import os

# the doctests draw figures (tests/conftest.py does the same for the tests)
os.environ.setdefault("MPLBACKEND", "Agg")

#: module file -> the import it needs beyond convkit's required dependencies
_OPTIONAL: dict[str, str] = {}

collect_ignore = ["convkit/grading/_runner.py"]
collect_ignore += [
    path for path, module in _OPTIONAL.items() if importlib.util.find_spec(module) is None
]
