import Foundation

/// Float32 arithmetic for the sentence encoder: a matrix product against PyTorch-layout weights
/// (`[out × in]`, each output's weights contiguous), layer normalisation and GELU. Written for
/// AVX2 through `SIMD8<Float>`; the products are register-blocked four inputs by two outputs, so
/// each step loads six vectors for eight fused multiply-adds.
enum DenseMath {
    @inline(__always)
    static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self) }

    /// `y[r, o] = bias[o] + Σ_i x[r, i] · w[o, i]` for `rows` rows of `inner` inputs and `outputs`
    /// outputs, in parallel over pairs of outputs. `inner` is a multiple of 8 (the encoder checks
    /// its sizes when it loads).
    static func linear(_ x: UnsafePointer<Float>, rows: Int, inner: Int, _ w: UnsafePointer<Float>, _ bias: UnsafePointer<Float>,
                       outputs: Int, into y: UnsafeMutablePointer<Float>, pool: WorkerPool) {
        precondition(inner % 8 == 0, "DenseMath.linear reads inputs eight at a time")
        let pairs = (outputs + 1) / 2
        // Every chunk writes disjoint columns of `y`.
        let shared = (x: SendableRaw(x), w: SendableRaw(w), bias: SendableRaw(bias), y: SendablePointer(y))
        pool.forEachChunk(pairs, grain: 4) { range in
            let x = shared.x.pointer.assumingMemoryBound(to: Float.self), w = shared.w.pointer.assumingMemoryBound(to: Float.self)
            let bias = shared.bias.pointer.assumingMemoryBound(to: Float.self), y = shared.y.pointer
            for pair in range {
                let o = pair * 2
                if o + 1 < outputs {
                    block(x, rows: rows, inner: inner, w + o * inner, bias + o, outputs: outputs, into: y + o)
                } else {
                    for r in 0..<rows { y[r * outputs + o] = bias[o] + dot(x + r * inner, w + o * inner, inner) }
                }
            }
        }
    }

    /// Two outputs (`w` and `w + inner`) for every row.
    @inline(__always)
    static func block(_ x: UnsafePointer<Float>, rows: Int, inner: Int, _ w: UnsafePointer<Float>, _ bias: UnsafePointer<Float>,
                      outputs: Int, into y: UnsafeMutablePointer<Float>) {
        let w0 = w, w1 = w + inner
        var r = 0
        while r + 4 <= rows {
            let x0 = x + r * inner, x1 = x0 + inner, x2 = x1 + inner, x3 = x2 + inner
            var a00 = SIMD8<Float>(), a01 = SIMD8<Float>(), a10 = SIMD8<Float>(), a11 = SIMD8<Float>()
            var a20 = SIMD8<Float>(), a21 = SIMD8<Float>(), a30 = SIMD8<Float>(), a31 = SIMD8<Float>()
            var i = 0
            while i < inner {
                let v0 = load8(w0 + i), v1 = load8(w1 + i)
                let u0 = load8(x0 + i), u1 = load8(x1 + i), u2 = load8(x2 + i), u3 = load8(x3 + i)
                a00 = a00.addingProduct(u0, v0); a01 = a01.addingProduct(u0, v1)
                a10 = a10.addingProduct(u1, v0); a11 = a11.addingProduct(u1, v1)
                a20 = a20.addingProduct(u2, v0); a21 = a21.addingProduct(u2, v1)
                a30 = a30.addingProduct(u3, v0); a31 = a31.addingProduct(u3, v1)
                i += 8
            }
            y[r * outputs] = bias[0] + a00.sum(); y[r * outputs + 1] = bias[1] + a01.sum()
            y[(r + 1) * outputs] = bias[0] + a10.sum(); y[(r + 1) * outputs + 1] = bias[1] + a11.sum()
            y[(r + 2) * outputs] = bias[0] + a20.sum(); y[(r + 2) * outputs + 1] = bias[1] + a21.sum()
            y[(r + 3) * outputs] = bias[0] + a30.sum(); y[(r + 3) * outputs + 1] = bias[1] + a31.sum()
            r += 4
        }
        while r < rows {
            y[r * outputs] = bias[0] + dot(x + r * inner, w0, inner)
            y[r * outputs + 1] = bias[1] + dot(x + r * inner, w1, inner)
            r += 1
        }
    }

    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
        var acc = SIMD8<Float>()
        var i = 0
        while i < count {
            acc = acc.addingProduct(load8(a + i), load8(b + i))
            i += 8
        }
        return acc.sum()
    }

    /// Normalises each row of `x` (in place) to zero mean and unit variance, then scales and shifts it.
    static func layerNorm(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, weight: UnsafePointer<Float>,
                          bias: UnsafePointer<Float>, epsilon: Float) {
        for r in 0..<rows {
            let row = x + r * width
            var sum: Double = 0
            for i in 0..<width { sum += Double(row[i]) }
            let mean = sum / Double(width)
            var squares: Double = 0
            for i in 0..<width {
                let d = Double(row[i]) - mean
                squares += d * d
            }
            let scale = 1 / (squares / Double(width) + Double(epsilon)).squareRoot()
            for i in 0..<width { row[i] = Float((Double(row[i]) - mean) * scale) * weight[i] + bias[i] }
        }
    }

    /// GELU with the exact error function: x · ½(1 + erf(x/√2)).
    static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            let v = x[i]
            x[i] = 0.5 * v * (1 + Foundation.erf(v * 0.70710678118654752))
        }
    }
}
