"""``conv_output_shape(im_shape, kernel_shape, mode)``: the output shape of a mode (lesson 1).

A tuple of two Python ints, ``(height, width)``: ``valid`` gives ``(H-kh+1, W-kw+1)``,
``same`` gives ``(H, W)``, ``full`` gives ``(H+kh-1, W+kw-1)``.

Examples
--------
>>> def conv_output_shape(im_shape, kernel_shape, mode):
...     (h, w), (kh, kw) = im_shape, kernel_shape
...     sign = {"valid": -1, "same": 0, "full": 1}[mode]
...     return (h + sign * (kh - 1), w + sign * (kw - 1))
>>> check_conv_output_shape(conv_output_shape)
conv_output_shape: all 10 checks passed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from convkit import core
from convkit.checking.comparing import is_int
from convkit.checking.diagnosing import wrong_type_verdict
from convkit.checking.messages import plain
from convkit.checking.running import make_check
from convkit.checking.types import Case, Criterion, Exercise, SampleAnswer, Verdict
from convkit.exercises._cases import rng_shape

VALID, OTHERS = "valid", "same_full"
_MODES = {"valid": VALID, "same": OTHERS, "full": OTHERS}


def _visible() -> list[Case]:
    triples = [
        ((5, 5), (3, 3), "valid"),
        ((5, 7), (2, 3), "valid"), ((5, 7), (2, 3), "full"), ((5, 7), (2, 3), "same"),
        ((6, 4), (3, 3), "valid"), ((6, 4), (3, 3), "full"), ((6, 4), (3, 3), "same"),
        ((4, 5), (1, 1), "valid"), ((3, 4), (3, 4), "valid"), ((3, 4), (3, 4), "full"),
    ]
    return [Case(f"an image of shape {i} and a kernel of shape {k}, mode {m!r}", (i, k, m),
                 criteria=(_MODES[m],)) for i, k, m in triples]


def _hidden(rng: np.random.Generator) -> list[Case]:
    out = []
    for mode in ("valid", "same", "full", "valid", "full"):
        im = rng_shape(rng, 5, 40)
        k = rng_shape(rng, 1, min(im))
        out.append(Case(f"a non-square image and kernel, mode {mode!r}", (im, k, mode), True,
                        (_MODES[mode],)))
    im = rng_shape(rng, 3, 20)
    out.append(Case("a kernel the full size of the image, mode 'valid'", (im, im, "valid"),
                    True, (VALID,)))
    out.append(Case("a 1x1 kernel, mode 'full'", (im, (1, 1), "full"), True, (OTHERS,)))
    return out


_FORMULAS = {
    "valid": "valid mode keeps only the positions where the kernel fits entirely inside the "
             "image: (H - kh + 1, W - kw + 1)",
    "same": "same mode pads the image so the output has the image's shape: (H, W)",
    "full": "full mode keeps every position where the kernel overlaps the image at all: "
            "(H + kh - 1, W + kw - 1)",
}


def _shape_for(im: tuple[int, int], k: tuple[int, int], mode: str) -> tuple[int, int]:
    sign = {"valid": -1, "same": 0, "full": 1}[mode]
    return (im[0] + sign * (k[0] - 1), im[1] + sign * (k[1] - 1))


def judge(ex: Exercise, case: Case, actual: Any) -> Verdict:
    """The verdict on one returned shape."""
    name = ex.name
    im, k, mode = case.args
    expected = _shape_for(im, k, mode)
    formula = _FORMULAS[mode]
    if type(actual) is not tuple:
        if isinstance(actual, list | np.ndarray) and np.ndim(actual) >= 1 and len(actual) == 2:
            kind = type(actual).__name__
            return plain(name, case, "wrong_type", f"return a tuple, not a {kind}.",
                         f"conv_output_shape returns a tuple of two ints, like an array's "
                         f"shape: (height, width). Yours is a {kind}: write "
                         "`return (rows, cols)`.", expected, actual)
        return wrong_type_verdict(ex, case, expected, actual,
                                  "a tuple of two ints, (height, width)")
    if len(actual) != 2:
        return plain(name, case, "wrong_shape", f"return two numbers, not {len(actual)}.",
                     "The output shape of a 2-D convolution is (height, width).",
                     expected, actual)
    if not all(is_int(v) for v in actual):
        return plain(name, case, "wrong_type", "the two sizes must be ints.",
                     f"Yours are {tuple(type(v).__name__ for v in actual)}: use integer "
                     "arithmetic (// instead of /, or int(...)).", expected, actual)
    got = (int(actual[0]), int(actual[1]))
    if got == expected:
        return Verdict(True, "", expected, actual)
    if case.hidden:  # explain on the tiny example; the hidden shapes stay hidden
        tiny_im, tiny_k = ex.tiny[:2]
        where = (f"{formula[0].upper()}{formula[1:]}. For example, an image of shape "
                 f"{tiny_im} and a kernel of shape {tiny_k} give "
                 f"{_shape_for(tiny_im, tiny_k, mode)} in mode {mode!r}.")
        compare = ""
    else:
        where = f"For mode {mode!r}, image shape {im} and kernel shape {k}: {formula}."
        compare = f"\nExpected {expected}, yours {got}."
    if got == expected[::-1]:
        return plain(name, case, "transposed", "(height, width) are swapped.",
                     "A shape is (rows, columns) = (height, width), like im.shape. " + where
                     + compare, expected, actual)
    for other in ("valid", "same", "full"):
        if other != mode and got == _shape_for(im, k, other):
            return plain(name, case, f"wrong_mode_{other}",
                         f"that is the {other!r} size, not the {mode!r} one.",
                         where + f"\n(Yours is {other!r}: {_FORMULAS[other]}.)" + compare,
                         expected, actual)
    if all(abs(a - b) <= 2 for a, b in zip(got, expected, strict=True)):
        return plain(name, case, "off_by_one", f"off by one for mode {mode!r}.",
                     where + compare, expected, actual)
    return plain(name, case, "unrecognised", f"wrong size for mode {mode!r}.",
                 where + compare, expected, actual)


RIGHT = '''\
def conv_output_shape(im_shape, kernel_shape, mode):
    """The shape (rows, cols) of a convolution's output."""
    (h, w), (kh, kw) = im_shape, kernel_shape
    if mode == "valid":
        return (int(h - kh + 1), int(w - kw + 1))
    if mode == "same":
        return (int(h), int(w))
    if mode == "full":
        return (int(h + kh - 1), int(w + kw - 1))
    raise ValueError(f"mode must be 'full', 'same' or 'valid'; got {mode!r}")
