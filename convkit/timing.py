"""How fast is a valid-mode correlation? A Python loop, vectorised NumPy and OpenCV, timed.

Lesson 5 compares three ways of computing the same sliding-window weighted sum (valid
mode, kernel not flipped, float64):

1. :func:`loop_correlate`: a Python loop over the output pixels (lesson 2's first version);
2. :func:`numpy_correlate`: a loop over the *kernel entries*, each adding a whole shifted
   image times one weight (``kh * kw`` array operations instead of ``oh * ow`` tiny ones);
3. :func:`opencv_correlate`: ``cv2.filter2D`` in optimised C++, with a float depth, zero
   border and the "same" result cropped to the valid part.

:func:`time_correlations` times all three on one image and returns a :class:`Timings`
(a table when printed, a bar chart from :meth:`Timings.figure`). The loop runs on a
crop only and its time is scaled per output pixel to the whole image (the work per output
pixel is the same), so the measurement stays well under a second.

Examples
--------
>>> import numpy as np
>>> im = np.arange(30.0).reshape(5, 6)
>>> k = np.array([[1.0, 0.0], [0.0, -1.0]])
>>> bool(np.allclose(loop_correlate(im, k), numpy_correlate(im, k)))
True
>>> bool(np.allclose(numpy_correlate(im, k), opencv_correlate(im, k)))
True
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from convkit._validate import as_image, as_int, as_kernel, check_fits

__all__ = ["Timings", "loop_correlate", "median_seconds", "numpy_correlate",
           "opencv_correlate", "time_correlations"]

LOOP, NUMPY, OPENCV = "Python loop", "vectorised NumPy", "OpenCV filter2D"


def _inputs(im: ArrayLike, kernel: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    arr, k = as_image(im), as_kernel(kernel)
    check_fits(arr.shape, k.shape)
    return arr, k


def loop_correlate(im: ArrayLike, kernel: ArrayLike) -> NDArray[np.float64]:
    """Valid-mode correlation with a Python loop over the output pixels (slow on purpose).

    Parameters
    ----------
    im : array_like
        Grey image ``(H, W)``.
    kernel : array_like
        2-D kernel ``(kh, kw)`` that fits inside ``im``.

    Returns
    -------
    numpy.ndarray
        float64, shape ``(H - kh + 1, W - kw + 1)``.

    Examples
    --------
    >>> loop_correlate(np.arange(9.0).reshape(3, 3), np.ones((2, 2)))
    array([[ 8., 12.],
           [20., 24.]])
    """
    arr, k = _inputs(im, kernel)
    kh, kw = k.shape
    out = np.zeros((arr.shape[0] - kh + 1, arr.shape[1] - kw + 1))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = np.sum(arr[r:r + kh, c:c + kw] * k)
    return out


def numpy_correlate(im: ArrayLike, kernel: ArrayLike) -> NDArray[np.float64]:
    """Valid-mode correlation vectorised: one whole-array multiply-add per kernel entry.

    Examples
    --------
    >>> numpy_correlate(np.arange(9.0).reshape(3, 3), np.ones((2, 2)))
    array([[ 8., 12.],
           [20., 24.]])
    """
    arr, k = _inputs(im, kernel)
    kh, kw = k.shape
    h, w = arr.shape[0] - kh + 1, arr.shape[1] - kw + 1
    out = np.zeros((h, w))
    for i in range(kh):
        for j in range(kw):
            out += k[i, j] * arr[i:i + h, j:j + w]
    return out


def opencv_correlate(im: ArrayLike, kernel: ArrayLike) -> NDArray[np.float64]:
    """Valid-mode correlation by ``cv2.filter2D`` (float depth, zero border, cropped).

    Examples
    --------
    >>> opencv_correlate(np.arange(9.0).reshape(3, 3), np.ones((2, 2)))
    array([[ 8., 12.],
           [20., 24.]])
    """
    import cv2

    arr, k = _inputs(im, kernel)
    kh, kw = k.shape
    same = cv2.filter2D(arr, cv2.CV_64F, k, borderType=cv2.BORDER_CONSTANT)
    top, left = kh // 2, kw // 2  # filter2D's anchor: the kernel's centre, rounded down
    return np.asarray(same[top:top + arr.shape[0] - kh + 1, left:left + arr.shape[1] - kw + 1])


def median_seconds(func: Callable[..., Any], *args: Any, repeat: int = 7) -> float:
    """The median wall-clock time of ``repeat`` calls ``func(*args)``, in seconds.

    Examples
    --------
    >>> median_seconds(sum, [1, 2, 3], repeat=3) < 1.0
    True
    >>> median_seconds(sum, [1], repeat=0)
    Traceback (most recent call last):
    ...
    ValueError: repeat must be a positive integer; got 0
    """
    if not callable(func):
        raise TypeError(f"func must be callable; got {type(func).__name__}")
    count = as_int(repeat, "repeat", minimum=1)
    times = []
    for _ in range(count):
        start = time.perf_counter()
        func(*args)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


@dataclass(frozen=True)
class Timings:
    """Milliseconds per implementation for one image and kernel.

    Attributes
    ----------
    ms : dict of str to float
        ``"Python loop"``, ``"vectorised NumPy"``, ``"OpenCV filter2D"`` -> milliseconds
        for the whole image (the loop's estimated from :attr:`loop_shape`).
    image_shape, kernel_shape, loop_shape : tuple of int
        The image, the kernel, and the crop the loop really ran on.
    """

    ms: dict[str, float]
    image_shape: tuple[int, int]
    kernel_shape: tuple[int, int]
    loop_shape: tuple[int, int]

    def speedups(self) -> dict[str, float]:
        """How many times slower than OpenCV each implementation is."""
        fastest = self.ms[OPENCV]
        return {name: ms / fastest for name, ms in self.ms.items()}

    def __str__(self) -> str:
        h, w = self.image_shape
        lines = [f"valid-mode {self.kernel_shape[0]}x{self.kernel_shape[1]} correlation of a "
                 f"{h} x {w} image"]
        for name, ms in self.ms.items():
            note = (f"  (estimated from {self.loop_shape[0]}x{self.loop_shape[1]})"
                    if name == LOOP and self.loop_shape != self.image_shape else "")
            lines.append(f"  {name:18s} {ms:10.2f} ms  {self.speedups()[name]:8.0f}x OpenCV"
                         f"{note}")
        return "\n".join(lines)

    def figure(self, title: str | None = None) -> Any:
        """A titled bar chart (log scale) of the three times: a :class:`CourseFigure`."""
        from convkit.display import CourseFigure

        fig = CourseFigure(figsize=(8, 3.8), layout="constrained")
        ax = fig.subplots()
        names = [f"{LOOP}\n(estimated from {self.loop_shape[0]}x{self.loop_shape[1]})"
                 if n == LOOP else n for n in self.ms]
        values = list(self.ms.values())
        bars = ax.bar(names, values, color=["tab:red", "tab:blue", "tab:green"][:len(values)])
        labels = [f"{ms:,.1f} ms" + (f" ({x:,.0f}x OpenCV)" if x > 1 else "")
                  for ms, x in zip(values, self.speedups().values(), strict=True)]
        ax.bar_label(bars, labels=labels)
        ax.set_yscale("log")
        ax.grid(axis="y", alpha=0.4)
        ax.set_axisbelow(True)
        ax.set_ylim(top=5 * max(values))
        h, w = self.image_shape
        ax.set_ylabel(f"time for one {h} x {w} image (ms, log scale)")
        kh, kw = self.kernel_shape
        ax.set_title(title or f"Valid-mode {kh}x{kw} correlation: loop vs NumPy vs OpenCV")
        return fig


def time_correlations(im: ArrayLike, kernel: ArrayLike, *, loop_crop: int = 128,
                      repeat: int = 7) -> Timings:
    """Time the loop, vectorised NumPy and OpenCV on ``im``; check they agree first.

    Parameters
    ----------
    im : array_like
        Grey image ``(H, W)``.
    kernel : array_like
        2-D kernel that fits inside ``im`` (and inside the loop's crop).
    loop_crop : int, optional
        The loop runs once on the top-left ``loop_crop x loop_crop`` crop; its time is
        scaled by the ratio of output pixels to the whole image.
    repeat : int, optional
        The fast implementations run ``repeat`` times; the median counts.

    Returns
    -------
    Timings

    Raises
    ------
    ValueError
        For a bad image or kernel, a crop smaller than the kernel, or implementations
        that disagree (which would make the timing meaningless).

    Examples
    --------
    >>> t = time_correlations(np.random.default_rng(0).random((40, 50)), np.ones((3, 3)),
    ...                       loop_crop=20, repeat=2)
    >>> list(t.ms), t.loop_shape, t.image_shape
    (['Python loop', 'vectorised NumPy', 'OpenCV filter2D'], (20, 20), (40, 50))
    >>> t.ms["Python loop"] > t.ms["OpenCV filter2D"]
    True
    """
    arr, k = _inputs(im, kernel)
    crop = as_int(loop_crop, "loop_crop", minimum=1)
    small = arr[:crop, :crop]
    if small.shape[0] < k.shape[0] or small.shape[1] < k.shape[1]:
        raise ValueError(f"loop_crop must be at least the kernel's size {k.shape}; got {crop}")
    numpy_result = numpy_correlate(arr, k)
    if not (np.allclose(loop_correlate(small, k), numpy_correlate(small, k))
            and np.allclose(numpy_result, opencv_correlate(arr, k))):
        raise ValueError("the three implementations disagree: nothing to time")  # pragma: no cover

    def outputs(shape: tuple[int, ...]) -> int:
        return (shape[0] - k.shape[0] + 1) * (shape[1] - k.shape[1] + 1)

    loop_ms = 1000 * median_seconds(loop_correlate, small, k, repeat=1)
    ms = {
        LOOP: loop_ms * outputs(arr.shape) / outputs(small.shape),
        NUMPY: 1000 * median_seconds(numpy_correlate, arr, k, repeat=repeat),
        OPENCV: 1000 * median_seconds(opencv_correlate, arr, k, repeat=repeat),
    }
    return Timings(ms, (int(arr.shape[0]), int(arr.shape[1])), (int(k.shape[0]),
                   int(k.shape[1])), (int(small.shape[0]), int(small.shape[1])))
