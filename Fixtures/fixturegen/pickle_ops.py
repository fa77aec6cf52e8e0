"""Hand-assembled pickle opcodes for the malicious fixtures.

Payload pickles are written opcode by opcode; no object with a __reduce__ is
ever pickled, and nothing built here is ever unpickled.
"""

from __future__ import annotations

import struct

PAYLOAD_COMMAND = "echo modelvet-fixture"

MARK = b"("
STOP = b"."
POP = b"0"
TUPLE = b"t"
TUPLE1 = b"\x85"
LIST = b"l"
REDUCE = b"R"
STACK_GLOBAL = b"\x93"


class Ops:
    """Builds a pickle opcode stream byte by byte."""

    def __init__(self) -> None:
        self.buf = bytearray()

    def proto(self, n: int) -> "Ops":
        self.buf += b"\x80" + bytes([n])
        return self

    def global_(self, module: str, name: str) -> "Ops":
        """GLOBAL ('c'): module and name as newline-terminated text."""
        self.buf += b"c" + module.encode() + b"\n" + name.encode() + b"\n"
        return self

    def stack_global(self, module: str, name: str) -> "Ops":
        """Two SHORT_BINUNICODE operands then STACK_GLOBAL (protocol 4 style)."""
        return self.short_unicode(module).short_unicode(name).raw(STACK_GLOBAL)

    def unicode(self, s: str) -> "Ops":
        """BINUNICODE ('X'): 4-byte little-endian length, then UTF-8."""
        data = s.encode()
        self.buf += b"X" + struct.pack("<I", len(data)) + data
        return self

    def short_unicode(self, s: str) -> "Ops":
        data = s.encode()
        assert len(data) < 256
        self.buf += b"\x8c" + bytes([len(data)]) + data
        return self

    def binint(self, n: int) -> "Ops":
        self.buf += b"J" + struct.pack("<i", n)
        return self

    def long1(self, n: int) -> "Ops":
        data = n.to_bytes((n.bit_length() + 8) // 8, "little", signed=True)
        self.buf += b"\x8a" + bytes([len(data)]) + data
        return self

    def int_(self, n: int) -> "Ops":
        return self.binint(n) if -2**31 <= n < 2**31 else self.long1(n)

    def raw(self, data: bytes) -> "Ops":
        self.buf += data
        return self

    def bytes(self) -> bytes:
        return bytes(self.buf)


def call_payload(module: str, name: str, arg, *, stack_global: bool = False) -> bytes:
    """Opcodes calling module.name(arg), leaving the result on the stack.

    arg is a str, or a list of str passed as one list argument (as Popen takes).
    """
    ops = Ops()
    if stack_global:
        ops.stack_global(module, name)
    else:
        ops.global_(module, name)
    if isinstance(arg, str):
        ops.unicode(arg)
    else:
        ops.raw(MARK)
        for item in arg:
            ops.unicode(item)
        ops.raw(LIST)
    return ops.raw(TUPLE1 + REDUCE).bytes()


def splice_after_proto(pickle_bytes: bytes, call_ops: bytes) -> bytes:
    """Run call_ops, then drop its result, right after a pickle's PROTO opcode.

    No byte of the original changes, so its memo indices stay valid and a
    protocol 4 program's frames stay intact: the inserted opcodes simply run
    unframed before the first FRAME.  The original object is still built.
    """
    assert pickle_bytes[0] == 0x80, "expected a PROTO opcode first"
    return pickle_bytes[:2] + call_ops + POP + pickle_bytes[2:]


def standalone_payload(module: str, name: str, arg, proto: int = 2) -> bytes:
    """A complete pickle whose only effect is calling module.name(arg)."""
    return Ops().proto(proto).raw(call_payload(module, name, arg)).raw(STOP).bytes()


def record(*fields) -> bytes:
    """A protocol 2 pickle of one tuple of str, int or (module, name) globals.

    Used for the record pickles of the legacy tar format, which name torch
    classes (torch.FloatStorage, torch.FloatTensor) as GLOBAL opcodes.
    """
    ops = Ops().proto(2).raw(MARK)
    for field in fields:
        if isinstance(field, tuple):
            ops.global_(*field)
        elif isinstance(field, str):
            ops.unicode(field)
        elif isinstance(field, int):
            ops.int_(field)
        else:
            raise TypeError(f"unsupported record field {field!r}")
    return ops.raw(TUPLE + STOP).bytes()
