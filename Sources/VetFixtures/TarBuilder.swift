/// Crafts tar archives for tests and rule examples, including hostile ones: traversal names,
/// links, device nodes, bad checksums, data hidden in padding or after the end marker.
///
/// Every method returns a new builder: `TarBuilder().file("a.txt", text: "hi").bytes()`.
public struct TarBuilder: Sendable {
    /// The header dialect to write.
    public enum Format: Sendable {
        /// POSIX ustar; long names are cut to 100 bytes.
        case ustar
        /// Old GNU; long names and link targets go into 'L' and 'K' headers.
        case gnu
        /// POSIX pax; long names go into a pax 'x' header.
        case pax
        /// Pre-POSIX v7: no magic at all.
        case v7
    }

    /// One member as the builder will write it.
    public struct Header: Sendable {
        /// The member name.
        public var name: [UInt8]
        /// The member's data.
        public var data: [UInt8] = []
        /// The type flag byte.
        public var typeflag: UInt8 = UInt8(ascii: "0")
        /// The mode bits.
        public var mode: UInt32 = 0o644
        /// The link target.
        public var linkName: [UInt8] = []
        /// A size written in the header instead of the data length.
        public var sizeOverride: Int?
        /// Whether to write the size in GNU base-256 form.
        public var base256Size = false
        /// Raw bytes written into the 12-byte size field instead of the encoded size.
        public var rawSizeField: [UInt8]?
        /// Added to the correct checksum before it is written (non-zero breaks the header).
        public var checksumDelta = 0
        /// The ustar prefix field.
        public var prefix: [UInt8] = []
        /// Extra pax records written in an 'x' header before this member.
        public var paxRecords: [(key: String, value: String)] = []
        /// Bytes written as block padding instead of zeros (cut or extended to the padding length).
        public var padding: [UInt8]?

        /// Creates a regular-file header.
        /// - Parameters:
        ///   - name: The member name.
        ///   - data: The member's data.
        public init(name: String, data: [UInt8] = []) {
            self.name = Array(name.utf8)
            self.data = data
        }
    }

    enum Item: Sendable {
        case header(Header)
        case raw([UInt8])
    }

    var items: [Item] = []
    var format: Format
    var endBlocks = 2
    var trailingBytes: [UInt8] = []

    /// Creates an empty builder.
    /// - Parameter format: The header dialect to write.
    public init(format: Format = .ustar) { self.format = format }

    /// Adds a regular file.
    /// - Parameters:
    ///   - name: The member name.
    ///   - data: Its content.
    ///   - configure: Adjusts the header before it is written.
    public func file(_ name: String, _ data: [UInt8], _ configure: (inout Header) -> Void = { _ in }) -> TarBuilder {
        var header = Header(name: name, data: data)
        configure(&header)
        return adding(.header(header))
    }

    /// Adds a pax 0.1 GNU sparse member `name` standing for `logical`: its first zero byte is left
    /// out of the stored bytes and restored as a hole, so only a reader that reassembles the file
    /// (as Python's tarfile does) sees `logical`.
    public func sparseFile(_ name: String, logical: [UInt8]) -> TarBuilder {
        let hole = logical.firstIndex(of: 0) ?? logical.count
        var stored = logical
        var map = "0,\(hole)"
        if hole < logical.count {
            stored.remove(at: hole)
            map += ",\(hole + 1),\(logical.count - hole - 1)"
        }
        return file("GNUSparseFile.0/" + name, stored) {
            $0.paxRecords = [("GNU.sparse.map", map), ("GNU.sparse.size", "\(logical.count)"), ("GNU.sparse.name", name)]
        }
    }

    /// Adds a regular file holding the UTF-8 bytes of `text`.
    /// - Parameters:
    ///   - name: The member name.
    ///   - text: Its content.
    ///   - configure: Adjusts the header before it is written.
    public func file(_ name: String, text: String, _ configure: (inout Header) -> Void = { _ in }) -> TarBuilder {
        file(name, Array(text.utf8), configure)
    }

    /// Adds a directory.
    /// - Parameters:
    ///   - name: The directory name (a trailing slash is conventional).
    ///   - configure: Adjusts the header before it is written.
    public func directory(_ name: String, _ configure: (inout Header) -> Void = { _ in }) -> TarBuilder {
        file(name, []) { $0.typeflag = UInt8(ascii: "5"); $0.mode = 0o755; configure(&$0) }
    }

    /// Adds a symbolic link.
    /// - Parameters:
    ///   - name: The link's name.
    ///   - target: Where it points.
    ///   - configure: Adjusts the header before it is written.
    public func symlink(_ name: String, target: String, _ configure: (inout Header) -> Void = { _ in }) -> TarBuilder {
        file(name, []) {
            $0.typeflag = UInt8(ascii: "2")
            $0.linkName = Array(target.utf8)
            $0.mode = 0o777
            configure(&$0)
        }
    }

    /// Adds a hard link.
    /// - Parameters:
    ///   - name: The link's name.
    ///   - target: The member or path it links to.
    ///   - configure: Adjusts the header before it is written.
    public func hardlink(_ name: String, target: String, _ configure: (inout Header) -> Void = { _ in }) -> TarBuilder {
        file(name, []) { $0.typeflag = UInt8(ascii: "1"); $0.linkName = Array(target.utf8); configure(&$0) }
    }

    /// Adds a device node or named pipe.
    /// - Parameters:
    ///   - name: The member name.
    ///   - type: '3' character device, '4' block device or '6' FIFO.
    public func special(_ name: String, type: Character) -> TarBuilder {
        file(name, []) { $0.typeflag = type.asciiValue ?? UInt8(ascii: "6") }
    }

    /// Inserts raw bytes at this point of the archive.
    /// - Parameter bytes: The bytes.
    public func raw(_ bytes: [UInt8]) -> TarBuilder { adding(.raw(bytes)) }

    /// Sets how many zero blocks end the archive (normally 2).
    /// - Parameter blocks: The number of zero blocks.
    public func endMarker(blocks: Int) -> TarBuilder {
        var copy = self
        copy.endBlocks = max(blocks, 0)
        return copy
    }

    /// Appends bytes after the end-of-archive marker.
    /// - Parameter bytes: The bytes.
    public func trailing(_ bytes: [UInt8]) -> TarBuilder {
        var copy = self
        copy.trailingBytes = bytes
        return copy
    }

    private func adding(_ item: Item) -> TarBuilder {
        var copy = self
        copy.items.append(item)
        return copy
    }
}
