/// Writes `.npy` files for tests and rule examples, with any header text.
public enum NpyBuilder {
    /// A version 1.0 file with the given `descr` and `shape` literals, padded as NumPy pads, then `data`.
    public static func bytes(descr: String, shape: String, fortranOrder: Bool = false, extra: String = "", data: [UInt8]) -> [UInt8] {
        var header = "{'descr': \(descr), 'fortran_order': \(fortranOrder ? "True" : "False"), 'shape': \(shape), \(extra)}"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        let length = header.utf8.count
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(header.utf8) + data
    }
}
