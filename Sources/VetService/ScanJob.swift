import Foundation

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
}

/// What a submitter asks for.
public struct Submission: Sendable {
    public var input: String
    public var name: String
    /// The SHA-256 of the input's content (the upload's, or the folder manifest's root digest).
    public var contentDigest: String
    public var options: String
    public var maxAttempts: Int

    public init(input: String, name: String, contentDigest: String, options: String = "{}", maxAttempts: Int = 3) {
        self.input = input; self.name = name; self.contentDigest = contentDigest; self.options = options; self.maxAttempts = maxAttempts
    }

    /// The cache key: the content and the options together (the same file probed and not probed are two results).
    public var contentKey: String { ServiceDigest.sha256Hex(contentDigest + "\n" + options) }
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

/// The job queue and result cache. Every method is one transaction, so any number of workers in any
/// number of processes can share one store: a job is claimed by one worker at a time (its lease), a
/// lease that is not renewed lets another worker take the job, and a result is recorded once.
public protocol JobStore: Sendable {
    /// Queues a job, unless the same content and options already have a result: then the new job is
    /// recorded as done at once with that result's verdict.
    func submit(_ submission: Submission, now: Date) throws -> ScanJob
    /// Takes the oldest queued job, or a running one whose lease has expired, for `worker` until
    /// `now + lease`; nil when there is none.
    func claim(worker: String, lease: TimeInterval, now: Date) throws -> ScanJob?
    /// Extends the lease; false when the worker no longer holds the job (its lease expired and another took it).
    func heartbeat(id: String, worker: String, lease: TimeInterval, now: Date) throws -> Bool
    /// Records the result; false when the worker no longer holds the job (the result is then dropped).
    func complete(id: String, worker: String, verdict: String, summary: String, reports: JobReports, now: Date) throws -> Bool
    /// Gives the job back after an error: queued again while attempts remain, else failed with `reason`.
    func fail(id: String, worker: String, reason: String, now: Date) throws -> ScanJob?
    /// Gives running jobs held by `worker` back to the queue (graceful shutdown), without counting an attempt.
    func release(worker: String) throws -> Int
    func job(id: String) throws -> ScanJob?
    func list(status: ScanJob.Status?, limit: Int, offset: Int) throws -> [ScanJob]
    func delete(id: String) throws -> Bool
    func reports(contentKey: String) throws -> JobReports?
}
