import VetBytes

/// The extra-field block of a zip header: a sequence of (id, length, data) records.
struct ZipExtraFields {
    static let zip64: UInt16 = 0x0001
    static let aes: UInt16 = 0x9901

    /// The records in order.
    var fields: [(id: UInt16, data: ByteSource)] = []
    /// Whether the block ended exactly at a record boundary.
    var isWellFormed = true

    /// Splits `block` into records; stops at the first record that overruns the block.
    init(_ block: ByteSource) {
        var reader = block.reader()
        // Each pass consumes at least four bytes of a block of at most 65535, so it ends.
        while !reader.isAtEnd {
            guard reader.remaining >= 4, let id = try? reader.u16le(), let length = try? reader.u16le(),
                  let data = try? reader.view(Int(length)) else {
                isWellFormed = false
                return
            }
            fields.append((id, data))
        }
    }

    /// The data of the first record with `id`.
    func first(_ id: UInt16) -> ByteSource? { fields.first { $0.id == id }?.data }
}

/// The values a zip64 extended-information field supplies for the header fields that hold the
/// 0xFFFFFFFF (or 0xFFFF) placeholder, read in the order APPNOTE 4.5.3 fixes.
struct Zip64Values {
    var uncompressedSize: UInt64?
    var compressedSize: UInt64?
    var localHeaderOffset: UInt64?
    var diskStart: UInt32?
    /// Placeholders the field did not supply.
    var missing: [String] = []

    init(_ field: ByteSource?, needUncompressed: Bool, needCompressed: Bool, needOffset: Bool, needDisk: Bool) {
        var reader = (field ?? ByteSource([UInt8]())).reader()
        if needUncompressed {
            uncompressedSize = try? reader.u64le()
            if uncompressedSize == nil { missing.append("uncompressed size") }
        }
        if needCompressed {
            compressedSize = try? reader.u64le()
            if compressedSize == nil { missing.append("compressed size") }
        }
        if needOffset {
            localHeaderOffset = try? reader.u64le()
            if localHeaderOffset == nil { missing.append("local header offset") }
        }
        if needDisk {
            diskStart = try? reader.u32le()
            if diskStart == nil { missing.append("disk number") }
        }
    }
}
