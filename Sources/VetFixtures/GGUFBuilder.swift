import VetGGUF
/// Writes GGUF files (version 3, little-endian) for tests and rule examples.
public struct GGUFBuilder: Sendable {
    /// A tensor to write: dimensions, ggml type id, the offset to declare (default: packed), and data.
    public struct Tensor: Sendable {
        public var name: String
        public var dimensions: [UInt64]
        public var typeID: UInt32
        public var offset: UInt64?
        public var data: [UInt8]

        /// Creates a tensor description.
        public init(_ name: String, dimensions: [UInt64], typeID: UInt32 = 0, offset: UInt64? = nil, data: [UInt8]) {
            self.name = name
            self.dimensions = dimensions
            self.typeID = typeID
            self.offset = offset
            self.data = data
        }
    }

    private var metadata: [(String, GGUFValue)] = []
    private var tensors: [Tensor] = []
    private var trailing: [UInt8] = []
    /// Alignment used to lay out data (not written unless set as metadata).
    public var alignment = 32

    /// An empty file.
    public init() {}

    /// Adds a metadata entry.
    public func meta(_ key: String, _ value: GGUFValue) -> GGUFBuilder {
        var copy = self
        copy.metadata.append((key, value))
        return copy
    }

    /// Adds a tensor.
    public func tensor(_ tensor: Tensor) -> GGUFBuilder {
        var copy = self
        copy.tensors.append(tensor)
        return copy
    }

    /// Bytes appended after the data section.
    public func trailing(_ bytes: [UInt8]) -> GGUFBuilder {
        var copy = self
        copy.trailing = bytes
        return copy
    }

    private static func u32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * UInt32($0))) } }
    private static func u64(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) } }
    private static func string(_ s: String) -> [UInt8] { u64(UInt64(s.utf8.count)) + Array(s.utf8) }

    private static func encode(_ value: GGUFValue) -> [UInt8] {
        switch value {
        case let .uint(v, t): return encodeInteger(v, t)
        case let .int(v, t): return encodeInteger(UInt64(bitPattern: v), t)
        case let .float(v, t): return t == .float32 ? u32(Float(v).bitPattern) : u64(v.bitPattern)
        case let .bool(b): return [b ? 1 : 0]
        case let .string(s): return string(s)
        case let .array(t, items): return u32(t.rawValue) + u64(UInt64(items.count)) + items.flatMap(encode)
        }
    }

    private static func encodeInteger(_ v: UInt64, _ t: GGUFValueType) -> [UInt8] {
        Array(u64(v).prefix(t.fixedSize ?? 8))
    }

    /// The file's bytes.
    public func bytes() -> [UInt8] {
        var out = Array("GGUF".utf8) + Self.u32(3) + Self.u64(UInt64(tensors.count)) + Self.u64(UInt64(metadata.count))
        for (key, value) in metadata { out += Self.string(key) + Self.u32(value.type.rawValue) + Self.encode(value) }
        var data: [UInt8] = []
        for tensor in tensors {
            while data.count % alignment != 0 { data.append(0) }
            out += Self.string(tensor.name) + Self.u32(UInt32(tensor.dimensions.count)) + tensor.dimensions.flatMap(Self.u64)
            out += Self.u32(tensor.typeID) + Self.u64(tensor.offset ?? UInt64(data.count))
            data += tensor.data
        }
        while out.count % alignment != 0 { out.append(0) }
        return out + data + trailing
    }
}
