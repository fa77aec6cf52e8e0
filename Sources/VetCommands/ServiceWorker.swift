import Foundation
import VetCore
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

    init(store: any JobStore, name: String = "worker-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))",
         lease: TimeInterval = 60, timeout: TimeInterval = 3600) {
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
            let (verdict, summary, reports) = try await Self.onThread(timeout: timeout) { try Self.vet(job) }
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

    /// Vets the job's input as `modelvet vet` would, quietly, and renders its three reports.
    static func vet(_ job: ScanJob) throws -> (verdict: String, summary: String, reports: JobReports) {
        let options = try JobOptions(json: job.options)
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: job.input, isDirectory: &isFolder) else {
            throw JobStoreError("\(job.input): the input no longer exists")
        }
        // An upload is stored under its digest; it is vetted under the name its submitter gave (already made
        // safe: one path component), through a hard link in a private folder, because formats are told apart
        // by name as well as by content. The link is removed afterwards; the stored object stays.
        var input = job.input
        var staging: String?
        if !isFolder.boolValue && job.name != (job.input as NSString).lastPathComponent {
            let folder = NSTemporaryDirectory() + "modelvet-job-\(job.id)"
            do {
                try? FileManager.default.removeItem(atPath: folder)  // a leftover of an earlier attempt; createDirectory reports any real problem
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
                input = folder + "/" + SafeName.component(job.name)
                do { try FileManager.default.linkItem(atPath: job.input, toPath: input) } catch {
                    try FileManager.default.copyItem(atPath: job.input, toPath: input)  // another file system: a copy
                }
            } catch {
                throw JobStoreError("cannot stage \(job.input) for vetting: \(error.localizedDescription)")
            }
            staging = folder
        }
        defer { if let staging { try? FileManager.default.removeItem(atPath: staging) } }  // clean-up of the private staging folder
        var arguments = [input, "--quiet"]
        if options.probe != true { arguments.append("--no-probe") }
        if let baseline = options.baseline { arguments += ["--baseline", baseline] }
        var report: VetReport
        do { report = try VetCommand.parse(arguments).makeReport() } catch {
            throw JobStoreError("vetting stopped: \(VetCommand.message(for: error).isEmpty ? "\(error)" : VetCommand.message(for: error))")
        }
        let counts = report.scan.countsBySeverity
        let severities: [Severity] = [.critical, .high, .medium]
        let bySeverity: String = severities.map { "\(counts[$0] ?? 0) \($0.name)" }.joined(separator: ", ")
        let coverage = report.scan.isComplete ? "" : "; not fully scanned"
        let summary = "\(report.verdict.headline); \(report.scan.findings.count) findings (\(bySeverity))\(coverage)"
        // The report records what was vetted, not how this process was started; an upload is named by its
        // submitter's file name, without the private staging folder (which would reveal the server's paths).
        report.command = ["modelvet", "vet"] + arguments
        func unstaged(_ text: String) -> String {
            guard let staging else { return text }
            return text.replacingOccurrences(of: staging + "/", with: "")
                .replacingOccurrences(of: staging.replacingOccurrences(of: "/", with: "\\/") + "\\/", with: "")
        }
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
