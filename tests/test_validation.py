"""Bad input to convkit's array code: the documented error type, and a message that names
the argument, says what was expected and shows what was given."""

from __future__ import annotations

import re

import numpy as np
import pytest

from convkit import _validate
from convkit.core import (
    apply_per_channel,
    conv_output_shape,
    convolve,
    correlate,
    flip_kernel,
    get_subimages,
    im_conv,
)

GOOD_IM = np.arange(30.0).reshape(5, 6)
GOOD_K = np.ones((3, 3))

# functions taking (im, kernel): every one validates both the same way
IM_KERNEL_FUNCTIONS = {
    "correlate": correlate,
    "convolve": convolve,
    "im_conv": im_conv,
    "get_subimages": get_subimages,
}

# (label, bad value, error type, words the message must contain)
BAD_ARRAYS = [
    ("3-D", np.zeros((5, 6, 3)), ValueError, ["2-D", "(5, 6, 3)"]),
    ("1-D", np.zeros(6), ValueError, ["2-D", "(6,)"]),
    ("0-D", np.float64(3.0), ValueError, ["2-D", "()"]),
    ("4-D", np.zeros((1, 5, 6, 1)), ValueError, ["2-D", "(1, 5, 6, 1)"]),
    ("empty rows", np.zeros((0, 6)), ValueError, ["empty", "(0, 6)"]),
    ("empty columns", np.zeros((5, 0)), ValueError, ["empty", "(5, 0)"]),
    ("empty list", [[]], ValueError, ["empty", "(1, 0)"]),
    ("NaN", np.array([[1.0, np.nan], [0.0, 1.0]]), ValueError, ["finite", "NaN", "(0, 1)"]),
    ("inf", np.array([[1.0, 2.0], [-np.inf, 1.0]]), ValueError, ["finite", "(1, 0)"]),
    ("float32 NaN", np.full((2, 2), np.nan, np.float32), ValueError, ["finite", "4"]),
    ("strings", np.array([["a", "b"], ["c", "d"]]), TypeError, ["real numbers", "strings"]),
    ("string list", [["1", "2"]], TypeError, ["real numbers", "<U1"]),
    ("object", np.array([[1, 2]], dtype=object), TypeError, ["real numbers", "object"]),
    ("None", None, TypeError, ["got None"]),
    ("bool", np.ones((3, 3), dtype=bool), TypeError, ["boolean", ".astype(float)"]),
    ("complex", np.ones((3, 3), dtype=complex), TypeError, ["complex", "real"]),
    ("ragged", [[1, 2, 3], [4, 5]], ValueError, ["2-D", "list"]),
    ("dict", {"a": 1}, TypeError, ["real numbers", "object"]),
]


def check_message(excinfo: pytest.ExceptionInfo, name: str, words: list[str]) -> None:
    message = str(excinfo.value)
    assert re.match(rf"{name}\b", message), f"message should start with {name!r}: {message}"
    for word in words:
        assert word in message, f"{word!r} missing from: {message}"


@pytest.mark.parametrize("func", IM_KERNEL_FUNCTIONS.values(), ids=IM_KERNEL_FUNCTIONS.keys())
@pytest.mark.parametrize("label, bad, error, words", BAD_ARRAYS, ids=[b[0] for b in BAD_ARRAYS])
def test_bad_image(func, label, bad, error, words):
    with pytest.raises(error) as excinfo:
        func(bad, GOOD_K)
    check_message(excinfo, "im", words)


@pytest.mark.parametrize("func", [*IM_KERNEL_FUNCTIONS.values(), None],
                         ids=[*IM_KERNEL_FUNCTIONS.keys(), "flip_kernel"])
@pytest.mark.parametrize("label, bad, error, words", BAD_ARRAYS, ids=[b[0] for b in BAD_ARRAYS])
def test_bad_kernel(func, label, bad, error, words):
    with pytest.raises(error) as excinfo:
        flip_kernel(bad) if func is None else func(GOOD_IM, bad)
    check_message(excinfo, "kernel", words)


def test_colour_image_message_points_to_apply_per_channel():
    with pytest.raises(ValueError) as excinfo:
        im_conv(np.zeros((48, 64, 3), dtype=np.uint8), GOOD_K)
    assert str(excinfo.value) == (
        "im must be a 2-D (height, width) array; got shape (48, 64, 3): "
        "for colour images use apply_per_channel"
    )


