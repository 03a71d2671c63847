"""Lesson 5's additions: ``core.multichannel_conv`` (Hypothesis against SciPy and OpenCV, bad input,
inputs unmodified, TensorFlow's HWIO layout), its exercise (cases, mistakes named, the grader's
points) and ``convkit.timing``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import cv2
import numpy as np
import pytest
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from convkit import core, exercises, kernels, timing
from convkit.checking import comparing
from convkit.checking.diagnosing import diagnose
from convkit.checking.running import check
from convkit.checking.types import Verdict

NAME = "multichannel_conv"
EX = exercises.get(NAME)


def scipy_layer(im: np.ndarray, ks: np.ndarray) -> np.ndarray:
    """out[..., o] = sum over c of scipy.signal.correlate2d(im[..., c], ks[o, c], 'valid')."""
    im = im.astype(np.float64)
    return np.stack([sum(scipy.signal.correlate2d(im[..., c], ks[o, c], mode="valid")
                         for c in range(im.shape[2])) for o in range(ks.shape[0])], axis=-1)


def opencv_layer(im: np.ndarray, ks: np.ndarray) -> np.ndarray:
    """The same with cv2.filter2D per channel (float depth, zero border, cropped)."""
    c_out, c_in, kh, kw = ks.shape
    oh, ow = im.shape[0] - kh + 1, im.shape[1] - kw + 1
    out = np.zeros((oh, ow, c_out))
    for o in range(c_out):
        for c in range(c_in):
            same = cv2.filter2D(np.ascontiguousarray(im[..., c], dtype=np.float64), cv2.CV_64F,
                                np.ascontiguousarray(ks[o, c]), borderType=cv2.BORDER_CONSTANT)
            out[..., o] += same[kh // 2:kh // 2 + oh, kw // 2:kw // 2 + ow]
    return out


@st.composite
def layers(draw):
    c_in, c_out = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    h, w = draw(st.integers(kh, 9)), draw(st.integers(kw, 9))
    values = st.floats(-100, 100, allow_nan=False, width=64)
    if draw(st.booleans()):
        im = draw(hnp.arrays(np.float64, (h, w, c_in), elements=values))
    else:
        im = draw(hnp.arrays(np.uint8, (h, w, c_in)))
    ks = draw(hnp.arrays(np.float64, (c_out, c_in, kh, kw), elements=st.floats(-5, 5,
                                                                                width=64)))
    return im, ks


@settings(max_examples=80, deadline=None)
@given(layers())
def test_multichannel_conv_is_the_sum_over_channels_of_scipy_and_opencv(layer):
    im, ks = layer
    before_im, before_ks = im.copy(), ks.copy()
    out = core.multichannel_conv(im, ks)
    assert out.dtype == np.float64
    assert out.shape == (im.shape[0] - ks.shape[2] + 1, im.shape[1] - ks.shape[3] + 1,
                         ks.shape[0])
    scale = max(1.0, float(np.abs(im).max()) * float(np.abs(ks).sum()))
    assert np.allclose(out, scipy_layer(im, ks), atol=1e-9 * scale)
    assert np.allclose(out, opencv_layer(im, ks), atol=1e-9 * scale)
    assert np.array_equal(im, before_im) and np.array_equal(ks, before_ks)


def test_tensorflow_hwio_layout_and_the_per_channel_special_case():
    rng = np.random.default_rng(3)
    im = rng.normal(size=(7, 6, 3))
    ks = rng.normal(size=(2, 3, 3, 2))
    hwio = np.transpose(ks, (2, 3, 1, 0))  # tf.nn.conv2d's filter layout
    windows = np.lib.stride_tricks.sliding_window_view(im, (3, 2), axis=(0, 1))
    tf_formula = np.einsum("ijqab,abqk->ijk", windows, hwio)
    assert np.allclose(core.multichannel_conv(im, ks), tf_formula)
    blur = kernels.box_blur(3)
    diagonal = np.zeros((3, 3, 3, 3))
    for c in range(3):
        diagonal[c, c] = blur
    assert np.allclose(core.multichannel_conv(im, diagonal),
                       core.apply_per_channel(core.im_conv, im, blur))


def test_an_equal_edge_kernel_on_every_channel_misses_a_red_green_edge():
    # the lesson's question: red (255, 0, 0) left of green (0, 255, 0)
    im = np.zeros((5, 8, 3))
    im[:, :4, 0] = 255
    im[:, 4:, 1] = 255
    equal = np.stack([kernels.SOBEL_X / 3] * 3)[np.newaxis]
    assert np.allclose(core.multichannel_conv(im, equal), 0)
    opponent = np.stack([kernels.SOBEL_X, -kernels.SOBEL_X, 0 * kernels.SOBEL_X])[np.newaxis]
    assert np.abs(core.multichannel_conv(im, opponent)).max() == 2 * 4 * 255


@pytest.mark.parametrize(("im", "ks", "error", "words"), [
    (np.zeros((5, 5)), np.zeros((1, 1, 2, 2)), ValueError, ["im must be a 3-D", "np.newaxis"]),
    (np.zeros((5, 5, 2)), np.zeros((2, 2, 2)), ValueError, ["kernels must be a 4-D"]),
    (np.zeros((5, 5, 2)), np.zeros((1, 3, 2, 2)), ValueError, ["kernels.shape[1] is 3",
                                                              "2 channels"]),
    (np.zeros((3, 3, 1)), np.zeros((1, 1, 4, 2)), ValueError, ["must fit inside im"]),
    (np.zeros((0, 3, 1)), np.zeros((1, 1, 1, 1)), ValueError, ["im must not be empty"]),
    (np.zeros((3, 3, 1)), np.zeros((0, 1, 1, 1)), ValueError, ["kernels must not be empty"]),
    (np.full((3, 3, 1), np.nan), np.ones((1, 1, 1, 1)), ValueError, ["im must hold finite"]),
    (np.ones((3, 3, 1), bool), np.ones((1, 1, 1, 1)), TypeError, ["im must hold numbers"]),
    (np.ones((3, 3, 1)), np.full((1, 1, 1, 1), "a"), TypeError, ["kernels must hold real"]),
    (None, np.ones((1, 1, 1, 1)), TypeError, ["im must be"]),
])
def test_bad_input_is_refused_naming_the_argument(im, ks, error, words):
    with pytest.raises(error) as info:
        core.multichannel_conv(im, ks)
    for word in words:
        assert word in str(info.value), (word, str(info.value))


# --------------------------------------------------------------------------------------------
# the exercise


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


def _out(im, ks, c_out=None, dtype=np.float64):
    return np.zeros((im.shape[0] - ks.shape[2] + 1, im.shape[1] - ks.shape[3] + 1,
                     ks.shape[0] if c_out is None else c_out), dtype=dtype)


def _layer(im, ks, kernel_of=lambda ks, o, c: ks[o, c]):
    out = _out(im, ks)
    for o in range(ks.shape[0]):
        for c in range(ks.shape[1]):
            out[..., o] += core.im_conv(im[..., c], kernel_of(ks, o, c))
    return out


def _swapped(im, ks):
    c_in, c_out = ks.shape[:2]  # read as (C_in, C_out)
    out = _out(im, ks, c_out)
    for o in range(c_out):
        for c in range(c_in):
            out[..., o] += core.im_conv(im[..., c], ks[c, o])
    return out


def _uint8(im, ks):
    out = _out(im, ks, dtype=im.dtype)
    for o in range(ks.shape[0]):
        out[..., o] = sum(core.im_conv(im[..., c], ks[o, c]) for c in range(ks.shape[1]))
    return out


def _assigned(im, ks):
    """`=` where `+=` belongs: only the last input channel survives."""
    out = _out(im, ks)
    for o in range(ks.shape[0]):
        for c in range(ks.shape[1]):
            out[..., o] = core.im_conv(im[..., c], ks[o, c])
    return out


def _integer_sums(im, ks):
    """Lesson 2's display recipe applied to the result: clipped, rounded, uint8."""
    out = _layer(im, ks)
    return np.clip(out, 0, 255).round().astype(np.uint8) if im.dtype == np.uint8 else out


