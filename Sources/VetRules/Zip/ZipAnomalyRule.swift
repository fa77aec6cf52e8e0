import VetFixtures
import VetCore
import VetFormats

/// A rule that reports one kind of zip anomaly found by `ZipArchive.parse` (or `verifyCRC`).
public protocol ZipAnomalyRule: Sendable {
    /// The anomaly kind this rule reports.
    static var kind: ZipAnomalyKind { get }
    /// What the rule is and how it reports.
    static var descriptor: RuleDescriptor { get }
}

/// The registry of zip anomaly rules and the bridge from parsed anomalies to findings.
public enum ZipAnomalyRules {
    /// Every zip anomaly rule, one per `ZipAnomalyKind`.
    public static let all: [any ZipAnomalyRule.Type] = [
        ZipNameMismatchRule.self, ZipUnusualFlagsRule.self, ZipEncryptedRule.self, ZipDuplicateNameRule.self,
        ZipPathTraversalRule.self, ZipSymlinkRule.self, ZipCRCMismatchRule.self, ZipOverlappingEntriesRule.self,
        ZipUnaccountedDataRule.self, ZipBombRule.self, ZipUnsupportedMethodRule.self, ZipMalformedRule.self,
    ]

    /// The descriptor of the rule for `kind`.
    /// - Parameter kind: An anomaly kind.
    public static func descriptor(for kind: ZipAnomalyKind) -> RuleDescriptor? {
        all.first { $0.kind == kind }?.descriptor
    }

    /// Reports every anomaly the parser recorded for `archive`.
    /// - Parameters:
    ///   - archive: A parsed archive.
    ///   - location: The archive's own location; offsets are added per anomaly.
    ///   - sink: Receives the findings.
    public static func check(_ archive: ZipArchive, at location: Location, into sink: inout FindingSink) {
        for anomaly in archive.anomalies { report(anomaly, at: location, into: &sink) }
    }

    /// Reports one anomaly, such as the result of `ZipArchive.verifyCRC(of:)`.
    /// - Parameters:
    ///   - anomaly: The anomaly.
    ///   - location: The archive's own location.
    ///   - sink: Receives the finding.
    public static func report(_ anomaly: ZipAnomaly, at location: Location, into sink: inout FindingSink) {
        guard let rule = descriptor(for: anomaly.kind) else { return }
        sink.report(rule, anomaly.message, at: anomaly.offset.map { location.at($0) } ?? location,
                    evidence: anomaly.evidence ?? anomaly.entryName)
    }
}

/// Small, harmless building blocks for the zip rules' examples.
enum ZipRuleExamples {
    /// A protocol-2 pickle of an empty dict: `\x80\x02}q\x00.`.
    static let pickle: [UInt8] = [0x80, 0x02, 0x7D, 0x71, 0x00, 0x2E]

    /// A minimal archive laid out like `torch.save` output, with `configure` applied to data.pkl.
    static func torch(_ configure: (inout ZipBuilder.Member) -> Void = { _ in }) -> ZipBuilder {
        ZipBuilder()
            .stored("archive/data.pkl", pickle, configure)
            .stored("archive/version", text: "3\n")
            .stored("archive/data/0", [UInt8](repeating: 0, count: 16))
    }
}
