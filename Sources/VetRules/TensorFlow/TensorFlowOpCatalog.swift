import VetCore
import VetGraphs

/// What a dangerous TensorFlow op does outside the tensor computation.
public enum TensorFlowOpEffect: String, Sendable, CaseIterable {
    /// Calls back into Python through a registered function.
    case runsPython = "runs Python code"
    /// Creates, overwrites or deletes files.
    case writesFiles = "writes files"
    /// Opens, maps or lists files.
    case readsFiles = "reads files"
    /// Opens network connections.
    case network = "opens network connections"
}

/// When an op counts as dangerous: always, or only with certain attribute values.
public enum TensorFlowOpCondition: Sendable {
    /// Every use.
    case always
    /// When a string attribute has a value starting with one of the prefixes.
    case attributeHasPrefix(String, [String])
    /// When a string attribute is present and does not start with any of the prefixes.
    case attributeLacksPrefix(String, [String])
    /// When a string attribute is present and not empty.
    case attributeNotEmpty(String)

    func holds(for node: TensorFlowNode) -> Bool {
        switch self {
        case .always: return true
        case let .attributeHasPrefix(name, prefixes):
            return (node.stringAttributes[name] ?? []).contains { value in prefixes.contains { value.hasPrefix($0) } }
        case let .attributeLacksPrefix(name, prefixes):
            return (node.stringAttributes[name] ?? []).contains { value in !prefixes.contains { value.hasPrefix($0) } }
        case let .attributeNotEmpty(name):
            return (node.stringAttributes[name] ?? []).contains { !$0.isEmpty }
        }
    }
}

/// TensorFlow raw ops that reach outside the tensor computation, from the `tf.raw_ops` list.
///
/// Ops that only build file names (`ShardedFilename`, `StringJoin`) or write to stderr (`Print`)
/// are not listed; ops whose danger depends on an attribute carry a condition.
public enum TensorFlowOpCatalog {
    /// One catalogued op.
    public struct Entry: Sendable {
        /// The op's name.
        public var op: String
        /// What it does.
        public var effect: TensorFlowOpEffect
        /// When it counts.
        public var condition: TensorFlowOpCondition
    }

    /// Checkpoint ops a standard `Saver` (TF1) or `tf.train.Checkpoint` save/restore function (TF2) uses.
    public static let checkpointOps: Set<String> = [
        "Save", "SaveV2", "SaveSlices", "Restore", "RestoreV2", "RestoreSlice", "MergeV2Checkpoints", "DTensorRestoreV2",
    ]

    static func group(_ effect: TensorFlowOpEffect, _ ops: [String]) -> [Entry] {
        ops.map { Entry(op: $0, effect: effect, condition: .always) }
    }

    /// Every catalogued op.
    public static let entries: [Entry] =
        group(.runsPython, ["PyFunc", "PyFuncStateless", "EagerPyFunc"])
        + group(.writesFiles, [
            "WriteFile", "Save", "SaveV2", "SaveSlices", "MergeV2Checkpoints",
            "CreateSummaryFileWriter", "CreateSummaryDbWriter", "WriteSummary", "WriteScalarSummary",
            "WriteHistogramSummary", "WriteImageSummary", "WriteAudioSummary", "WriteGraphSummary",
            "WriteRawProtoSummary", "ImportEvent", "FlushSummaryWriter",
            "DatasetToTFRecord", "ExperimentalDatasetToTFRecord", "SaveDataset", "SaveDatasetV2",
            "SnapshotDataset", "SnapshotDatasetV2", "DebugIdentityV2", "DebugIdentityV3",
            "DumpTensor", "CalibrationStatisticsSaver", "DistributedSave",
        ])
        + [
            Entry(op: "PrintV2", effect: .writesFiles, condition: .attributeHasPrefix("output_stream", ["file://"])),
            Entry(op: "CacheDataset", effect: .writesFiles, condition: .always),
            Entry(op: "CacheDatasetV2", effect: .writesFiles, condition: .always),
        ]
        + ["DebugIdentity", "DebugNanCount", "DebugNumericSummary", "DebugIdentityV3"].flatMap {
            [Entry(op: $0, effect: .network, condition: .attributeHasPrefix("debug_urls", ["grpc://"])),
             Entry(op: $0, effect: .writesFiles, condition: .attributeHasPrefix("debug_urls", ["file://"]))]
        }
        + group(.readsFiles, [
            "ReadFile", "MatchingFiles", "ImmutableConst", "Restore", "RestoreV2", "RestoreSlice",
            "WholeFileReader", "WholeFileReaderV2", "TextLineReader", "TextLineReaderV2",
            "FixedLengthRecordReader", "FixedLengthRecordReaderV2", "TFRecordReader", "TFRecordReaderV2",
            "LMDBReader", "RecordInput", "InitializeTableFromTextFile", "InitializeTableFromTextFileV2",
            "LoadAndRemapMatrix", "GenerateVocabRemapping",
            "TFRecordDataset", "TFRecordDatasetV2", "TextLineDataset", "FixedLengthRecordDataset",
            "FixedLengthRecordDatasetV2", "MatchingFilesDataset", "ExperimentalMatchingFilesDataset",
            "CSVDataset", "CSVDatasetV2", "ExperimentalCSVDataset", "LMDBDataset", "ExperimentalLMDBDataset",
            "SqlDataset", "ExperimentalSqlDataset", "LoadDataset", "ExperimentalLoadDataset", "DTensorRestoreV2", "Skipgram",
            "SnapshotDatasetReader", "SnapshotChunkDataset", "ListSnapshotChunksDataset",
        ])
        + [Entry(op: "FixedUnigramCandidateSampler", effect: .readsFiles, condition: .attributeNotEmpty("vocab_file"))]
        + ["DecodeProtoV2", "EncodeProto"].map {
            Entry(op: $0, effect: .readsFiles, condition: .attributeLacksPrefix("descriptor_source", ["local://", "bytes://"]))
        }
        + group(.network, [
            "DataServiceDataset", "DataServiceDatasetV2", "DataServiceDatasetV3", "DataServiceDatasetV4",
            "RegisterDataset", "RegisterDatasetV2", "Rpc", "TryRpc", "RpcClient", "RpcCall", "RpcServer",
            "RpcServerStart", "RpcServerRegister", "GcsConfigureCredentials", "GcsConfigureBlockCache",
            "FileSystemSetConfiguration", "DistributedSave",
        ])

    /// The first entry of each op (for callers that know only the op's name, such as TFLite's Flex ops).
    public static let byOp: [String: Entry] = Dictionary(entries.map { ($0.op, $0) }, uniquingKeysWith: { first, _ in first })
    /// Every entry of each op, in catalogue order.
    static let allByOp: [String: [Entry]] = Dictionary(grouping: entries, by: \.op)

    /// What `node` does outside the computation: each catalogued effect whose condition holds.
    public static func effects(of node: TensorFlowNode) -> [TensorFlowOpEffect] {
        var seen = Set<TensorFlowOpEffect>()
        return (allByOp[node.op] ?? []).filter { $0.condition.holds(for: node) }.map(\.effect).filter { seen.insert($0).inserted }
    }
}
