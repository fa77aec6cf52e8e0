import VetFixtures
import VetCore

/// A tensor entry that is malformed or does not match its byte range.
public enum SafeTensorsTensorRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "safetensors_tensor_invalid", severity: .medium,
        title: "safetensors tensor entry is invalid",
        description: """
        Every tensor needs a known dtype, a shape of non-negative integers and an ordered pair of data offsets \
        inside the file whose length equals the product of the shape times the dtype size. A mismatch makes \
        readers that trust one of the three read the wrong bytes, or past the end of the buffer.
        """,
        remediation: "Do not load the file; re-export it with the safetensors library.",
        references: ["https://huggingface.co/docs/safetensors/index", "CWE-787", "CWE-125"],
        examples: [
            RuleExample("shape says 4 floats, offsets give 8 bytes", fileName: "model.safetensors", triggers: true) {
                SafeTensorsExample.file(#"{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,8]}}"#, data: [UInt8](repeating: 0, count: 8))
            },
            RuleExample("an unknown dtype", fileName: "model.safetensors", triggers: true) {
                SafeTensorsExample.file(#"{"w":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}}"#, data: [UInt8](repeating: 0, count: 8))
            },
            RuleExample("a consistent entry", fileName: "model.safetensors", triggers: false) { SafeTensorsExample.valid },
        ])
}

/// Two tensors share bytes.
public enum SafeTensorsOverlapRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "safetensors_overlapping_tensors", severity: .high,
        title: "safetensors tensors overlap",
        description: """
        Two tensors' byte ranges intersect. The reference loader rejects this; writers never produce it. \
        Overlaps let a small file claim far more data than it holds, or make edits to one tensor silently \
        change another.
        """,
        remediation: "Do not load the file.",
        references: ["https://huggingface.co/docs/safetensors/index"],
        examples: [
            RuleExample("two tensors on the same bytes", fileName: "model.safetensors", triggers: true) {
                SafeTensorsExample.file(
                    #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
                    data: [UInt8](repeating: 0, count: 8))
            },
            RuleExample("adjacent tensors", fileName: "model.safetensors", triggers: false) {
                SafeTensorsExample.file(
                    #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
                    data: [UInt8](repeating: 0, count: 8))
            },
        ])
}

/// Bytes in the data region that no tensor accounts for.
public enum SafeTensorsHiddenDataRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "safetensors_hidden_data", severity: .medium,
        title: "safetensors file holds bytes outside every tensor",
        description: """
        The tensors' byte ranges must cover the data region exactly. Here bytes sit before, between or after \
        the tensors. Loaders never read them, which makes them a place to smuggle a second payload (a pickle, an \
        archive, a script) past tools that only check the header.
        """,
        remediation: "Strip or reject the file; re-export it with the safetensors library.",
        references: ["https://huggingface.co/docs/safetensors/index", "CWE-506"],
        examples: [
            RuleExample("a pickle appended after the last tensor", fileName: "model.safetensors", triggers: true) {
                SafeTensorsExample.valid + PickleAssembler.callPickle("os", "system", ["echo x"])
            },
            RuleExample("tensors covering the data exactly", fileName: "model.safetensors", triggers: false) { SafeTensorsExample.valid },
        ])
}
