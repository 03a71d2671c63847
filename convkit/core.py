"""The array code of the course: correlation, convolution and their helpers.

These are the reference implementations of the functions students write in the
lessons (``get_subimages``, ``im_conv``, ``flip_kernel``, ``convolve``,
``conv_output_shape``, ``pad_image``, ``strided_im_conv``), built on one engine,
:func:`correlate`.

What is computed
----------------
Slide the kernel ``k`` (``kh`` rows, ``kw`` columns) over the image ``im``; at
each position multiply the pixels under the kernel by the kernel's weights and
add them up. With the window's top-left corner at ``(r, c)``::

    out[r, c] = sum over i < kh, j < kw of  k[i, j] * im[r + i, c + j]

This is **cross-correlation**: the kernel is used as written, not flipped. It is
what ``cv2.filter2D``, ``scipy.signal.correlate2d`` and the convolution layers
of neural networks compute. **Convolution** flips the kernel first (left-right
and up-down): ``convolve(im, k) == correlate(im, flip_kernel(k))``. For a
symmetric kernel (box blur, Gaussian) the two agree; for an asymmetric one
(Sobel, a shift) they do not.

Integer images (uint8 photos) are computed in float64, so nothing wraps around:
a 3x3 kernel of ones on pixels of 255 gives 2295.0, not 247.

Output size: ``mode``
---------------------
For an image of height ``H`` and a kernel of height ``kh`` (and likewise for
widths)::

    full   H + kh - 1   every position where kernel and image overlap
    same   H            the input's size: the kernel's anchor visits every pixel
    valid  H - kh + 1   only positions where the kernel lies inside the image

    a row "a b c d e" and a kernel 3 wide (. marks padding):

    full   7 outputs   . . a b c d e . .   windows [. . a] [. a b] ... [e . .]
    same   5 outputs     . a b c d e .     windows [. a b] [a b c] ... [d e .]
    valid  3 outputs       a b c d e       windows [a b c] [b c d] [c d e]

``"same"`` and even-sized kernels: the output pixel ``(r, c)`` sits under the
kernel entry ``((kh - 1) // 2, (kw - 1) // 2)``, the centre for odd sizes and
the entry up and to the left of the centre for even sizes. So the image is padded
by ``(kh - 1) // 2`` rows on top and ``kh // 2`` below (likewise left and right).
This is ``scipy.signal.correlate2d(mode="same")``'s alignment. ``cv2.filter2D``
anchors at ``(kh // 2, kw // 2)`` instead, which differs by one pixel for even
sizes. :func:`convolve` in ``"same"`` mode flips the kernel and pads the other
way round (``kh // 2`` on top), matching ``scipy.signal.convolve2d(mode="same")``;
in both cases the same kernel entry lands on the output pixel.

Pixels beyond the border: ``boundary``
--------------------------------------
``"full"`` and ``"same"`` need pixels outside the image; ``boundary`` says how
to invent them (it has no effect in ``"valid"`` mode). Padding the row
``a b c d`` by two pixels:

===============  =======================  ===============  ==========  =====================
``boundary``     padded row               ``np.pad`` mode  SciPy       OpenCV ``borderType``
===============  =======================  ===============  ==========  =====================
``"zero"``       ``0 0 | a b c d | 0 0``  ``"constant"``   ``"fill"``  ``BORDER_CONSTANT``
``"reflect"``    ``b a | a b c d | d c``  ``"symmetric"``  ``"symm"``  ``BORDER_REFLECT``
``"replicate"``  ``a a | a b c d | d d``  ``"edge"``       (none)      ``BORDER_REPLICATE``
``"wrap"``       ``c d | a b c d | a b``  ``"wrap"``       ``"wrap"``  ``BORDER_WRAP`` (1)
===============  =======================  ===============  ==========  =====================

(1) ``cv2.filter2D`` does not accept ``BORDER_WRAP``; ``cv2.copyMakeBorder`` does.

``"reflect"`` mirrors the image *including* the edge pixel (``a`` appears
twice). Beware: NumPy's ``np.pad(mode="reflect")`` and OpenCV's default border
``BORDER_REFLECT_101`` (``c b|a b c d|c b``) mirror *without* repeating it.

Stride
------
``stride=s`` keeps every ``s``-th output position in both directions (a pair
``(sr, sc)`` gives separate row and column steps): the result equals the
stride-1 result sliced ``[::sr, ::sc]``, and has ``(n_padded - k) // s + 1``
rows (``n_padded`` being the padded height), computed without the skipped
positions.

How it is computed
------------------
No Python loop over pixels: the engine loops over the kernel's non-zero entries
and, for each, adds the weight times a shifted slice of the (padded) image::

    out = 0
    for each (i, j):  out += k[i, j] * padded[i : i + out_h, j : j + out_w]

That is the formula above with the two sums swapped. For speed it works through
the image in cache-sized blocks, skips zero weights, adds (rather than
multiplies) weights of 1 and -1, and, when it saves work, runs a kernel that is
exactly the outer product of a column of whole numbers and a row (a box blur,
the binomial Gaussian) as a column pass followed by a row pass. None of this
changes a result by more than rounding (a few times 1e-16 of the sum of
``|weight * pixel|``), and integer images filtered with integer kernels give
exact whole numbers whichever way they are computed.

Examples
--------
>>> import numpy as np
>>> im = np.arange(16).reshape(4, 4)
>>> im_conv(im, np.ones((3, 3)))
array([[45., 54.],
       [81., 90.]])
>>> correlate(im, [[1, 0, -1]], mode="same")
array([[ -1.,  -2.,  -2.,   2.],
       [ -5.,  -2.,  -2.,   6.],
       [ -9.,  -2.,  -2.,  10.],
       [-13.,  -2.,  -2.,  14.]])
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any, Literal

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import ArrayLike, NDArray

from convkit._validate import (
    BOUNDARIES,
    MODES,
    as_image,
    as_int,
    as_kernel,
    as_numbers,
    as_shape,
    check_boundary,
    check_choice,
    check_finite,
    check_fits,
    check_mode,
    check_stride,
)

__all__ = [
    "BOUNDARIES",
    "MODES",
    "apply_per_channel",
    "conv_output_shape",
    "convolve",
    "correlate",
    "flip_kernel",
    "get_subimages",
    "im_conv",
    "multichannel_conv",
    "pad_image",
    "strided_im_conv",
]

#: elements per block of the stride-1 engine: two float64 blocks (192 KiB each)
#: stay in a typical L2 cache while every kernel entry is added in
_BLOCK = 24_576

_NP_PAD_MODE: dict[str, Literal["constant", "symmetric", "edge", "wrap"]] = {
    "zero": "constant", "reflect": "symmetric", "replicate": "edge", "wrap": "wrap",
}

Pad = tuple[tuple[int, int], tuple[int, int]]

#: the borders :func:`pad_image` invents (a subset of :data:`BOUNDARIES`)
PAD_MODES: tuple[str, ...] = ("zero", "replicate")


# --------------------------------------------------------------------------- public functions


def correlate(
    im: ArrayLike,
    kernel: ArrayLike,
    mode: str = "valid",
    boundary: str = "zero",
    stride: int | tuple[int, int] = 1,
) -> NDArray[np.float64]:
    """Cross-correlate a grey image with a kernel (the kernel is not flipped).

    ``out[r, c] = sum_ij kernel[i, j] * padded[r*sr + i, c*sc + j]``, where
    ``padded`` is ``im`` padded for ``mode`` with pixels invented by
    ``boundary`` (see the module documentation for pictures).

    Parameters
    ----------
    im : array_like
        Grey image, 2-D ``(height, width)``, any integer or float dtype
        (computed in float64). Never modified.
    kernel : array_like
        2-D ``(rows, columns)`` weights; any size, even sizes included.
    mode : {"valid", "same", "full"}, optional
        Output size: ``H - kh + 1`` (kernel inside the image; the default),
        ``H`` (anchor at kernel entry ``((kh - 1) // 2, (kw - 1) // 2)``), or
        ``H + kh - 1`` (every overlap). Same alignment as
        ``scipy.signal.correlate2d``.
    boundary : {"zero", "reflect", "replicate", "wrap"}, optional
        How pixels beyond the border are invented in ``"same"`` and ``"full"``
        mode: zeros; the mirror image repeating the edge pixel (NumPy's
        ``"symmetric"``, SciPy's ``"symm"``, OpenCV's ``BORDER_REFLECT``, not
        its default ``BORDER_REFLECT_101``); the edge pixel repeated; the
        opposite side of the image. No effect in ``"valid"`` mode.
    stride : int or (int, int), optional
        Keep every ``stride``-th output position (rows, columns); default 1.

    Returns
    -------
    numpy.ndarray
        float64, C-contiguous, shape ``conv_output_shape(im.shape,
        kernel.shape, mode, stride=stride)``.

    Raises
    ------
    TypeError
        For non-numeric, boolean or complex arrays, a non-string mode or
        boundary, a non-integer stride.
    ValueError
        For arrays that are not 2-D, empty or not finite, an unknown mode or
        boundary, a stride below 1, or (valid mode) a kernel larger than ``im``.

    See Also
    --------
    convolve : the same with the kernel flipped.
    im_conv : ``correlate(im, kernel)`` in valid mode.

    Examples
    --------
    A kernel that picks the pixel to the right::

        im = 1 2 3      kernel = 0 0 1
             4 5 6

    >>> im = np.array([[1, 2, 3], [4, 5, 6]])
    >>> correlate(im, [[0, 0, 1]], mode="same")
    array([[2., 3., 0.],
           [5., 6., 0.]])
    >>> correlate(im, [[0, 0, 1]], mode="same", boundary="replicate")
    array([[2., 3., 3.],
           [5., 6., 6.]])
    >>> correlate(im, [[1, 1]], mode="full")
    array([[ 1.,  3.,  5.,  3.],
           [ 4.,  9., 11.,  6.]])
    >>> correlate(np.arange(25).reshape(5, 5), np.ones((3, 3)), mode="same", stride=2)
    array([[ 12.,  27.,  24.],
           [ 63., 108.,  81.],
           [ 72., 117.,  84.]])
    """
    return _filter(im, kernel, mode, boundary, stride, flip=False)


def convolve(
    im: ArrayLike,
    kernel: ArrayLike,
    mode: str = "valid",
    boundary: str = "zero",
    stride: int | tuple[int, int] = 1,
) -> NDArray[np.float64]:
    """Convolve a grey image with a kernel: correlate with the flipped kernel.

    ``convolve(im, kernel) == correlate(im, flip_kernel(kernel))``, and for
    every mode and the boundaries SciPy has (``"zero"``, ``"reflect"``,
    ``"wrap"``) equals ``scipy.signal.convolve2d(im, kernel, mode,
    boundary=...)``, even for even-sized kernels in ``"same"`` mode.

    Parameters
    ----------
    im, kernel, mode, boundary, stride
        As for :func:`correlate`.

    Returns
    -------
    numpy.ndarray
        float64, shape ``conv_output_shape(im.shape, kernel.shape, mode,
        stride=stride)``.

    Raises
    ------
    TypeError, ValueError
        As for :func:`correlate`.

    Examples
    --------
    Convolution flips the kernel, so a kernel that picks the window's right
    pixel under correlation picks its left pixel under convolution:

    >>> im = np.array([[1, 2, 3, 4]])
    >>> convolve(im, [[0, 0, 1]])
    array([[1., 2.]])
    >>> correlate(im, [[0, 0, 1]])
    array([[3., 4.]])
    >>> convolve(np.eye(3), [[1, 2], [3, 4]], mode="full")
    array([[1., 2., 0., 0.],
           [3., 5., 2., 0.],
           [0., 3., 5., 2.],
           [0., 0., 3., 4.]])
    """
    return _filter(im, kernel, mode, boundary, stride, flip=True)


def im_conv(im: ArrayLike, kernel: ArrayLike) -> NDArray[np.float64]:
    """The sliding-window weighted sum in valid mode: ``correlate(im, kernel)``.

    Every output pixel is the sum of the kernel's weights times the pixels of
    the window under it; the kernel is *not* flipped (like ``cv2.filter2D``).

    Parameters
    ----------
    im : array_like
        Grey image, 2-D ``(height, width)``, any integer or float dtype.
    kernel : array_like
        2-D weights, no larger than ``im`` in either direction.

    Returns
    -------
    numpy.ndarray
        float64 of shape ``(H - kh + 1, W - kw + 1)``.

    Raises
    ------
    TypeError, ValueError
        As for :func:`correlate`.

    Examples
    --------
    A 3x3 box blur over a 4x4 image leaves a 2x2 result::

        0  1  2  3
        4  5  6  7        mean of the window       5  6
        8  9 10 11   -->  around each inner  -->   9 10
       12 13 14 15        pixel

    >>> im_conv(np.arange(16).reshape(4, 4), np.ones((3, 3)) / 9)
    array([[ 5.,  6.],
           [ 9., 10.]])

    uint8 pixels are computed in float64, so they never wrap around:

    >>> im_conv(np.full((3, 3), 255, dtype=np.uint8), np.ones((3, 3)))
    array([[2295.]])
    """
    return _filter(im, kernel, "valid", "zero", 1, flip=False)


def flip_kernel(kernel: ArrayLike) -> np.ndarray:
    """Flip a kernel left-right and up-down (a half turn), as a new array.

    Parameters
    ----------
    kernel : array_like
        2-D weights, any real dtype (kept).

    Returns
    -------
    numpy.ndarray
        A new array, ``kernel[::-1, ::-1]``; equal to ``np.flip(kernel)``.
        Flipping twice gives the kernel back.

    Raises
    ------
    TypeError, ValueError
        For a kernel that is not a 2-D, non-empty, finite array of numbers.

    Examples
    --------
    ::

        1 2 3             9 8 7
        4 5 6    flip     6 5 4
        7 8 9    ---->    3 2 1

    >>> flip_kernel([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    array([[9, 8, 7],
           [6, 5, 4],
           [3, 2, 1]])
    """
    k = as_kernel(kernel, dtype=None)
    return k[::-1, ::-1].copy()


def get_subimages(im: ArrayLike, kernel: ArrayLike) -> dict[tuple[int, int], np.ndarray]:
    """Every kernel-sized window of an image, keyed by its top-left corner.

    Parameters
    ----------
    im : array_like
        Grey image, 2-D ``(height, width)``.
    kernel : array_like
        2-D array; only its shape is used. No larger than ``im``.

    Returns
    -------
    dict
        ``(row, col)`` (Python ints) -> ``im[row:row + kh, col:col + kw]`` for
        every valid position, in reading order (row by row). There are
        ``(H - kh + 1) * (W - kw + 1)`` of them. The windows keep ``im``'s dtype
        and are read-only views: writing to one raises an error, so ``im``
        cannot be changed through them (``.copy()`` one to edit it).

    Raises
    ------
    TypeError, ValueError
        For invalid arrays, or a kernel larger than ``im``.

    Examples
    --------
    A 3x3 image has four 2x2 windows::

        1 2 3      (0, 0): 1 2   (0, 1): 2 3   (1, 0): 4 5   (1, 1): 5 6
        4 5 6              4 5           5 6           7 8           8 9
        7 8 9

    >>> windows = get_subimages(np.arange(1, 10).reshape(3, 3), np.ones((2, 2)))
    >>> list(windows)
    [(0, 0), (0, 1), (1, 0), (1, 1)]
    >>> windows[(1, 0)]
    array([[4, 5],
           [7, 8]])
    """
    arr = as_image(im, dtype=None)
    k = as_kernel(kernel, dtype=None)
    check_fits(arr.shape, k.shape)
    windows = sliding_window_view(arr, k.shape)  # read-only views, cannot be made writeable
    rows, cols = windows.shape[:2]
    return {(r, c): windows[r, c] for r in range(rows) for c in range(cols)}


def conv_output_shape(
    im_shape: tuple[int, int],
    kernel_shape: tuple[int, int],
    mode: str = "valid",
    padding: int | tuple[int, int] = 0,
    stride: int = 1,
) -> tuple[int, int]:
    """The shape of a convolution's output: a mode, or valid mode with padding and stride.

    Per axis, with ``n`` the image's size, ``k`` the kernel's, ``p`` the padding
    and ``s`` the stride::

        full   n + k - 1
        same   n
        valid  floor((n + 2p - k) / s) + 1

    ``"same"`` and ``"full"`` are themselves paddings (of about ``k / 2`` and of
    ``k - 1`` pixels) at stride 1, so ``padding`` and ``stride`` only go with
    ``"valid"``. It is the shape :func:`correlate` returns for ``mode`` (and, in
    valid mode, for an image zero-padded by ``padding`` and ``stride``).

    Parameters
    ----------
    im_shape, kernel_shape : (int, int)
        ``(rows, columns)`` of the image and the kernel, positive.
    mode : {"valid", "same", "full"}, optional
        ``"valid"`` (default): only windows entirely inside the (padded) image.
    padding : int or (int, int), optional
        Zeros added on *each* side before sliding, ``>= 0``: an int for all four
        sides, or ``(rows, cols)``: ``rows`` above and below, ``cols`` left and
        right. Default 0.
    stride : int, optional
        The step between two windows' top-left corners, ``>= 1``. Default 1.
        When ``s`` does not divide ``n + 2p - k``, the last ``(n + 2p - k) % s``
        rows (columns) of the padded image start no window.

    Returns
    -------
    (int, int)
        ``(rows, cols)`` of the output, Python ints.

    Raises
    ------
    TypeError
        For shapes that are not pairs of ints, a ``padding`` or ``stride`` that
        is not an int (or, for padding, a pair of ints): floats, even ``2.0``,
        and bools included; a ``mode`` that is not a string.
    ValueError
        For non-positive shapes, an unknown mode, a negative padding, a stride
        below 1, padding or stride with ``"same"`` or ``"full"``, or a kernel
        larger than the padded image in valid mode.

    Examples
    --------
    A 5x5 image and a 3x3 kernel::

        full  7x7     same  5x5     valid  3x3

    >>> [conv_output_shape((5, 5), (3, 3), m) for m in ("full", "same", "valid")]
    [(7, 7), (5, 5), (3, 3)]
    >>> conv_output_shape((480, 640), (5, 4))
    (476, 637)

    Padding 1 and stride 2 on a 7x8 image with a 3x3 kernel: rows
    ``(7 + 2 - 3) // 2 + 1 = 4``, columns ``(8 + 2 - 3) // 2 + 1 = 4`` (3.5
    rounded down, plus one):

    >>> conv_output_shape((7, 8), (3, 3), "valid", padding=1, stride=2)
    (4, 4)
    >>> conv_output_shape((7, 8), (3, 3), padding=(0, 2))
    (5, 10)
    >>> conv_output_shape((2, 2), (3, 3), "valid")
    Traceback (most recent call last):
    ...
    ValueError: valid mode needs kernel_shape no larger than im_shape plus 2 * padding in both directions; got im_shape (2, 2), padding (0, 0) and kernel_shape (3, 3) (pad more, or use mode='same' or 'full')
    >>> conv_output_shape((5, 5), (3, 3), "same", stride=2)
    Traceback (most recent call last):
    ...
    ValueError: stride must be 1 with mode 'same' (it is a padding of its own, at stride 1); got 2: use mode='valid' with padding=... and stride=...
    """  # noqa: E501
    h, w = as_shape(im_shape, "im_shape")
    kh, kw = as_shape(kernel_shape, "kernel_shape")
    mode = check_mode(mode)
    expected = "padding must be an integer >= 0 or a (rows, cols) pair of them"
    if isinstance(padding, np.ndarray) and padding.ndim == 1:
        padding = tuple(padding.tolist())
    pair = tuple(padding) if isinstance(padding, tuple | list) else (padding, padding)
    if len(pair) != 2:
        raise TypeError(f"{expected}; got {padding!r} ({len(pair)} numbers)")
    for value in pair:
        if not isinstance(value, numbers.Integral) or isinstance(value, bool | np.bool_):
            raise TypeError(f"{expected}; got {padding!r} ({type(value).__name__})")
    pr, pc = int(pair[0]), int(pair[1])
    if pr < 0 or pc < 0:
        raise ValueError(f"{expected}; got {padding!r} (padding adds pixels, it cannot "
                         "remove them)")
    step = as_int(stride, "stride", minimum=1)
    if mode != "valid":
        hint = "use mode='valid' with padding=... and stride=..."
        if (pr, pc) != (0, 0):
            raise ValueError(f"padding must be 0 with mode {mode!r} (it is a padding of its "
                             f"own); got {padding!r}: {hint}")
        if step != 1:
            raise ValueError(f"stride must be 1 with mode {mode!r} (it is a padding of its "
                             f"own, at stride 1); got {step}: {hint}")
        sign = 1 if mode == "full" else 0
        return (h + sign * (kh - 1), w + sign * (kw - 1))
    if kh > h + 2 * pr or kw > w + 2 * pc:
        raise ValueError(
            "valid mode needs kernel_shape no larger than im_shape plus 2 * padding in both "
            f"directions; got im_shape {(h, w)}, padding {(pr, pc)} and kernel_shape "
            f"{(kh, kw)} (pad more, or use mode='same' or 'full')"
        )
    return ((h + 2 * pr - kh) // step + 1, (w + 2 * pc - kw) // step + 1)


def pad_image(im: ArrayLike, pad: int | tuple[int, int], mode: str = "zero") -> np.ndarray:
    """The image in a frame of invented pixels, ``pad`` wide on every side.

    Padding first and then taking the valid-mode :func:`im_conv` gives the
    "same"-size convolution: a ``k x k`` kernel (``k`` odd) and ``pad = k // 2``
    give an output of the image's own size.

    Parameters
    ----------
    im : array_like
        Grey image, 2-D ``(height, width)``, any integer or float dtype. Never
        modified.
    pad : int or (int, int)
        Pixels added on *each* side: an int for the same frame everywhere, or
        ``(rows, cols)``: ``rows`` above and below, ``cols`` left and right.
        Each >= 0; 0 returns a copy.
    mode : {"zero", "replicate"}, optional
        ``"zero"`` (default) fills the frame with 0; ``"replicate"`` repeats the
        nearest edge pixel (NumPy's ``np.pad(mode="edge")``, OpenCV's
        ``BORDER_REPLICATE``). Padding the row ``a b c`` by 2::

            zero       0 0 | a b c | 0 0
            replicate  a a | a b c | c c

    Returns
    -------
    numpy.ndarray
        A new array of shape ``(H + 2 * rows, W + 2 * cols)`` with **the dtype of
        im**: both modes only copy pixels or add zeros, which every dtype holds,
        so a uint8 photo stays a uint8 photo (convert to float before
        arithmetic, as :func:`im_conv` does).

    Raises
    ------
    TypeError
        For a non-numeric, boolean or complex ``im``; a ``pad`` that is not an
        int or a pair of ints (floats and bools included); a ``mode`` that is
        not a string.
    ValueError
        For an ``im`` that is not 2-D, is empty or not finite; a negative
        ``pad``; a ``mode`` other than ``"zero"`` and ``"replicate"``.

    See Also
    --------
    correlate : ``mode="same"`` with ``boundary`` does the padding for you.

    Examples
    --------
    >>> im = np.array([[1, 2], [3, 4]], dtype=np.uint8)
    >>> pad_image(im, 1)
    array([[0, 0, 0, 0],
           [0, 1, 2, 0],
           [0, 3, 4, 0],
           [0, 0, 0, 0]], dtype=uint8)
    >>> pad_image(im, (0, 2), mode="replicate")
    array([[1, 1, 1, 2, 2, 2],
           [3, 3, 3, 4, 4, 4]], dtype=uint8)

    The same-size blur: pad by ``k // 2``, then valid mode.

    >>> photo = np.arange(20.0).reshape(4, 5)
    >>> im_conv(pad_image(photo, 1, "replicate"), np.ones((3, 3)) / 9).shape
    (4, 5)
    """
    arr = as_image(im, dtype=None)
    rows, cols = _pad_pair(pad)
    mode = check_choice(mode, "mode", PAD_MODES, {"constant": "zero", "fill": "zero",
                                                   "edge": "replicate", "nearest": "replicate"})
    widths = ((rows, rows), (cols, cols))
    if rows == cols == 0:
        return arr.copy()
    return np.pad(arr, widths, mode=_NP_PAD_MODE[mode])


def strided_im_conv(im: ArrayLike, kernel: ArrayLike, stride: int) -> NDArray[np.float64]:
    """:func:`im_conv` at every ``stride``-th window only, in both directions.

    ``out[r, c] = sum_ij kernel[i, j] * im[stride*r + i, stride*c + j]``: equal to
    ``im_conv(im, kernel)[::stride, ::stride]``, but the skipped windows are never
    computed (about ``stride**2`` times less work).

    Parameters
    ----------
    im : array_like
        Grey image, 2-D ``(height, width)``, any integer or float dtype (computed
        in float64). Never modified.
    kernel : array_like
        2-D weights, no larger than ``im``; not flipped.
    stride : int
        The step between two windows' top-left corners, >= 1 (1 is
        :func:`im_conv`).

    Returns
    -------
    numpy.ndarray
        float64 of shape ``((H - kh) // stride + 1, (W - kw) // stride + 1)``,
        that is ``conv_output_shape(im.shape, kernel.shape, "valid",
        stride=stride)``. The last window starts at row ``stride * (out_h - 1)
        <= H - kh``: rows past it that no window reaches are never read.

    Raises
    ------
    TypeError
        For non-numeric arrays, or a ``stride`` that is not an int (floats such
        as ``2.0`` and bools included).
    ValueError
        For arrays that are not 2-D, empty or not finite, a kernel larger than
        ``im``, or a ``stride`` below 1.

    Examples
    --------
    A 5x5 image, a 3x3 kernel of ones and a stride of 2: windows start at rows
    and columns 0 and 2::

         0  1  2  3  4
         5  6  7  8  9      sum of the windows at
        10 11 12 13 14  ->  (0, 0) (0, 2)   ->   54  72
        15 16 17 18 19      (2, 0) (2, 2)       144 162
        20 21 22 23 24

    >>> strided_im_conv(np.arange(25).reshape(5, 5), np.ones((3, 3)), 2)
    array([[ 54.,  72.],
           [144., 162.]])
    >>> strided_im_conv(np.ones((6, 7)), np.ones((2, 2)), 3).shape
    (2, 2)
    """
    arr = as_image(im)
    k = as_kernel(kernel)
    step = as_int(stride, "stride", minimum=1)
    check_fits(arr.shape, k.shape)
    return _strided(arr, k, (step, step))


def _pad_pair(pad: Any) -> tuple[int, int]:
    """``pad`` as ``(rows, cols)``: an int >= 0, or a pair of them."""
    expected = "pad must be an integer >= 0 or a (rows, cols) pair of them"
    if isinstance(pad, np.ndarray) and pad.ndim == 1:
        pad = tuple(pad.tolist())
    if isinstance(pad, tuple | list):
        if len(pad) != 2:
            raise ValueError(f"{expected}; got {tuple(pad)!r} ({len(pad)} numbers)")
        values = tuple(pad)
    else:
        values = (pad, pad)
    if not all(isinstance(v, numbers.Integral) and not isinstance(v, bool | np.bool_)
               for v in values):
        raise TypeError(f"{expected}; got {pad!r} ({type(pad).__name__})")
    if any(int(v) < 0 for v in values):
        raise ValueError(f"{expected}; got {pad!r} (padding cannot be negative)")
    return int(values[0]), int(values[1])


def apply_per_channel(
    func: Callable[..., Any], im: ArrayLike, kernel: ArrayLike, **kwargs: Any
) -> np.ndarray:
    """Apply a grey-image function to each channel of a colour image.

    Parameters
    ----------
    func : callable
        Called as ``func(channel, kernel, **kwargs)`` with each 2-D channel
        (a read-only view, so ``func`` cannot modify ``im``); for example
        :func:`im_conv` or :func:`correlate`.
    im : array_like
        Colour image ``(height, width, channels)``, or a grey ``(height,
        width)`` image, which is passed to ``func`` unchanged.
    kernel : array_like
        Passed to ``func`` unchanged.
    **kwargs
        Passed to ``func`` (e.g. ``mode="same"``).

    Returns
    -------
    numpy.ndarray
        The channels' results stacked on the last axis: ``(h, w, channels)``;
        for a 2-D ``im``, ``func``'s result.

    Raises
    ------
    TypeError
        If ``func`` is not callable.
    ValueError
        If ``im`` is not 2-D or 3-D, or has no channels.

    Examples
    --------
    >>> rgb = np.zeros((4, 5, 3), dtype=np.uint8)
    >>> rgb[..., 0] = 255                          # a red picture
    >>> out = apply_per_channel(im_conv, rgb, np.ones((3, 3)) / 9)
    >>> out.shape
    (2, 3, 3)
    >>> out[0, 0]
    array([255.,   0.,   0.])
    >>> apply_per_channel(correlate, rgb, np.ones((3, 3)), mode="same").shape
    (4, 5, 3)
    """
    if not callable(func):
        raise TypeError(f"func must be callable (e.g. im_conv); got {func!r}")
    arr = np.asarray(im)
    if arr.ndim == 2:
        return func(im, kernel, **kwargs)
    if arr.ndim != 3:
        raise ValueError(
            "im must be a 2-D (height, width) or 3-D (height, width, channels) array; "
            f"got shape {arr.shape}"
        )
    if arr.shape[2] == 0:
        raise ValueError(f"im must have at least one channel; got shape {arr.shape}")
    results = []
    for c in range(arr.shape[2]):
        channel = arr[:, :, c].view()
        channel.flags.writeable = False
        results.append(np.asarray(func(channel, kernel, **kwargs)))
    return np.stack(results, axis=-1)


def _as_taps(value: ArrayLike, name: str, axis: str) -> NDArray[np.float64]:
    """Validate a 1-D, non-empty, finite vector of weights (the ``column`` or ``row``)."""
    arr = as_numbers(value, name, expected=f"a 1-D array of {axis} weights")
    if arr.ndim != 1:
        hint = (f": pass a 1-D array, e.g. np.ravel({name}), not a 2-D {arr.shape} one"
                if arr.ndim == 2 and 1 in arr.shape else "")
        raise ValueError(f"{name} must be a 1-D array of {axis} weights; got shape "
                         f"{arr.shape}{hint}")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty; got shape {arr.shape}")
    check_finite(arr, name)
    return arr.astype(np.float64, copy=False)


def separable_conv(im: ArrayLike, column: ArrayLike, row: ArrayLike) -> NDArray[np.float64]:
    """``im_conv(im, np.outer(column, row))``, computed as two 1-D passes.

    A kernel that is a column times a row (a box blur, a Gaussian, Sobel) need not be
    applied whole: first slide ``column`` down every column of the image, then slide
    ``row`` along every row of that result. Each output pixel costs ``kh + kw``
    products instead of ``kh * kw``. Valid mode, no flip (as :func:`im_conv`).

    Parameters
    ----------
    im : array_like
        Grey image, 2-D ``(height, width)``, any integer or float dtype.
    column : array_like
        1-D vertical weights, length ``kh <= height``.
    row : array_like
        1-D horizontal weights, length ``kw <= width``.

    Returns
    -------
    numpy.ndarray
        float64 of shape ``(H - kh + 1, W - kw + 1)``.

    Raises
    ------
    TypeError
        For non-numeric, boolean or complex input.
    ValueError
        If ``im`` is not 2-D, ``column`` or ``row`` is not 1-D, anything is empty or
        not finite, or the kernel does not fit inside the image.

    Notes
    -----
    ::

        tmp[r, c] = sum over i of column[i] * im[r + i, c]      shape (H - kh + 1, W)
        out[r, c] = sum over j of row[j] * tmp[r, c + j]         shape (H - kh + 1, W - kw + 1)
                  = sum over i, j of column[i] * row[j] * im[r + i, c + j]

    Examples
    --------
    >>> im = np.arange(20.0).reshape(4, 5)
    >>> separable_conv(im, [1, 2, 1], [1, 0, -1])
    array([[-8., -8., -8.],
           [-8., -8., -8.]])
    >>> bool(np.allclose(separable_conv(im, [1, 2, 1], [1, 0, -1]),
    ...                  im_conv(im, np.outer([1, 2, 1], [1, 0, -1]))))
    True
    >>> separable_conv(im, [[1, 2, 1]], [1])
    Traceback (most recent call last):
    ...
    ValueError: column must be a 1-D array of vertical weights; got shape (1, 3): pass a 1-D array, e.g. np.ravel(column), not a 2-D (1, 3) one
    """  # noqa: E501
    arr = as_image(im)
    col = _as_taps(column, "column", "vertical")
    rw = _as_taps(row, "row", "horizontal")
    if col.size > arr.shape[0] or rw.size > arr.shape[1]:
        raise ValueError(
            f"column (length {col.size}) and row (length {rw.size}) must fit inside im of shape "
            f"{arr.shape}: valid mode needs len(column) <= {arr.shape[0]} and "
            f"len(row) <= {arr.shape[1]}"
        )
    oh, ow = arr.shape[0] - col.size + 1, arr.shape[1] - rw.size + 1
    tmp = np.zeros((oh, arr.shape[1]))
    for i, weight in enumerate(col):  # the column pass: one shifted slice per tap
        tmp += weight * arr[i:i + oh, :]
    out = np.zeros((oh, ow))
    for j, weight in enumerate(rw):  # the row pass
        out += weight * tmp[:, j:j + ow]
    return out


def multichannel_conv(im: ArrayLike, kernels: ArrayLike) -> NDArray[np.float64]:
    """A CNN convolution layer without bias: every output channel sums over the input channels.

    ``out[..., o] = sum over c of im_conv(im[..., c], kernels[o, c])``: each of the
    ``C_out`` filters holds one 2-D kernel per input channel, slides them over their
    channels (valid mode, no flip, as :func:`im_conv`) and adds the ``C_in`` results
    into one map. This is what a ``Conv2D`` layer of a neural network computes
    before adding its bias (and what ``tf.nn.conv2d`` computes on one NHWC image).

    Parameters
    ----------
    im : array_like
        Image of shape ``(H, W, C_in)`` (channels last, as NHWC without the N), any
        integer or float dtype; a grey image needs ``im[..., np.newaxis]``.
    kernels : array_like
        Weights of shape ``(C_out, C_in, kh, kw)`` (PyTorch's OIHW layout;
        TensorFlow stores ``(kh, kw, C_in, C_out)``, HWIO:
        ``np.transpose(kernels, (2, 3, 1, 0))``), with ``kh <= H`` and ``kw <= W``.

    Returns
    -------
    numpy.ndarray
        float64 of shape ``(H - kh + 1, W - kw + 1, C_out)`` (channels last).

    Raises
    ------
    TypeError
        For non-numeric, boolean or complex input.
    ValueError
        If ``im`` is not 3-D or ``kernels`` not 4-D, either is empty or not finite,
        the channel counts disagree, or the kernels do not fit inside the image.

    Notes
    -----
    ::

        im (H, W, C_in)      kernels (C_out, C_in, kh, kw)       out (H-kh+1, W-kw+1, C_out)

        channel 0 --im_conv with kernels[o, 0]--+
        channel 1 --im_conv with kernels[o, 1]--+--> sum --> out[..., o]
        channel 2 --im_conv with kernels[o, 2]--+

    Filtering each channel alone (:func:`apply_per_channel`) is the special case of a
    "diagonal" layer: ``C_out == C_in`` and ``kernels[o, c] = 0`` for ``o != c``.

    Examples
    --------
    Two input channels, one output channel: the layer adds what each kernel finds.

    >>> im = np.zeros((3, 4, 2))
    >>> im[..., 0] = 1.0                              # channel 0: all ones
    >>> im[..., 1] = np.arange(4.0)                   # channel 1: a ramp 0 1 2 3
    >>> k = np.zeros((1, 2, 1, 2))
    >>> k[0, 0] = [[1.0, 1.0]]                        # sums channel 0 (always 2)
    >>> k[0, 1] = [[-1.0, 1.0]]                       # differences of channel 1 (always 1)
    >>> multichannel_conv(im, k)[..., 0]
    array([[3., 3., 3.],
           [3., 3., 3.],
           [3., 3., 3.]])
    >>> multichannel_conv(np.zeros((5, 5)), k)
    Traceback (most recent call last):
    ...
    ValueError: im must be a 3-D (height, width, channels) array; got shape (5, 5): for a grey image use im[..., np.newaxis]
    """  # noqa: E501
    arr = as_numbers(im, "im", expected="a 3-D (height, width, channels) array of numbers")
    ks = as_numbers(kernels, "kernels",
                    expected="a 4-D (C_out, C_in, kh, kw) array of numbers")
    if arr.ndim != 3:
        hint = ": for a grey image use im[..., np.newaxis]" if arr.ndim == 2 else ""
        raise ValueError(
            f"im must be a 3-D (height, width, channels) array; got shape {arr.shape}{hint}")
    if ks.ndim != 4:
        hint = (": for one output channel use kernels[np.newaxis]" if ks.ndim == 3 else
                ": for one 2-D kernel per channel pair use shape (C_out, C_in, kh, kw)")
        raise ValueError(
            f"kernels must be a 4-D (C_out, C_in, kh, kw) array; got shape {ks.shape}{hint}")
    for value, name in ((arr, "im"), (ks, "kernels")):
        if value.size == 0:
            raise ValueError(f"{name} must not be empty; got shape {value.shape}")
        check_finite(value, name)
    c_out, c_in, kh, kw = ks.shape
    if c_in != arr.shape[2]:
        raise ValueError(
            f"kernels must have one kernel per input channel: kernels.shape[1] is {c_in} but "
            f"im has {arr.shape[2]} channels (im.shape[2]); kernels are (C_out, C_in, kh, kw)")
    if kh > arr.shape[0] or kw > arr.shape[1]:
        raise ValueError(
            f"kernels of size {kh}x{kw} must fit inside im of shape {arr.shape}: valid mode "
            f"needs kh <= {arr.shape[0]} and kw <= {arr.shape[1]}")
    src = arr.astype(np.float64, copy=False)
    weights = ks.astype(np.float64, copy=False)
    out = np.zeros((arr.shape[0] - kh + 1, arr.shape[1] - kw + 1, c_out))
    for o in range(c_out):
        for c in range(c_in):
            out[..., o] += im_conv(src[..., c], weights[o, c])
    return out


# --------------------------------------------------------------------------- the engine


def _filter(
    im: ArrayLike, kernel: ArrayLike, mode: str, boundary: str, stride: Any, *, flip: bool
) -> NDArray[np.float64]:
    """Validate, pad, and correlate (with the kernel flipped when ``flip``)."""
    arr = as_image(im)
    k = as_kernel(kernel)
    mode = check_mode(mode)
    boundary = check_boundary(boundary)
    steps = check_stride(stride)
    if mode == "valid":
        check_fits(arr.shape, k.shape)
    if flip:
        k = k[::-1, ::-1]
    padded = _pad(arr, _pad_widths(k.shape, mode, flipped=flip), boundary)
    return _correlate_valid(padded, k, steps)


def _pad_widths(kernel_shape: tuple[int, int], mode: str, *, flipped: bool = False) -> Pad:
    """``((top, bottom), (left, right))`` padding that makes ``mode`` a valid correlation."""

    def one(k: int) -> tuple[int, int]:
        if mode == "valid":
            return (0, 0)
        if mode == "full":
            return (k - 1, k - 1)
        before = k // 2 if flipped else (k - 1) // 2  # "same": see the module docstring
        return (before, k - 1 - before)

    return one(kernel_shape[0]), one(kernel_shape[1])


def _pad(arr: np.ndarray, widths: Pad, boundary: str) -> np.ndarray:
    if not any(widths[0] + widths[1]):
        return arr
    return np.pad(arr, widths, mode=_NP_PAD_MODE[boundary])


def _correlate_valid(
    src: np.ndarray, k: np.ndarray, stride: tuple[int, int]
) -> NDArray[np.float64]:
    """Valid-mode correlation of float64 ``src`` with float64 ``k`` at ``stride``.

    A rank-one kernel runs as a column pass followed by a row pass.
    """
    factors = _rank_one_factors(k)
    if stride == (1, 1):
        if factors is None:
            return _blocked(src, [k])
        return _blocked(src, [factors[0][:, np.newaxis], factors[1][np.newaxis, :]])
    if factors is None:
        return _strided(src, k, stride)
    vertical = _strided(src, factors[0][:, np.newaxis], (stride[0], 1))
    return _strided(vertical, factors[1][np.newaxis, :], (1, stride[1]))


def _rank_one_factors(k: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """``(column, row)`` with ``np.outer(column, row) == k`` exactly, when that saves work.

    ``row`` is a row of ``k`` and ``column`` holds whole numbers (one of them 1),
    so the two passes use the kernel's own weights times whole numbers: where the
    direct sum is exact (integer images with integer or binary-fraction kernels,
    such as ``binomial / 256``), so are the two passes. Box, binomial and 5x5 Sobel
    kernels factor this way; a sampled Gaussian (``exp``) does not, and runs
    directly. Returns None for kernels of one row or column, kernels that do not
    factor exactly like this, and kernels whose zeros make the direct sum as cheap.
    """
    kh, kw = k.shape
    if kh == 1 or kw == 1:
        return None
    magnitude = np.abs(k)
    if not magnitude.any():
        return None
    q = int(np.argmax(magnitude) % kw)  # the column holding the largest entry
    nonzero = np.flatnonzero(k[:, q])
    p = int(nonzero[np.argmin(magnitude[nonzero, q])])  # its smallest non-zero entry
    row = k[p, :].copy()
    if np.count_nonzero(k[:, q]) + np.count_nonzero(row) + 1 >= np.count_nonzero(k):
        return None
    with np.errstate(all="ignore"):  # a tiny pivot may overflow: then it is refused
        column = k[:, q] / k[p, q]  # column[p] == 1 exactly
        whole = bool(np.all(np.abs(column) <= 2**24) and np.array_equal(column, np.round(column)))
        if not (whole and np.array_equal(np.outer(column, row), k)):
            return None
    return column, row


def _taps(k: np.ndarray) -> list[tuple[int, int, float]]:
    """The non-zero kernel entries as ``(row, column, weight)``, in reading order."""
    return [(int(i), int(j), float(k[i, j])) for i, j in zip(*np.nonzero(k), strict=True)]


def _strided(src: np.ndarray, k: np.ndarray, stride: tuple[int, int]) -> NDArray[np.float64]:
    """``out[r, c] = sum_ij k[i, j] * src[sr*r + i, sc*c + j]`` over the valid positions."""
    kh, kw = k.shape
    sr, sc = stride
    out = np.zeros(((src.shape[0] - kh) // sr + 1, (src.shape[1] - kw) // sc + 1))
    taps = _taps(k)
    if taps:
        row_stop, col_stop = sr * (out.shape[0] - 1) + 1, sc * (out.shape[1] - 1) + 1
        terms = [(src[i : i + row_stop : sr, j : j + col_stop : sc], w) for i, j, w in taps]
        _accumulate(out, terms, np.empty_like(out))
    return out


def _blocked(src: np.ndarray, passes: list[np.ndarray]) -> NDArray[np.float64]:
    """Stride-1 valid correlation of ``src`` with each kernel of ``passes`` in turn.

    Works on the flattened image: in a C-ordered image of width ``W``, pixel
    ``(r + i, c + j)`` is element ``(r * W + c) + (i * W + j)``, so each kernel
    entry is a fixed offset and its slice is contiguous. Output rows are
    computed ``W`` wide (the last ``kw - 1`` columns wrap into the next row and
    are dropped), a few rows at a time, so that every pass over a block runs in
    cache. With two passes (a column, then a row) the intermediate never leaves
    the block.
    """
    height, width = src.shape
    out_h = height - sum(k.shape[0] - 1 for k in passes)
    out_w = width - sum(k.shape[1] - 1 for k in passes)
    stages = [[(i * width + j, w) for i, j, w in _taps(k)] for k in passes]
    if not all(stages):
        return np.zeros((out_h, out_w))
    out = np.empty((out_h, out_w))
    flat = np.ascontiguousarray(src).reshape(-1)
    block_rows = max(1, min(out_h, _BLOCK // width))
    buffers = [np.empty(block_rows * width) for _ in range(len(stages) + 1)]
    scratch = buffers.pop()
    for top in range(0, out_h, block_rows):
        rows = min(block_rows, out_h - top)
        source, start = flat, top * width
        for number, (taps, buffer) in enumerate(zip(stages, buffers, strict=True)):
            # a column pass feeds the row pass whole rows; the last pass stops at out_w
            last = number == len(stages) - 1
            n = (rows - 1) * width + out_w if last else rows * width
            terms = [(source[start + off : start + off + n], w) for off, w in taps]
            _accumulate(buffer[:n], terms, scratch[:n])
            source, start = buffer, 0
        out[top : top + rows] = buffers[-1][: rows * width].reshape(rows, width)[:, :out_w]
    return out


def _accumulate(
    out: np.ndarray, terms: list[tuple[np.ndarray, float]], scratch: np.ndarray
) -> None:
    """``out[...] = sum(w * a for a, w in terms)``, in order, without temporaries.

    Weights of 1 and -1 are added and subtracted directly (exactly the same
    result as multiplying by them).
    """
    (first, weight), rest = terms[0], terms[1:]
    if weight == 1.0:
        np.copyto(out, first)
    elif weight == -1.0:
        np.negative(first, out=out)
    else:
        np.multiply(first, weight, out=out)
    for values, weight in rest:
        if weight == 1.0:
            np.add(out, values, out=out)
        elif weight == -1.0:
            np.subtract(out, values, out=out)
        else:
            np.multiply(values, weight, out=scratch)
            np.add(out, scratch, out=out)
