#!/usr/bin/env python3
"""Writes Fixtures/engine/quant_golden.bin: random blocks of every tensor type the engine runs,
with the values the PyPI `gguf` package's reference dequantiser gives for them.

    python3 -m venv /tmp/gguf-venv && /tmp/gguf-venv/bin/pip install gguf numpy
    /tmp/gguf-venv/bin/python Fixtures/engine/make_quant_golden.py

Format (little-endian): for each record: u32 ggml type id, u32 element count, u32 byte count,
the raw bytes, then element count float32 values. Deterministic (fixed seed). Scales are drawn
as finite f16 values so every expected value is finite; the rest of each block is random bytes.
"""
import os
import struct

import numpy as np
from gguf import GGML_QUANT_SIZES, GGMLQuantizationType as T
from gguf.quants import dequantize

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "quant_golden.bin")
rng = np.random.default_rng(20261129)


def f16(x: float) -> bytes:
    return np.array([x], dtype=np.float16).tobytes()


def block(qtype: T) -> bytes:
    per, size = GGML_QUANT_SIZES[qtype]
    raw = bytearray(rng.integers(0, 256, size, dtype=np.uint8).tobytes())
    scale = lambda: f16(float(rng.uniform(-2, 2)))  # noqa: E731
    if qtype in (T.Q4_0, T.Q5_0, T.Q8_0, T.IQ4_NL, T.IQ4_XS):
        raw[0:2] = scale()
    elif qtype in (T.Q4_1, T.Q5_1, T.Q4_K, T.Q5_K):
        raw[0:2] = scale()
        raw[2:4] = scale()
    elif qtype == T.Q6_K:
        raw[208:210] = scale()
    elif qtype == T.Q2_K:
        raw[80:82] = scale()
        raw[82:84] = scale()
    elif qtype == T.Q3_K:
        raw[108:110] = scale()
    return bytes(raw)


def main() -> None:
    records = []
    for qtype, blocks in [(T.Q4_0, 8), (T.Q4_1, 8), (T.Q5_0, 8), (T.Q5_1, 8), (T.Q8_0, 8),
                          (T.Q4_K, 4), (T.Q5_K, 4), (T.Q6_K, 4), (T.IQ4_NL, 8), (T.Q2_K, 4), (T.Q3_K, 4), (T.IQ4_XS, 4)]:
        data = b"".join(block(qtype) for _ in range(blocks))
        values = dequantize(np.frombuffer(data, dtype=np.uint8), qtype).astype(np.float32).ravel()
        records.append((int(qtype), data, values))
    floats = rng.uniform(-3, 3, 64).astype(np.float32)
    records.append((int(T.F32), floats.tobytes(), floats))
    halves = floats.astype(np.float16)
    records.append((int(T.F16), halves.tobytes(), dequantize(np.frombuffer(halves.tobytes(), dtype=np.uint8), T.F16).astype(np.float32).ravel()))
    bf = (floats.view(np.uint32) >> 16).astype(np.uint16)
    records.append((int(T.BF16), bf.tobytes(), dequantize(np.frombuffer(bf.tobytes(), dtype=np.uint8), T.BF16).astype(np.float32).ravel()))
    with open(OUT, "wb") as f:
        for qtype, data, values in records:
            assert np.all(np.isfinite(values)), qtype
            f.write(struct.pack("<III", qtype, len(values), len(data)))
            f.write(data)
            f.write(values.astype("<f4").tobytes())
    print(f"wrote {len(records)} records to {OUT}")


if __name__ == "__main__":
    main()
