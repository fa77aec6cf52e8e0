import Foundation

extension LlamaModel {
    /// Runs `tokens` at positions `cache.count ..< cache.count + tokens.count`, appends their keys
    /// and values to `cache`, and returns the logits of the last token, or with `allPositions` those
    /// of every token (`tokens.count` rows of `vocabularySize`, one after another).
    /// - Throws: `EngineError` when the cache is full or a token id is outside the vocabulary.
    public func forward(_ tokens: [Int], cache: KVCache, pool: WorkerPool, allPositions: Bool = false) throws -> [Float] {
        try sequence(tokens, cache: cache, pool: pool, allPositions: allPositions, hiddenOnly: false)
    }

    /// Like `forward`, but returns the final hidden states (after the output norm, before the output
    /// layer): `tokens.count` rows of `embeddingSize`, or only the last row unless `allPositions`.
    public func hiddenStates(_ tokens: [Int], cache: KVCache, pool: WorkerPool, allPositions: Bool = false) throws -> [Float] {
        try sequence(tokens, cache: cache, pool: pool, allPositions: allPositions, hiddenOnly: true)
    }

    /// The residual stream after each of `layers` (indices from 0, ascending, no repeats) at every
    /// position of `tokens`, one sequence after the ones `cache` holds: one array per requested layer,
    /// of `tokens.count` rows of `embeddingSize`. The run stops after the last requested layer, so
    /// `cache` keeps its former count (the keys and values written past it are of the lower layers only).
    /// - Throws: `EngineError` for a layer outside the model or out of order, and as `forward` does.
    public func layerStates(_ tokens: [Int], after layers: [Int], cache: KVCache, pool: WorkerPool) throws -> [[Float]] {
        guard let last = layers.last, layers.first! >= 0, last < self.layers.count, zip(layers, layers.dropFirst()).allSatisfy(<) else {
            throw EngineError(.badRequest, "layers \(layers) are not ascending indices below \(self.layers.count)")
        }
        try Self.checkRoom(for: tokens, in: cache)
        var states: [[Float]] = []
        _ = try run(tokens, slots: tokens.indices.map { Slot(cache: cache, position: cache.count + $0) }, prompt: true,
                    pool: pool, allPositions: true, tap: (through: last, each: { index, x in
                        if layers.contains(index) { states.append(x) }
                    }))
        return states
    }

    private static func checkRoom(for tokens: [Int], in cache: KVCache) throws {
        guard cache.count + tokens.count <= cache.capacity else {
            throw EngineError(.badRequest, "the context is full: \(cache.count) + \(tokens.count) tokens exceed \(cache.capacity)")
        }
    }

    /// `tokens` of one sequence after the ones `cache` holds, which then holds them too.
    private func sequence(_ tokens: [Int], cache: KVCache, pool: WorkerPool, allPositions: Bool, hiddenOnly: Bool) throws -> [Float] {
        try Self.checkRoom(for: tokens, in: cache)
        let start = cache.count
        let rows = try run(tokens, slots: tokens.indices.map { Slot(cache: cache, position: start + $0) }, prompt: true,
                           pool: pool, allPositions: allPositions, hiddenOnly: hiddenOnly)
        cache.count = start + tokens.count
        return rows
    }

    /// One next token for each of several sequences, each with its own cache: every weight matrix
    /// is read once for all of them (batched decoding). `tokens[i]` goes to `caches[i]` at position
    /// `caches[i].count`; returns `tokens.count` rows of logits. Each sequence's numbers do not depend
    /// on the others in the batch; they are those of decoding it alone, except that Q4_1 matrices
    /// use packed rows (`PackedRows`), which round differently in the last bits.
    /// - Throws: `EngineError` when a cache is full or appears twice, or a token id is outside the vocabulary.
    public func forward(batch tokens: [Int], caches: [KVCache], pool: WorkerPool) throws -> [Float] {
        guard tokens.count == caches.count else { throw EngineError(.badRequest, "\(tokens.count) tokens for \(caches.count) caches") }
        guard Set(caches.map(ObjectIdentifier.init)).count == caches.count else {
            throw EngineError(.badRequest, "a cache appears twice in one batch")
        }
        if let full = caches.first(where: { $0.count >= $0.capacity }) {
            throw EngineError(.badRequest, "the context is full: \(full.count) tokens")
        }
        let logits = try run(tokens, slots: caches.map { Slot(cache: $0, position: $0.count) }, prompt: false,
                             pool: pool, allPositions: true)
        for cache in caches { cache.count += 1 }
        return logits
    }

