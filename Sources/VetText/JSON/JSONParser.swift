import VetBytes

/// Why a JSON document was rejected, and where.
public struct JSONError: Error, Sendable, CustomStringConvertible {
    /// What is wrong.
    public var message: String
    /// Byte offset in the document.
    public var offset: Int
    public var description: String { "\(message) at byte \(offset)" }
}

/// A strict RFC 8259 parser over bytes, bounded in nesting depth, that never trusts lengths.
///
/// Unlike Foundation's parser it keeps duplicate keys and member order, and reports the offset of
/// the first error.
public struct JSONParser {
    private let bytes: UnsafeRawBufferPointer
    private var index = 0
    private var depth = 0
    private let maxDepth: Int

    /// Parses `source` as one JSON value, allowing surrounding white space.
    /// - Parameter maxDepth: deepest nesting of arrays and objects accepted.
    /// - Throws: `JSONError` for invalid UTF-8, syntax errors, nesting too deep or trailing text.
    public static func parse(_ source: ByteSource, maxDepth: Int = 128) throws -> JSONValue {
        try source.withUnsafeBytes { buffer in
            var parser = JSONParser(bytes: buffer, maxDepth: maxDepth)
            parser.skipSpace()
            let value = try parser.value()
            parser.skipSpace()
            guard parser.index == buffer.count else { throw parser.error("unexpected text after the value") }
            return value
        }
    }

    /// Parses UTF-8 text.
    public static func parse(_ text: String, maxDepth: Int = 128) throws -> JSONValue {
        try parse(ByteSource(Array(text.utf8)), maxDepth: maxDepth)
    }

    private init(bytes: UnsafeRawBufferPointer, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    private func error(_ message: String) -> JSONError { JSONError(message: message, offset: index) }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipSpace() {
        while let b = current, b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { index += 1 }
    }

    private mutating func expect(_ literal: StaticString) throws {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw error("unexpected end") }
        for i in 0..<count where bytes[index + i] != literal.utf8Start[i] { throw error("invalid literal") }
        index += count
    }

    private mutating func value() throws -> JSONValue {
        guard let b = current else { throw error("unexpected end") }
        switch b {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try expect("true"); return .bool(true)
        case UInt8(ascii: "f"): try expect("false"); return .bool(false)
        case UInt8(ascii: "n"): try expect("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw error("unexpected character")
        }
    }

    private mutating func enter() throws {
        depth += 1
        guard depth <= maxDepth else { throw error("nested deeper than \(maxDepth) levels") }
    }

    private mutating func object() throws -> JSONValue {
        try enter()
        defer { depth -= 1 }
        index += 1
        var members: [JSONMember] = []
        skipSpace()
        if current == UInt8(ascii: "}") { index += 1; return .object(members) }
        while true {
            skipSpace()
            guard current == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let offset = index
            let key = try string()
            skipSpace()
            guard current == UInt8(ascii: ":") else { throw error("expected :") }
            index += 1
            skipSpace()
            members.append(JSONMember(key: key, value: try value(), offset: offset))
            skipSpace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"): index += 1; return .object(members)
            default: throw error("expected , or }")
            }
        }
    }

    private mutating func array() throws -> JSONValue {
        try enter()
        defer { depth -= 1 }
        index += 1
        var items: [JSONValue] = []
        skipSpace()
        if current == UInt8(ascii: "]") { index += 1; return .array(items) }
        while true {
            skipSpace()
            items.append(try value())
            skipSpace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"): index += 1; return .array(items)
            default: throw error("expected , or ]")
            }
        }
    }

    private mutating func number() throws -> JSONNumber {
        let start = index
        if current == UInt8(ascii: "-") { index += 1 }
        func digits() -> Int {
            let from = index
            while let b = current, b >= 0x30 && b <= 0x39 { index += 1 }
            return index - from
        }
        guard let first = current, first >= 0x30 && first <= 0x39 else { throw error("invalid number") }
        if first == 0x30 { index += 1 } else { _ = digits() }
        if current == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw error("invalid fraction") }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw error("invalid exponent") }
        }
        return JSONNumber(text: String(decoding: bytes[start..<index], as: UTF8.self))
    }

    private mutating func string() throws -> String {
        index += 1
        let start = index
        // Fast path: no escapes.
        while let b = current, b != UInt8(ascii: "\""), b != UInt8(ascii: "\\"), b >= 0x20 { index += 1 }
        if current == UInt8(ascii: "\"") {
            let slice = bytes[start..<index]
            index += 1
            guard let text = String(validating: slice, as: UTF8.self) else { throw error("invalid UTF-8 in string") }
            return text
        }
        var utf8 = Array(bytes[start..<index])
        while true {
            guard let b = current else { throw error("unterminated string") }
            index += 1
            switch b {
            case UInt8(ascii: "\""):
                guard let text = String(validating: utf8, as: UTF8.self) else { throw error("invalid UTF-8 in string") }
                return text
            case UInt8(ascii: "\\"):
                guard let e = current else { throw error("unterminated escape") }
                index += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(e)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar), current == UInt8(ascii: "\\"), index + 1 < bytes.count,
                       bytes[index + 1] == UInt8(ascii: "u") {
                        index += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw error("invalid surrogate pair") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    // A lone surrogate decodes to U+FFFD, as lenient parsers do.
                    UTF8.encode(Unicode.Scalar(scalar) ?? "\u{FFFD}") { utf8.append($0) }
                default: throw error("invalid escape")
                }
            case 0..<0x20: throw error("control character in string")
            default: utf8.append(b)
            }
        }
    }

    private mutating func hex4() throws -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("short \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[index]
            let digit: UInt32
            switch b {
            case 0x30...0x39: digit = UInt32(b - 0x30)
            case 0x41...0x46: digit = UInt32(b - 0x37)
            case 0x61...0x66: digit = UInt32(b - 0x57)
            default: throw error("invalid \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }
}
