import VetBytes

extension HDF5File {
    /// Lists an old-style group: walks its version-1 B-tree to the symbol-table nodes and reads each
    /// name from the local heap. Nodes are visited once each, within `limits.maxTreeNodes` and `maxDepth` levels.
    func symbolTableLinks(tree: UInt64, heap: UInt64) throws -> [HDF5Link] {
        let names = try localHeapData(heap)
        var links: [HDF5Link] = []
        var visited: Set<Int> = []
        var pending: [(address: Int, level: Int?)] = [(try superblock.absolute(tree, in: source, what: "group B-tree"), nil)]
        while let (address, expectedLevel) = pending.popLast() {
            guard visited.insert(address).inserted else {
                throw HDF5Error(.malformed, "group B-tree revisits node at byte \(address)", at: address)
            }
            guard visited.count <= limits.maxTreeNodes else {
                throw HDF5Error(.limit, "group B-tree has more than \(limits.maxTreeNodes) nodes", at: address)
            }
            var reader = source.reader()
            try reader.seek(to: address)
            try reader.hdf5ExpectSignature("TREE")
            let type = try reader.u8(), level = Int(try reader.u8())
            guard type == 0 else { throw HDF5Error(.malformed, "group B-tree node of type \(type)", at: address) }
            guard level < limits.maxDepth, expectedLevel.map({ $0 == level }) ?? true else {
                throw HDF5Error(.malformed, "group B-tree node at level \(level) out of place", at: address)
            }
            let entries = Int(try reader.u16le())
            try reader.skip(2 * superblock.offsetSize) // siblings
            var children: [Int] = []
            for _ in 0..<entries {
                try reader.skip(superblock.lengthSize) // key: heap offset of the largest name to its left
                children.append(try superblock.absolute(try reader.hdf5Unsigned(superblock.offsetSize), in: source, what: "B-tree child"))
            }
            if level > 0 {
                pending += children.reversed().map { ($0, level - 1) }
                continue
            }
            for child in children {
                guard visited.insert(child).inserted else {
                    throw HDF5Error(.malformed, "symbol table node at byte \(child) listed twice", at: address)
                }
                links += try symbolTableNode(at: child, names: names)
                guard links.count <= limits.maxLinks else {
                    throw HDF5Error(.limit, "more than \(limits.maxLinks) links in one group", at: child)
                }
            }
        }
        return links
    }

    /// Reads the entries of one "SNOD" node.
    private func symbolTableNode(at address: Int, names: ByteSource) throws -> [HDF5Link] {
        var reader = source.reader()
        try reader.seek(to: address)
        try reader.hdf5ExpectSignature("SNOD")
        try reader.skip(2) // version and reserved
        let count = Int(try reader.u16le())
        var links: [HDF5Link] = []
        for _ in 0..<count {
            let nameOffset = try Checked.int(try reader.hdf5Unsigned(superblock.offsetSize), "link name offset")
            let header = try reader.hdf5Unsigned(superblock.offsetSize)
            let cacheType = try reader.u32le()
            try reader.skip(4 + 16) // reserved and scratch pad
            let window = names.clampedSlice(from: nameOffset, length: names.count)
            guard nameOffset < names.count, let end = window.firstIndex(of: [0]) else {
                throw HDF5Error(.malformed, "link name at heap offset \(nameOffset) is not terminated inside the heap", at: address)
            }
            let name = String(decoding: try window.bytes(0..<end), as: UTF8.self)
            if cacheType == 2 {
                var scratch = source.reader()
                try scratch.seek(to: reader.offset - 16)
                let offset = Int(try scratch.u32le())
                guard offset < names.count else { throw HDF5Error(.malformed, "soft link value outside the heap", at: address) }
                let value = names.clampedSlice(from: offset, length: names.count)
                let length = value.firstIndex(of: [0]) ?? value.count
                links.append(HDF5Link(name: name, target: .soft(String(decoding: try value.bytes(0..<length), as: UTF8.self))))
            } else {
                links.append(HDF5Link(name: name, target: .object(try superblock.absolute(header, in: source, what: "link \(name)"))))
            }
        }
        return links
    }

    /// The data segment of the "HEAP" local heap at `address`.
    private func localHeapData(_ address: UInt64) throws -> ByteSource {
        let start = try superblock.absolute(address, in: source, what: "local heap")
        var reader = source.reader()
        try reader.seek(to: start)
        try reader.hdf5ExpectSignature("HEAP")
        try reader.skip(4) // version and reserved
        let size = try Checked.int(try reader.hdf5Unsigned(superblock.lengthSize), "local heap size")
        try reader.skip(superblock.lengthSize) // free list
        let data = try superblock.absolute(try reader.hdf5Unsigned(superblock.offsetSize), in: source, what: "local heap data")
        return try source.slice(data..<(try Checked.add(data, size)))
    }
}
