import Foundation
import VetBytes
import VetFixtures
import VetGGUF
@testable import VetLineage

/// The lineage fixture generator: variants of a real model's weights built by construction, each
/// with a known relation to the base. The base is SmolLM2-135M's first layers and vocabulary rows,
/// read from the real GGUF (the query/key rows in Hugging Face order). Variants are written as
/// Hugging Face-layout safetensors folders (F16 or F32) or as a llama GGUF in Q8_0 the way
/// llama.cpp's converter lays it out. Everything is deterministic (fixed seeds).
struct LineageModel {
    /// Canonical (GGUF) name → shape (outermost first) and values, in Hugging Face layout.
    var tensors: [(name: String, shape: [Int], values: [Float])]
    var heads: Int
    var kvHeads: Int
    var width: Int { tensors.first { $0.name == "token_embd.weight" }!.shape[1] }
    var layers: Int { (tensors.compactMap { TensorStores.layer(of: $0.name) }.max() ?? -1) + 1 }

    func index(_ name: String) -> Int { tensors.firstIndex { $0.name == name }! }
    subscript(_ name: String) -> [Float] {
        get { tensors[index(name)].values }
        set { tensors[index(name)].values = newValue }
    }

    /// The first `layers` layers and `vocabulary` token rows of a model file.
    static func base(_ path: String, layers: Int, vocabulary: Int) throws -> LineageModel {
        let store = try TensorStores.open(path)
        let file = GGUFFile.parse(try ByteSource.mapFile(atPath: path))
        let heads = file.value("llama.attention.head_count")?.integer ?? 1
        let kv = file.value("llama.attention.head_count_kv")?.integer ?? heads
        var tensors: [(String, [Int], [Float])] = []
        for entry in store.entries {
            if let layer = TensorStores.layer(of: entry.name), layer >= layers { continue }
            if entry.name == "token_embd.weight" || entry.name == "output.weight" {
                tensors.append((entry.name, [vocabulary, entry.shape[1]], try store.floats(entry, rows: 0..<vocabulary)))
            } else {
                tensors.append((entry.name, entry.shape, try store.floats(entry)))
            }
        }
        return LineageModel(tensors: tensors, heads: heads, kvHeads: kv)
    }

    static let readers = ["attn_q", "attn_k", "attn_v", "ffn_gate", "ffn_up"]
    static let writers = ["attn_output", "ffn_down"]
    var matrices: [String] {
        tensors.map(\.name).filter { n in (Self.readers + Self.writers).contains { n.hasSuffix(".\($0).weight") } }
    }

    static func norm(_ v: [Float]) -> Float { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }

    // MARK: variants

    /// A merged low-rank adapter of `rank` on every layer matrix, ‖BA‖ = strength·‖W‖.
    func lora(rank: Int, strength: Float, seed: UInt64) -> LineageModel {
        var out = self
        var g = Dense.Normal(seed: seed)
        for name in matrices {
            let t = tensors[index(name)]
            let rows = t.shape[0], cols = t.shape[1]
            let bm = g.vector(rows * rank), am = g.vector(rank * cols)
            var delta = [Float](repeating: 0, count: rows * cols)
            for r in 0..<rows { for k in 0..<rank { let b = bm[r * rank + k]; for c in 0..<cols { delta[r * cols + c] += b * am[k * cols + c] } } }
            let s = strength * Self.norm(t.values) / Self.norm(delta)
            out[name] = zip(t.values, delta).map { $0 + s * $1 }
        }
        return out
    }

    /// A dense update of relative size `strength` on every matrix (embeddings a quarter of it) and
    /// norms nudged: what a full fine-tune does, without structure.
    func fineTune(strength: Float, seed: UInt64) -> LineageModel {
        var out = self
        var g = Dense.Normal(seed: seed)
        for t in tensors {
            let noise = g.vector(t.values.count)
            let s = (t.name == "token_embd.weight" ? strength / 4 : strength) * Self.norm(t.values) / Self.norm(noise)
            out[t.name] = zip(t.values, noise).map { $0 + s * $1 }
        }
        return out
    }

