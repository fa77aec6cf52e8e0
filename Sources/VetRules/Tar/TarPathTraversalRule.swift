import VetCore

/// Flags tar member names that would be extracted outside the target directory.
public enum TarPathTraversalRule {
    public static let descriptor = RuleDescriptor(
        id: "tar_path_traversal", severity: .high,
        title: "Tar member name escapes the extraction directory",
        description: "The member name is absolute or climbs out with '..' (or holds backslashes, a drive letter or "
            + "NUL). Python's tarfile.extractall wrote such names wherever they pointed until extraction filters "
            + "arrived in Python 3.12, and many pipelines still extract without a filter.",
        remediation: "Do not extract the archive; if needed, extract with tarfile's 'data' filter or list and copy "
            + "members by hand.",
        references: ["CVE-2007-4559", "https://peps.python.org/pep-0706/"],
        examples: [
            RuleExample("member named ../../etc/cron.d/job", fileName: "model.tar", triggers: true) {
                TarRuleExamples.legacyTorch().file("../../etc/cron.d/job", text: "# hello\n").bytes()
            },
            RuleExample("legacy torch.save tarball", fileName: "model.tar", triggers: false) {
                TarRuleExamples.legacyTorch().bytes()
            },
        ])
}
