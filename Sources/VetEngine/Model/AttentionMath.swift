/// Attention arithmetic in the order ggml's CPU backend performs it on an AVX-512 machine, so that
/// scores and weighted values round as llama.cpp's do. llama.cpp multiplies with one of two
/// routines: for a single token ggml_vec_dot_f16 (four accumulators of sixteen lanes over steps of
/// 64, combined pairwise), for a batch of tokens llamafile's tinyBLAS (one accumulator of sixteen
/// lanes, fused over steps of 16). Softmax sums are accumulated per 16-lane chunk in double.
/// Keys, values and queries arrive already rounded to f16 (stored as `Float`).
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

    @inline(__always)
    static func load16(_ p: UnsafePointer<Float>) -> SIMD16<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self) }

    /// The dot product of `count` keys with the query, as tinyBLAS (`batched`) or ggml_vec_dot_f16 computes it.
    @inline(__always)
    static func dot(_ keys: UnsafePointer<Float>, _ query: UnsafePointer<Float>, count: Int, batched: Bool) -> Float {
        if batched && count % 16 == 0 {
            var acc = SIMD16<Float>()
            for step in 0..<(count / 16) { acc = acc.addingProduct(load16(keys + step * 16), load16(query + step * 16)) }
            return reduce16(acc)
        }
        var s0 = SIMD16<Float>(), s1 = SIMD16<Float>(), s2 = SIMD16<Float>(), s3 = SIMD16<Float>()
        let steps = count / 64
        for step in 0..<steps {
            let i = step * 64
            s0 = s0.addingProduct(load16(keys + i), load16(query + i))
            s1 = s1.addingProduct(load16(keys + i + 16), load16(query + i + 16))
            s2 = s2.addingProduct(load16(keys + i + 32), load16(query + i + 32))
            s3 = s3.addingProduct(load16(keys + i + 48), load16(query + i + 48))
        }
        var sum = Double(combine(s0, s1, s2, s3))
        for i in (steps * 64)..<count { sum += Double(keys[i] * query[i]) }
        return Float(sum)
    }

    /// Replaces `scores[0..<count]` by exp(score - maximum) and returns their sum, accumulated
    /// per 16-lane chunk in double as ggml_vec_soft_max_f32 does.
    static func softmax(_ scores: UnsafeMutablePointer<Float>, count: Int, maximum: Float) -> Double {
        var sum: Double = 0
        var start = 0
        while start < count {
            var chunk = SIMD16<Float>()
            for l in 0..<min(16, count - start) {
                let e = GGMLMath.exp(scores[start + l] - maximum)
                scores[start + l] = e
                chunk[l] = e
            }
            sum += Double(reduce16(chunk))
            start += 16
        }
        return sum
    }

    /// out[i] = Σ_p weights[p] · row(p)[i], accumulated over positions as the dot routines do:
    /// position p goes to lane p % 16 of accumulator (p / 16) % 4 (ggml_vec_dot_f16) or of the single
    /// accumulator (tinyBLAS, `batched`), in position order. `slots` holds 64 × `width` floats.
    static func weightedSum(_ weights: UnsafePointer<Float>, positions: Int, row: (Int) -> UnsafePointer<Float>, width: Int,
                            batched: Bool, slots: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        let lanes = batched ? 16 : 64
        let used = min(positions, lanes)
        slots.update(repeating: 0, count: used * width)
        for p in 0..<positions {
            let w = SIMD8<Float>(repeating: weights[p])
            let v = row(p)
            let slot = slots + (p % lanes) * width
            var i = 0
            while i + 8 <= width {
                let acc = UnsafeRawPointer(slot + i).loadUnaligned(as: SIMD8<Float>.self)
                let value = UnsafeRawPointer(v + i).loadUnaligned(as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(slot + i).storeBytes(of: acc.addingProduct(value, w), as: SIMD8<Float>.self)
                i += 8
            }
            while i < width { slot[i] = slot[i].addingProduct(v[i], weights[p]); i += 1 }
        }
        // The reductions run on whole rows of slots (vectorised over the output dimensions). Slots
        // past `used` are zero and adding them is exact, so they are skipped.
        func add(_ target: Int, _ source: Int) {
            guard source < used else { return }
            let t = slots + target * width, s = slots + source * width
            if target >= used { t.update(from: s, count: width); return }
            for i in 0..<width { t[i] = t[i] + s[i] }
        }
        if !batched {
            for l in 0..<16 { add(l, 32 + l); add(16 + l, 48 + l) }
            for l in 0..<16 { add(l, 16 + l) }
        }
        // _mm512_reduce_add_ps over lanes 0-15, for every dimension at once.
        for l in 0..<8 { add(l, l + 8) }
        for l in 0..<4 { add(l, l + 4) }
        for i in 0..<width {
            func lane(_ l: Int) -> Float { l < used ? slots[l * width + i] : 0 }
            out[i] = (lane(0) + lane(2)) + (lane(1) + lane(3))
        }
    }
}
