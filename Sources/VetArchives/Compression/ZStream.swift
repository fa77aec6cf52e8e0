import CZlib

/// A zlib stream at a fixed heap address, as zlib requires: it keeps a back-pointer to the
/// `z_stream` and rejects calls made through a moved copy.
final class ZStream {
    /// The stream zlib works on.
    let pointer: UnsafeMutablePointer<z_stream>
    private let isDeflate: Bool

    private init(pointer: UnsafeMutablePointer<z_stream>, isDeflate: Bool) {
        self.pointer = pointer
        self.isDeflate = isDeflate
    }

    /// Opens an inflating stream with the given `windowBits`.
    static func inflating(windowBits: Int32) throws(InflateError) -> ZStream {
        let pointer = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        pointer.initialize(to: z_stream())
        let rc = inflateInit2_(pointer, windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else {
            pointer.deinitialize(count: 1)
            pointer.deallocate()
            throw .failed(reason: "inflateInit2 returned \(rc)")
        }
        return ZStream(pointer: pointer, isDeflate: false)
    }

    /// Opens a deflating stream, or returns `nil` when zlib refuses the parameters or memory.
    static func deflating(windowBits: Int32, level: Int32) -> ZStream? {
        let pointer = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        pointer.initialize(to: z_stream())
        let rc = deflateInit2_(pointer, level, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY,
                               zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else {
            pointer.deinitialize(count: 1)
            pointer.deallocate()
            return nil
        }
        return ZStream(pointer: pointer, isDeflate: true)
    }

    /// zlib's message for the last error, or a generic one.
    var message: String {
        guard let text = pointer.pointee.msg else { return "invalid compressed data" }
        return String(cString: text)
    }

    deinit {
        if isDeflate { deflateEnd(pointer) } else { inflateEnd(pointer) }
        pointer.deinitialize(count: 1)
        pointer.deallocate()
    }
}
