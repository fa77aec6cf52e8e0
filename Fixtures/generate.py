#!/usr/bin/python3
"""Generate ModelVet's framework-produced fixtures into Fixtures/files/.

Run with Debian's interpreter, whose frameworks come from pinned distro
packages (see Fixtures/README.md):

    /usr/bin/python3 Fixtures/generate.py

Benign fixtures are written by the real frameworks (torch.save, torch.jit.save,
numpy.save/savez, joblib.dump).  Malicious fixtures are real files with
hand-assembled pickle opcodes spliced in; their payloads only run
`echo modelvet-fixture`.

SAFETY: nothing here unpickles.  No pickle.load(s), torch.load, torch.jit.load,
joblib.load or numpy.load is called; pickles are only decoded opcode by opcode
with pickletools (fixturegen/static_pickle.py) to record the globals each
fixture imports in MANIFEST.json.
"""

from __future__ import annotations

import collections
import hashlib
import json
import os
import pickle
import platform
import subprocess
import sys
import zlib
from pathlib import Path

# TorchScript writes a class's __constants__ in set order, which depends on
# string hashing: pin the hash seed (re-running this interpreter if needed).
if os.environ.get("PYTHONHASHSEED") != "0":
    os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, "PYTHONHASHSEED": "0"})
sys.dont_write_bytecode = True

import joblib  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from fixturegen.containers import write_zip, zip_members  # noqa: E402
from fixturegen.legacy_tar import legacy_tar_checkpoint, legacy_tar_globals  # noqa: E402
from fixturegen.pickle_ops import (PAYLOAD_COMMAND, call_payload,  # noqa: E402
                                   splice_after_proto, standalone_payload)
from fixturegen.producers import (fixed_values, joblib_bytes, joblib_value,  # noqa: E402
                                  normalise_legacy_storage_keys, npy_bytes, npz_bytes,
                                  object_array, tiny_mlp, torch_save_bytes, torch_save_file,
                                  torchscript_bytes)
from fixturegen.static_pickle import (joblib_globals, legacy_globals, npy_globals,  # noqa: E402
                                      stacked_pickle_spans, zip_globals)

try:  # optional: only for joblib_sklearn_model.joblib
    import sklearn
    from sklearn.linear_model import LogisticRegression
except ImportError:  # pragma: no cover - depends on the machine
    sklearn = None

OUT = Path(__file__).resolve().parent / "files"
MAX_FILE_BYTES = 200 * 1024
MAX_TOTAL_BYTES = 3 * 1024 * 1024

# Categories in MANIFEST.json "expected"; the scanner maps each to rule ids.
DANGEROUS_IMPORT = "dangerous_import"   # critical: os.system, exec, eval, Popen, ...
UNKNOWN_IMPORT = "unknown_import"       # medium: an import outside the ML allowlist
TORCHSCRIPT_CODE = "torchscript_code"   # code/ members that torch.jit.load compiles
UNSCANNABLE = "unscannable"             # a file or member that could not be scanned
CATEGORIES = {
    DANGEROUS_IMPORT: "critical import that runs code or commands (rule pickle_dangerous_import)",
    UNKNOWN_IMPORT: "medium import outside the ML allowlist (rule pickle_unknown_import)",
    TORCHSCRIPT_CODE: "TorchScript source compiled by torch.jit.load (rule torchscript_code)",
    UNSCANNABLE: "content ModelVet could not scan; never reported clean (rule unscanned_content)",
    "clean": "no finding at medium or above; informational low findings (numpy_object_array, "
             "pickle_embedded_pickle) are allowed where a file's notes say so",
}


class Catalogue:
    """Collects fixtures: name, bytes, description, expected result, globals."""

    def __init__(self) -> None:
        self.entries: list[dict] = []

    def add(self, name: str, data: bytes, description: str, expected, globals_by_part=None,
            **extra) -> None:
        entry = dict(name=name, data=data, description=description, expected=expected, **extra)
        if globals_by_part is not None:
            entry["globals"] = globals_by_part
        self.entries.append(entry)


