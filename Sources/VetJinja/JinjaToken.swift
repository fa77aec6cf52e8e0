/// One lexical token of a template.
struct JinjaToken: Sendable, Equatable {
    /// What a token is.
    enum Kind: Sendable, Equatable {
        /// Template text outside tags (whitespace control already applied).
        case data(String)
        /// `{{`.
        case variableBegin
        /// `}}`.
        case variableEnd
        /// `{%`.
        case blockBegin
        /// `%}`.
        case blockEnd
        /// The body of a `{% raw %}` block.
        case raw(String)
        /// The body of a `{# #}` comment.
        case comment(String)
        /// An identifier or keyword.
        case name(String)
        /// A string literal, escapes decoded.
        case string(String)
        /// An integer literal, kept as text so huge values do not overflow.
        case integer(String)
        /// A float literal, kept as text.
        case float(String)
        /// An operator or punctuation such as `|`, `**` or `[`.
        case symbol(String)
        /// End of input.
        case end
    }

    var kind: Kind
    var position: JinjaPosition

    /// Whether this is the name `word`.
    func isName(_ word: String) -> Bool {
        if case .name(let value) = kind { return value == word }
        return false
    }

    /// Whether this is the symbol `text`.
    func isSymbol(_ text: String) -> Bool {
        if case .symbol(let value) = kind { return value == text }
        return false
    }

    /// A short rendering for error messages.
    var display: String {
        switch kind {
        case .data: "template data"
        case .variableBegin: "'{{'"
        case .variableEnd: "'}}'"
        case .blockBegin: "'{%'"
        case .blockEnd: "'%}'"
        case .raw: "raw block"
        case .comment: "comment"
        case .name(let value): "'\(value)'"
        case .string: "string literal"
        case .integer(let value), .float(let value): value
        case .symbol(let value): "'\(value)'"
        case .end: "end of template"
        }
    }
}
