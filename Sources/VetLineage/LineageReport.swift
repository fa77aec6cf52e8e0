import Foundation

extension Lineage {
    public func json() throws -> String { try reportJSON(self) }

    /// For people: the verdict line, the reasons, then the evidence.
    public func text(limit: Int = 12) -> String {
        var lines: [String] = []
        let what: String
        switch relation {
        case "same-weights": what = "the same weights (up to storage precision and function-preserving rearrangement)"
        case "derived": what = "one is a modification of the other, or both of a common parent"
        default: what = "no shared weights found"
        }
        lines.append(String(format: "%@: %@ (confidence %.2f)", relation, what, confidence))
        lines.append("abliteration suspected: \(abliterationSuspected ? "YES" : "no")   update rank: \(updateRank.map(String.init) ?? "not low")")
        lines.append("A: \(a.path) (\(a.format), \(a.architecture ?? "?"), \(a.layers) layers, width \(a.residualWidth), vocabulary \(a.vocabulary))")
        lines.append("B: \(b.path) (\(b.format), \(b.architecture ?? "?"), \(b.layers) layers, width \(b.residualWidth), vocabulary \(b.vocabulary))")
        lines.append("")
        lines.append("Why:")
        for r in reasons { lines.append("  - " + r) }
        lines.append("")
        lines.append("Evidence:")
        if let g = evidence.geometry {
            lines.append(String(format: "  embedding geometry: correlation %.3f over %d tokens (rotation- and permutation-free)", g.correlation, g.tokens))
        }
        if let r = evidence.residual {
            lines.append(String(format: "  residual alignment: %@, %.1f%% of %d dimensions matched (mean |r| %.3f), %d moved, %d sign flips",
                                r.method, 100 * r.matchedFraction, a.residualWidth, r.meanCorrelation, r.moved, r.signFlips))
        }
        if !evidence.layersDroppedFromA.isEmpty { lines.append("  layers of A with no counterpart in B: \(evidence.layersDroppedFromA)") }
        if !evidence.layersDroppedFromB.isEmpty { lines.append("  layers of B with no counterpart in A: \(evidence.layersDroppedFromB)") }
        if let m = evidence.medianCosine { lines.append(String(format: "  median cosine of %d matrices: %.4f", evidence.tensors.count, m)) }
        if let ab = evidence.abliteration {
            lines.append("  abliteration test: \(ab.lowRankWriters) of \(ab.writers) writers with a rank ≤ 2 update, \(ab.changedReaders) of \(ab.readers) readers changed"
                         + (ab.directionAgreement.map { String(format: ", direction agreement %.3f", $0) } ?? ""))
        }
        if !evidence.layers.isEmpty {
            lines.append("")
            lines.append("  layer A→B  changed  relative update  mean cosine")
            for l in evidence.layers {
                lines.append(String(format: "  %5d→%-4d %4d/%-3d %15.4f  %11.4f", l.a, l.b, l.changed, l.tensors, l.relativeUpdate, l.meanCosine))
            }
        }
        let changed = evidence.tensors.filter(\.changed).sorted { $0.relativeUpdate > $1.relativeUpdate }
        if !changed.isEmpty {
            lines.append("")
            lines.append("  largest updates (of \(changed.count) changed):")
            for t in changed.prefix(limit) {
                lines.append(String(format: "    %-28@ %@ relative %.4f cosine %.4f rank %@", t.name, t.innerAlignment, t.relativeUpdate, t.cosine,
                                    t.rank.map(String.init) ?? "-"))
            }
        }
        if !notes.isEmpty {
            lines.append("")
            lines.append("Notes:")
            for n in notes { lines.append("  - " + n) }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A per-layer bar chart of the relative update (SVG), with the layers that changed in red.
    public func svg() -> String {
        let layers = evidence.layers
        let width = 720.0, height = 300.0, left = 60.0, bottom = 40.0, top = 40.0
        let top1 = max(layers.map(\.relativeUpdate).max() ?? 0, 1e-6)
        let barWidth = layers.isEmpty ? 0 : (width - left - 20) / Double(layers.count)
        var out = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="11">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(left)" y="18" font-size="13">\(escape("modelvet lineage: \(relation) (confidence \(String(format: "%.2f", confidence)))"))</text>
        <text x="\(left)" y="32">relative update ‖scale·B − A‖ / ‖A‖ per layer, in A's basis; red: a matrix changed beyond storage precision</text>

        """
        let plotHeight = height - top - bottom
        for (i, l) in layers.enumerated() {
            let h = plotHeight * l.relativeUpdate / top1
            let x = left + Double(i) * barWidth
            out += String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%@\"><title>layer %d→%d: %.4f, %d/%d changed</title></rect>\n",
                          x + 1, top + plotHeight - h, max(1, barWidth - 2), h, l.changed > 0 ? "#c0392b" : "#7f8c8d", l.a, l.b, l.relativeUpdate, l.changed, l.tensors)
            if layers.count <= 40 || i % 5 == 0 {
                out += String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%d</text>\n", x + barWidth / 2, height - bottom + 14, l.a)
            }
        }
        out += String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>\n", left, top + plotHeight, width - 20, top + plotHeight)
        out += String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.3g</text>\n", left - 4, top + 4, top1)
        out += String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">0</text>\n", left - 4, top + plotHeight)
        out += String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">layer of A</text>\n", left + (width - left) / 2, height - 6)
        if layers.isEmpty { out += "<text x=\"\(left)\" y=\"\(top + 20)\">no layers compared in a shared basis</text>\n" }
        return out + "</svg>\n"
    }

    private func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
