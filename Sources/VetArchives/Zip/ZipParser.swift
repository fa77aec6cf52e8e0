import VetBytes
import VetCore

/// Builds a `ZipArchive`: finds the end record, walks the central directory, reads every local
/// header, then checks names, flags, sizes and layout.
struct ZipParser {
    let source: ByteSource
    let limits: ScanLimits
    var log = AnomalyLog<ZipAnomalyKind, ZipAnomaly>()
    var entries: [ZipEntry] = []
    /// Regions taken by archive structures other than members (directory, end records).
    var structures: [LayoutRegion] = []
    var shift = 0

    init(source: ByteSource, limits: ScanLimits) {
        self.source = source
        self.limits = limits
    }

    /// Keeps an anomaly, escaping control and bidi characters that member names bring into messages.
    mutating func record(_ anomaly: ZipAnomaly) {
        var safe = anomaly
        safe.message = Evidence.clip(anomaly.message, maxLength: 2000)
        log.add(anomaly.kind, safe)
    }

    static func parse(_ source: ByteSource, limits: ScanLimits) throws(ZipError) -> ZipArchive {
        var parser = ZipParser(source: source, limits: limits)
        do {
            return try parser.run()
        } catch let error as ZipError {
            throw error
        } catch {
            // Every read below is guarded; this only keeps the promise that parse throws ZipError.
            throw .notAZip(reason: "\(error)")
        }
    }

    private mutating func run() throws -> ZipArchive {
        let candidates = ZipEndLocator.candidates(in: source)
        guard let endOffset = candidates.first else {
            throw ZipError.notAZip(reason: "no end-of-central-directory record in the last 64 KiB")
        }
        var pending: [ZipAnomaly] = []
        let directory = try ZipEndLocator.resolve(source, endOffset: endOffset) { pending.append($0) }
        pending.forEach { record($0) }
        let comment = checkEndRecords(directory, others: candidates.dropFirst())
        let declared = Int(exactly: directory.totalEntries) ?? Int.max
        let start = try locateCentralDirectory(directory, declared: declared)
        let walkedEnd = walkCentralDirectory(from: start, directory: directory, declared: declared)
        let centralRange = start..<max(start, walkedEnd)
        structures.append(LayoutRegion(range: centralRange, label: "the central directory"))
        checkEntries()
        checkArchive(declared: declared)
        checkLayout()
        let anomalies = log.finished { kind, count in
            ZipAnomaly(kind, "\(count) more anomalies of this kind were found but not listed.")
        }
        return ZipArchive(source: source, entries: entries, anomalies: anomalies, comment: comment,
                          centralDirectoryRange: centralRange, endRecordOffset: endOffset,
                          isZip64: directory.zip64 != nil, declaredEntryCount: declared,
                          offsetShift: shift)
    }

    /// Records the end structures as layout regions and reports comment and duplicate-record
    /// problems; returns the comment bytes.
    private mutating func checkEndRecords(_ directory: ZipEndLocator.Directory, others: ArraySlice<Int>) -> [UInt8] {
        let end = directory.end
        let commentEnd = min(end.commentEnd, source.count)
        if end.commentEnd > source.count {
            record(ZipAnomaly(.malformed, "The end record announces a \(end.commentLength)-byte comment but only "
                + "\(source.count - end.offset - EndRecord.size) bytes follow it.", offset: end.offset))
        }
        structures.append(LayoutRegion(range: end.offset..<commentEnd, label: "the end record"))
        if let locator = directory.locatorOffset {
            structures.append(LayoutRegion(range: locator..<(locator + Zip64Locator.size), label: "the zip64 locator"))
        }
        if let record = directory.zip64 {
            let declaredEnd = (try? record.declaredEnd()) ?? record.offset + Zip64EndRecord.fixedSize
            let upper = min(max(declaredEnd, record.offset + Zip64EndRecord.fixedSize), source.count)
            structures.append(LayoutRegion(range: record.offset..<upper, label: "the zip64 end record"))
        }
        for other in others {
            guard let candidate = try? EndRecord(source, at: other), candidate.commentEnd == source.count else { continue }
            record(ZipAnomaly(.malformed, "A second end-of-central-directory record at offset \(other) also reaches "
                + "exactly to the end of the file; readers that check the comment length pick it, miniz and Python's "
                + "zipfile pick the one at \(end.offset).", offset: other))
        }
        return source.prefixBytes(from: end.offset + EndRecord.size, length: commentEnd - end.offset - EndRecord.size)
    }

