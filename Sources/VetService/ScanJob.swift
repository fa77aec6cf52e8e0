import Foundation
import VetCore

/// One submitted vetting job, as the service stores it and the API shows it.
public struct ScanJob: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable, CaseIterable {
        case queued, running, done, failed
    }

    public var id: String
    public var status: Status
    /// What the result is cached under: the SHA-256 of the input's content and of the options.
    public var contentKey: String
    /// The stored upload (content-addressed, under the data folder) or the server-side path.
    public var input: String
    /// The name the submitter gave (`X-Filename`, or the path's last component); shown, never used as a path.
    public var name: String
    /// The options as canonical JSON (`{"probe": …, "baseline": …}`).
    public var options: String
    public var attempts: Int
    public var maxAttempts: Int
    public var created: Date
    public var started: Date?
    public var finished: Date?
    public var leaseOwner: String?
    public var leaseExpires: Date?
    public var verdict: String?
    public var summary: String?
    public var error: String?
    /// The id of the token that submitted the job (nil for jobs queued outside the API).
    public var submitter: String?
}

/// What a submitter asks for.
public struct Submission: Sendable {
    public var input: String
    public var name: String
    /// The SHA-256 of the input's content (the upload's, or the folder manifest's root digest).
    public var contentDigest: String
    public var options: String
    public var maxAttempts: Int
    /// The id of the submitting token.
    public var submitter: String?

    public init(input: String, name: String, contentDigest: String, options: String = "{}", maxAttempts: Int = 3, submitter: String? = nil) {
        self.input = input; self.name = name; self.contentDigest = contentDigest; self.options = options; self.maxAttempts = maxAttempts
        self.submitter = submitter
    }

    /// The cache key: the content, the name, the options and the scanner's version together. The same file
    /// probed and not probed are two results; so are the same bytes under two names (formats are told
    /// apart by name as well as by content: `x.py` is analysed as Python, `x.txt` is not), and a result
    /// of an earlier ModelVet is not reused after an upgrade.
    public var contentKey: String {
        ServiceDigest.sha256Hex([contentDigest, name, options, ModelVetVersion.current].joined(separator: "\n"))
    }
}

/// The reports of a finished job.
public struct JobReports: Sendable, Equatable {
    public var json: String
    public var sarif: String
    public var html: String
    public init(json: String, sarif: String, html: String) { self.json = json; self.sarif = sarif; self.html = html }
}

/// Why the store refused an operation.
public struct JobStoreError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Which jobs a listing returns, newest first.
public struct JobQuery: Sendable, Equatable {
    public var status: ScanJob.Status?
    /// The verdict's level (`ok`, `info`, `warning`, `danger`).
    public var verdict: String?
    /// Only the jobs this token submitted.
    public var submitter: String?
    /// Only the jobs whose name contains this text.
    public var name: String?
    public var limit: Int
    public var offset: Int

    public init(status: ScanJob.Status? = nil, verdict: String? = nil, submitter: String? = nil, name: String? = nil, limit: Int = 50, offset: Int = 0) {
        self.status = status; self.verdict = verdict; self.submitter = submitter; self.name = name; self.limit = limit; self.offset = offset
    }

    /// The filters that apply, for each store to write in its own SQL: a column and the value it must
    /// equal, or (`substring`) contain.
    var conditions: [(column: String, value: String, substring: Bool)] {
        [("status", status?.rawValue, false), ("verdict", verdict, false), ("submitter", submitter, false), ("name", name, true)]
            .compactMap { column, value, substring in value.map { (column, $0, substring) } }
    }
}

/// The job queue, the result cache and the API tokens. Every method is one transaction, so any number
/// of workers in any number of processes can share one store: a job is claimed by one worker at a time
/// (its lease), a lease that is not renewed lets another worker take the job, and a result is recorded
/// once. Two implementations: SQLite (one machine) and PostgreSQL (many).
public protocol JobStore: Sendable {
    /// Queues a job, unless the same content and options already have a result: then the new job is
    /// recorded as done at once with that result's verdict.
    func submit(_ submission: Submission, now: Date) async throws -> ScanJob
    /// Takes the oldest queued job, or a running one whose lease has expired, for `worker` until
    /// `now + lease`; nil when there is none. A running job whose lease expired on its last attempt is failed instead.
    func claim(worker: String, lease: TimeInterval, now: Date) async throws -> ScanJob?
    /// Extends the lease; false when the worker no longer holds the job (its lease expired and another took it).
    func heartbeat(id: String, worker: String, lease: TimeInterval, now: Date) async throws -> Bool
    /// Records the result; false when the worker no longer holds the job (the result is then dropped).
    func complete(id: String, worker: String, verdict: String, summary: String, reports: JobReports, now: Date) async throws -> Bool
    /// Gives the job back after an error: queued again while attempts remain, else failed with `reason`.
    func fail(id: String, worker: String, reason: String, now: Date) async throws -> ScanJob?
    /// Gives running jobs held by `worker` back to the queue (graceful shutdown), without counting an attempt.
    func release(worker: String) async throws -> Int
    func job(id: String) async throws -> ScanJob?
    func list(_ query: JobQuery) async throws -> [ScanJob]
    func delete(id: String) async throws -> Bool
    func reports(contentKey: String) async throws -> JobReports?
    /// How many jobs are in each state (for metrics).
    func counts() async throws -> [ScanJob.Status: Int]

