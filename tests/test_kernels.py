"""convkit.kernels: every kernel against its literal matrix, properties, validation."""

from __future__ import annotations

import ast
import doctest
from pathlib import Path

import cv2
import numpy as np
import pytest
from scipy.signal import convolve2d, correlate2d

from convkit import kernels as K

CONSTANTS = [
    "SOBEL_SMOOTH",
    "CENTRAL_DIFFERENCE",
    "SOBEL_X",
    "SOBEL_Y",
    "BINOMIAL_5x5",
    "SHARPEN",
    "LAPLACIAN_4",
    "LAPLACIAN_8",
    "DIAGONAL_EDGES",
    "UNSHARP_5x5",
    "EMBOSS",
]


# --- literal matrices ------------------------------------------------------------------------


def test_identity_literal():
    np.testing.assert_array_equal(K.identity(3), [[0, 0, 0], [0, 1, 0], [0, 0, 0]])
    five = K.identity(5)
    assert five.shape == (5, 5) and five[2, 2] == 1 and five.sum() == 1
    np.testing.assert_array_equal(K.identity(1), [[1.0]])


@pytest.mark.parametrize("size", [1, 3, 5, 7, 9])
def test_box_blur_values(size):
    kernel = K.box_blur(size)
    assert kernel.shape == (size, size) and kernel.dtype == np.float64
    np.testing.assert_array_equal(kernel, np.full((size, size), 1 / size**2))
    assert kernel.sum() == pytest.approx(1.0, abs=1e-15)


def test_binomial_5x5_literal():
    literal = np.array(
        [
            [1, 4, 6, 4, 1],
            [4, 16, 24, 16, 4],
            [6, 24, 36, 24, 6],
            [4, 16, 24, 16, 4],
            [1, 4, 6, 4, 1],
        ]
    )
    np.testing.assert_array_equal(K.BINOMIAL_5x5 * 256, literal)
    assert K.BINOMIAL_5x5.sum() == 1.0
    np.testing.assert_array_equal(K.binomial(3) * 16, [[1, 2, 1], [2, 4, 2], [1, 2, 1]])
    np.testing.assert_array_equal(K.binomial(1), [[1.0]])


def test_sobel_literals_and_convention():
    np.testing.assert_array_equal(K.SOBEL_X, [[1, 0, -1], [2, 0, -2], [1, 0, -1]])
    np.testing.assert_array_equal(K.SOBEL_Y, [[1, 2, 1], [0, 0, 0], [-1, -2, -1]])
    # built from separable parts
    np.testing.assert_array_equal(K.SOBEL_X, np.outer([1, 2, 1], [1, 0, -1]))
    # dark left, bright right: correlation (im_conv) gives "left minus right" < 0,
    # true convolution gives "right minus left" > 0
    step = np.zeros((5, 6))
    step[:, 3:] = 10.0
    assert (correlate2d(step, K.SOBEL_X, mode="valid") <= 0).all()
    assert correlate2d(step, K.SOBEL_X, mode="valid").min() == -40.0
    assert convolve2d(step, K.SOBEL_X, mode="valid").max() == 40.0
    # dark top, bright bottom: SOBEL_Y under correlation is "top minus bottom" < 0
    assert correlate2d(step.T, K.SOBEL_Y, mode="valid").min() == -40.0
    # each Sobel is blind to the other direction's edges
    np.testing.assert_array_equal(correlate2d(step, K.SOBEL_Y, mode="valid"), 0)
    np.testing.assert_array_equal(correlate2d(step.T, K.SOBEL_X, mode="valid"), 0)


def test_sobel_matches_opencv_up_to_sign():
    """cv2.Sobel (correlation with [-1, 0, 1]) is "right minus left": -SOBEL_X under im_conv."""
    rng = np.random.default_rng(0)
    im = rng.integers(0, 256, (12, 15)).astype(np.float64)
    ours = correlate2d(im, K.SOBEL_X, mode="valid")
    theirs = cv2.Sobel(im, cv2.CV_64F, 1, 0, ksize=3)[1:-1, 1:-1]
    np.testing.assert_array_equal(ours, -theirs)
    ours_y = correlate2d(im, K.SOBEL_Y, mode="valid")
    theirs_y = cv2.Sobel(im, cv2.CV_64F, 0, 1, ksize=3)[1:-1, 1:-1]
    np.testing.assert_array_equal(ours_y, -theirs_y)


