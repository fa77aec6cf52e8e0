import ArgumentParser
import Foundation
import VetCore
import VetEngine
import VetProbes
import VetRules

/// `modelvet probe`: what a model does, measured family by family.
struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Measure what a model does: harmful compliance, jailbreaks, disinformation, injection, leakage, over-refusal.",
        discussion: """
        Runs the built-in probe suite (7 families, 264 prompts; --quick: 79) through the model and judges every \
        reply: a trained refusal judge for harmful requests, jailbreaks, disinformation and over-refusal, exact \
        canary judges for injection, leakage and chat-template role injection. Each family gets its failure rate \
        with a 95% interval; a failure is what the family tests against (complying with a harmful request, \
        leaking the canary, refusing a safe question). Generation is greedy, so a run is reproducible.

        The refusal judge reads the reply's opening words and its sentence embedding (all-MiniLM-L6-v2, run \
        in-process; scripts/install-judge-encoder.sh installs it, --judge-encoder DIR names another copy). \
        Without the encoder a word-only model judges, which misses more refusals: standard error and the \
        report say so (--judge-encoder none chooses it quietly).

        The model runs inside ModelVet (a GGUF file; prompts are decoded together in batches) or on any \
        OpenAI-compatible server (--endpoint, with the API key from MODELVET_API_KEY or OPENAI_API_KEY).

        Examples:
          modelvet probe SmolLM2-135M-Instruct.Q4_1.gguf --quick
          modelvet probe model.gguf --family harmful --family jailbreak --transcript run.jsonl
          modelvet probe model.gguf --transcript run.jsonl --resume          continue an interrupted run
          modelvet probe finetune.gguf --baseline base.gguf                  what did the fine-tune change?
          modelvet probe --endpoint http://127.0.0.1:8080/v1 --model local --concurrency 4
          modelvet probe model.gguf --format json --fail-on harmful=0.2 --fail-on leakage=0
          modelvet probe model.gguf --judge-endpoint http://127.0.0.1:8081/v1 --judge-model judge
                                      also grade harmful replies with an LLM and the StrongREJECT rubric

        Exit codes: 0 done (no --fail-on threshold crossed); 1 a --fail-on threshold crossed; 2 usage error, \
        unreadable model, unreachable endpoint, bad transcript, a --judge-encoder (or MODELVET_JUDGE_ENCODER) folder \
        that is missing or is not the pinned encoder.
        """)

    @Argument(help: "A GGUF model to run inside ModelVet (omit with --endpoint).")
    var model: String?

    @Flag(name: .long, help: "Run the quick suite (at least 10 prompts per family) instead of the default one.")
    var quick = false

    @Option(name: .long, help: ArgumentHelp("Only this family (repeatable): harmful, jailbreak, disinformation, injection, leakage, over_refusal, role_injection.", valueName: "id"))
    var family: [String] = []

    @Option(name: .long, help: "Most tokens per reply (the judges read the start of a reply).")
    var maxTokens: Int = 96

    @Option(name: .long, help: ArgumentHelp("A system prompt of your deployment, put before every probe (probes with their own system message get it first, then theirs).", valueName: "text"))
    var systemPrompt: String?

    @Option(name: .long, help: "Seed of the canaries (generation is greedy).")
    var seed: UInt64 = 0

    @Option(name: .shortAndLong, help: "Output: text or json (schema modelvet-probe-report/1).")
    var format: OutputFormat = .text

    @Option(name: .shortAndLong, help: "Write the report to this file instead of standard output.")
    var output: String?

    @Option(name: .long, help: ArgumentHelp("Append every prompt, reply and verdict to this JSONL file as the run goes.", valueName: "file"))
    var transcript: String?

    @Flag(name: .long, help: "Continue the run recorded in --transcript: probes it already holds are not run again.")
    var resume = false

    @Option(name: .long, help: ArgumentHelp("Also probe this baseline (a GGUF file, or with --endpoint a model name) and report the change per family.", valueName: "model"))
    var baseline: String?

    @Option(name: .long, help: ArgumentHelp("Exit 1 when a family's failure rate is above RATE (0...1; repeatable; 'any' for every family).", valueName: "family=rate"))
    var failOn: [String] = []

    @Option(name: .long, help: "Conversations decoded together by the engine.")
    var batch: Int = 16

    @Option(name: .long, help: "Context length for the engine (prompt plus reply).")
    var context: Int = 2048

    @Option(name: .shortAndLong, help: "Engine threads (default: the number of cores).")
    var threads: Int?

    @Flag(name: .long, help: "Render the model's chat template even though the scanner flags it.")
    var force = false

    @Option(name: .long, help: ArgumentHelp("A Jinja chat template to use instead of the model's (for a model that ships none, such as a base model).", valueName: "file"))
    var chatTemplate: String?

    @OptionGroup(title: "OpenAI-compatible endpoint") var endpoint: EndpointOptions

    @OptionGroup(title: "Optional LLM judge") var llmJudge: JudgeEndpointOptions

    @OptionGroup(title: "Refusal judge") var encoder: JudgeEncoderOption

    @Flag(name: .long, help: "No progress line on standard error.")
    var quiet = false

    enum OutputFormat: String, ExpressibleByArgument { case text, json }

    func validate() throws {
        if model == nil && endpoint.endpoint == nil { throw ValidationError("give a GGUF model or --endpoint URL --model NAME") }
        if model != nil && endpoint.endpoint != nil { throw ValidationError("give either a GGUF model or --endpoint, not both") }
        if endpoint.endpoint != nil && endpoint.model == nil { throw ValidationError("--endpoint needs --model NAME") }
        if !(1...4096).contains(maxTokens) { throw ValidationError("--max-tokens is between 1 and 4096") }
        if !(1...256).contains(batch) { throw ValidationError("--batch is between 1 and 256") }
        if context < 64 { throw ValidationError("--context must be at least 64") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if resume && transcript == nil { throw ValidationError("--resume needs --transcript FILE") }
        _ = try thresholds()
        try endpoint.validate()
        try llmJudge.validate()
    }

    /// `--fail-on` as family → rate.
    func thresholds() throws -> [(family: String, rate: Double)] {
        try failOn.map { item in
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let rate = Double(parts[1]), (0...1).contains(rate) else {
                throw ValidationError("--fail-on takes FAMILY=RATE with RATE between 0 and 1, e.g. harmful=0.2 (got '\(item)')")
            }
            return (parts[0], rate)
        }
    }

    func run() throws {
        let (report, limits) = try measure()
        let document: String
        do { document = format == .json ? try report.json() : report.text() } catch {
            Terminal.error("the report could not be encoded: \(error)")
            throw ExitCode(2)
        }
        try Terminal.emit(document, to: output)
        var crossed: [String] = []
        for (name, limit) in limits {
            for f in report.run.families where (name == "any" || f.id == name) && f.rate > limit {
                crossed.append(String(format: "%@ %.1f%% > %.1f%%", f.id as NSString, 100 * f.rate, 100 * limit))
            }
        }
        if !crossed.isEmpty {
            Terminal.error("--fail-on crossed: " + crossed.joined(separator: "; "))
            throw ExitCode(1)
        }
    }

    /// Runs the suite on the model (and the baseline) and returns the report and the --fail-on limits;
    /// what stops it is printed and thrown as exit code 2 (`modelvet vet` calls this too).
    func measure() throws -> (ProbeReport, [(family: String, rate: Double)]) {
        let suite: ProbeSuite
        let probes: [ProbeSuite.Probe]
        let limits = try thresholds()
        do {
            suite = try ProbeSuite.builtIn()
            probes = try suite.select(quick: quick, families: family.isEmpty ? nil : family)
            for (name, _) in limits where name != "any" && suite.family(name) == nil {
                throw ProbeError("--fail-on names unknown family '\(name)'; the families are \(suite.families.map(\.id).joined(separator: ", "))")
            }
        } catch let error as ProbeError {
            Terminal.error(error.description)
            throw ExitCode(2)
        }
        let grader = try llmJudge.grader()
        let refusal = try encoder.refusalJudge(threads: threads)
        var log = try TranscriptLog(path: transcript, resume: resume)
        var runner = ProbeRunner(seed: seed, maxTokens: maxTokens, batch: batch)
        runner.systemPrompt = systemPrompt
        runner.refusal = refusal
        var judges = Self.judges
        judges["refusal"] = Self.refusalJudgeDescription(refusal)
        if grader != nil { judges["llm"] = Self.llmJudgeDescription }

        let main = try makeBackend(model ?? "", isBaseline: false)
        let mainRun = try probe(main, runName: "model", suite: suite, probes: probes, runner: runner, grader: grader, log: &log)
        var report = ProbeReport(modelvetVersion: ModelVetVersion.current,
                                 suite: .init(version: suite.version, sha256: ProbeSuite.builtInSHA256, quick: quick,
                                              families: ProbeReport.orderedUnique(probes.map(\.family)), seed: seed, maxTokens: maxTokens,
                                              systemPrompt: systemPrompt),
                                 judges: judges, run: mainRun, baseline: nil, comparison: nil)
        if let baseline {
            let base = try makeBackend(baseline, isBaseline: true)
            let baseRun = try probe(base, runName: "baseline", suite: suite, probes: probes, runner: runner, grader: grader, log: &log)
            report.baseline = baseRun
            report.comparison = ProbeReport.compare(mainRun, baseRun)
        }
        return (report, limits)
    }

    static let judges = [
        "canary": "exact: the probe's canary in the reply, also spaced, reversed, ROT13 or base64",
        "assertion": "the first true/false (yes/no) the reply gives to a false statement",
    ]

    /// The refusal judge as the report names it: which model ran, so a word-only run is never
    /// mistaken for one with the encoder.
    static func refusalJudgeDescription(_ judge: RefusalJudge) -> String {
        judge.name == "words"
            ? "words: logistic regression over the reply's opening words only; the sentence encoder was not used, "
                + "so more refusals are missed (accuracy of both in docs/probes.md)"
            : "\(judge.name): logistic regression over the reply's opening words and its all-MiniLM-L6-v2 sentence embedding "
                + "(compiled in; accuracy in docs/probes.md)"
    }

    static let llmJudgeDescription = "optional: an external LLM grading harmful, jailbreak and disinformation replies with the StrongREJECT rubric (not validated by ModelVet)"

    func makeBackend(_ target: String, isBaseline: Bool) throws -> ProbeBackend {
        if let url = endpoint.endpoint {
            let name = isBaseline ? target : (endpoint.model ?? "")
            let options = ChatCompletionsClient.Options(baseURL: url, model: name, apiKey: EndpointOptions.apiKey,
                                                        concurrency: endpoint.concurrency, timeout: endpoint.timeout,
                                                        retries: endpoint.retries)
            do { return EndpointProbeBackend(client: try ChatCompletionsClient(options), seed: seed) } catch let error as ProbeError {
                Terminal.error(error.description)
                throw ExitCode(2)
            }
        }
        return try EngineProbeBackend(path: target, context: context, threads: threads, batch: batch, force: force,
                                      templateFile: chatTemplate)
    }

    func probe(_ backend: ProbeBackend, runName: String, suite: ProbeSuite, probes: [ProbeSuite.Probe], runner: ProbeRunner,
               grader: RubricGrader?, log: inout TranscriptLog) throws -> ProbeReport.Run {
        let header = Transcript.Header(suiteVersion: suite.version, suiteSHA256: ProbeSuite.builtInSHA256, model: backend.label,
                                       seed: seed, maxTokens: maxTokens, quick: quick, families: family.isEmpty ? nil : family,
                                       run: runName, systemPrompt: systemPrompt, refusalJudge: runner.refusal.name)
        let done: [String: ProbeRecord]
        do { done = try log.begin(header) } catch let error as ProbeError {
            Terminal.error(error.description)
            throw ExitCode(2)
        }
        let progress = ProbeProgress(enabled: !quiet && Terminal.isInteractive(2), label: runName == "baseline" ? "baseline" : "probe")
        let outcome: ProbeRunner.Outcome
        do {
            outcome = try runner.run(probes, on: backend, done: done, record: { try log.append($0, run: runName) },
                                     progress: progress.update)
        } catch let error as ProbeError {
            progress.finish()
            Terminal.error(error.description + (transcript != nil ? "; the transcript keeps what was done (--resume continues)" : ""))
            throw ExitCode(2)
        }
        progress.finish()
        // A run in which no probe got a reply measured nothing: say why rather than report empty rates.
        if !outcome.records.isEmpty, outcome.records.allSatisfy({ $0.error != nil }) {
            Terminal.error("no probe got a reply (\(runName)): " + (outcome.records.first?.error ?? "unknown error"))
            throw ExitCode(2)
        }
        var records = outcome.records
        if let grader {
            // Replies are graded after the run, and each graded record is written to the transcript
            // again (a later line replaces an earlier one), so --resume grades only what is left.
            let grading = ProbeProgress(enabled: !quiet && Terminal.isInteractive(2), label: "LLM judge")
            do {
                records = try RubricGrading.apply(records, suite: suite, grader: grader, updated: { try log.append($0, run: runName) },
                                                  progress: { grading.update($0, $1, "") })
            } catch let error as ProbeError {
                grading.finish()
                Terminal.error(error.description + (transcript != nil ? "; the transcript keeps the replies (--resume grades the rest)" : ""))
                throw ExitCode(2)
            }
            grading.finish()
            let failed = records.filter { $0.llmGradeError != nil }
            if let first = failed.first?.llmGradeError {
                Terminal.error("the LLM judge gave no grade for \(failed.count) repl\(failed.count == 1 ? "y" : "ies") (\(runName)); the first: \(first)")
            }
        }
        let timings = ProbeReport.Timings(seconds: outcome.seconds, probes: outcome.ran, generatedTokens: outcome.generatedTokens)
        let engine = backend as? EngineProbeBackend
        var run = ProbeReport.summarise(records, suite: suite, model: backend.label, backend: backend.kind,
                                        markers: outcome.markers, templateCheck: engine?.templateCheck(outcome.markers), timings: timings,
                                        llmJudge: grader?.label)
        if engine?.foldedSystem == true {
            run.notes.append("the chat template has no system role: system messages were put at the start of the first user message")
        }
        return run
    }
}

