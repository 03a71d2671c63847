"""Mistake recognition for :mod:`convkit.checks`: wrong answers computed from the right ones.

For each graded function this module lists *mistake models*: small functions that compute what
a typical wrong implementation returns (the kernel flipped, the output transposed, the loop
stopping one short, uint8 wrap-around, ...). When a student's answer matches a model, the
verdict names the mistake in words and shows, on a tiny example, what the right answer and the
mistake give. Anything else still gets expected vs actual.

Use it through :func:`convkit.checks.diagnose`.

Examples
--------
>>> import numpy as np
>>> from convkit.checks import Case
>>> case = Case("a 2x2 kernel", (np.array([[1.0, 2.0], [3.0, 4.0]]),))
>>> diagnose("flip_kernel", case, np.array([[2.0, 1.0], [4.0, 3.0]])).mistake
'flipped_lr_only'
"""

from __future__ import annotations

import re
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from convkit.checks import ATOL, CHECKS, RTOL, WINDOW_CHOICE_OPTIONS, Case, Unserializable, Verdict

Model = Callable[..., Any]
ShapeRule = Callable[..., bool]


@dataclass(frozen=True)
class Mistake:
    """One recognised mistake: its id, the words a student reads and how to recognise it.

    ``models`` compute the wrong answer from the case's arguments (None when the model does
    not apply); the first one also draws the tiny example. ``shape_rule(args, shape)`` says
    whether an answer of that shape shows the mistake even when no model matches its values.
    ``tiny`` overrides the function's tiny example arguments. ``predicate(actual, expected)``
    recognises the mistake from the two arrays (same shape) when no single model can, e.g.
    truncation where floating rounding decides between 4.999... and 5.
    """

    id: str
    title: str
    explain: str
    models: tuple[Model, ...] = ()
    shape_rule: ShapeRule | None = None
    tiny: tuple | None = None
    predicate: Callable[[np.ndarray, np.ndarray], bool] | None = None


# --------------------------------------------------------------------------------------------
# a small, independent engine for the mistake models
# --------------------------------------------------------------------------------------------


