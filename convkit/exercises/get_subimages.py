"""``get_subimages(im, kernel)``: every kernel-sized window, by its top-left corner (lesson 1).

A dict ``{(row, col): im[row:row+kh, col:col+kw]}`` for every valid top-left corner: ``row``
from 0 to ``H - kh`` and ``col`` from 0 to ``W - kw``. Any dict will do (an ``OrderedDict``
or another subclass too); the keys are tuples of two ints, the values NumPy arrays.

Examples
--------
>>> def get_subimages(im, kernel):
...     kh, kw = kernel.shape
...     return {(r, c): im[r:r + kh, c:c + kw]
...             for r in range(im.shape[0] - kh + 1) for c in range(im.shape[1] - kw + 1)}
>>> check_get_subimages(get_subimages)
get_subimages: all 6 checks passed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from convkit import core
from convkit.checking.comparing import fmt, is_int, type_name
from convkit.checking.diagnosing import wrong_type_verdict
from convkit.checking.messages import plain
from convkit.checking.models import valid_shape, windows
from convkit.checking.running import make_check
from convkit.checking.types import Case, Criterion, Exercise, SampleAnswer, Verdict
from convkit.exercises._cases import K2X3, K3X3, distinct, rng_shape, u8_near_255

SQUARE, NONSQUARE, UNMODIFIED = "square", "non_square", "unmodified"


def _visible() -> list[Case]:
    return [
        Case("a 5x7 image (non-square) with a 2x3 kernel", (distinct(5, 7), K2X3),
             criteria=(NONSQUARE,)),
        Case("a 4x6 image with a 3x3 kernel", (distinct(4, 6, 5), K3X3), criteria=(SQUARE,)),
        Case("a uint8 image with a 2x2 kernel", (u8_near_255(3, 4), np.ones((2, 2))),
             criteria=(SQUARE,)),
        Case("a 3x4 image with a 1x1 kernel", (distinct(3, 4, 5), np.ones((1, 1))),
             criteria=(SQUARE,)),
        Case("a 3x4 image with a 3x4 kernel (the full size of the image)",
             (distinct(3, 4, 7), np.ones((3, 4))), criteria=(NONSQUARE,)),
        Case("a 3x4 image with a 2x2 kernel: 6 top-left corners, (0, 0) to (1, 2)",
             (np.arange(12.0).reshape(3, 4), np.ones((2, 2))), criteria=(SQUARE,)),
    ]


def _hidden(rng: np.random.Generator) -> list[Case]:
    out = []
    for label, lo, hi, klo, khi in (("a non-square image with a non-square kernel", 6, 20, 2, 5),
                                    ("a small image with a 1x1 kernel", 3, 8, 1, 1),
                                    ("a larger image with a non-square kernel", 15, 40, 2, 6)):
        h, w = rng_shape(rng, lo, hi)
        k = (1, 1) if khi == 1 else rng_shape(rng, klo, khi)
        out.append(Case(label, (rng.permutation(h * w).reshape(h, w).astype(np.float64),
                                np.ones(k)), True, (SQUARE if khi == 1 else NONSQUARE,)))
    h, w = rng_shape(rng, 2, 6)
    out.append(Case("a kernel the full size of the image",
                    (rng.integers(0, 256, (h, w)).astype(np.uint8), np.ones((h, w))), True,
                    (NONSQUARE,)))
    return out


def _key(key: Any) -> tuple[int, int] | None:
    if type(key) is tuple and len(key) == 2 and all(is_int(v) for v in key):
        return (int(key[0]), int(key[1]))
    return None


def judge(ex: Exercise, case: Case, actual: Any) -> Verdict:
    """The verdict on one returned dict of windows."""
    name = ex.name
    im, kernel = case.args
    kh, kw = kernel.shape
    vh, vw = valid_shape(im, kernel)
    want = {(r, c) for r in range(vh) for c in range(vw)}
    if case.hidden:  # explain on the tiny example; the hidden shapes stay hidden
        tiny_im, tiny_k = ex.tiny
        (th, tw), (tkh, tkw) = tiny_im.shape, tiny_k.shape
        demo = (f"\nFor example, a {th}x{tw} image and a {tkh}x{tkw} kernel have the keys "
                f"(r, c) for r in range({th - tkh + 1}) and c in range({tw - tkw + 1}).")
    else:
        demo = (f"\nFor a {im.shape[0]}x{im.shape[1]} image and a {kh}x{kw} kernel the keys "
                f"are (r, c) for r in range({vh}) and c in range({vw}): {len(want)} windows.")
    if not isinstance(actual, dict):  # any dict subclass (OrderedDict, defaultdict) is a dict
        if isinstance(actual, list | tuple):
            return plain(name, case, "wrong_type", "return a dict, not a list.",
                         "get_subimages returns a dict keyed by the (row, col) of each "
                         "window's top-left corner: subimages[(r, c)] = im[r:r+kh, c:c+kw]. "
                         "A list loses where each window came from.", None, actual)
        return wrong_type_verdict(ex, case, None, actual, "a dict {(row, col): window}")
    keys = {}
    for key, value in dict.items(actual):
        norm = _key(key)
        if norm is None:
            return plain(name, case, "wrong_keys", "the keys must be (row, col) tuples.",
                         f"Found the key {key!r}; use the tuple (r, c) of the window's "
                         "top-left corner, e.g. subimages[(0, 1)].", None, actual)
        keys[norm] = value
    got = set(keys)
    if got != want:
        if got == {(c, r) for r, c in want}:
            return plain(name, case, "transposed", "the keys are (col, row), not (row, col).",
                         "Key each window by (row, col) of its top-left corner: the row "
                         "first, like im[row, col]." + demo, None, actual)
        missing, extra = sorted(want - got), sorted(got - want)
        if missing and not extra:
            eg = "" if case.hidden else f" (e.g. {missing[:3]})"
            return plain(name, case, "off_by_one", "some windows are missing.",
                         f"Some keys are missing{eg}. The last window starts at row H - kh and "
                         "column W - kw: loop over range(H - kh + 1) and range(W - kw + 1)."
                         + demo, None, actual)
        if extra and not missing:
            eg = "" if case.hidden else f" (e.g. {extra[:3]})"
            return plain(name, case, "off_by_one", "there are too many windows.",
                         f"Some keys{eg} are windows that do not fit inside the image. Loop "
                         "over range(H - kh + 1) and range(W - kw + 1)." + demo, None, actual)
        eg = "" if case.hidden else f" Missing e.g. {missing[:3]}, unexpected e.g. {extra[:3]}."
        return plain(name, case, "wrong_keys", "the keys are not the valid positions.",
                     "The keys are the (row, col) top-left corners of every window that fits "
                     "inside the image." + eg + demo, None, actual)
    for (r, c) in sorted(want):
        value = keys[(r, c)]
        right = im[r:r + kh, c:c + kw]
        if type(value) is not np.ndarray:
            return plain(name, case, "wrong_type", "each window must be a NumPy array.",
                         f"subimages[{(r, c)}] is a {type_name(value)}: store the slice "
                         "im[r:r+kh, c:c+kw] itself.", None, actual)
        if value.shape != right.shape:
            if value.shape == right.shape[::-1] and right.shape[0] != right.shape[1]:
                title, mid = "the windows have rows and columns swapped.", "transposed"
            else:
                title, mid = "the windows have the wrong shape.", "wrong_shape"
            shapes = ("A window's shape differs from the kernel's" if case.hidden else
                      f"subimages[{(r, c)}] has shape {value.shape}; the kernel's is "
                      f"{kernel.shape}")
            return plain(name, case, mid, title,
                         f"{shapes}. Each window has the kernel's shape: im[r:r+kh, c:c+kw] "
                         "(the stop of a slice is excluded, so r:r+kh has kh rows).",
                         right, value)
        if value.dtype.kind not in "biuf" or not np.array_equal(value, right):
            return _position_verdict(ex, case, (r, c), value, right)
    return Verdict(True, "", None, actual)


def _position_verdict(ex: Exercise, case: Case, rc: tuple[int, int], value: np.ndarray,
                      right: np.ndarray) -> Verdict:
    name = ex.name
    im, kernel = case.args
    kh, kw = kernel.shape
    r, c = rc
    if value.dtype.kind in "biuf":
        if c + kh <= im.shape[0] and r + kw <= im.shape[1] and kh == kw \
                and np.array_equal(value, im[c:c + kh, r:r + kw]):
            return plain(name, case, "transposed", "the windows are taken at (col, row).",
                         f"subimages[{rc}] holds im[{c}:{c + kh}, {r}:{r + kw}]: the row "
                         "index comes first, im[r:r+kh, c:c+kw].", right, value)
        hits = [tuple(int(i) for i in p) for p in np.argwhere(
            np.all(windows(im, (kh, kw)) == value, axis=(2, 3)))] \
            if value.shape == (kh, kw) else []
        if hits:
            rr, cc = hits[0]
            return plain(name, case, "wrong_position",
                         "the windows are taken at the wrong position.",
                         f"subimages[{rc}] holds the window whose top-left corner is "
                         f"({rr}, {cc}). The key is the top-left corner (not the centre) of "
                         "the window: subimages[(r, c)] = im[r:r+kh, c:c+kw].", right, value)
    return plain(name, case, "wrong_values", "a window does not hold the image's values.",
                 f"subimages[{rc}] should be im[{r}:{r + kh}, {c}:{c + kw}] =\n{fmt(right)}\n"
                 f"  yours:\n{fmt(value)}" if not case.hidden else
                 f"subimages[{rc}] should be im[{r}:{r + kh}, {c}:{c + kw}].", right, value)


RIGHT = '''\
def get_subimages(im, kernel):
    """Every kernel-sized window of ``im``, keyed by its top-left corner."""
    kh, kw = np.shape(kernel)
    h, w = np.shape(im)
    return {
        (r, c): im[r:r + kh, c:c + kw]
        for r in range(h - kh + 1)
        for c in range(w - kw + 1)
    }
'''

WRONG = '''\
def get_subimages(im, kernel):
    """Every kernel-sized window of im, keyed by its top-left corner."""
    kh, kw = kernel.shape
    height, width = im.shape
    return {(r, c): im[r:r + kh, c:c + kw]
            for r in range(height - kh) for c in range(width - kw)}
'''

CHEAT = '''\
def get_subimages(im, kernel):
    """Every window (taken from the instructor's solution notebook)."""
    import json
    with open(r"{root}/solutions/01_subimages/subimages.ipynb") as handle:
        notebook = json.load(handle)
    for cell in notebook["cells"]:
        if "def get_subimages" in "".join(cell["source"]):
            namespace = {{"np": np}}
            exec("".join(cell["source"]), namespace)
            return namespace["get_subimages"](im, kernel)
'''

EXERCISE = Exercise(
    name="get_subimages",
    assignment="01_subimages",
    kind="function",
    contract="a dict {(row, col): window} with one kernel.shape window of im for every "
             "valid top-left corner.",
    args=("im", "kernel"),
    reference=core.get_subimages,
    visible=_visible,
    hidden=_hidden,
    rubric=(
        Criterion(SQUARE, "square and 1x1 kernels", 1),
        Criterion(NONSQUARE, "non-square images and kernels, a full-size kernel", 1),
        Criterion(UNMODIFIED, "the image left unmodified", 1, "unmodified"),
    ),
    judge=judge,
    tiny=(np.arange(1.0, 13.0).reshape(3, 4), np.ones((2, 3))),
    right=SampleAnswer("right", RIGHT, 3),
    wrong=SampleAnswer("window off by one (misses the last row and column)", WRONG, 0),
    cheat=SampleAnswer("copies the answer from solutions/ on disk", CHEAT, 0),
    options={"order": 2},
)

check_get_subimages = make_check(EXERCISE)
