import VetGGUF

/// G activation vectors interleaved per 32-element block: block b of vector i at
/// `quants[(b·G + i)·32]`, its scale repeated eight times at `scales[(b·G + i)·8]` (so that the
/// kernel multiplies it into the weight scale with one `vmulps` from memory, where a single float
/// costs a multiply and a broadcast) and (Q8_1) its scaled sum at `sums[b·G + i]`. The
/// many-vector kernels reach every vector's block through one pointer.
struct InterleavedVectors {
    var quants: UnsafePointer<Int8>
    var scales: UnsafePointer<Float>
    var sums: UnsafePointer<Float>
}

/// The activation vectors of one matrix product, prepared once for all its rows: their views,
/// and, for the 32-element block types, groups of eight (then four) copied into the interleaved
/// layout (a copy of the activations, small next to the matrix it is multiplied by).
final class VectorBatch: @unchecked Sendable {
    struct Group {
        let start: Int
        let size: Int
        let vectors: InterleavedVectors
    }

    let views: UnsafeBufferPointer<VectorView>
    let groups: [Group]
    private let storage: [UnsafeMutableRawPointer]

    /// The 32-element block types with interleaved kernels.
    static func interleaves(_ type: GGMLType) -> Bool { [.q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .iq4_nl].contains(type) }

    /// - Parameter everyVector: interleave every vector, the last few (fewer than four) in groups
    ///   of one, for `PackedRows`, whose kernels take nothing else.
    /// - Precondition: every view is of a vector quantised for `type` from `count` values, alive
    ///   and unchanged while this batch is used.
    init(_ views: [VectorView], type: GGMLType, count: Int, everyVector: Bool = false) {
        let copy = UnsafeMutableBufferPointer<VectorView>.allocate(capacity: max(1, views.count))
        _ = copy.initialize(from: views)
        self.views = UnsafeBufferPointer(copy)
        var groups: [Group] = [], storage: [UnsafeMutableRawPointer] = [UnsafeMutableRawPointer(copy.baseAddress!)]
        if Self.interleaves(type) {
            let blocks = count / 32
            let withSums = QuantizedVector.layout(for: type) == .q8_1
            var start = 0
            while views.count - start >= (everyVector ? 1 : 4) {
                let left = views.count - start
                let size = left >= 8 ? 8 : left >= 4 ? 4 : 1
                let quants = UnsafeMutablePointer<Int8>.allocate(capacity: max(1, size * blocks * 32))
                let scales = UnsafeMutablePointer<Float>.allocate(capacity: max(1, size * blocks * 8))
                let sums = UnsafeMutablePointer<Float>.allocate(capacity: max(1, size * blocks))
                for b in 0..<blocks {
                    for i in 0..<size {
                        let v = views[start + i]
                        (quants + (b * size + i) * 32).update(from: v.quants + b * 32, count: 32)
                        (scales + (b * size + i) * 8).initialize(repeating: v.scales[b], count: 8)
                        sums[b * size + i] = withSums ? v.sums[b] : 0
                    }
                }
                storage += [UnsafeMutableRawPointer(quants), UnsafeMutableRawPointer(scales), UnsafeMutableRawPointer(sums)]
                groups.append(Group(start: start, size: size,
                                    vectors: InterleavedVectors(quants: quants, scales: scales, sums: sums)))
                start += size
            }
        }
        self.groups = groups
        self.storage = storage
    }

    deinit {
        for p in storage { p.deallocate() }
    }
}
