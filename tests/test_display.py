"""convkit.display: exact clip/rescale arrays, titled figures, honest signed views."""

from __future__ import annotations

import io

import cv2
import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure
from scipy.signal import correlate2d

from convkit import display as D
from convkit.kernels import LAPLACIAN_8, SHARPEN, SOBEL_X

matplotlib.use("Agg")


def image_axes(fig):
    """The axes that show a picture (colour bars are axes too)."""
    return [ax for ax in fig.axes if ax.images]


def assert_valid_png(data: bytes):
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    decoded = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    assert decoded is not None and decoded.shape[0] > 50 and decoded.shape[1] > 50


# --- to_display ------------------------------------------------------------------------------


def test_to_display_clip_exact_values():
    result = np.array([[-300.0, -0.6, -0.4, 0.5, 1.5, 2.5, 127.49, 254.5, 255.4, 255.6, 1e6]])
    out = D.to_display(result, "clip")
    assert out.dtype == np.uint8 and out.shape == result.shape
    # rounding halves to even, like OpenCV's saturate_cast
    np.testing.assert_array_equal(out, [[0, 0, 0, 0, 2, 2, 127, 254, 255, 255, 255]])


def test_to_display_rescale_exact_values():
    result = np.array([[-50.0, 0.0, 50.0], [100.0, 150.0, 205.0]])
    out = D.to_display(result, "rescale")
    # (v + 50) * 255 / 255: each value moves up by 50
    np.testing.assert_array_equal(out, [[0, 50, 100], [150, 200, 255]])
    out = D.to_display(np.array([[-1.0, 0.0, 1.0]]), "rescale")
    np.testing.assert_array_equal(out, [[0, 128, 255]])  # 127.5 -> 128 (half to even)
    np.testing.assert_array_equal(D.to_display(np.full((2, 3), 7.5), "rescale"), np.zeros((2, 3)))


def test_to_display_colour_uses_one_range_for_all_channels():
    rgb = np.zeros((2, 2, 3))
    rgb[..., 0] = 100.0
    rgb[0, 0, 2] = -100.0
    out = D.to_display(rgb, "rescale")
    assert out.shape == (2, 2, 3) and out[0, 0, 2] == 0 and out[0, 0, 0] == 255
    assert out[0, 0, 1] == 128  # 0 sits half-way between -100 and 100
    np.testing.assert_array_equal(D.to_display(rgb, "clip")[..., 2], [[0, 0], [0, 0]])


def test_to_display_does_not_modify_its_input():
    result = np.array([[-5.0, 300.0]])
    before = result.copy()
    D.to_display(result, "clip")
    D.to_display(result, "rescale")
    np.testing.assert_array_equal(result, before)


def test_clip_matches_what_opencv_stores_in_uint8():
    rng = np.random.default_rng(3)
    im = rng.integers(0, 256, (20, 30), dtype=np.uint8)
    half = np.array([[0, 0, 0], [0, 0.5, 0.5], [0, 0, 0]])  # exact halves: tests the rounding
    for kernel in (SHARPEN, LAPLACIAN_8, SOBEL_X, half):
        ours = D.to_display(correlate2d(im.astype(float), kernel, mode="valid"), "clip")
        theirs = cv2.filter2D(im, -1, kernel, borderType=cv2.BORDER_CONSTANT)[1:-1, 1:-1]
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize(
    ("value", "error", "words"),
    [
        (np.array([[1.0, np.nan]]), ValueError, "NaN"),
        (np.array([[1.0, np.inf]]), ValueError, "NaN or infinite"),
        (np.zeros((0, 3)), ValueError, "empty"),
        (np.zeros((2, 2, 2, 2)), ValueError, "shape"),
        (np.zeros((2, 2, 4)), ValueError, "shape"),
        (np.zeros(5), ValueError, "shape"),
        (np.array([["a", "b"]]), TypeError, "real numbers"),
        (np.ones((2, 2), dtype=complex), TypeError, "real numbers"),
    ],
)
def test_to_display_bad_results(value, error, words):
    with pytest.raises(error, match="result") as err:
        D.to_display(value, "clip")
    assert words in str(err.value)


def test_to_display_bad_mode():
    with pytest.raises(ValueError, match="mode"):
        D.to_display(np.zeros((2, 2)), "stretch")  # type: ignore[arg-type]


def test_symmetric_limit():
    assert D.symmetric_limit([[-3.0, 2.0]]) == 3.0
    assert D.symmetric_limit(np.zeros((2, 2))) == 1.0
    assert D.symmetric_limit([[5.0, 1.0]]) == 5.0


