import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Prometheus
import VetService

/// Request counts per token (or, before authentication, per peer address) in a token bucket:
/// `perMinute` requests a minute, in bursts of up to `perMinute`.
public final class RateLimiter: @unchecked Sendable {
    let perMinute: Double
    private let lock = NSLock()
    private var buckets: [String: (tokens: Double, updated: TimeInterval)] = [:]

    let clock: @Sendable () -> TimeInterval

    /// `clock` gives seconds on a monotonic scale (the system's uptime; a test freezes it).
    public init(perMinute: Int, clock: @escaping @Sendable () -> TimeInterval = { ProcessInfo.processInfo.systemUptime }) {
        self.perMinute = Double(perMinute)
        self.clock = clock
    }

    /// How many keys are tracked (for tests of the memory bound).
    var keys: Int { lock.lock(); defer { lock.unlock() }; return buckets.count }

    /// Bounds the memory of many peers: drops the buckets idle for a minute (they are full again), and if
    /// that is not enough (a flood from many addresses), the older half, so the next prune is 50,000
    /// requests away. A dropped bucket starts full, which forgets at most a minute of one key's history.
    private func prune(now: TimeInterval) {
        buckets = buckets.filter { now - $0.value.updated < 60 }
        if buckets.count > 50_000 {
            let newest = buckets.sorted { $0.value.updated > $1.value.updated }.prefix(50_000)
            buckets = Dictionary(uniqueKeysWithValues: newest.map { ($0.key, $0.value) })
        }
    }

    /// Takes one request from `key`'s bucket; nil when allowed, else the seconds until one is available.
    public func take(_ key: String, now given: TimeInterval? = nil) -> Int? {
        let now = given ?? clock()
        lock.lock()
        defer { lock.unlock() }
        if buckets.count > 100_000 { prune(now: now) }
        var bucket = buckets[key] ?? (perMinute, now)
        bucket.tokens = min(perMinute, bucket.tokens + (now - bucket.updated) * perMinute / 60)
        bucket.updated = now
        defer { buckets[key] = bucket }
        guard bucket.tokens >= 1 else { return max(1, Int(((1 - bucket.tokens) * 60 / perMinute).rounded(.up))) }
        bucket.tokens -= 1
        return nil
    }
}

/// The Prometheus metrics of the service, in a registry of its own (nothing global, so tests can run
/// several services in one process).
public final class ServiceMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()

    func requests(method: String, route: String, status: Int) -> Counter {
        registry.makeCounter(descriptor: .init(namespace: "modelvet", metricName: "http_requests", unitName: "total",
                                               helpText: "HTTP requests by method, route and status."),
                             labels: [("method", method), ("route", route), ("status", String(status))])
    }

    func duration(route: String) -> DurationHistogram {
        registry.makeDurationHistogram(descriptor: .init(namespace: "modelvet", metricName: "http_request_duration", unitName: "seconds",
                                                         helpText: "Time to answer HTTP requests, by route."),
                                       labels: [("route", route)],
                                       buckets: [.milliseconds(1), .milliseconds(5), .milliseconds(20), .milliseconds(100), .milliseconds(500),
                                                 .seconds(2), .seconds(10), .seconds(60)])
    }

    func submissions(cached: Bool) -> Counter {
        registry.makeCounter(descriptor: .init(namespace: "modelvet", metricName: "scans_submitted", unitName: "total",
                                               helpText: "Scans submitted, by whether a cached result answered them."),
                             labels: [("cached", cached ? "true" : "false")])
    }

    var uploadedBytes: Counter {
        registry.makeCounter(descriptor: .init(namespace: "modelvet", metricName: "uploaded", unitName: "bytes_total",
                                               helpText: "Bytes of model uploads stored."))
    }

    var authFailures: Counter {
        registry.makeCounter(descriptor: .init(namespace: "modelvet", metricName: "auth_failures", unitName: "total",
                                               helpText: "Requests refused for a missing or wrong token."))
    }

    var rateLimited: Counter {
        registry.makeCounter(descriptor: .init(namespace: "modelvet", metricName: "rate_limited", unitName: "total",
                                               helpText: "Requests refused with 429."))
    }

    func jobs(status: ScanJob.Status) -> Gauge {
        registry.makeGauge(descriptor: .init(namespace: "modelvet", metricName: "jobs", unitName: "",
                                             helpText: "Jobs in the database by status (all workers, read when scraped)."),
                           labels: [("status", status.rawValue)])
    }

    public init() {}
}

/// Every response: security headers, an access log line (JSON through swift-log), and the metrics.
struct ObserveMiddleware: RouterMiddleware {
    typealias Context = ServiceContext
    let metrics: ServiceMetrics

