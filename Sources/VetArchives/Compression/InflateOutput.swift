import VetBytes

/// Where the inflate driver writes: it asks for free space, then reports how much it filled.
protocol InflateOutput {
    /// Free space for zlib to write into.
    mutating func space() -> UnsafeMutableRawBufferPointer
    /// Records that the first `count` bytes of the last space were written.
    mutating func commit(_ count: Int)
    /// Bytes produced so far.
    var produced: Int { get }
}

/// Collects output in one heap buffer that grows by doubling up to `cap` bytes and is adopted
/// by a `ByteSource` at the end without another copy.
final class GrowingOutput: InflateOutput {
    private var buffer: UnsafeMutableRawBufferPointer
    private(set) var produced = 0
    private let cap: Int

    /// Creates a buffer of `initial` bytes that may grow to `cap`.
    init(initial: Int, cap: Int) {
        self.cap = max(cap, 1)
        buffer = .allocate(byteCount: min(max(initial, 1), self.cap), alignment: 16)
    }

    func space() -> UnsafeMutableRawBufferPointer {
        if produced == buffer.count, buffer.count < cap {
            let doubled = buffer.count.multipliedReportingOverflow(by: 2)
            let size = min(doubled.overflow ? cap : max(doubled.partialValue, 1 << 16), cap)
            let grown = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
            if let from = buffer.baseAddress, let to = grown.baseAddress, produced > 0 {
                to.copyMemory(from: from, byteCount: produced)
            }
            buffer.deallocate()
            buffer = grown
        }
        return UnsafeMutableRawBufferPointer(rebasing: buffer[produced...])
    }

    func commit(_ count: Int) { produced += count }

    /// Hands the bytes to a `ByteSource`, trimming a buffer that grew well past the output.
    func finish() -> ByteSource {
        if buffer.count - produced > produced / 4 + 4096 {
            let exact = UnsafeMutableRawBufferPointer.allocate(byteCount: max(produced, 1), alignment: 16)
            if let from = buffer.baseAddress, let to = exact.baseAddress, produced > 0 {
                to.copyMemory(from: from, byteCount: produced)
            }
            buffer.deallocate()
            buffer = exact
        }
        let result = ByteSource(adopting: buffer, count: produced)
        buffer = UnsafeMutableRawBufferPointer(start: nil, count: 0)
        return result
    }

    deinit { buffer.deallocate() }
}

/// Hands each chunk of output to a closure and reuses one fixed scratch buffer, so memory stays
/// constant however much is produced.
final class ChunkOutput: InflateOutput {
    private let scratch: UnsafeMutableRawBufferPointer
    private let body: (UnsafeRawBufferPointer) -> Void
    private(set) var produced = 0

    init(chunkSize: Int, body: @escaping (UnsafeRawBufferPointer) -> Void) {
        scratch = .allocate(byteCount: max(chunkSize, 1), alignment: 16)
        self.body = body
    }

    func space() -> UnsafeMutableRawBufferPointer { scratch }

    func commit(_ count: Int) {
        guard count > 0 else { return }
        produced += count
        body(UnsafeRawBufferPointer(rebasing: scratch[0..<count]))
    }

    deinit { scratch.deallocate() }
}
