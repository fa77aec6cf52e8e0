import Foundation
import VetJinja

extension JinjaRenderer {
    /// The global functions templates use; everything else (`cycler`, `joiner`, `lipsum`, `self`,
    /// `config`, …) is undefined in the sandbox.
    func builtin(_ name: String, _ args: [JinjaValue], _ keywords: [(String, JinjaValue)], at position: JinjaPosition) throws -> JinjaValue {
        switch name {
        case "range":
            let ints = try args.map { v -> Int in
                guard case let .int(i) = v else { throw fail(position, "range() takes integers") }
                return i
            }
            let (start, stop, step) = ints.count == 1 ? (0, ints[0], 1) : ints.count == 2 ? (ints[0], ints[1], 1)
                : ints.count == 3 ? (ints[0], ints[1], ints[2]) : (0, 0, 0)
            guard step != 0 else { throw fail(position, "range() needs 1-3 integers and a non-zero step") }
            // Counted in Double: the integers may be anywhere in Int's range.
            let count = max(0, ((Double(stop) - Double(start)) / Double(step)).rounded(.up))
            guard count <= 100_000 else { throw fail(position, "range of \(count) items is over the sandbox limit") }
            var items: [JinjaValue] = []
            var value = start
            while step > 0 ? value < stop : value > stop {
                items.append(.int(value))
                let (next, overflow) = value.addingReportingOverflow(step)
                if overflow { break }
                value = next
            }
            return .list(items)
        case "namespace":
            var initial: [(String, JinjaValue)] = []
            if case let .dict(d)? = args.first { initial = d.map { ($0.0.text, $0.1) } }
            namespaces.append(initial + keywords)
            return .namespace(namespaces.count - 1)
        case "dict": return .dict(keywords.map { (.string($0.0), $0.1) })
        case "raise_exception":
            throw fail(position, "the template raised an error: " + (args.first?.text ?? ""))
        case "strftime_now":
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.dateFormat = Self.dateFormat(args.first?.text ?? "%Y-%m-%d")
            return .string(formatter.string(from: Date()))
        default:
            throw fail(position, "`\(name)` is not defined in the chat template sandbox")
        }
    }

    /// Translates the strftime directives templates use into a DateFormatter pattern.
    static func dateFormat(_ strftime: String) -> String {
        var out = ""
        var chars = strftime.makeIterator()
        while let c = chars.next() {
            guard c == "%" else { out += c == "'" ? "''" : (c.isLetter ? "'\(c)'" : String(c)); continue }
            switch chars.next() {
            case "Y": out += "yyyy"
            case "m": out += "MM"
            case "d": out += "dd"
            case "B": out += "MMMM"
            case "b": out += "MMM"
            case "H": out += "HH"
            case "M": out += "mm"
            case "S": out += "ss"
            case "A": out += "EEEE"
            case "a": out += "EEE"
            case "p": out += "a"
            case let other?: out += String(other)
            case nil: break
            }
        }
        return out
    }

    func callMethod(_ receiver: JinjaValue, _ name: String, _ args: [JinjaValue], at position: JinjaPosition) throws -> JinjaValue {
        func arg(_ i: Int) -> String? { i < args.count ? args[i].text : nil }
        switch receiver {
        case let .string(s):
            switch name {
            case "strip": return .string(Self.strip(s, arg(0), leading: true, trailing: true))
            case "lstrip": return .string(Self.strip(s, arg(0), leading: true, trailing: false))
            case "rstrip": return .string(Self.strip(s, arg(0), leading: false, trailing: true))
            case "upper": return .string(s.uppercased())
            case "lower": return .string(s.lowercased())
            case "title": return .string(s.capitalized)
            case "capitalize": return .string(s.prefix(1).uppercased() + s.dropFirst().lowercased())
            case "startswith": return .bool(args.contains { s.hasPrefix($0.text) })
            case "endswith": return .bool(args.contains { s.hasSuffix($0.text) })
            case "replace":
                guard let from = arg(0), let to = arg(1) else { throw fail(position, "replace() takes two strings") }
                return .string(from.isEmpty ? s : s.replacingOccurrences(of: from, with: to))
            case "split":
                if let sep = arg(0), case .string = args[0] { return .list(s.components(separatedBy: sep).map { .string($0) }) }
                return .list(s.split(whereSeparator: { $0.isWhitespace }).map { .string(String($0)) })
            case "splitlines": return .list(s.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map { .string(String($0)) })
            case "find": return .int(arg(0).flatMap { s.range(of: $0) }.map { s.distance(from: s.startIndex, to: $0.lowerBound) } ?? -1)
            case "count": return .int(arg(0).map { $0.isEmpty ? 0 : s.components(separatedBy: $0).count - 1 } ?? 0)
            case "join":
                guard case let .list(items)? = args.first else { throw fail(position, "join() takes a list") }
                return .string(items.map(\.text).joined(separator: s))
            case "isdigit": return .bool(!s.isEmpty && s.allSatisfy(\.isNumber))
            case "isspace": return .bool(!s.isEmpty && s.allSatisfy(\.isWhitespace))
            case "format":
                var result = s
                for a in args { if let r = result.range(of: "{}") { result.replaceSubrange(r, with: a.text) } }
                return .string(result)
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
            case "append": throw fail(position, "lists cannot be changed in the sandbox; use a namespace")
            default: break
            }
        default: break
        }
        throw fail(position, "method `\(name)` is not available in the sandbox")
    }

