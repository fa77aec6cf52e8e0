import Foundation

/// Tensor by tensor, how two models differ (schema `modelvet-diff/1`, docs/lineage.md): tensors
/// are matched by canonical name; each pair gets the relative L2 norm of the difference
/// (‖A − B‖ / ‖A‖) and the cosine of the two, and a status:
/// - `identical`: the same numbers;
/// - `within-quantisation`: the difference is no larger than re-quantising could make it (the
///   `tolerance`, from the two storage types);
/// - `changed`: larger than that;
/// - `shape-differs`, `only-in-a`, `only-in-b`.
public struct ModelDiff: Sendable, Codable, Equatable {
    public struct Model: Sendable, Codable, Equatable {
        public var path: String
        public var format: String
        public var architecture: String?
        public var tensors: Int
        public var parameters: Int
    }

    public struct Tensor: Sendable, Codable, Equatable {
        public var name: String
        public var status: String
        public var shapeA: [Int]?
        public var shapeB: [Int]?
        public var typeA: String?
        public var typeB: String?
        public var relativeL2: Double?
        public var cosine: Double?
        public var tolerance: Double?

        enum CodingKeys: String, CodingKey {
            case name, status, cosine, tolerance
            case shapeA = "shape_a", shapeB = "shape_b", typeA = "type_a", typeB = "type_b", relativeL2 = "relative_l2"
        }
    }

    /// One layer (`blk.N.`), or the tensors outside the layers (`layer` nil).
    public struct Layer: Sendable, Codable, Equatable {
        public var layer: Int?
        public var tensors: Int
        public var changed: Int
        /// ‖A − B‖ / ‖A‖ over all the layer's compared tensors together.
        public var relativeL2: Double
        public var maxRelativeL2: Double

        enum CodingKeys: String, CodingKey {
            case layer, tensors, changed
            case relativeL2 = "relative_l2", maxRelativeL2 = "max_relative_l2"
        }
    }

    public struct Summary: Sendable, Codable, Equatable {
        public var identical = 0
        public var withinQuantisation = 0
        public var changed = 0
        public var shapeDiffers = 0
        public var onlyInA = 0
        public var onlyInB = 0

        /// Every tensor of each model has a counterpart within quantisation noise.
        public var sameWeights: Bool { changed == 0 && shapeDiffers == 0 && onlyInA == 0 && onlyInB == 0 }

        enum CodingKeys: String, CodingKey {
            case identical, changed
            case withinQuantisation = "within_quantisation", shapeDiffers = "shape_differs", onlyInA = "only_in_a", onlyInB = "only_in_b"
        }
    }

    public var schema = "modelvet-diff/1"
    public var a: Model
    public var b: Model
    public var summary: Summary
    public var layers: [Layer]
    public var tensors: [Tensor]
    public var notes: [String]

    /// The largest relative L2 error that storing a tensor as `type` makes, measured by
    /// round-tripping real F32 weights (all-MiniLM-L6-v2's 40 matrices: F16 2.1e-4, BF16 1.7e-3,
    /// Q8_0 ≤ 0.011, 5-bit ≤ 0.053, 4-bit ≤ 0.10 (Q4_1) and 0.15 (Q4_0), 3-bit ≤ 0.26), with margin.
    /// An unknown type gets the 4-bit bound.
    public static func quantisationNoise(_ type: String) -> Double {
        switch type.uppercased() {
        case "F32", "F64": 0
        case "F16": 5e-4
        case "BF16": 4e-3
        case "Q8_0", "Q8_1", "Q8_K": 0.015
        case "Q6_K": 0.03
        case "Q5_0", "Q5_1", "Q5_K": 0.06
        case "Q4_K", "IQ4_NL", "IQ4_XS": 0.12
        case "Q4_0", "Q4_1": 0.16
        case "Q3_K": 0.27
        case "Q2_K": 0.45
        default: 0.16
        }
    }

    /// The tolerance for a pair: the two types' noise added in quadrature.
    public static func tolerance(_ a: String, _ b: String) -> Double {
        let x = quantisationNoise(a), y = quantisationNoise(b)
        return (x * x + y * y).squareRoot()
    }