    /// Abliteration along unit direction `r` of the residual stream: projected out of the
    /// embeddings and of what every attention output and MLP down projection writes.
    func abliterate(_ direction: [Float]) -> LineageModel {
        var out = self
        let d = width
        let n = Self.norm(direction)
        let r = direction.map { $0 / n }
        let e = self["token_embd.weight"]
        var ep = e
        for row in 0..<(e.count / d) {
            var p: Float = 0
            for i in 0..<d { p += e[row * d + i] * r[i] }
            for i in 0..<d { ep[row * d + i] -= p * r[i] }
        }
        out["token_embd.weight"] = ep
        for name in matrices where Self.writers.contains(where: { name.hasSuffix(".\($0).weight") }) {
            let t = tensors[index(name)]
            let cols = t.shape[1]
            var w = t.values
            for c in 0..<cols {
                var p: Float = 0
                for i in 0..<d { p += r[i] * t.values[i * cols + c] }
                for i in 0..<d { w[i * cols + c] -= r[i] * p }
            }
            out[name] = w
        }
        return out
    }

    /// A function-preserving disguise: residual dimensions permuted with sign flips, norm weights
    /// scaled per dimension with the reading matrices divided to match, MLP units permuted, key-value
    /// groups and the query heads within each permuted, value rows scaled against the output columns
    /// and up rows against the down columns. (The output matrix is the embedding, tied, so the
    /// residual stream keeps its overall scale and the final norm is left alone.)
    func disguise(seed: UInt64) -> LineageModel {
        var out = self
        var g = Dense.Normal(seed: seed)
        let d = width
        func shuffled(_ n: Int) -> [Int] {
            var p = Array(0..<n)
            for i in stride(from: n - 1, to: 0, by: -1) { let j = Int(g.uniform() * Double(i + 1)) % (i + 1); p.swapAt(i, j) }
            return p
        }
        let pi = shuffled(d)
        let sign: [Float] = (0..<d).map { _ in g.uniform() < 0.5 ? -1 : 1 }
        // New column j holds old column pi[j] times sign[j].
        func columns(_ v: [Float], rows: Int, scale: [Float]? = nil) -> [Float] {
            var o = v
            for r in 0..<rows { for j in 0..<d { o[r * d + j] = sign[j] * v[r * d + pi[j]] / (scale?[j] ?? 1) } }
            return o
        }
        func rowsOf(_ v: [Float], cols: Int) -> [Float] {
            var o = v
            for j in 0..<d { for c in 0..<cols { o[j * cols + c] = sign[j] * v[pi[j] * cols + c] } }
            return o
        }
        out["token_embd.weight"] = columns(self["token_embd.weight"], rows: self["token_embd.weight"].count / d)
        if tensors.contains(where: { $0.name == "output_norm.weight" }) {
            let v = self["output_norm.weight"]; out["output_norm.weight"] = (0..<d).map { v[pi[$0]] }
        }
        let headSize = tensors[index("blk.0.attn_q.weight")].shape[0] / heads
        let group = heads / kvHeads
        for l in 0..<layers {
            let scaleA = (0..<d).map { _ in Float(0.5 + g.uniform()) }, scaleF = (0..<d).map { _ in Float(0.5 + g.uniform()) }
            for (normName, readers, scale) in [("attn_norm", ["attn_q", "attn_k", "attn_v"], scaleA), ("ffn_norm", ["ffn_gate", "ffn_up"], scaleF)] {
                let v = self["blk.\(l).\(normName).weight"]
                out["blk.\(l).\(normName).weight"] = (0..<d).map { v[pi[$0]] * scale[$0] }
                for kind in readers {
                    let name = "blk.\(l).\(kind).weight"
                    out[name] = columns(self[name], rows: self[name].count / d, scale: scale)
                }
            }
            for kind in ["attn_output", "ffn_down"] {
                let name = "blk.\(l).\(kind).weight"
                out[name] = rowsOf(self[name], cols: self[name].count / d)
            }
            // MLP units: gate and up rows, down columns; up scaled against down.
            let ff = tensors[index("blk.\(l).ffn_gate.weight")].shape[0]
            let rho = shuffled(ff)
            let unitScale = (0..<ff).map { _ in Float(0.5 + g.uniform()) }
            let gate = out["blk.\(l).ffn_gate.weight"], up = out["blk.\(l).ffn_up.weight"], down = out["blk.\(l).ffn_down.weight"]
            var gate2 = gate, up2 = up, down2 = down
            for u in 0..<ff { for i in 0..<d {
                gate2[u * d + i] = gate[rho[u] * d + i]
                up2[u * d + i] = up[rho[u] * d + i] * unitScale[u]
                down2[i * ff + u] = down[i * ff + rho[u]] / unitScale[u]
            } }
            out["blk.\(l).ffn_gate.weight"] = gate2; out["blk.\(l).ffn_up.weight"] = up2; out["blk.\(l).ffn_down.weight"] = down2
            // Heads: key-value groups permuted, query heads within each group permuted.
            let kvOrder = shuffled(kvHeads)
            var qHead = [Int](repeating: 0, count: heads)
            for gNew in 0..<kvHeads {
                let within = shuffled(group)
                for h in 0..<group { qHead[gNew * group + h] = kvOrder[gNew] * group + within[h] }
            }
            let q = out["blk.\(l).attn_q.weight"], k = out["blk.\(l).attn_k.weight"], v = out["blk.\(l).attn_v.weight"], o = out["blk.\(l).attn_output.weight"]
            var q2 = q, k2 = k, v2 = v, o2 = o
            let vScale = (0..<(kvHeads * headSize)).map { _ in Float(0.5 + g.uniform()) }
            for h in 0..<heads { for r in 0..<headSize { for i in 0..<d {
                q2[(h * headSize + r) * d + i] = q[(qHead[h] * headSize + r) * d + i]
            } } }
            for h in 0..<kvHeads { for r in 0..<headSize { for i in 0..<d {
                k2[(h * headSize + r) * d + i] = k[(kvOrder[h] * headSize + r) * d + i]
                v2[(h * headSize + r) * d + i] = v[(kvOrder[h] * headSize + r) * d + i] * vScale[h * headSize + r]
            } } }
            let cols = heads * headSize
            for i in 0..<d { for h in 0..<heads { for r in 0..<headSize {
                let kvNew = h / group
                o2[i * cols + h * headSize + r] = o[i * cols + qHead[h] * headSize + r] / vScale[kvNew * headSize + r]
            } } }
            out["blk.\(l).attn_q.weight"] = q2; out["blk.\(l).attn_k.weight"] = k2; out["blk.\(l).attn_v.weight"] = v2; out["blk.\(l).attn_output.weight"] = o2
        }
        return out
    }

