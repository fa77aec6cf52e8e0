import VetCore

/// Flags general-purpose bits and version numbers that ordinary zip writers never produce.
public enum ZipUnusualFlagsRule {
    public static let descriptor = RuleDescriptor(
        id: "zip_unusual_flags", severity: .medium,
        title: "Unusual zip flag bits or version",
        description: "torch.save, Python's zipfile and common archivers set only the deflate-option, data-descriptor "
            + "and UTF-8 bits. Other bits (patched data, masked headers, reserved bits) or a 'version needed' newer "
            + "than any specification make some readers refuse the member, others ignore the bit and load it. A "
            + "scanner that gives up while PyTorch loads the file reports a malicious model as clean.",
        remediation: "Treat the file as tampered with; obtain it again from a trusted source or re-save it.",
        references: ["CVE-2025-1945", "https://pkware.cachefly.net/webdocs/casestudies/APPNOTE.TXT"],
        examples: [
            RuleExample("pickle member with reserved flag bit 13 set", fileName: "model.pt", triggers: true) {
                ZipRuleExamples.torch { $0.flags = 0x2000 }.bytes()
            },
            RuleExample("pickle member with the UTF-8 and data-descriptor bits torch.save sets", fileName: "model.pt",
                        triggers: false) {
                ZipRuleExamples.torch { $0.flags = 0x0800; $0.dataDescriptor = true }.bytes()
            },
        ])
}
