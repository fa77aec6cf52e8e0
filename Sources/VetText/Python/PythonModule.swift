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
            let (path, next) = dotted(from: i)
            let head = String(path.split(separator: ".").first ?? "")
            let rest = path.dropFirst(head.count)
            let qualified: String
            if let target = aliases[head] {
                qualified = target + rest
            } else if builtins.contains(head) {
                qualified = "builtins." + path
            } else {
                qualified = path
            }
            module.references.append(Reference(name: qualified, isCall: isOp(next, "("), line: token.line))
            i = next
        }
        return module
    }
}
