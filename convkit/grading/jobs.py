"""From a rebuilt notebook to the list of sandbox jobs, and from a job to its (cached) verdict.

The pipeline (many jobs in a thread pool) and the autograde preprocessor (one
notebook at a time) use the same two functions, so they derive the same cache keys
and the preprocessor finds every verdict the pipeline computed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from convkit.grading.cache import VerdictCache, question_key
from convkit.grading.rebuild import Finding, answer_sources, graded_names
from convkit.grading.verdicts import NOT_GRADED, QuestionVerdict, grade_question


@dataclass(frozen=True)
class GradingSettings:
    """How questions are graded.

    Attributes
    ----------
    salt : str
        The secret that seeds the hidden inputs.
    timeout : float
        Wall-clock seconds per sandboxed run (one graded function of one student).
    memory_mb : int or None
        The sandbox's memory limit (None: its default).

    Examples
    --------
    >>> GradingSettings("s3cret", 3).timeout
    3
    >>> GradingSettings("", 3)
    Traceback (most recent call last):
    ...
    ValueError: salt must be a non-empty string
    """

    salt: str
    timeout: float = 10.0
    memory_mb: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.salt, str) or not self.salt:
            raise ValueError("salt must be a non-empty string")
        if not self.timeout > 0:
            raise ValueError(f"timeout must be a positive number of seconds; got {self.timeout}")


@dataclass(frozen=True)
class QuestionJob:
    """One graded function of one submission, ready to run."""

    student: str
    assignment: str
    name: str
    sources: tuple[str, ...]
    findings: tuple[Finding, ...]
    key: str


def question_jobs(notebook: Mapping[str, Any], findings: Sequence[Finding], *, student: str,
                  assignment: str, settings: GradingSettings) -> list[QuestionJob]:
    """One job per auto-graded test cell of a rebuilt notebook.

    Examples
    --------
    >>> nb = {"cells": [
    ...     {"cell_type": "code", "source": "def f(x):\\n    return x",
    ...      "metadata": {"nbgrader": {"grade_id": "answer_f", "solution": True}}},
    ...     {"cell_type": "code", "source": "check_f(f)",
    ...      "metadata": {"nbgrader": {"grade_id": "test_f", "grade": True}}}]}
    >>> [(job.name, job.sources) for job in question_jobs(
    ...     nb, [], student="ada", assignment="a1", settings=GradingSettings("s"))]
    [('f', ('def f(x):\\n    return x',))]
    """
    sources = tuple(answer_sources(notebook))
    jobs = []
    for name in graded_names(notebook):
        mine = tuple(f for f in findings if f.question == name)
        key = question_key(student=student, assignment=assignment, name=name, sources=sources,
                           findings=mine, salt=settings.salt, timeout=settings.timeout)
        jobs.append(QuestionJob(student, assignment, name, sources, mine, key))
    return jobs


def verdict_for(job: QuestionJob, settings: GradingSettings,
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
                                 assignment=job.assignment, salt=settings.salt,
                                 timeout=settings.timeout, findings=job.findings,
                                 memory_mb=settings.memory_mb)
    except Exception as exc:  # a bug of the grader: this question is not graded, the run goes on
        detail = f"{type(exc).__name__}: {exc}"
        return QuestionVerdict(job.name, NOT_GRADED,
                               f"not graded: the grader failed on this question ({detail}); "
                               "your instructor will look at it", mistake="grader_error"), False
    if cache is not None:
        cache.put(job.key, verdict)
    return verdict, False
