"""The course's kernels: named constants, builders and the dropdown catalogue.

Every kernel is a small float64 array. The module constants (``SOBEL_X``,
``BINOMIAL_5x5``, ...) are **read-only**, so no caller can corrupt them for
everyone else; the builders (``box_blur``, ``gaussian``, ...) and
:func:`get_kernel` return **fresh, writable** arrays. Where a kernel is
separable it is built from its parts, as in scikit-image's
``skimage/filters/edges.py``: a derivative vector times a smoothing vector.

Sign convention
---------------
The course's ``im_conv`` (like ``cv2.filter2D`` and CNN layers) slides the
kernel **without flipping it** (cross-correlation). Under ``im_conv``, the
kernel's top-left weight multiplies the window's top-left pixel. So with
``SOBEL_X = outer([1, 2, 1], [1, 0, -1])`` a pixel's result is
"left minus right": positive where the image gets *darker* to the right. True
convolution (``convolve``, ``scipy.signal.convolve2d``) flips the kernel
first and gives "right minus left", the textbook derivative d/dx. Symmetric
kernels (blurs, Laplacians, sharpen) give the same result either way; the
gradient *magnitude* ``sqrt(gx**2 + gy**2)`` does not care about the sign.

Which kernels are "signed"
--------------------------
A kernel that sums to 1 keeps a flat region's brightness, so its result is
still a picture (sharpen and emboss can overshoot 0..255 a little: clip it).
A kernel that sums to 0 gives 0 on a flat region, and its result is a signed
*response* centred on 0 (edges, Laplacian, identity - blur): show it with
:func:`convkit.display.show_signed`. ``KernelInfo.signed`` records which is
which for the widgets.

Examples
--------
>>> from convkit.kernels import SOBEL_X, get_kernel
>>> SOBEL_X
array([[ 1.,  0., -1.],
       [ 2.,  0., -2.],
       [ 1.,  0., -1.]])
>>> get_kernel("Box blur 3x3").sum()
np.float64(1.0)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
from numpy.typing import ArrayLike, NDArray

from convkit._validate import as_int, as_kernel, as_real

__all__ = [
    "BINOMIAL_5x5",
    "CENTRAL_DIFFERENCE",
    "DIAGONAL_EDGES",
    "EMBOSS",
    "KERNELS",
    "LAPLACIAN_4",
    "LAPLACIAN_8",
    "SHARPEN",
    "SOBEL_SMOOTH",
    "SOBEL_X",
    "SOBEL_Y",
    "UNSHARP_5x5",
    "KernelInfo",
    "binomial",
    "box_blur",
    "gaussian",
    "gaussian_kernel",
    "get_kernel",
    "identity",
    "identity_minus_blur",
    "sharpen_from_blur",
]

FloatArray = NDArray[np.float64]


# ---------------------------------------------------------------------------
# validation


def _odd_size(size: object, name: str = "size") -> int:
    """Return ``size`` as an int, or raise if it is not a positive odd integer."""
    size = as_int(size, name)
    if size < 1 or size % 2 == 0:
        raise ValueError(
            f"{name} must be a positive odd integer (3, 5, 7, ...) so the kernel has a centre "
            f"pixel; got {size}"
        )
    return size


def _as_blur(blur: ArrayLike) -> FloatArray:
    """Validate a blur: a kernel (``as_kernel``: 2-D, finite) with odd sides, summing to 1."""
    arr = as_kernel(blur, "blur")  # only read: the caller's array is never touched
    if arr.shape[0] % 2 == 0 or arr.shape[1] % 2 == 0:
        raise ValueError(
            f"blur must have odd height and width (it needs a centre pixel); got shape {arr.shape}"
        )
    total = float(arr.sum())
    if not math.isclose(total, 1.0, abs_tol=1e-9):
        raise ValueError(
            f"blur must sum to 1 (a blur keeps the average brightness); its weights sum to "
            f"{total:g}: divide it by its sum first"
        )
    return arr


def _frozen(values: ArrayLike) -> FloatArray:
    """A read-only float64 copy of ``values``, for the module constants."""
    arr = np.array(values, dtype=np.float64)
    arr.flags.writeable = False
    return arr


# ---------------------------------------------------------------------------
# builders (each returns a fresh, writable float64 array)


def identity(size: int = 3) -> FloatArray:
    """The identity kernel: a single 1 at the centre, 0 elsewhere.

    Parameters
    ----------
    size : int, optional
        Height and width; a positive odd integer. Default 3.

    Returns
    -------
    ndarray of float64, shape (size, size)
        Sums to 1. ``im_conv(im, identity(k))`` equals the image cropped by
        ``k // 2`` pixels on every side.

    Raises
    ------
    TypeError, ValueError
        If ``size`` is not a positive odd integer.

    Notes
    -----
    ::

        0 0 0
        0 1 0
        0 0 0

    Examples
    --------
    >>> identity(3)
    array([[0., 0., 0.],
           [0., 1., 0.],
           [0., 0., 0.]])
    """
    size = _odd_size(size)
    kernel = np.zeros((size, size))
    kernel[size // 2, size // 2] = 1.0
    return kernel


def box_blur(size: int = 3) -> FloatArray:
    """The box blur (mean filter): every weight ``1 / size**2``.

    Each output pixel is the plain average of the ``size`` x ``size`` window
    under the kernel. Bigger boxes blur more; the square shape leaves faint
    blocky artefacts that a Gaussian avoids.

    Parameters
    ----------
    size : int, optional
        Height and width; a positive odd integer. Default 3.

    Returns
    -------
    ndarray of float64, shape (size, size)
        Sums to 1, so flat regions keep their brightness.

    Raises
    ------
    TypeError, ValueError
        If ``size`` is not a positive odd integer.

    Notes
    -----
    ::

              1 1 1
        1/9 * 1 1 1
              1 1 1

    Separable: ``np.outer(np.ones(size) / size, np.ones(size) / size)``.

    Examples
    --------
    >>> box_blur(3) * 9
    array([[1., 1., 1.],
           [1., 1., 1.],
           [1., 1., 1.]])
    """
    size = _odd_size(size)
    return np.full((size, size), 1.0 / (size * size))


def gaussian(size: int = 5, sigma: float = 1.0) -> FloatArray:
    """A sampled, normalised 2-D Gaussian blur kernel.

    The weight at offset ``(dy, dx)`` from the centre is proportional to
    ``exp(-(dx**2 + dy**2) / (2 * sigma**2))``; the kernel is then divided by
    its sum. Near pixels count more than far ones, so the blur is smooth and
    round, without the box blur's square artefacts.

    Parameters
    ----------
    size : int, optional
        Height and width; a positive odd integer. Default 5. The Gaussian is
        cut off at the border: choose ``size`` at least about ``6 * sigma``
        (rounded up to odd) to keep nearly all of it.
    sigma : float, optional
        Standard deviation in pixels, > 0. Default 1.0. Larger blurs more.

    Returns
    -------
    ndarray of float64, shape (size, size)
        Sums to 1 (up to floating-point rounding).

    Raises
    ------
    TypeError, ValueError
        If ``size`` is not a positive odd integer or ``sigma`` is not a
        finite number > 0.

    Notes
    -----
    Separable: the outer product of the 1-D sampled Gaussian with itself,
    the same samples as ``cv2.getGaussianKernel(size, sigma)``. For
    ``size=3, sigma=0.85`` the weights are close to the binomial ones::

                 1 2 1
        ~ 1/16 * 2 4 2
                 1 2 1

    Examples
    --------
    >>> k = gaussian(5, sigma=1.0)
    >>> k.shape, round(float(k.sum()), 12)
    ((5, 5), 1.0)
    >>> bool(k[2, 2] == k.max())  # the centre weighs most
    True
    """
    size = _odd_size(size)
    sigma = as_real(sigma, "sigma", positive=True)
    offsets = np.arange(size) - size // 2
    profile = np.exp(-(offsets**2) / (2.0 * sigma**2))
    profile /= profile.sum()
    kernel = np.outer(profile, profile)
    return kernel / kernel.sum()


def gaussian_kernel(size: int, sigma: float) -> FloatArray:
    """The ``size x size`` Gaussian blur of lesson 4: samples divided by their sum.

    ``k[i, j]`` is proportional to ``exp(-(y**2 + x**2) / (2 * sigma**2))`` where
    ``y = i - size // 2`` and ``x = j - size // 2`` are measured from the centre;
    the kernel is divided by its sum, so it keeps a flat region's brightness. The
    same kernel as :func:`gaussian`, with no defaults (the graded name).

    Parameters
    ----------
    size : int
        Height and width: a positive odd integer (the kernel needs a centre).
    sigma : float
        Standard deviation in pixels, a finite number > 0. About ``6 * sigma``
        (rounded up to odd) keeps nearly all of the bell; a smaller ``size``
        truncates it.

    Returns
    -------
    ndarray of float64, shape (size, size)
        Symmetric under both flips and the transpose; sums to 1.

    Raises
    ------
    TypeError
        If ``size`` is not an integer or ``sigma`` not a real number.
    ValueError
        If ``size`` is even, 0 or negative, or ``sigma`` is not > 0.

    Notes
    -----
    Separable: ``np.outer(g, g)`` with ``g`` the 1-D samples divided by their sum.
    ``gaussian_kernel(3, 0.85)`` is close to the binomial ``[1, 2, 1] x [1, 2, 1] / 16``.

    Examples
    --------
    >>> k = gaussian_kernel(3, 1.0)
    >>> k.round(4)
    array([[0.0751, 0.1238, 0.0751],
           [0.1238, 0.2042, 0.1238],
           [0.0751, 0.1238, 0.0751]])
    >>> round(float(k.sum()), 12), bool((k == k.T).all())
    (1.0, True)
    >>> gaussian_kernel(4, 1.0)
    Traceback (most recent call last):
    ...
    ValueError: size must be a positive odd integer (3, 5, 7, ...) so the kernel has a centre pixel; got 4
    """  # noqa: E501
    size = _odd_size(size)
    sigma = as_real(sigma, "sigma", positive=True)
    return gaussian(size, sigma)


def binomial(size: int = 5) -> FloatArray:
    """The binomial kernel: a row of Pascal's triangle, in both directions.

    A cheap, integer-weighted approximation of a Gaussian (variance
    ``(size - 1) / 4`` along each axis). ``binomial(5)`` is the classic
    ``outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1]) / 256``.

    Parameters
    ----------
    size : int, optional
        Height and width; a positive odd integer. Default 5.

    Returns
    -------
    ndarray of float64, shape (size, size)
        Sums to 1 exactly (the weights are integers over a power of two).

    Raises
    ------
    TypeError, ValueError
        If ``size`` is not a positive odd integer.

    Notes
    -----
    ::

                  1  4  6  4  1
                  4 16 24 16  4
        1/256 *   6 24 36 24  6
                  4 16 24 16  4
                  1  4  6  4  1

    Examples
    --------
    >>> binomial(3) * 16
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    size = _odd_size(size)
    row = np.array([math.comb(size - 1, k) for k in range(size)], dtype=np.float64)
    return np.outer(row, row) / row.sum() ** 2


