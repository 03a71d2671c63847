"""``identify_filter(response, position, kernel)``: what does a black-box filter apply? (lesson 3)

A linear filter (a black box: a library function, a camera's blur) was given ``kernel`` and
run in valid mode on an image of zeros holding a single 1 at ``position = (p, q)``;
``response`` is what it returned. Return ``(weights, operation)``:

* ``weights``: the ``kh x kw`` kernel the filter really applies, written for correlation,
  i.e. the one with ``filter(im) == im_conv(im, weights)`` for every image. In valid mode
  the impulse shows up in the response rows ``p - kh + 1 .. p`` and columns
  ``q - kw + 1 .. q``, and a correlation draws its kernel rotated by 180 degrees there, so
  ``weights`` is that window rotated back: ``response[p-kh+1:p+1, q-kw+1:q+1][::-1, ::-1]``;
* ``operation``: ``"correlates"`` when ``weights`` equals ``kernel`` (the filter uses the
  kernel as written), ``"convolves"`` when it equals ``kernel`` flipped.

The cases only use kernels that flipping changes, and impulses far enough from the border
for the whole kernel to show. Every case is graded twice, once for each part (two criteria).

Examples
--------
>>> import numpy as np
>>> def identify_filter(response, position, kernel):
...     (p, q), (kh, kw) = position, kernel.shape
...     weights = response[p - kh + 1:p + 1, q - kw + 1:q + 1][::-1, ::-1]
...     same = np.allclose(weights, kernel)
...     return weights, "correlates" if same else "convolves"
>>> check_identify_filter(identify_filter)
identify_filter: all 10 checks passed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from convkit.checking.comparing import close, fmt, type_name
from convkit.checking.messages import plain
from convkit.checking.models import correlate
from convkit.checking.running import make_check
from convkit.checking.types import Case, Criterion, Exercise, SampleAnswer, Verdict
from convkit.exercises._cases import K3X3, K4X4

WEIGHTS, OPERATION, UNMODIFIED = "weights", "operation", "unmodified"
CORRELATES, CONVOLVES = "correlates", "convolves"
OPERATIONS = (CORRELATES, CONVOLVES)

__all__ = ["EXERCISE", "check_identify_filter", "impulse_response", "mystery_filters"]


def impulse_response(kernel: np.ndarray, image_shape: tuple[int, int],
                     position: tuple[int, int], operation: str) -> np.ndarray:
    """The valid-mode response of a filter to a single 1 at ``position`` of a zero image.

    ``operation`` ``"correlates"`` (the kernel as written, like ``im_conv``) or
    ``"convolves"`` (the kernel flipped first).

    Examples
    --------
    >>> impulse_response(np.array([[1.0, 2.0]]), (1, 3), (0, 1), "correlates")
    array([[2., 1.]])
    >>> impulse_response(np.array([[1.0, 2.0]]), (1, 3), (0, 1), "convolves")
    array([[1., 2.]])
    """
    if operation not in OPERATIONS:
        raise ValueError(f"operation must be 'correlates' or 'convolves'; got {operation!r}")
    k = np.asarray(kernel, dtype=np.float64)
    im = np.zeros(image_shape)
    im[position] = 1.0
    return correlate(im, k if operation == CORRELATES else k[::-1, ::-1])


def mystery_filters(kernel: np.ndarray) -> dict[str, Callable[[np.ndarray], np.ndarray]]:
    """Two black boxes given ``kernel``: ``"A"`` and ``"B"``; one correlates, one convolves.

    Each takes a grey image and returns its valid-mode result (float64), like a library
    function whose documentation does not say whether it flips the kernel.

    Examples
    --------
    >>> boxes = mystery_filters(np.array([[1.0, 2.0]]))
    >>> sorted(boxes), boxes["A"](np.array([[0.0, 1.0, 0.0]])).shape
    (['A', 'B'], (1, 2))
    """
    k = np.array(kernel, dtype=np.float64)
    flipped = k[::-1, ::-1].copy()

    def filter_a(im: np.ndarray) -> np.ndarray:
        """Black box A: a linear filter in valid mode (which one? find out)."""
        return correlate(im, flipped)

    def filter_b(im: np.ndarray) -> np.ndarray:
        """Black box B: a linear filter in valid mode (which one? find out)."""
        return correlate(im, k)

    return {"A": filter_a, "B": filter_b}


# --------------------------------------------------------------------------------------------
# the cases: every scenario twice, once per part


def _scenario(label: str, kernel: np.ndarray, image_shape: tuple[int, int],
              position: tuple[int, int], operation: str, hidden: bool = False) -> list[Case]:
    response = impulse_response(kernel, image_shape, position, operation)
    args = (response, tuple(int(v) for v in position), np.asarray(kernel, dtype=np.float64))
    return [Case(f"{label}: the weights", args, hidden, (WEIGHTS,)),
            Case(f"{label}: correlates or convolves", args, hidden, (OPERATION,))]


def _visible() -> list[Case]:
    k23 = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    k32 = np.array([[0.0, 1.0], [2.0, -1.0], [3.0, 0.5]])
    return [
        *_scenario("a filter that correlates, the 2x3 kernel [[1, 2, 3], [4, 5, 6]], the 1 at "
                   "(3, 3) of a 6x7 image", k23, (6, 7), (3, 3), CORRELATES),
        *_scenario("a filter that convolves, the same kernel and impulse", k23, (6, 7), (3, 3),
                   CONVOLVES),
        *_scenario("a filter that correlates, a 3x3 kernel, the 1 at (2, 2) of a 7x6 image "
                   "(the response's top-left corner)", K3X3, (7, 6), (2, 2), CORRELATES),
        *_scenario("a filter that convolves, a 3x2 kernel, the 1 at (5, 6) of an 8x8 image "
                   "(the response's bottom-right corner)", k32, (8, 8), (5, 6), CONVOLVES),
        *_scenario("a filter that convolves, a 4x4 kernel, the 1 at (5, 4) of a 9x10 image",
                   K4X4, (9, 10), (5, 4), CONVOLVES),
    ]


def _random_kernel(rng: np.random.Generator) -> np.ndarray:
    while True:
        kh, kw = int(rng.integers(2, 6)), int(rng.integers(2, 6))
        k = rng.integers(-9, 10, (kh, kw)).astype(np.float64) / 2
        if np.abs(k - k[::-1, ::-1]).max() >= 1:
            return k


def _hidden(rng: np.random.Generator) -> list[Case]:
    out: list[Case] = []
    kinds = [CORRELATES, CONVOLVES, *rng.choice(OPERATIONS, 4).tolist()]
    for operation in kinds:
        k = _random_kernel(rng)
        kh, kw = k.shape
        h, w = int(rng.integers(2 * kh, 18)), int(rng.integers(2 * kw, 18))
        p = int(rng.integers(kh - 1, h - kh + 1))
        q = int(rng.integers(kw - 1, w - kw + 1))
        out += _scenario(f"a filter that {operation}, a random {kh}x{kw} kernel", k, (h, w),
                         (p, q), str(operation), hidden=True)
    return out


# --------------------------------------------------------------------------------------------
# the right answer and the judge


def _window(response: np.ndarray, position: tuple[int, int], shape: tuple[int, int]
            ) -> np.ndarray:
    (p, q), (kh, kw) = position, shape
    return response[p - kh + 1:p + 1, q - kw + 1:q + 1]


def reference(response: np.ndarray, position: tuple[int, int],
              kernel: np.ndarray) -> tuple[np.ndarray, str]:
    """``(weights, operation)`` read off the impulse response."""
    weights = _window(np.asarray(response, dtype=np.float64), position,
                      np.shape(kernel))[::-1, ::-1].copy()
    return weights, CORRELATES if np.allclose(weights, kernel) else CONVOLVES


_ROTATE = ("In valid mode the impulse at (p, q) shows up in the response rows p - kh + 1 .. p "
           "and columns q - kw + 1 .. q, and there the response draws the kernel the filter "
           "correlates with rotated by 180 degrees (lesson 3, section 6). Rotate that window "
           "back: response[p-kh+1:p+1, q-kw+1:q+1][::-1, ::-1].")


def _shifted(response: np.ndarray, position: tuple[int, int], actual: np.ndarray,
             expected: np.ndarray) -> str | None:
    """Where in the response the student's window comes from, when it is another window."""
    kh, kw = expected.shape
    (p, q) = position
    padded = np.pad(response, ((kh - 1, kh - 1), (kw - 1, kw - 1)))  # windows that run past too
    for r in range(1 - kh, response.shape[0]):
        for c in range(1 - kw, response.shape[1]):
            if (r, c) == (p - kh + 1, q - kw + 1):
                continue
            piece = padded[r + kh - 1:r + 2 * kh - 1, c + kw - 1:c + 2 * kw - 1]
            if not piece.any():
                continue
            if close(actual, piece) or close(actual, piece[::-1, ::-1].copy()):
                why = ""
                if (r, c) == (p, q):
                    why = (" You used the impulse's position as the window's top-left corner; "
                           "in valid mode the response is smaller than the image and the "
                           "impulse sits at the window's bottom-right end.")
                elif (r, c) == (p - kh // 2, q - kw // 2):
                    why = (" You centred the window on the impulse, as if the response had the "
                           "image's size ('same' mode); a valid-mode response is shifted by "
                           "(kh // 2, kw // 2) compared to the image.")
                return (f"Your weights come from the window starting at response[{r}, {c}]; "
                        f"the impulse's window starts at response[{p - kh + 1}, "
                        f"{q - kw + 1}].{why}")
    return None


def _pair(actual: Any) -> tuple[Any, Any] | None:
    if type(actual) in (tuple, list) and len(actual) == 2:
        return actual[0], actual[1]
    return None


def _word(value: Any) -> str | None:
    if type(value) is not str:
        return None
    word = value.strip().lower()
    return word if word in OPERATIONS else None


def _judge_weights(ex: Exercise, case: Case, weights: Any, expected: np.ndarray) -> Verdict:
    name = ex.name
    response, position, kernel = case.args
    if type(weights) is not np.ndarray or weights.dtype.kind not in "biuf":
        return plain(name, case, "wrong_type", "the weights must be a NumPy array of numbers.",
                     f"The first item of your pair is a {type_name(weights)}: return the "
                     "kh x kw window of the response (an np.ndarray) as weights.",
                     expected, weights)
    if close(weights, expected):
        return Verdict(True, "", expected, weights)
    operation = CORRELATES if np.allclose(expected, kernel) else CONVOLVES
    if close(weights, expected[::-1, ::-1].copy()):
        if operation == CONVOLVES and close(weights, np.asarray(kernel, dtype=np.float64)):
            return plain(name, case, "kernel_as_given",
                         "this filter convolves: it applies the kernel flipped.",
                         "Your weights are the kernel the filter was given, and the response "
                         "draws it as it is: that is what a convolution does (its impulse "
                         "response IS the kernel). To reproduce it with im_conv you need the "
                         "kernel rotated by 180 degrees. " + _ROTATE, expected, weights)
        return plain(name, case, "unflipped",
                     "you returned the impulse response as it appears, not rotated back.",
                     "The window of the response around the impulse is the kernel rotated by "
                     "180 degrees, not the kernel: im_conv(im, window) would not reproduce the "
                     "filter. " + _ROTATE, expected, weights)
    if close(weights, expected.T.copy()) or close(weights, expected[::-1, ::-1].T.copy()):
        return plain(name, case, "transposed", "rows and columns are swapped.",
                     "position is (row, column) and kernel.shape is (kh, kw): the window is "
                     "kh rows by kw columns.", expected, weights)
    if weights.shape == response.shape and weights.shape != expected.shape:
        return plain(name, case, "whole_response", "you returned the whole response.",
                     f"The weights are the {expected.shape[0]}x{expected.shape[1]} window of "
                     "the response around the impulse; the rest of the response is zeros. "
                     + _ROTATE, expected, weights)
    if weights.shape == expected.shape:
        where = _shifted(response, position, weights, expected)
        if where is not None:
            return plain(name, case, "shifted_window", "you read the wrong window of the "
                         "response.", f"{where}\n{_ROTATE}", expected, weights)
    if weights.shape != expected.shape:
        short = (" A slice that runs past the edge of the response is silently cut short."
                 if weights.ndim == 2 and weights.shape[0] <= expected.shape[0]
                 and weights.shape[1] <= expected.shape[1] else "")
        return plain(name, case, "wrong_shape", "the weights have the wrong shape.",
                     f"Expected shape {expected.shape} (the kernel's), yours is "
                     f"{weights.shape}.{short}\n{_ROTATE}", expected, weights)
    lines = ["The weights do not match any window of the response.", _ROTATE]
    if not case.hidden:
        lines += ["  expected:", fmt(expected), "  yours:", fmt(weights)]
    return plain(name, case, "unrecognised", "the weights are not right.", "\n".join(lines),
                 expected, weights)


def _judge_operation(ex: Exercise, case: Case, weights: Any, said: Any,
                     expected: tuple[np.ndarray, str]) -> Verdict:
    name = ex.name
    right_weights, right_word = expected
    word = _word(said)
    if word is None:
        return plain(name, case, "wrong_word", "the operation must be 'correlates' or "
                     "'convolves'.", f"The second item of your pair is {said!r} "
                     f"({type_name(said)}): return the string 'correlates' or 'convolves'.",
                     expected, said)
    if word == right_word:
        return Verdict(True, "", expected, said)
    kernel = np.asarray(case.args[2], dtype=np.float64)
    if isinstance(weights, np.ndarray) and close(weights.astype(np.float64), right_weights):
        detail = ("Your weights are right, but you named the operation the wrong way round. "
                  f"The filter applies your weights with im_conv; they "
                  f"{'equal' if right_word == CORRELATES else 'are the flip of'} the kernel it "
                  f"was given, so it {right_word}.")
    else:
        detail = ("A correlation's response draws the kernel rotated by 180 degrees; a "
                  "convolution's response draws the kernel as it is (the two flips cancel). "
                  "Compare the weights (the window rotated back) with the kernel: equal means "
                  "it correlates, flipped means it convolves.")
    if right_word == CONVOLVES and not case.hidden:
        detail += f"\nThe kernel it was given:\n{fmt(kernel)}"
    return plain(name, case, "operation_swapped", f"this filter {right_word}, not '{word}'.",
                 detail, expected, said)


def judge(ex: Exercise, case: Case, actual: Any) -> Verdict:
    """The verdict on one returned ``(weights, operation)`` pair, for the case's part."""
    expected = ex.expected(case)
    pair = _pair(actual)
    if pair is None:
        return plain(ex.name, case, "wrong_type", "return a pair (weights, operation).",
                     f"Your function returned a {type_name(actual)}: return a tuple, e.g. "
                     "`return weights, 'correlates'`.", expected, actual)
    weights, said = pair
    if WEIGHTS in case.criteria:
        return _judge_weights(ex, case, weights, expected[0])
    return _judge_operation(ex, case, weights, said, expected)


RIGHT = '''\
def identify_filter(response, position, kernel):
    """The weights a filter applies (for correlation) and whether it correlates or convolves."""
    p, q = position
    kh, kw = kernel.shape
    window = response[p - kh + 1:p + 1, q - kw + 1:q + 1]  # where the impulse shows up
    weights = window[::-1, ::-1]  # a correlation draws its kernel rotated by 180 degrees
    if np.allclose(weights, kernel):
        return weights, "correlates"
    return weights, "convolves"
'''

WRONG = '''\
def identify_filter(response, position, kernel):
    """Read the kernel off the impulse response."""
    p, q = position
    kh, kw = kernel.shape
    weights = response[p - kh + 1:p + 1, q - kw + 1:q + 1]
    if np.allclose(weights, kernel):
        return weights, "correlates"
    return weights, "convolves"
'''

CHEAT = '''\
def identify_filter(response, position, kernel):
    """Ask the course's own code."""
    from convkit.exercises.identify_filter import reference
    return reference(response, position, kernel)
'''

EXERCISE = Exercise(
    name="identify_filter",
    assignment="03_kernel_flipping",
    kind="function",
    contract="(weights, operation): the kh x kw weights the filter applies written for "
             "correlation (the response's window at the impulse, rotated by 180 degrees), and "
             "'correlates' if they equal kernel, 'convolves' if they equal it flipped.",
    args=("response", "position", "kernel"),
    reference=reference,
    visible=_visible,
    hidden=_hidden,
    rubric=(
        Criterion(WEIGHTS, "the weights: the response's window at the impulse, rotated back",
                  2),
        Criterion(OPERATION, "correlates or convolves, for both kinds of filter", 1),
        Criterion(UNMODIFIED, "the response and the kernel left unmodified", 1, "unmodified"),
    ),
    judge=judge,
    tiny=(impulse_response(np.array([[1.0, 2.0]]), (2, 3), (1, 1), CORRELATES), (1, 1),
          np.array([[1.0, 2.0]])),
    dtype="any",
    right=SampleAnswer("right", RIGHT, 4),
    wrong=SampleAnswer("the impulse response read as the kernel (not rotated back)", WRONG, 0),
    cheat=SampleAnswer("imports the course's reference", CHEAT, 0),
    options={"order": 2},
)

check_identify_filter = make_check(EXERCISE)
