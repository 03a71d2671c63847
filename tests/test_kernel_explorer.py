"""The kernel explorer: the pure callback for every dropdown value, the picture, the widget."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.image as mpimg  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from scipy.signal import correlate2d  # noqa: E402

from convkit.images import load_image  # noqa: E402
from convkit.kernels import KERNELS  # noqa: E402
from convkit.widgets import kernel_explorer as ke  # noqa: E402
from convkit.widgets.kernel_explorer import (  # noqa: E402
    explore,
    image_choices,
    kernel_explorer,
    render_figure,
    render_png,
)

IMAGES = image_choices()


def reference_same_reflect(im: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Correlation, same size, mirrored border (edge pixel repeated), via SciPy."""
    return correlate2d(im.astype(np.float64), kernel, mode="same", boundary="symm")


def test_the_choices_are_the_course_photos_and_the_patterns() -> None:
    from convkit.images import list_images

    assert IMAGES[: len(list_images())] == list_images()
    assert {"impulse", "step edge", "white square", "checkerboard"} <= set(IMAGES)


@pytest.mark.parametrize("kernel_name", list(KERNELS))
def test_every_kernel_on_a_photo(kernel_name: str) -> None:
    out = explore(kernel_name, "camera")
    camera = load_image("camera")
    assert out["original"].shape == out["result"].shape == out["display"].shape == camera.shape
    assert out["result"].dtype == np.float64
    np.testing.assert_array_equal(out["original"], camera)
    np.testing.assert_allclose(
        out["result"], reference_same_reflect(camera, KERNELS[kernel_name].kernel), atol=1e-9
    )
    if KERNELS[kernel_name].signed:
        assert out["cmap"] == ke.DIVERGING_CMAP and out["vmin"] == -out["vmax"] > -np.inf
        np.testing.assert_array_equal(out["display"], out["result"])
    else:
        assert (out["cmap"], out["vmin"], out["vmax"]) == ("gray", 0.0, 255.0)
        np.testing.assert_array_equal(out["display"], np.clip(out["result"], 0, 255))


@pytest.mark.parametrize("image_name", IMAGES)
def test_every_image_with_one_kernel(image_name: str) -> None:
    out = explore("Box blur 3x3", image_name)
    assert out["original"].ndim == 2
    assert out["result"].shape == out["original"].shape
    expected = reference_same_reflect(out["original"], np.full((3, 3), 1 / 9))
    np.testing.assert_allclose(out["result"], expected, atol=1e-9)
    # a blur of a 0..255 image stays within 0..255: nothing to clip
    assert out["clipped"] == 0.0


def test_exact_values_of_the_box_blur_on_a_tiny_image() -> None:
    im = np.array([[0.0, 9.0, 0.0], [9.0, 0.0, 9.0]])
    out = explore("Box blur 3x3", "tiny", images={"tiny": im})
    # the mirror border repeats the edge pixels: padded, the rows are row 0, row 0, row 1,
    # row 1, and row 0 reads 0 0 9 0 0, row 1 reads 9 9 0 9 9; each window sums to 36 or 45
    expected = np.array([[36.0, 36.0, 36.0], [45.0, 45.0, 45.0]]) / 9
    np.testing.assert_allclose(out["result"], expected, rtol=0, atol=1e-12)


def test_the_impulse_draws_the_kernel_rotated() -> None:
    out = explore("Sobel x", "impulse")
    centre = out["result"][6:9, 6:9] / 255.0
    np.testing.assert_array_equal(centre, np.rot90(KERNELS["Sobel x"].kernel, 2))


def test_signed_results_saturate_at_a_percentile_but_keep_their_sign() -> None:
    out = explore("Sobel x", "camera")
    assert 0 < out["vmax"] <= np.abs(out["result"]).max()
    assert out["vmax"] >= 0.25 * np.abs(out["result"]).max()


def test_clipping_is_counted_for_sharpen() -> None:
    out = explore("Sharpen", "checkerboard")
    outside = (out["result"] < 0) | (out["result"] > 255)
    assert outside.any()
    assert out["clipped"] == pytest.approx(outside.mean())