    /// Where one token's keys and values go.
    struct Slot {
        let cache: KVCache
        let position: Int
    }

    /// The transformer over `tokens`, token t stored in `slots[t]`. `prompt` marks consecutive
    /// positions of one sequence (attention then sums as llama.cpp's batched kernels do). With `tap`,
    /// `each` sees the residual stream after every layer up to `through`, and the run stops there
    /// (returning nothing).
    func run(_ tokens: [Int], slots: [Slot], prompt: Bool, pool: WorkerPool, allPositions: Bool,
             hiddenOnly: Bool = false, tap: (through: Int, each: (Int, [Float]) -> Void)? = nil) throws -> [Float] {
        guard !tokens.isEmpty else { throw EngineError(.badRequest, "nothing to process") }
        if let bad = tokens.first(where: { $0 < 0 || $0 >= config.vocabularySize }) {
            throw EngineError(.badRequest, "token id \(bad) is outside the vocabulary of \(config.vocabularySize)")
        }
        let n = tokens.count, dim = config.embeddingSize
        var x = [Float](repeating: 0, count: n * dim)
        x.withUnsafeMutableBufferPointer { buffer in
            for (t, token) in tokens.enumerated() { tokenEmbedding.row(token, into: buffer.baseAddress! + t * dim) }
        }
        if config.embeddingScale != 1 { for i in 0..<(n * dim) { x[i] *= config.embeddingScale } }
        var scratch = Scratch(config: config, tokens: n, packed: !prompt)
        for (index, layer) in layers.enumerated() {
            attention(layer, index: index, x: &x, slots: slots, batched: prompt && n > 1, scratch: &scratch, pool: pool)
            feedForward(layer, x: &x, tokens: n, scratch: &scratch, pool: pool)
            if let tap {
                tap.each(index, x)
                if index == tap.through { return [] }
            }
        }
        // Generation needs only the last position's logits; scoring needs every position's.
        let first = allPositions ? 0 : n - 1, rows = n - first
        var hidden = Array(x[(first * dim)..<(n * dim)])
        Self.rmsNormRows(&hidden, width: dim, rows: rows, weight: outputNorm, epsilon: config.rmsEpsilon)
        if hiddenOnly { return hidden }
        var logits = [Float](repeating: 0, count: output.rows * rows)
        apply(output, hidden, tokens: rows, into: &logits, vectors: scratch.vectors, packed: scratch.packed, pool: pool)
        return logits
    }

    /// Working buffers for one forward call.
    struct Scratch {
        var normed: [Float]
        var query: [Float]
        var key: [Float]
        var value: [Float]
        var attended: [Float]
        var projected: [Float]
        var gate: [Float]
        var up: [Float]
        /// One quantised activation per token of the batch.
        var vectors: [QuantizedVector]
        /// Multiply with the packed rows where a matrix has them (batched decoding).
        let packed: Bool

        init(config: ModelConfig, tokens: Int, packed: Bool) {
            self.packed = packed
            let dim = config.embeddingSize, kv = config.kvHeadCount * config.headSize, qw = config.queryWidth
            normed = [Float](repeating: 0, count: tokens * dim)
            query = [Float](repeating: 0, count: tokens * qw)
            key = [Float](repeating: 0, count: tokens * kv)
            value = [Float](repeating: 0, count: tokens * kv)
            attended = [Float](repeating: 0, count: tokens * qw)
            projected = [Float](repeating: 0, count: tokens * dim)
            gate = [Float](repeating: 0, count: tokens * config.feedForwardSize)
            up = [Float](repeating: 0, count: tokens * config.feedForwardSize)
            vectors = (0..<tokens).map { _ in QuantizedVector() }
        }
    }

    /// `out[t] = matrix · input[t]` for each of `tokens` rows of `input`, every weight row read once.
    /// `quantized`: `vectors` already hold `input` quantised in this matrix's layout (the previous
    /// call had the same input and layout), so the quantisation, which gives the same bytes every
    /// time, is not repeated.
    func apply(_ matrix: WeightMatrix, _ input: [Float], tokens: Int, into out: inout [Float], vectors: [QuantizedVector], packed: Bool,
               pool: WorkerPool, quantized: Bool = false) {
        if !quantized { Self.quantize(input, width: matrix.columns, tokens: tokens, as: matrix.activationLayout, into: vectors, pool: pool) }
        out.withUnsafeMutableBufferPointer { o in matrix.multiply(vectors[0..<tokens], into: o.baseAddress!, pool: pool, packed: packed) }
    }

