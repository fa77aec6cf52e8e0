/// A literal from a `.npy` header: the subset of Python literals `numpy.lib.format` writes.
public indirect enum PythonLiteralValue: Sendable, Equatable {
    case string(String)
    case int(Int)
    case bool(Bool)
    case none
    case tuple([PythonLiteralValue])
    case list([PythonLiteralValue])
    case dict([(String, PythonLiteralValue)])

    public static func == (lhs: PythonLiteralValue, rhs: PythonLiteralValue) -> Bool {
        switch (lhs, rhs) {
        case let (.string(a), .string(b)): a == b
        case let (.int(a), .int(b)): a == b
        case let (.bool(a), .bool(b)): a == b
        case (.none, .none): true
        case let (.tuple(a), .tuple(b)), let (.list(a), .list(b)): a == b
        case let (.dict(a), .dict(b)): a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }
}

/// Parses Python literals without evaluating anything (NumPy itself uses `ast.literal_eval`).
public struct PythonLiteralParser {
    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var depth = 0

    /// Why a header literal was rejected.
    public struct Failure: Error, Sendable { public var message: String; public var position: Int }

    /// Parses `text` as one literal followed only by white space.
    public static func parse(_ text: String) throws -> PythonLiteralValue {
        var parser = PythonLiteralParser(scalars: Array(text.unicodeScalars))
        let value = try parser.value()
        parser.skipSpace()
        guard parser.index == parser.scalars.count else { throw parser.failure("unexpected text after the literal") }
        return value
    }

    private init(scalars: [Unicode.Scalar]) { self.scalars = scalars }

    private func failure(_ message: String) -> Failure { Failure(message: message, position: index) }

    private mutating func skipSpace() {
        while index < scalars.count, [" ", "\t", "\n", "\r"].contains(scalars[index]) { index += 1 }
    }

    private mutating func value() throws -> PythonLiteralValue {
        skipSpace()
        guard index < scalars.count else { throw failure("unexpected end") }
        depth += 1
        defer { depth -= 1 }
        guard depth < 64 else { throw failure("nested too deeply") }
        switch scalars[index] {
        case "{": return .dict(try dict())
        case "(":
            let (items, trailingComma) = try sequence(close: ")")
            return items.count == 1 && !trailingComma ? items[0] : .tuple(items)
        case "[": return .list(try sequence(close: "]").0)
        case "'", "\"": return .string(try string())
        default: return try word()
        }
    }

    private mutating func sequence(close: Unicode.Scalar) throws -> ([PythonLiteralValue], Bool) {
        index += 1
        var items: [PythonLiteralValue] = []
        var trailingComma = false
        while true {
            skipSpace()
            guard index < scalars.count else { throw failure("unterminated sequence") }
            if scalars[index] == close { index += 1; return (items, trailingComma) }
            items.append(try value())
            trailingComma = false
            skipSpace()
            guard index < scalars.count else { throw failure("unterminated sequence") }
            if scalars[index] == "," { index += 1; trailingComma = true } else if scalars[index] != close {
                throw failure("expected , or \(close)")
            }
        }
    }

    private mutating func dict() throws -> [(String, PythonLiteralValue)] {
        index += 1
        var pairs: [(String, PythonLiteralValue)] = []
        while true {
            skipSpace()
            guard index < scalars.count else { throw failure("unterminated dict") }
            if scalars[index] == "}" { index += 1; return pairs }
            guard case let .string(key) = try value() else { throw failure("dict keys must be strings") }
            skipSpace()
            guard index < scalars.count, scalars[index] == ":" else { throw failure("expected :") }
            index += 1
            pairs.append((key, try value()))
            skipSpace()
            guard index < scalars.count else { throw failure("unterminated dict") }
            if scalars[index] == "," { index += 1 } else if scalars[index] != "}" { throw failure("expected , or }") }
        }
    }

    private mutating func string() throws -> String {
        let quote = scalars[index]
        index += 1
        var out = String.UnicodeScalarView()
        while index < scalars.count {
            let c = scalars[index]
            index += 1
            if c == quote { return String(out) }
            if c == "\\", index < scalars.count {
                out.append(scalars[index])
                index += 1
            } else {
                out.append(c)
            }
        }
        throw failure("unterminated string")
    }

    private mutating func word() throws -> PythonLiteralValue {
        let start = index
        while index < scalars.count, scalars[index].properties.isAlphabetic || ("0"..."9").contains(scalars[index])
                || scalars[index] == "-" || scalars[index] == "_" {
            index += 1
        }
        let text = String(String.UnicodeScalarView(scalars[start..<index]))
        switch text {
        case "True": return .bool(true)
        case "False": return .bool(false)
        case "None": return .none
        default:
            let digits = text.hasSuffix("L") ? String(text.dropLast()) : text
            guard let value = Int(digits.replacingUnderscores()) else { throw failure("unexpected token \(text.prefix(20))") }
            return .int(value)
        }
    }
}

extension String {
    func replacingUnderscores() -> String { String(filter { $0 != "_" }) }
}
