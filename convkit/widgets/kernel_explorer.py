"""The kernel explorer: choose a kernel and an image, see the original and the result.

Lesson 4 ends with this widget: two dropdowns (``Kernel:`` and ``Image:``) and a
picture with three titled panels, the original image, the kernel with its
weights written in, and the filtered result. Changing either dropdown redraws
the picture.

Like every convkit widget it has two layers:

* :func:`explore` is the pure computation (no widgets, no figures): it filters
  the image with the kernel and decides how to show the result. Tests and the
  benchmark call it directly.
* :func:`kernel_explorer` is a thin ipywidgets wrapper: the dropdowns call
  :func:`explore`, :func:`render_png` draws the result with matplotlib's Agg
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

from convkit._validate import as_image, check_choice

#: an axes' position in figure fractions: (left, bottom, width, height)
Rect = tuple[float, float, float, float]

__all__ = [
    "DIVERGING_CMAP",
    "KernelExplorer",
    "explore",
    "figure_png",
    "image_axes",
    "image_choices",
    "kernel_explorer",
    "render_figure",
    "render_png",
    "shrink_for_display",
]

#: the colormap of signed results: diverging, centred on 0
DIVERGING_CMAP = "RdBu_r"

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

    Returns
    -------
    dict
        ``original``: the image as float64 (H, W); ``result``: the filtered image,
        float64 (H, W), ``correlate(original, kernel, mode="same", boundary="reflect")``;
        ``display``: the array drawn in the result panel (``result`` clipped to 0..255,
        or ``result`` itself when the kernel is signed); ``cmap``, ``vmin``, ``vmax``:
        how it is drawn; ``signed``: whether the diverging colormap is used;
        ``clipped``: the fraction of pixels outside 0..255; ``kernel``, ``kernel_name``,
        ``image_name``, ``description``: what was chosen.

    Raises
    ------
    ValueError
        If ``kernel_name`` or ``image_name`` is not one of the choices (the message
        lists them).

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
    from convkit.core import correlate

    info = _lookup_kernel(kernel_name)
    original = _lookup_image(image_name, images)
    kernel = np.array(info.kernel, dtype=np.float64)
    result = correlate(original, kernel, mode="same", boundary="reflect")
    outside = (result < 0) | (result > 255)
    clipped = float(outside.mean())
    if info.signed:
        # the colour scale saturates at the 99.5th percentile of |result| (but never below a
        # quarter of the maximum), so a few extreme pixels do not wash out all the others
        magnitude = np.abs(result)
        limit = max(float(np.percentile(magnitude, 99.5)), 0.25 * float(magnitude.max())) or 1.0
        display, cmap, vmin, vmax = result, DIVERGING_CMAP, -limit, limit
    else:
        display, cmap, vmin, vmax = np.clip(result, 0.0, 255.0), "gray", 0.0, 255.0
    return {
        "original": original,
        "result": result,
        "display": display,
        "cmap": cmap,
        "vmin": vmin,
        "vmax": vmax,
        "signed": bool(info.signed),
        "clipped": clipped,
        "kernel": kernel,
        "kernel_name": kernel_name,
        "image_name": image_name,
        "description": info.description,
    }


def _integer_scale(kernel: np.ndarray) -> int:
    """The smallest s <= 1024 with s * kernel all integers (1 when there is none)."""
    for scale in range(1, 1025):
        scaled = kernel * scale
        if np.allclose(scaled, np.round(scaled), rtol=0, atol=1e-9):
            return scale
    return 1


def _draw_kernel(ax: Axes, kernel: np.ndarray) -> None:
    limit = float(np.abs(kernel).max()) or 1.0
    ax.imshow(kernel, cmap=DIVERGING_CMAP, vmin=-limit, vmax=limit, interpolation="nearest")
    kh, kw = kernel.shape
    scale = _integer_scale(kernel)
    title = f"kernel {kh}x{kw}" + (f" (x 1/{scale})" if scale > 1 else "")
    if kernel.size <= 49:
        for (r, c), value in np.ndenumerate(kernel * scale):
            text = f"{value:.0f}" if scale > 1 or float(value).is_integer() else f"{value:.2g}"
            dark = abs(kernel[r, c]) > 0.6 * limit
            ax.text(c, r, text, ha="center", va="center", fontsize=9 if kernel.size <= 25 else 7,
                    color="white" if dark else "black")
    ax.set_title(title + "\nred > 0, blue < 0", fontsize=10)
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
    _draw_kernel(fig.add_axes((0.38, 0.12, 0.19, 0.58)), data["kernel"])
    if data["signed"]:
        title = "result, signed: red > 0, blue < 0, white = 0"
    else:
        share = data["clipped"]
        title = "result (" + (f"{share:.1%} of pixels clipped to 0..255" if share
                              else "all values within 0..255") + ")"
    image = image_axes(fig, (0.585, 0.03, 0.33, 0.78), display, title, cmap=data["cmap"],
                        vmin=data["vmin"], vmax=data["vmax"])
    if data["signed"]:
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


class KernelExplorer(_widget_base()):  # type: ignore[misc]
    """The explorer widget: ``Kernel:`` and ``Image:`` dropdowns over a picture.

    Attributes
    ----------
    kernel_dropdown, image_dropdown : ipywidgets.Dropdown
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
    ) -> None:
        import ipywidgets as w

        from convkit.kernels import KERNELS

        names, self._images = _resolve_images(images)
        kernels = list(KERNELS)
        kernel = kernel if kernel is not None else kernels[0]
        image = image if image is not None else names[0]
        _lookup_kernel(kernel, "kernel")
        check_choice(image, "image", names)
        style = {"description_width": "initial"}
        self.kernel_dropdown = w.Dropdown(options=kernels, value=kernel, description="Kernel:",
                                          style=style, layout=w.Layout(width="320px"))
        self.image_dropdown = w.Dropdown(options=names, value=image, description="Image:",
                                         style=style, layout=w.Layout(width="360px"))
        self.image = w.Image(format="png", layout=w.Layout(max_width="100%"))
        self.caption = w.HTML()
        super().__init__([w.HBox([self.kernel_dropdown, self.image_dropdown]), self.image,
                          self.caption])
        self.kernel_dropdown.observe(self._update, names="value")
        self.image_dropdown.observe(self._update, names="value")
        self._update()

    def _update(self, change: Any = None) -> None:
        data = explore(self.kernel_dropdown.value, self.image_dropdown.value, images=self._images)
        self.image.value = render_png(data)
        how = ("diverging colormap centred on 0 (the result is signed)" if data["signed"]
               else "grey, 0..255, values outside clipped")
        self.caption.value = (
            f"<b>{data['kernel_name']}</b> on <b>{data['image_name']}</b>: "
            f"correlate(im, kernel, mode='same', boundary='reflect'); shown in {how}."
        )


def kernel_explorer(
    images: Mapping[str, np.ndarray] | Sequence[str] | None = None,
    *,
    kernel: str | None = None,
    image: str | None = None,
) -> KernelExplorer:
    """The kernel explorer widget: a ``Kernel:`` and an ``Image:`` dropdown over a picture.

    Parameters
    ----------
    images : sequence of str, or mapping of str to 2-D array, optional
        The choices of the ``Image:`` dropdown: names of course images and
        patterns (default: all of :func:`image_choices`), or your own grey arrays
        by name.
    kernel, image : str, optional
        The initial choices (default: the first of each list).

    Returns
    -------
    KernelExplorer
        An ``ipywidgets.VBox``; display it as the last line of a notebook cell.

    Examples
    --------
    >>> import numpy as np
    >>> w = kernel_explorer({"ramp": np.tile(np.arange(0.0, 250.0, 10.0), (20, 1))})
    >>> w.kernel_dropdown.description, w.image_dropdown.description
    ('Kernel:', 'Image:')
    >>> w.image.value[:4] == b"\\x89PNG"
    True
    """
    return KernelExplorer(images, kernel=kernel, image=image)
