"""Lesson 1, v2: conv_output_shape with padding and stride, its exercise, the strided diagram.

* the reference (``convkit.core.conv_output_shape``) against a brute-force count of window
  positions on a padded array and against SciPy, for any shapes, paddings and strides;
* bad input raises ValueError or TypeError naming the argument;
* the exercise: every case belongs to a criterion, the hidden ones have strides that do not
  divide, the sample answers earn their points, and each mistake students make is named by
  the visible check, with a message that says what to fix (and hides hidden shapes);
* ``convkit.diagrams.strided_window_diagram`` draws the windows and the pixels never read.
"""

from __future__ import annotations

import math
import types

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import scipy.signal  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from convkit import core, exercises  # noqa: E402
from convkit.checking.diagnosing import diagnose  # noqa: E402
from convkit.checking.rubric import Judged, score  # noqa: E402
from convkit.checking.running import CheckFailed  # noqa: E402
from convkit.diagrams import strided_window_diagram  # noqa: E402

EX = exercises.get("conv_output_shape")
SEEDS = (None, 1, 2, 3, 4, 12345)


def pair(padding):
    return (padding, padding) if isinstance(padding, int) else tuple(padding)


def brute_force_shape(im_shape, kernel_shape, padding, stride):
    """Count the top-left corners of the windows that fit in the zero-padded array."""
    (pr, pc), (kh, kw) = pair(padding), kernel_shape
    padded = np.zeros((im_shape[0] + 2 * pr, im_shape[1] + 2 * pc))
    corners = [(r, c) for r in range(0, padded.shape[0], stride)
               for c in range(0, padded.shape[1], stride)
               if padded[r:r + kh, c:c + kw].shape == (kh, kw)]
    rows = sorted({r for r, _ in corners})
    cols = sorted({c for _, c in corners})
    assert len(corners) == len(rows) * len(cols)
    return (len(rows), len(cols))


def scipy_shape(im_shape, kernel_shape, padding, stride):
    (pr, pc) = pair(padding)
    im = np.pad(np.ones(im_shape), ((pr, pr), (pc, pc)))
    return scipy.signal.correlate2d(im, np.ones(kernel_shape), mode="valid")[::stride,
                                                                            ::stride].shape


@st.composite
def shapes_padding_stride(draw):
    h, w = draw(st.integers(1, 25)), draw(st.integers(1, 25))
    padding = draw(st.one_of(st.integers(0, 4), st.tuples(st.integers(0, 4), st.integers(0, 4))))
    pr, pc = pair(padding)
    kh = draw(st.integers(1, h + 2 * pr))
    kw = draw(st.integers(1, w + 2 * pc))
    stride = draw(st.integers(1, 6))
    return (h, w), (kh, kw), padding, stride


# --------------------------------------------------------------------------------------------
# the reference
# --------------------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(shapes_padding_stride())
def test_reference_counts_the_window_positions(args):
    im, k, padding, stride = args
    got = core.conv_output_shape(im, k, "valid", padding, stride)
    assert got == brute_force_shape(im, k, padding, stride)
    assert got == scipy_shape(im, k, padding, stride)
    assert all(type(n) is int for n in got)
    (pr, pc) = pair(padding)
    assert got == ((im[0] + 2 * pr - k[0]) // stride + 1, (im[1] + 2 * pc - k[1]) // stride + 1)
    assert core.conv_output_shape(im, k, padding=padding, stride=stride) == got  # keywords


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 12), st.integers(1, 12), st.integers(1, 5), st.integers(1, 5),
       st.sampled_from(["full", "same", "valid"]))
def test_reference_modes_agree_with_scipy(h, w, kh, kw, mode):
    if mode == "valid" and (kh > h or kw > w):
        with pytest.raises(ValueError, match="kernel_shape"):
            core.conv_output_shape((h, w), (kh, kw), mode)
        return
    want = scipy.signal.correlate2d(np.ones((h, w)), np.ones((kh, kw)), mode=mode).shape
    assert core.conv_output_shape((h, w), (kh, kw), mode) == want
    assert core.conv_output_shape((h, w), (kh, kw), mode, 0, 1) == want
    assert core.conv_output_shape((h, w), (kh, kw), mode, (0, 0), 1) == want


