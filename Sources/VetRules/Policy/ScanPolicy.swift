import TOMLKit
import VetCore

/// User policy from a `--policy` TOML file: extra allowed and denied imports and severity overrides.
///
/// Policy files are trusted input written by the user, so they are read with a maintained,
/// complete TOML parser (TOMLKit, over toml++) rather than a subset of our own.
///
/// ```toml
/// [[allow]]
/// global = "sklearn.linear_model._logistic.LogisticRegression"   # or "sklearn.*"
/// reason = "our estimators"
///
/// [[deny]]
/// global = "mypkg.loader"
/// reason = "runs arbitrary hooks"
///
/// [[severity]]
/// rule = "pickle_unknown_import"
/// level = "high"
/// reason = "strict mode for production models"
/// ```
public struct ScanPolicy: Sendable {
    /// Import classification with the file's additions.
    public var imports: ImportPolicy
    /// Rule id → severity replacing the rule's default.
    public var severityOverrides: [String: Severity]

    /// The built-in policy.
    public init(imports: ImportPolicy = .builtIn, severityOverrides: [String: Severity] = [:]) {
        self.imports = imports
        self.severityOverrides = severityOverrides
    }

    /// Why a policy file was rejected.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// What is wrong, with the line or entry.
        public var message: String
        public var description: String { message }
    }

    /// Parses a policy document.
    /// - Parameter knownRules: rule ids a severity entry may name.
    /// - Throws: `Failure` for syntax errors, unknown keys, missing reasons, unknown rules or levels.
    public static func parse(_ text: String, knownRules: Set<String>) throws -> ScanPolicy {
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw Failure(message: "policy is not valid TOML: \(error.description) (\(error.source.begin))")
        } catch {
            throw Failure(message: "policy is not valid TOML: \(error)")
        }
        var policy = ScanPolicy()
        for key in root.keys where !["allow", "deny", "severity"].contains(key) {
            throw Failure(message: "unknown policy section `\(key)` (expected allow, deny or severity)")
        }
        for (index, entry) in try entries(root, "allow").enumerated() {
            let global = try field(entry, "global", section: "allow", index: index)
            guard global.contains(".") else { throw Failure(message: "allow[\(index)]: `\(global)` must be module.name or module.*") }
            policy.imports.allow(global)
        }
        for (index, entry) in try entries(root, "deny").enumerated() {
            let global = try field(entry, "global", section: "deny", index: index)
            var category = "policy"
            if let value = entry["category"] {
                guard let text = value.string, !text.isEmpty else {
                    throw Failure(message: "deny[\(index)]: `category` must be a non-empty string")
                }
                category = text
            }
            policy.imports.deny(global, category: category)
        }
        for (index, entry) in try entries(root, "severity").enumerated() {
            let rule = try field(entry, "rule", section: "severity", index: index)
            let levelText = try field(entry, "level", section: "severity", index: index)
            guard knownRules.contains(rule) else { throw Failure(message: "severity[\(index)]: unknown rule `\(rule)`") }
            guard let level = Severity(name: levelText) else {
                throw Failure(message: "severity[\(index)]: unknown level `\(levelText)` (critical, high, medium, low, info)")
            }
            policy.severityOverrides[rule] = level
        }
        return policy
    }

    private static func entries(_ root: TOMLTable, _ section: String) throws -> [TOMLTable] {
        guard let value = root[section] else { return [] }
        guard let items = value.array else { throw Failure(message: "`\(section)` must be an array of tables ([[\(section)]])") }
        return try items.enumerated().map { index, item in
            guard let table = item.table else { throw Failure(message: "\(section)[\(index)] must be a table") }
            let allowed: Set<String> = section == "severity" ? ["rule", "level", "reason"] : ["global", "reason", "category"]
            if let extra = table.keys.first(where: { !allowed.contains($0) }) {
                throw Failure(message: "\(section)[\(index)]: unknown key `\(extra)`")
            }
            let reason = table["reason"]?.string?.trimmingWhitespace() ?? ""
            guard !reason.isEmpty else { throw Failure(message: "\(section)[\(index)]: every entry needs a non-empty `reason`") }
            return table
        }
    }

    private static func field(_ table: TOMLTable, _ key: String, section: String, index: Int) throws -> String {
        guard let value = table[key]?.string, !value.isEmpty else {
            throw Failure(message: "\(section)[\(index)]: `\(key)` must be a non-empty string")
        }
        return value
    }

    /// Applies severity overrides to findings.
    public func apply(to findings: [Finding]) -> [Finding] {
        guard !severityOverrides.isEmpty else { return findings }
        return findings.map { finding in
            var copy = finding
            if let level = severityOverrides[finding.ruleID] { copy.severity = level }
            return copy
        }
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var slice = Substring(self)
        while let c = slice.first, c.isWhitespace { slice = slice.dropFirst() }
        while let c = slice.last, c.isWhitespace { slice = slice.dropLast() }
        return String(slice)
    }
}
