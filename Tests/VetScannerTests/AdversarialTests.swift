import VetFixtures
import Testing
import VetCore
import VetFormats
import VetScanner

private let payload = PickleAssembler.callPickle("os", "system", ["echo modelvet-test"])
private let benign = PickleAssembler.benignPickle(protocolVersion: 2)

func ruleIDs(_ bytes: [UInt8], name: String = "model.pt") -> Set<String> {
    Set(Scanner(configuration: ScanConfiguration(jobs: 1)).scan(bytes: bytes, name: name).findings.map(\.ruleID))
}

private func torchZip(dataPkl: [UInt8] = benign) -> ZipBuilder {
    ZipBuilder().stored("archive/data.pkl", dataPkl).stored("archive/version", text: "3\n")
        .stored("archive/data/0", [UInt8](repeating: 0x3F, count: 64))
}

@Suite("Bypasses known against other scanners")
struct AdversarialTests {
    @Test("callables missing from older denylists", arguments: [
        ("pkgutil", "resolve_name"), ("pydoc", "locate"), ("importlib", "import_module"), ("operator", "attrgetter"),
        ("operator", "methodcaller"), ("runpy", "run_module"), ("timeit", "timeit"), ("pdb", "run"), ("code", "interact"),
        ("cProfile", "run"), ("webbrowser", "open"), ("_posixsubprocess", "fork_exec"), ("pty", "spawn"),
        ("ctypes", "CDLL"), ("torch.hub", "load"), ("torch", "load"), ("numpy", "load"), ("marshal", "loads"),
        ("types", "FunctionType"), ("_pickle", "loads"), ("builtins", "getattr"), ("functools", "partial"),
        ("numpy.testing._private.utils", "runstring"), ("asyncio.subprocess", "create_subprocess_shell"),
    ])
    func missingCallables(module: String, name: String) {
        #expect(ruleIDs(PickleAssembler.callPickle(module, name, ["x"])).contains("pickle_dangerous_import"), "\(module).\(name)")
    }

    @Test("universal resolvers reached by traversal from allowed modules")
    func traversal() {
        let sys = PickleAssembler(protocolVersion: 4).stackGlobal("numpy", "core._internal.sys").stop().bytes
        #expect(ruleIDs(sys).contains("pickle_dangerous_import"))
        let globals = PickleAssembler(protocolVersion: 4).stackGlobal("collections", "OrderedDict.__init__.__globals__").stop().bytes
        #expect(ruleIDs(globals).contains("pickle_attribute_traversal"))
    }

    @Test("memo and operand-type confusion cannot hide the import")
    func operandConfusion() {
        let viaMemo = PickleAssembler(protocolVersion: 4).unicode("o" + "s", opcode: .binUnicode8).op(.memoize).op(.pop)
            .unicode("system", opcode: .shortBinString).put(9).op(.pop).get(0).get(9).op(.stackGlobal)
            .unicode("id").op(.tuple1).op(.reduce).stop().bytes
        #expect(ruleIDs(viaMemo).contains("pickle_dangerous_import"))
        let computed = PickleAssembler(protocolVersion: 4).call("builtins", "str", ["os"]).unicode("system").op(.stackGlobal).stop().bytes
        #expect(ruleIDs(computed).contains("pickle_unresolved_import"))
    }

    @Test("broken streams after the payload still report the payload and the break")
    func brokenTails() {
        for tail: [UInt8] in [[0xFF], [PickleOpcode.binUnicode.rawValue, 0x40, 0, 0, 0], []] {
            let bytes = Array(payload.dropLast()) + tail
            let ids = ruleIDs(bytes)
            #expect(ids.contains("pickle_dangerous_import"))
            #expect(ids.contains("pickle_malformed"))
        }
    }

    @Test("stacked pickles and junk-separated pickles are all analysed")
    func stacked() {
        #expect(ruleIDs(benign + payload).contains("pickle_dangerous_import"))
        let ids = ruleIDs(benign + Array(repeating: 0x20, count: 100) + payload)
        #expect(ids.contains("pickle_dangerous_import"))
        #expect(ids.contains("pickle_unaccounted_data"))
    }

    @Test("a payload in a torch zip member that is not data.pkl")
    func hiddenMembers() {
        for name in ["archive/extra.bin", "archive/data/7", "archive/.data/x", "archive/constants.pkl"] {
            let zip = torchZip().stored(name, payload).bytes()
            #expect(ruleIDs(zip).contains("pickle_dangerous_import"), "\(name)")
        }
    }

