/// Weights of one 32-element block unpacked into the activation's split lanes: per 8-lane vector,
/// the even then odd elements of 0-15, then of 16-31 (see `QuantizedVector.split`).
typealias SplitLanes = (SIMD8<Int16>, SIMD8<Int16>, SIMD8<Int16>, SIMD8<Int16>)

/// A ggml block type of 32 elements: how to read its scale, its minimum (when it has one) and its
/// quants. `DotProduct.blocks` and `blocks4` are written once over this.
protocol Block32Format {
    static var blockBytes: Int { get }
    static var hasMinimum: Bool { get }
    static func scale(_ block: UnsafeRawPointer) -> Float
    static func minimum(_ block: UnsafeRawPointer) -> Float
    static func unpack(_ block: UnsafeRawPointer) -> SplitLanes
}

extension Block32Format {
    static var hasMinimum: Bool { false }
    @inline(__always) static func scale(_ block: UnsafeRawPointer) -> Float { Dequantize.half(block, 0) }
    @inline(__always) static func minimum(_ block: UnsafeRawPointer) -> Float { Dequantize.half(block, 2) }
}

/// Q4_0: f16 scale, 16 bytes of nibbles, value (q - 8) · d.
enum Q4_0Blocks: Block32Format {
    static var blockBytes: Int { 18 }
    @inline(__always) static func unpack(_ block: UnsafeRawPointer) -> SplitLanes {
        var (w0, w1, w2, w3) = DotProduct.nibbles(block + 2)
        w0 &-= 8; w1 &-= 8; w2 &-= 8; w3 &-= 8
        return (w0, w1, w2, w3)
    }
}

/// Q4_1: f16 scale, f16 minimum, 16 bytes of nibbles, value q · d + m.
enum Q4_1Blocks: Block32Format {
    static var blockBytes: Int { 20 }
    static var hasMinimum: Bool { true }
    @inline(__always) static func unpack(_ block: UnsafeRawPointer) -> SplitLanes { DotProduct.nibbles(block + 4) }
}

/// Q8_0: f16 scale, 32 signed bytes. Two products of at most 128 · 127 fit 16 bits.
enum Q8_0Blocks: Block32Format {
    static var blockBytes: Int { 34 }
    @inline(__always) static func unpack(_ block: UnsafeRawPointer) -> SplitLanes {
        let w0 = DotProduct.signedBytes(block + 2), w1 = DotProduct.signedBytes(block + 18)
        return (w0.even, w0.odd, w1.even, w1.odd)
    }
}

/// The fifth bits of a Q5 block (bit j of the 32-bit word is element j's) or'ed into its nibbles.
/// Each lane masks its bit, a multiply moves it to bit 15 and a shift down to bit 4: three 16-bit
/// vector instructions per lane group (AVX2 has no per-lane 16-bit shift, and Swift's widening
/// conversions compile to calls here).
@inline(__always)
private func q5Lanes(_ block: UnsafeRawPointer, highOffset: Int) -> SplitLanes {
    let bits = block.loadUnaligned(fromByteOffset: highOffset, as: UInt32.self).littleEndian
    let low = SIMD8<UInt16>(repeating: UInt16(truncatingIfNeeded: bits)), high = SIMD8<UInt16>(repeating: UInt16(truncatingIfNeeded: bits >> 16))
    let evenMask = SIMD8<UInt16>(1 << 0, 1 << 2, 1 << 4, 1 << 6, 1 << 8, 1 << 10, 1 << 12, 1 << 14), oddMask = evenMask &<< 1
    let evenLift = SIMD8<UInt16>(1 << 15, 1 << 13, 1 << 11, 1 << 9, 1 << 7, 1 << 5, 1 << 3, 1 << 1), oddLift = evenLift &>> 1
    @inline(__always) func fifth(_ x: SIMD8<UInt16>, _ mask: SIMD8<UInt16>, _ lift: SIMD8<UInt16>) -> SIMD8<Int16> {
        unsafeBitCast(((x & mask) &* lift) &>> 11, to: SIMD8<Int16>.self)
    }
    var (w0, w1, w2, w3) = DotProduct.nibbles(block + highOffset + 4)
    w0 |= fifth(low, evenMask, evenLift)
    w1 |= fifth(low, oddMask, oddLift)
    w2 |= fifth(high, evenMask, evenLift)
    w3 |= fifth(high, oddMask, oddLift)
    return (w0, w1, w2, w3)
}

/// Q5_0: f16 scale, 32 fifth bits, 16 bytes of nibbles, value (q - 16) · d.
enum Q5_0Blocks: Block32Format {
    static var blockBytes: Int { 22 }
    @inline(__always) static func unpack(_ block: UnsafeRawPointer) -> SplitLanes {
        var (w0, w1, w2, w3) = q5Lanes(block, highOffset: 2)
        w0 &-= 16; w1 &-= 16; w2 &-= 16; w3 &-= 16
        return (w0, w1, w2, w3)
    }
}

/// Q5_1: f16 scale, f16 minimum, 32 fifth bits, 16 bytes of nibbles, value q · d + m.
enum Q5_1Blocks: Block32Format {
    static var blockBytes: Int { 24 }
    static var hasMinimum: Bool { true }
    @inline(__always) static func unpack(_ block: UnsafeRawPointer) -> SplitLanes { q5Lanes(block, highOffset: 4) }
}

/// IQ4_NL: f16 scale, 16 bytes of nibbles that index a fixed table of sixteen signed levels, value
/// level · d. Two products of at most 127 · 128 fit 16 bits. The table look-up is scalar (Swift's
/// SIMD types have no byte shuffle), so this type is slower per weight than Q4_0.
enum IQ4_NLBlocks: Block32Format {
    static var blockBytes: Int { 18 }
    @inline(__always) static func unpack(_ block: UnsafeRawPointer) -> SplitLanes {
        var w0 = SIMD8<Int16>(), w1 = SIMD8<Int16>(), w2 = SIMD8<Int16>(), w3 = SIMD8<Int16>()
        Dequantize.iq4nlValues.withUnsafeBufferPointer { levels in
            for k in 0..<8 {
                // Elements 2k and 2k+1 (low nibbles of bytes 2k, 2k+1), 16+2k and 17+2k (their high nibbles).
                let even = block.load(fromByteOffset: 2 + 2 * k, as: UInt8.self), odd = block.load(fromByteOffset: 3 + 2 * k, as: UInt8.self)
                w0[k] = Int16(levels[Int(even & 0x0F)]); w1[k] = Int16(levels[Int(odd & 0x0F)])
                w2[k] = Int16(levels[Int(even >> 4)]); w3[k] = Int16(levels[Int(odd >> 4)])
            }
        }
        return (w0, w1, w2, w3)
    }
}
