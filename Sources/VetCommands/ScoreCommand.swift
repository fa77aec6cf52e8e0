import ArgumentParser
import Foundation
import VetEngine

/// `modelvet score`: the log-likelihood a GGUF model assigns to a given text, token by token.
struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score a text under a GGUF model: each token's log-probability given the text before it.",
        discussion: """
        The text is tokenised as the model's tokenizer does (with its beginning-of-sequence token when the model \
        adds one) and run through the model once, teacher-forced; every token after the first gets the natural-log \
        probability the model gave it. Useful to compare models on the same text (lineage), to check the engine, \
        or to see where a model finds a text surprising.

        Examples:
          modelvet score SmolLM2-135M-Instruct.Q4_1.gguf --text "The capital of France is Paris."
          modelvet score model.gguf --file answer.txt --format json

        Output: text (a table of tokens, then the total, mean and perplexity) or json (fields tokens, \
        token_texts, logprobs, total_logprob, mean_logprob, perplexity).
        Exit codes: 0 success; 2 usage error, unreadable or unsupported model, or a text the context cannot hold.
        """)

    @Argument(help: "A GGUF model file (llama, mistral, qwen2, qwen3, gemma3 or phi3 architecture).")
    var model: String

    @Option(name: .long, help: "The text to score.")
    var text: String?

    @Option(name: .long, help: "Read the text to score from this file.")
    var file: String?

    @Option(name: .shortAndLong, help: "Threads (default: the number of cores).")
    var threads: Int?

    @Option(name: .shortAndLong, help: "Output: text or json.")
    var format: GenerateCommand.OutputFormat = .text

    func validate() throws {
        if (text == nil) == (file == nil) { throw ValidationError("give the text with exactly one of --text or --file") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        let input: String
        if let file {
            do { input = try String(contentsOfFile: file, encoding: .utf8) } catch {
                Terminal.error("cannot read \(file) as UTF-8 text: \(error.localizedDescription)")
                throw ExitCode(2)
            }
        } else {
            input = text ?? ""
        }
        var options = try EngineOptions.parse([model])
        options.threads = threads
        let session = try options.session()
        let tokens = session.tokenizer.encode(input, addSpecial: true, parseSpecial: false)
        guard tokens.count <= session.cache.capacity else {
            Terminal.error("the text is \(tokens.count) tokens; the context holds \(session.cache.capacity)")
            throw ExitCode(2)
        }
        let score: Score
        do { score = try session.score(tokens) } catch let error as EngineError {
            Terminal.error(error.message)
            throw ExitCode(2)
        }
        let pieces = tokens.map { String(decoding: session.tokenizer.bytes(of: $0, special: true), as: UTF8.self) }
        let mean = score.logProbabilities.isEmpty ? 0 : score.total / Double(score.logProbabilities.count)
        switch format {
        case .json:
            Terminal.write(JSONText.encode([
                "tokens": tokens, "token_texts": pieces, "logprobs": score.logProbabilities.map { Double($0) },
                "total_logprob": score.total, "mean_logprob": mean, "perplexity": score.perplexity,
            ] as [String: Any]) + "\n")
        case .text:
            Terminal.write(" index    logprob  token\n")
            for (i, lp) in score.logProbabilities.enumerated() {
                Terminal.write(String(format: "%6d  %9.4f  ", i + 1, Double(lp)) + Self.visible(pieces[i + 1]) + "\n")
            }
            Terminal.write(String(format: "%d tokens scored: total %.4f, mean %.4f, perplexity %.3f\n",
                                  score.logProbabilities.count, score.total, mean, score.perplexity))
        }
    }

    /// A token's text with whitespace made visible.
    static func visible(_ piece: String) -> String {
        "\"" + piece.replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\t", with: "\\t") + "\""
    }
}
