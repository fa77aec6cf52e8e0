import ArgumentParser
import Foundation
import VetCore
import VetProvenance
import VetRules
import VetScanner

/// `modelvet bom PATH`: a CycloneDX 1.6 AI bill of materials for a model.
struct BomCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bom",
        abstract: "Write a CycloneDX 1.6 bill of materials (JSON) for a model: its card data, files, licence and findings.",
        discussion: """
        The model is a machine-learning-model component carrying what its metadata declares (GGUF \
        general.* keys, config.json, the model card's front matter): name, architecture, parameter \
        count, quantisation, task, datasets, languages, base models (as pedigree ancestors) and \
        licences, with each licence's key use restrictions and the Model Openness Framework class the \
        folder reaches (see docs/provenance.md). Each file is a component with its SHA-256 (the same \
        manifest `modelvet hash` writes); the model depends on its files. The folder is also scanned \
        (as `modelvet scan` does) and every finding becomes a vulnerability affecting the file it was \
        found in; parts that could not be scanned are recorded as modelvet:scan:unscanned properties. \
        The serial number derives from the files' root digest, and metadata.timestamp honours \
        SOURCE_DATE_EPOCH, so a rebuilt BOM of the same files is identical.

        Examples:
          modelvet bom ./all-MiniLM-L6-v2 --output bom.json
          modelvet bom model.gguf --no-scan

        Exit codes: 0 written (whatever the findings: a BOM records them); 2 usage error, a model that \
        cannot be hashed, or a BOM that cannot be written.
        """)

    @Argument(help: "The model: a file or a folder.")
    var path: String

    @Option(name: .shortAndLong, help: "Write the BOM to this file instead of standard output.")
    var output: String?

    @Flag(name: .long, help: "Leave out the security scan (no vulnerabilities section).")
    var noScan = false

    @OptionGroup var hashing: HashingOptions

    func run() throws {
        let facts = ModelFacts.read(path)
        let manifest = try hashing.manifest(path, label: "bom")
        let provenance = ProvenanceAssessment.summarise(facts)
        var findings: [Finding] = []
        var unscanned: [String] = []
        if !noScan {
            let report = Scanner(configuration: ScanConfiguration(jobs: hashing.threads)).scan(paths: [path])
            findings = report.findings
            unscanned = report.coverage.filter { $0.status != .scanned }.map { "\($0.location.artifact): \($0.status.rawValue)\($0.reason.map { " (\($0))" } ?? "")" }
                + report.failures.map { "\($0.location): \($0.message)" }
        }
        let epoch = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"].flatMap(TimeInterval.init)
        var bom = CycloneDXBOM(.init(facts: facts, manifest: manifest, provenance: provenance, findings: findings,
                                     remediations: Dictionary(RuleRegistry.all.map { ($0.id, $0.remediation) }, uniquingKeysWith: { a, _ in a }),
                                     timestamp: epoch.map { Date(timeIntervalSince1970: $0) } ?? Date()))
        bom.record(scanned: !noScan, unscanned: unscanned)
        try WeightReading.emit({ try bom.json() }, to: output)
        if !hashing.quiet {
            Terminal.error("BOM\(output.map { " written to \($0)" } ?? ""): \(manifest.resources.count) files, "
                           + (noScan ? "not scanned" : "\(findings.count) findings") + ", \(provenance.headline)")
        }
        if !unscanned.isEmpty { Terminal.error("warning: \(unscanned.count) parts of the model could not be scanned completely; the BOM lists them") }
    }
}
