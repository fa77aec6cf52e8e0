import VetBytes

/// The decoded value of an attribute.
public enum HDF5Value: Sendable, Equatable {
    /// Strings, fixed- or variable-length (one element for a scalar).
    case strings([String])
    /// Signed integers.
    case integers([Int64])
    /// Unsigned integers.
    case unsignedIntegers([UInt64])
    /// Floating-point numbers.
    case floats([Double])
    /// Raw element bytes of any type this reader does not decode (compound, enum, half floats, …).
    case bytes([UInt8])

    /// The single string of a scalar (or one-element) string attribute, or `nil`.
    public var string: String? {
        if case let .strings(values) = self, values.count == 1 { values[0] } else { nil }
    }
}

/// One attribute of an HDF5 object.
public struct HDF5Attribute: Sendable, Equatable {
    /// Its name.
    public var name: String
    /// Its element type.
    public var datatype: HDF5Datatype
    /// Its shape.
    public var dataspace: HDF5Dataspace
    /// Its value.
    public var value: HDF5Value
    /// Absolute offset of the attribute message in the file.
    public var offset: Int
}

extension HDF5File {
    /// Decodes an attribute message (versions 1–3).
    /// - Parameter budget: Bytes of values still allowed for the object; charged here.
    func attribute(from message: HDF5Message, budget: inout Int, heaps: inout HDF5GlobalHeapCache) throws -> HDF5Attribute {
        var reader = message.data.reader()
        let version = try reader.u8()
        let flags = try reader.u8()
        let nameSize = Int(try reader.u16le())
        let datatypeSize = Int(try reader.u16le())
        let dataspaceSize = Int(try reader.u16le())
        guard (1...3).contains(version) else {
            throw HDF5Error(.malformed, "attribute message version \(version)", at: message.offset)
        }
        guard version == 1 || flags & 0x03 == 0 else {
            throw HDF5Error(.unsupported, "attribute with a shared datatype or dataspace", at: message.offset)
        }
        if version == 3 { try reader.skip(1) } // name character set
        let padded: (Int) -> Int = { version == 1 ? ($0 + 7) & ~7 : $0 }
        let nameBytes = try reader.view(padded(nameSize)).prefixBytes(length: nameSize)
        let name = String(decoding: nameBytes.prefix { $0 != 0 }, as: UTF8.self)
        var datatypeReader = try reader.view(padded(datatypeSize)).reader()
        let datatype = try HDF5Datatype.parse(&datatypeReader, depth: limits.maxDepth)
        var dataspaceReader = try reader.view(padded(dataspaceSize)).reader()
        let dataspace = try HDF5Dataspace.parse(&dataspaceReader, lengthSize: superblock.lengthSize)
        let count = try dataspace.elementCount(limit: limits.maxElements, at: message.offset)
        let needed = try Checked.multiply(count, datatype.size, "attribute data size")
        guard needed <= reader.remaining else {
            throw HDF5Error(.malformed, "attribute \(name) needs \(needed) data bytes, message holds \(reader.remaining)",
                            at: message.offset)
        }
        let data = try reader.view(needed)
        let value = try decode(data, count: count, as: datatype, budget: &budget, heaps: &heaps, at: message.offset)
        return HDF5Attribute(name: name, datatype: datatype, dataspace: dataspace, value: value, offset: message.offset)
    }

    private func decode(_ data: ByteSource, count: Int, as datatype: HDF5Datatype, budget: inout Int,
                        heaps: inout HDF5GlobalHeapCache, at offset: Int) throws -> HDF5Value {
        var reader = data.reader()
        switch datatype {
        case let .integer(size, signed, bigEndian) where [1, 2, 4, 8].contains(size):
            var raw: [UInt64] = []
            for _ in 0..<count {
                var value = try reader.hdf5Unsigned(size)
                if bigEndian { value = value.byteSwapped >> UInt64(64 - 8 * size) }
                raw.append(value)
            }
            guard signed else { return .unsignedIntegers(raw) }
            let shift = UInt64(64 - 8 * size)
            return .integers(raw.map { Int64(bitPattern: $0 << shift) >> Int64(shift) })
        case let .float(size, bigEndian) where size == 4 || size == 8:
            var values: [Double] = []
            for _ in 0..<count {
                var bits = try reader.hdf5Unsigned(size)
                if bigEndian { bits = bits.byteSwapped >> UInt64(64 - 8 * size) }
                values.append(size == 4 ? Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits))) : Double(bitPattern: bits))
            }
            return .floats(values)
        case let .fixedString(size, padding):
            try charge(&budget, Checked.multiply(count, size), at: offset)
            var values: [String] = []
            for _ in 0..<count { values.append(Self.string(from: try reader.bytes(size), padding: padding)) }
            return .strings(values)
        case .variableString:
            var values: [String] = []
            for _ in 0..<count {
                let length = try Checked.int(try reader.u32le(), "string length")
                let collection = try reader.hdf5Unsigned(superblock.offsetSize)
                let index = try reader.u32le()
                if length == 0 && (collection == 0 || superblock.isUndefined(collection)) { values.append(""); continue }
                try charge(&budget, length, at: offset)
                let object = try heaps.object(index, inCollection: collection, of: self, at: offset)
                guard length <= object.count else {
                    throw HDF5Error(.malformed, "string of \(length) bytes in a heap object of \(object.count)", at: offset)
                }
                values.append(String(decoding: try object.bytes(0..<length).prefix { $0 != 0 }, as: UTF8.self))
            }
            return .strings(values)
        default:
            try charge(&budget, data.count, at: offset)
            return .bytes(try reader.bytes(data.count))
        }
    }

    private func charge(_ budget: inout Int, _ bytes: Int, at offset: Int) throws {
        guard bytes <= budget else {
            throw HDF5Error(.limit, "attribute values exceed \(limits.maxValueBytes) bytes", at: offset)
        }
        budget -= bytes
    }

    static func string(from bytes: [UInt8], padding: Int) -> String {
        var end = bytes.count
        if padding == 2 {
            while end > 0, bytes[end - 1] == 0x20 || bytes[end - 1] == 0 { end -= 1 }
        } else {
            end = bytes.firstIndex(of: 0) ?? bytes.count
        }
        return String(decoding: bytes[0..<end], as: UTF8.self)
    }
}
