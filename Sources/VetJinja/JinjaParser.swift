/// Recursive-descent parser from Jinja tokens to `JinjaNode`s, following the grammar of
/// Jinja2's own parser (`jinja2/parser.py`) so that what it accepts and rejects matches.
struct JinjaParser {
    var tokens: [JinjaToken]
    var index = 0
    let limits: JinjaLimits
    var depth = 0
    var nodeCount = 0
    /// How many `for` bodies enclose the current position (macro and call bodies start again at
    /// zero): Jinja compiles `break`/`continue` to Python's, which reject them outside a loop.
    var loopDepth = 0

    init(tokens: [JinjaToken], limits: JinjaLimits) {
        self.tokens = tokens
        self.limits = limits
    }

    var current: JinjaToken { tokens[min(index, tokens.count - 1)] }

    func peek(_ ahead: Int = 1) -> JinjaToken { tokens[min(index + ahead, tokens.count - 1)] }

    mutating func advance() -> JinjaToken {
        let token = current
        if index < tokens.count - 1 { index += 1 }
        return token
    }

    func error(_ message: String, at token: JinjaToken? = nil) -> JinjaError {
        JinjaError(.syntax, at: (token ?? current).position, message)
    }

    /// Consumes the symbol `text` or throws.
    @discardableResult
    mutating func expectSymbol(_ text: String) throws(JinjaError) -> JinjaToken {
        guard current.isSymbol(text) else { throw error("expected '\(text)', got \(current.display)") }
        return advance()
    }

    /// Consumes the keyword `word` or throws.
    mutating func expectName(_ word: String) throws(JinjaError) {
        guard current.isName(word) else { throw error("expected '\(word)', got \(current.display)") }
        _ = advance()
    }

    /// Consumes any name and returns it.
    mutating func expectAnyName() throws(JinjaError) -> String {
        guard case .name(let value) = current.kind else { throw error("expected a name, got \(current.display)") }
        _ = advance()
        return value
    }

    mutating func expectBlockEnd() throws(JinjaError) {
        guard current.kind == .blockEnd else { throw error("expected end of statement block, got \(current.display)") }
        _ = advance()
    }

    /// Consumes the symbol `text` when present.
    mutating func skipSymbol(_ text: String) -> Bool {
        guard current.isSymbol(text) else { return false }
        _ = advance()
        return true
    }

    /// Consumes the keyword `word` when present.
    mutating func skipName(_ word: String) -> Bool {
        guard current.isName(word) else { return false }
        _ = advance()
        return true
    }

    /// Counts one AST node against the budget.
    mutating func count() throws(JinjaError) {
        nodeCount += 1
        guard nodeCount <= limits.maxNodes else {
            throw JinjaError(.limit, at: current.position, "template has more than \(limits.maxNodes) syntax nodes")
        }
    }

    /// Runs `body` one nesting level deeper, failing past the depth budget.
    mutating func nested<T>(_ body: (inout JinjaParser) throws(JinjaError) -> T) throws(JinjaError) -> T {
        depth += 1
        defer { depth -= 1 }
        guard depth <= limits.maxDepth else {
            throw JinjaError(.limit, at: current.position, "template nests deeper than \(limits.maxDepth) levels")
        }
        return try body(&self)
    }

    mutating func node(_ kind: JinjaNode.Kind, at position: JinjaPosition) throws(JinjaError) -> JinjaNode {
        try count()
        return JinjaNode(kind, at: position)
    }

    mutating func expression(_ kind: JinjaExpression.Kind, at position: JinjaPosition) throws(JinjaError) -> JinjaExpression {
        try count()
        return JinjaExpression(kind, at: position)
    }

    /// Parses nodes until a block tag whose name is in `endNames`; leaves `current` on that name.
    mutating func subparse(until endNames: Set<String>) throws(JinjaError) -> [JinjaNode] {
        try nested { (parser: inout JinjaParser) throws(JinjaError) -> [JinjaNode] in
            var body: [JinjaNode] = []
            while true {
                let token = parser.current
                switch token.kind {
                case .data(let text): _ = parser.advance(); body.append(try parser.node(.text(text), at: token.position))
                case .raw(let text): _ = parser.advance(); body.append(try parser.node(.raw(text), at: token.position))
                case .comment(let text): _ = parser.advance(); body.append(try parser.node(.comment(text), at: token.position))
                case .variableBegin:
                    _ = parser.advance()
                    let value = try parser.parseTuple()
                    guard parser.current.kind == .variableEnd else {
                        throw parser.error("expected end of print statement, got \(parser.current.display)")
                    }
                    _ = parser.advance()
                    body.append(try parser.node(.output(value), at: token.position))
                case .blockBegin:
                    _ = parser.advance()
                    if case .name(let name) = parser.current.kind, endNames.contains(name) { return body }
                    body.append(try parser.parseStatement(at: token.position))
                case .end:
                    guard endNames.isEmpty else {
                        let expected = endNames.sorted().map { "'\($0)'" }.joined(separator: " or ")
                        throw parser.error("unexpected end of template; expected \(expected)")
                    }
                    return body
                default:
                    throw parser.error("unexpected \(token.display)")
                }
            }
        }
    }
}
