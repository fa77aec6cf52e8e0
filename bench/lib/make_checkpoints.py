#!/usr/bin/python3
"""Workload (b): real torch.save checkpoints of 256 float32 tensors each.

Run with Debian's Python and its python3-torch (CPU). Both checkpoints have
the same 256 tensor names and the same pickle size; only the tensor shapes
differ (200x1024 versus 2048x1024), so the large one holds about ten times
the tensor bytes (~2.1 GB versus ~210 MB). Comparing scan times of the two
shows whether a scanner's cost follows tensor bytes or only the pickle.

Usage: /usr/bin/python3 make_checkpoints.py OUT_DIR
Writes OUT_DIR/checkpoint_210MB.pt and OUT_DIR/checkpoint_2GB.pt (skipped when
already present with the expected size).
"""

from __future__ import annotations

import collections
import os
import sys

import torch

TENSORS = 256
SIZES = {"checkpoint_210MB.pt": 200, "checkpoint_2GB.pt": 2048}


def build(rows: int) -> "collections.OrderedDict[str, torch.Tensor]":
    gen = torch.Generator().manual_seed(20240601)
    state = collections.OrderedDict()
    for i in range(TENSORS):
        layer, part = divmod(i, 8)
        t = torch.empty(rows, 1024, dtype=torch.float32)
        t.normal_(0.0, 0.02, generator=gen)
        state[f"model.layers.{layer}.part{part}.weight"] = t
    return state


def main() -> None:
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, rows in SIZES.items():
        path = os.path.join(out, name)
        expected = TENSORS * rows * 1024 * 4
        if os.path.exists(path) and os.path.getsize(path) > expected:
            print(f"{path}: present ({os.path.getsize(path)} bytes)")
            continue
        state = build(rows)
        torch.save(state, path)
        del state
        print(f"{path}: {os.path.getsize(path)} bytes (torch {torch.__version__})")


if __name__ == "__main__":
    main()
