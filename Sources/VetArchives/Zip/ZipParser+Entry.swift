import VetBytes
import VetCore

extension ZipParser {
    /// Builds the entry for one central-directory record, reading its local header and data
    /// descriptor; returns `nil` when its sizes or offset cannot be represented at all.
    mutating func makeEntry(_ header: CentralHeader, index: Int, at position: Int) -> ZipEntry? {
        let name = ArchiveNames.decodeZipName(header.name, utf8Flag: header.flags & 0x0800 != 0)
        let extras = ZipExtraFields(header.extra)
        if !extras.isWellFormed {
            record(ZipAnomaly(.malformed, "The extra field of '\(name)' in the central directory overruns its length.",
                              entryName: name, offset: position))
        }
        let wide = Zip64Values(extras.first(ZipExtraFields.zip64),
                               needUncompressed: header.uncompressedSize == 0xFFFF_FFFF,
                               needCompressed: header.compressedSize == 0xFFFF_FFFF,
                               needOffset: header.localHeaderOffset == 0xFFFF_FFFF, needDisk: header.diskStart == 0xFFFF)
        if !wide.missing.isEmpty {
            record(ZipAnomaly(.malformed, "'\(name)' uses zip64 placeholders but its zip64 extra field lacks the "
                + wide.missing.joined(separator: ", ") + ".", entryName: name, offset: position))
        }
        let compressed = wide.compressedSize ?? UInt64(header.compressedSize)
        let uncompressed = wide.uncompressedSize ?? UInt64(header.uncompressedSize)
        let recordedOffset = wide.localHeaderOffset ?? UInt64(header.localHeaderOffset)
        guard let compressedSize = Int(exactly: compressed), let uncompressedSize = Int(exactly: uncompressed),
              let localOffset = Int(exactly: recordedOffset).flatMap({ try? Checked.add($0, shift) }) else {
            record(ZipAnomaly(.malformed, "'\(name)' declares sizes or an offset beyond what a file can hold.",
                              entryName: name, offset: position,
                              evidence: "compressed \(compressed), uncompressed \(uncompressed), offset \(recordedOffset)"))
            return nil
        }
        let anchor = min(max(localOffset, 0), source.count)
        var entry = ZipEntry(
            index: index, name: name, rawName: header.name, localName: nil, localRawName: nil, method: header.method,
            flags: header.flags, localFlags: nil, crc32: header.crc32, compressedSize: compressedSize,
            uncompressedSize: uncompressedSize, localHeaderOffset: localOffset, centralHeaderOffset: position,
            dataRange: anchor..<anchor, dataDescriptorLength: 0, externalAttributes: header.externalAttributes,
            versionMadeBy: header.versionMadeBy, versionNeeded: header.versionNeeded,
            isZip64: extras.first(ZipExtraFields.zip64) != nil, hasAESExtra: extras.first(ZipExtraFields.aes) != nil,
            hasValidLocalHeader: false)
        guard let local = try? LocalHeader(source, at: localOffset) else {
            record(ZipAnomaly(.malformed, "No local header for '\(name)' at offset \(localOffset), where the central "
                + "directory points; loaders cannot extract it.", entryName: name, offset: anchor))
            return entry
        }
        attachLocalHeader(local, to: &entry)
        // Local headers are scattered through the file, one page each; give each back once read
        // so that resident memory does not grow with the number of members.
        source.releaseResidentPages(around: localOffset..<(localOffset + local.length))
        return entry
    }

