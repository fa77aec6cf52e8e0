/// A parsed Jinja2 template: the statement tree a renderer or an analyser walks.
///
/// Parsing follows Jinja2's default syntax with the whitespace options Hugging Face
/// `transformers` uses for chat templates (`trim_blocks` and `lstrip_blocks` on).
public struct JinjaTemplate: Sendable, Hashable {
    /// The top-level statements.
    public var body: [JinjaNode]
    /// How many AST nodes the template has (statements, expressions and filter calls).
    public var nodeCount: Int

    /// Parses `source`.
    /// - Parameters:
    ///   - source: the template text.
    ///   - limits: size, depth and node budgets.
    /// - Throws: `JinjaError` when the template is not valid Jinja or exceeds a limit.
    public static func parse(_ source: String, limits: JinjaLimits = JinjaLimits()) throws(JinjaError) -> JinjaTemplate {
        guard source.utf8.count <= limits.maxTemplateBytes else {
            throw JinjaError(.limit, at: JinjaPosition(offset: 0, line: 1, column: 1),
                             "template is \(source.utf8.count) bytes, over the limit of \(limits.maxTemplateBytes)")
        }
        var lexer = JinjaLexer(source)
        let tokens = try lexer.tokenize()
        var parser = JinjaParser(tokens: tokens, limits: limits)
        let body = try parser.subparse(until: [])
        return JinjaTemplate(body: body, nodeCount: parser.nodeCount)
    }

    /// Visits every node and expression depth-first in source order.
    public func walk<Visitor: JinjaVisitor>(_ visitor: inout Visitor) {
        var walker = JinjaWalker(visitor: visitor)
        walker.walk(body)
        visitor = walker.visitor
    }
}

/// Receives the nodes and expressions of a template walk; both methods default to doing nothing.
public protocol JinjaVisitor {
    /// Called for each statement node before its expressions and bodies.
    mutating func visit(node: JinjaNode)
    /// Called for each expression before its sub-expressions.
    /// - Parameter filters: filter and test calls appear as part of their expression.
    mutating func visit(expression: JinjaExpression)
    /// Called for each filter of a `{% filter %}` or `{% set … | f %}` block.
    mutating func visit(blockFilter: JinjaFilterCall, of node: JinjaNode)
}

extension JinjaVisitor {
    public mutating func visit(node: JinjaNode) {}
    public mutating func visit(expression: JinjaExpression) {}
    public mutating func visit(blockFilter: JinjaFilterCall, of node: JinjaNode) {}
}

/// Iterative depth-first traversal, so deep trees cannot overflow the stack.
struct JinjaWalker<Visitor: JinjaVisitor> {
    var visitor: Visitor

    enum Item {
        case node(JinjaNode)
        case expression(JinjaExpression)
    }

    mutating func walk(_ nodes: [JinjaNode]) {
        var stack: [Item] = nodes.reversed().map { .node($0) }
        while let item = stack.popLast() {
            switch item {
            case .node(let node):
                visitor.visit(node: node)
                for filter in node.blockFilters { visitor.visit(blockFilter: filter, of: node) }
                var children: [Item] = node.expressions.map { .expression($0) }
                for body in node.bodies { children.append(contentsOf: body.map { .node($0) }) }
                stack.append(contentsOf: children.reversed())
            case .expression(let expression):
                visitor.visit(expression: expression)
                stack.append(contentsOf: expression.children.reversed().map { .expression($0) })
            }
        }
    }
}
