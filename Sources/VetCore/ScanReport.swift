/// A file or path that could not be read at all.
public struct ScanFailure: Sendable, Codable, Hashable, Comparable {
    /// The path or artifact.
    public var location: Location
    /// What went wrong.
    public var message: String

    /// Creates a failure.
    public init(location: Location, message: String) {
        self.location = location
        self.message = message
    }

    public static func < (lhs: ScanFailure, rhs: ScanFailure) -> Bool {
        lhs.location != rhs.location ? lhs.location < rhs.location : lhs.message < rhs.message
    }
}

/// A one-line judgement of a scanned folder.
public struct RepositoryVerdict: Sendable, Hashable, Comparable {
    /// The folder as given on the command line.
    public var path: String
    /// The verdict, e.g. "safe formats only" or "contains code that runs on load".
    public var verdict: String
    /// The most serious finding inside it, if any.
    public var highestSeverity: Severity?

    /// Creates a verdict.
    public init(path: String, verdict: String, highestSeverity: Severity?) {
        self.path = path
        self.verdict = verdict
        self.highestSeverity = highestSeverity
    }

    public static func < (lhs: RepositoryVerdict, rhs: RepositoryVerdict) -> Bool { lhs.path < rhs.path }
}

/// Everything one `modelvet scan` learned: findings, coverage and failures, sorted.
public struct ScanReport: Sendable {
    /// The paths the user gave.
    public var inputs: [String]
    /// Findings, sorted.
    public var findings: [Finding]
    /// One entry per file and container member examined or skipped, sorted.
    public var coverage: [CoverageEntry]
    /// Paths that could not be read, sorted.
    public var failures: [ScanFailure]
    /// Number of top-level files.
    public var fileCount: Int
    /// Total bytes of the top-level files.
    public var byteCount: Int
    /// Wall-clock seconds (shown in text reports only, so machine-readable reports stay reproducible).
    public var duration: Double
    /// One verdict per folder given on the command line.
    public var repositories: [RepositoryVerdict] = []
    /// Licence and openness of each input (filled by `modelvet scan`, not by the scanner).
    public var provenance: [ProvenanceSummary] = []

    /// Creates a report, sorting its parts.
    public init(inputs: [String], findings: [Finding], coverage: [CoverageEntry], failures: [ScanFailure],
                fileCount: Int, byteCount: Int, duration: Double) {
        self.inputs = inputs
        self.findings = findings.sorted()
        self.coverage = coverage.sorted()
        self.failures = failures.sorted()
        self.fileCount = fileCount
        self.byteCount = byteCount
        self.duration = duration
    }

    /// The most serious finding's severity, if any.
    public var highestSeverity: Severity? { findings.map(\.severity).max() }

    /// Whether every artifact was fully scanned and nothing failed.
    public var isComplete: Bool { failures.isEmpty && coverage.allSatisfy { $0.status == .scanned } }

    /// Number of findings at each severity.
    public var countsBySeverity: [Severity: Int] {
        Dictionary(grouping: findings, by: \.severity).mapValues(\.count)
    }

    /// Whether any finding is at or above `threshold`.
    public func hasFindings(atOrAbove threshold: Severity) -> Bool {
        findings.contains { $0.severity >= threshold }
    }
}
