import VetBytes

/// Objects of the global heap collections one decode has read, so each collection is walked once.
struct HDF5GlobalHeapCache {
    private var collections: [UInt64: [UInt32: ByteSource]] = [:]
    /// Collection bytes walked so far; crafted overlapping collections cannot make decoding quadratic.
    private var walked = 0

    /// Returns object `index` of the collection at file address `address`.
    /// - Throws: `HDF5Error.malformed` when the collection is malformed or lacks the object.
    mutating func object(_ index: UInt32, inCollection address: UInt64, of file: HDF5File, at offset: Int) throws -> ByteSource {
        if collections[address] == nil {
            guard collections.count < 4_096 else { throw HDF5Error(.limit, "more than 4096 global heap collections", at: offset) }
            let (objects, size) = try Self.read(address, of: file)
            walked = try Checked.add(walked, size)
            guard walked <= file.limits.maxValueBytes else {
                throw HDF5Error(.limit, "global heap collections exceed \(file.limits.maxValueBytes) bytes", at: offset)
            }
            collections[address] = objects
        }
        guard let object = collections[address]?[index] else {
            throw HDF5Error(.malformed, "global heap object \(index) not found in collection at \(address)", at: offset)
        }
        return object
    }

    /// Reads every object of one "GCOL" collection; also returns the collection's size.
    static func read(_ address: UInt64, of file: HDF5File) throws -> (objects: [UInt32: ByteSource], size: Int) {
        let start = try file.superblock.absolute(address, in: file.source, what: "global heap collection")
        var reader = file.source.reader()
        try reader.seek(to: start)
        try reader.hdf5ExpectSignature("GCOL")
        let version = try reader.u8()
        guard version == 1 else { throw HDF5Error(.malformed, "global heap version \(version)", at: start + 4) }
        try reader.skip(3)
        let size = try Checked.int(try reader.hdf5Unsigned(file.superblock.lengthSize), "global heap size")
        let headerSize = 8 + file.superblock.lengthSize
        guard size >= headerSize else { throw HDF5Error(.malformed, "global heap of \(size) bytes", at: start) }
        var body = try file.source.slice(reader.offset..<(try Checked.add(start, size))).reader()
        var objects: [UInt32: ByteSource] = [:]
        // Each object takes at least 16 bytes, so the walk ends within size / 16 steps.
        while body.remaining >= 8 + file.superblock.lengthSize {
            let index = try body.u16le()
            if index == 0 { break } // free space runs to the end of the collection
            try body.skip(6) // reference count and reserved
            let length = try Checked.int(try body.hdf5Unsigned(file.superblock.lengthSize), "heap object size")
            guard length <= body.remaining else {
                throw HDF5Error(.malformed, "global heap object of \(length) bytes overruns its collection", at: start)
            }
            objects[UInt32(index)] = try body.view(length)
            try body.skip(min((8 - length % 8) % 8, body.remaining))
        }
        return (objects, size)
    }
}
