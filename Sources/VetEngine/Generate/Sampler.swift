import Foundation

/// How the next token is chosen from the logits.
public struct SamplingOptions: Sendable, Equatable {
    /// 0 picks the most likely token (greedy); higher values flatten the distribution.
    public var temperature: Float = 0
    /// Keep only the `topK` most likely tokens (0: all).
    public var topK: Int = 40
    /// Keep the smallest set of tokens whose probabilities sum to at least `topP` (1: all).
    public var topP: Float = 0.95
    /// Drop tokens less likely than `minP` times the most likely one (0: none).
    public var minP: Float = 0.05
    /// Divide (or, for negative logits, multiply) the logits of recently generated tokens (1: off).
    public var repetitionPenalty: Float = 1
    /// How many recent tokens the penalty looks at.
    public var repetitionWindow: Int = 64
    /// Seed for sampled generation; the same seed gives the same tokens.
    public var seed: UInt64 = 0

    /// Greedy decoding.
    public static let greedy = SamplingOptions()

    /// Creates options (greedy by default).
    public init(temperature: Float = 0, topK: Int = 40, topP: Float = 0.95, minP: Float = 0.05,
                repetitionPenalty: Float = 1, repetitionWindow: Int = 64, seed: UInt64 = 0) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.repetitionPenalty = repetitionPenalty
        self.repetitionWindow = repetitionWindow
        self.seed = seed
    }
}

/// A seeded generator (SplitMix64): the same seed gives the same sequence on every platform.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    var state: UInt64
    /// Creates a generator from `seed`.
    public init(seed: UInt64) { state = seed }
    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Chooses tokens from logits with the configured filters.
public struct Sampler: Sendable {
    public let options: SamplingOptions
    var random: SeededGenerator

    /// Creates a sampler.
    public init(_ options: SamplingOptions) {
        self.options = options
        random = SeededGenerator(seed: options.seed)
    }

    /// log Σ exp(logit), computed around the maximum so nothing overflows.
    static func logSumExp(_ logits: [Float]) -> Float {
        let maximum = logits.max() ?? 0
        var sum: Double = 0
        for l in logits { sum += Double(expf(l - maximum)) }
        return Float(log(sum)) + maximum
    }

    /// The log-probability (natural log) of `token` under the model's distribution (temperature 1).
    public static func logProbability(of token: Int, in logits: [Float]) -> Float {
        logits[token] - logSumExp(logits)
    }

    /// The `k` most likely tokens under the model's distribution (temperature 1), most likely first;
    /// ties go to the lower id.
    public static func top(_ k: Int, _ logits: [Float]) -> [TokenLogProbability] {
        let logSum = logSumExp(logits)
        var best: [Int] = []
        best.reserveCapacity(k + 1)
        for i in logits.indices {
            // Insertion into a short sorted list: k is small, the vocabulary large.
            if best.count == k, let last = best.last, logits[i] <= logits[last] { continue }
            var at = best.count
            while at > 0, logits[best[at - 1]] < logits[i] { at -= 1 }
            best.insert(i, at: at)
            if best.count > k { best.removeLast() }
        }
        return best.map { TokenLogProbability(id: $0, logProbability: logits[$0] - logSum) }
    }

    /// Log-probabilities (natural log) of every token under the model's distribution (temperature 1).
    public static func logProbabilities(_ logits: [Float]) -> [Float] {
        let logSum = logSumExp(logits)
        return logits.map { $0 - logSum }
    }

    /// The next token. `recent` are the tokens generated (and prompted) so far, for the penalty.
    public mutating func next(_ logits: [Float], recent: [Int]) -> Int {
        var logits = logits
        if options.repetitionPenalty != 1 {
            for token in Set(recent.suffix(options.repetitionWindow)) where token >= 0 && token < logits.count {
                logits[token] = logits[token] > 0 ? logits[token] / options.repetitionPenalty : logits[token] * options.repetitionPenalty
            }
        }
        if options.temperature <= 0 {
            // Greedy: the first of equal maxima, as an argmax over the vocabulary in order.
            var best = 0
            for i in 1..<logits.count where logits[i] > logits[best] { best = i }
            return best
        }
        var candidates = logits.indices.map { (id: $0, logit: logits[$0] / options.temperature) }
        candidates.sort { $0.logit > $1.logit || ($0.logit == $1.logit && $0.id < $1.id) }
        if options.topK > 0 { candidates = Array(candidates.prefix(options.topK)) }
        let maximum = candidates[0].logit
        var probabilities = candidates.map { expf($0.logit - maximum) }
        let total = probabilities.reduce(0, +)
        probabilities = probabilities.map { $0 / total }
        var keep = probabilities.count
        if options.minP > 0 {
            let floor = options.minP * probabilities[0]
            keep = max(1, probabilities.prefix { $0 >= floor }.count)
        }
        if options.topP < 1 {
            var cumulative: Float = 0
            for (i, p) in probabilities.prefix(keep).enumerated() {
                cumulative += p
                if cumulative >= options.topP { keep = i + 1; break }
            }
        }
        let kept = probabilities.prefix(keep)
        let draw = Float(Double(random.next() >> 11) / Double(1 << 53)) * kept.reduce(0, +)
        var cumulative: Float = 0
        for (i, p) in kept.enumerated() {
            cumulative += p
            if draw < cumulative { return candidates[i].id }
        }
        return candidates[keep - 1].id
    }
}
