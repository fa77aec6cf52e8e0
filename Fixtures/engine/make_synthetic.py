#!/usr/bin/env python3
"""Small synthetic GGUF models for the architectures no small real file on PyPI covers.

    python3 Fixtures/engine/make_synthetic.py OUT_DIR

Writes, with the PyPI `gguf` package's writer and seeded random weights:
  qwen3-tiny.gguf        qwen3: query/key RMS norms, no biases, heads wider than width/heads
                         (key_length 48 on a 64-wide model), NeoX RoPE, Q8_0 matrices
  phi3-tiny.gguf         phi3: fused query/key/value matrix and fused gate/up matrix, NeoX RoPE
  llama3-scaled.gguf     llama with Llama 3 RoPE frequency factors (rope_freqs.weight, computed
                         as Meta's "llama3" rope_scaling does: factor 8, low/high frequency factors
                         1 and 4, original context 64), Q8_0 and F16 matrices
  phi3-longrope.gguf     phi3 with LongRoPE (Phi-3 128k's scaling): rope_factors_long/short,
                         original context 64 of 256, attention factor; the tests run it with a
                         context of 256, so the long factors apply
All carry a SentencePiece-style vocabulary of 96 tokens so the engine can open them; the tests
feed token ids directly. Fixtures/engine/reference.py computes their float64 reference.
"""
import math
import os
import sys

import numpy as np
from gguf import GGMLQuantizationType as Q, GGUFWriter
from gguf.quants import quantize

VOCAB = 96


def vocabulary(w: GGUFWriter) -> None:
    tokens = ["<unk>", "<s>", "</s>"] + [f"\u2581t{i}" for i in range(VOCAB - 3)]
    w.add_tokenizer_model("llama")
    w.add_token_list(tokens)
    w.add_token_scores([0.0] * 3 + [-float(i) for i in range(VOCAB - 3)])
    w.add_token_types([2, 3, 3] + [1] * (VOCAB - 3))
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)


def tensor(w: GGUFWriter, rng, name: str, rows: int, cols: int, kind: Q, scale: float = 0.5) -> None:
    data = (rng.standard_normal((rows, cols)) * scale / math.sqrt(cols)).astype(np.float32)
    if kind == Q.F32:
        w.add_tensor(name, data)
    elif kind == Q.F16:
        w.add_tensor(name, data.astype(np.float16))
    else:
        q = quantize(data, kind)
        w.add_tensor(name, q, raw_shape=q.shape, raw_dtype=kind)


def norm(w: GGUFWriter, rng, name: str, n: int) -> None:
    w.add_tensor(name, (1 + 0.1 * rng.standard_normal(n)).astype(np.float32))


