/// One expression of a template, with where it starts.
public struct JinjaExpression: Sendable, Hashable {
    /// What the expression is.
    public indirect enum Kind: Sendable, Hashable {
        /// A string literal (escapes decoded).
        case string(String)
        /// An integer literal as written (it may exceed 64 bits).
        case integer(String)
        /// A float literal as written.
        case float(String)
        /// `true`/`false` (any capitalisation Jinja accepts).
        case boolean(Bool)
        /// `none`/`None`.
        case none
        /// A variable reference.
        case name(String)
        /// `[a, b]`.
        case list([JinjaExpression])
        /// `(a, b)` or a bare `a, b` where Jinja allows one.
        case tuple([JinjaExpression])
        /// `{k: v}`.
        case dict([JinjaDictEntry])
        /// `object.name` (also `object.0`, which Jinja treats as a subscript with an integer).
        case attribute(JinjaExpression, String)
        /// `object[index]`; a slice index is `.slice`.
        case item(JinjaExpression, JinjaExpression)
        /// `start:stop:step` inside brackets.
        case slice(start: JinjaExpression?, stop: JinjaExpression?, step: JinjaExpression?)
        /// `callee(arguments)`.
        case call(JinjaExpression, [JinjaArgument])
        /// `value | name(arguments)`.
        case filter(JinjaExpression, JinjaFilterCall)
        /// `value is [not] name(arguments)`.
        case test(JinjaExpression, JinjaFilterCall, negated: Bool)
        /// `not x`, `-x`, `+x`.
        case unary(JinjaUnaryOperator, JinjaExpression)
        /// Arithmetic, `~`, comparisons, `in`, `and`, `or`.
        case binary(JinjaBinaryOperator, JinjaExpression, JinjaExpression)
        /// `value if condition else alternative` (alternative may be absent).
        case conditional(value: JinjaExpression, condition: JinjaExpression, alternative: JinjaExpression?)
    }

    /// What the expression is.
    public var kind: Kind
    /// Where it starts.
    public var position: JinjaPosition

    /// Creates an expression.
    public init(_ kind: Kind, at position: JinjaPosition) {
        self.kind = kind
        self.position = position
    }

    /// The direct sub-expressions, in source order.
    public var children: [JinjaExpression] {
        switch kind {
        case .string, .integer, .float, .boolean, .none, .name: []
        case .list(let items), .tuple(let items): items
        case .dict(let entries): entries.flatMap { [$0.key, $0.value] }
        case .attribute(let base, _): [base]
        case .item(let base, let index): [base, index]
        case .slice(let start, let stop, let step): [start, stop, step].compactMap { $0 }
        case .call(let callee, let arguments): [callee] + arguments.map(\.value)
        case .filter(let base, let call), .test(let base, let call, _): [base] + call.arguments.map(\.value)
        case .unary(_, let operand): [operand]
        case .binary(_, let lhs, let rhs): [lhs, rhs]
        case .conditional(let value, let condition, let alternative): [value, condition] + (alternative.map { [$0] } ?? [])
        }
    }

    /// The literal string, when the expression is one.
    public var stringLiteral: String? {
        if case .string(let value) = kind { return value }
        return nil
    }
}

/// One `key: value` of a dict literal.
public struct JinjaDictEntry: Sendable, Hashable {
    /// The key expression.
    public var key: JinjaExpression
    /// The value expression.
    public var value: JinjaExpression

    /// Creates an entry.
    public init(key: JinjaExpression, value: JinjaExpression) {
        self.key = key
        self.value = value
    }
}

/// One argument of a call, filter or test.
public struct JinjaArgument: Sendable, Hashable {
    /// How the argument is passed.
    public enum Style: Sendable, Hashable {
        /// `f(x)`.
        case positional
        /// `f(name=x)`.
        case keyword(String)
        /// `f(*x)`.
        case star
        /// `f(**x)`.
        case doubleStar
    }

    /// How the argument is passed.
    public var style: Style
    /// The argument's value.
    public var value: JinjaExpression

    /// Creates an argument.
    public init(_ style: Style, _ value: JinjaExpression) {
        self.style = style
        self.value = value
    }
}

/// A filter or test name with its arguments (`replace('a', 'b')`).
public struct JinjaFilterCall: Sendable, Hashable {
    /// The filter or test name, dotted names joined with `.`.
    public var name: String
    /// Its arguments (the filtered value is not among them).
    public var arguments: [JinjaArgument]
    /// Where the name starts.
    public var position: JinjaPosition

    /// Creates a filter call.
    public init(name: String, arguments: [JinjaArgument], position: JinjaPosition) {
        self.name = name
        self.arguments = arguments
        self.position = position
    }
}

/// A prefix operator.
public enum JinjaUnaryOperator: String, Sendable, Hashable {
    case not, negate = "-", plus = "+"
}

/// An infix operator.
public enum JinjaBinaryOperator: String, Sendable, Hashable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", floorDivide = "//", modulo = "%", power = "**"
    case concat = "~"
    case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case `in` = "in", notIn = "not in", and, or
}
