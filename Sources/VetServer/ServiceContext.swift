import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import VetService

/// The request context of the service: who is asking (the token, once authenticated) and from where.
public struct ServiceContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The authenticated token; nil before authentication and on public routes.
    public var token: APIToken?
    /// How the caller authenticated: a Bearer header (API) or the UI's cookie.
    public var viaCookie = false
    /// The peer's address, for rate-limiting failed authentication.
    public var peer: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        peer = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// JSON bodies are small; uploads are streamed to disk and limited separately (`--max-upload`).
    public var maxUploadSize: Int { 1 << 20 }

    /// The token, if its role is at least `role`: else 401 (no token) or 403 (too weak a role).
    @discardableResult
    public func require(_ role: Role) throws -> APIToken {
        guard let token else { throw APIError(.unauthorized, "a token is required: send Authorization: Bearer TOKEN") }
        guard token.role >= role else {
            throw APIError(.forbidden, "this needs the \(role.rawValue) role; the token has \(token.role.rawValue)")
        }
        return token
    }
}

/// An error answered as `{"error": MESSAGE}` with its HTTP status (and any extra headers).
public struct APIError: Error, HTTPResponseError, CustomStringConvertible {
    public let status: HTTPResponse.Status
    public let message: String
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.message = message
        self.headers = headers
    }

    public var description: String { "\(status.code) \(message)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: JSONText.object(["error": message]))))
    }
}

/// Small JSON writing helpers (sorted keys, slashes unescaped).
enum JSONText {
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func object(_ fields: [String: String]) -> String {
        // A dictionary of strings always encodes; the fallback only satisfies the type checker.
        (try? encode(fields)) ?? "{}"
    }

    static func response<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: try encode(value))))
    }
}

extension HTTPField.Name {
    static let referrerPolicy = Self("Referrer-Policy")!
    static let xFrameOptions = Self("X-Frame-Options")!
    /// The uploaded file's name (`POST /api/v1/scans` with an octet-stream body).
    static let xFilename = Self("X-Filename")!
    /// Sent by the web UI's script with its uploads; a cross-site form cannot set it.
    static let xModelVetUI = Self("X-ModelVet-UI")!
}
