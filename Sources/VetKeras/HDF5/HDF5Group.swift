import VetBytes

/// A named child of a group.
public struct HDF5Link: Sendable, Equatable {
    /// Where a link leads.
    public enum Target: Sendable, Equatable {
        /// An object in this file, at this absolute offset.
        case object(Int)
        /// A soft link to a path.
        case soft(String)
        /// A link to another file (or a user-defined link type), not followed.
        case external(type: Int)
    }

    /// The child's name.
    public var name: String
    /// Where it leads.
    public var target: Target
}

extension HDF5File {
    /// The attributes of the root group.
    /// - Throws: `HDF5Error`; `.unsupported` for dense storage beyond what this reader follows.
    public func rootAttributes() throws(HDF5Error) -> [HDF5Attribute] {
        try attributes(of: try objectHeader(at: superblock.rootObjectHeader))
    }

    /// The attributes of the group or dataset at `path` (e.g. `model_weights` or `a/b`), following hard links.
    /// - Throws: `HDF5Error.malformed` when a path component is missing or not a hard link.
    public func attributes(at path: String) throws(HDF5Error) -> [HDF5Attribute] {
        try attributes(of: try objectHeader(at: try resolve(path)))
    }

    /// The links of the group at `path` (`/` or empty for the root), in storage order.
    /// - Throws: `HDF5Error`; `.unsupported` for dense storage beyond what this reader follows.
    public func children(at path: String = "/") throws(HDF5Error) -> [HDF5Link] {
        try links(of: try objectHeader(at: try resolve(path)))
    }

    /// The absolute object-header offset of `path`, walking hard links from the root.
    public func resolve(_ path: String) throws(HDF5Error) -> Int {
        let components = path.split(separator: "/").map(String.init)
        guard components.count <= limits.maxDepth else {
            throw HDF5Error(.limit, "path \(path) is deeper than \(limits.maxDepth)", at: superblock.offset)
        }
        var address = superblock.rootObjectHeader
        for component in components {
            let links = try links(of: try objectHeader(at: address))
            guard let link = links.first(where: { $0.name == component }) else {
                throw HDF5Error(.malformed, "no member \(component) in \(path)", at: address)
            }
            guard case let .object(next) = link.target else {
                throw HDF5Error(.unsupported, "\(component) in \(path) is not a hard link", at: address)
            }
            address = next
        }
        return address
    }

    /// Decodes every attribute message of `header`.
    public func attributes(of header: HDF5ObjectHeader) throws(HDF5Error) -> [HDF5Attribute] {
        var result: [HDF5Attribute] = []
        var budget = limits.maxValueBytes
        var heaps = HDF5GlobalHeapCache()
        for message in header.messages {
            do {
                switch message.type {
                case HDF5ObjectHeader.MessageType.attributeInfo:
                    var body = message.data.reader()
                    let version = try body.u8()
                    guard version == 0 else { throw HDF5Error(.malformed, "attribute info version \(version)", at: message.offset) }
                    if try body.u8() & 0x01 != 0 { try body.skip(2) } // maximum creation index
                    let heap = try body.hdf5Unsigned(superblock.offsetSize)
                    let nameIndex = try body.hdf5Unsigned(superblock.offsetSize)
                    guard !superblock.isUndefined(heap) else { continue }
                    for dense in try denseMessages(heap: heap, nameIndex: nameIndex, type: HDF5ObjectHeader.MessageType.attribute) {
                        guard dense.flags & 0x02 == 0 else {
                            throw HDF5Error(.unsupported, "shared attribute message", at: dense.offset)
                        }
                        guard result.count < limits.maxAttributes else {
                            throw HDF5Error(.limit, "more than \(limits.maxAttributes) attributes", at: dense.offset)
                        }
                        result.append(try attribute(from: dense, budget: &budget, heaps: &heaps))
                    }
                case HDF5ObjectHeader.MessageType.attribute:
                    if message.flags & 0x02 != 0 {
                        throw HDF5Error(.unsupported, "shared attribute message", at: message.offset)
                    }
                    guard result.count < limits.maxAttributes else {
                        throw HDF5Error(.limit, "more than \(limits.maxAttributes) attributes", at: message.offset)
                    }
                    result.append(try attribute(from: message, budget: &budget, heaps: &heaps))
                default:
                    continue
                }
            } catch {
                throw HDF5Error.wrap(error, at: message.offset)
            }
        }
        return result
    }

    /// Lists the links of the group whose header is `header`: compact link messages, or an old-style symbol table.
    public func links(of header: HDF5ObjectHeader) throws(HDF5Error) -> [HDF5Link] {
        var result: [HDF5Link] = []
        for message in header.messages {
            do {
                switch message.type {
                case HDF5ObjectHeader.MessageType.linkInfo:
                    var body = message.data.reader()
                    let version = try body.u8()
                    guard version == 0 else { throw HDF5Error(.malformed, "link info version \(version)", at: message.offset) }
                    if try body.u8() & 0x01 != 0 { try body.skip(8) } // maximum creation index
                    let heap = try body.hdf5Unsigned(superblock.offsetSize)
                    let nameIndex = try body.hdf5Unsigned(superblock.offsetSize)
                    guard !superblock.isUndefined(heap) else { continue }
                    for dense in try denseMessages(heap: heap, nameIndex: nameIndex, type: HDF5ObjectHeader.MessageType.link) {
                        result.append(try link(from: dense))
                    }
                case HDF5ObjectHeader.MessageType.link:
                    result.append(try link(from: message))
                case HDF5ObjectHeader.MessageType.symbolTable:
                    var body = message.data.reader()
                    let tree = try body.hdf5Unsigned(superblock.offsetSize)
                    let heap = try body.hdf5Unsigned(superblock.offsetSize)
                    result += try symbolTableLinks(tree: tree, heap: heap)
                default:
                    continue
                }
                guard result.count <= limits.maxLinks else {
                    throw HDF5Error(.limit, "more than \(limits.maxLinks) links in one group", at: message.offset)
                }
            } catch {
                throw HDF5Error.wrap(error, at: message.offset)
            }
        }
        return result
    }

    /// Decodes a link message (0x0006).
    private func link(from message: HDF5Message) throws -> HDF5Link {
        var body = message.data.reader()
        let version = try body.u8()
        guard version == 1 else { throw HDF5Error(.malformed, "link message version \(version)", at: message.offset) }
        let flags = try body.u8()
        let type = flags & 0x08 != 0 ? Int(try body.u8()) : 0
        if flags & 0x04 != 0 { try body.skip(8) } // creation order
        if flags & 0x10 != 0 { try body.skip(1) } // name character set
        let nameLength = try Checked.int(try body.hdf5Unsigned(1 << Int(flags & 0x03)), "link name length")
        let name = String(decoding: try body.bytes(nameLength), as: UTF8.self)
        switch type {
        case 0:
            let address = try superblock.absolute(try body.hdf5Unsigned(superblock.offsetSize), in: source, what: "link \(name)")
            return HDF5Link(name: name, target: .object(address))
        case 1:
            let length = Int(try body.u16le())
            return HDF5Link(name: name, target: .soft(String(decoding: try body.bytes(length), as: UTF8.self)))
        default:
            return HDF5Link(name: name, target: .external(type: type))
        }
    }
}