def sharpen_from_blur(blur: ArrayLike, amount: float = 1.0) -> FloatArray:
    """A sharpening kernel built from a blur: ``identity + amount * (identity - blur)``.

    ``identity - blur`` keeps exactly what the blur removes (the detail);
    adding it back to the image exaggerates the detail. With the default
    ``amount=1`` this is the course's ``2 * identity - blur``. It is
    *unsharp masking* written as a single kernel.

    Parameters
    ----------
    blur : array_like, shape (h, w)
        A blur kernel with odd height and width whose weights sum to 1 (for
        example :func:`box_blur` or :func:`gaussian`). Not modified.
    amount : float, optional
        How much detail to add back. Default 1.0; 0 gives the identity.

    Returns
    -------
    ndarray of float64, shape (h, w)
        A new kernel; it sums to 1, like the blur.

    Raises
    ------
    TypeError, ValueError
        If ``blur`` is not a finite, numeric 2-D array with odd sides summing
        to 1, or ``amount`` is not a finite number.

    Notes
    -----
    With ``blur = box_blur(3)``::

              -1 -1 -1
        1/9 * -1 17 -1
              -1 -1 -1

    With the 4-neighbour cross ``[[0, 1, 0], [1, 1, 1], [0, 1, 0]] / 5`` and
    ``amount=5`` it is exactly :data:`SHARPEN`, and with
    :data:`BINOMIAL_5x5` it is :data:`UNSHARP_5x5`.

    Examples
    --------
    >>> sharpen_from_blur(box_blur(3)) * 9
    array([[-1., -1., -1.],
           [-1., 17., -1.],
           [-1., -1., -1.]])
    """
    kernel = _as_blur(blur)
    amount = as_real(amount, "amount")
    height, width = kernel.shape
    ident = np.zeros_like(kernel)
    ident[height // 2, width // 2] = 1.0
    return ident + amount * (ident - kernel)


def identity_minus_blur(size: int = 3) -> FloatArray:
    """``identity(size) - box_blur(size)``: the detail a box blur removes.

    Each result pixel is "this pixel minus the average around it": 0 on flat
    regions, large (positive or negative) at edges and fine texture.
    Thresholding its absolute value gives a simple edge map.

    Parameters
    ----------
    size : int, optional
        Height and width; a positive odd integer. Default 3.

    Returns
    -------
    ndarray of float64, shape (size, size)
        Sums to 0 (up to rounding): the result is signed.

    Raises
    ------
    TypeError, ValueError
        If ``size`` is not a positive odd integer.

    Notes
    -----
    ::

              -1 -1 -1
        1/9 * -1  8 -1
              -1 -1 -1

    Proportional to :data:`LAPLACIAN_8` (``identity_minus_blur(3) ==
    -LAPLACIAN_8 / 9``).

    Examples
    --------
    >>> identity_minus_blur(3) * 9
    array([[-1., -1., -1.],
           [-1.,  8., -1.],
           [-1., -1., -1.]])
    """
    size = _odd_size(size)
    return identity(size) - box_blur(size)


# ---------------------------------------------------------------------------
# named constants (read-only)

#: smoothing part of the Sobel kernels (a 3-tap binomial)
SOBEL_SMOOTH = _frozen([1, 2, 1])
#: derivative part of the Sobel kernels (a central difference, "before minus after")
CENTRAL_DIFFERENCE = _frozen([1, 0, -1])

SOBEL_X = _frozen(np.outer(SOBEL_SMOOTH, CENTRAL_DIFFERENCE))
"""Sobel kernel for horizontal change: finds **vertical** edges.

``outer([1, 2, 1], [1, 0, -1])``: a central difference along each row,
smoothed over three rows::

    1  0 -1
    2  0 -2
    1  0 -1

Under ``im_conv`` (no flip, as ``cv2.filter2D``) the result is "left minus
right": positive where the image gets darker to the right, the *negative* of
d/dx. Under true convolution it is "right minus left" (d/dx). Libraries differ:

* ``cv2.Sobel(im, cv2.CV_64F, 1, 0)`` correlates with ``-SOBEL_X``
  (``-1 0 1 / -2 0 2 / -1 0 1``): right minus left;
* ``skimage.filters.sobel_v`` documents this kernel but applies it with
  ``scipy.ndimage.convolve`` (a flip), divided by 4, on the image as floats in
  0..1: right minus left, a quarter of the size.

The magnitude ``sqrt(gx**2 + gy**2)`` is the same in all of them (up to that
scale). Sums to 0.

Examples
--------
>>> import numpy as np
>>> step = np.array([[0, 0, 9, 9]] * 3)  # dark left, bright right
>>> float((step[:, 1:4] * SOBEL_X).sum())  # left minus right
-36.0
>>> float((step[:, 1:4] * SOBEL_X[::-1, ::-1]).sum())  # convolution, cv2.Sobel: right minus left
36.0
"""

SOBEL_Y = _frozen(np.outer(CENTRAL_DIFFERENCE, SOBEL_SMOOTH))
"""Sobel kernel for vertical change: finds **horizontal** edges.

``outer([1, 0, -1], [1, 2, 1])``, the transpose of :data:`SOBEL_X`::

     1  2  1
     0  0  0
    -1 -2 -1

Under ``im_conv`` the result is "top minus bottom" (rows grow downwards):
positive where the image gets darker further down; ``cv2.Sobel(im, cv2.CV_64F,
0, 1)`` and ``skimage.filters.sobel_h`` give bottom minus top (see
:data:`SOBEL_X`). Sums to 0.

Examples
--------
>>> bool((SOBEL_Y == SOBEL_X.T).all())
True
"""

BINOMIAL_5x5 = _frozen(binomial(5))
"""5x5 binomial blur, a cheap Gaussian: ``outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1]) / 256``::

              1  4  6  4  1
              4 16 24 16  4
    1/256 *   6 24 36 24  6
              4 16 24 16  4
              1  4  6  4  1

Sums to 1.

Examples
--------
>>> BINOMIAL_5x5[2] * 256
array([ 6., 24., 36., 24.,  6.])
"""

SHARPEN = _frozen([[0, -1, 0], [-1, 5, -1], [0, -1, 0]])
"""The classic 3x3 sharpen: ``identity - LAPLACIAN_4``, the image minus its Laplacian::

     0 -1  0
    -1  5 -1
     0 -1  0

Each pixel is pushed away from its four neighbours. With ``avg4`` the average
of the four neighbours (``LAPLACIAN_4 = 4 * (avg4 - identity)``) it is
``identity + 4 * (identity - avg4)``: an unsharp mask of amount 4. Not
separable (rank 2). Sums to 1.

Examples
--------
>>> bool((SHARPEN == identity(3) - LAPLACIAN_4).all())
True
>>> avg4 = np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]]) / 4
>>> bool(np.allclose(SHARPEN, identity(3) + 4 * (identity(3) - avg4)))
True
"""

LAPLACIAN_4 = _frozen([[0, 1, 0], [1, -4, 1], [0, 1, 0]])
"""The 4-neighbour Laplacian: second difference along rows plus along columns::

    0  1  0
    1 -4  1
    0  1  0

0 on flat regions and on linear ramps; signed responses on both sides of an
edge (the edge is where the sign changes). Sums to 0. Centre negative, so it
approximates ``d2/dx2 + d2/dy2``.

Examples
--------
>>> float(LAPLACIAN_4.sum())
0.0
"""

LAPLACIAN_8 = _frozen([[1, 1, 1], [1, -8, 1], [1, 1, 1]])
"""The 8-neighbour Laplacian, which also counts the diagonal neighbours::

    1  1  1
    1 -8  1
    1  1  1

Responds to edges in every direction more evenly than :data:`LAPLACIAN_4`.
Sums to 0.

Examples
--------
>>> bool((LAPLACIAN_8 == -9 * identity_minus_blur(3)).all())
True
"""

DIAGONAL_EDGES = _frozen(np.outer(CENTRAL_DIFFERENCE, CENTRAL_DIFFERENCE))
"""Mixed second difference ``outer([1, 0, -1], [1, 0, -1])``::

     1  0 -1
     0  0  0
    -1  0  1

It approximates ``d2/dx dy``: exactly 0 on any purely horizontal or vertical
edge, strong on diagonal lines, diagonal edges and corners. Sums to 0.

Examples
--------
>>> import numpy as np
>>> vertical_edge = np.array([[0, 0, 9]] * 3)
>>> float((vertical_edge * DIAGONAL_EDGES).sum())
0.0
"""

UNSHARP_5x5 = _frozen(sharpen_from_blur(BINOMIAL_5x5))
"""Unsharp masking as one kernel: ``2 * identity - BINOMIAL_5x5``::

               1   4    6   4   1
               4  16   24  16   4
    -1/256 *   6  24 -476  24   6
               4  16   24  16   4
               1   4    6   4   1

Sharpens more gently and over a wider area than :data:`SHARPEN`. Sums to 1.

Examples
--------
>>> float(UNSHARP_5x5[2, 2] * 256)
476.0
"""

EMBOSS = _frozen([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]])
"""Emboss: the image plus a diagonal difference, for a carved-relief look::

    -2 -1  0
    -1  1  1
     0  1  2

Under ``im_conv`` a pixel gains "bottom-right minus top-left", so edges that
face the top-left of bright objects turn bright and edges facing the
bottom-right turn dark, as if lit from the top-left. Sums to 1.

Examples
--------
>>> float(EMBOSS.sum())
1.0
"""


