"""convkit.exercises: the cases, the references, and that each typical mistake is named.

Every exercise module through the check engine (:mod:`convkit.checking`): designed and
seeded hidden cases, references cross-checked against SciPy and OpenCV, each typical mistake
named, the visible check's own behaviour, and the difference picture.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
import scipy.signal

from convkit import core, exercises
from convkit.checking import comparing, models, picture
from convkit.checking.diagnosing import diagnose as _diagnose
from convkit.checking.diagnosing import diagnose_array
from convkit.checking.running import check as _check
from convkit.checking.running import forbidden_uses
from convkit.checking.types import Case, Unserializable, Verdict
from convkit.course import ASSIGNMENTS, assignment
from convkit.exercises import window_choice

pytestmark = pytest.mark.filterwarnings(
    "ignore:the matrix subclass:PendingDeprecationWarning")

SEEDS = (None, 1, 2, 12345)
CONV_NAMES = ("im_conv", "convolve", "opencv_im_conv", "opencv_convolve")
NAMES = exercises.names()
FUNCTIONS = tuple(ex.name for ex in exercises.all_exercises() if ex.kind == "function")


def cases(name: str, *, hidden: bool = False, seed: int | None = None) -> list[Case]:
    return exercises.get(name).cases(hidden=hidden, seed=seed)


def diagnose(name: str, case: Case, actual: Any, **options: Any) -> Verdict:
    return _diagnose(exercises.get(name), case, actual, **options)


def reference(name: str, case: Case) -> Any:
    return exercises.get(name).expected(case)


def check(name: str, answer: Any, **options: Any) -> None:
    _check(exercises.get(name), answer, **options)


def first_failure(name: str, func: Callable[..., Any], *, hidden: bool = False,
                  seed: int | None = None) -> Verdict | None:
    """Run ``func`` the way the grader does (copies in, diagnose out); the first failure."""
    for case in cases(name, hidden=hidden, seed=seed):
        given = case.copy_args()
        try:
            actual = func(*given)
        except Exception as exc:
            verdict = diagnose(name, case, None, raised=f"{type(exc).__name__}: {exc}")
        else:
            modified = comparing.args_changed(case.args, given)
            verdict = diagnose(name, case, actual, inputs_modified=modified)
        if not verdict.ok:
            return verdict
    return None


# --------------------------------------------------------------------------------------------
# right implementations, written here independently of convkit.core
# --------------------------------------------------------------------------------------------


def loop_im_conv(im, kernel):
    kh, kw = kernel.shape
    out = np.zeros((im.shape[0] - kh + 1, im.shape[1] - kw + 1))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = np.sum(im[r:r + kh, c:c + kw] * kernel)
    return out


def loop_convolve(im, kernel):
    return loop_im_conv(im, kernel[::-1, ::-1])


def loop_subimages(im, kernel):
    kh, kw = kernel.shape
    return {(r, c): im[r:r + kh, c:c + kw]
            for r in range(im.shape[0] - kh + 1) for c in range(im.shape[1] - kw + 1)}


def formula_shape(im_shape, kernel_shape, mode="valid", padding=0, stride=1):
    (h, w), (kh, kw) = im_shape, kernel_shape
    pr, pc = (padding, padding) if isinstance(padding, int) else padding
    if mode == "valid":
        return ((h + 2 * pr - kh) // stride + 1, (w + 2 * pc - kw) // stride + 1)
    if mode == "full":
        return (h + kh - 1, w + kw - 1)
    return (h, w)


def _crop(out, im, k, top, left):
    return out[top:top + im.shape[0] - k.shape[0] + 1, left:left + im.shape[1] - k.shape[1] + 1]


def cv_im_conv(im, kernel, flip=False, anchor_zero=False, top=None, ddepth=cv2.CV_64F,
               dtype=np.float64, border=cv2.BORDER_CONSTANT):
    k = np.ascontiguousarray(kernel[::-1, ::-1] if flip else kernel, dtype=dtype)
    src = im if ddepth == -1 else im.astype(dtype)
    if anchor_zero:
        out = cv2.filter2D(src, ddepth, k, anchor=(0, 0), borderType=border)
        return _crop(out, im, k, 0, 0)
    out = cv2.filter2D(src, ddepth, k, borderType=border)
    kh, kw = k.shape
    r0, c0 = (kh // 2, kw // 2) if top is None else top(kh, kw)
    return _crop(out, im, k, r0, c0)


RIGHT: dict[str, list[Callable[..., Any]]] = {
    "conv_output_shape": [core.conv_output_shape, formula_shape],
    "get_subimages": [core.get_subimages, loop_subimages],
    "im_conv": [core.im_conv, loop_im_conv],
    "flip_kernel": [core.flip_kernel, np.flip, lambda k: k[::-1, ::-1].copy()],
    "convolve": [core.convolve, loop_convolve,
                 lambda im, k: scipy.signal.convolve2d(im, k, mode="valid").astype(np.float64)],
    "box_blur_kernel": [lambda n: np.ones((n, n)) / n**2],
    "sharpen_kernel": [exercises.get("sharpen_kernel").reference, lambda b: 2.0 * np.pad(
        np.ones((1, 1)), ((b.shape[0] // 2, (b.shape[0] - 1) // 2),
                          (b.shape[1] // 2, (b.shape[1] - 1) // 2))) - b],
    "gradient_magnitude": [lambda gx, gy: np.sqrt(gx**2.0 + gy**2.0)],
    "opencv_im_conv": [cv_im_conv, lambda im, k: cv_im_conv(im, k, anchor_zero=True)],
    "opencv_convolve": [lambda im, k: cv_im_conv(im, k, flip=True),
                        lambda im, k: cv_im_conv(im, k, flip=True, anchor_zero=True)],
}


# --------------------------------------------------------------------------------------------
# the contract
# --------------------------------------------------------------------------------------------


def test_exercises_cover_every_graded_name():
    assert set(NAMES) == {
        "conv_output_shape", "window_choice", "get_subimages", "im_conv", "flip_kernel",
        "convolve", "box_blur_kernel", "sharpen_kernel", "gradient_magnitude",
        "opencv_im_conv", "opencv_convolve", "pad_image", "strided_im_conv", "identify_filter",
        "gaussian_kernel", "separable_conv", "multichannel_conv",
    }
    for ex in exercises.all_exercises():
        assert assignment(ex.assignment).name == ex.assignment
        assert ex.points > 0 and ex.points == sum(c.points for c in ex.rubric)
        assert ex.grade_id == f"test_{ex.name}"
        helper = getattr(exercises, f"check_{ex.name}")
        assert helper.__doc__ and callable(helper) and helper.__name__ == f"check_{ex.name}"
        assert ex.contract and ex.right and ex.wrong and ex.cheat
    assert exercises.get("opencv_im_conv").allowed_modules == ("cv2",)
    assert "def im_conv(" in exercises.get("convolve").given_source
    assert exercises.get("opencv_convolve").forbidden_modules == (
        "scipy", "convkit", "skimage", "torch", "PIL", "imageio")
    assert "cv2" in exercises.get("im_conv").forbidden_modules


def test_window_choice_options():
    options = window_choice.OPTIONS
    assert list(options) == ["A", "B", "C", "D", "E"]
    answer = exercises.get("window_choice").answer
    assert options[answer] == "im[r:r+3, c:c+3]"
    im = np.arange(80).reshape(8, 10)
    r, c = 2, 5
    for letter, code in options.items():
        window = eval(code, {"im": im, "r": r, "c": c})
        assert (letter == answer) == (window.shape == (3, 3) and window[0, 0] == im[r, c])


def test_bad_names_and_arguments_are_refused():
    with pytest.raises(KeyError, match="name must be one of"):
        cases("im_convolve")
    with pytest.raises(TypeError, match="seed"):
        cases("im_conv", hidden=True, seed=1.5)
    with pytest.raises(TypeError, match="case"):
        diagnose("im_conv", (np.ones((2, 2)),), np.ones((1, 1)))
    with pytest.raises(TypeError, match="type_name"):
        Unserializable(3)


# --------------------------------------------------------------------------------------------
# the cases
# --------------------------------------------------------------------------------------------


def _arrays(case_list):
    return [a for case in case_list for a in case.args if isinstance(a, np.ndarray)]


def _same_cases(a, b) -> bool:
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        if x.label != y.label or len(x.args) != len(y.args):
            return False
        for p, q in zip(x.args, y.args, strict=True):
            if isinstance(p, np.ndarray):
                if p.dtype != q.dtype or not np.array_equal(p, q):
                    return False
            elif p != q:
                return False
    return True


@pytest.mark.parametrize("name", FUNCTIONS)
def test_cases_are_deterministic_per_seed_and_differ_across_seeds(name):
    assert _same_cases(cases(name), cases(name))
    assert _same_cases(cases(name, hidden=True), cases(name, hidden=True, seed=None))
    assert _same_cases(cases(name, hidden=True, seed=7), cases(name, hidden=True, seed=7))
    assert not _same_cases(cases(name, hidden=True, seed=7), cases(name, hidden=True, seed=8))
    assert all(c.hidden for c in cases(name, hidden=True))
    assert not any(c.hidden for c in cases(name))
    for a in _arrays(cases(name, hidden=True, seed=3)):
        assert a.ndim in (1, 2, 3, 4) and max(a.shape[:2]) <= 40


@pytest.mark.parametrize("name", FUNCTIONS)
def test_cases_are_fresh_copies(name):
    for hidden in (False, True):
        before = cases(name, hidden=hidden, seed=4)
        spoiled = cases(name, hidden=hidden, seed=4)
        for a in _arrays(spoiled):
            a[...] = 7
        assert _same_cases(cases(name, hidden=hidden, seed=4), before)


@pytest.mark.parametrize("name", CONV_NAMES)
@pytest.mark.parametrize("hidden", [False, True])
def test_conv_cases_include_the_designed_traps(name, hidden):
    todo = cases(name, hidden=hidden, seed=9)
    ims = [c.args[0] for c in todo]
    ks = [c.args[1] for c in todo]
    assert any(im.shape[0] != im.shape[1] for im in ims)
    assert any(k.shape[0] != k.shape[1] for k in ks)
    assert any(not np.array_equal(k, k[::-1, ::-1]) and k.shape[0] == k.shape[1] and
               not np.array_equal(k, k.T) for k in ks)
    assert any(k.shape == (1, 1) for k in ks)
    assert any(k.shape == im.shape for im, k in zip(ims, ks, strict=True))
    u8 = [c for c in todo if c.args[0].dtype == np.uint8]
    assert u8 and all(c.args[0].min() >= 200 for c in u8)
    assert any(reference(name, c).max() > 255 for c in u8)
    if name.startswith("opencv"):
        assert any(k.shape[0] % 2 == 0 and k.shape[0] > 2 for k in ks)
        assert all(k.dtype == np.float64 for k in ks)


# --------------------------------------------------------------------------------------------
# right answers pass
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(RIGHT))
def test_right_implementations_pass_every_case(name, capsys):
    ex = exercises.get(name)
    for func in RIGHT[name]:
        library = forbidden_uses(ex, func)  # convkit's and SciPy's own functions
        if not library:
            check(name, func)
        assert first_failure(name, func) is None
        for seed in SEEDS:
            if not library:
                check(name, func, hidden=True, seed=seed)
            assert first_failure(name, func, hidden=True, seed=seed) is None
    assert "passed" in capsys.readouterr().out


def test_window_choice_right_answer_passes(capsys):
    exercises.check_window_choice("C")
    exercises.check_window_choice(" c ", hidden=True)
    assert capsys.readouterr().out.count("passed") == 2


@pytest.mark.parametrize("name", CONV_NAMES)
def test_references_agree_with_an_independent_engine(name):
    for case in cases(name) + cases(name, hidden=True, seed=5):
        im, k = case.args
        want = models.correlate(im, k[::-1, ::-1] if "convolve" in name else k)
        assert comparing.close(reference(name, case), want)
        if "convolve" in name:
            assert comparing.close(reference(name, case),
                                  scipy.signal.convolve2d(im, k, mode="valid").astype(float))


# --------------------------------------------------------------------------------------------
# each mistake is named
# --------------------------------------------------------------------------------------------


def _u8_out(im, k, flip=False):
    kk = k[::-1, ::-1] if flip else k
    kh, kw = kk.shape
    out = np.zeros_like(im, shape=(im.shape[0] - kh + 1, im.shape[1] - kw + 1))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = np.sum(im[r:r + kh, c:c + kw] * kk)
    return out


def _matmul(im, k):
    kh, kw = k.shape
    out = np.zeros((im.shape[0] - kh + 1, im.shape[1] - kw + 1))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = np.sum(im[r:r + kh, c:c + kw] @ k)
    return out


def _modifies(im, k):
    out = loop_im_conv(im, k)
    im[0, 0] = -1
    return out


def _too_far(im, k):
    kh, kw = k.shape
    out = np.zeros((im.shape[0] - kh + 2, im.shape[1] - kw + 2))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            w = im[r:r + kh, c:c + kw]
            out[r, c] = np.sum(w * k[:w.shape[0], :w.shape[1]])
    return out


def _in_corner(im, k):
    out = np.zeros(im.shape)
    valid = loop_im_conv(im, k)
    out[:valid.shape[0], :valid.shape[1]] = valid
    return out


class AlwaysEqual:
    def __eq__(self, other):
        return True

    __hash__ = None


IM_CONV_MISTAKES = [
    (lambda im, k: loop_convolve(im, k), "flipped_kernel", ["flipped"]),
    (lambda im, k: loop_im_conv(im, k[:, ::-1]), "flipped_kernel", ["flipped"]),
    (lambda im, k: loop_im_conv(im, k).T, "transposed", ["rows and columns"]),
    (lambda im, k: loop_im_conv(im.T, k.T).T.T, "transposed", ["rows and columns"]),
    (lambda im, k: loop_im_conv(im, k)[:-1, :-1], "off_by_one", ["one row or column",
                                                                 "range(H - kh + 1)"]),
    (lambda im, k: loop_im_conv(im, k)[1:, :], "off_by_one", ["one row or column"]),
    (_too_far, "off_by_one", ["one row or column"]),
    (lambda im, k: scipy.signal.correlate2d(im, k, mode="same"), "wrong_mode_same",
     ["'same'"]),
    (lambda im, k: _in_corner(im, k), "wrong_mode_same", ["np.zeros_like(im)"]),
    (lambda im, k: scipy.signal.correlate2d(im, k, mode="full"), "wrong_mode_full",
     ["'full'"]),
    (_u8_out, "uint8_wraparound", ["wrap", "255", "astype(np.float64)"]),
    (lambda im, k: loop_im_conv(im.astype(np.uint8), k.astype(np.uint8)).astype(float)
     if im.dtype == np.uint8 else loop_im_conv(im, k), "uint8_wraparound", ["wrap"]),
    (lambda im, k: np.clip(loop_im_conv(im, k), 0, 255), "uint8_saturation", ["255"]),
    (lambda im, k: loop_im_conv(im, k).astype(int).astype(float), "integer_truncation",
     ["whole numbers", "np.zeros(shape)"]),
    (_matmul, "matmul", ["@", "np.sum(window * kernel)"]),
    (lambda im, k: np.convolve(im.ravel(), k.ravel(), "valid"), "flattened_np_convolve",
     ["flattened", "wrap"]),
    (lambda im, k: np.correlate(im.ravel(), k.ravel(), "valid")[
        :(im.shape[0] - k.shape[0] + 1) * (im.shape[1] - k.shape[1] + 1)].reshape(
        im.shape[0] - k.shape[0] + 1, im.shape[1] - k.shape[1] + 1), "flattened_np_convolve",
     ["flattened"]),
    (lambda im, k: loop_im_conv(im, np.ones_like(k)), "kernel_ignored", ["weighted"]),
    (lambda im, k: loop_im_conv(im, k) / k.size, "mean_instead_of_sum", ["np.mean"]),
    (_modifies, "input_modified", ["changed its input", "copy"]),
    (lambda im, k: loop_im_conv(im, k).tolist(), "wrong_type", ["list", "np.array"]),
    (lambda im, k: None, "wrong_type", ["None", "return"]),
    (lambda im, k: np.asmatrix(loop_im_conv(im, k)), "wrong_type", ["matrix", "np.asarray"]),
    (lambda im, k: AlwaysEqual(), "wrong_type", ["AlwaysEqual"]),
    (lambda im, k: loop_im_conv(im, k).astype(np.float32).astype(np.float64) + 1e-4,
     "unrecognised", ["not right"]),
    (lambda im, k: im[k.shape[0] + 100], "raised", ["IndexError", "failed on"]),
]


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize(("wrong", "mistake", "words"), IM_CONV_MISTAKES)
def test_im_conv_mistakes_are_named(wrong, mistake, words, hidden):
    verdict = first_failure("im_conv", wrong, hidden=hidden, seed=11)
    assert verdict is not None and not verdict.ok
    assert verdict.mistake == mistake, verdict.message
    for word in words:
        assert word in verdict.message, (word, verdict.message)
    assert verdict.message.splitlines()[0].startswith("im_conv: ")
    with pytest.raises(AssertionError) as info:
        check("im_conv", wrong, hidden=hidden, seed=11)
    if forbidden_uses(exercises.get("im_conv"), wrong):  # SciPy: refused before any case
        assert "scipy is not allowed" in str(info.value)
    elif verdict.mistake in ("unrecognised", "raised", "wrong_shape"):
        # no written model: probing may name it in the first line (the grader does the same)
        assert str(info.value).startswith("im_conv: ")
        assert verdict.message.splitlines()[1] in str(info.value) or "What your function" \
            in str(info.value)
    else:
        assert str(info.value).splitlines()[0] == verdict.message.splitlines()[0]


def test_integer_truncation_on_an_integer_image():
    case = cases("im_conv")[3]
    assert case.args[0].dtype == np.int64
    verdict = diagnose("im_conv", case, _u8_out(*case.args))
    assert verdict.mistake == "integer_truncation"
    assert "2.5" in verdict.message  # the explanation's example


def test_an_empty_crop_names_the_minus_zero_trap():
    case = next(c for c in cases("im_conv") if c.args[1].shape == (1, 1))
    im, k = case.args
    top, left = k.shape[0] // 2, k.shape[1] // 2
    verdict = diagnose("im_conv", case, loop_im_conv(im, k)[top:-top, left:-left])
    assert verdict.mistake == "empty_result" and "-0 is 0" in verdict.message


def test_matmul_is_recognised_from_the_values_on_a_square_kernel():
    case = cases("im_conv")[1]
    assert case.args[1].shape == (3, 3)
    verdict = diagnose("im_conv", case, _matmul(*case.args))
    assert verdict.mistake == "matmul"
    assert "the right answer" in verdict.message and "with this mistake" in verdict.message


def test_values_right_but_integer_dtype_is_a_dtype_mistake():
    case = Case("ints", (np.arange(12).reshape(3, 4), np.array([[1, 2]])))
    verdict = diagnose("im_conv", case, loop_im_conv(*case.args).astype(np.int64))
    assert verdict.mistake == "wrong_dtype" and "float64" in verdict.message


CONVOLVE_MISTAKES = [
    (loop_im_conv, "not_flipped", ["not flipped", "kernel[::-1, ::-1]"]),
    (lambda im, k: loop_im_conv(im, k[::-1, :]), "half_flipped", ["one direction"]),
    (lambda im, k: scipy.signal.convolve2d(im, k), "wrong_mode_full", ["'full'", "scipy"]),
    (lambda im, k: loop_im_conv(im[::-1, ::-1], k), "flipped_image", ["flipped the image"]),
    (lambda im, k: _u8_out(im, k, flip=True), "uint8_wraparound", ["wrap"]),
    (lambda im, k: loop_convolve(im, k).T, "transposed", ["rows and columns"]),
]


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize(("wrong", "mistake", "words"), CONVOLVE_MISTAKES)
def test_convolve_mistakes_are_named(wrong, mistake, words, hidden):
    verdict = first_failure("convolve", wrong, hidden=hidden, seed=3)
    assert verdict is not None and verdict.mistake == mistake, verdict.message
    for word in words:
        assert word in verdict.message


OPENCV_MISTAKES = [
    ("opencv_im_conv", lambda im, k: cv_im_conv(im, k, ddepth=-1), "uint8_saturation",
     ["clipped at 255", "ddepth=-1"]),
    ("opencv_im_conv", lambda im, k: cv_im_conv(im, k, top=lambda kh, kw: ((kh - 1) // 2,
                                                                          (kw - 1) // 2)),
     "anchor_shift", ["shifted", "anchor", "crop"]),
    ("opencv_im_conv", lambda im, k: cv_im_conv(im, k, border=cv2.BORDER_DEFAULT,
                                                top=lambda kh, kw: (0, 0)),
     "anchor_shift", ["anchor"]),
    ("opencv_im_conv", lambda im, k: cv2.filter2D(im.astype(float), cv2.CV_64F, k),
     "not_cropped", ["crop", "BORDER_CONSTANT"]),
    ("opencv_im_conv", lambda im, k: cv_im_conv(im, k, flip=True), "flipped_kernel",
     ["do not flip"]),
    ("opencv_im_conv", lambda im, k: cv_im_conv(im, k, ddepth=cv2.CV_32F, dtype=np.float32),
     "wrong_dtype", ["float64"]),
    ("opencv_convolve", lambda im, k: cv_im_conv(im, k), "not_flipped", ["does not flip"]),
    ("opencv_convolve", lambda im, k: cv_im_conv(im, k, flip=True, ddepth=-1),
     "uint8_saturation", ["ddepth=-1"]),
    ("opencv_convolve", lambda im, k: cv_im_conv(im, k, flip=True, top=lambda kh, kw: (
        (kh - 1) // 2, (kw - 1) // 2)), "anchor_shift", ["anchor"]),
]


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize(("name", "wrong", "mistake", "words"), OPENCV_MISTAKES)
def test_opencv_traps_are_named(name, wrong, mistake, words, hidden):
    verdict = first_failure(name, wrong, hidden=hidden, seed=21)
    assert verdict is not None and verdict.mistake == mistake, verdict.message
    for word in words:
        assert word in verdict.message


def test_float32_opencv_is_called_imprecise():
    case = cases("opencv_im_conv", hidden=True)[0]
    actual = cv_im_conv(*case.args, ddepth=cv2.CV_32F, dtype=np.float32)
    verdict = diagnose("opencv_im_conv", case, actual)
    assert verdict.mistake == "wrong_dtype" and "CV_64F" in verdict.message


FLIP_MISTAKES = [
    (lambda k: k, "not_flipped", ["not flipped"]),
    (lambda k: k[:, ::-1], "flipped_lr_only", ["left-right only"]),
    (lambda k: np.flipud(k), "flipped_ud_only", ["up-down only"]),
    (lambda k: k.T, "transposed", ["transposed", "180"]),
    (np.rot90, "rotated_90", ["90 degrees"]),
    (lambda k: k[::-1, ::-1].tolist(), "wrong_type", ["list"]),
    (lambda k: k[::-1, ::-1] + 1, "unrecognised", ["expected"]),
]


def _flip_in_place(k):
    k[...] = k[::-1, ::-1].copy()
    return k


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize(("wrong", "mistake", "words"),
                         [*FLIP_MISTAKES, (_flip_in_place, "input_modified", ["input"])])
def test_flip_kernel_mistakes_are_named(wrong, mistake, words, hidden):
    verdict = first_failure("flip_kernel", wrong, hidden=hidden, seed=2)
    assert verdict is not None and verdict.mistake == mistake, verdict.message
    for word in words:
        assert word in verdict.message


SMALL_MISTAKES = [
    ("box_blur_kernel", lambda n: np.ones((n, n)), "not_normalised", ["add up to"]),
    ("box_blur_kernel", lambda n: np.ones((n, n)) / n, "divided_by_size", ["1 / size**2"]),
    ("box_blur_kernel", lambda n: np.ones((n, n)) // n**2, "integer_truncation", ["//"]),
    ("box_blur_kernel", lambda n: np.ones(n) / n**2, "wrong_shape", ["size x size"]),
    ("box_blur_kernel", lambda n: np.ones((n, n), dtype=np.float32) / n**2, "wrong_dtype",
     ["float32"]),
    ("box_blur_kernel", lambda n: [[1 / n**2] * n] * n, "wrong_type", ["list"]),
    ("sharpen_kernel", lambda b: 2 * b - _ident(b), "terms_swapped", ["swapped"]),
    ("sharpen_kernel", lambda b: _ident(b) - b, "missing_factor_2", ["factor 2"]),
    ("sharpen_kernel", lambda b: 2 * np.eye(*b.shape) - b, "eye_not_identity_kernel",
     ["np.eye"]),
    ("sharpen_kernel", lambda b: 2 * _ident(b, square=True) - b, "identity_off_centre",
     ["centre"]),
    ("sharpen_kernel", lambda b: 2 * _ident(b) + b, "plus_blur", ["subtract"]),
    ("sharpen_kernel", lambda b: np.subtract(2 * _ident(b), b, out=b), "input_modified",
     ["input"]),
    ("gradient_magnitude", lambda gx, gy: gx**2.0 + gy**2.0, "missing_sqrt", ["np.sqrt"]),
    ("gradient_magnitude", lambda gx, gy: np.abs(gx) + np.abs(gy), "abs_sum", ["vector"]),
    ("gradient_magnitude", lambda gx, gy: np.sqrt((gx + gy) ** 2.0), "squared_sum",
     ["cancel"]),
    ("gradient_magnitude", lambda gx, gy: np.linalg.norm(np.stack([gx, gy])),
     "whole_array_norm", ["one number"]),
    ("gradient_magnitude", lambda gx, gy: np.hypot(gx, gy).astype(int).astype(float),
     "integer_truncation", ["fractions"]),
    ("gradient_magnitude", lambda gx, gy: np.hypot(gx, gy).T, "transposed", ["rows"]),
    ("gradient_magnitude", lambda gx, gy: np.sqrt(gx**2 + gy**2).astype(np.float32),
     "wrong_dtype", ["float32"]),
]


def _ident(b, square=False):
    out = np.zeros(b.shape)
    out[b.shape[0] // 2, (b.shape[0] if square else b.shape[1]) // 2] = 1
    return out


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize(("name", "wrong", "mistake", "words"), SMALL_MISTAKES)
def test_kernel_and_gradient_mistakes_are_named(name, wrong, mistake, words, hidden):
    verdict = first_failure(name, wrong, hidden=hidden, seed=13)
    assert verdict is not None and verdict.mistake == mistake, verdict.message
    for word in words:
        assert word in verdict.message


SHAPE_MISTAKES = [
    (lambda i, k, m: formula_shape(i, k, m)[::-1], "transposed", ["(height, width)"]),
    (lambda i, k, m: formula_shape(i, k, "full"), "wrong_mode_full", ["mode keeps only"]),
    (lambda i, k, m: formula_shape(i, k, "valid") if m == "same" else formula_shape(i, k, m),
     "wrong_mode_valid", ["mode pads"]),
    (lambda i, k, m: (i[0] - k[0], i[1] - k[1]) if m == "valid" else formula_shape(i, k, m),
     "off_by_one", ["H - kh + 1"]),
    (lambda i, k, m: list(formula_shape(i, k, m)), "wrong_type", ["tuple"]),
    (lambda i, k, m: tuple(v / 1 for v in formula_shape(i, k, m)), "true_division", ["//"]),
    (lambda i, k, m: tuple(v + 0.5 for v in formula_shape(i, k, m)), "wrong_type", ["ints"]),
    (lambda i, k, m: np.array(formula_shape(i, k, m)), "wrong_type", ["tuple"]),
    (lambda i, k, m: formula_shape(i, k, m) + (1,), "wrong_shape", ["two numbers"]),
    (lambda i, k, m: None, "wrong_type", ["return"]),
    (lambda i, k, m: (0, 0), "unrecognised", ["wrong size", "mode"]),
]


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize(("wrong", "mistake", "words"), SHAPE_MISTAKES)
def test_conv_output_shape_mistakes_are_named(wrong, mistake, words, hidden):
    verdict = first_failure("conv_output_shape", wrong, hidden=hidden, seed=4)
    assert verdict is not None and verdict.mistake == mistake, verdict.message
    for word in words:
        assert word in verdict.message


def test_conv_output_shape_accepts_numpy_ints():
    check("conv_output_shape",
          lambda *args: tuple(np.int64(v) for v in formula_shape(*args)))


def _subimages_with(rows, cols, key=lambda r, c: (r, c), window=None):
    def get_subimages(im, kernel):
        kh, kw = kernel.shape
        take = window or (lambda im, r, c: im[r:r + kh, c:c + kw])
        return {key(r, c): take(im, r, c) for r in rows(im, kernel) for c in cols(im, kernel)}
    return get_subimages


def _valid_rows(im, k):
    return range(im.shape[0] - k.shape[0] + 1)


def _valid_cols(im, k):
    return range(im.shape[1] - k.shape[1] + 1)


SUBIMAGE_MISTAKES = [
    (lambda im, k: list(loop_subimages(im, k).values()), "wrong_type", ["dict", "list"]),
    (_subimages_with(_valid_rows, _valid_cols, key=lambda r, c: (c, r)), "transposed",
     ["(col, row)"]),
    (_subimages_with(lambda im, k: range(im.shape[0] - k.shape[0]), _valid_cols),
     "off_by_one", ["missing", "range(H - kh + 1)"]),
    (_subimages_with(lambda im, k: range(im.shape[0]), _valid_cols), "off_by_one",
     ["too many"]),
    (lambda im, k: {rc: w.tolist() for rc, w in loop_subimages(im, k).items()},
     "wrong_type", ["NumPy array"]),
    (lambda im, k: {key: im[r:r + k.shape[0] + 1, c:c + k.shape[1] + 1]
                    for key, (r, c) in ((rc, rc) for rc in loop_subimages(im, k))},
     "wrong_shape", ["kernel's shape"]),
    (lambda im, k: {(r, c): im[r:r + k.shape[1], c:c + k.shape[0]]
                    for (r, c) in loop_subimages(im, k)}, "transposed", ["swapped"]),
    (lambda im, k: {(r, c): im[r + 1:r + 1 + k.shape[0], c:c + k.shape[1]]
                    if r + 1 + k.shape[0] <= im.shape[0] else im[r:r + k.shape[0],
                                                                  c:c + k.shape[1]]
                    for (r, c) in loop_subimages(im, k)}, "wrong_position", ["top-left"]),
    (lambda im, k: {(r, c): im[r:r + k.shape[0], c:c + k.shape[1]] + 1
                    for (r, c) in loop_subimages(im, k)}, "wrong_values", ["should be"]),
    (lambda im, k: {f"{r},{c}": w for (r, c), w in loop_subimages(im, k).items()},
     "wrong_keys", ["tuples"]),
]


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize(("wrong", "mistake", "words"), SUBIMAGE_MISTAKES)
def test_get_subimages_mistakes_are_named(wrong, mistake, words, hidden):
    verdict = first_failure("get_subimages", wrong, hidden=hidden, seed=6)
    assert verdict is not None and verdict.mistake == mistake, verdict.message
    for word in words:
        assert word in verdict.message


@pytest.mark.parametrize(("name", "wrong"), [
    ("conv_output_shape", SHAPE_MISTAKES[0][0]), ("conv_output_shape", SHAPE_MISTAKES[3][0]),
    ("get_subimages", SUBIMAGE_MISTAKES[2][0]), ("get_subimages", SUBIMAGE_MISTAKES[3][0]),
    ("get_subimages", SUBIMAGE_MISTAKES[5][0]),
])
def test_hidden_shape_messages_explain_on_the_tiny_example(name, wrong):
    for seed in (1, 2, 3):
        verdict = first_failure(name, wrong, hidden=True, seed=seed)
        case = next(c for c in cases(name, hidden=True, seed=seed) if c.label in verdict.message)
        shapes = (case.args[0], case.args[1]) if name == "conv_output_shape" else (
            case.args[0].shape, case.args[1].shape)
        for shape in shapes:
            assert str(tuple(shape)) not in verdict.message, verdict.message
            assert f"{shape[0]}x{shape[1]}" not in verdict.message
        assert "For example" in verdict.message or verdict.mistake == "wrong_shape"


@pytest.mark.parametrize(("answer", "mistake"), [("A", "off_by_one"), ("B", "shifted"),
                                                 ("D", "transposed"), ("E", "too_large"),
                                                 ("F", "wrong_type"), (3, "wrong_type"),
                                                 (AlwaysEqual(), "wrong_type")])
def test_window_choice_wrong_answers_say_why(answer, mistake):
    verdict = diagnose("window_choice", cases("window_choice")[0], answer)
    assert not verdict.ok and verdict.mistake == mistake
    with pytest.raises(AssertionError, match="window_choice"):
        exercises.check_window_choice(answer)


ODD_RESULTS = [
    None, "abc", 3, 2.5, True, [], [[1, 2]], {}, {(0, 0): 1}, {(0, 0): np.ones((9, 9))}, (1,),
    (1, 2, 3), ("a", "b"), (1.5, 2), (True, False), np.array(3.0), np.array([]),
    np.zeros((0, 0)), np.zeros((2, 3, 4)), np.array([[np.nan]]), np.full((4, 5), np.inf),
    np.array([["a"]]), np.array([[1 + 2j]]), np.ones((3, 3), bool),
    np.array([[None]], dtype=object), np.ones((41, 41)), Unserializable("X"),
    np.ones((4, 5), np.float16), np.uint8(3), np.float64(2.0), {"a": 1},
    {(0, 0, 0): np.ones(2)}, {(0.0, 0.0): np.ones((2, 3))}, np.ones((5,)), AlwaysEqual(),
]


@pytest.mark.parametrize("name", NAMES)
def test_diagnose_never_crashes_and_never_passes_odd_results(name):
    todo = cases(name) + cases(name, hidden=True, seed=1)[:2]
    for case in todo:
        for odd in ODD_RESULTS:
            ex = exercises.get(name)
            verdict = (ex.judge or diagnose_array)(ex, case, odd)  # no safety net
            assert not verdict.ok and verdict.mistake and verdict.message.startswith(name)


def test_every_message_starts_with_a_short_line_naming_the_problem():
    table = ([("im_conv", w, m) for w, m, _ in IM_CONV_MISTAKES]
             + [("convolve", w, m) for w, m, _ in CONVOLVE_MISTAKES]
             + [(n, w, m) for n, w, m, _ in OPENCV_MISTAKES]
             + [("flip_kernel", w, m) for w, m, _ in FLIP_MISTAKES]
             + [(n, w, m) for n, w, m, _ in SMALL_MISTAKES]
             + [("conv_output_shape", w, m) for w, m, _ in SHAPE_MISTAKES]
             + [("get_subimages", w, m) for w, m, _ in SUBIMAGE_MISTAKES])
    for name, wrong, _mistake in table:
        for hidden in (False, True):
            message = first_failure(name, wrong, hidden=hidden, seed=1).message
            head, _, rest = message.partition("\n")
            assert head.startswith(f"{name}: ") and len(head) <= 100, head
            assert head.endswith((".", ")")) and rest.strip(), message


# --------------------------------------------------------------------------------------------
# the in-kernel check's own behaviour
# --------------------------------------------------------------------------------------------


def test_not_implemented_error_propagates_unchanged():
    def stub(im, kernel):
        raise NotImplementedError()

    with pytest.raises(NotImplementedError):
        exercises.check_im_conv(stub)
    with pytest.raises(NotImplementedError):
        exercises.check_get_subimages(stub, hidden=True)


def test_other_exceptions_become_assertion_errors_naming_them():
    def broken(im, kernel):
        return im[100, 100]

    with pytest.raises(AssertionError) as info:
        exercises.check_im_conv(broken)
    message = str(info.value)
    assert message.startswith("im_conv: your function raised IndexError.")
    assert "a 5x7 image (non-square) with a 2x3 asymmetric kernel" in message
    assert isinstance(info.value.__cause__, IndexError)


def test_check_detects_in_place_modification_even_when_the_result_is_right():
    def sneaky(im, kernel):
        out = loop_im_conv(im, kernel)
        kernel *= 2
        return out

    with pytest.raises(AssertionError, match="changed its input"):
        exercises.check_im_conv(sneaky)
    verdict = diagnose("im_conv", cases("im_conv")[0], reference("im_conv", cases("im_conv")[0]),
                       inputs_modified=True)
    assert verdict.mistake == "input_modified"


def test_check_refuses_always_equal_objects_and_subclasses():
    class Sneaky(np.ndarray):
        def __eq__(self, other):
            return np.ones(np.shape(other), dtype=bool)

    for fake in (lambda im, k: AlwaysEqual(),
                 lambda im, k: np.zeros((1, 1)).view(Sneaky)):
        with pytest.raises(AssertionError, match="wrong type"):
            exercises.check_im_conv(fake)
    with pytest.raises(AssertionError, match="wrong type"):
        exercises.check_conv_output_shape(lambda i, k, m: AlwaysEqual())
    with pytest.raises(AssertionError):
        exercises.check_get_subimages(lambda im, k: AlwaysEqual())


def test_a_value_passed_for_a_function_is_explained():
    with pytest.raises(AssertionError, match="expected a function"):
        exercises.check_im_conv(np.ones((2, 2)))


@pytest.mark.parametrize("name", FUNCTIONS)
def test_unserializable_results_name_the_type(name):
    case = cases(name)[0]
    verdict = diagnose(name, case, Unserializable("Generator"))
    assert verdict.mistake == "wrong_type" and "Generator" in verdict.message


@pytest.mark.parametrize("name", FUNCTIONS)
def test_raised_in_the_sandbox_is_named(name):
    case = cases(name, hidden=True)[0]
    verdict = diagnose(name, case, None, raised="ZeroDivisionError: division by zero")
    assert verdict.mistake == "raised"
    assert "ZeroDivisionError" in verdict.message and case.label in verdict.message
    forbidden = diagnose(name, case, None, raised="ImportError: import of 'scipy' is not allowed")
    assert forbidden.mistake == "forbidden_import"


def test_raised_may_be_a_whole_traceback():
    traceback = ("Traceback (most recent call last):\n  File \"<cell>\", line 3, in im_conv\n"
                 "    out[r, c] = x\nIndexError: index 4 is out of bounds for axis 0 with size 4")
    verdict = diagnose("im_conv", cases("im_conv")[0], None, raised=traceback)
    head = verdict.message.splitlines()[0]
    assert head == "im_conv: your function raised IndexError."
    assert "out of bounds" in verdict.message and "An index ran past the end" in verdict.message
    odd = diagnose("im_conv", cases("im_conv")[0], None, raised="")
    assert odd.mistake == "raised" and "an exception" in odd.message


def test_unrecognised_small_visible_case_prints_arrays_in_full():
    case = cases("im_conv")[0]
    actual = reference("im_conv", case) + np.eye(4, 5)
    verdict = diagnose("im_conv", case, actual)
    assert verdict.mistake == "unrecognised"
    assert "expected:" in verdict.message and "kernel (float64) =" in verdict.message
    assert np.array2string(case.args[1], precision=4, suppress_small=True,
                           max_line_width=90).splitlines()[0] in verdict.message


def test_unrecognised_hidden_case_is_summarised_without_its_inputs():
    case = cases("im_conv", hidden=True, seed=8)[-1]
    actual = reference("im_conv", case).copy()
    actual[2, 3] += 0.5
    verdict = diagnose("im_conv", case, actual)
    assert verdict.mistake == "unrecognised"
    assert "first difference at index (2, 3)" in verdict.message
    assert "1 of" in verdict.message and "largest difference 0.5" in verdict.message
    assert "a hidden test" in verdict.message
    assert "im (float64) =" not in verdict.message
    assert "kernel (float64) =" not in verdict.message
    assert verdict.expected is not None and verdict.actual is actual


def test_recognised_mistakes_show_only_the_tiny_example_on_hidden_cases():
    verdict = first_failure("im_conv", loop_convolve, hidden=True, seed=99)
    shown = re.findall(r"\[\[[^\]]*\]", verdict.message)
    tiny_rows = np.array2string(exercises.get("im_conv").tiny[0]).splitlines()[0]
    assert tiny_rows in verdict.message and shown


# --------------------------------------------------------------------------------------------
# the difference picture
# --------------------------------------------------------------------------------------------


def test_difference_png_is_a_png_showing_where_it_goes_wrong(tmp_path):
    case = cases("im_conv")[0]
    expected = reference("im_conv", case)
    actual = expected.copy()
    actual[1, 2] += 20
    data = picture.difference_png(expected, actual, "im_conv: " + case.label)
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 2000
    (tmp_path / "difference.png").write_bytes(data)
    import matplotlib.image

    pixels = matplotlib.image.imread(tmp_path / "difference.png")
    assert pixels.shape[1] > 500 and pixels.shape[0] > 150
    fig = picture.difference_figure(expected, actual, "t")
    titles = [ax.get_title() for ax in fig.axes[:3]]
    assert titles == ["expected", "yours", "yours - expected"]
    image = fig.axes[2].images[0]
    lo, hi = image.get_clim()
    assert lo == -hi == -20 and image.get_cmap().name == "RdBu_r"
    assert fig._suptitle.get_text() == "t"


def test_difference_figure_handles_other_shapes_and_refuses_bad_input():
    fig = picture.difference_figure(np.zeros((2, 3)), np.zeros((3, 2)), "transposed")
    assert "shapes differ" in fig.axes[2].texts[0].get_text()
    assert picture.difference_png(np.zeros(3), np.ones(3), "1-D")[:4] == b"\x89PNG"
    with pytest.raises(TypeError, match="actual"):
        picture.difference_figure(np.zeros((2, 2)), Unserializable("X"), "t")
    with pytest.raises(TypeError, match="expected"):
        picture.difference_figure(np.array([["a"]]), np.zeros((1, 1)), "t")
    with pytest.raises(ValueError, match="actual"):
        picture.difference_figure(np.zeros((2, 2)), np.zeros((2, 2, 2)), "t")
    with pytest.raises(TypeError, match="title"):
        picture.difference_figure(np.zeros((2, 2)), np.zeros((2, 2)), None)


@pytest.mark.parametrize("name", ["im_conv", "convolve", "opencv_im_conv", "opencv_convolve"])
def test_hidden_cases_are_valid_inputs_for_many_seeds(name: str) -> None:
    # every hidden kernel fits inside its image, so a correct answer can pass every case
    for seed in range(200):
        for case in cases(name, hidden=True, seed=seed):
            im, kernel = case.args[0], case.args[1]
            assert kernel.shape[0] <= im.shape[0] and kernel.shape[1] <= im.shape[1], (seed, case)
            reference(name, case)  # raises if the reference refuses the input


# --------------------------------------------------------------------------------------------
# graded for real: the sandbox, the rubric's partial credit, probing in the feedback
# --------------------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent


def _grade(name: str, *sources: str, student: str = "ada"):
    from convkit.grading.context import GradingContext
    from convkit.grading.verdicts import grade_question

    context = GradingContext(course_root=ROOT, salt="exercise-tests", timeout=20)
    return grade_question(name, list(sources), student=student,
                          assignment=exercises.get(name).assignment, context=context)


IM_CONV_IN_INPUT_DTYPE = '''\
def im_conv(im, kernel):
    kh, kw = kernel.shape
    out = np.zeros((im.shape[0] - kh + 1, im.shape[1] - kw + 1), dtype=im.dtype)
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = np.sum(im[r:r + kh, c:c + kw] * kernel)
    return out
'''

IM_CONV_MODIFIES_ITS_INPUT = '''\
def im_conv(im, kernel):
    kh, kw = kernel.shape
    out = np.zeros((im.shape[0] - kh + 1, im.shape[1] - kw + 1))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = np.sum(im[r:r + kh, c:c + kw] * kernel)
    im[0, 0] = 0
    return out
'''

IM_CONV_SQUARE_ONLY = '''\
def im_conv(im, kernel):
    k = kernel.shape[0]  # as if every kernel were square
    out = np.zeros((im.shape[0] - k + 1, im.shape[1] - k + 1))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = np.sum(im[r:r + k, c:c + k] * kernel)
    return out
'''


@pytest.mark.slow
@pytest.mark.parametrize(("source", "missed"), [
    (IM_CONV_IN_INPUT_DTYPE, {"form", "integer"}),
    (IM_CONV_MODIFIES_ITS_INPUT, {"unmodified"}),
    (IM_CONV_SQUARE_ONLY, {"form", "non_square"}),
])
def test_partly_right_answers_earn_the_criteria_they_meet(source, missed):
    verdict = _grade("im_conv", source)
    assert 0 < verdict.score < verdict.max_score == 5, verdict.details
    assert {c["id"] for c in verdict.criteria if not c["met"]} == missed
    assert verdict.score == sum(c["points"] for c in verdict.criteria if c["met"])
    assert verdict.partial and f"Points: {verdict.score:g} of 5" in verdict.details
    for c in verdict.criteria:
        assert ("✔ " if c["met"] else "✘ ") + c["title"] in verdict.details


@pytest.mark.slow
def test_a_right_answer_earns_everything_and_a_cheat_nothing():
    ex = exercises.get("im_conv")
    right = _grade("im_conv", ex.right.source)
    assert right.passed and right.score == right.max_score == 5
    assert all(c["met"] for c in right.criteria)
    cheat = _grade("im_conv", ex.cheat.source)
    assert cheat.score == 0 and not any(c["met"] for c in cheat.criteria)
    assert cheat.mistake == "forbidden"
    assert "The grader blocked: import of cv2" in cheat.details
    assert "asks for your own implementation" in cheat.details


SEED_LESSON_TRANSPOSED = '''\
def im_conv(im, kernel):
    image_w, image_h = im.shape  # the seed lesson's naming: width first
    kernel_w, kernel_h = kernel.shape
    out = np.zeros((image_h - kernel_h + 1, image_w - kernel_w + 1))
    for y in range(image_h - kernel_h + 1):
        for x in range(image_w - kernel_w + 1):
            out[y, x] = np.sum(im[x:x + kernel_w, y:y + kernel_h] * kernel)
    return out
'''

OFF_BY_ONE_WINDOW = '''\
def im_conv(im, kernel):
    kh, kw = kernel.shape
    out = np.zeros((im.shape[0] - kh + 1, im.shape[1] - kw + 1))
    for r in range(1, im.shape[0] - kh + 1):
        for c in range(1, im.shape[1] - kw + 1):
            out[r - 1, c - 1] = np.sum(im[r:r + kh, c:c + kw] * kernel)
    return out
'''

FLATTENED = '''\
def im_conv(im, kernel):
    h, w = im.shape
    kh, kw = kernel.shape
    flat = np.convolve(im.ravel(), kernel.ravel(), mode="same").reshape(h, w)
    return flat[:h - kh + 1, :w - kw + 1]
'''


@pytest.mark.slow
@pytest.mark.parametrize(("source", "mistake", "words"), [
    (SEED_LESSON_TRANSPOSED, "transposed", ["rows and columns are swapped",
                                            "`h, w = im.shape`"]),
    (OFF_BY_ONE_WINDOW, "window_offset", ["your window is shifted",
                                          "starts at im[r+1, c+1]"]),
    (FLATTENED, "flattened_np_convolve", ["the image was flattened"]),
    (exercises.get("im_conv").cheat.source, "forbidden", ["cv2 is not allowed",
                                                          "own implementation"]),
])
def test_the_grader_names_what_used_to_be_not_right(source, mistake, words):
    verdict = _grade("im_conv", source)
    assert verdict.mistake == mistake, verdict.details
    assert "the result is not right" not in verdict.headline
    for word in words:
        assert word in verdict.details, (word, verdict.details)


@pytest.mark.slow
def test_bens_im_conv_feedback_shows_the_kernel_his_function_applies():
    verdict = _grade("im_conv", exercises.get("im_conv").wrong.source, student="ben_mistakes")
    assert verdict.mistake == "flipped_kernel" and verdict.score == 0
    assert ("your function applies [[6, 5, 4], [3, 2, 1]] where [[1, 2, 3], [4, 5, 6]] was "
            "expected") in verdict.details
    import io

    import matplotlib.image

    pixels = matplotlib.image.imread(io.BytesIO(verdict.picture))
    assert pixels.shape[0] > 400  # two rows of panels: the results and the kernels


def _lesson_namespace(assignment: str) -> dict[str, Any]:
    """What a lesson's setup cell gives the student's kernel (the names answers may use)."""
    namespace: dict[str, Any] = {"np": np}
    if assignment == "03_kernel_flipping":
        namespace["im_conv"] = core.im_conv
    if assignment == "05_opencv":
        namespace.update(cv2=cv2, im_conv=core.im_conv, convolve=core.convolve,
                         correlate=core.correlate)
    return namespace


#: cheats that are safe to run in the test's own process (the others patch NumPy, spawn
#: processes or need IPython); the file-reading cheat is left out: in the student's own
#: kernel the instructor's file is readable, only the grader's sandbox can refuse it
SAFE_CHEATS = ("window_choice", "flip_kernel", "im_conv", "convolve")


def _what_the_check_says(ex, namespace) -> str:
    try:
        check(ex.name, namespace[ex.name])
    except AssertionError as failure:
        return str(failure).splitlines()[0].removeprefix(f"{ex.name}: ")
    return "passed"


def _sample_answers(student: str, assignment: str) -> dict[str, Any]:
    which = {"ada_correct": "right", "ben_mistakes": "wrong", "finn_cheater": "cheat"}[student]
    return {ex.name: getattr(ex, which) for ex in exercises.for_assignment(assignment)
            if student != "finn_cheater" or ex.name in SAFE_CHEATS}


AGREEMENT = [(student, a.name) for a in ASSIGNMENTS
             for student in ("ada_correct", "ben_mistakes", "finn_cheater")
             if _sample_answers(student, a.name)]


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:this is only a warning")
@pytest.mark.parametrize(("student", "assignment"), AGREEMENT)
def test_the_visible_check_and_the_grader_agree_on_the_sample_class(student, assignment,
                                                                   capsys):
    todo = exercises.for_assignment(assignment)
    answers = _sample_answers(student, assignment)
    sources = [a.source for a in answers.values()]
    namespace = _lesson_namespace(assignment)
    for source in sources:  # the student's kernel runs the answer cells in order
        exec(source, namespace)  # the sample class is trusted test data
    for ex in todo:
        if ex.name not in answers:
            continue
        said = _what_the_check_says(ex, namespace)
        verdict = _grade(ex.name, *sources, student=student)
        if said == "passed":
            first = verdict.details.split("The first one:", 1)[-1]
            assert verdict.passed or "(a hidden test)" in first.split("\n\n")[1], (
                ex.name, verdict.details)
        elif "is not allowed in this exercise" in said:
            assert verdict.mistake == "forbidden" and verdict.score == 0
            assert said.split(" is not")[0] in verdict.headline
        else:
            assert not verdict.passed and verdict.headline.endswith(said), (
                ex.name, said, verdict.headline)
        assert verdict.score == answers[ex.name].points, (ex.name, verdict.details)
    capsys.readouterr()


def test_sharpen_with_the_2_at_the_wrong_centre_of_an_even_blur_is_refused():
    def upper_middle(blur_kernel):  # (kh - 1) // 2: the other middle of an even side
        b = np.asarray(blur_kernel, dtype=np.float64)
        identity = np.zeros(b.shape)
        identity[(b.shape[0] - 1) // 2, (b.shape[1] - 1) // 2] = 1.0
        return 2.0 * identity - b

    verdict = first_failure("sharpen_kernel", upper_middle)
    assert verdict is not None and verdict.mistake == "identity_off_centre", verdict
    assert "4 // 2 = 2" in verdict.message
    assert first_failure("sharpen_kernel", upper_middle, hidden=True, seed=3) is not None
    ex = exercises.get("sharpen_kernel")
    assert any(c.args[0].shape[0] % 2 == 0 for c in ex.cases(hidden=True, seed=5))


def test_get_subimages_accepts_any_dict():
    from collections import OrderedDict, defaultdict

    def ordered(im, kernel):
        return OrderedDict(loop_subimages(im, kernel))

    def default(im, kernel):
        out = defaultdict(list)
        out.update(loop_subimages(im, kernel))
        return out

    for func in (ordered, default):
        check("get_subimages", func)
        assert first_failure("get_subimages", func, hidden=True, seed=2) is None