    /// The model without the listed layers (the rest renumbered).
    func dropping(_ dropped: Set<Int>) -> LineageModel {
        var out = self
        let kept = (0..<layers).filter { !dropped.contains($0) }
        out.tensors = tensors.compactMap { t in
            guard let l = TensorStores.layer(of: t.name) else { return t }
            guard let position = kept.firstIndex(of: l) else { return nil }
            return ("blk.\(position)." + t.name.split(separator: ".", maxSplits: 2)[2], t.shape, t.values)
        }
        return out
    }

    /// Independent weights of the same shapes: Gaussian with each tensor's own mean and spread
    /// (norm weights keep their mean and spread too).
    func independent(seed: UInt64) -> LineageModel {
        var out = self
        var g = Dense.Normal(seed: seed)
        for t in tensors {
            let n = Float(t.values.count)
            let mean = t.values.reduce(0, +) / n
            let sd = (t.values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n).squareRoot()
            out[t.name] = (0..<t.values.count).map { _ in mean + sd * g.next() }
        }
        return out
    }

    // MARK: writing

    static func hfName(_ name: String) -> String {
        let fixed = ["token_embd.weight": "model.embed_tokens.weight", "output_norm.weight": "model.norm.weight", "output.weight": "lm_head.weight"]
        if let f = fixed[name] { return f }
        let parts = name.split(separator: ".", maxSplits: 2).map(String.init)
        let table = ["attn_norm.weight": "input_layernorm.weight", "ffn_norm.weight": "post_attention_layernorm.weight",
                     "attn_q.weight": "self_attn.q_proj.weight", "attn_k.weight": "self_attn.k_proj.weight",
                     "attn_v.weight": "self_attn.v_proj.weight", "attn_output.weight": "self_attn.o_proj.weight",
                     "ffn_gate.weight": "mlp.gate_proj.weight", "ffn_up.weight": "mlp.up_proj.weight", "ffn_down.weight": "mlp.down_proj.weight"]
        return "model.layers.\(parts[1])." + table[parts[2]]!
    }

