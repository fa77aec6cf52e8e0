import VetFixtures

/// Builds small TensorFlow `SavedModel` and `GraphDef` files for rule examples and tests.
public enum TensorFlowExample {
    /// A `NodeDef` to write.
    public struct Node: Sendable {
        /// Node name.
        public var name: String
        /// Op name.
        public var op: String
        /// String attributes.
        public var strings: [String: String]
        /// `func` attribute `f`, when the node calls a function.
        public var calls: String?
        /// Inputs (`name`, `name:1`, `^name`).
        public var inputs: [String]
        /// A string tensor for the `value` attribute (a `Const`'s value).
        public var constant: String?

        /// Creates a node.
        public init(_ name: String, _ op: String, strings: [String: String] = [:], calls: String? = nil, inputs: [String] = [],
                    constant: String? = nil) {
            self.name = name
            self.op = op
            self.strings = strings
            self.calls = calls
            self.inputs = inputs
            self.constant = constant
        }
    }

    /// A library function.
    public struct Function: Sendable {
        /// Its name.
        public var name: String
        /// Its body.
        public var nodes: [Node]

        /// Creates a function.
        public init(_ name: String, _ nodes: [Node]) {
            self.name = name
            self.nodes = nodes
        }
    }

    static func write(_ node: Node, field: Int, into writer: inout ProtobufWriter) {
        writer.message(field) { proto in
            proto.string(1, node.name)
            proto.string(2, node.op)
            for input in node.inputs { proto.string(3, input) }
            if let constant = node.constant {
                proto.message(5) { $0.string(1, "value"); $0.message(2) { $0.message(8) { $0.varint(1, 7); $0.string(8, constant) } } }
            }
            for key in node.strings.keys.sorted() {
                proto.message(5) { $0.string(1, key); $0.message(2) { $0.string(2, node.strings[key] ?? "") } }
            }
            if let target = node.calls {
                proto.message(5) { $0.string(1, "f"); $0.message(2) { $0.message(10) { $0.string(1, target) } } }
            }
        }
    }

    /// The bytes of a `GraphDef` with `nodes` and a library of `functions`.
    public static func graphDef(_ nodes: [Node], functions: [Function] = []) -> [UInt8] {
        ProtobufWriter { graph in
            for node in nodes { write(node, field: 1, into: &graph) }
            if !functions.isEmpty {
                graph.message(2) { library in
                    for function in functions {
                        library.message(1) { def in
                            def.message(1) { $0.string(1, function.name) }
                            for node in function.nodes { write(node, field: 3, into: &def) }
                        }
                    }
                }
            }
            graph.message(4) { $0.varint(1, 1087) }
        }.bytes
    }

    /// The bytes of a `SavedModel` with one meta graph holding `graphDef` and, when given, a
    /// `SaverDef` (filename tensor, save tensor, restore op) and `AssetFileDef`s for `assets`.
    public static func savedModel(_ graphDef: [UInt8], saver: (String, String, String)? = nil, assets: [String] = []) -> [UInt8] {
        ProtobufWriter { model in
            model.varint(1, 1)
            model.message(2) { meta in
                meta.message(1) { $0.string(4, "serve"); $0.string(5, "2.16.1") }
                meta.bytes(2, graphDef)
                if let saver {
                    meta.message(3) { $0.string(1, saver.0); $0.string(2, saver.1); $0.string(3, saver.2); $0.varint(4, 1) }
                }
                for (index, asset) in assets.enumerated() {
                    meta.message(6) { def in
                        def.message(1) { $0.string(1, "asset_path_\(index):0"); $0.varint(2, 7) }
                        def.string(2, asset)
                    }
                }
            }
        }.bytes
    }

    /// A SavedModel shaped like TF2's output: a Keras-style graph, and the standard traced save and
    /// restore functions (SaveV2, MergeV2Checkpoints, RestoreV2) reached from its `SaverDef`.
    public static var standardTF2: [UInt8] {
        let graph = graphDef(
            [Node("x", "Placeholder"), Node("saver_filename", "Placeholder"),
             Node("StatefulPartitionedCall", "StatefulPartitionedCall", calls: "__inference_signature_wrapper_42"),
             Node("StatefulPartitionedCall_1", "StatefulPartitionedCall", calls: "__inference__traced_save_77"),
             Node("StatefulPartitionedCall_2", "StatefulPartitionedCall", calls: "__inference__traced_restore_99")],
            functions: [
                Function("__inference_signature_wrapper_42", [Node("MatMul", "MatMul"), Node("Relu", "Relu")]),
                Function("__inference__traced_save_77", [Node("StringJoin", "StringJoin"), Node("ShardedFilename", "ShardedFilename"),
                                                          Node("SaveV2", "SaveV2"), Node("MergeV2Checkpoints", "MergeV2Checkpoints")]),
                Function("__inference__traced_restore_99", [Node("RestoreV2", "RestoreV2"), Node("AssignVariableOp", "AssignVariableOp")]),
            ])
        return savedModel(graph, saver: ("saver_filename:0", "StatefulPartitionedCall_1:0", "StatefulPartitionedCall_2"))
    }

    /// The nodes `tf.compat.v1.train.Saver` adds to a graph with one variable, as TF 2.21 writes
    /// them (the scope, the filename chain and the save/restore pair); `filename` is the default
    /// path the saver would write to.
    public static func tf1SaverNodes(filename: String = "model") -> [Node] {
        [
            Node("x", "Placeholder"), Node("w", "VarHandleOp"), Node("dense/MatMul", "MatMul", inputs: ["x", "w"]),
            Node("save/filename/input", "Const", constant: filename),
            Node("save/filename", "PlaceholderWithDefault", inputs: ["save/filename/input"]),
            Node("save/Const", "PlaceholderWithDefault", inputs: ["save/filename"]),
            Node("save/SaveV2/tensor_names", "Const", constant: "w"), Node("save/SaveV2/shape_and_slices", "Const", constant: ""),
            Node("save/SaveV2", "SaveV2", inputs: ["save/Const", "save/SaveV2/tensor_names", "save/SaveV2/shape_and_slices", "w"]),
            Node("save/control_dependency", "Identity", inputs: ["save/Const", "^save/SaveV2"]),
            Node("save/RestoreV2/tensor_names", "Const", constant: "w"), Node("save/RestoreV2/shape_and_slices", "Const", constant: ""),
            Node("save/RestoreV2", "RestoreV2", inputs: ["save/Const", "save/RestoreV2/tensor_names", "save/RestoreV2/shape_and_slices"]),
            Node("save/Identity", "Identity", inputs: ["save/RestoreV2"]),
            Node("save/AssignVariableOp", "AssignVariableOp", inputs: ["w", "save/Identity"]),
            Node("save/restore_all", "NoOp", inputs: ["^save/AssignVariableOp"]),
        ]
    }

    /// A SavedModel shaped like TF1's output: a `save/` name scope reached from its `SaverDef`.
    public static var standardTF1: [UInt8] {
        savedModel(graphDef(tf1SaverNodes()), saver: ("save/Const:0", "save/control_dependency:0", "save/restore_all"))
    }

    /// A GraphDef written by `tf.compat.v1.train.write_graph` from a graph with a saver: the same
    /// nodes, and no `SaverDef` to name them.
    public static var standardTF1GraphDef: [UInt8] { graphDef(tf1SaverNodes()) }
}
