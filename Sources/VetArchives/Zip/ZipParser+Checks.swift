import VetBytes
import VetCore

extension ZipParser {
    /// Flag bits ordinary writers set: 0 and 6 (encryption, reported separately), 1–2 (deflate
    /// options), 3 (data descriptor) and 11 (UTF-8 names).
    static let ordinaryFlags: UInt16 = 0x0001 | 0x0002 | 0x0004 | 0x0008 | 0x0040 | 0x0800

    /// The highest "version needed to extract" APPNOTE defines (6.3).
    static let newestVersion: UInt16 = 63

    /// Runs the checks that concern one member at a time.
    mutating func checkEntries() {
        for entry in entries {
            checkFlags(entry)
            checkMethod(entry)
            checkName(entry)
            checkSizes(entry)
            if entry.isSymlink {
                let target = symlinkTarget(entry)
                let escapes = target.map { ArchiveNames.linkTargetEscapes(Array($0.utf8)) } ?? false
                record(ZipAnomaly(.symlink, "'\(entry.name)' is a symbolic link" + (target.map { " to '\($0)'" } ?? "")
                    + (escapes ? ", which points outside the extraction directory" : "")
                    + "; extractors that honour Unix modes create it, and later members can be written through it.",
                    entryName: entry.name, offset: entry.localHeaderOffset,
                    evidence: "\(entry.name) -> \(target ?? "?")"))
            }
        }
    }

    private mutating func checkFlags(_ entry: ZipEntry) {
        let localFlags = entry.localFlags ?? 0
        let odd = (entry.flags | localFlags) & ~ZipParser.ordinaryFlags
        if odd != 0 {
            record(ZipAnomaly(.unusualFlags, "'\(entry.name)' sets general-purpose flag bits 0x\(hex(odd)) that "
                + "ordinary writers never set; readers differ in whether they refuse, ignore or act on them.",
                entryName: entry.name, offset: entry.localHeaderOffset,
                evidence: "flags 0x\(hex(entry.flags)), local 0x\(hex(localFlags))"))
        }
        if entry.versionNeeded & 0xFF > ZipParser.newestVersion {
            record(ZipAnomaly(.unusualFlags, "'\(entry.name)' claims to need zip version "
                + "\((entry.versionNeeded & 0xFF) / 10).\((entry.versionNeeded & 0xFF) % 10), newer than any published "
                + "specification.", entryName: entry.name, offset: entry.centralHeaderOffset,
                evidence: "version needed \(entry.versionNeeded)"))
        }
        if entry.isEncrypted {
            let how = entry.hasAESExtra || entry.method == 99 ? "AES" :
                ((entry.flags | localFlags) & 0x0040 != 0 ? "strong" : "traditional PKWARE")
            record(ZipAnomaly(.encrypted, "'\(entry.name)' is encrypted (\(how)); its contents cannot be scanned.",
                              entryName: entry.name, offset: entry.localHeaderOffset,
                              evidence: "flags 0x\(hex(entry.flags)), method \(entry.method)"))
        }
    }

    private mutating func checkMethod(_ entry: ZipEntry) {
        guard entry.method != 0, entry.method != 8, !(entry.method == 99 && entry.isEncrypted) else { return }
        record(ZipAnomaly(.unsupportedMethod, "'\(entry.name)' uses compression method \(entry.method) ("
            + ZipParser.methodName(entry.method) + "), which this scanner does not decode, so it is not scanned.",
            entryName: entry.name, offset: entry.localHeaderOffset, evidence: "method \(entry.method)"))
    }

    private mutating func checkName(_ entry: ZipEntry) {
        var problems = ArchiveNames.traversalProblems(entry.rawName)
        if let local = entry.localRawName, local != entry.rawName {
            problems += ArchiveNames.traversalProblems(local).map { "its local-header name " + $0 }
        }
        guard !problems.isEmpty else { return }
        record(ZipAnomaly(.pathTraversal, "The member name '\(entry.name)' " + problems.joined(separator: "; ")
            + "; extracting it can write outside the target directory.", entryName: entry.name,
            offset: entry.centralHeaderOffset, evidence: Evidence.bytesLiteral(entry.rawName, maxBytes: 200)))
    }

    private mutating func checkSizes(_ entry: ZipEntry) {
        let compressed = entry.compressedSize, uncompressed = entry.uncompressedSize
        if entry.method == 0, compressed != uncompressed, !entry.isEncrypted {
            record(ZipAnomaly(.malformed, "Stored member '\(entry.name)' declares \(compressed) compressed but "
                + "\(uncompressed) uncompressed bytes; miniz rejects it, other readers read different lengths.",
                entryName: entry.name, offset: entry.centralHeaderOffset))
        }
        // Java's jar tool deflates directories into an empty two-byte stream; only real content counts.
        if entry.isDirectory, uncompressed > 0 || (entry.method == 0 && compressed > 0) {
            record(ZipAnomaly(.malformed, "Directory entry '\(entry.name)' carries \(uncompressed) bytes of data: "
                + "extractors create a directory and skip them, readers that open it by name get the data.",
                entryName: entry.name, offset: entry.localHeaderOffset))
        }
        guard entry.method == 8 else { return }
        let ceiling = Inflater.saturatingMultiply(Inflater.saturatingAdd(compressed, 16), Inflater.maxDeflateRatio)
        if uncompressed > ceiling {
            record(ZipAnomaly(.compressionBomb, "'\(entry.name)' declares \(uncompressed) uncompressed bytes from "
                + "\(compressed) bytes of deflate, more than deflate can produce; readers that allocate the declared "
                + "size are exhausted.", entryName: entry.name, offset: entry.localHeaderOffset,
                evidence: "\(compressed) -> \(uncompressed)"))
        } else if compressed >= limits.ratioExemptBelow,
                  uncompressed > Inflater.saturatingMultiply(max(compressed, 1), limits.maxCompressionRatio) {
            record(ZipAnomaly(.compressionBomb, "'\(entry.name)' expands \(compressed) bytes to \(uncompressed), a "
                + "ratio above \(limits.maxCompressionRatio):1.", entryName: entry.name,
                offset: entry.localHeaderOffset, evidence: "\(compressed) -> \(uncompressed)"))
        }
    }

    /// The target of a stored symlink member, read from its (small) data.
    private func symlinkTarget(_ entry: ZipEntry) -> String? {
        guard entry.method == 0, entry.hasValidLocalHeader, entry.dataRange.count <= 4096,
              let bytes = try? source.bytes(entry.dataRange) else { return nil }
        return ArchiveNames.decodeZipName(bytes, utf8Flag: true)
    }

    static func methodName(_ method: UInt16) -> String {
        switch method {
        case 1: "shrink"
        case 6: "implode"
        case 9: "deflate64"
        case 12: "bzip2"
        case 14: "LZMA"
        case 93: "zstd"
        case 95: "xz"
        case 98: "PPMd"
        case 99: "AES"
        default: "unknown"
        }
    }
}
