"""Benign files written by the real frameworks, with deterministic content."""

from __future__ import annotations

import functools
import io
import linecache
import math
import pickle
import pickletools
import struct
import sys
import tempfile
import types
from pathlib import Path

import joblib
import numpy as np
import torch

from .containers import fix_zip_timestamps
from .pickle_ops import Ops
from .static_pickle import stacked_pickle_spans


def fixed_values(shape, dtype=torch.float32, scale=0.125, shift=0.0) -> torch.Tensor:
    """arange(n) * scale - shift, reshaped: values independent of any RNG."""
    n = math.prod(shape)
    return ((torch.arange(n, dtype=torch.float64) * scale) - shift).reshape(shape).to(dtype)


def tiny_mlp() -> torch.nn.Sequential:
    """Sequential(Linear(4,3), ReLU, Linear(3,2)) with fixed weights."""
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    with torch.no_grad():
        for i, param in enumerate(model.parameters()):
            param.copy_(fixed_values(tuple(param.shape), scale=0.0625, shift=0.25 * i))
    return model


def torch_save_bytes(obj, **kwargs) -> bytes:
    """torch.save into memory: zip members are named archive/..."""
    buffer = io.BytesIO()
    torch.save(obj, buffer, **kwargs)
    return buffer.getvalue()


def torch_save_file(obj, stem: str) -> bytes:
    """torch.save to <stem>.pt: torch names the zip members <stem>/..."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{stem}.pt"
        torch.save(obj, path)
        return path.read_bytes()


def normalise_legacy_storage_keys(data: bytes, itemsize: int) -> bytes:
    """Rename a legacy torch file's storage keys from addresses to '0', '1', ...

    The legacy writer keys storages by str(storage._cdata), a pointer, and
    writes them in sorted key order, so both its bytes and its storage order
    change from run to run.  Keys only pair the main pickle's persistent ids
    with the key list (pickle 5) and the raw storages that follow in that
    order.  This renames keys in order of first use in the main pickle, writes
    the key list as torch would for those names, and puts the raw storages in
    the same order: what torch writes when the addresses happen to sort so.
    All storages must have element size `itemsize` (true of one-dtype state dicts).
    """
    spans = stacked_pickle_spans(data, 5)
    main = data[spans[3][0]:spans[3][1]]
    key_list = [arg for op, arg, _ in pickletools.genops(io.BytesIO(data[spans[4][0]:spans[4][1]]))
                if op.name == "BINUNICODE"]
    assert key_list == sorted(key_list) and len(key_list) <= 10

    raw, pos = {}, spans[4][1]
    for key in key_list:  # each storage: int64 element count, then its bytes
        numel = struct.unpack_from("<q", data, pos)[0]
        raw[key] = data[pos:pos + 8 + numel * itemsize]
        pos += len(raw[key])
    assert pos == len(data), "raw storages do not add up; wrong itemsize?"

    ops = list(pickletools.genops(io.BytesIO(main)))
    first_use = [arg for op, arg, _ in ops if op.name == "BINUNICODE" and arg in raw]
    order = list(dict.fromkeys(first_use))
    assert sorted(order) == key_list
    mapping = {old: str(i) for i, old in enumerate(order)}

    new_main = bytearray()
    for index, (op, arg, start) in enumerate(ops):
        end = ops[index + 1][2] if index + 1 < len(ops) else len(main)
        if op.name == "BINUNICODE" and arg in mapping:
            new_main += Ops().unicode(mapping[arg]).bytes()
        else:
            new_main += main[start:end]
    new_keys = pickle.dumps([mapping[k] for k in order], protocol=2)
    return (data[:spans[3][0]] + bytes(new_main) + new_keys
            + b"".join(raw[k] for k in order))


# The scripted class gets a fixed, relative source file name: the archive's
# *.debug_pkl members record the path of the source they were compiled from.
TORCHSCRIPT_MODULE = "modelvet_fixture_module"
TORCHSCRIPT_SOURCE = '''\
import torch


class TinyScripted(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(3, 2)
        self.scale = 0.5

    def forward(self, x):
        return torch.relu(self.fc(x)) * self.scale + torch.tensor([1.0, 2.0])
'''


@functools.cache
def scripted_module() -> torch.jit.ScriptModule:
    """Script TinyScripted once (scripting twice would mangle the class name)."""
    filename = f"{TORCHSCRIPT_MODULE}.py"
    module = types.ModuleType(TORCHSCRIPT_MODULE)
    module.__file__ = filename
    sys.modules[TORCHSCRIPT_MODULE] = module
    linecache.cache[filename] = (len(TORCHSCRIPT_SOURCE), None,
                                 TORCHSCRIPT_SOURCE.splitlines(keepends=True), filename)
    exec(compile(TORCHSCRIPT_SOURCE, filename, "exec"), module.__dict__)  # our own source
    instance = module.TinyScripted()
    with torch.no_grad():
        instance.fc.weight.copy_(fixed_values((2, 3), scale=0.25, shift=0.5))
        instance.fc.bias.copy_(torch.tensor([0.125, -0.125]))
    return torch.jit.script(instance)


def torchscript_bytes(stem: str | None = None) -> bytes:
    """torch.jit.save of the scripted module: to memory (archive/...) or <stem>.pt."""
    if stem is None:
        buffer = io.BytesIO()
        torch.jit.save(scripted_module(), buffer)
        return buffer.getvalue()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{stem}.pt"
        torch.jit.save(scripted_module(), str(path))
        return path.read_bytes()


def npy_bytes(array, allow_pickle: bool = False) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


def npz_bytes(compressed: bool, **arrays) -> bytes:
    buffer = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buffer, **arrays)
    return fix_zip_timestamps(buffer.getvalue())


def joblib_bytes(value, compress=0) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "value.joblib"
        joblib.dump(value, path, compress=compress)
        return path.read_bytes()


def joblib_value() -> dict:
    return {
        "weights": np.arange(6, dtype=np.float32).reshape(2, 3) / 4,
        "bias": np.array([0.5, -0.5], dtype=np.float64),
        "labels": ["cat", "dog"],
        "version": 1,
    }


def object_array() -> np.ndarray:
    return np.array([1, "two", 3, "four"], dtype=object)
