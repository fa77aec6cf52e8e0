"""Pickle opcode assembler for the adversarial corpus (standard library only).

Every stream here is written opcode by opcode. Nothing is pickled from live
objects with a __reduce__, and nothing is ever unpickled: the only reader used
is pickletools (a disassembler) to check that the hand-written streams are
well formed.
"""

from __future__ import annotations

import struct

# Harmless payloads: every malicious fixture would only print this marker. The
# Python source deliberately names no dangerous module, so a scanner can only
# catch those fixtures by what the pickle calls, not by grepping the payload text.
SHELL_COMMAND = "echo modelvet-fixture"
PYTHON_SOURCE = "print('modelvet-fixture')"

# --- opcodes without operands -------------------------------------------------
MARK = b"("
STOP = b"."
POP = b"0"
POP_MARK = b"1"
DUP = b"2"
NONE = b"N"
NEWTRUE = b"\x88"
NEWFALSE = b"\x89"
TUPLE = b"t"
EMPTY_TUPLE = b")"
TUPLE1 = b"\x85"
TUPLE2 = b"\x86"
TUPLE3 = b"\x87"
LIST = b"l"
EMPTY_LIST = b"]"
APPEND = b"a"
APPENDS = b"e"
DICT = b"d"
EMPTY_DICT = b"}"
SETITEM = b"s"
SETITEMS = b"u"
EMPTY_SET = b"\x8f"
ADDITEMS = b"\x90"
FROZENSET = b"\x91"
REDUCE = b"R"
BUILD = b"b"
OBJ = b"o"
NEWOBJ = b"\x81"
NEWOBJ_EX = b"\x92"
STACK_GLOBAL = b"\x93"
MEMOIZE = b"\x94"
BINPERSID = b"Q"
NEXT_BUFFER = b"\x97"
READONLY_BUFFER = b"\x98"


def proto(n: int) -> bytes:
    return b"\x80" + bytes([n])


def frame(length: int) -> bytes:
    return b"\x95" + struct.pack("<Q", length)


# --- imports -------------------------------------------------------------------
def global_(module: str, name: str) -> bytes:
    """GLOBAL: module and name as newline-terminated text (all protocols)."""
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def inst(module: str, name: str) -> bytes:
    """INST: like GLOBAL, then calls the result with the items above MARK."""
    return b"i" + module.encode() + b"\n" + name.encode() + b"\n"


def stack_global(module: str, name: str) -> bytes:
    """Protocol 4 import: two SHORT_BINUNICODE operands then STACK_GLOBAL."""
    return sbu(module) + sbu(name) + STACK_GLOBAL


def ext1(code: int) -> bytes:
    return b"\x82" + bytes([code])


def ext2(code: int) -> bytes:
    return b"\x83" + struct.pack("<H", code)


def ext4(code: int) -> bytes:
    return b"\x84" + struct.pack("<i", code)


# --- text and bytes ------------------------------------------------------------
def sbu(s: str) -> bytes:
    """SHORT_BINUNICODE (protocol 4)."""
    data = s.encode()
    if len(data) > 255:
        raise ValueError("too long for SHORT_BINUNICODE")
    return b"\x8c" + bytes([len(data)]) + data


def binunicode(s: str) -> bytes:
    """BINUNICODE (protocol 1+): 4-byte length."""
    data = s.encode()
    return b"X" + struct.pack("<I", len(data)) + data


def binunicode8(s: str) -> bytes:
    """BINUNICODE8 (protocol 4): 8-byte length."""
    data = s.encode()
    return b"\x8d" + struct.pack("<Q", len(data)) + data


def unicode0(s: str) -> bytes:
    """UNICODE (protocol 0): raw-unicode-escape text up to a newline."""
    if "\n" in s or "\\" in s:
        raise ValueError("keep protocol 0 text simple")
    return b"V" + s.encode("raw-unicode-escape") + b"\n"


def string0(s: str) -> bytes:
    """STRING (protocol 0): a quoted Python 2 str literal up to a newline."""
    if "'" in s or "\\" in s or "\n" in s:
        raise ValueError("keep protocol 0 text simple")
    return b"S'" + s.encode("ascii") + b"'\n"


