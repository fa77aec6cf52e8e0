import CZlib

/// Compresses bytes with zlib; used by the archive builders that craft test and example files.
public enum Deflater {
    /// Returns `bytes` compressed in `format`, or an empty array when zlib fails (out of memory).
    /// - Parameters:
    ///   - bytes: The data to compress.
    ///   - format: The framing to write.
    ///   - level: zlib's compression level, 0 (store) to 9 (best).
    public static func deflate(_ bytes: [UInt8], format: CompressedStreamFormat = .rawDeflate, level: Int32 = 6) -> [UInt8] {
        guard let stream = ZStream.deflating(windowBits: format.windowBits, level: level) else { return [] }
        let z = stream.pointer
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        guard bytes.count <= Int(UInt32.max) else { return [] }
        let finished: Bool = bytes.withUnsafeBufferPointer { input in
            z.pointee.next_in = input.baseAddress.map { UnsafeMutablePointer(mutating: $0) }
            z.pointee.avail_in = uInt(input.count)
            // Each pass with Z_FINISH emits output until Z_STREAM_END; a pass that emits nothing
            // and does not finish means zlib is stuck, which ends the loop.
            while true {
                let (rc, wrote) = chunk.withUnsafeMutableBufferPointer { out -> (Int32, Int) in
                    z.pointee.next_out = out.baseAddress
                    z.pointee.avail_out = uInt(out.count)
                    let rc = CZlib.deflate(z, Z_FINISH)
                    return (rc, out.count - Int(z.pointee.avail_out))
                }
                output.append(contentsOf: chunk[0..<wrote])
                if rc == Z_STREAM_END { return true }
                if (rc != Z_OK && rc != Z_BUF_ERROR) || wrote == 0 { return false }
            }
        }
        return finished ? output : []
    }
}
