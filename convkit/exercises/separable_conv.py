"""``separable_conv(im, column, row)``: a separable kernel as two 1-D passes (lesson 4).

``im_conv(im, np.outer(column, row))`` in valid mode, float64 of shape
``(H - kh + 1, W - kw + 1)``, computed as a column pass (``column`` slid down every
column, ``kh`` products per pixel) followed by a row pass (``row`` along every row, ``kw``
products per pixel). Reference: :func:`convkit.core.separable_conv`.

What the check can tell: it judges values. An answer that builds ``np.outer(column, row)``
and slides the whole kernel computes the same values (``kh * kw`` products per pixel
instead of ``kh + kw``) and passes; the contract's "two 1-D passes" is taught and asked
for by the notebook (its timing cell and question), not enforced here: timing an answer
would make the grade depend on the machine. What it names: the passes swapped (the
transposed kernel, seen on a non-symmetric pair such as Sobel's ``[1, 2, 1]`` and
``[1, 0, -1]``), a single pass, ``'same'``/``'full'`` instead of valid mode,
``np.convolve``'s flip, both passes along the same axis, the image and kernel flattened
(the source post's bug: a 3x3 kernel becomes a 9-tap horizontal filter), uint8
wrap-around and integer truncation.

Examples
--------
>>> import numpy as np
>>> def separable_conv(im, column, row):
...     im = np.asarray(im, dtype=np.float64)
...     kh, kw = len(column), len(row)
...     h, w = im.shape[0] - kh + 1, im.shape[1] - kw + 1
...     tmp = sum(column[i] * im[i:i + h, :] for i in range(kh))
...     return sum(row[j] * tmp[:, j:j + w] for j in range(kw))
>>> check_separable_conv(separable_conv)
separable_conv: all 8 checks passed.
>>> EXERCISE.points, [c.id for c in EXERCISE.rubric]
(4, ['symmetric', 'asymmetric', 'integer', 'unmodified'])
"""

from __future__ import annotations

import numpy as np

from convkit import core
from convkit.checking.models import correlate, truncated, wrapped_around
from convkit.checking.running import make_check
from convkit.checking.types import Case, Criterion, Exercise, Mistake, SampleAnswer
from convkit.exercises._cases import distinct, rng_shape, u8_near_255

SYMMETRIC, ASYMMETRIC, INTEGER, UNMODIFIED = "symmetric", "asymmetric", "integer", "unmodified"

_BINOMIAL = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0
_BOX3 = np.full(3, 1.0 / 3.0)


def _visible() -> list[Case]:
    return [
        Case("a 6x8 image with Sobel's column [1, 2, 1] and row [1, 0, -1] (not symmetric: "
             "the column goes down, the row across)",
             (distinct(6, 8, 3), np.array([1.0, 2.0, 1.0]), np.array([1.0, 0.0, -1.0])),
             criteria=(ASYMMETRIC,)),
        Case("an 8x9 image with the binomial [1, 4, 6, 4, 1] / 16 as column and row",
             (distinct(8, 9), _BINOMIAL.copy(), _BINOMIAL.copy()), criteria=(SYMMETRIC,)),
        Case("a 5x6 image with the 3-box [1/3, 1/3, 1/3] as column and row",
             (distinct(5, 6, 1), _BOX3.copy(), _BOX3.copy()), criteria=(SYMMETRIC,)),
        Case("a 5x7 image with a column of length 2 and a row of length 4 (a 2x4 kernel)",
             (distinct(5, 7, 2), np.array([1.0, -1.0]), np.array([1.0, 2.0, 3.0, 4.0])),
             criteria=(ASYMMETRIC,)),
        Case("a 4x6 image with the column [2] (length 1) and the row [1, -2, 1]",
             (distinct(4, 6, 4), np.array([2.0]), np.array([1.0, -2.0, 1.0])),
             criteria=(ASYMMETRIC,)),
        Case("a 3x4 image with a column of length 3 and a row of length 4 (the full size)",
             (distinct(3, 4, 5), np.array([1.0, 0.5, -1.0]), np.array([2.0, -1.0, 0.0, 3.0])),
             criteria=(ASYMMETRIC,)),
        Case("a uint8 image near 255 with column and row [1, 2, 1] (sums up to 16 * 255)",
             (u8_near_255(5, 6), np.array([1, 2, 1]), np.array([1, 2, 1])),
             criteria=(INTEGER,)),
        Case("an integer image with the 3-box as column and row (the result is not whole "
             "numbers)", (distinct(5, 6, 7, np.int64), _BOX3.copy(), _BOX3.copy()),
             criteria=(INTEGER,)),
    ]