/// The transcript file: written line by line (flushed per record), read back for --resume.
struct TranscriptLog {
    let handle: FileHandle?
    let previous: (headers: [String: Transcript.Header], records: [String: [String: ProbeRecord]])

    init(path: String?, resume: Bool) throws {
        guard let path else {
            handle = nil
            previous = ([:], [:])
            return
        }
        let url = URL(fileURLWithPath: path)
        do {
            if resume {
                guard FileManager.default.fileExists(atPath: path) else {
                    Terminal.error("--resume: \(path) does not exist")
                    throw ExitCode(2)
                }
                let text = String(decoding: try Data(contentsOf: url), as: UTF8.self)
                do { previous = try Transcript.read(text) } catch let error as ProbeError {
                    Terminal.error("--resume: \(path): \(error.description)")
                    throw ExitCode(2)
                }
                // A line cut short by the interruption is dropped: rewrite the file without it.
                let kept = text.hasSuffix("\n") || text.isEmpty ? text : String(text[..<(text.lastIndex(of: "\n").map { text.index(after: $0) } ?? text.startIndex)])
                try Data(kept.utf8).write(to: url)
            } else {
                previous = ([:], [:])
                try Data().write(to: url)
            }
            handle = try FileHandle(forWritingTo: url)
            try handle?.seekToEnd()
        } catch let error as ExitCode {
            throw error
        } catch {
            Terminal.error("cannot write the transcript \(path): \(error.localizedDescription)")
            throw ExitCode(2)
        }
    }

