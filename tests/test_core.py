"""convkit.core against SciPy, OpenCV and its own algebra (property tests with Hypothesis)."""

from __future__ import annotations

from contextlib import contextmanager

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import ndimage, signal

import convkit
from convkit import core
from convkit.core import (
    apply_per_channel,
    conv_output_shape,
    convolve,
    correlate,
    flip_kernel,
    get_subimages,
    im_conv,
)

MODES = ("full", "same", "valid")
SCIPY_BOUNDARY = {"zero": "fill", "reflect": "symm", "wrap": "wrap"}  # "replicate": none

# ----------------------------------------------------------------------------- strategies

values = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False, width=64)


def image_arrays(shape: tuple[int, int]) -> st.SearchStrategy[np.ndarray]:
    """Images of a given shape: floats, small ints, or uint8 pixels near 255."""
    return st.one_of(
        hnp.arrays(np.float64, shape, elements=values),
        hnp.arrays(np.int64, shape, elements=st.integers(-50, 50)),
        hnp.arrays(np.uint8, shape, elements=st.integers(250, 255)),
    )


def kernel_arrays(shape: tuple[int, int]) -> st.SearchStrategy[np.ndarray]:
    """Kernels: random floats, sparse -1/0/1 entries (the shortcuts) and rank-one products."""
    kh, kw = shape
    rank_one = st.tuples(
        hnp.arrays(np.float64, (kh,), elements=st.integers(-4, 4).map(float)),
        hnp.arrays(np.float64, (kw,), elements=values),
    ).map(lambda uv: np.outer(*uv))
    return st.one_of(
        hnp.arrays(np.float64, shape, elements=values),
        hnp.arrays(np.float64, shape, elements=st.sampled_from([-1.0, 0.0, 1.0, 2.0])),
        rank_one,
    )


@st.composite
def image_and_kernel(draw, max_side: int = 9, max_kernel: int = 7, fits: bool = False):
    """A non-square image and a kernel (even and odd sizes, 1xN, Nx1, 1x1, image-sized)."""
    h, w = draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    if fits:  # valid mode: the kernel fits, sometimes exactly
        kh, kw = draw(st.integers(1, h)), draw(st.integers(1, w))
    else:  # full / same: the kernel may also be larger than the image
        kh, kw = draw(st.integers(1, max_kernel)), draw(st.integers(1, max_kernel))
    return draw(image_arrays((h, w))), draw(kernel_arrays((kh, kw)))


def assert_close(actual: np.ndarray, expected: np.ndarray, im, kernel) -> None:
    """Equal up to float64 rounding of the sums (scaled by the largest possible term sum)."""
    scale = float(np.abs(np.asarray(im, float)).max() * np.abs(kernel).sum())
    assert actual.shape == expected.shape
    # + 1e-300: subnormal numbers are rounded differently by other libraries' code
    np.testing.assert_allclose(actual, expected, rtol=0, atol=1e-12 * scale + 1e-300)


def fits(im: np.ndarray, kernel: np.ndarray) -> bool:
    return kernel.shape[0] <= im.shape[0] and kernel.shape[1] <= im.shape[1]


# ----------------------------------------------------------------------------- against SciPy


@pytest.mark.parametrize("boundary", sorted(SCIPY_BOUNDARY))
@pytest.mark.parametrize("mode", MODES)
@settings(max_examples=120)
@given(case=image_and_kernel())
def test_correlate_matches_scipy_correlate2d(case, mode, boundary):
    im, kernel = case
    if mode == "valid" and not fits(im, kernel):
        with pytest.raises(ValueError, match="does not fit"):
            correlate(im, kernel, mode, boundary)
        return
    expected = signal.correlate2d(
        im.astype(np.float64), kernel, mode=mode, boundary=SCIPY_BOUNDARY[boundary]
    )
    got = correlate(im, kernel, mode=mode, boundary=boundary)
    assert got.dtype == np.float64 and got.flags.c_contiguous
    assert_close(got, expected, im, kernel)


@pytest.mark.parametrize("boundary", sorted(SCIPY_BOUNDARY))
@pytest.mark.parametrize("mode", MODES)
@settings(max_examples=120)
@given(case=image_and_kernel())
def test_convolve_matches_scipy_convolve2d(case, mode, boundary):
    im, kernel = case
    if mode == "valid" and not fits(im, kernel):
        with pytest.raises(ValueError, match="does not fit"):
            convolve(im, kernel, mode, boundary)
        return
    expected = signal.convolve2d(
        im.astype(np.float64), kernel, mode=mode, boundary=SCIPY_BOUNDARY[boundary]
    )
    assert_close(convolve(im, kernel, mode=mode, boundary=boundary), expected, im, kernel)


