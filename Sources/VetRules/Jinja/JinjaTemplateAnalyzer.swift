import VetJinja

/// One suspicious construct found in a template.
struct JinjaIssue: Sendable, Hashable {
    /// Which rule the issue belongs to.
    enum Kind: Sendable, Hashable { case dunder, computedName, escapeObject, critical, templateLoading }

    var kind: Kind
    var position: JinjaPosition
    var message: String
    var evidence: String
}

/// Walks a parsed template and reports sandbox-escape constructs (CVE-2024-34359 class).
struct JinjaTemplateAnalyzer: JinjaVisitor {
    /// Globals whose function objects lead to module globals, or Flask objects exposing config.
    static let escapeGlobals: Set<String> = [
        "cycler", "joiner", "lipsum", "self", "config", "request", "url_for", "get_flashed_messages", "session", "g",
        "os", "subprocess", "sys", "builtins", "importlib", "__builtins__", "__import__", "getattr", "eval", "exec",
        "globals", "locals", "vars", "open", "compile",
    ]
    /// Callable globals that are harmless when called but whose attributes lead to internals.
    static let attributeGuarded: Set<String> = ["namespace", "range", "dict", "raise_exception", "strftime_now"]
    /// Attribute names that execute commands or enumerate classes; reaching one is critical.
    static let commandAttributes: Set<String> = [
        "os", "subprocess", "popen", "system", "spawn", "eval", "exec", "mro", "check_output", "getoutput",
        "import_module", "modules", "builtins", "func_globals", "f_globals", "gi_frame", "environ", "Popen",
    ]
    /// Filters that look attributes up by a name given as an argument.
    static let attributeFilters: Set<String> = ["map", "selectattr", "rejectattr", "sort", "groupby", "sum", "unique",
                                                "min", "max", "dictsort"]

    var evaluator: JinjaConstantEvaluator
    /// Names bound to strings built at render time.
    var computedNames: Set<String>
    /// Names the template binds itself (set, for, macro, with, import).
    var localNames: Set<String>
    var issues: [JinjaIssue] = []

    init(bindings: JinjaBindings) {
        evaluator = JinjaConstantEvaluator(bindings: bindings.constants)
        computedNames = bindings.computed
        localNames = bindings.locals
    }

    mutating func report(_ kind: JinjaIssue.Kind, _ position: JinjaPosition, _ message: String, _ evidence: String) {
        let issue = JinjaIssue(kind: kind, position: position, message: "line \(position): " + message, evidence: evidence)
        if !issues.contains(issue) { issues.append(issue) }
    }

    mutating func visit(node: JinjaNode) {
        // Names the template builds from pieces, wherever they appear: in a lookup or not, a
        // dunder name assembled at render time (`dict(__init__=1)`, `'_'*2 ~ 'class' ~ '_'*2`)
        // has no use in a chat template but to reach Python internals.
        for expression in node.expressions {
            evaluator.clearBuilt()
            _ = evaluator.evaluate(expression)
            for name in evaluator.built where JinjaTemplateAnalyzer.isDunderLike(name) {
                report(.dunder, expression.position, "builds the name '\(name)' from pieces", name)
            }
        }
        switch node.kind {
        case .include: report(.templateLoading, node.position, "includes another template", "include")
        case .importTemplate, .fromImport: report(.templateLoading, node.position, "imports another template", "import")
        case .extends: report(.templateLoading, node.position, "extends another template", "extends")
        default: break
        }
    }

    mutating func visit(blockFilter: JinjaFilterCall, of node: JinjaNode) {
        checkFilter(blockFilter, at: blockFilter.position)
    }

    mutating func visit(expression: JinjaExpression) {
        switch expression.kind {
        case .string(let value):
            if JinjaTemplateAnalyzer.isDunderLike(value) {
                report(.dunder, expression.position, "string literal '\(value)' spells a Python internal name", value)
            }
        case .name(let name):
            if JinjaTemplateAnalyzer.escapeGlobals.contains(name), !localNames.contains(name) {
                report(.escapeObject, expression.position, "refers to '\(name)', a global used to escape the Jinja sandbox", name)
            }
        case .attribute(let base, let name):
            checkAttributeName(name, on: base, at: expression.position)
        case .item(let base, let index):
            checkItem(index, on: base, at: expression.position)
        case .filter(_, let call):
            checkFilter(call, at: call.position)
        case .call(let callee, _):
            if case .name(let name) = callee.kind, ["getattr", "__getattribute__", "attr"].contains(name) {
                report(.computedName, expression.position, "calls '\(name)' to look attributes up by name", name)
            }
            if case .attribute(let base, let method) = callee.kind, method == "format" || method == "format_map" {
                checkFormatString(base, at: expression.position)
            }
        default: break
        }
    }

