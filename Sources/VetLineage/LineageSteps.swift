import Foundation

/// A's residual dimension `i` is B's dimension `permutation[i]`, times `sign[i]`.
struct ResidualMap {
    var summary: Lineage.ResidualAlignment
    var permutation: [Int]
    var sign: [Float]

    /// Puts the residual columns of `units` (rows of `width`, B's basis) in A's basis.
    func toA(_ units: inout [Float], width: Int) {
        guard summary.method == "permutation" else { return }
        let rows = units.count / width
        var row = [Float](repeating: 0, count: width)
        for r in 0..<rows {
            let base = r * width
            for i in 0..<width { row[i] = sign[i] * units[base + permutation[i]] }
            for i in 0..<width { units[base + i] = row[i] }
        }
    }
}

enum Embeddings {
    /// `count` token ids spread evenly over the shared vocabulary.
    static func sampleIDs(shared: Int, count: Int) -> [Int] {
        let n = min(count, shared)
        return (0..<n).map { $0 * shared / n }
    }

    static func rows(_ store: TensorStore, _ entry: TensorEntry, ids: [Int]) throws -> [Float] {
        var out: [Float] = []
        out.reserveCapacity(ids.count * entry.columns)
        if store.rowsStandAlone(entry) {
            for id in ids { out += try store.floats(entry, rows: id..<(id + 1)) }
        } else {
            let all = try store.floats(entry)
            for id in ids { out += all[(id * entry.columns)..<((id + 1) * entry.columns)] }
        }
        return out
    }

    /// Rows centred on their mean and scaled to unit length.
    static func centredUnitRows(_ x: [Float], width: Int, rows: Int) -> [Float] {
        var mean = [Double](repeating: 0, count: width)
        for r in 0..<rows { for i in 0..<width { mean[i] += Double(x[r * width + i]) } }
        var out = x
        for r in 0..<rows {
            var norm = 0.0
            for i in 0..<width { let v = Double(x[r * width + i]) - mean[i] / Double(rows); out[r * width + i] = Float(v); norm += v * v }
            let scale = norm > 0 ? Float(1 / norm.squareRoot()) : 0
            for i in 0..<width { out[r * width + i] *= scale }
        }
        return out
    }

    /// The correlation of the two models' token-similarity matrices over 256 of the sampled tokens.
    static func geometry(_ ea: [Float], _ wa: Int, _ eb: [Float], _ wb: Int, rows: Int) -> Lineage.Geometry {
        let a = centredUnitRows(ea, width: wa, rows: rows), b = centredUnitRows(eb, width: wb, rows: rows)
        let t = min(256, rows)
        let picked = (0..<t).map { $0 * rows / t }
        let x = triangle(a, width: wa, rows: picked), y = triangle(b, width: wb, rows: picked)
        return Lineage.Geometry(tokens: t, correlation: ModelDiff.rounded(pearson(x, y)))
    }

    /// The dot products of rows `rows[i]` and `rows[j]` of `x` for every i < j, row by row: the upper
    /// triangle of their similarity matrix (unit rows give cosines).
    static func triangle(_ x: [Float], width: Int, rows: [Int]) -> [Double] {
        var out: [Double] = []
        out.reserveCapacity(rows.count * max(0, rows.count - 1) / 2)
        x.withUnsafeBufferPointer { p in
            for i in 0..<rows.count { for j in (i + 1)..<max(i + 1, rows.count) {
                out.append(Double(Dense.dot(p.baseAddress! + rows[i] * width, p.baseAddress! + rows[j] * width, width)))
            } }
        }
        return out
    }

    static func pearson(_ x: [Double], _ y: [Double]) -> Double {
        let n = Double(x.count)
        guard n > 1 else { return 0 }
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for i in 0..<x.count { let dx = x[i] - mx, dy = y[i] - my; sxy += dx * dy; sxx += dx * dx; syy += dy * dy }
        return sxx > 0 && syy > 0 ? sxy / (sxx * syy).squareRoot() : 0
    }

