"""The kernel explorer: choose a kernel and an image, see the original and the result.

Lesson 4 ends with this widget: two dropdowns (``Kernel:`` and ``Image:``) and a
picture with three titled panels, the original image, the kernel with its
weights written in, and the filtered result. Changing either dropdown redraws
the picture.

Beside the dropdowns sits the kernel itself, as a grid of number boxes (3x3 or
5x5, the ``Grid:`` buttons) and a ``Divide by:`` box, like setosa's *Image
Kernels*: the kernel is the weights divided by the divisor. Choosing a named
kernel fills the grid with its weights (whole numbers where a divisor makes
them so: the 3x3 box blur is nine 1s divided by 9), so you start from a kernel
you know; typing a weight (then Enter or Tab) switches the dropdown to
``Custom`` and redraws the picture with your kernel. The line under the grid
says what the weights sum to and what that means (1 keeps the brightness of
flat areas, 0 makes the result signed). In the browser a box takes only a
number: text that is not one (letters, an empty box, ``1e999``) is put back
to the box's number. Weights set from code that are not numbers (NaN,
infinity) and a divisor of 0 are refused with a message under the grid, and
the picture keeps showing the last valid kernel.

Like every convkit widget it has two layers:

* :func:`explore` (a named kernel) and :func:`explore_custom` (weights and a
  divisor from the grid) are the pure computation (no widgets, no figures):
  they filter the image with the kernel and decide how to show the result;
  :func:`grid_weights` is what fills the grid and :func:`custom_kernel` what
  reads it back. Tests and the benchmark call them directly.
* :func:`kernel_explorer` is a thin ipywidgets wrapper: the controls call
  those functions, :func:`render_png` draws the result with matplotlib's Agg
  backend into PNG bytes, and an ``ipywidgets.Image`` shows them (so a browser
  test can compare the bytes before and after a change).

What the result panel shows
---------------------------
The image is filtered with ``convkit.correlate(im, kernel, mode="same",
boundary="reflect")``: the kernel is *not* flipped (the course's ``im_conv``
convention, and OpenCV's), the output has the input's size, and the image is
mirrored at its border so that blurs do not darken the edges.

* Kernels whose results are images (blur, sharpen, unsharp masking, emboss:
  their weights sum to 1, so a flat region keeps its brightness) are shown in
  grey on the fixed range 0..255, values outside that range clipped, and the
  title says how many pixels were clipped.
* Kernels with signed results (identity minus blur, Laplacian, Sobel, diagonal
  edges: their weights sum to 0, so a flat region gives 0 and an edge gives a
  positive or a negative value) are shown with a diverging colormap centred on
  0 with a colourbar: red is positive, blue negative, white zero. Clipping them
  would turn every negative value black and lose half the edges.

That is the ``auto`` choice of the ``Show:`` buttons; ``clip``, ``rescale``
(the result's own minimum black, its maximum white: every value visible, but
0 no longer black) and ``diverging`` force one view, as
:func:`convkit.display.show_signed` offers them, e.g. to see what a kernel
whose weights sum to -1 does, which clipping turns black.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from numpy.typing import ArrayLike

from convkit._validate import as_image, as_int, as_kernel, as_real, check_choice

#: an axes' position in figure fractions: (left, bottom, width, height)
Rect = tuple[float, float, float, float]

__all__ = [
    "CUSTOM",
    "DIVERGING_CMAP",
    "GRID_SIZES",
    "KernelExplorer",
    "SHOW_CHOICES",
    "custom_kernel",
    "explore",
    "explore_custom",
    "figure_png",
    "grid_weights",
    "image_axes",
    "image_choices",
    "kernel_explorer",
    "render_figure",
    "render_png",
    "shrink_for_display",
]

#: the colormap of signed results: diverging, centred on 0
DIVERGING_CMAP = "RdBu_r"

#: the ``Kernel:`` choice whose weights come from the grid of number boxes
CUSTOM = "Custom"

#: the sizes of the grid of number boxes (rows = columns)
GRID_SIZES: tuple[int, ...] = (3, 5)

#: how the result is shown: ``auto`` is diverging when the kernel sums to 0, else clipped
SHOW_CHOICES: tuple[str, ...] = ("auto", "clip", "rescale", "diverging")

#: the synthetic patterns the explorer offers besides the photos, with how they are made
_SYNTHETIC: dict[str, tuple[str, dict[str, Any]]] = {
    "impulse": ("impulse", {"size": 15}),
    "step edge": ("step_edge", {"size": 64}),
    "white square": ("white_square", {"size": 64}),
    "checkerboard": ("checkerboard", {"size": 64, "square": 8}),
}


@lru_cache(maxsize=32)
def _course_image(name: str) -> np.ndarray:
    """A course photo or synthetic pattern as a read-only float64 (H, W) array."""
    from convkit import images

    if name in _SYNTHETIC:
        builder, kwargs = _SYNTHETIC[name]
        im = getattr(images, builder)(**kwargs)
    else:
        im = images.load_image(name, gray=True)
    im = np.array(im, dtype=np.float64)  # uint8, black 0 and white 255, like the photos
    im.flags.writeable = False
    return im


def image_choices() -> list[str]:
    """The image names the explorer offers by default: the course photos, then the patterns.

    Examples
    --------
    >>> names = image_choices()
    >>> "step edge" in names and len(names) > 4
    True
    """
    from convkit.images import list_images

    return [*list_images(), *_SYNTHETIC]


def _lookup_image(image_name: str, images: Mapping[str, np.ndarray] | None) -> np.ndarray:
    if images is not None:
        check_choice(image_name, "image_name", tuple(images))
        # a float copy: the caller's array is never touched
        return as_image(images[image_name], f"images[{image_name!r}]").copy()
    check_choice(image_name, "image_name", image_choices())
    return _course_image(image_name).copy()


def _lookup_kernel(kernel_name: str, name: str = "kernel_name") -> Any:
    from convkit.kernels import KERNELS

    return KERNELS[check_choice(kernel_name, name, tuple(KERNELS))]


def explore(
    kernel_name: str,
    image_name: str,
    *,
    images: Mapping[str, np.ndarray] | None = None,
    show: str = "auto",
) -> dict[str, Any]:
    """Filter an image with a named kernel and decide how to show the result.

    Parameters
    ----------
    kernel_name : str
        A key of ``convkit.kernels.KERNELS`` (the ``Kernel:`` dropdown).
    image_name : str
        A course photo (``convkit.images.list_images()``) or one of the synthetic
        patterns of :func:`image_choices`; or, when ``images`` is given, one of its keys.
    images : mapping of str to 2-D array, optional
        Your own grey images by name, instead of the course's.
    show : {"auto", "clip", "rescale", "diverging"}, optional
        How the result panel shows the result (the ``Show:`` buttons): ``"auto"``
        (default) is ``"diverging"`` for a signed kernel and ``"clip"`` otherwise.

    Returns
    -------
    dict
        ``original``: the image as float64 (H, W); ``result``: the filtered image,
        float64 (H, W), ``correlate(original, kernel, mode="same", boundary="reflect")``;
        ``display``: the array drawn in the result panel (``result`` clipped to 0..255,
        or ``result`` itself when it is rescaled or diverging); ``show``: which of the
        three it is; ``cmap``, ``vmin``, ``vmax``: how it is drawn; ``signed``: whether
        the kernel's weights sum to 0; ``sum``: their sum; ``clipped``: the fraction of
        pixels outside 0..255; ``kernel``, ``kernel_name``, ``image_name``,
        ``description``: what was chosen.

    Raises
    ------
    ValueError
        If ``kernel_name``, ``image_name`` or ``show`` is not one of the choices (the
        message lists them).

    Examples
    --------
    >>> import numpy as np
    >>> step = np.zeros((4, 6)); step[:, 3:] = 200.0
    >>> out = explore("Box blur 3x3", "step", images={"step": step})
    >>> out["result"][0]
    array([  0.        ,   0.        ,  66.66666667, 133.33333333, 200.        ,
           200.        ])
    >>> out["cmap"], out["vmin"], out["vmax"]
    ('gray', 0.0, 255.0)
    """
    info = _lookup_kernel(kernel_name)
    check_choice(show, "show", SHOW_CHOICES)
    original = _lookup_image(image_name, images)
    return _explore(np.array(info.kernel, dtype=np.float64), original, show=show,
                    kernel_name=kernel_name, image_name=image_name,
                    description=info.description)


def explore_custom(
    weights: ArrayLike,
    image_name: str,
    *,
    divisor: float = 1.0,
    images: Mapping[str, np.ndarray] | None = None,
    show: str = "auto",
) -> dict[str, Any]:
    """Filter an image with your own kernel, ``weights / divisor``: the ``Custom`` choice.

    Parameters
    ----------
    weights : array_like, 2-D
        The numbers in the grid of boxes, row by row (any 2-D size here; the
        widget offers 3x3 and 5x5).
    image_name : str
        As for :func:`explore`.
    divisor : float, optional
        Every weight is divided by it (default 1); not 0.
    images : mapping of str to 2-D array, optional
        As for :func:`explore`.
    show : {"auto", "clip", "rescale", "diverging"}, optional
        As for :func:`explore`; ``"auto"`` is diverging when the kernel sums to 0.

    Returns
    -------
    dict
        The keys of :func:`explore`; ``kernel_name`` is :data:`CUSTOM` and ``kernel``
        is :func:`custom_kernel`'s ``weights / divisor``; ``weights`` (float64) and
        ``divisor`` are kept as given, for the kernel panel.

    Raises
    ------
    ValueError
        For an empty box, NaN or infinity among the weights, a divisor of 0, and a
        name that is not one of the choices (see :func:`custom_kernel`).
    TypeError
        For weights or a divisor that are not numbers.

    Examples
    --------
    >>> import numpy as np
    >>> step = np.zeros((3, 4)); step[:, 2:] = 90.0
    >>> out = explore_custom([[0, 0, 0], [-1, 0, 1], [0, 0, 0]], "step", images={"step": step})
    >>> out["result"]
    array([[ 0., 90., 90.,  0.],
           [ 0., 90., 90.,  0.],
           [ 0., 90., 90.,  0.]])
    >>> out["sum"], out["signed"], out["show"]
    (0.0, True, 'diverging')
    """
    kernel = custom_kernel(weights, divisor)
    check_choice(show, "show", SHOW_CHOICES)
    original = _lookup_image(image_name, images)
    kh, kw = kernel.shape
    scale = as_real(divisor, "divisor")
    description = f"your {kh}x{kw} weights" + (f" / {scale:g}" if scale != 1 else "")
    data = _explore(kernel, original, show=show, kernel_name=CUSTOM, image_name=image_name,
                    description=description)
    data["weights"], data["divisor"] = as_kernel(weights, "weights").copy(), scale
    return data


def _kernel_sum(kernel: np.ndarray) -> float:
    """The sum of the weights, rounded like ``convkit.kernels``' ``sums_to`` (-0.0 is 0.0)."""
    return round(float(kernel.sum()), 12) + 0.0


