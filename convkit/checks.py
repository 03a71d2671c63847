"""Diagnostic checks: designed cases, seeded hidden cases, and hints that name the mistake.

Every graded name of the course (see ``ARCHITECTURE.md``) has an entry in :data:`CHECKS`.
The checks are used in two places:

* in the students' notebooks, a visible test cell calls e.g. ``check_im_conv(im_conv)`` and the
  hidden part ``check_im_conv(im_conv, hidden=True)``: the student's function runs in the
  kernel on copies of each case's arguments and a failure raises an ``AssertionError`` whose
  message names the mistake;
* in the autograder, the student's function runs in a sandboxed process on :func:`cases` and
  the grader calls :func:`diagnose` on the decoded results in its own process.

Comparison rules: arrays must be exactly ``numpy.ndarray`` (not a subclass, not a list) of the
expected shape; floating results are compared with ``numpy.allclose(actual, expected,
rtol=1e-9, atol=1e-9 * scale)`` where ``scale = max(1, max|expected|)``; float results must have
dtype float64. Nothing relies on ``==`` of the returned object, so an object whose ``__eq__``
always returns True fails.

Examples
--------
>>> import numpy as np
>>> def flip_kernel(kernel):
...     return kernel[::-1, ::-1]
>>> check_flip_kernel(flip_kernel)
flip_kernel: all 6 checks passed.
>>> diagnose("flip_kernel", cases("flip_kernel")[0], np.ones((2, 3))).mistake
'unrecognised'
"""

from __future__ import annotations

import copy
import io
import textwrap
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = [
    "CHECKS",
    "WINDOW_CHOICE_OPTIONS",
    "Case",
    "CheckSpec",
    "Unserializable",
    "Verdict",
    "cases",
    "check",
    "check_box_blur_kernel",
    "check_conv_output_shape",
    "check_convolve",
    "check_flip_kernel",
    "check_get_subimages",
    "check_gradient_magnitude",
    "check_im_conv",
    "check_opencv_convolve",
    "check_opencv_im_conv",
    "check_sharpen_kernel",
    "check_window_choice",
    "diagnose",
    "difference_figure",
    "difference_png",
    "reference",
]

DEFAULT_SEED = 20_241_121  #: the seed of the hidden cases when none is given
RTOL = 1e-9  #: relative tolerance of float comparisons
ATOL = 1e-9  #: absolute tolerance, multiplied by ``max(1, max|expected|)``


# --------------------------------------------------------------------------------------------
# the contract's data types
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One input of a check.

    ``label`` is student-facing ("a 5x7 image (non-square) with a 2x3 asymmetric kernel");
    ``args`` are the positional arguments (arrays, ints, tuples, strings); for ``value``
    checks ``args == ()`` and the "actual" is the variable's value. ``hidden`` cases never
    have their inputs printed in a hint.
    """

    label: str
    args: tuple = ()
    hidden: bool = False

    def copy_args(self) -> tuple:
        """Deep copies of :attr:`args`, to hand to a student's function."""
        return tuple(a.copy() if isinstance(a, np.ndarray) else copy.deepcopy(a) for a in self.args)


@dataclass(frozen=True)
class CheckSpec:
    """What is graded under one name and how.

    ``own_implementation``: the sandbox forbids ``cv2``, ``scipy``, ``skimage`` and ``convkit``
    except the modules listed in ``allowed_modules``. ``given`` names the functions the lesson
    hands to the student's code (reference implementations the grader injects).
    ``answer`` is the right letter of a multiple-choice ``value`` check.
    """

    name: str
    kind: Literal["function", "value"]
    assignment: str
    points: int
    own_implementation: bool
    allowed_modules: tuple[str, ...] = ()
    given: tuple[str, ...] = ()
    answer: str | None = None

    @property
    def grade_id(self) -> str:
        """The nbgrader ``grade_id`` of the test cell, ``test_<name>``."""
        return f"test_{self.name}"


class Unserializable:
    """Stand-in for a returned object the grader could not turn into plain data.

    Examples
    --------
    >>> Unserializable("Foo")
    <unserializable Foo object>
    """

    def __init__(self, type_name: str):
        if not isinstance(type_name, str):
            raise TypeError(f"type_name must be a str; got {type(type_name).__name__}")
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"<unserializable {self.type_name} object>"


@dataclass
class Verdict:
    """The outcome of one case: ``ok``, or a ``message`` naming the ``mistake``."""

    ok: bool
    message: str = ""
    expected: Any = None
    actual: Any = None
    mistake: str | None = None


# --------------------------------------------------------------------------------------------
# what is graded
# --------------------------------------------------------------------------------------------

_OWN = {"own_implementation": True}

