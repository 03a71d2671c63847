"""``gradient_magnitude(gx, gy)``: ``sqrt(gx**2 + gy**2)`` elementwise, float64 (lesson 4).

Examples
--------
>>> import numpy as np
>>> check_gradient_magnitude(lambda gx, gy: np.sqrt(gx**2.0 + gy**2.0))
gradient_magnitude: all 3 checks passed.
"""

from __future__ import annotations

import numpy as np

from convkit.checking.running import make_check
from convkit.checking.types import Case, Criterion, Exercise, Mistake, SampleAnswer
from convkit.exercises._cases import rng_shape

FLOAT, INTEGER, UNMODIFIED = "float", "integer", "unmodified"


def _visible() -> list[Case]:
    gx = np.array([[3.0, -3.0, 0.0, 1.5, -2.0, 6.0], [0.0, 4.0, -1.0, 2.0, 0.5, -8.0],
                   [5.0, 0.0, 2.0, -2.0, 1.0, 0.0], [-6.0, 1.0, 0.0, 3.0, -4.0, 2.0]])
    gy = np.array([[4.0, 4.0, 0.0, -2.0, 0.0, 8.0], [1.0, -3.0, 1.0, 0.0, -1.2, 6.0],
                   [12.0, -7.0, -2.0, 2.0, 0.0, 3.0], [8.0, 1.0, 5.0, 4.0, 3.0, 0.0]])
    return [
        Case("4x6 signed gradients", (gx, gy), criteria=(FLOAT,)),
        Case("3x5 integer gradients", (np.array([[3, -5, 0, 8, -1], [0, 12, -6, 1, 2],
                                                 [-7, 1, 9, 0, 20]]),
                                       np.array([[4, 12, 0, -6, 1], [-5, 5, 8, 0, 2],
                                                 [24, 1, -12, 3, 21]])), criteria=(INTEGER,)),
        Case("1x1 gradients", (np.array([[-3.0]]), np.array([[4.0]])), criteria=(FLOAT,)),
    ]


def _hidden(rng: np.random.Generator) -> list[Case]:
    out = []
    for _ in range(2):
        shape = rng_shape(rng, 5, 40)
        out.append(Case("random signed gradients",
                        (rng.normal(size=shape) * 50, rng.normal(size=shape) * 50), True,
                        (FLOAT,)))
    shape = rng_shape(rng, 3, 10)
    out.append(Case("integer gradients", (rng.integers(-500, 501, shape),
                                          rng.integers(-500, 501, shape)), True, (INTEGER,)))
    return out


def reference(gx: np.ndarray, gy: np.ndarray) -> np.ndarray:
    """``np.hypot`` in float64."""
    return np.hypot(np.asarray(gx, dtype=np.float64), np.asarray(gy, dtype=np.float64))


def _f(a: np.ndarray) -> np.ndarray:
    return np.asarray(a, dtype=np.float64)


MISTAKES = (
    Mistake("missing_sqrt", "the square root is missing.",
            "gx**2 + gy**2 is the squared magnitude: take np.sqrt of it.",
            (lambda gx, gy: _f(gx) ** 2 + _f(gy) ** 2,)),
    Mistake("abs_sum", "|gx| + |gy| is not the magnitude.",
            "The gradient (gx, gy) is a vector: its length is sqrt(gx**2 + gy**2), not "
            "the sum of the absolute values.",
            (lambda gx, gy: np.abs(_f(gx)) + np.abs(_f(gy)), lambda gx, gy: _f(gx) + _f(gy))),
    Mistake("squared_sum", "square each component before adding.",
            "sqrt((gx + gy)**2) = |gx + gy| lets opposite signs cancel; the magnitude is "
            "sqrt(gx**2 + gy**2).",
            (lambda gx, gy: np.abs(_f(gx) + _f(gy)),)),
    Mistake("whole_array_norm", "you computed one number for the whole image.",
            "np.linalg.norm(...) without an axis gives one number for the whole array; the "
            "magnitude is a value per pixel: np.sqrt(gx**2 + gy**2) (elementwise).",
            (lambda gx, gy: np.asarray(np.sqrt(np.sum(_f(gx) ** 2 + _f(gy) ** 2))),)),
    Mistake("integer_truncation", "your magnitudes lost their fractions.",
            "The magnitude is not a whole number in general: keep it float64 (do not "
            "convert to int or uint8).",
            (lambda gx, gy: np.trunc(np.hypot(_f(gx), _f(gy))),
             lambda gx, gy: np.rint(np.hypot(_f(gx), _f(gy))))),
    Mistake("uint8_wraparound", "your magnitudes wrapped around past 255.",
            "Do not store the result as uint8: it only holds 0..255.",
            (lambda gx, gy: np.hypot(_f(gx), _f(gy)).astype(np.uint8),)),
    Mistake("transposed", "rows and columns are swapped.",
            "The magnitude has the same shape as gx and gy, pixel by pixel.",
            (lambda gx, gy: np.hypot(_f(gx), _f(gy)).T,),
            lambda gx, gy, shape: shape == np.shape(gx)[::-1]),
)

RIGHT = '''\
def gradient_magnitude(gx, gy):
    """Return the gradient magnitude sqrt(gx**2 + gy**2), elementwise, as float64."""
    gx = np.asarray(gx, dtype=np.float64)
    gy = np.asarray(gy, dtype=np.float64)
    return np.sqrt(gx**2 + gy**2)
'''

WRONG = '''\
def gradient_magnitude(gx, gy):
    """The length of the gradient at every pixel."""
    return np.abs(gx) + np.abs(gy)
'''

CHEAT = '''\
def gradient_magnitude(gx, gy):
    """The length of the gradient (not really)."""
    return gx + gy

def _swallow(shell, etype, evalue, tb, tb_offset=None):
    return None

get_ipython().set_custom_exc((Exception,), _swallow)
get_ipython().events.register("post_run_cell", lambda result: None)
'''

EXERCISE = Exercise(
    name="gradient_magnitude",
    assignment="04_kernels",
    kind="function",
    contract="sqrt(gx**2 + gy**2) elementwise, float64.",
    args=("gx", "gy"),
    reference=reference,
    visible=_visible,
    hidden=_hidden,
    rubric=(
        Criterion(FLOAT, "float gradients (signed, 1x1)", 1),
        Criterion(INTEGER, "integer gradients, with a float64 result", 1),
        Criterion(UNMODIFIED, "gx and gy left unmodified", 1, "unmodified"),
    ),
    mistakes=MISTAKES,
    tiny=(np.array([[3.0, -1.0, 0.0]]), np.array([[4.0, 1.0, -2.0]])),
    right=SampleAnswer("right", RIGHT, 3),
    wrong=SampleAnswer("|gx| + |gy| instead of sqrt(gx**2 + gy**2)", WRONG, 0),
    cheat=SampleAnswer("set_custom_exc and a post_run_cell hook to hide failures", CHEAT, 0),
    options={"order": 2},
)

check_gradient_magnitude = make_check(EXERCISE)
