import Foundation
import Testing
import VetCore
import VetScanner

/// One file of the committed adversarial corpus (Fixtures/adversarial, generated without running anything).
struct CorpusEntry: Sendable, CustomStringConvertible {
    var name: String
    var malicious: Bool
    var bypassClass: String
    var description: String { "\(name) [\(bypassClass)]" }

    static let folder = repositoryRoot.appendingPathComponent("Fixtures/adversarial/files")

    static func load() -> [CorpusEntry] {
        guard let data = try? Data(contentsOf: folder.appendingPathComponent("MANIFEST.json")),
              let root = try? JSONSerialization.jsonObject(with: data) as? [String: [String: Any]] else { return [] }
        return root.keys.sorted().map { name in
            CorpusEntry(name: name, malicious: root[name]?["label"] as? String == "malicious",
                        bypassClass: root[name]?["class"] as? String ?? "?")
        }
    }
}

@Suite("Adversarial corpus: every bypass class known against the peers")
struct AdversarialCorpusTests {
    @Test("the corpus is present and large")
    func present() {
        let entries = CorpusEntry.load()
        #expect(entries.filter(\.malicious).count >= 100)
        #expect(entries.filter { !$0.malicious }.count >= 20)
    }

    @Test("malicious files are flagged at medium or above; benign files are clean and fully scanned",
          arguments: CorpusEntry.load())
    func verdict(entry: CorpusEntry) {
        let report = scan([CorpusEntry.folder.appendingPathComponent(entry.name).path])
        let flagged = report.hasFindings(atOrAbove: .medium)
        if entry.malicious {
            #expect(flagged, "missed: \(report.findings.map { "\($0.ruleID): \($0.message)" })")
        } else {
            #expect(!flagged, "false positive: \(report.findings.map { "\($0.ruleID): \($0.message)" })")
            #expect(report.isComplete)
        }
    }
}