CHECKS: dict[str, CheckSpec] = {
    spec.name: spec
    for spec in (
        CheckSpec("conv_output_shape", "function", "01_subimages", 2, **_OWN),
        CheckSpec("window_choice", "value", "01_subimages", 1, **_OWN, answer="C"),
        CheckSpec("get_subimages", "function", "01_subimages", 3, **_OWN),
        CheckSpec("im_conv", "function", "02_im_conv", 5, **_OWN),
        CheckSpec("flip_kernel", "function", "03_kernel_flipping", 2, **_OWN),
        CheckSpec("convolve", "function", "03_kernel_flipping", 3, **_OWN, given=("im_conv",)),
        CheckSpec("box_blur_kernel", "function", "04_kernels", 1, **_OWN),
        CheckSpec("sharpen_kernel", "function", "04_kernels", 2, **_OWN),
        CheckSpec("gradient_magnitude", "function", "04_kernels", 2, **_OWN),
        CheckSpec("opencv_im_conv", "function", "05_opencv", 3, **_OWN, allowed_modules=("cv2",)),
        CheckSpec("opencv_convolve", "function", "05_opencv", 2, **_OWN, allowed_modules=("cv2",)),
    )
}
"""Every graded name -> its :class:`CheckSpec` (assignment, points, sandbox rules)."""

#: The multiple-choice options of ``window_choice``: which slice is the 3x3 window whose
#: top-left corner is ``(r, c)``? (the answer is in ``CHECKS["window_choice"].answer``)
WINDOW_CHOICE_OPTIONS: dict[str, str] = {
    "A": "im[r:r+2, c:c+2]",
    "B": "im[r-1:r+2, c-1:c+2]",
    "C": "im[r:r+3, c:c+3]",
    "D": "im[c:c+3, r:r+3]",
    "E": "im[r:r+4, c:c+4]",
}


def _spec(name: str) -> CheckSpec:
    if not isinstance(name, str):
        raise TypeError(f"name must be a str; got {type(name).__name__}")
    try:
        return CHECKS[name]
    except KeyError:
        raise ValueError(f"name must be one of {', '.join(CHECKS)}; got {name!r}") from None


# --------------------------------------------------------------------------------------------
# the cases
# --------------------------------------------------------------------------------------------


def _distinct(h: int, w: int, salt: int = 0, dtype: Any = np.float64) -> np.ndarray:
    """An h x w array holding 1..h*w in a fixed shuffled order (not a ramp, no pattern)."""
    order = np.random.default_rng(1000 * h + w + salt).permutation(h * w) + 1
    return order.reshape(h, w).astype(dtype)


_K2X3 = np.array([[1.0, 2.0, 0.0], [-1.0, 3.0, 4.0]])
_K3X3 = np.array([[2.0, 0.0, 1.0], [-1.0, 3.0, 0.5], [0.25, -2.0, 4.0]])
_K4X4 = np.array(
    [[1.0, 0.0, 2.0, -1.0], [0.5, 3.0, 0.0, 1.0], [-2.0, 1.0, 1.5, 0.0], [0.0, -1.0, 2.0, 1.0]]
)


def _u8_near_255(h: int, w: int) -> np.ndarray:
    return (250 + (np.arange(h * w) * 7) % 6).reshape(h, w).astype(np.uint8)


def _conv_visible(opencv: bool) -> list[Case]:
    """The designed cases of im_conv, convolve and the OpenCV versions."""
    u8_kernel = np.array([[1.0, 2.0], [3.0, 1.0]]) if opencv else np.array([[1, 2], [3, 1]])
    out = [
        Case("a 5x7 image (non-square) with a 2x3 asymmetric kernel", (_distinct(5, 7), _K2X3)),
        Case("a 6x8 image with a 3x3 asymmetric kernel", (_distinct(6, 8, 7), _K3X3)),
        Case(
            "a uint8 image with values near 255 and a 2x2 kernel whose sums exceed 255",
            (_u8_near_255(4, 5), u8_kernel),
        ),
    ]
    if opencv:
        out.append(
            Case("a 7x9 image with a 4x4 kernel (even size: mind the anchor)",
                 (_distinct(7, 9, 5), _K4X4))
        )
    else:
        out.append(
            Case(
                "an integer image with a 3x3 blur kernel (the result is not whole numbers)",
                (_distinct(5, 6, 7, np.int64), np.full((3, 3), 1.0 / 9.0)),
            )
        )
    out += [
        Case("a 4x5 image with a 1x1 kernel", (_distinct(4, 5, 3), np.array([[-2.0]]))),
        Case(
            "a 3x4 image with a 3x4 kernel (the full size of the image)",
            (_distinct(3, 4, 5), _distinct(3, 4, 7) - 6.0),
        ),
    ]
    return out


def _rng_shape(rng: np.random.Generator, lo: int, hi: int) -> tuple[int, int]:
    """A non-square shape with sides in [lo, hi]."""
    h = int(rng.integers(lo, hi + 1))
    w = int(rng.integers(lo, hi))
    return (h, w if w != h else hi)