    func handle(_ request: Request, context: ServiceContext, next: (Request, ServiceContext) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        var response: Response
        do { response = try await next(request, context) } catch {
            response = try Self.errorResponse(error, request: request, context: context)
        }
        let elapsed = ContinuousClock.now - started
        let nanoseconds = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
        let route = context.endpointPath ?? "unmatched"
        metrics.requests(method: request.method.rawValue, route: route, status: response.status.code).increment()
        metrics.duration(route: route).recordNanoseconds(nanoseconds)
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.referrerPolicy] = "no-referrer"
        response.headers[.xFrameOptions] = response.headers[.xFrameOptions] ?? "DENY"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        context.logger.info("request", metadata: [
            "method": .string(request.method.rawValue), "path": .string(request.uri.path), "route": .string(route),
            "status": .stringConvertible(response.status.code), "ms": .stringConvertible(Double(nanoseconds / 1000) / 1000),
            "token": .string(context.token?.id ?? "-"), "peer": .string(context.peer),
        ])
        return response
    }

    /// Errors thrown by handlers, as JSON; anything unexpected is a 500 whose detail goes to the log only.
    static func errorResponse(_ error: Error, request: Request, context: ServiceContext) throws -> Response {
        switch error {
        case let error as APIError: return try error.response(from: request, context: context)
        case let error as UIRedirect: return try error.response(from: request, context: context)
        case let error as HTTPError:
            // Hummingbird's own (an unknown route, a malformed body, …): the same JSON shape as ours.
            return try APIError(error.status, error.body ?? error.status.reasonPhrase, headers: error.headers).response(from: request, context: context)
        case let error as HTTPResponseError:
            // NIO's and others' (a JSON body over its limit is 413): the same shape, with the status's meaning.
            let message = error.status == .contentTooLarge ? "the request body is larger than this endpoint takes" : error.status.reasonPhrase
            return try APIError(error.status, message).response(from: request, context: context)
        default:
            context.logger.error("internal error", metadata: ["error": .string("\(error)"), "path": .string(request.uri.path)])
            return try APIError(.internalServerError, "internal error (logged on the server)").response(from: request, context: context)
        }
    }
}

/// Token checks shared by the API's middleware, `/metrics` and the UI's sign-in: reading the Bearer
/// header, and looking a secret up, where every miss is counted and limited per peer address.
struct TokenGate: Sendable {
    let store: any JobStore
    let limiter: RateLimiter
    let metrics: ServiceMetrics

    /// The secret of `Authorization: Bearer SECRET`; nil without the header, 401 when it is another scheme.
    func bearer(_ request: Request) throws -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            metrics.authFailures.increment()
            throw APIError(.unauthorized, "the Authorization header must be 'Bearer TOKEN'", headers: [.wwwAuthenticate: "Bearer"])
        }
        return String(parts[1]).trimmingCharacters(in: .whitespaces)
    }

    /// The live token with this secret; nil (counted) when there is none, 429 when `peer` has failed too often.
    func token(_ secret: String, peer: String) async throws -> APIToken? {
        if secret.count <= 200, let token = try await store.token(secret: secret) { return token }
        metrics.authFailures.increment()
        if let wait = limiter.take("peer:" + peer) {
            metrics.rateLimited.increment()
            throw APIError(.tooManyRequests, "too many failed attempts; retry in \(wait) s", headers: [.retryAfter: String(wait)])
        }
        return nil
    }
}

/// Authenticates `Authorization: Bearer TOKEN` (or, for the web UI, its cookie) and applies the rate
/// limit: per token once authenticated, per peer address for failed attempts.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = ServiceContext
    let gate: TokenGate
    /// Whether the UI's cookie is accepted (the UI's routes) or only the header (the API).
    let acceptCookie: Bool

    static let cookieName = "modelvet_token"

    func handle(_ request: Request, context: ServiceContext, next: (Request, ServiceContext) async throws -> Response) async throws -> Response {
        var context = context
        var secret = try gate.bearer(request)
        if secret == nil, acceptCookie, let cookie = request.cookies[Self.cookieName]?.value, !cookie.isEmpty {
            secret = cookie
            context.viaCookie = true
        }
        guard let secret else {
            gate.metrics.authFailures.increment()
            if acceptCookie { throw UIRedirect(to: "/ui/login") }
            throw APIError(.unauthorized, "a token is required: send Authorization: Bearer TOKEN", headers: [.wwwAuthenticate: "Bearer"])
        }
        guard let token = try await gate.token(secret, peer: context.peer) else {
            if acceptCookie && context.viaCookie { throw UIRedirect(to: "/ui/login") }
            throw APIError(.unauthorized, "the token is not valid (unknown or revoked)", headers: [.wwwAuthenticate: "Bearer error=\"invalid_token\""])
        }
        if let wait = gate.limiter.take("token:" + token.id) {
            gate.metrics.rateLimited.increment()
            throw APIError(.tooManyRequests, "this token's rate limit is reached; retry in \(wait) s", headers: [.retryAfter: String(wait)])
        }
        context.token = token
        context.logger[metadataKey: "token"] = .string(token.id)
        return try await next(request, context)
    }
}

/// A redirect thrown by the UI's middleware (to the login page).
struct UIRedirect: Error, HTTPResponseError {
    let to: String
    var status: HTTPResponse.Status { .seeOther }
    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: .seeOther, headers: [.location: to])
    }
}
