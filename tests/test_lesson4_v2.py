"""Lesson 4's new exercises: ``gaussian_kernel`` and ``separable_conv``.

The references (:func:`convkit.kernels.gaussian_kernel`, :func:`convkit.core.separable_conv`)
against independent formulas, SciPy and OpenCV; their exercise modules' cases, mistake
models (each typical mistake named by the visible check) and the sample answers' points.
"""

from __future__ import annotations

import importlib
import math

import cv2
import numpy as np
import pytest
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from convkit import core, exercises, kernels
from convkit.checking import comparing
from convkit.checking.diagnosing import diagnose
from convkit.checking.rubric import Judged, score
from convkit.checking.running import CheckFailed

odd_sizes = st.integers(0, 7).map(lambda n: 2 * n + 1)
sigmas = st.floats(0.3, 12.0, allow_nan=False)

# --------------------------------------------------------------------------------------------
# gaussian_kernel: the reference
# --------------------------------------------------------------------------------------------


def formula(size: int, sigma: float) -> np.ndarray:
    """exp(-(i**2 + j**2) / (2 sigma**2)) from the centre, by plain Python, normalised."""
    c = size // 2
    raw = [[math.exp(-((i - c) ** 2 + (j - c) ** 2) / (2 * sigma**2)) for j in range(size)]
           for i in range(size)]
    total = sum(map(sum, raw))
    return np.array(raw) / total


