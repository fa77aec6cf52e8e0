import VetCore

/// Flags device nodes and named pipes inside tar archives.
public enum TarSpecialFileRule {
    public static let descriptor = RuleDescriptor(
        id: "tar_special_file", severity: .medium,
        title: "Device node or named pipe inside a tar archive",
        description: "The member is a character or block device or a FIFO. Extracted as root it creates a device "
            + "node that reaches hardware or kernel memory; a FIFO makes any reader that opens it block forever. "
            + "Such members have no contents to scan and no place in a model.",
        remediation: "Do not extract the archive as root; remove the special members.",
        references: ["https://peps.python.org/pep-0706/"],
        examples: [
            RuleExample("named pipe member", fileName: "model.tar", triggers: true) {
                TarRuleExamples.legacyTorch().special("tensors/0", type: "6").bytes()
            },
            RuleExample("only regular files", fileName: "model.tar", triggers: false) {
                TarRuleExamples.legacyTorch().bytes()
            },
        ])
}
