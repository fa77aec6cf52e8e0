import Foundation
import VetJinja

extension JinjaRenderer {
    func eval(_ e: JinjaExpression) throws -> JinjaValue {
        try tick(e.position)
        switch e.kind {
        case let .string(s): return .string(s)
        case let .integer(text):
            guard let v = Int(text) else { throw fail(e.position, "integer \(text) is too large") }
            return .int(v)
        case let .float(text): return .double(Double(text) ?? .nan)
        case let .boolean(b): return .bool(b)
        case .none: return .none
        case let .name(n):
            // Variables may have any name; only attributes and items are checked (as Jinja's sandbox does).
            return lookup(n)
        case let .list(items), let .tuple(items): return .list(try items.map(eval))
        case let .dict(entries):
            return .dict(try entries.map { entry in
                let key = try eval(entry.key)
                switch key {
                case .string, .int, .bool, .double, .none: return (key, try eval(entry.value))
                default: throw fail(entry.key.position, "dict keys must be strings or numbers, not a \(key.typeName)")
                }
            })
        case let .attribute(base, name):
            try checkName(name, at: e.position)
            return try member(try eval(base), name, at: e.position)
        case let .item(base, index):
            let container = try eval(base)
            if case let .slice(start, stop, step) = index.kind {
                return try slice(container, start: start.map(eval), stop: stop.map(eval), step: step.map(eval), at: e.position)
            }
            let key = try eval(index)
            if case let .string(name) = key { try checkName(name, at: e.position) }
            return try subscriptValue(container, key, at: e.position)
        case .slice: throw fail(e.position, "a slice outside brackets")
        case let .call(callee, arguments):
            let (positional, keywords) = try evaluate(arguments)
            if case let .name(n) = callee.kind, case .undefined = lookup(n) {
                return try builtin(n, positional, keywords, at: e.position)
            }
            return try call(try eval(callee), positional, keywords, at: e.position)
        case let .filter(base, f): return try applyFilter(f, to: try eval(base))
        case let .test(base, t, negated):
            let result = try applyTest(t, to: try eval(base))
            return .bool(negated ? !result : result)
        case let .unary(op, operand):
            let v = try eval(operand)
            switch op {
            case .not: return .bool(!v.truthy)
            case .negate:
                if case let .int(i) = v { return .int(0 &- i) }
                guard let d = v.number else { throw fail(e.position, "cannot negate a \(v.typeName)") }
                return .double(-d)
            case .plus: return v
            }
        case let .binary(op, lhs, rhs):
            if op == .and { let l = try eval(lhs); return l.truthy ? try eval(rhs) : l }
            if op == .or { let l = try eval(lhs); return l.truthy ? l : try eval(rhs) }
            return try binary(op, try eval(lhs), try eval(rhs), at: e.position)
        case let .conditional(value, condition, alternative):
            if try eval(condition).truthy { return try eval(value) }
            return try alternative.map(eval) ?? .undefined
        }
    }

    func evaluate(_ arguments: [JinjaArgument]) throws -> ([JinjaValue], [(String, JinjaValue)]) {
        var positional: [JinjaValue] = [], keywords: [(String, JinjaValue)] = []
        for a in arguments {
            switch a.style {
            case .positional: positional.append(try eval(a.value))
            case let .keyword(k): keywords.append((k, try eval(a.value)))
            case .star:
                guard case let .list(items) = try eval(a.value) else { throw fail(a.value.position, "*arguments must be a list") }
                positional += items
            case .doubleStar:
                guard case let .dict(items) = try eval(a.value) else { throw fail(a.value.position, "**arguments must be a dict") }
                keywords += items.map { ($0.0.text, $0.1) }
            }
        }
        return (positional, keywords)
    }

    func member(_ value: JinjaValue, _ name: String, at position: JinjaPosition) throws -> JinjaValue {
        switch value {
        case .dict:
            if let v = value.lookup(name) { return v }
            if ["items", "keys", "values", "get"].contains(name) { return .method(value, name) }
            return .undefined
        case let .namespace(i): return namespaces[i].last { $0.0 == name }?.1 ?? .undefined
        case .string:
            let methods = ["strip", "lstrip", "rstrip", "split", "startswith", "endswith", "upper", "lower", "replace", "title",
                           "capitalize", "format", "find", "count", "join", "splitlines", "isdigit", "isspace"]
            // Any other attribute of a string is undefined, as in Jinja.
            return methods.contains(name) ? .method(value, name) : .undefined
        case .list:
            return ["append", "index", "count"].contains(name) ? .method(value, name) : .undefined
        case .undefined, .none: return .undefined
        default: throw fail(position, "a \(value.typeName) has no attribute `\(name)`")
        }
    }

    func subscriptValue(_ container: JinjaValue, _ key: JinjaValue, at position: JinjaPosition) throws -> JinjaValue {
        switch (container, key) {
        case let (.list(l), .int(i)):
            let index = i < 0 ? l.count + i : i
            guard l.indices.contains(index) else { throw fail(position, "list index \(i) out of range") }
            return l[index]
        case let (.string(s), .int(i)):
            let chars = Array(s)
            let index = i < 0 ? chars.count + i : i
            guard chars.indices.contains(index) else { throw fail(position, "string index \(i) out of range") }
            return .string(String(chars[index]))
        case let (.dict, .string(k)), let (.namespace, .string(k)): return try member(container, k, at: position)
        case (.dict, _): return container.lookup(value: key) ?? .undefined
        case (.undefined, _), (.none, _): return .undefined
        default: return .undefined
        }
    }

