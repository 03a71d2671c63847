"""Figures of lesson 2's second half: the frame padding invents, and the windows a stride keeps.

:func:`padding_diagram` draws a small image with its numbers, then the same image in a frame
of zeros and in a frame of repeated edge pixels, so the two borders can be read cell by cell.
:func:`stride_diagram` draws the pixel grid of an image with the windows a stride keeps: the
first one, the last one, a dot at the top-left corner of every kept window, and (grey) the
pixels that no kept window covers, which a stride larger than the kernel leaves behind.

Both return a :class:`convkit.display.CourseFigure` (titled, every panel titled; it shows
itself as a PNG when it is the last value of a notebook cell) and never touch pyplot.

Examples
--------
>>> fig = padding_diagram([[1, 2, 3], [4, 5, 6]], 2)
>>> [ax.get_title() for ax in fig.axes]
['the image, 2 x 3', "pad 2, mode 'zero': 6 x 7", "pad 2, mode 'replicate': 6 x 7"]
>>> fig = stride_diagram((7, 9), (2, 2), 3)
>>> fig.axes[0].get_title()
'stride 3: output 2 x 3, 39 pixels unused'
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb
from matplotlib.patches import Rectangle
from numpy.typing import ArrayLike

from convkit._validate import as_image, as_int, as_shape
from convkit.display import CourseFigure

__all__ = ["covered", "padding_diagram", "stride_diagram"]

# Okabe-Ito colours, as in convkit.diagrams
_FIRST = "#E69F00"  # orange
_LAST = "#0072B2"  # blue
_FRAME = "#F0E442"  # yellow: invented pixels
_IMAGE_FILL = "#d0d0d0"
_NEVER = "#7a7a7a"


def _cells(ax: Axes, colours: np.ndarray) -> None:
    """Fill the unit cells of an ``(h, w, 3)`` grid of colours, with white lines between them."""
    h, w = colours.shape[:2]
    ax.imshow(colours, extent=(0, w, h, 0), interpolation="nearest")
    ax.vlines(np.arange(1, w), 0, h, colors="white", linewidth=1.5)
    ax.hlines(np.arange(1, h), 0, w, colors="white", linewidth=1.5)


def _fmt(value: float) -> str:
    return f"{int(value)}" if float(value).is_integer() else f"{value:.3g}"


def _draw_values(ax: Axes, values: np.ndarray, pad: tuple[int, int], title: str) -> None:
    """A grid of numbers; cells outside ``values[pad_r:-pad_r, pad_c:-pad_c]`` are the frame."""
    h, w = values.shape
    pr, pc = pad
    inside = np.zeros((h, w), dtype=bool)
    inside[pr:h - pr, pc:w - pc] = True
    _cells(ax, np.where(inside[..., np.newaxis], to_rgb(_IMAGE_FILL), to_rgb(_FRAME)))
    for r in range(h):
        for c in range(w):
            ax.text(c + 0.5, r + 0.5, _fmt(values[r, c]), ha="center", va="center",
                    fontsize=10, color="black" if inside[r, c] else "#5a4a00")
    ax.add_patch(Rectangle((pc, pr), w - 2 * pc, h - 2 * pr, fill=False, edgecolor="black",
                           linewidth=2.0, zorder=3))
    ax.set_title(title, fontsize=11)
    ax.set_xlim(-0.1, w + 0.1)
    ax.set_ylim(h + 0.1, -0.1)  # row 0 at the top, like an image
    ax.set_aspect("equal")
    ax.set_axis_off()


def padding_diagram(im: ArrayLike, pad: int | tuple[int, int] = 1) -> CourseFigure:
    """The image, then the image padded with zeros and with its edge pixels repeated.

    Parameters
    ----------
    im : array_like
        A small 2-D image (its numbers are written in the cells; up to 10 x 10).
    pad : int or (int, int), optional
        Rows above and below, columns left and right (default 1).

    Returns
    -------
    CourseFigure
        Three titled panels; the invented frame is yellow, the image grey.

    Raises
    ------
    TypeError, ValueError
        For a bad image, an image larger than 10 x 10, or a bad pad.
    """
    arr = as_image(im, dtype=None)
    if max(arr.shape) > 10:
        raise ValueError(f"im must be small (up to 10 x 10) to write its numbers; got shape "
                         f"{arr.shape}")
    pr, pc = (pad, pad) if not isinstance(pad, tuple | list) else tuple(pad)
    pr, pc = as_int(pr, "pad", minimum=0), as_int(pc, "pad", minimum=0)
    widths = ((pr, pr), (pc, pc))
    panels = [(arr, (0, 0), f"the image, {arr.shape[0]} x {arr.shape[1]}")]
    for mode, np_mode in (("zero", "constant"), ("replicate", "edge")):
        padded = np.pad(arr, widths, mode=np_mode)  # type: ignore[call-overload]
        label = pad if isinstance(pad, int) else (pr, pc)
        panels.append((padded, (pr, pc),
                       f"pad {label}, mode {mode!r}: {padded.shape[0]} x {padded.shape[1]}"))
    widths_in = [p[0].shape[1] for p in panels]
    fig = CourseFigure(figsize=(0.55 * sum(widths_in) + 1.5, 0.55 * panels[-1][0].shape[0] + 1.2),
                       layout="constrained")
    axes = fig.subplots(1, 3, width_ratios=widths_in)
    for ax, (values, frame, title) in zip(axes, panels, strict=True):
        _draw_values(ax, values, frame, title)
    fig.suptitle("Padding invents a frame: zeros, or the edge pixel repeated (yellow)")
    return fig


def covered(im_shape: Sequence[int], kernel_shape: Sequence[int], stride: int) -> np.ndarray:
    """A boolean mask of the pixels that at least one kept window covers.

    Examples
    --------
    >>> covered((1, 7), (1, 2), 3).astype(int)
    array([[1, 1, 0, 1, 1, 0, 0]])
    """
    (h, w), (kh, kw) = as_shape(im_shape, "im_shape"), as_shape(kernel_shape, "kernel_shape")
    s = as_int(stride, "stride", minimum=1)
    if kh > h or kw > w:
        raise ValueError(f"kernel_shape {(kh, kw)} must fit inside im_shape {(h, w)}")
    mask = np.zeros((h, w), dtype=bool)
    for r in range(0, h - kh + 1, s):
        for c in range(0, w - kw + 1, s):
            mask[r:r + kh, c:c + kw] = True
    return mask


def stride_diagram(im_shape: Sequence[int] = (7, 9), kernel_shape: Sequence[int] = (3, 3),
                   strides: int | Sequence[int] = (1, 2, 3)) -> CourseFigure:
    """The windows a stride keeps, one panel per stride.

    Each panel draws the image's pixel grid, the first (orange) and last (blue) kept window,
    a dot at the top-left corner of every kept window (one dot per output pixel), and in
    dark grey the pixels that no kept window covers.

    Parameters
    ----------
    im_shape, kernel_shape : (int, int)
        ``(rows, columns)`` of the image and of the kernel (the kernel fits inside).
    strides : int or sequence of int, optional
        One panel per stride (default 1, 2 and 3).

    Returns
    -------
    CourseFigure

    Raises
    ------
    TypeError, ValueError
        For bad shapes, a kernel larger than the image, or a stride below 1.
    """
    h, w = as_shape(im_shape, "im_shape")
    kh, kw = as_shape(kernel_shape, "kernel_shape")
    steps = [strides] if isinstance(strides, int) else list(strides)
    steps = [as_int(s, "strides", minimum=1) for s in steps]
    if not steps:
        raise ValueError("strides must hold at least one stride")
    fig = CourseFigure(figsize=(3.4 * len(steps) * max(1.0, w / h) ** 0.5, 3.6),
                       layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(steps)))
    for ax, s in zip(axes, steps, strict=True):
        mask = covered((h, w), (kh, kw), s)
        _cells(ax, np.where(mask[..., np.newaxis], to_rgb(_IMAGE_FILL), to_rgb(_NEVER)))
        starts_r = np.arange(0, h - kh + 1, s)
        starts_c = np.arange(0, w - kw + 1, s)
        cc, rr = np.meshgrid(starts_c + 0.5, starts_r + 0.5)
        ax.scatter(cc.ravel(), rr.ravel(), s=22, color="black", zorder=4)
        for (r, c), colour in (((0, 0), _FIRST), ((starts_r[-1], starts_c[-1]), _LAST)):
            ax.add_patch(Rectangle((c + 0.07, r + 0.07), kw - 0.14, kh - 0.14, fill=False,
                                   edgecolor=colour, linewidth=2.6, zorder=5))
        never = int((~mask).sum())
        ax.set_title(f"stride {s}: output {starts_r.size} x {starts_c.size}"
                     + (f", {never} pixels unused" if never else ""), fontsize=11)
        ax.set_xlim(-0.1, w + 0.1)
        ax.set_ylim(h + 0.1, -0.1)
        ax.set_aspect("equal")
        ax.set_axis_off()
    fig.suptitle(f"{kh} x {kw} windows on a {h} x {w} image: a stride keeps every s-th window\n"
                 "dots: their top-left corners; orange: the first, blue: the last; "
                 "dark: pixels no kept window uses", fontsize=11)
    return fig
