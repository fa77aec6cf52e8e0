#!/usr/bin/env bash
# Measures lineage's false positives on independent weights of the same shapes as a real model:
# N Gaussian models with each tensor's own mean and spread (SmolLM2-135M's first six layers and
# 8192 vocabulary rows), each against the base in both orders. Prints the number of pairs not
# called "unrelated" and the largest value of each deciding statistic.
#
#   bench/lineage/calibrate.sh [N]     # default 20 seeds (40 pairs)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
swift build --build-tests > /dev/null
MODELVET_LINEAGE_CALIBRATE="${1:-20}" .build/debug/ModelVetPackageTests.xctest --testing-library swift-testing \
  --filter "LineageTests/calibrate" 2>&1 | grep -E "lineage calibration|passed|failed"
