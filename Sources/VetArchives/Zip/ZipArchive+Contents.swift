import VetBytes
import VetCore

extension ZipArchive {
    /// Slack allowed beyond a member's declared size before inflating it counts as a bomb:
    /// the declared size again, at least 1 MiB.
    static func inflationAllowance(declared: Int) -> Int {
        Inflater.saturatingAdd(declared, max(declared, 1 << 20))
    }

    /// Returns a member's bytes: a zero-copy slice for stored members, an inflated heap buffer
    /// for deflated ones.
    /// - Parameters:
    ///   - entry: A member of this archive.
    ///   - budget: The decompression budget of the top-level file; charged with the inflated size.
    ///   - limits: `maxInMemoryMember` caps one inflated member.
    /// - Throws: `InflateError.limitExceeded` when inflating passes the budget, the member cap or
    ///   far past the declared size (a bomb); other `InflateError`s for corrupt or truncated data;
    ///   `ZipError` when the member is unreadable, encrypted or uses another method.
    public func contents(of entry: ZipEntry, budget: inout DecompressionBudget, limits: ScanLimits) throws -> ByteSource {
        let data = try rawData(of: entry)
        switch entry.method {
        case 0:
            return data
        case 8:
            if entry.compressedSize == 0, entry.uncompressedSize == 0 { return ByteSource([UInt8]()) }
            let bounds = [(budget.remaining, "remaining decompression budget"),
                          (limits.maxInMemoryMember, "in-memory member limit"),
                          (ZipArchive.inflationAllowance(declared: entry.uncompressedSize),
                           "allowance over the declared size of \(entry.uncompressedSize)")]
            let binding = bounds.min { $0.0 < $1.0 } ?? bounds[0]
            let output = try Inflater.inflate(data, format: .rawDeflate, limit: binding.0,
                                              expectedSize: entry.uncompressedSize, limitName: binding.1)
            try budget.charge(output.count)
            return output
        default:
            throw ZipError.unsupportedMethod(name: entry.name, method: entry.method, offset: entry.localHeaderOffset)
        }
    }

    /// Checks a member's data against the CRC-32 the central directory records; inflates in
    /// fixed chunks, keeping nothing, and stops at the allowance over the declared size.
    ///
    /// Only call this for members that will be read anyway: it touches every byte of the member.
    /// - Parameter entry: A member of this archive.
    /// - Returns: A `.crcMismatch` anomaly, or `nil` when the CRC matches or the member cannot be
    ///   checked (unreadable, encrypted or compressed otherwise; those are reported elsewhere).
    public func verifyCRC(of entry: ZipEntry) -> ZipAnomaly? {
        guard !entry.isEncrypted, let data = try? rawData(of: entry) else { return nil }
        var crc: UInt32 = 0
        var produced = data.count
        switch entry.method {
        case 0:
            crc = CRC32.checksum(data)
        case 8:
            do {
                produced = try Inflater.forEachChunk(data, format: .rawDeflate,
                                                     limit: ZipArchive.inflationAllowance(declared: entry.uncompressedSize)) {
                    crc = CRC32.update(crc, $0)
                }.produced
            } catch {
                return ZipAnomaly(.crcMismatch, Evidence.clip("The data of '\(entry.name)' cannot be verified against "
                                  + "its CRC: \(error).", maxLength: 2000),
                                  entryName: entry.name, offset: entry.dataRange.lowerBound)
            }
        default:
            return nil
        }
        guard crc != entry.crc32 || produced != entry.uncompressedSize else { return nil }
        let hex = { (value: UInt32) in "0x" + String(value, radix: 16) }
        return ZipAnomaly(.crcMismatch, Evidence.clip("The data of '\(entry.name)' has CRC-32 \(hex(crc)) and "
            + "\(produced) bytes, but the central directory records \(hex(entry.crc32)) and \(entry.uncompressedSize); "
            + "PyTorch never checks, Python's zipfile raises, so the two disagree on whether the member loads.",
            maxLength: 2000),
            entryName: entry.name, offset: entry.dataRange.lowerBound,
            evidence: "crc \(hex(crc)) vs \(hex(entry.crc32))")
    }

    /// The member's stored bytes, after checking that they can be read at all.
    private func rawData(of entry: ZipEntry) throws -> ByteSource {
        guard entry.hasValidLocalHeader else {
            throw ZipError.unreadableMember(name: entry.name, offset: entry.localHeaderOffset, reason: "no local header")
        }
        guard !entry.isEncrypted else {
            throw ZipError.encryptedMember(name: entry.name, offset: entry.localHeaderOffset)
        }
        guard entry.dataRange.count == entry.compressedSize else {
            throw ZipError.unreadableMember(name: entry.name, offset: entry.localHeaderOffset,
                                            reason: "data truncated at \(entry.dataRange.upperBound)")
        }
        return try source.slice(entry.dataRange)
    }
}