def test_sharpen_literal_and_laplacians():
    np.testing.assert_array_equal(K.SHARPEN, [[0, -1, 0], [-1, 5, -1], [0, -1, 0]])
    np.testing.assert_array_equal(K.LAPLACIAN_4, [[0, 1, 0], [1, -4, 1], [0, 1, 0]])
    np.testing.assert_array_equal(K.LAPLACIAN_8, [[1, 1, 1], [1, -8, 1], [1, 1, 1]])
    np.testing.assert_array_equal(K.SHARPEN, K.identity(3) - K.LAPLACIAN_4)
    np.testing.assert_allclose(K.identity_minus_blur(3), -K.LAPLACIAN_8 / 9, atol=1e-15)


def test_laplacian_matches_opencv():
    rng = np.random.default_rng(1)
    im = rng.random((9, 11))
    ours = correlate2d(im, K.LAPLACIAN_4, mode="valid")
    theirs = cv2.Laplacian(im, cv2.CV_64F, ksize=1)[1:-1, 1:-1]
    np.testing.assert_allclose(ours, theirs, atol=1e-12)


def test_sharpen_from_blur():
    np.testing.assert_allclose(
        K.sharpen_from_blur(K.box_blur(3)) * 9,
        [[-1, -1, -1], [-1, 17, -1], [-1, -1, -1]],
        atol=1e-12,
    )
    # the 4-neighbour cross (average of a pixel and its 4 neighbours) with amount 5 is SHARPEN
    cross = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]]) / 5
    np.testing.assert_allclose(K.sharpen_from_blur(cross, amount=5), K.SHARPEN, atol=1e-12)
    np.testing.assert_array_equal(K.sharpen_from_blur(K.box_blur(5), amount=0), K.identity(5))
    # default amount is 2 * identity - blur, for any blur shape with odd sides
    blur = np.ones((3, 5)) / 15
    expected = -blur.copy()
    expected[1, 2] += 2
    np.testing.assert_allclose(K.sharpen_from_blur(blur), expected, atol=1e-15)
    assert K.sharpen_from_blur(K.gaussian(7, 1.5)).sum() == pytest.approx(1.0)


def test_unsharp_literal():
    literal = (
        -np.array(
            [
                [1, 4, 6, 4, 1],
                [4, 16, 24, 16, 4],
                [6, 24, -476, 24, 6],
                [4, 16, 24, 16, 4],
                [1, 4, 6, 4, 1],
            ]
        )
        / 256
    )
    np.testing.assert_array_equal(K.UNSHARP_5x5, literal)
    np.testing.assert_array_equal(K.UNSHARP_5x5, 2 * K.identity(5) - K.BINOMIAL_5x5)


def test_diagonal_edges_and_emboss_literals():
    np.testing.assert_array_equal(K.DIAGONAL_EDGES, [[1, 0, -1], [0, 0, 0], [-1, 0, 1]])
    np.testing.assert_array_equal(K.EMBOSS, [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]])


