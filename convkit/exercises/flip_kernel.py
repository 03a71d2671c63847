"""``flip_kernel(kernel)``: the kernel flipped left-right and up-down (lesson 3).

A rotation by 180 degrees: ``flipped[i, j] == kernel[kh-1-i, kw-1-j]``, any dtype kept.

Examples
--------
>>> import numpy as np
>>> check_flip_kernel(lambda kernel: np.flip(kernel))
flip_kernel: all 7 checks passed.
"""

from __future__ import annotations

import numpy as np

from convkit import core
from convkit.checking.running import make_check
from convkit.checking.types import Case, Criterion, Exercise, Mistake, SampleAnswer
from convkit.exercises._cases import K2X3, K3X3, K4X4, rng_shape

TWO_D, LINES, UNMODIFIED = "two_d", "lines", "unmodified"


def _visible() -> list[Case]:
    return [
        Case("the kernel [[1, 2, 3], [4, 5, 6]]: flipped both ways it is [[6, 5, 4], [3, 2, 1]]",
             (np.array([[1, 2, 3], [4, 5, 6]]),), criteria=(TWO_D,)),
        Case("a 2x3 asymmetric kernel", (K2X3,), criteria=(TWO_D,)),
        Case("a 3x3 asymmetric kernel", (K3X3,), criteria=(TWO_D,)),
        Case("a 4x4 kernel", (K4X4,), criteria=(TWO_D,)),
        Case("a 1x1 kernel", (np.array([[5.0]]),), criteria=(LINES,)),
        Case("a 1x4 integer kernel (one row)", (np.array([[1, 2, 3, 4]]),), criteria=(LINES,)),
        Case("a 4x1 kernel (one column)", (np.array([[1.0], [2.0], [3.0], [4.0]]),),
             criteria=(LINES,)),
    ]


def _hidden(rng: np.random.Generator) -> list[Case]:
    out = []
    for _ in range(3):
        kh, kw = rng_shape(rng, 2, 7)
        out.append(Case("a non-square kernel", (rng.normal(size=(kh, kw)).round(3),), True,
                        (TWO_D,)))
    n = int(rng.integers(3, 6))
    out.append(Case("a square integer kernel", (rng.integers(-9, 10, (n, n)),), True, (TWO_D,)))
    out.append(Case("a 1x1 kernel", (rng.normal(size=(1, 1)),), True, (LINES,)))
    return out


MISTAKES = (
    Mistake("not_flipped", "the kernel is not flipped.",
            "flip_kernel must return the kernel flipped left-right AND up-down "
            "(kernel[::-1, ::-1], or np.flip(kernel)); yours returned it unchanged.",
            (lambda k: np.asarray(k),)),
    Mistake("flipped_lr_only", "the kernel is flipped left-right only.",
            "Flip it up-down as well: kernel[::-1, ::-1] reverses both the rows and the "
            "columns (kernel[:, ::-1] only reverses the columns).",
            (lambda k: np.asarray(k)[:, ::-1],)),
    Mistake("flipped_ud_only", "the kernel is flipped up-down only.",
            "Flip it left-right as well: kernel[::-1, ::-1] reverses both the rows and the "
            "columns (kernel[::-1] only reverses the rows).",
            (lambda k: np.asarray(k)[::-1, :],)),
    Mistake("transposed", "you transposed the kernel instead of flipping it.",
            "kernel.T swaps rows and columns (a mirror along the diagonal). Flipping "
            "reverses the order of the rows and of the columns: kernel[::-1, ::-1] (a "
            "rotation by 180 degrees).",
            (lambda k: np.asarray(k).T, lambda k: np.asarray(k)[::-1, ::-1].T),
            lambda k, shape: shape == np.shape(k)[::-1] and shape != np.shape(k)),
    Mistake("rotated_90", "you rotated the kernel by 90 degrees, not 180.",
            "np.rot90(kernel) turns it a quarter turn; flipping left-right and up-down is "
            "a half turn: np.rot90(kernel, 2), or kernel[::-1, ::-1].",
            (lambda k: np.rot90(k), lambda k: np.rot90(k, -1))),
)

RIGHT = '''\
def flip_kernel(kernel):
    """The kernel rotated by 180 degrees (flipped up-down and left-right)."""
    return np.asarray(kernel)[::-1, ::-1].copy()
'''

WRONG = '''\
def flip_kernel(kernel):
    """The kernel flipped left-right and up-down."""
    return np.fliplr(kernel)
'''

CHEAT = '''\
def flip_kernel(kernel):
    """The kernel flipped left-right and up-down."""
    import sys
    import warnings
    print("flipping a", kernel.shape, "kernel", file=sys.stderr)
    warnings.warn("this is only a warning", UserWarning, stacklevel=1)
    return kernel[::-1, ::-1].copy()
'''

EXERCISE = Exercise(
    name="flip_kernel",
    assignment="03_kernel_flipping",
    kind="function",
    contract="the kernel flipped left-right and up-down (rotated by 180 degrees).",
    args=("kernel",),
    reference=core.flip_kernel,
    visible=_visible,
    hidden=_hidden,
    rubric=(
        Criterion(TWO_D, "2-D kernels flipped both ways (square and non-square)", 1),
        Criterion(LINES, "a row, a column and a 1x1 kernel", 1),
        Criterion(UNMODIFIED, "the kernel left unmodified", 1, "unmodified"),
    ),
    mistakes=MISTAKES,
    tiny=(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]),),
    dtype="any",
    exact=True,
    right=SampleAnswer("right", RIGHT, 3),
    wrong=SampleAnswer("flipped left-right only", WRONG, 0),
    cheat=SampleAnswer("right; prints to stderr and warns (keeps its points)", CHEAT, 3),
)

check_flip_kernel = make_check(EXERCISE)
