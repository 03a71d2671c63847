"""Comparing a student's result with the right one, and printing arrays for a message.

Comparison rules: arrays must be exactly ``numpy.ndarray`` (not a subclass, not a list);
floating results are compared with ``numpy.allclose(actual, expected, rtol=RTOL,
atol=ATOL * scale)`` where ``scale = max(1, max|expected|)``. Nothing relies on ``==`` of
the returned object, so an object whose ``__eq__`` always returns True fails.

Examples
--------
>>> import numpy as np
>>> close(np.ones(3), np.ones(3) + 1e-12), close([1.0], np.ones(1))
(True, False)
>>> args_changed((np.zeros(2),), (np.ones(2),))
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from convkit.checking.types import Unserializable

__all__ = ["ATOL", "RTOL", "args_changed", "close", "fmt", "is_int", "numeric", "small",
           "summary", "type_name"]

RTOL = 1e-9  #: relative tolerance of float comparisons
ATOL = 1e-9  #: absolute tolerance, multiplied by ``max(1, max|expected|)``


def numeric(a: Any) -> bool:
    """True for an exact ``numpy.ndarray`` of numbers (bool, int, uint, float)."""
    return type(a) is np.ndarray and a.dtype.kind in "biuf"


def _scale(e: np.ndarray) -> float:
    if not e.size:
        return 1.0
    with np.errstate(invalid="ignore"):
        biggest = float(np.nanmax(np.abs(e))) if np.isfinite(e).any() else 1.0
    return max(1.0, biggest)


def close(actual: Any, expected: Any) -> bool:
    """True when both are numeric ndarrays of one shape and equal within the tolerance."""
    if not (numeric(actual) and numeric(expected)) or actual.shape != expected.shape:
        return False
    a = actual.astype(np.float64)
    e = expected.astype(np.float64)
    with np.errstate(all="ignore"):
        return bool(np.allclose(a, e, rtol=RTOL, atol=ATOL * _scale(e)))


def tolerance(expected: np.ndarray) -> float:
    """The absolute tolerance used for ``expected``."""
    return ATOL * _scale(np.asarray(expected, dtype=np.float64))


def fmt(a: Any) -> str:
    """An array (or any value) printed for a message, indented by four spaces."""
    if isinstance(a, np.ndarray):
        text = np.array2string(a, precision=4, suppress_small=True, max_line_width=90,
                               threshold=200)
    else:
        text = repr(a)
    return "    " + text.replace("\n", "\n    ")


def inline(a: np.ndarray) -> str:
    """A small array on one line: ``[[1, 2], [3, 4]]``."""
    rows = np.asarray(a, dtype=np.float64)
    def num(v: float) -> str:
        return f"{v:.4g}" if not float(v).is_integer() else f"{int(v)}"
    return "[" + ", ".join("[" + ", ".join(num(v) for v in row) + "]"
                           for row in np.atleast_2d(rows)) + "]"


def summary(expected: np.ndarray, actual: np.ndarray) -> str:
    """Shape, dtype, where the first difference is, the largest difference."""
    lines = [f"  expected: shape {expected.shape}, dtype {expected.dtype}",
             f"  yours:    shape {actual.shape}, dtype {actual.dtype}"]
    if actual.shape == expected.shape and numeric(actual):
        a, e = actual.astype(np.float64), expected.astype(np.float64)
        with np.errstate(all="ignore"):
            bad = ~np.isclose(a, e, rtol=RTOL, atol=ATOL * _scale(e))
        if bad.any():
            where = tuple(int(i) for i in np.argwhere(bad)[0])
            with np.errstate(invalid="ignore"):
                biggest = float(np.nanmax(np.abs(a - e)))
            lines.append(f"  first difference at index {where}: expected {e[where]:.6g}, "
                         f"yours {a[where]:.6g}")
            lines.append(f"  {int(bad.sum())} of {bad.size} values differ; largest difference "
                         f"{biggest:.6g}")
    return "\n".join(lines)


def small(a: Any) -> bool:
    """Small enough to print in full in a message."""
    return isinstance(a, np.ndarray) and a.size <= 80 and a.ndim <= 2


def is_int(v: Any) -> bool:
    """A Python int or a NumPy integer (not a bool)."""
    return type(v) is int or (isinstance(v, np.integer) and type(v).__module__ == "numpy")


def type_name(x: Any) -> str:
    """The type's name a message shows (the real one for an :class:`Unserializable`)."""
    if isinstance(x, Unserializable):
        return x.type_name
    return type(x).__name__


def args_changed(original: tuple, given: tuple) -> bool:
    """True when a call changed one of its arguments (``given``) compared to ``original``."""
    for before, after in zip(original, given, strict=True):
        if isinstance(before, np.ndarray):
            if (type(after) is not np.ndarray or after.shape != before.shape
                    or after.dtype != before.dtype
                    or not np.array_equal(after, before, equal_nan=True)):
                return True
        elif type(after) is not type(before) or after != before:
            return True
    return False