    /// Creates a token with `role`; returns it and the secret to give its holder (shown once, never stored).
    func createToken(role: Role, now: Date) async throws -> (token: APIToken, secret: String)
    /// The live token whose secret is `secret`, or nil (unknown or revoked).
    func token(secret: String) async throws -> APIToken?
    /// Revokes the token `id`; false when there is no such live token.
    func revokeToken(id: String, now: Date) async throws -> Bool
    func tokens() async throws -> [APIToken]

    /// The names of the schema migrations applied, in order.
    func appliedMigrations() async throws -> [String]
    func close() async
}

/// The schema's migrations, shared by both stores so that both have the same tables and record the same
/// history. The column types are PostgreSQL's; SQLite reads `DOUBLE PRECISION` and `BIGINT` with the
/// same affinities as `REAL` and `INTEGER`.
public enum ServiceSchema {
    public static var migrations: [String] { steps.map(\.name) }
    public static let steps: [(name: String, sql: String)] = [
        ("1-jobs-and-results", """
            CREATE TABLE jobs (
                id TEXT PRIMARY KEY NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
                content_key TEXT NOT NULL,
                input TEXT NOT NULL,
                name TEXT NOT NULL,
                options TEXT NOT NULL,
                attempts BIGINT NOT NULL DEFAULT 0,
                max_attempts BIGINT NOT NULL,
                created DOUBLE PRECISION NOT NULL,
                started DOUBLE PRECISION,
                finished DOUBLE PRECISION,
                lease_owner TEXT,
                lease_expires DOUBLE PRECISION,
                verdict TEXT,
                summary TEXT,
                error TEXT
            );
            CREATE INDEX jobs_claimable ON jobs (status, created);
            CREATE INDEX jobs_content ON jobs (content_key);
            CREATE TABLE results (
                content_key TEXT PRIMARY KEY NOT NULL,
                verdict TEXT NOT NULL,
                summary TEXT NOT NULL,
                report_json TEXT NOT NULL,
                report_sarif TEXT NOT NULL,
                report_html TEXT NOT NULL,
                created DOUBLE PRECISION NOT NULL
            );
            """),
        ("2-tokens", """
            CREATE TABLE tokens (
                id TEXT PRIMARY KEY NOT NULL,
                role TEXT NOT NULL CHECK (role IN ('submitter', 'reviewer', 'admin')),
                secret_sha256 TEXT NOT NULL UNIQUE,
                created DOUBLE PRECISION NOT NULL,
                revoked DOUBLE PRECISION
            );
            """),
        ("3-submitters", """
            ALTER TABLE jobs ADD COLUMN submitter TEXT;
            CREATE INDEX jobs_submitter ON jobs (submitter, created);
            """),
    ]

    static let jobColumns = "id, status, content_key, input, name, options, attempts, max_attempts, created, started, finished, lease_owner, lease_expires, verdict, summary, error, submitter"
}

/// A job's options, stored as canonical JSON (sorted keys, absent options left out) so that the same
/// options always give the same cache key.
public struct JobOptions: Codable, Equatable, Sendable {
    /// Run the behaviour probes (slow: the model is run).
    public var probe: Bool?
    /// A server-side path of the model this one claims to derive from (lineage).
    public var baseline: String?

    /// `probe: false` is stored as absent, so that the same request made two ways has one cache key.
    public init(probe: Bool? = nil, baseline: String? = nil) { self.probe = probe == true ? true : nil; self.baseline = baseline }

    public var canonicalJSON: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding two optional scalars cannot fail; the fallback keeps the signature non-throwing.
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    public init(json: String) throws {
        do { self = try JSONDecoder().decode(JobOptions.self, from: Data(json.utf8)) } catch {
            throw JobStoreError("the job's options are not valid: \(error)")
        }
    }
}
