import VetFixtures
import VetCore
import VetArchives

/// Content this build cannot examine, reported so that silence never means "safe".
public enum UnscannedContentRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "unscanned_content", severity: .medium,
        title: "Content could not be examined",
        description: """
        ModelVet fails closed: a file or member it cannot analyse is listed in the coverage summary and \
        reported here. The severity says how much could hide there: high for archives it cannot open (7z, \
        RAR), medium for compressed streams it cannot decompress (lz4, zstd: a pickle could be inside), low for \
        data of unknown type.
        """,
        remediation: "Examine the content with another tool, or convert it to a format ModelVet analyses.",
        references: [],
        examples: [
            RuleExample("zstd-compressed stream", fileName: "model.joblib", triggers: true) {
                [0x28, 0xB5, 0x2F, 0xFD, 0x04, 0x00, 0x31, 0x00, 0x00, 0x01, 0x02, 0x03]
            },
            RuleExample("plain text", fileName: "README.md", triggers: false) { Array("# A model card\n".utf8) },
        ])
}

/// Containers nested beyond the depth limit.
public enum NestingDepthRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "container_nesting_limit", severity: .medium,
        title: "Containers nest beyond the depth limit",
        description: """
        Archives and compressed streams inside each other deeper than the configured limit are not opened. \
        Deep nesting has no use in model distribution and is a classic way to exhaust scanners or hide a payload \
        below the depth they inspect.
        """,
        remediation: "Unpack the file by hand and scan the inner content, or reject it.",
        references: ["CWE-409"],
        examples: [
            RuleExample("a pickle inside nine nested gzip streams", fileName: "model.pkl.gz", triggers: true) {
                (0..<9).reduce(PickleAssembler.benignPickle()) { data, _ in Deflater.deflate(data, format: .gzip) }
            },
            RuleExample("a pickle inside one gzip stream", fileName: "model.pkl.gz", triggers: false) {
                Deflater.deflate(PickleAssembler.benignPickle(), format: .gzip)
            },
        ])
}

/// A compressed stream that expands beyond the decompression budget.
public enum CompressedBombRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "compression_bomb", severity: .high,
        title: "Compressed stream expands beyond the budget",
        description: """
        The gzip or zlib stream decompresses to more than the scan's decompression budget allows. Real \
        compressed checkpoints (joblib's zlib and gzip files) stay far below it; decompression bombs exist to \
        exhaust memory and disk in whatever opens them.
        """,
        remediation: "Do not decompress the file; if it is genuine, raise the budget deliberately and rescan.",
        references: ["CWE-409"],
        examples: [
            RuleExample("1 MiB of zeros, gzip-compressed, scanned with a 64 KiB budget", fileName: "model.gz", triggers: true,
                        limits: { var l = ScanLimits(); l.maxDecompressedBytes = 64 << 10; return l }()) {
                Deflater.deflate([UInt8](repeating: 0, count: 1 << 20), format: .gzip)
            },
            RuleExample("a small gzip-compressed pickle", fileName: "model.gz", triggers: false) {
                Deflater.deflate(PickleAssembler.benignPickle(), format: .gzip)
            },
        ])
}

/// A compressed stream that is corrupt or truncated.
public enum CompressedMalformedRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "compressed_stream_malformed", severity: .medium,
        title: "Compressed stream is corrupt",
        description: """
        The gzip or zlib stream cannot be decompressed to its end, so its content was not (fully) examined. \
        Loaders that stream-decompress may still act on the part before the damage.
        """,
        remediation: "Obtain an intact copy of the file and scan it again.",
        references: [],
        examples: [
            RuleExample("gzip header followed by garbage", fileName: "model.gz", triggers: true) {
                [0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0, 0xFF, 0xDE, 0xAD, 0xBE, 0xEF]
            },
            RuleExample("a complete gzip stream", fileName: "model.gz", triggers: false) {
                Deflater.deflate(Array("hello".utf8), format: .gzip)
            },
        ])
}
