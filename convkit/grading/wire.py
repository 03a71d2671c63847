"""The sandbox's wire format: tagged JSON values and ``.npy`` records (standard library + NumPy).

The grader (:mod:`convkit.grading.sandbox`) and the process that runs the student's code
(:mod:`convkit.grading._runner`) speak this format in both directions: the grader sends
each case's arguments, the runner sends back what the function returned. Both load this
one file: the grader as ``convkit.grading.wire``, the runner by path (it never imports
``convkit``, which the code it runs may not read). Nothing is pickled or evaluated.

A value is written as JSON in which ``None``, ``true``/``false``, integers, strings and
finite floats are themselves, and everything else is an object with a tag ``"t"``:

================================  =========================================================
``{"t": "float", "v": "nan"}``    a non-finite float (``"nan"``, ``"inf"``, ``"-inf"``)
``{"t": "complex", "re", "im"}``  a complex number (its parts are floats as above)
``{"t": "tuple", "v": [...]}``    likewise ``"list"``, ``"set"``, ``"frozenset"``
``{"t": "dict", "v": [[k, v]]}``  a dict, as key-value pairs (keys need not be strings)
``{"t": "ndarray", "i": n}``      the n-th record of the arrays file (a numeric or boolean
                                  ``np.ndarray``, read with ``allow_pickle=False``)
``{"t": "unserializable",``       anything else the student's function returned (its type's
``"type": name}``                 name), so the grader can say what came back
================================  =========================================================

NumPy scalars travel as the Python scalar they hold. Values nest at most
:data:`MAX_DEPTH` levels; the runner's encoder also caps the number of values, the
characters of strings and the bytes of arrays, so that no answer can make the results
too large to read.

Every function here is a *factory*: it captures the builtins and NumPy functions it
needs when it is called (before the student's code runs), so replacing ``builtins.type``
or ``np.save`` later changes nothing in what it does.

Examples
--------
>>> import io
>>> import numpy as np
>>> encode, arrays = encoder(np, strict=True)
>>> tagged = encode({(0, 1): [1.5, float("nan")], "mask": np.array([True, False])})
>>> buffer = io.BytesIO()
>>> write_arrays(np)(buffer, arrays)
>>> _ = buffer.seek(0)
>>> decode = decoder(np, read_arrays(np)(buffer, len(arrays)))
>>> decode(loads(dumps(tagged)))
{(0, 1): [1.5, nan], 'mask': array([ True, False])}
"""

import json
import math

__all__ = ["MAX_DEPTH", "WireError", "decoder", "dumps", "encoder", "loads", "read_arrays",
           "write_arrays"]

#: how deeply values may nest (containers in containers)
MAX_DEPTH = 40
#: values the runner sends back over all cases, so that the results stay small
MAX_NODES = 200_000
#: characters of strings the runner sends back over all cases
MAX_TEXT = 2_000_000
#: the array kinds that travel: bool, signed and unsigned int, float, complex
ARRAY_KINDS = "biufc"
_CONTAINERS = ("tuple", "list", "set", "frozenset")


class WireError(ValueError):
    """Data that does not follow the wire format (garbled, forged or too deeply nested)."""