def correlate(im: np.ndarray, kernel: np.ndarray, mode: str = "valid",
              pad: str = "constant", top_left: tuple[int, int] | None = None) -> np.ndarray:
    """Sliding-window weighted sum (kernel not flipped) in float64, for the models.

    ``mode`` is "valid", "full" or "same"; in "same" mode ``top_left`` is how many rows and
    columns are padded above and left (default ``(kh // 2, kw // 2)``, OpenCV's anchor) and
    ``pad`` is a ``numpy.pad`` mode ("constant" zeros, or "reflect" = OpenCV's default).

    Examples
    --------
    >>> correlate(np.arange(6.0).reshape(2, 3), np.array([[1.0, -1.0]]))
    array([[-1., -1.],
           [-1., -1.]])
    """
    im = np.asarray(im, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    kh, kw = kernel.shape
    if mode == "full":
        im = np.pad(im, ((kh - 1, kh - 1), (kw - 1, kw - 1)), mode=pad)
    elif mode == "same":
        top, left = (kh // 2, kw // 2) if top_left is None else top_left
        im = np.pad(im, ((top, kh - 1 - top), (left, kw - 1 - left)), mode=pad)
    elif mode != "valid":
        raise ValueError(f"mode must be 'valid', 'same' or 'full'; got {mode!r}")
    windows = np.lib.stride_tricks.sliding_window_view(im, (kh, kw))
    return np.einsum("ijkl,kl->ij", windows, kernel)


def _windows(im: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    return np.lib.stride_tricks.sliding_window_view(np.asarray(im), shape)


# --------------------------------------------------------------------------------------------
# comparing and printing
# --------------------------------------------------------------------------------------------


def _numeric(a: Any) -> bool:
    return type(a) is np.ndarray and a.dtype.kind in "biuf"


def close(actual: Any, expected: Any) -> bool:
    """True when both are numeric ndarrays of one shape and equal within the tolerance."""
    if not (_numeric(actual) and _numeric(expected)) or actual.shape != expected.shape:
        return False
    a = actual.astype(np.float64)
    e = expected.astype(np.float64)
    scale = max(1.0, float(np.max(np.abs(e)))) if e.size else 1.0
    return bool(np.allclose(a, e, rtol=RTOL, atol=ATOL * scale))


def fmt(a: Any) -> str:
    """An array printed for a hint, indented."""
    if isinstance(a, np.ndarray):
        text = np.array2string(a, precision=4, suppress_small=True, max_line_width=90,
                               threshold=200)
    else:
        text = repr(a)
    return "    " + text.replace("\n", "\n    ")


def summary(expected: np.ndarray, actual: np.ndarray) -> str:
    """Shape, dtype, where the first difference is, the largest difference."""
    lines = [f"  expected: shape {expected.shape}, dtype {expected.dtype}",
             f"  yours:    shape {actual.shape}, dtype {actual.dtype}"]
    if actual.shape == expected.shape and _numeric(actual):
        a, e = actual.astype(np.float64), expected.astype(np.float64)
        scale = max(1.0, float(np.max(np.abs(e)))) if e.size else 1.0
        bad = ~np.isclose(a, e, rtol=RTOL, atol=ATOL * scale)
        if bad.any():
            where = tuple(int(i) for i in np.argwhere(bad)[0])
            with np.errstate(invalid="ignore"):
                biggest = float(np.nanmax(np.abs(a - e)))
            lines.append(f"  first difference at index {where}: expected {e[where]:.6g}, "
                         f"yours {a[where]:.6g}")
            lines.append(f"  {int(bad.sum())} of {bad.size} values differ; largest difference "
                         f"{biggest:.6g}")
    return "\n".join(lines)


def _small(a: Any) -> bool:
    return isinstance(a, np.ndarray) and a.size <= 80 and a.ndim <= 2


def _arg_names(name: str) -> tuple[str, ...]:
    return {
        "conv_output_shape": ("im_shape", "kernel_shape", "mode"),
        "get_subimages": ("im", "kernel"),
        "flip_kernel": ("kernel",),
        "box_blur_kernel": ("size",),
        "sharpen_kernel": ("blur_kernel",),
        "gradient_magnitude": ("gx", "gy"),
    }.get(name, ("im", "kernel"))


def _show_args(name: str, args: tuple) -> str:
    parts = []
    for arg_name, value in zip(_arg_names(name), args, strict=False):
        if isinstance(value, np.ndarray):
            parts.append(f"  {arg_name} ({value.dtype}) =\n{fmt(value)}")
        else:
            parts.append(f"  {arg_name} = {value!r}")
    return "\n".join(parts)


def _failed_on(case: Case) -> str:
    return f"It failed on {case.label}" + (" (a hidden test)." if case.hidden else ".")


# --------------------------------------------------------------------------------------------
# the tiny examples
# --------------------------------------------------------------------------------------------

_TINY_IM = np.array([[1.0, 2.0, 0.0, 3.0], [4.0, 0.0, 5.0, 1.0], [2.0, 6.0, 1.0, 0.0]])
_TINY_K = np.array([[1.0, 2.0], [0.0, -1.0]])
_TINY_U8 = (np.array([[250, 251, 252], [253, 254, 255]], dtype=np.uint8), np.array([[1, 2]]))
_TINY_U8_FLOAT = (_TINY_U8[0], np.array([[1.0, 2.0]]))
_TINY_FRAC = (np.array([[1, 2, 4, 7], [3, 0, 5, 2], [6, 1, 1, 3]]), np.array([[0.5, 0.5]]))
_TINY_EVEN = (np.array([[1.0, 2.0, 0.0, 3.0, 1.0], [4.0, 0.0, 5.0, 1.0, 2.0],
                        [2.0, 6.0, 1.0, 0.0, 3.0], [0.0, 1.0, 3.0, 2.0, 5.0]]), _TINY_K)

TINY: dict[str, tuple] = {
    "conv_output_shape": ((5, 7), (2, 3), "valid"),
    "get_subimages": (np.arange(1.0, 13.0).reshape(3, 4), np.ones((2, 3))),
    "im_conv": (_TINY_IM, _TINY_K),
    "convolve": (_TINY_IM, _TINY_K),
    "opencv_im_conv": (_TINY_IM, _TINY_K),
    "opencv_convolve": (_TINY_IM, _TINY_K),
    "flip_kernel": (np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]),),
    "box_blur_kernel": (3,),
    "sharpen_kernel": (np.full((3, 3), 1.0 / 9.0),),
    "gradient_magnitude": (np.array([[3.0, -1.0, 0.0]]), np.array([[4.0, 1.0, -2.0]])),
}


def _demo(name: str, mistake: Mistake, first: Model | None = None) -> str:
    """Expected vs the mistake's answer on the tiny example, as text ('' if no model fits).

    ``first`` is the model that matched the student's answer: it draws the example when it
    applies to the tiny input.
    """
    from convkit.checks import reference

    args = mistake.tiny if mistake.tiny is not None else TINY[name]
    wrong = None
    models = ((first,) if first is not None else ()) + mistake.models
    for model in models:
        try:
            wrong = model(*args)
        except Exception:  # a model that does not apply to the tiny example
            wrong = None
        if isinstance(wrong, list):
            wrong = wrong[0] if wrong else None
        if wrong is not None:
            break
    try:
        right = reference(name, Case("a tiny example", args))
    except Exception:  # pragma: no cover - the tiny examples are valid inputs
        return ""
    lines = ["On a tiny example:", _show_args(name, args), "  the right answer:", fmt(right)]
    if wrong is not None:
        lines += ["  with this mistake:", fmt(wrong)]
    return "\n".join(lines)


def _verdict(name: str, case: Case, mistake: Mistake, expected: Any, actual: Any,
             extra: str = "", model: Model | None = None) -> Verdict:
    parts = [f"{name}: {mistake.title}", mistake.explain]
    if extra:
        parts.append(extra)
    parts.append(_failed_on(case))
    demo = _demo(name, mistake, model)
    if demo:
        parts.append(demo)
    return Verdict(False, "\n".join(p for p in parts if p), expected, actual, mistake.id)


def _plain(name: str, case: Case, mistake_id: str, title: str, detail: str,
           expected: Any = None, actual: Any = None) -> Verdict:
    message = "\n".join(p for p in (f"{name}: {title}", detail, _failed_on(case)) if p)
    return Verdict(False, message, expected, actual, mistake_id)


def unrecognised(name: str, case: Case, expected: Any, actual: Any, title: str = "") -> Verdict:
    """Expected vs actual: in full for small visible cases, summarised otherwise."""
    title = title or "the result is not right."
    lines = [f"{name}: {title}", _failed_on(case)]
    if isinstance(expected, np.ndarray) and isinstance(actual, np.ndarray):
        if not case.hidden and _small(expected) and _small(actual) and all(
                not isinstance(a, np.ndarray) or _small(a) for a in case.args):
            lines += [_show_args(name, case.args), "  expected:", fmt(expected),
                      f"  yours ({actual.dtype}):", fmt(actual)]
        else:
            lines.append(summary(expected, actual))
    else:
        lines += [f"  expected: {expected!r}", f"  yours:    {actual!r}"]
    return Verdict(False, "\n".join(lines), expected, actual, "unrecognised")


# --------------------------------------------------------------------------------------------
# problems every function shares: exceptions, modified inputs, wrong types
# --------------------------------------------------------------------------------------------

_FORBIDDEN = ("cv2", "scipy", "skimage", "convkit")


def _exception(raised: str) -> tuple[str, str]:
    """(exception name, text to show) from "Type: message" or a whole traceback."""
    lines = [line for line in raised.strip().splitlines() if line.strip()]
    last = lines[-1].strip() if lines else ""
    match = re.match(r"([A-Za-z_][\w.]*)\s*(?::|$)", last)
    kind = match.group(1).rsplit(".", 1)[-1] if match else "an exception"
    text = "\n".join(lines[-8:])
    if len(text) > 1200:
        text = "..." + text[-1200:]
    return kind, text


def raised_verdict(name: str, case: Case, raised: str) -> Verdict:
    """The function raised ``raised`` ("Type: message", or a traceback) on ``case``."""
    kind, raised = _exception(raised)
    if "matmul" in raised or "matrix multiplication" in raised:
        return _plain(
            name, case, "matmul",
            "`@` (matrix product) is not the elementwise product.",
            f"Your code raised {raised}\n`window @ kernel` multiplies matrices (rows times "
            "columns); the weighted sum multiplies matching entries: "
            "np.sum(window * kernel).")
    spec = CHECKS[name]
    if kind in ("ImportError", "ModuleNotFoundError", "PermissionError") and any(
            m in raised for m in _FORBIDDEN):
        allowed = ", ".join(spec.allowed_modules) or "NumPy"
        return _plain(
            name, case, "forbidden_import",
            "this exercise asks for your own implementation.",
            f"Your code raised {raised}\nUse only {allowed} here (the library functions are "
            "what you are rebuilding).")
    if kind in ("TimeoutError", "Timeout"):
        return _plain(name, case, "timeout", "your function took too long.",
                      f"{raised}\nCheck your loops: each output value needs one pass over "
                      "the kernel, not over the whole image.")
    if kind == "NotImplementedError":
        return _plain(name, case, "not_implemented", "not answered yet.",
                      "The answer cell still raises NotImplementedError: replace "
                      "`raise NotImplementedError()` with your code.")
    hint = next((text for pattern, text in _RAISED_HINTS if pattern in raised),
                "Run your function on this case yourself to see where it fails.")
    return _plain(name, case, "raised", f"your function raised {kind}.", f"{raised}\n{hint}")


_RAISED_HINTS = (
    ("could not be broadcast", "A window and the kernel have different shapes. Each window is "
     "im[r:r+kh, c:c+kw], exactly the kernel's shape; a loop that runs past H - kh or a slice "
     "that is one short makes a window of another shape."),
    ("out of bounds", "An index ran past the end of an array. Rows go with shape[0] (height) "
     "and columns with shape[1] (width); the output has H - kh + 1 rows and W - kw + 1 "
     "columns."),
    ("cannot be interpreted as an integer", "range() and shapes need ints: use // (integer "
     "division) or int(...), not /."),
    ("is not defined", "Your function uses a name it does not define: a typo, or a variable or "
     "helper from another cell (define everything the function needs inside its answer cell)."),
    ("unsupported operand", "An operation got a value of the wrong type (None? a list?): check "
     "what each step returns."),
)


def input_modified_verdict(name: str, case: Case, expected: Any, actual: Any) -> Verdict:
    return _plain(
        name, case, "input_modified", "your function changed its input.",
        "A function must not modify the arrays it is given: the caller still needs them. "
        "Work on a copy (e.g. `im = im.astype(np.float64)` or `kernel.copy()`) instead of "
        "assigning into the argument or using `+=`, `*=` on it.", expected, actual)


def _type_name(x: Any) -> str:
    if isinstance(x, Unserializable):
        return x.type_name
    return type(x).__name__


def wrong_type_verdict(name: str, case: Case, expected: Any, actual: Any,
                       want: str = "a NumPy array (numpy.ndarray)") -> Verdict:
    """``actual`` has the wrong type; the hint says what was expected and how to get it."""
    if actual is None:
        detail = ("It returned None: did you forget the `return` statement at the end of the "
                  "function?")
    elif isinstance(actual, Unserializable):
        detail = (f"It returned a {actual.type_name} object, which the grader cannot read: "
                  f"return {want}.")
    elif isinstance(actual, np.ndarray):
        detail = (f"It returned a {type(actual).__module__}.{type(actual).__name__}, a "
                  f"subclass of ndarray that behaves differently: return {want} "
                  "(np.asarray(result) converts it).")
    elif isinstance(actual, list | tuple) and "array" in want:
        detail = (f"It returned a {type(actual).__name__}: return {want}; "
                  "np.array(result) converts it, but better build the result as an array "
                  "from the start (e.g. np.zeros(shape)).")
    else:
        detail = f"It returned a {_type_name(actual)}: return {want}."
    return _plain(name, case, "wrong_type", "the result has the wrong type.", detail,
                  expected, actual)


def _common(name: str, case: Case, expected: Any, actual: Any, inputs_modified: bool,
            raised: str | None) -> Verdict | None:
    if raised is not None:
        return raised_verdict(name, case, raised)
    if inputs_modified:
        return input_modified_verdict(name, case, expected, actual)
    return None


# --------------------------------------------------------------------------------------------
# arrays: one engine for every function that returns an array
# --------------------------------------------------------------------------------------------


def _matches(model: Model, args: tuple, actual: np.ndarray) -> bool:
    try:
        with np.errstate(all="ignore"):
            wrong = model(*args)
    except Exception:  # the model does not apply to these arguments
        return False
    if wrong is None:
        return False
    candidates = wrong if isinstance(wrong, list) else [wrong]
    return any(close(actual, np.asarray(c)) for c in candidates)


def diagnose_array(name: str, case: Case, actual: Any, mistakes: Sequence[Mistake], *,
                   dtype: str = "float64", exact: bool = False) -> Verdict:
    """Diagnose a function that returns an array.

    ``dtype``: "float64" (the result must be float64) or "any" (any numeric dtype).
    ``exact``: compare with ``numpy.array_equal`` instead of the float tolerance.
    """
    from convkit.checks import reference

    expected = reference(name, case)
    if type(actual) is not np.ndarray:
        for m in mistakes:
            if m.id == "whole_array_norm" and isinstance(actual, float | int | np.generic):
                if any(_matches(model, case.args, np.asarray(actual)) for model in m.models):
                    return _verdict(name, case, m, expected, actual)
        return wrong_type_verdict(name, case, expected, actual)
    if actual.dtype.kind not in "biuf":
        return _plain(name, case, "wrong_dtype", f"the result holds {actual.dtype} values.",
                      "Return an array of numbers (float64), not of objects, strings or "
                      "booleans.", expected, actual)
    same = (np.array_equal(actual, expected) if exact else close(actual, expected))
    if actual.shape == expected.shape and same:
        if dtype == "float64" and actual.dtype != np.float64:
            return _wrong_dtype(name, case, expected, actual)
        return Verdict(True, "", expected, actual)
    for m in mistakes:
        for model in m.models:
            if _matches(model, case.args, actual):
                return _verdict(name, case, m, expected, actual, model=model)
        if (m.predicate is not None and _numeric(expected)
                and actual.shape == expected.shape and m.predicate(actual, expected)):
            return _verdict(name, case, m, expected, actual)
    for m in mistakes:
        if m.shape_rule is not None and actual.shape != expected.shape:
            try:
                hit = m.shape_rule(*case.args, shape=actual.shape)
            except Exception:
                hit = False
            if hit:
                extra = f"Your result has shape {actual.shape}; expected {expected.shape}."
                return _verdict(name, case, m, expected, actual, extra)
    if actual.shape != expected.shape:
        return _plain(
            name, case, "wrong_shape", "the result has the wrong shape.",
            f"Expected shape {expected.shape}, yours is {actual.shape}.", expected, actual)
    if actual.dtype.kind == "f" and np.allclose(actual, expected, rtol=1e-4, atol=1e-4):
        if actual.dtype != np.float64:
            return _plain(
                name, case, "wrong_dtype", f"the result is only approximately right "
                f"({actual.dtype}).",
                "Your values are close but not exact: compute in float64 (e.g. "
                "`im.astype(np.float64)`, and ddepth=cv2.CV_64F with OpenCV).\n"
                + summary(expected, actual), expected, actual)
    return unrecognised(name, case, expected, actual)


def _wrong_dtype(name: str, case: Case, expected: np.ndarray, actual: np.ndarray) -> Verdict:
    return _plain(
        name, case, "wrong_dtype", f"the result has dtype {actual.dtype}, expected float64.",
        "The values are right, but the result must be a float64 array: start from "
        "np.zeros(shape) (float64 by default) or convert with .astype(np.float64). "
        "Integer arrays cannot hold fractions, and uint8 wraps around above 255.",
        expected, actual)


# --------------------------------------------------------------------------------------------
# mistake models of the sliding-window functions
# --------------------------------------------------------------------------------------------


def _flip(k: np.ndarray) -> np.ndarray:
    return np.asarray(k)[::-1, ::-1]


def _ek(name: str) -> Callable[[np.ndarray], np.ndarray]:
    """The kernel the right answer slides unflipped: k itself, or flipped for convolution."""
    return _flip if name in ("convolve", "opencv_convolve") else (lambda k: np.asarray(k))


def _valid_shape(im: np.ndarray, k: np.ndarray) -> tuple[int, int]:
    return (im.shape[0] - k.shape[0] + 1, im.shape[1] - k.shape[1] + 1)


def _integral(a: np.ndarray) -> bool:
    return bool(np.all(np.isfinite(a)) and np.all(a == np.round(a)))


def _clipped(out: np.ndarray, rounded: bool = False) -> np.ndarray | None:
    """``out`` saturated to 0..255 (and rounded, as OpenCV does), or None if nothing changes."""
    if out.min() >= 0 and out.max() <= 255:
        return None
    return np.clip(np.rint(out) if rounded else out, 0, 255)


def _tolerance(expected: np.ndarray) -> float:
    return ATOL * max(1.0, float(np.max(np.abs(expected)))) if expected.size else ATOL


def truncated(actual: np.ndarray, expected: np.ndarray) -> bool:
    """Whole numbers within 1 of a result that has fractions: the fractions were cut off."""
    a, e = actual.astype(np.float64), expected.astype(np.float64)
    if not (np.all(np.isfinite(a)) and _integral(a)) or _integral(e):
        return False
    return bool(np.all(np.abs(a - e) < 1.0 + _tolerance(e)))


def wrapped_around(actual: np.ndarray, expected: np.ndarray) -> bool:
    """Values in 0..255 that equal the right ones up to a multiple of 256 (and truncation)."""
    a, e = actual.astype(np.float64), expected.astype(np.float64)
    if not (np.all(np.isfinite(a)) and a.min() >= 0 and a.max() <= 255 and _integral(a)):
        return False
    if e.min() >= 0 and e.max() <= 255:
        return False
    d = a - e
    off = np.abs(d - 256.0 * np.round(d / 256.0))
    return bool(np.all(off < 1.0 + _tolerance(e)))


def _uint8_models(ref: Callable[..., np.ndarray]) -> tuple[Model, ...]:
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
        if im.dtype != np.uint8 or not _integral(k) or k.min() < 0:
            return None
        ek = ref.kernel(k)  # type: ignore[attr-defined]
        prods = (_windows(im, ek.shape).astype(np.uint8) * ek.astype(np.uint8))
        return prods.sum(axis=(2, 3), dtype=np.int64).astype(np.float64)

    return cast, modulo, products


def conv_mistakes(name: str) -> list[Mistake]:
    """The mistake models of im_conv, convolve, opencv_im_conv and opencv_convolve."""
    ek = _ek(name)
    conv = name in ("convolve", "opencv_convolve")
    opencv = name.startswith("opencv")

    def ref(im: np.ndarray, k: np.ndarray) -> np.ndarray:
        return correlate(im, ek(k))

    ref.kernel = ek  # type: ignore[attr-defined]

    formula = ("out[r, c] = sum(im[r:r+kh, c:c+kw] * flipped_kernel)" if conv else
               "out[r, c] = sum(im[r:r+kh, c:c+kw] * kernel)")
    out: list[Mistake] = []
    if conv:
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
             "You computed a true convolution. im_conv slides the kernel as it is, without "
             "flipping: " + formula + "."),
            (lambda im, k: correlate(im, _flip(k)),
             lambda im, k: correlate(im, np.asarray(k)[:, ::-1]),
             lambda im, k: correlate(im, np.asarray(k)[::-1, :]))))
    out.append(Mistake(
        "transposed", "rows and columns are swapped.",
        "A NumPy image is indexed im[row, col] and its shape is (height, width). The output "
        "has H - kh + 1 rows and W - kw + 1 columns; yours has rows and columns exchanged "
        "(check the order of your loops and of your indices).",
        (lambda im, k: ref(im, k).T,
         lambda im, k: correlate(im, ek(k).T)),
        lambda im, k, shape: shape == _valid_shape(im, k)[::-1]))
    if opencv:
        out.append(Mistake(
            "uint8_saturation", "your result is clipped at 255: ddepth=-1 keeps uint8.",
            "With ddepth=-1 the output has the input's type; for a uint8 image filter2D rounds "
            "and saturates every value to 0..255. Ask for a float output: ddepth=cv2.CV_64F.",
            (lambda im, k: _clipped(ref(im, k), True), lambda im, k: _clipped(ref(im, k))),
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
            "filter2D pads the image and returns an output as large as the input. im_conv's "
            "valid result only has the H - kh + 1 by W - kw + 1 positions where the kernel "
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
        lambda im, k, shape: len(shape) == 2 and shape != _valid_shape(im, k) and all(
            abs(a - b) <= 1 for a, b in zip(shape, _valid_shape(im, k), strict=True))
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
            (lambda im, k: _clipped(ref(im, k), True), lambda im, k: _clipped(ref(im, k))),
            tiny=_TINY_U8))
    out.append(Mistake(
        "uint8_wraparound", "uint8 wrap-around: your values wrapped past 255.",
        "The image is uint8, which only holds 0..255: 250 + 10 gives 4, not 260. Your result "
        "was stored in (or computed as) uint8. Convert first, im.astype(np.float64), and "
        "build the output with np.zeros(shape) (float64), not np.zeros_like(im)."
        + (" With OpenCV, ask for ddepth=cv2.CV_64F." if opencv else ""),
        _uint8_models(ref),
        tiny=_TINY_U8_FLOAT if opencv else _TINY_U8, predicate=wrapped_around))
    out.append(Mistake(
        "integer_truncation", "your result lost its fractions (integer truncation).",
        "Your values were turned into whole numbers: an output made with "
        "np.zeros_like(im) has the image's integer dtype, and assigning 2.5 into it stores 2. "
        "Use np.zeros(shape) (float64) for the output.",
        (lambda im, k: np.trunc(ref(im, k)) if not _integral(ref(im, k)) else None,
         lambda im, k: np.rint(ref(im, k)) if not _integral(ref(im, k)) else None,
         lambda im, k: np.floor(ref(im, k)) if not _integral(ref(im, k)) else None),
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
            "np.convolve / np.correlate work on 1-D signals. Flattening the image glues each "
            "row to the next, so windows wrap from the end of one row to the start of the "
            "next, and the kernel's rows are mixed up too. Slide a 2-D window instead: "
            + formula + ".",
            (lambda im, k: _flat_model(im, ek(k), "convolve"),
             lambda im, k: _flat_model(im, ek(k), "correlate")),
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
    return out


def _anchor_shifts(im: np.ndarray, k: np.ndarray, pad: str) -> list[np.ndarray]:
    """filter2D-like outputs cropped at a wrong place: every wrong valid-sized crop.

    OpenCV with anchor ``(ay, ax)`` gives ``correlate(im, k, "same", top_left=(ay, ax))``;
    the right crop starts at ``(ay, ax)``. This lists the crops of the same size that start
    anywhere else, for the default anchor (the centre) and for ``anchor=(0, 0)``.
    """
    kh, kw = np.shape(k)
    vh, vw = _valid_shape(im, np.asarray(k))
    out = []
    for ay, ax in sorted({(kh // 2, kw // 2), (0, 0)}, reverse=True):
        same = correlate(im, k, "same", pad=pad, top_left=(ay, ax))
        starts = sorted(((r, c) for r in range(kh) for c in range(kw) if (r, c) != (ay, ax)),
                        key=lambda rc: abs(rc[0] - ay) + abs(rc[1] - ax))
        out += [same[r:r + vh, c:c + vw] for r, c in starts]
    return out


def _in_corner(out: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """``out`` written into the top-left corner of zeros of ``shape`` (np.zeros_like(im))."""
    big = np.zeros(shape)
    big[:out.shape[0], :out.shape[1]] = out
    return big


def _one_too_far(im: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Loops over range(H - kh + 2): the last row and column use cut-off windows."""
    kh, kw = np.shape(k)
    padded = np.pad(np.asarray(im, dtype=np.float64), ((0, 1), (0, 1)))
    return correlate(padded, k)


def _matmul_model(im: np.ndarray, k: np.ndarray, kernel_first: bool) -> np.ndarray | None:
    k = np.asarray(k, dtype=np.float64)
    if k.shape[0] != k.shape[1] or k.shape[0] < 2:
        return None
    w = _windows(np.asarray(im, dtype=np.float64), k.shape)
    prod = k @ w if kernel_first else w @ k
    return prod.sum(axis=(2, 3))


def _flat_model(im: np.ndarray, k: np.ndarray, how: str) -> np.ndarray | None:
    flat_im = np.asarray(im, dtype=np.float64).ravel()
    flat_k = np.asarray(k, dtype=np.float64).ravel()
    fn = np.convolve if how == "convolve" else np.correlate
    flat = fn(flat_im, flat_k, mode="valid")
    vh, vw = _valid_shape(np.asarray(im), np.asarray(k))
    out = [flat, fn(flat_im, flat_k, mode="full"), fn(flat_im, flat_k, mode="same")]
    if flat.size >= vh * vw:
        out.append(flat[: vh * vw].reshape(vh, vw))
    return out


# --------------------------------------------------------------------------------------------
# the kernel builders and the gradient
# --------------------------------------------------------------------------------------------


def flip_mistakes() -> list[Mistake]:
    return [
        Mistake("not_flipped", "the kernel is not flipped.",
                "flip_kernel must return the kernel flipped left-right AND up-down "
                "(kernel[::-1, ::-1], or np.flip(kernel)); yours returned it unchanged.",
                (lambda k: np.asarray(k),)),
        Mistake("flipped_lr_only", "the kernel is flipped left-right only.",
                "Flip it up-down as well: kernel[::-1, ::-1] reverses both the rows and the "
                "columns (kernel[:, ::-1] only reverses the columns).",
                (lambda k: np.asarray(k)[:, ::-1],)),
        Mistake("flipped_ud_only", "the kernel is flipped up-down only.",
                "Flip it left-right as well: kernel[::-1, ::-1] reverses both the rows and the "
                "columns (kernel[::-1] only reverses the rows).",
                (lambda k: np.asarray(k)[::-1, :],)),
        Mistake("transposed", "you transposed the kernel instead of flipping it.",
                "kernel.T swaps rows and columns (a mirror along the diagonal). Flipping "
                "reverses the order of the rows and of the columns: kernel[::-1, ::-1] (a "
                "rotation by 180 degrees).",
                (lambda k: np.asarray(k).T, lambda k: np.asarray(k)[::-1, ::-1].T),
                lambda k, shape: shape == np.shape(k)[::-1] and shape != np.shape(k)),
        Mistake("rotated_90", "you rotated the kernel by 90 degrees, not 180.",
                "np.rot90(kernel) turns it a quarter turn; flipping left-right and up-down is "
                "a half turn: np.rot90(kernel, 2), or kernel[::-1, ::-1].",
                (lambda k: np.rot90(k), lambda k: np.rot90(k, -1))),
    ]


def box_mistakes() -> list[Mistake]:
    return [
        Mistake("not_normalised", "the kernel is not normalised.",
                "A box blur averages: its size * size weights must add up to 1, so each one "
                "is 1 / size**2 (np.ones((size, size)) / size**2). Yours add up to more, "
                "which brightens the image.",
                (lambda n: np.ones((n, n)), lambda n: np.full((n, n), float(n)))),
        Mistake("divided_by_size", "each weight should be 1 / size**2, not 1 / size.",
                "There are size * size weights, and they must add up to 1.",
                (lambda n: np.full((n, n), 1.0 / n),)),
        Mistake("integer_truncation", "your weights were rounded to whole numbers.",
                "1 // size**2 (floor division) or an integer array gives 0: use true division, "
                "1 / size**2, and a float array.",
                (lambda n: np.zeros((n, n)) if n > 1 else None,)),
        Mistake("wrong_shape", "the kernel has the wrong shape.",
                "box_blur_kernel(size) is a square size x size array, e.g. (3, 3) for size 3.",
                (), lambda n, shape: shape != (n, n)),
    ]


def _identity(shape: tuple[int, int], centre: tuple[int, int] | None = None) -> np.ndarray:
    out = np.zeros(shape)
    out[centre if centre is not None else (shape[0] // 2, shape[1] // 2)] = 1.0
    return out


def _off_centre_sharpens(b: np.ndarray) -> list[np.ndarray]:
    """2 * identity - b with the 1 anywhere but the centre; the likely places first:
    (kh // 2, kh // 2) and (kw // 2, kw // 2) (one side used for both), then the corner."""
    kh, kw = np.shape(b)
    centre = (kh // 2, kw // 2)
    likely = [(kh // 2, kh // 2), (kw // 2, kw // 2), (kw // 2, kh // 2), (0, 0)]
    places = likely + [(r, c) for r in range(kh) for c in range(kw)]
    seen: set[tuple[int, int]] = set()
    out = []
    for r, c in places:
        if (r, c) != centre and (r, c) not in seen and r < kh and c < kw:
            seen.add((r, c))
            out.append(2 * _identity((kh, kw), (r, c)) - b)
    return out


def sharpen_mistakes() -> list[Mistake]:
    def ident(b: np.ndarray) -> np.ndarray:
        return _identity(np.shape(b))

    return [
        Mistake("terms_swapped", "the two terms are swapped.",
                "sharpen = 2 * identity - blur (the image, plus the image minus its blur); "
                "yours is 2 * blur - identity.",
                (lambda b: 2 * b - ident(b), lambda b: b - 2 * ident(b))),
        Mistake("missing_factor_2", "the identity needs a factor 2.",
                "identity - blur only keeps the edges (the detail). Sharpening adds that detail "
                "back to the image: identity + (identity - blur) = 2 * identity - blur.",
                (lambda b: ident(b) - b, lambda b: b - ident(b))),
        Mistake("eye_not_identity_kernel", "np.eye is not the identity kernel.",
                "np.eye(n) has ones along the whole diagonal: as a kernel it sums a diagonal "
                "line of pixels. The identity *kernel* is all zeros except a single 1 at the "
                "centre, (kh // 2, kw // 2).",
                (lambda b: 2 * np.eye(*np.shape(b)) - b,)),
        Mistake("identity_off_centre", "the 1 of the identity kernel is not at the centre.",
                "The identity kernel has its single 1 at the centre (kh // 2, kw // 2), e.g. "
                "(1, 1) for 3x3 and (1, 2) for 3x5; anywhere else it shifts the image.",
                (_off_centre_sharpens,), tiny=(np.full((3, 5), 1.0 / 15.0),)),
        Mistake("plus_blur", "subtract the blur, do not add it.",
                "sharpen = 2 * identity - blur; adding the blur blurs the image more.",
                (lambda b: 2 * ident(b) + b,)),
        Mistake("wrong_shape", "the kernel has the wrong shape.",
                "The sharpen kernel has the blur kernel's shape.",
                (), lambda b, shape: shape != np.shape(b)),
    ]


def gradient_mistakes() -> list[Mistake]:
    def f(a: np.ndarray) -> np.ndarray:
        return np.asarray(a, dtype=np.float64)

    return [
        Mistake("missing_sqrt", "the square root is missing.",
                "gx**2 + gy**2 is the squared magnitude: take np.sqrt of it.",
                (lambda gx, gy: f(gx) ** 2 + f(gy) ** 2,)),
        Mistake("abs_sum", "|gx| + |gy| is not the magnitude.",
                "The gradient (gx, gy) is a vector: its length is sqrt(gx**2 + gy**2), not "
                "the sum of the absolute values.",
                (lambda gx, gy: np.abs(f(gx)) + np.abs(f(gy)), lambda gx, gy: f(gx) + f(gy))),
        Mistake("squared_sum", "square each component before adding.",
                "sqrt((gx + gy)**2) = |gx + gy| lets opposite signs cancel; the magnitude is "
                "sqrt(gx**2 + gy**2).",
                (lambda gx, gy: np.abs(f(gx) + f(gy)),)),
        Mistake("whole_array_norm", "you computed one number for the whole image.",
                "np.linalg.norm(...) without an axis gives one number for the whole array; the "
                "magnitude is a value per pixel: np.sqrt(gx**2 + gy**2) (elementwise).",
                (lambda gx, gy: np.asarray(np.sqrt(np.sum(f(gx) ** 2 + f(gy) ** 2))),)),
        Mistake("integer_truncation", "your magnitudes lost their fractions.",
                "The magnitude is not a whole number in general: keep it float64 (do not "
                "convert to int or uint8).",
                (lambda gx, gy: np.trunc(np.hypot(f(gx), f(gy))),
                 lambda gx, gy: np.rint(np.hypot(f(gx), f(gy))))),
        Mistake("uint8_wraparound", "your magnitudes wrapped around past 255.",
                "Do not store the result as uint8: it only holds 0..255.",
                (lambda gx, gy: np.hypot(f(gx), f(gy)).astype(np.uint8),)),
        Mistake("transposed", "rows and columns are swapped.",
                "The magnitude has the same shape as gx and gy, pixel by pixel.",
                (lambda gx, gy: np.hypot(f(gx), f(gy)).T,),
                lambda gx, gy, shape: shape == np.shape(gx)[::-1]),
    ]


# --------------------------------------------------------------------------------------------
# conv_output_shape
# --------------------------------------------------------------------------------------------

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


def _is_int(v: Any) -> bool:
    return type(v) is int or (isinstance(v, np.integer) and type(v).__module__ == "numpy")


def diagnose_shape(case: Case, actual: Any) -> Verdict:
    name = "conv_output_shape"
    im, k, mode = case.args
    expected = _shape_for(im, k, mode)
    formula = _FORMULAS[mode]
    if type(actual) is not tuple:
        if isinstance(actual, list | np.ndarray) and np.ndim(actual) >= 1 and len(actual) == 2:
            kind = type(actual).__name__
            return _plain(name, case, "wrong_type", f"return a tuple, not a {kind}.",
                          "conv_output_shape returns a tuple of two ints, like an array's "
                          "shape: (height, width).", expected, actual)
        return wrong_type_verdict(name, case, expected, actual,
                                  "a tuple of two ints, (height, width)")
    if len(actual) != 2:
        return _plain(name, case, "wrong_shape", f"return two numbers, not {len(actual)}.",
                      "The output shape of a 2-D convolution is (height, width).",
                      expected, actual)
    if not all(_is_int(v) for v in actual):
        return _plain(name, case, "wrong_type", "the two sizes must be ints.",
                      f"Yours are {tuple(type(v).__name__ for v in actual)}: use integer "
                      "arithmetic (// instead of /, or int(...)).", expected, actual)
    got = (int(actual[0]), int(actual[1]))
    if got == expected:
        return Verdict(True, "", expected, actual)
    if case.hidden:  # explain on the tiny example; the hidden shapes stay hidden
        tiny_im, tiny_k = TINY[name][:2]
        where = (f"{formula[0].upper()}{formula[1:]}. For example, an image of shape "
                 f"{tiny_im} and a kernel of shape {tiny_k} give "
                 f"{_shape_for(tiny_im, tiny_k, mode)} in mode {mode!r}.")
        compare = ""
    else:
        where = f"For mode {mode!r}, image shape {im} and kernel shape {k}: {formula}."
        compare = f"\nExpected {expected}, yours {got}."
    if got == expected[::-1]:
        return _plain(name, case, "transposed", "(height, width) are swapped.",
                      "A shape is (rows, columns) = (height, width), like im.shape. " + where
                      + compare, expected, actual)
    for other in ("valid", "same", "full"):
        if other != mode and got == _shape_for(im, k, other):
            return _plain(name, case, f"wrong_mode_{other}",
                          f"that is the {other!r} size, not the {mode!r} one.",
                          where + f"\n(Yours is {other!r}: {_FORMULAS[other]}.)" + compare,
                          expected, actual)
    if all(abs(a - b) <= 2 for a, b in zip(got, expected, strict=True)):
        return _plain(name, case, "off_by_one", f"off by one for mode {mode!r}.",
                      where + compare, expected, actual)
    return _plain(name, case, "unrecognised", f"wrong size for mode {mode!r}.",
                  where + compare, expected, actual)


# --------------------------------------------------------------------------------------------
# get_subimages
# --------------------------------------------------------------------------------------------


def _key(key: Any) -> tuple[int, int] | None:
    if type(key) is tuple and len(key) == 2 and all(_is_int(v) for v in key):
        return (int(key[0]), int(key[1]))
    return None


_DICTS = (dict, OrderedDict, defaultdict)


def diagnose_subimages(case: Case, actual: Any) -> Verdict:
    name = "get_subimages"
    im, kernel = case.args
    kh, kw = kernel.shape
    vh, vw = _valid_shape(im, kernel)
    want = {(r, c) for r in range(vh) for c in range(vw)}
    if case.hidden:  # explain on the tiny example; the hidden shapes stay hidden
        tiny_im, tiny_k = TINY[name]
        (th, tw), (tkh, tkw) = tiny_im.shape, tiny_k.shape
        demo = (f"\nFor example, a {th}x{tw} image and a {tkh}x{tkw} kernel have the keys "
                f"(r, c) for r in range({th - tkh + 1}) and c in range({tw - tkw + 1}).")
    else:
        demo = (f"\nFor a {im.shape[0]}x{im.shape[1]} image and a {kh}x{kw} kernel the keys "
                f"are (r, c) for r in range({vh}) and c in range({vw}): {len(want)} windows.")
    if type(actual) not in _DICTS:
        if isinstance(actual, list | tuple):
            return _plain(name, case, "wrong_type", "return a dict, not a list.",
                          "get_subimages returns a dict keyed by the (row, col) of each "
                          "window's top-left corner: subimages[(r, c)] = im[r:r+kh, c:c+kw]. "
                          "A list loses where each window came from.", None, actual)
        return wrong_type_verdict(name, case, None, actual,
                                  "a dict {(row, col): window}")
    keys = {}
    for key, value in dict.items(actual):
        norm = _key(key)
        if norm is None:
            return _plain(name, case, "wrong_keys", "the keys must be (row, col) tuples.",
                          f"Found the key {key!r}; use the tuple (r, c) of the window's "
                          "top-left corner, e.g. subimages[(0, 1)].", None, actual)
        keys[norm] = value
    got = set(keys)
    if got != want:
        flipped = {(c, r) for r, c in want}
        if got == flipped:
            return _plain(name, case, "transposed", "the keys are (col, row), not (row, col).",
                          "Key each window by (row, col) of its top-left corner: the row "
                          "first, like im[row, col]." + demo, None, actual)
        missing = sorted(want - got)
        extra = sorted(got - want)
        if missing and not extra:
            eg = "" if case.hidden else f" (e.g. {missing[:3]})"
            return _plain(name, case, "off_by_one", "some windows are missing.",
                          f"Some keys are missing{eg}. The last window starts at row H - kh and "
                          "column W - kw: loop over range(H - kh + 1) and range(W - kw + 1)."
                          + demo, None, actual)
        if extra and not missing:
            eg = "" if case.hidden else f" (e.g. {extra[:3]})"
            return _plain(name, case, "off_by_one", "there are too many windows.",
                          f"Some keys{eg} are windows that do not fit inside the image. Loop "
                          "over range(H - kh + 1) and range(W - kw + 1)." + demo, None, actual)
        eg = "" if case.hidden else f" Missing e.g. {missing[:3]}, unexpected e.g. {extra[:3]}."
        return _plain(name, case, "wrong_keys", "the keys are not the valid positions.",
                      "The keys are the (row, col) top-left corners of every window that fits "
                      "inside the image." + eg + demo, None, actual)
    for (r, c) in sorted(want):
        value = keys[(r, c)]
        right = im[r:r + kh, c:c + kw]
        if type(value) is not np.ndarray:
            return _plain(name, case, "wrong_type", "each window must be a NumPy array.",
                          f"subimages[{(r, c)}] is a {_type_name(value)}: store the slice "
                          "im[r:r+kh, c:c+kw] itself.", None, actual)
        if value.shape != right.shape:
            if value.shape == right.shape[::-1] and right.shape[0] != right.shape[1]:
                title = "the windows have rows and columns swapped."
                mid = "transposed"
            else:
                title = "the windows have the wrong shape."
                mid = "wrong_shape"
            shapes = ("A window's shape differs from the kernel's" if case.hidden else
                      f"subimages[{(r, c)}] has shape {value.shape}; the kernel's is "
                      f"{kernel.shape}")
            return _plain(name, case, mid, title,
                          f"{shapes}. Each window has the kernel's shape: im[r:r+kh, c:c+kw] "
                          "(the stop of a slice is excluded, so r:r+kh has kh rows).",
                          right, value)
        if value.dtype.kind not in "biuf" or not np.array_equal(value, right):
            return _position_verdict(case, im, kernel, (r, c), value, right)
    return Verdict(True, "", None, actual)


def _position_verdict(case: Case, im: np.ndarray, kernel: np.ndarray, rc: tuple[int, int],
                      value: np.ndarray, right: np.ndarray) -> Verdict:
    name = "get_subimages"
    kh, kw = kernel.shape
    r, c = rc
    if value.dtype.kind in "biuf":
        if c + kh <= im.shape[0] and r + kw <= im.shape[1] and kh == kw \
                and np.array_equal(value, im[c:c + kh, r:r + kw]):
            return _plain(name, case, "transposed", "the windows are taken at (col, row).",
                          f"subimages[{rc}] holds im[{c}:{c + kh}, {r}:{r + kw}]: the row "
                          "index comes first, im[r:r+kh, c:c+kw].", right, value)
        windows = _windows(im, (kh, kw))
        hits = [tuple(int(i) for i in p) for p in np.argwhere(
            np.all(windows == value, axis=(2, 3)))] if value.shape == (kh, kw) else []
        if hits:
            rr, cc = hits[0]
            return _plain(name, case, "wrong_position",
                          "the windows are taken at the wrong position.",
                          f"subimages[{rc}] holds the window whose top-left corner is "
                          f"({rr}, {cc}). The key is the top-left corner (not the centre) of "
                          "the window: subimages[(r, c)] = im[r:r+kh, c:c+kw].", right, value)
    return _plain(name, case, "wrong_values", "a window does not hold the image's values.",
                  f"subimages[{rc}] should be im[{r}:{r + kh}, {c}:{c + kw}] =\n{fmt(right)}\n"
                  f"  yours:\n{fmt(value)}" if not case.hidden else
                  f"subimages[{rc}] should be im[{r}:{r + kh}, {c}:{c + kw}].", right, value)


# --------------------------------------------------------------------------------------------
# window_choice
# --------------------------------------------------------------------------------------------

_WHY_WRONG = {
    "im[r:r+2, c:c+2]": ("off_by_one", "that window is only 2x2.",
                         "The stop of a slice is excluded: r:r+2 holds the two rows r and r+1. "
                         "Three rows need r:r+3."),
    "im[r-1:r+2, c-1:c+2]": ("shifted", "that window is centred on (r, c).",
                             "It is 3x3, but (r, c) is its centre. The question asks for the "
                             "window whose top-left corner is (r, c)."),
    "im[c:c+3, r:r+3]": ("transposed", "rows and columns are swapped.",
                         "The first index of im[row, col] is the row: the rows of the window "
                         "start at r."),
    "im[r:r+4, c:c+4]": ("too_large", "that window is 4x4.",
                         "The stop of a slice is excluded: r:r+4 holds four rows, r to r+3."),
}


def diagnose_choice(case: Case, actual: Any) -> Verdict:
    name = "window_choice"
    answer = CHECKS[name].answer
    letters = ", ".join(WINDOW_CHOICE_OPTIONS)
    if type(actual) is not str:
        return _plain(name, case, "wrong_type", "the answer must be a letter in quotes.",
                      f"Set window_choice to one of {letters} as a string, e.g. "
                      f'window_choice = "A"; yours is a {_type_name(actual)}.', answer, actual)
    letter = actual.strip().upper()
    if letter not in WINDOW_CHOICE_OPTIONS:
        return _plain(name, case, "wrong_type", f"{actual!r} is not one of the options.",
                      f"Answer with one letter: {letters}.", answer, actual)
    if letter == answer:
        return Verdict(True, "", answer, actual)
    option = WINDOW_CHOICE_OPTIONS[letter]
    mistake, title, why = _WHY_WRONG.get(option, ("unrecognised", "not this one.", ""))
    return Verdict(False, f"{name}: {letter}, {option}: {title}\n{why}", answer, actual,
                   mistake)


# --------------------------------------------------------------------------------------------
# the dispatcher
# --------------------------------------------------------------------------------------------


def diagnose(name: str, case: Case, actual: Any, *, inputs_modified: bool = False,
             raised: str | None = None) -> Verdict:
    """See :func:`convkit.checks.diagnose` (which validates the arguments and calls this)."""
    from convkit.checks import reference

    if name == "window_choice":
        return diagnose_choice(case, actual)
    first = _common(name, case, None, actual, inputs_modified, raised)
    if first is not None:
        if first.expected is None and first.mistake == "input_modified":
            first.expected = reference(name, case)
        return first
    if name == "conv_output_shape":
        return diagnose_shape(case, actual)
    if name == "get_subimages":
        return diagnose_subimages(case, actual)
    if name in ("im_conv", "convolve", "opencv_im_conv", "opencv_convolve"):
        return diagnose_array(name, case, actual, conv_mistakes(name))
    if name == "flip_kernel":
        return diagnose_array(name, case, actual, flip_mistakes(), dtype="any", exact=True)
    if name == "box_blur_kernel":
        return diagnose_array(name, case, actual, box_mistakes())
    if name == "sharpen_kernel":
        return diagnose_array(name, case, actual, sharpen_mistakes())
    if name == "gradient_magnitude":
        return diagnose_array(name, case, actual, gradient_mistakes())
    raise ValueError(f"no diagnosis for {name!r}")  # pragma: no cover - CHECKS is complete
