"""The grader's sandbox: every test is a real attack (or a real answer) run in a real process.

Each layer of :mod:`convkit.grading.sandbox` is tested on its own where it can be:
the process and its limits, the audit hook, the identity drop, the reaper and the
wire format. Timeouts are short (2 s) so the whole file stays well under a minute.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from convkit.grading import reaper
from convkit.grading import sandbox as sandbox_module
from convkit.grading.context import DEFAULT_MEMORY_MB
from convkit.grading.sandbox import (
    CaseResult,
    SandboxResult,
    run_in_sandbox,
    transform_ipython,
)

Unserializable = sandbox_module._unserializable_type()


def Case(label: str, args: tuple) -> SimpleNamespace:  # noqa: N802 - stands for a case class
    """What the sandbox needs of a case: its ``args`` (and a label for the reader)."""
    return SimpleNamespace(label=label, args=args)


ROOT = Path(__file__).resolve().parent.parent
IS_ROOT = os.geteuid() == 0
IM = np.arange(20.0).reshape(4, 5)
KERNEL = np.array([[1.0, 2.0], [0.0, -1.0]])
CASES = [Case("a 4x5 ramp with a 2x2 kernel", (IM, KERNEL)),
         Case("uint8", (IM.astype(np.uint8), KERNEL))]
TIMEOUT = 2.0


def expected(im: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    im = im.astype(np.float64)
    kh, kw = kernel.shape
    out = np.zeros((im.shape[0] - kh + 1, im.shape[1] - kw + 1))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = np.sum(im[r:r + kh, c:c + kw] * kernel)
    return out


GOOD = """
def im_conv(im, kernel):
    im = np.asarray(im, dtype=np.float64)
    kh, kw = kernel.shape
    out = np.zeros((im.shape[0] - kh + 1, im.shape[1] - kw + 1))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = np.sum(im[r:r + kh, c:c + kw] * kernel)
    return out
"""


def answer(body: str, *, header: str = "") -> str:
    """An ``im_conv`` answer cell whose body runs ``body`` first, then computes correctly."""
    inner = textwrap.indent(textwrap.dedent(body).strip(), "    ")
    return (f"{textwrap.dedent(header).strip()}\n\ndef im_conv(im, kernel):\n{inner}\n"
            "    return _good(im, kernel)\n" + GOOD.replace("def im_conv", "def _good"))


def run(*sources: str, **options) -> SandboxResult:
    options.setdefault("timeout", TIMEOUT)
    options.setdefault("hidden_folders", (str(ROOT),))  # as the grading context always does
    cases = options.pop("cases", CASES)
    return run_in_sandbox(list(sources), options.pop("name", "im_conv"), cases, **options)


def assert_correct(result: SandboxResult) -> None:
    assert result.status == "ok", result.message
    assert len(result.cases) == len(CASES)
    for case, outcome in zip(CASES, result.cases, strict=True):
        assert outcome.status == "ok", outcome.error
        assert type(outcome.value) is np.ndarray
        np.testing.assert_array_equal(outcome.value, expected(*case.args))
        assert outcome.value.dtype == np.float64
        assert not outcome.inputs_modified


# --------------------------------------------------------------------------------------------
# answers that should pass, and plain failures
# --------------------------------------------------------------------------------------------


def test_a_correct_answer_returns_exact_arrays():
    result = run(GOOD)
    assert_correct(result)
    assert result.violations == [] and result.cell_errors == []
    assert result.message == ""
    assert result.seconds > 0


def test_a_strict_umask_of_the_grader_does_not_lock_the_sandbox_out():
    # an instructor's umask 027 made the sandbox's folders unreadable to uid nobody
    old = os.umask(0o027)
    try:
        assert_correct(run(GOOD))
    finally:
        os.umask(old)


def test_numpy_testing_in_an_honest_answer_is_allowed():
    # numpy.testing imports subprocess behind the scenes: that must not count against the student
    result = run(answer("""
        import numpy.testing as npt
        npt.assert_equal(kernel.ndim, 2)
        """))
    assert_correct(result)
    assert result.violations == []


def test_printing_and_warning_do_not_cost_anything():
    result = run(answer("""
        import sys, warnings
        print("working on", im.shape)
        print("a note on stderr", file=sys.stderr)
        warnings.warn("this kernel is not normalised")
        """))
    assert_correct(result)
    first = result.cases[0]
    assert first.stdout == "working on (4, 5)\n"
    assert "a note on stderr" in first.stderr
    assert "UserWarning: this kernel is not normalised" in first.stderr


def test_output_is_truncated_to_a_few_kilobytes():
    result = run(answer('print("x" * 10**6)'))
    assert_correct(result)
    assert 4000 < len(result.cases[0].stdout) < 5000
    assert result.cases[0].stdout.endswith("[... output truncated]")


def test_an_exception_is_an_error_with_its_name_and_the_students_line():
    source = GOOD.replace("for c in range(out.shape[1]):", "for c in range(out.shape[1] + 1):")
    result = run(source)
    assert result.status == "ok"  # the run finished: the cases say what went wrong
    outcome = result.cases[0]
    assert outcome.status == "error"
    assert outcome.error.startswith("IndexError: index 4 is out of bounds for axis 1 with size 4")
    assert "answer cell 1, line 8, in im_conv" in outcome.error
    assert "np.sum(im[r:r + kh, c:c + kw] * kernel)" in outcome.error
    assert "_runner" not in outcome.error and "numpy" not in outcome.error.split("\n", 1)[1]


def test_a_missing_function_and_a_cell_that_raises():
    missing = run("def im_convolution(im, kernel):\n    return im\n")
    assert missing.status == "missing" and missing.cases == []
    assert missing.message == "no function named im_conv was defined by your answer cell"

    broken = run("raise NotImplementedError()\n" + GOOD)
    assert broken.status == "cell_error"
    assert broken.cell_errors[0].startswith("NotImplementedError")
    assert "NotImplementedError" in broken.message and "im_conv" in broken.message


def test_a_cell_error_does_not_stop_the_later_cells():
    result = run("x = 1 / 0\n", "def (:\n", GOOD)
    assert_correct(result)
    assert result.cell_errors[0].startswith("ZeroDivisionError: division by zero")
    assert result.cell_errors[1].startswith("SyntaxError: invalid syntax")


def test_a_forbidden_import_in_an_added_scratch_cell_is_a_cell_error_not_a_violation():
    # lesson 3 invites comparing with SciPy: a scratch cell doing so must not zero the answers
    scratch = "from scipy.signal import convolve2d\nprint(convolve2d)\n"
    result = run_in_sandbox([scratch, GOOD], "im_conv", CASES, scratch_cells=1, timeout=20)
    assert_correct(result)
    assert result.violations == []
    assert [e for e in result.cell_errors if "scipy" in e] == [
        "ImportError: a cell you added imports scipy.signal, which this exercise does not allow "
        "while grading: that cell stopped there"]


def test_an_answer_relying_on_a_scratch_cells_forbidden_import_still_fails():
    scratch = "from scipy.signal import correlate2d\n"
    lazy = "def im_conv(im, kernel):\n    return correlate2d(im, kernel, mode='valid')\n"
    result = run_in_sandbox([scratch, lazy], "im_conv", CASES, scratch_cells=1, timeout=20)
    assert all(case.status == "error" and "NameError" in case.error for case in result.cases)


def test_a_forbidden_import_in_an_answer_cell_is_still_a_violation():
    answer_cell = "from scipy.signal import convolve2d\n" + GOOD
    result = run_in_sandbox(["x = 1\n", answer_cell], "im_conv", CASES, scratch_cells=1,
                            timeout=20)
    assert any("scipy" in v for v in result.violations)


def test_anything_else_refused_in_a_scratch_cell_is_still_a_violation():
    scratch = "try:\n    open('/etc/passwd').read()\nexcept OSError:\n    pass\nimport scipy\n"
    result = run_in_sandbox([scratch, GOOD], "im_conv", CASES, scratch_cells=1, timeout=20)
    assert result.violations, "reading outside the sandbox must stay a violation"


def test_scratch_cells_must_fit_the_sources():
    with pytest.raises(ValueError, match="scratch_cells"):
        run_in_sandbox([GOOD], "im_conv", CASES, scratch_cells=2)


def test_input_modification_is_reported_and_each_call_gets_fresh_copies():
    twice = [Case("first", (IM, KERNEL)), Case("second", (IM, KERNEL))]
    result = run(answer("im += 1"), cases=twice)
    assert result.status == "ok"
    assert [outcome.inputs_modified for outcome in result.cases] == [True, True]
    for outcome in result.cases:  # not IM + 2 the second time
        np.testing.assert_array_equal(outcome.value, expected(IM + 1, KERNEL))
    untouched = run(answer("im = im + 1"), cases=twice)
    assert [outcome.inputs_modified for outcome in untouched.cases] == [False, False]
    hidden = run("import builtins\nbuiltins.all = lambda *args: True\n", answer("im += 1"),
                 cases=twice)  # patching the builtins the runner uses hides nothing
    assert [outcome.inputs_modified for outcome in hidden.cases] == [True, True]


GIVEN_IM_CONV = """
def im_conv(im, kernel):
    kh, kw = kernel.shape
    windows = np.lib.stride_tricks.sliding_window_view(np.asarray(im, dtype=np.float64),
                                                       (kh, kw))
    return np.einsum("ijkl,kl->ij", windows, kernel)
