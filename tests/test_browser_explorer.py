"""The kernel explorer's custom kernel in a real browser: JupyterLab in Chromium, Playwright.

A throw-away notebook, written here into a temporary folder (the course's
notebooks are not touched), imports and displays the explorer. The test runs
it through JupyterLab's menu, finds the grid of number boxes beside the
dropdowns, types weights into it as a student would (click, type, Tab) and
checks that the picture the page shows changed, byte for byte, and that the
``Kernel:`` dropdown now reads ``Custom``. Screenshots land in
``screenshots/explorer-*.png`` (git-ignored).

Needs a Chromium binary (Debian: ``apt-get install chromium``); without one the
test skips, unless ``CONVKIT_REQUIRE_BROWSER=1`` (CI) makes that a failure,
as in ``tests/test_browser.py``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from browser_helpers import (
    INSTALL_HINT,
    REPO,
    VIEWPORT,
    LabServer,
    NotebookTab,
    browser_context,
    find_chromium,
    label_problems,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SCREENSHOTS = REPO / "screenshots"
NOTEBOOK = "explorer/explorer.ipynb"

#: the throw-away notebook: what lesson 4's last cell does, with a kernel whose grid is
#: easy to read (nine 1s divided by 9)
CELLS = [
    ("markdown", "# The kernel explorer\nA throw-away notebook for the browser test."),
    (
        "code",
        "from convkit.widgets.kernel_explorer import kernel_explorer\n"
        "\n"
        'kernel_explorer(kernel="Box blur 3x3", image="camera")',
    ),
]


def _unavailable(reason: str) -> None:
    if os.environ.get("CONVKIT_REQUIRE_BROWSER") == "1":
        pytest.fail(f"CONVKIT_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def write_notebook(root: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "name": "python3",
    }
    for kind, source in CELLS:
        maker = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
        nb.cells.append(maker(source))
    path = root / NOTEBOOK
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def chromium() -> str:
    path = find_chromium()
    if path is None:
        _unavailable(INSTALL_HINT)
    return path


@pytest.fixture(scope="module")
def lab(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    served = tmp_path_factory.mktemp("explorer-served")
    write_notebook(served)
    server = LabServer(served, tmp_path_factory.mktemp("explorer-lab-state")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def tab(chromium: str, lab: LabServer, playwright_driver) -> Iterator[NotebookTab]:
    with browser_context(playwright_driver, chromium) as context:
        notebook = NotebookTab(context, lab, NOTEBOOK).open()
        try:
            yield notebook
        finally:
            notebook.close()


def _shot(tab: NotebookTab, element: Any, name: str) -> Path:
    """Screenshot ``element`` whole: the window grown for it (the 5x5 explorer is taller
    than a laptop's screen under JupyterLab's bars), then restored."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"explorer-{name}.png"
    tab.page.set_viewport_size({"width": VIEWPORT["width"], "height": 1200})
    try:
        tab.page.wait_for_timeout(300)  # let the layout settle after the resize
        element.scroll_into_view_if_needed()
        element.screenshot(path=str(path))
    finally:
        tab.page.set_viewport_size(VIEWPORT)
    return path


def _box(element: Any) -> dict[str, float]:
    box = element.bounding_box()
    assert box is not None, f"{element} is not on screen"
    return box