    static func strip(_ s: String, _ characters: String?, leading: Bool, trailing: Bool) -> String {
        let set = characters.map { Set($0) }
        func drop(_ c: Character) -> Bool { set.map { $0.contains(c) } ?? c.isWhitespace }
        var slice = Substring(s)
        if leading { while let f = slice.first, drop(f) { slice = slice.dropFirst() } }
        if trailing { while let l = slice.last, drop(l) { slice = slice.dropLast() } }
        return String(slice)
    }

    func applyFilter(_ f: JinjaFilterCall, to value: JinjaValue) throws -> JinjaValue {
        let (args, keywords) = try evaluate(f.arguments)
        func keyword(_ k: String, _ i: Int) -> JinjaValue? { keywords.last { $0.0 == k }?.1 ?? (i < args.count ? args[i] : nil) }
        switch f.name {
        case "trim": return .string(Self.strip(value.text, keyword("chars", 0)?.text, leading: true, trailing: true))
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
            let scale = pow(10, Double(digits))
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
            return .string(try items.map { item in
                try attribute.map { try member(item, $0, at: f.position).text } ?? item.text
            }.joined(separator: separator))
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
            guard let from = keyword("old", 0)?.text, let to = keyword("new", 1)?.text else { throw fail(f.position, "replace needs two arguments") }
            return .string(from.isEmpty ? value.text : value.text.replacingOccurrences(of: from, with: to))
        case "indent":
            let width = keyword("width", 0).flatMap { if case let .int(i) = $0 { i } else { nil } } ?? 4
            let pad = String(repeating: " ", count: max(0, min(width, 64)))
            let first = keyword("first", 1)?.truthy ?? false
            let lines = value.text.components(separatedBy: "\n")
            return .string(lines.enumerated().map { i, line in (i == 0 && !first) || line.isEmpty ? line : pad + line }.joined(separator: "\n"))
        case "map":
            guard case let .list(items) = value else { return .list([]) }
            if let attribute = keywords.last(where: { $0.0 == "attribute" })?.1.text {
                return .list(try items.map { try member($0, attribute, at: f.position) })
            }
            guard let filterName = args.first?.text else { return .list(items) }
            let call = JinjaFilterCall(name: filterName, arguments: [], position: f.position)
            return .list(try items.map { try applyFilter(call, to: $0) })
        case "selectattr", "rejectattr":
            guard case let .list(items) = value, let attribute = args.first?.text else { return .list([]) }
            let select = f.name == "selectattr"
            return .list(try items.filter { item in
                let v = try member(item, attribute, at: f.position)
                let passes: Bool
                if args.count >= 2 {
                    let test = JinjaFilterCall(name: args[1].text, arguments: [], position: f.position)
                    passes = try applyTest(test, to: v, extra: Array(args.dropFirst(2)))
                } else {
                    passes = v.truthy
                }
                return passes == select
            })
        case "select", "reject":
            guard case let .list(items) = value else { return .list([]) }
            let select = f.name == "select"
            return .list(try items.filter { item in
                let passes = try args.first.map { try applyTest(JinjaFilterCall(name: $0.text, arguments: [], position: f.position), to: item, extra: Array(args.dropFirst())) } ?? item.truthy
                return passes == select
            })
        case "sum":
            guard case let .list(items) = value else { return .int(0) }
            if items.allSatisfy({ if case .int = $0 { true } else { false } }) {
                return .int(items.reduce(0) { total, item in if case let .int(i) = item { total &+ i } else { total } })
            }
            return .double(items.reduce(0) { $0 + ($1.number ?? 0) })
        case "max", "min":
            guard case let .list(items) = value, !items.isEmpty else { return .undefined }
            let sorted = items.sorted { ($0.number ?? 0) < ($1.number ?? 0) }
            return f.name == "max" ? sorted.last! : sorted.first!
        case "wordcount": return .int(value.text.split(whereSeparator: { $0.isWhitespace }).count)
        default:
            throw fail(f.position, "filter `\(f.name)` is not available in the sandbox")
        }
    }

    func applyTest(_ t: JinjaFilterCall, to value: JinjaValue, extra: [JinjaValue] = []) throws -> Bool {
        let (evaluated, _) = try evaluate(t.arguments)
        let args = extra + evaluated
        switch t.name {
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
        case "in": return try args.first.map { try binary(.in, value, $0, at: t.position).truthy } ?? false
        case "lt", "<", "gt", ">", "le", "<=", "ge", ">=":
            guard let a = value.number, let b = args.first?.number else { return false }
            switch t.name {
            case "lt", "<": return a < b
            case "gt", ">": return a > b
            case "le", "<=": return a <= b
            default: return a >= b
            }
        case "lower": return value.text == value.text.lowercased()
        case "upper": return value.text == value.text.uppercased()
        default: throw fail(t.position, "test `\(t.name)` is not available in the sandbox")
        }
    }
}