def add_torch(cat: Catalogue) -> None:
    model = tiny_mlp()
    data = torch_save_file(model.state_dict(), "torch_zip_state_dict")
    cat.add("torch_zip_state_dict.pt", data,
            "torch.save of Sequential(Linear(4,3), ReLU, Linear(3,2)).state_dict(), zip format, "
            "saved to a path, so members are named torch_zip_state_dict/... (torch uses the file "
            "stem as the archive folder).", "clean", zip_globals(data))

    data = torch_save_bytes(model)
    cat.add("torch_zip_full_module.pt", data,
            "torch.save of the whole nn.Sequential module (zip, members archive/...): the pickle "
            "imports the torch.nn.modules classes the loader would instantiate.",
            "clean", zip_globals(data),
            notes="The standard torch.nn.modules classes are instantiated without arguments "
                  "(NEWOBJ) and given their state (BUILD), which stores attributes only; "
                  "ModelVet allows them in exactly that use. torch._utils._rebuild_parameter, "
                  "__builtin__.set, collections.OrderedDict and torch.*Storage are allowlisted.")

    base = fixed_values((3, 4))
    checkpoint = {
        "state_dict": collections.OrderedDict([
            ("f32", base),
            ("f32_view", base[1:, ::2]),  # same storage: offset 4, strides (4, 2)
            ("f16", fixed_values((2, 2), torch.float16, scale=0.5)),
            ("bf16", fixed_values((2, 2), torch.bfloat16, scale=0.25, shift=1.0)),
            ("i64", torch.arange(5, dtype=torch.int64) - 2),
            ("bool", torch.tensor([True, False, True])),
            ("scalar", torch.tensor(3.5)),
            ("empty", torch.zeros(0)),
        ]),
        "epoch": 7, "lr": 0.001, "name": "modelvet-fixture", "tags": ["tiny", "fixture"],
        "shape": (3, 4), "best": None, "converged": True, "big": 2 ** 40, "neg": -3,
        "nested": {"a": [1, 2.5, "x"], "b": {"c": b"bytes"}},
    }
    data = torch_save_bytes(checkpoint)
    cat.add("torch_zip_mixed_dtypes.pt", data,
            "torch.save (zip) of a checkpoint dict: an OrderedDict of float32, a float32 view "
            "sharing its storage, float16, bfloat16, int64, bool, 0-dim and empty tensors, plus "
            "python ints (one 2**40), floats, strings, lists, a tuple, None, a bool and bytes "
            "(protocol 2 pickles bytes as _codecs.encode).", "clean", zip_globals(data))

    legacy = normalise_legacy_storage_keys(
        torch_save_bytes(model.state_dict(), _use_new_zipfile_serialization=False), itemsize=4)
    cat.add("torch_legacy_state_dict.pt", legacy,
            "torch.save(..., _use_new_zipfile_serialization=False) of the same state dict: five "
            "stacked pickles (magic number, protocol 1001, sys_info, the object, sorted storage "
            "keys) then each storage as int64 element count + raw bytes. Storage keys renamed "
            "from addresses to '0'..'3' for reproducibility.",
            "clean", {"<stacked pickles>": legacy_globals(legacy)})

    data = legacy_tar_checkpoint()
    cat.add("torch_legacy_tar.pt", data,
            "Hand-built legacy tar-format checkpoint (PyTorch <= 0.3 layout; see README): members "
            "sys_info, pickle, tensors, storages; 4 tensors (2x3 float, float bias, float view of "
            "a shared storage, 0-dim int64). Never loaded.",
            "clean", {"<tar members>": legacy_tar_globals(data)})

    data = torchscript_bytes("torchscript_module")
    cat.add("torchscript_module.pt", data,
            "torch.jit.save of a scripted module (Linear, relu, a constant tensor), members "
            "torchscript_module/...: deflated code/*.py and *.debug_pkl, constants.pkl, data.pkl.",
            [TORCHSCRIPT_CODE], zip_globals(data),
            notes="Expect one torchscript_code finding and nothing else. data.pkl imports "
                  "__torch__.* classes, which TorchScript resolves from the archive's code/, not "
                  "from Python; debug_pkl imports torch.jit._pickle.build_intlist.")


