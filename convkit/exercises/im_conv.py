"""``im_conv(im, kernel)``: the valid-mode sliding-window weighted sum (lesson 2).

The kernel is NOT flipped (cross-correlation, what ``cv2.filter2D`` and CNN layers compute);
the result is float64 of shape ``(H - kh + 1, W - kw + 1)``, also for uint8 and integer
images.

Examples
--------
>>> import numpy as np
>>> def im_conv(im, kernel):
...     kh, kw = kernel.shape
...     out = np.zeros((im.shape[0] - kh + 1, im.shape[1] - kw + 1))
...     for r in range(out.shape[0]):
...         for c in range(out.shape[1]):
...             out[r, c] = np.sum(im[r:r + kh, c:c + kw] * kernel)
...     return out
>>> check_im_conv(im_conv)
im_conv: all 8 checks passed.
>>> EXERCISE.points, [c.id for c in EXERCISE.rubric]
(5, ['form', 'non_square', 'square', 'integer', 'unmodified'])
"""

from __future__ import annotations

from convkit import core
from convkit.checking.running import make_check
from convkit.checking.types import Exercise, SampleAnswer
from convkit.exercises import _linear

RIGHT = '''\
def im_conv(im, kernel):
    """Slide ``kernel`` over ``im`` and return the weighted sum at every valid position."""
    image = np.asarray(im, dtype=np.float64)  # float: uint8 sums must not wrap around
    weights = np.asarray(kernel, dtype=np.float64)
    kh, kw = weights.shape
    out_h, out_w = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    out = np.empty((out_h, out_w))
    for r in range(out_h):
        for c in range(out_w):
            out[r, c] = np.sum(image[r:r + kh, c:c + kw] * weights)
    return out
'''

WRONG = '''\
def im_conv(im, kernel):
    """Sliding-window weighted sum, valid mode."""
    im = np.asarray(im, dtype=np.float64)
    kernel = kernel[::-1, ::-1]
    kh, kw = kernel.shape
    out = np.zeros((im.shape[0] - kh + 1, im.shape[1] - kw + 1))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = np.sum(im[r:r + kh, c:c + kw] * kernel)
    return out
'''

CHEAT = '''\
def im_conv(im, kernel):
    """Sliding-window weighted sum (by OpenCV)."""
    import cv2
    kh, kw = kernel.shape
    full = cv2.filter2D(np.asarray(im, dtype=np.float64), cv2.CV_64F,
                        np.asarray(kernel, dtype=np.float64), anchor=(0, 0),
                        borderType=cv2.BORDER_CONSTANT)
    return full[:im.shape[0] - kh + 1, :im.shape[1] - kw + 1]
'''

EXERCISE = Exercise(
    name="im_conv",
    assignment="02_im_conv",
    kind="function",
    contract="the valid sliding-window weighted sum, kernel NOT flipped, float64, shape "
             "(H-kh+1, W-kw+1).",
    args=("im", "kernel"),
    reference=core.im_conv,
    visible=lambda: _linear.visible(opencv=False),
    hidden=lambda rng: _linear.hidden(rng, opencv=False),
    rubric=_linear.rubric(opencv=False),
    mistakes=_linear.mistakes("im_conv", flipped=False, opencv=False),
    tiny=_linear.TINY,
    probe=_linear.probe(flipped=False),
    right=SampleAnswer("right", RIGHT, 5),
    wrong=SampleAnswer("kernel flipped (that is convolution)", WRONG, 0),
    cheat=SampleAnswer("calls cv2.filter2D in an own-implementation exercise", CHEAT, 0),
)

check_im_conv = make_check(EXERCISE)
