"""Input validation shared by convkit's array code.

Every public function of :mod:`convkit.core` passes its arguments through the
helpers here first, so a mistake is reported the same way everywhere: a
``ValueError`` (wrong shape, wrong value) or a ``TypeError`` (wrong kind of
thing) whose message names the argument, says what was expected and shows what
was given. For example, passing a colour photo where a grey image is required::

    ValueError: im must be a 2-D (height, width) array; got shape (480, 640, 3):
    for colour images use apply_per_channel

The rules, in the order they are checked:

* anything :func:`numpy.asarray` understands is accepted (nested lists too);
* the values must be real numbers: strings and Python objects are a
  ``TypeError``, and so are booleans (convert with ``.astype(float)``) and
  complex numbers;
* images and kernels are 2-D and not empty;
* values are finite (no NaN, no infinity);
* integer images are converted to float64 before any arithmetic, so a uint8
  image never wraps around (``255 * 9`` is ``2295.0``, not ``247``).

The caller's array is never modified: converted arrays are copies, and arrays
that are already float64 are only read.

Besides images and kernels: :func:`as_picture` (something to draw: grey or
RGB), :func:`as_result` (a computed result to show, NaN allowed),
:func:`as_int`, :func:`as_real`, :func:`as_text`, :func:`as_shape`, and the
choices :func:`check_mode`, :func:`check_boundary` and :func:`check_choice`.

Examples
--------
>>> as_image([[0, 255], [255, 0]])
array([[  0., 255.],
       [255.,   0.]])
>>> check_mode("same")
'same'
>>> check_stride(2)
(2, 2)
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

__all__ = [
    "BOUNDARIES",
    "MODES",
    "as_array2d",
    "as_image",
    "as_int",
    "as_kernel",
    "as_numbers",
    "as_picture",
    "as_real",
    "as_result",
    "as_shape",
    "as_text",
    "check_boundary",
    "check_choice",
    "check_finite",
    "check_fits",
    "check_mode",
    "check_stride",
]

#: output sizes: ``"full"`` (every overlap), ``"same"`` (the input's size), ``"valid"`` (no padding)
MODES: tuple[str, ...] = ("full", "same", "valid")

#: how pixels beyond the border are invented, with the NumPy ``np.pad`` mode that does it
BOUNDARIES: tuple[str, ...] = ("zero", "reflect", "replicate", "wrap")

# Other libraries' names for our boundaries, used only to make error messages helpful.
_BOUNDARY_ALIASES: dict[str, str] = {
    "fill": "zero",
    "constant": "zero",
    "symm": "reflect",
    "symmetric": "reflect",
    "edge": "replicate",
    "nearest": "replicate",
    "circular": "wrap",
    "grid-wrap": "wrap",
}


def _describe_dtype(dtype: np.dtype) -> str:
    kinds = {"U": "strings", "S": "bytes", "O": "Python objects", "V": "records",
             "M": "dates", "m": "time differences"}
    return f"{dtype} ({kinds[dtype.kind]})" if dtype.kind in kinds else str(dtype)


def as_array2d(
    value: ArrayLike,
    name: str,
    *,
    what: str = "(height, width)",
    dtype: DTypeLike | None = np.float64,
    hints: Mapping[int, str] | None = None,
) -> np.ndarray:
    """Convert ``value`` to a finite, non-empty, 2-D array of real numbers.

    The engine behind :func:`as_image` and :func:`as_kernel`.

    Parameters
    ----------
    value : array_like
        What the caller passed.
    name : str
        The argument's name, used in error messages.
    what : str, optional
        How the two axes are described in the shape message.
    dtype : dtype or None, optional
        Convert to this dtype (default float64); None keeps the input's dtype.
    hints : mapping of int to str, optional
        Advice appended to the shape message, by the number of dimensions given.

    Returns
    -------
    numpy.ndarray
        ``value`` itself when it already is an array of the right dtype, else a
        new array. Never written to.

    Raises
    ------
    TypeError
        For strings, objects, booleans or complex numbers.
    ValueError
        For a value that is not 2-D, is empty, or holds NaN or infinity.

    Examples
    --------
    >>> as_array2d([[1, 2, 3]], "row").shape
    (1, 3)
    >>> as_array2d([[True]], "mask")
    Traceback (most recent call last):
    ...
    TypeError: mask must hold numbers; got boolean dtype: convert with .astype(float)
    """
    arr = as_numbers(value, name, expected=f"a 2-D {what} array of numbers")
    if arr.ndim != 2:
        hint = (hints or {}).get(arr.ndim, "")
        raise ValueError(f"{name} must be a 2-D {what} array; got shape {arr.shape}{hint}")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty; got shape {arr.shape}")
    check_finite(arr, name)
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    return arr


def as_numbers(
    value: ArrayLike, name: str, *, expected: str = "an array of numbers", booleans: bool = False
) -> np.ndarray:
    """Convert ``value`` to an array of real numbers, of any shape (the first two rules).

    The first step of every array validator here; the shape rules are the caller's.

    Parameters
    ----------
    value : array_like
        What the caller passed.
    name : str
        The argument's name, used in error messages.
    expected : str, optional
        What ``name`` must be, for the messages about None and unconvertible values.
    booleans : bool, optional
        Accept a boolean array (returned as it is) instead of refusing it.

    Returns
    -------
    numpy.ndarray
        ``np.asarray(value)``: ``value`` itself when it is an array. Never written to.

    Raises
    ------
    TypeError
        For None, strings, objects, booleans (unless ``booleans``) or complex numbers.
    ValueError
        For a value NumPy cannot make an array of (a ragged list).

    Examples
    --------
    >>> as_numbers([1, 2.5], "weights")
    array([1. , 2.5])
    >>> as_numbers([1 + 2j], "weights")
    Traceback (most recent call last):
    ...
    TypeError: weights must hold real numbers; got complex dtype complex128: take .real or np.abs(...) first
    """  # noqa: E501
    if value is None:
        raise TypeError(f"{name} must be {expected}; got None")
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError) as exc:
        raise ValueError(
            f"{name} must be {expected}; "
            f"could not make an array from the {type(value).__name__} given: {exc}"
        ) from exc
    kind = arr.dtype.kind
    if kind == "b":
        if booleans:
            return arr
        raise TypeError(
            f"{name} must hold numbers; got boolean dtype: convert with .astype(float)"
        )
    if kind == "c":
        raise TypeError(
            f"{name} must hold real numbers; got complex dtype {arr.dtype}: "
            "take .real or np.abs(...) first"
        )
    if kind not in "iuf":
        raise TypeError(
            f"{name} must hold real numbers (a numeric dtype: integer or floating); "
            f"got dtype {_describe_dtype(arr.dtype)}"
        )
    return arr


def check_finite(arr: np.ndarray, name: str) -> None:
    """Raise a ValueError naming ``name`` and the first bad position if ``arr`` holds NaN or inf.

    Parameters
    ----------
    arr : numpy.ndarray
        Real numbers (integer and boolean arrays are always finite).
    name : str
        The argument's name, used in the message.

    Examples
    --------
    >>> check_finite(np.array([1.0, 2.0]), "x")
    >>> check_finite(np.array([[1.0, np.nan]]), "x")
    Traceback (most recent call last):
    ...
    ValueError: x must hold finite numbers; got 1 NaN or infinite value (the first at (0, 1))
    """
    if arr.dtype.kind != "f":
        return
    # One fast pass: a sum is finite only if every term is (NaN and inf propagate).
    # An overflowing sum of finite values falls through to the exact check.
    with np.errstate(over="ignore", invalid="ignore"):
        total = np.add.reduce(arr, axis=None, dtype=np.float64)
    if np.isfinite(total):
        return
    bad = ~np.isfinite(arr)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        count = int(bad.sum())
        raise ValueError(
            f"{name} must hold finite numbers; got {count} NaN or infinite "
            f"value{'s' if count > 1 else ''} (the first at {first})"
        )


def as_image(
    im: ArrayLike, name: str = "im", *, dtype: DTypeLike | None = np.float64
) -> np.ndarray:
    """Validate a grey image and return it as an array (float64 unless told otherwise).

    Parameters
    ----------
    im : array_like
        A 2-D ``(height, width)`` array of real numbers (any integer or float
        dtype, or nested lists).
    name : str, optional
        The argument's name, used in error messages.
    dtype : dtype or None, optional
        Convert to this dtype (default float64); None keeps the input's dtype.

    Returns
    -------
    numpy.ndarray

    Raises
    ------
    TypeError
        For non-numeric, boolean or complex input.
    ValueError
        For input that is not 2-D, is empty, or holds NaN or infinity.

    Examples
    --------
    >>> as_image(np.full((2, 2), 255, dtype=np.uint8))
    array([[255., 255.],
           [255., 255.]])
    >>> as_image(np.zeros((4, 6, 3)))
    Traceback (most recent call last):
    ...
    ValueError: im must be a 2-D (height, width) array; got shape (4, 6, 3): for colour images use apply_per_channel
    """  # noqa: E501
    return as_array2d(
        im, name, what="(height, width)", dtype=dtype,
        hints={
            1: f": for a single row use np.reshape({name}, (1, -1))",
            3: ": for colour images use apply_per_channel",
        },
    )


def as_kernel(
    kernel: ArrayLike, name: str = "kernel", *, dtype: DTypeLike | None = np.float64
) -> np.ndarray:
    """Validate a kernel and return it as an array (float64 unless told otherwise).

    Same rules as :func:`as_image`; a 1-D kernel is refused with a hint on how
    to make it a row or a column.

    Examples
    --------
    >>> as_kernel([[1, 0, -1]])
    array([[ 1.,  0., -1.]])
    >>> as_kernel([1, 0, -1])
    Traceback (most recent call last):
    ...
    ValueError: kernel must be a 2-D (rows, columns) array; got shape (3,): write a row as [[1, 2, 3]] or use np.reshape(kernel, (1, -1))
    """  # noqa: E501
    return as_array2d(
        kernel, name, what="(rows, columns)", dtype=dtype,
        hints={1: f": write a row as [[1, 2, 3]] or use np.reshape({name}, (1, -1))"},
    )


def as_picture(image: ArrayLike, name: str = "image", *, booleans: bool = False) -> np.ndarray:
    """Validate something to draw: a grey ``(H, W)`` or an RGB ``(H, W, 3)`` array.

    The rules of :func:`as_image` (real numbers, not empty, finite), with a
    third axis of three colour channels allowed. The dtype is kept: how the
    values are drawn depends on it (``uint8`` RGB as it is, floats on a range).

    Parameters
    ----------
    image : array_like
        What the caller passed.
    name : str, optional
        The argument's name, used in error messages.
    booleans : bool, optional
        Accept a boolean array (a mask), returned as it is.

    Returns
    -------
    numpy.ndarray
        ``np.asarray(image)``: ``image`` itself when it is an array. Never written to.

    Raises
    ------
    TypeError
        For non-numeric or complex input, and booleans unless ``booleans``.
    ValueError
        For another shape, an empty array, NaN or infinity.

    Examples
    --------
    >>> as_picture(np.zeros((2, 3, 3), np.uint8)).shape
    (2, 3, 3)
    >>> as_picture(np.zeros((2, 3, 4)), "result")
    Traceback (most recent call last):
    ...
    ValueError: result must have shape (height, width) or (height, width, 3); got (2, 3, 4)
    """
    arr = as_numbers(image, name, expected="a (height, width) or (height, width, 3) array",
                     booleans=booleans)
    if not (arr.ndim == 2 or (arr.ndim == 3 and arr.shape[2] == 3)):
        raise ValueError(
            f"{name} must have shape (height, width) or (height, width, 3); got {arr.shape}"
        )
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty; got shape {arr.shape}")
    check_finite(arr, name)
    return arr


def as_result(value: ArrayLike, name: str, *, booleans: bool = False) -> NDArray[np.float64]:
    """Validate a computed result to show: real numbers, at most 2-D, not empty; NaN allowed.

    For pictures of what a function returned (an answer next to the expected
    result): NaN and infinity are part of what is shown, so they are accepted;
    a number or a 1-D array becomes one row.

    Parameters
    ----------
    value : array_like
        A number, a 1-D or a 2-D array of real numbers.
    name : str
        The argument's name, used in error messages.
    booleans : bool, optional
        Accept a boolean array, shown as 0 and 1.

    Returns
    -------
    numpy.ndarray
        float64, 2-D: a 0-D value is ``(1, 1)``, a 1-D one ``(1, n)``. A view of
        ``value`` when it already is float64, else a new array. Never written to.

    Raises
    ------
    TypeError
        For None, non-numeric or complex values, and booleans unless ``booleans``.
    ValueError
        For more than two dimensions or an empty array.

    Examples
    --------
    >>> as_result([1.0, np.nan], "actual")
    array([[ 1., nan]])
    >>> as_result(np.zeros((2, 2, 3)), "actual")
    Traceback (most recent call last):
    ...
    ValueError: actual must be a number, a 1-D or a 2-D array; got shape (2, 2, 3)
    """
    arr = as_numbers(value, name, expected="a number or an array of at most 2 dimensions",
                     booleans=booleans)
    if arr.ndim > 2:
        raise ValueError(f"{name} must be a number, a 1-D or a 2-D array; got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty; got shape {arr.shape}")
    return np.atleast_2d(arr.astype(np.float64, copy=False))


def check_fits(
    im_shape: tuple[int, int],
    kernel_shape: tuple[int, int],
    *,
    im_name: str = "im",
    kernel_name: str = "kernel",
) -> None:
    """Raise a ValueError unless the kernel fits inside the image (needed by valid mode).

    Examples
    --------
    >>> check_fits((5, 5), (3, 3))
    >>> check_fits((2, 5), (3, 3))
    Traceback (most recent call last):
    ...
    ValueError: kernel of shape (3, 3) does not fit inside im of shape (2, 5): valid mode needs kernel rows <= 2 and kernel columns <= 5 (or use mode='same' or 'full')
    """  # noqa: E501
    (h, w), (kh, kw) = im_shape, kernel_shape
    if kh > h or kw > w:
        raise ValueError(
            f"{kernel_name} of shape {tuple(kernel_shape)} does not fit inside {im_name} of shape "
            f"{tuple(im_shape)}: valid mode needs kernel rows <= {h} and kernel columns <= {w} "
            "(or use mode='same' or 'full')"
        )


def check_choice(
    value: Any, name: str, choices: Sequence[str], aliases: Mapping[str, str] | None = None
) -> str:
    """Return ``value`` if it is one of ``choices`` (strings), else raise naming ``name``.

    Parameters
    ----------
    value : object
        What the caller passed.
    name : str
        The argument's name, used in the message.
    choices : sequence of str
        The accepted values, listed in the message.
    aliases : mapping of str to str, optional
        Other libraries' names (lower case) for some choices, for a hint.

    Raises
    ------
    TypeError
        If ``value`` is not a string.
    ValueError
        If it is not one of ``choices``; the hint names a choice that differs only
        in case, or the choice an alias stands for.

    Examples
    --------
    >>> check_choice("clip", "mode", ("clip", "rescale"))
    'clip'
    >>> check_choice("Sobel X", "kernel_name", ("Sobel x", "Sobel y"))
    Traceback (most recent call last):
    ...
    ValueError: kernel_name must be one of 'Sobel x', 'Sobel y'; got 'Sobel X' (did you mean 'Sobel x'?)
    """  # noqa: E501
    listed = ", ".join(repr(c) for c in choices)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, one of {listed}; got {value!r}")
    if value in choices:
        return value
    hint = ""
    lowered = value.lower()
    folded = [c for c in choices if c.casefold() == value.strip().casefold()]
    if lowered in choices:
        hint = f" (names are lower case: {lowered!r})"
    elif folded:
        hint = f" (did you mean {folded[0]!r}?)"
    elif aliases and lowered in aliases:
        hint = f" ({value!r} is another library's name for {aliases[lowered]!r})"
    raise ValueError(f"{name} must be one of {listed}; got {value!r}{hint}")


def check_mode(mode: Any, name: str = "mode") -> str:
    """Return ``mode`` if it is one of :data:`MODES`, else raise.

    Examples
    --------
    >>> check_mode("valid")
    'valid'
    >>> check_mode("Same")
    Traceback (most recent call last):
    ...
    ValueError: mode must be one of 'full', 'same', 'valid'; got 'Same' (names are lower case: 'same')
    """  # noqa: E501
    return check_choice(mode, name, MODES)


def check_boundary(boundary: Any, name: str = "boundary") -> str:
    """Return ``boundary`` if it is one of :data:`BOUNDARIES`, else raise.

    Examples
    --------
    >>> check_boundary("wrap")
    'wrap'
    >>> check_boundary("symm")
    Traceback (most recent call last):
    ...
    ValueError: boundary must be one of 'zero', 'reflect', 'replicate', 'wrap'; got 'symm' ('symm' is another library's name for 'reflect')
    """  # noqa: E501
    return check_choice(boundary, name, BOUNDARIES, _BOUNDARY_ALIASES)


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_)


def check_stride(stride: Any, name: str = "stride") -> tuple[int, int]:
    """Return ``stride`` as a ``(row step, column step)`` pair of positive ints.

    A single int means the same step in both directions.

    Examples
    --------
    >>> check_stride(1)
    (1, 1)
    >>> check_stride((2, 3))
    (2, 3)
    >>> check_stride(0)
    Traceback (most recent call last):
    ...
    ValueError: stride must be a positive integer (or a pair of them); got 0
    """
    expected = f"{name} must be a positive integer (or a pair of them)"
    if _is_int(stride):
        pair: Sequence[Any] = (stride, stride)
    elif isinstance(stride, tuple | list) and len(stride) == 2:
        pair = stride
    else:
        raise TypeError(f"{expected}; got {stride!r}")
    if not all(_is_int(s) for s in pair):
        raise TypeError(f"{expected}; got {stride!r}")
    if not all(s >= 1 for s in pair):
        raise ValueError(f"{expected}; got {stride!r}")
    return int(pair[0]), int(pair[1])


def as_shape(shape: Any, name: str) -> tuple[int, int]:
    """Return ``shape`` as a ``(rows, columns)`` pair of positive ints, else raise.

    Examples
    --------
    >>> as_shape([4, 5], "im_shape")
    (4, 5)
    >>> as_shape((4, 5, 3), "im_shape")
    Traceback (most recent call last):
    ...
    ValueError: im_shape must be a (rows, columns) pair of positive integers; got (4, 5, 3)
    """
    expected = f"{name} must be a (rows, columns) pair of positive integers"
    if isinstance(shape, np.ndarray):
        shape = shape.tolist()
    if not isinstance(shape, tuple | list):
        raise TypeError(f"{expected}; got {shape!r} of type {type(shape).__name__}")
    if not all(_is_int(s) for s in shape):
        raise TypeError(f"{expected}; got {tuple(shape)!r}")
    if len(shape) != 2 or not all(s >= 1 for s in shape):
        raise ValueError(f"{expected}; got {tuple(shape)!r}")
    return int(shape[0]), int(shape[1])


def as_int(value: Any, name: str, *, minimum: int | None = None) -> int:
    """Return ``value`` as an int if it is an integer (not a bool) ``>= minimum``, else raise.

    Parameters
    ----------
    value : object
        What the caller passed: a Python or NumPy integer.
    name : str
        The argument's name, used in the message.
    minimum : int, optional
        The smallest value accepted; 1 reads "a positive integer".

    Raises
    ------
    TypeError
        For anything that is not an integer: floats (even ``2.0``), strings, booleans.
    ValueError
        For an integer below ``minimum``.

    Examples
    --------
    >>> as_int(np.int64(3), "ncols", minimum=1)
    3
    >>> as_int(0, "ncols", minimum=1)
    Traceback (most recent call last):
    ...
    ValueError: ncols must be a positive integer; got 0
    >>> as_int(2.0, "index")
    Traceback (most recent call last):
    ...
    TypeError: index must be an integer; got 2.0 (float)
    """
    if minimum == 1:
        expected = f"{name} must be a positive integer"
    elif minimum is not None:
        expected = f"{name} must be an integer >= {minimum}"
    else:
        expected = f"{name} must be an integer"
    if not _is_int(value):
        raise TypeError(f"{expected}; got {value!r} ({type(value).__name__})")
    number = int(value)
    if minimum is not None and number < minimum:
        raise ValueError(f"{expected}; got {number}")
    return number


def as_real(value: Any, name: str, *, positive: bool = False) -> float:
    """Return ``value`` as a float if it is a finite real number (``> 0`` if ``positive``).

    Parameters
    ----------
    value : object
        What the caller passed: a Python or NumPy integer or float (not a bool).
    name : str
        The argument's name, used in the message.
    positive : bool, optional
        Refuse 0 and negative numbers too.

    Raises
    ------
    TypeError
        For anything that is not a real number (strings, booleans, complex).
    ValueError
        For NaN, infinity, or (``positive``) a number ``<= 0``.

    Examples
    --------
    >>> as_real(2, "sigma", positive=True)
    2.0
    >>> as_real(float("inf"), "sigma", positive=True)
    Traceback (most recent call last):
    ...
    ValueError: sigma must be a finite number > 0; got inf
    """
    expected = f"{name} must be a finite number" + (" > 0" if positive else "")
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise TypeError(f"{expected}; got {value!r} ({type(value).__name__})")
    number = float(value)
    if not np.isfinite(number) or (positive and number <= 0):
        raise ValueError(f"{expected}; got {number}")
    return number


def as_text(value: Any, name: str) -> str:
    """Return ``value`` if it is a string with something in it besides spaces, else raise.

    Examples
    --------
    >>> as_text("original", "title")
    'original'
    >>> as_text("  ", "title")
    Traceback (most recent call last):
    ...
    ValueError: title must be a non-empty string; got '  '
    """
    expected = f"{name} must be a non-empty string"
    if not isinstance(value, str):
        raise TypeError(f"{expected}; got {value!r} ({type(value).__name__})")
    if not value.strip():
        raise ValueError(f"{expected}; got {value!r}")
    return value