    /// Row t of `input` (`width` values) quantised into `vectors[t]`; the rows of a batch are
    /// spread over the pool's threads (each vector written by one thread).
    static func quantize(_ input: [Float], width: Int, tokens: Int, as layout: QuantizedVector.Layout, into vectors: [QuantizedVector],
                         pool: WorkerPool) {
        input.withUnsafeBufferPointer { inp in
            let source = SendableRaw(UnsafeRawPointer(inp.baseAddress!)), workers = pool.count
            let body: @Sendable (Int) -> Void = { worker in
                var t = worker
                while t < tokens {
                    let row = source.pointer.assumingMemoryBound(to: Float.self) + t * width
                    vectors[t].quantize(UnsafeBufferPointer(start: row, count: width), as: layout)
                    t += workers
                }
            }
            if tokens > 1 { pool.run(body) } else { body(0) }
        }
    }

    func attention(_ layer: Layer, index: Int, x: inout [Float], slots: [Slot], batched: Bool,
                   scratch s: inout Scratch, pool: WorkerPool) {
        let n = slots.count
        let dim = config.embeddingSize, hd = config.headSize, kvWidth = config.kvHeadCount * hd, qWidth = config.queryWidth
        for t in 0..<n {
            for i in 0..<dim { s.normed[t * dim + i] = x[t * dim + i] }
        }
        Self.rmsNormRows(&s.normed, width: dim, rows: n, weight: layer.attentionNorm, epsilon: config.rmsEpsilon)
        apply(layer.query, s.normed, tokens: n, into: &s.query, vectors: s.vectors, packed: s.packed, pool: pool)
        apply(layer.key, s.normed, tokens: n, into: &s.key, vectors: s.vectors, packed: s.packed, pool: pool,
              quantized: layer.key.activationLayout == layer.query.activationLayout)
        apply(layer.value, s.normed, tokens: n, into: &s.value, vectors: s.vectors, packed: s.packed, pool: pool,
              quantized: layer.value.activationLayout == layer.key.activationLayout)
        if let b = layer.queryBias { Self.addRows(&s.query, b, rows: n) }
        if let b = layer.keyBias { Self.addRows(&s.key, b, rows: n) }
        if let b = layer.valueBias { Self.addRows(&s.value, b, rows: n) }
        if let w = layer.queryNorm { Self.rmsNormRows(&s.query, width: hd, rows: n * config.headCount, weight: w, epsilon: config.rmsEpsilon) }
        if let w = layer.keyNorm { Self.rmsNormRows(&s.key, width: hd, rows: n * config.kvHeadCount, weight: w, epsilon: config.rmsEpsilon) }
        let slides = config.slides(index), window = config.slidingWindow ?? Int.max
        let ropeBase = slides ? config.ropeBaseLocal : config.ropeBase
        for t in 0..<n {
            let position = slots[t].position, cache = slots[t].cache
            // One table of angles per token, for its query and its key.
            let angles = ropeAngles(position: position, base: ropeBase, factors: ropeFactors(context: cache.capacity))
            rope(&s.query, offset: t * qWidth, heads: config.headCount, angles: angles)
            rope(&s.key, offset: t * kvWidth, heads: config.kvHeadCount, angles: angles)
            let base = cache.offset(layer: index, position: position)
            for i in 0..<kvWidth {
                cache.keys[base + i] = Float(Float16(s.key[t * kvWidth + i]))
                cache.values[base + i] = Float(Float16(s.value[t * kvWidth + i]))
            }
        }
        let group = config.headCount / config.kvHeadCount
        let scale = 1 / Float(hd).squareRoot()
        // (token, head) pairs are independent: they are spread over the pool, each worker with its own
        // scratch (scores, the f16 query, accumulator slots).
        let workers = pool.count
        let scoresStride = (slots.map(\.position).max() ?? 0) + 17, slotsStride = 64 * hd
        let scratchMemory = UnsafeMutablePointer<Float>.allocate(capacity: workers * (scoresStride + hd + slotsStride))
        defer { scratchMemory.deallocate() }
        let kvStride = kvWidth
        let heads = config.headCount
        s.attended.withUnsafeMutableBufferPointer { attended in
            s.query.withUnsafeBufferPointer { query in
                // Each token's cache, from this layer's first position; the caches outlive the pool run.
                let shared = SendableAttention(keys: slots.map { UnsafePointer($0.cache.keys + $0.cache.offset(layer: index, position: 0)) },
                                               values: slots.map { UnsafePointer($0.cache.values + $0.cache.offset(layer: index, position: 0)) },
                                               positions: slots.map(\.position), query: query.baseAddress!,
                                               out: attended.baseAddress!, scratch: scratchMemory)
                pool.run { worker in
                    let scores = shared.scratch + worker * (scoresStride + hd + slotsStride)
                    let q16 = scores + scoresStride, slots = q16 + hd
                    var pair = worker
                    while pair < n * heads {
                        let t = pair / heads, h = pair % heads
                        pair += workers
                        // A sliding layer sees its own position and the window-1 before it.
                        let position = shared.positions[t]
                        let first = slides ? max(0, position + 1 - window) : 0
                        let visible = position + 1 - first
                        let kvHead = h / group
                        // ggml multiplies f16 keys by the query converted to f16.
                        for i in 0..<hd { q16[i] = Float(Float16(shared.query[t * qWidth + h * hd + i])) }
                        var maximum = -Float.infinity
                        let keyBase = shared.keys[t] + kvHead * hd + first * kvStride
                        for p in 0..<visible {
                            scores[p] = AttentionMath.dot(keyBase + p * kvStride, q16, count: hd, batched: batched) * scale
                            maximum = max(maximum, scores[p])
                        }
                        let sum = AttentionMath.softmax(scores, count: visible, maximum: maximum)
                        let inverse = Float(1 / sum)
                        // The weights meet the f16 values as f16, as in ggml's V x softmax product.
                        for p in 0..<visible { scores[p] = Float(Float16(scores[p] * inverse)) }
                        let valueBase = shared.values[t] + kvHead * hd + first * kvStride
                        AttentionMath.weightedSum(scores, positions: visible, row: { valueBase + $0 * kvStride }, width: hd,
                                                  batched: batched, slots: slots, into: shared.out + t * qWidth + h * hd)
                    }
                }
            }
        }
        apply(layer.output, s.attended, tokens: n, into: &s.projected, vectors: s.vectors, packed: s.packed, pool: pool)
        if let w = layer.postAttentionNorm { Self.rmsNormRows(&s.projected, width: dim, rows: n, weight: w, epsilon: config.rmsEpsilon) }
        for i in 0..<(n * dim) { x[i] += s.projected[i] }
    }

