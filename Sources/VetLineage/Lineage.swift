import Foundation

/// Whether model B derives from model A, from the weights alone (schema `modelvet-lineage/1`,
/// docs/lineage.md). The comparison is made in a shared basis that is recovered, not assumed:
///
/// 1. **Embedding geometry.** The cosine similarities among a fixed set of token embeddings
///    (centred) do not change under any rotation, permutation, sign flip or scaling of the residual
///    stream, nor with its width; their correlation between the models says whether the two
///    embedding tables are one table.
/// 2. **Residual alignment.** Each residual dimension of A is matched to the dimension of B whose
///    embedding column correlates with it most (over a sample of the shared vocabulary), with its
///    sign; a permutation is accepted when most dimensions match one-to-one.
/// 3. **Layer alignment.** When the layer counts differ, layers are paired by a monotone alignment
///    of sketches that do not depend on the order of a layer's inner units (WᵀWx for the matrices
///    reading the residual stream, WWᵀx for those writing to it).
/// 4. **Per matrix.** Norm weights are folded into the matrices that read after them (so moving
///    scale between a norm and the next matrix changes nothing), B is put in A's residual basis,
///    and B's inner units (attention rows and heads, MLP units) are matched to A's by nearest
///    neighbour; then the best scale, the relative size of the update, the cosine, and the leading
///    singular values of the update (its effective rank, and its direction in the residual stream).
///
/// Nothing is executed; one pair of tensors is in memory at a time.
public struct Lineage: Sendable, Codable, Equatable {
    public struct Model: Sendable, Codable, Equatable {
        public var path: String
        public var format: String
        public var architecture: String?
        public var layers: Int
        public var residualWidth: Int
        public var vocabulary: Int
        public var parameters: Int

        enum CodingKeys: String, CodingKey {
            case path, format, architecture, layers, vocabulary, parameters
            case residualWidth = "residual_width"
        }
    }

    /// How A's residual dimensions were found in B.
    public struct ResidualAlignment: Sendable, Codable, Equatable {
        /// `identity`, `permutation`, or `none` (no one-to-one match: unrelated, or a rotation).
        public var method: String
        public var rowsSampled: Int
        /// Dimensions matched one-to-one with |correlation| ≥ 0.5.
        public var matchedFraction: Double
        /// Mean |correlation| of A's dimensions with their best match in B.
        public var meanCorrelation: Double
        public var signFlips: Int
        public var moved: Int

        enum CodingKeys: String, CodingKey {
            case method, moved
            case rowsSampled = "rows_sampled", matchedFraction = "matched_fraction", meanCorrelation = "mean_correlation", signFlips = "sign_flips"
        }
    }

    /// The rotation-invariant comparison of the two embedding tables.
    public struct Geometry: Sendable, Codable, Equatable {
        public var tokens: Int
        /// Pearson correlation of the two models' token-similarity matrices (upper triangles).
        public var correlation: Double
    }

    public struct Tensor: Sendable, Codable, Equatable {
        public var name: String
        public var nameB: String
        /// `reader` (reads the residual stream: attention q/k/v, MLP gate/up, the output matrix),
        /// `writer` (writes to it: attention output, MLP down) or `embedding`.
        public var role: String
        /// How B's inner units were put in A's order: `identity`, `matched`, or `unmatched` (the
        /// best match still disagrees: the matrices are unrelated); `+rescaled` when the units are the
        /// same up to a scale each.
        public var innerAlignment: String
        /// The factor on B that fits A best.
        public var scale: Double
        /// ‖scale·B − A‖ / ‖A‖ in the shared basis.
        public var relativeUpdate: Double
        public var cosine: Double
        /// The relative change storing both in their types can make.
        public var tolerance: Double
        public var changed: Bool
        /// The effective rank of the update when it is low (a clear gap in its singular values and
        /// nothing but a noise floor after it), else nil.
        public var rank: Int?
        /// The leading singular values of the update, relative to ‖A‖ (rows sampled; see docs).
        public var singularValues: [Double]?

