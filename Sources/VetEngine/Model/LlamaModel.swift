import VetBytes
import VetGGUF

/// A llama-family transformer (llama, mistral, qwen2, gemma3 as GGUF publishes them) over a
/// memory-mapped GGUF file (also qwen3): grouped-query attention, RoPE (with Llama 3 frequency
/// factors), RMSNorm, SwiGLU or GeGLU, tied or
/// separate output embeddings; optionally query/key norms, norms after attention and feed-forward,
/// and sliding-window layers (Gemma 3).
public final class LlamaModel: @unchecked Sendable {
    /// One transformer block's weights.
    struct Layer {
        var attentionNorm: [Float]
        var query: WeightMatrix, key: WeightMatrix, value: WeightMatrix, output: WeightMatrix
        var queryBias: [Float]?, keyBias: [Float]?, valueBias: [Float]?
        /// Per-head RMSNorm weights of queries and keys, applied before RoPE (Gemma 3, Qwen 3).
        var queryNorm: [Float]?, keyNorm: [Float]?
        /// RMSNorm of the attention and feed-forward outputs before the residual add (Gemma 2/3).
        var postAttentionNorm: [Float]?, postFeedForwardNorm: [Float]?
        var feedForwardNorm: [Float]
        var gate: WeightMatrix, up: WeightMatrix, down: WeightMatrix
    }

    public let config: ModelConfig
    public let file: GGUFFile
    let source: ByteSource
    let tokenEmbedding: WeightMatrix
    let outputNorm: [Float]
    /// Per rotated pair, the divisor of its RoPE frequency (`rope_freqs.weight`, which the Llama 3.1+
    /// converters write for the "llama3" scaling); nil when the file has none.
    let ropeFactors: [Float]?
    /// LongRoPE's divisors (`rope_factors_long/short.weight`, Phi-3 128k): `ropeFactors(context:)`
    /// picks one set by the context a session runs with.
    let longRopeFactors: (long: [Float], short: [Float])?
    let output: WeightMatrix
    let layers: [Layer]