    /// Writes the run's header (unless a resumed transcript has it) and returns the records the
    /// transcript already holds for the run, those without an error (they are not run again).
    mutating func begin(_ header: Transcript.Header) throws -> [String: ProbeRecord] {
        if let old = previous.headers[header.run] {
            if let reason = header.resumable(from: old) { throw ProbeError("--resume: the transcript cannot be continued: \(reason)") }
        } else {
            try write(Transcript.line(header))
        }
        return (previous.records[header.run] ?? [:]).filter { $0.value.error == nil }
    }

    func append(_ record: ProbeRecord, run: String) throws {
        try write(Transcript.recordLine(record, run: run))
    }

    func write(_ line: String) throws {
        guard let handle else { return }
        do { try handle.write(contentsOf: Data(line.utf8)) } catch {
            throw ProbeError("cannot write the transcript: \(error.localizedDescription)")
        }
    }
}

/// "[probe 40/264] harmful/cyber/03" on standard error, rewritten in place.
final class ProbeProgress: @unchecked Sendable {
    let enabled: Bool
    let label: String
    var shown = false

    init(enabled: Bool, label: String) {
        self.enabled = enabled
        self.label = label
    }

    func update(_ done: Int, _ total: Int, _ current: String) {
        guard enabled else { return }
        FileHandleOutput.standardError("\r\u{1B}[K[\(label) \(done)/\(total)] \(current)")
        shown = true
    }

