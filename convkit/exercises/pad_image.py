"""``pad_image(im, pad, mode="zero")``: the image in a frame of invented pixels (lesson 2).

``pad`` rows are added above **and** below, ``pad`` columns left **and** right (``pad`` an
int, or ``(rows, cols)``); ``mode`` ``"zero"`` fills the frame with 0, ``"replicate"``
repeats the nearest edge pixel (NumPy's ``np.pad(mode="edge")``). The result is a new
array with the dtype of ``im`` (a uint8 photo stays uint8). Padding by ``k // 2`` and then
``im_conv`` gives an output of the image's own size.

Examples
--------
>>> import numpy as np
>>> def pad_image(im, pad, mode="zero"):
...     rows, cols = (pad, pad) if np.ndim(pad) == 0 else pad
...     return np.pad(im, ((rows, rows), (cols, cols)),
...                   mode={"zero": "constant", "replicate": "edge"}[mode])
>>> check_pad_image(pad_image)
pad_image: all 12 checks passed.
>>> EXERCISE.points, [c.id for c in EXERCISE.rubric]
(5, ['zero', 'pairs', 'replicate', 'dtype', 'unmodified'])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from convkit import core
from convkit.checking.diagnosing import diagnose_array
from convkit.checking.messages import plain
from convkit.checking.models import truncated
from convkit.checking.running import make_check
from convkit.checking.types import (
    Case,
    Criterion,
    Exercise,
    Mistake,
    Model,
    SampleAnswer,
    Verdict,
)
from convkit.exercises._cases import distinct, rng_shape, u8_near_255

ZERO, PAIRS, REPLICATE, DTYPE, UNMODIFIED = ("zero", "pairs", "replicate", "dtype",
                                             "unmodified")

TINY_IM = np.array([[1, 2, 3], [4, 5, 6]])
TINY = (TINY_IM, 1, "zero")
_TINY_PAIR = (TINY_IM, (1, 2), "zero")
_TINY_REPLICATE = (TINY_IM, 2, "replicate")
_TINY_FRACTIONS = (np.array([[0.5, -1.25, 2.0], [3.75, 4.0, -0.5]]), 1, "zero")


def _fractions(h: int, w: int, salt: int = 0) -> np.ndarray:
    """Distinct values with fractions and negatives: (k - h*w/2) / 4."""
    return (distinct(h, w, salt) - (h * w) // 2) / 4.0


def _visible() -> list[Case]:
    return [
        Case("the 2x3 image [[1, 2, 3], [4, 5, 6]] with pad=1, mode 'zero': a 4x5 result with "
             "a frame of zeros all round", (TINY_IM.astype(np.float64), 1, "zero"),
             criteria=(ZERO,)),
        Case("a 4x6 image with pad=2, mode 'zero'", (distinct(4, 6), 2, "zero"),
             criteria=(ZERO,)),
        Case("a 5x3 image with pad=1 and mode left at its default ('zero')",
             (distinct(5, 3, 1), 1), criteria=(ZERO,)),
        Case("a 3x5 image with pad=(1, 3): 1 row above and below, 3 columns left and right",
             (distinct(3, 5), (1, 3), "zero"), criteria=(PAIRS,)),
        Case("a 4x3 image with pad=(2, 0): rows only", (distinct(4, 3, 2), (2, 0), "zero"),
             criteria=(PAIRS,)),
        Case("a 3x4 image with pad=0: an unchanged copy", (distinct(3, 4), 0, "zero"),
             criteria=(PAIRS,)),
        Case("a 3x4 image with pad=1, mode 'replicate': the edge pixels repeated",
             (distinct(3, 4, 3), 1, "replicate"), criteria=(REPLICATE,)),
        Case("a 4x5 image with pad=3, mode 'replicate' (the corners repeat the corner pixel)",
             (distinct(4, 5), 3, "replicate"), criteria=(REPLICATE,)),
        Case("a 3x4 image with pad=(2, 1), mode 'replicate'",
             (distinct(3, 4, 5), (2, 1), "replicate"), criteria=(REPLICATE,)),
        Case("a uint8 image near 255 with pad=2: the result is uint8 too",
             (u8_near_255(3, 4), 2, "zero"), criteria=(DTYPE,)),
        Case("an int64 image with pad=2", (distinct(4, 3, 4, np.int64), 2, "zero"),
             criteria=(DTYPE,)),
        Case("a float image with fractions and negative values, pad=1 (nothing may be "
             "rounded)", (_fractions(3, 5), 1, "zero"), criteria=(DTYPE,)),
    ]


def _hidden(rng: np.random.Generator) -> list[Case]:
    out = []
    for _ in range(2):
        h, w = rng_shape(rng, 3, 25)
        out.append(Case("a non-square image with an int pad, mode 'zero'",
                        (rng.normal(size=(h, w)).round(3), int(rng.integers(1, 5)), "zero"),
                        True, (ZERO,)))
    h, w = rng_shape(rng, 3, 20)
    rows = int(rng.integers(0, 4))
    pair = (rows, rows + int(rng.integers(1, 4)))
    if rng.integers(2):
        pair = pair[::-1]
    out.append(Case("a (rows, cols) pad with rows != cols, mode 'zero'",
                    (rng.normal(size=(h, w)).round(3), pair, "zero"), True, (PAIRS,)))
    out.append(Case("pad=(0, 0)", (rng.normal(size=rng_shape(rng, 2, 10)).round(3), (0, 0),
                                   "zero"), True, (PAIRS,)))
    h, w = rng_shape(rng, 3, 20)
    out.append(Case("an int pad of 2 or more, mode 'replicate'",
                    (rng.normal(size=(h, w)).round(3), int(rng.integers(2, 6)), "replicate"),
                    True, (REPLICATE,)))
    h, w = rng_shape(rng, 3, 20)
    r = int(rng.integers(1, 4))
    out.append(Case("a (rows, cols) pad, mode 'replicate'",
                    (rng.normal(size=(h, w)).round(3), (r, r + int(rng.integers(1, 3))),
                     "replicate"), True, (REPLICATE,)))
    h, w = rng_shape(rng, 3, 15)
    out.append(Case("a uint8 image", (rng.integers(0, 256, (h, w)).astype(np.uint8),
                                      int(rng.integers(1, 4)), "zero"), True, (DTYPE,)))
    h, w = rng_shape(rng, 3, 15)
    out.append(Case("a float image with fractions",
                    ((rng.normal(size=(h, w)) * 10).round(2), int(rng.integers(1, 4)),
                     "zero"), True, (DTYPE,)))
    return out


# --------------------------------------------------------------------------------------------
# mistake models
# --------------------------------------------------------------------------------------------


def _pair(pad: Any) -> tuple[int, int]:
    return (int(pad), int(pad)) if np.ndim(pad) == 0 else (int(pad[0]), int(pad[1]))


def _np_mode(mode: str) -> str:
    return "edge" if mode == "replicate" else "constant"


def _padded(im: np.ndarray, widths: tuple, mode: str = "zero") -> np.ndarray:
    return np.pad(np.asarray(im), widths, mode=_np_mode(mode))  # type: ignore[call-overload]


def _one_side(im: np.ndarray, pad: Any, mode: str = "zero") -> list[np.ndarray] | None:
    r, c = _pair(pad)
    if r == c == 0:
        return None
    return [_padded(im, ((r, 0), (c, 0)), mode), _padded(im, ((0, r), (0, c)), mode),
            _padded(im, ((r // 2, r - r // 2), (c // 2, c - c // 2)), mode)]


def _swapped(im: np.ndarray, pad: Any, mode: str = "zero") -> np.ndarray | None:
    r, c = _pair(pad)
    return None if r == c else core.pad_image(im, (c, r), mode)


def _before_after(im: np.ndarray, pad: Any, mode: str = "zero") -> np.ndarray | None:
    """``np.pad(im, (rows, cols))``: NumPy reads the pair as (before, after) for each axis."""
    r, c = _pair(pad)
    return None if r == c else _padded(im, (r, c), mode)


def _before_after_shape(im: np.ndarray, pad: Any, mode: str = "zero", *, shape: tuple) -> bool:
    r, c = _pair(pad)
    h, w = np.shape(im)
    return r != c and shape == (h + r + c, w + r + c)


def _replicate_as(np_mode: str) -> Model:
    """A model that pads with np.pad's ``np_mode`` where 'replicate' was asked."""

    def model(im: np.ndarray, pad: Any, mode: str = "zero") -> np.ndarray | None:
        if mode != "replicate":
            return None
        r, c = _pair(pad)
        if np_mode == "constant":
            return np.pad(im, ((r, r), (c, c)))
        return np.pad(im, ((r, r), (c, c)), mode=np_mode)  # type: ignore[call-overload]
    return model


