import VetBytes
import VetCore

/// A parsed zip archive: every central-directory entry with its local header, and every place
/// where two zip readers could disagree about what the archive holds.
///
/// Parsing reads only the end records, the central directory and the local headers, never
/// member payloads, so its cost does not grow with the size of the members.
public struct ZipArchive: Sendable {
    /// The archive's bytes.
    public let source: ByteSource
    /// The members, in central-directory order (at most `ScanLimits.maxEntries`).
    public let entries: [ZipEntry]
    /// Irregularities found while parsing, in the order they were found.
    public let anomalies: [ZipAnomaly]
    /// The archive comment, clamped to the file.
    public let comment: [UInt8]
    /// Where the central directory that was walked lies.
    public let centralDirectoryRange: Range<Int>
    /// Where the end-of-central-directory record starts.
    public let endRecordOffset: Int
    /// Whether a zip64 end record was found and used.
    public let isZip64: Bool
    /// How many entries the end record declares.
    public let declaredEntryCount: Int
    /// Bytes added to every recorded offset because data was prepended after the archive was
    /// written (Python's zipfile makes this correction; miniz, inside PyTorch, does not).
    public let offsetShift: Int

    init(source: ByteSource, entries: [ZipEntry], anomalies: [ZipAnomaly], comment: [UInt8],
         centralDirectoryRange: Range<Int>, endRecordOffset: Int, isZip64: Bool, declaredEntryCount: Int,
         offsetShift: Int) {
        self.source = source
        self.entries = entries
        self.anomalies = anomalies
        self.comment = comment
        self.centralDirectoryRange = centralDirectoryRange
        self.endRecordOffset = endRecordOffset
        self.isZip64 = isZip64
        self.declaredEntryCount = declaredEntryCount
        self.offsetShift = offsetShift
    }

    /// Whether `prefix` starts like a zip archive: a local header (`PK\3\4`), an empty archive's
    /// end record (`PK\5\6`) or the spanning marker (`PK\7\8`) that precedes a local header.
    /// - Parameter prefix: The first bytes of a file (at least four).
    public static func sniff(_ prefix: [UInt8]) -> Bool {
        guard prefix.count >= 4, prefix[0] == 0x50, prefix[1] == 0x4B else { return false }
        switch (prefix[2], prefix[3]) {
        case (3, 4), (5, 6), (7, 8): return true
        default: return false
        }
    }

    /// Whether `source` ends like a zip archive: a plausible end record in its last 64 KiB.
    /// Readers that start from the end (Python's zipfile, miniz) open such files whatever
    /// precedes the archive, so content sniffing must not stop at the first bytes.
    /// - Parameter source: The whole file.
    public static func sniffTail(_ source: ByteSource) -> Bool {
        guard let offset = ZipEndLocator.candidates(in: source).first,
              let end = try? EndRecord(source, at: offset) else { return false }
        let hasLocator = offset >= Zip64Locator.size
            && ZipSignature.at(source, offset - Zip64Locator.size) == ZipSignature.zip64Locator
        return hasLocator || Int(end.centralDirectorySize) <= offset
    }

    /// Parses the archive in `source`, recording anomalies and carrying on wherever a reader could.
    /// - Parameters:
    ///   - source: The whole archive.
    ///   - limits: Bounds on the entry count and the sizes judged plausible.
    /// - Throws: `ZipError.notAZip` when there is no end record, `.centralDirectoryNotFound`
    ///   when the entries it declares cannot be found; nothing is thrown for damage past that point.
    public static func parse(_ source: ByteSource, limits: ScanLimits) throws(ZipError) -> ZipArchive {
        try ZipParser.parse(source, limits: limits)
    }

    /// The members whose central-directory name is `name`, in directory order.
    /// - Parameter name: The decoded member name.
    public func entries(named name: String) -> [ZipEntry] {
        entries.filter { $0.name == name }
    }

    /// The member PyTorch's reader (miniz) would open for `name`: its lookup ignores ASCII case
    /// and, among duplicates, picks whichever its binary search meets first.
    /// - Parameter name: The member name as PyTorch would ask for it (e.g. `archive/data.pkl`).
    public func entryAsPyTorchReads(_ name: String) -> ZipEntry? {
        let lookup = MinizNameLookup(names: entries.prefix(declaredEntryCount).map(\.rawName))
        return lookup.locate(Array(name.utf8)).map { entries[$0] }
    }
}