class Explorer:
    """The explorer's output in the page, read and worked the way a student does."""

    def __init__(self, tab: NotebookTab) -> None:
        self.tab = tab
        page = tab.page
        self.output = tab.panel.locator(".jp-OutputArea-output").filter(
            has=page.locator(".convkit-kernel-grid")
        )
        self.grid = self.output.locator(".convkit-kernel-grid")
        self.picture = self.output.locator("img")
        self.kernel = self.output.get_by_label("Kernel:", exact=True)
        self.status = self.output.locator(".widget-html").filter(has_text="Not drawn").or_(
            self.output.locator(".widget-html").filter(has_text="Sum of the weights")
        )

    def boxes(self) -> Any:
        return self.grid.locator("input")

    def values(self) -> list[str]:
        return self.boxes().evaluate_all("(inputs) => inputs.map((i) => i.value)")

    def kernel_choice(self) -> str:
        text = self.kernel.evaluate("(s) => s.options[s.selectedIndex].textContent")
        return text.replace("\xa0", " ")  # ipywidgets writes non-breaking spaces

    def type_weight(self, index: int, text: str, timeout: float = 60.0) -> tuple[str, str]:
        """Click box ``index``, replace its text with ``text``, press Tab; wait for the
        picture to change. Returns the image digests before and after."""
        before_src = self.picture.get_attribute("src")
        before = self.tab.image_digest(self.picture)
        box = self.boxes().nth(index)
        box.click()
        box.press("Control+A")
        box.press_sequentially(text)
        box.press("Tab")
        self.tab.wait_src_change(self.picture, before_src, timeout)
        self.tab.wait_idle(timeout)
        return before, self.tab.image_digest(self.picture)


@pytest.fixture(scope="module")
def explorer(tab: NotebookTab) -> Explorer:
    cells = tab.run_all()
    errors = [c.stderr for c in cells if c.stderr]
    assert not errors, f"the explorer's notebook wrote errors: {errors}"
    found = Explorer(tab)
    found.output.wait_for(state="visible")
    found.picture.wait_for(state="visible")
    found.output.scroll_into_view_if_needed()
    return found


def test_the_grid_sits_beside_the_dropdowns_filled_with_the_kernel(explorer: Explorer) -> None:
    _shot(explorer.tab, explorer.output, "initial")
    assert explorer.kernel_choice() == "Box blur 3x3"
    assert explorer.values() == ["1"] * 9
    assert explorer.output.get_by_label("Divide by:", exact=True).input_value() == "9"
    assert "Sum of the weights / divisor: 1" in explorer.status.text_content()
    # beside: right of the dropdowns, level with them; the picture below both
    dropdown, grid, picture = _box(explorer.kernel), _box(explorer.grid), _box(explorer.picture)
    assert grid["x"] >= dropdown["x"] + dropdown["width"], (dropdown, grid)
    assert grid["y"] < dropdown["y"] + dropdown["height"] + 120, (dropdown, grid)
    assert picture["y"] >= grid["y"] + grid["height"], (grid, picture)
    # nothing of the left column runs under the grid
    rights = explorer.output.locator("select, button").evaluate_all(
        "(els) => els.map((e) => e.getBoundingClientRect().right)"
    )
    assert max(rights) <= grid["x"], (rights, grid)
    # readable: every box shows its whole number, and every labelled control its label
    widths = explorer.boxes().evaluate_all(
        "(inputs) => inputs.map((i) => [i.scrollWidth, i.clientWidth])"
    )
    assert all(scroll <= client + 1 for scroll, client in widths), widths
    assert label_problems(explorer.output) == []
    # every control's label sits on the control's line, left of it (not wrapped above)
    for label in ("Kernel:", "Image:", "Grid:", "Show:", "Divide by:"):
        caption = explorer.output.locator(".widget-label", has_text=re.compile(f"^{label}$"))
        assert caption.count() == 1, label
        text = _box(caption)
        rest = _box(caption.locator("xpath=..").locator("select, input, button").first)
        assert text["x"] + text["width"] <= rest["x"] + 1, (label, text, rest)
        assert abs(text["y"] - rest["y"]) < rest["height"], (label, text, rest)
    # and every toggle button shows its whole word
    cut = explorer.output.locator(".widget-toggle-button").evaluate_all(
        "(buttons) => buttons.filter((b) => b.scrollWidth > b.clientWidth + 1)"
        ".map((b) => b.textContent)"
    )
    assert cut == [], f"buttons whose text is cut off: {cut}"


def test_typing_a_weight_changes_the_picture(explorer: Explorer) -> None:
    before, after = explorer.type_weight(4, "-8")  # the centre: 8 neighbours minus 8 x centre
    assert after != before, "typing a weight did not change the picture"
    assert explorer.kernel_choice() == "Custom"
    assert explorer.values()[4] == "-8"
    status = explorer.status.text_content()
    assert "Sum of the weights / divisor: 0" in status and "signed" in status, status
    assert "diverging" in explorer.output.text_content()
    _shot(explorer.tab, explorer.output, "custom-3x3")


