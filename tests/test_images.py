"""convkit.images: the shipped photographs, their credits, and the synthetic patterns."""

from __future__ import annotations

import re
from pathlib import Path

import cv2
import numpy as np
import pytest
from scipy.signal import convolve2d, correlate2d

from convkit import images as I
from convkit.kernels import SOBEL_X

REPO = Path(__file__).resolve().parent.parent
IMAGES = REPO / "images"
PHOTO_FILES = sorted(p for p in IMAGES.iterdir() if p.suffix.lower() in I.IMAGE_SUFFIXES)
NAMES = [p.stem for p in PHOTO_FILES]
COLOUR = ["astronaut", "chelsea", "coffee", "rocket"]
GREY = ["brick", "camera"]


# --- the photographs -------------------------------------------------------------------------


def test_the_course_ships_enough_photos():
    assert I.list_images() == NAMES == sorted(COLOUR + GREY)
    assert len(NAMES) >= 4
    total = sum(p.stat().st_size for p in IMAGES.iterdir())
    assert total < 2_000_000, f"images/ holds {total} bytes"


@pytest.mark.parametrize("name", NAMES)
def test_each_photo_loads_grey_and_colour(name):
    grey = I.load_image(name)
    colour = I.load_image(name, gray=False)
    assert grey.dtype == np.uint8 and colour.dtype == np.uint8
    assert grey.ndim == 2 and colour.ndim == 3 and colour.shape == (*grey.shape, 3)
    height, width = grey.shape
    assert 256 <= max(height, width) <= 640 and min(height, width) >= 256
    assert grey.std() > 20, "a real photo has contrast"
    assert int(grey.max()) - int(grey.min()) >= 140
    assert grey.flags.writeable and grey.flags.c_contiguous


@pytest.mark.parametrize("name", COLOUR)
def test_colour_photos_have_colour_and_grey_is_bt601(name):
    rgb = I.load_image(name, gray=False)
    assert not (rgb[..., 0] == rgb[..., 2]).all()
    exact = (
        0.299 * rgb[..., 0].astype(float)
        + 0.587 * rgb[..., 1].astype(float)
        + 0.114 * rgb[..., 2].astype(float)
    )
    grey = I.load_image(name).astype(float)
    # exact: the nearest integer to the formula (the float sum may land a hair off an exact half)
    assert np.abs(grey - exact).max() <= 0.5 + 1e-9
    r, g, b = (rgb[..., c].astype(np.int64) for c in range(3))
    integer = (299 * r + 587 * g + 114 * b + 500) // 1000
    np.testing.assert_array_equal(grey, integer)
    # OpenCV's fixed-point conversion agrees to within one grey level
    opencv = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(int)
    assert np.abs(opencv - I.load_image(name).astype(int)).max() <= 1


@pytest.mark.parametrize("name", GREY)
def test_grey_photos_repeat_into_three_equal_channels(name):
    rgb = I.load_image(name, gray=False)
    for channel in range(3):
        np.testing.assert_array_equal(rgb[..., channel], I.load_image(name))


def test_colour_is_rgb_not_bgr():
    # the orange cat and the orange spacesuit: much more red than blue
    for name in ("chelsea", "astronaut"):
        rgb = I.load_image(name, gray=False).astype(float)
        assert rgb[..., 0].mean() > rgb[..., 2].mean() + 20, name
    # the file read by OpenCV (BGR) is the same picture reversed along the channels
    bgr = cv2.imread(str(I.image_path("coffee")), cv2.IMREAD_COLOR)
    np.testing.assert_array_equal(I.load_image("coffee", gray=False), bgr[..., ::-1])


def test_load_image_returns_fresh_arrays():
    first = I.load_image("camera")
    first[:] = 0
    assert I.load_image("camera").max() > 0
    colour = I.load_image("chelsea", gray=False)
    colour[:] = 0
    assert I.load_image("chelsea", gray=False).max() > 0


def test_image_path_and_names():
    assert I.image_path("camera") == I.images_dir() / "camera.png"
    assert I.image_path("camera.png") == I.image_path(" camera ")
    assert I.image_path("rocket").suffix == ".jpg"


def test_unknown_image_lists_the_names():
    with pytest.raises(ValueError) as err:
        I.load_image("lena")
    message = str(err.value)
    assert "'lena'" in message
    for name in NAMES:
        assert repr(name) in message