def _modifies(im, ks):
    out = _layer(im, ks)
    ks *= 2
    return out


MISTAKES = [
    (lambda im, ks: np.stack([core.im_conv(im[..., c], ks[0, c]) for c in range(im.shape[2])],
                             axis=-1), "per_channel", ["ALL the input channels"]),
    (lambda im, ks: _layer(im, ks) / ks.shape[1], "mean_over_channels", ["np.mean"]),
    (_swapped, "swapped_indices", ["kernels[o, c]", "(C_out, C_in, kh, kw)"]),
    (lambda im, ks: np.moveaxis(_layer(im, ks), -1, 0), "channels_first", ["LAST axis"]),
    (lambda im, ks: _layer(im, ks, lambda k, o, c: k[o, c][::-1, ::-1]), "flipped_kernel",
     ["no flip"]),
    (lambda im, ks: _layer(im, ks).sum(axis=-1), "summed_over_outputs", ["input channels c only"]),
    (_uint8, "uint8_wraparound", ["np.zeros_like(im)"]),
    (_assigned, "last_channel_only", ["+="]),
    (_integer_sums, "integer_output", ["np.zeros(shape)"]),
    (_modifies, "input_modified", ["changed its input"]),
    (lambda im, ks: _layer(im, ks).tolist(), "wrong_type", ["list"]),
]


