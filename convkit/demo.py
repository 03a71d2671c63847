"""``convkit demo``: apply a few kernels to a photo and write a comparison picture.

A quick look at what the course is about, and a smoke test of an
installation: it loads a course photo, runs ``im_conv`` (valid mode, so each
result is a few pixels smaller than the photo) with a blur, a sharpen, the two
Sobel kernels and a Laplacian, and writes ``DIR/demo.png``::

    convkit demo                      # writes demo-output/demo.png
    convkit demo --out /tmp --image camera

Examples
--------
>>> fig = demo_figure("camera")
>>> [ax.get_title().split(" (")[0] for ax in fig.axes if ax.images][:3]
['Original', 'Gaussian blur 9x9', 'Sharpen']
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from convkit.display import CourseFigure, draw_panel
from convkit.images import image_path, load_image
from convkit.kernels import LAPLACIAN_4, SHARPEN, SOBEL_X, SOBEL_Y, gaussian

__all__ = ["DEFAULT_IMAGE", "DEFAULT_OUT", "add_arguments", "demo_figure", "run"]

DEFAULT_IMAGE = "chelsea"
DEFAULT_OUT = "demo-output"
FILE_NAME = "demo.png"
#: the colour-bar panels saturate beyond this percentile of |result|, so faint edges show
SIGNED_PERCENTILE = 99.5


def demo_figure(name: str = DEFAULT_IMAGE) -> CourseFigure:
    """The demo's titled 2 x 3 grid for the photo called ``name``.

    Top row: the photo, a Gaussian blur and a sharpen (colour photos channel
    by channel, clipped to 0..255 as an image file would store them). Bottom
    row, on the grey photo: Sobel x as a signed result (diverging colormap,
    centred on 0), the gradient magnitude ``sqrt(gx**2 + gy**2)`` and the
    Laplacian (diverging). Every panel is titled; the bottom panels have
    colour bars in the result's units, saturating (arrows on the bar) at the
    :data:`SIGNED_PERCENTILE` th percentile of the absolute values, so that a
    few very strong edges do not wash out all the others.

    Parameters
    ----------
    name : str, optional
        A name from :func:`convkit.images.list_images`. Default ``"chelsea"``.

    Returns
    -------
    CourseFigure

    Raises
    ------
    ValueError
        If there is no such photo (the message lists the names).
    """
    from convkit.core import apply_per_channel, im_conv

    colour = load_image(name, gray=False)
    grey = load_image(name, gray=True).astype(np.float64)
    is_colour = not (
        np.array_equal(colour[..., 0], colour[..., 1])
        and np.array_equal(colour[..., 1], colour[..., 2])
    )
    photo = colour if is_colour else grey

    blurred = apply_per_channel(im_conv, photo, gaussian(9, 2.0))
    sharpened = apply_per_channel(im_conv, photo, SHARPEN)
    gx, gy = im_conv(grey, SOBEL_X), im_conv(grey, SOBEL_Y)
    magnitude = np.hypot(gx, gy)
    laplacian = im_conv(grey, LAPLACIAN_4)

    height, width = grey.shape
    panel = 4.0
    fig = CourseFigure(figsize=(3 * panel + 1.5, 2 * panel * height / width + 1.6))
    fig.set_layout_engine("constrained")
    axes = fig.subplots(2, 3).ravel()
    draw_panel(axes[0], photo, f"Original ({name}, {height}x{width})")
    draw_panel(axes[1], blurred, "Gaussian blur 9x9 (sigma 2)", kind="clip")
    draw_panel(axes[2], sharpened, "Sharpen (0 -1 0 / -1 5 -1 / 0 -1 0)", kind="clip")
    for ax, result, title in (
        (axes[3], gx, "Sobel x (left minus right)"),
        (axes[5], laplacian, "Laplacian (4-neighbour)"),
    ):
        limit = float(np.percentile(np.abs(result), SIGNED_PERCENTILE)) or None
        draw_panel(ax, result, f"{title}\nblue < 0 < red", kind="diverging", limit=limit)
    draw_panel(
        axes[4],
        magnitude,
        "Gradient magnitude\nsqrt(gx**2 + gy**2)",
        kind="magnitude",
        limit=float(np.percentile(magnitude, SIGNED_PERCENTILE)) or None,
    )
    fig.suptitle(
        f"Kernels on '{name}' with im_conv (valid mode; colour bars saturate at "
        f"the {SIGNED_PERCENTILE:g}th percentile)"
    )
    return fig


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``convkit demo`` options to ``parser``."""
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(DEFAULT_OUT),
        metavar="DIR",
        help=f"folder to write {FILE_NAME} into (created if missing; default: {DEFAULT_OUT})",
    )
    parser.add_argument(
        "--image",
        default=DEFAULT_IMAGE,
        metavar="NAME",
        help=f"course photo to use (default: {DEFAULT_IMAGE}); one of the names in images/",
    )


def run(args: argparse.Namespace) -> int:
    """Write ``args.out/demo.png`` and print its path; return the exit status."""
    try:
        image_path(args.image)  # the names load_image accepts ("camera", "camera.png")
    except (TypeError, ValueError) as err:
        print(f"convkit demo: {err}", file=sys.stderr)
        return 2
    out_dir = Path(args.out)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / FILE_NAME
        demo_figure(args.image).savefig(path, dpi=100)
    except OSError as err:
        print(f"convkit demo: cannot write to {out_dir}: {err}", file=sys.stderr)
        return 1
    print(path)
    return 0
