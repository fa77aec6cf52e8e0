import VetBytes

/// Why a FlatBuffer could not be read.
public struct FlatBufferError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Absolute byte offset where the bad value sits.
    public var offset: Int
    /// A sentence for a person.
    public var message: String

    /// Creates an error.
    public init(at offset: Int, _ message: String) {
        self.offset = offset
        self.message = message
    }

    public var description: String { "\(message) at offset \(offset)" }
}

/// A bounds-checked FlatBuffers reader: every offset, vtable and vector is checked against the
/// buffer before it is followed, and element counts against a budget.
public struct FlatBufferReader: Sendable {
    /// The whole buffer.
    public let source: ByteSource

    /// Creates a reader over `source`.
    public init(_ source: ByteSource) { self.source = source }

    func load<T: FixedWidthInteger>(_: T.Type, at offset: Int) throws -> T {
        let size = MemoryLayout<T>.size
        guard offset >= 0, offset <= source.count - size else {
            throw FlatBufferError(at: offset, "read of \(size) byte(s) runs past the end of the buffer (\(source.count) bytes)")
        }
        var reader = source.reader()
        try reader.seek(to: offset)
        switch size {
        case 1: return T(truncatingIfNeeded: try reader.u8())
        case 2: return T(truncatingIfNeeded: try reader.u16le())
        case 4: return T(truncatingIfNeeded: try reader.u32le())
        default: return T(truncatingIfNeeded: try reader.u64le())
        }
    }

    /// Follows the unsigned offset stored at `offset` (relative to itself).
    func follow(_ offset: Int) throws -> Int {
        let relative = Int(try load(UInt32.self, at: offset))
        let target = offset + relative
        guard target < source.count else {
            throw FlatBufferError(at: offset, "offset \(relative) points past the end of the buffer")
        }
        return target
    }

    /// The root table, whose offset is the buffer's first four bytes.
    /// - Throws: `FlatBufferError` when the root or its vtable is out of bounds.
    public func root() throws -> FlatTable { try table(at: try follow(0)) }

    /// The 4-byte file identifier at bytes 4..<8, when present.
    public var fileIdentifier: String? {
        let bytes = source.prefixBytes(from: 4, length: 4)
        guard bytes.count == 4, bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The table at `position`, with its vtable checked.
    func table(at position: Int) throws -> FlatTable {
        let relative = Int(try load(Int32.self, at: position))
        let vtable = position - relative
        let vtableSize = Int(try load(UInt16.self, at: vtable))
        let tableSize = Int(try load(UInt16.self, at: vtable + 2))
        guard vtableSize >= 4, vtableSize % 2 == 0, vtable + vtableSize <= source.count else {
            throw FlatBufferError(at: position, "vtable of \(vtableSize) bytes at \(vtable) is invalid")
        }
        guard tableSize >= 4, position + tableSize <= source.count else {
            throw FlatBufferError(at: position, "table of \(tableSize) bytes runs past the end of the buffer")
        }
        return FlatTable(buffer: self, position: position, vtable: vtable, vtableSize: vtableSize, tableSize: tableSize)
    }

    /// The vector whose offset is stored at `offset`: its first element's position and its count.
    func vector(at offset: Int, elementSize: Int) throws -> (start: Int, count: Int) {
        let position = try follow(offset)
        let count = Int(try load(UInt32.self, at: position))
        let start = position + 4
        let (bytes, overflow) = count.multipliedReportingOverflow(by: elementSize)
        guard !overflow, bytes <= source.count - start else {
            throw FlatBufferError(at: position, "vector of \(count) element(s) runs past the end of the buffer")
        }
        return (start, count)
    }
}

/// One table of a FlatBuffer; fields are read by slot (their index in the schema).
public struct FlatTable: Sendable {
    let buffer: FlatBufferReader
    /// Absolute position of the table.
    public let position: Int
    let vtable: Int
    let vtableSize: Int
    let tableSize: Int

    /// The absolute position of field `slot`, or `nil` when the field is absent.
    func field(_ slot: Int) throws -> Int? {
        let entry = 4 + 2 * slot
        guard entry + 2 <= vtableSize else { return nil }
        let relative = Int(try buffer.load(UInt16.self, at: vtable + entry))
        guard relative != 0 else { return nil }
        guard relative < tableSize else {
            throw FlatBufferError(at: vtable + entry, "field \(slot) at \(relative) lies outside its \(tableSize)-byte table")
        }
        return position + relative
    }

    /// An integer scalar field, or `fallback` when absent.
    public func scalar<T: FixedWidthInteger>(_ slot: Int, _ fallback: T) throws -> T {
        guard let at = try field(slot) else { return fallback }
        guard at + MemoryLayout<T>.size <= position + tableSize else {
            throw FlatBufferError(at: at, "field \(slot) runs past the end of its table")
        }
        return try buffer.load(T.self, at: at)
    }

    /// A string field, decoded as UTF-8 (at most `limit` bytes), or `nil` when absent.
    public func string(_ slot: Int, limit: Int = 1 << 16) throws -> String? {
        guard let at = try field(slot) else { return nil }
        let (start, count) = try buffer.vector(at: at, elementSize: 1)
        let bytes = buffer.source.clampedSlice(from: start, length: min(count, limit))
        return bytes.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// A sub-table field, or `nil` when absent.
    public func table(_ slot: Int) throws -> FlatTable? {
        guard let at = try field(slot) else { return nil }
        return try buffer.table(at: try buffer.follow(at))
    }

    /// The element count of a vector field (0 when absent), checked against the buffer.
    public func vectorCount(_ slot: Int, elementSize: Int) throws -> Int {
        guard let at = try field(slot) else { return 0 }
        return try buffer.vector(at: at, elementSize: elementSize).count
    }

    /// The tables of a vector-of-tables field (empty when absent), at most `limit` of them.
    /// - Throws: `FlatBufferError` when the vector or a table is out of bounds or exceeds `limit`.
    public func tables(_ slot: Int, limit: Int) throws -> [FlatTable] {
        guard let at = try field(slot) else { return [] }
        let (start, count) = try buffer.vector(at: at, elementSize: 4)
        guard count <= limit else { throw FlatBufferError(at: at, "vector of \(count) tables exceeds the limit of \(limit)") }
        return try (0..<count).map { try buffer.table(at: try buffer.follow(start + 4 * $0)) }
    }
}
