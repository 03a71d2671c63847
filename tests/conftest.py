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
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is in the test extra
        reason = "the Python package playwright is not installed (pip install playwright)"
        if os.environ.get("CONVKIT_REQUIRE_BROWSER") == "1":
            pytest.fail(f"CONVKIT_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    with sync_playwright() as driver:
        yield driver
