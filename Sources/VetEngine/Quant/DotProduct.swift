import VetGGUF

/// Raw pointers into a `QuantizedVector`, valid while the vector is not mutated; kernels take this
/// so that the inner loops see plain pointers.
struct VectorView {
    var quants: UnsafePointer<Int8>
    /// `QuantizedVector.split`.
    var split: UnsafePointer<Int16>
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
        case .q4_K, .q5_K: return q45K(row, vector, blocks: count / 256, fifthBit: type == .q5_K)
        case .q6_K: return q6K(row, vector, blocks: count / 256)
        case .f32: return f32(row.assumingMemoryBound(to: Float.self), vector.floats, count: count)
        case .f16: return f16(row, vector.floats, count: count)
        case .bf16: return bf16(row, vector.floats, count: count)
        default: return .nan
        }
    }

    // The kernels below keep everything in SIMD registers using operations that compile to single
    // instructions (16-bit multiplies and adds, shifts, masks, bit casts between vectors of the same
    // size, and the integer-to-float conversion, which is inlined once specialised here): bytes are
    // read as 16-bit lanes and split into their even and odd bytes by shifts; 16-bit products are
    // summed pairwise into 32-bit lanes, converted to floats and scaled per block in one vector, and
    // the row is reduced once at the end.

    /// Even and odd signed bytes of 16 bytes at `p`, as 16-bit lanes.
    @inline(__always)
    static func signedBytes(_ p: UnsafeRawPointer) -> (even: SIMD8<Int16>, odd: SIMD8<Int16>) {
        let x = p.loadUnaligned(as: SIMD8<Int16>.self)
        return ((x &<< 8) &>> 8, x &>> 8)
    }

    /// The four nibble groups of a Q4 block's 16 bytes, as 16-bit lanes matching `signedBytes`'
    /// even/odd split: low nibbles of even and odd bytes (elements 0-15), high nibbles (16-31).
    @inline(__always)
    static func nibbles(_ p: UnsafeRawPointer) -> (SIMD8<Int16>, SIMD8<Int16>, SIMD8<Int16>, SIMD8<Int16>) {
        let q = p.loadUnaligned(as: SIMD8<UInt16>.self)
        let mask = SIMD8<UInt16>(repeating: 0x000F)
        return (unsafeBitCast(q & mask, to: SIMD8<Int16>.self), unsafeBitCast((q &>> 8) & mask, to: SIMD8<Int16>.self),
                unsafeBitCast((q &>> 4) & mask, to: SIMD8<Int16>.self), unsafeBitCast(q &>> 12, to: SIMD8<Int16>.self))
    }

    // The 32-element block kernels follow the lane structure of ggml's AVX2 kernels, so their
    // floating-point rounding is the same: eight lanes, lane k holding the integer sum of elements
    // 4k...4k+3 of each block, accumulated as acc[k] = fma(d_w * d_a, lane_k, acc[k]); the lanes are
    // added as ggml's hsum_float_8 adds them, and Q4_1/Q5_1's minimum terms by a fused
    // multiply-add chain. `lo` holds lanes 0-3 (elements 0-15), `hi` lanes 4-7.

    /// acc[k] = fma(scale, Σ of 16-bit lanes 2k and 2k+1 of `products`, acc[k]): the pair sums, the
    /// conversion and the fused multiply-add each one 256-bit instruction on x86-64-v3.
    @inline(__always)
    static func accumulate(_ acc: inout SIMD8<Float>, _ scale: Float, _ products: SIMD16<Int16>) {
        let wide = unsafeBitCast(products, to: SIMD8<Int32>.self)
        let sums = ((wide &<< 16) &>> 16) &+ (wide &>> 16)
        acc = acc.addingProduct(SIMD8<Float>(repeating: scale), SIMD8<Float>(sums))
    }

    /// The 16-bit products of a Q4 block (values 0-15 minus `offset`) with its pre-split
    /// activations, paired so that `accumulate` gives lanes 0-3 for elements 0-15 and 4-7 for 16-31.
    @inline(__always)
    static func q4Products(_ qs: UnsafeRawPointer, _ a: UnsafePointer<Int16>, offset: Int16) -> SIMD16<Int16> {
        var (w0, w1, w2, w3) = nibbles(qs)
        if offset != 0 { w0 &-= offset; w1 &-= offset; w2 &-= offset; w3 &-= offset }
        let raw = UnsafeRawPointer(a)
        let a0 = raw.loadUnaligned(as: SIMD8<Int16>.self), a1 = raw.loadUnaligned(fromByteOffset: 16, as: SIMD8<Int16>.self)
        let a2 = raw.loadUnaligned(fromByteOffset: 32, as: SIMD8<Int16>.self), a3 = raw.loadUnaligned(fromByteOffset: 48, as: SIMD8<Int16>.self)
        // Each 16-bit lane sums two products of at most 15 * 127 (or 8 * 127).
        return SIMD16<Int16>(lowHalf: w0 &* a0 &+ w1 &* a1, highHalf: w2 &* a2 &+ w3 &* a3)
    }

    /// ggml's hsum_float_8 over lanes lo = 0-3 and hi = 4-7.
    @inline(__always)
    static func horizontalSum(_ lo: SIMD4<Float>, _ hi: SIMD4<Float>) -> Float {
        let r = hi + lo
        return (r[0] + r[2]) + (r[1] + r[3])
    }

    static func q4_0(_ row: UnsafeRawPointer, _ v: VectorView, blocks: Int) -> Float {
        var acc = SIMD8<Float>()
        for b in 0..<blocks {
            let block = row + b * 18
            accumulate(&acc, Dequantize.half(block, 0) * v.scales[b], q4Products(block + 2, v.split + b * 32, offset: 8))
        }
        return horizontalSum(acc.lowHalf, acc.highHalf)
    }

    static func q4_1(_ row: UnsafeRawPointer, _ v: VectorView, blocks: Int) -> Float {
        var acc = SIMD8<Float>()
        var minimums: Float = 0
        for b in 0..<blocks {
            let block = row + b * 20
            minimums = minimums.addingProduct(Dequantize.half(block, 2), v.sums[b])
            accumulate(&acc, Dequantize.half(block, 0) * v.scales[b], q4Products(block + 4, v.split + b * 32, offset: 0))
        }
        return horizontalSum(acc.lowHalf, acc.highHalf) + minimums
    }

    /// Q4_1 row against four vectors at once: the weights are unpacked and their scales converted
    /// once per block for all four; each vector's arithmetic is exactly that of `q4_1`.
    static func q4_1x4(_ row: UnsafeRawPointer, _ v: (VectorView, VectorView, VectorView, VectorView), blocks: Int)
        -> (Float, Float, Float, Float) {
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>(), acc2 = SIMD8<Float>(), acc3 = SIMD8<Float>()
        var m0: Float = 0, m1: Float = 0, m2: Float = 0, m3: Float = 0
        @inline(__always)
        func products(_ w: (SIMD8<Int16>, SIMD8<Int16>, SIMD8<Int16>, SIMD8<Int16>), _ a: UnsafePointer<Int16>) -> SIMD16<Int16> {
            let raw = UnsafeRawPointer(a)
            let a0 = raw.loadUnaligned(as: SIMD8<Int16>.self), a1 = raw.loadUnaligned(fromByteOffset: 16, as: SIMD8<Int16>.self)
            let a2 = raw.loadUnaligned(fromByteOffset: 32, as: SIMD8<Int16>.self), a3 = raw.loadUnaligned(fromByteOffset: 48, as: SIMD8<Int16>.self)
            return SIMD16<Int16>(lowHalf: w.0 &* a0 &+ w.1 &* a1, highHalf: w.2 &* a2 &+ w.3 &* a3)
        }
        for b in 0..<blocks {
            let block = row + b * 20
            let d = Dequantize.half(block, 0), m = Dequantize.half(block, 2)
            let w = nibbles(block + 4)
            m0 = m0.addingProduct(m, v.0.sums[b]); m1 = m1.addingProduct(m, v.1.sums[b])
            m2 = m2.addingProduct(m, v.2.sums[b]); m3 = m3.addingProduct(m, v.3.sums[b])
            accumulate(&acc0, d * v.0.scales[b], products(w, v.0.split + b * 32))
            accumulate(&acc1, d * v.1.scales[b], products(w, v.1.split + b * 32))
            accumulate(&acc2, d * v.2.scales[b], products(w, v.2.split + b * 32))
            accumulate(&acc3, d * v.3.scales[b], products(w, v.3.split + b * 32))
        }
        return (horizontalSum(acc0.lowHalf, acc0.highHalf) + m0, horizontalSum(acc1.lowHalf, acc1.highHalf) + m1,
                horizontalSum(acc2.lowHalf, acc2.highHalf) + m2, horizontalSum(acc3.lowHalf, acc3.highHalf) + m3)
    }

    static func q8_0(_ row: UnsafeRawPointer, _ v: VectorView, blocks: Int) -> Float {
        var acc = SIMD8<Float>()
        for b in 0..<blocks {
            let block = row + b * 34
            let a = UnsafeRawPointer(v.split + b * 32)
            let w0 = signedBytes(block + 2), w1 = signedBytes(block + 18)
            let a0 = a.loadUnaligned(as: SIMD8<Int16>.self), a1 = a.loadUnaligned(fromByteOffset: 16, as: SIMD8<Int16>.self)
            let a2 = a.loadUnaligned(fromByteOffset: 32, as: SIMD8<Int16>.self), a3 = a.loadUnaligned(fromByteOffset: 48, as: SIMD8<Int16>.self)
            // Two products of at most 128 * 127 fit 16 bits.
            accumulate(&acc, Dequantize.half(block, 0) * v.scales[b],
                       SIMD16<Int16>(lowHalf: w0.even &* a0 &+ w0.odd &* a1, highHalf: w1.even &* a2 &+ w1.odd &* a3))
        }
        return horizontalSum(acc.lowHalf, acc.highHalf)
    }

    static func q5(_ row: UnsafeRawPointer, _ v: VectorView, blocks: Int, withMinimum: Bool) -> Float {
        let blockBytes = withMinimum ? 24 : 22
        let highOffset = withMinimum ? 4 : 2
        var acc = SIMD8<Float>()
        var minimums: Float = 0
        // Bit j of the 32-bit mask is element j's fifth bit; lanes follow the even/odd split.
        let evenBits = SIMD8<UInt32>(0, 2, 4, 6, 8, 10, 12, 14), oddBits = evenBits &+ 1
        for b in 0..<blocks {
            let block = row + b * blockBytes
            if withMinimum { minimums = minimums.addingProduct(Dequantize.half(block, 2), v.sums[b]) }
            let high = SIMD8<UInt32>(repeating: block.loadUnaligned(fromByteOffset: highOffset, as: UInt32.self).littleEndian)
            var (w0, w1, w2, w3) = nibbles(block + highOffset + 4)
            w0 |= SIMD8<Int16>(truncatingIfNeeded: (high &>> evenBits) & 1) &<< 4
            w1 |= SIMD8<Int16>(truncatingIfNeeded: (high &>> oddBits) & 1) &<< 4
            w2 |= SIMD8<Int16>(truncatingIfNeeded: (high &>> (evenBits &+ 16)) & 1) &<< 4
            w3 |= SIMD8<Int16>(truncatingIfNeeded: (high &>> (oddBits &+ 16)) & 1) &<< 4
            if !withMinimum { w0 &-= 16; w1 &-= 16; w2 &-= 16; w3 &-= 16 }
            let a = UnsafeRawPointer(v.split + b * 32)
            let a0 = a.loadUnaligned(as: SIMD8<Int16>.self), a1 = a.loadUnaligned(fromByteOffset: 16, as: SIMD8<Int16>.self)
            let a2 = a.loadUnaligned(fromByteOffset: 32, as: SIMD8<Int16>.self), a3 = a.loadUnaligned(fromByteOffset: 48, as: SIMD8<Int16>.self)
            accumulate(&acc, Dequantize.half(block, 0) * v.scales[b], SIMD16<Int16>(lowHalf: w0 &* a0 &+ w1 &* a1, highHalf: w2 &* a2 &+ w3 &* a3))
        }
        return horizontalSum(acc.lowHalf, acc.highHalf) + minimums
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
