/// One member of a zip archive as its central directory and local header describe it.
public struct ZipEntry: Sendable, Hashable {
    /// Position in the central directory, from 0.
    public var index: Int
    /// The central-directory name, decoded as UTF-8 when flagged or valid, otherwise as CP437.
    /// Loaders such as PyTorch's look members up by this name.
    public var name: String
    /// The central-directory name bytes as stored.
    public var rawName: [UInt8]
    /// The name in the local header, decoded like `name`; `nil` when the local header is unreadable.
    public var localName: String?
    /// The local-header name bytes as stored; `nil` when the local header is unreadable.
    public var localRawName: [UInt8]?
    /// The compression method from the central directory (0 stored, 8 deflate).
    public var method: UInt16
    /// The general-purpose flag bits from the central directory.
    public var flags: UInt16
    /// The general-purpose flag bits from the local header; `nil` when it is unreadable.
    public var localFlags: UInt16?
    /// The CRC-32 the central directory records for the uncompressed data.
    public var crc32: UInt32
    /// The compressed size from the central directory (after any zip64 extra field).
    public var compressedSize: Int
    /// The uncompressed size from the central directory (after any zip64 extra field).
    public var uncompressedSize: Int
    /// Where the local header starts in the archive (after any prefix shift).
    public var localHeaderOffset: Int
    /// Where this entry's central-directory record starts.
    public var centralHeaderOffset: Int
    /// The member's stored bytes in the archive, clamped to the file; empty when the local
    /// header is unreadable.
    public var dataRange: Range<Int>
    /// Length of the data descriptor that follows the data (0 when there is none).
    public var dataDescriptorLength: Int
    /// External file attributes; the high 16 bits hold a Unix mode when made on Unix.
    public var externalAttributes: UInt32
    /// "Version made by": the high byte is the host system (3 Unix, 19 macOS), the low the spec version.
    public var versionMadeBy: UInt16
    /// "Version needed to extract" from the central directory.
    public var versionNeeded: UInt16
    /// Whether the entry carries a zip64 extended-information extra field.
    public var isZip64: Bool
    /// Whether the entry carries a WinZip AES extra field (0x9901).
    public var hasAESExtra: Bool
    /// Whether a local header with the right signature was found where the central directory points.
    public var hasValidLocalHeader: Bool

    /// Whether the archive was made on a host whose external attributes carry a Unix mode.
    public var hasUnixMode: Bool {
        let host = versionMadeBy >> 8
        return host == 3 || host == 19
    }

    /// The Unix mode from the external attributes, when the host records one.
    public var unixMode: UInt32? { hasUnixMode ? externalAttributes >> 16 : nil }

    /// Whether the member is a directory (trailing slash, MS-DOS directory bit or Unix `S_IFDIR`).
    public var isDirectory: Bool {
        if rawName.last == UInt8(ascii: "/") { return true }
        if let mode = unixMode, mode & 0o170000 == 0o040000 { return true }
        return externalAttributes & 0x10 != 0
    }

    /// Whether the member is a Unix symbolic link (`S_IFLNK` in the mode of a Unix-made entry).
    public var isSymlink: Bool {
        guard let mode = unixMode else { return false }
        return mode & 0o170000 == 0o120000
    }

    /// Whether the member is encrypted: flag bit 0 or 6 (in either header), method 99 or an AES extra field.
    public var isEncrypted: Bool {
        let all = flags | (localFlags ?? 0)
        return all & 0x0001 != 0 || all & 0x0040 != 0 || hasAESExtra || method == 99
    }

    /// Whether a data descriptor follows the data (flag bit 3).
    public var hasDataDescriptor: Bool { (flags | (localFlags ?? 0)) & 0x0008 != 0 }

    /// The end of everything this member occupies: local header, data and data descriptor.
    public var endOffset: Int { dataRange.upperBound + dataDescriptorLength }
}