@settings(max_examples=150)
@given(case=image_and_kernel())
def test_replicate_same_matches_ndimage_nearest(case):
    im, kernel = case
    kernel = np.where(np.abs(kernel) > 1e-6, kernel, 0.0)  # ndimage ignores weights <= 2.2e-16
    kh, kw = kernel.shape
    # ndimage centres the kernel at k // 2; "same" anchors at (k - 1) // 2: shift by -1 if even
    origin = [(kh - 1) // 2 - kh // 2, (kw - 1) // 2 - kw // 2]
    expected = ndimage.correlate(im.astype(np.float64), kernel, mode="nearest", origin=origin)
    assert_close(correlate(im, kernel, "same", "replicate"), expected, im, kernel)


@settings(max_examples=150)
@given(case=image_and_kernel())
def test_replicate_full_matches_edge_padding_then_scipy_valid(case):
    im, kernel = case
    kh, kw = kernel.shape
    padded = np.pad(im.astype(np.float64), ((kh - 1, kh - 1), (kw - 1, kw - 1)), mode="edge")
    expected = signal.correlate2d(padded, kernel, mode="valid")
    assert_close(correlate(im, kernel, "full", "replicate"), expected, im, kernel)


@pytest.mark.parametrize("boundary", ["zero", "reflect", "replicate", "wrap"])
@settings(max_examples=60)
@given(case=image_and_kernel(fits=True))
def test_boundary_has_no_effect_in_valid_mode(case, boundary):
    im, kernel = case
    np.testing.assert_array_equal(correlate(im, kernel, "valid", boundary), im_conv(im, kernel))


@settings(max_examples=200)
@given(case=image_and_kernel(fits=True))
def test_im_conv_is_valid_correlation_and_convolve_matches_convolve2d(case):
    im, kernel = case
    as_float = im.astype(np.float64)
    assert_close(im_conv(im, kernel), signal.correlate2d(as_float, kernel, "valid"), im, kernel)
    assert_close(convolve(im, kernel), signal.convolve2d(as_float, kernel, "valid"), im, kernel)


# ----------------------------------------------------------------------------- against OpenCV


@settings(max_examples=200)
@given(case=image_and_kernel(max_side=16, max_kernel=16, fits=True))
def test_im_conv_matches_cv2_filter2d_cropped_to_valid(case):
    im, kernel = case
    kh, kw = kernel.shape
    full = cv2.filter2D(im.astype(np.float64), cv2.CV_64F, kernel, borderType=cv2.BORDER_CONSTANT)
    top, left = kh // 2, kw // 2  # OpenCV's default anchor: the kernel's centre
    got = im_conv(im, kernel)
    expected = full[top : top + got.shape[0], left : left + got.shape[1]]
    assert_close(got, expected, im, kernel)


# ----------------------------------------------------------------------------- integers, uint8


@st.composite
def integer_image_and_kernel(draw):
    h, w = draw(st.integers(1, 9)), draw(st.integers(1, 9))
    kh, kw = draw(st.integers(1, h)), draw(st.integers(1, w))
    im = draw(st.one_of(
        hnp.arrays(np.uint8, (h, w), elements=st.integers(250, 255)),
        hnp.arrays(np.int32, (h, w), elements=st.integers(-(2**20), 2**20)),
    ))
    weights = st.integers(-9, 9)
    kernel = draw(st.one_of(
        hnp.arrays(np.int64, (kh, kw), elements=weights),
        st.tuples(hnp.arrays(np.int64, (kh,), elements=weights),  # rank one: two passes
                  hnp.arrays(np.int64, (kw,), elements=weights)).map(lambda uv: np.outer(*uv)),
    ))
    return im, kernel


@settings(max_examples=150)
@given(case=integer_image_and_kernel())
def test_integer_inputs_give_exact_integer_sums(case):
    im, kernel = case
    expected = signal.correlate2d(im.astype(np.int64), kernel, "valid")
    got = im_conv(im, kernel)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, expected)


