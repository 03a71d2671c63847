"""Lesson 3's black-box exercise, ``identify_filter``: its cases, its reference against SciPy,
the black boxes, each typical mistake named, and the grader's points for the sample answers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st

from convkit import exercises
from convkit.checking import comparing
from convkit.checking.diagnosing import diagnose
from convkit.checking.running import check
from convkit.checking.types import Case, Verdict
from convkit.exercises.identify_filter import impulse_response, mystery_filters

NAME = "identify_filter"
EX = exercises.get(NAME)
SEEDS = (None, 1, 2, 3, 12345)


def all_cases() -> list[Case]:
    return EX.cases() + [c for s in SEEDS for c in EX.cases(hidden=True, seed=s)]


def first_failure(func: Callable[..., Any], *, hidden: bool = False,
                  seed: int | None = None) -> Verdict | None:
    for case in EX.cases(hidden=hidden, seed=seed):
        given_args = case.copy_args()
        try:
            actual = func(*given_args)
        except Exception as exc:
            verdict = diagnose(EX, case, None, raised=f"{type(exc).__name__}: {exc}")
        else:
            verdict = diagnose(EX, case, actual,
                               inputs_modified=comparing.args_changed(case.args, given_args))
        if not verdict.ok:
            return verdict
    return None


def _image_shape(response: np.ndarray, kernel: np.ndarray) -> tuple[int, int]:
    return (response.shape[0] + kernel.shape[0] - 1, response.shape[1] + kernel.shape[1] - 1)


# --------------------------------------------------------------------------------------------
# the cases and the reference


def test_the_cases_hold_both_kinds_of_filter_and_asymmetric_kernels():
    for cases in (EX.cases(), *(EX.cases(hidden=True, seed=s) for s in SEEDS)):
        operations = {EX.expected(c)[1] for c in cases}
        assert operations == {"correlates", "convolves"}
        for case in cases:
            response, (p, q), kernel = case.args
            kh, kw = kernel.shape
            h, w = _image_shape(response, kernel)
            assert kh - 1 <= p <= h - kh and kw - 1 <= q <= w - kw  # the whole kernel shows
            assert not np.array_equal(kernel, kernel[::-1, ::-1])
            assert case.criteria in (("weights",), ("operation",))
    visible = EX.cases()
    positions = {(c.args[1], c.args[0].shape, c.args[2].shape) for c in visible}
    corners = [(p, q) == (kh - 1, kw - 1) or (p, q) == (h - kh + kh - 1, w - kw + kw - 1)
               for (p, q), (h, w), (kh, kw) in positions]
    assert any(corners)  # the impulse at the edge of where the whole kernel shows


def test_the_reference_reproduces_the_filter_against_scipy():
    rng = np.random.default_rng(0)
    for case in all_cases():
        response, position, kernel = case.args
        weights, operation = EX.expected(case)
        im = np.zeros(_image_shape(response, kernel))
        im[position] = 1.0
        op = scipy.signal.correlate2d if operation == "correlates" else scipy.signal.convolve2d
        assert np.allclose(op(im, kernel, mode="valid"), response)  # the case is that filter
        photo = rng.normal(size=(kernel.shape[0] + 6, kernel.shape[1] + 5))
        assert np.allclose(op(photo, kernel, mode="valid"),
                           scipy.signal.correlate2d(photo, weights, mode="valid"))
        assert weights.shape == kernel.shape


@settings(max_examples=60, deadline=None)
@given(kh=st.integers(1, 5), kw=st.integers(1, 5), extra_h=st.integers(0, 6),
       extra_w=st.integers(0, 6), data=st.data(), convolves=st.booleans())
def test_an_impulse_anywhere_the_kernel_fits_gives_the_kernel_back(kh, kw, extra_h, extra_w,
                                                                    data, convolves):
    kernel = np.arange(1.0, kh * kw + 1).reshape(kh, kw)
    h, w = 2 * kh - 1 + extra_h, 2 * kw - 1 + extra_w
    p = data.draw(st.integers(kh - 1, h - kh))
    q = data.draw(st.integers(kw - 1, w - kw))
    operation = "convolves" if convolves else "correlates"
    response = impulse_response(kernel, (h, w), (p, q), operation)
    weights, said = EX.reference(response, (p, q), kernel)
    assert np.array_equal(weights, kernel[::-1, ::-1] if convolves else kernel)
    if kh * kw > 1:
        assert said == operation


def test_impulse_response_refuses_an_unknown_operation():
    with pytest.raises(ValueError, match="operation"):
        impulse_response(np.ones((2, 2)), (4, 4), (1, 1), "flips")


def test_the_black_boxes_one_convolves_one_correlates_and_leave_the_image_alone():
    k = np.array([[1.0, 2.0, 0.0], [-1.0, 3.0, 4.0]])
    boxes = mystery_filters(k)
    im = np.random.default_rng(1).normal(size=(9, 8))
    before = im.copy()
    assert np.allclose(boxes["A"](im), scipy.signal.convolve2d(im, k, mode="valid"))
    assert np.allclose(boxes["B"](im), scipy.signal.correlate2d(im, k, mode="valid"))
    assert np.array_equal(im, before)
    original = k.copy()
    k[0, 0] = 100.0  # the boxes keep their own copy of the kernel
    assert np.allclose(boxes["B"](im), scipy.signal.correlate2d(im, original, mode="valid"))


# --------------------------------------------------------------------------------------------
# answers: right ones pass, each mistake is named


def _read(fix: Callable[..., np.ndarray], word: Callable[[np.ndarray, np.ndarray], str]):
    def identify_filter(response, position, kernel):
        p, q = position
        kh, kw = kernel.shape
        weights = fix(response, p, q, kh, kw)
        return weights, word(weights, kernel)
    return identify_filter


def _fair(weights, kernel):
    same = weights.shape == kernel.shape and np.allclose(weights, kernel)
    return "correlates" if same else "convolves"


def _swapped(weights, kernel):
    return "convolves" if _fair(weights, kernel) == "correlates" else "correlates"


def _window(r, p, q, kh, kw):
    return r[p - kh + 1:p + 1, q - kw + 1:q + 1]


RIGHT = _read(lambda r, p, q, kh, kw: _window(r, p, q, kh, kw)[::-1, ::-1], _fair)


def _modifies(response, position, kernel):
    out = RIGHT(response, position, kernel)
    response[...] = 0
    return out[0].copy(), out[1]


MISTAKES = [
    (_read(lambda r, p, q, kh, kw: _window(r, p, q, kh, kw), _fair), "unflipped",
     ["as it appears", "[::-1, ::-1]"]),
    (lambda r, pos, k: (k.copy(), "correlates"), "kernel_as_given",
     ["convolves", "rotated by 180 degrees"]),
    (_read(lambda r, p, q, kh, kw: r[p - kh // 2:p - kh // 2 + kh,
                                     q - kw // 2:q - kw // 2 + kw][::-1, ::-1], _fair),
     "shifted_window", ["'same' mode", "starts at response["]),
    (_read(lambda r, p, q, kh, kw: np.pad(r, ((0, kh), (0, kw)))[p:p + kh, q:q + kw][::-1, ::-1],
           _fair), "shifted_window", ["top-left corner"]),
    (_read(lambda r, p, q, kh, kw: r[p:p + kh, q:q + kw][::-1, ::-1], _fair), "wrong_shape",
     ["cut short"]),
    (_read(lambda r, p, q, kh, kw: _window(r, p, q, kh, kw)[::-1, ::-1], _swapped),
     "operation_swapped", ["wrong way round"]),
    (_read(lambda r, p, q, kh, kw: _window(r, p, q, kh, kw)[::-1, ::-1], lambda w, k: "conv"),
     "wrong_word", ["'correlates' or 'convolves'"]),
    (_read(lambda r, p, q, kh, kw: _window(r, p, q, kh, kw)[::-1, ::-1].T, _fair),
     "transposed", ["rows and columns"]),
    (lambda r, pos, k: (r, "correlates"), "whole_response", ["whole response"]),
    (lambda r, pos, k: RIGHT(r, pos, k)[0], "wrong_type", ["pair"]),
    (lambda r, pos, k: (RIGHT(r, pos, k)[0].tolist(), "correlates"), "wrong_type",
     ["NumPy array"]),
    (_modifies, "input_modified", ["changed its input"]),
    (_read(lambda r, p, q, kh, kw: _window(r, p, q, kh, kw)[:, ::-1], _fair), "unrecognised",
     ["not right"]),
]


def test_right_answers_pass_every_case(capsys):
    for func in (RIGHT, EX.reference,
                 _read(lambda r, p, q, kh, kw: np.rot90(_window(r, p, q, kh, kw), 2), _fair)):
        library = func is EX.reference  # convkit's own: the check refuses it, the cases pass
        if not library:
            check(EX, func)
        assert first_failure(func) is None
        for seed in SEEDS:
            if not library:
                check(EX, func, hidden=True, seed=seed)
            assert first_failure(func, hidden=True, seed=seed) is None
    assert "passed" in capsys.readouterr().out


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize(("wrong", "mistake", "words"), MISTAKES)
def test_each_mistake_is_named(wrong, mistake, words, hidden):
    verdict = first_failure(wrong, hidden=hidden, seed=11)
    assert verdict is not None and verdict.mistake == mistake, verdict and verdict.message
    head, _, rest = verdict.message.partition("\n")
    assert head.startswith(f"{NAME}: ") and len(head) <= 100 and rest.strip(), head
    for word in words:
        assert word in verdict.message, (word, verdict.message)
    with pytest.raises(AssertionError):
        check(EX, wrong, hidden=hidden, seed=11)


def test_the_operation_check_compares_the_response_with_the_kernel():
    # a correlating filter, the kernel F: unflipped weights make the answer "convolves"
    case = next(c for c in EX.cases() if "operation" in c.criteria)
    assert EX.expected(case)[1] == "correlates"
    verdict = diagnose(EX, case, (case.args[2][::-1, ::-1].copy(), "convolves"))
    assert verdict.mistake == "operation_swapped" and "rotated by 180 degrees" in verdict.message


def test_the_sample_answers_and_the_notebook_answer_agree():
    namespace: dict[str, Any] = {"np": np}
    exec(EX.right.source, namespace)
    check(EX, namespace[NAME])
    exec(EX.wrong.source, namespace)
    assert first_failure(namespace[NAME]).mistake == "unflipped"
    assert EX.points == 4 and EX.right.points == 4 and EX.wrong.points == 0
    assert EX.cheat.points == 0 and "convkit" in EX.forbidden_modules


# --------------------------------------------------------------------------------------------
# the grader, in the sandbox


def _grade(*sources: str):
    from pathlib import Path

    from convkit.grading.context import GradingContext
    from convkit.grading.verdicts import grade_question

    root = Path(__file__).resolve().parent.parent
    context = GradingContext(course_root=root, salt="lesson3-tests", timeout=20)
    return grade_question(NAME, list(sources), student="ada", assignment=EX.assignment,
                          context=context)


OPERATION_SWAPPED = '''\
def identify_filter(response, position, kernel):
    """The weights right, the words the wrong way round."""
    p, q = position
    kh, kw = kernel.shape
    weights = response[p - kh + 1:p + 1, q - kw + 1:q + 1][::-1, ::-1]
    return weights, "convolves" if np.allclose(weights, kernel) else "correlates"
'''


@pytest.mark.slow
def test_the_grader_gives_the_sample_answers_their_points():
    right = _grade(EX.right.source)
    assert right.score == right.max_score == 4, right.details
    wrong = _grade(EX.wrong.source)
    assert wrong.score == 0 and wrong.mistake == "unflipped", wrong.details
    assert "as it appears" in wrong.details
    cheat = _grade(EX.cheat.source)
    assert cheat.score == 0, cheat.details
    partial = _grade(OPERATION_SWAPPED)
    assert partial.score == 3, partial.details  # the weights (2) and unmodified (1)
    assert {c["id"] for c in partial.criteria if not c["met"]} == {"operation"}
