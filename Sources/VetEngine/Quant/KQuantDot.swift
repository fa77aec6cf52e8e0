import VetGGUF

/// Dot products of K-quant weight rows (256-element super-blocks) with a Q8_K activation.
///
/// The activation's pre-split 16-bit quants (`VectorView.split`, per 32 elements the even then
/// odd elements of 0-15, then of 16-31) meet the weights unpacked into the same four 8-lane
/// vectors, so every multiply is one 16-bit vector instruction. Products of a sub-block are summed
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

    /// The 16-bit products of 32 unpacked weights (even/odd split) with 32 pre-split activations.
    @inline(__always)
    static func splitProducts(_ w0: SIMD8<Int16>, _ w1: SIMD8<Int16>, _ w2: SIMD8<Int16>, _ w3: SIMD8<Int16>,
                              _ a: UnsafePointer<Int16>) -> SIMD16<Int16> {
        let raw = UnsafeRawPointer(a)
        let a0 = raw.loadUnaligned(as: SIMD8<Int16>.self), a1 = raw.loadUnaligned(fromByteOffset: 16, as: SIMD8<Int16>.self)
        let a2 = raw.loadUnaligned(fromByteOffset: 32, as: SIMD8<Int16>.self), a3 = raw.loadUnaligned(fromByteOffset: 48, as: SIMD8<Int16>.self)
        return SIMD16<Int16>(lowHalf: w0 &* a0 &+ w1 &* a1, highHalf: w2 &* a2 &+ w3 &* a3)
    }

    @inline(__always)
    static func lanes(_ x: SIMD8<UInt16>) -> SIMD8<Int16> { unsafeBitCast(x, to: SIMD8<Int16>.self) }

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

    /// A K-quant row against four vectors at once; each result is bit for bit the single-vector one.
    @inline(never)
    static func kQuants4(_ type: GGMLType, _ row: UnsafeRawPointer, _ v: InlineArray<4, VectorView>, blocks: Int) -> InlineArray<4, Float> {
        switch type {
        case .q4_K: q45K(row, v, blocks: blocks, fifthBit: false)
        case .q5_K: q45K(row, v, blocks: blocks, fifthBit: true)
        default: q6K(row, v, blocks: blocks)
        }
    }

    /// Q4_K and Q5_K against N vectors: eight sub-blocks of 32 with 6-bit scales and minimums; the
    /// minimums meet the activation's 16-element sums. The weights are unpacked once for all N.
    @inline(__always)
    static func q45K<let N: Int>(_ row: UnsafeRawPointer, _ v: InlineArray<N, VectorView>, blocks: Int, fifthBit: Bool)
        -> InlineArray<N, Float> {
        let blockBytes = fifthBit ? 176 : 144
        let mask = SIMD8<UInt16>(repeating: 0x0F)
        var total = InlineArray<N, SIMD8<Float>>(repeating: .zero)
        var minimums = InlineArray<N, Float>(repeating: 0)
        for b in 0..<blocks {
            let block = row + b * blockBytes
            let scales = block + 4
            let qh = block + 16
            let qs = block + (fifthBit ? 48 : 16)
            var acc = InlineArray<N, SIMD8<Int32>>(repeating: .zero)
            var mins = InlineArray<N, Int32>(repeating: 0)
            // The fifth bits: bit k of byte j belongs to element j of sub-block k.
            let h0 = fifthBit ? qh.loadUnaligned(as: SIMD8<UInt16>.self) : SIMD8<UInt16>()
            let h1 = fifthBit ? qh.loadUnaligned(fromByteOffset: 16, as: SIMD8<UInt16>.self) : SIMD8<UInt16>()
            for group in 0..<4 {
                let q0 = (qs + group * 32).loadUnaligned(as: SIMD8<UInt16>.self)
                let q1 = (qs + group * 32).loadUnaligned(fromByteOffset: 16, as: SIMD8<UInt16>.self)
                var l0 = q0 & mask, l1 = (q0 &>> 8) & mask, l2 = q1 & mask, l3 = (q1 &>> 8) & mask
                var u0 = (q0 &>> 4) & mask, u1 = q0 &>> 12, u2 = (q1 &>> 4) & mask, u3 = q1 &>> 12
                if fifthBit {
                    let lo = UInt16(2 * group), hi = UInt16(2 * group + 1)
                    let one = SIMD8<UInt16>(repeating: 1)
                    l0 |= ((h0 &>> lo) & one) &<< 4; l1 |= ((h0 &>> (lo + 8)) & one) &<< 4
                    l2 |= ((h1 &>> lo) & one) &<< 4; l3 |= ((h1 &>> (lo + 8)) & one) &<< 4
                    u0 |= ((h0 &>> hi) & one) &<< 4; u1 |= ((h0 &>> (hi + 8)) & one) &<< 4
                    u2 |= ((h1 &>> hi) & one) &<< 4; u3 |= ((h1 &>> (hi + 8)) & one) &<< 4
                }
                let (sc1, m1) = Dequantize.scaleMin(group * 2, scales)
                let (sc2, m2) = Dequantize.scaleMin(group * 2 + 1, scales)
                let s1 = SIMD8<Int32>(repeating: Int32(sc1)), s2 = SIMD8<Int32>(repeating: Int32(sc2))
                for i in 0..<N {
                    let a = v[i].split + b * 256 + group * 64
                    let low = splitProducts(lanes(l0), lanes(l1), lanes(l2), lanes(l3), a)
                    let high = splitProducts(lanes(u0), lanes(u1), lanes(u2), lanes(u3), a + 32)
                    acc[i] &+= pairSums(low) &* s1
                    acc[i] &+= pairSums(high) &* s2
                    let s = v[i].sums + b * 16 + group * 4
                    mins[i] &+= Int32(m1) &* Int32(s[0] + s[1]) &+ Int32(m2) &* Int32(s[2] + s[3])
                }
            }
            let d = Dequantize.half(block, 0), dmin = Dequantize.half(block, 2)
            for i in 0..<N {
                let da = v[i].scales[b]
                total[i] = total[i].addingProduct(SIMD8<Float>(repeating: d * da), SIMD8<Float>(acc[i]))
                minimums[i] = minimums[i].addingProduct(dmin * da, Float(mins[i]))
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
        let mask = SIMD8<UInt16>(repeating: 0x0F), three = SIMD8<UInt16>(repeating: 3)
        let bias = SIMD8<Int16>(repeating: 32)
        var total = InlineArray<N, SIMD8<Float>>(repeating: .zero)
        for b in 0..<blocks {
            let block = row + b * 210
            var acc = InlineArray<N, SIMD8<Int32>>(repeating: .zero)
            for half in 0..<2 {
                let ql = block + half * 64, qh = block + 128 + half * 32, sc = block + 192 + half * 8
                let h0 = qh.loadUnaligned(as: SIMD8<UInt16>.self), h1 = qh.loadUnaligned(fromByteOffset: 16, as: SIMD8<UInt16>.self)
                for part in 0..<4 {
                    // Part p covers elements 32p...32p+31 of the half: low nibbles of ql[0..<32]
                    // (p = 0) or ql[32..<64] (p = 1), then their high nibbles (p = 2, 3); top bits
                    // from bits 2p and 2p+1 of qh.
                    let source = ql + (part & 1) * 32
                    let q0 = source.loadUnaligned(as: SIMD8<UInt16>.self), q1 = source.loadUnaligned(fromByteOffset: 16, as: SIMD8<UInt16>.self)
                    let ns = UInt16(part >> 1) * 4, hs = UInt16(2 * part)
                    let w0 = lanes(((q0 &>> ns) & mask) | (((h0 &>> hs) & three) &<< 4)) &- bias
                    let w1 = lanes(((q0 &>> (ns + 8)) & mask) | (((h0 &>> (hs + 8)) & three) &<< 4)) &- bias
                    let w2 = lanes(((q1 &>> ns) & mask) | (((h1 &>> hs) & three) &<< 4)) &- bias
                    let w3 = lanes(((q1 &>> (ns + 8)) & mask) | (((h1 &>> (hs + 8)) & three) &<< 4)) &- bias
                    let s0 = Int32(sc.load(fromByteOffset: part * 2, as: Int8.self))
                    let s1 = Int32(sc.load(fromByteOffset: part * 2 + 1, as: Int8.self))
                    let scale = SIMD8<Int32>(s0, s0, s0, s0, s1, s1, s1, s1)
                    for i in 0..<N {
                        let products = splitProducts(w0, w1, w2, w3, v[i].split + b * 256 + half * 128 + part * 32)
                        acc[i] &+= pairSums(products) &* scale
                    }
                }
            }
            let d = Dequantize.half(block, 208)
            for i in 0..<N {
                total[i] = total[i].addingProduct(SIMD8<Float>(repeating: d * v[i].scales[b]), SIMD8<Float>(acc[i]))
            }
        }
        var out = InlineArray<N, Float>(repeating: 0)
        for i in 0..<N { out[i] = horizontalSum(total[i].lowHalf, total[i].highHalf) }
        return out
    }
}
