"""How long do the lessons take to run, and how fast do the widgets answer?

Two measurements, written to the ``notebooks`` section of ``benchmarks/results.md``:

* **Notebooks.** Every ``solutions/`` notebook of ``convkit.course.ASSIGNMENTS`` is
  executed top to bottom with nbclient in a fresh kernel (``MPLBACKEND`` unset, so
  figures are drawn inline as a student sees them), cell by cell, timing each cell.
  Per notebook: the wall time from kernel start to the last cell, the sum of the cell
  times (without the kernel start), and the slowest cell. Each notebook is run
  ``--repeat`` times (default 3), in turn, and the median run is reported (the run
  with the median total; its slowest cell is the one shown). Targets from issue 3:
  the whole series under 60 s, no cell over 5 s.
* **Widgets.** One widget update, split into the pure compute callback and the
  rendering to PNG bytes that the ``ipywidgets.Image`` shows, on the 512x512
  camera photo: the kernel explorer (``explore`` + ``render_png``) for every kernel
  of ``KERNELS``, the OpenCV comparison (``compare`` + ``render_png``) for every
  kernel and border. The sliding-window widget refuses images larger than
  ``MAX_IMAGE_SIDE`` (it draws every pixel's value), so it is timed on its largest
  image with a 3x3 kernel, stepping through positions. Each figure is the median
  over all dropdown values of the median of ``--widget-repeat`` runs (default 5);
  the worst dropdown value is shown too. Target: compute under 100 ms.

Run from the repository root::

    .venv/bin/python benchmarks/bench_notebooks.py             # writes the section
    .venv/bin/python benchmarks/bench_notebooks.py --no-write  # prints only
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from _results import machine_line, write_section  # noqa: E402

SERIES_TARGET_S = 60.0
CELL_TARGET_S = 5.0
WIDGET_TARGET_MS = 100.0


# ---------------------------------------------------------------------------
# notebooks


def run_notebook(path: Path) -> dict[str, Any]:
    """Execute one notebook cell by cell; return the wall time and every cell's time."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    start = time.perf_counter()
    cells: list[tuple[float, int, str]] = []
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            t0 = time.perf_counter()
            client.execute_cell(cell, index)  # raises CellExecutionError on any error
            first = next((line for line in cell.source.splitlines() if line.strip()), "")
            cells.append((time.perf_counter() - t0, index, first.strip()))
    wall = time.perf_counter() - start
    return {"wall": wall, "cells": sum(t for t, _, _ in cells), "slowest": max(cells)}


