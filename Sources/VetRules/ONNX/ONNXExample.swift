import VetFixtures

/// Builds small ONNX `ModelProto` files for rule examples and tests (field numbers from onnx.proto).
public enum ONNXExample {
    /// A node to put in the main graph.
    public struct Node: Sendable {
        /// Operator type.
        public var opType: String
        /// Operator domain.
        public var domain: String
        /// Creates a node.
        public init(_ opType: String, domain: String = "") {
            self.opType = opType
            self.domain = domain
        }
    }

    /// A model with `nodes` in its graph, one float initializer `w` (external at
    /// `externalLocation` when given, else 4 bytes of `raw_data`) and local functions named
    /// `functions` in domain `local`.
    public static func model(nodes: [Node] = [Node("Relu")], externalLocation: String? = nil, laterLocation: String? = nil,
                             extraOpsets: [String] = [], functions: [String] = []) -> [UInt8] {
        ProtobufWriter { model in
            model.varint(1, 8)
            model.string(2, "modelvet-example")
            model.message(7) { graph in
                for (index, node) in nodes.enumerated() {
                    graph.message(1) { proto in
                        proto.string(1, "x")
                        proto.string(2, "y\(index)")
                        proto.string(3, "n\(index)")
                        proto.string(4, node.opType)
                        if !node.domain.isEmpty { proto.string(7, node.domain) }
                    }
                }
                graph.string(2, "main")
                graph.message(5) { tensor in
                    tensor.varint(1, 1)
                    tensor.varint(2, 1)
                    tensor.string(8, "w")
                    if let externalLocation {
                        tensor.message(13) { $0.string(1, "location"); $0.string(2, externalLocation) }
                        tensor.message(13) { $0.string(1, "offset"); $0.string(2, "0") }
                        tensor.message(13) { $0.string(1, "length"); $0.string(2, "4") }
                        if let laterLocation { tensor.message(13) { $0.string(1, "location"); $0.string(2, laterLocation) } }
                        tensor.varint(14, 1)
                    } else {
                        tensor.bytes(9, [0, 0, 0x80, 0x3F])
                    }
                }
                graph.message(11) { $0.string(1, "x"); floatVectorType(&$0) }
                graph.message(12) { $0.string(1, "y0"); floatVectorType(&$0) }
            }
            model.message(8) { $0.string(1, ""); $0.varint(2, 17) }
            for domain in extraOpsets {
                model.message(8) { $0.string(1, domain); $0.varint(2, 1) }
            }
            for name in functions {
                model.message(25) { function in
                    function.string(1, name)
                    function.string(4, "x")
                    function.string(5, "y")
                    function.message(7) { $0.string(1, "x"); $0.string(2, "y"); $0.string(4, "Relu") }
                    function.message(9) { $0.string(1, ""); $0.varint(2, 17) }
                    function.string(10, "local")
                }
            }
        }.bytes
    }

    /// ValueInfoProto.type (2) → TypeProto.tensor_type (1): elem_type FLOAT, shape [1].
    static func floatVectorType(_ valueInfo: inout ProtobufWriter) {
        valueInfo.message(2) { type in
            type.message(1) { tensor in
                tensor.varint(1, 1)
                tensor.message(2) { $0.message(1) { $0.varint(1, 1) } }
            }
        }
    }

    /// A minimal valid model (it passes `onnx.checker.check_model`).
    public static var valid: [UInt8] { model() }
}