        enum CodingKeys: String, CodingKey {
            case name, role, scale, cosine, tolerance, changed, rank
            case nameB = "name_b", innerAlignment = "inner_alignment", relativeUpdate = "relative_update", singularValues = "singular_values"
        }
    }

    public struct Layer: Sendable, Codable, Equatable {
        public var a: Int
        public var b: Int
        /// The sketch similarity the layer alignment used (only when the layer counts differ).
        public var similarity: Double?
        public var tensors: Int
        public var changed: Int
        /// ‖Δ‖ / ‖A‖ over the layer's matrices together.
        public var relativeUpdate: Double
        public var meanCosine: Double

        enum CodingKeys: String, CodingKey {
            case a, b, similarity, tensors, changed
            case relativeUpdate = "relative_update", meanCosine = "mean_cosine"
        }
    }

    public struct Abliteration: Sendable, Codable, Equatable {
        public var suspected: Bool
        /// Matrices writing to the residual stream (embedding, attention output, MLP down) whose
        /// update has rank ≤ 2, of those compared.
        public var lowRankWriters: Int
        public var writers: Int
        /// Matrices reading the residual stream that changed, of those compared.
        public var changedReaders: Int
        public var readers: Int
        /// Median |cosine| between each low-rank writer update's direction in the residual stream
        /// and their common direction.
        public var directionAgreement: Double?

        enum CodingKeys: String, CodingKey {
            case suspected, writers, readers
            case lowRankWriters = "low_rank_writers", changedReaders = "changed_readers", directionAgreement = "direction_agreement"
        }
    }

    public struct Evidence: Sendable, Codable, Equatable {
        public var geometry: Geometry?
        public var residual: ResidualAlignment?
        public var layersDroppedFromA: [Int]
        public var layersDroppedFromB: [Int]
        public var medianCosine: Double?
        public var abliteration: Abliteration?
        public var layers: [Layer]
        public var tensors: [Tensor]

        enum CodingKeys: String, CodingKey {
            case geometry, residual, abliteration, layers, tensors
            case layersDroppedFromA = "layers_dropped_from_a", layersDroppedFromB = "layers_dropped_from_b", medianCosine = "median_cosine"
        }
    }

    public var schema = "modelvet-lineage/1"
    public var a: Model
    public var b: Model
    /// `same-weights`, `derived` or `unrelated`.
    public var relation: String
    public var abliterationSuspected: Bool
    public var updateRank: Int?
    /// 0–1: how far the deciding statistics are from the thresholds (docs/lineage.md).
    public var confidence: Double
    /// The reasons for the verdict, in the order they were decided.
    public var reasons: [String]
    public var evidence: Evidence
    public var notes: [String]

    enum CodingKeys: String, CodingKey {
        case schema, a, b, relation, confidence, reasons, evidence, notes
        case abliterationSuspected = "abliteration_suspected", updateRank = "update_rank"
    }

    /// As synthesised, except that `update_rank` is always present (null when the update is not low rank).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(schema, forKey: .schema)
        try c.encode(a, forKey: .a)
        try c.encode(b, forKey: .b)
        try c.encode(relation, forKey: .relation)
        try c.encode(abliterationSuspected, forKey: .abliterationSuspected)
        try c.encode(updateRank, forKey: .updateRank)
        try c.encode(confidence, forKey: .confidence)
        try c.encode(reasons, forKey: .reasons)
        try c.encode(evidence, forKey: .evidence)
        try c.encode(notes, forKey: .notes)
    }
}

// MARK: - Thresholds

