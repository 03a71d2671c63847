"""``gaussian_kernel(size, sigma)``: the sampled, normalised 2-D Gaussian (lesson 4).

``k[i, j]`` is proportional to ``exp(-(y**2 + x**2) / (2 * sigma**2))`` with ``y, x``
measured from the centre (``i - size // 2``, ``j - size // 2``), then divided by the sum
of all the samples; ``size`` is odd. Reference: :func:`convkit.kernels.gaussian_kernel`.

The cases avoid telling only on ``sigma = 1`` and ``sigma = 2``, where ``sigma`` and
``sigma**2`` (or ``2 * sigma**2`` and ``sigma**2``) coincide. Bad input (an even size) is
the reference's business: the engine judges returned values, so the check does not ask
the student's function to raise.

Examples
--------
>>> import numpy as np
>>> def gaussian_kernel(size, sigma):
...     d = np.arange(size) - size // 2
...     k = np.exp(-(d[:, None] ** 2 + d[None, :] ** 2) / (2 * sigma**2))
...     return k / k.sum()
>>> check_gaussian_kernel(gaussian_kernel)
gaussian_kernel: all 7 checks passed.
>>> EXERCISE.points, [c.id for c in EXERCISE.rubric]
(3, ['centred', 'sigmas', 'edge'])
"""

from __future__ import annotations

import numpy as np

from convkit import kernels
from convkit.checking.running import make_check
from convkit.checking.types import Case, Criterion, Exercise, Mistake, SampleAnswer

CENTRED, SIGMAS, EDGE = "centred", "sigmas", "edge"


def _visible() -> list[Case]:
    return [
        Case("size 5, sigma 1.5", (5, 1.5), criteria=(SIGMAS,)),
        Case("size 3, sigma 1", (3, 1.0), criteria=(CENTRED,)),
        Case("size 5, sigma 1", (5, 1.0), criteria=(CENTRED,)),
        Case("size 7, sigma 0.7 (a narrow bell)", (7, 0.7), criteria=(SIGMAS,)),
        Case("size 9, sigma 3 (a wide bell)", (9, 3.0), criteria=(SIGMAS,)),
        Case("size 1 (one weight, which must be 1)", (1, 1.5), criteria=(EDGE,)),
        Case("size 3, sigma 5 (size too small for sigma: the bell is cut off, and the "
             "weights still sum to 1)", (3, 5.0), criteria=(EDGE,)),
    ]


def _sigma(rng: np.random.Generator, lo: float, hi: float) -> float:
    """A sigma in [lo, hi], two decimals, away from 1 and 2 (where the mistakes hide)."""
    while True:
        s = round(float(rng.uniform(lo, hi)), 2)
        if min(abs(s - 1.0), abs(s - 2.0)) > 0.15:
            return s


def _hidden(rng: np.random.Generator) -> list[Case]:
    out = []
    for _ in range(2):
        size = int(rng.integers(2, 7)) * 2 + 1  # 5 .. 13
        out.append(Case("an odd size and a sigma", (size, _sigma(rng, 0.6, 3.0)), True,
                        (SIGMAS,)))
    out.append(Case("an odd size, sigma 1", (int(rng.choice([3, 5, 7])), 1.0), True,
                    (CENTRED,)))
    out.append(Case("a small size for a large sigma",
                    (int(rng.choice([3, 5])), round(float(rng.uniform(4.0, 10.0)), 2)), True,
                    (EDGE,)))
    return out


def reference(size: int, sigma: float) -> np.ndarray:
    """:func:`convkit.kernels.gaussian_kernel`."""
    return kernels.gaussian_kernel(size, sigma)


def _grid(size: int, centre: float) -> tuple[np.ndarray, np.ndarray]:
    d = np.arange(size) - centre
    return d[:, None], d[None, :]


