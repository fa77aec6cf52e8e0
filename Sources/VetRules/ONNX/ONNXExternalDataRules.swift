import VetCore
import VetGraphs

/// An external-data `location` that leaves the model's directory.
public enum ONNXExternalDataTraversalRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "onnx_external_data_path_traversal", severity: .high,
        title: "ONNX external data path leaves the model directory",
        description: """
        Tensors stored outside an ONNX file name their file in the `location` entry of `external_data`, \
        and loaders join it to the model's directory. This location is absolute, climbs with `..`, names a \
        drive or a URL, or uses backslashes or NUL bytes, so loading the model reads (and with some tools \
        writes) a file chosen by the model's author, such as SSH keys or credentials, and can return its \
        bytes as weights. Older onnx and onnxruntime releases followed such paths.
        """,
        remediation: "Do not load the model. Keep external data files beside the model and reference them by plain relative names.",
        references: ["CVE-2022-25882", "CVE-2024-27318", "CVE-2024-5187", "CWE-22",
                     "https://onnx.ai/onnx/repo-docs/ExternalData.html"],
        examples: [
            RuleExample("initializer stored at ../../../etc/passwd", fileName: "model.onnx", triggers: true) {
                ONNXExample.model(externalLocation: "../../../etc/passwd")
            },
            RuleExample("initializer stored at an absolute path", fileName: "model.onnx", triggers: true) {
                ONNXExample.model(externalLocation: "/home/user/.ssh/id_rsa")
            },
            RuleExample("a harmless location, then a second one climbing out (loaders use the last)", fileName: "model.onnx",
                        triggers: true) {
                ONNXExample.model(externalLocation: "model.onnx.data", laterLocation: "../../../../home/user/.ssh/id_rsa")
            },
            RuleExample("onnxruntime's in-memory marker, which turns offset into a memory address", fileName: "model.onnx",
                        triggers: true) {
                ONNXExample.model(externalLocation: "*/_ORT_MEM_ADDR_/*")
            },
            RuleExample("initializer stored beside the model", fileName: "model.onnx", triggers: false) {
                ONNXExample.model(externalLocation: "weights/model.onnx.data")
            },
        ])

    /// Why `location` escapes the model directory, or `nil` when it is a plain relative path
    /// that stays inside it (checked lexically, as the loader joins it).
    /// onnxruntime's marker for tensors already in memory: with it, `offset` is read as a raw
    /// memory address (an arbitrary-read primitive in releases before mid-2026).
    public static let memoryAddressMarker = "*/_ORT_MEM_ADDR_/*"

    public static func escapeReason(_ location: String) -> String? {
        if location.isEmpty { return "is empty" }
        if location == memoryAddressMarker {
            return "is onnxruntime's in-memory marker, which makes `offset` a raw memory address to read"
        }
        if location.utf8.contains(0) { return "contains a NUL byte" }
        if location.hasPrefix("/") { return "is an absolute path" }
        if location.hasPrefix("~") { return "starts with `~` (a home directory)" }
        if location.contains("\\") { return "contains a backslash (a Windows path separator)" }
        if location.contains("://") { return "is a URL" }
        let scalars = Array(location.unicodeScalars.prefix(2))
        if scalars.count == 2, scalars[1] == ":", scalars[0].properties.isAlphabetic { return "starts with a drive letter" }
        var depth = 0
        for component in location.split(separator: "/", omittingEmptySubsequences: true) {
            switch component {
            case ".": continue
            case "..":
                depth -= 1
                if depth < 0 { return "climbs out of the model directory with `..`" }
            default: depth += 1
            }
        }
        if location.split(separator: "/").contains("..") { return "contains `..`" }
        return nil
    }
}

/// The model reads tensor data from other files.
public enum ONNXExternalDataRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "onnx_external_data", severity: .info,
        title: "ONNX model reads tensors from other files",
        description: """
        Some tensors keep their bytes in files beside the model (`data_location: EXTERNAL`). Loading the model \
        opens those files, so they are part of what must be vetted and distributed together; this finding lists \
        every file the model would open.
        """,
        remediation: "Scan and hash the external data files along with the model.",
        references: ["https://onnx.ai/onnx/repo-docs/ExternalData.html"],
        examples: [
            RuleExample("an initializer in model.onnx.data", fileName: "model.onnx", triggers: true) {
                ONNXExample.model(externalLocation: "model.onnx.data")
            },
            RuleExample("all tensors inline", fileName: "model.onnx", triggers: false) { ONNXExample.valid },
        ])
}

extension ONNXRules {
    /// Reports external-data tensors and locations that escape the model directory.
    static func checkExternalData(_ model: ONNXModel, at location: Location, into sink: inout FindingSink) {
        var files: [String: [String]] = [:]
        for tensor in model.tensors where tensor.dataLocation == 1 || !tensor.externalData.isEmpty {
            let label = "\(tensor.role.rawValue) `\(tensor.name)` in \(tensor.scope)"
            guard let path = tensor.externalValue("location") else {
                sink.report(ONNXMalformedRule.descriptor, "\(label) is marked external but names no `location`",
                            at: location.at(tensor.offset))
                continue
            }
            // Loaders take the last of duplicate keys (onnx's checker walks every `location`); a key
            // given twice is how a scanner that reads the first is shown a harmless path.
            let keys = tensor.externalData.map(\.key)
            for key in Set(keys).sorted() where keys.filter({ $0 == key }).count > 1 {
                sink.report(ONNXMalformedRule.descriptor,
                            "\(label) gives external_data key `\(key)` \(keys.filter { $0 == key }.count) times; onnx and onnxruntime use the last",
                            at: location.at(tensor.offset),
                            evidence: tensor.externalData.filter { $0.key == key }.map(\.value).joined(separator: "\n"))
            }
            for candidate in tensor.externalData where candidate.key == "location" {
                if let reason = ONNXExternalDataTraversalRule.escapeReason(candidate.value) {
                    sink.report(ONNXExternalDataTraversalRule.descriptor,
                                "\(label) reads its data from `\(candidate.value)`, which \(reason)",
                                at: location.at(tensor.offset), evidence: candidate.value)
                }
            }
            files[path, default: []].append(tensor.name)
        }
        for path in files.keys.sorted() {
            let names = files[path] ?? []
            sink.report(ONNXExternalDataRule.descriptor,
                        "loading the model opens `\(path)` for \(names.count) tensor(s)",
                        at: location, evidence: names.prefix(8).joined(separator: ", "))
        }
    }
}
