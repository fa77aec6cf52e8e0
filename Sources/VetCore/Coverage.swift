/// Whether an artifact was fully examined.
public enum CoverageStatus: String, Sendable, Codable, Comparable {
    /// Every byte was accounted for by a parser.
    case scanned
    /// The format was recognised and partly examined; the reason says what was not.
    case partial
    /// Recognised or unknown, but not examined.
    case unscanned

    public static func < (lhs: CoverageStatus, rhs: CoverageStatus) -> Bool {
        let order: [CoverageStatus] = [.scanned, .partial, .unscanned]
        return (order.firstIndex(of: lhs) ?? 0) < (order.firstIndex(of: rhs) ?? 0)
    }
}

/// What the scanner did with one file or container member.
public struct CoverageEntry: Sendable, Codable, Hashable, Comparable {
    /// The artifact (file, or file with member chain).
    public var location: Location
    /// The format identified from content, e.g. `pickle`, `pytorch-zip`, `safetensors`, `text`.
    public var format: String
    /// Whether it was scanned.
    public var status: CoverageStatus
    /// Why it was not (fully) scanned.
    public var reason: String?
    /// Its size in bytes.
    public var size: Int

    /// Creates an entry.
    public init(location: Location, format: String, status: CoverageStatus, reason: String? = nil, size: Int) {
        self.location = location
        self.format = format
        self.status = status
        self.reason = reason
        self.size = size
    }

    public static func < (lhs: CoverageEntry, rhs: CoverageEntry) -> Bool {
        if lhs.location != rhs.location { return lhs.location < rhs.location }
        return lhs.format < rhs.format
    }
}
