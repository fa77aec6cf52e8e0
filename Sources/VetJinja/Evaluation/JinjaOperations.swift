import Foundation

/// Why an operation on template values failed (the caller adds the position).
public struct JinjaEvaluationError: Error, Sendable {
    /// A sentence for a person.
    public var message: String

    /// Creates an error.
    public init(_ message: String) { self.message = message }
}

/// The operations of Jinja's sandboxed environment on plain values: operators, filters, tests,
/// the string, dict and list methods, subscripts, slices and `str.format`.
///
/// One implementation serves both readers of a template: the engine's renderer, which runs it,
/// and the scanner's constant evaluator, which works out at scan time what names a template can
/// build from pieces. They therefore agree on what `'__cla' ~ 'ss__'`, `dict(__init__=1)|list`
/// or `'{0.__class__}'.format(x)` evaluates to.
public enum JinjaOperations {
    /// Largest string an operation may produce.
    public static let maxString = 4 << 20
    /// Longest `range()` the sandbox builds (Jinja's own `MAX_RANGE`).
    public static let maxRange = 100_000
    /// Methods of strings, dicts and lists the sandbox offers.
    public static let stringMethods: Set<String> = ["strip", "lstrip", "rstrip", "split", "startswith", "endswith", "upper", "lower",
                                                    "replace", "title", "capitalize", "format", "format_map", "find", "count",
                                                    "join", "splitlines", "isdigit", "isspace"]
    public static let dictMethods: Set<String> = ["items", "keys", "values", "get"]
    public static let listMethods: Set<String> = ["append", "index", "count"]

    /// Attributes and keys starting with `_` are refused, as Jinja's sandbox refuses them: they are
    /// how templates reach Python internals (`__class__`, `__globals__`).
    public static func checkName(_ name: String) throws(JinjaEvaluationError) {
        if name.hasPrefix("_") { throw JinjaEvaluationError("access to `\(name)` is refused by the sandbox") }
    }

    // MARK: Globals

    /// `range(stop)`, `range(start, stop[, step])`.
    public static func range(_ args: [JinjaValue]) throws(JinjaEvaluationError) -> JinjaValue {
        var ints: [Int] = []
        for value in args {
            guard case let .int(i) = value else { throw JinjaEvaluationError("range() takes integers") }
            ints.append(i)
        }
        let (start, stop, step) = ints.count == 1 ? (0, ints[0], 1) : ints.count == 2 ? (ints[0], ints[1], 1)
            : ints.count == 3 ? (ints[0], ints[1], ints[2]) : (0, 0, 0)
        guard step != 0 else { throw JinjaEvaluationError("range() needs 1-3 integers and a non-zero step") }
        // Counted in Double: the integers may be anywhere in Int's range.
        let count = max(0, ((Double(stop) - Double(start)) / Double(step)).rounded(.up))
        guard count <= Double(maxRange) else { throw JinjaEvaluationError("range of \(count) items is over the sandbox limit") }
        var items: [JinjaValue] = []
        var value = start
        while step > 0 ? value < stop : value > stop {
            items.append(.int(value))
            let (next, overflow) = value.addingReportingOverflow(step)
            if overflow { break }
            value = next
        }
        return .list(items)
    }

    /// `dict(key=value, …)`: keyword names become keys (so names are built without literals).
    public static func dict(_ keywords: [(String, JinjaValue)]) -> JinjaValue {
        .dict(keywords.map { (.string($0.0), $0.1) })
    }

    // MARK: Members, items, slices

    /// `value.name` for plain values: dict keys (with the dict methods), string and list methods.
    public static func member(_ value: JinjaValue, _ name: String) throws(JinjaEvaluationError) -> JinjaValue {
        try checkName(name)
        switch value {
        case .dict:
            if let v = value.lookup(name) { return v }
            return dictMethods.contains(name) ? .method(value, name) : .undefined
        case .string:
            // Any other attribute of a string is undefined, as in Jinja.
            return stringMethods.contains(name) ? .method(value, name) : .undefined
        case .list:
            return listMethods.contains(name) ? .method(value, name) : .undefined
        case .undefined, .none: return .undefined
        default: throw JinjaEvaluationError("a \(value.typeName) has no attribute `\(name)`")
        }
    }

