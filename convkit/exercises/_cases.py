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
