import VetFixtures
import VetCore
import VetArchives

/// The tar parser's anomaly kinds and the rules that report them.
public enum TarAnomalyRules: AnomalyRuleTable {
    public static func rule(for kind: TarAnomalyKind) -> RuleDescriptor {
        switch kind {
        case .pathTraversal: TarPathTraversalRule.descriptor
        case .link: TarLinkRule.descriptor
        case .specialFile: TarSpecialFileRule.descriptor
        case .checksumMismatch: TarChecksumMismatchRule.descriptor
        case .malformed: TarMalformedRule.descriptor
        case .duplicateName: TarDuplicateNameRule.descriptor
        case .unaccountedData: TarUnaccountedDataRule.descriptor
        case .sparseMember: TarSparseMemberRule.descriptor
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