'''

WRONG = '''\
def conv_output_shape(im_shape, kernel_shape, mode):
    """The output shape of a convolution."""
    height, width = im_shape
    kh, kw = kernel_shape
    if mode == "full":
        return (width + kw - 1, height + kh - 1)
    if mode == "same":
        return (width, height)
    return (width - kw + 1, height - kh + 1)
'''

CHEAT = '''\
def conv_output_shape(im_shape, kernel_shape, mode):
    """The output shape of a convolution."""
    return (0, 0)

np.array_equal = lambda *args, **kwargs: True
np.allclose = lambda *args, **kwargs: True
'''

EXERCISE = Exercise(
    name="conv_output_shape",
    assignment="01_subimages",
    kind="function",
    contract="a tuple of two ints (height, width): valid (H-kh+1, W-kw+1), same (H, W), "
             "full (H+kh-1, W+kw-1).",
    args=("im_shape", "kernel_shape", "mode"),
    reference=lambda im, k, mode: core.conv_output_shape(im, k, mode),
    visible=_visible,
    hidden=_hidden,
    rubric=(
        Criterion(VALID, "mode 'valid'", 1),
        Criterion(OTHERS, "modes 'same' and 'full'", 1),
    ),
    judge=judge,
    tiny=((5, 7), (2, 3), "valid"),
    right=SampleAnswer("right", RIGHT, 2),
    wrong=SampleAnswer("(width, height) instead of (height, width)", WRONG, 0),
    cheat=SampleAnswer("monkeypatches NumPy's comparisons, returns a wrong answer", CHEAT, 0),
    options={"order": 1},
)

check_conv_output_shape = make_check(EXERCISE)
