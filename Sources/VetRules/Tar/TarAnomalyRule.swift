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
    /// A pax 0.1 sparse member `name` whose file is `logical`: its first zero byte is left out of
    /// the stored bytes and restored as a hole, so only a reader that reassembles the file sees it.
    static func sparse(_ logical: [UInt8], name: String = "pickle") -> TarBuilder {
        let hole = logical.firstIndex(of: 0) ?? logical.count
        var stored = logical
        var map = "0,\(hole)"
        if hole < logical.count {
            stored.remove(at: hole)
            map += ",\(hole + 1),\(logical.count - hole - 1)"
        }
        return TarBuilder().file("GNUSparseFile.0/" + name, stored) {
            $0.paxRecords = [("GNU.sparse.map", map), ("GNU.sparse.size", "\(logical.count)"), ("GNU.sparse.name", name)]
        }
    }

    /// A legacy `torch.save` tarball's members, with harmless contents.
    static func legacyTorch() -> TarBuilder {
        TarBuilder()
            .file("sys_info", [0x80, 0x02, 0x7D, 0x71, 0x00, 0x2E])
            .file("pickle", [0x80, 0x02, 0x7D, 0x71, 0x00, 0x2E])
            .file("storages", [0x80, 0x02, 0x4B, 0x00, 0x2E])
            .directory("tensors/")
    }
}
