import Foundation
import Testing
import VetFormats
@testable import VetEngine

/// Random blocks of `type` with finite f16 scales in the places the layout keeps them.
func randomBlocks(_ type: GGMLType, count: Int, seed: UInt64) -> [UInt8] {
    var random = SeededGenerator(seed: seed)
    let (perBlock, blockBytes) = type.block
    var bytes = (0..<(count / perBlock * blockBytes)).map { _ in UInt8.random(in: 0...255, using: &random) }
    func half(_ at: Int) {
        let bits = Float16(Float.random(in: -0.05...0.05, using: &random)).bitPattern
        bytes[at] = UInt8(bits & 0xFF)
        bytes[at + 1] = UInt8(bits >> 8)
    }
    for b in 0..<(count / perBlock) {
        let base = b * blockBytes
        switch type {
        case .q4_0, .q5_0, .q8_0, .iq4_nl, .iq4_xs: half(base)
        case .q4_1, .q5_1, .q4_K, .q5_K: half(base); half(base + 2)
        case .q6_K: half(base + 208)
        case .q2_K: half(base + 80); half(base + 82)
        case .q3_K: half(base + 108)
        case .f16: for i in 0..<perBlock { half(base + 2 * i) }
        case .f32:
            let v = Float.random(in: -1...1, using: &random).bitPattern
            for k in 0..<4 { bytes[base + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(k))) }
        case .bf16:
            let v = Float.random(in: -1...1, using: &random).bitPattern >> 16
            bytes[base] = UInt8(v & 0xFF)
            bytes[base + 1] = UInt8(v >> 8)
        default: break
        }
    }
    return bytes
}

@Suite("Quantised dot products", .enabled(if: EngineHost.supported, Comment(rawValue: EngineHost.notice)))
struct KernelTests {
    @Test("every kernel agrees with dequantise-then-multiply within the activation's 8-bit quantisation",
          arguments: [GGMLType.q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .iq4_nl, .iq4_xs, .f32, .f16, .bf16])
    func kernel(type: GGMLType) {
        let count = 512
        for seed in 0..<8 as Range<UInt64> {
            let row = randomBlocks(type, count: count, seed: seed)
            var random = SeededGenerator(seed: seed + 100)
            let x = (0..<count).map { _ in Float.random(in: -2...2, using: &random) }
            var weights = [Float](repeating: 0, count: count)
            row.withUnsafeBytes { raw in weights.withUnsafeMutableBufferPointer { Dequantize.row(type, raw.baseAddress!, count: count, into: $0.baseAddress!) } }
            var reference: Double = 0, magnitude: Double = 0
            for i in 0..<count {
                reference += Double(weights[i]) * Double(x[i])
                magnitude += abs(Double(weights[i]) * Double(x[i]))
            }
            let vector = QuantizedVector()
            x.withUnsafeBufferPointer { vector.quantize($0, as: QuantizedVector.layout(for: type)) }
            let got = row.withUnsafeBytes { raw in vector.withView { DotProduct.dot(type, raw.baseAddress!, $0, count: count) } }
            // 8-bit activations carry at most half a step (1/254 of the block maximum) of error each.
            #expect(abs(Double(got) - reference) <= 0.01 * magnitude + 1e-4, "\(type) seed \(seed): \(got) vs \(reference)")
        }
    }

    @Test("several vectors at once (eight- and four-vector kernels plus the rest) give each vector exactly the single-vector result",
          arguments: [GGMLType.q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .iq4_nl, .iq4_xs])
    func severalAtOnce(type: GGMLType) {
        let count = 768
        let row = randomBlocks(type, count: count, seed: 42)
        let vectors = (0..<14).map { k -> QuantizedVector in  // a group of eight, one of four, two alone
            var random = SeededGenerator(seed: UInt64(k))
            let x = (0..<count).map { _ in Float.random(in: -3...3, using: &random) }
            let v = QuantizedVector()
            x.withUnsafeBufferPointer { v.quantize($0, as: QuantizedVector.layout(for: type)) }
            return v
        }
        row.withUnsafeBytes { raw in
            var together = [Float](repeating: .nan, count: vectors.count)
            let batch = VectorBatch(vectors.map(\.view), type: type, count: count)
            together.withUnsafeMutableBufferPointer {
                DotProduct.dots(type, raw.baseAddress!, batch, count: count, into: $0.baseAddress!, stride: 1)
            }
            let single = vectors.map { DotProduct.dot(type, raw.baseAddress!, $0.view, count: count) }
            #expect(together.map(\.bitPattern) == single.map(\.bitPattern), "\(type)")
        }
    }

