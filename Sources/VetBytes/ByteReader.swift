#if canImport(Glibc)
import Glibc
#endif
/// A bounds-checked cursor over a `ByteSource`.
///
/// Every read checks the remaining length and throws `ByteError.outOfBounds` instead of trapping.
/// A reader made by `subReader` cannot move outside the slice it was given.
// The cached pointer refers to immutable bytes kept alive by `source`, so sharing is safe.
public struct ByteReader: @unchecked Sendable {
    /// The bytes this reader walks.
    public let source: ByteSource
    /// The offset of the next byte to read, relative to `source`.
    @inlinable public var offset: Int { position }
    /// Storage for `offset`; only this file's bounds-checked methods move it.
    @usableFromInline var position: Int = 0

    // The hot reads below are inlinable so parsers in other modules compile them in place;
    // these two stored values are what they need.
    /// Cached start of `source`; `source` is stored too, which keeps the memory alive.
    @usableFromInline let base: UnsafeRawPointer?
    /// Cached `source.count`.
    @usableFromInline let end: Int

    /// Creates a reader at the start of `source`.
    public init(_ source: ByteSource) {
        self.source = source
        base = source.baseAddress
        end = source.count
    }

    /// Bytes left after the cursor.
    @inlinable public var remaining: Int { end - position }
    /// Whether the cursor is at the end.
    @inlinable public var isAtEnd: Bool { position >= end }

    @inlinable @inline(__always)
    func check(_ n: Int) throws {
        guard n >= 0, n <= end - position else {
            throw ByteError.outOfBounds(offset: position, needed: n, available: end)
        }
    }

    /// Moves the cursor to `position`, which may equal the end.
    public mutating func seek(to position: Int) throws {
        guard position >= 0, position <= source.count else {
            throw ByteError.outOfBounds(offset: position, needed: 0, available: source.count)
        }
        self.position = position
    }

    /// Advances the cursor by `n` bytes.
    public mutating func skip(_ n: Int) throws {
        try check(n)
        position += n
    }

    /// Reads one byte.
    @inlinable public mutating func u8() throws -> UInt8 {
        try check(1)
        guard let base else { return 0 }
        defer { position += 1 }
        return base.load(fromByteOffset: position, as: UInt8.self)
    }

    /// The next byte without consuming it, or `nil` at the end.
    public func peek() -> UInt8? { source.byte(at: position) }

    @inlinable @inline(__always)
    mutating func littleEndian<T: FixedWidthInteger>(_: T.Type) throws -> T {
        let size = MemoryLayout<T>.size
        try check(size)
        guard let base else { return 0 }
        let value = base.loadUnaligned(fromByteOffset: position, as: T.self)
        position += size
        return T(littleEndian: value)
    }

    /// Reads a little-endian `UInt16`.
    @inlinable public mutating func u16le() throws -> UInt16 { try littleEndian(UInt16.self) }
    /// Reads a little-endian `UInt32`.
    @inlinable public mutating func u32le() throws -> UInt32 { try littleEndian(UInt32.self) }
    /// Reads a little-endian `UInt64`.
    @inlinable public mutating func u64le() throws -> UInt64 { try littleEndian(UInt64.self) }
    /// Reads a little-endian `Int32`.
    @inlinable public mutating func i32le() throws -> Int32 { try littleEndian(Int32.self) }
    /// Reads a little-endian `Int64`.
    @inlinable public mutating func i64le() throws -> Int64 { try littleEndian(Int64.self) }
    /// Reads a big-endian `UInt64` (pickle's BINFLOAT).
    @inlinable public mutating func u64be() throws -> UInt64 { UInt64(bigEndian: UInt64(littleEndian: try u64le())) }

    /// Reads `n` bytes as a zero-copy view.
    public mutating func view(_ n: Int) throws -> ByteSource {
        try check(n)
        defer { position += n }
        return try source.slice(position..<(position + n))
    }

    /// Reads `n` bytes into an array.
    public mutating func bytes(_ n: Int) throws -> [UInt8] {
        try view(n).withUnsafeBytes { Array($0) }
    }

    /// A reader confined to the next `n` bytes; this reader advances past them.
    public mutating func subReader(_ n: Int) throws -> ByteReader {
        ByteReader(try view(n))
    }

    /// Reads up to and including the next `\n` (at most `limit` bytes) and returns the line without it.
    /// - Throws: `ByteError.outOfBounds` when no newline appears within the limit or the data.
    public mutating func line(limit: Int) throws -> ByteSource {
        let range = try lineRange(limit: limit)
        return try source.slice(range)
    }

    /// Like `line(limit:)`, but returns where the line is (without its `\n`) instead of a view.
    public mutating func lineRange(limit: Int) throws -> Range<Int> {
        let window = min(max(limit, 0), end - position)
        guard let base, window > 0, let hit = memchr(base + position, 0x0A, window) else {
            throw ByteError.outOfBounds(offset: position, needed: window + 1, available: end)
        }
        let lineEnd = base.distance(to: UnsafeRawPointer(hit))
        let range = position..<lineEnd
        position = lineEnd + 1
        return range
    }
}
