"""The picture a failing verdict shows: expected | yours | difference, and the kernels.

For a wrong array the feedback shows the right result and the student's on one grey scale
and their difference on a diverging scale centred on 0. When probing recovered the kernel a
linear filter applies, a second row shows the expected kernel, the applied one and their
difference, with the weights written in the cells.

Examples
--------
>>> import numpy as np
>>> fig = difference_figure(np.eye(3), np.eye(3)[::-1], "flipped")
>>> [ax.get_title() for ax in fig.axes[:3]]
['expected', 'yours', 'yours - expected']
>>> difference_png(np.zeros((2, 3)), np.ones((2, 3)), "off by one")[:8]
b'\\x89PNG\\r\\n\\x1a\\n'
"""

from __future__ import annotations

import io
import textwrap
from typing import TYPE_CHECKING, Any

import numpy as np

from convkit._validate import as_array2d

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["difference_figure", "difference_png"]


def _as_picture(value: Any, name: str) -> np.ndarray:
    if value is None or isinstance(value, str | bytes):
        raise TypeError(f"{name} must be an array of numbers; got {type(value).__name__}")
    try:
        arr = np.atleast_2d(np.asarray(value))
    except Exception as exc:
        raise TypeError(f"{name} must be an array of numbers; got "
                        f"{type(value).__name__}") from exc
    if arr.dtype == object:
        raise TypeError(f"{name} must be an array of numbers; got {value!r}")
    return as_array2d(arr, name, what="(rows, columns)")


def _row(fig: Figure, axes: list[Axes], e: np.ndarray, a: np.ndarray, names: tuple[str, str],
         annotate: bool) -> None:
    from matplotlib.colors import Normalize
    from matplotlib.ticker import MaxNLocator

    finite = np.concatenate([e.ravel(), a.ravel()])
    lo, hi = float(finite.min()), float(finite.max())
    if lo == hi:
        lo, hi = lo - 1.0, hi + 1.0
    for ax, data, title in ((axes[0], e, names[0]), (axes[1], a, names[1])):
        ax.imshow(data, cmap="gray", norm=Normalize(lo, hi), interpolation="nearest")
        ax.set_title(title, fontsize=9)
        ax.set_xlabel(f"shape {data.shape[0]}x{data.shape[1]}", fontsize=7)
        if annotate and data.size <= 30:
            for (r, c), v in np.ndenumerate(data):
                shade = (v - lo) / (hi - lo)
                ax.text(c, r, f"{v:.3g}", ha="center", va="center", fontsize=7,
                        color="black" if shade > 0.5 else "white")
    if e.shape == a.shape:
        diff = a - e
        bound = float(np.max(np.abs(diff))) or 1.0
        image = axes[2].imshow(diff, cmap="RdBu_r", vmin=-bound, vmax=bound,
                               interpolation="nearest")
        fig.colorbar(image, ax=axes[2], shrink=0.85)
    else:
        axes[2].set_axis_off()
        axes[2].text(0.5, 0.5, f"shapes differ:\nexpected {e.shape[0]}x{e.shape[1]}\n"
                     f"yours {a.shape[0]}x{a.shape[1]}", ha="center", va="center",
                     fontsize=9, transform=axes[2].transAxes)
    axes[2].set_title("yours - expected", fontsize=9)
    for ax in axes:
        ax.tick_params(labelsize=6)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))


def difference_figure(expected: Any, actual: Any, title: str,
                      kernels: tuple[Any, Any] | None = None) -> Figure:
    """Expected | yours | yours - expected, side by side (and the kernels below).

    Parameters
    ----------
    expected, actual : array_like
        Non-empty, finite numeric arrays with at most two dimensions.
    title : str
        The figure's title (e.g. the case label).
    kernels : (array_like, array_like) or None
        The kernel that was expected and the kernel the student's function applies: a
        second row of panels, weights written in.

    Returns
    -------
    matplotlib.figure.Figure
        Not attached to pyplot (no global state).
    """
    from matplotlib.figure import Figure

    if not isinstance(title, str):
        raise TypeError(f"title must be a str; got {type(title).__name__}")
    e = _as_picture(expected, "expected")
    a = _as_picture(actual, "actual")
    pair = None
    if kernels is not None:
        if not isinstance(kernels, tuple) or len(kernels) != 2:
            raise TypeError("kernels must be a pair (expected kernel, applied kernel)")
        pair = (_as_picture(kernels[0], "kernels[0]"), _as_picture(kernels[1], "kernels[1]"))
    rows = 1 if pair is None else 2
    fig = Figure(figsize=(6.4, 2.3 * rows + 0.2), layout="constrained")
    axes = fig.subplots(rows, 3, squeeze=False)
    _row(fig, list(axes[0]), e, a, ("expected", "yours"), annotate=False)
    if pair is not None:
        _row(fig, list(axes[1]), pair[0], pair[1],
             ("kernel expected", "kernel your function applies"), annotate=True)
    fig.suptitle(textwrap.shorten(title, 160), fontsize=9, wrap=True)
    return fig


def difference_png(expected: Any, actual: Any, title: str,
                   kernels: tuple[Any, Any] | None = None) -> bytes:
    """:func:`difference_figure` rendered to PNG bytes (Agg), for the feedback."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = difference_figure(expected, actual, title, kernels)
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()
