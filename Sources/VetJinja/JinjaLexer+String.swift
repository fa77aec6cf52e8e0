import VetBytes
extension JinjaLexer {
    /// Lexes a quoted string and decodes its escapes the way Python's `unicode-escape` does,
    /// which is what Jinja2 applies to string literals.
    mutating func lexString(quote: UInt8) throws(JinjaError) {
        let start = index
        index += 1
        var decoded: [UInt8] = []
        while true {
            guard let current = byte(index) else {
                throw JinjaError(.lexical, at: position(start), "string literal is never closed")
            }
            if current == quote { index += 1; break }
            if current == 0x5C {
                try decodeEscape(into: &decoded, literalStart: start)
            } else if current == 0x0D {
                // Jinja normalises newlines inside literals to "\n".
                decoded.append(0x0A)
                index += byte(index + 1) == 0x0A ? 2 : 1
            } else {
                decoded.append(current)
                index += 1
            }
        }
        tokens.append(JinjaToken(kind: .string(String(decoding: decoded, as: UTF8.self)), position: position(start)))
    }

    private mutating func decodeEscape(into decoded: inout [UInt8], literalStart: Int) throws(JinjaError) {
        guard let escaped = byte(index + 1) else {
            throw JinjaError(.lexical, at: position(literalStart), "string literal is never closed")
        }
        index += 2
        let simple: [UInt8: UInt8] = [0x5C: 0x5C, 0x27: 0x27, 0x22: 0x22, 0x6E: 0x0A, 0x74: 0x09, 0x72: 0x0D,
                                      0x62: 0x08, 0x66: 0x0C, 0x76: 0x0B, 0x61: 0x07]
        if let value = simple[escaped] { decoded.append(value); return }
        switch escaped {
        case 0x0A: return // a backslash-newline continues the line
        case 0x30...0x37:
            var value = UInt32(escaped - 0x30)
            var count = 1
            while count < 3, let digit = byte(index), (0x30...0x37).contains(digit) {
                value = value * 8 + UInt32(digit - 0x30)
                index += 1
                count += 1
            }
            appendScalar(value, to: &decoded)
        case 0x78, 0x75, 0x55:
            let width = escaped == 0x78 ? 2 : escaped == 0x75 ? 4 : 8
            var value: UInt32 = 0
            for _ in 0..<width {
                guard let digit = byte(index), let nibble = Hex.digit(digit) else {
                    throw JinjaError(.lexical, at: position(index), "truncated \\\(UnicodeScalar(escaped)) escape in string literal")
                }
                value = value &* 16 &+ UInt32(nibble)
                index += 1
            }
            guard value <= 0x10FFFF else {
                throw JinjaError(.lexical, at: position(index), "escape names a code point beyond U+10FFFF")
            }
            appendScalar(value, to: &decoded)
        default:
            // Python keeps unknown escapes, backslash included.
            decoded.append(0x5C)
            decoded.append(escaped)
        }
    }


    private func appendScalar(_ value: UInt32, to decoded: inout [UInt8]) {
        // Lone surrogates cannot be represented in a Swift string; they become U+FFFD.
        let scalar = UnicodeScalar(value) ?? "\u{FFFD}"
        decoded.append(contentsOf: Array(String(Character(scalar)).utf8))
    }
}
