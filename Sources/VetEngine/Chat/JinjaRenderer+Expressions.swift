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
        if case let .namespace(i) = value { return namespaces[i].last { $0.0 == name }?.1 ?? .undefined }
        return try shared(position) { () throws(JinjaEvaluationError) in try JinjaOperations.member(value, name) }
    }

    func subscriptValue(_ container: JinjaValue, _ key: JinjaValue, at position: JinjaPosition) throws -> JinjaValue {
        if case .namespace = container, case let .string(k) = key { return try member(container, k, at: position) }
        return try shared(position) { () throws(JinjaEvaluationError) in try JinjaOperations.subscriptValue(container, key) }
    }

    func slice(_ value: JinjaValue, start: JinjaValue?, stop: JinjaValue?, step: JinjaValue?, at position: JinjaPosition) throws -> JinjaValue {
        try shared(position) { () throws(JinjaEvaluationError) in try JinjaOperations.slice(value, start: start, stop: stop, step: step) }
    }

    func binary(_ op: JinjaBinaryOperator, _ l: JinjaValue, _ r: JinjaValue, at position: JinjaPosition) throws -> JinjaValue {
        try shared(position) { () throws(JinjaEvaluationError) in try JinjaOperations.binary(op, l, r) }
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
        case let .method(receiver, name):
            return try shared(position) { () throws(JinjaEvaluationError) in try JinjaOperations.callMethod(receiver, name, args, keywords) }
        case .undefined:
            throw fail(position, "call of an undefined function")
        default:
            throw fail(position, "a \(callee.typeName) cannot be called")
        }
    }
}
