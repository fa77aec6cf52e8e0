#!/usr/bin/env python3
"""Generate ModelVet's Keras and HDF5 fixtures into Fixtures/files/keras/.

The real_* files are saved by Keras 3 itself (JAX backend). The others mimic
the layouts Keras writes, so that hostile shapes Keras would refuse to save
can be made:
Legacy `.h5` models are real HDF5 written by h5py (root attributes
`model_config`, `keras_version`, `backend`, group `model_weights`), and v3
`.keras` archives are real zips written by Python's zipfile (`config.json`,
`metadata.json`, `model.weights.h5` written by h5py).

    python3 -m venv /tmp/h5venv
    /tmp/h5venv/bin/pip install h5py==3.16.0 numpy==2.4.6 keras==3.15.1 jax==0.10.2
    /tmp/h5venv/bin/python Fixtures/generate_keras.py

SAFETY: nothing here loads a model. Lambda payloads are compiled and
marshalled (never unmarshalled or run) and only call `echo modelvet-fixture`.
"""

from __future__ import annotations

import base64
import io
import json
import marshal
import os
import zipfile

import h5py
import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "files", "keras")


def lambda_code() -> str:
    """Base64 of a marshalled code object, as Keras' func_dump writes it."""
    source = "lambda x: __import__('os').system('echo modelvet-fixture') or x"
    code = compile(source, "<fixture>", "eval").co_consts[0]
    return base64.encodebytes(marshal.dumps(code)).decode("ascii")


def dense(name: str, units: int) -> dict:
    return {"class_name": "Dense", "config": {
        "name": name, "trainable": True, "dtype": "float32", "units": units, "activation": "relu",
        "use_bias": True,
        "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
        "bias_initializer": {"class_name": "Zeros", "config": {}}}}


def legacy_config(layers: list) -> str:
    return json.dumps({"class_name": "Sequential", "config": {"name": "sequential", "layers": layers}})


def write_legacy(path: str, config: str, *, as_bytes: bool = False, **kwargs) -> None:
    with h5py.File(path, "w", **kwargs) as f:
        f.attrs["keras_version"] = b"2.12.0"
        f.attrs["backend"] = b"tensorflow"
        f.attrs["model_config"] = config.encode("utf-8") if as_bytes else config
        f.attrs["training_config"] = json.dumps({"loss": "mse", "optimizer_config": {
            "class_name": "Adam", "config": {"learning_rate": 0.001}}})
        weights = f.create_group("model_weights")
        weights.attrs["layer_names"] = np.array([b"dense", b"dense_1"])
        weights.attrs["backend"] = b"tensorflow"
        weights.attrs["keras_version"] = b"2.12.0"
        for name in ("dense", "dense_1"):
            group = weights.create_group(name)
            group.attrs["weight_names"] = np.array([f"{name}/kernel:0".encode(), f"{name}/bias:0".encode()])
            inner = group.create_group(name)
            inner.create_dataset("kernel:0", data=np.zeros((2, 2), dtype="float32"))
            inner.create_dataset("bias:0", data=np.zeros((2,), dtype="float32"))


def weights_h5() -> bytes:
    """A Keras 3 `model.weights.h5`: layers/<name>/vars/<index> datasets."""
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        for name in ("dense", "dense_1"):
            vars_group = f.create_group(f"layers/{name}/vars")
            vars_group.create_dataset("0", data=np.zeros((2, 2), dtype="float32"))
            vars_group.create_dataset("1", data=np.zeros((2,), dtype="float32"))
        f.create_group("optimizer/vars")
    return buffer.getvalue()


def v3_layer(class_name: str, config: dict, module: str = "keras.layers", registered_name=None) -> dict:
    return {"module": module, "class_name": class_name, "config": config, "registered_name": registered_name}


def v3_model(layers: list) -> dict:
    return {"module": "keras", "class_name": "Sequential", "config": {
        "name": "sequential", "trainable": True, "dtype": {
            "module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None},
        "layers": [v3_layer("InputLayer", {"batch_shape": [None, 2], "dtype": "float32", "name": "input_layer"})]
        + layers}, "registered_name": None, "build_config": {"input_shape": [None, 2]},
        "compile_config": {"optimizer": {"module": "keras.optimizers", "class_name": "Adam",
                                         "config": {"learning_rate": 0.001}, "registered_name": None},
                           "loss": "mse"}}


def v3_dense(name: str) -> dict:
    return v3_layer("Dense", {"name": name, "units": 2, "activation": "relu", "kernel_initializer": {
        "module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": None},
        "registered_name": None}})


def write_keras(path: str, config: dict) -> None:
    metadata = {"keras_version": "3.8.0", "date_saved": "2026-01-01@00:00:00"}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("metadata.json", json.dumps(metadata))
        z.writestr("config.json", json.dumps(config))
        z.writestr("model.weights.h5", weights_h5())


