"""Pictures of images and kernel results that show what the numbers are.

Two traps make kernel results look wrong when they are right:

* **Auto-contrast.** ``imshow`` on a grey image stretches its own min..max to
  black..white by default, so a blurred image (whose range shrank) looks as
  contrasty as the original. :func:`show_side_by_side` fixes one value range
  for every grey panel instead (0..255), so a blur looks blurred and a
  darker result looks darker.
* **Hidden negatives.** Edge kernels give signed results. An image file (uint8)
  cannot store a negative number, and neither can a grey colormap show one.
  :func:`show_signed` offers three honest views, and :func:`to_display` is the
  array part of two of them.

The functions return a :class:`CourseFigure`, a
:class:`matplotlib.figure.Figure` that is not registered with pyplot and draws
itself as a PNG in Jupyter: a figure shows when it is the last value of a
cell (or with ``display(fig)``), with or without ``%matplotlib inline``. In a
script, save it with ``fig.savefig(path)``. Nothing is drawn behind your back
(no double pictures in notebooks) and nothing piles up in pyplot's memory
when widgets redraw.

Examples
--------
>>> import numpy as np
>>> to_display(np.array([[-20.0, 0.4, 300.0]]), "clip")
array([[  0,   0, 255]], dtype=uint8)
>>> to_display(np.array([[-20.0, 0.0, 300.0]]), "rescale")
array([[  0,  16, 255]], dtype=uint8)
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Literal, cast

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from numpy.typing import ArrayLike, NDArray

from convkit._validate import as_int, as_picture, as_real, as_text, check_choice

__all__ = [
    "CourseFigure",
    "DIVERGING_CMAP",
    "MAGNITUDE_CMAP",
    "draw_panel",
    "show_side_by_side",
    "show_signed",
    "symmetric_limit",
    "to_display",
]

#: colormap for signed results: blue below 0, white at 0, red above
DIVERGING_CMAP = "RdBu_r"
#: colormap for magnitudes (>= 0), e.g. the gradient magnitude
MAGNITUDE_CMAP = "magma"

#: images up to this many pixels on their longer side are drawn with visible pixels
SMALL_IMAGE = 64

PanelKind = Literal["image", "clip", "rescale", "diverging", "magnitude"]
SignedMode = Literal["clip", "rescale", "diverging", "all"]
_VIEWS: tuple[PanelKind, ...] = ("clip", "rescale", "diverging")
_KINDS: tuple[PanelKind, ...] = ("image", "clip", "rescale", "diverging", "magnitude")


class CourseFigure(Figure):
    """A matplotlib Figure that shows itself as a PNG in Jupyter.

    A plain ``Figure()`` made without pyplot displays only as text
    (``<Figure size ...>``) unless the notebook ran ``%matplotlib inline``;
    this subclass adds ``_repr_png_``, so returning it from a cell always
    draws it, exactly once. Otherwise it is an ordinary Figure.

    Examples
    --------
    >>> fig = CourseFigure(figsize=(2, 1))
    >>> _ = fig.subplots().set_title("a title")
    >>> fig._repr_png_()[:4]
    b'\\x89PNG'
    """

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()


# ---------------------------------------------------------------------------
# arrays


def _as_picture(image: ArrayLike, name: str) -> NDArray:
    """Validate an image or result (:func:`convkit._validate.as_picture`); a mask becomes 0/255."""
    arr = as_picture(image, name, booleans=True)
    if arr.dtype == np.bool_:
        arr = arr.astype(np.uint8) * 255
    return arr


def to_display(result: ArrayLike, mode: Literal["clip", "rescale"] = "clip") -> NDArray[np.uint8]:
    """Turn a float result into a ``uint8`` picture, by clipping or by rescaling.

    Parameters
    ----------
    result : array_like, shape (H, W) or (H, W, 3)
        Any real numbers, e.g. ``im_conv``'s float64 output. Not modified.
    mode : {"clip", "rescale"}, optional
        ``"clip"`` (default): round to the nearest integer (halves to even,
        like OpenCV's ``saturate_cast``) and clip to 0..255. This is exactly
        what saving as an 8-bit image or ``cv2.filter2D(..., ddepth=-1)``
        stores: **negatives become black (0) and values over 255 white**, and
        that information is lost. Right for results that are pictures
        (blur, sharpen); wrong for signed ones, where half the answer
        disappears.

        ``"rescale"``: map the result's own minimum to 0 and maximum to 255
        linearly, then round. Every value stays visible, but 0 is no longer
        black (it becomes the grey level ``255 * -min / (max - min)``) and
        two images rescaled separately have different contrast, so their
        grey levels cannot be compared. A constant result becomes all 0.

    Returns
    -------
    ndarray of uint8, same shape as ``result``
        A new array.

    Raises
    ------
    TypeError
        If ``result`` is not numeric.
    ValueError
        If ``result`` is empty, has NaN/inf, has the wrong shape, or ``mode``
        is unknown.

    See Also
    --------
    show_signed : draws these two and the diverging view.

    Examples
    --------
    >>> import numpy as np
    >>> edges = np.array([[-100.0, 0.0, 100.0, 400.0]])
    >>> to_display(edges, "clip")
    array([[  0,   0, 100, 255]], dtype=uint8)
    >>> to_display(edges, "rescale")
    array([[  0,  51, 102, 255]], dtype=uint8)
    """
    arr = _as_picture(result, "result").astype(np.float64)
    check_choice(mode, "mode", ("clip", "rescale"))
    if mode == "clip":
        return np.clip(np.rint(arr), 0, 255).astype(np.uint8)
    if mode == "rescale":
        low, high = float(arr.min()), float(arr.max())
        if high == low:
            return np.zeros(arr.shape, np.uint8)
        # multiply before dividing: exact for integer-valued results (127.5 stays 127.5)
    return np.rint((arr - low) * 255.0 / (high - low)).astype(np.uint8)


def symmetric_limit(result: ArrayLike) -> float:
    """The largest absolute value in ``result`` (1.0 if all are 0).

    A diverging colormap drawn from ``-limit`` to ``+limit`` puts 0 exactly at
    its neutral middle colour.

    Parameters
    ----------
    result : array_like

    Returns
    -------
    float

    Examples
    --------
    >>> symmetric_limit([[-3.0, 1.0], [2.0, 0.0]])
    3.0
    """
    limit = float(np.max(np.abs(np.asarray(result, dtype=np.float64))))
    return limit if limit > 0 else 1.0


def _default_range(images: Sequence[NDArray]) -> tuple[float, float]:
    """0..1 when every image is float with values in [0, 1]; otherwise 0..255."""
    unit = all(
        np.issubdtype(im.dtype, np.floating) and im.min() >= 0 and im.max() <= 1 for im in images
    )
    return (0.0, 1.0) if unit else (0.0, 255.0)


# ---------------------------------------------------------------------------
# drawing


def draw_panel(
    ax: Axes,
    image: ArrayLike,
    title: str,
    *,
    kind: PanelKind = "image",
    value_range: tuple[float, float] = (0.0, 255.0),
    cmap: str | None = None,
    colorbar: bool | None = None,
    limit: float | None = None,
) -> AxesImage:
    """Draw one titled image or result on ``ax``, without ticks.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    image : array_like, shape (H, W) or (H, W, 3)
        Not modified.
    title : str
        The panel's title (required: every panel says what it shows).
    kind : {"image", "clip", "rescale", "diverging", "magnitude"}, optional
        ``"image"`` (default): grey with the fixed ``value_range`` (values
        outside it show as black or white), colour as RGB.
        ``"clip"`` / ``"rescale"``: :func:`to_display` first, then grey 0..255.
        ``"diverging"``: a 2-D signed result on :data:`DIVERGING_CMAP` from
        ``-limit`` to ``+limit`` (:func:`symmetric_limit`), so 0 is white.
        ``"magnitude"``: a 2-D result >= 0 on :data:`MAGNITUDE_CMAP` from 0 to
        its maximum.
    value_range : (float, float), optional
        The black and white values for ``kind="image"``. Default (0, 255).
    cmap : str, optional
        Override the colormap of a 2-D panel (default: gray, or the
        diverging / magnitude colormaps).
    colorbar : bool, optional
        Add a colour bar. Default: only for ``"diverging"`` and
        ``"magnitude"``, where the colours stand for numbers.
    limit : float, optional
        For ``"diverging"`` and ``"magnitude"``: the value drawn in the
        strongest colour (default: the largest absolute value). A smaller
        limit brings out faint responses; larger values saturate, and the
        colour bar gets arrows to say so.

    Returns
    -------
    matplotlib.image.AxesImage

    Raises
    ------
    TypeError, ValueError
        For a bad image, an empty title, an unknown ``kind``, or a colour image
        with ``"diverging"`` / ``"magnitude"``.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> import numpy as np
    >>> ax = Figure().subplots()
    >>> _ = draw_panel(ax, np.eye(3) - 0.5, "signed", kind="diverging")
    >>> ax.get_title()
    'signed'
    """
    as_text(title, "title")
    check_choice(kind, "kind", _KINDS)
    arr = _as_picture(image, "image")
    colour = arr.ndim == 3
    options: dict = {}
    saturated = False
    if kind == "image":
        low, high = (float(v) for v in value_range)
        if not high > low:
            raise ValueError(f"value_range must be (low, high) with low < high; got {value_range}")
        if colour:
            if arr.dtype != np.uint8:  # imshow wants RGB floats in 0..1
                arr = (np.clip(arr.astype(np.float64), low, high) - low) / (high - low)
        else:
            options = {"cmap": cmap or "gray", "vmin": low, "vmax": high}
    elif kind in ("clip", "rescale"):
        arr = to_display(arr, kind)
        if not colour:
            options = {"cmap": cmap or "gray", "vmin": 0, "vmax": 255}
    else:  # "diverging" or "magnitude"
        if colour:
            raise ValueError(
                f"kind={kind!r} needs a 2-D (height, width) result; got shape {arr.shape}: "
                "convert to grey first or show each channel"
            )
        top = symmetric_limit(arr)
        if limit is not None:
            limit = as_real(limit, "limit", positive=True)
            saturated = top > limit
            top = limit
        if kind == "diverging":
            options = {"cmap": cmap or DIVERGING_CMAP, "vmin": -top, "vmax": top}
        else:
            options = {"cmap": cmap or MAGNITUDE_CMAP, "vmin": 0, "vmax": top}
    small = max(arr.shape[:2]) <= SMALL_IMAGE
    shown = ax.imshow(arr, interpolation="nearest" if small else "antialiased", **options)
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
    if colorbar is None:
        colorbar = kind in ("diverging", "magnitude")
    if colorbar:
        extend = "neither"
        if saturated:
            extend = "both" if kind == "diverging" else "max"
        ax.figure.colorbar(shown, ax=ax, shrink=0.8, extend=extend)
    return shown


def _grid(count: int, ncols: int | None) -> tuple[int, int]:
    if ncols is None:
        ncols = count if count <= 4 else min(4, int(np.ceil(np.sqrt(count))))
    ncols = min(as_int(ncols, "ncols", minimum=1), count)
    return int(np.ceil(count / ncols)), ncols


def _figure(
    shapes: Sequence[tuple[int, ...]], nrows: int, ncols: int, panel: float, extra: float
) -> CourseFigure:
    aspect = max(shape[0] / shape[1] for shape in shapes)  # height / width
    width = ncols * (panel + extra)
    height = nrows * (panel * min(max(aspect, 0.3), 2.0) + 0.5) + 0.3
    return CourseFigure(figsize=(width, height), layout="constrained")


def show_side_by_side(
    images: Sequence[ArrayLike],
    titles: Sequence[str],
    *,
    suptitle: str | None = None,
    cmap: str = "gray",
    value_range: tuple[float, float] | None = None,
    ncols: int | None = None,
    panel_size: float = 3.2,
) -> CourseFigure:
    """Show images next to each other, each with its title, on one value scale.

    Grey panels all use the same fixed black and white values
    (``value_range``), **not** each image's own min..max. So a blurred image
    keeps its softer contrast and a result that got darker looks darker; with
    matplotlib's default auto-contrast both would look as crisp as the
    original. Float values outside the range show as black or white, which is
    what an 8-bit image file would store; use :func:`show_signed` for signed
    results (edge kernels), where that would hide the negatives.

    Parameters
    ----------
    images : sequence of array_like
        Each ``(H, W)`` (grey, drawn with ``cmap``) or ``(H, W, 3)`` (RGB, in
        R, G, B order; ``uint8``, or floats in ``value_range``). Sizes may
        differ, e.g. an image and its smaller valid-mode result. Not modified.
    titles : sequence of str
        One non-empty title per image.
    suptitle : str, optional
        A title for the whole figure.
    cmap : str, optional
        Colormap for grey panels. Default ``"gray"``.
    value_range : (float, float), optional
        Black and white values for every panel. Default (0, 255), or (0, 1)
        when every image is a float array with values in [0, 1].
    ncols : int, optional
        Panels per row. Default: all in one row up to 4, then a grid.
    panel_size : float, optional
        Width of a panel in inches. Default 3.2.

    Returns
    -------
    CourseFigure
        A matplotlib Figure (see the module docstring).

    Raises
    ------
    TypeError, ValueError
        If an image is not a numeric ``(H, W)`` or ``(H, W, 3)`` array, the
        numbers of images and titles differ, or a title is empty.

    Examples
    --------
    >>> import numpy as np
    >>> square = np.zeros((9, 9)); square[3:6, 3:6] = 255
    >>> fig = show_side_by_side([square, square / 2], ["original", "half as bright"])
    >>> [ax.get_title() for ax in fig.axes]
    ['original', 'half as bright']
    >>> fig.axes[1].images[0].get_clim()  # the same scale: half-bright looks darker
    (0.0, 255.0)
    """
    if isinstance(images, np.ndarray):
        raise TypeError("images must be a list of images, e.g. [im, result]; got one array")
    arrays = [_as_picture(im, f"images[{i}]") for i, im in enumerate(images)]
    titles = list(titles) if not isinstance(titles, str) else [titles]
    if not arrays:
        raise ValueError("images is empty: give at least one image")
    if len(titles) != len(arrays):
        raise ValueError(f"give one title per image: {len(arrays)} images but {len(titles)} titles")
    if value_range is None:
        value_range = _default_range(arrays)
    nrows, ncols = _grid(len(arrays), ncols)
    fig = _figure([a.shape for a in arrays], nrows, ncols, panel_size, 0.1)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, arr, title in zip(axes, arrays, titles, strict=False):
        draw_panel(ax, arr, title, kind="image", value_range=value_range, cmap=cmap)
    for ax in axes[len(arrays) :]:
        fig.delaxes(ax)
    if suptitle:
        fig.suptitle(suptitle)
    return fig


def _clip_note(arr: NDArray) -> str:
    below, above = int((arr < 0).sum()), int((arr > 255).sum())
    return f"clipped: {below} px < 0 shown black, {above} px > 255 white"


def _rescale_note(arr: NDArray) -> str:
    low, high = float(arr.min()), float(arr.max())
    if high == low:
        return f"rescaled: constant {low:.4g} shown black"
    zero = 255.0 * -low / (high - low)
    where = f"0 is grey {zero:.0f}" if 0 <= zero <= 255 else "0 is outside the range"
    return f"rescaled: {low:.4g}..{high:.4g} -> 0..255; {where}"


def show_signed(
    result: ArrayLike,
    title: str,
    *,
    mode: SignedMode = "diverging",
    cmap: str = DIVERGING_CMAP,
    limit: float | None = None,
    panel_size: float = 4.0,
) -> CourseFigure:
    """Show a signed result (an edge kernel's output) without hiding its negatives.

    Three views, each with a subtitle that says what was done:

    ``"clip"``
        What a uint8 image file would store (:func:`to_display` ``"clip"``):
        negative values become black and values over 255 white. The
        subtitle counts the pixels that lost information, because on an edge
        result about half of the edges are negative and simply vanish.
    ``"rescale"``
        The result's min..max stretched to 0..255 (:func:`to_display`
        ``"rescale"``). Everything stays visible, but 0 is now a mid grey
        (the subtitle says which), and the contrast depends on this image's
        extremes, so two rescaled results cannot be compared by eye.
    ``"diverging"`` (default)
        The raw values on a diverging colormap centred on 0 (blue negative,
        white 0, red positive, symmetric limits) with a colour bar in the
        result's own units. Nothing is lost and 0 means 0. 2-D results only.
    ``"all"``
        The three views side by side.

    Parameters
    ----------
    result : array_like, shape (H, W) or (H, W, 3)
        The signed result, e.g. ``im_conv(im, SOBEL_X)``. Not modified.
        A colour ``(H, W, 3)`` result works with ``"clip"`` and ``"rescale"``.
    title : str
        What the result is; each panel's title starts with it.
    mode : {"diverging", "clip", "rescale", "all"}, optional
    cmap : str, optional
        The diverging colormap. Default ``"RdBu_r"``.
    limit : float, optional
        The diverging view's colour limit (default: the largest absolute
        value). A few strong edges can make every other response look white;
        a smaller limit (e.g. ``np.percentile(abs(result), 99)``) shows the
        faint ones, saturating the strong ones.
    panel_size : float, optional
        Width of a panel in inches. Default 4.

    Returns
    -------
    CourseFigure
        A matplotlib Figure (see the module docstring).

    Raises
    ------
    TypeError, ValueError
        For a bad result, an empty title, an unknown mode, or a colour result
        with ``"diverging"`` / ``"all"``.

    Examples
    --------
    >>> import numpy as np
    >>> ramp = np.array([[-40.0, -10.0, 0.0, 10.0, 80.0]] * 3)
    >>> fig = show_signed(ramp, "an edge result", mode="all")
    >>> [ax.get_title().splitlines()[0] for ax in fig.axes if ax.get_title()]
    ['an edge result: clipped', 'an edge result: rescaled', 'an edge result: diverging']
    """
    as_text(title, "title")
    arr = _as_picture(result, "result").astype(np.float64)
    check_choice(mode, "mode", (*_VIEWS, "all"))
    views: tuple[PanelKind, ...] = _VIEWS if mode == "all" else (cast(PanelKind, mode),)
    if "diverging" in views and arr.ndim == 3:
        raise ValueError(
            f"the diverging view needs a 2-D (height, width) result; got shape {arr.shape}: "
            "use mode='clip' or 'rescale', or convert to grey first"
        )
    fig = _figure([arr.shape], 1, len(views), panel_size, 0.6)
    axes = fig.subplots(1, len(views), squeeze=False).ravel()
    for ax, view in zip(axes, views, strict=True):
        if view == "clip":
            label, note = "clipped", _clip_note(arr)
        elif view == "rescale":
            label, note = "rescaled", _rescale_note(arr)
        else:
            low, high = float(arr.min()), float(arr.max())
            label, note = "diverging", f"blue < 0 < red; min {low:.4g}, max {high:.4g}"
        diverging = view == "diverging"
        draw_panel(ax, arr, f"{title}: {label}\n{note}", kind=view,
                   cmap=cmap if diverging else None, limit=limit if diverging else None)
        ax.title.set_fontsize("medium")
    if len(views) > 1:
        fig.suptitle(f"{title}: three ways to show negative values")
    return fig
