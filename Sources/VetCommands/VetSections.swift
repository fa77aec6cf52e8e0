import Foundation
import VetCore
import VetLineage
import VetProbes
import VetReports

/// The lineage and probe results as sections of the vet report.
enum VetSections {
    static func lineage(_ verdict: VetLineage.Lineage, baseline: String) -> VetReport.Lineage {
        let largest = verdict.evidence.layers.map(\.relativeUpdate).max() ?? 0
        let layers = verdict.evidence.layers.map { layer -> VetReport.Bar in
            let share = largest > 0 ? layer.relativeUpdate / largest : 0
            return .init(label: "layer \(layer.b)", value: share,
                         text: String(format: "%.4f relative update, %d of %d tensors changed", layer.relativeUpdate, layer.changed, layer.tensors),
                         level: layer.changed == 0 ? .ok : .info)
        }
        return .init(method: "baseline", reference: baseline, relation: verdict.relation, confidence: verdict.confidence,
                     reasons: verdict.reasons, abliterationSuspected: verdict.abliterationSuspected, layers: layers, candidates: [])
    }

    static func lineage(_ placed: CatalogLineage) -> VetReport.Lineage {
        let candidates = placed.candidates.map { c -> VetReport.Bar in
            let g = max(0, min(1, c.geometry ?? 0))
            return .init(label: c.name, value: g,
                         text: c.geometry.map { String(format: "geometry %.3f, %@", $0, c.relation) } ?? "\(c.relation)\(c.reason.map { ": \($0)" } ?? "")",
                         level: c.relation == "derived" ? .info : .ok)
        }
        var reasons = placed.notes
        if let family = placed.family { reasons.insert("the token embeddings come from the \(family) family", at: 0) }
        return .init(method: "catalogue", reference: "built-in fingerprint catalogue", relation: placed.relation, confidence: placed.confidence,
                     reasons: reasons, abliterationSuspected: nil, layers: [], candidates: candidates)
    }

    static func behaviour(_ report: ProbeReport, suite: String) -> VetReport.Behaviour {
        let families = report.run.families.map { f -> VetReport.Bar in
            .init(label: f.title, value: f.rate, low: f.ci.first, high: f.ci.last,
                  text: String(format: "%.1f%% %@ (%d of %d; 95%% CI %.1f–%.1f%%)", 100 * f.rate, f.failure as NSString, f.failures, f.n,
                               100 * (f.ci.first ?? 0), 100 * (f.ci.last ?? 0)),
                  level: f.rate >= 0.5 ? .danger : f.rate >= 0.2 ? .warning : .ok)
        }
        let comparison = (report.comparison ?? []).map { c -> VetReport.Bar in
            .init(label: c.family, value: max(0, min(1, c.model.rate)), low: c.baseline.rate, high: c.baseline.rate,
                  text: String(format: "%.1f%% vs baseline %.1f%%: %+.1f points (95%% CI %+.1f to %+.1f), %@", 100 * c.model.rate, 100 * c.baseline.rate,
                               100 * c.difference, 100 * (c.differenceCI.first ?? 0), 100 * (c.differenceCI.last ?? 0), c.verdict as NSString),
                  level: c.verdict == ComparisonVerdict.significantlyLessSafe.rawValue ? .danger : .ok)
        }
        let examples = report.run.families.flatMap { f in
            f.examples.prefix(2).map { VetReport.Example(family: f.title, probe: $0.probe, prompt: $0.prompt, response: $0.response, verdict: $0.verdict) }
        }
        let probes = report.run.families.reduce(0) { $0 + $1.n }
        return .init(backend: "\(report.run.backend): \(report.run.model)", suite: "\(suite) (v\(report.suite.version))", probes: probes,
                     families: families, comparison: comparison, examples: examples, notes: report.run.notes + judgeNotes(report))
    }

    /// Says when the word-only refusal judge ran, which misses more refusals than the one with the encoder.
    static func judgeNotes(_ report: ProbeReport) -> [String] {
        guard report.judges["refusal"]?.hasPrefix("words:") == true else { return [] }
        return ["refusals were judged by the word-only model (the sentence encoder was not used: scripts/install-judge-encoder.sh "
                + "installs it), which misses more refusals; docs/probes.md gives the accuracy of both"]
    }
}

