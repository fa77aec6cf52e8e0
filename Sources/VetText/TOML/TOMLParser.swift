/// Parses the TOML subset used by policy files: comments, `[table]` and `[[array of tables]]`
/// headers with dotted names, `key = value` with bare or quoted keys, basic and literal strings,
/// integers, floats, booleans, arrays (across lines) and inline tables.
public struct TOMLParser {
    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var line = 1

    /// Parses `text` into its root table.
    /// - Throws: `TOMLError` with the line of the first syntax error.
    public static func parse(_ text: String) throws(TOMLError) -> TOMLTable {
        var parser = TOMLParser(scalars: Array(text.unicodeScalars))
        return try parser.document()
    }

    private init(scalars: [Unicode.Scalar]) { self.scalars = scalars }

    private func error(_ message: String) -> TOMLError { TOMLError(message: message, line: line) }
    private var current: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

    private mutating func skipSpace() { while let c = current, c == " " || c == "\t" { index += 1 } }

    private mutating func skipComment() {
        if current == "#" { while let c = current, c != "\n" { index += 1 } }
    }

    /// Skips blank lines, comments and (inside arrays) newlines.
    private mutating func skipTrivia(newlines: Bool) {
        while true {
            skipSpace()
            skipComment()
            if newlines, current == "\n" || current == "\r" {
                if current == "\n" { line += 1 }
                index += 1
                continue
            }
            return
        }
    }

    private mutating func endOfLine() throws(TOMLError) {
        skipSpace()
        skipComment()
        if current == "\r" { index += 1 }
        guard current == nil || current == "\n" else { throw error("unexpected text after value") }
        if current == "\n" { index += 1; line += 1 }
    }

    private mutating func document() throws(TOMLError) -> TOMLTable {
        var root = TOMLTable()
        var path: [String] = []
        var arrayHeader = false
        while true {
            skipTrivia(newlines: true)
            guard let c = current else { return root }
            if c == "[" {
                index += 1
                arrayHeader = current == "["
                if arrayHeader { index += 1 }
                path = try keyPath()
                guard current == "]" else { throw error("expected ]") }
                index += 1
                if arrayHeader {
                    guard current == "]" else { throw error("expected ]]") }
                    index += 1
                }
                try Self.open(&root, path: path, appending: arrayHeader, line: line)
                try endOfLine()
                continue
            }
            let keys = try keyPath()
            guard current == "=" else { throw error("expected = after key") }
            index += 1
            skipSpace()
            let value = try self.value(depth: 0)
            try Self.assign(&root, path: path, keys: keys, value: value, line: line)
            try endOfLine()
        }
    }

    private mutating func keyPath() throws(TOMLError) -> [String] {
        var keys: [String] = []
        while true {
            skipSpace()
            switch current {
            case "\"": keys.append(try basicString())
            case "'": keys.append(try literalString())
            default:
                let start = index
                while let c = current, c.properties.isAlphabetic || ("0"..."9").contains(c) || c == "_" || c == "-" { index += 1 }
                guard index > start else { throw error("expected a key") }
                keys.append(String(String.UnicodeScalarView(scalars[start..<index])))
            }
            skipSpace()
            guard current == "." else { return keys }
            index += 1
        }
    }

    private mutating func value(depth: Int) throws(TOMLError) -> TOMLValue {
        guard depth < 32 else { throw error("values nested too deeply") }
        switch current {
        case "\"": return .string(try basicString())
        case "'": return .string(try literalString())
        case "[":
            index += 1
            var items: [TOMLValue] = []
            while true {
                skipTrivia(newlines: true)
                if current == "]" { index += 1; return .array(items) }
                items.append(try value(depth: depth + 1))
                skipTrivia(newlines: true)
                if current == "," { index += 1 } else if current != "]" { throw error("expected , or ] in array") }
            }
        case "{":
            index += 1
            var table = TOMLTable()
            skipSpace()
            if current == "}" { index += 1; return .table(table) }
            while true {
                let keys = try keyPath()
                guard current == "=" else { throw error("expected = in inline table") }
                index += 1
                skipSpace()
                try Self.assign(&table, path: [], keys: keys, value: try value(depth: depth + 1), line: line)
                skipSpace()
                if current == "}" { index += 1; return .table(table) }
                guard current == "," else { throw error("expected , or } in inline table") }
                index += 1
            }
        default:
            let start = index
            while let c = current, !" \t\r\n,]}#".unicodeScalars.contains(c) { index += 1 }
            let word = String(String.UnicodeScalarView(scalars[start..<index]))
            if word == "true" { return .bool(true) }
            if word == "false" { return .bool(false) }
            let digits = word.filter { $0 != "_" }
            if let int = Int(digits) { return .integer(int) }
            if let double = Double(digits) { return .float(double) }
            throw error("unsupported value `\(word.prefix(30))`")
        }
    }

    private mutating func basicString() throws(TOMLError) -> String {
        index += 1
        var out = String.UnicodeScalarView()
        while let c = current {
            index += 1
            switch c {
            case "\"": return String(out)
            case "\n": throw error("newline in string")
            case "\\":
                guard let e = current else { throw error("unterminated escape") }
                index += 1
                switch e {
                case "n": out.append("\n")
                case "t": out.append("\t")
                case "r": out.append("\r")
                case "\\": out.append("\\")
                case "\"": out.append("\"")
                case "u", "U":
                    let width = e == "u" ? 4 : 8
                    guard index + width <= scalars.count,
                          let v = UInt32(String(String.UnicodeScalarView(scalars[index..<(index + width)])), radix: 16),
                          let s = Unicode.Scalar(v) else { throw error("bad unicode escape") }
                    out.append(s)
                    index += width
                default: throw error("unknown escape \\\(e)")
                }
            default: out.append(c)
            }
        }
        throw error("unterminated string")
    }

    private mutating func literalString() throws(TOMLError) -> String {
        index += 1
        let start = index
        while let c = current, c != "'" {
            if c == "\n" { throw error("newline in string") }
            index += 1
        }
        guard current == "'" else { throw error("unterminated string") }
        defer { index += 1 }
        return String(String.UnicodeScalarView(scalars[start..<index]))
    }
}
