import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore
import VetReports
import VetService

/// The web UI: server-rendered pages under `/ui`, styled with the HTML report's own stylesheet, with
/// escaped Mustache tags only. A browser signs in by pasting a token, which is kept in an HttpOnly,
/// SameSite=Strict cookie; every state-changing request must also come from the UI's own origin
/// (`Origin` or `Sec-Fetch-Site`), so another site cannot submit or delete on a signed-in user's behalf.
/// The one script, `/ui/app.js`, only sends a chosen file as the upload body.
struct WebUI {
    let server: ServiceServer

    /// The report pages' policy: inline styles, data images, nothing else.
    static let reportPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    /// The UI pages' policy: the UI's own script and forms to itself.
    static let pagePolicy = "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    func add(to router: Router<ServiceContext>) {
        router.get("/") { _, _ in Response(status: .seeOther, headers: [.location: "/ui/scans"]) }
        router.get("ui") { _, _ in Response(status: .seeOther, headers: [.location: "/ui/scans"]) }
        router.get("ui/app.js") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "no-cache"],
                     body: .init(byteBuffer: ByteBuffer(string: UITemplates.script)))
        }
        router.get("ui/login") { _, _ in try page("login", Login(message: nil)) }
        router.post("ui/login") { request, context in try await login(request, context) }
        router.post("ui/logout") { request, _ in
            try Self.sameOrigin(request)
            var response = Response(status: .seeOther, headers: [.location: "/ui/login"])
            response.setCookie(Cookie(name: AuthMiddleware.cookieName, value: "", maxAge: 0, path: "/", httpOnly: true, sameSite: .strict))
            return response
        }

        let ui = router.group("ui").add(middleware: AuthMiddleware(gate: server.gate, acceptCookie: true))
        ui.get("scans") { request, context in try await scans(request, context) }
        ui.post("scans") { request, context in
            // The upload from app.js: the same checks and storage as the API's.
            try Self.sameOrigin(request)
            guard request.headers[.xModelVetUI] == "1" else { throw APIError(.forbidden, "uploads come from the UI's own page") }
            let token = try context.require(.submitter)
            let name = (request.headers[.xFilename] ?? "upload").removingPercentEncoding ?? "upload"
            let job = try await server.submitUpload(request, name: name, options: JobOptions(probe: request.uri.queryParameters.get("probe") == "true"),
                                                    token: token)
            return try JSONText.response(["id": job.id], status: .accepted)
        }
        ui.post("scans/path") { request, context in
            try Self.sameOrigin(request)
            let token = try context.require(.submitter)
            struct Form: Decodable { var path: String; var probe: String? }
            let form = try await request.decode(as: Form.self, context: URLFormContext(context))
            let job = try await server.submitPath(form.path, options: JobOptions(probe: form.probe == "on" ? true : nil), token: token)
            return Response(status: .seeOther, headers: [.location: "/ui/scans/\(job.id)"])
        }
        ui.get("scans/:id") { _, context in
            let job = try await server.visibleJob(context)
            return try page("scan", ScanPage(job, role: context.token?.role))
        }
        ui.get("scans/:id/report") { request, context in try await server.report(request, context) }
        ui.post("scans/:id/delete") { request, context in
            try Self.sameOrigin(request)
            _ = try await server.delete(context)
            return Response(status: .seeOther, headers: [.location: "/ui/scans"])
        }
        ui.get("tokens") { _, context in
            try context.require(.admin)
            return try page("tokens", TokensPage(tokens: try await server.store.tokens().map(TokenRow.init), secret: nil, role: nil))
        }
        ui.post("tokens") { request, context in
            try Self.sameOrigin(request)
            try context.require(.admin)
            struct Form: Decodable { var role: String }
            let form = try await request.decode(as: Form.self, context: URLFormContext(context))
            guard let role = Role(rawValue: form.role) else { throw APIError(.badRequest, "role must be submitter, reviewer or admin") }
            let created = try await server.store.createToken(role: role, now: Date())
            return try page("tokens", TokensPage(tokens: try await server.store.tokens().map(TokenRow.init), secret: created.secret, role: role.rawValue))
        }
        ui.post("tokens/:id/revoke") { request, context in
            try Self.sameOrigin(request)
            let caller = try context.require(.admin)
            let id = try context.parameters.require("id")
            guard id != caller.id else { throw APIError(.conflict, "a token cannot revoke itself; use another admin token") }
            _ = try await server.store.revokeToken(id: id, now: Date())
            return Response(status: .seeOther, headers: [.location: "/ui/tokens"])
        }
    }

    /// A state-changing request must come from this server's own pages: its `Origin` names this host, or
    /// (without one) the browser marks it same-origin. Anything else is refused (403).
    static func sameOrigin(_ request: Request) throws {
        // A page whose referrer policy is no-referrer (these pages) sends `Origin: null` on form posts; the
        // browser's Sec-Fetch-Site then says where the request came from.
        if let origin = request.headers[.origin], origin != "null" {
            let host = request.head.authority ?? request.headers[.hostField] ?? ""
            guard let url = URLComponents(string: origin), let originHost = url.host, !host.isEmpty,
                  originHost + (url.port.map { ":\($0)" } ?? "") == host else {
                throw APIError(.forbidden, "cross-origin request refused")
            }
            return
        }
        guard request.headers[.secFetchSite] == "same-origin" else { throw APIError(.forbidden, "cross-origin request refused (no Origin)") }
    }

    func login(_ request: Request, _ context: ServiceContext) async throws -> Response {
        try Self.sameOrigin(request)
        struct Form: Decodable { var token: String }
        let form = try await request.decode(as: Form.self, context: URLFormContext(context))
        let secret = form.token.trimmingCharacters(in: .whitespacesAndNewlines)
        guard try await server.gate.token(secret, peer: context.peer) != nil else {
            var response = try page("login", Login(message: "That token is not valid (unknown or revoked)."))
            response.status = .unauthorized
            return response
        }
        var response = Response(status: .seeOther, headers: [.location: "/ui/scans"])
        let secure = request.headers[.init("X-Forwarded-Proto")!] == "https"
        response.setCookie(Cookie(name: AuthMiddleware.cookieName, value: secret, path: "/", secure: secure, httpOnly: true, sameSite: .strict))
        return response
    }

    func scans(_ request: Request, _ context: ServiceContext) async throws -> Response {
        let token = try context.require(.submitter)
        let query = try server.jobQuery(request.uri.queryParameters, token: token)
        let jobs = try await server.store.list(query)
        let status = query.status?.rawValue
        return try page("scans", ScansPage(
            scans: jobs.map { ScanRow($0) }, role: token.role.rawValue, isAdmin: token.role == .admin,
            statuses: ([nil] + ScanJob.Status.allCases.map(\.rawValue)).map { StatusLink(name: $0 ?? "all", href: $0.map { "/ui/scans?status=\($0)" } ?? "/ui/scans", current: $0 == status) },
            next: jobs.count == query.limit ? "/ui/scans?offset=\(query.offset + query.limit)" + (status.map { "&status=\($0)" } ?? "") : nil,
            allowsPaths: !server.settings.paths.roots.isEmpty, roots: server.settings.paths.roots.joined(separator: ", ")))
    }

    // MARK: Rendering

    func page<T>(_ name: String, _ values: T) throws -> Response {
        guard let html = UITemplates.library.render(values, withTemplate: name) else { throw APIError(.internalServerError, "the page \(name) is missing") }
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .contentSecurityPolicy: Self.pagePolicy],
                        body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    struct Login { var message: String? }

    struct ScansPage {
        var scans: [ScanRow]
        var role: String
        var isAdmin: Bool
        var statuses: [StatusLink]
        var next: String?
        var allowsPaths: Bool
        var roots: String
    }

    struct StatusLink { var name: String; var href: String; var current: Bool }

    struct ScanRow {
        var id: String, name: String, status: String, level: String, verdict: String, summary: String, created: String
        init(_ job: ScanJob) {
            id = job.id; name = job.name; status = job.status.rawValue
            level = job.verdict ?? (job.status == .failed ? "danger" : "info")
            verdict = job.verdict ?? job.status.rawValue
            summary = job.summary ?? job.error ?? ""
            created = job.created.formatted(.iso8601)
        }
    }

    struct ScanPage {
        var scan: ScanRow
        var done: Bool
        var pending: Bool
        var error: String?
        var attempts: Int
        var isAdmin: Bool
        init(_ job: ScanJob, role: Role?) {
            scan = ScanRow(job); done = job.status == .done; pending = job.status == .queued || job.status == .running
            error = job.error; attempts = job.attempts; isAdmin = role == .admin
        }
    }

    struct TokensPage { var tokens: [TokenRow]; var secret: String?; var role: String? }

    struct TokenRow {
        var id: String, role: String, created: String, revoked: String?
        init(_ token: APIToken) {
            id = token.id; role = token.role.rawValue; created = token.created.formatted(.iso8601)
            revoked = token.revoked.map { $0.formatted(.iso8601) }
        }
    }
}

/// Decodes `application/x-www-form-urlencoded` bodies (the UI's forms) instead of JSON.
struct URLFormContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    init(source: ApplicationRequestContextSource) { coreContext = .init(source: source) }
    init(_ context: ServiceContext) { coreContext = context.coreContext }
    var requestDecoder: URLEncodedFormDecoder { URLEncodedFormDecoder() }
    var maxUploadSize: Int { 64 << 10 }
}

extension HTTPField.Name {
    static let secFetchSite = Self("Sec-Fetch-Site")!
    /// HTTP/1.1's Host, when a client's request reaches the router without an authority.
    static let hostField = Self("Host")!
}