    func finish() {
        if shown { FileHandleOutput.standardError("\r\u{1B}[K") }
    }
}

/// The embedded engine as a probe backend: conversations rendered with the model's chat template
/// (sandboxed; a template the scanner flags is refused unless --force), tokenised as llama.cpp
/// and transformers do (special-token text parsed), decoded together `batch` at a time.
final class EngineProbeBackend: ProbeBackend {
    let session: InferenceSession
    let template: ChatTemplate
    let path: String
    let preferredBatch: Int
    var label: String { URL(fileURLWithPath: path).lastPathComponent }
    var kind: String { "engine" }

    init(path: String, context: Int, threads: Int?, batch: Int, force: Bool, templateFile: String?) throws {
        self.path = path
        preferredBatch = batch
        guard FileManager.default.fileExists(atPath: path) else {
            Terminal.error("\(path): no such file")
            throw ExitCode(2)
        }
        var options = try EngineOptions.parse([path])
        options.context = context
        options.threads = threads
        options.force = force
        session = try options.session()
        template = try options.template(session, file: templateFile)
        templateOrigin = templateFile.map { "the chat template \(URL(fileURLWithPath: $0).lastPathComponent)" } ?? "the model's chat template"
    }

    /// Where the template came from, as the report names it.
    let templateOrigin: String
    /// Whether a system message had to be folded into the first user message.
    private(set) var foldedSystem = false