    /// Matches each of A's residual dimensions to B's by the correlation of their embedding
    /// columns over the sampled tokens.
    static func align(_ ea: [Float], _ eb: [Float], width d: Int, rows n: Int) -> ResidualMap {
        // Columns, centred and unit length, stored contiguously (d rows of n).
        func columns(_ e: [Float]) -> [Float] {
            var t = [Float](repeating: 0, count: d * n)
            for r in 0..<n { for i in 0..<d { t[i * n + r] = e[r * d + i] } }
            for i in 0..<d {
                var mean = 0.0
                for r in 0..<n { mean += Double(t[i * n + r]) }
                mean /= Double(n)
                var norm = 0.0
                for r in 0..<n { let v = Double(t[i * n + r]) - mean; t[i * n + r] = Float(v); norm += v * v }
                let s = norm > 0 ? Float(1 / norm.squareRoot()) : 0
                for r in 0..<n { t[i * n + r] *= s }
            }
            return t
        }
        let ca = columns(ea), cb = columns(eb)
        var c = [Float](repeating: 0, count: d * d)
        ca.withUnsafeBufferPointer { pa in
            cb.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    let out = pc.baseAddress!, a = pa.baseAddress!, b = pb.baseAddress!
                    Dense.parallel(d) { i in for j in 0..<d { out[i * d + j] = Dense.dot(a + i * n, b + j * n, n) } }
                }
            }
        }
        var bestB = [Int](repeating: 0, count: d), bestA = [Int](repeating: 0, count: d)
        var bestBValue = [Float](repeating: -1, count: d), bestAValue = [Float](repeating: -1, count: d)
        for i in 0..<d { for j in 0..<d {
            let v = abs(c[i * d + j])
            if v > bestBValue[i] { bestBValue[i] = v; bestB[i] = j }
            if v > bestAValue[j] { bestAValue[j] = v; bestA[j] = i }
        } }
        var matched = [Bool](repeating: false, count: d)
        for i in 0..<d where bestA[bestB[i]] == i && Double(bestBValue[i]) >= Lineage.Threshold.dimensionMatch { matched[i] = true }
        let fraction = Double(matched.filter { $0 }.count) / Double(max(1, d))
        let mean = bestBValue.reduce(0.0) { $0 + Double($1) } / Double(max(1, d))
        var permutation = Array(0..<d), sign = [Float](repeating: 1, count: d)
        var method = "none"
        if fraction >= Lineage.Threshold.aligned {
            var used = [Bool](repeating: false, count: d)
            for i in 0..<d where matched[i] { permutation[i] = bestB[i]; used[bestB[i]] = true }
            // The few unmatched dimensions take the best unused ones.
            for i in 0..<d where !matched[i] {
                var best = -1, value: Float = -1
                for j in 0..<d where !used[j] && abs(c[i * d + j]) > value { value = abs(c[i * d + j]); best = j }
                permutation[i] = best; used[best] = true
            }
            for i in 0..<d { sign[i] = c[i * d + permutation[i]] < 0 ? -1 : 1 }
            let identity = permutation == Array(0..<d) && sign.allSatisfy { $0 > 0 }
            method = identity ? "identity" : "permutation"
        }
        let summary = Lineage.ResidualAlignment(
            method: method, rowsSampled: n, matchedFraction: ModelDiff.rounded(fraction), meanCorrelation: ModelDiff.rounded(mean),
            signFlips: method == "none" ? 0 : sign.filter { $0 < 0 }.count,
            moved: method == "none" ? 0 : (0..<d).filter { permutation[$0] != $0 }.count)
        return ResidualMap(summary: summary, permutation: permutation, sign: sign)
    }
}

/// One matrix of A against its counterpart in B, in A's basis.
enum MatrixComparison {
    struct Result {
        var tensor: Lineage.Tensor
        /// The update's direction in the residual stream, for writers whose update has rank ≤ 2.
        var direction: [Float]?
    }