def _conv_hidden(rng: np.random.Generator, opencv: bool) -> list[Case]:
    cases_ = []
    h, w = _rng_shape(rng, 8, 30)
    kh, kw = _rng_shape(rng, 2, 5)
    cases_.append(
        Case("a non-square image with a non-square asymmetric kernel",
             (rng.normal(size=(h, w)).round(3), rng.normal(size=(kh, kw)).round(3)), True)
    )
    h, w = _rng_shape(rng, 6, 20)
    cases_.append(
        Case("an image with a 3x3 asymmetric kernel",
             (rng.integers(0, 100, (h, w)).astype(np.float64), rng.normal(size=(3, 3)).round(2)),
             True)
    )
    h, w = _rng_shape(rng, 4, 12)
    k = rng.integers(1, 5, (3, 3))
    cases_.append(
        Case("a uint8 image near 255 with a 3x3 kernel whose sums exceed 255",
             (rng.integers(200, 256, (h, w)).astype(np.uint8),
              k.astype(np.float64) if opencv else k.astype(np.int64)), True)
    )
    h, w = _rng_shape(rng, 8, 15) if opencv else _rng_shape(rng, 5, 15)
    if opencv:  # an n x (n + 2) kernel, n <= 4: the image is at least 8x8 so it always fits
        n = int(rng.choice([2, 4]))
        cases_.append(
            Case("an image with an even-sized kernel (mind the anchor)",
                 (rng.normal(size=(h, w)).round(3), rng.normal(size=(n, n + 2)).round(3)), True)
        )
    else:
        n = int(rng.choice([3, 5]))
        cases_.append(
            Case("an integer image with a blur kernel",
                 (rng.integers(0, 50, (h, w)).astype(np.int64), np.full((n, n), 1.0 / n**2)),
                 True)
        )
    h, w = _rng_shape(rng, 3, 10)
    cases_.append(
        Case("an image with a 1x1 kernel",
             (rng.normal(size=(h, w)).round(3), np.array([[float(rng.integers(2, 9))]])), True)
    )
    h, w = _rng_shape(rng, 2, 6)
    cases_.append(
        Case("a kernel the full size of the image",
             (rng.normal(size=(h, w)).round(3), rng.normal(size=(h, w)).round(3)), True)
    )
    h, w = _rng_shape(rng, 10, 40)
    cases_.append(
        Case("a larger image with a 4x4 kernel",
             (rng.normal(size=(h, w)).round(3), rng.normal(size=(4, 4)).round(3)), True)
    )
    return cases_


def _shape_cases(hidden: bool, rng: np.random.Generator) -> list[Case]:
    if not hidden:
        triples = [
            ((5, 7), (2, 3), "valid"), ((5, 7), (2, 3), "full"), ((5, 7), (2, 3), "same"),
            ((6, 4), (3, 3), "valid"), ((6, 4), (3, 3), "full"), ((6, 4), (3, 3), "same"),
            ((4, 5), (1, 1), "valid"), ((3, 4), (3, 4), "valid"), ((3, 4), (3, 4), "full"),
        ]
        return [Case(f"an image of shape {i} and a kernel of shape {k}, mode {m!r}", (i, k, m))
                for i, k, m in triples]
    out = []
    for mode in ("valid", "same", "full", "valid", "full"):
        im = _rng_shape(rng, 5, 40)
        k = _rng_shape(rng, 1, min(im))
        out.append(Case(f"a non-square image and kernel, mode {mode!r}", (im, k, mode), True))
    im = _rng_shape(rng, 3, 20)
    out.append(Case("a kernel the full size of the image, mode 'valid'", (im, im, "valid"), True))
    out.append(Case("a 1x1 kernel, mode 'full'", (im, (1, 1), "full"), True))
    return out


def _subimage_cases(hidden: bool, rng: np.random.Generator) -> list[Case]:
    if not hidden:
        return [
            Case("a 5x7 image (non-square) with a 2x3 kernel", (_distinct(5, 7), _K2X3)),
            Case("a 4x6 image with a 3x3 kernel", (_distinct(4, 6, 5), _K3X3)),
            Case("a uint8 image with a 2x2 kernel", (_u8_near_255(3, 4), np.ones((2, 2)))),
            Case("a 3x4 image with a 1x1 kernel", (_distinct(3, 4, 5), np.ones((1, 1)))),
            Case("a 3x4 image with a 3x4 kernel (the full size of the image)",
                 (_distinct(3, 4, 7), np.ones((3, 4)))),
        ]
    out = []
    for label, lo, hi, klo, khi in (("a non-square image with a non-square kernel", 6, 20, 2, 5),
                                    ("a small image with a 1x1 kernel", 3, 8, 1, 1),
                                    ("a larger image with a non-square kernel", 15, 40, 2, 6)):
        h, w = _rng_shape(rng, lo, hi)
        k = (1, 1) if khi == 1 else _rng_shape(rng, klo, khi)
        out.append(Case(label, (rng.permutation(h * w).reshape(h, w).astype(np.float64),
                                np.ones(k)), True))
    h, w = _rng_shape(rng, 2, 6)
    out.append(Case("a kernel the full size of the image",
                    (rng.integers(0, 256, (h, w)).astype(np.uint8), np.ones((h, w))), True))
    return out


def _flip_cases(hidden: bool, rng: np.random.Generator) -> list[Case]:
    if not hidden:
        return [
            Case("a 2x3 asymmetric kernel", (_K2X3,)),
            Case("a 3x3 asymmetric kernel", (_K3X3,)),
            Case("a 4x4 kernel", (_K4X4,)),
            Case("a 1x1 kernel", (np.array([[5.0]]),)),
            Case("a 1x4 integer kernel (one row)", (np.array([[1, 2, 3, 4]]),)),
            Case("a 4x1 kernel (one column)", (np.array([[1.0], [2.0], [3.0], [4.0]]),)),
        ]
    out = []
    for _ in range(3):
        kh, kw = _rng_shape(rng, 2, 7)
        out.append(Case("a non-square kernel", (rng.normal(size=(kh, kw)).round(3),), True))
    n = int(rng.integers(3, 6))
    out.append(Case("a square integer kernel", (rng.integers(-9, 10, (n, n)),), True))
    out.append(Case("a 1x1 kernel", (rng.normal(size=(1, 1)),), True))
    return out


