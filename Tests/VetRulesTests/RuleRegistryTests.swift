import Foundation
import Testing
import VetCore
import VetRules
import VetScanner
import VetTestSupport

let repositoryRoot = Repository.root

@Suite("Rule registry")
struct RuleRegistryTests {
    @Test("every descriptor in Sources/VetRules is registered, once")
    func registryMatchesFiles() throws {
        let folder = repositoryRoot.appendingPathComponent("Sources/VetRules")
        var declared: [String] = []
        let files = FileManager.default.enumerator(atPath: folder.path)?.compactMap { $0 as? String } ?? []
        for file in files where file.hasSuffix(".swift") {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            let pattern = try NSRegularExpression(pattern: #"RuleDescriptor\(\s*id:\s*"([a-z0-9_]+)""#)
            for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                if let range = Range(match.range(at: 1), in: text) { declared.append(String(text[range])) }
            }
        }
        let registered = RuleRegistry.all.map(\.id)
        #expect(Set(registered).count == registered.count, "duplicate rule ids")
        #expect(Set(declared) == Set(registered))
        #expect(declared.count == Set(declared).count)
        #expect(registered.count >= 30)
    }

    @Test("descriptors are complete: snake_case id, texts and both kinds of example")
    func descriptorsComplete() {
        for rule in RuleRegistry.all {
            #expect(rule.id.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "_" }, "\(rule.id)")
            #expect(!rule.title.isEmpty && rule.description.count > 80 && !rule.remediation.isEmpty, "\(rule.id)")
            // Repository rules judge folders; their examples live in the scanner's repository tests.
            guard rule.scope == .artifact else { continue }
            #expect(rule.examples.contains { $0.triggers }, "\(rule.id) has no triggering example")
            #expect(rule.examples.contains { !$0.triggers }, "\(rule.id) has no silent example")
        }
    }

    @Test("every rule example fires or stays silent as it says", arguments: RuleRegistry.all.flatMap { rule in
        rule.examples.map { (rule.id, $0) }
    })
    func examples(ruleID: String, example: RuleExample) {
        let scanner = Scanner(configuration: ScanConfiguration(limits: example.limits ?? ScanLimits(), jobs: 1))
        let report = scanner.scan(bytes: example.makeBytes(), name: example.fileName)
        let fired = report.findings.contains { $0.ruleID == ruleID }
        #expect(fired == example.triggers, "\(ruleID): \(example.summary) → \(report.findings.map { "\($0.ruleID): \($0.message)" })")
        // A silent example is a benign look-alike: no other rule may call it worth attention either
        // (`modelvet rules examples` writes these files, and the benchmark counts them as benign).
        if !example.triggers {
            let loud = report.findings.filter { $0.severity >= .medium }
            #expect(loud.isEmpty, "\(ruleID): \(example.summary) → \(loud.map { "\($0.ruleID): \($0.message)" })")
        }
    }

    /// Names no loader picks a format by: a rule whose reader recognises content must still fire.
    static let neutralNames = ["data", "data.txt", "data.bin"]

    /// Rules of files their loaders choose by name, so a neutral name legitimately changes the
    /// verdict: configs (`config.json`, `*.yaml`), Python modules, template files without dunder
    /// names, and the damage rules of signature-less formats whose broken structure leaves only
    /// the name (`model.onnx`, `saved_model.pb`, a `.safetensors` whose length lies).
    static let nameChosen: Set<String> = [
        "config_unparseable", "repo_remote_code", "python_dynamic_code", "python_process", "python_network",
        "python_filesystem", "python_obfuscation", "jinja_computed_attribute_name", "jinja_sandbox_escape_object",
        "jinja_template_loading", "jinja_unparseable_template", "onnx_malformed", "tensorflow_malformed",
        "safetensors_header_invalid",
    ]

    @Test("every triggering example of a content-recognised format fires under names that say nothing about it",
          arguments: RuleRegistry.all.filter { !nameChosen.contains($0.id) }.flatMap { rule in
              rule.examples.filter(\.triggers).map { (rule.id, $0) }
          })
    func examplesWithoutTheirNames(ruleID: String, example: RuleExample) {
        let scanner = Scanner(configuration: ScanConfiguration(limits: example.limits ?? ScanLimits(), jobs: 1))
        let bytes = example.makeBytes()
        for name in Self.neutralNames {
            let report = scanner.scan(bytes: bytes, name: name)
            #expect(report.findings.contains { $0.ruleID == ruleID }, "\(ruleID): \(example.summary) as \(name) → \(report.findings.map(\.ruleID)) \(report.coverage.map(\.format))")
        }
    }
}
