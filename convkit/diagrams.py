"""Figures drawn by code: the output sizes of full / same / valid, and the kernel flip.

The seed lesson linked to pictures on the web; these are drawn with matplotlib
instead, so they work offline, match the numbers in the lessons, and redraw for
any image or kernel size.

Both functions return a :class:`convkit.display.CourseFigure` (a matplotlib
Figure, titled, panels titled, that shows itself as a PNG when it is the last
value of a notebook cell) and never touch pyplot: a script saves it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import Normalize, TwoSlopeNorm
from matplotlib.patches import ConnectionPatch, Rectangle
from numpy.typing import ArrayLike

from convkit._validate import MODES, as_int, as_kernel, as_shape, check_mode
from convkit.display import CourseFigure

__all__ = ["MODES", "output_size_diagram", "flip_diagram", "window_starts"]

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies
_FIRST = "#E69F00"  # orange: the first window
_LAST = "#0072B2"  # blue: the last window
_DOT = "#222222"
_IMAGE_FILL = "#d0d0d0"
_PAD_EDGE = "#9a9a9a"


def window_starts(n: int, k: int, mode: str) -> tuple[int, int]:
    """The first and last start index of a length-``k`` window along an axis of length ``n``.

    Indices are in the image's coordinates: a negative start means the window
    hangs over the top (or left) edge, into the zero padding. In ``"same"`` mode
    the window is anchored at kernel entry ``(k - 1) // 2``, as in
    :func:`convkit.core.correlate` and ``scipy.signal.correlate2d`` (for an even
    ``k`` the centre is a choice: OpenCV's ``filter2D`` anchors at ``k // 2``,
    one pixel further).

    Parameters
    ----------
    n, k : int
        Length of the image and of the kernel along one axis.
    mode : {"full", "same", "valid"}

    Returns
    -------
    (first, last) : tuple of int
        The output length is ``last - first + 1``.

    Examples
    --------
    >>> window_starts(5, 3, "valid"), window_starts(5, 3, "same"), window_starts(5, 3, "full")
    ((0, 2), (-1, 3), (-2, 4))
    """
    n, k, mode = as_int(n, "n", minimum=1), as_int(k, "k", minimum=1), check_mode(mode)
    if mode == "full":
        return -(k - 1), n - 1
    if mode == "same":
        return -((k - 1) // 2), n - 1 - (k - 1) // 2
    if k > n:  # "valid"
        raise ValueError(f"valid mode needs a kernel no larger than the image; got {k} > {n}")
    return 0, n - k


def _draw_mode(
    ax: Axes, image_shape: tuple[int, int], kernel_shape: tuple[int, int], mode: str
) -> None:
    """Draw one mode; every mode uses the full mode's limits, so the image has one size."""
    (h, w), (kh, kw) = image_shape, kernel_shape
    (r0, r1), (c0, c1) = window_starts(h, kh, mode), window_starts(w, kw, mode)
    top, bottom = min(r0, 0), max(r1 + kh, h)  # rows drawn: [top, bottom)
    left, right = min(c0, 0), max(c1 + kw, w)
    small = max(bottom - top, right - left) <= 12
    for r in range(top, bottom):
        for c in range(left, right):
            inside = 0 <= r < h and 0 <= c < w
            ax.add_patch(
                Rectangle(
                    (c, r), 1, 1,
                    facecolor=_IMAGE_FILL if inside else "white",
                    edgecolor="white" if inside else _PAD_EDGE,
                    linestyle="-" if inside else (0, (2, 2)),
                    linewidth=1.0,
                )
            )
            if not inside and small:
                ax.text(c + 0.12, r + 0.12, "0", ha="left", va="top", color="#8a8a8a",
                        fontsize=7)
    ax.add_patch(Rectangle((0, 0), w, h, fill=False, edgecolor="black", linewidth=1.6))
    # one dot per output pixel, at the centre of the window that produces it
    rows = np.arange(r0, r1 + 1) + kh / 2
    cols = np.arange(c0, c1 + 1) + kw / 2
    cc, rr = np.meshgrid(cols, rows)
    ax.scatter(cc.ravel(), rr.ravel(), s=14 if small else 4, color=_DOT, zorder=4)
    for (r, c), colour, label in (((r0, c0), _FIRST, "first window"),
                                  ((r1, c1), _LAST, "last window")):
        ax.add_patch(Rectangle((c + 0.06, r + 0.06), kw - 0.12, kh - 0.12, fill=False,
                               edgecolor=colour, linewidth=2.6, zorder=5, label=label))
    out_h, out_w = r1 - r0 + 1, c1 - c0 + 1
    ax.set_title(f"{mode}: output {out_h} x {out_w}", fontsize=12)
    ax.set_xlim(-(kw - 1) - 0.3, w + kw - 1 + 0.3)
    ax.set_ylim(h + kh - 1 + 0.3, -(kh - 1) - 0.3)  # row 0 at the top, like an image
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)


def output_size_diagram(
    image_shape: Sequence[int] = (5, 5), kernel_shape: Sequence[int] = (3, 3)
) -> CourseFigure:
    """Draw the output sizes of ``full``, ``same`` and ``valid`` side by side.

    Each panel shows the image (grey cells, black border), the zero padding the
    mode needs (dashed cells marked 0), the first window (orange) and the last
    window (blue), and one dot per output pixel at the centre of the window that
    computes it: count the dots to read the output shape.

    Parameters
    ----------
    image_shape : (rows, cols), default (5, 5)
        Shape of the image (height, width).
    kernel_shape : (rows, cols), default (3, 3)
        Shape of the kernel; for ``valid`` it must fit inside the image.

    Returns
    -------
    matplotlib.figure.Figure
        One row of three titled panels and a title naming both shapes.

    Examples
    --------
    >>> fig = output_size_diagram((5, 5), (3, 3))
    >>> [ax.get_title() for ax in fig.axes]
    ['full: output 7 x 7', 'same: output 5 x 5', 'valid: output 3 x 3']
    """
    (h, w) = image = as_shape(image_shape, "image_shape")
    (kh, kw) = kernel = as_shape(kernel_shape, "kernel_shape")
    if kh > h or kw > w:
        raise ValueError(
            f"kernel_shape {kernel} must fit inside image_shape {image} "
            "(valid mode has no output otherwise)"
        )
    extent = (max(h + 2 * kh, w + 2 * kw)) / 3.2
    fig = CourseFigure(figsize=(3 * extent + 1.0, extent + 1.4), layout="constrained")
    axes = fig.subplots(1, 3)
    for ax, mode in zip(axes, MODES, strict=True):
        _draw_mode(ax, image, kernel, mode)
    handles, labels = axes[0].get_legend_handles_labels()
    dot = axes[0].collections[0]
    fig.legend([*handles, dot], [*labels, "one output pixel"], loc="outside lower center",
               ncol=3, frameon=False)
    fig.suptitle(
        f"A {h} x {w} image (grey) and a {kh} x {kw} kernel: the output size of each mode",
        fontsize=13,
    )
    return fig


def _kernel_array(kernel: ArrayLike) -> np.ndarray:
    """A float64 copy of a kernel small enough to write its values in the cells."""
    k = as_kernel(kernel)
    if max(k.shape) > 9:
        raise ValueError(f"kernel must be at most 9 x 9 to draw its values; got shape {k.shape}")
    return k.copy()


def _fmt(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.3g}"


def _draw_kernel(
    ax: Axes, k: np.ndarray, norm: Normalize, title: str, mark: tuple[int, int]
) -> None:
    ax.imshow(k, cmap="RdBu_r", norm=norm)
    rows, cols = k.shape
    for r in range(rows):
        for c in range(cols):
            strong = abs(norm(k[r, c]) - 0.5) > 0.35
            ax.text(c, r, _fmt(k[r, c]), ha="center", va="center", fontsize=12,
                    color="white" if strong else "black")
    ax.add_patch(Rectangle((mark[1] - 0.5, mark[0] - 0.5), 1, 1, fill=False,
                           edgecolor=_FIRST, linewidth=3))
    ax.set_xticks(range(cols))
    ax.set_yticks(range(rows))
    ax.set_title(title, fontsize=11)


def flip_diagram(kernel: ArrayLike) -> CourseFigure:
    """Draw a kernel, the kernel flipped up-down, and flipped left-right too.

    Flipping both ways is a rotation by 180 degrees: the entry at ``(r, c)``
    moves to ``(rows-1-r, cols-1-c)``. The top-left entry is outlined in orange
    in every panel so the eye can follow it. Values are written in the cells and
    coloured on a diverging scale centred on 0 (red positive, blue negative).

    Parameters
    ----------
    kernel : array_like, 2-D, numeric, at most 9 x 9
        The kernel to flip; it is not modified.

    Returns
    -------
    matplotlib.figure.Figure
        Three titled panels joined by arrows, and a figure title.

    Examples
    --------
    >>> fig = flip_diagram([[1, 2, 3], [4, 5, 6]])
    >>> [ax.get_title().splitlines()[0] for ax in fig.axes[:3]]
    ['the kernel', 'flip up-down', 'then flip left-right']
    """
    k = _kernel_array(kernel)
    rows, cols = k.shape
    limit = float(np.max(np.abs(k))) or 1.0
    norm = TwoSlopeNorm(vcenter=0.0, vmin=-limit, vmax=limit)
    size = max(rows, cols) * 0.7 + 1.2
    fig = CourseFigure(figsize=(3 * size + 2.4, size + 1.2), layout="constrained")
    axes = fig.subplots(1, 3, gridspec_kw={"wspace": 0.25})
    _draw_kernel(axes[0], k, norm, "the kernel\nK", (0, 0))
    axes[0].set_xlabel("column")
    axes[0].set_ylabel("row")
    _draw_kernel(axes[1], k[::-1, :], norm, "flip up-down\nK[::-1, :]", (rows - 1, 0))
    _draw_kernel(axes[2], k[::-1, ::-1], norm, "then flip left-right\nK[::-1, ::-1]",
                 (rows - 1, cols - 1))
    for left, right in ((axes[0], axes[1]), (axes[1], axes[2])):
        fig.add_artist(
            ConnectionPatch(
                xyA=(1.04, 0.5), coordsA=left.transAxes, xyB=(-0.14, 0.5),
                coordsB=right.transAxes, arrowstyle="-|>", mutation_scale=22,
                color="#444444", linewidth=2.0,
            )
        )
    fig.suptitle("Flipping a kernel both ways = rotating it by 180 degrees", fontsize=13)
    return fig
