import ArgumentParser
import Foundation
import VetService

/// `--database sqlite:PATH`: the service's store.
struct DatabaseOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The service's database: sqlite:PATH (one machine). PostgreSQL is not built yet.", valueName: "url"))
    var database: String

    func open() throws -> SQLiteJobStore {
        guard database.hasPrefix("sqlite:") else {
            let scheme = database.split(separator: ":").first.map(String.init) ?? database
            Terminal.error("--database \(scheme): only sqlite:PATH is supported so far (the PostgreSQL store of issue 14 is not built yet)")
            throw ExitCode(2)
        }
        do { return try SQLiteJobStore(path: String(database.dropFirst("sqlite:".count))) } catch {
            Terminal.error("\(error)")
            throw ExitCode(2)
        }
    }
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
            let store = try database.open()
            let created = try store.createToken(role: role, now: Date())
            Terminal.write(created.secret + "\n")
            Terminal.error("created \(role.rawValue) token \(created.token.id)")
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token by its id (exit 1 when there is no such live token).")

        @OptionGroup var database: DatabaseOption

        @Argument(help: "The token's id, as `token create` printed it.")
        var id: String

        func run() throws {
            guard try database.open().revokeToken(id: id, now: Date()) else {
                Terminal.error("no live token has the id \(id)")
                throw ExitCode(1)
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

        Exit codes: 0 stopped (signal, or --once with an empty queue); 2 the database cannot be opened.
        """)

    @OptionGroup var database: DatabaseOption

    @Flag(name: .long, help: "Exit when the queue is empty instead of waiting for jobs.")
    var once = false

    @Option(name: .long, help: "Seconds a job stays leased without a heartbeat.")
    var lease: Double = 60

    @Option(name: .long, help: "Seconds between looks at an empty queue.")
    var poll: Double = 1

    func validate() throws {
        if lease < 3 { throw ValidationError("--lease must be at least 3 seconds (heartbeats come every third of it)") }
        if poll <= 0 { throw ValidationError("--poll must be positive") }
    }

    func run() throws {
        let worker = ServiceWorker(store: try database.open(), lease: lease)
        let stop = StopSignal()
        defer { stop.cancel() }
        while !stop.requested {
            let ran: Bool
            do { ran = try worker.runOne() } catch {
                Terminal.error("\(error)")
                Thread.sleep(forTimeInterval: poll)
                continue
            }
            if !ran {
                if once { break }
                Thread.sleep(forTimeInterval: poll)
            }
        }
        let released = try worker.store.release(worker: worker.name)
        if released > 0 { Terminal.error("gave back \(released) job(s)") }
    }
}

/// SIGTERM and SIGINT set a flag instead of killing the process, so the job in hand can finish.
final class StopSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    private var sources: [DispatchSourceSignal] = []

    init() {
        for number in [SIGTERM, SIGINT] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [weak self] in self?.set() }
            source.resume()
            sources.append(source)
        }
    }

    private func set() { lock.lock(); flag = true; lock.unlock() }

    var requested: Bool { lock.lock(); defer { lock.unlock() }; return flag }

    func cancel() { sources.forEach { $0.cancel() } }
}
