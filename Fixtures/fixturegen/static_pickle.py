"""List the globals a pickle would import, without unpickling it.

pickletools.genops only decodes opcodes and their operands.  A small stack
simulation on top resolves STACK_GLOBAL operands and follows joblib's habit of
writing raw array bytes (or a nested pickle) in the middle of its pickle stream.
Nothing is imported, constructed or called.
"""

from __future__ import annotations

import collections.abc
import io
import math
import pickletools
import struct
import zipfile
import zlib

import numpy as np


class _Mark:
    """The MARK sentinel on the simulated stack."""


class Global:
    def __init__(self, module: str, name: str) -> None:
        self.module, self.name = module, name


class Call:
    """A REDUCE/NEWOBJ/INST/OBJ result: callable, arguments and BUILD state."""

    def __init__(self, func, args) -> None:
        self.func, self.args, self.state = func, args, None


_MARK = _Mark()
_CONSTANT_OPS = {"NONE": None, "NEWTRUE": True, "NEWFALSE": False}


def _pop_to_mark(stack: list) -> list:
    for i in range(len(stack) - 1, -1, -1):
        if stack[i] is _MARK:
            items = stack[i + 1:]
            del stack[i:]
            return items
    raise ValueError("MARK not found")


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return isinstance(value, collections.abc.Hashable)


def _joblib_array_layout(wrapper: Call) -> tuple[int, int, bool]:
    """(itemsize, element count, has objects) from a NumpyArrayWrapper's state."""
    state = wrapper.state if isinstance(wrapper.state, dict) else {}
    shape = state.get("shape", ())
    dtype = state.get("dtype")
    descr = dtype.args[0] if isinstance(dtype, Call) and dtype.args else None
    if not isinstance(descr, str):
        raise ValueError(f"cannot read the dtype of a joblib array: {descr!r}")
    if descr.startswith("O"):
        return 0, 0, True
    # Structured dtypes are pickled as 'V<itemsize>'; plain ones as 'f4', 'i8', ...
    itemsize = int(descr[1:]) if descr.startswith("V") else np.dtype(descr).itemsize
    return itemsize, math.prod(shape), False


def _is_joblib_wrapper(value) -> bool:
    return (isinstance(value, Call) and isinstance(value.func, Global)
            and value.func.module == "joblib.numpy_pickle"
            and value.func.name == "NumpyArrayWrapper")