"""


def test_the_given_source_is_defined_and_wins_over_a_redefinition():
    convolve = ("def im_conv(im, kernel):\n    return None\n\n"
                "def convolve(im, kernel):\n    return im_conv(im, kernel[::-1, ::-1])\n")
    result = run(convolve, name="convolve", given_source=GIVEN_IM_CONV)
    assert result.status == "ok", result.message
    for case, outcome in zip(CASES, result.cases, strict=True):
        np.testing.assert_allclose(outcome.value, expected(case.args[0], case.args[1][::-1, ::-1]))
    alone = run("def convolve(im, kernel):\n    return im_conv(im, kernel[::-1, ::-1])\n",
                name="convolve")  # nothing given: nothing defined
    assert [c.error.split(":")[0] for c in alone.cases] == ["NameError", "NameError"]


def test_the_given_source_may_not_define_the_graded_name():
    for source in (GIVEN_IM_CONV, "im_conv = None\n", "from math import fsum as im_conv\n",
                   "if True:\n    def im_conv():\n        pass\n"):
        with pytest.raises(ValueError, match="given_source may not define the graded name"):
            run(GOOD, given_source=source)
    with pytest.raises(ValueError, match="given_source must be valid Python"):
        run(GOOD, given_source="def (:")
    with pytest.raises(TypeError, match="given_source must be a str"):
        run(GOOD, given_source=["def f(): pass"])


def test_a_value_exercise_returns_the_variable():
    result = run_in_sandbox(["window_choice = 'C'\n"], "window_choice", [Case("answer", ())],
                            kind="value", timeout=TIMEOUT)
    assert result.status == "ok"
    assert [c.value for c in result.cases] == ["C"]


def test_ipython_syntax_is_turned_into_calls_the_sandbox_ignores():
    source = transform_ipython("%matplotlib inline\n!ls /\n" + GOOD)
    assert "get_ipython()" in source
    assert_correct(run(source))
    assert transform_ipython(GOOD) == GOOD


def test_a_timed_cell_still_defines_the_function():
    assert_correct(run(transform_ipython("%%time\n" + GOOD)))
    assert_correct(run(transform_ipython("%%timeit\n" + GOOD)))
    assert_correct(run(transform_ipython("%load_ext autoreload\n%autoreload 2\n" + GOOD)))


def test_plotting_in_an_answer_cell_does_nothing():
    result = run(answer("""
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots()
        ax.imshow(im, cmap="gray")
        plt.show()
        """))
    assert_correct(result)
    assert result.violations == []


# --------------------------------------------------------------------------------------------
# layer 1 and 2: the process, its timeout and its limits
# --------------------------------------------------------------------------------------------


def test_an_infinite_loop_times_out():
    result = run(answer("while True:\n    pass"))
    assert result.status == "timeout"
    assert result.cases == []
    assert result.message == (f"your code ran for more than {TIMEOUT:g} s and was stopped "
                              "(an infinite loop?)")
    assert result.seconds >= TIMEOUT


def test_a_loop_that_ignores_sigint_and_sigterm_still_dies():
    result = run(answer("""
        import signal, time
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        while True:
            time.sleep(0.01)
        """))
    assert result.status == "timeout"


def test_sys_exit_is_an_error_of_that_case():
    result = run(answer("import sys\nsys.exit(3)"))
    assert result.status == "ok"
    assert [c.status for c in result.cases] == ["error", "error"]
    assert result.cases[0].error.startswith("SystemExit: 3")


def test_os_exit_is_a_crash():
    result = run(answer("import os\nos._exit(3)"))
    assert result.status == "crashed"
    assert result.cases == []
    assert "exit code 3" in result.message and "os._exit()" in result.message


def test_a_huge_allocation_is_reported_as_memory():
    result = run(answer("np.ones((10**5, 10**5))"))
    assert result.status == "memory"
    assert f"{DEFAULT_MEMORY_MB} MB" in result.message
    assert result.cases[0].error.startswith("MemoryError")


def test_a_huge_allocation_in_an_answer_cell_is_reported_as_memory():
    result = run("table = np.zeros((10**5, 10**5))\n", GOOD)
    assert result.status == "memory"
    assert result.cell_errors[0].startswith("MemoryError: Unable to allocate 74.5 GiB")
    assert_correct(SandboxResult("ok", "", result.cases))  # the function itself still ran


def test_memory_limit_is_enough_for_numpy_and_opencv_answers():
    source = answer("""
        big = np.random.default_rng(0).random((400, 400))
        cv2.filter2D(big.astype(np.float32), -1, np.ones((5, 5), np.float32) / 25)
        np.lib.stride_tricks.sliding_window_view(big, (5, 5)).sum(axis=(2, 3))
        """)
    assert_correct(run(source, allowed_modules=("cv2",)))


@pytest.mark.parametrize("pidfd", [True, False], ids=["pidfd", "waitid"])
def test_waiting_leaves_the_runner_a_zombie_until_its_group_is_killed(monkeypatch, pidfd):
    from convkit.grading import sandbox

    if not pidfd:
        monkeypatch.delattr(os, "pidfd_open", raising=False)
    quick = subprocess.Popen([sys.executable, "-c", "pass"], start_new_session=True)
    slow = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"],
                            start_new_session=True)
    try:
        assert sandbox._wait_unreaped(quick, 30.0) is True
        assert reaper._stat(quick.pid)[0] == "Z"  # exited, not reaped: its pid stays taken
        assert sandbox._wait_unreaped(slow, 0.2) is False
    finally:
        slow.kill()
        for process in (quick, slow):
            process.wait()


# --------------------------------------------------------------------------------------------
# layer 6: the wire format
# --------------------------------------------------------------------------------------------


def test_plain_data_comes_back_as_plain_data():
    source = """
def im_conv(im, kernel):
    return {(0, 1): [1, 2.5, True, None, "s", (3, np.float32(1.5))], "nan": float("nan"),
            "inf": -float("inf"), "c": 1 + 2j, "set": {1, 2}, "int": np.int64(7),
            "bool": np.bool_(True), "big": 10**40, "mask": im > 3}
