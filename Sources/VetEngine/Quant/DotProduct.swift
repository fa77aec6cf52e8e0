import VetGGUF
import VetSIMD

/// Raw pointers into a `QuantizedVector`, valid while the vector is not mutated; kernels take this
/// so that the inner loops see plain pointers.
struct VectorView {
    var quants: UnsafePointer<Int8>
    var scales: UnsafePointer<Float>
    var sums: UnsafePointer<Float>
    var floats: UnsafePointer<Float>
}

/// Dot products of one weight row (ggml blocks) with a quantised activation, following ggml's
/// CPU kernels: integer sums per block, scaled by the product of the two block scales.
enum DotProduct {
    /// The dot product of `count` elements of a `type` row starting at `row` with `vector`.
    @inline(__always)
    static func dot(_ type: GGMLType, _ row: UnsafeRawPointer, _ vector: VectorView, count: Int) -> Float {
        switch type {
        case .q4_0: return q4_0(row, vector, blocks: count / 32)
        case .q4_1: return q4_1(row, vector, blocks: count / 32)
        case .q5_0, .q5_1: return q5(row, vector, blocks: count / 32, withMinimum: type == .q5_1)
        case .q8_0: return q8_0(row, vector, blocks: count / 32)
        case .iq4_nl: return iq4_nl(row, vector, blocks: count / 32)
        case .q4_K, .q5_K: return q45K(row, vector, blocks: count / 256, fifthBit: type == .q5_K)
        case .q6_K: return q6K(row, vector, blocks: count / 256)
        case .iq4_xs: return iq4XS(row, vector, blocks: count / 256)
        case .q2_K, .q3_K: return LowBitKQuants.dot(type, row, vector, blocks: count / 256)
        case .f32: return f32(row.assumingMemoryBound(to: Float.self), vector.floats, count: count)
        case .f16: return f16(row, vector.floats, count: count)
        case .bf16: return bf16(row, vector.floats, count: count)
        default: return .nan
        }
    }

    // The kernels below follow ggml's AVX2 kernels: a block's weights as 32 bytes meet the
    // activation's 32 quants in one `vpmaddubsw` (`ByteWeights.products`), whose 16-bit pair sums
    // are summed pairwise into 32-bit lanes by `vpmaddwd`, converted to floats and scaled per
    // block in one vector; the row is reduced once at the end. Lane k of a block holds the integer
    // sum of elements 4k...4k+3, accumulated as acc[k] = fma(d_w * d_a, lane_k, acc[k]); the lanes
    // are added as ggml's hsum_float_8 adds them, and Q4_1/Q5_1's minimum terms by a fused
    // multiply-add chain, so the floating-point rounding is ggml's. `lo` holds lanes 0-3
    // (elements 0-15), `hi` lanes 4-7.

    /// Eight 32-bit sums of adjacent 16-bit lanes (lanes 0-3 from elements 0-15, 4-7 from 16-31).
    @inline(__always)
    static func pairSums(_ products: SIMD16<Int16>) -> SIMD8<Int32> {
        multiplyAddPairs(products, SIMD16<Int16>(repeating: 1))
    }

    /// acc[k] = fma(scale, Σ of 16-bit lanes 2k and 2k+1 of `products`, acc[k]): the pair sums, the
    /// conversion and the fused multiply-add each one 256-bit instruction on x86-64-v3.
    @inline(__always)
    static func accumulate(_ acc: inout SIMD8<Float>, _ scale: SIMD8<Float>, _ products: SIMD16<Int16>) {
        acc = acc.addingProduct(scale, SIMD8<Float>(pairSums(products)))
    }

    /// ggml's hsum_float_8 over lanes lo = 0-3 and hi = 4-7.
    @inline(__always)
    static func horizontalSum(_ lo: SIMD4<Float>, _ hi: SIMD4<Float>) -> Float {
        let r = hi + lo
        return (r[0] + r[2]) + (r[1] + r[3])
    }

    /// A row of 32-element blocks against one vector: per block, the unpacked weights meet the
    /// activation's quants (`ByteWeights.products`), scaled by weight scale × activation scale.
    @inline(__always)
    static func blocks<F: Block32Format>(_: F.Type, _ row: UnsafeRawPointer, _ v: VectorView, blocks: Int) -> Float {
        var acc = SIMD8<Float>()
        var minimums: Float = 0
        for b in 0..<blocks {
            let block = row + b &* F.blockBytes
            if F.hasMinimum { minimums = minimums.addingProduct(F.minimum(block), v.sums[b]) }
            let w = F.unpack(block)
            accumulate(&acc, F.scale(block) * SIMD8(repeating: v.scales[b]), w.products(v.quants + b &* 32))
        }
        let sum = horizontalSum(acc.lowHalf, acc.highHalf)
        return F.hasMinimum ? sum + minimums : sum
    }

