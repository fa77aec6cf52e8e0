/// Keys and values of every processed position, per layer. llama.cpp stores them as f16 by default;
/// they are rounded to f16 here too (the same numbers), but kept in `Float` so attention reads them
/// without converting each element: twice llama.cpp's memory for the cache (for SmolLM2-135M and
/// 2,048 positions, 94 MB instead of 47 MB), for attention that costs a few percent of a token.
public struct KVCache {
    /// Positions the cache holds at most.
    public let capacity: Int
    /// Positions filled so far.
    public internal(set) var count = 0
    let layerCount: Int
    let width: Int
    var keys: [Float]
    var values: [Float]

    /// Allocates a cache for `capacity` positions of a model.
    /// - Throws: `EngineError` when the cache would exceed `maxBytes`.
    public init(config: ModelConfig, capacity: Int, maxBytes: Int = 8 << 30) throws {
        let width = config.kvHeadCount * config.headSize
        let (perLayer, o1) = width.multipliedReportingOverflow(by: capacity)
        let (elements, o2) = perLayer.multipliedReportingOverflow(by: config.layerCount)
        guard capacity > 0, !o1, !o2, elements <= maxBytes / 4 else {
            throw EngineError(.badRequest, "a context of \(capacity) positions needs more than \(maxBytes >> 20) MiB of key/value cache; use a smaller --context")
        }
        self.capacity = capacity
        self.layerCount = config.layerCount
        self.width = width
        keys = [Float](repeating: 0, count: elements)
        values = [Float](repeating: 0, count: elements)
    }

    /// Bytes the cache occupies.
    public var byteCount: Int { (keys.count + values.count) * MemoryLayout<Float>.stride }

    /// Forgets positions from `position` on (a shared prompt prefix is kept).
    public mutating func truncate(to position: Int) { count = min(count, max(0, position)) }

    @inline(__always)
    func offset(layer: Int, position: Int) -> Int { (layer * capacity + position) * width }
}