# --- show_side_by_side -----------------------------------------------------------------------


def test_side_by_side_titles_every_panel_and_fixes_the_range():
    rng = np.random.default_rng(0)
    photo = rng.integers(0, 256, (40, 60), dtype=np.uint8)
    blurred = np.full((38, 58), 120.0)  # a flat grey: auto-contrast would make it look black
    fig = D.show_side_by_side([photo, blurred], ["original", "blurred"], suptitle="Blur")
    assert isinstance(fig, Figure) and isinstance(fig, D.CourseFigure)
    assert [ax.get_title() for ax in fig.axes] == ["original", "blurred"]
    assert fig.get_suptitle() == "Blur"
    for ax in fig.axes:
        (picture,) = ax.images
        assert picture.get_clim() == (0.0, 255.0)
        assert picture.get_cmap().name == "gray"
    np.testing.assert_array_equal(fig.axes[1].images[0].get_array(), blurred)


def test_side_by_side_unit_floats_use_0_to_1():
    fig = D.show_side_by_side([np.eye(4), np.eye(4) / 2], ["a", "b"])
    assert all(ax.images[0].get_clim() == (0.0, 1.0) for ax in fig.axes)
    fig = D.show_side_by_side([np.eye(4), np.eye(4) * 255], ["a", "b"])
    assert all(ax.images[0].get_clim() == (0.0, 255.0) for ax in fig.axes)
    fig = D.show_side_by_side([np.eye(4)], ["a"], value_range=(-1, 1))
    assert fig.axes[0].images[0].get_clim() == (-1.0, 1.0)


def test_side_by_side_colour_is_rgb():
    rgb = np.zeros((8, 8, 3), np.uint8)
    rgb[..., 0] = 200  # red
    fig = D.show_side_by_side([rgb, rgb.astype(float)], ["uint8", "float"])
    shown = fig.axes[0].images[0].get_array()
    np.testing.assert_array_equal(shown, rgb)
    # float RGB is scaled into matplotlib's 0..1 range, channel order unchanged
    shown = np.asarray(fig.axes[1].images[0].get_array())
    np.testing.assert_allclose(shown[..., 0], 200 / 255)
    np.testing.assert_allclose(shown[..., 1:], 0)


def test_side_by_side_grid_and_inputs_untouched():
    images = [np.full((5, 5), i * 10.0) for i in range(6)]
    copies = [im.copy() for im in images]
    fig = D.show_side_by_side(images, [f"panel {i}" for i in range(6)], ncols=4)
    assert len(fig.axes) == 6  # the two unused grid cells are removed
    assert [ax.get_title() for ax in fig.axes] == [f"panel {i}" for i in range(6)]
    for im, copy in zip(images, copies, strict=True):
        np.testing.assert_array_equal(im, copy)
    # small images show their pixels
    assert fig.axes[0].images[0].get_interpolation() == "nearest"


def test_side_by_side_bad_arguments():
    with pytest.raises(ValueError, match="one title per image"):
        D.show_side_by_side([np.eye(3), np.eye(3)], ["only one"])
    with pytest.raises(ValueError, match="title"):
        D.show_side_by_side([np.eye(3)], [""])
    with pytest.raises(TypeError, match="list of images"):
        D.show_side_by_side(np.eye(3), ["one array"])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="empty"):
        D.show_side_by_side([], [])
    with pytest.raises(ValueError, match=r"images\[1\]"):
        D.show_side_by_side([np.eye(3), np.zeros((2, 2, 5))], ["a", "b"])
    with pytest.raises(ValueError, match="ncols"):
        D.show_side_by_side([np.eye(3)], ["a"], ncols=0)


def test_figures_render_to_png():
    fig = D.show_side_by_side([np.eye(8) * 255], ["identity"])
    assert_valid_png(fig._repr_png_())
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    assert_valid_png(buffer.getvalue())


# --- show_signed -----------------------------------------------------------------------------


@pytest.fixture
def edges() -> np.ndarray:
    result = np.zeros((10, 12))
    result[:, 3] = -80.0
    result[:, 8] = 40.0
    result[0, 0] = 300.0
    return result


def test_show_signed_clip_counts_what_is_lost(edges):
    fig = D.show_signed(edges, "Sobel x", mode="clip")
    (ax,) = fig.axes
    title = ax.get_title()
    assert title.startswith("Sobel x: clipped")
    assert "10 px < 0 shown black" in title and "1 px > 255 white" in title
    np.testing.assert_array_equal(ax.images[0].get_array(), D.to_display(edges, "clip"))