    /// The matrix as rows of residual width ("units"): a reader's rows, a writer's columns, an
    /// embedding's token rows; norms folded into readers; B's residual put in A's order.
    static func units(_ store: TensorStore, _ shape: ModelShape, _ entry: TensorEntry, role: String, vocabulary: Int,
                      residual: ResidualMap?) throws -> (values: [Float], count: Int)? {
        let d = shape.width
        guard entry.shape.count == 2 else { return nil }
        var values: [Float]
        var count: Int
        switch role {
        case "embedding":
            guard entry.shape[1] == d else { return nil }
            (values, count) = try vocabularyRows(store, entry, vocabulary: vocabulary)
        case "writer":
            guard entry.shape[0] == d else { return nil }
            count = entry.shape[1]
            let raw = try store.floats(entry)
            values = [Float](repeating: 0, count: raw.count)
            for r in 0..<d { for u in 0..<count { values[u * d + r] = raw[r * count + u] } }
        default:
            guard entry.shape[1] == d else { return nil }
            if entry.name == "output.weight" {
                (values, count) = try vocabularyRows(store, entry, vocabulary: vocabulary)
            } else {
                count = entry.shape[0]
                values = try store.floats(entry)
            }
            if let gamma = try shape.norm(for: entry.name) {
                for u in 0..<count { for i in 0..<d { values[u * d + i] *= gamma[i] } }
            }
        }
        residual?.toA(&values, width: d)
        return (values, count)
    }

    /// Token rows compared per vocabulary matrix: evenly spaced over the shared vocabulary, so the
    /// largest tensor (136M elements in Qwen2.5-0.5B) is not held whole.
    static let vocabularyRowsCompared = 16384

    static func vocabularyRows(_ store: TensorStore, _ entry: TensorEntry, vocabulary: Int) throws -> ([Float], Int) {
        let shared = min(vocabulary, entry.shape[0])
        guard shared > vocabularyRowsCompared else { return (try store.floats(entry, rows: 0..<shared), shared) }
        let ids = Embeddings.sampleIDs(shared: shared, count: vocabularyRowsCompared)
        return (try Embeddings.rows(store, entry, ids: ids), ids.count)
    }

