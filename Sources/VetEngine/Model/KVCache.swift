import Foundation

/// Keys and values of every processed position, per layer. llama.cpp stores them as f16 by default;
/// they are rounded to f16 here too (the same numbers), but kept as `Float` so attention reads them
/// without converting each element. The memory is reserved zeroed and untouched, so resident
/// memory grows with the positions actually used, not with the context length.
public final class KVCache: @unchecked Sendable {
    /// Positions the cache holds at most.
    public let capacity: Int
    /// Positions filled so far.
    public internal(set) var count = 0
    let width: Int
    let keys: UnsafeMutablePointer<Float>
    let values: UnsafeMutablePointer<Float>
    private let elements: Int

    /// Reserves a cache for `capacity` positions of a model.
    /// - Throws: `EngineError` when the cache would exceed `maxBytes` or cannot be reserved.
    public init(config: ModelConfig, capacity: Int, maxBytes: Int = 8 << 30) throws {
        let width = config.kvHeadCount * config.headSize
        let (perLayer, o1) = width.multipliedReportingOverflow(by: capacity)
        let (elements, o2) = perLayer.multipliedReportingOverflow(by: config.layerCount)
        guard capacity > 0, !o1, !o2, elements <= maxBytes / 8 else {
            throw EngineError(.badRequest, "a context of \(capacity) positions needs more than \(maxBytes >> 20) MiB of key/value cache; use a smaller --context")
        }
        // calloc maps fresh zero pages for large sizes: nothing is touched until a position is written.
        guard let k = calloc(elements, MemoryLayout<Float>.stride), let v = calloc(elements, MemoryLayout<Float>.stride) else {
            throw EngineError(.badRequest, "cannot reserve \(elements * 8 >> 20) MiB of key/value cache")
        }
        keys = k.assumingMemoryBound(to: Float.self)
        values = v.assumingMemoryBound(to: Float.self)
        self.capacity = capacity
        self.elements = elements
        self.width = width
    }

    deinit {
        free(keys)
        free(values)
    }

    /// Bytes reserved for the cache.
    public var byteCount: Int { elements * 2 * MemoryLayout<Float>.stride }

    /// Forgets positions from `position` on (a shared prompt prefix is kept).
    public func truncate(to position: Int) { count = min(count, max(0, position)) }

    @inline(__always)
    func offset(layer: Int, position: Int) -> Int { (layer * capacity + position) * width }
}