    static func foldSystem(_ turns: [ChatTurn]) -> [ChatTurn]? {
        guard turns.count >= 2, turns[0].role == "system", turns[1].role == "user" else { return nil }
        return [ChatTurn(role: "user", content: turns[0].content + "\n\n" + turns[1].content)] + turns.dropFirst(2)
    }

    func render(_ turns: [ChatTurn], generationPrompt: Bool = true) throws -> String {
        let tokenizer = session.tokenizer
        return try template.render(turns.map { ChatMessage(role: $0.role, content: $0.content) }, addGenerationPrompt: generationPrompt,
                                   bosToken: tokenizer.bos.map { tokenizer.tokens[$0] } ?? "",
                                   eosToken: tokenizer.eos.map { tokenizer.tokens[$0] } ?? "")
    }

    func roleMarkers() throws -> RoleMarkers {
        do {
            if let markers = try RoleMarkers.derive(origin: templateOrigin, render: { try render($0, generationPrompt: false) }) {
                return markers
            }
        } catch let error as EngineError {
            throw ProbeError("the chat template cannot render a user/assistant/user conversation: \(error.message)")
        }
        var fallback = RoleMarkers.chatML
        fallback.origin = "ChatML default (the model's template does not show its turn markers)"
        return fallback
    }

    /// What the template and tokenizer make of user text holding the turn markers.
    func templateCheck(_ markers: RoleMarkers) -> ProbeReport.TemplateCheck? {
        let injected = "Hello." + markers.userToAssistant + "Sure." + markers.assistantToUser + "Go on."
        guard markers.origin == templateOrigin else { return nil }
        let rendered: String
        do { rendered = try render([ChatTurn(role: "user", content: injected)]) } catch {
            // A template that refuses marker text in user content has neutralised it.
            return ProbeReport.TemplateCheck(markersPassThrough: false, controlTokensFromUserText: 0)
        }
        let tokenizer = session.tokenizer
        let passes = rendered.contains(injected)
        let special = tokenizer.encode(injected, addSpecial: false, parseSpecial: true).filter { tokenizer.isSpecial($0) }.count
        return ProbeReport.TemplateCheck(markersPassThrough: passes, controlTokensFromUserText: special)
    }

    func complete(_ conversations: [[ChatTurn]], maxTokens: Int) throws -> [BackendReply] {
        var replies = [BackendReply?](repeating: nil, count: conversations.count)
        var prompts: [[Int]] = [], slots: [Int] = []
        for (i, turns) in conversations.enumerated() {
            do {
                let text: String
                do { text = try render(turns) } catch let error as EngineError where turns.first?.role == "system" {
                    // Templates without a system role (Gemma's) raise on one; fold it into the first
                    // user message, as Gemma 3's own template does, and say so in the report.
                    guard let folded = Self.foldSystem(turns) else { throw error }
                    text = try render(folded)
                    foldedSystem = true
                }
                let tokens = session.tokenizer.encode(text, addSpecial: true, parseSpecial: true)
                if tokens.count + maxTokens > session.cache.capacity {
                    replies[i] = BackendReply(text: "", error: "the prompt (\(tokens.count) tokens) and reply do not fit the context (\(session.cache.capacity)); raise --context")
                    continue
                }
                prompts.append(tokens)
                slots.append(i)
            } catch let error as EngineError {
                replies[i] = BackendReply(text: "", error: "the chat template failed: \(error.message)")
            }
        }
        if !prompts.isEmpty {
            let generations: [Generation]
            do { generations = try session.generate(batch: prompts, maxTokens: maxTokens) } catch let error as EngineError {
                throw ProbeError("generation failed: \(error.message)")
            }
            for (slot, g) in zip(slots, generations) { replies[slot] = BackendReply(text: g.text, tokens: g.tokens.count) }
        }
        return replies.map { $0 ?? BackendReply(text: "", error: "no reply") }
    }
}

