/// Works out, without any runtime data, what a template's expressions evaluate to where that
/// does not depend on the caller's variables: the names a template builds from pieces
/// (`'__cla' ~ 'ss__'`, `['_','_','init','_','_']|join`, `dict(__init__=1)|list|first`,
/// `'%sclass%s'|format('__','__')`) are seen for what they are.
///
/// Every operation goes through `JinjaOperations`, the code the engine's renderer runs, so the
/// two cannot disagree on a result. A value that depends on something unknown is `nil`.
public struct JinjaConstantEvaluator {
    /// Values of names the template assigns from constants.
    public var bindings: [String: JinjaValue]
    /// Strings produced by operations (not written as literals) since `clearBuilt()`, including
    /// dict keys from keyword names, in evaluation order; at most `maxBuilt`.
    public private(set) var built: [String] = []

    /// Most strings kept in `built`.
    public static let maxBuilt = 10_000
    /// Deepest expression evaluated (templates are parsed with a lower nesting limit).
    static let maxDepth = 256

    /// Creates an evaluator over constant bindings.
    public init(bindings: [String: JinjaValue] = [:]) { self.bindings = bindings }

    /// Forgets the strings built so far.
    public mutating func clearBuilt() { built.removeAll(keepingCapacity: true) }

    /// The constant value of `expression`, or `nil` when it depends on runtime data.
    public mutating func evaluate(_ expression: JinjaExpression) -> JinjaValue? { eval(expression, depth: 0) }

    /// The constant string `expression` evaluates to, if any (numbers count, as `~` prints them).
    public mutating func string(_ expression: JinjaExpression) -> String? {
        switch evaluate(expression) {
        case let .string(s)?: s
        default: nil
        }
    }