    /// Fills in what the local header adds (its name, flags, where the data lies) and reports
    /// every field on which it and the central directory disagree.
    private mutating func attachLocalHeader(_ local: LocalHeader, to entry: inout ZipEntry) {
        let name = entry.name
        entry.hasValidLocalHeader = true
        entry.localRawName = local.name
        entry.localName = ArchiveNames.decodeZipName(local.name, utf8Flag: local.flags & 0x0800 != 0)
        entry.localFlags = local.flags
        let extras = ZipExtraFields(local.extra)
        if !extras.isWellFormed {
            record(ZipAnomaly(.malformed, "The extra field of '\(name)' in its local header overruns its length.",
                              entryName: name, offset: entry.localHeaderOffset))
        }
        if extras.first(ZipExtraFields.zip64) != nil { entry.isZip64 = true }
        if extras.first(ZipExtraFields.aes) != nil { entry.hasAESExtra = true }
        let wide = Zip64Values(extras.first(ZipExtraFields.zip64),
                               needUncompressed: local.uncompressedSize == 0xFFFF_FFFF,
                               needCompressed: local.compressedSize == 0xFFFF_FFFF, needOffset: false, needDisk: false)
        let dataStart = entry.localHeaderOffset + local.length
        let dataEnd = Inflater.saturatingAdd(dataStart, entry.compressedSize)
        if dataEnd > source.count {
            record(ZipAnomaly(.malformed, "The data of '\(name)' runs \(dataEnd - source.count) "
                + "bytes past the end of the file.", entryName: name, offset: dataStart))
        }
        entry.dataRange = min(dataStart, source.count)..<min(dataEnd, source.count)

        var differences: [String] = []
        if local.name != entry.rawName {
            differences.append("name '\(entry.localName ?? "")' in the local header")
        }
        if local.method != entry.method { differences.append("method \(local.method) vs \(entry.method)") }
        if local.flags != entry.flags {
            differences.append("flags 0x\(hex(local.flags)) vs 0x\(hex(entry.flags))")
        }
        let deferred = local.flags & 0x0008 != 0
        let localCompressed = wide.compressedSize ?? UInt64(local.compressedSize)
        let localUncompressed = wide.uncompressedSize ?? UInt64(local.uncompressedSize)
        if !(deferred && local.crc32 == 0), local.crc32 != entry.crc32 {
            differences.append("CRC 0x\(hex(local.crc32)) vs 0x\(hex(entry.crc32))")
        }
        if !(deferred && localCompressed == 0), localCompressed != UInt64(entry.compressedSize) {
            differences.append("compressed size \(localCompressed) vs \(entry.compressedSize)")
        }
        if !(deferred && localUncompressed == 0), localUncompressed != UInt64(entry.uncompressedSize) {
            differences.append("uncompressed size \(localUncompressed) vs \(entry.uncompressedSize)")
        }
        if !differences.isEmpty {
            record(ZipAnomaly(.nameMismatch, "The local header of '\(name)' disagrees with the central directory ("
                + differences.joined(separator: "; ") + "); readers that walk local headers see a different member "
                + "than PyTorch and Python's zipfile.", entryName: name, offset: entry.localHeaderOffset,
                evidence: "central '\(name)' vs local '\(entry.localName ?? "")'"))
        }
        if entry.hasDataDescriptor, entry.dataRange.upperBound == dataEnd {
            entry.dataDescriptorLength = readDataDescriptor(after: entry)
        }
    }

    /// Measures the data descriptor after `entry`'s data: with or without its optional
    /// signature, with 4- or 8-byte sizes, preferring the layout whose values match.
    private mutating func readDataDescriptor(after entry: ZipEntry) -> Int {
        let offset = entry.dataRange.upperBound
        let signed = ZipSignature.at(source, offset) == ZipSignature.dataDescriptor
        let layouts: [(signature: Bool, wide: Bool)] = [(true, true), (true, false), (false, true), (false, false)]
        for layout in layouts where !layout.signature || signed {
            guard let found = descriptor(at: offset, signature: layout.signature, wide: layout.wide) else { continue }
            if found.crc == entry.crc32, found.compressed == UInt64(entry.compressedSize),
               found.uncompressed == UInt64(entry.uncompressedSize) {
                return found.length
            }
        }
        guard signed else {
            record(ZipAnomaly(.malformed, "'\(entry.name)' sets flag bit 3 but no data descriptor follows its data.",
                              entryName: entry.name, offset: offset))
            return 0
        }
        let length = min(entry.isZip64 ? 24 : 16, source.count - offset)
        record(ZipAnomaly(.nameMismatch, "The data descriptor of '\(entry.name)' disagrees with the central directory "
            + "on its CRC or sizes.", entryName: entry.name, offset: offset,
            evidence: Evidence.bytesLiteral(source.prefixBytes(from: offset, length: length))))
        return length
    }

    private func descriptor(at offset: Int, signature: Bool, wide: Bool)
        -> (crc: UInt32, compressed: UInt64, uncompressed: UInt64, length: Int)? {
        var reader = source.reader()
        do {
            try reader.seek(to: offset)
            if signature { try reader.skip(4) }
            let crc = try reader.u32le()
            var sizes: [UInt64] = []
            for _ in 0..<2 {
                if wide { sizes.append(try reader.u64le()) } else { sizes.append(UInt64(try reader.u32le())) }
            }
            return (crc, sizes[0], sizes[1], reader.offset - offset)
        } catch {
            return nil
        }
    }

    func hex<T: BinaryInteger>(_ value: T) -> String { String(value, radix: 16) }
}
