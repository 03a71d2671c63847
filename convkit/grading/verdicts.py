"""Decide one question: run the student's function out of process, judge it here.

For each graded name of a notebook, :func:`grade_question` takes the exercise from
:mod:`convkit.exercises`, runs the student's code cells in a fresh sandboxed process
(:func:`convkit.grading.sandbox.run_in_sandbox`) on the designed cases, on hidden cases
seeded for that student and, for a linear filter, on probing inputs; then judges every
returned value in the grader's own process with the check engine
(:mod:`convkit.checking`) and scores it by the exercise's rubric (partial credit). The
result, a :class:`QuestionVerdict`, is plain data (it round-trips through JSON, so it can be
cached) and is all the autograde preprocessor needs to write the test cell's output.

Nothing here names an exercise: what to define, forbid and expect comes from the exercise.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from convkit.grading.rebuild import Finding
from convkit.grading.seeds import student_seed

if TYPE_CHECKING:  # pragma: no cover
    from convkit.checking.types import Case, Exercise
    from convkit.grading.context import GradingContext
    from convkit.grading.sandbox import SandboxResult

PASS, FAIL, NOT_GRADED = "pass", "fail", "not_graded"
#: the note a verdict carries when its run could not be cut off the network
NO_NETWORK_LAYER = ("note: this run was not cut off the network (no network namespace here: "
                    "the grader runs without root, or the kernel refuses it); the audit hook "
                    "still refused Python's sockets, but C libraries could reach the network")
#: how many sandbox violations the feedback lists before summarising
MAX_LISTED = 3


@dataclass
class QuestionVerdict:
    """The grader's verdict on one graded name of one submission.

    Attributes
    ----------
    name : str
        The graded name.
    status : str
        ``"pass"`` (every case right: full points), ``"fail"`` (some case wrong: the
        points of the criteria met, possibly none) or ``"not_graded"``.
    headline : str
        One line for the summary table, e.g. ``"all 9 checks passed"``.
    details : str
        The full message for the test cell's output (several lines; empty when passed).
    n_cases, n_failed : int
        How many cases were run and how many failed (probing inputs not counted).
    mistake : str or None
        The identifier of the recognised mistake of the first failing case.
    picture : bytes or None
        A PNG of expected | actual | difference for the first wrong array (and the kernels,
        when probing recovered the one a linear filter applies).
    seconds : float
        Time spent in the sandbox.
    notes : list of str
        Remarks that cost nothing.
    score, max_score : float
        The points earned by the rubric and the test cell's points.
    criteria : list of dict
        One per rubric criterion: ``{"id", "title", "points", "met", "why"}``.
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
    score: float = 0.0
    max_score: float = 0.0
    criteria: list[dict[str, Any]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.status == PASS

    @property
    def partial(self) -> bool:
        """Some points, not all."""
        return self.status == FAIL and 0 < self.score < self.max_score

    def weighted(self, points: float) -> QuestionVerdict:
        """This verdict counted out of ``points`` (the test cell's weight) instead of the rubric's.

        The rubric decides which criteria are met; the test cell's ``points`` (what the
        instructor's ``solutions/`` say now) decide what the question is worth. Score and
        criteria scale in proportion, so re-weighting a question after release keeps full
        marks full and partial credit partial.

        Examples
        --------
        >>> v = QuestionVerdict("f", FAIL, "1 of 2 checks failed", score=3, max_score=5,
        ...                     criteria=[{"id": "a", "title": "a", "points": 3, "met": True},
        ...                               {"id": "b", "title": "b", "points": 2, "met": False}])
        >>> w = v.weighted(10)
        >>> w.score, w.max_score, [c["points"] for c in w.criteria]
        (6.0, 10.0, [6.0, 4.0])
        >>> v.weighted(5) is v
        True
        """
        points = float(points)
        if points == self.max_score or self.max_score <= 0 or points < 0:
            return self
        factor = points / self.max_score
        criteria = [{**c, "points": round(float(c.get("points", 0)) * factor, 6)}
                    for c in self.criteria]
        notes = list(self.notes)
        if self.partial:
            notes.append(f"this question is worth {points:g} points here: the rubric's "
                         f"{self.score:g} of {self.max_score:g} count as "
                         f"{round(self.score * factor, 6):g} of {points:g}")
        return replace(self, score=round(self.score * factor, 6), max_score=points,
                       criteria=criteria, notes=notes)

    def summary(self) -> dict[str, Any]:
        """What the notebook's metadata keeps for the feedback summary.

        ``{"status", "headline", "score", "max_score",
        "criteria": [{"id", "title", "points", "met"}]}``.

        Examples
        --------
        >>> QuestionVerdict("f", PASS, "all 3 checks passed", score=2, max_score=2,
        ...                 criteria=[{"id": "a", "title": "all", "points": 2, "met": True,
        ...                            "why": ""}]).summary()["criteria"]
        [{'id': 'a', 'title': 'all', 'points': 2, 'met': True}]
        """
        return {"status": self.status, "headline": self.headline, "score": self.score,
                "max_score": self.max_score,
                "criteria": [{k: c[k] for k in ("id", "title", "points", "met")}
                             for c in self.criteria]}

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


def _nothing(ex: Exercise | None, why: str) -> tuple[float, list[dict[str, Any]]]:
    """No points: every criterion unmet, for ``why``."""
    if ex is None:
        return 0, []
    return ex.points, [{"id": c.id, "title": c.title, "points": c.points, "met": False,
                        "why": why} for c in ex.rubric]


def tampered_verdict(name: str, findings: Sequence[Finding],
                     ex: Exercise | None = None) -> QuestionVerdict | None:
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
    max_score, criteria = _nothing(ex, costly[0].message)
    return QuestionVerdict(
        name, FAIL, costly[0].message,
        details="\n".join(f.message for f in costly),
        mistake="tampered" if costly[0].kind.startswith("test_") else costly[0].kind,
        max_score=max_score, criteria=criteria)


def blocked_message(ex: Exercise, violations: Sequence[str]) -> tuple[str, str]:
    """(headline, details) for a run the sandbox refused something in.

    Says what was blocked and, for an import of a library that would do the work, that the
    exercise asks for an own implementation.
    """
    listed = list(violations[:MAX_LISTED])
    more = len(violations) - len(listed)
    what = "; ".join(listed) + (f"; and {more} more" if more > 0 else "")
    imported = sorted({v.split()[-1].split(".")[0] for v in violations
                       if v.startswith("import of ")})
    libraries = [m for m in imported if m in ex.forbidden_modules]
    if libraries and ex.own_implementation:
        allowed = ", ".join(("NumPy",) + tuple(ex.allowed_modules))
        headline = (f"{' and '.join(libraries)} is not allowed in this exercise, so it earns "
                    "no points")
        detail = (f"The grader blocked: {what}.\nThis exercise asks for your own "
                  f"implementation: {', '.join(libraries)} would do the work you are asked "
                  f"to write. Use only {allowed} here.")
        return headline, detail
    headline = (f"your code did something that is not allowed while grading ({what}), so "
                "this exercise earns no points")
    return headline, (f"The grader blocked: {what}.\nAnswers may compute, not read files, "
                      "start processes, open connections or change the grader.")


def _cases(ex: Exercise, student: str, assignment: str, salt: str) -> list[Case]:
    from convkit.checking.probing import LinearProbe, probe_cases

    visible = ex.cases()
    hidden = ex.cases(hidden=True, seed=student_seed(salt, student, assignment, ex.name))
    probes = probe_cases(ex.probe) if isinstance(ex.probe, LinearProbe) else []
    return visible + hidden + probes


def grade_question(
    name: str,
    sources: Sequence[str],
    *,
    student: str,
    assignment: str,
    context: GradingContext,
    findings: Sequence[Finding] = (),
    scratch_cells: int = 0,
) -> QuestionVerdict:
    """Run and judge one graded name of one submission.

    Parameters
    ----------
    name : str
        The graded name (an exercise of :mod:`convkit.exercises`).
    sources : sequence of str
        The student's code cells of the notebook, in order (not yet IPython-transformed).
    student, assignment : str
        Whose work this is: they seed the hidden cases.
    context : GradingContext
        The run's settings: salt, timeout, memory, folders to hide.
    findings : sequence of Finding
        What :func:`convkit.grading.rebuild.rebuild` recorded; a finding that costs this
        question's points decides the verdict without running anything.

    Returns
    -------
    QuestionVerdict
    """
    from convkit import exercises

    try:
        ex = exercises.get(name)
    except KeyError:
        return QuestionVerdict(name, NOT_GRADED,
                               f"not graded: the grader has no exercise called {name}")
    verdict = tampered_verdict(name, findings, ex)
    if verdict is not None:
        return verdict

    from convkit.grading.sandbox import run_in_sandbox, transform_ipython

    all_cases = _cases(ex, student, assignment, context.salt)
    code = [transform_ipython(source) for source in sources]
    started = time.perf_counter()
    result = run_in_sandbox(code, name, all_cases, kind=ex.kind,
                            allowed_modules=ex.allowed_modules, forbid=ex.forbidden_modules,
                            given_source=ex.given_source, timeout=context.timeout,
                            memory_mb=context.memory_mb, hidden_folders=context.hidden_folders,
                            scratch_cells=scratch_cells)
    seconds = round(time.perf_counter() - started, 3)
    verdict = judge_run(ex, all_cases, result, seconds)
    if "netns" not in result.layers:  # DESIGN: the feedback says when that layer was missing
        verdict.notes.append(NO_NETWORK_LAYER)
    return verdict


def judge_run(ex: Exercise, all_cases: Sequence[Case], result: SandboxResult,
              seconds: float = 0.0) -> QuestionVerdict:
    """The verdict on a finished sandbox run of ``ex`` on ``all_cases``."""
    from convkit.checking.diagnosing import diagnose, input_modified_verdict
    from convkit.checking.rubric import Judged, score
    from convkit.checking.running import with_probe

    name = ex.name
    graded = [c for c in all_cases if not c.probe]
    n = len(graded)
    cell_errors = [f"a code cell raised {error}" for error in result.cell_errors]

    def nothing(headline: str, details: str, mistake: str) -> QuestionVerdict:
        max_score, criteria = _nothing(ex, headline)
        return QuestionVerdict(name, FAIL, headline, details=details.strip(), n_cases=n,
                               n_failed=n, mistake=mistake, seconds=seconds,
                               max_score=max_score, criteria=criteria)

    if result.violations:
        headline, detail = blocked_message(ex, result.violations)
        return nothing(headline, "\n".join([headline, detail, result.message, *cell_errors]),
                       "forbidden")
    if not result.cases and any("NotImplementedError" in e for e in result.cell_errors):
        headline = "not answered yet: the answer cell still raises NotImplementedError"
        return nothing(headline, f"{headline}\nReplace `raise NotImplementedError()` with "
                                 "your answer.", "not_implemented")
    if result.status != "ok" or len(result.cases) != len(all_cases):
        headline = result.message or f"the grader could not run your code ({result.status})"
        return nothing(headline, "\n".join([headline, *cell_errors]), result.status)

    judged: list[Judged] = []
    shown: list[Any] = []
    probe_results: list[Any] = []
    for case, outcome in zip(all_cases, result.cases, strict=True):
        if case.probe:
            probe_results.append(outcome.value if outcome.status == "ok" else None)
            continue
        if outcome.status == "error":
            value = diagnose(ex, case, None, raised=outcome.error or "an error")
            actual = None
        else:
            actual = outcome.value
            value = diagnose(ex, case, actual)
        judged.append(Judged(case, value, actual, bool(outcome.inputs_modified)))
        if outcome.inputs_modified:  # said first, as the visible check does
            shown.append(input_modified_verdict(ex, case, ex.expected(case), actual))
        else:
            shown.append(value)

    points, results = score(ex, judged)
    criteria = [r.to_json() for r in results]
    failures = [(j.case, v) for j, v in zip(judged, shown, strict=True) if not v.ok]
    if not failures:
        headline = ("right answer" if ex.kind == "value" else
                    f"all {_plural(n, 'check')} passed ({len(ex.cases())} visible, "
                    f"{n - len(ex.cases())} hidden)")
        return QuestionVerdict(name, PASS, headline, n_cases=n, seconds=seconds,
                               score=points, max_score=ex.points, criteria=criteria)

    failures.sort(key=lambda item: item[0].hidden)  # visible cases first (stable)
    first_case, first = failures[0]
    if ex.probe is not None and probe_results:
        first = with_probe(ex, first, probe_results)
    title = first.title
    if ex.kind == "value":
        headline = title or "wrong answer"
        lines = [first.message.strip()]
    else:
        headline = f"{len(failures)} of {_plural(n, 'check')} failed"
        if title:
            headline += f": {title}"
        lines = [f"{len(failures)} of {_plural(n, 'check')} failed. The first one:", "",
                 first.message.strip()]
    others = sorted({v.title for _, v in failures[1:] if v.mistake != first.mistake}
                    - {"", title})
    if others:
        lines += ["", "Other failing checks say:", *(f"  - {t}" for t in others)]
    lines += ["", points_text(points, ex.points, criteria)]
    if cell_errors:
        lines += ["", *cell_errors]
    return QuestionVerdict(
        name, FAIL, headline, details="\n".join(lines), n_cases=n, n_failed=len(failures),
        mistake=first.mistake, picture=_picture(name, first_case, first, failures),
        seconds=seconds, score=points, max_score=ex.points, criteria=criteria)


def points_text(points: float, max_score: float, criteria: Sequence[dict[str, Any]]) -> str:
    """``Points: 3 of 5`` and one line per criterion, met or missed (and why).

    Examples
    --------
    >>> print(points_text(1, 2, [{"title": "small", "points": 1, "met": True, "why": ""},
    ...                          {"title": "big", "points": 1, "met": False, "why": "no"}]))
    Points: 1 of 2
      ✔ small (1 point)
      ✘ big (1 point): no
    """
    lines = [f"Points: {points:g} of {max_score:g}"]
    for c in criteria:
        unit = "point" if c["points"] == 1 else "points"
        mark = "✔" if c["met"] else "✘"
        why = f": {c['why']}" if not c["met"] and c.get("why") else ""
        lines.append(f"  {mark} {c['title']} ({c['points']:g} {unit}){why}")
    return "\n".join(lines)


def _picture(name: str, first_case: Case, first: Any,
             failures: list[tuple[Any, Any]]) -> bytes | None:
    """PNG of expected | actual | difference for the first failing case with 2-D arrays."""
    from convkit.checking.picture import difference_png

    ordered = [(first_case, first)] + [f for f in failures if f[0] is not first_case]
    for case, judged in ordered:
        expected, actual = judged.expected, judged.actual
        if (type(expected) is np.ndarray and type(actual) is np.ndarray
                and expected.ndim == 2 and actual.ndim == 2
                and expected.size and actual.size):
            try:
                return difference_png(expected, actual, f"{name}: {case.label}",
                                      first.picture_kernels if case is first_case else None)
            except Exception:  # noqa: BLE001 - a missing picture must not cost a grade
                return None
    return None
