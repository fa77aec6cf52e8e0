import Foundation
import Testing
import VetTestSupport
@testable import VetProbes

@Suite(.serialized)
struct ChatCompletionsClientTests {
    static let hasPython = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")

    func client(_ server: FaultServer, script: String, retries: Int = 3, timeout: Double = 10, key: String? = nil) throws -> ChatCompletionsClient {
        try ChatCompletionsClient(.init(baseURL: server.url, model: script, apiKey: key, concurrency: 3, timeout: timeout,
                                        retries: retries, initialBackoff: 0.01))
    }

    func ask(_ client: ChatCompletionsClient, _ texts: [String]) async -> [Result<BackendReply, ChatCompletionsClient.Failure>] {
        await client.complete(texts.map { [ChatTurn(role: "user", content: $0)] }, maxTokens: 8)
    }

    /// Runs the backend's blocking `complete` on a thread of its own: it waits on a semaphore, which
    /// must not happen on the cooperative pool the test itself runs on.
    func completeOnThread(_ backend: EndpointProbeBackend) async -> Result<[BackendReply], Error> {
        await withCheckedContinuation { continuation in
            Thread {
                continuation.resume(returning: Result { try backend.complete([[ChatTurn(role: "user", content: "a")]], maxTokens: 4) })
            }.start()
        }
    }

    @Test(.enabled(if: hasPython, "python3 is needed for the fault server"))
    func retriesThrottlingServerErrorsAndDroppedConnections() async throws {
        let server = try FaultServer()
        let results = await ask(try client(server, script: "429,500,drop,503,ok", retries: 4), ["a", "b", "c", "d", "e", "f", "g"])
        #expect(results.count == 7)
        for (i, result) in results.enumerated() {
            let text = try result.get().text
            #expect(text == "reply to: " + ["a", "b", "c", "d", "e", "f", "g"][i])
        }
        #expect(try results[0].get().tokens == 3)
    }

    @Test(.enabled(if: hasPython, "python3 is needed for the fault server"))
    func givesUpAfterTheRetriesWithTheLastReason() async throws {
        let server = try FaultServer()
        let results = await ask(try client(server, script: "500", retries: 2), ["x"])
        guard case .failure(.status(500, let body)) = results[0] else { Issue.record("expected HTTP 500, got \(results[0])"); return }
        #expect(body.contains("step 500"))
    }

    @Test(.enabled(if: hasPython, "python3 is needed for the fault server"))
    func malformedAnswersAreErrorsOfTheirConversation() async throws {
        let server = try FaultServer()
        let results = await ask(try client(server, script: "malformed", retries: 0), ["x"])
        guard case .failure(.malformed(let why)) = results[0] else { Issue.record("expected malformed, got \(results[0])"); return }
        #expect(why.contains("not JSON"))
        let missing = await ask(try client(server, script: "nochoices", retries: 0), ["y"])
        #expect(missing[0] == .failure(.malformed("no choices")))
    }

    @Test(.enabled(if: hasPython, "python3 is needed for the fault server"))
    func slowRepliesTimeOutThenRetry() async throws {
        let server = try FaultServer()
        let timedOut = await ask(try client(server, script: "slow", retries: 0, timeout: 0.5), ["x"])
        #expect(timedOut[0] == .failure(.unreachable("timed out")))
        // Slow once, then fine: the retry succeeds.
        let recovered = await ask(try client(server, script: "slow,ok", retries: 1, timeout: 0.5), ["y"])
        #expect(try recovered[0].get().text == "reply to: y")
    }

    @Test(.enabled(if: hasPython, "python3 is needed for the fault server"))
    func sendsTheKeyAsABearerToken() async throws {
        let server = try FaultServer()
        let results = await ask(try client(server, script: "ok", key: "sk-test"), ["k"])
        #expect(try results[0].get().text == "reply to: k [Bearer sk-test]")
    }

    @Test(.enabled(if: hasPython, "python3 is needed for the fault server"))
    func aRefusingOrMissingEndpointStopsTheRun() async throws {
        let server = try FaultServer()
        let backend = EndpointProbeBackend(client: try client(server, script: "401"), seed: 0)
        let refused = await completeOnThread(backend)
        #expect(throws: ProbeError.self) { try refused.get() }
        if case .failure(let error) = refused { #expect("\(error)".contains("HTTP 401")) }
        // Nothing listens on the port any more.
        let port = server.port
        server.stop()
        let down = EndpointProbeBackend(client: try ChatCompletionsClient(.init(baseURL: "http://127.0.0.1:\(port)/v1", model: "ok", apiKey: nil,
                                                                                  retries: 1, initialBackoff: 0.01)), seed: 0)
        let unreachable = await completeOnThread(down)
        if case .failure(let error) = unreachable { #expect("\(error)".contains("could not be reached")) } else {
            Issue.record("a closed port must stop the run")
        }
    }

    @Test func rejectsURLsThatAreNotHTTP() {
        #expect(throws: ProbeError.self) { try ChatCompletionsClient(.init(baseURL: "file:///etc/passwd", model: "m", apiKey: nil)) }
        #expect(throws: ProbeError.self) { try ChatCompletionsClient(.init(baseURL: "localhost:8080", model: "m", apiKey: nil)) }
    }

    @Test func parsesCompletionsAndRefusalFields() throws {
        let ok = ChatCompletionsClient.parse(Data(#"{"choices":[{"message":{"content":"hi"}}],"usage":{"completion_tokens":1}}"#.utf8))
        #expect(try ok.get() == BackendReply(text: "hi", tokens: 1))
        let refusal = ChatCompletionsClient.parse(Data(#"{"choices":[{"message":{"content":null,"refusal":"I can't."}}]}"#.utf8))
        #expect(try refusal.get().text == "I can't.")
        #expect(ChatCompletionsClient.parse(Data(#"{"choices":[{"message":{"content":5}}]}"#.utf8))
                == .failure(.malformed("choices[0].message.content is not a string")))
        if case .failure(.malformed(let why)) = ChatCompletionsClient.parse(Data(#"{"error":{"message":"overloaded"}}"#.utf8)) {
            #expect(why.contains("overloaded"))
        } else {
            Issue.record("an error object must be a failure")
        }
    }
}
