import VetFixtures
import VetCore

/// Flags non-zero bytes in tar block padding or after the end-of-archive marker.
public enum TarUnaccountedDataRule {
    public static let descriptor = RuleDescriptor(
        id: "tar_unaccounted_data", severity: .medium,
        title: "Data hidden in tar padding or after the end marker",
        description: "Non-zero bytes sit in the padding that rounds member data up to 512-byte blocks, or after the "
            + "two zero blocks that end the archive. Ordinary readers never show them, but 'tar --ignore-zeros' "
            + "extracts members appended after the marker, and a file can carry a second format there.",
        remediation: "Inspect the reported bytes; recreate the archive to drop them.",
        references: ["https://www.gnu.org/software/tar/manual/html_node/Ignore-Zeros.html"],
        examples: [
            RuleExample("a second archive appended after the end marker", fileName: "model.tar", triggers: true) {
                TarRuleExamples.legacyTorch().trailing(TarBuilder().file("extra.pkl", [0x80, 0x02, 0x4E, 0x2E]).bytes())
                    .bytes()
            },
            RuleExample("zero padding to a 10 KiB record", fileName: "model.tar", triggers: false) {
                TarRuleExamples.legacyTorch().trailing([UInt8](repeating: 0, count: 4096)).bytes()
            },
        ])
}