    mutating func checkAttributeName(_ name: String, on base: JinjaExpression, at position: JinjaPosition) {
        if name.hasPrefix("_") {
            report(.dunder, position, "reads attribute '\(name)'", "." + name)
        }
        if JinjaTemplateAnalyzer.commandAttributes.contains(name) {
            report(.critical, position, "reaches '\(name)', a command-execution or class-enumeration name", "." + name)
        }
        if case .name(let baseName) = base.kind, JinjaTemplateAnalyzer.attributeGuarded.contains(baseName),
           !localNames.contains(baseName) {
            report(.escapeObject, position, "reads attribute '\(name)' of the global '\(baseName)'", baseName + "." + name)
        }
    }

    mutating func checkItem(_ index: JinjaExpression, on base: JinjaExpression, at position: JinjaPosition) {
        if index.stringLiteral != nil {
            if let literal = index.stringLiteral, literal.hasPrefix("_") {
                report(.dunder, position, "reads item '\(literal)'", "['\(literal)']")
            }
            if let literal = index.stringLiteral, JinjaTemplateAnalyzer.commandAttributes.contains(literal) {
                report(.critical, position, "reaches '\(literal)', a command-execution or class-enumeration name", literal)
            }
            return
        }
        checkComputedName(index, at: position, what: "subscript")
        if case .name(let baseName) = base.kind, JinjaTemplateAnalyzer.attributeGuarded.contains(baseName),
           !localNames.contains(baseName) {
            report(.escapeObject, position, "subscripts the global '\(baseName)'", baseName + "[…]")
        }
    }

    mutating func checkFilter(_ call: JinjaFilterCall, at position: JinjaPosition) {
        if call.name == "attr" {
            let name = call.arguments.first.flatMap { evaluator.string($0.value) }
            report(.computedName, position, "uses the 'attr' filter" + (name.map { " to read '\($0)'" } ?? " with a computed name"),
                   "attr(" + (name ?? "…") + ")")
            if let name, name.hasPrefix("_") { report(.dunder, position, "reads attribute '\(name)' through 'attr'", name) }
            if let name, JinjaTemplateAnalyzer.commandAttributes.contains(name) {
                report(.critical, position, "reaches '\(name)' through 'attr'", name)
            }
            return
        }
        guard JinjaTemplateAnalyzer.attributeFilters.contains(call.name) else { return }
        for argument in call.arguments {
            let isAttributeArgument = argument.style == .keyword("attribute")
                || (argument.style == .positional && (call.name == "map" || call.name.hasSuffix("attr")))
            guard isAttributeArgument, argument.value.stringLiteral == nil else { continue }
            checkComputedName(argument.value, at: position, what: "'\(call.name)' attribute argument")
        }
    }

    /// `str.format` reaches attributes and items named inside its fields (`'{0.__init__}'.format(x)`):
    /// the same lookups as `x.__init__`, written where a scanner reading expressions does not look.
    mutating func checkFormatString(_ base: JinjaExpression, at position: JinjaPosition) {
        guard let format = evaluator.string(base) else { return }
        let pieces: [JinjaOperations.FormatPiece]
        do { pieces = try JinjaOperations.formatPieces(format) } catch {
            return  // not a valid format string: the call fails when rendered and reaches nothing
        }
        for case let .field(field) in pieces {
            for name in field.names {
                if name.hasPrefix("_") {
                    report(.dunder, position, "format string field reads '\(name)'", "{" + field.argument + field.accesses.joined() + "}")
                }
                if JinjaTemplateAnalyzer.commandAttributes.contains(name) {
                    report(.critical, position, "format string field reaches '\(name)'", "{" + field.argument + field.accesses.joined() + "}")
                }
            }
        }
    }

    /// Reports a lookup whose name is assembled rather than literal.
    mutating func checkComputedName(_ index: JinjaExpression, at position: JinjaPosition, what: String) {
        if let folded = evaluator.string(index) {
            report(.computedName, position, "\(what) uses a name built at render time: '\(folded)'", folded)
            if folded.hasPrefix("_") { report(.dunder, position, "\(what) resolves to '\(folded)'", folded) }
            if JinjaTemplateAnalyzer.commandAttributes.contains(folded) {
                report(.critical, position, "\(what) resolves to '\(folded)'", folded)
            }
        } else if JinjaBindings.isStringConstruction(index, computed: computedNames) {
            report(.computedName, position, "\(what) uses a name built at render time", "[…]")
        }
    }

    /// Whether a literal spells a dunder name or a fragment of one (`__cla`, `ss__`, `__`).
    static func isDunderLike(_ value: String) -> Bool {
        guard value.utf8.count <= 64, !value.contains(where: { $0.isWhitespace }) else { return false }
        let identifierish = value.allSatisfy { $0 == "_" || $0.isLetter || $0.isNumber || $0 == "." }
        guard identifierish else { return false }
        return value.hasPrefix("__") || value.hasSuffix("__") || value.contains("._")
    }
}
