#!/usr/bin/env bash
# Builds the libFuzzer targets with AddressSanitizer and runs each for a bounded time.
#   Fuzz/run.sh [SECONDS_PER_TARGET]   (default 60)
# Seeds come from the committed fixtures. Crashing inputs land in Fuzz/artifacts/; copy each
# into Tests/VetScannerTests/Regressions/ so the test suite scans it on every run.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
swift build -c release --product PickleFuzz -Xswiftc -sanitize=fuzzer,address
swift build -c release --product ZipFuzz -Xswiftc -sanitize=fuzzer,address
swift build -c release --product HDF5Fuzz -Xswiftc -sanitize=fuzzer,address
swift build -c release --product ScanFuzz -Xswiftc -sanitize=fuzzer,address
bin="$(swift build -c release --show-bin-path)"
mkdir -p artifacts corpus-pickle corpus-zip corpus-hdf5 corpus-scan
cp ../Fixtures/files/keras/*.h5 corpus-hdf5/ 2>/dev/null || true
# ScanFuzz inputs are one name-selector byte followed by the file.
i=0; for f in ../Fixtures/files/* ../Fixtures/files/keras/* ../Fixtures/adversarial/files/*; do
  [ -f "$f" ] || continue; i=$((i+1)); { printf "\\$(printf '%03o' $((i % 12)))"; cat "$f"; } > "corpus-scan/seed-$i"
done
for f in ../Fixtures/files/* ../Fixtures/adversarial/files/*; do
  [ -f "$f" ] || continue
  case "$(head -c 2 "$f" | od -An -tx1 | tr -d ' ')" in
    504b) cp "$f" corpus-zip/ ;;
    *) cp "$f" corpus-pickle/ ;;
  esac
done
status=0
for target in PickleFuzz ZipFuzz HDF5Fuzz ScanFuzz; do
  corpus="corpus-pickle"; [ "$target" = ZipFuzz ] && corpus="corpus-zip"; [ "$target" = HDF5Fuzz ] && corpus="corpus-hdf5"
  [ "$target" = ScanFuzz ] && corpus="corpus-scan"
  echo "== $target for ${seconds}s"
  "$bin/$target" "$corpus" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    -artifact_prefix="artifacts/$target-" -print_final_stats=1 2>&1 | tail -n 15 || status=1
done
ls artifacts/ 2>/dev/null | sed 's/^/crash: /'
exit $status
