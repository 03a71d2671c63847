"""The student's experience in a real browser: JupyterLab in Chromium, driven by Playwright.

One JupyterLab (started here on 127.0.0.1, a free port, a token and private
config folders) serves a temporary copy of ``course/`` and ``solutions/``; each
test opens a notebook the way a student does and uses the menus, widgets and
nbgrader's Validate button. Screenshots land in ``screenshots/`` (git-ignored).

Needs a Chromium binary (Debian: ``apt-get install chromium``); without one the
tests skip, unless ``CONVKIT_REQUIRE_BROWSER=1`` (CI) makes that a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from browser_helpers import (
    CHROMIUM_ARGS,
    HARNESS,
    INSTALL_HINT,
    REPO,
    VIEWPORT,
    Cell,
    LabServer,
    NotebookTab,
    choose_each_dropdown,
    find_chromium,
    label_problems,
    step_slider,
    widget_outputs,
    write_harness,
)

from convkit.course import ASSIGNMENTS, RELEASE_DIR, SOURCE_DIR

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SCREENSHOTS = REPO / "screenshots"
#: what the served copy holds (the kernel finds ``images/`` from the notebook's folder)
SERVED = (SOURCE_DIR, RELEASE_DIR, "images")


def _existing(folder: str) -> list[str]:
    return [
        f"{folder}/{a.name}/{a.notebook_file}"
        for a in ASSIGNMENTS
        if (REPO / folder / a.name / a.notebook_file).is_file()
    ]


SOLUTIONS = _existing(SOURCE_DIR)
RELEASED = _existing(RELEASE_DIR)


# --------------------------------------------------------------------------- fixtures


def _unavailable(reason: str) -> None:
    if os.environ.get("CONVKIT_REQUIRE_BROWSER") == "1":
        pytest.fail(f"CONVKIT_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> str:
    path = find_chromium()
    if path is None:
        _unavailable(INSTALL_HINT)
    return path


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A throw-away copy of the course that JupyterLab serves (runs never write the repo)."""
    root = tmp_path_factory.mktemp("served")
    for name in SERVED:
        if (REPO / name).is_dir():
            shutil.copytree(
                REPO / name, root / name, ignore=shutil.ignore_patterns(".ipynb_checkpoints")
            )
    write_harness(root)
    return root


@pytest.fixture(scope="session")
def lab(
    chromium: str, served: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LabServer]:
    server = LabServer(served, tmp_path_factory.mktemp("lab-state")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def context(chromium: str, lab: LabServer) -> Iterator[object]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is in the test extra
        _unavailable("the Python package playwright is not installed (pip install playwright)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=list(CHROMIUM_ARGS))
        ctx = browser.new_context(viewport=VIEWPORT)
        try:
            yield ctx
        finally:
            ctx.close()
            browser.close()


@dataclass
class Run:
    """A notebook after Run All: the tab, what the page shows, and the saved file."""

    tab: NotebookTab
    cells: list[Cell]
    saved: nbformat.NotebookNode


class Runs:
    """Run each notebook once per session; keep the tabs that hold widgets open."""

    def __init__(self, context: object, lab: LabServer) -> None:
        self.context, self.lab = context, lab
        self.done: dict[str, Run] = {}

    def __call__(self, path: str) -> Run:
        if path not in self.done:
            tab = NotebookTab(self.context, self.lab, path).open()
            cells = tab.run_all()
            tab.save()
            saved = nbformat.read(self.lab.root / path, as_version=4)
            run = Run(tab, cells, saved)
            has_widgets = any(
                o["mime"] == "application/vnd.jupyter.widget-view+json"
                for c in cells
                for o in c.outputs
            )
            if not has_widgets:
                tab.close()
            self.done[path] = run
        return self.done[path]

    def close(self) -> None:
        for run in self.done.values():
            run.tab.close()


@pytest.fixture(scope="session")
def runs(context: object, lab: LabServer) -> Iterator[Runs]:
    cache = Runs(context, lab)
    try:
        yield cache
    finally:
        cache.close()


def _shot(*parts: str) -> Path:
    path = SCREENSHOTS.joinpath(*parts)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


# --------------------------------------------------------------------------- reading a run


def _errors(nb: nbformat.NotebookNode) -> list[tuple[int, str]]:
    """(cell index, "ename: evalue") of every error output in the saved notebook."""
    return [
        (i, f"{out.get('ename')}: {out.get('evalue')}")
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.output_type == "error"
    ]


def _first_answer(nb: nbformat.NotebookNode) -> int | None:
    """Index of the first code cell a student must fill in (nbgrader ``solution``)."""
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution"):
            return i
    return None


def _describe(cells: list[Cell], index: int) -> str:
    text = " | ".join(cells[index].stderr)[:600]
    return f"cell {index} ({cells[index].prompt}): {text}"


# --------------------------------------------------------------------------- the harness


def test_harness_sees_what_a_student_sees(runs: Runs) -> None:
    """The machinery itself: red output, the error that stops Run All, widget updates."""
    run = runs(HARNESS)
    cells = run.cells
    assert [c.kind for c in cells] == ["markdown"] + ["code"] * 5
    assert cells[1].executed and cells[1].outputs[0]["text"] == "42"
    assert "a warning is red too" in " ".join(cells[2].stderr)
    assert "ZeroDivisionError" in " ".join(cells[4].stderr)
    assert not cells[5].executed, "Run All must stop at the first error"
    assert _errors(run.saved) == [(4, "ZeroDivisionError: division by zero")]

    output = widget_outputs(run.tab, "dropdown").first
    assert label_problems(output) == []
    (shade,) = choose_each_dropdown(run.tab, output)
    assert (shade.control, shade.before, shade.after) == ("Shade:", "dark", "grey")
    assert shade.image_changed
    step = step_slider(run.tab, output)
    assert (step.control, step.before, step.after) == ("Window position", "0", "1")
    assert step.image_changed
