import VetFormats

extension JinjaStringFolder {
    /// Applies a string filter (`join`, `replace`, `lower`, `reverse`, `format`, …) to a constant.
    func applyFilter(_ call: JinjaFilterCall, to base: JinjaExpression, depth: Int) -> String? {
        let arguments = call.arguments.map(\.value)
        if call.name == "join" {
            guard let parts = foldSequence(base, depth: depth) else { return nil }
            let separator = arguments.first.flatMap { fold($0, depth: depth) } ?? ""
            return limited(parts.joined(separator: separator))
        }
        if call.name == "first" || call.name == "last" {
            if let parts = foldSequence(base, depth: depth), case .list = base.kind {
                return call.name == "first" ? parts.first : parts.last
            }
        }
        guard let text = fold(base, depth: depth) else { return nil }
        switch call.name {
        case "lower": return text.lowercased()
        case "upper": return text.uppercased()
        case "reverse": return String(text.reversed())
        case "string", "trim", "safe", "e", "escape": return call.name == "trim" ? trimmed(text) : text
        case "first": return text.first.map { String($0) }
        case "last": return text.last.map { String($0) }
        case "replace":
            guard arguments.count >= 2, let old = fold(arguments[0], depth: depth), let new = fold(arguments[1], depth: depth),
                  !old.isEmpty else { return nil }
            return limited(text.replacing(old, with: new))
        case "format":
            return substitute(text, arguments.compactMap { foldAny($0, depth: depth) }, marker: "%s")
        default: return nil
        }
    }

    /// Applies a Python string method (`'{}'.format(x)`, `'_'.join(xs)`, `s.lower()`) to a constant.
    func applyMethod(_ method: String, to base: JinjaExpression, arguments: [JinjaArgument], depth: Int) -> String? {
        let values = arguments.map(\.value)
        if method == "join" {
            guard let separator = fold(base, depth: depth), let first = values.first,
                  let parts = foldSequence(first, depth: depth) else { return nil }
            return limited(parts.joined(separator: separator))
        }
        guard let text = fold(base, depth: depth) else { return nil }
        switch method {
        case "lower", "casefold": return text.lowercased()
        case "upper": return text.uppercased()
        case "strip": return trimmed(text)
        case "format": return substitute(text, values.compactMap { foldAny($0, depth: depth) }, marker: "{}")
        case "replace":
            guard values.count >= 2, let old = fold(values[0], depth: depth), let new = fold(values[1], depth: depth),
                  !old.isEmpty else { return nil }
            return limited(text.replacing(old, with: new))
        default: return nil
        }
    }

    /// Folds a list or tuple of constants, or a constant string (a sequence of characters).
    func foldSequence(_ expression: JinjaExpression, depth: Int) -> [String]? {
        switch expression.kind {
        case .list(let items), .tuple(let items):
            let parts = items.compactMap { foldAny($0, depth: depth) }
            return parts.count == items.count ? parts : nil
        case .filter(let base, let call) where call.name == "list" || call.name == "reverse":
            guard let parts = foldSequence(base, depth: depth + 1) else { return nil }
            return call.name == "reverse" ? parts.reversed() : parts
        default:
            return fold(expression, depth: depth + 1).map { $0.map { String($0) } }
        }
    }

    func trimmed(_ text: String) -> String {
        String(text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
