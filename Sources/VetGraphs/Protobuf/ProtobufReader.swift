import VetBytes

/// A protobuf wire type.
public enum ProtobufWireType: UInt8, Sendable {
    /// Base-128 integers, booleans and enums.
    case varint = 0
    /// Little-endian 8-byte values.
    case fixed64 = 1
    /// A length prefix followed by that many bytes.
    case lengthDelimited = 2
    /// Start of a proto2 group.
    case startGroup = 3
    /// End of a proto2 group.
    case endGroup = 4
    /// Little-endian 4-byte values.
    case fixed32 = 5
}

/// The value of one field as it sits on the wire; length-delimited values stay zero-copy slices.
public enum ProtobufValue: Sendable {
    /// Wire type 0.
    case varint(UInt64)
    /// Wire type 1.
    case fixed64(UInt64)
    /// Wire type 5.
    case fixed32(UInt32)
    /// Wire type 2: a string, bytes, a sub-message or a packed array, undecoded.
    case bytes(ByteSource)
    /// Wire types 3/4: a proto2 group, skipped; the slice holds its body.
    case group(ByteSource)
}

/// One field of a message.
public struct ProtobufField: Sendable {
    /// The field number.
    public var number: Int
    /// The value.
    public var value: ProtobufValue
    /// Absolute file offset of the field's tag.
    public var offset: Int
    /// Absolute file offset of the field's payload (the bytes of a length-delimited value).
    public var payloadOffset: Int

    /// The wire type the value was read with.
    public var wireType: ProtobufWireType {
        switch value {
        case .varint: .varint
        case .fixed64: .fixed64
        case .fixed32: .fixed32
        case .bytes: .lengthDelimited
        case .group: .startGroup
        }
    }
}

/// Iterates the fields of one protobuf message lazily over a `ByteSource`.
///
/// Nothing is decoded beyond tags and lengths: a length-delimited field is handed out as a slice
/// of the input, so large tensors are never copied.
public struct ProtobufReader: Sendable {
    private var reader: ByteReader
    /// Absolute file offset of the message's first byte, so errors and fields carry file offsets.
    public let baseOffset: Int
    /// How many groups may nest while one is skipped.
    static let maxGroupDepth = 32

    /// Creates a reader over `message`, whose first byte sits at `baseOffset` in the file.
    public init(_ message: ByteSource, baseOffset: Int = 0) {
        reader = message.reader()
        self.baseOffset = baseOffset
    }

    /// Whether every field has been read.
    public var isAtEnd: Bool { reader.isAtEnd }

    /// Absolute offset of the next byte.
    public var absoluteOffset: Int { baseOffset + reader.offset }

    /// Reads the next field, or returns `nil` at the end of the message.
    /// - Throws: `ProtobufError` on truncated or invalid wire data.
    public mutating func next() throws -> ProtobufField? {
        guard !reader.isAtEnd else { return nil }
        let tagOffset = absoluteOffset
        let tag = try varint()
        let (number, wire) = try Self.split(tag: tag, at: tagOffset)
        let payloadOffset = absoluteOffset
        let value: ProtobufValue
        switch wire {
        case .varint: value = .varint(try varint())
        case .fixed64: value = .fixed64(try guarded { try $0.u64le() })
        case .fixed32: value = .fixed32(try guarded { try $0.u32le() })
        case .lengthDelimited:
            let length = try lengthPrefix()
            value = .bytes(try guarded { try $0.view(length) })
            return ProtobufField(number: number, value: value, offset: tagOffset, payloadOffset: absoluteOffset - length)
        case .startGroup: value = .group(try skipGroup(number: number))
        case .endGroup: throw ProtobufError(.invalidWireType, at: tagOffset, "end-group tag without a matching start")
        }
        return ProtobufField(number: number, value: value, offset: tagOffset, payloadOffset: payloadOffset)
    }

    /// Splits a tag into field number and wire type.
    static func split(tag: UInt64, at offset: Int) throws -> (Int, ProtobufWireType) {
        guard let wire = ProtobufWireType(rawValue: UInt8(tag & 7)) else {
            throw ProtobufError(.invalidWireType, at: offset, "invalid wire type \(tag & 7)")
        }
        let number = tag >> 3
        guard number >= 1, number <= (1 << 29) - 1 else {
            throw ProtobufError(.invalidFieldNumber, at: offset, "invalid field number \(number)")
        }
        return (Int(number), wire)
    }

    /// Reads a base-128 varint of at most ten bytes.
    mutating func varint() throws -> UInt64 {
        let start = absoluteOffset
        var result: UInt64 = 0
        for index in 0..<10 {
            let byte = try guarded { try $0.u8() }
            if index == 9, byte > 1 {
                throw ProtobufError(.invalidVarint, at: start, "varint overflows 64 bits")
            }
            result |= UInt64(byte & 0x7F) << (7 * UInt64(index))
            if byte & 0x80 == 0 { return result }
        }
        throw ProtobufError(.invalidVarint, at: start, "varint longer than ten bytes")
    }

    /// Reads a length prefix and checks it against the bytes left in the message.
    mutating func lengthPrefix() throws -> Int {
        let start = absoluteOffset
        let raw = try varint()
        guard let length = Int(exactly: raw), length <= reader.remaining else {
            throw ProtobufError(.truncated, at: start,
                                "length \(raw) runs past the end of its message (\(reader.remaining) bytes left)")
        }
        return length
    }

    /// Skips a group body up to its matching end tag, returning the body.
    mutating func skipGroup(number: Int) throws -> ByteSource {
        let bodyStart = reader.offset
        var open = [number]
        while let expected = open.last {
            let tagOffset = absoluteOffset
            guard !reader.isAtEnd else { throw ProtobufError(.truncated, at: tagOffset, "group \(number) is not closed") }
            let (inner, wire) = try Self.split(tag: try varint(), at: tagOffset)
            switch wire {
            case .varint: _ = try varint()
            case .fixed64: try guarded { try $0.skip(8) }
            case .fixed32: try guarded { try $0.skip(4) }
            case .lengthDelimited:
                let length = try lengthPrefix()
                try guarded { try $0.skip(length) }
            case .startGroup:
                guard open.count < Self.maxGroupDepth else {
                    throw ProtobufError(.limitExceeded, at: tagOffset, "groups nested deeper than \(Self.maxGroupDepth)")
                }
                open.append(inner)
            case .endGroup:
                guard inner == expected else {
                    throw ProtobufError(.invalidWireType, at: tagOffset, "end-group \(inner) closes group \(expected)")
                }
                open.removeLast()
                if open.isEmpty {
                    return try reader.source.slice(bodyStart..<(reader.offset - 1 - Self.tagSize(inner)))
                }
            }
        }
        return try reader.source.slice(bodyStart..<reader.offset)
    }

    /// Bytes a tag of `number` takes on the wire, minus one (the last byte is counted by the caller).
    static func tagSize(_ number: Int) -> Int {
        var value = UInt64(number) << 3
        var size = 0
        while value >= 0x80 { value >>= 7; size += 1 }
        return size
    }

    /// Runs a read on the underlying cursor, turning `ByteError` into `ProtobufError.truncated`.
    private mutating func guarded<T>(_ body: (inout ByteReader) throws -> T) throws -> T {
        let start = absoluteOffset
        do { return try body(&reader) } catch {
            throw ProtobufError(.truncated, at: start, "field runs past the end of its message")
        }
    }
}
