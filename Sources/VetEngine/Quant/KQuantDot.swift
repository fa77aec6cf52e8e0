import VetGGUF

/// Dot products of K-quant weight rows (256-element super-blocks) with a Q8_K activation.
///
/// The activation's pre-split 16-bit quants (`VectorView.split`, per 32 elements the even then
/// the odd elements) meet the weights unpacked into the same two 16-lane vectors, so every
/// multiply is one 256-bit instruction. Products of a sub-block are summed
/// pairwise into 32-bit lanes, multiplied by the sub-block's integer scale and accumulated in
/// integers for the whole super-block, which is then converted and scaled once; this is the order
/// of ggml's AVX2 kernels, so no rounding is added beyond one float conversion per super-block.
extension DotProduct {
    /// Eight 32-bit sums of adjacent 16-bit lanes (lanes 0-3 from elements 0-15, 4-7 from 16-31).
    @inline(__always)
    static func pairSums(_ products: SIMD16<Int16>) -> SIMD8<Int32> {
        let wide = unsafeBitCast(products, to: SIMD8<Int32>.self)
        return ((wide &<< 16) &>> 16) &+ (wide &>> 16)
    }

    @inline(__always)
    static func lanes(_ x: SIMD16<UInt16>) -> SIMD16<Int16> { unsafeBitCast(x, to: SIMD16<Int16>.self) }

    /// Q4_K (`fifthBit` false, 144-byte blocks) and Q5_K (176-byte blocks) against one vector.
    @inline(never)
    static func q45K(_ row: UnsafeRawPointer, _ v: VectorView, blocks: Int, fifthBit: Bool) -> Float {
        fifthBit ? q45K(row, [v] as InlineArray<1, VectorView>, blocks: blocks, fifthBit: true)[0]
            : q45K(row, [v] as InlineArray<1, VectorView>, blocks: blocks, fifthBit: false)[0]
    }

    /// Q6_K against one vector.
    @inline(never)
    static func q6K(_ row: UnsafeRawPointer, _ v: VectorView, blocks: Int) -> Float {
        q6K(row, [v] as InlineArray<1, VectorView>, blocks: blocks)[0]
    }

    /// total[i] += d · (vector i's scale of super-block b) · acc[i]: a super-block's integer sums,
    /// converted and scaled once.
    @inline(__always)
    static func addSuperBlock<let N: Int>(_ total: inout InlineArray<N, SIMD8<Float>>, _ acc: InlineArray<N, SIMD8<Int32>>, d: Float,
                                          _ v: InlineArray<N, VectorView>, _ b: Int) {
        for i in 0..<N { total[i] = total[i].addingProduct(SIMD8<Float>(repeating: d * v[i].scales[b]), SIMD8<Float>(acc[i])) }
    }

    /// Each vector's eight lanes added as ggml's hsum_float_8 adds them.
    @inline(__always)
    static func reduced<let N: Int>(_ total: InlineArray<N, SIMD8<Float>>) -> InlineArray<N, Float> {
        var out = InlineArray<N, Float>(repeating: 0)
        for i in 0..<N { out[i] = horizontalSum(total[i].lowHalf, total[i].highHalf) }
        return out
    }

    /// IQ4_XS against one vector.
    @inline(never)
    static func iq4XS(_ row: UnsafeRawPointer, _ v: VectorView, blocks: Int) -> Float {
        iq4XS(row, [v] as InlineArray<1, VectorView>, blocks: blocks)[0]
    }

    /// IQ4_XS against N vectors: eight sub-blocks of 32 table-looked-up levels with signed 6-bit
    /// scales, integer sums per super-block as for Q4_K. Two products of at most 127 · 127 fit 16
    /// bits; the level look-up is scalar (`iq4Levels`).
    @inline(__always)
    static func iq4XS<let N: Int>(_ row: UnsafeRawPointer, _ v: InlineArray<N, VectorView>, blocks: Int) -> InlineArray<N, Float> {
        var total = InlineArray<N, SIMD8<Float>>(repeating: .zero)
        for b in 0..<blocks {
            let block = row + b &* 136
            var acc = InlineArray<N, SIMD8<Int32>>(repeating: .zero)
            for sub in 0..<8 {
                let w = iq4Levels(block + 8 + sub * 16)
                let scale = SIMD8<Int32>(repeating: Dequantize.iq4xsScale(block, sub))
                for i in 0..<N { acc[i] &+= pairSums(products(w, v[i].split + b &* 256 + sub * 32)) &* scale }
            }
            addSuperBlock(&total, acc, d: Dequantize.halves(block)[0], v, b)
        }
        return reduced(total)
    }

    /// A K-quant row against four vectors at once; each result is bit for bit the single-vector one.
    @inline(never)
    static func kQuants4(_ type: GGMLType, _ row: UnsafeRawPointer, _ v: InlineArray<4, VectorView>, blocks: Int) -> InlineArray<4, Float> {
        switch type {
        case .q4_K: q45K(row, v, blocks: blocks, fifthBit: false)
        case .q5_K: q45K(row, v, blocks: blocks, fifthBit: true)
        case .iq4_xs: iq4XS(row, v, blocks: blocks)
        default: q6K(row, v, blocks: blocks)
        }
    }