def _explore(
    kernel: np.ndarray, original: np.ndarray, *, show: str, kernel_name: str, image_name: str,
    description: str,
) -> dict[str, Any]:
    """The engine of :func:`explore` and :func:`explore_custom`: filter, then choose the view."""
    from convkit.core import correlate

    result = correlate(original, kernel, mode="same", boundary="reflect")
    outside = (result < 0) | (result > 255)
    clipped = float(outside.mean())
    total = _kernel_sum(kernel)
    signed = total == 0.0
    view = ("diverging" if signed else "clip") if show == "auto" else show
    if view == "diverging":
        # the colour scale saturates at the 99.5th percentile of |result| (but never below a
        # quarter of the maximum), so a few extreme pixels do not wash out all the others
        magnitude = np.abs(result)
        limit = max(float(np.percentile(magnitude, 99.5)), 0.25 * float(magnitude.max())) or 1.0
        display, cmap, vmin, vmax = result, DIVERGING_CMAP, -limit, limit
    elif view == "rescale":
        low, high = float(result.min()), float(result.max())
        display, cmap, vmin, vmax = result, "gray", low, (high if high > low else low + 1.0)
    else:
        display, cmap, vmin, vmax = np.clip(result, 0.0, 255.0), "gray", 0.0, 255.0
    return {
        "original": original,
        "result": result,
        "display": display,
        "show": view,
        "cmap": cmap,
        "vmin": vmin,
        "vmax": vmax,
        "signed": signed,
        "sum": total,
        "clipped": clipped,
        "kernel": kernel,
        "kernel_name": kernel_name,
        "image_name": image_name,
        "description": description,
    }


