import VetBytes

/// Decodes the textual and counted operands of pickle opcodes the way CPython's unpickler does.
enum PythonLiteral {
    /// UTF-8 text of `bytes`, with invalid sequences replaced (the loader would fail on them;
    /// the replacement keeps the evidence readable).
    static func utf8(_ bytes: ByteSource) -> String {
        bytes.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
    }

    static func latin1(_ bytes: ByteSource) -> String {
        bytes.withUnsafeBytes { latin1($0) }
    }

    static func latin1(_ buffer: UnsafeRawBufferPointer) -> String {
        // ASCII is the common case and decodes identically as UTF-8, much faster.
        if buffer.allSatisfy({ $0 < 0x80 }) { return String(decoding: buffer, as: UTF8.self) }
        var s = String.UnicodeScalarView()
        for b in buffer { s.append(Unicode.Scalar(b)) }
        return String(s)
    }

    static func validUTF8(_ bytes: ByteSource) -> String? {
        bytes.withUnsafeBytes { String(validating: $0, as: UTF8.self) }
    }

    /// Decodes a newline-terminated operand: the line is `range` of `source` (without its newline).
    static func decodeLine(_ opcode: PickleOpcode, _ source: ByteSource, _ range: Range<Int>, offset: Int) throws -> PickleOperand {
        try source.withUnsafeBytes { whole throws -> PickleOperand in
            let line = UnsafeRawBufferPointer(rebasing: whole[range])
            switch opcode {
            case .int:
                // Protocol 0 spells booleans as I01 / I00.
                if line.count == 2, line[0] == 0x30, line[1] == 0x30 || line[1] == 0x31 {
                    return .int(line[1] == 0x31 ? 1 : 0)
                }
                return try integer(line, base: range.lowerBound, opcode: opcode, offset: offset)
            case .long:
                let digits = line.last == UInt8(ascii: "L") ? UnsafeRawBufferPointer(rebasing: line.dropLast()) : line
                return try integer(digits, base: range.lowerBound, opcode: opcode, offset: offset)
            case .get, .put:
                return try integer(line, base: range.lowerBound, opcode: opcode, offset: offset)
            case .float:
                return .float(try float(line, offset: offset))
            case .string:
                guard line.count >= 2, line[0] == UInt8(ascii: "'") || line[0] == UInt8(ascii: "\""), line[line.count - 1] == line[0] else {
                    throw PickleDecodeError.badLiteral(.string, offset: offset, detail: "STRING operand is not quoted")
                }
                // Fast path: a quoted literal without escapes is its inner bytes.
                if !line.contains(UInt8(ascii: "\\")) {
                    return .text(.narrow((range.lowerBound + 1)..<(range.upperBound - 1)))
                }
                // Escapes are checked now (a bad one stops the loader) and decoded again when read.
                _ = try quotedString(latin1(line), offset: offset)
                return .text(.quoted(range))
            case .unicode:
                return .text(.rawUnicode(range))
            default: // PERSID: an ASCII id.
                return .text(.narrow(range))
            }
        }
    }

    /// Decodes a length-prefixed operand occupying `range` of `source`.
    static func decodeCounted(_ opcode: PickleOpcode, _ source: ByteSource, _ range: Range<Int>) -> PickleOperand {
        switch opcode {
        case .long1, .long4:
            return source.withUnsafeBytes { littleEndianInteger(UnsafeRawBufferPointer(rebasing: $0[range]), range: range) }
        case .shortBinUnicode, .binUnicode, .binUnicode8:
            return .text(.utf8(range))
        case .shortBinString, .binString:
            // Decoded with the unpickler's encoding (ASCII by default, often latin-1 or utf-8).
            return .text(.narrow(range))
        default:
            return .bytes(range)
        }
    }

    /// Parses a FLOAT line the way Python's `float()` does for the forms picklers write.
    static func float(_ line: UnsafeRawBufferPointer, offset: Int) throws -> Double {
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (0x09...0x0D).contains(b) }
        var lower = 0, upper = line.count
        while lower < upper, isSpace(line[lower]) { lower += 1 }
        while upper > lower, isSpace(line[upper - 1]) { upper -= 1 }
        let text = UnsafeRawBufferPointer(rebasing: line[lower..<upper])
        // Python accepts only ASCII here; other bytes would make Swift's parser see different text.
        guard text.allSatisfy({ $0 < 0x80 }), let value = Double(String(decoding: text, as: UTF8.self)) else {
            throw PickleDecodeError.badLiteral(.float, offset: offset, detail: "not a float: \(String(decoding: line.prefix(40), as: UTF8.self))")
        }
        return value
    }

    /// Parses an integer the way Python's `int()` does: surrounding ASCII white space, a sign,
    /// digits with single underscores between them. Works on the bytes, without building strings.
    /// `base` is the source offset of `buffer`, for big integers kept as a range.
    static func integer(_ buffer: UnsafeRawBufferPointer, base: Int, opcode: PickleOpcode, offset: Int) throws -> PickleOperand {
        func bad() -> PickleDecodeError {
            .badLiteral(opcode, offset: offset, detail: "not an integer: \(String(decoding: buffer.prefix(40), as: UTF8.self))")
        }
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
                guard !previousUnderscore else { throw bad() }
                previousUnderscore = true
                continue
            }
            guard (0x30...0x39).contains(b) else { throw bad() }
            previousUnderscore = false
            digitCount += 1
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int(b - 0x30))
            overflow = overflow || o1 || o2
            value = a
        }
        guard digitCount > 0, !previousUnderscore else { throw bad() }
        // Too large for Int: keep where the digits are; no bignum arithmetic is needed.
        if overflow { return .bigInt(.decimal((base + lower)..<(base + upper))) }
        return .int(negative ? -value : value)
    }

    /// Decodes LONG1/LONG4 two's-complement little-endian bytes, which occupy `range` of the source.
    static func littleEndianInteger(_ bytes: UnsafeRawBufferPointer, range: Range<Int>) -> PickleOperand {
        guard !bytes.isEmpty else { return .int(0) }
        guard bytes.count <= 8 else { return .bigInt(.littleEndian(range)) }
        var value: UInt64 = 0
        for (i, b) in bytes.enumerated() { value |= UInt64(b) << (8 * UInt64(i)) }
        if bytes.count < 8, bytes[bytes.count - 1] & 0x80 != 0 {
            value |= ~UInt64(0) << (8 * UInt64(bytes.count))
        }
        return .int(Int(Int64(bitPattern: value)))
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
                    guard let digit = Hex.digit(b) else { return nil }
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
