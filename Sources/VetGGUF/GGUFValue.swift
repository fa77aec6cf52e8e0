/// A GGUF metadata value type, as numbered in the file.
public enum GGUFValueType: UInt32, Sendable, CaseIterable {
    case uint8 = 0, int8, uint16, int16, uint32, int32, float32, bool, string, array, uint64, int64, float64

    /// Size in bytes of a fixed-size scalar, `nil` for strings and arrays.
    package var fixedSize: Int? {
        switch self {
        case .uint8, .int8, .bool: 1
        case .uint16, .int16: 2
        case .uint32, .int32, .float32: 4
        case .uint64, .int64, .float64: 8
        case .string, .array: nil
        }
    }
}

/// A GGUF metadata value.
public indirect enum GGUFValue: Sendable, Equatable {
    case uint(UInt64, GGUFValueType)
    case int(Int64, GGUFValueType)
    case float(Double, GGUFValueType)
    case bool(Bool)
    case string(String)
    /// Element type and elements.
    case array(GGUFValueType, [GGUFValue])

    /// The value as a non-negative integer, when it is one.
    public var integer: Int? {
        switch self {
        case let .uint(v, _): Int(exactly: v)
        case let .int(v, _): v >= 0 ? Int(exactly: v) : nil
        default: nil
        }
    }

    /// The string payload, or `nil`.
    public var string: String? { if case let .string(s) = self { s } else { nil } }

    /// The stored type.
    public var type: GGUFValueType {
        switch self {
        case let .uint(_, t), let .int(_, t), let .float(_, t): t
        case .bool: .bool
        case .string: .string
        case .array: .array
        }
    }
}

/// One metadata key/value pair, with where it starts.
public struct GGUFMetadataEntry: Sendable {
    /// The key.
    public var key: String
    /// The value.
    public var value: GGUFValue
    /// Byte offset of the key.
    public var offset: Int
}

/// One tensor descriptor from the header.
public struct GGUFTensorInfo: Sendable {
    /// The tensor's name.
    public var name: String
    /// Dimensions, innermost first (ggml's `ne`).
    public var dimensions: [UInt64]
    /// The ggml type id.
    public var typeID: UInt32
    /// Offset of the data relative to the start of the data section.
    public var offset: UInt64
    /// Byte offset of this descriptor in the file.
    public var infoOffset: Int
    /// The data's byte count, when the type is known and nothing overflows.
    public var byteCount: Int?

    /// The type, when known.
    public var type: GGMLType? { GGMLType(rawValue: typeID) }
}
