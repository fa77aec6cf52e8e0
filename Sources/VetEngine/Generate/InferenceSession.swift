import Foundation

/// One generated token, as streamed.
public struct GeneratedToken: Sendable {
    public var id: Int
    /// The text it completes (empty while a multi-byte character is still partial).
    public var text: String
    /// Natural-log probability of the token under the model (temperature 1, before filters).
    public var logProbability: Float
    /// The most likely tokens at this step with their log-probabilities, most likely first (as
    /// many as `generate`'s `topLogProbabilities` asked for).
    public var alternatives: [TokenLogProbability] = []
}

/// A token id and its natural-log probability.
public struct TokenLogProbability: Sendable, Equatable {
    public var id: Int
    public var logProbability: Float
    public init(id: Int, logProbability: Float) {
        self.id = id
        self.logProbability = logProbability
    }
}

/// A text scored under the model: every token's log-probability given the tokens before it.
public struct Score: Sendable {
    /// The tokens; the first has no prediction (nothing precedes it).
    public var tokens: [Int]
    /// `logProbabilities[i]` is that of `tokens[i + 1]` after `tokens[0...i]`.
    public var logProbabilities: [Float]
    /// Sum of the log-probabilities (the text's log-likelihood after its first token).
    public var total: Double { logProbabilities.reduce(0) { $0 + Double($1) } }
    /// exp(-mean log-probability).
    public var perplexity: Double { logProbabilities.isEmpty ? 1 : Foundation.exp(-total / Double(logProbabilities.count)) }
}

/// Why generation stopped.
public enum StopReason: String, Sendable {
    case endOfGeneration = "eog", maxTokens = "length", stopString = "stop", contextFull = "context"
}

/// The result of one generation.
public struct Generation: Sendable {
    public var text: String
    public var tokens: [Int]
    public var logProbabilities: [Float]
    /// Per generated token, the top alternatives (empty unless asked for).
    public var alternatives: [[TokenLogProbability]] = []
    public var promptTokens: [Int]
    /// Prompt tokens taken from the cache of the previous call (a shared prefix).
    public var reusedPromptTokens: Int
    public var promptSeconds: Double
    public var generationSeconds: Double
    public var stopReason: StopReason

    /// Prompt tokens processed per second (reused ones excluded).
    public var promptTokensPerSecond: Double {
        promptSeconds > 0 ? Double(promptTokens.count - reusedPromptTokens) / promptSeconds : 0
    }
    /// Generated tokens per second.
    public var generationTokensPerSecond: Double { generationSeconds > 0 ? Double(tokens.count) / generationSeconds : 0 }
}

/// A loaded model with its tokenizer and a key/value cache: load once, run many prompts. A
/// prompt that starts with the tokens of the previous call reuses their cached keys and values.
public final class InferenceSession {
    public let model: LlamaModel
    public let tokenizer: Tokenizer
    public let threads: Int
    public let cache: KVCache
    let pool: WorkerPool
    var cachedTokens: [Int] = []

    /// Loads the tokenizer and allocates a cache of `context` positions (default: the model's
    /// trained context, at most 4096).
    public init(model: LlamaModel, context: Int? = nil, threads: Int? = nil) throws {
        self.model = model
        tokenizer = try Tokenizer(model.file)
        guard tokenizer.tokens.count == model.config.vocabularySize else {
            throw EngineError(.invalidModel, "the tokenizer has \(tokenizer.tokens.count) tokens but the output layer \(model.config.vocabularySize)")
        }
        let positions = context ?? min(model.config.trainedContext, 4096)
        guard positions > 0, positions <= 1 << 20 else { throw EngineError(.badRequest, "context \(positions) is not between 1 and 1,048,576") }
        cache = try KVCache(config: model.config, capacity: positions)
        self.threads = max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
        pool = WorkerPool(threads: self.threads)
    }

    /// The chat template the model ships (`tokenizer.chat_template`), parsed.
    public func chatTemplate() throws -> ChatTemplate? {
        guard let text = model.file.value("tokenizer.chat_template")?.string else { return nil }
        return try ChatTemplate(text)
    }

    /// Logits after `tokens`, reusing the cached prefix.
    public func logits(after tokens: [Int]) throws -> [Float] {
        try prefill(tokens).logits
    }

    /// Final hidden states of every position of `tokens` (rows of the embedding width), run from
    /// an empty cache. The cache then holds `tokens`, so `logits(after:)` the same tokens runs only
    /// the last position again.
    public func hiddenStates(of tokens: [Int]) throws -> [Float] {
        try startAfresh(tokens)
        let hidden = try model.hiddenStates(tokens, cache: cache, pool: pool, allPositions: true)
        cachedTokens = tokens
        return hidden
    }

    /// The residual stream after each of `layers` at every position of `tokens`, run from an empty
    /// cache (`LlamaModel.layerStates`); the cache is then empty.
    public func layerStates(of tokens: [Int], after layers: [Int]) throws -> [[Float]] {
        try startAfresh(tokens)
        return try model.layerStates(tokens, after: layers, cache: cache, pool: pool)
    }