def _hidden(rng: np.random.Generator) -> list[Case]:
    out = []
    h, w = rng_shape(rng, 8, 30)
    kh, kw = int(rng.integers(2, 6)), int(rng.integers(2, 6))
    if kh == kw:
        kw += 1
    out.append(Case("a non-square image with a column and a row of different lengths",
                    (rng.normal(size=(h, w)).round(3), rng.normal(size=kh).round(3),
                     rng.normal(size=kw).round(3)), True, (ASYMMETRIC,)))
    h, w = rng_shape(rng, 6, 20)
    out.append(Case("an image with a 3-long column and a different 3-long row",
                    (rng.integers(0, 100, (h, w)).astype(np.float64),
                     rng.normal(size=3).round(2), rng.normal(size=3).round(2)), True,
                    (ASYMMETRIC,)))
    n = int(rng.choice([3, 5, 7]))
    g = np.exp(-((np.arange(n) - n // 2) ** 2) / (2 * rng.uniform(0.7, 2.0) ** 2))
    h, w = rng_shape(rng, 8, 25)
    out.append(Case("an image with a Gaussian as column and row",
                    (rng.normal(size=(h, w)).round(3), g / g.sum(), g / g.sum()), True,
                    (SYMMETRIC,)))
    h, w = rng_shape(rng, 4, 12)
    k = rng.integers(1, 5, 3)
    out.append(Case("a uint8 image near 255 with integer weights whose sums exceed 255",
                    (rng.integers(200, 256, (h, w)).astype(np.uint8), k, k[::-1].copy()), True,
                    (INTEGER,)))
    h, w = rng_shape(rng, 5, 15)
    out.append(Case("an integer image with a box as column and row",
                    (rng.integers(0, 50, (h, w)).astype(np.int64), _BOX3.copy(),
                     np.full(5, 0.2)), True, (INTEGER,)))
    h, w = rng_shape(rng, 2, 6)
    out.append(Case("a column and a row as long as the image is high and wide",
                    (rng.normal(size=(h, w)).round(3), rng.normal(size=h).round(3),
                     rng.normal(size=w).round(3)), True, (ASYMMETRIC,)))
    return out


def reference(im: np.ndarray, column: np.ndarray, row: np.ndarray) -> np.ndarray:
    """:func:`convkit.core.separable_conv`."""
    return core.separable_conv(im, column, row)


# --------------------------------------------------------------------------------------------
# mistake models (each from the case's arguments)
# --------------------------------------------------------------------------------------------


def _f(a: np.ndarray) -> np.ndarray:
    return np.asarray(a, dtype=np.float64)


def _k(column: np.ndarray, row: np.ndarray) -> np.ndarray:
    return np.outer(_f(column), _f(row))


def _ref(im: np.ndarray, column: np.ndarray, row: np.ndarray) -> np.ndarray:
    return correlate(im, _k(column, row))


def _swapped(im: np.ndarray, column: np.ndarray, row: np.ndarray) -> list[np.ndarray]:
    return [correlate(im, _k(row, column))]


def _one_pass(im: np.ndarray, column: np.ndarray, row: np.ndarray) -> list[np.ndarray]:
    col_only = correlate(im, _f(column)[:, None])
    row_only = correlate(im, _f(row)[None, :])
    h, w = _ref(im, column, row).shape
    return [col_only, row_only, col_only[:, :w], row_only[:h, :]]


def _flips(column: np.ndarray, row: np.ndarray) -> list[np.ndarray]:
    c, r = _f(column), _f(row)
    return [_k(c[::-1], r[::-1]), _k(c[::-1], r), _k(c, r[::-1])]


def _np_convolve_flip(im: np.ndarray, column: np.ndarray, row: np.ndarray) -> list[np.ndarray]:
    if all(np.array_equal(k, _k(column, row)) for k in _flips(column, row)):
        return []
    return [correlate(im, k) for k in _flips(column, row)]


def _mode(im: np.ndarray, column: np.ndarray, row: np.ndarray, mode: str) -> list[np.ndarray]:
    k = _k(column, row)
    kh, kw = k.shape
    out = []
    for kk in [k, *_flips(column, row)]:
        out.append(correlate(im, kk, mode))
        if mode == "same":
            out.append(correlate(im, kk, mode, top_left=((kh - 1) // 2, (kw - 1) // 2)))
    return out


def _one_direction(im: np.ndarray, column: np.ndarray, row: np.ndarray) -> list[np.ndarray]:
    c, r = _f(column), _f(row)
    along_rows = correlate(correlate(im, c[None, :]), r[None, :])
    along_cols = correlate(correlate(im, c[:, None]), r[:, None])
    return [along_rows, along_cols]


def _flattened(im: np.ndarray, column: np.ndarray, row: np.ndarray) -> list[np.ndarray]:
    """np.convolve / np.correlate of the flattened image with the flattened outer product."""
    flat_im = _f(im).ravel()
    h, w = _ref(im, column, row).shape
    out: list[np.ndarray] = []
    for k in [_k(column, row), *_flips(column, row)]:
        for fn in (np.convolve, np.correlate):
            for mode in ("same", "valid", "full"):
                flat = fn(flat_im, k.ravel(), mode=mode)
                tries = [flat]
                if mode == "same":  # the source post's: reshaped back to the image's shape
                    tries = [flat.reshape(np.shape(im)), flat.reshape(np.shape(im))[:h, :w], flat]
                if flat.size >= h * w:
                    tries.append(flat[:h * w].reshape(h, w))
                out += tries
                out += [np.trunc(t) % 256 for t in tries]  # and the source post's uint8 cast
    return out


def _uint8(im: np.ndarray, column: np.ndarray, row: np.ndarray) -> list[np.ndarray] | None:
    if np.asarray(im).dtype != np.uint8:
        return None
    c, r = _f(column), _f(row)
    tmp = np.trunc(correlate(im, c[:, None])) % 256  # the column pass stored in uint8
    return [np.trunc(correlate(tmp, r[None, :])) % 256, correlate(tmp, r[None, :])]


def _truncated(im: np.ndarray, column: np.ndarray, row: np.ndarray) -> list[np.ndarray] | None:
    if np.asarray(im).dtype.kind not in "iu":
        return None
    c, r = _f(column), _f(row)
    tmp = np.trunc(correlate(im, c[:, None]))  # np.zeros_like(im) for the column pass
    return [np.trunc(correlate(tmp, r[None, :])), correlate(tmp, r[None, :])]


def _valid(im: np.ndarray, column: np.ndarray, row: np.ndarray) -> tuple[int, int]:
    return (np.shape(im)[0] - len(column) + 1, np.shape(im)[1] - len(row) + 1)


MISTAKES = (
    Mistake("flattened", "the image and the kernel were flattened (np.convolve on 1-D data).",
            "np.convolve(im.ravel(), kernel.ravel()) treats the picture as one long line: a "
            "flattened 3x3 kernel becomes a 9-tap horizontal filter that never sees the "
            "pixels above and below, and windows wrap from the end of one row to the start "
            "of the next (casting the result to uint8 then wraps values past 255 too). Slide "
            "column down the columns, then row along the rows, as two 1-D passes.",
            (_flattened,), lambda im, c, r, shape: len(shape) == 1),
    Mistake("passes_swapped", "the passes are swapped: column goes down, row goes across.",
            "column holds the vertical weights (it multiplies im[r + i, c], i = 0 .. kh - 1) "
            "and row the horizontal ones (tmp[r, c + j]). Swapped, you apply "
            "np.outer(row, column), the transposed kernel: the same for a symmetric blur, "
            "but Sobel's column [1, 2, 1] and row [1, 0, -1] then find horizontal edges "
            "instead of vertical ones.",
            (_swapped,),
            lambda im, c, r, shape: len(c) != len(r) and shape == (
                np.shape(im)[0] - len(r) + 1, np.shape(im)[1] - len(c) + 1)),
    Mistake("one_pass_only", "only one of the two passes was applied.",
            "A separable kernel needs both passes: first column down every column "
            "(the result has H - kh + 1 rows and W columns), then row along every row of "
            "that result (W - kw + 1 columns). Yours stops after one of them.",
            (_one_pass,),
            lambda im, c, r, shape: shape in ((np.shape(im)[0] - len(c) + 1, np.shape(im)[1]),
                                              (np.shape(im)[0], np.shape(im)[1] - len(r) + 1))
            and shape != _valid(im, c, r)),
    Mistake("np_convolve_flips", "np.convolve flips its kernel: use np.correlate, or slices.",
            "separable_conv slides column and row as they are, like im_conv. np.convolve "
            "reverses the kernel first (true convolution): for [1, 0, -1] that changes the "
            "sign. Use np.correlate(signal, taps, mode='valid'), or add shifted slices: "
            "tmp += column[i] * im[i:i + H - kh + 1, :].",
            (_np_convolve_flip,)),
    Mistake("wrong_mode_same", "the output has the image's size ('same' mode).",
            "Valid mode only keeps the positions where the whole kernel fits: "
            "(H - kh + 1, W - kw + 1). mode='same' in np.convolve / np.correlate pads with "
            "zeros and keeps every pixel; use mode='valid' for each pass.",
            (lambda im, c, r: _mode(im, c, r, "same"),),
            lambda im, c, r, shape: shape == np.shape(im)),
    Mistake("wrong_mode_full", "the output is too large ('full' mode).",
            "np.convolve's default mode is 'full': every position where the taps overlap "
            "the signal at all, (H + kh - 1, W + kw - 1) here. separable_conv is valid "
            "mode: pass mode='valid'.",
            (lambda im, c, r: _mode(im, c, r, "full"),),
            lambda im, c, r, shape: shape == (np.shape(im)[0] + len(c) - 1,
                                              np.shape(im)[1] + len(r) - 1)),
    Mistake("one_direction", "both passes run in the same direction.",
            "One pass must go down the columns (column: vertical neighbours) and the other "
            "along the rows (row: horizontal neighbours). Two passes along the rows never "
            "see the pixels above and below.",
            (_one_direction,)),
    Mistake("uint8_wraparound", "uint8 wrap-around: your values wrapped past 255.",
            "The image is uint8, which only holds 0..255: the column pass stored in a uint8 "
            "array (np.zeros_like(im)) wraps 260 round to 4. Convert first, "
            "im.astype(np.float64), and keep the passes in float64.",
            (_uint8,), predicate=wrapped_around),
    Mistake("integer_truncation", "your result lost its fractions (integer truncation).",
            "An intermediate or output made with np.zeros_like(im) has the image's integer "
            "dtype, and storing 2.5 into it keeps 2. Use np.zeros(shape) (float64).",
            (_truncated,), predicate=truncated),
    Mistake("transposed", "rows and columns are swapped.",
            "The output has H - kh + 1 rows and W - kw + 1 columns, like im_conv's.",
            (lambda im, c, r: _ref(im, c, r).T,),
            lambda im, c, r, shape: shape == _valid(im, c, r)[::-1]),
)

RIGHT = '''\
def separable_conv(im, column, row):
    """im_conv(im, np.outer(column, row)) as a column pass then a row pass (valid mode)."""
    im = np.asarray(im, dtype=np.float64)
    kh, kw = len(column), len(row)
    out_h, out_w = im.shape[0] - kh + 1, im.shape[1] - kw + 1
    tmp = np.zeros((out_h, im.shape[1]))
    for i in range(kh):  # column pass: kh products per pixel
        tmp += column[i] * im[i:i + out_h, :]
    out = np.zeros((out_h, out_w))
    for j in range(kw):  # row pass: kw products per pixel
        out += row[j] * tmp[:, j:j + out_w]
    return out
'''

WRONG = '''\
def separable_conv(im, column, row):
    """A column pass, then a row pass."""
    im = np.asarray(im, dtype=np.float64)
    kh, kw = len(column), len(row)
    out_h, out_w = im.shape[0] - kw + 1, im.shape[1] - kh + 1
    tmp = np.zeros((out_h, im.shape[1]))
    for i in range(kw):
        tmp += row[i] * im[i:i + out_h, :]
    out = np.zeros((out_h, out_w))
    for j in range(kh):
        out += column[j] * tmp[:, j:j + out_w]
    return out
'''

CHEAT = '''\
def separable_conv(im, column, row):
    """Two passes (by SciPy)."""
    from scipy.ndimage import correlate1d
    tmp = correlate1d(np.asarray(im, dtype=np.float64), column, axis=0, mode="constant")
    out = correlate1d(tmp, row, axis=1, mode="constant")
    kh, kw = len(column), len(row)
    return out[kh // 2: kh // 2 + im.shape[0] - kh + 1, kw // 2: kw // 2 + im.shape[1] - kw + 1]
'''

EXERCISE = Exercise(
    name="separable_conv",
    assignment="04_kernels",
    kind="function",
    contract="im_conv(im, np.outer(column, row)) in valid mode, computed as a column pass "
             "and a row pass, float64 of shape (H - kh + 1, W - kw + 1).",
    args=("im", "column", "row"),
    reference=reference,
    visible=_visible,
    hidden=_hidden,
    rubric=(
        Criterion(SYMMETRIC, "the same column and row (binomial, box, Gaussian)", 1),
        Criterion(ASYMMETRIC, "a different column and row (Sobel, non-square, length 1, "
                              "full size): column down, row across", 1),
        Criterion(INTEGER, "uint8 and integer images (computed in float, no wrap-around)", 1),
        Criterion(UNMODIFIED, "inputs left unmodified", 1, "unmodified"),
    ),
    mistakes=MISTAKES,
    tiny=(np.array([[1.0, 2.0, 0.0, 3.0], [4.0, 0.0, 5.0, 1.0], [2.0, 6.0, 1.0, 0.0]]),
          np.array([1.0, -1.0]), np.array([1.0, 0.0, 2.0])),
    right=SampleAnswer("right", RIGHT, 4),
    wrong=SampleAnswer("the passes swapped (row applied down the columns, column across)",
                       WRONG, 2),
    cheat=SampleAnswer("calls scipy.ndimage.correlate1d in an own-implementation exercise",
                       CHEAT, 0),
    options={"order": 0},
)

check_separable_conv = make_check(EXERCISE)
