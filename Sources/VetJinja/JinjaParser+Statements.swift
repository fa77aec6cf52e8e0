extension JinjaParser {
    /// Parses one `{% … %}` statement; `current` is the tag name, and the statement's
    /// closing `%}` (and any end tag) is consumed.
    mutating func parseStatement(at position: JinjaPosition) throws(JinjaError) -> JinjaNode {
        let nameToken = current
        guard case .name(let keyword) = nameToken.kind else { throw error("expected a statement name, got \(current.display)") }
        _ = advance()
        switch keyword {
        case "if": return try parseIf(at: position)
        case "for": return try parseFor(at: position)
        case "set": return try parseSet(at: position)
        case "macro": return try parseMacro(at: position)
        case "call": return try parseCallBlock(at: position)
        case "filter":
            let filters = try parseFilterChain(requireLeadingPipe: false)
            try expectBlockEnd()
            let body = try parseBody(endingWith: "endfilter")
            return try node(.filterBlock(filters: filters, body: body), at: position)
        case "with": return try parseWith(at: position)
        case "include", "import", "from", "extends": return try parseTemplateLoad(keyword, at: position)
        case "block":
            let name = try expectAnyName()
            _ = skipName("scoped")
            _ = skipName("required")
            try expectBlockEnd()
            let body = try subparse(until: ["endblock"])
            _ = advance()
            if case .name = current.kind, !(current.kind == .blockEnd) { _ = advance() }
            try expectBlockEnd()
            return try node(.block(name: name, body: body), at: position)
        case "generation":
            try expectBlockEnd()
            return try node(.generation(try parseBody(endingWith: "endgeneration")), at: position)
        case "autoescape":
            let value = try parseExpression()
            try expectBlockEnd()
            return try node(.autoescape(value, body: try parseBody(endingWith: "endautoescape")), at: position)
        case "do":
            let value = try parseTuple()
            try expectBlockEnd()
            return try node(.doExpression(value), at: position)
        case "print":
            let value = try parseTuple()
            try expectBlockEnd()
            return try node(.printExpression(value), at: position)
        case "break", "continue":
            guard loopDepth > 0 else { throw error("'\(keyword)' outside loop", at: nameToken) }
            try expectBlockEnd()
            return try node(keyword == "break" ? .breakLoop : .continueLoop, at: position)
        default:
            throw error("encountered unknown tag '\(keyword)'", at: nameToken)
        }
    }

    /// Parses a body up to `{% end %}`, consuming the end tag.
    mutating func parseBody(endingWith end: String) throws(JinjaError) -> [JinjaNode] {
        let body = try subparse(until: [end])
        _ = advance()
        try expectBlockEnd()
        return body
    }

    mutating func parseIf(at position: JinjaPosition) throws(JinjaError) -> JinjaNode {
        var branches: [JinjaConditionalBranch] = []
        var otherwise: [JinjaNode]?
        var condition = try parseTuple(withConditional: false)
        while true {
            try expectBlockEnd()
            let body = try subparse(until: ["elif", "else", "endif"])
            branches.append(JinjaConditionalBranch(condition: condition, body: body))
            let keyword = advance()
            if keyword.isName("elif") {
                condition = try parseTuple(withConditional: false)
                continue
            }
            if keyword.isName("else") {
                try expectBlockEnd()
                otherwise = try subparse(until: ["endif"])
                _ = advance()
            }
            try expectBlockEnd()
            return try node(.ifBlock(branches: branches, otherwise: otherwise), at: position)
        }
    }

    mutating func parseFor(at position: JinjaPosition) throws(JinjaError) -> JinjaNode {
        let target = try parseAssignTarget(allowNamespace: false, endNames: ["in"])
        try expectName("in")
        let iterable = try parseTuple(withConditional: false, endNames: ["recursive"])
        var filter: JinjaExpression?
        if skipName("if") { filter = try parseExpression() }
        let recursive = skipName("recursive")
        try expectBlockEnd()
        loopDepth += 1
        let body = try subparse(until: ["endfor", "else"])
        loopDepth -= 1
        var otherwise: [JinjaNode]?
        if advance().isName("else") {
            try expectBlockEnd()
            otherwise = try subparse(until: ["endfor"])
            _ = advance()
        }
        try expectBlockEnd()
        let loop = JinjaForLoop(target: target, iterable: iterable, filter: filter, recursive: recursive,
                                body: body, otherwise: otherwise)
        return try node(.forLoop(loop), at: position)
    }

    mutating func parseSet(at position: JinjaPosition) throws(JinjaError) -> JinjaNode {
        let target = try parseAssignTarget(allowNamespace: true, endNames: [])
        if skipSymbol("=") {
            let value = try parseTuple()
            try expectBlockEnd()
            return try node(.set(target: target, value: value), at: position)
        }
        let filters = current.isSymbol("|") ? try parseFilterChain(requireLeadingPipe: true) : []
        try expectBlockEnd()
        let body = try parseBody(endingWith: "endset")
        return try node(.setBlock(target: target, filters: filters, body: body), at: position)
    }

    mutating func parseMacro(at position: JinjaPosition) throws(JinjaError) -> JinjaNode {
        let name = try expectAnyName()
        let parameters = try parseSignature()
        try expectBlockEnd()
        let outerLoops = loopDepth
        loopDepth = 0
        let body = try parseBody(endingWith: "endmacro")
        loopDepth = outerLoops
        return try node(.macro(JinjaMacro(name: name, parameters: parameters, body: body)), at: position)
    }

    mutating func parseCallBlock(at position: JinjaPosition) throws(JinjaError) -> JinjaNode {
        let parameters = current.isSymbol("(") ? try parseSignature() : []
        let call = try parseExpression()
        guard case .call = call.kind else { throw error("expected a call after 'call'", at: nil) }
        try expectBlockEnd()
        let outerLoops = loopDepth
        loopDepth = 0
        let body = try parseBody(endingWith: "endcall")
        loopDepth = outerLoops
        return try node(.callBlock(call: call, parameters: parameters, body: body), at: position)
    }

    /// Parses `(a, b=default, …)`.
    mutating func parseSignature() throws(JinjaError) -> [JinjaParameter] {
        try expectSymbol("(")
        var parameters: [JinjaParameter] = []
        while !current.isSymbol(")") {
            if !parameters.isEmpty { try expectSymbol(",") }
            if current.isSymbol(")") { break }
            let name = try expectAnyName()
            let defaultValue: JinjaExpression? = skipSymbol("=") ? try parseExpression() : nil
            if defaultValue == nil, parameters.contains(where: { $0.defaultValue != nil }) {
                throw error("non-default argument follows default argument")
            }
            parameters.append(JinjaParameter(name: name, defaultValue: defaultValue))
        }
        try expectSymbol(")")
        return parameters
    }

    mutating func parseWith(at position: JinjaPosition) throws(JinjaError) -> JinjaNode {
        var assignments: [JinjaAssignment] = []
        while current.kind != .blockEnd {
            if !assignments.isEmpty { try expectSymbol(",") }
            let target = try parseAssignTarget(allowNamespace: false, endNames: [])
            try expectSymbol("=")
            assignments.append(JinjaAssignment(target: target, value: try parseExpression()))
        }
        try expectBlockEnd()
        let body = try parseBody(endingWith: "endwith")
        return try node(.with(assignments: assignments, body: body), at: position)
    }

    mutating func parseTemplateLoad(_ keyword: String, at position: JinjaPosition) throws(JinjaError) -> JinjaNode {
        let template = try parseExpression()
        let result: JinjaNode.Kind
        switch keyword {
        case "include":
            var ignoreMissing = false
            if current.isName("ignore"), peek().isName("missing") { _ = advance(); _ = advance(); ignoreMissing = true }
            try skipContextModifier()
            result = .include(template: template, ignoreMissing: ignoreMissing)
        case "import":
            try expectName("as")
            result = .importTemplate(template: template, alias: try expectAnyName())
            try skipContextModifier()
        case "from":
            try expectName("import")
            var names: [JinjaImportedName] = []
            while current.kind != .blockEnd {
                if current.isName("with") || current.isName("without"), peek().isName("context") { break }
                if !names.isEmpty { try expectSymbol(",") }
                let name = try expectAnyName()
                names.append(JinjaImportedName(name: name, alias: skipName("as") ? try expectAnyName() : nil))
            }
            try skipContextModifier()
            result = .fromImport(template: template, names: names)
        default:
            result = .extends(template)
        }
        try expectBlockEnd()
        return try node(result, at: position)
    }

    mutating func skipContextModifier() throws(JinjaError) {
        if (current.isName("with") || current.isName("without")), peek().isName("context") {
            _ = advance(); _ = advance()
        }
    }

    /// Parses an assignment target: a name, `ns.attr` (for `set` only), or a tuple of names.
    mutating func parseAssignTarget(allowNamespace: Bool, endNames: Set<String>) throws(JinjaError) -> JinjaExpression {
        let start = current
        if allowNamespace, case .name(let base) = start.kind, peek().isSymbol(".") {
            _ = advance(); _ = advance()
            let attribute = try expectAnyName()
            let baseExpression = try expression(.name(base), at: start.position)
            return try expression(.attribute(baseExpression, attribute), at: start.position)
        }
        let target = try parseTuple(simplified: true, endNames: endNames)
        try checkAssignable(target)
        return target
    }

    func checkAssignable(_ target: JinjaExpression) throws(JinjaError) {
        switch target.kind {
        case .name(let name):
            if ["true", "false", "none", "True", "False", "None"].contains(name) {
                throw JinjaError(.syntax, at: target.position, "cannot assign to '\(name)'")
            }
        case .tuple(let items): for item in items { try checkAssignable(item) }
        default: throw JinjaError(.syntax, at: target.position, "cannot assign to this expression")
        }
    }
}
