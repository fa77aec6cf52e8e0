import VetSIMD

/// The 32 weights of a block (or sub-block) as bytes in element order, ready to meet 32 activation
/// quants in `vpmaddubsw`, which multiplies unsigned by signed bytes: unsigned weights go in as
/// they are; signed ones as their magnitudes, their signs moved onto the activation (`vpsignb`),
/// as ggml's AVX2 kernels do. The magnitudes are computed once per block, however many vectors
/// the block meets.
struct ByteWeights {
    let magnitudes: SIMD32<UInt8>
    let signs: SIMD32<Int8>
    let signed: Bool

    @inline(__always) init(unsigned w: SIMD32<UInt8>) { magnitudes = w; signs = .zero; signed = false }
    @inline(__always) init(signed w: SIMD32<Int8>) { magnitudes = VetSIMD.magnitudes(w); signs = w; signed = true }

    /// Sixteen 16-bit lanes, lane k the sum of the products of elements 2k and 2k+1 with the 32
    /// activation quants at `a`: exact while |weight| ≤ 128 and |quant| ≤ 127.
    @inline(__always)
    func products(_ a: UnsafePointer<Int8>) -> SIMD16<Int16> {
        let x = UnsafeRawPointer(a).loadUnaligned(as: SIMD32<Int8>.self)
        return multiplyAddPairs(magnitudes, signed ? copySigns(x, from: signs) : x)
    }
}

/// A ggml block type of 32 elements: how to read its scale, its minimum (when it has one) and its
/// weights. `DotProduct.blocks` and `blocks4` are written once over this.
protocol Block32Format {
    static var blockBytes: Int { get }
    static var hasMinimum: Bool { get }
    static func scale(_ block: UnsafeRawPointer, _ table: UnsafePointer<Float>) -> SIMD8<Float>
    static func minimum(_ block: UnsafeRawPointer) -> Float
    static func unpack(_ block: UnsafeRawPointer) -> ByteWeights
}

extension Block32Format {
    static var hasMinimum: Bool { false }
    // Every block type here is at least 18 bytes, so the 8 bytes `halves` reads are in the block.
    /// The block's f16 scale in all eight lanes, looked up in `Dequantize.halfTable` (one load, as
    /// ggml's `ggml_table_f32_f16`; a row's scales touch a few of its cache lines). Converted with
    /// F16C, LLVM loads the single f16 with `vpinsrw` into whatever register is free, often the
    /// accumulator: a false dependency that chains each block to the previous block's sum (seen in
    /// the kernels' assembly), whatever form the Swift takes; converted with integer instructions
    /// (`Dequantize.halfToFloat`) it costs about ten instructions a block.
    @inline(__always) static func scale(_ block: UnsafeRawPointer, _ table: UnsafePointer<Float>) -> SIMD8<Float> {
        SIMD8(repeating: table[Int(block.loadUnaligned(as: UInt16.self))])
    }
    @inline(__always) static func minimum(_ block: UnsafeRawPointer) -> Float { Dequantize.halves(block)[1] }
}

/// Bitwise operations and shifts on 32 bytes are done on the same bits as eight 32-bit lanes:
/// Swift's SIMD32<UInt8> has them only as element loops (measured: a 32-step scalar loop through
/// the stack per `&`), while its byte adds, subtracts and compares are single instructions.
typealias Words = SIMD8<UInt32>

extension SIMD8 where Scalar == UInt32 {
    @inline(__always) var bytes: SIMD32<UInt8> { unsafeBitCast(self, to: SIMD32<UInt8>.self) }
    @inline(__always) var signedBytes: SIMD32<Int8> { unsafeBitCast(self, to: SIMD32<Int8>.self) }
    /// `byte` in every byte.
    @inline(__always) init(everyByte byte: UInt8) { self.init(repeating: UInt32(byte) &* 0x0101_0101) }
}

extension SIMD32 where Scalar == UInt8 {
    @inline(__always) var words: Words { unsafeBitCast(self, to: Words.self) }
}

enum Nibbles {
    /// 16 bytes of nibbles as 32 bytes in element order: element j < 16 the low nibble of byte j,
    /// element 16 + j its high nibble. The 16 bytes go into both halves of a 256-bit register, the
    /// upper half shifted down by four (one variable 32-bit shift; bits crossing into a byte's
    /// neighbour are masked off).
    @inline(__always)
    static func bytes(_ p: UnsafeRawPointer) -> SIMD32<UInt8> {
        let q = p.loadUnaligned(as: SIMD4<UInt32>.self)
        let shifted = Words(lowHalf: q, highHalf: q) &>> Words(0, 0, 0, 0, 4, 4, 4, 4)
        return (shifted & Words(everyByte: 0x0F)).bytes
    }

