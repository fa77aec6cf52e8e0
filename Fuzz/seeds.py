#!/usr/bin/env python3
"""Writes small seed inputs for the format fuzz targets (stdlib only; nothing is loaded or run).

  seeds.py CORPUS_ROOT

CORPUS_ROOT/corpus-safetensors: valid and subtly broken safetensors headers.
CORPUS_ROOT/corpus-gguf: GGUF v1-v3 files with every metadata type, nested arrays, a chat
template and tensors of several types.
CORPUS_ROOT/corpus-jinja: chat templates, benign and injection-shaped.
CORPUS_ROOT/corpus-engine: tiny llama models (F32 and Q8_0) the inference engine loads and runs.
Protobuf seeds (ONNX, TFLite) are copied by run.sh from real models on this machine.
"""
import json
import os
import struct
import sys


def safetensors(header: dict, data: bytes, pad: bytes = b"") -> bytes:
    text = json.dumps(header, separators=(",", ":")).encode() + pad
    return struct.pack("<Q", len(text)) + text + data


def gguf_string(s: str, version: int) -> bytes:
    b = s.encode()
    return (struct.pack("<I", len(b)) if version == 1 else struct.pack("<Q", len(b))) + b


def gguf(version: int, metadata: list, tensors: list, alignment: int = 32) -> bytes:
    count = (lambda n: struct.pack("<I", n)) if version == 1 else (lambda n: struct.pack("<Q", n))
    out = b"GGUF" + struct.pack("<I", version) + count(len(tensors)) + count(len(metadata))
    for key, vtype, payload in metadata:
        out += gguf_string(key, version) + struct.pack("<I", vtype) + payload(version)
    offset = 0
    blobs = []
    for name, dims, ttype, blob in tensors:
        out += gguf_string(name, version) + struct.pack("<I", len(dims))
        out += b"".join(count(d) for d in dims) + struct.pack("<I", ttype) + struct.pack("<Q", offset)
        blobs.append(blob)
        offset += (len(blob) + alignment - 1) // alignment * alignment
    out += b"\0" * ((-len(out)) % alignment)
    for blob in blobs:
        out += blob + b"\0" * ((-len(blob)) % alignment)
    return out


CHATML = ("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + "
          "'<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")
INJECTION = "{{ cycler.__init__.__globals__.os.popen('id').read() }}"
COMPUTED = "{% set a = '__cla' ~ 'ss__' %}{{ ''|attr(a) }}{% for x in range(3) %}{{ x|join(',') }}{% endfor %}"
MACROS = ("{% macro m(x, y=2) %}{{ x * y }}{% endmacro %}{% set ns = namespace(k=0) %}{% for i in [1,2] if i > 0 %}"
          "{% set ns.k = ns.k + i %}{{ m(i) }}{% else %}none{% endfor %}{{ ns.k | string | upper }}"
          "{%- if messages[0]['role'] == 'system' -%}{{ messages[0]['content'] | trim }}{%- endif -%}"
          "{{ raise_exception('bad') if false else '' }}{# comment #}{% raw %}{{ x }}{% endraw %}")


