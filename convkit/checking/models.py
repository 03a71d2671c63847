"""Small, independent building blocks for mistake models (no exercise named here).

A mistake model computes what a typical wrong implementation returns; these helpers are
what such models are made of: a sliding-window sum of its own (so a model never depends on
the reference it is compared with), uint8 saturation and wrap-around, truncation.

Examples
--------
>>> import numpy as np
>>> correlate(np.arange(6.0).reshape(2, 3), np.array([[1.0, -1.0]]))
array([[-1., -1.],
       [-1., -1.]])
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from convkit.checking.comparing import tolerance

__all__ = ["clipped", "correlate", "integral", "truncated", "valid_shape", "windows",
           "wrapped_around"]


def correlate(im: np.ndarray, kernel: np.ndarray, mode: str = "valid",
              pad: Literal["constant", "reflect"] = "constant",
              top_left: tuple[int, int] | None = None) -> np.ndarray:
    """Sliding-window weighted sum (kernel not flipped) in float64, for the models.

    ``mode`` is "valid", "full" or "same"; in "same" mode ``top_left`` is how many rows and
    columns are padded above and left (default ``(kh // 2, kw // 2)``, OpenCV's anchor) and
    ``pad`` is a ``numpy.pad`` mode ("constant" zeros, or "reflect" = OpenCV's default).
    """
    im = np.asarray(im, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    kh, kw = kernel.shape
    if mode == "full":
        im = np.pad(im, ((kh - 1, kh - 1), (kw - 1, kw - 1)), mode=pad)
    elif mode == "same":
        top, left = (kh // 2, kw // 2) if top_left is None else top_left
        im = np.pad(im, ((top, kh - 1 - top), (left, kw - 1 - left)), mode=pad)
    elif mode != "valid":
        raise ValueError(f"mode must be 'valid', 'same' or 'full'; got {mode!r}")
    return np.einsum("ijkl,kl->ij", windows(im, (kh, kw)), kernel)


def windows(im: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Every ``shape`` window of ``im`` (a read-only view)."""
    return np.lib.stride_tricks.sliding_window_view(np.asarray(im), shape)


def valid_shape(im: np.ndarray, k: np.ndarray) -> tuple[int, int]:
    """``(H - kh + 1, W - kw + 1)``."""
    return (np.shape(im)[0] - np.shape(k)[0] + 1, np.shape(im)[1] - np.shape(k)[1] + 1)


def integral(a: np.ndarray) -> bool:
    """Every value finite and a whole number."""
    return bool(np.all(np.isfinite(a)) and np.all(a == np.round(a)))


def clipped(out: np.ndarray, rounded: bool = False) -> np.ndarray | None:
    """``out`` saturated to 0..255 (and rounded, as OpenCV does), or None if nothing changes."""
    if out.min() >= 0 and out.max() <= 255:
        return None
    return np.clip(np.rint(out) if rounded else out, 0, 255)


def truncated(actual: np.ndarray, expected: np.ndarray) -> bool:
    """Whole numbers within 1 of a result that has fractions: the fractions were cut off."""
    a, e = actual.astype(np.float64), expected.astype(np.float64)
    if not (np.all(np.isfinite(a)) and integral(a)) or integral(e):
        return False
    return bool(np.all(np.abs(a - e) < 1.0 + tolerance(e)))


def wrapped_around(actual: np.ndarray, expected: np.ndarray) -> bool:
    """Values in 0..255 that equal the right ones up to a multiple of 256 (and truncation)."""
    a, e = actual.astype(np.float64), expected.astype(np.float64)
    if not (np.all(np.isfinite(a)) and a.min() >= 0 and a.max() <= 255 and integral(a)):
        return False
    if e.min() >= 0 and e.max() <= 255:
        return False
    d = a - e
    off = np.abs(d - 256.0 * np.round(d / 256.0))
    return bool(np.all(off < 1.0 + tolerance(e)))
