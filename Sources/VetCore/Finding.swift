/// One thing a rule found in one place.
public struct Finding: Sendable, Hashable, Codable, Comparable {
    /// The stable snake_case id of the rule that produced this finding.
    public var ruleID: String
    /// How serious it is (after any policy override).
    public var severity: Severity
    /// One sentence for a person.
    public var message: String
    /// Where it was found.
    public var location: Location
    /// A short escaped excerpt of the input (an import, a disassembly, a member name).
    public var evidence: String?

    /// Creates a finding.
    public init(ruleID: String, severity: Severity, message: String, location: Location, evidence: String? = nil) {
        self.ruleID = ruleID
        self.severity = severity
        self.message = message
        self.location = location
        self.evidence = evidence
    }

    enum CodingKeys: String, CodingKey {
        case ruleID = "rule_id", severity, message, location, evidence
    }

    /// Orders by location, then severity (highest first), rule and message, so reports are stable.
    public static func < (lhs: Finding, rhs: Finding) -> Bool {
        if lhs.location != rhs.location { return lhs.location < rhs.location }
        if lhs.severity != rhs.severity { return lhs.severity > rhs.severity }
        if lhs.ruleID != rhs.ruleID { return lhs.ruleID < rhs.ruleID }
        if lhs.message != rhs.message { return lhs.message < rhs.message }
        return (lhs.evidence ?? "") < (rhs.evidence ?? "")
    }
}
