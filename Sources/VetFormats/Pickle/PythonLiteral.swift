import VetBytes

/// Decodes the textual and counted operands of pickle opcodes the way CPython's unpickler does.
enum PythonLiteral {
    /// UTF-8 text of `bytes`, with invalid sequences replaced (the loader would fail on them;
    /// the replacement keeps the evidence readable).
    static func utf8(_ bytes: ByteSource) -> String {
        bytes.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
    }

    static func latin1(_ bytes: ByteSource) -> String {
        bytes.withUnsafeBytes { buffer in
            var s = String.UnicodeScalarView()
            for b in buffer { s.append(Unicode.Scalar(b)) }
            return String(s)
        }
    }

    static func isValidUTF8(_ bytes: ByteSource) -> Bool {
        bytes.withUnsafeBytes { String(validating: $0, as: UTF8.self) != nil }
    }

    /// Decodes a newline-terminated operand.
    static func decodeLine(_ opcode: PickleOpcode, _ line: ByteSource, offset: Int) throws -> PickleOperand {
        let text = latin1(line)
        switch opcode {
        case .int:
            // Protocol 0 spells booleans as I01 / I00.
            if text == "01" { return .int(1) }
            if text == "00" { return .int(0) }
            return try integer(text, opcode: opcode, offset: offset)
        case .long:
            let withoutSuffix = text.hasSuffix("L") ? String(text.dropLast()) : text
            return try integer(withoutSuffix, opcode: opcode, offset: offset)
        case .get, .put:
            return try integer(text, opcode: opcode, offset: offset)
        case .float:
            guard let value = Double(trimmed(text)) else {
                throw PickleDecodeError.badLiteral(opcode, offset: offset, detail: "not a float: \(text.prefix(40))")
            }
            return .float(value)
        case .string:
            return .text(try quotedString(text, offset: offset), exact: false)
        case .unicode:
            return .text(rawUnicodeEscape(text), exact: true)
        default: // PERSID: an ASCII id.
            return .text(text, exact: true)
        }
    }

    /// Decodes a length-prefixed operand.
    static func decodeCounted(_ opcode: PickleOpcode, _ view: ByteSource) -> PickleOperand {
        switch opcode {
        case .long1, .long4:
            return littleEndianInteger(view)
        case .shortBinUnicode, .binUnicode, .binUnicode8:
            return .text(utf8(view), exact: isValidUTF8(view))
        case .shortBinString, .binString:
            // Decoded with the unpickler's encoding (ASCII by default, often latin-1 or utf-8).
            return .text(isValidUTF8(view) ? utf8(view) : latin1(view), exact: false)
        default:
            return .bytes(view)
        }
    }

    /// Drops the ASCII white space Python's `int()` and `float()` ignore.
    static func trimmed(_ text: String) -> String {
        let space: Set<Character> = [" ", "\t", "\r", "\u{0B}", "\u{0C}"]
        var slice = Substring(text)
        while let first = slice.first, space.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, space.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }

    /// Parses an integer the way Python's `int()` does: surrounding whitespace, a sign, digits
    /// with single underscores between them.
    static func integer(_ raw: String, opcode: PickleOpcode, offset: Int) throws -> PickleOperand {
        var text = Substring(trimmed(raw))
        var negative = false
        if let first = text.first, first == "-" || first == "+" {
            negative = first == "-"
            text = text.dropFirst()
        }
        guard !text.isEmpty, text.first != "_", text.last != "_", !text.contains("__"),
              text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "_") }) else {
            throw PickleDecodeError.badLiteral(opcode, offset: offset, detail: "not an integer: \(raw.prefix(40))")
        }
        let digits = text.filter { $0 != "_" }
        if let value = Int(digits), let signed = Optional(negative ? -value : value) { return .int(signed) }
        // Too large for Int: keep a marker with the digit count; no bignum arithmetic is needed.
        return .bigInt(Array(digits.utf8))
    }

    /// Decodes LONG1/LONG4 two's-complement little-endian bytes.
    static func littleEndianInteger(_ view: ByteSource) -> PickleOperand {
        let bytes = view.withUnsafeBytes { Array($0) }
        guard !bytes.isEmpty else { return .int(0) }
        guard bytes.count <= 8 else { return .bigInt(bytes) }
        var value: UInt64 = 0
        for (i, b) in bytes.enumerated() { value |= UInt64(b) << (8 * UInt64(i)) }
        if bytes.count < 8, let last = bytes.last, last & 0x80 != 0 {
            value |= ~UInt64(0) << (8 * UInt64(bytes.count))
        }
        let signed = Int64(bitPattern: value)
        if bytes.count == 8 || Int(exactly: signed) != nil { return .int(Int(signed)) }
        return .bigInt(bytes)
    }

    /// Decodes a protocol-0 STRING operand: a quoted Python literal with backslash escapes.
    static func quotedString(_ text: String, offset: Int) throws -> String {
        let scalars = Array(text.unicodeScalars)
        guard scalars.count >= 2, let q = scalars.first, q == "'" || q == "\"", scalars.last == q else {
            throw PickleDecodeError.badLiteral(.string, offset: offset, detail: "STRING operand is not quoted")
        }
        var out = String.UnicodeScalarView()
        var i = 1
        let end = scalars.count - 1
        func hex(_ s: ArraySlice<Unicode.Scalar>) -> UInt32? { UInt32(String(String.UnicodeScalarView(s)), radix: 16) }
        while i < end {
            let c = scalars[i]
            guard c == "\\", i + 1 < end else { out.append(c); i += 1; continue }
            let e = scalars[i + 1]
            i += 2
            switch e {
            case "n": out.append("\n")
            case "t": out.append("\t")
            case "r": out.append("\r")
            case "a": out.append(Unicode.Scalar(7))
            case "b": out.append(Unicode.Scalar(8))
            case "f": out.append(Unicode.Scalar(12))
            case "v": out.append(Unicode.Scalar(11))
            case "\n": break
            case "x":
                guard i + 2 <= end, let v = hex(scalars[i..<(i + 2)]), let s = Unicode.Scalar(v) else {
                    throw PickleDecodeError.badLiteral(.string, offset: offset, detail: "bad \\x escape")
                }
                out.append(s)
                i += 2
            case "0"..."7":
                var value = e.value - 48
                var taken = 0
                while taken < 2, i < end, ("0"..."7").contains(scalars[i]) {
                    value = value * 8 + scalars[i].value - 48
                    i += 1
                    taken += 1
                }
                out.append(Unicode.Scalar(UInt8(truncatingIfNeeded: value)))
            default:
                if e == "\\" || e == "'" || e == "\"" { out.append(e) } else { out.append("\\"); out.append(e) }
            }
        }
        return String(out)
    }

    /// Decodes Python's raw-unicode-escape: latin-1 text where `\uXXXX` and `\UXXXXXXXX` are code points.
    static func rawUnicodeEscape(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < scalars.count {
            if scalars[i] == "\\", i + 1 < scalars.count, scalars[i + 1] == "u" || scalars[i + 1] == "U" {
                let width = scalars[i + 1] == "u" ? 4 : 8
                if i + 2 + width <= scalars.count,
                   let v = UInt32(String(String.UnicodeScalarView(scalars[(i + 2)..<(i + 2 + width)])), radix: 16),
                   let s = Unicode.Scalar(v) {
                    out.append(s)
                    i += 2 + width
                    continue
                }
            }
            out.append(scalars[i])
            i += 1
        }
        return String(out)
    }
}
