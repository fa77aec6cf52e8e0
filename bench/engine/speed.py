#!/usr/bin/env python3
"""The engine's speed against llama.cpp, side by side on the same model, prompt length, number of
generated tokens and thread count: prompt processing and generation in tokens per second.

    bench/engine/speed.sh            (builds llama.cpp first, then runs this)

llama.cpp is measured with its own llama-bench (-p 64 -n 64, mean of five repetitions); ModelVet
with `modelvet generate --format json --ignore-eos`: prompt processing on a prompt of about 64
tokens, generation of 64 tokens after a one-token prompt, medians of five runs each; every model given, one after another. Results go to bench/out/engine.json and
into docs/benchmarks.md.
"""
import json
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
from bench import machine_info  # noqa: E402  (bench/lib/bench.py: the machine, as the scanner benchmark reports it)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROMPT = ("The history of computing is a story of people who wanted machines to do arithmetic faster than any clerk, "
          "and of the engineers who built them from gears, relays, vacuum tubes and finally transistors on silicon, "
          "then taught them to store programs, to share time between users, and to talk to each other")


def measure(llama_bin: str, modelvet: str, model: str, threads: int) -> dict:
    out = subprocess.run([os.path.join(llama_bin, "llama-bench"), "-m", model, "-t", str(threads), "-p", "64", "-n", "64",
                          "-r", "5", "-o", "json"], capture_output=True, text=True, check=True).stdout
    llama = {}
    for r in json.loads(out):
        key = "pp" if r.get("n_prompt", 0) > 0 and r.get("n_gen", 0) == 0 else "tg"
        llama[key] = r["avg_ts"]

    def generate(prompt: str, tokens: int) -> dict:
        res = subprocess.run([modelvet, "generate", model, "--prompt", prompt, "--max-tokens", str(tokens), "--ignore-eos",
                              "--format", "json", "--threads", str(threads)], capture_output=True, text=True, check=True)
        return json.loads(res.stdout)

    # As llama-bench measures them: prompt processing on a batch of about 64 tokens, generation of
    # 64 tokens from an (almost) empty context.
    pp_runs = [generate(PROMPT, 1) for _ in range(5)]
    tg_runs = [generate("The", 64) for _ in range(5)]
    ours = {"pp": statistics.median(r["timings"]["prompt_tokens_per_second"] for r in pp_runs),
            "tg": statistics.median(r["timings"]["generation_tokens_per_second"] for r in tg_runs)}
    # Batched decoding: eight sequences of 64 tokens after a one-token prompt, decoded together.
    def batch(n: int) -> float:
        res = subprocess.run([modelvet, "generate", model, "--prompt", "The", "--max-tokens", "64", "--ignore-eos", "--batch", str(n),
                              "--format", "json", "--threads", str(threads)], capture_output=True, text=True, check=True)
        return json.loads(res.stdout)["timings"]["generation_tokens_per_second"]
    ours["batch8_tg"] = statistics.median(batch(8) for _ in range(3))
    # llama.cpp's own batched decoding, as its llama-batched-bench measures it (one-token prompts, 64
    # tokens generated per sequence, one sequence and eight): the peer's gain for the same batch.
    batched = os.path.join(llama_bin, "llama-batched-bench")
    if os.path.exists(batched):
        res = subprocess.run([batched, "-m", model, "-t", str(threads), "-c", "1024", "-b", "2048", "-ub", "512", "-npp", "1",
                              "-ntg", "64", "-npl", "1,8", "--output-format", "jsonl"], capture_output=True, text=True)
        rows = [json.loads(line) for line in res.stdout.splitlines() if line.startswith("{")]
        speeds = {r.get("pl"): r.get("speed_tg") for r in rows}
        if res.returncode == 0 and speeds.get(1) and speeds.get(8):
            llama["batch1_tg"], llama["batch8_tg"] = speeds[1], speeds[8]
        else:
            print(f"llama-batched-bench gave no figures (exit {res.returncode}): {res.stderr.strip()[-300:]}", file=sys.stderr)
    rss = subprocess.run(["/usr/bin/time", "-f", "%M", modelvet, "generate", model, "--prompt", PROMPT, "--max-tokens", "64",
                          "--ignore-eos", "--threads", str(threads)], capture_output=True, text=True)
    peak_kb = int(rss.stderr.strip().splitlines()[-1]) if rss.returncode == 0 else None
    result = {"model": os.path.basename(model), "model_bytes": os.path.getsize(model), "threads": threads,
              "llama_cpp": llama, "modelvet": ours, "modelvet_prompt_tokens": len(pp_runs[0]["prompt_tokens"]),
              "modelvet_peak_rss_kb": peak_kb,
              "ratio": {k: ours[k] / llama[k] for k in ("pp", "tg") if llama.get(k)}}
    print(f"{result['model']}: prompt processing ModelVet {ours['pp']:.1f} t/s, llama.cpp {llama.get('pp', 0):.1f} t/s, "
          f"ratio {result['ratio'].get('pp', 0):.2f}; generation ModelVet {ours['tg']:.1f} t/s, llama.cpp "
          f"{llama.get('tg', 0):.1f} t/s, ratio {result['ratio'].get('tg', 0):.2f}"
          + f"; batch of 8: {ours['batch8_tg']:.1f} t/s together ({ours['batch8_tg'] / ours['tg']:.2f}x one sequence)"
          + (f", llama.cpp {llama['batch8_tg']:.1f} t/s ({llama['batch8_tg'] / llama['batch1_tg']:.2f}x its one sequence)"
             if llama.get("batch8_tg") else "")
          + (f"; peak RSS {peak_kb / 1024:.0f} MB (file {result['model_bytes'] / 1048576:.0f} MB)" if peak_kb else ""),
          flush=True)
    return result


def main() -> int:
    """speed.py LLAMA_BIN_DIR MODELVET THREADS MODEL..."""
    llama_bin, modelvet, threads, models = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
    results = [measure(llama_bin, modelvet, m, threads) for m in models]
    os.makedirs(os.path.join(ROOT, "bench", "out"), exist_ok=True)
    with open(os.path.join(ROOT, "bench", "out", "engine.json"), "w", encoding="utf-8") as f:
        json.dump({"threads": threads, "cpu": machine_info()["cpu"], "models": results}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
