import VetGGUF

/// An activation vector quantised the way the matching weight type's dot product expects it,
/// as ggml does on the CPU: 8-bit blocks of 32 with an f16 scale (Q8_0; Q8_1 adds the scaled sum
/// of its quants) or of 256 with a float scale and 16-element sums (Q8_K). Quantising the
/// activation once per matrix-vector product makes every row's dot product integer arithmetic,
/// and following ggml's rounding keeps results close to llama.cpp's.
public final class QuantizedVector: @unchecked Sendable {
    /// Which layout `quants` and `scales` hold.
    public enum Layout: Sendable { case q8_0, q8_1, q8_K, float }

    public private(set) var layout: Layout = .float
    public private(set) var count = 0
    private var capacity = 0
    /// One signed byte per element, -127...127 (the kernels' byte products rely on |quant| ≤ 127).
    private(set) var quants = UnsafeMutablePointer<Int8>.allocate(capacity: 1)
    /// Per block: the scale (Q8_0/Q8_1 rounded through f16 as ggml stores it).
    private(set) var scales = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    /// Q8_1: per block, scale times the sum of the quants (through f16). Q8_K: per 16 elements, the sum.
    private(set) var sums = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    /// The unquantised values, for float and f16 weights.
    private(set) var floats = UnsafeMutablePointer<Float>.allocate(capacity: 1)

    /// An empty vector; `quantize` fills it.
    public init() {}

    deinit {
        quants.deallocate()
        scales.deallocate()
        sums.deallocate()
        floats.deallocate()
    }

    /// Pointers to the storage, valid while this vector is alive and not quantised again.
    var view: VectorView {
        VectorView(quants: UnsafePointer(quants), scales: UnsafePointer(scales),
                   sums: UnsafePointer(sums), floats: UnsafePointer(floats))
    }

    /// Calls `body` with `view`.
    func withView<R>(_ body: (VectorView) throws -> R) rethrows -> R { try body(view) }

    /// A rounded value as a quant. Finite activations give -127...127; the NaN and infinities a
    /// damaged model can produce become 0 or the nearest end (±127) instead of trapping.
    @inline(__always)
    static func quant(_ r: Float) -> Int8 {
        if r.isNaN { return 0 }
        return Int8(max(-127, min(127, r)))
    }

    private func reserve(_ n: Int) {
        guard n > capacity else { return }
        quants.deallocate(); scales.deallocate(); sums.deallocate(); floats.deallocate()
        quants = .allocate(capacity: n)
        scales = .allocate(capacity: n / 32 + 1)
        sums = .allocate(capacity: n / 16 + 1)
        floats = .allocate(capacity: n)
        capacity = n
    }

    /// The activation layout a weight type's dot product uses.
    public static func layout(for type: GGMLType) -> Layout {
        switch type {
        case .q4_0, .q5_0, .q8_0, .iq4_nl: .q8_0
        case .q4_1, .q5_1: .q8_1
        case .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .iq4_xs: .q8_K
        default: .float
        }
    }

    /// Quantises `values` into `layout`, reusing this vector's storage.
    public func quantize(_ values: UnsafeBufferPointer<Float>, as layout: Layout) {
        self.layout = layout
        count = values.count
        reserve(count)
        let q = quants
        switch layout {
        case .float:
            for i in 0..<count { floats[i] = values[i] }
        case .q8_0, .q8_1:
            let blocks = count / 32
            for b in 0..<blocks {
                var amax: Float = 0
                for j in 0..<32 { amax = max(amax, abs(values[b * 32 + j])) }
                let d = amax / 127
                let id: Float = amax != 0 ? 127 / amax : 0
                var sum = 0
                for j in 0..<32 {
                    let v = Self.quant((values[b * 32 + j] * id).rounded(.toNearestOrEven))
                    q[b * 32 + j] = v
                    sum += Int(v)
                }
                scales[b] = Float(Float16(d))
                if layout == .q8_1 { sums[b] = Float(Float16(d * Float(sum))) }
            }
        case .q8_K:
            let blocks = count / 256
            for b in 0..<blocks {
                var amax: Float = 0, signedMax: Float = 0
                for j in 0..<256 {
                    let x = values[b * 256 + j]
                    if abs(x) > amax { amax = abs(x); signedMax = x }
                }
                guard amax != 0 else {
                    scales[b] = 0
                    for j in 0..<256 { q[b * 256 + j] = 0 }
                    for j in 0..<16 { sums[b * 16 + j] = 0 }
                    continue
                }
                let iscale = -127 / signedMax
                for j in 0..<256 {
                    // ggml's nearest_int rounds half to even through a float trick.
                    q[b * 256 + j] = Self.quant((iscale * values[b * 256 + j]).rounded(.toNearestOrEven))
                }
                for j in 0..<16 {
                    var s = 0
                    for k in 0..<16 { s += Int(q[b * 256 + j * 16 + k]) }
                    sums[b * 16 + j] = Float(s)
                }
                scales[b] = 1 / iscale
            }
        }
    }
}
