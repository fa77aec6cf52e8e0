import VetBytes

/// Why a JSON document was rejected, and where.
public struct JSONError: Error, Sendable, CustomStringConvertible {
    /// What is wrong.
    public var message: String
    /// Byte offset in the document.
    public var offset: Int
    /// Whether the document was rejected only for nesting deeper than the parser's limit.
    public var tooDeep = false
    public var description: String { "\(message) at byte \(offset)" }
}

/// Which reader's rules a JSON document is parsed by.
public enum JSONDialect: Sendable {
    /// RFC 8259, as Rust's serde_json reads safetensors headers.
    case strict
    /// Python's `json` module, as Hugging Face libraries read configs: RFC 8259 plus the
    /// constants `NaN`, `Infinity` and `-Infinity`.
    case python
}

/// A JSON parser over bytes, bounded in nesting depth, that never trusts lengths.
///
/// Unlike Foundation's parser it keeps duplicate keys and member order (readers that keep the
/// last of duplicates, as Python does, see `JSONValue.subscript`), and reports the offset of
/// the first error.
public struct JSONParser {
    private let bytes: UnsafeRawBufferPointer
    private var index = 0
    private var depth = 0
    private let maxDepth: Int
    private let dialect: JSONDialect

    /// Parses `source` as one JSON value, allowing surrounding white space.
    /// - Parameters:
    ///   - dialect: Whose rules apply.
    ///   - maxDepth: deepest nesting of arrays and objects accepted.
    /// - Throws: `JSONError` for invalid UTF-8, syntax errors, nesting too deep or trailing text.
    public static func parse(_ source: ByteSource, dialect: JSONDialect = .strict, maxDepth: Int = 128) throws(JSONError) -> JSONValue {
        let result = source.withUnsafeBytes { buffer in
            Result { () throws(JSONError) -> JSONValue in
                var parser = JSONParser(bytes: buffer, maxDepth: maxDepth, dialect: dialect)
                parser.skipSpace()
                let value = try parser.value()
                parser.skipSpace()
                guard parser.index == buffer.count else { throw parser.error("unexpected text after the value") }
                return value
            }
        }
        return try result.get()
    }

    /// Parses UTF-8 text.
    public static func parse(_ text: String, dialect: JSONDialect = .strict, maxDepth: Int = 128) throws(JSONError) -> JSONValue {
        try parse(ByteSource(Array(text.utf8)), dialect: dialect, maxDepth: maxDepth)
    }

    private init(bytes: UnsafeRawBufferPointer, maxDepth: Int, dialect: JSONDialect) {
        self.bytes = bytes
        self.maxDepth = maxDepth
        self.dialect = dialect
    }

    private func error(_ message: String) -> JSONError { JSONError(message: message, offset: index) }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipSpace() {
        while let b = current, b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { index += 1 }
    }

    private mutating func expect(_ literal: StaticString) throws(JSONError) {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw error("unexpected end") }
        for i in 0..<count where bytes[index + i] != literal.utf8Start[i] { throw error("invalid literal") }
        index += count
    }

    /// A container whose members are still being read. Kept in an array and mutated in place, so
    /// appending a member never copies the ones before it.
    private struct OpenContainer {
        var isObject: Bool
        var items: [JSONValue] = []
        var members: [JSONMember] = []
        var key = ""
        var keyOffset = 0
    }

    /// Reads one value. Containers are kept on an explicit stack rather than the call stack, so
    /// nesting up to `maxDepth` costs heap, not stack: the parser runs on threads with small
    /// stacks (Swift concurrency's) as safely as on the scanner's own.
    private mutating func value() throws(JSONError) -> JSONValue {
        var open: [OpenContainer] = []
        nextValue: while true {
            skipSpace()
            guard let b = current else { throw error("unexpected end") }
            var result: JSONValue
            switch b {
            case UInt8(ascii: "{"):
                try enter()
                index += 1
                skipSpace()
                if current == UInt8(ascii: "}") {
                    index += 1
                    depth -= 1
                    result = .object([])
                } else {
                    var container = OpenContainer(isObject: true)
                    (container.key, container.keyOffset) = try memberKey()
                    open.append(container)
                    continue nextValue
                }
            case UInt8(ascii: "["):
                try enter()
                index += 1
                skipSpace()
                if current == UInt8(ascii: "]") {
                    index += 1
                    depth -= 1
                    result = .array([])
                } else {
                    open.append(OpenContainer(isObject: false))
                    continue nextValue
                }
            default:
                result = try scalar(b)
            }
            // Hand the value to its container; close every container that ends here.
            while !open.isEmpty {
                let top = open.count - 1
                skipSpace()
                if open[top].isObject {
                    open[top].members.append(JSONMember(key: open[top].key, value: result, offset: open[top].keyOffset))
                    switch current {
                    case UInt8(ascii: ","):
                        index += 1
                        skipSpace()
                        (open[top].key, open[top].keyOffset) = try memberKey()
                        continue nextValue
                    case UInt8(ascii: "}"):
                        index += 1
                        depth -= 1
                        result = .object(open.removeLast().members)
                    default: throw error("expected , or }")
                    }
                } else {
                    open[top].items.append(result)
                    switch current {
                    case UInt8(ascii: ","):
                        index += 1
                        continue nextValue
                    case UInt8(ascii: "]"):
                        index += 1
                        depth -= 1
                        result = .array(open.removeLast().items)
                    default: throw error("expected , or ]")
                    }
                }
            }
            return result
        }
    }

    /// A value that is not a container, starting with `b`.
    private mutating func scalar(_ b: UInt8) throws(JSONError) -> JSONValue {
        switch b {
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try expect("true"); return .bool(true)
        case UInt8(ascii: "f"): try expect("false"); return .bool(false)
        case UInt8(ascii: "n"): try expect("null"); return .null
        case UInt8(ascii: "N") where dialect == .python: try expect("NaN"); return .number(JSONNumber(text: "NaN"))
        case UInt8(ascii: "I") where dialect == .python: try expect("Infinity"); return .number(JSONNumber(text: "Infinity"))
        case UInt8(ascii: "-") where dialect == .python && index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "I"):
            index += 1
            try expect("Infinity")
            return .number(JSONNumber(text: "-Infinity"))
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw error("unexpected character")
        }
    }

    /// A member's key and the colon after it; returns the key and its offset.
    private mutating func memberKey() throws(JSONError) -> (String, Int) {
        guard current == UInt8(ascii: "\"") else { throw error("expected a string key") }
        let offset = index
        let key = try string()
        skipSpace()
        guard current == UInt8(ascii: ":") else { throw error("expected :") }
        index += 1
        return (key, offset)
    }

    private mutating func enter() throws(JSONError) {
        depth += 1
        guard depth <= maxDepth else {
            var failure = error("nested deeper than \(maxDepth) levels")
            failure.tooDeep = true
            throw failure
        }
    }

    private mutating func number() throws(JSONError) -> JSONNumber {
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

    private mutating func string() throws(JSONError) -> String {
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

    private mutating func hex4() throws(JSONError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("short \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let digit = Hex.digit(bytes[index]) else { throw error("invalid \\u escape") }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }
}
