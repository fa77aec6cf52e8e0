import Crypto
import Foundation
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
public struct APIToken: Sendable, Equatable {
    public var id: String
    public var role: Role
    public var created: Date
    public var revoked: Date?
}

extension SQLiteJobStore {
    /// Creates a token with `role`; returns it and the secret to give its holder (shown once, never stored).
    public func createToken(role: Role, now: Date) throws -> (token: APIToken, secret: String) {
        var random = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }
        let secret = "mvt_" + ServiceDigest.hex(bytes)
        let token = APIToken(id: UUID().uuidString.lowercased(), role: role, created: now, revoked: nil)
        try write { db in
            try db.execute(sql: "INSERT INTO tokens (id, role, secret_sha256, created) VALUES (?, ?, ?, ?)",
                           arguments: [token.id, role.rawValue, ServiceDigest.sha256Hex(secret), now.timeIntervalSince1970])
        }
        return (token, secret)
    }

    /// The live token whose secret is `secret`, or nil (unknown or revoked).
    public func token(secret: String) throws -> APIToken? {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT id, role, created, revoked FROM tokens WHERE secret_sha256 = ? AND revoked IS NULL",
                                             arguments: [ServiceDigest.sha256Hex(secret)]) else { return nil }
            let role: String = row["role"]
            guard let parsed = Role(rawValue: role) else { throw JobStoreError("a token row has the unknown role '\(role)'") }
            return APIToken(id: row["id"], role: parsed, created: Date(timeIntervalSince1970: row["created"]), revoked: nil)
        }
    }

    /// Revokes the token `id`; false when there is no such live token.
    public func revokeToken(id: String, now: Date) throws -> Bool {
        try write { db in
            try db.execute(sql: "UPDATE tokens SET revoked = ? WHERE id = ? AND revoked IS NULL", arguments: [now.timeIntervalSince1970, id])
            return db.changesCount == 1
        }
    }
}
