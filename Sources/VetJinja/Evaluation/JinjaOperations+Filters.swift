import Foundation

extension JinjaOperations {
    /// Applies filter `name` to `value` with evaluated arguments.
    public static func filter(_ name: String, _ value: JinjaValue, _ args: [JinjaValue],
                              _ keywords: [(String, JinjaValue)]) throws(JinjaEvaluationError) -> JinjaValue {
        func keyword(_ k: String, _ i: Int) -> JinjaValue? { keywords.last { $0.0 == k }?.1 ?? (i < args.count ? args[i] : nil) }
        switch name {
        case "trim": return .string(strip(value.text, keyword("chars", 0)?.text, leading: true, trailing: true))
        case "length", "count":
            switch value {
            case let .list(l): return .int(l.count)
            case let .dict(d): return .int(d.count)
            case let .string(s): return .int(s.count)
            default: return .int(0)
            }
        case "upper": return .string(value.text.uppercased())
        case "lower": return .string(value.text.lowercased())
        case "capitalize": return .string(value.text.prefix(1).uppercased() + value.text.dropFirst().lowercased())
        case "title": return .string(value.text.capitalized)
        case "string": return .string(value.text)
        case "safe", "escape", "e", "forceescape": return value
        case "int":
            if case let .int(i) = value { return .int(i) }
            let number = value.number ?? Double(value.text.trimmingCharacters(in: .whitespaces)) ?? 0
            return .int(Int(exactly: number.rounded(.towardZero)) ?? 0)
        case "float": return .double(value.number ?? Double(value.text) ?? 0)
        case "abs":
            if case let .int(i) = value { return .int(i == .min ? i : abs(i)) }
            return value.number.map { .double(abs($0)) } ?? value
        case "round":
            let digits = keyword("precision", 0).flatMap { if case let .int(i) = $0 { i } else { nil } } ?? 0
            let scale = pow(10, Double(max(-308, min(digits, 308))))
            return .double(((value.number ?? 0) * scale).rounded() / scale)
        case "default", "d":
            let fallback = keyword("default_value", 0) ?? .string("")
            let boolean = keyword("boolean", 1)?.truthy ?? false
            if case .undefined = value { return fallback }
            return boolean && !value.truthy ? fallback : value
        case "tojson":
            let indent = keyword("indent", 0).flatMap { if case let .int(i) = $0 { i } else { nil } }
            return .string(value.json(indent: indent, sortKeys: keyword("sort_keys", 1)?.truthy ?? false))
        case "join":
            let separator = keyword("d", 0)?.text ?? ""
            let attribute = keyword("attribute", 1)?.text
            guard case let .list(items) = value else { return .string(value.text) }
            var parts: [String] = []
            for item in items { parts.append(try attribute.map { a throws(JinjaEvaluationError) in try member(item, a).text } ?? item.text) }
            return try limited(parts.joined(separator: separator))
        case "first": if case let .list(l) = value { return l.first ?? .undefined } else { return .string(String(value.text.prefix(1))) }
        case "last": if case let .list(l) = value { return l.last ?? .undefined } else { return .string(String(value.text.suffix(1))) }
        case "list":
            switch value {
            case let .list(l): return .list(l)
            case let .string(s): return .list(s.map { .string(String($0)) })
            case let .dict(d): return .list(d.map(\.0))
            default: return .list([])
            }
        case "items": if case let .dict(d) = value { return .list(d.map { .list([$0.0, $0.1]) }) } else { return .list([]) }
        case "reverse":
            if case let .list(l) = value { return .list(l.reversed()) }
            return .string(String(value.text.reversed()))
        case "unique": if case let .list(l) = value { return .list(l.reduce(into: []) { if !$0.contains($1) { $0.append($1) } }) } else { return value }
        case "sort":
            guard case let .list(l) = value else { return value }
            return .list(l.sorted { a, b in
                if let x = a.number, let y = b.number { return x < y }
                return a.text < b.text
            })
        case "dictsort":
            guard case let .dict(d) = value else { return value }
            return .list(d.sorted { a, b in
                if let x = a.0.number, let y = b.0.number { return x < y }
                return a.0.text < b.0.text
            }.map { .list([$0.0, $0.1]) })
        case "replace":
            guard let from = keyword("old", 0)?.text, let to = keyword("new", 1)?.text else { throw JinjaEvaluationError("replace needs two arguments") }
            return try limited(from.isEmpty ? value.text : value.text.replacingOccurrences(of: from, with: to))
        case "format":
            return try printf(value.text, args)
        case "center":
            let width = keyword("width", 0).flatMap { if case let .int(i) = $0 { i } else { nil } } ?? 80
            let text = value.text
            let padding = max(0, min(width, 10_000) - text.count)
            let left = padding / 2 + (padding % 2 == 1 && text.count % 2 == 1 ? 1 : 0)
            return .string(String(repeating: " ", count: left) + text + String(repeating: " ", count: padding - left))
        case "indent":
            let width = keyword("width", 0).flatMap { if case let .int(i) = $0 { i } else { nil } } ?? 4
            let pad = String(repeating: " ", count: max(0, min(width, 64)))
            let first = keyword("first", 1)?.truthy ?? false
            let lines = value.text.components(separatedBy: "\n")
            return try limited(lines.enumerated().map { i, line in (i == 0 && !first) || line.isEmpty ? line : pad + line }.joined(separator: "\n"))
        case "map":
            guard case let .list(items) = value else { return .list([]) }
            if let attribute = keywords.last(where: { $0.0 == "attribute" })?.1.text {
                var mapped: [JinjaValue] = []
                for item in items { mapped.append(try member(item, attribute)) }
                return .list(mapped)
            }
            guard let filterName = args.first?.text else { return .list(items) }
            var mapped: [JinjaValue] = []
            for item in items { mapped.append(try filter(filterName, item, Array(args.dropFirst()), [])) }
            return .list(mapped)
        case "selectattr", "rejectattr":
            guard case let .list(items) = value, let attribute = args.first?.text else { return .list([]) }
            let select = name == "selectattr"
            var kept: [JinjaValue] = []
            for item in items {
                let v = try member(item, attribute)
                let passes = args.count >= 2 ? try test(args[1].text, v, Array(args.dropFirst(2))) : v.truthy
                if passes == select { kept.append(item) }
            }
            return .list(kept)
        case "select", "reject":
            guard case let .list(items) = value else { return .list([]) }
            let select = name == "select"
            var kept: [JinjaValue] = []
            for item in items {
                let passes = try args.first.map { t throws(JinjaEvaluationError) in try test(t.text, item, Array(args.dropFirst())) } ?? item.truthy
                if passes == select { kept.append(item) }
            }
            return .list(kept)
        case "sum":
            guard case let .list(items) = value else { return .int(0) }
            if items.allSatisfy({ if case .int = $0 { true } else { false } }) {
                return .int(items.reduce(0) { total, item in if case let .int(i) = item { total &+ i } else { total } })
            }
            return .double(items.reduce(0) { $0 + ($1.number ?? 0) })
        case "max", "min":
            guard case let .list(items) = value, !items.isEmpty else { return .undefined }
            let sorted = items.sorted { ($0.number ?? 0) < ($1.number ?? 0) }
            return (name == "max" ? sorted.last : sorted.first) ?? .undefined
        case "wordcount": return .int(value.text.split(whereSeparator: { $0.isWhitespace }).count)
        default:
            throw JinjaEvaluationError("filter `\(name)` is not available in the sandbox")
        }
    }

