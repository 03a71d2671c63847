"""``sharpen_kernel(blur_kernel)``: ``2 * identity - blur_kernel`` (lesson 4).

The identity kernel has the blur kernel's shape and a single 1 at its centre
``(kh // 2, kw // 2)``: for an even side that is the lower of the two middle indices, and a
2 anywhere else (e.g. at ``((kh - 1) // 2, (kw - 1) // 2)``) is a mistake.

Examples
--------
>>> import numpy as np
>>> def sharpen_kernel(blur_kernel):
...     identity = np.zeros(blur_kernel.shape)
...     identity[blur_kernel.shape[0] // 2, blur_kernel.shape[1] // 2] = 1
...     return 2 * identity - blur_kernel
>>> check_sharpen_kernel(sharpen_kernel)
sharpen_kernel: all 7 checks passed.
"""

from __future__ import annotations

import numpy as np

from convkit.checking.running import make_check
from convkit.checking.types import Case, Criterion, Exercise, Mistake, SampleAnswer
from convkit.exercises._cases import blur

ODD, OTHER, UNMODIFIED = "odd", "other", "unmodified"
_BINOMIAL5 = np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1]) / 256.0


def _visible() -> list[Case]:
    return [
        Case("a 3x3 box blur kernel", (blur(3),), criteria=(ODD,)),
        Case("a 5x5 box blur kernel", (blur(5),), criteria=(ODD,)),
        Case("a 5x5 Gaussian (binomial) blur kernel", (_BINOMIAL5.copy(),), criteria=(ODD,)),
        Case("a 3x5 (non-square) blur kernel: its centre is (1, 2)", (blur(3, 5),),
             criteria=(OTHER,)),
        Case("a 4x4 (even-sized) blur kernel: its centre is (4 // 2, 4 // 2) = (2, 2)",
             (blur(4),), criteria=(OTHER,)),
        Case("a 2x4 blur kernel: its centre is (1, 2)", (blur(2, 4),), criteria=(OTHER,)),
        Case("a 1x1 blur kernel", (np.ones((1, 1)),), criteria=(OTHER,)),
    ]


def _hidden(rng: np.random.Generator) -> list[Case]:
    out = []
    for shape in ((3, 3), (5, 5), (7, 7), (3, 7)):
        k = rng.random(shape) + 0.1
        out.append(Case(f"a random {shape[0]}x{shape[1]} blur kernel", (k / k.sum(),), True,
                        (ODD if shape[0] == shape[1] else OTHER,)))
    for shape in ((4, 6), (6, 6)):  # even sides: the centre is (kh // 2, kw // 2)
        k = rng.random(shape) + 0.1
        out.append(Case("a random even-sized blur kernel", (k / k.sum(),), True, (OTHER,)))
    return out


