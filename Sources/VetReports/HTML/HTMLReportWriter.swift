import Foundation
import Mustache
import VetCore

/// The vet report (or a scan report) as one self-contained HTML page: inline CSS, inline SVG charts,
/// no script and no external URL (a Content-Security-Policy forbids both), rendered with Mustache from
/// `HTMLTemplate.page`. Every value is escaped by the template engine (`{{…}}`); the template has no
/// unescaped (`{{{…}}}`) tag, so nothing a model or a file says can become markup.
public enum HTMLReportWriter {
    public struct RenderError: Error, CustomStringConvertible {
        public let description: String
    }

    /// The page for a full vet report.
    public static func render(_ report: VetReport) throws -> String {
        try page(Page(report))
    }

    /// The page for a scan-only report (`modelvet scan --format html`).
    public static func render(_ scan: ScanReport, context: ReportContext, command: [String]) throws -> String {
        try page(Page(scan: scan, context: context, command: command))
    }

    /// The report's stylesheet (CSS text), which the service's web UI pages share.
    public static let stylesheet = HTMLTemplate.style

    static func page(_ page: Page) throws -> String {
        HTMLEscaping.register()
        var library = MustacheLibrary()
        do {
            try library.register(HTMLEscaping.pragma + HTMLTemplate.page, named: "page")
            try library.register(HTMLEscaping.pragma + HTMLTemplate.chart, named: "chart")
            try library.register(HTMLEscaping.pragma + HTMLTemplate.style, named: "style")
        } catch {
            throw RenderError(description: "the HTML template does not parse: \(error)")
        }
        guard let html = library.render(page, withTemplate: "page") else { throw RenderError(description: "the HTML template is missing") }
        return html
    }

    // MARK: - The view model: every value a display string, number or flag.

    struct Answer { var question: String; var answer: String; var level: String }
    struct Count { var name: String; var count: Int; var level: String }
    struct FindingRow { var severity: String; var level: String; var rule: String; var title: String; var location: String; var message: String; var evidence: String? }
    struct CoverageRow { var status: String; var artifact: String; var format: String; var reason: String }
    struct Signature { var ok: Bool; var status: String; var file: String; var signer: String?; var detail: [String] }
    struct Licence { var name: String; var spdx: String?; var category: String; var open: Bool; var restrictions: [String]; var sources: String }
    struct Component { var name: String; var mofClass: String; var present: Bool; var evidence: String }
    struct ChartRow {
        /// The full label and text (the SVG title, shown on hover), and both cut to fit the chart.
        var label: String, text: String, level: String, shortLabel: String, shortText: String
        var y: Int, textY: Int, barWidth: Int, hasInterval: Bool, lowX: Int, highX: Int, midY: Int, capTop: Int, capBottom: Int
    }
    struct Chart { var width: Int; var height: Int; var rows: [ChartRow]; var title: String; var barX: Int; var textX: Int }
    struct Example { var family: String; var probe: String; var prompt: String; var response: String; var verdict: String }
    struct Skipped { var what: String; var why: String }

    struct Scan {
        var summary: String
        var counts: [Count]
        var findings: [FindingRow]
        var hasFindings: Bool
        var artifacts: Int, scanned: Int, partial: Int, unscanned: Int
        var incomplete: [CoverageRow]
        var errors: [String]
    }

    struct Provenance {
        var hasManifest: Bool
        var files: String, root: String
        var signature: Signature?
        var licences: [Licence]
        var noLicence: Bool
        var openness: String
        var gaps: [String]
        var components: [Component]
        var notes: [String]
    }

    struct Lineage {
        var method: String, reference: String, relation: String, confidence: String
        var reasons: [String]
        var abliteration: Bool
        var layers: Chart?
        var candidates: Chart?
    }

    struct Behaviour {
        var backend: String, suite: String, probes: Int
        var families: Chart
        var comparison: Chart?
        var examples: [Example]
        var notes: [String]
    }

    struct Page {
        var title: String
        var model: String
        var headline: String
        var level: String
        var isVet: Bool
        var answers: [Answer]
        var scan: Scan
        var provenance: Provenance?
        var lineage: Lineage?
        var behaviour: Behaviour?
        var notChecked: [Skipped]
        var tool: String
        var command: String
    }
}

extension HTMLReportWriter.Page {
    init(_ report: VetReport) {
        title = "ModelVet: \(report.model)"
        model = report.model
        headline = report.verdict.headline
        // Informational lines (a check not asked for) do not darken a clean verdict.
        level = report.verdict.level == .info ? "ok" : report.verdict.level.rawValue
        isVet = true
        answers = report.verdict.answers.map { .init(question: $0.question, answer: $0.answer, level: $0.level.rawValue) }
        scan = Self.scan(report.scan, context: report.context)
        provenance = report.provenance.map(Self.provenance)
        lineage = report.lineage.map { l in
            .init(method: l.method == "baseline" ? "weights compared with the baseline" : "fingerprint against the built-in catalogue",
                  reference: l.reference, relation: l.relation, confidence: String(format: "%.2f", l.confidence), reasons: l.reasons,
                  abliteration: l.abliterationSuspected == true,
                  layers: l.layers.isEmpty ? nil : Self.chart(l.layers, title: "Relative update per layer (largest = full bar)", intervals: false),
                  candidates: l.candidates.isEmpty ? nil : Self.chart(l.candidates, title: "Embedding-geometry correlation per known family", intervals: false))
        }
        behaviour = report.behaviour.map { b in
            .init(backend: b.backend, suite: b.suite, probes: b.probes,
                  families: Self.chart(b.families, title: "Failure rate per family, with 95% Wilson intervals", intervals: true),
                  comparison: b.comparison.isEmpty ? nil : Self.chart(b.comparison, title: "Against the baseline (mark: the baseline's rate)", intervals: true),
                  examples: b.examples.map { .init(family: $0.family, probe: $0.probe, prompt: $0.prompt, response: $0.response, verdict: $0.verdict) },
                  notes: b.notes)
        }
        notChecked = report.notChecked.map { .init(what: $0.what, why: $0.why) }
        tool = report.tool
        command = Self.shellWords(report.command)
    }

