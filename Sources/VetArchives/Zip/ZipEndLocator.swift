import VetBytes

/// Finds the end-of-central-directory record the way zip readers do and resolves the central
/// directory's position, size and entry count from it and from any zip64 end record.
struct ZipEndLocator {
    /// The longest comment an end record can announce.
    static let maxComment = 0xFFFF

    /// Offsets of every end-record signature in the last 64 KiB + 22 bytes, nearest the end first.
    /// miniz and Python's zipfile both take the first of these.
    static func candidates(in source: ByteSource) -> [Int] {
        guard source.count >= EndRecord.size else { return [] }
        let last = source.count - EndRecord.size
        let first = max(0, last - maxComment)
        return source.withUnsafeBytes { bytes in
            var hits: [Int] = []
            var position = last
            while position >= first {
                if bytes[position] == 0x50, bytes[position + 1] == 0x4B, bytes[position + 2] == 5,
                   bytes[position + 3] == 6 {
                    hits.append(position)
                }
                position -= 1
            }
            return hits
        }
    }

    /// What the end records say about the central directory.
    struct Directory {
        var end: EndRecord
        var zip64: Zip64EndRecord?
        var locatorOffset: Int?
        var totalEntries: UInt64
        var size: UInt64
        var offset: UInt64
        /// Where the central directory must end: the zip64 end record, or the end record.
        var boundary: Int
    }

    /// Reads the chosen end record and any zip64 records before it, reporting disagreements.
    static func resolve(_ source: ByteSource, endOffset: Int, report: (ZipAnomaly) -> Void) throws(ZipError) -> Directory {
        guard let end = try? EndRecord(source, at: endOffset) else {
            throw .notAZip(reason: "the end record at offset \(endOffset) is cut off")
        }
        var directory = Directory(end: end, zip64: nil, locatorOffset: nil, totalEntries: UInt64(end.totalEntries),
                                  size: UInt64(end.centralDirectorySize), offset: UInt64(end.centralDirectoryOffset),
                                  boundary: endOffset)
        if end.diskNumber != 0 || end.centralDirectoryDisk != 0 || end.entriesOnDisk != end.totalEntries {
            report(ZipAnomaly(.malformed, "The end record describes a multi-disk archive (disk \(end.diskNumber), "
                + "\(end.entriesOnDisk) of \(end.totalEntries) entries on it); miniz refuses it while other readers "
                + "use only part of it.", offset: endOffset))
        }
        let locatorOffset = endOffset - Zip64Locator.size
        guard locatorOffset >= 0, ZipSignature.at(source, locatorOffset) == ZipSignature.zip64Locator,
              let locator = try? Zip64Locator(source, at: locatorOffset) else { return directory }
        directory.locatorOffset = locatorOffset
        // Python's zipfile looks for the zip64 record right before the locator; miniz follows the
        // locator's offset. Use the locator and report when the two places differ.
        let adjacent = locatorOffset - Zip64EndRecord.fixedSize
        var recordOffset = Int(exactly: locator.recordOffset) ?? -1
        if ZipSignature.at(source, recordOffset) != ZipSignature.zip64End {
            guard ZipSignature.at(source, adjacent) == ZipSignature.zip64End else {
                report(ZipAnomaly(.malformed, "The zip64 locator points at offset \(locator.recordOffset), where no zip64 "
                    + "end record is; the 32-bit end record was used.", offset: locatorOffset))
                return directory
            }
            report(ZipAnomaly(.malformed, "The zip64 locator points at offset \(locator.recordOffset) but the zip64 end "
                + "record sits at \(adjacent): Python's zipfile reads the one before the locator, miniz follows the "
                + "pointer.", offset: locatorOffset))
            recordOffset = adjacent
        } else if recordOffset != adjacent, ZipSignature.at(source, adjacent) == ZipSignature.zip64End {
            report(ZipAnomaly(.malformed, "Two zip64 end records: the locator points at \(recordOffset) and another sits "
                + "right before the locator at \(adjacent); Python's zipfile and miniz read different ones.",
                offset: adjacent))
        }
        guard let record = try? Zip64EndRecord(source, at: recordOffset) else {
            report(ZipAnomaly(.malformed, "The zip64 end record at offset \(recordOffset) is cut off; the 32-bit end "
                + "record was used.", offset: recordOffset))
            return directory
        }
        directory.zip64 = record
        directory.boundary = recordOffset
        directory.totalEntries = record.totalEntries
        directory.size = record.centralDirectorySize
        directory.offset = record.centralDirectoryOffset
        if locator.totalDisks > 1 || record.diskNumber != 0 || record.centralDirectoryDisk != 0
            || record.entriesOnDisk != record.totalEntries {
            report(ZipAnomaly(.malformed, "The zip64 end record describes a multi-disk archive.", offset: recordOffset))
        }
        if let declaredEnd = try? record.declaredEnd(), declaredEnd > locatorOffset {
            report(ZipAnomaly(.malformed, "The zip64 end record claims \(record.recordSize) bytes and runs into its "
                + "locator.", offset: recordOffset))
        }
        compare("entry count", UInt64(end.totalEntries), sentinel: 0xFFFF, record.totalEntries, at: endOffset, report)
        compare("central directory size", UInt64(end.centralDirectorySize), sentinel: 0xFFFF_FFFF,
                record.centralDirectorySize, at: endOffset, report)
        compare("central directory offset", UInt64(end.centralDirectoryOffset), sentinel: 0xFFFF_FFFF,
                record.centralDirectoryOffset, at: endOffset, report)
        return directory
    }

    /// Reports a 32-bit end-record field that is neither the zip64 placeholder nor equal to the
    /// zip64 value: readers that ignore zip64 would see a different archive.
    private static func compare(_ what: String, _ narrow: UInt64, sentinel: UInt64, _ wide: UInt64, at offset: Int,
                                _ report: (ZipAnomaly) -> Void) {
        guard narrow != sentinel, narrow != wide else { return }
        report(ZipAnomaly(.malformed, "The end record gives \(what) \(narrow) but the zip64 end record gives \(wide); "
            + "readers that ignore zip64 see a different archive.", offset: offset,
            evidence: "\(what): \(narrow) vs \(wide)"))
    }
}
