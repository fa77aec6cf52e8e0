import Foundation
import VetCore

/// The vet report for people in a terminal: the verdict, then each section, then what was not checked.
public enum VetTextWriter {
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
            out += "  " + mark(a.level) + " " + a.question.padding(toLength: 15, withPad: " ", startingAt: 0) + Escape.terminal(a.answer) + "\n"
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
                out += "\n" + s.detail.map { "             - \(Escape.terminal($0))\n" }.joined()
            }
            out += "  (licence and openness: see the provenance lines of the scan above)\n"
        }
        out += "\n" + style.bold("3. Lineage") + "\n"
        if let l = report.lineage {
            out += "  \(l.method == "baseline" ? "against \(l.reference)" : "against the \(l.reference)"): \(style.bold(l.relation))"
            out += String(format: " (confidence %.2f)", l.confidence)
            if l.abliterationSuspected == true { out += style.paint("  abliteration suspected", "1;31") }
            out += "\n" + l.reasons.map { "    - \(Escape.terminal($0))\n" }.joined()
            for c in l.candidates { out += "    \(Escape.terminal(c.label)): \(Escape.terminal(c.text))\n" }
        } else {
            out += "  not checked (see below)\n"
        }
        out += "\n" + style.bold("4. Behaviour") + "\n"
        if let b = report.behaviour {
            out += "  \(Escape.terminal(b.backend)), suite \(b.suite), \(b.probes) judged probes\n"
            for f in b.families { out += "    " + mark(f.level) + " " + Escape.terminal(f.label).padding(toLength: 31, withPad: " ", startingAt: 0) + Escape.terminal(f.text) + "\n" }
            for c in b.comparison { out += "    " + mark(c.level) + " " + Escape.terminal(c.label).padding(toLength: 31, withPad: " ", startingAt: 0) + Escape.terminal(c.text) + "\n" }
            for n in b.notes { out += "    note: \(Escape.terminal(n))\n" }
        } else {
            out += "  not measured (see below)\n"
        }
        if !report.notChecked.isEmpty {
            out += "\n" + style.bold("Not checked") + "\n"
            for s in report.notChecked { out += "  - \(s.what): \(Escape.terminal(s.why))\n" }
        }
        return out
    }
}

/// Text from a model or a file made safe for a terminal: control and bidirectional characters shown
/// as escapes, so they cannot move the cursor or reorder what the reader sees.
enum Escape {
    static func terminal(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x0A: out += "\n"
            case 0x09: out += "\t"
            case 0x00..<0x20, 0x7F..<0xA0, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069:
                out += String(format: "\\u{%X}", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
