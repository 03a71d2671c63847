"""From a rebuilt notebook to the list of sandbox jobs, and from a job to its (cached) verdict.

A grading task (:mod:`convkit.grading.task`) and the autograde preprocessor
(``SandboxChecks``) use the same two functions with the same
:class:`~convkit.grading.context.GradingContext`, so they derive the same cache keys
and the preprocessor finds every verdict the task computed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from convkit.grading.cache import VerdictCache, question_key
from convkit.grading.context import GradingContext
from convkit.grading.rebuild import Finding, added_sources, answer_sources, graded_names
from convkit.grading.verdicts import NOT_GRADED, QuestionVerdict, grade_question


@dataclass(frozen=True)
class QuestionJob:
    """One graded function of one submission, ready to run."""

    student: str
    assignment: str
    name: str
    sources: tuple[str, ...]
    findings: tuple[Finding, ...]
    key: str
    scratch_cells: int = 0  #: how many of ``sources`` (the first) are cells the student added


def question_jobs(notebook: Mapping[str, Any], findings: Sequence[Finding], *, student: str,
                  assignment: str, context: GradingContext) -> list[QuestionJob]:
    """One job per auto-graded test cell of a rebuilt notebook.

    Examples
    --------
    >>> nb = {"cells": [
    ...     {"cell_type": "code", "source": "def f(x):\\n    return x",
    ...      "metadata": {"nbgrader": {"grade_id": "answer_f", "solution": True}}},
    ...     {"cell_type": "code", "source": "check_f(f)",
    ...      "metadata": {"nbgrader": {"grade_id": "test_f", "grade": True}}}]}
    >>> ctx = GradingContext(course_root="/srv/course", salt="s")
    >>> [(job.name, job.sources) for job in question_jobs(
    ...     nb, [], student="ada", assignment="a1", context=ctx)]
    [('f', ('def f(x):\\n    return x',))]
    """
    sources = tuple(answer_sources(notebook))
    scratch = len(added_sources(notebook))
    jobs = []
    for name in graded_names(notebook):
        mine = tuple(f for f in findings if f.question == name)
        key = question_key(student=student, assignment=assignment, name=name, sources=sources,
                           findings=mine, salt=context.salt, timeout=context.timeout,
                           memory_mb=context.memory_mb, scratch_cells=scratch)
        jobs.append(QuestionJob(student, assignment, name, sources, mine, key, scratch))
    return jobs


def verdict_for(job: QuestionJob, context: GradingContext,
                cache: VerdictCache | None = None) -> tuple[QuestionVerdict, bool]:
    """The job's verdict from the cache, or computed (and cached).

    An exception inside the grader (a bug, never the student's code: that runs in the
    sandbox) gives a ``not_graded`` verdict, which is not cached.

    Returns
    -------
    verdict : QuestionVerdict
    cached : bool
        True when the verdict came from the cache.
    """
    if cache is not None:
        hit = cache.get(job.key)
        if hit is not None:
            return hit, True
    try:
        verdict = grade_question(job.name, job.sources, student=job.student,
                                 assignment=job.assignment, context=context,
                                 findings=job.findings, scratch_cells=job.scratch_cells)
    except Exception as exc:  # a bug of the grader: this question is not graded, the run goes on
        detail = f"{type(exc).__name__}: {exc}"
        return QuestionVerdict(job.name, NOT_GRADED,
                               f"not graded: the grader failed on this question ({detail}); "
                               "your instructor will look at it", mistake="grader_error"), False
    if cache is not None:
        cache.put(job.key, verdict)
    return verdict, False
