"""Partial credit: which of an exercise's named criteria an answer meets, and its points.

Every case lists the criteria it belongs to; a ``"cases"`` criterion is met when each of
its cases passes. The generic criteria (``"unmodified"``: no call changed its inputs;
``"form"``: every result has the expected type, shape and dtype) are only awarded when at
least one ``"cases"`` criterion is met, so a wrong answer does not collect them.

Examples
--------
>>> import numpy as np
>>> from convkit.checking.types import Case, Criterion, Exercise, Verdict
>>> ex = Exercise("f", "a", "function", "", ("x",), lambda x: x, lambda: [], lambda r: [],
...               (Criterion("small", "small inputs", 1), Criterion("big", "big inputs", 1),
...                Criterion("unmodified", "inputs left unmodified", 1, "unmodified")))
>>> judged = [Judged(Case("1", criteria=("small",)), Verdict(True), None, False),
...           Judged(Case("2", criteria=("big",)), Verdict(False, "f: no."), None, False)]
>>> total, results = score(ex, judged)
>>> total, [r.met for r in results]
(2, [True, False, True])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from convkit.checking.types import Case, Exercise, Verdict

__all__ = ["CriterionResult", "Judged", "score"]


@dataclass(frozen=True)
class Judged:
    """One case as judged: its value verdict, the returned value, whether inputs changed."""

    case: Case
    verdict: Verdict
    actual: Any
    modified: bool


@dataclass(frozen=True)
class CriterionResult:
    """One criterion of the rubric, met or not, and why not (the first failing case)."""

    id: str
    title: str
    points: float
    met: bool
    why: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


#: why a generic criterion is not awarded to an answer that is right nowhere
GENERIC_WHY = "counts only once some inputs give the right result"


def _why(judged: Judged) -> str:
    title = judged.verdict.title.rstrip(".")
    if not judged.case.args:  # a value exercise: one answer, no inputs to name
        return title
    hidden = ", a hidden test" if judged.case.hidden else ""
    return f"{title} (on {judged.case.label}{hidden})"


def _form_ok(ex: Exercise, judged: Judged) -> bool:
    try:
        expected = ex.expected(judged.case)
    except Exception:  # noqa: BLE001 - an input the reference refuses has no form to match
        return True
    actual = judged.actual
    if isinstance(expected, np.ndarray):
        return (type(actual) is np.ndarray and actual.shape == expected.shape
                and (ex.dtype != "float64" or actual.dtype == np.float64))
    return type(actual) is type(expected)


def score(ex: Exercise, judged: Sequence[Judged]) -> tuple[float, list[CriterionResult]]:
    """The points an answer earns and the result of every criterion of ``ex.rubric``.

    Probing cases (``case.probe``) count for no criterion.
    """
    graded = [j for j in judged if not j.case.probe]
    results: list[CriterionResult] = []
    for criterion in ex.rubric:
        if criterion.rule == "cases":
            mine = [j for j in graded if criterion.id in j.case.criteria]
            failing = [j for j in mine if not j.verdict.ok]
            met = bool(mine) and not failing
            why = ("" if met else _why(failing[0]) if failing else "no case was run")
        elif criterion.rule == "unmodified":
            changed = [j for j in graded if j.modified]
            met = bool(graded) and not changed
            why = f"it changed its input on {changed[0].case.label}" if changed else ""
        else:
            bad = [j for j in graded if not _form_ok(ex, j)]
            met = bool(graded) and not bad
            why = f"the result has another type, shape or dtype on {bad[0].case.label}" \
                if bad else ""
        results.append(CriterionResult(criterion.id, criterion.title, criterion.points, met,
                                       why))
    any_value = any(r.met for r, c in zip(results, ex.rubric, strict=True) if not c.generic)
    if not any_value:
        results = [CriterionResult(r.id, r.title, r.points, False,
                                   r.why or GENERIC_WHY)
                   if c.generic else r for r, c in zip(results, ex.rubric, strict=True)]
    total = sum(r.points for r in results if r.met)
    return (int(total) if float(total).is_integer() else total), results