    /// `container[key]` for plain values.
    public static func subscriptValue(_ container: JinjaValue, _ key: JinjaValue) throws(JinjaEvaluationError) -> JinjaValue {
        switch (container, key) {
        case let (.list(l), .int(i)):
            let index = i < 0 ? l.count &+ i : i
            guard l.indices.contains(index) else { throw JinjaEvaluationError("list index \(i) out of range") }
            return l[index]
        case let (.string(s), .int(i)):
            let chars = Array(s)
            let index = i < 0 ? chars.count &+ i : i
            guard chars.indices.contains(index) else { throw JinjaEvaluationError("string index \(i) out of range") }
            return .string(String(chars[index]))
        case let (.dict, .string(k)): return try member(container, k)
        case (.dict, _): return container.lookup(value: key) ?? .undefined
        default: return .undefined
        }
    }

    /// Python slicing of a list or string.
    public static func slice(_ value: JinjaValue, start: JinjaValue?, stop: JinjaValue?, step: JinjaValue?) throws(JinjaEvaluationError) -> JinjaValue {
        func int(_ v: JinjaValue?) throws(JinjaEvaluationError) -> Int? {
            switch v {
            case nil, .none?: return nil
            case let .int(i)?: return i
            default: throw JinjaEvaluationError("slice bounds must be integers")
            }
        }
        let stride = try int(step) ?? 1
        guard stride != 0 else { throw JinjaEvaluationError("slice step cannot be zero") }
        let lowerBound = try int(start), upperBound = try int(stop)
        func indices(_ count: Int) -> [Int] {
            func clamp(_ v: Int?, _ fallback: Int) -> Int {
                guard var v else { return fallback }
                if v < 0 { v = v &+ count }
                return stride > 0 ? min(max(v, 0), count) : min(max(v, -1), count - 1)
            }
            let lower = clamp(lowerBound, stride > 0 ? 0 : count - 1)
            let upper = clamp(upperBound, stride > 0 ? count : -1)
            return Array(Swift.stride(from: lower, to: upper, by: stride))
        }
        switch value {
        case let .list(l): return .list(indices(l.count).map { l[$0] })
        case let .string(s):
            let chars = Array(s)
            return .string(String(indices(chars.count).map { chars[$0] }))
        default: throw JinjaEvaluationError("cannot slice a \(value.typeName)")
        }
    }

    // MARK: Operators