def test_one_dimensional_kernel_message_shows_how_to_make_a_row():
    with pytest.raises(ValueError, match=r"np\.reshape\(kernel, \(1, -1\)\)"):
        correlate(GOOD_IM, [1, 0, -1])


def test_ragged_message_names_the_argument():
    with pytest.raises(ValueError, match=r"^kernel .*could not make an array"):
        im_conv(GOOD_IM, [[1, 2], [3]])


@pytest.mark.parametrize("func", IM_KERNEL_FUNCTIONS.values(), ids=IM_KERNEL_FUNCTIONS.keys())
@pytest.mark.parametrize("kernel_shape", [(6, 3), (3, 7), (6, 7)])
def test_kernel_larger_than_image_in_valid_mode(func, kernel_shape):
    with pytest.raises(ValueError) as excinfo:
        func(GOOD_IM, np.ones(kernel_shape))
    check_message(excinfo, "kernel", [str(kernel_shape), "(5, 6)", "valid", "'same'"])


@pytest.mark.parametrize("mode", ["same", "full"])
def test_kernel_larger_than_image_is_fine_when_padding(mode):
    out = correlate(GOOD_IM, np.ones((7, 9)), mode)
    assert out.shape == conv_output_shape(GOOD_IM.shape, (7, 9), mode)


BAD_CHOICES = [
    ("Same", ValueError, ["'full', 'same', 'valid'", "'Same'", "lower case"]),
    ("circular", ValueError, ["'full', 'same', 'valid'", "'circular'"]),
    ("", ValueError, ["'full', 'same', 'valid'", "''"]),
    (None, TypeError, ["string", "None"]),
    (1, TypeError, ["string", "1"]),
]


@pytest.mark.parametrize("func", [correlate, convolve], ids=["correlate", "convolve"])
@pytest.mark.parametrize("bad, error, words", BAD_CHOICES)
def test_bad_mode(func, bad, error, words):
    with pytest.raises(error) as excinfo:
        func(GOOD_IM, GOOD_K, mode=bad)
    check_message(excinfo, "mode", words)


@pytest.mark.parametrize("bad, error, words", BAD_CHOICES)
def test_bad_mode_in_conv_output_shape(bad, error, words):
    with pytest.raises(error) as excinfo:
        conv_output_shape((5, 5), (3, 3), bad)
    check_message(excinfo, "mode", words)


@pytest.mark.parametrize("func", [correlate, convolve], ids=["correlate", "convolve"])
@pytest.mark.parametrize(
    "bad, error, words",
    [
        ("symm", ValueError, ["'zero', 'reflect', 'replicate', 'wrap'", "for 'reflect'"]),
        ("fill", ValueError, ["'zero', 'reflect', 'replicate', 'wrap'", "for 'zero'"]),
        ("edge", ValueError, ["'zero', 'reflect', 'replicate', 'wrap'", "for 'replicate'"]),
        ("Wrap", ValueError, ["lower case: 'wrap'"]),
        ("mirror", ValueError, ["'zero', 'reflect', 'replicate', 'wrap'", "'mirror'"]),
        (0, TypeError, ["string", "0"]),
    ],
)
def test_bad_boundary(func, bad, error, words):
    # checked in every mode, valid included, so typos never pass silently
    for mode in ("valid", "same"):
        with pytest.raises(error) as excinfo:
            func(GOOD_IM, GOOD_K, mode, boundary=bad)
        check_message(excinfo, "boundary", words)


@pytest.mark.parametrize(
    "bad, error",
    [
        (0, ValueError),
        (-1, ValueError),
        ((1, 0), ValueError),
        ((2, -3), ValueError),
        (1.5, TypeError),
        (2.0, TypeError),
        ("2", TypeError),
        (True, TypeError),
        (None, TypeError),
        ((1, 2, 3), TypeError),
        ((1, 1.0), TypeError),
    ],
)
def test_bad_stride(bad, error):
    for call in (
        lambda: correlate(GOOD_IM, GOOD_K, stride=bad),
        lambda: convolve(GOOD_IM, GOOD_K, "same", stride=bad),
    ):
        with pytest.raises(error) as excinfo:
            call()
        check_message(excinfo, "stride", ["positive integer", "got"])
    # conv_output_shape's stride is one int (DESIGN.md): a pair is a TypeError there
    with pytest.raises(TypeError if isinstance(bad, tuple) else error) as excinfo:
        conv_output_shape((5, 5), (3, 3), "valid", stride=bad)
    check_message(excinfo, "stride", ["positive integer", "got"])