    static func compare(_ a: TensorStore, _ ma: ModelShape, _ xa: TensorEntry, _ b: TensorStore, _ mb: ModelShape, _ xb: TensorEntry,
                        role: String, residual: ResidualMap, vocabulary: Int) throws -> Result? {
        let d = ma.width
        guard let ua = try units(a, ma, xa, role: role, vocabulary: vocabulary, residual: nil),
              var ub = try units(b, mb, xb, role: role, vocabulary: vocabulary, residual: residual),
              ua.count == ub.count, ua.count > 0 else { return nil }
        let n = ua.count
        // Inner units: kept in place when they already agree, else matched.
        var inner = "identity"
        if role != "embedding" && xa.name != "output.weight" {
            // Kept in place only when nearly every unit agrees: one moved head is enough to match.
            let before = rowCosine(ua.values, ub.values, rows: n, width: d, quantile: 0.05)
            if before < Lineage.Threshold.derivedCosine {
                let order = matchRows(ua.values, ub.values, rows: n, width: d)
                var moved = [Float](repeating: 0, count: ub.values.count)
                for i in 0..<n { for k in 0..<d { moved[i * d + k] = ub.values[order[i] * d + k] } }
                ub.values = moved
                inner = rowCosine(ua.values, ub.values, rows: n, width: d, quantile: 0.5) >= Lineage.Threshold.derivedCosine ? "matched" : "unmatched"
            }
        }
        var saa = 0.0, sbb = 0.0, sab = 0.0, unitResidual = 0.0
        ua.values.withUnsafeBufferPointer { pa in
            ub.values.withUnsafeBufferPointer { pb in
                for r in 0..<n {
                    let x = pa.baseAddress! + r * d, y = pb.baseAddress! + r * d
                    let xx = Double(Dense.dot(x, x, d)), yy = Double(Dense.dot(y, y, d)), xy = Double(Dense.dot(x, y, d))
                    saa += xx; sbb += yy; sab += xy
                    unitResidual += Dense.residual(x, y, scale: Float(yy > 0 ? xy / yy : 0), d)
                }
            }
        }
        let scale = sbb > 0 ? sab / sbb : 0
        let cosine = saa > 0 && sbb > 0 ? sab / (saa * sbb).squareRoot() : 0
        var residualEnergy = 0.0
        ua.values.withUnsafeBufferPointer { pa in
            ub.values.withUnsafeBufferPointer { pb in
                residualEnergy = Dense.residual(pa.baseAddress!, pb.baseAddress!, scale: Float(scale), n * d)
            }
        }
        let relative = saa > 0 ? (residualEnergy / saa).squareRoot() : 0
        // Float rounding of a rescaled or re-exported copy counts as no change even in F32.
        let tolerance = max(1e-5, ModelDiff.tolerance(xa.type, xb.type))
        // Inner units can be rescaled against the matrix that reads them (value rows against output
        // columns, up rows against down columns, query against key pairs) without changing the
        // function: a matrix the same up to a scale per unit is not changed.
        let perUnit = saa > 0 ? (unitResidual / saa).squareRoot() : 0
        let rescaled = role != "embedding" && relative > tolerance && perUnit <= tolerance
        if rescaled { inner += "+rescaled" }
        var changed = relative > tolerance && !rescaled
        var rank: Int?, values: [Double]?, direction: [Float]?
        // The spectrum is taken for changed matrices, for writers, and for any matrix that differs by
        // more than float rounding: a difference within the quantisation tolerance may still be a
        // low-rank update hidden under it (below).
        if relative > 1e-6 && (changed || role != "reader" || relative > Lineage.Threshold.visibleDifference)
            && inner != "unmatched" && !rescaled {
            // The update on evenly spaced units.
            let kept = min(n, Lineage.spectrumRows)
            var delta = [Float](repeating: 0, count: kept * d)
            var base = 0.0, energy = 0.0
            for s in 0..<kept {
                let r = s * n / kept
                for k in 0..<d {
                    let x = ua.values[r * d + k], v = Float(scale) * ub.values[r * d + k] - x
                    delta[s * d + k] = v
                    base += Double(x * x); energy += Double(v * v)
                }
            }
            let spectrum = Dense.topSingular(delta, rows: kept, columns: d, probes: min(Lineage.spectrumProbes, kept, d), power: 1)
            values = spectrum.values.prefix(8).map { ModelDiff.rounded(base > 0 ? $0 / base.squareRoot() : 0) }
            rank = effectiveRank(spectrum.values, energy: energy, smallerSide: min(kept, d))
            // Quantisation noise has a flat spectrum; a clear low-rank part under the tolerance is an
            // update the noise would otherwise hide (a LoRA or abliteration applied to dequantised weights).
            if !changed, rank != nil, relative > Lineage.Threshold.visibleDifference { changed = true }
            if role != "reader", let r = rank, r <= 2 {
                let norm = Dense.dot(spectrum.right, spectrum.right).squareRoot()
                if norm > 0 { direction = spectrum.right.map { $0 / norm } }
            }
        }
        let tensor = Lineage.Tensor(
            name: xa.name, nameB: xb.name, role: role, innerAlignment: inner, scale: ModelDiff.rounded(scale),
            relativeUpdate: ModelDiff.rounded(rescaled ? perUnit : relative), cosine: ModelDiff.rounded(cosine), tolerance: ModelDiff.rounded(tolerance),
            changed: changed, rank: rank, singularValues: values)
        return Result(tensor: tensor, direction: direction)
    }