def _corners_left_zero(im: np.ndarray, pad: Any, mode: str = "zero") -> np.ndarray | None:
    """Replicate done by hand from the original image: rows and columns, but no corners."""
    if mode != "replicate":
        return None
    r, c = _pair(pad)
    if r == 0 or c == 0:
        return None
    out = core.pad_image(im, (r, c), "replicate")
    out[:r, :c] = out[:r, -c:] = out[-r:, :c] = out[-r:, -c:] = 0
    return out


def _zero_as_replicate(im: np.ndarray, pad: Any, mode: str = "zero") -> np.ndarray | None:
    return core.pad_image(im, pad, "replicate") if mode == "zero" else None


def _doubled(im: np.ndarray, pad: Any, mode: str = "zero") -> np.ndarray | None:
    r, c = _pair(pad)
    return None if r == c == 0 else core.pad_image(im, (2 * r, 2 * c), mode)


def _lost_values(im: np.ndarray, pad: Any, mode: str = "zero") -> list[np.ndarray] | None:
    right = core.pad_image(im, pad, mode).astype(np.float64)
    if np.all(right == np.round(right)) and right.min() >= 0:
        return None
    with np.errstate(invalid="ignore"):
        return [np.trunc(right), right.astype(np.uint8).astype(np.float64), np.rint(right)]


