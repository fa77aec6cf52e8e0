import VetFixtures
import VetCore
import VetGGUF

/// Maps each GGUF anomaly kind to its rule and reports a parsed file's anomalies.
public enum GGUFRules: AnomalyRuleTable {
    public static func rule(for kind: GGUFAnomalyKind) -> RuleDescriptor {
        switch kind {
        case .malformed: GGUFMalformedRule.descriptor
        case .resourceLimit: GGUFResourceLimitRule.descriptor
        case .duplicateName: GGUFDuplicateNameRule.descriptor
        case .invalidTensor: GGUFTensorRule.descriptor
        case .unknownTensorType: GGUFUnknownTensorTypeRule.descriptor
        case .overlappingTensors: GGUFOverlapRule.descriptor
        case .unaccountedData: GGUFHiddenDataRule.descriptor
        }
    }

    /// Every GGUF rule.
    public static var all: [RuleDescriptor] { rules }

    /// Reports every anomaly the parser recorded for `file`.
    public static func check(_ file: GGUFFile, at location: Location, into sink: inout FindingSink) {
        report(file.anomalies, at: location, into: &sink)
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
