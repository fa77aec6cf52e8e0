/// An immutable, cheaply sliceable view of bytes from a file map or a heap buffer.
///
/// Offsets given to a `ByteSource` are relative to its own start; slicing never copies.
public struct ByteSource: Sendable {
    let storage: ByteStorage
    let start: Int
    /// The number of bytes in this view.
    public let count: Int

    /// Creates a view over a heap copy of `bytes`.
    public init<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        storage = ByteStorage(copying: bytes)
        start = 0
        count = storage.count
    }

    init(storage: ByteStorage, start: Int, count: Int) {
        self.storage = storage
        self.start = start
        self.count = count
    }

    /// Memory-maps the file at `path`.
    /// - Throws: `ByteError.io` when the file cannot be opened or mapped.
    public static func mapFile(atPath path: String) throws -> ByteSource {
        let storage = try ByteStorage.map(path: path)
        return ByteSource(storage: storage, start: 0, count: storage.count)
    }

    /// Whether the view holds no bytes.
    public var isEmpty: Bool { count == 0 }

    /// Returns the sub-view `range`, throwing when it leaves this view.
    public func slice(_ range: Range<Int>) throws -> ByteSource {
        guard range.lowerBound >= 0, range.upperBound <= count else {
            throw ByteError.outOfBounds(offset: range.lowerBound, needed: range.count, available: count)
        }
        return ByteSource(storage: storage, start: start + range.lowerBound, count: range.count)
    }

    /// Returns the sub-view from `offset` of at most `length` bytes, clamped to this view.
    public func clampedSlice(from offset: Int, length: Int) -> ByteSource {
        let lower = min(max(offset, 0), count)
        let upper = lower + min(max(length, 0), count - lower)
        return ByteSource(storage: storage, start: start + lower, count: upper - lower)
    }

    /// Returns the sub-view `range`, clamped to this view.
    public func clampedSlice(_ range: Range<Int>) -> ByteSource {
        clampedSlice(from: range.lowerBound, length: range.count)
    }

    /// The first byte of the view, valid while this view (or any copy) is alive; `nil` when empty.
    /// Only `ByteReader` uses it, after its own bounds check.
    var baseAddress: UnsafeRawPointer? { storage.base.map { $0 + start } }

    /// The byte at `offset`, or `nil` outside the view.
    public func byte(at offset: Int) -> UInt8? {
        guard offset >= 0, offset < count, let base = storage.base else { return nil }
        return base.load(fromByteOffset: start + offset, as: UInt8.self)
    }

    /// Calls `body` with the view's bytes; the pointer must not escape.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        guard let base = storage.base else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        return try body(UnsafeRawBufferPointer(start: base + start, count: count))
    }

    /// Copies bytes `range` out, throwing when the range leaves the view.
    public func bytes(_ range: Range<Int>) throws -> [UInt8] {
        let sub = try slice(range)
        return sub.withUnsafeBytes { Array($0) }
    }

    /// Copies at most `length` bytes starting at `offset` (clamped), for previews and sniffing.
    public func prefixBytes(from offset: Int = 0, length: Int) -> [UInt8] {
        clampedSlice(from: offset, length: length).withUnsafeBytes { Array($0) }
    }

    /// Drops this view's pages of a file map from the process's resident memory; they are read
    /// back from the page cache if touched again. Does nothing for heap bytes, where dropping
    /// pages would lose data. Scanners call it after a region is done so that resident memory
    /// stays flat however large the file is.
    public func releaseResidentPages() {
        guard storage.isFileMap, let base = storage.base, count > 0 else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let from = (start + page - 1) / page * page
        let to = (start + count) / page * page
        guard to > from else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base + from), to - from, Int32(MADV_DONTNEED))
    }

    /// Drops the pages holding bytes `range` of this view (rounded out to whole pages) from
    /// resident memory, for small structures read at scattered offsets of a large file map.
    /// Does nothing for heap bytes.
    public func releaseResidentPages(around range: Range<Int>) {
        guard storage.isFileMap, let base = storage.base, !range.isEmpty else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let lower = min(max(start + range.lowerBound, 0), storage.count)
        let upper = min(max(start + range.upperBound, 0), storage.count)
        let from = lower / page * page
        let to = min((upper + page - 1) / page * page, (storage.count + page - 1) / page * page)
        guard to > from else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base + from), to - from, Int32(MADV_DONTNEED))
    }

    /// A reader positioned at the start of this view.
    public func reader() -> ByteReader { ByteReader(self) }

    /// The offset of the first occurrence of `needle` at or after `from`, or `nil`.
    public func firstIndex(of needle: [UInt8], from: Int = 0) -> Int? {
        guard let first = needle.first, needle.count <= count else { return nil }
        return withUnsafeBytes { buffer -> Int? in
            guard let base = buffer.baseAddress else { return nil }
            var position = max(from, 0)
            let last = count - needle.count
            while position <= last {
                guard let hit = memchr(base + position, Int32(first), last - position + 1) else { return nil }
                let index = base.distance(to: UnsafeRawPointer(hit))
                if needle.count == 1 || memcmp(base + index, needle, needle.count) == 0 { return index }
                position = index + 1
            }
            return nil
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
