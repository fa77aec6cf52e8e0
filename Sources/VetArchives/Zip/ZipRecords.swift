import VetBytes

/// The four-byte signatures that open zip records.
enum ZipSignature {
    static let local: UInt32 = 0x0403_4B50
    static let central: UInt32 = 0x0201_4B50
    static let end: UInt32 = 0x0605_4B50
    static let zip64End: UInt32 = 0x0606_4B50
    static let zip64Locator: UInt32 = 0x0706_4B50
    static let dataDescriptor: UInt32 = 0x0807_4B50

    /// The signature at `offset`, or `nil` when fewer than four bytes remain.
    static func at(_ source: ByteSource, _ offset: Int) -> UInt32? {
        guard offset >= 0, offset <= source.count - 4 else { return nil }
        var reader = source.reader()
        guard (try? reader.seek(to: offset)) != nil else { return nil }
        return try? reader.u32le()
    }
}

/// The end-of-central-directory record (22 bytes plus comment).
struct EndRecord {
    static let size = 22
    var offset: Int
    var diskNumber: UInt16
    var centralDirectoryDisk: UInt16
    var entriesOnDisk: UInt16
    var totalEntries: UInt16
    var centralDirectorySize: UInt32
    var centralDirectoryOffset: UInt32
    var commentLength: UInt16

    init(_ source: ByteSource, at offset: Int) throws {
        var reader = source.reader()
        try reader.seek(to: offset)
        _ = try reader.u32le()
        self.offset = offset
        diskNumber = try reader.u16le()
        centralDirectoryDisk = try reader.u16le()
        entriesOnDisk = try reader.u16le()
        totalEntries = try reader.u16le()
        centralDirectorySize = try reader.u32le()
        centralDirectoryOffset = try reader.u32le()
        commentLength = try reader.u16le()
    }

    /// Where the comment would end if its declared length were true.
    var commentEnd: Int { offset + EndRecord.size + Int(commentLength) }
}

/// The zip64 end-of-central-directory locator (20 bytes, just before the end record).
struct Zip64Locator {
    static let size = 20
    var offset: Int
    var recordDisk: UInt32
    var recordOffset: UInt64
    var totalDisks: UInt32

    init(_ source: ByteSource, at offset: Int) throws {
        var reader = source.reader()
        try reader.seek(to: offset)
        _ = try reader.u32le()
        self.offset = offset
        recordDisk = try reader.u32le()
        recordOffset = try reader.u64le()
        totalDisks = try reader.u32le()
    }
}

/// The zip64 end-of-central-directory record (56 bytes plus extensible data).
struct Zip64EndRecord {
    static let fixedSize = 56
    var offset: Int
    var recordSize: UInt64
    var diskNumber: UInt32
    var centralDirectoryDisk: UInt32
    var entriesOnDisk: UInt64
    var totalEntries: UInt64
    var centralDirectorySize: UInt64
    var centralDirectoryOffset: UInt64

    init(_ source: ByteSource, at offset: Int) throws {
        var reader = source.reader()
        try reader.seek(to: offset)
        _ = try reader.u32le()
        self.offset = offset
        recordSize = try reader.u64le()
        _ = try reader.u16le()
        _ = try reader.u16le()
        diskNumber = try reader.u32le()
        centralDirectoryDisk = try reader.u32le()
        entriesOnDisk = try reader.u64le()
        totalEntries = try reader.u64le()
        centralDirectorySize = try reader.u64le()
        centralDirectoryOffset = try reader.u64le()
    }

    /// The end of the record as its size field declares it (size excludes the first 12 bytes).
    func declaredEnd() throws -> Int {
        try Checked.add(offset, Checked.add(12, Checked.int(recordSize, "zip64 end record size")))
    }
}

/// A central-directory file header (46 bytes plus name, extra field and comment).
struct CentralHeader {
    static let fixedSize = 46
    var versionMadeBy: UInt16
    var versionNeeded: UInt16
    var flags: UInt16
    var method: UInt16
    var crc32: UInt32
    var compressedSize: UInt32
    var uncompressedSize: UInt32
    var diskStart: UInt16
    var externalAttributes: UInt32
    var localHeaderOffset: UInt32
    var name: [UInt8]
    var extra: ByteSource
    var length: Int

    /// Reads the header at `offset`, not reading past `limit`.
    init(_ source: ByteSource, at offset: Int, limit: Int) throws {
        var reader = try source.slice(offset..<limit).reader()
        _ = try reader.u32le()
        versionMadeBy = try reader.u16le()
        versionNeeded = try reader.u16le()
        flags = try reader.u16le()
        method = try reader.u16le()
        _ = try reader.u32le()
        crc32 = try reader.u32le()
        compressedSize = try reader.u32le()
        uncompressedSize = try reader.u32le()
        let nameLength = Int(try reader.u16le())
        let extraLength = Int(try reader.u16le())
        let commentLength = Int(try reader.u16le())
        diskStart = try reader.u16le()
        _ = try reader.u16le()
        externalAttributes = try reader.u32le()
        localHeaderOffset = try reader.u32le()
        name = try reader.bytes(nameLength)
        extra = try reader.view(extraLength)
        try reader.skip(commentLength)
        length = reader.offset
    }
}

/// A local file header (30 bytes plus name and extra field).
struct LocalHeader {
    static let fixedSize = 30
    var versionNeeded: UInt16
    var flags: UInt16
    var method: UInt16
    var crc32: UInt32
    var compressedSize: UInt32
    var uncompressedSize: UInt32
    var name: [UInt8]
    var extra: ByteSource
    var length: Int

    init(_ source: ByteSource, at offset: Int) throws {
        var reader = source.reader()
        try reader.seek(to: offset)
        guard try reader.u32le() == ZipSignature.local else {
            throw ByteError.outOfBounds(offset: offset, needed: 4, available: source.count)
        }
        versionNeeded = try reader.u16le()
        flags = try reader.u16le()
        method = try reader.u16le()
        _ = try reader.u32le()
        crc32 = try reader.u32le()
        compressedSize = try reader.u32le()
        uncompressedSize = try reader.u32le()
        let nameLength = Int(try reader.u16le())
        let extraLength = Int(try reader.u16le())
        name = try reader.bytes(nameLength)
        extra = try reader.view(extraLength)
        length = reader.offset - offset
    }
}
