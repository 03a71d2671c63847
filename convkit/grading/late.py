"""Late work: due dates, per-student extensions and late penalties, set in the course's config.

nbgrader decides lateness from its gradebook: an assignment's ``duedate``, a student's
``extension`` (on nbgrader's submitted-assignment row) and the submission's time (the
``timestamp.txt`` nbgrader's ``submit`` writes and ``collect`` keeps). Its
``AssignLatePenalties`` step of ``autograde`` asks the late-penalty plugin
(``c.AssignLatePenalties.plugin_class``, by default nbgrader's ``LateSubmissionPlugin``
whose ``penalty_method`` is ``"none"`` or ``"zero"``) for the penalty of a late notebook.

The course's settings (``autograder/nbgrader_config.py``) name the due dates and the
extensions in one place::

    c.LateWork.duedates = {"02_im_conv": "2027-01-15 17:00:00 UTC"}
    c.LateWork.extensions = {"02_im_conv": {"ada": {"days": 2}}}
    c.LateSubmissionPlugin.penalty_method = "zero"

:class:`LateWork`, an autograde preprocessor placed just before ``AssignLatePenalties``,
writes them into whatever gradebook nbgrader autogrades into (plain nbgrader from
``autograder/``, ``convkit grade``'s workers), and ``convkit grade`` writes them into its
gradebook before grading (:func:`apply_late_work`). A due date or extension set only in the
gradebook (``nbgrader db assignment add A --duedate=...``, formgrader) is kept; one named in
the settings wins.

:class:`PerDayPenalty` is a late-penalty plugin that takes a fraction of the score per day
(or part of a day) late.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from nbgrader.plugins import LateSubmissionPlugin
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Dict, Float

from convkit.course import DEFAULT_COURSE_ID

__all__ = ["LateWork", "PerDayPenalty", "parse_duedate", "parse_extension", "late_settings",
           "apply_late_work", "read_late_work", "seconds_late"]

_UNITS = ("weeks", "days", "hours", "minutes")


def parse_duedate(text: Any, name: str = "duedate") -> datetime:
    """A due date as nbgrader stores it: a naive datetime in UTC.

    Examples
    --------
    >>> parse_duedate("2027-01-15 17:00:00 UTC")
    datetime.datetime(2027, 1, 15, 17, 0)
    >>> parse_duedate("2027-01-15T18:00:00+01:00")
    datetime.datetime(2027, 1, 15, 17, 0)
    """
    from nbgrader.utils import parse_utc

    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"{name} must be a date such as '2027-01-15 17:00:00 UTC'; got {text!r}")
    try:
        return parse_utc(text.strip())
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"{name} {text!r} is not a date such as "
                         f"'2027-01-15 17:00:00 UTC': {exc}") from None


def parse_extension(value: Any, name: str = "extension") -> timedelta:
    """An extension given as nbgrader's ``grant_extension`` takes it: weeks, days, hours, minutes.

    Examples
    --------
    >>> parse_extension({"days": 2})
    datetime.timedelta(days=2)
    >>> parse_extension({"hours": 1.5, "minutes": 30})
    datetime.timedelta(seconds=7200)
    >>> parse_extension("2 days")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: extension must be a dict such as {'days': 2} (keys weeks, ...); got '2 days'
    """
    if not isinstance(value, Mapping) or not value or not set(value) <= set(_UNITS):
        raise ValueError(f"{name} must be a dict such as {{'days': 2}} (keys "
                         f"{', '.join(_UNITS)}); got {value!r}")
    for unit, amount in value.items():
        if isinstance(amount, bool) or not isinstance(amount, int | float) or not (
                math.isfinite(amount) and amount >= 0):
            raise ValueError(f"{name}: {unit} must be a number >= 0; got {amount!r}")
    return timedelta(**{unit: float(amount) for unit, amount in value.items()})


def late_settings(settings: Mapping[str, Any]) -> tuple[dict[str, datetime],
                                                          dict[tuple[str, str], timedelta]]:
    """The due dates ``{assignment: datetime}`` and extensions ``{(student, assignment):
    timedelta}`` of the course's shared settings (:func:`convkit.course.shared_settings`).

    Examples
    --------
    >>> dates, ext = late_settings({"LateWork": {
    ...     "duedates": {"02_im_conv": "2027-01-15 17:00:00 UTC"},
    ...     "extensions": {"02_im_conv": {"ada": {"days": 1}}}}})
    >>> dates["02_im_conv"], ext[("ada", "02_im_conv")]
    (datetime.datetime(2027, 1, 15, 17, 0), datetime.timedelta(days=1))
    """
    late = settings.get("LateWork", {}) or {}
    raw_dates = late.get("duedates", {}) or {}
    raw_ext = late.get("extensions", {}) or {}
    if not isinstance(raw_dates, Mapping) or not isinstance(raw_ext, Mapping):
        raise ValueError("LateWork.duedates and LateWork.extensions must be dicts keyed by "
                         "assignment")
    dates = {str(a): parse_duedate(d, f"LateWork.duedates[{a!r}]") for a, d in raw_dates.items()}
    extensions = {}
    for assignment, students in raw_ext.items():
        if not isinstance(students, Mapping):
            raise ValueError(f"LateWork.extensions[{assignment!r}] must be a dict "
                             f"{{student: {{'days': 2}}}}; got {students!r}")
        for student, value in students.items():
            extensions[(str(student), str(assignment))] = parse_extension(
                value, f"LateWork.extensions[{assignment!r}][{student!r}]")
    return dates, extensions


def seconds_late(timestamp: datetime | None, duedate: datetime | None,
                 extension: timedelta | None) -> float:
    """nbgrader's ``total_seconds_late``: 0 without a time or a due date.

    >>> seconds_late(datetime(2027, 1, 16, 17), datetime(2027, 1, 15, 17), timedelta(hours=12))
    43200.0
    >>> seconds_late(datetime(2027, 1, 15), datetime(2027, 1, 15, 17), None)
    0.0
    """
    if timestamp is None or duedate is None:
        return 0.0
    due = duedate + extension if extension is not None else duedate
    return max(0.0, (timestamp - due).total_seconds())


# the gradebook -----------------------------------------------------------------------------
def apply_late_work(engine: Any, duedates: Mapping[str, datetime],
                    extensions: Mapping[tuple[str, str], timedelta],
                    course_id: str = DEFAULT_COURSE_ID) -> None:
    """Write the settings' due dates and extensions into a gradebook.

    Assignments the gradebook does not hold are skipped. An extension goes through
    nbgrader's own ``Gradebook.grant_extension``, which makes the student's submission with
    its notebooks and empty grades, as ``autograde`` expects to find it.
    """
    from sqlalchemy import select

    from convkit.grading.gradebook import _tables

    t = _tables()
    a, sub = t["assignment"], t["submission"]
    with engine.begin() as conn:
        ids = dict(conn.execute(select(a.c.name, a.c.id)).all())
        for name, due in duedates.items():
            if name in ids:
                conn.execute(a.update().where(a.c.id == ids[name]).values(duedate=due))
        have = {(who, name): ext for who, name, ext in conn.execute(
            select(sub.c.student_id, a.c.name, sub.c.extension)
            .join(a, sub.c.assignment_id == a.c.id))}
    todo = {key: ext for key, ext in extensions.items()
            if key[1] in ids and have.get(key, None) != ext}
    if not todo:
        return
    from nbgrader.api import Gradebook

    with Gradebook(engine.url.render_as_string(hide_password=False), course_id) as gb:
        for (who, name), ext in sorted(todo.items()):
            gb.update_or_create_student(who)
            gb.update_or_create_submission(name, who)
            gb.grant_extension(name, who, minutes=ext.total_seconds() / 60)


def read_late_work(engine: Any) -> tuple[dict[str, datetime | None],
                                         dict[tuple[str, str], timedelta]]:
    """The gradebook's due dates ``{assignment: duedate or None}`` and extensions."""
    from sqlalchemy import select

    from convkit.grading.gradebook import _tables

    t = _tables()
    a, sub = t["assignment"], t["submission"]
    with engine.connect() as conn:
        dates = {name: due for name, due in conn.execute(select(a.c.name, a.c.duedate))}
        extensions = {(who, name): ext for who, name, ext in conn.execute(
            select(sub.c.student_id, a.c.name, sub.c.extension)
            .join(a, sub.c.assignment_id == a.c.id).where(sub.c.extension.is_not(None)))}
    return dates, extensions