def _box_cases(hidden: bool, rng: np.random.Generator) -> list[Case]:
    if not hidden:
        return [Case(f"size {n}", (n,)) for n in (3, 5, 1, 4)]
    sizes = [int(rng.integers(2, 6)) * 2 + 1, int(rng.integers(1, 5)) * 2, int(rng.integers(6, 16))]
    return [Case("a random size", (n,), True) for n in sizes]


def _blur(n: int, m: int | None = None) -> np.ndarray:
    m = n if m is None else m
    return np.full((n, m), 1.0 / (n * m))


_BINOMIAL5 = np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1]) / 256.0


def _sharpen_cases(hidden: bool, rng: np.random.Generator) -> list[Case]:
    if not hidden:
        return [
            Case("a 3x3 box blur kernel", (_blur(3),)),
            Case("a 5x5 box blur kernel", (_blur(5),)),
            Case("a 5x5 Gaussian (binomial) blur kernel", (_BINOMIAL5.copy(),)),
            Case("a 3x5 (non-square) blur kernel: its centre is (1, 2)", (_blur(3, 5),)),
            Case("a 1x1 blur kernel", (np.ones((1, 1)),)),
        ]
    out = []
    for shape in ((3, 3), (5, 5), (7, 7), (3, 7)):
        k = rng.random(shape) + 0.1
        out.append(Case(f"a random {shape[0]}x{shape[1]} blur kernel", (k / k.sum(),), True))
    return out


def _gradient_cases(hidden: bool, rng: np.random.Generator) -> list[Case]:
    if not hidden:
        gx = np.array([[3.0, -3.0, 0.0, 1.5, -2.0, 6.0], [0.0, 4.0, -1.0, 2.0, 0.5, -8.0],
                       [5.0, 0.0, 2.0, -2.0, 1.0, 0.0], [-6.0, 1.0, 0.0, 3.0, -4.0, 2.0]])
        gy = np.array([[4.0, 4.0, 0.0, -2.0, 0.0, 8.0], [1.0, -3.0, 1.0, 0.0, -1.2, 6.0],
                       [12.0, -7.0, -2.0, 2.0, 0.0, 3.0], [8.0, 1.0, 5.0, 4.0, 3.0, 0.0]])
        return [
            Case("4x6 signed gradients", (gx, gy)),
            Case("3x5 integer gradients", (np.array([[3, -5, 0, 8, -1], [0, 12, -6, 1, 2],
                                                     [-7, 1, 9, 0, 20]]),
                                           np.array([[4, 12, 0, -6, 1], [-5, 5, 8, 0, 2],
                                                     [24, 1, -12, 3, 21]]))),
            Case("1x1 gradients", (np.array([[-3.0]]), np.array([[4.0]]))),
        ]
    out = []
    for _ in range(2):
        shape = _rng_shape(rng, 5, 40)
        out.append(Case("random signed gradients",
                        (rng.normal(size=shape) * 50, rng.normal(size=shape) * 50), True))
    shape = _rng_shape(rng, 3, 10)
    out.append(Case("integer gradients", (rng.integers(-500, 501, shape),
                                          rng.integers(-500, 501, shape)), True))
    return out