    /// Finds where the central directory starts, applying Python's correction for data
    /// prepended to the archive when only the corrected offset holds a directory.
    private mutating func locateCentralDirectory(_ directory: ZipEndLocator.Directory, declared: Int) throws -> Int {
        guard let offset = Int(exactly: directory.offset), let size = Int(exactly: directory.size) else {
            throw ZipError.centralDirectoryNotFound(offset: Int(clamping: directory.offset))
        }
        let boundary = directory.boundary
        func holdsDirectory(_ at: Int) -> Bool {
            size == 0 ? at == boundary : ZipSignature.at(source, at) == ZipSignature.central
        }
        let gap = boundary.subtractingReportingOverflow(offset).partialValue.subtractingReportingOverflow(size)
        let prepended = gap.overflow ? 0 : gap.partialValue
        if prepended < 0 {
            record(ZipAnomaly(.malformed, "The central directory (offset \(offset), \(size) bytes) would run past the "
                + "end record at \(boundary).", offset: boundary))
        }
        if holdsDirectory(offset) {
            if prepended > 0, holdsDirectory(offset + prepended) {
                record(ZipAnomaly(.malformed, "Central directories start at both \(offset) and \(offset + prepended): "
                    + "miniz (PyTorch) reads the first, Python's zipfile the second.", offset: offset + prepended))
            }
            return offset
        }
        if prepended > 0, holdsDirectory(offset + prepended) {
            shift = prepended
            record(ZipAnomaly(.malformed, "Every offset in the archive is \(prepended) bytes short because data was "
                + "prepended: Python's zipfile corrects for it, miniz (PyTorch) fails to open the file.",
                offset: 0, evidence: "shift \(prepended)"))
            return offset + prepended
        }
        if declared == 0 { return min(max(offset, 0), boundary) }
        throw ZipError.centralDirectoryNotFound(offset: offset)
    }

    /// Walks central-directory records from `start` and returns where the walk stopped.
    private mutating func walkCentralDirectory(from start: Int, directory: ZipEndLocator.Directory, declared: Int) -> Int {
        let limit = start <= directory.boundary ? directory.boundary : source.count
        var position = start
        // Bounded by maxEntries and by `limit`: every record advances at least 46 bytes.
        while entries.count < limits.maxEntries, position <= limit - CentralHeader.fixedSize,
              ZipSignature.at(source, position) == ZipSignature.central {
            guard let header = try? CentralHeader(source, at: position, limit: limit) else {
                record(ZipAnomaly(.malformed, "Central-directory record \(entries.count) is cut off by the end of the "
                    + "directory.", offset: position))
                return position
            }
            if let entry = makeEntry(header, index: entries.count, at: position) { entries.append(entry) }
            position += header.length
        }
        let more = position <= limit - CentralHeader.fixedSize && ZipSignature.at(source, position) == ZipSignature.central
        if declared > limits.maxEntries || (more && entries.count >= limits.maxEntries) {
            record(ZipAnomaly(.compressionBomb, "The archive declares \(declared) entries, more than the limit of "
                + "\(limits.maxEntries); only the first \(entries.count) were examined.", offset: start,
                evidence: "entries: \(declared)"))
            return position
        }
        let walked = entries.count
        if walked != declared {
            record(ZipAnomaly(.malformed, "The end record declares \(declared) entries but the central directory holds "
                + "\(walked); miniz trusts the count (and fails when records run out), Python's zipfile walks the "
                + "directory's bytes.",
                offset: directory.end.offset, evidence: "declared \(declared), found \(walked)"))
        }
        if let size = Int(exactly: directory.size), position - start != size {
            record(ZipAnomaly(.malformed, "The end record says the central directory is \(size) bytes but its records "
                + "take \(position - start).", offset: start))
        }
        return position
    }
}

/// A stretch of the archive and what occupies it, for overlap and gap checks.
struct LayoutRegion {
    var range: Range<Int>
    var label: String
    var entryIndex: Int? = nil
}
