#!/usr/bin/env python3
"""Writes Fixtures/files/compressed/: pickles and a tar inside xz, legacy lzma and bzip2 streams.

Standard library only; the pickles are hand-assembled opcodes and are never loaded. The payload
only echoes text. Output is deterministic (fixed tar metadata, no timestamps in xz/bz2 streams).
"""
import bz2, io, lzma, os, tarfile

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "files", "compressed")
# PROTO 4, SHORT_BINUNICODE 'os', SHORT_BINUNICODE 'system', STACK_GLOBAL, SHORT_BINUNICODE cmd, TUPLE1, REDUCE, STOP
CMD = b"echo modelvet-fixture"
MALICIOUS = b"\x80\x04\x8c\x02os\x8c\x06system\x93\x8c" + bytes([len(CMD)]) + CMD + b"\x85R."
# PROTO 2, EMPTY_DICT, BINUNICODE 'w', EMPTY_LIST, SETITEM, STOP
BENIGN = b"\x80\x02}X\x01\x00\x00\x00w]s."

def tar_of(name, data):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = len(data), 0, 0o644
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()

os.makedirs(OUT, exist_ok=True)
files = {
    "malicious.pkl.xz": lzma.compress(MALICIOUS, format=lzma.FORMAT_XZ),
    "malicious.pkl.lzma": lzma.compress(MALICIOUS, format=lzma.FORMAT_ALONE),
    "malicious.pkl.bz2": bz2.compress(MALICIOUS),
    "benign.pkl.xz": lzma.compress(BENIGN, format=lzma.FORMAT_XZ),
    "benign.pkl.bz2": bz2.compress(BENIGN),
    "malicious_in_tar.tar.xz": lzma.compress(tar_of("model/data.pkl", MALICIOUS), format=lzma.FORMAT_XZ),
    "malicious_in_tar.tar.bz2": bz2.compress(tar_of("model/data.pkl", MALICIOUS)),
}
for name, data in files.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
print("\n".join(sorted(files)))
