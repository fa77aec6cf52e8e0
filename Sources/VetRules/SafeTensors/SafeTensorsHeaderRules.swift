import VetCore

/// The safetensors header cannot be read as the reference loader reads it.
public enum SafeTensorsHeaderRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "safetensors_header_invalid", severity: .medium,
        title: "safetensors header is invalid",
        description: """
        A safetensors file starts with an 8-byte length and a JSON object describing every tensor. This \
        header is longer than the file or than the reference loader's 100 MB limit, does not start with `{`, is \
        not valid UTF-8 JSON, or is not an object. The reference loader rejects such files; hand-written and \
        native readers that trust the length or the JSON are the target of crafted headers (memory exhaustion, \
        out-of-bounds reads).
        """,
        remediation: "Do not load the file; obtain an intact copy from the publisher.",
        references: ["https://huggingface.co/docs/safetensors/index", "CWE-20"],
        examples: [
            RuleExample("header length larger than the file", fileName: "model.safetensors", triggers: true) {
                [0xFF, 0xFF, 0, 0, 0, 0, 0, 0] + Array(#"{"a":1}"#.utf8)
            },
            RuleExample("header that is not JSON", fileName: "model.safetensors", triggers: true) {
                SafeTensorsExample.file(#"{"w":{"dtype":"F32",}"#, data: [])
            },
            RuleExample("a valid one-tensor file", fileName: "model.safetensors", triggers: false) { SafeTensorsExample.valid },
        ])
}

/// A key appears twice in the header.
public enum SafeTensorsDuplicateKeyRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "safetensors_duplicate_key", severity: .high,
        title: "safetensors header repeats a key",
        description: """
        JSON does not define what a repeated key means: most readers keep the last copy, some the first, some \
        reject the file. A tensor name (or field) given twice lets one file present different weights to \
        different tools, for example a scanner or a reviewer and the training or inference code.
        """,
        remediation: "Reject the file; a real export never repeats a tensor name.",
        references: ["RFC 8259 section 4", "CWE-436"],
        examples: [
            RuleExample("the same tensor name twice", fileName: "model.safetensors", triggers: true) {
                SafeTensorsExample.file(
                    #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
                    data: [UInt8](repeating: 0, count: 8))
            },
            RuleExample("distinct names", fileName: "model.safetensors", triggers: false) { SafeTensorsExample.valid },
        ])
}

/// `__metadata__` is not an object of strings.
public enum SafeTensorsMetadataRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "safetensors_metadata_invalid", severity: .low,
        title: "safetensors metadata is not a map of strings",
        description: """
        The optional `__metadata__` entry must map strings to strings; the reference loader refuses anything \
        else. Other values mean the file was not written by the reference library and may be aimed at readers \
        that interpret metadata.
        """,
        remediation: "Re-export the file with the safetensors library.",
        references: ["https://huggingface.co/docs/safetensors/index"],
        examples: [
            RuleExample("a numeric metadata value", fileName: "model.safetensors", triggers: true) {
                SafeTensorsExample.file(#"{"__metadata__":{"format":1},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
                                        data: [UInt8](repeating: 0, count: 8))
            },
            RuleExample("string metadata", fileName: "model.safetensors", triggers: false) {
                SafeTensorsExample.file(#"{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
                                        data: [UInt8](repeating: 0, count: 8))
            },
        ])
}
