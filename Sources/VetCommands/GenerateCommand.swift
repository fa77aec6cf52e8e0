import ArgumentParser
import Foundation
import VetCore
import VetEngine
import VetRules

/// Options shared by `generate` and `chat`: the model, sampling and resources.
struct EngineOptions: ParsableArguments {
    @Argument(help: "A GGUF model file (llama, mistral, qwen2, qwen3, gemma3 or phi3 architecture).")
    var model: String

    @Option(name: .long, help: "Most tokens to generate.")
    var maxTokens: Int = 256

    @Option(name: .long, help: "Sampling temperature; 0 (the default) is greedy decoding.")
    var temperature: Float = 0

    @Option(name: .long, help: "Sample only from the K most likely tokens (0: all).")
    var topK: Int = 40

    @Option(name: .long, help: "Sample from the smallest set of tokens whose probability reaches P.")
    var topP: Float = 0.95

    @Option(name: .long, help: "Drop tokens less likely than P times the most likely one.")
    var minP: Float = 0.05

    @Option(name: .long, help: "Penalise tokens seen in the last 64 (1: off; 1.1 is mild).")
    var repeatPenalty: Float = 1

    @Option(name: .long, help: "Random seed for sampled generation.")
    var seed: UInt64 = 0

    @Option(name: .long, help: ArgumentHelp("Stop when this text is generated (repeatable).", valueName: "text"))
    var stop: [String] = []

    @Option(name: .long, help: "Context length in tokens (default: the model's, at most 4096).")
    var context: Int?

    @Option(name: .shortAndLong, help: "Threads (default: the number of cores).")
    var threads: Int?

    @Flag(name: .long, help: "Use the model's chat template even though the scanner flags it.")
    var force = false

    @Flag(name: .long, help: "Keep generating past end-of-generation tokens (for benchmarks).")
    var ignoreEos = false

    @Flag(name: .shortAndLong, help: "Report prompt and generation speed on standard error.")
    var verbose = false

    var sampling: SamplingOptions {
        SamplingOptions(temperature: temperature, topK: topK, topP: topP, minP: minP, repetitionPenalty: repeatPenalty, seed: seed)
    }

    func validate() throws {
        if maxTokens < 0 { throw ValidationError("--max-tokens must not be negative") }
        if temperature < 0 { throw ValidationError("--temperature must not be negative") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if let context, context < 1 { throw ValidationError("--context must be at least 1") }
        if !(0...1).contains(topP) || !(0...1).contains(minP) { throw ValidationError("--top-p and --min-p are between 0 and 1") }
    }

    /// Loads the model (validated as the scanner would) and opens a session.
    func session() throws -> InferenceSession {
        let missing = HostCPU.missingEngineFeatures()
        guard missing.isEmpty else {
            Terminal.error("the inference engine needs an x86-64-v3 CPU (AVX2, FMA, F16C); this one lacks "
                           + missing.joined(separator: ", ") + ". Scanning works on any x86-64.")
            throw ExitCode(2)
        }
        do {
            let model = try LlamaModel(path: self.model)
            return try InferenceSession(model: model, context: context, threads: threads)
        } catch let error as EngineError {
            Terminal.error(error.message)
            throw ExitCode(2)
        }
    }

    /// The model's chat template, refused when the scanner reports it as an injection risk.
    /// - Parameter file: a template file to use instead of the model's (`probe --chat-template`).
    func template(_ session: InferenceSession, file: String? = nil) throws -> ChatTemplate {
        let text: String
        if let file {
            do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
                Terminal.error("cannot read the chat template \(file): \(error.localizedDescription)")
                throw ExitCode(2)
            }
        } else if let own = session.model.file.value("tokenizer.chat_template")?.string {
            text = own
        } else {
            Terminal.error("the model has no chat template (tokenizer.chat_template); use generate without --chat, or give probe --chat-template FILE")
            throw ExitCode(2)
        }
        var sink = FindingSink()
        JinjaRules.check(text, at: Location(file: file ?? model), into: &sink)
        let serious = sink.findings.filter { $0.severity >= .medium }
        if !serious.isEmpty && !force {
            Terminal.error("the chat template is flagged by the scanner (\(serious.map(\.ruleID).joined(separator: ", "))): "
                           + (serious.first?.message ?? "") + "; it is not rendered. Use --force to render it anyway (in the sandbox).")
            throw ExitCode(2)
        }
        do { return try ChatTemplate(text) } catch let error as EngineError {
            Terminal.error(error.message)
            throw ExitCode(2)
        }
    }

