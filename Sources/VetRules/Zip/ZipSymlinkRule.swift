import VetFixtures
import VetCore

/// Flags members that are Unix symbolic links.
public enum ZipSymlinkRule {
    public static let descriptor = RuleDescriptor(
        id: "zip_symlink", severity: .high,
        title: "Symbolic link inside a zip archive",
        description: "The member's Unix mode marks it as a symbolic link. unzip, bsdtar and many libraries recreate "
            + "it on extraction; a link to /etc/passwd or ~/.ssh leaks files into what is later uploaded, and a "
            + "later member written through the link lands outside the extraction directory. Model archives never "
            + "need links.",
        remediation: "Do not extract the archive with a tool that honours symlinks; remove the link member.",
        references: ["CVE-2025-11001", "CVE-2025-55188", "https://github.com/snyk/zip-slip-vulnerability"],
        examples: [
            RuleExample("symlink member pointing at /etc/passwd", fileName: "model.zip", triggers: true) {
                ZipBuilder().symlink("model/config.json", target: "/etc/passwd").bytes()
            },
            RuleExample("plain stored member with a Unix file mode", fileName: "model.zip", triggers: false) {
                ZipBuilder().stored("model/config.json", text: "{}").bytes()
            },
        ])
}