extension Lineage {
    /// The decision thresholds, with the measurements behind them in docs/lineage.md.
    public enum Threshold {
        /// |correlation| for a residual dimension to count as matched.
        public static let dimensionMatch = 0.5
        /// Fraction of dimensions matched one-to-one for the residual bases to be one basis.
        public static let aligned = 0.9
        /// Median cosine of the compared matrices in the shared basis for "derived".
        public static let derivedCosine = 0.5
        /// Embedding-geometry correlation for "derived" when no basis could be matched.
        public static let derivedGeometry = 0.9
        /// Relative difference above which two matrices differ by more than float rounding (F16 is
        /// about 3e-4), so a low-rank part of the difference is looked for even within the
        /// quantisation tolerance.
        public static let visibleDifference = 1e-3
        /// Ratio between consecutive singular values that marks the end of a low-rank update.
        public static let rankGap = 4.0
        /// Median direction agreement of low-rank writer updates for abliteration.
        public static let abliterationAgreement = 0.9
    }

    static let readerKinds = ["attn_q", "attn_k", "attn_v", "ffn_gate", "ffn_up"]
    static let writerKinds = ["attn_output", "ffn_down"]
    /// Rows of an update kept for its singular values (evenly spaced): a low-rank update keeps its
    /// rank on any subset of at least that many rows.
    static let spectrumRows = 512
    static let spectrumProbes = 20
}

// MARK: - Analysis

