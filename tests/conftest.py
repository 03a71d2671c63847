"""Shared test setup: a non-interactive matplotlib backend and Hypothesis profiles.

Hypothesis profiles (choose with ``HYPOTHESIS_PROFILE=<name>``):

* ``default``: random examples, no per-example deadline (the machine is shared, so
  a deadline would be a timing assertion);
* ``ci``: the same examples on every run (``derandomize``), for reproducible CI.
"""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")

from hypothesis import settings  # noqa: E402

settings.register_profile("default", deadline=None, print_blob=True)
settings.register_profile("ci", deadline=None, print_blob=True, derandomize=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
