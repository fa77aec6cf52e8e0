import VetFixtures
import Foundation
import Testing
import VetBytes
import VetFormats
@testable import VetEngine

/// A small llama-architecture GGUF with random weights, built in the test, for the engine's
/// behaviour on every tensor type and on damaged files.
enum TinyModel {
    static let byteTokens: [String] = (0..<256).map { String(ByteUnicode.character(for: UInt8($0))) }

    static func builder(type: GGMLType = .q8_0, dim: Int = 256, feedForward: Int = 512, vocabularyExtra: [String] = ["he", "ll", "hell", "hello"],
                        architecture: String = "llama", seed: UInt64 = 1) -> GGUFBuilder {
        let tokens = byteTokens + vocabularyExtra + ["<|endoftext|>"]
        let types: [GGUFValue] = tokens.indices.map { .int($0 == tokens.count - 1 ? 3 : 1, .int32) }
        var b = GGUFBuilder()
            .meta("general.architecture", .string(architecture))
            .meta("\(architecture).block_count", .uint(1, .uint32))
            .meta("\(architecture).embedding_length", .uint(UInt64(dim), .uint32))
            .meta("\(architecture).feed_forward_length", .uint(UInt64(feedForward), .uint32))
            .meta("\(architecture).attention.head_count", .uint(4, .uint32))
            .meta("\(architecture).attention.head_count_kv", .uint(2, .uint32))
            .meta("\(architecture).context_length", .uint(256, .uint32))
            .meta("\(architecture).rope.freq_base", .float(10_000, .float32))
            .meta("tokenizer.ggml.model", .string("gpt2"))
            .meta("tokenizer.ggml.pre", .string("gpt2"))
            .meta("tokenizer.ggml.tokens", .array(.string, tokens.map { .string($0) }))
            .meta("tokenizer.ggml.token_type", .array(.int32, types))
            .meta("tokenizer.ggml.merges", .array(.string, ["h e", "l l", "he ll", "hell o"].map { .string($0) }))
            .meta("tokenizer.ggml.eos_token_id", .uint(UInt64(tokens.count - 1), .uint32))
        let kv = dim / 2
        var seed = seed
        func matrix(_ name: String, _ columns: Int, _ rows: Int, _ t: GGMLType) -> GGUFBuilder.Tensor {
            seed &+= 1
            return .init(name, dimensions: [UInt64(columns), UInt64(rows)], typeID: t.rawValue,
                         data: randomBlocks(t, count: columns * rows, seed: seed))
        }
        func norm(_ name: String) -> GGUFBuilder.Tensor {
            let ones = (0..<dim).flatMap { _ in withUnsafeBytes(of: Float(1).bitPattern.littleEndian, Array.init) }
            return .init(name, dimensions: [UInt64(dim)], typeID: 0, data: ones)
        }
        for t in [matrix("token_embd.weight", dim, tokens.count, .q8_0), norm("output_norm.weight"), norm("blk.0.attn_norm.weight"),
                  matrix("blk.0.attn_q.weight", dim, dim, type), matrix("blk.0.attn_k.weight", dim, kv, type),
                  matrix("blk.0.attn_v.weight", dim, kv, type), matrix("blk.0.attn_output.weight", dim, dim, type),
                  norm("blk.0.ffn_norm.weight"), matrix("blk.0.ffn_gate.weight", dim, feedForward, type),
                  matrix("blk.0.ffn_up.weight", dim, feedForward, type), matrix("blk.0.ffn_down.weight", feedForward, dim, type)] {
            b = b.tensor(t)
        }
        return b
    }

    static func model(_ bytes: [UInt8]) throws -> LlamaModel { try LlamaModel(source: ByteSource(bytes)) }
}