@settings(max_examples=80, deadline=None)
@given(odd_sizes, sigmas)
def test_gaussian_kernel_is_the_formula_and_scipys_window(size, sigma):
    k = kernels.gaussian_kernel(size, sigma)
    assert k.shape == (size, size) and k.dtype == np.float64
    np.testing.assert_allclose(k, formula(size, sigma), rtol=1e-12, atol=1e-15)
    w = scipy.signal.windows.gaussian(size, sigma, sym=True)
    np.testing.assert_allclose(k, np.outer(w, w) / np.outer(w, w).sum(), rtol=1e-12,
                               atol=1e-15)
    assert math.isclose(k.sum(), 1.0, rel_tol=1e-12)
    for view in (k.T, k[::-1], k[:, ::-1]):
        np.testing.assert_allclose(view, k, rtol=1e-13, atol=1e-16)
    assert k[size // 2, size // 2] == k.max()


def test_gaussian_kernel_matches_opencv_and_the_binomial_approximation():
    g = cv2.getGaussianKernel(7, 1.3, cv2.CV_64F)
    np.testing.assert_allclose(kernels.gaussian_kernel(7, 1.3), g @ g.T, rtol=1e-12)
    # the binomial 1 4 6 4 1 / 16 has variance exactly 1 (sigma 1); the sampled, cut-off
    # Gaussian that fits it best has sigma about 1.08 (what lesson 4 prints)
    b = np.array([1, 4, 6, 4, 1]) / 16
    assert np.sum(b * (np.arange(5) - 2.0) ** 2) == 1.0
    assert np.abs(kernels.gaussian_kernel(5, 1.0) - kernels.binomial(5)).max() < 0.025
    grid = np.arange(0.8, 1.4, 0.01)
    errors = [np.abs(kernels.gaussian_kernel(5, s) - kernels.binomial(5)).max() for s in grid]
    assert 1.0 < grid[int(np.argmin(errors))] < 1.15 and min(errors) < 0.004


@pytest.mark.parametrize(("args", "error", "words"), [
    ((4, 1.0), ValueError, "size must be a positive odd integer"),
    ((0, 1.0), ValueError, "size"),
    ((-3, 1.0), ValueError, "size"),
    ((3.0, 1.0), TypeError, "size must be an integer"),
    ((True, 1.0), TypeError, "size"),
    ((3, 0), ValueError, "sigma must be a finite number > 0"),
    ((3, -1.5), ValueError, "sigma"),
    ((3, float("nan")), ValueError, "sigma"),
    ((3, "1"), TypeError, "sigma"),
])
def test_gaussian_kernel_refuses_bad_input_by_name(args, error, words):
    with pytest.raises(error, match=words):
        kernels.gaussian_kernel(*args)


# --------------------------------------------------------------------------------------------
# separable_conv: the reference
# --------------------------------------------------------------------------------------------


def _cv(im, column, row):
    k = np.outer(column, row)
    full = cv2.filter2D(np.asarray(im, dtype=np.float64), cv2.CV_64F, k, anchor=(0, 0),
                        borderType=cv2.BORDER_CONSTANT)
    return full[:im.shape[0] - k.shape[0] + 1, :im.shape[1] - k.shape[1] + 1]


@st.composite
def separable_inputs(draw):
    h, w = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    kh, kw = draw(st.integers(1, h)), draw(st.integers(1, w))
    floats = st.floats(-100, 100, allow_nan=False, width=64)
    dtype = draw(st.sampled_from([np.float64, np.uint8, np.int64]))
    im = draw(arrays(dtype, (h, w), elements=floats if dtype == np.float64
                     else st.integers(0, 255)))
    column = draw(arrays(np.float64, kh, elements=st.floats(-5, 5, allow_nan=False)))
    row = draw(arrays(np.float64, kw, elements=st.floats(-5, 5, allow_nan=False)))
    return im, column, row


@settings(max_examples=120, deadline=None)
@given(separable_inputs())
def test_separable_conv_is_correlate2d_and_filter2d_of_the_outer_product(inputs):
    im, column, row = inputs
    before = [a.copy() for a in inputs]
    out = core.separable_conv(im, column, row)
    want = scipy.signal.correlate2d(im.astype(np.float64), np.outer(column, row), "valid")
    assert out.dtype == np.float64 and out.shape == want.shape
    scale = 1.0 + np.abs(im).max() * np.abs(column).sum() * np.abs(row).sum()
    np.testing.assert_allclose(out, want, rtol=1e-9, atol=1e-9 * scale)
    np.testing.assert_allclose(out, _cv(im, column, row), rtol=1e-9, atol=1e-9 * scale)
    np.testing.assert_allclose(out, core.im_conv(im, np.outer(column, row)), rtol=1e-9,
                               atol=1e-9 * scale)
    for a, b in zip(inputs, before, strict=True):
        assert a.dtype == b.dtype and np.array_equal(a, b)


def test_separable_conv_of_uint8_does_not_wrap():
    im = np.full((3, 3), 255, dtype=np.uint8)
    assert core.separable_conv(im, [1, 2, 1], [1, 2, 1]).item() == 16 * 255


@pytest.mark.parametrize(("args", "error", "words"), [
    ((np.ones((4, 4)), np.ones((3, 3)), [1.0]), ValueError, "column must be a 1-D"),
    ((np.ones((4, 4)), [1.0], np.ones((1, 3))), ValueError, r"row must be a 1-D.*np\.ravel"),
    ((np.ones((4, 4)), [], [1.0]), ValueError, "column must not be empty"),
    ((np.ones((4, 4)), [1.0] * 5, [1.0]), ValueError, r"len\(column\) <= 4"),
    ((np.ones((4, 4)), [1.0], [1.0] * 6), ValueError, r"len\(row\) <= 4"),
    ((np.ones((4, 4, 3)), [1.0], [1.0]), ValueError, "im must be a 2-D"),
    ((np.ones((4, 4)), ["a"], [1.0]), TypeError, "column must hold real numbers"),
    ((np.ones((4, 4)), [1.0], [np.nan]), ValueError, "row must hold finite numbers"),
    ((np.ones((4, 4)), [True], [1.0]), TypeError, "column must hold numbers"),
    ((None, [1.0], [1.0]), TypeError, "im"),
])
def test_separable_conv_refuses_bad_input_by_name(args, error, words):
    with pytest.raises(error, match=words):
        core.separable_conv(*args)


# --------------------------------------------------------------------------------------------
# the exercises: cases, mistakes named, the sample answers' points
# --------------------------------------------------------------------------------------------

SEEDS = (None, 1, 2, 3, 12345)


def _source_function(name: str, source: str):
    space = {"np": np}
    exec(source, space)  # the module's own sample answer, plain NumPy
    return space[name]


def _points(name: str, func, seed=None) -> float:
    ex = exercises.get(name)
    judged = []
    for case in ex.cases() + ex.cases(hidden=True, seed=seed):
        given_args = case.copy_args()
        try:
            actual = func(*given_args)
        except Exception as exc:
            verdict = diagnose(ex, case, None, raised=f"{type(exc).__name__}: {exc}")
            actual = None
        else:
            verdict = diagnose(ex, case, actual,
                               inputs_modified=comparing.args_changed(case.args, given_args))
        judged.append(Judged(case, verdict, actual, comparing.args_changed(case.args,
                                                                            given_args)))
    return score(ex, judged)[0]


@pytest.mark.parametrize("name", ["gaussian_kernel", "separable_conv"])
def test_right_answers_pass_and_sample_points_are_what_the_module_says(name, capsys):
    ex = exercises.get(name)
    right = _source_function(name, ex.right.source)
    for seed in SEEDS:
        exercises.get(name)  # the registry knows it
        getattr(exercises, f"check_{name}")(right, hidden=True, seed=seed)
        assert _points(name, right, seed) == ex.points == ex.right.points
        assert _points(name, _source_function(name, ex.wrong.source), seed) == ex.wrong.points
    getattr(exercises, f"check_{name}")(right)
    assert "passed" in capsys.readouterr().out
    assert ex.assignment == "04_kernels" and ex.cheat.points == 0
    assert "import cv2" in ex.cheat.source or "scipy" in ex.cheat.source


def test_hidden_cases_are_valid_and_avoid_sigma_1_and_2_where_they_must():
    for seed in range(100):
        for case in exercises.get("gaussian_kernel").cases(hidden=True, seed=seed):
            size, sigma = case.args
            assert size % 2 == 1 and sigma > 0
            if "sigmas" in case.criteria:
                assert min(abs(sigma - 1), abs(sigma - 2)) > 0.15
        for case in exercises.get("separable_conv").cases(hidden=True, seed=seed):
            im, column, row = case.args
            assert im.ndim == 2 and column.ndim == row.ndim == 1
            assert len(column) <= im.shape[0] and len(row) <= im.shape[1]
            if "asymmetric" in case.criteria:
                assert not np.array_equal(np.outer(column, row), np.outer(row, column))


def _g(centre=lambda n: n // 2, denom=lambda s: 2 * s**2, normalise=True, one_d=False):
    def gaussian_kernel(size, sigma):
        d = np.arange(size) - centre(size)
        if one_d:
            g = np.exp(-d**2 / denom(sigma))
            return g / g.sum()
        k = np.exp(-(d[:, None] ** 2 + d[None, :] ** 2) / denom(sigma))
        return k / k.sum() if normalise else k
    return gaussian_kernel


GAUSSIAN_MISTAKES = [
    (_g(normalise=False), "not_normalised", ["sum"]),
    (lambda n, s: _g(normalise=False)(n, s) / (2 * np.pi * s**2), "not_normalised",
     ["2 * pi * sigma**2"]),
    (_g(centre=lambda n: 0), "from_the_corner", ["np.arange(size) - size // 2"]),
    (_g(centre=lambda n: n / 2), "from_the_corner", ["half"]),
    (_g(denom=lambda s: 2 * s), "sigma_not_squared", ["2 * sigma**2"]),
    (_g(denom=lambda s: s**2), "missing_the_2", ["the 2"]),
    (_g(one_d=True), "one_dimensional", ["np.outer(g, g)"]),
    (lambda n, s: _g()(n, s).astype(np.float32), "wrong_dtype", ["float32"]),
]


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize(("wrong", "mistake", "words"), GAUSSIAN_MISTAKES)
def test_gaussian_mistakes_are_named_by_the_visible_check(wrong, mistake, words, hidden):
    with pytest.raises(CheckFailed) as info:
        exercises.check_gaussian_kernel(wrong, hidden=hidden, seed=5)
    verdict = info.value.verdict
    assert verdict is not None and verdict.mistake == mistake, str(info.value)
    for word in words:
        assert word in str(info.value)


def _passes(im, column, row, *, swap=False, mode="valid", fn=np.correlate, only=None):
    im = np.asarray(im, dtype=np.float64)
    c, r = (row, column) if swap else (column, row)
    tmp = im if only == "row" else np.array(
        [fn(im[:, j], c, mode=mode) for j in range(im.shape[1])]).T
    if only == "col":
        return tmp
    return np.array([fn(line, r, mode=mode) for line in tmp])


def _source_post(im, column, row):
    """The source post's bug: flatten the image and the kernel, np.convolve, cast to uint8."""
    kernel = np.outer(column, row)
    return np.convolve(im.flatten(), kernel.flatten(), "same").reshape(im.shape).astype(np.uint8)


def _uint8_column_pass(im, column, row):
    h, w = im.shape[0] - len(column) + 1, im.shape[1] - len(row) + 1
    tmp = np.zeros_like(im, shape=(h, im.shape[1]))
    for i in range(len(column)):
        tmp += (column[i] * im[i:i + h]).astype(im.dtype)
    return sum(row[j] * tmp[:, j:j + w] for j in range(len(row))).astype(np.float64)


def _rows_twice(im, column, row):
    tmp = np.array([np.correlate(line, column, "valid") for line in im.astype(np.float64)])
    return np.array([np.correlate(line, row, "valid") for line in tmp])


SEPARABLE_MISTAKES = [
    (lambda *a: _passes(*a, swap=True), "passes_swapped", ["np.outer(row, column)"]),
    (lambda *a: _passes(*a, only="col"), "one_pass_only", ["both passes"]),
    (lambda *a: _passes(*a, only="row"), "one_pass_only", ["both passes"]),
    (lambda *a: _passes(*a, mode="same"), "wrong_mode_same", ["mode='valid'"]),
    (lambda *a: _passes(*a, mode="full"), "wrong_mode_full", ["'full'"]),
    (lambda *a: _passes(*a, fn=np.convolve), "np_convolve_flips", ["np.correlate"]),
    (_source_post, "flattened", ["flattened", "9-tap horizontal filter"]),
    (_uint8_column_pass, "uint8_wraparound", ["255"]),
    (_rows_twice, "one_direction", ["above and below"]),
    (lambda *a: _passes(*a).T, "transposed", ["H - kh + 1 rows"]),
]


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize(("wrong", "mistake", "words"), SEPARABLE_MISTAKES)
def test_separable_mistakes_are_named_by_the_visible_check(wrong, mistake, words, hidden):
    with pytest.raises(CheckFailed) as info:
        exercises.check_separable_conv(wrong, hidden=hidden, seed=5)
    verdict = info.value.verdict
    assert verdict is not None and verdict.mistake == mistake, str(info.value)
    for word in words:
        assert word in str(info.value)


def test_the_whole_outer_product_passes_honestly():
    # the check judges values: np.outer + a 2-D sliding window is right in value (documented)
    def separable_conv(im, column, row):
        k = np.outer(column, row)
        kh, kw = k.shape
        im = np.asarray(im, dtype=np.float64)
        out = np.zeros((im.shape[0] - kh + 1, im.shape[1] - kw + 1))
        for r in range(out.shape[0]):
            for c in range(out.shape[1]):
                out[r, c] = np.sum(im[r:r + kh, c:c + kw] * k)
        return out

    exercises.check_separable_conv(separable_conv)
    assert "not enforced" in importlib.import_module("convkit.exercises.separable_conv").__doc__


def test_a_separable_answer_that_modifies_its_input_is_named():
    def separable_conv(im, column, row):
        out = _passes(im, column, row)
        np.asarray(im)[...] = 0 if im.dtype.kind == "f" else im
        return out

    with pytest.raises(CheckFailed, match="changed its input"):
        exercises.check_separable_conv(separable_conv)
