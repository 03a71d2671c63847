"""The figures drawn by convkit.diagrams: right numbers, right places, titled."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402
from scipy import signal  # noqa: E402

from convkit import core  # noqa: E402
from convkit.diagrams import MODES, flip_diagram, output_size_diagram, window_starts  # noqa: E402


def expected_shape(image_shape, kernel_shape, mode):
    (h, w), (kh, kw) = image_shape, kernel_shape
    return {
        "full": (h + kh - 1, w + kw - 1),
        "same": (h, w),
        "valid": (h - kh + 1, w - kw + 1),
    }[mode]


def window_outlines(ax):
    """The thick coloured rectangles: the first and the last window, in that order."""
    return [p for p in ax.patches if isinstance(p, Rectangle) and p.get_linewidth() > 2]


@pytest.mark.parametrize(
    "image_shape, kernel_shape",
    [((5, 5), (3, 3)), ((4, 6), (2, 3)), ((7, 3), (1, 1)), ((3, 4), (3, 4)), ((6, 6), (4, 2))],
)
def test_output_size_diagram_counts_the_output_pixels(image_shape, kernel_shape):
    fig = output_size_diagram(image_shape, kernel_shape)
    assert fig._suptitle is not None and fig._suptitle.get_text()
    assert len(fig.axes) == 3
    kh, kw = kernel_shape
    for ax, mode in zip(fig.axes, MODES, strict=True):
        out_h, out_w = expected_shape(image_shape, kernel_shape, mode)
        assert ax.get_title() == f"{mode}: output {out_h} x {out_w}"
        dots = ax.collections[0].get_offsets()
        assert len(dots) == out_h * out_w
        (r0, _), (c0, _) = (window_starts(image_shape[0], kh, mode),
                            window_starts(image_shape[1], kw, mode))
        # the first dot sits at the centre of the first window (x = column, y = row)
        np.testing.assert_allclose(dots[0], [c0 + kw / 2, r0 + kh / 2])
        first, last = window_outlines(ax)
        assert first.get_x() == pytest.approx(c0 + 0.06)
        assert first.get_y() == pytest.approx(r0 + 0.06)
        assert first.get_width() == pytest.approx(kw - 0.12)
        assert first.get_height() == pytest.approx(kh - 0.12)
        assert last.get_x() == pytest.approx(c0 + out_w - 1 + 0.06)
        assert last.get_y() == pytest.approx(r0 + out_h - 1 + 0.06)


def test_every_panel_draws_the_image_at_the_same_scale():
    fig = output_size_diagram((5, 5), (3, 3))
    limits = {(ax.get_xlim(), ax.get_ylim()) for ax in fig.axes}
    assert len(limits) == 1


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 9), k=st.integers(1, 9))
def test_window_starts_agree_with_scipy_and_convkit_core(n, k):
    """The output lengths, and where 'same' puts the window (anchor (k - 1) // 2)."""
    rng = np.random.default_rng(n * 10 + k)
    a = rng.integers(0, 9, size=(1, n)).astype(float)
    kernel = rng.integers(1, 9, size=(1, k)).astype(float)
    full = signal.correlate2d(a, kernel, mode="full")
    for mode in ("full", "same") + (("valid",) if k <= n else ()):
        first, last = window_starts(n, k, mode)
        result = signal.correlate2d(a, kernel, mode=mode)
        assert result.shape[1] == last - first + 1
        offset = first + (k - 1)  # index into the full output
        np.testing.assert_array_equal(result, full[:, offset : offset + result.shape[1]])
        np.testing.assert_allclose(core.correlate(a, kernel, mode=mode), result)
    if k > n:
        with pytest.raises(ValueError, match="valid"):
            window_starts(n, k, "valid")


def test_window_starts_rejects_unknown_mode():
    with pytest.raises(ValueError, match="mode must be one of"):
        window_starts(5, 3, "circular")


@pytest.mark.parametrize(
    "image_shape, kernel_shape, error, message",
    [
        ((3, 3), (4, 3), ValueError, "must fit inside image_shape"),
        ((0, 3), (1, 1), ValueError, "image_shape must be a \\(rows, columns\\) pair of pos"),
        ((3, 3), (1.5, 1), TypeError, "kernel_shape must be a \\(rows, columns\\) pair"),
        ((3, 3, 3), (1, 1), ValueError, "image_shape must be a \\(rows, columns\\) pair"),
        (5, (1, 1), TypeError, "image_shape must be a \\(rows, columns\\) pair"),
        ((3, 3), (True, 1), TypeError, "kernel_shape must be a \\(rows, columns\\) pair"),
    ],
)
def test_output_size_diagram_rejects_bad_shapes(image_shape, kernel_shape, error, message):
    with pytest.raises(error, match=message):
        output_size_diagram(image_shape, kernel_shape)


@pytest.mark.parametrize(
    "kernel",
    [
        np.arange(1, 10).reshape(3, 3),
        np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]),
        np.array([[0.5, -1.25, 2.0, 0.0], [3.0, 1.0, -2.0, 4.5]]),
        np.array([[7]]),
    ],
)
def test_flip_diagram_shows_the_kernel_rotated_by_180_degrees(kernel):
    original = kernel.copy()
    fig = flip_diagram(kernel)
    np.testing.assert_array_equal(kernel, original)  # not modified
    assert fig._suptitle is not None and "180" in fig._suptitle.get_text()
    panels = fig.axes[:3]
    expected = [kernel, kernel[::-1, :], kernel[::-1, ::-1]]
    for ax, values in zip(panels, expected, strict=True):
        assert ax.get_title()
        np.testing.assert_array_equal(ax.images[0].get_array(), values)
        texts = [t.get_text() for t in ax.texts]
        assert len(texts) == values.size
        numbers = np.array([float(t) for t in texts]).reshape(values.shape)
        np.testing.assert_allclose(numbers, values, rtol=1e-2)
    # the outlined cell follows the top-left entry to the bottom-right corner
    rows, cols = kernel.shape
    corners = [(p.get_y() + 0.5, p.get_x() + 0.5) for ax in panels for p in ax.patches]
    assert corners == [(0, 0), (rows - 1, 0), (rows - 1, cols - 1)]
    # a diverging colour map centred on 0
    norm = panels[0].images[0].norm
    assert norm(0.0) == pytest.approx(0.5)