extension Lineage {
    /// Compares `b` against `a`.
    public static func compare(_ a: TensorStore, path pathA: String, _ b: TensorStore, path pathB: String,
                               progress: (Int, Int, String) -> Void = { _, _, _ in }) throws -> Lineage {
        let ma = try ModelShape(a, pathA), mb = try ModelShape(b, pathB)
        var notes: [String] = []
        var reasons: [String] = []
        let shared = min(ma.vocabulary, mb.vocabulary)
        if ma.vocabulary != mb.vocabulary {
            notes.append("the vocabularies differ in size (\(ma.vocabulary) and \(mb.vocabulary)); token rows are compared by id over the first \(shared)")
        }
        if let x = a.architecture, let y = b.architecture, x != y {
            notes.append("the architectures differ (\(x) and \(y))")
        }
        progress(0, 1, "embeddings")
        let sample = Embeddings.sampleIDs(shared: shared, count: 4096)
        let ea = try Embeddings.rows(a, ma.embedding, ids: sample), eb = try Embeddings.rows(b, mb.embedding, ids: sample)
        let geometry = Embeddings.geometry(ea, ma.width, eb, mb.width, rows: sample.count)
        var evidence = Evidence(geometry: geometry, residual: nil, layersDroppedFromA: [], layersDroppedFromB: [],
                                medianCosine: nil, abliteration: nil, layers: [], tensors: [])
        func finish(_ relation: String, _ confidence: Double, rank: Int? = nil, abliterated: Bool = false) -> Lineage {
            Lineage(a: ma.summary, b: mb.summary, relation: relation, abliterationSuspected: abliterated, updateRank: rank,
                    confidence: ModelDiff.rounded(confidence), reasons: reasons, evidence: evidence, notes: notes)
        }
        // No shared residual basis: the embedding geometry alone decides.
        guard ma.width == mb.width else {
            reasons.append("the residual widths differ (\(ma.width) and \(mb.width)), so no layer can be compared in a shared basis")
            return geometryVerdict(geometry, &reasons, finish)
        }
        let residual = Embeddings.align(ea, eb, width: ma.width, rows: sample.count)
        evidence.residual = residual.summary
        guard residual.summary.method != "none" else {
            reasons.append(String(format: "only %.0f%% of the residual dimensions match one-to-one between the embedding tables", 100 * residual.summary.matchedFraction))
            return geometryVerdict(geometry, &reasons, finish)
        }
        if residual.summary.method == "permutation" {
            notes.append("B's residual stream is a permutation of A's (\(residual.summary.moved) dimensions moved, \(residual.summary.signFlips) sign flips); B was put in A's order before comparing")
        }
        // Layer pairs.
        var pairs: [(a: Int, b: Int, similarity: Double?)]
        if ma.layers == mb.layers {
            pairs = (0..<ma.layers).map { ($0, $0, nil) }
        } else {
            pairs = try LayerAlignment.align(a, ma, b, mb, residual: residual, progress: progress)
            evidence.layersDroppedFromA = Array(Set(0..<ma.layers).subtracting(pairs.map(\.a))).sorted()
            evidence.layersDroppedFromB = Array(Set(0..<mb.layers).subtracting(pairs.map(\.b))).sorted()
            notes.append("the layer counts differ (\(ma.layers) and \(mb.layers)); layers were paired by a monotone alignment of inner-order-free sketches")
        }
        // Per matrix.
        var units: [(String, String, String)] = [("token_embd.weight", "token_embd.weight", "embedding")]
        if ma.hasOutput && mb.hasOutput { units.append(("output.weight", "output.weight", "reader")) }
        for p in pairs {
            for kind in readerKinds { units.append(("blk.\(p.a).\(kind).weight", "blk.\(p.b).\(kind).weight", "reader")) }
            for kind in writerKinds { units.append(("blk.\(p.a).\(kind).weight", "blk.\(p.b).\(kind).weight", "writer")) }
        }
        var compared: [Tensor] = []
        var directions: [[Float]] = []
        // The matrices are compared on every core, each unit by one thread; results are kept in
        // unit order, so the report does not depend on the scheduling.
        let outcomes = try Self.concurrently(units.count, progress: { progress($0, units.count, units[$0].0) }) { index -> MatrixComparison.Result?? in
            let unit = units[index]
            guard let xa = ma.entry(unit.0), let xb = mb.entry(unit.1) else { return .none }
            return .some(try MatrixComparison.compare(a, ma, xa, b, mb, xb, role: unit.2, residual: residual, vocabulary: shared))
        }
        for (unit, outcome) in zip(units, outcomes) {
            guard case let .some(result) = outcome else { continue }  // a tensor one model lacks
            if let t = result {
                compared.append(t.tensor)
                if let d = t.direction { directions.append(d) }
            } else {
                notes.append("\(unit.0): shapes \(ma.entry(unit.0)?.shape ?? []) and \(mb.entry(unit.1)?.shape ?? []) cannot be put in one basis; not compared")
            }
        }
        evidence.tensors = compared
        evidence.layers = pairs.map { p in
            let mine = compared.filter { TensorStores.layer(of: $0.name) == p.a }
            let base = Double(mine.count)
            let energy = mine.reduce(0.0) { $0 + $1.relativeUpdate * $1.relativeUpdate }
            return Layer(a: p.a, b: p.b, similarity: p.similarity.map(ModelDiff.rounded), tensors: mine.count,
                         changed: mine.filter(\.changed).count,
                         relativeUpdate: ModelDiff.rounded(base > 0 ? (energy / base).squareRoot() : 0),
                         meanCosine: ModelDiff.rounded(base > 0 ? mine.reduce(0.0) { $0 + $1.cosine } / base : 0))
        }
        guard !compared.isEmpty else {
            reasons.append("no matrix could be compared in the shared basis")
            return geometryVerdict(geometry, &reasons, finish)
        }
        let cosines = compared.map(\.cosine).sorted()
        let median = cosines[cosines.count / 2]
        evidence.medianCosine = ModelDiff.rounded(median)
        let abliteration = Self.abliteration(compared, directions)
        evidence.abliteration = abliteration
        let changed = compared.filter(\.changed)
        let dropped = !evidence.layersDroppedFromA.isEmpty || !evidence.layersDroppedFromB.isEmpty
        let matched = residual.summary.matchedFraction
        // Verdict.
        if changed.isEmpty && !dropped && ma.vocabulary == mb.vocabulary && compared.count == units.count {
            reasons.append("every one of the \(compared.count) matrices is the same up to storage precision in the shared basis")
            if residual.summary.method == "permutation" { reasons.append("the only differences are function-preserving (a permutation of the residual stream or of inner units, scaling)") }
            return finish("same-weights", min(0.99, 0.5 + matched / 2))
        }
        if median >= Threshold.derivedCosine {
            reasons.append(String(format: "the matrices agree in the shared basis (median cosine %.3f over %d matrices; unrelated weights give about 0)", median, compared.count))
            if dropped { reasons.append("layers were removed: A's \(evidence.layersDroppedFromA) / B's \(evidence.layersDroppedFromB) have no counterpart") }
            if !changed.isEmpty { reasons.append("\(changed.count) of \(compared.count) matrices changed beyond storage precision") }
            var rank: Int? = nil
            if abliteration.suspected {
                reasons.append(String(format: "the update removes one direction from what %d writer matrices write into the residual stream (agreement %.3f), and the readers are unchanged: abliteration", abliteration.lowRankWriters, abliteration.directionAgreement ?? 0))
                rank = changed.compactMap(\.rank).max() ?? 1
            } else if !changed.isEmpty, changed.allSatisfy({ $0.rank != nil }) {
                rank = changed.compactMap(\.rank).max()
                reasons.append("every changed matrix has a low-rank update (rank ≤ \(rank!)): a merged low-rank adapter or a similar edit")
            }
            let confidence = min(0.99, 0.5 + (median - Threshold.derivedCosine) + matched / 4)
            return finish("derived", confidence, rank: rank, abliterated: abliteration.suspected)
        }
        reasons.append(String(format: "the embedding tables share a basis, but the layer matrices do not agree (median cosine %.3f)", median))
        if geometry.correlation >= Threshold.derivedGeometry {
            reasons.append("the embeddings were kept and the layers replaced: derived, at most from the embeddings")
            return finish("derived", 0.6)
        }
        return finish("unrelated", 0.7)
    }