def add_numpy(cat: Catalogue) -> None:
    cat.add("numpy_plain.npy", npy_bytes(np.arange(6, dtype=np.float32).reshape(2, 3) / 2),
            "np.save of a float32 2x3 array (format 1.0).", "clean", {})
    cat.add("numpy_fortran.npy",
            npy_bytes(np.asfortranarray(np.arange(12, dtype=np.float64).reshape(3, 4))),
            "np.save of a Fortran-ordered float64 3x4 array (fortran_order: True).", "clean", {})
    structured = np.array([(1, 0.5, b"alpha"), (2, -1.25, b"beta")],
                          dtype=[("id", "<i4"), ("score", "<f8"), ("name", "S8")])
    cat.add("numpy_structured.npy", npy_bytes(structured),
            "np.save of a structured array (descr is a list of (name, type) pairs).", "clean", {})
    data = npy_bytes(object_array(), allow_pickle=True)
    cat.add("numpy_object.npy", data,
            "np.save(allow_pickle=True) of the object array [1, 'two', 3, 'four']: descr '|O', "
            "then a protocol 3 pickle importing numpy globals only.",
            "clean", {"<npy pickle>": npy_globals(data)},
            notes="No import finding; a low numpy_object_array finding is expected and allowed.")
    cat.add("numpy_arrays.npz",
            npz_bytes(False, weights=np.arange(6, dtype=np.float32).reshape(2, 3),
                      ids=np.array([3, 1, 2], dtype=np.int64)),
            "np.savez of two arrays: stored members with numpy's zip64 extras; timestamps "
            "normalised to 1980-01-01.", "clean", {})
    cat.add("numpy_compressed.npz",
            npz_bytes(True, weights=np.arange(64, dtype=np.float32).reshape(8, 8),
                      mask=np.arange(10) % 2 == 0),
            "np.savez_compressed of two arrays (deflated members; timestamps normalised).",
            "clean", {})


def add_joblib(cat: Catalogue) -> None:
    data = joblib_bytes(joblib_value())
    cat.add("joblib_plain.joblib", data,
            "joblib.dump (uncompressed, pickle protocol 4) of a dict with two numpy arrays, a list "
            "and an int. Each array's bytes follow its NumpyArrayWrapper BUILD inside the pickle "
            "stream (1 padding-length byte, 0xff padding to 16-byte alignment, raw data).",
            "clean", {"<joblib pickle>": joblib_globals(data)})
    for method, magic in (("zlib", "78 01/5e/9c/da"), ("gzip", "1f 8b")):
        data = joblib_bytes(joblib_value(), compress=(method, 3))
        cat.add(f"joblib_{method}.joblib", data,
                f"Same value, joblib compress=('{method}', 3): one {method} stream ({magic}).",
                "clean", {"<joblib pickle>": joblib_globals(data)})
    cat.add("joblib_lzma.joblib", joblib_bytes(joblib_value(), compress=("lzma", 3)),
            "Same value, joblib compress=('lzma', 3): LZMA 'alone' format (starts 5d 00 00).",
            "clean", None, notes="ModelVet decompresses LZMA-alone streams (liblzma) and scans the joblib pickle inside.")
    data = joblib_bytes({"ids": object_array(), "x": np.arange(3, dtype=np.int64)})
    cat.add("joblib_object_array.joblib", data,
            "joblib.dump of a dict holding an object-dtype array: joblib writes a nested protocol "
            "2 pickle of that array (read with plain pickle.load) right after its wrapper.",
            "clean", {"<joblib pickle>": joblib_globals(data)},
            notes="No import finding; a low finding for the nested pickle is allowed.")
    if sklearn is not None:
        x = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 0.0], [0.5, 2.0], [2.5, 2.0]])
        y = np.array([0, 0, 1, 1, 0, 1])
        data = joblib_bytes(LogisticRegression(random_state=0).fit(x, y))
        cat.add("joblib_sklearn_model.joblib", data,
                "joblib.dump of an sklearn LogisticRegression fitted on 6 fixed points.",
                [UNKNOWN_IMPORT], {"<joblib pickle>": joblib_globals(data)},
                notes="Expect medium unknown_import for "
                      "sklearn.linear_model._logistic.LogisticRegression only.")


