"""The visible check, in the student's own kernel: run the cases, say what is wrong.

A test cell calls ``check_<name>(<name>)`` (made by :func:`make_check`): the student's
function runs on copies of each designed case's arguments, and the first failing case
raises :class:`CheckFailed`, whose message names the mistake. For a linear filter the
message also says what the function really computes (:mod:`convkit.checking.probing`).
IPython renders the exception through its ``_render_traceback_()``: the student sees the
message alone, no frames of convkit's internals.

The grader (:mod:`convkit.grading.verdicts`) runs the same cases in a sandbox and judges them
with the same :func:`convkit.checking.diagnosing.diagnose`, so the visible check and the
grader say the same about the same cases.

Examples
--------
>>> import numpy as np
>>> from convkit.checking.types import Case, Criterion, Exercise
>>> ex = Exercise("twice", "a", "function", "2 * x", ("x",), lambda x: 2.0 * x,
...               lambda: [Case("three ones", (np.ones(3),), criteria=("all",))],
...               lambda rng: [], (Criterion("all", "every case", 1),))
>>> check(ex, lambda x: 2.0 * x)
twice: the check passed.
>>> check(ex, lambda x: x)
Traceback (most recent call last):
...
convkit.checking.running.CheckFailed: twice: the result is not right.
...
"""

from __future__ import annotations

import ast
import dis
import types
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from convkit.checking.comparing import args_changed
from convkit.checking.diagnosing import diagnose
from convkit.checking.probing import LinearProbe, analyse, probe_cases
from convkit.checking.types import Exercise, Verdict

__all__ = ["CheckFailed", "NotWrittenYet", "check", "forbidden_uses", "make_check",
           "with_probe"]

RED, RESET = "\x1b[0;31m", "\x1b[0m"


class CheckFailed(AssertionError):
    """A visible check failed; IPython shows only its message (no convkit frames)."""

    def __init__(self, message: str, verdict: Verdict | None = None):
        super().__init__(message)
        self.message = message
        self.verdict = verdict

    def _render_traceback_(self) -> list[str]:
        lines = self.message.splitlines() or [""]
        return [f"{RED}✘ {lines[0]}{RESET}", *lines[1:]]


class NotWrittenYet(NotImplementedError):
    """The answer cell is still the release's stub."""

    def _render_traceback_(self) -> list[str]:
        return [f"{RED}{self.args[0]}{RESET}"]


def _run_probes(ex: Exercise, func: Callable[..., Any]) -> list[Any]:
    results = []
    for case in probe_cases(ex.probe):
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                results.append(func(*case.copy_args()))
        except Exception:  # noqa: BLE001 - a probe the function fails on tells nothing
            results.append(None)
    return results


def with_probe(ex: Exercise, verdict: Verdict, results: list[Any]) -> Verdict:
    """``verdict`` with what probing found added to its message (linear filters only)."""
    if verdict.ok or ex.probe is None or verdict.mistake in ("input_modified",
                                                             "not_implemented"):
        return verdict
    if not isinstance(ex.probe, LinearProbe):
        return verdict
    report = analyse(ex.probe, results)
    text = report.text()
    if not text:
        return verdict
    kernels = ((report.expected_kernel, report.applied)
               if report.applied is not None and not report.right else None)
    message, mistake = verdict.message, verdict.mistake
    found = report.finding()
    if found is not None and mistake in ("unrecognised", "raised", "wrong_shape"):
        # the written models did not know it: probing names it in the first line
        mistake, title = found
        message = f"{ex.name}: {title}\n{message.partition(chr(10))[2]}"
    return Verdict(False, f"{message}\n{text}", verdict.expected, verdict.actual, mistake,
                   kernels)


def _given_names(ex: Exercise) -> set[str]:
    try:
        tree = ast.parse(ex.given_source or "")
    except SyntaxError:  # pragma: no cover - the exercises' own source
        return set()
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)}


def _codes(code: types.CodeType) -> Iterator[types.CodeType]:
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _codes(const)


def _top(module_name: str) -> str:
    return module_name.split(".")[0]


def _from_a_file(func: Any) -> bool:
    """True for a function of an installed module; False for one typed in a notebook cell
    (IPython compiles cells under ``<ipython-input-...>`` or a temporary ``ipykernel`` file,
    doctest under ``<doctest ...>``, exec under ``<string>``)."""
    code = getattr(func, "__code__", None)
    if not isinstance(code, types.CodeType):
        return True  # a builtin or C function (cv2.filter2D)
    filename = code.co_filename
    return not (filename.startswith("<") or "ipykernel" in filename)


