/// Keys and values of every processed position, per layer, stored as f16 as llama.cpp stores them
/// by default (half the memory of f32, and the same rounding).
public struct KVCache {
    /// Positions the cache holds at most.
    public let capacity: Int
    /// Positions filled so far.
    public internal(set) var count = 0
    let layerCount: Int
    let width: Int
    var keys: [Float16]
    var values: [Float16]

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
        keys = [Float16](repeating: 0, count: elements)
        values = [Float16](repeating: 0, count: elements)
    }

    /// Bytes the cache occupies.
    public var byteCount: Int { (keys.count + values.count) * 2 }

    /// Forgets positions from `position` on (a shared prompt prefix is kept).
    public mutating func truncate(to position: Int) { count = min(count, max(0, position)) }

    @inline(__always)
    func offset(layer: Int, position: Int) -> Int { (layer * capacity + position) * width }
}
