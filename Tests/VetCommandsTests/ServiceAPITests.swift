import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import VetFixtures
@testable import VetServer
import VetService
import VetTestSupport
@testable import VetCommands

/// A service on one store for one test: tokens of every role, a data folder, an allowed root, and the
/// application run in process (Hummingbird's router test client: no socket).
struct ServiceHarness {
    let store: any JobStore
    let server: ServiceServer
    let dir: String
    let root: String
    let cleanup: @Sendable () async -> Void
    var admin = "", reviewer = "", submitter = "", other = ""

    static func make(_ kind: StoreKind, requestsPerMinute: Int = 100_000, uploadLimit: Int = 1 << 20, allowPaths: Bool = true) async throws -> ServiceHarness {
        let (store, _, closeStore) = try await kind.open()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("modelvet-api-\(UUID().uuidString)").path
        let root = dir + "/models"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let settings = ServerSettings(dataRoot: dir + "/data", paths: try PathPolicy(roots: allowPaths ? [root] : []), uploadLimit: uploadLimit,
                                      requestsPerMinute: requestsPerMinute)
        // The rate limiter's clock stands still: the limit test must not depend on how fast a loaded machine runs it.
        let server = try ServiceServer(store: store, settings: settings, limiter: RateLimiter(perMinute: requestsPerMinute, clock: { 1000 })) { path in
            // The test's folder digest: the bytes of the file (the real service uses the model-signing manifest).
            ServiceDigest.sha256Hex(String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self))
        }
        var harness = ServiceHarness(store: store, server: server, dir: dir, root: root, cleanup: {
            await closeStore()
            try? FileManager.default.removeItem(atPath: dir)  // clean-up of a temporary fixture
        })
        let now = Date()
        harness.admin = try await store.createToken(role: .admin, now: now).secret
        harness.reviewer = try await store.createToken(role: .reviewer, now: now).secret
        harness.submitter = try await store.createToken(role: .submitter, now: now).secret
        harness.other = try await store.createToken(role: .submitter, now: now).secret
        return harness
    }

    var application: some ApplicationProtocol {
        var logger = Logger(label: "modelvet.test")
        logger.logLevel = .critical
        return server.application(host: "127.0.0.1", port: 0, logger: logger)
    }

    /// Runs every queued job with a worker, as `modelvet serve` would.
    func drain() async {
        await ServiceWorker.drive([ServiceWorker(store: store, lease: 30)], poll: 0.05, once: true, stop: { false })
    }

    static func bearer(_ secret: String, _ more: HTTPFields = [:]) -> HTTPFields {
        var fields = more
        fields[.authorization] = "Bearer " + secret
        return fields
    }

    static func upload(_ secret: String, name: String) -> HTTPFields {
        [.authorization: "Bearer " + secret, .contentType: "application/octet-stream", HTTPField.Name("X-Filename")!: name]
    }

    /// The body as a JSON object; an empty one (and a recorded issue) when it is not one.
    static func json(_ buffer: ByteBuffer, sourceLocation: SourceLocation = #_sourceLocation) -> [String: Any] {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))) as? [String: Any] else {
            Issue.record("not a JSON object: \(String(buffer: buffer).prefix(200))", sourceLocation: sourceLocation)
            return [:]
        }
        return object
    }
}

