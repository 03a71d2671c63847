"""The OpenCV comparison: the pure callback for every dropdown value, the picture, the widget."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import cv2  # noqa: E402
import matplotlib.image as mpimg  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from scipy.signal import correlate2d  # noqa: E402

from convkit.kernels import KERNELS  # noqa: E402
from convkit.widgets.opencv_compare import (  # noqa: E402
    BORDERS,
    compare,
    opencv_comparison,
    render_figure,
    render_png,
)

RNG = np.random.default_rng(5)
IMAGE = RNG.integers(0, 256, (23, 31)).astype(np.uint8)  # non-square, uint8
NUMPY_PAD = {"zero": "constant", "replicate": "edge", "reflect": "symmetric"}
REFLECT_101 = "reflect vs BORDER_REFLECT_101 (OpenCV's default)"


def padded_correlation(im: np.ndarray, kernel: np.ndarray, numpy_mode: str) -> np.ndarray:
    """Correlation of the same size, padding with numpy.pad (an independent reference)."""
    kh, kw = kernel.shape
    padded = np.pad(im.astype(np.float64), ((kh // 2, kh // 2), (kw // 2, kw // 2)),
                    mode=numpy_mode)
    return correlate2d(padded, kernel, mode="valid")


def test_only_borders_both_libraries_support() -> None:
    assert [pair.opencv for pair in BORDERS.values()] == [
        "BORDER_CONSTANT", "BORDER_REPLICATE", "BORDER_REFLECT", "BORDER_REFLECT_101"
    ]
    assert all(hasattr(cv2, pair.opencv) for pair in BORDERS.values())
    assert not any("WRAP" in label for label in BORDERS)
    assert [pair.matches for pair in BORDERS.values()] == [True, True, True, False]


@pytest.mark.parametrize("border_name", list(BORDERS))
@pytest.mark.parametrize("kernel_name", list(KERNELS))
def test_every_kernel_and_border(kernel_name: str, border_name: str) -> None:
    out = compare(kernel_name, border_name, IMAGE)
    pair = BORDERS[border_name]
    kernel = KERNELS[kernel_name].kernel
    for key in ("ours", "opencv", "difference"):
        assert out[key].shape == IMAGE.shape and out[key].dtype == np.float64
    np.testing.assert_allclose(
        out["ours"], padded_correlation(IMAGE, kernel, NUMPY_PAD[pair.boundary]), atol=1e-9
    )
    # OpenCV's BORDER_REFLECT_101 is what numpy.pad calls "reflect"
    opencv_pad = "reflect" if pair.opencv == "BORDER_REFLECT_101" else NUMPY_PAD[pair.boundary]
    np.testing.assert_allclose(
        out["opencv"], padded_correlation(IMAGE, kernel, opencv_pad), atol=1e-9
    )
    np.testing.assert_array_equal(out["difference"], out["opencv"] - out["ours"])
    assert out["max_abs_diff"] == np.abs(out["difference"]).max()
    assert out["max_abs_diff_inside"] <= 1e-9  # away from the border both agree
    if pair.matches:
        assert out["max_abs_diff"] <= 1e-9


def test_exact_values_for_sobel_x_on_a_tiny_image() -> None:
    im = np.array([[0.0, 1.0, 4.0, 9.0], [16.0, 25.0, 36.0, 49.0], [64.0, 81.0, 100.0, 121.0]])
    zero = compare("Sobel x", "zero = BORDER_CONSTANT", im)
    # worked by hand: d[r, c] = im[r, c-1] - im[r, c+1] (zero beyond the border) is
    #   -1  -4  -8   4 / -25 -20 -24  36 / -81 -36 -40 100
    # and Sobel x smooths it over the rows with 1 2 1: out[r] = d[r-1] + 2 d[r] + d[r+1]
    expected = np.array([
        [-27.0, -28.0, -40.0, 44.0],
        [-132.0, -80.0, -96.0, 176.0],
        [-187.0, -92.0, -104.0, 236.0],
    ])
    np.testing.assert_array_equal(zero["ours"], expected)
    np.testing.assert_array_equal(zero["opencv"], expected)
    assert zero["max_abs_diff"] == 0.0

    default = compare("Sobel x", REFLECT_101, im)
    # column 0: the mirror without the edge pixel puts column 1 left of column 0, so
    # left minus right is 0 there; convkit's reflect repeats column 0 instead, so
    # d[:, 0] = im[:, 0] - im[:, 1] = -1, -9, -17, and rows mirror too (row -1 = row 0):
    # -1 * 3 - 9 = -12, -1 - 18 - 17 = -36, -9 - 34 - 17 = -60
    np.testing.assert_array_equal(default["opencv"][:, 0], [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(default["ours"][:, 0], [-12.0, -36.0, -60.0])
    np.testing.assert_array_equal(default["difference"][1:-1, 1:-1], 0.0)  # inside the ring


def test_the_default_border_differs_only_in_the_ring() -> None:
    im = RNG.normal(size=(40, 50)) * 50 + 128
    out = compare("Unsharp mask 5x5", REFLECT_101, im)
    assert out["border_width"] == 2
    ring = np.ones(im.shape, bool)
    ring[2:-2, 2:-2] = False
    assert np.abs(out["difference"][ring]).max() > 1
    assert np.abs(out["difference"][~ring]).max() <= 1e-9


def test_image_by_name_and_inputs_unchanged() -> None:
    out = compare("Box blur 3x3", "replicate = BORDER_REPLICATE", "camera")
    assert out["ours"].shape == (512, 512)
    im = IMAGE.copy()
    compare("Sharpen", "zero = BORDER_CONSTANT", im)
    np.testing.assert_array_equal(im, IMAGE)


@pytest.mark.parametrize(
    ("args", "error", "words"),
    [
        (("Nope", "zero = BORDER_CONSTANT", IMAGE), ValueError, "kernel_name"),
        (("Sharpen", "BORDER_WRAP", IMAGE), ValueError, "border_name"),
        (("Sharpen", "zero = BORDER_CONSTANT", np.zeros((4, 4, 3))), ValueError, "2-D"),
        (("Sharpen", "zero = BORDER_CONSTANT", np.zeros((0, 4))), ValueError, "empty"),
        (("Sharpen", "zero = BORDER_CONSTANT", np.array([["a"]])), TypeError, "numeric"),
    ],
)
def test_bad_input_raises_and_names_the_argument(args, error, words) -> None:
    with pytest.raises(error, match=words):
        compare(*args)


def test_every_panel_of_the_picture_has_a_title() -> None:
    for border in BORDERS:
        fig = render_figure(compare("Laplacian (4-neighbour)", border, IMAGE))
        panels = [ax for ax in fig.axes if ax.get_images()]
        assert len(panels) == 3 and all(ax.get_title() for ax in panels)
        assert fig.get_suptitle()


def test_render_png_is_a_png() -> None:
    png = render_png(compare("Emboss", REFLECT_101, IMAGE))
    picture = mpimg.imread(io.BytesIO(png))
    assert picture.ndim == 3 and picture.shape[1] > picture.shape[0] > 200


def test_widget_labels_and_choices() -> None:
    widget = opencv_comparison(kernel="Sobel x", border=REFLECT_101)
    assert widget.kernel_dropdown.description == "Kernel:"
    assert widget.border_dropdown.description == "Border:"
    assert list(widget.border_dropdown.options) == list(BORDERS)
    assert list(widget.kernel_dropdown.options) == list(KERNELS)
    assert widget.image.value[:8] == b"\x89PNG\r\n\x1a\n"
    assert "BORDER_REFLECT_101" in widget.caption.value


def test_changing_a_dropdown_changes_the_picture() -> None:
    widget = opencv_comparison(IMAGE, kernel="Sobel x", border="zero = BORDER_CONSTANT")
    first = widget.image.value
    widget.border_dropdown.value = REFLECT_101
    second = widget.image.value
    assert second != first
    widget.kernel_dropdown.value = "Box blur 5x5"
    assert widget.image.value not in (first, second)
    widget.kernel_dropdown.value = "Sobel x"
    widget.border_dropdown.value = "zero = BORDER_CONSTANT"
    assert widget.image.value == first


def test_widget_rejects_unknown_initial_choices() -> None:
    with pytest.raises(ValueError, match="border"):
        opencv_comparison(IMAGE, border="BORDER_WRAP")
    with pytest.raises(ValueError, match="kernel"):
        opencv_comparison(IMAGE, kernel="nope")


def test_names_of_the_wrong_type_and_case_are_explained() -> None:
    with pytest.raises(TypeError, match="^border_name must be a string"):
        compare("Sharpen", 3, IMAGE)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="^kernel_name must be one of .*did you mean 'Sobel x'"):
        compare("SOBEL X", "zero = BORDER_CONSTANT", IMAGE)
    with pytest.raises(ValueError, match="^border must be one of"):
        opencv_comparison(IMAGE, border="zero")
