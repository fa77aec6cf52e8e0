import VetCore
import VetGraphs

/// Custom operators whose kernels the file does not contain.
public enum TFLiteCustomOpRule {
    /// Custom operators registered by TFLite's own `BuiltinOpResolver`: they need no outside library.
    public static let runtimeCustomOps: Set<String> = ["TFLite_Detection_PostProcess", "Mfcc", "AudioSpectrogram"]

    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "tflite_custom_op", severity: .medium,
        title: "TFLite model needs custom operators",
        description: """
        The model's operator codes include custom operators that the TFLite runtime does not implement. \
        Running it requires registering kernels from a native library (an op resolver built into the \
        application, a delegate, or the Select TensorFlow ops library for `Flex` operators) that the file does \
        not contain: that code runs in the loading process, and the model cannot be vetted without it. \
        `Flex` operators run full TensorFlow kernels and are reported at low severity unless the kernel touches \
        files, the network or Python, in which case they are reported at the severity of the matching \
        TensorFlow rule.
        """,
        remediation: "Identify and review the library that implements each listed operator, or use a model built from builtin operators only.",
        references: ["https://www.tensorflow.org/lite/guide/ops_custom", "https://www.tensorflow.org/lite/guide/ops_select",
                     "CWE-829"],
        examples: [
            RuleExample("a custom operator named Exec", fileName: "model.tflite", triggers: true) {
                TFLiteExample.model([.builtin(0), .custom("Exec")])
            },
            RuleExample("a Flex operator that reads files", fileName: "model.tflite", triggers: true) {
                TFLiteExample.model([.custom("FlexReadFile")])
            },
            RuleExample("builtin operators and TFLite_Detection_PostProcess", fileName: "model.tflite", triggers: false) {
                TFLiteExample.model([.builtin(3), .custom("TFLite_Detection_PostProcess")])
            },
        ])
}

/// The FlatBuffer cannot be read consistently.
public enum TFLiteMalformedRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "tflite_malformed", severity: .medium,
        title: "TFLite flatbuffer is malformed",
        description: """
        An offset, vtable, vector or string of the model points outside the file or its table, an operator \
        refers to an operator code that does not exist, or a buffer's external data runs past the end of the \
        file. The TFLite runtime's verifier rejects such files; runtimes built without the verifier read out of \
        bounds, which is what crafted models aim at.
        """,
        remediation: "Do not load the model; obtain an intact copy from the publisher.",
        references: ["https://flatbuffers.dev/flatbuffers_internals.html", "CWE-125"],
        examples: [
            RuleExample("an operator using opcode index 7 of 2", fileName: "model.tflite", triggers: true) {
                TFLiteExample.model([.builtin(0), .builtin(3)], extraOpcodeIndices: [7])
            },
            RuleExample("a root offset past the end", fileName: "model.tflite", triggers: true) {
                [0xF0, 0xFF, 0, 0] + Array("TFL3".utf8) + [UInt8](repeating: 0, count: 16)
            },
            RuleExample("a consistent model", fileName: "model.tflite", triggers: false) { TFLiteExample.valid },
        ])
}

/// More elements than a scan examines.
public enum TFLiteLimitRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "tflite_limit_exceeded", severity: .high,
        title: "TFLite model exceeds scan limits",
        description: """
        The model declares more operator codes, subgraphs, operators or buffers than a scan will examine. \
        Real models stay far below the limit; such counts aim at resource exhaustion or hide operators past \
        what scanners read.
        """,
        remediation: "Do not load the model, or raise the limits only for a model from a trusted source.",
        references: ["CWE-400"],
        examples: [
            RuleExample("120 operators scanned with a 100-element limit", fileName: "model.tflite", triggers: true,
                        limits: exampleLimits) {
                TFLiteExample.model([.builtin(0)], extraOpcodeIndices: [UInt32](repeating: 0, count: 120))
            },
            RuleExample("a two-operator model", fileName: "model.tflite", triggers: false) { TFLiteExample.valid },
        ])

    /// Scan limits that allow 100 graph elements.
    static var exampleLimits: ScanLimits {
        var limits = ScanLimits()
        limits.maxGraphElements = 100
        return limits
    }
}

/// Every TFLite rule and the check that runs them over a parsed model.
public enum TFLiteRules: AnomalyRuleTable {
    public static func rule(for kind: TFLiteAnomalyKind) -> RuleDescriptor {
        switch kind {
        case .malformed: TFLiteMalformedRule.descriptor
        case .limitExceeded: TFLiteLimitRule.descriptor
        }
    }

    /// Every TFLite rule.
    public static var all: [RuleDescriptor] {
        [TFLiteCustomOpRule.descriptor, TFLiteMalformedRule.descriptor, TFLiteLimitRule.descriptor]
    }

    /// The element budget for `limits` (20 per archive entry, as `ProtobufLimits.init(_:)`).
    public static func maxElements(_ limits: ScanLimits) -> Int { limits.maxGraphElements }

    /// Reports every finding for `model`, which was parsed from the file at `location`.
    public static func check(_ model: TFLiteModel, at location: Location, into sink: inout FindingSink) {
        report(model.anomalies, at: location, into: &sink)
        for (index, code) in model.operatorCodes.enumerated() where code.isCustom {
            let name = code.customCode ?? ""
            if TFLiteCustomOpRule.runtimeCustomOps.contains(name) { continue }
            let uses = model.operators.filter { Int($0.opcodeIndex) == index }.count
            var severity: Severity? = nil
            var why = "its kernel is not in the file"
            if name.hasPrefix("Flex") {
                let tfOp = String(name.dropFirst(4))
                if let entry = TensorFlowOpCatalog.byOp[tfOp] {
                    severity = TensorFlowRules.effectRules[entry.effect]?.severity
                    why = "it runs TensorFlow op `\(tfOp)`, which \(entry.effect.rawValue)"
                } else {
                    severity = .low
                    why = "it runs TensorFlow op `\(tfOp)` through the Select TensorFlow ops library"
                }
            }
            sink.report(TFLiteCustomOpRule.descriptor,
                        "operator code \(index) is custom operator `\(name)` (used by \(uses) operator(s)); \(why)",
                        at: location.at(code.offset), evidence: name, severity: severity)
        }
    }
}
