"""A legacy tar-format PyTorch checkpoint, assembled by hand.

PyTorch <= 0.3 wrote checkpoints as tar archives; torch >= 0.4 can only read
them (torch/serialization.py, _legacy_load -> legacy_load).  This module writes
that layout from plain data and hand-assembled record pickles.  The result is
never loaded.  Fixtures/README.md documents the layout.
"""

from __future__ import annotations

import collections
import io
import pickle
import struct
import tarfile

from .pickle_ops import record
from .static_pickle import pickle_globals

# Pointer-like keys, as old torch keyed objects by their C address (_cdata).
_BASE = 0x55D7C0A01000
FLOATS, FLOATS_VIEW, BIAS, STEPS = _BASE, _BASE + 0x40, _BASE + 0x80, _BASE + 0xC0
WEIGHT_T, BIAS_T, EXTRA_T, STEPS_T = (_BASE + 0x1000, _BASE + 0x1040,
                                      _BASE + 0x1080, _BASE + 0x10C0)

# (key, storage class, element size, little-endian bytes)
STORAGES = (
    (FLOATS, "FloatStorage", 4, struct.pack("<8f", *[0.5 * i - 1.0 for i in range(8)])),
    (BIAS, "FloatStorage", 4, struct.pack("<2f", 0.25, -0.25)),
    (STEPS, "LongStorage", 8, struct.pack("<q", 42)),
)
# (view key, root key, offset in elements, element count): FLOATS[6:8]
STORAGE_VIEWS = [(FLOATS_VIEW, FLOATS, 6, 2)]
# (key, storage key, tensor class, sizes, strides, storage offset in elements)
TENSORS = (
    (WEIGHT_T, FLOATS, "FloatTensor", (2, 3), (3, 1), 0),
    (BIAS_T, BIAS, "FloatTensor", (2,), (1,), 0),
    (EXTRA_T, FLOATS_VIEW, "FloatTensor", (2,), (1,), 0),
    (STEPS_T, STEPS, "LongTensor", (), (), 0),
)


class _TensorRef:
    def __init__(self, key: int) -> None:
        self.key = key


class _PersistentIdPickler(pickle.Pickler):
    """Pickles plain data; each _TensorRef becomes persistent id str(key)."""

    def persistent_id(self, obj):
        return str(obj.key) if isinstance(obj, _TensorRef) else None


def _storages_member() -> bytes:
    out = io.BytesIO()
    out.write(pickle.dumps(len(STORAGES), protocol=2))
    for key, storage_class, itemsize, payload in STORAGES:
        out.write(record(key, "cpu", ("torch", storage_class)))
        out.write(struct.pack("<q", len(payload) // itemsize))  # elements, not bytes
        out.write(payload)
    out.write(pickle.dumps(STORAGE_VIEWS, protocol=2))
    return out.getvalue()


def _tensors_member() -> bytes:
    out = io.BytesIO()
    out.write(pickle.dumps(len(TENSORS), protocol=2))
    for key, storage_key, tensor_class, sizes, strides, offset in TENSORS:
        out.write(record(key, storage_key, ("torch", tensor_class)))
        ndim = len(sizes)
        out.write(struct.pack("<i", ndim) + b"\0\0\0\0")  # int32 ndim, 4 unused bytes
        out.write(struct.pack(f"<{ndim}q", *sizes))
        out.write(struct.pack(f"<{ndim}q", *strides))
        out.write(struct.pack("<q", offset))
    return out.getvalue()


def _pickle_member() -> bytes:
    out = io.BytesIO()
    state = collections.OrderedDict([
        ("weight", _TensorRef(WEIGHT_T)),
        ("bias", _TensorRef(BIAS_T)),
        ("extra", _TensorRef(EXTRA_T)),
        ("steps", _TensorRef(STEPS_T)),
    ])
    _PersistentIdPickler(out, protocol=2).dump(state)
    return out.getvalue()


def legacy_tar_checkpoint() -> bytes:
    """The tar bytes: members sys_info, pickle, tensors, storages, in that order."""
    sys_info = pickle.dumps(dict(protocol_version=1000, little_endian=True,
                                 type_sizes=dict(short=2, int=4, long=8)), protocol=2)
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, payload in (("sys_info", sys_info), ("pickle", _pickle_member()),
                              ("tensors", _tensors_member()), ("storages", _storages_member())):
            info = tarfile.TarInfo(name)  # defaults: mtime 0, mode 0644, uid/gid 0
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    return out.getvalue()


def legacy_tar_globals(data: bytes) -> list[str]:
    """Globals of every pickle in the tar, walking records and raw bytes."""
    found = []
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
        members = {name: tar.extractfile(name).read()
                   for name in ("sys_info", "pickle", "tensors", "storages")}
    for name in ("sys_info", "pickle"):
        found += pickle_globals(io.BytesIO(members[name]))

    stream = io.BytesIO(members["tensors"])
    found += pickle_globals(stream)
    for _ in TENSORS:
        found += pickle_globals(stream)
        ndim = struct.unpack("<i", stream.read(4))[0]
        stream.seek(4 + 16 * ndim + 8, io.SEEK_CUR)
    assert stream.tell() == len(members["tensors"])

    stream = io.BytesIO(members["storages"])
    found += pickle_globals(stream)
    for _key, _cls, itemsize, _payload in STORAGES:
        found += pickle_globals(stream)
        numel = struct.unpack("<q", stream.read(8))[0]
        stream.seek(numel * itemsize, io.SEEK_CUR)
    found += pickle_globals(stream)
    assert stream.tell() == len(members["storages"])
    return found