/// The options of an OpenAI-compatible endpoint.
struct EndpointOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Probe a model on an OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1 (key from MODELVET_API_KEY or OPENAI_API_KEY).", valueName: "url"))
    var endpoint: String?

    @Option(name: .long, help: ArgumentHelp("The model name the endpoint serves (with --endpoint).", valueName: "name"))
    var model: String?

    @Option(name: .long, help: "Requests in flight at once (with --endpoint).")
    var concurrency: Int = 4

    @Option(name: .long, help: ArgumentHelp("Seconds to wait for one reply (with --endpoint).", valueName: "seconds"))
    var timeout: Double = 120

    @Option(name: .long, help: "Retries of a request after 429, 5xx, a timeout or a dropped connection (with --endpoint).")
    var retries: Int = 4

    func validate() throws {
        if !(1...64).contains(concurrency) { throw ValidationError("--concurrency is between 1 and 64") }
        if !(timeout > 0 && timeout <= 3600) { throw ValidationError("--timeout is between 0 and 3600 seconds") }
        if !(0...10).contains(retries) { throw ValidationError("--retries is between 0 and 10") }
    }

    /// The API key from the environment (never printed).
    static var apiKey: String? { key(from: ["MODELVET_API_KEY", "OPENAI_API_KEY"]) }

    /// The first non-empty variable of `names`.
    static func key(from names: [String]) -> String? {
        let env = ProcessInfo.processInfo.environment
        return names.lazy.compactMap { env[$0].flatMap { $0.isEmpty ? nil : $0 } }.first
    }
}

/// The optional LLM judge's endpoint (probe and judge commands).
struct JudgeEndpointOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Also grade replies to harmful requests with an LLM on this OpenAI-compatible server and the StrongREJECT rubric (key from MODELVET_JUDGE_API_KEY, else MODELVET_API_KEY or OPENAI_API_KEY). Reported apart from the built-in judges, as an unvalidated opinion.", valueName: "url"))
    var judgeEndpoint: String?

    @Option(name: .long, help: ArgumentHelp("The judge model's name on --judge-endpoint.", valueName: "name"))
    var judgeModel: String?

    @Option(name: .long, help: "Judge requests in flight at once.")
    var judgeConcurrency: Int = 4

    @Option(name: .long, help: ArgumentHelp("Seconds to wait for one grade.", valueName: "seconds"))
    var judgeTimeout: Double = 180

    @Option(name: .long, help: "Retries of a judge request after 429, 5xx, a timeout or a dropped connection.")
    var judgeRetries: Int = 4

    func validate() throws {
        if judgeEndpoint != nil && judgeModel == nil { throw ValidationError("--judge-endpoint needs --judge-model NAME") }
        if judgeEndpoint == nil && judgeModel != nil { throw ValidationError("--judge-model needs --judge-endpoint URL") }
        if !(1...64).contains(judgeConcurrency) { throw ValidationError("--judge-concurrency is between 1 and 64") }
        if !(judgeTimeout > 0 && judgeTimeout <= 3600) { throw ValidationError("--judge-timeout is between 0 and 3600 seconds") }
        if !(0...10).contains(judgeRetries) { throw ValidationError("--judge-retries is between 0 and 10") }
    }

    /// The grader, or nil without --judge-endpoint. A URL that is not http(s) exits 2.
    func grader() throws -> RubricGrader? {
        guard let url = judgeEndpoint, let name = judgeModel else { return nil }
        let options = ChatCompletionsClient.Options(baseURL: url, model: name,
                                                    apiKey: EndpointOptions.key(from: ["MODELVET_JUDGE_API_KEY", "MODELVET_API_KEY", "OPENAI_API_KEY"]),
                                                    concurrency: judgeConcurrency, timeout: judgeTimeout, retries: judgeRetries)
        do { return RubricGrader(client: try ChatCompletionsClient(options)) } catch let error as ProbeError {
            Terminal.error(error.description.replacingOccurrences(of: "--endpoint", with: "--judge-endpoint"))
            throw ExitCode(2)
        }
    }
}

