import VetFixtures
import VetCore
import VetFormats

/// A rule that reports one kind of tar anomaly found by `TarArchive.parse`.
public protocol TarAnomalyRule: Sendable {
    /// The anomaly kind this rule reports.
    static var kind: TarAnomalyKind { get }
    /// What the rule is and how it reports.
    static var descriptor: RuleDescriptor { get }
}

/// The registry of tar anomaly rules and the bridge from parsed anomalies to findings.
public enum TarAnomalyRules {
    /// Every tar anomaly rule, one per `TarAnomalyKind`.
    public static let all: [any TarAnomalyRule.Type] = [
        TarPathTraversalRule.self, TarLinkRule.self, TarSpecialFileRule.self, TarChecksumMismatchRule.self,
        TarMalformedRule.self, TarDuplicateNameRule.self, TarUnaccountedDataRule.self,
    ]

    /// The descriptor of the rule for `kind`.
    /// - Parameter kind: An anomaly kind.
    public static func descriptor(for kind: TarAnomalyKind) -> RuleDescriptor? {
        all.first { $0.kind == kind }?.descriptor
    }

    /// Reports every anomaly the parser recorded for `archive`.
    /// - Parameters:
    ///   - archive: A parsed archive.
    ///   - location: The archive's own location; offsets are added per anomaly.
    ///   - sink: Receives the findings.
    public static func check(_ archive: TarArchive, at location: Location, into sink: inout FindingSink) {
        for anomaly in archive.anomalies {
            guard let rule = descriptor(for: anomaly.kind) else { continue }
            sink.report(rule, anomaly.message, at: anomaly.offset.map { location.at($0) } ?? location,
                        evidence: anomaly.evidence ?? anomaly.entryName)
        }
    }
}

/// Small, harmless building blocks for the tar rules' examples.
enum TarRuleExamples {
    /// A legacy `torch.save` tarball's members, with harmless contents.
    static func legacyTorch() -> TarBuilder {
        TarBuilder()
            .file("sys_info", [0x80, 0x02, 0x7D, 0x71, 0x00, 0x2E])
            .file("pickle", [0x80, 0x02, 0x7D, 0x71, 0x00, 0x2E])
            .file("storages", [0x80, 0x02, 0x4B, 0x00, 0x2E])
            .directory("tensors/")
    }
}
