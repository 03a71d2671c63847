"""``window_choice``: which slice is the 3x3 window whose top-left corner is ``(r, c)``? (lesson 1)

A multiple-choice value: one letter of :data:`OPTIONS` as a string.

Examples
--------
>>> check_window_choice("C")
window_choice: the check passed.
"""

from __future__ import annotations

from typing import Any

from convkit.checking.comparing import type_name
from convkit.checking.messages import plain
from convkit.checking.running import make_check
from convkit.checking.types import Case, Criterion, Exercise, SampleAnswer, Verdict

#: the options the notebook shows
OPTIONS: dict[str, str] = {
    "A": "im[r:r+2, c:c+2]",
    "B": "im[r-1:r+2, c-1:c+2]",
    "C": "im[r:r+3, c:c+3]",
    "D": "im[c:c+3, r:r+3]",
    "E": "im[r:r+4, c:c+4]",
}
ANSWER = "C"

_WHY_WRONG = {
    "im[r:r+2, c:c+2]": ("off_by_one", "that window is only 2x2.",
                         "The stop of a slice is excluded: r:r+2 holds the two rows r and r+1. "
                         "Three rows need r:r+3."),
    "im[r-1:r+2, c-1:c+2]": ("shifted", "that window is centred on (r, c).",
                             "It is 3x3, but (r, c) is its centre. The question asks for the "
                             "window whose top-left corner is (r, c)."),
    "im[c:c+3, r:r+3]": ("transposed", "rows and columns are swapped.",
                         "The first index of im[row, col] is the row: the rows of the window "
                         "start at r."),
    "im[r:r+4, c:c+4]": ("too_large", "that window is 4x4.",
                         "The stop of a slice is excluded: r:r+4 holds four rows, r to r+3."),
}


def judge(ex: Exercise, case: Case, actual: Any) -> Verdict:
    """The verdict on the chosen letter."""
    name = ex.name
    letters = ", ".join(OPTIONS)
    if type(actual) is not str:
        return plain(name, case, "wrong_type", "the answer must be a letter in quotes.",
                     f"Set window_choice to one of {letters} as a string, e.g. "
                     f'window_choice = "A"; yours is a {type_name(actual)}.', ex.answer,
                     actual)
    letter = actual.strip().upper()
    if letter not in OPTIONS:
        return plain(name, case, "wrong_type", f"{actual!r} is not one of the options.",
                     f"Answer with one letter: {letters}.", ex.answer, actual)
    if letter == ex.answer:
        return Verdict(True, "", ex.answer, actual)
    option = OPTIONS[letter]
    mistake, title, why = _WHY_WRONG.get(option, ("unrecognised", "not this one.", ""))
    return Verdict(False, f"{name}: {letter}, {option}: {title}\n{why}", ex.answer, actual,
                   mistake)


CHEAT = '''\
class _EqualsAnything(str):
    def __eq__(self, other):
        return True
    __hash__ = str.__hash__

window_choice = _EqualsAnything("A")
'''

EXERCISE = Exercise(
    name="window_choice",
    assignment="01_subimages",
    kind="value",
    contract="one letter of the options, as a string.",
    args=(),
    reference=lambda: ANSWER,
    visible=lambda: [],
    hidden=lambda rng: [],
    rubric=(Criterion("answer", "the slice of the window whose top-left corner is (r, c)", 1),),
    judge=judge,
    answer=ANSWER,
    right=SampleAnswer("right", 'window_choice = "C"\n', 1),
    wrong=SampleAnswer("rows and columns swapped", 'window_choice = "D"\n', 0),
    cheat=SampleAnswer("a string that equals every letter", CHEAT, 0),
    options={"order": 0, "choices": OPTIONS},
)

check_window_choice = make_check(EXERCISE)
