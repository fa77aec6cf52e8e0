import VetFixtures
import VetCore

/// A tensor descriptor that is impossible or lies outside the file.
public enum GGUFTensorRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "gguf_tensor_invalid", severity: .high,
        title: "GGUF tensor descriptor is invalid",
        description: """
        A tensor has zero or more than four dimensions, dimensions whose product overflows, a first dimension \
        that is not a whole number of quantisation blocks, an unaligned offset, or a byte range past the end of \
        the file. Native loaders compute sizes from these fields and index memory with them; an inconsistent \
        descriptor is an out-of-bounds read or write waiting to happen.
        """,
        remediation: "Do not load the file with a native GGUF reader.",
        references: ["https://github.com/ggml-org/ggml/blob/master/docs/gguf.md", "CWE-125", "CWE-190"],
        examples: [
            RuleExample("a tensor whose data runs past the end of the file", fileName: "model.gguf", triggers: true) {
                GGUFBuilder().tensor(.init("w", dimensions: [1 << 20], data: [UInt8](repeating: 0, count: 32))).bytes()
            },
            RuleExample("dimensions that overflow 64 bits", fileName: "model.gguf", triggers: true) {
                GGUFBuilder().tensor(.init("w", dimensions: [1 << 40, 1 << 40], data: [])).bytes()
            },
            RuleExample("a consistent tensor", fileName: "model.gguf", triggers: false) { GGUFExample.valid },
        ])
}

/// A tensor type id this scanner does not know.
public enum GGUFUnknownTensorTypeRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "gguf_unknown_tensor_type", severity: .medium,
        title: "GGUF tensor has an unknown type",
        description: """
        The tensor's ggml type id is not one the reference `gguf` package defines, so its size cannot be \
        checked. Loaders that index a per-type table with an unchecked id read outside it.
        """,
        remediation: "Use a file produced by a current converter, or check which tool wrote it.",
        references: ["https://github.com/ggml-org/ggml/blob/master/docs/gguf.md", "CWE-129"],
        examples: [
            RuleExample("type id 200", fileName: "model.gguf", triggers: true) {
                GGUFBuilder().tensor(.init("w", dimensions: [8], typeID: 200, data: [UInt8](repeating: 0, count: 32))).bytes()
            },
            RuleExample("type F32", fileName: "model.gguf", triggers: false) { GGUFExample.valid },
        ])
}

/// Two tensors share bytes.
public enum GGUFOverlapRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "gguf_overlapping_tensors", severity: .high,
        title: "GGUF tensors overlap",
        description: """
        Two tensors' byte ranges intersect. Converters never produce this; it lets a small file claim more \
        weights than it holds or tie two tensors together so that patching one changes the other.
        """,
        remediation: "Do not load the file.",
        references: ["https://github.com/ggml-org/ggml/blob/master/docs/gguf.md"],
        examples: [
            RuleExample("two tensors at offset 0", fileName: "model.gguf", triggers: true) {
                GGUFBuilder().tensor(.init("a", dimensions: [8], offset: 0, data: [UInt8](repeating: 0, count: 32)))
                    .tensor(.init("b", dimensions: [8], offset: 0, data: [])).bytes()
            },
            RuleExample("packed tensors", fileName: "model.gguf", triggers: false) {
                GGUFBuilder().tensor(.init("a", dimensions: [8], data: [UInt8](repeating: 0, count: 32)))
                    .tensor(.init("b", dimensions: [8], data: [UInt8](repeating: 0, count: 32))).bytes()
            },
        ])
}

/// Data-section bytes no tensor accounts for.
public enum GGUFHiddenDataRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "gguf_hidden_data", severity: .medium,
        title: "GGUF file holds bytes outside every tensor",
        description: """
        Beyond the alignment padding, bytes sit between or after the tensors. No loader reads them, so they \
        are a place to carry a second payload past tools that only check the header; ModelVet scans them as \
        content of their own.
        """,
        remediation: "Re-convert the model or strip the extra bytes.",
        references: ["CWE-506"],
        examples: [
            RuleExample("a pickle appended after the tensors", fileName: "model.gguf", triggers: true) {
                GGUFBuilder().tensor(.init("w", dimensions: [8], data: [UInt8](repeating: 0, count: 32)))
                    .trailing([UInt8](repeating: 0x20, count: 40) + PickleAssembler.benignPickle()).bytes()
            },
            RuleExample("no extra bytes", fileName: "model.gguf", triggers: false) { GGUFExample.valid },
        ])
}
