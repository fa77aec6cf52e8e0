import VetCore

/// Flags symbolic and hard links inside tar archives.
public enum TarLinkRule {
    public static let descriptor = RuleDescriptor(
        id: "tar_link", severity: .high,
        title: "Link inside a tar archive",
        description: "The member is a symbolic or hard link. Extractors recreate it; a link to a sensitive file leaks "
            + "it into the extracted tree, and a later member with the link's name as a path prefix is written "
            + "through it, outside the extraction directory. Model tarballs never need links.",
        remediation: "Do not extract the archive with a tool that recreates links; remove the link members.",
        references: ["CVE-2021-32803", "https://peps.python.org/pep-0706/"],
        examples: [
            RuleExample("symlink to /etc/passwd", fileName: "model.tar", triggers: true) {
                TarRuleExamples.legacyTorch().symlink("tensors/0", target: "/etc/passwd").bytes()
            },
            RuleExample("hard link to another member", fileName: "model.tar", triggers: true) {
                TarRuleExamples.legacyTorch().hardlink("tensors/0", target: "pickle").bytes()
            },
            RuleExample("regular files and a directory", fileName: "model.tar", triggers: false) {
                TarRuleExamples.legacyTorch().bytes()
            },
        ])
}