# --------------------------------------------------------------------------- the grid


def _grid_size(size: Any, name: str = "size") -> int:
    number = as_int(size, name)
    if number not in GRID_SIZES:
        listed = ", ".join(str(n) for n in GRID_SIZES)
        raise ValueError(f"{name} must be one of {listed} (the grid's rows and columns); "
                         f"got {number}")
    return number


def _fit(kernel: np.ndarray, size: int) -> np.ndarray:
    """``kernel`` centred in a ``size x size`` grid: zeros around it, or its centre cut out.

    Any values are copied as they are (NaN too: the widget refits what the boxes hold).
    """
    out = np.zeros((size, size))
    target: list[slice] = []
    source: list[slice] = []
    for k in kernel.shape:
        if k <= size:
            start = (size - k) // 2
            target.append(slice(start, start + k))
            source.append(slice(0, k))
        else:
            start = (k - size) // 2
            target.append(slice(0, size))
            source.append(slice(start, start + size))
    out[tuple(target)] = kernel[tuple(source)]
    return out


def grid_weights(kernel_name: str, size: int | None = None) -> tuple[np.ndarray, float]:
    """The weights and the divisor that fill the grid of boxes for a named kernel.

    Parameters
    ----------
    kernel_name : str
        A key of ``convkit.kernels.KERNELS``.
    size : {3, 5}, optional
        The grid's rows and columns; default the kernel's own size. A 3x3 kernel
        in a 5x5 grid is surrounded by zeros (the same filter); a 5x5 kernel in a
        3x3 grid keeps its centre only (another filter).

    Returns
    -------
    weights : ndarray of float64, shape (size, size)
        Whole numbers when a divisor up to 1024 makes them so, else the kernel's
        own weights.
    divisor : float
        ``weights / divisor`` is the (fitted) kernel.

    Raises
    ------
    ValueError
        If ``kernel_name`` is unknown or ``size`` is not 3 or 5.

    Examples
    --------
    >>> weights, divisor = grid_weights("Box blur 3x3")
    >>> weights
    array([[1., 1., 1.],
           [1., 1., 1.],
           [1., 1., 1.]])
    >>> divisor
    9.0
    >>> grid_weights("Sobel x", 5)[0][2]
    array([ 0.,  2.,  0., -2.,  0.])
    """
    kernel = np.array(_lookup_kernel(kernel_name).kernel, dtype=np.float64)
    fitted = _fit(kernel, _grid_size(kernel.shape[0] if size is None else size))
    scale = _integer_scale(fitted)
    weights = np.round(fitted * scale) + 0.0 if scale > 1 else fitted
    return weights, float(scale)