    func slice(_ value: JinjaValue, start: JinjaValue?, stop: JinjaValue?, step: JinjaValue?, at position: JinjaPosition) throws -> JinjaValue {
        func int(_ v: JinjaValue?) throws -> Int? {
            switch v {
            case nil, .none?: return nil
            case let .int(i)?: return i
            default: throw fail(position, "slice bounds must be integers")
            }
        }
        let stride = try int(step) ?? 1
        guard stride != 0 else { throw fail(position, "slice step cannot be zero") }
        func indices(_ count: Int) throws -> [Int] {
            func clamp(_ v: Int?, _ fallback: Int) -> Int {
                guard var v else { return fallback }
                if v < 0 { v += count }
                return stride > 0 ? min(max(v, 0), count) : min(max(v, -1), count - 1)
            }
            let lower = clamp(try int(start), stride > 0 ? 0 : count - 1)
            let upper = clamp(try int(stop), stride > 0 ? count : -1)
            return Array(Swift.stride(from: lower, to: upper, by: stride))
        }
        switch value {
        case let .list(l): return .list(try indices(l.count).map { l[$0] })
        case let .string(s):
            let chars = Array(s)
            return .string(String(try indices(chars.count).map { chars[$0] }))
        default: throw fail(position, "cannot slice a \(value.typeName)")
        }
    }

    func binary(_ op: JinjaBinaryOperator, _ l: JinjaValue, _ r: JinjaValue, at position: JinjaPosition) throws -> JinjaValue {
        switch op {
        case .concat: return .string(l.text + r.text)
        case .equal: return .bool(l == r)
        case .notEqual: return .bool(l != r)
        case .in, .notIn:
            let contained: Bool
            switch r {
            case let .list(items): contained = items.contains(l)
            case let .dict(d): contained = d.contains { $0.0 == l }
            case let .string(s): contained = s.contains(l.text)
            case .undefined, .none: contained = false
            default: throw fail(position, "`in` needs a list, dict or string, not a \(r.typeName)")
            }
            return .bool(op == .in ? contained : !contained)
        case .add:
            switch (l, r) {
            case let (.string(a), .string(b)):
                let result = a + b
                if result.utf8.count > Self.maxOutput { throw fail(position, "string too long") }
                return .string(result)
            case let (.list(a), .list(b)): return .list(a + b)
            default: break
            }
        case .multiply:
            if case let .string(s) = l, case let .int(n) = r {
                guard n <= 10_000, s.utf8.count * max(n, 0) <= Self.maxOutput else { throw fail(position, "string repetition too large") }
                return .string(String(repeating: s, count: max(n, 0)))
            }
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            let order: Bool
            if case let .string(a) = l, case let .string(b) = r {
                order = op == .less ? a < b : op == .lessOrEqual ? a <= b : op == .greater ? a > b : a >= b
            } else if let a = l.number, let b = r.number {
                order = op == .less ? a < b : op == .lessOrEqual ? a <= b : op == .greater ? a > b : a >= b
            } else {
                throw fail(position, "cannot compare \(l.typeName) and \(r.typeName)")
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
                guard b != 0 else { throw fail(position, "division by zero") }
                // Python's floor division and modulo, in integers (Int.min // -1 wraps rather than trapping).
                var (q, overflow) = a.dividedReportingOverflow(by: b)
                let r = overflow ? 0 : a % b
                if !overflow, r != 0, (r < 0) != (b < 0) { q -= 1 }
                return .int(op == .floorDivide ? q : (r != 0 && (r < 0) != (b < 0) ? r + b : r))
            case .divide:
                guard b != 0 else { throw fail(position, "division by zero") }
                return .double(Double(a) / Double(b))
            case .power:
                let p = pow(Double(a), Double(b))
                return b >= 0 && abs(p) < 9e15 ? .int(Int(p)) : .double(p)
            default: break
            }
        }
        guard let a = l.number, let b = r.number else {
            if l == .undefined || r == .undefined {
                throw fail(position, "`\(op.rawValue)` on an undefined value: the template expects a variable the caller did not provide")
            }
            throw fail(position, "unsupported operand types for \(op.rawValue): \(l.typeName) and \(r.typeName)")
        }
        switch op {
        case .add: return .double(a + b)
        case .subtract: return .double(a - b)
        case .multiply: return .double(a * b)
        case .divide: return b == 0 ? .double(.nan) : .double(a / b)
        case .floorDivide: return .double((a / b).rounded(.down))
        case .modulo: return .double(a - (a / b).rounded(.down) * b)
        case .power: return .double(pow(a, b))
        default: throw fail(position, "unsupported operator \(op.rawValue)")
        }
    }

    func call(_ callee: JinjaValue, _ args: [JinjaValue], _ keywords: [(String, JinjaValue)], at position: JinjaPosition) throws -> JinjaValue {
        switch callee {
        case let .macro(index):
            let m = macros[index]
            depth += 1
            defer { depth -= 1 }
            guard depth <= Self.maxDepth else { throw fail(position, "macros nest deeper than \(Self.maxDepth)") }
            var scope: [String: JinjaValue] = [:]
            for (i, p) in m.parameters.enumerated() {
                if let kw = keywords.last(where: { $0.0 == p.name }) { scope[p.name] = kw.1 } else if i < args.count { scope[p.name] = args[i] } else if let d = p.defaultValue { scope[p.name] = try eval(d) } else { scope[p.name] = .undefined }
            }
            let saved = output
            output = ""
            scopes.append(scope)
            defer { scopes.removeLast() }
            try render(m.body)
            let result = output
            output = saved
            return .string(result)
        case let .method(receiver, name): return try callMethod(receiver, name, args, at: position)
        case .undefined:
            throw fail(position, "call of an undefined function")
        default:
            throw fail(position, "a \(callee.typeName) cannot be called")
        }
    }
}
