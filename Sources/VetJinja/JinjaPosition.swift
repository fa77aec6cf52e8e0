import VetCore
/// Where a token or node starts in a template: byte offset into its UTF-8, 1-based line and column.
public struct JinjaPosition: Sendable, Hashable, CustomStringConvertible {
    /// Byte offset from the start of the template's UTF-8.
    public var offset: Int
    /// 1-based line number.
    public var line: Int
    /// 1-based column, counted in bytes from the start of the line.
    public var column: Int

    /// Creates a position.
    public init(offset: Int, line: Int, column: Int) {
        self.offset = offset
        self.line = line
        self.column = column
    }

    /// `line:column`, as messages show it.
    public var description: String { "\(line):\(column)" }
}

/// Budgets that bound what parsing one template may cost, so a crafted template cannot
/// exhaust the stack or memory.
public struct JinjaLimits: Sendable, Equatable {
    /// Largest template accepted, in UTF-8 bytes.
    public var maxTemplateBytes = 1 << 20
    /// Deepest nesting of statements and expressions together.
    public var maxDepth = 200
    /// Most AST nodes (statements plus expressions) one template may produce.
    public var maxNodes = 200_000

    /// The defaults.
    public init() {}

    /// The template budgets of a scan's limits.
    public init(_ scan: ScanLimits) {
        maxTemplateBytes = scan.maxTemplateBytes
        maxDepth = scan.maxTemplateDepth
        maxNodes = scan.maxTemplateNodes
    }
}

/// Why a template could not be parsed.
public struct JinjaError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public enum Kind: String, Sendable, Hashable {
        /// The lexer met a character or construct Jinja rejects.
        case lexical
        /// The token stream is not valid Jinja syntax.
        case syntax
        /// A `JinjaLimits` budget was exceeded.
        case limit
    }

    /// The kind of failure.
    public var kind: Kind
    /// Where it happened.
    public var position: JinjaPosition
    /// A sentence for a person.
    public var message: String

    /// Creates an error.
    public init(_ kind: Kind, at position: JinjaPosition, _ message: String) {
        self.kind = kind
        self.position = position
        self.message = message
    }

    public var description: String { "\(position): \(message)" }
}