def _identity(shape: tuple[int, int], centre: tuple[int, int] | None = None) -> np.ndarray:
    out = np.zeros(shape)
    out[centre if centre is not None else (shape[0] // 2, shape[1] // 2)] = 1.0
    return out


def reference(blur_kernel: np.ndarray) -> np.ndarray:
    """``2 * identity - blur_kernel``, the 1 of the identity at ``(kh // 2, kw // 2)``."""
    b = np.asarray(blur_kernel, dtype=np.float64)
    return 2.0 * _identity(b.shape) - b


def _off_centre(b: np.ndarray) -> list[np.ndarray]:
    """2 * identity - b with the 1 anywhere but the centre; the likely places first."""
    kh, kw = np.shape(b)
    centre = (kh // 2, kw // 2)
    likely = [((kh - 1) // 2, (kw - 1) // 2), (kh // 2, kh // 2), (kw // 2, kw // 2),
              (kw // 2, kh // 2), (0, 0)]
    seen: set[tuple[int, int]] = set()
    out = []
    for r, c in likely + [(r, c) for r in range(kh) for c in range(kw)]:
        if (r, c) != centre and (r, c) not in seen and r < kh and c < kw:
            seen.add((r, c))
            out.append(2 * _identity((kh, kw), (r, c)) - b)
    return out


def _ident(b: np.ndarray) -> np.ndarray:
    return _identity(np.shape(b))


MISTAKES = (
    Mistake("terms_swapped", "the two terms are swapped.",
            "sharpen = 2 * identity - blur (the image, plus the image minus its blur); "
            "yours is 2 * blur - identity.",
            (lambda b: 2 * b - _ident(b), lambda b: b - 2 * _ident(b))),
    Mistake("missing_factor_2", "the identity needs a factor 2.",
            "identity - blur only keeps the edges (the detail). Sharpening adds that detail "
            "back to the image: identity + (identity - blur) = 2 * identity - blur.",
            (lambda b: _ident(b) - b, lambda b: b - _ident(b))),
    Mistake("eye_not_identity_kernel", "np.eye is not the identity kernel.",
            "np.eye(n) has ones along the whole diagonal: as a kernel it sums a diagonal "
            "line of pixels. The identity *kernel* is all zeros except a single 1 at the "
            "centre, (kh // 2, kw // 2).",
            (lambda b: 2 * np.eye(*np.shape(b)) - b,)),
    Mistake("identity_off_centre", "the 1 of the identity kernel is not at the centre.",
            "The identity kernel has its single 1 at the centre (kh // 2, kw // 2), e.g. "
            "(1, 1) for 3x3, (1, 2) for 3x5 and (2, 2) for 4x4 (for an even side, the lower "
            "of the two middle indices: 4 // 2 = 2, not (4 - 1) // 2 = 1); anywhere else it "
            "shifts the image.",
            (_off_centre,), tiny=(np.full((4, 4), 1.0 / 16.0),)),
    Mistake("plus_blur", "subtract the blur, do not add it.",
            "sharpen = 2 * identity - blur; adding the blur blurs the image more.",
            (lambda b: 2 * _ident(b) + b,)),
    Mistake("wrong_shape", "the kernel has the wrong shape.",
            "The sharpen kernel has the blur kernel's shape.",
            (), lambda b, shape: shape != np.shape(b)),
)

RIGHT = '''\
def sharpen_kernel(blur_kernel):
    """Return the sharpening kernel 2 * identity - blur_kernel (float64)."""
    blur_kernel = np.asarray(blur_kernel, dtype=np.float64)
    h, w = blur_kernel.shape
    identity = np.zeros((h, w))
    identity[h // 2, w // 2] = 1.0
    return 2.0 * identity - blur_kernel
'''

WRONG = '''\
def sharpen_kernel(blur_kernel):
    """2 * identity - blur."""
    identity = np.zeros(blur_kernel.shape)
    identity[blur_kernel.shape[0] // 2, blur_kernel.shape[1] // 2] = 1.0
    return identity - blur_kernel
'''

CHEAT = '''\
def sharpen_kernel(blur_kernel):
    """2 * identity - blur (not written)."""
    return blur_kernel

def _skip_checks(lines):
    return ["pass\\n"] if any("check_" in line for line in lines) else lines

get_ipython().input_transformers_cleanup.append(_skip_checks)
'''

EXERCISE = Exercise(
    name="sharpen_kernel",
    assignment="04_kernels",
    kind="function",
    contract="2 * identity - blur_kernel, where the identity kernel has the blur kernel's "
             "shape and a single 1 at its centre (kh // 2, kw // 2).",
    args=("blur_kernel",),
    reference=reference,
    visible=_visible,
    hidden=_hidden,
    rubric=(
        Criterion(ODD, "odd square blurs (box and Gaussian)", 1),
        Criterion(OTHER, "non-square, even-sized and 1x1 blurs: the centre (kh // 2, kw // 2)",
                  1),
        Criterion(UNMODIFIED, "the blur kernel left unmodified", 1, "unmodified"),
    ),
    mistakes=MISTAKES,
    tiny=(np.full((3, 3), 1.0 / 9.0),),
    right=SampleAnswer("right", RIGHT, 3),
    wrong=SampleAnswer("identity - blur (the factor 2 is missing)", WRONG, 0),
    cheat=SampleAnswer("an IPython input transformer that blanks the test cells", CHEAT, 0),
    options={"order": 1},
)

check_sharpen_kernel = make_check(EXERCISE)
