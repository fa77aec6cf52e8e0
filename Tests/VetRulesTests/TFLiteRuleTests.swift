import Testing
import VetBytes
import VetCore
import VetFormats
import VetRules

@Suite struct TFLiteRuleTests {
    static func findings(_ bytes: [UInt8], limits: ScanLimits? = nil) -> [Finding] {
        let model = TFLiteModel.parse(ByteSource(bytes), maxElements: TFLiteRules.maxElements(limits ?? ScanLimits()))
        var sink = FindingSink()
        TFLiteRules.check(model, at: Location(file: "model.tflite"), into: &sink)
        return sink.findings
    }

    @Test(arguments: TFLiteRules.all.flatMap { rule in rule.examples.map { (rule.id, $0) } })
    func descriptorExamples(ruleID: String, example: RuleExample) {
        let fired = Self.findings(example.makeBytes(), limits: example.limits).contains { $0.ruleID == ruleID }
        #expect(fired == example.triggers, "\(ruleID): \(example.summary)")
    }

    @Test func everyRuleHasBothKindsOfExample() {
        for rule in TFLiteRules.all {
            #expect(rule.examples.contains { $0.triggers } && rule.examples.contains { !$0.triggers }, "\(rule.id)")
        }
    }

    @Test func customOpMessageAndSeverities() throws {
        let findings = Self.findings(TFLiteExample.model([.custom("Exec"), .custom("FlexPyFunc"), .custom("FlexRFFT")]))
        #expect(findings.map(\.severity) == [.medium, .high, .low])
        #expect(findings[0].message.contains("`Exec`") && findings[0].message.contains("1 operator"))
        #expect(findings[1].message.contains("runs Python"))
    }

    @Test func validModelIsSilent() {
        #expect(Self.findings(TFLiteExample.valid).isEmpty)
    }
}