    /// A binary operator other than the short-circuiting `and` and `or`.
    public static func binary(_ op: JinjaBinaryOperator, _ l: JinjaValue, _ r: JinjaValue) throws(JinjaEvaluationError) -> JinjaValue {
        switch op {
        case .concat: return try limited(l.text + r.text)
        case .equal: return .bool(l == r)
        case .notEqual: return .bool(l != r)
        case .in, .notIn:
            let contained: Bool
            switch r {
            case let .list(items): contained = items.contains(l)
            case let .dict(d): contained = d.contains { $0.0 == l }
            case let .string(s): contained = s.contains(l.text)
            case .undefined, .none: contained = false
            default: throw JinjaEvaluationError("`in` needs a list, dict or string, not a \(r.typeName)")
            }
            return .bool(op == .in ? contained : !contained)
        case .add:
            switch (l, r) {
            case let (.string(a), .string(b)): return try limited(a + b)
            case let (.list(a), .list(b)): return .list(a + b)
            default: break
            }
        case .multiply:
            if case let .string(s) = l, case let .int(n) = r { return try repeated(s, n) }
            if case let .int(n) = l, case let .string(s) = r { return try repeated(s, n) }
        case .modulo:
            if case let .string(format) = l {
                let values: [JinjaValue] = if case let .list(items) = r { items } else { [r] }
                return try printf(format, values)
            }
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            let order: Bool
            if case let .string(a) = l, case let .string(b) = r {
                order = op == .less ? a < b : op == .lessOrEqual ? a <= b : op == .greater ? a > b : a >= b
            } else if let a = l.number, let b = r.number {
                order = op == .less ? a < b : op == .lessOrEqual ? a <= b : op == .greater ? a > b : a >= b
            } else {
                throw JinjaEvaluationError("cannot compare \(l.typeName) and \(r.typeName)")
            }
            return .bool(order)
        default: break
        }
        // Arithmetic on numbers.
        if case let .int(a) = l, case let .int(b) = r {
            switch op {
            case .add: return .int(a &+ b)
            case .subtract: return .int(a &- b)
            case .multiply: return .int(a &* b)
            case .floorDivide, .modulo:
                guard b != 0 else { throw JinjaEvaluationError("division by zero") }
                // Python's floor division and modulo, in integers (Int.min // -1 wraps rather than trapping).
                var (q, overflow) = a.dividedReportingOverflow(by: b)
                let r = overflow ? 0 : a % b
                if !overflow, r != 0, (r < 0) != (b < 0) { q -= 1 }
                return .int(op == .floorDivide ? q : (r != 0 && (r < 0) != (b < 0) ? r + b : r))
            case .divide:
                guard b != 0 else { throw JinjaEvaluationError("division by zero") }
                return .double(Double(a) / Double(b))
            case .power:
                let p = pow(Double(a), Double(b))
                return b >= 0 && abs(p) < 9e15 ? .int(Int(p)) : .double(p)
            default: break
            }
        }
        guard let a = l.number, let b = r.number else {
            if l == .undefined || r == .undefined {
                throw JinjaEvaluationError("`\(op.rawValue)` on an undefined value: the template expects a variable the caller did not provide")
            }
            throw JinjaEvaluationError("unsupported operand types for \(op.rawValue): \(l.typeName) and \(r.typeName)")
        }
        switch op {
        case .add: return .double(a + b)
        case .subtract: return .double(a - b)
        case .multiply: return .double(a * b)
        case .divide: return b == 0 ? .double(.nan) : .double(a / b)
        case .floorDivide: return .double((a / b).rounded(.down))
        case .modulo: return .double(a - (a / b).rounded(.down) * b)
        case .power: return .double(pow(a, b))
        default: throw JinjaEvaluationError("unsupported operator \(op.rawValue)")
        }
    }

    static func limited(_ text: String) throws(JinjaEvaluationError) -> JinjaValue {
        guard text.utf8.count <= maxString else { throw JinjaEvaluationError("string too long") }
        return .string(text)
    }

    static func repeated(_ text: String, _ count: Int) throws(JinjaEvaluationError) -> JinjaValue {
        guard count <= 10_000, text.utf8.count * max(count, 0) <= maxString else { throw JinjaEvaluationError("string repetition too large") }
        return .string(String(repeating: text, count: max(count, 0)))
    }

    /// `format % values` with `%s`, `%d`, `%r` and `%%` (what templates use).
    public static func printf(_ format: String, _ values: [JinjaValue]) throws(JinjaEvaluationError) -> JinjaValue {
        var out = ""
        var remaining = values[...]
        var characters = format.makeIterator()
        while let c = characters.next() {
            guard c == "%" else { out.append(c); continue }
            switch characters.next() {
            case "%": out.append("%")
            case "s", "d", "i", "r", "f":
                guard let value = remaining.popFirst() else { throw JinjaEvaluationError("not enough arguments for format string") }
                out += value.text
            case let other?: out.append("%"); out.append(other)
            case nil: out.append("%")
            }
            if out.utf8.count > maxString { throw JinjaEvaluationError("string too long") }
        }
        return .string(out)
    }

    // MARK: str.format

    /// One replacement field of a `str.format` string: which argument, and the attribute and item
    /// accesses applied to it (`{0.content}`, `{m[role]}`).
    public struct FormatField: Sendable, Equatable {
        /// `""` for automatic numbering, digits for a position, a name for a keyword.
        public var argument: String
        /// `.name` accesses (as `.name`) and `[key]` accesses (as `[key]`), in order.
        public var accesses: [String]
        /// Creates a field.
        public init(argument: String, accesses: [String]) {
            self.argument = argument
            self.accesses = accesses
        }

