"""convkit demo: the comparison figure and the command that writes it."""

from __future__ import annotations

import subprocess
import sys

import cv2
import matplotlib
import numpy as np
import pytest

from convkit import demo
from convkit.cli import main
from convkit.core import apply_per_channel, im_conv
from convkit.display import to_display
from convkit.images import load_image
from convkit.kernels import SHARPEN, SOBEL_X, gaussian

matplotlib.use("Agg")


def read_png(path):
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert image is not None
    return image


def test_demo_figure_panels_are_titled_and_computed_by_the_course_code():
    fig = demo.demo_figure("chelsea")
    panels = [ax for ax in fig.axes if ax.images]
    assert len(panels) == 6
    assert all(ax.get_title().strip() for ax in panels)
    assert "chelsea" in fig.get_suptitle()
    titles = [ax.get_title() for ax in panels]
    assert titles[0].startswith("Original") and "blur" in titles[1] and "Sharpen" in titles[2]
    assert "Sobel" in titles[3] and "magnitude" in titles[4] and "Laplacian" in titles[5]
    photo = load_image("chelsea", gray=False)
    np.testing.assert_array_equal(panels[0].images[0].get_array(), photo)
    blurred = to_display(apply_per_channel(im_conv, photo, gaussian(9, 2.0)), "clip")
    np.testing.assert_array_equal(panels[1].images[0].get_array(), blurred)
    sharpened = to_display(apply_per_channel(im_conv, photo, SHARPEN), "clip")
    np.testing.assert_array_equal(panels[2].images[0].get_array(), sharpened)
    grey = load_image("chelsea").astype(float)
    gx = im_conv(grey, SOBEL_X)
    sobel = panels[3].images[0]
    np.testing.assert_array_equal(sobel.get_array(), gx)
    low, high = sobel.get_clim()
    assert low == -high > -np.abs(gx).max()  # centred on 0, saturating the strongest edges


def test_demo_figure_grey_photo():
    fig = demo.demo_figure("camera")
    original = [ax for ax in fig.axes if ax.images][0].images[0]
    assert original.get_array().shape == (512, 512)
    with pytest.raises(ValueError, match="camera"):
        demo.demo_figure("no such photo")


def test_demo_command_writes_a_png(tmp_path, capsys):
    out = tmp_path / "new" / "folder"
    assert main(["demo", "--out", str(out), "--image", "camera"]) == 0
    path = out / "demo.png"
    assert capsys.readouterr().out.strip() == str(path)
    image = read_png(path)
    height, width = image.shape[:2]
    assert width > 1000 and height > 600
    assert image.std() > 30, "the picture is not blank"


def test_demo_command_unknown_image(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "--image", "lena"]) == 2
    err = capsys.readouterr().err
    assert "'lena'" in err and "chelsea" in err and "camera" in err
    assert not (tmp_path / "demo.png").exists()


def test_demo_command_unwritable_out(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert main(["demo", "--out", str(blocker)]) == 1
    assert "cannot write" in capsys.readouterr().err


def test_demo_console_entry_point(tmp_path):
    """The real command, in a fresh process, from an unrelated folder."""
    result = subprocess.run(
        [sys.executable, "-m", "convkit", "demo", "--out", "out"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={"MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "out/demo.png"
    read_png(tmp_path / "out" / "demo.png")
