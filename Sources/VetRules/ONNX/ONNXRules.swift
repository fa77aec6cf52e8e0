import VetFixtures
import VetCore
import VetGraphs

/// The ONNX protobuf cannot be read as the reference parser reads it.
public enum ONNXMalformedRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "onnx_malformed", severity: .medium,
        title: "ONNX protobuf is malformed",
        description: """
        The file is shaped like an ONNX model but its protobuf wire data is invalid: a length runs past its \
        message, a varint is too long, a tag has an impossible wire type or field number. The reference parser \
        rejects it; native parsers that trust the lengths are what crafted files aim at, and parts of the \
        model after the damage were not scanned.
        """,
        remediation: "Do not load the model; obtain an intact copy from the publisher.",
        references: ["https://protobuf.dev/programming-guides/encoding/", "CWE-20"],
        examples: [
            RuleExample("a graph whose length runs past the end", fileName: "model.onnx", triggers: true) {
                var bytes = ONNXExample.valid
                bytes += [0x3A, 0x7F, 0x0A]
                return bytes
            },
            RuleExample("a well-formed model", fileName: "model.onnx", triggers: false) { ONNXExample.valid },
        ])
}

/// Nesting or counts beyond what a scan examines.
public enum ONNXLimitRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "onnx_limit_exceeded", severity: .high,
        title: "ONNX model exceeds scan limits",
        description: """
        Subgraphs nest deeper than the reference protobuf parser's recursion limit, or the model holds more \
        nodes, tensors or fields than a scan will examine. Real models stay far below these limits; such \
        files aim at stack exhaustion in parsers or hide content past what scanners read.
        """,
        remediation: "Do not load the model, or raise the limits only for a model from a trusted source.",
        references: ["CWE-674", "CWE-400"],
        examples: [
            RuleExample("If nodes nested 120 deep", fileName: "model.onnx", triggers: true) { deeplyNested(120) },
            RuleExample("If nodes nested 3 deep", fileName: "model.onnx", triggers: false) { deeplyNested(3) },
        ])

    /// A model whose graph holds an `If` whose `then_branch` holds an `If`, `depth` times.
    static func deeplyNested(_ depth: Int) -> [UInt8] {
        var graph = ProtobufWriter { $0.message(1) { $0.string(4, "Relu") } }
        for _ in 0..<depth {
            let inner = graph.bytes
            graph = ProtobufWriter { outer in
                outer.message(1) { node in
                    node.string(4, "If")
                    node.message(5) { $0.string(1, "then_branch"); $0.bytes(6, inner); $0.varint(20, 5) }
                }
            }
        }
        let body = graph.bytes
        return ProtobufWriter { $0.varint(1, 8); $0.bytes(7, body); $0.message(8) { $0.varint(2, 17) } }.bytes
    }
}

/// Every ONNX rule and the check that runs them over a parsed model.
public enum ONNXRules: AnomalyRuleTable {
    public static func rule(for kind: ONNXAnomalyKind) -> RuleDescriptor {
        switch kind {
        case .malformed: ONNXMalformedRule.descriptor
        case .limitExceeded: ONNXLimitRule.descriptor
        }
    }

    /// Every ONNX rule.
    public static var all: [RuleDescriptor] {
        [ONNXExternalDataTraversalRule.descriptor, ONNXExternalDataRule.descriptor, ONNXCustomOperatorRule.descriptor,
         ONNXMalformedRule.descriptor, ONNXLimitRule.descriptor]
    }

    /// Reports every finding for `model`, which was parsed from the file at `location`.
    public static func check(_ model: ONNXModel, at location: Location, into sink: inout FindingSink) {
        report(model.anomalies, at: location, into: &sink)
        checkExternalData(model, at: location, into: &sink)
        checkOperators(model, at: location, into: &sink)
    }
}