def binstring(s: str) -> bytes:
    """BINSTRING (protocol 1): 4-byte signed length, decoded as str by Python 3."""
    data = s.encode("ascii")
    return b"T" + struct.pack("<i", len(data)) + data


def short_binstring(s: str) -> bytes:
    """SHORT_BINSTRING (protocol 1): 1-byte length."""
    data = s.encode("ascii")
    return b"U" + bytes([len(data)]) + data


def short_binbytes(data: bytes) -> bytes:
    """SHORT_BINBYTES (protocol 3)."""
    if len(data) > 255:
        raise ValueError("too long for SHORT_BINBYTES")
    return b"C" + bytes([len(data)]) + data


def binbytes(data: bytes) -> bytes:
    """BINBYTES (protocol 3): 4-byte length."""
    return b"B" + struct.pack("<I", len(data)) + data


def bytearray8(data: bytes) -> bytes:
    """BYTEARRAY8 (protocol 5)."""
    return b"\x96" + struct.pack("<Q", len(data)) + data


# --- numbers -------------------------------------------------------------------
def binint1(n: int) -> bytes:
    return b"K" + bytes([n])


def binint2(n: int) -> bytes:
    return b"M" + struct.pack("<H", n)


def binint(n: int) -> bytes:
    return b"J" + struct.pack("<i", n)


def small_int(n: int) -> bytes:
    """The shortest binary int opcode for a non-negative int, as the pickler picks it."""
    if 0 <= n < 256:
        return binint1(n)
    if 0 <= n < 65536:
        return binint2(n)
    return binint(n)


def int0(n: int) -> bytes:
    """INT (protocol 0): decimal text."""
    return b"I" + str(n).encode() + b"\n"


def long1(n: int) -> bytes:
    data = n.to_bytes((n.bit_length() + 8) // 8, "little", signed=True)
    return b"\x8a" + bytes([len(data)]) + data


def binfloat(x: float) -> bytes:
    return b"G" + struct.pack(">d", x)


# --- memo ----------------------------------------------------------------------
def binput(i: int) -> bytes:
    return b"q" + bytes([i])


def long_binput(i: int) -> bytes:
    return b"r" + struct.pack("<I", i)


def put0(i: int) -> bytes:
    """PUT (protocol 0): decimal text index."""
    return b"p" + str(i).encode() + b"\n"


def binget(i: int) -> bytes:
    return b"h" + bytes([i])


def long_binget(i: int) -> bytes:
    return b"j" + struct.pack("<I", i)


def get0(i: int) -> bytes:
    return b"g" + str(i).encode() + b"\n"


# --- calls ---------------------------------------------------------------------
def args_tuple(*items: bytes) -> bytes:
    """Builds a tuple of already-encoded items with the shortest opcode."""
    if not items:
        return EMPTY_TUPLE
    if len(items) <= 3:
        return b"".join(items) + (TUPLE1, TUPLE2, TUPLE3)[len(items) - 1]
    return MARK + b"".join(items) + TUPLE


def call(callable_: bytes, *items: bytes) -> bytes:
    """callable(*items) through REDUCE."""
    return callable_ + args_tuple(*items) + REDUCE


def system_call_p2(module: str = "os", name: str = "system", text: str = SHELL_COMMAND) -> bytes:
    """GLOBAL module.name called with one BINUNICODE argument (protocol 2 style)."""
    return call(global_(module, name), binunicode(text))


def system_call_p4(module: str = "os", name: str = "system", text: str = SHELL_COMMAND) -> bytes:
    """STACK_GLOBAL module.name called with one SHORT_BINUNICODE argument."""
    return call(stack_global(module, name), sbu(text))


def payload_pickle_p2(module: str = "os", name: str = "system") -> bytes:
    """A complete protocol 2 pickle whose only effect is module.name(SHELL_COMMAND)."""
    return proto(2) + system_call_p2(module, name) + STOP


def framed_p4(body: bytes) -> bytes:
    """PROTO 4 and one FRAME around body (body must end with STOP)."""
    return proto(4) + frame(len(body)) + body
