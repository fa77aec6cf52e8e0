import VetGraphs
/// Writes protobuf wire data, for test fixtures and rule examples.
///
/// It writes exactly what it is told, including invalid data, so tests can build malformed files.
public struct ProtobufWriter: Sendable {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8] = []

    /// Creates an empty writer.
    public init() {}

    /// Creates a writer and lets `body` fill it.
    public init(_ body: (inout ProtobufWriter) -> Void) {
        body(&self)
    }

    /// Appends a raw varint.
    public mutating func rawVarint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    /// Appends a tag.
    public mutating func tag(_ field: Int, _ wire: ProtobufWireType) {
        rawVarint(UInt64(field) << 3 | UInt64(wire.rawValue))
    }

    /// Appends a varint field.
    public mutating func varint(_ field: Int, _ value: Int64) {
        tag(field, .varint)
        rawVarint(UInt64(bitPattern: value))
    }

    /// Appends a fixed 32-bit field.
    public mutating func fixed32(_ field: Int, _ value: UInt32) {
        tag(field, .fixed32)
        bytes += (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * UInt32($0))) }
    }

    /// Appends a fixed 64-bit field.
    public mutating func fixed64(_ field: Int, _ value: UInt64) {
        tag(field, .fixed64)
        bytes += (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
    }

    /// Appends a length-delimited field holding `payload`.
    public mutating func bytes(_ field: Int, _ payload: [UInt8]) {
        tag(field, .lengthDelimited)
        rawVarint(UInt64(payload.count))
        bytes += payload
    }

    /// Appends a string field.
    public mutating func string(_ field: Int, _ text: String) {
        bytes(field, Array(text.utf8))
    }

    /// Appends a sub-message field built by `body`.
    public mutating func message(_ field: Int, _ body: (inout ProtobufWriter) -> Void) {
        bytes(field, ProtobufWriter(body).bytes)
    }

    /// Appends bytes verbatim (for malformed fixtures).
    public mutating func raw(_ data: [UInt8]) {
        bytes += data
    }
}
