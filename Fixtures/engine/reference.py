#!/usr/bin/env python3
"""A float64 reference forward pass for the GGUF architectures the engine runs (llama with or
without Llama 3 frequency factors, mistral, qwen2, qwen3, gemma3, phi3).

Weights are dequantised with the PyPI `gguf` package (its reference dequantisers) and every
operation after that runs in numpy float64: no activation quantisation, no f16 KV cache, exact
softmax, RoPE, norms and activations. This is the "exact math" the engine is judged against; the
engine (like llama.cpp) quantises activations to 8 bits and stores keys and values in f16, so it
differs from this reference by small amounts, and the tests bound those amounts.

    python3 Fixtures/engine/reference.py MODEL.gguf OUT.json PROMPT_TOKENS_JSON [--steps N]

PROMPT_TOKENS_JSON is a JSON list of token-id lists (the engine's own tokenisation, from
`modelvet generate --format json`, field prompt_tokens). For each prompt the reference decodes N
greedy steps and records at every step its argmax, the gap to the runner-up and the log-probabilities
of its 20 most likely tokens; the engine is teacher-forced along the same tokens by the tests.

Nothing here runs code from the model file: GGUF is data, read with gguf's reader.
"""
import argparse
import hashlib
import json
import sys

import numpy as np
from gguf import GGUFReader
from gguf.quants import dequantize


def field(reader, key):
    f = reader.fields.get(key)
    if f is None:
        return None
    value = f.parts[f.data[0]]
    if f.types and f.types[0].name == "STRING":
        return bytes(value).decode("utf-8")
    return value.tolist()[0]


