import VetFixtures
import VetCore
import VetArchives

/// The zip parser's anomaly kinds and the rules that report them.
public enum ZipAnomalyRules: AnomalyRuleTable {
    public static func rule(for kind: ZipAnomalyKind) -> RuleDescriptor {
        switch kind {
        case .nameMismatch: ZipNameMismatchRule.descriptor
        case .unusualFlags: ZipUnusualFlagsRule.descriptor
        case .encrypted: ZipEncryptedRule.descriptor
        case .duplicateName: ZipDuplicateNameRule.descriptor
        case .pathTraversal: ZipPathTraversalRule.descriptor
        case .symlink: ZipSymlinkRule.descriptor
        case .crcMismatch: ZipCRCMismatchRule.descriptor
        case .overlappingEntries: ZipOverlappingEntriesRule.descriptor
        case .unaccountedData: ZipUnaccountedDataRule.descriptor
        case .compressionBomb: ZipBombRule.descriptor
        case .unsupportedMethod: ZipUnsupportedMethodRule.descriptor
        case .malformed: ZipMalformedRule.descriptor
        }
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