    func feedForward(_ layer: Layer, x: inout [Float], tokens n: Int, scratch s: inout Scratch, pool: WorkerPool) {
        let dim = config.embeddingSize, ff = config.feedForwardSize
        for i in 0..<(n * dim) { s.normed[i] = x[i] }
        Self.rmsNormRows(&s.normed, width: dim, rows: n, weight: layer.feedForwardNorm, epsilon: config.rmsEpsilon)
        apply(layer.gate, s.normed, tokens: n, into: &s.gate, vectors: s.vectors, packed: s.packed, pool: pool)
        apply(layer.up, s.normed, tokens: n, into: &s.up, vectors: s.vectors, packed: s.packed, pool: pool,
              quantized: layer.up.activationLayout == layer.gate.activationLayout)
        // The gated activation is the largest element-wise step of a token (an exp per element): spread it too.
        s.gate.withUnsafeMutableBufferPointer { gate in
            s.up.withUnsafeBufferPointer { up in
                let g = SendablePointer(gate.baseAddress!), u = SendableRaw(UnsafeRawPointer(up.baseAddress!))
                let gelu = config.activation == .gelu
                pool.forEachChunk(n * ff) { range in
                    let upValues = u.pointer.assumingMemoryBound(to: Float.self)
                    if gelu {
                        for i in range { g.pointer[i] = GGMLMath.gelu(g.pointer[i]) * upValues[i] }
                    } else {
                        for i in range { g.pointer[i] = GGMLMath.silu(g.pointer[i]) * upValues[i] }
                    }
                }
            }
        }
        apply(layer.down, s.gate, tokens: n, into: &s.projected, vectors: s.vectors, packed: s.packed, pool: pool)
        if let w = layer.postFeedForwardNorm { Self.rmsNormRows(&s.projected, width: dim, rows: n, weight: w, epsilon: config.rmsEpsilon) }
        for i in 0..<(n * dim) { x[i] += s.projected[i] }
    }

