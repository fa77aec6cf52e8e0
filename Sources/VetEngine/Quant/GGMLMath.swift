import Foundation

/// The exponential ggml's CPU backend evaluates in its vector code (softmax, SiLU), reproduced so
/// the engine rounds as llama.cpp does: tiny differences in `exp` flip the rounding of 8-bit
/// activation quants now and then, and over thirty layers such flips grow into visible logit
/// differences. The constants are ggml's (a degree-5 polynomial on the reduced argument, after
/// splitting x·log2(e) into an integer n and a remainder); the result is scaled by 2^n exactly.
enum GGMLMath {
    @inline(__always)
    static func exp(_ x: Float) -> Float {
        let shifter: Float = 0x1.8p23
        let z = shifter.addingProduct(x, 0x1.715476p+0)
        let n = z - shifter
        let b = (x.addingProduct(-n, 0x1.62e4p-1)).addingProduct(-n, 0x1.7f7d1cp-20)
        // Out of range (and NaN, from a damaged model's weights): saturate as ggml does, never trap.
        guard abs(n) <= 192 else { return n.isNaN ? .nan : n <= 0 ? 0 : .infinity }
        let u = b * b
        let p = Float(0x1.573e2ep-5).addingProduct(0x1.0e4020p-7, b)
        let q = Float(0x1.fffdb6p-2).addingProduct(0x1.555e66p-3, b)
        let r = Float(1).addingProduct(0x1.ffffecp-1, b)
        let j = r.addingProduct(q.addingProduct(p, u), u)
        return Float(sign: .plus, exponent: Int(n), significand: j)
    }

    /// x / (1 + exp(-x)), as ggml's vector SiLU.
    @inline(__always)
    static func silu(_ x: Float) -> Float { x / (1 + exp(-x)) }

    /// The tanh approximation of GELU that ggml's `gelu` computes (Gemma's feed-forward gate).
    @inline(__always)
    static func gelu(_ x: Float) -> Float {
        let sqrtTwoOverPi: Float = 0.7978845608028654, coefficient: Float = 0.044715
        return 0.5 * x * (1 + tanhf(sqrtTwoOverPi * x * (1 + coefficient * x * x)))
    }
}
