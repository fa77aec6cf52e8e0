import VetCore
import VetFormats

/// Maps each safetensors anomaly kind to its rule and reports a parsed file's anomalies.
public enum SafeTensorsRules {
    /// Rule descriptor per anomaly kind.
    static let table: [SafeTensorsAnomalyKind: RuleDescriptor] = [
        .invalidHeader: SafeTensorsHeaderRule.descriptor,
        .duplicateKey: SafeTensorsDuplicateKeyRule.descriptor,
        .invalidTensor: SafeTensorsTensorRule.descriptor,
        .overlappingTensors: SafeTensorsOverlapRule.descriptor,
        .unaccountedData: SafeTensorsHiddenDataRule.descriptor,
        .invalidMetadata: SafeTensorsMetadataRule.descriptor,
    ]

    /// Every safetensors rule.
    public static var all: [RuleDescriptor] { SafeTensorsAnomalyKind.allCases.compactMap { table[$0] } }

    /// Reports every anomaly of `file`.
    public static func check(_ file: SafeTensorsFile, at location: Location, into sink: inout FindingSink) {
        for anomaly in file.anomalies {
            guard let rule = table[anomaly.kind] else { continue }
            sink.report(rule, anomaly.message, at: location.at(anomaly.offset))
        }
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
