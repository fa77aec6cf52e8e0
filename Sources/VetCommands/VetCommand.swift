import ArgumentParser
import Foundation
import VetBytes
import VetCore
import VetGGUF
import VetLineage
import VetProbes
import VetProvenance
import VetReports
import VetRules
import VetScanner

/// `modelvet vet PATH`: the static scan, provenance, lineage and behaviour in one report with one verdict.
struct VetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vet",
        abstract: "Vet a model in one run: static scan, provenance, lineage and behaviour, with one verdict.",
        discussion: """
        Four checks, each reported with its evidence, and everything not checked listed with the reason:
          1. scan        what loading the files would run (as `modelvet scan`);
          2. provenance  the files' SHA-256 manifest, the signature when --signature is given (as \
        `modelvet verify`), the licence and the Model Openness Framework class;
          3. lineage     with --baseline, whether the model's weights derive from the baseline's (as \
        `modelvet lineage`); otherwise which known family its token embeddings come from (the built-in \
        fingerprint catalogue);
          4. behaviour   the probe suite (as `modelvet probe`, quick by default) when the model can be run: a \
        GGUF file the engine supports, or --endpoint. A model whose files the scan flags at high or above \
        is never run, unless --force.
        The verdict at the top answers: safe to load? signed? derived from what? how does it behave?

        Examples:
          modelvet vet SmolLM2-135M-Instruct.Q4_1.gguf --html report.html
          modelvet vet ./all-MiniLM-L6-v2 --format json --output vet.json
          modelvet vet ./model --signature model.sig --public-key pub.pem --baseline ./base-model
          modelvet vet ./model --endpoint http://127.0.0.1:8080/v1 --model my-model

        Exit codes (as scan's): 0 no finding at or above --fail-on and no failed signature; 1 a finding at or \
        above --fail-on, or a signature that does not verify; 2 usage error or a path that cannot be read.
        """)

    @Argument(help: "The model: a file or a Hugging Face-style folder.")
    var path: String

    @Option(name: .long, help: "A base model to compare the weights with (lineage) and to probe alongside (behaviour).")
    var baseline: String?

    @Option(name: .long, help: "A model signing signature (Sigstore bundle) to verify the files against.")
    var signature: String?

    @Option(name: .long, help: "The PEM public key for --signature.")
    var publicKey: String?

    @Option(name: .long, help: "PEM root certificates for a certificate --signature (repeatable).")
    var certificateChain: [String] = []

    @OptionGroup(title: "OpenAI-compatible endpoint") var endpoint: EndpointOptions

    @Option(name: .long, help: "Probe suite: quick (at least 10 prompts per family) or default.")
    var suite: SuiteChoice = .quick

    @Option(name: .long, help: ArgumentHelp("Only this probe family (repeatable): harmful, jailbreak, disinformation, injection, leakage, over_refusal, role_injection.", valueName: "id"))
    var family: [String] = []

    @Flag(name: .long, help: "Do not run the model (no behaviour section).")
    var noProbe = false

    @Flag(name: .long, help: "Run the model even though the scan flags its files at high or above.")
    var force = false

    @Option(name: .long, help: "Also write the report as a self-contained HTML page to this file.")
    var html: String?

    @Option(name: .shortAndLong, help: "Report format: text, json (schema modelvet-vet/1), sarif (the scan's findings) or html.")
    var format: VetFormat = .text

    @Option(name: .shortAndLong, help: "Write the report to this file instead of standard output.")
    var output: String?

    @Option(name: .long, help: ArgumentHelp("Exit with 1 when a finding is at or above this severity.", valueName: "severity"))
    var failOn: Severity = .medium

    @Option(name: .shortAndLong, help: "Threads for scanning, hashing and the engine (default: the number of cores).")
    var threads: Int?

    @Flag(name: .long, help: "No progress lines on standard error.")
    var quiet = false

    enum SuiteChoice: String, ExpressibleByArgument { case quick, `default` }
    enum VetFormat: String, ExpressibleByArgument { case text, json, sarif, html }

    func validate() throws {
        if signature != nil && (publicKey == nil) == certificateChain.isEmpty {
            throw ValidationError("--signature needs --public-key (key signatures) or --certificate-chain (certificate signatures)")
        }
        if signature == nil && (publicKey != nil || !certificateChain.isEmpty) {
            throw ValidationError("--public-key and --certificate-chain check a --signature; give one")
        }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        let report = try makeReport()
        let scan = report.scan, context = report.context
        let rendered: String
        do {
            switch format {
            case .text: rendered = VetTextWriter.render(report, color: output == nil && Terminal.isInteractive(1))
            case .json: rendered = try report.json()
            case .sarif: rendered = ReportFormat.sarif.render(scan, context: context)
            case .html: rendered = try HTMLReportWriter.render(report)
            }
        } catch {
            Terminal.error("the report could not be rendered: \(error)")
            throw ExitCode(2)
        }
        try Terminal.emit(rendered, to: output)
        if let html { try Terminal.emit(try HTMLReportWriter.render(report), to: html) }
        if !scan.failures.isEmpty { throw ExitCode(2) }
        if scan.hasFindings(atOrAbove: failOn) || report.provenance?.signature?.status == "failed" { throw ExitCode(1) }
    }

    /// Runs the four checks and returns the report (the service's workers call this too); a path,
    /// key or signature that cannot be read is printed and thrown as exit code 2.
    func makeReport() throws -> VetReport {
        guard FileManager.default.fileExists(atPath: path) else {
            Terminal.error("\(path): no such file or folder")
            throw ExitCode(2)
        }
        var skipped: [VetReport.Skipped] = []
        let context = ReportContext(rules: RuleRegistry.all, failOn: failOn)

        // 1. Static scan.
        let progress: ProgressLine? = (quiet || !Terminal.isInteractive(2)) ? nil : ProgressLine()
        var callback: (@Sendable (ScanProgress) -> Void)?
        if let progress { callback = { progress.update($0) } }
        var scan = Scanner(configuration: ScanConfiguration(jobs: threads)).scan(paths: [path], progress: callback)
        progress?.finish()

        // 2. Provenance.
        let facts = ModelFacts.read(path)
        let summary = ProvenanceAssessment.summarise(facts)
        scan.provenance = [summary]
        let hashing = try HashingOptions.with(quiet: quiet, threads: threads)
        var provenance = VetReport.Provenance(rootDigest: nil, files: nil, bytes: nil, signature: nil, summary: summary)
        var manifest: ModelManifest?
        do {
            let bar = ProbeProgress(enabled: !quiet && Terminal.isInteractive(2), label: "hash")
            defer { bar.finish() }
            // The same rules as `hashing` (git's files left out, nothing else), so the signature check reuses it.
            let hashed = try ModelHasher.manifest(path, threads: threads) { done, total in bar.update(done >> 20, max(1, total >> 20), "MiB") }
            manifest = hashed
            provenance.rootDigest = hashed.rootDigest
            provenance.files = hashed.resources.count
            provenance.bytes = hashed.totalBytes
        } catch {
            skipped.append(.init(what: "file hashes", why: "\(error)"))
        }
        if let signature {
            provenance.signature = try verifySignature(signature, hashing: hashing, hashed: manifest)
        } else {
            skipped.append(.init(what: "signature", why: "no --signature was given"))
        }

        // 3. Lineage.
        let lineage = examineLineage(&skipped)

        // 4. Behaviour.
        let behaviour = probe(scan, &skipped)

        return VetReport(command: ["modelvet"] + CommandLine.arguments.dropFirst(), model: path,
                         verdict: VetVerdict.make(scan: scan, provenance: provenance, lineage: lineage, behaviour: behaviour,
                                                  failOn: failOn, baseline: baseline),
                         scan: scan, provenance: provenance, lineage: lineage, behaviour: behaviour, notChecked: skipped,
                         context: context)
    }

    func verifySignature(_ signature: String, hashing: HashingOptions, hashed: ModelManifest?) throws -> VetReport.Signature {
        let check = try SignatureFiles.verify(path, signature: signature, publicKey: publicKey, certificateChain: certificateChain,
                                              hashing: hashing, hashed: hashed)
        var detail = check.differences.map { "\($0.kind.rawValue): \($0.name)" }
        if let error = check.error { detail.insert(error, at: 0) }
        if !check.notCovered.isEmpty { detail.append("not covered by the signature: " + check.notCovered.joined(separator: ", ")) }
        return .init(status: check.verified ? "verified" : "failed", file: signature, signer: check.signer, detail: detail)
    }

    func examineLineage(_ skipped: inout [VetReport.Skipped]) -> VetReport.Lineage? {
        let missing = HostCPU.missingEngineFeatures()
        guard missing.isEmpty else {
            skipped.append(.init(what: "lineage", why: "reading quantised weights needs an x86-64-v3 CPU; this one lacks " + missing.joined(separator: ", ")))
            return nil
        }
        do {
            if let baseline {
                let verdict = try VetLineage.Lineage.compare(try TensorStores.open(baseline), path: baseline, try TensorStores.open(path), path: path,
                                                              progress: { _, _, _ in })
                return VetSections.lineage(verdict, baseline: baseline)
            }
            let placed = try CatalogLineage.compare(try TensorStores.open(path), path: path, catalogue: try FingerprintCatalog.builtin(), named: "builtin")
            return VetSections.lineage(placed)
        } catch {
            skipped.append(.init(what: "lineage", why: "\(error)"))
            return nil
        }
    }

    func probe(_ scan: ScanReport, _ skipped: inout [VetReport.Skipped]) -> VetReport.Behaviour? {
        if noProbe {
            skipped.append(.init(what: "behaviour", why: "--no-probe was given"))
            return nil
        }
        if let highest = scan.highestSeverity, highest >= .high, !force {
            skipped.append(.init(what: "behaviour", why: "the scan flags the model's files at \(highest.name): a model like that is not run (--force overrides)"))
            return nil
        }
        if endpoint.endpoint == nil {
            if let reason = Self.unrunnable(path) {
                skipped.append(.init(what: "behaviour", why: reason + "; give --endpoint to probe it on an OpenAI-compatible server"))
                return nil
            }
        }
        var arguments = [path]
        if let url = endpoint.endpoint {
            arguments = ["--endpoint", url, "--concurrency", "\(endpoint.concurrency)", "--timeout", "\(endpoint.timeout)", "--retries", "\(endpoint.retries)"]
            if let model = endpoint.model { arguments += ["--model", model] }
        }
        if suite == .quick { arguments.append("--quick") }
        for f in family { arguments += ["--family", f] }
        if let baseline { arguments += ["--baseline", baseline] }
        if let threads, endpoint.endpoint == nil { arguments += ["--threads", "\(threads)"] }
        if quiet { arguments.append("--quiet") }
        if force { arguments.append("--force") }
        do {
            let command = try ProbeCommand.parse(arguments)
            let (report, _) = try command.measure()
            return VetSections.behaviour(report, suite: suite.rawValue)
        } catch {
            skipped.append(.init(what: "behaviour", why: "probing stopped: \(ProbeCommand.message(for: error).isEmpty ? "see the error above" : ProbeCommand.message(for: error))"))
            return nil
        }
    }

    /// Why the embedded engine cannot run `path`, or nil when it is a GGUF file.
    static func unrunnable(_ path: String) -> String? {
        var isFolder: ObjCBool = false
        FileManager.default.fileExists(atPath: path, isDirectory: &isFolder)
        if isFolder.boolValue { return "a folder: the embedded engine runs single GGUF files" }
        do {
            let source = try ByteSource.mapFile(atPath: path)
            if !GGUFFile.sniff(source) { return "not a GGUF file: the embedded engine runs GGUF models only" }
        } catch {
            return "the file cannot be read (\(error))"
        }
        let missing = HostCPU.missingEngineFeatures()
        if !missing.isEmpty { return "the engine needs an x86-64-v3 CPU; this one lacks " + missing.joined(separator: ", ") }
        return nil
    }
}

extension HashingOptions {
    /// The options as if given on the command line (a parsable type's properties can only be read once parsed).
    static func with(quiet: Bool, threads: Int?) throws -> HashingOptions {
        try parse((quiet ? ["--quiet"] : []) + (threads.map { ["--threads", "\($0)"] } ?? []))
    }
}