def real_keras(out) -> None:
    """Files saved by Keras itself (pip install keras==3.15.1 jax==0.10.2): never loaded back."""
    os.environ.setdefault("KERAS_BACKEND", "jax")
    try:
        import keras
    except ImportError:
        print("keras is not installed: real Keras fixtures not regenerated")
        return
    dense = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, activation="relu"), keras.layers.Dense(1)])
    dense.save(out("real_sequential.h5"))  # the legacy HDF5 format, uncompiled to stay small
    dense.compile(optimizer="sgd", loss="mse")
    dense.save(out("real_sequential.keras"))
    inputs = keras.Input((2,))
    inner = keras.Sequential([keras.layers.Dense(2)], name="inner")
    outputs = keras.layers.Lambda(lambda x: x * 2.0, name="double")(inner(inputs))
    functional = keras.Model(inputs, outputs)
    functional.save(out("real_lambda.keras"))
    functional.save(out("real_lambda.h5"))


def main() -> None:
    os.makedirs(OUT, exist_ok=True)
    out = lambda name: os.path.join(OUT, name)  # noqa: E731
    benign = legacy_config([dense("dense", 2), dense("dense_1", 2)])
    write_legacy(out("legacy_sequential.h5"), benign)
    write_legacy(out("legacy_bytes_config.h5"), benign, as_bytes=True)
    write_legacy(out("legacy_latest.h5"), benign, libver="latest")
    write_legacy(out("legacy_userblock.h5"), benign, userblock_size=512)
    lambda_layer = {"class_name": "Lambda", "config": {
        "name": "lambda", "trainable": True, "dtype": "float32", "function": [lambda_code(), None, None],
        "function_type": "lambda", "module": "__main__", "output_shape": None, "arguments": {}}}
    write_legacy(out("legacy_lambda.h5"), legacy_config([dense("dense", 2), lambda_layer]))
    with h5py.File(out("weights_only.h5"), "w") as f:
        f.attrs["layer_names"] = np.array([b"dense"])
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.12.0"
        f.create_group("dense").create_dataset("kernel:0", data=np.zeros((2,), dtype="float32"))
    # More than 8 attributes under libver="latest" go to dense storage (fractal heap + v2 B-tree):
    # 12 fit a one-leaf name index, 100 need a depth-1 index.
    for count in (12, 100):
        name = "dense_attributes.h5" if count == 12 else f"dense_attributes_{count}.h5"
        with h5py.File(out(name), "w", libver="latest") as f:
            for index in range(count):
                f.attrs[f"attribute_{index}"] = f"value {index}"
    with h5py.File(out("dense_links.h5"), "w", libver="latest") as f:
        for index in range(40):
            f.create_group(f"group_{index:02d}")
        f["group_07"].attrs["marker"] = np.int32(7)
    with h5py.File(out("many_groups.h5"), "w") as f:
        f.attrs["count"] = np.int64(12)
        f.attrs["scale"] = np.float64(0.5)
        f.attrs["shape"] = np.array([3, 4], dtype="int32")
        for index in range(12):
            f.create_group(f"group_{index:02d}")

    write_keras(out("sequential.keras"), v3_model([v3_dense("dense"), v3_dense("dense_1")]))
    v3_lambda = v3_layer("Lambda", {"name": "lambda", "function": {"class_name": "__lambda__", "config": {
        "code": lambda_code(), "defaults": None, "closure": None}}, "arguments": {}})
    write_keras(out("lambda.keras"), v3_model([v3_dense("dense"), v3_lambda]))
    custom = v3_layer("MyLayer", {"name": "my_layer"}, module="my_package.layers", registered_name="MyPackage>MyLayer")
    write_keras(out("custom_object.keras"), v3_model([v3_dense("dense"), custom]))
    # CVE-2025-1550 shape: an object that makes Keras import a function from an arbitrary module.
    gadget = v3_layer("Dense", {"name": "dense_x", "units": 2, "activation": {
        "module": "os", "class_name": "function", "config": "system", "registered_name": "function"}})
    write_keras(out("cve_2025_1550.keras"), v3_model([gadget]))
    # CVE-2025-9906 shape: a Lambda calling keras.config.enable_unsafe_deserialization.
    unsafe = v3_layer("Lambda", {"name": "unsafe", "function": {
        "module": "keras.config", "class_name": "function", "config": "enable_unsafe_deserialization",
        "registered_name": "function"}, "arguments": {}})
    write_keras(out("cve_2025_9906.keras"), v3_model([unsafe, v3_lambda]))
    # CVE-2025-8747 shape: a Lambda calling keras.utils.get_file with attacker-chosen arguments.
    get_file = v3_layer("Lambda", {"name": "fetch", "function": {
        "module": "keras.utils", "class_name": "function", "config": "get_file", "registered_name": "function"},
        "arguments": {"fname": "/tmp/modelvet-fixture", "origin": "http://127.0.0.1/modelvet-fixture"}})
    write_keras(out("cve_2025_8747.keras"), v3_model([get_file]))
    real_keras(out)
    with zipfile.ZipFile(out("broken_config.keras"), "w") as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3.8.0"}))
        z.writestr("config.json", '{"module": "keras", "class_name": "Sequential", "config": {')
        z.writestr("model.weights.h5", weights_h5())


if __name__ == "__main__":
    main()