    /// Without a shared basis: derived when the embedding geometry is one, unrelated otherwise.
    static func geometryVerdict(_ g: Geometry, _ reasons: inout [String], _ finish: (String, Double, Int?, Bool) -> Lineage) -> Lineage {
        if g.correlation >= Threshold.derivedGeometry {
            reasons.append(String(format: "the token embeddings have the same geometry (correlation %.3f of token similarities): the tables are one table seen in another basis (a rotation, or a width change); the layers could not be compared", g.correlation))
            return finish("derived", min(0.9, 0.5 + (g.correlation - Threshold.derivedGeometry) * 4), nil, false)
        }
        reasons.append(String(format: "the token embeddings do not share their geometry (correlation %.3f of token similarities; the same table gives above %.2f)", g.correlation, Threshold.derivedGeometry))
        return finish("unrelated", min(0.99, 0.6 + (Threshold.derivedGeometry - g.correlation) / 2), nil, false)
    }

    /// Abliteration: low-rank updates of the writers along one shared direction, readers unchanged.
    static func abliteration(_ tensors: [Tensor], _ directions: [[Float]]) -> Abliteration {
        let writers = tensors.filter { $0.role != "reader" }
        let readers = tensors.filter { $0.role == "reader" }
        let lowRank = writers.filter { ($0.rank ?? 99) <= 2 && $0.relativeUpdate > 1e-6 }
        let changedReaders = readers.filter(\.changed).count
        var agreement: Double?
        if directions.count >= 2 {
            // The common direction: the leading eigenvector of Σ v vᵀ, by power iteration.
            let d = directions[0].count
            var c = directions[0]
            for _ in 0..<50 {
                var next = [Float](repeating: 0, count: d)
                for v in directions { let w = Dense.dot(v, c); for i in 0..<d { next[i] += w * v[i] } }
                let norm = Dense.dot(next, next).squareRoot()
                guard norm > 0 else { break }
                c = next.map { $0 / norm }
            }
            let cosines = directions.map { Double(abs(Dense.dot($0, c))) }.sorted()
            agreement = ModelDiff.rounded(cosines[cosines.count / 2])
        }
        let suspected = lowRank.count >= 3 && lowRank.count * 2 >= writers.filter(\.changed).count + lowRank.count / 2
            && changedReaders * 10 <= max(1, readers.count) && (agreement ?? 0) >= Threshold.abliterationAgreement
        return Abliteration(suspected: suspected, lowRankWriters: lowRank.count, writers: writers.count,
                            changedReaders: changedReaders, readers: readers.count, directionAgreement: agreement)
    }
}

