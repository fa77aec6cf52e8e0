import VetGGUF
import VetSIMD

/// Q2_K and Q3_K: 256-element super-blocks of sixteen 16-element sub-blocks, two or three bits per
/// weight. Each super-block is unpacked once into byte quants and 16 integer scales; `Dequantize.row` and the dot product both read that one unpacking, so
/// the two can never disagree. The unpacking is scalar, so these types run slower per weight than
/// Q4_K; they are supported for correctness first.
enum LowBitKQuants {
    /// Super-block layouts: Q2_K is scales[16] (scale in the low nibble, minimum in the high), qs[64],
    /// d, dmin (84 bytes); Q3_K is hmask[32], qs[64], scales[12] (sixteen 6-bit values, offset 32), d
    /// (110 bytes).
    struct Unpacked {
        /// The quants in element order.
        var quants = [Int8](repeating: 0, count: 256)
        var scales = [Int32](repeating: 0, count: 16)
        /// Q2_K's per-sub-block minimums (zero for Q3_K).
        var minimums = [Int32](repeating: 0, count: 16)
        var d: Float = 0
        var dmin: Float = 0
    }

    static func unpack(_ type: GGMLType, _ block: UnsafeRawPointer, into u: inout Unpacked) {
        func byte(_ offset: Int) -> UInt8 { block.load(fromByteOffset: offset, as: UInt8.self) }
        if type == .q2_K {
            for k in 0..<16 {
                u.scales[k] = Int32(byte(k) & 0x0F)
                u.minimums[k] = Int32(byte(k) >> 4)
            }
            u.d = Dequantize.half(block, 80)
            u.dmin = Dequantize.half(block, 82)
            // Each 128-element half reads 32 bytes of qs four times, two bits further each time;
            // within a pass, bytes 0-15 feed one sub-block and bytes 16-31 the next.
            for half in 0..<2 {
                for pass in 0..<4 {
                    for l in 0..<32 {
                        let q = (byte(16 + half * 32 + l) >> (2 * pass)) & 3
                        u.quants[half * 128 + pass * 32 + l] = Int8(q)
                    }
                }
            }
        } else {
            for k in 0..<16 { u.minimums[k] = 0 }
            // Sixteen 6-bit scales: low four bits from bytes 0-7 (low then high nibbles), top two
            // bits from bytes 8-11.
            for k in 0..<16 {
                let low = k < 8 ? byte(96 + k) & 0x0F : byte(96 + k - 8) >> 4
                let high = (byte(96 + 8 + (k & 3)) >> (2 * (k >> 2))) & 3
                u.scales[k] = Int32(low | high << 4) - 32
            }
            u.d = Dequantize.half(block, 108)
            u.dmin = 0
            for half in 0..<2 {
                for pass in 0..<4 {
                    let bit = UInt8(1) << (half * 4 + pass)
                    for l in 0..<32 {
                        let q = Int8((byte(32 + half * 32 + l) >> (2 * pass)) & 3)
                        let high = byte(l) & bit != 0
                        u.quants[half * 128 + pass * 32 + l] = high ? q : q - 4
                    }
                }
            }
        }
    }

    /// Element `e`'s value: d · scale · q − dmin · minimum, for its sub-block e / 16.
    static func dequantize(_ type: GGMLType, _ source: UnsafeRawPointer, blocks: Int, into output: UnsafeMutablePointer<Float>) {
        var u = Unpacked()
        let bytes = type.block.bytes
        for b in 0..<blocks {
            unpack(type, source + b * bytes, into: &u)
            for e in 0..<256 {
                let k = e >> 4
                output[b * 256 + e] = u.d * Float(u.scales[k]) * Float(u.quants[e]) - u.dmin * Float(u.minimums[k])
            }
        }
    }

    /// The dot product of a row with a Q8_K activation.
    static func dot(_ type: GGMLType, _ row: UnsafeRawPointer, _ v: VectorView, blocks: Int) -> Float {
        var u = Unpacked()
        let bytes = type.block.bytes
        var total: Float = 0
        for b in 0..<blocks {
            unpack(type, row + b * bytes, into: &u)
            var sumi: Int32 = 0, mins: Int32 = 0
            u.quants.withUnsafeBufferPointer { q in
                for group in 0..<8 {
                    let w = ByteWeights(signed: UnsafeRawPointer(q.baseAddress! + group * 32).loadUnaligned(as: SIMD32<Int8>.self))
                    let products = w.products(v.quants + b * 256 + group * 32)
                    let s0 = Int16(u.scales[2 * group]), s1 = Int16(u.scales[2 * group + 1])
                    let scale = SIMD16<Int16>(lowHalf: SIMD8(repeating: s0), highHalf: SIMD8(repeating: s1))
                    sumi &+= DotProduct.scaledPairSums(products, scale).wrappedSum()
                }
            }
            if type == .q2_K {
                for k in 0..<16 { mins &+= u.minimums[k] &* Int32(v.sums[b * 16 + k]) }
            }
            let da = v.scales[b]
            total += u.d * da * Float(sumi) - u.dmin * da * Float(mins)
        }
        return total
    }
}