    /// Opens `source` (a memory-mapped GGUF), validates it and binds every tensor.
    /// - Throws: `EngineError` when the header is damaged (anything the scanner would call
    ///   malformed, overlapping or out of bounds), the architecture or a tensor type is not
    ///   supported, or a tensor is missing or misshapen.
    public init(source: ByteSource) throws {
        let file = GGUFFile.parse(source)
        guard file.headerComplete else {
            throw EngineError(.invalidModel, "the GGUF header is incomplete: " + (file.anomalies.first?.message ?? "truncated"))
        }
        // Unaccounted bytes are suspicious but do not change what the weights are; everything else does.
        let fatal = file.anomalies.filter { $0.kind != .unaccountedData }
        if let first = fatal.first {
            throw EngineError(.invalidModel, "the GGUF file is damaged or lies about its layout: \(first.message)"
                              + (fatal.count > 1 ? " (and \(fatal.count - 1) more problems)" : ""))
        }
        let config = try ModelConfig(file)
        var byName: [String: GGUFTensorInfo] = [:]
        for tensor in file.tensors { byName[tensor.name] = tensor }
        func matrix(_ name: String, columns: Int, rows: Int?) throws -> WeightMatrix {
            guard let info = byName[name] else { throw EngineError(.invalidModel, "tensor \(name) is missing") }
            return try WeightMatrix(info, file: file, source: source, expectColumns: columns, expectRows: rows)
        }
        func vector(_ name: String, count: Int, required: Bool = true) throws -> [Float]? {
            guard byName[name] != nil else {
                if required { throw EngineError(.invalidModel, "tensor \(name) is missing") }
                return nil
            }
            let m = try matrix(name, columns: count, rows: 1)
            var values = [Float](repeating: 0, count: count)
            values.withUnsafeMutableBufferPointer { m.row(0, into: $0.baseAddress!) }
            return values
        }
        let dim = config.embeddingSize, kvDim = config.kvHeadCount * config.headSize, qDim = config.queryWidth
        tokenEmbedding = try matrix("token_embd.weight", columns: dim, rows: config.vocabularySize)
        outputNorm = try vector("output_norm.weight", count: dim)!
        /// A set of RoPE frequency divisors, one per rotated pair, each positive.
        func factors(_ name: String) throws -> [Float]? {
            let values = try vector(name, count: config.ropeDimensions / 2, required: false)
            if let bad = values?.first(where: { !($0.isFinite && $0 > 0) }) {
                throw EngineError(.invalidModel, "\(name) holds \(bad); frequency factors must be positive")
            }
            return values
        }
        ropeFactors = try factors("rope_freqs.weight")
        output = byName["output.weight"] != nil ? try matrix("output.weight", columns: dim, rows: config.vocabularySize) : tokenEmbedding
        let gemma = config.architecture == "gemma3"
        if ["gemma3", "qwen3"].contains(config.architecture),
           (0..<config.layerCount).contains(where: { byName["blk.\($0).attn_q_norm.weight"] == nil || byName["blk.\($0).attn_k_norm.weight"] == nil }) {
            throw EngineError(.invalidModel, "\(config.architecture) layers need attn_q_norm and attn_k_norm")
        }
        var layers: [Layer] = []
        switch (try factors("rope_factors_long.weight"), try factors("rope_factors_short.weight")) {
        case let (long?, short?): longRopeFactors = (long, short)
        case (nil, nil): longRopeFactors = nil
        default: throw EngineError(.invalidModel, "LongRoPE needs both rope_factors_long.weight and rope_factors_short.weight")
        }
        let ff = config.feedForwardSize
        for i in 0..<config.layerCount {
            let p = "blk.\(i)."
            // Phi-3 stores query, key and value as one matrix, and the gate above the up projection
            // in one `ffn_up`; each part is a run of rows of it.
            let fused = byName[p + "attn_qkv.weight"] != nil
            let qkv = fused ? try matrix(p + "attn_qkv.weight", columns: dim, rows: qDim + 2 * kvDim) : nil
            let gateUp = byName[p + "ffn_gate.weight"] == nil ? try matrix(p + "ffn_up.weight", columns: dim, rows: 2 * ff) : nil
            layers.append(Layer(
                attentionNorm: try vector(p + "attn_norm.weight", count: dim)!,
                query: try qkv?.rows(0..<qDim) ?? matrix(p + "attn_q.weight", columns: dim, rows: qDim),
                key: try qkv?.rows(qDim..<(qDim + kvDim)) ?? matrix(p + "attn_k.weight", columns: dim, rows: kvDim),
                value: try qkv?.rows((qDim + kvDim)..<(qDim + 2 * kvDim)) ?? matrix(p + "attn_v.weight", columns: dim, rows: kvDim),
                output: try matrix(p + "attn_output.weight", columns: qDim, rows: dim),
                queryBias: try vector(p + "attn_q.bias", count: qDim, required: false),
                keyBias: try vector(p + "attn_k.bias", count: kvDim, required: false),
                valueBias: try vector(p + "attn_v.bias", count: kvDim, required: false),
                queryNorm: try vector(p + "attn_q_norm.weight", count: config.headSize, required: false),
                keyNorm: try vector(p + "attn_k_norm.weight", count: config.headSize, required: false),
                postAttentionNorm: try vector(p + "post_attention_norm.weight", count: dim, required: gemma),
                postFeedForwardNorm: try vector(p + "post_ffw_norm.weight", count: dim, required: gemma),
                feedForwardNorm: try vector(p + "ffn_norm.weight", count: dim)!,
                gate: try gateUp?.rows(0..<ff) ?? matrix(p + "ffn_gate.weight", columns: dim, rows: ff),
                up: try gateUp?.rows(ff..<(2 * ff)) ?? matrix(p + "ffn_up.weight", columns: dim, rows: ff),
                down: try matrix(p + "ffn_down.weight", columns: config.feedForwardSize, rows: dim)))
        }
        self.config = config
        self.file = file
        self.source = source
        self.layers = layers
    }

    /// Opens and memory-maps the GGUF at `path`.
    public convenience init(path: String) throws {
        let source: ByteSource
        do { source = try ByteSource.mapFile(atPath: path) } catch {
            throw EngineError(.invalidModel, "cannot open \(path): \(error)")
        }
        try self.init(source: source)
    }

    /// Bytes of the weights (the mapped file).
    public var fileBytes: Int { source.count }
}
