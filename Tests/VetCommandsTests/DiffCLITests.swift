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
        #expect(notModel.status == 2 && notModel.stderr.contains("neither a GGUF nor a safetensors"))
        let usage = try CLI.run(["diff", a])
        #expect(usage.status == 2)
    }
}
