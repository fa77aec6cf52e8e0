import VetBytes
import VetCore

/// Walks tar headers the way Python's tarfile does, noting where GNU tar would differ.
struct TarParser {
    /// Largest GNU long-name or pax header accepted; real ones are a few hundred bytes.
    static let maxMetaSize = 1 << 20

    let source: ByteSource
    let limits: ScanLimits
    var log = AnomalyLog<TarAnomalyKind, TarAnomaly>()
    var entries: [TarEntry] = []
    var endOffset = 0
    private var longName: [UInt8]?
    private var longLink: [UInt8]?
    private var pax: [String: [UInt8]]?
    /// `GNU.sparse.offset`/`numbytes` pairs of the pending pax header (sparse format 0.0).
    private var paxSparsePairs: [TarSparseMap.Chunk] = []
    private var globalPax: [String: [UInt8]] = [:]

    init(source: ByteSource, limits: ScanLimits) {
        self.source = source
        self.limits = limits
    }

    /// Keeps an anomaly, escaping control and bidi characters that member names bring into messages.
    mutating func record(_ anomaly: TarAnomaly) {
        var safe = anomaly
        safe.message = Evidence.clip(anomaly.message, maxLength: 2000)
        log.add(anomaly.kind, safe)
    }

    mutating func run() throws(TarError) {
        let blockSize = TarHeader.blockSize
        var offset = 0
        var resyncing = false
        // Every pass advances `offset` by at least one block, so the walk ends.
        while offset <= source.count - blockSize {
            let block = source.prefixBytes(from: offset, length: blockSize)
            if block.allSatisfy({ $0 == 0 }) {
                endOffset = offset
                checkTail(after: offset)
                return
            }
            let header = TarHeader(block)
            guard header.checksumMatches else {
                if offset == 0 { throw TarError.notATar(reason: "the first block's checksum does not match") }
                if !resyncing {
                    record(TarAnomaly(.checksumMismatch, "The header at offset \(offset) has checksum "
                        + "\(header.storedChecksum.map(String.init) ?? "?") but its bytes sum to \(header.checksums.unsigned); "
                        + "Python's tarfile stops listing members here while GNU tar skips ahead to the next valid header.",
                        offset: offset, evidence: Evidence.bytesLiteral(header.name, maxBytes: 100)))
                }
                resyncing = true
                offset += blockSize
                continue
            }
            resyncing = false
            guard entries.count < limits.maxEntries else {
                record(TarAnomaly(.malformed, "The archive has more than \(limits.maxEntries) members; the rest were "
                    + "not examined.", offset: offset))
                endOffset = offset
                return
            }
            guard let next = step(header, at: offset) else {
                endOffset = offset
                return
            }
            offset = next
        }
        endOffset = offset
        if offset < source.count {
            record(TarAnomaly(.malformed, "The archive ends inside a header block at offset \(offset).", offset: offset))
        } else {
            record(TarAnomaly(.malformed, "The archive ends without the end-of-archive zero blocks; it may be "
                + "truncated.", offset: offset))
        }
    }

