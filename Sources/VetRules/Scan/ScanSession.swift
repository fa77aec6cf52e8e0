import VetArchives
import VetBytes
import VetCore

/// The scan of one top-level file: hands every artifact to each reader that claims it, collects
/// findings and coverage, and lets readers recurse into container members within the limits.
///
/// One session per file, used from one thread; files scan in parallel in separate sessions.
public final class ScanSession {
    /// Import policy and limits; readers may change the policy for a container's members and
    /// restore it afterwards (TorchScript archives allow their own `__torch__` classes).
    public var context: RuleContext
    /// Findings so far.
    public var sink = FindingSink()
    /// What was examined, one entry per artifact and reading.
    public private(set) var coverage: [CoverageEntry] = []
    /// Bytes that may still be decompressed for this file.
    public var budget: DecompressionBudget
    /// The readers consulted for every artifact.
    public let plugins: [any FormatPlugin]

    /// Creates a session.
    /// - Parameters:
    ///   - context: Import policy and limits.
    ///   - plugins: The readers to consult (every registered one by default).
    public init(context: RuleContext, plugins: [any FormatPlugin] = FormatRegistry.all) {
        self.context = context
        self.plugins = plugins
        budget = DecompressionBudget(limits: context.limits)
    }

    /// The scan's limits.
    public var limits: ScanLimits { context.limits }

    /// Scans a whole file (or in-memory bytes standing for one).
    /// - Parameters:
    ///   - source: The bytes.
    ///   - location: The file's location.
    ///   - name: Its path or name (a hint for name-based loaders).
    public func scanFile(_ source: ByteSource, at location: Location, name: String) {
        scan(Artifact(source: source, location: location, name: name, depth: 0, limits: limits))
    }

    /// Scans a member of `parent`, one nesting level deeper.
    /// - Parameters:
    ///   - source: The member's bytes.
    ///   - location: The member's location.
    ///   - name: The member's name inside the container ("" when it has none).
    ///   - parent: The container being analysed.
    ///   - readers: When given, only these readers are consulted (a container that knows its
    ///     member's role, such as a raw tensor record, says so); otherwise every registered one.
    public func scanMember(_ source: ByteSource, at location: Location, name: String, of parent: Artifact,
                           readers: [any FormatPlugin]? = nil) {
        scan(Artifact(source: source, location: location, name: name, depth: parent.depth + 1, limits: limits), readers: readers)
    }

    /// Runs every reader that claims `artifact`; fallback readers run only when no other does.
    public func scan(_ artifact: Artifact, readers: [any FormatPlugin]? = nil) {
        if artifact.source.isEmpty { return cover(artifact, "empty", .scanned) }
        // Containers refuse to open at the depth limit (`canOpen`); this also bounds the other
        // recursions, such as bytes hidden between the tensors of a file inside hidden bytes.
        if artifact.depth > limits.maxDepth {
            report(NestingDepthRule.descriptor, "content nests deeper than \(limits.maxDepth) levels; it was not examined",
                   at: artifact.location)
            return cover(artifact, "nested", .unscanned, reason: "nesting limit reached")
        }
        let candidates = readers ?? plugins
        var claims: [(plugin: any FormatPlugin, claim: FormatClaim)] = []
        for plugin in candidates where !plugin.isFallback {
            if let claim = plugin.claim(artifact) { claims.append((plugin, claim)) }
        }
        if claims.isEmpty {
            for plugin in candidates where plugin.isFallback {
                if let claim = plugin.claim(artifact) { claims.append((plugin, claim)) }
            }
        }
        for (plugin, claim) in claims { plugin.analyze(artifact, claim: claim, session: self) }
    }

    /// Whether `artifact` may be opened as a container; reports it and records it unscanned when
    /// containers already nest as deep as the limit allows.
    public func canOpen(_ artifact: Artifact, as format: String) -> Bool {
        guard artifact.depth >= limits.maxDepth else { return true }
        report(NestingDepthRule.descriptor, "containers nest deeper than \(limits.maxDepth) levels; this one was not opened",
               at: artifact.location)
        cover(artifact, format, .unscanned, reason: "nesting limit reached")
        return false
    }

    /// Records a finding of `rule`.
    public func report(_ rule: RuleDescriptor, _ message: String, at location: Location, evidence: String? = nil,
                       severity: Severity? = nil) {
        sink.report(rule, message, at: location, evidence: evidence, severity: severity)
    }

    /// Records what was done with `artifact` when read as `format`.
    public func cover(_ artifact: Artifact, _ format: String, _ status: CoverageStatus, reason: String? = nil) {
        cover(artifact.location, format, status, reason: reason, size: artifact.source.count)
    }

    /// Records what was done with the artifact at `location` (members that are never read, such
    /// as links or encrypted entries, have no bytes of their own to scan).
    public func cover(_ location: Location, _ format: String, _ status: CoverageStatus, reason: String? = nil, size: Int) {
        coverage.append(CoverageEntry(location: location, format: format, status: status, reason: reason, size: size))
    }

    /// Records a partial reading when `reasons` is not empty, a full one otherwise.
    public func cover(_ artifact: Artifact, _ format: String, partialReasons reasons: [String]) {
        cover(artifact, format, reasons.isEmpty ? .scanned : .partial, reason: reasons.isEmpty ? nil : reasons.joined(separator: "; "))
    }
}
