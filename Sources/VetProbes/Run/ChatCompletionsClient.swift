import AsyncHTTPClient
import Foundation
import NIOCore

/// A client of an OpenAI-compatible chat-completions endpoint (`POST {base}/chat/completions`),
/// for probing models that run on a server (llama.cpp's llama-server, vLLM, Ollama, hosted APIs).
///
/// Requests run `concurrency` at a time. 429, 5xx, timeouts and connection errors are retried up
/// to `retries` times with exponential backoff (0.5 s doubling, at most 8 s, or the server's
/// Retry-After up to 30 s); other 4xx answers and replies that are not chat completions are
/// errors of that conversation. The API key is sent as a bearer token and never printed.
public final class ChatCompletionsClient: @unchecked Sendable {
    public struct Options: Sendable {
        public var baseURL: String
        public var model: String
        public var apiKey: String?
        public var concurrency: Int
        public var timeout: TimeInterval
        public var retries: Int
        /// Backoff before the first retry (doubling after each, capped at 8 s).
        public var initialBackoff: TimeInterval

        public init(baseURL: String, model: String, apiKey: String?, concurrency: Int = 4, timeout: TimeInterval = 120,
                    retries: Int = 4, initialBackoff: TimeInterval = 0.5) {
            self.baseURL = baseURL
            self.model = model
            self.apiKey = apiKey
            self.concurrency = max(1, concurrency)
            self.timeout = timeout
            self.retries = max(0, retries)
            self.initialBackoff = initialBackoff
        }
    }

    /// Why a conversation got no reply.
    public enum Failure: Error, Sendable, Equatable {
        /// The server could not be reached (refused, reset, timed out) after every retry.
        case unreachable(String)
        /// The server answered with an HTTP error status.
        case status(Int, String)
        /// The server answered 200 with something that is not a chat completion.
        case malformed(String)

        public var message: String {
            switch self {
            case .unreachable(let why): return "the endpoint could not be reached: \(why)"
            case .status(let code, let body): return "the endpoint answered HTTP \(code)" + (body.isEmpty ? "" : ": \(body)")
            case .malformed(let why): return "the endpoint's answer is not a chat completion: \(why)"
            }
        }

        /// Retrying cannot help, and no other conversation will fare better.
        public var isFatal: Bool {
            switch self {
            case .unreachable: return true
            case .status(let code, _): return code == 401 || code == 403 || code == 404
            case .malformed: return false
            }
        }
    }

    public let options: Options
    let url: String
    let client: HTTPClient

    /// - Throws: `ProbeError` for a URL that is not http(s).
    public init(_ options: Options) throws {
        var base = options.baseURL
        while base.hasSuffix("/") { base.removeLast() }
        guard let parsed = URL(string: base), let scheme = parsed.scheme?.lowercased(), scheme == "http" || scheme == "https",
              parsed.host != nil else {
            throw ProbeError("--endpoint must be an http:// or https:// URL such as http://127.0.0.1:8080/v1 (got '\(options.baseURL)')")
        }
        self.options = options
        url = base + "/chat/completions"
        client = Self.shared
    }

