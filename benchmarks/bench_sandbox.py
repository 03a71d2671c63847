"""What one sandboxed run costs: process start, NumPy import, lockdown, cases.

Run ``python benchmarks/bench_sandbox.py``; it writes the "sandbox" section of
``benchmarks/results.md``. Medians of several runs, on an otherwise idle machine if
possible (the figures are wall-clock times).
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _results import machine_line, write_section  # noqa: E402

from convkit.grading.sandbox import run_in_sandbox  # noqa: E402

REPEATS = 15
VECTORISED = """
def im_conv(im, kernel):
    windows = np.lib.stride_tricks.sliding_window_view(np.asarray(im, dtype=np.float64),
                                                       kernel.shape)
    return np.einsum("ijkl,kl->ij", windows, kernel)
"""


def median_seconds(action, repeats: int = REPEATS) -> tuple[float, float]:
    """Median wall-clock time and median CPU time of the child processes, per run."""
    walls, cpus = [], []
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        action()
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def interleaved(actions: dict, repeats: int = REPEATS) -> dict:
    """Like :func:`median_seconds` for several actions run in turn, so that a change of
    load on a shared machine hits them alike (for the with/without comparisons)."""
    walls: dict = {name: [] for name in actions}
    cpus: dict = {name: [] for name in actions}
    for _ in range(repeats):
        for name, action in actions.items():
            wall, cpu = median_seconds(action, 1)
            walls[name].append(wall)
            cpus[name].append(cpu)
    return {name: (statistics.median(walls[name]), statistics.median(cpus[name]))
            for name in actions}


def interpreter(code: str) -> None:
    subprocess.run([sys.executable, "-I", "-c", code], check=True)


def sandbox(cases, **options) -> None:
    result = run_in_sandbox([VECTORISED], "im_conv", cases, timeout=30, **options)
    assert result.status == "ok", result.message


def main() -> None:
    rng = np.random.default_rng(0)
    one = [SimpleNamespace(args=(rng.random((40, 40)), rng.random((3, 3))))]
    forty = [SimpleNamespace(args=(rng.random((40, 40)), rng.random((5, 5))))
             for _ in range(40)]
    sandbox(one)  # warm the file cache
    compared = interleaved({
        "sandbox, 1 case (40x40, 3x3)": lambda: sandbox(one),
        "sandbox, 1 case, namespaces off": lambda: sandbox(one, _namespaces=False),
        "sandbox with cv2 allowed, 1 case": lambda: sandbox(one, allowed_modules=("cv2",)),
        "sandbox with cv2 allowed, 1 case, namespaces off":
            lambda: sandbox(one, allowed_modules=("cv2",), _namespaces=False),
    })
    rows = [
        ("`python -I -c pass`", median_seconds(lambda: interpreter("pass"))),
        ("`python -I -c 'import numpy'`", median_seconds(lambda: interpreter("import numpy"))),
        ("sandbox, 40 cases (40x40, 5x5)", median_seconds(lambda: sandbox(forty))),
        *compared.items(),
    ]
    layers = run_in_sandbox([VECTORISED], "im_conv", one).layers
    named = dict(rows)
    extra = [named["sandbox, 1 case (40x40, 3x3)"][i] - named["sandbox, 1 case, namespaces off"][i]
             for i in (0, 1)]
    extra_cv2 = [named["sandbox with cv2 allowed, 1 case"][i]
                 - named["sandbox with cv2 allowed, 1 case, namespaces off"][i] for i in (0, 1)]
    table = "\n".join(f"| {what} | {wall * 1000:.0f} ms | {cpu * 1000:.0f} ms |"
                      for what, (wall, cpu) in rows)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    write_section("sandbox", f"""
## Sandbox: the cost of one sandboxed run

{machine_line()}; median of {REPEATS} runs; layers in force: {", ".join(layers)};
load average during the run: {load} (2 cores shared with other jobs: wall-clock
times grow with the load, CPU times much less).

| run | wall-clock time | CPU time of the process |
|---|---|---|
{table}

One graded function of one student is one run: a fresh process that imports NumPy,
locks itself down, runs the answer cells and calls the function on every case. The
CPU time is what a run costs; on an idle machine the wall-clock time is close to it.

The namespaces (a private root holding only the interpreter, the packages and the run's
folder; its own `/proc`, PID, network and IPC namespaces; one extra fork) cost
{extra[0] * 1000:+.0f} ms wall-clock and {extra[1] * 1000:+.0f} ms CPU per run
({extra_cv2[0] * 1000:+.0f} ms and {extra_cv2[1] * 1000:+.0f} ms with cv2 allowed), the
difference between the rows with and without them (run in turn, medians; within the noise
of a shared machine when small).
""")
    for what, (wall, cpu) in rows:
        print(f"{what}: {wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU")


if __name__ == "__main__":
    main()
