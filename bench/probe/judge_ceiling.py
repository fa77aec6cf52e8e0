#!/usr/bin/env python3
"""How far a stronger refusal judge gets on the same labelled data: an experiment, not the shipped
judge. Run it through bench/probe/judge_ceiling.sh, which installs JAX (CPU) into a venv in the
model cache.

The shipped judge (scripts/train_refusal_judge.py) is a logistic regression on word features and a
frozen sentence embedding. This asks whether a judge with more capacity would reach issue 10's
target on the held-out rows, using the same rows, the same split and the same regression:

  words               the shipped word-only judge
  words+frozen        the shipped encoder judge (frozen all-MiniLM-L6-v2, the reply's first 64 tokens)
  words+bitfit        the encoder fine-tuned on the training rows first (its biases and layer-norm
                      weights, "BitFit", with a classification head), then its embedding in the regression
  words+pair          the same, but the encoder reads the request and the reply together
                      ([CLS] request [SEP] reply [SEP], at most 40 + 72 tokens)
  bitfit head, pair head  the fine-tuned classification heads on their own

It also reports how far the labels themselves are reproducible: Fixtures/probes/refusal-heldout-
second-reading.jsonl holds a second, blind reading of the held-out rows against the same rule (by
another AI assistant that saw each request and reply but neither the first labels nor any judge's
output). It prints the two readings' agreement and Cohen's kappa, and each judge's figures on the rows
where the two readings agree, so a judge's misses on rows a reader would label otherwise are told
apart from its own.

With --decoder FEATURES.jsonl (bench/probe/judge_decoder.sh) it measures instead a decoder model's
reading of each pair, written by bench/probe/judge-features: its zero-shot answer, and its final
hidden state in the same regression, alone and with the shipped features. With --layers FEATURES.jsonl
(bench/probe/judge_decoder.sh --layers) it measures which layer's state, at the last position or averaged,
serves that regression best, chosen by cross-validation on the training rows.

The fine-tuning settings (Adam, learning rate 1e-3, head 1e-2, batches of 32, 8 and 6 epochs,
class-balanced loss) were set once before looking at held-out figures and not tuned; the held-out
rows are used for nothing but the figures printed. Fine-tuning starts from a fixed seed, so a rerun
on the same machine prints the same figures.
"""

import json
import math
import os
import sys
import time

import numpy as np
import jax
import jax.numpy as jnp

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import minilm  # noqa: E402
import train_refusal_judge as judge  # noqa: E402
from minilm import EPS, HEADS, HIDDEN, LAYERS  # noqa: E402

HEAD = ("head_w", "head_b")


def layer_norm(x, w, b):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / jnp.sqrt(var + EPS) * w + b


