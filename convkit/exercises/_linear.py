"""What the four linear-filter exercises share: cases, rubric, mistake models, probing.

``im_conv``, ``convolve``, ``opencv_im_conv`` and ``opencv_convolve`` all return a valid-mode
sliding-window weighted sum; they differ in whether the kernel is flipped and whether OpenCV
does the work. Their modules call :func:`cases`, :func:`rubric` and :func:`mistakes` with
those two switches.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np

from convkit.checking.models import (
    clipped,
    correlate,
    integral,
    truncated,
    valid_shape,
    windows,
    wrapped_around,
)
from convkit.checking.probing import LinearProbe
from convkit.checking.types import Case, Criterion, Mistake, Model
from convkit.exercises._cases import K2X3, K3X3, K4X4, distinct, rng_shape, u8_near_255

# the criteria ids
FORM, NONSQUARE, SQUARE, INTEGER, EVEN, UNMODIFIED = ("form", "non_square", "square",
                                                      "integer", "even", "unmodified")

TINY_IM = np.array([[1.0, 2.0, 0.0, 3.0], [4.0, 0.0, 5.0, 1.0], [2.0, 6.0, 1.0, 0.0]])
TINY_K = np.array([[1.0, 2.0], [0.0, -1.0]])
TINY = (TINY_IM, TINY_K)
_TINY_U8 = (np.array([[250, 251, 252], [253, 254, 255]], dtype=np.uint8), np.array([[1, 2]]))
_TINY_U8_FLOAT = (_TINY_U8[0], np.array([[1.0, 2.0]]))
_TINY_FRAC = (np.array([[1, 2, 4, 7], [3, 0, 5, 2], [6, 1, 1, 3]]), np.array([[0.5, 0.5]]))
_TINY_EVEN = (np.array([[1.0, 2.0, 0.0, 3.0, 1.0], [4.0, 0.0, 5.0, 1.0, 2.0],
                        [2.0, 6.0, 1.0, 0.0, 3.0], [0.0, 1.0, 3.0, 2.0, 5.0]]), TINY_K)


def probe(flipped: bool) -> LinearProbe:
    return LinearProbe(flipped=flipped)


def rubric(opencv: bool) -> tuple[Criterion, ...]:
    """The criteria of a linear filter (4 or 5 points)."""
    if opencv:
        return (
            Criterion(NONSQUARE, "odd-sized kernels (3x3, 1x1): the centre is the anchor", 1),
            Criterion(EVEN, "even-sized and non-square kernels (the anchor and the crop)", 1),
            Criterion(INTEGER, "a uint8 image near 255 (a float output depth)", 1),
            Criterion(UNMODIFIED, "inputs left unmodified", 1, "unmodified"),
        )
    return (
        Criterion(FORM, "a float64 array of shape (H - kh + 1, W - kw + 1)", 1, "form"),
        Criterion(NONSQUARE, "non-square images and kernels (asymmetric, full-size)", 1),
        Criterion(SQUARE, "square and 1x1 kernels", 1),
        Criterion(INTEGER, "integer and uint8 images (computed in float, no wrap-around)", 1),
        Criterion(UNMODIFIED, "inputs left unmodified", 1, "unmodified"),
    )


def remap(cases: list[Case], ids: dict[str, str]) -> list[Case]:
    """``cases`` with their criteria ids renamed by ``ids`` (for a smaller rubric)."""
    return [Case(c.label, c.args, c.hidden, tuple(dict.fromkeys(ids.get(i, i) for i in c.criteria)),
                 c.probe) for c in cases]


def visible(opencv: bool, flipped: bool = False) -> list[Case]:
    """The designed cases of a linear filter (the lesson's own examples last)."""
    first = []
    if not opencv:
        identity = np.zeros((3, 3))
        identity[1, 1] = 1.0
        which = "LEFT" if flipped else "RIGHT-hand"
        picked = "[[10, 20]]" if flipped else "[[30, 40]]"
        first = [
            Case("a 4x5 ramp with the 3x3 identity kernel (one 1 in the centre): the result is "
                 "the image without its 1-pixel frame, im[1:-1, 1:-1]",
                 (np.arange(20.0).reshape(4, 5), identity), criteria=(SQUARE,)),
            Case(f"the row [[10, 20, 30, 40]] with the kernel [[0, 0, 1]]: "
                 f"{'convolution' if flipped else 'the sliding window'} picks the {which} "
                 f"pixel of each window, {picked}",
                 (np.array([[10.0, 20.0, 30.0, 40.0]]), np.array([[0.0, 0.0, 1.0]])),
                 criteria=(NONSQUARE,)),
        ]
    u8_kernel = np.array([[1.0, 2.0], [3.0, 1.0]]) if opencv else np.array([[1, 2], [3, 1]])
    odd = NONSQUARE if opencv else SQUARE
    out = [
        Case("a 5x7 image (non-square) with a 2x3 asymmetric kernel", (distinct(5, 7), K2X3),
             criteria=(EVEN if opencv else NONSQUARE,)),
        Case("a 6x8 image with a 3x3 asymmetric kernel", (distinct(6, 8, 7), K3X3),
             criteria=(odd,)),
        Case("a uint8 image with values near 255 and a 2x2 kernel whose sums exceed 255",
             (u8_near_255(4, 5), u8_kernel), criteria=(INTEGER,)),
    ]
    if opencv:
        out.append(Case("a 7x9 image with a 4x4 kernel (even size: mind the anchor)",
                        (distinct(7, 9, 5), K4X4), criteria=(EVEN,)))
    else:
        out.append(Case("an integer image with a 3x3 blur kernel (the result is not whole "
                        "numbers)", (distinct(5, 6, 7, np.int64), np.full((3, 3), 1.0 / 9.0)),
                        criteria=(INTEGER,)))
    out += [
        Case("a 4x5 image with a 1x1 kernel", (distinct(4, 5, 3), np.array([[-2.0]])),
             criteria=(odd,)),
        Case("a 3x4 image with a 3x4 kernel (the full size of the image)",
             (distinct(3, 4, 5), distinct(3, 4, 7) - 6.0),
             criteria=(EVEN if opencv else NONSQUARE,)),
    ]
    return out + first


def hidden(rng: np.random.Generator, opencv: bool) -> list[Case]:
    """The seeded hidden cases of a linear filter (the same draws as ever for a seed)."""
    odd = NONSQUARE if opencv else SQUARE
    out = []
    h, w = rng_shape(rng, 8, 30)
    kh, kw = rng_shape(rng, 2, 5)
    out.append(Case("a non-square image with a non-square asymmetric kernel",
                    (rng.normal(size=(h, w)).round(3), rng.normal(size=(kh, kw)).round(3)),
                    True, (EVEN if opencv and (kh % 2 == 0 or kw % 2 == 0) else NONSQUARE,)))
    h, w = rng_shape(rng, 6, 20)
    out.append(Case("an image with a 3x3 asymmetric kernel",
                    (rng.integers(0, 100, (h, w)).astype(np.float64),
                     rng.normal(size=(3, 3)).round(2)), True, (odd,)))
    h, w = rng_shape(rng, 4, 12)
    k = rng.integers(1, 5, (3, 3))
    out.append(Case("a uint8 image near 255 with a 3x3 kernel whose sums exceed 255",
                    (rng.integers(200, 256, (h, w)).astype(np.uint8),
                     k.astype(np.float64) if opencv else k.astype(np.int64)), True, (INTEGER,)))
    h, w = rng_shape(rng, 8, 15) if opencv else rng_shape(rng, 5, 15)
    if opencv:  # an n x (n + 2) kernel, n <= 4: the image is at least 8x8 so it always fits
        n = int(rng.choice([2, 4]))
        out.append(Case("an image with an even-sized kernel (mind the anchor)",
                        (rng.normal(size=(h, w)).round(3), rng.normal(size=(n, n + 2)).round(3)),
                        True, (EVEN,)))
    else:
        n = int(rng.choice([3, 5]))
        out.append(Case("an integer image with a blur kernel",
                        (rng.integers(0, 50, (h, w)).astype(np.int64),
                         np.full((n, n), 1.0 / n**2)), True, (INTEGER,)))
    h, w = rng_shape(rng, 3, 10)
    out.append(Case("an image with a 1x1 kernel",
                    (rng.normal(size=(h, w)).round(3), np.array([[float(rng.integers(2, 9))]])),
                    True, (odd,)))
    h, w = rng_shape(rng, 2, 6)
    out.append(Case("a kernel the full size of the image",
                    (rng.normal(size=(h, w)).round(3), rng.normal(size=(h, w)).round(3)), True,
                    (EVEN if opencv and (h % 2 == 0 or w % 2 == 0) else NONSQUARE,)))
    h, w = rng_shape(rng, 10, 40)
    out.append(Case("a larger image with a 4x4 kernel",
                    (rng.normal(size=(h, w)).round(3), rng.normal(size=(4, 4)).round(3)), True,
                    (EVEN if opencv else SQUARE,)))
    return out


# --------------------------------------------------------------------------------------------
# mistake models
# --------------------------------------------------------------------------------------------


def _flip(k: np.ndarray) -> np.ndarray:
    return np.asarray(k)[::-1, ::-1]


def _uint8_models(ref: Callable[..., np.ndarray], ek: Callable[[np.ndarray], np.ndarray]
                  ) -> tuple[Model, ...]:
    def cast(im: np.ndarray, k: np.ndarray) -> np.ndarray | None:
        out = ref(im, k)
        if out.min() >= 0 and out.max() <= 255:
            return None
        with np.errstate(invalid="ignore"):
            return out.astype(np.uint8)

    def modulo(im: np.ndarray, k: np.ndarray) -> np.ndarray | None:
        out = ref(im, k)
        return np.trunc(out) % 256 if out.min() < 0 or out.max() > 255 else None

    def products(im: np.ndarray, k: np.ndarray) -> np.ndarray | None:
        if im.dtype != np.uint8 or not integral(k) or k.min() < 0:
            return None
        kk = ek(k)
        prods = windows(im, kk.shape).astype(np.uint8) * kk.astype(np.uint8)
        return prods.sum(axis=(2, 3), dtype=np.int64).astype(np.float64)

    return cast, modulo, products


def _anchor_shifts(im: np.ndarray, k: np.ndarray, pad: Literal["constant", "reflect"]
                   ) -> list[np.ndarray]:
    """filter2D-like outputs cropped at a wrong place: every wrong valid-sized crop."""
    kh, kw = np.shape(k)
    vh, vw = valid_shape(im, np.asarray(k))
    out = []
    for ay, ax in sorted({(kh // 2, kw // 2), (0, 0)}, reverse=True):
        same = correlate(im, k, "same", pad=pad, top_left=(ay, ax))
        starts = sorted(((r, c) for r in range(kh) for c in range(kw) if (r, c) != (ay, ax)),
                        key=lambda rc: abs(rc[0] - ay) + abs(rc[1] - ax))
        out += [same[r:r + vh, c:c + vw] for r, c in starts]
    return out


def _in_corner(out: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    big = np.zeros(shape)
    big[:out.shape[0], :out.shape[1]] = out
    return big


def _one_too_far(im: np.ndarray, k: np.ndarray) -> np.ndarray:
    padded = np.pad(np.asarray(im, dtype=np.float64), ((0, 1), (0, 1)))
    return correlate(padded, k)


def _matmul_model(im: np.ndarray, k: np.ndarray, kernel_first: bool) -> np.ndarray | None:
    k = np.asarray(k, dtype=np.float64)
    if k.shape[0] != k.shape[1] or k.shape[0] < 2:
        return None
    w = windows(np.asarray(im, dtype=np.float64), k.shape)
    prod = k @ w if kernel_first else w @ k
    return prod.sum(axis=(2, 3))


def _flat_model(im: np.ndarray, k: np.ndarray, how: str) -> list[np.ndarray]:
    """np.convolve / np.correlate on the flattened image, cut and reshaped as students do."""
    flat_im = np.asarray(im, dtype=np.float64).ravel()
    flat_k = np.asarray(k, dtype=np.float64).ravel()
    fn = np.convolve if how == "convolve" else np.correlate
    vh, vw = valid_shape(np.asarray(im), np.asarray(k))
    out: list[np.ndarray] = []
    for mode in ("valid", "full", "same"):
        flat = fn(flat_im, flat_k, mode=mode)
        out.append(flat)
        if flat.size >= vh * vw:
            out.append(flat[: vh * vw].reshape(vh, vw))
        if mode == "same":
            out.append(flat.reshape(np.shape(im))[:vh, :vw])
    return out


def mistakes(name: str, *, flipped: bool, opencv: bool) -> tuple[Mistake, ...]:
    """The mistake models of a linear filter named ``name`` (for the words)."""
    ek: Callable[[np.ndarray], np.ndarray] = _flip if flipped else (lambda k: np.asarray(k))

    def ref(im: np.ndarray, k: np.ndarray) -> np.ndarray:
        return correlate(im, ek(k))

    formula = ("out[r, c] = sum(im[r:r+kh, c:c+kw] * flipped_kernel)" if flipped else
               "out[r, c] = sum(im[r:r+kh, c:c+kw] * kernel)")
    out: list[Mistake] = []
    if flipped:
        out.append(Mistake(
            "flipped_image", "you flipped the image, not the kernel.",
            "Flipping the image turns the whole result upside down and back to front. "
            "Convolution flips the kernel: im_conv(im, kernel[::-1, ::-1]).",
            (lambda im, k: correlate(np.asarray(im)[::-1, ::-1], k),)))
        out.append(Mistake(
            "not_flipped", "the kernel is not flipped.",
            "You computed cross-correlation (what im_conv does). Convolution flips the kernel "
            "left-right AND up-down first: kernel[::-1, ::-1]."
            + (" cv2.filter2D does not flip: flip before calling it." if opencv else ""),
            (lambda im, k: correlate(im, k),)))
        out.append(Mistake(
            "half_flipped", "the kernel is flipped in one direction only.",
            "Convolution flips the kernel both left-right and up-down (kernel[::-1, ::-1]); "
            "yours is flipped in only one of the two directions.",
            (lambda im, k: correlate(im, np.asarray(k)[:, ::-1]),
             lambda im, k: correlate(im, np.asarray(k)[::-1, :]))))
    else:
        out.append(Mistake(
            "flipped_kernel", "the kernel is flipped.",
            ("cv2.filter2D already computes the unflipped sliding-window sum that im_conv "
             "computes: do not flip the kernel here." if opencv else
             f"You computed a true convolution. {name} slides the kernel as it is, without "
             "flipping: " + formula + "."),
            (lambda im, k: correlate(im, _flip(k)),
             lambda im, k: correlate(im, np.asarray(k)[:, ::-1]),
             lambda im, k: correlate(im, np.asarray(k)[::-1, :]))))
    out.append(Mistake(
        "transposed", "rows and columns are swapped.",
        "A NumPy image is indexed im[row, col] and its shape is (height, width): "
        "`h, w = im.shape`, not `w, h = im.shape`. The output has H - kh + 1 rows and "
        "W - kw + 1 columns; yours has rows and columns exchanged (check the order of your "
        "loops and of your indices).",
        (lambda im, k: ref(im, k).T,
         lambda im, k: correlate(im, ek(k).T),
         lambda im, k: correlate(np.asarray(im).T, ek(k)).T if np.ndim(im) == 2 else None,
         lambda im, k: correlate(np.asarray(im).T, ek(k).T)),
        lambda im, k, shape: shape == valid_shape(im, k)[::-1]))
    if opencv:
        out.append(Mistake(
            "uint8_saturation", "your result is clipped at 255: ddepth=-1 keeps uint8.",
            "With ddepth=-1 the output has the input's type; for a uint8 image filter2D rounds "
            "and saturates every value to 0..255. Ask for a float output: ddepth=cv2.CV_64F.",
            (lambda im, k: clipped(ref(im, k), True), lambda im, k: clipped(ref(im, k))),
            tiny=_TINY_U8_FLOAT))
        out.append(Mistake(
            "anchor_shift", "your result is shifted: mind the kernel's anchor.",
            "filter2D puts the kernel's anchor on each pixel; the default anchor (-1, -1) is "
            "the kernel centre (kh // 2, kw // 2), which for an even-sized kernel is not "
            "where (kh - 1) / 2 would put it. Either pass anchor=(0, 0) and crop "
            "out[:H-kh+1, :W-kw+1], or keep the default anchor and crop "
            "out[kh//2 : kh//2 + H-kh+1, kw//2 : kw//2 + W-kw+1].",
            (lambda im, k: _anchor_shifts(im, ek(k), "constant"),
             lambda im, k: _anchor_shifts(im, ek(k), "reflect")),
            tiny=_TINY_EVEN))
        out.append(Mistake(
            "not_cropped", "the border is not cropped: filter2D keeps the image size.",
            "filter2D pads the image and returns an output as large as the input. The valid "
            "result only has the H - kh + 1 by W - kw + 1 positions where the kernel "
            "fits entirely: crop the border away (and use borderType=cv2.BORDER_CONSTANT, "
            "the default BORDER_REFLECT_101 invents values outside the image).",
            (lambda im, k: correlate(im, ek(k), "same"),
             lambda im, k: correlate(im, ek(k), "same", pad="reflect")),
            lambda im, k, shape: shape == im.shape))
    out.append(Mistake(
        "off_by_one", "the output is one row or column short (or too long).",
        "A kernel of height kh fits at H - kh + 1 rows (0, 1, ..., H - kh): loop with "
        "range(H - kh + 1) and range(W - kw + 1), and take windows im[r:r+kh, c:c+kw] (the "
        "stop of a slice is excluded).",
        (lambda im, k: ref(im, k)[:-1, :-1], lambda im, k: ref(im, k)[1:, 1:],
         lambda im, k: ref(im, k)[:-1, :], lambda im, k: ref(im, k)[:, :-1],
         lambda im, k: _one_too_far(im, ek(k))),
        lambda im, k, shape: len(shape) == 2 and shape != valid_shape(im, k) and all(
            abs(a - b) <= 1 for a, b in zip(shape, valid_shape(im, k), strict=True))
        and shape != im.shape))
    out.append(Mistake(
        "empty_result", "your result is empty.",
        "A crop like out[kh//2 : -(kh//2)] is empty when kh // 2 is 0 (a 1-pixel kernel side): "
        "-0 is 0, and out[0:0] holds nothing. Give the stop explicitly: "
        "out[top : top + H - kh + 1, left : left + W - kw + 1].",
        (), lambda im, k, shape: 0 in shape))
    out.append(Mistake(
        "wrong_mode_same", "the output has the image's size ('same' mode).",
        "Valid mode only places the kernel where it fits entirely inside the image, so the "
        "output is smaller: (H - kh + 1, W - kw + 1). Padding the image with zeros gives "
        "'same' mode; an output made with np.zeros_like(im) or np.zeros(im.shape) has its last "
        "kh - 1 rows and kw - 1 columns never filled.",
        (lambda im, k: _in_corner(ref(im, k), im.shape),
         lambda im, k: correlate(im, ek(k), "same"),
         lambda im, k: correlate(im, ek(k), "same",
                                 top_left=((k.shape[0] - 1) // 2, (k.shape[1] - 1) // 2))),
        lambda im, k, shape: shape == im.shape))
    out.append(Mistake(
        "wrong_mode_full", "the output is too large ('full' mode).",
        "Your output has shape (H + kh - 1, W + kw - 1): that is 'full' mode, every position "
        "where the kernel overlaps the image at all (scipy.signal.convolve2d's default). "
        "This exercise wants valid mode: (H - kh + 1, W - kw + 1).",
        (lambda im, k: correlate(im, ek(k), "full"),),
        lambda im, k, shape: shape == (im.shape[0] + k.shape[0] - 1,
                                       im.shape[1] + k.shape[1] - 1)))
    if not opencv:
        out.append(Mistake(
            "uint8_saturation", "your result is clipped at 255.",
            "The sums of a uint8 image can exceed 255: compute and return float64 values "
            "instead of clipping them to 0..255.",
            (lambda im, k: clipped(ref(im, k), True), lambda im, k: clipped(ref(im, k))),
            tiny=_TINY_U8))
    out.append(Mistake(
        "uint8_wraparound", "uint8 wrap-around: your values wrapped past 255.",
        "The image is uint8, which only holds 0..255: 250 + 10 gives 4, not 260. Your result "
        "was stored in (or computed as) uint8. Convert first, im.astype(np.float64), and "
        "build the output with np.zeros(shape) (float64), not np.zeros_like(im)."
        + (" With OpenCV, ask for ddepth=cv2.CV_64F." if opencv else ""),
        _uint8_models(ref, ek),
        tiny=_TINY_U8_FLOAT if opencv else _TINY_U8, predicate=wrapped_around))
    out.append(Mistake(
        "integer_truncation", "your result lost its fractions (integer truncation).",
        "Your values were turned into whole numbers: an output made with "
        "np.zeros_like(im) has the image's integer dtype, and assigning 2.5 into it stores 2. "
        "Use np.zeros(shape) (float64) for the output.",
        (lambda im, k: np.trunc(ref(im, k)) if not integral(ref(im, k)) else None,
         lambda im, k: np.rint(ref(im, k)) if not integral(ref(im, k)) else None,
         lambda im, k: np.floor(ref(im, k)) if not integral(ref(im, k)) else None),
        tiny=_TINY_FRAC, predicate=truncated))
    if not opencv:
        out.append(Mistake(
            "matmul", "`@` (matrix product) is not the elementwise product.",
            "`window @ kernel` (or np.dot) multiplies matrices, rows times columns. The "
            "weighted sum multiplies matching entries and adds them: "
            "np.sum(window * kernel).",
            (lambda im, k: _matmul_model(im, ek(k), False),
             lambda im, k: _matmul_model(im, ek(k), True))))
        out.append(Mistake(
            "flattened_np_convolve", "the image was flattened (rows wrap around).",
            "np.convolve / np.correlate work on 1-D signals. A flattened 3x3 kernel becomes a "
            "9-tap horizontal filter that never sees the pixels above and below, and "
            "flattening the image glues each row to the next, so windows wrap from the end "
            "of one row to the start of the next. Slide a 2-D window instead: "
            + formula + ".",
            (lambda im, k: _flat_model(im, ek(k), "convolve"),
             lambda im, k: _flat_model(im, ek(k), "correlate"),
             lambda im, k: _flat_model(im, ek(k)[::-1, ::-1], "convolve"),
             lambda im, k: _flat_model(im, ek(k)[::-1, ::-1], "correlate")),
            lambda im, k, shape: len(shape) == 1))
    out.append(Mistake(
        "kernel_ignored", "the kernel's weights are not used.",
        "Each output value is a *weighted* sum: multiply the window by the kernel, entry by "
        "entry, before adding: np.sum(window * kernel).",
        (lambda im, k: correlate(im, np.ones(np.shape(k))),
         lambda im, k: correlate(im, np.ones(np.shape(k))) / np.size(k))))
    out.append(Mistake(
        "mean_instead_of_sum", "you averaged instead of adding.",
        "np.mean(window * kernel) divides by the number of entries; the weighted sum is "
        "np.sum(window * kernel) (a blur kernel already contains its own 1/n).",
        (lambda im, k: ref(im, k) / np.size(k) if np.size(k) > 1 else None,)))
    return tuple(out)
