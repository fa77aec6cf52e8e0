import VetCore

/// Flags structural damage that makes zip readers list different members.
public enum ZipMalformedRule {
    public static let descriptor = RuleDescriptor(
        id: "zip_malformed", severity: .medium,
        title: "Malformed zip structure",
        description: "The archive's structure is damaged or ambiguous: a truncated central directory, a missing "
            + "local header, an entry count or directory size that disagrees with the records, two end records, a "
            + "comment length that does not reach the end of the file, offsets shifted by prepended data, or zip64 "
            + "records that contradict the 32-bit ones. miniz, Python's zipfile and other readers resolve each of "
            + "these differently, so what a scanner lists need not be what the loader opens.",
        remediation: "Do not trust the file; obtain a clean copy or re-save it with a standard tool.",
        references: ["CVE-2024-24789", "https://pkware.cachefly.net/webdocs/casestudies/APPNOTE.TXT"],
        examples: [
            RuleExample("end record declares more entries than the directory holds", fileName: "model.pt",
                        triggers: true) {
                ZipRuleExamples.torch().endRecord { $0.entries = 5 }.bytes()
            },
            RuleExample("comment length runs past the end of the file", fileName: "model.pt", triggers: true) {
                ZipRuleExamples.torch().endRecord { $0.commentLength = 40 }.bytes()
            },
            RuleExample("well-formed zip64 archive", fileName: "model.pt", triggers: false) {
                ZipRuleExamples.torch().zip64().bytes()
            },
        ])
}
