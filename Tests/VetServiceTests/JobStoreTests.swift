import Foundation
import GRDB
import Testing
import VetTestSupport
@testable import VetService

/// The job stores: claims, leases, retries, the result cache, and workers racing for jobs.
@Suite("job store (SQLite and PostgreSQL)")
struct JobStoreTests {
    static let reports = JobReports(json: "{}", sarif: "{}", html: "<!DOCTYPE html>")
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("the PostgreSQL store is tested (a server is configured)", .enabled(if: TestPostgres.url != nil, TestPostgres.missing))
    func postgresConfigured() async throws {
        let (store, _, cleanup) = try await StoreKind.postgres.open()
        await cleanup()
        #expect(store is PostgresJobStore)
    }
    @Test("submit, claim, complete; the same content and options again is answered from the cache without a claim", arguments: StoreKind.available)
    func lifecycle(kind: StoreKind) async throws {
        let (store, url, cleanup) = try await kind.open()
        _ = url
        defer { Task { await cleanup() } }
        let first = try await store.submit(.init(input: "/data/a", name: "model.pt", contentDigest: "aa"), now: Self.t0)
        #expect(first.status == .queued && first.attempts == 0)
        let claimed = try #require(await store.claim(worker: "w1", lease: 30, now: Self.t0))
        #expect(claimed.id == first.id && claimed.status == .running && claimed.attempts == 1 && claimed.leaseOwner == "w1")
        #expect(try await store.claim(worker: "w2", lease: 30, now: Self.t0) == nil)
        #expect(try await store.complete(id: first.id, worker: "w1", verdict: "DANGEROUS", summary: "1 critical", reports: Self.reports, now: Self.t0))
        let done = try #require(await store.job(id: first.id))
        #expect(done.status == .done && done.verdict == "DANGEROUS" && done.leaseOwner == nil)
        #expect(try await store.reports(contentKey: done.contentKey) == Self.reports)
        // Cached: done at once, nothing to claim.
        let again = try await store.submit(.init(input: "/data/b", name: "model.pt", contentDigest: "aa"), now: Self.t0)
        #expect(again.status == .done && again.verdict == "DANGEROUS" && again.id != first.id)
        #expect(try await store.claim(worker: "w1", lease: 30, now: Self.t0) == nil)
        // Other options, or another name (which decides how a file is read), are another result.
        let probed = try await store.submit(.init(input: "/data/a", name: "model.pt", contentDigest: "aa", options: #"{"probe":true}"#), now: Self.t0)
        #expect(probed.status == .queued)
        let renamed = try await store.submit(.init(input: "/data/a", name: "model.txt", contentDigest: "aa"), now: Self.t0)
        #expect(renamed.status == .queued && renamed.contentKey != first.contentKey)
        #expect(try await store.delete(id: renamed.id))
        #expect(try await store.list(JobQuery(status: .done, limit: 10)).count == 2)
        #expect(try await store.list(JobQuery(limit: 2, offset: 2)).count == 1)
        #expect(try await store.delete(id: probed.id))
        #expect(try await store.job(id: probed.id) == nil)
    }

    @Test("a lease that runs out lets another worker take the job; the first worker's heartbeat and result are then refused", arguments: StoreKind.available)
    func leases(kind: StoreKind) async throws {
        let (store, url, cleanup) = try await kind.open()
        _ = url
        defer { Task { await cleanup() } }
        let job = try await store.submit(.init(input: "x", name: "x", contentDigest: "bb"), now: Self.t0)
        _ = try await store.claim(worker: "dead", lease: 10, now: Self.t0)
        #expect(try await store.heartbeat(id: job.id, worker: "dead", lease: 10, now: Self.t0.addingTimeInterval(5)))
        #expect(try await store.claim(worker: "w2", lease: 10, now: Self.t0.addingTimeInterval(14)) == nil, "the renewed lease still holds")
        let taken = try #require(await store.claim(worker: "w2", lease: 10, now: Self.t0.addingTimeInterval(16)))
        #expect(taken.id == job.id && taken.attempts == 2)
        #expect(try await !store.heartbeat(id: job.id, worker: "dead", lease: 10, now: Self.t0.addingTimeInterval(17)))
        #expect(try await !store.complete(id: job.id, worker: "dead", verdict: "late", summary: "", reports: Self.reports, now: Self.t0.addingTimeInterval(17)))
        #expect(try await store.complete(id: job.id, worker: "w2", verdict: "safe", summary: "", reports: Self.reports, now: Self.t0.addingTimeInterval(18)))
        #expect(try await store.job(id: job.id)?.verdict == "safe")
    }

    @Test("errors are retried up to the limit, then the job fails with the reason; a lease lost on every attempt fails it too", arguments: StoreKind.available)
    func retries(kind: StoreKind) async throws {
        let (store, url, cleanup) = try await kind.open()
        _ = url
        defer { Task { await cleanup() } }
        let job = try await store.submit(.init(input: "x", name: "x", contentDigest: "cc", maxAttempts: 2), now: Self.t0)
        _ = try await store.claim(worker: "w", lease: 10, now: Self.t0)
        #expect(try await store.fail(id: job.id, worker: "w", reason: "boom 1", now: Self.t0)?.status == .queued)
        _ = try await store.claim(worker: "w", lease: 10, now: Self.t0)
        let failed = try #require(await store.fail(id: job.id, worker: "w", reason: "boom 2", now: Self.t0))
        #expect(failed.status == .failed && failed.error == "boom 2" && failed.attempts == 2)
        #expect(try await store.claim(worker: "w", lease: 10, now: Self.t0) == nil)

        let crashing = try await store.submit(.init(input: "y", name: "y", contentDigest: "dd", maxAttempts: 2), now: Self.t0)
        _ = try await store.claim(worker: "a", lease: 10, now: Self.t0)
        _ = try await store.claim(worker: "b", lease: 10, now: Self.t0.addingTimeInterval(11))
        #expect(try await store.claim(worker: "c", lease: 10, now: Self.t0.addingTimeInterval(22)) == nil)
        let gaveUp = try #require(await store.job(id: crashing.id))
        #expect(gaveUp.status == .failed && gaveUp.error?.contains("stopped renewing its lease") == true)
    }

    @Test("a graceful shutdown gives the worker's running jobs back without counting an attempt", arguments: StoreKind.available)
    func release(kind: StoreKind) async throws {
        let (store, url, cleanup) = try await kind.open()
        _ = url
        defer { Task { await cleanup() } }
        let job = try await store.submit(.init(input: "x", name: "x", contentDigest: "ee"), now: Self.t0)
        _ = try await store.claim(worker: "w", lease: 60, now: Self.t0)
        #expect(try await store.release(worker: "w") == 1)
        let back = try #require(await store.job(id: job.id))
        #expect(back.status == .queued && back.attempts == 0 && back.leaseOwner == nil)
    }

    @Test("workers racing on two connections to one database: 200 jobs, each claimed once and completed once", arguments: StoreKind.available)
    func race(kind: StoreKind) async throws {
        let (store, url, cleanup) = try await kind.open()
        defer { Task { await cleanup() } }
        let second = try await ServiceDatabase.open(url)
        var ids: [String] = []
        for i in 0..<200 { ids.append(try await store.submit(.init(input: "\(i)", name: "\(i)", contentDigest: "job-\(i)"), now: Self.t0).id) }
        let outcomes = await withTaskGroup(of: ([String: Int], [String]).self) { group in
            for worker in 0..<8 {
                let mine = worker % 2 == 0 ? store : second
                group.addTask {
                    var claims: [String: Int] = [:]
                    do {
                        while let job = try await mine.claim(worker: "w\(worker)", lease: 600, now: Self.t0) {
                            let ok = try await mine.complete(id: job.id, worker: "w\(worker)", verdict: "v\(job.input)", summary: "", reports: Self.reports, now: Self.t0)
                            claims[job.id, default: 0] += ok ? 1 : 100
                        }
                    } catch {
                        return (claims, ["\(error)"])
                    }
                    return (claims, [])
                }
            }
            var all: ([String: Int], [String]) = ([:], [])
            for await (claims, errors) in group {
                all.0.merge(claims, uniquingKeysWith: +)
                all.1 += errors
            }
            return all
        }
        await second.close()
        #expect(outcomes.1.isEmpty, "\(outcomes.1.prefix(3))")
        #expect(outcomes.0.count == 200 && outcomes.0.values.allSatisfy { $0 == 1 })
        for id in ids { #expect(try await store.job(id: id)?.status == .done) }
    }

    @Test("the schema is migrated once and recorded; reopening keeps the jobs; an unusable database is an error", arguments: StoreKind.available)
    func migrations(kind: StoreKind) async throws {
        let (store, url, cleanup) = try await kind.open()
        defer { Task { await cleanup() } }
        let job = try await store.submit(.init(input: "x", name: "x", contentDigest: "ff"), now: Self.t0)
        let reopened = try await ServiceDatabase.open(url)
        #expect(try await reopened.job(id: job.id)?.id == job.id)
        #expect(try await reopened.appliedMigrations() == ServiceSchema.migrations)
        await reopened.close()
        switch kind {
        case .sqlite:
            await #expect(throws: JobStoreError.self) { try await ServiceDatabase.open("sqlite:/nonexistent-folder/x.sqlite") }
        case .postgres:
            await #expect(throws: JobStoreError.self) { try await ServiceDatabase.open("postgres://nobody:wrong@127.0.0.1:5432/modelvet") }
        }
        #expect(throws: JobStoreError.self) { try PostgresJobStore.Location(url: "postgres://u@h/db?schema=a;drop") }
        #expect(throws: JobStoreError.self) { try PostgresJobStore.Location(url: "postgres://u@h/db?sslmode=maybe") }
        #expect(try PostgresJobStore.Location(url: "postgres://u:p%40ss@h:5433/db?schema=s1").password == "p@ss")
    }

    @Test("submitted names become one path component, by Unicode scalar: no separator survives joined to a mark, no control or format scalar, 200 bytes at most")
    func safeNames() {
        #expect(SafeName.component("../\u{200C}../\u{200C}etc") == "etc")
        #expect(SafeName.component("../\u{301}x") == "\u{301}x")
        #expect(SafeName.component("a\u{D4E}/b") == "b")
        #expect(SafeName.component("..") == "upload" && SafeName.component("a/..") == "upload" && SafeName.component("") == "upload")
        #expect(SafeName.component("C:\\models\\evil\u{202E}lkp.pt\r\n") == "evillkp.pt")
        let long = SafeName.component(String(repeating: "模", count: 120) + ".safetensors")
        #expect(long.utf8.count <= 200 && !long.isEmpty)
        #expect(ContentStore.isObject("/data/objects/ab/" + String(repeating: "c", count: 62)))
        #expect(!ContentStore.isObject("/data/objects/ab/model.pkl") && !ContentStore.isObject("/models/ab/" + String(repeating: "c", count: 62)))
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
    @Test("a token's secret is shown once and stored only as its SHA-256; lookups find live tokens only; roles order", arguments: StoreKind.available)
    func tokens(kind: StoreKind) async throws {
        let (store, _, cleanup) = try await kind.open()
        defer { Task { await cleanup() } }
        let (token, secret) = try await store.createToken(role: .reviewer, now: JobStoreTests.t0)
        #expect(secret.hasPrefix("mvt_") && secret.count == 68)
        #expect(try await store.token(secret: secret) == token)
        #expect(try await store.token(secret: secret + "x") == nil)
        let stored: [String]
        if let sqlite = store as? SQLiteJobStore {
            stored = try await sqlite.pool.read { db in try String.fetchAll(db, sql: "SELECT secret_sha256 FROM tokens") }
        } else {
            stored = try await (store as! PostgresJobStore).secretDigests()
        }
        #expect(stored == [ServiceDigest.sha256Hex(secret)] && !stored[0].contains(secret))
        #expect(try await store.revokeToken(id: token.id, now: JobStoreTests.t0))
        #expect(try await store.token(secret: secret) == nil)
        #expect(try await !store.revokeToken(id: token.id, now: JobStoreTests.t0))
        let all = try await store.tokens()
        #expect(all.map(\.id) == [token.id] && all.first?.revoked != nil)
        #expect(Role.submitter < .reviewer && Role.reviewer < .admin)
    }
}
