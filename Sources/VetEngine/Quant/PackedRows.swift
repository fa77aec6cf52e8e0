import Synchronization
import VetGGUF
import VetSIMD

/// A Q4_1 matrix repacked eight rows at a time for batched decoding, where the row layout's kernels
/// spend most of their work per vector on horizontal sums: with eight rows side by side, one
/// 32-bit lane per row, a block's products for all eight rows are summed vertically.
///
/// Per group of eight rows and per 32-element block, 160 bytes (the size of the eight original
/// blocks): the eight f16 scales, the eight f16 minimums, then four chunks of 32 bytes. In chunk
/// c, byte 4r + i holds element 8c + i of row r in its low nibble and element 8c + 4 + i in its
/// high nibble, so that masking a chunk gives the register of elements 4k...4k+3 of every row
/// (k = 2c) and shifting it the next (k = 2c + 1). Broadcasting the activation's elements
/// 4k...4k+3 to all lanes, `vpmaddubsw` then forms each row's products in that row's lane.
///
/// The arithmetic differs from ggml's row kernel (`DotProduct.blocks`): a block's 32 products are
/// summed exactly in integers and scaled once per row, where ggml scales eight partial sums and
/// adds them at the end, so results differ in the last bits (closer to the exact value, not
/// farther). Each vector's result does not depend on which or how many vectors share the batch.
final class PackedRows: @unchecked Sendable {
    static let groupBlockBytes = 160
    /// Groups of eight rows.
    let groups: Int
    /// 32-element blocks per row.
    let blocks: Int
    private let data: UnsafeMutableRawPointer

    static func packs(_ type: GGMLType) -> Bool { type == .q4_1 }

    /// Packs the first `rows / 8 * 8` rows of a Q4_1 matrix (rows past the last whole group stay
    /// with the row kernels), groups spread over the pool.
    init(base: UnsafeRawPointer, rows: Int, columns: Int, rowBytes: Int, pool: WorkerPool) {
        groups = rows / 8
        blocks = columns / 32
        let total = max(1, groups * blocks * Self.groupBlockBytes)
        data = .allocate(byteCount: total, alignment: 64)
        let source = SendableRaw(base), target = SendableMutableRaw(data)
        let blocks = self.blocks
        pool.forEachChunk(groups) { range in
            for g in range {
                for b in 0..<blocks {
                    Self.pack(group: g, block: b, from: source.pointer, rowBytes: rowBytes,
                              into: target.pointer + (g * blocks + b) * Self.groupBlockBytes)
                }
            }
        }
    }

    deinit { data.deallocate() }

    /// Block `block` of rows 8·group ..< 8·group + 8 in the packed layout at `out`.
    private static func pack(group: Int, block: Int, from base: UnsafeRawPointer, rowBytes: Int, into out: UnsafeMutableRawPointer) {
        let bytes = out.assumingMemoryBound(to: UInt8.self)
        for r in 0..<8 {
            let source = base + (group * 8 + r) * rowBytes + block * 20
            let q = source.assumingMemoryBound(to: UInt8.self)
            for k in 0..<2 {
                bytes[2 * r + k] = q[k]            // scale
                bytes[16 + 2 * r + k] = q[2 + k]   // minimum
            }
            // Element e of the original block: the low nibble of byte e (e < 16), else the high nibble of byte e - 16.
            func nibble(_ e: Int) -> UInt8 { e < 16 ? q[4 + e] & 0x0F : q[4 + e - 16] >> 4 }
            for c in 0..<4 {
                for i in 0..<4 {
                    bytes[32 + c * 32 + 4 * r + i] = nibble(8 * c + i) | nibble(8 * c + 4 + i) << 4
                }
            }
        }
    }

    /// The start of group `group`'s blocks.
    @inline(__always)
    func group(_ group: Int) -> UnsafeRawPointer { UnsafeRawPointer(data + group * blocks * Self.groupBlockBytes) }

