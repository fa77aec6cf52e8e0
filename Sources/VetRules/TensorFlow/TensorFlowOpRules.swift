import VetFixtures
import VetCore
import VetGraphs

/// Ops that call back into Python.
public enum TensorFlowPythonOpRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "tensorflow_python_op", severity: .high,
        title: "TensorFlow graph calls Python",
        description: """
        The graph contains `PyFunc`, `PyFuncStateless` or `EagerPyFunc` nodes (from `tf.py_function` and \
        `tf.numpy_function`). When the graph runs, each calls a Python function registered in the loading \
        process by token; the function's code is not in the file, so the model runs whatever the loading \
        program or an earlier-loaded module registered under that token, and cannot be exported or served \
        without trusting that code.
        """,
        remediation: "Do not run the graph unless the Python function is known; re-export the model without `tf.py_function`.",
        references: ["https://www.tensorflow.org/api_docs/python/tf/py_function",
                     "https://github.com/tensorflow/tensorflow/blob/master/SECURITY.md", "CWE-94"],
        examples: [
            RuleExample("an EagerPyFunc inside a library function", fileName: "saved_model.pb", triggers: true) {
                TensorFlowExample.savedModel(TensorFlowExample.graphDef(
                    [TensorFlowExample.Node("call", "PartitionedCall", calls: "f")],
                    functions: [TensorFlowExample.Function("f", [TensorFlowExample.Node("py", "EagerPyFunc", strings: ["token": "pyfunc_0"])])]))
            },
            RuleExample("a graph of arithmetic ops", fileName: "saved_model.pb", triggers: false) { TensorFlowExample.standardTF2 },
        ])
}

/// Ops that create, overwrite or delete files.
public enum TensorFlowFileWriteOpRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "tensorflow_file_write_op", severity: .high,
        title: "TensorFlow graph writes files",
        description: """
        The graph contains ops that write to the file system (`WriteFile`, checkpoint writers outside the \
        standard saver, summary writers, dataset savers and caches, `PrintV2` to a `file://` stream, debug ops \
        with `file://` URLs). Running the model, even just to serve it, lets its author create or overwrite files \
        such as shell start-up scripts, SSH keys or Python modules on the import path.
        """,
        remediation: "Do not run the graph; inspect where each listed node writes and re-export the model without it.",
        references: ["https://www.tensorflow.org/api_docs/python/tf/raw_ops",
                     "https://github.com/tensorflow/tensorflow/blob/master/SECURITY.md", "CWE-73"],
        examples: [
            RuleExample("a WriteFile node in a frozen graph", fileName: "frozen.pb", triggers: true) {
                TensorFlowExample.graphDef([TensorFlowExample.Node("w", "WriteFile")])
            },
            RuleExample("PrintV2 to a file stream", fileName: "frozen.pb", triggers: true) {
                TensorFlowExample.graphDef([TensorFlowExample.Node("p", "PrintV2", strings: ["output_stream": "file:///tmp/x"])])
            },
            RuleExample("a GraphDef whose saver's default path is a shell start-up file", fileName: "graph.pb", triggers: true) {
                TensorFlowExample.graphDef(TensorFlowExample.tf1SaverNodes(filename: "/home/user/.bashrc"))
            },
            RuleExample("a SaveV2 inside the saver's scope writing to a path of its own", fileName: "saved_model.pb", triggers: true) {
                TensorFlowExample.savedModel(TensorFlowExample.graphDef(TensorFlowExample.tf1SaverNodes() + [
                    TensorFlowExample.Node("save/evil/path", "Const", constant: "/tmp/modelvet-example"),
                    TensorFlowExample.Node("save/SaveV2_1", "SaveV2", inputs: ["save/evil/path", "save/SaveV2/tensor_names",
                                                                                "save/SaveV2/shape_and_slices", "w"]),
                ]), saver: ("save/Const:0", "save/control_dependency:0", "save/restore_all"))
            },
            RuleExample("a standard TF1 saver scope", fileName: "saved_model.pb", triggers: false) { TensorFlowExample.standardTF1 },
            RuleExample("a TF1 GraphDef written by write_graph, with the standard saver", fileName: "graph.pb", triggers: false) {
                TensorFlowExample.standardTF1GraphDef
            },
            RuleExample("PrintV2 to a file stream hidden by a second, empty value", fileName: "frozen.pb", triggers: true) {
                ProtobufWriter { graph in
                    graph.message(1) { node in
                        node.string(1, "p")
                        node.string(2, "PrintV2")
                        node.message(5) { entry in
                            entry.string(1, "output_stream")
                            entry.message(2) { $0.string(2, "file:///tmp/modelvet-example") }
                            entry.message(2) { _ in }
                        }
                    }
                }.bytes
            },
            RuleExample("PrintV2 to stderr", fileName: "frozen.pb", triggers: false) {
                TensorFlowExample.graphDef([TensorFlowExample.Node("p", "PrintV2", strings: ["output_stream": "stderr"])])
            },
        ])
}