"""
    value = run(source, cases=CASES[:1]).cases[0].value
    assert value[(0, 1)] == [1, 2.5, True, None, "s", (3, 1.5)]
    assert type(value[(0, 1)][5]) is tuple and type(value[(0, 1)][5][1]) is float
    assert np.isnan(value["nan"]) and value["inf"] == -np.inf
    assert value["c"] == 1 + 2j and value["set"] == {1, 2} and value["big"] == 10**40
    assert type(value["int"]) is int and type(value["bool"]) is bool
    assert type(value["mask"]) is np.ndarray and value["mask"].dtype == bool
    np.testing.assert_array_equal(value["mask"], IM > 3)


@pytest.mark.parametrize(("returned", "type_name"), [
    ("class Same:\n    def __eq__(self, other):\n        return True\nresult = Same()", "Same"),
    ("result = np.ma.masked_array(im)", "MaskedArray"),
    ("class Sub(np.ndarray):\n    pass\nresult = im.view(Sub)", "Sub"),
    ("result = np.array([im, 'x'], dtype=object)", "ndarray of dtype |O"),
    ("result = lambda: 1", "function"),
])
def test_objects_that_are_not_plain_data_come_back_unserializable(returned, type_name):
    source = f"def im_conv(im, kernel):\n{textwrap.indent(returned, '    ')}\n    return result\n"
    outcome = run(source, cases=CASES[:1]).cases[0]
    assert outcome.status == "ok"
    assert isinstance(outcome.value, Unserializable)
    assert outcome.value.type_name == type_name


def test_huge_return_values_come_back_as_unserializable():
    source = "def im_conv(im, kernel):\n    return [list(range(10**6)), 'x' * 10**7, im]\n"
    outcome = run(source, cases=CASES[:1]).cases[0]
    assert outcome.status == "ok"
    too_large, too_long, array = outcome.value
    assert too_large.type_name == "list (too large)" and too_long.type_name == "str (too long)"
    np.testing.assert_array_equal(array, IM)


def test_a_list_of_arrays_comes_back_as_a_list_of_exact_arrays():
    source = "def im_conv(im, kernel):\n    return [im * 2, kernel]\n"
    outcome = run(source, cases=CASES[:1]).cases[0]
    assert type(outcome.value) is list
    assert all(type(item) is np.ndarray for item in outcome.value)
    np.testing.assert_array_equal(outcome.value[0], IM * 2)


# the wire format on its own (convkit/grading/wire.py): round trips and garbage, by property

def _wire_round_trip(value, *, strict: bool):
    import io

    from convkit.grading import wire

    encode, arrays = wire.encoder(np, strict=strict)
    tagged = encode(value)
    buffer = io.BytesIO()
    wire.write_arrays(np)(buffer, arrays)
    size = buffer.tell()
    buffer.seek(0)
    records = wire.read_arrays(np)(buffer, len(arrays), max_bytes=size)
    return wire.decoder(np, records, unserializable=Unserializable)(
        wire.loads(wire.dumps({"value": tagged}))["value"])


def _same(a, b) -> bool:
    """Equal values of equal types: floats by repr (NaN, -0.0), arrays bit for bit."""
    if type(a) is not type(b):
        return False
    if type(a) is np.ndarray:
        return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    if type(a) is float:
        return repr(a) == repr(b)
    if type(a) is complex:
        return _same(a.real, b.real) and _same(a.imag, b.imag)
    if type(a) in (list, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if type(a) in (set, frozenset):
        return sorted(map(_canonical, a)) == sorted(map(_canonical, b))
    if type(a) is dict:
        return (sorted(map(_canonical, a)) == sorted(map(_canonical, b))
                and all(_same(a[key], b[key]) for key in a))
    return a == b


def _canonical(value) -> str:
    if type(value) in (tuple, frozenset):
        parts = [_canonical(v) for v in value]
        parts = parts if type(value) is tuple else sorted(parts)
        return f"{type(value).__name__}({', '.join(parts)})"
    return f"{type(value).__name__}:{value!r}"


def _wire_strategies():
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp

    text = st.text(st.characters(codec=None, categories=None), max_size=8)  # surrogates too
    keys = st.recursive(
        st.none() | st.booleans() | st.integers(-(10**299), 10**299) | text
        | st.floats(allow_nan=False),
        lambda inner: st.tuples(inner, inner) | st.frozensets(inner, max_size=3), max_leaves=6)
    dtypes = (hnp.boolean_dtypes() | hnp.integer_dtypes() | hnp.unsigned_integer_dtypes()
              | hnp.floating_dtypes() | hnp.complex_number_dtypes())
    arrays = hnp.arrays(dtypes, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4))
    leaves = (keys | st.floats() | st.complex_numbers(allow_nan=True, allow_infinity=True)
              | arrays)
    values = st.recursive(leaves, lambda inner: (
        st.lists(inner, max_size=4) | st.lists(inner, max_size=4).map(tuple)
        | st.sets(keys, max_size=4) | st.frozensets(keys, max_size=4)
        | st.dictionaries(keys, inner, max_size=4)), max_leaves=20)
    return values


def test_wire_round_trip_gives_equal_values_of_equal_types():
    from hypothesis import HealthCheck, given, settings

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(_wire_strategies())
    def check(value):
        for strict in (True, False):
            back = _wire_round_trip(value, strict=strict)
            assert _same(value, back), (strict, value, back)

    check()


def test_wire_numpy_scalars_travel_as_python_scalars_and_the_rest_as_unserializable():
    back = _wire_round_trip([np.float32(1.5), np.int8(-3), np.bool_(True), np.complex64(1j)],
                            strict=False)
    assert _same(back, [1.5, -3, True, 1j])
    assert _same(_wire_round_trip((np.uint16(7),), strict=True), (7,))
    odd = _wire_round_trip([object(), np.array(["x"]), np.zeros(2).view(np.recarray)],
                           strict=False)
    assert [item.type_name for item in odd] == ["object", "ndarray of dtype <U1", "recarray"]
    with pytest.raises(TypeError, match="value must be plain data"):
        _wire_round_trip(object(), strict=True)


def test_wire_nesting_limits_are_enforced():
    from convkit.grading import wire

    deep: list = []
    for _ in range(wire.MAX_DEPTH + 5):
        deep = [deep]
    with pytest.raises(ValueError, match="nested too deeply"):
        _wire_round_trip(deep, strict=True)
    back, depth = _wire_round_trip(deep, strict=False), 0
    while type(back) is list:
        back, depth = back[0], depth + 1
    assert isinstance(back, Unserializable) and depth == wire.MAX_DEPTH + 1
    tagged: object = 1
    for _ in range(wire.MAX_DEPTH + 5):
        tagged = {"t": "list", "v": [tagged]}
    with pytest.raises(wire.WireError, match="nested too deeply"):
        wire.decoder(np, [])(tagged)
    with pytest.raises(wire.WireError, match="not JSON"):
        wire.loads(b"[" * 200_000 + b"]" * 200_000)


def test_wire_rejects_garbage_with_wire_errors_only():
    import io

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from convkit.grading import wire

    json_values = st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6)
        | st.sampled_from(["t", "v", "i", "ndarray", "dict", "set", "complex", "float", "nan"]),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
            st.sampled_from(["t", "v", "i", "re", "im", "type"]) | st.text(max_size=3), inner,
            max_size=4), max_leaves=25)
    decode = wire.decoder(np, [np.arange(3)])

    @settings(max_examples=400, deadline=None)
    @given(json_values, st.binary(max_size=300))
    def check(garbage, noise):
        try:
            decode(garbage)
        except wire.WireError:
            pass
        try:
            wire.loads(noise)
        except wire.WireError:
            pass
        try:
            wire.read_arrays(np)(io.BytesIO(noise), 2, max_bytes=len(noise))
        except wire.WireError:
            pass

    check()
    for forged in ({"t": "dict", "v": [[{"t": "list", "v": []}, 1]]},
                   {"t": "set", "v": [{"t": "list", "v": []}]}, {"t": "ndarray", "i": 1},
                   {"t": "ndarray", "i": True}, {"t": "float", "v": "1.5"}, {"t": "pickle"},
                   {"t": "complex", "re": "1", "im": 0}, float("inf"), {"v": []}):
        with pytest.raises(wire.WireError):
            decode(forged)
    huge = io.BytesIO()  # a header that claims 8 GB: refused before anything is allocated
    np.lib.format.write_array_header_1_0(huge, {"descr": "<f8", "fortran_order": False,
                                               "shape": (10**9,)})
    data = huge.getvalue() + bytes(64)
    with pytest.raises(wire.WireError, match="larger than its file"):
        wire.read_arrays(np)(io.BytesIO(data), 1, max_bytes=len(data))
    pickled = io.BytesIO()
    np.save(pickled, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(wire.WireError, match="not a plain numeric array"):
        wire.read_arrays(np)(io.BytesIO(pickled.getvalue()), 1)


def test_the_runner_and_the_wire_read_nothing_the_student_can_replace():
    # the runner loads wire.py by path, never through convkit, and its factories capture
    # every builtin they use when they are built, before the student's code runs
    runner = (ROOT / "convkit" / "grading" / "_runner.py").read_text()
    assert "import convkit" not in runner and "from convkit" not in runner
    wire_path = ROOT / "convkit" / "grading" / "wire.py"
    assert "convkit" not in "".join(line for line in wire_path.read_text().splitlines()
                                    if line.startswith(("import", "from")))
    for factory in ("encoder", "decoder", "_make_dump", "write_arrays", "read_arrays"):
        assert _names_read_at_call_time(factory, wire_path) == set(), factory


def test_bad_arguments_are_named():
    with pytest.raises(TypeError, match="sources"):
        run_in_sandbox("def f(): pass", "f", [])
    with pytest.raises(ValueError, match="name"):
        run_in_sandbox([GOOD], "im conv", [])
    with pytest.raises(ValueError, match="kind"):
        run_in_sandbox([GOOD], "im_conv", [], kind="values")
    with pytest.raises(TypeError, match="hidden_folders"):
        run_in_sandbox([GOOD], "im_conv", [], hidden_folders="/srv/course")
    with pytest.raises(ValueError, match=r"hidden_folders\[0\] must be absolute"):
        run_in_sandbox([GOOD], "im_conv", [], hidden_folders=["course"])
    with pytest.raises(ValueError, match="allowed_modules may not hold convkit"):
        run_in_sandbox([GOOD], "im_conv", [], allowed_modules=("convkit.core",))
    with pytest.raises(ValueError, match="timeout"):
        run_in_sandbox([GOOD], "im_conv", [], timeout=0)
    with pytest.raises(ValueError, match="memory_mb"):
        run_in_sandbox([GOOD], "im_conv", [], memory_mb=10)
    with pytest.raises(TypeError, match=r"cases\[0\]\.args\[0\]"):
        run_in_sandbox([GOOD], "im_conv", [SimpleNamespace(args=(object(),))])
    with pytest.raises(TypeError, match=r"cases\[0\]\.args must be a tuple"):
        run_in_sandbox([GOOD], "im_conv", [SimpleNamespace(args=[IM])])


def test_result_types_are_the_contract():
    result = run(GOOD, cases=CASES[:1])
    assert isinstance(result, SandboxResult) and isinstance(result.cases[0], CaseResult)


# --------------------------------------------------------------------------------------------
# layer 3: the audit hook, one attack at a time
# --------------------------------------------------------------------------------------------

SOLUTION = next(ROOT.glob("solutions/*/*.ipynb"), ROOT / "solutions" / "02_im_conv" / "x.ipynb")
CORE = ROOT / "convkit" / "core.py"

ATTACKS = {
    "fork bomb": ("import os\nwhile True:\n    os.fork()", "starting a process (os.fork)"),
    "subprocess": ("import subprocess\nsubprocess.Popen(['true'])", "import of subprocess"),
    "os.system": ("import os\nos.system('true')", "starting a shell (os.system)"),
    "posix_spawn": ("import os\nos.posix_spawn('/bin/true', ['true'], {})",
                    "starting a process (os.posix_spawn)"),
    "import scipy": ("import scipy.signal", "import of scipy.signal"),
    "from cv2": ("from cv2 import filter2D", "import of cv2"),
    "import convkit": ("import convkit.core", "import of convkit.core"),
    "computed name": ("__import__('sci' + 'py')", "import of scipy"),
    "importlib": ("import importlib\nimportlib.import_module('skimage')", "import of skimage"),
    "open solution": (f"open({str(SOLUTION)!r}).read()", f"open({str(SOLUTION)!r})"),
    "open core.py": (f"open({str(CORE)!r}).read()", f"open({str(CORE)!r})"),
    "pathlib": (f"import pathlib\npathlib.Path({str(CORE)!r}).read_text()",
                f"open({str(CORE)!r})"),
    "path-like": (f"import io, pathlib\nio.FileIO(pathlib.Path({str(CORE)!r})).read()",
                  "open of a PosixPath path (use a str)"),
    "io.FileIO": (f"import io\nio.FileIO({str(CORE)!r}).read()", f"open({str(CORE)!r})"),
    "os.open": (f"import os\nos.read(os.open({str(CORE)!r}, os.O_RDONLY), 100)",
                f"open({str(CORE)!r})"),
    "dot-dot": ("import numpy, os\nopen(os.path.dirname(numpy.__file__) + '/../../../../../../"
                "convkit/core.py').read()", "/../../../../../../convkit/core.py')"),
    "listing the course": (f"import os\nos.listdir({str(ROOT)!r})", f"os.listdir({str(ROOT)!r})"),
    "write outside": ("open('/tmp/convkit-pwned.txt', 'w').write('x')",
                      "writing to '/tmp/convkit-pwned.txt'"),
    "write in course": (f"open({str(ROOT / 'solutions' / 'pwned.txt')!r}, 'w')",
                        f"writing to {str(ROOT / 'solutions' / 'pwned.txt')!r}"),
    "delete": (f"import os\nos.remove({str(ROOT / 'README.md')!r})",
               f"os.remove({str(ROOT / 'README.md')!r})"),
    "kill the grader": (f"import os, signal\nos.kill({os.getpid()}, signal.SIGKILL)",
                        "sending a signal to another process (os.kill)"),
    "socket": ("import socket", "import of socket"),
    "ctypes": ("import ctypes", "import of ctypes"),
    "ctypes via numpy": ("np._core._internal.ctypes.CDLL(None)", "calling C code (ctypes)"),
    "gc neuters the hook": (
        "import gc\nfor f in gc.get_objects():\n    if getattr(f, '__name__', '') == 'hook':\n"
        "        f.__code__ = (lambda *args: None).__code__\nimport scipy",
        "walking the garbage collector (gc.get_objects)"),
    "gc referrers": ("import gc, sys\ngc.get_referrers(sys.audit)",
                     "walking the garbage collector (gc.get_referrers)"),
    "__code__ surgery": ("def f():\n    pass\nf.__code__ = (lambda: 1).__code__",
                         "replacing a function's __code__"),
    "traceback frames": ("try:\n    1 / 0\nexcept ZeroDivisionError as e:\n"
                         "    e.__traceback__.tb_frame.f_back.f_locals",
                         "access to stack frames (tb_frame)"),
    "generator frames": ("def g():\n    yield\ng().gi_frame", "access to stack frames (gi_frame)"),
    "settrace": ("import sys\nsys.settrace(lambda *a: None)", "tracing (sys.settrace)"),
    "sub-interpreter": ("import _xxsubinterpreters", "import of _xxsubinterpreters"),
    "hand-made bytecode": ("(lambda: 0).__code__.replace(co_code=b'\\x00' * 8)",
                           "building a code object by hand"),
    "marshal": ("import marshal\nmarshal.loads(marshal.dumps((lambda: 0).__code__))",
                "loading marshalled code"),
    "a folder's fd": ("import os, numpy\nfd = os.open(os.path.dirname(os.path.dirname("
                      "numpy.__file__)), os.O_RDONLY)\nos.open('scipy/__init__.py', "
                      "os.O_RDONLY, dir_fd=fd)", "opening the folder"),
}


@pytest.mark.parametrize("attack", list(ATTACKS), ids=list(ATTACKS))
def test_the_hook_refuses(attack):
    body, violation = ATTACKS[attack]
    result = run(answer(body), cases=CASES[:1])
    assert result.status == "blocked", (result.status, result.message)
    assert any(violation in v for v in result.violations), result.violations
    outcome = result.cases[0]
    assert outcome.status == "error"
    assert "convkit sandbox:" in outcome.error and "is not allowed while grading" in outcome.error
    assert result.message.startswith("your answer tried")
    assert "hook" in result.layers
    assert not (ROOT / "solutions" / "pwned.txt").exists() and (ROOT / "README.md").exists()
    assert not Path("/tmp/convkit-pwned.txt").exists()


def test_a_forbidden_import_names_the_module_and_the_way_out():
    result = run("import scipy.signal\n", GOOD)
    assert result.status == "blocked"
    assert result.message == ("your answer tried to import scipy.signal, which this exercise "
                              "does not allow: write it with NumPy")
    assert result.cell_errors[0].startswith("SandboxDenied: convkit sandbox: import of scipy")
    assert [c.status for c in result.cases] == ["ok", "ok"]  # the cases still ran


def test_cv2_is_allowed_when_the_exercise_allows_it():
    source = """
