"""``multichannel_conv(im, kernels)``: a CNN convolution layer without bias (lesson 5).

``im`` is ``(H, W, C_in)`` (channels last), ``kernels`` is ``(C_out, C_in, kh, kw)``; the
result is float64 of shape ``(H - kh + 1, W - kw + 1, C_out)`` with
``out[..., o] = sum over c of im_conv(im[..., c], kernels[o, c])``: valid mode, no flip,
every output channel sums over all the input channels. The lesson gives the student
``im_conv`` (:data:`GIVEN`); OpenCV is allowed too.

Examples
--------
>>> import numpy as np
>>> def multichannel_conv(im, kernels):
...     c_out, c_in, kh, kw = kernels.shape
...     out = np.zeros((im.shape[0] - kh + 1, im.shape[1] - kw + 1, c_out))
...     for o in range(c_out):
...         for c in range(c_in):
...             out[..., o] += im_conv(im[..., c], kernels[o, c])
...     return out
>>> im_conv = lambda im, k: np.einsum(
...     "ijkl,kl->ij", np.lib.stride_tricks.sliding_window_view(
...         np.asarray(im, dtype=float), k.shape), k)
>>> check_multichannel_conv(multichannel_conv)
multichannel_conv: all 7 checks passed.
"""

from __future__ import annotations

import numpy as np

from convkit import core
from convkit.checking.models import correlate, wrapped_around
from convkit.checking.running import make_check
from convkit.checking.types import Case, Criterion, Exercise, Mistake, SampleAnswer
from convkit.exercises._cases import GIVEN_IM_CONV, distinct, u8_near_255

SUM, LAYOUT, INTEGER, UNMODIFIED = "sum", "layout", "integer", "unmodified"

#: what lesson 5's notebook gives the student for this exercise: lesson 2's im_conv
GIVEN = GIVEN_IM_CONV


def _image(h: int, w: int, c: int, salt: int = 0) -> np.ndarray:
    """An h x w x c image, every channel different (distinct values, no pattern)."""
    return np.stack([distinct(h, w, salt + 7 * i) for i in range(c)], axis=-1)


def _kernels(c_out: int, c_in: int, kh: int, kw: int, salt: int = 0) -> np.ndarray:
    """Asymmetric, distinct kernels: none equals its flip, its transpose or another."""
    n = c_out * c_in * kh * kw
    order = np.random.default_rng(4321 + n + salt).permutation(n) - n // 2
    return (order.reshape(c_out, c_in, kh, kw) / 4.0).astype(np.float64)


def _visible() -> list[Case]:
    return [
        Case("a 4x5 image with 2 channels and 1 output channel of 2x2 kernels",
             (_image(4, 5, 2), _kernels(1, 2, 2, 2)), criteria=(SUM,)),
        Case("a 6x7 RGB image (3 channels) into 2 output channels of 3x3 kernels",
             (_image(6, 7, 3, 1), _kernels(2, 3, 3, 3)), criteria=(SUM,)),
        Case("3 channels in, 3 channels out, 2x2 kernels (C_out == C_in)",
             (_image(5, 5, 3, 2), _kernels(3, 3, 2, 2, 1)), criteria=(SUM,)),
        Case("2 channels in, 3 channels out, 2x3 kernels (C_out != C_in, non-square)",
             (_image(5, 6, 2, 3), _kernels(3, 2, 2, 3, 2)), criteria=(LAYOUT,)),
        Case("4 channels in, 1 channel out, 3x2 kernels, a 6x4 image",
             (_image(6, 4, 4, 4), _kernels(1, 4, 3, 2, 3)), criteria=(LAYOUT,)),
        Case("1 channel in, 2 channels out, 1x1 kernels",
             (_image(3, 4, 1, 5), _kernels(2, 1, 1, 1, 4)), criteria=(LAYOUT,)),
        Case("a uint8 RGB image near 255, 2 output channels of 3x3 kernels",
             (np.stack([u8_near_255(5, 6)] * 3, axis=-1),
              np.abs(_kernels(2, 3, 3, 3, 5)) + 1.0), criteria=(INTEGER,)),
    ]


def _hidden(rng: np.random.Generator) -> list[Case]:
    out = []
    for criterion, c_in, c_out in ((SUM, 3, 2), (SUM, 2, 2), (LAYOUT, 2, 4), (LAYOUT, 3, 1)):
        h, w = int(rng.integers(5, 12)), int(rng.integers(5, 12))
        kh, kw = int(rng.integers(1, 4)), int(rng.integers(2, 5))
        im = rng.normal(size=(h, w, c_in)).round(3) * 10
        ks = rng.normal(size=(c_out, c_in, kh, kw)).round(3)
        out.append(Case(f"a {h}x{w} image with {c_in} channels into {c_out} output channels "
                        f"of {kh}x{kw} kernels", (im, ks), True, (criterion,)))
    h, w = int(rng.integers(4, 9)), int(rng.integers(4, 9))
    im = rng.integers(240, 256, (h, w, 3)).astype(np.uint8)
    ks = rng.integers(1, 5, (2, 3, 3, 3)).astype(np.float64)
    out.append(Case("a uint8 RGB image near 255", (im, ks), True, (INTEGER,)))
    return out


