extension JinjaParser {
    /// Parses comma-separated expressions, producing a tuple when a comma appears
    /// (Jinja's `parse_tuple`).
    mutating func parseTuple(simplified: Bool = false, withConditional: Bool = true, endNames: Set<String> = [],
                             explicitParentheses: Bool = false) throws(JinjaError) -> JinjaExpression {
        let start = current.position
        var items: [JinjaExpression] = []
        var isTuple = false
        while true {
            if !items.isEmpty { try expectSymbol(",") }
            if isTupleEnd(endNames) { break }
            items.append(simplified ? try parsePrimary() : try parseExpression(withConditional: withConditional))
            if current.isSymbol(",") { isTuple = true } else { break }
        }
        if !isTuple {
            if let only = items.first { return only }
            guard explicitParentheses else { throw error("expected an expression, got \(current.display)") }
        }
        return try expression(.tuple(items), at: start)
    }

    func isTupleEnd(_ endNames: Set<String>) -> Bool {
        switch current.kind {
        case .variableEnd, .blockEnd: return true
        case .symbol(")"): return true
        case .name(let name): return endNames.contains(name)
        default: return false
        }
    }

    /// Parses one expression, including an inline `if … else …` unless `withConditional` is false.
    mutating func parseExpression(withConditional: Bool = true) throws(JinjaError) -> JinjaExpression {
        try nested { (parser: inout JinjaParser) throws(JinjaError) -> JinjaExpression in
            var value = try parser.parseOr()
            guard withConditional else { return value }
            while parser.skipName("if") {
                let condition = try parser.parseOr()
                let alternative: JinjaExpression? = parser.skipName("else") ? try parser.parseExpression() : nil
                value = try parser.expression(.conditional(value: value, condition: condition, alternative: alternative),
                                              at: value.position)
            }
            return value
        }
    }

    mutating func parseOr() throws(JinjaError) -> JinjaExpression {
        var left = try parseAnd()
        while skipName("or") { left = try expression(.binary(.or, left, try parseAnd()), at: left.position) }
        return left
    }

    mutating func parseAnd() throws(JinjaError) -> JinjaExpression {
        var left = try parseNot()
        while skipName("and") { left = try expression(.binary(.and, left, try parseNot()), at: left.position) }
        return left
    }

    mutating func parseNot() throws(JinjaError) -> JinjaExpression {
        let start = current.position
        if skipName("not") {
            return try nested { (parser: inout JinjaParser) throws(JinjaError) -> JinjaExpression in
                try parser.expression(.unary(.not, try parser.parseNot()), at: start)
            }
        }
        return try parseCompare()
    }

    /// Comparisons chain like Python's: `a < b < c` becomes `a < b and b < c`.
    mutating func parseCompare() throws(JinjaError) -> JinjaExpression {
        let first = try parseMath1()
        var result: JinjaExpression?
        var left = first
        let symbols: [String: JinjaBinaryOperator] = ["==": .equal, "!=": .notEqual, "<": .less, "<=": .lessOrEqual,
                                                      ">": .greater, ">=": .greaterOrEqual]
        while true {
            let op: JinjaBinaryOperator
            if case .symbol(let text) = current.kind, let match = symbols[text] {
                op = match
                _ = advance()
            } else if current.isName("in") {
                op = .in
                _ = advance()
            } else if current.isName("not"), peek().isName("in") {
                op = .notIn
                _ = advance(); _ = advance()
            } else {
                break
            }
            let right = try parseMath1()
            let comparison = try expression(.binary(op, left, right), at: left.position)
            result = try result.map { (previous) throws(JinjaError) in
                try expression(.binary(.and, previous, comparison), at: first.position)
            } ?? comparison
            left = right
        }
        return result ?? first
    }

    mutating func parseMath1() throws(JinjaError) -> JinjaExpression {
        var left = try parseConcat()
        while case .symbol(let text) = current.kind, text == "+" || text == "-" {
            _ = advance()
            left = try expression(.binary(text == "+" ? .add : .subtract, left, try parseConcat()), at: left.position)
        }
        return left
    }

    mutating func parseConcat() throws(JinjaError) -> JinjaExpression {
        var left = try parseMath2()
        while skipSymbol("~") { left = try expression(.binary(.concat, left, try parseMath2()), at: left.position) }
        return left
    }

    mutating func parseMath2() throws(JinjaError) -> JinjaExpression {
        var left = try parsePower()
        let symbols: [String: JinjaBinaryOperator] = ["*": .multiply, "/": .divide, "//": .floorDivide, "%": .modulo]
        while case .symbol(let text) = current.kind, let op = symbols[text] {
            _ = advance()
            left = try expression(.binary(op, left, try parsePower()), at: left.position)
        }
        return left
    }

    mutating func parsePower() throws(JinjaError) -> JinjaExpression {
        var left = try parseUnary()
        while skipSymbol("**") { left = try expression(.binary(.power, left, try parseUnary()), at: left.position) }
        return left
    }

    mutating func parseUnary(withFilter: Bool = true) throws(JinjaError) -> JinjaExpression {
        try nested { (parser: inout JinjaParser) throws(JinjaError) -> JinjaExpression in
            let start = parser.current.position
            var value: JinjaExpression
            if parser.skipSymbol("-") {
                value = try parser.expression(.unary(.negate, try parser.parseUnary(withFilter: false)), at: start)
            } else if parser.skipSymbol("+") {
                value = try parser.expression(.unary(.plus, try parser.parseUnary(withFilter: false)), at: start)
            } else {
                value = try parser.parsePrimary()
            }
            value = try parser.parsePostfix(value)
            return withFilter ? try parser.parseFilterExpression(value) : value
        }
    }

    /// Parses literals, names, parenthesised tuples, lists and dicts.
    mutating func parsePrimary() throws(JinjaError) -> JinjaExpression {
        let token = advance()
        switch token.kind {
        case .name(let name):
            switch name {
            case "true", "True": return try expression(.boolean(true), at: token.position)
            case "false", "False": return try expression(.boolean(false), at: token.position)
            case "none", "None": return try expression(.none, at: token.position)
            default: return try expression(.name(name), at: token.position)
            }
        case .string(var text):
            // Adjacent literals concatenate, as in Python.
            while case .string(let more) = current.kind { text += more; _ = advance() }
            return try expression(.string(text), at: token.position)
        case .integer(let text): return try expression(.integer(text), at: token.position)
        case .float(let text): return try expression(.float(text), at: token.position)
        case .symbol("("):
            let value = try parseTuple(explicitParentheses: true)
            try expectSymbol(")")
            return value
        case .symbol("["):
            var items: [JinjaExpression] = []
            while !current.isSymbol("]") {
                if !items.isEmpty { try expectSymbol(",") }
                if current.isSymbol("]") { break }
                items.append(try parseExpression())
            }
            try expectSymbol("]")
            return try expression(.list(items), at: token.position)
        case .symbol("{"):
            var entries: [JinjaDictEntry] = []
            while !current.isSymbol("}") {
                if !entries.isEmpty { try expectSymbol(",") }
                if current.isSymbol("}") { break }
                let key = try parseExpression()
                try expectSymbol(":")
                entries.append(JinjaDictEntry(key: key, value: try parseExpression()))
            }
            try expectSymbol("}")
            return try expression(.dict(entries), at: token.position)
        default:
            throw error("unexpected \(token.display)", at: token)
        }
    }
}
