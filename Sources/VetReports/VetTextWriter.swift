import Foundation
import VetCore

/// The vet report for people in a terminal: the verdict, then each section, then what was not checked.
public enum VetTextWriter {
    /// Text from a model or a file, safe for a terminal: control and bidirectional characters escaped
    /// (the scanner's evidence escaping), nothing cut.
    static func safe(_ text: String) -> String { Evidence.clip(text, maxLength: .max, keepNewlines: true) }

    public static func render(_ report: VetReport, color: Bool) -> String {
        let style = TextReportWriter.Style(enabled: color)
        func mark(_ level: VetReport.Level) -> String {
            switch level {
            case .ok: return style.paint("ok  ", "32")
            case .info: return style.paint("info", "2")
            case .warning: return style.paint("WARN", "33")
            case .danger: return style.paint("FAIL", "1;31")
            }
        }
        var out = style.bold("ModelVet verdict for \(report.model): \(report.verdict.headline)") + "\n"
        for a in report.verdict.answers {
            out += "  " + mark(a.level) + " " + a.question.padding(toLength: 15, withPad: " ", startingAt: 0) + safe(a.answer) + "\n"
        }
        out += "\n" + style.bold("1. Static scan") + "\n"
        out += TextReportWriter.render(report.scan, context: ReportContext(rules: Array(report.context.rules.values), failOn: report.context.failOn,
                                                                           color: color, verbose: report.context.verbose))
        out += "\n" + style.bold("2. Provenance") + "\n"
        if let p = report.provenance {
            if let root = p.rootDigest, let files = p.files, let bytes = p.bytes {
                out += "  files:     \(files) (\(TextReportWriter.byteText(bytes))), root digest \(root)\n"
            }
            if let s = p.signature {
                out += "  signature: \(s.status == "verified" ? style.paint("verified", "32") : style.paint("FAILED", "1;31")) (\(s.file))"
                out += s.signer.map { ", signed by \($0)" } ?? ""
                out += "\n" + s.detail.map { "             - \(safe($0))\n" }.joined()
            }
            out += "  (licence and openness: see the provenance lines of the scan above)\n"
        }
        out += "\n" + style.bold("3. Lineage") + "\n"
        if let l = report.lineage {
            out += "  \(l.method == "baseline" ? "against \(l.reference)" : "against the \(l.reference)"): \(style.bold(l.relation))"
            out += String(format: " (confidence %.2f)", l.confidence)
            if l.abliterationSuspected == true { out += style.paint("  abliteration suspected", "1;31") }
            out += "\n" + l.reasons.map { "    - \(safe($0))\n" }.joined()
            for c in l.candidates { out += "    \(safe(c.label)): \(safe(c.text))\n" }
        } else {
            out += "  not checked (see below)\n"
        }
        out += "\n" + style.bold("4. Behaviour") + "\n"
        if let b = report.behaviour {
            out += "  \(safe(b.backend)), suite \(b.suite), \(b.probes) judged probes\n"
            for f in b.families { out += "    " + mark(f.level) + " " + safe(f.label).padding(toLength: 31, withPad: " ", startingAt: 0) + safe(f.text) + "\n" }
            for c in b.comparison { out += "    " + mark(c.level) + " " + safe(c.label).padding(toLength: 31, withPad: " ", startingAt: 0) + safe(c.text) + "\n" }
            for n in b.notes { out += "    note: \(safe(n))\n" }
        } else {
            out += "  not measured (see below)\n"
        }
        if !report.notChecked.isEmpty {
            out += "\n" + style.bold("Not checked") + "\n"
            for s in report.notChecked { out += "  - \(s.what): \(safe(s.why))\n" }
        }
        return out
    }
}
