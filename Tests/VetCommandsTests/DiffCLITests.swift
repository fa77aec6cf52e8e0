import Foundation
import Testing
import VetCore
import VetFixtures
import VetTestSupport

/// `modelvet diff` through the real binary: exit codes, JSON, errors.
@Suite("modelvet diff")
struct DiffCLITests {
    func write(_ tensors: [SafeTensorsBuilder.Tensor], _ name: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("modelvet-diff-\(UUID().uuidString)-\(name)").path
        try Data(SafeTensorsBuilder.bytes(tensors)).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test(.enabled(if: HostCPU.runsEngine, "the CPU cannot run the engine's converters"))
    func exitCodesAndJSON() throws {
        let w: [Float] = (0..<32).map { Float($0) / 7 }
        let a = try write([SafeTensorsBuilder.f32("model.layers.0.mlp.up_proj.weight", [4, 8], w)], "a.safetensors")
        let same = try write([SafeTensorsBuilder.f32("model.layers.0.mlp.up_proj.weight", [4, 8], w)], "same.safetensors")
        let other = try write([SafeTensorsBuilder.f32("model.layers.0.mlp.up_proj.weight", [4, 8], w.map { $0 * 2 })], "b.safetensors")
        let equal = try CLI.run(["diff", a, same])
        #expect(equal.status == 0 && equal.stdout.contains("same weights"), "\(equal.stdout)\(equal.stderr)")
        let differ = try CLI.run(["diff", a, other, "--format", "json"])
        #expect(differ.status == 1, "\(differ.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(differ.stdout.utf8)) as? [String: Any])
        #expect(report["schema"] as? String == "modelvet-diff/1")
        let tensor = try #require((report["tensors"] as? [[String: Any]])?.first)
        #expect(tensor["name"] as? String == "blk.0.ffn_up.weight" && tensor["status"] as? String == "changed")
        #expect(tensor["relative_l2"] as? Double == 1 && tensor["cosine"] as? Double == 1)
        let text = try CLI.run(["diff", a, other])
        #expect(text.status == 1 && text.stdout.contains("layer 0") && text.stdout.contains("changed: relative L2 1.0000"), "\(text.stdout)")
        let missing = try CLI.run(["diff", a, "/nonexistent.gguf"])
        #expect(missing.status == 2 && missing.stderr.contains("no such file"))
        let notModel = try CLI.run(["diff", a, "/etc/hostname"])
        #expect(notModel.status == 2 && notModel.stderr.contains("is not a GGUF, safetensors or PyTorch file"))
    }

    /// A small random llama-shaped model (HF names), scaled by `scale`.
    func tinyModel(_ name: String, seed: UInt64, scale: Float = 1, vocabulary: Int = 512) throws -> String {
        var state = seed
        func values(_ n: Int) -> [Float] {
            (0..<n).map { _ in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return (Float(state >> 40) / Float(1 << 24) - 0.5) * scale
            }
        }
        let d = 32, ff = 64
        var tensors = [SafeTensorsBuilder.f32("model.embed_tokens.weight", [vocabulary, d], values(vocabulary * d))]
        for l in 0..<2 {
            let p = "model.layers.\(l)."
            tensors += [SafeTensorsBuilder.f32(p + "input_layernorm.weight", [d], [Float](repeating: 1, count: d)),
                        SafeTensorsBuilder.f32(p + "self_attn.q_proj.weight", [d, d], values(d * d)),
                        SafeTensorsBuilder.f32(p + "self_attn.k_proj.weight", [d, d], values(d * d)),
                        SafeTensorsBuilder.f32(p + "self_attn.v_proj.weight", [d, d], values(d * d)),
                        SafeTensorsBuilder.f32(p + "self_attn.o_proj.weight", [d, d], values(d * d)),
                        SafeTensorsBuilder.f32(p + "post_attention_layernorm.weight", [d], [Float](repeating: 1, count: d)),
                        SafeTensorsBuilder.f32(p + "mlp.gate_proj.weight", [ff, d], values(ff * d)),
                        SafeTensorsBuilder.f32(p + "mlp.up_proj.weight", [ff, d], values(ff * d)),
                        SafeTensorsBuilder.f32(p + "mlp.down_proj.weight", [d, ff], values(ff * d))]
        }
        return try write(tensors, name)
    }

    @Test(.enabled(if: HostCPU.runsEngine, "the CPU cannot run the engine's converters"))
    func lineageVerdictsJSONAndPlot() throws {
        let a = try tinyModel("a.safetensors", seed: 1)
        let scaled = try tinyModel("scaled.safetensors", seed: 1, scale: 3)
        let other = try tinyModel("other.safetensors", seed: 2)
        let plot = FileManager.default.temporaryDirectory.appendingPathComponent("modelvet-lineage-\(UUID().uuidString).svg").path
        let same = try CLI.run(["lineage", a, scaled, "--format", "json", "--plot", plot])
        #expect(same.status == 0, "\(same.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(same.stdout.utf8)) as? [String: Any])
        #expect(report["schema"] as? String == "modelvet-lineage/1" && report["relation"] as? String == "same-weights", "\(same.stdout)")
        #expect(report["abliteration_suspected"] as? Bool == false && report["update_rank"] is NSNull)
        let svg = try String(contentsOfFile: plot, encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.contains("same-weights") && svg.components(separatedBy: "<rect").count == 4)
        let unrelated = try CLI.run(["lineage", a, other])
        #expect(unrelated.status == 0 && unrelated.stdout.hasPrefix("unrelated: "), "\(unrelated.stdout)\(unrelated.stderr)")
        let missing = try CLI.run(["lineage", a, "/nonexistent.gguf"])
        #expect(missing.status == 2 && missing.stderr.contains("no such file"))
        let notModel = try CLI.run(["lineage", a, "/etc/hostname"])
        #expect(notModel.status == 2 && notModel.stderr.contains("is not a GGUF, safetensors or PyTorch file"))
    }

    @Test(.enabled(if: HostCPU.runsEngine, "the CPU cannot run the engine's converters"))
    func fingerprintAndAgainst() throws {
        // A vocabulary of 600 tokens: enough for the 256 a fingerprint reads.
        let a = try tinyModel("fa.safetensors", seed: 1, vocabulary: 600)
        let scaled = try tinyModel("fscaled.safetensors", seed: 1, scale: 3, vocabulary: 600)
        let other = try tinyModel("fother.safetensors", seed: 2, vocabulary: 600)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("modelvet-fp-\(UUID().uuidString).json").path
        let made = try CLI.run(["fingerprint", a, "--name", "tiny", "--output", file])
        #expect(made.status == 0, "\(made.stderr)")
        let fingerprint = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any])
        #expect(fingerprint["schema"] as? String == "modelvet-fingerprint/1" && fingerprint["name"] as? String == "tiny")
        #expect((fingerprint["ids"] as? [Int])?.count == 256 && fingerprint["vocabulary"] as? Int == 600)
        let placed = try CLI.run(["lineage", scaled, "--against", file, "--format", "json"])
        #expect(placed.status == 0, "\(placed.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(placed.stdout.utf8)) as? [String: Any])
        #expect(report["schema"] as? String == "modelvet-lineage-catalog/1" && report["relation"] as? String == "derived"
                && report["family"] as? String == "tiny", "\(placed.stdout)")
        let unrelated = try CLI.run(["lineage", other, "--against", file])
        #expect(unrelated.status == 0 && unrelated.stdout.contains("relation: unrelated"), "\(unrelated.stdout)\(unrelated.stderr)")
        // The built-in catalogue is there and names its models; these weights are none of them.
        let builtin = try CLI.run(["lineage", a, "--against", "builtin"])
        #expect(builtin.status == 0 && builtin.stdout.contains("4 fingerprints") && builtin.stdout.contains("SmolLM2-135M-Instruct"), "\(builtin.stdout)\(builtin.stderr)")
        // Usage errors and damaged fingerprint files exit 2 with a message.
        #expect(try CLI.run(["lineage", a]).status == 2)
        #expect(try CLI.run(["lineage", a, other, "--against", "builtin"]).status == 2)
        try Data("{\"fingerprints\": [{\"schema\": \"modelvet-fingerprint/1\"}]}".utf8).write(to: URL(fileURLWithPath: file))
        let damaged = try CLI.run(["lineage", a, "--against", file])
        #expect(damaged.status == 2 && damaged.stderr.contains("not a fingerprint"), "\(damaged.stderr)")
        let small = try tinyModel("fsmall.safetensors", seed: 3, vocabulary: 300)
        let tooSmall = try CLI.run(["fingerprint", small])
        #expect(tooSmall.status == 2 && tooSmall.stderr.contains("a fingerprint needs at least 512 tokens"), "\(tooSmall.stderr)")
    }
}