import cv2

def im_conv(im, kernel):
    out = cv2.filter2D(np.asarray(im, dtype=np.float64), cv2.CV_64F, kernel,
                       anchor=(0, 0), borderType=cv2.BORDER_CONSTANT)
    return out[:im.shape[0] - kernel.shape[0] + 1, :im.shape[1] - kernel.shape[1] + 1]
"""
    result = run(source, allowed_modules=("cv2",))
    assert result.status == "ok", result.message
    assert result.violations == []
    for case, outcome in zip(CASES, result.cases, strict=True):
        np.testing.assert_allclose(outcome.value, expected(*case.args), rtol=0, atol=1e-12)
    assert run(source).status == "blocked"  # and refused when it does not


def test_opencv_cannot_read_the_course_from_cpp():
    # cv2.imread and cv2.FileStorage open files in C++, where no audit event is raised:
    # as root the course is hidden from the sandbox by a private mount namespace
    image = ROOT / "images" / "camera.png"
    result = run(answer(f"""
        import cv2
        print(cv2.imread({str(image)!r}) is None)
        """), allowed_modules=("cv2",), cases=CASES[:1])
    assert result.status == "ok", result.message
    hidden = "mountns" in result.layers
    assert result.cases[0].stdout == f"{hidden}\n"
    assert hidden == (IS_ROOT and _namespaces_work())


def test_sys_getframe_is_refused_quietly_so_the_stdlib_can_cope():
    # namedtuple, enum (and logging, typing) try sys._getframe and fall back on ValueError
    result = run(answer("""
        import collections, enum, sys
        point = collections.namedtuple("point", "x y")(1, 2)
        colour = enum.Enum("colour", "RED GREEN")
        try:
            sys._getframe(1)
        except ValueError as refusal:
            print(refusal)
        """), cases=CASES[:1])
    assert result.status == "ok" and result.violations == []
    assert result.cases[0].status == "ok"
    assert result.cases[0].stdout == (
        "convkit sandbox: sys._getframe is not allowed while grading\n")


def test_monkeypatching_numpy_only_fools_the_students_own_process():
    result = run("""