def test_numpy_integer_strides_are_fine():
    assert correlate(GOOD_IM, GOOD_K, stride=np.int64(2)).shape == (2, 2)
    assert correlate(GOOD_IM, GOOD_K, stride=[1, np.uint8(3)]).shape == (3, 2)


@pytest.mark.parametrize(
    "im_shape, kernel_shape, error, name",
    [
        ((5,), (3, 3), ValueError, "im_shape"),
        ((5, 5, 3), (3, 3), ValueError, "im_shape"),
        ((0, 5), (3, 3), ValueError, "im_shape"),
        ((5, -1), (3, 3), ValueError, "im_shape"),
        ((5.0, 5), (3, 3), TypeError, "im_shape"),
        ((True, 5), (3, 3), TypeError, "im_shape"),
        ("55", (3, 3), TypeError, "im_shape"),
        (None, (3, 3), TypeError, "im_shape"),
        (5, (3, 3), TypeError, "im_shape"),
        ((5, 5), (3,), ValueError, "kernel_shape"),
        ((5, 5), (3, 0), ValueError, "kernel_shape"),
        ((5, 5), (3, "3"), TypeError, "kernel_shape"),
        ((5, 5), np.ones((3, 3)), TypeError, "kernel_shape"),
    ],
)
def test_bad_shapes_in_conv_output_shape(im_shape, kernel_shape, error, name):
    with pytest.raises(error) as excinfo:
        conv_output_shape(im_shape, kernel_shape, "same")
    check_message(excinfo, name, ["(rows, columns) pair of positive integers", "got"])


@pytest.mark.parametrize("kernel_shape", [(6, 1), (1, 7), (9, 9)])
def test_conv_output_shape_refuses_an_empty_valid_output(kernel_shape):
    with pytest.raises(ValueError) as excinfo:
        conv_output_shape((5, 6), kernel_shape, "valid")
    message = str(excinfo.value)
    assert "kernel_shape" in message and "im_shape" in message and str(kernel_shape) in message
    for mode in ("same", "full"):
        assert conv_output_shape((5, 6), kernel_shape, mode)  # fine with padding


def test_apply_per_channel_bad_input():
    with pytest.raises(TypeError, match="^func must be callable"):
        apply_per_channel("im_conv", np.zeros((4, 4, 3)), GOOD_K)
    with pytest.raises(ValueError, match=r"^im must be a 2-D .* or 3-D .*; got shape \(4,\)"):
        apply_per_channel(im_conv, np.zeros(4), GOOD_K)
    with pytest.raises(ValueError, match=r"^im must be .*got shape \(2, 4, 4, 3\)"):
        apply_per_channel(im_conv, np.zeros((2, 4, 4, 3)), GOOD_K)
    with pytest.raises(ValueError, match=r"^im must have at least one channel"):
        apply_per_channel(im_conv, np.zeros((4, 4, 0)), GOOD_K)
    # func's own checks still apply
    with pytest.raises(TypeError, match="^kernel must hold numbers; got boolean"):
        apply_per_channel(im_conv, np.zeros((4, 4, 3)), np.ones((3, 3), bool))


# ----------------------------------------------------------------------------- what is accepted


def test_lists_and_tuples_are_accepted():
    expected = im_conv(np.array([[1.0, 2, 3], [4, 5, 6]]), np.array([[1.0, -1]]))
    np.testing.assert_array_equal(im_conv([[1, 2, 3], [4, 5, 6]], [[1, -1]]), expected)
    np.testing.assert_array_equal(im_conv(((1, 2, 3), (4, 5, 6)), ((1, -1),)), expected)
    assert flip_kernel([[1, 2]]).tolist() == [[2, 1]]


def test_huge_finite_values_are_accepted():
    # their sum overflows to inf, which must not be mistaken for an infinite entry
    im = np.full((3, 3), 1e308)
    out = im_conv(im, [[0.5]])
    np.testing.assert_array_equal(out, np.full((3, 3), 5e307))


