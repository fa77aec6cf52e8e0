/// A FlatBuffers value to serialise with `FlatBufferWriter`.
public indirect enum FlatValue: Sendable {
    /// A table whose fields are given by slot; `nil` leaves a slot absent.
    case table([FlatField?])
    /// A string.
    case string(String)
    /// A vector of tables (or strings).
    case vector([FlatValue])
    /// A vector of bytes.
    case bytes([UInt8])
    /// A vector of 32-bit integers.
    case int32s([Int32])
}

/// A table field: an inline scalar or a reference to another value.
public enum FlatField: Sendable {
    /// A `byte`.
    case int8(Int8)
    /// A `ubyte`.
    case uint8(UInt8)
    /// An `int`.
    case int32(Int32)
    /// A `uint`.
    case uint32(UInt32)
    /// A `ulong`.
    case uint64(UInt64)
    /// An offset to a string, vector or table.
    case ref(FlatValue)
}

/// Writes FlatBuffers front to back (children after parents, so every offset points forward), for
/// test fixtures and rule examples; it does not try to match `flatc`'s layout byte for byte.
public struct FlatBufferWriter {
    private var bytes: [UInt8] = []
    private var patches: [(at: Int, value: FlatValue)] = []

    /// Serialises `root` with the 4-byte file `identifier` (e.g. `TFL3`).
    public static func build(_ root: FlatValue, identifier: String) -> [UInt8] {
        var writer = FlatBufferWriter()
        writer.bytes = [0, 0, 0, 0] + Array(identifier.utf8.prefix(4))
        let position = writer.emit(root)
        writer.patch(at: 0, to: position)
        return writer.bytes
    }

    private mutating func align() { while bytes.count % 4 != 0 { bytes.append(0) } }

    private mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }

    private mutating func patch(at offset: Int, to target: Int) {
        let relative = UInt32(truncatingIfNeeded: target - offset)
        for index in 0..<4 { bytes[offset + index] = UInt8(truncatingIfNeeded: relative >> (8 * UInt32(index))) }
    }

    private mutating func placeholder(for value: FlatValue) -> (Int, FlatValue) {
        let at = bytes.count
        append(UInt32(0))
        return (at, value)
    }

    private mutating func emit(_ value: FlatValue) -> Int {
        align()
        switch value {
        case let .table(fields): return emitTable(fields)
        case let .string(text):
            let position = bytes.count
            append(UInt32(text.utf8.count))
            bytes += Array(text.utf8) + [0]
            return position
        case let .bytes(data):
            let position = bytes.count
            append(UInt32(data.count))
            bytes += data
            return position
        case let .int32s(values):
            let position = bytes.count
            append(UInt32(values.count))
            for item in values { append(item) }
            return position
        case let .vector(items):
            let position = bytes.count
            append(UInt32(items.count))
            let slots = items.map { placeholder(for: $0) }
            for (at, item) in slots { patch(at: at, to: emit(item)) }
            return position
        }
    }

    private mutating func emitTable(_ fields: [FlatField?]) -> Int {
        let sizes = fields.map { field -> Int in
            switch field {
            case .none: 0
            case .int8, .uint8: 1
            case .int32, .uint32, .ref: 4
            case .uint64: 8
            }
        }
        let vtable = bytes.count
        append(UInt16(4 + 2 * fields.count))
        append(UInt16(4 + sizes.reduce(0, +)))
        var offset = 4
        for size in sizes {
            append(UInt16(size == 0 ? 0 : offset))
            offset += size
        }
        align()
        let table = bytes.count
        append(Int32(table - vtable))
        var children: [(Int, FlatValue)] = []
        for field in fields {
            switch field {
            case .none: break
            case let .int8(v): append(v)
            case let .uint8(v): append(v)
            case let .int32(v): append(v)
            case let .uint32(v): append(v)
            case let .uint64(v): append(v)
            case let .ref(child): children.append(placeholder(for: child))
            }
        }
        for (at, child) in children { patch(at: at, to: emit(child)) }
        return table
    }
}