def add_malicious(cat: Catalogue) -> None:
    model = tiny_mlp()
    members = zip_members(torch_save_bytes(model.state_dict()))

    def payload(member, global_name, argument):
        return {"member": member, "global": global_name, "argument": argument}

    os_system = call_payload("os", "system", PAYLOAD_COMMAND)
    data = write_zip([(n, splice_after_proto(b, os_system) if n == "archive/data.pkl" else b)
                      for n, b, _ in members])
    cat.add("malicious_zip_data_pkl.pt", data,
            "Real torch zip state dict whose archive/data.pkl first calls os.system('echo "
            "modelvet-fixture') (GLOBAL, BINUNICODE, TUPLE1, REDUCE, POP), then builds the "
            "original dict. Rewritten with Python's zipfile, stored.",
            [DANGEROUS_IMPORT], zip_globals(data),
            payload=payload("archive/data.pkl", "os.system", PAYLOAD_COMMAND))

    argv = ["echo", "modelvet-fixture"]
    data = write_zip([(n, b) for n, b, _ in members]
                     + [("archive/extra/hidden.pkl", standalone_payload("subprocess", "Popen", argv))])
    cat.add("malicious_zip_hidden_pickle.pt", data,
            "Real torch zip state dict, data.pkl untouched, plus archive/extra/hidden.pkl calling "
            "subprocess.Popen(['echo', 'modelvet-fixture']). torch.load ignores the member; "
            "other loaders may not.",
            [DANGEROUS_IMPORT], zip_globals(data),
            payload=payload("archive/extra/hidden.pkl", "subprocess.Popen", argv))

    legacy = normalise_legacy_storage_keys(
        torch_save_bytes(model.state_dict(), _use_new_zipfile_serialization=False), itemsize=4)
    spans = stacked_pickle_spans(legacy, 5)
    code = f"import os; os.system('{PAYLOAD_COMMAND}')"
    start, end = spans[3]
    data = legacy[:start] + splice_after_proto(legacy[start:end],
                                               call_payload("builtins", "exec", code)) + legacy[end:]
    cat.add("malicious_legacy.pt", data,
            "The legacy (stacked pickles) state dict with builtins.exec(\"import os; "
            "os.system('echo modelvet-fixture')\") spliced in front of the 4th (main) pickle's "
            "object.", [DANGEROUS_IMPORT], {"<stacked pickles>": legacy_globals(data)},
            payload=payload("pickle 4 of 5 (main object)", "builtins.exec", code))

    start, end = spans[4]
    data = legacy[:start] + splice_after_proto(legacy[start:end], os_system) + legacy[end:]
    cat.add("malicious_legacy_keys_pickle.pt", data,
            "The legacy state dict with os.system('echo modelvet-fixture') spliced into the 5th "
            "pickle (the storage-key list, which torch.load also unpickles); main pickle intact.",
            [DANGEROUS_IMPORT], {"<stacked pickles>": legacy_globals(data)},
            payload=payload("pickle 5 of 5 (storage keys)", "os.system", PAYLOAD_COMMAND))

    benign_npy = npy_bytes(object_array(), allow_pickle=True)
    body = benign_npy.index(b"\n") + 1  # a v1.0 header ends with '\n'
    evil_npy = benign_npy[:body] + splice_after_proto(benign_npy[body:], os_system)
    cat.add("malicious_npy_object.npy", evil_npy,
            "Real object-dtype .npy whose pickle first calls os.system('echo modelvet-fixture'), "
            "then rebuilds the original array.",
            [DANGEROUS_IMPORT], {"<npy pickle>": npy_globals(evil_npy)},
            payload=payload("<npy pickle>", "os.system", PAYLOAD_COMMAND))

    data = write_zip([("weights.npy", npy_bytes(np.arange(6, dtype=np.float32).reshape(2, 3))),
                      ("meta.npy", evil_npy)])
    cat.add("malicious_npz.npz", data,
            "npz (stored zip) with a benign float32 weights.npy and the malicious object-dtype "
            "meta.npy above.", [DANGEROUS_IMPORT], zip_globals(data),
            payload=payload("meta.npy", "os.system", PAYLOAD_COMMAND))

    posix_system = call_payload("posix", "system", PAYLOAD_COMMAND, stack_global=True)
    data = zlib.compress(splice_after_proto(joblib_bytes(joblib_value()), posix_system), 3)
    cat.add("malicious_joblib.joblib", data,
            "Real joblib dump (protocol 4, inline array bytes) with posix.system('echo "
            "modelvet-fixture') via STACK_GLOBAL spliced after PROTO, unframed, then "
            "zlib-compressed at level 3 as joblib's 'zlib' method does.",
            [DANGEROUS_IMPORT], {"<joblib pickle>": joblib_globals(data)},
            payload=payload("<joblib pickle>", "posix.system", PAYLOAD_COMMAND))

    plain = joblib_bytes({"x": np.arange(3, dtype=np.int64), "ids": object_array()})
    assert plain.count(b"\x80\x02") == 1, "expected one nested protocol 2 pickle"
    nested = plain.index(b"\x80\x02")
    data = plain[:nested] + splice_after_proto(plain[nested:], os_system)
    cat.add("malicious_joblib_nested_pickle.joblib", data,
            "Uncompressed joblib dump of {'x': int64 array, 'ids': object array}; os.system('echo "
            "modelvet-fixture') sits in the nested protocol 2 pickle joblib writes for the object "
            "array, past the first array's raw bytes. The outer pickle is untouched.",
            [DANGEROUS_IMPORT], {"<joblib pickle>": joblib_globals(data)},
            payload=payload("nested object-array pickle", "os.system", PAYLOAD_COMMAND))

    code = f"__import__('os').system('{PAYLOAD_COMMAND}')"
    data = write_zip(zip_members(torchscript_bytes())
                     + [("archive/extra/payload.pkl", standalone_payload("builtins", "eval", code))])
    cat.add("malicious_torchscript_hidden_pickle.pt", data,
            "Real TorchScript archive (members archive/..., original compression kept) plus "
            "archive/extra/payload.pkl calling builtins.eval(\"__import__('os').system('echo "
            "modelvet-fixture')\").",
            [TORCHSCRIPT_CODE, DANGEROUS_IMPORT], zip_globals(data),
            payload=payload("archive/extra/payload.pkl", "builtins.eval", code))


