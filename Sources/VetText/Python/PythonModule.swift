/// What a Python source file refers to, with import aliases resolved: `import subprocess as sp`
/// then `sp.Popen(...)` is a reference to `subprocess.Popen`.
public struct PythonModule: Sendable {
    /// One dotted name the code uses.
    public struct Reference: Sendable, Equatable {
        /// The fully qualified dotted name (`os.system`, `builtins.eval` for bare builtins).
        public var name: String
        /// Whether it is called right there (`name(`).
        public var isCall: Bool
        /// 1-based line.
        public var line: Int
    }

    /// Every module imported (`import x`, `from x import y`).
    public var imports: [String] = []
    /// Every dotted reference, in source order.
    public var references: [Reference] = []
    /// String literals longer than 128 characters, with their lines (obfuscated payloads hide here).
    public var longStrings: [(text: String, line: Int)] = []

    static let builtins: Set<String> = ["eval", "exec", "compile", "__import__", "getattr", "setattr", "open", "input",
                                        "globals", "locals", "vars", "breakpoint", "chr", "ord", "bytes", "memoryview"]

    /// Analyses `source`.
    public static func analyse(_ source: String) -> PythonModule {
        let tokens = PythonTokenizer.tokenize(source).filter { $0.kind != .comment }
        var module = PythonModule()
        var aliases: [String: String] = [:]
        var i = 0
        func isOp(_ k: Int, _ text: String) -> Bool { k < tokens.count && tokens[k].kind == .op && tokens[k].text == text }
        func dotted(from start: Int) -> (String, Int) {
            var parts = [tokens[start].text]
            var k = start + 1
            while isOp(k, "."), k + 1 < tokens.count, tokens[k + 1].kind == .name {
                parts.append(tokens[k + 1].text)
                k += 2
            }
            return (parts.joined(separator: "."), k)
        }
        while i < tokens.count {
            let token = tokens[i]
            if token.kind == .string, token.text.count > 128 { module.longStrings.append((token.text, token.line)) }
            guard token.kind == .name else { i += 1; continue }
            let previousIsDot = i > 0 && isOp(i - 1, ".")
            if token.text == "import", !previousIsDot {
                // import a.b [as c], d
                var k = i + 1
                while k < tokens.count, tokens[k].kind == .name {
                    let (path, next) = dotted(from: k)
                    module.imports.append(path)
                    k = next
                    if k < tokens.count, tokens[k].kind == .name, tokens[k].text == "as", k + 1 < tokens.count {
                        aliases[tokens[k + 1].text] = path
                        k += 2
                    } else {
                        let root = String(path.split(separator: ".").first ?? "")
                        aliases[root] = root
                    }
                    guard isOp(k, ",") else { break }
                    k += 1
                }
                i = k
                continue
            }
            if token.text == "from", !previousIsDot, i + 1 < tokens.count {
                // from a.b import c [as d], e   (relative imports keep their leading dots)
                var k = i + 1
                var path = ""
                while isOp(k, ".") { path += "."; k += 1 }
                if k < tokens.count, tokens[k].kind == .name, tokens[k].text != "import" {
                    let (p, next) = dotted(from: k)
                    path += p
                    k = next
                }
                module.imports.append(path)
                if k < tokens.count, tokens[k].text == "import" { k += 1 }
                if isOp(k, "(") { k += 1 }
                while k < tokens.count, tokens[k].kind == .name {
                    let name = tokens[k].text
                    var bound = name
                    k += 1
                    if k + 1 < tokens.count, tokens[k].kind == .name, tokens[k].text == "as" {
                        bound = tokens[k + 1].text
                        k += 2
                    }
                    aliases[bound] = path + "." + name
                    guard isOp(k, ",") else { break }
                    k += 1
                }
                i = k
                continue
            }
            if previousIsDot { i += 1; continue }
            let (path, afterPath) = dotted(from: i)
            var qualified = resolve(path, aliases)
            var next = afterPath
            // Names reached without being written as a dotted path: `sys.modules['os'].system`,
            // `getattr(os, 'sys' + 'tem')`, `__import__('os').system`, `importlib.import_module('os')`.
            if let (target, end) = indirectTarget(qualified, at: next, tokens: tokens, aliases: aliases) {
                module.references.append(Reference(name: qualified, isCall: isOp(next, "("), line: token.line))
                qualified = target
                next = end
                while isOp(next, "."), next + 1 < tokens.count, tokens[next + 1].kind == .name {
                    qualified += "." + tokens[next + 1].text
                    next += 2
                }
            }
            module.references.append(Reference(name: qualified, isCall: isOp(next, "("), line: token.line))
            // `s = os.system` (a plain rebinding, nothing after the name): `s(...)` calls os.system.
            if isOp(i + 1, "="), i + 2 < tokens.count, tokens[i + 2].kind == .name,
               i == 0 || tokens[i - 1].kind == .newline || isOp(i - 1, ";") {
                let (value, end) = dotted(from: i + 2)
                var target = resolve(value, aliases)
                var stop = end
                if let (indirect, indirectEnd) = indirectTarget(target, at: end, tokens: tokens, aliases: aliases) {
                    target = indirect
                    stop = indirectEnd
                    while isOp(stop, "."), stop + 1 < tokens.count, tokens[stop + 1].kind == .name {
                        target += "." + tokens[stop + 1].text
                        stop += 2
                    }
                }
                if stop >= tokens.count || tokens[stop].kind == .newline || isOp(stop, ";") {
                    aliases[token.text] = target
                }
            }
            i = next
        }
        return module
    }

