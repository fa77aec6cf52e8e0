import VetCore

/// Flags encrypted members, whose contents cannot be scanned.
public enum ZipEncryptedRule {
    public static let descriptor = RuleDescriptor(
        id: "zip_encrypted", severity: .medium,
        title: "Encrypted zip member",
        description: "The member is encrypted (traditional PKWARE, strong encryption or AES), so its bytes cannot be "
            + "inspected. PyTorch cannot load encrypted members either, but a tool that decrypts first would hand "
            + "unscanned content to a loader; the scan fails closed and reports it.",
        remediation: "Obtain an unencrypted copy from the publisher and scan that.",
        references: ["https://pkware.cachefly.net/webdocs/casestudies/APPNOTE.TXT"],
        examples: [
            RuleExample("pickle member with the encryption bit set", fileName: "model.pt", triggers: true) {
                ZipRuleExamples.torch { $0.flags = 0x0001 }.bytes()
            },
            RuleExample("plain stored members", fileName: "model.pt", triggers: false) {
                ZipRuleExamples.torch().bytes()
            },
        ])
}