def versions() -> dict:
    result = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "joblib": joblib.__version__,
        "pickle_default_protocol": pickle.DEFAULT_PROTOCOL,
        "torch_default_pickle_protocol": torch.serialization.DEFAULT_PROTOCOL,
    }
    if sklearn is not None:
        result["sklearn"] = sklearn.__version__
    try:
        query = subprocess.run(
            ["dpkg-query", "-W", "-f", "${Package}=${Version}\n", "python3-torch",
             "python3-numpy", "python3-joblib", "python3-sklearn", "python3.11"],
            capture_output=True, text=True, check=False)
        result["debian_packages"] = sorted(line for line in query.stdout.splitlines() if line)
    except OSError:
        pass
    return result


def main() -> int:
    if not sys.executable.startswith("/usr/bin/"):
        print(f"warning: run with /usr/bin/python3 (Debian's frameworks), not {sys.executable}",
              file=sys.stderr)
    cat = Catalogue()
    add_torch(cat)
    add_numpy(cat)
    add_joblib(cat)
    add_malicious(cat)

    OUT.mkdir(parents=True, exist_ok=True)
    manifest = {"generator": "Fixtures/generate.py", "versions": versions(),
                "categories": CATEGORIES, "files": {}}
    total = 0
    for fixture in cat.entries:
        data = fixture["data"]
        assert len(data) <= MAX_FILE_BYTES, f"{fixture['name']} is {len(data)} bytes"
        total += len(data)
        (OUT / fixture["name"]).write_bytes(data)
        entry = {key: fixture[key] for key in ("description", "expected", "notes", "payload",
                                               "globals") if key in fixture}
        entry.update(sha256=hashlib.sha256(data).hexdigest(), size=len(data))
        manifest["files"][fixture["name"]] = entry
        print(f"{len(data):8d}  {fixture['name']}")
    assert total <= MAX_TOTAL_BYTES, f"fixtures total {total} bytes"
    for stale in sorted(OUT.iterdir()):
        if stale.name != "MANIFEST.json" and stale.name not in manifest["files"]:
            stale.unlink()
            print(f"removed stale {stale.name}")
    (OUT / "MANIFEST.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    print(f"{total:8d}  total in {len(cat.entries)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
