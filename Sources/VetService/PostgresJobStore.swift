import Foundation
import Logging
import NIOSSL
import PostgresNIO

/// The job store in PostgreSQL, for many workers on many machines. A claim is one statement that picks
/// the oldest claimable job with `FOR UPDATE SKIP LOCKED` — concurrent claimers skip the rows another
/// has locked instead of waiting on them — and leases it; the rest is as in the SQLite store, whose
/// schema and semantics this one shares (times are seconds since 1970 in both).
public final class PostgresJobStore: JobStore, @unchecked Sendable {
    let client: PostgresClient
    let runner: Task<Void, Never>
    let logger: Logger
    let schema: String?

    /// The parts of a `postgres://USER:PASSWORD@HOST:PORT/DATABASE?schema=S&sslmode=disable|prefer|require` URL.
    public struct Location: Sendable, Equatable {
        public var host: String
        public var port: Int
        public var user: String
        public var password: String?
        public var database: String
        /// A PostgreSQL schema to keep the tables in (created if missing); the server's default when nil.
        public var schema: String?
        public var sslMode: String

        /// The URL with its password replaced by `***`, for messages.
        public static func redacted(_ url: String) -> String {
            guard var components = URLComponents(string: url), components.password != nil else { return url }
            components.password = "***"
            return components.string ?? "postgres://…"
        }

