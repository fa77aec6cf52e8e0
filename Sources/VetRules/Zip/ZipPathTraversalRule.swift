import VetFixtures
import VetCore

/// Flags member names that would be extracted outside the target directory.
public enum ZipPathTraversalRule {
    public static let descriptor = RuleDescriptor(
        id: "zip_path_traversal", severity: .high,
        title: "Zip member name escapes the extraction directory",
        description: "The member name is absolute, contains '..' components, backslashes or a drive letter, or holds "
            + "a NUL byte. Extracting such an archive (model hubs, caches and users unpack archives) writes files "
            + "outside the intended directory — the 'Zip Slip' pattern — and readers disagree on what the name is.",
        remediation: "Do not extract the archive; if its content is needed, list it and extract members one by one "
            + "to sanitised paths.",
        references: ["https://github.com/snyk/zip-slip-vulnerability", "CVE-2018-1002200"],
        examples: [
            RuleExample("member named ../../.bashrc", fileName: "model.zip", triggers: true) {
                ZipBuilder().stored("../../.bashrc", text: "echo hello\n").bytes()
            },
            RuleExample("member with an absolute path", fileName: "model.zip", triggers: true) {
                ZipBuilder().stored("/tmp/payload.txt", text: "hello\n").bytes()
            },
            RuleExample("ordinary nested member names", fileName: "model.zip", triggers: false) {
                ZipBuilder().stored("model/weights..v2/config.json", text: "{}").bytes()
            },
        ])
}
