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

    // The kernels below keep everything in SIMD registers using operations that compile to single
    // instructions (16-bit multiplies and adds, shifts, masks, bit casts between vectors of the same
    // size, and the integer-to-float conversion, which is inlined once specialised here): bytes are
    // read as 16-bit lanes and split into their even and odd bytes by shifts; 16-bit products are
    // summed pairwise into 32-bit lanes, converted to floats and scaled per block in one vector, and
    // the row is reduced once at the end.

    /// The even and odd signed bytes of 32 bytes at `p`, as 16-bit lanes: the split order of
    /// `QuantizedVector.split` for a block of 32 one-byte quants.
    @inline(__always)
    static func signedBytes(_ p: UnsafeRawPointer) -> SplitLanes {
        let x = p.loadUnaligned(as: SIMD16<Int16>.self)
        return ((x &<< 8) &>> 8, x &>> 8)
    }

    /// A 32-element block of nibbles (element j < 16 the low nibble of byte j, element 16 + j its
    /// high nibble) in split order: lanes 0-7 of `even` are the low nibbles of the even bytes,
    /// lanes 8-15 their high nibbles; `odd` the same for the odd bytes.
    @inline(__always)
    static func nibbles(_ p: UnsafeRawPointer) -> SplitLanes {
        // The 16 bytes in both halves of a 256-bit register, the upper half shifted down by four
        // (one variable 32-bit shift: bits crossing into a lane's neighbour are masked off).
        let q = p.loadUnaligned(as: SIMD8<UInt16>.self)
        let doubled = unsafeBitCast(SIMD16<UInt16>(lowHalf: q, highHalf: q), to: SIMD8<UInt32>.self)
        let both = unsafeBitCast(doubled &>> SIMD8<UInt32>(0, 0, 0, 0, 4, 4, 4, 4), to: SIMD16<UInt16>.self)
        let mask = SIMD16<UInt16>(repeating: 0x000F)
        return (unsafeBitCast(both & mask, to: SIMD16<Int16>.self), unsafeBitCast((both &>> 8) & mask, to: SIMD16<Int16>.self))
    }

    /// The 16-bit products of 32 weights in split order with 32 activation quants in split order,
    /// each lane the sum of two (lane k < 8: elements 2k and 2k+1; lane 8 + k: 16 + 2k and 17 + 2k):
    /// two 256-bit multiplies and an add.
    @inline(__always)
    static func products(_ w: SplitLanes, _ a: UnsafePointer<Int16>) -> SIMD16<Int16> {
        let raw = UnsafeRawPointer(a)
        return w.even &* raw.loadUnaligned(as: SIMD16<Int16>.self) &+ w.odd &* raw.loadUnaligned(fromByteOffset: 32, as: SIMD16<Int16>.self)
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

    /// ggml's hsum_float_8 over lanes lo = 0-3 and hi = 4-7.
    @inline(__always)
    static func horizontalSum(_ lo: SIMD4<Float>, _ hi: SIMD4<Float>) -> Float {
        let r = hi + lo
        return (r[0] + r[2]) + (r[1] + r[3])
    }

    /// A row of 32-element blocks against one vector: per block, the unpacked weights meet the
    /// activation's split lanes (`products`), scaled by weight scale × activation scale.
    @inline(__always)
    static func blocks<F: Block32Format>(_: F.Type, _ row: UnsafeRawPointer, _ v: VectorView, blocks: Int) -> Float {
        var acc = SIMD8<Float>()
        var minimums: Float = 0
        for b in 0..<blocks {
            let block = row + b &* F.blockBytes
            if F.hasMinimum { minimums = minimums.addingProduct(F.minimum(block), v.sums[b]) }
            let w = F.unpack(block)
            accumulate(&acc, F.scale(block) * v.scales[b], products(w, v.split + b &* 32))
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
            accumulate(&acc0, d * v.0.scales[b], products(w, v.0.split + b &* 32))
            accumulate(&acc1, d * v.1.scales[b], products(w, v.1.split + b &* 32))
            accumulate(&acc2, d * v.2.scales[b], products(w, v.2.split + b &* 32))
            accumulate(&acc3, d * v.3.scales[b], products(w, v.3.split + b &* 32))
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