def test_uint8_never_wraps_around():
    im = np.full((5, 5), 255, dtype=np.uint8)
    assert np.all(im_conv(im, np.ones((3, 3), dtype=np.uint8)) == 2295.0)
    assert np.all(correlate(im, np.ones((3, 3)), "same") >= 255 * 4)
    assert im_conv(np.array([[0]], dtype=np.uint8), [[-1]])[0, 0] == 0.0
    assert im_conv(np.array([[3]], dtype=np.uint8), [[-1]])[0, 0] == -3.0


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.int8, np.uint16, np.int32])
def test_other_dtypes_are_computed_in_float64(dtype):
    im = np.arange(20).reshape(4, 5).astype(dtype)
    expected = signal.correlate2d(im.astype(np.float64), np.full((2, 3), 0.5), "valid")
    got = im_conv(im, np.full((2, 3), 0.5, dtype=np.float32))
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, expected)


# ----------------------------------------------------------------------------- exact cases


def test_identity_kernel_returns_the_image_exactly():
    im = np.random.default_rng(0).standard_normal((7, 9))
    identity = np.zeros((3, 3))
    identity[1, 1] = 1
    np.testing.assert_array_equal(im_conv(im, identity), im[1:-1, 1:-1])
    for boundary in ("zero", "reflect", "replicate", "wrap"):
        np.testing.assert_array_equal(correlate(im, identity, "same", boundary), im)
    np.testing.assert_array_equal(correlate(im, [[1.0]], "same"), im)


def test_kernel_as_large_as_the_image():
    rng = np.random.default_rng(6)
    im, kernel = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    out = im_conv(im, kernel)
    assert out.shape == (1, 1)
    assert out[0, 0] == pytest.approx(float(np.sum(im * kernel)), rel=1e-14)
    assert len(get_subimages(im, kernel)) == 1
    for mode in ("same", "full"):
        expected = signal.correlate2d(im, kernel, mode)
        assert_close(correlate(im, kernel, mode), expected, im, kernel)


def test_zero_kernel_gives_zeros():
    im = np.arange(12.0).reshape(3, 4)
    for mode in MODES:
        out = correlate(im, np.zeros((2, 2)), mode)
        assert out.shape == conv_output_shape(im.shape, (2, 2), mode)
        assert not out.any()


def test_even_kernel_same_mode_anchor_is_up_left_of_centre():
    im = np.zeros((5, 5))
    im[2, 2] = 1.0
    kernel = np.arange(1.0, 5.0).reshape(2, 2)  # 1 2 / 3 4
    # out[r, c] = sum k[i, j] * im[r - 0 + i, c - 0 + j]: entry (0, 0) sits on the output pixel
    out = correlate(im, kernel, "same")
    expected = np.zeros((5, 5))
    expected[1:3, 1:3] = [[4, 3], [2, 1]]
    np.testing.assert_array_equal(out, expected)
    # convolution flips the kernel and pads the other way: the impulse response is the kernel
    conv = convolve(im, kernel, "same")
    expected = np.zeros((5, 5))
    expected[2:4, 2:4] = kernel
    np.testing.assert_array_equal(conv, expected)


def test_reflect_repeats_the_edge_pixel_unlike_opencv_default():
    row = np.array([[1.0, 2.0, 3.0, 4.0]])
    picker = np.array([[1.0, 0.0, 0.0, 0.0, 0.0]])  # reads the pixel two to the left
    np.testing.assert_array_equal(correlate(row, picker, "same", "reflect")[0, :2], [2.0, 1.0])
    np.testing.assert_array_equal(correlate(row, picker, "same", "replicate")[0, :2], [1.0, 1.0])
    np.testing.assert_array_equal(correlate(row, picker, "same", "wrap")[0, :2], [3.0, 4.0])
    np.testing.assert_array_equal(correlate(row, picker, "same", "zero")[0, :2], [0.0, 0.0])
    im = np.tile(row, (3, 1))
    k = np.zeros((3, 5))
    k[1] = picker
    ocv = cv2.filter2D(im, cv2.CV_64F, k, borderType=cv2.BORDER_REFLECT)
    np.testing.assert_array_equal(correlate(im, k, "same", "reflect"), ocv)
    ocv_default = cv2.filter2D(im, cv2.CV_64F, k)  # BORDER_REFLECT_101: c b | a b c d
    assert ocv_default[0, 0] == 3.0 and correlate(im, k, "same", "reflect")[0, 0] == 2.0


@contextmanager
def block_size(block: int):
    """Temporarily change the stride-1 engine's block size."""
    saved = core._BLOCK
    core._BLOCK = block
    try:
        yield
    finally:
        core._BLOCK = saved


