"""``convolve(im, kernel)``: true convolution in valid mode (lesson 3).

``im_conv(im, flip_kernel(kernel))``: the kernel flipped left-right and up-down, then the
sliding-window weighted sum; equals ``scipy.signal.convolve2d(im, kernel, mode="valid")``.
The lesson gives the student ``im_conv`` (:data:`GIVEN`).

Examples
--------
>>> import numpy as np
>>> def convolve(im, kernel):
...     k = kernel[::-1, ::-1]
...     kh, kw = k.shape
...     out = np.zeros((im.shape[0] - kh + 1, im.shape[1] - kw + 1))
...     for r in range(out.shape[0]):
...         for c in range(out.shape[1]):
...             out[r, c] = np.sum(im[r:r + kh, c:c + kw] * k)
...     return out
>>> check_convolve(convolve)
convolve: all 8 checks passed.
"""

from __future__ import annotations

from convkit import core
from convkit.checking.running import make_check
from convkit.checking.types import Criterion, Exercise, SampleAnswer
from convkit.exercises import _cases, _linear

#: what lesson 3's notebook gives the student: lesson 2's im_conv (plain NumPy)
GIVEN = _cases.GIVEN_IM_CONV

RIGHT = '''\
def convolve(im, kernel):
    """True convolution in valid mode: ``im_conv`` with the kernel flipped."""
    return im_conv(im, flip_kernel(kernel))
'''

WRONG = '''\
def convolve(im, kernel):
    """True convolution, valid mode."""
    return im_conv(im, kernel)
'''

CHEAT = '''\
def convolve(im, kernel):
    """True convolution (by SciPy)."""
    from scipy.signal import convolve2d
    return convolve2d(im, kernel, mode="valid")
'''

#: convolve's rubric is smaller: integer images count with the square kernels
_MERGED = {_linear.INTEGER: _linear.SQUARE}

EXERCISE = Exercise(
    name="convolve",
    assignment="03_kernel_flipping",
    kind="function",
    contract="true convolution in valid mode (the kernel flipped, then the sliding-window "
             "weighted sum), float64.",
    args=("im", "kernel"),
    reference=core.convolve,
    visible=lambda: _linear.remap(_linear.visible(opencv=False, flipped=True), _MERGED),
    hidden=lambda rng: _linear.remap(_linear.hidden(rng, opencv=False), _MERGED),
    rubric=(
        Criterion(_linear.NONSQUARE, "non-square images and kernels, flipped both ways", 1),
        Criterion(_linear.SQUARE, "square and 1x1 kernels, integer and uint8 images", 1),
        Criterion(_linear.UNMODIFIED, "inputs left unmodified", 1, "unmodified"),
    ),
    mistakes=_linear.mistakes("convolve", flipped=True, opencv=False),
    tiny=_linear.TINY,
    given_source=GIVEN,
    probe=_linear.probe(flipped=True),
    right=SampleAnswer("right", RIGHT, 3),
    wrong=SampleAnswer("kernel not flipped", WRONG, 0),
    cheat=SampleAnswer("calls SciPy in an own-implementation exercise", CHEAT, 0),
    options={"order": 1},
)

check_convolve = make_check(EXERCISE)
