import VetBytes
import VetCore

/// What kind of problem an ONNX file has; each kind maps to one rule.
public enum ONNXAnomalyKind: String, AnomalyKind, Sendable, CaseIterable {
    /// The protobuf wire data is invalid or truncated.
    case malformed
    /// A nesting, count or length budget ran out; the rest of the file was not examined.
    case limitExceeded
}

/// One irregularity the ONNX parser met.
public typealias ONNXAnomaly = Anomaly<ONNXAnomalyKind>

/// An operator set the model imports.
public struct ONNXOpsetImport: Sendable, Equatable {
    /// The domain (`""` is the default `ai.onnx`).
    public var domain: String
    /// The opset version.
    public var version: Int64
}

/// One node of a graph or function body.
public struct ONNXNode: Sendable {
    /// The node's name (may be empty).
    public var name: String
    /// The operator type.
    public var opType: String
    /// The operator domain (`""` is `ai.onnx`).
    public var domain: String
    /// Where the node sits: `graph`, `graph/Loop_1.body`, `function:local.Fn`, ….
    public var scope: String
    /// Absolute offset of the node's message.
    public var offset: Int
}

/// Where a tensor is declared.
public enum ONNXTensorRole: String, Sendable {
    /// `GraphProto.initializer`.
    case initializer
    /// A part (values or indices) of `GraphProto.sparse_initializer`.
    case sparseInitializer = "sparse initializer"
    /// A tensor-valued node attribute (`t`, `tensors`, `sparse_tensor`, `sparse_tensors`).
    case attribute
}

/// One tensor; its payload (`raw_data`) is kept as a slice and never copied.
public struct ONNXTensor: Sendable {
    /// The tensor's name.
    public var name: String
    /// `TensorProto.DataType`.
    public var dataType: Int64
    /// `DEFAULT` (0) or `EXTERNAL` (1).
    public var dataLocation: Int64
    /// `external_data` key/value entries in file order (`location`, `offset`, `length`, `checksum`).
    public var externalData: [(key: String, value: String)]
    /// The `raw_data` payload, when present.
    public var rawData: ByteSource?
    /// Where it is declared.
    public var role: ONNXTensorRole
    /// The graph or function scope.
    public var scope: String
    /// Absolute offset of the tensor's message.
    public var offset: Int

    /// The value of the last `external_data` entry named `key`: onnx and onnxruntime both let a
    /// later entry overwrite an earlier one.
    public func externalValue(_ key: String) -> String? { externalData.last { $0.key == key }?.value }
}

/// A local function (`ModelProto.functions`).
public struct ONNXFunction: Sendable {
    /// The function's domain.
    public var domain: String
    /// The function's name (its op_type when called).
    public var name: String
    /// Absolute offset of the function's message.
    public var offset: Int
}

/// An ONNX `ModelProto`, flattened: every node and tensor of the main graph, of subgraphs in
/// attributes (recursively), of training graphs and of local functions.
public struct ONNXModel: Sendable {
    /// `ir_version`.
    public var irVersion: Int64?
    /// `producer_name`.
    public var producerName = ""
    /// `producer_version`.
    public var producerVersion = ""
    /// `opset_import`.
    public var opsetImports: [ONNXOpsetImport] = []
    /// Whether a main graph is present.
    public var hasGraph = false
    /// Names of the main graph's inputs.
    public var graphInputs: [String] = []
    /// Names of the main graph's outputs.
    public var graphOutputs: [String] = []
    /// Every node, in file order.
    public var nodes: [ONNXNode] = []
    /// Every tensor (initializers, sparse initializers, tensor attributes), in file order.
    public var tensors: [ONNXTensor] = []
    /// Local functions.
    public var functions: [ONNXFunction] = []
    /// Problems found.
    public var anomalies: [ONNXAnomaly] = []

    /// `ModelProto` field numbers and the wire types they must have (onnx/onnx.proto).
    static let modelFields: [Int: ProtobufWireType] = [
        1: .varint, 2: .lengthDelimited, 3: .lengthDelimited, 4: .lengthDelimited, 5: .varint,
        6: .lengthDelimited, 7: .lengthDelimited, 8: .lengthDelimited, 14: .lengthDelimited,
        20: .lengthDelimited, 25: .lengthDelimited,
    ]

    /// Whether `source` is shaped like a `ModelProto`: ONNX has no magic number, so this checks
    /// that the file starts with a small `ir_version` varint, that every top-level field is a
    /// `ModelProto` field of the right wire type, and that a graph is present.
    public static func looksLike(_ source: ByteSource) -> Bool {
        guard source.byte(at: 0) == 0x08 else { return false }
        var reader = ProtobufReader(source)
        var sawGraph = false
        var count = 0
        do {
            guard let first = try reader.next(), let version = first.uint64, (1...64).contains(version) else { return false }
            while let field = try reader.next() {
                count += 1
                guard count <= 100_000, modelFields[field.number] == field.wireType else { return false }
                if field.number == 7 { sawGraph = true }
            }
        } catch { return false }
        return sawGraph
    }

    mutating func anomaly(_ error: ProtobufError) {
        let kind: ONNXAnomalyKind = error.kind == .limitExceeded ? .limitExceeded : .malformed
        anomalies.append(ONNXAnomaly(kind: kind, message: error.message, offset: error.offset))
    }
}