@pytest.mark.parametrize("block", [1, 5, 64])
@settings(max_examples=60)
@given(case=image_and_kernel(max_side=12))
def test_blocked_engine_is_independent_of_the_block_size(case, block):
    im, kernel = case
    expected = signal.correlate2d(im.astype(np.float64), kernel, "full", boundary="symm")
    with block_size(block):
        got = correlate(im, kernel, "full", "reflect")
    assert_close(got, expected, im, kernel)
    np.testing.assert_array_equal(got, correlate(im, kernel, "full", "reflect"))


def test_large_image_spans_many_blocks():
    rng = np.random.default_rng(1)
    im = rng.standard_normal((300, 257))
    for kernel in (rng.standard_normal((5, 4)), np.outer([1, 4, 6, 4, 1], [1, 2, 1]) / 64):
        for mode in MODES:
            expected = signal.correlate2d(im, kernel, mode, boundary="symm")
            assert_close(correlate(im, kernel, mode, "reflect"), expected, im, kernel)


def test_rank_one_kernels_take_two_passes_and_stay_accurate():
    gauss = np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1]) / 256
    sobel = np.outer([1, 4, 6, 4, 1], [1, 2, 0, -2, -1]).astype(float)
    box = np.full((3, 3), 1 / 9)
    for kernel in (gauss, sobel, box):
        column, row = core._rank_one_factors(kernel)
        np.testing.assert_array_equal(np.outer(column, row), kernel)  # factors exactly
        np.testing.assert_array_equal(column, np.round(column))  # whole numbers
    assert core._rank_one_factors(np.eye(3)) is None  # rank 3
    assert core._rank_one_factors(np.ones((1, 5))) is None  # already 1-D
    identity = np.zeros((3, 3))
    identity[1, 1] = 1
    assert core._rank_one_factors(identity) is None  # one entry: direct is cheaper
    # rank one, but 5/3 is not a whole number: the direct sum keeps integers exact
    assert core._rank_one_factors(np.outer([3.0, 5.0, 3.0], [1.0, 1.0, 1.0])) is None
    im = np.random.default_rng(2).uniform(0, 255, (40, 30))
    for kernel in (gauss, sobel, box):
        assert_close(im_conv(im, kernel), signal.correlate2d(im, kernel, "valid"), im, kernel)
    pixels = np.random.default_rng(3).integers(0, 256, (40, 30)).astype(np.uint8)
    exact = signal.correlate2d(pixels.astype(np.int64), (gauss * 256).astype(np.int64), "valid")
    np.testing.assert_array_equal(im_conv(pixels, gauss), exact / 256)  # binary fractions: exact
    flat = np.full((10, 10), 0.7)
    np.testing.assert_allclose(im_conv(flat, gauss), 0.7, rtol=0, atol=1e-15)


def test_non_contiguous_inputs():
    rng = np.random.default_rng(3)
    base = rng.standard_normal((20, 30))
    im = base[::2, ::3].T  # strided and transposed
    kernel = rng.standard_normal((6, 4))[::2, ::-1]
    expected = signal.correlate2d(np.ascontiguousarray(im), np.ascontiguousarray(kernel), "same")
    assert_close(correlate(im, kernel, "same"), expected, im, kernel)


# ----------------------------------------------------------------------------- stride