    func render(_ template: ChatTemplate, _ messages: [ChatMessage], _ session: InferenceSession) throws -> String {
        let tokenizer = session.tokenizer
        do {
            return try template.render(messages, addGenerationPrompt: true,
                                       bosToken: tokenizer.bos.map { tokenizer.tokens[$0] } ?? "",
                                       eosToken: tokenizer.eos.map { tokenizer.tokens[$0] } ?? "")
        } catch let error as EngineError {
            Terminal.error(error.message)
            throw ExitCode(2)
        }
    }

    func report(_ g: Generation) {
        guard verbose else { return }
        FileHandleOutput.standardError(String(format: "\nprompt: %d tokens (%d reused) in %.2f s, %.1f tokens/s; generation: %d tokens in %.2f s, %.1f tokens/s; stop: %@\n",
                                      g.promptTokens.count, g.reusedPromptTokens, g.promptSeconds, g.promptTokensPerSecond,
                                      g.tokens.count, g.generationSeconds, g.generationTokensPerSecond, g.stopReason.rawValue))
    }
}

/// `modelvet generate`: run a prompt through a GGUF model inside ModelVet.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate text with a GGUF model, inside ModelVet (no Python, no server).",
        discussion: """
        The model file is parsed and checked as `modelvet scan` checks it before anything runs; a damaged or \
        lying GGUF is refused. With --chat the prompt is wrapped in the model's chat template, rendered in a \
        sandbox; a template the scanner flags is refused unless --force.

        Examples:
          modelvet generate SmolLM2-135M-Instruct.Q4_1.gguf --prompt "The capital of France is" --max-tokens 16
          modelvet generate model.gguf --chat --system "Answer briefly." --prompt "What is a GGUF file?"
          modelvet generate model.gguf --prompt "Once upon a time" --temperature 0.8 --seed 7 --format json

        Exit codes: 0 success; 2 usage error, unreadable or unsupported model, or a template that cannot be used.
        """)

    @OptionGroup var engine: EngineOptions

    @Option(name: .shortAndLong, help: "The prompt.")
    var prompt: String

    @Flag(name: .long, help: "Wrap the prompt in the model's chat template as a user message.")
    var chat = false

    @Option(name: .long, help: "A system message (with --chat).")
    var system: String?

    @Option(name: .shortAndLong, help: "Output: text (streamed) or json (tokens, log-probabilities, timings).")
    var format: OutputFormat = .text

    @Option(name: .long, help: ArgumentHelp("With --format json: the K most likely tokens and their log-probabilities at every generated step (field top_logprobs, as OpenAI's).", valueName: "K"))
    var logprobs: Int = 0

    @Option(name: .long, help: ArgumentHelp("Generate N continuations of the prompt together, reading the weights once per step for all (sampled ones use seeds --seed, --seed+1, ...).", valueName: "N"))
    var batch: Int = 1

    enum OutputFormat: String, ExpressibleByArgument { case text, json }

    func validate() throws {
        if system != nil && !chat { throw ValidationError("--system needs --chat") }
        if logprobs < 0 || logprobs > 100 { throw ValidationError("--logprobs is between 0 and 100") }
        if logprobs > 0 && format != .json { throw ValidationError("--logprobs needs --format json") }
        if !(1...64).contains(batch) { throw ValidationError("--batch is between 1 and 64") }
        if batch > 1 && (logprobs > 0 || !engine.stop.isEmpty) { throw ValidationError("--batch does not combine with --logprobs or --stop") }
    }

    func run() throws {
        let session = try engine.session()
        var text = prompt
        if chat {
            let template = try engine.template(session)
            var messages: [ChatMessage] = []
            if let system { messages.append(ChatMessage(role: "system", content: system)) }
            messages.append(ChatMessage(role: "user", content: prompt))
            text = try engine.render(template, messages, session)
        }
        let tokens = session.tokenizer.encode(text, addSpecial: true, parseSpecial: true)
        if batch > 1 { return try runBatch(session, tokens: tokens, prompt: text) }
        let generation: Generation
        do {
            generation = try session.generate(promptTokens: tokens, maxTokens: engine.maxTokens, sampling: engine.sampling,
                                              stop: engine.stop, ignoreEndOfGeneration: engine.ignoreEos,
                                              topLogProbabilities: logprobs) { token in
                if format == .text { Terminal.write(token.text) }
                return true
            }
        } catch let error as EngineError {
            Terminal.error(error.message)
            throw ExitCode(2)
        }
        switch format {
        case .text: Terminal.write("\n")
        case .json: Terminal.write(Self.json(generation, prompt: text, tokenizer: session.tokenizer) + "\n")
        }
        engine.report(generation)
    }

    /// `--batch N`: N sequences decoded together; the timings are for all of them.
    func runBatch(_ session: InferenceSession, tokens: [Int], prompt: String) throws {
        let generations: [Generation]
        do {
            generations = try session.generate(batch: Array(repeating: tokens, count: batch), maxTokens: engine.maxTokens,
                                               sampling: engine.sampling, ignoreEndOfGeneration: engine.ignoreEos)
        } catch let error as EngineError {
            Terminal.error(error.message)
            throw ExitCode(2)
        }
        let seconds = generations.first?.generationSeconds ?? 0
        let total = generations.reduce(0) { $0 + $1.tokens.count }
        let rate = seconds > 0 ? Double(total) / seconds : 0
        switch format {
        case .text:
            for (i, g) in generations.enumerated() { Terminal.write("--- \(i + 1) ---\n" + g.text + "\n") }
        case .json:
            Terminal.write(JSONText.encode([
                "prompt": prompt, "prompt_tokens": tokens,
                "generations": generations.map { g in
                    ["text": g.text, "tokens": g.tokens, "logprobs": g.logProbabilities.map { Double($0) },
                     "stop_reason": g.stopReason.rawValue] as [String: Any]
                },
                "timings": ["generation_seconds": seconds, "generated_tokens": total, "generation_tokens_per_second": rate,
                            "prompt_seconds": generations.reduce(0) { $0 + $1.promptSeconds }],
            ] as [String: Any]) + "\n")
        }
        if engine.verbose {
            FileHandleOutput.standardError(String(format: "\n%d sequences: %d tokens in %.2f s, %.1f tokens/s together\n",
                                                  generations.count, total, seconds, rate))
        }
    }

    static func json(_ g: Generation, prompt: String, tokenizer: Tokenizer) -> String {
        var object: [String: Any] = [
            "prompt": prompt, "prompt_tokens": g.promptTokens, "text": g.text, "tokens": g.tokens,
            "logprobs": g.logProbabilities.map { Double($0) }, "stop_reason": g.stopReason.rawValue,
            "timings": ["prompt_seconds": g.promptSeconds, "generation_seconds": g.generationSeconds,
                        "prompt_tokens_per_second": g.promptTokensPerSecond, "generation_tokens_per_second": g.generationTokensPerSecond],
        ]
        if !g.alternatives.isEmpty {
            object["top_logprobs"] = g.alternatives.map { step in
                step.map { ["id": $0.id, "token": String(decoding: tokenizer.bytes(of: $0.id, special: true), as: UTF8.self), "logprob": Double($0.logProbability)] as [String: Any] }
            }
        }
        return JSONText.encode(object)
    }
}