extension Lineage {
    /// `body(0..<count)` on up to as many threads as there are cores, results in index order; the
    /// first error thrown is rethrown after every started call has finished. `progress(i)` is called
    /// (serially) as unit i starts.
    static func concurrently<T>(_ count: Int, progress: (Int) -> Void, _ body: (Int) throws -> T) throws -> [T] {
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, count))
        let lock = NSLock()
        // Shared by the workers under `lock`: the next unclaimed index, the results, the first error.
        nonisolated(unsafe) var next = 0
        nonisolated(unsafe) var results = [T?](repeating: nil, count: count)
        nonisolated(unsafe) var failure: Error?
        withoutActuallyEscaping(progress) { progress in
            withoutActuallyEscaping(body) { body in
                // The closures are only shared for the duration of this call.
                nonisolated(unsafe) let run = body, report = progress
                DispatchQueue.concurrentPerform(iterations: workers) { _ in
                    while true {
                        lock.lock()
                        let index = next
                        let stop = index >= count || failure != nil
                        if !stop { next += 1; report(index) }
                        lock.unlock()
                        if stop { return }
                        do {
                            let value = try run(index)
                            lock.lock(); results[index] = value; lock.unlock()
                        } catch {
                            lock.lock(); if failure == nil { failure = error }; lock.unlock()
                        }
                    }
                }
            }
        }
        if let failure { throw failure }
        return results.map { $0! }  // every index ran without an error
    }
}

// MARK: - The models' shape

/// What lineage needs to know of a model: its embedding, width, layers and tensors by name.
struct ModelShape {
    let store: TensorStore
    let path: String
    let embedding: TensorEntry
    let width: Int
    let vocabulary: Int
    let layers: Int
    let byName: [String: TensorEntry]
    var hasOutput: Bool { byName["output.weight"] != nil }

    init(_ store: TensorStore, _ path: String) throws {
        self.store = store
        self.path = path
        byName = Dictionary(store.entries.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        guard let e = byName["token_embd.weight"] ?? byName["output.weight"], e.shape.count == 2 else {
            throw LineageError("\(path): no token embedding matrix (token_embd.weight or model.embed_tokens.weight); lineage compares transformer language models")
        }
        embedding = e
        vocabulary = e.shape[0]
        width = e.shape[1]
        layers = (store.entries.compactMap { TensorStores.layer(of: $0.name) }.max() ?? -1) + 1
        guard layers > 0 else { throw LineageError("\(path): no transformer layers (blk.N.* or model.layers.N.*)") }
    }

    func entry(_ name: String) -> TensorEntry? { byName[name] }

    var summary: Lineage.Model {
        Lineage.Model(path: path, format: store.format, architecture: store.architecture, layers: layers, residualWidth: width,
                      vocabulary: vocabulary, parameters: store.entries.reduce(0) { $0 + $1.elements })
    }

    /// The norm whose output `kind` reads (folded into it), if the model has one.
    func norm(for name: String) throws -> [Float]? {
        let normName: String
        if name == "output.weight" { normName = "output_norm.weight" }
        else if let layer = TensorStores.layer(of: name) {
            let kind = name.split(separator: ".")[2]
            normName = kind.hasPrefix("attn") ? "blk.\(layer).attn_norm.weight" : "blk.\(layer).ffn_norm.weight"
        } else { return nil }
        guard let e = byName[normName], e.elements == width else { return nil }
        return try store.floats(e)
    }
}
