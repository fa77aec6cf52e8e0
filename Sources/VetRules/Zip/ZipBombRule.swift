import VetFixtures
import VetCore

/// Flags archives whose declared sizes or entry counts are beyond what a scan should inflate.
public enum ZipBombRule {
    public static let descriptor = RuleDescriptor(
        id: "zip_bomb", severity: .high,
        title: "Zip decompression bomb",
        description: "A member expands by more than the allowed ratio, declares more bytes than deflate can produce "
            + "from its data, the archive declares more uncompressed bytes in total than the scan budget, or it "
            + "lists more entries than the limit. PyTorch allocates each member's declared size before reading it, "
            + "so such a file exhausts memory or disk in the loader, and a scanner that inflates it fully does the "
            + "same to itself.",
        remediation: "Do not load or extract the file.",
        references: ["https://www.bamsoftware.com/hacks/zipbomb/", "CVE-2024-0450"],
        examples: [
            RuleExample("a few bytes of deflate declaring 4 GiB", fileName: "model.pt", triggers: true) {
                ZipBuilder().deflated("archive/data/0", [UInt8](repeating: 0, count: 4096)) {
                    $0.uncompressedSize = 1 << 32
                }.bytes()
            },
            RuleExample("small, highly compressible member within limits", fileName: "model.pt", triggers: false) {
                ZipBuilder().deflated("archive/data/0", [UInt8](repeating: 0, count: 100_000)).bytes()
            },
        ])
}
