"""Lesson 2's second half: ``pad_image`` and ``strided_im_conv``, their exercises and figures.

* the references in :mod:`convkit.core` against independent engines (``np.pad``,
  ``scipy.signal.correlate2d``, ``cv2.filter2D``), with Hypothesis; shapes from
  ``conv_output_shape``; inputs never modified; bad input refused by name;
* the exercise modules: the right answer passes every case for many seeds, each typical
  mistake is named by the visible check (and the grader agrees), the rubric's partial credit;
* the figures of :mod:`convkit.borders`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import signal

from convkit import borders, core, exercises
from convkit.checking import comparing
from convkit.checking.diagnosing import diagnose
from convkit.checking.running import CheckFailed, check
from convkit.checking.types import Verdict

ROOT = Path(__file__).resolve().parent.parent
PAD = exercises.get("pad_image")
STRIDED = exercises.get("strided_im_conv")
SEEDS = (None, 1, 2, 7, 12345)

values = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False, width=64)


def images(max_side: int = 12) -> st.SearchStrategy[np.ndarray]:
    shapes = st.tuples(st.integers(1, max_side), st.integers(1, max_side))
    return st.one_of(
        shapes.flatmap(lambda s: hnp.arrays(np.float64, s, elements=values)),
        shapes.flatmap(lambda s: hnp.arrays(np.int64, s, elements=st.integers(-50, 50))),
        shapes.flatmap(lambda s: hnp.arrays(np.uint8, s, elements=st.integers(0, 255))),
        shapes.flatmap(lambda s: hnp.arrays(np.float32, s, elements=st.integers(-9, 9)
                                            .map(float))),
    )


pads = st.one_of(st.integers(0, 5), st.tuples(st.integers(0, 5), st.integers(0, 5)))


# --------------------------------------------------------------------------------------------
# pad_image: the reference
# --------------------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(im=images(), pad=pads, mode=st.sampled_from(["zero", "replicate"]))
def test_pad_image_is_np_pad_constant_or_edge(im, pad, mode):
    before = im.copy()
    rows, cols = (pad, pad) if isinstance(pad, int) else pad
    out = core.pad_image(im, pad, mode)
    expected = np.pad(im, ((rows, rows), (cols, cols)),
                      mode="constant" if mode == "zero" else "edge")
    assert type(out) is np.ndarray and out.dtype == im.dtype
    assert out.shape == (im.shape[0] + 2 * rows, im.shape[1] + 2 * cols)
    assert np.array_equal(out, expected)
    assert np.array_equal(out[rows:rows + im.shape[0], cols:cols + im.shape[1]], im)
    assert not np.shares_memory(out, im)  # a new array, also for pad 0
    assert np.array_equal(im, before) and im.dtype == before.dtype


def test_pad_image_defaults_lists_and_the_same_size_convolution():
    im = np.arange(12.0).reshape(3, 4)
    assert np.array_equal(core.pad_image(im, 1), core.pad_image(im, 1, "zero"))
    assert np.array_equal(core.pad_image(im.tolist(), [1, 2]), core.pad_image(im, (1, 2)))
    assert np.array_equal(core.pad_image(im, np.array([2, 0]), "replicate"),
                          np.pad(im, ((2, 2), (0, 0)), mode="edge"))
    assert np.array_equal(core.pad_image(im, (np.int64(1), np.uint8(1))), np.pad(im, 1))
    for k in (1, 3, 5):
        same = core.im_conv(core.pad_image(im, k // 2), np.ones((k, k)))
        assert same.shape == im.shape
        assert np.allclose(same, signal.correlate2d(im, np.ones((k, k)), mode="same"))
        edge = core.im_conv(core.pad_image(im, k // 2, "replicate"), np.ones((k, k)) / k**2)
        assert np.allclose(edge, core.correlate(im, np.ones((k, k)) / k**2, "same",
                                                "replicate"))


@pytest.mark.parametrize(("args", "error", "words"), [
    ((np.ones((3, 3)), -1), ValueError, "pad must be an integer >= 0"),
    ((np.ones((3, 3)), (1, -2)), ValueError, "cannot be negative"),
    ((np.ones((3, 3)), (1, 2, 3)), ValueError, "pad must be"),
    ((np.ones((3, 3)), 1.0), TypeError, "pad must be an integer"),
    ((np.ones((3, 3)), True), TypeError, "pad must be"),
    ((np.ones((3, 3)), (1, 1.5)), TypeError, "pad must be"),
    ((np.ones((3, 3)), "1"), TypeError, "pad must be"),
    ((np.ones((3, 3)), 1, "edge"), ValueError, "'edge' is another library's name for "
                                               "'replicate'"),
    ((np.ones((3, 3)), 1, "reflect"), ValueError, "mode must be one of 'zero', 'replicate'"),
    ((np.ones((3, 3)), 1, "Zero"), ValueError, "lower case"),
    ((np.ones((3, 3)), 1, 0), TypeError, "mode must be a string"),
    ((np.ones((3, 3, 3)), 1), ValueError, "im must be a 2-D"),
    ((np.ones((0, 3)), 1), ValueError, "im must not be empty"),
    ((np.array([["a"]]), 1), TypeError, "im must hold real numbers"),
    ((np.ones((2, 2), bool), 1), TypeError, "im must hold numbers"),
    ((np.array([[1.0, np.nan]]), 1), ValueError, "im must hold finite numbers"),
])
def test_pad_image_refuses_bad_input_by_name(args, error, words):
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
        core.pad_image(*args)


# --------------------------------------------------------------------------------------------
# strided_im_conv: the reference
# --------------------------------------------------------------------------------------------


@st.composite
def strided_cases(draw):
    im = draw(images(14))
    h, w = im.shape
    kh, kw = draw(st.integers(1, h)), draw(st.integers(1, w))
    kernel = draw(hnp.arrays(np.float64, (kh, kw), elements=st.integers(-4, 4).map(float)))
    return im, kernel, draw(st.integers(1, 6))


def _filter2d_valid(im: np.ndarray, k: np.ndarray) -> np.ndarray:
    """cv2.filter2D (correlation) with a zero border and anchor (0, 0), cropped to valid."""
    out = cv2.filter2D(im.astype(np.float64), cv2.CV_64F, np.ascontiguousarray(k),
                       anchor=(0, 0), borderType=cv2.BORDER_CONSTANT)
    return out[:im.shape[0] - k.shape[0] + 1, :im.shape[1] - k.shape[1] + 1]


@settings(max_examples=150, deadline=None)
@given(case=strided_cases())
def test_strided_im_conv_is_the_valid_correlation_sliced(case):
    im, kernel, s = case
    before_im, before_k = im.copy(), kernel.copy()
    out = core.strided_im_conv(im, kernel, s)
    scipy_out = signal.correlate2d(im.astype(np.float64), kernel, mode="valid")[::s, ::s]
    assert type(out) is np.ndarray and out.dtype == np.float64
    assert out.shape == core.conv_output_shape(im.shape, kernel.shape, "valid", stride=s)
    assert out.shape == ((im.shape[0] - kernel.shape[0]) // s + 1,
                         (im.shape[1] - kernel.shape[1]) // s + 1)
    scale = max(1.0, float(np.abs(scipy_out).max()))
    assert np.allclose(out, scipy_out, atol=1e-9 * scale)
    assert np.allclose(out, _filter2d_valid(im, kernel)[::s, ::s], atol=1e-7 * scale)
    assert np.allclose(out, core.im_conv(im, kernel)[::s, ::s], atol=1e-9 * scale)
    assert np.array_equal(im, before_im) and np.array_equal(kernel, before_k)


def test_strided_im_conv_computes_uint8_in_float_and_takes_lists():
    im = np.full((5, 5), 255, dtype=np.uint8)
    assert np.array_equal(core.strided_im_conv(im, np.ones((3, 3)), 2), [[2295.0, 2295.0],
                                                                          [2295.0, 2295.0]])
    assert np.array_equal(core.strided_im_conv([[1, 2, 3, 4]], [[1]], np.int64(3)),
                          [[1.0, 4.0]])


@pytest.mark.parametrize(("args", "error", "words"), [
    ((np.ones((5, 5)), np.ones((3, 3)), 0), ValueError, "stride must be a positive integer"),
    ((np.ones((5, 5)), np.ones((3, 3)), -2), ValueError, "stride must be a positive integer"),
    ((np.ones((5, 5)), np.ones((3, 3)), 2.0), TypeError, "stride must be a positive integer"),
    ((np.ones((5, 5)), np.ones((3, 3)), True), TypeError, "stride must be"),
    ((np.ones((5, 5)), np.ones((3, 3)), (2, 2)), TypeError, "stride must be"),
    ((np.ones((5, 5)), np.ones((3, 3)), None), TypeError, "stride must be"),
    ((np.ones((5, 5, 3)), np.ones((3, 3)), 2), ValueError, "im must be a 2-D"),
    ((np.ones((5, 5)), np.ones(3), 2), ValueError, "kernel must be a 2-D"),
    ((np.ones((2, 5)), np.ones((3, 3)), 1), ValueError, "kernel of shape (3, 3) does not fit "
                                                        "inside im"),
    ((np.array([["a"]]), np.ones((1, 1)), 1), TypeError, "im must hold real numbers"),
    ((np.ones((3, 3)), np.array([[1 + 1j]]), 1), TypeError, "kernel must hold real numbers"),
    ((np.ones((3, 3)), np.array([[np.inf]]), 1), ValueError, "kernel must hold finite"),
])
def test_strided_im_conv_refuses_bad_input_by_name(args, error, words):
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
        core.strided_im_conv(*args)


# --------------------------------------------------------------------------------------------
# the exercises
# --------------------------------------------------------------------------------------------


def first_failure(ex, func: Callable[..., Any], *, hidden: bool = False,
                  seed: int | None = None) -> Verdict | None:
    """Run ``func`` the way the grader does (copies in, diagnose out); the first failure."""
    for case in ex.cases(hidden=hidden, seed=seed):
        given_args = case.copy_args()
        try:
            actual = func(*given_args)
        except Exception as exc:
            verdict = diagnose(ex, case, None, raised=f"{type(exc).__name__}: {exc}")
        else:
            verdict = diagnose(ex, case, actual,
                               inputs_modified=comparing.args_changed(case.args, given_args))
        if not verdict.ok:
            return verdict
    return None


def _answer(source: str, name: str) -> Callable[..., Any]:
    namespace: dict[str, Any] = {"np": np}
    exec(source, namespace)  # the exercise's own sample answers: trusted test data
    return namespace[name]


def _pair(pad):
    return (pad, pad) if np.ndim(pad) == 0 else tuple(pad)


def _np_mode(mode):
    return "edge" if mode == "replicate" else "constant"


def pad_right_by_hand(im, pad, mode="zero"):
    r, c = _pair(pad)
    return np.pad(im, ((r, r), (c, c)), mode=_np_mode(mode))


def pad_one_side(im, pad, mode="zero"):
    r, c = _pair(pad)
    return np.pad(im, ((r, 0), (c, 0)), mode=_np_mode(mode))


def pad_swapped(im, pad, mode="zero"):
    r, c = _pair(pad)
    return np.pad(im, ((c, c), (r, r)), mode=_np_mode(mode))


def pad_np_pad_pair(im, pad, mode="zero"):
    return np.pad(im, pad, mode=_np_mode(mode))  # (1, 3) is (before, after) for each axis


def pad_reflect(im, pad, mode="zero"):
    r, c = _pair(pad)
    return np.pad(im, ((r, r), (c, c)), mode="reflect" if mode == "replicate" else "constant")


def pad_symmetric(im, pad, mode="zero"):
    r, c = _pair(pad)
    return np.pad(im, ((r, r), (c, c)), mode="symmetric" if mode == "replicate" else "constant")


def pad_always_zero(im, pad, mode="zero"):
    r, c = _pair(pad)
    return np.pad(im, ((r, r), (c, c)))


def pad_corners_zero(im, pad, mode="zero"):
    r, c = _pair(pad)
    h, w = im.shape
    out = np.zeros((h + 2 * r, w + 2 * c), dtype=im.dtype)
    out[r:r + h, c:c + w] = im
    if mode == "replicate":
        out[:r, c:c + w], out[r + h:, c:c + w] = im[0], im[-1]
        out[r:r + h, :c], out[r:r + h, c + w:] = im[:, :1], im[:, -1:]
    return out


def pad_float_output(im, pad, mode="zero"):
    r, c = _pair(pad)
    h, w = im.shape
    out = np.zeros((h + 2 * r, w + 2 * c))
    out[r:r + h, c:c + w] = im
    return np.pad(im.astype(float), ((r, r), (c, c)), mode="edge") if mode == "replicate" \
        else out


def pad_uint8_output(im, pad, mode="zero"):
    r, c = _pair(pad)
    h, w = im.shape
    out = np.zeros((h + 2 * r, w + 2 * c), dtype=np.uint8)
    out[r:r + h, c:c + w] = im
    return np.pad(im, ((r, r), (c, c)), mode="edge") if mode == "replicate" else out


def pad_doubled(im, pad, mode="zero"):
    r, c = _pair(pad)
    return np.pad(im, ((2 * r, 2 * r), (2 * c, 2 * c)), mode=_np_mode(mode))


def pad_modifies_its_input(im, pad, mode="zero"):
    out = pad_right_by_hand(im, pad, mode)
    im[0, 0] = 0
    return out


PAD_MISTAKES = [
    (pad_one_side, "one_side", "one side only"),
    (pad_swapped, "pairs_swapped", "rows and columns of the pad are swapped"),
    (pad_np_pad_pair, "np_pad_before_after", "(before, after)"),
    (pad_reflect, "replicate_as_reflect", "np.pad's mode='edge'"),
    (pad_symmetric, "replicate_as_reflect", "mirrors it WITH the edge pixel"),
    (pad_always_zero, "replicate_as_zero", "gave a frame of zeros"),
    (lambda im, pad, mode="zero": pad_right_by_hand(im, pad, "replicate"),
     "zero_as_replicate", "mode 'zero' repeated the edge pixels"),
    (pad_corners_zero, "corners_not_filled", "corners of the frame are still 0"),
    (pad_float_output, "dtype_changed", "dtype changed (uint8 -> float64)"),
    (pad_uint8_output, ("dtype_changed", "values_lost"), "np.zeros(shape, dtype=im.dtype)"),
    (pad_doubled, "pad_doubled", "twice as wide"),
    (pad_modifies_its_input, "input_modified", "changed its input"),
    (_answer(PAD.wrong.source, "pad_image"), "replicate_as_reflect", "'reflect'"),
]


def strided_loop(im, k, s, *, rows=None, cols=None, scale=True, sr=None, sc=None,
                 dtype=None, flip=False):
    image = np.asarray(im) if dtype is not None else np.asarray(im, dtype=np.float64)
    k = np.asarray(k)[::-1, ::-1] if flip else np.asarray(k)
    kh, kw = k.shape
    sr, sc = s if sr is None else sr, s if sc is None else sc
    oh = (image.shape[0] - kh) // sr + 1 if rows is None else rows(image.shape[0], kh, sr)
    ow = (image.shape[1] - kw) // sc + 1 if cols is None else cols(image.shape[1], kw, sc)
    out = np.zeros((oh, ow), dtype=dtype or np.float64)
    for r in range(oh):
        for c in range(ow):
            top, left = (r * sr, c * sc) if scale else (r, c)
            out[r, c] = np.sum(image[top:top + kh, left:left + kw] * k)
    return out


STRIDED_MISTAKES = [
    (lambda im, k, s: strided_loop(im, k, s, scale=False), "input_offset_not_scaled",
     "does not move by the stride"),
    (lambda im, k, s: strided_loop(im, k, s, sc=1), "stride_one_axis", "one direction only"),
    (lambda im, k, s: strided_loop(im, k, s, sr=1), "stride_one_axis", "one direction only"),
    (lambda im, k, s: strided_loop(im, k, s, rows=lambda n, kk, ss: (n - kk + 1) // ss,
                                   cols=lambda n, kk, ss: (n - kk + 1) // ss),
     "last_window_missing", "range(0, H - kh + 1, s)"),
    (lambda im, k, s: strided_loop(im, k, s, rows=lambda n, kk, ss: (n - kk) // ss,
                                   cols=lambda n, kk, ss: (n - kk) // ss),
     "last_window_missing", "last row or column of windows is missing"),
    (lambda im, k, s: core.strided_im_conv(
        np.pad(np.asarray(im, dtype=float), ((0, k.shape[0] - 1), (0, k.shape[1] - 1))), k, s),
     "past_the_end", "start past the last valid position"),
    (lambda im, k, s: core.im_conv(im, k)[s - 1::s, s - 1::s], "windows_start_late",
     "does not start at (0, 0)"),
    (lambda im, k, s: core.im_conv(np.asarray(im)[::s, ::s], k), "image_subsampled",
     "shrank the image"),
    (lambda im, k, s: core.im_conv(im, k), "stride_ignored", "the stride is ignored"),
    (lambda im, k, s: strided_loop(im, k, s, flip=True), "flipped_kernel", "flipped"),
    (lambda im, k, s: strided_loop(im, k, s).T, "transposed", "rows and columns are swapped"),
    (lambda im, k, s: strided_loop(im, k, s, dtype=np.asarray(im).dtype), "uint8_wraparound",
     "wrapped past 255"),
    (_answer(STRIDED.wrong.source, "strided_im_conv"), "input_offset_not_scaled",
     "s*r:s*r+kh"),
]


def test_the_exercises_are_registered_in_lesson_2_in_notebook_order():
    assert [ex.name for ex in exercises.for_assignment("02_im_conv")] == [
        "im_conv", "pad_image", "strided_im_conv"]
    for ex in (PAD, STRIDED):
        assert ex.points == sum(c.points for c in ex.rubric) and ex.own_implementation
        assert "cv2" in ex.forbidden_modules and "scipy" in ex.forbidden_modules
        assert ex.right and ex.wrong and ex.cheat
        assert getattr(exercises, f"check_{ex.name}").__name__ == f"check_{ex.name}"
    assert (PAD.points, STRIDED.points) == (5, 6)


@pytest.mark.parametrize("ex", [PAD, STRIDED], ids=lambda ex: ex.name)
def test_right_answers_pass_every_case_for_many_seeds(ex, capsys):
    right = _answer(ex.right.source, ex.name)
    others = [pad_right_by_hand] if ex is PAD else [
        strided_loop, lambda im, k, s: core.im_conv(im, k)[::s, ::s]]  # slicing passes too
    for func in [right, ex.reference, *others]:
        assert first_failure(ex, func) is None
        for seed in SEEDS:
            assert first_failure(ex, func, hidden=True, seed=seed) is None
    check(ex, right)
    check(ex, right, hidden=True, seed=3)
    assert capsys.readouterr().out.count("passed") == 2


@pytest.mark.parametrize("ex", [PAD, STRIDED], ids=lambda ex: ex.name)
def test_cases_cover_the_designed_traps(ex):
    for hidden, seed in ((False, None), (True, 1), (True, 99)):
        todo = ex.cases(hidden=hidden, seed=seed)
        ims = [c.args[0] for c in todo]
        assert any(im.shape[0] != im.shape[1] for im in ims)
        assert any(im.dtype == np.uint8 for im in ims)
        assert {i for c in todo for i in c.criteria} == {c.id for c in ex.rubric
                                                         if not c.generic}
        if ex is PAD:
            pairs = [c.args[1] for c in todo if isinstance(c.args[1], tuple)]
            assert any(r != c for r, c in pairs)
            assert any(np.all(np.asarray(c.args[1]) == 0) for c in todo)
            assert any(c.args[2:] == ("replicate",) and min(_pair(c.args[1])) >= 2
                       for c in todo if len(c.args) == 3)
            assert any(c.args[0].dtype.kind == "f" and not np.all(c.args[0] % 1 == 0)
                       for c in todo)
        else:
            strides = [(c.args[0].shape, c.args[1].shape, c.args[2]) for c in todo]
            assert any(s == 1 for _, _, s in strides)
            assert any((h - kh) % s for (h, _), (kh, _), s in strides)
            assert any(s > max(k) for _, k, s in strides)


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize(("wrong", "mistake", "words"), PAD_MISTAKES)
def test_pad_image_mistakes_are_named(wrong, mistake, words, hidden):
    verdict = first_failure(PAD, wrong, hidden=hidden, seed=1)
    if isinstance(mistake, tuple):  # (visible, hidden): the hidden float image loses values
        mistake = mistake[hidden]
    assert verdict is not None and verdict.mistake == mistake, (verdict and verdict.message)
    head, _, rest = verdict.message.partition("\n")
    assert head.startswith("pad_image: ") and len(head) <= 100 and rest.strip()
    if not hidden:
        assert words in verdict.message, verdict.message


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize(("wrong", "mistake", "words"), STRIDED_MISTAKES)
def test_strided_im_conv_mistakes_are_named(wrong, mistake, words, hidden):
    verdict = first_failure(STRIDED, wrong, hidden=hidden, seed=1)
    assert verdict is not None and verdict.mistake == mistake, (verdict and verdict.message)
    head, _, rest = verdict.message.partition("\n")
    assert head.startswith("strided_im_conv: ") and len(head) <= 100 and rest.strip()
    if not hidden:
        assert words in verdict.message, verdict.message


def test_hidden_failures_show_the_tiny_example_not_the_hidden_inputs():
    verdict = first_failure(PAD, pad_swapped, hidden=True, seed=5)
    assert "(a hidden test)" in verdict.message and "On a tiny example" in verdict.message
    assert "pad = (1, 2)" in verdict.message


def test_the_visible_check_names_bens_mistakes_and_refuses_the_cheats():
    with pytest.raises(CheckFailed, match="that is a mirror"):
        exercises.check_pad_image(_answer(PAD.wrong.source, "pad_image"))
    with pytest.raises(CheckFailed, match="the window does not move by the stride"):
        exercises.check_strided_im_conv(_answer(STRIDED.wrong.source, "strided_im_conv"))
    with pytest.raises(CheckFailed, match="cv2 is not allowed"):
        exercises.check_pad_image(_answer(PAD.cheat.source, "pad_image"))
    with pytest.raises(CheckFailed, match="scipy is not allowed"):
        exercises.check_strided_im_conv(_answer(STRIDED.cheat.source, "strided_im_conv"))


# --------------------------------------------------------------------------------------------
# the grader: the same cases in the sandbox, the rubric's points
# --------------------------------------------------------------------------------------------


def _grade(name: str, *sources: str, student: str = "ada"):
    from convkit.grading.context import GradingContext
    from convkit.grading.verdicts import grade_question

    context = GradingContext(course_root=ROOT, salt="lesson2-tests", timeout=20)
    return grade_question(name, list(sources), student=student, assignment="02_im_conv",
                          context=context)


PAD_FLOAT_OUTPUT = '''\
def pad_image(im, pad, mode="zero"):
    rows, cols = (pad, pad) if np.ndim(pad) == 0 else pad
    h, w = im.shape
    out = np.zeros((h + 2 * rows, w + 2 * cols))
    out[rows:rows + h, cols:cols + w] = im
    if mode == "replicate":
        out = np.pad(out[rows:rows + h, cols:cols + w], ((rows, rows), (cols, cols)), "edge")
    return out
'''

PAD_INT_ONLY = '''\
def pad_image(im, pad, mode="zero"):
    return np.pad(im, pad, mode="edge" if mode == "replicate" else "constant")
'''

STRIDED_SLICES_ALL = '''\
def strided_im_conv(im, kernel, stride):
    image = np.asarray(im, dtype=np.float64)
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = np.sum(image[r:r + kh, c:c + kw] * kernel)
    return out[::stride, ::stride]
'''

STRIDED_ZEROS_LIKE = '''\
def strided_im_conv(im, kernel, stride):
    kh, kw = kernel.shape
    out = np.zeros(((im.shape[0] - kh) // stride + 1, (im.shape[1] - kw) // stride + 1),
                   dtype=im.dtype)
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = np.sum(im[r * stride:r * stride + kh, c * stride:c * stride + kw]
                               * kernel)
    return out
'''


@pytest.mark.slow
@pytest.mark.parametrize(("name", "source", "points", "missed"), [
    ("pad_image", PAD.right.source, 5, set()),
    ("pad_image", PAD.wrong.source, 4, {"replicate"}),
    ("pad_image", PAD_FLOAT_OUTPUT, 4, {"dtype"}),
    ("pad_image", PAD_INT_ONLY, 3, {"pairs", "replicate"}),
    ("strided_im_conv", STRIDED.right.source, 6, set()),
    ("strided_im_conv", STRIDED_SLICES_ALL, 6, set()),  # the values are all that is judged
    ("strided_im_conv", STRIDED.wrong.source, 3, {"dividing", "uneven", "integer"}),
    ("strided_im_conv", STRIDED_ZEROS_LIKE, 4, {"form", "integer"}),
])
def test_the_grader_gives_the_criteria_met(name, source, points, missed):
    verdict = _grade(name, source)
    assert verdict.score == points, verdict.details
    assert {c["id"] for c in verdict.criteria if not c["met"]} == missed, verdict.details
    assert verdict.max_score == exercises.get(name).points


@pytest.mark.slow
@pytest.mark.parametrize("ex", [PAD, STRIDED], ids=lambda ex: ex.name)
def test_the_grader_names_bens_mistake_and_gives_the_cheat_nothing(ex):
    wrong = _grade(ex.name, ex.wrong.source, student="ben_mistakes")
    assert wrong.score == ex.wrong.points and wrong.mistake == first_failure(
        ex, _answer(ex.wrong.source, ex.name)).mistake
    cheat = _grade(ex.name, ex.cheat.source, student="finn_cheater")
    assert cheat.score == 0 and cheat.mistake == "forbidden"
    assert not any(c["met"] for c in cheat.criteria)


# --------------------------------------------------------------------------------------------
# the figures
# --------------------------------------------------------------------------------------------


def test_padding_diagram_titles_its_panels_and_draws_the_frame(tmp_path):
    fig = borders.padding_diagram(np.array([[1, 2, 3], [4, 5, 6]]), (1, 2))
    assert [ax.get_title() for ax in fig.axes] == [
        "the image, 2 x 3", "pad (1, 2), mode 'zero': 4 x 7",
        "pad (1, 2), mode 'replicate': 4 x 7"]
    texts = [t.get_text() for t in fig.axes[2].texts]
    assert texts[:7] == ["1", "1", "1", "2", "3", "3", "3"]  # the replicated top row
    assert fig._suptitle is not None and fig._suptitle.get_text()
    fig.savefig(tmp_path / "pad.png")
    assert (tmp_path / "pad.png").stat().st_size > 1000
    with pytest.raises(ValueError, match="im must be small"):
        borders.padding_diagram(np.ones((11, 3)))
    with pytest.raises(ValueError, match="pad must be"):
        borders.padding_diagram(np.ones((2, 2)), -1)


def test_stride_diagram_counts_the_pixels_no_window_uses():
    assert borders.covered((8, 10), (2, 2), 2).all()
    mask = borders.covered((8, 10), (2, 2), 3)
    assert int((~mask).sum()) == 44 and not mask[:, 8:].any() and not mask[2].any()
    fig = borders.stride_diagram((8, 10), (2, 2), (1, 2, 3))
    assert [ax.get_title() for ax in fig.axes] == [
        "stride 1: output 7 x 9", "stride 2: output 4 x 5",
        "stride 3: output 3 x 3, 44 pixels unused"]
    for s in (1, 2, 3):
        assert core.conv_output_shape((8, 10), (2, 2), "valid", stride=s) == (
            (8 - 2) // s + 1, (10 - 2) // s + 1)
    with pytest.raises(ValueError, match="must fit inside"):
        borders.covered((2, 2), (3, 3), 1)
    with pytest.raises(ValueError, match="strides must be a positive integer"):
        borders.stride_diagram((5, 5), (2, 2), (1, 0))
