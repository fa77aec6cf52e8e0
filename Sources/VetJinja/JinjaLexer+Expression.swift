extension JinjaLexer {
    /// Lexes `{% raw %}…{% endraw %}` when the block at `start` is one; returns whether it was.
    mutating func lexRawIfPresent(start: Int) throws(JinjaError) -> Bool {
        var cursor = skipSpaces(from: index)
        guard starts(with: "raw", at: cursor), !isNameByte(byte(cursor + 3)) else { return false }
        cursor = skipSpaces(from: cursor + 3)
        var openModifier: UInt8?
        if byte(cursor) == 0x2D || byte(cursor) == 0x2B { openModifier = byte(cursor); cursor += 1 }
        guard starts(with: "%}", at: cursor) else { return false }
        let bodyStart = cursor + 2
        var search = bodyStart
        while search < bytes.count {
            let tag = nextTagStart(from: search)
            guard tag < bytes.count else { break }
            if bytes[tag + 1] == 0x25 {
                var inner = tag + 2
                let innerModifier = byte(inner)
                if innerModifier == 0x2D || innerModifier == 0x2B { inner += 1 }
                inner = skipSpaces(from: inner)
                if starts(with: "endraw", at: inner), !isNameByte(byte(inner + 6)) {
                    inner = skipSpaces(from: inner + 6)
                    var closeModifier: UInt8?
                    if byte(inner) == 0x2D || byte(inner) == 0x2B { closeModifier = byte(inner); inner += 1 }
                    guard starts(with: "%}", at: inner) else {
                        throw JinjaError(.lexical, at: position(tag), "malformed '{% endraw %}' tag")
                    }
                    var body = Array(bytes[bodyStart..<tag])
                    if openModifier == 0x2D { while let first = body.first, isSpace(first) { body.removeFirst() } }
                    if innerModifier == 0x2D { while let last = body.last, isSpace(last) { body.removeLast() } }
                    tokens.append(JinjaToken(kind: .raw(String(decoding: body, as: UTF8.self)), position: position(start)))
                    index = inner + 2
                    afterClose(modifier: closeModifier, blockLike: true)
                    return true
                }
            }
            search = tag + 2
        }
        throw JinjaError(.lexical, at: position(start), "'{% raw %}' block is never closed with '{% endraw %}'")
    }

    func skipSpaces(from offset: Int) -> Int {
        var cursor = offset
        while let value = byte(cursor), isSpace(value) { cursor += 1 }
        return cursor
    }

    func isNameByte(_ value: UInt8?) -> Bool {
        guard let value else { return false }
        return value == 0x5F || (0x30...0x39).contains(value) || (0x41...0x5A).contains(value)
            || (0x61...0x7A).contains(value) || value >= 0x80
    }

    /// Lexes expression tokens until the tag's end marker (`%}` or `}}`, optionally with `-`/`+`).
    mutating func lexExpressionTokens(closing: UInt8, endKind: JinjaToken.Kind) throws(JinjaError) {
        let tagStart = index
        var depth = 0
        while true {
            index = skipSpaces(from: index)
            guard let current = byte(index) else {
                throw JinjaError(.lexical, at: position(tagStart), "tag is never closed")
            }
            if depth == 0 {
                for modifier: UInt8? in [nil, 0x2D, 0x2B] {
                    let markerStart = modifier == nil ? index : index + 1
                    if modifier != nil, current != modifier { continue }
                    if modifier == 0x2B, closing == 0x7D { continue }
                    if byte(markerStart) == closing, byte(markerStart + 1) == 0x7D {
                        tokens.append(JinjaToken(kind: endKind, position: position(index)))
                        index = markerStart + 2
                        afterClose(modifier: modifier, blockLike: closing == 0x25)
                        return
                    }
                }
            }
            let start = index
            if isNameByte(current), !(0x30...0x39).contains(current) {
                while isNameByte(byte(index)) { index += 1 }
                tokens.append(JinjaToken(kind: .name(text(start..<index)), position: position(start)))
            } else if (0x30...0x39).contains(current) {
                try lexNumber()
            } else if current == 0x27 || current == 0x22 {
                try lexString(quote: current)
            } else {
                let symbol = try lexSymbol()
                if symbol == "(" || symbol == "[" || symbol == "{" { depth += 1 }
                if symbol == ")" || symbol == "]" || symbol == "}" {
                    guard depth > 0 else { throw JinjaError(.lexical, at: position(start), "unexpected '\(symbol)'") }
                    depth -= 1
                }
                tokens.append(JinjaToken(kind: .symbol(symbol), position: position(start)))
            }
        }
    }

    mutating func lexSymbol() throws(JinjaError) -> String {
        for candidate in ["//", "**", "==", "!=", "<=", ">="] where starts(with: candidate, at: index) {
            index += 2
            return candidate
        }
        let singles: Set<UInt8> = Set("+-/*%~[](){}<>=.:|,;".utf8)
        guard let current = byte(index), singles.contains(current) else {
            throw JinjaError(.lexical, at: position(index), "unexpected character \(JinjaByteDescription.describe(byte(index)))")
        }
        index += 1
        return String(UnicodeScalar(current))
    }

    mutating func lexNumber() throws(JinjaError) {
        let start = index
        let afterDot = tokens.last?.isSymbol(".") ?? false
        func digits(_ accept: (UInt8) -> Bool) { while let value = byte(index), accept(value) || value == 0x5F { index += 1 } }
        let isDigit: (UInt8) -> Bool = { (0x30...0x39).contains($0) }
        if byte(index) == 0x30, let prefix = byte(index + 1), [0x62, 0x42, 0x6F, 0x4F, 0x78, 0x58].contains(prefix) {
            index += 2
            digits { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) || (0x41...0x46).contains($0) }
            tokens.append(JinjaToken(kind: .integer(text(start..<index)), position: position(start)))
            return
        }
        digits(isDigit)
        var isFloat = false
        if !afterDot, byte(index) == 0x2E, let next = byte(index + 1), isDigit(next) {
            index += 1
            digits(isDigit)
            isFloat = true
        }
        if !afterDot, byte(index) == 0x65 || byte(index) == 0x45 {
            var probe = index + 1
            if byte(probe) == 0x2B || byte(probe) == 0x2D { probe += 1 }
            if let next = byte(probe), isDigit(next) {
                index = probe
                digits(isDigit)
                isFloat = true
            }
        }
        let literal = text(start..<index)
        tokens.append(JinjaToken(kind: isFloat ? .float(literal) : .integer(literal), position: position(start)))
    }
}

/// Describes a byte for an error message without echoing control characters.
enum JinjaByteDescription {
    static func describe(_ value: UInt8?) -> String {
        guard let value else { return "end of input" }
        if value >= 0x21, value < 0x7F { return "'\(UnicodeScalar(value))'" }
        return "0x" + String(value, radix: 16)
    }
}
