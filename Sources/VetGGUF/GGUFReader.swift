import VetBytes

/// Bounds- and limit-checked reads of GGUF's primitive encodings (little or big endian, v1 or later).
struct GGUFReader {
    var reader: ByteReader
    let limits: GGUFFile.Limits
    var bigEndian = false
    var version: UInt32 = 3

    struct Failure: Error {
        var kind: GGUFAnomalyKind
        var message: String
        var offset: Int
    }

    init(reader: ByteReader, limits: GGUFFile.Limits) {
        self.reader = reader
        self.limits = limits
    }

    var offset: Int { reader.offset }

    func failure(_ kind: GGUFAnomalyKind, _ message: String, at offset: Int? = nil) -> Failure {
        Failure(kind: kind, message: message, offset: offset ?? reader.offset)
    }

    mutating func bytes(_ n: Int) throws -> [UInt8] { try reader.bytes(n) }
    mutating func u8() throws -> UInt8 { try reader.u8() }
    mutating func u16() throws -> UInt16 { let v = try reader.u16le(); return bigEndian ? v.byteSwapped : v }
    mutating func u32() throws -> UInt32 { let v = try reader.u32le(); return bigEndian ? v.byteSwapped : v }
    mutating func u64() throws -> UInt64 { let v = try reader.u64le(); return bigEndian ? v.byteSwapped : v }

    /// A count or length: 32-bit in version 1, 64-bit later.
    mutating func length() throws -> UInt64 { version == 1 ? UInt64(try u32()) : try u64() }

    /// A tensor or metadata count, checked against the limit and what the file could hold.
    mutating func count(_ what: String) throws -> Int {
        let start = offset
        let raw = try length()
        guard let n = Int(exactly: raw), n <= limits.maxCount else {
            throw failure(.resourceLimit, "\(what) \(raw) exceeds the limit of \(limits.maxCount)", at: start)
        }
        // Every record takes at least 8 bytes, so a count beyond remaining/8 is a lie.
        guard n <= reader.remaining / 8 + 1 else {
            throw failure(.malformed, "\(what) \(n) cannot fit in the \(reader.remaining) bytes left", at: start)
        }
        return n
    }

    mutating func string() throws -> String {
        let start = offset
        let raw = try length()
        guard let n = Int(exactly: raw), n <= limits.maxStringLength else {
            throw failure(.resourceLimit, "string length \(raw) exceeds the limit of \(limits.maxStringLength)", at: start)
        }
        guard n <= reader.remaining else {
            throw failure(.malformed, "string of \(n) bytes runs past the end of the file", at: start)
        }
        let view = try reader.view(n)
        return view.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
    }

    mutating func valueType() throws -> GGUFValueType {
        let start = offset
        let raw = try u32()
        guard let type = GGUFValueType(rawValue: raw) else { throw failure(.malformed, "unknown metadata value type \(raw)", at: start) }
        return type
    }

    mutating func value(of type: GGUFValueType, depth: Int) throws -> GGUFValue {
        switch type {
        case .uint8: return .uint(UInt64(try u8()), type)
        case .int8: return .int(Int64(Int8(bitPattern: try u8())), type)
        case .uint16: return .uint(UInt64(try u16()), type)
        case .int16: return .int(Int64(Int16(bitPattern: try u16())), type)
        case .uint32: return .uint(UInt64(try u32()), type)
        case .int32: return .int(Int64(Int32(bitPattern: try u32())), type)
        case .uint64: return .uint(try u64(), type)
        case .int64: return .int(Int64(bitPattern: try u64()), type)
        case .float32: return .float(Double(Float(bitPattern: try u32())), type)
        case .float64: return .float(Double(bitPattern: try u64()), type)
        case .bool:
            let start = offset
            let b = try u8()
            guard b <= 1 else { throw failure(.malformed, "boolean byte \(b) is neither 0 nor 1", at: start) }
            return .bool(b == 1)
        case .string: return .string(try string())
        case .array:
            let start = offset
            guard depth < limits.maxArrayDepth else {
                throw failure(.resourceLimit, "arrays nested deeper than \(limits.maxArrayDepth)", at: start)
            }
            let elementType = try valueType()
            let raw = try length()
            guard let n = Int(exactly: raw), n <= limits.maxArrayLength else {
                throw failure(.resourceLimit, "array of \(raw) elements exceeds the limit of \(limits.maxArrayLength)", at: start)
            }
            let minimum = elementType.fixedSize ?? (version == 1 ? 4 : 8)
            guard n <= reader.remaining / minimum else {
                throw failure(.malformed, "array of \(n) elements cannot fit in the \(reader.remaining) bytes left", at: start)
            }
            var items: [GGUFValue] = []
            items.reserveCapacity(n)
            for _ in 0..<n { items.append(try value(of: elementType, depth: depth + 1)) }
            return .array(elementType, items)
        }
    }
}