def forbidden_uses(ex: Exercise, func: Any, _seen: set[int] | None = None) -> list[str]:
    """What in ``func`` (and the helpers it calls) uses a module the exercise forbids.

    The visible check refuses what the grader's sandbox will refuse: an ``import`` of a
    forbidden module inside the function, or a global name bound to a forbidden module or
    to a function from one (``cv2.filter2D``, or convkit's reference ``im_conv`` from the
    setup cell). Names the lesson gives for this exercise (``given_source``) are allowed.

    Examples
    --------
    >>> import numpy as np
    >>> from convkit.checking.types import Criterion, Exercise
    >>> ex = Exercise("f", "a", "function", "", ("x",), abs, lambda: [], lambda r: [],
    ...               (Criterion("all", "all", 1),))
    >>> def uses_scipy(x):
    ...     import scipy.signal
    ...     return scipy.signal.convolve2d(x, x)
    >>> forbidden_uses(ex, uses_scipy)
    ['import of scipy.signal']
    >>> forbidden_uses(ex, lambda x: np.abs(x))
    []
    """
    forbidden = set(ex.forbidden_modules)
    code = getattr(func, "__code__", None)
    if not forbidden or not isinstance(code, types.CodeType):
        return []
    seen = set() if _seen is None else _seen
    if id(code) in seen:
        return []
    seen.add(id(code))
    own = getattr(func, "__module__", None)
    if isinstance(own, str) and _top(own) in forbidden and _from_a_file(func):
        return [f"use of {own}.{getattr(func, '__name__', '?')}"]  # the library's own
    given = _given_names(ex)
    namespace = getattr(func, "__globals__", {})
    found: list[str] = []
    for part in _codes(code):
        for instruction in dis.get_instructions(part):
            if instruction.opname == "IMPORT_NAME" and _top(str(instruction.argval)) in forbidden:
                found.append(f"import of {instruction.argval}")
        for name in part.co_names:
            if name in given or name not in namespace:
                continue
            value = namespace[name]
            module = (value.__name__ if isinstance(value, types.ModuleType)
                      else getattr(value, "__module__", None))
            if isinstance(value, types.FunctionType) and not _from_a_file(value):
                if value is not func:
                    found += forbidden_uses(ex, value, seen)  # a helper of the student's
            elif isinstance(module, str) and _top(module) in forbidden:
                found.append(f"use of {module}" if isinstance(value, types.ModuleType)
                             else f"use of {module}.{getattr(value, '__name__', name)}")
    return list(dict.fromkeys(found))


def check(ex: Exercise, func_or_value: Any, *, hidden: bool = False,
          seed: int | None = None) -> None:
    """Run ``ex``'s cases on the student's answer; raise :class:`CheckFailed` on a mistake.

    The function is called on copies of each case's arguments, compared with the originals
    afterwards, so modifying an input is detected. A stub's ``NotImplementedError`` becomes
    :class:`NotWrittenYet` ("... is not written yet"); any other exception becomes a
    :class:`CheckFailed` naming it and the case that triggered it.

    Parameters
    ----------
    ex : Exercise
    func_or_value : callable or object
        The student's function, or the variable's value for a ``value`` exercise.
    hidden, seed
        Run the seeded hidden cases instead of the designed ones.
    """
    __tracebackhide__ = True  # pytest and IPython show the student's frames only
    if not isinstance(ex, Exercise):
        raise TypeError(f"ex must be an Exercise; got {type(ex).__name__}")
    name = ex.name
    todo = ex.cases(hidden=hidden, seed=seed)
    if ex.kind == "function" and not callable(func_or_value):
        raise CheckFailed(
            f"{name}: expected a function, got a {type(func_or_value).__name__}.\n"
            f"Define `def {name}(...):` in the answer cell and run that cell first.")
    if ex.kind == "function" and ex.own_implementation:
        used = forbidden_uses(ex, func_or_value)
        if used:
            allowed = ", ".join(("NumPy",) + tuple(ex.allowed_modules))
            modules = sorted({_top(u.split()[-1]) for u in used})
            raise CheckFailed(
                f"{name}: {' and '.join(modules)} is not allowed in this exercise.\n"
                f"Your function uses: {'; '.join(used)}.\nThis exercise asks for your own "
                f"implementation: use only {allowed} here. The grader gives no points for "
                "an answer that calls the library doing the work.")
    for case in todo:
        cause = None
        if ex.kind == "value":
            verdict = diagnose(ex, case, func_or_value)
        else:
            given = case.copy_args()
            try:
                actual = func_or_value(*given)
            except NotImplementedError:
                raise NotWrittenYet(
                    f"{name} is not written yet: replace `raise NotImplementedError()` in "
                    "its answer cell with your code, run that cell, then run this check "
                    "again.") from None
            except Exception as exc:  # the student's code failed: name it
                verdict = diagnose(ex, case, None, raised=f"{type(exc).__name__}: {exc}")
                cause = exc
            else:
                verdict = diagnose(ex, case, actual,
                                   inputs_modified=args_changed(case.args, given))
            if not verdict.ok and ex.probe is not None:
                verdict = with_probe(ex, verdict, _run_probes(ex, func_or_value))
        if not verdict.ok:
            raise CheckFailed(verdict.message, verdict) from cause
    kind = "hidden check" if hidden else "check"
    print(f"{name}: the {kind} passed." if len(todo) == 1 else
          f"{name}: all {len(todo)} {kind}s passed.")


def make_check(ex: Exercise) -> Callable[..., None]:
    """The ``check_<name>(answer, *, hidden=False, seed=None)`` of a test cell."""

    def check_exercise(answer: Any, *, hidden: bool = False, seed: int | None = None) -> None:
        __tracebackhide__ = True
        check(ex, answer, hidden=hidden, seed=seed)

    check_exercise.__name__ = check_exercise.__qualname__ = f"check_{ex.name}"
    check_exercise.__doc__ = (f"Check ``{ex.name}``: {ex.contract.strip()}\n\n"
                              "A failure raises CheckFailed naming the mistake; "
                              "``hidden=True`` runs the seeded hidden cases.")
    return check_exercise
