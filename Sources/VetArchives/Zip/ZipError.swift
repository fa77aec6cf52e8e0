/// Why a zip archive, or one of its members, could not be read at all.
public enum ZipError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No end-of-central-directory record was found, so nothing can be listed.
    case notAZip(reason: String)
    /// The central directory could not be found where the end record points.
    case centralDirectoryNotFound(offset: Int)
    /// The member's local header or data cannot be read.
    case unreadableMember(name: String, offset: Int, reason: String)
    /// The member uses a compression method this scanner does not decode.
    case unsupportedMethod(name: String, method: UInt16, offset: Int)
    /// The member is encrypted.
    case encryptedMember(name: String, offset: Int)

    public var description: String {
        switch self {
        case let .notAZip(reason): return "not a zip archive: \(reason)"
        case let .centralDirectoryNotFound(offset):
            return "central directory not found at offset \(offset)"
        case let .unreadableMember(name, offset, reason):
            return "member '\(name)' at offset \(offset) cannot be read: \(reason)"
        case let .unsupportedMethod(name, method, offset):
            return "member '\(name)' at offset \(offset) uses unsupported compression method \(method)"
        case let .encryptedMember(name, offset):
            return "member '\(name)' at offset \(offset) is encrypted"
        }
    }
}
