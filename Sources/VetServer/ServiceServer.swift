import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import VetService

/// What an operator sets on `modelvet serve`.
public struct ServerSettings: Sendable {
    /// Where uploads are stored (`objects/…`).
    public var dataRoot: String
    /// The server-side folders a `{"path": …}` submission may name.
    public var paths: PathPolicy
    /// The largest upload accepted, in bytes (413 above it).
    public var uploadLimit: Int
    /// Requests a minute per token (429 above it).
    public var requestsPerMinute: Int
    /// Whether `/metrics` is served without a token (for a Prometheus on a private network).
    public var publicMetrics: Bool
    /// Attempts a job gets before it is failed.
    public var maxAttempts: Int

    public init(dataRoot: String, paths: PathPolicy, uploadLimit: Int = 8 << 30, requestsPerMinute: Int = 600, publicMetrics: Bool = false,
                maxAttempts: Int = 3) {
        self.dataRoot = dataRoot; self.paths = paths; self.uploadLimit = uploadLimit; self.requestsPerMinute = requestsPerMinute
        self.publicMetrics = publicMetrics; self.maxAttempts = maxAttempts
    }
}

/// The vetting service's HTTP side: the API under `/api/v1`, its OpenAPI document, the web UI under
/// `/ui`, `/metrics` and `/healthz`. Jobs are only queued here; workers (embedded or separate) run them.
public struct ServiceServer: Sendable {
    public let store: any JobStore
    public let content: ContentStore
    public let settings: ServerSettings
    public let metrics = ServiceMetrics()
    let limiter: RateLimiter
    let gate: TokenGate
    /// The content digest of a server-side folder or file (the model-signing manifest's root digest),
    /// computed by the caller's hasher; it runs on a thread of its own.
    let digest: @Sendable (String) throws -> String

    /// `limiter` replaces the rate limiter made from the settings (a test's, with a frozen clock).
    public init(store: any JobStore, settings: ServerSettings, limiter: RateLimiter? = nil, digest: @escaping @Sendable (String) throws -> String) throws {
        self.store = store
        self.settings = settings
        self.content = try ContentStore(root: settings.dataRoot)
        self.limiter = limiter ?? RateLimiter(perMinute: settings.requestsPerMinute)
        self.digest = digest
        self.gate = TokenGate(store: store, limiter: self.limiter, metrics: metrics)
    }