def test_diagonal_edges_ignores_horizontal_and_vertical_edges():
    size = 12
    rows, cols = np.mgrid[:size, :size]
    vertical = (cols >= size // 2) * 255.0
    horizontal = (rows >= size // 2) * 255.0
    diagonal = (cols > rows) * 255.0
    np.testing.assert_array_equal(correlate2d(vertical, K.DIAGONAL_EDGES, mode="valid"), 0)
    np.testing.assert_array_equal(correlate2d(horizontal, K.DIAGONAL_EDGES, mode="valid"), 0)
    response = correlate2d(diagonal, K.DIAGONAL_EDGES, mode="valid")
    assert np.abs(response).max() == 255.0
    # a -/+ band hugging the diagonal step (between c - r = 0 and c - r = 1)
    r, c = np.nonzero(response)
    assert ((c - r >= -1) & (c - r <= 2)).all()


def test_emboss_lights_the_top_left_edges():
    square = np.zeros((10, 10))
    square[3:7, 3:7] = 100.0
    out = correlate2d(square, K.EMBOSS, mode="same")
    # the top-left corner of the bright square brightens, the bottom-right corner darkens
    assert out[3, 3] > 100 and out[6, 6] < 100
    # flat regions keep their value: the kernel sums to 1
    assert out[0, 9] == 0.0 and out[4:6, 4:6].tolist() == [[100.0, 100.0], [100.0, 100.0]]


@pytest.mark.parametrize(("size", "sigma"), [(3, 0.5), (5, 1.0), (7, 1.5), (9, 2.0), (11, 3.0)])
def test_gaussian_matches_opencv_samples(size, sigma):
    kernel = K.gaussian(size, sigma)
    g = cv2.getGaussianKernel(size, sigma, ktype=cv2.CV_64F)
    np.testing.assert_allclose(kernel, g @ g.T, rtol=1e-12, atol=1e-15)
    assert kernel.sum() == pytest.approx(1.0, abs=1e-14)
    np.testing.assert_allclose(kernel, kernel.T)  # symmetric
    np.testing.assert_allclose(kernel, kernel[::-1, ::-1])  # unchanged by flipping
    assert np.unravel_index(kernel.argmax(), kernel.shape) == (size // 2, size // 2)


def test_gaussian_formula():
    sigma = 1.3
    y, x = np.mgrid[-3:4, -3:4]
    expected = np.exp(-(x**2 + y**2) / (2 * sigma**2))
    np.testing.assert_allclose(K.gaussian(7, sigma), expected / expected.sum(), rtol=1e-13)
    # a tiny sigma approaches the identity
    np.testing.assert_allclose(K.gaussian(5, 0.05), K.identity(5), atol=1e-12)


def test_identity_minus_blur_sums_to_zero():
    for size in (3, 5, 7):
        kernel = K.identity_minus_blur(size)
        assert kernel.sum() == pytest.approx(0.0, abs=1e-14)
        assert kernel[size // 2, size // 2] == pytest.approx(1 - 1 / size**2)


def test_identity_kernel_crops_the_image():
    im = np.arange(35.0).reshape(5, 7)
    np.testing.assert_array_equal(correlate2d(im, K.identity(3), mode="valid"), im[1:-1, 1:-1])
    np.testing.assert_array_equal(correlate2d(im, K.identity(5), mode="valid"), im[2:-2, 2:-2])


# --- the catalogue ---------------------------------------------------------------------------


def test_kernels_catalogue_entries():
    assert len(K.KERNELS) >= 12
    for name, info in K.KERNELS.items():
        assert info.name == name
        assert isinstance(info.kernel, np.ndarray) and info.kernel.dtype == np.float64
        assert info.kernel.ndim == 2 and info.kernel.shape[0] % 2 == 1
        assert isinstance(info.description, str)
        line = info.description
        assert line.strip() == line and line and "\n" not in line and len(line) <= 100
        assert line[0].isupper() and line.endswith(".")
        assert info.sums_to == pytest.approx(float(info.kernel.sum()), abs=1e-12)
        assert info.signed == (info.sums_to == 0.0)
    assert K.KERNELS["Sobel x"].signed and K.KERNELS["Laplacian (4-neighbour)"].signed
    assert not K.KERNELS["Box blur 3x3"].signed and not K.KERNELS["Sharpen"].signed
    normalised = [info for info in K.KERNELS.values() if not info.signed]
    assert all(info.sums_to == 1.0 for info in normalised)


def test_kernels_catalogue_is_read_only():
    with pytest.raises(TypeError):
        K.KERNELS["mine"] = K.KERNELS["Identity"]  # type: ignore[index]
    info = K.KERNELS["Sobel x"]
    with pytest.raises(ValueError, match="read-only"):
        info.kernel[0, 0] = 5
    with pytest.raises(AttributeError):
        info.name = "other"  # type: ignore[misc]


def test_get_kernel_returns_fresh_writable_copies():
    first = K.get_kernel("Sobel x")
    first[0, 0] = 99
    np.testing.assert_array_equal(K.get_kernel("Sobel x"), K.SOBEL_X)
    assert K.SOBEL_X[0, 0] == 1
    np.testing.assert_array_equal(K.get_kernel("  sobel   X "), K.SOBEL_X)
    for name, info in K.KERNELS.items():
        np.testing.assert_array_equal(K.get_kernel(name), info.kernel)


def test_get_kernel_unknown_name_lists_names():
    with pytest.raises(ValueError) as err:
        K.get_kernel("Sobel z")
    message = str(err.value)
    assert "'Sobel z'" in message
    for name in K.KERNELS:
        assert repr(name) in message
    with pytest.raises(TypeError, match="name"):
        K.get_kernel(3)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", CONSTANTS)
def test_module_constants_are_read_only(name):
    value = getattr(K, name)
    assert value.dtype == np.float64
    assert not value.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        value[(0,) * value.ndim] = 42
    # and a view cannot be made writable again
    with pytest.raises(ValueError):
        value.view().flags.writeable = True


def test_builders_return_fresh_arrays():
    a, b = K.box_blur(3), K.box_blur(3)
    a[0, 0] = 7
    assert b[0, 0] == 1 / 9 and K.box_blur(3)[0, 0] == 1 / 9
    for build in (K.identity, K.box_blur, K.binomial, K.identity_minus_blur):
        kernel = build(3)
        assert kernel.flags.writeable and kernel.dtype == np.float64
    assert K.gaussian(5, 1.0).flags.writeable
    assert K.sharpen_from_blur(K.BINOMIAL_5x5).flags.writeable


def test_sharpen_from_blur_does_not_modify_its_input():
    blur = np.ones((3, 3)) / 9
    before = blur.copy()
    K.sharpen_from_blur(blur)
    np.testing.assert_array_equal(blur, before)
    K.sharpen_from_blur(K.BINOMIAL_5x5)  # read-only input is fine


# --- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize("build", [K.identity, K.box_blur, K.binomial, K.identity_minus_blur])
@pytest.mark.parametrize("size", [0, -3, 2, 4])
def test_even_or_non_positive_size_raises(build, size):
    with pytest.raises(ValueError, match="size"):
        build(size)


@pytest.mark.parametrize("build", [K.identity, K.box_blur, K.binomial, K.identity_minus_blur])
@pytest.mark.parametrize("size", [3.0, "3", True, None])
def test_non_integer_size_raises(build, size):
    with pytest.raises(TypeError, match="size"):
        build(size)


def test_numpy_integer_size_is_accepted():
    np.testing.assert_array_equal(K.box_blur(np.int64(3)), K.box_blur(3))


@pytest.mark.parametrize("sigma", [0, -1.0, float("nan"), float("inf")])
def test_gaussian_bad_sigma_raises_value_error(sigma):
    with pytest.raises(ValueError, match="sigma"):
        K.gaussian(5, sigma)


def test_gaussian_bad_arguments_raise():
    with pytest.raises(TypeError, match="sigma"):
        K.gaussian(5, "1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="size"):
        K.gaussian(4, 1.0)


@pytest.mark.parametrize(
    ("blur", "error", "words"),
    [
        (np.ones((3, 3)), ValueError, "sum to 1"),
        (np.ones((2, 2)) / 4, ValueError, "odd"),
        (np.ones(9) / 9, ValueError, "2-D"),
        (np.ones((3, 3, 1)) / 9, ValueError, "2-D"),
        (np.full((3, 3), np.nan), ValueError, "finite"),
        (np.array([["a"] * 3] * 3), TypeError, "numeric"),
        (np.ones((3, 3), dtype=bool), TypeError, "boolean"),
        (np.ones((3, 3), dtype=complex) / 9, TypeError, "real"),
    ],
)
def test_sharpen_from_blur_bad_blur(blur, error, words):
    with pytest.raises(error, match="blur") as err:
        K.sharpen_from_blur(blur)
    assert words in str(err.value)


def test_sharpen_from_blur_bad_amount():
    with pytest.raises(TypeError, match="amount"):
        K.sharpen_from_blur(K.box_blur(3), amount="2")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="amount"):
        K.sharpen_from_blur(K.box_blur(3), amount=float("inf"))


# --- the examples in the constants' attribute docstrings (not found by --doctest-modules) --




def _attribute_docstrings() -> dict[str, str]:
    tree = ast.parse(Path(K.__file__).read_text(encoding="utf-8"))
    found = {}
    for before, node in zip(tree.body, tree.body[1:], strict=False):
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
            and isinstance(before, ast.Assign | ast.AnnAssign)
        ):
            target = before.targets[0] if isinstance(before, ast.Assign) else before.target
            found[target.id] = node.value.value
    return found


def test_constant_docstring_examples_run():
    docs = _attribute_docstrings()
    assert {"SOBEL_X", "SOBEL_Y", "BINOMIAL_5x5", "UNSHARP_5x5", "KERNELS"} <= set(docs)
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    for name, text in docs.items():
        test = parser.get_doctest(text, dict(vars(K)), name, K.__file__, 0)
        assert test.examples, f"{name}'s docstring has no Example"
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