@Suite("Engine on synthetic models", .enabled(if: EngineHost.supported, Comment(rawValue: EngineHost.notice)))
struct TinyModelTests {
    @Test("every tensor type runs, greedy decoding is deterministic",
          arguments: [GGMLType.f32, .f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .iq4_nl, .iq4_xs])
    func types(type: GGMLType) throws {
        let model = try TinyModel.model(TinyModel.builder(type: type).bytes())
        let session = try InferenceSession(model: model, context: 64, threads: 2)
        let prompt = session.tokenizer.encode("hello hello")
        let first = try session.generate(promptTokens: prompt, maxTokens: 8)
        let again = try InferenceSession(model: model, context: 64, threads: 1).generate(promptTokens: prompt, maxTokens: 8)
        #expect(first.tokens == again.tokens)
        #expect(first.tokens.count == 8 || first.stopReason == .endOfGeneration)
        #expect(first.logProbabilities.allSatisfy { $0 <= 0 && $0.isFinite })
    }

    @Test("a shared prompt prefix is reused and gives the same tokens as a fresh session")
    func prefixReuse() throws {
        let model = try TinyModel.model(TinyModel.builder().bytes())
        let session = try InferenceSession(model: model, context: 128)
        let base = session.tokenizer.encode("hello world, hello")
        _ = try session.generate(promptTokens: base, maxTokens: 4)
        let longer = base + session.tokenizer.encode(" again")
        let reused = try session.generate(promptTokens: longer, maxTokens: 6)
        #expect(reused.reusedPromptTokens == base.count)
        let fresh = try InferenceSession(model: model, context: 128).generate(promptTokens: longer, maxTokens: 6)
        #expect(reused.tokens == fresh.tokens)
        #expect(reused.logProbabilities == fresh.logProbabilities)
    }