def test_integer_images_are_converted_never_wrapped():
    assert _validate.as_image(np.array([[255]], np.uint8)).dtype == np.float64
    assert _validate.as_image(np.array([[255]], np.uint8), dtype=None).dtype == np.uint8


def test_float64_input_is_not_copied_by_validation_but_never_written():
    im = np.arange(6.0).reshape(2, 3)
    assert _validate.as_image(im) is im  # no needless copy; the engine only reads it
    im.flags.writeable = False  # a read-only image works everywhere
    correlate(im, GOOD_K[:2, :2], "same", "reflect")
    get_subimages(im, [[1]])


def test_messages_say_what_was_expected_and_what_was_got():
    cases = [
        lambda: im_conv(np.zeros((2, 2, 3)), GOOD_K),
        lambda: im_conv(GOOD_IM, np.ones((2, 2), bool)),
        lambda: correlate(GOOD_IM, GOOD_K, "nope"),
        lambda: correlate(GOOD_IM, GOOD_K, boundary="nope"),
        lambda: correlate(GOOD_IM, GOOD_K, stride=0),
        lambda: conv_output_shape((2, 2), (3, 3), "valid"),
        lambda: im_conv(np.array([["x"]]), GOOD_K),
    ]
    for call in cases:
        with pytest.raises((ValueError, TypeError)) as excinfo:
            call()
        message = str(excinfo.value)
        assert "got" in message and ("must" in message or "needs" in message), message


# ----------------------------------------------------------------------------- the other validators
# display, diagrams, kernels, images and the widgets validate through these; the difference
# picture of the feedback through as_result

NOT_NUMBERS = [b for b in BAD_ARRAYS if b[2] is TypeError and b[0] not in ("bool",)]


@pytest.mark.parametrize("label, bad, error, words", NOT_NUMBERS, ids=[b[0] for b in NOT_NUMBERS])
@pytest.mark.parametrize("validator", [_validate.as_picture, _validate.as_result])
def test_picture_and_result_refuse_what_is_not_numbers(validator, label, bad, error, words):
    with pytest.raises(error) as excinfo:
        validator(bad, "shown")
    check_message(excinfo, "shown", words)


@pytest.mark.parametrize(
    "bad, words",
    [
        (np.zeros((4, 5, 4)), ["(height, width) or (height, width, 3)", "(4, 5, 4)"]),
        (np.zeros(5), ["(height, width) or (height, width, 3)", "(5,)"]),
        (np.zeros((2, 2, 3, 1)), ["(height, width) or (height, width, 3)", "(2, 2, 3, 1)"]),
        (np.zeros((0, 3, 3)), ["empty", "(0, 3, 3)"]),
        (np.array([[0.0, np.inf]]), ["finite", "(0, 1)"]),
        (np.ones((2, 2), bool), ["boolean", ".astype(float)"]),
    ],
)
def test_as_picture_refuses_other_shapes_empty_and_not_finite(bad, words):
    with pytest.raises((ValueError, TypeError)) as excinfo:
        _validate.as_picture(bad, "image")
    check_message(excinfo, "image", words)


def test_as_picture_keeps_the_dtype_and_the_array():
    rgb = np.zeros((2, 3, 3), np.uint8)
    assert _validate.as_picture(rgb) is rgb
    mask = np.eye(2, dtype=bool)
    assert _validate.as_picture(mask, booleans=True) is mask
    assert _validate.as_picture([[1, 2]]).dtype.kind == "i"


@pytest.mark.parametrize(
    "bad, error, words",
    [
        (np.zeros((2, 2, 1)), ValueError, ["1-D or a 2-D", "(2, 2, 1)"]),
        (np.zeros((0, 2)), ValueError, ["empty", "(0, 2)"]),
        ([], ValueError, ["empty", "(0,)"]),
        (np.ones(3, bool), TypeError, ["boolean"]),
        ([[1, 2], [3]], ValueError, ["at most 2 dimensions", "list"]),
    ],
)
def test_as_result_refuses_more_than_two_dimensions_and_empty(bad, error, words):
    with pytest.raises(error) as excinfo:
        _validate.as_result(bad, "actual")
    check_message(excinfo, "actual", words)