def custom_kernel(weights: ArrayLike, divisor: float = 1.0) -> np.ndarray:
    """The kernel a grid of boxes stands for, ``weights / divisor``, after checking them.

    Parameters
    ----------
    weights : array_like, 2-D
        Rows of numbers; ``None`` or a blank string stands for an empty box.
    divisor : float, optional
        A finite number other than 0 (default 1).

    Returns
    -------
    ndarray of float64
        A new array, ``weights / divisor``.

    Raises
    ------
    ValueError
        For an empty box (named by its row and column, counted from 1), NaN or
        infinity among the weights (``convkit._validate``'s message, with the
        NumPy index of the first), a grid that is not 2-D, and a divisor that is
        0, NaN or infinite.
    TypeError
        For weights that are not numbers (text, booleans) or a divisor that is not one.

    Examples
    --------
    >>> custom_kernel([[1, 2, 1]], divisor=4)
    array([[0.25, 0.5 , 0.25]])
    >>> custom_kernel([[1, None, 1]])
    Traceback (most recent call last):
    ...
    ValueError: weights must have a number in every box; the box in row 1, column 2 is empty
    >>> custom_kernel([[1, float("nan"), 1]])
    Traceback (most recent call last):
    ...
    ValueError: weights must hold finite numbers; got 1 NaN or infinite value (the first at (0, 1))
    """
    if isinstance(weights, list | tuple):
        for r, row in enumerate(weights):
            for c, value in enumerate(row if isinstance(row, list | tuple) else ()):
                if value is None or (isinstance(value, str) and not value.strip()):
                    raise ValueError("weights must have a number in every box; "
                                     f"the box in row {r + 1}, column {c + 1} is empty")
    arr = as_kernel(weights, "weights")
    scale = as_real(divisor, "divisor")
    if scale == 0:
        raise ValueError("divisor must not be 0 (every weight is divided by it); got 0.0")
    return arr / scale


def _integer_scale(kernel: np.ndarray) -> int:
    """The smallest s <= 1024 with s * kernel all integers (1 when there is none)."""
    for scale in range(1, 1025):
        scaled = kernel * scale
        if np.allclose(scaled, np.round(scaled), rtol=0, atol=1e-9):
            return scale
    return 1


