import VetPickle

/// What the policy says about one import.
public enum ImportVerdict: Sendable, Equatable {
    /// On the allowlist: real checkpoints use it and it cannot run code.
    case safe
    /// On the denylist; `matched` is the entry and `category` why it is there.
    case dangerous(category: String, matched: String)
    /// The name walks through a `__dunder__` attribute to reach objects the module never exported.
    case traversal(component: String)
    /// The operands were not constant strings.
    case unresolved
    /// Neither allowed nor denied.
    case unknown
}

/// Classifies pickle imports against the built-in lists plus any `--policy` additions.
public struct ImportPolicy: Sendable {
    var dangerous: [String: String]
    var safe: Set<String>
    var safeModulePrefixes: [String]

    /// The built-in lists.
    public static let builtIn = ImportPolicy(
        dangerous: Dictionary(DangerousGlobals.entries.map { ($0.path, $0.category) }, uniquingKeysWith: { a, _ in a }),
        safe: Set(SafeGlobals.entries.map { $0.module + "." + $0.name }),
        safeModulePrefixes: [])

    /// Adds a dotted path to the denylist.
    public mutating func deny(_ path: String, category: String) { dangerous[path] = category }

    /// Adds `module.name` to the allowlist; `prefix.*` allows every import from modules under `prefix`.
    public mutating func allow(_ path: String) {
        if path.hasSuffix(".*") { safeModulePrefixes.append(String(path.dropLast(2))) } else { safe.insert(path) }
    }

    /// Python 2 module names that CPython's unpickler maps to Python 3 ones (`_compat_pickle`).
    static let python2Modules: [String: String] = [
        "__builtin__": "builtins", "copy_reg": "copyreg", "exceptions": "builtins", "cPickle": "pickle",
        "commands": "subprocess", "Queue": "queue", "SocketServer": "socketserver", "StringIO": "io",
        "cStringIO": "io", "urllib2": "urllib.request", "urlparse": "urllib.parse", "httplib": "http.client",
        "thread": "_thread", "dummy_thread": "_dummy_thread", "UserDict": "collections", "UserList": "collections",
        "UserString": "collections", "whichdb": "dbm", "anydbm": "dbm", "xmlrpclib": "xmlrpc.client",
        "BaseHTTPServer": "http.server", "SimpleHTTPServer": "http.server", "CGIHTTPServer": "http.server",
        "cookielib": "http.cookiejar", "Cookie": "http.cookies", "robotparser": "urllib.robotparser",
        "ConfigParser": "configparser", "repr": "reprlib", "Tkinter": "tkinter", "markupbase": "_markupbase",
        "dbm": "dbm.ndbm", "gdbm": "dbm.gnu", "dumbdbm": "dbm.dumb", "_winreg": "winreg", "HTMLParser": "html.parser",
        "SimpleXMLRPCServer": "xmlrpc.server", "DocXMLRPCServer": "xmlrpc.server", "popen2": "subprocess",
    ]

    /// Classifies an import.
    public func classify(_ imported: PickleImport) -> ImportVerdict {
        guard imported.isResolved else { return .unresolved }
        var modules = [imported.module]
        if let mapped = Self.python2Modules[imported.module] { modules.append(mapped) }
        // An exact allowlist entry names one object, so no traversal can hide behind it; it may
        // sit inside a denied module (torch.jit._pickle helpers inside torch.jit).
        if modules.contains(where: { safe.contains($0 + "." + imported.name) }) { return .safe }
        let nameParts = imported.name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        for module in modules {
            let moduleParts = module.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            if let hit = dangerousMatch(moduleParts: moduleParts, nameParts: nameParts) { return hit }
        }
        if let dunder = nameParts.first(where: { $0.count > 4 && $0.hasPrefix("__") && $0.hasSuffix("__") }) {
            return .traversal(component: dunder)
        }
        if nameParts.contains(where: { $0.isEmpty }) { return .traversal(component: "(empty component)") }
        for module in modules where safeModulePrefixes.contains(where: { module == $0 || module.hasPrefix($0 + ".") }) {
            return .safe
        }
        return .unknown
    }

    /// Checks the module path from its root, then every point where the attribute walk could
    /// reach a module or object by name (`numpy` + `core._internal.sys` reaches `sys`).
    private func dangerousMatch(moduleParts: [String], nameParts: [String]) -> ImportVerdict? {
        let parts = moduleParts + nameParts
        let starts = [0] + Array(moduleParts.count..<parts.count)
        for start in starts {
            var path = ""
            for index in start..<parts.count {
                path += (index == start ? "" : ".") + parts[index]
                if let category = dangerous[path] { return .dangerous(category: category, matched: path) }
            }
        }
        return nil
    }
}
