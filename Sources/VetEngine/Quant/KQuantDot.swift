import VetGGUF
import VetSIMD

/// Dot products of K-quant weight rows (256-element super-blocks) with a Q8_K activation.
///
/// Each sub-block's weights, unpacked to 32 bytes (`ByteWeights`), meet the activation's quants in
/// one `vpmaddubsw`; the 16-bit pair sums are multiplied by the sub-block's integer scale and
/// summed pairwise into 32-bit lanes in one `vpmaddwd`, and accumulated in integers for the whole
/// super-block, which is then converted and scaled once; this is the order of ggml's AVX2
/// kernels, so no rounding is added beyond one float conversion per super-block.
extension DotProduct {
    /// Eight 32-bit lanes, lane k = scale[2k] · products[2k] + scale[2k+1] · products[2k+1].
    @inline(__always)
    static func scaledPairSums(_ products: SIMD16<Int16>, _ scale: SIMD16<Int16>) -> SIMD8<Int32> {
        multiplyAddPairs(products, scale)
    }

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

    /// IQ4_XS against N vectors: eight sub-blocks of 32 table-looked-up levels (`iq4Levels`) with
    /// signed 6-bit scales, integer sums per super-block as for Q4_K.
    @inline(__always)
    static func iq4XS<let N: Int>(_ row: UnsafeRawPointer, _ v: InlineArray<N, VectorView>, blocks: Int) -> InlineArray<N, Float> {
        var total = InlineArray<N, SIMD8<Float>>(repeating: .zero)
        for b in 0..<blocks {
            let block = row + b &* 136
            var acc = InlineArray<N, SIMD8<Int32>>(repeating: .zero)
            for sub in 0..<8 {
                let w = iq4Levels(block + 8 + sub * 16)
                let scale = SIMD16<Int16>(repeating: Int16(truncatingIfNeeded: Dequantize.iq4xsScale(block, sub)))
                for i in 0..<N { acc[i] &+= scaledPairSums(w.products(v[i].quants + b &* 256 + sub * 32), scale) }
            }
            addSuperBlock(&total, acc, d: Dequantize.halves(block)[0], v, b)
        }
        return reduced(total)
    }

    /// The types `kQuants4` handles.
    static func handlesFour(_ type: GGMLType) -> Bool { [.q4_K, .q5_K, .q6_K, .iq4_xs].contains(type) }

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
        let mask = Words(everyByte: 0x0F), one = Words(everyByte: 1)
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
            // The fifth bits: bit k of byte j belongs to element j of sub-block k. Shifted down
            // by two per group, bits 0 and 1 are the current pair of sub-blocks'.
            var h = fifthBit ? qh.loadUnaligned(as: Words.self) : Words()
            for group in 0..<4 {
                // Sub-block 2·group in the low nibbles of 32 bytes, 2·group + 1 in the high ones.
                let q = (qs + group * 32).loadUnaligned(as: Words.self)
                var low = q & mask, high = (q &>> 4) & mask
                if fifthBit {
                    low |= (h & one) &<< 4
                    high |= ((h &>> 1) & one) &<< 4
                    h = h &>> 2
                }
                let lowWeights = ByteWeights(unsigned: low.bytes), highWeights = ByteWeights(unsigned: high.bytes)
                let (sc1, m1) = Dequantize.scaleMin(group * 2, scales)
                let (sc2, m2) = Dequantize.scaleMin(group * 2 + 1, scales)
                let s1 = SIMD16<Int16>(repeating: Int16(sc1)), s2 = SIMD16<Int16>(repeating: Int16(sc2))
                for i in 0..<N {
                    let a = v[i].quants + b &* 256 + group * 64
                    acc[i] &+= scaledPairSums(lowWeights.products(a), s1)
                    acc[i] &+= scaledPairSums(highWeights.products(a + 32), s2)
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
        let mask = Words(everyByte: 0x0F), three = Words(everyByte: 3)
        let bias = SIMD32<Int8>(repeating: 32)
        var total = InlineArray<N, SIMD8<Float>>(repeating: .zero)
        for b in 0..<blocks {
            let block = row + b &* 210
            var acc = InlineArray<N, SIMD8<Int32>>(repeating: .zero)
            for half in 0..<2 {
                let ql = block + half * 64, qh = block + 128 + half * 32, sc = block + 192 + half * 8
                let h = qh.loadUnaligned(as: Words.self)
                for part in 0..<4 {
                    // Part p covers elements 32p...32p+31 of the half: low nibbles of ql[0..<32]
                    // (p = 0) or ql[32..<64] (p = 1), then their high nibbles (p = 2, 3); top bits
                    // from bits 2p and 2p+1 of qh.
                    let q = (ql + (part & 1) * 32).loadUnaligned(as: Words.self)
                    let ns = UInt32(part >> 1) * 4, hs = UInt32(2 * part)
                    let unsigned = ((q &>> ns) & mask) | (((h &>> hs) & three) &<< 4)
                    let w = ByteWeights(signed: unsigned.signedBytes &- bias)
                    // Sub-blocks of 16: the first eight 16-bit lanes take one scale, the next eight the other.
                    let s0 = Int16(sc.load(fromByteOffset: part * 2, as: Int8.self))
                    let s1 = Int16(sc.load(fromByteOffset: part * 2 + 1, as: Int8.self))
                    let scale = SIMD16<Int16>(lowHalf: SIMD8(repeating: s0), highHalf: SIMD8(repeating: s1))
                    for i in 0..<N {
                        acc[i] &+= scaledPairSums(w.products(v[i].quants + b &* 256 + half * 128 + part * 32), scale)
                    }
                }
            }
            addSuperBlock(&total, acc, d: Dequantize.half(block, 208), v, b)
        }
        return reduced(total)
    }
}