def encoder(np, *, strict, max_depth=MAX_DEPTH, max_nodes=MAX_NODES, max_text=MAX_TEXT,
            max_array_bytes=None):
    """A function that tags one value, and the list it collects the arrays in.

    Parameters
    ----------
    np : module
        NumPy.
    strict : bool
        True (the grader's inputs): anything that is not plain data raises
        ``TypeError``, nesting deeper than ``max_depth`` ``ValueError``, naming
        ``where``. False (the runner's results): such values, and values beyond the
        budgets, become ``{"t": "unserializable", "type": ...}``.
    max_depth, max_nodes, max_text, max_array_bytes : int
        Nesting depth; and, when not strict, the number of values, the characters of
        strings and the bytes of arrays over everything this encoder tags
        (``max_array_bytes=None``: no limit).

    Returns
    -------
    encode : callable
        ``encode(value, where="value")`` -> JSON-ready tagged data.
    arrays : list of np.ndarray
        The arrays met so far, in the order of their ``"i"`` indices.
    """
    _type, _len, _int, _float, _str, _bool = type, len, int, float, str, bool
    _tuple, _list, _set, _frozenset, _dict, _complex = tuple, list, set, frozenset, dict, complex
    _isinstance, _isfinite, _TypeError, _ValueError = isinstance, math.isfinite, TypeError, \
        ValueError
    _float_repr = _float.__repr__
    _type_name = _type.__dict__["__name__"].__get__
    _ndarray, _generic = np.ndarray, np.generic
    _copy = np.array
    _containers: dict[type, str] = {_tuple: "tuple", _list: "list", _set: "set",
                                    _frozenset: "frozenset"}
    _scalar_types = frozenset(_type(t(0)) for t in (  # exact NumPy scalar types, no subclass
        np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32,
        np.uint64, np.float16, np.float32, np.float64, np.longdouble, np.complex64,
        np.complex128, np.clongdouble, np.intc, np.uintc, np.longlong, np.ulonglong))
    _kinds = ARRAY_KINDS
    arrays = []
    budget = {"nodes": max_nodes, "text": max_text, "bytes": max_array_bytes}

    def refuse(value, why, where, error=_TypeError):
        if strict:
            raise error(f"{where} is {why}")
        return {"t": "unserializable", "type": _type_name(_type(value)) + (f" ({why})" if why
                                                                          else "")}

    def encode(value, where="value", depth=0):
        if not strict:
            budget["nodes"] -= 1
            if budget["nodes"] < 0:
                return refuse(value, "too large or too deeply nested", where)
        if depth > max_depth:
            if strict:
                raise _ValueError(f"{where} is nested too deeply")
            return refuse(value, "too large or too deeply nested", where)
        kind = _type(value)
        if strict and _isinstance(value, _generic) and value.dtype.kind in _kinds:
            value = value.item()
            kind = _type(value)
        if strict and kind is not _bool and _isinstance(value, _int):
            value, kind = _int(value), _int
        if strict and _isinstance(value, _float) and kind is not _float:
            value, kind = _float(value), _float
        if value is None or kind is _bool:
            return value
        if kind is _str:
            if not strict:
                budget["text"] -= _len(value)
                if budget["text"] < 0:
                    return refuse(value, "too long", where)
            return _str.__str__(value)
        if kind is _int:
            if -(10**300) < value < 10**300:
                return value
            return refuse(value, "too large", where, _ValueError)
        if kind is _float:
            return value if _isfinite(value) else {"t": "float", "v": _float_repr(value)}
        if kind is _complex:
            return {"t": "complex", "re": encode(value.real, where, depth + 1),
                    "im": encode(value.imag, where, depth + 1)}
        if kind is _ndarray:
            dtype = value.dtype
            if dtype.kind not in _kinds or dtype.fields is not None or dtype.subdtype is not None:
                if strict:
                    raise _TypeError(f"{where} must be a numeric or boolean array; got dtype "
                                     f"{dtype}")
                return {"t": "unserializable", "type": f"ndarray of dtype {dtype.str}"}
            if budget["bytes"] is not None and not strict:
                budget["bytes"] -= value.nbytes + 256
                if budget["bytes"] < 0:
                    return refuse(value, "too large", where)
            arrays.append(_copy(value, order="C") if strict else value)  # 0-d stays 0-d
            return {"t": "ndarray", "i": _len(arrays) - 1}
        if kind in _scalar_types:
            return encode(value.item(), where, depth + 1)
        if kind in _containers or kind is _dict:
            mark = (budget["nodes"], budget["text"], budget["bytes"], _len(arrays))
            items = []
            pairs = value.items() if kind is _dict else value
            for item in pairs:
                if not strict and budget["nodes"] < 0:  # too large to send: give back its share
                    budget["nodes"], budget["text"], budget["bytes"], count = mark
                    del arrays[count:]
                    budget["nodes"] -= 1
                    return refuse(value, "too large", where)
                if kind is _dict:
                    items.append([encode(item[0], where, depth + 1),
                                  encode(item[1], where, depth + 1)])
                else:
                    items.append(encode(item, where, depth + 1))
            return {"t": "dict" if kind is _dict else _containers[kind], "v": items}
        if strict:
            raise _TypeError(f"{where} must be plain data (arrays, numbers, str, tuple, list, "
                             f"dict); got {_type_name(kind)}")
        return refuse(value, "", where)

    return encode, arrays