    /// Byte j all ones where bit j of the little-endian 32-bit word at `p` is set, else zero: the
    /// word broadcast, byte j/8 of it moved to byte j (`vpshufb`), and each byte's own bit tested.
    @inline(__always)
    static func bitMask(_ p: UnsafeRawPointer) -> SIMD32<UInt8> {
        // Local constants, not static ones: LLVM then keeps them in registers or constant memory,
        // with no lazy-initialisation check in the loop.
        let byteOfBit = SIMD32<UInt8>(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                      2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3)
        let bitOfByte = SIMD32<UInt8>(1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128,
                                      1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128)
        let word = SIMD8<UInt32>(repeating: p.loadUnaligned(as: UInt32.self).littleEndian)
        let spread = unsafeBitCast(lookUp(unsafeBitCast(word, to: SIMD32<Int8>.self), byteOfBit), to: Words.self)
        let bit = (spread & bitOfByte.words).bytes
        return unsafeBitCast(bit .== bitOfByte, to: SIMD32<UInt8>.self)
    }
}

/// Q4_0: f16 scale, 16 bytes of nibbles, value (q - 8) · d.
enum Q4_0Blocks: Block32Format {
    static var blockBytes: Int { 18 }
    @inline(__always) static func unpack(_ block: UnsafeRawPointer) -> ByteWeights {
        ByteWeights(signed: unsafeBitCast(Nibbles.bytes(block + 2), to: SIMD32<Int8>.self) &- SIMD32(repeating: 8))
    }
}

/// Types with a scale and a minimum read both with one `vcvtph2ps` from memory (`halves`): the
/// load is wider than one f16, so LLVM keeps it whole and there is no false dependency.
protocol Block32WithMinimum: Block32Format {}

extension Block32WithMinimum {
    static var hasMinimum: Bool { true }
    @inline(__always) static func scale(_ block: UnsafeRawPointer, _: UnsafePointer<Float>) -> SIMD8<Float> { SIMD8(repeating: Dequantize.halves(block)[0]) }
}

/// Q4_1: f16 scale, f16 minimum, 16 bytes of nibbles, value q · d + m.
enum Q4_1Blocks: Block32WithMinimum {
    static var blockBytes: Int { 20 }
    @inline(__always) static func unpack(_ block: UnsafeRawPointer) -> ByteWeights { ByteWeights(unsigned: Nibbles.bytes(block + 4)) }
}

/// Q8_0: f16 scale, 32 signed bytes.
enum Q8_0Blocks: Block32Format {
    static var blockBytes: Int { 34 }
    @inline(__always) static func unpack(_ block: UnsafeRawPointer) -> ByteWeights {
        ByteWeights(signed: (block + 2).loadUnaligned(as: SIMD32<Int8>.self))
    }
}

/// Q5_0: f16 scale, 32 fifth bits, 16 bytes of nibbles, value (q - 16) · d: where an element's
/// fifth bit is clear its byte is the nibble with bits 4-7 set, which is nibble - 16 in two's
/// complement; where it is set, the nibble.
enum Q5_0Blocks: Block32Format {
    static var blockBytes: Int { 22 }
    @inline(__always) static func unpack(_ block: UnsafeRawPointer) -> ByteWeights {
        let upper = ~Nibbles.bitMask(block + 2).words & Words(everyByte: 0xF0)
        return ByteWeights(signed: (Nibbles.bytes(block + 6).words | upper).signedBytes)
    }
}

/// Q5_1: f16 scale, f16 minimum, 32 fifth bits, 16 bytes of nibbles, value q · d + m.
enum Q5_1Blocks: Block32WithMinimum {
    static var blockBytes: Int { 24 }
    @inline(__always) static func unpack(_ block: UnsafeRawPointer) -> ByteWeights {
        ByteWeights(unsigned: (Nibbles.bytes(block + 8).words | (Nibbles.bitMask(block + 4).words & Words(everyByte: 0x10))).bytes)
    }
}

/// IQ4_NL: f16 scale, 16 bytes of nibbles that index a fixed table of sixteen signed levels, value
/// level · d; the look-up is one byte shuffle.
enum IQ4_NLBlocks: Block32Format {
    static var blockBytes: Int { 18 }
    @inline(__always) static func unpack(_ block: UnsafeRawPointer) -> ByteWeights { iq4Levels(block + 2) }
}

/// 16 bytes of IQ4 level indices (element j < 16 the low nibble of byte j, 16 + j the high one)
/// looked up in the level table; IQ4_NL blocks and IQ4_XS sub-blocks share it.
@inline(__always)
func iq4Levels(_ qs: UnsafeRawPointer) -> ByteWeights {
    // `Dequantize.iq4nlValues` in both halves (a test checks they agree).
    let levels = SIMD32<Int8>(-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113,
                              -127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113)
    return ByteWeights(signed: lookUp(levels, Nibbles.bytes(qs)))
}