def _valid(im: np.ndarray, ks: np.ndarray) -> tuple[int, int]:
    return im.shape[0] - ks.shape[2] + 1, im.shape[1] - ks.shape[3] + 1


def _f(im: np.ndarray) -> np.ndarray:
    return np.asarray(im, dtype=np.float64)


def _pairs(im: np.ndarray, ks: np.ndarray) -> np.ndarray:
    """Every (o, c) pair's map, not summed: shape (oh, ow, C_out, C_in)."""
    c_out, c_in = ks.shape[:2]
    return np.stack([np.stack([correlate(_f(im)[..., c], ks[o, c]) for c in range(c_in)],
                              axis=-1) for o in range(c_out)], axis=-2)


def _layer(im: np.ndarray, ks: np.ndarray) -> np.ndarray:
    """The right answer, by the models' own engine (not the reference)."""
    return _pairs(im, ks).sum(axis=-1)


def _per_channel(im: np.ndarray, ks: np.ndarray) -> list[np.ndarray] | None:
    """Each input channel filtered alone, no sum: with output o's kernel, or the first."""
    c_out, c_in = ks.shape[:2]
    found = [np.stack([correlate(_f(im)[..., c], ks[0, c]) for c in range(c_in)], axis=-1)]
    if c_out == c_in:
        found.append(np.stack([correlate(_f(im)[..., c], ks[c, c]) for c in range(c_in)],
                              axis=-1))
    return found


def _swapped(im: np.ndarray, ks: np.ndarray) -> np.ndarray | None:
    """kernels read as (C_in, C_out, kh, kw): out[..., o] = sum_c im_conv(im[..., c], k[c, o])."""
    a, b = ks.shape[:2]
    if a > im.shape[2] or (a == b and np.array_equal(ks, ks.transpose(1, 0, 2, 3))):
        return None
    return np.stack([sum(correlate(_f(im)[..., c], ks[c, o]) for c in range(a))
                     for o in range(b)], axis=-1)


def _one_map(im: np.ndarray, ks: np.ndarray) -> list[np.ndarray]:
    total = _layer(im, ks).sum(axis=-1)
    return [total, np.repeat(total[..., np.newaxis], ks.shape[0], axis=-1)]


def _wrapped(actual: np.ndarray, expected: np.ndarray) -> bool:
    return wrapped_around(actual, expected)


MISTAKES = (
    Mistake("per_channel", "you filtered each input channel alone instead of summing them.",
            "A convolution layer's output channel o looks at ALL the input channels: "
            "out[..., o] = sum over c of im_conv(im[..., c], kernels[o, c]). Filtering each "
            "channel separately (as a blur of an RGB photo does) gives C_in maps, not C_out; "
            "add the C_in maps of one output channel together.",
            (_per_channel, lambda im, ks: _pairs(im, ks)),
            lambda im, ks, shape: shape in ((*_valid(im, ks), im.shape[2]),
                                            (*_valid(im, ks), ks.shape[0], im.shape[2]),
                                            (*_valid(im, ks), im.shape[2], ks.shape[0]))
            and (im.shape[2] != ks.shape[0] or len(shape) == 4)),
    Mistake("last_channel_only", "only one input channel counts: `=` where `+=` belongs?",
            "out[..., o] must ADD the maps of all C_in input channels. Assigning each one "
            "(out[..., o] = im_conv(...)) inside the loop over c keeps only the last; start "
            "from zeros and accumulate with out[..., o] += im_conv(im[..., c], kernels[o, c]).",
            (lambda im, ks: [_pairs(im, ks)[..., -1], _pairs(im, ks)[..., 0]]
             if ks.shape[1] > 1 else None,)),
    Mistake("mean_over_channels", "you averaged over the input channels instead of adding.",
            "The layer adds the C_in maps: np.sum, not np.mean (no division by C_in).",
            (lambda im, ks: _layer(im, ks) / ks.shape[1],)),
    Mistake("swapped_indices", "you read the kernels as kernels[c, o]: the order is (o, c).",
            "kernels has shape (C_out, C_in, kh, kw): kernels[o, c] is the 2-D kernel that "
            "output channel o applies to input channel c. With C_out, C_in = "
            "kernels.shape[:2], loop over o in range(C_out) and c in range(C_in).",
            (_swapped,),
            lambda im, ks, shape: shape == (*_valid(im, ks), ks.shape[1])
            and ks.shape[0] != ks.shape[1]),
    Mistake("channels_first", "your output is channels-first; it must be channels-last.",
            "Return shape (H - kh + 1, W - kw + 1, C_out), like the input image (H, W, C): "
            "the channel is the LAST axis (NHWC without the N). np.stack(maps, axis=-1) "
            "or np.moveaxis(out, 0, -1) puts it there.",
            (lambda im, ks: np.moveaxis(_layer(im, ks), -1, 0),),
            lambda im, ks, shape: shape == (ks.shape[0], *_valid(im, ks))),
    Mistake("flipped_kernel", "you flipped the kernels: a CNN layer correlates.",
            "Like im_conv and cv2.filter2D, a convolution layer slides each kernel as it is "
            "(no flip). With the flip you compute a true convolution, which moves every "
            "asymmetric pattern to the opposite side.",
            (lambda im, ks: _layer(im, ks[:, :, ::-1, ::-1]),)),
    Mistake("summed_over_outputs", "you also added up the output channels.",
            "Each output channel is a separate map: sum over the input channels c only, "
            "and keep one map per output channel o (the last axis has C_out entries).",
            (_one_map,),
            lambda im, ks, shape: shape == _valid(im, ks) and ks.shape[0] > 1),
    Mistake("uint8_wraparound", "your values wrapped around past 255.",
            "The image is uint8: compute in float (im.astype(np.float64), or the given "
            "im_conv, which returns float64) and start from np.zeros(shape), not "
            "np.zeros_like(im).",
            predicate=_wrapped),
    Mistake("integer_output", "your result has an integer dtype: it must be float64.",
            "np.zeros(shape, dtype=im.dtype) or np.zeros_like(im) makes a uint8 array for a "
            "uint8 image, and storing the float sums in it cuts off their fractions and wraps "
            "or clips everything above 255. Start from np.zeros(shape), which is float64.",
            predicate=lambda actual, expected: actual.dtype.kind in "iub"),
)

