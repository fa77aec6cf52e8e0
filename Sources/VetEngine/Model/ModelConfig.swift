import VetGGUF

/// Hyperparameters of a llama-family model, read from GGUF metadata.
public struct ModelConfig: Sendable {
    /// The feed-forward gate's activation.
    public enum Activation: Sendable { case silu, gelu }

    /// `general.architecture`.
    public var architecture: String
    public var layerCount: Int
    public var embeddingSize: Int
    public var feedForwardSize: Int
    public var headCount: Int
    public var kvHeadCount: Int
    public var headSize: Int
    /// Width of the queries and of the attention output (`headCount * headSize`; Gemma 3's heads
    /// are wider than `embeddingSize / headCount`).
    public var queryWidth: Int
    /// Dimensions RoPE rotates (usually `headSize`).
    public var ropeDimensions: Int
    public var ropeBase: Float
    /// RoPE base of sliding-window layers (Gemma 3 uses 10,000 there and `ropeBase` on global ones).
    public var ropeBaseLocal: Float
    /// Keys a sliding-window layer attends to (the query's own position and the window-1 before it);
    /// nil when every layer is global.
    public var slidingWindow: Int?
    /// Every `slidingPattern`-th layer is global and the others slide (Gemma 3: 6).
    public var slidingPattern: Int
    /// Multiplier of the token embeddings (Gemma: sqrt(embeddingSize)).
    public var embeddingScale: Float
    public var activation: Activation
    /// Linear position scaling (1 when none).
    public var ropeScale: Float
    /// LongRoPE (Phi-3 128k): the context up to which the short factors apply (the original
    /// training context; `rope.scaling.original_context_length`, else `trainedContext`).
    public var ropeOriginalContext: Int
    /// Multiplier of the rotated values (`rope.scaling.attn_factor`, LongRoPE's attention scale; 1
    /// when absent), as ggml's rope applies it to the cosines and sines.
    public var ropeAttentionFactor: Float
    /// Whether RoPE rotates pairs (i, i + d/2) (Qwen2) instead of adjacent pairs (llama).
    public var ropeNeox: Bool
    public var rmsEpsilon: Float
    /// The context the model was trained for.
    public var trainedContext: Int
    public var vocabularySize: Int

    /// Architectures the engine runs, with whether RoPE is NeoX-style.
    static let supported: [String: Bool] = ["llama": false, "mistral": false, "qwen2": true, "qwen3": true, "gemma3": true, "phi3": true]

    /// Whether layer `index` uses the sliding window.
    public func slides(_ index: Int) -> Bool {
        slidingWindow != nil && (index + 1) % slidingPattern != 0
    }

    /// Reads and checks the hyperparameters.
    /// - Throws: `EngineError` naming the missing key or the unsupported architecture.
    public init(_ file: GGUFFile) throws {
        guard let arch = file.value("general.architecture")?.string else {
            throw EngineError(.invalidModel, "general.architecture is missing")
        }
        guard let neox = Self.supported[arch] else {
            throw EngineError(.unsupported, "architecture `\(arch)` is not supported (supported: \(Self.supported.keys.sorted().joined(separator: ", ")))")
        }
        func int(_ key: String) throws -> Int {
            guard let value = file.value(arch + "." + key)?.integer, value > 0 else {
                throw EngineError(.invalidModel, "\(arch).\(key) is missing or not a positive integer")
            }
            return value
        }
        func float(_ key: String) -> Float? {
            switch file.value(arch + "." + key) {
            case let .float(v, _)?: Float(v)
            case let .uint(v, _)?: Float(v)
            case let .int(v, _)?: Float(v)
            default: nil
            }
        }
        architecture = arch
        layerCount = try int("block_count")
        embeddingSize = try int("embedding_length")
        feedForwardSize = try int("feed_forward_length")
        headCount = try int("attention.head_count")
        kvHeadCount = file.value(arch + ".attention.head_count_kv") == nil ? headCount : try int("attention.head_count_kv")
        trainedContext = try int("context_length")
        guard headCount % kvHeadCount == 0 else {
            throw EngineError(.invalidModel, "\(kvHeadCount) key/value heads do not divide \(headCount) heads")
        }
        let keyLength = file.value(arch + ".attention.key_length")?.integer
        let valueLength = file.value(arch + ".attention.value_length")?.integer
        guard keyLength == valueLength else {
            throw EngineError(.unsupported, "key length \(keyLength ?? 0) differs from value length \(valueLength ?? 0)")
        }
        guard keyLength != nil || embeddingSize % headCount == 0 else {
            throw EngineError(.invalidModel, "\(headCount) heads do not divide \(embeddingSize)")
        }
        headSize = keyLength ?? embeddingSize / headCount
        guard headSize > 0, headSize % 2 == 0, headSize <= 4096 else {
            throw EngineError(.invalidModel, "head size \(headSize) is not a positive even number up to 4096")
        }
        queryWidth = headCount * headSize
        ropeDimensions = file.value(arch + ".rope.dimension_count") == nil ? headSize : try int("rope.dimension_count")
        guard ropeDimensions <= headSize, ropeDimensions % 2 == 0 else {
            throw EngineError(.invalidModel, "rope.dimension_count \(ropeDimensions) does not fit head size \(headSize)")
        }
        ropeBase = float("rope.freq_base") ?? 10_000
        ropeBaseLocal = ropeBase
        slidingPattern = 1
        slidingWindow = nil
        embeddingScale = 1
        activation = .silu
        if arch == "gemma3" {
            // llama.cpp's gemma3 hyperparameters: five sliding layers then a global one, local RoPE
            // base 10,000, embeddings scaled by sqrt(width), GELU-gated feed-forward.
            slidingPattern = 6
            slidingWindow = try int("attention.sliding_window")
            ropeBaseLocal = 10_000
            embeddingScale = Float(embeddingSize).squareRoot()
            activation = .gelu
        }
        ropeNeox = neox
        ropeScale = 1
        if let type = file.value(arch + ".rope.scaling.type")?.string, type != "none" {
            guard type == "linear", let factor = float("rope.scaling.factor"), factor > 0 else {
                throw EngineError(.unsupported, "RoPE scaling `\(type)` is not supported (only linear)")
            }
            ropeScale = 1 / factor
        }
        ropeOriginalContext = file.value(arch + ".rope.scaling.original_context_length") == nil
            ? trainedContext : try int("rope.scaling.original_context_length")
        ropeAttentionFactor = 1
        if file.value(arch + ".rope.scaling.attn_factor") != nil {
            guard let factor = float("rope.scaling.attn_factor"), factor.isFinite, factor > 0, factor < 100 else {
                throw EngineError(.invalidModel, "\(arch).rope.scaling.attn_factor must be a positive number")
            }
            ropeAttentionFactor = factor
        }
        rmsEpsilon = float("attention.layer_norm_rms_epsilon") ?? 1e-5
        if let count = file.value("tokenizer.ggml.tokens").flatMap({ if case let .array(_, items) = $0 { items.count } else { nil } }) {
            vocabularySize = count
        } else {
            vocabularySize = (try? int("vocab_size")) ?? 0
        }
        guard vocabularySize > 0 else { throw EngineError(.invalidModel, "the vocabulary is empty") }
        guard [embeddingSize, feedForwardSize, headCount, layerCount].allSatisfy({ $0 <= 1 << 20 }) else {
            throw EngineError(.invalidModel, "hyperparameters are implausibly large")
        }
    }
}
