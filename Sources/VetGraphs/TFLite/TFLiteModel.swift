import VetCore
import VetBytes

/// What kind of problem a TFLite file has; each kind maps to one rule.
public enum TFLiteAnomalyKind: String, AnomalyKind, Sendable, CaseIterable {
    /// An offset, vtable, vector or index points outside the buffer or its table.
    case malformed
    /// More elements than a scan examines.
    case limitExceeded
}

/// One irregularity the TFLite parser met.
public typealias TFLiteAnomaly = Anomaly<TFLiteAnomalyKind>

/// One entry of `Model.operator_codes`.
public struct TFLiteOperatorCode: Sendable {
    /// `BuiltinOperator.CUSTOM`.
    public static let custom: Int32 = 32
    /// The effective builtin code: the larger of `builtin_code` and `deprecated_builtin_code`,
    /// as the runtime's `GetBuiltinCode` computes it.
    public var builtinCode: Int32
    /// `custom_code`, for custom operators.
    public var customCode: String?
    /// `version`.
    public var version: Int32
    /// Absolute offset of the table.
    public var offset: Int

    /// Whether this is a custom operator.
    public var isCustom: Bool { builtinCode == Self.custom }
}

/// One operator of a subgraph.
public struct TFLiteOperator: Sendable {
    /// Index of the subgraph.
    public var subgraph: Int
    /// Index in the subgraph.
    public var index: Int
    /// `opcode_index` into `operator_codes`.
    public var opcodeIndex: UInt32
    /// Absolute offset of the table.
    public var offset: Int
}

/// A TFLite model (`schema.fbs`, identifier `TFL3`): operator codes, operators and buffers.
public struct TFLiteModel: Sendable {
    /// `version`.
    public var version: UInt32 = 0
    /// `description`.
    public var description: String?
    /// `operator_codes`.
    public var operatorCodes: [TFLiteOperatorCode] = []
    /// Subgraph names (empty strings when unnamed).
    public var subgraphNames: [String] = []
    /// Every operator of every subgraph.
    public var operators: [TFLiteOperator] = []
    /// How many buffers the model declares.
    public var bufferCount = 0
    /// Problems found.
    public var anomalies: [TFLiteAnomaly] = []

    /// Whether `source` carries the TFLite file identifier `TFL3` at bytes 4..<8 and a root offset
    /// inside the file.
    public static func sniff(_ source: ByteSource) -> Bool {
        let head = source.prefixBytes(length: 8)
        guard head.count == 8, Array(head[4..<8]) == Array("TFL3".utf8) else { return false }
        let root = head[0..<4].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        return root >= 8 && root < source.count
    }

    mutating func anomaly(_ kind: TFLiteAnomalyKind, _ message: String, at offset: Int) {
        anomalies.append(TFLiteAnomaly(kind: kind, message: message, offset: offset))
    }
}
