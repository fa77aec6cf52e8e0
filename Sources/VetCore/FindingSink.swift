/// Collects the findings of one artifact's scan.
public struct FindingSink: Sendable {
    /// What has been reported so far, in order of reporting.
    public private(set) var findings: [Finding] = []

    /// Creates an empty sink.
    public init() {}

    /// Records a finding of `rule` with its default severity unless `severity` is given.
    public mutating func report(_ rule: RuleDescriptor, _ message: String, at location: Location,
                                evidence: String? = nil, severity: Severity? = nil) {
        findings.append(Finding(ruleID: rule.id, severity: severity ?? rule.severity, message: message,
                                location: location, evidence: evidence.map { Evidence.clip($0, maxLength: 1200, keepNewlines: true) }))
    }

    /// Appends findings gathered elsewhere.
    public mutating func append(contentsOf other: [Finding]) { findings.append(contentsOf: other) }
}

/// Makes input safe and short enough to show in a report.
public enum Evidence {
    /// Longest evidence string kept in a finding.
    public static let maxLength = 400

    /// Escapes control and bidirectional-formatting characters and truncates to `maxLength` characters.
    /// - Parameters:
    ///   - keepNewlines: keep line breaks (for multi-line evidence whose parts were already escaped).
    public static func clip(_ text: String, maxLength: Int = Evidence.maxLength, keepNewlines: Bool = false) -> String {
        // Fast path: short printable ASCII needs no escaping.
        if text.utf8.count <= maxLength, text.utf8.allSatisfy({ ($0 >= 0x20 && $0 < 0x7F) || ($0 == 0x0A && keepNewlines) }) {
            return text
        }
        var out = ""
        var count = 0
        for scalar in text.unicodeScalars {
            if count >= maxLength { out += "…"; break }
            switch scalar {
            case "\n" where keepNewlines: out.unicodeScalars.append(scalar)
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F || (0x80..<0xA0).contains(scalar.value)
                || scalar.value == 0x200E || scalar.value == 0x200F
                || (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value):
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            default: out.unicodeScalars.append(scalar)
            }
            count += 1
        }
        return out
    }

    /// Renders bytes as a Python-style escaped literal, at most `maxBytes` of them.
    public static func bytesLiteral<C: Collection>(_ bytes: C, maxBytes: Int = 64) -> String where C.Element == UInt8 {
        var out = "b'"
        for (index, byte) in bytes.enumerated() {
            if index >= maxBytes { out += "…"; break }
            switch byte {
            case 0x5C: out += "\\\\"
            case 0x27: out += "\\'"
            case 0x0A: out += "\\n"
            case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(byte))
            default: out += "\\x" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
            }
        }
        return out + "'"
    }
}
