"""The data of the check engine: cases, verdicts, mistakes, rubric criteria and exercises.

Nothing here runs a student's code or names an exercise: the exercise modules of
:mod:`convkit.exercises` fill these types in, and the other modules of
:mod:`convkit.checking` work on them. Imports go one way: exercises -> checking ->
checking.types.

Examples
--------
>>> import numpy as np
>>> case = Case("a 2x2 kernel", (np.eye(2),), criteria=("square",))
>>> case.copy_args()[0] is case.args[0]
False
>>> Criterion("square", "square kernels", 1).rule
'cases'
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

__all__ = [
    "FORBIDDEN_MODULES",
    "Case",
    "Criterion",
    "Exercise",
    "Mistake",
    "SampleAnswer",
    "Unserializable",
    "Verdict",
]

#: what an own-implementation exercise may not import (minus its ``allowed_modules``)
FORBIDDEN_MODULES: tuple[str, ...] = ("scipy", "cv2", "convkit", "skimage", "torch", "PIL",
                                      "imageio")

DEFAULT_SEED = 20_241_121  #: the seed of the hidden cases when none is given


@dataclass(frozen=True)
class Case:
    """One input of a check.

    Attributes
    ----------
    label : str
        Student-facing ("a 5x7 image (non-square) with a 2x3 asymmetric kernel").
    args : tuple
        The positional arguments (arrays, ints, tuples, strings); ``()`` for a value
        exercise, whose "actual" is the variable's value.
    hidden : bool
        Hidden cases never have their inputs printed in a message.
    criteria : tuple of str
        The ids of the rubric criteria this case belongs to: a criterion is met when
        every one of its cases passes.
    probe : bool
        A probing case (an impulse, a structured input): it reads what the student's
        function computes, belongs to no criterion and earns nothing by itself.
    """

    label: str
    args: tuple = ()
    hidden: bool = False
    criteria: tuple[str, ...] = ()
    probe: bool = False

    def copy_args(self) -> tuple:
        """Deep copies of :attr:`args`, to hand to a student's function."""
        return tuple(a.copy() if isinstance(a, np.ndarray) else copy.deepcopy(a)
                     for a in self.args)

    def fresh(self) -> Case:
        """The same case with copies of its arguments."""
        return Case(self.label, self.copy_args(), self.hidden, self.criteria, self.probe)


class Unserializable:
    """Stand-in for a returned object the grader could not turn into plain data.

    Examples
    --------
    >>> Unserializable("Foo")
    <unserializable Foo object>
    """

    def __init__(self, type_name: str):
        if not isinstance(type_name, str):
            raise TypeError(f"type_name must be a str; got {type(type_name).__name__}")
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"<unserializable {self.type_name} object>"


@dataclass
class Verdict:
    """The outcome of one case: ``ok``, or a ``message`` naming the ``mistake``.

    ``expected``/``actual`` are kept for the difference picture; ``picture_kernels``
    (expected kernel, applied kernel) when probing recovered the kernel a linear filter
    applies.
    """

    ok: bool
    message: str = ""
    expected: Any = None
    actual: Any = None
    mistake: str | None = None
    picture_kernels: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def title(self) -> str:
        """The first line of the message, without the leading ``name:``."""
        first = self.message.strip().splitlines()[0] if self.message.strip() else ""
        head, sep, rest = first.partition(": ")
        return rest.strip() if sep and " " not in head else first.strip()


Model = Callable[..., Any]
ShapeRule = Callable[..., bool]


@dataclass(frozen=True)
class Mistake:
    """One recognised mistake: its id, the words a student reads and how to recognise it.

    ``models`` compute the wrong answer from the case's arguments (None when the model
    does not apply; a list for several candidates); the first one that applies also
    draws the tiny example. ``shape_rule(*args, shape=...)`` says whether an answer of
    that shape shows the mistake when no model matches its values. ``tiny`` overrides
    the exercise's tiny example arguments. ``predicate(actual, expected)`` recognises the
    mistake from two arrays of one shape when no single model can.
    """

    id: str
    title: str
    explain: str
    models: tuple[Model, ...] = ()
    shape_rule: ShapeRule | None = None
    tiny: tuple | None = None
    predicate: Callable[[np.ndarray, np.ndarray], bool] | None = None


@dataclass(frozen=True)
class Criterion:
    """One named part of an exercise's points.

    ``rule``:

    ``"cases"``
        met when every case listing this criterion's id passes;
    ``"unmodified"``
        met when no call changed its arguments in place;
    ``"form"``
        met when every result has the expected type, shape and dtype.

    The last two are generic: they are only awarded when the answer meets at least one
    ``"cases"`` criterion, so a wrong answer does not collect them.
    """

    id: str
    title: str
    points: float
    rule: Literal["cases", "unmodified", "form"] = "cases"

    @property
    def generic(self) -> bool:
        return self.rule != "cases"


@dataclass(frozen=True)
class SampleAnswer:
    """An answer of the sample class: its source, what it shows, the points it earns."""

    title: str
    source: str
    points: float