    /// Applies test `name` (`is defined`, `is string`, …) to `value`.
    public static func test(_ name: String, _ value: JinjaValue, _ args: [JinjaValue]) throws(JinjaEvaluationError) -> Bool {
        switch name {
        case "defined": if case .undefined = value { return false } else { return true }
        case "undefined": if case .undefined = value { return true } else { return false }
        case "none": if case .none = value { return true } else { return false }
        case "string": if case .string = value { return true } else { return false }
        case "number": return value.number != nil && value.typeName != "bool"
        case "integer": if case .int = value { return true } else { return false }
        case "float": if case .double = value { return true } else { return false }
        case "boolean": if case .bool = value { return true } else { return false }
        case "true": return value == .bool(true)
        case "false": return value == .bool(false)
        case "mapping": if case .dict = value { return true } else { return false }
        case "sequence", "iterable":
            switch value {
            case .list, .string, .dict: return true
            default: return false
            }
        case "callable": if case .macro = value { return true } else { return false }
        case "odd": if case let .int(i) = value { return i % 2 != 0 } else { return false }
        case "even": if case let .int(i) = value { return i % 2 == 0 } else { return false }
        case "divisibleby": if case let .int(i) = value, case let .int(d)? = args.first, d != 0 { return i % d == 0 } else { return false }
        case "equalto", "eq", "==", "sameas": return args.first.map { value == $0 } ?? false
        case "ne", "!=": return args.first.map { value != $0 } ?? false
        case "in": return try args.first.map { a throws(JinjaEvaluationError) in try binary(.in, value, a).truthy } ?? false
        case "lt", "<", "gt", ">", "le", "<=", "ge", ">=":
            guard let a = value.number, let b = args.first?.number else { return false }
            switch name {
            case "lt", "<": return a < b
            case "gt", ">": return a > b
            case "le", "<=": return a <= b
            default: return a >= b
            }
        case "lower": return value.text == value.text.lowercased()
        case "upper": return value.text == value.text.uppercased()
        default: throw JinjaEvaluationError("test `\(name)` is not available in the sandbox")
        }
    }
}
