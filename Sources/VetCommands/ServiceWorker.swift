import Foundation
import VetCore
import VetReports
import VetService

/// A worker of the vetting service: claims jobs from the store, vets each with the same code as
/// `modelvet vet`, renews its lease while it works, and records the result (or gives the job back with
/// the reason). Any number of workers, in any number of processes, can share one store.
final class ServiceWorker: @unchecked Sendable {
    /// The options a job carries (its `options` JSON).
    struct Options: Codable, Equatable {
        var probe: Bool?
        var baseline: String?
    }

    let store: JobStore
    let name: String
    let lease: TimeInterval

    init(store: JobStore, name: String = "worker-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))", lease: TimeInterval = 60) {
        self.store = store
        self.name = name
        self.lease = lease
    }

    /// Claims and runs one job; false when the queue is empty.
    func runOne(now: () -> Date = Date.init) throws -> Bool {
        guard let job = try store.claim(worker: name, lease: lease, now: now()) else { return false }
        let heartbeat = Heartbeat(every: lease / 3) { [store, name, lease] in
            // A refused heartbeat means another worker took the job over; this one's result will be refused too.
            _ = try? store.heartbeat(id: job.id, worker: name, lease: lease, now: Date())  // a failed renewal only shortens the lease
        }
        defer { heartbeat.stop() }
        do {
            let (verdict, summary, reports) = try Self.vet(job)
            _ = try store.complete(id: job.id, worker: name, verdict: verdict, summary: summary, reports: reports, now: now())
        } catch {
            _ = try store.fail(id: job.id, worker: name, reason: "\(error)", now: now())
        }
        return true
    }

    /// Vets the job's input as `modelvet vet` would, quietly, and renders its three reports.
    static func vet(_ job: ScanJob) throws -> (verdict: String, summary: String, reports: JobReports) {
        let options: Options
        do { options = try JSONDecoder().decode(Options.self, from: Data(job.options.utf8)) } catch {
            throw JobStoreError("the job's options are not valid: \(error)")
        }
        guard FileManager.default.fileExists(atPath: job.input) else { throw JobStoreError("\(job.input): the input no longer exists") }
        var arguments = [job.input, "--quiet"]
        if options.probe != true { arguments.append("--no-probe") }
        if let baseline = options.baseline { arguments += ["--baseline", baseline] }
        let report: VetReport
        do { report = try VetCommand.parse(arguments).makeReport() } catch {
            throw JobStoreError("vetting stopped: \(VetCommand.message(for: error).isEmpty ? "\(error)" : VetCommand.message(for: error))")
        }
        let counts = report.scan.countsBySeverity
        let severities: [Severity] = [.critical, .high, .medium]
        let bySeverity: String = severities.map { "\(counts[$0] ?? 0) \($0.name)" }.joined(separator: ", ")
        let coverage = report.scan.isComplete ? "" : "; not fully scanned"
        let summary = "\(report.verdict.level.rawValue): \(report.scan.findings.count) findings (\(bySeverity))\(coverage)"
        let reports = JobReports(json: try report.json(), sarif: ReportFormat.sarif.render(report.scan, context: report.context),
                                 html: try HTMLReportWriter.render(report))
        return (report.verdict.headline, summary, reports)
    }
}

/// Calls `beat` every `interval` seconds on a background queue until stopped.
final class Heartbeat: @unchecked Sendable {
    let timer: DispatchSourceTimer

    init(every interval: TimeInterval, _ beat: @escaping @Sendable () -> Void) {
        timer = DispatchSource.makeTimerSource(queue: DispatchQueue.global(qos: .utility))
        timer.schedule(deadline: .now() + interval, repeating: interval)
        timer.setEventHandler(handler: beat)
        timer.resume()
    }

    func stop() { timer.cancel() }
}