    /// One HTTP client for the process (connection pools are shared; it is never shut down, as
    /// a static it lives as long as the process). Redirects are not followed: a redirect could carry
    /// the API key to another host.
    /// A refused connection is retried by the client's pool until the connect timeout, so that is
    /// kept short: an endpoint that is down is reported in seconds, not minutes.
    static let shared: HTTPClient = {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        configuration.timeout.connect = .seconds(3)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// One reply per conversation, in order.
    public func complete(_ conversations: [[ChatTurn]], maxTokens: Int, seed: UInt64 = 0) async -> [Result<BackendReply, Failure>] {
        var results = [Result<BackendReply, Failure>?](repeating: nil, count: conversations.count)
        await withTaskGroup(of: (Int, Result<BackendReply, Failure>).self) { group in
            var next = 0
            func launch() {
                let i = next
                next += 1
                group.addTask { (i, await self.completeOne(conversations[i], maxTokens: maxTokens, seed: seed)) }
            }
            while next < min(options.concurrency, conversations.count) { launch() }
            while let (i, result) = await group.next() {
                results[i] = result
                if next < conversations.count { launch() }
            }
        }
        return results.map { $0 ?? .failure(.unreachable("no result")) }
    }

    /// Blocks the calling thread until `complete` finishes: for synchronous callers such as the
    /// command line's main thread. Never call it on a thread of Swift's cooperative pool (from async
    /// code): blocking one of those can starve the task it waits for; use `complete` there.
    public func completeBlocking(_ conversations: [[ChatTurn]], maxTokens: Int, seed: UInt64 = 0) -> [Result<BackendReply, Failure>] {
        let box = ResultBox()
        let done = DispatchSemaphore(value: 0)
        Task {
            box.value = await self.complete(conversations, maxTokens: maxTokens, seed: seed)
            done.signal()
        }
        done.wait()
        return box.value
    }

    final class ResultBox: @unchecked Sendable {
        var value: [Result<BackendReply, Failure>] = []
    }

    func body(_ turns: [ChatTurn], maxTokens: Int, seed: UInt64) throws -> Data {
        let object: [String: Any] = [
            "model": options.model, "max_tokens": maxTokens, "temperature": 0, "seed": seed, "stream": false,
            "messages": turns.map { ["role": $0.role, "content": $0.content] },
        ]
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    func completeOne(_ turns: [ChatTurn], maxTokens: Int, seed: UInt64) async -> Result<BackendReply, Failure> {
        let payload: Data
        do { payload = try body(turns, maxTokens: maxTokens, seed: seed) } catch {
            return .failure(.malformed("the request could not be encoded: \(error)"))
        }
        var backoff = options.initialBackoff
        var last = Failure.unreachable("no attempt")
        for attempt in 0...options.retries {
            if attempt > 0 {
                try? await Task.sleep(nanoseconds: UInt64(min(8, backoff) * 1e9))  // a cancelled sleep only retries sooner
                backoff *= 2
            }
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "Accept", value: "application/json")
            if let key = options.apiKey, !key.isEmpty { request.headers.add(name: "Authorization", value: "Bearer " + key) }
            request.body = .bytes(ByteBuffer(bytes: payload))
            do {
                let response = try await client.execute(request, timeout: .milliseconds(Int64(options.timeout * 1000)))
                let bytes = try await response.body.collect(upTo: 16 << 20)
                let data = Data(bytes.readableBytesView)
                let code = Int(response.status.code)
                if code == 200 { return Self.parse(data) }
                let snippet = String(decoding: data.prefix(200), as: UTF8.self).replacingOccurrences(of: "\n", with: " ")
                last = .status(code, snippet)
                if code == 429 || code >= 500 {
                    if let retryAfter = response.headers.first(name: "Retry-After").flatMap(Double.init), retryAfter >= 0 {
                        backoff = min(30, retryAfter)
                    }
                    continue
                }
                return .failure(last)
            } catch {
                last = .unreachable(Self.describe(error))
            }
        }
        return .failure(last)
    }

    static func describe(_ error: Error) -> String {
        if let error = error as? HTTPClientError {
            if error == .deadlineExceeded || error == .readTimeout { return "timed out" }
            if error == .remoteConnectionClosed { return "the server closed the connection" }
            return String(describing: error)
        }
        return String(describing: error)
    }

    /// The reply text of a chat completion (`choices[0].message.content`) and its token count.
    public static func parse(_ data: Data) -> Result<BackendReply, Failure> {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            return .failure(.malformed("not JSON (\(data.count) bytes starting '\(String(decoding: data.prefix(40), as: UTF8.self))')"))
        }
        guard let root = object as? [String: Any] else { return .failure(.malformed("the JSON is not an object")) }
        if let error = root["error"] { return .failure(.malformed("the server reported an error: \(error)")) }
        guard let choices = root["choices"] as? [[String: Any]], let first = choices.first else {
            return .failure(.malformed("no choices"))
        }
        guard let message = first["message"] as? [String: Any] else { return .failure(.malformed("choices[0] has no message")) }
        let content: String
        if let text = message["content"] as? String {
            content = text
        } else if message["content"] is NSNull, message["refusal"] is String {
            // OpenAI's structured refusal field: the model declined; its text is the reply.
            content = message["refusal"] as? String ?? ""
        } else {
            return .failure(.malformed("choices[0].message.content is not a string"))
        }
        let tokens = (root["usage"] as? [String: Any])?["completion_tokens"] as? Int
        return .success(BackendReply(text: content, tokens: tokens))
    }
}

/// An OpenAI-compatible endpoint as a probe backend.
public final class EndpointProbeBackend: ProbeBackend, Sendable {
    let client: ChatCompletionsClient
    let seed: UInt64
    public var label: String { client.options.model + " @ " + client.options.baseURL }
    public var kind: String { "endpoint" }
    public var preferredBatch: Int { max(8, client.options.concurrency * 4) }

    public init(client: ChatCompletionsClient, seed: UInt64) {
        self.client = client
        self.seed = seed
    }

    /// An endpoint's template is not visible: ChatML's markers, the most common.
    public func roleMarkers() throws -> RoleMarkers {
        var markers = RoleMarkers.chatML
        markers.origin = "ChatML default (an endpoint's template is not visible)"
        return markers
    }

    public func complete(_ conversations: [[ChatTurn]], maxTokens: Int) throws -> [BackendReply] {
        let results = client.completeBlocking(conversations, maxTokens: maxTokens, seed: seed)
        var replies: [BackendReply] = []
        var fatal: ChatCompletionsClient.Failure?
        for result in results {
            switch result {
            case .success(let reply): replies.append(reply)
            case .failure(let failure):
                if failure.isFatal && fatal == nil { fatal = failure }
                replies.append(BackendReply(text: "", error: failure.message))
            }
        }
        // Every conversation failed the same way a retry cannot fix: the endpoint is down or
        // refuses us; stop rather than record a whole suite of errors.
        if let fatal, replies.allSatisfy({ $0.error != nil }) { throw ProbeError(fatal.message) }
        return replies
    }
}