    /// The qualified name for a dotted path: through import and assignment aliases, or a builtin.
    static func resolve(_ path: String, _ aliases: [String: String]) -> String {
        let head = String(path.split(separator: ".").first ?? "")
        let rest = path.dropFirst(head.count)
        if let target = aliases[head] { return target + rest }
        if builtins.contains(head) { return "builtins." + path }
        return path
    }

    /// When `qualified` at `index` is an indirect way to name an object with constant strings,
    /// the name it reaches and the index after the construct.
    static func indirectTarget(_ qualified: String, at index: Int, tokens: [PythonToken],
                               aliases: [String: String]) -> (String, Int)? {
        func isOp(_ k: Int, _ text: String) -> Bool { k < tokens.count && tokens[k].kind == .op && tokens[k].text == text }
        // String literals joined by `+` (or adjacent), up to a closing token.
        func constant(from start: Int) -> (String, Int)? {
            var k = start
            var text = ""
            var sawString = false
            while k < tokens.count, tokens[k].kind == .string {
                text += tokens[k].text
                sawString = true
                k += 1
                if isOp(k, "+"), k + 1 < tokens.count, tokens[k + 1].kind == .string { k += 1 }
            }
            return sawString ? (text, k) : nil
        }
        switch qualified {
        case "sys.modules":
            guard isOp(index, "["), let (name, end) = constant(from: index + 1), isOp(end, "]") else { return nil }
            return (name, end + 1)
        case "builtins.__import__", "importlib.import_module":
            guard isOp(index, "("), let (name, end) = constant(from: index + 1), isOp(end, ")") || isOp(end, ",") else { return nil }
            var close = end
            while close < tokens.count, !isOp(close, ")") { close += 1 }
            return (name, close + 1)
        case "builtins.getattr":
            guard isOp(index, "("), index + 1 < tokens.count, tokens[index + 1].kind == .name else { return nil }
            var k = index + 1
            var parts = [tokens[k].text]
            k += 1
            while isOp(k, "."), k + 1 < tokens.count, tokens[k + 1].kind == .name { parts.append(tokens[k + 1].text); k += 2 }
            guard isOp(k, ","), let (attribute, end) = constant(from: k + 1), isOp(end, ")") || isOp(end, ",") else { return nil }
            var close = end
            while close < tokens.count, !isOp(close, ")") { close += 1 }
            return (resolve(parts.joined(separator: "."), aliases) + "." + attribute, close + 1)
        default:
            return nil
        }
    }
}