@Suite("vetting service API (modelvet serve)")
struct ServiceAPITests {
    @Test("every API call needs a valid token (401), and a role with the right (403); submitters see only their own scans", arguments: StoreKind.available)
    func authentication(kind: StoreKind) async throws {
        let h = try await ServiceHarness.make(kind)
        defer { Task { await h.cleanup() } }
        try await h.application.test(.router) { client in
            try await client.execute(uri: "/api/v1/scans", method: .get) { response in
                #expect(response.status == .unauthorized && response.headers[.wwwAuthenticate] == "Bearer")
                #expect(ServiceHarness.json(response.body)["error"] as? String == "a token is required: send Authorization: Bearer TOKEN")
            }
            for header in ["Bearer mvt_" + String(repeating: "0", count: 64), "Basic YWRtaW46YWRtaW4=", "Bearer", "Bearer " + String(repeating: "x", count: 5000)] {
                try await client.execute(uri: "/api/v1/scans", method: .get, headers: [.authorization: header]) { response in
                    #expect(response.status == .unauthorized, "\(header.prefix(30))")
                }
            }
            // A submitter's scan: the other submitter cannot see it (404, as for an unknown id); a reviewer can.
            let id = try await client.execute(uri: "/api/v1/scans", method: .post, headers: ServiceHarness.upload(h.submitter, name: "a.pkl"),
                                              body: ByteBuffer(bytes: PickleAssembler.benignPickle())) { response in
                #expect(response.status == .accepted)
                return try #require(ServiceHarness.json(response.body)["id"] as? String)
            }
            try await client.execute(uri: "/api/v1/scans/\(id)", method: .get, headers: ServiceHarness.bearer(h.other)) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/api/v1/scans/\(id)", method: .get, headers: ServiceHarness.bearer(h.reviewer)) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/v1/scans", method: .get, headers: ServiceHarness.bearer(h.other)) { response in
                #expect((ServiceHarness.json(response.body)["scans"] as? [Any])?.isEmpty == true)
            }
            try await client.execute(uri: "/api/v1/scans", method: .get, headers: ServiceHarness.bearer(h.reviewer)) { response in
                #expect((ServiceHarness.json(response.body)["scans"] as? [Any])?.count == 1)
            }
            // Deleting and managing tokens are an admin's.
            for secret in [h.submitter, h.reviewer] {
                try await client.execute(uri: "/api/v1/scans/\(id)", method: .delete, headers: ServiceHarness.bearer(secret)) { #expect($0.status == .forbidden) }
                try await client.execute(uri: "/api/v1/tokens", method: .get, headers: ServiceHarness.bearer(secret)) { #expect($0.status == .forbidden) }
            }
            let created = try await client.execute(uri: "/api/v1/tokens", method: .post, headers: ServiceHarness.bearer(h.admin, [.contentType: "application/json"]),
                                                   body: ByteBuffer(string: #"{"role":"submitter"}"#)) { response in
                #expect(response.status == .created)
                return ServiceHarness.json(response.body)
            }
            let secret = try #require(created["secret"] as? String), tokenID = try #require(created["id"] as? String)
            try await client.execute(uri: "/api/v1/scans", method: .get, headers: ServiceHarness.bearer(secret)) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/v1/tokens/\(tokenID)", method: .delete, headers: ServiceHarness.bearer(h.admin)) { #expect($0.status == .noContent) }
            let adminID = try await client.execute(uri: "/api/v1/tokens", method: .get, headers: ServiceHarness.bearer(h.admin)) { response in
                ((ServiceHarness.json(response.body)["tokens"] as? [[String: Any]])?.first { $0["role"] as? String == "admin" }?["id"] as? String) ?? ""
            }
            try await client.execute(uri: "/api/v1/tokens/\(adminID)", method: .delete, headers: ServiceHarness.bearer(h.admin)) {
                #expect($0.status == .conflict, "a token cannot revoke itself")
            }
            try await client.execute(uri: "/api/v1/scans", method: .get, headers: ServiceHarness.bearer(secret)) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/api/v1/scans/\(id)", method: .delete, headers: ServiceHarness.bearer(h.admin)) { #expect($0.status == .noContent) }
            try await client.execute(uri: "/api/v1/scans/\(id)", method: .get, headers: ServiceHarness.bearer(h.admin)) { #expect($0.status == .notFound) }
        }
    }

    @Test("a malicious upload with a hostile name is stored by content and scanned, never loaded; its reports; the same bytes again come from the cache",
          arguments: StoreKind.available)
    func maliciousUpload(kind: StoreKind) async throws {
        let h = try await ServiceHarness.make(kind)
        defer { Task { await h.cleanup() } }
        let marker = h.dir + "/payload-ran"
        let payload = PickleAssembler.callPickle("os", "system", ["touch \(marker)"])
        let hostile = "../../../../tmp/evil\u{202E}lkp.\u{7}pkl\r\nX-Injected: 1"
        try await h.application.test(.router) { client in
            let id = try await client.execute(uri: "/api/v1/scans", method: .post, headers: ServiceHarness.upload(h.submitter, name: hostile),
                                              body: ByteBuffer(bytes: payload)) { response in
                #expect(response.status == .accepted && response.headers[.location]?.hasPrefix("/api/v1/scans/") == true)
                let scan = ServiceHarness.json(response.body)
                #expect(scan["status"] as? String == "queued")
                let name = try #require(scan["name"] as? String)
                #expect(name.hasPrefix("evil") && name.contains("pkl") && !name.contains("/")
                        && !name.unicodeScalars.contains { $0.value < 0x20 || $0 == "\u{202E}" || $0 == "\u{7F}" },
                        "the name keeps its last component, without control or direction marks: \(name.debugDescription)")
                return try #require(scan["id"] as? String)
            }
            try await client.execute(uri: "/api/v1/scans/\(id)/report?format=json", method: .get, headers: ServiceHarness.bearer(h.submitter)) { response in
                #expect(response.status == .conflict)
            }
            await h.drain()
            try await client.execute(uri: "/api/v1/scans/\(id)", method: .get, headers: ServiceHarness.bearer(h.submitter)) { response in
                let scan = ServiceHarness.json(response.body)
                #expect(scan["status"] as? String == "done" && scan["verdict"] as? String == "danger", "\(scan)")
                #expect((scan["summary"] as? String)?.hasPrefix("Do not load this model") == true)
            }
            for (format, type) in [("json", "application/json"), ("sarif", "application/sarif+json"), ("html", "text/html; charset=utf-8")] {
                try await client.execute(uri: "/api/v1/scans/\(id)/report?format=\(format)", method: .get, headers: ServiceHarness.bearer(h.submitter)) { response in
                    #expect(response.status == .ok && response.headers[.contentType] == type)
                    let text = String(buffer: response.body)
                    #expect(text.contains("os") && text.contains("system"), "the report names the call")
                    if format == "html" { #expect(response.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true) }
                }
            }
            // The same bytes under the same name, from another submitter: done at once, from the cache.
            try await client.execute(uri: "/api/v1/scans", method: .post, headers: ServiceHarness.upload(h.other, name: hostile),
                                     body: ByteBuffer(bytes: payload)) { response in
                let scan = ServiceHarness.json(response.body)
                #expect(scan["status"] as? String == "done" && scan["verdict"] as? String == "danger" && scan["attempts"] as? Int == 0)
            }
            // Under another name it is another result (a name decides how a file is read): queued.
            try await client.execute(uri: "/api/v1/scans", method: .post, headers: ServiceHarness.upload(h.other, name: "notes.txt"),
                                     body: ByteBuffer(bytes: payload)) { response in
                #expect(ServiceHarness.json(response.body)["status"] as? String == "queued")
            }
        }
        #expect(!FileManager.default.fileExists(atPath: marker), "the pickle was never loaded")
        let objects = try FileManager.default.subpathsOfDirectory(atPath: h.dir + "/data")
        #expect(objects.filter { !$0.hasSuffix("/") }.allSatisfy { $0.hasPrefix("objects") }, "\(objects)")
        let digest = SHA256.hash(data: Data(payload)).map { String(format: "%02x", $0) }.joined()
        #expect(FileManager.default.fileExists(atPath: h.dir + "/data/objects/\(digest.prefix(2))/\(digest.dropFirst(2))"), "\(objects)")
    }

    @Test("limits: an upload over the limit (413), an empty upload (400), another media type (415), a token over its rate (429)", arguments: StoreKind.available)
    func limits(kind: StoreKind) async throws {
        let h = try await ServiceHarness.make(kind, requestsPerMinute: 4, uploadLimit: 1000)
        defer { Task { await h.cleanup() } }
        try await h.application.test(.router) { client in
            try await client.execute(uri: "/api/v1/scans", method: .post, headers: ServiceHarness.upload(h.submitter, name: "big.bin"),
                                     body: ByteBuffer(repeating: 0x41, count: 1001)) { response in
                #expect(response.status == .contentTooLarge)
                #expect(ServiceHarness.json(response.body)["error"] as? String != nil)
            }
            try await client.execute(uri: "/api/v1/scans", method: .post, headers: ServiceHarness.upload(h.submitter, name: "empty.bin"),
                                     body: ByteBuffer()) { #expect($0.status == .badRequest) }
            try await client.execute(uri: "/api/v1/scans", method: .post, headers: ServiceHarness.bearer(h.submitter, [.contentType: "text/plain"]),
                                     body: ByteBuffer(string: "x")) { #expect($0.status == .unsupportedMediaType) }
            try await client.execute(uri: "/api/v1/scans", method: .get, headers: ServiceHarness.bearer(h.submitter)) { response in
                #expect(response.status == .ok, "the fourth request this minute is within a rate of 4 (three were spent above)")
            }
            try await client.execute(uri: "/api/v1/scans", method: .get, headers: ServiceHarness.bearer(h.submitter)) { response in
                #expect(response.status == .tooManyRequests && Int(response.headers[.retryAfter] ?? "") ?? 0 >= 1)
            }
            try await client.execute(uri: "/api/v1/scans", method: .get, headers: ServiceHarness.bearer(h.reviewer)) { #expect($0.status == .ok, "another token has its own budget") }
            // No leftover of the refused uploads.
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: h.dir + "/data/objects")
            #expect(leftovers.isEmpty, "\(leftovers)")
        }
    }

    @Test("server-side paths are confined to the allowed roots: '..' (400), outside (403), a link out (403), missing (404), none allowed (403)",
          arguments: StoreKind.available)
    func paths(kind: StoreKind) async throws {
        let h = try await ServiceHarness.make(kind)
        defer { Task { await h.cleanup() } }
        try Data(PickleAssembler.benignPickle()).write(to: URL(fileURLWithPath: h.root + "/model.pkl"))
        try FileManager.default.createSymbolicLink(atPath: h.root + "/out", withDestinationPath: "/etc")
        let closed = try await ServiceHarness.make(kind, allowPaths: false)
        defer { Task { await closed.cleanup() } }
        try await h.application.test(.router) { client in
            let cases: [(String, HTTPResponse.Status)] = [
                (#"{"path": "\#(h.root)/model.pkl"}"#, .accepted),
                (#"{"path": "\#(h.root)/../models/model.pkl"}"#, .badRequest),
                (#"{"path": "\#(h.root)/./model.pkl"}"#, .badRequest),
                (#"{"path": "models/model.pkl"}"#, .badRequest),
                (#"{"path": "/etc/passwd"}"#, .forbidden),
                (#"{"path": "\#(h.root)-sibling/x"}"#, .forbidden),
                (#"{"path": "\#(h.root)/out/passwd"}"#, .forbidden),
                (#"{"path": "\#(h.root)/out/no-such-file"}"#, .forbidden),
                (#"{"path": "\#(h.root)/missing.pkl"}"#, .notFound),
                (#"{"path": "\#(h.root)/model.pkl", "baseline": "/etc/passwd"}"#, .forbidden),
                (#"{"path": "\#(h.root)/model.pkl\u0000.txt"}"#, .badRequest),
                (#"{"nopath": 1}"#, .badRequest),
            ]
            for (body, expected) in cases {
                let (status, text) = try await Self.submit(client, body, token: h.submitter)
                #expect(status == expected, "\(body) -> \(status) \(text)")
            }
        }
        try await closed.application.test(.router) { client in
            let (status, text) = try await Self.submit(client, #"{"path": "/tmp"}"#, token: closed.submitter)
            #expect(status == .forbidden && text.contains("not enabled"))
        }
    }

    static func submit(_ client: some TestClientProtocol, _ body: String, token: String) async throws -> (HTTPResponse.Status, String) {
        try await client.execute(uri: "/api/v1/scans", method: .post, headers: ServiceHarness.bearer(token, [.contentType: "application/json"]),
                                 body: ByteBuffer(string: body)) { ($0.status, String(buffer: $0.body)) }
    }

    @Test("the rate limiter: a bucket of N a minute refills continuously, says how long to wait, and stays bounded under a flood of keys")
    func rateLimiter() {
        let limiter = RateLimiter(perMinute: 3)
        #expect((0..<3).allSatisfy { _ in limiter.take("a", now: 100) == nil })
        #expect(limiter.take("a", now: 100) == 20, "one request comes back every 20 s")
        #expect(limiter.take("b", now: 100) == nil, "each key has its own bucket")
        #expect(limiter.take("a", now: 120.5) == nil && limiter.take("a", now: 120.5) != nil)
        for i in 0..<100_050 { _ = limiter.take("peer:\(i)", now: 200 + Double(i) / 1000) }
        #expect(limiter.keys <= 100_001, "\(limiter.keys)")
    }

    @Test("listing filters by status, verdict and name, pages with limit and offset, and refuses bad filters", arguments: StoreKind.available)
    func listing(kind: StoreKind) async throws {
        let h = try await ServiceHarness.make(kind)
        defer { Task { await h.cleanup() } }
        try await h.application.test(.router) { client in
            for i in 0..<5 {
                let bytes = i < 2 ? PickleAssembler.callPickle("os", "system", ["echo \(i)"]) : PickleAssembler.benignPickle() + [UInt8(i)]
                try await client.execute(uri: "/api/v1/scans", method: .post, headers: ServiceHarness.upload(h.submitter, name: "m\(i).pkl"),
                                         body: ByteBuffer(bytes: bytes)) { #expect($0.status == .accepted) }
            }
            await h.drain()
            func count(_ query: String) async throws -> (Int, Any?) {
                try await client.execute(uri: "/api/v1/scans?\(query)", method: .get, headers: ServiceHarness.bearer(h.reviewer)) { response in
                    #expect(response.status == .ok, "\(query)")
                    let body = ServiceHarness.json(response.body)
                    return ((body["scans"] as? [Any])?.count ?? -1, body["next_offset"])
                }
            }
            #expect(try await count("status=done").0 == 5)
            #expect(try await count("verdict=danger").0 == 2)
            #expect(try await count("name=m4").0 == 1)
            let (first, next) = try await count("limit=2")
            #expect(first == 2 && next as? Int == 2)
            #expect(try await count("limit=2&offset=4").0 == 1)
            for bad in ["status=finished", "verdict=evil", "limit=0", "limit=501", "offset=-1", "limit=abc"] {
                try await client.execute(uri: "/api/v1/scans?\(bad)", method: .get, headers: ServiceHarness.bearer(h.reviewer)) { #expect($0.status == .badRequest, "\(bad)") }
            }
        }
    }

    @Test("the OpenAPI document, /healthz, and /metrics behind a reviewer's token", arguments: StoreKind.available)
    func documentAndMetrics(kind: StoreKind) async throws {
        let h = try await ServiceHarness.make(kind)
        defer { Task { await h.cleanup() } }
        try await h.application.test(.router) { client in
            try await client.execute(uri: "/api/openapi.json", method: .get) { response in
                #expect(response.status == .ok)
                let document = ServiceHarness.json(response.body)
                #expect(document["openapi"] as? String == "3.1.0")
                let paths = try #require(document["paths"] as? [String: Any])
                #expect(["/api/v1/scans", "/api/v1/scans/{id}", "/api/v1/scans/{id}/report"].allSatisfy { paths[$0] != nil })
            }
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/metrics", method: .get) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/metrics", method: .get, headers: ServiceHarness.bearer(h.submitter)) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/metrics", method: .get, headers: ServiceHarness.bearer(h.reviewer)) { response in
                let text = String(buffer: response.body)
                #expect(response.status == .ok && text.contains("modelvet_jobs{status=\"queued\"} 0") && text.contains("modelvet_http_requests_total"), "\(text)")
            }
        }
    }

    @Test("web UI: sign-in sets an HttpOnly SameSite=Strict cookie; pages escape names; cross-origin posts are refused; tokens page for admins only",
          arguments: StoreKind.available)
    func webUI(kind: StoreKind) async throws {
        let h = try await ServiceHarness.make(kind)
        defer { Task { await h.cleanup() } }
        let origin: HTTPFields = [.origin: "http://localhost"]  // the router test client's requests are for localhost
        @Sendable func form(_ body: String, _ more: HTTPFields = [:]) -> HTTPFields {
            var fields = origin
            fields[.contentType] = "application/x-www-form-urlencoded"
            for field in more { fields[field.name] = field.value }
            return fields
        }
        try await h.application.test(.router) { client in
            try await client.execute(uri: "/ui/scans", method: .get) { response in
                #expect(response.status == .seeOther && response.headers[.location] == "/ui/login")
            }
            try await client.execute(uri: "/ui/login", method: .get) { response in
                #expect(response.status == .ok && response.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
            }
            try await client.execute(uri: "/ui/login", method: .post, headers: form(""), body: ByteBuffer(string: "token=mvt_wrong")) { response in
                #expect(response.status == .unauthorized && String(buffer: response.body).contains("not valid"))
            }
            let cookie = try await client.execute(uri: "/ui/login", method: .post, headers: form(""),
                                                  body: ByteBuffer(string: "token=\(h.submitter)")) { response in
                #expect(response.status == .seeOther && response.headers[.location] == "/ui/scans")
                let setCookie = try #require(response.headers[.setCookie])
                #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"), "\(setCookie)")
                return String(setCookie.split(separator: ";")[0])
            }
            try await client.execute(uri: "/api/v1/scans", method: .post, headers: ServiceHarness.upload(h.submitter, name: "<img src=x onerror=alert(1)>.pkl"),
                                     body: ByteBuffer(bytes: PickleAssembler.benignPickle())) { #expect($0.status == .accepted) }
            // A '<' or '"' joined into one grapheme cluster with a neighbour (a prepended letter, a combining
            // mark) is escaped too; the name arrives percent-encoded, as the UI's script sends it.
            let clustered = "x\u{0D4E}<meta http-equiv=refresh content=0;url=https:\u{200C}evil.example \u{0D4E}>\"\u{301}.pkl"
            try await client.execute(uri: "/api/v1/scans", method: .post,
                                     headers: ServiceHarness.upload(h.submitter, name: clustered.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""),
                                     body: ByteBuffer(bytes: PickleAssembler.benignPickle() + [9])) { #expect($0.status == .accepted) }
            try await client.execute(uri: "/ui/scans", method: .get, headers: [.cookie: cookie]) { response in
                let page = String(buffer: response.body)
                #expect(response.status == .ok && page.contains("&lt;img src") && !page.contains("<img src=x"))
                #expect(!page.contains("<meta http-equiv=refresh") && page.contains("&lt;meta http-equiv=refresh"), "\(page.suffix(1500))")
                #expect(!page.contains("\"\u{301}") && page.contains("&quot;\u{301}"), "a quote joined to a combining mark is escaped")
            }
            // A cookie alone does not reach the API; another origin cannot post with it.
            try await client.execute(uri: "/api/v1/scans", method: .get, headers: [.cookie: cookie]) { #expect($0.status == .unauthorized) }
            var evil = form("", [.cookie: cookie])
            evil[.origin] = "http://evil.example"
            try await client.execute(uri: "/ui/scans/path", method: .post, headers: evil, body: ByteBuffer(string: "path=\(h.root)")) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/ui/scans", method: .post, headers: [.cookie: cookie, .contentType: "application/octet-stream"],
                                     body: ByteBuffer(string: "x")) { #expect($0.status == .forbidden, "no Origin and no Sec-Fetch-Site") }
            try await client.execute(uri: "/ui/tokens", method: .get, headers: [.cookie: cookie]) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/ui/login", method: .post, headers: form(""), body: ByteBuffer(string: "token=\(h.admin)")) { response in
                let adminCookie = String(try #require(response.headers[.setCookie]).split(separator: ";")[0])
                try await client.execute(uri: "/ui/tokens", method: .get, headers: [.cookie: adminCookie]) { tokens in
                    #expect(tokens.status == .ok && String(buffer: tokens.body).contains("submitter"))
                }
                try await client.execute(uri: "/ui/tokens", method: .post, headers: form("", [.cookie: adminCookie]), body: ByteBuffer(string: "role=reviewer")) { created in
                    #expect(created.status == .ok && String(buffer: created.body).contains("id=\"new-secret\""))
                }
            }
        }
    }
}
