import VetCore

/// Checks that need a whole folder: pickle weights shadowed by safetensors, and the verdict line.
public enum RepositoryAnalysis {
    /// Coverage names of readings that unpickle when loaded.
    static let pickleFormats: Set<String> = ["pickle", "pytorch-zip", "pytorch-legacy", "pytorch-legacy-tar", "joblib", "torchscript"]
    /// Rules whose findings mean the folder ships code that runs when it is loaded.
    static let codeRules: Set<String> = Set(([TorchScriptCodeRule.descriptor, RemoteCodeRule.descriptor, PickleUnknownImportRule.descriptor,
                                              KerasLambdaRule.descriptor, KerasCustomObjectRule.descriptor] + PythonCodeRules.all).map(\.id))

    /// Reports pickle weight files that have a safetensors twin in the same folder.
    public static func shadowedPickles(coverage: [CoverageEntry]) -> [Finding] {
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
    public static func verdicts(folders: [String], findings: [Finding], coverage: [CoverageEntry]) -> [RepositoryVerdict] {
        folders.map { folder in
            let prefix = folder.hasSuffix("/") ? folder : folder + "/"
            let inside = findings.filter { $0.location.file.hasPrefix(prefix) }
            let covered = coverage.filter { $0.location.file.hasPrefix(prefix) }
            let highest = inside.map(\.severity).max()
            let verdict: String
            if let highest, highest == .critical {
                verdict = "DANGEROUS: \(inside.filter { $0.severity == .critical }.count) critical finding(s); do not load"
            } else if inside.contains(where: { codeRules.contains($0.ruleID) }) {
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