def test_show_signed_rescale_says_where_zero_went(edges):
    fig = D.show_signed(edges, "Sobel x", mode="rescale")
    (ax,) = fig.axes
    # 0 -> 255 * 80 / 380 = 53.7
    assert "0 is grey 54" in ax.get_title()
    assert "-80..300" in ax.get_title()
    np.testing.assert_array_equal(ax.images[0].get_array(), D.to_display(edges, "rescale"))


def test_show_signed_diverging_is_centred_on_zero(edges):
    fig = D.show_signed(edges, "Sobel x")
    (ax,) = image_axes(fig)
    picture = ax.images[0]
    assert picture.get_clim() == (-300.0, 300.0)
    assert picture.get_cmap().name == "RdBu_r"
    np.testing.assert_array_equal(picture.get_array(), edges)  # raw values, nothing lost
    assert len(fig.axes) == 2, "a colour bar explains the colours"
    assert ax.get_title().startswith("Sobel x: diverging")
    fig = D.show_signed(edges, "Sobel x", limit=100.0)
    assert image_axes(fig)[0].images[0].get_clim() == (-100.0, 100.0)


def test_show_signed_all_views(edges):
    fig = D.show_signed(edges, "Laplacian", mode="all")
    axes = image_axes(fig)
    assert [ax.get_title().splitlines()[0] for ax in axes] == [
        "Laplacian: clipped",
        "Laplacian: rescaled",
        "Laplacian: diverging",
    ]
    assert "Laplacian" in fig.get_suptitle()
    assert_valid_png(fig._repr_png_())


def test_show_signed_colour_and_bad_arguments():
    colour = np.zeros((6, 6, 3))
    colour[2, 2] = -5
    fig = D.show_signed(colour, "colour edges", mode="rescale")
    assert fig.axes[0].images[0].get_array().shape == (6, 6, 3)
    with pytest.raises(ValueError, match="2-D"):
        D.show_signed(colour, "colour edges")
    with pytest.raises(ValueError, match="mode"):
        D.show_signed(np.eye(3), "x", mode="abs")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="title"):
        D.show_signed(np.eye(3), "  ")
    with pytest.raises(ValueError, match="limit"):
        D.show_signed(np.eye(3), "x", limit=0)


def test_show_signed_does_not_modify_its_input(edges):
    before = edges.copy()
    D.show_signed(edges, "x", mode="all")
    np.testing.assert_array_equal(edges, before)


# --- draw_panel ------------------------------------------------------------------------------


def test_draw_panel_magnitude_and_kinds():
    fig = D.CourseFigure()
    ax = fig.subplots()
    magnitude = np.hypot(*np.mgrid[-3:4, -3:4])
    picture = D.draw_panel(ax, magnitude, "gradient magnitude", kind="magnitude")
    assert picture.get_clim() == (0.0, float(magnitude.max()))
    assert picture.get_cmap().name == "magma"
    assert ax.get_title() == "gradient magnitude"
    with pytest.raises(ValueError, match="kind"):
        D.draw_panel(fig.subplots(), magnitude, "x", kind="sparkly")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="value_range"):
        D.draw_panel(D.CourseFigure().subplots(), magnitude, "x", value_range=(5, 5))


@pytest.mark.slow
def test_course_figure_shows_in_a_jupyter_kernel():
    """Without %matplotlib inline, a plain Figure shows as text only; CourseFigure as a PNG."""
    import nbformat
    from nbclient import NotebookClient

    source = (
        "import numpy as np\n"
        "from convkit.display import show_side_by_side\n"
        "show_side_by_side([np.eye(5) * 255], ['identity'])"
    )
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    NotebookClient(nb, timeout=60, kernel_name="python3").execute()
    (output,) = nb.cells[0].outputs
    assert output.output_type == "execute_result"
    assert "image/png" in output.data


def test_bad_arguments_of_the_wrong_type_are_type_errors_naming_them():
    with pytest.raises(TypeError, match="^title must be a non-empty string"):
        D.show_signed(np.eye(3), None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="^ncols must be a positive integer"):
        D.show_side_by_side([np.eye(3)], ["a"], ncols=1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="^limit must be a finite number > 0"):
        D.show_signed(np.eye(3), "x", limit="big")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="^mode must be a string"):
        D.to_display(np.eye(3), None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="^kind must be one of 'image', 'clip'"):
        D.draw_panel(D.CourseFigure().subplots(), np.eye(3), "x", kind="sparkly")  # type: ignore[arg-type]
