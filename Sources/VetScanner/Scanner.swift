import Foundation
import Synchronization
import VetBytes
import VetCore
import VetRules

/// Progress of a running scan, for live status lines.
public struct ScanProgress: Sendable {
    /// Files finished.
    public var filesDone: Int
    /// Files to scan in total.
    public var filesTotal: Int
    /// Bytes of finished files.
    public var bytesDone: Int
    /// Bytes of all files.
    public var bytesTotal: Int
    /// The file that just finished.
    public var lastFile: String
}

/// The façade: walks inputs, scans files in parallel and assembles a sorted report.
public struct Scanner: Sendable {
    /// How the scan runs.
    public var configuration: ScanConfiguration

    /// Creates a scanner.
    public init(configuration: ScanConfiguration = ScanConfiguration()) {
        self.configuration = configuration
    }

    /// Scans files and directories (recursively).
    /// - Parameter progress: called after each file, from worker threads.
    public func scan(paths: [String], progress: (@Sendable (ScanProgress) -> Void)? = nil) -> ScanReport {
        let clock = ContinuousClock.now
        let walk = FileWalker.collect(paths)
        let files = walk.files
        let total = files.reduce(0) { $0 + $1.size }
        let results = Mutex<[Int: FileResult]>([:])
        let counters = Mutex<(files: Int, bytes: Int)>((0, 0))
        let next = Atomic<Int>(0)
        let workers = min(configuration.jobs, max(files.count, 1))
        WorkerPool.run(workers: workers) {
            while true {
                let index = next.add(1, ordering: .relaxed).oldValue
                guard index < files.count else { return }
                let result = scanFile(files[index])
                results.withLock { $0[index] = result }
                let (done, bytes) = counters.withLock { state -> (Int, Int) in
                    state.files += 1
                    state.bytes += files[index].size
                    return (state.files, state.bytes)
                }
                progress?(ScanProgress(filesDone: done, filesTotal: files.count, bytesDone: bytes, bytesTotal: total,
                                       lastFile: files[index].path))
            }
        }
        var findings: [Finding] = []
        var coverage: [CoverageEntry] = []
        var failures = walk.failures
        for result in results.withLock({ $0.values }) {
            findings.append(contentsOf: result.findings)
            coverage.append(contentsOf: result.coverage)
            failures.append(contentsOf: result.failures)
        }
        let elapsed = ContinuousClock.now - clock
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        findings.append(contentsOf: RepositoryAnalysis.shadowedPickles(coverage: coverage))
        let final = configuration.policy.apply(to: findings)
        var report = ScanReport(inputs: paths, findings: final, coverage: coverage,
                                failures: failures, fileCount: files.count, byteCount: total, duration: seconds)
        report.repositories = RepositoryAnalysis.verdicts(folders: walk.folders, findings: final, coverage: coverage)
        return report
    }

    /// Runs `body` on `workers` threads (the calling thread is one of them) and waits for all.
    enum WorkerPool {
        static func run(workers: Int, _ body: @escaping @Sendable () -> Void) {
            let group = DispatchGroup()
            for _ in 1..<max(workers, 1) {
                group.enter()
                let thread = Thread {
                    body()
                    group.leave()
                }
                thread.stackSize = 8 << 20
                thread.start()
            }
            body()
            group.wait()
        }
    }

    struct FileResult: Sendable {
        var findings: [Finding] = []
        var coverage: [CoverageEntry] = []
        var failures: [ScanFailure] = []
    }

    /// Scans one file from disk.
    func scanFile(_ file: FileWalker.File) -> FileResult {
        let location = Location(file: file.path)
        let source: ByteSource
        do { source = try ByteSource.mapFile(atPath: file.path) } catch {
            return FileResult(failures: [ScanFailure(location: location, message: "cannot read: \(error)")])
        }
        return scanBytes(source, location: location, name: file.path)
    }

    /// Scans bytes already in memory as if they were a file at `location`.
    func scanBytes(_ source: ByteSource, location: Location, name: String) -> FileResult {
        let session = ScanSession(context: RuleContext(imports: configuration.policy.imports, limits: configuration.limits))
        session.scanFile(source, at: location, name: name)
        return FileResult(findings: session.sink.findings, coverage: session.coverage)
    }

    /// Scans in-memory bytes and returns a complete report (for tests, examples and library users).
    public func scan(bytes: [UInt8], name: String) -> ScanReport {
        let result = scanBytes(ByteSource(bytes), location: Location(file: name), name: name)
        return ScanReport(inputs: [name], findings: configuration.policy.apply(to: result.findings), coverage: result.coverage,
                          failures: result.failures, fileCount: 1, byteCount: bytes.count, duration: 0)
    }
}
