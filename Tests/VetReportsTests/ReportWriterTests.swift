import VetFixtures
import Foundation
import Testing
import VetCore
import VetFormats
import VetReports
import VetRules
import VetScanner

private func sampleReport() -> ScanReport {
    Scanner(configuration: ScanConfiguration(jobs: 1))
        .scan(bytes: PickleAssembler.callPickle("os", "system", ["echo x"]) + Array("tail".utf8), name: "models/evil model.pkl")
}

private func json(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
}

@Suite("Report writers")
struct ReportWriterTests {
    let context = ReportContext(rules: RuleRegistry.all, failOn: .medium)

    @Test("JSON follows docs/report-schema.md")
    func jsonSchema() throws {
        let object = try json(ReportFormat.json.render(sampleReport(), context: context))
        #expect(Set(object.keys) == ["schema_version", "tool", "inputs", "repositories", "summary", "findings", "coverage", "errors", "provenance"])
        let summary = try #require(object["summary"] as? [String: Any])
        #expect(summary["highest_severity"] as? String == "critical")
        #expect(summary["failed"] as? Bool == true)
        #expect(summary["complete"] as? Bool == true)
        let findings = try #require(object["findings"] as? [[String: Any]])
        let first = try #require(findings.first)
        #expect(first["rule_id"] as? String == "pickle_dangerous_import")
        #expect(first["location"] as? String == "models/evil model.pkl@0xe")
        #expect((first["fingerprint"] as? String)?.count == 16)
        #expect(findings.contains { $0["rule_id"] as? String == "pickle_unaccounted_data" })
    }

    @Test("SARIF 2.1.0 has rules, levels, relative URIs and fingerprints")
    func sarif() throws {
        let log = try json(ReportFormat.sarif.render(sampleReport(), context: context))
        #expect(log["version"] as? String == "2.1.0")
        #expect((log["$schema"] as? String)?.contains("sarif-2.1.0") == true)
        let run = try #require((log["runs"] as? [[String: Any]])?.first)
        let driver = try #require((run["tool"] as? [String: Any])?["driver"] as? [String: Any])
        let rules = try #require(driver["rules"] as? [[String: Any]])
        #expect(rules.map { $0["id"] as? String } == ["pickle_dangerous_import", "pickle_unaccounted_data"])
        let results = try #require(run["results"] as? [[String: Any]])
        let first = try #require(results.first)
        #expect(first["level"] as? String == "error")
        let location = try #require((first["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])
        #expect((location["artifactLocation"] as? [String: Any])?["uri"] as? String == "models/evil%20model.pkl")
        #expect((location["region"] as? [String: Any])?["startLine"] as? Int == 1)
        #expect(first["partialFingerprints"] != nil)
    }

    @Test("reports are byte-for-byte reproducible")
    func reproducible() {
        for format in [ReportFormat.json, .sarif] {
            #expect(format.render(sampleReport(), context: context) == format.render(sampleReport(), context: context))
        }
    }

    @Test("text groups by file, shows evidence, colour only when asked")
    func text() {
        let plain = ReportFormat.text.render(sampleReport(), context: context)
        #expect(plain.contains("models/evil model.pkl  [pickle]"))
        #expect(plain.contains("CRITICAL"))
        #expect(plain.contains("│ 0x0002 SHORT_BINUNICODE 'os'"))
        #expect(plain.contains("FAIL (threshold: medium)"))
        #expect(!plain.contains("\u{1B}["))
        let colored = ReportFormat.text.render(sampleReport(), context: ReportContext(rules: RuleRegistry.all, color: true))
        #expect(colored.contains("\u{1B}[1;31m"))
    }

    @Test("an incomplete scan never claims no findings")
    func incomplete() {
        let report = Scanner(configuration: ScanConfiguration(jobs: 1)).scan(bytes: [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0, 1, 2], name: "x.xz")
        let relaxed = ReportContext(rules: RuleRegistry.all, failOn: .critical)
        let text = ReportFormat.text.render(report, context: relaxed)
        #expect(!text.contains("No findings."))
        #expect(text.contains("not everything was scanned"))
    }
}
