/// The kinds of irregularity one format's parser can record. Each format declares one enum; the
/// rules layer maps every case to a rule descriptor with an exhaustive `switch` (see
/// `AnomalyRuleTable` in VetRules), so a new kind cannot be added without deciding its rule.
public protocol AnomalyKind: Hashable, Sendable, CaseIterable {}

/// One irregularity a parser met: what kind, a sentence for a person, and where.
///
/// Parsers never decide severities or rule ids; they record anomalies, and the rules layer turns
/// them into findings.
public struct Anomaly<Kind: AnomalyKind>: Sendable, Hashable {
    /// What kind of irregularity it is.
    public var kind: Kind
    /// A sentence for a person.
    public var message: String
    /// Byte offset within the parsed artifact, when one applies.
    public var offset: Int?
    /// The container member concerned, when one applies.
    public var entryName: String?
    /// Short escaped evidence (names, bytes), when the message alone does not show it.
    public var evidence: String?

    /// Creates an anomaly.
    public init(kind: Kind, message: String, offset: Int? = nil, entryName: String? = nil, evidence: String? = nil) {
        self.kind = kind
        self.message = message
        self.offset = offset
        self.entryName = entryName
        self.evidence = evidence
    }

    /// The same anomaly with its offset moved by `delta` (for data read from a slice).
    public func shifted(by delta: Int) -> Anomaly {
        var copy = self
        copy.offset = offset.map { $0 + delta }
        return copy
    }
}

extension Anomaly {
    /// Creates an anomaly; the short form the archive parsers use.
    public init(_ kind: Kind, _ message: String, entryName: String? = nil, offset: Int? = nil, evidence: String? = nil) {
        self.init(kind: kind, message: message, offset: offset, entryName: entryName, evidence: evidence)
    }
}
