import Testing
import VetSIMD

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Bytes {
    var state: UInt64
    mutating func next() -> UInt64 {
        state ^= state >> 12; state ^= state << 25; state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }
    mutating func vector<V: SIMD>(_: V.Type) -> V where V.Scalar: FixedWidthInteger {
        var v = V()
        for i in v.indices { v[i] = V.Scalar(truncatingIfNeeded: next()) }
        return v
    }
}

@Suite("AVX2 byte instructions agree with their portable definitions", .enabled(if: EngineHost.supported, Comment(rawValue: EngineHost.notice)))
struct ByteProductsTests {
    @Test("random vectors, including the saturating and wrapping extremes")
    func random() {
        var g = Bytes(state: 0x9E37_79B9_7F4A_7C15)
        for round in 0..<2000 {
            var u = g.vector(SIMD32<UInt8>.self), s = g.vector(SIMD32<Int8>.self)
            var a = g.vector(SIMD16<Int16>.self), b = g.vector(SIMD16<Int16>.self)
            if round == 0 {
                // Saturation both ways in vpmaddubsw, and the one wrapping case of vpmaddwd.
                u = SIMD32(repeating: 255); s = SIMD32(repeating: 127); s[2] = -128; s[3] = -128
                a = SIMD16(repeating: -32768); b = SIMD16(repeating: -32768)
            }
            #expect(multiplyAddPairs(u, s) == PortableBytes.multiplyAddPairs(u, s))
            #expect(multiplyAddPairs(a, b) == PortableBytes.multiplyAddPairs(a, b))
            #expect(copySigns(s, from: unsafeBitCast(u, to: SIMD32<Int8>.self)) == PortableBytes.copySigns(s, from: unsafeBitCast(u, to: SIMD32<Int8>.self)))
            #expect(lookUp(s, u) == PortableBytes.lookUp(s, u))
        }
    }

    @Test("known values")
    func known() {
        var u = SIMD32<UInt8>(repeating: 3), s = SIMD32<Int8>(repeating: -2)
        u[0] = 200; s[1] = 100
        #expect(multiplyAddPairs(u, s)[0] == 200 * -2 + 3 * 100)
        #expect(multiplyAddPairs(u, s)[1] == -12)
        #expect(magnitudes(SIMD32<Int8>(repeating: -128))[0] == 128)
        var index = SIMD32<UInt8>(repeating: 0x80); index[0] = 1; index[16] = 1
        var table = SIMD32<Int8>(); table[1] = 7; table[17] = -9
        let r = lookUp(table, index)
        #expect(r[0] == 7 && r[16] == -9 && r[1] == 0)
    }
}