def _format_number(value: float) -> str:
    """A weight or a sum as a person writes it: 1, -0.5, 0.0625, 2.5e-05."""
    return f"{value:.4g}"


def _draw_kernel(
    ax: Axes, kernel: np.ndarray, weights: np.ndarray | None = None, divisor: float = 1.0
) -> None:
    """The kernel as coloured cells with its weights written in.

    Named kernels are written as whole numbers times ``1/scale`` where a scale up to
    1024 makes them so; a custom kernel as its ``weights`` and ``divisor``, as typed.
    """
    limit = float(np.abs(kernel).max()) or 1.0
    ax.imshow(kernel, cmap=DIVERGING_CMAP, vmin=-limit, vmax=limit, interpolation="nearest")
    kh, kw = kernel.shape
    if weights is None:
        scale: float = _integer_scale(kernel)
        weights = kernel * scale if scale > 1 else kernel
    else:
        scale = divisor
    title = f"kernel {kh}x{kw}" + (f" (x 1/{_format_number(scale)})" if scale != 1 else "")
    if kernel.size <= 49:
        for (r, c), value in np.ndenumerate(weights):
            text = f"{value:.0f}" if float(value).is_integer() else f"{value:.2g}"
            dark = abs(kernel[r, c]) > 0.6 * limit
            ax.text(c, r, text, ha="center", va="center", fontsize=9 if kernel.size <= 25 else 7,
                    color="white" if dark else "black")
    ax.set_title(f"{title}, sum {_format_number(_kernel_sum(kernel))}\nred > 0, blue < 0",
                 fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])


