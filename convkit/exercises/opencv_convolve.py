"""``opencv_convolve(im, kernel)``: ``convolve``'s result with ``cv2.filter2D`` (lesson 5).

``filter2D`` computes correlation: flip the kernel first (both ways), then proceed as for
``opencv_im_conv``. OpenCV is allowed here, SciPy and convkit are not.

Examples
--------
>>> import cv2
>>> import numpy as np
>>> def opencv_convolve(im, kernel):
...     kh, kw = kernel.shape
...     k = np.ascontiguousarray(kernel[::-1, ::-1], dtype=np.float64)
...     out = cv2.filter2D(im.astype(np.float64), cv2.CV_64F, k,
...                        anchor=(0, 0), borderType=cv2.BORDER_CONSTANT)
...     return out[:im.shape[0] - kh + 1, :im.shape[1] - kw + 1]
>>> check_opencv_convolve(opencv_convolve)
opencv_convolve: all 6 checks passed.
"""

from __future__ import annotations

from convkit import core
from convkit.checking.running import make_check
from convkit.checking.types import Criterion, Exercise, SampleAnswer
from convkit.exercises import _linear

RIGHT = '''\
def opencv_convolve(im, kernel):
    """Return convolve(im, kernel), true convolution in valid mode (float64), with filter2D."""
    im = np.asarray(im, dtype=np.float64)
    flipped = np.ascontiguousarray(np.asarray(kernel, dtype=np.float64)[::-1, ::-1])
    kh, kw = flipped.shape
    same = cv2.filter2D(im, cv2.CV_64F, flipped, borderType=cv2.BORDER_CONSTANT)
    top, left = kh // 2, kw // 2
    return same[top : top + im.shape[0] - kh + 1, left : left + im.shape[1] - kw + 1]
'''

WRONG = '''\
def opencv_convolve(im, kernel):
    """True convolution with cv2.filter2D."""
    import cv2
    kh, kw = kernel.shape
    im = np.asarray(im, dtype=np.float64)
    full = cv2.filter2D(im, cv2.CV_64F, np.asarray(kernel, dtype=np.float64), anchor=(0, 0),
                        borderType=cv2.BORDER_CONSTANT)
    return full[:im.shape[0] - kh + 1, :im.shape[1] - kw + 1]
'''

#: opencv_convolve's rubric is smaller: the uint8 case counts with the odd kernels
_MERGED = {_linear.INTEGER: _linear.NONSQUARE}

EXERCISE = Exercise(
    name="opencv_convolve",
    assignment="05_opencv",
    kind="function",
    contract="exactly convolve's result, computed with cv2.filter2D on the flipped kernel.",
    args=("im", "kernel"),
    reference=core.convolve,
    visible=lambda: _linear.remap(_linear.visible(opencv=True), _MERGED),
    hidden=lambda rng: _linear.remap(_linear.hidden(rng, opencv=True), _MERGED),
    rubric=(
        Criterion(_linear.NONSQUARE, "odd-sized kernels flipped both ways, a uint8 image", 1),
        Criterion(_linear.EVEN, "even-sized and non-square kernels (the anchor and the crop)",
                  1),
        Criterion(_linear.UNMODIFIED, "inputs left unmodified", 1, "unmodified"),
    ),
    mistakes=_linear.mistakes("opencv_convolve", flipped=True, opencv=True),
    tiny=_linear.TINY,
    allowed_modules=("cv2",),
    probe=_linear.probe(flipped=True),
    right=SampleAnswer("right", RIGHT, 3),
    wrong=SampleAnswer("kernel not flipped", WRONG, 0),
    cheat=SampleAnswer("changed the test cell's points to 100", RIGHT, 0),
    options={"order": 1, "cheat_edit": "points"},
)

check_opencv_convolve = make_check(EXERCISE)