    /// A row of 32-element blocks against four vectors at once: each block is unpacked and its
    /// scales converted once for all four; each vector's arithmetic is exactly that of `blocks`.
    @inline(__always)
    static func blocks4<F: Block32Format>(_: F.Type, _ row: UnsafeRawPointer, _ v: (VectorView, VectorView, VectorView, VectorView),
                                           blocks: Int) -> (Float, Float, Float, Float) {
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>(), acc2 = SIMD8<Float>(), acc3 = SIMD8<Float>()
        var m0: Float = 0, m1: Float = 0, m2: Float = 0, m3: Float = 0
        for b in 0..<blocks {
            let block = row + b &* F.blockBytes
            if F.hasMinimum {
                let m = F.minimum(block)
                m0 = m0.addingProduct(m, v.0.sums[b]); m1 = m1.addingProduct(m, v.1.sums[b])
                m2 = m2.addingProduct(m, v.2.sums[b]); m3 = m3.addingProduct(m, v.3.sums[b])
            }
            let d = F.scale(block)
            let w = F.unpack(block)
            accumulate(&acc0, d * SIMD8(repeating: v.0.scales[b]), w.products(v.0.quants + b &* 32))
            accumulate(&acc1, d * SIMD8(repeating: v.1.scales[b]), w.products(v.1.quants + b &* 32))
            accumulate(&acc2, d * SIMD8(repeating: v.2.scales[b]), w.products(v.2.quants + b &* 32))
            accumulate(&acc3, d * SIMD8(repeating: v.3.scales[b]), w.products(v.3.quants + b &* 32))
        }
        func total(_ acc: SIMD8<Float>, _ m: Float) -> Float {
            let sum = horizontalSum(acc.lowHalf, acc.highHalf)
            return F.hasMinimum ? sum + m : sum
        }
        return (total(acc0, m0), total(acc1, m1), total(acc2, m2), total(acc3, m3))
    }

    @inline(never) static func q4_0(_ row: UnsafeRawPointer, _ v: VectorView, blocks n: Int) -> Float { blocks(Q4_0Blocks.self, row, v, blocks: n) }
    @inline(never) static func q4_1(_ row: UnsafeRawPointer, _ v: VectorView, blocks n: Int) -> Float { blocks(Q4_1Blocks.self, row, v, blocks: n) }
    @inline(never) static func q8_0(_ row: UnsafeRawPointer, _ v: VectorView, blocks n: Int) -> Float { blocks(Q8_0Blocks.self, row, v, blocks: n) }
    @inline(never) static func iq4_nl(_ row: UnsafeRawPointer, _ v: VectorView, blocks n: Int) -> Float { blocks(IQ4_NLBlocks.self, row, v, blocks: n) }
    @inline(never) static func q5(_ row: UnsafeRawPointer, _ v: VectorView, blocks n: Int, withMinimum: Bool) -> Float {
        withMinimum ? blocks(Q5_1Blocks.self, row, v, blocks: n) : blocks(Q5_0Blocks.self, row, v, blocks: n)
    }

    /// `row · vs[t]` for every vector into `output[t * stride]`, four at a time where the type has a
    /// four-vector kernel (the weights are then read and unpacked once per four vectors).
    @inline(__always)
    static func dots(_ type: GGMLType, _ row: UnsafeRawPointer, _ vs: UnsafeBufferPointer<VectorView>, count: Int,
                     into output: UnsafeMutablePointer<Float>, stride: Int) {
        var t = 0
        if vs.count >= 4 {
            switch type {
            case .q4_0: t = fours(Q4_0Blocks.self, row, vs, count: count, into: output, stride: stride)
            case .q4_1: t = fours(Q4_1Blocks.self, row, vs, count: count, into: output, stride: stride)
            case .q5_0: t = fours(Q5_0Blocks.self, row, vs, count: count, into: output, stride: stride)
            case .q5_1: t = fours(Q5_1Blocks.self, row, vs, count: count, into: output, stride: stride)
            case .q8_0: t = fours(Q8_0Blocks.self, row, vs, count: count, into: output, stride: stride)
            case .iq4_nl: t = fours(IQ4_NLBlocks.self, row, vs, count: count, into: output, stride: stride)
            case .q4_K, .q5_K, .q6_K, .iq4_xs:
                while t + 4 <= vs.count {
                    let r = kQuants4(type, row, [vs[t], vs[t + 1], vs[t + 2], vs[t + 3]], blocks: count / 256)
                    for i in 0..<4 { output[(t + i) * stride] = r[i] }
                    t += 4
                }
            default: break
            }
        }
        while t < vs.count {
            output[t * stride] = dot(type, row, vs[t], count: count)
            t += 1
        }
    }

    /// The whole groups of four of `dots`; returns how many vectors it did. Kept out of line so the
    /// single-vector path of `dots` (every generated token) stays a small loop.
    @inline(never)
    static func fours<F: Block32Format>(_ format: F.Type, _ row: UnsafeRawPointer, _ vs: UnsafeBufferPointer<VectorView>, count: Int,
                                         into output: UnsafeMutablePointer<Float>, stride: Int) -> Int {
        var t = 0
        while t + 4 <= vs.count {
            let r = blocks4(format, row, (vs[t], vs[t + 1], vs[t + 2], vs[t + 3]), blocks: count / 32)
            output[t * stride] = r.0
            output[(t + 1) * stride] = r.1
            output[(t + 2) * stride] = r.2
            output[(t + 3) * stride] = r.3
            t += 4
        }
        return t
    }

    static func f32(_ row: UnsafePointer<Float>, _ x: UnsafePointer<Float>, count: Int) -> Float {
        var acc = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            acc.addProduct(UnsafeRawPointer(row + i).loadUnaligned(as: SIMD8<Float>.self),
                           UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self))
            i += 8
        }
        var sum = acc.sum()
        while i < count { sum += row[i] * x[i]; i += 1 }
        return sum
    }

    static func f16(_ row: UnsafeRawPointer, _ x: UnsafePointer<Float>, count: Int) -> Float {
        // ggml converts the activation to f16 for f16 weights.
        var sum: Float = 0
        for i in 0..<count { sum += Dequantize.half(row, i * 2) * Float(Float16(x[i])) }
        return sum
    }

    static func bf16(_ row: UnsafeRawPointer, _ x: UnsafePointer<Float>, count: Int) -> Float {
        var sum: Float = 0
        for i in 0..<count {
            sum += Float(bitPattern: UInt32(row.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)) << 16) * x[i]
        }
        return sum
    }
}
