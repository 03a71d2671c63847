"""Shared test setup: a non-interactive matplotlib backend and Hypothesis profiles.

Hypothesis profiles (choose with ``HYPOTHESIS_PROFILE=<name>``):

* ``default``: random examples, no per-example deadline (the machine is shared, so
  a deadline would be a timing assertion);
* ``ci``: the same examples on every run (``derandomize``), for reproducible CI.
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

from hypothesis import settings  # noqa: E402

settings.register_profile("default", deadline=None, print_blob=True)
settings.register_profile("ci", deadline=None, print_blob=True, derandomize=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(scope="session")
def playwright_driver():
    """One Playwright driver for the whole session, shared by every browser test module.

    Playwright's sync API runs an asyncio loop of its own while it is started: a second
    ``sync_playwright()`` in the same process (another module's fixture) fails with
    "using Playwright Sync API inside the asyncio loop", so modules share this one.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver
