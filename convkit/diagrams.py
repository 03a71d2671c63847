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
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import Normalize, TwoSlopeNorm, to_rgb
from matplotlib.patches import ConnectionPatch, Rectangle
from numpy.typing import ArrayLike

from convkit._validate import MODES, as_int, as_kernel, as_shape, check_mode
from convkit.display import CourseFigure

__all__ = ["MODES", "flip_diagram", "output_size_diagram", "strided_window_diagram",
           "window_starts"]

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


def _listed(starts: Sequence[int]) -> str:
    """``0, 3, 6`` (or ``0, 3, ..., 27`` when long)."""
    if len(starts) > 5:
        return f"{starts[0]}, {starts[1]}, ..., {starts[-1]}"
    return ", ".join(str(v) for v in starts)


_READ = "#cfe3f3"  # light blue: a pixel some window reads
_WINDOW = "#0072B2"  # blue: a window
_NEVER = "#D55E00"  # vermillion: a pixel no window reads


def strided_window_diagram(
    image_shape: Sequence[int] = (9, 10),
    kernel_shape: Sequence[int] = (2, 2),
    stride: int = 3,
    padding: int = 0,
) -> CourseFigure:
    """Draw every window of a strided valid-mode convolution, and the pixels none reads.

    The image is a grid of cells (zero padding, if any, dashed around it). Each
    window is a blue frame, the first one orange, with a dot at its top-left
    corner; the pixels some window reads are light blue, and those no window
    reads carry a vermillion cross. With a stride ``s`` larger than the kernel ``k``
    there are gaps of ``s - k`` pixels between neighbouring windows, and after
    the last window ``(n + 2p - k) % s`` positions start no window.

    Parameters
    ----------
    image_shape : (rows, cols), default (9, 10)
        Shape of the image (height, width), at most 30 x 30 to stay readable.
    kernel_shape : (rows, cols), default (2, 2)
        Shape of the kernel; it must fit inside the padded image.
    stride : int, default 3
        The step between two windows' top-left corners, >= 1.
    padding : int, default 0
        Zeros added on each side, >= 0.

    Returns
    -------
    matplotlib.figure.Figure
        One titled panel and a figure title counting the pixels never read.

    Examples
    --------
    >>> fig = strided_window_diagram((9, 10), (2, 2), stride=3)
    >>> fig.axes[0].get_title()
    '9 x 10 image, 2 x 2 kernel, stride 3: 3 x 3 windows'
    >>> fig.texts[0].get_text() if fig.texts else fig._suptitle.get_text()
    'Stride 3, kernel 2 x 2: 54 of the 90 pixels are never read (x)'
    """
    (h, w) = image = as_shape(image_shape, "image_shape")
    (kh, kw) = kernel = as_shape(kernel_shape, "kernel_shape")
    step = as_int(stride, "stride", minimum=1)
    pad = as_int(padding, "padding", minimum=0)
    if h > 30 or w > 30:
        raise ValueError(f"image_shape must be at most (30, 30) to draw; got {image}")
    if kh > h + 2 * pad or kw > w + 2 * pad:
        raise ValueError(f"kernel_shape {kernel} must fit inside image_shape {image} plus "
                         f"2 * padding ({2 * pad}) (valid mode has no output otherwise)")
    rows = list(range(-pad, h + pad - kh + 1, step))  # window starts, in image coordinates
    cols = list(range(-pad, w + pad - kw + 1, step))
    read = np.zeros((h, w), dtype=bool)
    for r in rows:
        for c in cols:
            read[max(r, 0):max(r + kh, 0), max(c, 0):max(c + kw, 0)] = True
    never = int(read.size - read.sum())

    size = max(h, w) + 2 * pad
    fig = CourseFigure(figsize=(0.42 * (w + 2 * pad) + 2.2, 0.42 * (h + 2 * pad) + 1.9),
                       layout="constrained")
    ax = fig.subplots()
    # the cells as one image (much faster to draw than a patch per cell), then the grid
    colours = np.ones((h + 2 * pad, w + 2 * pad, 3))
    colours[pad:pad + h, pad:pad + w][read] = to_rgb(_READ)
    ax.imshow(colours, extent=(-pad, w + pad, h + pad, -pad), interpolation="nearest",
              zorder=0)
    ax.hlines(range(1, h), 0, w, color="#bbbbbb", linewidth=0.8, zorder=1)
    ax.vlines(range(1, w), 0, h, color="#bbbbbb", linewidth=0.8, zorder=1)
    if pad:
        dashed: dict[str, Any] = {"color": "#9a9a9a", "linewidth": 0.8,
                                  "linestyles": (0, (2, 2)), "zorder": 1}
        ax.hlines([*range(-pad, 0), *range(h + 1, h + pad + 1)], -pad, w + pad, **dashed)
        ax.vlines([*range(-pad, 0), *range(w + 1, w + pad + 1)], -pad, h + pad, **dashed)
        ax.hlines(range(0, h + 1), -pad, 0, **dashed)  # the padding beside the image
        ax.hlines(range(0, h + 1), w, w + pad, **dashed)
        ax.vlines(range(0, w + 1), -pad, 0, **dashed)  # above and below it
        ax.vlines(range(0, w + 1), h, h + pad, **dashed)
        if size <= 16:
            for r in range(-pad, h + pad):
                for c in range(-pad, w + pad):
                    if not (0 <= r < h and 0 <= c < w):
                        ax.text(c + 0.12, r + 0.12, "0", ha="left", va="top",
                                color="#8a8a8a", fontsize=7)
    never_r, never_c = np.nonzero(~read)
    ax.scatter(never_c + 0.5, never_r + 0.5, marker="x", s=42, linewidths=2.2, color=_NEVER,
               zorder=3, label="a pixel never read")
    ax.add_patch(Rectangle((0, 0), w, h, fill=False, edgecolor="black", linewidth=1.6))
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            first = i == j == 0
            ax.add_patch(Rectangle((c + 0.08, r + 0.08), kw - 0.16, kh - 0.16, fill=False,
                                   edgecolor=_FIRST if first else _WINDOW,
                                   linewidth=2.6 if first else 1.8, zorder=5,
                                   label="the first window" if first else (
                                       "the other windows" if i == 0 and j == 1 else None)))
    cc, rr = np.meshgrid(np.array(cols) + 0.3, np.array(rows) + 0.3)
    ax.scatter(cc.ravel(), rr.ravel(), s=12, color=_DOT, zorder=6,
               label="a window's top-left corner")
    ax.set_title(f"{h} x {w} image, {kh} x {kw} kernel, stride {step}"
                 + (f", padding {pad}" if pad else "")
                 + f": {len(rows)} x {len(cols)} windows", fontsize=11)
    padded = "" if not pad else f" + {2 * pad}"

    def left_over(n: int, k: int, what: str) -> str:
        extra = (n + 2 * pad - k) % step
        return f"({n}{padded} - {k}) % {step} = {extra} {what}{'' if extra == 1 else 's'}"

    ax.set_xlabel(f"windows start at rows {_listed(rows)} and columns {_listed(cols)}\n"
                  f"left over at the end, starting no window: {left_over(h, kh, 'row')}, "
                  f"{left_over(w, kw, 'column')}", fontsize=9)
    ax.set_xlim(-pad - 0.2, w + pad + 0.2)
    ax.set_ylim(h + pad + 0.2, -pad - 0.2)  # row 0 at the top, like an image
    ax.set_aspect("equal")
    every = 1 if max(h, w) <= 12 else 2
    ax.set_xticks([c + 0.5 for c in range(0, w, every)], [str(c) for c in range(0, w, every)])
    ax.set_yticks([r + 0.5 for r in range(0, h, every)], [str(r) for r in range(0, h, every)])
    ax.tick_params(length=0, labelsize=8, labeltop=True, labelbottom=False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    fig.legend(loc="outside lower center", ncol=2, frameon=False, fontsize=9)
    fig.suptitle(f"Stride {step}, kernel {kh} x {kw}: {never} of the {h * w} pixels are "
                 "never read (x)", fontsize=12)
    return fig
