"""The sliding window, one position at a time (lesson 1).

:func:`window_step` is the pure callback: for the ``index``-th window position
(row-major order) it returns the window, the elementwise products with the
kernel, their sum, and the output computed so far. :func:`render_step` draws
that as four titled panels (PNG bytes), and :func:`sliding_window_widget` wraps
it in a slider (and a play button) for JupyterLab.

The kernel is not flipped: the window is multiplied by the kernel as it stands,
which is what ``im_conv`` computes (valid mode).
"""

from __future__ import annotations

import io
from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import Colormap, Normalize, TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from convkit._validate import as_image, as_int, as_kernel, check_fits

__all__ = [
    "MAX_IMAGE_SIDE",
    "SlidingWindowWidget",
    "n_positions",
    "render_step",
    "sliding_window_widget",
    "window_step",
]

#: the widget writes every pixel value into the picture: keep images small
MAX_IMAGE_SIDE = 32
_ANNOTATE_SIDE = 12  # write values into cells up to this many rows/columns
_WINDOW = "#E69F00"  # Okabe-Ito orange


def _check(im: Any, kernel: Any) -> tuple[np.ndarray, np.ndarray]:
    """``im`` and ``kernel`` validated like every convkit input (dtypes kept), the kernel inside."""
    im_arr, k_arr = as_image(im, dtype=None), as_kernel(kernel, dtype=None)
    check_fits(im_arr.shape, k_arr.shape)
    return im_arr, k_arr


def n_positions(im_shape: tuple[int, int], kernel_shape: tuple[int, int]) -> int:
    """How many valid window positions a kernel has inside an image.

    Examples
    --------
    >>> n_positions((5, 6), (3, 3))
    12
    """
    return (im_shape[0] - kernel_shape[0] + 1) * (im_shape[1] - kernel_shape[1] + 1)


def window_step(im: Any, kernel: Any, index: int) -> dict[str, Any]:
    """Everything the sliding-window widget shows at window position ``index``.

    Positions are counted in reading order: along the first row of windows, then
    the next row. Nothing is flipped; uint8 images are computed in float, so
    sums never wrap around. The inputs are not modified.

    Parameters
    ----------
    im : array_like, 2-D, numeric
        The image, ``(rows, cols)``.
    kernel : array_like, 2-D, numeric
        The kernel; it must fit inside the image.
    index : int
        Window position, ``0 <= index < n_positions(im.shape, kernel.shape)``.

    Returns
    -------
    dict
        ``row``, ``col``: the window's top-left corner in the image;
        ``window``: ``im[row:row+kh, col:col+kw]`` as float64;
        ``products``: ``window * kernel``; ``total``: their sum (a float);
        ``output``: float64 array of the valid-mode output shape holding the
        sums of positions ``0..index`` and NaN where the window has not been yet;
        ``index`` and ``n_positions``.

    Examples
    --------
    >>> im = np.arange(12).reshape(3, 4)
    >>> step = window_step(im, np.ones((2, 2)), 1)
    >>> step["row"], step["col"], step["total"]
    (0, 1, 14.0)
    >>> step["output"]
    array([[10., 14., nan],
           [nan, nan, nan]])
    """
    im_arr, k_arr = _check(im, kernel)
    index = as_int(index, "index")
    (h, w), (kh, kw) = im_arr.shape, k_arr.shape
    out_h, out_w = h - kh + 1, w - kw + 1
    count = out_h * out_w
    if not 0 <= index < count:
        raise ValueError(f"index must be in 0..{count - 1} for these shapes; got {index}")
    image = im_arr.astype(np.float64)
    weights = k_arr.astype(np.float64)
    output = np.full((out_h, out_w), np.nan)
    for i in range(index + 1):
        r, c = divmod(i, out_w)
        output[r, c] = float(np.sum(image[r : r + kh, c : c + kw] * weights))
    row, col = divmod(index, out_w)
    window = image[row : row + kh, col : col + kw].copy()
    products = window * weights
    return {
        "row": row,
        "col": col,
        "window": window,
        "products": products,
        "total": float(products.sum()),
        "output": output,
        "index": index,
        "n_positions": count,
    }


