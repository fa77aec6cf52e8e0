/// Writes safetensors files: an 8-byte little-endian header length, the JSON header (padded with
/// spaces to a multiple of 8, as the reference writer does), then the tensors' bytes in order.
public enum SafeTensorsBuilder {
    public struct Tensor: Sendable {
        public var name: String
        public var dtype: String
        public var shape: [Int]
        public var data: [UInt8]

        public init(name: String, dtype: String, shape: [Int], data: [UInt8]) {
            self.name = name
            self.dtype = dtype
            self.shape = shape
            self.data = data
        }
    }

    /// An F32 tensor of `values`.
    public static func f32(_ name: String, _ shape: [Int], _ values: [Float]) -> Tensor {
        #if _endian(little)
        Tensor(name: name, dtype: "F32", shape: shape, data: values.withUnsafeBytes { Array($0) })
        #else
        Tensor(name: name, dtype: "F32", shape: shape, data: values.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v.bitPattern >> (8 * UInt32($0))) } })
        #endif
    }

    /// The file's bytes.
    public static func bytes(_ tensors: [Tensor]) -> [UInt8] {
        var offset = 0
        var header: [String] = []
        for t in tensors {
            header.append("\"\(t.name)\":{\"dtype\":\"\(t.dtype)\",\"shape\":[\(t.shape.map(String.init).joined(separator: ","))],"
                          + "\"data_offsets\":[\(offset),\(offset + t.data.count)]}")
            offset += t.data.count
        }
        var json = Array(("{" + header.joined(separator: ",") + "}").utf8)
        while json.count % 8 != 0 { json.append(UInt8(ascii: " ")) }
        let length = UInt64(json.count)
        return (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * UInt64($0))) } + json + tensors.flatMap(\.data)
    }
}