    /// The per-pair frequency divisors for a session of `context` positions: Llama 3's
    /// `rope_freqs`, or LongRoPE's long factors when the context exceeds the original training
    /// context and its short ones otherwise (llama.cpp's choice); nil when the model has none.
    func ropeFactors(context: Int) -> [Float]? {
        if let ropeFactors { return ropeFactors }
        guard let longRopeFactors else { return nil }
        return context > config.ropeOriginalContext ? longRopeFactors.long : longRopeFactors.short
    }

    /// The cosines and sines a position rotates by, as ggml's rope computes them (angles advanced by
    /// repeated multiplication in float, each pair's angle divided by its factor, the cosines and
    /// sines scaled by the attention factor).
    func ropeAngles(position: Int, base: Float, factors: [Float]?) -> (cosines: [Float], sines: [Float]) {
        let dims = config.ropeDimensions
        let thetaScale = powf(base, -2 / Float(dims))
        var cosines = [Float](repeating: 0, count: dims / 2), sines = [Float](repeating: 0, count: dims / 2)
        var theta = Float(position)
        for i in 0..<(dims / 2) {
            var angle = theta * config.ropeScale
            if let factors { angle /= factors[i] }
            cosines[i] = cosf(angle) * config.ropeAttentionFactor
            sines[i] = sinf(angle) * config.ropeAttentionFactor
            theta *= thetaScale
        }
        return (cosines, sines)
    }

    /// Rotates each head of the row at `offset` by `angles` (`ropeAngles`).
    func rope(_ v: inout [Float], offset: Int, heads: Int, angles: (cosines: [Float], sines: [Float])) {
        let hd = config.headSize, dims = config.ropeDimensions
        let (cosines, sines) = angles
        for h in 0..<heads {
            let base = offset + h * hd
            for i in 0..<(dims / 2) {
                let (a, b) = config.ropeNeox ? (base + i, base + i + dims / 2) : (base + 2 * i, base + 2 * i + 1)
                // ggml's rotation as GCC compiles it (x0·cos − x1·sin and x0·sin + x1·cos with one
                // product rounded and the other fused), found by comparing intermediate tensors.
                let x0 = v[a], x1 = v[b]
                v[a] = (-(x1 * sines[i])).addingProduct(x0, cosines[i])
                v[b] = (x1 * cosines[i]).addingProduct(x0, sines[i])
            }
        }
    }

    static func rmsNorm(_ v: inout [Float], weight: [Float], epsilon: Float) {
        rmsNormRows(&v, width: v.count, rows: 1, weight: weight, epsilon: epsilon)
    }

    /// ggml's rms_norm (sum of squares in double, scale in float) followed by the weight.
    static func rmsNormRows(_ v: inout [Float], width: Int, rows: Int, weight: [Float], epsilon: Float) {
        for r in 0..<rows {
            var sum: Double = 0
            for i in 0..<width { let x = v[r * width + i]; sum += Double(x * x) }
            let mean = Float(sum / Double(width))
            let scale = 1 / (mean + epsilon).squareRoot()
            for i in 0..<width { v[r * width + i] = v[r * width + i] * scale * weight[i] }
        }
    }

    static func addRows(_ v: inout [Float], _ bias: [Float], rows: Int) {
        for r in 0..<rows { for i in 0..<bias.count { v[r * bias.count + i] += bias[i] } }
    }
}

/// Pointers the attention workers share: read-only keys, values and queries, disjoint outputs and
/// per-worker scratch, all alive until the pool returns.
struct SendableAttention: @unchecked Sendable {
    /// Per token: its cache's keys and values for this layer, and its position.
    let keys: [UnsafePointer<Float>]
    let values: [UnsafePointer<Float>]
    let positions: [Int]
    let query: UnsafePointer<Float>
    let out: UnsafeMutablePointer<Float>
    let scratch: UnsafeMutablePointer<Float>
}