def test_inputs_are_not_modified_and_outputs_are_independent() -> None:
    im = np.arange(30, dtype=np.uint8).reshape(5, 6)
    before = im.copy()
    out = explore("Sharpen", "mine", images={"mine": im})
    np.testing.assert_array_equal(im, before)
    out["original"][0, 0] = 99  # the caller may write into the result freely
    again = explore("Identity", "camera")
    again["original"][0, 0] = -1
    np.testing.assert_array_equal(explore("Identity", "camera")["original"], load_image("camera"))


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"kernel_name": "Nope", "image_name": "camera"}, ValueError, "kernel_name"),
        ({"kernel_name": "Sharpen", "image_name": "nope"}, ValueError, "image_name"),
        ({"kernel_name": 3, "image_name": "camera"}, TypeError, "kernel_name"),
        ({"kernel_name": "Sharpen", "image_name": None}, TypeError, "image_name"),
    ],
)
def test_bad_names_raise_and_name_the_argument(kwargs, error, words) -> None:
    with pytest.raises(error, match=words):
        explore(**kwargs)


def test_bad_own_images_raise() -> None:
    with pytest.raises(ValueError, match="2-D"):
        explore("Sharpen", "rgb", images={"rgb": np.zeros((4, 4, 3))})
    with pytest.raises(TypeError, match="numeric"):
        explore("Sharpen", "text", images={"text": np.array([["a", "b"]])})
    with pytest.raises(ValueError, match="images"):
        kernel_explorer({})
    with pytest.raises(ValueError, match="unknown"):
        kernel_explorer(["camera", "no such picture"])


def test_every_panel_of_the_picture_has_a_title() -> None:
    for kernel_name in ("Sobel x", "Box blur 5x5"):
        fig = render_figure(explore(kernel_name, "chelsea"))
        titled = [ax for ax in fig.axes if ax.get_images()]
        assert len(titled) == 3
        assert all(ax.get_title() for ax in titled)
        assert fig.get_suptitle().startswith(kernel_name)


def test_render_png_is_a_png_of_the_figure() -> None:
    png = render_png(explore("Laplacian (4-neighbour)", "white square"))
    picture = mpimg.imread(io.BytesIO(png))
    assert picture.ndim == 3 and picture.shape[1] > picture.shape[0] > 200


def test_widget_labels_and_initial_picture() -> None:
    widget = kernel_explorer(kernel="Sobel x", image="camera")
    assert widget.kernel_dropdown.description == "Kernel:"
    assert widget.image_dropdown.description == "Image:"
    assert list(widget.kernel_dropdown.options) == list(KERNELS)
    assert list(widget.image_dropdown.options) == IMAGES
    assert widget.image.value[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Sobel x" in widget.caption.value and "diverging" in widget.caption.value


def test_changing_a_dropdown_changes_the_picture() -> None:
    widget = kernel_explorer(["camera", "step edge"], kernel="Identity", image="camera")
    first = widget.image.value
    widget.kernel_dropdown.value = "Sobel x"
    second = widget.image.value
    assert second != first
    widget.image_dropdown.value = "step edge"
    third = widget.image.value
    assert third not in (first, second)
    widget.kernel_dropdown.value = "Identity"
    widget.image_dropdown.value = "camera"
    assert widget.image.value == first  # the same choice draws the same picture


def test_widget_with_own_images() -> None:
    ramp = np.tile(np.arange(0.0, 250.0, 10.0), (20, 1))
    widget = kernel_explorer({"ramp": ramp, "flat": np.full((8, 8), 7.0)})
    assert list(widget.image_dropdown.options) == ["ramp", "flat"]
    before = widget.image.value
    widget.image_dropdown.value = "flat"
    assert widget.image.value != before


def test_bad_initial_choices_name_the_argument() -> None:
    with pytest.raises(ValueError, match="^kernel must be one of 'Identity'"):
        kernel_explorer({"flat": np.zeros((8, 8))}, kernel="nope")
    with pytest.raises(ValueError, match="^image must be one of 'flat'; got 'ramp'"):
        kernel_explorer({"flat": np.zeros((8, 8))}, image="ramp")
    with pytest.raises(ValueError, match="did you mean 'Sobel x'"):
        explore("sobel x", "flat", images={"flat": np.zeros((8, 8))})
