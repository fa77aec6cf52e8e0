import VetBytes
import VetCore

/// What kind of problem a GGUF file has; each kind maps to one rule.
public enum GGUFAnomalyKind: String, AnomalyKind, Sendable, CaseIterable {
    /// Bad magic or version, an unknown value type, or a header cut off mid-record.
    case malformed
    /// A count, length or nesting beyond the scan limits (the shapes that crash native parsers).
    case resourceLimit
    /// A repeated metadata key or tensor name.
    case duplicateName
    /// A tensor whose dimensions, size, offset or alignment are impossible or outside the file.
    case invalidTensor
    /// A tensor type id this scanner does not know.
    case unknownTensorType
    /// Two tensors share bytes.
    case overlappingTensors
    /// Data-section bytes that no tensor (or alignment padding) accounts for.
    case unaccountedData
}

/// One irregularity the GGUF parser met.
public typealias GGUFAnomaly = Anomaly<GGUFAnomalyKind>

/// A parsed GGUF header (v1–v3): metadata and tensor descriptors. Tensor data is never read.
public struct GGUFFile: Sendable {
    /// Limits specific to GGUF headers.
    public struct Limits: Sendable {
        /// Longest string (key, value, tensor name) accepted.
        public var maxStringLength = 1 << 26
        /// Most elements in one metadata array.
        public var maxArrayLength = 1 << 26
        /// Deepest array nesting.
        public var maxArrayDepth = 4
        /// Most metadata entries or tensors.
        public var maxCount = 1 << 20
        /// Creates the defaults.
        public init() {}

        /// The GGUF budgets of a scan's limits.
        public init(_ scan: ScanLimits) {
            maxStringLength = scan.maxGGUFStringLength
            maxArrayLength = scan.maxGGUFArrayLength
            maxArrayDepth = scan.maxGGUFArrayDepth
            maxCount = scan.maxGGUFCount
        }
    }

    /// Format version.
    public var version: UInt32 = 0
    /// Whether the file is big-endian (a byte-swapped version field).
    public var bigEndian = false
    /// Metadata in file order.
    public var metadata: [GGUFMetadataEntry] = []
    /// Tensor descriptors in file order.
    public var tensors: [GGUFTensorInfo] = []
    /// Data alignment (`general.alignment`, default 32).
    public var alignment = 32
    /// Absolute offset of the data section.
    public var dataStart = 0
    /// Problems found.
    public var anomalies: [GGUFAnomaly] = []
    /// Whether the whole header was read.
    public var headerComplete = false
    /// Absolute byte ranges no tensor covers.
    public var unaccountedRanges: [Range<Int>] = []

    /// The value of metadata `key`, as llama.cpp finds it (see `entry`).
    public func value(_ key: String) -> GGUFValue? { entry(key)?.value }

    /// The entry llama.cpp reads for `key`: `gguf_find_key` compares C strings, so a stored key is
    /// cut at its first NUL byte, and the first match in file order wins.
    public func entry(_ key: String) -> GGUFMetadataEntry? {
        metadata.first { Self.cString($0.key) == key }
    }

    /// `text` as C code sees it: up to its first NUL.
    public static func cString(_ text: String) -> String {
        guard let nul = text.firstIndex(of: "\0") else { return text }
        return String(text[..<nul])
    }

    /// Whether `source` starts with the GGUF magic.
    public static func sniff(_ source: ByteSource) -> Bool { source.prefixBytes(length: 4) == Array("GGUF".utf8) }

    mutating func anomaly(_ kind: GGUFAnomalyKind, _ message: String, at offset: Int) {
        anomalies.append(GGUFAnomaly(kind: kind, message: message, offset: offset))
    }

    /// Parses the header of `source` and checks every tensor against the file.
    public static func parse(_ source: ByteSource, limits: Limits = Limits()) -> GGUFFile {
        var file = GGUFFile()
        var reader = GGUFReader(reader: source.reader(), limits: limits)
        do {
            try file.readHeader(&reader, source: source)
        } catch let error as GGUFReader.Failure {
            file.anomaly(error.kind, error.message, at: error.offset)
        } catch {
            file.anomaly(.malformed, "header is cut off: \(error)", at: reader.offset)
        }
        if file.headerComplete { file.checkTensors(fileSize: source.count) }
        return file
    }

    private mutating func readHeader(_ reader: inout GGUFReader, source: ByteSource) throws {
        guard try reader.bytes(4) == Array("GGUF".utf8) else { throw reader.failure(.malformed, "bad magic") }
        let raw = try reader.u32()
        if raw > 0xFFFF, raw.byteSwapped <= 3 {
            bigEndian = true
            reader.bigEndian = true
        }
        version = bigEndian ? raw.byteSwapped : raw
        guard (1...3).contains(version) else { throw reader.failure(.malformed, "unsupported GGUF version \(version)") }
        reader.version = version
        let tensorCount = try reader.count("tensor count")
        let metadataCount = try reader.count("metadata count")
        var keys = Set<String>()
        var cKeys = Set<String>()
        for _ in 0..<metadataCount {
            let offset = reader.offset
            let key = try reader.string()
            let type = try reader.valueType()
            let value = try reader.value(of: type, depth: 0)
            if !keys.insert(key).inserted {
                anomaly(.duplicateName, "metadata key `\(key)` appears twice", at: offset)
            } else if !cKeys.insert(Self.cString(key)).inserted {
                // llama.cpp keeps both but finds the first; exact-match readers (gguf-py) find this one.
                anomaly(.duplicateName, "metadata key `\(Evidence.clip(key))` reads as `\(Self.cString(key))` to C code, like an earlier key: llama.cpp uses the first, other readers this one", at: offset)
            }
            metadata.append(GGUFMetadataEntry(key: key, value: value, offset: offset))
        }
        var names = Set<String>()
        for _ in 0..<tensorCount {
            let offset = reader.offset
            let name = try reader.string()
            let dimensionCount = try reader.u32()
            guard dimensionCount <= 8 else {
                throw reader.failure(.invalidTensor, "tensor `\(name)` declares \(dimensionCount) dimensions (ggml allows 4)", at: offset)
            }
            var dimensions: [UInt64] = []
            for _ in 0..<dimensionCount { dimensions.append(version == 1 ? UInt64(try reader.u32()) : try reader.u64()) }
            let type = try reader.u32()
            let dataOffset = try reader.u64()
            // llama.cpp compares tensor names as C strings (cut at NUL).
            if !names.insert(Self.cString(name)).inserted { anomaly(.duplicateName, "tensor name `\(Evidence.clip(name))` appears twice", at: offset) }
            tensors.append(GGUFTensorInfo(name: name, dimensions: dimensions, typeID: type, offset: dataOffset, infoOffset: offset))
        }
        if let entry = entry("general.alignment") {
            if let value = entry.value.integer, value > 0, value.nonzeroBitCount == 1, value <= 1 << 20 {
                alignment = value
            } else {
                anomaly(.malformed, "general.alignment \(entry.value) is not a power of two; loaders disagree on the data layout", at: entry.offset)
            }
        }
        let end = reader.offset
        let padded = (end + alignment - 1) / alignment * alignment
        dataStart = min(padded, source.count)
        headerComplete = true
    }
}
