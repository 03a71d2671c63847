"""Decide one question: run the student's function out of process, judge it here.

For each graded function of a notebook, :func:`grade_question` runs the student's
answer cells in a fresh sandboxed process (:func:`convkit.grading.sandbox.run_in_sandbox`)
on the visible cases and on hidden cases seeded for that student, then judges every
returned value in the grader's own process with :func:`convkit.checks.diagnose`.
The result, a :class:`QuestionVerdict`, is plain data (it round-trips through JSON,
so it can be cached) and is all the autograde preprocessor needs to write the test
cell's output.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from convkit.grading.rebuild import Finding
from convkit.grading.seeds import student_seed

PASS, FAIL, NOT_GRADED = "pass", "fail", "not_graded"
#: how many sandbox violations the feedback lists before summarising
MAX_LISTED = 3


@dataclass
class QuestionVerdict:
    """The grader's verdict on one graded function of one submission.

    Attributes
    ----------
    name : str
        The graded name, e.g. ``"im_conv"``.
    status : str
        ``"pass"``, ``"fail"`` or ``"not_graded"`` (the grader could not judge it).
    headline : str
        One line for the summary table, e.g. ``"all 9 checks passed"``.
    details : str
        The full message for the test cell's output (several lines; empty when passed).
    n_cases, n_failed : int
        How many cases were run and how many failed.
    mistake : str or None
        The identifier of the recognised mistake of the first failing case.
    picture : bytes or None
        A PNG of expected | actual | difference for the first wrong array.
    seconds : float
        Time spent in the sandbox.
    """

    name: str
    status: str
    headline: str
    details: str = ""
    n_cases: int = 0
    n_failed: int = 0
    mistake: str | None = None
    picture: bytes | None = None
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.status == PASS

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["picture"] = base64.b64encode(self.picture).decode("ascii") if self.picture else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> QuestionVerdict:
        data = dict(data)
        picture = data.get("picture")
        data["picture"] = base64.b64decode(picture) if picture else None
        return cls(**data)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def tampered_verdict(name: str, findings: Sequence[Finding]) -> QuestionVerdict | None:
    """The verdict of a question whose test or answer cell was tampered with, or None.

    Examples
    --------
    >>> edited = Finding("test_f", "test_edited", "the test cell test_f was edited", "f", True)
    >>> tampered_verdict("f", [edited]).headline
    'the test cell test_f was edited'
    >>> tampered_verdict("g", [edited]) is None
    True
    """
    costly = [f for f in findings if f.question == name and f.costs_points]
    if not costly:
        return None
    return QuestionVerdict(
        name, FAIL, costly[0].message,
        details="\n".join(f.message for f in costly),
        mistake="tampered" if costly[0].kind.startswith("test_") else costly[0].kind)


def grade_question(
    name: str,
    sources: Sequence[str],
    *,
    student: str,
    assignment: str,
    salt: str,
    timeout: float,
    findings: Sequence[Finding] = (),
    memory_mb: int | None = None,
) -> QuestionVerdict:
    """Run and judge one graded function of one submission.

    Parameters
    ----------
    name : str
        The graded name (a key of ``convkit.checks.CHECKS``).
    sources : sequence of str
        The student's code answer cells of the notebook, in order (not yet
        IPython-transformed).
    student, assignment : str
        Whose work this is: they seed the hidden cases.
    salt : str
        The grading salt (see :mod:`convkit.grading.seeds`).
    timeout : float
        Wall-clock seconds the sandboxed process may run.
    findings : sequence of Finding
        What :func:`convkit.grading.rebuild.rebuild` recorded; a finding that costs
        this question's points decides the verdict without running anything.
    memory_mb : int or None
        The sandbox's memory limit (None: the sandbox's default).

    Returns
    -------
    QuestionVerdict
    """
    from convkit import checks

    if name not in checks.CHECKS:
        return QuestionVerdict(name, NOT_GRADED,
                               f"not graded: the grader has no check called {name}")
    verdict = tampered_verdict(name, findings)
    if verdict is not None:
        return verdict

    from convkit.grading.sandbox import run_in_sandbox, transform_ipython

    spec = checks.CHECKS[name]
    visible = list(checks.cases(name))
    hidden = list(checks.cases(name, hidden=True,
                               seed=student_seed(salt, student, assignment, name)))
    all_cases = visible + hidden
    code = [transform_ipython(source) for source in sources]
    options: dict[str, Any] = {}
    if memory_mb is not None:
        options["memory_mb"] = memory_mb
    started = time.perf_counter()
    result = run_in_sandbox(code, name, all_cases, kind=spec.kind,
                            allowed_modules=spec.allowed_modules, given=spec.given,
                            timeout=timeout, **options)
    seconds = round(time.perf_counter() - started, 3)
    cell_errors = [f"an answer cell raised {error}" for error in result.cell_errors]

    if result.violations:
        listed = result.violations[:MAX_LISTED]
        more = len(result.violations) - len(listed)
        what = "; ".join(listed) + (f"; and {more} more" if more > 0 else "")
        headline = (f"your code did something that is not allowed while grading ({what}), "
                    "so this exercise earns no points")
        return QuestionVerdict(name, FAIL, headline,
                               details="\n".join([headline, result.message, *cell_errors]).strip(),
                               n_cases=len(all_cases), n_failed=len(all_cases),
                               mistake="forbidden", seconds=seconds)
    if not result.cases and any("NotImplementedError" in e for e in result.cell_errors):
        headline = "not answered yet: the answer cell still raises NotImplementedError"
        return QuestionVerdict(name, FAIL, headline,
                               details=f"{headline}\nReplace `raise NotImplementedError()` with "
                                       "your answer.",
                               n_cases=len(all_cases), n_failed=len(all_cases),
                               mistake="not_implemented", seconds=seconds)
    if result.status != "ok" or len(result.cases) != len(all_cases):
        headline = result.message or f"the grader could not run your code ({result.status})"
        return QuestionVerdict(name, FAIL, headline,
                               details="\n".join([headline, *cell_errors]),
                               n_cases=len(all_cases), n_failed=len(all_cases),
                               mistake=result.status, seconds=seconds)

    failures = []
    for case, outcome in zip(all_cases, result.cases, strict=True):
        if outcome.status == "error":
            judged = checks.diagnose(name, case, None, inputs_modified=outcome.inputs_modified,
                                     raised=outcome.error or "an error")
        else:
            judged = checks.diagnose(name, case, outcome.value,
                                     inputs_modified=outcome.inputs_modified)
        if not judged.ok:
            failures.append((not case.hidden, case, judged))

    n = len(all_cases)
    if not failures:
        headline = ("right answer" if spec.kind == "value" else
                    f"all {_plural(n, 'check')} passed ({len(visible)} visible, "
                    f"{len(hidden)} hidden)")
        return QuestionVerdict(name, PASS, headline, n_cases=n, seconds=seconds)

    failures.sort(key=lambda item: not item[0])  # visible cases first (stable)
    first = failures[0][2]
    headline_mistake = _title(name, first.message)
    if spec.kind == "value":  # one answer, not a series of checks
        headline = headline_mistake or "wrong answer"
        lines = [first.message.strip()]
    else:
        headline = f"{len(failures)} of {_plural(n, 'check')} failed"
        if headline_mistake:
            headline += f": {headline_mistake}"
        lines = [f"{len(failures)} of {_plural(n, 'check')} failed. The first one:", "",
                 first.message.strip()]
    others = sorted({_title(name, judged.message) for _, _, judged in failures[1:]
                     if judged.mistake != first.mistake} - {"", headline_mistake})
    if others:
        lines += ["", "Other failing checks say:", *(f"  - {title}" for title in others)]
    if cell_errors:
        lines += ["", *cell_errors]
    if first.mistake == "raised" and "NameError" in (first.message or ""):
        lines += ["", "Hint: the grader runs only your answer cells (with numpy as np): "
                  "a helper defined in another cell does not exist there."]
    return QuestionVerdict(
        name, FAIL, headline, details="\n".join(lines), n_cases=n, n_failed=len(failures),
        mistake=first.mistake, picture=_picture(failures, name), seconds=seconds)


def _title(name: str, message: str) -> str:
    """The first line of a diagnosis, without the leading ``name:``."""
    text = message.strip()
    return text.splitlines()[0].removeprefix(f"{name}:").strip() if text else ""


def _picture(failures: list[tuple[bool, Any, Any]], name: str) -> bytes | None:
    """PNG of expected | actual | difference for the first failing case with two 2-D arrays."""
    from convkit import checks

    for _visible, case, judged in failures:
        expected, actual = judged.expected, judged.actual
        if (type(expected) is np.ndarray and type(actual) is np.ndarray
                and expected.ndim == 2 and actual.ndim == 2
                and expected.size and actual.size):
            try:
                return checks.difference_png(expected, actual, f"{name}: {case.label}")
            except Exception:  # noqa: BLE001 - a missing picture must not cost a grade
                return None
    return None