    /// Refuses an empty prompt and empties the cache, for a run that must not reuse a prefix.
    private func startAfresh(_ tokens: [Int]) throws {
        guard !tokens.isEmpty else { throw EngineError(.badRequest, "the prompt has no tokens") }
        cache.truncate(to: 0)
        cachedTokens = []
    }

    func prefill(_ tokens: [Int]) throws -> (logits: [Float], reused: Int) {
        guard !tokens.isEmpty else { throw EngineError(.badRequest, "the prompt has no tokens") }
        var common = 0
        while common < min(tokens.count, cachedTokens.count), tokens[common] == cachedTokens[common] { common += 1 }
        // The last prompt token is always run again: its logits are needed.
        common = min(common, tokens.count - 1)
        cache.truncate(to: common)
        cachedTokens = Array(tokens[..<common])
        let logits = try model.forward(Array(tokens[common...]), cache: cache, pool: pool)
        cachedTokens = tokens
        return (logits, common)
    }

    /// Teacher-forced log-likelihood of `tokens`: the tokens run in chunks of `chunk` positions
    /// (the logits of a chunk are kept only while its log-probabilities are read, so a long text
    /// under a 262k vocabulary needs tens of megabytes, not gigabytes), each next token's
    /// log-probability read from the position before it.
    /// - Throws: `EngineError` for fewer than two tokens, ids outside the vocabulary or a text
    ///   longer than the context.
    public func score(_ tokens: [Int], chunk: Int = 64) throws -> Score {
        guard tokens.count >= 2 else { throw EngineError(.badRequest, "scoring needs at least two tokens (the first is only context)") }
        cache.truncate(to: 0)
        cachedTokens = []
        let inputs = Array(tokens.dropLast()), vocabulary = model.config.vocabularySize
        var result: [Float] = []
        result.reserveCapacity(inputs.count)
        var start = 0
        while start < inputs.count {
            let end = min(inputs.count, start + max(1, chunk))
            let logits = try model.forward(Array(inputs[start..<end]), cache: cache, pool: pool, allPositions: true)
            for i in start..<end {
                let row = Array(logits[((i - start) * vocabulary)..<((i - start + 1) * vocabulary)])
                result.append(Sampler.logProbability(of: tokens[i + 1], in: row))
            }
            cachedTokens += inputs[start..<end]
            start = end
        }
        return Score(tokens: tokens, logProbabilities: result)
    }

    /// Generates up to `maxTokens` tokens after each of several prompts, decoding all sequences
    /// together: every step reads each weight matrix once for all of them, which is where a small
    /// model spends its time. Each sequence has its own key/value cache (this session's cache is not
    /// used or changed) and its own sampler, seeded `sampling.seed + index`; a sequence's results do
    /// not depend on the other prompts, and are those of `generate` on its prompt alone, bit for bit
    /// except for Q4_1 weights, whose packed rows round differently in the last bits (a greedy
    /// choice can then differ only at a near-tie). A sequence ends at end-of-generation (unless
    /// `ignoreEndOfGeneration`), at `maxTokens` or when its context is full.
    /// - Throws: `EngineError` for an empty prompt, a token outside the vocabulary or a prompt longer
    ///   than the context.
    /// `Sampler.logSumExp` of each row, the rows spread over the pool's threads (a pass of an
    /// exponential over the vocabulary per sequence: with a batch, the largest serial step left).
    func logSumExps(_ rows: [[Float]]) -> [Float] {
        let out = UnsafeMutablePointer<Float>.allocate(capacity: max(1, rows.count))
        defer { out.deallocate() }
        let results = SendablePointer(out), workers = pool.count
        pool.run { worker in
            var k = worker
            while k < rows.count {
                results.pointer[k] = Sampler.logSumExp(rows[k])
                k += workers
            }
        }
        return Array(UnsafeBufferPointer(start: out, count: rows.count))
    }

