import ArgumentParser
import Foundation
import VetService

/// `--database sqlite:PATH | postgres://…`: the service's store.
struct DatabaseOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("""
        The service's database: sqlite:PATH (one machine; created if missing) or \
        postgres://USER:PASSWORD@HOST:PORT/DATABASE[?schema=S&sslmode=disable|prefer|require] (many workers on many machines).
        """, valueName: "url"))
    var database: String

    /// Opens and migrates the store; a database that cannot be used exits 2 with the reason.
    func open() async throws -> any JobStore {
        do { return try await ServiceDatabase.open(database) } catch {
            Terminal.error("\(error)")
            throw ExitCode(2)
        }
    }
}

/// Runs an async command body from a synchronous `run()` (the root command is synchronous), waiting on
/// this thread, which is not one of Swift's cooperative pool.
func runBlocking(_ body: @escaping @Sendable () async throws -> Void) throws {
    let done = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var outcome: Result<Void, Error> = .success(())
    Task.detached {
        do { try await body() } catch { outcome = .failure(error) }
        done.signal()
    }
    done.wait()
    try outcome.get()
}

/// `modelvet token create --role ROLE`: a new API token for the service.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Manage the vetting service's API tokens.",
        subcommands: [Create.self, Revoke.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a token and print its secret (shown once; only its SHA-256 is stored).",
            discussion: """
            Roles: submitter (submit models, read results), reviewer (also list every scan), admin (also \
            delete scans and manage tokens). The secret is printed on standard output and cannot be shown \
            again; the token's id (for revoke) on standard error.

            Example:
              modelvet token create --role submitter --database sqlite:/var/lib/modelvet/service.sqlite
            """)

        @OptionGroup var database: DatabaseOption

        @Option(name: .long, help: "submitter, reviewer or admin.")
        var role: Role

        func run() throws {
            try runBlocking { [database, role] in
                let store = try await database.open()
                defer { Task { await store.close() } }
                let created = try await store.createToken(role: role, now: Date())
                Terminal.write(created.secret + "\n")
                Terminal.error("created \(role.rawValue) token \(created.token.id)")
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token by its id (exit 1 when there is no such live token).")

        @OptionGroup var database: DatabaseOption

        @Argument(help: "The token's id, as `token create` printed it.")
        var id: String

        func run() throws {
            try runBlocking { [database, id] in
                let store = try await database.open()
                let revoked = try await store.revokeToken(id: id, now: Date())
                await store.close()
                guard revoked else {
                    Terminal.error("no live token has the id \(id)")
                    throw ExitCode(1)
                }
            }
        }
    }
}

extension Role: ExpressibleByArgument {}

/// `modelvet worker`: runs the service's jobs.
struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run vetting jobs from the service's queue (any number of workers can share a database).",
        discussion: """
        Each job is vetted as `modelvet vet` vets it (without probes unless the job asks for them) and its \
        verdict and reports are stored. The worker renews its lease on the job while it works; a worker \
        that dies loses nothing, because another takes the job once the lease runs out. On SIGTERM or \
        SIGINT it finishes the job in hand, gives back any job it holds, and exits. See docs/service.md.

        Examples:
          modelvet worker --database sqlite:/var/lib/modelvet/service.sqlite
          modelvet worker --database sqlite:service.sqlite --once
          modelvet worker --database postgres://modelvet:PASSWORD@db.internal:5432/modelvet --concurrency 4

        Exit codes: 0 stopped (signal, or --once with an empty queue); 2 the database cannot be opened.
        """)

    @OptionGroup var database: DatabaseOption

    @Flag(name: .long, help: "Exit when the queue is empty instead of waiting for jobs.")
    var once = false

    @Option(name: .long, help: "Seconds a job stays leased without a heartbeat.")
    var lease: Double = 60

    @Option(name: .long, help: "Seconds between looks at an empty queue.")
    var poll: Double = 1

    @Option(name: .long, help: "Seconds a job may run before it is given back as failed (the attempt counts).")
    var timeout: Double = 3600

    @Option(name: .long, help: "Jobs run at once in this process.")
    var concurrency: Int = 1

    func validate() throws {
        if lease < 3 { throw ValidationError("--lease must be at least 3 seconds (heartbeats come every third of it)") }
        if poll <= 0 || poll > 3600 { throw ValidationError("--poll must be more than 0 and at most 3600 seconds") }
        if timeout <= 0 { throw ValidationError("--timeout must be positive") }
        if lease > 86_400 { throw ValidationError("--lease must be at most a day") }
        if concurrency < 1 { throw ValidationError("--concurrency must be at least 1") }
    }

    func run() throws {
        try runBlocking { [database, lease, timeout, poll, once, concurrency] in
            let store = try await database.open()
            let stop = StopSignal()
            defer { stop.cancel() }
            let workers = (0..<concurrency).map { _ in
                let worker = ServiceWorker(store: store, lease: lease, timeout: timeout)
                worker.report = { Terminal.error($0) }
                return worker
            }
            await ServiceWorker.drive(workers, poll: poll, once: once, stop: { stop.requested })
            await store.close()
        }
    }
}

extension ServiceWorker {
    /// Runs each worker in a loop until `stop` says so (or, with `once`, until the queue is empty), then
    /// gives back the jobs they hold. Errors of the store are reported and retried after `poll`.
    static func drive(_ workers: [ServiceWorker], poll: TimeInterval, once: Bool, stop: @escaping @Sendable () -> Bool) async {
        await withTaskGroup(of: Void.self) { group in
            for worker in workers {
                group.addTask {
                    while !stop() && !Task.isCancelled {
                        let outcome: Outcome
                        do { outcome = try await worker.runOne() } catch {
                            Terminal.error("\(worker.name): \(error)")
                            try? await Task.sleep(nanoseconds: UInt64(poll * 1e9))  // a cancelled sleep only ends the wait early
                            continue
                        }
                        if outcome == .empty {
                            if once { break }
                            try? await Task.sleep(nanoseconds: UInt64(poll * 1e9))  // a cancelled sleep only ends the wait early
                        }
                    }
                    do {
                        let released = try await worker.store.release(worker: worker.name)
                        if released > 0 { Terminal.error("\(worker.name) gave back \(released) job(s)") }
                    } catch {
                        Terminal.error("\(worker.name) could not give back its jobs (they return when their lease runs out): \(error)")
                    }
                }
            }
        }
    }
}

/// SIGTERM and SIGINT set a flag instead of killing the process, so the job in hand can finish.
final class StopSignal: @unchecked Sendable {
    private let flag = StopFlag()
    private var sources: [DispatchSourceSignal] = []

    init() {
        for number in [SIGTERM, SIGINT] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [flag] in flag.set() }
            source.resume()
            sources.append(source)
        }
    }

    var requested: Bool { flag.isSet }

    func cancel() { sources.forEach { $0.cancel() } }
}

/// A flag set once, from any thread (a signal, a graceful shutdown), read by the loops that must stop.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    func set() { lock.lock(); flag = true; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return flag }
}
