import VetCore
import VetRules

/// Checks that need a whole folder: pickle weights shadowed by safetensors, and the verdict line.
enum RepositoryAnalysis {
    static let pickleFormats: Set<String> = ["pickle", "pytorch-zip", "pytorch-legacy", "pytorch-legacy-tar", "joblib", "torchscript"]

    /// Reports pickle weight files that have a safetensors twin in the same folder.
    static func shadowedPickles(coverage: [CoverageEntry]) -> [Finding] {
        let topLevel = coverage.filter { $0.location.members.isEmpty }
        let safetensors = Set(topLevel.filter { $0.format == "safetensors" }.map { $0.location.file })
        var findings: [Finding] = []
        for entry in topLevel where pickleFormats.contains(entry.format) {
            let path = entry.location.file
            let (folder, file) = split(path)
            guard let stem = PickleBesideSafeTensorsRule.equivalentStem(of: file) else { continue }
            let twin = folder + stem + ".safetensors"
            if safetensors.contains(twin) {
                let rule = PickleBesideSafeTensorsRule.descriptor
                findings.append(Finding(ruleID: rule.id, severity: rule.severity,
                                        message: "the same weights are in \(twin); load that file instead",
                                        location: Location(file: path)))
            }
        }
        return findings
    }

    static func split(_ path: String) -> (folder: String, file: String) {
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        return (String(path[...slash]), String(path[path.index(after: slash)...]))
    }

    /// One verdict per folder among `inputs`.
    static func verdicts(folders: [String], findings: [Finding], coverage: [CoverageEntry]) -> [RepositoryVerdict] {
        folders.map { folder in
            let prefix = folder.hasSuffix("/") ? folder : folder + "/"
            let inside = findings.filter { $0.location.file.hasPrefix(prefix) }
            let covered = coverage.filter { $0.location.file.hasPrefix(prefix) }
            let highest = inside.map(\.severity).max()
            let codeRules: Set<String> = ["torchscript_code", "repo_remote_code", "pickle_unknown_import", "keras_lambda_layer",
                                          "keras_custom_object"]
            let verdict: String
            if let highest, highest == .critical {
                verdict = "DANGEROUS: \(inside.filter { $0.severity == .critical }.count) critical finding(s); do not load"
            } else if inside.contains(where: { codeRules.contains($0.ruleID) || $0.ruleID.hasPrefix("python_") }) {
                verdict = "contains code that runs on load; review it before loading"
            } else if let highest, highest >= .medium {
                verdict = "suspicious: findings at \(highest.name) need review"
            } else if covered.contains(where: { $0.status != .scanned }) {
                verdict = "not fully scanned (see coverage)"
            } else if covered.contains(where: { pickleFormats.contains($0.format) }) {
                verdict = "uses pickle-based formats that can run code; nothing dangerous found in them"
            } else {
                verdict = "safe formats only"
            }
            return RepositoryVerdict(path: folder, verdict: verdict, highestSeverity: highest)
        }
    }
}
