import Foundation
import VetCore

/// Writes SARIF 2.1.0 that GitHub code scanning accepts.
public enum SARIFReportWriter {
    struct Log: Encodable {
        var schema = "https://json.schemastore.org/sarif-2.1.0.json"
        var version = "2.1.0"
        var runs: [Run]
        enum CodingKeys: String, CodingKey { case schema = "$schema", version, runs }
    }

    struct Run: Encodable {
        var tool: Tool
        var results: [Result]
        var columnKind = "unicodeCodePoints"
    }

    struct Tool: Encodable { var driver: Driver }

    struct Driver: Encodable {
        var name = "ModelVet"
        var semanticVersion = ModelVetVersion.current
        var version = ModelVetVersion.current
        var rules: [Rule]
    }

    struct Text: Encodable { var text: String }

    struct Rule: Encodable {
        var id: String
        var name: String
        var shortDescription: Text
        var fullDescription: Text
        var help: Text
        var defaultConfiguration: Configuration
        var properties: RuleProperties
    }

    struct Configuration: Encodable { var level: String }

    struct RuleProperties: Encodable {
        var tags: [String]
        var precision = "high"
        var securitySeverity: String
        enum CodingKeys: String, CodingKey { case tags, precision, securitySeverity = "security-severity" }
    }

    struct Result: Encodable {
        var ruleId: String
        var ruleIndex: Int
        var level: String
        var message: Text
        var locations: [ResultLocation]
        var partialFingerprints: [String: String]
        var properties: ResultProperties
    }

    struct ResultProperties: Encodable {
        var severity: String
        var member: String?
        var evidence: String?
    }

    struct ResultLocation: Encodable { var physicalLocation: PhysicalLocation }

    struct PhysicalLocation: Encodable {
        var artifactLocation: ArtifactLocation
        var region: Region
    }

    struct ArtifactLocation: Encodable { var uri: String }

    struct Region: Encodable {
        var startLine = 1
        var byteOffset: Int?
    }

    static func level(_ severity: Severity) -> String {
        switch severity {
        case .critical, .high: "error"
        case .medium: "warning"
        case .low, .info: "note"
        }
    }

    static func securitySeverity(_ severity: Severity) -> String {
        switch severity {
        case .critical: "9.5"
        case .high: "8.0"
        case .medium: "5.5"
        case .low: "3.0"
        case .info: "1.0"
        }
    }

    /// Percent-encodes a path as a relative URI reference.
    static func uri(_ path: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: ":")
        let trimmed = path.hasPrefix("./") ? String(path.dropFirst(2)) : path
        return trimmed.addingPercentEncoding(withAllowedCharacters: allowed) ?? trimmed
    }

    /// Renders the report as a SARIF log with one run.
    public static func render(_ report: ScanReport, context: ReportContext) -> String {
        let usedIDs = Array(Set(report.findings.map(\.ruleID))).sorted()
        let rules: [Rule] = usedIDs.map { id in
            let d = context.rules[id]
            let severity = d?.severity ?? .medium
            return Rule(id: id, name: id, shortDescription: Text(text: d?.title ?? id),
                        fullDescription: Text(text: d?.description ?? id),
                        help: Text(text: d?.remediation ?? "See modelvet rules explain \(id)."),
                        defaultConfiguration: Configuration(level: level(severity)),
                        properties: RuleProperties(tags: ["security", "ml-model"], securitySeverity: securitySeverity(severity)))
        }
        let index = Dictionary(uniqueKeysWithValues: usedIDs.enumerated().map { ($1, $0) })
        let results: [Result] = report.findings.map { finding in
            let member = finding.location.members.isEmpty ? nil : finding.location.members.joined(separator: "!")
            return Result(ruleId: finding.ruleID, ruleIndex: index[finding.ruleID] ?? 0, level: level(finding.severity),
                          message: Text(text: finding.message + " [" + finding.location.description + "]"),
                          locations: [ResultLocation(physicalLocation: PhysicalLocation(
                            artifactLocation: ArtifactLocation(uri: uri(finding.location.file)),
                            region: Region(byteOffset: member == nil ? finding.location.offset : nil)))],
                          partialFingerprints: ["modelvet/v1": Fingerprint.of(finding)],
                          properties: ResultProperties(severity: finding.severity.name, member: member, evidence: finding.evidence))
        }
        let log = Log(runs: [Run(tool: Tool(driver: Driver(rules: rules)), results: results)])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data: Data
        do { data = try encoder.encode(log) } catch {
            // Reports hold strings, integers and booleans only; say so rather than print nothing if that changes.
            return "{\"error\": \"the report could not be encoded: \(error)\"}\n"
        }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