    public func generate(batch prompts: [[Int]], maxTokens: Int, sampling: SamplingOptions = .greedy,
                         ignoreEndOfGeneration: Bool = false) throws -> [Generation] {
        guard !prompts.isEmpty else { return [] }
        let caches = try prompts.map { _ in try KVCache(config: model.config, capacity: cache.capacity) }
        var logits: [[Float]] = [], promptSeconds: [Double] = []
        for (i, prompt) in prompts.enumerated() {
            guard !prompt.isEmpty else { throw EngineError(.badRequest, "prompt \(i) has no tokens") }
            let started = DispatchTime.now()
            logits.append(try model.forward(prompt, cache: caches[i], pool: pool))
            promptSeconds.append(Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9)
        }
        let decodeStarted = DispatchTime.now()
        var samplers = prompts.indices.map { i -> Sampler in
            var options = sampling
            options.seed = sampling.seed &+ UInt64(i)
            return Sampler(options)
        }
        var generated = [[Int]](repeating: [], count: prompts.count), logProbabilities = [[Float]](repeating: [], count: prompts.count)
        var reasons = [StopReason](repeating: .maxTokens, count: prompts.count)
        var active = maxTokens > 0 ? Array(prompts.indices) : []
        while !active.isEmpty {
            var next: [Int] = [], still: [Int] = []
            let logSums = logSumExps(active.map { logits[$0] })
            for (k, i) in active.enumerated() {
                let token = samplers[i].next(logits[i], recent: prompts[i] + generated[i])
                if !ignoreEndOfGeneration && tokenizer.endOfGeneration.contains(token) { reasons[i] = .endOfGeneration; continue }
                generated[i].append(token)
                logProbabilities[i].append(logits[i][token] - logSums[k])
                if generated[i].count >= maxTokens { continue }
                if caches[i].count >= caches[i].capacity { reasons[i] = .contextFull; continue }
                next.append(token)
                still.append(i)
            }
            active = still
            guard !active.isEmpty else { break }
            let rows = try model.forward(batch: next, caches: active.map { caches[$0] }, pool: pool)
            let vocabulary = model.config.vocabularySize
            for (k, i) in active.enumerated() { logits[i] = Array(rows[(k * vocabulary)..<((k + 1) * vocabulary)]) }
        }
        let decodeSeconds = Double(DispatchTime.now().uptimeNanoseconds - decodeStarted.uptimeNanoseconds) / 1e9
        return prompts.indices.map { i in
            Generation(text: tokenizer.decode(generated[i]), tokens: generated[i], logProbabilities: logProbabilities[i],
                       promptTokens: prompts[i], reusedPromptTokens: 0, promptSeconds: promptSeconds[i],
                       generationSeconds: decodeSeconds, stopReason: reasons[i])
        }
    }

    /// Generates up to `maxTokens` tokens after `promptTokens`.
    /// - Parameters:
    ///   - stop: strings that end generation (not included in the text).
    ///   - onToken: called for each token as it is generated; return false to stop.
    ///   - ignoreEndOfGeneration: keep going past end-of-generation tokens (benchmarks).
    public func generate(promptTokens: [Int], maxTokens: Int, sampling: SamplingOptions = .greedy, stop: [String] = [],
                         ignoreEndOfGeneration: Bool = false, topLogProbabilities: Int = 0,
                         onToken: ((GeneratedToken) -> Bool)? = nil) throws -> Generation {
        let started = DispatchTime.now()
        var (logits, reused) = try prefill(promptTokens)
        let prefilled = DispatchTime.now()
        var sampler = Sampler(sampling)
        var generated: [Int] = [], logProbabilities: [Float] = [], alternatives: [[TokenLogProbability]] = []
        var bytes: [UInt8] = [], emitted = 0
        var reason = StopReason.maxTokens
        var text = ""
        generation: while generated.count < maxTokens {
            let token = sampler.next(logits, recent: promptTokens + generated)
            let logProbability = Sampler.logProbability(of: token, in: logits)
            if !ignoreEndOfGeneration && tokenizer.endOfGeneration.contains(token) { reason = .endOfGeneration; break }
            generated.append(token)
            logProbabilities.append(logProbability)
            let top = topLogProbabilities > 0 ? Sampler.top(topLogProbabilities, logits) : []
            if topLogProbabilities > 0 { alternatives.append(top) }
            bytes += tokenizer.bytes(of: token)
            // Emit only complete UTF-8; a character split across tokens waits for its last byte.
            var complete = bytes.count
            while complete > emitted, complete > bytes.count - 4, String(validating: bytes[emitted..<complete], as: UTF8.self) == nil { complete -= 1 }
            let piece = complete > emitted ? String(decoding: bytes[emitted..<complete], as: UTF8.self) : ""
            emitted = complete
            text += piece
            for s in stop where !s.isEmpty {
                if let range = text.range(of: s) {
                    text = String(text[..<range.lowerBound])
                    reason = .stopString
                    break generation
                }
            }
            if let onToken, !onToken(GeneratedToken(id: token, text: piece, logProbability: logProbability, alternatives: top)) { break }
            if generated.count == maxTokens { break }
            if cache.count >= cache.capacity { reason = .contextFull; break }
            logits = try model.forward([token], cache: cache, pool: pool)
            cachedTokens.append(token)
        }
        if reason != .stopString, emitted < bytes.count { text += String(decoding: bytes[emitted...], as: UTF8.self) }
        let finished = DispatchTime.now()
        return Generation(text: text, tokens: generated, logProbabilities: logProbabilities, alternatives: alternatives,
                          promptTokens: promptTokens,
                          reusedPromptTokens: reused,
                          promptSeconds: Double(prefilled.uptimeNanoseconds - started.uptimeNanoseconds) / 1e9,
                          generationSeconds: Double(finished.uptimeNanoseconds - prefilled.uptimeNanoseconds) / 1e9,
                          stopReason: reason)
    }
}
