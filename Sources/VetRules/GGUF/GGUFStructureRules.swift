import VetFixtures
import VetCore

/// The GGUF header cannot be read to its end.
public enum GGUFMalformedRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "gguf_malformed", severity: .high,
        title: "GGUF header is malformed",
        description: """
        The magic, version, a count, a string length or a metadata value type is wrong, or the header ends in \
        the middle of a record. GGUF files are parsed by native code (llama.cpp and the many tools built on \
        ggml), and malformed headers are how heap overflows in those parsers have been triggered; a genuine \
        export is never malformed.
        """,
        remediation: "Do not load the file with any native GGUF reader; obtain an intact copy.",
        references: ["https://github.com/ggml-org/ggml/blob/master/docs/gguf.md", "CWE-122", "CWE-190"],
        examples: [
            RuleExample("unknown metadata value type 99", fileName: "model.gguf", triggers: true) {
                Array("GGUF".utf8) + [3, 0, 0, 0] + [0, 0, 0, 0, 0, 0, 0, 0] + [1, 0, 0, 0, 0, 0, 0, 0]
                    + [1, 0, 0, 0, 0, 0, 0, 0] + Array("k".utf8) + [99, 0, 0, 0] + [0, 0, 0, 0]
            },
            RuleExample("a well-formed file", fileName: "model.gguf", triggers: false) { GGUFExample.valid },
        ])
}

/// A count, length or nesting beyond the limits.
public enum GGUFResourceLimitRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "gguf_resource_exhaustion", severity: .high,
        title: "GGUF header declares absurd sizes",
        description: """
        A tensor or metadata count, a string length, an array length or the nesting of arrays exceeds what any \
        real model needs. Readers that allocate what the header asks for run out of memory or overflow size \
        computations; these are the shapes of published ggml parser vulnerabilities.
        """,
        remediation: "Do not load the file.",
        references: ["https://github.com/ggml-org/ggml/blob/master/docs/gguf.md", "CWE-400", "CWE-789"],
        examples: [
            RuleExample("a string length of 2^62", fileName: "model.gguf", triggers: true) {
                Array("GGUF".utf8) + [3, 0, 0, 0] + [0, 0, 0, 0, 0, 0, 0, 0] + [1, 0, 0, 0, 0, 0, 0, 0]
                    + [0, 0, 0, 0, 0, 0, 0, 0x40] + Array("key".utf8)
            },
            RuleExample("a small file", fileName: "model.gguf", triggers: false) { GGUFExample.valid },
        ])
}

/// A metadata key or tensor name appears twice.
public enum GGUFDuplicateNameRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "gguf_duplicate_name", severity: .high,
        title: "GGUF repeats a metadata key or tensor name",
        description: """
        Readers disagree about repeated names: some keep the first, some the last, some fail. A repeated \
        `tokenizer.chat_template` or tensor name lets a file show one value to a reviewing tool and another to \
        the inference engine.
        """,
        remediation: "Reject the file; converters never write a name twice.",
        references: ["CWE-436"],
        examples: [
            RuleExample("two chat templates under one key", fileName: "model.gguf", triggers: true) {
                GGUFBuilder().meta("tokenizer.chat_template", .string("{{ messages }}"))
                    .meta("tokenizer.chat_template", .string("{{ messages }}"))
                    .tensor(.init("w", dimensions: [8], data: [UInt8](repeating: 0, count: 32))).bytes()
            },
            RuleExample("distinct keys", fileName: "model.gguf", triggers: false) { GGUFExample.valid },
        ])
}
