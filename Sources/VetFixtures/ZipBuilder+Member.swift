extension ZipBuilder {
    /// One member as the builder will write it; every field a header holds can be overridden.
    public struct Member: Sendable {
        /// The central-directory name.
        public var name: [UInt8]
        /// The local-header name; `nil` writes the central name.
        public var localName: [UInt8]?
        /// The uncompressed content.
        public var data: [UInt8]
        /// The compression method written in both headers.
        public var method: UInt16
        /// Bytes written as the member's payload instead of the stored or deflated `data`.
        public var payloadOverride: [UInt8]?
        /// Central-directory general-purpose flags.
        public var flags: UInt16 = 0
        /// Local-header flags; `nil` writes `flags`.
        public var localFlags: UInt16?
        /// Central CRC-32; `nil` writes the CRC of `data`.
        public var crc32: UInt32?
        /// Local CRC-32; `nil` writes the central value.
        public var localCRC32: UInt32?
        /// Central compressed size; `nil` writes the payload length.
        public var compressedSize: UInt64?
        /// Central uncompressed size; `nil` writes the length of `data`.
        public var uncompressedSize: UInt64?
        /// Local compressed size; `nil` writes the central value.
        public var localCompressedSize: UInt64?
        /// Local uncompressed size; `nil` writes the central value.
        public var localUncompressedSize: UInt64?
        /// "Version made by" (default: Unix, spec 2.0, as Python's zipfile writes on Linux).
        public var versionMadeBy: UInt16 = 0x0314
        /// "Version needed to extract" in both headers.
        public var versionNeeded: UInt16 = 20
        /// External attributes (default: a regular Unix file, mode 0644).
        public var externalAttributes: UInt32 = 0o100644 << 16
        /// Extra-field bytes appended in the central directory.
        public var centralExtra: [UInt8] = []
        /// Extra-field bytes appended in the local header.
        public var localExtra: [UInt8] = []
        /// Whether to set flag bit 3, zero the local CRC and sizes, and write a signed data descriptor.
        public var dataDescriptor = false
        /// An absolute local-header offset written in the central directory instead of the real one.
        public var localHeaderOffset: Int?
        /// Writes only a central-directory entry that points at the local header of the earlier
        /// member with this name (two entries sharing one local header and payload).
        public var aliasOf: [UInt8]?

        /// Creates a member.
        /// - Parameters:
        ///   - name: The name in both headers.
        ///   - data: The uncompressed content.
        ///   - method: 0 to store, 8 to deflate.
        public init(name: String, data: [UInt8], method: UInt16 = 0) {
            self.name = Array(name.utf8)
            self.data = data
            self.method = method
        }
    }

    /// Overrides for the end-of-central-directory record.
    public struct EndOverrides: Sendable {
        /// Entry count written in both count fields.
        public var entries: Int?
        /// Central-directory size.
        public var centralDirectorySize: Int?
        /// Central-directory offset.
        public var centralDirectoryOffset: Int?
        /// Comment length (the real comment bytes are still written).
        public var commentLength: Int?
        /// Disk number of this disk.
        public var diskNumber: UInt16 = 0
    }

    enum Item: Sendable {
        case member(Member)
        case junk([UInt8])
    }
}

/// Little-endian writers for the builders.
extension Array where Element == UInt8 {
    mutating func le16<T: BinaryInteger>(_ value: T) {
        let v = UInt16(truncatingIfNeeded: value)
        append(UInt8(v & 0xFF)); append(UInt8(v >> 8))
    }

    mutating func le32<T: BinaryInteger>(_ value: T) {
        let v = UInt32(truncatingIfNeeded: value)
        for shift in stride(from: 0, to: 32, by: 8) { append(UInt8((v >> UInt32(shift)) & 0xFF)) }
    }

    mutating func le64<T: BinaryInteger>(_ value: T) {
        let v = UInt64(truncatingIfNeeded: value)
        for shift in stride(from: 0, to: 64, by: 8) { append(UInt8((v >> UInt64(shift)) & 0xFF)) }
    }
}