def test_the_modes_are_paddings_at_stride_one():
    # valid is p = 0, same (odd k) is p = (k - 1) / 2, full is p = k - 1
    for n, k in [(5, 3), (8, 5), (7, 1)]:
        shape = core.conv_output_shape
        assert shape((n, n), (k, k), "same") == shape((n, n), (k, k), "valid", (k - 1) // 2)
        assert shape((n, n), (k, k), "full") == shape((n, n), (k, k), "valid", k - 1)


def test_reference_numbers_from_the_lesson():
    shape = core.conv_output_shape
    assert shape((512, 512), (1, 1), stride=4) == (128, 128)  # (512 - 1) / 4 + 1 = 128.75
    assert shape((9, 10), (2, 2), stride=3) == (3, 3)  # the strided diagram
    assert shape((7, 8), (3, 3), padding=1, stride=2) == (4, 4)
    assert shape((2, 3), (4, 5), padding=(1, 1)) == (1, 1)  # padding makes the kernel fit
    assert shape(np.zeros((5, 6)).shape, (np.int64(3), np.int64(2)), padding=np.int64(1),
                 stride=np.int64(2)) == (3, 4)


BAD = [
    ({"padding": -1}, ValueError, ["padding", "-1"]),
    ({"padding": (1, -2)}, ValueError, ["padding", "(1, -2)"]),
    ({"padding": 1.0}, TypeError, ["padding", "float"]),
    ({"padding": True}, TypeError, ["padding", "bool"]),
    ({"padding": (1, 2, 3)}, TypeError, ["padding", "3 numbers"]),
    ({"padding": (1, 2.5)}, TypeError, ["padding", "float"]),
    ({"padding": "1"}, TypeError, ["padding", "'1'"]),
    ({"padding": None}, TypeError, ["padding", "None"]),
    ({"stride": 0}, ValueError, ["stride", "positive integer", "0"]),
    ({"stride": -2}, ValueError, ["stride", "-2"]),
    ({"stride": 2.0}, TypeError, ["stride", "float"]),
    ({"stride": True}, TypeError, ["stride", "bool"]),
    ({"stride": (2, 2)}, TypeError, ["stride", "tuple"]),
    ({"mode": "same", "padding": 1}, ValueError, ["padding", "'same'", "mode='valid'"]),
    ({"mode": "full", "padding": (0, 1)}, ValueError, ["padding", "'full'"]),
    ({"mode": "same", "stride": 2}, ValueError, ["stride", "'same'", "mode='valid'"]),
    ({"mode": "full", "stride": 3}, ValueError, ["stride", "'full'"]),
    ({"mode": "Valid"}, ValueError, ["mode", "'valid'"]),
    ({"mode": 1}, TypeError, ["mode"]),
    ({"im_shape": (0, 5)}, ValueError, ["im_shape"]),
    ({"im_shape": (5.0, 5)}, TypeError, ["im_shape"]),
    ({"im_shape": (True, 5)}, TypeError, ["im_shape"]),
    ({"kernel_shape": (3,)}, ValueError, ["kernel_shape"]),
    ({"kernel_shape": (9, 3)}, ValueError, ["kernel_shape", "im_shape", "padding", "(9, 3)"]),
    ({"kernel_shape": (8, 3), "padding": (1, 0)}, ValueError, ["kernel_shape", "(1, 0)"]),
]


@pytest.mark.parametrize(("change", "error", "words"), BAD, ids=[str(b[0]) for b in BAD])
def test_bad_input_names_the_argument(change, error, words):
    args = {"im_shape": (5, 6), "kernel_shape": (3, 3), "mode": "valid", "padding": 0,
            "stride": 1, **change}
    with pytest.raises(error) as info:
        core.conv_output_shape(**args)
    message = str(info.value)
    for word in words:
        assert word in message, message


def test_the_same_inputs_are_fine_where_they_are_allowed():
    assert core.conv_output_shape((5, 6), (9, 3), "same") == (5, 6)
    assert core.conv_output_shape((5, 6), (8, 3), "valid", (2, 0)) == (2, 4)
    assert core.conv_output_shape((5, 6), (3, 3), "full", 0, 1) == (7, 8)
    assert core.conv_output_shape([5, 6], np.array([3, 3]), "valid", np.array([1, 2])) == (5, 8)


# --------------------------------------------------------------------------------------------
# the exercise's cases and rubric
# --------------------------------------------------------------------------------------------


def all_cases():
    return EX.cases() + [c for seed in SEEDS for c in EX.cases(hidden=True, seed=seed)]


def test_every_case_belongs_to_a_criterion_and_its_reference_is_valid():
    ids = {c.id for c in EX.rubric}
    assert ids == {"modes", "padding", "stride", "padding_and_stride"} and EX.points == 4
    for case in all_cases():
        assert case.criteria and set(case.criteria) <= ids, case.label
        assert 2 <= len(case.args) <= 5 and len(case.args) != 4
        rows, cols = EX.expected(case)
        assert rows >= 1 and cols >= 1
        if len(case.args) == 5:
            assert case.args[2] == "valid"
            im, k, _, padding, stride = case.args
            assert (rows, cols) == brute_force_shape(im, k, padding, stride)


@pytest.mark.parametrize("hidden", [False, True])
def test_the_cases_hold_the_traps(hidden):
    for seed in SEEDS if hidden else (None,):
        todo = EX.cases(hidden=hidden, seed=seed)
        five = [c.args for c in todo if len(c.args) == 5]
        assert any(len(c.args) == 2 for c in todo), "the default mode is checked"
        assert any(isinstance(a[3], tuple) and a[3][0] != a[3][1] for a in five)
        assert any(a[4] > max(a[1]) for a in five), "a stride larger than the kernel"
        remainder = [a for a in five if a[4] > 1 and any(
            (a[0][i] + 2 * pair(a[3])[i] - a[1][i]) % a[4] for i in (0, 1))]
        assert len(remainder) >= 2, "strides that do not divide"
        assert any(a[0][0] != a[0][1] for a in five)
        # three-argument cases first: an answer with the old signature fails on its mistake
        lengths = [len(c.args) for c in todo]
        assert lengths.index(5) > lengths.index(3)


def run(func, *, hidden=False, seed=None):
    judged = []
    for case in EX.cases(hidden=hidden, seed=seed):
        try:
            actual = func(*case.copy_args())
        except Exception as exc:
            verdict = diagnose(EX, case, None, raised=f"{type(exc).__name__}: {exc}")
            actual = None
        else:
            verdict = diagnose(EX, case, actual)
        judged.append(Judged(case, verdict, actual, False))
    return judged


def first_failure(func, **options):
    return next((j.verdict for j in run(func, **options) if not j.verdict.ok), None)


def points(func, seed=None):
    total, _ = score(EX, run(func) + run(func, hidden=True, seed=seed))
    return total


def sample(which):
    # the cheat assigns np.array_equal and np.allclose: it gets a copy of NumPy's namespace,
    # so the patch cannot leak into this worker's other tests (it did: 110 failures after it)
    own_numpy = types.ModuleType("numpy")
    own_numpy.__dict__.update(np.__dict__)
    namespace = {"np": own_numpy}
    exec(getattr(EX, which).source, namespace)  # the sample class is trusted test data
    return namespace["conv_output_shape"]


def test_the_right_sample_answer_passes_every_case(capsys):
    right = sample("right")
    exercises.check_conv_output_shape(right)
    for seed in SEEDS:
        exercises.check_conv_output_shape(right, hidden=True, seed=seed)
        assert points(right, seed) == EX.right.points == 4
    assert capsys.readouterr().out.count("passed") == 1 + len(SEEDS)


def test_bens_answer_earns_modes_and_stride_and_is_told_about_the_padding():
    wrong = sample("wrong")
    for seed in SEEDS:
        total, results = score(EX, run(wrong) + run(wrong, hidden=True, seed=seed))
        assert total == EX.wrong.points == 2
        assert {r.id for r in results if r.met} == {"modes", "stride"}
    with pytest.raises(CheckFailed) as info:
        exercises.check_conv_output_shape(wrong)
    assert info.value.verdict.mistake == "padding_once"
    assert "2 * padding" in str(info.value).splitlines()[0]


def test_the_cheat_earns_nothing_on_its_values():
    assert points(sample("cheat")) == 0


# --------------------------------------------------------------------------------------------
# the mistakes students make, named
# --------------------------------------------------------------------------------------------


def answer(axis, *, swap=False, swap_padding=False):
    """A student's conv_output_shape: modes right, valid mode per axis by ``axis``."""
    def conv_output_shape(im_shape, kernel_shape, mode="valid", padding=0, stride=1):
        (h, w), (kh, kw) = im_shape, kernel_shape
        if mode == "same":
            return (w, h) if swap else (h, w)
        if mode == "full":
            return (w + kw - 1, h + kh - 1) if swap else (h + kh - 1, w + kw - 1)
        pr, pc = pair(padding)
        if swap_padding:
            pr, pc = pc, pr
        out = (axis(h, kh, pr, stride), axis(w, kw, pc, stride))
        return out[::-1] if swap else out
    return conv_output_shape


RIGHT_AXIS = lambda n, k, p, s: (n + 2 * p - k) // s + 1  # noqa: E731

MISTAKES = [
    (answer(lambda n, k, p, s: (n + 2 * p - k) / s + 1), "true_division", ["//", "float"]),
    (answer(lambda n, k, p, s: (n + 2 * p - k) // s), "off_by_one", ["+ 1"]),
    (answer(lambda n, k, p, s: (n + 2 * p - k + 1) // s), "off_by_one", ["divid"]),
    (answer(lambda n, k, p, s: (n + p - k) // s + 1), "padding_once", ["2p", "below"]),
    (answer(lambda n, k, p, s: (n - k) // s + 1), "padding_ignored", ["n + 2p"]),
    (answer(lambda n, k, p, s: math.ceil((n + 2 * p - k) / s) + 1), "ceil",
     ["round down", "TensorFlow"]),
    (answer(lambda n, k, p, s: -(-(n + 2 * p - k) // s) + 1), "ceil", ["past the edge"]),
    (answer(RIGHT_AXIS, swap=True), "transposed", ["(height, width)"]),
    (answer(RIGHT_AXIS, swap_padding=True), "padding_swapped", ["rows", "height"]),
    (answer(lambda n, k, p, s: n + 2 * p - k + 1), "stride_ignored", ["every s-th"]),
]


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize(("func", "mistake", "words"), MISTAKES,
                         ids=[f"{m}-{i}" for i, (_, m, _) in enumerate(MISTAKES)])
def test_each_mistake_is_named_with_what_to_fix(func, mistake, words, hidden):
    for seed in SEEDS if hidden else (None,):
        verdict = first_failure(func, hidden=hidden, seed=seed)
        assert verdict is not None and verdict.mistake == mistake, verdict and verdict.message
        head, _, rest = verdict.message.partition("\n")
        assert head.startswith("conv_output_shape: ") and len(head) <= 100, head
        for word in words:
            assert word in verdict.message, verdict.message
        if hidden:  # explained on a small example; the hidden shapes stay hidden
            assert "For example" in rest and "with this mistake" in rest, verdict.message
            case = next(c for c in EX.cases(hidden=True, seed=seed) if c.label in rest)
            for shape in case.args[:2]:
                assert str(tuple(shape)) not in verdict.message, verdict.message
        else:
            assert "Expected (" in rest and ", yours (" in rest, verdict.message
    with pytest.raises(CheckFailed):
        exercises.check_conv_output_shape(func)


def test_the_ben_mistakes_lose_what_they_should():
    expect = {  # the criteria each single mistake still meets
        "padding_once": {"modes", "stride"},
        "padding_ignored": {"modes", "stride"},
        "padding_swapped": {"modes", "stride"},
        "stride_ignored": {"modes", "padding"},
        "ceil": {"modes", "padding"},
        "true_division": set(),
        "transposed": set(),
    }
    for func, mistake, _ in MISTAKES:
        if mistake not in expect:
            continue
        _, results = score(EX, run(func) + run(func, hidden=True, seed=2))
        assert {r.id for r in results if r.met} == expect[mistake], mistake


def test_an_answer_with_the_old_three_argument_signature_is_told_where():
    def old(im_shape, kernel_shape, mode):
        (h, w), (kh, kw) = im_shape, kernel_shape
        return {"valid": (h - kh + 1, w - kw + 1), "same": (h, w),
                "full": (h + kh - 1, w + kw - 1)}[mode]

    verdict = first_failure(old)
    assert verdict.mistake == "raised" and "mode" in verdict.message
    assert "the default is 'valid'" in verdict.message


def test_odd_results_never_pass_and_never_crash_the_judge():
    for case in EX.cases()[::4] + EX.cases(hidden=True, seed=1)[::4]:
        for odd in (None, (1,), (1.5, 2), (np.nan, 1), (True, 1), ("3", "3"), [3, 3],
                    np.array([3, 3]), (np.float64(3.0), 3), (10**30, 1), ((3,), (3,))):
            verdict = EX.judge(EX, case, odd)
            assert not verdict.ok and verdict.mistake, (case.label, odd)
            assert verdict.message.startswith("conv_output_shape: ")


# --------------------------------------------------------------------------------------------
# the strided diagram
# --------------------------------------------------------------------------------------------


def collection(ax, label):
    return next(c for c in ax.collections if c.get_label() == label)


def frames(ax):
    return [p for p in ax.patches if isinstance(p, Rectangle) and p.get_linewidth() > 1.5
            and not p.get_fill()]


@pytest.mark.parametrize(("image", "kernel", "stride", "padding"), [
    ((9, 10), (2, 2), 3, 0), ((8, 8), (3, 3), 2, 1), ((5, 7), (1, 1), 4, 0),
    ((6, 6), (3, 2), 1, 0), ((4, 3), (5, 5), 2, 1),
])
def test_strided_diagram_draws_each_window_and_marks_the_pixels_never_read(
        image, kernel, stride, padding):
    fig = strided_window_diagram(image, kernel, stride, padding)
    ax = fig.axes[0]
    rows, cols = core.conv_output_shape(image, kernel, "valid", padding, stride)
    assert ax.get_title().endswith(f"{rows} x {cols} windows")
    assert len(frames(ax)) == rows * cols + 1  # every window, and the image's border
    assert len(collection(ax, "a window's top-left corner").get_offsets()) == rows * cols
    # brute force: the image pixels under some window
    read = np.zeros(image, bool)
    padded = np.pad(read, padding)
    for r in range(0, padded.shape[0] - kernel[0] + 1, stride):
        for c in range(0, padded.shape[1] - kernel[1] + 1, stride):
            padded[r:r + kernel[0], c:c + kernel[1]] = True
    read = padded[padding:padding + image[0], padding:padding + image[1]]
    crosses = collection(ax, "a pixel never read").get_offsets()
    assert len(crosses) == int((~read).sum())
    assert {(int(x), int(y)) for x, y in crosses} == {(c, r) for r, c in zip(*np.nonzero(~read),
                                                                            strict=True)}
    assert f"{int((~read).sum())} of the {image[0] * image[1]} pixels" in fig._suptitle.get_text()


def test_strided_diagram_default_is_the_lessons_picture():
    fig = strided_window_diagram()
    assert fig._suptitle.get_text() == ("Stride 3, kernel 2 x 2: 54 of the 90 pixels are never "
                                        "read (x)")
    assert "(9 - 2) % 3 = 1 row, (10 - 2) % 3 = 2 columns" in fig.axes[0].get_xlabel()


@pytest.mark.parametrize(("kwargs", "error", "name"), [
    ({"stride": 0}, ValueError, "stride"), ({"stride": 1.5}, TypeError, "stride"),
    ({"padding": -1}, ValueError, "padding"), ({"kernel_shape": (12, 2)}, ValueError,
                                               "kernel_shape"),
    ({"image_shape": (40, 5)}, ValueError, "image_shape"),
])
def test_strided_diagram_refuses_bad_input(kwargs, error, name):
    with pytest.raises(error, match=name):
        strided_window_diagram(**kwargs)