import builtins
np.array_equal = lambda *args, **kwargs: True
np.allclose = lambda *args, **kwargs: True
np.save = lambda *args, **kwargs: None
builtins.isinstance = lambda *args: True

def im_conv(im, kernel):
    return np.zeros((1, 1))
""")
    assert result.status == "ok"
    for case, outcome in zip(CASES, result.cases, strict=True):
        assert not np.array_equal(outcome.value, expected(*case.args))  # the grader's own NumPy
        np.testing.assert_array_equal(outcome.value, np.zeros((1, 1)))
        assert outcome.inputs_modified is False


def test_code_left_to_run_after_the_results_cannot_rewrite_them():
    # replacing os._exit would run after the results are written, when their name shows
    result = run(answer("""
        import os
        real_exit = os._exit

        def forge(code):
            for name in os.listdir("."):
                if name.startswith("results-"):
                    open(name, "w").write("{}")
            real_exit(code)

        os._exit = forge
        """), cases=CASES[:1])
    assert result.status == "ok", result.message
    assert result.cases[0].status == "ok"


def test_the_runners_globals_do_not_steer_the_hook():
    result = run(answer("""
        import sys
        runner = sys.modules["__main__"]
        runner.MAX_VIOLATIONS = 0
        runner.FRAME_ATTRIBUTES = frozenset()
        runner.ALWAYS_FORBIDDEN = frozenset()
        runner.DENY_EVENTS.clear()
        try:
            import ctypes
        except ImportError:
            pass
        """), cases=CASES[:1])
    assert result.status == "blocked"
    assert result.violations == ["import of ctypes"]


def _names_read_at_call_time(function_name: str, path: Path | None = None) -> set[str]:
    """Names the functions nested in a runner function load from globals or builtins."""
    import ast

    tree = ast.parse((path or ROOT / "convkit" / "grading" / "_runner.py").read_text())
    outer = next(node for node in tree.body
                 if isinstance(node, ast.FunctionDef) and node.name == function_name)
    bound = {arg.arg for arg in ast.walk(outer) if isinstance(arg, ast.arg)}
    for node in ast.walk(outer):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.ClassDef | ast.ExceptHandler) and node.name:
            bound.add(node.name)
    # a local variable's annotation is never evaluated (PEP 526): it reads nothing
    annotations = {id(node) for ann in ast.walk(outer) if isinstance(ann, ast.AnnAssign)
                   for node in ast.walk(ann.annotation)}
    loaded = set()
    for inner in ast.walk(outer):
        if isinstance(inner, ast.FunctionDef) and inner is not outer:
            loaded |= {node.id for node in ast.walk(inner)
                       if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
                       and id(node) not in annotations}
    return loaded - bound


def test_the_hook_and_the_runners_tools_read_nothing_the_student_can_replace():
    # everything is captured in a closure before the student's code runs: replacing
    # builtins.type, os.lstat or a global of the runner cannot change a decision
    assert _names_read_at_call_time("_install_hook") == set()
    assert _names_read_at_call_time("_make_tools") <= {"contextlib"}  # a decorator, at setup


def test_a_student_audit_hook_cannot_unblock_anything():
    result = run(answer("""
        import sys
        sys.addaudithook(lambda event, args: None)
        import scipy
        """), cases=CASES[:1])
    assert result.status == "blocked"
    assert result.violations == ["import of scipy"]


@pytest.mark.parametrize("hook", [True, False], ids=["hook", "os only"])
def test_a_daemon_started_with_a_new_session_never_writes(tmp_path, hook):
    target = tmp_path / "daemon-wrote-this"
    tmp_path.chmod(0o777)  # it could write here, if it ever ran
    spawn = ("import subprocess, sys\nsubprocess.Popen([sys.executable, '-c', script], "
             "start_new_session=True)") if hook else (
             "import os, sys\nos.posix_spawn(sys.executable, [sys.executable, '-c', script], "
             "{}, setsid=True)")
    result = run(answer(f"""
        script = "import time; time.sleep(1); open({str(target)!r}, 'w').write('x')"
        {textwrap.indent(spawn, "        ").strip()}
        """), cases=CASES[:1], _hook=hook)
    outcome = result.cases[0]
    assert outcome.status == "error"
    if hook:
        assert result.status == "blocked"
    else:  # no audit hook: RLIMIT_NPROC = 0 refuses the process
        assert result.violations == [] and outcome.error.startswith("BlockingIOError")
    time.sleep(1.5)
    assert not target.exists()


# --------------------------------------------------------------------------------------------
# layer 4: the operating system alone (the audit hook switched off)
# --------------------------------------------------------------------------------------------


def test_without_the_hook_no_process_or_thread_can_start():
    result = run(answer("""
        import os, threading
        try:
            os.fork()
        except BlockingIOError:
            print("fork refused")
        try:
            threading.Thread(target=print).start()
        except RuntimeError:
            print("thread refused")
        """), cases=CASES[:1], _hook=False)
    assert result.status == "ok"
    assert result.cases[0].stdout == "fork refused\nthread refused\n"
    assert "hook" not in result.layers and "nproc" in result.layers


def test_without_the_hook_the_process_is_nobody_and_the_course_is_out_of_reach():
    result = run(f"""
import os

def im_conv(im, kernel):
    found = [os.getuid(), os.getgid(), os.getgroups()]
    for path, mode in [({str(CORE)!r}, "r"), ({str(ROOT / 'pwned.txt')!r}, "w")]:
        try:
            open(path, mode).close()
            found.append("opened")
        except OSError as error:
            found.append(type(error).__name__)
    return found