    /// Compares every tensor of `a` with its namesake in `b`, one pair in memory at a time.
    public static func compare(_ a: TensorStore, path pathA: String, _ b: TensorStore, path pathB: String,
                               progress: (Int, Int, String) -> Void = { _, _, _ in }) throws -> ModelDiff {
        func model(_ s: TensorStore, _ path: String) -> Model {
            Model(path: path, format: s.format, architecture: s.architecture, tensors: s.entries.count,
                  parameters: s.entries.reduce(0) { $0 + $1.elements })
        }
        var notes: [String] = []
        if let x = a.architecture, let y = b.architecture, x != y {
            notes.append("the architectures differ (\(x) and \(y)); tensors are still matched by name")
        }
        for (s, label) in [(a, "A"), (b, "B")] {
            if s.format == "gguf", s.architecture == "llama" {
                notes.append("\(label) is a llama GGUF: its query and key rows were put back in Hugging Face's order before comparing")
            }
        }
        let byNameB = Dictionary(b.entries.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let namesA = Set(a.entries.map(\.name))
        var tensors: [Tensor] = []
        var summary = Summary()
        // Per layer: Σ‖A−B‖², Σ‖A‖², count, changed, max.
        var layerSums: [Int?: (diff: Double, base: Double, count: Int, changed: Int, max: Double)] = [:]
        for (index, ea) in a.entries.enumerated() {
            progress(index, a.entries.count, ea.name)
            guard let eb = byNameB[ea.name] else {
                tensors.append(Tensor(name: ea.name, status: "only-in-a", shapeA: ea.shape, typeA: ea.type))
                summary.onlyInA += 1
                continue
            }
            guard ea.shape == eb.shape else {
                tensors.append(Tensor(name: ea.name, status: "shape-differs", shapeA: ea.shape, shapeB: eb.shape, typeA: ea.type, typeB: eb.type))
                summary.shapeDiffers += 1
                continue
            }
            // In chunks of about 4M elements, so memory stays at two chunks however large the tensor
            // (a tensor whose stored rows must be reordered is read whole: only query and key
            // matrices of llama GGUFs, never the largest).
            let whole = !a.rowsStandAlone(ea) || !b.rowsStandAlone(eb)
            let step = whole ? max(1, ea.rowCount) : max(1, (4 << 20) / max(1, ea.columns))
            var s = (diff: 0.0, base: 0.0, other: 0.0, dot: 0.0)
            var row = 0
            repeat {
                let rows = row..<min(ea.rowCount, row + step)
                let (x, y) = try Self.both({ try a.floats(ea, rows: rows) }, { try b.floats(eb, rows: rows) })
                let part = Self.statistics(x, y)
                s = (s.diff + part.diff, s.base + part.base, s.other + part.other, s.dot + part.dot)
                row = rows.upperBound
            } while row < ea.rowCount
            let relative = s.base > 0 ? (s.diff / s.base).squareRoot() : (s.diff > 0 ? Double.infinity : 0)
            let cosine = s.base > 0 && s.other > 0 ? s.dot / (s.base * s.other).squareRoot() : (s.diff == 0 ? 1 : 0)
            let tolerance = Self.tolerance(ea.type, eb.type)
            let status: String
            if s.diff == 0 { status = "identical"; summary.identical += 1 }
            else if relative <= tolerance { status = "within-quantisation"; summary.withinQuantisation += 1 }
            else { status = "changed"; summary.changed += 1 }
            tensors.append(Tensor(name: ea.name, status: status, shapeA: ea.shape, shapeB: eb.shape, typeA: ea.type, typeB: eb.type,
                                  relativeL2: rounded(relative), cosine: rounded(cosine), tolerance: rounded(tolerance)))
            let layer = TensorStores.layer(of: ea.name)
            var sums = layerSums[layer] ?? (0, 0, 0, 0, 0)
            sums.diff += s.diff
            sums.base += s.base
            sums.count += 1
            sums.changed += status == "changed" ? 1 : 0
            sums.max = max(sums.max, relative.isFinite ? relative : 1e308)
            layerSums[layer] = sums
        }
        progress(a.entries.count, a.entries.count, "")
        for eb in b.entries where !namesA.contains(eb.name) {
            tensors.append(Tensor(name: eb.name, status: "only-in-b", shapeB: eb.shape, typeB: eb.type))
            summary.onlyInB += 1
        }
        let layers = layerSums.keys.sorted { ($0 ?? -1) < ($1 ?? -1) }.map { key -> Layer in
            let s = layerSums[key]!
            return Layer(layer: key, tensors: s.count, changed: s.changed,
                         relativeL2: rounded(s.base > 0 ? (s.diff / s.base).squareRoot() : 0), maxRelativeL2: rounded(s.max))
        }
        return ModelDiff(a: model(a, pathA), b: model(b, pathB), summary: summary, layers: layers, tensors: tensors, notes: notes)
    }

    /// Runs the two reads on two threads (converting quantised rows is most of the work).
    static func both(_ first: @escaping @Sendable () throws -> [Float], _ second: @escaping @Sendable () throws -> [Float]) throws -> ([Float], [Float]) {
        // Two separate stored properties, each written by one thread and read after both finish
        // (two elements of one array would be one shared buffer, mutated from two threads).
        final class Slots: @unchecked Sendable {
            var first: Result<[Float], Error> = .success([])
            var second: Result<[Float], Error> = .success([])
        }
        let slots = Slots()
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            if i == 0 { slots.first = Result { try first() } } else { slots.second = Result { try second() } }
        }
        return (try slots.first.get(), try slots.second.get())
    }

