import VetCore
import VetSafeTensors

/// Maps each safetensors anomaly kind to its rule and reports a parsed file's anomalies.
public enum SafeTensorsRules: AnomalyRuleTable {
    public static func rule(for kind: SafeTensorsAnomalyKind) -> RuleDescriptor {
        switch kind {
        case .invalidHeader: SafeTensorsHeaderRule.descriptor
        case .duplicateKey: SafeTensorsDuplicateKeyRule.descriptor
        case .invalidTensor: SafeTensorsTensorRule.descriptor
        case .overlappingTensors: SafeTensorsOverlapRule.descriptor
        case .unaccountedData: SafeTensorsHiddenDataRule.descriptor
        case .invalidMetadata: SafeTensorsMetadataRule.descriptor
        }
    }

    /// Every safetensors rule.
    public static var all: [RuleDescriptor] { rules }

    /// Reports every anomaly the parser recorded for `file`.
    public static func check(_ file: SafeTensorsFile, at location: Location, into sink: inout FindingSink) {
        report(file.anomalies, at: location, into: &sink)
    }
}

/// Builds small safetensors files for rule examples and tests.
public enum SafeTensorsExample {
    /// A file whose header is `json` (padded with spaces to 8 bytes) followed by `data`.
    public static func file(_ json: String, data: [UInt8]) -> [UInt8] {
        var header = Array(json.utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        let length = UInt64(header.count)
        return (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * UInt64($0))) } + header + data
    }

    /// A valid file with one F32 tensor of two elements.
    public static let valid = file(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: [UInt8](repeating: 0, count: 8))
}
