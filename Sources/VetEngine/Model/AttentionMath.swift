/// Attention arithmetic in the order ggml's CPU backend performs it on an AVX-512 machine, so that
/// scores and weighted values round as llama.cpp's do. llama.cpp multiplies with one of two
/// routines: for a single token ggml_vec_dot_f16 (four accumulators of sixteen lanes over steps of
/// 64, combined pairwise), for a batch of tokens llamafile's tinyBLAS (one accumulator of sixteen
/// lanes, fused over steps of 16). Softmax sums are accumulated per 16-lane chunk in double.
enum AttentionMath {
    /// ggml's `_mm512_reduce_add_ps` as GCC implements it: halves, then quarters, then pairs.
    @inline(__always)
    static func reduce16(_ v: SIMD16<Float>) -> Float {
        let t3 = v.highHalf + v.lowHalf
        let t6 = t3.highHalf + t3.lowHalf
        return (t6[0] + t6[2]) + (t6[1] + t6[3])
    }

    /// Combines four accumulators as GGML_F32Cx16_REDUCE does, then reduces the lanes.
    @inline(__always)
    static func combine(_ s0: SIMD16<Float>, _ s1: SIMD16<Float>, _ s2: SIMD16<Float>, _ s3: SIMD16<Float>) -> Float {
        let x0 = s0 + s2, x1 = s1 + s3
        return reduce16(x0 + x1)
    }

    /// The dot product of `count` f16 keys with a query already rounded to f16 (as floats), as
    /// tinyBLAS (`batched`) or ggml_vec_dot_f16 computes it.
    static func dot(_ keys: UnsafePointer<Float16>, _ query: [Float], count: Int, batched: Bool) -> Float {
        query.withUnsafeBufferPointer { q in
            if batched && count % 16 == 0 {
                var acc = SIMD16<Float>()
                for step in 0..<(count / 16) {
                    var k = SIMD16<Float>()
                    for l in 0..<16 { k[l] = Dequantize.halfToFloat(keys[step * 16 + l].bitPattern) }
                    acc = acc.addingProduct(k, UnsafeRawPointer(q.baseAddress! + step * 16).loadUnaligned(as: SIMD16<Float>.self))
                }
                return reduce16(acc)
            }
            var s0 = SIMD16<Float>(), s1 = SIMD16<Float>(), s2 = SIMD16<Float>(), s3 = SIMD16<Float>()
            let steps = count / 64
            func load16(_ p: UnsafePointer<Float16>) -> SIMD16<Float> {
                var v = SIMD16<Float>()
                for l in 0..<16 { v[l] = Dequantize.halfToFloat(p[l].bitPattern) }
                return v
            }
            func loadFloats(_ p: UnsafePointer<Float>) -> SIMD16<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self) }
            for step in 0..<steps {
                let i = step * 64
                s0 = s0.addingProduct(load16(keys + i), loadFloats(q.baseAddress! + i))
                s1 = s1.addingProduct(load16(keys + i + 16), loadFloats(q.baseAddress! + i + 16))
                s2 = s2.addingProduct(load16(keys + i + 32), loadFloats(q.baseAddress! + i + 32))
                s3 = s3.addingProduct(load16(keys + i + 48), loadFloats(q.baseAddress! + i + 48))
            }
            var sum = Double(combine(s0, s1, s2, s3))
            for i in (steps * 64)..<count { sum += Double(Dequantize.halfToFloat(keys[i].bitPattern) * q[i]) }
            return Float(sum)
        }
    }

    /// Replaces `scores[0..<count]` by exp(score - maximum) and returns their sum, accumulated
    /// per 16-lane chunk in double as ggml_vec_soft_max_f32 does.
    static func softmax(_ scores: inout [Float], count: Int, maximum: Float) -> Double {
        var sum: Double = 0
        var start = 0
        while start < count {
            var chunk = SIMD16<Float>()
            for l in 0..<16 where start + l < count {
                let e = GGMLMath.exp(scores[start + l] - maximum)
                scores[start + l] = e
                chunk[l] = e
            }
            sum += Double(reduce16(chunk))
            start += 16
        }
        return sum
    }

    /// out[i] = Σ_p weights[p] · values[p][i], accumulated over positions as the dot routines do:
    /// position p goes to lane p % 16 of accumulator (p / 16) % 4 (ggml_vec_dot_f16) or of the single
    /// accumulator (tinyBLAS, `batched`), in position order.
    static func weightedSum(_ values: UnsafePointer<Float16>, _ weights: [Float], positions: Int, offset: (Int) -> Int, width: Int,
                            batched: Bool, slots: inout [Float], into out: inout [Float], at start: Int) {
        if batched {
            for i in 0..<(16 * width) { slots[i] = 0 }
            slots.withUnsafeMutableBufferPointer { acc in
                for p in 0..<positions {
                    let w = weights[p]
                    let row = values + offset(p)
                    let slot = acc.baseAddress! + (p % 16) * width
                    for i in 0..<width { slot[i] = slot[i].addingProduct(Dequantize.halfToFloat(row[i].bitPattern), w) }
                }
                for i in 0..<width {
                    var s = SIMD16<Float>()
                    for l in 0..<16 { s[l] = acc[l * width + i] }
                    out[start + i] = reduce16(s)
                }
            }
            return
        }
        for i in 0..<(64 * width) { slots[i] = 0 }
        slots.withUnsafeMutableBufferPointer { acc in
            for p in 0..<positions {
                let w = weights[p]
                let row = values + offset(p)
                let slot = acc.baseAddress! + (p % 64) * width
                for i in 0..<width { slot[i] = slot[i].addingProduct(Dequantize.halfToFloat(row[i].bitPattern), w) }
            }
            for i in 0..<width {
                var s = [SIMD16<Float>](repeating: SIMD16<Float>(), count: 4)
                for j in 0..<4 { for l in 0..<16 { s[j][l] = acc[(j * 16 + l) * width + i] } }
                out[start + i] = combine(s[0], s[1], s[2], s[3])
            }
        }
    }
}
