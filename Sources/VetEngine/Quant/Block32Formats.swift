/// Weights of one 32-element block unpacked into the activation's split order (see
/// `QuantizedVector.split`): the even elements 0, 2, …, 30 in 16 lanes, then the odd ones.
typealias SplitLanes = (even: SIMD16<Int16>, odd: SIMD16<Int16>)

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
    // Every block type here is at least 18 bytes, so the 8 bytes `halves` reads are in the block.
    @inline(__always) static func scale(_ block: UnsafeRawPointer) -> Float { Dequantize.halves(block)[0] }
    @inline(__always) static func minimum(_ block: UnsafeRawPointer) -> Float { Dequantize.halves(block)[1] }
}

/// Q4_0: f16 scale, 16 bytes of nibbles, value (q - 8) · d.
enum Q4_0Blocks: Block32Format {
    static var blockBytes: Int { 18 }
    @inline(__always) static func unpack(_ block: UnsafeRawPointer) -> SplitLanes {
        let w = DotProduct.nibbles(block + 2), eight = SIMD16<Int16>(repeating: 8)
        return (w.even &- eight, w.odd &- eight)
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
        DotProduct.signedBytes(block + 2)
    }
}

/// The fifth bits of a Q5 block (bit j of the 32-bit word is element j's) combined with its
/// nibbles. The word's low half is repeated in lanes 0-7 and its high half in lanes 8-15; each lane
/// masks its element's bit and compares it with zero, giving all ones or zero, which selects the
/// lane's upper bits: 16 where the bit is set (Q5_1), or, with `offset` (Q5_0, q - 16), bits 4-15
/// where it is clear, which or'ed with the nibble is nibble - 16 in two's complement. Only masks,
/// compares and ors: written with multiplies, shifts or a subtraction after the or, LLVM
/// scalarised lanes.
@inline(__always)
private func q5Lanes(_ block: UnsafeRawPointer, highOffset: Int, offset: Bool) -> SplitLanes {
    let bits = block.loadUnaligned(fromByteOffset: highOffset, as: UInt32.self).littleEndian
    let word = SIMD16<Int16>(lowHalf: SIMD8(repeating: Int16(truncatingIfNeeded: bits)),
                             highHalf: SIMD8(repeating: Int16(truncatingIfNeeded: bits >> 16)))
    let evenHalf = SIMD8<Int16>(1 << 0, 1 << 2, 1 << 4, 1 << 6, 1 << 8, 1 << 10, 1 << 12, 1 << 14)
    let oddHalf = SIMD8<Int16>(1 << 1, 1 << 3, 1 << 5, 1 << 7, 1 << 9, 1 << 11, 1 << 13, Int16.min)
    let upper = SIMD16<Int16>(repeating: offset ? -16 : 16)
    @inline(__always) func fifth(_ mask: SIMD8<Int16>) -> SIMD16<Int16> {
        // All ones where the bit is clear.
        let clear = unsafeBitCast((word & SIMD16(lowHalf: mask, highHalf: mask)) .== SIMD16<Int16>(), to: SIMD16<Int16>.self)
        return offset ? clear & upper : ~clear & upper
    }
    let w = DotProduct.nibbles(block + highOffset + 4)
    return (w.even | fifth(evenHalf), w.odd | fifth(oddHalf))
}

/// Q5_0: f16 scale, 32 fifth bits, 16 bytes of nibbles, value (q - 16) · d.
enum Q5_0Blocks: Block32Format {
    static var blockBytes: Int { 22 }
    @inline(__always) static func unpack(_ block: UnsafeRawPointer) -> SplitLanes { q5Lanes(block, highOffset: 2, offset: true) }
}

/// Q5_1: f16 scale, f16 minimum, 32 fifth bits, 16 bytes of nibbles, value q · d + m.
enum Q5_1Blocks: Block32Format {
    static var blockBytes: Int { 24 }
    static var hasMinimum: Bool { true }
    @inline(__always) static func unpack(_ block: UnsafeRawPointer) -> SplitLanes { q5Lanes(block, highOffset: 4, offset: false) }
}

/// IQ4_NL: f16 scale, 16 bytes of nibbles that index a fixed table of sixteen signed levels, value
/// level · d. Two products of at most 127 · 128 fit 16 bits. The table look-up is scalar (Swift's
/// SIMD types have no byte shuffle), so this type is slower per weight than Q4_0.
enum IQ4_NLBlocks: Block32Format {
    static var blockBytes: Int { 18 }
    @inline(__always) static func unpack(_ block: UnsafeRawPointer) -> SplitLanes { iq4Levels(block + 2) }
}

/// 16 bytes of IQ4 level indices (element j < 16 the low nibble of byte j, 16 + j the high one),
/// looked up in the level table, in split order; IQ4_NL blocks and IQ4_XS sub-blocks share it.
@inline(__always)
func iq4Levels(_ qs: UnsafeRawPointer) -> SplitLanes {
    var even = SIMD16<Int16>(), odd = SIMD16<Int16>()
    Dequantize.iq4nlValues.withUnsafeBufferPointer { levels in
        for k in 0..<8 {
            // Elements 2k and 2k+1 (low nibbles of bytes 2k, 2k+1), 16+2k and 17+2k (their high nibbles).
            let e = qs.load(fromByteOffset: 2 * k, as: UInt8.self), o = qs.load(fromByteOffset: 2 * k + 1, as: UInt8.self)
            even[k] = Int16(levels[Int(e & 0x0F)]); odd[k] = Int16(levels[Int(o & 0x0F)])
            even[8 + k] = Int16(levels[Int(e >> 4)]); odd[8 + k] = Int16(levels[Int(o >> 4)])
        }
    }
    return (even, odd)
}
