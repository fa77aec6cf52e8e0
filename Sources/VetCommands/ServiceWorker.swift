import Foundation
import VetCore
import VetProvenance
import VetReports
import VetService

/// A worker of the vetting service: claims jobs from the store, vets each with the same code as
/// `modelvet vet`, renews its lease while it works, and records the result (or gives the job back with
/// the reason). Any number of workers, in any number of processes, can share one store.
final class ServiceWorker: @unchecked Sendable {
    let store: any JobStore
    let name: String
    let lease: TimeInterval
    /// Seconds a job may take before the worker gives it back as failed (its attempt counts).
    let timeout: TimeInterval
    /// Told of each job this worker finishes: `job <id> done|failed|lost …` (the worker command prints it).
    var report: (@Sendable (String) -> Void)?

    /// How a server-side path's content is hashed (as `modelvet serve` hashed it when it was submitted).
    let digest: @Sendable (String) throws -> String

    /// The digest `modelvet serve` gives a server-side file or folder: the model-signing manifest's root digest.
    static let folderDigest: @Sendable (String) throws -> String = { path in try ModelHasher.manifest(path).rootDigest }

    init(store: any JobStore, name: String = "worker-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))",
         lease: TimeInterval = 60, timeout: TimeInterval = 3600, digest: @escaping @Sendable (String) throws -> String = ServiceWorker.folderDigest) {
        self.digest = digest
        self.store = store
        self.name = name
        self.lease = lease
        self.timeout = timeout
    }

    /// What became of a job this worker ran.
    enum Outcome: Equatable { case empty, done, failed, lost }

    /// Claims and runs one job; `.empty` when the queue is empty.
    @discardableResult
    func runOne(now: @Sendable () -> Date = Date.init) async throws -> Outcome {
        guard let job = try await store.claim(worker: name, lease: lease, now: now()) else { return .empty }
        let heartbeat = Task { [store, name, lease] in
            while !Task.isCancelled {
                do { try await Task.sleep(nanoseconds: UInt64(lease / 3 * 1e9)) } catch { return }
                // A refused heartbeat means another worker took the job over; this one's result will be refused too.
                // A failed renewal only shortens the lease, so the error is not fatal here.
                _ = try? await store.heartbeat(id: job.id, worker: name, lease: lease, now: Date())
            }
        }
        defer { heartbeat.cancel() }
        let started = Date()
        func elapsed() -> String { String(format: "%.2f s", Date().timeIntervalSince(started)) }
        do {
            let (verdict, summary, reports) = try await Self.onThread(timeout: timeout) { [digest] in try Self.vet(job, digest: digest) }
            let recorded = try await store.complete(id: job.id, worker: name, verdict: verdict, summary: summary, reports: reports, now: now())
            report?("job \(job.id) \(recorded ? "done" : "lost (another worker holds it now)"): \(verdict) in \(elapsed()) by \(name)")
            return recorded ? .done : .lost
        } catch {
            let failed = try await store.fail(id: job.id, worker: name, reason: "\(error)", now: now())
            report?("job \(job.id) \(failed == nil ? "lost (another worker holds it now)" : failed?.status == .failed ? "failed" : "given back for a retry"): \(error) by \(name)")
            return failed == nil ? .lost : .failed
        }
    }

