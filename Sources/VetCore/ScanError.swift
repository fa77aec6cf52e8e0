/// Why an artifact could not be scanned at all.
public struct ScanError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public enum Kind: String, Sendable, Codable {
        case io, malformed, unsupported, limit
    }

    /// The kind of failure.
    public var kind: Kind
    /// Where it happened.
    public var location: Location
    /// A sentence for a person.
    public var message: String

    /// Creates an error.
    public init(_ kind: Kind, at location: Location, _ message: String) {
        self.kind = kind
        self.location = location
        self.message = message
    }

    public var description: String { "\(location): \(message)" }
}
