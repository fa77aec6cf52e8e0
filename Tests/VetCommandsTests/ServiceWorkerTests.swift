import Crypto
import Foundation
import Testing
import VetFixtures
import VetProvenance
import VetService
import VetTestSupport
@testable import VetCommands

/// Workers taking jobs from the store and vetting them as `modelvet vet` does.
@Suite("service workers")
struct ServiceWorkerTests {
    @Test("two workers drain a queue of benign and malicious files: each job done once, with the verdict vet gives it and its three reports")
    func drain() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("modelvet-workers-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }  // clean-up of a temporary fixture
        let store = try SQLiteJobStore(path: dir + "/service.sqlite")
        var expected: [String: Bool] = [:]
        for i in 0..<12 {
            let malicious = i % 3 == 0
            let bytes = malicious ? PickleAssembler.callPickle("os", "system", ["echo modelvet-test \(i)"]) : PickleAssembler.benignPickle() + [UInt8(i)]
            let path = dir + "/model-\(i).pkl"
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let digest = try ModelHasher.manifest(path).rootDigest  // as modelvet serve hashes a server-side path
            let job = try await store.submit(.init(input: path, name: "model-\(i).pkl", contentDigest: digest), now: Date())
            expected[job.id] = malicious
        }
        let bad = try await store.submit(.init(input: dir + "/absent.pkl", name: "absent", contentDigest: "absent", maxAttempts: 1), now: Date())
        // A lease far longer than the test: under the whole suite's load on 2 cores a heartbeat can be late,
        // and a lapsed lease (rightly) gives the job a second attempt, which this test is not about.
        let workers = (0..<2).map { ServiceWorker(store: store, name: "w\($0)", lease: 600) }
        await ServiceWorker.drive(workers, poll: 0.1, once: true, stop: { false })
        for (id, malicious) in expected {
            let job = try #require(await store.job(id: id))
            #expect(job.status == .done && job.attempts == 1, "\(job)")
            #expect((job.verdict == "danger") == malicious && job.summary?.hasPrefix("Do not load") == malicious, "\(job)")
            let reports = try #require(await store.reports(contentKey: job.contentKey))
            #expect(reports.json.contains("modelvet-vet/1") && reports.html.hasPrefix("<!DOCTYPE html>") && reports.sarif.contains("2.1.0"))
        }
        let failed = try #require(await store.job(id: bad.id))
        #expect(failed.status == .failed && failed.error == "absent: the stored input no longer exists", "\(failed)")
    }
}

/// `modelvet token` and `modelvet worker` through the binary.
@Suite("modelvet worker / token")
struct ServiceCLITests {
    @Test("token create prints a working secret; worker --once drains the queue; SIGTERM stops a waiting worker cleanly; an unusable database exits 2 with the reason")
    func commands() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("modelvet-servicecli-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }  // clean-up of a temporary fixture
        let database = "sqlite:" + dir + "/service.sqlite"
        let created = try CLI.run(["token", "create", "--role", "admin", "--database", database])
        #expect(created.status == 0 && created.stderr.contains("created admin token"))
        let store = try SQLiteJobStore(path: dir + "/service.sqlite")
        #expect(try await store.token(secret: created.stdout.trimmingCharacters(in: .whitespacesAndNewlines))?.role == .admin)
        #expect(try CLI.run(["token", "create", "--role", "root", "--database", database]).status == 2)
        #expect(try CLI.run(["token", "revoke", "nope", "--database", database]).status == 1)

        try Data(PickleAssembler.callPickle("os", "system", ["echo modelvet-test"])).write(to: URL(fileURLWithPath: dir + "/bad.pkl"))
        let job = try await store.submit(.init(input: dir + "/bad.pkl", name: "bad.pkl", contentDigest: try ModelHasher.manifest(dir + "/bad.pkl").rootDigest),
                                         now: Date())
        let once = try CLI.run(["worker", "--database", database, "--once"])
        #expect(once.status == 0, "\(once.stderr)")
        #expect(try await store.job(id: job.id)?.verdict == "danger")

        let unreachable = try CLI.run(["worker", "--database", "postgres://nobody@127.0.0.1:1/modelvet", "--once"])
        #expect(unreachable.status == 2 && unreachable.stderr.contains("127.0.0.1:1/modelvet cannot be used"), "\(unreachable.stderr)")
        // serve on a port already taken exits 2 instead of waiting with its workers.
        let first = try RunningModelVet(["serve", "--listen", "127.0.0.1:0", "--data", dir + "/serve-1"], log: dir + "/serve-1.log")
        defer { first.stop() }
        let taken = try await first.waitFor("127\\.0\\.0\\.1:[0-9]+")
        let second = try RunningModelVet(["serve", "--listen", taken, "--data", dir + "/serve-2"], log: dir + "/serve-2.log")
        let deadline = Date().addingTimeInterval(20)
        while second.process.isRunning && Date() < deadline { try await Task.sleep(nanoseconds: 100_000_000) }
        #expect(second.stop(SIGKILL) == 2, "\(second.output.suffix(800))")
        #expect(first.stop(SIGTERM) == 0, "\(first.output.suffix(800))")
        let unknown = try CLI.run(["worker", "--database", "mysql://localhost/modelvet", "--once"])
        #expect(unknown.status == 2 && unknown.stderr.contains("neither sqlite:PATH nor a postgres:// URL"), "\(unknown.stderr)")

        // A worker waiting on an empty queue stops on SIGTERM and exits 0.
        let waiting = try RunningModelVet(["worker", "--database", database, "--poll", "0.2"], log: dir + "/worker.log")
        try await Task.sleep(nanoseconds: 1_500_000_000)
        #expect(waiting.stop(SIGTERM) == 0, "\(waiting.output)")
    }
}
