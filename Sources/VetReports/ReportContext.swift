import VetCore

/// What report writers need besides the report: rule texts and how the run was configured.
public struct ReportContext: Sendable {
    /// Rule descriptors by id, for titles and help texts.
    public var rules: [String: RuleDescriptor]
    /// The `--fail-on` threshold.
    public var failOn: Severity
    /// Whether to use ANSI colour (text only).
    public var color: Bool
    /// Whether to list every scanned artifact and show timings per file (text only).
    public var verbose: Bool

    /// Creates a context.
    public init(rules: [RuleDescriptor], failOn: Severity = .medium, color: Bool = false, verbose: Bool = false) {
        self.rules = Dictionary(rules.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        self.failOn = failOn
        self.color = color
        self.verbose = verbose
    }
}

/// An output format of `modelvet scan`.
public enum ReportFormat: String, Sendable, CaseIterable {
    case text, json, sarif, html

    /// Renders `report` in this format.
    public func render(_ report: ScanReport, context: ReportContext) -> String {
        switch self {
        case .text: return TextReportWriter.render(report, context: context)
        case .json: return JSONReportWriter.render(report, context: context)
        case .sarif: return SARIFReportWriter.render(report, context: context)
        case .html:
            do { return try HTMLReportWriter.render(report, context: context, command: ["modelvet"] + CommandLine.arguments.dropFirst()) } catch {
                // The template is a constant covered by the tests; say what broke rather than write nothing.
                return "<!DOCTYPE html><title>ModelVet</title><p>The report could not be rendered.</p>\n"
            }
        }
    }
}

/// A stable 64-bit FNV-1a hash, for fingerprints that must not change between runs or platforms.
enum StableHash {
    static func hex(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