        public init(url: String) throws {
            guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? "") else {
                throw JobStoreError("'\(Self.redacted(url))' is not a postgres://USER:PASSWORD@HOST:PORT/DATABASE URL")
            }
            guard let host = components.host, !host.isEmpty else { throw JobStoreError("the PostgreSQL URL names no host") }
            guard let user = components.user, !user.isEmpty else { throw JobStoreError("the PostgreSQL URL names no user") }
            let database = String(components.path.drop { $0 == "/" })
            guard !database.isEmpty else { throw JobStoreError("the PostgreSQL URL names no database") }
            self.host = host
            self.port = components.port ?? 5432
            self.user = user.removingPercentEncoding ?? user
            self.password = components.password.map { $0.removingPercentEncoding ?? $0 }
            self.database = database
            var schema: String?
            var sslMode = "prefer"
            for item in components.queryItems ?? [] {
                switch item.name {
                case "schema": schema = item.value
                case "sslmode": sslMode = item.value ?? ""
                default: throw JobStoreError("the PostgreSQL URL has the unknown parameter '\(item.name)' (known: schema, sslmode)")
                }
            }
            guard ["disable", "prefer", "require"].contains(sslMode) else {
                throw JobStoreError("sslmode=\(sslMode) is not one of disable, prefer, require")
            }
            // Lower case only: the schema is created quoted but named unquoted in search_path, where
            // PostgreSQL folds it to lower case.
            if let schema, schema.isEmpty || !schema.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }) {
                throw JobStoreError("schema=\(schema): a schema name here is lower-case letters, digits and underscores")
            }
            self.schema = schema
            self.sslMode = sslMode
        }
    }

    /// Connects to the database at `url`, creates the schema if one is named, and migrates it to the
    /// current version (under an advisory lock, so workers starting together migrate once).
    public init(url: String, logger: Logger = PostgresJobStore.quietLogger) async throws {
        let location = try Location(url: url)
        // One connection first, made directly: the pool retries a failing connection forever in the
        // background, while this fails at once with the server's reason (refused, wrong password, no database).
        do {
            let context = try NIOSSLContext(configuration: .makeClientConfiguration())
            let probeTLS: PostgresConnection.Configuration.TLS
            switch location.sslMode {
            case "disable": probeTLS = .disable
            case "require": probeTLS = .require(context)
            default: probeTLS = .prefer(context)
            }
            var probe = PostgresConnection.Configuration(host: location.host, port: location.port, username: location.user,
                                                         password: location.password, database: location.database, tls: probeTLS)
            probe.options.connectTimeout = .seconds(10)
            let connection = try await PostgresConnection.connect(configuration: probe, id: 0, logger: logger)
            try await connection.close()
        } catch {
            throw JobStoreError("the PostgreSQL database \(location.host):\(location.port)/\(location.database) cannot be used: \(Self.describe(error))")
        }
        let tls: PostgresClient.Configuration.TLS
        switch location.sslMode {
        case "disable": tls = .disable
        case "require": tls = .require(.makeClientConfiguration())
        default: tls = .prefer(.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(host: location.host, port: location.port, username: location.user,
                                                         password: location.password, database: location.database, tls: tls)
        configuration.options.connectTimeout = .seconds(10)
        if let schema = location.schema { configuration.options.additionalStartupParameters = [("search_path", schema)] }
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        self.logger = logger
        schema = location.schema
        runner = Task { await client.run() }
        do {
            if let schema = location.schema {
                try await client.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \"\(schema)\""), logger: logger)
            }
            try await migrate()
        } catch {
            runner.cancel()
            throw JobStoreError("the PostgreSQL database \(location.host):\(location.port)/\(location.database) cannot be used: \(Self.describe(error))")
        }
    }

    /// The driver's own log, errors only (its reconnection notices would flood a service's log).
    public static var quietLogger: Logger {
        var logger = Logger(label: "modelvet.postgres")
        logger.logLevel = .error
        return logger
    }

    /// PostgresNIO's errors hide the server's message from `description`; this shows it.
    static func describe(_ error: Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] { return message }
            return "\(error.code)"
        }
        return "\(error)"
    }

    func migrate() async throws {
        try await client.withTransaction(logger: logger) { connection in
            // Any number of processes may start at once; the first to take the lock migrates, the rest find it done.
            try await connection.query("SELECT pg_advisory_xact_lock(7316001)", logger: logger)
            try await connection.query("CREATE TABLE IF NOT EXISTS schema_migrations (identifier TEXT PRIMARY KEY NOT NULL, applied DOUBLE PRECISION NOT NULL)",
                                       logger: logger)
            var applied = Set<String>()
            for try await (identifier) in try await connection.query("SELECT identifier FROM schema_migrations", logger: logger).decode(String.self) {
                applied.insert(identifier)
            }
            for (identifier, sql) in ServiceSchema.steps where !applied.contains(identifier) {
                // The simple protocol is not available here; each statement is sent on its own.
                for statement in sql.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespacesAndNewlines) }) where !statement.isEmpty {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                let now = Date().timeIntervalSince1970
                try await connection.query("INSERT INTO schema_migrations (identifier, applied) VALUES (\(identifier), \(now))", logger: logger)
            }
        }
    }

    /// Runs `body`, turning the driver's errors into the store's.
    @discardableResult
    func run<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let error as JobStoreError { throw error } catch {
            throw JobStoreError("database error: \(Self.describe(error))")
        }
    }

    func jobs(_ rows: PostgresRowSequence) async throws -> [ScanJob] {
        var jobs: [ScanJob] = []
        for try await row in rows { jobs.append(try Self.job(row.makeRandomAccess())) }
        return jobs
    }

    static func job(_ row: PostgresRandomAccessRow) throws -> ScanJob {
        func date(_ column: String) throws -> Date? { try row[column].decode(Double?.self).map { Date(timeIntervalSince1970: $0) } }
        let status = try row["status"].decode(String.self)
        guard let parsed = ScanJob.Status(rawValue: status) else { throw JobStoreError("a job row has the unknown status '\(status)'") }
        return ScanJob(id: try row["id"].decode(String.self), status: parsed, contentKey: try row["content_key"].decode(String.self),
                       input: try row["input"].decode(String.self), name: try row["name"].decode(String.self),
                       options: try row["options"].decode(String.self), attempts: try row["attempts"].decode(Int.self),
                       maxAttempts: try row["max_attempts"].decode(Int.self),
                       created: Date(timeIntervalSince1970: try row["created"].decode(Double.self)), started: try date("started"),
                       finished: try date("finished"), leaseOwner: try row["lease_owner"].decode(String?.self), leaseExpires: try date("lease_expires"),
                       verdict: try row["verdict"].decode(String?.self), summary: try row["summary"].decode(String?.self),
                       error: try row["error"].decode(String?.self), submitter: try row["submitter"].decode(String?.self))
    }

    static let columns = ServiceSchema.jobColumns

    public func submit(_ submission: Submission, now: Date) async throws -> ScanJob {
        let id = UUID().uuidString.lowercased()
        let key = submission.contentKey
        let t = now.timeIntervalSince1970
        let job: ScanJob? = try await run {
            try await client.withTransaction(logger: logger) { connection in
                var cached: (String, String)?
                for try await row in try await connection.query("SELECT verdict, summary FROM results WHERE content_key = \(key)", logger: logger)
                    .decode((String, String).self) { cached = row }
                let rows: PostgresRowSequence
                if let (verdict, summary) = cached {
                    rows = try await connection.query("""
                        INSERT INTO jobs (id, status, content_key, input, name, options, attempts, max_attempts, created, finished, verdict, summary, submitter)
                        VALUES (\(id), 'done', \(key), \(submission.input), \(submission.name), \(submission.options), 0, \(submission.maxAttempts),
                                \(t), \(t), \(verdict), \(summary), \(submission.submitter))
                        RETURNING \(unescaped: Self.columns)
                        """, logger: logger)
                } else {
                    rows = try await connection.query("""
                        INSERT INTO jobs (id, status, content_key, input, name, options, attempts, max_attempts, created, submitter)
                        VALUES (\(id), 'queued', \(key), \(submission.input), \(submission.name), \(submission.options), 0, \(submission.maxAttempts),
                                \(t), \(submission.submitter))
                        RETURNING \(unescaped: Self.columns)
                        """, logger: logger)
                }
                return try await self.jobs(rows).first
            }
        }
        guard let job else { throw JobStoreError("the job just written is missing") }
        return job
    }

    public func claim(worker: String, lease: TimeInterval, now: Date) async throws -> ScanJob? {
        let t = now.timeIntervalSince1970
        let expires = t + lease
        return try await run {
            try await client.withTransaction(logger: logger) { connection in
                // A job whose every attempt ended with its lease running out is failed, not retried forever.
                try await connection.query("""
                    UPDATE jobs SET status = 'failed', finished = \(t), lease_owner = NULL, lease_expires = NULL,
                           error = 'the worker stopped renewing its lease on every attempt (' || attempts || ')'
                    WHERE id IN (SELECT id FROM jobs WHERE status = 'running' AND lease_expires < \(t) AND attempts >= max_attempts
                                 FOR UPDATE SKIP LOCKED)
                    """, logger: logger)
                let rows = try await connection.query("""
                    UPDATE jobs SET status = 'running', attempts = attempts + 1, started = \(t), lease_owner = \(worker), lease_expires = \(expires)
                    WHERE id = (SELECT id FROM jobs WHERE status = 'queued' OR (status = 'running' AND lease_expires < \(t))
                                ORDER BY created, id LIMIT 1 FOR UPDATE SKIP LOCKED)
                    RETURNING \(unescaped: Self.columns)
                    """, logger: logger)
                return try await self.jobs(rows).first
            }
        }
    }

    /// Runs an UPDATE or DELETE ending in `RETURNING id` and counts the rows it changed.
    func changed(_ query: PostgresQuery) async throws -> Int {
        try await run {
            var count = 0
            for try await _ in try await client.query(query, logger: logger) { count += 1 }
            return count
        }
    }

    public func heartbeat(id: String, worker: String, lease: TimeInterval, now: Date) async throws -> Bool {
        let expires = now.timeIntervalSince1970 + lease
        return try await changed("""
            UPDATE jobs SET lease_expires = \(expires) WHERE id = \(id) AND status = 'running' AND lease_owner = \(worker) RETURNING id
            """) == 1
    }

    public func complete(id: String, worker: String, verdict: String, summary: String, reports: JobReports, now: Date) async throws -> Bool {
        let t = now.timeIntervalSince1970
        return try await run {
            try await client.withTransaction(logger: logger) { connection in
                var key: String?
                for try await (contentKey) in try await connection.query("""
                    UPDATE jobs SET status = 'done', finished = \(t), verdict = \(verdict), summary = \(summary), error = NULL,
                           lease_owner = NULL, lease_expires = NULL
                    WHERE id = \(id) AND status = 'running' AND lease_owner = \(worker)
                    RETURNING content_key
                    """, logger: logger).decode(String.self) { key = contentKey }
                guard let key else { return false }
                try await connection.query("""
                    INSERT INTO results (content_key, verdict, summary, report_json, report_sarif, report_html, created)
                    VALUES (\(key), \(verdict), \(summary), \(reports.json), \(reports.sarif), \(reports.html), \(t))
                    ON CONFLICT (content_key) DO NOTHING
                    """, logger: logger)
                return true
            }
        }
    }

    public func fail(id: String, worker: String, reason: String, now: Date) async throws -> ScanJob? {
        let t = now.timeIntervalSince1970
        return try await run {
            try await jobs(client.query("""
                UPDATE jobs SET
                    status = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END,
                    finished = CASE WHEN attempts >= max_attempts THEN \(t) ELSE NULL END,
                    error = \(reason), lease_owner = NULL, lease_expires = NULL
                WHERE id = \(id) AND status = 'running' AND lease_owner = \(worker)
                RETURNING \(unescaped: Self.columns)
                """, logger: logger)).first
        }
    }

    public func release(worker: String) async throws -> Int {
        try await changed("""
            UPDATE jobs SET status = 'queued', attempts = GREATEST(attempts - 1, 0), lease_owner = NULL, lease_expires = NULL, started = NULL
            WHERE status = 'running' AND lease_owner = \(worker) RETURNING id
            """)
    }

    public func job(id: String) async throws -> ScanJob? {
        try await run { try await jobs(client.query("SELECT \(unescaped: Self.columns) FROM jobs WHERE id = \(id)", logger: logger)).first }
    }

    public func list(_ query: JobQuery) async throws -> [ScanJob] {
        var conditions: [String] = []
        var bindings = PostgresBindings()
        for condition in query.conditions {
            bindings.append(condition.value)
            conditions.append(condition.substring ? "strpos(\(condition.column), $\(bindings.count)) > 0" : "\(condition.column) = $\(bindings.count)")
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        bindings.append(query.limit)
        bindings.append(query.offset)
        let sql = "SELECT \(Self.columns) FROM jobs \(filter) ORDER BY created DESC, id LIMIT $\(bindings.count - 1) OFFSET $\(bindings.count)"
        return try await run { try await jobs(client.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)) }
    }

    public func delete(id: String) async throws -> Bool {
        try await changed("DELETE FROM jobs WHERE id = \(id) RETURNING id") == 1
    }

    public func reports(contentKey: String) async throws -> JobReports? {
        try await run {
            for try await (json, sarif, html) in try await client.query(
                "SELECT report_json, report_sarif, report_html FROM results WHERE content_key = \(contentKey)", logger: logger)
                .decode((String, String, String).self) {
                return JobReports(json: json, sarif: sarif, html: html)
            }
            return nil
        }
    }

    public func counts() async throws -> [ScanJob.Status: Int] {
        try await run {
            var counts: [ScanJob.Status: Int] = [:]
            for try await (status, n) in try await client.query("SELECT status, COUNT(*) FROM jobs GROUP BY status", logger: logger)
                .decode((String, Int).self) {
                if let parsed = ScanJob.Status(rawValue: status) { counts[parsed] = n }
            }
            return counts
        }
    }

    public func createToken(role: Role, now: Date) async throws -> (token: APIToken, secret: String) {
        let secret = APIToken.newSecret()
        let token = APIToken(id: UUID().uuidString.lowercased(), role: role, created: now, revoked: nil)
        let digest = ServiceDigest.sha256Hex(secret)
        let t = now.timeIntervalSince1970
        try await run {
            try await client.query("INSERT INTO tokens (id, role, secret_sha256, created) VALUES (\(token.id), \(role.rawValue), \(digest), \(t))",
                                   logger: logger)
        }
        return (token, secret)
    }

    public func token(secret: String) async throws -> APIToken? {
        let digest = ServiceDigest.sha256Hex(secret)
        return try await tokens(where: "secret_sha256 = $1 AND revoked IS NULL", digest).first
    }

    public func tokens() async throws -> [APIToken] { try await tokens(where: nil, nil) }

    func tokens(where condition: String?, _ value: String?) async throws -> [APIToken] {
        var bindings = PostgresBindings()
        if let value { bindings.append(value) }
        let sql = "SELECT id, role, created, revoked FROM tokens \(condition.map { "WHERE " + $0 } ?? "") ORDER BY created, id"
        return try await run {
            var tokens: [APIToken] = []
            for try await (id, role, created, revoked) in try await client.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
                .decode((String, String, Double, Double?).self) {
                guard let parsed = Role(rawValue: role) else { throw JobStoreError("a token row has the unknown role '\(role)'") }
                tokens.append(APIToken(id: id, role: parsed, created: Date(timeIntervalSince1970: created),
                                       revoked: revoked.map { Date(timeIntervalSince1970: $0) }))
            }
            return tokens
        }
    }

    public func revokeToken(id: String, now: Date) async throws -> Bool {
        let t = now.timeIntervalSince1970
        return try await changed("UPDATE tokens SET revoked = \(t) WHERE id = \(id) AND revoked IS NULL RETURNING id") == 1
    }

    public func appliedMigrations() async throws -> [String] {
        try await run {
            var names: [String] = []
            for try await (name) in try await client.query("SELECT identifier FROM schema_migrations ORDER BY applied, identifier", logger: logger)
                .decode(String.self) { names.append(name) }
            return names
        }
    }

    /// Drops the schema named in the URL with everything in it (for tests, which each use a schema of their own).
    public func dropSchema() async throws {
        guard let schema else { throw JobStoreError("this store was opened without ?schema=, so there is no schema of its own to drop") }
        try await run { try await client.query(PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \"\(schema)\" CASCADE"), logger: logger) }
    }

    /// The stored SHA-256 digests of the token secrets (for the test that no secret is stored).
    func secretDigests() async throws -> [String] {
        try await run {
            var digests: [String] = []
            for try await (digest) in try await client.query("SELECT secret_sha256 FROM tokens ORDER BY created", logger: logger).decode(String.self) {
                digests.append(digest)
            }
            return digests
        }
    }

    public func close() async {
        runner.cancel()
        _ = await runner.value
    }
}

/// Opens the store a `--database` value names: `sqlite:PATH` or `postgres://…`.
public enum ServiceDatabase {
    public static func open(_ url: String, logger: Logger = PostgresJobStore.quietLogger) async throws -> any JobStore {
        if url.hasPrefix("sqlite:") {
            let path = String(url.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw JobStoreError("sqlite: needs a path, as in sqlite:service.sqlite") }
            return try SQLiteJobStore(path: path)
        }
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            return try await PostgresJobStore(url: url, logger: logger)
        }
        throw JobStoreError("'\(PostgresJobStore.Location.redacted(url))' is neither sqlite:PATH nor a postgres:// URL")
    }
}
