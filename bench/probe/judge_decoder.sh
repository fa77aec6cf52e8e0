#!/usr/bin/env bash
# Would a larger model than the shipped judge's 22M-parameter sentence encoder reach issue 10's
# target (>= 0.95 accuracy, >= 0.9 recall per class) on the held-out rows? Qwen2.5-Coder-0.5B-Instruct
# (Q4_K_M, the largest model here, through ModelVet's own engine) reads every labelled request and
# reply inside a question asking whether the reply refused (bench/probe/judge-features); its answer
# (zero-shot) and its final hidden state (as features of the shipped regression, alone and with the
# shipped features) are measured on the same split as the shipped judge. Prints a markdown table
# (docs/probes.md quotes it).
# Not run by CI: reading the 1,437 rows takes about 45 minutes on 2 cores (the features are kept in
# the model cache, keyed by the model's and the question's digests, and an interrupted run continues
# where it stopped); the table is judge_ceiling.sh's, in its JAX venv.
# With --layers, the model's residual stream after layers 8, 12, 16, 20 and 24 (of 24), at the last
# position and averaged over the request and reply, is measured instead, each with the shipped
# features; the reading used is the one the training rows' cross-validation prefers (about 45 minutes
# more, cached likewise).
# With --synthetic, the 400 synthetic rows (Fixtures/probes/refusal-synthetic.jsonl) are read too
# (about 9 minutes more) and every regression line is printed again fitted on them as well.
#   bench/probe/judge_decoder.sh [--layers | --synthetic]
set -euo pipefail
cd "$(dirname "$0")/../.."
cache="${MODELVET_MODEL_CACHE:-$HOME/.cache/modelvet-test-models}"
model="$cache/qwen2.5-coder-0.5b/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
[ -f "$model" ] || bash Fixtures/download_engine_models.sh "$cache" >/dev/null
[ -f "$model" ] || { echo "judge_decoder: $model is missing and could not be downloaded" >&2; exit 2; }
synthetic=0
case "${1:-}" in
  "") mode=(--decoder); taps=(); name=judge-features ;;
  --synthetic) mode=(--synthetic --decoder); taps=(); name=judge-features; synthetic=1 ;;
  --layers) mode=(--layers); taps=(--layers 7,11,15,19,23); name=judge-layers ;;
  *) echo "usage: judge_decoder.sh [--layers | --synthetic]" >&2; exit 2 ;;
esac
swift build -c release --product judge-features >&2
key="$( (cat "$model" bench/probe/judge-features/main.swift; echo "${taps[@]}") | sha256sum | cut -c1-16)"
features="$cache/probe-data/$name-$key.jsonl"
rows="$(mktemp)"
trap 'rm -f "$rows"' EXIT
python3 - "$rows" "$synthetic" <<'PY'
import json, os, sys
sys.path.insert(0, "scripts")
import train_refusal_judge as judge
cache = os.environ.get("MODELVET_MODEL_CACHE", os.path.expanduser("~/.cache/modelvet-test-models"))
added = judge.synthetic_rows() if sys.argv[2] == "1" else []
with open(sys.argv[1], "w", encoding="utf-8") as out:
    for r in judge.pyrit_rows(os.path.join(cache, "probe-data")) + judge.own_rows() + added:
        out.write(json.dumps({"id": r["id"], "prompt": r["prompt"] or "", "response": r["response"]}, ensure_ascii=False) + "\n")
PY
.build/release/judge-features "${taps[@]}" "$model" "$rows" "$features"
bash bench/probe/judge_ceiling.sh "${mode[@]}" "$features"
