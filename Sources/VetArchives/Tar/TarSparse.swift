import VetBytes

/// How a GNU sparse member's stored bytes map onto the file it stands for: stored chunks placed
/// at offsets of a file of `realSize` bytes, the rest holes of zeros.
///
/// Python's tarfile (which `torch.load` uses for legacy tar checkpoints) reads four encodings: the
/// old GNU `S` type with its map in the header and extension blocks, and pax formats 0.0
/// (`GNU.sparse.offset`/`numbytes` records), 0.1 (`GNU.sparse.map`) and 1.0 (the map at the start
/// of the data). A scanner that reads the stored bytes as the member's content sees something
/// other than what the loader reads.
public struct TarSparseMap: Sendable, Hashable {
    /// One stored chunk and where it goes.
    public struct Chunk: Sendable, Hashable {
        /// Offset in the logical file.
        public var offset: Int
        /// Length in bytes.
        public var length: Int

        /// Creates a chunk.
        public init(offset: Int, length: Int) {
            self.offset = offset
            self.length = length
        }
    }

    /// Which encoding the map came in (`gnu`, `pax 0.0`, `pax 0.1`, `pax 1.0`).
    public var format: String
    /// Size of the logical file.
    public var realSize: Int
    /// The chunks, in map order.
    public var chunks: [Chunk]

    /// Creates a map.
    public init(format: String, realSize: Int, chunks: [Chunk]) {
        self.format = format
        self.realSize = realSize
        self.chunks = chunks
    }

    /// Most map entries accepted (real sparse files have a few).
    static let maxChunks = 100_000

    /// Whether the map is what a writer produces: ordered, non-overlapping chunks inside the file.
    public var isOrdinary: Bool {
        var end = 0
        for chunk in chunks {
            guard chunk.offset >= end, chunk.length >= 0 else { return false }
            end = chunk.offset &+ chunk.length
        }
        return end <= realSize
    }

    /// Stored bytes the map consumes.
    public var storedLength: Int { chunks.reduce(0) { $0 &+ $1.length } }

    /// The file `tar.extract` writes (used by `torch.load` for `storages` and `tensors`): each
    /// chunk's next stored bytes written at its offset in map order, later chunks overwriting
    /// earlier ones, cut or padded with zeros to `realSize`.
    public func extractedView(stored: ByteSource) -> [UInt8] {
        var file = [UInt8](repeating: 0, count: realSize)
        var cursor = 0
        stored.withUnsafeBytes { bytes in
            for chunk in chunks where chunk.length > 0 {
                let available = max(0, min(chunk.length, bytes.count - cursor))
                let writable = max(0, min(available, realSize - chunk.offset))
                if writable > 0, chunk.offset >= 0 {
                    for k in 0..<writable { file[chunk.offset + k] = bytes[cursor + k] }
                }
                cursor += chunk.length
                if cursor >= bytes.count { break }
            }
        }
        return file
    }

    /// The bytes `tar.extractfile` returns (used by `torch.load` for `pickle`): tarfile's
    /// `_FileInFile`, which builds hole and data entries from the map and, for each position,
    /// reads from the first entry (searching on from the last one used) that covers it. Data
    /// entries read the archive from the member's data start on, past the member's own stored
    /// bytes if the map says so.
    public func readView(archive: ByteSource, dataStart: Int) -> [UInt8] {
        struct Entry { var isData: Bool; var start: Int; var stop: Int; var archiveOffset: Int }
        var entries: [Entry] = []
        var lastPosition = 0
        var archivePosition = dataStart
        for chunk in chunks {
            if chunk.offset > lastPosition { entries.append(Entry(isData: false, start: lastPosition, stop: chunk.offset, archiveOffset: 0)) }
            entries.append(Entry(isData: true, start: chunk.offset, stop: chunk.offset &+ chunk.length, archiveOffset: archivePosition))
            archivePosition = archivePosition &+ chunk.length
            lastPosition = chunk.offset &+ chunk.length
        }
        if lastPosition < realSize { entries.append(Entry(isData: false, start: lastPosition, stop: realSize, archiveOffset: 0)) }
        var file: [UInt8] = []
        file.reserveCapacity(realSize)
        var position = 0
        var index = 0
        archive.withUnsafeBytes { bytes in
            read: while position < realSize, !entries.isEmpty {
                // Search on from the current entry, wrapping once, as tarfile does.
                var searched = 0
                while !(entries[index].start <= position && position < entries[index].stop) {
                    index = (index + 1) % entries.count
                    searched += 1
                    if searched > entries.count { break read }
                }
                let entry = entries[index]
                let length = min(realSize, entry.stop) - position
                if entry.isData {
                    let from = entry.archiveOffset &+ (position - entry.start)
                    let available = max(0, min(length, bytes.count - from))
                    if from >= 0 && available > 0 { file.append(contentsOf: bytes[from..<(from + available)]) }
                    if available < length { break read }  // tarfile raises on a short read
                } else {
                    file.append(contentsOf: repeatElement(0, count: length))
                }
                position += length
            }
        }
        return file
    }

