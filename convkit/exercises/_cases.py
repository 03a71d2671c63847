"""Shared inputs of the exercises' designed and hidden cases (private)."""

from __future__ import annotations

from typing import Any

import numpy as np

K2X3 = np.array([[1.0, 2.0, 0.0], [-1.0, 3.0, 4.0]])
K3X3 = np.array([[2.0, 0.0, 1.0], [-1.0, 3.0, 0.5], [0.25, -2.0, 4.0]])
K4X4 = np.array([[1.0, 0.0, 2.0, -1.0], [0.5, 3.0, 0.0, 1.0], [-2.0, 1.0, 1.5, 0.0],
                 [0.0, -1.0, 2.0, 1.0]])


def distinct(h: int, w: int, salt: int = 0, dtype: Any = np.float64) -> np.ndarray:
    """An h x w array holding 1..h*w in a fixed shuffled order (not a ramp, no pattern)."""
    order = np.random.default_rng(1000 * h + w + salt).permutation(h * w) + 1
    return order.reshape(h, w).astype(dtype)


def u8_near_255(h: int, w: int) -> np.ndarray:
    """A uint8 h x w image of values 250..255."""
    return (250 + (np.arange(h * w) * 7) % 6).reshape(h, w).astype(np.uint8)


def rng_shape(rng: np.random.Generator, lo: int, hi: int) -> tuple[int, int]:
    """A non-square shape with sides in [lo, hi]."""
    h = int(rng.integers(lo, hi + 1))
    w = int(rng.integers(lo, hi))
    return (h, w if w != h else hi)


def blur(n: int, m: int | None = None) -> np.ndarray:
    """An n x m box blur."""
    m = n if m is None else m
    return np.full((n, m), 1.0 / (n * m))


#: lesson 2's im_conv as later lessons give it to the student (plain NumPy): the grader
#: defines it before their answers in lessons 3 and 5
GIVEN_IM_CONV = '''\
def im_conv(im, kernel):
    im = np.asarray(im, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    if im.ndim != 2 or kernel.ndim != 2:
        raise ValueError("im and kernel must be 2-D arrays")
    kh, kw = kernel.shape
    oh, ow = im.shape[0] - kh + 1, im.shape[1] - kw + 1
    if kh < 1 or kw < 1 or oh < 1 or ow < 1:
        raise ValueError(f"kernel {kernel.shape} must fit inside im {im.shape}")
    out = np.zeros((oh, ow))
    for r in range(kh):
        for c in range(kw):
            out += kernel[r, c] * im[r:r + oh, c:c + ow]
    return out
'''