@pytest.mark.parametrize("mode", MODES)
@settings(max_examples=100)
@given(
    case=image_and_kernel(max_side=12),
    stride=st.one_of(st.integers(1, 4), st.tuples(st.integers(1, 4), st.integers(1, 4))),
    boundary=st.sampled_from(["zero", "reflect", "replicate", "wrap"]),
)
def test_stride_equals_slicing_the_stride_one_result(case, stride, boundary, mode):
    im, kernel = case
    if mode == "valid" and not fits(im, kernel):
        return
    sr, sc = (stride, stride) if isinstance(stride, int) else stride
    dense = correlate(im, kernel, mode, boundary)
    strided = correlate(im, kernel, mode, boundary, stride=stride)
    np.testing.assert_array_equal(strided, dense[::sr, ::sc])
    if mode == "valid" and isinstance(stride, int):
        assert strided.shape == conv_output_shape(im.shape, kernel.shape, mode, stride=stride)
    else:  # conv_output_shape takes a stride in valid mode only, and one int
        rows, cols = conv_output_shape(im.shape, kernel.shape, mode)
        assert strided.shape == ((rows - 1) // sr + 1, (cols - 1) // sc + 1)
    dense = convolve(im, kernel, mode, boundary)
    np.testing.assert_array_equal(convolve(im, kernel, mode, boundary, stride), dense[::sr, ::sc])


def test_stride_output_size_formula():
    # out = floor((n + padding - k) / s) + 1
    for n, k, s in [(7, 3, 2), (8, 3, 2), (5, 5, 3), (10, 1, 4)]:
        assert conv_output_shape((n, n), (k, k), "valid", stride=s)[0] == (n - k) // s + 1
        full = conv_output_shape((n, n), (k, k), "valid", padding=k - 1, stride=s)
        assert full[0] == (n + 2 * (k - 1) - k) // s + 1
        with pytest.raises(ValueError, match="stride"):  # full is a padding of its own
            conv_output_shape((n, n), (k, k), "full", stride=s)
        assert correlate(np.ones((n, n)), np.ones((k, k)), "same", stride=s).shape[0] == (
            n + k - 1 - k
        ) // s + 1


# ----------------------------------------------------------------------------- the lesson functions


@settings(max_examples=150)
@given(case=image_and_kernel(fits=True))
def test_get_subimages_are_the_windows_in_reading_order(case):
    im, kernel = case
    before = im.copy()
    windows = get_subimages(im, kernel)
    kh, kw = kernel.shape
    rows, cols = conv_output_shape(im.shape, kernel.shape, "valid")
    assert len(windows) == rows * cols
    assert list(windows) == [(r, c) for r in range(rows) for c in range(cols)]
    for (r, c), window in windows.items():
        assert type(r) is int and type(c) is int
        assert window.shape == kernel.shape and window.dtype == im.dtype
        np.testing.assert_array_equal(window, im[r : r + kh, c : c + kw])
    # the weighted sums of the windows are im_conv
    sums = np.array([[np.sum(windows[r, c] * kernel) for c in range(cols)] for r in range(rows)])
    assert_close(im_conv(im, kernel), sums, im, kernel)
    np.testing.assert_array_equal(im, before)


def test_get_subimages_windows_cannot_modify_the_image():
    im = np.arange(16.0).reshape(4, 4)
    window = get_subimages(im, np.ones((2, 2)))[(1, 1)]
    with pytest.raises(ValueError, match="read-only"):
        window[0, 0] = -1
    with pytest.raises(ValueError):
        window.flags.writeable = True
    assert im[1, 1] == 5.0
    copy = window.copy()
    copy[0, 0] = -1  # a copy is the student's to edit
    assert im[1, 1] == 5.0


def test_get_subimages_accepts_lists_and_keeps_dtype():
    windows = get_subimages([[1, 2, 3], [4, 5, 6]], [[0, 0], [0, 0]])
    assert list(windows) == [(0, 0), (0, 1)]
    np.testing.assert_array_equal(windows[(0, 1)], [[2, 3], [5, 6]])
    uint8 = get_subimages(np.full((3, 3), 255, np.uint8), np.ones((3, 3)))
    assert uint8[(0, 0)].dtype == np.uint8 and len(uint8) == 1


@settings(max_examples=150)
@given(kernel=st.integers(1, 7).flatmap(lambda h: st.integers(1, 7).flatmap(
    lambda w: kernel_arrays((h, w)))))
def test_flip_kernel_is_an_involution_equal_to_np_flip(kernel):
    before = kernel.copy()
    flipped = flip_kernel(kernel)
    np.testing.assert_array_equal(flipped, np.flip(kernel))
    np.testing.assert_array_equal(flipped, kernel[::-1, ::-1])
    np.testing.assert_array_equal(flip_kernel(flipped), kernel)
    assert not np.shares_memory(flipped, kernel)
    flipped[...] = 0
    np.testing.assert_array_equal(kernel, before)


def test_flip_kernel_keeps_dtype_and_accepts_lists():
    assert flip_kernel(np.array([[1, 2]], dtype=np.int16)).dtype == np.int16
    np.testing.assert_array_equal(flip_kernel([[1, 2], [3, 4]]), [[4, 3], [2, 1]])


@settings(max_examples=150)
@given(case=image_and_kernel(fits=True))
def test_convolve_is_im_conv_with_the_flipped_kernel(case):
    im, kernel = case
    np.testing.assert_array_equal(convolve(im, kernel), im_conv(im, flip_kernel(kernel)))


@pytest.mark.parametrize("mode", MODES)
@settings(max_examples=100)
@given(case=image_and_kernel(), stride=st.integers(1, 3))
def test_conv_output_shape_agrees_with_correlate(case, mode, stride):
    im, kernel = case
    if mode == "valid" and not fits(im, kernel):
        with pytest.raises(ValueError):
            conv_output_shape(im.shape, kernel.shape, mode)
        return
    expected = correlate(im, kernel, mode, stride=stride).shape
    if mode != "valid":  # "same" and "full" are paddings of their own, at stride 1
        if stride != 1:
            with pytest.raises(ValueError, match="stride"):
                conv_output_shape(im.shape, kernel.shape, mode, stride=stride)
        stride = 1
        expected = correlate(im, kernel, mode).shape
    assert conv_output_shape(im.shape, kernel.shape, mode, stride=stride) == expected
    assert conv_output_shape(list(im.shape), list(kernel.shape), mode, stride=stride) == expected
    (h, w), (kh, kw) = im.shape, kernel.shape
    if stride == 1:
        assert expected == {"full": (h + kh - 1, w + kw - 1), "same": (h, w),
                            "valid": (h - kh + 1, w - kw + 1)}[mode]


def test_conv_output_shape_returns_python_ints():
    shape = conv_output_shape(np.zeros((5, 6)).shape, (np.int64(3), np.int64(2)), "full")
    assert shape == (7, 7) and all(type(n) is int for n in shape)


# ----------------------------------------------------------------------------- colour


def test_apply_per_channel_filters_each_channel():
    rng = np.random.default_rng(4)
    rgb = rng.integers(0, 256, (6, 7, 3), dtype=np.uint8)
    before = rgb.copy()
    kernel = rng.standard_normal((3, 2))
    out = apply_per_channel(correlate, rgb, kernel, mode="same", boundary="wrap")
    assert out.shape == (6, 7, 3) and out.dtype == np.float64
    for c in range(3):
        np.testing.assert_array_equal(out[..., c], correlate(rgb[..., c], kernel, "same", "wrap"))
    np.testing.assert_array_equal(rgb, before)
    single = apply_per_channel(im_conv, rgb[..., :1], kernel)
    assert single.shape == (4, 6, 1)


def test_apply_per_channel_passes_grey_images_straight_through():
    grey = [[1, 2, 3], [4, 5, 6]]
    seen = []

    def spy(im, kernel, **kwargs):
        seen.append((im, kernel, kwargs))
        return "result"

    assert apply_per_channel(spy, grey, "k", flag=True) == "result"
    assert seen == [(grey, "k", {"flag": True})]


def test_apply_per_channel_protects_the_image_from_func():
    rgb = np.zeros((3, 3, 2))

    def vandal(channel, kernel):
        channel[0, 0] = 99
        return channel

    with pytest.raises(ValueError, match="read-only"):
        apply_per_channel(vandal, rgb, None)
    assert not rgb.any()


# ----------------------------------------------------------------------------- inputs untouched


@pytest.mark.parametrize("dtype", [np.float64, np.uint8, np.float32])
def test_no_function_modifies_its_inputs(dtype):
    rng = np.random.default_rng(5)
    im = rng.integers(0, 256, (9, 8)).astype(dtype)
    kernel = rng.standard_normal((3, 4))
    views = {"im": im, "im_view": im[::2, 1:], "kernel": kernel}
    saved = {name: arr.copy() for name, arr in views.items()}
    for mode in MODES:
        for boundary in ("zero", "reflect", "replicate", "wrap"):
            out = correlate(im, kernel, mode, boundary, stride=(1, 2))
            assert not np.shares_memory(out, im)
            convolve(views["im_view"], kernel, mode, boundary)
    out = correlate(im, [[1.0]])  # a 1x1 identity must still return a new array
    assert not np.shares_memory(out, im)
    out[...] = -1
    im_conv(im, kernel)
    flip_kernel(kernel)
    get_subimages(im, kernel)
    apply_per_channel(im_conv, np.stack([im, im], axis=-1), kernel)
    for name, arr in views.items():
        np.testing.assert_array_equal(arr, saved[name], err_msg=name)


# ----------------------------------------------------------------------------- package surface


def test_package_reexports_core():
    for name in core.__all__:
        if name not in ("MODES", "BOUNDARIES"):
            assert getattr(convkit, name) is getattr(core, name)