    /// The router with every route and middleware.
    public func router() -> Router<ServiceContext> {
        let router = Router(context: ServiceContext.self)
        router.add(middleware: ObserveMiddleware(metrics: metrics))
        router.get("healthz") { _, _ in "ok\n" }
        // Browsers ask for it on every page (the report pages too); no icon, and no 404 in their consoles.
        router.get("favicon.ico") { _, _ in Response(status: .noContent, headers: [.cacheControl: "max-age=86400"]) }
        router.get("api/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
        router.get("metrics") { request, context in try await self.metricsPage(request, context) }

        let api = router.group("api/v1").add(middleware: AuthMiddleware(gate: gate, acceptCookie: false))
        api.post("scans") { request, context in try await self.submit(request, context) }
        api.get("scans") { request, context in try await self.list(request, context) }
        api.get("scans/:id") { _, context in try JSONText.response(ScanView(try await self.visibleJob(context))) }
        api.get("scans/:id/report") { request, context in try await self.report(request, context) }
        api.delete("scans/:id") { _, context in try await self.delete(context) }
        api.get("tokens") { _, context in
            try context.require(.admin)
            return try JSONText.response(["tokens": try await store.tokens().map(TokenView.init)])
        }
        api.post("tokens") { request, context in try await self.createToken(request, context) }
        api.delete("tokens/:id") { _, context in
            let caller = try context.require(.admin)
            let id = try context.parameters.require("id")
            // Revoking the token in use could lock the last admin out; another admin (or `modelvet token revoke`) can.
            guard id != caller.id else { throw APIError(.conflict, "a token cannot revoke itself; use another admin token or modelvet token revoke") }
            guard try await store.revokeToken(id: id, now: Date()) else {
                throw APIError(.notFound, "no live token has this id")
            }
            return Response(status: .noContent)
        }
        WebUI(server: self).add(to: router)
        return router
    }

    /// The application listening on `host:port`; `onRunning` gets the bound port (useful with port 0).
    public func application(host: String, port: Int, logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void = { _ in })
        -> some ApplicationProtocol {
        Application(router: router(), configuration: .init(address: .hostname(host, port: port), serverName: "modelvet"),
                    onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) }, logger: logger)
    }

    // MARK: Scans

    /// `POST /api/v1/scans`: an upload (octet-stream, `X-Filename`, options in the query) or `{"path": …}`.
    func submit(_ request: Request, _ context: ServiceContext) async throws -> Response {
        let token = try context.require(.submitter)
        let type = request.headers[.contentType]?.lowercased() ?? ""
        let job: ScanJob
        if type.hasPrefix("application/json") {
            let body = try await request.decode(as: PathSubmission.self, context: context)
            job = try await submitPath(body.path, options: JobOptions(probe: body.probe, baseline: try body.baseline.map(confine)), token: token)
        } else if type.hasPrefix("application/octet-stream") {
            let query = request.uri.queryParameters
            let probe = try query.get("probe").map { value -> Bool in
                guard let flag = Bool(String(value)) else { throw APIError(.badRequest, "probe must be true or false") }
                return flag
            }
            let baseline = try query.get("baseline").map { try confine(String($0)) }
            let given = request.headers[.xFilename] ?? "upload"
            job = try await submitUpload(request, name: given.removingPercentEncoding ?? given, options: JobOptions(probe: probe, baseline: baseline),
                                         token: token)
        } else {
            throw APIError(.unsupportedMediaType, "send the model as application/octet-stream (name in X-Filename) or {\"path\": …} as application/json")
        }
        return try JSONText.response(ScanView(job), status: .accepted, headers: [.location: "/api/v1/scans/\(job.id)"])
    }

    struct PathSubmission: Decodable {
        var path: String
        var probe: Bool?
        var baseline: String?
    }

    /// A server-side path through the path policy, as an API error when refused.
    func confine(_ path: String) throws -> String {
        do { return try settings.paths.confine(path) } catch let error as PathPolicyError {
            throw APIError(HTTPResponse.Status(code: error.status), error.message)
        }
    }

    func submitPath(_ path: String, options: JobOptions, token: APIToken) async throws -> ScanJob {
        let resolved = try confine(path)
        let digest = self.digest
        let contentDigest: String
        do { contentDigest = try await Self.onThread { try digest(resolved) } } catch {
            throw APIError(.unprocessableContent, "cannot read \(path): \(error)")
        }
        let submission = Submission(input: resolved, name: SafeName.component(resolved), contentDigest: contentDigest,
                                    options: options.canonicalJSON, maxAttempts: settings.maxAttempts, submitter: token.id)
        let job = try await store.submit(submission, now: Date())
        metrics.submissions(cached: job.status == .done).increment()
        return job
    }

    func submitUpload(_ request: Request, name: String, options: JobOptions, token: APIToken) async throws -> ScanJob {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > settings.uploadLimit {
            throw APIError(.contentTooLarge, "the upload is \(length) bytes; this server takes at most \(settings.uploadLimit)")
        }
        let upload = try content.begin()
        do {
            for try await buffer in request.body {
                try upload.write(Data(buffer: buffer), limit: settings.uploadLimit)
            }
        } catch ContentStoreError.tooLarge(let limit) {
            upload.discard()
            throw APIError(.contentTooLarge, "the upload passed this server's limit of \(limit) bytes")
        } catch {
            upload.discard()
            throw error
        }
        guard upload.size > 0 else {
            upload.discard()
            throw APIError(.badRequest, "the upload is empty")
        }
        let stored = try upload.finish()
        metrics.uploadedBytes.increment(by: Int64(stored.size))
        let submission = Submission(input: stored.path, name: SafeName.component(name), contentDigest: stored.digest,
                                    options: options.canonicalJSON, maxAttempts: settings.maxAttempts, submitter: token.id)
        let job = try await store.submit(submission, now: Date())
        metrics.submissions(cached: job.status == .done).increment()
        return job
    }

    /// The job `:id`, if the caller may see it: submitters see their own, reviewers and admins every one.
    /// Another's job is answered as not found, so ids cannot be probed.
    func visibleJob(_ context: ServiceContext) async throws -> ScanJob {
        let token = try context.require(.submitter)
        let id = try context.parameters.require("id")
        guard let job = try await store.job(id: id), token.role >= .reviewer || job.submitter == token.id else {
            throw APIError(.notFound, "no scan has this id")
        }
        return job
    }

    func list(_ request: Request, _ context: ServiceContext) async throws -> Response {
        let token = try context.require(.submitter)
        let query = try jobQuery(request.uri.queryParameters, token: token)
        let jobs = try await store.list(query)
        return try JSONText.response(ScanList(scans: jobs.map(ScanView.init), limit: query.limit, offset: query.offset,
                                              nextOffset: jobs.count == query.limit ? query.offset + query.limit : nil))
    }

    /// The listing's filters from the query string, checked.
    func jobQuery(_ parameters: Parameters, token: APIToken) throws -> JobQuery {
        var query = JobQuery()
        if let status = parameters.get("status") {
            guard let parsed = ScanJob.Status(rawValue: String(status)) else {
                throw APIError(.badRequest, "status must be one of queued, running, done, failed")
            }
            query.status = parsed
        }
        if let verdict = parameters.get("verdict") {
            guard ["ok", "info", "warning", "danger"].contains(String(verdict)) else { throw APIError(.badRequest, "verdict must be one of ok, info, warning, danger") }
            query.verdict = String(verdict)
        }
        if let name = parameters.get("name"), !name.isEmpty { query.name = String(name.prefix(200)) }
        if let limit = parameters.get("limit") {
            guard let value = Int(String(limit)), (1...500).contains(value) else { throw APIError(.badRequest, "limit must be 1 to 500") }
            query.limit = value
        }
        if let offset = parameters.get("offset") {
            guard let value = Int(String(offset)), value >= 0 else { throw APIError(.badRequest, "offset must be a whole number from 0 (to 2^63-1)") }
            query.offset = value
        }
        // Submitters list their own scans; `mine=true` narrows a reviewer's listing the same way.
        var mine = false
        if let value = parameters.get("mine") {
            guard let flag = Bool(String(value)) else { throw APIError(.badRequest, "mine must be true or false") }
            mine = flag
        }
        if token.role < .reviewer || mine { query.submitter = token.id }
        return query
    }

    func report(_ request: Request, _ context: ServiceContext) async throws -> Response {
        let job = try await visibleJob(context)
        let format = request.uri.queryParameters.get("format").map { String($0) } ?? "json"
        guard ["json", "sarif", "html"].contains(format) else { throw APIError(.badRequest, "format must be json, sarif or html") }
        guard job.status == .done else {
            throw APIError(.conflict, job.status == .failed ? "the scan failed: \(job.error ?? "no reason recorded")" : "the scan is \(job.status.rawValue); its report is not ready")
        }
        guard let reports = try await store.reports(contentKey: job.contentKey) else { throw APIError(.notFound, "the scan's report is missing") }
        switch format {
        case "sarif":
            return Response(status: .ok, headers: [.contentType: "application/sarif+json"], body: .init(byteBuffer: ByteBuffer(string: reports.sarif)))
        case "html":
            return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .contentSecurityPolicy: WebUI.reportPolicy],
                            body: .init(byteBuffer: ByteBuffer(string: reports.html)))
        default:
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: reports.json)))
        }
    }

    func delete(_ context: ServiceContext) async throws -> Response {
        try context.require(.admin)
        guard try await store.delete(id: try context.parameters.require("id")) else { throw APIError(.notFound, "no scan has this id") }
        return Response(status: .noContent)
    }

    func createToken(_ request: Request, _ context: ServiceContext) async throws -> Response {
        try context.require(.admin)
        struct Body: Decodable { var role: String }
        let body = try await request.decode(as: Body.self, context: context)
        guard let role = Role(rawValue: body.role) else { throw APIError(.badRequest, "role must be submitter, reviewer or admin") }
        let created = try await store.createToken(role: role, now: Date())
        var view = TokenView(created.token)
        view.secret = created.secret
        return try JSONText.response(view, status: .created)
    }

    func metricsPage(_ request: Request, _ context: ServiceContext) async throws -> Response {
        if !settings.publicMetrics {
            // The same check as the API's: a reviewer's token.
            var context = context
            guard let secret = try gate.bearer(request), let token = try await gate.token(secret, peer: context.peer) else {
                if request.headers[.authorization] == nil { metrics.authFailures.increment() }
                throw APIError(.unauthorized, "/metrics needs a reviewer's token (or the server's --public-metrics)", headers: [.wwwAuthenticate: "Bearer"])
            }
            context.token = token
            try context.require(.reviewer)
        }
        let counts = try await store.counts()
        for status in ScanJob.Status.allCases { metrics.jobs(status: status).set(Double(counts[status] ?? 0)) }
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: metrics.registry.emitToBuffer())))
    }

    /// Blocking work (hashing a submitted folder), off Swift's cooperative pool, two at a time: a burst of
    /// path submissions queues here instead of starting a thread each.
    static let hashing: OperationQueue = {
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 2
        queue.name = "modelvet.serve.hashing"
        return queue
    }()

    static func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            hashing.addOperation { continuation.resume(with: Result { try body() }) }
        }
    }
}