def cases(name: str, *, hidden: bool = False, seed: int | None = None) -> list[Case]:
    """The inputs a check runs: the designed visible cases, or seeded hidden ones.

    Parameters
    ----------
    name : str
        A key of :data:`CHECKS`.
    hidden : bool
        False: the designed cases (non-square images, asymmetric kernels, uint8 near 255, a 1x1
        kernel, a kernel the size of the image). True: random variants of them drawn from
        ``numpy.random.default_rng(seed)`` (at most 40x40).
    seed : int or None
        The seed of the hidden cases; None means :data:`DEFAULT_SEED`. Ignored when not hidden.

    Returns
    -------
    list of Case
        Fresh arrays on every call: the same seed gives equal cases, different seeds differ.

    Examples
    --------
    >>> [c.label for c in cases("box_blur_kernel")]
    ['size 3', 'size 5', 'size 1', 'size 4']
    >>> a, b = cases("im_conv", hidden=True, seed=1), cases("im_conv", hidden=True, seed=1)
    >>> all(np.array_equal(x.args[0], y.args[0]) for x, y in zip(a, b))
    True
    """
    spec = _spec(name)
    if not isinstance(hidden, bool):
        raise TypeError(f"hidden must be a bool; got {type(hidden).__name__}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | np.integer)):
        raise TypeError(f"seed must be an int or None; got {type(seed).__name__}")
    rng = np.random.default_rng(DEFAULT_SEED if seed is None else int(seed))
    if spec.kind == "value":
        return [Case("your answer", (), hidden)]
    if name in ("im_conv", "convolve", "opencv_im_conv", "opencv_convolve"):
        opencv = name.startswith("opencv")
        built = _conv_hidden(rng, opencv) if hidden else _conv_visible(opencv)
        return [Case(c.label, c.copy_args(), c.hidden) for c in built]
    builders: dict[str, Callable[[bool, np.random.Generator], list[Case]]] = {
        "conv_output_shape": _shape_cases,
        "get_subimages": _subimage_cases,
        "flip_kernel": _flip_cases,
        "box_blur_kernel": _box_cases,
        "sharpen_kernel": _sharpen_cases,
        "gradient_magnitude": _gradient_cases,
    }
    # copies, so no caller can change the module's kernels or another call's cases
    return [Case(c.label, c.copy_args(), c.hidden) for c in builders[name](hidden, rng)]


# --------------------------------------------------------------------------------------------
# the reference answers
# --------------------------------------------------------------------------------------------


def _sharpen(blur: np.ndarray) -> np.ndarray:
    blur = np.asarray(blur, dtype=np.float64)
    identity = np.zeros_like(blur)
    identity[blur.shape[0] // 2, blur.shape[1] // 2] = 1.0
    return 2.0 * identity - blur


def _gradient(gx: np.ndarray, gy: np.ndarray) -> np.ndarray:
    return np.hypot(np.asarray(gx, dtype=np.float64), np.asarray(gy, dtype=np.float64))


def _core(function: str) -> Callable[..., Any]:
    from convkit import core

    return getattr(core, function)


_REFERENCES: dict[str, Callable[..., Any]] = {
    "conv_output_shape": lambda *a: _core("conv_output_shape")(*a),
    "get_subimages": lambda *a: _core("get_subimages")(*a),
    "im_conv": lambda *a: _core("im_conv")(*a),
    "flip_kernel": lambda *a: _core("flip_kernel")(*a),
    "convolve": lambda *a: _core("convolve")(*a),
    "box_blur_kernel": lambda n: np.full((n, n), 1.0 / n**2),
    "sharpen_kernel": _sharpen,
    "gradient_magnitude": _gradient,
    "opencv_im_conv": lambda *a: _core("im_conv")(*a),
    "opencv_convolve": lambda *a: _core("convolve")(*a),
}


def reference(name: str, case: Case) -> Any:
    """The right answer of ``case`` for the graded name ``name``.

    Array code comes from :mod:`convkit.core`; ``window_choice`` gives the right letter.

    Examples
    --------
    >>> reference("box_blur_kernel", Case("size 2", (2,)))
    array([[0.25, 0.25],
           [0.25, 0.25]])
    >>> reference("window_choice", Case("your answer"))
    'C'
    """
    spec = _spec(name)
    if not isinstance(case, Case):
        raise TypeError(f"case must be a Case; got {type(case).__name__}")
    if spec.kind == "value":
        return spec.answer
    return _REFERENCES[name](*case.args)


# --------------------------------------------------------------------------------------------
# diagnosis and the in-kernel check
# --------------------------------------------------------------------------------------------


def diagnose(
    name: str,
    case: Case,
    actual: Any,
    *,
    inputs_modified: bool = False,
    raised: str | None = None,
) -> Verdict:
    """Compare ``actual`` with the reference answer of ``case`` and name the mistake.

    Parameters
    ----------
    name : str
        A key of :data:`CHECKS`.
    case : Case
        The case the student's function ran on (or, for a value check, ``Case("your answer")``).
    actual : object
        What the function returned (or the variable's value); an :class:`Unserializable` when
        the grader could not decode it.
    inputs_modified : bool
        True when the function changed its arguments in place.
    raised : str or None
        ``"ExceptionType: message"`` when the function raised instead of returning.

    Returns
    -------
    Verdict
        ``ok`` with an empty message, or a message whose first line names the problem, then
        the detail (expected vs actual on a tiny example for a recognised mistake), and a stable
        ``mistake`` identifier.

    Notes
    -----
    ``actual`` is judged by its exact type, so a decoder must hand back what the function
    returned: a plain ``numpy.ndarray`` (dtype kept), a ``tuple`` of ints for
    ``conv_output_shape`` (a list is a mistake), a ``dict`` with ``(row, col)`` tuple keys and
    array values for ``get_subimages``, a ``str`` for ``window_choice``, ``None``, a ``list``;
    anything else (an ndarray subclass such as ``numpy.matrix`` included) as
    :class:`Unserializable` naming its type. Hidden cases (``case.hidden``) never have their
    inputs printed: recognised mistakes are shown on a tiny example, others summarised.
    Messages are plain text (no markup).

    Examples
    --------
    >>> import numpy as np
    >>> case = Case("a 2x3 kernel", (np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]),))
    >>> diagnose("flip_kernel", case, np.array([[6.0, 5.0, 4.0], [3.0, 2.0, 1.0]])).ok
    True
    >>> v = diagnose("flip_kernel", case, case.args[0])
    >>> v.mistake, v.message.splitlines()[0]
    ('not_flipped', 'flip_kernel: the kernel is not flipped.')
    """
    _spec(name)
    if not isinstance(case, Case):
        raise TypeError(f"case must be a Case; got {type(case).__name__}")
    if raised is not None and not isinstance(raised, str):
        raise TypeError(f"raised must be a str or None; got {type(raised).__name__}")
    from convkit import mistakes

    # the mistake models compute wrong answers on purpose (uint8 casts, overflow): a warning
    # on stderr would cost the student the test cell's points in stock nbgrader
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return mistakes.diagnose(name, case, actual, inputs_modified=bool(inputs_modified),
                                     raised=raised)
        except Exception as exc:  # a checker bug must not stop the grading of a class
            return Verdict(
                False,
                f"{name}: your result could not be checked.\nThe checker failed on it "
                f"({type(exc).__name__}: {exc}); please show this to your instructor.\n"
                f"It happened on {case.label}.",
                None, actual, "unrecognised")


def _args_changed(original: tuple, given: tuple) -> bool:
    for before, after in zip(original, given, strict=True):
        if isinstance(before, np.ndarray):
            if (
                type(after) is not np.ndarray
                or after.shape != before.shape
                or after.dtype != before.dtype
                or not np.array_equal(after, before, equal_nan=True)
            ):
                return True
        elif type(after) is not type(before) or after != before:
            return True
    return False


def check(name: str, func_or_value: Any, *, hidden: bool = False, seed: int | None = None) -> None:
    """Run the check ``name`` in this process; raise AssertionError naming the first mistake.

    The function is called on copies of each case's arguments, and the copies are compared
    with the originals afterwards, so modifying an input is detected. An unanswered exercise
    stub's ``NotImplementedError`` propagates as a NotImplementedError that says so; any other
    exception becomes an AssertionError whose message names it and the case that triggered it.

    Parameters
    ----------
    name : str
        A key of :data:`CHECKS`.
    func_or_value : callable or object
        The student's function, or the variable's value for a ``value`` check.
    hidden, seed
        Run the seeded hidden cases instead of the designed ones (see :func:`cases`).

    Examples
    --------
    >>> check("box_blur_kernel", lambda size: np.ones((size, size)) / size**2)
    box_blur_kernel: all 4 checks passed.
    >>> check("box_blur_kernel", lambda size: np.ones((size, size)))
    Traceback (most recent call last):
    ...
    AssertionError: box_blur_kernel: the kernel is not normalised.
    ...
    """
    __tracebackhide__ = True  # IPython shows the student's frames, not the checker's
    spec = _spec(name)
    todo = cases(name, hidden=hidden, seed=seed)
    for case in todo:
        if spec.kind == "value":
            verdict = diagnose(name, case, func_or_value)
        else:
            if not callable(func_or_value):
                raise AssertionError(
                    f"{name}: expected a function, got a {type(func_or_value).__name__}.\n"
                    f"Define `def {name}(...):` in the answer cell and run that cell first."
                )
            given = case.copy_args()
            try:
                actual = func_or_value(*given)
            except NotImplementedError:
                raise NotImplementedError(
                    f"{name} is not written yet: replace `raise NotImplementedError()` in its "
                    "answer cell with your code, run that cell, then run this check again."
                ) from None
            except Exception as exc:  # the student's code failed: name it
                verdict = diagnose(name, case, None, raised=f"{type(exc).__name__}: {exc}")
                raise AssertionError(verdict.message) from exc
            verdict = diagnose(name, case, actual,
                               inputs_modified=_args_changed(case.args, given))
        if not verdict.ok:
            raise AssertionError(verdict.message)
    kind = "hidden check" if hidden else "check"
    print(f"{name}: the {kind} passed." if len(todo) == 1 else
          f"{name}: all {len(todo)} {kind}s passed.")


def check_conv_output_shape(func: Callable[..., Any], *, hidden: bool = False,
                            seed: int | None = None) -> None:
    """Check ``conv_output_shape(im_shape, kernel_shape, mode)``.

    The answer is a tuple of two Python ints, ``(height, width)``: ``valid`` gives
    ``(H-kh+1, W-kw+1)``, ``same`` gives ``(H, W)``, ``full`` gives ``(H+kh-1, W+kw-1)``.

    Examples
    --------
    >>> def conv_output_shape(im_shape, kernel_shape, mode):
    ...     (h, w), (kh, kw) = im_shape, kernel_shape
    ...     sign = {"valid": -1, "same": 0, "full": 1}[mode]
    ...     return (h + sign * (kh - 1), w + sign * (kw - 1))
    >>> check_conv_output_shape(conv_output_shape)
    conv_output_shape: all 9 checks passed.
    """
    __tracebackhide__ = True
    check("conv_output_shape", func, hidden=hidden, seed=seed)


def check_window_choice(value: Any, *, hidden: bool = False, seed: int | None = None) -> None:
    """Check the multiple-choice answer ``window_choice`` (one letter of
    :data:`WINDOW_CHOICE_OPTIONS`).

    Examples
    --------
    >>> check_window_choice("C")
    window_choice: the check passed.
    """
    __tracebackhide__ = True
    check("window_choice", value, hidden=hidden, seed=seed)


def check_get_subimages(func: Callable[..., Any], *, hidden: bool = False,
                        seed: int | None = None) -> None:
    """Check ``get_subimages(im, kernel)``: a dict ``{(row, col): window}`` with one
    ``kernel.shape`` window of ``im`` for every valid top-left corner.

    Examples
    --------
    >>> def get_subimages(im, kernel):
    ...     kh, kw = kernel.shape
    ...     return {(r, c): im[r:r + kh, c:c + kw]
    ...             for r in range(im.shape[0] - kh + 1) for c in range(im.shape[1] - kw + 1)}
    >>> check_get_subimages(get_subimages)
    get_subimages: all 5 checks passed.
    """
    __tracebackhide__ = True
    check("get_subimages", func, hidden=hidden, seed=seed)


def check_im_conv(func: Callable[..., Any], *, hidden: bool = False,
                  seed: int | None = None) -> None:
    """Check ``im_conv(im, kernel)``: the valid sliding-window weighted sum, kernel NOT
    flipped, float64, shape ``(H-kh+1, W-kw+1)``.

    Examples
    --------
    >>> def im_conv(im, kernel):
    ...     kh, kw = kernel.shape
    ...     out = np.zeros((im.shape[0] - kh + 1, im.shape[1] - kw + 1))
    ...     for r in range(out.shape[0]):
    ...         for c in range(out.shape[1]):
    ...             out[r, c] = np.sum(im[r:r + kh, c:c + kw] * kernel)
    ...     return out
    >>> check_im_conv(im_conv)
    im_conv: all 6 checks passed.
    """
    __tracebackhide__ = True
    check("im_conv", func, hidden=hidden, seed=seed)


def check_flip_kernel(func: Callable[..., Any], *, hidden: bool = False,
                      seed: int | None = None) -> None:
    """Check ``flip_kernel(kernel)``: the kernel flipped left-right and up-down.

    Examples
    --------
    >>> check_flip_kernel(lambda kernel: np.flip(kernel))
    flip_kernel: all 6 checks passed.
    """
    __tracebackhide__ = True
    check("flip_kernel", func, hidden=hidden, seed=seed)


def check_convolve(func: Callable[..., Any], *, hidden: bool = False,
                   seed: int | None = None) -> None:
    """Check ``convolve(im, kernel)``: true convolution in valid mode (the kernel flipped,
    then the sliding-window weighted sum), float64.

    Examples
    --------
    >>> def convolve(im, kernel):
    ...     k = kernel[::-1, ::-1]
    ...     kh, kw = k.shape
    ...     out = np.zeros((im.shape[0] - kh + 1, im.shape[1] - kw + 1))
    ...     for r in range(out.shape[0]):
    ...         for c in range(out.shape[1]):
    ...             out[r, c] = np.sum(im[r:r + kh, c:c + kw] * k)
    ...     return out
    >>> check_convolve(convolve)
    convolve: all 6 checks passed.
    """
    __tracebackhide__ = True
    check("convolve", func, hidden=hidden, seed=seed)


def check_box_blur_kernel(func: Callable[..., Any], *, hidden: bool = False,
                          seed: int | None = None) -> None:
    """Check ``box_blur_kernel(size)``: a ``size x size`` float array of ``1 / size**2``.

    Examples
    --------
    >>> check_box_blur_kernel(lambda size: np.full((size, size), 1 / size**2))
    box_blur_kernel: all 4 checks passed.
    """
    __tracebackhide__ = True
    check("box_blur_kernel", func, hidden=hidden, seed=seed)


def check_sharpen_kernel(func: Callable[..., Any], *, hidden: bool = False,
                         seed: int | None = None) -> None:
    """Check ``sharpen_kernel(blur_kernel)``: ``2 * identity - blur_kernel``, where the
    identity kernel has the blur kernel's shape and a single 1 at its centre.

    Examples
    --------
    >>> def sharpen_kernel(blur_kernel):
    ...     identity = np.zeros(blur_kernel.shape)
    ...     identity[blur_kernel.shape[0] // 2, blur_kernel.shape[1] // 2] = 1
    ...     return 2 * identity - blur_kernel
    >>> check_sharpen_kernel(sharpen_kernel)
    sharpen_kernel: all 5 checks passed.
    """
    __tracebackhide__ = True
    check("sharpen_kernel", func, hidden=hidden, seed=seed)


def check_gradient_magnitude(func: Callable[..., Any], *, hidden: bool = False,
                             seed: int | None = None) -> None:
    """Check ``gradient_magnitude(gx, gy)``: ``sqrt(gx**2 + gy**2)`` elementwise, float64.

    Examples
    --------
    >>> check_gradient_magnitude(lambda gx, gy: np.sqrt(gx**2.0 + gy**2.0))
    gradient_magnitude: all 3 checks passed.
    """
    __tracebackhide__ = True
    check("gradient_magnitude", func, hidden=hidden, seed=seed)


def check_opencv_im_conv(func: Callable[..., Any], *, hidden: bool = False,
                         seed: int | None = None) -> None:
    """Check ``opencv_im_conv(im, kernel)``: exactly ``im_conv``'s result, computed with
    ``cv2.filter2D`` (float depth, ``BORDER_CONSTANT``, cropped to the valid part).

    Examples
    --------
    >>> import cv2
    >>> def opencv_im_conv(im, kernel):
    ...     kh, kw = kernel.shape
    ...     out = cv2.filter2D(im.astype(np.float64), cv2.CV_64F, kernel.astype(np.float64),
    ...                        anchor=(0, 0), borderType=cv2.BORDER_CONSTANT)
    ...     return out[:im.shape[0] - kh + 1, :im.shape[1] - kw + 1]
    >>> check_opencv_im_conv(opencv_im_conv)
    opencv_im_conv: all 6 checks passed.
    """
    __tracebackhide__ = True
    check("opencv_im_conv", func, hidden=hidden, seed=seed)


def check_opencv_convolve(func: Callable[..., Any], *, hidden: bool = False,
                          seed: int | None = None) -> None:
    """Check ``opencv_convolve(im, kernel)``: exactly ``convolve``'s result, computed with
    ``cv2.filter2D`` on the flipped kernel.

    Examples
    --------
    >>> import cv2
    >>> def opencv_convolve(im, kernel):
    ...     kh, kw = kernel.shape
    ...     k = np.ascontiguousarray(kernel[::-1, ::-1], dtype=np.float64)
    ...     out = cv2.filter2D(im.astype(np.float64), cv2.CV_64F, k,
    ...                        anchor=(0, 0), borderType=cv2.BORDER_CONSTANT)
    ...     return out[:im.shape[0] - kh + 1, :im.shape[1] - kw + 1]
    >>> check_opencv_convolve(opencv_convolve)
    opencv_convolve: all 6 checks passed.
    """
    __tracebackhide__ = True
    check("opencv_convolve", func, hidden=hidden, seed=seed)


# --------------------------------------------------------------------------------------------
# the difference figure the grader embeds in the feedback
# --------------------------------------------------------------------------------------------


def _as_picture(array: Any, argname: str) -> np.ndarray:
    if isinstance(array, Unserializable) or array is None:
        raise TypeError(f"{argname} must be an array of numbers; got {array!r}")
    try:
        a = np.asarray(array)
    except Exception as exc:
        kind = type(array).__name__
        raise TypeError(f"{argname} must be an array of numbers; got {kind}") from exc
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{argname} must hold numbers; got dtype {a.dtype}")
    if a.ndim > 2 or a.size == 0:
        raise ValueError(f"{argname} must be a non-empty 0-, 1- or 2-D array; got shape {a.shape}")
    return np.atleast_2d(a.astype(np.float64))


def difference_figure(expected: Any, actual: Any, title: str) -> Figure:
    """Expected | actual | actual - expected, side by side, for the feedback.

    The two results share one grey scale; the difference uses a diverging colormap centred on
    0 with a colourbar, so the student sees where the answer goes wrong. When the shapes
    differ, the third panel says so.

    Parameters
    ----------
    expected, actual : array_like
        Numeric arrays with at most two dimensions.
    title : str
        The figure's title (e.g. the case label).

    Returns
    -------
    matplotlib.figure.Figure
        About 6.4 x 2.3 inches; not attached to pyplot (no global state).

    Examples
    --------
    >>> fig = difference_figure(np.eye(3), np.eye(3)[::-1], "flipped")
    >>> [ax.get_title() for ax in fig.axes[:3]]
    ['expected', 'yours', 'yours - expected']
    """
    from matplotlib.colors import Normalize
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    if not isinstance(title, str):
        raise TypeError(f"title must be a str; got {type(title).__name__}")
    e = _as_picture(expected, "expected")
    a = _as_picture(actual, "actual")
    finite = np.concatenate([e[np.isfinite(e)], a[np.isfinite(a)]])
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if lo == hi:
        lo, hi = lo - 1.0, hi + 1.0
    fig = Figure(figsize=(6.4, 2.3), layout="constrained")
    axes = fig.subplots(1, 3)
    for ax, data, name in ((axes[0], e, "expected"), (axes[1], a, "yours")):
        ax.imshow(data, cmap="gray", norm=Normalize(lo, hi), interpolation="nearest")
        ax.set_title(name, fontsize=9)
        ax.set_xlabel(f"shape {data.shape[0]}x{data.shape[1]}", fontsize=7)
    if e.shape == a.shape:
        diff = a - e
        bound = float(np.nanmax(np.abs(diff))) if np.isfinite(diff).any() else 0.0
        bound = bound or 1.0
        image = axes[2].imshow(diff, cmap="RdBu_r", vmin=-bound, vmax=bound,
                               interpolation="nearest")
        fig.colorbar(image, ax=axes[2], shrink=0.85)
        axes[2].set_title("yours - expected", fontsize=9)
    else:
        axes[2].set_axis_off()
        axes[2].set_title("yours - expected", fontsize=9)
        axes[2].text(0.5, 0.5, f"shapes differ:\nexpected {e.shape[0]}x{e.shape[1]}\n"
                     f"yours {a.shape[0]}x{a.shape[1]}", ha="center", va="center",
                     fontsize=9, transform=axes[2].transAxes)
    for ax in axes:
        ax.tick_params(labelsize=6)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    fig.suptitle(textwrap.shorten(title, 160), fontsize=9, wrap=True)
    return fig


def difference_png(expected: Any, actual: Any, title: str) -> bytes:
    """:func:`difference_figure` rendered to PNG bytes (Agg), for the grader's feedback.

    Examples
    --------
    >>> difference_png(np.zeros((2, 3)), np.ones((2, 3)), "off by one")[:8]
    b'\\x89PNG\\r\\n\\x1a\\n'
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = difference_figure(expected, actual, title)
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()
