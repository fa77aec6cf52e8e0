import VetText
import VetBytes
import VetCore

/// What kind of problem a safetensors header has; each kind maps to one rule.
public enum SafeTensorsAnomalyKind: String, AnomalyKind, Sendable, CaseIterable {
    /// The 8-byte length, the JSON text or its top level is unusable.
    case invalidHeader
    /// A key appears twice in an object: readers disagree on which one counts.
    case duplicateKey
    /// A tensor entry with an unknown dtype, a bad shape, bad offsets, or a byte range that does
    /// not match shape × dtype size.
    case invalidTensor
    /// Two tensors share bytes.
    case overlappingTensors
    /// Bytes in the data region (before, between or after tensors) that no tensor accounts for.
    case unaccountedData
    /// `__metadata__` that is not an object of strings.
    case invalidMetadata
}

/// One irregularity the SafeTensors parser met.
public typealias SafeTensorsAnomaly = Anomaly<SafeTensorsAnomalyKind>

/// A parsed safetensors header; tensor data is never read.
public struct SafeTensorsFile: Sendable {
    /// One tensor entry.
    public struct Tensor: Sendable {
        /// Its name.
        public var name: String
        /// Its dtype string, as written.
        public var dtype: String
        /// Its shape.
        public var shape: [Int]
        /// Its bytes, relative to the start of the data region.
        public var dataRange: Range<Int>
    }

    /// The reference loader's cap on the header length (100 MB).
    public static let maxHeaderLength = 100_000_000

    /// Bits per element of every dtype the reference implementation defines.
    public static let dtypeBits: [String: Int] = [
        "BOOL": 8, "U8": 8, "I8": 8, "F8_E5M2": 8, "F8_E4M3": 8, "F8_E8M0": 8, "I16": 16, "U16": 16, "F16": 16,
        "BF16": 16, "I32": 32, "U32": 32, "F32": 32, "F64": 64, "I64": 64, "U64": 64, "F4": 4, "F6_E2M3": 6, "F6_E3M2": 6,
    ]

    /// The declared header length.
    public var headerLength: Int
    /// Where tensor data starts (8 + header length).
    public var dataStart: Int
    /// Tensors in header order.
    public var tensors: [Tensor] = []
    /// `__metadata__` members, if present.
    public var metadata: [JSONMember]?
    /// Problems found.
    public var anomalies: [SafeTensorsAnomaly] = []
    /// Absolute byte ranges of the data region that no tensor covers.
    public var unaccountedRanges: [Range<Int>] = []

    /// Whether `source` looks like a safetensors file: a plausible 8-byte length followed by `{`.
    public static func sniff(_ source: ByteSource) -> Bool {
        let head = source.prefixBytes(length: 9)
        guard head.count == 9, head[8] == UInt8(ascii: "{") else { return false }
        let length = head[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        return length >= 2 && length <= UInt64(source.count - 8)
    }

    /// Parses the header of `source` and checks every entry against the data region.
    /// - Throws: `ByteError` only when fewer than 8 bytes exist; everything else is an anomaly.
    public static func parse(_ source: ByteSource) throws -> SafeTensorsFile {
        var reader = source.reader()
        let raw = try reader.u64le()
        var file = SafeTensorsFile(headerLength: 0, dataStart: 8)
        guard let length = Int(exactly: raw), length <= source.count - 8 else {
            file.anomaly(.invalidHeader, "header length \(raw) runs past the end of the file (\(source.count) bytes)", at: 0)
            return file
        }
        file.headerLength = length
        file.dataStart = 8 + length
        if length > maxHeaderLength {
            file.anomaly(.invalidHeader, "header of \(length) bytes exceeds the reference loader's 100 MB limit", at: 0)
            return file
        }
        let header = try source.slice(8..<(8 + length))
        guard header.byte(at: 0) == UInt8(ascii: "{") else {
            file.anomaly(.invalidHeader, "header does not start with `{`", at: 8)
            return file
        }
        let json: JSONValue
        do { json = try JSONParser.parse(header, maxDepth: 16) } catch {
            file.anomaly(.invalidHeader, "header is not valid JSON: \(error.message)", at: 8 + error.offset)
            return file
        }
        guard let members = json.members else {
            file.anomaly(.invalidHeader, "header is a JSON \(json.typeName), not an object", at: 8)
            return file
        }
        file.readMembers(members, dataSize: source.count - file.dataStart)
        return file
    }

    mutating func anomaly(_ kind: SafeTensorsAnomalyKind, _ message: String, at offset: Int) {
        anomalies.append(SafeTensorsAnomaly(kind: kind, message: message, offset: offset))
    }
}
