import VetBytes

/// One header message of an object (a group or dataset): its type and its bytes.
public struct HDF5Message: Sendable {
    /// The message type (0x000C attribute, 0x0006 link, 0x0011 symbol table, …).
    public var type: UInt16
    /// The message flags (bit 1: the message is shared and stored elsewhere).
    public var flags: UInt8
    /// The message body.
    public var data: ByteSource
    /// Absolute offset of the body in the file.
    public var offset: Int
}

/// The messages of one object header, gathered from its first chunk and every continuation chunk.
public struct HDF5ObjectHeader: Sendable {
    /// Header version (1 or 2).
    public var version: Int
    /// Every message, in chunk order, continuations and NIL messages excluded.
    public var messages: [HDF5Message]

    /// Message type numbers this reader interprets.
    enum MessageType {
        static let nil_: UInt16 = 0x0000
        static let dataspace: UInt16 = 0x0001
        static let linkInfo: UInt16 = 0x0002
        static let datatype: UInt16 = 0x0003
        static let link: UInt16 = 0x0006
        static let attribute: UInt16 = 0x000C
        static let continuation: UInt16 = 0x0010
        static let symbolTable: UInt16 = 0x0011
        static let attributeInfo: UInt16 = 0x0015
    }

    /// A chunk still to read: where its messages start and how many bytes they span.
    struct Chunk { var start: Int; var length: Int }
}

extension HDF5File {
    /// Reads the object header at absolute offset `address`, following continuation messages.
    /// - Throws: `HDF5Error` for an unknown version, a message or chunk that leaves its bounds, a
    ///   continuation cycle, or too many messages or chunks.
    public func objectHeader(at address: Int) throws(HDF5Error) -> HDF5ObjectHeader {
        do {
            var reader = source.reader()
            try reader.seek(to: address)
            if source.prefixBytes(from: address, length: 4) == Array("OHDR".utf8) {
                return try readVersion2(&reader, at: address)
            }
            return try readVersion1(&reader, at: address)
        } catch {
            throw HDF5Error.wrap(error, at: address)
        }
    }

    private func readVersion1(_ reader: inout ByteReader, at address: Int) throws -> HDF5ObjectHeader {
        let version = try reader.u8()
        guard version == 1 else { throw HDF5Error(.malformed, "object header version \(version) is not 1 or 2", at: address) }
        try reader.skip(1)
        let declared = Int(try reader.u16le())
        try reader.skip(4) // reference count
        let size = try Checked.int(try reader.u32le(), "object header size")
        try reader.skip(4) // alignment of the 12-byte prefix to 16
        var header = HDF5ObjectHeader(version: 1, messages: [])
        var pending = [HDF5ObjectHeader.Chunk(start: reader.offset, length: size)]
        var visited: Set<Int> = [reader.offset]
        var seen = 0
        while let chunk = pending.popLast() {
            var chunkReader = try source.slice(chunk.start..<(try Checked.add(chunk.start, chunk.length))).reader()
            while chunkReader.remaining >= 8, seen < declared {
                let start = chunkReader.offset
                let type = try chunkReader.u16le()
                let length = Int(try chunkReader.u16le())
                let flags = try chunkReader.u8()
                try chunkReader.skip(3)
                guard length <= chunkReader.remaining else {
                    throw HDF5Error(.malformed, "header message of \(length) bytes overruns its chunk", at: chunk.start + start)
                }
                let data = try chunkReader.view(length)
                seen += 1
                try record(HDF5Message(type: type, flags: flags, data: data, offset: chunk.start + start + 8),
                           into: &header, pending: &pending, visited: &visited)
            }
        }
        return header
    }

    private func readVersion2(_ reader: inout ByteReader, at address: Int) throws -> HDF5ObjectHeader {
        try reader.skip(4)
        let version = try reader.u8()
        guard version == 2 else { throw HDF5Error(.malformed, "OHDR version \(version) is not 2", at: address + 4) }
        let flags = try reader.u8()
        if flags & 0x20 != 0 { try reader.skip(16) } // access, modification, change and birth times
        if flags & 0x10 != 0 { try reader.skip(4) } // attribute phase-change values
        let size = try Checked.int(try reader.hdf5Unsigned(1 << Int(flags & 0x03)), "chunk size")
        let tracksOrder = flags & 0x04 != 0
        var header = HDF5ObjectHeader(version: 2, messages: [])
        var pending = [HDF5ObjectHeader.Chunk(start: reader.offset, length: size)]
        var visited: Set<Int> = [address]
        var first = true
        while let chunk = pending.popLast() {
            var start = chunk.start, length = chunk.length
            if !first {
                // A continuation chunk: "OCHK", messages, then a checksum.
                var signature = try source.slice(start..<(try Checked.add(start, 4))).reader()
                try signature.hdf5ExpectSignature("OCHK")
                guard length >= 8 else { throw HDF5Error(.malformed, "continuation chunk of \(length) bytes", at: start) }
                start += 4
                length -= 8
            }
            first = false
            var chunkReader = try source.slice(start..<(try Checked.add(start, length))).reader()
            let headerSize = tracksOrder ? 6 : 4
            while chunkReader.remaining >= headerSize {
                let messageStart = chunkReader.offset
                let type = UInt16(try chunkReader.u8())
                let length = Int(try chunkReader.u16le())
                let messageFlags = try chunkReader.u8()
                if tracksOrder { try chunkReader.skip(2) }
                guard length <= chunkReader.remaining else {
                    throw HDF5Error(.malformed, "header message of \(length) bytes overruns its chunk", at: start + messageStart)
                }
                let data = try chunkReader.view(length)
                try record(HDF5Message(type: type, flags: messageFlags, data: data, offset: start + messageStart + headerSize),
                           into: &header, pending: &pending, visited: &visited)
            }
        }
        return header
    }

    /// Keeps a message, or queues the chunk a continuation message points at.
    private func record(_ message: HDF5Message, into header: inout HDF5ObjectHeader,
                        pending: inout [HDF5ObjectHeader.Chunk], visited: inout Set<Int>) throws {
        switch message.type {
        case HDF5ObjectHeader.MessageType.nil_:
            return
        case HDF5ObjectHeader.MessageType.continuation:
            var body = message.data.reader()
            let target = try superblock.absolute(try body.hdf5Unsigned(superblock.offsetSize), in: source, what: "continuation")
            let length = try Checked.int(try body.hdf5Unsigned(superblock.lengthSize), "continuation length")
            guard visited.insert(target).inserted else {
                throw HDF5Error(.malformed, "object header continuation chain loops back to byte \(target)", at: message.offset)
            }
            guard visited.count <= limits.maxContinuations else {
                throw HDF5Error(.limit, "more than \(limits.maxContinuations) continuation chunks", at: message.offset)
            }
            pending.insert(HDF5ObjectHeader.Chunk(start: target, length: length), at: 0)
        default:
            guard header.messages.count < limits.maxMessages else {
                throw HDF5Error(.limit, "more than \(limits.maxMessages) header messages", at: message.offset)
            }
            header.messages.append(message)
        }
    }
}
