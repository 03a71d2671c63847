"""The grader's sandbox: every test is a real attack (or a real answer) run in a real process.

Each layer of :mod:`convkit.grading.sandbox` is tested on its own where it can be:
the process and its limits, the audit hook, the identity drop, the reaper and the
wire format. Timeouts are short (2 s) so the whole file stays well under a minute.
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from convkit.checks import Case, Unserializable
from convkit.grading.sandbox import (
    DEFAULT_MEMORY_MB,
    CaseResult,
    SandboxResult,
    run_in_sandbox,
    transform_ipython,
)

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
    assert 0 < result.seconds < TIMEOUT


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


def test_input_modification_is_reported_and_each_call_gets_fresh_copies():
    twice = [Case("first", (IM, KERNEL)), Case("second", (IM, KERNEL))]
    result = run(answer("im += 1"), cases=twice)
    assert result.status == "ok"
    assert [outcome.inputs_modified for outcome in result.cases] == [True, True]
    for outcome in result.cases:  # not IM + 2 the second time
        np.testing.assert_array_equal(outcome.value, expected(IM + 1, KERNEL))
    untouched = run(answer("im = im + 1"), cases=twice)
    assert [outcome.inputs_modified for outcome in untouched.cases] == [False, False]


def test_given_im_conv_is_provided_and_wins_over_a_redefinition():
    convolve = ("def im_conv(im, kernel):\n    return None\n\n"
                "def convolve(im, kernel):\n    return im_conv(im, kernel[::-1, ::-1])\n")
    result = run(convolve, name="convolve", given=("im_conv",))
    assert result.status == "ok", result.message
    for case, outcome in zip(CASES, result.cases, strict=True):
        np.testing.assert_allclose(outcome.value, expected(case.args[0], case.args[1][::-1, ::-1]))


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
    assert TIMEOUT <= result.seconds < TIMEOUT + 2


def test_a_loop_that_ignores_sigint_and_sigterm_still_dies():
    result = run(answer("""
        import signal, time
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        while True:
            time.sleep(0.01)
        """))
    assert result.status == "timeout"
    assert result.seconds < TIMEOUT + 2


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


def test_memory_limit_is_enough_for_numpy_and_opencv_answers():
    source = answer("""
        big = np.random.default_rng(0).random((400, 400))
        cv2.filter2D(big.astype(np.float32), -1, np.ones((5, 5), np.float32) / 25)
        np.lib.stride_tricks.sliding_window_view(big, (5, 5)).sum(axis=(2, 3))
        """)
    assert_correct(run(source, allowed_modules=("cv2",)))


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


def test_a_list_of_arrays_comes_back_as_a_list_of_exact_arrays():
    source = "def im_conv(im, kernel):\n    return [im * 2, kernel]\n"
    outcome = run(source, cases=CASES[:1]).cases[0]
    assert type(outcome.value) is list
    assert all(type(item) is np.ndarray for item in outcome.value)
    np.testing.assert_array_equal(outcome.value[0], IM * 2)


def test_bad_arguments_are_named():
    with pytest.raises(TypeError, match="sources"):
        run_in_sandbox("def f(): pass", "f", [])
    with pytest.raises(ValueError, match="name"):
        run_in_sandbox([GOOD], "im conv", [])
    with pytest.raises(ValueError, match="kind"):
        run_in_sandbox([GOOD], "im_conv", [], kind="values")
    with pytest.raises(ValueError, match="given"):
        run_in_sandbox([GOOD], "im_conv", [], given=("scipy_conv",))
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


def test_docstring_examples():
    import doctest

    from convkit.grading import reaper, sandbox

    for module in (sandbox, reaper):
        assert doctest.testmod(module, optionflags=doctest.ELLIPSIS).failed == 0