class Model:
    def __init__(self, path, context=256):
        reader = GGUFReader(path)
        self.arch = field(reader, "general.architecture")
        a = self.arch

        def hp(key, default=None):
            v = field(reader, f"{a}.{key}")
            return default if v is None else v

        self.dim = hp("embedding_length")
        self.layers = hp("block_count")
        self.heads = hp("attention.head_count")
        self.kv_heads = hp("attention.head_count_kv", self.heads)
        self.head_dim = hp("attention.key_length", self.dim // self.heads)
        self.eps = hp("attention.layer_norm_rms_epsilon", 1e-5)
        self.rope_base = hp("rope.freq_base", 10000.0)
        self.rope_dims = hp("rope.dimension_count", self.head_dim)
        self.neox = a in ("qwen2", "qwen3", "gemma3", "phi3")
        self.gemma = a == "gemma3"
        self.window = hp("attention.sliding_window") if self.gemma else None
        # LongRoPE (Phi-3 128k): per-pair divisors for contexts up to the original length (short)
        # and beyond it (long), chosen by the context the model runs with, as llama.cpp chooses;
        # the rotated values are scaled by the attention factor (ggml's mscale).
        self.context = context
        self.original_context = hp("rope.scaling.original_context_length", hp("context_length", context))
        self.attn_factor = hp("rope.scaling.attn_factor", 1.0)
        self.tensors = {}
        for t in reader.tensors:
            w = dequantize(t.data, t.tensor_type)
            shape = [int(x) for x in reversed(t.shape.tolist())]  # ggml lists columns first
            self.tensors[t.name] = np.asarray(w, dtype=np.float64).reshape(shape)
        self.output = self.tensors.get("output.weight", self.tensors["token_embd.weight"])
        # Phi-3's fused matrices: query, key, value rows in one; the gate's rows above the up rows.
        q_rows, kv_rows = self.heads * self.head_dim, self.kv_heads * self.head_dim
        for i in range(self.layers):
            p = f"blk.{i}."
            qkv = self.tensors.pop(p + "attn_qkv.weight", None)
            if qkv is not None:
                self.tensors[p + "attn_q.weight"] = qkv[:q_rows]
                self.tensors[p + "attn_k.weight"] = qkv[q_rows:q_rows + kv_rows]
                self.tensors[p + "attn_v.weight"] = qkv[q_rows + kv_rows:]
            if p + "ffn_gate.weight" not in self.tensors:
                up = self.tensors[p + "ffn_up.weight"]
                half = up.shape[0] // 2
                self.tensors[p + "ffn_gate.weight"], self.tensors[p + "ffn_up.weight"] = up[:half], up[half:]

    def t(self, name):
        return self.tensors.get(name)

    def rms(self, x, w):
        return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + self.eps) * w

    def rope(self, x, positions, base):
        # x: (tokens, heads, head_dim)
        d = self.rope_dims
        inv = base ** (-np.arange(0, d, 2, dtype=np.float64) / d)
        factors = self.t("rope_freqs.weight")
        if factors is None and self.t("rope_factors_long.weight") is not None:
            factors = self.t("rope_factors_long.weight" if self.context > self.original_context else "rope_factors_short.weight")
        if factors is not None:  # Llama 3 scaling or LongRoPE: each pair's frequency divided by its factor
            inv = inv / factors
        ang = positions[:, None].astype(np.float64) * inv[None, :]
        cos, sin = np.cos(ang)[:, None, :] * self.attn_factor, np.sin(ang)[:, None, :] * self.attn_factor
        x = x.copy()
        if self.neox:
            x0, x1 = x[..., : d // 2].copy(), x[..., d // 2: d].copy()
            x[..., : d // 2] = x0 * cos - x1 * sin
            x[..., d // 2: d] = x0 * sin + x1 * cos
        else:
            x0, x1 = x[..., 0:d:2].copy(), x[..., 1:d:2].copy()
            x[..., 0:d:2] = x0 * cos - x1 * sin
            x[..., 1:d:2] = x0 * sin + x1 * cos
        return x

    def logits(self, tokens):
        """Logits at the last position of `tokens` (a causal pass over the whole sequence)."""
        n = len(tokens)
        x = self.tensors["token_embd.weight"][tokens]
        if self.gemma:
            x = x * np.sqrt(self.dim)
        pos = np.arange(n)
        hd, group = self.head_dim, self.heads // self.kv_heads
        for i in range(self.layers):
            p = f"blk.{i}."
            h = self.rms(x, self.t(p + "attn_norm.weight"))
            q = h @ self.t(p + "attn_q.weight").T
            k = h @ self.t(p + "attn_k.weight").T
            v = h @ self.t(p + "attn_v.weight").T
            for name, m in (("attn_q.bias", "q"), ("attn_k.bias", "k"), ("attn_v.bias", "v")):
                b = self.t(p + name)
                if b is not None:
                    if m == "q":
                        q = q + b
                    elif m == "k":
                        k = k + b
                    else:
                        v = v + b
            q = q.reshape(n, self.heads, hd)
            k = k.reshape(n, self.kv_heads, hd)
            v = v.reshape(n, self.kv_heads, hd)
            if self.t(p + "attn_q_norm.weight") is not None:
                q = self.rms(q, self.t(p + "attn_q_norm.weight"))
                k = self.rms(k, self.t(p + "attn_k_norm.weight"))
            sliding = self.gemma and (i + 1) % 6 != 0
            base = 10000.0 if sliding else self.rope_base
            q, k = self.rope(q, pos, base), self.rope(k, pos, base)
            mask = pos[None, :] > pos[:, None]
            if sliding:
                mask |= pos[:, None] - pos[None, :] >= self.window
            out = np.empty((n, self.heads, hd))
            for head in range(self.heads):
                kh = head // group
                s = (q[:, head, :] @ k[:, kh, :].T) / np.sqrt(hd)
                s[mask] = -np.inf
                s = s - s.max(axis=1, keepdims=True)
                e = np.exp(s)
                out[:, head, :] = (e / e.sum(axis=1, keepdims=True)) @ v[:, kh, :]
            a = out.reshape(n, self.heads * hd) @ self.t(p + "attn_output.weight").T
            if self.t(p + "post_attention_norm.weight") is not None:
                a = self.rms(a, self.t(p + "post_attention_norm.weight"))
            x = x + a
            h = self.rms(x, self.t(p + "ffn_norm.weight"))
            g = h @ self.t(p + "ffn_gate.weight").T
            u = h @ self.t(p + "ffn_up.weight").T
            if self.gemma:
                g = 0.5 * g * (1 + np.tanh(np.sqrt(2 / np.pi) * (g + 0.044715 * g ** 3)))
            else:
                g = g / (1 + np.exp(-g))
            f = (g * u) @ self.t(p + "ffn_down.weight").T
            if self.t(p + "post_ffw_norm.weight") is not None:
                f = self.rms(f, self.t(p + "post_ffw_norm.weight"))
            x = x + f
        x = self.rms(x[-1], self.t("output_norm.weight"))
        return self.output @ x


def log_softmax(z):
    z = z - z.max()
    return z - np.log(np.exp(z).sum())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("out")
    ap.add_argument("prompts", help="JSON list of token-id lists")
    ap.add_argument("--steps", type=int, default=12)
    ap.add_argument("--top", type=int, default=20)
    ap.add_argument("--context", type=int, default=256, help="the context the engine runs with (LongRoPE picks its factors by it)")
    args = ap.parse_args()
    digest = hashlib.sha256()
    with open(args.model, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    model = Model(args.model, args.context)
    cases = []
    for prompt in json.loads(args.prompts):
        tokens = list(prompt)
        steps = []
        for _ in range(args.steps):
            lp = log_softmax(model.logits(tokens))
            order = np.argsort(-lp)[: args.top]
            steps.append({"argmax": int(order[0]), "gap": float(lp[order[0]] - lp[order[1]]),
                          "top": [[int(i), float(lp[i])] for i in order]})
            tokens.append(int(order[0]))
        cases.append({"prompt_tokens": list(prompt), "steps": steps})
        print(f"reference: prompt of {len(prompt)} tokens, continuation {tokens[len(prompt):]}", file=sys.stderr)
    with open(args.out, "w") as f:
        json.dump({"model_sha256": digest.hexdigest(), "architecture": model.arch, "cases": cases}, f)


if __name__ == "__main__":
    main()
