"""``opencv_im_conv(im, kernel)``: ``im_conv``'s result computed with ``cv2.filter2D`` (lesson 5).

A float depth (``cv2.CV_64F``), ``BORDER_CONSTANT``, and the border cropped away with the
anchor in mind: exactly the valid-mode sliding-window weighted sum, for uint8 and float
images, odd and even kernel sizes. OpenCV is allowed here, SciPy and convkit are not.

Examples
--------
>>> import cv2
>>> import numpy as np
>>> def opencv_im_conv(im, kernel):
...     kh, kw = kernel.shape
...     out = cv2.filter2D(im.astype(np.float64), cv2.CV_64F, kernel.astype(np.float64),
...                        anchor=(0, 0), borderType=cv2.BORDER_CONSTANT)
...     return out[:im.shape[0] - kh + 1, :im.shape[1] - kw + 1]
>>> check_opencv_im_conv(opencv_im_conv)
opencv_im_conv: all 6 checks passed.
"""

from __future__ import annotations

from convkit import core
from convkit.checking.running import make_check
from convkit.checking.types import Exercise, SampleAnswer
from convkit.exercises import _linear

RIGHT = '''\
def opencv_im_conv(im, kernel):
    """Return im_conv(im, kernel), valid-mode correlation as float64, with cv2.filter2D."""
    im = np.asarray(im, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    kh, kw = kernel.shape
    same = cv2.filter2D(im, cv2.CV_64F, kernel, borderType=cv2.BORDER_CONSTANT)
    top, left = kh // 2, kw // 2  # the anchor: the kernel's centre, rounded down
    return same[top : top + im.shape[0] - kh + 1, left : left + im.shape[1] - kw + 1]
'''

WRONG = '''\
def opencv_im_conv(im, kernel):
    """im_conv with cv2.filter2D."""
    import cv2
    kh, kw = kernel.shape
    full = cv2.filter2D(im, -1, kernel, anchor=(0, 0), borderType=cv2.BORDER_CONSTANT)
    return full[:im.shape[0] - kh + 1, :im.shape[1] - kw + 1]
'''

EXERCISE = Exercise(
    name="opencv_im_conv",
    assignment="05_opencv",
    kind="function",
    contract="exactly im_conv's result, computed with cv2.filter2D (float depth, "
             "BORDER_CONSTANT, cropped to the valid part).",
    args=("im", "kernel"),
    reference=core.im_conv,
    visible=lambda: _linear.visible(opencv=True),
    hidden=lambda rng: _linear.hidden(rng, opencv=True),
    rubric=_linear.rubric(opencv=True),
    mistakes=_linear.mistakes("opencv_im_conv", flipped=False, opencv=True),
    tiny=_linear.TINY,
    allowed_modules=("cv2",),
    probe=_linear.probe(flipped=False),
    right=SampleAnswer("right", RIGHT, 4),
    wrong=SampleAnswer("ddepth=-1 keeps uint8 and clips at 255", WRONG, 3),
    cheat=SampleAnswer("edited the locked test cell", RIGHT, 0),
    options={"cheat_edit": "source"},
)

check_opencv_im_conv = make_check(EXERCISE)
