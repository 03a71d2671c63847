"""Our correlation against OpenCV's ``cv2.filter2D``, border mode by border mode.

Lesson 5 ends with this widget: a ``Kernel:`` and a ``Border:`` dropdown over a
picture with three titled panels: our result, OpenCV's, and their difference
(OpenCV minus ours, on a diverging colormap centred on 0).

Like every convkit widget it has two layers: :func:`compare` is the pure
computation (tests and the benchmark call it), :func:`opencv_comparison` the
thin ipywidgets wrapper that draws :func:`compare`'s result with matplotlib's
Agg backend into an ``ipywidgets.Image``.

How the borders correspond
--------------------------
Both sides compute the same thing, a *correlation* (kernel not flipped) whose
output has the input's size; they differ only in how they invent the pixels
beyond the border. "Ours" is ``convkit.correlate(im, kernel, mode="same",
boundary=...)``; "OpenCV" is ``cv2.filter2D(im, cv2.CV_64F, kernel,
borderType=...)``. On a row ``a b c d`` padded by two pixels::

    convkit boundary   OpenCV borderType     a b c d padded        numpy.pad mode
    "zero"             BORDER_CONSTANT       0 0 | a b c d | 0 0   "constant"
    "replicate"        BORDER_REPLICATE      a a | a b c d | d d   "edge"
    "reflect"          BORDER_REFLECT        b a | a b c d | d c   "symmetric"
    (none)             BORDER_REFLECT_101    c b | a b c d | c b   "reflect"

``BORDER_REFLECT_101`` (also ``BORDER_DEFAULT``) is OpenCV's default: a mirror
that does not repeat the edge pixel, which is what NumPy calls ``"reflect"``;
convkit's ``"reflect"`` repeats it (NumPy's ``"symmetric"``). The last choice
of the ``Border:`` dropdown pairs them on purpose, to show the default differs:
the difference is 0 inside and non-zero only in a ring as wide as the kernel's
half-size. ``"wrap"`` is left out: ``filter2D`` does not support ``BORDER_WRAP``.

For the odd-sized kernels of ``convkit.kernels.KERNELS`` both libraries centre
the kernel on the output pixel. For even sizes they do not agree: OpenCV
anchors the kernel at its entry ``size // 2``, convkit's (and SciPy's) "same"
mode at ``(size - 1) // 2``, so the two windows are one pixel apart; that is
why :func:`compare` refuses even-sized kernels.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from convkit._validate import as_image, check_choice
from convkit.widgets.kernel_explorer import (
    DIVERGING_CMAP,
    _lookup_kernel,
    _widget_base,
    figure_png,
    image_axes,
)

__all__ = [
    "BORDERS",
    "BorderPair",
    "OpenCVComparison",
    "compare",
    "opencv_comparison",
    "render_figure",
    "render_png",
]


@dataclass(frozen=True)
class BorderPair:
    """One choice of the ``Border:`` dropdown: a convkit boundary and an OpenCV border."""

    label: str  #: the dropdown text
    boundary: str  #: ``convkit.correlate``'s ``boundary``
    opencv: str  #: the name of the ``cv2`` constant, e.g. ``"BORDER_CONSTANT"``
    matches: bool  #: whether the two paddings are the same (difference 0 up to rounding)
    padding: str  #: how ``a b c d`` is padded by OpenCV, for the caption


#: the ``Border:`` choices, in the dropdown's order (only borders both libraries support)
BORDERS: dict[str, BorderPair] = {
    pair.label: pair
    for pair in (
        BorderPair("zero = BORDER_CONSTANT", "zero", "BORDER_CONSTANT", True,
                   "0 0 | a b c d | 0 0"),
        BorderPair("replicate = BORDER_REPLICATE", "replicate", "BORDER_REPLICATE", True,
                   "a a | a b c d | d d"),
        BorderPair("reflect = BORDER_REFLECT", "reflect", "BORDER_REFLECT", True,
                   "b a | a b c d | d c"),
        BorderPair("reflect vs BORDER_REFLECT_101 (OpenCV's default)", "reflect",
                   "BORDER_REFLECT_101", False, "c b | a b c d | c b"),
    )
}


def _as_image(image: Any) -> np.ndarray:
    """A course photo by name, or a grey image validated like every convkit input (a float copy)."""
    if isinstance(image, str):
        from convkit.images import load_image

        image = load_image(image, gray=True)
    return as_image(image, "image").copy()  # never the caller's array


def compare(kernel_name: str, border_name: str, image: np.ndarray | str) -> dict[str, Any]:
    """Correlate ``image`` with a named kernel in convkit and in OpenCV, and subtract.

    Parameters
    ----------
    kernel_name : str
        A key of ``convkit.kernels.KERNELS`` (the ``Kernel:`` dropdown).
    border_name : str
        A key of :data:`BORDERS` (the ``Border:`` dropdown).
    image : 2-D array or str
        A grey image (any real dtype; computed in float64, never modified), or
        the name of a course photo.

    Returns
    -------
    dict
        ``ours``: ``convkit.correlate(im, kernel, mode="same", boundary=...)``;
        ``opencv``: ``cv2.filter2D(im, cv2.CV_64F, kernel, borderType=...)``;
        ``difference``: ``opencv - ours``; ``max_abs_diff``: its largest absolute
        value (a float); ``border_width``: how many pixels from the edge the
        padding can reach (the kernel's half-size); ``max_abs_diff_inside``: the
        largest absolute difference away from that ring; ``kernel``, ``pair``
        (the :class:`BorderPair`), ``kernel_name``, ``border_name``.

    Raises
    ------
    ValueError
        For an unknown kernel or border name (the message lists the choices), an
        even-sized kernel, or an image that is not 2-D.

    Examples
    --------
    >>> import numpy as np
    >>> im = np.arange(20.0).reshape(4, 5) ** 2
    >>> same = compare("Sobel x", "replicate = BORDER_REPLICATE", im)
    >>> same["ours"].shape, same["max_abs_diff"]
    ((4, 5), 0.0)
    >>> default = compare("Sobel x", "reflect vs BORDER_REFLECT_101 (OpenCV's default)", im)
    >>> default["max_abs_diff"] > 0, default["max_abs_diff_inside"]
    (True, 0.0)
    """
    import cv2

    from convkit.core import correlate

    info = _lookup_kernel(kernel_name)
    pair = BORDERS[check_choice(border_name, "border_name", tuple(BORDERS))]
    kernel = np.array(info.kernel, dtype=np.float64)
    kh, kw = kernel.shape
    if kh % 2 == 0 or kw % 2 == 0:
        raise ValueError(
            f"kernel {kernel_name!r} must have odd sides to be centred the same way in both "
            f"libraries; got shape {kernel.shape}"
        )
    im = _as_image(image)
    ours = correlate(im, kernel, mode="same", boundary=pair.boundary)
    opencv = cv2.filter2D(im, cv2.CV_64F, kernel, borderType=getattr(cv2, pair.opencv))
    difference = opencv - ours
    ry, rx = kh // 2, kw // 2
    inside = difference[ry : difference.shape[0] - ry, rx : difference.shape[1] - rx]
    return {
        "ours": ours,
        "opencv": opencv,
        "difference": difference,
        "max_abs_diff": float(np.abs(difference).max()),
        "max_abs_diff_inside": float(np.abs(inside).max()) if inside.size else 0.0,
        "border_width": max(ry, rx),
        "kernel": kernel,
        "pair": pair,
        "kernel_name": kernel_name,
        "border_name": border_name,
    }


def _show_range(data: Mapping[str, Any]) -> tuple[str, float, float]:
    """One colour scale for "ours" and "OpenCV", so equal values look equal."""
    ours = data["ours"]
    low = float(min(ours.min(), data["opencv"].min()))
    high = float(max(ours.max(), data["opencv"].max()))
    if low < 0:  # a signed result: diverging, saturating at the 99.5th percentile of |ours|
        magnitude = np.abs(ours)
        limit = max(float(np.percentile(magnitude, 99.5)), 0.25 * float(magnitude.max()))
        return DIVERGING_CMAP, -(limit or 1.0), limit or 1.0
    return "gray", 0.0, max(high, 255.0)


def render_figure(data: Mapping[str, Any]) -> Figure:
    """Draw :func:`compare`'s result: ours, OpenCV's, the difference; every panel titled.

    Fixed panel positions (no layout engine, which would draw the figure twice);
    images up to 256 pixels are drawn with visible pixels, so a one-pixel border
    ring shows.
    """
    fig = Figure(figsize=(10, 3.8))
    cmap, vmin, vmax = _show_range(data)
    pair: BorderPair = data["pair"]
    shared: dict[str, Any] = {"cmap": cmap, "vmin": vmin, "vmax": vmax, "nearest_up_to": 256}
    image_axes(fig, (0.01, 0.03, 0.29, 0.78), data["ours"],
               f"ours: correlate\n(boundary={pair.boundary!r})", **shared)
    image_axes(fig, (0.32, 0.03, 0.29, 0.78), data["opencv"],
               f"OpenCV: filter2D\n({pair.opencv})", **shared)
    limit = data["max_abs_diff"] or 1.0
    shown = image_axes(fig, (0.63, 0.03, 0.29, 0.78), data["difference"],
                       f"OpenCV - ours: max |diff| {data['max_abs_diff']:.3g}\n"
                       f"(away from the border ring: {data['max_abs_diff_inside']:.3g})",
                       cmap=DIVERGING_CMAP, vmin=-limit, vmax=limit, nearest_up_to=256)
    fig.colorbar(shown, cax=fig.add_axes((0.935, 0.12, 0.012, 0.6)))
    verdict = ("the same padding: equal up to rounding" if pair.matches
               else "different paddings: they differ in the border ring only")
    fig.suptitle(f"{data['kernel_name']}: {verdict}", fontsize=11, y=0.97)
    return fig


def render_png(data: Mapping[str, Any], dpi: int = 80) -> bytes:
    """:func:`render_figure` as PNG bytes (what the widget's Image shows)."""
    return figure_png(render_figure(data), dpi=dpi)


def _default_image() -> np.ndarray:
    """A 96x96 crop of the camera photo: small enough to see a 1-pixel border ring."""
    from convkit.images import list_images, load_image

    names = list_images()
    im = load_image("camera" if "camera" in names else names[0], gray=True)
    h, w = im.shape
    top, left = max(0, h // 2 - 48), max(0, w // 2 - 48)
    return im[top : top + 96, left : left + 96]


class OpenCVComparison(_widget_base()):  # type: ignore[misc]
    """The comparison widget: ``Kernel:`` and ``Border:`` dropdowns over a picture.

    Attributes
    ----------
    kernel_dropdown, border_dropdown : ipywidgets.Dropdown
    image : ipywidgets.Image
        The PNG of ours | OpenCV | difference, redrawn on every change.
    caption : ipywidgets.HTML
        How the chosen border pads a row, and the largest difference.
    """

    def __init__(
        self,
        image: np.ndarray | str | None = None,
        *,
        kernel: str | None = None,
        border: str | None = None,
    ) -> None:
        import ipywidgets as w

        from convkit.kernels import KERNELS

        self._image = _as_image(_default_image() if image is None else image)
        kernels = list(KERNELS)
        kernel = kernel if kernel is not None else kernels[0]
        border = border if border is not None else next(iter(BORDERS))
        _lookup_kernel(kernel, "kernel")
        check_choice(border, "border", tuple(BORDERS))
        style = {"description_width": "initial"}
        self.kernel_dropdown = w.Dropdown(options=kernels, value=kernel, description="Kernel:",
                                          style=style, layout=w.Layout(width="320px"))
        self.border_dropdown = w.Dropdown(options=list(BORDERS), value=border,
                                          description="Border:", style=style,
                                          layout=w.Layout(width="440px"))
        self.image = w.Image(format="png", layout=w.Layout(max_width="100%"))
        self.caption = w.HTML()
        super().__init__([w.HBox([self.kernel_dropdown, self.border_dropdown]), self.image,
                          self.caption])
        self.kernel_dropdown.observe(self._update, names="value")
        self.border_dropdown.observe(self._update, names="value")
        self._update()

    def _update(self, change: Any = None) -> None:
        data = compare(self.kernel_dropdown.value, self.border_dropdown.value, self._image)
        self.image.value = render_png(data)
        pair: BorderPair = data["pair"]
        self.caption.value = (
            f"OpenCV's <code>{pair.opencv}</code> pads a row <code>a b c d</code> as "
            f"<code>{pair.padding}</code>. Largest difference: {data['max_abs_diff']:.3g} "
            f"(away from the {data['border_width']}-pixel border ring: "
            f"{data['max_abs_diff_inside']:.3g})."
        )


def opencv_comparison(
    image: np.ndarray | str | None = None,
    *,
    kernel: str | None = None,
    border: str | None = None,
) -> OpenCVComparison:
    """The OpenCV comparison widget: ``Kernel:`` and ``Border:`` dropdowns over a picture.

    Parameters
    ----------
    image : 2-D array or str, optional
        The grey image to filter, or a course photo's name (default: a 96x96
        crop of the camera photo, small enough to see the border ring).
    kernel, border : str, optional
        The initial choices (default: the first of each list).

    Returns
    -------
    OpenCVComparison
        An ``ipywidgets.VBox``; display it as the last line of a notebook cell.

    Examples
    --------
    >>> import numpy as np
    >>> w = opencv_comparison(np.eye(12) * 200.0, kernel="Sobel x")
    >>> w.kernel_dropdown.description, w.border_dropdown.description
    ('Kernel:', 'Border:')
    >>> w.image.value[:4] == b"\\x89PNG"
    True
    """
    return OpenCVComparison(image, kernel=kernel, border=border)