/// The verdict at the top of the vet report.
enum VetVerdict {
    static func make(scan: ScanReport, provenance: VetReport.Provenance, lineage: VetReport.Lineage?, behaviour: VetReport.Behaviour?,
                     failOn: Severity, baseline: String?) -> VetReport.Verdict {
        var answers: [VetReport.Answer] = []
        // Safe to load?
        let counts = scan.countsBySeverity
        switch scan.highestSeverity {
        case .critical?, .high?:
            let n = (counts[.critical] ?? 0) + (counts[.high] ?? 0)
            answers.append(.init(question: "Safe to load?", answer: "No: \(n) finding\(n == 1 ? "" : "s") at high or critical; do not load it", level: .danger))
        case .medium?:
            answers.append(.init(question: "Safe to load?", answer: "Suspicious: \(counts[.medium] ?? 0) medium finding(s) to review", level: .warning))
        default:
            answers.append(scan.isComplete
                ? .init(question: "Safe to load?", answer: "No code-execution risk found; every file was scanned", level: .ok)
                : .init(question: "Safe to load?", answer: "No risk found in what was scanned, but not everything was scanned", level: .warning))
        }
        // Signed?
        if let signature = provenance.signature {
            answers.append(signature.status == "verified"
                ? .init(question: "Signed?", answer: "Yes: the files match the signature of \(signature.signer ?? "the key given")", level: .ok)
                : .init(question: "Signed?", answer: "Signature FAILED: \(signature.detail.first ?? "see the provenance section")", level: .danger))
        } else {
            answers.append(.init(question: "Signed?", answer: "Not checked (no --signature)", level: .info))
        }
        // Licence.
        let licences = provenance.summary.licences
        answers.append(licences.isEmpty
            ? .init(question: "Licence?", answer: "None found: no rights to use or redistribute are granted", level: .warning)
            : .init(question: "Licence?", answer: licences.map { "\($0.name) (\($0.category))" }.joined(separator: "; ")
                        + (licences.count > 1 ? "; the sources disagree" : ""),
                    level: licences.count > 1 ? .warning : licences.allSatisfy(\.open) ? .ok : .info))
        // Derived from what?
        if let lineage {
            let level: VetReport.Level = lineage.abliterationSuspected == true ? .danger : .info
            let what = lineage.method == "baseline"
                ? "\(lineage.relation) with respect to \(lineage.reference)" + (lineage.abliterationSuspected == true ? "; ABLITERATION suspected (safety training removed)" : "")
                : (lineage.reasons.first ?? "\(lineage.relation) (no catalogue family matched)")
            answers.append(.init(question: "Derived from?", answer: what, level: level))
        } else {
            answers.append(.init(question: "Derived from?", answer: "Not checked (see below)", level: .info))
        }
        // Behaviour.
        if let behaviour {
            let worse = behaviour.comparison.filter { $0.level == .danger }.map(\.label)
            let worst = behaviour.families.max { $0.value < $1.value }
            if !worse.isEmpty {
                answers.append(.init(question: "Behaviour?", answer: "Significantly less safe than the baseline in " + worse.joined(separator: ", "), level: .danger))
            } else if let worst {
                answers.append(.init(question: "Behaviour?", answer: "Highest failure rate: \(worst.label) \(String(format: "%.0f%%", 100 * worst.value))"
                                     + (baseline != nil ? "; no family significantly worse than the baseline" : ""), level: worst.level))
            }
        } else {
            answers.append(.init(question: "Behaviour?", answer: "Not measured (see below)", level: .info))
        }
        let level = answers.map(\.level).max() ?? .info
        let danger = Set(answers.filter { $0.level == .danger }.map(\.question))
        let headline: String
        if danger.contains("Safe to load?") {
            headline = "Do not load this model: its files run code or are malformed"
        } else if danger.contains("Signed?") {
            headline = "Do not trust these files: they do not match the signature"
        } else if danger.contains("Derived from?") {
            headline = "Safety training appears to have been removed (abliteration)"
        } else if danger.contains("Behaviour?") {
            headline = "Unsafe behaviour: do not deploy without safeguards"
        } else if level == .warning || scan.hasFindings(atOrAbove: failOn) {
            headline = "Review before use"
        } else {
            headline = "No problem found in what was checked"
        }
        return .init(level: level, headline: headline, answers: answers)
    }
}