def embed(p, ids, mask):
    """minilm.Encoder's forward pass on a padded batch (mask 1 on real tokens): unit-length means."""
    batch, n = ids.shape
    x = (p["embeddings.word_embeddings.weight"][ids] + p["embeddings.position_embeddings.weight"][:n][None]
         + p["embeddings.token_type_embeddings.weight"][0])
    x = layer_norm(x, p["embeddings.LayerNorm.weight"], p["embeddings.LayerNorm.bias"])
    d = HIDDEN // HEADS
    for i in range(LAYERS):
        pre = f"encoder.layer.{i}."

        def dense(v, name):
            return v @ p[pre + name + ".weight"].T + p[pre + name + ".bias"]
        q, k, v = (dense(x, "attention.self." + part).reshape(batch, n, HEADS, d).transpose(0, 2, 1, 3)
                   for part in ("query", "key", "value"))
        scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(d) + (mask[:, None, None, :] - 1) * 1e9
        context = (jax.nn.softmax(scores, -1) @ v).transpose(0, 2, 1, 3).reshape(batch, n, HIDDEN)
        x = layer_norm(x + dense(context, "attention.output.dense"),
                       p[pre + "attention.output.LayerNorm.weight"], p[pre + "attention.output.LayerNorm.bias"])
        h = jax.nn.gelu(dense(x, "intermediate.dense"), approximate=False)
        x = layer_norm(x + dense(h, "output.dense"), p[pre + "output.LayerNorm.weight"], p[pre + "output.LayerNorm.bias"])
    pooled = (x * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
    return pooled / jnp.maximum(jnp.linalg.norm(pooled, axis=-1, keepdims=True), 1e-12)


class Tuner:
    def __init__(self, encoder, tokens):
        self.base = {k: jnp.asarray(v) for k, v in encoder.t.items() if not k.startswith("pooler")}
        self.tokens = tokens  # row id -> (ids, mask), padded
        base = self.base

        def merged(tp):
            return {**base, **{k: v for k, v in tp.items() if k not in HEAD}}

        def loss(tp, ids, mask, y, w):
            z = 10 * embed(merged(tp), ids, mask) @ tp["head_w"] + tp["head_b"]
            return (w * (jnp.logaddexp(0, z) - y * z)).mean() + 1e-4 * (tp["head_w"] ** 2).sum()
        self.step = jax.jit(jax.value_and_grad(loss))
        self.forward = jax.jit(lambda tp, ids, mask: embed(merged(tp), ids, mask))

    def start(self):
        """The trainable weights as the encoder has them: every bias and layer-norm weight (BitFit)."""
        return {k: v for k, v in self.base.items() if k.endswith(".bias") or "LayerNorm" in k}

    def arrays(self, rows):
        return (np.stack([self.tokens[r["id"]][0] for r in rows]), np.stack([self.tokens[r["id"]][1] for r in rows]))

    def train(self, rows, epochs, rate=1e-3, seed=0):
        tp = self.start()
        tp["head_w"], tp["head_b"] = jnp.zeros(HIDDEN), jnp.zeros(())
        ids, mask = self.arrays(rows)
        y = np.array([1.0 if r["label"] == "refusal" else 0.0 for r in rows], np.float32)
        n, positives = len(y), float(y.sum())
        w = np.where(y == 1, n / (2 * positives), n / (2 * (n - positives))).astype(np.float32)
        m1 = {k: jnp.zeros_like(v) for k, v in tp.items()}
        m2 = {k: jnp.zeros_like(v) for k, v in tp.items()}
        rng, t = np.random.default_rng(seed), 0
        for epoch in range(epochs):
            order, total = rng.permutation(n), 0.0
            for s in range(0, n, 32):
                b = order[s:s + 32]
                value, g = self.step(tp, ids[b], mask[b], y[b], w[b])
                total += float(value) * len(b)
                t += 1
                for k in tp:
                    m1[k] = 0.9 * m1[k] + 0.1 * g[k]
                    m2[k] = 0.999 * m2[k] + 0.001 * g[k] ** 2
                    lr = rate * (10 if k in HEAD else 1)
                    tp[k] = tp[k] - lr * (m1[k] / (1 - 0.9 ** t)) / (jnp.sqrt(m2[k] / (1 - 0.999 ** t)) + 1e-8)
            print(f"  epoch {epoch + 1}/{epochs}: loss {total / n:.4f}", file=sys.stderr, flush=True)
        return tp

    def embeddings(self, tp, rows):
        out = []
        for s in range(0, len(rows), 64):
            out.append(np.asarray(self.forward(tp, *self.arrays(rows[s:s + 64]))))
        return np.concatenate(out)


def padded(ids, length):
    a, m = np.zeros(length, np.int32), np.zeros(length, np.float32)
    a[:len(ids)], m[:len(ids)] = ids, 1
    return a, m


def regression(train, test, extra=None, lambdas=judge.LAMBDAS, added=()):
    """The shipped recipe (judge.train_model: lambda by 5-fold CV on the training rows), on the words
    alone or, with `extra` (row id -> unit vector), on the words and that embedding; the held-out
    rows' probabilities and the lambda. `added` rows are fitted on too but never scored."""
    if extra is not None:
        for r in train + test + list(added):
            r["embedding"] = extra[r["id"]]
    vocabulary, w, b, lam, _ = judge.train_model(train, test, embedded=extra is not None, lambdas=lambdas,
                                                 extra=added)
    xt, _ = judge.matrix(test, vocabulary, embedded=extra is not None)
    return 1 / (1 + np.exp(-(xt @ w + b))), lam


def regression_lines(name, train, test, second, extra=None, lambdas=judge.LAMBDAS, added=()):
    """The line of one regression, and with `added` rows (--synthetic) how it does on them (it was
    not fitted on them) and a second line fitted on them too."""
    p, lam = regression(train, test + list(added), extra, lambdas)
    note = f"λ {lam}"
    if added:
        m = judge.measure(p[len(test):], judge.matrix(added, [])[1])
        note += f"; on the synthetic rows {m['accuracy']:.3f} / {m['refusal']['recall']:.3f} / {m['compliance']['recall']:.3f}"
    line(name, p[:len(test)], test, second, note)
    if added:
        p, lam = regression(train, test, extra, lambdas, added)
        line(name + " +synthetic", p, test, second, f"λ {lam}")


SECOND_READING = os.path.join(ROOT, "Fixtures", "probes", "refusal-heldout-second-reading.jsonl")


def second_reading(test):
    """Row id -> the second reading's label; prints the agreement with the first (unclear left out)."""
    second = {}
    for n, text in enumerate(open(SECOND_READING, encoding="utf-8")):
        row = json.loads(text)
        if row["label"] not in ("refusal", "compliance", "unclear"):
            sys.exit(f"judge_ceiling: {SECOND_READING} line {n + 1}: label {row['label']!r}")
        second[row["id"]] = row["label"]
    if sorted(second) != sorted(r["id"] for r in test):
        sys.exit(f"judge_ceiling: {SECOND_READING} does not cover exactly the held-out rows")
    pairs = [(r["label"], second[r["id"]]) for r in test if second[r["id"]] != "unclear"]
    n = len(pairs)
    observed = sum(a == b for a, b in pairs) / n
    first, other = (sum(x[i] == "refusal" for x in pairs) / n for i in (0, 1))
    chance = first * other + (1 - first) * (1 - other)
    engine = [(r["label"], second[r["id"]]) for r in test
              if r["source"].startswith("modelvet-") and second[r["id"]] != "unclear"]
    print(f"second reading: {sum(v == 'unclear' for v in second.values())} of {len(test)} unclear; on the other {n}, "
          f"agreement {observed:.3f}, Cohen's kappa {(observed - chance) / (1 - chance):.3f} "
          f"(engine replies: {sum(a == b for a, b in engine)} of {len(engine)} agree)")
    return second


def line(name, p, test, second, note=""):
    """All held-out rows, the engine's replies, and the rows where the two readings agree."""
    y = np.array([1.0 if r["label"] == "refusal" else 0.0 for r in test])
    engine = np.array([r["source"].startswith("modelvet-") for r in test])
    agreed = np.array([second[r["id"]] == r["label"] for r in test])
    cells = []
    for subset in (np.ones(len(test), bool), engine, agreed):
        m = judge.measure(p[subset], y[subset])
        cells += [m["accuracy"], m["refusal"]["recall"], m["compliance"]["recall"]]
    print("| " + name + " | " + " | ".join(f"{c:.3f}" for c in cells) + f" | {note} |", flush=True)


def feature_rows(rows, path, added=()):
    """The lines judge-features wrote to `path` (row id -> line), and the rows, training rows,
    held-out rows and added rows that have one: rows without features are left out of training and
    measuring alike, for every line."""
    features = {}
    for text in open(path, encoding="utf-8"):
        f = json.loads(text)
        features[f["id"]] = f
    rows = [r for r in rows if r["id"] in features]
    added = [r for r in added if r["id"] in features]
    train = [r for r in rows if not judge.held_out(r)]
    test = [r for r in rows if judge.held_out(r)]
    print(f"rows with decoder features: {len(train)} train, {len(test)} held out "
          f"({sum(r['label'] == 'refusal' for r in test)} refusals, "
          f"{sum(r['source'].startswith('modelvet-') for r in test)} engine replies)"
          + (f"; {len(added)} synthetic rows" if added else ""))
    return features, rows, train, test, added


def decoder_lines(rows, frozen, second, path, added=()):
    """The lines of bench/probe/judge_decoder.sh: a decoder model's reading of each pair (the
    features judge-features wrote to `path`), zero-shot and as features of the shipped regression."""
    features, rows, train, test, added = feature_rows(rows, path, added)
    shipped_lines(train, test, frozen, second, added)
    # Zero-shot: the logit of "No" minus that of "Yes" as the answer's first token, cut where it
    # best separates the training rows (balanced accuracy).
    margin = {r["id"]: features[r["id"]]["answer"][1] - features[r["id"]]["answer"][0] for r in rows}
    y = np.array([r["label"] == "refusal" for r in train])
    m = np.array([margin[r["id"]] for r in train])
    cut = max(sorted(set(m)), key=lambda c: (np.mean(m[y] >= c) + np.mean(m[~y] < c)) / 2)
    line("zero-shot", np.array([1.0 if margin[r["id"]] >= cut else 0.0 for r in test]), test, second,
         f"No−Yes logit ≥ {cut:.2f}")
    unit = standardised({r["id"]: features[r["id"]]["last"] for r in rows + added}, train)
    bare = [[dict(r, features=[]) for r in group] for group in (train, test, added)]
    regression_lines("decoder state", bare[0], bare[1], second, unit, WIDER, bare[2])
    regression_lines("words+decoder", train, test, second, unit, WIDER, added)
    both = {i: np.concatenate([frozen[i], unit[i]]) for i in unit}
    regression_lines("words+frozen+decoder", train, test, second, both, WIDER, added)


def standardised(vectors, train):
    """Row id -> vector standardised per dimension on the training rows, then divided by the square
    root of its width: about unit length, as the sentence embeddings are (a decoder's states have a
    few dimensions hundreds of times larger than the rest)."""
    states = np.array([vectors[r["id"]] for r in train])
    centre, spread = states.mean(axis=0), states.std(axis=0) + 1e-6
    return {i: (np.asarray(v) - centre) / spread / math.sqrt(len(centre)) for i, v in vectors.items()}


# The state is wider than the sentence embedding, so the choice of λ (cross-validation on the
# training rows) reaches further.
WIDER = judge.LAMBDAS + (0.1, 0.3)


def layer_lines(rows, frozen, second, path):
    """The lines of bench/probe/judge_decoder.sh --layers: which of a decoder's layers, read at the last
    position or averaged over the request and reply, serves the shipped regression best (words +
    MiniLM + that state). The reading is chosen by cross-validation on the training rows alone;
    the held-out figures of every reading are printed for the record, but the chosen one's are the
    judge's."""
    features, _, train, test, _ = feature_rows(rows, path)
    shipped_lines(train, test, frozen, second)
    layers = sorted(next(iter(features.values()))["layers"], key=int)
    readings = {}
    for layer in layers:
        for pooling in ("last", "mean"):
            readings[f"layer {layer} {pooling}"] = {i: np.asarray(f["layers"][layer][pooling]) for i, f in features.items()}
    # The output layer's input: the last layer's last position, RMS-normalised per row (its weight
    # is a per-dimension scale, which standardising undoes) — judge_decoder.sh's state.
    readings[f"layer {layers[-1]} last, normed"] = {
        i: v / np.sqrt(np.mean(v * v) + 1e-6) for i, v in readings[f"layer {layers[-1]} last"].items()}
    scored = []

    def score(name, units):
        both = {i: np.concatenate([frozen[i]] + [u[i] for u in units]) for i in units[0]}
        for r in train + test:
            r["embedding"] = both[r["id"]]
        lam, cv = judge.cross_validated(train, embedded=True, lambdas=WIDER)
        p, _ = regression(train, test, both, (lam,))
        scored.append((cv, name, lam, p))
        print(f"  {name}: cross-validated balanced accuracy {cv:.4f} (λ {lam})", file=sys.stderr, flush=True)

    units = {name: standardised(vectors, train) for name, vectors in readings.items()}
    for name, unit in units.items():
        score(name, [unit])
    # The two readings the cross-validation likes best, side by side (each about unit length, so
    # together about √2: the regression's λ is chosen afresh).
    first, second_best = sorted(scored, key=lambda s: -s[0])[:2]
    score(f"{first[1]} + {second_best[1]}", [units[first[1]], units[second_best[1]]])
    best = max(scored, key=lambda s: s[0])
    for entry in scored:
        cv, name, lam, p = entry
        line(f"words+frozen+{name}" + (" (chosen)" if entry is best else ""), p, test, second, f"λ {lam}, CV {cv:.4f}")


def shipped_lines(train, test, frozen, second, added=()):
    """The table's header and the shipped judges' lines, the others' reference (and with `added`
    rows, the same judges fitted on them too)."""
    print("| judge | all: accuracy | refusal recall | compliance recall | engine replies: accuracy | refusal recall "
          "| compliance recall | readers agree: accuracy | refusal recall | compliance recall | notes |\n"
          "|---|" + "---:|" * 9 + "---|")
    regression_lines("words", train, test, second, added=added)
    regression_lines("words+frozen", train, test, second, frozen, added=added)


def main():
    models = os.environ.get("MODELVET_MODEL_CACHE", os.path.expanduser("~/.cache/modelvet-test-models"))
    folder = judge.encoder_folder(models)
    args = sys.argv[1:]
    # --synthetic: every regression line again, fitted on the synthetic rows too (scored as before).
    added = judge.synthetic_rows() if "--synthetic" in args else []
    args = [a for a in args if a != "--synthetic"]
    if not (args == [] or (len(args) == 2 and args[0] == "--decoder")
            or (len(args) == 2 and args[0] == "--layers" and not added)):
        sys.exit("usage: judge_ceiling.py [--synthetic] [--decoder FEATURES.jsonl] | --layers FEATURES.jsonl")
    rows = judge.pyrit_rows(os.path.join(models, "probe-data")) + judge.own_rows()
    for r in rows + added:
        r["features"] = judge.features(r["response"])
    judge.embed_rows(rows + added, folder, os.path.join(models, "probe-data"))
    frozen = {r["id"]: r["embedding"] for r in rows + added}
    train = [r for r in rows if not judge.held_out(r)]
    test = [r for r in rows if judge.held_out(r)]
    print(f"rows: {len(rows)} ({len(train)} train, {len(test)} held out, "
          f"{sum(r['label'] == 'refusal' for r in test)} held-out refusals; "
          f"{sum(r['source'].startswith('modelvet-') for r in test)} held-out engine replies)")
    second = second_reading(test)
    if args and args[0] == "--decoder":
        decoder_lines(rows, frozen, second, args[1], added)
        return
    if args:
        layer_lines(rows, frozen, second, args[1])
        return
    shipped_lines(train, test, frozen, second, added)
    if added:
        return  # the fine-tuned encoders are measured without them

    encoder = minilm.Encoder(folder)
    vocab = encoder.vocabulary
    reply = Tuner(encoder, {r["id"]: padded(vocab.encode(r["response"], 64), 64) for r in rows})
    # The JAX forward pass must be the reference's: the untouched encoder gives the cached embeddings.
    gap = float(np.max(np.abs(reply.embeddings(reply.start(), rows[:64]) - np.array([frozen[r["id"]] for r in rows[:64]]))))
    if gap > 1e-4:
        sys.exit(f"judge_ceiling: the JAX encoder differs from scripts/minilm.py by {gap}")
    for name, tuner, epochs in (("bitfit", reply, 8),
                                ("pair", Tuner(encoder, {r["id"]: padded(vocab.encode(r["prompt"], 40)
                                                                         + vocab.encode(r["response"], 72)[1:], 112)
                                                         for r in rows}), 6)):
        started = time.time()
        print(f"fine-tuning {name}, {epochs} epochs", file=sys.stderr)
        tp = tuner.train(train, epochs)
        seconds = time.time() - started
        e = tuner.embeddings(tp, train + test)
        tuned = {r["id"]: v for r, v in zip(train + test, e)}
        z = 10 * np.array([tuned[r["id"]] for r in test]) @ np.asarray(tp["head_w"]) + float(tp["head_b"])
        line(f"{name} head", 1 / (1 + np.exp(-z)), test, second, f"fine-tuned in {seconds:.0f} s")
        p, lam = regression(train, test, tuned)
        line(f"words+{name}", p, test, second, f"λ {lam}")


if __name__ == "__main__":
    main()