/// JSON text of plain Foundation values (dictionaries, arrays, strings, numbers), keys sorted.
enum JSONText {
    static func encode(_ object: Any) -> String {
        do {
            return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        } catch {
            // Only non-finite numbers can fail here; report rather than print a broken document.
            return #"{"error":"the result could not be written as JSON: \#(error)"}"#
        }
    }
}

/// `modelvet chat`: an interactive conversation with a GGUF model.
struct ChatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Chat with a GGUF model in the terminal, inside ModelVet.",
        discussion: """
        Type a message and press return; the answer streams as it is generated. /reset starts over, /exit (or \
        end of input) quits. The conversation is rendered with the model's chat template in a sandbox, and the \
        cached prefix of the conversation is reused between turns.

        Example:
          modelvet chat SmolLM2-135M-Instruct.Q4_1.gguf --system "You are concise."
        """)

    @OptionGroup var engine: EngineOptions

    @Option(name: .long, help: "A system message opening the conversation.")
    var system: String?

    func run() throws {
        let session = try engine.session()
        let template = try engine.template(session)
        let interactive = Terminal.isInteractive(0)
        var messages: [ChatMessage] = system.map { [ChatMessage(role: "system", content: $0)] } ?? []
        while true {
            if interactive { Terminal.write("> ") }
            guard let line = readLine() else { break }
            let input = line.trimmingCharacters(in: .whitespaces)
            if input.isEmpty { continue }
            if input == "/exit" || input == "/quit" { break }
            if input == "/reset" {
                messages = system.map { [ChatMessage(role: "system", content: $0)] } ?? []
                continue
            }
            messages.append(ChatMessage(role: "user", content: input))
            let prompt = try engine.render(template, messages, session)
            let tokens = session.tokenizer.encode(prompt, addSpecial: true, parseSpecial: true)
            do {
                let answer = try session.generate(promptTokens: tokens, maxTokens: engine.maxTokens, sampling: engine.sampling,
                                                  stop: engine.stop) { token in
                    Terminal.write(token.text)
                    return true
                }
                Terminal.write("\n")
                engine.report(answer)
                messages.append(ChatMessage(role: "assistant", content: answer.text))
            } catch let error as EngineError {
                Terminal.error(error.message)
                if error.kind == .badRequest { messages = system.map { [ChatMessage(role: "system", content: $0)] } ?? [] }
            }
        }
    }
}