    /// The effective rank of an update from its leading singular values: the cut with the largest
    /// gap (ratio ≥ `Threshold.rankGap`) among the first 16, provided the values kept and a floor at
    /// the next value over the remaining dimensions account for the update's energy.
    static func effectiveRank(_ s: [Double], energy: Double, smallerSide: Int) -> Int? {
        guard let first = s.first, first > 0, s.count >= 2 else { return nil }
        var best: (rank: Int, ratio: Double)?
        for r in 1..<min(s.count, 17) where r <= s.count - 4 || s.count < 8 {
            let ratio = s[r - 1] / max(s[r], 1e-7 * first)
            if ratio >= Lineage.Threshold.rankGap && ratio > (best?.ratio ?? 0) { best = (r, ratio) }
        }
        guard let r = best?.rank else { return nil }
        let kept = s[0..<r].reduce(0) { $0 + $1 * $1 }
        let floor = Double(max(0, smallerSide - r)) * s[r] * s[r]
        return kept + floor >= 0.9 * energy ? r : nil
    }

    /// A quantile of the cosines between row i of `a` and row i of `b`, over up to 512 evenly spaced rows.
    static func rowCosine(_ a: [Float], _ b: [Float], rows: Int, width: Int, quantile: Double) -> Double {
        let picked = min(rows, 512)
        var cosines: [Double] = []
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                for s in 0..<picked {
                    let r = s * rows / picked
                    let x = pa.baseAddress! + r * width, y = pb.baseAddress! + r * width
                    let xx = Dense.dot(x, x, width), yy = Dense.dot(y, y, width)
                    cosines.append(xx > 0 && yy > 0 ? Double(Dense.dot(x, y, width)) / Double(xx * yy).squareRoot() : 0)
                }
            }
        }
        cosines.sort()
        return cosines.isEmpty ? 0 : cosines[min(cosines.count - 1, Int(quantile * Double(cosines.count)))]
    }

    /// For each row of `a`, the row of `b` most like it: candidates by a 32-dimensional random
    /// sketch of the unit rows, the best of the top four confirmed on the full rows.
    static func matchRows(_ a: [Float], _ b: [Float], rows n: Int, width d: Int) -> [Int] {
        let k = 32
        var normal = Dense.Normal(seed: 7)
        let projection = normal.vector(k * d)  // k rows of d
        func sketch(_ x: [Float]) -> (unit: [Float], sketch: [Float]) {
            var unit = x, out = [Float](repeating: 0, count: n * k)
            unit.withUnsafeMutableBufferPointer { pu in
                projection.withUnsafeBufferPointer { pp in
                    out.withUnsafeMutableBufferPointer { po in
                        let u = pu.baseAddress!, p = pp.baseAddress!, o = po.baseAddress!
                        Dense.parallel(n) { r in
                            let row = u + r * d
                            let norm = Dense.dot(row, row, d).squareRoot()
                            if norm > 0 { for i in 0..<d { row[i] /= norm } }
                            var sn: Float = 0
                            for j in 0..<k { let v = Dense.dot(row, p + j * d, d); o[r * k + j] = v; sn += v * v }
                            if sn > 0 { let s = 1 / sn.squareRoot(); for j in 0..<k { o[r * k + j] *= s } }
                        }
                    }
                }
            }
            return (unit, out)
        }
        let sa = sketch(a), sb = sketch(b)
        var order = [Int](repeating: 0, count: n)
        sa.sketch.withUnsafeBufferPointer { pa in
            sb.sketch.withUnsafeBufferPointer { pb in
                sa.unit.withUnsafeBufferPointer { ua in
                    sb.unit.withUnsafeBufferPointer { ub in
                        order.withUnsafeMutableBufferPointer { po in
                            let out = po.baseAddress!
                            Dense.parallel(n) { i in
                                var top: [(Float, Int)] = []
                                for j in 0..<n {
                                    let s = Dense.dot(pa.baseAddress! + i * k, pb.baseAddress! + j * k, k)
                                    if top.count < 4 { top.append((s, j)); top.sort { $0.0 > $1.0 } }
                                    else if s > top[3].0 { top[3] = (s, j); top.sort { $0.0 > $1.0 } }
                                }
                                var best = top.first?.1 ?? i, value = -Float.infinity
                                for (_, j) in top {
                                    let c = Dense.dot(ua.baseAddress! + i * d, ub.baseAddress! + j * d, d)
                                    if c > value { value = c; best = j }
                                }
                                out[i] = best
                            }
                        }
                    }
                }
            }
        }
        return order
    }
}

