import Testing
import VetBytes
import VetCore
import VetFormats
import VetRules

@Suite struct ONNXRuleTests {
    static func findings(_ bytes: [UInt8]) -> [Finding] {
        let model = ONNXModel.parse(ByteSource(bytes))
        var sink = FindingSink()
        ONNXRules.check(model, at: Location(file: "model.onnx"), into: &sink)
        return sink.findings
    }

    @Test(arguments: ONNXRules.all.flatMap { rule in rule.examples.map { (rule.id, $0) } })
    func descriptorExamples(ruleID: String, example: RuleExample) {
        let bytes = example.makeBytes()
        let fired = Self.findings(bytes).contains { $0.ruleID == ruleID }
        #expect(fired == example.triggers, "\(ruleID): \(example.summary)")
    }

    @Test func everyRuleHasBothKindsOfExample() {
        for rule in ONNXRules.all {
            #expect(rule.examples.contains { $0.triggers } && rule.examples.contains { !$0.triggers }, "\(rule.id)")
            #expect(rule.id.hasPrefix("onnx_"))
        }
    }

    @Test(arguments: [
        ("/etc/passwd", true), ("../secret", true), ("a/../../b", true), ("a/../b", true), ("C:\\x", true),
        ("c:/x", true), ("dir\\file", true), ("~/.ssh/id_rsa", true), ("file:///etc/passwd", true), ("", true),
        ("model.onnx.data", false), ("weights/part-0.bin", false), ("./w.bin", false), ("..data", false),
    ])
    func externalLocations(location: String, escapes: Bool) {
        #expect((ONNXExternalDataTraversalRule.escapeReason(location) != nil) == escapes, "\(location)")
    }

    @Test func traversalIsHighWithTensorName() throws {
        let findings = Self.findings(ONNXExample.model(externalLocation: "../../etc/shadow"))
        let hit = try #require(findings.first { $0.ruleID == "onnx_external_data_path_traversal" })
        #expect(hit.severity == .high)
        #expect(hit.message.contains("`w`"))
        #expect(hit.evidence == "../../etc/shadow")
        #expect(findings.contains { $0.ruleID == "onnx_external_data" && $0.severity == .info })
    }

    @Test func customDomainListsOpTypesAndDomain() throws {
        let findings = Self.findings(ONNXExample.model(nodes: [.init("A", domain: "my.ops"), .init("B", domain: "my.ops")]))
        let hit = try #require(findings.first { $0.ruleID == "onnx_custom_operator_domain" })
        #expect(hit.severity == .medium)
        #expect(hit.message.contains("`A`, `B`") && hit.message.contains("`my.ops`"))
    }
}
