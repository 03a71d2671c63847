"""``conv_output_shape(im_shape, kernel_shape, mode="valid", padding=0, stride=1)`` (lesson 1).

A tuple of two Python ints, ``(height, width)``. Per axis, ``n`` the image's size and ``k``
the kernel's: ``valid`` gives ``floor((n + 2 * padding - k) / stride) + 1``, ``same`` gives
``n``, ``full`` gives ``n + k - 1``; ``padding`` is an int or ``(rows, cols)`` (zeros added
on each side), ``stride`` an int >= 1. Padding and stride only go with ``valid``: ``same``
and ``full`` are paddings of their own, so no case combines them.

The cases call the function the way the lesson does: ``(im_shape, kernel_shape, mode)``,
once with the default mode ``(im_shape, kernel_shape)``, and with all five arguments for
padding and stride. The mistakes named: (width, height) swapped, another mode's size,
``/`` instead of ``//`` (a float, and no rounding down), rounding up (``ceil``), the
padding counted on one side only, ignored, or its ``(rows, cols)`` swapped, the stride
ignored, one window short (the ``+ 1`` forgotten, or the stride-1 count divided by the
stride).

Examples
--------
>>> def conv_output_shape(im_shape, kernel_shape, mode="valid", padding=0, stride=1):
...     (h, w), (kh, kw) = im_shape, kernel_shape
...     if mode == "same":
...         return (h, w)
...     if mode == "full":
...         return (h + kh - 1, w + kw - 1)
...     pr, pc = (padding, padding) if isinstance(padding, int) else padding
...     return ((h + 2 * pr - kh) // stride + 1, (w + 2 * pc - kw) // stride + 1)
>>> check_conv_output_shape(conv_output_shape)
conv_output_shape: all 20 checks passed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from convkit import core
from convkit.checking.comparing import is_int
from convkit.checking.diagnosing import wrong_type_verdict
from convkit.checking.messages import plain
from convkit.checking.running import make_check
from convkit.checking.types import Case, Criterion, Exercise, Mistake, SampleAnswer, Verdict
from convkit.exercises._cases import rng_shape

MODES, PADDING, STRIDE, BOTH = "modes", "padding", "stride", "padding_and_stride"

Shape = tuple[int, int]
Args = tuple[Shape, Shape, str, Shape, int]  # im, kernel, mode, (pad rows, pad cols), stride


def _normal(args: tuple) -> Args:
    """A case's arguments with the defaults filled in and the padding as (rows, cols)."""
    im, k = tuple(args[0]), tuple(args[1])
    mode = args[2] if len(args) > 2 else "valid"
    padding = args[3] if len(args) > 3 else 0
    stride = args[4] if len(args) > 4 else 1
    pad = (padding, padding) if isinstance(padding, int) else tuple(padding)
    return im, k, mode, pad, stride


def _axis(n: int, k: int, p: int, s: int) -> int:
    return (n + 2 * p - k) // s + 1


def _valid(im: Shape, k: Shape, pad: Shape, s: int,
           axis: Callable[[int, int, int, int], Any] = _axis) -> tuple:
    return (axis(im[0], k[0], pad[0], s), axis(im[1], k[1], pad[1], s))


def _shape_for(*args: Any) -> Shape:
    return core.conv_output_shape(*args)


def _describe(args: tuple) -> str:
    """``image (5, 7), kernel (2, 3), mode 'valid', padding 2, stride 1`` (as given)."""
    im, k, mode, pad, s = _normal(args)
    text = f"image shape {im}, kernel shape {k}"
    if len(args) > 2:
        text += f", mode {mode!r}"
    if len(args) > 3:
        text += f", padding {args[3]!r}, stride {s}"
    return text


# --------------------------------------------------------------------------------------------
# the cases
# --------------------------------------------------------------------------------------------


def _case(label: str, args: tuple, criteria: tuple[str, ...], hidden: bool = False) -> Case:
    return Case(label, args, hidden, criteria)


