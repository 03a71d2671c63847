"""Drive a real JupyterLab in Debian's Chromium with Playwright, as a student would.

``tests/test_browser.py`` uses these pieces:

* :func:`find_chromium` finds the system browser (no Playwright download);
* :class:`LabServer` starts ``jupyter lab`` from this interpreter's environment
  on 127.0.0.1 with a free port, a token and its own config, runtime, data,
  settings and workspace folders, serving a folder of notebook copies, and
  stops it afterwards;
* :class:`NotebookTab` opens one notebook in a browser tab, runs it through
  the menu (Run > Run All Cells), waits for the kernel to finish, reads what
  each cell shows, works the widgets and nbgrader's Validate button, and takes
  screenshots.

Everything here reads the page the way a person sees it (menus, labels,
rendered outputs), with CSS selectors scoped to the visible notebook panel.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

#: a laptop's screen
VIEWPORT = {"width": 1280, "height": 800}

#: Chromium flags for a closed network, a container and no GPU
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--disable-features=Translate,MediaRouter,OptimizationHints",
)

INSTALL_HINT = (
    "Chromium not found: the browser tests drive Debian's chromium with Playwright. "
    "Install it with `sudo apt-get install chromium` (Debian/Ubuntu), or point "
    "$CONVKIT_CHROMIUM at a Chromium/Chrome binary, to enable them."
)

#: the visible notebook panel (other, hidden panels may stay in the DOM)
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"

#: JupyterLab user settings the tests start with: no news or update checks
#: (the network is closed, and their pop-up would cover the screenshots)
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


def find_chromium() -> str | None:
    """Return the path of a Chromium binary, or None.

    ``$CONVKIT_CHROMIUM`` wins; otherwise ``chromium`` (Debian) or
    ``chromium-browser`` (Ubuntu) on ``PATH``.
    """
    env = os.environ.get("CONVKIT_CHROMIUM")
    if env:
        return env if Path(env).is_file() else None
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


@contextlib.contextmanager
def browser_context(driver: Any, chromium: str) -> Any:
    """A Chromium of its own, launched through the session's Playwright ``driver``, and one
    browser context at :data:`VIEWPORT`; both closed afterwards."""
    browser = driver.chromium.launch(executable_path=chromium, args=list(CHROMIUM_ARGS))
    context = browser.new_context(viewport=VIEWPORT)
    try:
        yield context
    finally:
        context.close()
        browser.close()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LabServer:
    """A ``jupyter lab`` process serving ``root``, with all its state under ``state``."""

    root: Path
    state: Path
    port: int = 0
    token: str = field(default_factory=lambda: secrets.token_hex(16))
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def log_path(self) -> Path:
        return self.state / "jupyter-lab.log"

    def environment(self) -> dict[str, str]:
        """The server's environment: this venv first on PATH, private Jupyter folders."""
        env = dict(os.environ)
        env.pop("MPLBACKEND", None)  # the kernel must use the inline backend, as in a class
        env.pop("JUPYTER_PATH", None)
        env["PATH"] = str(BIN) + os.pathsep + env.get("PATH", "")
        folders = {
            "JUPYTER_CONFIG_DIR": "config",
            "JUPYTER_RUNTIME_DIR": "runtime",
            "JUPYTER_DATA_DIR": "data",
            "JUPYTERLAB_SETTINGS_DIR": "settings",
            "JUPYTERLAB_WORKSPACES_DIR": "workspaces",
            "IPYTHONDIR": "ipython",
        }
        for name, sub in folders.items():
            path = self.state / sub
            path.mkdir(parents=True, exist_ok=True)
            env[name] = str(path)
        env["JUPYTER_PLATFORM_DIRS"] = "1"
        return env

    def write_settings(self) -> None:
        for rel, value in LAB_SETTINGS.items():
            path = self.state / "settings" / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(value), encoding="utf-8")

    def start(self, timeout: float = 90.0) -> LabServer:
        """Start the server and wait until its REST API answers."""
        self.state.mkdir(parents=True, exist_ok=True)
        env = self.environment()
        self.write_settings()
        last_error = ""
        for _attempt in range(3):  # the free port may be taken between probe and bind
            self.port = free_port()
            cmd = [
                str(BIN / "jupyter-lab"),
                "--no-browser",
                "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.port={self.port}",
                "--ServerApp.port_retries=0",
                f"--IdentityProvider.token={self.token}",
                f"--ServerApp.root_dir={self.root}",
            ]
            if hasattr(os, "geteuid") and os.geteuid() == 0:
                cmd.append("--allow-root")
            log = self.log_path.open("ab")
            self.process = subprocess.Popen(
                cmd,
                cwd=self.root,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
            log.close()
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    last_error = self.log_tail()
                    break
                if self._status_ok():
                    return self
                time.sleep(0.25)
            else:
                self.stop()
                raise RuntimeError(
                    f"jupyter lab did not answer in {timeout:.0f} s:\n{self.log_tail()}"
                )
        raise RuntimeError(f"jupyter lab failed to start:\n{last_error}")

    def api(self, path: str, method: str = "GET", timeout: float = 10.0) -> Any:
        """Call the server's REST API with the token; returns the decoded JSON (or None)."""
        request = urllib.request.Request(
            self.url + path.lstrip("/"),
            method=method,
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body else None

    def _status_ok(self) -> bool:
        try:
            self.api("api/status", timeout=2.0)
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            return False
        return True

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = 20.0) -> None:
        """Shut the server down (it stops its kernels), by its own API, then by signal."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(Exception):
            self.api("api/shutdown", method="POST", timeout=5.0)
        try:
            process.wait(timeout=timeout)
            return
        except subprocess.TimeoutExpired:
            pass
        for sig in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
            try:
                process.wait(timeout=10)
                return
            except subprocess.TimeoutExpired:
                continue

    def shutdown_kernels(self) -> None:
        """Stop every running kernel (frees memory between notebooks)."""
        for kernel in self.api("api/kernels") or []:
            with contextlib.suppress(urllib.error.HTTPError):
                self.api(f"api/kernels/{kernel['id']}", method="DELETE")

    def __enter__(self) -> LabServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --------------------------------------------------------------------------- the page

#: a snapshot of every cell in the visible notebook: kind, prompt, rendered outputs
_READ_CELLS_JS = """
(panelSel) => {
  const panel = document.querySelector(panelSel);
  if (!panel) return null;
  return [...panel.querySelectorAll('.jp-Cell')].map((cell) => {
    const kind = cell.classList.contains('jp-CodeCell') ? 'code'
      : cell.classList.contains('jp-MarkdownCell') ? 'markdown' : 'raw';
    const prompt = cell.querySelector('.jp-InputArea-prompt');
    const outputs = [...cell.querySelectorAll('.jp-OutputArea-output')].map((out) => ({
      mime: out.dataset.mimeType
        || (out.querySelector('.jupyter-widgets') ? 'application/vnd.jupyter.widget-view+json'
        : out.querySelector('img') ? 'image' : ''),
      text: (out.textContent || '').slice(0, 4000),
    }));
    return {kind, prompt: prompt ? prompt.textContent.trim() : '', outputs};
  });
}
"""

#: Run All has started: a code cell shows [*] or an execution count
_STARTED_JS = """
(panelSel) => {
  const panel = document.querySelector(panelSel);
  if (!panel) return false;
  return [...panel.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]
    .some((p) => /\\[(\\*|\\d+)\\]/.test(p.textContent));
}
"""

#: the kernel is done: no cell waits ([*]), the kernel indicator says idle, images loaded
_DONE_JS = """
(panelSel) => {
  const panel = document.querySelector(panelSel);
  if (!panel) return false;
  const busy = [...panel.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]
    .some((p) => p.textContent.includes('*'));
  const indicator = panel.querySelector('.jp-Notebook-ExecutionIndicator');
  const idle = indicator && indicator.dataset.status === 'idle';
  const images = [...panel.querySelectorAll('.jp-OutputArea-output img')].every((i) => i.complete);
  return !busy && idle && images;
}
"""

#: SHA-256 of the bytes an <img> shows (fetched from its data:/blob: URL)
_IMAGE_DIGEST_JS = """
async (img) => {
  const response = await fetch(img.src);
  const bytes = await response.arrayBuffer();
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
"""


@dataclass
class Cell:
    """One cell as the browser shows it (index = position in the notebook)."""

    index: int
    kind: str
    prompt: str
    outputs: list[dict[str, str]]

    @property
    def executed(self) -> bool:
        """True when the prompt shows an execution count, e.g. ``[3]:``."""
        return any(ch.isdigit() for ch in self.prompt)

    @property
    def stderr(self) -> list[str]:
        """Text of the red (stderr or error) outputs the cell shows."""
        return [o["text"] for o in self.outputs if o["mime"] == "application/vnd.jupyter.stderr"]


class NotebookTab:
    """One notebook open in JupyterLab in its own browser page and workspace."""

    def __init__(self, context: Any, server: LabServer, path: str) -> None:
        self.server = server
        self.path = path
        self.page = context.new_page()
        self.page.set_default_timeout(30_000)
        self.console: list[str] = []
        self.page.on(
            "console",
            lambda msg: self.console.append(f"{msg.type}: {msg.text}")
            if msg.type == "error"
            else None,
        )
        self.page.on("pageerror", lambda exc: self.console.append(f"pageerror: {exc}"))

    # ----------------------------------------------------------------- opening
    def open(self, timeout: float = 60.0) -> NotebookTab:
        """Open the notebook (a fresh workspace of its own) and wait for an idle kernel."""
        workspace = "t" + secrets.token_hex(4)
        url = (
            f"{self.server.url}lab/workspaces/{workspace}/tree/{self.path}"
            f"?reset&token={self.server.token}"
        )
        self.page.goto(url, wait_until="domcontentloaded", timeout=timeout * 1000)
        self.page.wait_for_selector(f"{PANEL} .jp-Cell", timeout=timeout * 1000)
        self.wait_kernel_connected(timeout)
        self.page.wait_for_function(
            """(sel) => {
                const i = document.querySelector(sel + ' .jp-Notebook-ExecutionIndicator');
                return i && i.dataset.status === 'idle';
            }""",
            arg=PANEL,
            timeout=timeout * 1000,
        )
        return self

    def kernel(self) -> dict | None:
        """The server's record of this notebook's kernel (None before the session exists)."""
        for session in self.server.api("api/sessions") or []:
            if session.get("path") == self.path and session.get("kernel"):
                return session["kernel"]
        return None

    def wait_kernel_connected(self, timeout: float = 60.0) -> None:
        """Wait until the server says the notebook's kernel is idle with the page connected.

        The page's own indicator reads "idle" before a kernel exists; a Run All
        sent then is lost, so ask the server.
        """
        deadline = time.monotonic() + timeout
        kernel = None
        while time.monotonic() < deadline:
            kernel = self.kernel()
            if kernel and kernel.get("execution_state") == "idle" and kernel.get("connections"):
                return
            self.page.wait_for_timeout(200)
        raise TimeoutError(f"the kernel of {self.path} is not ready after {timeout} s: {kernel}")

    @property
    def panel(self) -> Any:
        return self.page.locator(PANEL)

    def close(self) -> None:
        """Close the page and stop the notebook's kernel."""
        with contextlib.suppress(Exception):
            self.page.close()
        with contextlib.suppress(Exception):
            for session in self.server.api("api/sessions") or []:
                if session.get("path") == self.path:
                    self.server.api(f"api/sessions/{session['id']}", method="DELETE")

    # ----------------------------------------------------------------- running
    def menu(self, menu: str, command: str) -> None:
        """Click a main-menu entry: ``menu("Run", "runmenu:run-all")``."""
        self.page.locator(".lm-MenuBar-item", has_text=menu).first.click()
        self.page.locator(f'.lm-Menu-item[data-command="{command}"]').click()

    def run_all(self, timeout: float = 240.0) -> list[Cell]:
        """Run > Run All Cells, wait until the kernel is done, return the cells."""
        self.menu("Run", "runmenu:run-all")
        self.page.wait_for_function(_STARTED_JS, arg=PANEL, timeout=30_000)
        self.wait_idle(timeout)
        return self.cells()

    def wait_idle(self, timeout: float = 240.0) -> None:
        """Wait until no cell is queued or running and the kernel reports idle."""
        self.page.wait_for_function(_DONE_JS, arg=PANEL, timeout=timeout * 1000, polling=250)

    def cells(self) -> list[Cell]:
        """Every cell as the page shows it now."""
        raw = self.page.evaluate(_READ_CELLS_JS, PANEL)
        if raw is None:
            raise AssertionError(f"no visible notebook panel for {self.path}")
        return [Cell(index=i, **item) for i, item in enumerate(raw)]

    def save(self, timeout: float = 30.0) -> None:
        """Click the toolbar's Save button and wait until the tab is no longer dirty."""
        self.panel.locator('jp-button[data-command="docmanager:save"]').first.click()
        self.page.wait_for_function(
            """() => {
                const tab = document.querySelector(
                    '.lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current');
                return tab && !tab.classList.contains('jp-mod-dirty');
            }""",
            timeout=timeout * 1000,
        )

    # ----------------------------------------------------------------- widgets
    def control(self, label: str) -> Any:
        """The widget control whose visible label is ``label`` (by its accessible name)."""
        return self.panel.get_by_label(label, exact=True)

    def image_digest(self, image: Any) -> str:
        """SHA-256 of the bytes an ipywidgets Image (an <img>) currently shows."""
        return image.evaluate(_IMAGE_DIGEST_JS)

    def wait_src_change(self, image: Any, old_src: str, timeout: float = 30.0) -> str:
        """Wait until the <img> shows a new source; return it."""
        handle = image.element_handle()
        self.page.wait_for_function(
            "([img, old]) => img.src !== old && img.complete",
            arg=[handle, old_src],
            timeout=timeout * 1000,
        )
        return image.get_attribute("src")

    # ----------------------------------------------------------------- nbgrader
    def validate(self, timeout: float = 240.0) -> tuple[bool, str, Any]:
        """Click nbgrader's Validate button; return (success, dialog text, dialog locator)."""
        self.panel.locator(".validate-button").first.click()
        message = self.page.locator("#validation-message")
        dialog = self.page.locator(".jp-Dialog").filter(has=message)
        dialog.wait_for(state="visible", timeout=timeout * 1000)
        classes = message.get_attribute("class") or ""
        return "validation-success" in classes, message.inner_text(), dialog

    @staticmethod
    def close_dialog(dialog: Any) -> None:
        dialog.locator(".jp-mod-accept").first.click()
        dialog.wait_for(state="detached")

    # ----------------------------------------------------------------- screenshots
    def screenshot_notebook(self, path: Path, max_height: int = 30_000) -> Path:
        """Screenshot the whole notebook at laptop width: grow the window to its height.

        The notebook scrolls inside JupyterLab, so a "full page" screenshot would
        show one screen; instead the viewport is made as tall as the notebook and
        captured, then restored. Cells off screen have only an estimated height
        until they are drawn, so the height is measured again until it settles.
        """
        path.parent.mkdir(parents=True, exist_ok=True)
        measure = """(sel) => {  // how far the last cell's bottom is below the panel's
            const outer = document.querySelector(sel + ' .jp-WindowedPanel-outer');
            outer.scrollTo(0, 0);
            const cells = outer.querySelectorAll('.jp-Cell');
            const last = cells[cells.length - 1].getBoundingClientRect().bottom;
            return Math.ceil(last + 24 - outer.getBoundingClientRect().bottom);
        }"""
        height = VIEWPORT["height"]
        try:
            for _ in range(8):
                hidden = self.page.evaluate(measure, PANEL)
                if hidden <= 0 or height >= max_height:
                    break
                height = min(height + hidden, max_height)
                self.page.set_viewport_size({"width": VIEWPORT["width"], "height": height})
                self.page.wait_for_function(_DONE_JS, arg=PANEL, timeout=30_000)
                self.page.wait_for_timeout(300)  # let the layout settle after the resize
            self.page.screenshot(path=str(path))
        finally:
            self.page.set_viewport_size(VIEWPORT)
        return path


# --------------------------------------------------------------------------- widgets

_IMAGE_SRCS_JS = "(out) => [...out.querySelectorAll('img')].map((img) => img.src)"

_IMAGES_CHANGED_JS = """
([out, old]) => {
  const imgs = [...out.querySelectorAll('img')];
  return imgs.length === old.length && imgs.some((img, i) => img.src !== old[i])
    && imgs.every((img) => img.complete);
}
"""


@dataclass
class WidgetChange:
    """What one interaction did: the control, its value before/after, the images' digests."""

    control: str
    before: str
    after: str
    digests_before: list[str]
    digests_after: list[str]
    text_before: str = ""
    text_after: str = ""

    @property
    def image_changed(self) -> bool:
        return self.digests_before != self.digests_after


def widget_outputs(tab: NotebookTab, control: str) -> Any:
    """Outputs that hold a widget of kind ``control`` (``"dropdown"``/``"slider"``) and an image."""
    page = tab.page
    return (
        tab.panel.locator(".jp-OutputArea-output")
        .filter(has=page.locator(f".widget-{control}"))
        .filter(has=page.locator("img"))
    )


def label_text(widget: Any) -> str:
    """The visible description of an ipywidgets control (its ``.widget-label``)."""
    return widget.locator(".widget-label").first.text_content().strip()


def label_problems(output: Any) -> list[str]:
    """Controls in ``output`` whose label is missing, hidden or cut off (ellipsis)."""
    return output.evaluate(
        """(out) => {
          const problems = [];
          const controls = out.querySelectorAll(
              '.widget-dropdown, .widget-slider, .widget-toggle-buttons, .widget-radio');
          for (const c of controls) {
            const label = c.querySelector('.widget-label');
            const text = label ? label.textContent.trim() : '';
            if (!text) { problems.push(c.className + ': no label'); continue; }
            const box = label.getBoundingClientRect();
            const style = getComputedStyle(label);
            if (box.width === 0 || style.display === 'none' || style.visibility === 'hidden')
              problems.push(text + ': label not visible');
            if (label.scrollWidth > label.clientWidth + 1)
              problems.push(text + ': label cut off (' + label.scrollWidth + 'px text in '
                            + label.clientWidth + 'px)');
          }
          return problems;
        }"""
    )


def _image_digests(tab: NotebookTab, output: Any) -> list[str]:
    images = output.locator("img")
    return [tab.image_digest(images.nth(i)) for i in range(images.count())]


def _await_new_images(tab: NotebookTab, output: Any, old_srcs: list[str], timeout: float) -> None:
    tab.page.wait_for_function(
        _IMAGES_CHANGED_JS, arg=[output.element_handle(), old_srcs], timeout=timeout * 1000
    )
    tab.wait_idle(timeout)


def choose_each_dropdown(
    tab: NotebookTab, output: Any, shots: Path | None = None, timeout: float = 60.0
) -> list[WidgetChange]:
    """In ``output``, pick another value in every dropdown, one after another.

    Each dropdown is found by its label (its accessible name), as a screen
    reader would; after each choice, waits for the widget's picture to be
    replaced and records the image bytes' digests before and after.
    """
    changes = []
    output.scroll_into_view_if_needed()
    dropdowns = output.locator(".widget-dropdown")
    if shots:
        output.screenshot(path=str(shots.with_name(shots.name + "_0_initial.png")))
    for i in range(dropdowns.count()):
        label = label_text(dropdowns.nth(i))
        select = output.get_by_label(label, exact=True)
        before = select.input_value()
        values = select.locator("option").evaluate_all("(os) => os.map((o) => o.value)")
        options = select.locator("option").evaluate_all("(os) => os.map((o) => o.textContent)")
        pick = (values.index(before) + 1) % len(values)
        digests = _image_digests(tab, output)
        srcs = output.evaluate(_IMAGE_SRCS_JS)
        text = output.text_content()
        select.select_option(values[pick])
        _await_new_images(tab, output, srcs, timeout)
        changes.append(
            WidgetChange(
                control=label,
                before=options[values.index(before)],
                after=options[pick],
                digests_before=digests,
                digests_after=_image_digests(tab, output),
                text_before=text,
                text_after=output.text_content(),
            )
        )
        if shots:
            slug = "".join(ch if ch.isalnum() else "_" for ch in label.lower()).strip("_")
            output.screenshot(path=str(shots.with_name(f"{shots.name}_{i + 1}_{slug}.png")))
    return changes


def step_slider(
    tab: NotebookTab, output: Any, shots: Path | None = None, timeout: float = 60.0
) -> WidgetChange:
    """Focus the slider's handle in ``output``, press ArrowRight once, wait for the picture."""
    output.scroll_into_view_if_needed()
    slider = output.locator(".widget-slider").first
    label = label_text(slider)
    handle = slider.locator('[role="slider"]')
    readout = slider.locator(".widget-readout")
    before = readout.text_content().strip()
    digests = _image_digests(tab, output)
    srcs = output.evaluate(_IMAGE_SRCS_JS)
    text = output.text_content()
    if shots:
        output.screenshot(path=str(shots.with_name(shots.name + "_0_initial.png")))
    handle.focus()
    handle.press("ArrowRight")
    _await_new_images(tab, output, srcs, timeout)
    change = WidgetChange(
        control=label,
        before=before,
        after=readout.text_content().strip(),
        digests_before=digests,
        digests_after=_image_digests(tab, output),
        text_before=text,
        text_after=output.text_content(),
    )
    if shots:
        output.screenshot(path=str(shots.with_name(shots.name + "_1_arrow_right.png")))
    return change


# --------------------------------------------------------------------------- the harness notebook

HARNESS = "_harness/harness.ipynb"

_HARNESS_CELLS = [
    ("markdown", "# Harness\nA notebook that shows what the browser tests must notice."),
    ("code", "x = 6 * 7\nx"),
    ("code", "import warnings\nwarnings.warn('a warning is red too')\nprint('printed')"),
    (
        "code",
        "import io\n"
        "import ipywidgets as w\n"
        "from PIL import Image\n"
        "\n"
        "def png(level):\n"
        "    buffer = io.BytesIO()\n"
        "    Image.new('L', (60, 20), int(level)).save(buffer, 'png')\n"
        "    return buffer.getvalue()\n"
        "\n"
        "style = {'description_width': 'initial'}\n"
        "shade = w.Dropdown(options=['dark', 'grey', 'light'], description='Shade:', style=style)\n"
        "step = w.IntSlider(0, 0, 10, description='Window position', style=style,\n"
        "                   continuous_update=False)\n"
        "picture = w.Image(value=png(0), format='png')\n"
        "levels = {'dark': 0, 'grey': 120, 'light': 240}\n"
        "def redraw(_change):\n"
        "    picture.value = png(levels[shade.value] + step.value)\n"
        "shade.observe(redraw, 'value')\n"
        "step.observe(redraw, 'value')\n"
        "w.VBox([shade, step, picture])",
    ),
    ("code", "1 / 0"),
    ("code", "print('never runs: Run All stops at the error')"),
]


def write_harness(root: Path) -> Path:
    """Write the harness notebook under ``root``; return its path."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "name": "python3",
    }
    for kind, source in _HARNESS_CELLS:
        maker = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
        nb.cells.append(maker(source))
    path = root / HARNESS
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path