    init(scan report: ScanReport, context: ReportContext, command: [String]) {
        let highest = report.highestSeverity
        title = "ModelVet scan: " + report.inputs.joined(separator: ", ")
        model = report.inputs.joined(separator: ", ")
        let failed = report.hasFindings(atOrAbove: context.failOn)
        level = highest.map { $0 >= .high ? "danger" : $0 >= .medium ? "warning" : "ok" } ?? (report.isComplete ? "ok" : "warning")
        headline = report.findings.isEmpty ? (report.isComplete ? "No findings. Every file was scanned." : "No findings in what was scanned, but not everything was scanned")
            : failed ? "Findings at or above \(context.failOn.name): do not load before review" : "Findings below the \(context.failOn.name) threshold"
        isVet = false
        answers = []
        scan = Self.scan(report, context: context)
        provenance = report.provenance.first.map { Self.provenance(.init(rootDigest: nil, files: nil, bytes: nil, signature: nil, summary: $0)) }
        lineage = nil
        behaviour = nil
        notChecked = []
        tool = "modelvet \(ModelVetVersion.current)"
        self.command = Self.shellWords(command)
    }

    static func scan(_ report: ScanReport, context: ReportContext) -> HTMLReportWriter.Scan {
        let counts = report.countsBySeverity
        return .init(
            summary: "\(report.fileCount) file(s), \(TextReportWriter.byteText(report.byteCount)) scanned" + (report.isComplete ? ", completely" : ", not completely (see coverage)"),
            counts: Severity.allCases.reversed().map { .init(name: $0.name, count: counts[$0] ?? 0, level: level($0)) },
            findings: report.findings.map { f in
                .init(severity: f.severity.name.uppercased(), level: level(f.severity), rule: f.ruleID, title: context.rules[f.ruleID]?.title ?? "",
                      location: f.location.description, message: f.message, evidence: f.evidence)
            },
            hasFindings: !report.findings.isEmpty,
            artifacts: report.coverage.count,
            scanned: report.coverage.filter { $0.status == .scanned }.count,
            partial: report.coverage.filter { $0.status == .partial }.count,
            unscanned: report.coverage.filter { $0.status == .unscanned }.count,
            incomplete: report.coverage.filter { $0.status != .scanned }.map {
                .init(status: $0.status.rawValue, artifact: $0.location.artifact, format: $0.format, reason: $0.reason ?? "")
            },
            errors: report.failures.map { "\($0.location.description): \($0.message)" })
    }

    static func level(_ s: Severity) -> String { s >= .high ? "danger" : s == .medium ? "warning" : "info" }

    static func provenance(_ p: VetReport.Provenance) -> HTMLReportWriter.Provenance {
        let s = p.summary
        return .init(
            hasManifest: p.rootDigest != nil,
            files: p.files.map { "\($0) files, \(TextReportWriter.byteText(p.bytes ?? 0))" } ?? "", root: p.rootDigest ?? "",
            signature: p.signature.map { .init(ok: $0.status == "verified", status: $0.status, file: $0.file, signer: $0.signer, detail: $0.detail) },
            licences: s.licences.map { .init(name: $0.name, spdx: $0.spdx, category: $0.category, open: $0.open, restrictions: $0.restrictions,
                                             sources: $0.sources.joined(separator: ", ")) },
            noLicence: s.licences.isEmpty,
            openness: s.openness ?? "below Class III of the Model Openness Framework",
            gaps: s.opennessGaps,
            components: s.components.map { .init(name: $0.name, mofClass: ["", "I", "II", "III"][min(3, max(0, $0.mofClass))], present: $0.present, evidence: $0.evidence ?? "") },
            notes: s.notes)
    }

    /// Bars laid out for the SVG: label column, bar area of `scale` pixels, value text after it.
    static func chart(_ bars: [VetReport.Bar], title: String, intervals: Bool) -> HTMLReportWriter.Chart {
        let rowHeight = 26, barX = 230, scale = 320, textX = barX + scale + 12
        func px(_ v: Double) -> Int { Int((max(0, min(1, v)) * Double(scale)).rounded()) }
        let rows = bars.enumerated().map { i, b -> HTMLReportWriter.ChartRow in
            let y = i * rowHeight
            return .init(label: b.label, text: b.text, level: b.level.rawValue, shortLabel: cut(b.label, 30), shortText: cut(b.text, 72), y: y + 5, textY: y + 18, barWidth: max(1, px(b.value)),
                         hasInterval: intervals && b.low != nil && b.high != nil, lowX: barX + px(b.low ?? 0), highX: barX + px(b.high ?? 0),
                         midY: y + 13, capTop: y + 7, capBottom: y + 19)
        }
        return .init(width: textX + 600, height: max(rowHeight, bars.count * rowHeight + 4), rows: rows, title: title, barX: barX, textX: textX)
    }

    /// `text` cut to `limit` characters, with an ellipsis when it was longer.
    static func cut(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }

    /// The command line as a shell would need it typed (single-quoted where needed); shown as text.
    static func shellWords(_ words: [String]) -> String {
        words.map { w in
            w.allSatisfy({ $0.isLetter || $0.isNumber || "-_./=:@,+".contains($0) }) && !w.isEmpty ? w : "'" + w.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }.joined(separator: " ")
    }
}
