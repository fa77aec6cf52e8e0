import VetCore

/// Flags members whose local header tells a different story from the central directory.
public enum ZipNameMismatchRule {
    public static let descriptor = RuleDescriptor(
        id: "zip_name_mismatch", severity: .high,
        title: "Local header disagrees with the central directory",
        description: "Each zip member is described twice: in the central directory at the end of the file and in "
            + "the local header in front of its data. PyTorch (miniz) and Python's zipfile find members through the "
            + "central directory, while streaming extractors and some scanners walk the local headers. When the two "
            + "disagree on a name, method, CRC or size, a scanner can inspect a harmless member while the loader "
            + "opens a different one, or the scanner crashes and reports nothing.",
        remediation: "Do not load the file. Re-export the model from its source with torch.save or zipfile and "
            + "compare checksums with the publisher's.",
        references: ["CVE-2025-1944", "https://github.com/zip-rs/zip2/security/advisories/GHSA-m665-v7pm-7grj",
                     "https://pkware.cachefly.net/webdocs/casestudies/APPNOTE.TXT"],
        examples: [
            RuleExample("local header names the pickle differently from the central directory", fileName: "model.pt",
                        triggers: true) {
                ZipRuleExamples.torch { $0.localName = Array("archive/data.txt".utf8) }.bytes()
            },
            RuleExample("data descriptor member with zeroed local sizes, as torch.save writes", fileName: "model.pt",
                        triggers: false) {
                ZipRuleExamples.torch { $0.dataDescriptor = true }.bytes()
            },
        ])
}
