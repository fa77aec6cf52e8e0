import Foundation
import VetCore

/// Writes the report for people: findings grouped by file, coverage, then a summary line.
public enum TextReportWriter {
    struct Style {
        let enabled: Bool
        func paint(_ text: String, _ code: String) -> String { enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
        func severity(_ s: Severity) -> String {
            let label = s.name.uppercased().padding(toLength: 8, withPad: " ", startingAt: 0)
            switch s {
            case .critical: return paint(label, "1;31")
            case .high: return paint(label, "31")
            case .medium: return paint(label, "33")
            case .low: return paint(label, "36")
            case .info: return paint(label, "2")
            }
        }
        func bold(_ text: String) -> String { paint(text, "1") }
        func dim(_ text: String) -> String { paint(text, "2") }
    }

    /// Renders the report.
    public static func render(_ report: ScanReport, context: ReportContext) -> String {
        let style = Style(enabled: context.color)
        var out = "ModelVet \(ModelVetVersion.current): scanned \(report.fileCount) file(s), \(byteText(report.byteCount))"
        out += String(format: " in %.2f s\n", report.duration)
        for repository in report.repositories.sorted() {
            let color = repository.highestSeverity.map { $0 >= .high ? "1;31" : $0 >= .medium ? "33" : "32" } ?? "32"
            out += "Repository " + style.bold(repository.path) + ": " + style.paint(repository.verdict, color) + "\n"
        }
        let formats = Dictionary(report.coverage.filter { $0.location.members.isEmpty }.map { ($0.location.file, $0.format) },
                                 uniquingKeysWith: { a, _ in a })
        for (file, findings) in Dictionary(grouping: report.findings, by: \.location.file).sorted(by: { $0.key < $1.key }) {
            out += "\n" + style.bold(file) + (formats[file].map { "  [\($0)]" } ?? "") + "\n"
            for finding in findings {
                out += "  " + style.severity(finding.severity) + " " + finding.ruleID + "  " + style.dim(finding.location.description) + "\n"
                out += "           " + finding.message + "\n"
                if let evidence = finding.evidence {
                    for line in evidence.split(separator: "\n", omittingEmptySubsequences: false) {
                        out += "           " + style.dim("│ " + line) + "\n"
                    }
                }
            }
        }
        out += coverageSection(report, context: context, style: style)
        out += provenanceSection(report, style: style)
        for failure in report.failures {
            out += style.paint("error", "1;31") + ": \(failure.location.description): \(failure.message)\n"
        }
        out += "\n" + summaryLine(report, context: context, style: style) + "\n"
        return out
    }

    static func coverageSection(_ report: ScanReport, context: ReportContext, style: Style) -> String {
        let counts = Dictionary(grouping: report.coverage, by: \.status).mapValues(\.count)
        var out = "\nCoverage: \(report.coverage.count) artifact(s): \(counts[.scanned] ?? 0) scanned"
        out += ", \(counts[.partial] ?? 0) partial, \(counts[.unscanned] ?? 0) unscanned\n"
        let formatCounts = Dictionary(grouping: report.coverage, by: \.format).mapValues(\.count)
        out += "  formats: " + formatCounts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "\n"
        for entry in report.coverage where entry.status != .scanned || context.verbose {
            out += "  " + entry.status.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)
            out += entry.location.artifact + "  " + style.dim("[\(entry.format), \(byteText(entry.size))]")
            if let reason = entry.reason { out += "  " + reason }
            out += "\n"
        }
        return out
    }

    /// Licence and openness per input: the licences with their restrictions, the MOF class and what
    /// stands between the files and the next class, and the notes (conflicts, unreadable metadata).
    static func provenanceSection(_ report: ScanReport, style: Style) -> String {
        var out = ""
        for summary in report.provenance {
            out += "\nProvenance of " + style.bold(summary.path) + "\n"
            if summary.licences.isEmpty { out += "  licence:  " + style.paint("none found", "33") + "\n" }
            for licence in summary.licences {
                let kind = licence.open ? style.paint(licence.category, "32") : style.paint(licence.category, "33")
                out += "  licence:  \(licence.name)\(licence.spdx.map { " (\($0))" } ?? "") [\(kind)]  " + style.dim("from " + licence.sources.joined(separator: ", ")) + "\n"
                for restriction in licence.restrictions { out += "            - \(restriction)\n" }
            }
            let present = summary.components.filter(\.present).map(\.name)
            out += "  openness: \(summary.openness ?? "below Class III of the Model Openness Framework")"
            out += style.dim(" (present: \(present.isEmpty ? "none" : present.joined(separator: ", ")))") + "\n"
            for gap in summary.opennessGaps { out += "            - \(gap)\n" }
            for note in summary.notes { out += "  " + style.paint("note", "33") + ": \(note)\n" }
        }
        return out
    }

    static func summaryLine(_ report: ScanReport, context: ReportContext, style: Style) -> String {
        let counts = report.countsBySeverity
        let failed = report.hasFindings(atOrAbove: context.failOn)
        if report.findings.isEmpty {
            if report.isComplete { return style.paint("No findings.", "1;32") + " Every file was scanned." }
            return style.paint("No findings in what was scanned", "33") + ", but not everything was scanned (see coverage)."
        }
        let parts = Severity.allCases.reversed().map { "\(counts[$0] ?? 0) \($0.name)" }.joined(separator: ", ")
        let verdict = failed ? style.paint("FAIL", "1;31") : style.paint("PASS", "1;32")
        var line = "Findings: \(parts). \(verdict) (threshold: \(context.failOn.name))"
        if !report.isComplete { line += "; not everything was scanned (see coverage)" }
        return line
    }

    /// Human-readable byte count.
    static func byteText(_ bytes: Int) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1000, unit < units.count - 1 { value /= 1000; unit += 1 }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f", value) + " " + units[unit]
    }
}
