import Foundation
import Testing
import VetBytes
import VetCore
import VetFormats
import VetRules

/// Real ONNX models fetched by `Fixtures/download_onnx_models.sh` must scan clean (nothing at
/// medium or above); the tests skip with a notice when the files are absent.
@Suite struct RealONNXModelTests {
    static let cache = (ProcessInfo.processInfo.environment["MODELVET_MODEL_CACHE"]
        ?? NSHomeDirectory() + "/.cache/modelvet-test-models") + "/onnx"
    static let testData = "/usr/share/libonnx-testdata"

    static func onnxFiles(under root: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
        return walker.compactMap { $0 as? String }.filter { $0.hasSuffix(".onnx") }.map { root + "/" + $0 }.sorted()
    }

    static func scan(_ path: String) throws -> (ONNXModel, [Finding]) {
        let source = try ByteSource.mapFile(atPath: path)
        #expect(ONNXModel.looksLike(source), "\(path) is not sniffed as ONNX")
        let model = ONNXModel.parse(source)
        var sink = FindingSink()
        ONNXRules.check(model, at: Location(file: path), into: &sink)
        return (model, sink.findings)
    }

    @Test func pypiModelsScanClean() throws {
        let files = Self.onnxFiles(under: Self.cache)
        guard !files.isEmpty else {
            print("⚠️ SKIPPED: no ONNX models in \(Self.cache); run Fixtures/download_onnx_models.sh")
            return
        }
        for path in files {
            let (model, findings) = try Self.scan(path)
            #expect(model.hasGraph && !model.nodes.isEmpty, "\(path) parsed without nodes")
            let serious = findings.filter { $0.severity >= .medium }
            #expect(serious.isEmpty, "\(path): \(serious.map { "\($0.ruleID): \($0.message)" })")
            let domains = Set(model.nodes.map(\.domain)).sorted()
            print("scanned \(path): \(model.nodes.count) nodes, \(model.tensors.count) tensors, domains \(domains), \(findings.count) finding(s)")
        }
    }

    @Test func libonnxTestDataScansClean() throws {
        let files = Self.onnxFiles(under: Self.testData)
        guard !files.isEmpty else {
            print("⚠️ SKIPPED: \(Self.testData) is absent; apt-get install libonnx-testdata (or run Fixtures/download_onnx_models.sh as root)")
            return
        }
        var nodes = 0
        for path in files {
            let (model, findings) = try Self.scan(path)
            nodes += model.nodes.count
            let serious = findings.filter { $0.severity >= .medium }
            #expect(serious.isEmpty, "\(path): \(serious.map { "\($0.ruleID): \($0.message)" })")
        }
        #expect(nodes >= files.count)
        print("scanned \(files.count) libonnx-testdata models: \(nodes) nodes")
    }
}
