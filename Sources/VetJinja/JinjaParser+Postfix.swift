extension JinjaParser {
    /// Parses `.name`, `[index]` and `(args)` after a primary.
    mutating func parsePostfix(_ base: JinjaExpression) throws(JinjaError) -> JinjaExpression {
        var value = base
        while true {
            if current.isSymbol(".") || current.isSymbol("[") {
                value = try parseSubscript(value)
            } else if current.isSymbol("(") {
                value = try expression(.call(value, try parseCallArguments()), at: value.position)
            } else {
                return value
            }
        }
    }

    /// Parses filters, tests and calls after a postfix expression (Jinja's `parse_filter_expr`).
    mutating func parseFilterExpression(_ base: JinjaExpression) throws(JinjaError) -> JinjaExpression {
        var value = base
        while true {
            if current.isSymbol("|") {
                for call in try parseFilterChain(requireLeadingPipe: true, single: true) {
                    value = try expression(.filter(value, call), at: value.position)
                }
            } else if current.isName("is") {
                value = try parseTest(value)
            } else if current.isSymbol("(") {
                value = try expression(.call(value, try parseCallArguments()), at: value.position)
            } else {
                return value
            }
        }
    }

    mutating func parseSubscript(_ base: JinjaExpression) throws(JinjaError) -> JinjaExpression {
        let token = advance()
        if token.isSymbol(".") {
            let attributeToken = advance()
            switch attributeToken.kind {
            case .name(let name):
                return try expression(.attribute(base, name), at: base.position)
            case .integer(let digits):
                let index = try expression(.integer(digits), at: attributeToken.position)
                return try expression(.item(base, index), at: base.position)
            default:
                throw error("expected a name or number after '.', got \(attributeToken.display)", at: attributeToken)
            }
        }
        var items: [JinjaExpression] = []
        while !current.isSymbol("]") {
            if !items.isEmpty { try expectSymbol(",") }
            if current.isSymbol("]") { break }
            items.append(try parseSubscribed())
        }
        try expectSymbol("]")
        let index: JinjaExpression
        if items.count == 1, let only = items.first {
            index = only
        } else if items.isEmpty {
            throw error("expected a subscript expression", at: token)
        } else {
            index = try expression(.tuple(items), at: token.position)
        }
        return try expression(.item(base, index), at: base.position)
    }

    /// Parses one subscript item, which may be a slice `a:b:c`.
    mutating func parseSubscribed() throws(JinjaError) -> JinjaExpression {
        let start = current.position
        var parts: [JinjaExpression?] = []
        if current.isSymbol(":") {
            parts.append(nil)
        } else {
            let value = try parseExpression()
            guard current.isSymbol(":") else { return value }
            parts.append(value)
        }
        _ = advance()
        parts.append(current.isSymbol("]") || current.isSymbol(",") || current.isSymbol(":") ? nil : try parseExpression())
        if skipSymbol(":") {
            parts.append(current.isSymbol("]") || current.isSymbol(",") ? nil : try parseExpression())
        } else {
            parts.append(nil)
        }
        return try expression(.slice(start: parts[0], stop: parts[1], step: parts[2]), at: start)
    }

    /// Parses `(positional, name=value, *args, **kwargs)`.
    mutating func parseCallArguments() throws(JinjaError) -> [JinjaArgument] {
        try expectSymbol("(")
        var arguments: [JinjaArgument] = []
        while !current.isSymbol(")") {
            if !arguments.isEmpty { try expectSymbol(",") }
            if current.isSymbol(")") { break }
            if skipSymbol("**") {
                arguments.append(JinjaArgument(.doubleStar, try parseExpression()))
            } else if skipSymbol("*") {
                arguments.append(JinjaArgument(.star, try parseExpression()))
            } else if case .name(let name) = current.kind, peek().isSymbol("=") {
                _ = advance(); _ = advance()
                arguments.append(JinjaArgument(.keyword(name), try parseExpression()))
            } else {
                if arguments.contains(where: { $0.style != .positional }) {
                    throw error("positional argument follows keyword or unpacked arguments")
                }
                arguments.append(JinjaArgument(.positional, try parseExpression()))
            }
        }
        try expectSymbol(")")
        return arguments
    }

    /// Parses `| f(args) | g …` (or `f | g` after `{% filter`); `single` stops after one filter.
    mutating func parseFilterChain(requireLeadingPipe: Bool, single: Bool = false) throws(JinjaError) -> [JinjaFilterCall] {
        var calls: [JinjaFilterCall] = []
        var needPipe = requireLeadingPipe
        while true {
            if needPipe { guard skipSymbol("|") else { return calls } }
            let position = current.position
            let name = try parseDottedName()
            let arguments = current.isSymbol("(") ? try parseCallArguments() : []
            try count()
            calls.append(JinjaFilterCall(name: name, arguments: arguments, position: position))
            if single { return calls }
            needPipe = true
        }
    }

    mutating func parseDottedName() throws(JinjaError) -> String {
        var name = try expectAnyName()
        while current.isSymbol("."), case .name(let part) = peek().kind {
            _ = advance(); _ = advance()
            name += "." + part
        }
        return name
    }

    /// Parses `is [not] name`, with arguments in parentheses or one bare argument.
    mutating func parseTest(_ base: JinjaExpression) throws(JinjaError) -> JinjaExpression {
        _ = advance()
        let negated = skipName("not")
        let position = current.position
        let name = try parseDottedName()
        var arguments: [JinjaArgument] = []
        if current.isSymbol("(") {
            arguments = try parseCallArguments()
        } else if startsBareTestArgument() {
            if current.isName("is") { throw error("you cannot chain multiple tests with 'is'") }
            arguments = [JinjaArgument(.positional, try parsePostfix(try parsePrimary()))]
        }
        try count()
        let call = JinjaFilterCall(name: name, arguments: arguments, position: position)
        return try expression(.test(base, call, negated: negated), at: base.position)
    }

    func startsBareTestArgument() -> Bool {
        switch current.kind {
        case .name(let name): return !["else", "or", "and"].contains(name)
        case .string, .integer, .float: return true
        case .symbol(let text): return text == "[" || text == "{" // "(" is handled as a call
        default: return false
        }
    }
}
