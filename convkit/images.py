"""The course's photographs and synthetic test patterns.

Photographs
-----------
The photos live in the repository's ``images/`` folder, next to
``images/CREDITS.md`` (author, source, licence and changes for each file;
all are public domain or CC0). :func:`list_images` names them,
:func:`image_path` finds one and :func:`load_image` reads it as a ``uint8``
array: ``(height, width)`` in grey, ``(height, width, 3)`` in **RGB** order
(OpenCV reads BGR; this module converts).

Where the files are found, in this order:

1. ``convkit/data/``, the package's own copy. In a git checkout it is a
   symbolic link to ``../images``, so an editable install (``pip install -e
   .``, ``make``) and Binder read the one set of files in ``images/``. A
   non-editable ``pip install .`` copies the files through the link into the
   installed package (package data), so ``load_image`` works from any folder
   with no checkout at all.
2. ``images/`` next to the ``convkit`` package (a checkout where the link is
   missing, e.g. Git for Windows without symlink support).
3. ``images/`` under :func:`convkit.course.course_root` (the current folder
   or one of its parents holding the course, or ``$CONVKIT_COURSE_ROOT``).

One copy in git, no download at run time, and no dependency on
scikit-image, whose sample data most of these photos come from.

Synthetic patterns
------------------
:func:`impulse`, :func:`step_edge`, :func:`checkerboard` and
:func:`white_square` make small images on which a kernel's effect is obvious.
They return ``uint8`` images with black 0 and white 255 by default, like a
photo; pass ``dtype=np.float64`` for black 0.0 and white 1.0 (a unit impulse,
whose response is the kernel itself). ``size`` is an int for a square image or
a ``(height, width)`` pair.

Examples
--------
>>> from convkit.images import load_image, impulse
>>> load_image("camera").shape, load_image("chelsea", gray=False).shape
((512, 512), (300, 451, 3))
>>> impulse(3)
array([[  0,   0,   0],
       [  0, 255,   0],
       [  0,   0,   0]], dtype=uint8)
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from convkit._validate import as_int, as_picture, as_shape

__all__ = [
    "LUMA_WEIGHTS",
    "checkerboard",
    "image_path",
    "images_dir",
    "impulse",
    "list_images",
    "load_image",
    "step_edge",
    "to_gray",
    "white_square",
]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")

#: ITU-R BT.601 luma weights for R, G, B (the ones OpenCV's RGB2GRAY uses)
LUMA_WEIGHTS = (0.299, 0.587, 0.114)

_PACKAGE = Path(__file__).resolve().parent


# ---------------------------------------------------------------------------
# photographs


def _has_photos(folder: Path) -> bool:
    return folder.is_dir() and any(p.suffix.lower() in IMAGE_SUFFIXES for p in folder.iterdir())


def images_dir() -> Path:
    """The folder the photographs are read from (see the module docstring for the order).

    Returns
    -------
    pathlib.Path
        An existing folder holding the photos and ``CREDITS.md``.

    Raises
    ------
    FileNotFoundError
        If no candidate folder holds any photo.

    Examples
    --------
    >>> (images_dir() / "CREDITS.md").is_file()
    True
    """
    candidates = [_PACKAGE / "data", _PACKAGE.parent / "images"]
    try:
        from convkit.course import course_root

        candidates.append(course_root() / "images")
    except FileNotFoundError:
        pass
    for folder in candidates:
        if _has_photos(folder):
            return folder
    tried = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(
        f"cannot find the course photos; looked in {tried}. Run from the course repository, "
        "set CONVKIT_COURSE_ROOT, or reinstall convkit"
    )


def _photo_files() -> dict[str, Path]:
    folder = images_dir()
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    return {p.stem: p for p in files}


def list_images() -> list[str]:
    """The names of the course photographs, sorted.

    Returns
    -------
    list of str
        Names for :func:`load_image` (file names without their extension).

    Examples
    --------
    >>> list_images()
    ['astronaut', 'brick', 'camera', 'chelsea', 'coffee', 'rocket']
    """
    return list(_photo_files())


def image_path(name: str) -> Path:
    """The file of the photograph called ``name``.

    Parameters
    ----------
    name : str
        A name from :func:`list_images` (an extension is allowed:
        ``"camera.png"``).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    TypeError
        If ``name`` is not a string.
    ValueError
        If there is no such photo; the message lists the names.

    Examples
    --------
    >>> image_path("camera").name
    'camera.png'
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be an image name (str); got {type(name).__name__}")
    files = _photo_files()
    key = name.strip()
    if Path(key).suffix.lower() in IMAGE_SUFFIXES:
        key = Path(key).stem
    if key not in files:
        names = ", ".join(repr(n) for n in files)
        raise ValueError(f"unknown image name {name!r}; choose one of: {names}")
    return files[key]


