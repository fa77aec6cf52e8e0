import VetCore

/// Flags tar headers whose checksum does not match their bytes.
public enum TarChecksumMismatchRule {
    public static let descriptor = RuleDescriptor(
        id: "tar_checksum_mismatch", severity: .medium,
        title: "Tar header checksum mismatch",
        description: "A header's checksum does not match its bytes. Python's tarfile silently stops listing members "
            + "at such a header, while GNU tar skips ahead to the next valid one and extracts what follows — so "
            + "members after the bad header can be invisible to a Python-based scanner yet extracted by tar.",
        remediation: "Do not extract the archive; obtain an undamaged copy.",
        references: ["https://www.gnu.org/software/tar/manual/html_node/Standard.html"],
        examples: [
            RuleExample("second header with a broken checksum", fileName: "model.tar", triggers: true) {
                TarRuleExamples.legacyTorch().file("hidden.pkl", [0x80, 0x02, 0x4E, 0x2E]) { $0.checksumDelta = 7 }
                    .file("after", text: "x").bytes()
            },
            RuleExample("all headers intact", fileName: "model.tar", triggers: false) {
                TarRuleExamples.legacyTorch().bytes()
            },
        ])
}