    /// Handles one valid header and returns the offset of the next, or `nil` to stop.
    private mutating func step(_ header: TarHeader, at offset: Int) -> Int? {
        guard let headerSize = header.size else {
            record(TarAnomaly(.malformed, "The size field of the header at offset \(offset) is not a number.",
                              offset: offset, evidence: Evidence.bytesLiteral(header.rawSize)))
            return nil
        }
        let metaTypes: [UInt8] = Array("LKxg".utf8)
        let isMeta = metaTypes.contains(header.typeflag)
        let paxSize = isMeta ? nil : pax?["size"].flatMap { Int(String(decoding: $0, as: UTF8.self)) }
        let size = max(paxSize ?? headerSize, 0)
        let dataStart = offset + TarHeader.blockSize
        let dataEnd = Inflater.saturatingAdd(dataStart, size)
        if isMeta {
            guard size <= TarParser.maxMetaSize, dataEnd <= source.count else {
                record(TarAnomaly(.malformed, "A \(size)-byte meta header (type '\(Character(Unicode.Scalar(header.typeflag)))') "
                    + "at offset \(offset) is too large or cut off.", offset: offset))
                return nil
            }
            let data = source.prefixBytes(from: dataStart, length: size)
            applyMeta(header.typeflag, data, at: offset)
            return finishData(dataStart..<dataEnd, of: nil)
        }
        // Python's tarfile turns an old-style regular entry whose name ends in '/' into a directory.
        let oldStyleDirectory = header.typeflag == 0 && header.name.last == UInt8(ascii: "/")
        let skipsData = TarEntry.isRegular(typeflag: header.typeflag) && !oldStyleDirectory
        let name = pax?["GNU.sparse.name"] ?? pax?["path"] ?? longName ?? header.fullName
        let link = pax?["linkpath"] ?? longLink ?? header.linkName
        // Sparse members: the map may sit in extension blocks (old GNU), which move the data,
        // or at the start of the data (pax 1.0); the next header is found as tarfile finds it.
        var storedStart = dataStart
        var blockRange = dataStart..<dataEnd
        var sparse: TarSparseMap?
        if skipsData, header.typeflag == UInt8(ascii: "S") {
            let block = source.prefixBytes(from: offset, length: TarHeader.blockSize)
            var (chunks, extended, realSize) = TarSparseMap.oldGNU(header: block)
            var blocks = 0
            while extended {
                guard storedStart + TarHeader.blockSize <= source.count, blocks < limits.maxEntries, chunks.count < TarSparseMap.maxChunks else {
                    record(TarAnomaly(.malformed, "The sparse map of the member at offset \(offset) runs past the archive or the limits.",
                                      offset: offset))
                    break
                }
                let next = TarSparseMap.extensionBlock(source.prefixBytes(from: storedStart, length: TarHeader.blockSize))
                chunks += next.chunks
                extended = next.extended
                storedStart += TarHeader.blockSize
                blocks += 1
            }
            sparse = TarSparseMap(format: "gnu", realSize: realSize ?? size, chunks: chunks)
            blockRange = storedStart..<Inflater.saturatingAdd(storedStart, headerSize)
        } else if skipsData, let pax {
            let realSize = (pax["GNU.sparse.realsize"] ?? pax["GNU.sparse.size"]).flatMap { Int(String(decoding: $0, as: UTF8.self)) }
            if let map = pax["GNU.sparse.map"] {
                if let chunks = TarSparseMap.pax01Map(map) {
                    sparse = TarSparseMap(format: "pax 0.1", realSize: realSize ?? size, chunks: chunks)
                } else {
                    record(TarAnomaly(.malformed, "The GNU.sparse.map of the member at offset \(offset) is not a list of numbers.", offset: offset))
                }
            } else if pax["GNU.sparse.size"] != nil, !paxSparsePairs.isEmpty {
                sparse = TarSparseMap(format: "pax 0.0", realSize: realSize ?? size, chunks: paxSparsePairs)
            } else if pax["GNU.sparse.major"] == Array("1".utf8), pax["GNU.sparse.minor"] == Array("0".utf8) {
                if let (chunks, mapLength) = TarSparseMap.pax10Map(source, at: dataStart) {
                    sparse = TarSparseMap(format: "pax 1.0", realSize: realSize ?? size, chunks: chunks)
                    storedStart = min(dataEnd, dataStart + mapLength)
                } else {
                    record(TarAnomaly(.malformed, "The sparse map at the start of the member at offset \(offset) cannot be read.", offset: offset))
                }
            }
        }
        pax = nil
        paxSparsePairs = []
        longName = nil
        longLink = nil
        let storedEnd = sparse?.format == "gnu" ? blockRange.upperBound : dataEnd
        let dataRange = skipsData ? min(storedStart, source.count)..<min(storedEnd, source.count) : dataStart..<dataStart
        let entry = TarEntry(index: entries.count, name: ArchiveNames.decodeTarName(name), rawName: name,
                             typeflag: header.typeflag, size: max(0, storedEnd - storedStart), mode: header.mode,
                             linkName: ArchiveNames.decodeTarName(link), rawLinkName: link, headerOffset: offset,
                             dataRange: dataRange, sparse: sparse)
        entries.append(entry)
        if let sparse { describe(sparse, of: entry) }
        if !skipsData, size > 0 {
            record(TarAnomaly(.malformed, "'\(entry.name)' is not a regular file yet declares \(size) bytes of data: "
                + "Python's tarfile reads the next header right after it, readers that skip the data read a different "
                + "archive.", entryName: entry.name, offset: offset))
            return dataStart
        }
        if blockRange.upperBound > source.count {
            record(TarAnomaly(.malformed, "The data of '\(entry.name)' runs \(blockRange.upperBound - source.count) bytes past the end "
                + "of the file.", entryName: entry.name, offset: dataStart))
            endOffset = source.count
            return nil
        }
        return finishData(blockRange, of: entry)
    }

