/// What a base64 string from a Lambda config decodes to, examined without unmarshalling: whether it is a
/// marshalled Python code object, and the readable names and strings inside it (for evidence).
public struct KerasMarshalledCode: Sendable, Equatable {
    /// Whether the text was valid base64.
    public var isBase64: Bool
    /// Decoded length in bytes.
    public var byteCount: Int
    /// Whether the first byte is marshal's code-object tag (`c`, with or without the reference flag).
    public var isCodeObject: Bool
    /// Printable marshal strings of 2+ characters in the decoded bytes (names, constants), at most 24.
    public var strings: [String]

    /// Decodes `base64` (whitespace allowed, as Python's `base64.encodebytes` writes it), reading at most 1 MiB.
    public init(base64 text: String) {
        var bytes: [UInt8] = []
        var accumulator: UInt32 = 0, bits = 0, valid = true
        for character in text.utf8 {
            if bytes.count >= 1 << 20 { break }
            let digit: UInt8
            switch character {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): digit = character - UInt8(ascii: "A")
            case UInt8(ascii: "a")...UInt8(ascii: "z"): digit = character - UInt8(ascii: "a") + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = character - UInt8(ascii: "0") + 52
            case UInt8(ascii: "+"), UInt8(ascii: "-"): digit = 62
            case UInt8(ascii: "/"), UInt8(ascii: "_"): digit = 63
            case UInt8(ascii: "="), 0x20, 0x0A, 0x0D, 0x09: continue
            default: valid = false; continue
            }
            accumulator = accumulator << 6 | UInt32(digit)
            bits += 6
            if bits >= 8 {
                bits -= 8
                bytes.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
                accumulator &= (1 << UInt32(bits)) - 1
            }
        }
        isBase64 = valid && !bytes.isEmpty
        byteCount = bytes.count
        isCodeObject = bytes.first.map { $0 & 0x7F == UInt8(ascii: "c") } ?? false
        strings = Self.marshalStrings(bytes, minimum: 2, maximum: 24)
    }

    /// Finds marshal string records (short ASCII `z`/`Z`, ASCII `a`/`A`, Unicode `u`, interned `t`, each with or
    /// without the reference flag) whose bytes are printable, without interpreting anything else.
    static func marshalStrings(_ bytes: [UInt8], minimum: Int, maximum: Int) -> [String] {
        var found: [String] = []
        var index = 0
        while index < bytes.count, found.count < maximum {
            let tag = bytes[index] & 0x7F
            var length = -1, header = 0
            if tag == 0x7A || tag == 0x5A, index + 1 < bytes.count {
                length = Int(bytes[index + 1]); header = 2
            } else if [0x61, 0x41, 0x75, 0x74].contains(tag), index + 4 < bytes.count {
                length = (1...4).reduce(0) { $0 | Int(bytes[index + $1]) << (8 * ($1 - 1)) }; header = 5
            }
            let end = index + header + length
            if length >= minimum, length <= 4096, end <= bytes.count,
               bytes[(index + header)..<end].allSatisfy({ (0x20..<0x7F).contains($0) }) {
                let text = String(decoding: bytes[(index + header)..<end], as: UTF8.self)
                if !found.contains(text) { found.append(text) }
                index = end
            } else {
                index += 1
            }
        }
        return found
    }
}
