#!/usr/bin/env python3
"""Writes the TensorFlow fixtures in Fixtures/files/tensorflow with a real TensorFlow.

Graphs are only built and serialised; nothing is run or loaded. Needs tensorflow-cpu (2.21.0 was
used for the committed files), e.g. in a throwaway venv:

    python3 -m venv /tmp/tfvenv && /tmp/tfvenv/bin/pip install tensorflow-cpu==2.21.0
    /tmp/tfvenv/bin/python Fixtures/generate_tensorflow.py

Files (and what ModelVet must say about them):
  graph_saver_plain.pb     TF1 GraphDef with tf.compat.v1.train.Saver, written by write_graph  -> clean
  graph_saver_sharded.pb   the same with a sharded saver (StringJoin/ShardedFilename chain)   -> clean
  graph_saver_two.pb       two savers (scopes save/ and save_1/)                                -> clean
  graph_saver_v1.pb        reference variables, checkpoint format V1 (SaveSlices)              -> clean
  graph_saver_plain.meta   the plain graph exported as a MetaGraphDef with its SaverDef         -> clean
  tf1_savedmodel/saved_model.pb  TF1 SavedModel written by SavedModelBuilder                    -> clean
  tf2_savedmodel/saved_model.pb  TF2 tf.saved_model.save of a tf.Module with a variable        -> clean
  graph_write_file.pb      a GraphDef with a tf.io.write_file node                              -> tensorflow_file_write_op
  graph_py_function.pb     a GraphDef with a tf.py_function node (EagerPyFunc)                  -> tensorflow_python_op
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import tensorflow as tf

tf1 = tf.compat.v1
# TF2's saved_model.save needs eager execution and the TF1 APIs need it off: the TF2 model is
# written by a second run of this script (`--tf2`).
if "--tf2" not in sys.argv:
    tf1.disable_eager_execution()
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "files", "tensorflow")


def dense_graph(use_resource=True):
    graph = tf.Graph()
    with graph.as_default():
        x = tf1.placeholder(tf.float32, [None, 3], name="x")
        with tf1.variable_scope("dense"):
            w = tf1.get_variable("w", [3, 2], use_resource=use_resource)
            b = tf1.get_variable("b", [2], use_resource=use_resource)
        tf.identity(tf.matmul(x, w) + b, name="y")
    return graph


def write(graph, name):
    tf1.train.write_graph(graph.as_graph_def(), OUT, name, as_text=False)


def saver_graphs():
    for name, kwargs in [("plain", {}), ("sharded", {"sharded": True})]:
        graph = dense_graph()
        with graph.as_default():
            saver = tf1.train.Saver(**kwargs)
        write(graph, f"graph_saver_{name}.pb")
        if name == "plain":
            tf1.train.export_meta_graph(os.path.join(OUT, "graph_saver_plain.meta"), graph=graph,
                                        saver_def=saver.as_saver_def())
    graph = dense_graph()
    with graph.as_default():
        tf1.train.Saver()
        tf1.train.Saver(tf1.global_variables()[:1])
    write(graph, "graph_saver_two.pb")
    from tensorflow.core.protobuf import saver_pb2
    graph = dense_graph(use_resource=False)
    with graph.as_default():
        tf1.train.Saver(write_version=saver_pb2.SaverDef.V1)
    write(graph, "graph_saver_v1.pb")


def tf1_savedmodel():
    target = os.path.join(OUT, "tf1_savedmodel")
    shutil.rmtree(target, ignore_errors=True)
    graph = dense_graph()
    with graph.as_default(), tf1.Session(graph=graph) as session:
        session.run(tf1.global_variables_initializer())  # initialises two variables; runs no model file
        builder = tf1.saved_model.Builder(target)
        builder.add_meta_graph_and_variables(session, ["serve"])
        builder.save()
    # Only the graph is kept: the variables are not needed to test the graph reader.
    shutil.rmtree(os.path.join(target, "variables"), ignore_errors=True)


def tf2_savedmodel():
    class Scale(tf.Module):
        def __init__(self):
            self.v = tf.Variable([1.0, 2.0])

        @tf.function(input_signature=[tf.TensorSpec([2], tf.float32)])
        def __call__(self, x):
            return x * self.v

    target = os.path.join(OUT, "tf2_savedmodel")
    shutil.rmtree(target, ignore_errors=True)
    with tempfile.TemporaryDirectory() as scratch:
        tf.saved_model.save(Scale(), scratch)
        os.makedirs(target)
        shutil.copy(os.path.join(scratch, "saved_model.pb"), os.path.join(target, "saved_model.pb"))


def hostile_graphs():
    graph = tf.Graph()
    with graph.as_default():
        contents = tf1.placeholder(tf.string, [], name="contents")
        tf.io.write_file("/tmp/modelvet-fixture.txt", contents, name="write")
    write(graph, "graph_write_file.pb")

    graph = tf.Graph()
    with graph.as_default():
        x = tf1.placeholder(tf.float32, [2], name="x")
        tf.py_function(lambda value: value, [x], tf.float32, name="py")
    write(graph, "graph_py_function.pb")


def main():
    os.makedirs(OUT, exist_ok=True)
    if "--tf2" in sys.argv:
        tf2_savedmodel()
        return
    saver_graphs()
    tf1_savedmodel()
    hostile_graphs()
    subprocess.run([sys.executable, os.path.abspath(__file__), "--tf2"], check=True)
    manifest = {
        "generator": "Fixtures/generate_tensorflow.py",
        "tensorflow": tf.__version__,
        "expected": {
            "graph_saver_plain.pb": [], "graph_saver_sharded.pb": [], "graph_saver_two.pb": [], "graph_saver_v1.pb": [],
            "graph_saver_plain.meta": [], "tf1_savedmodel/saved_model.pb": [], "tf2_savedmodel/saved_model.pb": [],
            "graph_write_file.pb": ["tensorflow_file_write_op"], "graph_py_function.pb": ["tensorflow_python_op"],
        },
    }
    with open(os.path.join(OUT, "MANIFEST.json"), "w") as handle:
        json.dump(manifest, handle, indent=2, sort_keys=True)
        handle.write("\n")
    print("wrote", OUT, file=sys.stderr)


if __name__ == "__main__":
    main()