        /// The attribute and item names accessed, without punctuation.
        public var names: [String] { accesses.map { String($0.dropFirst().dropLast($0.hasPrefix("[") ? 1 : 0)) } }
    }

    /// The pieces of a `str.format` string: literal text and replacement fields.
    public enum FormatPiece: Sendable, Equatable {
        case text(String)
        case field(FormatField)
    }

    /// Parses a `str.format` string as Python's `string.Formatter` does (ignoring conversions and
    /// format specs, which cannot reach attributes).
    public static func formatPieces(_ format: String) throws(JinjaEvaluationError) -> [FormatPiece] {
        var pieces: [FormatPiece] = []
        var literal = ""
        var chars = Array(format)[...]
        while let c = chars.popFirst() {
            if c == "}" {
                guard chars.first == "}" else { throw JinjaEvaluationError("single '}' encountered in format string") }
                chars.removeFirst()
                literal.append("}")
                continue
            }
            guard c == "{" else { literal.append(c); continue }
            if chars.first == "{" { chars.removeFirst(); literal.append("{"); continue }
            var body = ""
            var depth = 1
            while let next = chars.popFirst() {
                if next == "{" { depth += 1 } else if next == "}" { depth -= 1; if depth == 0 { break } }
                body.append(next)
            }
            guard depth == 0 else { throw JinjaEvaluationError("unmatched '{' in format string") }
            if !literal.isEmpty { pieces.append(.text(literal)); literal = "" }
            // The field name ends at a conversion (!) or a format spec (:) outside brackets.
            var name = ""
            var inBrackets = false
            for ch in body {
                if ch == "[" { inBrackets = true } else if ch == "]" { inBrackets = false }
                if !inBrackets && (ch == "!" || ch == ":") { break }
                name.append(ch)
            }
            var argument = ""
            var accesses: [String] = []
            var cursor = name[...]
            while let ch = cursor.first, ch != ".", ch != "[" { argument.append(ch); cursor.removeFirst() }
            while let ch = cursor.first {
                cursor.removeFirst()
                if ch == "." {
                    let attribute = cursor.prefix { $0 != "." && $0 != "[" }
                    cursor.removeFirst(attribute.count)
                    guard !attribute.isEmpty else { throw JinjaEvaluationError("empty attribute in format string") }
                    accesses.append("." + attribute)
                } else {
                    guard let close = cursor.firstIndex(of: "]") else { throw JinjaEvaluationError("missing ']' in format string") }
                    accesses.append("[" + cursor[..<close] + "]")
                    cursor = cursor[cursor.index(after: close)...]
                }
            }
            pieces.append(.field(FormatField(argument: argument, accesses: accesses)))
        }
        if !literal.isEmpty { pieces.append(.text(literal)) }
        return pieces
    }

    /// `format.format(*args, **keywords)` with the sandbox's attribute check on every access.
    public static func format(_ format: String, _ args: [JinjaValue], _ keywords: [(String, JinjaValue)]) throws(JinjaEvaluationError) -> JinjaValue {
        var out = ""
        var automatic = 0
        for piece in try formatPieces(format) {
            switch piece {
            case let .text(text): out += text
            case let .field(field):
                var value: JinjaValue
                if field.argument.isEmpty {
                    guard automatic < args.count else { throw JinjaEvaluationError("format string needs more arguments") }
                    value = args[automatic]
                    automatic += 1
                } else if let index = Int(field.argument) {
                    guard args.indices.contains(index) else { throw JinjaEvaluationError("format argument \(index) is missing") }
                    value = args[index]
                } else {
                    guard let named = keywords.last(where: { $0.0 == field.argument })?.1 else {
                        throw JinjaEvaluationError("format argument `\(field.argument)` is missing")
                    }
                    value = named
                }
                for access in field.accesses {
                    let key = String(access.dropFirst().dropLast(access.hasPrefix("[") ? 1 : 0))
                    if access.hasPrefix(".") {
                        value = try member(value, key)
                    } else {
                        try checkName(key)
                        value = try subscriptValue(value, Int(key).map(JinjaValue.int) ?? .string(key))
                    }
                }
                out += value.text
            }
            if out.utf8.count > maxString { throw JinjaEvaluationError("string too long") }
        }
        return .string(out)
    }