/// Ops that open, map or list files.
public enum TensorFlowFileReadOpRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "tensorflow_file_read_op", severity: .medium,
        title: "TensorFlow graph reads files",
        description: """
        The graph contains ops that read or list files (`ReadFile`, `MatchingFiles`, `ImmutableConst`, file \
        readers and file datasets, lookup tables initialised from text files, checkpoint readers outside the \
        standard saver). A model can return the bytes of a local file such as credentials in its outputs, or \
        behave differently depending on what is on the disk of whoever runs it.
        """,
        remediation: "Check which paths each listed node reads; do not serve the model where those files hold secrets.",
        references: ["https://www.tensorflow.org/api_docs/python/tf/raw_ops", "CWE-200"],
        examples: [
            RuleExample("ReadFile of /etc/passwd inside a function", fileName: "saved_model.pb", triggers: true) {
                TensorFlowExample.savedModel(TensorFlowExample.graphDef(
                    [TensorFlowExample.Node("call", "StatefulPartitionedCall", calls: "leak")],
                    functions: [TensorFlowExample.Function("leak", [TensorFlowExample.Node("ReadFile", "ReadFile")])]))
            },
            RuleExample("RestoreV2 outside the saver", fileName: "saved_model.pb", triggers: true) {
                TensorFlowExample.savedModel(TensorFlowExample.graphDef([TensorFlowExample.Node("sneaky/RestoreV2", "RestoreV2")]),
                                             saver: ("save/Const:0", "save/control_dependency:0", "save/restore_all"))
            },
            RuleExample("a standard TF2 SavedModel with traced save/restore functions", fileName: "saved_model.pb", triggers: false) {
                TensorFlowExample.standardTF2
            },
        ])
}

/// Ops that open network connections.
public enum TensorFlowNetworkOpRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "tensorflow_network_op", severity: .high,
        title: "TensorFlow graph opens network connections",
        description: """
        The graph contains ops that talk to other machines or reconfigure remote file systems (`tf.data` \
        service datasets, RPC ops, GCS credential configuration, `FileSystemSetConfiguration`). A model has no \
        reason to do so; such ops can send inputs, outputs or local data to a server chosen by the model's \
        author, or fetch content at run time that no scan saw.
        """,
        remediation: "Do not run the graph; re-export the model without the listed nodes.",
        references: ["https://www.tensorflow.org/api_docs/python/tf/raw_ops", "CWE-918"],
        examples: [
            RuleExample("an RPC call node", fileName: "frozen.pb", triggers: true) {
                TensorFlowExample.graphDef([TensorFlowExample.Node("rpc", "RpcCall")])
            },
            RuleExample("a frozen graph of arithmetic ops", fileName: "frozen.pb", triggers: false) {
                TensorFlowExample.graphDef([TensorFlowExample.Node("x", "Placeholder"), TensorFlowExample.Node("y", "Relu")])
            },
        ])
}

extension TensorFlowRules {
    /// The rule per op effect.
    static let effectRules: [TensorFlowOpEffect: RuleDescriptor] = [
        .runsPython: TensorFlowPythonOpRule.descriptor, .writesFiles: TensorFlowFileWriteOpRule.descriptor,
        .readsFiles: TensorFlowFileReadOpRule.descriptor, .network: TensorFlowNetworkOpRule.descriptor,
    ]

    /// Reports every catalogued op outside the standard saver's reach.
    static func checkOps(_ graph: TensorFlowGraph, at location: Location, into sink: inout FindingSink) {
        let saver = TensorFlowSaverScope(graph)
        for node in graph.nodes where !saver.isSaverCheckpointOp(node) {
            let effects = TensorFlowOpCatalog.effects(of: node)
            guard !effects.isEmpty else { continue }
            let place = node.function.map { "in function `\($0)`" } ?? "in the graph"
            let meta = graph.kind == .savedModel ? " of meta graph \(node.metaGraph)" : ""
            let detail = node.stringAttributes.keys.sorted().compactMap { key -> String? in
                guard let value = node.stringAttributes[key]?.first, !value.isEmpty else { return nil }
                return "\(key)=\(value)"
            }
            let asset = readsDeclaredAsset(node, in: graph)
            let note = asset ? " (an asset file the loader passes in, judging by the meta graph's assets)" : ""
            for effect in effects {
                guard let rule = effectRules[effect] else { continue }
                sink.report(rule, "node `\(node.name)` \(place)\(meta) runs op `\(node.op)`, which \(effect.rawValue)\(note)",
                            at: location.at(node.offset),
                            evidence: ([node.op] + detail.prefix(4)).joined(separator: " "), severity: asset ? .low : nil)
            }
        }
    }
}