/// A scan as the API shows it.
struct ScanView: Encodable {
    var id: String
    var status: String
    var name: String
    var verdict: String?
    var summary: String?
    var error: String?
    var attempts: Int
    var created: Date
    var started: Date?
    var finished: Date?
    var options: JobOptions?

    init(_ job: ScanJob) {
        id = job.id; status = job.status.rawValue; name = job.name; verdict = job.verdict; summary = job.summary; error = job.error
        attempts = job.attempts; created = job.created; started = job.started; finished = job.finished
        options = try? JobOptions(json: job.options)  // options the service wrote itself; shown when readable
    }

    func encode(to encoder: Encoder) throws {
        // Every key is always present (null when unknown), as the OpenAPI document says.
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id); try container.encode(status, forKey: .status); try container.encode(name, forKey: .name)
        try container.encode(verdict, forKey: .verdict); try container.encode(summary, forKey: .summary); try container.encode(error, forKey: .error)
        try container.encode(attempts, forKey: .attempts); try container.encode(created, forKey: .created)
        try container.encode(started, forKey: .started); try container.encode(finished, forKey: .finished)
        try container.encode(options ?? JobOptions(), forKey: .options)
    }

    enum CodingKeys: String, CodingKey { case id, status, name, verdict, summary, error, attempts, created, started, finished, options }
}

struct ScanList: Encodable {
    var scans: [ScanView]
    var limit: Int
    var offset: Int
    var nextOffset: Int?

    enum CodingKeys: String, CodingKey { case scans, limit, offset, nextOffset = "next_offset" }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(scans, forKey: .scans); try container.encode(limit, forKey: .limit); try container.encode(offset, forKey: .offset)
        try container.encode(nextOffset, forKey: .nextOffset)
    }
}

struct TokenView: Encodable {
    var id: String
    var role: String
    var created: Date
    var revoked: Date?
    var secret: String?

    init(_ token: APIToken) { id = token.id; role = token.role.rawValue; created = token.created; revoked = token.revoked }
}