    /// Fourteen random vectors of `count` values quantised for `type` (a group of eight, one of four, two alone).
    static func vectors(_ type: GGMLType, count: Int, number: Int = 14) -> [QuantizedVector] {
        (0..<number).map { k -> QuantizedVector in
            var random = SeededGenerator(seed: UInt64(k) + 7)
            let x = (0..<count).map { _ in Float.random(in: -3...3, using: &random) }
            let v = QuantizedVector()
            x.withUnsafeBufferPointer { v.quantize($0, as: QuantizedVector.layout(for: type)) }
            return v
        }
    }

    /// Every vector of `vectors` against every group of `packed`: result[t][r].
    static func packedProducts(_ packed: PackedRows, _ vectors: [QuantizedVector], count: Int) -> [[Float]] {
        let batch = VectorBatch(vectors.map(\.view), type: .q4_1, count: count, everyVector: true)
        var out = [Float](repeating: .nan, count: vectors.count * packed.groups * 8)
        let rows = packed.groups * 8
        out.withUnsafeMutableBufferPointer { o in
            for g in 0..<packed.groups {
                for group in batch.groups {
                    let target = o.baseAddress! + group.start * rows + 8 * g
                    switch group.size {
                    case 8: PackedRows.dots8(packed.group(g), blocks: packed.blocks, group.vectors, into: target, stride: rows)
                    case 4: PackedRows.dots4(packed.group(g), blocks: packed.blocks, group.vectors, into: target, stride: rows)
                    default: PackedRows.dots1(packed.group(g), blocks: packed.blocks, group.vectors, into: target, stride: rows)
                    }
                }
            }
        }
        return vectors.indices.map { Array(out[($0 * rows)..<(($0 + 1) * rows)]) }
    }

