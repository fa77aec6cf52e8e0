import Testing
import VetFormats

/// The expression of the first `{{ }}` in `source`.
private func outputExpression(_ source: String) throws -> JinjaExpression {
    let template = try JinjaTemplate.parse(source)
    for node in template.body { if case .output(let value) = node.kind { return value } }
    throw JinjaError(.syntax, at: JinjaPosition(offset: 0, line: 1, column: 1), "no output")
}

/// A compact rendering of an expression tree for assertions.
private func sketch(_ expression: JinjaExpression) -> String {
    switch expression.kind {
    case .string(let value): return "'\(value)'"
    case .integer(let value), .float(let value): return value
    case .boolean(let value): return String(value)
    case .none: return "none"
    case .name(let name): return name
    case .list(let items): return "[" + items.map(sketch).joined(separator: ",") + "]"
    case .tuple(let items): return "(" + items.map(sketch).joined(separator: ",") + ",)"
    case .dict(let entries): return "{" + entries.map { sketch($0.key) + ":" + sketch($0.value) }.joined(separator: ",") + "}"
    case .attribute(let base, let name): return sketch(base) + "." + name
    case .item(let base, let index): return sketch(base) + "[" + sketch(index) + "]"
    case .slice(let start, let stop, let step):
        return [start, stop, step].map { $0.map(sketch) ?? "" }.joined(separator: ":")
    case .call(let callee, let arguments): return sketch(callee) + "(" + arguments.map(sketchArgument).joined(separator: ",") + ")"
    case .filter(let base, let call): return "(" + sketch(base) + "|" + call.name + (call.arguments.isEmpty ? "" : "(" + call.arguments.map(sketchArgument).joined(separator: ",") + ")") + ")"
    case .test(let base, let call, let negated): return "(" + sketch(base) + " is " + (negated ? "not " : "") + call.name + call.arguments.map { " " + sketchArgument($0) }.joined() + ")"
    case .unary(let op, let operand): return "(" + op.rawValue + " " + sketch(operand) + ")"
    case .binary(let op, let lhs, let rhs): return "(" + sketch(lhs) + " " + op.rawValue + " " + sketch(rhs) + ")"
    case .conditional(let value, let condition, let alternative):
        return "(" + sketch(value) + " if " + sketch(condition) + (alternative.map { " else " + sketch($0) } ?? "") + ")"
    }
}

private func sketchArgument(_ argument: JinjaArgument) -> String {
    switch argument.style {
    case .positional: sketch(argument.value)
    case .keyword(let name): name + "=" + sketch(argument.value)
    case .star: "*" + sketch(argument.value)
    case .doubleStar: "**" + sketch(argument.value)
    }
}

@Suite struct JinjaExpressionTests {
    @Test(arguments: [
        ("1 + 2 * 3", "(1 + (2 * 3))"),
        ("-x ** 2", "((- x) ** 2)"),
        ("a ~ b + c", "((a ~ b) + c)"),
        ("not a and b or c", "(((not a) and b) or c)"),
        ("a < b < c", "((a < b) and (b < c))"),
        ("x not in y", "(x not in y)"),
        ("'a' in messages[0]['content']", "('a' in messages[0]['content'])"),
        ("m.content|trim|replace('a', 'b')", "((m.content|trim)|replace('a','b'))"),
        ("x is not none", "(x is not none)"),
        ("x is divisibleby 3", "(x is divisibleby 3)"),
        ("a if b else c", "(a if b else c)"),
        ("a if b", "(a if b)"),
        ("f(1, k=2, *xs, **kw)", "f(1,k=2,*xs,**kw)"),
        ("a[1:-1]", "a[1:(- 1):]"),
        ("'s'[::-1]", "'s'[::(- 1)]"),
        ("a.0", "a[0]"),
        ("[1, 'two', none, true]", "[1,'two',none,true]"),
        ("{'k': (1, 2), 'n': {}}", "{'k':(1,2,),'n':{}}"),
        ("(1,)", "(1,)"),
        ("'a' 'b'", "'ab'"),
        ("'\\x5f\\x5f\\u0041\\n'", "'__A\n'"),
        ("1_000 + 2.5e3", "(1_000 + 2.5e3)"),
        ("x // 2 % 3", "((x // 2) % 3)"),
        ("tools|tojson(indent=4)", "(tools|tojson(indent=4))"),
        ("x|default(none) is string", "((x|default(none)) is string)"),
    ])
    func parsesExpression(_ source: String, _ expected: String) throws {
        #expect(sketch(try outputExpression("{{ " + source + " }}")) == expected)
    }

    @Test func positionsAreTracked() throws {
        let template = try JinjaTemplate.parse("hello\n  {{ a.b }}")
        let output = try #require(template.body.last)
        #expect(output.position == JinjaPosition(offset: 8, line: 2, column: 3))
        guard case .output(let value) = output.kind, case .attribute(let base, _) = value.kind else {
            Issue.record("expected an attribute")
            return
        }
        #expect(base.position == JinjaPosition(offset: 11, line: 2, column: 6))
    }

    @Test func dictInsideOutputDoesNotCloseEarly() throws {
        #expect(sketch(try outputExpression("{{ {'a': {'b': 1}} }}")) == "{'a':{'b':1}}")
    }
}