# nbgrader's side -----------------------------------------------------------------------------
class LateWork(NbGraderPreprocessor):
    """Autograde step: the course's due date and this student's extension into the gradebook.

    Placed before nbgrader's ``AssignLatePenalties`` (see :func:`convkit.course.nbgrader_config`),
    so the penalty is computed from the due date and extension of the course's settings.
    """

    duedates = Dict(help="{assignment: due date}, e.g. {'02_im_conv': "
                         "'2027-01-15 17:00:00 UTC'}").tag(config=True)
    extensions = Dict(help="{assignment: {student: {'days': 2}}} (weeks, days, hours, "
                           "minutes)").tag(config=True)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        assignment, who = info["assignment"], info["student"]
        dates, extensions = late_settings({"LateWork": {"duedates": self.duedates,
                                                        "extensions": self.extensions}})
        due, extension = dates.get(assignment), extensions.get((who, assignment))
        if due is None and extension is None:
            return nb, resources
        from nbgrader.api import Gradebook

        with Gradebook(info["db_url"]) as gb:
            if due is not None:
                gb.find_assignment(assignment).duedate = due
            if extension is not None:
                gb.find_submission(assignment, who).extension = extension
            gb.db.commit()
        return nb, resources


class PerDayPenalty(LateSubmissionPlugin):
    """A late-penalty plugin: ``fraction_per_day`` of the score per day (or part of a day)
    late, at most ``max_fraction`` of it.

    ``c.AssignLatePenalties.plugin_class = "convkit.grading.late.PerDayPenalty"`` and
    ``c.PerDayPenalty.fraction_per_day = 0.1`` take 10 % off per day started.

    Examples
    --------
    >>> PerDayPenalty(fraction_per_day=0.1).late_submission_penalty("ada", 8.0, 90000)
    1.6
    >>> PerDayPenalty(fraction_per_day=0.5).late_submission_penalty("ada", 8.0, 10**6)
    8.0
    """

    fraction_per_day = Float(0.1, help="share of the score taken per day started").tag(
        config=True)
    max_fraction = Float(1.0, help="the largest share of the score taken").tag(config=True)

    def late_submission_penalty(self, student_id, score, total_seconds_late):
        if total_seconds_late <= 0:
            return None
        days = math.ceil(total_seconds_late / 86400)
        share = min(self.max_fraction, self.fraction_per_day * days)
        return round(float(score) * share, 6)