# ---------------------------------------------------------------------------
# the catalogue for dropdowns


@dataclass(frozen=True)
class KernelInfo:
    """A kernel with what a student needs to know about it.

    Attributes
    ----------
    name : str
        Display name, the key in :data:`KERNELS`.
    kernel : ndarray of float64
        The weights (read-only; :func:`get_kernel` returns a writable copy).
    description : str
        One line saying what the kernel does to an image.
    signed : bool
        True when the kernel sums to 0, so its result is a signed response
        centred on 0 (show it with ``show_signed``); False when the result is
        still a picture.
    sums_to : float
        The sum of the weights: 1 keeps brightness, 0 means "responds to
        change only".
    """

    name: str
    kernel: FloatArray
    description: str
    signed: bool
    sums_to: float


def _info(name: str, kernel: ArrayLike, description: str) -> KernelInfo:
    arr = _frozen(kernel)
    total = round(float(arr.sum()), 12) + 0.0  # + 0.0 turns -0.0 into 0.0
    return KernelInfo(name, arr, description, signed=total == 0.0, sums_to=total)


KERNELS: Mapping[str, KernelInfo] = MappingProxyType(
    {
        info.name: info
        for info in (
            _info("Identity", identity(3), "Copies the image unchanged: a single 1 at the centre."),
            _info(
                "Box blur 3x3",
                box_blur(3),
                "Replaces each pixel by the plain average of its 3x3 neighbourhood.",
            ),
            _info(
                "Box blur 5x5",
                box_blur(5),
                "The average of a 5x5 neighbourhood: a stronger, slightly blocky blur.",
            ),
            _info(
                "Gaussian 5x5 (sigma 1)",
                gaussian(5, 1.0),
                "A weighted average that trusts near pixels more: a smooth, round blur.",
            ),
            _info(
                "Binomial 5x5",
                BINOMIAL_5x5,
                "Pascal's-triangle weights (1 4 6 4 1) in both directions: a cheap Gaussian blur.",
            ),
            _info(
                "Sharpen",
                SHARPEN,
                "Pushes each pixel away from its 4 neighbours, so edges look crisper.",
            ),
            _info(
                "Unsharp mask 5x5",
                UNSHARP_5x5,
                "Adds back the detail a blur removes: 2 x identity - binomial blur.",
            ),
            _info(
                "Identity - blur 3x3",
                identity_minus_blur(3),
                "Keeps only what a blur removes: 0 on flat areas, strong at edges and texture.",
            ),
            _info(
                "Laplacian (4-neighbour)",
                LAPLACIAN_4,
                "Second difference: 0 on flat areas and ramps, +/- on both sides of every edge.",
            ),
            _info(
                "Laplacian (8-neighbour)",
                LAPLACIAN_8,
                "Like the 4-neighbour Laplacian, counting diagonals too: evener in all directions.",
            ),
            _info(
                "Sobel x",
                SOBEL_X,
                "Left minus right, smoothed: finds vertical edges; the sign says which side is "
                "brighter.",
            ),
            _info(
                "Sobel y",
                SOBEL_Y,
                "Top minus bottom, smoothed: finds horizontal edges; the sign says which side is "
                "brighter.",
            ),
            _info(
                "Diagonal edges",
                DIAGONAL_EDGES,
                "Mixed second difference: blind to horizontal and vertical edges, sees diagonals.",
            ),
            _info(
                "Emboss",
                EMBOSS,
                "Relief effect: edges facing the top-left turn bright, as if lit from there.",
            ),
        )
    }
)
"""Display name -> :class:`KernelInfo`, in teaching order (read-only mapping).

Examples
--------
>>> list(KERNELS)[:3]
['Identity', 'Box blur 3x3', 'Box blur 5x5']
>>> KERNELS["Sobel x"].signed, KERNELS["Sharpen"].sums_to
(True, 1.0)
"""


def get_kernel(name: str) -> FloatArray:
    """Return a fresh, writable copy of the kernel called ``name`` in :data:`KERNELS`.

    Parameters
    ----------
    name : str
        A display name from :data:`KERNELS`; case and surrounding spaces are
        ignored.

    Returns
    -------
    ndarray of float64
        A new array: changing it does not change the catalogue.

    Raises
    ------
    TypeError
        If ``name`` is not a string.
    ValueError
        If there is no kernel of that name; the message lists the names.

    Examples
    --------
    >>> get_kernel("sobel x")
    array([[ 1.,  0., -1.],
           [ 2.,  0., -2.],
           [ 1.,  0., -1.]])
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a kernel name (str); got {type(name).__name__}")
    info = KERNELS.get(name)
    if info is None:
        wanted = " ".join(name.split()).casefold()
        matches = [item for key, item in KERNELS.items() if key.casefold() == wanted]
        if not matches:
            names = ", ".join(repr(key) for key in KERNELS)
            raise ValueError(f"unknown kernel name {name!r}; choose one of: {names}")
        info = matches[0]
    return np.array(info.kernel, dtype=np.float64)
