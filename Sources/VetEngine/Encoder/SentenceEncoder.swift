import Foundation
import VetBytes
import VetSafeTensors

/// A BERT sentence encoder (all-MiniLM-L6-v2 and models of its shape): WordPiece tokens through
/// embeddings and post-norm transformer blocks (self-attention, then a GELU feed-forward, each
/// added back and layer-normalised), mean-pooled over the tokens and scaled to unit length, as
/// sentence-transformers computes it. Reads a folder holding `config.json`, `vocab.txt` and
/// `model.safetensors` (float32); nothing in it is executed.
///
/// Texts are cut to `maxTokens` tokens, `[CLS]` and `[SEP]` included. Thread-safe: calls are
/// serialised, and each runs its matrix products on the encoder's own threads.
public final class SentenceEncoder: @unchecked Sendable {
    public let tokenizer: WordPieceTokenizer
    /// The length of an embedding (the hidden size).
    public let dimension: Int
    public let maxTokens: Int
    let heads: Int, layers: Int, intermediate: Int
    let epsilon: Float
    let weights: Weights
    let pool: WorkerPool
    let lock = NSLock()

    /// Reads the three files of `folder`.
    /// - Parameters:
    ///   - maxTokens: the most tokens read of a text (at most the model's position count).
    ///   - threads: threads for the matrix products, the caller's included.
    public convenience init(folder: String, maxTokens: Int = 64, threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws {
        let url = URL(fileURLWithPath: folder)
        func read(_ name: String) throws -> Data {
            do { return try Data(contentsOf: url.appendingPathComponent(name)) } catch {
                throw EngineError(.invalidModel, "cannot read \(url.appendingPathComponent(name).path): \(error.localizedDescription)")
            }
        }
        try self.init(vocabulary: try read("vocab.txt"), config: try read("config.json"), model: ByteSource(try read("model.safetensors")),
                      name: url.appendingPathComponent("model.safetensors").path, maxTokens: maxTokens, threads: threads)
    }

    /// Builds the encoder from the files' bytes (a caller that has checked their digests passes
    /// exactly what it checked). `name` labels the model in errors.
    public init(vocabulary: Data, config configData: Data, model source: ByteSource, name path: String, maxTokens: Int = 64,
                threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws {
        guard let vocabularyText = String(data: vocabulary, encoding: .utf8) else {
            throw EngineError(.invalidModel, "vocab.txt is not UTF-8")
        }
        tokenizer = try WordPieceTokenizer(vocabulary: vocabularyText)
        let config = try Self.config(configData)
        heads = config.heads
        epsilon = config.epsilon
        do { weights = try Weights(source, path: path) } catch let error as EngineError {
            throw error
        } catch {
            throw EngineError(.invalidModel, "\(path): \(error)")
        }
        dimension = weights.hidden
        layers = weights.layers
        intermediate = weights.intermediate
        // Token ids are line numbers of vocab.txt: every one must have an embedding row.
        guard weights.vocabulary >= tokenizer.vocabularySize else {
            throw EngineError(.invalidModel, "vocab.txt has \(tokenizer.vocabularySize) tokens but the model embeds \(weights.vocabulary)")
        }
        guard heads > 0, dimension % heads == 0, (dimension / heads) % 8 == 0, dimension % 8 == 0, intermediate > 0, intermediate % 8 == 0 else {
            throw EngineError(.unsupported, "hidden size \(dimension), \(heads) heads, intermediate size \(intermediate): "
                              + "the encoder needs sizes and head widths that are multiples of 8")
        }
        guard maxTokens >= 2, maxTokens <= weights.positions else {
            throw EngineError(.badRequest, "maxTokens \(maxTokens) is outside 2...\(weights.positions)")
        }
        self.maxTokens = maxTokens
        pool = WorkerPool(threads: max(1, threads))
    }

    struct Config {
        var heads: Int
        var epsilon: Float
    }

    static func config(_ data: Data) throws -> Config {
        let parsed: Any
        do { parsed = try JSONSerialization.jsonObject(with: data) } catch {
            throw EngineError(.invalidModel, "config.json is not JSON: \(error.localizedDescription)")
        }
        guard let object = parsed as? [String: Any] else { throw EngineError(.invalidModel, "config.json is not a JSON object") }
        if let type = object["model_type"] as? String, type != "bert" {
            throw EngineError(.unsupported, "config.json: model_type \(type); the sentence encoder runs BERT models")
        }
        if let act = object["hidden_act"] as? String, act != "gelu" {
            throw EngineError(.unsupported, "config.json: hidden_act \(act); the sentence encoder implements gelu")
        }
        if let positions = object["position_embedding_type"] as? String, positions != "absolute" {
            throw EngineError(.unsupported, "config.json: position_embedding_type \(positions); only absolute is implemented")
        }
        guard let heads = object["num_attention_heads"] as? Int else {
            throw EngineError(.invalidModel, "config.json has no num_attention_heads")
        }
        let epsilon = (object["layer_norm_eps"] as? Double) ?? 1e-12
        guard epsilon > 0, Float(epsilon) > 0, epsilon.isFinite else {
            throw EngineError(.invalidModel, "config.json: layer_norm_eps \(epsilon) is not a small positive number")
        }
        return Config(heads: heads, epsilon: Float(epsilon))
    }

    /// The token ids the encoder reads of `text`.
    public func tokens(_ text: String) -> [Int32] { tokenizer.encode(text, maxTokens: maxTokens) }

    /// The unit-length embedding of each text.
    public func embed(_ texts: [String]) -> [[Float]] {
        guard !texts.isEmpty else { return [] }
        let sequences = texts.map(tokens)
        lock.lock()
        defer { lock.unlock() }
        // One text at a time: a text's embedding then never depends on what it was batched with
        // (the products' summation order would), and 64 rows already keep the kernels busy.
        return sequences.map(forward)
    }

    /// The embedding of one token sequence.
    func forward(_ ids: [Int32]) -> [Float] {
        let h = dimension, rows = ids.count
        let x = UnsafeMutablePointer<Float>.allocate(capacity: rows * h)
        let t = UnsafeMutablePointer<Float>.allocate(capacity: rows * h)
        let u = UnsafeMutablePointer<Float>.allocate(capacity: rows * h)
        let qkv = UnsafeMutablePointer<Float>.allocate(capacity: rows * 3 * h)
        let inner = UnsafeMutablePointer<Float>.allocate(capacity: rows * intermediate)
        defer { x.deallocate(); t.deallocate(); u.deallocate(); qkv.deallocate(); inner.deallocate() }
        let w = weights
        // Embeddings: the token's, its position's and token type 0's.
        for (p, id) in ids.enumerated() {
            let row = x + p * h
            let word = w.pointer(w.wordEmbeddings) + Int(id) * h, position = w.pointer(w.positionEmbeddings) + p * h
            let type = w.pointer(w.typeEmbeddings)
            for i in 0..<h { row[i] = word[i] + position[i] + type[i] }
        }
        normalise(x, rows: rows, w.embeddingNorm)
        for layer in w.blocks {
            DenseMath.linear(x, rows: rows, inner: h, w.pointer(layer.qkv.weight), w.pointer(layer.qkv.bias), outputs: 3 * h,
                             into: qkv, pool: pool)
            attend(qkv, rows: rows, into: t)
            // t holds the attention's context; project it into u, add and normalise.
            DenseMath.linear(t, rows: rows, inner: h, w.pointer(layer.output.weight), w.pointer(layer.output.bias), outputs: h,
                             into: u, pool: pool)
            for i in 0..<(rows * h) { x[i] += u[i] }
            normalise(x, rows: rows, layer.attentionNorm)
            DenseMath.linear(x, rows: rows, inner: h, w.pointer(layer.up.weight), w.pointer(layer.up.bias), outputs: intermediate,
                             into: inner, pool: pool)
            let activations = SendablePointer(inner), width = intermediate
            pool.forEachChunk(rows, grain: 4) { range in
                DenseMath.gelu(activations.pointer + range.lowerBound * width, count: range.count * width)
            }
            DenseMath.linear(inner, rows: rows, inner: intermediate, w.pointer(layer.down.weight), w.pointer(layer.down.bias),
                             outputs: h, into: t, pool: pool)
            for i in 0..<(rows * h) { x[i] += t[i] }
            normalise(x, rows: rows, layer.outputNorm)
        }
        // Mean over the tokens, scaled to unit length.
        var mean = [Float](repeating: 0, count: h)
        for p in 0..<rows {
            let row = x + p * h
            for i in 0..<h { mean[i] += row[i] }
        }
        var norm: Float = 0
        for i in 0..<h {
            mean[i] /= Float(rows)
            norm += mean[i] * mean[i]
        }
        let scale = 1 / max(norm.squareRoot(), 1e-12)
        return mean.map { $0 * scale }
    }

    func normalise(_ x: UnsafeMutablePointer<Float>, rows: Int, _ norm: Weights.Pair) {
        DenseMath.layerNorm(x, rows: rows, width: dimension, weight: weights.pointer(norm.weight), bias: weights.pointer(norm.bias),
                            epsilon: epsilon)
    }

    /// Scaled dot-product attention of each head over the `rows` tokens; `qkv` rows hold the
    /// queries, keys and values side by side, `context` receives the heads' outputs side by side.
    func attend(_ qkv: UnsafeMutablePointer<Float>, rows n: Int, into context: UnsafeMutablePointer<Float>) {
        let h = dimension, d = dimension / heads
        let scale = 1 / Float(d).squareRoot()
        let shared = (qkv: SendablePointer(qkv), context: SendablePointer(context))
        pool.forEachChunk(heads, grain: 1) { range in
            let qkv = shared.qkv.pointer, context = shared.context.pointer
            withUnsafeTemporaryAllocation(of: Float.self, capacity: n) { scores in
                for head in range {
                    for i in 0..<n {
                        let q = qkv + i * 3 * h + head * d
                        var maximum = -Float.infinity
                        for j in 0..<n {
                            let k = qkv + j * 3 * h + h + head * d
                            let score = DenseMath.dot(q, k, d) * scale
                            scores[j] = score
                            maximum = max(maximum, score)
                        }
                        var sum: Float = 0
                        for j in 0..<n {
                            let e = Foundation.exp(scores[j] - maximum)
                            scores[j] = e
                            sum += e
                        }
                        let out = context + i * h + head * d
                        for c in 0..<d { out[c] = 0 }
                        for j in 0..<n {
                            let v = qkv + j * 3 * h + 2 * h + head * d
                            let p = scores[j] / sum
                            var c = 0
                            while c < d {
                                let acc = DenseMath.load8(out + c).addingProduct(DenseMath.load8(v + c), SIMD8(repeating: p))
                                UnsafeMutableRawPointer(out + c).storeBytes(of: acc, as: SIMD8<Float>.self)
                                c += 8
                            }
                        }
                    }
                }
            }
        }
    }
}

extension SentenceEncoder {
    /// The encoder's float32 tensors, copied out of the safetensors file into one allocation, with
    /// the query, key and value projections of each block placed side by side.
    final class Weights: @unchecked Sendable {
        /// A tensor's offset and length in `storage`.
        struct Slot {
            var offset: Int
            var count: Int
        }
        struct Pair {
            var weight: Slot
            var bias: Slot
        }
        struct Block {
            var qkv: Pair, output: Pair, attentionNorm: Pair, up: Pair, down: Pair, outputNorm: Pair
        }

        let storage: UnsafeMutableBufferPointer<Float>
        let hidden: Int, vocabulary: Int, positions: Int, intermediate: Int, layers: Int
        var wordEmbeddings = Slot(offset: 0, count: 0), positionEmbeddings = Slot(offset: 0, count: 0)
        var typeEmbeddings = Slot(offset: 0, count: 0)
        var embeddingNorm = Pair(weight: Slot(offset: 0, count: 0), bias: Slot(offset: 0, count: 0))
        var blocks: [Block] = []

        func pointer(_ slot: Slot) -> UnsafeMutablePointer<Float> { storage.baseAddress! + slot.offset }

        init(_ source: ByteSource, path: String) throws {
            let file = try SafeTensorsFile.parse(source)
            if let anomaly = file.anomalies.first {
                throw EngineError(.invalidModel, "\(path): \(anomaly.message)")
            }
            var byName: [String: SafeTensorsFile.Tensor] = [:]
            for tensor in file.tensors { byName[tensor.name] = tensor }
            func shape(_ name: String) throws -> [Int] {
                guard let tensor = byName[name] else { throw EngineError(.invalidModel, "\(path) has no tensor \(name)") }
                return tensor.shape
            }
            let words = try shape("embeddings.word_embeddings.weight")
            guard words.count == 2, words[1] > 0 else { throw EngineError(.invalidModel, "word embeddings of shape \(words)") }
            vocabulary = words[0]
            hidden = words[1]
            let positionShape = try shape("embeddings.position_embeddings.weight")
            positions = positionShape.first ?? 0
            var count = 0
            while byName["encoder.layer.\(count).attention.self.query.weight"] != nil { count += 1 }
            guard count > 0 else { throw EngineError(.invalidModel, "\(path) has no encoder.layer.0 tensors") }
            layers = count
            let up = try shape("encoder.layer.0.intermediate.dense.weight")
            intermediate = up.first ?? 0
            let h = hidden, m = intermediate
            // What is read: each name with its expected shape.
            var plan: [(String, [Int])] = [
                ("embeddings.word_embeddings.weight", [vocabulary, h]), ("embeddings.position_embeddings.weight", [positions, h]),
                ("embeddings.token_type_embeddings.weight", [-1, h]),
                ("embeddings.LayerNorm.weight", [h]), ("embeddings.LayerNorm.bias", [h]),
            ]
            for l in 0..<layers {
                let p = "encoder.layer.\(l)."
                // The query, key and value projections side by side (weights, then biases): one
                // [3h × h] product computes all three.
                for part in ["query", "key", "value"] { plan.append((p + "attention.self.\(part).weight", [h, h])) }
                for part in ["query", "key", "value"] { plan.append((p + "attention.self.\(part).bias", [h])) }
                plan += [(p + "attention.output.dense.weight", [h, h]), (p + "attention.output.dense.bias", [h]),
                         (p + "attention.output.LayerNorm.weight", [h]), (p + "attention.output.LayerNorm.bias", [h]),
                         (p + "intermediate.dense.weight", [m, h]), (p + "intermediate.dense.bias", [m]),
                         (p + "output.dense.weight", [h, m]), (p + "output.dense.bias", [h]),
                         (p + "output.LayerNorm.weight", [h]), (p + "output.LayerNorm.bias", [h])]
            }
            var slots: [String: Slot] = [:], total = 0
            var tensors: [(SafeTensorsFile.Tensor, Slot)] = []
            for (name, expected) in plan {
                guard let tensor = byName[name] else { throw EngineError(.invalidModel, "\(path) has no tensor \(name)") }
                guard tensor.dtype == "F32" else {
                    throw EngineError(.unsupported, "\(path): \(name) is \(tensor.dtype); the sentence encoder reads F32")
                }
                let matches = tensor.shape.count == expected.count
                    && zip(tensor.shape, expected).allSatisfy { $1 == -1 ? $0 > 0 : $0 == $1 }
                let elements = tensor.shape.reduce(1, *)
                guard matches, tensor.dataRange.count == elements * 4 else {
                    throw EngineError(.invalidModel, "\(path): \(name) has shape \(tensor.shape) and \(tensor.dataRange.count) bytes; "
                                      + "expected \(expected.map { $0 == -1 ? "n" : String($0) })")
                }
                let slot = Slot(offset: total, count: elements)
                slots[name] = slot
                tensors.append((tensor, slot))
                total += elements
            }
            let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: total)
            do {
                try source.withUnsafeBytes { raw in
                    for (tensor, slot) in tensors {
                        let lower = file.dataStart + tensor.dataRange.lowerBound
                        guard lower >= 0, lower + slot.count * 4 <= raw.count else {
                            throw EngineError(.invalidModel, "\(path): \(tensor.name) runs past the end of the file")
                        }
                        let bytes = UnsafeRawBufferPointer(rebasing: raw[lower..<(lower + slot.count * 4)])
                        UnsafeMutableRawBufferPointer(start: buffer.baseAddress! + slot.offset, count: slot.count * 4).copyMemory(from: bytes)
                    }
                }
                // A NaN or infinite weight would make every embedding NaN, and a NaN score reads as compliance.
                if let bad = buffer.firstIndex(where: { !$0.isFinite }) {
                    let name = tensors.first { $0.1.offset + $0.1.count > bad }?.0.name ?? "a tensor"
                    throw EngineError(.invalidModel, "\(path): \(name) holds a value that is not a finite number")
                }
            } catch {
                buffer.deallocate()
                throw error
            }
            storage = buffer
            func pair(_ prefix: String) -> Pair { Pair(weight: slots[prefix + ".weight"]!, bias: slots[prefix + ".bias"]!) }
            wordEmbeddings = slots["embeddings.word_embeddings.weight"]!
            positionEmbeddings = slots["embeddings.position_embeddings.weight"]!
            typeEmbeddings = slots["embeddings.token_type_embeddings.weight"]!
            embeddingNorm = pair("embeddings.LayerNorm")
            for l in 0..<layers {
                let p = "encoder.layer.\(l)."
                let q = pair(p + "attention.self.query")
                let qkv = Pair(weight: Slot(offset: q.weight.offset, count: 3 * q.weight.count),
                               bias: Slot(offset: q.bias.offset, count: 3 * q.bias.count))
                blocks.append(Block(qkv: qkv, output: pair(p + "attention.output.dense"),
                                    attentionNorm: pair(p + "attention.output.LayerNorm"), up: pair(p + "intermediate.dense"),
                                    down: pair(p + "output.dense"), outputNorm: pair(p + "output.LayerNorm")))
            }
        }

        deinit { storage.deallocate() }
    }
}
