import VetBytes

/// Reads attributes and links kept in dense storage: a fractal heap of messages indexed by a
/// version-2 B-tree of names. Covers what the reference library writes for attribute sets: a
/// one-leaf B-tree, and a heap whose root is a direct block or an indirect block of direct blocks.
/// Deeper trees, nested indirect blocks, filtered heaps and huge objects are `.unsupported`.
struct HDF5DenseAttributes {
    let file: HDF5File
    /// Heap-address-space start, absolute file offset and size of every direct block.
    var blocks: [(heapOffset: Int, address: Int, size: Int)] = []
    var heapIDLength = 0, offsetFieldSize = 0, lengthFieldSize = 0

    init(file: HDF5File, heap: UInt64) throws {
        self.file = file
        let sb = file.superblock
        let start = try sb.absolute(heap, in: file.source, what: "fractal heap")
        var reader = file.source.reader()
        try reader.seek(to: start)
        try reader.hdf5ExpectSignature("FRHP")
        try reader.skip(1)
        heapIDLength = Int(try reader.u16le())
        let filterLength = try reader.u16le()
        try reader.skip(1) // flags: only whether direct blocks carry checksums, which moves no field read here
        let maxManaged = try reader.u32le()
        try reader.skip(sb.lengthSize + sb.offsetSize + sb.lengthSize + sb.offsetSize + 8 * sb.lengthSize)
        let width = Int(try reader.u16le())
        let startSize = try Checked.int(try reader.hdf5Unsigned(sb.lengthSize), "starting block size")
        let maxDirect = try Checked.int(try reader.hdf5Unsigned(sb.lengthSize), "maximum direct block size")
        let heapBits = Int(try reader.u16le())
        try reader.skip(2)
        let root = try reader.hdf5Unsigned(sb.offsetSize)
        let rows = Int(try reader.u16le())
        guard filterLength == 0 else { throw HDF5Error(.unsupported, "filtered (compressed) fractal heap", at: start) }
        guard (1...64).contains(heapBits), startSize > 0, startSize.nonzeroBitCount == 1, maxDirect.nonzeroBitCount == 1,
              maxDirect >= startSize, (1...65_536).contains(width), maxManaged > 0 else {
            throw HDF5Error(.malformed, "fractal heap header has impossible sizes", at: start)
        }
        let log2 = { (value: Int) in Int.bitWidth - 1 - value.leadingZeroBitCount }
        offsetFieldSize = (heapBits + 7) / 8
        lengthFieldSize = min((log2(maxDirect) + 7) / 8, log2(Int(maxManaged)) / 8 + 1)
        if sb.isUndefined(root) { return }
        let rootAddress = try sb.absolute(root, in: file.source, what: "fractal heap root block")
        if rows == 0 {
            try addDirectBlock(at: rootAddress, size: startSize)
            return
        }
        let directRows = log2(maxDirect) - log2(startSize) + 2
        guard rows <= directRows else {
            throw HDF5Error(.unsupported, "fractal heap with nested indirect blocks", at: rootAddress)
        }
        var indirect = file.source.reader()
        try indirect.seek(to: rootAddress)
        try indirect.hdf5ExpectSignature("FHIB")
        try indirect.skip(1 + sb.offsetSize + offsetFieldSize)
        for entry in 0..<(try Checked.multiply(rows, width)) {
            let address = try indirect.hdf5Unsigned(sb.offsetSize)
            guard !sb.isUndefined(address), address != 0 else { continue }
            let row = entry / width
            let size = row < 2 ? startSize : try Checked.multiply(startSize, 1 << min(row - 1, 40), "block size")
            try addDirectBlock(at: try sb.absolute(address, in: file.source, what: "direct block"), size: size)
        }
        blocks.sort { $0.heapOffset < $1.heapOffset }
    }

    private mutating func addDirectBlock(at address: Int, size: Int) throws {
        guard blocks.count < file.limits.maxTreeNodes else {
            throw HDF5Error(.limit, "fractal heap has more than \(file.limits.maxTreeNodes) blocks", at: address)
        }
        var reader = file.source.reader()
        try reader.seek(to: address)
        try reader.hdf5ExpectSignature("FHDB")
        try reader.skip(1 + file.superblock.offsetSize)
        let heapOffset = try Checked.int(try reader.hdf5UnsignedAny(offsetFieldSize), "block offset")
        guard size <= file.source.count - address else {
            throw HDF5Error(.malformed, "direct block of \(size) bytes runs past the end of the file", at: address)
        }
        blocks.append((heapOffset, address, size))
    }