def _once_shape(im: np.ndarray, pad: Any, mode: str = "zero", *, shape: tuple) -> bool:
    r, c = _pair(pad)
    h, w = np.shape(im)
    return (r or c) != 0 and shape == (h + r, w + c)


def _swapped_shape(im: np.ndarray, pad: Any, mode: str = "zero", *, shape: tuple) -> bool:
    r, c = _pair(pad)
    h, w = np.shape(im)
    return r != c and shape == (h + 2 * c, w + 2 * r)


MISTAKES = (
    Mistake("one_side", "the padding was added on one side only (or once, not twice).",
            "pad=p adds p rows above AND p rows below, p columns left AND p columns right: "
            "the result has H + 2*p rows and W + 2*p columns, with the image at "
            "out[p:p+H, p:p+W]. np.pad(im, ((p, p), (p, p)), ...) says both sides.",
            (_one_side,), _once_shape, tiny=TINY),
    Mistake("pairs_swapped", "rows and columns of the pad are swapped.",
            "pad=(rows, cols) adds `rows` rows above and below (they make the image taller) "
            "and `cols` columns left and right (wider), in that order, like im.shape: "
            "np.pad(im, ((rows, rows), (cols, cols))).",
            (_swapped,), _swapped_shape, tiny=_TINY_PAIR),
    Mistake("np_pad_before_after", "np.pad read your (rows, cols) as (before, after).",
            "np.pad(im, (1, 3)) does not mean 1 row and 3 columns: NumPy reads a pair as "
            "(before, after) and uses it for every axis, so it adds 1 row above, 3 below, 1 "
            "column left and 3 right. Give each axis its own pair: "
            "np.pad(im, ((rows, rows), (cols, cols))).",
            (_before_after,), _before_after_shape, tiny=_TINY_PAIR),
    Mistake("replicate_as_zero", "mode 'replicate' gave a frame of zeros.",
            "'replicate' repeats the nearest edge pixel into the frame (np.pad's mode='edge'): "
            "the row a b c padded by 2 is a a a b c c c. Yours fills the frame with 0, which "
            "is mode 'zero'. Check how your function reads `mode`.",
            (_replicate_as("constant"),), tiny=_TINY_REPLICATE),
    Mistake("replicate_as_reflect", "that is a mirror ('reflect'), not 'replicate'.",
            "np.pad's mode='reflect' mirrors the image WITHOUT its edge pixel "
            "(c b | a b c | b a) and mode='symmetric' mirrors it WITH the edge pixel "
            "(b a | a b c | c b). 'replicate' repeats the edge pixel itself, however wide the "
            "frame: a a | a b c | c c. That is np.pad's mode='edge'.",
            (_replicate_as("reflect"), _replicate_as("symmetric")), tiny=_TINY_REPLICATE),
    Mistake("replicate_as_wrap", "that wraps around ('wrap'), not 'replicate'.",
            "np.pad's mode='wrap' fills the frame with the opposite side of the image. "
            "'replicate' repeats the nearest edge pixel: np.pad's mode='edge'.",
            (_replicate_as("wrap"),), tiny=_TINY_REPLICATE),
    Mistake("corners_not_filled", "the corners of the frame are still 0.",
            "Replicating the edge rows and the edge columns from the original image leaves "
            "the four corner blocks empty. Pad the rows first and then the columns OF THE "
            "RESULT (or use np.pad(..., mode='edge')): each corner repeats the corner pixel.",
            (_corners_left_zero,), tiny=_TINY_REPLICATE),
    Mistake("zero_as_replicate", "mode 'zero' repeated the edge pixels.",
            "With mode='zero' (the default) the frame is filled with 0; repeating the edge "
            "pixel is mode 'replicate'. Check how your function reads `mode`.",
            (_zero_as_replicate,), tiny=TINY),
    Mistake("pad_doubled", "the frame is twice as wide as asked.",
            "pad is what is added on EACH side, not in total: pad=2 adds 2 rows above and 2 "
            "below, so out[2:2+H, 2:2+W] is the image.",
            (_doubled,), tiny=TINY),
    Mistake("values_lost", "some pixel values were changed (rounded or wrapped).",
            "The image's own values must come out unchanged. An output made with "
            "np.zeros(shape, dtype=np.uint8) (or int) rounds fractions off and wraps "
            "negative values; build it with the image's dtype, "
            "np.zeros(shape, dtype=im.dtype), or use np.pad.",
            (_lost_values,), tiny=_TINY_FRACTIONS, predicate=truncated),
)


