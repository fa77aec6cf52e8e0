import VetCore
import VetText

/// Classifies what Python code in a model repository does, from its resolved references.
public enum PythonCodeRules {
    /// Dotted-name prefixes per behaviour; a reference matches an entry or anything under it.
    static let categories: [(rule: RuleDescriptor, names: [String])] = [
        (PythonDynamicCodeRule.descriptor, [
            "builtins.eval", "builtins.exec", "builtins.compile", "builtins.__import__", "importlib.import_module",
            "importlib.__import__", "runpy", "marshal.loads", "marshal.load", "pickle.loads", "pickle.load", "dill.loads",
            "cloudpickle.loads", "types.FunctionType", "types.CodeType", "code.InteractiveInterpreter", "code.interact",
            "timeit.timeit", "timeit.repeat", "timeit.Timer",
        ]),
        (PythonProcessRule.descriptor, [
            "os.system", "os.popen", "os.execv", "os.execve", "os.execl", "os.execle", "os.execlp", "os.execvp", "os.execvpe",
            "os.spawnl", "os.spawnv", "os.spawnve", "os.spawnlp", "os.posix_spawn", "os.fork", "os.forkpty", "os.kill",
            "subprocess", "pty.spawn", "commands", "asyncio.create_subprocess_exec", "asyncio.create_subprocess_shell",
            "ctypes", "cffi",
        ]),
        (PythonNetworkRule.descriptor, [
            "socket", "requests", "urllib.request", "urllib3", "http.client", "httpx", "aiohttp", "ftplib", "smtplib",
            "telnetlib", "paramiko", "websocket", "websockets", "xmlrpc.client",
        ]),
        (PythonFileSystemRule.descriptor, [
            "shutil.rmtree", "shutil.move", "os.remove", "os.unlink", "os.rmdir", "os.removedirs", "os.rename", "os.chmod",
            "os.chown", "os.symlink", "pathlib.Path.write_text", "pathlib.Path.write_bytes",
        ]),
    ]

    static let decoders = ["base64.b64decode", "base64.b85decode", "base64.a85decode", "base64.decodebytes", "zlib.decompress",
                           "codecs.decode", "bz2.decompress", "lzma.decompress", "binascii.unhexlify", "bytes.fromhex"]

    /// Every rule this analysis reports.
    public static var all: [RuleDescriptor] {
        categories.map(\.rule) + [PythonObfuscationRule.descriptor]
    }

    static func matches(_ name: String, _ prefix: String) -> Bool { name == prefix || name.hasPrefix(prefix + ".") }

    /// Analyses one Python file and reports what it would do when imported or run.
    public static func check(_ source: String, at location: Location, into sink: inout FindingSink) {
        let module = PythonModule.analyse(source)
        for (rule, names) in categories {
            var reported = Set<String>()
            for reference in module.references where names.contains(where: { matches(reference.name, $0) }) {
                guard reported.insert(reference.name).inserted else { continue }
                let verb = reference.isCall ? "calls" : "refers to"
                sink.report(rule, "line \(reference.line) \(verb) \(reference.name)", at: location)
            }
        }
        let decodes = module.references.filter { ref in decoders.contains { matches(ref.name, $0) } }
        let executes = module.references.filter { ref in ["builtins.eval", "builtins.exec", "builtins.compile", "marshal.loads"].contains(ref.name) }
        if let decode = decodes.first, let execute = executes.first {
            sink.report(PythonObfuscationRule.descriptor,
                        "decodes data (\(decode.name), line \(decode.line)) and executes code (\(execute.name), line \(execute.line))",
                        at: location, severity: .critical)
        }
        for (text, line) in module.longStrings.prefix(5) where looksEncoded(text) {
            sink.report(PythonObfuscationRule.descriptor, "line \(line) holds a \(text.count)-character encoded-looking string literal",
                        at: location, evidence: String(text.prefix(80)))
        }
    }

    /// Base64 or hex text with no spaces: how packed payloads look.
    static func looksEncoded(_ text: String) -> Bool {
        guard text.count >= 256, !text.contains(" ") else { return false }
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_-\n")
        return text.allSatisfy { allowed.contains($0) }
    }
}