    /// Rows 8g ..< 8g + 8 against the G interleaved vectors `v`: `result[i]` lane r is row 8g + r · vector i.
    @inline(__always)
    static func dots<let G: Int>(_ group: UnsafeRawPointer, blocks: Int, _ v: InterleavedVectors,
                                 into result: inout InlineArray<G, SIMD8<Float>>) {
        var acc = InlineArray<G, SIMD8<Float>>(repeating: .zero)
        let low = Words(everyByte: 0x0F)
        let ones = SIMD16<Int16>(repeating: 1)
        for b in 0..<blocks {
            let p = group + b &* groupBlockBytes
            let d = SIMD8<Float>(p.loadUnaligned(as: SIMD8<Float16>.self))
            let m = SIMD8<Float>((p + 16).loadUnaligned(as: SIMD8<Float16>.self))
            let c0 = (p + 32).loadUnaligned(as: Words.self), c1 = (p + 64).loadUnaligned(as: Words.self)
            let c2 = (p + 96).loadUnaligned(as: Words.self), c3 = (p + 128).loadUnaligned(as: Words.self)
            let w0 = (c0 & low).bytes, w1 = ((c0 &>> 4) & low).bytes
            let w2 = (c1 & low).bytes, w3 = ((c1 &>> 4) & low).bytes
            let w4 = (c2 & low).bytes, w5 = ((c2 &>> 4) & low).bytes
            let w6 = (c3 & low).bytes, w7 = ((c3 &>> 4) & low).bytes
            let quants = UnsafeRawPointer(v.quants + b &* (G &* 32))
            let scales = UnsafeRawPointer(v.scales + b &* (G &* 8)), sums = v.sums + b &* G
            for i in 0..<G {
                let q = quants + i &* 32
                @inline(__always) func a(_ k: Int) -> SIMD32<Int8> {
                    unsafeBitCast(SIMD8<Int32>(repeating: q.loadUnaligned(fromByteOffset: 4 &* k, as: Int32.self)), to: SIMD32<Int8>.self)
                }
                // Each 16-bit lane gains at most 2·15·127 per step: eight steps stay below 2^15.
                var s = multiplyAddPairs(w0, a(0))
                s &+= multiplyAddPairs(w1, a(1))
                s &+= multiplyAddPairs(w2, a(2))
                s &+= multiplyAddPairs(w3, a(3))
                s &+= multiplyAddPairs(w4, a(4))
                s &+= multiplyAddPairs(w5, a(5))
                s &+= multiplyAddPairs(w6, a(6))
                s &+= multiplyAddPairs(w7, a(7))
                let sum = SIMD8<Float>(multiplyAddPairs(s, ones))
                acc[i] = acc[i].addingProduct(d * scales.loadUnaligned(fromByteOffset: i &* 32, as: SIMD8<Float>.self), sum)
                acc[i] = acc[i].addingProduct(m, SIMD8<Float>(repeating: sums[i]))
            }
        }
        result = acc
    }
}

/// A lazily built `PackedRows` for one matrix, shared by the copies of the matrix's value.
final class Packing: @unchecked Sendable {
    private let packed = Mutex<PackedRows?>(nil)

    /// The packed rows, built on first use.
    func rows(_ build: () -> PackedRows) -> PackedRows {
        packed.withLock { value in
            if let value { return value }
            let made = build()
            value = made
            return made
        }
    }
}

/// A writable pointer handed to worker threads that write disjoint bytes.
struct SendableMutableRaw: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
    init(_ pointer: UnsafeMutableRawPointer) { self.pointer = pointer }
}

extension PackedRows {
    /// Eight, four or one interleaved vectors against one group of rows: vector i's eight results
    /// go to `output[i * stride ..< i * stride + 8]`. Out of line, one per group size.
    @inline(never)
    static func dots8(_ group: UnsafeRawPointer, blocks: Int, _ v: InterleavedVectors, into output: UnsafeMutablePointer<Float>, stride: Int) {
        store(group, blocks: blocks, v, into: output, stride: stride, as: InlineArray<8, SIMD8<Float>>.self)
    }

    @inline(never)
    static func dots4(_ group: UnsafeRawPointer, blocks: Int, _ v: InterleavedVectors, into output: UnsafeMutablePointer<Float>, stride: Int) {
        store(group, blocks: blocks, v, into: output, stride: stride, as: InlineArray<4, SIMD8<Float>>.self)
    }

    @inline(never)
    static func dots1(_ group: UnsafeRawPointer, blocks: Int, _ v: InterleavedVectors, into output: UnsafeMutablePointer<Float>, stride: Int) {
        store(group, blocks: blocks, v, into: output, stride: stride, as: InlineArray<1, SIMD8<Float>>.self)
    }

    @inline(__always)
    private static func store<let G: Int>(_ group: UnsafeRawPointer, blocks: Int, _ v: InterleavedVectors, into output: UnsafeMutablePointer<Float>,
                                          stride: Int, as: InlineArray<G, SIMD8<Float>>.Type) {
        var r = InlineArray<G, SIMD8<Float>>(repeating: .zero)
        dots(group, blocks: blocks, v, into: &r)
        for i in 0..<G { UnsafeMutableRawPointer(output + i * stride).storeBytes(of: r[i], as: SIMD8<Float>.self) }
    }
}