def judge(ex: Exercise, case: Case, actual: Any) -> Verdict:
    """The array diagnosis, then: the right values must also keep the image's dtype."""
    verdict = diagnose_array(ex, case, actual)
    if not verdict.ok:
        return verdict
    expected = verdict.expected
    if actual.dtype != expected.dtype:
        return plain(
            ex.name, case, "dtype_changed",
            f"the values are right but the dtype changed ({expected.dtype} -> "
            f"{actual.dtype}).",
            "Padding only copies pixels and adds zeros, which every dtype can hold, so the "
            f"result keeps the image's dtype: a {expected.dtype} image gives a "
            f"{expected.dtype} result (a uint8 photo stays a uint8 photo, a quarter of the "
            "memory of float64). np.zeros(shape) is always float64 and "
            "np.zeros(shape, dtype=np.uint8) always uint8, whatever the image: use "
            "np.zeros(shape, dtype=im.dtype), or np.pad, which keeps the dtype.",
            expected, actual)
    return verdict


RIGHT = '''\
def pad_image(im, pad, mode="zero"):
    """Return ``im`` with ``pad`` rows above and below and ``pad`` columns left and right."""
    rows, cols = (pad, pad) if np.ndim(pad) == 0 else pad
    h, w = im.shape
    out = np.zeros((h + 2 * rows, w + 2 * cols), dtype=im.dtype)
    out[rows:rows + h, cols:cols + w] = im
    if mode == "replicate":
        out[:rows, cols:cols + w] = im[0]              # the first row, repeated upwards
        out[rows + h:, cols:cols + w] = im[-1]         # the last row, downwards
        out[:, :cols] = out[:, cols:cols + 1]          # then whole columns, corners included
        out[:, cols + w:] = out[:, cols + w - 1:cols + w]
    elif mode != "zero":
        raise ValueError(f"mode must be 'zero' or 'replicate'; got {mode!r}")
    return out
'''

WRONG = '''\
def pad_image(im, pad, mode="zero"):
    """Pad with zeros, or mirror the image at its edges for 'replicate'."""
    rows, cols = (pad, pad) if np.ndim(pad) == 0 else pad
    np_mode = "reflect" if mode == "replicate" else "constant"
    return np.pad(im, ((rows, rows), (cols, cols)), mode=np_mode)
'''

CHEAT = '''\
def pad_image(im, pad, mode="zero"):
    """Pad the image (by OpenCV)."""
    import cv2
    rows, cols = (pad, pad) if np.ndim(pad) == 0 else pad
    border = cv2.BORDER_REPLICATE if mode == "replicate" else cv2.BORDER_CONSTANT
    return cv2.copyMakeBorder(im, rows, rows, cols, cols, border, value=0)
'''

EXERCISE = Exercise(
    name="pad_image",
    assignment="02_im_conv",
    kind="function",
    contract="im with pad rows added above and below and pad columns left and right (pad an "
             "int or (rows, cols)); mode 'zero' fills with 0, 'replicate' repeats the edge "
             "pixel; a new array with im's dtype.",
    args=("im", "pad", "mode"),
    reference=core.pad_image,
    visible=_visible,
    hidden=_hidden,
    rubric=(
        Criterion(ZERO, "mode 'zero' with an int pad (also as the default mode)", 1),
        Criterion(PAIRS, "(rows, cols) pads and pad 0", 1),
        Criterion(REPLICATE, "mode 'replicate': the edge pixel repeated, corners included", 1),
        Criterion(DTYPE, "uint8, integer and fractional images keep their dtype and values", 1),
        Criterion(UNMODIFIED, "the image left unmodified", 1, "unmodified"),
    ),
    mistakes=MISTAKES,
    judge=judge,
    tiny=TINY,
    dtype="any",
    exact=True,
    right=SampleAnswer("right", RIGHT, 5),
    wrong=SampleAnswer("'replicate' done as np.pad's 'reflect' (a mirror)", WRONG, 4),
    cheat=SampleAnswer("calls cv2.copyMakeBorder in an own-implementation exercise", CHEAT, 0),
    options={"order": 1},
)

check_pad_image = make_check(EXERCISE)
