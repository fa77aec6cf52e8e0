import Foundation
import GRDB

/// The job store in one SQLite file (GRDB, write-ahead log), for a single service process and its
/// embedded workers, or workers on the same machine. Writes are serialised by SQLite, so a claim — find the oldest claimable job and
/// lease it — is atomic without further locking.
public final class SQLiteJobStore: JobStore, @unchecked Sendable {
    let pool: DatabasePool

    /// Opens (creating if needed) the database at `path` and migrates it to the current schema.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(pool)
        } catch {
            throw JobStoreError("the database \(path) cannot be opened: \(error)")
        }
    }

    /// The schema, one migration per change; applied migrations are recorded in the database.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for step in ServiceSchema.steps {
            migrator.registerMigration(step.name) { db in try db.execute(sql: step.sql) }
        }
        return migrator
    }

    static let columns = ServiceSchema.jobColumns

    static func job(_ row: Row) throws -> ScanJob {
        let status: String = row["status"]
        guard let parsed = ScanJob.Status(rawValue: status) else { throw JobStoreError("a job row has the unknown status '\(status)'") }
        func date(_ column: String) -> Date? { (row[column] as Double?).map { Date(timeIntervalSince1970: $0) } }
        return ScanJob(id: row["id"], status: parsed, contentKey: row["content_key"], input: row["input"], name: row["name"],
                       options: row["options"], attempts: row["attempts"], maxAttempts: row["max_attempts"],
                       created: Date(timeIntervalSince1970: row["created"]), started: date("started"), finished: date("finished"),
                       leaseOwner: row["lease_owner"], leaseExpires: date("lease_expires"), verdict: row["verdict"], summary: row["summary"],
                       error: row["error"], submitter: row["submitter"])
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do { return try await pool.write(body) } catch let error as JobStoreError { throw error } catch {
            throw JobStoreError("database error: \(error)")
        }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do { return try await pool.read(body) } catch let error as JobStoreError { throw error } catch {
            throw JobStoreError("database error: \(error)")
        }
    }

    public func submit(_ submission: Submission, now: Date) async throws -> ScanJob {
        let id = UUID().uuidString.lowercased()
        let key = submission.contentKey
        return try await write { db in
            if let cached = try Row.fetchOne(db, sql: "SELECT verdict, summary FROM results WHERE content_key = ?", arguments: [key]) {
                try db.execute(sql: """
                    INSERT INTO jobs (id, status, content_key, input, name, options, attempts, max_attempts, created, finished, verdict, summary, submitter)
                    VALUES (?, 'done', ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?)
                    """, arguments: [id, key, submission.input, submission.name, submission.options, submission.maxAttempts,
                                     now.timeIntervalSince1970, now.timeIntervalSince1970, cached["verdict"] as String, cached["summary"] as String,
                                     submission.submitter])
            } else {
                try db.execute(sql: """
                    INSERT INTO jobs (id, status, content_key, input, name, options, attempts, max_attempts, created, submitter)
                    VALUES (?, 'queued', ?, ?, ?, ?, 0, ?, ?, ?)
                    """, arguments: [id, key, submission.input, submission.name, submission.options, submission.maxAttempts,
                                     now.timeIntervalSince1970, submission.submitter])
            }
            guard let row = try Row.fetchOne(db, sql: "SELECT \(Self.columns) FROM jobs WHERE id = ?", arguments: [id]) else {
                throw JobStoreError("the job just written is missing")
            }
            return try Self.job(row)
        }
    }

    public func claim(worker: String, lease: TimeInterval, now: Date) async throws -> ScanJob? {
        let t = now.timeIntervalSince1970
        return try await write { db in
            // A job whose every attempt ended with its lease running out is failed, not retried forever.
            try db.execute(sql: """
                UPDATE jobs SET status = 'failed', finished = ?, lease_owner = NULL, lease_expires = NULL,
                       error = 'the worker stopped renewing its lease on every attempt (' || attempts || ')'
                WHERE status = 'running' AND lease_expires < ? AND attempts >= max_attempts
                """, arguments: [t, t])
            guard let row = try Row.fetchOne(db, sql: """
                SELECT \(Self.columns) FROM jobs
                WHERE status = 'queued' OR (status = 'running' AND lease_expires < ?)
                ORDER BY created, id LIMIT 1
                """, arguments: [t]) else { return nil }
            var job = try Self.job(row)
            job.status = .running
            job.attempts += 1
            job.started = now
            job.leaseOwner = worker
            job.leaseExpires = now.addingTimeInterval(lease)
            try db.execute(sql: """
                UPDATE jobs SET status = 'running', attempts = ?, started = ?, lease_owner = ?, lease_expires = ? WHERE id = ?
                """, arguments: [job.attempts, t, worker, t + lease, job.id])
            return job
        }
    }

    public func heartbeat(id: String, worker: String, lease: TimeInterval, now: Date) async throws -> Bool {
        try await write { db in
            try db.execute(sql: "UPDATE jobs SET lease_expires = ? WHERE id = ? AND status = 'running' AND lease_owner = ?",
                           arguments: [now.timeIntervalSince1970 + lease, id, worker])
            return db.changesCount == 1
        }
    }

    public func complete(id: String, worker: String, verdict: String, summary: String, reports: JobReports, now: Date) async throws -> Bool {
        let t = now.timeIntervalSince1970
        return try await write { db in
            try db.execute(sql: """
                UPDATE jobs SET status = 'done', finished = ?, verdict = ?, summary = ?, error = NULL, lease_owner = NULL, lease_expires = NULL
                WHERE id = ? AND status = 'running' AND lease_owner = ?
                """, arguments: [t, verdict, summary, id, worker])
            guard db.changesCount == 1 else { return false }
            guard let key = try String.fetchOne(db, sql: "SELECT content_key FROM jobs WHERE id = ?", arguments: [id]) else { return false }
            try db.execute(sql: """
                INSERT OR IGNORE INTO results (content_key, verdict, summary, report_json, report_sarif, report_html, created)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [key, verdict, summary, reports.json, reports.sarif, reports.html, t])
            return true
        }
    }

    public func fail(id: String, worker: String, reason: String, now: Date) async throws -> ScanJob? {
        try await write { db in
            try db.execute(sql: """
                UPDATE jobs SET
                    status = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END,
                    finished = CASE WHEN attempts >= max_attempts THEN ? ELSE NULL END,
                    error = ?, lease_owner = NULL, lease_expires = NULL
                WHERE id = ? AND status = 'running' AND lease_owner = ?
                """, arguments: [now.timeIntervalSince1970, reason, id, worker])
            guard db.changesCount == 1 else { return nil }
            return try Row.fetchOne(db, sql: "SELECT \(Self.columns) FROM jobs WHERE id = ?", arguments: [id]).map(Self.job)
        }
    }

    public func release(worker: String) async throws -> Int {
        try await write { db in
            try db.execute(sql: """
                UPDATE jobs SET status = 'queued', attempts = MAX(attempts - 1, 0), lease_owner = NULL, lease_expires = NULL, started = NULL
                WHERE status = 'running' AND lease_owner = ?
                """, arguments: [worker])
            return db.changesCount
        }
    }

    public func job(id: String) async throws -> ScanJob? {
        try await read { db in try Row.fetchOne(db, sql: "SELECT \(Self.columns) FROM jobs WHERE id = ?", arguments: [id]).map(Self.job) }
    }

    public func list(_ query: JobQuery) async throws -> [ScanJob] {
        try await read { db in
            let conditions = query.conditions.map { $0.substring ? "instr(\($0.column), ?) > 0" : "\($0.column) = ?" }
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            let arguments: [(any DatabaseValueConvertible)?] = query.conditions.map(\.value) + [query.limit, query.offset]
            let rows = try Row.fetchAll(db, sql: "SELECT \(Self.columns) FROM jobs \(filter) ORDER BY created DESC, id LIMIT ? OFFSET ?",
                                        arguments: StatementArguments(arguments))
            return try rows.map(Self.job)
        }
    }

    public func delete(id: String) async throws -> Bool {
        try await write { db in
            try db.execute(sql: "DELETE FROM jobs WHERE id = ?", arguments: [id])
            return db.changesCount == 1
        }
    }

    public func reports(contentKey: String) async throws -> JobReports? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT report_json, report_sarif, report_html FROM results WHERE content_key = ?", arguments: [contentKey]).map {
                JobReports(json: $0["report_json"], sarif: $0["report_sarif"], html: $0["report_html"])
            }
        }
    }

    public func counts() async throws -> [ScanJob.Status: Int] {
        try await read { db in
            var counts: [ScanJob.Status: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM jobs GROUP BY status") {
                if let status = ScanJob.Status(rawValue: row["status"]) { counts[status] = row["n"] }
            }
            return counts
        }
    }

    public func appliedMigrations() async throws -> [String] {
        // GRDB records applied migrations as a set; the schema's own list gives their order.
        let applied: Set<String> = try await read { db in try Set(Self.migrator.appliedIdentifiers(db)) }
        return ServiceSchema.migrations.filter(applied.contains) + applied.subtracting(ServiceSchema.migrations).sorted()
    }

    public func close() async {
        do { try pool.close() } catch {}  // closing is best effort at shutdown; open statements keep the file consistent (WAL)
    }
}