    @Test("batched decoding gives each sequence what decoding it alone gives (bit for bit with the row kernels, within rounding with packed rows), the same for every batch size",
          arguments: [GGMLType.q4_1, .q5_0, .q8_0, .q4_K, .q6_K, .iq4_nl, .iq4_xs, .f32])
    func batched(type: GGMLType) throws {
        let model = try TinyModel.model(TinyModel.builder(type: type).bytes())
        let session = try InferenceSession(model: model, context: 64, threads: 2)
        let prompts = ["hello", "hello world", "world hello hello", "he", "hell", "hello hello world"].map { session.tokenizer.encode($0) }
        let alone = try prompts.map { try InferenceSession(model: model, context: 64, threads: 2).generate(promptTokens: $0, maxTokens: 7) }
        // Packed rows sum each block exactly before scaling it, where the row kernels (decoding
        // alone) scale eight partial sums: the last bits differ, nothing more.
        let packed = PackedRows.packs(type)
        var first: [Generation] = []
        for size in [1, 2, 4, 5, 6] {
            let together = try session.generate(batch: Array(prompts.prefix(size)), maxTokens: 7)
            #expect(together.count == size)
            for (a, b) in zip(alone, together) {
                #expect(a.tokens == b.tokens, "\(type) batch \(size)")
                if packed {
                    let worst = zip(a.logProbabilities, b.logProbabilities).map { abs($0 - $1) }.max() ?? 0
                    #expect(worst < 1e-3, "\(type) batch \(size): log-probabilities differ from decoding alone by \(worst)")
                } else {
                    #expect(a.logProbabilities == b.logProbabilities, "\(type) batch \(size)")
                }
                #expect(a.stopReason == b.stopReason)
            }
            // A sequence's numbers do not depend on how many others share its batch.
            for (a, b) in zip(first, together) { #expect(a.logProbabilities == b.logProbabilities, "\(type) batch \(size)") }
            if together.count > first.count { first = together }
        }
        if packed {
            let differs = zip(alone, first).contains { $0.logProbabilities != $1.logProbabilities }
            #expect(differs, "\(type): the packed rows were not used (batch results are bit for bit the row kernels')")
        }
        // Sampled sequences use consecutive seeds: sequence i is what a lone run with seed + i gives.
        var sampling = SamplingOptions.greedy
        sampling.temperature = 1
        sampling.seed = 11
        let sampled = try session.generate(batch: [prompts[0], prompts[0]], maxTokens: 6, sampling: sampling)
        for i in 0..<2 {
            var own = sampling
            own.seed = 11 + UInt64(i)
            let lone = try InferenceSession(model: model, context: 64, threads: 2).generate(promptTokens: prompts[0], maxTokens: 6, sampling: own)
            #expect(sampled[i].tokens == lone.tokens)
        }
        #expect(throws: EngineError.self) { try session.generate(batch: [[]], maxTokens: 2) }
    }

    @Test("scoring in small chunks gives the log-probabilities of scoring in one pass")
    func scoreChunks() throws {
        let model = try TinyModel.model(TinyModel.builder().bytes())
        let session = try InferenceSession(model: model, context: 64, threads: 2)
        let tokens = session.tokenizer.encode("hello world, hello hello world hell")
        let whole = try session.score(tokens)
        let chunked = try session.score(tokens, chunk: 3)
        #expect(whole.logProbabilities.count == tokens.count - 1)
        for (a, b) in zip(whole.logProbabilities, chunked.logProbabilities) { #expect(abs(a - b) < 1e-3) }
        // Chunks that cross the context end are refused, not written past the cache.
        let long = [Int](repeating: tokens[0], count: 80)
        #expect(throws: EngineError.self) { try session.score(long, chunk: 16) }
    }

    @Test("seeded sampling repeats with the same seed; filters keep the choice among allowed tokens")
    func sampling() throws {
        let model = try TinyModel.model(TinyModel.builder().bytes())
        let prompt = try InferenceSession(model: model, context: 64).tokenizer.encode("hello")
        func run(_ options: SamplingOptions) throws -> [Int] {
            try InferenceSession(model: model, context: 64).generate(promptTokens: prompt, maxTokens: 12, sampling: options).tokens
        }
        let a = try run(SamplingOptions(temperature: 1.5, topK: 0, topP: 1, minP: 0, seed: 7))
        #expect(a == (try run(SamplingOptions(temperature: 1.5, topK: 0, topP: 1, minP: 0, seed: 7))))
        #expect(a != (try run(SamplingOptions(temperature: 1.5, topK: 0, topP: 1, minP: 0, seed: 8))))
        // top-k 1 is greedy whatever the temperature.
        #expect(try run(SamplingOptions(temperature: 2, topK: 1, seed: 3)) == (try run(.greedy)))
        // A repetition penalty changes greedy choices once tokens repeat.
        var sampler = Sampler(SamplingOptions(repetitionPenalty: 100))
        #expect(sampler.next([5, 4, 1], recent: [0]) == 1)
    }

    @Test("stop strings end generation and are cut from the text")
    func stopStrings() throws {
        let model = try TinyModel.model(TinyModel.builder().bytes())
        let session = try InferenceSession(model: model, context: 64)
        let prompt = session.tokenizer.encode("hello")
        let free = try session.generate(promptTokens: prompt, maxTokens: 16)
        guard free.text.count >= 3 else { return }
        let stop = String(free.text.dropFirst(1).prefix(2))
        let stopped = try session.generate(promptTokens: prompt, maxTokens: 16, stop: [stop])
        #expect(stopped.stopReason == .stopString)
        #expect(!stopped.text.contains(stop))
        #expect(free.text.hasPrefix(stopped.text))
    }

    @Test("damaged, lying or unsupported files are refused with a clear error, never a crash")
    func badFiles() throws {
        let good = TinyModel.builder().bytes()
        func refused(_ bytes: [UInt8], _ kind: EngineError.Kind, _ fragment: String) {
            do {
                _ = try TinyModel.model(bytes)
                Issue.record("accepted a bad model (\(fragment))")
            } catch let error as EngineError {
                #expect(error.kind == kind, "\(error.message)")
                #expect(fragment.isEmpty || error.message.contains(fragment), "\(error.message)")
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
        refused(Array(good.prefix(good.count / 2)), .invalidModel, "")
        refused(Array(good.prefix(100)), .invalidModel, "header")
        refused(TinyModel.builder().tensor(.init("blk.0.attn_q.weight", dimensions: [256, 256], typeID: 8,
                                                 offset: 1 << 40, data: [])).bytes(), .invalidModel, "")
        refused(TinyModel.builder(type: .iq2_xxs).bytes(), .unsupported, "iq2_xxs")
        refused(TinyModel.builder(architecture: "gpt2").bytes(), .unsupported, "architecture `gpt2`")
        refused(Array("not a model at all".utf8), .invalidModel, "")
        refused(TinyModel.builder(dim: 100, feedForward: 96).bytes(), .invalidModel, "blocks")
        // Metadata the newer architectures read.
        func vector(_ name: String, _ values: [Float]) -> GGUFBuilder.Tensor {
            .init(name, dimensions: [UInt64(values.count)], typeID: 0,
                  data: values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) })
        }
        refused(TinyModel.builder(architecture: "qwen3").bytes(), .invalidModel, "attn_q_norm")
        refused(TinyModel.builder().tensor(vector("rope_factors_long.weight", [Float](repeating: 1, count: 32))).bytes(),
                .invalidModel, "LongRoPE needs both")
        refused(TinyModel.builder().tensor(vector("rope_factors_long.weight", [Float](repeating: 1, count: 32)))
                    .tensor(vector("rope_factors_short.weight", [-1] + [Float](repeating: 1, count: 31))).bytes(), .invalidModel, "rope_factors")
        refused(TinyModel.builder().meta("llama.rope.scaling.attn_factor", .float(.nan, .float32)).bytes(), .invalidModel, "attn_factor")
        refused(TinyModel.builder().tensor(vector("rope_freqs.weight", [1, 2, 0] + [Float](repeating: 1, count: 29))).bytes(),
                .invalidModel, "rope_freqs")
        refused(TinyModel.builder().tensor(vector("rope_freqs.weight", [1, 2])).bytes(), .invalidModel, "rope_freqs")
        refused(TinyModel.builder().meta("llama.attention.key_length", .uint(64, .uint32)).bytes(), .unsupported, "value length")
        refused(TinyModel.builder().meta("llama.attention.key_length", .uint(7, .uint32))
                    .meta("llama.attention.value_length", .uint(7, .uint32)).bytes(), .invalidModel, "head size")
    }

    @Test("absurd requests are errors: context, token ids, empty prompts")
    func badRequests() throws {
        let model = try TinyModel.model(TinyModel.builder().bytes())
        #expect(throws: EngineError.self) { _ = try InferenceSession(model: model, context: 1 << 30) }
        let session = try InferenceSession(model: model, context: 8)
        #expect(throws: EngineError.self) { _ = try session.generate(promptTokens: [], maxTokens: 1) }
        #expect(throws: EngineError.self) { _ = try session.generate(promptTokens: [1_000_000], maxTokens: 1) }
        #expect(throws: EngineError.self) { _ = try session.generate(promptTokens: Array(repeating: 104, count: 9), maxTokens: 1) }
        // Filling the context stops generation with a reason instead of failing.
        let full = try session.generate(promptTokens: [104, 101], maxTokens: 100)
        #expect(full.stopReason == .contextFull || full.stopReason == .endOfGeneration)
    }
}

@Suite("Tokenizers", .enabled(if: EngineHost.supported, Comment(rawValue: EngineHost.notice)))
struct TokenizerTests {
    @Test("byte-level BPE merges by rank and round-trips any text")
    func bytePairs() throws {
        let tokenizer = try Tokenizer(GGUFFile.parse(ByteSource(TinyModel.builder().bytes())))
        let hello = tokenizer.encode("hello")
        #expect(hello.count == 1 && tokenizer.tokens[hello[0]] == "hello")
        for text in ["hello world", "Ünïcödé ✓ 🙂 日本語", "  spaces\n\ttabs\r\n", "it's 12345 o'clock!!", "<|endoftext|> marker"] {
            #expect(tokenizer.decode(tokenizer.encode(text), special: true) == text, "\(text.debugDescription)")
        }
        // Special tokens are matched in text only when asked.
        #expect(tokenizer.encode("<|endoftext|>", parseSpecial: true).count == 1)
        #expect(tokenizer.encode("<|endoftext|>", parseSpecial: false).count > 1)
    }

    @Test("pre-tokenizers split as their regular expressions do")
    func preTokenizers() {
        #expect(PreTokenizer.gpt2.split("Hello world's 123 ok!!  x") == ["Hello", " world", "'s", " 123", " ok", "!!", " ", " x"])
        #expect(PreTokenizer.gpt2Digits.split("abc 123") == ["abc", " ", "1", "2", "3"])
        #expect(PreTokenizer.llama3.split("I'M 12345 ok\n\nnext") == ["I", "'M", " ", "123", "45", " ok", "\n\n", "next"])
        #expect(PreTokenizer.qwen2.split("v12") == ["v", "1", "2"])
        #expect(PreTokenizer.named("smollm") == .gpt2Digits)
        #expect(PreTokenizer.named("something-new") == nil)
    }

    @Test("SentencePiece: spaces become ▁, merges by score, unknown bytes fall back to <0xXX>")
    func sentencePiece() throws {
        var tokens = ["<unk>", "<s>", "</s>"] + (0..<256).map { "<0x" + String($0, radix: 16, uppercase: true).leftPadded(to: 2) + ">" }
        tokens += ["\u{2581}", "h", "e", "l", "o", "w", "r", "d", "\u{2581}h", "ll", "\u{2581}he", "\u{2581}hell", "\u{2581}hello", "\u{2581}w", "or", "\u{2581}wor",
                   "\u{2581}worl", "\u{2581}world"]
        let types: [GGUFValue] = tokens.indices.map { i in .int(i == 0 ? 2 : i < 3 ? 3 : i < 259 ? 6 : 1, .int32) }
        let scores: [GGUFValue] = tokens.indices.map { .float(Double($0), .float32) }
        let bytes = GGUFBuilder().meta("tokenizer.ggml.model", .string("llama"))
            .meta("tokenizer.ggml.tokens", .array(.string, tokens.map { .string($0) }))
            .meta("tokenizer.ggml.token_type", .array(.int32, types)).meta("tokenizer.ggml.scores", .array(.float32, scores))
            .meta("tokenizer.ggml.bos_token_id", .uint(1, .uint32)).meta("tokenizer.ggml.eos_token_id", .uint(2, .uint32)).bytes()
        let tokenizer = try Tokenizer(GGUFFile.parse(ByteSource(bytes)))
        let ids = tokenizer.encode("hello world")
        #expect(ids.first == 1)
        #expect(ids.dropFirst().map { tokenizer.tokens[$0] } == ["\u{2581}hello", "\u{2581}world"])
        #expect(tokenizer.decode(Array(ids.dropFirst())) == "hello world")
        let emoji = tokenizer.encode("hi 🙂", addSpecial: false)
        #expect(emoji.contains { tokenizer.tokens[$0] == "<0xF0>" })
        #expect(tokenizer.decode(emoji) == "hi 🙂")
    }
}

@Suite("Engine regressions", .enabled(if: EngineHost.supported, Comment(rawValue: EngineHost.notice)))
struct EngineRegressionTests {
    /// Inputs the fuzzers found (Fuzz/run.sh): each must load and run, or be refused, without trapping.
    @Test("fuzzer-found models run or are refused", arguments: ["nan-activation.gguf"])
    func regression(name: String) throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Regressions/" + name)
        let bytes = [UInt8](try Data(contentsOf: url))
        guard let model = try? LlamaModel(source: ByteSource(bytes)) else { return }
        let session = try InferenceSession(model: model, context: 16, threads: 1)
        let tokens = session.tokenizer.encode("hello, world 123")
        let generation = try session.generate(promptTokens: Array(tokens.prefix(8)), maxTokens: 2)
        #expect(generation.tokens.count <= 2)
    }
}
