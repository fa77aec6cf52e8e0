import Foundation
import Testing
import VetRules
@testable import VetCommands

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

@Suite("Documentation")
struct DocsTests {
    @Test("docs/rules.md matches the rule descriptors (regenerate: swift run modelvet rules list --markdown > docs/rules.md)")
    func catalogueCurrent() throws {
        let path = repositoryRoot.appendingPathComponent("docs/rules.md")
        let committed = try String(contentsOf: path, encoding: .utf8)
        #expect(committed == RuleText.markdownCatalogue(RuleRegistry.all))
    }

    @Test("rules explain shows description, remediation, references and examples")
    func explain() throws {
        let rule = try #require(RuleRegistry.descriptor(id: "pickle_dangerous_import"))
        let text = RuleText.explain(rule)
        #expect(text.contains("What to do:"))
        #expect(text.contains("References:"))
        #expect(text.contains("[fires]") && text.contains("[silent]"))
    }
}

@Suite("The refusal judge's encoder pins")
struct JudgeEncoderPinTests {
    @Test("modelvet, the installer and the trainer's reference pin the same three digests and the same token limit")
    func pinsAgree() throws {
        let installer = try String(contentsOf: repositoryRoot.appendingPathComponent("scripts/install-judge-encoder.sh"), encoding: .utf8)
        let reference = try String(contentsOf: repositoryRoot.appendingPathComponent("scripts/minilm.py"), encoding: .utf8)
        #expect(JudgeEncoder.files.count == 3)
        for file in JudgeEncoder.files {
            #expect(installer.contains("\(file.name) \(file.sha256)"), "install-judge-encoder.sh: \(file.name)")
            #expect(reference.contains("\"\(file.name)\": \"\(file.sha256)\""), "minilm.py: \(file.name)")
        }
        #expect(reference.contains("MAX_TOKENS = \(JudgeEncoder.maxTokens)\n"))
    }
}
