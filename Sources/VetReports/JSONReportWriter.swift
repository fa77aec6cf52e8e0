import Foundation
import VetCore

/// Writes the versioned JSON report described in `docs/report-schema.md`.
public enum JSONReportWriter {
    struct Document: Encodable {
        var schema_version = ModelVetVersion.jsonSchema
        var tool = Tool()
        var inputs: [String]
        var repositories: [RepositoryItem]
        var summary: Summary
        var findings: [FindingEntry]
        var coverage: [CoverageItem]
        var errors: [ErrorItem]
        var provenance: [ProvenanceSummary]
    }

    struct Tool: Encodable {
        var name = "modelvet"
        var version = ModelVetVersion.current
    }

    struct Summary: Encodable {
        var files: Int
        var bytes: Int
        var artifacts: Int
        var scanned: Int
        var partial: Int
        var unscanned: Int
        var complete: Bool
        var highest_severity: String?
        var findings_by_severity: [String: Int]
        var fail_on: String
        var failed: Bool
    }

    struct FindingEntry: Encodable {
        var rule_id: String
        var severity: String
        var title: String?
        var message: String
        var location: String
        var file: String
        var members: [String]
        var offset: Int?
        var evidence: String?
        var fingerprint: String
    }

    struct CoverageItem: Encodable {
        var artifact: String
        var file: String
        var members: [String]
        var format: String
        var status: String
        var reason: String?
        var size: Int
    }

    struct RepositoryItem: Encodable {
        var path: String
        var verdict: String
        var highest_severity: String?
    }

    struct ErrorItem: Encodable {
        var location: String
        var message: String
    }

    /// The report as the JSON document's value (also the `scan` section of `modelvet vet`'s report).
    static func document(_ report: ScanReport, context: ReportContext) -> Document {
        let counts = report.countsBySeverity
        return Document(
            inputs: report.inputs,
            repositories: report.repositories.sorted().map {
                RepositoryItem(path: $0.path, verdict: $0.verdict, highest_severity: $0.highestSeverity?.name)
            },
            summary: Summary(
                files: report.fileCount, bytes: report.byteCount, artifacts: report.coverage.count,
                scanned: report.coverage.filter { $0.status == .scanned }.count,
                partial: report.coverage.filter { $0.status == .partial }.count,
                unscanned: report.coverage.filter { $0.status == .unscanned }.count,
                complete: report.isComplete, highest_severity: report.highestSeverity?.name,
                findings_by_severity: Dictionary(uniqueKeysWithValues: Severity.allCases.map { ($0.name, counts[$0] ?? 0) }),
                fail_on: context.failOn.name, failed: report.hasFindings(atOrAbove: context.failOn)),
            findings: report.findings.map { finding in
                FindingEntry(rule_id: finding.ruleID, severity: finding.severity.name, title: context.rules[finding.ruleID]?.title,
                             message: finding.message, location: finding.location.description, file: finding.location.file,
                             members: finding.location.members, offset: finding.location.offset, evidence: finding.evidence,
                             fingerprint: Fingerprint.of(finding))
            },
            coverage: report.coverage.map {
                CoverageItem(artifact: $0.location.artifact, file: $0.location.file, members: $0.location.members,
                             format: $0.format, status: $0.status.rawValue, reason: $0.reason, size: $0.size)
            },
            errors: report.failures.map { ErrorItem(location: $0.location.description, message: $0.message) },
            provenance: report.provenance)
    }

    /// Renders the report as pretty-printed JSON with sorted keys.
    public static func render(_ report: ScanReport, context: ReportContext) -> String {
        let document = Self.document(report, context: context)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data: Data
        do { data = try encoder.encode(document) } catch {
            // Reports hold strings, integers and booleans only; say so rather than print nothing if that changes.
            return "{\"error\": \"the report could not be encoded: \(error)\"}\n"
        }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

/// Identifies a finding across runs: rule, artifact, offset and message.
public enum Fingerprint {
    /// A 16-hex-digit fingerprint of `finding`.
    public static func of(_ finding: Finding) -> String {
        StableHash.hex([finding.ruleID, finding.location.description, finding.message].joined(separator: "\u{1F}"))
    }
}