def bench_notebooks(repeat: int) -> tuple[list[dict[str, Any]], float]:
    from convkit.course import ASSIGNMENTS, SOURCE_DIR

    os.environ.pop("MPLBACKEND", None)  # the kernel draws inline, as for a student
    runs: dict[str, list[dict[str, Any]]] = {a.name: [] for a in ASSIGNMENTS}
    for round_ in range(repeat):
        for a in ASSIGNMENTS:
            path = ROOT / SOURCE_DIR / a.name / a.notebook_file
            result = run_notebook(path)
            runs[a.name].append(result)
            print(f"  run {round_ + 1}/{repeat} {a.name}: {result['wall']:.1f} s", flush=True)
    rows = []
    for a in ASSIGNMENTS:
        ordered = sorted(runs[a.name], key=lambda r: r["wall"])
        median = ordered[len(ordered) // 2]
        rows.append({"assignment": a.name, "notebook": a.notebook_file, **median})
    series = sum(row["wall"] for row in rows)
    return rows, series


def notebooks_table(rows: list[dict[str, Any]], series: float, repeat: int) -> str:
    lines = [
        "| notebook | wall time (s) | sum of cells (s) | slowest cell (s) | slowest cell |",
        "|---|---:|---:|---:|---|",
    ]
    for row in rows:
        seconds, index, first = row["slowest"]
        code = first if len(first) <= 60 else first[:57] + "..."
        lines.append(
            f"| `{row['assignment']}/{row['notebook']}` | {row['wall']:.1f} | {row['cells']:.1f} "
            f"| {seconds:.2f} | cell {index}: `{code.replace('|', '/')}` |"
        )
    slowest = max(row["slowest"][0] for row in rows)
    lines.append(
        f"| **series** | **{series:.1f}** | **{sum(r['cells'] for r in rows):.1f}** "
        f"| **{slowest:.2f}** | |"
    )
    series_ok = "met" if series < SERIES_TARGET_S else "MISSED"
    cells_ok = "met" if slowest <= CELL_TARGET_S else "MISSED"
    verdict = (
        f"Target: series < {SERIES_TARGET_S:.0f} s ({series_ok}),"
        f" no cell > {CELL_TARGET_S:.0f} s ({cells_ok})."
    )
    return (
        f"Each `solutions/` notebook executed top to bottom with nbclient in a fresh kernel "
        f"(figures drawn inline), median of {repeat} runs; wall time includes starting the "
        f"kernel (about 1 s).\n\n" + "\n".join(lines) + f"\n\n{verdict}"
    )


# ---------------------------------------------------------------------------
# widgets


def median_ms(func: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return 1000.0 * statistics.median(times)


def summarise(label: str, timings: dict[str, tuple[float, float]], size: str) -> str:
    compute = [c for c, _ in timings.values()]
    render = [r for _, r in timings.values()]
    worst = max(timings, key=lambda k: timings[k][0])
    return (
        f"| {label} | {size} | {len(timings)} | {statistics.median(compute):.1f} "
        f"| {max(compute):.1f} ({worst}) | {statistics.median(render):.0f} | {max(render):.0f} |"
    )


def bench_widgets(repeat: int) -> tuple[str, float]:
    import matplotlib

    matplotlib.use("Agg")
    import numpy as np

    from convkit.images import load_image
    from convkit.kernels import KERNELS
    from convkit.widgets import kernel_explorer as ke
    from convkit.widgets import opencv_compare as oc
    from convkit.widgets import sliding_window as sw

    camera = load_image("camera")
    assert camera.shape == (512, 512)
    ke.explore("Identity", "camera")  # warm up: load and cache the photo, import everything
    ke.render_png(ke.explore("Identity", "camera"))

    explorer: dict[str, tuple[float, float]] = {}
    for name in KERNELS:
        data = ke.explore(name, "camera")
        explorer[name] = (
            median_ms(lambda name=name: ke.explore(name, "camera"), repeat),
            median_ms(lambda data=data: ke.render_png(data), repeat),
        )

    comparison: dict[str, tuple[float, float]] = {}
    for name in KERNELS:
        for border, pair in oc.BORDERS.items():
            data = oc.compare(name, border, camera)
            comparison[f"{name}, {pair.opencv}"] = (
                median_ms(lambda n=name, b=border: oc.compare(n, b, camera), repeat),
                median_ms(lambda data=data: oc.render_png(data), repeat),
            )

    side = sw.MAX_IMAGE_SIDE
    small = camera[:side, :side]
    box = np.full((3, 3), 1 / 9)
    positions = sw.n_positions(small.shape, box.shape)
    sliding: dict[str, tuple[float, float]] = {}
    for index in range(0, positions, max(1, positions // 8)):
        sliding[f"position {index}"] = (
            median_ms(lambda i=index: sw.window_step(small, box, i), repeat),
            median_ms(lambda i=index: sw.render_step(small, box, i), repeat),
        )

    worst_compute = max(c for t in (explorer, comparison, sliding) for c, _ in t.values())
    lines = [
        "| widget | image | dropdown values | compute, median (ms) | compute, worst (ms) "
        "| render, median (ms) | render, worst (ms) |",
        "|---|---|---:|---:|---:|---:|---:|",
        summarise("kernel explorer: `explore` / `render_png`", explorer, "camera 512x512"),
        summarise("OpenCV comparison: `compare` / `render_png`", comparison, "camera 512x512"),
        summarise(
            "sliding window: `window_step` / `render_step`", sliding,
            f"camera crop {side}x{side} (its maximum)",
        ),
    ]
    compute_ok = "met" if worst_compute < WIDGET_TARGET_MS else "MISSED"
    verdict = (
        f"Target: compute < {WIDGET_TARGET_MS:.0f} ms ({compute_ok}: worst {worst_compute:.1f} ms)."
        " Rendering is matplotlib (Agg) drawing the figure and encoding the PNG at 80 dpi;"
        " `render_step` includes its own `window_step`."
    )
    text = (
        f"One widget update, median of {repeat} runs per dropdown value, in one process after a "
        "warm-up; compute (the pure callback) and render (PNG bytes for the `ipywidgets.Image`) "
        "timed separately.\n\n" + "\n".join(lines) + f"\n\n{verdict}"
    )
    return text, worst_compute


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each notebook")
    parser.add_argument("--widget-repeat", type=int, default=5, help="runs per widget value")
    parser.add_argument("--no-write", action="store_true", help="print, don't write results.md")
    parser.add_argument("--skip-notebooks", action="store_true", help="time the widgets only")
    args = parser.parse_args(argv)

    load = os.getloadavg()[0]
    parts = [
        f"## Notebooks and widgets\n\n{machine_line()}, {os.cpu_count()} cores, "
        f"1-minute load average {load:.1f} at the start (a shared machine: a load above the "
        "core count slows every figure down)\n"
    ]
    if not args.skip_notebooks:
        print("executing the solutions notebooks ...", flush=True)
        rows, series = bench_notebooks(args.repeat)
        parts.append("### Executing the lessons\n\n" + notebooks_table(rows, series, args.repeat))
    print("timing the widgets ...", flush=True)
    widget_text, _ = bench_widgets(args.widget_repeat)
    parts.append("### Widget updates\n\n" + widget_text)
    markdown = "\n\n".join(parts)
    print(markdown)
    if not args.no_write:
        write_section("notebooks", markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