    /// A Hugging Face-layout folder: one safetensors file, `config.json`.
    func writeFolder(_ folder: String, half: Bool = true) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let out = tensors.map { half ? SafeTensorsBuilder.f16(Self.hfName($0.name), $0.shape, $0.values)
                                      : SafeTensorsBuilder.f32(Self.hfName($0.name), $0.shape, $0.values) }
        try Data(SafeTensorsBuilder.bytes(out)).write(to: URL(fileURLWithPath: folder + "/model.safetensors"))
        try Data(#"{"model_type": "llama"}"#.utf8).write(to: URL(fileURLWithPath: folder + "/config.json"))
    }

    /// A PyTorch zip checkpoint of the Hugging Face-named state dict, F16 (what `torch.save` writes
    /// for `model.half().state_dict()`), one storage per tensor.
    func writePyTorch(_ path: String) throws {
        var zip = TorchZip()
        for (i, t) in tensors.enumerated() {
            zip.storages["\(i)"] = TorchZip.f16(t.values)
            zip.tensors.append(.init(name: Self.hfName(t.name), storage: "\(i)", storageType: "HalfStorage", shape: t.shape))
        }
        try Data(zip.bytes).write(to: URL(fileURLWithPath: path))
    }

    /// A llama GGUF with every matrix in Q8_0 (norms F32), query and key rows permuted as llama.cpp's
    /// converter does.
    func writeGGUF(_ path: String) throws {
        var builder = GGUFBuilder().meta("general.architecture", .string("llama"))
            .meta("llama.attention.head_count", .uint(UInt64(heads), .uint32))
            .meta("llama.attention.head_count_kv", .uint(UInt64(kvHeads), .uint32))
        for t in tensors {
            var v = t.values
            if t.name.hasSuffix("attn_q.weight") { v = Self.ropePermute(v, heads: heads, rows: t.shape[0], columns: t.shape[1]) }
            if t.name.hasSuffix("attn_k.weight") { v = Self.ropePermute(v, heads: kvHeads, rows: t.shape[0], columns: t.shape[1]) }
            let dims = t.shape.reversed().map { UInt64($0) }
            if t.shape.count == 2 && t.shape[1] % 32 == 0 {
                builder = builder.tensor(.init(t.name, dimensions: dims, typeID: 8, data: Self.q8_0(v)))
            } else {
                builder = builder.tensor(.init(t.name, dimensions: dims, typeID: 0, data: v.withUnsafeBytes { Array($0) }))
            }
        }
        try Data(builder.bytes()).write(to: URL(fileURLWithPath: path))
    }

    /// HF row h·d + a·d/2 + i → GGUF row h·d + 2i + a.
    static func ropePermute(_ w: [Float], heads: Int, rows: Int, columns: Int) -> [Float] {
        let d = rows / heads
        var out = w
        for h in 0..<heads { for a in 0..<2 { for i in 0..<(d / 2) {
            let from = (h * d + a * (d / 2) + i) * columns, to = (h * d + 2 * i + a) * columns
            for c in 0..<columns { out[to + c] = w[from + c] }
        } } }
        return out
    }

    /// ggml's Q8_0: blocks of 32 as an F16 scale max|x|/127 and 32 signed bytes round(x/scale).
    static func q8_0(_ v: [Float]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(v.count / 32 * 34)
        for b in stride(from: 0, to: v.count, by: 32) {
            let block = v[b..<(b + 32)]
            let amax = block.map(abs).max() ?? 0
            let d = amax / 127
            let bits = Float16(d).bitPattern
            out.append(UInt8(truncatingIfNeeded: bits)); out.append(UInt8(truncatingIfNeeded: bits >> 8))
            let inv: Float = d > 0 ? 1 / d : 0
            for x in block { out.append(UInt8(bitPattern: Int8(max(-127, min(127, (x * inv).rounded()))))) }
        }
        return out
    }
}

extension SafeTensorsBuilder {
    /// An F16 tensor of `values` (rounded to nearest).
    static func f16(_ name: String, _ shape: [Int], _ values: [Float]) -> Tensor {
        var data = [UInt8](repeating: 0, count: 2 * values.count)
        for (i, v) in values.enumerated() {
            let bits = Float16(v).bitPattern
            data[2 * i] = UInt8(truncatingIfNeeded: bits)
            data[2 * i + 1] = UInt8(truncatingIfNeeded: bits >> 8)
        }
        return Tensor(name: name, dtype: "F16", shape: shape, data: data)
    }
}
