import VetCore
/// What a tar member is, from its type flag.
public enum TarEntryKind: Sendable, Hashable {
    /// A regular file ('0', NUL, or '7' contiguous).
    case regularFile
    /// A hard link ('1') to another member.
    case hardLink
    /// A symbolic link ('2').
    case symbolicLink
    /// A character device node ('3').
    case characterDevice
    /// A block device node ('4').
    case blockDevice
    /// A directory ('5').
    case directory
    /// A named pipe ('6').
    case fifo
    /// Any other type flag; Python's tarfile treats unknown types as regular files.
    case other(UInt8)
}

/// One member of a tar archive, after GNU long-name and pax headers have been applied.
public struct TarEntry: Sendable, Hashable {
    /// Position among the members, from 0 (meta headers are not counted).
    public var index: Int
    /// The member name, decoded as UTF-8 when valid, otherwise Latin-1.
    public var name: String
    /// The member name bytes (from a pax `path`, a GNU long name, or prefix + name).
    public var rawName: [UInt8]
    /// The raw type flag byte.
    public var typeflag: UInt8
    /// The data size in bytes (a pax `size` record overrides the header field).
    public var size: Int
    /// The permission and mode bits.
    public var mode: UInt32
    /// The link target for hard and symbolic links, decoded like `name`.
    public var linkName: String
    /// The link target bytes.
    public var rawLinkName: [UInt8]
    /// Where this member's own header block starts.
    public var headerOffset: Int
    /// The member's data in the archive, clamped to the file (empty for types without data). For a
    /// sparse member, its stored chunks.
    public var dataRange: Range<Int>
    /// For a GNU sparse member, how the stored chunks make up the file readers see.
    public var sparse: TarSparseMap? = nil

    /// What the member is.
    public var kind: TarEntryKind {
        switch typeflag {
        case 0, UInt8(ascii: "0"), UInt8(ascii: "7"): .regularFile
        case UInt8(ascii: "1"): .hardLink
        case UInt8(ascii: "2"): .symbolicLink
        case UInt8(ascii: "3"): .characterDevice
        case UInt8(ascii: "4"): .blockDevice
        case UInt8(ascii: "5"): .directory
        case UInt8(ascii: "6"): .fifo
        default: .other(typeflag)
        }
    }

    /// Whether the member's bytes are file content Python's tarfile would extract as a file.
    public var isRegularFile: Bool {
        switch kind {
        case .regularFile, .other: true
        default: false
        }
    }
}

/// The kinds of irregularity the tar parser reports; each maps to one rule.
public enum TarAnomalyKind: String, AnomalyKind, Sendable, Hashable, CaseIterable, Codable {
    /// A name that is absolute, climbs with `..`, holds backslashes, drive letters or NUL.
    case pathTraversal
    /// A symbolic or hard link.
    case link
    /// A device node or named pipe.
    case specialFile
    /// A header whose checksum does not match its bytes.
    case checksumMismatch
    /// Structural damage: truncation, bad numeric fields, oversized meta headers, limits reached.
    case malformed
    /// Two members with the same (normalised) name.
    case duplicateName
    /// Non-zero bytes in block padding or after the end-of-archive marker.
    case unaccountedData
    /// A GNU sparse member: its stored bytes are not the file readers extract.
    case sparseMember
}

/// One irregularity the Tar parser met.
public typealias TarAnomaly = Anomaly<TarAnomalyKind>

/// Why a tar archive could not be read at all.
public enum TarError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The first block is not a valid tar header.
    case notATar(reason: String)

    public var description: String {
        switch self {
        case let .notATar(reason): "not a tar archive: \(reason)"
        }
    }
}
