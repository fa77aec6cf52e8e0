import VetBytes

/// The element type of an attribute, as far as this reader interprets it.
public indirect enum HDF5Datatype: Sendable, Equatable {
    /// An integer of `size` bytes.
    case integer(size: Int, signed: Bool, bigEndian: Bool)
    /// An IEEE float of `size` bytes.
    case float(size: Int, bigEndian: Bool)
    /// A fixed-length string of `size` bytes; `padding` 0 null-terminated, 1 null-padded, 2 space-padded.
    case fixedString(size: Int, padding: Int)
    /// A variable-length string kept in the global heap.
    case variableString
    /// A variable-length sequence of `base` kept in the global heap.
    case variableSequence(base: HDF5Datatype, size: Int)
    /// Any other class (compound, enum, array, reference, opaque, bitfield, time), kept as raw bytes.
    case other(typeClass: Int, size: Int)

    /// Bytes one element occupies in an attribute's data.
    public var size: Int {
        switch self {
        case let .integer(size, _, _), let .float(size, _), let .fixedString(size, _),
             let .variableSequence(_, size), let .other(_, size): size
        case .variableString: 16
        }
    }

    /// Parses a datatype message body.
    /// - Parameters:
    ///   - reader: Positioned at the message; left after the properties this reader understands.
    ///   - depth: Remaining nesting allowed for variable-length base types.
    static func parse(_ reader: inout ByteReader, depth: Int) throws -> HDF5Datatype {
        let start = reader.offset
        guard depth > 0 else { throw HDF5Error(.limit, "datatype nested too deeply", at: start) }
        let classAndVersion = try reader.u8()
        let bits0 = try reader.u8()
        try reader.skip(2) // the rest of the class bit field
        let size = try Checked.int(try reader.u32le(), "datatype size")
        let typeClass = Int(classAndVersion & 0x0F)
        switch typeClass {
        case 0:
            try reader.skip(4) // bit offset and precision
            return .integer(size: size, signed: bits0 & 0x08 != 0, bigEndian: bits0 & 0x01 != 0)
        case 1:
            try reader.skip(12) // bit layout of sign, exponent and mantissa
            return .float(size: size, bigEndian: bits0 & 0x01 != 0)
        case 3:
            return .fixedString(size: size, padding: Int(bits0 & 0x0F))
        case 9:
            let base = try parse(&reader, depth: depth - 1)
            if bits0 & 0x0F == 1 { return .variableString }
            return .variableSequence(base: base, size: size)
        default:
            return .other(typeClass: typeClass, size: size)
        }
    }
}

/// The shape of an attribute: scalar, simple with dimensions, or null (no elements).
public enum HDF5Dataspace: Sendable, Equatable {
    /// One element.
    case scalar
    /// An array of the given dimensions.
    case simple([Int])
    /// No elements.
    case null

    /// The dimensions (empty for scalar and null).
    public var dimensions: [Int] {
        if case let .simple(dimensions) = self { dimensions } else { [] }
    }

    /// Parses a dataspace message body.
    static func parse(_ reader: inout ByteReader, lengthSize: Int) throws -> HDF5Dataspace {
        let start = reader.offset
        let version = try reader.u8()
        let rank = Int(try reader.u8())
        let flags = try reader.u8()
        var kind: UInt8 = rank == 0 ? 0 : 1
        switch version {
        case 1: try reader.skip(5)
        case 2: kind = try reader.u8()
        default: throw HDF5Error(.malformed, "dataspace version \(version)", at: start)
        }
        guard rank <= 32 else { throw HDF5Error(.malformed, "dataspace of rank \(rank)", at: start) }
        var dimensions: [Int] = []
        for _ in 0..<rank { dimensions.append(try Checked.int(try reader.hdf5Unsigned(lengthSize), "dimension")) }
        if flags & 0x01 != 0 { try reader.skip(try Checked.multiply(rank, lengthSize)) } // maximum dimensions
        switch kind {
        case 0: return .scalar
        case 1: return .simple(dimensions)
        case 2: return .null
        default: throw HDF5Error(.malformed, "dataspace type \(kind)", at: start)
        }
    }

    /// The number of elements, checked against `limit`.
    func elementCount(limit: Int, at offset: Int) throws -> Int {
        switch self {
        case .null: return 0
        case .scalar: return 1
        case let .simple(dimensions):
            var count = 1
            for dimension in dimensions {
                count = try Checked.multiply(count, dimension, "element count")
                guard count <= limit else {
                    throw HDF5Error(.limit, "attribute has more than \(limit) elements", at: offset)
                }
            }
            return count
        }
    }
}
