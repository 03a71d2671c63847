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
from numpy.typing import ArrayLike, DTypeLike

__all__ = [
    "BOUNDARIES",
    "MODES",
    "as_array2d",
    "as_image",
    "as_kernel",
    "as_shape",
    "check_boundary",
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
    if value is None:
        raise TypeError(f"{name} must be a 2-D {what} array of numbers; got None")
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError) as exc:
        raise ValueError(
            f"{name} must be a 2-D {what} array of numbers; "
            f"could not make an array from the {type(value).__name__} given: {exc}"
        ) from exc
    kind = arr.dtype.kind
    if kind == "b":
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
    if arr.ndim != 2:
        hint = (hints or {}).get(arr.ndim, "")
        raise ValueError(f"{name} must be a 2-D {what} array; got shape {arr.shape}{hint}")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty; got shape {arr.shape}")
    if kind == "f":
        _check_finite(arr, name)
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    return arr


def _check_finite(arr: np.ndarray, name: str) -> None:
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


def _check_choice(value: Any, name: str, choices: tuple[str, ...], aliases: dict[str, str]) -> str:
    listed = ", ".join(repr(c) for c in choices)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, one of {listed}; got {value!r}")
    if value in choices:
        return value
    hint = ""
    lowered = value.lower()
    if lowered in choices:
        hint = f" (names are lower case: {lowered!r})"
    elif lowered in aliases:
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
    return _check_choice(mode, name, MODES, {})


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
    return _check_choice(boundary, name, BOUNDARIES, _BOUNDARY_ALIASES)


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
    if _is_int(stride):
        pair: Sequence[Any] = (stride, stride)
    elif isinstance(stride, tuple | list) and len(stride) == 2:
        pair = stride
    else:
        raise TypeError(
            f"stride must be a positive integer (or a pair of them); got {stride!r}"
        )
    if not all(_is_int(s) for s in pair):
        raise TypeError(f"stride must be a positive integer (or a pair of them); got {stride!r}")
    if not all(s >= 1 for s in pair):
        raise ValueError(f"stride must be a positive integer (or a pair of them); got {stride!r}")
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