def model(path: str, arch: str, seed: int, head_dim: int, matrices: Q, qk_norm: bool, rope_factors, fused: bool = False,
          longrope=None) -> None:
    rng = np.random.default_rng(seed)
    dim, heads, kv_heads, ff, layers = 64, 4, 2, 128, 2
    w = GGUFWriter(path, arch)
    w.add_name(f"ModelVet synthetic {arch}")
    w.add_context_length(256)
    w.add_embedding_length(dim)
    w.add_feed_forward_length(ff)
    w.add_block_count(layers)
    w.add_head_count(heads)
    w.add_head_count_kv(kv_heads)
    w.add_key_length(head_dim)
    w.add_value_length(head_dim)
    w.add_rope_freq_base(500000.0 if rope_factors is not None else 1000000.0)
    w.add_layer_norm_rms_eps(1e-6)
    vocabulary(w)
    tensor(w, rng, "token_embd.weight", VOCAB, dim, Q.F32, scale=8.0)
    norm(w, rng, "output_norm.weight", dim)
    tensor(w, rng, "output.weight", VOCAB, dim, matrices, scale=4.0)
    if rope_factors is not None:
        w.add_tensor("rope_freqs.weight", rope_factors.astype(np.float32))
    if longrope is not None:
        # As llama.cpp's converter writes Phi-3 128k: the original context, the attention factor
        # sqrt(1 + ln(scale) / ln(original)) and the two sets of per-pair divisors.
        original, long, short = longrope
        w.add_rope_scaling_orig_ctx_len(original)
        w.add_rope_scaling_attn_factors(math.sqrt(1 + math.log(256 / original) / math.log(original)))
        w.add_tensor("rope_factors_long.weight", long.astype(np.float32))
        w.add_tensor("rope_factors_short.weight", short.astype(np.float32))
    for i in range(layers):
        p = f"blk.{i}."
        norm(w, rng, p + "attn_norm.weight", dim)
        # Large query and key weights make attention peaked, so positions (RoPE) move the logits.
        if fused:
            q = rng.standard_normal((heads * head_dim, dim)) * 4.0 / math.sqrt(dim)
            k = rng.standard_normal((kv_heads * head_dim, dim)) * 4.0 / math.sqrt(dim)
            v = rng.standard_normal((kv_heads * head_dim, dim)) * 0.5 / math.sqrt(dim)
            packed = quantize(np.concatenate([q, k, v]).astype(np.float32), matrices)
            w.add_tensor(p + "attn_qkv.weight", packed, raw_shape=packed.shape, raw_dtype=matrices)
        else:
            tensor(w, rng, p + "attn_q.weight", heads * head_dim, dim, matrices, scale=4.0)
            tensor(w, rng, p + "attn_k.weight", kv_heads * head_dim, dim, matrices, scale=4.0)
            tensor(w, rng, p + "attn_v.weight", kv_heads * head_dim, dim, matrices)
        tensor(w, rng, p + "attn_output.weight", dim, heads * head_dim, matrices)
        if qk_norm:
            norm(w, rng, p + "attn_q_norm.weight", head_dim)
            norm(w, rng, p + "attn_k_norm.weight", head_dim)
        norm(w, rng, p + "ffn_norm.weight", dim)
        if fused:
            tensor(w, rng, p + "ffn_up.weight", 2 * ff, dim, matrices)
        else:
            tensor(w, rng, p + "ffn_gate.weight", ff, dim, matrices)
            tensor(w, rng, p + "ffn_up.weight", ff, dim, matrices)
        tensor(w, rng, p + "ffn_down.weight", dim, ff, Q.F16 if matrices == Q.Q8_0 and arch == "llama" else matrices)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def llama3_factors(head_dim: int, base: float) -> np.ndarray:
    """Meta's llama3 rope_scaling, as the GGUF converters store it: one divisor per rotated pair."""
    factor, low, high, original = 8.0, 1.0, 4.0, 64
    low_wavelen, high_wavelen = original / low, original / high
    out = []
    for i in range(0, head_dim, 2):
        freq = 1.0 / base ** (i / head_dim)
        wavelen = 2 * math.pi / freq
        if wavelen < high_wavelen:
            out.append(1.0)
        elif wavelen > low_wavelen:
            out.append(factor)
        else:
            smooth = (original / wavelen - low) / (high - low)
            out.append(1.0 / ((1 - smooth) / factor + smooth))
    return np.array(out)


def main() -> None:
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    model(os.path.join(out, "qwen3-tiny.gguf"), "qwen3", 3, 48, Q.Q8_0, True, None)
    model(os.path.join(out, "phi3-tiny.gguf"), "phi3", 5, 32, Q.Q8_0, False, None, fused=True)
    model(os.path.join(out, "llama3-scaled.gguf"), "llama", 31, 16, Q.Q8_0, False, llama3_factors(16, 500000.0))
    pairs = np.arange(16) / 15
    model(os.path.join(out, "phi3-longrope.gguf"), "phi3", 7, 32, Q.Q8_0, False, None, fused=True,
          longrope=(64, 1 + 15 * pairs ** 2, 1 + 0.5 * pairs))


if __name__ == "__main__":
    main()
