"""``strided_im_conv(im, kernel, stride)``: ``im_conv`` at every ``stride``-th window (lesson 2).

``out[r, c] = sum(im[s*r : s*r + kh, s*c : s*c + kw] * kernel)`` for the windows whose
top-left corners are ``0, s, 2s, ...`` in both directions, as long as the window fits: a
float64 array of shape ``((H - kh) // s + 1, (W - kw) // s + 1)``, equal to
``im_conv(im, kernel)[::s, ::s]``.

The contract also says *how*: without computing the skipped windows. The checks judge only
the values (they cannot see the work done), and the lesson says so; the timing in the
notebook shows what computing every window and slicing costs.

Examples
--------
>>> import numpy as np
>>> def strided_im_conv(im, kernel, stride):
...     kh, kw = kernel.shape
...     out = np.zeros(((im.shape[0] - kh) // stride + 1, (im.shape[1] - kw) // stride + 1))
...     for r in range(out.shape[0]):
...         for c in range(out.shape[1]):
...             window = im[r * stride:r * stride + kh, c * stride:c * stride + kw]
...             out[r, c] = np.sum(window * kernel)
...     return out
>>> check_strided_im_conv(strided_im_conv)
strided_im_conv: all 11 checks passed.
>>> EXERCISE.points, [c.id for c in EXERCISE.rubric]
(6, ['form', 'stride_one', 'dividing', 'uneven', 'integer', 'unmodified'])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from convkit import core
from convkit.checking.models import integral, truncated, wrapped_around
from convkit.checking.running import make_check
from convkit.checking.types import Case, Criterion, Exercise, Mistake, SampleAnswer
from convkit.exercises._cases import K2X3, K3X3, distinct, rng_shape, u8_near_255

FORM, STRIDE_ONE, DIVIDING, UNEVEN, INTEGER, UNMODIFIED = (
    "form", "stride_one", "dividing", "uneven", "integer", "unmodified")

TINY_IM = np.array([[1.0, 2.0, 0.0, 3.0, 1.0, 4.0],
                    [4.0, 0.0, 5.0, 1.0, 2.0, 0.0],
                    [2.0, 6.0, 1.0, 0.0, 3.0, 1.0],
                    [0.0, 1.0, 3.0, 2.0, 5.0, 2.0],
                    [3.0, 2.0, 0.0, 1.0, 4.0, 6.0]])
TINY_K = np.array([[1.0, 2.0], [0.0, -1.0]])
TINY = (TINY_IM, TINY_K, 2)
_TINY_U8 = (np.array([[250, 251, 252, 253], [253, 254, 255, 250]], dtype=np.uint8),
            np.array([[1, 2]]), 2)
_TINY_FRAC = (np.array([[1, 2, 4, 7, 3], [3, 0, 5, 2, 1], [6, 1, 1, 3, 2]]),
              np.array([[0.5, 0.5]]), 2)


def _criterion(im: np.ndarray, k: np.ndarray, s: int) -> str:
    """Which kind of case: stride 1 (or one window), a stride dividing both, or not."""
    (h, w), (kh, kw) = im.shape, k.shape
    if s == 1 or (h - kh < s and w - kw < s):
        return STRIDE_ONE
    return DIVIDING if (h - kh) % s == 0 and (w - kw) % s == 0 else UNEVEN


def _case(label: str, im: np.ndarray, k: np.ndarray, s: int, hidden: bool = False,
          criterion: str | None = None) -> Case:
    return Case(label, (im, k, s), hidden, (criterion or _criterion(im, k, s),))


def _visible() -> list[Case]:
    ones = np.ones((3, 3))
    return [
        _case("a 6x8 image with a 3x3 asymmetric kernel, stride 1 (im_conv itself)",
              distinct(6, 8, 7), K3X3, 1),
        _case("an 8x8 image with a 2x2 kernel, stride 2 (windows side by side, no overlap)",
              distinct(8, 8), np.array([[1.0, -1.0], [2.0, 0.5]]), 2),
        _case("a 9x11 image (non-square) with a 3x3 asymmetric kernel, stride 2",
              distinct(9, 11, 3), K3X3, 2),
        _case("the 5x5 ramp np.arange(25).reshape(5, 5) with a 3x3 kernel of ones, stride 2: "
              "windows at rows and columns 0 and 2, [[54, 72], [144, 162]]",
              np.arange(25.0).reshape(5, 5), ones, 2),
        _case("a 3x4 image with a 3x4 kernel and stride 2: a single window",
              distinct(3, 4, 5), distinct(3, 4, 7) - 6.0, 2),
        _case("a 7x9 image with a 2x3 kernel, stride 2 (2 does not divide 7 - 2 = 5: the last "
              "row is never the top of a window)", distinct(7, 9), K2X3, 2),
        _case("a 9x7 image with a 3x3 kernel, stride 3 (3 does not divide 7 - 3 = 4)",
              distinct(9, 7, 1), K3X3, 3),
        _case("a 10x11 image with a 2x2 kernel, stride 3: larger than the kernel, so some "
              "pixels are never visited", distinct(10, 11), np.array([[1.0, 2.0], [3.0, -1.0]]),
              3),
        _case("a 7x10 image with a 1x1 kernel, stride 4", distinct(7, 10, 2),
              np.array([[-2.0]]), 4),
        _case("a uint8 image near 255 with a 2x2 kernel whose sums exceed 255, stride 2",
              u8_near_255(6, 7), np.array([[1, 2], [3, 1]]), 2, criterion=INTEGER),
        _case("an integer image with a 3x3 blur kernel, stride 2 (the result is not whole "
              "numbers)", distinct(7, 8, 7, np.int64), np.full((3, 3), 1.0 / 9.0), 2,
              criterion=INTEGER),
    ]


def _hidden(rng: np.random.Generator) -> list[Case]:
    out = []
    for _ in range(3):
        h, w = rng_shape(rng, 8, 30)
        kh, kw = rng_shape(rng, 1, 5)
        s = int(rng.integers(2, 5))
        out.append(_case("a non-square image and kernel, a stride of 2 to 4",
                         rng.normal(size=(h, w)).round(3), rng.normal(size=(kh, kw)).round(3), s,
                         True))
    s = int(rng.integers(2, 4))
    kh, kw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    rows, cols = rng_shape(rng, 2, 6)
    out.append(_case("a stride that divides H - kh and W - kw",
                     rng.normal(size=(kh + s * rows, kw + s * cols)).round(3),
                     rng.normal(size=(kh, kw)).round(3), s, True, DIVIDING))
    h, w = rng_shape(rng, 10, 25)
    k = int(rng.integers(1, 3))
    out.append(_case("a stride larger than the kernel", rng.normal(size=(h, w)).round(3),
                     rng.normal(size=(k, k + 1)).round(3), k + 2, True))
    h, w = rng_shape(rng, 6, 20)
    out.append(_case("stride 1", rng.normal(size=(h, w)).round(3),
                     rng.normal(size=(3, 2)).round(3), 1, True))
    h, w = rng_shape(rng, 6, 15)
    out.append(_case("a uint8 image near 255, a kernel whose sums exceed 255",
                     rng.integers(200, 256, (h, w)).astype(np.uint8),
                     rng.integers(1, 5, (3, 3)).astype(np.int64), int(rng.integers(2, 4)), True,
                     INTEGER))
    h, w = rng_shape(rng, 6, 15)
    n = int(rng.choice([2, 3]))
    out.append(_case("an integer image with a blur kernel",
                     rng.integers(0, 50, (h, w)).astype(np.int64), np.full((n, n), 1.0 / n**2),
                     int(rng.integers(2, 4)), True, INTEGER))
    return out


# --------------------------------------------------------------------------------------------
# mistake models
# --------------------------------------------------------------------------------------------


def _shape(im: np.ndarray, k: np.ndarray, s: int) -> tuple[int, int]:
    return ((np.shape(im)[0] - np.shape(k)[0]) // s + 1,
            (np.shape(im)[1] - np.shape(k)[1]) // s + 1)


def _all(im: np.ndarray, k: np.ndarray) -> np.ndarray:
    return core.im_conv(im, k)


def _unscaled(im: np.ndarray, k: np.ndarray, s: int) -> np.ndarray | None:
    """The output index is stepped, the input offset is not: window at (r, c), not (s*r, s*c)."""
    if s == 1:
        return None
    oh, ow = _shape(im, k, s)
    return _all(im, k)[:oh, :ow]


def _one_axis(im: np.ndarray, k: np.ndarray, s: int) -> list[np.ndarray] | None:
    if s == 1:
        return None
    return [core.correlate(im, k, stride=(s, 1)), core.correlate(im, k, stride=(1, s))]


def _last_missing(im: np.ndarray, k: np.ndarray, s: int) -> list[np.ndarray] | None:
    """``out_h = (H - kh + 1) // s`` or ``(H - kh) // s``: the last row/column of windows lost."""
    full = core.strided_im_conv(im, k, s)
    (h, w), (kh, kw) = np.shape(im), np.shape(k)
    out = []
    for rows, cols in (((h - kh + 1) // s, (w - kw + 1) // s), ((h - kh) // s, (w - kw) // s),
                       (h // s - 1, w // s - 1)):
        if 0 < rows <= full.shape[0] and 0 < cols <= full.shape[1] and (
                (rows, cols) != full.shape):
            out.append(full[:rows, :cols])
    return out or None


def _past_the_end(im: np.ndarray, k: np.ndarray, s: int) -> list[np.ndarray] | None:
    """Windows started at every s-th pixel of the whole image: the image padded with zeros."""
    (h, w), (kh, kw) = np.shape(im), np.shape(k)
    if kh == kw == 1 or ((h - 1) // s + 1, (w - 1) // s + 1) == _shape(im, k, s):
        return None
    padded = np.pad(np.asarray(im, dtype=np.float64), ((0, kh - 1), (0, kw - 1)))
    return [core.strided_im_conv(padded, k, s),
            core.strided_im_conv(padded, k, s)[: h // s, : w // s]]


def _offset(im: np.ndarray, k: np.ndarray, s: int) -> list[np.ndarray] | None:
    """Every s-th window counted from 1: rows s-1, 2s-1, ... (or starting at 1)."""
    if s == 1:
        return None
    full = _all(im, k)
    return [full[start::s, start::s] for start in sorted({1, s - 1})
            if full[start::s, start::s].size]


def _subsampled_image(im: np.ndarray, k: np.ndarray, s: int) -> np.ndarray | None:
    """The image shrunk first, then every window of it: im_conv(im[::s, ::s], kernel)."""
    small = np.asarray(im)[::s, ::s]
    if s == 1 or small.shape[0] < np.shape(k)[0] or small.shape[1] < np.shape(k)[1]:
        return None
    return core.im_conv(small, k)


def _ignored(im: np.ndarray, k: np.ndarray, s: int) -> np.ndarray | None:
    return None if s == 1 else _all(im, k)


def _flipped(im: np.ndarray, k: np.ndarray, s: int) -> np.ndarray:
    return core.strided_im_conv(im, np.asarray(k)[::-1, ::-1], s)


def _transposed(im: np.ndarray, k: np.ndarray, s: int) -> list[np.ndarray]:
    out = [core.strided_im_conv(im, k, s).T]
    if np.shape(k)[0] <= np.shape(im)[1] and np.shape(k)[1] <= np.shape(im)[0]:
        out.append(core.strided_im_conv(np.asarray(im).T, np.asarray(k).T, s))
    return out


def _uint8(im: np.ndarray, k: np.ndarray, s: int) -> list[np.ndarray] | None:
    right = core.strided_im_conv(im, k, s)
    if right.min() >= 0 and right.max() <= 255:
        return None
    with np.errstate(invalid="ignore"):
        return [right.astype(np.uint8).astype(np.float64), np.trunc(right) % 256]


def _truncated(im: np.ndarray, k: np.ndarray, s: int) -> list[np.ndarray] | None:
    right = core.strided_im_conv(im, k, s)
    if integral(right):
        return None
    return [np.trunc(right), np.floor(right), np.rint(right)]


def _bigger(im: np.ndarray, k: np.ndarray, s: int, *, shape: tuple) -> bool:
    exp = _shape(im, k, s)
    return s > 1 and shape[0] >= exp[0] and shape[1] >= exp[1] and shape != exp


MISTAKES = (
    Mistake("input_offset_not_scaled", "the window does not move by the stride.",
            "Your output has the right shape, but out[r, c] is the window whose top-left corner "
            "is (r, c): the windows next to each other, as in im_conv. With a stride s the "
            "window of out[r, c] starts at (s*r, s*c): "
            "out[r, c] = sum(im[s*r:s*r+kh, s*c:s*c+kw] * kernel).",
            (_unscaled,)),
    Mistake("stride_one_axis", "the stride is applied in one direction only.",
            "The stride steps the window down AND across: the window of out[r, c] starts at "
            "row s*r and column s*c, so both the number of rows and of columns shrink, to "
            "(H - kh) // s + 1 and (W - kw) // s + 1.",
            (_one_axis,)),
    Mistake("last_window_missing", "the last row or column of windows is missing.",
            "The windows start at 0, s, 2s, ... for as long as a whole window fits, that is "
            "up to and including H - kh: range(0, H - kh + 1, s), which is "
            "(H - kh) // s + 1 windows. (H - kh + 1) // s or (H - kh) // s drop the last one "
            "whenever it starts exactly where it still fits.",
            (_last_missing,)),
    Mistake("past_the_end", "you have windows that start past the last valid position.",
            "A window must fit inside the image: its top-left row goes up to H - kh, not "
            "H - 1 (that would need pixels below the image; zeros or a shorter window are not "
            "valid mode). There are (H - kh) // s + 1 windows per column, "
            "range(0, H - kh + 1, s).",
            (_past_the_end,), _bigger),
    Mistake("windows_start_late", "your first window does not start at (0, 0).",
            "Every s-th window counts from the first one: the windows start at rows "
            "0, s, 2s, ... (im_conv(im, kernel)[::s, ::s]), not at s - 1, 2s - 1, ... or "
            "1, 1 + s, ...",
            (_offset,)),
    Mistake("image_subsampled", "you shrank the image, not the set of windows.",
            "im[::s, ::s] keeps every s-th PIXEL, and a window of that smaller image mixes "
            "pixels s apart: a different filter. The stride skips windows: each window still "
            "covers kh x kw neighbouring pixels, im[s*r:s*r+kh, s*c:s*c+kw].",
            (_subsampled_image,)),
    Mistake("stride_ignored", "the stride is ignored: every window is there.",
            "That is im_conv(im, kernel), one window per position. With a stride s keep the "
            "windows starting at 0, s, 2s, ...: (H - kh) // s + 1 rows and "
            "(W - kw) // s + 1 columns.",
            (_ignored,), _bigger),
    Mistake("flipped_kernel", "the kernel is flipped.",
            "strided_im_conv slides the kernel as it is, like im_conv: no flip "
            "(kernel[::-1, ::-1] would be a true convolution).",
            (_flipped,)),
    Mistake("transposed", "rows and columns are swapped.",
            "A NumPy image is im[row, col] with shape (height, width): the output has "
            "(H - kh) // s + 1 rows and (W - kw) // s + 1 columns.",
            (_transposed,),
            lambda im, k, s, shape: shape == _shape(im, k, s)[::-1] != _shape(im, k, s)),
    Mistake("uint8_wraparound", "uint8 wrap-around: your values wrapped past 255.",
            "The image is uint8, which only holds 0..255. Compute in float, "
            "im.astype(np.float64), and build the output with np.zeros(shape) (float64), not "
            "np.zeros_like(im).",
            (_uint8,), tiny=_TINY_U8, predicate=wrapped_around),
    Mistake("integer_truncation", "your result lost its fractions (integer truncation).",
            "An output made with np.zeros_like(im) has the image's integer dtype, and "
            "assigning 2.5 into it stores 2. Use np.zeros(shape) (float64) for the output.",
            (_truncated,), tiny=_TINY_FRAC, predicate=truncated),
)

RIGHT = '''\
def strided_im_conv(im, kernel, stride):
    """``im_conv`` at every ``stride``-th window only (top-left corners 0, s, 2s, ...)."""
    image = np.asarray(im, dtype=np.float64)
    weights = np.asarray(kernel, dtype=np.float64)
    kh, kw = weights.shape
    out_h = (image.shape[0] - kh) // stride + 1
    out_w = (image.shape[1] - kw) // stride + 1
    out = np.empty((out_h, out_w))
    for r in range(out_h):
        for c in range(out_w):
            top, left = r * stride, c * stride
            out[r, c] = np.sum(image[top:top + kh, left:left + kw] * weights)
    return out
'''

WRONG = '''\
def strided_im_conv(im, kernel, stride):
    """The windows at every stride-th position."""
    image = np.asarray(im, dtype=np.float64)
    kh, kw = kernel.shape
    out = np.zeros(((image.shape[0] - kh) // stride + 1, (image.shape[1] - kw) // stride + 1))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = np.sum(image[r:r + kh, c:c + kw] * kernel)
    return out
'''

CHEAT = '''\
def strided_im_conv(im, kernel, stride):
    """Every stride-th window (by SciPy)."""
    from scipy.signal import correlate2d
    return correlate2d(np.asarray(im, dtype=np.float64), kernel, mode="valid")[::stride,
                                                                                ::stride]
'''


def reference(im: Any, kernel: Any, stride: int) -> np.ndarray:
    """:func:`convkit.core.strided_im_conv`."""
    return core.strided_im_conv(im, kernel, stride)


EXERCISE = Exercise(
    name="strided_im_conv",
    assignment="02_im_conv",
    kind="function",
    contract="im_conv at the windows whose top-left corners are 0, s, 2s, ... in both "
             "directions (equal to im_conv(im, kernel)[::s, ::s], without computing the "
             "skipped windows); float64 of shape ((H-kh)//s + 1, (W-kw)//s + 1).",
    args=("im", "kernel", "stride"),
    reference=reference,
    visible=_visible,
    hidden=_hidden,
    rubric=(
        Criterion(FORM, "a float64 array of shape ((H - kh) // s + 1, (W - kw) // s + 1)", 1,
                  "form"),
        Criterion(STRIDE_ONE, "stride 1 (im_conv itself) and a single window", 1),
        Criterion(DIVIDING, "strides that divide H - kh and W - kw", 1),
        Criterion(UNEVEN, "strides that do not divide them, strides larger than the kernel", 1),
        Criterion(INTEGER, "integer and uint8 images (computed in float)", 1),
        Criterion(UNMODIFIED, "inputs left unmodified", 1, "unmodified"),
    ),
    mistakes=MISTAKES,
    tiny=TINY,
    right=SampleAnswer("right", RIGHT, 6),
    wrong=SampleAnswer("the output index steps, the window does not move by the stride", WRONG,
                       3),
    cheat=SampleAnswer("calls scipy.signal.correlate2d in an own-implementation exercise",
                       CHEAT, 0),
    options={"order": 2},
)

check_strided_im_conv = make_check(EXERCISE)
