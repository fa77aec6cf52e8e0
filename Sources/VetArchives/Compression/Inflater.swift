import CZlib
import VetBytes

/// Decompresses raw deflate, zlib and gzip streams with zlib under a hard output limit.
public enum Inflater {
    /// What one inflation produced.
    public struct Output: Sendable {
        /// The decompressed bytes, on the heap.
        public var bytes: ByteSource
        /// How many input bytes the stream occupied; anything after them was not part of it.
        public var inputConsumed: Int
    }

    /// The largest ratio deflate can reach (258-byte matches from 2-bit codes, about 1032:1);
    /// used only to keep a lying size hint from reserving memory the stream cannot fill.
    static let maxDeflateRatio = 1032

    /// Decompresses all of `source` and returns the output.
    /// - Parameters:
    ///   - source: The compressed bytes; read in place.
    ///   - format: The framing around the deflate data.
    ///   - limit: The most output bytes allowed; one more is a bomb.
    ///   - expectedSize: The size the container declares, used only to size the first buffer.
    ///   - limitName: What `limit` is, for the error message.
    /// - Throws: `InflateError.limitExceeded` past `limit`, `.corrupt` on invalid data,
    ///   `.truncated` when the input ends inside the stream, `.failed` when zlib cannot run.
    public static func inflate(_ source: ByteSource, format: CompressedStreamFormat, limit: Int,
                               expectedSize: Int? = nil, limitName: String = "output limit") throws(InflateError) -> ByteSource {
        try inflateReportingInput(source, format: format, limit: limit, expectedSize: expectedSize,
                                  limitName: limitName).bytes
    }

    /// Decompresses `source` and also reports how much of it the stream used.
    /// - Parameters:
    ///   - source: The compressed bytes; read in place.
    ///   - format: The framing around the deflate data.
    ///   - limit: The most output bytes allowed.
    ///   - expectedSize: The size the container declares, used only to size the first buffer.
    ///   - limitName: What `limit` is, for the error message.
    /// - Throws: `InflateError` as for `inflate`.
    public static func inflateReportingInput(_ source: ByteSource, format: CompressedStreamFormat, limit: Int,
                                             expectedSize: Int? = nil,
                                             limitName: String = "output limit") throws(InflateError) -> Output {
        let limit = max(limit, 0)
        let cap = limit == Int.max ? Int.max : limit + 1
        let plausible = saturatingAdd(saturatingMultiply(source.count, maxDeflateRatio), 1 << 16)
        let hint = expectedSize.map { saturatingAdd(max($0, 0), 1) } ?? (1 << 16)
        let output = GrowingOutput(initial: min(hint, plausible, cap), cap: cap)
        let consumed = try run(source, format: format, limit: limit, limitName: limitName, output: output)
        return Output(bytes: output.finish(), inputConsumed: consumed)
    }

    /// Decompresses `source` chunk by chunk without keeping the output, for checksums.
    /// - Parameters:
    ///   - source: The compressed bytes; read in place.
    ///   - format: The framing around the deflate data.
    ///   - limit: The most output bytes allowed.
    ///   - body: Called with each chunk of output in order; the pointer must not escape.
    /// - Returns: The number of bytes produced and of input bytes the stream used.
    /// - Throws: `InflateError` as for `inflate`.
    @discardableResult
    public static func forEachChunk(_ source: ByteSource, format: CompressedStreamFormat, limit: Int,
                                    _ body: (UnsafeRawBufferPointer) -> Void) throws(InflateError) -> (produced: Int, inputConsumed: Int) {
        let result = withoutActuallyEscaping(body) { escapable in
            Result { () throws(InflateError) -> (Int, Int) in
                let output = ChunkOutput(chunkSize: 1 << 16, body: escapable)
                let consumed = try run(source, format: format, limit: max(limit, 0),
                                       limitName: "output limit", output: output)
                return (output.produced, consumed)
            }
        }
        return try result.get()
    }

    private static func run<Sink: InflateOutput>(_ source: ByteSource, format: CompressedStreamFormat, limit: Int,
                                                 limitName: String, output: Sink) throws(InflateError) -> Int {
        var sink = output
        let result = source.withUnsafeBytes { input in
            Result { () throws(InflateError) -> Int in
                try drive(input, format: format, limit: limit, limitName: limitName, output: &sink)
            }
        }
        return try result.get()
    }

    /// Feeds zlib until the stream ends, the input runs out, or the output passes `limit`.
    ///
    /// Every pass either consumes input or produces output (or throws), and output is capped at
    /// `limit + 1`, so the loop is bounded by the input size plus the limit.
    private static func drive<Sink: InflateOutput>(_ input: UnsafeRawBufferPointer, format: CompressedStreamFormat,
                                                   limit: Int, limitName: String,
                                                   output: inout Sink) throws(InflateError) -> Int {
        guard let base = input.baseAddress, !input.isEmpty else {
            throw .truncated(produced: 0, inputOffset: 0)
        }
        let stream = try ZStream.inflating(windowBits: format.windowBits)
        let z = stream.pointer
        let bytes = base.assumingMemoryBound(to: Bytef.self)
        var consumed = 0
        while true {
            if z.pointee.avail_in == 0, consumed < input.count {
                z.pointee.next_in = UnsafeMutablePointer(mutating: bytes + consumed)
                z.pointee.avail_in = uInt(min(CRC32.chunk, input.count - consumed))
            }
            let space = output.space()
            guard let outBase = space.baseAddress, !space.isEmpty else {
                throw .limitExceeded(limit: limit, what: limitName)
            }
            let offered = min(space.count, CRC32.chunk)
            z.pointee.next_out = outBase.assumingMemoryBound(to: Bytef.self)
            z.pointee.avail_out = uInt(offered)
            let rc = CZlib.inflate(z, Z_NO_FLUSH)
            let wrote = offered - Int(z.pointee.avail_out)
            let position = z.pointee.next_in.map { UnsafePointer($0) - UnsafePointer(bytes) } ?? consumed
            let progressed = wrote > 0 || position > consumed
            consumed = position
            output.commit(wrote)
            if output.produced > limit { throw .limitExceeded(limit: limit, what: limitName) }
            switch rc {
            case Z_STREAM_END:
                guard format == .gzip, startsGzipMember(input, at: consumed) else { return consumed }
                guard inflateReset(z) == Z_OK else { throw .failed(reason: "inflateReset failed") }
                z.pointee.avail_in = 0
            case Z_OK, Z_BUF_ERROR:
                if !progressed {
                    if consumed >= input.count { throw .truncated(produced: output.produced, inputOffset: consumed) }
                    throw .corrupt(reason: "zlib made no progress", inputOffset: consumed)
                }
            case Z_NEED_DICT:
                throw .corrupt(reason: "stream needs a preset dictionary", inputOffset: consumed)
            case Z_DATA_ERROR:
                throw .corrupt(reason: stream.message, inputOffset: consumed)
            case Z_MEM_ERROR:
                throw .failed(reason: "zlib ran out of memory")
            default:
                throw .failed(reason: "zlib returned \(rc)")
            }
        }
    }

    /// Whether another gzip member (magic 1f 8b) starts at `offset`.
    private static func startsGzipMember(_ input: UnsafeRawBufferPointer, at offset: Int) -> Bool {
        offset + 1 < input.count && input[offset] == 0x1F && input[offset + 1] == 0x8B
    }

    static func saturatingAdd(_ a: Int, _ b: Int) -> Int {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? Int.max : sum
    }

    static func saturatingMultiply(_ a: Int, _ b: Int) -> Int {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? Int.max : product
    }
}