    // MARK: Parsing

    /// Up to `count` (offset, numbytes) pairs of 12-byte octal fields starting at `start`.
    static func pairs(_ block: [UInt8], start: Int, count: Int, dropZero: Bool) -> [Chunk] {
        var chunks: [Chunk] = []
        for index in 0..<count {
            let base = start + index * 24
            guard let offset = TarHeader.number(Array(block[base..<(base + 12)])),
                  let length = TarHeader.number(Array(block[(base + 12)..<(base + 24)])) else { break }
            if dropZero && (offset == 0 || length == 0) { continue }
            chunks.append(Chunk(offset: offset, length: length))
        }
        return chunks
    }

    /// The old GNU `S` header's map: four pairs at 386, the extension flag at 482 and the real
    /// size at 483.
    static func oldGNU(header block: [UInt8]) -> (chunks: [Chunk], extended: Bool, realSize: Int?) {
        (pairs(block, start: 386, count: 4, dropZero: false), block[482] != 0, TarHeader.number(Array(block[483..<495])))
    }

    /// One extension block: 21 pairs and, at 504, whether another block follows.
    static func extensionBlock(_ block: [UInt8]) -> (chunks: [Chunk], extended: Bool) {
        (pairs(block, start: 0, count: 21, dropZero: true), block[504] != 0)
    }

    /// The pax 1.0 map at the start of the data: a decimal count, then offset and length pairs,
    /// each number on its own line, padded to a whole block. Returns the chunks and the map's size.
    static func pax10Map(_ source: ByteSource, at start: Int) -> (chunks: [Chunk], length: Int)? {
        var position = start
        func number() -> Int? {
            var digits = ""
            while let byte = source.byte(at: position), byte != 0x0A {
                guard (0x30...0x39).contains(byte), digits.count < 20 else { return nil }
                digits.append(Character(Unicode.Scalar(byte)))
                position += 1
            }
            guard source.byte(at: position) == 0x0A else { return nil }
            position += 1
            return Int(digits)
        }
        guard let count = number(), count <= maxChunks else { return nil }
        var chunks: [Chunk] = []
        for _ in 0..<count {
            guard let offset = number(), let length = number() else { return nil }
            chunks.append(Chunk(offset: offset, length: length))
        }
        let used = position - start
        return (chunks, (used + TarHeader.blockSize - 1) / TarHeader.blockSize * TarHeader.blockSize)
    }

    /// The pax 0.1 `GNU.sparse.map` value: comma-separated offsets and lengths.
    static func pax01Map(_ value: [UInt8]) -> [Chunk]? {
        let numbers = value.split(separator: UInt8(ascii: ",")).map { Int(String(decoding: $0, as: UTF8.self)) }
        guard numbers.count % 2 == 0, numbers.count / 2 <= maxChunks, numbers.allSatisfy({ ($0 ?? -1) >= 0 }) else { return nil }
        return stride(from: 0, to: numbers.count, by: 2).map { Chunk(offset: numbers[$0] ?? 0, length: numbers[$0 + 1] ?? 0) }
    }
}
