import ArgumentParser
import Foundation
import VetCore
import VetProvenance
import VetReports
import VetRules
import VetScanner

extension Severity: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
    public var defaultValueDescription: String { name }
    public static var allValueStrings: [String] { Severity.allCases.reversed().map(\.name) }
}

extension ReportFormat: ExpressibleByArgument {}

/// `modelvet scan`: static analysis of files and folders.
struct ScanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Scan model files and folders for code that runs on load.",
        discussion: """
        Every file is identified by its content (extensions are only hints). Pickle-based files (PyTorch .pt/.pth/.bin/.ckpt, \
        joblib, NumPy object arrays, plain pickles) are run through a symbolic pickle machine; zip and tar containers \
        are opened the way their loaders open them and every member is scanned. Formats that this release recognises \
        but does not analyse are listed as unscanned in the coverage summary, so "no findings" is only printed when \
        everything was scanned.

        Examples:
          modelvet scan model.pt
          modelvet scan ./downloaded-model --format sarif --output results.sarif
          modelvet scan ./models --fail-on high --policy policy.toml -f json

        Exit codes: 0 no finding at or above --fail-on; 1 at least one; 2 usage error, unreadable input or bad policy.
        """)

    @Argument(help: "Files or directories to scan (directories recursively).")
    var paths: [String] = []

    @Option(name: .shortAndLong, help: "Report format: text, json, sarif or html (a self-contained page).")
    var format: ReportFormat = .text

    @Option(name: .shortAndLong, help: "Write the report to this file instead of standard output.")
    var output: String?

    @Option(name: .long, help: ArgumentHelp("Exit with 1 when a finding is at or above this severity.", valueName: "severity"))
    var failOn: Severity = .medium

    @Option(name: .shortAndLong, help: "Files scanned in parallel (default: the number of cores).")
    var jobs: Int?

    @Option(name: .long, help: ArgumentHelp("TOML policy that extends the allowlist and denylist and overrides rule severities; every entry needs a reason. See docs/policy.md.", valueName: "file"))
    var policy: String?

    @Flag(name: .shortAndLong, help: "Print only the report (no progress line).")
    var quiet = false

    @Flag(name: .long, help: "Leave out the licence and openness section (read from the inputs' metadata and licence files).")
    var noProvenance = false

    @Flag(name: .shortAndLong, help: "List every scanned artifact in the text report.")
    var verbose = false

    @Option(name: .long, help: ArgumentHelp("Colour in text reports: auto, always or never.", valueName: "when"))
    var color: String = "auto"

    func validate() throws {
        if paths.isEmpty { throw ValidationError("give at least one file or directory to scan") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if !["auto", "always", "never"].contains(color) { throw ValidationError("--color takes auto, always or never") }
    }

    func run() throws {
        var scanPolicy = ScanPolicy()
        if let policy {
            do {
                let text = try String(contentsOfFile: policy, encoding: .utf8)
                scanPolicy = try ScanPolicy.parse(text, knownRules: Set(RuleRegistry.all.map(\.id)))
            } catch {
                Terminal.error("policy \(policy): \(error)")
                throw ExitCode(2)
            }
        }
        let scanner = Scanner(configuration: ScanConfiguration(policy: scanPolicy, jobs: jobs))
        let progress: ProgressLine? = (quiet || !Terminal.isInteractive(2)) ? nil : ProgressLine()
        var callback: (@Sendable (ScanProgress) -> Void)?
        if let progress { callback = { progress.update($0) } }
        var report = scanner.scan(paths: paths, progress: callback)
        progress?.finish()
        if !noProvenance { report.provenance = paths.map { ProvenanceAssessment.summarise(ModelFacts.read($0)) } }
        let useColor = color == "always" || (color == "auto" && output == nil && format == .text && Terminal.isInteractive(1)
                                              && ProcessInfo.processInfo.environment["NO_COLOR"] == nil)
        let context = ReportContext(rules: RuleRegistry.all, failOn: failOn, color: useColor, verbose: verbose)
        let rendered = format.render(report, context: context)
        try Terminal.emit(rendered, to: output)
        if let output, !quiet { Terminal.error("report written to \(output)") }
        if !report.failures.isEmpty { throw ExitCode(2) }
        if report.hasFindings(atOrAbove: failOn) { throw ExitCode(1) }
    }
}
