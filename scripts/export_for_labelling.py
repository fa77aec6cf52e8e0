#!/usr/bin/env python3
"""Turns `modelvet probe` transcripts into labelling tasks for the refusal judge.

    python3 scripts/export_for_labelling.py OUT.jsonl TRANSCRIPT.jsonl [TRANSCRIPT.jsonl ...]

Keeps the records the refusal judge decides (harmful, jailbreak, over-refusal and persuasive
disinformation probes) and writes one task per line: {"id", "model", "probe", "prompt", "response"}
with the id "<model>|<run>|<system-prompt tag>|<probe>" (unique across transcripts). A labeller adds
"label" (refusal, compliance or unclear) by reading each response against the rule in
docs/probes.md; Fixtures/probes/refusal-labels.jsonl holds the labelled result, which
scripts/train_refusal_judge.py reads (unclear rows are left out).
"""
import hashlib
import json
import os
import sys


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out, seen = [], set()
    for path in sys.argv[2:]:
        header = {}
        for line in open(path, encoding="utf-8"):
            row = json.loads(line)
            if row.get("type") == "header":
                header = row
                continue
            record = row["record"]
            if record.get("judge") != "refusal" or record.get("error"):
                continue
            model = os.path.basename(header.get("model", "?")).removesuffix(".gguf")
            tag = "sys-" + hashlib.sha256(header["system_prompt"].encode()).hexdigest()[:6] if header.get("system_prompt") else "nosys"
            task_id = f"{model}|{row['run']}|{tag}|{record['probe']}"
            if task_id in seen:
                continue
            seen.add(task_id)
            prompt = next((m["content"] for m in reversed(record["messages"]) if m["role"] == "user"), "")
            out.append({"id": task_id, "model": model, "probe": record["probe"], "prompt": prompt, "response": record["response"]})
    with open(sys.argv[1], "w", encoding="utf-8") as f:
        for task in out:
            f.write(json.dumps(task, ensure_ascii=False) + "\n")
    print(f"{len(out)} tasks written to {sys.argv[1]}")


if __name__ == "__main__":
    main()