    /// The bytes a heap ID names: tiny objects from the ID itself, managed objects from a direct block.
    func object(_ id: [UInt8], at offset: Int) throws -> ByteSource {
        guard let first = id.first else { throw HDF5Error(.malformed, "empty heap ID", at: offset) }
        switch (first >> 4) & 0x03 {
        case 2:
            let length = Int(first & 0x0F) + 1
            guard length < id.count else { throw HDF5Error(.malformed, "tiny heap object overruns its ID", at: offset) }
            return ByteSource(id[1...length])
        case 0:
            var reader = ByteSource(id).reader()
            try reader.skip(1)
            let position = try Checked.int(try reader.hdf5UnsignedAny(offsetFieldSize), "heap offset")
            let length = try Checked.int(try reader.hdf5UnsignedAny(lengthFieldSize), "heap object length")
            // Blocks are sorted by heap offset (see `init`): take the last one starting at or before `position`.
            var low = 0, high = blocks.count
            while low < high {
                let middle = (low + high) / 2
                if blocks[middle].heapOffset <= position { low = middle + 1 } else { high = middle }
            }
            guard low > 0, case let block = blocks[low - 1], position - block.heapOffset < block.size,
                  length <= block.size - (position - block.heapOffset) else {
                throw HDF5Error(.malformed, "heap object at heap offset \(position) lies in no direct block", at: offset)
            }
            let start = block.address + (position - block.heapOffset)
            return try file.source.slice(start..<(start + length))
        default:
            throw HDF5Error(.unsupported, "huge fractal heap objects are not read", at: offset)
        }
    }
}

extension ByteReader {
    /// Reads an unsigned little-endian integer of 1 to 8 bytes.
    mutating func hdf5UnsignedAny(_ size: Int) throws -> UInt64 {
        guard (1...8).contains(size) else { throw HDF5Error(.malformed, "field of \(size) bytes", at: offset) }
        return try bytes(size).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    }
}

extension HDF5File {
    /// The messages kept in dense storage by an attribute-info or link-info message, in name-index order.
    /// Name indexes of depth 0 and 1 are read (a root leaf, or a root internal node over leaves).
    /// - Parameter type: `attribute` (records: heap ID, flags, order, hash) or `link` (records: hash, heap ID).
    func denseMessages(heap: UInt64, nameIndex: UInt64, type: UInt16) throws -> [HDF5Message] {
        let isLink = type == HDF5ObjectHeader.MessageType.link
        let storage = try HDF5DenseAttributes(file: self, heap: heap)
        let start = try superblock.absolute(nameIndex, in: source, what: "attribute name index")
        var reader = source.reader()
        try reader.seek(to: start)
        try reader.hdf5ExpectSignature("BTHD")
        try reader.skip(2)
        let nodeSize = try Checked.int(try reader.u32le(), "node size")
        let recordSize = Int(try reader.u16le())
        let depth = try reader.u16le()
        try reader.skip(2)
        let root = try reader.hdf5Unsigned(superblock.offsetSize)
        let count = Int(try reader.u16le())
        guard depth <= 1 else { throw HDF5Error(.unsupported, "attribute name index of depth \(depth)", at: start) }
        guard recordSize >= storage.heapIDLength + (isLink ? 4 : 1), nodeSize > 10 + recordSize else {
            throw HDF5Error(.malformed, "attribute name index records do not fit their nodes", at: start)
        }
        if count == 0 || superblock.isUndefined(root) { return [] }
        var messages: [HDF5Message] = []
        func readRecords(_ node: inout ByteReader, _ n: Int) throws {
            guard messages.count + n <= limits.maxAttributes else {
                throw HDF5Error(.limit, "more than \(limits.maxAttributes) dense records", at: node.offset)
            }
            for _ in 0..<n {
                let recordStart = node.offset
                if isLink { try node.skip(4) } // name hash
                let id = try node.bytes(storage.heapIDLength)
                let flags = isLink ? 0 : try node.u8()
                try node.seek(to: try Checked.add(recordStart, recordSize))
                messages.append(HDF5Message(type: type, flags: flags,
                                            data: try storage.object(id, at: recordStart), offset: recordStart))
            }
        }
        var node = source.reader()
        try node.seek(to: try superblock.absolute(root, in: source, what: "attribute name index root"))
        try node.hdf5ExpectSignature(depth == 0 ? "BTLF" : "BTIN")
        try node.skip(2)
        try readRecords(&node, count)
        guard depth == 1 else { return messages }
        // Children of a depth-1 node are leaves: an address and a record count sized for a leaf's maximum.
        let leafMaximum = (nodeSize - 10) / recordSize
        let countSize = (Int.bitWidth - leafMaximum.leadingZeroBitCount + 7) / 8
        var visited: Set<Int> = []
        for _ in 0...count {
            let child = try superblock.absolute(try node.hdf5Unsigned(superblock.offsetSize), in: source, what: "name index leaf")
            let records = try Checked.int(try node.hdf5UnsignedAny(countSize), "leaf record count")
            guard visited.insert(child).inserted, records <= leafMaximum else {
                throw HDF5Error(.malformed, "name index leaf at byte \(child) repeated or overfull", at: node.offset)
            }
            var leaf = source.reader()
            try leaf.seek(to: child)
            try leaf.hdf5ExpectSignature("BTLF")
            try leaf.skip(2)
            try readRecords(&leaf, records)
        }
        return messages
    }
}