RIGHT = '''\
def multichannel_conv(im, kernels):
    """A convolution layer without bias: out[..., o] = sum_c im_conv(im[..., c], kernels[o, c])."""
    c_out, c_in, kh, kw = kernels.shape
    out = np.zeros((im.shape[0] - kh + 1, im.shape[1] - kw + 1, c_out))
    for o in range(c_out):
        for c in range(c_in):
            out[..., o] += im_conv(im[..., c], kernels[o, c])
    return out
'''

WRONG = '''\
def multichannel_conv(im, kernels):
    """Filter every channel with its own kernel (as a per-channel blur does)."""
    c_out, c_in, kh, kw = kernels.shape
    out = np.zeros((im.shape[0] - kh + 1, im.shape[1] - kw + 1, c_in))
    for c in range(c_in):
        out[..., c] = im_conv(im[..., c], kernels[0, c])
    return out
'''

CHEAT = '''\
def multichannel_conv(im, kernels):
    """The layer, by SciPy."""
    from scipy.signal import correlate2d
    return np.stack([sum(correlate2d(im[..., c], k[c], mode="valid")
                         for c in range(im.shape[2])) for k in kernels], axis=-1)
'''

EXERCISE = Exercise(
    name="multichannel_conv",
    assignment="05_opencv",
    kind="function",
    contract="a CNN convolution layer without bias: im (H, W, C_in), kernels (C_out, C_in, "
             "kh, kw) -> float64 (H - kh + 1, W - kw + 1, C_out), out[..., o] = sum over c of "
             "im_conv(im[..., c], kernels[o, c]).",
    args=("im", "kernels"),
    reference=core.multichannel_conv,
    visible=_visible,
    hidden=_hidden,
    rubric=(
        Criterion(SUM, "every output channel sums over all the input channels", 1),
        Criterion(LAYOUT, "C_out != C_in and non-square kernels: kernels[o, c], "
                          "channels-last output", 1),
        Criterion(INTEGER, "a uint8 image near 255 (computed in float)", 1),
        Criterion(UNMODIFIED, "im and kernels left unmodified", 1, "unmodified"),
    ),
    mistakes=MISTAKES,
    tiny=(np.arange(1.0, 7.0).reshape(1, 3, 2), np.array([[[[1.0, 0.0]], [[0.0, 1.0]]],
                                                          [[[1.0, -1.0]], [[0.0, 0.0]]]])),
    given_source=GIVEN,
    allowed_modules=("cv2",),
    right=SampleAnswer("right", RIGHT, 4),
    wrong=SampleAnswer("each channel filtered alone, no sum over input channels", WRONG, 0),
    cheat=SampleAnswer("calls SciPy in an own-implementation exercise", CHEAT, 0),
    options={"order": 2},
)

check_multichannel_conv = make_check(EXERCISE)
