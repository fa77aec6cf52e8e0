import VetBytes
import VetCore

/// One thing a scan looks at: a file, or a member of a container, with what every reader's
/// claim needs computed once.
public struct Artifact: Sendable {
    /// The bytes.
    public let source: ByteSource
    /// Where they are.
    public let location: Location
    /// The file or member name; a hint for readers that loaders choose by name, never proof.
    public let name: String
    /// Container nesting depth (0 for a file).
    public let depth: Int
    /// Up to the first 512 bytes.
    public let head: [UInt8]
    /// The last path component of `name`, lower-cased.
    public let baseName: String
    /// Whether the head reads as UTF-8 text without NUL or most control bytes.
    public let isText: Bool
    /// The scan's limits (readers' claims that parse draw on them too).
    public let limits: ScanLimits

    /// Creates an artifact.
    public init(source: ByteSource, location: Location, name: String, depth: Int, limits: ScanLimits) {
        self.source = source
        self.location = location
        self.name = name
        self.depth = depth
        self.limits = limits
        head = source.prefixBytes(length: 512)
        baseName = (name.split(separator: "/").last.map(String.init) ?? name).lowercased()
        isText = Artifact.looksLikeText(head)
    }

    /// Whether the head starts with `magic` at `offset`.
    public func starts(with magic: [UInt8], at offset: Int = 0) -> Bool {
        head.count >= offset + magic.count && head[offset..<(offset + magic.count)].elementsEqual(magic)
    }

    /// Whether the lower-cased base name ends with any of `suffixes`.
    public func named(_ suffixes: [String]) -> Bool {
        suffixes.contains { baseName.hasSuffix($0) }
    }

    /// The artifact's text, decoded as UTF-8 with invalid bytes replaced.
    public var text: String { source.withUnsafeBytes { String(decoding: $0, as: UTF8.self) } }

    /// UTF-8 without NUL or most control bytes in the first block.
    static func looksLikeText(_ head: [UInt8]) -> Bool {
        guard !head.isEmpty else { return false }
        // A multi-byte character may be cut at the end of the block; drop up to three trailing bytes.
        var bytes = head[...]
        for _ in 0..<3 where String(validating: bytes, as: UTF8.self) == nil && !bytes.isEmpty { bytes = bytes.dropLast() }
        guard String(validating: bytes, as: UTF8.self) != nil else { return false }
        return !head.contains { $0 == 0 || ($0 < 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D && $0 != 0x0C) }
    }
}
