import VetCore

/// Flags members whose data does not match the CRC-32 recorded for them.
public enum ZipCRCMismatchRule {
    public static let descriptor = RuleDescriptor(
        id: "zip_crc_mismatch", severity: .medium,
        title: "Zip member CRC-32 mismatch",
        description: "The member's data does not match its recorded CRC-32. PyTorch is built with miniz's CRC checks "
            + "disabled and loads it anyway, while Python's zipfile raises BadZipFile — so scanners built on zipfile "
            + "stop and report nothing for a file that torch.load happily executes. Only members the scanner reads "
            + "(such as pickles) are checked.",
        remediation: "Do not load the file; re-download it and verify the publisher's checksum.",
        references: ["CVE-2025-10156"],
        examples: [
            RuleExample("pickle member whose recorded CRC is wrong", fileName: "model.pt", triggers: true) {
                ZipRuleExamples.torch { $0.crc32 = 0xDEAD_BEEF }.bytes()
            },
            RuleExample("pickle member with the right CRC", fileName: "model.pt", triggers: false) {
                ZipRuleExamples.torch().bytes()
            },
        ])
}