def _bell(size: int, sigma: float, *, centre: float | None = None, denom: float | None = None,
          normalise: bool = True) -> np.ndarray:
    y, x = _grid(size, size // 2 if centre is None else centre)
    k = np.exp(-(y**2 + x**2) / (2.0 * sigma**2 if denom is None else denom))
    return k / k.sum() if normalise else k


def _unnormalised(size: int, sigma: float) -> list[np.ndarray]:
    raw = _bell(size, sigma, normalise=False)
    return [raw, raw / (2.0 * np.pi * sigma**2), raw / (np.sqrt(2.0 * np.pi) * sigma),
            raw / raw.max()]


def _one_d(size: int, sigma: float) -> list[np.ndarray]:
    y, _ = _grid(size, size // 2)
    g = np.exp(-(y.ravel() ** 2) / (2.0 * sigma**2))
    return [g / g.sum(), g, (g / g.sum())[None, :], (g / g.sum())[:, None]]


MISTAKES = (
    Mistake("not_normalised", "the kernel is not normalised: its weights must sum to 1.",
            "Divide the samples by their sum: k / k.sum(). A blur must keep a flat region's "
            "brightness. The continuous formula's 1 / (2 * pi * sigma**2) does not do it "
            "for a few samples (and never for a bell cut off by a small size), and dividing "
            "by the largest weight makes the centre 1, not the sum.",
            (_unnormalised,)),
    Mistake("from_the_corner", "i and j are not measured from the centre pixel.",
            "i and j must be offsets from the centre pixel: np.arange(size) - size // 2, "
            "e.g. -2, -1, 0, 1, 2 for size 5. With np.arange(size) (from the corner) the "
            "bell's peak sits in the top-left corner; with size / 2 it is off by half a "
            "pixel. Either way the peak is not the middle weight, and the blur shifts "
            "the image.",
            (lambda n, s: [_bell(n, s, centre=0.0), _bell(n, s, centre=0.0, normalise=False),
                           _bell(n, s, centre=n / 2), _bell(n, s, centre=n - 1)],)),
    Mistake("sigma_not_squared", "sigma must be squared: exp(-(i**2 + j**2) / (2 * sigma**2)).",
            "You divided by 2 * sigma (or sigma) instead of 2 * sigma**2: the bell has the wrong "
            "width for every sigma but 1. sigma is a distance in pixels, like i and j, so the "
            "exponent compares squared distances with sigma**2.",
            (lambda n, s: [_bell(n, s, denom=2.0 * s), _bell(n, s, denom=s)],)),
    Mistake("missing_the_2", "the 2 of 2 * sigma**2 is missing.",
            "The Gaussian is exp(-(i**2 + j**2) / (2 * sigma**2)); without the 2 the bell is "
            "narrower by a factor sqrt(2), as if sigma were sigma / 1.41.",
            (lambda n, s: _bell(n, s, denom=s**2),)),
    Mistake("one_dimensional", "the kernel must be 2-D, size x size.",
            "You returned the 1-D profile g (size weights). The 2-D Gaussian is the outer "
            "product of it with itself, np.outer(g, g), or the exponential of i**2 + j**2 "
            "on a 2-D grid of offsets.",
            (_one_d,), lambda n, s, shape: shape in ((n,), (1, n), (n, 1))),
    Mistake("wrong_shape", "the kernel has the wrong shape.",
            "gaussian_kernel(size, sigma) is a square size x size array, e.g. (5, 5) for "
            "size 5.", (), lambda n, s, shape: shape != (n, n)),
)

RIGHT = '''\
def gaussian_kernel(size, sigma):
    """Return the size x size Gaussian kernel for sigma, normalised to sum to 1."""
    offsets = np.arange(size) - size // 2  # -2, -1, 0, 1, 2 for size 5
    y, x = np.meshgrid(offsets, offsets, indexing="ij")
    kernel = np.exp(-(x**2 + y**2) / (2 * sigma**2))
    return kernel / kernel.sum()
'''

WRONG = '''\
def gaussian_kernel(size, sigma):
    """The Gaussian formula, 1 / (2 pi sigma**2) * exp(-(x**2 + y**2) / (2 sigma**2))."""
    offsets = np.arange(size) - size // 2
    y, x = np.meshgrid(offsets, offsets, indexing="ij")
    return np.exp(-(x**2 + y**2) / (2 * sigma**2)) / (2 * np.pi * sigma**2)
'''

CHEAT = '''\
def gaussian_kernel(size, sigma):
    """A Gaussian kernel (by OpenCV)."""
    import cv2
    g = cv2.getGaussianKernel(size, sigma, cv2.CV_64F)
    return g @ g.T
'''

EXERCISE = Exercise(
    name="gaussian_kernel",
    assignment="04_kernels",
    kind="function",
    contract="a size x size float64 array of exp(-(i**2 + j**2) / (2 * sigma**2)), i and j "
             "measured from the centre, divided by its sum (size odd).",
    args=("size", "sigma"),
    reference=reference,
    visible=_visible,
    hidden=_hidden,
    rubric=(
        Criterion(CENTRED, "sigma 1: the bell centred on the middle pixel, summing to 1", 1),
        Criterion(SIGMAS, "other sigmas, narrow and wide: 2 * sigma**2 in the exponent", 1),
        Criterion(EDGE, "size 1, and a size too small for sigma (cut off, still summing to 1)",
                  1),
    ),
    mistakes=MISTAKES,
    tiny=(3, 1.5),
    right=SampleAnswer("right", RIGHT, 3),
    wrong=SampleAnswer("the continuous formula's 1 / (2 pi sigma**2) instead of dividing by "
                       "the sum (not normalised)", WRONG, 0),
    cheat=SampleAnswer("calls cv2.getGaussianKernel in an own-implementation exercise", CHEAT,
                       0),
    options={"order": 0},
)

check_gaussian_kernel = make_check(EXERCISE)