@pytest.mark.parametrize(
    "kernel, error, message",
    [
        (np.ones((3, 3, 3)), ValueError, "kernel must be a 2-D"),
        (np.ones((0, 3)), ValueError, "kernel must not be empty"),
        (np.array([["a", "b"]]), TypeError, "kernel must hold real numbers"),
        (np.ones((3, 3), dtype=bool), TypeError, "kernel must hold numbers"),
        (np.array([[1.0, np.nan]]), ValueError, "kernel must hold finite numbers"),
        (np.ones((10, 3)), ValueError, "at most 9 x 9"),
    ],
)
def test_flip_diagram_rejects_bad_kernels(kernel, error, message):
    with pytest.raises(error, match=message):
        flip_diagram(kernel)


def test_the_figures_show_themselves_in_a_notebook():
    """Returned from a cell, a figure must draw as a PNG even without %matplotlib inline."""
    for fig in (output_size_diagram(), flip_diagram([[1, 2], [3, 4]])):
        assert fig._repr_png_()[:4] == b"\x89PNG"


def test_the_figures_render(tmp_path):
    output_size_diagram().savefig(tmp_path / "sizes.png")
    flip_diagram([[1, 2], [3, 4]]).savefig(tmp_path / "flip.png")
    assert (tmp_path / "sizes.png").stat().st_size > 1000
    assert (tmp_path / "flip.png").stat().st_size > 1000
