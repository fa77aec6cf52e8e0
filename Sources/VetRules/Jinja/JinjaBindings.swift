import VetJinja

/// What a template's own assignments tell about its variables: constant strings, names built at
/// render time, and every name it binds.
struct JinjaBindings: JinjaVisitor {
    /// Names set to values that evaluate to constants.
    var constants: [String: JinjaValue] = [:]
    /// Names set to strings assembled at render time.
    var computed: Set<String> = []
    /// Every name the template binds.
    var locals: Set<String> = []
    /// `(target, value)` pairs from `set`, `with` and `for` to resolve to a fixed point.
    var assignments: [(target: String, value: JinjaExpression, isLoop: Bool)] = []

    /// String-producing filters: a lookup key that passes through one is computed.
    static let stringFilters: Set<String> = [
        "join", "replace", "format", "lower", "upper", "reverse", "string", "title", "capitalize", "trim", "center",
        "first", "last", "striptags", "safe", "e", "escape", "forceescape", "indent", "wordwrap", "truncate",
        "urlencode", "list", "random", "batch", "slice",
    ]
    /// String methods that produce new strings.
    static let stringMethods: Set<String> = [
        "format", "join", "replace", "lower", "upper", "strip", "lstrip", "rstrip", "title", "capitalize",
        "swapcase", "casefold", "center", "ljust", "rjust", "zfill", "translate", "encode", "decode", "expandtabs",
        "removeprefix", "removesuffix", "format_map", "__add__", "__mul__", "__getitem__",
    ]

    /// Gathers the bindings of `template`.
    static func of(_ template: JinjaTemplate) -> JinjaBindings {
        var bindings = JinjaBindings()
        template.walk(&bindings)
        bindings.resolve()
        return bindings
    }

    mutating func visit(node: JinjaNode) {
        switch node.kind {
        case .set(let target, let value):
            bind(target, value, isLoop: false)
        case .setBlock(let target, _, _):
            for name in JinjaBindings.names(in: target) { locals.insert(name); computed.insert(name) }
        case .forLoop(let loop):
            bind(loop.target, loop.iterable, isLoop: true)
        case .with(let assignments, _):
            for assignment in assignments { bind(assignment.target, assignment.value, isLoop: false) }
        case .macro(let macro):
            locals.insert(macro.name)
            // A macro call renders text, so a macro's result used as a key is a built name.
            computed.insert(macro.name + "()")
            locals.formUnion(macro.parameters.map(\.name))
        case .callBlock(_, let parameters, _):
            locals.formUnion(parameters.map(\.name))
        case .importTemplate(_, let alias):
            locals.insert(alias)
        case .fromImport(_, let names):
            locals.formUnion(names.map { $0.alias ?? $0.name })
        default: break
        }
    }

    mutating func bind(_ target: JinjaExpression, _ value: JinjaExpression, isLoop: Bool) {
        let names = JinjaBindings.names(in: target)
        locals.formUnion(names)
        guard names.count == 1, let name = names.first else { return }
        if case .name = target.kind { assignments.append((name, value, isLoop)) }
    }

    static func names(in target: JinjaExpression) -> [String] {
        switch target.kind {
        case .name(let name): [name]
        case .tuple(let items): items.flatMap(names(in:))
        default: []
        }
    }

    /// Propagates constants and computed names through chains of assignments.
    mutating func resolve() {
        for _ in 0..<8 {
            var changed = false
            for (target, value, isLoop) in assignments {
                var evaluator = JinjaConstantEvaluator(bindings: constants)
                if !isLoop, constants[target] == nil, let folded = evaluator.evaluate(value) {
                    constants[target] = folded
                    changed = true
                }
                let isComputed = isLoop ? JinjaBindings.iteratesStrings(value, computed: computed)
                    : JinjaBindings.isStringConstruction(value, computed: computed)
                if isComputed, !computed.contains(target) {
                    computed.insert(target)
                    changed = true
                }
            }
            if !changed { return }
        }
    }

    /// Whether a loop over `iterable` yields assembled strings or literal name fragments.
    static func iteratesStrings(_ iterable: JinjaExpression, computed: Set<String>) -> Bool {
        switch iterable.kind {
        case .list(let items), .tuple(let items): items.contains { $0.stringLiteral != nil || isStringConstruction($0, computed: computed) }
        case .string: true
        default: isStringConstruction(iterable, computed: computed)
        }
    }

    /// Whether `expression` builds a string at render time rather than naming one literally.
    static func isStringConstruction(_ expression: JinjaExpression, computed: Set<String>) -> Bool {
        switch expression.kind {
        case .name(let name): return computed.contains(name)
        case .binary(let op, let lhs, let rhs):
            switch op {
            case .concat: return true
            case .add, .modulo, .multiply:
                return [lhs, rhs].contains { $0.stringLiteral != nil || isStringConstruction($0, computed: computed) }
            default: return false
            }
        case .filter(let base, let call):
            return stringFilters.contains(call.name) || isStringConstruction(base, computed: computed)
        case .call(let callee, _):
            switch callee.kind {
            case .attribute(_, let method): return stringMethods.contains(method)
            case .name(let name): return computed.contains(name + "()") || name == "caller"
            default: return false
            }
        case .item(let base, let index):
            if case .slice = index.kind { return true }
            return base.stringLiteral != nil || isStringConstruction(base, computed: computed)
        case .conditional(let value, _, let alternative):
            return isStringConstruction(value, computed: computed)
                || alternative.map { isStringConstruction($0, computed: computed) } ?? false
        default: return false
        }
    }
}
