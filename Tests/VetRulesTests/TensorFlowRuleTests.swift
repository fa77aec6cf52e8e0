import Testing
import VetBytes
import VetCore
import VetFormats
import VetRules

@Suite struct TensorFlowRuleTests {
    static func findings(_ bytes: [UInt8], fileName: String = "saved_model.pb", limits: ScanLimits? = nil) -> [Finding] {
        let source = ByteSource(bytes)
        let kind: TensorFlowGraph.Kind = TensorFlowGraph.looksLikeSavedModel(source) ? .savedModel : .graphDef
        let graph = TensorFlowGraph.parse(source, as: kind, limits: limits.map(ProtobufLimits.init) ?? ProtobufLimits())
        var sink = FindingSink()
        TensorFlowRules.check(graph, at: Location(file: fileName), into: &sink)
        return sink.findings
    }

    @Test(arguments: TensorFlowRules.all.flatMap { rule in rule.examples.map { (rule.id, $0) } })
    func descriptorExamples(ruleID: String, example: RuleExample) {
        let fired = Self.findings(example.makeBytes(), fileName: example.fileName, limits: example.limits)
            .contains { $0.ruleID == ruleID }
        #expect(fired == example.triggers, "\(ruleID): \(example.summary)")
    }

    @Test func everyRuleHasBothKindsOfExample() {
        for rule in TensorFlowRules.all {
            #expect(rule.examples.contains { $0.triggers } && rule.examples.contains { !$0.triggers }, "\(rule.id)")
        }
    }

    @Test func standardSaversAreSilent() {
        #expect(Self.findings(TensorFlowExample.standardTF1).isEmpty)
        #expect(Self.findings(TensorFlowExample.standardTF2).isEmpty)
    }

    @Test func frozenGraphCheckpointOpsAreReported() {
        let bytes = TensorFlowExample.graphDef([TensorFlowExample.Node("save/SaveV2", "SaveV2")])
        #expect(Self.findings(bytes, fileName: "frozen.pb").map(\.ruleID) == ["tensorflow_file_write_op"])
    }

    @Test func nonCheckpointOpsInsideTheSaverAreStillReported() {
        let graph = TensorFlowExample.graphDef([
            TensorFlowExample.Node("save/Const", "Const"), TensorFlowExample.Node("save/ReadFile", "ReadFile"),
            TensorFlowExample.Node("save/restore_all", "NoOp"),
        ])
        let bytes = TensorFlowExample.savedModel(graph, saver: ("save/Const:0", "save/control_dependency:0", "save/restore_all"))
        #expect(Self.findings(bytes).map(\.ruleID) == ["tensorflow_file_read_op"])
    }

    @Test func messageNamesNodeAndFunction() throws {
        let bytes = TensorFlowExample.savedModel(TensorFlowExample.graphDef(
            [TensorFlowExample.Node("call", "evil_fn")],
            functions: [TensorFlowExample.Function("evil_fn", [TensorFlowExample.Node("py", "PyFunc", strings: ["token": "pyfunc_7"])])]))
        let hit = try #require(Self.findings(bytes).first)
        #expect(hit.ruleID == "tensorflow_python_op" && hit.severity == .high)
        #expect(hit.message.contains("`py`") && hit.message.contains("`evil_fn`") && hit.message.contains("meta graph 0"))
        #expect(hit.evidence == "PyFunc token=pyfunc_7")
    }

    @Test func conditionalOps() {
        let debug = TensorFlowExample.graphDef([TensorFlowExample.Node("d", "DebugIdentity", strings: ["debug_urls": "file:///tmp/dump"])])
        #expect(Self.findings(debug).map(\.ruleID) == ["tensorflow_file_write_op"])
        let proto = TensorFlowExample.graphDef([TensorFlowExample.Node("d", "DecodeProtoV2", strings: ["descriptor_source": "/tmp/desc.bin"])])
        #expect(Self.findings(proto).map(\.ruleID) == ["tensorflow_file_read_op"])
        let local = TensorFlowExample.graphDef([TensorFlowExample.Node("d", "DecodeProtoV2", strings: ["descriptor_source": "local://"])])
        #expect(Self.findings(local).isEmpty)
    }
}

@Suite struct TensorFlowAssetTests {
    @Test func vocabularyTablesReadingDeclaredAssetsAreLow() throws {
        let graph = TensorFlowExample.graphDef([TensorFlowExample.Node("init", "InitializeTableFromTextFileV2")])
        let withAssets = TensorFlowRuleTests.findings(TensorFlowExample.savedModel(graph, assets: ["vocab.txt"]))
        #expect(withAssets.map(\.severity) == [.low])
        let without = TensorFlowRuleTests.findings(TensorFlowExample.savedModel(graph))
        #expect(without.map(\.severity) == [.medium])
    }

    @Test func assetTraversalNamesTheFile() throws {
        let bytes = TensorFlowExample.savedModel(TensorFlowExample.graphDef([TensorFlowExample.Node("x", "Placeholder")]),
                                                 assets: ["vocab.txt", "/root/.aws/credentials"])
        let findings = TensorFlowRuleTests.findings(bytes)
        #expect(findings.map(\.ruleID) == ["tensorflow_asset_path_traversal"])
        #expect(findings.first?.evidence == "/root/.aws/credentials")
    }
}