def _visible() -> list[Case]:
    modes = [
        ((5, 5), (3, 3), "valid"),
        ((5, 7), (2, 3), "valid"), ((5, 7), (2, 3), "full"), ((5, 7), (2, 3), "same"),
        ((6, 4), (3, 3), "valid"), ((6, 4), (3, 3), "full"), ((6, 4), (3, 3), "same"),
        ((4, 5), (1, 1), "valid"), ((3, 4), (3, 4), "valid"), ((3, 4), (3, 4), "full"),
    ]
    out = [_case(f"an image of shape {i} and a kernel of shape {k}, mode {m!r}", (i, k, m),
                 (MODES,)) for i, k, m in modes]
    out.append(_case("an image of shape (6, 8) and a kernel of shape (3, 3), no mode given "
                     "(the default is 'valid')", ((6, 8), (3, 3)), (MODES,)))
    out += [
        _case("a (5, 7) image, a (2, 3) kernel, mode 'valid', padding 2 (on each side), "
              "stride 1", ((5, 7), (2, 3), "valid", 2, 1), (PADDING,)),
        _case("a (5, 5) image, a (3, 3) kernel, mode 'valid', padding 1, stride 1 (the 'same' "
              "size)", ((5, 5), (3, 3), "valid", 1, 1), (PADDING,)),
        _case("a (6, 4) image, a (3, 3) kernel, mode 'valid', padding (2, 0): 2 rows above and "
              "below, no columns; stride 1", ((6, 4), (3, 3), "valid", (2, 0), 1), (PADDING,)),
        _case("a (2, 3) image and a (4, 5) kernel, larger than the image: padding (1, 1) makes "
              "it fit; stride 1", ((2, 3), (4, 5), "valid", (1, 1), 1), (PADDING,)),
        _case("a (7, 7) image, a (3, 3) kernel, mode 'valid', padding 0, stride 2",
              ((7, 7), (3, 3), "valid", 0, 2), (STRIDE,)),
        _case("an (8, 8) image, a (3, 3) kernel, padding 0, stride 2, which does not divide "
              "8 - 3", ((8, 8), (3, 3), "valid", 0, 2), (STRIDE,)),
        _case("a (6, 9) image, a (2, 2) kernel, padding 0, stride 3 (larger than the kernel)",
              ((6, 9), (2, 2), "valid", 0, 3), (STRIDE,)),
        _case("a (7, 8) image, a (3, 3) kernel, padding 1, stride 2",
              ((7, 8), (3, 3), "valid", 1, 2), (BOTH,)),
        _case("an (11, 7) image, a (3, 2) kernel, padding (0, 2), stride 2",
              ((11, 7), (3, 2), "valid", (0, 2), 2), (BOTH,)),
    ]
    return out


