import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import VetServer
import VetService

/// `modelvet serve`: the vetting service's HTTP API and web UI, with embedded workers.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the vetting service: an HTTP API and web UI that queue models for vetting, with embedded workers.",
        discussion: """
        Submitted models (uploads, or folders under an --allow-path root) are queued; workers vet each as \
        `modelvet vet` does and store the verdict and the JSON, SARIF and HTML reports. Results are cached \
        by content: the same file submitted twice is analysed once.

        The API is under /api/v1 (every call needs Authorization: Bearer TOKEN), described by the OpenAPI \
        document at /api/openapi.json; the web UI is at /ui; Prometheus metrics at /metrics (a reviewer's \
        token, or --public-metrics); /healthz answers "ok". Logs are JSON lines on standard error.

        On its first start with an empty database, serve creates an admin token, prints it once on standard \
        error and writes it to DATA/initial-admin-token (mode 0600). Create more with `modelvet token create`.

        Examples:
          modelvet serve                                            # SQLite in ./modelvet-data, one worker
          modelvet serve --listen 0.0.0.0:8080 --allow-path /models --workers 2
          modelvet serve --database postgres://modelvet:PASSWORD@db:5432/modelvet --workers 0 --data /shared/modelvet
          modelvet worker --database postgres://modelvet:PASSWORD@db:5432/modelvet      # on other machines

        SIGTERM or SIGINT stops accepting requests, lets workers finish the job in hand and gives back the \
        rest. See docs/service.md and docs/deployment.md.

        Exit codes: 0 stopped by a signal; 2 bad options, or the database or data folder cannot be used.
        """)

    @Option(name: .long, help: ArgumentHelp("Address and port to listen on (port 0: any free port, printed at start).", valueName: "host:port"))
    var listen = "127.0.0.1:8080"

    @Option(name: .long, help: ArgumentHelp("sqlite:PATH or postgres://USER:PASSWORD@HOST:PORT/DATABASE (default: sqlite:DATA/service.sqlite).", valueName: "url"))
    var database: String?

    @Option(name: .long, help: ArgumentHelp("Folder for uploads (content-addressed) and the default database; shared storage when workers run on other machines.", valueName: "dir"))
    var data = "modelvet-data"

    @Option(name: .long, help: "Workers run inside this process (0: only serve; run `modelvet worker` elsewhere).")
    var workers = 1

    @Option(name: .customLong("allow-path"), help: ArgumentHelp("A server-side folder whose models may be submitted by path (repeatable; none by default).", valueName: "dir"))
    var allowPaths: [String] = []

    @Option(name: .customLong("max-upload"), help: ArgumentHelp("Largest upload accepted (413 above it), in bytes or with K, M, G.", valueName: "size"))
    var maxUpload = "8G"

    @Option(name: .customLong("rate-limit"), help: "Requests a minute per token (429 above it; failed sign-ins are limited per address).")
    var rateLimit = 600

    @Flag(name: .customLong("public-metrics"), help: "Serve /metrics without a token (for a Prometheus on a private network).")
    var publicMetrics = false

    @Option(name: .long, help: "Seconds a job stays leased without a heartbeat.")
    var lease: Double = 60

    @Option(name: .customLong("job-timeout"), help: "Seconds a job may run before it is failed (the attempt counts).")
    var jobTimeout: Double = 3600

    @Option(name: .customLong("max-attempts"), help: "Attempts a job gets before it is failed with its last error.")
    var maxAttempts = 3

    @Option(name: .customLong("log-format"), help: "json (one object a line) or text.")
    var logFormat = "json"

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    func validate() throws {
        guard address != nil else { throw ValidationError("--listen must be HOST:PORT, as in 127.0.0.1:8080") }
        guard uploadLimit != nil else { throw ValidationError("--max-upload must be a size such as 500M or 8G") }
        if workers < 0 { throw ValidationError("--workers must be 0 or more") }
        if rateLimit < 1 { throw ValidationError("--rate-limit must be at least 1") }
        if lease < 3 || lease > 86_400 { throw ValidationError("--lease must be from 3 seconds to a day") }
        if jobTimeout <= 0 { throw ValidationError("--job-timeout must be positive") }
        if maxAttempts < 1 { throw ValidationError("--max-attempts must be at least 1") }
        if !["json", "text"].contains(logFormat) { throw ValidationError("--log-format must be json or text") }
        if Logger.Level(rawValue: logLevel) == nil { throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical") }
    }

    var address: (host: String, port: Int)? {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        let host = String(listen[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return host.isEmpty ? nil : (host, port)
    }

    var uploadLimit: Int? { Self.size(maxUpload) }

    /// "500", "64K", "500M", "8G" in bytes (powers of 1024).
    static func size(_ text: String) -> Int? {
        let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
        guard let last = text.uppercased().last else { return nil }
        if let unit = units[last] {
            return Int(text.dropLast()).flatMap { value in
                let (bytes, overflow) = value.multipliedReportingOverflow(by: unit)
                return value > 0 && !overflow ? bytes : nil
            }
        }
        return Int(text).flatMap { $0 > 0 ? $0 : nil }
    }

    func run() throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        let json = logFormat == "json"
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = label == "modelvet.postgres" ? .error : level
            return handler
        }
        let logger = Logger(label: "modelvet.serve")
        let (host, port) = address ?? ("127.0.0.1", 8080)
        let paths: PathPolicy
        do { paths = try PathPolicy(roots: allowPaths) } catch {
            Terminal.error("\(error)")
            throw ExitCode(2)
        }
        // Stored as an absolute path: jobs record it, and workers started elsewhere must find it.
        let data = self.data.hasPrefix("/") ? self.data : FileManager.default.currentDirectoryPath + "/" + self.data
        do { try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true) } catch {
            Terminal.error("the data folder \(data) cannot be created: \(error.localizedDescription)")
            throw ExitCode(2)
        }
        let url = database ?? "sqlite:" + data + "/service.sqlite"
        let settings = ServerSettings(dataRoot: data, paths: paths, uploadLimit: uploadLimit ?? 8 << 30, requestsPerMinute: rateLimit,
                                      publicMetrics: publicMetrics, maxAttempts: maxAttempts)
        try runBlocking { [data, workers, lease, jobTimeout] in
            let store: any JobStore
            do { store = try await ServiceDatabase.open(url) } catch {
                Terminal.error("\(error)")
                throw ExitCode(2)
            }
            try await Self.firstAdminToken(store: store, data: data, logger: logger)
            let server: ServiceServer
            do {
                // The digest its workers check a server-side path against before vetting it.
                server = try ServiceServer(store: store, settings: settings, digest: ServiceWorker.folderDigest)
            } catch {
                Terminal.error("\(error)")
                throw ExitCode(2)
            }
            let application = server.application(host: host, port: port, logger: logger) { bound in
                Terminal.error("listening on http://\(host.contains(":") ? "[\(host)]" : host):\(bound) (\(workers) worker(s), \(url.hasPrefix("sqlite:") ? "SQLite" : "PostgreSQL"))")
            }
            let swept = server.content.sweepAbandonedUploads()
            if swept > 0 { logger.notice("removed \(swept) upload(s) a stopped process left half-written") }
            // A group shuts its services down last first: the HTTP server stops taking requests, then the
            // workers finish the jobs in hand.
            var services: [any Service] = []
            if workers > 0 {
                services.append(WorkerPool(workers: (0..<workers).map { _ in
                    let worker = ServiceWorker(store: store, lease: lease, timeout: jobTimeout)
                    worker.report = { logger.info("\($0)") }
                    return worker
                }))
            }
            services.append(application)
            let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            do { try await group.run() } catch {
                Terminal.error("modelvet serve stopped: \(error)")
                await store.close()
                throw ExitCode(2)
            }
            await store.close()
        }
    }

    /// On an empty token table, creates an admin token, prints it once and writes it to DATA/initial-admin-token.
    static func firstAdminToken(store: any JobStore, data: String, logger: Logger) async throws {
        guard try await store.tokens().isEmpty else { return }
        let created = try await store.createToken(role: .admin, now: Date())
        let path = data + "/initial-admin-token"
        // Created with mode 0600 from the start (never readable by others, even for a moment), and never over another.
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            Terminal.error("cannot create \(path): \(String(cString: strerror(errno))) (the admin token \(created.token.id) was created; revoke it or remove the file and start again)")
            throw ExitCode(2)
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        do { try handle.write(contentsOf: Data((created.secret + "\n").utf8)) } catch {
            Terminal.error("cannot write \(path): \(error.localizedDescription)")
            throw ExitCode(2)
        }
        Terminal.error("first start, created an admin token (also in \(path), mode 0600; shown once):\n  \(created.secret)")
        logger.notice("created the first admin token", metadata: ["token": .string(created.token.id), "file": .string(path)])
    }
}

/// The embedded workers as a service of the server's group: on SIGTERM they finish the job in hand and give back the rest.
struct WorkerPool: Service {
    let workers: [ServiceWorker]

    func run() async throws {
        let stop = StopFlag()
        // A graceful shutdown lets the jobs in hand finish; a cancellation (another service of the group
        // failed, e.g. the port was taken) stops as soon as the jobs in hand are done too.
        await withTaskCancellationOrGracefulShutdownHandler {
            await ServiceWorker.drive(workers, poll: 1, once: false, stop: { stop.isSet })
        } onCancelOrGracefulShutdown: {
            stop.set()
        }
    }
}