@functools.lru_cache(maxsize=32)
def _read(path: str, mtime_ns: int) -> NDArray[np.uint8]:
    """Decode a photo once (per path and modification time), RGB or grey, read-only."""
    import cv2

    data = np.fromfile(path, dtype=np.uint8)  # np.fromfile + imdecode copes with any path
    decoded = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    if decoded is None:
        raise ValueError(f"cannot decode the image file {path}")
    if decoded.dtype != np.uint8:
        raise ValueError(f"{path} is not an 8-bit image (dtype {decoded.dtype})")
    image = np.asarray(decoded, dtype=np.uint8)  # the same array, typed
    if image.ndim == 3:
        if image.shape[2] == 4:
            image = image[:, :, :3]  # drop the alpha channel
        image = np.ascontiguousarray(image[:, :, ::-1])  # OpenCV's BGR -> RGB
    image.flags.writeable = False
    return image


def load_image(name: str, gray: bool = True) -> NDArray[np.uint8]:
    """Read a course photograph as a ``uint8`` NumPy array.

    Parameters
    ----------
    name : str
        A name from :func:`list_images`, e.g. ``"camera"`` or ``"chelsea"``.
    gray : bool, optional
        True (default): a ``(height, width)`` grey image; a colour photo is
        converted with :func:`to_gray`. False: a ``(height, width, 3)`` RGB
        image; a grey photo is repeated into three equal channels, so the
        shape never depends on the file.

    Returns
    -------
    ndarray of uint8
        A new array each call: modifying it does not affect later calls.

    Raises
    ------
    TypeError
        If ``name`` is not a string or ``gray`` is not a bool.
    ValueError
        If there is no such photo; the message lists the names.

    Examples
    --------
    >>> cat = load_image("chelsea", gray=False)
    >>> cat.shape, cat.dtype
    ((300, 451, 3), dtype('uint8'))
    >>> load_image("chelsea").shape
    (300, 451)
    """
    if not isinstance(gray, bool | np.bool_):
        raise TypeError(f"gray must be True or False; got {gray!r}")
    path = image_path(name)
    image = _read(str(path), path.stat().st_mtime_ns)
    if gray:
        return to_gray(image) if image.ndim == 3 else image.copy()
    if image.ndim == 2:
        return np.repeat(image[:, :, np.newaxis], 3, axis=2)
    return image.copy()