    /// Σ(x−y)², Σx², Σy², Σxy in Double, over Float blocks of 4096 (fast and exact enough).
    static func statistics(_ x: [Float], _ y: [Float]) -> (diff: Double, base: Double, other: Double, dot: Double) {
        var diff = 0.0, base = 0.0, other = 0.0, dot = 0.0
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeBufferPointer { yp in
                var start = 0
                while start < xp.count {
                    let end = min(xp.count, start + 4096)
                    var d = SIMD8<Float>(), b = SIMD8<Float>(), o = SIMD8<Float>(), p = SIMD8<Float>()
                    var i = start
                    while i + 8 <= end {
                        let u = UnsafeRawPointer(xp.baseAddress! + i).loadUnaligned(as: SIMD8<Float>.self)
                        let v = UnsafeRawPointer(yp.baseAddress! + i).loadUnaligned(as: SIMD8<Float>.self)
                        let e = u - v
                        d += e * e; b += u * u; o += v * v; p += u * v  // not addProduct: without FMA in the target it is a libm call per lane
                        i += 8
                    }
                    diff += Double(d.sum()); base += Double(b.sum()); other += Double(o.sum()); dot += Double(p.sum())
                    while i < end {
                        let u = Double(xp[i]), v = Double(yp[i])
                        diff += (u - v) * (u - v); base += u * u; other += v * v; dot += u * v
                        i += 1
                    }
                    start = end
                }
            }
        }
        return (diff, base, other, dot)
    }

    static func rounded(_ x: Double) -> Double { x.isFinite ? (x * 1e6).rounded() / 1e6 : x }

    public func json() throws -> String { try reportJSON(self) }

    /// The report for people: the verdict, the counts, the layers, then every tensor that differs.
    public func text(limit: Int = 40) -> String {
        var out = "A: \(a.path) (\(a.format)\(a.architecture.map { ", " + $0 } ?? ""), \(a.tensors) tensors, \(a.parameters) parameters)\n"
        out += "B: \(b.path) (\(b.format)\(b.architecture.map { ", " + $0 } ?? ""), \(b.tensors) tensors, \(b.parameters) parameters)\n"
        out += summary.sameWeights ? "same weights: every tensor matches within quantisation noise\n" : "the weights differ\n"
        out += "  identical \(summary.identical), within quantisation \(summary.withinQuantisation), changed \(summary.changed), "
            + "shape differs \(summary.shapeDiffers), only in A \(summary.onlyInA), only in B \(summary.onlyInB)\n"
        if !layers.isEmpty {
            out += "\nper layer: relative L2 of the difference (all tensors together, largest single tensor)\n"
            for l in layers {
                out += "  " + (l.layer.map { "layer \($0)" } ?? "outside layers").padding(toLength: 16, withPad: " ", startingAt: 0)
                    + String(format: " %.4f  max %.4f  changed %d/%d\n", l.relativeL2, l.maxRelativeL2, l.changed, l.tensors)
            }
        }
        let differing = tensors.filter { $0.status != "identical" && $0.status != "within-quantisation" }
        if !differing.isEmpty {
            out += "\ntensors that differ\(differing.count > limit ? " (first \(limit) of \(differing.count); --format json lists all)" : "")\n"
            for t in differing.prefix(limit) {
                switch t.status {
                case "changed":
                    out += String(format: "  %@  changed: relative L2 %.4f (tolerance %.4f), cosine %.4f\n", t.name as NSString,
                                  t.relativeL2 ?? 0, t.tolerance ?? 0, t.cosine ?? 0)
                case "shape-differs":
                    out += "  \(t.name)  shape \(t.shapeA ?? []) vs \(t.shapeB ?? [])\n"
                default:
                    out += "  \(t.name)  \(t.status)\n"
                }
            }
        }
        for note in notes { out += "note: \(note)\n" }
        return out
    }
}

/// The JSON documents of this module: sorted keys, indented, non-finite numbers as strings.
func reportJSON<T: Encodable>(_ value: T) throws -> String {
    let e = JSONEncoder()
    e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return String(decoding: try e.encode(value), as: UTF8.self) + "\n"
}
