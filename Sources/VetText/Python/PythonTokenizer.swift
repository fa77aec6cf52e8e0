/// A Python token: enough of the language to follow names, calls and literals without running anything.
public struct PythonToken: Sendable, Equatable {
    /// What the token is.
    public enum Kind: Sendable, Equatable {
        case name, number, string, op, newline, comment
    }

    /// The kind.
    public var kind: Kind
    /// The text: a name or operator as written, a string's (approximately) decoded value, a comment.
    public var text: String
    /// 1-based line of the token's start.
    public var line: Int
}

/// Splits Python source into tokens: names, numbers, strings (all prefixes, triple quotes),
/// operators, logical newlines and comments. Indentation is not tracked; it is not needed to see
/// what a module calls. Malformed input never fails: the rest of a broken string becomes one token.
public enum PythonTokenizer {
    /// Tokenizes `source`, stopping after `maxTokens` tokens.
    public static func tokenize(_ source: String, maxTokens: Int = 2_000_000) -> [PythonToken] {
        let s = Array(source.utf8)
        var tokens: [PythonToken] = []
        var i = 0
        var line = 1
        var depth = 0
        func isNameStart(_ b: UInt8) -> Bool { (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F || b >= 0x80 }
        func isNameChar(_ b: UInt8) -> Bool { isNameStart(b) || (b >= 0x30 && b <= 0x39) }
        while i < s.count, tokens.count < maxTokens {
            let b = s[i]
            switch b {
            case 0x0A:
                if depth == 0 { tokens.append(PythonToken(kind: .newline, text: "\n", line: line)) }
                line += 1
                i += 1
            case 0x20, 0x09, 0x0D, 0x0C: i += 1
            case 0x5C where i + 1 < s.count && s[i + 1] == 0x0A:
                line += 1
                i += 2
            case UInt8(ascii: "#"):
                let start = i
                while i < s.count, s[i] != 0x0A { i += 1 }
                tokens.append(PythonToken(kind: .comment, text: String(decoding: s[start..<i], as: UTF8.self), line: line))
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                let (text, next, lines) = readString(s, at: i, prefix: "")
                tokens.append(PythonToken(kind: .string, text: text, line: line))
                line += lines
                i = next
            case _ where isNameStart(b):
                let start = i
                while i < s.count, isNameChar(s[i]) { i += 1 }
                let word = String(decoding: s[start..<i], as: UTF8.self)
                if i < s.count, s[i] == UInt8(ascii: "\"") || s[i] == UInt8(ascii: "'"), word.count <= 3,
                   word.lowercased().allSatisfy({ "rbuf".contains($0) }) {
                    let (text, next, lines) = readString(s, at: i, prefix: word.lowercased())
                    tokens.append(PythonToken(kind: .string, text: text, line: line))
                    line += lines
                    i = next
                } else {
                    tokens.append(PythonToken(kind: .name, text: word, line: line))
                }
            case 0x30...0x39:
                let start = i
                while i < s.count, isNameChar(s[i]) || s[i] == UInt8(ascii: ".") { i += 1 }
                tokens.append(PythonToken(kind: .number, text: String(decoding: s[start..<i], as: UTF8.self), line: line))
            default:
                if b == UInt8(ascii: "(") || b == UInt8(ascii: "[") || b == UInt8(ascii: "{") { depth += 1 }
                if b == UInt8(ascii: ")") || b == UInt8(ascii: "]") || b == UInt8(ascii: "}") { depth = max(0, depth - 1) }
                let twoChar = i + 1 < s.count ? String(decoding: s[i...(i + 1)], as: UTF8.self) : ""
                if ["**", "//", "==", "!=", "<=", ">=", "->", ":=", "<<", ">>", "+=", "-=", "*=", "/="].contains(twoChar) {
                    tokens.append(PythonToken(kind: .op, text: twoChar, line: line))
                    i += 2
                } else {
                    tokens.append(PythonToken(kind: .op, text: String(UnicodeScalar(b)), line: line))
                    i += 1
                }
            }
        }
        return tokens
    }

    /// Reads a string literal starting at its quote; returns its (approximately) decoded value,
    /// the index after it and the number of newlines it spans.
    static func readString(_ s: [UInt8], at start: Int, prefix: String) -> (String, Int, Int) {
        let quote = s[start]
        let triple = start + 2 < s.count && s[start + 1] == quote && s[start + 2] == quote
        let raw = prefix.contains("r")
        var i = start + (triple ? 3 : 1)
        var out: [UInt8] = []
        var lines = 0
        while i < s.count {
            let b = s[i]
            if b == quote {
                if !triple { return (String(decoding: out, as: UTF8.self), i + 1, lines) }
                if i + 2 < s.count, s[i + 1] == quote, s[i + 2] == quote {
                    return (String(decoding: out, as: UTF8.self), i + 3, lines)
                }
            }
            if b == 0x0A {
                lines += 1
                if !triple { return (String(decoding: out, as: UTF8.self), i, lines - 1) }
            }
            if b == 0x5C, i + 1 < s.count {
                if raw { out.append(b); out.append(s[i + 1]) } else {
                    switch s[i + 1] {
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case 0x0A: lines += 1
                    default: out.append(s[i + 1])
                    }
                }
                i += 2
                continue
            }
            out.append(b)
            i += 1
        }
        return (String(decoding: out, as: UTF8.self), i, lines)
    }
}
