import Foundation
import Testing
import VetBytes
import VetCore
import VetFixtures
import VetFormats
import VetRules
import VetScanner

/// The bypasses and false positives outside testing found (issue 8), each rebuilt from scratch by
/// a test builder. Items that are also rule examples are covered there; these are the rest, and
/// the shapes where the point is what the scanner does with a file's name and readers.
@Suite("Bypass regressions (issue 8)")
struct BypassRegressionTests {
    static func scan(_ bytes: [UInt8], _ name: String) -> ScanReport {
        Scanner(configuration: ScanConfiguration(jobs: 1)).scan(bytes: bytes, name: name)
    }

    static func rules(_ report: ScanReport, atLeast severity: Severity = .medium) -> Set<String> {
        Set(report.findings.filter { $0.severity >= severity }.map(\.ruleID))
    }

    // MARK: 1. Text-looking pickles

    /// A protocol-0 pickle whose first line is a 2 MiB string, then `os.system`: it reads as text.
    static let longLinePickle: [UInt8] = {
        var bytes = Array("S'".utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: 2 << 20) + Array("'\np0\n0".utf8)
        bytes += Array("cos\nsystem\n(S'echo modelvet-test'\ntR.".utf8)
        return bytes
    }()

    @Test("a text-looking protocol-0 pickle is analysed as a pickle under any name",
          arguments: ["model.pth.tar", "arrays.npy", "tokenizer.model", "notes.txt", "data"])
    func protocolZeroPickleAnyName(name: String) {
        let report = Self.scan(Self.longLinePickle, name)
        #expect(report.findings.contains { $0.ruleID == "pickle_dangerous_import" && $0.severity == .critical },
                "\(name): \(report.findings.map(\.ruleID)) \(report.coverage.map(\.format))")
    }

    // MARK: 2. JSON that Python reads and a strict parser does not

    @Test("auto_map and chat_template in configs Python's json accepts (NaN, Infinity) are analysed")
    func pythonJSON() {
        let config = Self.scan(Array(#"{"initializer_range": NaN, "x": -Infinity, "auto_map": {"AutoModel": "modeling_x.M"}}"#.utf8), "config.json")
        #expect(Self.rules(config).contains("repo_remote_code"))
        let tokenizer = Self.scan(Array(#"{"max": Infinity, "chat_template": "{{ cycler.__init__.__globals__.os.popen('id') }}"}"#.utf8),
                                  "tokenizer_config.json")
        #expect(Self.rules(tokenizer, atLeast: .high).contains("jinja_dunder_access"))
    }

    @Test("a config nested 300 levels deep is parsed; one deeper than the limit is a finding, never 'text'")
    func deepJSON() {
        let deep = String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
        let report = Self.scan(Array(#"{"deep": \#(deep), "auto_map": {"AutoModel": "modeling_x.M"}}"#.utf8), "config.json")
        #expect(Self.rules(report).contains("repo_remote_code"))
        let limit = ScanLimits().maxConfigDepth + 1
        let tooDeep = String(repeating: "[", count: limit) + String(repeating: "]", count: limit)
        let hidden = Self.scan(Array(#"{"deep": \#(tooDeep), "auto_map": {"AutoModel": "modeling_x.M"}}"#.utf8), "config.json")
        #expect(hidden.findings.contains { $0.ruleID == "config_unparseable" && $0.severity == .high })
        #expect(!hidden.isComplete)
        #expect(!hidden.coverage.contains { $0.format == "text" })
    }

    @Test("a .json file no JSON reader accepts is a finding and partial coverage")
    func unparseableJSON() {
        let report = Self.scan(Array("{\"auto_map\": {\"AutoModel\": \"m.M\",}".utf8), "config.json")
        #expect(report.findings.contains { $0.ruleID == "config_unparseable" && $0.severity == .high })
        #expect(report.coverage.contains { $0.format == "json" && $0.status == .partial })
    }

    // MARK: 3. SavedModel read as a GraphDef

    /// modelaudit's layout: no schema version, a meta graph whose graph holds a PyFunc node.
    static let savedModelWithoutVersion: [UInt8] = ProtobufWriter { model in
        model.message(2) { meta in
            meta.message(2) { graph in
                graph.message(1) { $0.string(1, "Const"); $0.string(2, "Const") }
                graph.message(1) { $0.string(1, "bad"); $0.string(2, "PyFunc") }
            }
        }
    }.bytes

    @Test("saved_model.pb is read as a SavedModel whatever its first field")
    func savedModelByName() {
        #expect(Self.rules(Self.scan(Self.savedModelWithoutVersion, "saved_model.pb")).contains("tensorflow_python_op"))
        // Under another .pb name neither shape is decided by the name: both readings run.
        #expect(Self.rules(Self.scan(Self.savedModelWithoutVersion, "model.pb")).contains("tensorflow_python_op"))
    }

    @Test("bytes that are a harmless SavedModel and a PyFunc GraphDef are read both ways")
    func protobufPolyglot() {
        let polyglot = ProtobufWriter { file in
            file.varint(1, 1)
            file.message(2) { _ in }
            file.message(1) { $0.string(1, "bad"); $0.string(2, "PyFunc") }
        }.bytes
        #expect(Self.rules(Self.scan(polyglot, "model.pb")).contains("tensorflow_python_op"))
    }

    @Test("a SentencePiece tokenizer model is read as one, not as a TensorFlow graph, and nothing is left unscanned")
    func sentencePieceNotTensorFlow() {
        // ModelProto: pieces (1), then a trainer spec (2) whose `input` (1) is a string and a
        // normalizer spec (3): made only of messages, as a MetaGraphDef is.
        let model = ProtobufWriter { file in
            for (piece, score) in [("<unk>", 0.0), ("\u{2581}the", -1.5)] as [(String, Float)] {
                file.message(1) { $0.string(1, piece); $0.fixed32(2, score.bitPattern); $0.varint(3, 1) }
            }
            file.message(2) { $0.string(1, "corpus.txt"); $0.string(2, "m"); $0.varint(3, 1); $0.varint(4, 2) }
            file.message(3) { $0.string(1, "nmt_nfkc"); $0.bytes(2, [1, 2, 3, 4]) }
        }.bytes
        let report = Self.scan(model, "tokenizer.model")
        #expect(report.findings.isEmpty)
        #expect(report.coverage.map(\.format) == ["sentencepiece"])
        #expect(report.coverage.allSatisfy { $0.status == .scanned })
    }

    @Test("a zip whose stored members are pickles is read as a zip only: no loader unpickles content that starts PK\\3\\4")
    func storedZipNotPickle() {
        let inner = PickleAssembler(protocolVersion: 4).stackGlobal("collections", "OrderedDict").op(.emptyTuple).op(.reduce)
            .stop().bytes
        // An object array's NPY header ends in a newline, which ends the PERSID that "PK" starts.
        let array = NpyBuilder.bytes(descr: "'|O'", shape: "(1,)", data: inner)
        let archive = ZipBuilder().stored("a.npy", array).stored("b.npy", array).bytes()
        let report = Self.scan(archive, "arrays.npz")
        #expect(!report.coverage.contains { $0.format == "pickle" && $0.location.members.isEmpty })
        #expect(report.coverage.filter { $0.format == "numpy-object" }.count == 2)
        #expect(Self.rules(report).isEmpty)
    }

    // MARK: 4. Templates outside JSON and .jinja

    static let ssti = "{{ cycler.__init__.__globals__.os.popen('echo modelvet-test').read() }}"

    @Test("templates named .template or .j2.txt, or in YAML at any depth, are analysed",
          arguments: ["prompt.template", "chat.j2.txt", "chat_template.jinja"])
    func templateFiles(name: String) {
        #expect(Self.rules(Self.scan(Array(("Hello {{ name }}\n" + Self.ssti).utf8), name), atLeast: .high).contains("jinja_dunder_access"))
    }

    @Test("YAML configs: chat_template at any depth, and Jinja strings under other keys")
    func yamlTemplates() {
        let yaml = "model:\n  serving:\n    chat_template: \"\(Self.ssti)\"\n"
        #expect(Self.rules(Self.scan(Array(yaml.utf8), "config.yaml"), atLeast: .high).contains("jinja_dunder_access"))
        let other = "deploy_script: \"{{ __import__('os').system('id') }}\"\n"
        #expect(Self.rules(Self.scan(Array(other.utf8), "serve.yml")).contains("jinja_sandbox_escape_object"))
        #expect(Self.rules(Self.scan(Array("chat_template: \"{{ messages[0]['content'] }}\"\n".utf8), "config.yaml")).isEmpty)
    }

    // MARK: 5. joblib array sizing

    /// A joblib pickle whose wrapper is sized by `state` and followed by 32 bytes of STOP opcodes
    /// (where a reader that under-reads the array stops) and then the payload joblib runs next.
    static func joblibFile(state: (PickleAssembler) -> PickleAssembler, padding: [UInt8] = [], dataLength: Int = 32) -> [UInt8] {
        let wrapper = PickleAssembler(protocolVersion: 2).global("joblib.numpy_pickle", "NumpyArrayWrapper").op(.emptyTuple).op(.newObj)
        let built = state(wrapper.op(.emptyDict).op(.mark)).op(.setItems).op(.build)
        return built.bytes + padding + [UInt8](repeating: UInt8(ascii: "."), count: dataLength)
            + Array("cos\nsystem\n(S'echo modelvet-test'\ntR.".utf8)
    }

    /// `"dtype": numpy.dtype(typeString, False, True)`, with the BUILD state NumPy writes when
    /// `elementSize` is given (version 3 layout: element size at index 5).
    static func dtype(_ typeString: String, elementSize: Int? = nil) -> (PickleAssembler) -> PickleAssembler {
        { assembler in
            let made = assembler.unicode("dtype").global("numpy", "dtype").unicode(typeString).op(.newFalse).op(.newTrue).op(.tuple3)
                .op(.reduce)
            guard let elementSize else { return made }
            return made.op(.mark).int(3).unicode("<").op(.none).op(.none).op(.none).int(elementSize).long(-1).int(0).op(.tuple).op(.build)
        }
    }

    @Test("joblib arrays sized as joblib sizes them: list shapes, float alignment, a lying element size")
    func joblibSizing() {
        let listShape = Self.joblibFile { Self.dtype("u1")($0.unicode("shape").op(.emptyList).int(32).op(.append)) }
        #expect(Self.rules(Self.scan(listShape, "model.joblib")).contains("pickle_dangerous_import"))

        let floatAlignment = Self.joblibFile(state: {
            Self.dtype("u1")($0.unicode("shape").int(32).op(.tuple1).unicode("numpy_array_alignment_bytes")
                .op(.binFloat, [0x40, 0x30, 0, 0, 0, 0, 0, 0]))
        }, padding: [15] + [UInt8](repeating: 0xFF, count: 15))
        #expect(Self.rules(Self.scan(floatAlignment, "model.joblib")).contains("pickle_dangerous_import"))

        // NumPy ignores the state's element size for numeric kinds: joblib reads 4 bytes, not 1000.
        let lyingSize = Self.joblibFile(state: { Self.dtype("f4", elementSize: 1000)($0.unicode("shape").int(1).op(.tuple1)) }, dataLength: 4)
        #expect(Self.rules(Self.scan(lyingSize, "model.joblib")).contains("pickle_dangerous_import"))
    }

    // MARK: 6./7. Allow-listed constructors with costly arguments; encoded second stages

    @Test("a costly constructor reached through NEWOBJ is reported like a call")
    func costThroughNewObj() {
        let bytes = PickleAssembler(protocolVersion: 2).global("fractions", "Fraction").unicode("1e999999999").op(.tuple1).op(.newObj)
            .stop().bytes
        #expect(Self.rules(Self.scan(bytes, "model.pkl")).contains("pickle_resource_exhaustion"))
    }

    @Test("a dormant base64 second stage is high; one the outer pickle unpickles itself stays critical")
    func secondStageSeverity() {
        let inner = PickleAssembler.callPickle("os", "system", ["echo modelvet-test"], protocolVersion: 2)
        let dormant = PickleAssembler(protocolVersion: 4).unicode(Base64.encode(inner)).stop().bytes
        let stored = Self.scan(dormant, "model.pkl").findings.filter { $0.ruleID == "pickle_dangerous_import" }
        #expect(!stored.isEmpty && stored.allSatisfy { $0.severity == .high && $0.message.hasPrefix("dormant second stage") })
        let live = PickleAssembler(protocolVersion: 4).stackGlobal("pickle", "loads").binBytes(inner).op(.tuple1).op(.reduce).stop().bytes
        let run = Self.scan(live, "model.pkl").findings.filter { $0.ruleID == "pickle_dangerous_import" }
        #expect(run.count >= 2 && run.allSatisfy { $0.severity == .critical })
    }

    @Test("an unknown import in a dormant second stage is low; the same import run by the outer pickle stays medium")
    func secondStageUnknownSeverity() {
        let inner = PickleAssembler.callPickle("builtins", "print", ["hello"], protocolVersion: 2)
        let dormant = PickleAssembler(protocolVersion: 4).binBytes(inner).stop().bytes
        let stored = Self.scan(dormant, "model.pkl").findings.filter { $0.ruleID == "pickle_unknown_import" }
        #expect(!stored.isEmpty && stored.allSatisfy { $0.severity == .low && $0.message.hasPrefix("dormant second stage") })
        let live = PickleAssembler(protocolVersion: 4).stackGlobal("pickle", "loads").binBytes(inner).op(.tuple1).op(.reduce).stop().bytes
        let run = Self.scan(live, "model.pkl").findings.filter { $0.ruleID == "pickle_unknown_import" }
        #expect(!run.isEmpty && run.allSatisfy { $0.severity == .medium })
    }

    // MARK: 9. More bypasses of the same kind

    @Test("a chat template naming dunders through keyword names or format fields is flagged")
    func templateNameBuilding() {
        let keywords = "{% for k in dict(__init__=1) %}{{ cycler[k] }}{% endfor %}"
        #expect(Self.rules(Self.scan(Array(keywords.utf8), "chat_template.jinja"), atLeast: .high).contains("jinja_dunder_access"))
        let format = "{{ '{0.__init__.__globals__[os]}'.format(cycler) }}"
        #expect(Self.rules(Self.scan(Array(format.utf8), "chat_template.jinja"), atLeast: .high).contains("jinja_dunder_access"))
    }

    @Test("a GGUF template key cut at NUL, which llama.cpp reads before the benign one, is analysed")
    func ggufNulKey() {
        let bytes = GGUFBuilder()
            .meta("tokenizer.chat_template\u{0}v2", .string(Self.ssti))
            .meta("tokenizer.chat_template", .string("{{ messages[0]['content'] }}"))
            .tensor(.init("w", dimensions: [8], data: [UInt8](repeating: 0, count: 32))).bytes()
        let found = Self.rules(Self.scan(bytes, "model.gguf"))
        #expect(found.contains("jinja_dunder_access") && found.contains("gguf_duplicate_name"))
    }

    @Test("a .keras zip holding only config.json is read as Keras")
    func kerasConfigOnly() {
        let config = KerasExample.sequential(layers: [KerasExample.lambdaLayerV3])
        let bytes = ZipBuilder().deflated("config.json", Array(config.utf8)).bytes()
        #expect(Self.rules(Self.scan(bytes, "model.keras"), atLeast: .high).contains("keras_lambda_layer"))
    }

    @Test("a legacy tar checkpoint whose record imports a decoy type is sized by the record's own type")
    func legacyTarRecordType() {
        // The record pickle imports FloatStorage, drops it, and declares ByteStorage in its tuple:
        // torch reads one byte per element, so the views pickle after four data bytes runs.
        let record = PickleAssembler(protocolVersion: 2).global("torch", "FloatStorage").op(.pop).unicode("0").unicode("cpu")
            .global("torch", "ByteStorage").op(.tuple3).stop().bytes
        let count = PickleAssembler(protocolVersion: 2).int(1).stop().bytes
        let views = PickleAssembler.callPickle("os", "system", ["echo modelvet-test"], protocolVersion: 2)
        let storages = count + record + [4, 0, 0, 0, 0, 0, 0, 0] + [1, 2, 3, 4] + views
        let tar = TarBuilder().file("sys_info", PickleAssembler.benignPickle(protocolVersion: 2))
            .file("pickle", PickleAssembler.benignPickle(protocolVersion: 2))
            .file("storages", storages).file("tensors", PickleAssembler(protocolVersion: 2).int(0).stop().bytes).bytes()
        #expect(Self.rules(Self.scan(tar, "model.pt")).contains("pickle_dangerous_import"))
    }

    @Test("a sparse tar member is scanned as tarfile reassembles it")
    func sparseTarMember() {
        let payload = PickleAssembler.callPickle("os", "system", ["echo modelvet-test"], protocolVersion: 2)
        let found = Self.rules(Self.scan(TarBuilder().sparseFile("pickle", logical: payload).bytes(), "model.tar"))
        #expect(found.contains("pickle_dangerous_import") && found.contains("tar_sparse_member"))
    }

    // MARK: 10. False positives on ordinary files

    @Test(".npy files of datetime64 and timedelta64 are valid, not unknown dtypes")
    func datetimeArrays() {
        for descr in ["'<M8[ns]'", "'<m8[s]'", "'<M8'"] {
            let bytes = NpyBuilder.bytes(descr: descr, shape: "(2,)", data: [UInt8](repeating: 0, count: 16))
            #expect(Self.rules(Self.scan(bytes, "times.npy"), atLeast: .low).isEmpty, "\(descr)")
        }
    }

    @Test("a class of the loading script (__main__), rebuilt as pickle rebuilds objects, is low; called with arguments it stays medium")
    func scriptClass() {
        func unknown(_ bytes: [UInt8]) -> [Finding] {
            Self.scan(bytes, "model.pkl").findings.filter { $0.ruleID == "pickle_unknown_import" }
        }
        // What torch.save(model) writes for a model class defined in the training script.
        let rebuilt = PickleAssembler(protocolVersion: 4).stackGlobal("__main__", "Net").op(.emptyTuple).op(.newObj)
            .op(.emptyDict).unicode("training").op(.newTrue).op(.setItem).op(.build).stop().bytes
        let quiet = unknown(rebuilt)
        #expect(quiet.count == 1 && quiet.allSatisfy { $0.severity == .low })
        // Called with an argument (a script that did `from subprocess import Popen`), or a dotted path
        // through the script's modules: the loader runs whatever the name resolves to.
        let called = PickleAssembler(protocolVersion: 4).stackGlobal("__main__", "Popen").unicode("id").op(.tuple1)
            .op(.reduce).stop().bytes
        #expect(!unknown(called).isEmpty && unknown(called).allSatisfy { $0.severity == .medium })
        let withArgs = PickleAssembler(protocolVersion: 4).stackGlobal("__main__", "Net").unicode("x").op(.tuple1)
            .op(.newObj).stop().bytes
        #expect(!unknown(withArgs).isEmpty && unknown(withArgs).allSatisfy { $0.severity == .medium })
        let dotted = PickleAssembler(protocolVersion: 4).stackGlobal("__main__", "helpers.Net").op(.emptyTuple)
            .op(.newObj).stop().bytes
        #expect(Self.rules(Self.scan(dotted, "model.pkl")).contains("pickle_unknown_import"))
    }
}
