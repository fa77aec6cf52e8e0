#!/usr/bin/env bash
# Builds the libFuzzer targets with AddressSanitizer and runs each for a bounded time.
#   Fuzz/run.sh [SECONDS_PER_TARGET]   (default 60)
#   FUZZ_TARGETS="GGUFFuzz JinjaFuzz" Fuzz/run.sh 30   # a subset
# Targets: PickleFuzz, ZipFuzz, HDF5Fuzz, ScanFuzz (any file through the whole scanner),
# SafeTensorsFuzz, GGUFFuzz (with chat-template analysis), JinjaFuzz, ProtobufFuzz (ONNX,
# TensorFlow, TFLite), EngineFuzz (the inference engine loading and running a GGUF), RenderFuzz
# (chat templates rendered in the engine's sandbox).
# Seeds come from the committed fixtures. Crashing inputs land in Fuzz/artifacts/; copy each
# into Tests/VetScannerTests/Regressions/ so the test suite scans it on every run.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
swift build -c release --product PickleFuzz -Xswiftc -sanitize=fuzzer,address
swift build -c release --product ZipFuzz -Xswiftc -sanitize=fuzzer,address
swift build -c release --product HDF5Fuzz -Xswiftc -sanitize=fuzzer,address
swift build -c release --product ScanFuzz -Xswiftc -sanitize=fuzzer,address
for target in SafeTensorsFuzz GGUFFuzz JinjaFuzz ProtobufFuzz EngineFuzz RenderFuzz; do
  swift build -c release --product "$target" -Xswiftc -sanitize=fuzzer,address
done
bin="$(swift build -c release --show-bin-path)"
mkdir -p artifacts corpus-pickle corpus-zip corpus-hdf5 corpus-scan corpus-protobuf
python3 seeds.py .
cp ../Fixtures/adversarial/files/*.safetensors corpus-safetensors/ 2>/dev/null || true
# Real templates and small real models, where the test script has downloaded them.
cache="${MODELVET_MODEL_CACHE:-$HOME/.cache/modelvet-test-models}"
find "$cache/chat-templates" -name '*.jinja' -size -64k -exec cp {} corpus-jinja/ \; 2>/dev/null || true
mapfile -t protobuf_seeds < <(find "$cache" /usr/share/libonnx-testdata/data/node -maxdepth 6 \( -name '*.onnx' -o -name '*.tflite' \) \
  -size -256k 2>/dev/null | sort || true)
for f in "${protobuf_seeds[@]:0:200}"; do cp "$f" "corpus-protobuf/$(echo "$f" | md5sum | cut -c1-12)-$(basename "$f")"; done
cp ../Fixtures/files/keras/*.h5 corpus-hdf5/ 2>/dev/null || true
# The engine's synthetic models (qwen3 with query/key norms, llama with RoPE frequency factors).
mkdir -p corpus-engine && cp ../Tests/VetEngineTests/Synthetic/*.gguf corpus-engine/ 2>/dev/null || true
# ScanFuzz inputs are one name-selector byte followed by the file.
i=0; for f in ../Fixtures/files/* ../Fixtures/files/keras/* ../Fixtures/adversarial/files/*; do
  [ -f "$f" ] || continue; i=$((i+1)); { printf "\\$(printf '%03o' $((i % 17)))"; cat "$f"; } > "corpus-scan/seed-$i"
done
for f in ../Fixtures/files/* ../Fixtures/adversarial/files/*; do
  [ -f "$f" ] || continue
  case "$(head -c 2 "$f" | od -An -tx1 | tr -d ' ')" in
    504b) cp "$f" corpus-zip/ ;;
    *) cp "$f" corpus-pickle/ ;;
  esac
done
status=0
for target in ${FUZZ_TARGETS:-PickleFuzz ZipFuzz HDF5Fuzz ScanFuzz SafeTensorsFuzz GGUFFuzz JinjaFuzz ProtobufFuzz EngineFuzz RenderFuzz}; do
  case "$target" in
    PickleFuzz) corpus=corpus-pickle ;; ZipFuzz) corpus=corpus-zip ;; HDF5Fuzz) corpus=corpus-hdf5 ;;
    ScanFuzz) corpus=corpus-scan ;; SafeTensorsFuzz) corpus=corpus-safetensors ;; GGUFFuzz) corpus=corpus-gguf ;;
    JinjaFuzz) corpus=corpus-jinja ;; ProtobufFuzz) corpus=corpus-protobuf ;; EngineFuzz) corpus=corpus-engine ;; RenderFuzz) corpus=corpus-jinja ;;
    *) echo "unknown target $target" >&2; exit 2 ;;
  esac
  echo "== $target for ${seconds}s"
  "$bin/$target" "$corpus" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    -artifact_prefix="artifacts/$target-" -print_final_stats=1 2>&1 | tail -n 15 || status=1
done
ls artifacts/ 2>/dev/null | sed 's/^/crash: /'
exit $status
