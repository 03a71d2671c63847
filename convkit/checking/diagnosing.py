"""Naming the mistake: from a case and what the student's function did, a :class:`Verdict`.

:func:`diagnose` handles what every exercise shares (an exception, a changed input, a result
of the wrong type) and then either the exercise's own ``judge`` or :func:`diagnose_array`,
which tries the exercise's mistake models in order. Anything unrecognised still gets
expected vs actual.

Examples
--------
>>> import numpy as np
>>> from convkit.checking.types import Case, Criterion, Exercise, Mistake
>>> ex = Exercise("twice", "a", "function", "2 * x", ("x",), lambda x: 2.0 * x,
...               lambda: [], lambda rng: [], (Criterion("all", "every case", 1),),
...               mistakes=(Mistake("once", "you did not double.", "Multiply by 2.",
...                                 (lambda x: np.asarray(x, dtype=float),)),))
>>> diagnose(ex, Case("ones", (np.ones(2),)), np.ones(2)).mistake
'once'
>>> diagnose(ex, Case("ones", (np.ones(2),)), 2 * np.ones(2)).ok
True
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from convkit.checking.comparing import close, numeric, summary, type_name
from convkit.checking.messages import from_mistake, plain, unrecognised
from convkit.checking.types import Case, Exercise, Mistake, Model, Unserializable, Verdict

__all__ = ["diagnose", "diagnose_array", "input_modified_verdict", "raised_verdict",
           "wrong_type_verdict"]


def diagnose(ex: Exercise, case: Case, actual: Any, *, inputs_modified: bool = False,
             raised: str | None = None) -> Verdict:
    """Compare ``actual`` with the right answer of ``case`` and name the mistake.

    Parameters
    ----------
    ex : Exercise
        The exercise.
    case : Case
        The case the student's function ran on (``Case("your answer")`` for a value).
    actual : object
        What the function returned (or the variable's value); an :class:`Unserializable`
        when the grader could not decode it.
    inputs_modified : bool
        True when the function changed its arguments in place: the verdict says so even
        when the values are right.
    raised : str or None
        ``"ExceptionType: message"`` (or a traceback) when the function raised.

    Returns
    -------
    Verdict
        ``ok`` with an empty message, or a message whose first line names the problem and
        a stable ``mistake`` identifier. A bug of a mistake model never escapes: it gives
        a verdict asking the student to show it to the instructor.
    """
    if not isinstance(ex, Exercise):
        raise TypeError(f"ex must be an Exercise; got {type(ex).__name__}")
    if not isinstance(case, Case):
        raise TypeError(f"case must be a Case; got {type(case).__name__}")
    if raised is not None and not isinstance(raised, str):
        raise TypeError(f"raised must be a str or None; got {type(raised).__name__}")
    # the models compute wrong answers on purpose (uint8 casts, overflow): a warning on
    # stderr would cost the student the test cell's points in stock nbgrader
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            if raised is not None:
                return raised_verdict(ex, case, raised)
            verdict = (ex.judge(ex, case, actual) if ex.judge is not None
                       else diagnose_array(ex, case, actual))
            if inputs_modified:
                return input_modified_verdict(ex, case, ex.expected(case), actual)
            return verdict
        except Exception as exc:  # a checker bug must not stop the grading of a class
            return Verdict(
                False,
                f"{ex.name}: your result could not be checked.\nThe checker failed on it "
                f"({type(exc).__name__}: {exc}); please show this to your instructor.\n"
                f"It happened on {case.label}.", None, actual, "unrecognised")


# --------------------------------------------------------------------------------------------
# what every exercise shares
# --------------------------------------------------------------------------------------------

_RAISED_HINTS = (
    ("could not be broadcast", "A window and the kernel have different shapes. Each window is "
     "im[r:r+kh, c:c+kw], exactly the kernel's shape; a loop that runs past H - kh or a slice "
     "that is one short makes a window of another shape."),
    ("out of bounds", "An index ran past the end of an array. Rows go with shape[0] (height) "
     "and columns with shape[1] (width)."),
    ("cannot be interpreted as an integer", "range() and shapes need ints: use // (integer "
     "division) or int(...), not /."),
    ("is not defined", "Your function uses a name it does not define: a typo, or a variable "
     "or helper from a cell that was not run."),
    ("unsupported operand", "An operation got a value of the wrong type (None? a list?): "
     "check what each step returns."),
    ("positional argument", "Your function was called with a different number of arguments "
     "than its `def` line takes: compare the signature the exercise gives (including the "
     "arguments with defaults, such as `padding=0, stride=1`) with yours."),
    ("unexpected keyword argument", "Your function was called with an argument name its "
     "`def` line does not have: use exactly the names the exercise gives."),
    ("truth value of an array", "An `if` or `and`/`or` got a whole array: compare shapes or "
     "single values, or use np.array_equal(a, b) / np.all(...)."),
)


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


def raised_verdict(ex: Exercise, case: Case, raised: str) -> Verdict:
    """The function raised ``raised`` ("Type: message", or a traceback) on ``case``."""
    name = ex.name
    kind, raised = _exception(raised)
    if "matmul" in raised or "matrix multiplication" in raised:
        return plain(name, case, "matmul", "`@` (matrix product) is not the elementwise "
                     "product.", f"Your code raised {raised}\n`window @ kernel` multiplies "
                     "matrices (rows times columns); the weighted sum multiplies matching "
                     "entries: np.sum(window * kernel).")
    if kind in ("ImportError", "ModuleNotFoundError", "PermissionError") and any(
            m in raised for m in ex.forbidden_modules):
        allowed = ", ".join(("NumPy",) + ex.allowed_modules)
        return plain(name, case, "forbidden_import",
                     "this exercise asks for your own implementation.",
                     f"Your code raised {raised}\nUse only {allowed} here (the library "
                     "functions are what you are rebuilding).")
    if kind in ("TimeoutError", "Timeout"):
        return plain(name, case, "timeout", "your function took too long.",
                     f"{raised}\nCheck your loops: each output value needs one pass over "
                     "its inputs, not over everything.")
    if kind == "NotImplementedError":
        return plain(name, case, "not_implemented", "not answered yet.",
                     "The answer cell still raises NotImplementedError: replace "
                     "`raise NotImplementedError()` with your code.")
    hint = next((text for pattern, text in _RAISED_HINTS if pattern in raised),
                "Run your function on this case yourself to see where it fails.")
    return plain(name, case, "raised", f"your function raised {kind}.", f"{raised}\n{hint}")


def input_modified_verdict(ex: Exercise, case: Case, expected: Any, actual: Any) -> Verdict:
    """The function changed an argument in place."""
    return plain(
        ex.name, case, "input_modified", "your function changed its input.",
        "A function must not modify the arrays it is given: the caller still needs them. "
        "Work on a copy (e.g. `im = im.astype(np.float64)` or `kernel.copy()`) instead of "
        "assigning into the argument or using `+=`, `*=` on it.", expected, actual)


def wrong_type_verdict(ex: Exercise, case: Case, expected: Any, actual: Any,
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
        detail = f"It returned a {type_name(actual)}: return {want}."
    title = ("return an array, not a list." if isinstance(actual, list) and "array" in want
             else "the result has the wrong type.")
    return plain(ex.name, case, "wrong_type", title, detail, expected, actual)


# --------------------------------------------------------------------------------------------
# arrays: one engine for every exercise whose answer is an array
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


def recognise(ex: Exercise, case: Case, actual: np.ndarray, expected: np.ndarray,
              mistakes: Sequence[Mistake] | None = None) -> Verdict | None:
    """The verdict of the first mistake model that explains ``actual``, or None."""
    mistakes = ex.mistakes if mistakes is None else mistakes
    for m in mistakes:
        for model in m.models:
            if _matches(model, case.args, actual):
                return from_mistake(ex, case, m, expected, actual, model=model)
        if (m.predicate is not None and numeric(expected)
                and actual.shape == expected.shape and m.predicate(actual, expected)):
            return from_mistake(ex, case, m, expected, actual)
    for m in mistakes:
        if m.shape_rule is not None and actual.shape != np.shape(expected):
            try:
                hit = m.shape_rule(*case.args, shape=actual.shape)
            except Exception:
                hit = False
            if hit:
                extra = f"Your result has shape {actual.shape}; expected {np.shape(expected)}."
                return from_mistake(ex, case, m, expected, actual, extra)
    return None


def diagnose_array(ex: Exercise, case: Case, actual: Any) -> Verdict:
    """Diagnose an exercise whose answer is one array (see :attr:`Exercise.dtype`)."""
    expected = ex.expected(case)
    name = ex.name
    if type(actual) is not np.ndarray:
        if isinstance(actual, float | int | np.generic) and type(actual) is not bool:
            hit = recognise(ex, case, np.asarray(actual), expected)
            if hit is not None:
                return hit
        return wrong_type_verdict(ex, case, expected, actual)
    if actual.dtype.kind not in "biuf":
        return plain(name, case, "wrong_dtype", f"the result holds {actual.dtype} values.",
                     "Return an array of numbers (float64), not of objects, strings or "
                     "booleans.", expected, actual)
    same = (actual.shape == expected.shape and np.array_equal(actual, expected)) if ex.exact \
        else close(actual, expected)
    if same:
        if ex.dtype == "float64" and actual.dtype != np.float64:
            return plain(
                name, case, "wrong_dtype",
                f"the result has dtype {actual.dtype}, expected float64.",
                "The values are right, but the result must be a float64 array: start from "
                "np.zeros(shape) (float64 by default) or convert with .astype(np.float64). "
                "Integer arrays cannot hold fractions, and uint8 wraps around above 255.",
                expected, actual)
        return Verdict(True, "", expected, actual)
    hit = recognise(ex, case, actual, expected)
    if hit is not None:
        return hit
    if actual.shape != expected.shape:
        return plain(name, case, "wrong_shape", "the result has the wrong shape.",
                     f"Expected shape {expected.shape}, yours is {actual.shape}.",
                     expected, actual)
    if actual.dtype.kind == "f" and actual.dtype != np.float64 and np.allclose(
            actual, expected, rtol=1e-4, atol=1e-4):
        return plain(name, case, "wrong_dtype",
                     f"the result is only approximately right ({actual.dtype}).",
                     "Your values are close but not exact: compute in float64 (e.g. "
                     "`im.astype(np.float64)`, and ddepth=cv2.CV_64F with OpenCV).\n"
                     + summary(expected, actual), expected, actual)
    return unrecognised(ex, case, expected, actual)
