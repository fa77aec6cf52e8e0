import Foundation
import Testing
import VetCore
import VetScanner

/// Inputs found by the fuzzers (Fuzz/run.sh) that once crashed, hung or leaked.
@Suite("Fuzzer regressions")
struct RegressionTests {
    static let folder = repositoryRoot.appendingPathComponent("Tests/VetScannerTests/Regressions")
    static var inputs: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    @Test("every regression input scans to a report", arguments: inputs)
    func regression(name: String) throws {
        let bytes = try [UInt8](Data(contentsOf: Self.folder.appendingPathComponent(name)))
        let report = Scanner(configuration: ScanConfiguration(jobs: 1)).scan(bytes: bytes, name: name)
        #expect(report.coverage.count >= 1)
    }
}
