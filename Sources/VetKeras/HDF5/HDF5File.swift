import VetBytes
import VetCore

/// A read-only view of an HDF5 file (as written by h5py and Keras): its superblock, and the
/// attributes and links of its groups. Datasets are never read.
///
/// Every address is checked against the file, every chain is bounded and cycle-checked, and every
/// failure is a typed `HDF5Error`.
public struct HDF5File: Sendable {
    /// The fields of the superblock this reader uses.
    public struct Superblock: Sendable, Equatable {
        /// Superblock version (0–3).
        public var version: Int
        /// Absolute offset of the signature (0, or 512, 1024, … after a user block).
        public var offset: Int
        /// Bytes per file address.
        public var offsetSize: Int
        /// Bytes per length field.
        public var lengthSize: Int
        /// Absolute offset that file addresses are relative to.
        public var baseAddress: Int
        /// Absolute offset of the root group's object header.
        public var rootObjectHeader: Int
        /// Where the superblock says the file ends; the reference library writes it as an absolute offset
        /// (user block included).
        public var endOfFile: Int
    }

    /// The eight signature bytes, `\x89HDF\r\n\x1a\n`.
    public static let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]

    /// The file's bytes.
    public let source: ByteSource
    /// The superblock.
    public let superblock: Superblock
    /// The budgets this file is read under.
    public let limits: HDF5Limits

    /// The offset of the signature: 0, or a power of two from 512 that is inside `source`; `nil` when absent.
    public static func signatureOffset(in source: ByteSource) -> Int? {
        var offset = 0
        while offset <= source.count - signature.count {
            if source.prefixBytes(from: offset, length: signature.count) == signature { return offset }
            offset = offset == 0 ? 512 : offset * 2
        }
        return nil
    }

    /// Whether `source` holds the HDF5 signature at offset 0 or after a user block.
    public static func sniff(_ source: ByteSource) -> Bool { signatureOffset(in: source) != nil }

    /// Reads the superblock of `source`.
    /// - Parameters:
    ///   - source: The whole file.
    ///   - limits: Budgets for everything read later.
    /// - Throws: `HDF5Error` when there is no signature or the superblock is malformed or of an unknown version.
    public static func open(_ source: ByteSource, limits: HDF5Limits = HDF5Limits()) throws(HDF5Error) -> HDF5File {
        guard let start = signatureOffset(in: source) else {
            throw HDF5Error(.malformed, "no HDF5 signature at offset 0 or after a user block", at: 0)
        }
        do {
            let superblock = try readSuperblock(source, at: start)
            return HDF5File(source: source, superblock: superblock, limits: limits)
        } catch {
            throw HDF5Error.wrap(error, at: start)
        }
    }

    static func readSuperblock(_ source: ByteSource, at start: Int) throws -> Superblock {
        var reader = source.reader()
        try reader.seek(to: start + 8)
        let version = Int(try reader.u8())
        let offsetSize: Int, lengthSize: Int, storedBase: UInt64, rootAddress: UInt64, endAddress: UInt64
        switch version {
        case 0, 1:
            try reader.skip(4) // free-space, root symbol table, reserved and shared-header versions
            offsetSize = Int(try reader.u8())
            lengthSize = Int(try reader.u8())
            try reader.skip(1 + 4 + 4) // reserved, leaf and internal K, consistency flags
            if version == 1 { try reader.skip(4) } // indexed-storage K and reserved
            try checkSizes(offsetSize, lengthSize, at: start)
            storedBase = try reader.hdf5Unsigned(offsetSize)
            try reader.skip(offsetSize) // free-space address
            endAddress = try reader.hdf5Unsigned(offsetSize)
            try reader.skip(offsetSize) // driver-information address
            _ = try reader.hdf5Unsigned(offsetSize) // root entry: link name offset
            rootAddress = try reader.hdf5Unsigned(offsetSize)
        case 2, 3:
            offsetSize = Int(try reader.u8())
            lengthSize = Int(try reader.u8())
            try reader.skip(1) // consistency flags
            try checkSizes(offsetSize, lengthSize, at: start)
            storedBase = try reader.hdf5Unsigned(offsetSize)
            try reader.skip(offsetSize) // superblock extension address
            endAddress = try reader.hdf5Unsigned(offsetSize)
            rootAddress = try reader.hdf5Unsigned(offsetSize)
            try reader.skip(4) // checksum
        default:
            throw HDF5Error(.unsupported, "superblock version \(version)", at: start + 8)
        }
        // The reference library treats the superblock's own position as the base when they differ.
        // The stored base address is ignored, as by the reference library whenever it differs from
        // the superblock's own position: addresses are relative to where the signature was found.
        _ = storedBase
        let base = start
        var superblock = Superblock(version: version, offset: start, offsetSize: offsetSize, lengthSize: lengthSize,
                                    baseAddress: base, rootObjectHeader: 0,
                                    endOfFile: Int(exactly: endAddress) ?? Int.max)
        superblock.rootObjectHeader = try superblock.absolute(rootAddress, in: source, what: "root object header")
        return superblock
    }

    /// Why the file's length disagrees with the end-of-file address in the superblock (truncated, or bytes
    /// appended after the HDF5 data), or `nil` when they agree.
    public var lengthMismatch: String? {
        if superblock.endOfFile > source.count {
            return "file is \(source.count) bytes but its superblock says it ends at byte \(superblock.endOfFile) (truncated)"
        }
        if superblock.endOfFile < source.count {
            return "\(source.count - superblock.endOfFile) byte(s) follow the end of the HDF5 data at byte \(superblock.endOfFile)"
        }
        return nil
    }

    static func checkSizes(_ offsetSize: Int, _ lengthSize: Int, at start: Int) throws {
        guard [2, 4, 8].contains(offsetSize), [2, 4, 8].contains(lengthSize) else {
            throw HDF5Error(.malformed, "offset size \(offsetSize) / length size \(lengthSize) not 2, 4 or 8", at: start)
        }
    }
}

extension HDF5File.Superblock {
    /// Whether `address` is the undefined address (all bits set) for this file's offset size.
    func isUndefined(_ address: UInt64) -> Bool {
        offsetSize >= 8 ? address == UInt64.max : address == (UInt64(1) << UInt64(offsetSize * 8)) - 1
    }

    /// Converts a file address to an absolute offset inside `source`.
    /// - Throws: `HDF5Error.malformed` when it is undefined, overflows or lies outside the file.
    func absolute(_ address: UInt64, in source: ByteSource, what: String) throws -> Int {
        guard !isUndefined(address) else { throw HDF5Error(.malformed, "\(what) address is undefined", at: offset) }
        guard let relative = Int(exactly: address), case let (sum, false) = baseAddress.addingReportingOverflow(relative),
              sum < source.count else {
            throw HDF5Error(.malformed, "\(what) address \(address) lies outside the file (\(source.count) bytes)", at: offset)
        }
        return sum
    }
}
