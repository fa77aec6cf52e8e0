import CZlib
import VetBytes

/// The CRC-32 checksum zip and gzip use, computed by zlib straight over mapped bytes.
public enum CRC32 {
    /// zlib takes `uInt` lengths, so long regions are fed in slices of this size.
    static let chunk = 1 << 30

    /// Returns the CRC-32 of all bytes of `source`.
    /// - Parameter source: The bytes to checksum; nothing is copied.
    public static func checksum(_ source: ByteSource) -> UInt32 {
        source.withUnsafeBytes { update(0, $0) }
    }

    /// Continues a running CRC-32 over `bytes`.
    /// - Parameters:
    ///   - crc: The checksum of the bytes before these (0 to start).
    ///   - bytes: The next bytes.
    public static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress else { return crc }
        var value = uLong(crc)
        var offset = 0
        while offset < bytes.count {
            let length = min(chunk, bytes.count - offset)
            value = crc32(value, (base + offset).assumingMemoryBound(to: Bytef.self), uInt(length))
            offset += length
        }
        return UInt32(truncatingIfNeeded: value)
    }
}
