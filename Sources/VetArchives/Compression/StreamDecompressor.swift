import CBzip2
import CLzma
import VetBytes

/// Decompresses xz, legacy `.lzma` and bzip2 streams (joblib's other compressors, `.tar.xz`,
/// `.tar.bz2`) under a hard output limit and a bounded decoder memory.
public enum StreamDecompressor {
    /// The stream framing.
    public enum Format: Sendable {
        case xz, lzmaAlone, bzip2
    }

    /// The most memory the LZMA decoder may use; a crafted header can ask for gigabytes of dictionary.
    static let lzmaMemoryLimit: UInt64 = 256 << 20
    static let chunk = 1 << 16

    /// Decompresses all of `source`.
    /// - Parameter limit: the most output bytes allowed; more is a decompression bomb.
    /// - Throws: `InflateError.limitExceeded` past `limit` (or the decoder memory limit), `.corrupt`
    ///   on invalid data, `.truncated` when the input ends inside the stream, `.failed` otherwise.
    public static func decompress(_ source: ByteSource, format: Format, limit: Int) throws(InflateError) -> ByteSource {
        let result = source.withUnsafeBytes { input in
            Result { () throws(InflateError) -> [UInt8] in
                switch format {
                case .xz, .lzmaAlone: try lzma(input, alone: format == .lzmaAlone, limit: max(limit, 0))
                case .bzip2: try bzip2(input, limit: max(limit, 0))
                }
            }
        }
        return ByteSource(try result.get())
    }

    private static func lzma(_ input: UnsafeRawBufferPointer, alone: Bool, limit: Int) throws(InflateError) -> [UInt8] {
        var stream = lzma_stream()
        let start = alone ? lzma_alone_decoder(&stream, lzmaMemoryLimit)
            : lzma_stream_decoder(&stream, lzmaMemoryLimit, 0x08)  // LZMA_CONCATENATED: decode streams back to back
        guard start == LZMA_OK else { throw .failed(reason: "lzma decoder could not start (\(start.rawValue))") }
        defer { lzma_end(&stream) }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: chunk)
        stream.next_in = input.baseAddress?.assumingMemoryBound(to: UInt8.self)
        stream.avail_in = input.count
        while true {
            let status = buffer.withUnsafeMutableBufferPointer { out -> lzma_ret in
                stream.next_out = out.baseAddress
                stream.avail_out = out.count
                return lzma_code(&stream, LZMA_FINISH)
            }
            let produced = chunk - stream.avail_out
            guard output.count + produced <= limit else { throw .limitExceeded(limit: limit, what: "output limit") }
            output.append(contentsOf: buffer[0..<produced])
            let offset = input.count - stream.avail_in
            switch status {
            case LZMA_OK: continue
            case LZMA_STREAM_END: return output
            case LZMA_MEMLIMIT_ERROR, LZMA_MEM_ERROR:
                throw .limitExceeded(limit: Int(lzmaMemoryLimit), what: "decoder memory limit")
            case LZMA_BUF_ERROR: throw .truncated(produced: output.count, inputOffset: offset)
            default: throw .corrupt(reason: "lzma error \(status.rawValue)", inputOffset: offset)
            }
        }
    }

    private static func bzip2(_ input: UnsafeRawBufferPointer, limit: Int) throws(InflateError) -> [UInt8] {
        var output: [UInt8] = []
        var consumed = 0
        var buffer = [UInt8](repeating: 0, count: chunk)
        // A .bz2 file may hold several streams back to back; each is decoded in turn.
        repeat {
            var stream = bz_stream()
            guard BZ2_bzDecompressInit(&stream, 0, 0) == BZ_OK else { throw .failed(reason: "bzip2 decoder could not start") }
            defer { BZ2_bzDecompressEnd(&stream) }
            let base = input.baseAddress.map { UnsafeMutableRawPointer(mutating: $0 + consumed) }
            stream.next_in = base?.assumingMemoryBound(to: CChar.self)
            stream.avail_in = UInt32(clamping: input.count - consumed)
            while true {
                let status = buffer.withUnsafeMutableBytes { out -> Int32 in
                    stream.next_out = out.baseAddress?.assumingMemoryBound(to: CChar.self)
                    stream.avail_out = UInt32(out.count)
                    return BZ2_bzDecompress(&stream)
                }
                let produced = chunk - Int(stream.avail_out)
                guard output.count + produced <= limit else { throw .limitExceeded(limit: limit, what: "output limit") }
                output.append(contentsOf: buffer[0..<produced])
                let offset = consumed + Int(stream.total_in_lo32)
                if status == BZ_STREAM_END { consumed = offset; break }
                guard status == BZ_OK else { throw .corrupt(reason: "bzip2 error \(status)", inputOffset: offset) }
                if stream.avail_in == 0 && produced == 0 { throw .truncated(produced: output.count, inputOffset: offset) }
            }
        } while consumed + 3 <= input.count && input[consumed] == 0x42 && input[consumed + 1] == 0x5A && input[consumed + 2] == 0x68
        return output
    }
}