/// Pairs the layers of two models with different layer counts.
enum LayerAlignment {
    /// Per layer and matrix kind, an inner-order-free sketch in A's basis: Uᵀ(U x) for the matrix's
    /// units U and two fixed random vectors x, normalised.
    static func sketches(_ store: TensorStore, _ shape: ModelShape, residual: ResidualMap?,
                         progress: (Int, Int, String) -> Void) throws -> [[String: [Float]]] {
        let d = shape.width
        var normal = Dense.Normal(seed: 3)
        let probes = [normal.vector(d), normal.vector(d)]
        var out: [[String: [Float]]] = []
        for layer in 0..<shape.layers {
            progress(layer, shape.layers, "aligning layers")
            var mine: [String: [Float]] = [:]
            for kind in Lineage.readerKinds + Lineage.writerKinds {
                guard let entry = shape.entry("blk.\(layer).\(kind).weight"),
                      let u = try MatrixComparison.units(store, shape, entry, role: Lineage.writerKinds.contains(kind) ? "writer" : "reader",
                                                         vocabulary: shape.vocabulary, residual: residual) else { continue }
                var g = [Float](repeating: 0, count: 2 * d)
                u.values.withUnsafeBufferPointer { p in
                    g.withUnsafeMutableBufferPointer { pg in
                        for (k, x) in probes.enumerated() {
                            x.withUnsafeBufferPointer { px in
                                for r in 0..<u.count {
                                    let row = p.baseAddress! + r * d
                                    Dense.axpy(Dense.dot(row, px.baseAddress!, d), row, pg.baseAddress! + k * d, d)
                                }
                            }
                        }
                    }
                }
                let norm = Dense.dot(g, g).squareRoot()
                mine[kind] = norm > 0 ? g.map { $0 / norm } : g
            }
            out.append(mine)
        }
        return out
    }

    /// The monotone pairing of layers that maximises the summed sketch similarity; every layer of the
    /// model with fewer layers is paired.
    static func align(_ a: TensorStore, _ ma: ModelShape, _ b: TensorStore, _ mb: ModelShape, residual: ResidualMap,
                      progress: (Int, Int, String) -> Void) throws -> [(a: Int, b: Int, similarity: Double?)] {
        let sa = try sketches(a, ma, residual: nil, progress: progress)
        let sb = try sketches(b, mb, residual: residual, progress: progress)
        func similarity(_ i: Int, _ j: Int) -> Double {
            let kinds = Set(sa[i].keys).intersection(sb[j].keys)
            guard !kinds.isEmpty else { return 0 }
            return kinds.reduce(0.0) { $0 + Double(Dense.dot(sa[i][$1]!, sb[j][$1]!)) } / Double(kinds.count)
        }
        let aShorter = sa.count <= sb.count
        let s = aShorter ? sa.count : sb.count, l = aShorter ? sb.count : sa.count
        func sim(_ i: Int, _ j: Int) -> Double { aShorter ? similarity(i, j) : similarity(j, i) }
        // best[i][j]: the best total pairing the first i short layers into the first j long ones.
        var best = [[Double]](repeating: [Double](repeating: -.infinity, count: l + 1), count: s + 1)
        for j in 0...l { best[0][j] = 0 }
        for i in 1...max(1, s) where s > 0 {
            for j in i...l {
                best[i][j] = max(best[i][j - 1], best[i - 1][j - 1] + sim(i - 1, j - 1))
            }
        }
        var pairs: [(a: Int, b: Int, similarity: Double?)] = []
        var i = s, j = l
        while i > 0 && j > 0 {
            if j > i && best[i][j] == best[i][j - 1] { j -= 1; continue }
            let value = sim(i - 1, j - 1)
            pairs.append(aShorter ? (i - 1, j - 1, value) : (j - 1, i - 1, value))
            i -= 1; j -= 1
        }
        return pairs.reversed()
    }
}