    /// Q4_K and Q5_K against N vectors: eight sub-blocks of 32 with 6-bit scales and minimums; the
    /// minimums meet the activation's 16-element sums. The weights are unpacked once for all N.
    @inline(__always)
    static func q45K<let N: Int>(_ row: UnsafeRawPointer, _ v: InlineArray<N, VectorView>, blocks: Int, fifthBit: Bool)
        -> InlineArray<N, Float> {
        let blockBytes = fifthBit ? 176 : 144
        let mask = SIMD16<UInt16>(repeating: 0x0F), one = SIMD16<UInt16>(repeating: 1)
        var total = InlineArray<N, SIMD8<Float>>(repeating: .zero)
        var minimums = InlineArray<N, Float>(repeating: 0)
        for b in 0..<blocks {
            let block = row + b &* blockBytes
            let scales = block + 4
            let qh = block + 16
            let qs = block + (fifthBit ? 48 : 16)
            var acc = InlineArray<N, SIMD8<Int32>>(repeating: .zero)
            // The minimums' integer sums, held in floats: every term and partial sum is an integer
            // below 2^21 (6-bit minimums times sums of 32 quants), so float arithmetic is exact and
            // gives ggml's integer result, without Swift's checked float-to-integer conversions.
            var mins = InlineArray<N, Float>(repeating: 0)
            // The fifth bits: bit k of byte j belongs to element j of sub-block k. As 16-bit lanes,
            // lane m holds bytes 2m (an even element) and 2m + 1 (an odd one), the split order.
            let h = fifthBit ? qh.loadUnaligned(as: SIMD16<UInt16>.self) : SIMD16<UInt16>()
            for group in 0..<4 {
                // Sub-block 2·group in the low nibbles of 32 bytes, 2·group + 1 in the high ones.
                let q = (qs + group * 32).loadUnaligned(as: SIMD16<UInt16>.self)
                var lowEven = q & mask, lowOdd = (q &>> 8) & mask
                var highEven = (q &>> 4) & mask, highOdd = q &>> 12
                if fifthBit {
                    let lo = UInt16(2 * group), hi = UInt16(2 * group + 1)
                    lowEven |= ((h &>> lo) & one) &<< 4; lowOdd |= ((h &>> (lo + 8)) & one) &<< 4
                    highEven |= ((h &>> hi) & one) &<< 4; highOdd |= ((h &>> (hi + 8)) & one) &<< 4
                }
                let low = (even: lanes(lowEven), odd: lanes(lowOdd)), high = (even: lanes(highEven), odd: lanes(highOdd))
                let (sc1, m1) = Dequantize.scaleMin(group * 2, scales)
                let (sc2, m2) = Dequantize.scaleMin(group * 2 + 1, scales)
                let s1 = SIMD8<Int32>(repeating: Int32(sc1)), s2 = SIMD8<Int32>(repeating: Int32(sc2))
                for i in 0..<N {
                    let a = v[i].split + b &* 256 + group * 64
                    acc[i] &+= pairSums(products(low, a)) &* s1
                    acc[i] &+= pairSums(products(high, a + 32)) &* s2
                    let s = v[i].sums + b &* 16 + group * 4
                    mins[i] += Float(m1) * (s[0] + s[1]) + Float(m2) * (s[2] + s[3])
                }
            }
            let halves = Dequantize.halves(block), d = halves[0], dmin = halves[1]
            for i in 0..<N {
                let da = v[i].scales[b]
                total[i] = total[i].addingProduct(SIMD8<Float>(repeating: d * da), SIMD8<Float>(acc[i]))
                minimums[i] = minimums[i].addingProduct(dmin * da, mins[i])
            }
        }
        var out = InlineArray<N, Float>(repeating: 0)
        for i in 0..<N { out[i] = horizontalSum(total[i].lowHalf, total[i].highHalf) - minimums[i] }
        return out
    }

    /// Q6_K (210-byte blocks) against N vectors: sixteen sub-blocks of 16 with signed 8-bit scales;
    /// each half of 128 elements takes its low four bits from 64 bytes of `ql` and its top two from
    /// 32 bytes of `qh`.
    @inline(__always)
    static func q6K<let N: Int>(_ row: UnsafeRawPointer, _ v: InlineArray<N, VectorView>, blocks: Int) -> InlineArray<N, Float> {
        let mask = SIMD16<UInt16>(repeating: 0x0F), three = SIMD16<UInt16>(repeating: 3)
        let bias = SIMD16<Int16>(repeating: 32)
        var total = InlineArray<N, SIMD8<Float>>(repeating: .zero)
        for b in 0..<blocks {
            let block = row + b &* 210
            var acc = InlineArray<N, SIMD8<Int32>>(repeating: .zero)
            for half in 0..<2 {
                let ql = block + half * 64, qh = block + 128 + half * 32, sc = block + 192 + half * 8
                let h = qh.loadUnaligned(as: SIMD16<UInt16>.self)
                for part in 0..<4 {
                    // Part p covers elements 32p...32p+31 of the half: low nibbles of ql[0..<32]
                    // (p = 0) or ql[32..<64] (p = 1), then their high nibbles (p = 2, 3); top bits
                    // from bits 2p and 2p+1 of qh.
                    let source = ql + (part & 1) * 32
                    let q = source.loadUnaligned(as: SIMD16<UInt16>.self)
                    let ns = UInt16(part >> 1) * 4, hs = UInt16(2 * part)
                    let w = (even: lanes(((q &>> ns) & mask) | (((h &>> hs) & three) &<< 4)) &- bias,
                             odd: lanes(((q &>> (ns + 8)) & mask) | (((h &>> (hs + 8)) & three) &<< 4)) &- bias)
                    let s0 = Int32(sc.load(fromByteOffset: part * 2, as: Int8.self))
                    let s1 = Int32(sc.load(fromByteOffset: part * 2 + 1, as: Int8.self))
                    let scale = SIMD8<Int32>(s0, s0, s0, s0, s1, s1, s1, s1)
                    for i in 0..<N {
                        acc[i] &+= pairSums(products(w, v[i].split + b &* 256 + half * 128 + part * 32)) &* scale
                    }
                }
            }
            addSuperBlock(&total, acc, d: Dequantize.half(block, 208), v, b)
        }
        return reduced(total)
    }
}
