/// Budgets that bound every count, size and depth a scan may reach, so crafted input cannot
/// make a scan hang or exhaust memory.
public struct ScanLimits: Sendable, Equatable {
    /// How deep containers may nest (a zip in a zip is depth 2).
    public var maxDepth = 8
    /// How many members one archive may list before the rest are reported, not scanned.
    public var maxEntries = 100_000
    /// Total bytes that may be decompressed for one top-level file.
    public var maxDecompressedBytes = 4 << 30
    /// Largest decompressed-to-compressed ratio accepted for one member.
    public var maxCompressionRatio = 200
    /// Members smaller than this compressed size are exempt from the ratio check.
    public var ratioExemptBelow = 1 << 20
    /// Opcodes one pickle may contain before the machine stops.
    public var maxPickleOpcodes = 20_000_000
    /// Stack and mark depth the pickle machine tolerates.
    public var maxPickleStackDepth = 100_000
    /// Memo slots one pickle may create.
    public var maxMemoEntries = 5_000_000
    /// Logical element count (following shared references) a pickle may build before it is
    /// reported as an expansion bomb.
    public var maxLogicalElements = 100_000_000
    /// Largest single length prefix (string, bytes, frame) accepted without a finding.
    public var maxOperandLength = 1 << 30
    /// How deep pickles embedded in byte or string operands are followed.
    public var maxNestedPickleDepth = 4
    /// How many pickles one stream may stack before the rest are skipped with a finding.
    public var maxPicklesPerStream = 10_000
    /// How many bytes of a member are kept in memory when it must be decompressed to be scanned.
    public var maxInMemoryMember = 1 << 30
    /// How deep JSON and YAML configs may nest. Python's json module follows documents as deep as
    /// its recursion limit allows (about 1,000 levels on Python 3.11, 9,998 on 3.13), so this
    /// stays above that; deeper documents are findings.
    public var maxConfigDepth = 10_000

    // GGUF metadata.
    /// Longest GGUF string (key, value, tensor name).
    public var maxGGUFStringLength = 1 << 26
    /// Most elements in one GGUF metadata array.
    public var maxGGUFArrayLength = 1 << 26
    /// Deepest nesting of GGUF metadata arrays.
    public var maxGGUFArrayDepth = 4
    /// Most GGUF metadata entries or tensors.
    public var maxGGUFCount = 1 << 20

    // HDF5 (legacy Keras files).
    /// Header messages read from one HDF5 object header, over all its chunks.
    public var maxHDF5Messages = 65_536
    /// Continuation chunks followed for one HDF5 object header.
    public var maxHDF5Continuations = 1_024
    /// Attributes read for one HDF5 object.
    public var maxHDF5Attributes = 65_536
    /// Elements decoded from one HDF5 attribute.
    public var maxHDF5Elements = 1_000_000
    /// Bytes of HDF5 attribute values decoded for one object.
    public var maxHDF5ValueBytes = 256 << 20
    /// Links listed for one HDF5 group.
    public var maxHDF5Links = 100_000
    /// B-tree nodes visited for one HDF5 group.
    public var maxHDF5TreeNodes = 100_000
    /// Nesting of HDF5 datatypes and B-tree levels.
    public var maxHDF5Depth = 32

    // Jinja chat templates.
    /// Largest template parsed, in UTF-8 bytes.
    public var maxTemplateBytes = 1 << 20
    /// Deepest nesting of template statements and expressions together.
    public var maxTemplateDepth = 200
    /// Most syntax nodes one template may produce.
    public var maxTemplateNodes = 200_000

    // Protobuf (ONNX, TensorFlow) and flatbuffers (TFLite).
    /// How deep protobuf messages may nest; the reference C++ parser's recursion limit is 100.
    public var maxProtobufDepth = 100
    /// Protobuf fields visited in one file, over all messages.
    public var maxProtobufFields = 50_000_000
    /// Elements (nodes, tensors, functions, operators) a graph decoder keeps per file.
    public var maxGraphElements = 2_000_000
    /// Longest string a graph decoder copies out; longer ones are cut and reported.
    public var maxGraphStringLength = 1 << 16

    /// The defaults.
    public init() {}
}
