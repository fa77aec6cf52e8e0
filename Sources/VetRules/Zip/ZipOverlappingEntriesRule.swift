import VetCore

/// Flags members that share bytes with each other or with the central directory.
public enum ZipOverlappingEntriesRule {
    public static let descriptor = RuleDescriptor(
        id: "zip_overlapping_entries", severity: .high,
        title: "Overlapping zip members",
        description: "Two central-directory entries point into the same bytes, or a member lies inside the central "
            + "directory. Overlap is how a few kilobytes expand to terabytes (each entry re-inflating the same kernel) "
            + "and how one member's data hides inside another's, so that readers walking the file and readers "
            + "following the directory see different content.",
        remediation: "Do not extract or load the file.",
        references: ["https://www.bamsoftware.com/hacks/zipbomb/", "CVE-2024-0450"],
        examples: [
            RuleExample("two entries sharing one local header", fileName: "model.pt", triggers: true) {
                ZipRuleExamples.torch().alias("archive/data/1", of: "archive/data/0").bytes()
            },
            RuleExample("members laid out one after another", fileName: "model.pt", triggers: false) {
                ZipRuleExamples.torch().bytes()
            },
        ])
}
