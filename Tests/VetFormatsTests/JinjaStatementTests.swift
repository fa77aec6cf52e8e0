import Testing
import VetFormats

@Suite struct JinjaStatementTests {
    /// Concatenated text nodes, to check whitespace control.
    private func text(_ source: String) throws -> String {
        var collector = TextCollector()
        try JinjaTemplate.parse(source).walk(&collector)
        return collector.text
    }

    private struct TextCollector: JinjaVisitor {
        var text = ""
        mutating func visit(node: JinjaNode) {
            if case .text(let value) = node.kind { text += value }
            if case .raw(let value) = node.kind { text += value }
        }
    }

    @Test func whitespaceControlMatchesJinja() throws {
        #expect(try text("a  {{- x -}}  b") == "ab")
        #expect(try text("a\n  {% if x %}\nb\n  {% endif %}\nc") == "a\nb\nc") // trim_blocks + lstrip_blocks
        #expect(try text("a\n  {%+ if x +%}\nb{% endif %}") == "a\n  \nb")
        #expect(try text("x {# note #}\ny") == "x y")
        #expect(try text("{% raw %}{{ not parsed }}{% endraw %}") == "{{ not parsed }}")
    }

    @Test func parsesControlStructures() throws {
        let source = """
        {% set ns = namespace(found=false) %}{% set ns.found = true %}{% set a, b = 1, 2 %}
        {% for k, v in items|dictsort if v recursive %}{{ loop.index }}{% break %}{% else %}none{% endfor %}
        {% if a %}1{% elif b %}2{% else %}3{% endif %}
        {% macro m(x, y=2) %}{{ caller() }}{% endmacro %}{% call(z) m(1) %}{{ z }}{% endcall %}
        {% filter upper|trim %}t{% endfilter %}{% set block | trim %} s {% endset %}
        {% with q = 1 %}{{ q }}{% endwith %}{% generation %}{{ g }}{% endgeneration %}
        {% include 'x' ignore missing without context %}{% import 'y' as z %}{% from 'f' import a as b, c %}
        {% block body scoped %}{% endblock body %}{% do xs.append(1) %}{% for x in y %}{% continue %}{% endfor %}
        """
        let template = try JinjaTemplate.parse(source)
        var kinds = KindCollector()
        template.walk(&kinds)
        for expected in ["set", "forLoop", "ifBlock", "macro", "callBlock", "filterBlock", "setBlock", "with",
                         "generation", "include", "importTemplate", "fromImport", "block", "doExpression",
                         "breakLoop", "continueLoop"] {
            #expect(kinds.names.contains(expected), "missing \(expected)")
        }
        guard case .set(let target, _) = template.body[1].kind, case .attribute(_, let name) = target.kind else {
            Issue.record("namespace attribute target not parsed")
            return
        }
        #expect(name == "found")
    }

    private struct KindCollector: JinjaVisitor {
        var names: Set<String> = []
        mutating func visit(node: JinjaNode) {
            names.insert(String(describing: node.kind).prefix { $0 != "(" }.description)
        }
    }

    @Test(arguments: [
        ("{% for x in y %}", "unexpected end of template"),
        ("{{ x ", "never closed"),
        ("{% frobnicate %}", "unknown tag 'frobnicate'"),
        ("{{ 'abc }}", "never closed"),
        ("{# open", "never closed"),
        ("{{ x }) }}", "unexpected '}'"),
        ("{% if x %}{% endfor %}", "unknown tag 'endfor'"),
        ("{{ x | }}", "expected a name"),
        ("{% set 1 = 2 %}", "cannot assign"),
        ("{{ f(a=1, 2) }}", "positional argument follows"),
        ("{{ a $ b }}", "unexpected character"),
        ("{% raw %}never ends", "never closed"),
    ])
    func rejectsInvalidTemplates(_ source: String, _ fragment: String) {
        #expect {
            try JinjaTemplate.parse(source)
        } throws: { error in
            guard let error = error as? JinjaError else { return false }
            return error.message.contains(fragment)
        }
    }

    @Test func errorsCarryPositions() {
        do {
            _ = try JinjaTemplate.parse("ok\n{{ a +* b }}")
            Issue.record("expected a syntax error")
        } catch {
            #expect(error.position.line == 2)
            #expect(error.position.column == 7)
        }
    }

    @Test func limitsAreEnforced() {
        var limits = JinjaLimits()
        limits.maxTemplateBytes = 10
        #expect(throws: JinjaError.self) { try JinjaTemplate.parse(String(repeating: "a", count: 11), limits: limits) }
        limits = JinjaLimits()
        limits.maxNodes = 50
        #expect(throws: JinjaError.self) { try JinjaTemplate.parse(String(repeating: "{{ a }}", count: 100), limits: limits) }
        let deepBlocks = String(repeating: "{% if x %}", count: 1000) + String(repeating: "{% endif %}", count: 1000)
        #expect(throws: JinjaError.self) { try JinjaTemplate.parse(deepBlocks) }
        let deepLists = "{{ " + String(repeating: "[", count: 100_000) + " }}"
        #expect(throws: JinjaError.self) { try JinjaTemplate.parse(deepLists) }
    }

    @Test func arbitraryBytesNeverCrash() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("{}%#-+()[]|.:,'\"~ \n_abif=<>*/0123456789ifendforsetin".utf8)
        for _ in 0..<2000 {
            let length = Int.random(in: 0..<80, using: &generator)
            let bytes = (0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }
            _ = try? JinjaTemplate.parse(String(decoding: bytes, as: UTF8.self))
        }
    }
}