def decoder(np, arrays, *, max_depth=MAX_DEPTH, unserializable=None):
    """A function that turns tagged data back into fresh Python values, checking everything.

    Parameters
    ----------
    np : module
        NumPy.
    arrays : list of np.ndarray
        The records of the arrays file (from :func:`read_arrays`).
    max_depth : int
        Deeper nesting raises :class:`WireError`.
    unserializable : callable, optional
        Called with the type's name for an ``"unserializable"`` tag; the grader passes
        its ``Unserializable`` class (default: the tuple ``("unserializable", name)``).

    Returns
    -------
    callable
        ``decode(item)``: the value, with each array a fresh copy; raises
        :class:`WireError` for anything that does not follow the format.
    """
    _type, _len, _int, _float, _str, _bool, _dict, _list = (type, len, int, float, str, bool,
                                                            dict, list)
    _complex = complex
    _build = {"tuple": tuple, "list": list, "set": set, "frozenset": frozenset}
    _TypeError, _WireError = TypeError, WireError
    _records = _list(arrays)
    _make_unserializable = unserializable or (lambda name: ("unserializable", name))
    _specials = {"nan": float("nan"), "inf": float("inf"), "-inf": float("-inf")}

    def fail(why):
        raise _WireError(why)

    def decode(item, depth=0):
        if depth > max_depth + 2:  # complex parts and dict pairs sit one level lower
            fail("nested too deeply")
        kind = _type(item)
        if item is None or kind is _bool or kind is _int or kind is _str:
            return item
        if kind is _float:
            if item != item or item in (_specials["inf"], _specials["-inf"]):
                fail("a bare non-finite float")
            return item
        if kind is not _dict or _type(item.get("t")) is not _str:
            fail("an untagged value")
        tag = item["t"]
        if tag == "ndarray":
            index = item.get("i")
            if _type(index) is not _int or not 0 <= index < _len(_records):
                fail("a bad array index")
            return _records[index].copy()
        if tag == "float":
            text = item.get("v")
            if _type(text) is not _str or text not in _specials:
                fail("a bad float")
            return _float(text)
        if tag == "complex":
            real, imag = decode(item.get("re"), depth + 1), decode(item.get("im"), depth + 1)
            if _type(real) not in (_float, _int) or _type(imag) not in (_float, _int):
                fail("a bad complex")
            return _complex(real, imag)
        if tag == "unserializable":
            name = item.get("type")
            if _type(name) is not _str:
                fail("a bad unserializable type name")
            return _make_unserializable(name)
        values = item.get("v")
        if _type(values) is not _list:
            fail(f"a {tag!r} without a list of values")
        try:
            if tag == "dict":
                out = {}
                for pair in values:
                    if _type(pair) is not _list or _len(pair) != 2:
                        fail("a bad dict item")
                    out[decode(pair[0], depth + 1)] = decode(pair[1], depth + 1)
                return out
            if tag in _build:
                return _build[tag](decode(value, depth + 1) for value in values)
        except _TypeError:  # an unhashable key or set member
            fail(f"an unhashable member of a {tag}")
        fail(f"an unknown tag {tag!r}")

    return decode


def dumps(value):
    """JSON text (ASCII bytes) of tagged data: dicts with str keys, lists, str, int, float.

    Written by hand from captured functions (the runner calls it after the student's code
    ran); anything else raises ``TypeError``.
    """
    out: list[str] = []
    _dump(value, out)
    return "".join(out).encode("ascii")


