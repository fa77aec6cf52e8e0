import VetArchives
import VetBytes

extension ZipBuilder {
    /// Where one member's local header and payload were written.
    private struct Written {
        var member: ZipBuilder.Member
        var offset: Int
        var crc: UInt32
        var compressed: UInt64
        var uncompressed: UInt64
    }

    /// Writes the archive.
    public func bytes() -> [UInt8] {
        var out: [UInt8] = []
        var written: [Written] = []
        for item in items {
            switch item {
            case let .junk(bytes):
                out += bytes
            case let .member(member):
                if let target = member.aliasOf, let original = written.first(where: { $0.member.name == target }) {
                    var alias = original
                    alias.member.name = member.name
                    written.append(alias)
                    continue
                }
                written.append(writeLocal(member, into: &out))
            }
        }
        let directoryStart = out.count
        for entry in written { writeCentral(entry, into: &out) }
        let directorySize = out.count - directoryStart
        let count = endOverrides.entries ?? written.count
        if forceZip64 {
            let recordOffset = out.count
            out.le32(0x0606_4B50); out.le64(44); out.le16(45); out.le16(45); out.le32(0); out.le32(0)
            out.le64(count); out.le64(count)
            out.le64(endOverrides.centralDirectorySize ?? directorySize)
            out.le64(endOverrides.centralDirectoryOffset ?? directoryStart)
            out.le32(0x0706_4B50); out.le32(0); out.le64(recordOffset); out.le32(1)
        }
        out.le32(0x0605_4B50); out.le16(endOverrides.diskNumber); out.le16(0)
        out.le16(forceZip64 ? 0xFFFF : count); out.le16(forceZip64 ? 0xFFFF : count)
        out.le32(forceZip64 ? 0xFFFF_FFFF : endOverrides.centralDirectorySize ?? directorySize)
        out.le32(forceZip64 ? 0xFFFF_FFFF : endOverrides.centralDirectoryOffset ?? directoryStart)
        out.le16(endOverrides.commentLength ?? commentBytes.count)
        out += commentBytes
        out += trailingBytes
        return out
    }

    private func writeLocal(_ member: ZipBuilder.Member, into out: inout [UInt8]) -> Written {
        let payload = member.payloadOverride ?? (member.method == 8 ? Deflater.deflate(member.data) : member.data)
        let crc = member.data.withUnsafeBytes { CRC32.update(0, $0) }
        let entry = Written(member: member, offset: out.count, crc: member.crc32 ?? crc,
                            compressed: member.compressedSize ?? UInt64(payload.count),
                            uncompressed: member.uncompressedSize ?? UInt64(member.data.count))
        let flags = (member.localFlags ?? member.flags) | (member.dataDescriptor ? 0x0008 : 0)
        let localCompressed = member.localCompressedSize ?? entry.compressed
        let localUncompressed = member.localUncompressedSize ?? entry.uncompressed
        let name = member.localName ?? member.name
        let wide = needsZip64(entry) || localCompressed >= 0xFFFF_FFFF || localUncompressed >= 0xFFFF_FFFF
        var extra: [UInt8] = []
        if wide {
            extra.le16(1); extra.le16(16); extra.le64(localUncompressed); extra.le64(localCompressed)
        }
        extra += member.localExtra
        out.le32(0x0403_4B50); out.le16(wide ? 45 : member.versionNeeded); out.le16(flags)
        out.le16(member.method); out.le16(0); out.le16(0x21)
        out.le32(member.dataDescriptor ? 0 : member.localCRC32 ?? entry.crc)
        if wide {
            out.le32(0xFFFF_FFFF); out.le32(0xFFFF_FFFF)
        } else {
            out.le32(member.dataDescriptor ? 0 : localCompressed)
            out.le32(member.dataDescriptor ? 0 : localUncompressed)
        }
        out.le16(name.count); out.le16(extra.count)
        out += name
        out += extra
        out += payload
        if member.dataDescriptor {
            out.le32(0x0807_4B50); out.le32(entry.crc)
            if wide {
                out.le64(entry.compressed); out.le64(entry.uncompressed)
            } else {
                out.le32(entry.compressed); out.le32(entry.uncompressed)
            }
        }
        return entry
    }

    /// Whether a member needs zip64 fields: forced, or a size too large for 32 bits.
    private func needsZip64(_ entry: Written) -> Bool {
        forceZip64 || entry.compressed >= 0xFFFF_FFFF || entry.uncompressed >= 0xFFFF_FFFF
    }

    private func writeCentral(_ entry: Written, into out: inout [UInt8]) {
        let member = entry.member
        let offset = member.localHeaderOffset ?? entry.offset
        let wide = needsZip64(entry) || offset >= 0xFFFF_FFFF
        var extra: [UInt8] = []
        if wide {
            extra.le16(1); extra.le16(24); extra.le64(entry.uncompressed); extra.le64(entry.compressed); extra.le64(offset)
        }
        extra += member.centralExtra
        out.le32(0x0201_4B50); out.le16(member.versionMadeBy); out.le16(wide ? 45 : member.versionNeeded)
        out.le16(member.flags | (member.dataDescriptor ? 0x0008 : 0)); out.le16(member.method)
        out.le16(0); out.le16(0x21); out.le32(entry.crc)
        out.le32(wide ? 0xFFFF_FFFF : entry.compressed)
        out.le32(wide ? 0xFFFF_FFFF : entry.uncompressed)
        out.le16(member.name.count); out.le16(extra.count); out.le16(0); out.le16(0); out.le16(0)
        out.le32(member.externalAttributes)
        out.le32(wide ? 0xFFFF_FFFF : offset)
        out += member.name
        out += extra
    }
}
