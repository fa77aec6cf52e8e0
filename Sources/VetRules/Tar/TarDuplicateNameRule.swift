import VetCore

/// Flags tar members that share a name.
public enum TarDuplicateNameRule {
    public static let descriptor = RuleDescriptor(
        id: "tar_duplicate_name", severity: .high,
        title: "Duplicate tar member name",
        description: "Two members have the same name once normalised ('a/./b' and 'a/b' are one name to Python's "
            + "tarfile). tarfile.getmember returns the last copy and extraction overwrites earlier copies with later "
            + "ones, so a scanner that reads the first copy judges content the loader never sees.",
        remediation: "Do not load or extract the file; rebuild the archive with unique names.",
        references: ["https://docs.python.org/3/library/tarfile.html#tarfile.TarFile.getmember"],
        examples: [
            RuleExample("two members named pickle", fileName: "model.tar", triggers: true) {
                TarRuleExamples.legacyTorch().file("./pickle", [0x80, 0x02, 0x4E, 0x2E]).bytes()
            },
            RuleExample("unique names", fileName: "model.tar", triggers: false) {
                TarRuleExamples.legacyTorch().bytes()
            },
        ])
}
