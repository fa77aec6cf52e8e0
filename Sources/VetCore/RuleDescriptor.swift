/// An input that shows when a rule fires or stays silent; the test suite runs every one.
public struct RuleExample: Sendable {
    /// What the example is, for `modelvet rules explain`.
    public var summary: String
    /// A file name the example is scanned under (extensions are only hints).
    public var fileName: String
    /// Whether scanning the example must produce a finding of this rule.
    public var triggers: Bool
    /// Produces the example's bytes.
    public var makeBytes: @Sendable () -> [UInt8]
    /// Limits to scan the example under, when the defaults would make it too large to build.
    public var limits: ScanLimits?

    /// Creates an example.
    public init(_ summary: String, fileName: String = "example.pkl", triggers: Bool, limits: ScanLimits? = nil,
                bytes: @escaping @Sendable () -> [UInt8]) {
        self.summary = summary
        self.fileName = fileName
        self.triggers = triggers
        self.limits = limits
        self.makeBytes = bytes
    }
}

/// What a rule is, why it matters and what to do about it.
public struct RuleDescriptor: Sendable {
    /// Stable snake_case identifier used in reports and policies.
    public var id: String
    /// Default severity before policy overrides.
    public var severity: Severity
    /// Short title.
    public var title: String
    /// What the rule detects and why it is dangerous.
    public var description: String
    /// What the user should do.
    public var remediation: String
    /// CVE ids, advisories and write-ups.
    public var references: [String]
    /// Triggering and non-triggering examples.
    public var examples: [RuleExample]
    /// Whether the rule judges one artifact or a whole repository folder (the latter has no
    /// single-file examples; its tests build folders).
    public var scope: RuleScope

    /// Creates a descriptor.
    public init(id: String, severity: Severity, title: String, description: String, remediation: String,
                references: [String] = [], examples: [RuleExample] = [], scope: RuleScope = .artifact) {
        self.id = id
        self.severity = severity
        self.title = title
        self.description = description
        self.remediation = remediation
        self.references = references
        self.examples = examples
        self.scope = scope
    }
}

/// What a rule looks at.
public enum RuleScope: String, Sendable {
    /// One file or container member.
    case artifact
    /// A folder laid out like a model repository.
    case repository
}
