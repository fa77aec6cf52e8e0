import VetFormats

/// Raw pointers into a `QuantizedVector`, valid while the vector is not mutated; kernels take this
/// so that the inner loops see plain pointers.
struct VectorView {
    var quants: UnsafePointer<Int8>
    var scales: UnsafePointer<Float>
    var sums: UnsafePointer<Float>
    var floats: UnsafePointer<Float>
}

extension QuantizedVector {
    /// Calls `body` with a view of this vector's storage.
    func withView<R>(_ body: (VectorView) throws -> R) rethrows -> R {
        try quants.withUnsafeBufferPointer { q in
            try scales.withUnsafeBufferPointer { s in
                try sums.withUnsafeBufferPointer { u in
                    try floats.withUnsafeBufferPointer { f in
                        // Empty arrays may have no base address; a dangling but never-read pointer is fine.
                        let fallbackInt = UnsafePointer<Int8>(bitPattern: 0x10)!
                        let fallbackFloat = UnsafePointer<Float>(bitPattern: 0x10)!
                        return try body(VectorView(quants: q.baseAddress ?? fallbackInt, scales: s.baseAddress ?? fallbackFloat,
                                                   sums: u.baseAddress ?? fallbackFloat, floats: f.baseAddress ?? fallbackFloat))
                    }
                }
            }
        }
    }
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

    // The block loops below are plain integer loops over pointers: LLVM vectorises them (pmaddwd
    // and friends) for whatever instruction set the module is compiled for, which the SIMD types'
    // generic conversions do not reliably get.

    static func q4_0(_ row: UnsafeRawPointer, _ v: VectorView, blocks: Int) -> Float {
        var acc: Float = 0
        for b in 0..<blocks {
            let block = row + b * 18
            let qs = (block + 2).assumingMemoryBound(to: UInt8.self)
            let a = v.quants + b * 32
            var sumi: Int32 = 0
            for j in 0..<16 {
                let q = qs[j]
                sumi &+= (Int32(q & 0x0F) &- 8) &* Int32(a[j]) &+ (Int32(q >> 4) &- 8) &* Int32(a[j + 16])
            }
            acc += Dequantize.half(block, 0) * v.scales[b] * Float(sumi)
        }
        return acc
    }

    static func q4_1(_ row: UnsafeRawPointer, _ v: VectorView, blocks: Int) -> Float {
        var acc: Float = 0, minimums: Float = 0
        for b in 0..<blocks {
            let block = row + b * 20
            let qs = (block + 4).assumingMemoryBound(to: UInt8.self)
            let a = v.quants + b * 32
            var sumi: Int32 = 0
            for j in 0..<16 {
                let q = qs[j]
                sumi &+= Int32(q & 0x0F) &* Int32(a[j]) &+ Int32(q >> 4) &* Int32(a[j + 16])
            }
            acc += Dequantize.half(block, 0) * v.scales[b] * Float(sumi)
            minimums += Dequantize.half(block, 2) * v.sums[b]
        }
        return acc + minimums
    }

    static func q5(_ row: UnsafeRawPointer, _ v: VectorView, blocks: Int, withMinimum: Bool) -> Float {
        let blockBytes = withMinimum ? 24 : 22
        let highOffset = withMinimum ? 4 : 2
        let offset: Int32 = withMinimum ? 0 : 16
        var acc: Float = 0, minimums: Float = 0
        for b in 0..<blocks {
            let block = row + b * blockBytes
            let high = block.loadUnaligned(fromByteOffset: highOffset, as: UInt32.self).littleEndian
            let qs = (block + highOffset + 4).assumingMemoryBound(to: UInt8.self)
            let a = v.quants + b * 32
            var sumi: Int32 = 0
            for j in 0..<16 {
                let q = qs[j]
                let x0 = Int32(q & 0x0F) | Int32((high >> UInt32(j)) & 1) << 4
                let x1 = Int32(q >> 4) | Int32((high >> UInt32(j + 16)) & 1) << 4
                sumi &+= (x0 &- offset) &* Int32(a[j]) &+ (x1 &- offset) &* Int32(a[j + 16])
            }
            acc += Dequantize.half(block, 0) * v.scales[b] * Float(sumi)
            if withMinimum { minimums += Dequantize.half(block, 2) * v.sums[b] }
        }
        return acc + minimums
    }

