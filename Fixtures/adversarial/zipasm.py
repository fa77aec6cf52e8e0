"""Byte-level zip writer for the adversarial corpus (standard library only).

Python's zipfile cannot write the disagreements these fixtures need (a local
header name that differs from the central one, flag bits that lie, duplicate
names, symlink modes), so archives are laid out by hand with struct. Output
depends only on the arguments: the date is fixed at 1980-01-01 00:00 and the
only compression is a small pure-Python deflate encoder, so the bytes do not
change with the zlib build.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

DOS_TIME = 0
DOS_DATE = (0 << 9) | (1 << 5) | 1  # 1980-01-01

STORED = 0
DEFLATED = 8

FLAG_ENCRYPTED = 0x0001
FLAG_COMPRESSED_PATCH = 0x0020
FLAG_UTF8 = 0x0800

UNIX_FILE_MODE = 0o100644
UNIX_SYMLINK_MODE = 0o120777


@dataclass
class Member:
    """One archive entry and every header field a fixture may want to bend."""

    name: str
    data: bytes
    method: int = STORED
    local_name: str | None = None  # name written in the local header, if different
    flags: int = 0  # central directory general-purpose flags
    local_flags: int | None = None  # local header flags, if different
    unix_mode: int = UNIX_FILE_MODE
    align: int = 0  # pad the data start to this boundary with an 'FB' extra (torch style)
    crc_override: int | None = None
    extra: bytes = field(default=b"")


def deflate_fixed(data: bytes) -> bytes:
    """Raw deflate stream: one final block with fixed Huffman codes, literals only.

    Deterministic on every platform (no zlib involved); the output is checked
    by inflating it with zlib.
    """
    out = bytearray()
    acc = 0
    nbits = 0

    def put_bits(value: int, count: int) -> None:
        # Header fields go in least-significant bit first.
        nonlocal acc, nbits
        acc |= value << nbits
        nbits += count
        flush()

    def put_code(code: int, length: int) -> None:
        # Huffman codes go in most-significant bit first.
        for i in range(length - 1, -1, -1):
            put_bits((code >> i) & 1, 1)

    def flush() -> None:
        nonlocal acc, nbits
        while nbits >= 8:
            out.append(acc & 0xFF)
            acc >>= 8
            nbits -= 8

    put_bits(1, 1)  # BFINAL
    put_bits(1, 2)  # BTYPE = 01, fixed Huffman
    for byte in data:
        if byte < 144:
            put_code(0x30 + byte, 8)
        else:
            put_code(0x190 + byte - 144, 9)
    put_code(0, 7)  # end of block (symbol 256)
    if nbits:
        out.append(acc & 0xFF)
    packed = bytes(out)
    if zlib.decompress(packed, -15) != data:
        raise AssertionError("deflate encoder self-check failed")
    return packed


def _payload(member: Member) -> bytes:
    if member.method == STORED:
        return member.data
    if member.method == DEFLATED:
        return deflate_fixed(member.data)
    # Unknown methods carry the data unchanged; readers should refuse them.
    return member.data


def build_zip(members: list[Member], comment: bytes = b"") -> bytes:
    """Lays out local records, the central directory and the end record."""
    body = bytearray()
    central = bytearray()
    for m in members:
        payload = _payload(m)
        crc = m.crc_override if m.crc_override is not None else zlib.crc32(m.data) & 0xFFFFFFFF
        local_name = (m.local_name if m.local_name is not None else m.name).encode()
        central_name = m.name.encode()
        local_flags = m.local_flags if m.local_flags is not None else m.flags
        offset = len(body)
        extra = m.extra
        if m.align:
            # 'FB' extra field: 2-byte id, 2-byte length, zero padding.
            base = offset + 30 + len(local_name) + len(extra)
            pad = (-(base + 4)) % m.align
            extra = extra + b"FB" + struct.pack("<H", pad) + b"\0" * pad
        body += struct.pack(
            "<4s5H3L2H",
            b"PK\x03\x04",
            20,
            local_flags,
            m.method,
            DOS_TIME,
            DOS_DATE,
            crc,
            len(payload),
            len(m.data),
            len(local_name),
            len(extra),
        )
        body += local_name + extra + payload
        central += struct.pack(
            "<4s6H3L5H2L",
            b"PK\x01\x02",
            (3 << 8) | 20,  # made by Unix, spec 2.0
            20,
            m.flags,
            m.method,
            DOS_TIME,
            DOS_DATE,
            crc,
            len(payload),
            len(m.data),
            len(central_name),
            0,
            0,
            0,
            0,
            (m.unix_mode << 16) & 0xFFFFFFFF,
            offset,
        )
        central += central_name
    end = struct.pack(
        "<4s4H2LH",
        b"PK\x05\x06",
        0,
        0,
        len(members),
        len(members),
        len(central),
        len(body),
        len(comment),
    )
    return bytes(body + central + end + comment)