    @Test("a torch zip with a .bin extension, and a zip nested in a zip")
    func disguised() {
        let zip = torchZip(dataPkl: payload).bytes()
        #expect(ruleIDs(zip, name: "pytorch_model.bin").contains("pickle_dangerous_import"))
        let nested = ZipBuilder().stored("inner.zip", zip).bytes()
        #expect(ruleIDs(nested, name: "bundle.zip").contains("pickle_dangerous_import"))
    }

    @Test("duplicate data.pkl: both copies are scanned and the duplication is reported")
    func duplicateNames() {
        let zip = ZipBuilder().stored("archive/data.pkl", benign).stored("archive/data.pkl", payload)
            .stored("archive/version", text: "3\n").bytes()
        let ids = ruleIDs(zip)
        #expect(ids.contains("zip_duplicate_name"))
        #expect(ids.contains("pickle_dangerous_import"))
    }

    @Test("local header and central directory disagree on the name")
    func nameMismatch() {
        let zip = ZipBuilder().stored("archive/data.pkl", payload) { $0.localName = Array("archive/readme.txt".utf8) }.bytes()
        let ids = ruleIDs(zip)
        #expect(ids.contains("zip_name_mismatch"))
        #expect(ids.contains("pickle_dangerous_import"))
    }

    @Test("junk before the archive and a pickle/zip polyglot")
    func prepended() {
        let zip = torchZip(dataPkl: payload).bytes()
        #expect(ruleIDs(Array(repeating: 0x41, count: 64) + zip).contains("pickle_dangerous_import"))
        let polyglot = payload + torchZip().bytes()
        let ids = ruleIDs(polyglot)
        #expect(ids.contains("pickle_dangerous_import"))
        #expect(ids.contains("zip_unaccounted_data"))
    }

    @Test("a set encryption bit on a plain member is reported, not trusted")
    func fakeEncryption() {
        let zip = torchZip().stored("archive/x.pkl", payload) { $0.flags = 1 }.bytes()
        let ids = ruleIDs(zip)
        #expect(ids.contains("zip_encrypted"))
    }

    @Test("deflated members are inflated and scanned")
    func deflated() {
        let zip = ZipBuilder().deflated("archive/data.pkl", payload).stored("archive/version", text: "3\n").bytes()
        #expect(ruleIDs(zip).contains("pickle_dangerous_import"))
    }

    @Test("a CRC mismatch on a pickle member is reported (PyTorch ignores it, zipfile does not)")
    func crc() {
        let zip = torchZip(dataPkl: payload).bytes()
        let bad = ZipBuilder().stored("archive/data.pkl", payload) { $0.crc32 = 0xDEADBEEF; $0.localCRC32 = 0xDEADBEEF }.bytes()
        #expect(!ruleIDs(zip).contains("zip_crc_mismatch"))
        #expect(ruleIDs(bad).contains("zip_crc_mismatch"))
    }

    @Test("joblib: opcodes hidden behind a fake array are seen through plain pickle's eyes")
    func joblibFakeArray() {
        // NumpyArrayWrapper whose declared float64 array (8 bytes) is really a GLOBAL os.system call.
        let hidden = Array("cos\nsystem\n".utf8)  // 11 bytes: the joblib reader skips 8 of them
        let wrapper = PickleAssembler(protocolVersion: 4).stackGlobal("joblib.numpy_pickle", "NumpyArrayWrapper")
            .op(.emptyTuple).op(.newObj).op(.emptyDict)
            .unicode("shape").int(1).op(.tuple1).op(.setItem)
            .unicode("order").unicode("C").op(.setItem)
            .unicode("dtype").stackGlobal("numpy", "dtype").unicode("f8").op(.newFalse).op(.newTrue).op(.tuple3).op(.reduce).op(.setItem)
            .op(.build).raw(hidden).op(.pop).stop().bytes
        let ids = ruleIDs(wrapper, name: "model.joblib")
        #expect(ids.contains("pickle_dangerous_import"))
    }

    @Test("resource exhaustion is bounded and reported")
    func exhaustion() {
        var limits = ScanLimits()
        limits.maxPickleOpcodes = 1000
        var asm = PickleAssembler(protocolVersion: 2)
        for _ in 0..<2000 { asm = asm.op(.none).op(.pop) }
        let report = Scanner(configuration: ScanConfiguration(limits: limits, jobs: 1)).scan(bytes: asm.stop().bytes, name: "x.pkl")
        #expect(report.findings.contains { $0.ruleID == "pickle_resource_exhaustion" })
        #expect(!report.isComplete)
    }