    @Test("packed Q4_1 rows: each result is the block sums' exact value to float rounding, close to the row kernel's, and the same in groups of eight, four and one")
    func packedRows() {
        let count = 768, rows = 24, blockBytes = 20
        let matrix = randomBlocks(.q4_1, count: count * rows, seed: 5)
        let vectors = Self.vectors(.q4_1, count: count)
        let pool = WorkerPool(threads: 2)
        matrix.withUnsafeBytes { raw in
            let base = raw.baseAddress!, rowBytes = count / 32 * blockBytes
            let packed = PackedRows(base: base, rows: rows, columns: count, rowBytes: rowBytes, pool: pool)
            #expect(packed.groups == 3 && packed.blocks == count / 32)
            let together = Self.packedProducts(packed, vectors, count: count)
            // The same vectors one at a time, and four at a time: bit for bit the same numbers.
            for (t, v) in vectors.enumerated() {
                #expect(Self.packedProducts(packed, [v], count: count)[0].map(\.bitPattern) == together[t].map(\.bitPattern), "vector \(t)")
            }
            #expect(Self.packedProducts(packed, Array(vectors[8..<12]), count: count).map { $0.map(\.bitPattern) }
                    == together[8..<12].map { $0.map(\.bitPattern) })
            for (t, v) in vectors.enumerated() {
                let view = v.view
                for r in 0..<rows {
                    let row = base + r * rowBytes
                    // What the packed kernel computes, in exact arithmetic: per block, weight scale ×
                    // activation scale × the integer sum of products, plus minimum × activation sum.
                    var exact = 0.0, magnitude = 0.0
                    for b in 0..<(count / 32) {
                        let block = row + b * blockBytes
                        let d = Double(Dequantize.half(block, 0)), m = Double(Dequantize.half(block, 2))
                        var integer = 0
                        for e in 0..<32 {
                            let byte = block.load(fromByteOffset: 4 + e % 16, as: UInt8.self)
                            let w = Int(e < 16 ? byte & 0x0F : byte >> 4)
                            integer += w * Int(view.quants[b * 32 + e])
                            magnitude += abs(d * Double(view.scales[b]) * Double(w * Int(view.quants[b * 32 + e])))
                        }
                        exact += d * Double(view.scales[b]) * Double(integer) + m * Double(view.sums[b])
                        magnitude += abs(m * Double(view.sums[b]))
                    }
                    let got = Double(together[t][r])
                    #expect(abs(got - exact) <= 1e-6 * magnitude, "vector \(t) row \(r): \(got) vs exact \(exact)")
                    // The row kernel rounds differently, by no more than float rounding of the same terms.
                    let rowKernel = Double(DotProduct.dot(.q4_1, row, view, count: count))
                    #expect(abs(got - rowKernel) <= 2e-6 * magnitude, "vector \(t) row \(r): packed \(got), row kernel \(rowKernel)")
                }
            }
        }
    }

    @Test("a Q4_1 matrix whose rows are not a whole number of groups of eight: the packed product covers the last rows with the row kernels")
    func packedMatrixWithTail() throws {
        let model = try TinyModel.model(TinyModel.builder(type: .q4_1).bytes())
        let matrix = model.layers[0].gate.rows(3..<16)  // one group of eight, five rows left over
        #expect(matrix.packing != nil)
        let vectors = Self.vectors(.q4_1, count: matrix.columns, number: 6)
        let pool = WorkerPool(threads: 2)
        var plain = [Float](repeating: .nan, count: vectors.count * matrix.rows), packed = plain
        plain.withUnsafeMutableBufferPointer { matrix.multiply(vectors[...], into: $0.baseAddress!, pool: pool) }
        packed.withUnsafeMutableBufferPointer { matrix.multiply(vectors[...], into: $0.baseAddress!, pool: pool, packed: true) }
        for t in vectors.indices {
            for r in 0..<matrix.rows {
                let a = plain[t * matrix.rows + r], b = packed[t * matrix.rows + r]
                #expect(!b.isNaN && abs(a - b) <= 1e-4 * max(1, abs(a)), "vector \(t) row \(r): \(a) vs \(b)")
                // Rows past the group are the row kernel's, bit for bit.
                if r >= 8 { #expect(a.bitPattern == b.bitPattern, "vector \(t) row \(r)") }
            }
        }
        #expect(zip(plain, packed).contains { $0.bitPattern != $1.bitPattern }, "the packed rows were not used")
    }

    @Test("SIMD helpers: nibble and bit unpacking, the IQ4 level table and the lane sums are exact")
    func helpers() {
        let bytes: [UInt8] = (0..<32).map { UInt8(truncatingIfNeeded: $0 * 37 + 11) }
        bytes.withUnsafeBytes { raw in
            let nibbles = Nibbles.bytes(raw.baseAddress!)
            let bits = Nibbles.bitMask(raw.baseAddress!)
            let word = raw.loadUnaligned(as: UInt32.self).littleEndian
            let levels = iq4Levels(raw.baseAddress!)
            for j in 0..<16 {
                #expect(nibbles[j] == bytes[j] & 0x0F)
                #expect(nibbles[16 + j] == bytes[j] >> 4)
                #expect(levels.signs[j] == Dequantize.iq4nlValues[Int(bytes[j] & 0x0F)])
                #expect(levels.signs[16 + j] == Dequantize.iq4nlValues[Int(bytes[j] >> 4)])
            }
            for j in 0..<32 { #expect(bits[j] == (word >> UInt32(j) & 1 == 1 ? 0xFF : 0)) }
        }
        // Signed weights: magnitudes times the activation with the weights' signs.
        var w = SIMD32<Int8>(repeating: -128); w[1] = 5; w[2] = 0
        let a = [Int8](repeating: -127, count: 32)
        let p = a.withUnsafeBufferPointer { ByteWeights(signed: w).products($0.baseAddress!) }
        #expect(p[0] == 128 * 127 - 5 * 127)
        #expect(p[1] == 128 * 127)  // elements 2 (weight 0) and 3
        // Lane k of the accumulator gets the sum of 16-bit lanes 2k and 2k+1, exactly.
        var acc = SIMD8<Float>()
        DotProduct.accumulate(&acc, SIMD8(repeating: 1), SIMD16<Int16>(-32768, 32767, -1, 5, 100, -100, 7, 8, 32767, 32767, -32768, -32768, 0, 1, 2, 3))
        #expect(acc == SIMD8<Float>(-1, 4, 0, 15, 65534, -65536, 1, 5))
    }

    @Test("ggml's exp matches libm within an ulp or two and saturates like ggml")
    func exp() {
        for x in stride(from: Float(-80), through: 80, by: 0.37) {
            let got = GGMLMath.exp(x), want = Foundation.exp(x)
            #expect(abs(got - want) <= 3 * want.ulp, "\(x)")
        }
        #expect(GGMLMath.exp(-.infinity) == 0)
        #expect(GGMLMath.exp(200) == .infinity)
    }
}
