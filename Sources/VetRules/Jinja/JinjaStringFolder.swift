import VetFormats

/// Evaluates the string-building subset of Jinja expressions that needs no runtime data, so a
/// name assembled from pieces (`'__cla' ~ 'ss__'`, `'__ssalc__'[::-1]`, `['__', 'class', '__']|join`)
/// is seen for what it is.
struct JinjaStringFolder {
    /// Values of names assigned constant strings by `{% set %}`.
    var bindings: [String: String] = [:]
    /// Longest string folded before giving up, so `'a' * 10**9` cannot exhaust memory.
    let maxLength = 4096

    /// The constant string `expression` evaluates to, when it can be known statically.
    func fold(_ expression: JinjaExpression, depth: Int = 0) -> String? {
        guard depth < 64 else { return nil }
        switch expression.kind {
        case .string(let value): return value
        case .name(let name): return bindings[name]
        case .binary(let op, let lhs, let rhs):
            switch op {
            case .concat:
                guard let left = foldAny(lhs, depth: depth), let right = foldAny(rhs, depth: depth) else { return nil }
                return limited(left + right)
            case .add:
                guard let left = fold(lhs, depth: depth + 1), let right = fold(rhs, depth: depth + 1) else { return nil }
                return limited(left + right)
            case .multiply:
                if let text = fold(lhs, depth: depth + 1), let count = integer(rhs) { return repeated(text, count) }
                if let text = fold(rhs, depth: depth + 1), let count = integer(lhs) { return repeated(text, count) }
                return nil
            case .modulo:
                guard let format = fold(lhs, depth: depth + 1) else { return nil }
                let values: [JinjaExpression]
                if case .tuple(let items) = rhs.kind { values = items } else { values = [rhs] }
                return substitute(format, values.compactMap { foldAny($0, depth: depth) }, marker: "%s")
            default: return nil
            }
        case .conditional(let value, _, _): return fold(value, depth: depth + 1)
        case .item(let base, let index):
            guard let text = fold(base, depth: depth + 1) else { return nil }
            return slice(text, index)
        case .filter(let base, let call): return applyFilter(call, to: base, depth: depth + 1)
        case .call(let callee, let arguments):
            guard case .attribute(let base, let method) = callee.kind else { return nil }
            return applyMethod(method, to: base, arguments: arguments, depth: depth + 1)
        default: return nil
        }
    }

    /// Folds strings and integers (for `~`, which stringifies both sides).
    func foldAny(_ expression: JinjaExpression, depth: Int) -> String? {
        if case .integer(let digits) = expression.kind { return digits }
        return fold(expression, depth: depth + 1)
    }

    func integer(_ expression: JinjaExpression) -> Int? {
        switch expression.kind {
        case .integer(let digits): return Int(digits.filter { $0 != "_" })
        case .unary(.negate, let operand): return integer(operand).map { -$0 }
        default: return nil
        }
    }

    func limited(_ text: String) -> String? { text.utf8.count <= maxLength ? text : nil }

    func repeated(_ text: String, _ count: Int) -> String? {
        guard count >= 0, count <= maxLength, text.utf8.count * count <= maxLength else { return nil }
        return String(repeating: text, count: count)
    }

    func substitute(_ format: String, _ values: [String], marker: String) -> String? {
        var result = format
        for value in values {
            guard let range = result.firstRange(of: marker) else { break }
            result.replaceSubrange(range, with: value)
        }
        return limited(result)
    }

    /// Python slicing of a string by constant bounds.
    func slice(_ text: String, _ index: JinjaExpression) -> String? {
        let characters = Array(text)
        let count = characters.count
        if let position = integer(index) {
            let resolved = position < 0 ? position + count : position
            return characters.indices.contains(resolved) ? String(characters[resolved]) : nil
        }
        guard case .slice(let startExpression, let stopExpression, let stepExpression) = index.kind else { return nil }
        let step = stepExpression.flatMap(integer) ?? 1
        guard step != 0, startExpression.map({ integer($0) != nil }) ?? true,
              stopExpression.map({ integer($0) != nil }) ?? true, stepExpression.map({ integer($0) != nil }) ?? true
        else { return nil }
        func clamp(_ value: Int?, _ fallback: Int) -> Int {
            guard let value else { return fallback }
            let shifted = value < 0 ? value + count : value
            return step > 0 ? min(max(shifted, 0), count) : min(max(shifted, -1), count - 1)
        }
        var cursor = clamp(startExpression.flatMap(integer), step > 0 ? 0 : count - 1)
        let stop = clamp(stopExpression.flatMap(integer), step > 0 ? count : -1)
        var result: [Character] = []
        while step > 0 ? cursor < stop : cursor > stop {
            result.append(characters[cursor])
            cursor += step
        }
        return String(result)
    }
}
