import Foundation
import Testing
import VetCore
import VetScanner

/// Graphs written by a real TensorFlow (Fixtures/generate_tensorflow.py), with the findings its
/// MANIFEST.json expects at medium and above.
@Suite("TensorFlow fixtures from a real TensorFlow")
struct TensorFlowFixtureTests {
    static let folder = fixtures.appendingPathComponent("tensorflow")

    static func expectations() -> [(file: String, rules: [String])] {
        guard let data = try? Data(contentsOf: folder.appendingPathComponent("MANIFEST.json")),
              let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let expected = root["expected"] as? [String: [String]] else { return [] }
        return expected.keys.sorted().map { ($0, expected[$0] ?? []) }
    }

    @Test("every generated graph gives exactly its expected findings, fully scanned")
    func generated() throws {
        let cases = Self.expectations()
        #expect(cases.count == 9)
        for (file, rules) in cases {
            let report = scan([Self.folder.appendingPathComponent(file).path])
            let serious = Set(report.findings.filter { $0.severity >= .medium }.map(\.ruleID))
            #expect(serious == Set(rules), "\(file): \(report.findings.map { "\($0.ruleID): \($0.message)" })")
            #expect(report.isComplete, "\(file): \(report.coverage)")
            #expect(report.coverage.contains { $0.format.hasPrefix("tensorflow-") }, "\(file) was not read as TensorFlow")
        }
    }
}
