/// Where a finding sits: a file, the chain of container members inside it, and a byte offset.
///
/// Rendered as `model.pt!archive/data.pkl@0x1a4`: `!` enters a container member, `@` gives the
/// offset within the innermost member.
public struct Location: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The file path as given on the command line (or found by walking a directory).
    public var file: String
    /// Member names from the outermost container inwards.
    public var members: [String]
    /// Byte offset within the innermost member (or the file), when meaningful.
    public var offset: Int?

    /// Creates a location.
    public init(file: String, members: [String] = [], offset: Int? = nil) {
        self.file = file
        self.members = members
        self.offset = offset
    }

    /// The same member chain one level deeper.
    public func member(_ name: String) -> Location {
        Location(file: file, members: members + [name])
    }

    /// The same member chain at byte `offset`.
    public func at(_ offset: Int) -> Location {
        Location(file: file, members: members, offset: offset)
    }

    /// The file and member chain without an offset.
    public var artifact: String { ([file] + members).joined(separator: "!") }

    public var description: String {
        guard let offset else { return artifact }
        return artifact + "@0x" + String(offset, radix: 16)
    }

    public static func < (lhs: Location, rhs: Location) -> Bool {
        if lhs.file != rhs.file { return lhs.file < rhs.file }
        if lhs.members != rhs.members { return lhs.members.lexicographicallyPrecedes(rhs.members) }
        return (lhs.offset ?? -1) < (rhs.offset ?? -1)
    }
}