def _make_dump():
    _type, _str, _int, _float, _bool, _list, _dict = type, str, int, float, bool, list, dict
    _enumerate, _TypeError = enumerate, TypeError
    _encode_string = json.encoder.encode_basestring_ascii
    _float_repr, _int_repr = _float.__repr__, _int.__repr__
    _isfinite = math.isfinite

    def dump(value, out):
        kind = _type(value)
        if value is None:
            out.append("null")
        elif kind is _bool:
            out.append("true" if value else "false")
        elif kind is _int:
            out.append(_int_repr(value))
        elif kind is _float:
            if not _isfinite(value):
                raise _TypeError("a non-finite float must be tagged")
            out.append(_float_repr(value))
        elif kind is _str:
            out.append(_encode_string(value))
        elif kind is _list:
            out.append("[")
            for index, item in _enumerate(value):
                if index:
                    out.append(",")
                dump(item, out)
            out.append("]")
        elif kind is _dict:
            out.append("{")
            for index, (key, item) in _enumerate(value.items()):
                if _type(key) is not _str:
                    raise _TypeError("JSON object keys must be str")
                if index:
                    out.append(",")
                out.append(_encode_string(key) + ":")
                dump(item, out)
            out.append("}")
        else:
            raise _TypeError(f"cannot write a {kind.__name__} to the wire")

    return dump


_dump = _make_dump()


def loads(data):
    """The JSON object in ``data`` (ASCII bytes); :class:`WireError` for anything else."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise WireError("not bytes")
    try:
        value = json.loads(bytes(data).decode("ascii"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise WireError(f"not JSON ({type(error).__name__})") from None
    if not isinstance(value, dict):
        raise WireError("not a JSON object")
    return value


def _no_constant(name):
    raise ValueError(f"bare {name} is not allowed")


def write_arrays(np):
    """A function ``write(handle, arrays)`` that writes ``.npy`` records back to back."""
    _save = np.save

    def write(handle, arrays):
        for array in arrays:
            _save(handle, array, allow_pickle=False)

    return write


def read_arrays(np):
    """A function ``read(handle, count, max_bytes=None)`` -> the plain numeric arrays in ``handle``.

    Each record's header is checked before its data is read: a numeric or boolean dtype
    without fields, and (``max_bytes``) data no larger than what is left of that budget,
    so that a forged header cannot make the reader allocate gigabytes. The record is then
    read with ``allow_pickle=False`` and must be exactly an ``np.ndarray``.
    :class:`WireError` for anything else, or when the file ends early.
    """
    _load, _ndarray, _type, _int, _range = np.load, np.ndarray, type, int, range
    _kinds, _WireError, _type_name = ARRAY_KINDS, WireError, type.__dict__["__name__"].__get__
    _format = np.lib.format
    _read_magic = _format.read_magic
    _headers = {(1, 0): _format.read_array_header_1_0, (2, 0): _format.read_array_header_2_0}
    _problems = (ValueError, OSError, EOFError, TypeError, SyntaxError, KeyError,
                 OverflowError, MemoryError)

    def read(handle, count, max_bytes=None):
        if _type(count) is not _int or count < 0:
            raise _WireError("a bad number of arrays")
        left = max_bytes
        out = []
        for _ in _range(count):
            try:
                start = handle.tell()
                header = _headers.get(_read_magic(handle))
                if header is None:
                    raise _WireError("an array record of an unknown version")
                shape, _fortran, dtype = header(handle)
                if dtype.kind not in _kinds or dtype.fields is not None or dtype.subdtype:
                    raise _WireError("an array record that is not a plain numeric array")
                size = dtype.itemsize
                for extent in shape:
                    size *= extent
                if left is not None:
                    left -= size
                    if left < 0:
                        raise _WireError("an array record larger than its file")
                handle.seek(start)
                array = _load(handle, allow_pickle=False)
            except _WireError:
                raise
            except _problems as error:
                raise _WireError(f"a bad array record ({_type_name(_type(error))})") from None
            if (_type(array) is not _ndarray or array.dtype.kind not in _kinds
                    or array.dtype.fields is not None):
                raise _WireError("an array record that is not a plain numeric array")
            out.append(array)
        return out

    return read
