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
    /// String attributes (`s`, the `s` entries of lists, and the `string_val`s of tensor values such
    /// as a `Const`'s) by attribute name.
    public var stringAttributes: [String: [String]]
    /// Functions named by `func` attributes (`f` of `PartitionedCall`, branches of `If`, …).
    public var calledFunctions: [String]
    /// The node's inputs (`name`, `name:1`, `^name` for control inputs).
    public var inputs: [String] = []
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

    /// Creates a saver description.
    public init(metaGraph: Int, filenameTensorName: String, saveTensorName: String, restoreOpName: String) {
        self.metaGraph = metaGraph
        self.filenameTensorName = filenameTensorName
        self.saveTensorName = saveTensorName
        self.restoreOpName = restoreOpName
    }
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
        /// A bare `MetaGraphDef` (`model.ckpt.meta`), read by `tf.compat.v1.train.import_meta_graph`.
        case metaGraph = "MetaGraphDef"
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

    /// Whether `source` is shaped like a `SavedModel`: only `saved_model_schema_version` (1, a
    /// varint the loader ignores, so it may be absent) and meta graphs (2), at least one of them
    /// shaped like a `MetaGraphDef`.
    public static func looksLikeSavedModel(_ source: ByteSource) -> Bool {
        var reader = ProtobufReader(source)
        var metaGraphs = 0
        do {
            while let field = try reader.next() {
                switch (field.number, field.wireType) {
                case (1, .varint): continue
                case (2, .lengthDelimited):
                    guard let meta = field.message, isMetaGraphShaped(meta), metaGraphs < 100_000 else { return false }
                    metaGraphs += 1
                default: return false
                }
            }
        } catch { return false }
        return metaGraphs > 0
    }

    /// Whether `source` is shaped like a bare `MetaGraphDef` (`tf.train.export_meta_graph`'s `.meta`).
    public static func looksLikeMetaGraph(_ source: ByteSource) -> Bool {
        isMetaGraphShaped(ProtobufReader(source))
    }

    /// Only MetaGraphDef's message fields (1-8), with a `graph_def` (2) shaped like a GraphDef
    /// (nodes not required). Other protobufs made only of messages, such as SentencePiece's
    /// `tokenizer.model`, have the first shape but not the second.
    static func isMetaGraphShaped(_ message: ProtobufReader) -> Bool {
        var reader = message
        var graph = false
        do {
            while let field = try reader.next() {
                guard (1...8).contains(field.number), field.wireType == .lengthDelimited else { return false }
                if field.number == 2 {
                    guard let graphDef = field.message, graphDefNodes(graphDef) != nil else { return false }
                    graph = true
                }
            }
        } catch { return false }
        return graph
    }

    /// Whether `source` is shaped like a `GraphDef`: at least one node (1) whose fields are a
    /// NodeDef's with an op, and otherwise only GraphDef's fields with their wire types (library 2,
    /// version 3, versions 4, debug_info 5) or fields a parser skips as unknown, in any order.
    public static func looksLikeGraphDef(_ source: ByteSource) -> Bool {
        (graphDefNodes(ProtobufReader(source)) ?? 0) > 0
    }

    /// The number of nodes of a GraphDef-shaped message, or nil when it is not shaped like one.
    static func graphDefNodes(_ message: ProtobufReader) -> Int? {
        var reader = message
        var nodes = 0
        do {
            while let field = try reader.next() {
                switch field.number {
                case 1:
                    guard let node = field.message, isNodeShaped(node) else { return nil }
                    nodes += 1
                case 2, 4, 5: guard field.wireType == .lengthDelimited else { return nil }
                case 3: guard field.wireType == .varint else { return nil }
                default: continue
                }
                if nodes > 10_000_000 { return nil }
            }
        } catch { return nil }
        return nodes
    }

    /// NodeDef's fields (name 1, op 2, input 3, device 4, attr 5, debug info 6, type 7), all
    /// length-delimited, with a non-empty op.
    static func isNodeShaped(_ message: ProtobufReader) -> Bool {
        var reader = message
        var op = false
        do {
            while let field = try reader.next() {
                guard (1...7).contains(field.number), field.wireType == .lengthDelimited else { return false }
                if field.number == 2, let bytes = field.bytes, !bytes.isEmpty { op = true }
            }
        } catch { return false }
        return op
    }

    mutating func anomaly(_ error: ProtobufError) {
        let kind: TensorFlowAnomalyKind = error.kind == .limitExceeded ? .limitExceeded : .malformed
        anomalies.append(TensorFlowAnomaly(kind: kind, message: error.message, offset: error.offset))
    }
}
