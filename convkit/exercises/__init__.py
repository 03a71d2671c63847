"""The graded exercises: one module per graded name, each defining one ``EXERCISE``.

The registry is found from this package (:mod:`pkgutil`): every public module here that
defines ``EXERCISE`` is an exercise, nothing is listed by hand. Adding an exercise is one
module, its notebook cells and ``convkit release`` (see ``ARCHITECTURE.md``).

The notebooks import their checks from here: ``from convkit.exercises import check_im_conv``
(each module's ``check_<name>``, found on first use).

Examples
--------
>>> get("im_conv").assignment
'02_im_conv'
>>> [ex.name for ex in for_assignment("03_kernel_flipping")]
['flip_kernel', 'convolve', 'identify_filter']
>>> from convkit.exercises import check_box_blur_kernel
>>> check_box_blur_kernel.__name__
'check_box_blur_kernel'
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from typing import Any

from convkit.checking.types import Exercise

__all__ = ["all_exercises", "for_assignment", "get", "names"]


@cache
def _registry() -> dict[str, Exercise]:
    found: dict[str, Exercise] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        exercise = getattr(module, "EXERCISE", None)
        if not isinstance(exercise, Exercise):
            continue
        if exercise.name != info.name:
            raise RuntimeError(f"{module.__name__} defines the exercise {exercise.name!r}; "
                               "the module must be named after it")
        found[exercise.name] = exercise
    return found


def _ordered() -> list[Exercise]:
    from convkit.course import ASSIGNMENTS

    order = {a.name: i for i, a in enumerate(ASSIGNMENTS)}
    return sorted(_registry().values(),
                  key=lambda ex: (order.get(ex.assignment, len(order)), ex.assignment,
                                  ex.options.get("order", 0), ex.name))


def all_exercises() -> list[Exercise]:
    """Every exercise, in course order (assignment, then its order in the notebook)."""
    return _ordered()


def names() -> list[str]:
    """Every graded name, in course order."""
    return [ex.name for ex in _ordered()]


def get(name: str) -> Exercise:
    """The exercise graded under ``name``.

    Raises
    ------
    TypeError
        If ``name`` is not a str.
    KeyError
        If no exercise has that name (the message lists the ones there are).
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str; got {type(name).__name__}")
    try:
        return _registry()[name]
    except KeyError:
        raise KeyError(f"name must be one of {', '.join(names())}; got {name!r}") from None


def for_assignment(assignment: str) -> list[Exercise]:
    """The exercises of one assignment folder, in notebook order."""
    if not isinstance(assignment, str):
        raise TypeError(f"assignment must be a str; got {type(assignment).__name__}")
    return [ex for ex in _ordered() if ex.assignment == assignment]


def __getattr__(attribute: str) -> Any:
    """``check_<name>`` of every exercise, for the notebooks' ``from ... import``."""
    if attribute.startswith("check_") and attribute[6:] in _registry():
        module = importlib.import_module(f"{__name__}.{attribute[6:]}")
        return getattr(module, attribute)
    raise AttributeError(f"module {__name__!r} has no attribute {attribute!r}")


def __dir__() -> list[str]:
    return sorted([*__all__, *(f"check_{n}" for n in _registry())])