def tiny_llama(ttype: int) -> bytes:
    """A one-layer llama GGUF (dim 32, 2 heads, 1 key/value head) with a byte-level vocabulary and
    pseudo-random weights, F32 (type 0) or Q8_0 (type 8), for the engine fuzz target."""
    import random
    rng = random.Random(ttype)
    dim, ff, kv = 32, 64, 16
    tokens = [chr(b) if 33 <= b <= 126 else chr(256 + b) for b in range(256)] + ["he", "<|endoftext|>"]

    def u32(v):
        return lambda _: struct.pack("<I", v)

    def s(v):
        return lambda version: gguf_string(v, version)

    def arr(etype, items):
        return lambda version: struct.pack("<I", etype) + struct.pack("<Q", len(items)) + b"".join(i(version) for i in items)

    def weights(rows, cols):
        if ttype == 0:
            return struct.pack(f"<{rows * cols}f", *[rng.uniform(-0.5, 0.5) for _ in range(rows * cols)])
        out = b""
        for _ in range(rows * cols // 32):
            out += struct.pack("<e", 0.01) + bytes(rng.randrange(256) for _ in range(32))
        return out

    ones = struct.pack(f"<{dim}f", *([1.0] * dim))
    metadata = [
        ("general.architecture", 8, s("llama")), ("llama.block_count", 4, u32(1)), ("llama.embedding_length", 4, u32(dim)),
        ("llama.feed_forward_length", 4, u32(ff)), ("llama.attention.head_count", 4, u32(2)),
        ("llama.attention.head_count_kv", 4, u32(1)), ("llama.context_length", 4, u32(64)),
        ("tokenizer.ggml.model", 8, s("gpt2")), ("tokenizer.ggml.pre", 8, s("gpt2")),
        ("tokenizer.ggml.tokens", 9, arr(8, [s(t) for t in tokens])),
        ("tokenizer.ggml.token_type", 9, arr(5, [lambda _, i=i: struct.pack("<i", 3 if i == len(tokens) - 1 else 1)
                                                  for i in range(len(tokens))])),
        ("tokenizer.ggml.merges", 9, arr(8, [s("h e")])),
        ("tokenizer.ggml.eos_token_id", 4, u32(len(tokens) - 1)),
    ]
    tensors = [("token_embd.weight", [dim, len(tokens)], ttype, weights(len(tokens), dim)),
               ("output_norm.weight", [dim], 0, ones), ("blk.0.attn_norm.weight", [dim], 0, ones),
               ("blk.0.attn_q.weight", [dim, dim], ttype, weights(dim, dim)), ("blk.0.attn_k.weight", [dim, kv], ttype, weights(kv, dim)),
               ("blk.0.attn_v.weight", [dim, kv], ttype, weights(kv, dim)), ("blk.0.attn_output.weight", [dim, dim], ttype, weights(dim, dim)),
               ("blk.0.ffn_norm.weight", [dim], 0, ones), ("blk.0.ffn_gate.weight", [dim, ff], ttype, weights(ff, dim)),
               ("blk.0.ffn_up.weight", [dim, ff], ttype, weights(ff, dim)), ("blk.0.ffn_down.weight", [ff, dim], ttype, weights(dim, ff))]
    return gguf(3, metadata, tensors)


def main() -> None:
    root = sys.argv[1]
    for d in ("corpus-safetensors", "corpus-gguf", "corpus-jinja"):
        os.makedirs(os.path.join(root, d), exist_ok=True)

    st = {
        "plain": safetensors({"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
                              "__metadata__": {"format": "pt"}}, b"\0" * 16),
        "two": safetensors({"a": {"dtype": "F16", "shape": [4], "data_offsets": [0, 8]},
                            "b": {"dtype": "I64", "shape": [1], "data_offsets": [8, 16]}}, b"\1" * 16, pad=b"   "),
        "overlap": safetensors({"a": {"dtype": "U8", "shape": [8], "data_offsets": [0, 8]},
                                "b": {"dtype": "U8", "shape": [8], "data_offsets": [4, 12]}}, b"\2" * 12),
        "gap": safetensors({"a": {"dtype": "BF16", "shape": [2], "data_offsets": [4, 8]}}, b"\3" * 12),
        "dup": b"", "nested_meta": safetensors({"__metadata__": {"x": {"y": 1}}}, b""),
    }
    text = b'{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'
    st["dup"] = struct.pack("<Q", len(text)) + text + b"\0" * 4
    for name, blob in st.items():
        with open(os.path.join(root, "corpus-safetensors", name + ".safetensors"), "wb") as f:
            f.write(blob)

    def u32(v):
        return lambda _: struct.pack("<I", v)

    def s(v):
        return lambda version: gguf_string(v, version)

    def arr(etype, items):
        return lambda version: struct.pack("<I", etype) + (struct.pack("<I", len(items)) if version == 1 else
                                                           struct.pack("<Q", len(items))) + b"".join(i(version) for i in items)

    metadata = [
        ("general.architecture", 8, s("llama")),
        ("general.alignment", 4, u32(32)),
        ("llama.context_length", 4, u32(2048)),
        ("llama.rope.freq_base", 6, lambda _: struct.pack("<f", 10000.0)),
        ("flag", 7, lambda _: b"\1"),
        ("i8", 1, lambda _: b"\xff"), ("u16", 2, lambda _: b"\1\0"), ("i16", 3, lambda _: b"\xff\xff"),
        ("i32", 5, lambda _: struct.pack("<i", -5)), ("u64", 10, lambda _: struct.pack("<Q", 7)),
        ("i64", 11, lambda _: struct.pack("<q", -7)), ("f64", 12, lambda _: struct.pack("<d", 1.5)),
        ("tokenizer.ggml.tokens", 9, arr(8, [s("<s>"), s("</s>"), s("hello")])),
        ("nested", 9, arr(9, [arr(4, [u32(1), u32(2)]), arr(4, [])])),
        ("tokenizer.chat_template", 8, s(CHATML)),
        ("tokenizer.chat_template.tool_use", 8, s(INJECTION)),
    ]
    tensors = [("token_embd.weight", [4, 3], 0, b"\0" * 48),
               ("blk.0.attn_q.weight", [32, 2], 8, b"\0" * 68),  # Q8_0: 34 bytes per 32
               ("output.weight", [256], 12, b"\0" * 144)]       # Q4_K: 144 bytes per 256
    for version in (1, 2, 3):
        with open(os.path.join(root, "corpus-gguf", f"v{version}.gguf"), "wb") as f:
            f.write(gguf(version, metadata, tensors))
    with open(os.path.join(root, "corpus-gguf", "empty.gguf"), "wb") as f:
        f.write(gguf(3, [], []))

    os.makedirs(os.path.join(root, "corpus-engine"), exist_ok=True)
    for label, ttype in (("f32", 0), ("q8_0", 8)):
        with open(os.path.join(root, "corpus-engine", f"tiny-llama-{label}.gguf"), "wb") as f:
            f.write(tiny_llama(ttype))

    for name, template in {"chatml": CHATML, "injection": INJECTION, "computed": COMPUTED, "macros": MACROS}.items():
        with open(os.path.join(root, "corpus-jinja", name + ".jinja"), "w", encoding="utf-8") as f:
            f.write(template)


if __name__ == "__main__":
    main()
