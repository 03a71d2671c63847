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
    HARNESS,
    INSTALL_HINT,
    REPO,
    Cell,
    LabServer,
    NotebookTab,
    browser_context,
    choose_each_dropdown,
    find_chromium,
    label_problems,
    step_slider,
    widget_outputs,
    write_harness,
)

from convkit.course import ASSIGNMENTS, RELEASE_DIR, SOURCE_DIR, assignment

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SCREENSHOTS = REPO / "screenshots"
#: what the served copy holds (the kernel finds ``images/`` from the notebook's folder)
SERVED = (SOURCE_DIR, RELEASE_DIR, "images")


def _notebooks(folder: str) -> list[str]:
    """Every lesson's notebook in ``folder`` (a missing one fails its test, never skips)."""
    return [f"{folder}/{a.name}/{a.notebook_file}" for a in ASSIGNMENTS]


SOLUTIONS = _notebooks(SOURCE_DIR)
RELEASED = _notebooks(RELEASE_DIR)


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
def context(chromium: str, lab: LabServer, playwright_driver) -> Iterator[object]:
    with browser_context(playwright_driver, chromium) as ctx:
        yield ctx


@dataclass
class Run:
    """A notebook after Run All: the tab, what the page shows, and the saved file."""

    tab: NotebookTab
    cells: list[Cell]
    saved: nbformat.NotebookNode


class Runs:
    """Run each notebook once per session, screenshot it (``screenshots/<folder>/<lesson>.png``)
    and keep the tabs that hold widgets open for the widget tests."""

    def __init__(self, context: object, lab: LabServer) -> None:
        self.context, self.lab = context, lab
        self.done: dict[str, Run] = {}

    def __call__(self, path: str) -> Run:
        assert (self.lab.root / path).is_file(), f"{path} is missing"
        if path not in self.done:
            tab = NotebookTab(self.context, self.lab, path).open()
            cells = tab.run_all()
            folder, lesson = path.split("/")[:2]
            if lesson.endswith(".ipynb"):
                lesson = lesson.removesuffix(".ipynb")
            tab.screenshot_notebook(_shot(folder, f"{lesson}.png"))
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


# --------------------------------------------------------------------------- the lessons


def _lesson(path: str) -> str:
    return path.split("/")[1]


@pytest.mark.parametrize("path", SOLUTIONS, ids=_lesson)
def test_solutions_notebook_runs_to_the_end_without_errors(runs: Runs, path: str) -> None:
    """Run > Run All Cells on the instructor's notebook: every cell runs, nothing is red."""
    run = runs(path)
    code = [c for c in run.cells if c.kind == "code"]
    assert code, f"{path} shows no code cells"
    not_run = [c.index for c in code if not c.executed]
    red = [_describe(run.cells, c.index) for c in code if c.stderr]
    assert red == [], f"{path}: red (stderr/error) output in the browser:\n" + "\n".join(red)
    assert not_run == [], f"{path}: cells {not_run} did not run"
    assert _errors(run.saved) == []
    assert run.tab.console == [], f"{path}: browser console errors: {run.tab.console}"


@pytest.mark.parametrize("path", RELEASED, ids=_lesson)
def test_released_notebook_runs_until_the_first_exercise(runs: Runs, path: str) -> None:
    """Run All on the student's notebook: everything before the first exercise works, and
    what stops it is the exercise's own ``NotImplementedError`` (in the answer cell or in the
    check that calls it), after which nothing runs."""
    run = runs(path)
    first = _first_answer(run.saved)
    assert first is not None, f"{path} has no answer cell"
    errors = _errors(run.saved)
    assert errors, f"{path}: Run All went through; the unanswered exercise should stop it"
    stop, error = errors[0]
    # NotWrittenYet is the check's NotImplementedError naming the exercise not written yet
    assert error.split(":")[0] in ("NotImplementedError", "NotWrittenYet") and stop >= first, (
        f"{path}: Run All stopped at {error!r} in cell {stop}, before the student could "
        f"answer (the first answer cell is cell {first})"
    )
    before = [c for c in run.cells[:stop] if c.kind == "code"]
    red = [_describe(run.cells, c.index) for c in before if c.stderr]
    assert red == [], f"{path}: red output before the first exercise:\n" + "\n".join(red)
    assert [c.index for c in before if not c.executed] == []
    assert not any(c.executed for c in run.cells[stop + 1 :]), "Run All must stop there"
    assert run.tab.console == [], f"{path}: browser console errors: {run.tab.console}"


