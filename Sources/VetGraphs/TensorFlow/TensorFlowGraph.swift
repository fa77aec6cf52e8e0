import VetCore
import VetBytes

/// What kind of problem a TensorFlow graph file has; each kind maps to one rule.
public enum TensorFlowAnomalyKind: String, AnomalyKind, Sendable, CaseIterable {
    /// The protobuf wire data is invalid or truncated.
    case malformed
    /// A nesting, count or length budget ran out; the rest of the file was not examined.
    case limitExceeded
}

/// One irregularity the TensorFlow parser met.
public typealias TensorFlowAnomaly = Anomaly<TensorFlowAnomalyKind>

/// One `NodeDef`, in a graph or in a function body.
public struct TensorFlowNode: Sendable {
    /// The node's name, with its name scope (`save/RestoreV2`).
    public var name: String
    /// The op (or the name of a library function it calls).
    public var op: String
    /// The library function whose body holds the node; `nil` for the graph itself.
    public var function: String?
    /// Index of the meta graph in a SavedModel (0 for a GraphDef).
    public var metaGraph: Int
    /// String attributes (`s`, and the `s` entries of lists) by attribute name.
    public var stringAttributes: [String: [String]]
    /// Functions named by `func` attributes (`f` of `PartitionedCall`, branches of `If`, …).
    public var calledFunctions: [String]
    /// Absolute offset of the node's message.
    public var offset: Int
}

/// The `SaverDef` of a meta graph: which nodes save and restore variables.
public struct TensorFlowSaver: Sendable, Equatable {
    /// Index of the meta graph.
    public var metaGraph: Int
    /// `filename_tensor_name` (`save/Const:0`, `saver_filename:0`).
    public var filenameTensorName: String
    /// `save_tensor_name` (`save/control_dependency:0`, `StatefulPartitionedCall_1:0`).
    public var saveTensorName: String
    /// `restore_op_name` (`save/restore_all`, `StatefulPartitionedCall_2`).
    public var restoreOpName: String
}

/// An `AssetFileDef` of a meta graph: a file under the SavedModel's `assets/` directory.
public struct TensorFlowAsset: Sendable, Equatable {
    /// Index of the meta graph.
    public var metaGraph: Int
    /// `filename`, relative to `assets/`.
    public var filename: String
    /// Absolute offset of the message.
    public var offset: Int
}

/// A TensorFlow `SavedModel` (`saved_model.pb`) or frozen `GraphDef` (`.pb`), flattened into the
/// nodes of every graph and of every function in the function libraries.
public struct TensorFlowGraph: Sendable {
    /// Which container the file is.
    public enum Kind: String, Sendable {
        /// `saved_model.pb`: a `SavedModel` of meta graphs.
        case savedModel = "SavedModel"
        /// A frozen or exported `GraphDef`.
        case graphDef = "GraphDef"
    }

    /// Which container the file is.
    public var kind: Kind
    /// `saved_model_schema_version` of a SavedModel.
    public var schemaVersion: Int64?
    /// How many meta graphs a SavedModel holds (1 for a GraphDef).
    public var metaGraphCount = 0
    /// Every node, in file order.
    public var nodes: [TensorFlowNode] = []
    /// Names of the library functions, in file order.
    public var functions: [String] = []
    /// The savers of the meta graphs.
    public var savers: [TensorFlowSaver] = []
    /// The asset files the meta graphs declare.
    public var assets: [TensorFlowAsset] = []
    /// Problems found.
    public var anomalies: [TensorFlowAnomaly] = []

    /// Whether `source` is shaped like a `SavedModel`: schema version 1 in field 1, then only
    /// meta graphs (field 2).
    public static func looksLikeSavedModel(_ source: ByteSource) -> Bool {
        guard source.byte(at: 0) == 0x08 else { return false }
        var reader = ProtobufReader(source)
        var metaGraphs = 0
        do {
            guard let first = try reader.next(), first.number == 1, first.uint64 == 1 else { return false }
            while let field = try reader.next() {
                guard field.number == 2, field.wireType == .lengthDelimited, metaGraphs < 100_000 else { return false }
                metaGraphs += 1
            }
        } catch { return false }
        return metaGraphs > 0
    }

    /// Whether `source` is shaped like a `GraphDef`: only fields node (1), library (2), version (3)
    /// and versions (4), with at least one node whose first field is its name or op.
    public static func looksLikeGraphDef(_ source: ByteSource) -> Bool {
        guard source.byte(at: 0) == 0x0A else { return false }
        var reader = ProtobufReader(source)
        var count = 0
        do {
            guard let first = try reader.next(), first.number == 1, var node = first.message,
                  let inner = try node.next(), inner.number == 1 || inner.number == 2, inner.wireType == .lengthDelimited
            else { return false }
            while let field = try reader.next() {
                count += 1
                let expected: ProtobufWireType = field.number == 3 ? .varint : .lengthDelimited
                guard (1...4).contains(field.number), field.wireType == expected, count < 10_000_000 else { return false }
            }
        } catch { return false }
        return true
    }

    mutating func anomaly(_ error: ProtobufError) {
        let kind: TensorFlowAnomalyKind = error.kind == .limitExceeded ? .limitExceeded : .malformed
        anomalies.append(TensorFlowAnomaly(kind: kind, message: error.message, offset: error.offset))
    }
}
