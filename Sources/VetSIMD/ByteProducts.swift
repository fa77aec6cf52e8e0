// This module is compiled with -parse-stdlib so that it can name four x86-64-v3 (AVX2) byte
// instructions that Swift's SIMD types cannot express and LLVM does not form from plain Swift: the
// unsigned-by-signed byte multiply that sums pairs (vpmaddubsw), the 16-bit multiply that sums
// pairs (vpmaddwd), the byte sign copy (vpsignb) and the byte shuffle (vpshufb). They are the
// core of every fast quantised dot product on x86 (llama.cpp's AVX2 kernels are built on them).
// Each is a public inlinable function over Swift's SIMD vectors, so callers stay ordinary Swift;
// on other architectures each has a portable definition with the same results, which the tests
// compare with the instructions on x86-64.
import Swift

/// u[2k]·s[2k] + u[2k+1]·s[2k+1] for each k, saturated to Int16 (vpmaddubsw). Unsigned bytes times
/// signed bytes; with |s| ≤ 127 and u ≤ 128 no sum saturates.
@inlinable @inline(__always)
public func multiplyAddPairs(_ u: SIMD32<UInt8>, _ s: SIMD32<Int8>) -> SIMD16<Int16> {
    #if arch(x86_64)
    var r = SIMD16<Int16>()
    r._storage._value = Builtin.int_x86_avx2_pmadd_ub_sw(u._storage._value, s._storage._value)
    return r
    #else
    PortableBytes.multiplyAddPairs(u, s)
    #endif
}

/// a[2k]·b[2k] + a[2k+1]·b[2k+1] for each k in 32 bits (vpmaddwd; wraps only for
/// a = b = -32768 in both lanes of a pair).
@inlinable @inline(__always)
public func multiplyAddPairs(_ a: SIMD16<Int16>, _ b: SIMD16<Int16>) -> SIMD8<Int32> {
    #if arch(x86_64)
    var r = SIMD8<Int32>()
    r._storage._value = Builtin.int_x86_avx2_pmadd_wd(a._storage._value, b._storage._value)
    return r
    #else
    PortableBytes.multiplyAddPairs(a, b)
    #endif
}

/// a[i] where s[i] > 0, -a[i] (wrapping) where s[i] < 0, 0 where s[i] = 0 (vpsignb).
@inlinable @inline(__always)
public func copySigns(_ a: SIMD32<Int8>, from s: SIMD32<Int8>) -> SIMD32<Int8> {
    #if arch(x86_64)
    var r = SIMD32<Int8>()
    r._storage._value = Builtin.int_x86_avx2_psign_b(a._storage._value, s._storage._value)
    return r
    #else
    PortableBytes.copySigns(a, from: s)
    #endif
}

/// Each byte's magnitude as an unsigned byte (|-128| = 128).
@inlinable @inline(__always)
public func magnitudes(_ a: SIMD32<Int8>) -> SIMD32<UInt8> {
    unsafeBitCast(copySigns(a, from: a), to: SIMD32<UInt8>.self)
}

/// A 16-entry table look-up per byte (vpshufb): r[i] = table[16·(i / 16) + index[i] & 15], or 0
/// where index[i] has its top bit set. Each 128-bit half reads its own half of `table`.
@inlinable @inline(__always)
public func lookUp(_ table: SIMD32<Int8>, _ index: SIMD32<UInt8>) -> SIMD32<Int8> {
    #if arch(x86_64)
    var r = SIMD32<Int8>()
    r._storage._value = Builtin.int_x86_avx2_pshuf_b(table._storage._value, index._storage._value)
    return r
    #else
    PortableBytes.lookUp(table, index)
    #endif
}

/// The definitions of the functions above in portable Swift: what they compile to off x86-64, and
/// what the tests hold the x86-64 instructions to.
public enum PortableBytes {
    public static func multiplyAddPairs(_ u: SIMD32<UInt8>, _ s: SIMD32<Int8>) -> SIMD16<Int16> {
        var r = SIMD16<Int16>()
        for k in 0..<16 {
            let sum = Int32(u[2 * k]) * Int32(s[2 * k]) + Int32(u[2 * k + 1]) * Int32(s[2 * k + 1])
            r[k] = Int16(Swift.max(Int32(Int16.min), Swift.min(Int32(Int16.max), sum)))
        }
        return r
    }

    public static func multiplyAddPairs(_ a: SIMD16<Int16>, _ b: SIMD16<Int16>) -> SIMD8<Int32> {
        var r = SIMD8<Int32>()
        for k in 0..<8 {
            r[k] = (Int32(a[2 * k]) &* Int32(b[2 * k])) &+ (Int32(a[2 * k + 1]) &* Int32(b[2 * k + 1]))
        }
        return r
    }

    public static func copySigns(_ a: SIMD32<Int8>, from s: SIMD32<Int8>) -> SIMD32<Int8> {
        var r = SIMD32<Int8>()
        for i in 0..<32 { r[i] = s[i] > 0 ? a[i] : s[i] < 0 ? 0 &- a[i] : 0 }
        return r
    }

    public static func lookUp(_ table: SIMD32<Int8>, _ index: SIMD32<UInt8>) -> SIMD32<Int8> {
        var r = SIMD32<Int8>()
        for i in 0..<32 { r[i] = index[i] & 0x80 != 0 ? 0 : table[(i & 16) + Int(index[i] & 15)] }
        return r
    }
}