def pickle_globals(stream: io.BytesIO, *, joblib_arrays: bool = False) -> list[str]:
    """Every global one pickle program imports, in order; leaves stream after STOP.

    With joblib_arrays, after each NumpyArrayWrapper BUILD skips the padding
    byte, padding and raw array bytes joblib writes there, or, for object
    arrays, reads the nested pickle joblib writes instead.
    """
    found: list[str] = []
    stack: list = []
    memo: dict = {}
    for op, arg, _pos in pickletools.genops(stream):
        name = op.name
        if name in ("PROTO", "FRAME"):
            continue
        if name == "STOP":
            break
        if name == "MARK":
            stack.append(_MARK)
        elif name in ("GLOBAL", "INST"):
            module, attr = arg.split(" ", 1)
            found.append(f"{module}.{attr}")
            if name == "GLOBAL":
                stack.append(Global(module, attr))
            else:
                stack.append(Call(Global(module, attr), tuple(_pop_to_mark(stack))))
        elif name == "STACK_GLOBAL":
            attr = stack.pop()
            module = stack.pop()
            found.append(f"{module}.{attr}")
            stack.append(Global(module, attr))
        elif name in ("PUT", "BINPUT", "LONG_BINPUT"):
            memo[arg] = stack[-1]
        elif name == "MEMOIZE":
            memo[len(memo)] = stack[-1]
        elif name in ("GET", "BINGET", "LONG_BINGET"):
            stack.append(memo[arg])
        elif name == "POP":
            stack.pop()
        elif name == "POP_MARK":
            _pop_to_mark(stack)
        elif name == "DUP":
            stack.append(stack[-1])
        elif name == "EMPTY_TUPLE":
            stack.append(())
        elif name in ("TUPLE", "FROZENSET"):
            stack.append(tuple(_pop_to_mark(stack)))
        elif name in ("TUPLE1", "TUPLE2", "TUPLE3"):
            n = int(name[-1])
            items = tuple(stack[-n:])
            del stack[-n:]
            stack.append(items)
        elif name in ("EMPTY_LIST", "EMPTY_SET"):
            stack.append([])
        elif name == "LIST":
            stack.append(list(_pop_to_mark(stack)))
        elif name == "APPEND":
            item = stack.pop()
            stack[-1].append(item)
        elif name in ("APPENDS", "ADDITEMS"):
            items = _pop_to_mark(stack)
            stack[-1].extend(items)
        elif name == "EMPTY_DICT":
            stack.append({})
        elif name in ("DICT", "SETITEMS"):
            items = _pop_to_mark(stack)
            target = {} if name == "DICT" else stack[-1]
            for i in range(0, len(items) - 1, 2):
                if isinstance(target, dict) and _hashable(items[i]):
                    target[items[i]] = items[i + 1]
            if name == "DICT":
                stack.append(target)
        elif name == "SETITEM":
            value = stack.pop()
            key = stack.pop()
            if isinstance(stack[-1], dict) and _hashable(key):
                stack[-1][key] = value
        elif name in ("REDUCE", "NEWOBJ"):
            args = stack.pop()
            func = stack.pop()
            stack.append(Call(func, args))
        elif name == "NEWOBJ_EX":
            stack.pop()
            args = stack.pop()
            cls = stack.pop()
            stack.append(Call(cls, args))
        elif name == "OBJ":
            items = _pop_to_mark(stack)
            stack.append(Call(items[0], tuple(items[1:])))
        elif name == "BUILD":
            state = stack.pop()
            target = stack[-1]
            if isinstance(target, Call):
                target.state = state
            if joblib_arrays and _is_joblib_wrapper(target):
                itemsize, count, has_objects = _joblib_array_layout(target)
                if has_objects:
                    found += pickle_globals(stream)
                else:
                    padding = stream.read(1)[0]
                    stream.seek(padding + itemsize * count, io.SEEK_CUR)
                stack[-1] = ("ndarray",)
        elif name in ("PERSID", "BINPERSID"):
            pid = arg if name == "PERSID" else stack.pop()
            stack.append(("persistent", pid))
        elif name in ("EXT1", "EXT2", "EXT4"):
            found.append(f"<extension code {arg}>")
            stack.append(("extension", arg))
        elif name == "NEXT_BUFFER":
            stack.append(("buffer",))
        elif name == "READONLY_BUFFER":
            pass
        elif name in _CONSTANT_OPS:
            stack.append(_CONSTANT_OPS[name])
        elif op.stack_after and not op.stack_before:
            stack.append(arg)  # ints, floats, strings, bytes
        else:
            raise ValueError(f"static inspection does not handle {name}")
    return found


def stacked_pickle_spans(data: bytes, count: int) -> list[tuple[int, int]]:
    """(start, end) of the first `count` pickles laid end to end in data."""
    spans = []
    stream = io.BytesIO(data)
    for _ in range(count):
        start = stream.tell()
        for op, _arg, _pos in pickletools.genops(stream):
            if op.name == "STOP":
                break
        spans.append((start, stream.tell()))
    return spans


def npy_globals(data: bytes) -> list[str]:
    """Globals of the pickle in an object-dtype .npy; empty for other dtypes."""
    major = data[6]
    if major == 1:
        header_len, header_start = struct.unpack_from("<H", data, 8)[0], 10
    else:
        header_len, header_start = struct.unpack_from("<I", data, 8)[0], 12
    body = header_start + header_len
    if "'|O'" not in data[header_start:body].decode("latin1"):
        return []
    stream = io.BytesIO(data[body:])
    found = pickle_globals(stream)
    assert stream.tell() == len(data) - body, "bytes after the .npy pickle"
    return found


def zip_globals(data: bytes) -> dict[str, list[str]]:
    """Globals of each pickle-bearing member (*.pkl, *.debug_pkl, object *.npy)."""
    result = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            if info.filename.endswith((".pkl", ".debug_pkl")):
                result[info.filename] = pickle_globals(io.BytesIO(archive.read(info)))
            elif info.filename.endswith(".npy"):
                result[info.filename] = npy_globals(archive.read(info))
    return {name: found for name, found in result.items() if found}


def legacy_globals(data: bytes) -> list[str]:
    """Globals of the five stacked pickles at the start of a legacy torch file."""
    stream = io.BytesIO(data)
    found = []
    for _ in range(5):
        found += pickle_globals(stream)
    return found


def joblib_globals(data: bytes) -> list[str]:
    """Globals of a joblib file: raw, zlib (78 ..) or gzip (1f 8b) compressed."""
    if data[:1] == b"\x78":
        data = zlib.decompress(data)
    elif data[:2] == b"\x1f\x8b":
        data = zlib.decompress(data, 31)
    stream = io.BytesIO(data)
    found = pickle_globals(stream, joblib_arrays=True)
    assert stream.tell() == len(data), "bytes left after the joblib pickle"
    return found