def test_the_5x5_grid(explorer: Explorer) -> None:
    before_src = explorer.picture.get_attribute("src")
    before = explorer.tab.image_digest(explorer.picture)
    explorer.output.get_by_role("button", name="5x5", exact=True).click()
    explorer.tab.wait_src_change(explorer.picture, before_src)
    explorer.tab.wait_idle()
    assert explorer.tab.image_digest(explorer.picture) != before
    values = explorer.values()
    assert len(values) == 25
    # the 3x3 weights sit in the middle, zeros around them
    assert [values[r * 5 + c] for r in (1, 2, 3) for c in (1, 2, 3)] == ["1"] * 4 + ["-8"] + [
        "1"
    ] * 4
    assert values[0] == values[24] == "0"
    before, after = explorer.type_weight(0, "2.5")  # a corner only the 5x5 grid has
    assert after != before
    assert "Sum of the weights / divisor: 0.2778" in explorer.status.text_content()
    _shot(explorer.tab, explorer.output, "custom-5x5")


@pytest.mark.parametrize("text", ["abc", "", "1e999", "-"])
def test_what_is_not_a_number_is_put_back(explorer: Explorer, text: str) -> None:
    """The browser's number box takes no letters, and text that is not a number (an
    empty box, a number too large for a float, a lone minus) is put back to the box's
    number when it loses the focus: no NaN, infinity or empty box reaches the kernel,
    the picture stays, nothing red appears."""
    before = explorer.tab.image_digest(explorer.picture)
    box = explorer.boxes().nth(12)  # the centre of the 5x5 grid
    box.click()
    box.press("Control+A")
    if text:
        box.press_sequentially(text)
    else:
        box.press("Backspace")
    box.press("Tab")
    explorer.tab.wait_idle()
    explorer.tab.page.wait_for_timeout(500)  # time for a (wrong) redraw to arrive
    assert explorer.values()[12] == "-8"
    assert explorer.tab.image_digest(explorer.picture) == before
    assert "Not drawn" not in explorer.output.text_content()
    assert not explorer.tab.cells()[1].stderr
    assert explorer.tab.console == []
    if text == "1e999":
        _shot(explorer.tab, explorer.output, "put-back")


def test_a_divisor_of_0_is_refused_in_the_widget(explorer: Explorer) -> None:
    """0 is a number the box takes, but no divisor: the widget says so under the grid
    (no traceback) and keeps the picture; a good divisor draws again."""
    before = explorer.tab.image_digest(explorer.picture)
    divisor = explorer.output.get_by_label("Divide by:", exact=True)
    divisor.click()
    divisor.press("Control+A")
    divisor.press_sequentially("0")
    divisor.press("Tab")
    explorer.tab.page.wait_for_function(
        "(out) => out.textContent.includes('Not drawn')",
        arg=explorer.output.element_handle(),
    )
    explorer.tab.wait_idle()
    status = explorer.status.text_content()
    assert status.startswith("Not drawn: divisor must not be 0"), status
    assert "The picture still shows the last valid kernel." in status
    assert explorer.tab.image_digest(explorer.picture) == before
    assert not explorer.tab.cells()[1].stderr, "the refusal wrote to stderr"
    assert "Traceback" not in explorer.output.text_content()
    _shot(explorer.tab, explorer.output, "refused")
    old_src = explorer.picture.get_attribute("src")
    divisor.click()
    divisor.press("Control+A")
    divisor.press_sequentially("3")
    divisor.press("Tab")
    explorer.tab.wait_src_change(explorer.picture, old_src)
    explorer.tab.wait_idle()
    assert "Not drawn" not in explorer.output.text_content()
    assert explorer.tab.image_digest(explorer.picture) != before
    assert "Sum of the weights / divisor: 0.8333" in explorer.status.text_content()