""", cases=CASES[:1], _hook=False)
    assert result.status == "ok", result.message
    value = result.cases[0].value
    if IS_ROOT:
        assert value[:3] == [65534, 65534, []] and "nobody" in result.layers
        if "mountns" in result.layers:  # the course is not there at all, and / is read-only
            assert value[3:] == ["FileNotFoundError", "OSError"]
        else:  # the course folder belongs to root
            assert value[3:] == ["opened", "PermissionError"]
    else:  # a normal user: only the hook guards the files
        assert value[0] == os.getuid() and "nobody" not in result.layers
    assert not (ROOT / "pwned.txt").exists()


def _namespaces_work() -> bool:
    """Whether this machine lets root unshare a mount namespace (as the runner does)."""
    probe = "import ctypes; print(ctypes.CDLL(None, use_errno=True).unshare(0x00020000))"
    done = subprocess.run([sys.executable, "-I", "-c", probe], capture_output=True, text=True,
                          timeout=30)
    return done.stdout.strip() == "0"


def test_a_standard_module_imported_late_works_as_nobody():
    # a module that the runner did not preload: as root, the interpreter's folder (here
    # under /root, which is 0700) is made reachable for nobody in the mount namespace
    result = run(answer("import unittest, csv"), cases=CASES[:1])
    assert result.violations == []
    outcome = result.cases[0]
    if "mountns" in result.layers or not IS_ROOT or _stdlib_is_public():
        assert outcome.status == "ok", outcome.error
    else:
        assert "the grader cannot import unittest here" in outcome.error


def _stdlib_is_public() -> bool:
    import sysconfig

    path = Path(sysconfig.get_paths()["stdlib"])
    return all(folder.stat().st_mode & 0o001 for folder in path.parents)


def test_sandboxes_in_threads_do_not_disturb_each_other():
    from concurrent.futures import ThreadPoolExecutor

    sources = [GOOD] * 4 + [answer("while True:\n    pass")]
    with ThreadPoolExecutor(max_workers=5) as pool:
        results = list(pool.map(lambda source: run(source, timeout=3.0), sources))
    for result in results[:4]:
        assert_correct(result)
    assert results[4].status == "timeout"


def test_a_killed_grader_takes_its_run_along_and_its_folder_is_swept():
    grader = subprocess.Popen([sys.executable, "-c", textwrap.dedent("""
        from types import SimpleNamespace
        from convkit.grading.sandbox import run_in_sandbox
        run_in_sandbox(["import time\\ndef f():\\n    time.sleep(60)\\n"], "f",
                       [SimpleNamespace(args=())], timeout=60)
        """)])
    try:
        runner = _wait_for(lambda: next(iter(reaper.descendants(grader.pid)), None))
        pattern = f"convkit-sandbox-{grader.pid}-*"
        folders = _wait_for(lambda: list(Path(tempfile.gettempdir()).glob(pattern)))
    finally:
        grader.kill()
        grader.wait()
    # the runner sleeps (no CPU limit would stop it): it dies with its grader
    assert _wait_for(lambda: _gone(runner))
    run(GOOD, cases=CASES[:1])  # the next run sweeps the dead grader's folder away
    assert not any(folder.exists() for folder in folders)


def _gone(pid: int) -> bool:
    stat = reaper._stat(pid)
    if stat is not None and stat[0] == "Z":  # our zombie, if we are its subreaper
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
        return True
    return stat is None


def _wait_for(condition, limit: float = 60.0):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("gave up waiting")


# --------------------------------------------------------------------------------------------
# layer 5: the reaper
# --------------------------------------------------------------------------------------------


def test_the_reaper_kills_an_escaped_daemon_and_spares_other_children(tmp_path):
    assert reaper.enable_subreaper() == sys.platform.startswith("linux")
    assert reaper.enable_subreaper() == reaper.is_subreaper()  # idempotent
    target = tmp_path / "daemon-wrote-this"
    daemon = textwrap.dedent(f"""
        import os, sys, time
        if os.fork() == 0:          # the daemon: a new session, then wait and write
            os.setsid()
            print(os.getpid(), flush=True)
            os.close(1)
            time.sleep(2)
            open({str(target)!r}, "w").write("x")
            os._exit(0)
        os._exit(0)                 # its parent leaves at once: the daemon is an orphan
        """)
    env = {**os.environ, "CONVKIT_SANDBOX": "1"}
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        escaper = subprocess.run([sys.executable, "-c", daemon], env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, text=True, timeout=10)
        stray = int(escaper.stdout.split()[0])
        assert reaper.descendants()[stray] == os.getpid()  # re-parented to us, not to init
        killed = reaper.kill_strays(known_pids=[], environ_marker="CONVKIT_SANDBOX=1")
        assert killed == [stray]
        assert stray not in reaper.descendants() and not Path(f"/proc/{stray}").exists()
        assert bystander.poll() is None  # no mark: not a stray
    finally:
        bystander.kill()
        bystander.wait()
    time.sleep(2.5)
    assert not target.exists()


def test_docstring_examples():
    import doctest

    from convkit.grading import reaper, sandbox

    for module in (sandbox, reaper):
        assert doctest.testmod(module, optionflags=doctest.ELLIPSIS).failed == 0


# --------------------------------------------------------------------------------------------
# issue 12, item 1: nothing of a reference implementation is within the student's reach
# --------------------------------------------------------------------------------------------

#: answer code that looks everywhere for a working ``im_conv`` it did not write: the runner's
#: globals (``GIVEN_SOURCE`` of old), every module, the garbage collector, the frames, the
#: runner's own file and convkit's, ``inspect``; it returns what it found, by where
STEAL = f'''
import sys

def _is_reference(value):
    if isinstance(value, str):
        return "def im_conv(" in value and "_is_reference" not in value
    return callable(value) and getattr(value, "__name__", "") == "im_conv" and value is not im_conv


def _steal():
    found = {{}}
    main = sys.modules.get("__main__")
    for key, value in list(vars(main).items()):
        if _is_reference(value):
            found["__main__." + key] = value
    for name, module in list(sys.modules.items()):
        for key, value in list(getattr(module, "__dict__", {{}}).items()):
            if _is_reference(value):
                found[name + "." + key] = value
    try:
        import gc
        for thing in gc.get_objects():
            values = thing.values() if isinstance(thing, dict) else [thing]
            for value in list(values):
                if _is_reference(value):
                    found["gc"] = value
    except Exception:
        pass
    try:
        frame = sys._getframe()
        while frame is not None:
            for value in list(frame.f_locals.values()) + list(frame.f_globals.values()):
                for item in (value.values() if isinstance(value, dict) else [value]):
                    if _is_reference(item):
                        found["frame"] = item
            frame = frame.f_back
    except Exception:
        pass
    for where, path in [("runner file", getattr(main, "__file__", None)),
                        ("core.py", {str(CORE)!r})]:
        try:
            with open(path) as handle:
                text = handle.read()
            if _is_reference(text):
                found[where] = text
        except Exception:
            pass
    try:
        import inspect
        text = inspect.getsource(main)
        if _is_reference(text):
            found["inspect"] = text
    except Exception:
        pass
    return found


def _working(found, im, kernel):
    for where, value in found.items():
        try:
            if callable(value):
                return where, value(im, kernel)
            namespace = {{"np": np}}
            exec(value, namespace)
            return where, namespace["im_conv"](im, kernel)
        except Exception:
            continue
    return None, None


def im_conv(im, kernel):
    where, result = _working(_steal(), im, kernel)
    return [sorted(_steal()), where, result]
'''

GIVEN_FLIP = "def flip_kernel(kernel):\n    return np.asarray(kernel)[::-1, ::-1].copy()\n"


@pytest.mark.parametrize("hook", [True, False], ids=["hook", "os only"])
def test_no_reference_implementation_is_reachable_from_the_sandbox(hook):
    result = run(STEAL, cases=CASES[:1], given_source=GIVEN_FLIP, _hook=hook)
    assert result.cases and result.cases[0].status == "ok", (result.status, result.cases)
    found, where, value = result.cases[0].value
    assert found == [] and where is None and value is None
    if hook:  # the gc walk, the frames and the files were refused on the way
        assert result.status == "blocked"
    assert "mountns" in result.layers or not (IS_ROOT and _namespaces_work())


def test_the_same_theft_works_where_a_reference_is_reachable(monkeypatch):
    # proof that the attack above is not vacuous: in a process that keeps a reference in
    # __main__ (as the runner's GIVEN_SOURCE did) and can read convkit, it finds both
    main = sys.modules["__main__"]
    monkeypatch.setattr(main, "GIVEN_SOURCE", GOOD, raising=False)
    namespace: dict = {"np": np}
    exec(STEAL, namespace)
    found = namespace["_steal"]()
    assert {"__main__.GIVEN_SOURCE", "core.py"} <= set(found)
    _where, value = namespace["_working"]({"__main__.GIVEN_SOURCE": GOOD}, IM, KERNEL)
    np.testing.assert_array_equal(value, expected(IM, KERNEL))


def test_the_runner_keeps_no_copy_of_the_given_source():
    # the given function is defined, but the text it came from is nowhere: not in the job,
    # not in linecache, not in the runner's globals, not in the workdir
    source = """
