import VetBytes
import VetCore

/// A parsed tar archive (v7, ustar, GNU or pax) with every member and every irregularity that
/// could make two tar readers, or a reader and an extractor, disagree.
///
/// Parsing reads headers, meta headers (long names, pax records) and block padding only; member
/// data is never read.
public struct TarArchive: Sendable {
    /// The archive's bytes.
    public let source: ByteSource
    /// The members in archive order (GNU long-name and pax headers applied, not listed).
    public let entries: [TarEntry]
    /// Irregularities found while parsing.
    public let anomalies: [TarAnomaly]
    /// Where the end-of-archive marker starts, or where parsing stopped without one.
    public let endOffset: Int

    /// Whether `prefix` starts with a tar header: a full first block whose checksum matches and
    /// that is not all zeros (v7 archives have no magic, so the checksum is the test).
    /// - Parameter prefix: The first bytes of a file (at least 512).
    public static func sniff(_ prefix: [UInt8]) -> Bool {
        guard prefix.count >= TarHeader.blockSize else { return false }
        let block = Array(prefix[0..<TarHeader.blockSize])
        guard block.contains(where: { $0 != 0 }) else { return false }
        let header = TarHeader(block)
        return header.checksumMatches && header.size != nil
    }

    /// Parses the archive in `source`, recording anomalies and carrying on where readers would.
    /// - Parameters:
    ///   - source: The whole (uncompressed) archive.
    ///   - limits: `maxEntries` bounds how many members are listed.
    /// - Throws: `TarError.notATar` when the first block is not a valid header.
    public static func parse(_ source: ByteSource, limits: ScanLimits) throws(TarError) -> TarArchive {
        var parser = TarParser(source: source, limits: limits)
        try parser.run()
        parser.checkEntries()
        let anomalies = parser.log.finished { kind, count in
            TarAnomaly(kind, "\(count) more anomalies of this kind were found but not listed.")
        }
        return TarArchive(source: source, entries: parser.entries, anomalies: anomalies, endOffset: parser.endOffset)
    }

    /// The member's data as a zero-copy slice.
    /// - Parameter entry: A member of this archive.
    /// - Throws: `ByteError.outOfBounds` when the data is cut off by the end of the file.
    public func contents(of entry: TarEntry) throws -> ByteSource {
        guard entry.dataRange.count == entry.size || !entry.isRegularFile else {
            throw ByteError.outOfBounds(offset: entry.dataRange.lowerBound, needed: entry.size, available: source.count)
        }
        return try source.slice(entry.dataRange)
    }

    /// The file(s) readers make of a sparse member: what `tar.extract` writes, and what
    /// `tar.extractfile` reads when that differs (a crafted map makes them differ).
    /// - Parameters:
    ///   - entry: A sparse member of this archive.
    ///   - limit: The most bytes a view may take (holes make small archives stand for huge files).
    /// - Returns: One or two views; `nil` when the member is not sparse or its file exceeds `limit`.
    public func sparseViews(of entry: TarEntry, limit: Int) -> [ByteSource]? {
        guard let sparse = entry.sparse, sparse.realSize <= limit else { return nil }
        let extracted = sparse.extractedView(stored: source.clampedSlice(entry.dataRange))
        let read = sparse.readView(archive: source, dataStart: entry.dataRange.lowerBound)
        return read == extracted ? [ByteSource(extracted)] : [ByteSource(extracted), ByteSource(read)]
    }

    /// The members whose name is `name` once normalised as Python's tarfile does.
    /// - Parameter name: A member name.
    public func entries(named name: String) -> [TarEntry] {
        let wanted = ArchiveNames.normalizedPath(name)
        return entries.filter { ArchiveNames.normalizedPath($0.name) == wanted }
    }
}