    // MARK: Methods

    static func strip(_ s: String, _ characters: String?, leading: Bool, trailing: Bool) -> String {
        let set = characters.map { Set($0) }
        func drop(_ c: Character) -> Bool { set.map { $0.contains(c) } ?? c.isWhitespace }
        var slice = Substring(s)
        if leading { while let f = slice.first, drop(f) { slice = slice.dropFirst() } }
        if trailing { while let l = slice.last, drop(l) { slice = slice.dropLast() } }
        return String(slice)
    }

    /// A method of a string, dict or list.
    public static func callMethod(_ receiver: JinjaValue, _ name: String, _ args: [JinjaValue],
                                  _ keywords: [(String, JinjaValue)] = []) throws(JinjaEvaluationError) -> JinjaValue {
        func arg(_ i: Int) -> String? { i < args.count ? args[i].text : nil }
        switch receiver {
        case let .string(s):
            switch name {
            case "strip": return .string(strip(s, arg(0), leading: true, trailing: true))
            case "lstrip": return .string(strip(s, arg(0), leading: true, trailing: false))
            case "rstrip": return .string(strip(s, arg(0), leading: false, trailing: true))
            case "upper": return .string(s.uppercased())
            case "lower": return .string(s.lowercased())
            case "title": return .string(s.capitalized)
            case "capitalize": return .string(s.prefix(1).uppercased() + s.dropFirst().lowercased())
            case "startswith": return .bool(args.contains { s.hasPrefix($0.text) })
            case "endswith": return .bool(args.contains { s.hasSuffix($0.text) })
            case "replace":
                guard let from = arg(0), let to = arg(1) else { throw JinjaEvaluationError("replace() takes two strings") }
                return try limited(from.isEmpty ? s : s.replacingOccurrences(of: from, with: to))
            case "split":
                if let sep = arg(0), case .string = args[0] { return .list(s.components(separatedBy: sep).map { .string($0) }) }
                return .list(s.split(whereSeparator: { $0.isWhitespace }).map { .string(String($0)) })
            case "splitlines": return .list(s.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map { .string(String($0)) })
            case "find": return .int(arg(0).flatMap { s.range(of: $0) }.map { s.distance(from: s.startIndex, to: $0.lowerBound) } ?? -1)
            case "count": return .int(arg(0).map { $0.isEmpty ? 0 : s.components(separatedBy: $0).count - 1 } ?? 0)
            case "join":
                guard case let .list(items)? = args.first else { throw JinjaEvaluationError("join() takes a list") }
                return try limited(items.map(\.text).joined(separator: s))
            case "isdigit": return .bool(!s.isEmpty && s.allSatisfy(\.isNumber))
            case "isspace": return .bool(!s.isEmpty && s.allSatisfy(\.isWhitespace))
            case "format": return try format(s, args, keywords)
            case "format_map":
                guard case let .dict(entries)? = args.first else { throw JinjaEvaluationError("format_map() takes a dict") }
                return try format(s, [], entries.map { ($0.0.text, $0.1) })
            default: break
            }
        case let .dict(d):
            switch name {
            case "items": return .list(d.map { .list([$0.0, $0.1]) })
            case "keys": return .list(d.map(\.0))
            case "values": return .list(d.map(\.1))
            case "get": return args.first.flatMap { receiver.lookup(value: $0) } ?? (args.count > 1 ? args[1] : .none)
            default: break
            }
        case let .list(l):
            switch name {
            case "index": return .int(args.first.flatMap { l.firstIndex(of: $0) } ?? -1)
            case "count": return .int(args.first.map { a in l.filter { $0 == a }.count } ?? 0)
            case "append": throw JinjaEvaluationError("lists cannot be changed in the sandbox; use a namespace")
            default: break
            }
        default: break
        }
        throw JinjaEvaluationError("method `\(name)` is not available in the sandbox")
    }
}