def test_bad_arguments_raise():
    with pytest.raises(TypeError, match="name"):
        I.load_image(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="gray"):
        I.load_image("camera", gray="yes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="name"):
        I.image_path(None)  # type: ignore[arg-type]


def test_credits_mention_every_file_with_a_licence():
    credits = (IMAGES / "CREDITS.md").read_text(encoding="utf-8")
    rows = {}
    for line in credits.splitlines():
        match = re.match(r"\| `([^`]+)` \|", line)
        if match:
            rows[match.group(1)] = line
    assert set(rows) == {p.name for p in PHOTO_FILES}
    for name, row in rows.items():
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert len(cells) == 6 and all(cells), f"{name}: every column filled"
        assert "CC0" in cells[4] or "public domain" in cells[4], name


def test_package_data_link_points_at_images():
    """convkit/data is the package's view of images/ (a link in a checkout)."""
    data = REPO / "convkit" / "data"
    assert data.is_symlink()
    assert data.resolve() == IMAGES.resolve()
    assert I.images_dir() == data
    assert (data / "CREDITS.md").is_file()


def test_images_dir_falls_back_to_the_course_root(monkeypatch, tmp_path):
    monkeypatch.setattr(I, "_PACKAGE", tmp_path / "site-packages" / "convkit")
    monkeypatch.setenv("CONVKIT_COURSE_ROOT", str(REPO))
    assert I.images_dir() == REPO / "images"
    assert I.load_image("camera").shape == (512, 512)
    monkeypatch.setenv("CONVKIT_COURSE_ROOT", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="photos"):
        I.list_images()


# --- to_gray ---------------------------------------------------------------------------------


def test_to_gray_rounds_exact_halves_up():
    # 0.114 * 250 = 28.5 exactly: rounds up to 29 (np.rint would give 28, and a float sum
    # can land either side of the half)
    np.testing.assert_array_equal(I.to_gray(np.array([[[0, 0, 250]]], np.uint8)), [[29]])
    # 0.114 * 5 = 0.57 -> 1
    np.testing.assert_array_equal(I.to_gray(np.array([[[0, 0, 5]]], np.uint8)), [[1]])
    # a grey pixel (R = G = B = v) keeps its value v
    values = np.arange(256, dtype=np.uint8)
    np.testing.assert_array_equal(I.to_gray(np.stack([values] * 3, axis=-1)[None]), values[None])


def test_to_gray_values_and_validation():
    rgb = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255], [0, 0, 0]]], np.uint8)
    before = rgb.copy()
    np.testing.assert_array_equal(I.to_gray(rgb), [[76, 150, 29, 255, 0]])
    np.testing.assert_array_equal(rgb, before)
    grey = np.arange(6, dtype=np.uint8).reshape(2, 3)
    out = I.to_gray(grey)
    np.testing.assert_array_equal(out, grey)
    assert out is not grey
    with pytest.raises(TypeError, match="image"):
        I.to_gray(rgb.astype(float))
    with pytest.raises(ValueError, match="image"):
        I.to_gray(np.zeros((2, 2, 4), np.uint8))
    with pytest.raises(ValueError, match="image"):
        I.to_gray(np.zeros(5, np.uint8))


# --- synthetic patterns ----------------------------------------------------------------------


def test_impulse():
    im = I.impulse()
    assert im.shape == (7, 7) and im.dtype == np.uint8
    assert im[3, 3] == 255 and im.sum() == 255
    unit = I.impulse((4, 6), dtype=np.float64)
    assert unit.dtype == np.float64 and unit[2, 3] == 1.0 and unit.sum() == 1.0


def test_impulse_response_draws_the_kernel():
    unit = I.impulse(7, dtype=np.float64)
    np.testing.assert_array_equal(convolve2d(unit, SOBEL_X, mode="same")[2:5, 2:5], SOBEL_X)
    # without the flip (im_conv, cv2.filter2D) the kernel comes out rotated by 180 degrees
    np.testing.assert_array_equal(
        correlate2d(unit, SOBEL_X, mode="same")[2:5, 2:5], SOBEL_X[::-1, ::-1]
    )


def test_step_edge_orientations():
    vertical = I.step_edge((3, 5))
    np.testing.assert_array_equal(vertical, [[0, 0, 255, 255, 255]] * 3)
    horizontal = I.step_edge((5, 2), orientation="horizontal", dtype=np.float64)
    np.testing.assert_array_equal(horizontal, [[0, 0]] * 2 + [[1, 1]] * 3)
    diagonal = I.step_edge(4, orientation="diagonal")
    rows, cols = np.indices((4, 4))
    np.testing.assert_array_equal(diagonal, np.where(cols > rows, 255, 0))
    assert I.step_edge().shape == (64, 64)
    with pytest.raises(ValueError, match="orientation"):
        I.step_edge(8, orientation="slanted")  # type: ignore[arg-type]


def test_checkerboard():
    board = I.checkerboard(6, square=2)
    expected = np.array(
        [
            [0, 0, 1, 1, 0, 0],
            [0, 0, 1, 1, 0, 0],
            [1, 1, 0, 0, 1, 1],
            [1, 1, 0, 0, 1, 1],
            [0, 0, 1, 1, 0, 0],
            [0, 0, 1, 1, 0, 0],
        ]
    )
    np.testing.assert_array_equal(board, expected * 255)
    assert I.checkerboard((5, 7), square=3).shape == (5, 7)
    default = I.checkerboard()
    assert default.shape == (64, 64) and (default == 255).mean() == 0.5
    with pytest.raises(ValueError, match="square"):
        I.checkerboard(8, square=0)
    with pytest.raises(TypeError, match="square"):
        I.checkerboard(8, square=2.5)  # type: ignore[arg-type]


def test_white_square():
    im = I.white_square(6, square=2, dtype=np.float64)
    expected = np.zeros((6, 6))
    expected[2:4, 2:4] = 1
    np.testing.assert_array_equal(im, expected)
    default = I.white_square((40, 60))
    rows, cols = np.nonzero(default)
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (10, 29, 20, 39)
    assert I.white_square(5, square=5).min() == 255
    with pytest.raises(ValueError, match="square"):
        I.white_square(6, square=7)
    with pytest.raises(ValueError, match="square"):
        I.white_square(6, square=0)


@pytest.mark.parametrize("make", [I.impulse, I.step_edge, I.checkerboard, I.white_square])
def test_patterns_validate_size_and_dtype(make):
    for size in (0, -2, (3, 0), (3,), (3, 4, 5)):
        with pytest.raises(ValueError, match="^size must be a"):
            make(size)
    for size in (2.0, "8", True, (2.0, 3), None):
        with pytest.raises(TypeError, match="^size must be a"):
            make(size)
    for dtype in (np.int32, np.float32, "uint16", "no such type"):
        with pytest.raises(ValueError, match="dtype"):
            make(8, dtype=dtype)
    assert make((9, 13), dtype="float64").shape == (9, 13)
    assert make(np.int64(9)).shape == (9, 9)
    # the values are black and white only
    assert set(np.unique(make(16))) <= {0, 255}