def test_right_answers_pass_and_the_sample_answers_score():
    namespace: dict[str, Any] = {"np": np}
    exec(EX.given_source, namespace)
    exec(EX.right.source, namespace)
    for func in (namespace[NAME], scipy_layer, opencv_layer):
        assert first_failure(func) is None
        for seed in (None, 1, 2, 3):
            assert first_failure(func, hidden=True, seed=seed) is None
    check(EX, namespace[NAME])
    check(EX, opencv_layer)  # cv2 is allowed
    with pytest.raises(AssertionError, match="scipy is not allowed"):
        check(EX, scipy_layer)
    exec(EX.wrong.source, namespace)
    assert first_failure(namespace[NAME]).mistake == "per_channel"
    assert EX.points == EX.right.points == 4 and EX.wrong.points == EX.cheat.points == 0


def test_the_cases_cover_the_traps():
    for cases in (EX.cases(), EX.cases(hidden=True, seed=5)):
        ks = [c.args[1] for c in cases]
        assert any(k.shape[0] != k.shape[1] for k in ks)            # C_out != C_in
        assert any(k.shape[0] == k.shape[1] > 1 for k in ks)        # kernels[c, o] fits
        assert any(k.shape[2] != k.shape[3] for k in ks)            # non-square kernels
        assert any(k.shape[1] > 1 for k in ks)                      # something to sum
        u8 = [c for c in cases if c.args[0].dtype == np.uint8]
        assert u8 and any(EX.expected(c).max() > 255 for c in u8)
        assert all(not np.array_equal(k, k[:, :, ::-1, ::-1]) for k in ks if k.shape[2:] != (1, 1))


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize(("wrong", "mistake", "words"), MISTAKES)
def test_each_mistake_is_named(wrong, mistake, words, hidden):
    verdict = first_failure(wrong, hidden=hidden, seed=11)
    assert verdict is not None and verdict.mistake == mistake, verdict and verdict.message
    head, _, rest = verdict.message.partition("\n")
    assert head.startswith(f"{NAME}: ") and len(head) <= 100 and rest.strip(), head
    for word in words:
        assert word in verdict.message, (word, verdict.message)


def _grade(*sources: str):
    from pathlib import Path

    from convkit.grading.context import GradingContext
    from convkit.grading.verdicts import grade_question

    root = Path(__file__).resolve().parent.parent
    context = GradingContext(course_root=root, salt="lesson5-tests", timeout=20)
    return grade_question(NAME, list(sources), student="ada", assignment=EX.assignment,
                          context=context)


@pytest.mark.slow
def test_the_grader_gives_the_sample_answers_their_points():
    right = _grade(EX.right.source)
    assert right.score == right.max_score == 4, right.details
    wrong = _grade(EX.wrong.source)
    assert wrong.score == 0 and wrong.mistake == "per_channel", wrong.details
    cheat = _grade(EX.cheat.source)
    assert cheat.score == 0, cheat.details


# --------------------------------------------------------------------------------------------
# convkit.timing


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(np.float64, st.tuples(st.integers(3, 12), st.integers(3, 12)),
                  elements=st.floats(-50, 50, width=64)),
       st.integers(1, 3), st.integers(1, 3))
def test_the_three_timed_implementations_agree_with_im_conv(im, kh, kw):
    k = np.arange(1.0, kh * kw + 1).reshape(kh, kw) - 2
    want = core.im_conv(im, k)
    for func in (timing.loop_correlate, timing.numpy_correlate, timing.opencv_correlate):
        assert np.allclose(func(im, k), want, atol=1e-9 * max(1, np.abs(want).max()))


def test_time_correlations_reports_a_table_and_a_titled_figure():
    im = np.random.default_rng(0).random((60, 70))
    t = timing.time_correlations(im, kernels.UNSHARP_5x5, loop_crop=24, repeat=2)
    assert list(t.ms) == ["Python loop", "vectorised NumPy", "OpenCV filter2D"]
    assert all(ms > 0 for ms in t.ms.values()) and t.loop_shape == (24, 24)
    assert t.speedups()["OpenCV filter2D"] == 1
    assert "estimated from 24x24" in str(t) and "60 x 70" in str(t)
    fig = t.figure()
    assert fig.axes[0].get_title().startswith("Valid-mode 5x5 correlation")
    assert fig._repr_png_()[:4] == b"\x89PNG"


@pytest.mark.parametrize(("call", "error", "words"), [
    (lambda: timing.time_correlations(np.ones((9, 9)), np.ones((3, 3)), loop_crop=2),
     ValueError, ["loop_crop"]),
    (lambda: timing.time_correlations(np.ones((9, 9, 3)), np.ones((3, 3))), ValueError,
     ["im must be a 2-D"]),
    (lambda: timing.time_correlations(np.ones((2, 2)), np.ones((3, 3))), ValueError,
     ["kernel"]),
    (lambda: timing.median_seconds(3), TypeError, ["func"]),
    (lambda: timing.median_seconds(sum, [1], repeat=1.5), TypeError, ["repeat"]),
])
def test_timing_refuses_bad_input_by_name(call, error, words):
    with pytest.raises(error) as info:
        call()
    for word in words:
        assert word in str(info.value)