def _fmt(value: float) -> str:
    if np.isnan(value):
        return "?"
    if float(value).is_integer() and abs(value) < 1e5:
        return str(int(value))
    return f"{value:.3g}"


def _signed_norm(*arrays: np.ndarray) -> Normalize:
    limit = max(float(np.nanmax(np.abs(a))) if np.any(np.isfinite(a)) else 0.0 for a in arrays)
    limit = limit or 1.0
    return TwoSlopeNorm(vcenter=0.0, vmin=-limit, vmax=limit)


def _panel(ax: Axes, values: np.ndarray, title: str, cmap: str, norm: Normalize,
           annotate: bool, signed: bool) -> None:
    shown = np.ma.masked_invalid(values)
    colormap = _cmap(cmap)
    ax.imshow(shown, cmap=colormap, norm=norm, interpolation="nearest")
    rows, cols = values.shape
    if annotate:
        size = 10 if max(rows, cols) <= 6 else 8 if max(rows, cols) <= 9 else 6.5
        for r in range(rows):
            for c in range(cols):
                v = values[r, c]
                if np.isnan(v):
                    colour = "#777777"
                elif signed:
                    colour = "white" if abs(norm(v) - 0.5) > 0.35 else "black"
                else:
                    colour = "white" if norm(v) < 0.5 else "black"
                ax.text(c, r, _fmt(v), ha="center", va="center", fontsize=size, color=colour)
    ax.set_xticks(range(cols) if cols <= _ANNOTATE_SIDE else [])
    ax.set_yticks(range(rows) if rows <= _ANNOTATE_SIDE else [])
    ax.tick_params(labelsize=7, length=0)
    ax.set_title(title, fontsize=10)


def _cmap(name: str) -> Colormap:
    from matplotlib import colormaps

    cmap = colormaps[name].with_extremes(bad="#f2f2f2")  # not reached yet
    return cmap


def render_step(im: Any, kernel: Any, index: int, *, dpi: int = 80) -> bytes:
    """Draw :func:`window_step` as four titled panels and return PNG bytes.

    Panels: the image with the window outlined, the kernel, the elementwise
    products, and the output so far with the current pixel outlined. Grey for
    images; a diverging map centred on 0 for signed kernels and products.

    Examples
    --------
    >>> png = render_step(np.arange(20).reshape(4, 5), np.ones((3, 3)) / 9, 0)
    >>> png[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
    """
    im_arr, k_arr = _check(im, kernel)
    if max(im_arr.shape) > MAX_IMAGE_SIDE:
        raise ValueError(
            f"im must be at most {MAX_IMAGE_SIDE} x {MAX_IMAGE_SIDE} for the sliding-window "
            f"picture (every value is drawn); got shape {im_arr.shape}: pass a crop, "
            "e.g. im[100:110, 200:212]"
        )
    step = window_step(im_arr, k_arr, index)
    (h, w), (kh, kw) = im_arr.shape, k_arr.shape
    row, col = step["row"], step["col"]
    annotate_image = max(h, w) <= _ANNOTATE_SIDE
    annotate_kernel = max(kh, kw) <= 7

    image = im_arr.astype(np.float64)
    fig = Figure(figsize=(13, 3.9), dpi=dpi, layout="constrained")
    ax_im, ax_k, ax_p, ax_out = fig.subplots(
        1, 4, gridspec_kw={"width_ratios": [w, max(kw, 2.5), max(kw, 2.5), w - kw + 1]}
    )
    low, high = float(image.min()), float(image.max()) or 1.0
    if low == high:
        low, high = low - 1, high + 1
    im_norm = Normalize(vmin=low, vmax=high)
    _panel(ax_im, image, f"image {h} x {w}: window at row {row}, col {col}", "gray",
           im_norm, annotate_image, signed=False)
    ax_im.add_patch(Rectangle((col - 0.5, row - 0.5), kw, kh, fill=False,
                              edgecolor=_WINDOW, linewidth=3))

    k_norm = _signed_norm(k_arr.astype(np.float64))
    _panel(ax_k, k_arr.astype(np.float64), f"kernel {kh} x {kw}", "RdBu_r", k_norm,
           annotate_kernel, signed=True)
    p_norm = _signed_norm(step["products"])
    _panel(ax_p, step["products"], "window x kernel\n(elementwise products)", "RdBu_r",
           p_norm, annotate_kernel, signed=True)

    out = step["output"]
    # one colour scale for every position, from the finished output, so colours never jump
    final = window_step(im_arr, k_arr, step["n_positions"] - 1)["output"]
    signed = bool(np.any(k_arr < 0))
    if signed:
        out_norm = _signed_norm(final)
    else:  # a non-negative kernel: on the image's scale times the kernel's sum (a blur: the same)
        total = float(k_arr.sum())
        low = min(float(final.min()), float(image.min()) * total)
        high = max(float(final.max()), float(image.max()) * total)
        out_norm = Normalize(vmin=low, vmax=high if high > low else low + 1)
    _panel(ax_out, out, f"output so far:\nsum = {_fmt(step['total'])} -> output[{row}, {col}]",
           "RdBu_r" if signed else "gray", out_norm, annotate_image, signed=signed)
    ax_out.add_patch(Rectangle((col - 0.5, row - 0.5), 1, 1, fill=False,
                               edgecolor=_WINDOW, linewidth=3))
    fig.suptitle(
        f"Window position {step['index'] + 1} of {step['n_positions']}: multiply, then add up",
        fontsize=12,
    )
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


