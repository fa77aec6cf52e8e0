import Testing
import VetCore
import VetFormats
@testable import VetRules

private func verdict(_ module: String, _ name: String, policy: ImportPolicy = .builtIn) -> ImportVerdict {
    policy.classify(PickleImport(module: module, name: name, isResolved: true, notes: [], opcode: .stackGlobal,
                                 offset: 0))
}

private func isDangerous(_ v: ImportVerdict) -> Bool { if case .dangerous = v { true } else { false } }

@Suite("Import policy")
struct ImportPolicyTests {
    @Test("globals real checkpoints use are safe", arguments: [
        ("collections", "OrderedDict"), ("torch._utils", "_rebuild_tensor_v2"), ("torch._utils", "_rebuild_parameter"),
        ("torch", "FloatStorage"), ("torch", "BFloat16Storage"), ("torch", "LongStorage"), ("torch", "BoolStorage"),
        ("torch", "HalfStorage"), ("torch", "FloatTensor"), ("torch", "LongTensor"),
        ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"), ("numpy", "ndarray"),
        ("numpy", "dtype"), ("joblib.numpy_pickle", "NumpyArrayWrapper"), ("_codecs", "encode"), ("__builtin__", "set"),
        ("builtins", "set"), ("torch.jit._pickle", "build_intlist"),
    ])
    func safe(module: String, name: String) {
        #expect(verdict(module, name) == .safe)
    }

    @Test("dangerous callables, including resolvers and Python 2 names", arguments: [
        ("os", "system"), ("posix", "system"), ("nt", "system"), ("subprocess", "Popen"), ("builtins", "eval"),
        ("builtins", "exec"), ("builtins", "getattr"), ("__builtin__", "eval"), ("builtins", "__import__"),
        ("importlib", "import_module"), ("pkgutil", "resolve_name"), ("pydoc", "locate"), ("operator", "attrgetter"),
        ("operator", "methodcaller"), ("runpy", "run_path"), ("pty", "spawn"), ("socket", "create_connection"),
        ("shutil", "rmtree"), ("ctypes", "CDLL"), ("marshal", "loads"), ("types", "CodeType"), ("pickle", "loads"),
        ("torch", "load"), ("torch.hub", "load"), ("numpy", "load"), ("pdb", "run"), ("timeit", "timeit"),
        ("pip", "main"), ("commands", "getoutput"), ("asyncio.unix_events", "_UnixSubprocessTransport"),
        ("webbrowser", "open"), ("code", "interact"), ("cProfile", "run"), ("sys", "modules"),
    ])
    func dangerous(module: String, name: String) {
        #expect(isDangerous(verdict(module, name)), "\(module).\(name) → \(verdict(module, name))")
    }

    @Test("dotted traversal through allowed modules is caught")
    func traversal() {
        #expect(isDangerous(verdict("numpy", "core._internal.sys")))
        #expect(isDangerous(verdict("torch", "serialization.os.system")))
        #expect(verdict("collections", "OrderedDict.__init__.__globals__") == .traversal(component: "__init__"))
        #expect(verdict("torch._utils", "_rebuild_tensor_v2.__globals__") == .traversal(component: "__globals__"))
        #expect(verdict("collections", "OrderedDict..x") == .traversal(component: "(empty component)"))
    }

    @Test("a user module named like a stdlib module is not confused with it")
    func noFalseTraversal() {
        #expect(verdict("mypkg.code", "Model") == .unknown)
        #expect(verdict("torch.nn.modules.linear", "Linear") == .unknown)
    }

    @Test("policy additions allow, deny and allow whole packages")
    func policyAdditions() throws {
        let policy = try ScanPolicy.parse("""
        [[allow]]
        global = "sklearn.*"
        reason = "we ship estimators"

        [[allow]]
        global = "mypkg.Model"
        reason = "ours"

        [[deny]]
        global = "mypkg.evil"
        reason = "runs hooks"
        """, knownRules: [])
        #expect(verdict("sklearn.linear_model._logistic", "LogisticRegression", policy: policy.imports) == .safe)
        #expect(verdict("mypkg", "Model", policy: policy.imports) == .safe)
        #expect(isDangerous(verdict("mypkg", "evil", policy: policy.imports)))
        #expect(isDangerous(verdict("os", "system", policy: policy.imports)))
        #expect(verdict("sklearn", "x.__globals__", policy: policy.imports) == .traversal(component: "__globals__"))
    }

    @Test("policy files are validated", arguments: [
        ("[[allow]]\nglobal = \"a.b\"\n", "reason"),
        ("[[allow]]\nglobal = \"a.b\"\nreason = \"  \"\n", "reason"),
        ("[[severity]]\nrule = \"nope\"\nlevel = \"high\"\nreason = \"x\"\n", "unknown rule"),
        ("[[severity]]\nrule = \"r\"\nlevel = \"extreme\"\nreason = \"x\"\n", "unknown level"),
        ("[other]\nx = 1\n", "unknown policy section"),
        ("[[allow]]\nglobal = \"a.b\"\nreason = \"x\"\nextra = 1\n", "unknown key"),
        ("[[allow]\n", "not valid TOML"),
    ])
    func policyErrors(text: String, expected: String) {
        do {
            _ = try ScanPolicy.parse(text, knownRules: ["r"])
            Issue.record("accepted: \(text)")
        } catch {
            #expect("\(error)".contains(expected), "\(error)")
        }
    }

    @Test("severity overrides apply to findings")
    func severityOverride() throws {
        let policy = try ScanPolicy.parse("[[severity]]\nrule = \"r\"\nlevel = \"info\"\nreason = \"accepted risk\"\n", knownRules: ["r"])
        let finding = Finding(ruleID: "r", severity: .critical, message: "m", location: Location(file: "f"))
        #expect(policy.apply(to: [finding]).first?.severity == .info)
    }

    @Test("the allowlist holds no denylisted path and the denylist is broad")
    func listsConsistent() {
        #expect(DangerousGlobals.entries.count >= 150)
        let dangerous = Set(DangerousGlobals.entries.map(\.path))
        for entry in SafeGlobals.entries {
            #expect(!dangerous.contains(entry.module + "." + entry.name), "\(entry.module).\(entry.name)")
        }
    }
}