    /// Reports a sparse member, and what makes its map unusual.
    private mutating func describe(_ sparse: TarSparseMap, of entry: TarEntry) {
        var notes: [String] = []
        if !sparse.isOrdinary { notes.append("its chunks are out of order, overlap or run past the file's size") }
        if sparse.storedLength != entry.size {
            notes.append("its map places \(sparse.storedLength) stored bytes but the member stores \(entry.size)"
                + (sparse.storedLength > entry.size ? ", so readers read into what follows it" : ""))
        }
        record(TarAnomaly(.sparseMember, "'\(entry.name)' is a sparse member (\(sparse.format)): its \(entry.size) stored bytes make up a "
            + "\(sparse.realSize)-byte file with holes, so the bytes a reader extracts are not the bytes stored"
            + (notes.isEmpty ? "" : "; " + notes.joined(separator: "; ")) + ".",
            entryName: entry.name, offset: entry.headerOffset))
    }

    /// Records what a GNU long-name or pax header says about the next member.
    private mutating func applyMeta(_ type: UInt8, _ data: [UInt8], at offset: Int) {
        switch type {
        case UInt8(ascii: "L"): longName = Array(data.prefix { $0 != 0 })
        case UInt8(ascii: "K"): longLink = Array(data.prefix { $0 != 0 })
        default:
            let parsed = PaxRecords.parseOrdered(data)
            if !parsed.wellFormed {
                record(TarAnomaly(.malformed, "The pax header at offset \(offset) has a malformed record; readers "
                    + "disagree on which records apply.", offset: offset, evidence: Evidence.bytesLiteral(data.prefix(80))))
            }
            if type == UInt8(ascii: "g") {
                globalPax.merge(parsed.records) { $1 }
            } else {
                // Python applies global records only to members that also have their own pax header.
                pax = globalPax.merging(parsed.records) { $1 }
                // Sparse format 0.0 pairs its repeated offset and numbytes records in order.
                var pendingOffset: Int?
                paxSparsePairs = []
                for (key, value) in parsed.ordered where paxSparsePairs.count < TarSparseMap.maxChunks {
                    let number = Int(String(decoding: value, as: UTF8.self))
                    if key == "GNU.sparse.offset" { pendingOffset = number }
                    if key == "GNU.sparse.numbytes", let start = pendingOffset, let length = number {
                        paxSparsePairs.append(TarSparseMap.Chunk(offset: start, length: length))
                        pendingOffset = nil
                    }
                }
            }
        }
    }

    /// Checks the padding after a member's data and returns the next header's offset.
    private mutating func finishData(_ data: Range<Int>, of entry: TarEntry?) -> Int {
        let padded = Inflater.saturatingAdd(data.upperBound, (TarHeader.blockSize - data.count % TarHeader.blockSize) % TarHeader.blockSize)
        let padding = source.prefixBytes(from: data.upperBound, length: padded - data.upperBound)
        if let first = padding.firstIndex(where: { $0 != 0 }) {
            record(TarAnomaly(.unaccountedData, "The block padding after "
                + (entry.map { "'\($0.name)'" } ?? "a meta header") + " holds non-zero bytes that no tar reader shows.",
                entryName: entry?.name, offset: data.upperBound + first, evidence: Evidence.bytesLiteral(padding[first...])))
        }
        return padded
    }

    /// Reports non-zero bytes after the end-of-archive marker: members hidden there appear to
    /// `tar --ignore-zeros` but to no ordinary reader.
    private mutating func checkTail(after offset: Int) {
        let tail = source.clampedSlice(from: offset, length: source.count - offset)
        let firstNonZero = tail.withUnsafeBytes { bytes in bytes.firstIndex { $0 != 0 } }
        guard let first = firstNonZero else { return }
        let position = offset + first
        record(TarAnomaly(.unaccountedData, "\(source.count - position) bytes after the end-of-archive marker at offset "
            + "\(offset) are not zero; readers stop at the marker, so anything there is hidden from them.",
            offset: position, evidence: Evidence.bytesLiteral(source.prefixBytes(from: position, length: 48))))
    }
}

extension TarEntry {
    /// Whether Python's tarfile skips data after a header of this type: regular files and every
    /// type it does not support.
    static func isRegular(typeflag: UInt8) -> Bool {
        let handled: [UInt8] = Array("123456".utf8)
        return !handled.contains(typeflag)
    }
}
