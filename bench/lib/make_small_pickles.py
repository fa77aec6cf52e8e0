#!/usr/bin/env python3
"""Workload (a): writes N small benign pickles (1-20 KB, protocols 0-5) into a folder.

Half are torch.save-style state-dict pickles (protocol 2, OrderedDict +
_rebuild_tensor_v2 + FloatStorage persistent ids, assembled by the corpus
assembler in Fixtures/adversarial); half are plain training-state dicts
(pickle.dumps of built-in values: floats, ints, strings, tuples, bytes) at
a protocol from 0 to 5. Deterministic: the same N gives the same bytes.

Usage: make_small_pickles.py OUT_DIR [COUNT]
"""

from __future__ import annotations

import os
import pickle
import random
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "Fixtures", "adversarial"))

from torchlike import state_dict_pickle  # noqa: E402

LAYER_PARTS = ["attn.q_proj", "attn.k_proj", "attn.v_proj", "attn.o_proj", "mlp.up", "mlp.down", "norm1", "norm2"]


def torch_like(rng: random.Random, target: int) -> bytes:
    tensors = []
    layer = 0
    key = 0
    while True:
        for part in LAYER_PARTS:
            shape = (rng.choice([64, 128, 256]), rng.choice([64, 128])) if "norm" not in part else (rng.choice([64, 128]),)
            tensors.append((f"model.layers.{layer}.{part}.weight", str(key), shape))
            key += 1
        layer += 1
        data = state_dict_pickle(tensors)
        if len(data) >= target:
            return data


def plain(rng: random.Random, target: int, protocol: int) -> bytes:
    state = {
        "step": rng.randrange(1, 100000),
        "optimizer": {"name": "adamw", "lr": rng.random() / 100, "betas": (0.9, 0.999), "eps": 1e-8},
        "config": {"hidden": rng.choice([256, 512, 768]), "layers": rng.randrange(2, 24), "act": "gelu"},
        "history": [],
        "weights": {},
    }
    i = 0
    while len(pickle.dumps(state, protocol=protocol)) < target:
        n = rng.randrange(16, 128)
        state["weights"][f"block{i}.weight"] = struct.pack(f"<{n}f", *[rng.uniform(-1, 1) for _ in range(n)])
        state["history"].extend(round(rng.uniform(0, 5), 4) for _ in range(8))
        i += 1
    return pickle.dumps(state, protocol=protocol)


def main() -> None:
    out = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    os.makedirs(out, exist_ok=True)
    total = 0
    for i in range(count):
        rng = random.Random(i)
        target = rng.randrange(1024, 19 * 1024)
        if i % 2 == 0:
            data = torch_like(rng, target)
            name = f"state_{i:04d}_p2.pkl"
        else:
            protocol = (i // 2) % 6
            data = plain(rng, target, protocol)
            name = f"train_{i:04d}_p{protocol}.pkl"
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        total += len(data)
    print(f"wrote {count} pickles, {total} bytes, to {out}")


if __name__ == "__main__":
    main()
