import VetCore

/// Flags tar archives that are truncated or structurally ambiguous.
public enum TarMalformedRule {
    public static let descriptor = RuleDescriptor(
        id: "tar_malformed", severity: .medium,
        title: "Malformed tar structure",
        description: "The archive is truncated (no end-of-archive blocks, data cut off), has a size field that is "
            + "not a number, a malformed or oversized pax or GNU long-name header, a non-regular member that "
            + "declares data, or more members than the scan limit. Tar readers resynchronise differently after such "
            + "damage, so the members one lists need not be those another extracts.",
        remediation: "Do not trust the file; obtain a complete copy from the publisher.",
        references: ["https://pubs.opengroup.org/onlinepubs/9699919799/utilities/pax.html"],
        examples: [
            RuleExample("archive cut off inside a member's data", fileName: "model.tar", triggers: true) {
                Array(TarRuleExamples.legacyTorch().file("data/0", [UInt8](repeating: 7, count: 2000)).bytes()
                    .prefix(2560 + 1000))
            },
            RuleExample("complete archive", fileName: "model.tar", triggers: false) {
                TarRuleExamples.legacyTorch().bytes()
            },
        ])
}
