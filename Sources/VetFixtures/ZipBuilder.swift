/// Crafts zip archives byte by byte for tests and rule examples, including the malformed and
/// hostile ones the scanner must recognise: mismatched headers, duplicate and aliased members,
/// junk between records, forced zip64, wrong CRCs and sizes, symlinks and encryption flags.
///
/// Every method returns a new builder, so archives are written as one expression:
/// `ZipBuilder().stored("archive/data.pkl", pickle).junk([1, 2, 3]).bytes()`.
public struct ZipBuilder: Sendable {
    var items: [Item] = []
    var commentBytes: [UInt8] = []
    var trailingBytes: [UInt8] = []
    var forceZip64 = false
    var endOverrides = EndOverrides()

    /// Creates an empty builder.
    public init() {}

    /// Adds a stored member.
    /// - Parameters:
    ///   - name: The member name.
    ///   - data: Its content.
    ///   - configure: Adjusts any header field before the member is written.
    public func stored(_ name: String, _ data: [UInt8], _ configure: (inout Member) -> Void = { _ in }) -> ZipBuilder {
        var member = Member(name: name, data: data, method: 0)
        configure(&member)
        return adding(.member(member))
    }

    /// Adds a stored member holding the UTF-8 bytes of `text`.
    /// - Parameters:
    ///   - name: The member name.
    ///   - text: Its content.
    ///   - configure: Adjusts any header field before the member is written.
    public func stored(_ name: String, text: String, _ configure: (inout Member) -> Void = { _ in }) -> ZipBuilder {
        stored(name, Array(text.utf8), configure)
    }

    /// Adds a deflated member.
    /// - Parameters:
    ///   - name: The member name.
    ///   - data: Its uncompressed content.
    ///   - configure: Adjusts any header field before the member is written.
    public func deflated(_ name: String, _ data: [UInt8], _ configure: (inout Member) -> Void = { _ in }) -> ZipBuilder {
        var member = Member(name: name, data: data, method: 8)
        configure(&member)
        return adding(.member(member))
    }

    /// Adds a Unix symbolic link member whose stored content is its target.
    /// - Parameters:
    ///   - name: The link's name.
    ///   - target: Where it points.
    public func symlink(_ name: String, target: String) -> ZipBuilder {
        stored(name, Array(target.utf8)) { $0.externalAttributes = 0o120777 << 16 }
    }

    /// Adds a fully described member.
    /// - Parameter member: The member.
    public func member(_ member: Member) -> ZipBuilder { adding(.member(member)) }

    /// Adds a central-directory entry named `name` that points at the local header of the
    /// earlier member `target`, so both share one payload (the overlapping-file construction).
    /// - Parameters:
    ///   - name: The new entry's name.
    ///   - target: The name of a member added before.
    public func alias(_ name: String, of target: String) -> ZipBuilder {
        var member = Member(name: name, data: [])
        member.aliasOf = Array(target.utf8)
        return adding(.member(member))
    }

    /// Inserts raw bytes at this point: before the first member, between members, or (after the
    /// last member) before the central directory.
    /// - Parameter bytes: The bytes.
    public func junk(_ bytes: [UInt8]) -> ZipBuilder { adding(.junk(bytes)) }

    /// Sets the archive comment.
    /// - Parameter bytes: The comment.
    public func comment(_ bytes: [UInt8]) -> ZipBuilder {
        var copy = self
        copy.commentBytes = bytes
        return copy
    }

    /// Appends bytes after the end record and its comment.
    /// - Parameter bytes: The bytes.
    public func trailing(_ bytes: [UInt8]) -> ZipBuilder {
        var copy = self
        copy.trailingBytes = bytes
        return copy
    }

    /// Writes zip64 extra fields for every member and zip64 end records, as for huge archives.
    /// - Parameter enabled: Whether to force zip64.
    public func zip64(_ enabled: Bool = true) -> ZipBuilder {
        var copy = self
        copy.forceZip64 = enabled
        return copy
    }

    /// Overrides fields of the end-of-central-directory record.
    /// - Parameter configure: Sets the overrides.
    public func endRecord(_ configure: (inout EndOverrides) -> Void) -> ZipBuilder {
        var copy = self
        configure(&copy.endOverrides)
        return copy
    }

    private func adding(_ item: Item) -> ZipBuilder {
        var copy = self
        copy.items.append(item)
        return copy
    }
}
