"""Reading and rewriting zip containers deterministically."""

from __future__ import annotations

import io
import struct
import zipfile

FIXED_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def zip_members(data: bytes) -> list[tuple[str, bytes, int]]:
    """(name, bytes, compress_type) of every member, in central-directory order."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(info.filename, archive.read(info), info.compress_type)
                for info in archive.infolist()]


def write_zip(members) -> bytes:
    """A zip written by Python's zipfile, with a fixed date on every member.

    members holds (name, bytes) pairs, stored uncompressed as torch stores
    tensor data, or (name, bytes, compress_type) triples to keep a member's
    original method (TorchScript deflates its code/ members).
    """
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for member in members:
            name, payload = member[0], member[1]
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_DATE)
            info.compress_type = member[2] if len(member) > 2 else zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            archive.writestr(info, payload)
    return out.getvalue()


def fix_zip_timestamps(data: bytes) -> bytes:
    """Set every DOS date/time of a zip to 1980-01-01 00:00, changing nothing else.

    numpy.savez stamps members with the current local time; patching only
    those four bytes per header keeps numpy's exact layout (zip64 extras).
    """
    buf = bytearray(data)
    dos_time, dos_date = 0, (1 << 5) | 1  # 00:00:00, 1980-01-01
    eocd = buf.rfind(b"PK\x05\x06")
    entries, _cd_size, cd_offset = struct.unpack_from("<HII", buf, eocd + 10)
    if cd_offset == 0xFFFFFFFF:
        locator = buf.rfind(b"PK\x06\x07", 0, eocd)
        eocd64 = struct.unpack_from("<Q", buf, locator + 8)[0]
        entries, _cd_size, cd_offset = struct.unpack_from("<QQQ", buf, eocd64 + 32)
    pos = cd_offset
    for _ in range(entries):
        assert buf[pos:pos + 4] == b"PK\x01\x02"
        struct.pack_into("<HH", buf, pos + 12, dos_time, dos_date)
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", buf, pos + 28)
        local = struct.unpack_from("<I", buf, pos + 42)[0]
        extra = bytes(buf[pos + 46 + name_len:pos + 46 + name_len + extra_len])
        if local == 0xFFFFFFFF:
            local = _zip64_local_offset(buf, pos, extra)
        assert buf[local:local + 4] == b"PK\x03\x04"
        struct.pack_into("<HH", buf, local + 10, dos_time, dos_date)
        pos += 46 + name_len + extra_len + comment_len
    return bytes(buf)


def _zip64_local_offset(buf, cd_pos: int, extra: bytes) -> int:
    """The local header offset from a central entry's zip64 extra field."""
    csize, usize = struct.unpack_from("<II", buf, cd_pos + 20)
    i = 0
    while i + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, i)
        if tag == 1:
            skip = 8 * ((usize == 0xFFFFFFFF) + (csize == 0xFFFFFFFF))
            return struct.unpack_from("<Q", extra, i + 4 + skip)[0]
        i += 4 + size
    raise ValueError("zip64 extra without a local header offset")
