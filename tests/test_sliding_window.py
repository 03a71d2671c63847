"""The sliding-window widget: the pure step callback, the picture, and the slider."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.image as mpimg  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from numpy.lib.stride_tricks import sliding_window_view  # noqa: E402

from convkit.core import get_subimages, im_conv  # noqa: E402
from convkit.widgets.sliding_window import (  # noqa: E402
    MAX_IMAGE_SIDE,
    n_positions,
    render_step,
    sliding_window_widget,
    window_step,
)

RNG = np.random.default_rng(20261121)

CASES = {
    "square image, box blur": (RNG.integers(0, 256, (5, 5)).astype(np.uint8), np.ones((3, 3)) / 9),
    "non-square image, asymmetric non-square kernel": (
        RNG.normal(size=(4, 7)),
        np.array([[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]]),
    ),
    "uint8 near 255 (no wrap-around)": (
        np.full((4, 5), 250, dtype=np.uint8) + RNG.integers(0, 6, (4, 5)).astype(np.uint8),
        np.ones((2, 2)),
    ),
    "1x1 kernel": (RNG.integers(-5, 5, (3, 4)), np.array([[2]])),
    "full-size kernel": (RNG.normal(size=(3, 4)), RNG.normal(size=(3, 4))),
    "tall kernel": (np.arange(24).reshape(6, 4), np.array([[1], [0], [-1]])),
}


def reference_valid(im, kernel):
    """Valid-mode sliding-window weighted sum (no flip), written with NumPy views.

    Independent of convkit; the test also checks it against ``convkit.core.im_conv``.
    """
    windows = sliding_window_view(np.asarray(im, dtype=np.float64), kernel.shape)
    return np.einsum("ijkl,kl->ij", windows, np.asarray(kernel, dtype=np.float64))


@pytest.mark.parametrize("case", list(CASES))
def test_window_step_at_every_index(case):
    im, kernel = CASES[case]
    im_before, kernel_before = im.copy(), kernel.copy()
    kh, kw = kernel.shape
    expected = reference_valid(im, kernel)
    np.testing.assert_allclose(im_conv(im, kernel), expected, rtol=1e-12, atol=1e-9)
    windows = get_subimages(im, kernel)
    out_h, out_w = expected.shape
    count = n_positions(im.shape, kernel.shape)
    assert count == out_h * out_w
    for index in range(count):
        step = window_step(im, kernel, index)
        row, col = divmod(index, out_w)
        assert (step["row"], step["col"]) == (row, col)
        assert (step["index"], step["n_positions"]) == (index, count)
        window = im[row : row + kh, col : col + kw].astype(np.float64)
        np.testing.assert_array_equal(step["window"], window)
        np.testing.assert_array_equal(step["window"], windows[(row, col)])
        assert step["window"].dtype == np.float64
        np.testing.assert_array_equal(step["products"], window * kernel)
        assert isinstance(step["total"], float)
        assert step["total"] == pytest.approx(expected[row, col], rel=1e-12, abs=1e-12)
        output = step["output"]
        assert output.shape == expected.shape
        done = np.arange(out_h * out_w).reshape(out_h, out_w) <= index
        np.testing.assert_allclose(output[done], expected[done], rtol=1e-12, atol=1e-12)
        assert np.isnan(output[~done]).all()
    final = window_step(im, kernel, count - 1)["output"]
    np.testing.assert_allclose(final, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(im, im_before)
    np.testing.assert_array_equal(kernel, kernel_before)


def test_uint8_sums_do_not_wrap_around():
    im = np.full((3, 3), 255, dtype=np.uint8)
    assert window_step(im, np.ones((3, 3), dtype=np.uint8), 0)["total"] == 9 * 255


def test_window_step_accepts_lists_and_numpy_integers():
    step = window_step([[1, 2, 3], [4, 5, 6]], [[1, 1]], np.int64(3))
    assert (step["row"], step["col"], step["total"]) == (1, 1, 11.0)


@pytest.mark.parametrize(
    "im, kernel, index, error, message",
    [
        (np.ones((4, 4)), np.ones((3, 3)), 4, ValueError, "index must be in 0..3"),
        (np.ones((4, 4)), np.ones((3, 3)), -1, ValueError, "index must be in 0..3"),
        (np.ones((4, 4)), np.ones((3, 3)), 1.0, TypeError, "index must be an integer"),
        (np.ones((4, 4)), np.ones((3, 3)), True, TypeError, "index must be an integer"),
        (np.ones((4, 4, 3)), np.ones((3, 3)), 0, ValueError, "^im must be a 2-D"),
        (np.ones((4, 4)), np.ones(3), 0, ValueError, "^kernel must be a 2-D"),
        (np.ones((2, 4)), np.ones((3, 3)), 0, ValueError, "does not fit inside im"),
        (np.ones((0, 4)), np.ones((1, 1)), 0, ValueError, "^im must not be empty"),
        (np.array([["a"]]), np.ones((1, 1)), 0, TypeError, "^im must hold real numbers"),
        (np.ones((3, 3)) * 1j, np.ones((1, 1)), 0, TypeError, "^im must hold real numbers"),
        (np.ones((3, 3), bool), np.ones((1, 1)), 0, TypeError, "^im must hold numbers"),
        (np.full((3, 3), np.nan), np.ones((1, 1)), 0, ValueError, "^im must hold finite"),
        (np.ones((3, 3)), [[np.inf]], 0, ValueError, "^kernel must hold finite"),
    ],
)
def test_window_step_rejects_bad_input(im, kernel, index, error, message):
    with pytest.raises(error, match=message):
        window_step(im, kernel, index)


def decode(png: bytes) -> np.ndarray:
    return mpimg.imread(io.BytesIO(png), format="png")


def test_render_step_draws_a_png_of_fixed_size_that_changes_with_the_index():
    im, kernel = CASES["square image, box blur"]
    first, second = render_step(im, kernel, 0), render_step(im, kernel, 1)
    a, b = decode(first), decode(second)
    assert a.shape == b.shape and a.ndim == 3
    assert not np.array_equal(a, b)
    assert render_step(im, kernel, 0) == first  # deterministic


def test_render_step_refuses_big_images_with_a_hint():
    big = np.zeros((MAX_IMAGE_SIDE + 1, 5))
    with pytest.raises(ValueError, match="pass a crop"):
        render_step(big, np.ones((3, 3)), 0)


def test_widget_slider_redraws_the_image():
    im, kernel = CASES["non-square image, asymmetric non-square kernel"]
    widget = sliding_window_widget(im, kernel)
    slider, image = widget.slider, widget.image
    assert slider.description == "window position"
    assert (slider.min, slider.max, slider.value) == (0, n_positions(im.shape, kernel.shape) - 1, 0)
    assert image.format == "png"
    assert image.value == render_step(im, kernel, 0)
    seen = {bytes(image.value)}
    for index in range(1, slider.max + 1):
        slider.value = index
        assert image.value == render_step(im, kernel, index)
        step = window_step(im, kernel, index)
        assert f"output[{step['row']}, {step['col']}]" in widget.caption.value
        seen.add(bytes(image.value))
    assert len(seen) == slider.max + 1  # every position draws a different picture
    assert widget.slider in widget.children[0].children
    assert widget.image in widget.children


def test_widget_keeps_its_own_copy_of_the_arrays():
    im = np.arange(20.0).reshape(4, 5)
    kernel = np.ones((2, 2))
    widget = sliding_window_widget(im, kernel)
    expected = render_step(im.copy(), kernel.copy(), 3)
    im[:] = 0
    kernel[:] = 5
    widget.slider.value = 3
    assert widget.image.value == expected