# --------------------------------------------------------------------------- the widgets

#: labels that do not say what a control chooses
VAGUE_LABELS = {"", "value", "x", "dropdown", "slider", "options", "select", "choose"}


def _solution(lesson: str) -> str:
    a = assignment(lesson)
    return f"{SOURCE_DIR}/{a.name}/{a.notebook_file}"


def _check_labels(output: object, where: str) -> None:
    """Accessibility: every control has a visible, uncut label that says what it chooses."""
    output.scroll_into_view_if_needed()
    assert label_problems(output) == [], where
    labels = output.locator(".widget-dropdown .widget-label, .widget-slider .widget-label")
    assert labels.count() >= 1, f"{where}: no labelled control"
    for text in labels.all_text_contents():
        word = text.strip().rstrip(":").strip().lower()
        assert word not in VAGUE_LABELS and len(word) >= 4, f"{where}: vague label {text!r}"


def test_sliding_window_slider_moves_the_window(runs: Runs) -> None:
    """Lesson 1: focus the slider, press ArrowRight: the window moves one step, the picture
    and the caption change."""
    run = runs(_solution("01_subimages"))
    outputs = widget_outputs(run.tab, "slider")
    assert outputs.count() >= 1, "lesson 1 shows no slider with a picture"
    for i in range(outputs.count()):
        output = outputs.nth(i)
        _check_labels(output, f"sliding window {i + 1}")
        change = step_slider(run.tab, output, shots=_shot("widgets", f"sliding_window_{i + 1}"))
        assert int(change.after) == int(change.before) + 1, change
        assert change.image_changed, "the picture did not change when the window moved"
        assert change.text_after != change.text_before, "the caption did not follow the window"


@pytest.mark.parametrize(
    "lesson, name", [("04_kernels", "kernel_explorer"), ("05_opencv", "opencv_compare")]
)
def test_dropdowns_change_the_picture(runs: Runs, lesson: str, name: str) -> None:
    """Lessons 4 and 5: choosing another value in each dropdown redraws the picture."""
    run = runs(_solution(lesson))
    outputs = widget_outputs(run.tab, "dropdown")
    assert outputs.count() >= 1, f"{lesson} shows no dropdown with a picture"
    for i in range(outputs.count()):
        output = outputs.nth(i)
        _check_labels(output, f"{name} {i + 1}")
        changes = choose_each_dropdown(run.tab, output, shots=_shot("widgets", f"{name}_{i + 1}"))
        assert changes, f"{name} {i + 1} has no dropdown"
        for change in changes:
            assert change.before != change.after, change.control
            assert change.image_changed, (
                f"{name}: choosing {change.after!r} in {change.control!r} "
                "did not change the picture"
            )


# --------------------------------------------------------------------------- nbgrader Validate

#: the lesson whose notebooks the Validate tests use (Validate runs the whole notebook)
VALIDATED = ASSIGNMENTS[1]


@pytest.mark.parametrize("folder", [SOURCE_DIR, RELEASE_DIR])
def test_nbgrader_validate_button(context: object, lab: LabServer, folder: str) -> None:
    """The Validate button nbgrader adds to the notebook toolbar: success on the solutions,
    failure (the exercise's NotImplementedError) on the released notebook."""
    path = f"{folder}/{VALIDATED.name}/{VALIDATED.notebook_file}"
    tab = NotebookTab(context, lab, path).open()
    try:
        success, text, dialog = tab.validate()
        tab.page.screenshot(path=str(_shot("validate", f"{folder}_{VALIDATED.name}.png")))
        if folder == SOURCE_DIR:
            assert success, f"Validate failed on {path}:\n{text}"
            assert "Success! Your notebook passes all the tests." in text
        else:
            assert not success, f"Validate passed on the unanswered {path}"
            assert "The following cell failed" in text and (
                "NotImplementedError" in text or "NotWrittenYet" in text), text
        tab.close_dialog(dialog)
    finally:
        tab.close()