    private mutating func eval(_ e: JinjaExpression, depth: Int) -> JinjaValue? {
        guard depth < Self.maxDepth else { return nil }
        let next = depth + 1
        let result: JinjaValue?
        switch e.kind {
        case let .string(s): return .string(s)
        case let .integer(text): return Int(text.filter { $0 != "_" }).map(JinjaValue.int)
        case let .float(text): return Double(text.filter { $0 != "_" }).map(JinjaValue.double)
        case let .boolean(b): return .bool(b)
        case .none: return JinjaValue.none
        case let .name(n): return bindings[n]
        case let .list(items), let .tuple(items):
            let values = items.map { eval($0, depth: next) }
            result = values.allSatisfy { $0 != nil } ? .list(values.compactMap { $0 }) : nil
        case let .dict(entries):
            var pairs: [(JinjaValue, JinjaValue)] = []
            var known = true
            for entry in entries {
                let key = eval(entry.key, depth: next), value = eval(entry.value, depth: next)
                if let key, let value { pairs.append((key, value)) } else { known = false }
            }
            result = known ? .dict(pairs) : nil
        case let .attribute(base, name):
            result = eval(base, depth: next).flatMap { value in attempt { () throws(JinjaEvaluationError) in try JinjaOperations.member(value, name) } }
        case let .item(base, index):
            let container = eval(base, depth: next)
            if case let .slice(start, stop, step) = index.kind {
                let bounds = [start, stop, step].map { $0.map { eval($0, depth: next) } }
                guard let container, bounds.allSatisfy({ $0.map { $0 != nil } ?? true }) else { result = nil; break }
                result = attempt { () throws(JinjaEvaluationError) in
                    try JinjaOperations.slice(container, start: bounds[0] ?? nil, stop: bounds[1] ?? nil, step: bounds[2] ?? nil)
                }
            } else {
                let key = eval(index, depth: next)
                guard let container, let key else { result = nil; break }
                result = attempt { () throws(JinjaEvaluationError) in try JinjaOperations.subscriptValue(container, key) }
            }
        case .slice: return nil
        case let .call(callee, arguments):
            let (args, keywords) = evaluateArguments(arguments, depth: next)
            switch callee.kind {
            case let .name(function) where bindings[function] == nil:
                switch function {
                case "dict", "namespace":
                    // Keyword names become keys: how names are built without a string literal.
                    for (name, _) in keywords ?? [] { note(name) }
                    result = keywords.map(JinjaOperations.dict)
                case "range":
                    result = args.flatMap { values in attempt { () throws(JinjaEvaluationError) in try JinjaOperations.range(values) } }
                default: result = nil
                }
            case let .attribute(base, method):
                let receiver = eval(base, depth: next)
                guard let receiver, let args, let keywords else { result = nil; break }
                result = attempt { () throws(JinjaEvaluationError) in try JinjaOperations.callMethod(receiver, method, args, keywords) }
            default:
                _ = eval(callee, depth: next)
                result = nil
            }
        case let .filter(base, call):
            let value = eval(base, depth: next)
            let (args, keywords) = evaluateArguments(call.arguments, depth: next)
            guard let value, let args, let keywords else { result = nil; break }
            result = attempt { () throws(JinjaEvaluationError) in try JinjaOperations.filter(call.name, value, args, keywords) }
        case let .test(base, call, negated):
            let value = eval(base, depth: next)
            let (args, _) = evaluateArguments(call.arguments, depth: next)
            guard let value, let args else { result = nil; break }
            result = attempt { () throws(JinjaEvaluationError) in .bool(try JinjaOperations.test(call.name, value, args) != negated) }
        case let .unary(op, operand):
            guard let value = eval(operand, depth: next) else { result = nil; break }
            switch op {
            case .not: result = .bool(!value.truthy)
            case .plus: result = value
            case .negate:
                if case let .int(i) = value { result = .int(0 &- i) } else { result = value.number.map { .double(-$0) } }
            }
        case let .binary(op, lhs, rhs):
            let left = eval(lhs, depth: next), right = eval(rhs, depth: next)
            switch op {
            case .and: result = left.flatMap { $0.truthy ? right : $0 }
            case .or: result = left.flatMap { $0.truthy ? $0 : right }
            default:
                guard let left, let right else { result = nil; break }
                result = attempt { () throws(JinjaEvaluationError) in try JinjaOperations.binary(op, left, right) }
            }
        case let .conditional(value, condition, alternative):
            let chosen = eval(value, depth: next)
            let test = eval(condition, depth: next)
            let other = alternative.map { eval($0, depth: next) } ?? .undefined
            if let test { result = test.truthy ? chosen : other } else { result = chosen }
        }
        if let result { note(result) }
        return result
    }

    /// Positional and keyword arguments, or `nil` for each list when any of it is unknown.
    private mutating func evaluateArguments(_ arguments: [JinjaArgument], depth: Int) -> ([JinjaValue]?, [(String, JinjaValue)]?) {
        var positional: [JinjaValue]? = []
        var keywords: [(String, JinjaValue)]? = []
        for argument in arguments {
            let value = eval(argument.value, depth: depth)
            switch argument.style {
            case .positional:
                if let value { positional?.append(value) } else { positional = nil }
            case let .keyword(name):
                if let value { keywords?.append((name, value)) } else { keywords = nil }
            case .star:
                if case let .list(items)? = value { positional?.append(contentsOf: items) } else { positional = nil }
            case .doubleStar:
                if case let .dict(items)? = value { keywords?.append(contentsOf: items.map { ($0.0.text, $0.1) }) } else { keywords = nil }
            }
        }
        return (positional, keywords)
    }

    /// Runs a shared operation; an error means the renderer would fail there, so nothing is known.
    private func attempt(_ body: () throws(JinjaEvaluationError) -> JinjaValue) -> JinjaValue? {
        do { return try body() } catch { return nil }
    }

    /// Records the strings a computed value holds.
    private mutating func note(_ value: JinjaValue) {
        switch value {
        case let .string(s): note(s)
        case let .list(items): for case let .string(s) in items.prefix(256) { note(s) }
        case let .dict(entries): for case let .string(s) in entries.prefix(256).map(\.0) { note(s) }
        default: break
        }
    }

    private mutating func note(_ text: String) {
        if built.count < Self.maxBuilt, text.utf8.count <= 256 { built.append(text) }
    }
}
