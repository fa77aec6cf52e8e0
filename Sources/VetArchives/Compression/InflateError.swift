/// Why a compressed stream could not be inflated.
public enum InflateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Inflating would produce more than `limit` bytes, so the stream is treated as a decompression
    /// bomb; `what` names the budget that ran out (a member cap, the declared size, the file total).
    case limitExceeded(limit: Int, what: String)
    /// The compressed bytes are not a valid stream; `inputOffset` is where zlib stopped.
    case corrupt(reason: String, inputOffset: Int)
    /// The input ended before the stream did, after `produced` output bytes.
    case truncated(produced: Int, inputOffset: Int)
    /// zlib could not start or ran out of memory.
    case failed(reason: String)

    /// Whether this error means a decompression bomb rather than damaged data.
    public var isLimitExceeded: Bool {
        if case .limitExceeded = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case let .limitExceeded(limit, what):
            return "decompressed data exceeds the \(what) of \(limit) bytes"
        case let .corrupt(reason, offset):
            return "corrupt compressed data at input offset \(offset): \(reason)"
        case let .truncated(produced, offset):
            return "compressed stream ends early at input offset \(offset) after \(produced) output bytes"
        case let .failed(reason):
            return "decompression failed: \(reason)"
        }
    }
}

/// The framing around a deflate stream.
public enum CompressedStreamFormat: Sendable, Equatable, CaseIterable {
    /// Raw deflate without header or trailer, as stored in zip members.
    case rawDeflate
    /// A zlib stream (RFC 1950): two-byte header, deflate data, Adler-32 trailer.
    case zlib
    /// One or more concatenated gzip members (RFC 1952).
    case gzip

    /// zlib's `windowBits` selecting this framing.
    var windowBits: Int32 {
        switch self {
        case .rawDeflate: -15
        case .zlib: 15
        case .gzip: 31
        }
    }
}
