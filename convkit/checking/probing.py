"""What a linear filter really computes: probing a student's function with impulses.

A function ``f(im, kernel)`` meant to be a sliding-window weighted sum is called on a few
structured inputs (:func:`probe_cases`): an impulse (one 1 in zeros), the same impulse
shifted, two random images and a combination of them, and a uint8 image near 255. From the
results :func:`analyse` reads, whatever the mistake:

* the output shape and the mode it implies (valid, same, full, transposed, one short...);
* whether the function is linear and shift-invariant;
* the kernel it actually applies, recovered from the impulse response, compared with the
  kernel, flipped, transposed, shifted and scaled;
* the offset of its window;
* where it saturates at 255 or wraps around past it.

Nothing here names an exercise: a :class:`LinearProbe` says only whether the right answer
applies the kernel as given or flipped.

Examples
--------
>>> import numpy as np
>>> probe = LinearProbe(flipped=False)
>>> cases = probe_cases(probe)
>>> def flipped(im, k):  # applies the kernel rotated by 180 degrees
...     return correlate(im, k[::-1, ::-1])
>>> report = analyse(probe, [flipped(*c.args) for c in cases])
>>> report.relation
'the kernel flipped, i.e. rotated by 180 degrees'
>>> print(report.applies_line())
your function applies [[6, 5, 4], [3, 2, 1]] where [[1, 2, 3], [4, 5, 6]] was expected
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from convkit.checking.comparing import close, inline, numeric
from convkit.checking.models import correlate, wrapped_around
from convkit.checking.types import Case

__all__ = ["LinearProbe", "ProbeReport", "analyse", "probe_cases"]

_H, _W = 9, 11  #: the probe image's shape
_AT = (4, 5)  #: where the impulse is
_SHIFT = (1, 2)  #: how far the second impulse is moved
KERNEL = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])  #: distinct, non-zero, non-square
_U8_KERNEL = np.array([[1.0, 2.0, 1.0], [1.0, 3.0, 1.0]])


@dataclass(frozen=True)
class LinearProbe:
    """What the right answer applies: the kernel as given, or flipped (convolution)."""

    flipped: bool = False

    def expected_kernel(self, kernel: np.ndarray) -> np.ndarray:
        """The kernel the right answer slides over the image (unflipped)."""
        k = np.asarray(kernel, dtype=np.float64)
        return k[::-1, ::-1] if self.flipped else k

    def right(self, im: np.ndarray, kernel: np.ndarray) -> np.ndarray:
        return correlate(im, self.expected_kernel(kernel))


def _impulse(at: tuple[int, int]) -> np.ndarray:
    im = np.zeros((_H, _W))
    im[at] = 1.0
    return im


def probe_cases(probe: LinearProbe) -> list[Case]:
    """The probing inputs: impulse, shifted impulse, x, y, 2x - 3y, uint8 near 255."""
    if not isinstance(probe, LinearProbe):
        raise TypeError(f"probe must be a LinearProbe; got {type(probe).__name__}")
    rng = np.random.default_rng(7)
    x = rng.integers(0, 10, (_H, _W)).astype(np.float64)
    y = rng.integers(0, 10, (_H, _W)).astype(np.float64)
    u8 = (200 + (np.arange(_H * _W).reshape(_H, _W) * 7) % 56).astype(np.uint8)
    shifted = (_AT[0] + _SHIFT[0], _AT[1] + _SHIFT[1])
    return [
        Case(f"probe: an impulse at {_AT} in a {_H}x{_W} image", (_impulse(_AT), KERNEL),
             probe=True),
        Case(f"probe: an impulse at {shifted}", (_impulse(shifted), KERNEL), probe=True),
        Case("probe: an image x", (x, KERNEL), probe=True),
        Case("probe: an image y", (y, KERNEL), probe=True),
        Case("probe: 2 x - 3 y", (2 * x - 3 * y, KERNEL), probe=True),
        Case("probe: a uint8 image near 255", (u8, _U8_KERNEL), probe=True),
    ]


@dataclass
class ProbeReport:
    """What probing found (None where it could not tell)."""

    image_shape: tuple[int, int]
    kernel_shape: tuple[int, int]
    expected_kernel: np.ndarray
    shape: tuple[int, ...] | None = None
    mode: str | None = None
    transposed_output: bool = False
    linear: bool | None = None
    shift_invariant: bool | None = None
    applied: np.ndarray | None = None
    relation: str | None = None
    offset: tuple[int, int] | None = None
    saturation: str | None = None
    flattened: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def right(self) -> bool:
        return self.relation == "the right kernel" and self.offset in (None, (0, 0))

    def finding(self) -> tuple[str, str] | None:
        """(mistake id, a headline) for the clearest thing probing found, or None."""
        if self.flattened:
            return "flattened", "the image was flattened (rows wrap around)."
        if self.transposed_output:
            return "transposed", "rows and columns are swapped."
        if self.linear is False:
            return "not_linear", ("your function is not linear: doubling the image does not "
                                  "double the result.")
        if self.relation and self.relation != "the right kernel":
            return "applies_other_kernel", f"your function applies {self.relation}."
        if self.offset not in (None, (0, 0)):
            dr, dc = self.offset
            return "window_offset", (f"your window is shifted: out[r, c] uses the window "
                                     f"starting at {_start(dr, dc)}.")
        if self.mode and self.mode != "valid mode":
            return "wrong_mode", f"your output has {self.mode.split(' (')[0]}."
        if self.saturation:
            return "uint8", "uint8 results: " + self.saturation.split(": ")[0].replace(
                "on a uint8 image it ", "it ") + "."
        return None

    def applies_line(self) -> str:
        """``your function applies [[...]] where [[...]] was expected``."""
        if self.applied is None:
            return ""
        return (f"your function applies {inline(self.applied)} where "
                f"{inline(self.expected_kernel)} was expected")

    def lines(self) -> list[str]:
        """The report for a message, one finding per line."""
        out = []
        if self.shape is not None:
            (h, w), (kh, kw) = self.image_shape, self.kernel_shape
            valid = (h - kh + 1, w - kw + 1)
            what = f": {self.mode}" if self.mode else ""
            if self.mode != "valid mode":
                what += f" (valid mode is {valid})"
            out.append(f"  output shape {self.shape} for a {h}x{w} image and a {kh}x{kw} "
                       f"kernel{what}")
        if self.flattened:
            out.append("  it treats the image as one long row (flattened): windows wrap from "
                       "the end of one row to the start of the next")
        if self.linear is not None or self.shift_invariant is not None:
            def yes(v: bool | None) -> str:
                return "?" if v is None else ("yes" if v else "no")
            out.append(f"  linear: {yes(self.linear)}; shift-invariant: "
                       f"{yes(self.shift_invariant)}")
        if self.applied is not None:
            relation = f" ({self.relation})" if self.relation else ""
            out.append(f"  {self.applies_line()}{relation}")
        if self.offset is not None and self.offset != (0, 0):
            dr, dc = self.offset
            out.append(f"  its window is offset by {dr} row(s) and {dc} column(s): out[r, c] "
                       f"holds the window that starts at {_start(dr, dc)}, not at im[r, c]")
        if self.saturation:
            out.append(f"  {self.saturation}")
        out += [f"  {note}" for note in self.notes]
        return out

    def text(self) -> str:
        lines = self.lines()
        if not lines:
            return ""
        (h, w), k = self.image_shape, inline(KERNEL)
        return (f"What your function computes (probed with a {h}x{w} image holding one bright "
                f"pixel, and the kernel {k}):\n" + "\n".join(lines))


def _start(dr: int, dc: int) -> str:
    """``im[r+1, c+1]`` for an offset of (-1, -1)."""
    def one(axis: str, d: int) -> str:
        return axis if d == 0 else f"{axis}{-d:+d}"
    return f"im[{one('r', dr)}, {one('c', dc)}]"


def _mode(shape: tuple[int, ...], im: tuple[int, int], k: tuple[int, int]) -> str | None:
    (h, w), (kh, kw) = im, k
    known = {(h - kh + 1, w - kw + 1): "valid mode", (h, w): "same mode (the image's size)",
             (h + kh - 1, w + kw - 1): "full mode",
             (h - kh, w - kw): "one row and one column fewer than valid mode",
             (h - kh + 2, w - kw + 2): "one row and one column more than valid mode",
             (h - kh, w - kw + 1): "one row fewer than valid mode",
             (h - kh + 1, w - kw): "one column fewer than valid mode"}
    if len(shape) == 2 and (shape[0], shape[1]) in known:
        return known[(shape[0], shape[1])]
    if len(shape) == 2 and (shape[1], shape[0]) in known:
        return known[(shape[1], shape[0])] + ", with rows and columns swapped"
    if len(shape) == 1:
        return "a 1-D array"
    return None


def _top_left(mode: str | None, k: tuple[int, int]) -> tuple[int, int]:
    """Where an impulse at (0, 0)'s response would start, for the implied mode."""
    kh, kw = k
    if mode and mode.startswith("same"):
        return (-(kh - 1) + kh // 2, -(kw - 1) + kw // 2)
    if mode and mode.startswith("full"):
        return (0, 0)
    return (-(kh - 1), -(kw - 1))


def _relation(applied: np.ndarray, given: np.ndarray, expected: np.ndarray) -> str | None:
    named = [(expected, "the right kernel"), (given, "the kernel as given, not flipped"),
             (given[::-1, ::-1], "the kernel flipped, i.e. rotated by 180 degrees"),
             (given[:, ::-1], "the kernel flipped left-right only"),
             (given[::-1, :], "the kernel flipped up-down only"),
             (given.T, "the kernel transposed"),
             (given[::-1, ::-1].T, "the kernel flipped and transposed")]
    seen = set()
    for candidate, words in named:
        key = candidate.tobytes() + bytes(str(candidate.shape), "ascii")
        if key in seen:
            continue
        seen.add(key)
        if candidate.shape == applied.shape and close(applied, candidate):
            return words
    for candidate, words in named:
        if candidate.shape == applied.shape:
            ratio = applied.ravel() / candidate.ravel()
            if np.allclose(ratio, ratio[0]) and abs(ratio[0]) > 1e-12:
                return f"{words}, scaled by {ratio[0]:.4g}"
    for candidate, _words in named[:1]:
        h, w = applied.shape
        for r in range(candidate.shape[0] - h + 1):
            for c in range(candidate.shape[1] - w + 1):
                if (h, w) != candidate.shape and close(applied, candidate[r:r + h, c:c + w]):
                    return ("only part of the kernel: rows "
                            f"{r}..{r + h - 1}, columns {c}..{c + w - 1} of it are used")
    return None


def analyse(probe: LinearProbe, results: Sequence[Any]) -> ProbeReport:
    """Read what the function computes from its results on :func:`probe_cases`.

    Parameters
    ----------
    probe : LinearProbe
    results : sequence
        The function's return value on each probe case, in order (None where it raised).
    """
    cases = probe_cases(probe)
    if len(results) != len(cases):
        raise ValueError(f"results must hold {len(cases)} values; got {len(results)}")
    expected_k = probe.expected_kernel(KERNEL)
    report = ProbeReport((_H, _W), KERNEL.shape, expected_k)
    impulse, shifted, x, y, combo, u8 = results
    if not numeric(impulse):
        return report
    report.shape = tuple(impulse.shape)
    report.mode = _mode(report.shape, (_H, _W), KERNEL.shape)
    response = impulse.astype(np.float64)
    if response.ndim == 1:
        flat = response[np.abs(response) > 1e-9]
        kflat = expected_k.ravel()
        report.flattened = bool(flat.size == kflat.size and (
            np.allclose(flat, kflat) or np.allclose(flat, kflat[::-1])))
        return report
    if response.ndim != 2:
        return report
    if (report.mode or "").endswith("swapped"):
        report.transposed_output = True
        response = response.T
    if all(numeric(v) and v.shape == impulse.shape for v in (x, y, combo)):
        report.linear = close(combo.astype(np.float64),
                              2 * x.astype(np.float64) - 3 * y.astype(np.float64))
    if numeric(shifted) and shifted.shape == impulse.shape:
        moved = np.zeros_like(response)
        dr, dc = _SHIFT
        moved[dr:, dc:] = response[:-dr, :-dc]
        other = shifted.astype(np.float64)
        report.shift_invariant = close(other.T if report.transposed_output else other, moved)
    support = np.argwhere(np.abs(response) > 1e-9)
    if not support.size:
        report.notes.append("for an impulse it returns only zeros")
        return report
    (r0, c0), (r1, c1) = support.min(axis=0), support.max(axis=0)
    applied = response[r0:r1 + 1, c0:c1 + 1][::-1, ::-1]
    if applied.size > 4 * expected_k.size:
        report.notes.append("its response to one bright pixel is spread far wider than the "
                            "kernel")
        return report
    report.applied = applied
    report.relation = _relation(applied, KERNEL, expected_k)
    tr, tc = _top_left(report.mode, KERNEL.shape)
    if applied.shape == expected_k.shape:
        report.offset = (int(r0 - (_AT[0] + tr)), int(c0 - (_AT[1] + tc)))
        if report.relation and report.relation.endswith("transposed"):
            report.offset = None
    if numeric(u8) and report.linear:
        right = probe.right(*cases[5].args)
        if u8.shape == right.shape and not close(u8, right):
            over = np.argwhere(right > 255)
            where = tuple(int(i) for i in over[0]) if over.size else None
            got = u8.astype(np.float64)
            if wrapped_around(got, right) and where is not None:
                report.saturation = (f"on a uint8 image it wraps around past 255: at {where} "
                                     f"the sum is {right[where]:g}, yours {got[where]:g} "
                                     "(uint8 arithmetic)")
            elif where is not None and np.allclose(got, np.clip(np.rint(right), 0, 255),
                                                   atol=1.0):
                n = int((right > 255).sum())
                report.saturation = (f"on a uint8 image it saturates: {n} of {right.size} "
                                     f"sums are above 255 and come back as 255 (at {where}: "
                                     f"{right[where]:g} -> {got[where]:g})")
    return report
