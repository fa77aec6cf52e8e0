import Crypto
import Foundation
import VetBytes
import GRDB

/// What a token may do. Each role includes the ones before it.
public enum Role: String, Sendable, Codable, CaseIterable, Comparable {
    /// Submit models and read their own and others' results.
    case submitter
    /// Also list every scan and read every report.
    case reviewer
    /// Also delete scans and manage tokens.
    case admin

    var rank: Int { switch self { case .submitter: 0; case .reviewer: 1; case .admin: 2 } }
    public static func < (a: Role, b: Role) -> Bool { a.rank < b.rank }
}

/// An API token as stored: only the SHA-256 of its secret is kept, so a copy of the database does not
/// give anyone access.
public struct APIToken: Sendable, Equatable, Codable {
    public var id: String
    public var role: Role
    public var created: Date
    public var revoked: Date?
}

extension APIToken {
    /// A new secret: `mvt_` and 32 bytes from the system's random source, in hex.
    static func newSecret() -> String {
        var random = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }
        return "mvt_" + Hex.encode(bytes)
    }
}

extension SQLiteJobStore {
    public func createToken(role: Role, now: Date) async throws -> (token: APIToken, secret: String) {
        let secret = APIToken.newSecret()
        let token = APIToken(id: UUID().uuidString.lowercased(), role: role, created: now, revoked: nil)
        try await write { db in
            try db.execute(sql: "INSERT INTO tokens (id, role, secret_sha256, created) VALUES (?, ?, ?, ?)",
                           arguments: [token.id, role.rawValue, ServiceDigest.sha256Hex(secret), now.timeIntervalSince1970])
        }
        return (token, secret)
    }

    public func token(secret: String) async throws -> APIToken? {
        try await read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT id, role, created, revoked FROM tokens WHERE secret_sha256 = ? AND revoked IS NULL",
                                             arguments: [ServiceDigest.sha256Hex(secret)]) else { return nil }
            let role: String = row["role"]
            guard let parsed = Role(rawValue: role) else { throw JobStoreError("a token row has the unknown role '\(role)'") }
            return APIToken(id: row["id"], role: parsed, created: Date(timeIntervalSince1970: row["created"]), revoked: nil)
        }
    }

    public func revokeToken(id: String, now: Date) async throws -> Bool {
        try await write { db in
            try db.execute(sql: "UPDATE tokens SET revoked = ? WHERE id = ? AND revoked IS NULL", arguments: [now.timeIntervalSince1970, id])
            return db.changesCount == 1
        }
    }

    public func tokens() async throws -> [APIToken] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT id, role, created, revoked FROM tokens ORDER BY created, id").map { row in
                let role: String = row["role"]
                guard let parsed = Role(rawValue: role) else { throw JobStoreError("a token row has the unknown role '\(role)'") }
                return APIToken(id: row["id"], role: parsed, created: Date(timeIntervalSince1970: row["created"]),
                                revoked: (row["revoked"] as Double?).map { Date(timeIntervalSince1970: $0) })
            }
        }
    }
}