def test_as_result_accepts_numbers_rows_nan_and_booleans_when_asked():
    np.testing.assert_array_equal(_validate.as_result(3, "x"), [[3.0]])
    assert _validate.as_result(np.arange(4), "x").shape == (1, 4)
    assert _validate.as_result(np.uint8(7), "x").dtype == np.float64
    with_nan = np.array([[np.nan, np.inf], [-np.inf, 1.0]])
    np.testing.assert_array_equal(_validate.as_result(with_nan, "x"), with_nan)
    np.testing.assert_array_equal(_validate.as_result([True, False], "x", booleans=True),
                                  [[1.0, 0.0]])


@pytest.mark.parametrize(
    "value",
    [np.arange(6.0).reshape(2, 3), np.arange(6, dtype=np.uint8).reshape(2, 3), np.eye(2) * 0.5],
)
def test_the_array_validators_never_modify_their_input(value):
    before = value.copy()
    value.flags.writeable = False  # any write would raise
    _validate.as_numbers(value, "x")
    _validate.as_picture(value, "x")
    _validate.as_result(value, "x")
    _validate.as_array2d(value, "x")
    np.testing.assert_array_equal(value, before)


@pytest.mark.parametrize(
    "value, minimum, error, words",
    [
        (0, 1, ValueError, ["positive integer", "got 0"]),
        (-3, 0, ValueError, ["integer >= 0", "got -3"]),
        (2.0, None, TypeError, ["must be an integer", "2.0 (float)"]),
        (True, 1, TypeError, ["positive integer", "True (bool)"]),
        ("3", 1, TypeError, ["positive integer", "'3' (str)"]),
        (None, 1, TypeError, ["positive integer", "None"]),
    ],
)
def test_as_int_refuses(value, minimum, error, words):
    with pytest.raises(error) as excinfo:
        _validate.as_int(value, "count", minimum=minimum)
    check_message(excinfo, "count", words)


def test_as_int_accepts_numpy_integers():
    assert _validate.as_int(np.uint8(3), "count", minimum=1) == 3
    assert type(_validate.as_int(np.int64(-2), "count")) is int


@pytest.mark.parametrize(
    "value, positive, error, words",
    [
        (float("nan"), False, ValueError, ["finite number", "nan"]),
        (float("-inf"), False, ValueError, ["finite number", "-inf"]),
        (0, True, ValueError, ["finite number > 0", "got 0.0"]),
        (-1.5, True, ValueError, ["> 0", "-1.5"]),
        ("2", False, TypeError, ["finite number", "'2' (str)"]),
        (True, False, TypeError, ["finite number", "bool"]),
        (1j, False, TypeError, ["finite number", "complex"]),
        (None, True, TypeError, ["> 0", "None"]),
    ],
)
def test_as_real_refuses(value, positive, error, words):
    with pytest.raises(error) as excinfo:
        _validate.as_real(value, "sigma", positive=positive)
    check_message(excinfo, "sigma", words)


def test_as_real_accepts_ints_and_numpy_floats():
    assert _validate.as_real(np.float32(0.5), "sigma", positive=True) == 0.5
    assert _validate.as_real(-2, "amount") == -2.0


@pytest.mark.parametrize(
    "value, error", [("", ValueError), ("  \n", ValueError), (None, TypeError), (3, TypeError)]
)
def test_as_text_refuses_blank_and_non_strings(value, error):
    with pytest.raises(error) as excinfo:
        _validate.as_text(value, "title")
    check_message(excinfo, "title", ["non-empty string", "got"])


@pytest.mark.parametrize(
    "value, error, words",
    [
        ("Sobel X", ValueError, ["'Sobel x', 'Sobel y'", "did you mean 'Sobel x'"]),
        ("sobel", ValueError, ["'Sobel x', 'Sobel y'", "got 'sobel'"]),
        (None, TypeError, ["a string", "None"]),
    ],
)
def test_check_choice(value, error, words):
    with pytest.raises(error) as excinfo:
        _validate.check_choice(value, "kernel_name", ("Sobel x", "Sobel y"))
    check_message(excinfo, "kernel_name", words)
    assert _validate.check_choice("Sobel y", "kernel_name", ("Sobel x", "Sobel y")) == "Sobel y"


def test_stride_messages_name_the_argument():
    with pytest.raises(ValueError, match="^step must be a positive integer"):
        _validate.check_stride(0, "step")