    /// Runs `body` on a thread of its own (vetting is long and synchronous; it must not hold a thread of
    /// Swift's cooperative pool, which serves the HTTP API), failing after `timeout` seconds. A vet that
    /// runs past its timeout cannot be stopped from outside; its thread finishes on its own and its
    /// result is discarded.
    static func onThread<T: Sendable>(timeout: TimeInterval, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        let once = OnceResume<T>()
        return try await withCheckedThrowingContinuation { continuation in
            once.set(continuation)
            let thread = Thread { once.resume(with: Result { try body() }) }
            thread.stackSize = 16 << 20
            thread.start()
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
                once.resume(with: .failure(JobStoreError("the job ran past its timeout of \(Int(timeout)) s")))
            }
        }
    }

    /// Vets the job's input as `modelvet vet` would, quietly, and renders its three reports. `digest` is
    /// how server-side paths were hashed when submitted (the model-signing manifest's root digest).
    static func vet(_ job: ScanJob, digest: (String) throws -> String = ServiceWorker.folderDigest) throws -> (verdict: String, summary: String, reports: JobReports) {
        let options = try JobOptions(json: job.options)
        var isFolder: ObjCBool = false
        // Errors name the job's name, never a server path: submitters read them.
        guard FileManager.default.fileExists(atPath: job.input, isDirectory: &isFolder) else {
            throw JobStoreError("\(job.name): the stored input no longer exists")
        }
        let upload = ContentStore.isObject(job.input)
        if !upload {
            // A server-side path was hashed when it was submitted; what is vetted now must be what was hashed,
            // or the result would be cached under content it does not describe.
            let now: String
            do { now = try digest(job.input) } catch { throw JobStoreError("\(job.name) cannot be read: \(error)") }
            let submitted = Submission(input: job.input, name: job.name, contentDigest: now, options: job.options)
            guard submitted.contentKey == job.contentKey else {
                throw JobStoreError("\(job.name) changed after it was submitted; submit it again")
            }
        }
        // An upload is stored under its digest; it is vetted under the name its submitter gave (already made
        // safe: one path component), through a hard link in a private folder of its own (one per attempt, so
        // a timed-out attempt still running cannot touch the next), because formats are told apart by name
        // as well as by content. The folder is removed afterwards; the stored object stays.
        var input = job.input
        var staging: String?
        if upload {
            let folder = NSTemporaryDirectory() + "modelvet-job-\(job.id)-\(UUID().uuidString.prefix(8))"
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
                staging = folder
                input = folder + "/" + SafeName.component(job.name)
                do { try FileManager.default.linkItem(atPath: job.input, toPath: input) } catch {
                    try FileManager.default.copyItem(atPath: job.input, toPath: input)  // another file system: a copy
                }
            } catch {
                if let staging { try? FileManager.default.removeItem(atPath: staging) }  // clean-up; the staging error is the one reported
                throw JobStoreError("\(job.name) cannot be staged for vetting: \(error.localizedDescription)")
            }
        }
        defer { if let staging { try? FileManager.default.removeItem(atPath: staging) } }  // clean-up of the private staging folder
        var arguments = [input, "--quiet"]
        if options.probe != true { arguments.append("--no-probe") }
        if let baseline = options.baseline { arguments += ["--baseline", baseline] }
        var report: VetReport
        func unstaged(_ text: String) -> String {
            guard let staging else { return text }
            return text.replacingOccurrences(of: staging + "/", with: "")
                .replacingOccurrences(of: staging.replacingOccurrences(of: "/", with: "\\/") + "\\/", with: "")
        }
        do { report = try VetCommand.parse(arguments).makeReport() } catch {
            let message = VetCommand.message(for: error)
            throw JobStoreError("vetting stopped: " + unstaged(message.isEmpty ? "\(error)" : message))
        }
        let counts = report.scan.countsBySeverity
        let severities: [Severity] = [.critical, .high, .medium]
        let bySeverity: String = severities.map { "\(counts[$0] ?? 0) \($0.name)" }.joined(separator: ", ")
        let coverage = report.scan.isComplete ? "" : "; not fully scanned"
        let summary = "\(report.verdict.headline); \(report.scan.findings.count) findings (\(bySeverity))\(coverage)"
        // The report records what was vetted, not how this process was started; an upload is named by its
        // submitter's file name, without the private staging folder (which would reveal the server's paths).
        report.command = ["modelvet", "vet"] + arguments.map(unstaged)
        let reports = JobReports(json: unstaged(try report.json()), sarif: unstaged(ReportFormat.sarif.render(report.scan, context: report.context)),
                                 html: unstaged(try HTMLReportWriter.render(report)))
        return (report.verdict.level.rawValue, summary, reports)
    }
}

/// Resumes a continuation once, from whichever of two racers comes first.
final class OnceResume<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<T, Error>?

    func set(_ continuation: CheckedContinuation<T, Error>) { lock.lock(); self.continuation = continuation; lock.unlock() }

    func resume(with result: Result<T, Error>) {
        lock.lock()
        let waiting = continuation
        continuation = nil
        lock.unlock()
        waiting?.resume(with: result)
    }
}
