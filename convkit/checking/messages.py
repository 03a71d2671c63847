"""The words of a verdict: a first line naming the problem, the detail, where it failed.

Every message starts with ``<name>: <what is wrong>`` on one short line (the feedback's
headline), then says why and how to fix it, then on which case it failed. Hidden cases
never have their inputs printed: a recognised mistake is shown on the exercise's tiny
example instead. Messages are plain text (no markup).

Examples
--------
>>> from convkit.checking.types import Case
>>> v = plain("f", Case("a 2x2 kernel"), "wrong_type", "return an array.", "It returned None.")
>>> print(v.message)
f: return an array.
It returned None.
It failed on a 2x2 kernel.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from convkit.checking.comparing import fmt, small, summary
from convkit.checking.types import Case, Exercise, Mistake, Model, Verdict

__all__ = ["demo", "failed_on", "from_mistake", "plain", "plural", "show_args", "unrecognised"]


def plural(n: int, word: str) -> str:
    """``"1 check"``, ``"3 checks"``."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def failed_on(case: Case) -> str:
    """``It failed on <label>.`` (``(a hidden test)`` for hidden cases)."""
    return f"It failed on {case.label}" + (" (a hidden test)." if case.hidden else ".")


def show_args(names: tuple[str, ...], args: tuple) -> str:
    """The arguments of a case, one per line, named."""
    parts = []
    for arg_name, value in zip(names, args, strict=False):
        if isinstance(value, np.ndarray):
            parts.append(f"  {arg_name} ({value.dtype}) =\n{fmt(value)}")
        else:
            parts.append(f"  {arg_name} = {value!r}")
    return "\n".join(parts)


def plain(name: str, case: Case, mistake_id: str, title: str, detail: str,
          expected: Any = None, actual: Any = None) -> Verdict:
    """A failing verdict from its title and detail."""
    message = "\n".join(p for p in (f"{name}: {title}", detail, failed_on(case)) if p)
    return Verdict(False, message, expected, actual, mistake_id)


def demo(ex: Exercise, mistake: Mistake, first: Model | None = None) -> str:
    """Expected vs the mistake's answer on the tiny example, as text ('' if none applies)."""
    args = mistake.tiny if mistake.tiny is not None else ex.tiny
    if not args:
        return ""
    wrong = None
    for model in ((first,) if first is not None else ()) + mistake.models:
        try:
            wrong = model(*args)
        except Exception:  # a model that does not apply to the tiny example
            wrong = None
        if isinstance(wrong, list):
            wrong = wrong[0] if wrong else None
        if wrong is not None:
            break
    try:
        right = ex.reference(*args)
    except Exception:  # pragma: no cover - the tiny examples are valid inputs
        return ""
    lines = ["On a tiny example:", show_args(ex.args, args), "  the right answer:", fmt(right)]
    if wrong is not None:
        lines += ["  with this mistake:", fmt(wrong)]
    return "\n".join(lines)


def from_mistake(ex: Exercise, case: Case, mistake: Mistake, expected: Any, actual: Any,
                 extra: str = "", model: Model | None = None) -> Verdict:
    """The verdict of a recognised mistake: title, explanation, where, the tiny example."""
    parts = [f"{ex.name}: {mistake.title}", mistake.explain, extra, failed_on(case),
             demo(ex, mistake, model)]
    return Verdict(False, "\n".join(p for p in parts if p), expected, actual, mistake.id)


def unrecognised(ex: Exercise, case: Case, expected: Any, actual: Any,
                 title: str = "") -> Verdict:
    """Expected vs actual: in full for small visible cases, summarised otherwise."""
    title = title or "the result is not right."
    lines = [f"{ex.name}: {title}", failed_on(case)]
    if isinstance(expected, np.ndarray) and isinstance(actual, np.ndarray):
        if not case.hidden and small(expected) and small(actual) and all(
                not isinstance(a, np.ndarray) or small(a) for a in case.args):
            lines += [show_args(ex.args, case.args), "  expected:", fmt(expected),
                      f"  yours ({actual.dtype}):", fmt(actual)]
        else:
            lines.append(summary(expected, actual))
    else:
        lines += [f"  expected: {expected!r}", f"  yours:    {actual!r}"]
    return Verdict(False, "\n".join(lines), expected, actual, "unrecognised")
