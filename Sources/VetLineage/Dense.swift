import Foundation

/// The small dense linear algebra lineage needs: dot products, a row-major matrix, a randomized
/// truncated SVD and a symmetric eigensolver for the small matrices it produces. Heavy loops are
/// split over the cores by rows.
enum Dense {
    /// Σ a[i]·b[i], eight lanes at a time with four accumulators.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var s0 = SIMD8<Float>(), s1 = SIMD8<Float>(), s2 = SIMD8<Float>(), s3 = SIMD8<Float>()
        var i = 0
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        while i + 32 <= n {
            s0 += ra.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self) * rb.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
            s1 += ra.loadUnaligned(fromByteOffset: 4 * (i + 8), as: SIMD8<Float>.self) * rb.loadUnaligned(fromByteOffset: 4 * (i + 8), as: SIMD8<Float>.self)
            s2 += ra.loadUnaligned(fromByteOffset: 4 * (i + 16), as: SIMD8<Float>.self) * rb.loadUnaligned(fromByteOffset: 4 * (i + 16), as: SIMD8<Float>.self)
            s3 += ra.loadUnaligned(fromByteOffset: 4 * (i + 24), as: SIMD8<Float>.self) * rb.loadUnaligned(fromByteOffset: 4 * (i + 24), as: SIMD8<Float>.self)
            i += 32
        }
        while i + 8 <= n {
            s0 += ra.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self) * rb.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
            i += 8
        }
        var s = ((s0 + s1) + (s2 + s3)).sum()
        while i < n { s += a[i] * b[i]; i += 1 }
        return s
    }

    /// Σ (x[i] − s·y[i])², computed directly (not from dot products, which cancel when x ≈ s·y).
    @inline(__always)
    static func residual(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, scale: Float, _ n: Int) -> Double {
        var acc = SIMD8<Float>()
        let s = SIMD8<Float>(repeating: scale)
        var i = 0
        let rx = UnsafeRawPointer(x), ry = UnsafeRawPointer(y)
        while i + 8 <= n {
            let d = rx.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self) - s * ry.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
            acc += d * d
            i += 8
        }
        var total = Double(acc.sum())
        while i < n { let d = x[i] - scale * y[i]; total += Double(d * d); i += 1 }
        return total
    }

    /// y += alpha·x.
    @inline(__always)
    static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        let a = SIMD8<Float>(repeating: alpha)
        var i = 0
        let rx = UnsafeRawPointer(x), ry = UnsafeMutableRawPointer(y)
        while i + 8 <= n {
            let v = ry.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self) + a * rx.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
            ry.storeBytes(of: v, toByteOffset: 4 * i, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n { y[i] += alpha * x[i]; i += 1 }
    }

    static func dot(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count)
        return a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in dot(x.baseAddress!, y.baseAddress!, a.count) } }
    }

    /// Runs `body(i)` for i in 0..<n, split over the cores in contiguous chunks.
    static func parallel(_ n: Int, _ body: (Int) -> Void) {
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8, n))
        if workers == 1 || n < 64 { for i in 0..<n { body(i) }; return }
        withoutActuallyEscaping(body) { escapable in
            // The callers write disjoint rows; the closure is only shared for the duration of the call.
            nonisolated(unsafe) let run = escapable
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                let lo = n * w / workers, hi = n * (w + 1) / workers
                for i in lo..<hi { run(i) }
            }
        }
    }

    /// A deterministic standard-normal generator (SplitMix64 with Box–Muller), so every run of
    /// lineage draws the same random probes.
    struct Normal {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func uniform() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            return (Double(z >> 11) + 0.5) / Double(1 << 53)
        }
        mutating func next() -> Float {
            let u = uniform(), v = uniform()
            return Float((-2 * Foundation.log(u)).squareRoot() * cos(2 * Double.pi * v))
        }
        mutating func vector(_ n: Int) -> [Float] { (0..<n).map { _ in next() } }
    }

    /// Orthonormalises the rows of `rows` (k rows of length n, stored contiguously) in place by
    /// modified Gram–Schmidt; a row that is (numerically) in the span of the earlier ones becomes zero.
    static func orthonormaliseRows(_ rows: inout [Float], k: Int, n: Int) {
        rows.withUnsafeMutableBufferPointer { p in
            let base = p.baseAddress!
            for j in 0..<k {
                let row = base + j * n
                for l in 0..<j {
                    let other = base + l * n
                    let c = dot(row, other, n)
                    axpy(-c, other, row, n)
                }
                let norm = dot(row, row, n).squareRoot()
                if norm > 1e-20 { for i in 0..<n { row[i] /= norm } } else { for i in 0..<n { row[i] = 0 } }
            }
        }
    }

    /// Eigen-decomposition of a symmetric k×k matrix (row-major) by cyclic Jacobi rotations, in
    /// Double: eigenvalues in decreasing order and the eigenvectors as the columns of `vectors`.
    static func symmetricEigen(_ matrix: [Double], k: Int) -> (values: [Double], vectors: [Double]) {
        var a = matrix
        var v = [Double](repeating: 0, count: k * k)
        for i in 0..<k { v[i * k + i] = 1 }
        for _ in 0..<60 {
            var off = 0.0
            for i in 0..<k { for j in (i + 1)..<max(i + 1, k) { off += a[i * k + j] * a[i * k + j] } }
            if off < 1e-30 { break }
            for p in 0..<k {
                for q in (p + 1)..<max(p + 1, k) {
                    let apq = a[p * k + q]
                    if abs(apq) < 1e-300 { continue }
                    let theta = (a[q * k + q] - a[p * k + p]) / (2 * apq)
                    let t = (theta >= 0 ? 1 : -1) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for r in 0..<k {
                        let arp = a[r * k + p], arq = a[r * k + q]
                        a[r * k + p] = c * arp - s * arq
                        a[r * k + q] = s * arp + c * arq
                    }
                    for r in 0..<k {
                        let apr = a[p * k + r], aqr = a[q * k + r]
                        a[p * k + r] = c * apr - s * aqr
                        a[q * k + r] = s * apr + c * aqr
                    }
                    for r in 0..<k {
                        let vrp = v[r * k + p], vrq = v[r * k + q]
                        v[r * k + p] = c * vrp - s * vrq
                        v[r * k + q] = s * vrp + c * vrq
                    }
                }
            }
        }
        let order = (0..<k).sorted { a[$0 * k + $0] > a[$1 * k + $1] }
        var vectors = [Double](repeating: 0, count: k * k)
        for (col, from) in order.enumerated() { for r in 0..<k { vectors[r * k + col] = v[r * k + from] } }
        return (order.map { a[$0 * k + $0] }, vectors)
    }

    /// The leading singular values of the m×n row-major matrix `x`, with the left singular vector
    /// (length m) and right singular vector (length n) of the largest, by a randomized range finder
    /// (`probes` Gaussian probes, `power` power iterations; Halko, Martinsson and Tropp 2011).
    static func topSingular(_ x: [Float], rows m: Int, columns n: Int, probes: Int = 20, power: Int = 2,
                            seed: UInt64 = 11) -> (values: [Double], left: [Float], right: [Float]) {
        let k = min(probes, m, n)
        guard k > 0 else { return ([], [], []) }
        var normal = Normal(seed: seed)
        var omega = normal.vector(k * n)  // k rows of length n
        orthonormaliseRows(&omega, k: k, n: n)
        var qt = [Float](repeating: 0, count: k * m)  // Qᵀ: k rows of length m
        var zt = [Float](repeating: 0, count: k * n)  // (QᵀX): k rows of length n
        x.withUnsafeBufferPointer { xp in
            let xb = xp.baseAddress!
            // Yᵀ[j][i] = X_i · Ωᵀ_j
            func range(_ probesT: [Float]) -> [Float] {
                var y = [Float](repeating: 0, count: k * m)
                probesT.withUnsafeBufferPointer { pp in
                    y.withUnsafeMutableBufferPointer { yp in
                        let yb = yp.baseAddress!, pb = pp.baseAddress!
                        parallel(m) { i in for j in 0..<k { yb[j * m + i] = dot(xb + i * n, pb + j * n, n) } }
                    }
                }
                return y
            }
            // (QᵀX)[j] = Σ_i Qᵀ[j][i]·X_i, split over the probes.
            func project(_ qT: [Float]) -> [Float] {
                var z = [Float](repeating: 0, count: k * n)
                qT.withUnsafeBufferPointer { qp in
                    z.withUnsafeMutableBufferPointer { zp in
                        let zb = zp.baseAddress!, qb = qp.baseAddress!
                        parallel(k) { j in for i in 0..<m { let c = qb[j * m + i]; if c != 0 { axpy(c, xb + i * n, zb + j * n, n) } } }
                    }
                }
                return z
            }
            qt = range(omega)
            orthonormaliseRows(&qt, k: k, n: m)
            for _ in 0..<power {
                zt = project(qt)
                orthonormaliseRows(&zt, k: k, n: n)
                qt = range(zt)
                orthonormaliseRows(&qt, k: k, n: m)
            }
            zt = project(qt)
        }
        // B = QᵀX (k×n); B·Bᵀ = W Λ Wᵀ; σ = √λ; u = Q w; v = Bᵀ w / σ.
        var gram = [Double](repeating: 0, count: k * k)
        for i in 0..<k { for j in i..<k {
            let g = zt.withUnsafeBufferPointer { p in Double(dot(p.baseAddress! + i * n, p.baseAddress! + j * n, n)) }
            gram[i * k + j] = g; gram[j * k + i] = g
        } }
        let (lambda, w) = symmetricEigen(gram, k: k)
        let values = lambda.map { max(0, $0).squareRoot() }
        var left = [Float](repeating: 0, count: m), right = [Float](repeating: 0, count: n)
        for l in 0..<k {
            let c = Float(w[l * k + 0])
            for i in 0..<m { left[i] += c * qt[l * m + i] }
            if values[0] > 0 { for i in 0..<n { right[i] += c * zt[l * n + i] / Float(values[0]) } }
        }
        return (values, left, right)
    }
}
