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
            // ASCII is the common case and decodes identically as UTF-8, much faster.
            if buffer.allSatisfy({ $0 < 0x80 }) { return String(decoding: buffer, as: UTF8.self) }
            var s = String.UnicodeScalarView()
            for b in buffer { s.append(Unicode.Scalar(b)) }
            return String(s)
        }
    }

    static func validUTF8(_ bytes: ByteSource) -> String? {
        bytes.withUnsafeBytes { String(validating: $0, as: UTF8.self) }
    }

    /// Decodes a newline-terminated operand.
    static func decodeLine(_ opcode: PickleOpcode, _ line: ByteSource, offset: Int) throws -> PickleOperand {
        switch opcode {
        case .int:
            // Protocol 0 spells booleans as I01 / I00.
            if line.count == 2, line.byte(at: 0) == 0x30, let last = line.byte(at: 1), last == 0x30 || last == 0x31 {
                return .int(last == 0x31 ? 1 : 0)
            }
            return try integer(line, opcode: opcode, offset: offset)
        case .long:
            let withoutSuffix = line.byte(at: line.count - 1) == UInt8(ascii: "L") ? line.clampedSlice(from: 0, length: line.count - 1) : line
            return try integer(withoutSuffix, opcode: opcode, offset: offset)
        case .get, .put:
            return try integer(line, opcode: opcode, offset: offset)
        case .float:
            let text = latin1(line)
            guard let value = Double(trimmed(text)) else {
                throw PickleDecodeError.badLiteral(opcode, offset: offset, detail: "not a float: \(text.prefix(40))")
            }
            return .float(value)
        case .string:
            // Fast path: a quoted literal without escapes is its inner bytes.
            if line.count >= 2, let q = line.byte(at: 0), q == UInt8(ascii: "'") || q == UInt8(ascii: "\""),
               line.byte(at: line.count - 1) == q, line.firstIndex(of: [UInt8(ascii: "\\")]) == nil {
                return .text(.narrow(line.clampedSlice(from: 1, length: line.count - 2)))
            }
            return .text(.decoded(try quotedString(latin1(line), offset: offset)))
        case .unicode:
            return .text(.decoded(rawUnicodeEscape(line)))
        default: // PERSID: an ASCII id.
            return .text(.narrow(line))
        }
    }

    /// Decodes a length-prefixed operand.
    static func decodeCounted(_ opcode: PickleOpcode, _ view: ByteSource) -> PickleOperand {
        switch opcode {
        case .long1, .long4:
            return littleEndianInteger(view)
        case .shortBinUnicode, .binUnicode, .binUnicode8:
            return .text(.utf8(view))
        case .shortBinString, .binString:
            // Decoded with the unpickler's encoding (ASCII by default, often latin-1 or utf-8).
            return .text(.narrow(view))
        default:
            return .bytes(view)
        }
    }

    /// Drops the ASCII white space Python's `int()` and `float()` ignore.
    static func trimmed(_ text: String) -> String {
        let space: [Character] = [" ", "\t", "\r", "\u{0B}", "\u{0C}"]
        var slice = Substring(text)
        while let first = slice.first, space.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, space.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }

    /// Parses an integer the way Python's `int()` does: surrounding ASCII white space, a sign,
    /// digits with single underscores between them. Works on the bytes, without building strings.
    static func integer(_ line: ByteSource, opcode: PickleOpcode, offset: Int) throws -> PickleOperand {
        func bad(_ buffer: UnsafeRawBufferPointer) -> PickleDecodeError {
            .badLiteral(opcode, offset: offset, detail: "not an integer: \(String(decoding: buffer.prefix(40), as: UTF8.self))")
        }
        return try line.withUnsafeBytes { buffer throws -> PickleOperand in
            func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (0x09...0x0D).contains(b) }
            var lower = 0, upper = buffer.count
            while lower < upper, isSpace(buffer[lower]) { lower += 1 }
            while upper > lower, isSpace(buffer[upper - 1]) { upper -= 1 }
            var negative = false
            if lower < upper, buffer[lower] == UInt8(ascii: "-") || buffer[lower] == UInt8(ascii: "+") {
                negative = buffer[lower] == UInt8(ascii: "-")
                lower += 1
            }
            var value = 0, overflow = false, previousUnderscore = true, digitCount = 0
            for index in lower..<upper {
                let b = buffer[index]
                if b == UInt8(ascii: "_") {
                    guard !previousUnderscore else { throw bad(buffer) }
                    previousUnderscore = true
                    continue
                }
                guard (0x30...0x39).contains(b) else { throw bad(buffer) }
                previousUnderscore = false
                digitCount += 1
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int(b - 0x30))
                overflow = overflow || o1 || o2
                value = a
            }
            guard digitCount > 0, !previousUnderscore else { throw bad(buffer) }
            // Too large for Int: keep the digits; no bignum arithmetic is needed.
            if overflow { return .bigInt(buffer[lower..<upper].filter { $0 != UInt8(ascii: "_") }) }
            return .int(negative ? -value : value)
        }
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

    /// Decodes Python's raw-unicode-escape: latin-1 bytes where `\uXXXX` and `\UXXXXXXXX` are code points.
    static func rawUnicodeEscape(_ line: ByteSource) -> String {
        line.withUnsafeBytes { bytes in
            guard bytes.contains(UInt8(ascii: "\\")) || !bytes.allSatisfy({ $0 < 0x80 }) else {
                return String(decoding: bytes, as: UTF8.self)
            }
            var utf8: [UInt8] = []
            utf8.reserveCapacity(bytes.count + 8)
            func append(_ scalar: Unicode.Scalar) {
                UTF8.encode(scalar) { utf8.append($0) }
            }
            func hexValue(_ slice: Slice<UnsafeRawBufferPointer>) -> UInt32? {
                var value: UInt32 = 0
                for b in slice {
                    let digit: UInt8
                    switch b {
                    case 0x30...0x39: digit = b - 0x30
                    case 0x41...0x46: digit = b - 0x37
                    case 0x61...0x66: digit = b - 0x57
                    default: return nil
                    }
                    value = value << 4 | UInt32(digit)
                }
                return value
            }
            var i = 0
            while i < bytes.count {
                let b = bytes[i]
                if b == UInt8(ascii: "\\"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "u") || bytes[i + 1] == UInt8(ascii: "U") {
                    let width = bytes[i + 1] == UInt8(ascii: "u") ? 4 : 8
                    if i + 2 + width <= bytes.count, let v = hexValue(bytes[(i + 2)..<(i + 2 + width)]), let scalar = Unicode.Scalar(v) {
                        append(scalar)
                        i += 2 + width
                        continue
                    }
                }
                if b < 0x80 { utf8.append(b) } else { utf8.append(0xC0 | b >> 6); utf8.append(0x80 | b & 0x3F) }
                i += 1
            }
            return String(decoding: utf8, as: UTF8.self)
        }
    }
}