class SlidingWindowWidget(widgets.VBox):
    """A slider (and a play button) over the window positions, and the picture.

    Attributes
    ----------
    slider : ipywidgets.IntSlider
        The window position, 0-based, in reading order.
    image : ipywidgets.Image
        The PNG drawn by :func:`render_step` for the slider's position.
    caption : ipywidgets.HTML
        One sentence saying what the picture shows.
    """

    def __init__(self, im: Any, kernel: Any, *, dpi: int = 80) -> None:
        im_arr, k_arr = _check(im, kernel)
        self._im = np.array(im_arr, copy=True)  # later changes to the caller's arrays don't leak
        self._kernel = np.array(k_arr, copy=True)
        self._dpi = dpi
        count = n_positions(self._im.shape, self._kernel.shape)
        self.slider = widgets.IntSlider(
            value=0, min=0, max=count - 1, step=1, description="window position",
            continuous_update=False, style={"description_width": "initial"},
            layout=widgets.Layout(width="420px"),
        )
        self.play = widgets.Play(value=0, min=0, max=count - 1, step=1, interval=900,
                                 description="play the windows one after another")
        widgets.jslink((self.play, "value"), (self.slider, "value"))
        self.caption = widgets.HTML()
        self.image = widgets.Image(format="png")
        self.slider.observe(self._on_change, names="value")
        self.update(0)
        super().__init__([widgets.HBox([self.play, self.slider]), self.caption, self.image])

    def _on_change(self, change: dict[str, Any]) -> None:
        self.update(int(change["new"]))

    def update(self, index: int) -> None:
        """Redraw the picture and the caption for window position ``index``."""
        step = window_step(self._im, self._kernel, index)
        self.image.value = render_step(self._im, self._kernel, index, dpi=self._dpi)
        self.caption.value = (
            f"Window at row {step['row']}, column {step['col']}: "
            f"the sum of the {step['products'].size} products is "
            f"<b>{_fmt(step['total'])}</b>, which becomes "
            f"<code>output[{step['row']}, {step['col']}]</code>."
        )


def sliding_window_widget(im: Any, kernel: Any) -> SlidingWindowWidget:
    """A slider that steps ``kernel``'s window across a small image ``im``.

    Shows the image with the window outlined, the kernel, the elementwise
    products and their sum, and the output filling in. ``im`` must be at most
    ``MAX_IMAGE_SIDE`` pixels on each side (every value is drawn): pass a crop.

    Parameters
    ----------
    im : array_like, 2-D, numeric
    kernel : array_like, 2-D, numeric, no larger than ``im``

    Returns
    -------
    SlidingWindowWidget
        An ``ipywidgets.VBox``; display it as the last line of a cell.

    Examples
    --------
    >>> w = sliding_window_widget(np.arange(30).reshape(5, 6), np.ones((3, 3)))
    >>> w.slider.description, w.slider.max
    ('window position', 11)
    """
    return SlidingWindowWidget(im, kernel)
