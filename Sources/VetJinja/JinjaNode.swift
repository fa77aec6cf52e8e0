/// One statement-level node of a template, with where it starts.
public struct JinjaNode: Sendable, Hashable {
    /// What the node is.
    public indirect enum Kind: Sendable, Hashable {
        /// Literal template text (whitespace control already applied).
        case text(String)
        /// `{{ expression }}`.
        case output(JinjaExpression)
        /// `{# … #}`.
        case comment(String)
        /// `{% raw %}…{% endraw %}`.
        case raw(String)
        /// `{% if %}…{% elif %}…{% else %}…{% endif %}`.
        case ifBlock(branches: [JinjaConditionalBranch], otherwise: [JinjaNode]?)
        /// `{% for target in iterable [if filter] [recursive] %}…{% else %}…{% endfor %}`.
        case forLoop(JinjaForLoop)
        /// `{% set target = value %}`; the target may be a name, tuple or `ns.attribute`.
        case set(target: JinjaExpression, value: JinjaExpression)
        /// `{% set target | filters %}…{% endset %}`.
        case setBlock(target: JinjaExpression, filters: [JinjaFilterCall], body: [JinjaNode])
        /// `{% macro name(params) %}…{% endmacro %}`.
        case macro(JinjaMacro)
        /// `{% call(params) callee(args) %}…{% endcall %}`.
        case callBlock(call: JinjaExpression, parameters: [JinjaParameter], body: [JinjaNode])
        /// `{% filter f | g %}…{% endfilter %}`.
        case filterBlock(filters: [JinjaFilterCall], body: [JinjaNode])
        /// `{% with a = 1 %}…{% endwith %}`.
        case with(assignments: [JinjaAssignment], body: [JinjaNode])
        /// `{% include template [ignore missing] [with|without context] %}`.
        case include(template: JinjaExpression, ignoreMissing: Bool)
        /// `{% import template as alias %}`.
        case importTemplate(template: JinjaExpression, alias: String)
        /// `{% from template import a as b, c %}`.
        case fromImport(template: JinjaExpression, names: [JinjaImportedName])
        /// `{% extends template %}`.
        case extends(JinjaExpression)
        /// `{% block name [scoped] [required] %}…{% endblock %}`.
        case block(name: String, body: [JinjaNode])
        /// `{% generation %}…{% endgeneration %}` (Hugging Face's assistant-mask extension).
        case generation([JinjaNode])
        /// `{% autoescape expr %}…{% endautoescape %}`.
        case autoescape(JinjaExpression, body: [JinjaNode])
        /// `{% do expression %}`.
        case doExpression(JinjaExpression)
        /// `{% print expression %}`.
        case printExpression(JinjaExpression)
        /// `{% break %}`.
        case breakLoop
        /// `{% continue %}`.
        case continueLoop
    }

    /// What the node is.
    public var kind: Kind
    /// Where it starts.
    public var position: JinjaPosition

    /// Creates a node.
    public init(_ kind: Kind, at position: JinjaPosition) {
        self.kind = kind
        self.position = position
    }

    /// The expressions this node evaluates or assigns, in source order (bodies excluded).
    public var expressions: [JinjaExpression] {
        switch kind {
        case .text, .comment, .raw, .block, .generation, .breakLoop, .continueLoop: []
        case .macro(let macro): macro.parameters.compactMap(\.defaultValue)
        case .output(let value), .extends(let value), .doExpression(let value), .printExpression(let value),
             .autoescape(let value, _): [value]
        case .ifBlock(let branches, _): branches.map(\.condition)
        case .forLoop(let loop): [loop.target, loop.iterable] + (loop.filter.map { [$0] } ?? [])
        case .set(let target, let value): [target, value]
        case .setBlock(let target, let filters, _): [target] + filters.flatMap { $0.arguments.map(\.value) }
        case .callBlock(let call, let parameters, _): parameters.compactMap(\.defaultValue) + [call]
        case .filterBlock(let filters, _): filters.flatMap { $0.arguments.map(\.value) }
        case .with(let assignments, _): assignments.flatMap { [$0.target, $0.value] }
        case .include(let template, _), .importTemplate(let template, _), .fromImport(let template, _): [template]
        }
    }

    /// The nested statement lists, in source order.
    public var bodies: [[JinjaNode]] {
        switch kind {
        case .ifBlock(let branches, let otherwise): branches.map(\.body) + (otherwise.map { [$0] } ?? [])
        case .forLoop(let loop): [loop.body] + (loop.otherwise.map { [$0] } ?? [])
        case .setBlock(_, _, let body), .callBlock(_, _, let body), .filterBlock(_, let body), .with(_, let body),
             .block(_, let body), .generation(let body), .autoescape(_, let body): [body]
        case .macro(let macro): [macro.body]
        default: []
        }
    }

    /// Filters a node applies to its body (`set` and `filter` blocks).
    public var blockFilters: [JinjaFilterCall] {
        switch kind {
        case .setBlock(_, let filters, _), .filterBlock(let filters, _): filters
        default: []
        }
    }
}

/// One `if`/`elif` condition with its body.
public struct JinjaConditionalBranch: Sendable, Hashable {
    /// The condition.
    public var condition: JinjaExpression
    /// What runs when it holds.
    public var body: [JinjaNode]

    /// Creates a branch.
    public init(condition: JinjaExpression, body: [JinjaNode]) {
        self.condition = condition
        self.body = body
    }
}

/// A `for` loop.
public struct JinjaForLoop: Sendable, Hashable {
    /// The loop variable(s): a name or a tuple of names.
    public var target: JinjaExpression
    /// What is iterated.
    public var iterable: JinjaExpression
    /// The inline `if` filter, if any.
    public var filter: JinjaExpression?
    /// Whether `recursive` was given.
    public var recursive: Bool
    /// The loop body.
    public var body: [JinjaNode]
    /// The `else` body, run when nothing was iterated.
    public var otherwise: [JinjaNode]?
}

/// A macro definition.
public struct JinjaMacro: Sendable, Hashable {
    /// The macro's name.
    public var name: String
    /// Its parameters.
    public var parameters: [JinjaParameter]
    /// Its body.
    public var body: [JinjaNode]
}

/// A macro or call-block parameter with its optional default.
public struct JinjaParameter: Sendable, Hashable {
    /// The parameter name.
    public var name: String
    /// The default value, if any.
    public var defaultValue: JinjaExpression?
}

/// One `name = value` of a `with` statement.
public struct JinjaAssignment: Sendable, Hashable {
    /// The assigned name (or tuple).
    public var target: JinjaExpression
    /// The value.
    public var value: JinjaExpression
}

/// One name imported by `from … import`.
public struct JinjaImportedName: Sendable, Hashable {
    /// The exported name.
    public var name: String
    /// The local alias, if different.
    public var alias: String?
}