def to_gray(image: ArrayLike) -> NDArray[np.uint8]:
    """Convert an RGB ``uint8`` image to grey with the BT.601 luma formula.

    ``Y = 0.299 R + 0.587 G + 0.114 B``, rounded to the nearest integer, halves
    up. It is computed exactly in integers, ``(299 R + 587 G + 114 B + 500) //
    1000``, so the result never depends on floating-point summation order.
    These are the weights of ITU-R BT.601, which OpenCV's ``COLOR_RGB2GRAY``
    uses too (it computes in fixed point and differs from the exact formula by
    at most 1 on a few pixels). Green counts most because our eyes are most
    sensitive to it.

    Parameters
    ----------
    image : array_like of uint8, shape (H, W, 3) or (H, W)
        An RGB image (channels in R, G, B order) or an already grey image,
        which is returned as a copy. Not modified.

    Returns
    -------
    ndarray of uint8, shape (H, W)

    Raises
    ------
    TypeError
        If ``image`` is not ``uint8``.
    ValueError
        If ``image`` is not ``(H, W)`` or ``(H, W, 3)``.

    Examples
    --------
    >>> import numpy as np
    >>> to_gray(np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]]], np.uint8))
    array([[ 76, 150,  29, 255]], dtype=uint8)
    """
    arr = as_picture(image, "image")
    if arr.dtype != np.uint8:
        raise TypeError(f"image must be a uint8 image; got dtype {arr.dtype}")
    if arr.ndim == 2:
        return arr.copy()
    weights = np.array([round(w * 1000) for w in LUMA_WEIGHTS], dtype=np.int32)
    numerator = arr.astype(np.int32) @ weights  # at most 255 * 1000: no overflow
    return ((numerator + 500) // 1000).astype(np.uint8)


# ---------------------------------------------------------------------------
# synthetic patterns


def _shape(size: object) -> tuple[int, int]:
    """``size`` as (height, width): an int n means (n, n)."""
    if isinstance(size, tuple | list | np.ndarray):
        return as_shape(size, "size")
    side = as_int(size, "size", minimum=1)
    return side, side


def _canvas(size: object, dtype: DTypeLike) -> tuple[NDArray, float]:
    """A black image of ``size`` and the value of white for ``dtype``."""
    shape = _shape(size)
    try:
        kind = np.dtype(dtype)
    except TypeError:
        kind = None
    if kind == np.uint8:
        return np.zeros(shape, np.uint8), 255
    if kind == np.float64:
        return np.zeros(shape, np.float64), 1.0
    raise ValueError(f"dtype must be np.uint8 (white 255) or np.float64 (white 1.0); got {dtype!r}")


def impulse(size: int | tuple[int, int] = 7, *, dtype: DTypeLike = np.uint8) -> NDArray:
    """A black image with one white pixel at the centre ``(height // 2, width // 2)``.

    Convolving an impulse with a kernel draws the kernel (its *impulse
    response*); ``im_conv``, which does not flip, draws it flipped.

    Parameters
    ----------
    size : int or (int, int), optional
        Side, or ``(height, width)``. Default 7. Odd sides put the pixel at the
        exact centre.
    dtype : np.uint8 or np.float64, optional
        ``np.uint8`` (default): white is 255. ``np.float64``: white is 1.0.

    Returns
    -------
    ndarray

    Raises
    ------
    TypeError, ValueError
        For a bad ``size`` or ``dtype``.

    Examples
    --------
    >>> impulse((3, 5), dtype=np.float64)
    array([[0., 0., 0., 0., 0.],
           [0., 0., 1., 0., 0.],
           [0., 0., 0., 0., 0.]])
    """
    image, white = _canvas(size, dtype)
    height, width = image.shape
    image[height // 2, width // 2] = white
    return image


def step_edge(
    size: int | tuple[int, int] = 64,
    *,
    orientation: Literal["vertical", "horizontal", "diagonal"] = "vertical",
    dtype: DTypeLike = np.uint8,
) -> NDArray:
    """A sharp edge between a black half and a white half.

    Parameters
    ----------
    size : int or (int, int), optional
        Side, or ``(height, width)``. Default 64.
    orientation : {"vertical", "horizontal", "diagonal"}, optional
        ``"vertical"`` (default): black left, white from column
        ``width // 2`` on. ``"horizontal"``: black top, white from row
        ``height // 2`` down. ``"diagonal"``: white above the main diagonal
        (``column > row``), black on and below it.
    dtype : np.uint8 or np.float64, optional
        ``np.uint8`` (default): white is 255. ``np.float64``: white is 1.0.

    Returns
    -------
    ndarray

    Raises
    ------
    TypeError, ValueError
        For a bad ``size``, ``orientation`` or ``dtype``.

    Examples
    --------
    >>> step_edge(4, dtype=np.float64)
    array([[0., 0., 1., 1.],
           [0., 0., 1., 1.],
           [0., 0., 1., 1.],
           [0., 0., 1., 1.]])
    >>> step_edge(3, orientation="diagonal")
    array([[  0, 255, 255],
           [  0,   0, 255],
           [  0,   0,   0]], dtype=uint8)
    """
    image, white = _canvas(size, dtype)
    height, width = image.shape
    if orientation == "vertical":
        image[:, width // 2 :] = white
    elif orientation == "horizontal":
        image[height // 2 :, :] = white
    elif orientation == "diagonal":
        rows, cols = np.indices(image.shape)
        image[cols > rows] = white
    else:
        raise ValueError(
            f"orientation must be 'vertical', 'horizontal' or 'diagonal'; got {orientation!r}"
        )
    return image


def checkerboard(
    size: int | tuple[int, int] = 64, *, square: int = 8, dtype: DTypeLike = np.uint8
) -> NDArray:
    """Black and white squares, starting with black at the top-left.

    Full of edges in both directions and of corners.

    Parameters
    ----------
    size : int or (int, int), optional
        Side, or ``(height, width)``. Default 64. Squares at the right and
        bottom borders are cut off when the size is not a multiple of
        ``square``.
    square : int, optional
        Side of each square in pixels, >= 1. Default 8.
    dtype : np.uint8 or np.float64, optional
        ``np.uint8`` (default): white is 255. ``np.float64``: white is 1.0.

    Returns
    -------
    ndarray

    Raises
    ------
    TypeError, ValueError
        For a bad ``size``, ``square`` or ``dtype``.

    Examples
    --------
    >>> checkerboard(4, square=2, dtype=np.float64)
    array([[0., 0., 1., 1.],
           [0., 0., 1., 1.],
           [1., 1., 0., 0.],
           [1., 1., 0., 0.]])
    """
    image, white = _canvas(size, dtype)
    square = as_int(square, "square", minimum=1)
    rows, cols = np.indices(image.shape)
    image[(rows // square + cols // square) % 2 == 1] = white
    return image


def white_square(
    size: int | tuple[int, int] = 64, *, square: int | None = None, dtype: DTypeLike = np.uint8
) -> NDArray:
    """A white square centred on a black background.

    Its four sides are edges of the four orientations, its corners show how a
    kernel treats corners, and the flat inside and outside show whether a
    kernel keeps brightness.

    Parameters
    ----------
    size : int or (int, int), optional
        Side, or ``(height, width)``. Default 64.
    square : int, optional
        Side of the white square, from 1 up to the smaller image side.
        Default: half the smaller image side. It starts at row
        ``(height - square) // 2`` and column ``(width - square) // 2``.
    dtype : np.uint8 or np.float64, optional
        ``np.uint8`` (default): white is 255. ``np.float64``: white is 1.0.

    Returns
    -------
    ndarray

    Raises
    ------
    TypeError, ValueError
        For a bad ``size``, ``square`` or ``dtype``.

    Examples
    --------
    >>> white_square(4, dtype=np.float64)
    array([[0., 0., 0., 0.],
           [0., 1., 1., 0.],
           [0., 1., 1., 0.],
           [0., 0., 0., 0.]])
    """
    image, white = _canvas(size, dtype)
    height, width = image.shape
    square = max(1, min(height, width) // 2) if square is None else as_int(square, "square")
    if not 1 <= square <= min(height, width):
        raise ValueError(
            f"square must be between 1 and the smaller image side {min(height, width)}; "
            f"got {square}"
        )
    top, left = (height - square) // 2, (width - square) // 2
    image[top : top + square, left : left + square] = white
    return image