@dataclass(frozen=True)
class Exercise:
    """Everything about one graded name.

    Attributes
    ----------
    name, assignment : str
        The graded name (the test cell is ``test_<name>``) and its assignment folder.
    kind : {"function", "value"}
        A function the grader calls on each case, or a variable it reads.
    contract : str
        What the answer must do, in the student's words.
    args : tuple of str
        The argument names (for messages that show a case's inputs).
    reference : callable
        The right answer of a case: ``reference(*case.args)`` (``()`` for a value).
    visible, hidden : callable
        ``visible()`` -> the designed cases; ``hidden(rng)`` -> cases drawn from a
        ``numpy.random.Generator`` (the seed is the student's, see
        :func:`convkit.grading.seeds.student_seed`).
    rubric : tuple of Criterion
        The named parts of the points; they sum to :attr:`points`, the test cell's.
    mistakes : tuple of Mistake
        The mistake models of this exercise (tried in order).
    judge : callable or None
        ``judge(exercise, case, actual) -> Verdict`` for answers that are not one array
        (a shape tuple, a dict of windows, a letter); None: the engine's array diagnosis.
    tiny : tuple
        The arguments of the tiny example a message shows.
    dtype : {"float64", "any"}
        The dtype an array answer must have.
    exact : bool
        Compare arrays exactly instead of within the float tolerance.
    given_source : str
        Python source defining exactly what the lesson's notebook gives the student for
        this exercise (e.g. ``im_conv`` for ``convolve``); the sandbox defines it before
        the answer cells. Empty for most.
    own_implementation : bool
        True: the libraries that would do the work (:data:`FORBIDDEN_MODULES`) are
        forbidden, except :attr:`allowed_modules`.
    answer : object
        The right value of a ``value`` exercise.
    probe : object or None
        For linear filters, what probing compares the student's function with (see
        :mod:`convkit.checking.probing`); None: no probing.
    right, wrong, cheat : SampleAnswer or None
        The sample class's answers: right, a typical mistake, a cheat.
    options : dict
        Anything else the exercise's own judge needs (e.g. the choices of a letter).
    """

    name: str
    assignment: str
    kind: Literal["function", "value"]
    contract: str
    args: tuple[str, ...]
    reference: Callable[..., Any]
    visible: Callable[[], Sequence[Case]]
    hidden: Callable[[np.random.Generator], Sequence[Case]]
    rubric: tuple[Criterion, ...]
    mistakes: tuple[Mistake, ...] = ()
    judge: Callable[..., Verdict] | None = None
    tiny: tuple = ()
    dtype: Literal["float64", "any"] = "float64"
    exact: bool = False
    given_source: str = ""
    own_implementation: bool = True
    allowed_modules: tuple[str, ...] = ()
    answer: Any = None
    probe: Any = None
    right: SampleAnswer | None = None
    wrong: SampleAnswer | None = None
    cheat: SampleAnswer | None = None
    options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in ("function", "value"):
            raise ValueError(f"kind must be 'function' or 'value'; got {self.kind!r}")
        ids = [c.id for c in self.rubric]
        if not ids or len(set(ids)) != len(ids):
            raise ValueError(f"{self.name}: the rubric needs criteria with distinct ids")

    @property
    def points(self) -> float:
        """The test cell's points: the sum of the rubric's."""
        total = sum(c.points for c in self.rubric)
        return int(total) if float(total).is_integer() else total

    @property
    def grade_id(self) -> str:
        """The nbgrader ``grade_id`` of the test cell, ``test_<name>``."""
        return f"test_{self.name}"

    @property
    def forbidden_modules(self) -> tuple[str, ...]:
        """What the sandbox refuses to import for this exercise."""
        if not self.own_implementation:
            return ()
        return tuple(m for m in FORBIDDEN_MODULES if m not in self.allowed_modules)

    def cases(self, *, hidden: bool = False, seed: int | None = None) -> list[Case]:
        """The designed cases, or the hidden ones drawn from ``seed``; fresh copies.

        Parameters
        ----------
        hidden : bool
            False: the designed cases; True: the seeded hidden ones.
        seed : int or None
            The seed of the hidden cases (None: :data:`DEFAULT_SEED`).
        """
        if not isinstance(hidden, bool):
            raise TypeError(f"hidden must be a bool; got {type(hidden).__name__}")
        if seed is not None and (isinstance(seed, bool)
                                 or not isinstance(seed, int | np.integer)):
            raise TypeError(f"seed must be an int or None; got {type(seed).__name__}")
        if self.kind == "value":
            ids = tuple(c.id for c in self.rubric if not c.generic)
            return [Case("your answer", (), hidden, ids)]
        if hidden:
            rng = np.random.default_rng(DEFAULT_SEED if seed is None else int(seed))
            built = self.hidden(rng)
        else:
            built = self.visible()
        return [case.fresh() for case in built]

    def expected(self, case: Case) -> Any:
        """The right answer of ``case``."""
        if not isinstance(case, Case):
            raise TypeError(f"case must be a Case; got {type(case).__name__}")
        if self.kind == "value":
            return self.answer
        return self.reference(*case.args)