import linecache, os, sys

def probe():
    main = vars(sys.modules["__main__"])
    texts = [v for v in main.values() if isinstance(v, str)]
    texts += ["".join(lines) for _size, _time, lines, _name in linecache.cache.values()]
    files = []
    for name in os.listdir("."):
        if os.path.isfile(name) and not name.startswith(("results-", "arrays-")):
            files.append(name)
            texts.append(open(name, "rb").read().decode("latin-1"))
    marker = "SECRET_" + "MARKER_42"
    return [any(marker in t for t in texts), flip_kernel(np.arange(4).reshape(2, 2)).tolist(),
            sorted(files)]
"""
    given = "SECRET_MARKER_42 = 1\n" + GIVEN_FLIP
    result = run(source, name="probe", cases=[Case("once", ())], given_source=given, _hook=False)
    assert result.status == "ok", result.message
    # in a private root the folder is a fresh scratch space; elsewhere the inputs stay
    files = [] if IS_ROOT and _namespaces_work() else ["inputs.npys"]
    assert result.cases[0].value == [False, [[3, 2], [1, 0]], files]


# --------------------------------------------------------------------------------------------
# issue 12, item 2: C code cannot leave the sandbox (namespaces, as root)
# --------------------------------------------------------------------------------------------

ISOLATED = IS_ROOT and _namespaces_work()

#: reads any file byte by byte in C++ (no audit event): OpenCV's FFmpeg reader, rawvideo
FFMPEG_READ = '''
import os
import cv2

def ffmpeg_read(path, limit=4096):
    os.environ["OPENCV_FFMPEG_CAPTURE_OPTIONS"] = (
        "input_format;rawvideo|pixel_format;gray|video_size;1x1")
    capture = cv2.VideoCapture(path, cv2.CAP_FFMPEG, [cv2.CAP_PROP_FORMAT, -1])
    data = []
    while capture.isOpened() and len(data) < limit:
        ok, frame = capture.read()
        if not ok:
            break
        data.append(frame.tobytes())
    capture.release()
    return b"".join(data).decode("latin-1")
'''


def _public_folder() -> Path:
    """A folder every user may read (like a shared SUBMISSIONS_DIR or OUT_DIR)."""
    folder = Path(tempfile.mkdtemp(prefix="convkit-test-", dir="/tmp"))
    folder.chmod(0o755)
    return folder


def _probe(source: str, name: str, **options) -> SandboxResult:
    options.setdefault("timeout", 20.0)
    return run_in_sandbox([FFMPEG_READ, source], name, [Case("once", ())],
                          allowed_modules=("cv2",), **options)


@pytest.fixture
def class_folders():
    """A fake SUBMISSIONS_DIR (another student's hand-in) and OUT_DIR (the solutions copy)."""
    base = _public_folder()
    try:
        other = base / "submitted" / "other_student" / "02_im_conv" / "im_conv.ipynb"
        solution = base / "out" / ".nbgrader" / "solutions" / "im_conv.ipynb"
        for path, text in ((other, "OTHER-STUDENT-ANSWER"), (solution, "MODEL-ANSWER")):
            path.parent.mkdir(parents=True)
            path.write_text(text)
        for folder in [base, *base.rglob("*")]:
            folder.chmod(0o755 if folder.is_dir() else 0o644)
        yield SimpleNamespace(submissions=base / "submitted", out=base / "out", other=other,
                              solution=solution)
    finally:
        subprocess.run(["rm", "-rf", str(base)], check=False)


def test_the_ffmpeg_reader_cannot_read_other_students_or_the_solutions(class_folders):
    source = f"""
def steal():
    return [ffmpeg_read({str(class_folders.other)!r}), ffmpeg_read({str(class_folders.solution)!r})]
"""
    hidden = (str(class_folders.submissions), str(class_folders.out))
    result = _probe(source, "steal", hidden_folders=hidden)
    assert result.status == "ok", result.message
    if ISOLATED:
        assert result.cases[0].value == ["", ""]
        assert {"mountns", "netns", "pidns", "proc", "nobody", "nproc", "hook"} <= set(
            result.layers)
    # proof: the same code reads both files when the namespaces are off
    exposed = _probe(source, "steal", hidden_folders=hidden, _namespaces=False)
    assert exposed.cases[0].value == ["OTHER-STUDENT-ANSWER", "MODEL-ANSWER"]
    assert "mountns" not in exposed.layers


def test_the_graders_command_line_is_out_of_reach():
    salt = "--salt=s3cret-salt-of-the-run"
    grader_like = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", salt])
    try:
        _wait_for(lambda: salt.encode() in Path(f"/proc/{grader_like.pid}/cmdline").read_bytes())
        source = f"""
def steal():
    import os
    return [ffmpeg_read("/proc/{grader_like.pid}/cmdline"),
            ffmpeg_read("/proc/{os.getpid()}/cmdline"), ffmpeg_read("/proc/self/cmdline")]
"""
        result = _probe(source, "steal")
        assert result.status == "ok", result.message
        other, grader, own = result.cases[0].value
        if ISOLATED:
            assert other == "" and grader == ""
            assert "_runner.py" in own and "salt" not in own  # its own command line only
        exposed = _probe(source, "steal", _namespaces=False)
        assert salt in exposed.cases[0].value[0]  # proof: readable without the PID namespace
        assert "pytest" in exposed.cases[0].value[1] or "python" in exposed.cases[0].value[1]
    finally:
        grader_like.kill()
        grader_like.wait()


def test_opencv_writes_nothing_outside_the_sandbox():
    token = f"convkit-test-{os.getpid()}-{time.monotonic_ns()}"
    targets = [f"/tmp/{token}.png", f"/dev/shm/{token}.png", f"/var/tmp/{token}.png"]
    storage = f"/tmp/{token}.yml"
    source = f"""
def write():
    done = []
    for path in {targets!r}:
        try:
            done.append(bool(cv2.imwrite(path, np.zeros((4, 4), np.uint8))))
        except cv2.error:
            done.append(False)
    try:
        fs = cv2.FileStorage({storage!r}, cv2.FILE_STORAGE_WRITE)
        done.append(fs.isOpened())
        if fs.isOpened():
            fs.write("x", 1)
            fs.release()
    except cv2.error:
        done.append(False)
    return done
"""
    try:
        result = _probe(source, "write")
        assert result.status == "ok", result.message
        if ISOLATED:
            assert result.cases[0].value == [False, False, False, False]
            assert not any(Path(path).exists() for path in [*targets, storage])
        exposed = _probe(source, "write", _namespaces=False)  # proof: they land without it
        assert exposed.cases[0].value == [True, True, True, True]
        assert all(Path(path).exists() for path in [*targets, storage])
    finally:
        for path in [*targets, storage]:
            Path(path).unlink(missing_ok=True)


def test_opencv_filestorage_cannot_read_the_hidden_folders(class_folders):
    secret = class_folders.out / "secret.yml"
    secret.write_text("%YAML:1.0\n---\nanswer: 42\n")
    secret.chmod(0o644)
    source = f"""
def read():
    try:
        fs = cv2.FileStorage({str(secret)!r}, cv2.FILE_STORAGE_READ)
    except cv2.error:
        return None
    return fs.getNode("answer").real() if fs.isOpened() else None
"""
    result = _probe(source, "read", hidden_folders=(str(class_folders.out),))
    assert result.status == "ok", result.message
    if ISOLATED:
        assert result.cases[0].value is None
    exposed = _probe(source, "read", hidden_folders=(str(class_folders.out),), _namespaces=False)
    assert exposed.cases[0].value == 42.0


class _CountingServer:
    """A loopback HTTP server that counts the connections it gets; stops by itself."""

    def __init__(self, lifetime: float = 60.0):
        import http.server
        import threading

        self.requests = 0
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the http.server API
                server.requests += 1
                self.send_response(404)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.timeout = 1
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()
        self._timer = threading.Timer(lifetime, self.stop)
        self._timer.daemon = True
        self._timer.start()

    def stop(self) -> None:
        self._timer.cancel()
        self.httpd.shutdown()
        self.httpd.server_close()


def test_opencv_cannot_reach_a_loopback_http_server():
    server = _CountingServer()
    try:
        source = f"""
def fetch():
    capture = cv2.VideoCapture("http://127.0.0.1:{server.port}/x.mp4", cv2.CAP_FFMPEG)
    return capture.isOpened()
"""
        result = _probe(source, "fetch")
        assert result.status == "ok", result.message
        if ISOLATED:
            assert server.requests == 0 and "netns" in result.layers
        _probe(source, "fetch", _namespaces=False)  # proof: the server hears it without netns
        assert server.requests >= 1
    finally:
        server.stop()


def test_a_raw_socket_reaches_nothing_without_the_hook():
    # with the hook off, a socket made in C (libc through the ctypes NumPy holds) meets only
    # the network namespace: a loopback that is down
    server = _CountingServer()
    try:
        source = f"""
def connect():
    import struct
    ctypes = np._core._internal.ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.socket(2, 1, 0)  # AF_INET, SOCK_STREAM
    address = (struct.pack("=H", 2) + struct.pack(">H", {server.port})
               + bytes([127, 0, 0, 1]) + bytes(8))
    if libc.connect(fd, address, 16) != 0:
        return "connect failed: errno " + str(ctypes.get_errno())
    request = b"GET /raw HTTP/1.0\\r\\n\\r\\n"
    libc.send(fd, request, len(request), 0)
    reply = ctypes.create_string_buffer(12)
    libc.recv(fd, reply, 12, 0)
    libc.close(fd)
    return reply.raw.decode()
"""
        result = run(source, name="connect", cases=[Case("once", ())], _hook=False,
                     timeout=10.0)
        assert result.status == "ok", result.message
        if ISOLATED:  # ENETUNREACH (101): no interface is up
            assert result.cases[0].value == "connect failed: errno 101", result.cases[0]
            assert server.requests == 0
        exposed = run(source, name="connect", cases=[Case("once", ())], _hook=False,
                      _namespaces=False, timeout=10.0)
        assert exposed.cases[0].value == "HTTP/1.0 404" and server.requests == 1
        hooked = run("import socket\n" + source, name="connect", cases=[Case("once", ())])
        assert hooked.status == "blocked" and "import of socket" in hooked.violations
    finally:
        server.stop()


def test_the_sandbox_sees_no_shared_folder_and_no_other_process():
    source = """
def look():
    import os
    seen = {}
    for path in ("/tmp", "/var/tmp", "/dev/shm", "/dev", "/proc", "/sys", "/etc", "/home"):
        try:
            seen[path] = sorted(os.listdir(path))
        except OSError as error:
            seen[path] = type(error).__name__
    return [seen, os.getpid()]
"""
    result = run(source, name="look", cases=[Case("once", ())], _hook=False)
    assert result.status == "ok", result.message
    seen, pid = result.cases[0].value
    if ISOLATED:
        # the interpreter (and the packages it imported) are kept where they are: a checkout
        # under /tmp or /home leaves exactly the path down to them, nothing beside it
        kept = Path(os.path.realpath(sys.prefix))

        def path_to_kept(folder: str) -> set[str]:
            inside = kept.is_relative_to(folder) and kept != Path(folder)
            return {kept.relative_to(folder).parts[0]} if inside else set()

        tmp = set(seen["/tmp"]) - path_to_kept("/tmp")
        assert len(tmp) == 1 and next(iter(tmp)).startswith("convkit-sandbox-"), seen["/tmp"]
        assert seen["/dev"] == ["null", "random", "urandom", "zero"]
        assert [p for p in seen["/proc"] if p.isdigit()] == ["1"] and pid == 1
        for path in ("/var/tmp", "/dev/shm", "/sys", "/etc", "/home"):
            if path_to_kept(path):
                assert set(seen[path]) == path_to_kept(path), (path, seen[path])
            else:
                assert seen[path] == "FileNotFoundError", path
    exposed = run(source, name="look", cases=[Case("once", ())], _hook=False, _namespaces=False)
    assert len([p for p in exposed.cases[0].value[0]["/proc"] if p.isdigit()]) > 1


def test_numpy_and_opencv_answers_work_inside_the_namespaces():
    source = """
def work():
    import csv, datetime, decimal, hashlib, lzma, unittest, zlib
    im = np.random.default_rng(0).random((64, 64)).astype(np.float32)
    blurred = cv2.GaussianBlur(cv2.filter2D(im, -1, np.ones((3, 3), np.float32) / 9), (5, 5), 1)
    edges = cv2.Canny((im * 255).astype(np.uint8), 50, 150)
    return [blurred.shape, edges.dtype.name, float(np.linalg.det(np.eye(3))),
            int(cv2.imencode(".png", edges)[1].size > 0)]
"""
    result = _probe(source, "work")
    assert result.status == "ok", result.message
    assert result.cases[0].status == "ok", result.cases[0].error
    assert result.cases[0].value == [(64, 64), "uint8", 1.0, 1]
    assert result.violations == []


def test_a_hidden_folder_inside_a_kept_package_is_covered():
    # hidden_folders win over what the sandbox keeps: a folder inside NumPy's, hidden,
    # is an empty, unreadable file system in the sandbox (and plainly readable without it)
    hidden = Path(np.__file__).resolve().parent / "typing"
    source = f"""
def look():
    import os
    try:
        return sorted(os.listdir({str(hidden)!r}))
    except OSError as error:
        return type(error).__name__
"""
    options = {"name": "look", "cases": [Case("once", ())], "_hook": False,
               "hidden_folders": (str(hidden),)}
    result = run(source, **options)
    assert result.status == "ok", result.message
    if ISOLATED:
        assert result.cases[0].value == "PermissionError"
    exposed = run(source, _namespaces=False, **options)
    assert "__init__.py" in exposed.cases[0].value
    # and the hook refuses it too, without the namespaces: a hidden folder beats a kept one
    hooked = run(f"open({str(hidden / '__init__.py')!r}).read()\n" + GOOD,
                 hidden_folders=(str(hidden),), _namespaces=False)
    assert hooked.status == "blocked"
    assert hooked.violations == [f"open({str(hidden / '__init__.py')!r})"]


def test_a_new_session_does_not_outlive_the_run(tmp_path):
    # os.setsid() takes the student's process out of the process group the grader kills;
    # it still dies: with its parent (PR_SET_PDEATHSIG), and as root with its PID namespace
    target = tmp_path / "still-alive"
    tmp_path.chmod(0o777)
    result = run(answer(f"""
        import os, time
        os.setsid()
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline:
            time.sleep(0.05)
        open({str(target)!r}, "w").write("x")
        """), cases=CASES[:1], _hook=False, timeout=1.0)
    assert result.status == "timeout"
    time.sleep(4.5)
    assert not target.exists()
    assert not [pid for pid in reaper.descendants() if reaper._uid(pid) == 65534]


def test_what_c_code_writes_in_its_folder_stays_in_memory_and_small():
    # in a private root the run's folder is a small tmpfs: OpenCV can write there (its own
    # place), but not more than a few tens of MB, and nothing of it reaches the disk
    source = """
def fill():
    import os
    picture = np.random.default_rng(0).integers(0, 255, (2048, 4096), dtype=np.uint8)
    written = 0
    for index in range(12):  # 12 x 8 MB, uncompressed
        written += bool(cv2.imwrite(f"fill-{index}.pgm", picture))
    return [written, os.getcwd()]
"""
    result = _probe(source, "fill")
    assert result.status == "ok", result.message
    written, folder = result.cases[0].value
    if ISOLATED:
        assert 4 <= written <= 8  # the 64 MB scratch folder is full
    exposed = _probe(source, "fill", _namespaces=False)
    assert exposed.cases[0].value[0] == 12  # proof: on the disk all of them land
