import Foundation
import Testing
import VetTestSupport
import VetBytes
import VetCore
import VetFormats
import VetRules

/// Real ONNX models fetched by `Fixtures/download_onnx_models.sh` must scan clean (nothing at
/// medium or above); the tests skip with a notice when the files are absent.
@Suite struct RealONNXModelTests {
    static let pypiModels = ModelCache.files(under: "onnx", suffix: ".onnx")
    /// Debian's libonnx-testdata (the ONNX backend test suite); packaged from Debian 13 on, so an
    /// optional extra where apt has it.
    static let testData = "/usr/share/libonnx-testdata"
    static let testDataModels: [String] = {
        guard let walker = FileManager.default.enumerator(atPath: testData) else { return [] }
        return walker.compactMap { $0 as? String }.filter { $0.hasSuffix(".onnx") }.map { testData + "/" + $0 }.sorted()
    }()

    static func scan(_ path: String) throws -> (ONNXModel, [Finding]) {
        let source = try ByteSource.mapFile(atPath: path)
        #expect(ONNXModel.looksLike(source), "\(path) is not sniffed as ONNX")
        let model = ONNXModel.parse(source)
        var sink = FindingSink()
        ONNXRules.check(model, at: Location(file: path), into: &sink)
        return (model, sink.findings)
    }

    @Test(.enabled(if: !pypiModels.isEmpty, ModelCache.missing("the ONNX models from PyPI (Fixtures/download_onnx_models.sh)")))
    func pypiModelsScanClean() throws {
        for path in Self.pypiModels {
            let (model, findings) = try Self.scan(path)
            #expect(model.hasGraph && !model.nodes.isEmpty, "\(path) parsed without nodes")
            let serious = findings.filter { $0.severity >= .medium }
            #expect(serious.isEmpty, "\(path): \(serious.map { "\($0.ruleID): \($0.message)" })")
            let domains = Set(model.nodes.map(\.domain)).sorted()
            print("scanned \(path): \(model.nodes.count) nodes, \(model.tensors.count) tensors, domains \(domains), \(findings.count) finding(s)")
        }
    }

    @Test(.enabled(if: !testDataModels.isEmpty, "\(testData) is absent: this system's apt sources do not provide libonnx-testdata"))
    func libonnxTestDataScansClean() throws {
        let files = Self.testDataModels
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
