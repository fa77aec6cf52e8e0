import VetCore
import VetGraphs

/// The TensorFlow protobuf cannot be read as the reference parser reads it.
public enum TensorFlowMalformedRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "tensorflow_malformed", severity: .medium,
        title: "TensorFlow graph protobuf is malformed",
        description: """
        The file is shaped like a SavedModel or GraphDef but its protobuf wire data is invalid (a length past \
        its message, an overlong varint, an impossible tag). TensorFlow rejects it; the part after the damage \
        was not scanned, and malformed graphs are how crashes in TensorFlow's own parsers have been triggered.
        """,
        remediation: "Do not load the model; obtain an intact copy from the publisher.",
        references: ["https://protobuf.dev/programming-guides/encoding/", "CWE-20"],
        examples: [
            RuleExample("a node whose length runs past the end", fileName: "saved_model.pb", triggers: true) {
                TensorFlowExample.standardTF2 + [0x12, 0x7F, 0x0A]
            },
            RuleExample("a well-formed SavedModel", fileName: "saved_model.pb", triggers: false) { TensorFlowExample.standardTF2 },
        ])
}

/// Counts or nesting beyond what a scan examines.
public enum TensorFlowLimitRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "tensorflow_limit_exceeded", severity: .high,
        title: "TensorFlow graph exceeds scan limits",
        description: """
        The graph holds more nodes, functions or protobuf fields than a scan will examine. Real models stay far \
        below these limits; such files aim at resource exhaustion or hide nodes past what scanners read.
        """,
        remediation: "Do not load the model, or raise the limits only for a model from a trusted source.",
        references: ["CWE-400"],
        examples: [
            RuleExample("a graph of 2,000 nodes scanned with a 1,000-element limit", fileName: "frozen.pb", triggers: true,
                        limits: exampleLimits) {
                TensorFlowExample.graphDef((0..<2000).map { TensorFlowExample.Node("n\($0)", "NoOp") })
            },
            RuleExample("a graph of 10 nodes", fileName: "frozen.pb", triggers: false) {
                TensorFlowExample.graphDef((0..<10).map { TensorFlowExample.Node("n\($0)", "NoOp") })
            },
        ])

    /// Scan limits that allow 1,000 graph elements.
    static var exampleLimits: ScanLimits {
        var limits = ScanLimits()
        limits.maxGraphElements = 1_000
        return limits
    }
}

/// Every TensorFlow rule and the check that runs them over a parsed graph.
public enum TensorFlowRules: AnomalyRuleTable {
    public static func rule(for kind: TensorFlowAnomalyKind) -> RuleDescriptor {
        switch kind {
        case .malformed: TensorFlowMalformedRule.descriptor
        case .limitExceeded: TensorFlowLimitRule.descriptor
        }
    }

    /// Every TensorFlow rule.
    public static var all: [RuleDescriptor] {
        [TensorFlowPythonOpRule.descriptor, TensorFlowFileWriteOpRule.descriptor, TensorFlowFileReadOpRule.descriptor,
         TensorFlowNetworkOpRule.descriptor, TensorFlowAssetPathRule.descriptor, TensorFlowMalformedRule.descriptor,
         TensorFlowLimitRule.descriptor]
    }

    /// Reports every finding for `graph`, which was parsed from the file at `location`.
    public static func check(_ graph: TensorFlowGraph, at location: Location, into sink: inout FindingSink) {
        report(graph.anomalies, at: location, into: &sink)
        checkAssets(graph, at: location, into: &sink)
        checkOps(graph, at: location, into: &sink)
    }
}
