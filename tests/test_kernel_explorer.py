"""The kernel explorer: the pure callbacks for every dropdown value and for custom kernels,
the grid that holds them, the picture, the widget."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.image as mpimg  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from scipy.signal import correlate2d  # noqa: E402

from convkit.core import correlate, im_conv  # noqa: E402
from convkit.images import load_image  # noqa: E402
from convkit.kernels import KERNELS  # noqa: E402
from convkit.widgets import kernel_explorer as ke  # noqa: E402
from convkit.widgets.kernel_explorer import (  # noqa: E402
    CUSTOM,
    GRID_SIZES,
    custom_kernel,
    explore,
    explore_custom,
    grid_weights,
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
    assert list(widget.kernel_dropdown.options) == [*KERNELS, CUSTOM]
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


# --------------------------------------------------------------------------- custom kernels

#: a small image with detail in both directions (so a kernel's every weight matters)
TINY = np.array(
    [[10.0, 200.0, 30.0, 90.0, 0.0],
     [255.0, 0.0, 120.0, 60.0, 15.0],
     [40.0, 80.0, 250.0, 5.0, 100.0],
     [0.0, 160.0, 70.0, 220.0, 35.0]]
)


def test_a_custom_kernel_gives_correlate_same_reflect_exactly() -> None:
    weights = [[1.0, 0.0, -2.0], [0.5, 3.0, 0.0], [0.0, -1.0, 4.0]]
    out = explore_custom(weights, "tiny", divisor=2.0, images={"tiny": TINY})
    kernel = np.array(weights) / 2.0
    np.testing.assert_array_equal(out["kernel"], kernel)
    np.testing.assert_array_equal(
        out["result"], correlate(TINY, kernel, mode="same", boundary="reflect")
    )
    # and the course's own definition: im_conv (valid mode, not flipped) of the image
    # mirrored by one pixel on every side (the edge pixel repeated)
    np.testing.assert_allclose(
        out["result"], im_conv(np.pad(TINY, 1, mode="symmetric"), kernel), rtol=0, atol=1e-12
    )
    # one value by hand: the window at (1, 1) is rows 0..2, columns 0..2 of TINY
    window = TINY[0:3, 0:3]
    assert out["result"][1, 1] == pytest.approx(float((window * kernel).sum()), abs=1e-12)
    assert out["kernel_name"] == CUSTOM
    assert out["sum"] == pytest.approx(2.75) and not out["signed"]
    assert out["show"] == "clip"


def test_a_custom_kernel_that_sums_to_0_is_signed_and_diverging() -> None:
    out = explore_custom([[0, 1, 0], [1, -4, 1], [0, 1, 0]], "camera")
    assert out["signed"] and out["sum"] == 0.0 and out["show"] == "diverging"
    assert out["cmap"] == ke.DIVERGING_CMAP
    # the same weights as the catalogue's Laplacian: the same result
    np.testing.assert_array_equal(out["result"], explore("Laplacian (4-neighbour)",
                                                         "camera")["result"])


def test_a_5x5_custom_kernel_and_its_description() -> None:
    weights = np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1])
    out = explore_custom(weights, "camera", divisor=256)
    np.testing.assert_allclose(out["result"], explore("Binomial 5x5", "camera")["result"],
                               rtol=0, atol=1e-9)
    assert out["description"] == "your 5x5 weights / 256"
    assert out["sum"] == 1.0


@pytest.mark.parametrize("show", ["clip", "rescale", "diverging"])
def test_show_forces_a_view(show: str) -> None:
    out = explore_custom([[1, 1, 1], [1, -9, 1], [1, 1, 1]], "camera", show=show)
    assert out["show"] == show
    result = out["result"]
    if show == "clip":
        np.testing.assert_array_equal(out["display"], np.clip(result, 0, 255))
        assert (out["vmin"], out["vmax"]) == (0.0, 255.0)
    elif show == "rescale":
        assert (out["vmin"], out["vmax"]) == (result.min(), result.max())
        assert out["cmap"] == "gray"
    else:
        assert out["vmin"] == -out["vmax"] and out["cmap"] == ke.DIVERGING_CMAP
    titled = [ax for ax in render_figure(out).axes if ax.get_images()]
    assert len(titled) == 3 and all(ax.get_title() for ax in titled)


def test_explore_named_kernels_take_show_too() -> None:
    auto = explore("Sobel x", "camera")
    clipped = explore("Sobel x", "camera", show="clip")
    assert (auto["show"], clipped["show"]) == ("diverging", "clip")
    np.testing.assert_array_equal(clipped["display"], np.clip(auto["result"], 0, 255))
    with pytest.raises(ValueError, match="^show must be one of 'auto'"):
        explore("Sobel x", "camera", show="stretch")


@pytest.mark.parametrize("kernel_name", list(KERNELS))
def test_the_grid_is_prefilled_with_the_named_kernel(kernel_name: str) -> None:
    kernel = KERNELS[kernel_name].kernel
    weights, divisor = grid_weights(kernel_name)
    assert weights.shape == kernel.shape and weights.shape[0] in GRID_SIZES
    np.testing.assert_allclose(weights / divisor, kernel, rtol=0, atol=1e-15)
    if divisor > 1:  # whole numbers whenever a divisor makes them so
        np.testing.assert_array_equal(weights, np.round(weights))
    # what the grid holds draws the same picture as the named kernel
    named = explore(kernel_name, "tiny", images={"tiny": TINY})
    custom = explore_custom(weights, "tiny", divisor=divisor, images={"tiny": TINY})
    np.testing.assert_allclose(custom["result"], named["result"], rtol=0, atol=1e-9)
    assert custom["signed"] == named["signed"] == KERNELS[kernel_name].signed


def test_prefill_of_the_familiar_kernels() -> None:
    weights, divisor = grid_weights("Box blur 3x3")
    np.testing.assert_array_equal(weights, np.ones((3, 3)))
    assert divisor == 9.0
    weights, divisor = grid_weights("Binomial 5x5")
    np.testing.assert_array_equal(weights, np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1]))
    assert divisor == 256.0
    weights, divisor = grid_weights("Sobel x")
    np.testing.assert_array_equal(weights, KERNELS["Sobel x"].kernel)
    assert divisor == 1.0


def test_grid_sizes_pad_or_crop_around_the_centre() -> None:
    weights, divisor = grid_weights("Sobel x", 5)
    expected = np.zeros((5, 5))
    expected[1:4, 1:4] = KERNELS["Sobel x"].kernel
    np.testing.assert_array_equal(weights, expected)
    assert divisor == 1.0
    # zeros around a kernel change nothing
    np.testing.assert_array_equal(
        explore_custom(weights, "camera")["result"], explore("Sobel x", "camera")["result"]
    )
    weights, divisor = grid_weights("Box blur 5x5", 3)
    np.testing.assert_array_equal(weights, np.ones((3, 3)))
    assert divisor == 25.0  # the centre of a 5x5 blur: nine weights of 1/25, sum 9/25
    assert explore_custom(weights, "camera", divisor=divisor)["sum"] == pytest.approx(0.36)


@pytest.mark.parametrize("size", [4, 7, 1])
def test_other_grid_sizes_are_refused(size: int) -> None:
    with pytest.raises(ValueError, match=f"^size must be one of 3, 5 .*; got {size}$"):
        grid_weights("Sobel x", size)
    with pytest.raises(TypeError, match="^size must be an integer"):
        grid_weights("Sobel x", 3.0)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("weights", "divisor", "error", "message"),
    [
        ([[1, 2, 1], [0, None, 0], [1, 2, 1]], 1.0, ValueError,
         "^weights must have a number in every box; the box in row 2, column 2 is empty$"),
        ([[1, 2, 1], [0, 0, "  "], [1, 2, 1]], 1.0, ValueError, "row 2, column 3 is empty"),
        ([[1, 2, 1], [0, float("nan"), 0], [1, 2, 1]], 1.0, ValueError,
         r"^weights must hold finite numbers; got 1 NaN or infinite value "
         r"\(the first at \(1, 1\)\)"),
        ([[1, 2, 1], [0, 0, 0], [float("inf"), 2, -float("inf")]], 1.0, ValueError,
         r"got 2 NaN or infinite values \(the first at \(2, 0\)\)"),
        ([[1, 2, 1]] * 3, 0.0, ValueError, "^divisor must not be 0"),
        ([[1, 2, 1]] * 3, float("nan"), ValueError, "^divisor must be a finite number; got nan"),
        ([[1, 2, 1]] * 3, "9", TypeError, "^divisor must be a finite number"),
        ([["1", "2", "1"]] * 3, 1.0, TypeError, "^weights must hold real numbers"),
        ([1, 2, 1], 1.0, ValueError, "^weights must be a 2-D"),
        ([[]], 1.0, ValueError, "^weights must not be empty"),
    ],
)
def test_invalid_grids_are_refused_with_a_message_naming_the_box(
    weights, divisor, error, message
) -> None:
    with pytest.raises(error, match=message):
        custom_kernel(weights, divisor)
    with pytest.raises(error, match=message):
        explore_custom(weights, "camera", divisor=divisor)


def test_custom_kernels_do_not_touch_their_inputs() -> None:
    weights = np.array([[1.0, 2.0, 1.0], [0.0, 0.0, 0.0], [-1.0, -2.0, -1.0]])
    before = weights.copy()
    out = explore_custom(weights, "camera", divisor=4.0)
    np.testing.assert_array_equal(weights, before)
    out["kernel"][0, 0] = 99.0
    np.testing.assert_array_equal(weights, before)


# --------------------------------------------------------------------------- the grid widget


def _grid_values(widget: ke.KernelExplorer) -> np.ndarray:
    return np.array(widget.weights)


def test_the_widget_shows_the_grid_of_the_selected_kernel() -> None:
    widget = kernel_explorer(kernel="Box blur 3x3", image="camera")
    assert widget.size_buttons.value == 3 and widget.size_buttons.description == "Grid:"
    assert widget.show_buttons.value == "auto" and widget.show_buttons.description == "Show:"
    np.testing.assert_array_equal(_grid_values(widget), np.ones((3, 3)))
    assert widget.divisor_box.value == 9.0 and widget.divisor_box.description == "Divide by:"
    assert list(widget.grid.children) == [b for row in widget.boxes[3] for b in row]
    assert "Sum of the weights / divisor: <b>1</b>: flat areas keep their brightness" in (
        widget.status.value)
    # the grid sits beside the dropdowns, above the picture
    row = widget.children[0]
    assert widget.kernel_dropdown in row.children[0].children
    assert widget.grid in row.children[1].children
    assert widget.children[1] is widget.image
    widget.kernel_dropdown.value = "Binomial 5x5"
    assert widget.size_buttons.value == 5 and len(widget.grid.children) == 25
    np.testing.assert_array_equal(_grid_values(widget), np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1]))
    assert widget.divisor_box.value == 256.0


def test_typing_a_weight_switches_to_custom_and_redraws() -> None:
    widget = kernel_explorer(["camera"], kernel="Identity", image="camera")
    identity = widget.image.value
    widget.boxes[3][1][2].value = -1.0  # centre row, right column
    assert widget.kernel_dropdown.value == CUSTOM
    custom = widget.image.value
    assert custom != identity and custom[:8] == b"\x89PNG\r\n\x1a\n"
    expected = render_png(explore_custom([[0, 0, 0], [0, 1, -1], [0, 0, 0]], "camera"))
    assert custom == expected  # exactly the pure callback's picture
    assert "<b>0</b>: flat areas become 0, so the result is signed" in widget.status.value
    assert "Custom" in widget.caption.value and "diverging" in widget.caption.value
    widget.divisor_box.value = 2.0
    assert widget.image.value not in (identity, custom)
    assert widget.kernel_dropdown.value == CUSTOM
    # choosing a named kernel again refills the grid and draws that kernel
    widget.kernel_dropdown.value = "Identity"
    assert widget.image.value == identity
    np.testing.assert_array_equal(_grid_values(widget), KERNELS["Identity"].kernel)
    assert widget.divisor_box.value == 1.0


def test_choosing_custom_keeps_the_weights_of_the_last_kernel() -> None:
    widget = kernel_explorer(["camera"], kernel="Sobel y", image="camera")
    named = widget.image.value
    widget.kernel_dropdown.value = CUSTOM
    np.testing.assert_array_equal(_grid_values(widget), KERNELS["Sobel y"].kernel)
    assert widget.image.value != named  # the same result, titled "Custom"
    assert widget.image.value == render_png(explore_custom(KERNELS["Sobel y"].kernel, "camera"))


def test_the_grid_size_buttons_pad_and_crop_the_weights() -> None:
    widget = kernel_explorer(["camera"], kernel="Sharpen", image="camera")
    sharpen = widget.image.value
    widget.size_buttons.value = 5
    assert widget.kernel_dropdown.value == CUSTOM and len(widget.grid.children) == 25
    expected = np.zeros((5, 5))
    expected[1:4, 1:4] = KERNELS["Sharpen"].kernel
    np.testing.assert_array_equal(_grid_values(widget), expected)
    assert widget.image.value == render_png(explore_custom(expected, "camera"))
    assert widget.image.value != sharpen
    widget.boxes[5][0][0].value = 1.0  # a corner only the 5x5 grid has
    five = widget.image.value
    widget.size_buttons.value = 3  # the corner is cut off again
    np.testing.assert_array_equal(_grid_values(widget), KERNELS["Sharpen"].kernel)
    assert widget.image.value not in (five, sharpen)


def test_invalid_weights_show_a_message_and_keep_the_picture() -> None:
    widget = kernel_explorer(["camera"], kernel="Box blur 3x3", image="camera")
    widget.boxes[3][0][0].value = 3.0
    good = widget.image.value
    widget.boxes[3][2][1].value = float("nan")
    assert widget.image.value == good
    assert "Not drawn:" in widget.status.value
    assert "weights must hold finite numbers" in widget.status.value
    assert "(the first at (2, 1))" in widget.status.value
    assert "Traceback" not in widget.status.value
    widget.boxes[3][2][1].value = 1.0
    assert "Not drawn" not in widget.status.value
    assert widget.image.value == good  # the grid is back as it was
    widget.divisor_box.value = 0.0
    assert "divisor must not be 0" in widget.status.value and widget.image.value == good
    widget.divisor_box.value = float("inf")
    assert "divisor must be a finite number" in widget.status.value
    widget.divisor_box.value = 11.0
    assert widget.image.value != good and "Not drawn" not in widget.status.value


def test_the_show_buttons_redraw() -> None:
    widget = kernel_explorer(["camera"], kernel="Sobel x", image="camera")
    pictures = {widget.show_buttons.value: widget.image.value}
    for show in ("clip", "rescale", "diverging"):
        widget.show_buttons.value = show
        pictures[show] = widget.image.value
    assert pictures["auto"] == pictures["diverging"]  # Sobel x sums to 0
    assert len({pictures["clip"], pictures["rescale"], pictures["diverging"]}) == 3
    widget.show_buttons.value = "rescale"
    assert "its own minimum black" in widget.caption.value


def test_the_initial_show_choice_is_checked() -> None:
    widget = kernel_explorer(["camera"], kernel="Emboss", show="rescale")
    assert widget.show_buttons.value == "rescale"
    with pytest.raises(ValueError, match="^show must be one of"):
        kernel_explorer(["camera"], show="nope")