def _draw(rng: np.random.Generator, padding: str, stride: bool) -> tuple[Shape, Shape, Any, int]:
    """A non-square image and kernel, a padding (``"none"``, ``"int"`` or ``"pair"``) and a
    stride (1, or one that does not divide ``n + 2p - k`` on at least one axis)."""
    while True:
        im = rng_shape(rng, 5, 40)
        k = rng_shape(rng, 1, min(im) // 2 + 1)
        pad: Any = 0
        if padding == "int":
            pad = int(rng.integers(1, 4))
        elif padding == "pair":
            first = int(rng.integers(0, 4))
            pad = (first, first + int(rng.integers(1, 3)))
        pr, pc = (pad, pad) if isinstance(pad, int) else pad
        s = int(rng.integers(2, 5)) if stride else 1
        if s == 1 or (im[0] + 2 * pr - k[0]) % s or (im[1] + 2 * pc - k[1]) % s:
            return im, k, pad, s


def _hidden(rng: np.random.Generator) -> list[Case]:
    out = []
    for mode in ("valid", "same", "full", "valid", "full"):
        im = rng_shape(rng, 5, 40)
        k = rng_shape(rng, 1, min(im))
        out.append(_case(f"a non-square image and kernel, mode {mode!r}", (im, k, mode),
                         (MODES,), True))
    im = rng_shape(rng, 3, 20)
    out.append(_case("a kernel the full size of the image, mode 'valid'", (im, im, "valid"),
                     (MODES,), True))
    out.append(_case("a 1x1 kernel, mode 'full'", (im, (1, 1), "full"), (MODES,), True))
    im = rng_shape(rng, 5, 40)
    out.append(_case("no mode given (the default, 'valid')", (im, rng_shape(rng, 1, 5)),
                     (MODES,), True))
    for label, padding in (("an int padding", "int"), ("a (rows, cols) padding", "pair")):
        im, k, pad, s = _draw(rng, padding, stride=False)
        out.append(_case(f"{label}, stride 1", (im, k, "valid", pad, s), (PADDING,), True))
    for label in ("a stride that does not divide", "another stride that does not divide"):
        im, k, pad, s = _draw(rng, "none", stride=True)
        out.append(_case(label + ", no padding", (im, k, "valid", pad, s), (STRIDE,), True))
    im = rng_shape(rng, 6, 40)
    s = int(rng.integers(3, 6))
    out.append(_case("a stride larger than the kernel, no padding",
                     (im, (s - 1, s - 2 if s > 3 else 1), "valid", 0, s), (STRIDE,), True))
    for label, padding in (("an int padding", "int"), ("a (rows, cols) padding", "pair")):
        im, k, pad, s = _draw(rng, padding, stride=True)
        out.append(_case(f"{label} and a stride that does not divide",
                         (im, k, "valid", pad, s), (BOTH,), True))
    return out


# --------------------------------------------------------------------------------------------
# the mistakes: each model gives the wrong shape of a case, or None where it does not apply
# --------------------------------------------------------------------------------------------


def _only_valid(model: Callable[[Shape, Shape, Shape, int], Any]) -> Callable[..., Any]:
    def apply(*args: Any) -> Any:
        im, k, mode, pad, s = _normal(args)
        return model(im, k, pad, s) if mode == "valid" else None
    return apply


def _true_division(n: int, k: int, p: int, s: int) -> float:
    return (n + 2 * p - k) / s + 1


def _ceil(n: int, k: int, p: int, s: int) -> int:
    return math.ceil((n + 2 * p - k) / s) + 1


def _padding_once(n: int, k: int, p: int, s: int) -> int:
    return (n + p - k) // s + 1


def _no_plus_one(n: int, k: int, p: int, s: int) -> int:
    return (n + 2 * p - k) // s


def _count_over_stride(n: int, k: int, p: int, s: int) -> int:
    return (n + 2 * p - k + 1) // s


_FORMULA = "floor((n + 2p - k) / s) + 1 per axis (n the image's size, k the kernel's)"

_MISTAKES = (
    Mistake("true_division", "use // (floor division), not /: sizes are whole numbers.",
            "In Python, / always gives a float, even 6 / 2 = 3.0, and when the stride does "
            "not divide it gives a fraction like 3.5, but half a window does not exist: the "
            "window stops at the last position that fits. // rounds down and gives an int: "
            f"{_FORMULA}.",
            (_only_valid(lambda im, k, pad, s: _valid(im, k, pad, s, _true_division)),)),
    Mistake("transposed", "(height, width) are swapped.",
            "A shape is (rows, columns) = (height, width), like im.shape: the first number "
            "comes from the heights (im_shape[0], kernel_shape[0]), the second from the widths.",
            (lambda *args: _shape_for(*args)[::-1],)),
    Mistake("ceil", "rounded up: a window may not stick out past the padded edge.",
            "When the stride does not divide n + 2p - k, one more jump would push the window "
            "past the edge of the (padded) image, so that window does not exist: round down, "
            f"{_FORMULA}. (TensorFlow's padding='SAME' gives ceil(n / s) only because it adds "
            "extra padding, at the bottom and right, so that the last window fits.)",
            (_only_valid(lambda im, k, pad, s: _valid(im, k, pad, s, _ceil)),)),
    Mistake("padding_once", "the padding counts on both sides: 2 * padding.",
            "padding=p adds p rows above the image and p below (p columns left and p right), "
            f"so the padded size is n + 2p: {_FORMULA}.",
            (_only_valid(lambda im, k, pad, s: _valid(im, k, pad, s, _padding_once)
                         if pad != (0, 0) else None),)),
    Mistake("padding_ignored", "the padding is missing.",
            "padding=p adds p zeros on each side, so the kernel has n + 2p positions to slide "
            f"over, not n: {_FORMULA}.",
            (_only_valid(lambda im, k, pad, s: _valid(im, k, (0, 0), s)
                         if pad != (0, 0) else None),)),
    Mistake("padding_swapped", "padding (rows, cols) is swapped.",
            "padding=(rows, cols) adds `rows` rows above and below (it changes the height) and "
            "`cols` columns left and right (it changes the width), in the order of a shape.",
            (_only_valid(lambda im, k, pad, s: _valid(im, k, pad[::-1], s)
                         if pad[0] != pad[1] else None),)),
    Mistake("stride_ignored", "the stride is missing.",
            "With stride s the window jumps s pixels at a time, so only every s-th position "
            f"is kept: {_FORMULA}, with s = stride.",
            (_only_valid(lambda im, k, pad, s: _valid(im, k, pad, 1) if s != 1 else None),)),
    Mistake("off_by_one", "one window short: count the first window too (the + 1).",
            "The first window starts at 0; each jump of s pixels adds one more while it still "
            "fits: 1 + floor((n + 2p - k) / s) windows. Forgetting the + 1, or dividing the "
            "stride-1 count n + 2p - k + 1 by s, loses one. For valid mode without padding or "
            "stride that is H - kh + 1.",
            (_only_valid(lambda im, k, pad, s: _valid(im, k, pad, s, _no_plus_one)),
             _only_valid(lambda im, k, pad, s: _valid(im, k, pad, s, _count_over_stride)))),
)

_MODE_FORMULAS = {
    "valid": "valid mode keeps only the positions where the kernel fits entirely inside the "
             "image: (H - kh + 1, W - kw + 1)",
    "same": "same mode pads the image so the output has the image's shape: (H, W)",
    "full": "full mode keeps every position where the kernel overlaps the image at all: "
            "(H + kh - 1, W + kw - 1)",
}

#: small inputs a hidden case's mistake is shown on (the hidden shapes stay hidden)
_TINY: tuple[tuple, ...] = (
    ((5, 7), (2, 3), "valid"),
    ((7, 9), (3, 2), "valid", 1, 2),
    ((7, 9), (3, 2), "valid", (2, 1), 1),
    ((8, 6), (3, 3), "valid", 0, 3),
)


def _formula(args: tuple) -> str:
    im, k, mode, pad, s = _normal(args)
    if len(args) <= 3 or (pad == (0, 0) and s == 1 and mode != "valid"):
        return _MODE_FORMULAS[mode]
    return f"valid mode with padding p and stride s gives {_FORMULA}"


def _values(model: Callable[..., Any], args: tuple) -> Any:
    try:
        return model(*args)
    except Exception:  # a model that does not apply to these arguments
        return None


def _equal(a: Any, b: Any) -> bool:
    return (a is not None and b is not None and len(a) == len(b) == 2
            and all(math.isclose(float(x), float(y)) for x, y in zip(a, b, strict=True)))


def _like(case: Case) -> tuple:
    """A tiny example of the same kind as ``case``: its mode, or its padding and stride."""
    args = case.args
    if len(args) <= 3:
        return ((5, 7), (2, 3), *args[2:])
    padding = args[3]
    return ((7, 9), (3, 2), "valid", (2, 1) if isinstance(padding, tuple) else
            (1 if padding else 0), 2 if args[4] != 1 else 1)


def _example(case: Case, models: tuple[Callable[..., Any], ...] = ()) -> str:
    """For a hidden case, a tiny example instead (the hidden shapes stay hidden)."""
    if not case.hidden:
        return ""
    for args in (_like(case), *_TINY):
        right = _shape_for(*args)
        if not models:
            return f"For example, {_describe(args)}: the right answer is {right}."
        for model in models:
            wrong = _values(model, args)
            if wrong is not None and not _equal(wrong, right):
                return (f"For example, {_describe(args)}: the right answer is {right}; "
                        f"with this mistake {_show(wrong)}.")
    return ""


def _show(shape: Any) -> str:
    return "(" + ", ".join(repr(float(v)) if isinstance(v, float | np.floating) else str(v)
                           for v in shape) + ")"


def _compare(case: Case, expected: Shape, actual: tuple) -> str:
    return "" if case.hidden else f"Expected {expected}, yours {_show(actual)}."


def judge(ex: Exercise, case: Case, actual: Any) -> Verdict:
    """The verdict on one returned shape."""
    name = ex.name
    expected = ex.expected(case)
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
    numbers = all(isinstance(v, int | float | np.integer | np.floating)
                  and not isinstance(v, bool | np.bool_) and math.isfinite(float(v))
                  for v in actual)
    ints = numbers and all(is_int(v) for v in actual)
    got = tuple(int(v) if is_int(v) else v for v in actual) if numbers else actual
    if ints and got == expected:
        return Verdict(True, "", expected, actual)
    plain_modes = len(case.args) <= 3
    for mistake in ex.mistakes:
        floats = mistake.id == "true_division"  # its sizes may be whole, 3.0: still floats
        if not numbers or floats == ints:
            continue
        for model in mistake.models:
            wrong = _values(model, case.args)
            if (wrong is None or not _equal(got, wrong)
                    or (_equal(wrong, expected) and not floats)):
                continue
            parts = [mistake.explain, _compare(case, expected, got),
                     _example(case, (model, *mistake.models))]
            return plain(name, case, mistake.id, mistake.title,
                         "\n".join(p for p in parts if p), expected, actual)
    if not ints:
        kinds = tuple(type(v).__name__ for v in actual)
        return plain(name, case, "wrong_type", "the two sizes must be ints.",
                     f"Yours are {kinds}: use integer arithmetic (// instead of /, or "
                     f"int(...)). {_formula(case.args)[0].upper()}{_formula(case.args)[1:]}.",
                     expected, actual)
    formula = _formula(case.args)
    where = f"{formula[0].upper()}{formula[1:]}."
    mode = _normal(case.args)[2]
    if plain_modes:
        for other in ("valid", "same", "full"):
            if other != mode and got == _shape_for(case.args[0], case.args[1], other):
                lines = [where, f"(Yours is {other!r}: {_MODE_FORMULAS[other]}.)",
                         _compare(case, expected, got), _example(case)]
                return plain(name, case, f"wrong_mode_{other}",
                             f"that is the {other!r} size, not the {mode!r} one.",
                             "\n".join(p for p in lines if p), expected, actual)
    detail = "\n".join(p for p in (where, _compare(case, expected, got), _example(case))
                       if p)
    if all(abs(a - b) <= 2 for a, b in zip(got, expected, strict=True)):
        return plain(name, case, "off_by_one", f"off by one for mode {mode!r}.", detail,
                     expected, actual)
    return plain(name, case, "unrecognised", f"wrong size for mode {mode!r}.", detail,
                 expected, actual)


# --------------------------------------------------------------------------------------------
# the sample class
# --------------------------------------------------------------------------------------------

RIGHT = '''\
def conv_output_shape(im_shape, kernel_shape, mode="valid", padding=0, stride=1):
    """The shape (rows, cols) of a convolution's output."""
    (h, w), (kh, kw) = im_shape, kernel_shape
    if mode == "same":
        return (int(h), int(w))
    if mode == "full":
        return (int(h + kh - 1), int(w + kw - 1))
    if mode != "valid":
        raise ValueError(f"mode must be 'full', 'same' or 'valid'; got {mode!r}")
    if isinstance(padding, int):
        padding = (padding, padding)
    pad_rows, pad_cols = padding
    return (int((h + 2 * pad_rows - kh) // stride + 1),
            int((w + 2 * pad_cols - kw) // stride + 1))
'''

WRONG = '''\
def conv_output_shape(im_shape, kernel_shape, mode="valid", padding=0, stride=1):
    """The output shape of a convolution."""
    height, width = im_shape
    kh, kw = kernel_shape
    if mode == "same":
        return (height, width)
    if mode == "full":
        return (height + kh - 1, width + kw - 1)
    if isinstance(padding, int):
        padding = (padding, padding)
    pad_rows, pad_cols = padding
    return ((height + pad_rows - kh) // stride + 1, (width + pad_cols - kw) // stride + 1)
'''

CHEAT = '''\
def conv_output_shape(im_shape, kernel_shape, mode="valid", padding=0, stride=1):
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
             "full (H+kh-1, W+kw-1); with padding p (an int or (rows, cols), on each side) "
             "and stride s, valid gives floor((n + 2p - k) / s) + 1 per axis.",
    args=("im_shape", "kernel_shape", "mode", "padding", "stride"),
    reference=_shape_for,
    visible=_visible,
    hidden=_hidden,
    rubric=(
        Criterion(MODES, "modes 'valid' (also the default), 'same' and 'full'", 1),
        Criterion(PADDING, "padding: an int, or (rows, cols), added on each side", 1),
        Criterion(STRIDE, "stride, also one that does not divide (round down)", 1),
        Criterion(BOTH, "padding and stride together", 1),
    ),
    mistakes=_MISTAKES,
    judge=judge,
    tiny=((5, 7), (2, 3), "valid"),
    right=SampleAnswer("right", RIGHT, 4),
    wrong=SampleAnswer("counts the padding on one side only (n + p - k, not n + 2p - k)",
                       WRONG, 2),
    cheat=SampleAnswer("monkeypatches NumPy's comparisons, returns a wrong answer", CHEAT, 0),
    options={"order": 1},
)

check_conv_output_shape = make_check(EXERCISE)