    @Test("a zip bomb by ratio is reported without inflating it")
    func zipBomb() {
        var limits = ScanLimits()
        limits.ratioExemptBelow = 0
        let zip = ZipBuilder().deflated("archive/data.pkl", [UInt8](repeating: 0, count: 1 << 20)).bytes()
        let report = Scanner(configuration: ScanConfiguration(limits: limits, jobs: 1)).scan(bytes: zip, name: "x.zip")
        #expect(report.findings.contains { $0.ruleID == "zip_bomb" })
    }

    @Test("benign pickles in every protocol are clean", arguments: 0...5)
    func benignProtocols(version: Int) {
        let bytes = version < 2
            ? PickleAssembler(protocolVersion: nil).op(.emptyDict).unicode("w", opcode: .binUnicode).op(.emptyList).op(.setItem).stop().bytes
            : PickleAssembler.benignPickle(protocolVersion: version)
        #expect(ruleIDs(bytes, name: "x.pkl").isEmpty)
    }
}

@Suite("Helpers that call their arguments")
struct ForwardingHelperTests {
    private func rebuildFromType(_ funcModule: String, _ funcName: String) -> [UInt8] {
        PickleAssembler(protocolVersion: 2).global("torch._tensor", "_rebuild_from_type_v2")
            .op(.mark).global(funcModule, funcName).global("torch.nn.parameter", "Parameter")
            .op(.emptyTuple).op(.emptyDict).op(.tuple).op(.reduce).stop().bytes
    }

    @Test("_rebuild_from_type_v2 handed a torch rebuild function is clean")
    func safeForwarding() {
        #expect(ruleIDs(rebuildFromType("torch._utils", "_rebuild_tensor_v2"), name: "x.pt").isEmpty)
    }

    @Test("_rebuild_from_type_v2 handed another callable is reported")
    func unsafeForwarding() {
        let ids = ruleIDs(rebuildFromType("os", "system"), name: "x.pt")
        #expect(ids.contains("pickle_dangerous_import"))
        #expect(ids.contains("pickle_unknown_import"))
        let computed = PickleAssembler(protocolVersion: 2).global("torch._tensor", "_rebuild_from_type_v2")
            .op(.mark).global("collections", "OrderedDict").op(.emptyTuple).op(.reduce).global("torch", "Tensor")
            .op(.emptyTuple).op(.emptyDict).op(.tuple).op(.reduce).stop().bytes
        #expect(ruleIDs(computed, name: "x.pt").contains("pickle_unknown_import"))
    }

    @Test("a helper handed to itself is not followed forever")
    func circular() {
        let bytes = PickleAssembler(protocolVersion: 2).global("copyreg", "__newobj__").put(0)
            .op(.mark).get(0).op(.tuple).op(.reduce).stop().bytes
        #expect(ruleIDs(bytes, name: "x.pkl").contains("pickle_unknown_import"))
    }

    @Test("copyreg._reconstructor for a plain allowed class is clean")
    func reconstructor() {
        let bytes = PickleAssembler(protocolVersion: 1).global("copy_reg", "_reconstructor")
            .op(.mark).global("collections", "OrderedDict").global("__builtin__", "object").op(.none).op(.tuple).op(.reduce)
            .stop().bytes
        #expect(ruleIDs(bytes, name: "x.pkl").isEmpty)
    }
}

@Suite("Text that happens to decode as pickle opcodes")
struct TextLookalikeTests {
    @Test("source code, CSV and git objects are not pickles", arguments: [
        ("e2e.ts", "import { expect, test } from '@playwright/test';\n\ntest('x', async () => {});\n"),
        ("camdb.csv", "Mamiya 645,0.577\nMamiya ZD,0.721\n"),
        ("object", "commit 1098 tree b2da53584951ec8aa\nparent f7b384c1e5\n"),
    ])
    func notPickles(name: String, text: String) {
        let report = Scanner(configuration: ScanConfiguration(jobs: 1)).scan(bytes: Array(text.utf8), name: name)
        #expect(report.findings.isEmpty, "\(report.findings.map(\.message))")
    }

    @Test("a protocol 0 pickle is still a pickle, and a .pkl name keeps text-like content a pickle")
    func stillPickles() {
        let scanner = Scanner(configuration: ScanConfiguration(jobs: 1))
        let payload = Array("cos\nsystem\n(S'echo x'\ntR.".utf8)
        #expect(scanner.scan(bytes: payload, name: "data").findings.contains { $0.ruleID == "pickle_dangerous_import" })
        let odd = Array("ca b\nc\n.".utf8)
        #expect(scanner.scan(bytes: odd, name: "model.pkl").coverage.first?.format == "pickle")
    }
}
