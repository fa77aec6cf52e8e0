import VetGGUF

/// Block layouts of the ggml tensor types the engine runs, and their conversion to `Float`.
///
/// Layouts (ggml's `block_*` structs, little-endian, packed):
/// - Q4_0: f16 scale, 16 bytes of nibbles (low nibbles are elements 0-15, high nibbles 16-31), value (q - 8) * d.
/// - Q4_1: f16 scale, f16 minimum, 16 bytes of nibbles, value q * d + m.
/// - Q5_0 / Q5_1: as Q4_0 / Q4_1 with a fifth bit per element in a 32-bit mask after the scale(s);
///   Q5_0 values are (q - 16) * d.
/// - Q8_0: f16 scale, 32 signed bytes.
/// - Q4_K: 256-element super-block: f16 scale and f16 minimum scale, 12 bytes packing eight 6-bit
///   (scale, minimum) pairs, 128 bytes of nibbles in four 64-element groups (low nibbles first).
/// - Q5_K: as Q4_K with 32 bytes of fifth bits between the scales and the nibbles.
/// - Q6_K: 128 bytes of low nibbles, 64 bytes of 2-bit high parts, 16 signed 8-bit scales, f16 scale;
///   values (q - 32) * d * scale.
public enum Dequantize {
    /// IQ4_NL's sixteen levels (ggml's kvalues_iq4nl): a non-uniform 4-bit grid, denser near zero.
    static let iq4nlValues: [Int8] = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113]

    /// IQ4_XS (136-byte blocks of 256: f16 d, u16 scales_h, 4 bytes scales_l, 128 bytes of level
    /// indices in eight sub-blocks of 32 laid out as IQ4_NL's): sub-block `sub`'s signed scale, six
    /// bits (low four from scales_l, top two from scales_h) less 32.
    @inline(__always)
    static func iq4xsScale(_ block: UnsafeRawPointer, _ sub: Int) -> Int32 {
        let high = block.loadUnaligned(fromByteOffset: 2, as: UInt16.self).littleEndian
        let low = block.load(fromByteOffset: 4 + sub / 2, as: UInt8.self)
        return (Int32((low >> (4 * UInt8(sub % 2))) & 0x0F) | Int32((high >> (2 * UInt16(sub))) & 3) << 4) - 32
    }

    /// 32 IQ4 elements from 16 bytes of level indices (element j < 16 the low nibble of byte j,
    /// 16 + j the high one), each level times `scale`: IQ4_NL blocks and IQ4_XS sub-blocks.
    static func iq4Levels(_ qs: UnsafeRawPointer, scale: Float, into y: UnsafeMutablePointer<Float>) {
        for j in 0..<16 {
            let byte = qs.load(fromByteOffset: j, as: UInt8.self)
            y[j] = scale * Float(iq4nlValues[Int(byte & 0x0F)])
            y[j + 16] = scale * Float(iq4nlValues[Int(byte >> 4)])
        }
    }

    /// Whether the engine can convert this type.
    public static func supports(_ type: GGMLType) -> Bool {
        switch type {
        case .f32, .f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .iq4_nl, .iq4_xs: true
        default: false
        }
    }

    /// Converts `count` elements (a whole number of blocks) from `source` into `output`.
    /// - Precondition: `source` holds `count / type.block.elements * type.block.bytes` bytes and
    ///   `output` at least `count` floats; callers check both against the tensor's declared size.
    public static func row(_ type: GGMLType, _ source: UnsafeRawPointer, count: Int, into output: UnsafeMutablePointer<Float>) {
        let (perBlock, blockBytes) = type.block
        let blocks = count / perBlock
        switch type {
        case .f32:
            output.update(from: source.assumingMemoryBound(to: Float.self), count: count)
        case .f16:
            for i in 0..<count { output[i] = half(source, i * 2) }
        case .bf16:
            for i in 0..<count { output[i] = Float(bitPattern: UInt32(source.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)) << 16) }
        case .q4_0, .q4_1:
            for b in 0..<blocks {
                let block = source + b * blockBytes
                let d = half(block, 0)
                let m: Float = type == .q4_1 ? half(block, 2) : 0
                let qs = block + (type == .q4_1 ? 4 : 2)
                let y = output + b * 32
                for j in 0..<16 {
                    let byte = qs.load(fromByteOffset: j, as: UInt8.self)
                    if type == .q4_0 {
                        y[j] = Float(Int(byte & 0x0F) - 8) * d
                        y[j + 16] = Float(Int(byte >> 4) - 8) * d
                    } else {
                        y[j] = Float(byte & 0x0F) * d + m
                        y[j + 16] = Float(byte >> 4) * d + m
                    }
                }
            }
        case .q2_K, .q3_K:
            LowBitKQuants.dequantize(type, source, blocks: blocks, into: output)
        case .iq4_nl:
            for b in 0..<blocks {
                let block = source + b * blockBytes
                iq4Levels(block + 2, scale: half(block, 0), into: output + b * 32)
            }
        case .iq4_xs:
            for b in 0..<blocks {
                let block = source + b * blockBytes
                let d = half(block, 0)
                for sub in 0..<8 {
                    iq4Levels(block + 8 + sub * 16, scale: d * Float(iq4xsScale(block, sub)), into: output + b * 256 + sub * 32)
                }
            }
        case .q5_0, .q5_1:
            for b in 0..<blocks {
                let block = source + b * blockBytes
                let d = half(block, 0)
                let m: Float = type == .q5_1 ? half(block, 2) : 0
                let highOffset = type == .q5_1 ? 4 : 2
                let high = block.loadUnaligned(fromByteOffset: highOffset, as: UInt32.self).littleEndian
                let qs = block + highOffset + 4
                let y = output + b * 32
                for j in 0..<16 {
                    let byte = qs.load(fromByteOffset: j, as: UInt8.self)
                    let h0 = Int((high >> UInt32(j)) << 4 & 0x10)
                    let h1 = Int((high >> UInt32(j + 12)) & 0x10)
                    let x0 = Int(byte & 0x0F) | h0
                    let x1 = Int(byte >> 4) | h1
                    if type == .q5_0 {
                        y[j] = Float(x0 - 16) * d
                        y[j + 16] = Float(x1 - 16) * d
                    } else {
                        y[j] = Float(x0) * d + m
                        y[j + 16] = Float(x1) * d + m
                    }
                }
            }
        case .q8_0:
            for b in 0..<blocks {
                let block = source + b * blockBytes
                let d = half(block, 0)
                let y = output + b * 32
                for j in 0..<32 { y[j] = Float(block.load(fromByteOffset: 2 + j, as: Int8.self)) * d }
            }
        case .q4_K, .q5_K:
            for b in 0..<blocks {
                let block = source + b * blockBytes
                let d = half(block, 0)
                let dmin = half(block, 2)
                let scales = block + 4
                let withHigh = type == .q5_K
                let qh = block + 16
                var ql = block + (withHigh ? 48 : 16)
                var y = output + b * 256
                var u1: UInt8 = 1, u2: UInt8 = 2
                for group in 0..<4 {
                    let (sc1, m1) = scaleMin(group * 2, scales)
                    let (sc2, m2) = scaleMin(group * 2 + 1, scales)
                    let d1 = d * Float(sc1), min1 = dmin * Float(m1)
                    let d2 = d * Float(sc2), min2 = dmin * Float(m2)
                    for l in 0..<32 {
                        let byte = ql.load(fromByteOffset: l, as: UInt8.self)
                        var lo = Int(byte & 0x0F), hi = Int(byte >> 4)
                        if withHigh {
                            let h = qh.load(fromByteOffset: l, as: UInt8.self)
                            if h & u1 != 0 { lo += 16 }
                            if h & u2 != 0 { hi += 16 }
                        }
                        y[l] = d1 * Float(lo) - min1
                        y[l + 32] = d2 * Float(hi) - min2
                    }
                    ql += 32
                    y += 64
                    u1 <<= 2
                    u2 <<= 2
                }
            }
        case .q6_K:
            for b in 0..<blocks {
                let block = source + b * blockBytes
                let d = half(block, 208)
                var ql = block, qh = block + 128, sc = block + 192
                var y = output + b * 256
                for _ in 0..<2 {
                    for l in 0..<32 {
                        let scaleIndex = l / 16
                        let low0 = ql.load(fromByteOffset: l, as: UInt8.self)
                        let low1 = ql.load(fromByteOffset: l + 32, as: UInt8.self)
                        let h = qh.load(fromByteOffset: l, as: UInt8.self)
                        let q1 = Int(low0 & 0x0F | (h & 3) << 4) - 32
                        let q2 = Int(low1 & 0x0F | (h >> 2 & 3) << 4) - 32
                        let q3 = Int(low0 >> 4 | (h >> 4 & 3) << 4) - 32
                        let q4 = Int(low1 >> 4 | (h >> 6 & 3) << 4) - 32
                        y[l] = d * Float(sc.load(fromByteOffset: scaleIndex, as: Int8.self)) * Float(q1)
                        y[l + 32] = d * Float(sc.load(fromByteOffset: scaleIndex + 2, as: Int8.self)) * Float(q2)
                        y[l + 64] = d * Float(sc.load(fromByteOffset: scaleIndex + 4, as: Int8.self)) * Float(q3)
                        y[l + 96] = d * Float(sc.load(fromByteOffset: scaleIndex + 6, as: Int8.self)) * Float(q4)
                    }
                    y += 128
                    ql += 64
                    qh += 32
                    sc += 8
                }
            }
        default:
            preconditionFailure("unsupported type \(type) reached Dequantize.row; check supports(_:) first")
        }
    }

    /// The f16 at `offset` as a `Float`.
    @inline(__always)
    static func half(_ base: UnsafeRawPointer, _ offset: Int) -> Float {
        #if arch(x86_64)
        // VetEngine is built for x86-64-v3 on x86-64, where this is one F16C instruction.
        Float(Float16(bitPattern: base.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
        #else
        halfToFloat(base.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
        #endif
    }

    /// The four f16 values at `base` (8 readable bytes) as floats. Kernels read a block's scale (and
    /// minimum) through this: on x86-64 it is one `vcvtph2ps` from memory, where a single value is
    /// inserted into a register first, which LLVM merges into whatever register is free, often the
    /// accumulator: a false dependency that chained every block's scale to the previous block's
    /// sum (seen in the kernels' assembly).
    @inline(__always)
    static func halves(_ base: UnsafeRawPointer) -> SIMD4<Float> {
        #if arch(x86_64)
        SIMD4<Float>(base.loadUnaligned(as: SIMD4<Float16>.self))
        #else
        SIMD4<Float>(half(base, 0), half(base, 2), half(base, 4), half(base, 6))
        #endif
    }

    /// f16 bits to `Float` without the library call the baseline x86-64 target makes for
    /// `Float(Float16)` (it has no conversion instruction): the exponent and mantissa are moved into
    /// place and rescaled by 2^112, which also normalises subnormals; infinities and NaNs are fixed
    /// up after. Exact for every input.
    @inline(__always)
    static func halfToFloat(_ h: UInt16) -> Float {
        let magnitude = Float(bitPattern: UInt32(h & 0x7FFF) << 13) * Float(bitPattern: 0x7780_0000)
        var bits = magnitude.bitPattern
        if magnitude >= 65536 { bits |= 0x7F80_0000 }
        return Float(bitPattern: bits | UInt32(h & 0x8000) << 16)
    }

    /// Every f16 bit pattern's value (65,536 floats, 256 KB, built once): the scale-only block types
    /// read their block scales here (`Block32Format.scale`). Written once, then only read.
    nonisolated(unsafe) static let halfTable: UnsafePointer<Float> = {
        let table = UnsafeMutablePointer<Float>.allocate(capacity: 65536)
        for h in 0..<65536 { table[h] = halfToFloat(UInt16(h)) }
        return UnsafePointer(table)
    }()

    /// The 6-bit scale and minimum of sub-block `j` (0-7) packed in 12 bytes (Q4_K and Q5_K).
    @inline(__always)
    static func scaleMin(_ j: Int, _ q: UnsafeRawPointer) -> (UInt8, UInt8) {
        func byte(_ i: Int) -> UInt8 { q.load(fromByteOffset: i, as: UInt8.self) }
        if j < 4 { return (byte(j) & 63, byte(j + 4) & 63) }
        return ((byte(j + 4) & 0x0F) | ((byte(j - 4) >> 6) << 4), (byte(j + 4) >> 4) | ((byte(j) >> 6) << 4))
    }
}
