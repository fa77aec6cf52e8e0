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
