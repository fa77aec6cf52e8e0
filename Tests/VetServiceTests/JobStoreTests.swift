import Foundation
import Testing
@testable import VetService

/// The SQLite job store: claims, leases, retries, the result cache, and workers racing for jobs.
@Suite("job store (SQLite)")
struct JobStoreTests {
    static func store() throws -> (SQLiteJobStore, String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("modelvet-jobs-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return (try SQLiteJobStore(path: dir + "/service.sqlite"), dir)
    }

    static let reports = JobReports(json: "{}", sarif: "{}", html: "<!DOCTYPE html>")
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("submit, claim, complete; the same content and options again is answered from the cache without a claim")
    func lifecycle() throws {
        let (store, dir) = try Self.store()
        defer { try? FileManager.default.removeItem(atPath: dir) }  // clean-up of a temporary fixture
        let first = try store.submit(.init(input: "/data/a", name: "model.pt", contentDigest: "aa"), now: Self.t0)
        #expect(first.status == .queued && first.attempts == 0)
        let claimed = try #require(try store.claim(worker: "w1", lease: 30, now: Self.t0))
        #expect(claimed.id == first.id && claimed.status == .running && claimed.attempts == 1 && claimed.leaseOwner == "w1")
        #expect(try store.claim(worker: "w2", lease: 30, now: Self.t0) == nil)
        #expect(try store.complete(id: first.id, worker: "w1", verdict: "DANGEROUS", summary: "1 critical", reports: Self.reports, now: Self.t0))
        let done = try #require(try store.job(id: first.id))
        #expect(done.status == .done && done.verdict == "DANGEROUS" && done.leaseOwner == nil)
        #expect(try store.reports(contentKey: done.contentKey) == Self.reports)
        // Cached: done at once, nothing to claim.
        let again = try store.submit(.init(input: "/data/b", name: "copy.pt", contentDigest: "aa"), now: Self.t0)
        #expect(again.status == .done && again.verdict == "DANGEROUS" && again.id != first.id)
        #expect(try store.claim(worker: "w1", lease: 30, now: Self.t0) == nil)
        // Other options are another result.
        let probed = try store.submit(.init(input: "/data/a", name: "model.pt", contentDigest: "aa", options: #"{"probe":true}"#), now: Self.t0)
        #expect(probed.status == .queued)
        #expect(try store.list(status: .done, limit: 10, offset: 0).count == 2)
        #expect(try store.list(status: nil, limit: 2, offset: 2).count == 1)
        #expect(try store.delete(id: probed.id) && (try store.job(id: probed.id)) == nil)
    }

    @Test("a lease that runs out lets another worker take the job; the first worker's heartbeat and result are then refused")
    func leases() throws {
        let (store, dir) = try Self.store()
        defer { try? FileManager.default.removeItem(atPath: dir) }  // clean-up of a temporary fixture
        let job = try store.submit(.init(input: "x", name: "x", contentDigest: "bb"), now: Self.t0)
        _ = try store.claim(worker: "dead", lease: 10, now: Self.t0)
        #expect(try store.heartbeat(id: job.id, worker: "dead", lease: 10, now: Self.t0.addingTimeInterval(5)))
        #expect(try store.claim(worker: "w2", lease: 10, now: Self.t0.addingTimeInterval(14)) == nil, "the renewed lease still holds")
        let taken = try #require(try store.claim(worker: "w2", lease: 10, now: Self.t0.addingTimeInterval(16)))
        #expect(taken.id == job.id && taken.attempts == 2)
        #expect(try !store.heartbeat(id: job.id, worker: "dead", lease: 10, now: Self.t0.addingTimeInterval(17)))
        #expect(try !store.complete(id: job.id, worker: "dead", verdict: "late", summary: "", reports: Self.reports, now: Self.t0.addingTimeInterval(17)))
        #expect(try store.complete(id: job.id, worker: "w2", verdict: "safe", summary: "", reports: Self.reports, now: Self.t0.addingTimeInterval(18)))
        #expect(try store.job(id: job.id)?.verdict == "safe")
    }

    @Test("errors are retried up to the limit, then the job fails with the reason; a lease lost on every attempt fails it too")
    func retries() throws {
        let (store, dir) = try Self.store()
        defer { try? FileManager.default.removeItem(atPath: dir) }  // clean-up of a temporary fixture
        let job = try store.submit(.init(input: "x", name: "x", contentDigest: "cc", maxAttempts: 2), now: Self.t0)
        _ = try store.claim(worker: "w", lease: 10, now: Self.t0)
        #expect(try store.fail(id: job.id, worker: "w", reason: "boom 1", now: Self.t0)?.status == .queued)
        _ = try store.claim(worker: "w", lease: 10, now: Self.t0)
        let failed = try #require(try store.fail(id: job.id, worker: "w", reason: "boom 2", now: Self.t0))
        #expect(failed.status == .failed && failed.error == "boom 2" && failed.attempts == 2)
        #expect(try store.claim(worker: "w", lease: 10, now: Self.t0) == nil)

        let crashing = try store.submit(.init(input: "y", name: "y", contentDigest: "dd", maxAttempts: 2), now: Self.t0)
        _ = try store.claim(worker: "a", lease: 10, now: Self.t0)
        _ = try store.claim(worker: "b", lease: 10, now: Self.t0.addingTimeInterval(11))
        #expect(try store.claim(worker: "c", lease: 10, now: Self.t0.addingTimeInterval(22)) == nil)
        let gaveUp = try #require(try store.job(id: crashing.id))
        #expect(gaveUp.status == .failed && gaveUp.error?.contains("stopped renewing its lease") == true)
    }

    @Test("a graceful shutdown gives the worker's running jobs back without counting an attempt")
    func release() throws {
        let (store, dir) = try Self.store()
        defer { try? FileManager.default.removeItem(atPath: dir) }  // clean-up of a temporary fixture
        let job = try store.submit(.init(input: "x", name: "x", contentDigest: "ee"), now: Self.t0)
        _ = try store.claim(worker: "w", lease: 60, now: Self.t0)
        #expect(try store.release(worker: "w") == 1)
        let back = try #require(try store.job(id: job.id))
        #expect(back.status == .queued && back.attempts == 0 && back.leaseOwner == nil)
    }

    @Test("workers racing on two connections to one database: 200 jobs, each claimed once and completed once")
    func race() throws {
        let (store, dir) = try Self.store()
        defer { try? FileManager.default.removeItem(atPath: dir) }  // clean-up of a temporary fixture
        let second = try SQLiteJobStore(path: dir + "/service.sqlite")
        let ids = try (0..<200).map { try store.submit(.init(input: "\($0)", name: "\($0)", contentDigest: "job-\($0)"), now: Self.t0).id }
        let lock = NSLock()
        nonisolated(unsafe) var claims: [String: Int] = [:]
        nonisolated(unsafe) var errors: [String] = []
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            let mine = worker % 2 == 0 ? store : second
            while true {
                do {
                    guard let job = try mine.claim(worker: "w\(worker)", lease: 600, now: Self.t0) else { return }
                    let ok = try mine.complete(id: job.id, worker: "w\(worker)", verdict: "v\(job.input)", summary: "", reports: Self.reports, now: Self.t0)
                    lock.lock(); claims[job.id, default: 0] += ok ? 1 : 100; lock.unlock()
                } catch {
                    lock.lock(); errors.append("\(error)"); lock.unlock()
                    return
                }
            }
        }
        #expect(errors.isEmpty, "\(errors.prefix(3))")
        #expect(claims.count == 200 && claims.values.allSatisfy { $0 == 1 })
        #expect(try ids.allSatisfy { try store.job(id: $0)?.status == .done })
    }

    @Test("the schema is migrated once and recorded; reopening keeps the jobs")
    func migrations() throws {
        let (store, dir) = try Self.store()
        defer { try? FileManager.default.removeItem(atPath: dir) }  // clean-up of a temporary fixture
        let job = try store.submit(.init(input: "x", name: "x", contentDigest: "ff"), now: Self.t0)
        let reopened = try SQLiteJobStore(path: dir + "/service.sqlite")
        #expect(try reopened.job(id: job.id)?.id == job.id)
        let applied = try reopened.pool.read { db in try SQLiteJobStore.migrator.appliedIdentifiers(db) }
        #expect(applied == ["1-jobs-and-results", "2-tokens"])
        #expect(throws: JobStoreError.self) { try SQLiteJobStore(path: dir + "/missing-folder/x.sqlite") }
    }

    @Test("uploads are stored by content: the same bytes once, a size limit, no partial file left behind")
    func contentStore() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("modelvet-objects-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }  // clean-up of a temporary fixture
        let objects = try ContentStore(root: dir)
        func chunks(_ parts: [String]) -> () throws -> Data? {
            var rest = parts.map { Data($0.utf8) }
            return { rest.isEmpty ? nil : rest.removeFirst() }
        }
        let a = try objects.store(limit: 100, chunks(["hello ", "world"]))
        #expect(a.digest == "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9" && a.size == 11)
        #expect(try String(contentsOfFile: a.path, encoding: .utf8) == "hello world")
        let b = try objects.store(limit: 100, chunks(["hello world"]))
        #expect(b.path == a.path)
        #expect(throws: ContentStoreError.tooLarge(8)) { try objects.store(limit: 8, chunks(["hello ", "world"])) }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir + "/objects").filter { $0.hasPrefix(".upload-") }
        #expect(leftovers.isEmpty)
    }
}

@Suite("API tokens")
struct TokenTests {
    @Test("a token's secret is shown once and stored only as its SHA-256; lookups find live tokens only; roles order")
    func tokens() throws {
        let (store, dir) = try JobStoreTests.store()
        defer { try? FileManager.default.removeItem(atPath: dir) }  // clean-up of a temporary fixture
        let (token, secret) = try store.createToken(role: .reviewer, now: JobStoreTests.t0)
        #expect(secret.hasPrefix("mvt_") && secret.count == 68)
        #expect(try store.token(secret: secret) == token)
        #expect(try store.token(secret: secret + "x") == nil)
        let stored = try store.pool.read { db in try String.fetchAll(db, sql: "SELECT secret_sha256 FROM tokens") }
        #expect(stored == [ServiceDigest.sha256Hex(secret)] && !stored[0].contains(secret))
        #expect(try store.revokeToken(id: token.id, now: JobStoreTests.t0))
        #expect(try store.token(secret: secret) == nil)
        #expect(try !store.revokeToken(id: token.id, now: JobStoreTests.t0))
        #expect(Role.submitter < .reviewer && Role.reviewer < .admin)
        let applied = try store.pool.read { db in try SQLiteJobStore.migrator.appliedIdentifiers(db) }
        #expect(applied == ["1-jobs-and-results", "2-tokens"])
    }
}