    static func q8_0(_ row: UnsafeRawPointer, _ v: VectorView, blocks: Int) -> Float {
        var acc: Float = 0
        for b in 0..<blocks {
            let block = row + b * 34
            let w = (block + 2).assumingMemoryBound(to: Int8.self)
            let a = v.quants + b * 32
            var sumi: Int32 = 0
            for j in 0..<32 { sumi &+= Int32(w[j]) &* Int32(a[j]) }
            acc += Dequantize.half(block, 0) * v.scales[b] * Float(sumi)
        }
        return acc
    }

    static func q45K(_ row: UnsafeRawPointer, _ v: VectorView, blocks: Int, fifthBit: Bool) -> Float {
        let blockBytes = fifthBit ? 176 : 144
        var total: Float = 0
        for b in 0..<blocks {
            let block = row + b * blockBytes
            let scales = block + 4
            let qh = block + 16
            let ql = block + (fifthBit ? 48 : 16)
            let a = v.quants + b * 256
            var sumScaled: Int32 = 0, sumMinimums: Int32 = 0
            for group in 0..<4 {
                let packed = ql.loadUnaligned(fromByteOffset: group * 32, as: SIMD32<UInt8>.self)
                var lo = SIMD32<Int16>(truncatingIfNeeded: packed & 0x0F)
                var hi = SIMD32<Int16>(truncatingIfNeeded: packed &>> 4)
                if fifthBit {
                    let h = SIMD32<Int16>(truncatingIfNeeded: qh.loadUnaligned(as: SIMD32<UInt8>.self))
                    lo |= ((h &>> Int16(2 * group)) & 1) &<< 4
                    hi |= ((h &>> Int16(2 * group + 1)) & 1) &<< 4
                }
                let a0 = SIMD32<Int16>(truncatingIfNeeded: UnsafeRawPointer(a + group * 64).loadUnaligned(as: SIMD32<Int8>.self))
                let a1 = SIMD32<Int16>(truncatingIfNeeded: UnsafeRawPointer(a + group * 64 + 32).loadUnaligned(as: SIMD32<Int8>.self))
                let (sc1, m1) = Dequantize.scaleMin(group * 2, scales)
                let (sc2, m2) = Dequantize.scaleMin(group * 2 + 1, scales)
                sumScaled &+= Int32(sc1) &* SIMD32<Int32>(truncatingIfNeeded: lo &* a0).wrappedSum()
                sumScaled &+= Int32(sc2) &* SIMD32<Int32>(truncatingIfNeeded: hi &* a1).wrappedSum()
                let s = v.sums + b * 16 + group * 4
                sumMinimums &+= Int32(m1) &* Int32(s[0] + s[1]) &+ Int32(m2) &* Int32(s[2] + s[3])
            }
            let da = v.scales[b]
            total += Dequantize.half(block, 0) * da * Float(sumScaled)
            total -= Dequantize.half(block, 2) * da * Float(sumMinimums)
        }
        return total
    }

    static func q6K(_ row: UnsafeRawPointer, _ v: VectorView, blocks: Int) -> Float {
        var total: Float = 0
        for b in 0..<blocks {
            let block = row + b * 210
            let a = v.quants + b * 256
            var sumi: Int32 = 0
            for half in 0..<2 {
                let ql = block + half * 64, qh = block + 128 + half * 32, sc = block + 192 + half * 8
                let low0 = ql.loadUnaligned(as: SIMD32<UInt8>.self)
                let low1 = ql.loadUnaligned(fromByteOffset: 32, as: SIMD32<UInt8>.self)
                let h = qh.loadUnaligned(as: SIMD32<UInt8>.self)
                let parts: [SIMD32<UInt8>] = [low0 & 0x0F | (h & 3) &<< 4, low1 & 0x0F | (h &>> 2 & 3) &<< 4,
                                              low0 &>> 4 | (h &>> 4 & 3) &<< 4, low1 &>> 4 | (h &>> 6 & 3) &<< 4]
                for (p, q) in parts.enumerated() {
                    let w = SIMD32<Int16>(truncatingIfNeeded: q) &- 32
                    let x = SIMD32<Int16>(truncatingIfNeeded: UnsafeRawPointer(a + half * 128 + p * 32).loadUnaligned(as: SIMD32<Int8>.self))
                    let products = SIMD32<Int32>(truncatingIfNeeded: w &* x)
                    let s0 = Int32(sc.load(fromByteOffset: p * 2, as: Int8.self))
                    let s1 = Int32(sc.load(fromByteOffset: p * 2 + 1, as: Int8.self))
                    let first = products.lowHalf.wrappedSum(), second = products.highHalf.wrappedSum()
                    sumi &+= s0 &* first &+ s1 &* second
                }
            }
            total += Dequantize.half(block, 208) * v.scales[b] * Float(sumi)
        }
        return total
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
