import VetFixtures
import VetCore
import VetFormats

/// Maps each GGUF anomaly kind to its rule and reports a parsed file's anomalies.
public enum GGUFRules {
    static let table: [GGUFAnomalyKind: RuleDescriptor] = [
        .malformed: GGUFMalformedRule.descriptor,
        .resourceLimit: GGUFResourceLimitRule.descriptor,
        .duplicateName: GGUFDuplicateNameRule.descriptor,
        .invalidTensor: GGUFTensorRule.descriptor,
        .unknownTensorType: GGUFUnknownTensorTypeRule.descriptor,
        .overlappingTensors: GGUFOverlapRule.descriptor,
        .unaccountedData: GGUFHiddenDataRule.descriptor,
    ]

    /// Every GGUF rule.
    public static var all: [RuleDescriptor] { GGUFAnomalyKind.allCases.compactMap { table[$0] } }

    /// Reports every anomaly of `file`.
    public static func check(_ file: GGUFFile, at location: Location, into sink: inout FindingSink) {
        for anomaly in file.anomalies {
            guard let rule = table[anomaly.kind] else { continue }
            sink.report(rule, anomaly.message, at: location.at(anomaly.offset))
        }
    }
}

/// Small GGUF files for rule examples.
enum GGUFExample {
    /// A valid file: one F32 tensor of 8 elements and an architecture key.
    static var valid: [UInt8] {
        GGUFBuilder().meta("general.architecture", .string("llama"))
            .tensor(.init("w", dimensions: [8], data: [UInt8](repeating: 0, count: 32))).bytes()
    }
}