def figure_png(fig: Figure, dpi: int = 80) -> bytes:
    """Render a matplotlib Figure to PNG bytes with the Agg backend."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    buffer = io.BytesIO()
    FigureCanvasAgg(fig)  # attaches an Agg canvas to the figure
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


#: images larger than this (on their longer side) are shrunk before drawing: the panels are
#: about 290 pixels wide at the widget's 80 dpi, so drawing more pixels only costs time
DRAW_MAX_SIDE = 320


def shrink_for_display(image: np.ndarray, max_side: int = DRAW_MAX_SIDE) -> np.ndarray:
    """``image`` resized by area averaging so its longer side is at most ``max_side``.

    What a screen panel can show anyway, at a fraction of matplotlib's drawing cost.
    Smaller images are returned unchanged.

    Examples
    --------
    >>> shrink_for_display(np.ones((640, 320))).shape
    (320, 160)
    """
    h, w = image.shape[:2]
    if max(h, w) <= max_side:
        return image
    import cv2

    scale = max_side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(np.asarray(image, dtype=np.float64), size, interpolation=cv2.INTER_AREA)


def image_axes(
    fig: Figure, rect: Rect, image: np.ndarray, title: str, *, nearest_up_to: int = 64,
    **kwargs: Any,
) -> AxesImage:
    """Add an axes at ``rect`` (figure fraction) showing ``image`` titled ``title``, no ticks.

    Images up to ``nearest_up_to`` pixels on their longer side are drawn with visible
    pixels (nearest neighbour), larger ones shrunk with :func:`shrink_for_display` and
    drawn smoothly. ``kwargs`` go to ``imshow``; returns its ``AxesImage``.
    """
    ax = fig.add_axes(rect)
    small = max(image.shape) <= nearest_up_to
    shown = ax.imshow(shrink_for_display(image), interpolation="nearest" if small else "bilinear",
                      **kwargs)
    ax.set_title(title, fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])
    return shown


def _result_title(data: Mapping[str, Any]) -> str:
    view = data.get("show", "diverging" if data["signed"] else "clip")
    if view == "diverging":
        return "result, signed: red > 0, blue < 0, white = 0"
    if view == "rescale":
        return (f"result rescaled: {_format_number(data['vmin'])} black, "
                f"{_format_number(data['vmax'])} white")
    share = data["clipped"]
    return "result (" + (f"{share:.1%} of pixels clipped to 0..255" if share
                         else "all values within 0..255") + ")"


def render_figure(data: Mapping[str, Any]) -> Figure:
    """Draw :func:`explore`'s result: original, kernel, result; every panel titled.

    Uses ``matplotlib.figure.Figure`` directly (not pyplot), so nothing is left
    open and nothing is shown twice in a notebook, with fixed panel positions
    (no layout engine, which would draw the figure twice).
    """
    fig = Figure(figsize=(10, 4.0))
    original, display = data["original"], data["display"]
    h, w = original.shape
    image_axes(fig, (0.01, 0.03, 0.35, 0.78), original,
               f"original: {data['image_name']} ({h}x{w})", cmap="gray", vmin=0, vmax=255)
    _draw_kernel(fig.add_axes((0.38, 0.12, 0.19, 0.58)), data["kernel"],
                 data.get("weights"), data.get("divisor", 1.0))
    image = image_axes(fig, (0.585, 0.03, 0.33, 0.78), display, _result_title(data),
                       cmap=data["cmap"], vmin=data["vmin"], vmax=data["vmax"])
    if data.get("show", "diverging" if data["signed"] else "clip") == "diverging":
        extend = "both" if data["vmax"] < float(np.abs(display).max()) else "neither"
        fig.colorbar(image, cax=fig.add_axes((0.93, 0.12, 0.012, 0.6)), extend=extend)
    fig.suptitle(f"{data['kernel_name']}: {data['description']}", fontsize=11, y=0.97)
    return fig


def render_png(data: Mapping[str, Any], dpi: int = 80) -> bytes:
    """:func:`render_figure` as PNG bytes (what the widget's Image shows)."""
    return figure_png(render_figure(data), dpi=dpi)


def _resolve_images(
    images: Mapping[str, np.ndarray] | Sequence[str] | None,
) -> tuple[list[str], Mapping[str, np.ndarray] | None]:
    if images is None:
        return image_choices(), None
    if isinstance(images, Mapping):
        if not images:
            raise ValueError("images must not be empty")
        for name, im in images.items():
            _lookup_image(name, images)  # validates each array now, not at the first click
            del im
        return list(images), images
    if isinstance(images, str):
        raise TypeError("images must be a sequence of names or a mapping; got a single str")
    names = list(images)
    if not names:
        raise ValueError("images must not be empty")
    choices = image_choices()
    unknown = [name for name in names if name not in choices]
    if unknown:
        raise ValueError(f"images must be names from {choices}; unknown: {unknown}")
    return names, None


def _widget_base() -> type:
    import ipywidgets

    return ipywidgets.VBox


#: what the ``Show:`` buttons do, as their tooltips say it
_SHOW_TOOLTIPS = {
    "auto": "diverging when the weights sum to 0, else clipped to 0..255",
    "clip": "grey 0..255: below 0 black, above 255 white",
    "rescale": "grey from the result's own minimum (black) to its maximum (white)",
    "diverging": "red > 0, blue < 0, white = 0",
}

#: how the caption says the result is shown
_SHOWN_AS = {
    "diverging": "on a diverging colormap centred on 0",
    "clip": "in grey, 0..255, values outside clipped",
    "rescale": "in grey, its own minimum black and maximum white",
}

#: the width of one number box of the grid
BOX_WIDTH = 66

#: the width of the column of dropdowns and buttons left of the grid, and of its dropdowns
CONTROLS_WIDTH = "420px"
DROPDOWN_WIDTH = "410px"

#: the width of the column of the grid (5 boxes and their gaps) on its right
WEIGHTS_WIDTH = f"{5 * BOX_WIDTH + 4 * 4 + 8}px"


def _sum_meaning(total: float) -> str:
    """What a kernel's sum does to a flat area, in words."""
    if total == 0:
        return "flat areas become 0, so the result is signed"
    if total == 1:
        return "flat areas keep their brightness"
    times = f"flat areas come out {_format_number(total)} times as bright"
    return times + (" (negative: try Show rescale or diverging)" if total < 0 else "")


class KernelExplorer(_widget_base()):  # type: ignore[misc]
    """The explorer widget: dropdowns and the kernel's grid of number boxes over a picture.

    Attributes
    ----------
    kernel_dropdown, image_dropdown : ipywidgets.Dropdown
        ``Kernel:`` (the named kernels, then :data:`CUSTOM`) and ``Image:``.
    size_buttons : ipywidgets.ToggleButtons
        ``Grid:`` 3x3 or 5x5 (values 3 and 5).
    show_buttons : ipywidgets.ToggleButtons
        ``Show:`` one of :data:`SHOW_CHOICES`.
    boxes : dict of int to list of lists of ipywidgets.FloatText
        The number boxes of each grid size, row by row; ``grid`` shows those of
        the current size.
    grid : ipywidgets.GridBox
    divisor_box : ipywidgets.FloatText
        ``Divide by:``: the kernel is the weights divided by it.
    status : ipywidgets.HTML
        The sum of the kernel and what it means, or why the grid was refused.
    image : ipywidgets.Image
        The PNG of original | kernel | result, redrawn on every change.
    caption : ipywidgets.HTML
        One line saying how the result is shown.
    """

    def __init__(
        self,
        images: Mapping[str, np.ndarray] | Sequence[str] | None = None,
        *,
        kernel: str | None = None,
        image: str | None = None,
        show: str = "auto",
    ) -> None:
        import ipywidgets as w

        from convkit.kernels import KERNELS

        names, self._images = _resolve_images(images)
        kernels = list(KERNELS)
        kernel = kernel if kernel is not None else kernels[0]
        image = image if image is not None else names[0]
        _lookup_kernel(kernel, "kernel")
        check_choice(image, "image", names)
        check_choice(show, "show", SHOW_CHOICES)
        style = {"description_width": "initial"}
        # the left column is as wide as the Show: buttons, so nothing runs under the grid
        self.kernel_dropdown = w.Dropdown(options=[*kernels, CUSTOM], value=kernel,
                                          description="Kernel:", style=style,
                                          layout=w.Layout(width=DROPDOWN_WIDTH))
        self.image_dropdown = w.Dropdown(options=names, value=image, description="Image:",
                                         style=style, layout=w.Layout(width=DROPDOWN_WIDTH))
        # ToggleButtons put their label above the buttons (a block); a flex row puts it
        # on the left, like the dropdowns'
        self.size_buttons = w.ToggleButtons(
            options=[(f"{n}x{n}", n) for n in GRID_SIZES], description="Grid:",
            tooltips=[f"a {n}x{n} kernel" for n in GRID_SIZES],
            style={**style, "button_width": "56px"},
            layout=w.Layout(display="flex", align_items="center", width="max-content"),
        )
        self.show_buttons = w.ToggleButtons(
            options=list(SHOW_CHOICES), value=show, description="Show:",
            tooltips=[_SHOW_TOOLTIPS[choice] for choice in SHOW_CHOICES],
            style={**style, "button_width": "90px"},
            layout=w.Layout(display="flex", align_items="center", width="max-content"),
        )
        self.boxes = {
            n: [[w.FloatText(value=0.0, continuous_update=False,
                             layout=w.Layout(width=f"{BOX_WIDTH}px"))
                 for _c in range(n)] for _r in range(n)]
            for n in GRID_SIZES
        }
        self.grid = w.GridBox(layout=w.Layout(grid_gap="2px 4px"))
        self.grid.add_class("convkit-kernel-grid")
        self.divisor_box = w.FloatText(value=1.0, description="Divide by:", style=style,
                                       continuous_update=False,
                                       tooltip="every weight is divided by this number",
                                       layout=w.Layout(width=f"{BOX_WIDTH + 80}px"))
        self.status = w.HTML()
        self.image = w.Image(format="png", layout=w.Layout(max_width="100%"))
        self.caption = w.HTML()
        controls = w.VBox([self.kernel_dropdown, self.image_dropdown, self.size_buttons,
                           self.show_buttons],
                          layout=w.Layout(width=CONTROLS_WIDTH, flex="0 0 auto"))
        weights = w.VBox(
            [w.HTML("<b>Weights</b>: type a number, then Enter or Tab "
                    "(anything else is put back)"), self.grid,
             self.divisor_box, self.status],
            layout=w.Layout(margin="0 0 0 24px", width=WEIGHTS_WIDTH, flex="0 0 auto"),
        )
        super().__init__([w.HBox([controls, weights]), self.image, self.caption])
        self._syncing = False
        self._fill_from(kernel)
        self.kernel_dropdown.observe(self._on_kernel, names="value")
        self.image_dropdown.observe(self._update, names="value")
        self.show_buttons.observe(self._update, names="value")
        self.size_buttons.observe(self._on_size, names="value")
        for rows in self.boxes.values():
            for row in rows:
                for box in row:
                    box.observe(self._on_weight, names="value")
        self.divisor_box.observe(self._on_weight, names="value")
        self._update()

    # ----------------------------------------------------------------- the grid
    @property
    def weights(self) -> list[list[float]]:
        """What the boxes of the current grid hold, row by row."""
        return [[box.value for box in row] for row in self.boxes[self.size_buttons.value]]

    def _fill(self, weights: np.ndarray, divisor: float) -> None:
        """Show ``weights`` (square, a grid size) and ``divisor`` without reacting to it."""
        size = weights.shape[0]
        self._syncing = True
        try:
            self.size_buttons.value = size
            for row, values in zip(self.boxes[size], weights, strict=True):
                for box, value in zip(row, values, strict=True):
                    box.value = float(value)
            self.divisor_box.value = divisor
            self.grid.children = [box for row in self.boxes[size] for box in row]
            self.grid.layout.grid_template_columns = f"repeat({size}, {BOX_WIDTH}px)"
        finally:
            self._syncing = False

    def _fill_from(self, kernel_name: str) -> None:
        self._fill(*grid_weights(kernel_name))

    def _to_custom(self) -> None:
        if self.kernel_dropdown.value != CUSTOM:
            self._syncing = True
            try:
                self.kernel_dropdown.value = CUSTOM
            finally:
                self._syncing = False

    def _on_kernel(self, change: Any) -> None:
        if self._syncing:
            return
        if change["new"] != CUSTOM:
            self._fill_from(change["new"])
        self._update()

    def _on_size(self, change: Any) -> None:
        if self._syncing:
            return
        old = np.array([[box.value for box in row] for row in self.boxes[change["old"]]],
                       dtype=np.float64)
        self._fill(_fit(old, change["new"]), self.divisor_box.value)
        self._to_custom()
        self._update()

    def _on_weight(self, change: Any) -> None:
        if self._syncing:
            return
        self._to_custom()
        self._update()

    # ----------------------------------------------------------------- drawing
    def _update(self, change: Any = None) -> None:
        import html

        image, show = self.image_dropdown.value, self.show_buttons.value
        try:
            if self.kernel_dropdown.value == CUSTOM:
                data = explore_custom(self.weights, image, divisor=self.divisor_box.value,
                                      images=self._images, show=show)
            else:
                data = explore(self.kernel_dropdown.value, image, images=self._images,
                               show=show)
        except (ValueError, TypeError) as exc:
            self.status.value = (
                '<span style="color:#b00020"><b>Not drawn:</b> '
                f"{html.escape(str(exc))}. The picture still shows the last valid kernel."
                "</span>"
            )
            return
        self.image.value = render_png(data)
        divided = " / divisor" if self.divisor_box.value != 1 else ""
        self.status.value = (
            f"Sum of the weights{divided}: <b>{_format_number(data['sum'])}</b>: "
            f"{_sum_meaning(data['sum'])}."
        )
        signed = " (the result is signed)" if data["signed"] else ""
        self.caption.value = (
            f"<b>{html.escape(data['kernel_name'])}</b> on <b>{html.escape(data['image_name'])}"
            "</b>: correlate(im, kernel, mode='same', boundary='reflect'); "
            f"shown {_SHOWN_AS[data['show']]}{signed}."
        )


def kernel_explorer(
    images: Mapping[str, np.ndarray] | Sequence[str] | None = None,
    *,
    kernel: str | None = None,
    image: str | None = None,
    show: str = "auto",
) -> KernelExplorer:
    """The kernel explorer widget: ``Kernel:`` and ``Image:`` dropdowns, the kernel's grid.

    Parameters
    ----------
    images : sequence of str, or mapping of str to 2-D array, optional
        The choices of the ``Image:`` dropdown: names of course images and
        patterns (default: all of :func:`image_choices`), or your own grey arrays
        by name.
    kernel, image : str, optional
        The initial choices (default: the first of each list); ``kernel`` is a
        named kernel, whose weights fill the grid.
    show : {"auto", "clip", "rescale", "diverging"}, optional
        The initial ``Show:`` choice (default ``"auto"``).

    Returns
    -------
    KernelExplorer
        An ``ipywidgets.VBox``; display it as the last line of a notebook cell.
        Type a weight into the grid and the ``Kernel:`` dropdown switches to
        ``Custom``, your kernel.

    Examples
    --------
    >>> import numpy as np
    >>> w = kernel_explorer({"ramp": np.tile(np.arange(0.0, 250.0, 10.0), (20, 1))})
    >>> w.kernel_dropdown.description, w.image_dropdown.description
    ('Kernel:', 'Image:')
    >>> w.image.value[:4] == b"\\x89PNG"
    True
    >>> w.boxes[3][1][1].value = 2.0  # the centre weight: twice the identity
    >>> w.kernel_dropdown.value, w.status.value.startswith("Sum of the weights: <b>2</b>")
    ('Custom', True)
    """
    return KernelExplorer(images, kernel=kernel, image=image, show=show)
