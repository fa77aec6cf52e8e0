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
        let table = Dequantize.halfTable
        for b in 0..<blocks {
            let block = row + b &* F.blockBytes
            if F.hasMinimum { minimums = minimums.addingProduct(F.minimum(block), v.sums[b]) }
            let w = F.unpack(block)
            accumulate(&acc, F.scale(block, table) * SIMD8(repeating: v.scales[b]), w.products(v.quants + b &* 32))
        }
        let sum = horizontalSum(acc.lowHalf, acc.highHalf)
        return F.hasMinimum ? sum + minimums : sum
    }

    /// A row of 32-element blocks against G = 4 or 8 interleaved vectors (`InterleavedVectors`):
    /// each block is unpacked and its scale converted once for all G; each vector's arithmetic is
    /// exactly that of `blocks` (the same fused multiply-adds in the same order), so the results
    /// are bit for bit the single-vector ones. With the vectors interleaved, one pointer reaches
    /// every vector's block (separate pointers filled the general-purpose registers and were
    /// reloaded from the stack for every block), and the minimum terms of all G are one vector
    /// fused multiply-add.
    @inline(__always)
    static func blocksInterleaved<F: Block32Format, let G: Int>(_: F.Type, _ row: UnsafeRawPointer, _ v: InterleavedVectors,
                                                                 blocks: Int, into output: inout InlineArray<G, Float>) {
        var acc = InlineArray<G, SIMD8<Float>>(repeating: .zero)
        var minimums = SIMD8<Float>()
        let table = Dequantize.halfTable
        for b in 0..<blocks {
            let block = row + b &* F.blockBytes
            let w = F.unpack(block), d = F.scale(block, table)
            let quants = v.quants + b &* (G &* 32), scales = UnsafeRawPointer(v.scales + b &* (G &* 8))
            if F.hasMinimum {
                let sums = UnsafeRawPointer(v.sums + b &* G)
                let m = SIMD8<Float>(repeating: F.minimum(block))
                minimums = G == 8 ? minimums.addingProduct(m, sums.loadUnaligned(as: SIMD8<Float>.self))
                    : SIMD8(lowHalf: minimums.lowHalf.addingProduct(m.lowHalf, sums.loadUnaligned(as: SIMD4<Float>.self)), highHalf: .zero)
            }
            for i in 0..<G {
                accumulate(&acc[i], d * scales.loadUnaligned(fromByteOffset: i &* 32, as: SIMD8<Float>.self), w.products(quants + i &* 32))
            }
        }
        for i in 0..<G {
            let sum = horizontalSum(acc[i].lowHalf, acc[i].highHalf)
            output[i] = F.hasMinimum ? sum + minimums[i] : sum
        }
    }

    @inline(never) static func q4_0(_ row: UnsafeRawPointer, _ v: VectorView, blocks n: Int) -> Float { blocks(Q4_0Blocks.self, row, v, blocks: n) }
    @inline(never) static func q4_1(_ row: UnsafeRawPointer, _ v: VectorView, blocks n: Int) -> Float { blocks(Q4_1Blocks.self, row, v, blocks: n) }
    @inline(never) static func q8_0(_ row: UnsafeRawPointer, _ v: VectorView, blocks n: Int) -> Float { blocks(Q8_0Blocks.self, row, v, blocks: n) }
    @inline(never) static func iq4_nl(_ row: UnsafeRawPointer, _ v: VectorView, blocks n: Int) -> Float { blocks(IQ4_NLBlocks.self, row, v, blocks: n) }
    @inline(never) static func q5(_ row: UnsafeRawPointer, _ v: VectorView, blocks n: Int, withMinimum: Bool) -> Float {
        withMinimum ? blocks(Q5_1Blocks.self, row, v, blocks: n) : blocks(Q5_0Blocks.self, row, v, blocks: n)
    }

    /// `row · batch[t]` for every vector of the batch into `output[t * stride]`: the batch's
    /// interleaved groups of eight and four through the many-vector kernels (the weights read and
    /// unpacked once per group), K-quants four at a time, the rest one by one.
    @inline(__always)
    static func dots(_ type: GGMLType, _ row: UnsafeRawPointer, _ batch: VectorBatch, count: Int,
                     into output: UnsafeMutablePointer<Float>, stride: Int) {
        var t = 0
        for group in batch.groups {
            switch group.size {
            case 8: interleaved8(type, row, group.vectors, count: count, into: output + group.start * stride, stride: stride)
            default: interleaved4(type, row, group.vectors, count: count, into: output + group.start * stride, stride: stride)
            }
            t = group.start + group.size
        }
        let vs = batch.views
        if vs.count - t >= 4, handlesFour(type) {
            while t + 4 <= vs.count {
                let r = kQuants4(type, row, [vs[t], vs[t + 1], vs[t + 2], vs[t + 3]], blocks: count / 256)
                for i in 0..<4 { output[(t + i) * stride] = r[i] }
                t += 4
            }
        }
        while t < vs.count {
            output[t * stride] = dot(type, row, vs[t], count: count)
            t += 1
        }
    }

    /// A group of eight interleaved vectors; out of line so the single-vector path of `dots`
    /// (every generated token) stays a small loop.
    @inline(never)
    static func interleaved8(_ type: GGMLType, _ row: UnsafeRawPointer, _ v: InterleavedVectors, count: Int,
                             into output: UnsafeMutablePointer<Float>, stride: Int) {
        var r = InlineArray<8, Float>(repeating: 0)
        interleaved(type, row, v, count: count, into: &r)
        for i in 0..<8 { output[i * stride] = r[i] }
    }

    /// A group of four interleaved vectors.
    @inline(never)
    static func interleaved4(_ type: GGMLType, _ row: UnsafeRawPointer, _ v: InterleavedVectors, count: Int,
                             into output: UnsafeMutablePointer<Float>, stride: Int) {
        var r = InlineArray<4, Float>(repeating: 0)
        interleaved(type, row, v, count: count, into: &r)
        for i in 0..<4 { output[i * stride] = r[i] }
    }

    @inline(__always)
    static func interleaved<let G: Int>(_ type: GGMLType, _ row: UnsafeRawPointer, _ v: InterleavedVectors, count: Int,
                                        into r: inout InlineArray<G, Float>) {
        let n = count / 32
        switch type {
        case .q4_0: blocksInterleaved(Q4_0Blocks.self, row, v, blocks: n, into: &r)
        case .q4_1: blocksInterleaved(Q4_1Blocks.self, row, v, blocks: n, into: &r)
        case .q5_0: blocksInterleaved(Q5_0Blocks.self, row, v, blocks: n, into: &r)
        case .q5_1: blocksInterleaved(Q5_1Blocks.self, row, v, blocks: n, into: &r)
        case .q8_0: blocksInterleaved(Q8_0Blocks.self, row, v, blocks: n, into: &r)
        case .iq4_nl: blocksInterleaved(IQ4_NLBlocks.self, row, v, blocks: n, into: &r)
        default: preconditionFailure("no interleaved kernel for \(type); VectorBatch only groups Block32 types")
        }
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
