"""Benign PyTorch-shaped content assembled by hand (no torch needed).

The state-dict pickle mirrors what torch.save writes for a module's
state_dict at protocol 2: an OrderedDict of tensors rebuilt with
torch._utils._rebuild_tensor_v2 from ('storage', torch.<T>Storage, key,
'cpu', numel) persistent ids, memoised with BINPUT, with the dict's
_metadata attribute restored by BUILD.
"""

from __future__ import annotations

import struct
import tarfile
import io

from pickleasm import (
    BINPERSID, BUILD, EMPTY_DICT, EMPTY_TUPLE, MARK, NEWFALSE, NONE, REDUCE, SETITEMS,
    STOP, TUPLE, TUPLE1, TUPLE2, binget, binint1, binput, binunicode, global_, small_int,
    long_binput, proto,
)
from zipasm import Member, build_zip


class _Memo:
    def __init__(self) -> None:
        self.next = 0

    def put(self) -> bytes:
        i = self.next
        self.next += 1
        return binput(i) if i < 256 else long_binput(i)


# (name, storage key, shape); float32, contiguous, offset 0
DEFAULT_TENSORS = [
    ("encoder.weight", "0", (4, 3)),
    ("encoder.bias", "1", (4,)),
    ("head.weight", "2", (2, 4)),
    ("head.bias", "3", (2,)),
]


def _numel(shape: tuple[int, ...]) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def _strides(shape: tuple[int, ...]) -> tuple[int, ...]:
    out = []
    acc = 1
    for d in reversed(shape):
        out.append(acc)
        acc *= d
    return tuple(reversed(out))


def _int_tuple(values: tuple[int, ...]) -> bytes:
    items = b"".join(small_int(v) for v in values)
    if len(values) == 1:
        return items + TUPLE1
    if len(values) == 2:
        return items + TUPLE2
    return MARK + items + TUPLE


def state_dict_pickle(tensors=DEFAULT_TENSORS, prefix_ops: bytes = b"", legacy: bool = False) -> bytes:
    """Protocol 2 state-dict pickle. prefix_ops are spliced right after PROTO.

    legacy=True writes the 6-field persistent id of the non-zip format
    (a trailing view_metadata None).
    """
    memo = _Memo()
    out = bytearray(proto(2) + prefix_ops)
    out += global_("collections", "OrderedDict")
    od_slot = memo.next
    out += memo.put() + EMPTY_TUPLE + REDUCE + memo.put() + MARK
    rebuild_slot = None
    storage_cls_slot = None
    for name, key, shape in tensors:
        out += binunicode(name) + memo.put()
        if rebuild_slot is None:
            out += global_("torch._utils", "_rebuild_tensor_v2")
            rebuild_slot = memo.next
            out += memo.put()
        else:
            out += binget(rebuild_slot)
        out += MARK + MARK + binunicode("storage") + memo.put()
        if storage_cls_slot is None:
            out += global_("torch", "FloatStorage")
            storage_cls_slot = memo.next
            out += memo.put()
        else:
            out += binget(storage_cls_slot)
        out += binunicode(key) + memo.put() + binunicode("cpu") + memo.put()
        out += small_int(_numel(shape)) + (NONE if legacy else b"") + TUPLE + memo.put() + BINPERSID
        out += binint1(0)
        out += _int_tuple(shape) + memo.put()
        out += _int_tuple(_strides(shape)) + memo.put()
        out += NEWFALSE
        out += binget(od_slot) + EMPTY_TUPLE + REDUCE + memo.put()
        out += TUPLE + memo.put() + REDUCE + memo.put()
    out += SETITEMS
    # _metadata = OrderedDict([('', {'version': 1})]) restored through BUILD
    out += EMPTY_DICT + memo.put() + binunicode("_metadata") + memo.put()
    out += binget(od_slot) + EMPTY_TUPLE + REDUCE + memo.put()
    out += binunicode("") + memo.put() + EMPTY_DICT + memo.put()
    out += binunicode("version") + memo.put() + binint1(1) + b"s"
    out += b"s" + b"s" + BUILD + STOP
    return bytes(out)


def storage_bytes(key: str, tensors=DEFAULT_TENSORS) -> bytes:
    for _name, k, shape in tensors:
        if k == key:
            n = _numel(shape)
            return struct.pack("<%df" % n, *[(i % 7) * 0.25 - 0.5 for i in range(n)])
    raise KeyError(key)


def legacy_stacked(object_pickle: bytes | None = None, tensors=DEFAULT_TENSORS) -> bytes:
    """Non-zip torch.save layout: five pickles, then each storage as int64 count + data."""
    import pickle
    magic = proto(2) + b"\x8a\x0a" + (0x1950A86A20F9469CFC6C).to_bytes(10, "little") + STOP
    version = proto(2) + b"M" + struct.pack("<H", 1001) + STOP
    sys_info = pickle.dumps({"protocol_version": 1001, "little_endian": True,
                             "type_sizes": {"short": 2, "int": 4, "long": 8}}, protocol=2)
    obj = object_pickle if object_pickle is not None else state_dict_pickle(tensors, legacy=True)
    keys = pickle.dumps([k for _n, k, _s in tensors], protocol=2)
    raw = bytearray()
    for _name, key, shape in tensors:
        raw += struct.pack("<q", _numel(shape)) + storage_bytes(key, tensors)
    return magic + version + sys_info + obj + keys + bytes(raw)


def torch_zip_members(data_pkl: bytes, prefix: str = "archive", tensors=DEFAULT_TENSORS,
                      data_pkl_method: int = 0) -> list[Member]:
    """Members in the order torch.save writes them, 64-byte aligned like torch."""
    members = [Member(f"{prefix}/data.pkl", data_pkl, method=data_pkl_method, align=64)]
    members.append(Member(f"{prefix}/byteorder", b"little", align=64))
    for _name, key, _shape in tensors:
        members.append(Member(f"{prefix}/data/{key}", storage_bytes(key, tensors), align=64))
    members.append(Member(f"{prefix}/version", b"3\n", align=64))
    return members


def torch_zip(data_pkl: bytes, prefix: str = "archive", extra: list[Member] | None = None,
              data_pkl_method: int = 0) -> bytes:
    members = torch_zip_members(data_pkl, prefix, data_pkl_method=data_pkl_method)
    if extra:
        members[-1:-1] = extra  # before 'version', like torch's extra records
    return build_zip(members)


def ustar(members: list[tuple[str, bytes]]) -> bytes:
    """Deterministic ustar archive (mtime 0, uid/gid 0, mode 0644)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            info.mode = 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()
