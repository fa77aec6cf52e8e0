/// Base64 as Python's `base64.b64decode` reads it: the standard and URL-safe alphabets, padding
/// optional, line breaks and spaces skipped.
public enum Base64 {
    @usableFromInline static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    @usableFromInline static let values: [Int8] = {
        var table = [Int8](repeating: -1, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = Int8(index) }
        table[Int(UInt8(ascii: "-"))] = 62
        table[Int(UInt8(ascii: "_"))] = 63
        return table
    }()

    /// The first byte `text` decodes to (from its first two characters after white space), or
    /// `nil` when those are not base64; a cheap look before a whole decoding.
    @inlinable
    public static func firstByte<C: Collection>(_ text: C) -> UInt8? where C.Element == UInt8 {
        var first: UInt8?
        for byte in text where byte != 0x20 && byte != 0x0A && byte != 0x0D && byte != 0x09 {
            let value = values[Int(byte)]
            guard value >= 0 else { return nil }
            guard let high = first else { first = UInt8(value); continue }
            return high << 2 | UInt8(value) >> 4
        }
        return nil
    }

    /// Decodes `text`; `nil` when it holds anything but base64 characters, padding and white space,
    /// or when its length cannot be base64.
    @inlinable
    public static func decode<C: Collection>(_ text: C) -> [UInt8]? where C.Element == UInt8 {
        var output: [UInt8] = []
        output.reserveCapacity(text.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        var padding = 0
        for byte in text {
            switch byte {
            case UInt8(ascii: "="): padding += 1; continue
            case 0x20, 0x0A, 0x0D, 0x09: continue
            default: break
            }
            let value = values[Int(byte)]
            guard value >= 0, padding == 0 else { return nil }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        // A lone trailing character (6 bits) cannot be base64.
        return bits == 6 ? nil : output
    }

    /// Encodes `bytes` with the standard alphabet and padding.
    public static func encode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        var output: [UInt8] = []
        var iterator = bytes.makeIterator()
        while let first = iterator.next() {
            let second = iterator.next()
            let third = second == nil ? nil : iterator.next()
            let group = UInt32(first) << 16 | UInt32(second ?? 0) << 8 | UInt32(third ?? 0)
            output.append(alphabet[Int(group >> 18 & 63)])
            output.append(alphabet[Int(group >> 12 & 63)])
            output.append(second == nil ? UInt8(ascii: "=") : alphabet[Int(group >> 6 & 63)])
            output.append(third == nil ? UInt8(ascii: "=") : alphabet[Int(group & 63)])
        }
        return String(decoding: output, as: UTF8.self)
    }
}

/// Hexadecimal text, as `bytes.fromhex` reads it (spaces between bytes allowed).
public enum Hex {
    /// The value of one ASCII hex digit, or `nil`.
    @inlinable @inline(__always)
    public static func digit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x37
        case 0x61...0x66: byte - 0x57
        default: nil
        }
    }

    /// Decodes `text`; `nil` unless it is an even number of hex digits (with optional spaces).
    @inlinable
    public static func decode<C: Collection>(_ text: C) -> [UInt8]? where C.Element == UInt8 {
        var output: [UInt8] = []
        output.reserveCapacity(text.count / 2)
        var high: UInt8?
        for byte in text {
            if byte == 0x20 && high == nil { continue }
            guard let digit = digit(byte) else { return nil }
            if let h = high {
                output.append(h << 4 | digit)
                high = nil
            } else {
                high = digit
            }
        }
        return high == nil ? output : nil
    }

    /// The first byte `text` decodes to (its first two digits after leading spaces), or `nil`.
    @inlinable
    public static func firstByte<C: Collection>(_ text: C) -> UInt8? where C.Element == UInt8 {
        var high: UInt8?
        for byte in text {
            if byte == 0x20, high == nil { continue }
            guard let value = digit(byte) else { return nil }
            guard let first = high else { high = value; continue }
            return first << 4 | value
        }
        return nil
    }

    /// Lower-case hex digits of `bytes` (a digest, for one).
    public static func encode<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] }, as: UTF8.self)
    }
}
